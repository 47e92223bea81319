"""``tenglong new`` and ``import --into NEW.gpkg``: empty workspaces for any county-level district.

Bad inputs tried: an ambiguous name (鼓楼区, 市中区), a misspelt one (峰峰区), a
prefecture-level city (鹤壁市, adcode 130400), an unknown adcode (999999), a
five-digit number, an existing target (refused, bytes unchanged; replaced only
with --force), a path in a missing folder (not created), a file name not
ending in .gpkg, --district and --boundary together, a boundary file holding a
line, a boundary without --name, a blocked import into a new workspace (no
file, no temporary file left).
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod
from typer.testing import CliRunner

from geo import district as dm
from geo.cli import app
from geo.io import ParserSession, use_session
from geo.workspace import open_workspace
from geo.workspace_new import NewWorkspaceError, create_workspace

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
GEOD = Geod(ellps="GRS80")

# The sample shapefile lacks these required fields: filled with --default until
# missing fields stop blocking an import.
SAMPLE_DEFAULTS = [
    *("--default", "district=峰峰矿区"),
    *("--default", "land_use_planned=100102"),
    *("--default", "industry_before=未知"),
    *("--default", "polluting_history=否"),
    *("--default", "status_since=2024-01-01"),
    *("--default", "status=在产"),
]


@pytest.fixture(scope="module")
def parser():
    with ParserSession() as session:
        yield session


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def new(*args: str):
    return runner.invoke(app, ["new", *args])


def import_sample(target: Path, *args: str):
    """``tenglong import data/samples/fengfeng_parcels.zip --into TARGET ARGS``."""
    return runner.invoke(
        app, ["import", str(SAMPLES / "fengfeng_parcels.zip"), "--into", str(target), *args]
    )


def geodesic_km2(geom) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


# ---------------------------------------------------------------------------
# Three districts in three GK zones
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "adcode", "zone", "epsg", "inside_lonlat"),
    [
        ("峰峰矿区", "130406", 38, 4547, (114.21, 36.42)),  # 峰峰 town
        ("330782", "330782", 40, 4549, (120.075, 29.306)),  # 义乌 city centre
        ("乌鲁木齐市天山区", "650102", 29, 4538, (87.62, 43.79)),
    ],
)
def test_new_workspace_for_three_districts_in_three_zones(
    tmp_path, query, adcode, zone, epsg, inside_lonlat
):
    target = tmp_path / "ws.gpkg"
    res = new(str(target), "--district", query)
    assert res.exit_code == 0, res.output
    assert f"GK zone {zone} (EPSG:{epsg})" in res.output
    ws = open_workspace(target)
    assert ws.problems == []
    assert ws.crs.to_epsg() == epsg
    assert len(ws.parcels) == 0 and len(ws.areas) == 0
    assert ws.meta["adcode"] == adcode
    assert ws.meta["zone"] == str(zone)
    assert ws.meta["schematic"] == "0" and not ws.schematic
    assert ws.meta["level"] == "county"
    assert pd.Timestamp(ws.meta["created"]).tzinfo is not None
    d = dm.find_district(adcode)
    assert ws.meta["name"] == d.full_name and ws.meta["parent"] == d.parent
    stored = gpd.read_file(target, layer="boundaries")
    assert stored.crs.to_epsg() == 4490
    assert list(stored["adcode"]) == [adcode]
    geom = stored.geometry.iloc[0]
    assert geom.is_valid and geom.contains(shapely.Point(*inside_lonlat))
    # planar area in the chosen zone agrees with the geodesic area (docs/architecture.md §4)
    planar_km2 = float(ws["boundaries"]["area_m2"].iloc[0]) / 1e6
    assert planar_km2 == pytest.approx(geodesic_km2(geom), rel=1e-3)
    # converted from GCJ-02: the stored outline is shifted back by a few hundred metres
    gcj = dm._read_gcj(adcode)
    shift = (gcj.centroid.x - geom.centroid.x, gcj.centroid.y - geom.centroid.y)
    assert 50 < np.hypot(shift[0] * 90_000, shift[1] * 111_000) < 900


def test_new_workspace_accepts_city_and_name_and_a_title(tmp_path):
    out = create_workspace(
        tmp_path / "a.gpkg", district="邯郸 峰峰矿区", name="峰峰矿区腾笼换鸟", name_en="Fengfeng"
    )
    assert out.meta["adcode"] == "130406"
    assert open_workspace(out.path).meta["name"] == "峰峰矿区腾笼换鸟"
    assert open_workspace(out.path).meta["name_en"] == "Fengfeng"


# ---------------------------------------------------------------------------
# Names that are not one district
# ---------------------------------------------------------------------------


def test_ambiguous_name_lists_candidates_with_adcode_and_city(tmp_path):
    target = tmp_path / "ws.gpkg"
    res = new(str(target), "--district", "鼓楼区")
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    for adcode, city in (("320106", "南京市"), ("320302", "徐州市"), ("350102", "福州市")):
        assert adcode in text and city in text
    assert "410204" in text and "开封市" in text
    assert not target.exists()
    with pytest.raises(dm.AmbiguousDistrictError) as err:
        dm.find_district("市中区")
    assert {d.city for d in err.value.candidates} == {"济南市", "枣庄市", "内江市", "乐山市"}
    assert dm.find_district("枣庄市市中区").adcode == "370402"


def test_unknown_name_suggests_close_names(tmp_path):
    res = new(str(tmp_path / "ws.gpkg"), "--district", "峰峰区")
    assert res.exit_code == 2
    text = " ".join(res.output.split())
    assert "no county-level district is called 峰峰区" in text
    assert "峰峰矿区 (130406, 河北省邯郸市)" in text
    with pytest.raises(dm.DistrictNotFoundError) as err:
        dm.find_district("峰峰区")
    assert err.value.suggestions[0].adcode == "130406"
    assert not (tmp_path / "ws.gpkg").exists()


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("鹤壁市", "淇滨区 (410611"),  # a prefecture-level city: its districts are listed
        ("130400", "峰峰矿区 (130406"),
        ("999999", "no county-level district has the adcode 999999"),
        ("13040", "an adcode has six digits"),
        ("", "no district given"),
    ],
)
def test_not_a_county_level_district(tmp_path, query, expect):
    res = new(str(tmp_path / "ws.gpkg"), "--district", query)
    assert res.exit_code == 2
    assert expect in " ".join(res.output.split())
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# Where it is written
# ---------------------------------------------------------------------------


def test_existing_target_is_refused_unless_force(tmp_path):
    target = tmp_path / "ws.gpkg"
    assert new(str(target), "--district", "130406").exit_code == 0
    before = sha(target)
    res = new(str(target), "--district", "330782")
    assert res.exit_code == 2
    assert "already exists" in res.output and "--force" in res.output
    assert sha(target) == before
    res = new(str(target), "--district", "330782", "--force")
    assert res.exit_code == 0, res.output
    assert open_workspace(target).meta["adcode"] == "330782"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws.gpkg"]  # no temporary file left


def test_path_in_a_missing_folder_is_refused_and_not_created(tmp_path):
    target = tmp_path / "no" / "such" / "ws.gpkg"
    res = new(str(target), "--district", "130406")
    assert res.exit_code == 2
    assert "does not exist" in res.output and "mkdir -p" in res.output
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["ws.txt", "--district", "130406"],
        ["ws.gpkg"],
        ["ws.gpkg", "--district", "130406", "--boundary", "b.geojson"],
    ],
)
def test_unusable_options(tmp_path, args):
    args = [str(tmp_path / args[0]), *args[1:]]
    res = new(*args)
    assert res.exit_code == 2
    assert "error" in res.output
    assert list(tmp_path.iterdir()) == []


def test_create_workspace_refuses_an_existing_file(tmp_path):
    target = tmp_path / "ws.gpkg"
    target.write_bytes(b"not mine")
    with pytest.raises(NewWorkspaceError, match="already exists"):
        create_workspace(target, district="130406")
    assert target.read_bytes() == b"not mine"


# ---------------------------------------------------------------------------
# A street boundary from a file
# ---------------------------------------------------------------------------


def _street_file(tmp_path: Path) -> tuple[Path, shapely.Polygon]:
    """A small square inside 义乌市 (where 稠江街道 is), as GeoJSON in EPSG:4490."""
    street = shapely.box(120.02, 29.27, 120.06, 29.30)
    path = tmp_path / "choujiang.geojson"
    gpd.GeoDataFrame({"名称": ["稠江街道"]}, geometry=[street], crs=4490).to_file(path)
    return path, street


def test_street_boundary_from_a_file(tmp_path, parser):
    src, street = _street_file(tmp_path)
    target = tmp_path / "cj.gpkg"
    with use_session(parser):
        res = new(str(target), "--boundary", str(src), "--name", "稠江街道", "--code", "330782004")
    assert res.exit_code == 0, res.output
    ws = open_workspace(target)
    assert ws.problems == []
    assert ws.crs.to_epsg() == 4549
    assert ws.meta["level"] == "township" and ws.meta["adcode"] == "330782"
    assert ws.meta["district"] == "义乌市" and ws.meta["name"] == "稠江街道"
    b = gpd.read_file(target, layer="boundaries")
    assert list(b["level"]) == ["township"] and list(b["adcode"]) == ["330782004"]
    assert b.geometry.iloc[0].symmetric_difference(street).area < 1e-12  # stored as given


def test_street_boundary_needs_a_name_and_a_polygon(tmp_path, parser):
    src, _ = _street_file(tmp_path)
    with use_session(parser):
        res = new(str(tmp_path / "cj.gpkg"), "--boundary", str(src))
        assert res.exit_code == 2 and "--name" in res.output
        line = tmp_path / "line.geojson"
        gpd.GeoDataFrame(
            geometry=[shapely.LineString([(120.0, 29.2), (120.1, 29.3)])], crs=4490
        ).to_file(line)
        res = new(str(tmp_path / "cj.gpkg"), "--boundary", str(line), "--name", "x")
        assert res.exit_code == 2 and "no polygon" in " ".join(res.output.split())
    assert not (tmp_path / "cj.gpkg").exists()


# ---------------------------------------------------------------------------
# Locating data
# ---------------------------------------------------------------------------


def test_locate_points_counts_each_district():
    pts = [(114.21, 36.42), (114.20, 36.45), (114.25, 36.40), (120.075, 29.306), (0.0, 0.0)]
    loc = dm.locate_points(pts)
    assert loc.district.adcode == "130406"
    assert loc.n_points == 5 and loc.n_inside == 2 and loc.n_outside == 1
    # (114.25, 36.40) is just across the border, in 磁县
    assert [(d.adcode, n) for d, n in loc.counts] == [("130406", 2), ("130427", 1), ("330782", 1)]
    assert loc.share == pytest.approx(0.4)
    with pytest.raises(dm.NotLocatedError, match="check its CRS"):
        dm.locate_points([(500000.0, 4000000.0)])  # metres, not degrees


def test_search_box_filters_by_name_parent_and_adcode():
    assert [d.adcode for d in dm.search_districts("峰峰")] == ["130406"]
    assert "130406" in [d.adcode for d in dm.search_districts("邯郸")]
    assert all(d.adcode.startswith("1304") for d in dm.search_districts("1304"))
    assert dm.search_districts("") == []
    assert len(dm.districts()) > 2800


# ---------------------------------------------------------------------------
# import --into a new workspace
# ---------------------------------------------------------------------------


def test_import_into_a_new_workspace_finds_the_district(tmp_path, parser):
    target = tmp_path / "my.gpkg"
    with use_session(parser):
        res = runner.invoke(
            app,
            [
                "import",
                str(SAMPLES / "fengfeng_parcels.zip"),
                "--into",
                str(target),
                *SAMPLE_DEFAULTS,
            ],
        )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "district found from the data: 峰峰矿区 (130406, 河北省邯郸市), 100% of parcels" in text
    assert "override with --district" in text
    ws = open_workspace(target)
    assert ws.problems == []
    assert len(ws.parcels) == 24 and ws.meta["adcode"] == "130406"
    assert ws.crs.to_epsg() == 4547
    assert ws.parcels["name"].str.endswith("厂地块").all()  # GBK decoded
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my.gpkg"]


def test_import_into_a_new_workspace_with_a_district_and_name(tmp_path, parser):
    target = tmp_path / "ff.gpkg"
    with use_session(parser):
        res = runner.invoke(
            app,
            [
                "import",
                str(SAMPLES / "fengfeng_parcels.zip"),
                "--into",
                str(target),
                "--district",
                "130406",
                "--name",
                "峰峰样例",
                *SAMPLE_DEFAULTS,
            ],
        )
    assert res.exit_code == 0, res.output
    assert "district found" not in res.output
    assert open_workspace(target).meta["name"] == "峰峰样例"


def test_blocked_import_leaves_no_new_workspace(tmp_path, parser):
    target = tmp_path / "my.gpkg"
    with use_session(parser):
        res = import_sample(target, "--strict")  # required fields missing: blocked
        assert res.exit_code == 1
        assert "not created" in " ".join(res.output.split())
        dry = runner.invoke(
            app,
            [
                "import",
                str(SAMPLES / "fengfeng_parcels.zip"),
                "--into",
                str(target),
                "--dry-run",
                *SAMPLE_DEFAULTS,
            ],
        )
        assert dry.exit_code == 0 and "nothing written" in dry.output
        wrong = runner.invoke(
            app,
            [
                "import",
                str(SAMPLES / "fengfeng_parcels.zip"),
                "--into",
                str(target),
                "--district",
                "鼓楼区",
                *SAMPLE_DEFAULTS,
            ],
        )
        assert wrong.exit_code == 2 and "320106" in wrong.output
    assert list(tmp_path.iterdir()) == []


def test_district_option_is_refused_for_an_existing_workspace(tmp_path, parser):
    target = tmp_path / "ws.gpkg"
    create_workspace(target, district="130406")
    before = sha(target)
    with use_session(parser):
        res = runner.invoke(
            app,
            [
                "import",
                str(SAMPLES / "fengfeng_parcels.zip"),
                "--into",
                str(target),
                "--district",
                "130406",
            ],
        )
    assert res.exit_code == 2 and "exists" in res.output
    assert sha(target) == before


# ---------------------------------------------------------------------------
# The sample package
# ---------------------------------------------------------------------------


def test_samples_match_a_fresh_build(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_samples", ROOT / "scripts/build_samples.py"
    )
    mod = importlib.util.module_from_spec(spec)
    sys.modules["build_samples"] = mod  # its dataclasses look their module up
    try:
        spec.loader.exec_module(mod)
    finally:
        del sys.modules["build_samples"]
    built = mod.build(tmp_path)
    baopan, dltb = built.extra
    for path in (built.shapefile_zip, built.ledger_xlsx, baopan):
        assert sha(path) == sha(SAMPLES / path.name), f"{path.name}: rebuild data/samples/"
        assert path.stat().st_size < 1_000_000
    # GDAL stamps a FileGDB with fresh ids: the same features, not the same bytes
    gdb = "/vsizip/{}/fengfeng_dltb.gdb"
    fresh = pyogrio.read_dataframe(gdb.format(dltb), layer="DLTB")
    kept = pyogrio.read_dataframe(gdb.format(SAMPLES / dltb.name), layer="DLTB")
    assert len(kept) == 12 and dltb.stat().st_size < 1_000_000
    assert fresh.drop(columns="geometry").equals(kept.drop(columns="geometry"))
    assert fresh.geometry.geom_equals_exact(kept.geometry, 0).all()
    df = pyogrio.read_dataframe(SAMPLES / "fengfeng_parcels.zip", encoding="GBK")
    assert list(df.columns[:-1]) == [
        "地块编号",
        "地块名称",
        "用地性质",
        "状态",
        "企业名称",
        "面积亩",
    ]
    assert df.crs.to_epsg() == 4547
    ledger = pd.read_excel(SAMPLES / "fengfeng_ledger.xlsx", sheet_name="台账", dtype=str)
    assert "FF-099" in set(ledger["地块编号"]) and "FF-099" not in set(df["地块编号"])
    assert set(ledger["地块编号"]) - {"FF-099"} <= set(df["地块编号"])
    assert "已收储" in set(ledger["状态"])
    with zipfile.ZipFile(SAMPLES / "fengfeng_parcels.zip") as zf:
        names = sorted(zf.namelist())
        assert not any(n.endswith(".cpg") for n in names)  # the encoding must be detected
        dbf = zf.read("fengfeng_parcels.dbf")
    assert "地块编号".encode("gbk") in dbf


def test_a_wrong_district_blocks_the_import_and_creates_nothing(tmp_path, parser):
    """--district 130404 (复兴区) for parcels lying in 峰峰矿区: every parcel is outside."""
    target = tmp_path / "fx.gpkg"
    with use_session(parser):
        res = import_sample(target, "--district", "130404", *SAMPLE_DEFAULTS)
    assert res.exit_code == 1
    assert res.output.count("outside_district") >= 20
    assert list(tmp_path.iterdir()) == []
