"""Opening a workspace: the one place that decides how a path or URL is read.

:func:`open_dataset` takes a GeoPackage, a GeoParquet dataset directory or a
PostGIS URL and returns a :class:`Dataset` (:mod:`geo.dataset.base`): a
:class:`geo.workspace.Workspace` in memory, or a
:class:`geo.dataset.parquet.ParquetDataset` whose parcels stay on disk.
:func:`revision_of` gives the revision token of a target without opening it.

:func:`load_for_mode` opens a GeoPackage or a PostGIS schema as the process
mode allows (:func:`geo.access.process_mode`): everything, validated, for a
planner process; only the whitelisted columns of available parcels for an
investor process, whose other columns and rows are never read.

This package sits above :mod:`geo.access` (who may see what) and
:mod:`geo.store` (the editable stores), so neither has to import the other
to open a workspace.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from geo.access import MODE_ENV, MODES, RoleError, process_mode
from geo.dataset.base import Bounds, Dataset
from geo.dataset.parquet import META_FILE, ParquetDataset, dataset_token, is_dataset, open_parquet
from geo.store import is_postgres_url, open_store, revision_token
from geo.workspace import Workspace, WorkspaceError, open_workspace

logger = logging.getLogger(__name__)

__all__ = [
    "Bounds",
    "Dataset",
    "ParquetDataset",
    "load_for_mode",
    "open_dataset",
    "revision_of",
]


def _check_dir(p: Path) -> None:
    if not is_dataset(p):
        raise WorkspaceError(
            f"{p} is a folder but not a Tenglong GeoParquet dataset (no {META_FILE}); "
            f"create one with `tenglong convert WORKSPACE.gpkg --to parquet {p}`"
        )


def revision_of(target: str | os.PathLike[str]) -> str:
    """The revision token of a workspace, without opening it: a cache key.

    A GeoPackage's or a PostGIS schema's is :func:`geo.store.revision_token`
    (file times and sizes; the last audit id); a dataset directory's is
    :func:`geo.dataset.parquet.dataset_token` (its ``meta.json``).

    Raises
    ------
    WorkspaceError
        The file does not exist, or a folder is not a dataset (the message
        says what to do).
    """
    text = str(target)
    if is_postgres_url(text):
        return revision_token(text)
    p = Path(target)
    try:
        if p.is_dir():
            _check_dir(p)
            return dataset_token(p)
        if not p.is_file():
            raise FileNotFoundError(p)
        return revision_token(p)
    except OSError:
        raise WorkspaceError(
            f"workspace file {p} does not exist; pick a demo workspace in the sidebar "
            f"or give the path of a .gpkg file or a GeoParquet dataset directory"
        ) from None


def open_dataset(
    target: str | os.PathLike[str] | Dataset,
    *,
    in_memory: bool = False,
    validate: bool = True,
    tables: Iterable[str] | None = None,
    mode: str | None = None,
) -> Dataset:
    """Open a GeoPackage, a GeoParquet dataset directory or a PostGIS URL.

    Parameters
    ----------
    target
        A ``.gpkg`` file, a dataset directory (``tenglong convert``), a
        ``postgresql://…?schema=NAME`` URL, or a dataset already open
        (returned as it is).
    in_memory
        Read a dataset directory whole into a :class:`~geo.workspace.Workspace`
        (default: a :class:`~geo.dataset.parquet.ParquetDataset`, parcels on
        disk). GeoPackages and PostGIS schemas are always read into memory.
    validate
        Run :mod:`geo.validate` and fill ``problems`` (in-memory backends).
    tables
        Only these tables of a dataset directory (parcels only when listed).
    mode
        ``planner`` or ``investor`` (default: :func:`geo.access.process_mode`):
        in investor mode only what an investor may see is read
        (:func:`load_for_mode`); a dataset directory is refused then.

    Raises
    ------
    WorkspaceError
        The target does not exist, is not a workspace, or lacks a table.
    RoleError
        Investor mode and a dataset directory, or a planner mode asked of an
        investor process.

    Examples
    --------
    >>> ds = open_dataset("data/wuan.gpkg", validate=False)
    >>> ds.crs.to_epsg(), ds.n_parcels > 0, ds.revision() == revision_of("data/wuan.gpkg")
    (4547, True, True)
    """
    if isinstance(target, Workspace | ParquetDataset):
        return target
    investor = (mode or process_mode()) == "investor"
    text = str(target)
    if investor or is_postgres_url(text):
        if not is_postgres_url(text) and Path(text).is_dir():
            raise RoleError(
                "an investor-mode server opens GeoPackage or PostGIS workspaces only, "
                "not GeoParquet datasets (their internal columns would be read)"
            )
        token = revision_of(text)
        ws = load_for_mode(text, mode)
        ws.token = token
        return ws
    p = Path(target)
    token = revision_of(p)
    if p.is_dir():
        return open_parquet(p, lazy=not in_memory, validate=validate, tables=tables)
    ws = open_workspace(p, validate=validate)
    ws.token = token
    return ws


def load_for_mode(path: str | os.PathLike[str], mode: str | None = None) -> Workspace:
    """Open a workspace as the process mode allows.

    Parameters
    ----------
    path
        A GeoPackage, or a PostGIS URL ``postgresql://…?schema=NAME``.
    mode
        ``planner`` (everything, validated: :func:`geo.workspace.open_workspace`)
        or ``investor`` (whitelisted columns of available parcels only; the
        other columns and rows are never read). Default: :func:`process_mode`.

    Raises
    ------
    RoleError
        ``mode="planner"`` asked of a process in investor mode, or an unknown mode.
    """
    proc = process_mode()
    mode = proc if mode is None else mode
    if mode not in MODES:
        raise RoleError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    if proc == "investor" and mode != "investor":
        raise RoleError(
            f"this process runs in investor mode ({MODE_ENV}=investor) and refuses to "
            f"load a workspace's internal fields; start a planner instance for that"
        )
    if mode == "planner" and not is_postgres_url(str(path)):
        return open_workspace(path)
    role = "investor" if mode == "investor" else "planner"
    with open_store(path, user="viewer", role=role) as store:
        return store.load_workspace()
