"""GIS formats: GeoPackage, zipped shapefiles, GeoJSON and KML.

Every format holds the geometry tables in scope (parcels, areas, roads,
boundaries) with the columns the role may see (ASCII names, codes as stored:
``status`` is ``released``, not 已腾退), ``area_m2`` and ``area_mu`` computed
from geometry, and dates as ISO ``YYYY-MM-DD`` text.

gpkg
    CGCS2000 Gauss-Krüger (the workspace's projected CRS). Also the
    attribute tables the role may see, ``meta`` (so the file opens as a
    workspace), ``field_labels`` (field → zh/en label and unit) and
    ``export_info`` (provenance).
shp
    A zip of one shapefile per table (``parcels.shp`` …) in the projected
    CRS, each with ``.prj`` and ``.cpg`` (UTF-8). DBF field names are at most
    10 ASCII bytes: ``fields.csv`` maps short name → full name → zh/en label
    and unit; ``README.txt`` carries the provenance. Text longer than DBF's
    254 bytes is cut at a character boundary (and logged).
geojson
    RFC 7946: one FeatureCollection in WGS84 (CGCS2000 ≈ WGS84 at map scale)
    with counter-clockwise exterior rings, coordinates rounded to
    :data:`COORD_DECIMALS` decimals (about 1 mm, so that parcel areas read
    back within 0.01%); each feature has an ``id`` and a ``layer`` property.
kml
    KML 2.2 for Google Earth and 奥维: one folder per table, placemarks named
    by ID and name, a description table with zh/en labels, the fields as
    ``ExtendedData`` and parcels styled by status. All text is XML-escaped.
"""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import math
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.cells import csv_safe
from geo.crs import DISPLAY_EPSG, m2_to_mu
from geo.export._context import ExportContext
from geo.export.report import header, provenance_rows, status_text
from geo.schema import STATUS_COLORS, TABLES, column_label

logger = logging.getLogger(__name__)

COORD_DECIMALS = 8
"""Decimals of WGS84 degrees in GeoJSON and KML (1e-8° ≈ 1.1 mm)."""

DBF_NAME_BYTES = 10
DBF_TEXT_BYTES = 254

SHORT_NAMES: dict[str, str] = {
    "land_use_now": "lu_now",
    "land_use_planned": "lu_planned",
    "industry_before": "industry",
    "polluting_history": "polluting",
    "released_on": "released",
    "status_since": "stat_since",
    "former_enterprise": "former_ent",
    "compensation_wan_yuan": "comp_wan",
    "target_industries": "target_ind",
    "coverage_min": "cover_min",
    "invest_wan_per_mu": "inv_wan_mu",
    "tax_wan_per_mu": "tax_wan_mu",
    "output_wan_per_mu": "out_wan_mu",
    "relocate_to_area_id": "reloc_area",
    "corridor_width_m": "corr_wid_m",
    "agreed_start": "agreed_on",
    "developed_share": "dev_share",
    "invested_share": "inv_share",
    "halted_since": "halted_on",
    "soil_investigated": "soil_inv",
    "admin_ratio": "admin_rat",
    "green_ratio": "green_rat",
    "planning_fund_wan": "fund_wan",
}
"""Curated DBF names (≤ 10 bytes) of long column names; others are cut and numbered."""

_TABLE_TEXT: dict[str, tuple[str, str]] = {
    name: (spec.zh, spec.en) for name, spec in TABLES.items()
}


# ---------------------------------------------------------------------------
# Frames as written
# ---------------------------------------------------------------------------


def _is_geo(df: pd.DataFrame) -> bool:
    return isinstance(df, gpd.GeoDataFrame) and df._geometry_column_name in df.columns


