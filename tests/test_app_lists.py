"""Lists beside the map, edits on a demo's working copy, history, and the import report.

Through ``streamlit.testing`` on the real demo workspace (a GeoPackage
written by GDAL); expected figures are worked out from the file itself with
geopandas and :mod:`geo.lifecycle`, never typed in.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from geo.app import result_list
from geo.app.i18n import md
from geo.app.pages import overview
from geo.lifecycle import days_in_status
from geo.store import open_store
from tests.fixtures_io import fuxing_copy, parcel_frame, write_csv_wkt
from tests.test_app import FUXING, run_page, texts
from tests.test_app_edit import PID, _save

LIST_COLUMNS_ZH = ["编号", "名称", "状态", "面积（亩）", "当前状态天数", "所在片区"]
HISTORY_COLUMNS_ZH = ["时间（Asia/Shanghai）", "修改人", "字段", "原值 → 新值", "备注"]


@pytest.fixture(scope="module")
def parcels() -> gpd.GeoDataFrame:
    return gpd.read_file(FUXING, layer="parcels")


def _expected_ids(parcels: gpd.GeoDataFrame, status: str, min_days: int) -> list[str]:
    days = days_in_status(parcels)
    hit = days[(days["status"] == status) & (days["days_in_status"] >= min_days)]
    return sorted(hit["parcel_id"].astype(str))


def _list(at) -> pd.DataFrame:
    key = at.session_state[overview.LIST_KEY]
    return next(d for d in at.dataframe if d.key == key).value


def _headers(at, key: str) -> list[str]:
    """The column headers a table shows (its column configuration's labels)."""
    table = next(d for d in at.dataframe if d.key == key)
    config = json.loads(table.proto.columns)
    return [config[c]["label"] for c in table.value.columns if "label" in config.get(c, {})]


def _popover_label(at) -> str:
    """The filter popover's label (the chip count): the block's ``popover.label``."""
    return next(str(p.proto.popover.label) for p in at.get("popover"))


# ---------------------------------------------------------------------------
# The result list
# ---------------------------------------------------------------------------


def test_idle_for_more_than_a_year_is_a_list(monkeypatch, parcels):
    """The question of the finding: status 闲置 and days in status ≥ 365 give a list."""
    at = run_page(monkeypatch, state={"ov_status": ["idle"], "ov_days": 365})
    assert not at.exception, at.exception
    want = _expected_ids(parcels, "idle", 365)
    assert want  # the demo has idle land older than a year
    shown = _list(at)
    assert sorted(shown["parcel_id"]) == want
    assert set(shown["status"]) == {"闲置"}
    assert (shown["days_in_status"] >= 365).all()
    mu = parcels.set_index("parcel_id").loc[want, "area_mu"].round(1)
    assert shown.set_index("parcel_id")["area_mu"].to_dict() == pytest.approx(mu.to_dict())
    assert _popover_label(at) == "筛选 (2)"  # status and days, in the chip count
    assert any(f"筛选结果：{len(want)} 块地" in c.value for c in at.caption)
    assert any(e.label == f"地块列表（{len(want)} 块）" for e in at.expander)
    # a stricter threshold: fewer parcels, still computed from the file
    longest = int(days_in_status(parcels).query("status == 'idle'")["days_in_status"].median())
    at.number_input(key="ov_days").set_value(longest).run()
    assert sorted(_list(at)["parcel_id"]) == _expected_ids(parcels, "idle", longest)
    assert len(_list(at)) < len(want)


def test_the_list_headers_are_labels_in_each_language(monkeypatch):
    at = run_page(monkeypatch, state={"ov_status": ["idle"]})
    key = at.session_state[overview.LIST_KEY]
    assert _headers(at, key) == LIST_COLUMNS_ZH
    en = run_page(monkeypatch, lang="en", state={"ov_status": ["idle"]})
    assert _headers(en, key) == [
        "ID",
        "Name",
        "Status",
        "Area (mu)",
        "Days in status",
        "Planning area",
    ]
    assert set(_list(en)["status"]) == {"idle"}


def test_days_filter_is_kept_across_the_language_switch_and_cleared(monkeypatch, parcels):
    at = run_page(monkeypatch, state={"ov_status": ["闲置"], "ov_days": 365})
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.session_state["ov_status"] == ["idle"] and at.session_state["ov_days"] == 365
    assert _popover_label(at) == "Filters (2)"
    assert sorted(_list(at)["parcel_id"]) == _expected_ids(parcels, "idle", 365)
    at.button(key="ov_clear").click().run()
    assert at.session_state["ov_days"] == 0 and at.session_state["ov_status"] == []
    assert _popover_label(at) == "Filters"
    assert len(_list(at)) == len(parcels)


@pytest.mark.parametrize("bad", [-5, None, "many"])
def test_a_bad_days_value_means_no_days_filter(monkeypatch, parcels, bad):
    """Bad inputs tried: a negative count, an emptied field and text (a stale session value)."""
    at = run_page(monkeypatch, lang="en", state={"ov_status": ["idle"], "ov_days": bad})
    assert not at.exception, at.exception
    assert at.session_state["ov_days"] == 0
    assert _popover_label(at) == "Filters (1)"
    assert len(_list(at)) == len(_expected_ids(parcels, "idle", 0))


def test_picking_a_row_opens_the_card_and_zooms_to_that_parcel(monkeypatch, parcels):
    at = run_page(monkeypatch, lang="en", state={"ov_status": ["idle"]})
    ids = list(_list(at)["parcel_id"])
    key = at.session_state[overview.LIST_KEY]
    row = 2
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["overview_selected"] == ids[row]
    (south, west), (north, east) = at.session_state[overview.FIT]
    one = parcels[parcels["parcel_id"] == ids[row]].to_crs(4326).total_bounds
    assert (west, south, east, north) == pytest.approx(tuple(one), abs=1e-9)
    # a later click elsewhere is not taken back by the list's selection
    at.session_state["overview_selected"] = ids[0]
    at.run()
    assert at.session_state["overview_selected"] == ids[0]


def test_a_filter_change_fits_the_map_to_the_result(monkeypatch, parcels):
    at = run_page(monkeypatch, lang="en")
    assert overview.FIT not in at.session_state  # the first map fits its own bounds
    at.multiselect(key="ov_status").set_value(["idle"]).run()
    (south, west), (north, east) = at.session_state[overview.FIT]
    idle = parcels[parcels["status"] == "idle"].to_crs(4326).total_bounds
    assert (west, south, east, north) == pytest.approx(tuple(idle), abs=1e-9)
    whole = parcels.to_crs(4326).total_bounds
    assert (east - west) < (whole[2] - whole[0])  # the view narrowed
    at.multiselect(key="ov_status").set_value([]).run()
    (south, west), (north, east) = at.session_state[overview.FIT]
    assert (west, south, east, north) == pytest.approx(tuple(whole), abs=1e-9)


def test_the_list_download_is_role_filtered_and_formula_safe(monkeypatch, parcels):
    """Internal fields never reach the list; an investor gets no name and only available land."""
    internal = {
        str(v)
        for c in ("former_enterprise", "owner", "contact")
        for v in parcels[c].dropna().unique()
    }
    at = run_page(monkeypatch, lang="zh", state={"role": "investment"})
    assert not at.exception
    assert at.get("download_button")
    from geo.workspace import open_workspace

    ws = open_workspace(FUXING)
    for role in ("investment", "investor"):
        frame = result_list.result_frame(ws, None, "zh", role)
        csv = result_list.list_bytes(frame, "zh", "csv").decode("utf-8-sig")
        xlsx = load_workbook(io.BytesIO(result_list.list_bytes(frame, "zh", "xlsx")))
        cells = {str(c.value) for row in xlsx.active.iter_rows() for c in row}
        assert not any(v in csv for v in internal)
        assert not (cells & internal)
        assert csv.splitlines()[0].startswith("编号,")
    investor = result_list.result_frame(ws, None, "en", "investor")
    assert "name" not in investor.columns
    assert set(investor["status"]) <= {"released", "stored"}
    hostile = pd.DataFrame({"parcel_id": ["X-1"], "name": ['=HYPERLINK("http://x")']})
    csv = result_list.list_bytes(hostile, "en", "csv").decode("utf-8-sig")
    assert "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv


# ---------------------------------------------------------------------------
# A save on a demo: the working copy is announced, filters and selection stay
# ---------------------------------------------------------------------------


def test_a_save_on_a_demo_says_working_copy_and_keeps_filters_and_selection(monkeypatch):
    at = run_page(
        monkeypatch,
        lang="zh",
        state={"ov_status": ["to_release"], "ov_days": 365, "overview_selected": PID},
    )
    before = len(_list(at))
    assert PID in set(_list(at)["parcel_id"])
    _save(at, "released", dt.date(2024, 5, 1), "区政府批复")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert Path(at.session_state["workspace_path"]).name == "fuxing-working-copy.gpkg"
    # filters and selection survive the save and the switch to the working copy
    assert at.session_state["ov_status"] == ["to_release"]
    assert at.session_state["ov_days"] == 365
    assert at.session_state["overview_selected"] == PID
    assert len(_list(at)) == before - 1  # the saved parcel left to_release
    assert _popover_label(at) == "筛选 (2)"
    # announced where the save happened, and in the header while on the copy
    name = md("fuxing-working-copy.gpkg")
    assert any(f"编辑保存在工作副本 {name}" in s.value for s in at.success)
    assert any(f"编辑保存在工作副本 {name}，演示工作空间" in c.value for c in at.caption)
    at.run()  # the next run: the success message is gone, the header caption stays
    assert any(f"编辑保存在工作副本 {name}，演示工作空间" in c.value for c in at.caption)


def test_history_shows_local_time_labels_and_before_after(monkeypatch):
    at = run_page(monkeypatch, lang="zh", state={"overview_selected": PID})
    _save(at, "released", dt.date(2024, 5, 1), "区政府批复")
    copy = Path(at.session_state["workspace_path"])
    with open_store(copy, user="t", role="investment") as store:
        hist = store.history(PID)
    shown = next(e for e in at.expander if e.label == "修改记录").dataframe[0].value
    assert list(shown.columns) == HISTORY_COLUMNS_ZH
    status = shown[shown["字段"] == "状态"].iloc[0]
    assert status["原值 → 新值"] == "拟腾退 → 已腾退"
    assert status["备注"] == "区政府批复"
    at_utc = pd.Timestamp(hist[hist["field"] == "status"]["at"].iloc[0])
    at_utc = at_utc.tz_localize("UTC") if at_utc.tzinfo is None else at_utc
    local = at_utc.tz_convert(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert status["时间（Asia/Shanghai）"] == local
    assert "UTC" not in " ".join(shown.astype(str).to_numpy().ravel())
    assert "None" not in shown.to_csv()


def test_history_time_zone_is_a_setting(monkeypatch):
    monkeypatch.setenv("TENGLONG_TIMEZONE", "Europe/Berlin")
    at = run_page(monkeypatch, lang="en", state={"overview_selected": PID})
    _save(at, "released", dt.date(2024, 5, 1))
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = next(e for e in at.expander if e.label == "Change history").dataframe[0].value
    assert list(shown.columns)[:2] == ["When (Europe/Berlin)", "Who"]
    assert shown[shown["Field"] == "Status"].iloc[0]["Before → after"] == ("to release → released")
    monkeypatch.setenv("TENGLONG_TIMEZONE", "Not/AZone")  # a bad value: the default, logged
    at.run()
    shown = next(e for e in at.expander if e.label == "Change history").dataframe[0].value
    assert shown.columns[0] == "When (Asia/Shanghai)"


# ---------------------------------------------------------------------------
# The import report in the UI language
# ---------------------------------------------------------------------------

CLI_FLAGS = ("--layer", "--crs", "--map", "--source-crs", "--accept-repairs", "--mode")


def _preview(monkeypatch, name: str, data: bytes, lang: str):
    at = run_page(monkeypatch, "import_data", lang=lang)
    at.get("file_uploader")[0].upload(name, data, "application/octet-stream").run()
    at.button(key="import_go").click().run()
    assert not at.exception, at.exception
    return at


def _bad_geojson() -> bytes:
    g = parcel_frame(4, prefix="REP")
    g.loc[1, "状态"] = "不知道"  # an unknown status: an error with its row
    return g.to_crs(4326).to_json().encode("utf-8")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_import_report_is_in_the_ui_language_without_none_or_cli_flags(monkeypatch, lang):
    at = _preview(monkeypatch, "bad.geojson", _bad_geojson(), lang)
    shown = "\n".join(texts(at))
    assert "None" not in shown
    assert not [f for f in CLI_FLAGS if f in shown], [f for f in CLI_FLAGS if f in shown]
    report = next(e for e in at.expander if e.label == ("检查报告" if lang == "zh" else "Findings"))
    table = report.dataframe[0].value
    if lang == "zh":
        assert list(table.columns)[:2] == ["级别", "问题"]
        assert "错误" in set(table["级别"]) and "状态未知" in set(table["问题"])
        assert table.loc[table["问题"] == "状态未知", "行号"].tolist() == ["2"]
        messages = dict(zip(table["问题"], table["说明"], strict=True))
        assert messages["状态未知"].startswith("状态“不知道”无法识别；请填写：在产、")
        assert messages["列未导入"].startswith("列“id”没有对应的字段")
        assert messages["写入表（自动判断）"].startswith("导入到 地块 表")
        # every finding of this file is worded in Chinese: none is an English sentence
        assert not [m for m in table["说明"] if re.fullmatch(r"[ -~]+", m)], list(table["说明"])
        assert any("写入 地块：面几何" in c.value for c in at.caption)
        assert "导入为 规划片区 图层" in shown
        mapping = next(e for e in at.expander if e.label == "字段对应").dataframe[0].value
        assert "状态 (status)" in set(mapping["字段"]) and "不导入" in set(mapping["对应方式"])
    else:
        assert list(table.columns)[:2] == ["Severity", "About"]
        assert "unknown status" in set(table["About"])
        assert any("Into parcels: polygons" in c.value for c in at.caption)


def test_import_without_crs_says_what_to_enter_in_words(monkeypatch, tmp_path):
    """A CSV with projected WKT and no CRS: the EPSG suggestion, no "--crs"."""
    path = write_csv_wkt(parcel_frame(2, prefix="CRS"), tmp_path / "p.csv", encoding="utf-8")
    at = _preview(monkeypatch, "p.csv", path.read_bytes(), "zh")
    shown = "\n".join(texts(at))
    assert "--crs" not in shown and "None" not in shown
    assert "“坐标系 EPSG”框" in shown


def test_cli_import_report_prints_no_none(tmp_path):
    from geo.cli import app

    ws = fuxing_copy(tmp_path)
    g = parcel_frame(3, prefix="CLI")
    g.loc[0, "状态"] = "不知道"
    pyogrio.write_dataframe(g, tmp_path / "p.gpkg")
    result = CliRunner().invoke(
        app, ["import", str(tmp_path / "p.gpkg"), "--into", str(ws), "--dry-run"]
    )
    assert "unknown" in result.output.lower() or "不知道" in result.output
    assert "None" not in result.output
