"""The rejected-rows file of an import with ``--skip-invalid`` (docs/architecture.md §3).

Rows with an error are left out of the workspace and written, as they were
read, to a file next to the workspace (or where ``--rejected`` says), named
``<source stem>-rejected.<ext>``: the same format as the source where one
file can hold it (GeoPackage, GeoJSON, GeoParquet, CSV and xlsx with a WKT
column), else a GeoPackage (shapefiles are several files, KML and DXF lose
attributes). Its first columns are ``source_row`` and ``problem`` (why the row
was rejected); fix the rows, and import the file again: both columns are not
part of the data model and are reported as not imported.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import uuid
from pathlib import Path, PurePath

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geo.cells import frame_csv, write_xlsx_frame
from geo.io.errors import DataImportError

SAME_FORMAT: dict[str, str] = {
    "gpkg": ".gpkg",
    "geojson": ".geojson",
    "parquet": ".parquet",
    "csv": ".csv",
    "xlsx": ".xlsx",
}
"""Source formats whose rejected rows are written in the same format, with the suffix."""


def rejected_name(source_name: str, fmt: str) -> str:
    """``<source stem>-rejected.<ext>`` for a source (the entry's name inside an archive).

    Examples
    --------
    >>> rejected_name("地块.shp", "shapefile"), rejected_name("a.zip!p/台账.csv", "csv")
    ('地块-rejected.gpkg', '台账-rejected.csv')
    """
    base = str(source_name).replace("\\", "/").split("!")[-1]
    stem = PurePath(base.rsplit("/", 1)[-1]).stem or "import"
    return f"{stem}-rejected{SAME_FORMAT.get(fmt, '.gpkg')}"


def _with_wkt(rows: pd.DataFrame) -> pd.DataFrame:
    """A plain table; the geometry as a ``wkt`` column (read back as geometry on import)."""
    if not isinstance(rows, gpd.GeoDataFrame):
        return pd.DataFrame(rows)
    geoms = rows.geometry.values
    wkt = [None if g is None or shapely.is_missing(g) else shapely.to_wkt(g) for g in geoms]
    if rows.crs is not None and rows.crs.to_epsg():
        wkt = [None if w is None else f"SRID={rows.crs.to_epsg()};{w}" for w in wkt]
    out = pd.DataFrame(rows.drop(columns=[rows.geometry.name]))
    out["wkt"] = wkt
    return out


def rejected_bytes(rows: pd.DataFrame, name: str) -> bytes:
    """The rejected rows as the bytes of file ``name`` (its suffix chooses the format)."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".csv":
        return frame_csv(_with_wkt(rows)).encode("utf-8-sig")
    if suffix == ".xlsx":
        buf = io.BytesIO()
        write_xlsx_frame(_with_wkt(rows), buf, sheet_name="rejected")
        return buf.getvalue()
    frame = rows
    if not isinstance(frame, gpd.GeoDataFrame):  # an attribute table: a GeoPackage without geometry
        frame = gpd.GeoDataFrame(frame, geometry=[None] * len(frame))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"rejected{suffix}"
        if suffix == ".parquet":
            frame.to_parquet(path)
        elif suffix == ".geojson":
            pyogrio.write_dataframe(frame.to_crs(4326) if frame.crs else frame, path)
        else:
            pyogrio.write_dataframe(frame, path, layer="rejected", driver="GPKG")
        return path.read_bytes()


def stage_rejected(rows: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the rejected rows to a hidden temporary file beside ``path``; return it.

    :func:`commit_rejected` moves it into place once the import is written,
    so that a failed import neither leaves nor overwrites a rejected-rows file.

    Raises
    ------
    DataImportError
        The folder cannot be written; nothing is left behind.
    """
    target = Path(path)
    data = rejected_bytes(rows, target.name)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as err:
        with contextlib.suppress(OSError):  # an unusable folder: nothing was created in it
            tmp.unlink(missing_ok=True)
        raise DataImportError(
            f"cannot write the rejected rows to {target}: {err.strerror or err}; give another "
            f"place with --rejected PATH; nothing written"
        ) from None
    return tmp


def commit_rejected(staged: Path, path: str | os.PathLike[str]) -> Path:
    """Move a :func:`stage_rejected` file into place (atomically)."""
    target = Path(path)
    os.replace(staged, target)
    return target


def write_rejected(rows: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the rejected rows to ``path`` atomically (a temporary file moved into place).

    Raises
    ------
    DataImportError
        The folder cannot be written; nothing is left behind.
    """
    return commit_rejected(stage_rejected(rows, path), path)
