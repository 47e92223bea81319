"""The GeoPackage store: edits in place, with SQLite transactions on the ``.gpkg`` file.

Transactions and locking
------------------------
- Every edit is one ``BEGIN IMMEDIATE … COMMIT`` on the file: it takes
  SQLite's single write lock at the start, so there is one writer at a time;
  the others queue: they retry with exponential backoff and jitter
  (:mod:`geo.store.retry`) for up to ``busy_timeout_s`` in total (default
  ``$TENGLONG_EDIT_WAIT_S`` or 60 s) and only then get
  :class:`~geo.store.StoreBusyError` ("try again").
- Journal mode **WAL** (write-ahead log), set on the first writable open. Why:
  readers (the app's other processes, ``pyogrio``/GDAL, QGIS) are never blocked
  by a writer and never see a half-written edit — they read the last committed
  snapshot, while in the rollback-journal mode a reader hits "database is
  locked" during every commit. The cost: two side files (``-wal``, ``-shm``)
  next to the ``.gpkg`` while it is open, and the file must be on a local disk
  (not a network share). After each commit the log is checkpointed into the
  ``.gpkg`` (so its modification time changes, which is what the app's cache
  keys on), and the side files are removed when the last connection closes.
  Copy a workspace with :func:`backup` (SQLite's online backup), never with
  ``cp`` while it is being edited. ``journal_mode="delete"`` keeps the
  rollback journal for files that must stay single-file.
- ``synchronous=FULL``: a commit is on disk before the call returns, so a
  crash or ``kill -9`` at any point leaves the last committed state (SQLite's
  atomic commit); a half-done edit is rolled back on the next open.

Full disks and read-only folders
--------------------------------
A full disk during an edit (``SQLITE_FULL``) rolls the edit back and raises
:class:`~geo.store.StorageFullError` (the mount to free space on); the file
keeps its last committed state. A workspace on a read-only mount (or in a
folder the user may not write) opens read-only — a WAL workspace as
``immutable``, since its ``-shm`` file cannot be made there — so it can be
read, and every edit raises :class:`~geo.store.ReadOnlyError` (copy it to a
writable folder) before anything is written.

GDAL's R-tree triggers
----------------------
GeoPackages written by GDAL carry triggers that keep the spatial index
(``rtree_parcels_geom``) in step with the geometry, calling ``ST_IsEmpty``,
``ST_MinX``… which plain SQLite lacks. :mod:`geo.store.gpkgblob` defines them
on our connection, so the index is updated by the triggers inside the same
transaction. On open every trigger of the edited tables is compiled once
(``EXPLAIN``); a trigger calling any other missing function is reported with
advice instead of failing mid-edit.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import OperationError
from geo.store import gpkg_records, gpkgblob
from geo.store.base import AUDIT_COLUMNS, Store, audit_row
from geo.store.errors import (
    ReadOnlyError,
    StoreBusyError,
    StoreError,
    is_read_only_fs,
    nearly_full,
    storage_error,
)
from geo.store.geometry import LINEAGE_FIELDS
from geo.store.gpkg_records import from_sqlite as _from_sqlite, to_sqlite as _to_sqlite
from geo.store.model import GEOMETRY_FIELD, Change, Kind, ParcelRecord, kind_of_column
from geo.store.retry import EDIT_WAIT_ENV, edit_wait_s, retry_busy

logger = logging.getLogger(__name__)

GPKG_APPLICATION_ID = 0x47504B47
"""``PRAGMA application_id`` of a GeoPackage ('GPKG')."""

_AUDIT_DDL = (
    'CREATE TABLE "audit" ("fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
    '"who" TEXT, "at" TEXT, "table_name" TEXT, "row_id" TEXT, "field" TEXT, '
    '"before" TEXT, "after" TEXT, "row_version" INTEGER, "edit_id" TEXT, "note" TEXT)'
)
_AUDIT_TYPES = {"row_version": "INTEGER", "edit_id": "TEXT", "note": "TEXT"}


_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CANTOPEN = 5, 6, 14
BUSY_SLICE_MS = 50
"""How long one attempt at the write lock lets SQLite's busy handler poll."""


