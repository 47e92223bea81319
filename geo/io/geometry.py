"""Georeferencing and geometry of an import: CRS decision, datum shifts, repairs.

- :func:`resolve_crs`: the CRS a source is read in — declared by the file,
  given by the user, or missing (an error with the EPSG suggested by
  :func:`geo.crs.suggest_epsg`); a CRS that contradicts the coordinates is an
  error; GCJ-02/BD-09 degrees are converted back to WGS84.
- :func:`repair_geometries`: invalid polygons repaired with
  :func:`shapely.make_valid` keeping the polygonal parts (reported as
  ``repaired``); wrong, empty or non-finite geometries reported as errors.
- :func:`dxf_prepare`: CAD text labels attached to the polygons around them.
"""

from __future__ import annotations

import re
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from geo import crs as crs_mod
from geo.io.errors import DataImportError
from geo.io.mapping import POLYGON_TABLES
from geo.io.report import Finding
from geo.io.sources import SourceData
from geo.schema import TABLES

SOURCE_CRS_SHIFTS: dict[str, str] = {
    "gcj02": "GCJ-02 (Gaode/高德, Tencent)",
    "bd09": "BD-09 (Baidu)",
}
"""Datum shifts of Chinese web maps that an import can undo (``--source-crs``)."""


def parse_crs(value: str | int | CRS | None, *, option: str = "--crs") -> CRS | None:
    """A CRS from an EPSG code (``4547``, ``EPSG:4547``) or any pyproj input.

    Raises
    ------
    DataImportError
        When pyproj does not know it.
    """
    if value is None or value == "":
        return None
    if isinstance(value, CRS):
        return value
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4,6}", text):
            return CRS.from_epsg(int(text))
        return CRS.from_user_input(text)
    except ProjCRSError:
        raise DataImportError(
            f"{option} {value}: not a CRS pyproj knows; give an EPSG code such as 4547 "
            f"(CGCS2000 GK zone 38), 4526 (the same with 8-digit eastings) or 4490 (degrees)"
        ) from None


def describe_crs(c: CRS) -> str:
    """``EPSG:4547 (CGCS2000 / …)``, or the CRS name when it has no EPSG code."""
    epsg = c.to_epsg()
    return f"EPSG:{epsg} ({c.name})" if epsg else c.name


def geom_type_names(geoms: np.ndarray) -> np.ndarray:
    """Geometry type names of an array of geometries (``""`` for missing ones)."""
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ]
    )
    ids = shapely.get_type_id(geoms)
    return np.where(ids >= 0, names[np.clip(ids, 0, 7)], "")


# ---------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------


def dxf_prepare(frame: gpd.GeoDataFrame, table: str) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """DXF: attach TEXT labels to the polygons around them; keep the table's geometry type."""
    findings: list[Finding] = []
    geoms = frame.geometry.values
    types = geom_type_names(np.asarray(geoms, dtype=object))
    if table in POLYGON_TABLES:
        keep = np.isin(types, ["Polygon", "MultiPolygon"])
    elif table == "roads":
        keep = np.isin(types, ["LineString", "MultiLineString"])
    else:
        return frame, findings
    if table in POLYGON_TABLES and "Text" in frame.columns:
        is_label = np.isin(types, ["Point", "MultiPoint"]) & frame["Text"].notna().to_numpy()
        labels = frame[is_label]
        polys = frame[keep]
        text = pd.Series([None] * len(polys), index=polys.index, dtype=object)
        if len(labels) and len(polys):
            tree = shapely.STRtree(polys.geometry.values)
            pairs = tree.query(labels.geometry.values, predicate="within")
            hits: dict[int, list[str]] = {}
            for li, pi in zip(pairs[0], pairs[1], strict=True):
                hits.setdefault(int(pi), []).append(str(labels["Text"].iloc[li]))
            for pi, found in hits.items():
                if len(found) == 1:
                    text.iloc[pi] = found[0]
            n = sum(len(v) == 1 for v in hits.values())
            if n:
                findings.append(
                    Finding(
                        "info",
                        "dxf_labels",
                        f"{n} CAD text label(s) lying inside a polygon kept as column "
                        f"'text_label' (map it, e.g. --map text_label=parcel_id)",
                        column="text_label",
                    )
                )
        frame = frame.copy()
        frame["text_label"] = None
        frame.loc[polys.index, "text_label"] = text
    dropped = int((~keep).sum())
    if dropped:
        what = "polygons" if table in POLYGON_TABLES else "lines"
        findings.append(
            Finding(
                "warning",
                "dxf_entities_ignored",
                f"{dropped} CAD entit(ies) that are not {what} (text, points, open lines) are "
                f"ignored; choose the CAD layer with --source-layer if parcels were drawn as "
                f"open lines",
            )
        )
    return frame[keep], findings


