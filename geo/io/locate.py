"""Where a source lies: its geometry in lon/lat, the district holding it, a boundary from it.

Used before a workspace exists (``tenglong new --boundary``, ``tenglong
import --into NEW.gpkg``): the source is read by the sandboxed reader
(:func:`geo.io.read_source`) and its CRS settled exactly as an import
settles it (:func:`geo.io.geometry.resolve_crs`: never guessed), then its
geometry is taken to CGCS2000/WGS84 degrees.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo import crs as crs_mod
from geo.district import Location, locate_points
from geo.io.errors import DataImportError, ImportCRSError
from geo.io.geometry import SOURCE_CRS_SHIFTS, parse_crs, resolve_crs
from geo.io.sources import SourceData, SourceLike, read_source


def _shift(source_crs: str | None) -> str | None:
    if source_crs is None or not str(source_crs).strip():
        return None
    shift = re.sub(r"[\s_\-]", "", str(source_crs).lower())
    if shift not in SOURCE_CRS_SHIFTS:
        raise DataImportError(
            f"--source-crs {source_crs}: use gcj02 (Gaode/高德 maps) or bd09 (Baidu maps)"
        )
    return shift


def source_lonlat(
    data: SourceData, *, crs: str | int | None = None, source_crs: str | None = None
) -> np.ndarray:
    """The source's geometries in CGCS2000/WGS84 degrees (missing ones stay None).

    Raises
    ------
    ImportCRSError
        The source has no CRS (or one its coordinates contradict); the
        message suggests the likely EPSG code, as an import does.
    DataImportError
        The source has no geometry.
    """
    if not data.has_geometry:
        raise DataImportError(
            f"{data.name} has no geometry: its district cannot be found from it; give --district"
        )
    geoms = np.asarray(data.frame.geometry.values, dtype=object)
    used, geoms, findings, info = resolve_crs(
        data, geoms, user_crs=parse_crs(crs), source_crs=_shift(source_crs)
    )
    if used is None:
        why = "; ".join(f.message for f in findings if f.severity == "error")
        raise ImportCRSError(
            f"{data.name}: {why or 'the CRS is not settled'}",
            suggested_epsg=info.get("suggested_epsg"),
            reason=info.get("crs_reason", ""),
        )
    gs = gpd.GeoSeries(geoms, crs=used)
    return np.asarray(gs.to_crs(crs_mod.STORAGE_EPSG).values, dtype=object)


def locate_source(
    data: SourceData, *, crs: str | int | None = None, source_crs: str | None = None
) -> Location:
    """The county-level district holding most of the source's features.

    Each feature counts once, by a point on its surface.

    Raises
    ------
    ImportCRSError, DataImportError
        As :func:`source_lonlat`.
    geo.district.NotLocatedError
        No feature lies in a county-level district of China.
    """
    geoms = source_lonlat(data, crs=crs, source_crs=source_crs)
    ok = ~pd.isna(geoms)
    ok[ok] = ~shapely.is_empty(geoms[ok])
    pts = shapely.point_on_surface(shapely.make_valid(geoms[ok]))
    xy = shapely.get_coordinates(pts)
    return locate_points(xy)


def read_boundary(
    source: SourceLike | SourceData,
    *,
    crs: str | int | None = None,
    source_crs: str | None = None,
    source_layer: str | None = None,
) -> BaseGeometry:
    """The union of a file's polygons, in CGCS2000/WGS84 degrees: a street's boundary.

    Parameters
    ----------
    source
        Any vector file the importer reads (GeoJSON, shapefile or its zip,
        GeoPackage, KML…), or a source already read.
    crs, source_crs, source_layer
        As for :func:`geo.io.preview_import`.

    Raises
    ------
    DataImportError
        The file holds no polygon, or cannot be read safely.
    ImportCRSError
        Its CRS is missing.
    """
    data = (
        source
        if isinstance(source, SourceData)
        else read_source(source, source_layer=source_layer, prefer_layer="boundaries")
    )
    geoms = source_lonlat(data, crs=crs, source_crs=source_crs)
    parts: list[Any] = []
    for g in geoms:
        if g is None or pd.isna(g) or g.is_empty:
            continue
        g = shapely.make_valid(g)
        parts += [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        raise DataImportError(
            f"{data.name} holds no polygon; a boundary is the outline of an area (draw it as a "
            f"polygon, not a line or points)"
        )
    return shapely.union_all(parts)
