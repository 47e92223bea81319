"""The Import page's 更新台账 / Update from a ledger mode, through streamlit.testing.

A real xlsx ledger is uploaded into the Fuxing demo: the preview lists the
changes and the skipped rows, confirming writes into the session's working
copy (never the demo), and a change saved by someone else between the preview
and the confirmation is detected and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from test_app import FUXING, metric, run_page

from geo.store import open_store


def _ledger() -> bytes:
    """FX-0001 to_release → released; FX-0002's owner; an unknown ID; FX-0003 sent back."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (
        ["地块编号", "状态", "状态起始日期", "权利人"],
        ["FX-0001", "已腾退", dt.datetime(2025, 1, 10), None],
        ["FX-0002", None, None, "复兴区自然资源局"],
        ["FX-9999", "已收储", None, None],
        ["FX-0003", "在产", None, None],
    ):
        ws.append(row)
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def _preview(monkeypatch: pytest.MonkeyPatch):
    at = run_page(monkeypatch, "import_data", lang="en")
    at.radio(key="import_kind").set_value("ledger").run()
    assert not at.exception
    at.get("file_uploader")[0].upload("ledger.xlsx", _ledger(), "application/vnd.ms-excel").run()
    at.button(key="ledger_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_ledger_preview_then_apply_into_the_working_copy(monkeypatch):
    before = FUXING.stat().st_mtime_ns
    at = _preview(monkeypatch)
    assert metric(at, "Ledger rows") == 4 and metric(at, "Parcels changed") == 2
    assert metric(at, "Fields changed") == 4
    assert metric(at, "Unknown IDs") == 1 and metric(at, "Rows skipped") == 1
    tables = [d.value for d in at.dataframe]
    changes = next(t for t in tables if "before" in t.columns)
    assert changes.iloc[0].tolist() == [2, "FX-0001", "status", "to release", "released"]
    assert changes.iloc[1].tolist()[2:] == [
        "status since (status_since)",
        "2018-10-02",
        "2025-01-10",
    ]
    skipped = next(t for t in tables if "reason" in t.columns)
    assert list(skipped["parcel"]) == ["FX-9999", "FX-0003"]
    assert "cannot go from in_production to operating" in skipped["reason"].iloc[1]
    at.text_input(key="ledger_note").input("区政府批复").run()
    at.button(key="ledger_apply").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved 4 field(s) of 2 parcel(s)" in s.value for s in at.success)
    opened = at.session_state["workspace_path"]
    assert opened.endswith("fuxing-working-copy.gpkg")
    with open_store(opened, user="t") as store:
        assert store.parcel("FX-0001").values["status"] == "released"
        h = store.history()
    assert len(h) == 4 and set(h["note"]) == {"ledger ledger.xlsx: 区政府批复"}
    assert FUXING.stat().st_mtime_ns == before


def test_a_change_between_preview_and_apply_saves_nothing(monkeypatch):
    at = _preview(monkeypatch)
    copies = at.session_state["_working_copies"]
    copy = next(iter(copies.values()))
    with open_store(copy, user="李工") as other:
        other.update_parcel("FX-0002", {"owner": "另一位规划人员"})
    at.button(key="ledger_apply").click().run()
    assert not at.exception
    (err,) = at.error
    assert "Nothing was saved" in err.value and "FX\\-0002" in err.value
    with open_store(copy, user="t") as store:
        assert store.parcel("FX-0001").values["status"] == "to_release"
        assert list(store.history()["who"]) == ["李工"]


def test_other_roles_are_refused_on_the_server(monkeypatch):
    at = _preview(monkeypatch)
    at.session_state["role"] = "investment"  # e.g. the role switched in another tab
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "ledger_apply"]


def _ledger_page_as_investment(workspace: str) -> None:
    import streamlit as st

    from geo.app.pages.import_data import _ledger_mode
    from geo.workspace import open_workspace

    st.session_state["role"] = "investment"
    _ledger_mode(open_workspace(workspace), "en")


def test_the_ledger_mode_itself_refuses_other_roles(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_function(
        _ledger_page_as_investment, args=(str(FUXING),), default_timeout=60
    ).run()
    assert not at.exception
    assert any("Only planners may update parcels" in e.value for e in at.error)
    assert not at.get("file_uploader")
