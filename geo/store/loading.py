"""Build an in-memory :class:`geo.workspace.Workspace` from stored tables.

The stores read tables as stored (geometry in EPSG:4490, dates parsed);
:func:`workspace_from_tables` then does what :func:`geo.workspace.open_workspace`
does after reading a GeoPackage: validate, choose the GK zone from the
parcels, project every geometry table and compute ``area_m2``/``area_mu``.
So calculations on a PostGIS workspace and on a GeoPackage give the same
figures.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.schema import RETIRED_COLUMN, TABLES
from geo.store.errors import StoreError
from geo.workspace import LIVE_PARCELS_SQL, parse_dates

logger = logging.getLogger(__name__)


def workspace_from_tables(
    tables: dict[str, pd.DataFrame],
    *,
    meta: Mapping[str, str],
    source: str | os.PathLike[str],
    validate: bool = True,
    to_crs: Any = None,
) -> Any:
    """A :class:`~geo.workspace.Workspace` from tables as stored (EPSG:4490).

    Parameters
    ----------
    tables
        Table name → DataFrame/GeoDataFrame, geometry in its stored CRS.
    meta
        The workspace's ``meta`` pairs.
    source
        What :attr:`Workspace.path` records (the file, or the PostGIS schema).
    validate
        Fill ``Workspace.problems`` with :func:`geo.validate.validate_tables`.
    to_crs
        Force a projected CRS instead of the parcels' GK zone.
    """
    from geo.workspace import WorkspaceError, workspace_from_tables as _from_tables

    try:
        return _from_tables(tables, meta=dict(meta), path=source, validate=validate, to_crs=to_crs)
    except WorkspaceError as err:
        raise StoreError(str(err)) from None


def _sql_list(values: Collection[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(values))


def read_gpkg_tables(
    path: str | os.PathLike[str],
    *,
    columns: Mapping[str, Collection[str]] | None = None,
    parcel_statuses: Collection[str] | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read a GeoPackage workspace's tables and ``meta``, optionally restricted.

    Parameters
    ----------
    columns
        Table → the only columns to read; tables not in the mapping are not
        read at all. None reads every table and column.
    parcel_statuses
        Read only the parcels with these statuses (and the milestones of those
        parcels and of planning areas): a SQL filter, the other rows are never read.

    Returns
    -------
    (tables, meta)
        Tables as stored (EPSG:4490, dates parsed) and the ``meta`` pairs.
    """
    from geo.workspace import META_TABLE, list_layers

    layers = list_layers(path)
    # a restricted read may leave out retired_on: retired parcels are then dropped here,
    # in SQL, instead of by geo.workspace.split_retired (docs/architecture.md §3)
    restricted = columns is not None or parcel_statuses is not None
    live = (
        f" AND {LIVE_PARCELS_SQL}"
        if restricted and "parcels" in layers and RETIRED_COLUMN in _fields(path, "parcels")
        else ""
    )
    tables: dict[str, pd.DataFrame] = {}
    for name in layers:
        if name not in TABLES or (columns is not None and name not in columns):
            continue
        spec = TABLES[name]
        is_geo = spec.geometry is not None
        kwargs: dict[str, Any] = {}
        if columns is not None:
            wanted = set(columns[name])
            kwargs["columns"] = [c for c in _fields(path, name) if c in wanted]
        if parcel_statuses is not None:
            if name == "parcels":
                kwargs["where"] = f"status IN ({_sql_list(parcel_statuses)}){live}"
            elif name == "milestones":
                gone = f" OR NOT ({LIVE_PARCELS_SQL})" if live else ""
                kwargs["where"] = (
                    "subject_id NOT IN (SELECT parcel_id FROM parcels WHERE parcel_id IS NOT "
                    f"NULL AND (status IS NULL OR status NOT IN ({_sql_list(parcel_statuses)})"
                    f"{gone}))"
                )
        elif name == "parcels" and live:
            kwargs["where"] = live.removeprefix(" AND ")
        df = pyogrio.read_dataframe(
            path, layer=name, read_geometry=is_geo, use_arrow=False, **kwargs
        )
        if not is_geo and isinstance(df, gpd.GeoDataFrame):
            df = pd.DataFrame(df.drop(columns=df.geometry.name, errors="ignore"))
        tables[name] = parse_dates(df, name)
    meta: dict[str, str] = {}
    if META_TABLE in layers:
        mdf = pyogrio.read_dataframe(path, layer=META_TABLE, read_geometry=False)
        meta = {str(k): str(v) for k, v in zip(mdf["key"], mdf["value"], strict=True)}
    return tables, meta


def _fields(path: str | os.PathLike[str], layer: str) -> list[str]:
    return [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]
