"""Attribute mapping: Chinese and English headers, units in headers, vocabularies, overrides."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.io import MappingError
from geo.io.mapping import (
    DECLARED_AREA,
    apply_mapping,
    parse_bool,
    parse_date,
    parse_land_use,
    parse_number,
    parse_status,
    plan_mapping,
    split_unit,
)
from geo.schema import STATUS_LABELS


def _fields(columns, table="parcels", **kw):
    plan = plan_mapping(columns, table=table, **kw)
    return {m.source: (m.field, m.factor) for m in plan.matches}, plan


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("地块编号", "parcel_id"),
        ("宗地代码", "parcel_id"),
        ("parcel_id", "parcel_id"),
        ("Parcel ID", "parcel_id"),
        ("地块名称", "name"),
        ("用地性质", "land_use_now"),
        ("现状用途", "land_use_now"),
        ("规划用途", "land_use_planned"),
        ("企业名称", "former_enterprise"),
        ("状态", "status"),
        ("腾退时间", "released_on"),
        ("行业", "industry_before"),
        ("权利人", "owner"),
        ("STATUS", "status"),
        ("补偿金额（万元）", "compensation_wan_yuan"),
    ],
)
def test_parcel_headers(header, field):
    got, _ = _fields([header])
    assert got[header][0] == field


@pytest.mark.parametrize(
    ("header", "factor"),
    [
        ("面积(亩)", 1.0),
        ("面积（亩）", 1.0),
        ("用地面积(公顷)", 15.0),
        ("面积(平方米)", 1 / (10000 / 15)),
        ("面积(㎡)", 1 / (10000 / 15)),
        ("面积_ha", 15.0),
        ("area_m2", 1 / (10000 / 15)),
        ("area_mu", 1.0),
        ("面积亩", 1.0),
    ],
)
def test_area_headers_become_declared_area_with_their_unit(header, factor):
    got, _ = _fields([header])
    assert got[header][0] == DECLARED_AREA
    assert got[header][1] == pytest.approx(factor)


def test_area_without_unit_is_not_guessed():
    got, plan = _fields(["面积"])
    assert "面积" not in got and plan.unmapped == ["面积"]
    assert any(f.code == "area_without_unit" for f in plan.findings)


def test_enterprise_units_in_headers():
    got, _ = _fields(
        ["税收(元)", "用电量(万千瓦时)", "用地面积(公顷)", "综合能耗(吨标准煤)", "electricity_mwh"],
        table="enterprises",
    )
    assert got["税收(元)"] == ("tax_wan", pytest.approx(1e-4))
    assert got["用电量(万千瓦时)"] == ("electricity_mwh", pytest.approx(10.0))
    assert got["用地面积(公顷)"] == ("land_mu_registered", pytest.approx(15.0))
    assert got["综合能耗(吨标准煤)"] == ("energy_tce", 1.0)


def test_unmapped_and_missing_are_reported():
    _, plan = _fields(["地块编号", "备注", "面积(亩)"])
    assert plan.unmapped == ["备注"]
    assert "status" in plan.missing and "parcel_id" not in plan.missing
    codes = {(f.code, f.field or f.column) for f in plan.findings}
    assert ("unmapped_column", "备注") in codes and ("missing_column", "status") in codes


def test_overrides_win_and_can_ignore():
    got, plan = _fields(
        ["编号", "说明", "面积"], overrides={"说明": "status", "编号": "-", "面积": "area_ha"}
    )
    assert got == {"说明": ("status", 1.0), "面积": (DECLARED_AREA, 15.0)}
    assert "编号" in plan.unmapped
    with pytest.raises(MappingError, match="does not have"):
        plan_mapping(["a"], table="parcels", overrides={"b": "status"})
    with pytest.raises(MappingError, match="not a field"):
        plan_mapping(["a"], table="parcels", overrides={"a": "Not A Field"})


def test_duplicate_mapping_keeps_the_first():
    got, plan = _fields(["地块编号", "宗地编号"])
    assert got == {"地块编号": ("parcel_id", 1.0)}
    assert any(f.code == "duplicate_mapping" for f in plan.findings)


@pytest.mark.parametrize(("zh", "key"), [(zh, key) for key, (zh, _) in STATUS_LABELS.items()])
def test_every_status_label_is_understood(zh, key):
    assert parse_status(zh) == key
    assert parse_status(key) == key


def test_status_synonyms():
    assert parse_status("已搬迁") == "released"
    assert parse_status("已出让") == "supplied"
    assert parse_status("??") is None


def test_land_use_codes():
    assert parse_land_use("100102 二类工业用地") == ("100102", None)
    assert parse_land_use("70101")[0] == "070101"
    assert parse_land_use("一类城镇住宅用地")[0] == "070101"
    assert parse_land_use("999999") == (None, None)


def test_values():
    assert parse_bool("是") is True and parse_bool("否") is False and parse_bool("也许") is None
    assert parse_date("2018.5.1")[0] == pd.Timestamp("2018-05-01")
    assert parse_date("43221")[0] == pd.Timestamp("2018-05-01")
    assert parse_date("下个月") == (None, None)
    with pytest.raises(ValueError):
        parse_number("十二")
    assert split_unit("用电量(万千瓦时)") == ("用电量", "万千瓦时")


def test_apply_mapping_reports_rows_and_columns():
    frame = pd.DataFrame(
        {
            "地块编号": ["P1", "P2", "P3"],
            "状态": ["已腾退", "拆迁中", None],
            "现状用途": ["M2", "二类工业用地", "XYZ"],
            "腾退时间": ["2018年5月", "2018-05-01", "不详"],
            "面积(公顷)": ["1.5", "x", None],
        }
    )
    plan = plan_mapping(frame.columns, table="parcels")
    out, findings = apply_mapping(frame, plan)
    assert out["status"].tolist()[:1] == ["released"]
    assert out["land_use_now"].tolist()[:2] == ["100102", "100102"]
    assert out[DECLARED_AREA].iloc[0] == pytest.approx(22.5)
    got = {(f.code, f.row, f.column) for f in findings}
    assert ("unknown_status", 2, "状态") in got and ("unknown_status", 3, "状态") in got
    assert ("land_use_converted", 1, "现状用途") in got
    assert ("unknown_land_use", 3, "现状用途") in got
    assert ("bad_date", 3, "腾退时间") in got
    assert ("bad_number", 2, "面积(公顷)") in got


def test_defaults_fill_empty_values_only():
    frame = pd.DataFrame({"地块编号": ["P1", "P2"], "状态": ["在产", None]})
    plan = plan_mapping(
        frame.columns, table="parcels", defaults={"status": "已腾退", "district": "复兴区"}
    )
    out, findings = apply_mapping(frame, plan, defaults={"status": "已腾退", "district": "复兴区"})
    assert out["status"].tolist() == ["operating", "released"]
    assert out["district"].tolist() == ["复兴区", "复兴区"]
    assert not any(f.severity == "error" for f in findings)
    with pytest.raises(MappingError, match="not known"):
        apply_mapping(frame, plan, defaults={"status": "半拆"})
