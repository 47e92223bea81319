"""Soil gate (GB 36600-2018; 土壤污染防治法 art. 59) on 100 m squares (15 亩 each)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely import box

from geo.soil import SoilInputError, as_bool, soil_flags

GK = 4547


def parcels(rows: list[tuple[str, object, str | None]], **extra) -> gpd.GeoDataFrame:
    geoms = [
        box(500_000 + 200 * i, 4_050_000, 500_100 + 200 * i, 4_050_100) for i in range(len(rows))
    ]
    data = {
        "parcel_id": [r[0] for r in rows],
        "polluting_history": [r[1] for r in rows],
        "land_use_planned": [r[2] for r in rows],
        **extra,
    }
    return gpd.GeoDataFrame(data, geometry=geoms, crs=GK)


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("070101", "一类城镇住宅用地"),
        ("080403", "中小学用地"),
        ("080404", "幼儿园用地"),
        ("080601", "医院用地"),
        ("0807", "社会福利用地"),
        ("1401", "公园绿地"),
    ],
)
def test_first_class_use_on_polluting_land_is_flagged(code, label):
    f = soil_flags(parcels([("p", True, code)]))
    assert f["flag"].tolist() == ["first_class_land"]
    row = f.iloc[0]
    assert row["severity"] == "blocking"
    assert row["land_use_zh"] == label
    assert row["area_m2"] == pytest.approx(10_000.0)
    assert row["area_mu"] == pytest.approx(15.0)
    assert row["reason_zh"].startswith("需开展土壤污染状况调查")
    assert row["reason_en"].startswith("soil investigation required")
    assert "GB 36600-2018" in row["basis"]


@pytest.mark.parametrize("code", ["100102", "100101", "1101", "0901", None])
def test_industrial_storage_or_commercial_use_is_not_flagged(code):
    assert soil_flags(parcels([("p", True, code)])).empty


def test_non_polluting_land_is_not_flagged():
    assert soil_flags(parcels([("p", False, "070101"), ("q", "否", "080601")])).empty


def test_other_public_service_land_is_flagged_under_article_59():
    p = parcels([("lab", True, "0802"), ("office", True, "0801")])
    f = soil_flags(p)
    assert f["flag"].tolist() == ["public_service_land"] * 2
    assert "公共管理与公共服务用地" in f["reason_zh"].iloc[0]
    assert soil_flags(p, public_services=False).empty


def test_unknown_history_needs_a_survey():
    """An unknown history (None, NaN as GDAL reads a null BOOLEAN) is a possibly polluting one."""
    p = parcels([("p", None, "070101"), ("q", None, "100102"), ("r", float("nan"), "0804")])
    f = soil_flags(p)
    assert f[["parcel_id", "flag", "severity"]].values.tolist() == [
        ["p", "history_unknown", "blocking"],
        ["r", "history_unknown", "blocking"],
    ]
    assert f["reason_zh"].iloc[0].startswith("需调查")
    assert f["reason_en"].iloc[0].startswith("survey needed")
    assert soil_flags(p, unknown_history=False).empty


def test_investigated_parcels_are_not_flagged():
    p = parcels(
        [("done", True, "070101"), ("dated", True, "070101"), ("todo", True, "070101")],
        soil_investigated=[True, "2023-05-01", None],
    )
    assert soil_flags(p)["parcel_id"].tolist() == ["todo"]


def test_a_boolean_investigated_column_is_honoured():
    # Every value a plain boolean: the column's dtype is bool, not object.
    p = parcels(
        [("done", True, "070101"), ("todo", True, "070101")], soil_investigated=[True, False]
    )
    assert soil_flags(p)["parcel_id"].tolist() == ["todo"]


def test_text_and_numeric_flags_are_read():
    assert [as_bool(v) for v in (1, "1", "true", "是", 0, "no", "", None)] == [
        True, True, True, True, False, False, False, None,
    ]  # fmt: skip
    assert soil_flags(parcels([("p", "1", "070102")]))["flag"].tolist() == ["first_class_land"]


def test_missing_columns_are_named():
    p = parcels([("p", True, "070101")]).drop(columns=["land_use_planned"])
    with pytest.raises(SoilInputError, match="land_use_planned"):
        soil_flags(p)
