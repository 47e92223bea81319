"""三调 / 变更调查 land-survey databases: FileGDB import, code tables, TBMJ, current-use table.

Every FileGDB here is written by GDAL's OpenFileGDB driver through pyogrio
(GDAL >= 3.6 writes it). Bad inputs tried: a ``--where`` that is not SQL
(unbalanced bracket), one naming a field the layer lacks, ``--where`` with
``--preset``, an unknown preset, a Personal GDB (.mdb, Jet header) as a file
and inside a zip, a folder named .gdb without tables, a 图斑 whose TBMJ is 1 %
off and one whose DLBM has no 用地用海 equivalent.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from factories import X0, Y0, tiny_tables
from pyproj import Geod, Transformer
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from geo import codes
from geo.cli import app
from geo.crs import ellipsoid_area_m2
from geo.demo.dltb import SAMPLE_EPSG, sample_dltb_frame, write_sample_dltb
from geo.export import export_bytes
from geo.io import DataImportError, apply_import, preview_import
from geo.io.sandbox import ParserSession, use_session
from geo.layout import current_use_summary
from geo.schema import LAND_USES, land_use_label
from geo.workspace import open_workspace, save_workspace

pytest_plugins = ("pg_fixture",)

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
runner = CliRunner()
PARCEL_DEFAULTS = {
    "district": "峰峰矿区",
    "status": "operating",
    "land_use_planned": "100102",
    "industry_before": "C33",
    "polluting_history": "否",
    "status_since": "2024-01-01",
}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def parser():
    with ParserSession() as session:
        yield session


def _workspace(path: Path) -> Path:
    """The tiny test workspace moved onto the sample DLTB in 峰峰矿区 (EPSG:4547)."""
    dltb = sample_dltb_frame().to_crs(4547)
    minx, miny, _, _ = dltb.total_bounds
    tables = tiny_tables()
    for name, df in tables.items():
        if isinstance(df, gpd.GeoDataFrame):
            moved = df.copy()
            moved["geometry"] = df.geometry.translate(minx + 50 - X0, miny + 50 - Y0)
            tables[name] = moved
    tables["boundaries"]["adcode"] = ["130406"]
    tables["boundaries"]["name"] = ["峰峰矿区"]
    tables["boundaries"]["geometry"] = [shapely.box(*dltb.total_bounds).buffer(2000)]
    tables["parcels"]["district"] = "峰峰矿区"
    return save_workspace(tables, path)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return _workspace(tmp_path / "ws.gpkg")


@pytest.fixture
def gdb(tmp_path: Path) -> Path:
    assert "OpenFileGDB" in pyogrio.list_drivers(write=True)
    return write_sample_dltb(tmp_path / "130406.gdb")


def cli(parser: ParserSession, *args: str):
    with use_session(parser):
        return runner.invoke(app, ["import", *args])


# ---------------------------------------------------------------------------
# Code tables
# ---------------------------------------------------------------------------


def test_code_tables_have_their_classes_and_the_crosswalk_lands_on_known_codes():
    gbt, sd, lu = (codes.code_table(k) for k in ("gbt21010", "sandiao", "land_use"))
    assert sum(c.level == 1 for c in gbt.values()) == 12
    assert sum(c.level == 2 for c in gbt.values()) == 73
    assert sum(c.level == 1 for c in lu.values()) == 24
    assert [gbt[c].zh for c in ("0601", "0602", "0603", "0604")] == [
        "工业用地",
        "采矿用地",
        "盐田",
        "仓储用地",
    ]
    assert (sd["05H1"].zh, sd["0508"].zh, sd["0601"].zh) == (
        "商业服务业设施用地",
        "物流仓储用地",
        "工业用地",
    )
    assert [lu[c].zh for c in ("100101", "100102", "100103", "1101")] == [
        "一类工业用地",
        "二类工业用地",
        "三类工业用地",
        "物流仓储用地",
    ]
    # The same digits, other classes: 三调 1001 is a railway, 用地用海 1001 industry.
    assert sd["1001"].zh == "铁路用地" and lu["1001"].zh == "工业用地"
    walk = codes.crosswalk()
    assert {s for s in walk} <= set(sd) and {t for t, _ in walk.values()} <= set(lu)
    assert [c for c, e in sd.items() if e.level > 1 and c not in walk] == []
    assert codes.sandiao_to_land_use("0601") == "1001"
    assert codes.sandiao_to_land_use("0508") == "1101"
    assert codes.sandiao_to_land_use("1001") == "1201"  # railway → 铁路用地
    for entry in sd.values():
        assert entry.color is None or re.fullmatch(r"#[0-9a-f]{6}", entry.color), entry
    assert sd["0601"].color == "#d29187"  # rgb(210,145,135), the published 三调 style


def test_schema_land_uses_come_from_the_data_file_with_the_old_codes_intact():
    assert set(LAND_USES) == set(codes.code_table("land_use"))
    assert land_use_label("100102") == "二类工业用地"
    assert land_use_label("100102", "en") == "industrial land, class 2"
    assert LAND_USES["080403"].first_class_soil and not LAND_USES["100102"].first_class_soil


# ---------------------------------------------------------------------------
# Ellipsoidal area
# ---------------------------------------------------------------------------


def test_ellipsoid_area_agrees_with_an_equal_area_projection_and_geod():
    # Independent check: a Lambert azimuthal equal-area projection on GRS80
    # preserves area, so its planar area equals the geodesic one.
    frame = sample_dltb_frame()
    got = ellipsoid_area_m2(frame.geometry.values, SAMPLE_EPSG)
    laea = frame.to_crs("+proj=laea +lat_0=36.42 +lon_0=114.21 +ellps=GRS80 +units=m")
    np.testing.assert_allclose(got, laea.geometry.area.to_numpy(), rtol=1e-6)
    lonlat = frame.to_crs(4490).geometry.values[0]
    assert got[0] == pytest.approx(abs(Geod(ellps="GRS80").geometry_area_perimeter(lonlat)[0]))
    assert np.isnan(ellipsoid_area_m2([None, shapely.Polygon()], SAMPLE_EPSG)).all()


# ---------------------------------------------------------------------------
# FileGDB import
# ---------------------------------------------------------------------------


def test_sample_dltb_is_a_filegdb_of_twelve_patches_in_fengfeng(gdb: Path):
    info = pyogrio.read_info(gdb, layer="DLTB")
    assert info["driver"] == "OpenFileGDB" and info["features"] == 12
    df = pyogrio.read_dataframe(gdb, layer="DLTB")
    assert df.crs.to_epsg() == SAMPLE_EPSG
    assert df["BSM"].str.len().eq(18).all() and df["ZLDWDM"].str.len().eq(19).all()
    lon, lat = Transformer.from_crs(SAMPLE_EPSG, 4490, always_xy=True).transform(
        *df.geometry.union_all().centroid.coords[0]
    )
    assert 114.1 < lon < 114.3 and 36.3 < lat < 36.5  # 峰峰矿区


def test_dltb_imports_as_the_landuse_survey_reference_layer(parser, ws: Path, gdb: Path):
    result = cli(parser, str(gdb), "--into", str(ws))
    assert result.exit_code == 0, result.output
    assert "landuse_survey" in result.output and "OpenFileGDB" in result.output
    survey = open_workspace(ws).get("landuse_survey")
    source = pyogrio.read_dataframe(gdb, layer="DLTB")
    assert len(survey) == 12
    assert survey["survey_id"].tolist() == source["BSM"].tolist()
    assert survey["dlbm"].tolist() == source["DLBM"].tolist()
    assert survey["tbmj_m2"].tolist() == pytest.approx(source["TBMJ"].tolist())
    assert set(survey["sjnf"]) == {2023}


def test_a_zipped_gdb_in_a_subfolder_imports_too(parser, ws: Path, gdb: Path, tmp_path: Path):
    archive = tmp_path / "峰峰矿区三调.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(gdb.iterdir()):
            zf.write(f, f"成果/130406.gdb/{f.name}")
        zf.writestr("成果/说明.txt", "readme")
    preview = preview_import(archive, workspace=ws, session=parser)
    assert preview.table == "landuse_survey" and preview.source.format == "filegdb"
    assert preview.source.layer == "DLTB"
    assert any("in memory" in n for n in preview.source.notes)
    assert apply_import(preview).rows_written == 12


@pytest.mark.parametrize(
    "option",
    [["--preset", "industrial"], ["--where", "DLBM IN ('0601','0602','0508')"]],
)
def test_dltb_imports_as_parcels_filtered_with_the_crosswalk(parser, ws, gdb, option):
    defaults = [a for k, v in PARCEL_DEFAULTS.items() for a in ("--default", f"{k}={v}")]
    before = len(open_workspace(ws).parcels)
    result = cli(parser, str(gdb), "--into", str(ws), *option, *defaults)
    assert result.exit_code == 0, result.output
    parcels = open_workspace(ws).parcels
    source = pyogrio.read_dataframe(gdb, layer="DLTB")
    wanted = source[source["DLBM"].isin(["0601", "0602", "0508"])]
    new = parcels[parcels["parcel_id"].isin(wanted["BSM"])]
    assert len(parcels) == before + len(wanted) == before + 7
    by_id = dict(zip(new["parcel_id"], new["land_use_now"], strict=True))
    expected = {"0601": "1001", "0602": "1002", "0508": "1101"}
    assert by_id == {b: expected[c] for b, c in zip(wanted["BSM"], wanted["DLBM"], strict=True)}


@pytest.mark.parametrize(
    "where",
    ["DLBM IN ('0601'", "NOSUCHFIELD = '0601'"],
    ids=["unbalanced", "unknown-field"],
)
def test_a_bad_where_is_a_clear_message_and_nothing_is_written(parser, ws, gdb, where):
    before = sha(ws)
    result = cli(parser, str(gdb), "--into", str(ws), "--where", where)
    assert result.exit_code == 2
    out = " ".join(result.output.split())
    assert "--where" in out and "DLBM" in out and "TBMJ" in out  # names the fields
    assert "Traceback" not in out and sha(ws) == before


def test_where_and_preset_options_are_checked(parser, ws, gdb):
    with pytest.raises(DataImportError, match="not both"):
        preview_import(gdb, workspace=ws, where="DLBM='0601'", preset="industrial")
    with pytest.raises(DataImportError, match="industrial"):
        preview_import(gdb, workspace=ws, preset="factories")


def test_a_personal_gdb_is_refused_with_how_to_convert_it(parser, ws: Path, tmp_path: Path):
    mdb = tmp_path / "DLTB.mdb"
    mdb.write_bytes(b"\x00\x01\x00\x00Standard Jet DB\x00" + bytes(2048))
    disguised = tmp_path / "county.gpkg"
    disguised.write_bytes(mdb.read_bytes())
    archive = tmp_path / "county.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(mdb, "数据库/DLTB.mdb")
    before = sha(ws)
    for source in (mdb, disguised, archive):
        result = cli(parser, str(source), "--into", str(ws))
        out = " ".join(result.output.split())
        assert result.exit_code == 2, out
        assert "Personal Geodatabase" in out and "ogr2ogr -f OpenFileGDB" in out, out
    assert sha(ws) == before


def test_a_gdb_folder_without_tables_is_refused(parser, ws: Path, tmp_path: Path):
    empty = tmp_path / "empty.gdb"
    empty.mkdir()
    (empty / "readme.txt").write_text("nothing")
    with pytest.raises(DataImportError, match="File Geodatabase"):
        preview_import(empty, workspace=ws, session=parser)


def test_tbmj_is_reconciled_against_the_ellipsoidal_area(parser, ws: Path, tmp_path: Path):
    frame = sample_dltb_frame()
    frame.loc[3, "TBMJ"] = round(frame.loc[3, "TBMJ"] * 1.01, 2)  # 1 % off: reported
    frame.loc[5, "TBMJ"] = round(frame.loc[5, "TBMJ"] * 1.0005, 2)  # 0.05 %: within tolerance
    gdb = write_sample_dltb(tmp_path / "off.gdb", frame)
    preview = preview_import(gdb, workspace=ws, session=parser)
    rep = preview.report
    off = rep[rep["code"] == "tbmj_mismatch"]
    assert off["row"].tolist() == [4]
    assert "+1.000%" in off["message"].iloc[0]
    assert rep["code"].eq("tbmj_reconciled").sum() == 1
    expected = ellipsoid_area_m2(frame.geometry.values, SAMPLE_EPSG)
    np.testing.assert_allclose(preview.rows["area_ellipsoid_m2"], expected, rtol=1e-9)
    assert apply_import(preview).rows_written == 12  # a warning does not block


def test_a_survey_code_without_a_planning_code_blocks_a_parcel_import(parser, ws, tmp_path):
    frame = sample_dltb_frame()
    frame.loc[0, "DLBM"] = "0699"
    gdb = write_sample_dltb(tmp_path / "bad.gdb", frame)
    preview = preview_import(
        gdb, workspace=ws, session=parser, where="DLBM LIKE '06%'", defaults=PARCEL_DEFAULTS
    )
    bad = preview.report[preview.report["code"] == "unknown_survey_code"]
    assert bad["row"].tolist() == [1] and (bad["severity"] == "error").all()
    assert not preview.can_apply()


# ---------------------------------------------------------------------------
# Current use per area
# ---------------------------------------------------------------------------


def _expected_current_use(survey: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """The current-use figures by brute force: shapely.intersection of every pair."""
    rows = []
    for _, a in areas.iterrows():
        got = {"industrial": 0.0, "storage": 0.0, "mining": 0.0}
        for _, s in survey.iterrows():
            m2 = shapely.intersection(a.geometry, s.geometry).area
            key = {"0601": "industrial", "0508": "storage", "0602": "mining"}.get(s["dlbm"])
            if key:
                got[key] += m2
        rows.append({k: v * 15 / 10_000 for k, v in got.items()} | {"area_id": a["area_id"]})
    return pd.DataFrame(rows)


def test_current_use_per_area_matches_a_brute_force_overlay(parser, ws: Path, gdb: Path):
    apply_import(preview_import(gdb, workspace=ws, session=parser))
    w = open_workspace(ws)
    out = current_use_summary(w.get("landuse_survey"), w.areas)
    want = _expected_current_use(w.get("landuse_survey"), w.areas)
    assert out["area_id"].tolist() == want["area_id"].tolist() == ["Z1", "K1"]
    for col in ("industrial", "storage", "mining"):
        np.testing.assert_allclose(out[f"{col}_mu"], want[col], rtol=1e-9, atol=1e-9)
    assert (out["industrial_mu"] > 0).all() and (out["mining_mu"] > 0).any()
    np.testing.assert_allclose(
        out["industrial_share"], want["industrial"] / (w.areas.geometry.area * 15 / 10_000)
    )


def test_the_xlsx_report_has_the_current_use_sheet_for_planners_only(parser, ws, gdb):
    apply_import(preview_import(gdb, workspace=ws, session=parser))
    data, _, _ = export_bytes(ws, fmt="xlsx", role="planner")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert "现状用地" in book.sheetnames
    rows = list(book["现状用地"].values)
    header = next(r for r in rows if r and "现状工业用地(亩)" in r)
    body = [r for r in rows[rows.index(header) + 1 :] if r and r[0] in ("Z1", "K1")]
    w = open_workspace(ws)
    want = _expected_current_use(w.get("landuse_survey"), w.areas).set_index("area_id")
    col = header.index("现状工业用地(亩)")
    assert {r[0]: round(r[col], 6) for r in body} == {
        k: round(v, 6) for k, v in want["industrial"].items()
    }
    data, _, _ = export_bytes(ws, fmt="xlsx", role="investor")
    assert "现状用地" not in openpyxl.load_workbook(io.BytesIO(data)).sheetnames


def test_the_layout_page_shows_the_current_use_table(parser, ws, gdb, monkeypatch):
    apply_import(preview_import(gdb, workspace=ws, session=parser))
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(ws))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("geo/app/pages/layout.py").run()
    assert not at.exception
    assert "Current land use (land survey)" in [s.value for s in at.subheader]
    table = next(d.value for d in at.dataframe if "Current industrial (mu)" in d.value.columns)
    w = open_workspace(ws)
    want = _expected_current_use(w.get("landuse_survey"), w.areas)
    shown = table["Current industrial (mu)"].astype(str).str.replace(",", "").astype(float)
    np.testing.assert_allclose(shown, want["industrial"].round(1))
    assert any("2023" in c.value for c in at.caption)


def test_the_survey_map_layer_has_the_sandiao_colours_and_both_codes(parser, ws, gdb):
    from geo.layers.parse import load_layer_specs
    from geo.layers.select import select_rows
    from geo.layers.vocab import VOCABULARIES, VOCABULARY_COLORS

    apply_import(preview_import(gdb, workspace=ws, session=parser))
    w = open_workspace(ws)
    spec = next(s for s in load_layer_specs() if s.id == "landuse_survey")
    assert spec.style.by == "dlbm" and VOCABULARY_COLORS["sandiao"]["0601"] == "#d29187"
    assert VOCABULARIES["sandiao"]["0601"][0] == "0601 工业用地"
    rows = select_rows(spec, w.tables, role="planner")
    assert rows is not None and len(rows.frame) == 12
    by_code = dict(zip(rows.frame["dlbm"], rows.frame["land_use_2023"], strict=False))
    assert by_code["0601"] == "1001" and by_code["05H1"] == "09"
    assert "qsdwmc" in rows.fields
    officer = select_rows(spec, w.tables, role="investment")
    assert officer is not None and "qsdwmc" not in officer.fields
    assert select_rows(spec, w.tables, role="investor") is None


def test_the_survey_table_survives_a_round_trip_through_postgis(
    parser, ws, gdb, tmp_path, make_schema_url
):
    from geo.store.migrate import gpkg_to_postgis, postgis_to_gpkg

    apply_import(preview_import(gdb, workspace=ws, session=parser))
    url = make_schema_url()
    gpkg_to_postgis(ws, url)
    back = postgis_to_gpkg(url, tmp_path / "back.gpkg")
    assert back.rows["landuse_survey"] == 12
    a = open_workspace(ws).get("landuse_survey").sort_values("survey_id")
    b = open_workspace(tmp_path / "back.gpkg").get("landuse_survey").sort_values("survey_id")
    assert b["dlbm"].tolist() == a["dlbm"].tolist()
    assert b["tbmj_m2"].tolist() == pytest.approx(a["tbmj_m2"].tolist())
    np.testing.assert_allclose(b.geometry.area, a.geometry.area, rtol=1e-9)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_import_page_filters_a_zipped_gdb_by_preset_into_parcels(ws, monkeypatch, lang):
    """The app offers --preset: the sample's 0601/0602/0508 patches become parcels."""
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(ws))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page("geo/app/pages/import_data.py").run()
    data = (ROOT / "data" / "samples" / "fengfeng_dltb.gdb.zip").read_bytes()
    at.get("file_uploader")[0].upload("fengfeng_dltb.gdb.zip", data, "application/zip").run()
    labels = at.selectbox(key="import_survey_preset").options
    assert any("0601, 0602, 0508" in o for o in labels)
    at.selectbox(key="import_survey_preset").set_value("industrial").run()
    at.button(key="import_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    pv = at.session_state["import_preview"]
    industrial = sample_dltb_frame()["DLBM"].isin(["0601", "0602", "0508"])
    assert pv.table == "parcels" and len(pv.rows) == int(industrial.sum()) > 0
    # without a filter the same file is the reference layer
    at.selectbox(key="import_survey_preset").set_value(None).run()
    at.button(key="import_go").click().run()
    assert at.session_state["import_preview"].table == "landuse_survey"


def test_the_parcel_list_carries_the_ellipsoidal_area_and_a_ledger_leaves_it(tmp_path):
    """area_ellipsoid_m2 in the xlsx parcel list: GRS80 Geod on lon/lat, not applied back."""
    from pyproj import Geod

    from geo.io.ledger import DERIVED_COLUMNS

    data, _, _ = export_bytes(ROOT / "data" / "fuxing.gpkg", fmt="xlsx", role="planner")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["地块清单"]
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    col, pid = head.index("椭球面积(平方米)"), head.index(rows[0][0])
    got = {r[pid]: r[col] for r in rows[1:] if r[pid] and r[col] is not None}
    w = open_workspace(ROOT / "data" / "fuxing.gpkg")
    lonlat = w.parcels.set_index("parcel_id").geometry.to_crs(4490)
    geod = Geod(ellps="GRS80")
    for parcel_id in list(got)[:20]:
        want = abs(geod.geometry_area_perimeter(lonlat[parcel_id])[0])
        assert got[parcel_id] == pytest.approx(want, rel=1e-6), parcel_id
    assert "area_ellipsoid_m2" in DERIVED_COLUMNS  # a ledger never writes it back
