"""Converting a GeoPackage workspace to a dataset directory and back."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from geo.dataset.errors import DatasetError
from geo.workspace import Workspace, open_workspace, save_workspace

if TYPE_CHECKING:  # pragma: no cover
    pass
from geo.dataset.parquet.format import DEFAULT_PARTITION_ROWS, DEFAULT_ROW_GROUP_ROWS
from geo.dataset.parquet.read import open_parquet
from geo.dataset.parquet.write import write_dataset

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
    (projected to its GK zone) and written with :func:`write_dataset`; a
    GeoPackage's path and revision are recorded
    (:attr:`geo.dataset.parquet.format.DatasetInfo.source`).
    """
    _check_paths(source, dest)
    ws = _in_memory(source)
    origin = None
    if Path(source).is_file():  # recorded: the app says when the GeoPackage changed since
        from geo.store import revision_token

        origin = {"path": str(Path(source).resolve()), "revision": revision_token(source)}
    return write_dataset(
        ws.tables,
        dest,
        meta=ws.meta,
        crs=ws.crs,
        partition_rows=partition_rows,
        row_group_rows=row_group_rows,
        overwrite=overwrite,
        source=origin,
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
    ws = _in_memory(source)
    return save_workspace(ws.tables, out, meta=ws.meta)


def _in_memory(source: str | os.PathLike[str]) -> Workspace:
    if Path(source).is_dir():
        ws = open_parquet(source, lazy=False, validate=False)
        assert isinstance(ws, Workspace)
        return ws
    return open_workspace(source, validate=False)


def _check_paths(source: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
    if Path(source).resolve() == Path(dest).resolve():
        raise DatasetError(f"{dest} is the source itself; write to another path")
