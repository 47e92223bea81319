"""Reading a dataset directory: tables, parcels by columns/rows/partition, the lazy workspace."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import crs as crs_mod
from geo.dataset.errors import DatasetError
from geo.schema import REQUIRED_TABLES, TABLES
from geo.workspace import Workspace, WorkspaceError

if TYPE_CHECKING:  # pragma: no cover
    import dask_geopandas
from geo.dataset.parquet.format import (
    _AREA_COLUMNS,
    BBOX_COLUMN,
    DASK_PIECE_ROWS,
    ROW_COLUMN,
    Bounds,
    DatasetInfo,
    dataset_token,
    read_info,
)
from geo.dataset.parquet.write import _restore_dtypes

logger = logging.getLogger(__name__)


# Reading
# ---------------------------------------------------------------------------


def _with_areas(df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``area_m2`` and ``area_mu`` from geometry, as :func:`~geo.workspace.open_workspace` does."""
    df["area_m2"] = df.geometry.area
    df["area_mu"] = crs_mod.m2_to_mu(df["area_m2"])
    return df


def _finish_table(
    df: pd.DataFrame, name: str, columns: Sequence[str] | None, dtypes: dict[str, str] | None
) -> pd.DataFrame:
    df = _restore_dtypes(df, dtypes)
    if isinstance(df, gpd.GeoDataFrame):
        if BBOX_COLUMN in df.columns and BBOX_COLUMN not in (columns or ()):
            df = df.drop(columns=BBOX_COLUMN)
        if TABLES[name].geometry == ("Polygon", "MultiPolygon"):
            df = _with_areas(df)
    if columns is not None:
        df = df[[c for c in columns if c in df.columns]]
    return df


def release_memory() -> None:
    """Give freed memory that Arrow and the C heap keep for reuse back to the system.

    Arrow's allocator keeps the pages of freed buffers (decompressed Parquet
    pages): after reading the 5M-parcel bench's areas (31 MB of geometry)
    about 165 MB more stayed resident. The C heap (glibc ``malloc_trim``;
    elsewhere nothing) keeps the free pages left by geometries and arrays,
    by tens of MB over a dask worker's run of partitions.
    """
    import ctypes

    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def read_table(info: DatasetInfo, name: str) -> pd.DataFrame:
    """One non-parcel table of a dataset, as it is in an opened workspace."""
    spec = info.tables.get(name)
    if spec is None:
        raise KeyError(f"dataset {info.path.name} has no table {name!r}")
    path = info.path / spec["file"]
    df = gpd.read_parquet(path) if spec.get("geometry") else pd.read_parquet(path)
    release_memory()
    return _finish_table(df, name, spec.get("columns"), spec.get("dtypes"))


def _parcel_read_columns(info: DatasetInfo, columns: Iterable[str] | None) -> list[str] | None:
    if columns is None:
        return None
    geom = "geometry"
    want = [c for c in columns if c not in _AREA_COLUMNS]
    if geom not in want:
        want.append(geom)
    return want


def read_parcels(
    info: DatasetInfo,
    *,
    columns: Iterable[str] | None = None,
    partitions: Sequence[int] | None = None,
    bbox: Bounds | None = None,
    row_filter: Any = None,
    keep_row: bool = False,
) -> gpd.GeoDataFrame:
    """Parcels of a dataset (or of some partitions) in memory, in source order.

    Parameters
    ----------
    columns
        Columns to read (``geometry`` is always read; ``area_m2``/``area_mu``
        are computed). None: every column, in the order of the source table.
    partitions
        Positions of the partitions to read (default: all).
    bbox
        Only parcels whose bounding box meets this box (dataset CRS); row
        groups outside it are not read.
    row_filter
        A ``pyarrow.compute`` expression rows must meet (e.g. on ``_row``).
    keep_row
        Keep the ``_row`` column (position in the source table).
    """
    cols = _parcel_read_columns(info, columns)
    read_cols = None if cols is None else [*cols, ROW_COLUMN]
    paths = info.partition_paths()
    if partitions is not None:
        paths = [paths[i] for i in partitions]
    kw: dict[str, Any] = {} if row_filter is None else {"filters": row_filter}
    frames = [gpd.read_parquet(p, columns=read_cols, bbox=bbox, **kw) for p in paths]
    if not frames:
        raise DatasetError(f"dataset {info.path} has no parcel partition to read")
    df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    del frames
    df = df.take(np.argsort(df[ROW_COLUMN].to_numpy(), kind="stable")).reset_index(drop=True)
    df = _restore_dtypes(df, info.parcel_dtypes)
    order = list(info.parcel_columns) if columns is None else [*columns]
    if keep_row:
        order.append(ROW_COLUMN)
    wanted_areas = columns is None or any(c in _AREA_COLUMNS for c in columns)
    if wanted_areas:
        df = _with_areas(df)
    if "geometry" not in order:
        order.append("geometry")
    out = df[[c for c in order if c in df.columns]]
    assert isinstance(out, gpd.GeoDataFrame)
    return out


