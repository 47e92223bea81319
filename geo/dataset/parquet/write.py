"""Writing a workspace as a dataset directory: Hilbert-ordered parcel partitions, small tables."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import crs as crs_mod
from geo.dataset.errors import DatasetError
from geo.schema import TABLES

if TYPE_CHECKING:  # pragma: no cover
    pass
from geo.dataset.parquet.format import (
    _AREA_COLUMNS,
    DEFAULT_PARTITION_ROWS,
    DEFAULT_ROW_GROUP_ROWS,
    FORMAT,
    FORMAT_VERSION,
    HILBERT_LEVEL,
    META_FILE,
    PARCELS_DIR,
    ROW_COLUMN,
    Bounds,
)

logger = logging.getLogger(__name__)


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
    source: Mapping[str, str] | None = None,
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
    source
        The GeoPackage the tables come from, ``{"path", "revision"}``, kept in
        ``meta.json`` (:attr:`geo.dataset.parquet.format.DatasetInfo.source`): the
        app says when it changed.

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
        if source:
            doc["source"] = {str(k): str(v) for k, v in source.items()}
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
