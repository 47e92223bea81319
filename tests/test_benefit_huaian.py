"""The 淮安 2024 preset: rank shares, the T class, the 3-亩 floor and the benchmark rule.

Bad inputs tried: a benchmark table with an unknown ``of``, a zero factor, a T
class with ``new_firm_years = 0``, a land floor without scales, and a factor
benchmark with no value in either year.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.benefit import (
    BenefitConfigError,
    BenefitInputError,
    evaluate,
    load_preset,
    parse_benefit_config,
    summarize,
)
from geo.workspace import read_table

DATA = Path(__file__).resolve().parents[1] / "data"

RULES = {
    "name": "rank",
    "classes": {"method": "percentile", "A": 0.20, "B": 0.60, "C": 0.95},
    "scope": {"min_land_mu": 3.0, "scales": ["规下"]},
    "t_class": {"new_firm_years": 2, "industry_codes": ["44", "45", "46"]},
    "groups": {
        "all": {
            "scale": ["规上", "规下"],
            "indicators": {"tax_wan_per_mu": {"weight": 100, "benchmark": 1.0}},
        }
    },
}


def firm(eid: str, tax_per_mu: float, **kw: object) -> dict:
    row = {
        "enterprise_id": eid,
        "scale": "规上",
        "year": 2024,
        "land_mu_registered": 10.0,
        "land_mu_leased": 0.0,
        "tax_wan": tax_per_mu * 10.0,
    }
    row.update(kw)
    return row


def test_the_shipped_preset_is_the_published_scheme():
    cfg = load_preset("huaian_2024")
    assert "1717377730245iH6Bz1NN" in cfg.url and cfg.published == "2024-05-31"
    (group,) = cfg.groups.values()
    weights = {i.key: i.weight for i in group.indicators}
    assert weights == {"tax_wan_per_mu": 45, "revenue_wan_per_mu": 35, "tax_wan_per_mwh": 20}
    assert all(i.benchmark_factor == 2.0 and i.benchmark is None for i in group.indicators)
    assert group.classes.method == "percentile"
    assert dict(group.classes.cutoffs) == {"A": 0.20, "B": 0.60, "C": 0.95}
    assert cfg.scope.min_land_mu == 3.0 and "规下" in cfg.scope.scales
    assert cfg.t_class is not None and cfg.t_class.new_firm_years == 2


def test_twenty_ranked_firms_split_4_8_7_1():
    cfg = parse_benefit_config(RULES)
    df = pd.DataFrame([firm(f"E{i:02d}", 20.0 - i) for i in range(20)])
    r = evaluate(df, cfg).set_index("enterprise_id")
    # rank 4 of 20 = 20 % (A, "前20%"); rank 5 → B; rank 12 = 60 % (B, "含"); 19 = 95 % (C)
    assert r.loc["E03", "class"] == "A" and r.loc["E04", "class"] == "B"
    assert r.loc["E11", "class"] == "B" and r.loc["E12", "class"] == "C"
    assert r.loc["E18", "class"] == "C" and r.loc["E19", "class"] == "D"
    assert r["class"].value_counts().to_dict() == {"B": 8, "C": 7, "A": 4, "D": 1}


def test_t_firms_are_classed_t_and_kept_out_of_the_ranking():
    cfg = parse_benefit_config(RULES)
    rows = [firm(f"E{i:02d}", 20.0 - i) for i in range(20)]
    rows[0]["production_year"] = 2023  # 2024 − 2023 = 1 < 2: new firm
    rows[1]["production_year"] = 2022  # 2 years: evaluated
    rows[2]["industry_code"] = "4411"  # 电力生产: supplier
    rows[3]["not_evaluated"] = "是"  # the county's own list
    r = evaluate(pd.DataFrame(rows), cfg).set_index("enterprise_id")
    assert r.loc[["E00", "E02", "E03"], "class"].tolist() == ["T", "T", "T"]
    assert r.loc[["E00", "E02", "E03"], "score"].isna().all()
    assert r.loc["E00", "notes"].startswith("T (not suited to evaluation): in production since")
    assert r.loc["E01", "class"] == "A" and int(r.loc["E01", "rank"]) == 1
    assert int(r["group_size"].max()) == 17  # the three T firms are not counted
    summ = summarize(r.reset_index()).set_index("class")
    assert int(summ.loc["T", "firms"]) == 3 and list(summ.index)[-1] == "T"
    assert int(summ["firms"].sum()) == 20


def test_the_land_floor_applies_to_below_size_firms_only():
    cfg = parse_benefit_config(RULES)
    rows = [firm(f"E{i:02d}", 5.0 + i) for i in range(5)]
    rows[0].update(scale="规下", land_mu_registered=2.99)
    rows[1].update(scale="规下", land_mu_registered=3.0)
    rows[2].update(scale="规上", land_mu_registered=1.0)
    r = evaluate(pd.DataFrame(rows), cfg).set_index("enterprise_id")
    assert pd.isna(r.loc["E00", "class"]) and pd.isna(r.loc["E00", "score"])
    assert "out of scope: 2.99 亩 < 3 亩 (规下)" in r.loc["E00", "notes"]
    assert r.loc[["E01", "E02"], "class"].notna().all()
    assert int(r["group_size"].max()) == 4


def _factor_rules() -> dict:
    rules = {k: v for k, v in RULES.items() if k not in ("scope", "t_class")}
    rules["classes"] = {"method": "threshold", "A": 120.0, "B": 80.0, "C": 50.0}
    rules["groups"] = {
        "all": {
            "scale": ["规上"],
            "indicators": {
                "tax_wan_per_mu": {
                    "weight": 100,
                    "benchmark": {"factor": 2.0, "of": "previous_year_mean"},
                }
            },
        }
    }
    return rules


def test_a_factor_benchmark_is_twice_last_years_mean():
    cfg = parse_benefit_config(_factor_rules())
    rows = [firm("A", 1.0, year=2023), firm("B", 3.0, year=2023)]  # mean 2 → benchmark 4
    rows += [firm("A", 4.0), firm("B", 2.0)]
    r = evaluate(pd.DataFrame(rows), cfg, year=2024).set_index("enterprise_id")
    assert r.attrs["benchmarks"]["all"]["tax_wan_per_mu"] == (4.0, "2 × 2023 mean")
    assert r.loc["A", "score"] == pytest.approx(100.0) and r.loc["B", "score"] == pytest.approx(
        50.0
    )


def test_without_last_year_the_years_own_mean_is_used_and_said():
    cfg = parse_benefit_config(_factor_rules())
    r = evaluate(pd.DataFrame([firm("A", 4.0), firm("B", 2.0)]), cfg)
    value, basis = r.attrs["benchmarks"]["all"]["tax_wan_per_mu"]
    assert value == pytest.approx(6.0) and basis == "2 × 2024 mean (no 2023 data)"


def test_a_factor_benchmark_with_no_value_in_either_year_is_refused():
    cfg = parse_benefit_config(_factor_rules())
    with pytest.raises(BenefitInputError, match="no firm has a value in 2023 or 2024"):
        evaluate(pd.DataFrame([firm("A", 0.0, land_mu_registered=0.0)]), cfg)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"benchmark": {"factor": 2.0, "of": "mean"}}, "benchmark.of must be 'previous_year_mean'"),
        ({"benchmark": {"factor": 0, "of": "previous_year_mean"}}, "factor must be positive"),
    ],
)
def test_bad_benchmark_tables_name_the_key(patch, message):
    rules = _factor_rules()
    rules["groups"]["all"]["indicators"]["tax_wan_per_mu"].update(patch)
    with pytest.raises(BenefitConfigError, match=message):
        parse_benefit_config(rules)


def test_bad_scope_and_t_class_name_the_key():
    with pytest.raises(BenefitConfigError, match=r"t_class\.new_firm_years"):
        parse_benefit_config({**RULES, "t_class": {"new_firm_years": 0}})
    with pytest.raises(BenefitConfigError, match=r"scope\.scales must list"):
        parse_benefit_config({**RULES, "scope": {"min_land_mu": 3.0}})


def test_choujiang_demo_under_huaian_has_t_firms_and_five_percent_d():
    ent = read_table(DATA / "choujiang.gpkg", "enterprises")
    r = evaluate(ent, "huaian_2024")
    counts = r["class"].value_counts().to_dict()
    ranked = sum(counts.get(c, 0) for c in "ABCD")
    assert counts["T"] == 4  # the four firms that started in 2012
    assert counts["A"] == int(0.20 * ranked)
    assert 0.05 * ranked <= counts["D"] < 0.05 * ranked + 1
    assert not any("no 2012 data" in b for _, b in r.attrs["benchmarks"]["all"].values())
