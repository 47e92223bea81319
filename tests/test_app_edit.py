"""Editing a parcel from the app: the planner's status form, conflicts, roles, login roles."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from geo.access import RoleError, RoleMapping
from geo.app import editing, state
from geo.app.i18n import md
from geo.store import InvalidTransitionError, open_store
from tests.test_app import FUXING, metric, run_page

PID = "FX-0001"  # to_release since 2018-10-02, 18.84 mu


def _open_card(monkeypatch, *, role: str = "planner", lang: str = "en"):
    return run_page(monkeypatch, lang=lang, state={"overview_selected": PID, "role": role})


def _save(at, status: str, on: dt.date, note: str = ""):
    at.selectbox(key="edit_status").set_value(status)
    at.date_input(key="edit_on").set_value(on)
    at.text_input(key="edit_note").input(note)
    return at.button(key="edit_save").click().run()


def test_planner_edit_goes_into_a_working_copy_then_a_stale_save_conflicts(monkeypatch):
    before = FUXING.stat().st_mtime_ns
    at = _open_card(monkeypatch)
    assert not at.exception
    available = metric(at, "Available land (mu)")
    _save(at, "released", dt.date(2024, 5, 1), "区政府批复")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(f"parcel {md(PID)} is now" in s.value for s in at.success)
    copy = Path(at.session_state["workspace_path"])
    assert copy.name == "fuxing-working-copy.gpkg"
    assert FUXING.stat().st_mtime_ns == before  # the demo is never written
    assert metric(at, "Available land (mu)") == pytest.approx(available + 18.84, abs=1)
    with open_store(copy, user="t", role="investment") as store:
        hist = store.history(PID)
    assert set(hist["field"]) >= {"status", "status_since", "released_on"}
    assert hist["note"].eq("区政府批复").all() and hist["row_version"].eq(1).all()
    shown = next(e for e in at.expander if e.label == "Change history").dataframe[0].value
    assert len(shown) == len(hist) == 3

    # someone else saves the parcel while the card still shows version 1
    with open_store(copy, user="李工") as store:
        store.set_status(PID, "stored", on="2024-06-01", expected_version=1)
    _save(at, "supplied", dt.date(2024, 7, 1))
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "Not saved" in warning and "李工" in warning and "stored" in warning.lower()
    with open_store(copy, user="t", role="investment") as store:
        assert store.parcel(PID).values["status"] == "stored"  # theirs is kept
        assert store.parcel(PID).row_version == 2
        assert "supplied" not in set(store.history(PID)["after"].astype(str))
    at.button(key="edit_reload").click().run()
    assert not any("Not saved" in w.value for w in at.warning)


def test_date_before_status_since_is_refused_and_nothing_written(monkeypatch):
    at = _open_card(monkeypatch, lang="zh")
    _save(at, "released", dt.date(2010, 1, 1))
    assert any("早于" in e.value for e in at.error)
    assert "_working_copies" not in at.session_state or not at.session_state["_working_copies"]
    assert Path(at.session_state.get("workspace_path", FUXING)).name == "fuxing.gpkg"


def test_investment_officer_sees_no_form(monkeypatch):
    at = _open_card(monkeypatch, role="investment")
    assert not at.exception
    keys = {b.key for b in at.button}
    assert "edit_save" not in keys
    assert not any(e.label == "Change the parcel's status" for e in at.expander)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "fx.gpkg"
    shutil.copy2(FUXING, target)
    return target


def test_disallowed_transition_and_wrong_role_write_nothing(copy):
    import pandas as pd

    bad = editing.StatusEdit(PID, "supplied", dt.date(2024, 5, 1), None, 0)
    row = pd.Series({"parcel_id": PID, "status": "to_release", "status_since": "2018-10-02"})
    assert "cannot go from" in editing.check_status_edit(row, bad, "en")
    with pytest.raises(InvalidTransitionError):
        editing.apply_status_edit(copy, bad, user="t", role="planner")
    good = editing.StatusEdit(PID, "released", dt.date(2024, 5, 1), None, 0)
    for role in ("investment", "investor"):
        with pytest.raises(RoleError):
            editing.apply_status_edit(copy, good, user="t", role=role)
    with pytest.raises(ValueError, match="demo"):
        editing.apply_status_edit(FUXING, good, user="t", role="planner")
    with open_store(copy, user="t", role="investment") as store:
        assert store.history(PID).empty
        assert store.parcel(PID).values["status"] == "to_release"


def test_resolve_role():
    m = RoleMapping(claim="groups", values={"plan": "planner", "zs": "investment"})
    kw = {"mapping": m, "picked": "investment"}
    assert state.resolve_role(investor_mode=False, login=False, claims=None, **kw) == "investment"
    assert (
        state.resolve_role(investor_mode=True, login=True, claims={"groups": ["plan"]}, **kw)
        == "investor"
    )
    # with a login the sidebar choice is ignored: the claims decide
    assert (
        state.resolve_role(investor_mode=False, login=True, claims={"groups": ["plan"]}, **kw)
        == "planner"
    )
    assert state.resolve_role(investor_mode=False, login=True, claims=None, **kw) == "public"
    with pytest.raises(RoleError):
        state.resolve_role(investor_mode=False, login=True, claims={"groups": ["x"]}, **kw)


def test_current_role_from_claims(monkeypatch, tmp_path):
    roles = tmp_path / "roles.toml"
    roles.write_text('[roles]\n"zhaoshang" = "investment"\n', encoding="utf-8")
    monkeypatch.setenv("TENGLONG_ROLES", str(roles))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    monkeypatch.setattr(state, "auth_configured", lambda: True)
    monkeypatch.setattr(state, "user_claims", lambda: {"email": "a@b.cn", "groups": ["zhaoshang"]})
    assert state.current_role() == "investment"
    assert state.current_user() == "a@b.cn"
    monkeypatch.setenv("TENGLONG_MODE", "investor")
    assert state.current_role() == "investor"


def test_login_configured_hides_the_role_picker(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP

    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback"}
    at.run()
    assert not at.exception
    assert any(b.key == "login" for b in at.button)
    assert not any(w.key == "role" for w in [*at.selectbox, *at.radio])
