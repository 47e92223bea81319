"""Capacity: what a piece of land can hold at the planning targets (docs/architecture.md §5.3).

For each parcel (or planning area) and its targets:

- buildable floor area from the floor-area ratio (容积率):
  ``floor_m2_min = area_m2 × far_min`` and ``floor_m2_max = area_m2 × far_max``;
- minimum building footprint from the building coefficient (建筑系数):
  ``footprint_m2_min = area_m2 × coverage_min``;
- required investment at the target intensity (投资强度):
  ``invest_wan = area_mu × invest_wan_per_mu``;
- expected annual output and tax from the per-亩 targets:
  ``output_wan_per_yr = area_mu × output_wan_per_mu`` and
  ``tax_wan_per_yr = area_mu × tax_wan_per_mu``.

A parcel takes its targets from the planning area that contains it — the area
with the largest overlap among the areas that carry at least one target; on a
tie (nested areas that both contain the whole parcel) the smallest, most
specific area wins — or from explicit keyword arguments, which override the
area's values for every parcel.

All geometry must be in one projected CRS in metres (a workspace opened with
:func:`geo.workspace.open_workspace` is); areas are never computed in degrees.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import CRSError, m2_to_mu
from geo.errors import InputError

logger = logging.getLogger(__name__)

TARGET_COLUMNS: tuple[str, ...] = (
    "far_min",
    "far_max",
    "coverage_min",
    "green_max",
    "admin_max",
    "invest_wan_per_mu",
    "tax_wan_per_mu",
    "output_wan_per_mu",
)
"""Planning-target columns of the ``areas`` table (docs/architecture.md §3)."""

CAPACITY_TARGETS: tuple[str, ...] = (
    "far_min",
    "far_max",
    "coverage_min",
    "invest_wan_per_mu",
    "tax_wan_per_mu",
    "output_wan_per_mu",
)
"""The targets the capacity figures use."""

CAPACITY_COLUMNS: tuple[str, ...] = (
    "floor_m2_min",
    "floor_m2_max",
    "footprint_m2_min",
    "invest_wan",
    "output_wan_per_yr",
    "tax_wan_per_yr",
)
"""The figures :func:`parcel_capacity` and :func:`area_capacity` add (extensive: they sum)."""

_RATIO_TARGETS = ("coverage_min", "green_max", "admin_max")


class CapacityError(InputError):
    """Inputs that cannot give capacity figures; the message lists every problem."""


# ---------------------------------------------------------------------------
# Helpers shared by the calculation modules
# ---------------------------------------------------------------------------


def require_projected(*frames: gpd.GeoDataFrame, what: str = "data") -> CRS:
    """Check that every frame is in the same projected CRS (metres); return it.

    Raises
    ------
    geo.crs.CRSError
        A frame has no CRS, a geographic CRS, or the frames disagree.
    """
    crs_list = []
    for gdf in frames:
        if gdf.crs is None:
            raise CRSError(
                f"{what} has no CRS; open the workspace with geo.workspace.open_workspace "
                f"or set the CRS explicitly, then project with geo.crs.to_projected"
            )
        crs = CRS.from_user_input(gdf.crs)
        if not crs.is_projected:
            raise CRSError(
                f"{what} is in {crs.to_string()} (degrees); distances and areas need metres: "
                f"project first with geo.crs.to_projected(gdf)"
            )
        crs_list.append(crs)
    first = crs_list[0]
    for other in crs_list[1:]:
        if other != first:
            raise CRSError(
                f"{what}: frames are in different CRSs ({first.to_string()} and "
                f"{other.to_string()}); reproject one with gdf.to_crs(other.crs)"
            )
    return first


def parcel_area_m2(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Planar area in m², from an ``area_m2`` column when present, else from geometry.

    Raises
    ------
    geo.crs.CRSError
        ``area_m2`` is absent and the geometry is not in a projected CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> g = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 50)], crs=4547)
    >>> float(parcel_area_m2(g).iloc[0])
    5000.0
    """
    if "area_m2" in gdf.columns:
        return pd.to_numeric(gdf["area_m2"], errors="coerce").astype("float64")
    require_projected(gdf, what="parcels")
    return pd.Series(shapely.area(gdf.geometry.values), index=gdf.index, dtype="float64")


