"""Province mode: what an app shows of a province-size inventory without loading it.

A workspace of more than :data:`PROVINCE_MIN_PARCELS` parcels (a GeoParquet
dataset directory, or a GeoPackage converted once to one by
:func:`dataset_for`) is not read into memory by the app. What it shows comes
from here, each computed once per dataset version:

- :func:`summarize`: the headline figures (land by status, freed land by
  area) from :func:`geo.engine.compute.release_summary` with the configured
  engine (:func:`configured_engine`), and the map's aggregates: freed land per
  grid cell (:func:`geo.engine.mapview.aggregate_for_map`, a cell size from
  :func:`cell_size_for` so that there are at most :data:`MAX_MAP_CELLS`
  cells) and per planning area;
- :func:`cell_parcels` and :func:`area_parcels`: the parcels of one grid cell
  or one planning area, at most :data:`PARCEL_LIMIT` of them, read from the
  partitions and row groups that meet it.

With the memory engine the parcels' ``parcel_id``, ``status`` and geometry are
read once and every figure is computed on them; with the dask engine the
summaries run on the cluster, partition by partition, and the grid is summed
partition by partition in this process. Either way the figures are those of
``tenglong summary`` for the same dataset.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import settings
from geo.dataset import open_dataset
from geo.dataset.parquet import (
    ENGINES,
    Bounds,
    Engine,
    ParquetDataset,
    convert_to_parquet,
    dataset_token,
    is_dataset,
    read_info,
)
from geo.engine._errors import EngineError
from geo.engine.cluster import dask_client, scheduler_address
from geo.engine.compute import release_summary
from geo.engine.mapview import aggregate_for_map, area_aggregate, parcels_in_bounds
from geo.grid import (
    CELL_SIZES_M,
    MAX_MAP_CELLS,
    cell_bounds,
    cell_id,
    cell_size_for,
    cells_over,
    parse_cell_id,
)
from geo.schema import FREED_STATUSES, STATUSES
from geo.store import revision_token
from geo.workspace import Workspace, WorkspaceError

logger = logging.getLogger(__name__)

PROVINCE_MIN_PARCELS = 50_000
"""Workspaces with more parcels than this open in province mode (not read into memory)."""
PROVINCE_ENV = settings.PROVINCE_ENV
"""Environment variable overriding :data:`PROVINCE_MIN_PARCELS`."""
ENGINE_ENV = settings.ENGINE_ENV
"""Environment variable choosing the app's engine: ``memory`` or ``dask``."""
CACHE_ENV = settings.CACHE_ENV
"""Environment variable naming the folder of converted GeoPackages (see :func:`dataset_for`)."""
PARCEL_LIMIT = 5_000
"""A map shows single parcels only when at most this many are selected."""
PARCEL_LIMIT_ENV = settings.PARCEL_LIMIT_ENV
"""Environment variable overriding :data:`PARCEL_LIMIT`."""


# ---------------------------------------------------------------------------
# When a workspace is province-size, and where its dataset is
# ---------------------------------------------------------------------------


def _env_int(name: str, default: int) -> int:
    return settings.get_int(name, default)


def province_threshold() -> int:
    """Parcels above which a workspace opens in province mode.

    ``$TENGLONG_PROVINCE_PARCELS`` when set to a whole number, else
    :data:`PROVINCE_MIN_PARCELS`.

    Examples
    --------
    >>> province_threshold() >= 0
    True
    """
    return _env_int(PROVINCE_ENV, PROVINCE_MIN_PARCELS)


def parcel_limit() -> int:
    """At most this many single parcels on a map: ``$TENGLONG_MAP_PARCELS`` or :data:`PARCEL_LIMIT`.

    Examples
    --------
    >>> parcel_limit() >= 0
    True
    """
    return _env_int(PARCEL_LIMIT_ENV, PARCEL_LIMIT)