def crs_mismatch(c: CRS, xs: np.ndarray, suggested: int | None, reason: str) -> str | None:
    """Why a CRS contradicts the eastings ``xs`` (degrees vs metres, zone prefix), or None."""
    if xs.size == 0:
        return None
    if c.is_geographic and suggested != crs_mod.STORAGE_EPSG:
        hint = f"; likely EPSG:{suggested}" if suggested else ""
        return (
            f"the coordinates are not degrees ({reason}) but the CRS is {describe_crs(c)}; "
            f"the .prj or --crs is wrong{hint}: give the right one with --crs"
        )
    if c.is_projected and suggested == crs_mod.STORAGE_EPSG:
        return (
            f"the coordinates look like degrees but the CRS is {describe_crs(c)}; give "
            f"--crs 4490 (CGCS2000) or 4326 (WGS84)"
        )
    epsg = c.to_epsg()
    zone = crs_mod.gk_zone_of_epsg(epsg) if epsg else None
    if zone is not None:
        z, prefix = zone
        if prefix and xs.max() < 1_000_000:
            return (
                f"6-digit eastings, but EPSG:{epsg} expects 8-digit eastings prefixed with the "
                f"zone; use --crs {crs_mod.gk_epsg(z)}"
            )
        if not prefix and xs.min() > 10_000_000:
            return (
                f"8-digit zone-prefixed eastings, but EPSG:{epsg} expects 6-digit eastings; "
                f"use --crs {suggested or crs_mod.gk_epsg(z, zone_prefix=True)}"
            )
    return None


