"""Lifecycle clocks on fixed dates: days in status, overdue milestones, idle rules."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.lifecycle import (
    LifecycleInputError,
    as_of_date,
    days_in_status,
    idle_rules,
    overdue_milestones,
)

AS_OF = "2021-06-01"


def test_days_in_status_on_a_fixed_date():
    p = pd.DataFrame(
        {
            "parcel_id": ["a", "b", "c"],
            "status": ["stored", "released", "supplied"],
            "status_since": ["2021-05-01", None, "2021-07-01"],
        }
    )
    d = days_in_status(p, as_of=AS_OF).set_index("parcel_id")
    assert d.loc["a", "days_in_status"] == 31
    assert pd.isna(d.loc["b", "days_in_status"])
    assert d.loc["b", "note"] == "date missing"  # no clock runs, nothing guessed
    assert d.loc["c", "days_in_status"] == -30
    assert d.loc["c", "note"] == "status_since after as_of"


def test_overdue_milestones_on_a_fixed_date():
    m = pd.DataFrame(
        {
            "subject_id": ["dongshan", "dongshan", "guangyao", "guangyao"],
            "milestone": ["projects fixed", "approvals", "today", "construction ready"],
            "due": pd.to_datetime(["2018-12-31", "2019-04-30", AS_OF, "2020-11-30"]),
            "done": pd.to_datetime(["2018-12-20", None, None, None]),
        }
    )
    o = overdue_milestones(m, as_of=AS_OF)
    assert o[["milestone", "days_overdue"]].values.tolist() == [
        ["approvals", 763],
        ["construction ready", 183],
    ]
    assert overdue_milestones(m, as_of="2018-01-01").empty


def test_milestones_without_due_column_are_refused():
    with pytest.raises(LifecycleInputError, match="no due"):
        overdue_milestones(pd.DataFrame({"subject_id": ["a"], "milestone": ["x"]}))


def test_bad_dates_are_refused():
    m = pd.DataFrame({"subject_id": ["a"], "milestone": ["x"], "due": ["soon"], "done": [None]})
    with pytest.raises(LifecycleInputError, match="due is not a date for a/x"):
        overdue_milestones(m, as_of=AS_OF)
    with pytest.raises(LifecycleInputError, match="not a date"):
        as_of_date("yesterday-ish")


def supplied(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"parcel_id": [f"s{i}" for i in range(n)], "status": ["supplied"] * n}
    return pd.DataFrame({**base, **cols})


def result(r: pd.DataFrame, rule: str) -> dict:
    sub = r[r["rule_id"] == rule]
    return dict(zip(sub["parcel_id"], sub["result"], strict=True))


def test_not_started_one_full_year_after_the_agreed_start():
    p = supplied(
        agreed_start=["2020-06-01", "2020-06-02", "2019-01-01", None],
        developed_share=[0.0, 0.0, 0.5, 0.0],
    )
    r = idle_rules(p, as_of=AS_OF)
    assert result(r, "idle_not_started") == {
        "s0": "idle",  # exactly one year
        "s1": "not_idle",  # one day short
        "s2": "not_idle",  # started
        "s3": "not_checked",  # no agreed start
    }
    s0 = r[(r["parcel_id"] == "s0") & (r["rule_id"] == "idle_not_started")].iloc[0]
    assert s0["days_past_limit"] == 0
    assert s0["rule_zh"] == "超过约定动工开发日期满一年未动工开发"


def test_not_started_can_use_a_start_date():
    p = supplied(agreed_start=["2019-01-01", "2019-01-01"], started_on=["2019-03-01", None])
    assert result(idle_rules(p, as_of=AS_OF), "idle_not_started") == {
        "s0": "not_idle",
        "s1": "idle",
    }


def test_halted_with_little_development_for_a_year():
    p = supplied(
        halted_since=["2020-01-01", "2020-01-01", "2020-01-01", "2021-01-01", None, "2020-01-01"],
        developed_share=[0.2, 0.5, 0.5, 0.1, 0.1, None],
        invested_share=[0.9, 0.1, 0.5, 0.1, 0.1, 0.3],
    )
    assert result(idle_rules(p, as_of=AS_OF), "idle_halted") == {
        "s0": "idle",  # under 1/3 developed
        "s1": "idle",  # under 25 % invested
        "s2": "not_idle",  # enough of both
        "s3": "not_idle",  # halted under a year
        "s4": "not_idle",  # never halted
        "s5": "not_checked",  # invested enough, development unknown
    }


def test_absent_columns_are_reported_not_guessed():
    p = pd.DataFrame({"parcel_id": ["a"], "status": ["supplied"]})
    r = idle_rules(p, as_of=AS_OF)
    assert r["result"].tolist() == ["not_checked", "not_checked"]
    assert r["parcel_id"].isna().all()
    assert r["detail"].tolist() == ["column agreed_start absent", "column halted_since absent"]
    p2 = p.assign(agreed_start=["2019-01-01"])
    why = idle_rules(p2, as_of=AS_OF)["detail"].iloc[0]
    assert "developed_share and started_on absent" in why


def test_only_supplied_land_is_tested():
    p = pd.DataFrame(
        {
            "parcel_id": ["prod", "idle"],
            "status": ["in_production", "idle"],
            "agreed_start": ["2015-01-01", "2015-01-01"],
            "developed_share": [0.0, 0.0],
        }
    )
    assert result(idle_rules(p, as_of=AS_OF), "idle_not_started") == {"idle": "idle"}


def test_shares_must_be_fractions():
    p = supplied(agreed_start=["2019-01-01"], developed_share=[30.0])
    with pytest.raises(LifecycleInputError, match="developed_share is outside 0–1 for s0"):
        idle_rules(p, as_of=AS_OF)
