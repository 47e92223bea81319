"""Layout analysis: freed land in each element of a plan (docs/architecture.md §5.2).

A *layout* is a plan made of several planning areas, named in the ``layout``
column of the areas table — 一区一园一廊 (one zone, one park, one corridor),
五园三基地 (five parks, three incubation bases) — or the plates (板块) of a
site (厂区), linked to it through ``parent_id``. :func:`layout_summary` tells
how much freed land lies in each element and how much is left outside, with
the rules of :mod:`geo.release`: parcels clipped to the element boundaries,
every piece of land counted once per nesting level, totals conserved.

Corridors (廊) are road buffers: :func:`corridor_from_road` derives one from a
road line and a **total** width ``corridor_width_m`` (the corridor reaches
``corridor_width_m / 2`` on each side of the road's centre line). A corridor
row of the areas table carries ``road_id`` and ``corridor_width_m``; its
polygon is derived from the roads table when it has none, or when a width is
given explicitly (:func:`derive_corridors`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import m2_to_mu
from geo.release import OverlapRule, ReleaseError, release_summary

logger = logging.getLogger(__name__)

CapStyle = Literal["round", "flat", "square"]


class LayoutError(ReleaseError):
    """A layout or corridor cannot be analysed as asked; the message says why."""


def corridor_from_road(
    road: BaseGeometry,
    width_m: float,
    *,
    cap_style: CapStyle = "round",
    quad_segs: int = 16,
) -> BaseGeometry:
    """The corridor polygon along a road line.

    Parameters
    ----------
    road
        A ``LineString`` or ``MultiLineString`` in a projected CRS in metres.
    width_m
        **Total** corridor width in metres, as stored in ``corridor_width_m``:
        the corridor reaches ``width_m / 2`` on each side of the centre line
        (the buffer distance is half the width).
    cap_style
        Ends of the corridor: ``"round"`` (default, a plain buffer),
        ``"flat"`` (cut square at the road's ends) or ``"square"``.
    quad_segs
        Segments per quarter circle on bends and round ends.

    Raises
    ------
    LayoutError
        ``width_m`` is not a positive finite number, or ``road`` is not a line.

    Examples
    --------
    >>> from shapely import LineString
    >>> road = LineString([(0, 0), (1000, 0)])
    >>> corridor = corridor_from_road(road, 200.0, cap_style="flat")
    >>> corridor.bounds, corridor.area
    ((0.0, -100.0, 1000.0, 100.0), 200000.0)
    """
    try:
        width = float(width_m)
    except (TypeError, ValueError):
        width = math.nan
    if not math.isfinite(width) or width <= 0:
        raise LayoutError(
            f"corridor width must be a positive number of metres (total width, both sides "
            f"of the road together), got {width_m!r}"
        )
    if road is None or road.is_empty or road.geom_type not in ("LineString", "MultiLineString"):
        kind = "nothing" if road is None else road.geom_type
        raise LayoutError(f"a corridor is derived from a road line, got {kind}")
    return shapely.buffer(road, width / 2.0, cap_style=cap_style, quad_segs=quad_segs)


def derive_corridors(
    areas: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    *,
    width_m: float | None = None,
    cap_style: CapStyle = "round",
) -> gpd.GeoDataFrame:
    """Areas with corridor polygons derived from their roads where needed.

    A row of kind ``corridor`` with a ``road_id`` gets the buffer of that road
    (:func:`corridor_from_road`) when its geometry is missing or empty, or for
    every such row when ``width_m`` is given (which then overrides the row's
    ``corridor_width_m``). Other rows are returned unchanged; ``area_m2`` and
    ``area_mu`` are refreshed for derived rows.

    Raises
    ------
    LayoutError
        A corridor to derive has no road in ``roads`` or no width.
    """
    if "kind" not in areas.columns or "road_id" not in areas.columns:
        return areas
    geoms = areas.geometry.array
    blank = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    is_corridor = (areas["kind"].astype(str) == "corridor").to_numpy()
    todo = is_corridor & areas["road_id"].notna().to_numpy()
    if width_m is None:
        todo &= blank
    if not todo.any():
        return areas
    if roads is None or not len(roads):
        raise LayoutError(
            "corridor(s) "
            + ", ".join(areas.loc[todo, "area_id"].astype(str))
            + " must be derived from roads, but the workspace has no roads table"
        )
    by_id = dict(zip(roads["road_id"].astype(str), roads.geometry, strict=True))
    out = areas.copy()
    new_geoms = out.geometry.to_numpy().copy()
    for i in np.flatnonzero(todo):
        row = out.iloc[i]
        rid = str(row["road_id"])
        if rid not in by_id:
            raise LayoutError(
                f"corridor {row['area_id']} follows road {rid!r}, which is not in the roads "
                f"table; roads: {', '.join(sorted(by_id)) or '(none)'}"
            )
        width = width_m if width_m is not None else row.get("corridor_width_m")
        if width is None or pd.isna(width):
            raise LayoutError(
                f"corridor {row['area_id']} has no corridor_width_m (total width in metres); "
                f"give a width"
            )
        new_geoms[i] = corridor_from_road(by_id[rid], width, cap_style=cap_style)
        logger.info(
            "corridor %s derived from road %s, total width %s m", row["area_id"], rid, width
        )
    out = out.set_geometry(gpd.GeoSeries(new_geoms, index=out.index, crs=areas.crs))
    if "area_m2" in out.columns:
        out["area_m2"] = out.geometry.area
    if "area_mu" in out.columns:
        out["area_mu"] = m2_to_mu(out.geometry.area)
    return out


def layout_names(areas: pd.DataFrame) -> list[str]:
    """The layout names in the areas table, in order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> layout_names(pd.DataFrame({"layout": ["一区一园一廊", "五园三基地", "一区一园一廊", None]}))
    ['一区一园一廊', '五园三基地']
    """
    if "layout" not in areas.columns:
        return []
    return [str(v) for v in pd.unique(areas["layout"].dropna())]


def _parents_with_children(areas: pd.DataFrame) -> list[str]:
    if "parent_id" not in areas.columns:
        return []
    ids = set(areas["area_id"].astype(str))
    return [str(v) for v in pd.unique(areas["parent_id"].dropna()) if str(v) in ids]


def layout_elements(areas: gpd.GeoDataFrame, layout: str) -> gpd.GeoDataFrame:
    """The areas that make up a layout.

    ``layout`` is a layout name (rows whose ``layout`` equals it) or the
    ``area_id`` of an area with children, e.g. a site: then the area and its
    children (its plates) through ``parent_id``.

    Raises
    ------
    LayoutError
        ``layout`` is neither; the message lists both kinds of valid names.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> areas = gpd.GeoDataFrame(
    ...     {"area_id": ["S", "S-1", "S-2"], "layout": ["东山", "东山", "东山"],
    ...      "parent_id": [None, "S", "S"]},
    ...     geometry=[box(0, 0, 2, 1), box(0, 0, 1, 1), box(1, 0, 2, 1)])
    >>> layout_elements(areas, "S")["area_id"].tolist()
    ['S', 'S-1', 'S-2']
    """
    names = layout_names(areas)
    if str(layout) in names:
        return areas[(areas["layout"].astype(str) == str(layout)).to_numpy()]
    parents = _parents_with_children(areas)
    if str(layout) in parents:
        ids = areas["area_id"].astype(str)
        sel = (ids == str(layout)) | (areas["parent_id"].astype(str) == str(layout))
        return areas[sel.to_numpy()]
    raise LayoutError(
        f"unknown layout {layout!r}; layouts: {', '.join(names) or '(none)'}; "
        f"areas with plates or sub-areas: {', '.join(parents) or '(none)'}"
    )


def layout_summary(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    layout: str,
    *,
    roads: gpd.GeoDataFrame | None = None,
    corridor_width_m: float | None = None,
    by: Iterable[str] | str = ("area",),
    statuses: Iterable[str] | None = None,
    overlap: OverlapRule = "smallest",
    threads: int | None = None,
) -> pd.DataFrame:
    """Freed land (or land in ``statuses``) in each element of a layout, and outside.

    Parameters
    ----------
    parcels, areas
        ``Workspace.parcels`` and ``Workspace.areas`` (one projected CRS).
    layout
        A layout name or a parent area's ID (:func:`layout_elements`).
    roads
        ``Workspace.tables["roads"]``, to derive corridors (:func:`derive_corridors`).
    corridor_width_m
        Total corridor width in metres; re-derives every corridor of the layout
        from its road with this width.
    by, statuses, overlap, threads
        As in :func:`geo.release.release_summary`; ``by`` must include ``area``.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`geo.release.release_summary` plus ``share``: the
        fraction of the level's total in the row (an element or ``outside``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString, box
    >>> parcels = gpd.GeoDataFrame({"parcel_id": ["A"], "status": ["released"]},
    ...     geometry=[box(0, 0, 400, 100)], crs=4547)
    >>> areas = gpd.GeoDataFrame({"area_id": ["C"], "name": ["廊道"], "kind": ["corridor"],
    ...     "layout": ["一廊"], "road_id": ["G1"], "corridor_width_m": [100.0]},
    ...     geometry=[None], crs=4547)
    >>> roads = gpd.GeoDataFrame({"road_id": ["G1"]},
    ...     geometry=[LineString([(100, -500), (100, 500)])], crs=4547)
    >>> out = layout_summary(parcels, areas, "一廊", roads=roads)
    >>> out[["area_id", "area_m2", "share"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'area_id': 'C', 'area_m2': 10000.0, 'share': 0.25},
     {'area_id': 'outside', 'area_m2': 30000.0, 'share': 0.75}]
    """
    dims = [by] if isinstance(by, str) else list(by)
    if "area" not in dims:
        raise LayoutError("a layout summary is grouped by area (add 'area' to by)")
    elements = elements_for(areas, layout, roads=roads, corridor_width_m=corridor_width_m)
    out = release_summary(
        parcels,
        elements,
        by=dims,
        statuses=statuses,
        overlap=overlap,
        threads=threads,
    )
    return with_shares(out)


def elements_for(
    areas: gpd.GeoDataFrame,
    layout: str,
    *,
    roads: gpd.GeoDataFrame | None = None,
    corridor_width_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The elements :func:`layout_summary` cuts by: corridors derived, none without geometry.

    Raises
    ------
    LayoutError
        An element has no geometry (and no road to derive it from).
    """
    elements = layout_elements(areas, layout)
    elements = derive_corridors(elements, roads, width_m=corridor_width_m)
    if corridor_width_m is None:
        blank = shapely.is_missing(elements.geometry.array) | shapely.is_empty(
            elements.geometry.array
        )
        if np.asarray(blank).any():
            raise LayoutError(
                "area(s) "
                + ", ".join(elements.loc[np.asarray(blank), "area_id"].astype(str))
                + f" of layout {layout!r} have no geometry"
            )
    return elements


def with_shares(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary`` with ``share``: each row's fraction of its level's total land."""
    out = summary.copy()
    totals = out.groupby("level")["area_m2"].transform("sum")
    out["share"] = np.where(totals > 0, out["area_m2"] / totals.where(totals > 0, 1.0), 0.0)
    return out


# ---------------------------------------------------------------------------
# Current land use (三调) per element
# ---------------------------------------------------------------------------

CURRENT_USE_COLUMNS: tuple[str, ...] = (
    "area_id",
    "element_mu",
    "surveyed_mu",
    "industrial_mu",
    "storage_mu",
    "mining_mu",
    "industrial_share",
)
"""Columns of :func:`current_use_summary` (besides the element's own columns)."""


def current_use_summary(survey: gpd.GeoDataFrame, elements: gpd.GeoDataFrame) -> pd.DataFrame:
    """Current industrial, storage and mining land (三调 DLTB) in each planning area.

    The 地类图斑 of ``survey`` (the ``landuse_survey`` table) are clipped to
    every element with the release engine's containment/clipping
    (:func:`geo.release.intersect.intersection_areas`; overlapping elements
    each receive the shared land). A 图斑 counts by its ``dlbm`` class
    (:data:`geo.codes.CURRENT_USE_CLASSES`: 0601 工业, 0508/0604 仓储, 0602 采矿).

    Parameters
    ----------
    survey
        ``landuse_survey`` rows with ``dlbm``, in the projected CRS of ``elements``.
    elements
        Planning areas (``area_id`` and geometry), e.g. :func:`layout_elements`.

    Returns
    -------
    pandas.DataFrame
        One row per element, in its order: the element's columns (without
        geometry) and ``element_mu`` (its planar area), ``surveyed_mu`` (land
        of any class inside it), ``industrial_mu``, ``storage_mu``,
        ``mining_mu`` and ``industrial_share`` = ``industrial_mu /
        element_mu`` (现状工业用地率, 0-1; NaN for an element without area).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> survey = gpd.GeoDataFrame({"dlbm": ["0601", "0508", "0101"]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(0, 100, 200, 200)],
    ...     crs=4547)
    >>> park = gpd.GeoDataFrame({"area_id": ["P"]}, geometry=[box(50, 0, 200, 200)], crs=4547)
    >>> out = current_use_summary(survey, park)
    >>> [float(out.at[0, c]) for c in ("industrial_mu", "storage_mu")]
    [7.5, 15.0]
    >>> round(float(out.at[0, "industrial_share"]), 4)
    0.1667
    """
    from geo.codes import CURRENT_USE_CLASSES, normalize_sandiao
    from geo.release.intersect import intersection_areas

    if survey.crs is not None and elements.crs is not None and survey.crs != elements.crs:
        raise LayoutError(
            f"the land survey ({survey.crs}) and the areas ({elements.crs}) are in different "
            f"CRS; open them from one workspace"
        )
    base = pd.DataFrame(elements.drop(columns=elements.geometry.name)).reset_index(drop=True)
    element_m2 = np.asarray(shapely.area(elements.geometry.array), dtype="float64")
    base["element_mu"] = m2_to_mu(np.nan_to_num(element_m2))
    for col in ("surveyed_mu", "industrial_mu", "storage_mu", "mining_mu"):
        base[col] = 0.0
    if len(survey) and len(elements):
        pieces = intersection_areas(survey.geometry.array, elements.geometry.array, outside=False)
        codes_ = np.array([normalize_sandiao(v) for v in survey["dlbm"]], dtype=object)
        piece_code = codes_[pieces["parcel"].to_numpy()]
        where = pieces["area"].to_numpy()
        m2 = pieces["area_m2"].to_numpy()

        def per_element(keep: np.ndarray) -> np.ndarray:
            return m2_to_mu(np.bincount(where[keep], weights=m2[keep], minlength=len(elements)))

        base["surveyed_mu"] = per_element(np.ones(len(pieces), dtype=bool))
        for key, (_, _, members) in CURRENT_USE_CLASSES.items():
            base[f"{key}_mu"] = per_element(np.isin(piece_code, list(members)))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = base["industrial_mu"].to_numpy() / base["element_mu"].to_numpy()
    base["industrial_share"] = np.where(base["element_mu"].to_numpy() > 0, share, np.nan)
    return base
