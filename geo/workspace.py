"""Workspaces: one GeoPackage (the embedded default) holding the tables of docs/architecture.md §3.

Storage conventions
-------------------
- One GeoPackage layer per table, named exactly as :data:`geo.schema.TABLES`.
- Geometry stored in CGCS2000 geographic (EPSG:4490).
- Dates stored as ISO ``YYYY-MM-DD`` text; read back as ``datetime64``.
- A ``meta`` attribute table of ``key``/``value`` text pairs: ``name``,
  ``name_en``, ``adcode``, ``schematic`` ("1" for demo data), and
  ``published_*`` figures the workspace reproduces.

:func:`open_workspace` returns a :class:`Workspace` whose geometry tables are in
one projected CRS (the CGCS2000 GK zone of the data) with a fresh ``area_m2``
and ``area_mu`` computed from geometry; validation problems are collected in
``Workspace.problems`` and never silently fixed.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo import crs as crs_mod
from geo.errors import OperationError
from geo.gdal import gdal_message
from geo.schema import REQUIRED_TABLES, RETIRED_COLUMN, TABLES

logger = logging.getLogger(__name__)

META_TABLE = "meta"

# GDAL reopens a WAL workspace on a read-only mount as immutable by itself, and says so
# as a RuntimeWarning on every read: reading such a workspace is supported, not a problem.
warnings.filterwarnings(
    "ignore", message=r".*WAL-enabled database.*IMMUTABLE=YES", category=RuntimeWarning
)


class WorkspaceError(OperationError):
    """A workspace cannot be opened or saved; the message says what to do."""


@dataclass
class Workspace:
    """Validated tables of one workspace, geometry in one projected CRS.

    Attributes
    ----------
    path
        The GeoPackage file.
    tables
        ``GeoDataFrame`` for geometry tables, ``DataFrame`` for attribute tables.
    crs
        The projected CRS (CGCS2000 GK zone) every geometry table is in.
    meta
        The ``meta`` key/value pairs.
    problems
        Validation problems (:class:`geo.validate.Problem`); empty when valid.
    """

    path: Path
    tables: dict[str, pd.DataFrame]
    crs: CRS
    meta: dict[str, str] = field(default_factory=dict)
    problems: list[Any] = field(default_factory=list)
    retired: pd.DataFrame | None = None
    """Retired parcels (:data:`geo.schema.RETIRED_COLUMN` set), projected like
    the others: kept for lineage and new ids, never in :attr:`tables`."""

    @property
    def retired_ids(self) -> set[str]:
        """The ids of the retired parcels (empty when there are none)."""
        if self.retired is None or not len(self.retired):
            return set()
        return set(self.retired["parcel_id"].astype(str))

    token: str = ""
    """The revision it was read at (:func:`geo.dataset.revision_of`); "" when unknown."""
    url: str = ""
    """The PostGIS URL it was read from, without its password; "" for a file."""

    # The in-memory backend of :class:`geo.dataset.Dataset` (docs/architecture.md §9).

    def revision(self) -> str:
        """The revision token it was read at; ``memory:<id>`` for tables built in memory."""
        return self.token or f"memory:{id(self):x}"

    @property
    def n_parcels(self) -> int:
        parcels = self.tables.get("parcels")
        return 0 if parcels is None else len(parcels)

    @property
    def parcel_columns(self) -> list[str]:
        parcels = self.tables.get("parcels")
        return [] if parcels is None else list(parcels.columns)

    def bounds(self) -> tuple[float, float, float, float] | None:
        """The parcels' extent in :attr:`crs`, or None without parcels."""
        parcels = self.tables.get("parcels")
        if parcels is None or not len(parcels):
            return None
        b = parcels.total_bounds
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    def read(
        self,
        table: str = "parcels",
        *,
        columns: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
    ) -> pd.DataFrame:
        """Some columns and rows of a table (a view of the tables in memory).

        Parameters
        ----------
        columns
            The columns (``geometry`` of a geometry table always); None: all.
        statuses
            Only the rows of these statuses (tables with a ``status`` column).
        bbox
            Only the rows whose bounding box meets this box (geometry tables).
        """
        df = self[table]
        if statuses is not None and "status" in df.columns:
            df = df[df["status"].isin([str(s) for s in statuses])]
        if bbox is not None and isinstance(df, gpd.GeoDataFrame):
            df = df.iloc[np.sort(df.sindex.query(shapely.box(*bbox)))]
        if columns is not None:
            cols = list(dict.fromkeys(columns))
            if isinstance(df, gpd.GeoDataFrame) and df.geometry.name not in cols:
                cols.append(df.geometry.name)
            df = df[[c for c in cols if c in df.columns]]
        return df

    def to_workspace(self) -> Workspace:
        """Itself: every table is in memory already."""
        return self

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(
                f"workspace {self.path.name} has no table {name!r}; "
                f"it has {', '.join(sorted(self.tables))}"
            ) from None

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def table(self, name: str) -> pd.DataFrame:
        """A table, or an empty one with the schema's columns when the workspace lacks it.

        Old workspaces have no supply tables (``contracts``, ``idle_cases``,
        ``idle_exemptions``): they read as empty, and nothing is written.
        """
        found = self.tables.get(name)
        return found if found is not None else empty_table(name)

    @property
    def parcels(self) -> gpd.GeoDataFrame:
        return self["parcels"]  # type: ignore[return-value]

    @property
    def areas(self) -> gpd.GeoDataFrame:
        return self["areas"]  # type: ignore[return-value]

    @property
    def is_valid(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def name(self) -> str:
        return self.meta.get("name", self.path.stem)

    @property
    def schematic(self) -> bool:
        return self.meta.get("schematic", "0") == "1"


def empty_table(name: str) -> pd.DataFrame:
    """An empty attribute table with the columns and dtypes of :data:`geo.schema.TABLES`.

    Examples
    --------
    >>> list(empty_table("idle_exemptions").columns)[:3]
    ['exemption_id', 'case_id', 'cause']
    """
    spec = TABLES[name]
    dtypes = {"str": "object", "int": "Int64", "float": "float64", "bool": "object"}
    return pd.DataFrame(
        {
            c.name: pd.Series([], dtype="datetime64[ns]" if c.dtype == "date" else dtypes[c.dtype])
            for c in spec.columns
        }
    )


def list_layers(path: str | os.PathLike[str]) -> list[str]:
    """Names of the layers in a GeoPackage."""
    import pyogrio

    return [str(name) for name, _ in pyogrio.list_layers(path)]


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str | bytes) and bool(pd.isna(value)))


