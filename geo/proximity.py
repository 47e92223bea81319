"""Proximity: distances from parcels to areas and roads (docs/architecture.md §5.7).

Distances are planar, in metres, in the projected (CGCS2000 Gauss-Krüger) CRS
of the workspace: ``dist_m`` is the shortest distance between the two
geometries' boundaries, 0 when they touch or overlap. Both inputs must be in
the same projected CRS (:func:`geo.capacity.require_projected`); nothing is
ever measured in degrees.

The nearest target is found with shapely 2's vectorised
``STRtree.query_nearest``; when several targets are equally near, the first
one in table order is reported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.capacity import require_projected
from geo.errors import InputError

logger = logging.getLogger(__name__)

WALKING_RADIUS_M = 800.0
"""Default walking radius: about ten minutes on foot."""


class ProximityError(InputError):
    """A target cannot be found or an input cannot be measured; the message says why."""


def _ids(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    if column in gdf.columns:
        return gdf[column].to_numpy()
    return gdf.index.to_numpy()


def nearest(
    sources: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    source_id: str = "parcel_id",
    target_id: str = "area_id",
    target_name: str = "name",
    max_distance_m: float | None = None,
    prefix: str = "target",
) -> pd.DataFrame:
    """The nearest target of each source and the distance to it.

    Parameters
    ----------
    sources, targets
        Geometries in the same projected CRS.
    source_id, target_id, target_name
        Id and name columns (the index is used when an id column is absent).
    max_distance_m
        Only look this far; sources with no target within it get a missing
        target and ``dist_m``.
    prefix
        Prefix of the target columns in the result (``{prefix}_id``,
        ``{prefix}_name``).

    Returns
    -------
    pandas.DataFrame
        One row per source, in order: ``{source_id}``, ``{prefix}_id``,
        ``{prefix}_name``, ``dist_m``.

    Examples
    --------
    Two 100 m squares with a 100 m gap:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> s = gpd.GeoDataFrame({"parcel_id": ["p"]}, geometry=[box(0, 0, 100, 100)], crs=4547)
    >>> t = gpd.GeoDataFrame({"area_id": ["a"], "name": ["park"]},
    ...                      geometry=[box(200, 0, 300, 100)], crs=4547)
    >>> nearest(s, t).values.tolist()
    [['p', 'a', 'park', 100.0]]
    """
    require_projected(sources, targets, what="sources and targets")
    n = len(sources)
    out = pd.DataFrame(
        {
            source_id: _ids(sources, source_id),
            f"{prefix}_id": pd.Series([pd.NA] * n, dtype="object"),
            f"{prefix}_name": pd.Series([pd.NA] * n, dtype="object"),
            "dist_m": np.full(n, np.nan),
        }
    )
    tg = targets.geometry.values
    valid = ~(shapely.is_missing(tg) | shapely.is_empty(tg))
    if n == 0 or not valid.any():
        return out
    tpos = np.flatnonzero(valid)
    tree = shapely.STRtree(tg[valid])
    (si, ti), dist = tree.query_nearest(
        sources.geometry.values,
        max_distance=max_distance_m,
        return_distance=True,
        all_matches=False,
    )
    tids = _ids(targets, target_id)[tpos]
    names = (
        targets[target_name].to_numpy()[tpos]
        if target_name in targets.columns
        else np.full(len(tpos), pd.NA, dtype=object)
    )
    out.iloc[si, out.columns.get_loc(f"{prefix}_id")] = tids[ti]
    out.iloc[si, out.columns.get_loc(f"{prefix}_name")] = names[ti]
    out.iloc[si, out.columns.get_loc("dist_m")] = dist
    return out


def select_areas(
    areas: gpd.GeoDataFrame,
    *,
    name: str | Iterable[str] | None = None,
    kind: str | Iterable[str] | None = None,
    area_id: str | Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Areas by ``name`` (or ``name_en``), ``kind`` or ``area_id``.

    Raises
    ------
    ProximityError
        Nothing matches; the message lists what there is.
    """

    def _set(v: str | Iterable[str]) -> set[str]:
        return {v} if isinstance(v, str) else set(v)

    sel = areas
    if area_id is not None:
        sel = sel[sel["area_id"].isin(_set(area_id))]
    if kind is not None:
        sel = sel[sel["kind"].isin(_set(kind))]
    if name is not None:
        names = _set(name)
        hit = sel["name"].isin(names)
        if "name_en" in sel.columns:
            hit |= sel["name_en"].isin(names)
        sel = sel[hit]
    if sel.empty:
        wanted = ", ".join(
            f"{k}={v!r}"
            for k, v in (("name", name), ("kind", kind), ("area_id", area_id))
            if v is not None
        )
        known = sorted(map(str, areas["name"].dropna().unique()))[:30] if "name" in areas else []
        kinds = sorted(map(str, areas["kind"].dropna().unique())) if "kind" in areas else []
        raise ProximityError(
            f"no area matches {wanted}; names: {', '.join(known)}; kinds: {', '.join(kinds)}"
        )
    return sel