def storage_frame(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """A table as the GIS formats write it: dates as ISO text, areas fresh from geometry.

    ``area_m2`` is rounded to mm² (3 decimals) and ``area_mu`` to 6 decimals.
    """
    out = df.copy()
    for col in out.columns:
        if _is_geo(out) and col == out.geometry.name:
            continue
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            s = out[col]
            out[col] = s.dt.strftime("%Y-%m-%d").where(s.notna(), None).astype(object)
    if _is_geo(out):
        spec = TABLES.get(name)
        if spec is not None and spec.geometry == ("Polygon", "MultiPolygon"):
            area_m2 = out.geometry.area
            out["area_m2"] = area_m2.round(3)
            out["area_mu"] = m2_to_mu(area_m2).round(6)
    return out


def field_label(table: str, column: str, lang: str) -> str:
    """zh/en label of a column with its unit (the column name when unknown)."""
    if column in ("area_m2", "area_mu", "area_ha"):
        return header(column, lang)
    return column_label(table, column, "zh" if lang == "zh" else "en")


def field_unit(table: str, column: str) -> str:
    """The unit of a column (from the schema or its name)."""
    spec = TABLES.get(table)
    col = spec.column(column) if spec is not None else None
    if col is not None and col.unit:
        return col.unit
    return {"area_m2": "m²", "area_mu": "亩", "area_ha": "ha"}.get(column, "")


def short_names(columns: Iterable[str]) -> dict[str, str]:
    """DBF field names (≤ 10 ASCII bytes, unique, case-insensitive) for ``columns``.

    Examples
    --------
    >>> short_names(["land_use_planned", "compensation_wan_yuan"])
    {'land_use_planned': 'lu_planned', 'compensation_wan_yuan': 'comp_wan'}
    >>> short_names(["a_very_long_name_1", "a_very_long_name_2"])
    {'a_very_long_name_1': 'a_very_lon', 'a_very_long_name_2': 'a_very_l_2'}
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        base = SHORT_NAMES.get(col, col)
        base = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" for ch in base)
        base = (base or "field")[:DBF_NAME_BYTES]
        name, n = base, 2
        while name.lower() in used:
            suffix = f"_{n}"
            name = base[: DBF_NAME_BYTES - len(suffix)] + suffix
            n += 1
        used.add(name.lower())
        out[col] = name
    return out


def _cut_utf8(text: str, limit: int) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


def field_rows(tables: dict[str, pd.DataFrame], *, shp: bool = False) -> list[dict[str, str]]:
    """One row per written field: table, (short name,) field, zh and en labels, unit."""
    rows = []
    for name, df in tables.items():
        cols = [c for c in df.columns if not (_is_geo(df) and c == df.geometry.name)]
        shorts = short_names(cols)
        for c in cols:
            row = {"table": name}
            if shp:
                row["short_name"] = shorts[c]
            row |= {
                "field": c,
                "label_zh": field_label(name, c, "zh"),
                "label_en": field_label(name, c, "en"),
                "unit": field_unit(name, c),
            }
            rows.append(row)
    return rows


def _written_tables(ctx: ExportContext, *, geometry_only: bool) -> dict[str, pd.DataFrame]:
    out = {}
    for name, df in ctx.gis_tables().items():
        if geometry_only and not _is_geo(df):
            continue
        out[name] = storage_frame(name, df)
    return out


def _geometry_type(name: str) -> str:
    spec = TABLES.get(name)
    if spec is not None and spec.geometry and "LineString" in spec.geometry:
        return "MultiLineString"
    return "MultiPolygon"


# ---------------------------------------------------------------------------
# GeoPackage
# ---------------------------------------------------------------------------


def build_gpkg(ctx: ExportContext) -> bytes:
    """GeoPackage in the workspace's projected CRS (see the module docstring)."""
    tables = _written_tables(ctx, geometry_only=False)
    with tempfile.TemporaryDirectory(prefix="tenglong-gpkg-") as d:
        path = Path(d) / "export.gpkg"
        for name, df in tables.items():
            zh, en = _TABLE_TEXT.get(name, (name, name))
            opts = {"IDENTIFIER": f"{zh} {en}", "DESCRIPTION": ctx.scope_label("en")}
            if _is_geo(df):
                kw: dict[str, Any] = {}
                if not len(df):
                    kw["geometry_type"] = _geometry_type(name)
                pyogrio.write_dataframe(
                    df, path, layer=name, driver="GPKG", layer_options=opts, **kw
                )
            else:
                pyogrio.write_dataframe(
                    pd.DataFrame(df), path, layer=name, driver="GPKG", layer_options=opts
                )
        labels = pd.DataFrame(field_rows(tables))
        pyogrio.write_dataframe(labels, path, layer="field_labels", driver="GPKG")
        meta = pd.DataFrame({"key": list(ctx.meta), "value": [str(v) for v in ctx.meta.values()]})
        pyogrio.write_dataframe(meta, path, layer="meta", driver="GPKG")
        info = pd.DataFrame(provenance_rows(ctx), columns=["item", "value"])
        pyogrio.write_dataframe(info, path, layer="export_info", driver="GPKG")
        return path.read_bytes()


# ---------------------------------------------------------------------------
# Shapefile (zip)
# ---------------------------------------------------------------------------


def _dbf_frame(name: str, df: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    geom = df.geometry.name
    cols = [c for c in df.columns if c != geom]
    shorts = short_names(cols)
    out = df.rename(columns=shorts)
    for short in shorts.values():
        s = out[short]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            long = s.map(lambda v: isinstance(v, str) and len(v.encode("utf-8")) > DBF_TEXT_BYTES)
            if long.any():
                logger.warning(
                    "%s.%s: %d value(s) longer than %d bytes cut for the DBF",
                    name,
                    short,
                    int(long.sum()),
                    DBF_TEXT_BYTES,
                )
                out[short] = s.map(
                    lambda v: _cut_utf8(v, DBF_TEXT_BYTES) if isinstance(v, str) else v
                )
    return out


def build_shp_zip(ctx: ExportContext) -> bytes:
    """Zip of shapefiles with ``.prj``, ``.cpg``, ``fields.csv`` and ``README.txt``."""
    tables = _written_tables(ctx, geometry_only=True)
    buf = io.BytesIO()
    with (
        tempfile.TemporaryDirectory(prefix="tenglong-shp-") as d,
        zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf,
    ):
        for name, df in tables.items():
            out = _dbf_frame(name, df)  # type: ignore[arg-type]
            kw: dict[str, Any] = {}
            if not len(out):
                kw["geometry_type"] = _geometry_type(name)
            shp = Path(d) / f"{name}.shp"
            pyogrio.write_dataframe(
                out, shp, driver="ESRI Shapefile", layer_options={"ENCODING": "UTF-8"}, **kw
            )
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                part = shp.with_suffix(ext)
                if part.exists():
                    zf.write(part, arcname=part.name)
        rows = field_rows(tables, shp=True)
        text = io.StringIO()
        w = csv.DictWriter(
            text,
            fieldnames=["table", "short_name", "field", "label_zh", "label_en", "unit"],
            lineterminator="\r\n",
        )
        w.writeheader()
        w.writerows({k: csv_safe(v) for k, v in r.items()} for r in rows)
        zf.writestr("fields.csv", text.getvalue().encode("utf-8-sig"))
        readme = [
            f"{ctx.workspace_name('zh')} / {ctx.workspace_name('en')}",
            "",
            "Shapefiles (one per table) in the projected CRS given by each .prj; text is UTF-8",
            "(.cpg). DBF field names are at most 10 bytes: fields.csv maps short_name → field",
            "→ label_zh / label_en and unit.",
            "",
            *(f"{k}: {v}" for k, v in provenance_rows(ctx)),
        ]
        zf.writestr("README.txt", "\r\n".join(readme).encode("utf-8-sig"))
    return buf.getvalue()


# ---------------------------------------------------------------------------
# GeoJSON
# ---------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool | int | str):
        return value
    return str(value)


def display_geometries(df: gpd.GeoDataFrame) -> np.ndarray:
    """Geometries in WGS84, exterior rings counter-clockwise, rounded to :data:`COORD_DECIMALS`."""
    if not len(df):
        return np.empty(0, dtype=object)
    geoms = df.to_crs(DISPLAY_EPSG).geometry.array
    geoms = np.asarray(geoms, dtype=object)
    geoms = shapely.transform(geoms, lambda c: np.round(c, COORD_DECIMALS))
    poly = np.isin(shapely.get_type_id(geoms), [3, 6])
    if poly.any():
        geoms[poly] = shapely.orient_polygons(geoms[poly], exterior_cw=False)
    return geoms


def _key(name: str) -> str | None:
    spec = TABLES.get(name)
    return spec.key if spec is not None else None


def build_geojson(ctx: ExportContext) -> bytes:
    """RFC 7946 FeatureCollection of every geometry table in scope (see the module docstring)."""
    tables = _written_tables(ctx, geometry_only=True)
    features = []
    for name, df in tables.items():
        geoms = display_geometries(df)  # type: ignore[arg-type]
        key = _key(name)
        cols = [c for c in df.columns if c != df.geometry.name]
        for geom, (_, row) in zip(geoms, df.iterrows(), strict=True):
            props = {"layer": name} | {c: _json_value(row[c]) for c in cols}
            feat: dict[str, Any] = {"type": "Feature"}
            if key is not None and key in row and props.get(key) is not None:
                feat["id"] = str(props[key])
            feat["properties"] = props
            feat["geometry"] = (
                None
                if geom is None or shapely.is_empty(geom)
                else json.loads(shapely.to_geojson(geom))
            )
            features.append(feat)
    doc = {
        "type": "FeatureCollection",
        "name": f"{ctx.workspace_name()} ({ctx.scope_label()})",
        "tenglong": {
            "workspace": ctx.stem,
            "role": ctx.role,
            "generated": ctx.generated_at.isoformat(timespec="seconds"),
            "schematic": ctx.ws.schematic,
            "crs": "WGS84 (from CGCS2000; CGCS2000 ≈ WGS84 at map scale)",
        },
        "features": features,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------------------
# KML
# ---------------------------------------------------------------------------

KML_NS = "http://www.opengis.net/kml/2.2"


def _kml_color(hex_rgb: str, alpha: int) -> str:
    """KML colour ``aabbggrr`` from ``#rrggbb``."""
    h = hex_rgb.lstrip("#")
    return f"{alpha:02x}{h[4:6]}{h[2:4]}{h[0:2]}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


def _coords(coords: np.ndarray) -> str:
    return " ".join(f"{x:.{COORD_DECIMALS}f},{y:.{COORD_DECIMALS}f}" for x, y in coords[:, :2])


def _kml_geometry(parent: ET.Element, geom: Any) -> None:
    if geom is None or shapely.is_empty(geom):
        return
    kind = geom.geom_type
    if kind in ("MultiPolygon", "MultiLineString", "GeometryCollection"):
        multi = _sub(parent, "MultiGeometry")
        for part in geom.geoms:
            _kml_geometry(multi, part)
    elif kind == "Polygon":
        poly = _sub(parent, "Polygon")
        outer = _sub(_sub(poly, "outerBoundaryIs"), "LinearRing")
        _sub(outer, "coordinates", _coords(np.asarray(geom.exterior.coords)))
        for ring in geom.interiors:
            inner = _sub(_sub(poly, "innerBoundaryIs"), "LinearRing")
            _sub(inner, "coordinates", _coords(np.asarray(ring.coords)))
    elif kind == "LineString":
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coords(np.asarray(geom.coords)))
    elif kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coords(np.asarray(geom.coords)))


def _display_text(table: str, column: str, value: Any, lang: str) -> str:
    v = _json_value(value)
    if v is None:
        return ""
    if column == "status":
        return f"{status_text(v, lang)} ({v})" if lang == "zh" else str(status_text(v, lang))
    if isinstance(v, bool):
        return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")
    if isinstance(v, float):
        return f"{v:,.2f}" if column.startswith("area_") else f"{v:g}"
    return str(v)


def _placemark_name(table: str, row: pd.Series) -> str:
    key = _key(table)
    ident = str(row[key]) if key and key in row and pd.notna(row[key]) else ""
    name = row.get("name")
    if isinstance(name, str) and name and name != ident:
        return f"{ident} {name}".strip()
    return ident or str(name or "")


def build_kml(ctx: ExportContext) -> bytes:
    """KML 2.2 document (see the module docstring)."""
    ET.register_namespace("", KML_NS)
    lang = ctx.lang
    root = ET.Element(f"{{{KML_NS}}}kml")
    doc = _sub(root, "Document")
    _sub(doc, "name", f"{ctx.workspace_name()} — {ctx.scope_label()}")
    intro = [
        ctx.generated_at.strftime("%Y-%m-%d"),
        "WGS84 (CGCS2000 ≈ WGS84)",
    ]
    if ctx.ws.schematic:
        intro.append("示意 / schematic")
    _sub(doc, "description", " · ".join(intro))
    for code, color in STATUS_COLORS.items():
        st = _sub(doc, "Style", id=f"status-{code}")
        ls = _sub(st, "LineStyle")
        _sub(ls, "color", _kml_color(color, 0xFF))
        _sub(ls, "width", "1.5")
        _sub(_sub(st, "PolyStyle"), "color", _kml_color(color, 0x99))
    for sid, color, width, fill in (
        ("areas", "#1f4e79", "2.5", False),
        ("roads", "#555555", "3", False),
        ("boundaries", "#000000", "2", False),
        ("parcels", "#7f7f7f", "1.5", True),
    ):
        st = _sub(doc, "Style", id=sid)
        ls = _sub(st, "LineStyle")
        _sub(ls, "color", _kml_color(color, 0xFF))
        _sub(ls, "width", width)
        ps = _sub(st, "PolyStyle")
        _sub(ps, "color", _kml_color(color, 0x66))
        _sub(ps, "fill", "1" if fill else "0")
    tables = _written_tables(ctx, geometry_only=True)
    for name, df in tables.items():
        zh, en = _TABLE_TEXT.get(name, (name, name))
        folder = _sub(doc, "Folder")
        _sub(folder, "name", f"{zh} {en}")
        geoms = display_geometries(df)  # type: ignore[arg-type]
        cols = [c for c in df.columns if c != df.geometry.name]
        labels = {c: field_label(name, c, lang) for c in cols}
        for geom, (_, row) in zip(geoms, df.iterrows(), strict=True):
            pm = _sub(folder, "Placemark")
            _sub(pm, "name", _placemark_name(name, row))
            cells = "".join(
                f'<tr><th align="left">{html.escape(labels[c])}</th>'
                f"<td>{html.escape(_display_text(name, c, row[c], lang))}</td></tr>"
                for c in cols
            )
            _sub(pm, "description", f"<table>{cells}</table>")
            status = row.get("status") if name == "parcels" else None
            style = (
                f"status-{status}" if isinstance(status, str) and status in STATUS_COLORS else name
            )
            _sub(pm, "styleUrl", f"#{style}")
            ext = _sub(pm, "ExtendedData")
            for c in cols:
                data = _sub(ext, "Data", name=c)
                _sub(data, "displayName", labels[c])
                v = _json_value(row[c])
                _sub(data, "value", "" if v is None else str(v))
            _kml_geometry(pm, geom)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
