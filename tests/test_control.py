"""Control indicators (工业项目建设用地控制指标): the shipped table, checks, bad inputs."""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest

from geo.control import (
    ControlConfigError,
    ControlInputError,
    check_area_targets,
    check_projects,
    far_min_for,
    industry_code,
    load_control_table,
)


def project(**kw) -> pd.DataFrame:
    base = {
        "project_id": "x",
        "industry": "33",
        "far": 0.7,
        "coverage": 0.30,
        "admin_ratio": 0.07,
        "green_ratio": 0.20,
        "invest_wan_per_mu": 300.0,
        "invest_min_wan_per_mu": 300.0,
    }
    base.update(kw)
    return pd.DataFrame([base])


def statuses(result: pd.DataFrame) -> dict[str, str]:
    return dict(zip(result["rule_id"], result["status"], strict=True))


# --- the shipped table -------------------------------------------------------


def test_shipped_table_covers_manufacturing_divisions_13_to_43():
    t = load_control_table()
    assert sorted(t.far_min) == [str(c) for c in range(13, 44)]
    assert t.far_min["13"].value == 1.0
    assert t.far_min["31"].value == 0.6
    assert t.far_min["33"].value == 0.7
    assert (t.coverage_min, t.admin_max, t.green_max) == (0.30, 0.07, 0.20)
    assert "自然资发〔2023〕72号" in t.source
    assert t.verified is False  # values still to be checked against the official text


def test_industry_codes_and_names():
    assert industry_code("C3311") == industry_code("3311") == industry_code(33) == "33"
    assert industry_code("黑色金属冶炼和压延加工业") == "31"
    assert industry_code("steel") is None
    assert industry_code(None) is None
    assert far_min_for("农副食品加工业") == 1.0
    assert far_min_for("99") is None


# --- project checks ----------------------------------------------------------


def test_values_exactly_at_the_limits_pass():
    r = check_projects(project(), include_passed=True)
    assert set(r["status"]) == {"pass"}
    assert len(r) == 5


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("far", 0.69, "far_min"),
        ("coverage", 0.299, "coverage_min"),
        ("admin_ratio", 0.0701, "admin_max"),
        ("green_ratio", 0.21, "green_max"),
        ("invest_wan_per_mu", 299.0, "invest_min"),
    ],
)
def test_each_rule_fails_just_past_its_limit(column, value, rule):
    r = check_projects(project(**{column: value}))
    assert statuses(r) == {rule: "fail"}
    row = r.iloc[0]
    assert row["actual"] == pytest.approx(value)
    assert row["rule_zh"] and row["rule_en"]


def test_far_minimum_depends_on_industry():
    steel = check_projects(project(industry="C3110", far=0.6))
    food = check_projects(project(industry="农副食品加工业", far=0.6))
    assert steel.empty
    assert statuses(food) == {"far_min": "fail"}
    assert food.iloc[0]["required"] == 1.0


def test_unknown_industry_is_reported_missing_not_guessed():
    r = check_projects(project(industry="steel"))
    assert statuses(r) == {"far_min": "missing"}
    assert "not in the table" in r.iloc[0]["note"]


def test_missing_columns_give_not_checked_rows():
    df = pd.DataFrame({"project_id": ["x"], "industry": ["33"], "far": [0.8]})
    r = check_projects(df)
    not_checked = r[r["status"] == "not_checked"]
    assert set(not_checked["rule_id"]) == {"coverage_min", "admin_max", "green_max", "invest_min"}
    assert not_checked["subject_id"].isna().all()
    assert "column coverage absent" in set(not_checked["note"])


def test_percentages_instead_of_fractions_are_refused():
    with pytest.raises(ControlInputError, match="coverage is above 1 for x"):
        check_projects(project(coverage=35))


def test_negative_values_are_refused_and_all_listed():
    with pytest.raises(ControlInputError) as err:
        check_projects(project(far=-1.0, green_ratio="a lot"))
    assert "far is negative" in str(err.value)
    assert "green_ratio is not a number" in str(err.value)