def iter_partitions(
    info: DatasetInfo,
    *,
    columns: Iterable[str] | None = None,
    bbox: Bounds | None = None,
) -> Iterator[gpd.GeoDataFrame]:
    """Parcels one partition at a time (Hilbert order), skipping partitions outside ``bbox``."""
    cols = list(columns) if columns is not None else None
    for k, part in enumerate(info.partitions):
        if bbox is not None and not _meets(part.bounds, bbox):
            continue
        yield read_parcels(info, columns=cols, partitions=[k], bbox=bbox, keep_row=True)


def _read_partition(
    path: str,
    row_groups: tuple[int, ...] | None = None,
    *,
    read_columns: list[str],
    dtypes: dict[str, str],
    areas: bool,
    order: list[str],
    row_filter: Any = None,
) -> gpd.GeoDataFrame:
    """One partition file (or some of its row groups) as a task of the dask engine reads it."""
    if row_groups is None:
        kw: dict[str, Any] = {} if row_filter is None else {"filters": row_filter}
        df = gpd.read_parquet(path, columns=read_columns, **kw)
    else:
        import pyarrow.parquet as pq
        from geopandas.io.arrow import _arrow_to_geopandas

        table = pq.ParquetFile(path).read_row_groups(
            list(row_groups), columns=read_columns, use_pandas_metadata=True
        )
        df = _arrow_to_geopandas(table)
        del table
    release_memory()
    return _finish_partition(df, dtypes=dtypes, areas=areas, order=order)