class _CannotOpen(OperationError):  # noqa: N818 - internal signal, never leaves this module
    """SQLite could not open the file (e.g. a WAL workspace whose ``-shm`` cannot be made)."""


def _is_busy(err: BaseException) -> bool:
    """True for SQLite's "database is locked/busy" (another connection holds the lock)."""
    if not isinstance(err, sqlite3.OperationalError):
        return False
    code = (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF
    return code in (_SQLITE_BUSY, _SQLITE_LOCKED) or (
        not code and ("locked" in str(err) or "busy" in str(err))
    )


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _gpkg_now() -> str:
    import datetime as dt

    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class GpkgStore(Store):
    """A workspace GeoPackage edited in place (see the module docs).

    Parameters
    ----------
    path
        The ``.gpkg`` file.
    user, role
        See :class:`geo.store.Store`.
    busy_timeout_s
        How long in total an edit waits for other edits' lock (with backoff,
        :mod:`geo.store.retry`) before :class:`StoreBusyError`; default
        ``$TENGLONG_EDIT_WAIT_S`` or 60 s.
    journal_mode
        ``"wal"`` (default) or ``"delete"``.
    """

    backend = "gpkg"

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        user: str,
        role: str = "planner",
        busy_timeout_s: float | None = None,
        journal_mode: str = "wal",
    ) -> None:
        super().__init__(user=user, role=role)
        self.path = Path(path)
        if not self.path.is_file():
            raise StoreError(
                f"workspace file {self.path} does not exist; give the path of a .gpkg workspace"
            )
        if journal_mode not in ("wal", "delete"):
            raise ValueError(f"journal_mode must be 'wal' or 'delete', not {journal_mode!r}")
        self._wait_s = edit_wait_s(busy_timeout_s)
        self._cannot_write = self._why_not_writable() if self.role == "planner" else None
        """The :class:`ReadOnlyError` every write raises (a read-only mount), or None."""
        self.read_only = self.role != "planner" or self._cannot_write is not None
        # a WAL file on a read-only mount can only be read as immutable (no -shm possible)
        self._conn = self._connect(immutable=is_read_only_fs(self.path))
        try:
            # another editor's commit, WAL recovery or the last connection removing the
            # -wal file can make these checks "busy" too: they queue like the edits
            retry_busy(
                lambda: self._open_checks(journal_mode),
                is_busy=_is_busy,
                wait_s=self._wait_s,
                what=f"{self.path} (open)",
            )
        except _CannotOpen as err:
            self._conn.close()
            raise StoreError(
                f"{self.path} is not a GeoPackage ({err.__cause__}); give a .gpkg workspace "
                f"written by Tenglong or GDAL"
            ) from None
        except sqlite3.Error as err:  # e.g. no room for the WAL index (-shm) on a full disk
            self._conn.close()
            if _is_busy(err):
                raise StoreBusyError(
                    f"{self.path} is being saved by other editors and stayed locked for "
                    f"{self._wait_s:.0f} s; nothing was saved: try again, or wait longer "
                    f"({EDIT_WAIT_ENV}=120)"
                ) from None
            raise self._storage_error(err, "opening the workspace for editing") or StoreError(
                f"cannot open {self.path} for editing ({err}); check that it is a .gpkg "
                f"workspace on a local disk"
            ) from None
        except BaseException:
            self._conn.close()
            raise
        self._kinds: dict[str, Kind] | None = None
        self._kinds_schema = -1

    def _open_checks(self, journal_mode: str) -> None:
        try:
            self._check_geopackage()
        except _CannotOpen:
            if not self.read_only:
                raise
            # a WAL workspace in a folder we may not write: read its last checkpoint
            self._conn.close()
            self._conn = self._connect(immutable=True)
            self._check_geopackage()
        if not self.read_only:
            self._set_journal_mode(journal_mode)
            self._conn.execute("PRAGMA synchronous = FULL")
            self._check_triggers()

    def _connect(self, *, immutable: bool) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri()
        if self.read_only:
            uri += "?mode=ro" + ("&immutable=1" if immutable else "")
        try:
            conn = sqlite3.connect(
                uri,
                uri=True,
                timeout=self._wait_s,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as err:
            raise self._storage_error(err, "opening the workspace") or StoreError(
                f"cannot open {self.path}: {err}"
            ) from None
        gpkgblob.register_functions(conn)
        conn.execute(f"PRAGMA busy_timeout = {int(self._wait_s * 1000)}")
        return conn

    def _why_not_writable(self) -> ReadOnlyError | None:
        """Why the workspace cannot be written here (read-only mount, no permission), or None."""
        if is_read_only_fs(self.path):
            err: OSError = OSError(errno.EROFS, "Read-only file system", str(self.path))
        elif not os.access(self.path, os.W_OK) or not os.access(self.path.parent, os.W_OK):
            err = PermissionError(errno.EACCES, "Permission denied", str(self.path))
        else:
            return None
        found = self._storage_error(err, f"editing {self.path}")
        assert isinstance(found, ReadOnlyError)
        logger.info("%s: opened read-only: %s", self.path, found)
        return found

    def _storage_error(self, err: BaseException, doing: str) -> StoreError | None:
        return storage_error(
            err,
            self.path,
            doing=doing,
            outcome="nothing was saved and the workspace file is unchanged",
        )

    # ------------------------------------------------------------------ open checks
    @property
    def target(self) -> str:
        return str(self.path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _check_geopackage(self) -> None:
        try:
            app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
            has = {
                r[0]
                for r in self._conn.execute(
                    "SELECT table_name FROM gpkg_contents WHERE table_name IN ('parcels', 'audit')"
                )
            }
        except sqlite3.DatabaseError as err:
            if _is_busy(err):
                raise  # retried by the caller
            if (getattr(err, "sqlite_errorcode", 0) or 0) & 0xFF == _SQLITE_CANTOPEN:
                raise _CannotOpen() from err
            raise self._storage_error(err, "opening the workspace") or StoreError(
                f"{self.path} is not a GeoPackage ({err}); give a .gpkg workspace written by "
                f"Tenglong or GDAL"
            ) from None
        if app_id != GPKG_APPLICATION_ID:
            logger.warning("%s: application_id %#x is not 'GPKG'", self.path, app_id)
        if "parcels" not in has:
            raise StoreError(f"{self.path} has no parcels layer; it is not a Tenglong workspace")
        row = self._conn.execute(
            "SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns "
            "WHERE table_name = 'parcels'"
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: the parcels layer has no geometry column")
        self._geom_col, geom_type, self._srs_id = str(row[0]), str(row[1]).upper(), int(row[2])
        if self._srs_id != 4490:
            raise StoreError(
                f"{self.path}: parcels are stored in srs_id {self._srs_id}, not CGCS2000 "
                f"(EPSG:4490); rewrite the workspace with save_workspace"
            )
        self._geom_types = {
            "POLYGON": ("Polygon",),
            "MULTIPOLYGON": ("MultiPolygon", "Polygon"),
        }.get(geom_type, ("Polygon", "MultiPolygon"))

    def _set_journal_mode(self, mode: str) -> None:
        current = self._conn.execute("PRAGMA journal_mode").fetchone()[0].lower()
        if current == mode:
            return
        if mode == "wal" and nearly_full(self.path):
            # switching rewrites the file header, then the WAL index (-shm) may not fit:
            # stay in the rollback journal, so a failed edit leaves the file byte-identical
            logger.info("%s: the disk is nearly full; not switching to WAL", self.path)
            return
        try:
            got = retry_busy(
                lambda: self._conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()[0],
                is_busy=_is_busy,
                wait_s=self._wait_s,
            ).lower()
        except sqlite3.OperationalError as err:
            # a full disk is reported by the edit itself (StorageFullError)
            log = logger.info if self._storage_error(err, "") is not None else logger.warning
            log("%s: could not switch to journal_mode=%s (%s)", self.path, mode, err)
            return
        if got != mode:
            logger.warning("%s: journal_mode is %s, not %s", self.path, got, mode)

    def _check_triggers(self) -> None:
        """Compile every trigger of parcels/audit once; report missing SQL functions."""
        cols = [r[1] for r in self._conn.execute('PRAGMA table_info("parcels")')]
        sets = ", ".join(f"{_q(c)} = {_q(c)}" for c in cols if c != "fid")
        try:
            self._conn.execute(f'EXPLAIN UPDATE "parcels" SET {sets} WHERE 0')
            self._conn.execute('EXPLAIN DELETE FROM "parcels" WHERE 0')
            self._conn.execute(
                f'EXPLAIN INSERT INTO "parcels" ({_q(self._geom_col)}) VALUES (NULL)'
            )
        except sqlite3.OperationalError as err:
            if _is_busy(err):
                raise  # retried by the caller
            missing = re.search(r"no such function: (\w+)", str(err))
            if missing:
                raise StoreError(
                    f"{self.path}: a trigger on parcels calls the SQL function {missing[1]}, "
                    f"which only GDAL/SpatiaLite provide; rewrite the workspace with "
                    f"`ogr2ogr -f GPKG new.gpkg {self.path.name}` or save_workspace and edit "
                    f"the new file"
                ) from None
            raise StoreError(f"{self.path}: cannot prepare edits of parcels ({err})") from None

    # ------------------------------------------------------------------ primitives
    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        if self._cannot_write is not None:
            raise self._cannot_write
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only (role {self.role})")
        self._begin()
        try:
            yield
        except sqlite3.Error as err:
            self._rollback()
            raise self._storage_error(err, "saving the edit") or StoreError(
                f"{self.path}: the edit failed ({err}); nothing was saved"
            ) from None
        except BaseException:
            self._rollback()
            raise
        try:
            self._conn.execute("COMMIT")
        except sqlite3.Error as err:
            self._rollback()
            if _is_busy(err):
                raise StoreBusyError(
                    f"{self.path}: readers kept the edit from being written; nothing was "
                    f"saved: try again"
                ) from None
            raise self._storage_error(err, "saving the edit") or StoreError(
                f"{self.path}: the edit could not be committed ({err}); nothing was saved"
            ) from None

    def _begin(self) -> None:
        """``BEGIN IMMEDIATE``, waiting for the write lock with backoff (:mod:`geo.store.retry`)."""
        # SQLite's own short polling first, then our jittered pauses between such slices
        self._conn.execute(f"PRAGMA busy_timeout = {min(BUSY_SLICE_MS, int(self._wait_s * 1000))}")
        try:
            retry_busy(
                lambda: self._conn.execute("BEGIN IMMEDIATE"),
                is_busy=_is_busy,
                wait_s=self._wait_s,
                what=str(self.path),
            )
        except sqlite3.OperationalError as err:
            if _is_busy(err):
                raise StoreBusyError(
                    f"{self.path} is being saved by other editors and stayed locked for "
                    f"{self._wait_s:.0f} s; nothing was saved: try again, or wait longer "
                    f"({EDIT_WAIT_ENV}=120)"
                ) from None
            raise self._storage_error(err, "starting the edit") or StoreError(
                f"cannot start an edit of {self.path}: {err}"
            ) from None
        finally:
            self._conn.execute(f"PRAGMA busy_timeout = {int(self._wait_s * 1000)}")

    def _rollback(self) -> None:
        self._kinds = None
        if not self._conn.in_transaction:
            return  # SQLite already rolled back (e.g. SQLITE_FULL)
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error as err:  # the journal restores the file on the next open
            logger.warning("%s: rollback failed (%s)", self.path, err)

    def _after_commit(self) -> None:
        try:
            if self._conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as err:  # committed in the log; a later checkpoint copies it
            logger.warning("%s: checkpoint after the edit failed (%s)", self.path, err)

    def _columns(self, table: str) -> list[tuple[str, str]]:
        return [
            (str(r[1]), str(r[2])) for r in self._conn.execute(f"PRAGMA table_info({_q(table)})")
        ]

    def _ensure_edit_schema(self) -> None:
        cols = dict(self._columns("parcels"))
        if "row_version" not in cols:
            self._conn.execute(
                'ALTER TABLE "parcels" ADD COLUMN "row_version" INTEGER NOT NULL DEFAULT 0'
            )
            self._kinds = None
            logger.info("%s: added parcels.row_version", self.path)
        self._conn.execute(
            'CREATE INDEX IF NOT EXISTS "idx_parcels_parcel_id" ON "parcels" ("parcel_id")'
        )
        audit = dict(self._columns("audit"))
        if not audit:
            self._create_audit_table()
        else:
            for name, sql_type in _AUDIT_TYPES.items():
                if name not in audit:
                    self._conn.execute(f'ALTER TABLE "audit" ADD COLUMN {_q(name)} {sql_type}')
        self._conn.execute(
            'CREATE INDEX IF NOT EXISTS "idx_audit_row" ON "audit" ("table_name", "row_id")'
        )

    def _create_audit_table(self) -> None:
        c = self._conn
        c.execute(_AUDIT_DDL)
        c.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "last_change, srs_id) VALUES ('audit', 'attributes', 'audit', "
            "'Tenglong edit log: who, at, table, id, field, before, after', ?, 0)",
            (_gpkg_now(),),
        )
        has_ogr = c.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'"
        ).fetchone()
        if has_ogr:
            c.execute(
                "INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES ('audit', 0)"
            )
            for op, sign in (("insert", "+"), ("delete", "-")):
                c.execute(
                    f'CREATE TRIGGER "trigger_{op}_feature_count_audit" AFTER {op.upper()} ON '
                    f'"audit" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count '
                    f"{sign} 1 WHERE lower(table_name) = lower('audit'); END"
                )
        logger.info("%s: created the audit table", self.path)

    def _parcel_kinds(self) -> dict[str, Kind]:
        with self._lock:
            # another process may have added a column (row_version on its first edit)
            schema_version = self._conn.execute("PRAGMA schema_version").fetchone()[0]
            if self._kinds is None or schema_version != self._kinds_schema:
                kinds: dict[str, Kind] = {}
                for name, declared in self._columns("parcels"):
                    if name == "fid" or name == self._geom_col:
                        continue
                    kinds[name] = kind_of_column("parcels", name, declared)
                kinds[GEOMETRY_FIELD] = "geometry"
                self._kinds, self._kinds_schema = kinds, schema_version
            return dict(self._kinds)

    def _geometry_types(self) -> tuple[str, ...]:
        return self._geom_types

    def _select_parcel(
        self, parcel_id: str, *, for_update: bool
    ) -> tuple[Any, ParcelRecord] | None:
        kinds = self._parcel_kinds()
        names = [n for n in kinds if n != GEOMETRY_FIELD]
        sql = (
            f"SELECT fid, {_q(self._geom_col)}, {', '.join(map(_q, names))} "
            f'FROM "parcels" WHERE "parcel_id" = ?'
        )
        rows = self._conn.execute(sql, (parcel_id,)).fetchall()
        if not rows:
            return None
        if len(rows) > 1:
            raise StoreError(
                f"{self.path}: parcel_id {parcel_id!r} occurs {len(rows)} times; make the ids "
                f"unique (`tenglong info` lists the duplicates) before editing"
            )
        fid, blob, *vals = rows[0]
        values = {n: _from_sqlite(v, kinds[n]) for n, v in zip(names, vals, strict=True)}
        version = int(values.pop("row_version", 0) or 0)
        geom = gpkgblob.decode(blob)[1] if blob is not None else None
        return fid, ParcelRecord(parcel_id, version, values, geom)

    def _update_parcel_row(self, key: Any, values: Mapping[str, Any], row_version: int) -> None:
        sets: list[str] = []
        params: list[Any] = []
        for name, value in values.items():
            if name == GEOMETRY_FIELD:
                sets.append(_q(self._geom_col))
                params.append(gpkgblob.encode(value, self._srs_id))
            else:
                sets.append(_q(name))
                params.append(_to_sqlite(value))
        sets.append('"row_version"')
        params.append(row_version)
        assignments = ", ".join(f"{s} = ?" for s in sets)
        cur = self._conn.execute(
            f'UPDATE "parcels" SET {assignments} WHERE fid = ?', (*params, key)
        )
        if cur.rowcount != 1:
            raise StoreError(f"{self.path}: parcel row {key} vanished during the edit")
        now = _gpkg_now()
        if GEOMETRY_FIELD in values and values[GEOMETRY_FIELD] is not None:
            xmin, ymin, xmax, ymax = values[GEOMETRY_FIELD].bounds
            self._conn.execute(
                "UPDATE gpkg_contents SET last_change = ?, "
                "min_x = min(coalesce(min_x, ?), ?), min_y = min(coalesce(min_y, ?), ?), "
                "max_x = max(coalesce(max_x, ?), ?), max_y = max(coalesce(max_y, ?), ?) "
                "WHERE table_name = 'parcels'",
                (now, xmin, xmin, ymin, ymin, xmax, xmax, ymax, ymax),
            )
        else:
            self._conn.execute(
                "UPDATE gpkg_contents SET last_change = ? WHERE table_name = 'parcels'", (now,)
            )

    def _ensure_lineage_schema(self) -> None:
        cols = dict(self._columns("parcels"))
        for name in LINEAGE_FIELDS:
            if name not in cols:
                self._conn.execute(f'ALTER TABLE "parcels" ADD COLUMN {_q(name)} TEXT')
                self._kinds = None
                logger.info("%s: added parcels.%s", self.path, name)

    def _parcel_bounds(self) -> tuple[float, float, float, float] | None:
        from geo.workspace import layer_bounds

        b = layer_bounds(self.path, "parcels")
        return None if b is None else (b[0], b[1], b[2], b[3])

    def _parcel_ids(self) -> set[str]:
        return {str(r[0]) for r in self._conn.execute('SELECT "parcel_id" FROM "parcels"')}

    def _insert_parcel_row(self, values: Mapping[str, Any], geometry: Any, row_version: int) -> Any:
        names = [n for n in values if n != GEOMETRY_FIELD]
        cols = ", ".join([_q(self._geom_col), *map(_q, names), '"row_version"'])
        params = [gpkgblob.encode(geometry, self._srs_id)]
        params += [_to_sqlite(values[n]) for n in names] + [row_version]
        cur = self._conn.execute(
            f'INSERT INTO "parcels" ({cols}) VALUES ({", ".join("?" * len(params))})', params
        )
        xmin, ymin, xmax, ymax = geometry.bounds
        self._conn.execute(
            "UPDATE gpkg_contents SET last_change = ?, "
            "min_x = min(coalesce(min_x, ?), ?), min_y = min(coalesce(min_y, ?), ?), "
            "max_x = max(coalesce(max_x, ?), ?), max_y = max(coalesce(max_y, ?), ?) "
            "WHERE table_name = 'parcels'",
            (_gpkg_now(), xmin, xmin, ymin, ymin, xmax, xmax, ymax, ymax),
        )
        return cur.lastrowid

    def _insert_audit(self, changes: Sequence[Change]) -> None:
        cols = ", ".join(map(_q, AUDIT_COLUMNS))
        self._conn.executemany(
            f'INSERT INTO "audit" ({cols}) VALUES ({", ".join("?" * len(AUDIT_COLUMNS))})',
            [audit_row(c) for c in changes],
        )
        self._conn.execute(
            "UPDATE gpkg_contents SET last_change = ? WHERE table_name = 'audit'", (_gpkg_now(),)
        )

    def _select_audit(
        self, *, table: str | None, row_id: str | None, since_version: int | None, limit: int | None
    ) -> list[Change]:
        have = dict(self._columns("audit"))
        if not have:
            return []
        select = ", ".join(_q(c) if c in have else "NULL" for c in AUDIT_COLUMNS)
        where: list[str] = []
        params: list[Any] = []
        if table is not None:
            where.append('"table_name" = ?')
            params.append(table)
        if row_id is not None:
            where.append('"row_id" = ?')
            params.append(row_id)
        if since_version is not None and "row_version" in have:
            where.append('"row_version" > ?')
            params.append(since_version)
        sql = f'SELECT {select} FROM "audit"'
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY fid DESC" if limit else " ORDER BY fid"
        if limit:
            sql += f" LIMIT {int(limit)}"
        rows = self._conn.execute(sql, params).fetchall()
        if limit:
            rows.reverse()
        return [_change(r) for r in rows]

    def _ensure_record_table(self, table: str) -> None:
        if gpkg_records.ensure_table(self._conn, table):
            self._kinds = None

    def _select_record(self, table: str, key: str, *, for_update: bool) -> Any:
        return gpkg_records.select_row(self._conn, table, key)

    def _insert_record(self, table: str, values: Mapping[str, Any], row_version: int) -> None:
        gpkg_records.insert_row(self._conn, table, values, row_version)

    def _update_record(
        self, table: str, storage_key: Any, values: Mapping[str, Any], row_version: int
    ) -> None:
        gpkg_records.update_row(self._conn, table, storage_key, values, row_version)

    def _read_record_table(self, table: str) -> pd.DataFrame | None:
        return gpkg_records.read_table(self._conn, table)

    def revision(self) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'audit'"
            ).fetchone()
        return int(row[0]) if row else 0

    def read_tables(
        self,
        *,
        columns: Mapping[str, Collection[str]] | None = None,
        parcel_statuses: Collection[str] | None = None,
    ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
        from geo.store.loading import read_gpkg_tables

        return read_gpkg_tables(self.path, columns=columns, parcel_statuses=parcel_statuses)

    def load_workspace(self, *, validate: bool | None = None, to_crs: Any = None) -> Any:
        if self.role in ("planner", "investment"):
            from geo.workspace import open_workspace

            return open_workspace(self.path, validate=validate is not False, to_crs=to_crs)
        return super().load_workspace(validate=validate, to_crs=to_crs)

    # ------------------------------------------------------------------ maintenance
    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check`` messages; ``["ok"]`` for a sound file."""
        with self._lock:
            return [str(r[0]) for r in self._conn.execute("PRAGMA integrity_check")]


def backup(source: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Copy a GeoPackage consistently while it may be edited (SQLite online backup).

    The copy is a single file in rollback-journal mode, including every
    committed edit (also those still in the ``-wal`` log).
    """
    src = sqlite3.connect(Path(source).resolve().as_uri() + "?mode=ro", uri=True)
    out = Path(dest)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = delete")
        finally:
            dst.close()
        os.replace(tmp, out)
    finally:
        src.close()
        if tmp.exists():
            tmp.unlink()
    return out


def _change(row: Sequence[Any]) -> Change:
    who, at, table, row_id, field, before, after, version, edit_id, note = row
    return Change(
        table=str(table),
        row_id=str(row_id),
        field=str(field),
        before=before,
        after=after,
        who=str(who),
        at=str(at),
        row_version=int(version or 0),
        edit_id=str(edit_id or ""),
        note=note,
    )