def distance_to_areas(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    name: str | Iterable[str] | None = None,
    kind: str | Iterable[str] | None = None,
    area_id: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Distance from each parcel to the nearest of the selected areas.

    Select by ``name`` (e.g. ``"东山森林公园"``), ``kind`` (e.g. ``"green"``,
    ``"park"``) or ``area_id``; with no selection, every area counts.

    Returns
    -------
    pandas.DataFrame
        ``parcel_id``, ``area_id``, ``area_name``, ``dist_m`` (0 inside or touching).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame({"parcel_id": ["p1", "p2"]},
    ...                      geometry=[box(0, 0, 100, 100), box(1000, 0, 1100, 100)], crs=4547)
    >>> a = gpd.GeoDataFrame({"area_id": ["g"], "name": ["东山森林公园"], "kind": ["green"]},
    ...                      geometry=[box(150, 0, 250, 100)], crs=4547)
    >>> distance_to_areas(p, a, name="东山森林公园")["dist_m"].tolist()
    [50.0, 750.0]
    """
    sel = select_areas(areas, name=name, kind=kind, area_id=area_id)
    return nearest(parcels, sel, target_id="area_id", prefix="area")


def distance_to_roads(
    parcels: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    *,
    name: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Distance from each parcel to the nearest road (or the named road(s)).

    Returns
    -------
    pandas.DataFrame
        ``parcel_id``, ``road_id``, ``road_name``, ``dist_m``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box, LineString
    >>> p = gpd.GeoDataFrame({"parcel_id": ["p1"]}, geometry=[box(0, 0, 100, 100)], crs=4547)
    >>> r = gpd.GeoDataFrame({"road_id": ["g309"], "name": ["G309 国道309"]},
    ...                      geometry=[LineString([(-500, 130), (500, 130)])], crs=4547)
    >>> distance_to_roads(p, r).values.tolist()
    [['p1', 'g309', 'G309 国道309', 30.0]]
    """
    sel = roads
    if name is not None:
        names = {name} if isinstance(name, str) else set(name)
        sel = roads[roads["name"].isin(names)]
        if sel.empty:
            known = ", ".join(sorted(map(str, roads["name"].dropna().unique()))[:30])
            raise ProximityError(f"no road named {sorted(names)}; roads: {known}")
    return nearest(parcels, sel, target_id="road_id", prefix="road")


def sites_within(
    parcels: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    radius_m: float = WALKING_RADIUS_M,
    statuses: Iterable[str] | None = None,
    target_id: str = "area_id",
) -> pd.DataFrame:
    """Parcels within ``radius_m`` of any target (e.g. a park, a station, a road).

    Parameters
    ----------
    parcels, targets
        Geometries in the same projected CRS.
    radius_m
        Planar radius in metres (800 m, a walk of about ten minutes, by default).
    statuses
        Only parcels in these statuses (e.g. ``["stored", "supplied"]`` for
        sites on offer).
    target_id
        Id column of the targets.

    Returns
    -------
    pandas.DataFrame
        ``parcel_id``, ``target_id``, ``target_name``, ``dist_m`` of the
        parcels within the radius, nearest first.

    Raises
    ------
    ProximityError
        A negative radius.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame({"parcel_id": ["near", "far"]},
    ...                      geometry=[box(0, 0, 10, 10), box(2000, 0, 2010, 10)], crs=4547)
    >>> t = gpd.GeoDataFrame({"area_id": ["park"]}, geometry=[box(500, 0, 600, 10)], crs=4547)
    >>> sites_within(p, t)[["parcel_id", "dist_m"]].values.tolist()
    [['near', 490.0]]
    """
    if not radius_m >= 0:
        raise ProximityError(f"radius_m must be a non-negative distance in metres, got {radius_m}")
    sel = parcels
    if statuses is not None:
        sel = parcels[parcels["status"].isin(list(statuses))]
    near = nearest(sel, targets, target_id=target_id, max_distance_m=radius_m)
    near = near[near["dist_m"] <= radius_m]
    return near.sort_values("dist_m", kind="stable").reset_index(drop=True)


__all__ = [
    "WALKING_RADIUS_M",
    "ProximityError",
    "distance_to_areas",
    "distance_to_roads",
    "nearest",
    "select_areas",
    "sites_within",
]
