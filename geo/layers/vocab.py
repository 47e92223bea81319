"""Vocabularies, value sets and derived fields that layer specs may name; the spec error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from geo import codes, schema
from geo.access import (
    INVESTOR_PARCEL_STATUSES,
)
from geo.errors import InputError

logger = logging.getLogger(__name__)

DEFAULT_LAYERS_DIR = Path(__file__).resolve().parents[2] / "layers"
"""``layers/`` of the source tree; ``TENGLONG_LAYERS_DIR`` overrides it."""

VOCABULARIES: dict[str, dict[str, tuple[str, str]]] = {
    "status": schema.STATUS_LABELS,
    "area_kind": schema.AREA_KINDS,
    "boundary_level": schema.BOUNDARY_LEVELS,
    "land_use": {code: (lu.zh, lu.en) for code, lu in schema.LAND_USES.items()},
    "yes_no": {"true": ("是", "yes"), "false": ("否", "no")},
    "sandiao": {
        c.code: (f"{c.code} {c.zh}", f"{c.code} {c.en}")
        for c in codes.code_table("sandiao").values()
    },
}
"""Value → (zh, en) labels a spec can name with ``vocabulary = "..."``."""

VOCABULARY_COLORS: dict[str, dict[str, str]] = {
    "status": schema.STATUS_COLORS,
    "sandiao": {c.code: c.color for c in codes.code_table("sandiao").values() if c.color},
    "land_use": {c.code: c.color for c in codes.code_table("land_use").values() if c.color},
}
"""Default category colours of a vocabulary."""

_DEFAULT_FIELD_VOCAB: dict[str, str] = {
    "status": "status",
    "kind": "area_kind",
    "level": "boundary_level",
    "land_use_now": "land_use",
    "land_use_planned": "land_use",
    "polluting_history": "yes_no",
    "soil_investigation_required": "yes_no",
    "dlbm": "sandiao",
    "land_use_2023": "land_use",
}

VALUE_SETS: dict[str, frozenset[str]] = {
    "STATUSES": frozenset(schema.STATUSES),
    "FREED_STATUSES": schema.FREED_STATUSES,
    "AVAILABLE_STATUSES": INVESTOR_PARCEL_STATUSES,
    "FIRST_CLASS_SOIL_CODES": schema.FIRST_CLASS_SOIL_CODES,
}
"""Named value sets a filter can use as ``value = "@NAME"``."""

FILTER_OPS: tuple[str, ...] = (
    "==",
    "!=",
    "in",
    "not_in",
    "<",
    "<=",
    ">",
    ">=",
    "is_null",
    "not_null",
)

GEOMETRY_KINDS = ("polygon", "line")


def _soil_required(df: pd.DataFrame) -> pd.Series:
    from geo.soil import as_bool, soil_flags

    # geo.soil decides; only parcels that can be flagged as blocking are passed
    # to it (a polluting or unknown history and a first-class or public-service
    # planned use: an unknown history needs a survey, docs/architecture.md §3).
    codes = df["land_use_planned"].astype("string")
    polluting = df["polluting_history"].map(lambda v: as_bool(v) is not False)
    first = codes.map(schema.is_first_class_soil_use, na_action="ignore").fillna(False)
    public = codes.str.startswith("08").fillna(False)
    candidates = df[(polluting & (first.astype(bool) | public.astype(bool))).to_numpy()]
    if candidates.empty:
        return pd.Series(False, index=df.index)
    flags = soil_flags(candidates)
    blocking = set(flags.loc[flags["severity"] == "blocking", "parcel_id"])
    return df["parcel_id"].isin(blocking)


def _freed(df: pd.DataFrame) -> pd.Series:
    return df["status"].isin(schema.FREED_STATUSES)


def _land_use_2023(df: pd.DataFrame) -> pd.Series:
    return df["dlbm"].map(codes.sandiao_to_land_use)


DERIVED_FIELDS: dict[str, tuple[tuple[str, ...], Callable[[pd.DataFrame], pd.Series]]] = {
    "soil_investigation_required": (
        ("parcel_id", "polluting_history", "land_use_planned"),
        _soil_required,
    ),
    "freed": (("status",), _freed),
    "land_use_2023": (("dlbm",), _land_use_2023),
}
"""Fields computed when a table lacks them: name → (needed columns, function).

``soil_investigation_required`` is the soil gate of docs/architecture.md §5.6
(:func:`geo.soil.soil_flags`, blocking flags): a parcel with a polluting
history planned as first-class or public-service land, not yet investigated.
``land_use_2023`` is the 用地用海 code of a 三调 ``dlbm`` through the shipped
cross-walk (:func:`geo.codes.sandiao_to_land_use`).
"""


class LayerSpecError(InputError):
    """A layer spec is invalid; the message names the file and the key."""
