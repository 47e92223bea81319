"""亩均效益 evaluation: presets, scores at the benchmarks, classes, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.benefit import (
    BenefitConfigError,
    BenefitInputError,
    drop_internal,
    evaluate,
    list_presets,
    load_benefit_config,
    load_preset,
    low_efficiency_candidates,
    parse_benefit_config,
    summarize,
)

PRESETS = ["huangyan_2021", "huangyan_2022", "percentile_25_70_95"]


def firm(eid: str, scale: str = "规上", **kw) -> dict:
    row = {
        "enterprise_id": eid,
        "name": f"企业{eid}",
        "parcel_id": f"P-{eid}",
        "scale": scale,
        "year": 2022,
        "land_mu_registered": 10.0,
        "land_mu_leased": 0.0,
        "tax_wan": 100.0,
        "added_value_wan": 500.0,
        "revenue_wan": 2000.0,
        "energy_tce": 200.0,
        "emissions_t": 1.0,
        "rd_wan": 40.0,
        "employees": 50,
        "electricity_mwh": 400.0,
    }
    row.update(kw)
    return row


def at_benchmarks(config, eid: str, group: str) -> dict:
    """A firm of ``group`` whose every indicator equals its benchmark (land 10 亩)."""
    b = {i.key: i.benchmark for i in config.groups[group].indicators}
    land = 10.0
    if group == "above":
        added = b["added_value_wan_per_mu"] * land
        revenue = 1000.0
        return firm(
            eid,
            "规上",
            tax_wan=b["tax_wan_per_mu"] * land,
            added_value_wan=added,
            energy_tce=added / b["added_value_wan_per_tce"],
            emissions_t=added / b["added_value_wan_per_t"],
            employees=added / b["added_value_wan_per_person"],
            revenue_wan=revenue,
            rd_wan=b["rd_revenue_ratio"] * revenue,
        )
    tax = b["tax_wan_per_mu"] * land
    return firm(eid, "规下", tax_wan=tax, electricity_mwh=tax / b["tax_wan_per_mwh"])


def simple_config(method: str = "threshold", cuts=(120.0, 80.0, 50.0), **extra) -> dict:
    """One indicator (亩均税收, benchmark 1, weight 100): score = 100 × tax per 亩."""
    return {
        "name": "simple",
        "classes": {"method": method, "A": cuts[0], "B": cuts[1], "C": cuts[2]},
        "groups": {
            "all": {
                "scale": ["规上", "规下"],
                "indicators": {"tax_wan_per_mu": {"weight": 100, "benchmark": 1.0}},
            }
        },
        **extra,
    }


# --- presets -----------------------------------------------------------------


def test_shipped_presets_are_listed_and_cite_sources():
    assert set(PRESETS) <= set(list_presets())
    for name in PRESETS:
        cfg = load_preset(name)
        assert cfg.name == name
        assert cfg.source and cfg.url.startswith("https://")
        assert set(cfg.groups) == {"above", "below"}


def test_huangyan_2022_weights_and_benchmarks():
    cfg = load_preset("huangyan_2022")
    above = {i.key: (i.weight, i.benchmark) for i in cfg.groups["above"].indicators}
    assert above == {
        "tax_wan_per_mu": (30, 24.097),
        "added_value_wan_per_mu": (20, 136.16),
        "added_value_wan_per_tce": (20, 2.694),
        "added_value_wan_per_t": (10, 4929.81),
        "added_value_wan_per_person": (10, 18.14),
        "rd_revenue_ratio": (10, 0.0302),
    }
    below = {i.key: (i.weight, i.benchmark) for i in cfg.groups["below"].indicators}
    assert below == {"tax_wan_per_mu": (50, 11.5932), "tax_wan_per_mwh": (50, 0.2352)}


@pytest.mark.parametrize("name", PRESETS)
def test_firm_at_the_benchmarks_scores_the_sum_of_weights(name):
    cfg = load_preset(name)
    df = pd.DataFrame([at_benchmarks(cfg, "up", "above"), at_benchmarks(cfg, "down", "below")])
    r = evaluate(df, cfg).set_index("enterprise_id")
    assert r.loc["up", "score"] == pytest.approx(cfg.groups["above"].total_weight)
    assert r.loc["down", "score"] == pytest.approx(cfg.groups["below"].total_weight)
    assert r.loc["up", "score"] == pytest.approx(100.0)
    assert r.loc["up", "points_tax_wan_per_mu"] == pytest.approx(30.0)
    assert r.loc["up", "notes"] == ""


def test_huangyan_thresholds_class_a_to_d():
    cfg = load_preset("huangyan_2022")
    # 规下 with no electricity data: score = 50 × tax_per_mu / 11.5932
    rows = []
    for eid, score in (("a", 121.0), ("b", 119.0), ("c", 79.0), ("d", 49.0)):
        rows.append(firm(eid, "规下", tax_wan=score / 50 * 11.5932 * 10, electricity_mwh=None))
    r = evaluate(pd.DataFrame(rows), cfg).set_index("enterprise_id")
    assert r["class"].to_dict() == {"a": "A", "b": "B", "c": "C", "d": "D"}
    assert "tax_wan_per_mwh missing (no electricity_mwh): 0 points" in r.loc["a", "notes"]


def test_thresholds_at_the_exact_edges():
    cfg = parse_benefit_config(simple_config())
    rows = [firm(str(s), tax_wan=s / 100 * 10) for s in (120, 80, 50)]
    rows.append(firm("49.9", tax_wan=0.499 * 10))
    r = evaluate(pd.DataFrame(rows), cfg).set_index("enterprise_id")
    assert r["class"].to_dict() == {"120": "A", "80": "B", "50": "C", "49.9": "D"}


def test_percentile_classes_at_the_edges():
    cfg = load_preset("percentile_25_70_95")
    # 20 规上 firms differing only by tax: ranks 1-5 A, 6-14 B, 15-19 C, 20 D
    rows = [firm(f"e{i:02d}", tax_wan=1000.0 - 10 * i) for i in range(20)]
    r = evaluate(pd.DataFrame(rows), cfg)
    got = dict(zip(r["rank"].astype(int), r["class"], strict=True))
    assert [got[k] for k in (1, 5, 6, 14, 15, 19, 20)] == ["A", "A", "B", "B", "C", "C", "D"]
    assert (r["group_size"] == 20).all()
    assert r["class"].value_counts().to_dict() == {"B": 9, "A": 5, "C": 5, "D": 1}


def test_percentiles_are_ranked_within_each_group():
    cfg = load_preset("percentile_25_70_95")
    rows = [firm(f"up{i}", tax_wan=100.0 * (i + 1)) for i in range(4)]
    rows += [firm(f"dn{i}", "规下", tax_wan=1.0 * (i + 1)) for i in range(4)]
    r = evaluate(pd.DataFrame(rows), cfg)
    for group in ("above", "below"):
        g = r[r["group"] == group]
        assert sorted(g["rank"].astype(int)) == [1, 2, 3, 4]
        assert g["class"].tolist() == ["A", "B", "C", "D"]


def test_per_group_class_cutoffs():
    data = simple_config()
    data["groups"]["all"]["classes"] = {"method": "threshold", "A": 10.0, "B": 5.0, "C": 1.0}
    cfg = parse_benefit_config(data)
    r = evaluate(pd.DataFrame([firm("x", tax_wan=0.6 * 10)]), cfg)
    assert r["class"].iloc[0] == "A"  # 60 points: class A under the group's own cut-offs


# --- missing values and zero denominators ------------------------------------


def test_missing_emissions_get_the_group_mean_points():
    cfg = load_preset("huangyan_2022")
    rows = [
        firm("a", emissions_t=500.0 / 4929.81),  # exactly the benchmark: 10 points
        firm("b", emissions_t=500.0 / 4929.81 / 2),  # twice it: 20 points
        firm("c", emissions_t=None),
    ]
    r = evaluate(pd.DataFrame(rows), cfg).set_index("enterprise_id")
    assert r.loc["a", "points_added_value_wan_per_t"] == pytest.approx(10.0)
    assert r.loc["c", "points_added_value_wan_per_t"] == pytest.approx(15.0)
    assert "group mean" in r.loc["c", "notes"]


@pytest.mark.parametrize(("policy", "expected"), [("zero", 50.0), ("reweight", 100.0)])
def test_missing_policy_zero_or_reweight(policy, expected):
    data = simple_config(missing=policy)
    data["groups"]["all"]["indicators"]["tax_wan_per_mwh"] = {"weight": 100, "benchmark": 1.0}
    cfg = parse_benefit_config(data)
    # tax per 亩 = 1 (100 points of 200), no electricity data
    r = evaluate(pd.DataFrame([firm("x", tax_wan=10.0, electricity_mwh=None)]), cfg)
    assert r["score"].iloc[0] == pytest.approx(expected * 2)


def test_zero_denominators_make_indicators_missing_never_infinite():
    cfg = load_preset("huangyan_2022")
    rows = [firm("noland", land_mu_registered=0.0), firm("noenergy", energy_tce=0.0), firm("ok")]
    r = evaluate(pd.DataFrame(rows), cfg).set_index("enterprise_id")
    numeric = r.select_dtypes("number")
    assert np.isfinite(numeric.to_numpy(dtype=float)[~numeric.isna().to_numpy()]).all()
    assert pd.isna(r.loc["noland", "tax_wan_per_mu"])
    assert "land_mu = 0" in r.loc["noland", "notes"]
    assert pd.isna(r.loc["noenergy", "added_value_wan_per_tce"])
    assert "energy_tce = 0" in r.loc["noenergy", "notes"]
    assert r.loc["noland", "class"] in {"A", "B", "C", "D"}


def test_land_is_registered_plus_leased():
    cfg = parse_benefit_config(simple_config())
    r = evaluate(pd.DataFrame([firm("x", land_mu_registered=6.0, land_mu_leased=4.0)]), cfg)
    assert r["land_mu"].iloc[0] == 10.0
    assert r["tax_wan_per_mu"].iloc[0] == pytest.approx(10.0)


# --- bad inputs --------------------------------------------------------------


def test_negative_values_are_refused_with_firm_and_column():
    df = pd.DataFrame([firm("bad", energy_tce=-5.0, land_mu_leased=-1.0), firm("ok")])
    with pytest.raises(BenefitInputError) as err:
        evaluate(df, "huangyan_2022")
    assert "energy_tce is negative for bad" in str(err.value)
    assert "land_mu_leased is negative for bad" in str(err.value)


def test_negative_tax_is_allowed_and_scores_negatively():
    r = evaluate(
        pd.DataFrame([firm("refund", tax_wan=-10.0)]), parse_benefit_config(simple_config())
    )
    assert r["score"].iloc[0] == pytest.approx(-100.0)


def test_missing_columns_are_all_listed():
    df = pd.DataFrame([firm("x")]).drop(columns=["emissions_t", "land_mu_leased"])
    with pytest.raises(BenefitInputError, match="emissions_t, land_mu_leased absent"):
        evaluate(df, "huangyan_2022")


def test_unknown_scale_value_is_refused():
    with pytest.raises(BenefitInputError, match=r"scale value.*large.*known: "):
        evaluate(pd.DataFrame([firm("x", scale="large")]), "huangyan_2022")


def test_repeated_firm_is_refused():
    df = pd.DataFrame([firm("x"), firm("x")])
    with pytest.raises(BenefitInputError, match="enterprise_id repeated: x"):
        evaluate(df, "huangyan_2022")


def test_latest_year_by_default_and_explicit_year():
    df = pd.DataFrame([firm("x", year=2021, tax_wan=1.0), firm("x", year=2022, tax_wan=2.0)])
    cfg = parse_benefit_config(simple_config())
    assert evaluate(df, cfg)["tax_wan"].tolist() == [2.0]
    assert evaluate(df, cfg, year=2021)["tax_wan"].tolist() == [1.0]
    with pytest.raises(BenefitInputError, match="no enterprises for year 2019"):
        evaluate(df, cfg, year=2019)


def test_unknown_preset_lists_the_presets():
    with pytest.raises(
        BenefitConfigError, match=r"unknown benefit preset 'nope'; available: .*huangyan_2022"
    ):
        load_preset("nope")


def test_malformed_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = 'x'\n[groups.above\n", encoding="utf-8")
    with pytest.raises(BenefitConfigError, match=r"broken\.toml is not valid TOML"):
        load_benefit_config(path)


def test_bad_key_in_config_file_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    text = (
        '[classes]\nmethod = "threshold"\nA = 120\nB = 80\nC = 50\n'
        '[groups.above]\nscale = ["规上"]\n'
        '[groups.above.indicators.tax_wan_per_mu]\nweight = "thirty"\nbenchmark = 24.1\n'
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        BenefitConfigError,
        match=r"bad.toml: key groups.above.indicators.tax_wan_per_mu.weight must be a number",
    ):
        load_benefit_config(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["groups"]["all"]["indicators"].update(foo={"weight": 1, "benchmark": 1}),
            "unknown indicator",
        ),
        (
            lambda d: d["groups"]["all"]["indicators"]["tax_wan_per_mu"].update(benchmark=0),
            "benchmark must be positive",
        ),
        (lambda d: d["classes"].update(method="median"), "classes.method"),
        (lambda d: d["classes"].update(A=10.0), "thresholds must fall A > B > C"),
        (lambda d: d.update(missing="guess"), "key missing must be one of"),
    ],
)
def test_config_errors_name_the_key(change, message):
    data = simple_config()
    change(data)
    with pytest.raises(BenefitConfigError, match=message):
        parse_benefit_config(data)


def test_percentile_cutoffs_must_be_shares():
    with pytest.raises(BenefitConfigError, match="cumulative shares"):
        parse_benefit_config(simple_config("percentile", cuts=(25, 70, 95)))


# --- summaries, candidates, roles --------------------------------------------


def test_summary_by_class_conserves_totals():
    rows = [
        firm(f"e{i:02d}", tax_wan=1000.0 - 10 * i, land_mu_registered=5.0 + i) for i in range(20)
    ]
    r = evaluate(pd.DataFrame(rows), "percentile_25_70_95")
    s = summarize(r)
    assert s["class"].tolist() == ["A", "B", "C", "D"]
    assert s["firms"].sum() == 20
    assert s["land_mu"].sum() == pytest.approx(r["land_mu"].sum())
    assert s["tax_wan"].sum() == pytest.approx(r["tax_wan"].sum())
    assert s["land_share"].sum() == pytest.approx(1.0)
    by_group = summarize(r, by_group=True)
    assert by_group["land_mu"].sum() == pytest.approx(r["land_mu"].sum())


def test_low_efficiency_candidates_are_class_d_and_idle_parcels():
    rows = [firm(f"e{i:02d}", tax_wan=1000.0 - 10 * i) for i in range(20)]
    r = evaluate(pd.DataFrame(rows), "percentile_25_70_95")
    worst = r.loc[r["class"] == "D", "parcel_id"].tolist()
    parcels = pd.DataFrame(
        {
            "parcel_id": [*r["parcel_id"], "IDLE"],
            "status": ["operating"] * 20 + ["idle"],
        }
    )
    c = low_efficiency_candidates(parcels, r)
    assert sorted(c["parcel_id"]) == sorted([*worst, "IDLE"])
    assert set(c["reasons"]) == {"class_D", "idle"}
    assert "闲置土地" in c["reason_zh"].tolist()


def test_firm_names_never_reach_investors():
    r = evaluate(pd.DataFrame([firm("x")]), "huangyan_2022")
    assert "name" in drop_internal(r, role="planner").columns
    assert "name" not in drop_internal(r, role="investment").columns
    investor = drop_internal(r, role="investor")
    assert not {"name", "enterprise_id", "parcel_id"} & set(investor.columns)
    with pytest.raises(ValueError, match="unknown role"):
        drop_internal(r, role="boss")
