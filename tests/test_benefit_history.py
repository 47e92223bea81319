"""亩均 over the years: class history and consecutive years in D."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.benefit import BenefitInputError, parse_benefit_config
from geo.benefit.history import HISTORY_COLUMNS, class_history, consecutive_d

CFG = parse_benefit_config(
    {
        "name": "simple",
        "classes": {"method": "threshold", "A": 120.0, "B": 80.0, "C": 50.0},
        "groups": {
            "all": {
                "scale": ["规上", "规下"],
                "indicators": {"tax_wan_per_mu": {"weight": 100, "benchmark": 1.0}},
            }
        },
    }
)


def row(eid: str, year: int, tax_per_mu: float) -> dict:
    """A firm on 10 亩 whose score is 100 × its tax per 亩."""
    return {
        "enterprise_id": eid,
        "name": f"企业{eid}",
        "parcel_id": f"P-{eid}",
        "scale": "规上",
        "year": year,
        "land_mu_registered": 10.0,
        "land_mu_leased": 0.0,
        "tax_wan": tax_per_mu * 10,
    }


def test_history_classes_every_year_and_counts_d_up_to_the_latest():
    # score 0.4 → D, 0.6 → C, 1.3 → A
    rows = [
        row("x", 2021, 0.4),
        row("x", 2022, 0.4),
        row("x", 2023, 0.4),  # D three years running
        row("y", 2021, 0.4),
        row("y", 2022, 0.6),
        row("y", 2023, 0.4),  # D, C, D → 1
        row("z", 2021, 0.4),
        row("z", 2022, 0.4),  # D twice, not evaluated in 2023 → 0
        row("w", 2023, 1.3),
    ]
    hist = class_history(pd.DataFrame(rows), CFG)
    assert list(hist.columns) == list(HISTORY_COLUMNS)
    assert hist[hist.enterprise_id == "y"]["class"].tolist() == ["D", "C", "D"]
    assert sorted(hist["year"].unique()) == [2021, 2022, 2023]
    d = consecutive_d(hist).set_index("enterprise_id")["consecutive_d_years"].to_dict()
    assert d == {"w": 0, "x": 3, "y": 1, "z": 0}


def test_boundary_score_exactly_at_the_c_cut_is_not_d():
    rows = [row("e", 2022, 0.5), row("e", 2023, 0.4999)]
    hist = class_history(pd.DataFrame(rows), CFG)
    assert hist["class"].tolist() == ["C", "D"]
    assert consecutive_d(hist)["consecutive_d_years"].tolist() == [1]


def test_table_without_years_is_refused():
    df = pd.DataFrame([row("e", 2022, 1.0)]).assign(year=None)
    with pytest.raises(BenefitInputError, match="no year"):
        class_history(df, CFG)
    with pytest.raises(BenefitInputError, match="no year column"):
        class_history(df.drop(columns=["year"]), CFG)


def test_empty_history_gives_empty_counts():
    assert consecutive_d(pd.DataFrame(columns=list(HISTORY_COLUMNS))).empty


def test_cli_history_for_planners_refused_for_investors(tmp_path):
    from pathlib import Path

    from typer.testing import CliRunner

    from geo.cli import app

    demo = Path(__file__).resolve().parents[1] / "data" / "hebi.gpkg"
    runner = CliRunner()
    out = tmp_path / "h.csv"
    res = runner.invoke(
        app, ["benefit", str(demo), "--history", "--format", "csv", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    head = out.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    assert head[0] == "enterprise_id" and head[-1] == "consecutive_d_years"
    assert any(h.startswith("class_") for h in head)
    res = runner.invoke(app, ["benefit", str(demo), "--history", "--role", "investor"])
    assert res.exit_code != 0 and "may not receive" in res.output


def test_an_enterprise_may_repeat_across_years_but_not_within_one():
    from geo.validate import validate_table

    e = pd.DataFrame([row("E", 2022, 1.0), row("E", 2023, 1.0)])
    assert not [p for p in validate_table("enterprises", e) if p.code == "duplicate_id"]
    twice = pd.DataFrame([row("E", 2023, 1.0), row("E", 2023, 2.0)])
    (dup,) = [p for p in validate_table("enterprises", twice) if p.code == "duplicate_id"]
    assert "per year" in dup.message
