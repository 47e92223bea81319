"""The app on a PostGIS workspace (``TENGLONG_WORKSPACE=postgresql://…?schema=NAME``).

The Fuxing demo is copied into a fresh schema of the session's throwaway
PostGIS server (``tests/pg_fixture.py``). Every page opens on it with the
figures of the GeoPackage, the password never reaches a page, an edit on the
parcel card is saved in PostGIS (with its audit row), and a URL typed into the
workspace picker opens it or says why it cannot.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import pytest

from geo.app import state
from geo.app.i18n import md
from geo.dataset import load_for_mode
from geo.store import open_store
from geo.store.migrate import gpkg_to_postgis
from geo.store.postgis import parse_pg_url
from tests.pg_fixture import new_schema_url
from tests.test_app import FUXING, PAGES, metric, run_page, texts

pytest_plugins = ("pg_fixture",)

PID = "FX-0001"  # to_release since 2018-10-02, 18.84 mu


@pytest.fixture(scope="module")
def pg_url(pg_server, tmp_path_factory: pytest.TempPathFactory) -> str:
    source = Path(shutil.copy2(FUXING, tmp_path_factory.mktemp("pg") / "fx.gpkg"))
    url = new_schema_url(pg_server)
    gpkg_to_postgis(source, url)
    return url


def _password(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]


def _sidebar_texts(at) -> list[str]:
    out = [str(e.value) for e in at.sidebar.caption] + [str(e.value) for e in at.sidebar.markdown]
    for box in at.sidebar.selectbox:
        out += [str(o) for o in box.options]
    return out


@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_opens_on_postgis_and_never_shows_the_password(
    monkeypatch, caplog, pg_url, page
):
    caplog.set_level(logging.INFO)
    at = run_page(monkeypatch, page, workspace=pg_url, lang="en", state={"role": "planner"})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    secret = _password(pg_url)
    shown = [*texts(at), *_sidebar_texts(at)]
    assert not [s for s in shown if secret in s]
    assert secret not in caplog.text  # nor the log
    schema = parse_pg_url(pg_url)[1]
    if page != "overview":
        assert any(f"{schema} @ 127.0.0.1" in s for s in shown), "the caption names the schema"


def test_the_overview_has_the_figures_of_the_geopackage(monkeypatch, pg_url):
    on_pg = run_page(monkeypatch, workspace=pg_url, lang="en")
    on_file = run_page(monkeypatch, workspace=FUXING, lang="en")
    for label in ("Freed land (mu)", "Available land (mu)", "Parcels"):
        assert metric(on_pg, label) == metric(on_file, label)
    # the picker offers it under its schema and host, without user or password
    labels = [o for box in on_pg.sidebar.selectbox for o in box.options]
    assert any(parse_pg_url(pg_url)[1] in o and "PostGIS 127.0.0.1" in o for o in labels), labels


def test_a_status_edit_on_the_card_is_saved_in_postgis_with_its_audit(monkeypatch, caplog, pg_url):
    caplog.set_level(logging.INFO)
    card = {"overview_selected": PID, "role": "planner"}
    at = run_page(monkeypatch, workspace=pg_url, lang="en", state=card)
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.selectbox(key="edit_status").set_value("released")
    at.date_input(key="edit_on").set_value(dt.date(2024, 5, 1))
    at.text_input(key="edit_note").input("区政府批复")
    at.button(key="edit_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(f"parcel {md(PID)} is now" in s.value for s in at.success), at.success
    # written in place: no working copy, the session still has the PostGIS workspace open
    if "_working_copies" in at.session_state:
        assert not at.session_state["_working_copies"]
    assert "workspace_path" not in at.session_state or at.session_state["workspace_path"] == pg_url
    after = load_for_mode(pg_url, "planner")  # read back from PostGIS
    assert after.parcels.set_index("parcel_id").loc[PID, "status"] == "released"
    with open_store(pg_url, user="t", role="investment") as store:
        hist = store.history(PID)
    assert set(hist["field"]) >= {"status"} and hist["note"].eq("区政府批复").all()
    assert _password(pg_url) not in caplog.text


def test_a_typed_url_opens_and_a_bad_one_says_why(monkeypatch, caplog, pg_url):
    caplog.set_level(logging.INFO)
    at = run_page(monkeypatch, workspace=FUXING, lang="en")
    at.text_input(key="ws_path_input").input(pg_url)
    at.button(key="ws_open_path").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["workspace_path"] == pg_url
    assert any(f"{parse_pg_url(pg_url)[1]} @ 127.0.0.1" in s for s in texts(at))
    # a schema that does not exist, then a server nobody listens on: a message, nothing opened
    base, _ = parse_pg_url(pg_url)
    for bad in (f"{base}?schema=no_such_schema", "postgresql://u:p@127.0.0.1:9/none?schema=x"):
        at.text_input(key="ws_path_input").input(bad)
        at.button(key="ws_open_path").click().run()
        assert not at.exception
        errors = " ".join(e.value for e in at.error)
        assert "cannot" in errors.lower() or "no parcels" in errors.lower(), errors
        assert _password(pg_url) not in errors and ":p@" not in errors
        assert at.session_state["workspace_path"] == pg_url  # still the good one
    assert _password(pg_url) not in caplog.text and ":p@" not in caplog.text


def test_a_link_names_the_url_without_password_and_opens_only_the_servers_own(monkeypatch, pg_url):
    monkeypatch.setenv("TENGLONG_WORKSPACE", pg_url)
    named = state.ws_param(pg_url)
    assert _password(pg_url) not in named and parse_pg_url(pg_url)[1] in named
    assert state.resolve_ws_param(named) == pg_url  # the server's own: with its password
    base, _ = parse_pg_url(pg_url)
    assert state.resolve_ws_param(state.ws_param(f"{base}?schema=other")) is None


def test_the_import_page_says_how_to_import_a_file_into_postgis(monkeypatch, pg_url):
    at = run_page(monkeypatch, "import_data", workspace=pg_url, lang="en")
    assert not at.exception and not at.error
    assert any("tenglong migrate" in i.value for i in at.info), [i.value for i in at.info]
    uploads = [u.key for u in at.get("file_uploader")]
    assert "import_files" not in uploads  # no upload that could not be written
    at.radio(key="import_kind").set_value("ledger").run()  # ledgers go into the store itself
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(at.get("file_uploader")) > len(uploads)


@pytest.mark.parametrize("mode", [None, "investor"])
def test_a_share_link_to_a_postgis_workspace_opens_the_investor_view(monkeypatch, pg_url, mode):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP
    from tests.test_app_share import REFUSED_EN, assert_investor_view, token

    named = state.ws_param(pg_url)
    monkeypatch.setenv("TENGLONG_WORKSPACE", pg_url)
    if mode:
        monkeypatch.setenv("TENGLONG_MODE", mode)
    else:
        monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["share"] = token(workspace=named, lang="en")
    at.run()
    assert_investor_view(at)
    assert at.session_state["_share"].workspace == named
    assert _password(pg_url) not in named
    # a link naming another schema of the same server is refused
    base, _ = parse_pg_url(named)
    other = AppTest.from_file(APP, default_timeout=90)
    other.query_params["share"] = token(workspace=f"{base}?schema=other", lang="en")
    other.run()
    assert any(REFUSED_EN in e.value for e in other.error)


@pytest.mark.parametrize("which", ["no_schema", "no_server"])
def test_a_workspace_url_that_cannot_be_read_says_why_on_every_page(
    monkeypatch, caplog, pg_url, which
):
    caplog.set_level(logging.INFO)
    base, _ = parse_pg_url(pg_url)
    bad = {
        "no_schema": f"{base}?schema=no_such_schema",
        "no_server": "postgresql://u:pw@127.0.0.1:9/none?schema=x",
    }[which]
    for page in ("overview", "freed_land", "geom_edit"):
        at = run_page(monkeypatch, page, workspace=bad, lang="en")
        assert not at.exception, at.exception
        errors = " ".join(e.value for e in at.error)
        assert "The workspace cannot be opened" in errors, errors  # not a page failure
        assert any("Pick a demo workspace" in i.value for i in at.info)
        assert _password(pg_url) not in errors and ":pw@" not in errors
    assert "cannot open" in caplog.text  # logged, without the password
    assert _password(pg_url) not in caplog.text and ":pw@" not in caplog.text
