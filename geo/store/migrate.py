"""Copy a workspace between a GeoPackage and a PostGIS schema, both ways, losslessly.

- :func:`gpkg_to_postgis` reads every workspace layer with ``pyogrio`` (feature
  ids kept) and writes the schema in **one** PostgreSQL transaction (COPY):
  on any error nothing is left half-written. Geometry goes as WKB, so
  coordinates are bit-identical; ``parcels.row_version`` and the ``audit``
  table are created when the GeoPackage has none.
- :func:`postgis_to_gpkg` reads the schema and writes a new GeoPackage with
  :func:`geo.workspace.save_workspace` (temporary file renamed into place).

Copying into PostGIS is an edit (planner only); copying out needs a role that
may see internal fields (planner or investment officer).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.access import require_edit, require_internal_view
from geo.schema import TABLES
from geo.store import is_postgres_url
from geo.store.base import AUDIT_COLUMNS
from geo.store.errors import StoreError
from geo.store.loading import parse_dates
from geo.store.model import is_missing, to_date
from geo.store.postgis import AUDIT_TYPES, connect, parse_pg_url, redact_url

logger = logging.getLogger(__name__)

_PG_TYPES = {
    "str": "text",
    "float": "double precision",
    "int": "bigint",
    "bool": "boolean",
    "date": "date",
}


@dataclass(frozen=True)
class MigrationReport:
    """What was copied: rows per table, from where to where."""

    source: str
    dest: str
    rows: dict[str, int]

    def __str__(self) -> str:
        tables = ", ".join(f"{k}={v}" for k, v in self.rows.items())
        return f"copied {self.source} → {self.dest}: {tables}"


def _pandas_kind(table: str, column: str, series: pd.Series) -> str:
    """The PostgreSQL kind of a column read by pyogrio: its dtype, else :mod:`geo.schema`."""
    if column == "row_version":
        return "int"
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    spec = TABLES.get(table)
    col = spec.column(column) if spec is not None else None
    return col.dtype if col is not None else "str"


def _pg_value(value: Any, kind: str) -> Any:
    if is_missing(value):
        return None
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "date":
        return to_date(value)
    return str(value)


def _read_gpkg(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    from geo.workspace import META_TABLE, list_layers

    layers = list_layers(path)
    tables: dict[str, pd.DataFrame] = {}
    for name in layers:
        if name not in TABLES:
            if name != META_TABLE:
                logger.warning("%s: layer %s is not a workspace table; not copied", path, name)
            continue
        is_geo = TABLES[name].geometry is not None
        df = pyogrio.read_dataframe(
            path, layer=name, read_geometry=is_geo, fid_as_index=True, use_arrow=False
        )
        if not is_geo and isinstance(df, gpd.GeoDataFrame):
            df = pd.DataFrame(df.drop(columns=df.geometry.name, errors="ignore"))
        raw = df.copy()
        parse_dates(df, name)
        for col in TABLES[name].columns:
            if col.dtype == "date" and col.name in df.columns:
                lost = raw[col.name].notna() & df[col.name].isna()
                if lost.any():
                    raise StoreError(
                        f"{path}: {name}.{col.name} has values that are not dates "
                        f"({', '.join(map(repr, raw[col.name][lost].head(3)))}); fix them "
                        f"(`tenglong info` lists them) before copying"
                    )
        tables[name] = df
    meta: dict[str, str] = {}
    if META_TABLE in layers:
        mdf = pyogrio.read_dataframe(path, layer=META_TABLE, read_geometry=False)
        meta = {str(k): str(v) for k, v in zip(mdf["key"], mdf["value"], strict=True)}
    if "parcels" not in tables:
        raise StoreError(f"{path} has no parcels layer; it is not a Tenglong workspace")
    return tables, meta


def gpkg_to_postgis(
    path: str | os.PathLike[str], url: str, *, replace: bool = False, role: str = "planner"
) -> MigrationReport:
    """Copy a GeoPackage workspace into the schema named by ``url`` (``?schema=NAME``).

    Parameters
    ----------
    path
        The ``.gpkg`` workspace.
    url
        ``postgresql://user@host:port/db?schema=NAME``; the schema is created.
    replace
        Replace the workspace tables already in the schema (else refuse).

    Raises
    ------
    StoreError
        The schema already holds a workspace (without ``replace``), PostGIS is
        missing, or the data cannot be copied; nothing is written then.
    """
    from psycopg import sql

    require_edit(role, action="write a workspace into PostGIS")
    src = Path(path)
    if not src.is_file():
        raise StoreError(f"{src} does not exist; give a .gpkg workspace")
    tables, meta = _read_gpkg(src)
    _, schema = parse_pg_url(url)
    conn = connect(url)
    rows: dict[str, int] = {}
    try:
        with conn.transaction():
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            except Exception as err:
                raise StoreError(
                    f"{redact_url(url)}: PostGIS is not available ({err}); install "
                    f"postgresql-15-postgis-3 and run CREATE EXTENSION postgis as a superuser"
                ) from None
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            existing = {
                str(r[0])
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                    (schema,),
                )
            } & (set(TABLES) | {"meta"})
            if existing and not replace:
                raise StoreError(
                    f"schema {schema!r} already holds a workspace ({', '.join(sorted(existing))}); "
                    f"choose another ?schema= or pass --replace to overwrite it"
                )
            for name in sorted(existing):
                conn.execute(sql.SQL("DROP TABLE {} CASCADE").format(sql.Identifier(schema, name)))
            if "audit" not in tables:
                tables["audit"] = pd.DataFrame(
                    {c: pd.Series(dtype="object") for c in AUDIT_COLUMNS}
                )
            for name, df in tables.items():
                rows[name] = _copy_table(conn, schema, name, df)
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {} (fid bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
                    "key text NOT NULL, value text)"
                ).format(sql.Identifier(schema, "meta"))
            )
            with conn.cursor().copy(
                sql.SQL("COPY {} (key, value) FROM STDIN").format(sql.Identifier(schema, "meta"))
            ) as cp:
                for k, v in meta.items():
                    cp.write_row((k, v))
            rows["meta"] = len(meta)
            conn.execute(
                sql.SQL("CREATE INDEX ON {} (parcel_id)").format(sql.Identifier(schema, "parcels"))
            )
            conn.execute(
                sql.SQL("CREATE INDEX ON {} (table_name, row_id)").format(
                    sql.Identifier(schema, "audit")
                )
            )
        for name in rows:
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema, name)))
    finally:
        conn.close()
    report = MigrationReport(str(src), redact_url(url), rows)
    logger.info("%s", report)
    return report


def _copy_table(conn: Any, schema: str, name: str, df: pd.DataFrame) -> int:
    from psycopg import sql

    is_geo = isinstance(df, gpd.GeoDataFrame)
    attrs = [c for c in df.columns if not (is_geo and c == df.geometry.name)]
    if name == "parcels" and "row_version" not in attrs:
        df = df.assign(row_version=0)
        attrs.append("row_version")
    if name == "audit":
        for c in AUDIT_COLUMNS:
            if c not in attrs:
                df = df.assign(**{c: None})
                attrs.append(c)
    kinds = {c: _pandas_kind(name, c, df[c]) for c in attrs}
    defs: list[Any] = [sql.SQL("fid bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")]
    for c in attrs:
        if name == "audit" and c == "at":
            pg_type = "timestamptz"
        elif name == "audit" and c in AUDIT_TYPES:
            pg_type = AUDIT_TYPES[c]
        elif name == "parcels" and c == "row_version":
            pg_type = "integer NOT NULL DEFAULT 0"
        else:
            pg_type = _PG_TYPES[kinds[c]]
        defs.append(sql.SQL("{} " + pg_type).format(sql.Identifier(c)))
    srid = None
    if is_geo:
        srid = df.crs.to_epsg() if df.crs is not None else None
        if srid is None:
            raise StoreError(f"{name}: geometry has no EPSG code; store workspaces in EPSG:4490")
        defs.append(sql.SQL("geom geometry(Geometry, {})").format(sql.Literal(srid)))
    table = sql.Identifier(schema, name)
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(defs)))
    col_ids = [sql.Identifier("fid")] + [sql.Identifier(c) for c in attrs]
    if is_geo:
        col_ids.append(sql.Identifier("geom"))
        geoms = shapely.set_srid(np.asarray(df.geometry.values, dtype=object), srid)
        ewkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
    fids = df.index.to_numpy()
    columns = [df[c].to_numpy(dtype=object) for c in attrs]
    with conn.cursor().copy(
        sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(", ").join(col_ids))
    ) as cp:
        for i in range(len(df)):
            values = [_pg_value(col[i], kinds[c]) for c, col in zip(attrs, columns, strict=True)]
            row = [int(fids[i]), *values]
            if is_geo:
                row.append(ewkb[i])
            cp.write_row(row)
    if len(df):
        conn.execute(
            sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'fid'), %s)").format(
                sql.Literal(f'"{schema}"."{name}"')
            ),
            (int(fids.max()),),
        )
    if is_geo:
        conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(table))
    return len(df)


def postgis_to_gpkg(
    url: str, path: str | os.PathLike[str], *, replace: bool = False, role: str = "planner"
) -> MigrationReport:
    """Copy the workspace in a PostGIS schema into a new GeoPackage.

    Raises
    ------
    StoreError
        ``path`` exists (without ``replace``) or is open for editing (its
        ``-wal`` log is not empty), or the schema holds no workspace.
    """
    from geo.store.postgis import PostgisStore
    from geo.workspace import save_workspace

    require_internal_view(role, what="a full copy of the workspace")
    dest = Path(path)
    if dest.exists() and not replace:
        raise StoreError(f"{dest} exists; choose another file or pass --replace")
    wal = dest.with_name(dest.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise StoreError(
            f"{dest} is open for editing ({wal.name} exists); close the app and editors first"
        )
    with PostgisStore(url, user="migrate", role=role) as store:
        tables, meta = store.read_tables()
    save_workspace(tables, dest, meta=meta)
    report = MigrationReport(redact_url(url), str(dest), {k: len(v) for k, v in tables.items()})
    logger.info("%s", report)
    return report


def migrate(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    replace: bool = False,
    role: str = "planner",
) -> MigrationReport:
    """Copy a workspace GeoPackage → PostGIS schema, or PostGIS schema → GeoPackage.

    A PostGIS URL without ``?schema=`` gets the GeoPackage's file name (e.g.
    ``fuxing``) as schema when copying into PostGIS.
    """
    src, dst = str(source), str(dest)
    if is_postgres_url(src) and not is_postgres_url(dst):
        return postgis_to_gpkg(src, dst, replace=replace, role=role)
    if is_postgres_url(dst) and not is_postgres_url(src):
        if "schema=" not in dst:
            dst += ("&" if "?" in dst else "?") + f"schema={Path(src).stem}"
        return gpkg_to_postgis(src, dst, replace=replace, role=role)
    raise StoreError(
        "give one GeoPackage and one postgresql:// URL (in either order); to copy a "
        "GeoPackage use `cp` while nobody edits it, or geo.store.gpkg.backup"
    )