def resolve_crs(
    data: SourceData,
    geoms: np.ndarray,
    *,
    user_crs: CRS | None,
    source_crs: str | None,
) -> tuple[CRS | None, np.ndarray, list[Finding], dict[str, Any]]:
    """The CRS a source is read in, with its geometries (shifted back from GCJ-02/BD-09).

    Returns ``(crs, geometries, findings, info)``; ``crs`` is None when it is missing
    (``missing_crs``, with the suggestion in ``info``) or contradicts the coordinates.
    """
    findings: list[Finding] = []
    coords = shapely.get_coordinates(geoms[~pd.isna(geoms)]) if len(geoms) else np.empty((0, 2))
    suggested, reason = (
        crs_mod.suggest_epsg(coords[:, 0], coords[:, 1])
        if len(coords)
        else (None, "no coordinates")
    )
    info: dict[str, Any] = {"suggested_epsg": suggested, "crs_reason": reason, "crs_note": ""}
    declared = user_crs or data.crs
    if user_crs is not None and data.crs is not None and not user_crs.equals(data.crs):
        findings.append(
            Finding(
                "warning",
                "crs_override",
                f"--crs {describe_crs(user_crs)} replaces the CRS declared by the file "
                f"({describe_crs(data.crs)})",
            )
        )
    if source_crs is not None:
        shift = source_crs
        if declared is None and suggested == crs_mod.STORAGE_EPSG:
            declared = CRS.from_epsg(4326)
        if declared is None or not declared.is_geographic:
            what = describe_crs(declared) if declared is not None else "unknown"
            findings.append(
                Finding(
                    "error",
                    "shift_needs_degrees",
                    f"--source-crs {shift}: {SOURCE_CRS_SHIFTS[shift]} applies to longitude/"
                    f"latitude in degrees, but the source CRS is {what}; drop --source-crs or "
                    f"give the degrees CRS (--crs 4326)",
                )
            )
            return None, geoms, findings, info
        mismatch = crs_mismatch(declared, coords[:, 0], suggested, reason)
        if mismatch:
            findings.append(Finding("error", "crs_mismatch", mismatch))
            return None, geoms, findings, info
        func = crs_mod.gcj02_to_wgs84
        if shift == "bd09":

            def func(lon: Any, lat: Any) -> Any:
                return crs_mod.gcj02_to_wgs84(*crs_mod.bd09_to_gcj02(lon, lat))

        present = ~pd.isna(geoms)
        out = geoms.copy()
        out[present] = crs_mod.transform_geometries(geoms[present], func)
        info["crs_note"] = (
            f"coordinates converted from {SOURCE_CRS_SHIFTS[shift]} to WGS84 (≈CGCS2000)"
        )
        findings.append(Finding("info", "datum_shift", info["crs_note"]))
        return CRS.from_epsg(4326), out, findings, info
    if declared is None and data.crs_problem:  # a 报盘 txt in another datum, or no zone
        info.update(suggested_epsg=None, crs_reason=data.crs_problem)
        findings.append(Finding("error", "missing_crs", data.crs_problem))
        return None, geoms, findings, info
    if declared is None:
        advice = f"; likely EPSG:{suggested}" if suggested else ""
        findings.append(
            Finding(
                "error",
                "missing_crs",
                f"the source has no CRS ({reason}){advice}. Tenglong never guesses: check the "
                f"source and confirm with --crs EPSG (e.g. --crs {suggested or 4547})",
            )
        )
        return None, geoms, findings, info
    mismatch = crs_mismatch(declared, coords[:, 0], suggested, reason)
    if mismatch:
        findings.append(Finding("error", "crs_mismatch", mismatch))
        return None, geoms, findings, info
    how = "given with --crs" if user_crs is not None else "declared by the file"
    info["crs_note"] = f"{describe_crs(declared)}, {how}"
    return declared, geoms, findings, info


def polygonal_parts(g: Any) -> Any:
    """The polygonal parts of a geometry as a Polygon/MultiPolygon, or None."""
    parts = [p for p in shapely.get_parts(g) if shapely.get_type_id(p) in (3, 6)]
    flat: list[Any] = []
    for p in parts:
        flat.extend(shapely.get_parts(p) if shapely.get_type_id(p) == 6 else [p])
    flat = [p for p in flat if not p.is_empty and p.area > 0]
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else shapely.MultiPolygon(flat)


