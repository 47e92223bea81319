"""GeoParquet datasets: a workspace as a directory, parcels partitioned in Hilbert order.

A province-size parcel inventory (millions of parcels) does not fit the
GeoPackage-in-memory habit of :mod:`geo.workspace`. The same tables are kept as
a directory that any GeoParquet reader (GDAL, DuckDB, QGIS, dask-geopandas)
opens, and that Tenglong reads partition by partition:

.. code-block:: text

    DIR/
      meta.json                       format, CRS, workspace meta, tables, partitions
      parcels/part.00000.parquet …    GeoParquet 1.1, one file per partition
      areas.parquet  roads.parquet  boundaries.parquet     GeoParquet 1.1
      enterprises.parquet  milestones.parquet  audit.parquet  Parquet

- **Parcels** are sorted by the Hilbert distance of their bounding-box centres
  (level 16 over the parcels' extent) and cut into partitions of about
  ``partition_rows`` rows; each file holds row groups of ``row_group_rows``
  rows. Neighbouring parcels share a partition and a row group, so a map view
  or a cluster worker reads few of them. Every parcel is in exactly one
  partition (``_row``, its position in the source table, is unique), so
  per-partition totals add up to the whole.
- Every geometry table has the GeoParquet 1.1 ``bbox`` covering column: readers
  skip the row groups (and rows) outside a bounding box from the column
  statistics alone. ``meta.json`` also lists each partition's bounds.
- **CRS**: geometry is stored in the projected CGCS2000 Gauss-Krüger zone the
  workspace is computed in (EPSG:4534-4554 or 4513-4533, chosen from the data
  by :func:`geo.crs.projected_crs_for`), not in EPSG:4490 as in a GeoPackage.
  That is the CRS every calculation runs in, so a dataset is read without
  reprojecting millions of parcels, its Hilbert order and bounding boxes are
  in metres, and :func:`open_dataset` returns *exactly* the coordinates (and
  so the areas) that :func:`geo.workspace.open_workspace` gives for the
  source GeoPackage. The CRS is in every file's GeoParquet metadata (PROJJSON)
  and in ``meta.json``; ``tenglong convert DIR --to gpkg`` stores EPSG:4490
  again.
- Areas are never stored: ``area_m2`` and ``area_mu`` of polygon tables are
  computed from geometry on reading, as :func:`geo.workspace.open_workspace`
  does.

:func:`open_dataset` opens a GeoPackage or a dataset directory: in memory it
returns the same :class:`geo.workspace.Workspace` as ``open_workspace``; with
``engine="dask"`` a :class:`LazyWorkspace` whose small tables are in memory and
whose parcels are a lazy dask-geopandas frame.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import crs as crs_mod
from geo.engine._errors import DatasetError, EngineError
from geo.schema import REQUIRED_TABLES, TABLES
from geo.workspace import Workspace, WorkspaceError, open_workspace, save_workspace

if TYPE_CHECKING:  # pragma: no cover
    import dask_geopandas

logger = logging.getLogger(__name__)

FORMAT = "tenglong-geoparquet"
"""The ``format`` of ``meta.json``."""
FORMAT_VERSION = 1
META_FILE = "meta.json"
PARCELS_DIR = "parcels"
ROW_COLUMN = "_row"
"""Parcel column holding the parcel's position in the source table (unique)."""
BBOX_COLUMN = "bbox"
"""The GeoParquet 1.1 covering column (struct of xmin, ymin, xmax, ymax)."""
DEFAULT_PARTITION_ROWS = 500_000
"""Parcels per partition: a worker holds one partition at a time."""
DEFAULT_ROW_GROUP_ROWS = 16_384
"""Parcels per Parquet row group: the unit a map view reads."""
HILBERT_LEVEL = 16
_AREA_COLUMNS = ("area_m2", "area_mu")

Engine = Literal["memory", "dask"]
ENGINES: tuple[str, ...] = ("memory", "dask")

Bounds = tuple[float, float, float, float]


# ---------------------------------------------------------------------------
# Dataset description (meta.json)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """One parcel partition file: its path (relative to the dataset), rows and bounds."""

    file: str
    rows: int
    bounds: Bounds | None


