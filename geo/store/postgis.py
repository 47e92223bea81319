"""The PostGIS store: a workspace as one PostgreSQL schema (shared deployments).

Layout of a workspace schema (written by :func:`geo.store.migrate.gpkg_to_postgis`)
------------------------------------------------------------------------------------
One table per workspace table, named as :data:`geo.schema.TABLES`, each with
``fid bigint`` primary key (the GeoPackage feature id, so row order survives a
round trip), the columns of the GeoPackage (types from :mod:`geo.schema`:
``text``, ``double precision``, ``bigint``, ``boolean``, ``date``) and, for
geometry tables, ``geom geometry(Geometry, 4490)`` with a GiST index.
``parcels`` has ``row_version integer`` and an index on ``parcel_id``;
``audit`` has :data:`geo.store.AUDIT_COLUMNS` (``at`` is ``timestamptz``);
``meta`` holds the key/value pairs.

Transactions and locking
------------------------
An edit is one transaction (READ COMMITTED) that locks the parcel's row with
``SELECT … FOR UPDATE``: edits of different parcels run in parallel, edits of
the same parcel queue, and the second one sees the first one's new
``row_version`` and gets :class:`~geo.store.EditConflict`. ``lock_timeout``
bounds the wait (:class:`~geo.store.StoreBusyError`). Connections of read-only
roles run with ``default_transaction_read_only``, so the server itself
refuses their writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import shapely

from geo.schema import PARENT_COLUMN, RETIRED_COLUMN, TABLES
from geo.store import postgis_records
from geo.store.base import AUDIT_COLUMNS, Store, audit_row
from geo.store.errors import StoreBusyError, StoreError
from geo.store.geometry import LINEAGE_FIELDS
from geo.store.model import GEOMETRY_FIELD, Change, Kind, ParcelRecord, kind_of_column
from geo.store.retry import edit_wait_s

logger = logging.getLogger(__name__)

DEFAULT_SCHEMA = "public"

AT_AS_TEXT = "to_char(\"at\" AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00'"
"""``audit.at`` as the ISO text the GeoPackage store writes."""


def parse_pg_url(url: str) -> tuple[str, str]:
    """Split ``postgresql://…?schema=NAME`` into (libpq URL without ``schema``, schema).

    Examples
    --------
    >>> parse_pg_url("postgresql://u@127.0.0.1:5432/db?schema=fuxing&sslmode=disable")
    ('postgresql://u@127.0.0.1:5432/db?sslmode=disable', 'fuxing')
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA) or DEFAULT_SCHEMA
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