def repair_geometries(
    geoms: np.ndarray, *, table: str, index: pd.Index
) -> tuple[np.ndarray, list[Finding]]:
    """Check and repair geometries for ``table`` (planar, in a projected CRS).

    Invalid polygons are repaired with :func:`shapely.make_valid` keeping the
    polygonal parts (a bow-tie becomes two triangles with their true area, not
    0 m²) and reported as ``repaired``; closed lines become polygons
    (``repaired``); geometry collections keep the parts of the right type
    (``warning``); empty, missing or wrong-type geometries are errors.
    """
    findings: list[Finding] = []
    out = np.array(geoms, dtype=object)
    polygonal = table in POLYGON_TABLES
    need = " or ".join(TABLES[table].geometry or ())
    for pos, (label, g) in enumerate(zip(index, geoms, strict=True)):
        row = int(label) + 1
        if g is None or pd.isna(g):
            findings.append(
                Finding(
                    "error",
                    "null_geometry",
                    "geometry is missing; draw it or drop the row",
                    row=row,
                    column="geometry",
                )
            )
            continue
        if g.is_empty:
            findings.append(
                Finding(
                    "error",
                    "empty_geometry",
                    "geometry is empty; draw it or drop the row",
                    row=row,
                    column="geometry",
                )
            )
            continue
        if not np.isfinite(shapely.get_coordinates(g)).all():
            out[pos] = None
            findings.append(
                Finding(
                    "error",
                    "invalid_geometry",
                    "coordinates that are not finite numbers (NaN or infinite, often a wrong "
                    "CRS); redraw the feature or check the CRS",
                    row=row,
                    column="geometry",
                )
            )
            continue
        if shapely.has_z(g):
            g = shapely.force_2d(g)
        t = g.geom_type
        if polygonal:
            if t in ("LineString", "LinearRing") and g.is_closed and len(g.coords) >= 4:
                poly = shapely.Polygon(g.coords)
                fixed = poly if poly.is_valid else polygonal_parts(shapely.make_valid(poly))
                if fixed is None:
                    findings.append(
                        Finding(
                            "error",
                            "invalid_geometry",
                            "a closed line that encloses no area",
                            row=row,
                            column="geometry",
                        )
                    )
                    continue
                out[pos] = fixed
                findings.append(
                    Finding(
                        "repaired",
                        "line_to_polygon",
                        f"closed line turned into a polygon of {fixed.area:,.1f} m²",
                        row=row,
                        column="geometry",
                    )
                )
                continue
            if t == "GeometryCollection":
                kept = polygonal_parts(g)
                if kept is None:
                    findings.append(
                        Finding(
                            "error",
                            "wrong_geometry_type",
                            f"a collection without polygons; {table} need {need}",
                            row=row,
                            column="geometry",
                        )
                    )
                    continue
                findings.append(
                    Finding(
                        "warning",
                        "collection_parts_kept",
                        "kept the polygon parts of a geometry collection",
                        row=row,
                        column="geometry",
                    )
                )
                g, t = kept, kept.geom_type
            if t not in ("Polygon", "MultiPolygon"):
                findings.append(
                    Finding(
                        "error",
                        "wrong_geometry_type",
                        f"geometry is a {t}; {table} need {need}",
                        row=row,
                        column="geometry",
                    )
                )
                continue
            if not g.is_valid:
                why = shapely.is_valid_reason(g)
                before = g.area
                try:
                    fixed = polygonal_parts(shapely.make_valid(g))
                except shapely.errors.GEOSException:
                    fixed = None
                if fixed is None:
                    findings.append(
                        Finding(
                            "error",
                            "invalid_geometry",
                            f"invalid geometry ({why}) collapses to nothing when repaired; "
                            f"redraw it",
                            row=row,
                            column="geometry",
                        )
                    )
                    continue
                n = len(shapely.get_parts(fixed))
                findings.append(
                    Finding(
                        "repaired",
                        "invalid_geometry",
                        f"invalid geometry ({why}) repaired with make_valid: {before:,.1f} m² as "
                        f"drawn → {fixed.area:,.1f} m² in {n} part(s); check it",
                        row=row,
                        column="geometry",
                    )
                )
                g = fixed
            out[pos] = g
        else:
            if t == "GeometryCollection":
                lines = [
                    p
                    for p in shapely.get_parts(g)
                    if p.geom_type in ("LineString", "MultiLineString")
                ]
                if not lines:
                    findings.append(
                        Finding(
                            "error",
                            "wrong_geometry_type",
                            f"a collection without lines; {table} need {need}",
                            row=row,
                            column="geometry",
                        )
                    )
                    continue
                g = shapely.line_merge(shapely.union_all(lines)) if len(lines) > 1 else lines[0]
                t = g.geom_type
                findings.append(
                    Finding(
                        "warning",
                        "collection_parts_kept",
                        "kept the line parts of a geometry collection",
                        row=row,
                        column="geometry",
                    )
                )
            if t == "LinearRing":
                g, t = shapely.LineString(g.coords), "LineString"
            if t not in ("LineString", "MultiLineString"):
                findings.append(
                    Finding(
                        "error",
                        "wrong_geometry_type",
                        f"geometry is a {t}; {table} need {need}",
                        row=row,
                        column="geometry",
                    )
                )
                continue
            if not g.is_valid or g.length == 0:
                findings.append(
                    Finding(
                        "error",
                        "invalid_geometry",
                        f"invalid line ({shapely.is_valid_reason(g)}); redraw it",
                        row=row,
                        column="geometry",
                    )
                )
                continue
            out[pos] = g
    return out, findings