def _latest_versions(areas: pd.DataFrame) -> pd.DataFrame:
    """Keep, for each ``area_id``, only the rows with the highest ``version``."""
    if "version" not in areas.columns or "area_id" not in areas.columns:
        return areas
    version = pd.to_numeric(areas["version"], errors="coerce").fillna(0)
    latest = version.groupby(areas["area_id"]).transform("max")
    return areas[version == latest]


def containing_area(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    require_targets: bool = True,
    kinds: Iterable[str] | None = None,
    latest_only: bool = True,
) -> pd.DataFrame:
    """The planning area each parcel belongs to: the one with the largest overlap.

    Parameters
    ----------
    parcels, areas
        Polygons in the same projected CRS.
    require_targets
        Only consider areas with at least one planning target
        (:data:`TARGET_COLUMNS`) filled in.
    kinds
        Only consider areas of these kinds (``park``, ``zone``…).
    latest_only
        Where ``areas`` has a ``version`` column, only the latest version of
        each ``area_id`` competes.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``parcels``: ``area_id`` (missing when no area overlaps)
        and ``overlap_m2``. Ties in overlap (to the mm²) go to the smallest area.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame({"parcel_id": ["p1"]}, geometry=[box(0, 0, 10, 10)], crs=4547)
    >>> a = gpd.GeoDataFrame(
    ...     {"area_id": ["zone", "park"], "far_min": [1.0, 1.2]},
    ...     geometry=[box(-50, -50, 50, 50), box(-5, -5, 20, 20)],
    ...     crs=4547,
    ... )
    >>> containing_area(p, a)["area_id"].tolist()
    ['park']
    """
    require_projected(parcels, areas, what="parcels and areas")
    cand = areas
    if kinds is not None and "kind" in cand.columns:
        cand = cand[cand["kind"].isin(list(kinds))]
    if latest_only:
        cand = _latest_versions(cand)
    if require_targets:
        present = [c for c in TARGET_COLUMNS if c in cand.columns]
        if present:
            has = cand[present].apply(pd.to_numeric, errors="coerce").notna().any(axis=1)
            cand = cand[has]
        else:
            cand = cand.iloc[0:0]
    out = pd.DataFrame(
        {"area_id": pd.Series(pd.NA, index=parcels.index, dtype="object"), "overlap_m2": 0.0}
    )
    if cand.empty or parcels.empty:
        return out
    pg = parcels.geometry.values
    ag = cand.geometry.values
    tree = shapely.STRtree(ag)
    pi, ai = tree.query(pg, predicate="intersects")
    if len(pi) == 0:
        return out
    inter = shapely.area(shapely.intersection(pg[pi], ag[ai]))
    pairs = pd.DataFrame(
        {
            "pi": pi,
            "overlap_m2": inter,
            "key": np.round(inter, 3),
            "size": shapely.area(ag[ai]),
            "area_id": cand["area_id"].to_numpy()[ai]
            if "area_id" in cand.columns
            else cand.index.to_numpy()[ai],
        }
    )
    pairs = pairs[pairs["overlap_m2"] > 0]
    pairs = pairs.sort_values(["pi", "key", "size"], ascending=[True, False, True])
    best = pairs.drop_duplicates("pi", keep="first")
    out.iloc[best["pi"].to_numpy(), out.columns.get_loc("area_id")] = best["area_id"].to_numpy()
    out.iloc[best["pi"].to_numpy(), out.columns.get_loc("overlap_m2")] = best[
        "overlap_m2"
    ].to_numpy()
    return out


# ---------------------------------------------------------------------------
# Capacity
# ---------------------------------------------------------------------------


def _check_targets(targets: pd.DataFrame, *, ids: pd.Series, what: str) -> None:
    problems: list[str] = []
    for col in targets.columns:
        bad = targets[col] < 0
        if bad.any():
            problems.append(f"{col} negative for {', '.join(map(str, ids[bad].tolist()[:10]))}")
    for col in _RATIO_TARGETS:
        if col in targets.columns:
            bad = targets[col] > 1
            if bad.any():
                problems.append(
                    f"{col} above 1 for {', '.join(map(str, ids[bad].tolist()[:10]))} "
                    f"(give fractions, 0.30 for 30%)"
                )
    if {"far_min", "far_max"} <= set(targets.columns):
        bad = targets["far_min"] > targets["far_max"]
        if bad.any():
            problems.append(
                f"far_min above far_max for {', '.join(map(str, ids[bad].tolist()[:10]))}"
            )
    if problems:
        raise CapacityError(f"{what}: " + "; ".join(problems))


