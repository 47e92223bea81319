"""GIS exports read back with the same features, values and areas (within 0.01%).

Parametrised over formats (GeoPackage, zipped shapefiles, GeoJSON, KML) and
over two GK zones (wuan: EPSG:4547, choujiang: EPSG:4549). Plus the format
rules: shapefile names ≤ 10 ASCII bytes with an alias table, .prj and .cpg;
RFC 7946 GeoJSON; KML that escapes whatever the data hold.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from factories import tiny_tables
from pyproj import CRS
from shapely.geometry import LineString, MultiPolygon, Polygon

from geo.export import export_bytes, prepare
from geo.export.gis import COORD_DECIMALS, KML_NS, storage_frame
from geo.release import release_summary
from geo.workspace import open_workspace, save_workspace

DATA = Path(__file__).resolve().parent.parent / "data"
GEO_TABLES = ("parcels", "areas", "roads", "boundaries")
AREA_RTOL = 1e-4  # 0.01 %


def expected(ws_name: str, role: str = "planner") -> dict[str, pd.DataFrame]:
    """The tables as written: the role's tables in scope, dates as text, fresh areas."""
    ctx = prepare(DATA / f"{ws_name}.gpkg", role=role)
    return {n: storage_frame(n, df) for n, df in ctx.gis_tables().items()}


def _norm(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return float(v)
    return str(v)


def assert_same(
    name: str, want: pd.DataFrame, got: pd.DataFrame, *, rename: dict[str, str] | None = None
) -> None:
    """Same rows (by key), same values in every written column, same areas."""
    key = {"parcels": "parcel_id", "areas": "area_id", "roads": "road_id"}.get(name, "adcode")
    rename = rename or {}
    got = got.rename(columns={v: k for k, v in rename.items()})
    assert sorted(got[key].astype(str)) == sorted(want[key].astype(str)), name
    w = want.set_index(want[key].astype(str))
    g = got.set_index(got[key].astype(str)).loc[w.index]
    geom = want.geometry.name if isinstance(want, gpd.GeoDataFrame) else None
    for col in want.columns:
        if col == geom:
            continue
        assert col in g.columns, f"{name}.{col} missing"
        for a, b in zip(w[col], g[col], strict=True):
            a, b = _norm(a), _norm(b)
            if isinstance(a, float) and isinstance(b, float):
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (name, col, a, b)
            else:
                assert a == b, (name, col, a, b)
    if geom is not None and isinstance(got, gpd.GeoDataFrame):
        wa = w.geometry.area.to_numpy()
        ga = g.geometry.area.to_numpy()
        poly = wa > 0
        assert np.allclose(ga[poly], wa[poly], rtol=AREA_RTOL), name


# ---------------------------------------------------------------------------
# readers
# ---------------------------------------------------------------------------


def read_gpkg(data: bytes, tmp: Path) -> dict[str, gpd.GeoDataFrame]:
    path = tmp / "x.gpkg"
    path.write_bytes(data)
    return {n: pyogrio.read_dataframe(path, layer=n) for n in GEO_TABLES if n in _layers(path)}


def _layers(path: Path) -> list[str]:
    return [str(n) for n, _ in pyogrio.list_layers(path)]


def read_shp(data: bytes, tmp: Path) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, dict]]:
    path = tmp / "x.zip"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        aliases = list(csv.DictReader(io.StringIO(zf.read("fields.csv").decode("utf-8-sig"))))
    frames = {
        n: pyogrio.read_dataframe(f"/vsizip/{path}/{n}.shp")
        for n in GEO_TABLES
        if f"{n}.shp" in names
    }
    rename: dict[str, dict] = {}
    for row in aliases:
        rename.setdefault(row["table"], {})[row["field"]] = row["short_name"]
    return frames, rename


def read_geojson(data: bytes, crs: CRS) -> dict[str, gpd.GeoDataFrame]:
    doc = json.loads(data)
    out = {}
    for name in GEO_TABLES:
        feats = [f for f in doc["features"] if f["properties"]["layer"] == name]
        if feats:
            out[name] = gpd.GeoDataFrame.from_features(feats, crs=4326).to_crs(crs)
    return out


def _ring(text: str) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in text.split()]  # type: ignore[misc]