def _pieces(path: str, rows: int) -> list[tuple[int, ...] | None]:
    """A partition file's row groups in runs of at most ``rows`` rows (None: the whole file)."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    if meta.num_rows <= rows:
        return [None]
    out: list[tuple[int, ...] | None] = []
    run: list[int] = []
    n = 0
    for k in range(meta.num_row_groups):
        size = meta.row_group(k).num_rows
        if run and n + size > rows:
            out.append(tuple(run))
            run, n = [], 0
        run.append(k)
        n += size
    if run:
        out.append(tuple(run))
    return out


def _finish_partition(
    df: gpd.GeoDataFrame, *, dtypes: dict[str, str], areas: bool, order: list[str] | None = None
) -> gpd.GeoDataFrame:
    """A partition as read by dask: datetime units restored, areas computed, columns ordered."""
    df = _restore_dtypes(df, dtypes)
    if areas:
        df = _with_areas(df)
    if order is not None:
        df = df[[c for c in order if c in df.columns]]
    return df


def _meets(a: Bounds | None, b: Bounds) -> bool:
    if a is None:
        return False
    return a[0] <= b[2] and a[2] >= b[0] and a[1] <= b[3] and a[3] >= b[1]


@dataclass(eq=False)
class ParquetDataset:
    """A GeoParquet dataset directory opened lazily: small tables in memory, parcels on disk.

    The GeoParquet backend of :class:`geo.dataset.Dataset`. It answers like a
    :class:`geo.workspace.Workspace` (``name``, ``areas``, ``get``, ``tables``,
    ``crs``, ``meta``, ``schematic``, ``parcels``), but its parcels stay on
    disk until asked for: :meth:`read` reads only some columns and rows
    (Parquet column projection and row filters), :meth:`dask_parcels` gives a
    lazy frame of one partition per partition file, and :attr:`parcels`
    reads every parcel once (then keeps it). The parcel table is not in
    ``tables``.
    """

    path: Path
    info: DatasetInfo
    tables: dict[str, pd.DataFrame]
    crs: CRS
    meta: dict[str, str] = field(default_factory=dict)
    problems: list[Any] = field(default_factory=list)
    _parcels: gpd.GeoDataFrame | None = field(default=None, repr=False)

    def __getitem__(self, name: str) -> Any:
        if name == "parcels":
            return self.parcels
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(
                f"dataset {self.path.name} has no table {name!r}; "
                f"it has parcels, {', '.join(sorted(self.tables))}"
            ) from None

    def get(self, name: str) -> Any:
        if name == "parcels":
            return self.parcels
        return self.tables.get(name)

    def revision(self) -> str:
        """:func:`~geo.dataset.parquet.format.dataset_token` of the directory."""
        return dataset_token(self.path)

    @property
    def parcels(self) -> gpd.GeoDataFrame:
        """Every parcel in memory, in source order (read once, then kept)."""
        if self._parcels is None:
            self._parcels = read_parcels(self.info)
        return self._parcels

    @property
    def parcel_columns(self) -> list[str]:
        return list(self.info.parcel_columns)

    def bounds(self) -> Bounds | None:
        """The parcels' extent, from ``meta.json``."""
        return self.info.total_bounds

    def read(
        self,
        table: str = "parcels",
        *,
        columns: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
        bbox: Bounds | None = None,
    ) -> pd.DataFrame:
        """Some columns and rows of a table; of the parcels, only those are read from disk.

        Parameters
        ----------
        columns
            The columns (``geometry`` always; ``area_m2``/``area_mu`` computed).
            None: all.
        statuses
            Only parcels of these statuses (a Parquet filter: row groups
            without them are skipped).
        bbox
            Only parcels whose bounding box meets this box (dataset CRS).
        """
        if table != "parcels":
            return Workspace.read(self, table, columns=columns, statuses=statuses, bbox=bbox)  # type: ignore[arg-type]
        if self._parcels is not None:
            return Workspace.read(self, table, columns=columns, statuses=statuses, bbox=bbox)  # type: ignore[arg-type]
        row_filter = None
        if statuses is not None and "status" in self.info.parcel_columns:
            import pyarrow.compute as pc

            row_filter = pc.field("status").isin([str(s) for s in statuses])
        return read_parcels(self.info, columns=columns, bbox=bbox, row_filter=row_filter)

    def dask_parcels(
        self, columns: Iterable[str] | None = None, *, rows: int = DASK_PIECE_ROWS
    ) -> dask_geopandas.GeoDataFrame:
        """The parcels as a lazy dask-geopandas frame, in pieces of the partition files.

        Each dask partition is a partition file, or a run of whole row groups
        of one (at most ``rows`` parcels), in file order: a worker holds one
        piece at a time, not a whole file. Each task reads its piece with
        geopandas, so that reading fuses with what follows
        (``map_partitions``). ``spatial_partitions`` holds the bounds of the
        file each piece is from.

        Parameters
        ----------
        columns
            Columns to read (``geometry`` always). ``area_m2``/``area_mu`` are
            computed per partition when asked for (or when ``columns`` is None).
        rows
            Parcels per dask partition, at most (a file of more rows is read
            in runs of row groups; a row group is never split).
        """
        import dask
        import dask.dataframe as dd
        import pyarrow.compute as pc

        cols = _parcel_read_columns(self.info, columns)
        read_cols = list(self.info.parcel_columns) if cols is None else list(cols)
        read_cols = [c for c in read_cols if c not in _AREA_COLUMNS]
        if "geometry" not in read_cols:
            read_cols.append("geometry")
        order = list(self.info.parcel_columns) if columns is None else list(columns)
        if "geometry" not in order:
            order.append("geometry")
        kw: dict[str, Any] = {
            "read_columns": read_cols,
            "dtypes": {c: t for c, t in self.info.parcel_dtypes.items() if c in read_cols},
            "areas": columns is None or any(c in _AREA_COLUMNS for c in columns),
            "order": order,
        }
        paths = [str(p) for p in self.info.partition_paths()]
        pieces = [(p, k, g) for k, p in enumerate(paths) for g in _pieces(p, max(1, int(rows)))]
        # No row has a negative _row: the statistics skip every row group.
        meta = _read_partition(paths[0], row_filter=pc.field(ROW_COLUMN) < 0, **kw)
        # Keep pandas' own string dtype: the partitions are the same frames as in memory.
        with dask.config.set({"dataframe.convert-string": False}):
            ddf = dd.from_map(
                _read_partition,
                [p for p, _, _ in pieces],
                [g for _, _, g in pieces],
                meta=meta,
                enforce_metadata=False,
                **kw,
            )
        bounds = [self.info.partitions[k].bounds for _, k, _ in pieces]
        if all(b is not None for b in bounds):
            boxes = [shapely.box(*b) for b in bounds]  # type: ignore[misc]
            ddf.spatial_partitions = gpd.GeoSeries(boxes, crs=self.crs)
        return ddf

    def read_parcels(
        self, *, columns: Iterable[str] | None = None, bbox: Bounds | None = None
    ) -> gpd.GeoDataFrame:
        """The parcels (or some columns, or those meeting ``bbox``) in memory."""
        out = self.read("parcels", columns=columns, bbox=bbox)
        assert isinstance(out, gpd.GeoDataFrame)
        return out

    def to_workspace(self) -> Workspace:
        """Everything in memory: the :class:`~geo.workspace.Workspace` of the dataset."""
        tables = {"parcels": self.parcels, **self.tables}
        return Workspace(
            path=self.path,
            tables=tables,
            crs=self.crs,
            meta=dict(self.meta),
            problems=list(self.problems),
            token=self.revision(),
        )

    @property
    def areas(self) -> gpd.GeoDataFrame:
        return self["areas"]

    @property
    def n_parcels(self) -> int:
        return self.info.n_parcels

    @property
    def is_valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def name(self) -> str:
        return self.meta.get("name", self.path.name)

    @property
    def schematic(self) -> bool:
        return self.meta.get("schematic", "0") == "1"