def count_parcels(path: str | os.PathLike[str]) -> int:
    """The number of parcels of a workspace, from its metadata only.

    A dataset directory: ``meta.json``. A GeoPackage: the feature count of
    its ``parcels`` layer (``gpkg_ogr_contents``), no row read.

    Raises
    ------
    geo.workspace.WorkspaceError
        The path is neither a dataset directory nor a GeoPackage with parcels.

    Examples
    --------
    >>> count_parcels("data/fuxing.gpkg") > 0
    True
    """
    p = Path(path)
    if p.is_dir():
        if not is_dataset(p):
            raise WorkspaceError(
                f"{p} is a folder but not a Tenglong GeoParquet dataset (no meta.json); "
                f"create one with `tenglong convert WORKSPACE.gpkg --to parquet {p}`"
            )
        return read_info(p).n_parcels
    import pyogrio

    from geo.gdal import gdal_message

    try:
        return int(pyogrio.read_info(p, layer="parcels")["features"])
    except Exception as err:  # pyogrio raises its own DataSourceError/DataLayerError
        raise WorkspaceError(f"cannot count the parcels of {p}: {gdal_message(err)}") from err


def is_province_size(path: str | os.PathLike[str], *, threshold: int | None = None) -> bool:
    """Whether ``path`` has more parcels than ``threshold`` (:func:`province_threshold`).

    Examples
    --------
    >>> is_province_size("data/fuxing.gpkg"), is_province_size("data/fuxing.gpkg", threshold=10)
    (False, True)
    """
    limit = province_threshold() if threshold is None else int(threshold)
    return count_parcels(path) > limit


def cache_dir() -> Path:
    """Where GeoPackages converted for province mode are kept.

    ``$TENGLONG_CACHE_DIR``, else ``$XDG_CACHE_HOME/tenglong`` (``~/.cache/tenglong``).
    """
    return settings.cache_dir()


def dataset_for(
    path: str | os.PathLike[str], *, cache: str | os.PathLike[str] | None = None
) -> Path:
    """The GeoParquet dataset directory to read ``path`` from.

    A dataset directory is itself. A GeoPackage is converted once per
    version (its and its ``-wal`` log's modification time and size) with
    :func:`~geo.dataset.parquet.convert_to_parquet` into ``cache``
    (:func:`cache_dir`); older conversions of the same file are removed.

    Parameters
    ----------
    path
        A dataset directory or a workspace GeoPackage.
    cache
        The folder of conversions (default: :func:`cache_dir`).
    """
    p = Path(path)
    if p.is_dir():
        return p
    if not p.is_file():
        raise WorkspaceError(f"workspace {p} does not exist")
    root = Path(cache) if cache is not None else cache_dir()
    resolved = p.resolve()
    stem = hashlib.sha1(str(resolved).encode("utf-8")).hexdigest()[:12]
    version = hashlib.sha1(revision_token(resolved).encode("utf-8")).hexdigest()[:12]
    dest = root / "datasets" / f"{resolved.stem}-{stem}-{version}"
    if is_dataset(dest):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    convert_to_parquet(resolved, dest, overwrite=True)
    logger.info("converted %s for province mode in %.1f s: %s", p, time.perf_counter() - t0, dest)
    for old in dest.parent.glob(f"{resolved.stem}-{stem}-*"):
        if old != dest and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return dest


def configured_engine() -> Engine:
    """The engine the app computes with.

    ``$TENGLONG_ENGINE`` (``memory`` or ``dask``) when set; else ``dask`` when
    a scheduler is configured (``$TENGLONG_DASK_SCHEDULER``), else ``memory``.

    Raises
    ------
    EngineError
        ``$TENGLONG_ENGINE`` names no engine.
    """
    raw = (settings.get(ENGINE_ENV) or "").lower()
    if raw:
        if raw not in ENGINES:
            raise EngineError(f"{ENGINE_ENV}={raw!r}: choose {' or '.join(ENGINES)}")
        return raw  # type: ignore[return-value]
    return "dask" if scheduler_address() else "memory"