@dataclass
class DatasetInfo:
    """What ``meta.json`` says about a dataset.

    Attributes
    ----------
    path
        The dataset directory.
    crs
        The projected CRS of every geometry table.
    meta
        The workspace ``meta`` key/value pairs (name, adcode, schematic…).
    tables
        Per table (parcels excluded): ``file``, ``rows``, ``geometry`` (bool),
        ``columns`` (the column order of the opened table).
    parcel_columns
        The column order of the opened parcels table.
    partitions
        The parcel partitions, in Hilbert order.
    """

    path: Path
    crs: CRS
    meta: dict[str, str]
    tables: dict[str, dict[str, Any]]
    parcel_columns: list[str]
    parcel_dtypes: dict[str, str] = field(default_factory=dict)
    partitions: list[Partition] = field(default_factory=list)
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS
    table_order: list[str] = field(default_factory=list)

    @property
    def n_parcels(self) -> int:
        return sum(p.rows for p in self.partitions)

    @property
    def total_bounds(self) -> Bounds | None:
        b = [p.bounds for p in self.partitions if p.bounds is not None]
        if not b:
            return None
        arr = np.asarray(b, dtype=float)
        return (arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max())

    def partition_paths(self) -> list[Path]:
        return [self.path / p.file for p in self.partitions]

    @property
    def name(self) -> str:
        return self.meta.get("name", self.path.name)


