"""Names every part of the release package shares: output ids, grouping choices, the error."""

from __future__ import annotations

import logging
from typing import Literal

from geo.errors import InputError

logger = logging.getLogger(__name__)

OUTSIDE_ID = "outside"
"""``area_id`` of the row for land outside every selected area (区外)."""
OUTSIDE_NAME = "区外"
OUTSIDE_NAME_EN = "outside"

BY_CHOICES: dict[str, str] = {
    "area": "area_id",
    "status": "status",
    "year": "year",
    "industry": "industry_before",
    "district": "district",
}
"""What a summary can be grouped by, and the output column each one gives."""

_BY_SOURCE = {"status": "status", "industry": "industry_before", "district": "district"}

BY_SOURCE_COLUMNS: dict[str, str] = {**_BY_SOURCE, "year": "released_on"}
"""The parcel column each grouping dimension (other than area) is read from."""

OverlapRule = Literal["smallest", "order"]
OVERLAP_RULES: tuple[str, ...] = ("smallest", "order")

AREA_COLUMNS: tuple[str, ...] = ("area_m2", "area_mu", "area_ha")
"""The area columns of every summary, one per unit."""

DEFAULT_CHUNK = 16_384
"""Parcels per unit of work; bounds the memory of the clipping step."""


class ReleaseError(InputError):
    """A summary cannot be computed as asked; the message lists the valid choices."""
