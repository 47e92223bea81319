"""Supply contracts and the idle-land procedure (《闲置土地处置办法》, 国土资源部令第53号).

Rules at their boundaries (364/365/366 days, a leap year, a 90-day exemption,
the 20 % fee to the 元, two-year recovery, a contract on two parcels, a parcel
re-supplied after 收回), the state machine, and the steps written to a real
GeoPackage store. Bad inputs tried: an unknown parcel, a date before the
contract, a transition skipping a step, a negative price, a duplicate 电子监管号,
a future date, an unknown cause, an exemption ending before it starts.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geo.store import EditConflict, InvalidEditError, ParcelNotFoundError, RecordEdit, open_store
from geo.supply import ProcedureError, check_contract, fee_wan_yuan, idle_status, plan_transition
from geo.supply.cases import add_exemption, advance_case, end_exemption, open_case
from geo.supply.idle import exempt_days, full_years
from geo.supply.procedure import load_procedure, next_deadline

pytest_plugins = ("pg_fixture",)

T = pd.Timestamp
EMPTY = pd.DataFrame()


def parcels(*ids: str, area_mu: float = 30.0) -> pd.DataFrame:
    return pd.DataFrame(
        {"parcel_id": list(ids), "status": ["supplied"] * len(ids), "area_mu": area_mu}
    )


def contract(cid="3304822021B00001", pids="A", agreed="2021-01-01", price=1500.0, **kw):
    row = {
        "contract_id": cid,
        "parcel_ids": pids,
        "supply_method": "transfer",
        "signed_on": "2020-06-01",
        "agreed_start": agreed,
        "started_on": None,
        "price_wan_yuan": price,
        **kw,
    }
    return row


def status(p, contracts, cases=EMPTY, exemptions=EMPTY, as_of="2022-01-01"):
    return idle_status(p, pd.DataFrame(contracts), cases, exemptions, as_of)


# ---------------------------------------------------------------- art. 2 / art. 14 boundaries
@pytest.mark.parametrize(
    ("as_of", "days", "idle", "years"),
    [("2021-12-31", 364, False, 0), ("2022-01-01", 365, True, 1), ("2022-01-02", 366, True, 1)],
)
def test_one_full_year_boundary(as_of, days, idle, years):
    s = status(parcels("A"), [contract()], as_of=as_of)
    assert (len(s) == 1) is idle
    if idle:
        r = s.iloc[0]
        assert r["idle_days_net"] == days and r["idle_full_years"] == years
        assert r["rule_id"] == "idle_not_started"
        assert r["fee_due_wan_yuan"] == pytest.approx(300.0) and not r["recovery_due"]
        assert r["next_step"] == "found" and r["next_step_due_on"] == T("2022-01-31")


def test_leap_year_full_year_is_366_days():
    # agreed start 2019-03-01: 2020-02-29 is day 365 but not yet a full year
    assert full_years(T("2019-03-01"), T("2020-02-29")) == 0
    assert full_years(T("2019-03-01"), T("2020-03-01")) == 1
    c = [contract(agreed="2019-03-01")]
    case = pd.DataFrame(
        [{"case_id": "C1", "parcel_id": "A", "stage": "found", "found_on": "2020-01-01"}]
    )
    before = status(parcels("A"), c, case, as_of="2020-02-29").iloc[0]
    on = status(parcels("A"), c, case, as_of="2020-03-01").iloc[0]
    assert before["idle_days_net"] == 365 and before["idle_full_years"] == 0
    assert before["fee_due_wan_yuan"] == 0.0
    assert on["idle_days_net"] == 366 and on["idle_full_years"] == 1
    assert on["fee_due_wan_yuan"] == pytest.approx(300.0)


def test_fee_is_twenty_percent_to_the_yuan():
    assert fee_wan_yuan(1234.5678) == 246.9136  # 2,469,135.6 元 → 2,469,136 元
    assert fee_wan_yuan(0.00024) == 0.0  # 0.48 元 → 0
    assert fee_wan_yuan(0.00025) == 0.0001  # 0.5 元 → 1 元, half up
    s = status(parcels("A"), [contract(price=8888.8888)]).iloc[0]
    assert s["fee_due_wan_yuan"] == 1777.7778
    with pytest.raises(ValueError, match="negative"):
        fee_wan_yuan(-1)


def test_two_full_years_free_recovery():
    c = [contract()]
    assert not status(parcels("A"), c, as_of="2022-12-31").iloc[0]["recovery_due"]
    r = status(parcels("A"), c, as_of="2023-01-01").iloc[0]
    assert r["recovery_due"] and r["idle_full_years"] == 2 and r["idle_days_net"] == 730


def test_exemption_stops_the_clock_for_90_days():
    # 2021-03-01 … 2021-05-29 inclusive = 90 days
    assert exempt_days([(T("2021-03-01"), T("2021-05-29"))], T("2021-01-01"), T("2022-01-01")) == 90
    c = [contract()]
    case = pd.DataFrame(
        [{"case_id": "C1", "parcel_id": "A", "stage": "found", "found_on": "2021-12-01"}]
    )
    ex = pd.DataFrame(
        [
            {
                "exemption_id": "C1-E1",
                "case_id": "C1",
                "cause": "government",
                "from_on": T("2021-03-01"),
                "to_on": T("2021-05-29"),
            }
        ]
    )
    r = status(parcels("A"), c, case, ex, as_of="2022-01-01").iloc[0]
    assert r["idle_days_gross"] == 365 and r["exempt_days"] == 90 and r["idle_days_net"] == 275
    assert r["idle_full_years"] == 0 and r["fee_due_wan_yuan"] == 0.0
    # the year is full 90 days later
    assert status(parcels("A"), c, case, ex, as_of="2022-03-31").iloc[0]["idle_full_years"] == 0
    r = status(parcels("A"), c, case, ex, as_of="2022-04-01").iloc[0]
    assert r["idle_days_net"] == 365 and r["idle_full_years"] == 1
    assert r["fee_due_wan_yuan"] == pytest.approx(300.0)


def test_ongoing_exemption_suspends_art14_and_overlaps_count_once():
    c = [contract()]
    case = pd.DataFrame(
        [{"case_id": "C1", "parcel_id": "A", "stage": "found", "found_on": "2022-01-05"}]
    )
    ex = pd.DataFrame(
        {
            "exemption_id": ["C1-E1", "C1-E2"],
            "case_id": ["C1", "C1"],
            "cause": ["government", "force_majeure"],
            "from_on": [T("2021-06-01"), T("2021-07-01")],
            "to_on": [T("2021-07-31"), pd.NaT],
        }
    )
    r = status(parcels("A"), c, case, ex, as_of="2024-01-01").iloc[0]
    assert r["exemption_ongoing"] and not r["recovery_due"] and r["fee_due_wan_yuan"] == 0.0
    assert r["exempt_days"] == (T("2024-01-01") - T("2021-06-01")).days


def test_contract_on_two_parcels_apportions_the_price_by_area():
    p = pd.DataFrame(
        {"parcel_id": ["A", "B"], "status": ["supplied", "supplied"], "area_mu": [30.0, 10.0]}
    )
    s = status(p, [contract(pids="A;B", price=1000.0)]).set_index("parcel_id")
    assert list(s.index) == ["A", "B"] and set(s["contract_id"]) == {"3304822021B00001"}
    assert s.loc["A", "price_wan_yuan"] == pytest.approx(750.0)
    assert s.loc["A", "fee_due_wan_yuan"] == pytest.approx(150.0)
    assert s.loc["B", "fee_due_wan_yuan"] == pytest.approx(50.0)


def test_parcel_resupplied_after_recovery_starts_a_new_clock():
    old = contract("K-2018", agreed="2018-06-01", price=900.0, signed_on="2018-01-10")
    new = contract("K-2022", agreed="2022-09-01", price=1200.0, signed_on="2022-03-01")
    case = pd.DataFrame(
        [
            {
                "case_id": "C1",
                "parcel_id": "A",
                "contract_id": "K-2018",
                "stage": "closed",
                "found_on": "2019-07-01",
                "disposal": "free_recovery",
                "closed_on": "2021-02-01",
            }
        ]
    )
    s = status(parcels("A"), [old, new], case, as_of="2023-03-01")
    assert len(s) == 1  # the closed case; the new contract's year is not full
    r = s.iloc[0]
    assert r["contract_id"] == "K-2018" and r["price_wan_yuan"] == 900.0
    assert r["idle_days_net"] == (T("2021-02-01") - T("2018-06-01")).days  # stopped at closing
    assert r["next_step"] is None and not r["overdue"]
    later = status(parcels("A"), [old, new], case, as_of="2023-09-01")
    fresh = later[later["case_id"].isna()].iloc[0]
    assert fresh["contract_id"] == "K-2022" and fresh["idle_full_years"] == 1
    assert fresh["fee_due_wan_yuan"] == pytest.approx(240.0)


def test_started_parcel_is_not_idle():
    s = status(parcels("A"), [contract(started_on="2021-06-01")])
    assert s.empty


# ---------------------------------------------------------------- the state machine
def test_transitions_follow_the_procedure():
    today = dt.date(2024, 6, 1)
    case = {"stage": "found", "found_on": "2024-01-05"}
    with pytest.raises(ProcedureError, match="next step is determined or closed"):
        plan_transition(case, "notified", on="2024-02-01", today=today)
    with pytest.raises(ProcedureError, match="认定书"):
        plan_transition(case, "determined", on="2024-02-01", today=today)
    with pytest.raises(ProcedureError, match="before the case's last step"):
        plan_transition(case, "determined", on="2023-12-31", determination_no="X", today=today)
    with pytest.raises(ProcedureError, match="in the future"):
        plan_transition(case, "determined", on="2024-06-02", determination_no="X", today=today)
    with pytest.raises(ProcedureError, match="is closed"):
        plan_transition({"stage": "closed"}, "found", on="2024-02-01", today=today)
    with pytest.raises(ProcedureError, match="unknown"):
        plan_transition(case, "archived", on="2024-02-01", today=today)
    notified = {"stage": "notified", "notified_on": "2024-03-01"}
    with pytest.raises(ProcedureError, match="one full year"):
        plan_transition(
            notified,
            "disposing",
            on="2024-03-05",
            disposal="idle_fee",
            fee_wan_yuan=1.0,
            today=today,
        )
    with pytest.raises(ProcedureError, match="two full years"):
        plan_transition(
            notified,
            "disposing",
            on="2024-03-05",
            disposal="free_recovery",
            fee_due=True,
            today=today,
        )
    with pytest.raises(ProcedureError, match="第八条"):
        plan_transition(
            notified,
            "disposing",
            on="2024-03-05",
            disposal="idle_fee",
            fee_due=True,
            exempt=True,
            today=today,
        )
    with pytest.raises(ProcedureError, match="give the disposal"):
        plan_transition(notified, "disposing", on="2024-03-05", disposal="sell", today=today)
    ok = plan_transition(
        notified,
        "disposing",
        on="2024-03-05",
        disposal="idle_fee",
        fee_due=True,
        fee_wan_yuan=300.0,
        today=today,
    )
    assert ok == {
        "stage": "disposing",
        "disposal_on": dt.date(2024, 3, 5),
        "disposal": "idle_fee",
        "fee_wan_yuan": 300.0,
    }
    assert (
        plan_transition(
            notified, "disposing", on="2024-03-05", disposal="extend_start", today=today
        )["disposal"]
        == "extend_start"
    )


def test_deadlines_come_from_the_config():
    cfg = load_procedure()
    assert cfg.steps["found"].basis == "办法" and cfg.steps["found"].article == "第五条"
    assert {s.basis for s in cfg.steps.values()} <= {"办法", "local"}
    assert next_deadline({"stage": "determined", "determined_on": "2024-01-01"}, cfg) == (
        "notified",
        dt.date(2024, 1, 31),
    )
    assert next_deadline({"stage": "closed"}, cfg) == (None, None)


def test_overdue_step_is_flagged():
    c = [contract()]
    case = pd.DataFrame(
        [{"case_id": "C1", "parcel_id": "A", "stage": "found", "found_on": "2022-01-10"}]
    )
    assert not status(parcels("A"), c, case, as_of="2022-03-11").iloc[0]["overdue"]
    r = status(parcels("A"), c, case, as_of="2022-03-12").iloc[0]
    assert (
        r["overdue"] and r["next_step"] == "determined" and r["next_step_due_on"] == T("2022-03-11")
    )


# ---------------------------------------------------------------- contracts
def test_contract_checks_name_each_problem():
    good = contract(pids="A;B")
    assert check_contract(good, known_parcels={"A", "B"}) == []
    bad = contract(pids="A;Z9", price=-10.0, started_on="2020-05-01", supply_method="sale")
    problems = " | ".join(check_contract(bad, known_parcels={"A"}))
    assert "Z9 are not in the workspace" in problems
    assert "price_wan_yuan -10 is negative" in problems
    assert "started_on 2020-05-01 is before the contract was signed (2020-06-01)" in problems
    assert "supply_method 'sale'" in problems
    assert check_contract({**good, "contract_id": " "}, known_parcels={"A", "B"})[0].startswith(
        "电子监管号"
    )


# ---------------------------------------------------------------- steps written to a store
@pytest.fixture
def ws(tiny_path):
    with open_store(tiny_path, user="王工") as s:
        s.save_records(
            [
                RecordEdit(
                    "contracts",
                    "K1",
                    contract("K1", pids="P4", agreed="2021-01-01", price=1000.0),
                    create=True,
                )
            ]
        )
    return tiny_path


def test_case_steps_are_audited_and_checked(ws):
    today = dt.date(2023, 6, 1)
    with open_store(ws, user="王工") as s:
        with pytest.raises(ParcelNotFoundError):
            open_case(s, "P404", found_on="2022-01-10", today=today)
        with pytest.raises(ProcedureError, match="before contract K1 was signed"):
            open_case(s, "P4", found_on="2020-01-01", today=today)
        with pytest.raises(ProcedureError, match="in the future"):
            open_case(s, "P4", found_on="2023-07-01", today=today)
        dry = open_case(s, "P4", found_on="2022-01-10", today=today, dry_run=True)
        assert dry.result is None and s.records("idle_cases").empty
        opened = open_case(s, "P4", found_on="2022-01-10", today=today, note="卫片检查")
        key = opened.edit.key
        assert key == "XZ-P4-1" and opened.result.row_version == 1
        assert s.record("idle_cases", key).values["contract_id"] == "K1"
        with pytest.raises(ProcedureError, match="open case already"):
            open_case(s, "P4", found_on="2022-02-01", today=today)
        with pytest.raises(ProcedureError, match="a step is never skipped"):
            advance_case(s, key, "disposing", on="2022-02-01", disposal="idle_fee", today=today)
        advance_case(
            s, key, "determined", on="2022-02-20", determination_no="闲认〔2022〕7号", today=today
        )
        advance_case(s, key, "notified", on="2022-03-01", today=today)
        step = advance_case(s, key, "disposing", on="2022-03-10", disposal="idle_fee", today=today)
        assert step.result.row_version == 4
        row = s.record("idle_cases", key).values
        assert row["fee_wan_yuan"] == pytest.approx(200.0) and row["disposal"] == "idle_fee"
        h = s.history(key, table="idle_cases")
        assert set(h["field"]) >= {"stage", "determined_on", "determination_no", "fee_wan_yuan"}
        assert (h["who"] == "王工").all()
        # a stale version is a conflict, nothing written
        with pytest.raises(EditConflict):
            advance_case(s, key, "closed", on="2022-04-01", expected_version=2, today=today)
        assert s.record("idle_cases", key).values["stage"] == "disposing"


def test_exemption_steps(ws):
    today = dt.date(2023, 6, 1)
    with open_store(ws, user="王工") as s:
        key = open_case(s, "P4", found_on="2022-01-10", today=today).edit.key
        with pytest.raises(ProcedureError, match=r"not an art\. 8 cause"):
            add_exemption(s, key, cause="weather", from_on="2021-03-01", today=today)
        with pytest.raises(ProcedureError, match="before it starts"):
            add_exemption(
                s, key, cause="government", from_on="2021-03-01", to_on="2021-02-01", today=today
            )
        ex = add_exemption(
            s, key, cause="government", from_on="2021-03-01", cause_text="规划调整", today=today
        )
        assert ex.edit.key == f"{key}-E1"
        # the clock is stopped: no art. 14 disposal while the cause lasts
        advance_case(s, key, "determined", on="2022-02-01", determination_no="X", today=today)
        advance_case(s, key, "notified", on="2022-02-02", today=today)
        with pytest.raises(ProcedureError, match="第八条"):
            advance_case(s, key, "disposing", on="2022-02-03", disposal="idle_fee", today=today)
        step = advance_case(
            s, key, "disposing", on="2022-02-03", disposal="extend_start", today=today
        )
        assert step.status.iloc[0]["exemption_ongoing"]
        end_exemption(s, ex.edit.key, to_on="2021-05-29")
        assert s.record("idle_exemptions", ex.edit.key).values["to_on"] == dt.date(2021, 5, 29)


def test_duplicate_supervision_number_is_refused(ws):
    edit = RecordEdit("contracts", "K1", contract("K1", pids="P4"), create=True)
    with open_store(ws, user="王工") as s, pytest.raises(InvalidEditError, match="exists already"):
        s.save_records([edit])