def _ordered_tables(info: DatasetInfo, tables: Iterable[str] | None) -> list[str]:
    """Non-parcel tables to read, in the order of the source workspace."""
    names = [n for n in info.table_order if n != "parcels" and n in info.tables]
    if tables is None:
        return names
    wanted = set(tables)
    bad = sorted(wanted - set(TABLES))
    if bad:
        raise DatasetError(f"unknown table(s) {bad}; known: {', '.join(TABLES)}")
    return [n for n in names if n in wanted]


def open_parquet(
    path: str | os.PathLike[str],
    *,
    lazy: bool = True,
    validate: bool = True,
    tables: Iterable[str] | None = None,
) -> Workspace | ParquetDataset:
    """Open a GeoParquet dataset directory (:func:`geo.dataset.open_dataset` calls it).

    Parameters
    ----------
    path
        A dataset directory (:func:`write_dataset`, ``tenglong convert``).
    lazy
        True: a :class:`ParquetDataset` (small tables in memory, parcels on
        disk). False: a :class:`geo.workspace.Workspace` with every table in
        memory, the same as ``open_workspace`` gives for the source
        GeoPackage (same columns, order, CRS and areas).
    validate
        Run :func:`geo.validate.validate_tables` and fill ``problems``
        (``lazy=False``; the tables are validated in their projected CRS).
    tables
        Only these tables (parcels read only when listed), e.g.
        ``["enterprises"]`` for ``tenglong benefit``.

    Raises
    ------
    geo.workspace.WorkspaceError
        The path is not a dataset, or a required table is missing.
    """
    p = Path(path)
    if not p.is_dir():
        raise WorkspaceError(f"{p} is not a GeoParquet dataset directory")
    try:
        info = read_info(p)
    except DatasetError as err:
        raise WorkspaceError(str(err)) from err
    names = _ordered_tables(info, tables)
    if tables is None:
        missing = [t for t in REQUIRED_TABLES if t != "parcels" and t not in info.tables]
        if missing:
            raise WorkspaceError(
                f"{p.name} lacks the table(s) {', '.join(missing)}; a workspace needs "
                f"{', '.join(REQUIRED_TABLES)} (see docs/architecture.md §3)"
            )
    small = {n: read_table(info, n) for n in names}
    if lazy:
        out_lazy = ParquetDataset(
            path=p, info=info, tables=small, crs=info.crs, meta=dict(info.meta)
        )
        logger.info(
            "opened %s lazily: %d parcels in %d partition(s), %s in %s",
            p.name,
            info.n_parcels,
            len(info.partitions),
            ", ".join(f"{k}={len(v)}" for k, v in small.items()),
            info.crs.to_string(),
        )
        return out_lazy
    out: dict[str, pd.DataFrame] = {}
    with_parcels = tables is None or "parcels" in set(tables)
    for name in info.table_order:
        if name == "parcels" and with_parcels:
            out["parcels"] = read_parcels(info)
        elif name in small:
            out[name] = small[name]
    problems: list[Any] = []
    if validate:
        from geo.validate import validate_parcels_in_district, validate_tables

        problems = validate_tables(out)
        problems += validate_parcels_in_district(out)
    ws = Workspace(
        path=p,
        tables=out,
        crs=info.crs,
        meta=dict(info.meta),
        problems=problems,
        token=dataset_token(p),
    )
    logger.info(
        "opened %s: %s in %s, %d problem(s)",
        p.name,
        ", ".join(f"{k}={len(v)}" for k, v in out.items()),
        info.crs.to_string(),
        len(problems),
    )
    return ws