def _kml_geometry(pm: ET.Element) -> Any:
    ns = {"k": KML_NS}
    polys = []
    for poly in pm.iter(f"{{{KML_NS}}}Polygon"):
        outer = poly.find("k:outerBoundaryIs/k:LinearRing/k:coordinates", ns)
        inner = poly.findall("k:innerBoundaryIs/k:LinearRing/k:coordinates", ns)
        polys.append(Polygon(_ring(outer.text), [_ring(i.text) for i in inner]))
    if polys:
        return polys[0] if len(polys) == 1 else MultiPolygon(polys)
    lines = [LineString(_ring(c.text)) for c in pm.iter(f"{{{KML_NS}}}coordinates")]
    return lines[0] if lines else None


def read_kml(data: bytes, crs: CRS) -> dict[str, gpd.GeoDataFrame]:
    root = ET.fromstring(data)
    out = {}
    for folder in root.iter(f"{{{KML_NS}}}Folder"):
        title = folder.find(f"{{{KML_NS}}}name").text
        name = title.split()[-1].replace("administrative", "boundaries")
        name = {"planning": "areas", "boundaries": "boundaries"}.get(name, name)
        rows, geoms = [], []
        for pm in folder.iter(f"{{{KML_NS}}}Placemark"):
            values = {
                d.get("name"): d.find(f"{{{KML_NS}}}value").text
                for d in pm.iter(f"{{{KML_NS}}}Data")
            }
            rows.append(values)
            geoms.append(_kml_geometry(pm))
        out[name] = gpd.GeoDataFrame(rows, geometry=geoms, crs=4326).to_crs(crs)
    return out


def _kml_values(want: pd.DataFrame) -> pd.DataFrame:
    """KML holds text: the expected values as the exporter writes them."""
    from geo.export.gis import _json_value

    out = want.copy()
    for col in out.columns:
        if col != out.geometry.name:
            out[col] = [
                None if (v := _json_value(x)) is None else str(v) for x in out[col].tolist()
            ]
    return out


# ---------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("ws_name", ["wuan", "choujiang"])
@pytest.mark.parametrize("fmt", ["gpkg", "shp", "geojson", "kml"])
def test_round_trip(fmt, ws_name, tmp_path):
    ws = open_workspace(DATA / f"{ws_name}.gpkg", validate=False)
    want = expected(ws_name)
    data, name, _ = export_bytes(ws, fmt=fmt)
    assert name.startswith(f"{ws_name}-release-planner.")
    rename: dict[str, dict] = {}
    if fmt == "gpkg":
        got = read_gpkg(data, tmp_path)
        for df in got.values():
            assert CRS.from_user_input(df.crs).equals(ws.crs)
    elif fmt == "shp":
        got, rename = read_shp(data, tmp_path)
        for df in got.values():
            assert CRS.from_user_input(df.crs).to_epsg(min_confidence=70) == ws.crs.to_epsg()
    elif fmt == "geojson":
        got = read_geojson(data, ws.crs)
    else:
        got = read_kml(data, ws.crs)
        want = {n: _kml_values(df) for n, df in want.items() if n in GEO_TABLES}
    assert set(got) == {n for n in GEO_TABLES if n in want}
    for table in got:
        assert_same(table, want[table], got[table], rename=rename.get(table))


def test_gpkg_opens_as_a_workspace_with_the_same_release_totals(tmp_path):
    data, _, _ = export_bytes(DATA / "wuan.gpkg", fmt="gpkg")
    path = tmp_path / "copy.gpkg"
    path.write_bytes(data)
    layers = _layers(path)
    assert {"field_labels", "export_info", "meta", "milestones"} <= set(layers)
    copy = open_workspace(path, validate=False)
    orig = open_workspace(DATA / "wuan.gpkg", validate=False)
    a = release_summary(orig.parcels, orig.areas)
    b = release_summary(copy.parcels, copy.areas)
    assert np.allclose(a["area_m2"], b["area_m2"], rtol=1e-9)
    assert copy.meta["published_forest_park_mu"] == "1000"
    labels = pyogrio.read_dataframe(path, layer="field_labels")
    row = labels[(labels["table"] == "parcels") & (labels["field"] == "area_mu")].iloc[0]
    assert row["label_zh"] == "面积(亩)" and row["unit"] == "亩"


