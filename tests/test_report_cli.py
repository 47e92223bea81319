"""``tenglong report``: the quarterly report and the park check as xlsx and pdf.

The xlsx is opened with openpyxl (totals equal the measures, the tables
reconcile, no formula cell, the same bytes twice); the pdf is read with
poppler's ``pdftotext`` and ``pdffonts`` (park names, embedded CJK font).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from geo.cli import app
from geo.export import ExportError
from geo.export.supervision import report_bytes
from geo.supervision import supervision_figures
from geo.workspace import open_workspace, save_workspace
from tests import supervision_fixture as fx

runner = CliRunner()
needs_poppler = pytest.mark.skipif(
    shutil.which("pdffonts") is None, reason="poppler-utils missing: scripts/ensure-export-tools.sh"
)


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory) -> Path:
    tables = fx.tables()
    # a park whose name looks like a formula: it must stay text in every cell
    tables["areas"].loc[2, "name"] = "=SUM(A1:A9)"
    return save_workspace(
        tables,
        tmp_path_factory.mktemp("report") / "superv.gpkg",
        meta={"name": "监管测试区", "name_en": "Supervision test"},
    )


def report(*args: object):
    return runner.invoke(app, ["report", *[str(a) for a in args]])


def _rows(wb, title: str) -> list[tuple]:
    return list(wb[title].iter_rows(values_only=True))


def _total(rows: list[tuple], label: str = "合计") -> tuple:
    return next(r for r in rows if r[0] == label)


def test_quarterly_xlsx_totals_equal_the_measures(ws_path, tmp_path):
    out = tmp_path / "q.xlsx"
    res = report(ws_path, "--kind", "quarterly", "--period", "2024Q4", "--out", out)
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "2024Q4 本期变化",
        "期末台账合计",
        "期末按园区",
        "期末按区县",
        "期末按年度",
        "闲置土地",
        "尚可供应年限",
        "数据说明",
    ]
    fig = supervision_figures(open_workspace(ws_path), as_of="2024-12-31")
    n, mu = int(fig.totals["n_parcels"].sum()), float(fig.totals["area_mu"].sum())
    assert n == 10 and mu == pytest.approx(240.0, rel=1e-6)
    # every ledger table closes with the same total: each 亩 in exactly one row
    for title, n_col, mu_col in (
        ("期末台账合计", 1, 2),
        ("期末按园区", 2, 3),
        ("期末按区县", 2, 3),
        ("期末按年度", 2, 3),
    ):
        total = _total(_rows(wb, title))
        assert total[n_col] == n and total[mu_col] == pytest.approx(mu, rel=1e-9), title
    ledger = {r[0]: r for r in _rows(wb, "期末台账合计")[1:5]}
    assert set(ledger) == {"批而未供", "供而未用", "用而未尽", "已完成"}
    measure = fig.totals.set_index("ledger")
    assert ledger["批而未供"][2] == pytest.approx(measure.loc["unsupplied", "area_mu"], rel=1e-9)
    flows = {r[0]: r for r in _rows(wb, "2024Q4 本期变化")[1:6]}
    assert flows["本期供应"][1] == 1 and flows["本期竣工"][1] == 1
    assert flows["本期处置闲置"][1] == "—"  # no case table: never a guessed 0
    supply = {r[0]: r for r in _rows(wb, "尚可供应年限")[1:]}
    assert supply["甲园"][4] == pytest.approx(7.5, rel=1e-6)
    assert supply["=SUM(A1:A9)"][4] == "—"  # no supply in three years
    prov = dict(_rows(wb, "数据说明")[1:])
    assert prov["统计截止日期"] == "2024-12-31" and prov["报告期"] == "2024Q4"
    assert "闲置土地处置办法" in prov["闲置土地依据"]
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}"


def test_the_same_data_and_day_give_the_same_bytes(ws_path):
    one = report_bytes(ws_path, kind="quarterly", period="2024Q4")[0]
    two = report_bytes(ws_path, kind="quarterly", period="2024Q4")[0]
    assert one == two
    other = report_bytes(ws_path, kind="quarterly", period="2024Q3")[0]
    assert other != one


def test_park_check_xlsx_in_mu_and_ha_planar_and_ellipsoidal(ws_path, tmp_path):
    out = tmp_path / "pc.xlsx"
    res = report(ws_path, "--kind", "park-check", "--as-of", fx.AS_OF, "--out", out)
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert wb.sheetnames[:4] == [
        "园区整合核查（亩·平面）",
        "园区整合核查（公顷·平面）",
        "园区整合核查（亩·椭球面）",
        "园区整合核查（公顷·椭球面）",
    ]
    head, *rows = _rows(wb, "园区整合核查（亩·平面）")
    col = {h: i for i, h in enumerate(head)}
    a = next(r for r in rows if r[0] == "PA")
    assert a[col["园区面积(亩)"]] == pytest.approx(1500.0, rel=1e-6)
    assert a[col["批而未供面积(亩)"]] == pytest.approx(75.0, rel=1e-6)
    assert a[col["闲置土地率"]] == pytest.approx(0.25, rel=1e-6)
    assert a[col["尚可供应年限(年)"]] == pytest.approx(7.5, rel=1e-6)
    ha = next(r for r in _rows(wb, "园区整合核查（公顷·平面）")[1:] if r[0] == "PA")
    assert ha[col["园区面积(亩)"]] == pytest.approx(100.0, rel=1e-6)  # same column, in 公顷
    ell = next(r for r in _rows(wb, "园区整合核查（亩·椭球面）")[1:] if r[0] == "PA")
    assert ell[col["园区面积(亩)"]] != a[col["园区面积(亩)"]]
    assert ell[col["园区面积(亩)"]] == pytest.approx(1500.0, rel=1e-3)
    c = next(r for r in rows if r[0] == "PC")
    assert c[col["园区名称"]] == "=SUM(A1:A9)" and c[col["尚可供应年限(年)"]] == "—"
    for sheet in wb.worksheets:
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@needs_poppler
@pytest.mark.parametrize("kind", ["park-check", "quarterly"])
def test_pdf_names_the_parks_with_an_embedded_font(ws_path, tmp_path, kind):
    out = tmp_path / f"{kind}.pdf"
    extra = ["--period", "2024Q4"] if kind == "quarterly" else ["--as-of", fx.AS_OF]
    res = report(ws_path, "--kind", kind, *extra, "--out", out)
    assert res.exit_code == 0, res.output
    text = subprocess.run(
        ["pdftotext", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "甲园" in text and "乙园" in text
    assert ("园区整合核查" if kind == "park-check" else "批供用季度报告") in text
    if kind == "park-check":  # park areas planar and ellipsoidal, in 亩 and 公顷
        assert "园区面积 亩·椭球面" in text and "园区面积 公顷·平面" in text
    fonts = subprocess.run(
        ["pdffonts", str(out)], check=True, capture_output=True, text=True
    ).stdout
    assert "WenQuanYi" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if line.strip())


@needs_poppler
def test_quarterly_pdf_carries_the_map(ws_path, tmp_path):
    out = tmp_path / "q.pdf"
    res = report(ws_path, "--kind", "quarterly", "--period", "2024Q4", "--out", out)
    assert res.exit_code == 0, res.output
    listing = subprocess.run(
        ["pdfimages", "-list", str(out)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    # one raster image at least: the map of the ledger land and the parks
    sizes = [(int(line.split()[3]), int(line.split()[4])) for line in listing if line.strip()]
    assert sizes and max(w for w, _ in sizes) >= 300


def test_english_report(ws_path, tmp_path):
    out = tmp_path / "en.xlsx"
    res = report(ws_path, "--kind", "park-check", "--out", out, "--lang", "en")
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "Park check (mu, planar)"
    names = [r[1] for r in _rows(wb, wb.sheetnames[0])[1:4]]
    assert names == ["Park A", "Park B", "Park C"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "quarterly", "--period", "2024Q5"], "is not a quarter"),
        (["--kind", "quarterly", "--period", "24Q4"], "YYYYQn"),
        (["--kind", "quarterly", "--period", "2024-13"], "e.g. 2024Q4"),
        (["--kind", "monthly"], "choose park-check or quarterly"),
        (["--kind", "park-check", "--period", "2024Q4"], "--period is for the quarterly"),
        (["--kind", "park-check", "--as-of", "2025-02-30"], "is not a date"),
        (["--kind", "park-check", "--layout", "五园"], "unknown layout"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(ws_path, tmp_path, args, message):
    out = tmp_path / "bad.xlsx"
    res = report(ws_path, *args, "--out", out)
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split())
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_format_and_folder(ws_path, tmp_path):
    res = report(ws_path, "--kind", "quarterly", "--out", tmp_path / "q.docx")
    assert res.exit_code == 2 and "xlsx or pdf" in " ".join(res.output.split())
    res = report(ws_path, "--kind", "quarterly", "--out", tmp_path / "nowhere" / "q.xlsx")
    assert res.exit_code == 2 and "does not exist" in " ".join(res.output.split())


def test_only_planners_get_a_report(ws_path):
    for role in ("investment", "investor", "public"):
        with pytest.raises(ExportError, match="planners only"):
            report_bytes(ws_path, kind="park-check", role=role)


def test_english_quarterly_sheet_names_and_the_reconciliation_row(ws_path, tmp_path):
    out = tmp_path / "q-en.xlsx"
    res = report(ws_path, "--kind", "quarterly", "--period", "2024Q4", "--out", out, "--lang", "en")
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    assert wb.sheetnames[1:5] == [
        "Closing ledgers",
        "Closing by park",
        "Closing by district",
        "Closing by year",
    ]
    prov = dict(_rows(wb, "Provenance")[1:])
    assert prov["tables reconcile"] == "largest difference 0.0000 mu"
