"""The display grid: one ladder of cell sizes, one cell id format, one limit.

Cells are squares aligned on multiples of their size in the dataset's
projected CRS, so the same cell has the same id in every map and every
engine: ``cell:{size_m}:{x}:{y}`` where ``x = floor(easting / size_m)``.
:func:`cell_size_for` picks the smallest size of :data:`CELL_SIZES_M` whose
grid over an extent has at most :data:`MAX_MAP_CELLS` cells. Both the map
renderer (:mod:`geo.render.aggregate`) and the engine's map aggregates
(:func:`geo.engine.compute.aggregate_for_map`) use this module.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely

Bounds = tuple[float, float, float, float]
"""``(xmin, ymin, xmax, ymax)`` in the projected CRS (metres)."""

MAX_MAP_CELLS = 2_000
"""At most this many grid cells over the extent of a map aggregate."""

CELL_SIZES_M: tuple[float, ...] = (
    10.0,
    20.0,
    25.0,
    50.0,
    100.0,
    200.0,
    250.0,
    500.0,
    1_000.0,
    2_000.0,
    2_500.0,
    5_000.0,
    10_000.0,
    20_000.0,
    25_000.0,
    50_000.0,
    100_000.0,
    200_000.0,
    250_000.0,
    500_000.0,
)
"""Grid cell sizes a map aggregate chooses from (round numbers of metres)."""
CELL_PREFIX = "cell"


def cells_over(bounds: Bounds, cell_m: float) -> int:
    """How many grid cells (aligned on multiples of ``cell_m``) cover ``bounds``.

    Examples
    --------
    >>> cells_over((0.0, 0.0, 1000.0, 500.0), 500.0)
    6
    """
    x0, y0, x1, y1 = bounds
    nx = math.floor(x1 / cell_m) - math.floor(x0 / cell_m) + 1
    ny = math.floor(y1 / cell_m) - math.floor(y0 / cell_m) + 1
    return int(nx * ny)


def cell_size_for(bounds: Bounds | None, *, max_cells: int = MAX_MAP_CELLS) -> float:
    """The smallest of :data:`CELL_SIZES_M` whose grid over ``bounds`` has ≤ ``max_cells`` cells.

    Examples
    --------
    >>> cell_size_for((480_000.0, 4_020_000.0, 530_000.0, 4_070_000.0))
    2000.0
    >>> cell_size_for((0.0, 0.0, 100.0, 100.0))
    10.0
    """
    if bounds is None:
        return CELL_SIZES_M[-1]
    for size in CELL_SIZES_M:
        if cells_over(bounds, size) <= max_cells:
            return size
    return CELL_SIZES_M[-1]


def cell_id(cell_m: float, cell_x: int, cell_y: int) -> str:
    """The identifier of a grid cell: ``cell:2000:240:2010``.

    Examples
    --------
    >>> cell_id(2000.0, 240, 2010)
    'cell:2000:240:2010'
    >>> parse_cell_id(cell_id(2.5, -1, 3))
    (2.5, -1, 3)
    """
    return f"{CELL_PREFIX}:{cell_m:g}:{int(cell_x)}:{int(cell_y)}"


def parse_cell_id(text: object) -> tuple[float, int, int] | None:
    """``(cell_m, cell_x, cell_y)`` of a :func:`cell_id`, or None for anything else.

    Examples
    --------
    >>> parse_cell_id("cell:500:1:2"), parse_cell_id("A01"), parse_cell_id("cell:x:1:2")
    ((500.0, 1, 2), None, None)
    """
    parts = str(text).split(":")
    if len(parts) != 4 or parts[0] != CELL_PREFIX:
        return None
    try:
        size, x, y = float(parts[1]), int(parts[2]), int(parts[3])
    except ValueError:
        return None
    if not math.isfinite(size) or size <= 0:
        return None
    return size, x, y


def cell_bounds(cell_m: float, cell_x: int, cell_y: int) -> Bounds:
    """The square of a grid cell in the dataset's CRS.

    Examples
    --------
    >>> cell_bounds(500.0, 2, -1)
    (1000.0, -500.0, 1500.0, 0.0)
    """
    x0, y0 = float(cell_x) * cell_m, float(cell_y) * cell_m
    return (x0, y0, x0 + cell_m, y0 + cell_m)


def cell_sums(
    geoms: np.ndarray, cell_m: float, view: Bounds | None, within: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per cell ``(x, y, n, area_m2)``: each geometry counts in the cell of its box centre.

    ``view`` keeps only box centres inside it; ``within`` (a prepared
    geometry) only those it contains.

    Examples
    --------
    >>> from shapely import box
    >>> x, y, n, m2 = cell_sums(np.array([box(0, 0, 10, 10), box(20, 0, 30, 10)]), 100.0, None)
    >>> x.tolist(), y.tolist(), n.tolist(), m2.tolist()
    ([0], [0], [2], [200.0])
    """
    b = shapely.bounds(geoms)
    cx, cy = 0.5 * (b[:, 0] + b[:, 2]), 0.5 * (b[:, 1] + b[:, 3])
    ok = np.isfinite(cx) & np.isfinite(cy)
    if view is not None:
        ok &= (cx >= view[0]) & (cx <= view[2]) & (cy >= view[1]) & (cy <= view[3])
    if within is not None:
        ok[ok] = shapely.intersects_xy(within, cx[ok], cy[ok])
    ix = np.floor(cx[ok] / cell_m).astype(np.int64)
    iy = np.floor(cy[ok] / cell_m).astype(np.int64)
    m2 = shapely.area(geoms[ok])
    if not len(ix):
        e = np.empty(0, dtype=np.int64)
        return e, e, e, np.empty(0)
    # One integer per cell (column-major within the extent): a 1-D unique is much
    # faster than np.unique(axis=0) on a million rows.
    x0, y0 = ix.min(), iy.min()
    height = int(iy.max() - y0) + 1
    key = (ix - x0) * height + (iy - y0)
    uniq, inv = np.unique(key, return_inverse=True)
    inv = inv.ravel()
    n = np.bincount(inv, minlength=len(uniq))
    s = np.bincount(inv, weights=m2, minlength=len(uniq))
    return uniq // height + x0, uniq % height + y0, n, s