def _figures(area_m2: pd.Series, t: pd.DataFrame) -> pd.DataFrame:
    area_mu = m2_to_mu(area_m2)
    return pd.DataFrame(
        {
            "floor_m2_min": area_m2 * t["far_min"],
            "floor_m2_max": area_m2 * t["far_max"],
            "footprint_m2_min": area_m2 * t["coverage_min"],
            "invest_wan": area_mu * t["invest_wan_per_mu"],
            "output_wan_per_yr": area_mu * t["output_wan_per_mu"],
            "tax_wan_per_yr": area_mu * t["tax_wan_per_mu"],
        },
        index=area_m2.index,
    )


def parcel_capacity(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | None = None,
    *,
    far_min: float | None = None,
    far_max: float | None = None,
    coverage_min: float | None = None,
    invest_wan_per_mu: float | None = None,
    tax_wan_per_mu: float | None = None,
    output_wan_per_mu: float | None = None,
) -> pd.DataFrame:
    """Capacity figures per parcel at the targets of its area or explicit targets.

    Parameters
    ----------
    parcels
        Parcels with ``parcel_id`` and polygons in a projected CRS (or an
        ``area_m2`` column).
    areas
        Planning areas with target columns; each parcel takes the targets of
        :func:`containing_area`. May be omitted when every target is given.
    far_min, far_max, coverage_min, invest_wan_per_mu, tax_wan_per_mu, output_wan_per_mu
        Explicit targets; each one given replaces the area's value for all parcels.

    Returns
    -------
    pandas.DataFrame
        One row per parcel: ``parcel_id``, ``area_id``, ``area_m2``, ``area_mu``,
        the targets used, and :data:`CAPACITY_COLUMNS`. A figure is missing
        (NaN) where its target is missing.

    Raises
    ------
    CapacityError
        A negative target, a ratio above 1, or ``far_min > far_max``.

    Examples
    --------
    A 1 ha parcel (15 亩) at FAR 1.0–2.0, coverage 40 %, 300 万元/亩:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame({"parcel_id": ["p1"]}, geometry=[box(0, 0, 100, 100)], crs=4547)
    >>> cap = parcel_capacity(p, far_min=1.0, far_max=2.0, coverage_min=0.4,
    ...                       invest_wan_per_mu=300.0)
    >>> cap[["floor_m2_min", "floor_m2_max", "footprint_m2_min", "invest_wan"]].iloc[0].tolist()
    [10000.0, 20000.0, 4000.0, 4500.0]
    """
    explicit = {
        "far_min": far_min,
        "far_max": far_max,
        "coverage_min": coverage_min,
        "invest_wan_per_mu": invest_wan_per_mu,
        "tax_wan_per_mu": tax_wan_per_mu,
        "output_wan_per_mu": output_wan_per_mu,
    }
    area_m2 = parcel_area_m2(parcels)
    ids = (
        parcels["parcel_id"]
        if "parcel_id" in parcels.columns
        else pd.Series(parcels.index, index=parcels.index)
    )
    targets = pd.DataFrame(index=parcels.index, columns=list(CAPACITY_TARGETS), dtype="float64")
    area_id = pd.Series(pd.NA, index=parcels.index, dtype="object")
    if areas is not None and any(v is None for v in explicit.values()):
        assigned = containing_area(parcels, areas)
        area_id = assigned["area_id"]
        if "area_id" in areas.columns:
            lookup = _latest_versions(areas).drop_duplicates("area_id").set_index("area_id")
            for col in CAPACITY_TARGETS:
                if col in lookup.columns:
                    values = pd.to_numeric(lookup[col], errors="coerce")
                    targets[col] = area_id.map(values).astype("float64")
    elif areas is None and any(v is None for v in explicit.values()):
        missing = [k for k, v in explicit.items() if v is None]
        logger.info("no areas given: targets %s stay missing", ", ".join(missing))
    for col, value in explicit.items():
        if value is not None:
            targets[col] = float(value)
    _check_targets(targets, ids=ids, what="parcel targets")
    out = pd.DataFrame(
        {
            "parcel_id": ids.to_numpy(),
            "area_id": area_id.to_numpy(),
            "area_m2": area_m2.to_numpy(),
            "area_mu": m2_to_mu(area_m2).to_numpy(),
        },
        index=parcels.index,
    )
    out = pd.concat([out, targets, _figures(area_m2, targets)], axis=1)
    return out.reset_index(drop=True)


