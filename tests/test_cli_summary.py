"""`tenglong summary`: every flag on a small workspace, bad inputs, the Fuxing total."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, box
from typer.testing import CliRunner

from geo.cli import app
from geo.workspace import save_workspace

runner = CliRunner()
GK = 4547
X0, Y0 = 500_000.0, 4_050_000.0
FUXING = Path(__file__).resolve().parent.parent / "data" / "fuxing.gpkg"


def sq(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    """Zone Z (with park P inside, a child), corridor C, 4 freed parcels and 1 operating."""
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3", "P4", "P5"],
            "name": ["一", "二", "三", "四", "五"],
            "district": ["复兴区", "复兴区", "复兴区", "丛台区", "复兴区"],
            "status": ["released", "stored", "supplied", "in_production", "operating"],
            "land_use_now": ["100102"] * 5,
            "land_use_planned": ["100101"] * 5,
            "industry_before": ["铸造", "钢铁", "铸造", "建材", "机械"],
            "polluting_history": [True, True, False, False, False],
            "released_on": pd.to_datetime(
                ["2017-03-01", "2018-05-01", "2018-07-01", "2016-01-01", None]
            ),
            "status_since": pd.to_datetime(["2017-03-01"] * 5),
        },
        geometry=[
            sq(0, 0, 100, 100),  # in park P (and zone Z): 10000 m² = 15 亩
            sq(150, 0, 250, 100),  # half in zone Z: 5000 + 5000 outside
            sq(0, 500, 100, 600),  # in corridor C
            sq(1000, 1000, 1100, 1100),  # outside
            sq(10, 10, 20, 20),  # operating, in P
        ],
        crs=GK,
    )
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["Z", "P", "C"],
            "name": ["开发区", "产业园", "廊道"],
            "name_en": ["zone", "park", "corridor"],
            "kind": ["zone", "park", "corridor"],
            "layout": ["一区一园一廊", "五园三基地", "一区一园一廊"],
            "parent_id": [None, "Z", None],
        },
        geometry=[sq(-50, -50, 200, 200), sq(-10, -10, 120, 120), sq(-50, 450, 300, 650)],
        crs=GK,
    )
    roads = gpd.GeoDataFrame(
        {"road_id": ["G1"], "name": ["国道"]},
        geometry=[LineString([(X0 - 50, Y0 + 550), (X0 + 300, Y0 + 550)])],
        crs=GK,
    )
    boundaries = gpd.GeoDataFrame(
        {"adcode": ["130404"], "name": ["复兴区"], "level": ["county"]},
        geometry=[sq(-500, -500, 2000, 2000)],
        crs=GK,
    )
    path = tmp_path_factory.mktemp("ws") / "small.gpkg"
    tables = {"parcels": parcels, "areas": areas, "roads": roads, "boundaries": boundaries}
    return save_workspace(tables, path, meta={"name": "小样", "schematic": "1"})


def invoke(*args: str):
    return runner.invoke(app, ["summary", *args])


def csv_of(*args: str) -> pd.DataFrame:
    res = invoke(*args, "--format", "csv")
    assert res.exit_code == 0, res.output
    return pd.read_csv(io.StringIO(res.stdout))


def test_default_table_by_area(ws):
    res = invoke(str(ws))
    assert res.exit_code == 0, res.output
    for text in ("开发区", "区外", "合计 total", "area_mu", "level 0", "level 1", "示意"):
        assert text in res.stdout
    assert "60.00" in res.stdout  # the total: 4 freed parcels of 10,000 m² = 60 亩


def test_csv_by_area_is_conserved_per_level(ws):
    df = csv_of(str(ws))
    assert list(df.columns) == [
        "level",
        "area_id",
        "area_name",
        "area_name_en",
        "kind",
        "n_parcels",
        "area_mu",
    ]
    lv0 = df[df["level"] == 0].set_index("area_id")["area_mu"]
    assert lv0.to_dict() == pytest.approx({"Z": 22.5, "C": 15.0, "outside": 22.5})
    assert df.groupby("level")["area_mu"].sum().tolist() == pytest.approx([60.0, 60.0])


def test_each_dimension(ws):
    status = csv_of(str(ws), "--by", "status")
    assert status["status"].tolist() == ["released", "stored", "supplied", "in_production"]
    df = csv_of(str(ws), "--by", "year", "--by", "industry", "--by", "district")
    assert list(df.columns[:3]) == ["year", "industry_before", "district"]
    assert "area_id" not in df.columns
    assert df["area_mu"].sum() == pytest.approx(60.0)
    assert df["year"].tolist() == [2016, 2017, 2018, 2018]


def test_combinations_repeat_or_comma(ws):
    a = csv_of(str(ws), "--by", "area", "--by", "status")
    b = csv_of(str(ws), "--by", "area,status")
    pd.testing.assert_frame_equal(a, b)
    assert {"area_id", "status"} <= set(a.columns)
    assert a.groupby("level")["area_mu"].sum().tolist() == pytest.approx([60.0, 60.0])


def test_layout_kind_level_filters(ws):
    lay = csv_of(str(ws), "--layout", "一区一园一廊")
    assert set(lay["area_id"]) == {"Z", "C", "outside"}
    kind = csv_of(str(ws), "--kind", "park")
    assert kind.set_index("area_id")["area_mu"].to_dict() == pytest.approx(
        {"P": 15.0, "outside": 45.0}
    )
    level = csv_of(str(ws), "--level", "1")
    assert set(level["area_id"]) == {"P", "outside"}
    # area filters with another dimension imply grouping by area first
    combo = csv_of(str(ws), "--kind", "zone", "--by", "status")
    assert list(combo.columns[:2]) == ["level", "area_id"] and "status" in combo.columns


def test_status_and_units(ws):
    df = csv_of(str(ws), "--status", "operating", "--status", "released", "--unit", "m2")
    assert "area_m2" in df.columns and "area_mu" not in df.columns
    assert df.groupby("level")["area_m2"].sum().tolist() == pytest.approx([10_100.0, 10_100.0])
    ha = csv_of(str(ws), "--status", "released,stored", "--unit", "ha", "--by", "status")
    assert ha.set_index("status")["area_ha"].to_dict() == pytest.approx(
        {"released": 1.0, "stored": 1.0}
    )


def test_json_and_out_files(ws, tmp_path):
    res = invoke(str(ws), "--format", "json", "--unit", "ha")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {"area_id", "area_ha", "n_parcels"} <= set(rows[0])
    out = tmp_path / "sub" / "summary.csv"
    res = invoke(str(ws), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert pd.read_csv(out)["area_mu"].sum() == pytest.approx(120.0)  # two levels
    out_json = tmp_path / "summary.json"
    assert invoke(str(ws), "--by", "status", "--out", str(out_json)).exit_code == 0
    assert {r["status"] for r in json.loads(out_json.read_text(encoding="utf-8"))} == {
        "released",
        "stored",
        "supplied",
        "in_production",
    }
    res = invoke(str(ws), "--out", str(tmp_path / "summary.txt"))
    assert res.exit_code == 2 and "--format csv" in res.output


def test_overlap_option(ws):
    assert invoke(str(ws), "--overlap", "order", "--format", "csv").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status", "freed"], "valid statuses: operating"),
        (["--kind", "village"], "valid kinds: zone, park"),
        (["--layout", "三区两园"], "layouts: 一区一园一廊, 五园三基地"),
        (["--level", "5"], "levels in this workspace: 0, 1"),
        (["--by", "owner"], "choose from area, status, year"),
    ],
)
def test_bad_values_list_the_valid_ones(ws, args, message):
    res = invoke(str(ws), *args)
    assert res.exit_code == 2
    assert message in res.output.replace("\n", " ")


def test_bad_unit_and_missing_file(ws, tmp_path):
    res = invoke(str(ws), "--unit", "acre")
    assert res.exit_code != 0 and "acre" in res.output
    res = invoke(str(tmp_path / "missing.gpkg"))
    assert res.exit_code == 2 and "does not exist" in res.output


@pytest.mark.skipif(not FUXING.exists(), reason="data/fuxing.gpkg not built")
def test_fuxing_freed_total():
    df = csv_of(str(FUXING))
    per_level = df.groupby("level")["area_mu"].sum()
    assert (per_level - 10_269).abs().max() <= 0.5
    assert per_level.to_numpy() == pytest.approx(per_level.iloc[0], rel=1e-9)