# ---------------------------------------------------------------------------
# The summary of a province-size dataset
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProvinceSummary:
    """The figures and map aggregates of a province-size dataset, computed once.

    Attributes
    ----------
    n_parcels
        Every parcel of the dataset.
    bounds
        The parcels' extent in the dataset's CRS.
    cell_m
        The grid cell size of ``cells``.
    by_status
        Land of every status (:func:`geo.engine.compute.release_summary`
        ``by="status"``, all of :data:`geo.schema.STATUSES`).
    by_area
        Freed land by area with the land outside every area (``by="area"``),
        or None when the dataset has no areas.
    cells
        Freed land per grid cell (:func:`geo.engine.mapview.aggregate_for_map`).
    area_cells
        Freed land per area with the area polygons
        (:func:`geo.engine.mapview.area_aggregate`), or None.
    engine
        The engine that computed the summaries.
    seconds
        How long it took.
    """

    n_parcels: int
    bounds: Bounds | None
    cell_m: float
    by_status: pd.DataFrame
    by_area: pd.DataFrame | None
    cells: gpd.GeoDataFrame
    area_cells: gpd.GeoDataFrame | None
    engine: str
    seconds: float

    def land_mu(self, statuses: Iterable[str] = FREED_STATUSES) -> float:
        """Land in ``statuses`` in 亩 (the rows of :attr:`by_status` added up)."""
        rows = self.by_status[self.by_status["status"].isin(list(statuses))]
        return float(rows["area_mu"].sum())

    def n_in(self, statuses: Iterable[str] = FREED_STATUSES) -> int:
        """Parcels in ``statuses``."""
        rows = self.by_status[self.by_status["status"].isin(list(statuses))]
        return int(rows["n_parcels"].sum())

    @property
    def freed_mu(self) -> float:
        """Freed land in 亩."""
        return self.land_mu(FREED_STATUSES)


def _open(dataset: Any) -> Workspace | ParquetDataset:
    if isinstance(dataset, Workspace | ParquetDataset):
        return dataset
    return open_dataset(dataset, validate=False)


def extent(ws: Workspace | ParquetDataset) -> Bounds | None:
    """The parcels' extent (from ``meta.json`` for a dataset)."""
    if isinstance(ws, ParquetDataset):
        return ws.info.total_bounds
    if not len(ws.parcels):
        return None
    b = ws.parcels.total_bounds
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def n_parcels(ws: Workspace | ParquetDataset) -> int:
    """Every parcel of ``ws`` (from ``meta.json`` for a dataset)."""
    return ws.info.n_parcels if isinstance(ws, ParquetDataset) else len(ws.parcels)


def in_memory(ws: Workspace | ParquetDataset) -> Workspace:
    """``ws`` with the parcels' ``parcel_id``, ``status`` and geometry in memory.

    What the summaries and the grid read; the other tables are shared.
    """
    if isinstance(ws, Workspace):
        return ws
    have = ws.info.parcel_columns
    parcels = ws.read_parcels(columns=[c for c in ("parcel_id", "status") if c in have])
    return Workspace(
        path=ws.path, tables={"parcels": parcels, **ws.tables}, crs=ws.crs, meta=dict(ws.meta)
    )


def summarize(
    dataset: Any,
    *,
    engine: Engine | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    max_cells: int = MAX_MAP_CELLS,
) -> ProvinceSummary:
    """The headline figures and map aggregates of a dataset (see :class:`ProvinceSummary`).

    Parameters
    ----------
    dataset
        A dataset directory or GeoPackage path, a :class:`ParquetDataset` or
        a :class:`~geo.workspace.Workspace`.
    engine
        ``memory`` or ``dask`` (default: :func:`configured_engine`).
    scheduler, workers
        The dask cluster (as :func:`geo.engine.compute.release_summary`).
    max_cells
        At most this many grid cells over the extent.

    Examples
    --------
    >>> s = summarize("data/fuxing.gpkg")
    >>> round(s.freed_mu) == round(s.cells["area_mu"].sum())
    True
    """
    ws = _open(dataset)
    engine = engine or configured_engine()
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")
    t0 = time.perf_counter()
    bounds = extent(ws)
    cell_m = cell_size_for(bounds, max_cells=max_cells)
    areas = ws.get("areas")
    has_areas = areas is not None and len(areas) > 0
    if engine == "memory":
        mem = in_memory(ws)
        by_status = release_summary(mem, by="status", statuses=STATUSES)
        by_area = release_summary(mem, by="area") if has_areas else None
        cells = aggregate_for_map(mem, cell_m=cell_m)
    else:
        with dask_client(workers=workers, scheduler=scheduler) as client:
            by_status = release_summary(
                ws, by="status", statuses=STATUSES, engine="dask", client=client
            )
            by_area = (
                release_summary(ws, by="area", engine="dask", client=client) if has_areas else None
            )
        cells = aggregate_for_map(ws, cell_m=cell_m)
    area_cells = area_aggregate(areas, by_area, crs=ws.crs) if by_area is not None else None
    seconds = time.perf_counter() - t0
    out = ProvinceSummary(
        n_parcels=n_parcels(ws),
        bounds=bounds,
        cell_m=cell_m,
        by_status=by_status,
        by_area=by_area,
        cells=cells,
        area_cells=area_cells,
        engine=engine,
        seconds=seconds,
    )
    logger.info(
        "province summary of %s (%s engine): %d parcels, %.1f mu freed, %d cells of %g m, "
        "in %.1f s",
        ws.path,
        engine,
        out.n_parcels,
        out.freed_mu,
        len(cells),
        cell_m,
        seconds,
    )
    return out


