"""What a map of a province-size inventory needs: aggregates and the parcels in view.

A web map cannot draw a million parcels. At low zoom it shows freed land
aggregated on a grid (:func:`aggregate_for_map`, ``by="cell"``) or by
planning area (``by="area"``); zoomed in, it shows the parcels in the view,
at most ``limit`` of them (:func:`parcels_in_bounds`).

Both read a GeoParquet dataset (:mod:`geo.dataset.parquet`) partition by
partition and only the partitions and row groups whose bounding boxes meet
the view (partition bounds in ``meta.json``; row-group statistics of the
GeoParquet ``bbox`` covering column), so memory stays that of one partition.
An in-memory :class:`~geo.workspace.Workspace` works too (its spatial index
is used).

Bounds are ``(xmin, ymin, xmax, ymax)`` in the dataset's projected CRS, or in
``bounds_crs`` (e.g. ``4326`` for a web map's lon/lat view). Results are in
the dataset's CRS: reproject at the rendering edge
(:func:`geo.crs.to_display`).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as pads
import shapely
from pyproj import CRS, Transformer

from geo.crs import m2_to_mu
from geo.dataset import open_dataset
from geo.dataset.parquet import (
    BBOX_COLUMN,
    ROW_COLUMN,
    Bounds,
    ParquetDataset,
    _meets,
    read_parcels,
)
from geo.engine._errors import EngineError
from geo.engine.registry import Measure, register, run
from geo.grid import cell_sums
from geo.release import OUTSIDE_ID, area_levels, check_statuses
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

MapDataset = Workspace | ParquetDataset | str | os.PathLike[str]

CELL_COLUMNS: tuple[str, ...] = ("cell_x", "cell_y", "n_parcels", "area_m2", "area_mu")
"""Columns of the grid aggregate (with ``geometry``, the cell square)."""


def _open(dataset: MapDataset) -> Workspace | ParquetDataset:
    if isinstance(dataset, Workspace | ParquetDataset):
        return dataset
    return open_dataset(dataset, validate=False)


def _view_bounds(ws: Workspace | ParquetDataset, bounds: Any, bounds_crs: Any) -> Bounds | None:
    """``bounds`` in the dataset's CRS (densified when reprojected)."""
    if bounds is None:
        return None
    b = tuple(float(v) for v in bounds)
    if len(b) != 4 or not all(math.isfinite(v) for v in b) or b[0] > b[2] or b[1] > b[3]:
        raise EngineError(f"bounds must be (xmin, ymin, xmax, ymax) with min <= max, got {bounds}")
    if bounds_crs is not None and CRS.from_user_input(bounds_crs) != ws.crs:
        t = Transformer.from_crs(CRS.from_user_input(bounds_crs), ws.crs, always_xy=True)
        b = tuple(float(v) for v in t.transform_bounds(*b, densify_pts=21))
    return b  # type: ignore[return-value]


def _statuses(statuses: Iterable[str] | None) -> list[str]:
    return check_statuses(statuses)


# ---------------------------------------------------------------------------
# Aggregates
# ---------------------------------------------------------------------------


def _cells_frame(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], cell_m: float, crs: CRS
) -> gpd.GeoDataFrame:
    if parts:
        frame = pd.DataFrame(
            {
                "cell_x": np.concatenate([p[0] for p in parts]),
                "cell_y": np.concatenate([p[1] for p in parts]),
                "n_parcels": np.concatenate([p[2] for p in parts]).astype(np.int64),
                "area_m2": np.concatenate([p[3] for p in parts]),
            }
        )
        frame = frame.groupby(["cell_y", "cell_x"], sort=True).sum().reset_index()
    else:
        frame = pd.DataFrame({c: pd.Series(dtype="int64") for c in CELL_COLUMNS[:3]})
        frame["area_m2"] = pd.Series(dtype="float64")
    frame = frame[["cell_x", "cell_y", "n_parcels", "area_m2"]]
    frame["area_mu"] = m2_to_mu(frame["area_m2"])
    x0 = frame["cell_x"].to_numpy(dtype=float) * cell_m
    y0 = frame["cell_y"].to_numpy(dtype=float) * cell_m
    out = gpd.GeoDataFrame(frame, geometry=shapely.box(x0, y0, x0 + cell_m, y0 + cell_m), crs=crs)
    out.attrs["cell_m"] = cell_m
    return out


