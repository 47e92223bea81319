"""Every threshold of geometry editing, in one place, units in the names.

The operations (:mod:`geo.editing.ops`) use the module constants; the checks
before a save (:func:`geo.editing.check_edit`) take a :class:`Tolerances`,
whose defaults are those of docs/architecture.md §3.
"""

from __future__ import annotations

from dataclasses import dataclass

LOT_AREA_TOLERANCE_M2 = 0.01
"""How close each lot cut by :func:`geo.editing.split_into_lots` is to the area asked for (m²)."""

ADJACENCY_TOLERANCE_M = 0.05
"""Parcels closer than this (m) count as adjacent for :func:`geo.editing.merge` (digitising
noise); such gaps are closed in the merged outline."""


@dataclass(frozen=True)
class Tolerances:
    """Every threshold of :func:`check_edit`, in one place."""

    overlap_m2: float = 0.5
    """Overlap with another live parcel above this is a problem."""
    outside_parent_m2: float = 0.5
    """Land of a lot outside its parent above this is a problem."""
    outside_district_m2: float = 0.5
    """Land outside the district boundary above this is a problem."""
    sliver_width_m: float = 1.0
    """A parcel narrower than this (a negative buffer of half of it vanishes) is a sliver."""
    sliver_area_m2: float = 10.0
    """A parcel smaller than this is a sliver."""
    conservation_m2: float = 0.01
    """The lots of a split must add up to their parent within this."""


DEFAULT_TOLERANCES = Tolerances()
