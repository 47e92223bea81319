"""GeoPackage primitives of the record tables (:mod:`geo.store.records`).

A record table is a GeoPackage attribute table (``gpkg_contents.data_type =
'attributes'``) with ``fid``, the :mod:`geo.schema` columns (dates as ISO
text, as :func:`geo.workspace.save_workspace` writes them) and
``row_version``; GDAL's feature-count triggers are added when the file has
``gpkg_ogr_contents``, so GDAL and QGIS read it as they read the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.schema import TABLES
from geo.store.model import Kind, kind_of_column, to_date
from geo.store.records import RecordRow

logger = logging.getLogger(__name__)

SQLITE_TYPES: dict[str, str] = {
    "str": "TEXT",
    "date": "TEXT",
    "float": "REAL",
    "int": "INTEGER",
    "bool": "BOOLEAN",
}
"""Declared type of a :mod:`geo.schema` column kind in a GeoPackage."""


def q(name: str) -> str:
    """An SQLite identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def gpkg_now() -> str:
    """The time as GeoPackage's ``last_change`` text."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def from_sqlite(value: Any, kind: Kind) -> Any:
    """A stored value as the Python type of its kind."""
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "date":
        try:
            return to_date(value)
        except ValueError:
            return value  # keep what is stored; validation reports it
    if kind == "float":
        return float(value)
    if kind == "int":
        return int(value)
    return value


def to_sqlite(value: Any) -> Any:
    """A Python value as SQLite stores it (dates as ISO text, booleans as 0/1)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(name, declared type) of a table's columns; empty when it does not exist."""
    return [(str(r[1]), str(r[2])) for r in conn.execute(f"PRAGMA table_info({q(table)})")]


def register_attribute_table(conn: sqlite3.Connection, table: str, description: str) -> None:
    """Add a new attribute table to ``gpkg_contents`` (and GDAL's feature counts)."""
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
        "last_change, srs_id) VALUES (?, 'attributes', ?, ?, ?, 0)",
        (table, table, description, gpkg_now()),
    )
    has_ogr = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'"
    ).fetchone()
    if has_ogr:
        conn.execute(
            "INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, 0)", (table,)
        )
        for op, sign in (("insert", "+"), ("delete", "-")):
            conn.execute(
                f"CREATE TRIGGER {q(f'trigger_{op}_feature_count_{table}')} AFTER {op.upper()} "
                f"ON {q(table)} BEGIN UPDATE gpkg_ogr_contents SET feature_count = "
                f"feature_count {sign} 1 WHERE lower(table_name) = lower('{table}'); END"
            )


def ensure_table(conn: sqlite3.Connection, table: str) -> bool:
    """Create the record table or add its missing columns; True when something changed."""
    spec = TABLES[table]
    have = dict(columns(conn, table))
    if not have:
        cols = ", ".join(f"{q(c.name)} {SQLITE_TYPES[c.dtype]}" for c in spec.columns)
        conn.execute(
            f'CREATE TABLE {q(table)} ("fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, '
            f'{cols}, "row_version" INTEGER NOT NULL DEFAULT 0)'
        )
        register_attribute_table(conn, table, f"Tenglong {spec.en}")
        logger.info("created the %s table", table)
        changed = True
    else:
        changed = False
        for c in spec.columns:
            if c.name not in have:
                conn.execute(
                    f"ALTER TABLE {q(table)} ADD COLUMN {q(c.name)} {SQLITE_TYPES[c.dtype]}"
                )
                changed = True
        if "row_version" not in have:
            conn.execute(
                f'ALTER TABLE {q(table)} ADD COLUMN "row_version" INTEGER NOT NULL DEFAULT 0'
            )
            changed = True
    conn.execute(
        f"CREATE INDEX IF NOT EXISTS {q(f'idx_{table}_{spec.key}')} ON {q(table)} ({q(spec.key)})"  # type: ignore[arg-type]
    )
    return changed


def kinds_of(conn: sqlite3.Connection, table: str) -> dict[str, Kind]:
    """Stored column → kind, without ``fid``."""
    return {
        name: kind_of_column(table, name, declared)
        for name, declared in columns(conn, table)
        if name != "fid"
    }


def select_row(conn: sqlite3.Connection, table: str, key: str) -> tuple[Any, RecordRow] | None:
    """(fid, row) of the row with that key, or None (also when the table is absent)."""
    kinds = kinds_of(conn, table)
    if not kinds:
        return None
    names = list(kinds)
    key_col = TABLES[table].key
    rows = conn.execute(
        f"SELECT fid, {', '.join(map(q, names))} FROM {q(table)} WHERE {q(key_col)} = ?",  # type: ignore[arg-type]
        (key,),
    ).fetchall()
    if not rows:
        return None
    if len(rows) > 1:
        from geo.store.errors import StoreError

        raise StoreError(
            f"{table}: {key_col} {key!r} occurs {len(rows)} times; make it unique before editing"
        )
    fid, *vals = rows[0]
    values = {n: from_sqlite(v, kinds[n]) for n, v in zip(names, vals, strict=True)}
    version = int(values.pop("row_version", 0) or 0)
    return fid, RecordRow(table, key, version, values)


def insert_row(
    conn: sqlite3.Connection, table: str, values: Mapping[str, Any], row_version: int
) -> None:
    """Insert one row."""
    names = [*values, "row_version"]
    conn.execute(
        f"INSERT INTO {q(table)} ({', '.join(map(q, names))}) "
        f"VALUES ({', '.join('?' * len(names))})",
        [*(to_sqlite(v) for v in values.values()), row_version],
    )
    conn.execute(
        "UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?", (gpkg_now(), table)
    )


def update_row(
    conn: sqlite3.Connection, table: str, fid: Any, values: Mapping[str, Any], row_version: int
) -> None:
    """Write field values and ``row_version`` of the row ``fid``."""
    names = [*values, "row_version"]
    params = [*(to_sqlite(v) for v in values.values()), row_version, fid]
    cur = conn.execute(
        f"UPDATE {q(table)} SET {', '.join(f'{q(n)} = ?' for n in names)} WHERE fid = ?", params
    )
    if cur.rowcount != 1:
        from geo.store.errors import StoreError

        raise StoreError(f"{table} row {fid} vanished during the edit")
    conn.execute(
        "UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?", (gpkg_now(), table)
    )


def read_table(conn: sqlite3.Connection, table: str) -> pd.DataFrame | None:
    """The whole table with ``row_version`` (dates parsed), in ``fid`` order; None when absent."""
    from geo.workspace import parse_dates

    kinds = kinds_of(conn, table)
    if not kinds:
        return None
    names = list(kinds)
    rows = conn.execute(
        f"SELECT {', '.join(map(q, names))} FROM {q(table)} ORDER BY fid"
    ).fetchall()
    df = pd.DataFrame([list(r) for r in rows], columns=names, dtype=object)
    for name, kind in kinds.items():
        if name == "row_version":
            df[name] = pd.Series([int(v or 0) for v in df[name]], dtype="int64")
        elif kind == "float":
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")
        elif kind == "int":
            df[name] = pd.array(df[name].tolist(), dtype="Int64")
    return parse_dates(df, table)
