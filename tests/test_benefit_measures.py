"""差别化 measures: yearly surcharges by class and by years in a row in D.

Bad inputs tried: an unknown measures name, a missing TOML file, a rate for a
class that does not exist, a negative rate, a step of 0 years, an enterprises
table without the quantity column, a firm-year without a quantity.
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo.benefit import BenefitConfigError, BenefitInputError
from geo.benefit.history import class_history, d_runs
from geo.benefit.measures import (
    SURCHARGE_COLUMNS,
    list_measures,
    load_measures,
    parse_measures,
    yearly_surcharges,
)
from geo.workspace import read_table
from tests.test_benefit_history import CFG, row
from tests.test_benefit_huaian import DATA

HAINING = load_measures("haining_2025")


def hist(classes: list[str], start: int = 2020, firm: str = "E") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "enterprise_id": [firm] * len(classes),
            "year": range(start, start + len(classes)),
            "score": 1.0,
            "class": classes,
        }
    )


def ent(n: int, mwh: float | None = 1234.567, start: int = 2020, firm: str = "E") -> pd.DataFrame:
    return pd.DataFrame(
        {"enterprise_id": [firm] * n, "year": range(start, start + n), "electricity_mwh": mwh}
    )


def test_the_shipped_haining_rates_and_source():
    assert "haining_2025" in list_measures()
    (m,) = HAINING.measures
    assert (m.rates, m.unit, m.quantity, m.quantity_factor) == (
        {"D": 0.3},
        "元/kWh",
        "electricity_mwh",
        1000.0,
    )
    assert m.rate("D", 2) == 0.3 and m.rate("D", 3) == 0.4 and m.rate("C", 5) == 0.0
    assert HAINING.verified is False and "二手来源" in HAINING.source


def test_the_rate_rises_in_the_third_year_in_a_row_and_a_gap_resets_it():
    h = hist(["D", "D", "D", "D", "C", "D"])
    s = yearly_surcharges(h, ent(6), HAINING)
    assert list(s.columns) == list(SURCHARGE_COLUMNS)
    assert s["consecutive_d_years"].tolist() == [1, 2, 3, 4, 0, 1]
    assert s["rate"].tolist() == [0.3, 0.3, 0.4, 0.4, 0.0, 0.3]
    # 1,234.567 MWh = 1,234,567 kWh; × 0.3 = 370,370.1 元 → 370,370 元 (to the 元)
    assert s["amount_yuan"].tolist() == [370370.0, 370370.0, 493827.0, 493827.0, 0.0, 370370.0]
    assert s["amount_wan"].iloc[2] == pytest.approx(49.3827)


def test_a_year_not_evaluated_ends_the_run():
    h = hist(["D", "D"]).iloc[[0]]
    h = pd.concat([h, hist(["D", "D"], start=2022)], ignore_index=True)  # 2021 missing
    assert d_runs(h).tolist() == [1, 1, 2]


def test_a_missing_quantity_gives_a_missing_amount_only_where_one_is_due():
    h = pd.concat([hist(["D"]), hist(["A"], firm="F")], ignore_index=True)
    e = pd.concat([ent(1, None), ent(1, None, firm="F")], ignore_index=True)
    s = yearly_surcharges(h, e, HAINING).set_index("enterprise_id")
    assert pd.isna(s.loc["E", "amount_yuan"]) and s.loc["F", "amount_yuan"] == 0.0


def test_the_quantity_column_must_exist():
    with pytest.raises(BenefitInputError, match="needs the column electricity_mwh"):
        yearly_surcharges(hist(["D"]), ent(1).drop(columns="electricity_mwh"), HAINING)


@pytest.mark.parametrize(
    ("measure", "message"),
    [
        ({"unit": "元/kWh", "quantity": "x", "rates": {"E": 0.1}}, "rates.E: classes are"),
        ({"unit": "元/kWh", "quantity": "x", "rates": {"D": -0.1}}, "must be a number ≥ 0"),
        (
            {
                "unit": "元/kWh",
                "quantity": "x",
                "steps": [{"class": "D", "min_consecutive_years": 0, "rate": 1}],
            },
            "min_consecutive_years must be a whole number",
        ),
        ({"quantity": "x"}, "measures.m.unit is missing"),
    ],
)
def test_bad_measures_name_the_key(measure, message):
    with pytest.raises(BenefitConfigError, match=message):
        parse_measures({"measures": {"m": measure}})


def test_unknown_names_and_missing_files_are_refused(tmp_path):
    with pytest.raises(BenefitConfigError, match="available: haining_2025"):
        load_measures("nope")
    with pytest.raises(BenefitConfigError, match="does not exist"):
        load_measures(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("measures = [", encoding="utf-8")
    with pytest.raises(BenefitConfigError, match="not valid UTF-8 TOML"):
        load_measures(bad)


def test_surcharges_follow_the_class_history():
    rows = [row("E", y, 0.4) for y in (2021, 2022, 2023)]  # D every year
    rows += [row("F", y, 1.3) for y in (2021, 2022, 2023)]  # A every year
    e = pd.DataFrame(rows).assign(electricity_mwh=100.0)
    s = yearly_surcharges(class_history(e, CFG), e, HAINING)
    assert s.groupby("enterprise_id")["amount_yuan"].sum().to_dict() == {
        "E": 30000.0 + 30000.0 + 40000.0,
        "F": 0.0,
    }


def test_the_choujiang_demo_holds_three_years_with_runs_of_d():
    e = read_table(DATA / "choujiang.gpkg", "enterprises")
    assert sorted(e["year"].unique().tolist()) == [2011, 2012, 2013]
    assert not e.duplicated(["enterprise_id", "year"]).any()
    s = yearly_surcharges(class_history(e), e, HAINING)
    top = s[s["year"] == 2013]
    assert (top["consecutive_d_years"] >= 3).any()
    assert (top.loc[top["consecutive_d_years"] >= 3, "rate"] == 0.4).all()


def test_cli_surcharges_csv_json_and_refusals(tmp_path):
    import json

    from typer.testing import CliRunner

    from geo.cli import app

    demo = str(DATA / "choujiang.gpkg")
    runner = CliRunner()
    out = tmp_path / "s.csv"
    args = ["benefit", demo, "--history", "--measures", "haining_2025"]
    res = runner.invoke(app, [*args, "--format", "csv", "--out", str(out)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert list(frame.columns) == list(SURCHARGE_COLUMNS)
    assert sorted(frame["year"].unique()) == [2011, 2012, 2013]
    res = runner.invoke(app, [*args, "--format", "json"])
    payload = json.loads(res.stdout)
    assert payload["measures"] == "haining_2025" and payload["measures_verified"] is False
    total = sum(r["amount_yuan"] or 0 for r in payload["surcharges"])
    assert total == pytest.approx(frame["amount_yuan"].sum())
    res = runner.invoke(app, ["benefit", demo, "--measures", "haining_2025"])
    assert res.exit_code != 0 and "add --history" in res.output
    res = runner.invoke(app, [*args[:-1], "nope"])
    assert res.exit_code != 0 and "available: haining_2025" in res.output
    res = runner.invoke(app, [*args, "--role", "public"])
    assert res.exit_code != 0 and "may not receive" in res.output
    res = runner.invoke(app, ["benefit", demo, "--list-presets"])
    assert "huaian_2024" in res.output and "haining_2025" in res.output


def test_the_xlsx_report_has_history_and_surcharge_sheets_for_staff_only(tmp_path):
    import openpyxl
    from typer.testing import CliRunner

    from geo.cli import app

    runner = CliRunner()
    demo = str(DATA / "choujiang.gpkg")
    sheets = {}
    for role in ("planner", "investment", "investor"):
        out = tmp_path / f"{role}.xlsx"
        res = runner.invoke(
            app, ["export", demo, "--format", "xlsx", "--role", role, "--out", str(out)]
        )
        assert res.exit_code == 0, res.output
        sheets[role] = openpyxl.load_workbook(out)
    wb = sheets["planner"]
    hist = [[c.value for c in r] for r in wb["亩均历年"].iter_rows()]
    assert hist[0][:2] == ["企业编号", "企业名称"] and hist[0][2:5] == [
        "2011年类别",
        "2012年类别",
        "2013年类别",
    ]
    assert sum(1 for r in hist[1:] if str(r[0]).startswith("CJ-E")) == 129
    sur = [[c.value for c in r] for r in wb["差别化措施"].iter_rows()]
    amounts = [r[-1] for r in sur[1:] if str(r[0]).startswith("CJ-E")]
    e = read_table(DATA / "choujiang.gpkg", "enterprises")
    expected = yearly_surcharges(class_history(e), e, HAINING)["amount_wan"].sum()
    assert sum(amounts) == pytest.approx(expected, rel=1e-9)
    inv = sheets["investment"]
    assert "企业名称" not in [c.value for c in next(inv["亩均历年"].iter_rows())]
    assert "亩均历年" not in sheets["investor"].sheetnames
    assert "差别化措施" not in sheets["investor"].sheetnames