def redact_url(url: str) -> str:
    """A URL without its password, for messages and logs.

    Examples
    --------
    >>> redact_url("postgresql://u:secret@h:5432/db?schema=s")
    'postgresql://u@h:5432/db?schema=s'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = (f"{parts.username}@" if parts.username else "") + host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str, *, read_only: bool = False, lock_timeout_s: float = 10.0) -> Any:
    """A psycopg connection (autocommit, UTC, ``lock_timeout``) or :class:`StoreError`."""
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "the PostGIS store needs psycopg 3: pip install 'psycopg[binary]>=3.1'"
        ) from None

    conninfo, _ = parse_pg_url(url)
    try:
        conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as err:
        raise StoreError(
            f"cannot connect to {redact_url(url)} ({str(err).strip()}); check the host, port "
            f"and database in the URL, that the server runs, and the password "
            f"(PGPASSWORD or ~/.pgpass)"
        ) from None
    conn.execute("SET TIME ZONE 'UTC'")
    conn.execute(f"SET lock_timeout = {int(lock_timeout_s * 1000)}")
    if read_only:
        conn.execute("SET default_transaction_read_only = on")
    return conn


def _ident(*names: str) -> Any:
    from psycopg import sql

    return sql.Identifier(*names)


class PostgisStore(Store):
    """A workspace in a PostGIS schema (see the module docs).

    Parameters
    ----------
    url
        ``postgresql://user@host:port/db?schema=NAME``.
    user, role
        See :class:`geo.store.Store`.
    busy_timeout_s
        How long an edit waits for another edit of the same parcel
        (``lock_timeout``); default ``$TENGLONG_EDIT_WAIT_S`` or 60 s.
    """

    backend = "postgis"

    def __init__(
        self, url: str, *, user: str, role: str = "planner", busy_timeout_s: float | None = None
    ) -> None:
        super().__init__(user=user, role=role)
        busy_timeout_s = edit_wait_s(busy_timeout_s)
        self.url = url
        _, self.schema = parse_pg_url(url)
        self.read_only = self.role != "planner"
        self._busy_timeout_s = busy_timeout_s
        self._closed = False
        self._conn = connect(url, read_only=self.read_only, lock_timeout_s=busy_timeout_s)
        self._schema_ok = False
        self._kinds: dict[str, Kind] | None = None
        try:
            row = self._conn.execute(
                "SELECT f_geometry_column, srid, type FROM geometry_columns "
                "WHERE f_table_schema = %s AND f_table_name = 'parcels'",
                (self.schema,),
            ).fetchone()
        except Exception as err:
            self._conn.close()
            raise StoreError(
                f"{self.target}: cannot read geometry_columns ({err}); is PostGIS installed in "
                f"this database (CREATE EXTENSION postgis)?"
            ) from None
        if row is None:
            self._conn.close()
            raise StoreError(
                f"{self.target}: schema {self.schema!r} has no parcels table with geometry; "
                f"copy a workspace there with `tenglong migrate WORKSPACE.gpkg {redact_url(url)}`"
            )
        self._geom_col, self._srid, gtype = str(row[0]), int(row[1]), str(row[2]).upper()
        self._geom_types = {
            "POLYGON": ("Polygon",),
            "MULTIPOLYGON": ("MultiPolygon", "Polygon"),
        }.get(gtype, ("Polygon", "MultiPolygon"))

    @property
    def target(self) -> str:
        return redact_url(self.url)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._conn.close()

    def _in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        status = self._conn.info.transaction_status
        return status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    def _retry_read(self, read: Callable[[], Any]) -> Any:
        """Run a read; after a dropped connection, reconnect and run it once more."""
        import psycopg

        self._check_conn()
        try:
            return read()
        except psycopg.OperationalError:
            if self._in_transaction() or not self._conn.broken:
                raise
            self._check_conn()
            return read()

    def parcel(self, parcel_id: str) -> ParcelRecord:
        with self._lock:
            return self._retry_read(lambda: super(PostgisStore, self).parcel(parcel_id))

    def revision(self) -> int:
        with self._lock:
            return self._retry_read(self._revision)

    def read_tables(
        self,
        *,
        columns: Mapping[str, Collection[str]] | None = None,
        parcel_statuses: Collection[str] | None = None,
    ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
        with self._lock:
            return self._retry_read(
                lambda: self._read_tables(columns=columns, parcel_statuses=parcel_statuses)
            )

    def _check_conn(self) -> None:
        """Reconnect after the server dropped the connection (restart, network)."""
        if self._closed:
            raise StoreError(f"{self.target}: the store is closed; open it again")
        if self._conn.broken or self._conn.closed:
            logger.warning("%s: connection lost, reconnecting", self.target)
            self._conn = connect(
                self.url, read_only=self.read_only, lock_timeout_s=self._busy_timeout_s
            )

    def _table(self, name: str) -> Any:
        return _ident(self.schema, name)

    # ------------------------------------------------------------------ primitives
    @contextmanager
    def _write_transaction(self) -> Iterator[None]:
        import psycopg

        if self.read_only:
            raise StoreError(f"{self.target} is open read-only (role {self.role})")
        self._check_conn()
        try:
            try:
                with self._conn.transaction():
                    yield
            except BaseException:
                # a rolled-back edit may have added columns (row_version, lineage): read again
                self._kinds, self._schema_ok = None, False
                raise
        except psycopg.errors.LockNotAvailable:
            raise StoreBusyError(
                f"{self.target}: the parcel is being saved by another editor; try again"
            ) from None
        except psycopg.errors.DeadlockDetected:
            raise StoreBusyError(f"{self.target}: edit collided with another; try again") from None
        except (psycopg.errors.DiskFull, psycopg.errors.OutOfMemory) as err:
            raise StoreError(
                f"{self.target}: the database server has no room to save the edit "
                f"(SQLSTATE {err.sqlstate}: {err.diag.message_primary}); nothing was saved and "
                f"the workspace is unchanged. Ask the database administrator to free space on "
                f"the server's data volume, then save again"
            ) from None
        except psycopg.errors.ReadOnlySqlTransaction:
            raise StoreError(
                f"{self.target}: the database server accepts no writes (a read-only standby or "
                f"a read-only database); nothing was saved. Connect to the primary server to edit"
            ) from None
        except psycopg.OperationalError as err:
            raise StoreError(f"{self.target}: the edit failed ({err}); nothing was saved") from None

    def _columns(self, table: str) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (self.schema, table),
        ).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def _ensure_edit_schema(self) -> None:
        if self._schema_ok:
            return
        parcels = dict(self._columns("parcels"))
        audit = dict(self._columns("audit"))
        if "row_version" in parcels and all(c in audit for c in AUDIT_COLUMNS):
            self._schema_ok = True
            return
        from psycopg import sql

        # serialise the upgrade between processes; released at commit
        self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"tenglong:{self.schema}",)
        )
        self._conn.execute(
            sql.SQL(
                "ALTER TABLE {} ADD COLUMN IF NOT EXISTS row_version integer NOT NULL DEFAULT 0"
            ).format(self._table("parcels"))
        )
        self._conn.execute(sql.SQL(AUDIT_DDL).format(self._table("audit")))
        for name, sql_type in AUDIT_TYPES.items():
            self._conn.execute(
                sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} " + sql_type).format(
                    self._table("audit"), _ident(name)
                )
            )
        self._kinds = None

    def _parcel_kinds(self) -> dict[str, Kind]:
        with self._lock:
            if self._kinds is None or "row_version" not in self._kinds:
                if not self._in_transaction():
                    self._check_conn()  # a failed edit may have left a dropped connection
                kinds: dict[str, Kind] = {}
                for name, declared in self._columns("parcels"):
                    if name in ("fid", self._geom_col):
                        continue
                    kinds[name] = kind_of_column("parcels", name, declared)
                kinds[GEOMETRY_FIELD] = "geometry"
                self._kinds = kinds
            return dict(self._kinds)

    def _geometry_types(self) -> tuple[str, ...]:
        return self._geom_types

    def _select_parcel(
        self, parcel_id: str, *, for_update: bool
    ) -> tuple[Any, ParcelRecord] | None:
        from psycopg import sql

        kinds = self._parcel_kinds()
        names = [n for n in kinds if n != GEOMETRY_FIELD]
        query = sql.SQL(
            "SELECT fid, ST_AsBinary({g}), {cols} FROM {t} WHERE parcel_id = %s"
        ).format(
            g=_ident(self._geom_col),
            cols=sql.SQL(", ").join(_ident(n) for n in names),
            t=self._table("parcels"),
        )
        if for_update:
            query += sql.SQL(" FOR UPDATE")
        rows = self._conn.execute(query, (parcel_id,)).fetchall()
        if not rows:
            return None
        if len(rows) > 1:
            raise StoreError(
                f"{self.target}: parcel_id {parcel_id!r} occurs {len(rows)} times; make the ids "
                f"unique before editing"
            )
        fid, wkb, *vals = rows[0]
        values = {n: _from_pg(v, kinds[n]) for n, v in zip(names, vals, strict=True)}
        version = int(values.pop("row_version", 0) or 0)
        geom = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
        return fid, ParcelRecord(parcel_id, version, values, geom)

    def _update_parcel_row(self, key: Any, values: Mapping[str, Any], row_version: int) -> None:
        from psycopg import sql

        sets: list[Any] = []
        params: list[Any] = []
        for name, value in values.items():
            if name == GEOMETRY_FIELD:
                sets.append(sql.SQL("{} = ST_GeomFromWKB(%s, %s)").format(_ident(self._geom_col)))
                params += [None if value is None else shapely.to_wkb(value), self._srid]
            else:
                sets.append(sql.SQL("{} = %s").format(_ident(name)))
                params.append(value)
        sets.append(sql.SQL("row_version = %s"))
        params.append(row_version)
        query = sql.SQL("UPDATE {} SET {} WHERE fid = %s").format(
            self._table("parcels"), sql.SQL(", ").join(sets)
        )
        cur = self._conn.execute(query, (*params, key))
        if cur.rowcount != 1:
            raise StoreError(f"{self.target}: parcel row {key} vanished during the edit")

    def _ensure_lineage_schema(self) -> None:
        from psycopg import sql

        cols = dict(self._columns("parcels"))
        types = {PARENT_COLUMN: "text", RETIRED_COLUMN: "date"}
        for name in LINEAGE_FIELDS:
            if name not in cols:
                self._conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"tenglong:{self.schema}",)
                )
                self._conn.execute(
                    sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} " + types[name]).format(
                        self._table("parcels"), _ident(name)
                    )
                )
                self._kinds = None

    def _parcel_bounds(self) -> tuple[float, float, float, float] | None:
        from psycopg import sql

        q = sql.SQL(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent({}) AS e FROM {}) AS x"
        ).format(_ident(self._geom_col), self._table("parcels"))
        row = self._conn.execute(q).fetchone()
        return None if row is None or row[0] is None else tuple(float(v) for v in row)  # type: ignore[return-value]

    def _parcel_ids(self) -> set[str]:
        from psycopg import sql

        q = sql.SQL("SELECT parcel_id FROM {}").format(self._table("parcels"))
        return {str(r[0]) for r in self._conn.execute(q).fetchall()}

    def _insert_parcel_row(self, values: Mapping[str, Any], geometry: Any, row_version: int) -> Any:
        from psycopg import sql

        names = [n for n in values if n != GEOMETRY_FIELD]
        query = sql.SQL(
            "INSERT INTO {} ({}) VALUES (ST_GeomFromWKB(%s, %s), {}) RETURNING fid"
        ).format(
            self._table("parcels"),
            sql.SQL(", ").join(
                [_ident(self._geom_col), *(_ident(n) for n in names), _ident("row_version")]
            ),
            sql.SQL(", ").join(sql.Placeholder() * (len(names) + 1)),
        )
        params = [shapely.to_wkb(geometry), self._srid, *(values[n] for n in names), row_version]
        return self._conn.execute(query, params).fetchone()[0]

    def _insert_audit(self, changes: Sequence[Change]) -> None:
        from psycopg import sql

        query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            self._table("audit"),
            sql.SQL(", ").join(_ident(c) for c in AUDIT_COLUMNS),
            sql.SQL(", ").join(sql.Placeholder() * len(AUDIT_COLUMNS)),
        )
        with self._conn.cursor() as cur:
            cur.executemany(
                query,
                [audit_row(c) for c in changes],
            )

    def _select_audit(
        self, *, table: str | None, row_id: str | None, since_version: int | None, limit: int | None
    ) -> list[Change]:
        def read() -> list[Change]:
            return self._select_audit_now(
                table=table, row_id=row_id, since_version=since_version, limit=limit
            )

        return read() if self._in_transaction() else self._retry_read(read)

    def _select_audit_now(
        self, *, table: str | None, row_id: str | None, since_version: int | None, limit: int | None
    ) -> list[Change]:
        from psycopg import sql

        if not self._columns("audit"):
            return []
        cols = [sql.SQL(AT_AS_TEXT) if c == "at" else _ident(c) for c in AUDIT_COLUMNS]
        where: list[Any] = []
        params: list[Any] = []
        if table is not None:
            where.append(sql.SQL("table_name = %s"))
            params.append(table)
        if row_id is not None:
            where.append(sql.SQL("row_id = %s"))
            params.append(row_id)
        if since_version is not None:
            where.append(sql.SQL("row_version > %s"))
            params.append(since_version)
        query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(cols), self._table("audit"))
        if where:
            query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where)
        query += sql.SQL(" ORDER BY fid DESC LIMIT %s" if limit else " ORDER BY fid")
        if limit:
            params.append(int(limit))
        rows = self._conn.execute(query, params).fetchall()
        if limit:
            rows.reverse()
        return [
            Change(
                table=str(t),
                row_id=str(r),
                field=str(f),
                before=b,
                after=a,
                who=str(w),
                at=str(at),
                row_version=int(v or 0),
                edit_id=str(e or ""),
                note=n,
            )
            for w, at, t, r, f, b, a, v, e, n in rows
        ]

    def _ensure_record_table(self, table: str) -> None:
        postgis_records.ensure_table(self._conn, self.schema, table)

    def _select_record(self, table: str, key: str, *, for_update: bool) -> Any:
        def read() -> Any:
            return postgis_records.select_row(
                self._conn, self.schema, table, key, for_update=for_update
            )

        return read() if self._in_transaction() else self._retry_read(read)

    def _insert_record(self, table: str, values: Mapping[str, Any], row_version: int) -> None:
        postgis_records.insert_row(self._conn, self.schema, table, values, row_version)

    def _update_record(
        self, table: str, storage_key: Any, values: Mapping[str, Any], row_version: int
    ) -> None:
        postgis_records.update_row(self._conn, self.schema, table, storage_key, values, row_version)

    def _read_record_table(self, table: str) -> pd.DataFrame | None:
        return self._retry_read(lambda: postgis_records.read_table(self._conn, self.schema, table))

    def _revision(self) -> int:
        from psycopg import sql

        with self._lock:
            if not self._columns("audit"):
                return 0
            row = self._conn.execute(
                sql.SQL("SELECT coalesce(max(fid), 0) FROM {}").format(self._table("audit"))
            ).fetchone()
        return int(row[0])

    def _read_tables(
        self,
        *,
        columns: Mapping[str, Collection[str]] | None,
        parcel_statuses: Collection[str] | None,
    ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
        from psycopg import sql

        from geo.store.loading import parse_dates

        with self._lock:
            present = {
                str(r[0])
                for r in self._conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (self.schema,),
                )
            }
            geo_cols = {
                str(r[0]): (str(r[1]), int(r[2]))
                for r in self._conn.execute(
                    "SELECT f_table_name, f_geometry_column, srid FROM geometry_columns "
                    "WHERE f_table_schema = %s",
                    (self.schema,),
                )
            }
            tables: dict[str, pd.DataFrame] = {}
            for name in TABLES:
                if name not in present or (columns is not None and name not in columns):
                    continue
                cols = self._columns(name)
                geom = geo_cols.get(name)
                names = [c for c, _ in cols if c != "fid" and (geom is None or c != geom[0])]
                if columns is not None:
                    wanted = set(columns[name])
                    names = [c for c in names if c in wanted]
                select = [
                    sql.SQL(AT_AS_TEXT) if (name == "audit" and c == "at") else _ident(c)
                    for c in names
                ]
                if geom is not None:
                    select.append(sql.SQL("ST_AsBinary({})").format(_ident(geom[0])))
                query = sql.SQL("SELECT {} FROM {}").format(
                    sql.SQL(", ").join(select) if select else sql.SQL("fid"), self._table(name)
                )
                params: list[Any] = []
                # a restricted read may leave out retired_on: drop retired parcels in SQL
                live = (columns is not None or parcel_statuses is not None) and (
                    RETIRED_COLUMN in dict(self._columns("parcels"))
                )
                alive = sql.SQL(f" AND {RETIRED_COLUMN} IS NULL" if live else "")
                gone = sql.SQL(f" OR {RETIRED_COLUMN} IS NOT NULL" if live else "")
                if parcel_statuses is not None and name == "parcels":
                    query += sql.SQL(" WHERE status = ANY(%s)") + alive
                    params.append(sorted(parcel_statuses))
                elif parcel_statuses is not None and name == "milestones":
                    query += sql.SQL(
                        " WHERE subject_id NOT IN (SELECT parcel_id FROM {} WHERE parcel_id IS "
                        "NOT NULL AND (status IS NULL OR NOT status = ANY(%s){}))"
                    ).format(self._table("parcels"), gone)
                    params.append(sorted(parcel_statuses))
                elif live and name == "parcels":
                    query += sql.SQL(f" WHERE {RETIRED_COLUMN} IS NULL")
                query += sql.SQL(" ORDER BY fid")
                rows = self._conn.execute(query, params).fetchall()
                kinds = {c: kind_of_column(name, c, t) for c, t in cols}
                data = (
                    {c: _column([r[i] for r in rows], kinds[c]) for i, c in enumerate(names)}
                    if select
                    else {}
                )
                df = pd.DataFrame(data, columns=names)
                if geom is not None:
                    geoms = [None if r[-1] is None else bytes(r[-1]) for r in rows]
                    df = gpd.GeoDataFrame(
                        df,
                        geometry=gpd.GeoSeries.from_wkb(geoms, crs=geom[1]).values,
                        crs=geom[1],
                    )
                tables[name] = parse_dates(df, name)
            meta: dict[str, str] = {}
            if "meta" in present:
                q = sql.SQL("SELECT key, value FROM {} ORDER BY fid").format(self._table("meta"))
                meta = {str(k): str(v) for k, v in self._conn.execute(q).fetchall()}
        return tables, meta


AUDIT_DDL = (
    "CREATE TABLE IF NOT EXISTS {} (fid bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
    "who text, at timestamptz, table_name text, row_id text, field text, before text, "
    "after text, row_version integer, edit_id text, note text)"
)
AUDIT_TYPES = {"row_version": "integer", "edit_id": "text", "note": "text"}


def _from_pg(value: Any, kind: Kind) -> Any:
    if value is None:
        return None
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    return value


def _column(values: list[Any], kind: Kind) -> Any:
    """A pandas column typed as pyogrio would read it from a GeoPackage."""
    has_null = any(v is None for v in values)
    if kind == "float":
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
    if kind == "int":
        if has_null:
            return pd.Series(values, dtype="Int64")
        return pd.Series(values, dtype="int64")
    if kind == "bool" and not has_null:
        return pd.Series(values, dtype="bool")
    if kind == "str":
        return pd.Series(values, dtype="str")
    return pd.Series(values, dtype="object")