def is_dataset(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a Tenglong GeoParquet dataset directory.

    Examples
    --------
    >>> is_dataset("data/fuxing.gpkg")
    False
    """
    p = Path(path)
    meta = p / META_FILE
    if not (p.is_dir() and meta.is_file()):
        return False
    try:
        return json.loads(meta.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError):
        return False


def read_info(path: str | os.PathLike[str]) -> DatasetInfo:
    """Read ``meta.json`` of a dataset directory.

    Raises
    ------
    DatasetError
        ``path`` is not a dataset, or its ``meta.json`` is unreadable or of a
        newer format version.
    """
    p = Path(path)
    meta_path = p / META_FILE
    if not p.is_dir() or not meta_path.is_file():
        raise DatasetError(
            f"{p} is not a Tenglong GeoParquet dataset (no {META_FILE}); create one with "
            f"`tenglong convert WORKSPACE.gpkg --to parquet {p}`"
        )
    try:
        doc = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DatasetError(
            f"{meta_path} cannot be read ({err}); convert the workspace again"
        ) from err
    if doc.get("format") != FORMAT:
        raise DatasetError(
            f"{meta_path} is not a {FORMAT} description (format={doc.get('format')!r})"
        )
    if int(doc.get("format_version", 0)) > FORMAT_VERSION:
        raise DatasetError(
            f"{p} uses dataset format version {doc['format_version']}; this Tenglong reads up "
            f"to version {FORMAT_VERSION}: upgrade Tenglong"
        )
    parcels = doc["parcels"]
    parts = [
        Partition(
            file=str(d["file"]),
            rows=int(d["rows"]),
            bounds=tuple(float(x) for x in d["bounds"]) if d.get("bounds") else None,  # type: ignore[arg-type]
        )
        for d in parcels["partitions"]
    ]
    return DatasetInfo(
        path=p,
        crs=CRS.from_user_input(doc["crs"]),
        meta={str(k): str(v) for k, v in doc.get("meta", {}).items()},
        tables=dict(doc.get("tables", {})),
        parcel_columns=list(parcels["columns"]),
        parcel_dtypes=dict(parcels.get("dtypes", {})),
        partitions=parts,
        row_group_rows=int(parcels.get("row_group_rows", DEFAULT_ROW_GROUP_ROWS)),
        table_order=[str(t) for t in doc.get("table_order", ["parcels", *doc.get("tables", {})])],
    )


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def hilbert_order(geoms: Any, *, level: int = HILBERT_LEVEL) -> np.ndarray:
    """Positions of ``geoms`` sorted by the Hilbert distance of their box centres.

    Missing and empty geometries go last. Ties keep their input order.

    Examples
    --------
    >>> from shapely import box
    >>> hilbert_order([box(9, 9, 10, 10), box(0, 0, 1, 1), None]).tolist()
    [1, 0, 2]
    """
    arr = np.asarray(geoms, dtype=object)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    dist = np.full(len(arr), np.iinfo(np.int64).max, dtype=np.int64)
    if ok.any():
        valid = gpd.GeoSeries(arr[ok])
        dist[ok] = valid.hilbert_distance(total_bounds=valid.total_bounds, level=level).to_numpy()
    return np.argsort(dist, kind="stable")


def _bounds_of(geoms: Any) -> Bounds | None:
    b = shapely.bounds(np.asarray(geoms, dtype=object))
    if not len(b) or np.isnan(b).all():
        return None
    return (
        float(np.nanmin(b[:, 0])),
        float(np.nanmin(b[:, 1])),
        float(np.nanmax(b[:, 2])),
        float(np.nanmax(b[:, 3])),
    )


def _storage_columns(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """The frame as stored: computed areas dropped (they are recomputed on reading)."""
    spec = TABLES[name]
    if spec.geometry is not None and spec.geometry == ("Polygon", "MultiPolygon"):
        return df.drop(columns=[c for c in _AREA_COLUMNS if c in df.columns])
    return df


def _projected(df: gpd.GeoDataFrame, target: CRS, name: str) -> gpd.GeoDataFrame:
    if df.crs is None:
        crs_mod.raise_missing_crs(df, what=name)
    if CRS.from_user_input(df.crs) == target:
        return df
    return df.to_crs(target)


def _write_geo(df: gpd.GeoDataFrame, path: Path, *, row_group_rows: int | None = None) -> None:
    kw: dict[str, Any] = {}
    if row_group_rows:
        kw["row_group_size"] = int(row_group_rows)
    df.to_parquet(path, index=False, schema_version="1.1.0", write_covering_bbox=True, **kw)


def write_dataset(
    tables: dict[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    meta: dict[str, str] | None = None,
    crs: Any = None,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    overwrite: bool = False,
) -> Path:
    """Write workspace tables as a GeoParquet dataset directory, atomically.

    Parameters
    ----------
    tables
        Tables by name (:data:`geo.schema.TABLES`); ``parcels`` is required.
        Geometry tables are written in ``crs``; ``area_m2``/``area_mu`` of
        polygon tables are dropped (recomputed on reading).
    path
        The dataset directory to create.
    meta
        Workspace ``meta`` key/value pairs (name, adcode, schematic…).
    crs
        The projected CRS to store (default: the GK zone of the parcels,
        :func:`geo.crs.projected_crs_for`). A geographic CRS is refused.
    partition_rows
        Parcels per partition, at most; partitions are made equal in size.
    row_group_rows
        Parcels per Parquet row group.
    overwrite
        Replace an existing directory at ``path`` (only once the new one is
        complete).

    Returns
    -------
    pathlib.Path
        The dataset directory.

    Raises
    ------
    DatasetError
        ``path`` exists (without ``overwrite``), or a table is unknown.
    geo.crs.CRSError
        A geometry table has no CRS, or ``crs`` is geographic.
    """
    dest = Path(path)
    if dest.exists() and not overwrite:
        raise DatasetError(f"{dest} exists; remove it or pass overwrite=True (--overwrite)")
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise DatasetError(f"unknown table(s) {unknown}; known: {', '.join(TABLES)}")
    if "parcels" not in tables:
        raise DatasetError("a dataset needs the parcels table")
    parcels = tables["parcels"]
    if not isinstance(parcels, gpd.GeoDataFrame):
        raise DatasetError("parcels must be a GeoDataFrame")
    target = CRS.from_user_input(crs) if crs is not None else crs_mod.projected_crs_for(parcels)
    if target.is_geographic:
        raise crs_mod.CRSError(
            f"datasets are stored in a projected CRS in metres, not {target.to_string()}; "
            f"leave crs=None to use the GK zone of the data"
        )
    partition_rows = max(1, int(partition_rows))
    row_group_rows = max(1, int(row_group_rows))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        doc_tables: dict[str, Any] = {}
        for name, df in tables.items():
            if name == "parcels":
                continue
            spec = TABLES[name]
            file = f"{name}.parquet"
            if isinstance(df, gpd.GeoDataFrame) and spec.geometry is not None:
                out = _projected(df, target, name)
                _write_geo(_storage_columns(out.reset_index(drop=True), name), tmp / file)
                geometry = True
            else:
                pd.DataFrame(df).reset_index(drop=True).to_parquet(tmp / file, index=False)
                geometry = False
            doc_tables[name] = {
                "file": file,
                "rows": len(df),
                "geometry": geometry,
                "columns": [str(c) for c in _opened_columns(df, name)],
                "dtypes": _datetime_dtypes(df),
            }
        parcel_doc = _write_parcels(
            _projected(parcels, target, "parcels"),
            tmp,
            partition_rows=partition_rows,
            row_group_rows=row_group_rows,
        )
        doc = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "crs": target.to_json_dict(),
            "epsg": target.to_epsg(),
            "meta": {str(k): str(v) for k, v in (meta or {}).items()},
            "table_order": [str(t) for t in tables],
            "tables": doc_tables,
            "parcels": parcel_doc,
        }
        (tmp / META_FILE).write_text(
            json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        _replace_dir(tmp, dest)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    logger.info(
        "wrote dataset %s: %d parcels in %d partition(s), %s, in %s",
        dest,
        parcel_doc["rows"],
        len(parcel_doc["partitions"]),
        ", ".join(sorted(doc_tables)) or "no other table",
        target.to_string(),
    )
    return dest


def _datetime_dtypes(df: pd.DataFrame) -> dict[str, str]:
    """Datetime columns and their dtypes: Parquet has no second unit, so it is restored."""
    return {
        str(c): str(t)
        for c, t in df.dtypes.items()
        if pd.api.types.is_datetime64_any_dtype(t) and str(t) != "datetime64[ns]"
    }


def _restore_dtypes(df: pd.DataFrame, dtypes: dict[str, str] | None) -> pd.DataFrame:
    for col, dtype in (dtypes or {}).items():
        if col in df.columns and str(df[col].dtype) != dtype:
            df[col] = df[col].astype(dtype)
    return df


def _opened_columns(df: pd.DataFrame, name: str) -> list[Any]:
    """The column order of the table once opened (areas recomputed as open_workspace does)."""
    cols = list(df.columns)
    spec = TABLES[name]
    if spec.geometry == ("Polygon", "MultiPolygon") and isinstance(df, gpd.GeoDataFrame):
        for c in _AREA_COLUMNS:
            if c not in cols:
                cols.append(c)
    return cols


def _write_parcels(
    parcels: gpd.GeoDataFrame, root: Path, *, partition_rows: int, row_group_rows: int
) -> dict[str, Any]:
    n = len(parcels)
    columns = [str(c) for c in _opened_columns(parcels, "parcels") if c != ROW_COLUMN]
    base = _storage_columns(parcels, "parcels").reset_index(drop=True)
    if ROW_COLUMN in base.columns:
        base = base.drop(columns=ROW_COLUMN)
    base[ROW_COLUMN] = np.arange(n, dtype=np.int64)
    order = hilbert_order(base.geometry.array)
    n_parts = max(1, -(-n // partition_rows))
    cuts = np.linspace(0, n, n_parts + 1).round().astype(np.int64)
    (root / PARCELS_DIR).mkdir()
    partitions = []
    for k in range(n_parts):
        sel = order[cuts[k] : cuts[k + 1]]
        chunk = base.take(sel)
        file = f"{PARCELS_DIR}/part.{k:05d}.parquet"
        _write_geo(chunk, root / file, row_group_rows=row_group_rows)
        b = _bounds_of(chunk.geometry.array)
        partitions.append({"file": file, "rows": len(chunk), "bounds": list(b) if b else None})
        logger.debug("parcels partition %d: %d rows", k, len(chunk))
    return {
        "dir": PARCELS_DIR,
        "rows": n,
        "columns": columns,
        "dtypes": _datetime_dtypes(base),
        "sort": "hilbert",
        "hilbert_level": HILBERT_LEVEL,
        "row_group_rows": row_group_rows,
        "bounds": list(_bounds_of(base.geometry.array) or []) or None,
        "partitions": partitions,
    }


def _replace_dir(tmp: Path, dest: Path) -> None:
    """Move the finished ``tmp`` to ``dest``; an old ``dest`` goes only after that."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        os.replace(dest, old)
    os.replace(tmp, dest)
    if old is not None:
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink()


# ---------------------------------------------------------------------------
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


def read_table(info: DatasetInfo, name: str) -> pd.DataFrame:
    """One non-parcel table of a dataset, as it is in an opened workspace."""
    spec = info.tables.get(name)
    if spec is None:
        raise KeyError(f"dataset {info.path.name} has no table {name!r}")
    path = info.path / spec["file"]
    df = gpd.read_parquet(path) if spec.get("geometry") else pd.read_parquet(path)
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
    *,
    read_columns: list[str],
    dtypes: dict[str, str],
    areas: bool,
    order: list[str],
    row_filter: Any = None,
) -> gpd.GeoDataFrame:
    """One partition file as a task of the dask engine reads it."""
    kw: dict[str, Any] = {} if row_filter is None else {"filters": row_filter}
    df = gpd.read_parquet(path, columns=read_columns, **kw)
    return _finish_partition(df, dtypes=dtypes, areas=areas, order=order)


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


