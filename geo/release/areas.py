"""Planning areas for a summary: nesting levels, selection by kind/layout/level/id, overlaps."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.release._common import OVERLAP_RULES, OverlapRule, ReleaseError
from geo.release.intersect import _as_geometry_array
from geo.schema import AREA_KINDS

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Areas: nesting levels, selection, overlaps
# ---------------------------------------------------------------------------


def _parent_map(areas: pd.DataFrame) -> dict[str, str]:
    if "parent_id" not in areas.columns:
        return {}
    out: dict[str, str] = {}
    for aid, pid in zip(areas["area_id"].astype(str), areas["parent_id"], strict=True):
        if pid is not None and not (isinstance(pid, float) and np.isnan(pid)) and str(pid):
            out[aid] = str(pid)
    return out


def area_levels(areas: pd.DataFrame, *, within: Iterable[str] | None = None) -> pd.Series:
    """Nesting level of each area: how many of its ancestors are in the table.

    The ancestors are followed through ``parent_id``. With ``within``, only
    ancestors whose ``area_id`` is in ``within`` count (the levels of a
    selection).

    Raises
    ------
    ReleaseError
        When ``parent_id`` links form a cycle.

    Examples
    --------
    >>> import pandas as pd
    >>> areas = pd.DataFrame({"area_id": ["S", "P1", "P2"], "parent_id": [None, "S", "S"]})
    >>> area_levels(areas).tolist()
    [0, 1, 1]
    >>> area_levels(areas, within=["P1", "P2"]).tolist()
    [0, 0, 0]
    """
    ids = areas["area_id"].astype(str).tolist()
    parents = _parent_map(areas)
    present = set(ids) if within is None else set(map(str, within)) & set(ids)
    levels = []
    for aid in ids:
        level, seen, cur = 0, {aid}, aid
        while cur in parents:
            cur = parents[cur]
            if cur in seen:
                raise ReleaseError(
                    f"parent_id links of area {aid!r} form a cycle ({' → '.join(seen)}); "
                    f"fix parent_id in the areas table"
                )
            seen.add(cur)
            if cur in present:
                level += 1
        levels.append(level)
    return pd.Series(levels, index=areas.index, name="level", dtype="int64")


def _choices(values: Iterable[Any]) -> str:
    vals = sorted({str(v) for v in values if v is not None and not pd.isna(v)})
    return ", ".join(vals) if vals else "(none)"


def select_areas(
    areas: gpd.GeoDataFrame,
    *,
    kinds: Iterable[str] | None = None,
    layout: str | None = None,
    level: int | None = None,
    area_ids: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """The areas that match every given filter, in table order.

    Parameters
    ----------
    kinds
        Area kinds (:data:`geo.schema.AREA_KINDS`: zone, park, corridor, …).
    layout
        A plan's name as in the ``layout`` column (e.g. ``一区一园一廊``).
    level
        Nesting level in the whole table (:func:`area_levels`; 0 = no parent).
    area_ids
        Explicit area IDs.

    Raises
    ------
    ReleaseError
        A filter value is unknown (the message lists the valid ones), or no area
        matches them all.
    """
    sel = np.ones(len(areas), dtype=bool)
    asked = []
    if isinstance(kinds, str):
        kinds = [kinds]
    if isinstance(area_ids, str):
        area_ids = [area_ids]
    if kinds is not None:
        kinds = [str(k) for k in kinds]
        bad = [k for k in kinds if k not in AREA_KINDS]
        if bad:
            raise ReleaseError(
                f"unknown area kind(s) {', '.join(bad)}; valid kinds: {', '.join(AREA_KINDS)}"
            )
        sel &= areas["kind"].astype(str).isin(kinds).to_numpy()
        asked.append(f"kind {'/'.join(kinds)}")
    if layout is not None:
        layouts = areas["layout"] if "layout" in areas.columns else pd.Series([], dtype=object)
        if str(layout) not in set(layouts.dropna().astype(str)):
            raise ReleaseError(
                f"unknown layout {layout!r}; layouts in this workspace: {_choices(layouts)}"
            )
        sel &= (areas["layout"].astype(str) == str(layout)).to_numpy()
        asked.append(f"layout {layout}")
    if level is not None:
        levels = area_levels(areas)
        if int(level) not in set(levels):
            raise ReleaseError(
                f"no area at nesting level {level}; levels in this workspace: {_choices(levels)}"
            )
        sel &= (levels == int(level)).to_numpy()
        asked.append(f"level {level}")
    if area_ids is not None:
        wanted = [str(a) for a in area_ids]
        have = set(areas["area_id"].astype(str))
        bad = [a for a in wanted if a not in have]
        if bad:
            raise ReleaseError(f"unknown area ID(s) {', '.join(bad)}; area IDs: {_choices(have)}")
        sel &= areas["area_id"].astype(str).isin(wanted).to_numpy()
        asked.append(f"IDs {', '.join(wanted)}")
    if not sel.any():
        present = sorted(
            {
                f"{k}/{lay}"
                for k, lay in zip(
                    areas["kind"].astype(str),
                    areas["layout"].astype(str) if "layout" in areas else [""] * len(areas),
                    strict=True,
                )
            }
        )
        raise ReleaseError(
            f"no area matches {' and '.join(asked) or 'the selection'}; "
            f"kind/layout pairs present: {', '.join(present) or '(no areas)'}"
        )
    return areas[sel]


def overlap_priority(areas: gpd.GeoDataFrame, *, overlap: OverlapRule = "smallest") -> np.ndarray:
    """Positions of ``areas`` from the highest priority to the lowest.

    ``"smallest"``: the smaller planar area first, ties by ``area_id``;
    ``"order"``: table order.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> areas = gpd.GeoDataFrame(
    ...     {"area_id": ["Z", "P"]}, geometry=[box(0, 0, 4, 4), box(1, 1, 2, 2)])
    >>> overlap_priority(areas).tolist(), overlap_priority(areas, overlap="order").tolist()
    ([1, 0], [0, 1])
    """
    if overlap not in OVERLAP_RULES:
        raise ReleaseError(f"unknown overlap rule {overlap!r}; use one of {OVERLAP_RULES}")
    n = len(areas)
    if overlap == "order":
        return np.arange(n)
    size = shapely.area(_as_geometry_array(areas))
    ids = areas["area_id"].astype(str).to_numpy() if "area_id" in areas else np.arange(n)
    return np.lexsort((ids, size))


def exclusive_geometries(geoms: Any, *, priority: Sequence[int] | np.ndarray) -> np.ndarray:
    """Remove overlaps: each geometry loses the parts of higher-priority ones.

    Parameters
    ----------
    geoms
        Polygons.
    priority
        Positions of ``geoms`` from the highest priority to the lowest
        (e.g. :func:`overlap_priority`).

    Returns
    -------
    numpy.ndarray
        Geometries that do not overlap and cover the same union. Only
        geometries that overlap another one are recomputed.

    Examples
    --------
    >>> from shapely import box
    >>> out = exclusive_geometries([box(0, 0, 2, 2), box(1, 0, 3, 2)], priority=[1, 0])
    >>> [g.area for g in out]
    [2.0, 4.0]
    """
    arr = _as_geometry_array(geoms).copy()
    rank = np.empty(len(arr), dtype=np.int64)
    rank[np.asarray(priority, dtype=np.int64)] = np.arange(len(arr))
    tree = shapely.STRtree(arr)
    a, b = tree.query(arr, predicate="intersects")
    keep = a != b
    a, b = a[keep], b[keep]
    if len(a):
        inter = shapely.area(shapely.intersection(arr[a], arr[b]))
        over = inter > 0
        a, b = a[over], b[over]
    # a loses b where b has the higher priority (lower rank)
    loses = rank[b] < rank[a]
    a, b = a[loses], b[loses]
    for i in np.unique(a):
        others = arr[b[a == i]]
        before = arr[i]
        arr[i] = shapely.difference(before, shapely.union_all(others))
        logger.info(
            "area #%d overlaps %d area(s) of higher priority; %.1f m² go to them",
            i,
            len(others),
            shapely.area(before) - shapely.area(arr[i]),
        )
    return arr
