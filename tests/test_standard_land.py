"""标准地 review: committed indicators against what the firms achieved."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.errors import InputError
from geo.supply.review import REVIEW_COLUMNS, standard_land_review


def _contracts(**over):
    row = {
        "contract_id": "K1",
        "parcel_ids": "P1;P2",
        "completed_on": "2024-06-30",
        "invest_wan_per_mu": 300.0,
        "far": 1.2,
        "tax_wan_per_mu": 20.0,
        "energy_tce_per_wan": 0.5,
    }
    row.update(over)
    return pd.DataFrame([row])


PARCELS = pd.DataFrame(
    {
        "parcel_id": ["P1", "P2", "P3"],
        "area_mu": [30.0, 10.0, 5.0],
        "far": [1.0, 2.0, 9.0],
        "invested_share": [1.0, 0.6, 0.0],
    }
)

FIRMS = pd.DataFrame(
    {
        "parcel_id": ["P1", "P2", "P3", "P1"],
        "year": [2024, 2024, 2024, 2023],
        "tax_wan": [500.0, 300.0, 999.0, 9999.0],
        "energy_tce": [100.0, 50.0, 1.0, 1.0],
        "added_value_wan": [200.0, 100.0, 1.0, 1.0],
    }
)


def _by(frame):
    return frame.set_index("indicator")


def test_review_compares_each_indicator_with_its_source():
    frame = standard_land_review(_contracts(), PARCELS, FIRMS)
    assert list(frame.columns) == list(REVIEW_COLUMNS)
    out = _by(frame)
    assert set(out["review_year"]) == {2024}
    # investment: 300 × (30×1.0 + 10×0.6)/40 = 270 → short by 30 万元/亩
    assert out.loc["invest_wan_per_mu", "achieved_value"] == pytest.approx(270.0)
    assert out.loc["invest_wan_per_mu", "result"] == "short"
    assert out.loc["invest_wan_per_mu", "shortfall_value"] == pytest.approx(30.0)
    # FAR (30×1 + 10×2)/40 = 1.25 ≥ 1.2; P3 is not in the contract
    assert out.loc["far", "achieved_value"] == pytest.approx(1.25)
    assert out.loc["far", "result"] == "pass"
    # tax (500 + 300)/40 = 20 万元/亩, only 2024, only the contract's parcels
    assert out.loc["tax_wan_per_mu", "achieved_value"] == pytest.approx(20.0)
    assert out.loc["tax_wan_per_mu", "result"] == "pass"
    # energy 150/300 = 0.5 ≤ 0.5 (lower is better)
    assert out.loc["energy_tce_per_wan", "result"] == "pass"


def test_energy_above_commitment_is_short_in_its_unit():
    out = _by(standard_land_review(_contracts(energy_tce_per_wan=0.4), PARCELS, FIRMS))
    assert out.loc["energy_tce_per_wan", "result"] == "short"
    assert out.loc["energy_tce_per_wan", "shortfall_value"] == pytest.approx(0.1)
    assert out.loc["energy_tce_per_wan", "unit"] == "tce/万元"


def test_year_with_no_enterprises_is_no_data_not_zero():
    out = _by(standard_land_review(_contracts(), PARCELS, FIRMS, review_year=2021))
    assert out.loc["tax_wan_per_mu", "result"] == "no data"
    assert pd.isna(out.loc["tax_wan_per_mu", "achieved_value"])
    assert out.loc["energy_tce_per_wan", "result"] == "no data"
    # the parcel figures do not depend on the year
    assert out.loc["far", "result"] == "pass"


def test_contract_without_committed_indicators():
    bare = _contracts(invest_wan_per_mu=None, far=None, tax_wan_per_mu=None)
    bare = bare.drop(columns=["energy_tce_per_wan"])
    out = standard_land_review(bare, PARCELS, FIRMS)
    assert set(out["result"]) == {"not committed"}


def test_contract_not_completed_and_no_year_is_no_data():
    out = standard_land_review(_contracts(completed_on=None), PARCELS, FIRMS)
    assert set(out["result"]) == {"no data"}
    assert out["review_year"].isna().all()


def test_missing_parcel_area_gives_no_data_for_area_based_figures():
    parcels = PARCELS.assign(area_mu=[30.0, None, 5.0])
    out = _by(standard_land_review(_contracts(), parcels, FIRMS))
    for col in ("invest_wan_per_mu", "far", "tax_wan_per_mu"):
        assert out.loc[col, "result"] == "no data"


@pytest.mark.parametrize("bad", ["2024", 24, 3000, True, 2024.5])
def test_bad_review_year_is_refused(bad):
    with pytest.raises(InputError, match="review year"):
        standard_land_review(_contracts(), PARCELS, FIRMS, review_year=bad)


def test_no_contracts_gives_empty_frame():
    out = standard_land_review(_contracts().iloc[0:0], PARCELS, FIRMS)
    assert out.empty and list(out.columns) == list(REVIEW_COLUMNS)


def test_planner_export_has_the_review_sheet_and_investors_none(tmp_path):
    from pathlib import Path

    import openpyxl
    from typer.testing import CliRunner

    from geo.cli import app

    demo = Path(__file__).resolve().parents[1] / "data" / "wuan.gpkg"
    runner = CliRunner()

    def export(out, *extra):
        args = ["export", str(demo), "--format", "xlsx", "--out", str(out), *extra]
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        return openpyxl.load_workbook(out)

    wb = export(tmp_path / "p.xlsx")
    assert "标准地评价" in wb.sheetnames
    sheet = wb["标准地评价"]
    head = [c.value for c in sheet[1]]
    assert head[:4] == ["电子监管号", "地块编号", "评价年度", "指标"]
    results = {r[head.index("结果")] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert results and results <= {"达标", "未达标", "无数据", "未约定", None}
    ids = {r[0] for r in sheet.iter_rows(min_row=2, values_only=True) if r[0]}
    wb = export(tmp_path / "v.xlsx", "--role", "investor")
    assert "标准地评价" not in wb.sheetnames
    values = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value}
    assert not any(i in v for i in ids for v in values)
