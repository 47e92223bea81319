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


def test_planner_edits_the_contract_from_the_card(monkeypatch, ws):
    at = _card(monkeypatch, ws)
    at.selectbox(key="sc_pick").set_value(CID).run()
    at.number_input(key=f"sc_price_wan_yuan_{CID}").set_value(3000.0)
    at.button(key="sc_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with open_store(ws, user="t", role="investment") as s:
        assert s.record("contracts", CID).values["price_wan_yuan"] == 3000.0
        h = s.history(CID, table="contracts")
    mine = h[h["edit_id"] == h["edit_id"].iloc[-1]]  # the form's save: the price only
    assert list(mine["field"]) == ["price_wan_yuan"] and list(mine["after"]) == ["3000.0"]
    fee = next(m for m in at.metric if m.label == "Idle-land fee due (10k yuan)")
    assert str(fee.value) == "600.0000"
    # a negative price is refused with the rule's message, nothing written
    at.number_input(key=f"sc_price_wan_yuan_{CID}").set_value(-1.0)
    at.button(key="sc_save").click().run()
    assert any("negative" in e.value for e in at.error)
    with open_store(ws, user="t", role="investment") as s:
        assert s.record("contracts", CID).values["price_wan_yuan"] == 3000.0


def test_a_step_saved_by_someone_else_meanwhile_is_a_conflict(monkeypatch, ws):
    with open_store(ws, user="王工") as s:
        s.save_records(
            [
                RecordEdit(
                    "idle_cases",
                    "XZ-T-1",
                    {
                        "parcel_id": PID,
                        "contract_id": CID,
                        "stage": "found",
                        "found_on": "2024-01-10",
                    },
                    create=True,
                )
            ]
        )
    at = _card(monkeypatch, ws)
    assert "idle_to_determined" in {b.key for b in at.button}
    with open_store(ws, user="李工") as s:  # the other editor saves the case meanwhile
        s.save_records([RecordEdit("idle_cases", "XZ-T-1", {"note": "已约谈"}, expected_version=1)])
    at.date_input(key="idle_step_on").set_value(dt.date(2024, 2, 1))
    at.text_input(key="idle_step_no").input("闲认〔2024〕9号")
    at.button(key="idle_to_determined").click().run()
    warned = " ".join(w.value for w in at.warning)
    assert "李工" in warned and "Not saved" in warned, warned
    with open_store(ws, user="t", role="investment") as s:
        row = s.record("idle_cases", "XZ-T-1")
    assert row.values["stage"] == "found" and row.row_version == 2  # theirs is kept, not mine
    # the card now shows their version: the step saves
    at.date_input(key="idle_step_on").set_value(dt.date(2024, 2, 1))
    at.text_input(key="idle_step_no").input("闲认〔2024〕9号")
    at.button(key="idle_to_determined").click().run()
    assert not at.error, [e.value for e in at.error]
    with open_store(ws, user="t", role="investment") as s:
        row = s.record("idle_cases", "XZ-T-1")
    assert row.values["stage"] == "determined" and row.row_version == 3


def _contracts_xlsx() -> bytes:
    """One new contract on FX-0001, a change of an existing one, a duplicate and a bad parcel."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "供地合同"
    for row in (
        ["电子监管号", "地块编号", "供地方式", "合同签订日期", "成交价款(万元)"],
        ["1304042099B00001", "FX-0001", "挂牌出让", dt.datetime(2024, 5, 1), 880.5],
        [CID, PID, "出让", None, 2600.0],
        ["1304042099B00002", "FX-9999", "出让", None, 10.0],
        ["1304042099B00003", "FX-0002", "出让", None, 10.0],
        ["1304042099B00003", "FX-0003", "出让", None, 10.0],
    ):
        ws.append(row)
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def test_import_page_imports_contracts_in_one_transaction(monkeypatch, ws):
    at = run_page(monkeypatch, "import_data", workspace=ws, lang="en")
    at.radio(key="import_kind").set_value("contracts").run()
    assert not at.exception
    at.get("file_uploader")[0].upload("c.xlsx", _contracts_xlsx(), "application/vnd.ms-excel")
    at.run()
    at.button(key="contracts_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    tables = [d.value for d in at.dataframe]
    refused = next(t for t in tables if "reason" in t.columns)
    assert len(refused) == 3  # the unknown parcel and both rows of the duplicate
    reasons = " ".join(refused["reason"])
    assert "FX-9999 are not in the workspace" in reasons and "appears in rows 5, 6" in reasons
    at.button(key="contracts_apply").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("contract(s) in one transaction" in s.value for s in at.success)
    with open_store(ws, user="t", role="investment") as s:
        assert s.record("contracts", "1304042099B00001").values["supply_method"] == "transfer"
        assert s.record("contracts", CID).values["price_wan_yuan"] == 2600.0
        edits = set(s.history(table="contracts")["edit_id"].iloc[-4:])
    assert len(edits) == 1  # one transaction


def test_planner_records_and_ends_an_art8_period(monkeypatch, ws):
    with open_store(ws, user="王工") as s:
        s.save_records(
            [
                RecordEdit(
                    "idle_cases",
                    "XZ-T-1",
                    {
                        "parcel_id": PID,
                        "contract_id": CID,
                        "stage": "found",
                        "found_on": "2024-01-10",
                    },
                    create=True,
                )
            ]
        )
    at = _card(monkeypatch, ws)
    at.selectbox(key="idle_ex_cause").set_value("government")
    at.date_input(key="idle_ex_from").set_value(dt.date(2020, 3, 1))
    at.text_input(key="idle_ex_text").input("规划调整")
    at.button(key="idle_ex_save").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("ongoing" in m.value for m in at.markdown)
    at.date_input(key="idle_ex_end_on_XZ-T-1-E1").set_value(dt.date(2020, 5, 29))
    at.button(key="idle_ex_end_XZ-T-1-E1").click().run()
    assert not at.error, [e.value for e in at.error]
    with open_store(ws, user="t", role="investment") as s:
        e = s.record("idle_exemptions", "XZ-T-1-E1")
    assert e.values["to_on"] == dt.date(2020, 5, 29) and e.row_version == 2
    assert any("90 day(s) not counted" in c.value for c in at.caption)


def test_case_without_a_contract_shows_no_clock_and_no_error(monkeypatch, ws):
    """A case opened on a parcel with no contract (no agreed start): nothing to count yet."""
    with open_store(ws, user="王工") as s:
        s.save_records(
            [
                RecordEdit(
                    "idle_cases",
                    "XZ-N-1",
                    {"parcel_id": "FX-0002", "stage": "found", "found_on": "2024-01-10"},
                    create=True,
                )
            ]
        )
    state = {"overview_selected": "FX-0002", "role": "planner"}
    at = run_page(monkeypatch, workspace=ws, lang="en", state=state)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    days = next(m for m in at.metric if m.label == "Idle days (net)")
    assert str(days.value) in ("—", "")
