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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
from pyproj import CRS, Transformer

from geo.crs import DISPLAY_EPSG
from geo.dataset import Bounds, Dataset
from geo.engine.mapview import aggregate_for_map, parcels_in_bounds
from geo.errors import InputError
from geo.grid import MAX_MAP_CELLS, cell_size_for
from geo.schema import FREED_STATUSES

logger = logging.getLogger(__name__)

DEFAULT_BUDGET = 5_000
"""Single parcels a map draws at most (the app's ``$TENGLONG_MAP_PARCELS``)."""


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
        Land per grid cell (``cells``): :data:`geo.engine.mapview.CELL_COLUMNS`.
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
    InputError
        Not four finite numbers with min ≤ max.
    """
    try:
        b = tuple(float(v) for v in bounds)
    except (TypeError, ValueError):
        raise InputError(f"a view is (xmin, ymin, xmax, ymax), got {bounds!r}") from None
    if len(b) != 4 or not all(v == v and abs(v) != float("inf") for v in b):
        raise InputError(f"a view is four finite numbers (xmin, ymin, xmax, ymax), got {bounds!r}")
    if b[0] > b[2] or b[1] > b[3]:
        raise InputError(f"a view's minimum is above its maximum: {bounds!r}")
    if bounds_crs is not None and CRS.from_user_input(bounds_crs) != CRS.from_user_input(crs):
        t = Transformer.from_crs(CRS.from_user_input(bounds_crs), crs, always_xy=True)
        b = tuple(float(v) for v in t.transform_bounds(*b, densify_pts=21))
    return b  # type: ignore[return-value]


def in_view(
    dataset: Dataset,
    bounds: Any,
    *,
    bounds_crs: Any = DISPLAY_EPSG,
    statuses: Iterable[str] | None = None,
    budget: int = DEFAULT_BUDGET,
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
        At most this many single parcels.
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


__all__ = ["DEFAULT_BUDGET", "InView", "in_view", "view_bounds"]