def area_capacity(
    areas: gpd.GeoDataFrame,
    *,
    parcels: gpd.GeoDataFrame | None = None,
    statuses: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Capacity figures per planning area.

    Parameters
    ----------
    areas
        Planning areas with target columns, in a projected CRS.
    parcels
        When given, an area's figures are the sums over the parcels assigned to
        it by :func:`containing_area` (net land; each parcel counts once, so
        nested parents only get parcels no child area with targets claims).
        When omitted, the area's own polygon (gross land) at its targets.
    statuses
        With ``parcels``: only parcels in these statuses (e.g.
        :data:`geo.schema.FREED_STATUSES` for the land available for reuse).

    Returns
    -------
    pandas.DataFrame
        One row per area: ``area_id``, ``name``, ``kind``, ``land_m2``,
        ``land_mu``, (``parcels`` when parcels are given) and
        :data:`CAPACITY_COLUMNS`.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> a = gpd.GeoDataFrame({"area_id": ["a"], "far_min": [1.5], "tax_wan_per_mu": [20.0]},
    ...                      geometry=[box(0, 0, 200, 100)], crs=4547)
    >>> row = area_capacity(a).iloc[0]
    >>> float(row["land_mu"]), float(row["floor_m2_min"]), float(row["tax_wan_per_yr"])
    (30.0, 30000.0, 600.0)
    """
    areas = areas.reset_index(drop=True)
    ids = areas["area_id"] if "area_id" in areas.columns else pd.Series(areas.index)
    base = pd.DataFrame({"area_id": ids.to_numpy()})
    for col in ("name", "kind"):
        base[col] = areas[col].to_numpy() if col in areas.columns else pd.NA
    if parcels is None:
        area_m2 = parcel_area_m2(areas)
        targets = pd.DataFrame(index=areas.index)
        for col in CAPACITY_TARGETS:
            targets[col] = (
                pd.to_numeric(areas[col], errors="coerce").astype("float64")
                if col in areas.columns
                else np.nan
            )
        _check_targets(targets, ids=ids, what="area targets")
        base["land_m2"] = area_m2.to_numpy()
        base["land_mu"] = m2_to_mu(area_m2).to_numpy()
        return pd.concat([base, _figures(area_m2, targets).reset_index(drop=True)], axis=1)
    sel = parcels
    if statuses is not None:
        sel = parcels[parcels["status"].isin(list(statuses))]
    cap = parcel_capacity(sel, areas)
    sums = cap.groupby("area_id", dropna=True)[["area_m2", *CAPACITY_COLUMNS]].sum(min_count=1)
    counts = cap.groupby("area_id", dropna=True).size()
    base["parcels"] = base["area_id"].map(counts).fillna(0).astype("int64")
    base["land_m2"] = base["area_id"].map(sums["area_m2"]).fillna(0.0)
    base["land_mu"] = m2_to_mu(base["land_m2"])
    for col in CAPACITY_COLUMNS:
        base[col] = base["area_id"].map(sums[col]).astype("float64")
    return base


def capacity_totals(capacity: pd.DataFrame) -> pd.Series:
    """Totals of the extensive figures (land and :data:`CAPACITY_COLUMNS`) of a capacity table.

    Examples
    --------
    >>> import pandas as pd
    >>> t = capacity_totals(pd.DataFrame({"area_m2": [1.0, 2.0], "invest_wan": [5.0, None]}))
    >>> t.to_dict()
    {'area_m2': 3.0, 'invest_wan': 5.0}
    """
    cols = [
        c
        for c in ("area_m2", "area_mu", "land_m2", "land_mu", *CAPACITY_COLUMNS)
        if c in capacity.columns
    ]
    return capacity[cols].sum(min_count=1)


__all__ = [
    "CAPACITY_COLUMNS",
    "CAPACITY_TARGETS",
    "TARGET_COLUMNS",
    "CapacityError",
    "area_capacity",
    "capacity_totals",
    "containing_area",
    "parcel_area_m2",
    "parcel_capacity",
    "require_projected",
]
