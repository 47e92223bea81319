"""What a map shows of its view: the parcels in it when few enough, a grid aggregate otherwise.

A map of a large workspace asks for what is in its view under a feature
budget (docs/architecture.md §7, §9): :func:`in_view` counts the parcels whose
bounding box meets the view (for a GeoParquet dataset from the ``bbox``
column of the row groups that meet it, no geometry read) and returns them
when there are at most ``budget``, at any dataset size; otherwise land per
cell of the one display grid (:mod:`geo.grid`, a cell size for the view's
extent) over the view.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pyarrow.compute as pc
import pyarrow.dataset as pads
import shapely
from pyproj import CRS

from geo import settings
from geo.crs import DISPLAY_EPSG, transform_bounds
from geo.dataset import Bounds, Dataset, open_dataset
from geo.dataset.errors import EngineError
from geo.dataset.parquet import BBOX_COLUMN, ROW_COLUMN, ParquetDataset, _meets, read_parcels
from geo.engine.compute import aggregate_for_map
from geo.grid import MAX_MAP_CELLS, cell_bounds, cell_size_for
from geo.release import check_statuses
from geo.schema import FREED_STATUSES

logger = logging.getLogger(__name__)


PARCEL_LIMIT = 5_000
"""A map shows single parcels only when at most this many are selected."""

PARCEL_LIMIT_ENV = settings.PARCEL_LIMIT_ENV
"""Environment variable overriding :data:`PARCEL_LIMIT`."""


def parcel_limit() -> int:
    """At most this many single parcels on a map: ``$TENGLONG_MAP_PARCELS`` or :data:`PARCEL_LIMIT`.

    Examples
    --------
    >>> parcel_limit() >= 0
    True
    """
    return settings.get_int(PARCEL_LIMIT_ENV, PARCEL_LIMIT)


def cell_parcels(
    dataset: Any,
    cell_m: float,
    cell_x: int,
    cell_y: int,
    *,
    statuses: Iterable[str] | None = None,
    limit: int = PARCEL_LIMIT,
    columns: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """The parcels a grid cell of :func:`~geo.engine.compute.aggregate_for_map` counts.

    Those whose bounding-box centre lies in the cell, in ``statuses``
    (default: freed land, as the aggregate), at most ``limit`` (the
    largest). ``attrs["total"]`` is how many there are, ``attrs["truncated"]``
    whether some were left out.
    """
    wanted = list(FREED_STATUSES) if statuses is None else list(statuses)
    return parcels_in_bounds(
        open_dataset(dataset, validate=False),
        cell_bounds(cell_m, cell_x, cell_y),
        limit=limit,
        statuses=wanted,
        columns=columns,
        centre_in=True,
    )


def area_parcels(
    dataset: Any,
    area: shapely.Geometry,
    *,
    statuses: Iterable[str] | None = None,
    limit: int = PARCEL_LIMIT,
    candidates: int = 10 * PARCEL_LIMIT,
) -> gpd.GeoDataFrame:
    """The parcels with land inside ``area`` (interiors meet), at most ``limit`` (the largest).

    Parameters
    ----------
    dataset
        A dataset, workspace or path.
    area
        The area's polygon in the dataset's CRS.
    statuses
        Only these (default: freed land).
    limit
        At most this many parcels, the largest by area.
    candidates
        At most this many parcels meeting the area's bounding box are
        examined (the largest); ``attrs["complete"]`` says whether every one
        was.

    Returns
    -------
    geopandas.GeoDataFrame
        ``attrs["total"]`` (parcels found inside), ``attrs["truncated"]`` and
        ``attrs["complete"]``.
    """
    wanted = list(FREED_STATUSES) if statuses is None else list(statuses)
    ws = open_dataset(dataset, validate=False)
    near = parcels_in_bounds(ws, shapely.bounds(area).tolist(), limit=candidates, statuses=wanted)
    geoms = np.asarray(near.geometry.array)
    shapely.prepare(area)
    inside = shapely.intersects(area, geoms) & ~shapely.touches(area, geoms)
    hit = near[inside]
    total = len(hit)
    if total > limit:
        order = np.argsort(-shapely.area(np.asarray(hit.geometry.array)), kind="stable")
        hit = hit.iloc[np.sort(order[:limit])]
    hit = hit.copy()
    hit.attrs["total"] = int(total)
    hit.attrs["truncated"] = bool(total > len(hit)) or bool(near.attrs.get("truncated"))
    hit.attrs["complete"] = not bool(near.attrs.get("truncated"))
    return hit


@dataclass(frozen=True)
class InView:
    """What a map shows of a view.

    Attributes
    ----------
    kind
        ``parcels`` (every parcel in view) or ``cells`` (the grid aggregate).
    bounds
        The view in the dataset's CRS.
    total
        Parcels of the statuses whose bounding box meets the view (``parcels``)
        or whose box centre lies in it (``cells``).
    parcels
        The parcels (``parcels``).
    cells
        Land per grid cell (``cells``): :data:`geo.engine.compute.CELL_COLUMNS`.
    cell_m
        The grid's cell size (``cells``).
    """

    kind: Literal["parcels", "cells"]
    bounds: Bounds
    total: int
    parcels: gpd.GeoDataFrame | None = None
    cells: gpd.GeoDataFrame | None = None
    cell_m: float | None = None


def view_bounds(bounds: Any, crs: Any, *, bounds_crs: Any = DISPLAY_EPSG) -> Bounds:
    """``bounds`` (``xmin, ymin, xmax, ymax`` in ``bounds_crs``) in ``crs``, densified.

    Raises
    ------
    EngineError
        Not four finite numbers with min ≤ max.
    """
    try:
        b = tuple(float(v) for v in bounds)
    except (TypeError, ValueError):
        raise EngineError(f"a view is (xmin, ymin, xmax, ymax), got {bounds!r}") from None
    if len(b) != 4 or not all(v == v and abs(v) != float("inf") for v in b):
        raise EngineError(f"a view is four finite numbers (xmin, ymin, xmax, ymax), got {bounds!r}")
    if b[0] > b[2] or b[1] > b[3]:
        raise EngineError(f"a view's minimum is above its maximum: {bounds!r}")
    if bounds_crs is not None and CRS.from_user_input(bounds_crs) != CRS.from_user_input(crs):
        b = transform_bounds(b, bounds_crs, crs)
    return b  # type: ignore[return-value]


def in_view(
    dataset: Dataset,
    bounds: Any,
    *,
    bounds_crs: Any = DISPLAY_EPSG,
    statuses: Iterable[str] | None = None,
    budget: int | None = None,
    columns: Iterable[str] | None = None,
    max_cells: int = MAX_MAP_CELLS,
) -> InView:
    """The parcels in view when at most ``budget``, else the grid aggregate of the view.

    Parameters
    ----------
    dataset
        An open dataset (either backend).
    bounds
        The view, in ``bounds_crs`` (default: display lon/lat).
    statuses
        The statuses shown (default: freed land).
    budget
        At most this many single parcels (default: :func:`parcel_limit`).
    columns
        The parcel columns returned (default: all).
    max_cells
        At most this many grid cells over the view.

    Examples
    --------
    >>> from geo.dataset import open_dataset
    >>> ds = open_dataset("data/fuxing.gpkg", validate=False)
    >>> whole = in_view(ds, ds.bounds(), bounds_crs=ds.crs, budget=10)
    >>> whole.kind, int(whole.cells["n_parcels"].sum()) == whole.total
    ('cells', True)
    >>> x0, y0, x1, y1 = ds.bounds()
    >>> small = in_view(ds, (x0, y0, x0 + 300, y0 + 300), bounds_crs=ds.crs, budget=10_000)
    >>> small.kind, len(small.parcels) == small.total
    ('parcels', True)
    """
    wanted = list(FREED_STATUSES) if statuses is None else list(statuses)
    budget = parcel_limit() if budget is None else int(budget)
    view = view_bounds(bounds, dataset.crs, bounds_crs=bounds_crs)
    found = parcels_in_bounds(dataset, view, limit=budget, columns=columns, statuses=wanted)
    if not found.attrs.get("truncated"):
        logger.info("in view: %d parcels", len(found))
        return InView("parcels", view, int(found.attrs.get("total", len(found))), parcels=found)
    cell_m = cell_size_for(view, max_cells=max_cells)
    cells = aggregate_for_map(dataset, cell_m=cell_m, bounds=view, statuses=wanted)
    total = int(cells["n_parcels"].sum())
    logger.info("in view: %d parcels in %d cells of %g m", total, len(cells), cell_m)
    return InView("cells", view, total, cells=cells, cell_m=cell_m)


def _bbox_filter(view: Bounds) -> pc.Expression:
    return (
        (pc.field(BBOX_COLUMN, "xmin") <= view[2])
        & (pc.field(BBOX_COLUMN, "xmax") >= view[0])
        & (pc.field(BBOX_COLUMN, "ymin") <= view[3])
        & (pc.field(BBOX_COLUMN, "ymax") >= view[1])
    )


def _pick(rows: np.ndarray, box_m2: np.ndarray, limit: int) -> np.ndarray:
    """The ``limit`` rows with the largest boxes (ties: source order), in source order."""
    if len(rows) <= limit:
        return np.sort(rows)
    order = np.lexsort((rows, -box_m2))
    return np.sort(rows[order[:limit]])


def parcels_in_bounds(
    dataset: Dataset | str | os.PathLike[str],
    bounds: Any,
    *,
    limit: int = 5000,
    columns: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    bounds_crs: Any = None,
    centre_in: bool = False,
) -> gpd.GeoDataFrame:
    """The parcels whose bounding box meets ``bounds``, at most ``limit`` of them.

    Only the partitions and row groups whose bounding boxes meet the view are
    read: first the ``bbox`` and ``_row`` columns, to count and choose, then
    the chosen rows' other columns.

    Parameters
    ----------
    dataset
        A dataset directory or GeoPackage path, a :class:`ParquetDataset` or a
        :class:`~geo.workspace.Workspace`. An app opens the dataset once
        (:func:`~geo.dataset.parquet.open_dataset` with ``engine="dask"``) and
        passes it: a path is opened (small tables read) at every call.
    bounds
        ``(xmin, ymin, xmax, ymax)`` in the dataset's CRS or ``bounds_crs``.
    limit
        At most this many parcels; when more meet the view, the largest (by
        bounding box) are returned, so a map shows the big sites first.
    columns
        Columns to return (default: all); ``geometry`` always.
    statuses
        Only parcels in these statuses (default: every status).
    bounds_crs
        The CRS of ``bounds`` (default: the dataset's).
    centre_in
        Only the parcels whose bounding-box centre lies in ``bounds`` (the
        lower and left edges included, the upper and right ones not): the
        parcels :func:`aggregate_for_map` counts in a grid cell, when
        ``bounds`` is that cell.

    Returns
    -------
    geopandas.GeoDataFrame
        In source order, in the dataset's CRS. ``attrs["total"]`` is the
        number of parcels meeting the view (with ``centre_in``: centred in
        it), ``attrs["truncated"]`` whether
        some were left out.

    Examples
    --------
    >>> ws = open_dataset("data/wuan.gpkg", validate=False)
    >>> view = ws.parcels.total_bounds
    >>> out = parcels_in_bounds(ws, view, limit=10)
    >>> len(out), out.attrs["truncated"]
    (10, True)
    """
    if int(limit) < 0:
        raise EngineError(f"limit must be 0 or more, got {limit}")
    limit = int(limit)
    ws = open_dataset(dataset, validate=False)
    view = view_bounds(bounds, ws.crs, bounds_crs=bounds_crs)
    wanted = None if statuses is None else set(check_statuses(statuses))
    cols = None if columns is None else list(columns)
    if isinstance(ws, ParquetDataset):
        out, total = _lazy_in_bounds(
            ws, view, limit=limit, columns=cols, wanted=wanted, centre_in=centre_in
        )
    else:
        parcels = ws.parcels
        hit = np.sort(parcels.sindex.query(shapely.box(*view)))
        if wanted is not None:
            hit = hit[parcels["status"].iloc[hit].astype(str).isin(wanted).to_numpy()]
        b = shapely.bounds(np.asarray(parcels.geometry.array)[hit])
        if centre_in:
            keep = _centred(b[:, 0], b[:, 1], b[:, 2], b[:, 3], view)
            hit, b = hit[keep], b[keep]
        chosen = _pick(hit, (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]), limit)
        out = parcels.iloc[chosen]
        if cols is not None:
            out = out[[c for c in cols if c != "geometry"] + ["geometry"]]
        total = len(hit)
    out.attrs["total"] = int(total)
    out.attrs["truncated"] = bool(total > len(out))
    logger.info("parcels in view: %d of %d (limit %d)", len(out), total, limit)
    return out


def _centred(
    xmin: np.ndarray, ymin: np.ndarray, xmax: np.ndarray, ymax: np.ndarray, view: Bounds
) -> np.ndarray:
    """Which boxes have their centre in ``view``, half-open ``[min, max)`` as a grid cell is."""
    cx, cy = 0.5 * (xmin + xmax), 0.5 * (ymin + ymax)
    return (cx >= view[0]) & (cx < view[2]) & (cy >= view[1]) & (cy < view[3])


def _lazy_in_bounds(
    ws: ParquetDataset,
    view: Bounds,
    *,
    limit: int,
    columns: list[str] | None,
    wanted: set[str] | None,
    centre_in: bool = False,
) -> tuple[gpd.GeoDataFrame, int]:
    info = ws.info
    parts = [k for k, p in enumerate(info.partitions) if _meets(p.bounds, view)]
    paths = [str(info.path / info.partitions[k].file) for k in parts]
    probe = [BBOX_COLUMN, ROW_COLUMN] + (["status"] if wanted is not None else [])
    if paths:
        table = pads.dataset(paths, format="parquet").to_table(
            columns=probe, filter=_bbox_filter(view)
        )
        rows = table.column(ROW_COLUMN).to_numpy()
        box = table.column(BBOX_COLUMN).combine_chunks()
        x0, x1 = box.field("xmin").to_numpy(), box.field("xmax").to_numpy()
        y0, y1 = box.field("ymin").to_numpy(), box.field("ymax").to_numpy()
        w, h = x1 - x0, y1 - y0
        keep = np.ones(len(rows), dtype=bool)
        if wanted is not None:
            keep &= np.isin(table.column("status").to_numpy(zero_copy_only=False), list(wanted))
        if centre_in:
            keep &= _centred(x0, y0, x1, y1, view)
        rows, w, h = rows[keep], w[keep], h[keep]
    else:
        rows = np.empty(0, dtype=np.int64)
        w = h = np.empty(0)
    chosen = _pick(rows, w * h, limit)
    if not len(chosen):
        empty = read_parcels(info, columns=columns, partitions=[0] if info.partitions else [])
        return empty.iloc[:0], len(rows)
    out = read_parcels(
        info,
        columns=columns,
        partitions=parts,
        bbox=view,
        row_filter=pc.field(ROW_COLUMN).isin(chosen),
    )
    return out, len(rows)


# ---------------------------------------------------------------------------
# Drawing an aggregate: colour classes, cell names, outlines, display bounds
# ---------------------------------------------------------------------------

PALETTE: tuple[str, ...] = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
"""Colours of the aggregate classes, light (little land) to dark (much)."""


def color_classes(values: Any) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Class breaks (quintiles, two significant digits) and colours for aggregate values.

    Examples
    --------
    >>> breaks, colors = color_classes([1, 5, 12, 50, 120, 400, 1000, 3000])
    >>> breaks, len(colors) == len(breaks) + 1
    ((7.8, 42.0, 180.0, 760.0), True)
    >>> color_classes([])
    ((1.0,), ('#ffffcc', '#800026'))
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return (1.0,), (PALETTE[0], PALETTE[-1])
    qs = np.quantile(v, [0.2, 0.4, 0.6, 0.8])
    breaks = tuple(sorted({float(f"{q:.2g}") for q in qs if q > 0}))
    if not breaks:
        breaks = (float(f"{v.max():.2g}"),)
    pick = np.linspace(0, len(PALETTE) - 1, len(breaks) + 1).round().astype(int)
    return breaks, tuple(PALETTE[i] for i in pick)


def cell_size_label(cell_m: float) -> str:
    """``2 km``, ``250 m``.

    Examples
    --------
    >>> cell_size_label(2000.0), cell_size_label(250.0), cell_size_label(2500.0)
    ('2 km', '250 m', '2.5 km')
    """
    if cell_m >= 1000:
        return f"{cell_m / 1000:g} km"
    return f"{cell_m:g} m"


def outer_rings(geoms: Any) -> np.ndarray:
    """Polygons without their holes (a display copy: outlines need only the outer rings).

    Examples
    --------
    >>> ring = shapely.box(0, 0, 10, 10).difference(shapely.box(4, 4, 6, 6))
    >>> [g.area for g in outer_rings([ring, None])[:1]]
    [100.0]
    """
    arr = np.asarray(geoms, dtype=object)
    out = np.empty(len(arr), dtype=object)
    out[:] = None
    parts, idx = shapely.get_parts(arr, return_index=True)
    if not len(parts):
        return out
    polys = shapely.polygons(shapely.get_exterior_ring(parts))
    uniq = np.unique(idx)
    out[uniq] = shapely.multipolygons(polys, indices=np.searchsorted(uniq, idx))
    return out


def display_bounds(selection: Any, crs: Any, *, margin: float = 0.5) -> tuple[float, ...]:
    """The selection's box grown by ``margin`` on each side, in display lon/lat.

    Examples
    --------
    >>> [round(v, 4) for v in display_bounds(shapely.box(0, 0, 2, 2), 4326, margin=0.5)]
    [-1.0, -1.0, 3.0, 3.0]
    """
    x0, y0, x1, y1 = shapely.bounds(selection).tolist()
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    return transform_bounds((x0 - dx, y0 - dy, x1 + dx, y1 + dy), crs, DISPLAY_EPSG)


__all__ = [
    "PALETTE",
    "PARCEL_LIMIT",
    "PARCEL_LIMIT_ENV",
    "InView",
    "area_parcels",
    "cell_parcels",
    "cell_size_label",
    "color_classes",
    "display_bounds",
    "in_view",
    "outer_rings",
    "parcel_limit",
    "parcels_in_bounds",
    "view_bounds",
]
