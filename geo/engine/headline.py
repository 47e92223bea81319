"""The headline of a large workspace, computed once per dataset revision: the one cache.

:func:`headline` computes what a large workspace's overview and freed-land
pages show before anything is chosen: land by status and freed land by area
(the ``release_summary`` measure, :func:`geo.engine.run`, with the configured
engine: :func:`configured_engine`), freed land per cell of the display grid
(``map_cells``; a cell size from :func:`geo.grid.cell_size_for`) and per
planning area. :func:`cached_headline` keeps it per dataset revision and
engine, in this process and on disk (Parquet and JSON, never pickle) for the
next server start.
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
import pandas as pd

from geo import settings
from geo.dataset import open_dataset
from geo.dataset.large import cache_dir
from geo.dataset.parquet import ENGINES, Bounds, Engine, ParquetDataset, dataset_token
from geo.engine._errors import EngineError
from geo.engine.cluster import dask_client, scheduler_address
from geo.engine.compute import aggregate_for_map, area_aggregate, release_summary
from geo.grid import MAX_MAP_CELLS, cell_size_for
from geo.schema import FREED_STATUSES, STATUSES
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

ENGINE_ENV = settings.ENGINE_ENV
"""Environment variable choosing the app's engine: ``memory`` or ``dask``."""


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


@dataclass(frozen=True)
class Headline:
    """The figures and map aggregates of a large workspace, computed once per revision.

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
        Freed land per grid cell (:func:`geo.engine.compute.aggregate_for_map`).
    area_cells
        Freed land per area with the area polygons
        (:func:`geo.engine.compute.area_aggregate`), or None.
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


def headline(
    dataset: Any,
    *,
    engine: Engine | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    max_cells: int = MAX_MAP_CELLS,
) -> Headline:
    """The headline figures and map aggregates of a dataset (see :class:`Headline`).

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
    >>> s = headline("data/fuxing.gpkg")
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
    out = Headline(
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
        "headline of %s (%s engine): %d parcels, %.1f mu freed, %d cells of %g m, in %.1f s",
        ws.path,
        engine,
        out.n_parcels,
        out.freed_mu,
        len(cells),
        cell_m,
        seconds,
    )
    return out


SUMMARY_FORMAT = 1
"""Bumped when the stored summary's files change; older ones are computed again."""

MEMO_ENTRIES = 4
"""Headline summaries kept in this process (:func:`cached_headline`)."""

_MEMO: OrderedDict[str, Headline] = OrderedDict()


def forget() -> None:
    """Drop the headlines kept in this process, as a restarted server starts without them.

    The next :func:`cached_headline` reads the one on disk (or computes it).
    """
    _MEMO.clear()


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


def save_headline(summary: Headline, folder: str | os.PathLike[str]) -> Path:
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


def load_headline(folder: str | os.PathLike[str]) -> Headline:
    """A summary written by :func:`save_headline`.

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
    return Headline(
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


def cached_headline(
    path: str | os.PathLike[str],
    *,
    engine: Engine | None = None,
    max_cells: int = MAX_MAP_CELLS,
    cache: str | os.PathLike[str] | None = None,
    **kw: Any,
) -> Headline:
    """:func:`headline` a dataset directory once per version: the one cache of the headline.

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
        As :func:`headline`.
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


def _stored(dataset: Path, folder: Path, *, engine: Engine, max_cells: int, **kw: Any) -> Headline:
    if folder.is_dir():
        try:
            found = load_headline(folder)
            logger.info("headline of %s read from %s", dataset, folder)
            return found
        except (OSError, ValueError, KeyError) as err:
            logger.warning("stored summary %s cannot be read (%s); computing it again", folder, err)
            shutil.rmtree(folder, ignore_errors=True)
    summary = headline(dataset, engine=engine, max_cells=max_cells, **kw)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        save_headline(summary, folder)
        for old in folder.parent.glob(f"{folder.name.split('-')[0]}-*"):
            if old != folder and old.is_dir() and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
    except OSError as err:  # a read-only cache only costs the next start its time
        logger.warning("cannot keep the headline in %s: %s", folder, err)
    return summary


__all__ = [
    "ENGINE_ENV",
    "MEMO_ENTRIES",
    "SUMMARY_FORMAT",
    "Headline",
    "cached_headline",
    "configured_engine",
    "extent",
    "forget",
    "headline",
    "in_memory",
    "load_headline",
    "n_parcels",
    "save_headline",
]
