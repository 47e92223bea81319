"""The parcel card's supply-contract and idle-land sections (AppTest, a real GeoPackage).

A copy of the Fuxing demo, its first idle parcel without a case given a known
contract price (2,500 万元) and an agreed start long past: the card shows the
contract, the idle finding with its art. 14 fee, and lets a planner open the
case and take the next step; an investment officer reads it without the
grantee and without forms; an investor's card has neither section. Bad input
tried: a step whose date is before the case was opened.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from geo.store import RecordEdit, open_store
from geo.supply import idle_status
from geo.workspace import open_workspace
from tests.test_app import FUXING, run_page, texts

GRANTEE = "测试受让人有限公司"


def _idle_parcel_without_case(path):
    """(parcel, its contract) of the first demo parcel that is idle and has no case."""
    ws = open_workspace(path)
    s = idle_status(
        ws.parcels, ws.table("contracts"), ws.table("idle_cases"), ws.table("idle_exemptions")
    )
    r = s[s["case_id"].isna()].iloc[0]
    return str(r["parcel_id"]), str(r["contract_id"])


PID, CID = _idle_parcel_without_case(FUXING)


@pytest.fixture
def ws(tmp_path):
    """A copy of the demo whose contract of PID is set to a known price and start."""
    path = shutil.copy(FUXING, tmp_path / "fx.gpkg")
    with open_store(path, user="王工") as s:
        s.save_records(
            [
                RecordEdit(
                    "contracts",
                    CID,
                    {
                        "grantee": GRANTEE,
                        "signed_on": "2019-03-01",
                        "agreed_start": "2019-09-01",
                        "price_wan_yuan": 2500.0,
                    },
                )
            ]
        )
    return path


def _card(monkeypatch, ws, role="planner", lang="en"):
    state = {"overview_selected": PID, "role": "investment" if role == "investor" else role}
    if role == "investor":
        state["present"] = True  # an officer presenting to an investor
    return run_page(monkeypatch, workspace=ws, lang=lang, state=state)


def test_planner_sees_contract_and_idle_finding_then_takes_steps(monkeypatch, ws):
    at = _card(monkeypatch, ws)
    assert not at.exception, at.exception
    shown = " ".join(texts(at)).replace("\\", "")  # Markdown escapes
    assert "Supply contract" in shown and CID in shown and GRANTEE in shown
    assert "Idle-land case" in shown and "overdue" in shown
    fee = next(m for m in at.metric if m.label == "Idle-land fee due (10k yuan)")
    assert str(fee.value) == "500.0000"
    at.date_input(key="idle_open_on").set_value(dt.date(2024, 1, 10))
    at.button(key="idle_open").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("saved" in s.value for s in at.success)
    with open_store(ws, user="t", role="investment") as s:
        case = s.record("idle_cases", f"XZ-{PID}-1")
        assert case.values["stage"] == "found" and case.row_version == 1
    # a step dated before the case was opened is refused, nothing written
    at.date_input(key="idle_step_on").set_value(dt.date(2023, 1, 1))
    at.text_input(key="idle_step_no").input("闲认〔2024〕2号")
    at.button(key="idle_to_determined").click().run()
    assert any("before the case's last step" in e.value for e in at.error)
    at.date_input(key="idle_step_on").set_value(dt.date(2024, 2, 1))
    at.text_input(key="idle_step_no").input("闲认〔2024〕2号")
    at.button(key="idle_to_determined").click().run()
    assert not at.error, [e.value for e in at.error]
    with open_store(ws, user="t", role="investment") as s:
        case = s.record("idle_cases", f"XZ-{PID}-1")
        assert case.values["stage"] == "determined" and case.row_version == 2
        assert set(s.history(f"XZ-{PID}-1", table="idle_cases")["field"]) >= {
            "determination_no",
            "determined_on",
        }
    assert "idle_to_notified" in {b.key for b in at.button}


def test_investment_officer_reads_without_grantee_or_forms(monkeypatch, ws):
    at = _card(monkeypatch, ws, role="investment", lang="zh")
    assert not at.exception
    shown = " ".join(texts(at)).replace("\\", "")  # Markdown escapes
    assert "供地合同" in shown and CID in shown and GRANTEE not in shown
    keys = {b.key for b in at.button}
    assert "idle_open" not in keys and "sc_save" not in keys


def test_investor_card_has_no_supply_sections(monkeypatch, ws):
    at = _card(monkeypatch, ws, role="investor")
    assert not at.exception
    shown = " ".join(texts(at)).replace("\\", "")  # Markdown escapes
    assert "Supply contract" not in shown and CID not in shown