def parse_dates(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Date columns of :mod:`geo.schema` as ``datetime64`` (ISO text, dates or timestamps in)."""
    spec = TABLES.get(table)
    if spec is None:
        return df
    for col in spec.columns:
        if (
            col.dtype == "date"
            and col.name in df.columns
            and not pd.api.types.is_datetime64_any_dtype(df[col.name])
        ):
            text = df[col.name].map(lambda v: None if _missing(v) else str(v))
            df[col.name] = pd.to_datetime(text, errors="coerce", format="ISO8601")
    return df


def read_table(path: str | os.PathLike[str], table: str) -> pd.DataFrame:
    """Read one table as stored (geometry tables stay in their stored CRS)."""
    import pyogrio

    spec = TABLES.get(table)
    is_geo = spec is not None and spec.geometry is not None
    df = pyogrio.read_dataframe(path, layer=table, read_geometry=is_geo, use_arrow=False)
    if not is_geo and isinstance(df, gpd.GeoDataFrame):
        df = pd.DataFrame(df.drop(columns=df.geometry.name, errors="ignore"))
    return parse_dates(df, table)


def split_retired(parcels: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(live parcels, retired parcels or None): the one place retired parcels are set aside.

    A parcel is retired when :data:`geo.schema.RETIRED_COLUMN` holds a date
    (docs/architecture.md §3). Without that column every parcel is live and
    the frame is returned as it is.

    Examples
    --------
    >>> live, retired = split_retired(pd.DataFrame({"parcel_id": ["A", "B"],
    ...                                             "retired_on": [None, "2025-01-02"]}))
    >>> list(live["parcel_id"]), list(retired["parcel_id"])
    (['A'], ['B'])
    """
    if RETIRED_COLUMN not in parcels.columns:
        return parcels, None
    gone = parcels[RETIRED_COLUMN].notna().to_numpy()
    if not gone.any():
        return parcels, parcels.iloc[0:0]
    return parcels.loc[~gone].copy(), parcels.loc[gone].copy()


LIVE_PARCELS_SQL = f"{RETIRED_COLUMN} IS NULL"
"""The OGR SQL / SQL filter of live parcels (see :func:`split_retired`)."""


def _workspace_layers(p: Path) -> list[str]:
    """The layers of workspace GeoPackage ``p``; a clear error when it is not one."""
    if not p.exists():
        raise WorkspaceError(
            f"workspace file {p} does not exist; build the demo workspaces with "
            f"`tenglong demo build --out data/` or give the path of a .gpkg file"
        )
    try:
        layers = list_layers(p)
    except Exception as err:  # pyogrio raises DataSourceError subclasses of Exception
        raise WorkspaceError(
            f"{p} cannot be read as a GeoPackage ({gdal_message(err)}); check that it is a .gpkg "
            f"workspace and not truncated"
        ) from err
    missing = [t for t in REQUIRED_TABLES if t not in layers]
    if missing:
        raise WorkspaceError(
            f"{p.name} lacks the table(s) {', '.join(missing)}; a workspace needs "
            f"{', '.join(REQUIRED_TABLES)} (see docs/architecture.md §3)"
        )
    return layers


def open_workspace(
    path: str | os.PathLike[str], *, validate: bool = True, to_crs: Any = None
) -> Workspace:
    """Open a workspace GeoPackage: read, project to one GK zone, validate.

    Parameters
    ----------
    path
        A ``.gpkg`` file.
    validate
        Run :func:`geo.validate.validate_workspace` and fill ``problems``.
    to_crs
        Force a projected CRS instead of the GK zone chosen from the parcels.

    Raises
    ------
    WorkspaceError
        The file is missing, not a GeoPackage, or lacks a required table.
    geo.crs.MissingCRSError
        A geometry table has no CRS.
    """
    p = Path(path)
    layers = _workspace_layers(p)
    tables: dict[str, pd.DataFrame] = {}
    for name in layers:
        if name in TABLES:
            tables[name] = read_table(p, name)
    meta = _read_meta(p, layers)

    ws = workspace_from_tables(
        tables, meta=meta, path=p, validate=validate, to_crs=to_crs, what=p.name
    )
    logger.info(
        "opened %s: %s in %s, %d problem(s)",
        p.name,
        ", ".join(f"{k}={len(v)}" for k, v in ws.tables.items()),
        ws.crs.to_string(),
        len(ws.problems),
    )
    return ws


def _read_meta(p: Path, layers: list[str]) -> dict[str, str]:
    import pyogrio

    if META_TABLE not in layers:
        return {}
    mdf = pyogrio.read_dataframe(p, layer=META_TABLE, read_geometry=False)
    return {str(k): str(v) for k, v in zip(mdf["key"], mdf["value"], strict=True)}


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def layer_bounds(path: str | os.PathLike[str], layer: str) -> tuple[float, ...] | None:
    """Total bounds of the non-empty geometries of a GeoPackage layer, without reading them.

    Read from the layer's spatial index (R-tree) when it has one: its boxes
    are single-precision and rounded outwards, so the result may be larger
    than the true bounds by about 1e-7 relative. Without an index, the
    envelopes of the stored geometries are scanned (exact). None when the
    layer has no geometry.
    """
    import sqlite3

    import pyogrio

    p = Path(path)
    try:
        con = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = con.execute(
                "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)
            ).fetchone()
            if row is None:
                return None
            rtree = f"rtree_{layer}_{row[0]}"
            has_index = con.execute(
                "SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND column_name = ? "
                "AND extension_name = 'gpkg_rtree_index'",
                (layer, row[0]),
            ).fetchone()
            if has_index:
                b = con.execute(
                    f"SELECT MIN(minx), MIN(miny), MAX(maxx), MAX(maxy) FROM {_sql_name(rtree)}"
                ).fetchone()
                return None if b is None or b[0] is None else tuple(float(v) for v in b)
            geom = row[0]
        finally:
            con.close()
    except sqlite3.Error:
        geom = str(pyogrio.read_info(p, layer=layer).get("geometry_name") or "geom")
    g = _sql_name(geom)
    df = pyogrio.read_dataframe(
        p,
        sql=f"SELECT MIN(ST_MinX({g})) AS xmin, MIN(ST_MinY({g})) AS ymin, "
        f"MAX(ST_MaxX({g})) AS xmax, MAX(ST_MaxY({g})) AS ymax FROM {_sql_name(layer)} "
        f"WHERE {g} IS NOT NULL AND NOT ST_IsEmpty({g})",
        read_geometry=False,
    )
    if not len(df) or pd.isna(df.iloc[0]).any():
        return None
    return tuple(float(v) for v in df.iloc[0])


def _exact_bounds(path: Path, layer: str) -> tuple[float, ...] | None:
    import pyogrio

    df = pyogrio.read_dataframe(path, layer=layer, columns=[], use_arrow=True)
    valid = df.geometry[~(df.geometry.isna() | df.geometry.is_empty)]
    return None if valid.empty else tuple(float(v) for v in valid.total_bounds)


def _selection_crs(path: Path, stored: Any, *, what: str) -> CRS:
    """The GK zone :func:`open_workspace` chooses, from the extent of every parcel."""
    import pyogrio

    bounds = layer_bounds(path, "parcels")
    if bounds is not None:
        lon, _ = crs_mod._bounds_center_lonlat(bounds, stored)
        if crs_mod.zone_margin_deg(lon) < 1e-3:  # the index's rounding could matter
            bounds = _exact_bounds(path, "parcels")
    if bounds is None:  # no parcel geometry: the boundaries choose, as in open_workspace
        boundaries = pyogrio.read_dataframe(path, layer="boundaries", columns=[])
        if not len(boundaries):
            raise WorkspaceError(f"{what}: no parcels or boundaries to choose a GK zone from")
        if boundaries.crs is None:
            crs_mod.raise_missing_crs(boundaries, what=f"{what}: boundaries")
        return crs_mod.projected_crs_for(boundaries)
    return crs_mod.projected_crs_for_bounds(bounds, stored)


def read_selection(
    path: str | os.PathLike[str],
    *,
    parcel_columns: Iterable[str],
    optional_columns: Iterable[str] = (),
    statuses: Iterable[str] | None = None,
    tables: Iterable[str] = ("areas",),
    threads: int | None = None,
) -> Workspace:
    """Only what one calculation reads from a workspace GeoPackage.

    The parcels come with the columns asked for (and their geometry) and
    only the rows of ``statuses``, read through Arrow; of the other tables
    only ``tables`` are read. Coordinates, the GK zone (chosen from the
    extent of *every* parcel, as :func:`open_workspace` chooses it) and so
    every figure computed from the selection are those of the fully opened
    workspace. Polygon tables get ``area_m2``/``area_mu``; the parcels only
    when ``parcel_columns`` asks for them. Nothing is validated except what
    a calculation on the selection needs: the columns exist, the parcels
    have a CRS, and every selected parcel is a valid polygon.

    Parameters
    ----------
    path
        A workspace ``.gpkg`` file.
    parcel_columns
        Parcel columns that must exist (e.g. ``parcel_id``, ``status``).
    optional_columns
        Parcel columns read when the parcels have them.
    statuses
        Only parcels in these statuses (default: every parcel).
    tables
        Other tables to read (those the workspace has).
    threads
        Threads for reprojecting the parcels (default: every CPU).

    Raises
    ------
    WorkspaceError
        The file is not a workspace, a column is missing, or a selected
        parcel's geometry is missing, not a polygon or invalid.
    geo.crs.MissingCRSError
        The parcels have no CRS.

    Examples
    --------
    >>> ws = read_selection("data/wuan.gpkg", parcel_columns=["parcel_id", "status"],
    ...                     statuses=["released"])
    >>> sorted(ws.tables), set(ws.parcels["status"])
    (['areas', 'parcels'], {'released'})
    """
    import pyogrio

    p = Path(path)
    layers = _workspace_layers(p)
    info = pyogrio.read_info(p, layer="parcels")
    have = [str(f) for f in info["fields"]]
    required = list(dict.fromkeys(parcel_columns))
    missing = [c for c in required if c not in have]
    if missing:
        raise WorkspaceError(
            f"{p.name}: the parcels table lacks the column(s) {', '.join(missing)} "
            f"(docs/architecture.md §3); add them in your GIS or import the parcels again"
        )
    columns = list(dict.fromkeys([*required, *(c for c in optional_columns if c in have)]))
    read_cols = [c for c in columns if c not in ("area_m2", "area_mu")]
    filters = [LIVE_PARCELS_SQL] if RETIRED_COLUMN in have else []
    if statuses is not None and "status" in have:  # else the calculation says what is missing
        filters.append(f"status IN ({', '.join(_sql_text(str(s)) for s in statuses) or 'NULL'})")
    where = " AND ".join(f"({f})" for f in filters) or None
    parcels = pyogrio.read_dataframe(
        p, layer="parcels", columns=read_cols, where=where, use_arrow=True
    )
    parcels = parse_dates(parcels, "parcels")
    if parcels.crs is None:
        crs_mod.raise_missing_crs(parcels, what=f"{p.name}: parcels")
    target = _selection_crs(p, parcels.crs, what=p.name)
    check_parcel_geometry(parcels, what=p.name)
    geoms = crs_mod.reproject(
        parcels.geometry.array, parcels.crs, target, threads=threads or os.cpu_count() or 1
    )
    parcels = gpd.GeoDataFrame(
        parcels.drop(columns=parcels.geometry.name),
        geometry=gpd.GeoSeries(geoms, index=parcels.index, crs=target, name="geometry"),
    )
    if "area_m2" in columns or "area_mu" in columns:
        parcels["area_m2"] = parcels.geometry.area
        parcels["area_mu"] = crs_mod.m2_to_mu(parcels["area_m2"])
    out: dict[str, pd.DataFrame] = {"parcels": parcels[[*columns, "geometry"]]}
    wanted = set(tables)
    for name in layers:
        if name in TABLES and name in wanted and name != "parcels":
            df = read_table(p, name)
            if isinstance(df, gpd.GeoDataFrame):
                if df.crs is None:
                    crs_mod.raise_missing_crs(df, what=f"{p.name}: {name}")
                df = df.to_crs(target)
                if TABLES[name].geometry == ("Polygon", "MultiPolygon"):
                    df["area_m2"] = df.geometry.area
                    df["area_mu"] = crs_mod.m2_to_mu(df["area_m2"])
            out[name] = df
    logger.info(
        "read from %s: %d parcel(s) (%s), %s in %s",
        p.name,
        len(parcels),
        ", ".join(columns),
        ", ".join(f"{k}={len(v)}" for k, v in out.items() if k != "parcels") or "no other table",
        target.to_string(),
    )
    return Workspace(path=p, tables=out, crs=target, meta=_read_meta(p, layers))


def check_parcel_geometry(parcels: gpd.GeoDataFrame, *, what: str) -> None:
    """Refuse parcels whose geometry would make a figure wrong: not polygons, or invalid.

    Missing and empty geometries pass (the calculations leave them out).

    Raises
    ------
    WorkspaceError
        Naming the first parcels (``parcel_id``) and what is wrong with them.
    """
    import numpy as np
    import shapely

    geoms = np.asarray(parcels.geometry.array, dtype=object)
    ok = ~shapely.is_missing(geoms)
    ok[ok] = ~shapely.is_empty(geoms[ok])
    types = shapely.get_type_id(geoms)
    polygonal = ok & np.isin(types, (3, 6))  # Polygon, MultiPolygon
    bad_type = ok & ~polygonal
    invalid = np.zeros(len(geoms), dtype=bool)
    invalid[polygonal] = ~shapely.is_valid(geoms[polygonal])
    if not (bad_type.any() or invalid.any()):
        return
    ids = (
        parcels["parcel_id"].astype(str).to_numpy()
        if "parcel_id" in parcels.columns
        else np.array([f"row {i + 1}" for i in range(len(parcels))])
    )
    lines = [
        f"{pid} is a {g.geom_type}, not a polygon"
        for pid, g in zip(ids[bad_type][:5], geoms[bad_type][:5], strict=True)
    ]
    lines += [
        f"{pid} is invalid ({shapely.is_valid_reason(g)})"
        for pid, g in zip(ids[invalid][:5], geoms[invalid][:5], strict=True)
    ]
    n = int(bad_type.sum() + invalid.sum())
    raise WorkspaceError(
        f"{what}: {n} selected parcel(s) have a geometry the figures cannot use: "
        f"{'; '.join(lines)}{' …' if n > len(lines) else ''}. Repair them in your GIS (or "
        f"with shapely.make_valid) and check their area; `tenglong info` lists every problem"
    )


def workspace_from_tables(
    tables: dict[str, pd.DataFrame],
    *,
    meta: dict[str, str],
    path: str | os.PathLike[str],
    validate: bool = True,
    to_crs: Any = None,
    what: str | None = None,
) -> Workspace:
    """A :class:`Workspace` from tables as stored: validate, project, compute areas.

    What :func:`open_workspace` does after reading a GeoPackage, shared with the
    other stores (PostGIS) so that every backend gives the same figures.

    Parameters
    ----------
    tables
        Table name → DataFrame/GeoDataFrame, geometry in its stored CRS.
    meta
        The workspace's ``meta`` pairs.
    path
        What :attr:`Workspace.path` records (the file, or a redacted URL).
    validate
        Fill ``problems`` with :func:`geo.validate.validate_tables` and the
        district check.
    to_crs
        Force a projected CRS instead of the GK zone chosen from the parcels.
    what
        How messages name the source (default: ``path``).

    Raises
    ------
    WorkspaceError
        No parcels table with geometry, or nothing to choose a GK zone from.
    geo.crs.MissingCRSError
        A geometry table has no CRS.
    """
    what = what or str(path)
    retired = None
    if isinstance(tables.get("parcels"), pd.DataFrame):
        tables = dict(tables)
        tables["parcels"], retired = split_retired(tables["parcels"])
    problems: list[Any] = []
    if validate:
        from geo.validate import validate_tables

        problems = validate_tables(tables)
    parcels = tables.get("parcels")
    if not isinstance(parcels, gpd.GeoDataFrame):
        raise WorkspaceError(f"{what}: the workspace has no parcels layer with geometry")
    if parcels.crs is None:
        crs_mod.raise_missing_crs(parcels, what=f"{what}: parcels")
    basis = parcels if len(parcels) else tables.get("boundaries")
    if to_crs is None and (not isinstance(basis, gpd.GeoDataFrame) or not len(basis)):
        raise WorkspaceError(f"{what}: no parcels or boundaries to choose a GK zone from")
    target = CRS.from_user_input(to_crs) if to_crs is not None else crs_mod.projected_crs_for(basis)
    out: dict[str, pd.DataFrame] = {}
    for name, df in tables.items():
        if isinstance(df, gpd.GeoDataFrame):
            if df.crs is None:
                crs_mod.raise_missing_crs(df, what=f"{what}: {name}")
            proj = df.to_crs(target)
            if TABLES[name].geometry == ("Polygon", "MultiPolygon"):
                proj["area_m2"] = proj.geometry.area
                proj["area_mu"] = crs_mod.m2_to_mu(proj["area_m2"])
            out[name] = proj
        else:
            out[name] = df
    if validate:
        from geo.validate import validate_parcels_in_district

        problems += validate_parcels_in_district(out)
    if isinstance(retired, gpd.GeoDataFrame):
        retired = retired.to_crs(target)
        retired["area_m2"] = retired.geometry.area
        retired["area_mu"] = crs_mod.m2_to_mu(retired["area_m2"])
    text = str(path)
    url = text if text.startswith(("postgresql://", "postgres://")) else ""
    return Workspace(
        path=Path(path),
        tables=out,
        crs=target,
        meta=dict(meta),
        problems=problems,
        retired=retired,
        url=url,
    )


def _to_storage_frame(df: pd.DataFrame, table: str) -> pd.DataFrame:
    out = df.copy()
    spec = TABLES.get(table)
    if spec is not None:
        for col in spec.columns:
            if col.dtype == "date" and col.name in out.columns:
                s = pd.to_datetime(out[col.name], errors="coerce")
                out[col.name] = s.dt.strftime("%Y-%m-%d").where(s.notna(), None)
    if isinstance(out, gpd.GeoDataFrame):
        out = out.drop(columns=[c for c in ("area_m2",) if c in out.columns])
        out = crs_mod.to_storage(out)
    return out


def save_workspace(
    tables: dict[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    meta: dict[str, str] | None = None,
) -> Path:
    """Write tables (and ``meta``) as a new workspace GeoPackage, atomically.

    The file is written next to ``path`` under a temporary name and renamed into
    place, so a crash leaves any previous file intact. Geometry is stored in
    EPSG:4490, dates as ISO text. ``area_mu`` is stored as a cache.

    Raises
    ------
    geo.store.StorageFullError, geo.store.ReadOnlyError
        The disk is full or the folder read-only; nothing was written.
    """
    import pyogrio

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise WorkspaceError(f"unknown table(s) {unknown}; known: {', '.join(TABLES)}")
    tmp = p.with_name(f".{p.stem}-unsaved.gpkg")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{p.stem}-", suffix=".gpkg", dir=p.parent)
        os.close(fd)
        os.unlink(tmp_name)
        tmp = Path(tmp_name)
        for name, df in tables.items():
            out = _to_storage_frame(df, name)
            if isinstance(out, gpd.GeoDataFrame):
                pyogrio.write_dataframe(out, tmp, layer=name, driver="GPKG")
            else:
                pyogrio.write_dataframe(pd.DataFrame(out), tmp, layer=name, driver="GPKG")
        if meta:
            mdf = pd.DataFrame({"key": list(meta), "value": [str(v) for v in meta.values()]})
            pyogrio.write_dataframe(mdf, tmp, layer=META_TABLE, driver="GPKG")
        os.replace(tmp, p)
    except Exception as err:  # a full disk or read-only folder: say so (GDAL/OSError)
        from geo.store.errors import storage_error

        mapped = storage_error(
            err,
            p,
            doing=f"saving the workspace {p.name}",
            outcome=f"nothing was written and any previous {p.name} is unchanged",
            advice_read_only="Save it into a writable folder",
        )
        if mapped is None:
            raise
        raise mapped from None
    finally:
        if tmp.exists():
            tmp.unlink()
    logger.info("saved workspace %s (%s)", p, ", ".join(tables))
    return p
