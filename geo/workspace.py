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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from geo import crs as crs_mod
from geo.errors import OperationError
from geo.gdal import gdal_message
from geo.schema import REQUIRED_TABLES, TABLES

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


def list_layers(path: str | os.PathLike[str]) -> list[str]:
    """Names of the layers in a GeoPackage."""
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
    spec = TABLES.get(table)
    is_geo = spec is not None and spec.geometry is not None
    df = pyogrio.read_dataframe(path, layer=table, read_geometry=is_geo, use_arrow=False)
    if not is_geo and isinstance(df, gpd.GeoDataFrame):
        df = pd.DataFrame(df.drop(columns=df.geometry.name, errors="ignore"))
    return parse_dates(df, table)


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
    tables: dict[str, pd.DataFrame] = {}
    for name in layers:
        if name in TABLES:
            tables[name] = read_table(p, name)
    meta: dict[str, str] = {}
    if META_TABLE in layers:
        mdf = pyogrio.read_dataframe(p, layer=META_TABLE, read_geometry=False)
        meta = {str(k): str(v) for k, v in zip(mdf["key"], mdf["value"], strict=True)}

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
    return Workspace(path=Path(path), tables=out, crs=target, meta=dict(meta), problems=problems)


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