def test_investment_minimum_from_a_tier_table(tmp_path):
    shipped = resources.files("geo").joinpath("config", "control_indicators.toml")
    custom = shipped.read_text(encoding="utf-8").replace(
        "\n[investment.by_tier]\n", '\n[investment.by_tier]\n"一类" = 300.0\n"一类:39" = 400.0\n'
    )
    path = tmp_path / "mine.toml"
    path.write_text(custom, encoding="utf-8")
    table = load_control_table(path)
    df = pd.DataFrame(
        {
            "project_id": ["a", "b", "c"],
            "industry": ["33", "39", "33"],
            "invest_wan_per_mu": [350.0, 350.0, 350.0],
            "tier": ["一类", "一类", "二类"],
        }
    )
    r = check_projects(df, table=table, include_passed=True)
    inv = r[r["rule_id"] == "invest_min"].set_index("subject_id")
    assert inv.loc["a", "status"] == "pass"
    assert inv.loc["b", "status"] == "fail"
    assert inv.loc["b", "required"] == 400.0
    assert inv.loc["c", "status"] == "missing"


def test_investment_not_checked_without_a_minimum():
    df = pd.DataFrame({"project_id": ["a"], "invest_wan_per_mu": [10.0]})
    r = check_projects(df)
    row = r[r["rule_id"] == "invest_min"].iloc[0]
    assert row["status"] == "not_checked"
    assert "invest_min_wan_per_mu" in row["note"]


# --- bad configuration files -------------------------------------------------


def test_malformed_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[rules\ncoverage_min = ", encoding="utf-8")
    with pytest.raises(ControlConfigError, match=r"broken\.toml is not valid TOML"):
        load_control_table(path)


def test_missing_key_is_named(tmp_path):
    path = tmp_path / "nokey.toml"
    path.write_text("[rules.coverage_min]\nvalue = 0.3\n", encoding="utf-8")
    with pytest.raises(ControlConfigError, match=r"nokey.toml: key rules.admin_max.value"):
        load_control_table(path)


def test_wrong_value_type_is_named(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        "[rules.coverage_min]\nvalue = 0.3\n[rules.admin_max]\nvalue = 0.07\n"
        '[rules.green_max]\nvalue = 0.2\n[[far_min]]\ncode = "33"\nvalue = "high"\n',
        encoding="utf-8",
    )
    with pytest.raises(ControlConfigError, match=r"key far_min\[0\].value must be a number"):
        load_control_table(path)


def test_missing_config_file(tmp_path):
    with pytest.raises(ControlConfigError, match="does not exist"):
        load_control_table(tmp_path / "nope.toml")


# --- planning-area targets ---------------------------------------------------


def test_area_targets_looser_than_national_controls_fail():
    a = pd.DataFrame(
        {
            "area_id": ["ok", "loose", "green"],
            "kind": ["park", "park", "green"],
            "target_industries": ["金属制品业、C3410", "33 金属制品; 2018年规划", None],
            "far_min": [0.8, 0.6, None],
            "coverage_min": [0.35, 0.25, None],
            "admin_max": [0.07, 0.10, None],
            "green_max": [0.15, 0.20, None],
        }
    )
    r = check_area_targets(a)
    assert set(r["subject_id"]) == {"loose"}
    assert sorted(r["rule_id"]) == ["area_admin_max", "area_coverage_min", "area_far_min"]
    far = r[r["rule_id"] == "area_far_min"].iloc[0]
    assert (far["industry"], far["required"], far["actual"]) == ("33", 0.7, 0.6)
    passed = check_area_targets(a, include_passed=True)
    ok_far = passed[(passed["subject_id"] == "ok") & (passed["rule_id"] == "area_far_min")]
    assert sorted(ok_far["industry"]) == ["33", "34"]