def test_shapefile_names_prj_cpg_and_alias_table(tmp_path):
    data, name, mime = export_bytes(DATA / "wuan.gpkg", fmt="shp")
    assert name.endswith(".zip") and mime == "application/zip"
    frames, _ = read_shp(data, tmp_path)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        for table in frames:
            assert {f"{table}.{e}" for e in ("shp", "shx", "dbf", "prj", "cpg")} <= names
            assert zf.read(f"{table}.cpg").decode().strip().upper() == "UTF-8"
            assert "Gauss_Kruger" in zf.read(f"{table}.prj").decode()
        aliases = list(csv.DictReader(io.StringIO(zf.read("fields.csv").decode("utf-8-sig"))))
        assert "README.txt" in names
    for df in frames.values():
        for col in df.columns:
            if col != "geometry":
                assert col.isascii() and len(col.encode()) <= 10, col
    by_field = {(r["table"], r["field"]): r for r in aliases}
    row = by_field[("parcels", "land_use_planned")]
    assert row["short_name"] == "lu_planned" and row["label_zh"] == "规划用途"
    assert by_field[("parcels", "area_mu")]["label_en"] == "area (mu)"


def test_geojson_is_rfc7946(tmp_path):
    data, _, mime = export_bytes(DATA / "choujiang.gpkg", fmt="geojson")
    assert mime == "application/geo+json"
    doc = json.loads(data)
    assert "crs" not in doc and doc["type"] == "FeatureCollection"
    coords = re.findall(r'"coordinates":(\[[\[\]\d.,\-]*\])', data.decode())
    decimals = {len(m) for c in coords for m in re.findall(r"\.(\d+)", c)}
    assert coords and max(decimals) <= COORD_DECIMALS
    for feat in doc["features"]:
        geom = shapely.geometry.shape(feat["geometry"])
        x0, y0, x1, y1 = geom.bounds
        assert 73 < x0 <= x1 < 136 and 3 < y0 <= y1 < 54  # degrees, in China
        polys = (
            list(geom.geoms)
            if geom.geom_type == "MultiPolygon"
            else [geom]
            if geom.geom_type == "Polygon"
            else []
        )
        for p in polys:
            assert p.exterior.is_ccw
            assert all(not r.is_ccw for r in p.interiors)
        assert feat["id"] == feat["properties"].get(
            {"parcels": "parcel_id", "areas": "area_id", "roads": "road_id"}.get(
                feat["properties"]["layer"], "adcode"
            )
        )


# ---------------------------------------------------------------------------
# escaping
# ---------------------------------------------------------------------------

NASTY = "<script>alert('x')</script> & \"引号\" ]]> <b>粗</b>"


@pytest.fixture
def nasty_ws(tmp_path) -> Path:
    tables = tiny_tables()
    tables["areas"].loc[0, "name"] = NASTY
    tables["areas"].loc[0, "name_en"] = NASTY
    tables["parcels"]["industry_before"] = tables["parcels"]["industry_before"].astype(object)
    tables["parcels"].loc[0, "industry_before"] = NASTY
    return save_workspace(tables, tmp_path / "nasty.gpkg", meta={"name": NASTY})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kml_escapes_text_and_description(nasty_ws, lang):
    data, _, _ = export_bytes(nasty_ws, fmt="kml", role="investor", lang=lang)
    root = ET.fromstring(data)  # well-formed XML whatever the data hold
    names = [e.text for e in root.iter(f"{{{KML_NS}}}name")]
    assert any(n and NASTY in n for n in names)
    descs = [e.text or "" for e in root.iter(f"{{{KML_NS}}}description")]
    # the description is HTML: data in it are escaped, so a viewer shows them as text
    assert any("&lt;script&gt;" in d for d in descs)
    assert not any("<script>" in d for d in descs)
    values = [e.text for e in root.iter(f"{{{KML_NS}}}value")]
    assert NASTY in values
    assert "P3" not in values and "P4" not in values  # operating and supplied: not for investors


def test_gdal_reads_the_kml(nasty_ws, tmp_path):
    data, _, _ = export_bytes(nasty_ws, fmt="kml")
    path = tmp_path / "x.kml"
    path.write_bytes(data)
    layers = [n for n, _ in pyogrio.list_layers(path)]
    assert len(layers) == 4
    df = pyogrio.read_dataframe(path, layer=layers[0])
    assert len(df) == 4 and df.geometry.notna().all()


def test_geojson_and_csv_keep_odd_text_intact(nasty_ws):
    data, _, _ = export_bytes(nasty_ws, fmt="geojson")
    doc = json.loads(data)
    assert any(f["properties"].get("name") == NASTY for f in doc["features"])
    data, _, _ = export_bytes(nasty_ws, fmt="csv", table="parcels")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert any(NASTY in r for r in rows)