@dataclass
class LazyWorkspace:
    """A dataset opened for the dask engine: small tables in memory, parcels lazy.

    It answers like a :class:`geo.workspace.Workspace` (``name``, ``areas``,
    ``get``, ``tables``, ``crs``, ``meta``, ``schematic``), except that
    ``parcels`` is a ``dask_geopandas.GeoDataFrame`` (one partition per
    partition file) and the parcel table is not in ``tables``.
    """

    path: Path
    info: DatasetInfo
    tables: dict[str, pd.DataFrame]
    crs: CRS
    meta: dict[str, str] = field(default_factory=dict)
    problems: list[Any] = field(default_factory=list)

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

    @property
    def parcels(self) -> dask_geopandas.GeoDataFrame:
        """Every parcel column, lazily (``area_m2``/``area_mu`` computed per partition)."""
        return self.dask_parcels()

    def dask_parcels(self, columns: Iterable[str] | None = None) -> dask_geopandas.GeoDataFrame:
        """The parcels as a lazy dask-geopandas frame, one partition per partition file.

        Each task reads its file with geopandas, so that reading fuses with
        what follows (``map_partitions``): a worker holds one partition at a
        time. ``spatial_partitions`` holds the partitions' bounds.

        Parameters
        ----------
        columns
            Columns to read (``geometry`` always). ``area_m2``/``area_mu`` are
            computed per partition when asked for (or when ``columns`` is None).
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
        # No row has a negative _row: the statistics skip every row group.
        meta = _read_partition(paths[0], row_filter=pc.field(ROW_COLUMN) < 0, **kw)
        # Keep pandas' own string dtype: the partitions are the same frames as in memory.
        with dask.config.set({"dataframe.convert-string": False}):
            ddf = dd.from_map(_read_partition, paths, meta=meta, enforce_metadata=False, **kw)
        bounds = [p.bounds for p in self.info.partitions]
        if all(b is not None for b in bounds):
            boxes = [shapely.box(*b) for b in bounds]  # type: ignore[misc]
            ddf.spatial_partitions = gpd.GeoSeries(boxes, crs=self.crs)
        return ddf

    def read_parcels(
        self, *, columns: Iterable[str] | None = None, bbox: Bounds | None = None
    ) -> gpd.GeoDataFrame:
        """The parcels (or some columns, or those meeting ``bbox``) in memory."""
        return read_parcels(self.info, columns=columns, bbox=bbox)

    def to_workspace(self) -> Workspace:
        """Everything in memory: the :class:`~geo.workspace.Workspace` of the dataset."""
        tables = {"parcels": read_parcels(self.info), **self.tables}
        return Workspace(path=self.path, tables=tables, crs=self.crs, meta=dict(self.meta))

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


def open_dataset(
    path: str | os.PathLike[str],
    *,
    engine: Engine = "memory",
    validate: bool = True,
    tables: Iterable[str] | None = None,
) -> Workspace | LazyWorkspace:
    """Open a workspace GeoPackage or a GeoParquet dataset directory.

    Parameters
    ----------
    path
        A ``.gpkg`` workspace (opened with :func:`geo.workspace.open_workspace`)
        or a dataset directory (:func:`write_dataset`, ``tenglong convert``).
    engine
        ``"memory"``: a :class:`geo.workspace.Workspace` with every table in
        memory, the same as ``open_workspace`` gives for the source
        GeoPackage (same columns, order, CRS and areas). ``"dask"``: a
        :class:`LazyWorkspace` (dataset directories only; a GeoPackage is
        opened in memory and the dask engine partitions its parcels itself).
    validate
        Run :func:`geo.validate.validate_tables` and fill ``problems`` (memory
        engine; the tables are validated in their projected CRS).
    tables
        Only these tables (dataset directories; parcels read only when
        listed), e.g. ``["enterprises"]`` for ``tenglong benefit``.

    Raises
    ------
    geo.workspace.WorkspaceError
        The path is neither a GeoPackage nor a dataset, or a required table is
        missing.
    EngineError
        An unknown engine.

    Examples
    --------
    >>> ws = open_dataset("data/wuan.gpkg", validate=False)
    >>> ws.crs.to_epsg(), len(ws.parcels) > 0
    (4547, True)
    """
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")
    p = Path(path)
    if not p.is_dir():
        if engine == "dask":
            logger.info("%s is a GeoPackage: opened in memory, partitioned by the dask engine", p)
        return open_workspace(p, validate=validate)
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
    if engine == "dask":
        lazy = LazyWorkspace(path=p, info=info, tables=small, crs=info.crs, meta=dict(info.meta))
        logger.info(
            "opened %s lazily: %d parcels in %d partition(s), %s in %s",
            p.name,
            info.n_parcels,
            len(info.partitions),
            ", ".join(f"{k}={len(v)}" for k, v in small.items()),
            info.crs.to_string(),
        )
        return lazy
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
    ws = Workspace(path=p, tables=out, crs=info.crs, meta=dict(info.meta), problems=problems)
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
    return Workspace(path=p, tables=out, crs=info.crs, meta=dict(info.meta))


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------


def convert_to_parquet(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    overwrite: bool = False,
) -> Path:
    """Convert a workspace GeoPackage (or re-partition a dataset) to a dataset directory.

    The source is opened as :func:`geo.workspace.open_workspace` opens it
    (projected to its GK zone) and written with :func:`write_dataset`.
    """
    _check_paths(source, dest)
    ws = open_dataset(source, validate=False)
    assert isinstance(ws, Workspace)
    return write_dataset(
        ws.tables,
        dest,
        meta=ws.meta,
        crs=ws.crs,
        partition_rows=partition_rows,
        row_group_rows=row_group_rows,
        overwrite=overwrite,
    )


def convert_to_gpkg(
    source: str | os.PathLike[str], dest: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Convert a dataset directory (or a workspace) to a workspace GeoPackage.

    Geometry is stored in EPSG:4490 again (:func:`geo.workspace.save_workspace`).
    """
    _check_paths(source, dest)
    out = Path(dest)
    if out.exists() and not overwrite:
        raise DatasetError(f"{out} exists; remove it or pass overwrite=True (--overwrite)")
    ws = open_dataset(source, validate=False)
    assert isinstance(ws, Workspace)
    return save_workspace(ws.tables, out, meta=ws.meta)


def _check_paths(source: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
    if Path(source).resolve() == Path(dest).resolve():
        raise DatasetError(f"{dest} is the source itself; write to another path")


__all__ = [
    "DEFAULT_PARTITION_ROWS",
    "DEFAULT_ROW_GROUP_ROWS",
    "ENGINES",
    "FORMAT",
    "DatasetInfo",
    "Engine",
    "LazyWorkspace",
    "Partition",
    "convert_to_gpkg",
    "convert_to_parquet",
    "hilbert_order",
    "is_dataset",
    "iter_partitions",
    "open_dataset",
    "open_selection",
    "read_info",
    "read_parcels",
    "read_table",
    "write_dataset",
]