# ---------------------------------------------------------------------------
# Summaries kept on disk, per dataset version
# ---------------------------------------------------------------------------

SUMMARY_FORMAT = 1
"""Bumped when the stored summary's files change; older ones are computed again."""
MEMO_ENTRIES = 4
"""Headline summaries kept in this process (:func:`stored_summary`)."""
_MEMO: OrderedDict[str, ProvinceSummary] = OrderedDict()


def _summary_folder(dataset: Path, engine: str, max_cells: int, root: Path) -> Path:
    key = "\0".join(
        (
            str(dataset.resolve()),
            dataset_token(dataset),
            engine,
            str(max_cells),
            str(SUMMARY_FORMAT),
        )
    )
    stem = hashlib.sha1(str(dataset.resolve()).encode("utf-8")).hexdigest()[:12]
    return root / "summaries" / f"{stem}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}"


def save_summary(summary: ProvinceSummary, folder: str | os.PathLike[str]) -> Path:
    """Write ``summary`` to ``folder`` (Parquet and JSON, never pickle), atomically."""
    dest = Path(folder)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    summary.by_status.to_parquet(tmp / "by_status.parquet")
    summary.cells.to_parquet(tmp / "cells.parquet")
    if summary.by_area is not None:
        summary.by_area.to_parquet(tmp / "by_area.parquet")
    if summary.area_cells is not None:
        summary.area_cells.to_parquet(tmp / "area_cells.parquet")
    meta = {
        "format": SUMMARY_FORMAT,
        "n_parcels": summary.n_parcels,
        "bounds": list(summary.bounds) if summary.bounds is not None else None,
        "cell_m": summary.cell_m,
        "engine": summary.engine,
        "seconds": summary.seconds,
    }
    (tmp / "summary.json").write_text(json.dumps(meta), encoding="utf-8")
    try:
        os.replace(tmp, dest)
    except OSError:  # another process stored the same summary first
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def load_summary(folder: str | os.PathLike[str]) -> ProvinceSummary:
    """A summary written by :func:`save_summary`.

    Raises
    ------
    OSError, ValueError
        The folder is missing, incomplete or of another format.
    """
    src = Path(folder)
    meta = json.loads((src / "summary.json").read_text(encoding="utf-8"))
    if meta.get("format") != SUMMARY_FORMAT:
        raise ValueError(f"summary format {meta.get('format')!r}, not {SUMMARY_FORMAT}")

    def optional(name: str, geo: bool) -> Any:
        f = src / name
        if not f.exists():
            return None
        return gpd.read_parquet(f) if geo else pd.read_parquet(f)

    bounds = meta["bounds"]
    return ProvinceSummary(
        n_parcels=int(meta["n_parcels"]),
        bounds=tuple(float(v) for v in bounds) if bounds is not None else None,  # type: ignore[arg-type]
        cell_m=float(meta["cell_m"]),
        by_status=pd.read_parquet(src / "by_status.parquet"),
        by_area=optional("by_area.parquet", geo=False),
        cells=gpd.read_parquet(src / "cells.parquet"),
        area_cells=optional("area_cells.parquet", geo=True),
        engine=str(meta["engine"]),
        seconds=float(meta["seconds"]),
    )


