"""Large workspaces: above a threshold of parcels, read from GeoParquet, never validated whole.

A workspace with more than :func:`large_threshold` parcels (50,000 by default,
``$TENGLONG_PROVINCE_PARCELS``) is read by the app from a GeoParquet dataset
(docs/architecture.md §9): a dataset directory as it is, a GeoPackage through
its conversion (:func:`dataset_for`, once per revision, kept in
:func:`cache_dir`). :func:`count_parcels` counts the parcels of either from
metadata alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import time
from pathlib import Path

from geo import settings
from geo.dataset.parquet import convert_to_parquet, is_dataset, read_info
from geo.store import revision_token
from geo.workspace import WorkspaceError

logger = logging.getLogger(__name__)

LARGE_MIN_PARCELS = 50_000
"""Workspaces with more parcels than this are large (read from GeoParquet, not validated whole)."""
PROVINCE_ENV = settings.PROVINCE_ENV
"""Environment variable overriding :data:`LARGE_MIN_PARCELS`."""
CACHE_ENV = settings.CACHE_ENV
"""Environment variable naming the folder of converted GeoPackages (see :func:`dataset_for`)."""


def large_threshold() -> int:
    """Parcels above which a workspace is large.

    ``$TENGLONG_PROVINCE_PARCELS`` when set to a whole number, else
    :data:`LARGE_MIN_PARCELS`.

    Examples
    --------
    >>> large_threshold() >= 0
    True
    """
    return settings.get_int(PROVINCE_ENV, LARGE_MIN_PARCELS)


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


def is_large(path: str | os.PathLike[str], *, threshold: int | None = None) -> bool:
    """Whether ``path`` has more parcels than ``threshold`` (:func:`large_threshold`).

    Examples
    --------
    >>> is_large("data/fuxing.gpkg"), is_large("data/fuxing.gpkg", threshold=10)
    (False, True)
    """
    limit = large_threshold() if threshold is None else int(threshold)
    return count_parcels(path) > limit


def cache_dir() -> Path:
    """Where the GeoParquet conversions of large GeoPackages are kept.

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
    logger.info("converted %s to GeoParquet in %.1f s: %s", p, time.perf_counter() - t0, dest)
    for old in dest.parent.glob(f"{resolved.stem}-{stem}-*"):
        if old != dest and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return dest


__all__ = [
    "CACHE_ENV",
    "LARGE_MIN_PARCELS",
    "PROVINCE_ENV",
    "cache_dir",
    "count_parcels",
    "dataset_for",
    "is_large",
    "large_threshold",
]