def open_selection(
    path: str | os.PathLike[str],
    *,
    parcel_columns: Iterable[str] = (),
    optional_columns: Iterable[str] = (),
    statuses: Iterable[str] | None = None,
    tables: Iterable[str] = ("areas",),
    threads: int | None = None,
) -> Workspace:
    """Only what one calculation reads, from a GeoPackage or a dataset directory.

    A GeoPackage is read by :func:`geo.workspace.read_selection`. Of a
    dataset, only the partitions' columns asked for are read, and only the
    row groups and rows of ``statuses`` (a Parquet filter); of the other
    tables only ``tables``. Either way the parcels are in source order with
    the coordinates :func:`open_dataset` gives, so figures computed from the
    selection equal those of the fully opened workspace.

    Parameters
    ----------
    parcel_columns, optional_columns, statuses, tables, threads
        As :func:`geo.workspace.read_selection`.

    Raises
    ------
    geo.workspace.WorkspaceError
        The path is neither a workspace nor a dataset, a column is missing, or
        a selected parcel's geometry is not a valid polygon.

    Examples
    --------
    >>> ws = open_selection("data/wuan.gpkg", optional_columns=["status"], statuses=["stored"])
    >>> list(ws.parcels.columns)
    ['status', 'geometry']
    """
    from geo.workspace import check_parcel_geometry, read_selection

    p = Path(path)
    if not p.is_dir():
        return read_selection(
            p,
            parcel_columns=parcel_columns,
            optional_columns=optional_columns,
            statuses=statuses,
            tables=tables,
            threads=threads,
        )
    import pyarrow.compute as pc

    try:
        info = read_info(p)
    except DatasetError as err:
        raise WorkspaceError(str(err)) from err
    have = info.parcel_columns
    required = list(dict.fromkeys(parcel_columns))
    missing = [c for c in required if c not in have]
    if missing:
        raise WorkspaceError(
            f"{p.name}: the parcels table lacks the column(s) {', '.join(missing)} "
            f"(docs/architecture.md §3); add them to the source workspace and convert it again"
        )
    columns = list(dict.fromkeys([*required, *(c for c in optional_columns if c in have)]))
    row_filter = None
    if statuses is not None and "status" in have:
        row_filter = pc.field("status").isin([str(s) for s in statuses])
    parcels = read_parcels(info, columns=columns, row_filter=row_filter)
    check_parcel_geometry(parcels, what=p.name)
    out: dict[str, pd.DataFrame] = {"parcels": parcels}
    for name in _ordered_tables(info, tables):
        out[name] = read_table(info, name)
    logger.info(
        "read from %s: %d parcel(s) (%s), %s",
        p.name,
        len(parcels),
        ", ".join(columns),
        ", ".join(f"{k}={len(v)}" for k, v in out.items() if k != "parcels") or "no other table",
    )
    return Workspace(path=p, tables=out, crs=info.crs, meta=dict(info.meta), token=dataset_token(p))


# ---------------------------------------------------------------------------