def stored_summary(
    path: str | os.PathLike[str],
    *,
    engine: Engine | None = None,
    max_cells: int = MAX_MAP_CELLS,
    cache: str | os.PathLike[str] | None = None,
    **kw: Any,
) -> ProvinceSummary:
    """:func:`summarize` a dataset directory once per version: the one cache of the headline.

    Kept in this process (the last :data:`MEMO_ENTRIES`, shared by every
    session of an app) and on disk in ``cache``, so that a server restart
    finds the figures instead of reading every parcel again. The key is the
    dataset's path and :func:`dataset_token`, the engine and ``max_cells``
    (a new revision is a new key); a stored summary that cannot be read is
    computed again (and replaced).

    Parameters
    ----------
    path
        A dataset directory.
    engine, max_cells, kw
        As :func:`summarize`.
    cache
        Where summaries are kept (default: :func:`cache_dir`).
    """
    dataset = Path(path)
    engine = engine or configured_engine()
    root = Path(cache) if cache is not None else cache_dir()
    folder = _summary_folder(dataset, engine, max_cells, root)
    memo_key = str(folder)
    if memo_key in _MEMO:
        _MEMO.move_to_end(memo_key)
        return _MEMO[memo_key]
    summary = _stored(dataset, folder, engine=engine, max_cells=max_cells, **kw)
    _MEMO[memo_key] = summary
    while len(_MEMO) > MEMO_ENTRIES:
        _MEMO.popitem(last=False)
    return summary


def _stored(
    dataset: Path, folder: Path, *, engine: Engine, max_cells: int, **kw: Any
) -> ProvinceSummary:
    if folder.is_dir():
        try:
            found = load_summary(folder)
            logger.info("province summary of %s read from %s", dataset, folder)
            return found
        except (OSError, ValueError, KeyError) as err:
            logger.warning("stored summary %s cannot be read (%s); computing it again", folder, err)
            shutil.rmtree(folder, ignore_errors=True)
    summary = summarize(dataset, engine=engine, max_cells=max_cells, **kw)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        save_summary(summary, folder)
        for old in folder.parent.glob(f"{folder.name.split('-')[0]}-*"):
            if old != folder and old.is_dir() and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
    except OSError as err:  # a read-only cache only costs the next start its time
        logger.warning("cannot keep the province summary in %s: %s", folder, err)
    return summary


# ---------------------------------------------------------------------------
# The parcels of one cell or one area
# ---------------------------------------------------------------------------


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
    """The parcels a grid cell of :func:`~geo.engine.mapview.aggregate_for_map` counts.

    Those whose bounding-box centre lies in the cell, in ``statuses``
    (default: freed land, as the aggregate), at most ``limit`` (the
    largest). ``attrs["total"]`` is how many there are, ``attrs["truncated"]``
    whether some were left out.
    """
    wanted = list(FREED_STATUSES) if statuses is None else list(statuses)
    return parcels_in_bounds(
        _open(dataset),
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
    ws = _open(dataset)
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


__all__ = [
    "CACHE_ENV",
    "CELL_SIZES_M",
    "ENGINE_ENV",
    "MAX_MAP_CELLS",
    "PARCEL_LIMIT",
    "PARCEL_LIMIT_ENV",
    "PROVINCE_ENV",
    "PROVINCE_MIN_PARCELS",
    "SUMMARY_FORMAT",
    "ProvinceSummary",
    "area_parcels",
    "cache_dir",
    "cell_bounds",
    "cell_id",
    "cell_parcels",
    "cell_size_for",
    "cells_over",
    "configured_engine",
    "count_parcels",
    "dataset_for",
    "dataset_token",
    "extent",
    "in_memory",
    "is_province_size",
    "load_summary",
    "n_parcels",
    "parcel_limit",
    "parse_cell_id",
    "province_threshold",
    "save_summary",
    "stored_summary",
    "summarize",
]
