"""xlsx and csv exports: sheets, headers with units, formats, totals equal to `tenglong summary`."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import geo
from geo.cli import app
from geo.export import export_bytes

DATA = Path(__file__).resolve().parent.parent / "data"
FUXING = DATA / "fuxing.gpkg"
WUAN = DATA / "wuan.gpkg"
runner = CliRunner()

ZH_SHEETS = [
    "概览",
    "按片区",
    "按状态",
    "按年度",
    "按行业",
    "地块清单",
    "亩均分类",
    "亩均企业",
    "土壤门槛",
    "供地合同",
    "闲置土地",
    "标准地评价",
    "数据说明",
]


@pytest.fixture(scope="module")
def fuxing_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xlsx") / "fuxing.xlsx"
    res = runner.invoke(app, ["export", str(FUXING), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def rows(sheet) -> list[dict]:
    """Data rows of a sheet as dicts keyed by header, up to the first empty row."""
    it = sheet.iter_rows(values_only=True)
    head = next(it)
    out = []
    for row in it:
        if all(v is None for v in row):
            break
        out.append(dict(zip(head, row, strict=False)))
    return out


def summary_csv(*args: str) -> list[dict]:
    res = runner.invoke(app, ["summary", *args, "--format", "csv"])
    assert res.exit_code == 0, res.output
    return list(csv.DictReader(io.StringIO(res.stdout)))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def assert_matches_summary(sheet, summary: list[dict]) -> None:
    """Area rows equal `tenglong summary`; each level's subtotal equals its rows' sum."""
    data = rows(sheet)
    body = [r for r in data if isinstance(r["层级"], int)]
    totals = [r for r in data if isinstance(r["层级"], str) and r["层级"].endswith("合计")]
    assert [(r["层级"], r["片区编号"]) for r in body] == [
        (int(s["level"]), s["area_id"]) for s in summary
    ]
    for r, s in zip(body, summary, strict=True):
        assert _close(r["面积(亩)"], float(s["area_mu"])), (r, s)
        assert r["地块数(宗)"] == int(s["n_parcels"])
    levels = sorted({int(s["level"]) for s in summary})
    assert len(totals) == len(levels)
    for level, tot in zip(levels, totals, strict=True):
        want = sum(float(s["area_mu"]) for s in summary if int(s["level"]) == level)
        assert _close(tot["面积(亩)"], want)


def test_xlsx_sheets_headers_and_formats(fuxing_xlsx):
    wb = load_workbook(fuxing_xlsx)
    assert wb.sheetnames == ZH_SHEETS
    ws = wb["按片区"]
    head = [c.value for c in ws[1]]
    assert head == [
        "层级",
        "片区编号",
        "片区名称",
        "类型",
        "地块数(宗)",
        "面积(亩)",
        "面积(公顷)",
        "面积(平方米)",
    ]
    assert ws.freeze_panes == "A2"
    cell = ws.cell(row=2, column=6)
    assert isinstance(cell.value, float) and cell.number_format == "#,##0.00"
    assert ws.cell(row=2, column=5).number_format == "#,##0"
    parcels = wb["地块清单"]
    p_head = [c.value for c in parcels[1]]
    for label in ("地块编号", "状态", "原企业", "补偿金额(万元)", "面积(亩)", "腾退日期"):
        assert label in p_head
    assert parcels.freeze_panes == "A2"
    date_col = p_head.index("腾退日期") + 1
    dates = next(parcels.iter_cols(min_col=date_col, max_col=date_col, min_row=2))
    assert any(c.is_date and c.number_format == "yyyy-mm-dd" for c in dates)
    assert len(rows(parcels)) == 1200 + 1  # the parcels and a total row
    assert wb["按状态"].cell(row=2, column=6).number_format == "0.0%"


def test_xlsx_totals_equal_tenglong_summary(fuxing_xlsx):
    wb = load_workbook(fuxing_xlsx)
    assert_matches_summary(wb["按片区"], summary_csv(str(FUXING)))
    by_status = {r["状态"]: r for r in rows(wb["按状态"])}
    status_csv = summary_csv(str(FUXING), "--by", "status")
    labels = {
        "released": "已腾退",
        "stored": "已收储",
        "supplied": "已供地",
        "in_production": "已投产",
    }
    for s in status_csv:
        assert _close(by_status[labels[s["status"]]]["面积(亩)"], float(s["area_mu"]))
    total = sum(float(s["area_mu"]) for s in status_csv)
    assert _close(by_status["合计"]["面积(亩)"], total)
    for name in ("按年度", "按行业"):
        assert _close(rows(wb[name])[-1]["面积(亩)"], total)
    overview = {r["指标"]: r for r in rows(wb["概览"])}
    assert overview["公开数据：腾退土地"]["数值"] == 10269
    assert round(total, 1) == 10269.0


def test_xlsx_with_layout_matches_summary_with_layout(tmp_path):
    out = tmp_path / "wuan.xlsx"
    res = runner.invoke(app, ["export", str(WUAN), "--out", str(out), "--layout", "WA-DS"])
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert_matches_summary(wb["按片区"], summary_csv(str(WUAN), "--layout", "WA-DS"))
    assert "亩均企业" not in wb.sheetnames  # no enterprise data in wuan


def test_xlsx_provenance(fuxing_xlsx):
    wb = load_workbook(fuxing_xlsx)
    prov = {r["项目"]: r["内容"] for r in rows(wb["数据说明"])}
    assert prov["文件 SHA-256"] == hashlib.sha256(FUXING.read_bytes()).hexdigest()
    assert prov["腾笼版本"] == geo.__version__
    assert prov["坐标系"].startswith("EPSG:4547")
    assert "10000/15" in prov["单位"]
    assert "huangyan_2022" in prov["亩均评价预设"]
    assert "parcels (1200)" in prov["数据表"]
    assert prov["生成时间"][:4].isdigit() and "T" in prov["生成时间"]
    assert "示意" in prov["示意"]


def test_xlsx_in_english_for_an_investor():
    data, name, mime = export_bytes(WUAN, fmt="xlsx", role="investor", lang="en")
    assert name == "wuan-release-investor.xlsx" and mime.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:3] == ["Overview", "By area", "By status"]
    assert "Per-mu firms" not in wb.sheetnames
    head = [c.value for c in wb["By area"][1]]
    assert "area (mu)" in head and "area (ha)" in head
    parcels = rows(wb["Parcels"])
    statuses = {r["status"] for r in parcels if r["parcel ID"] != "Total"}
    assert statuses <= {"released", "stored"}


def test_csv_is_utf8_with_bom_and_chinese_headers(tmp_path):
    out = tmp_path / "fx.csv"
    res = runner.invoke(app, ["export", str(FUXING), "--out", str(out)])
    assert res.exit_code == 0, res.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    summary = summary_csv(str(FUXING))
    assert [r["片区编号"] for r in table] == [s["area_id"] for s in summary]
    for r, s in zip(table, summary, strict=True):
        assert abs(float(r["面积(亩)"]) - float(s["area_mu"])) < 1e-6


@pytest.mark.parametrize(
    ("table", "first"), [("status", "状态"), ("year", "腾退年度"), ("soil", "地块编号")]
)
def test_csv_tables(table, first):
    data, name, mime = export_bytes(WUAN, fmt="csv", table=table)
    assert mime == "text/csv" and name == f"wuan-release-{table}-planner.csv"
    head = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert head[0] == first


def test_csv_unknown_table_lists_choices(tmp_path):
    res = runner.invoke(
        app, ["export", str(WUAN), "--out", str(tmp_path / "x.csv"), "--table", "owners"]
    )
    assert res.exit_code == 2
    assert "unknown csv table 'owners'" in res.output and "parcels" in res.output
    assert list(tmp_path.iterdir()) == []