def aggregate_for_map(
    dataset: MapDataset,
    *,
    cell_m: float,
    bounds: Any = None,
    statuses: Iterable[str] | None = None,
    by: Literal["cell", "area"] = "cell",
    bounds_crs: Any = None,
    within: Any = None,
) -> gpd.GeoDataFrame:
    """Freed land per grid cell (or per planning area) for a low-zoom map.

    Parameters
    ----------
    dataset
        A dataset directory or GeoPackage path, a :class:`ParquetDataset` or a
        :class:`~geo.workspace.Workspace`.
    cell_m
        Grid cell size in metres; cells are aligned on multiples of
        ``cell_m`` in the projected CRS, so they stay put as the view moves.
    bounds
        Only parcels whose bounding-box centre lies in these bounds (and only
        the partitions and row groups that meet them are read).
    statuses
        Statuses to count (default: freed land, :data:`geo.schema.FREED_STATUSES`).
    by
        ``"cell"``: the grid. ``"area"``: each planning area with its freed
        land clipped to it (:func:`geo.release.release_summary`, every level),
        ``bounds`` ignored.
    bounds_crs
        The CRS of ``bounds`` (default: the dataset's).
    within
        Only parcels whose bounding-box centre lies in this polygon (in the
        dataset's CRS), e.g. a planning area shown as a finer grid; ``bounds``
        defaults to its bounds.

    Returns
    -------
    geopandas.GeoDataFrame
        ``by="cell"``: :data:`CELL_COLUMNS` and the cell square, one row per
        cell with land, sorted by row then column. A parcel counts whole in
        the cell of its bounding-box centre, so the cells add up to the total
        exactly (a display aggregate: parcels are not clipped to cells).
        ``by="area"``: ``level``, ``area_id``, ``area_name``, ``kind``,
        ``n_parcels``, ``area_m2``, ``area_mu`` and the area polygon. In the
        dataset's projected CRS.

    Examples
    --------
    >>> cells = aggregate_for_map("data/wuan.gpkg", cell_m=1000.0)
    >>> list(cells.columns)
    ['cell_x', 'cell_y', 'n_parcels', 'area_m2', 'area_mu', 'geometry']
    """
    cell = float(cell_m)
    if not math.isfinite(cell) or cell <= 0:
        raise EngineError(f"cell_m must be a positive number of metres, got {cell_m!r}")
    wanted = _statuses(statuses)
    ws = _open(dataset)
    if by == "area":
        return _by_area(ws, wanted)
    if by != "cell":
        raise EngineError(f"by must be 'cell' or 'area', got {by!r}")
    if within is not None:
        shapely.prepare(within)
        if bounds is None:
            bounds, bounds_crs = shapely.bounds(within).tolist(), None
    view = _view_bounds(ws, bounds, bounds_crs)
    out = run(MAP_CELLS, ws, statuses=wanted, cell_m=cell, view=view, within=within)
    logger.info(
        "map aggregate: %d cells of %.0f m, %d parcels, %.1f mu",
        len(out),
        cell,
        int(out["n_parcels"].sum()),
        float(out["area_mu"].sum()),
    )
    return out


def _cells_prepare(ds: Any, options: Mapping[str, Any], engine: str) -> dict[str, Any]:
    return {
        "statuses": list(options["statuses"]),
        "cell_m": float(options["cell_m"]),
        "view": options.get("view"),
        "within": options.get("within"),
        "crs": ds.crs,
    }


def _cells_partition(
    part: gpd.GeoDataFrame, ctx: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    sel = part["status"].astype(str).isin(ctx["statuses"]).to_numpy()
    geoms = np.asarray(part.geometry.array)[sel]
    return cell_sums(geoms, ctx["cell_m"], ctx["view"], ctx["within"])


def _cells_combine(parts: list[Any], ctx: Mapping[str, Any]) -> gpd.GeoDataFrame:
    return _cells_frame(parts, ctx["cell_m"], ctx["crs"])


MAP_CELLS = register(
    Measure(
        name="map_cells",
        columns=lambda ds, o: ["status"],
        statuses=lambda o: list(o["statuses"]),
        bbox=lambda o: o.get("view"),
        prepare=_cells_prepare,
        partition=_cells_partition,
        combine=_cells_combine,
    )
)
"""Land of some statuses per grid cell (:func:`geo.grid.cell_sums`): the map's aggregate."""


def _by_area(ws: Workspace | ParquetDataset, statuses: list[str]) -> gpd.GeoDataFrame:
    from geo.engine.compute import release_summary

    areas = ws.get("areas")
    if areas is None or not len(areas):
        raise EngineError("the dataset has no planning areas to aggregate by")
    summ = release_summary(ws, areas, by="area", statuses=statuses)
    return area_aggregate(areas, summ, crs=ws.crs)


def area_aggregate(areas: gpd.GeoDataFrame, summary: pd.DataFrame, *, crs: Any) -> gpd.GeoDataFrame:
    """The map aggregate by area from a release summary by area of the same ``areas``.

    Parameters
    ----------
    areas
        The areas the summary was computed against (every row, in table order).
    summary
        :func:`geo.engine.compute.release_summary` (or :func:`geo.release.release_summary`)
        of the parcels against ``areas`` with ``by="area"`` alone.
    crs
        The CRS of the result (the dataset's).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`aggregate_for_map` with ``by="area"``: the summary's rows
        without the land outside every area, each with its area's polygon.
    """
    summ = summary[summary["area_id"] != OUTSIDE_ID].reset_index(drop=True)
    if len(summ) != len(areas):
        raise EngineError(
            f"the summary has {len(summ)} area rows for {len(areas)} areas: "
            "give a summary by area alone of these areas"
        )
    # Grouped by area alone, the rows are every area of each level in table order.
    levels = area_levels(areas, within=areas["area_id"].astype(str)).to_numpy()
    order = np.lexsort((np.arange(len(areas)), levels))
    cols = ["level", "area_id", "area_name", "kind", "n_parcels", "area_m2", "area_mu"]
    return gpd.GeoDataFrame(summ[cols], geometry=np.asarray(areas.geometry.array)[order], crs=crs)


# ---------------------------------------------------------------------------
# Parcels in view
# ---------------------------------------------------------------------------


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
    dataset: MapDataset,
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
    ws = _open(dataset)
    view = _view_bounds(ws, bounds, bounds_crs)
    assert view is not None
    wanted = None if statuses is None else set(_statuses(statuses))
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


__all__ = ["CELL_COLUMNS", "aggregate_for_map", "area_aggregate", "parcels_in_bounds"]
