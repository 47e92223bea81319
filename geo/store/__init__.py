"""Editable workspace stores: a GeoPackage file (embedded default) or a PostGIS schema.

Usage::

    from geo.store import open_store

    with open_store("data/fuxing.gpkg", user="王工") as store:
        rec = store.parcel("FX-0001")
        store.set_status("FX-0001", "released", on="2024-05-01",
                         note="区政府批复", expected_version=rec.row_version)

Every edit is one transaction with its audit rows; two editors saving the same
parcel get :class:`EditConflict` (with the other change), not a silent
overwrite. Geometry edits (split, merge, reshape, retire, restore, create) go
through :meth:`Store.apply_geometry_edit` (:mod:`geo.store.geometry`), one
audited transaction too. Only planners edit (:mod:`geo.access`). See :mod:`geo.store.base`
for the algorithm, :mod:`geo.store.gpkg` and :mod:`geo.store.postgis` for the
backends, :mod:`geo.store.migrate` to copy a workspace between them.
"""

from __future__ import annotations

import os
from typing import Any

from geo.store.base import AUDIT_COLUMNS, Store
from geo.store.errors import (
    EditConflict,
    InvalidEditError,
    InvalidTransitionError,
    ParcelNotFoundError,
    ReadOnlyError,
    StorageFullError,
    StoreBusyError,
    StoreError,
    storage_error,
)
from geo.store.geometry import GeometryEdit, GeometryEditResult, child_ids, merged_id
from geo.store.model import (
    ALLOWED_TRANSITIONS,
    Change,
    EditResult,
    ParcelEdit,
    ParcelRecord,
    encode_value,
)
from geo.store.records import RECORD_TABLES, RecordEdit, RecordRow, RowNotFoundError


def is_postgres_url(target: str | os.PathLike[str]) -> bool:
    """True for ``postgresql://`` and ``postgres://`` URLs.

    Examples
    --------
    >>> is_postgres_url("postgresql://127.0.0.1/tenglong?schema=fuxing"), is_postgres_url("a.gpkg")
    (True, False)
    """
    return str(target).startswith(("postgresql://", "postgres://"))


def open_store(
    target: str | os.PathLike[str], *, user: str, role: str = "planner", **options: Any
) -> Store:
    """Open a workspace for reading and editing.

    Parameters
    ----------
    target
        A ``.gpkg`` path, or ``postgresql://user@host:port/db?schema=NAME``
        (password from ``PGPASSWORD`` or ``~/.pgpass`` rather than the URL).
    user
        The editor's name, written to the audit table.
    role
        ``planner`` (edits), ``investment``, ``investor`` or ``public`` (read only).
    **options
        Backend options: ``busy_timeout_s`` (both: the total wait for other
        editors' locks, default ``$TENGLONG_EDIT_WAIT_S`` or 60 s),
        ``journal_mode`` (GeoPackage).

    Raises
    ------
    StoreError
        The workspace cannot be opened; the message says why and what to do.
        A workspace on a read-only mount opens (for reading); its edits raise
        :class:`ReadOnlyError`, and a full disk :class:`StorageFullError`.
    geo.access.RoleError
        The process is in investor mode and ``role`` is not a restricted role.
    """
    if is_postgres_url(target):
        from geo.store.postgis import PostgisStore

        return PostgisStore(str(target), user=user, role=role, **options)
    from geo.store.gpkg import GpkgStore

    return GpkgStore(target, user=user, role=role, **options)


def revision_token(target: str | os.PathLike[str]) -> str:
    """A cheap token that changes whenever an edit is committed: a cache key for the app.

    For a GeoPackage: the modification times and sizes of the file and its
    ``-wal`` log (no connection opened). For PostGIS: the last audit id.

    Examples
    --------
    >>> revision_token("data/fuxing.gpkg") == revision_token("data/fuxing.gpkg")
    True
    """
    if is_postgres_url(target):
        from geo.access import process_mode

        role = "investor" if process_mode() == "investor" else "investment"
        with open_store(target, user="cache", role=role) as store:
            return f"audit:{store.revision()}"
    from pathlib import Path

    parts = []
    for p in (Path(target), Path(f"{target}-wal")):
        try:
            st = p.stat()
        except FileNotFoundError:
            parts.append("-")
            continue
        parts.append(f"{st.st_mtime_ns}:{st.st_size}")
    return "|".join(parts)


__all__ = [
    "ALLOWED_TRANSITIONS",
    "AUDIT_COLUMNS",
    "RECORD_TABLES",
    "Change",
    "EditConflict",
    "EditResult",
    "GeometryEdit",
    "GeometryEditResult",
    "InvalidEditError",
    "InvalidTransitionError",
    "ParcelEdit",
    "ParcelNotFoundError",
    "ParcelRecord",
    "ReadOnlyError",
    "RecordEdit",
    "RecordRow",
    "RowNotFoundError",
    "StorageFullError",
    "Store",
    "StoreBusyError",
    "StoreError",
    "child_ids",
    "encode_value",
    "is_postgres_url",
    "merged_id",
    "open_store",
    "revision_token",
    "storage_error",
]
