"""Markdown injection: names, paths, errors and editors' names are shown as text in the app.

Every value interpolated into a UI message is escaped for Markdown
(:func:`geo.app.i18n.t`). The payload below combines a link
``[a](https://example.org)``, ``**bold**``, HTML ``<b>x</b>``, an image
``![img](http://127.0.0.1/x.png)``, a code span, ``$x$`` (LaTeX) and
Streamlit's ``:red[x]``; it is put in a real workspace's name (investor
presentation title, page header), a typed path (``workspace_missing``), an
uploaded file's name (import error), and an editor's name and a changed
value (edit conflict). Each screen runs through ``streamlit.testing`` and the
element's Markdown source must hold the escaped payload, never the raw one.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from geo.app import i18n
from geo.app.i18n import Markdown, md, md_code, t, t_plain
from geo.store import InvalidEditError, open_store
from geo.workspace import open_workspace, save_workspace
from tests.test_app import FUXING, run_page

PAYLOAD = (
    "[a](https://example.org) **bold** <b>x</b> ![img](http://127.0.0.1/x.png) `code` $x$ :red[x]"
)
RAW_PIECES = ["[a](", "**bold**", "<b>", "![img]", "`code`", "$x$", ":red[x]"]
PID = "FX-0001"  # to_release since 2018-10-02


def assert_escaped(source: str, payload: str = PAYLOAD) -> None:
    """``source`` shows ``payload`` as text: escaped, no raw Markdown of it left."""
    assert md(payload) in source, source
    for piece in RAW_PIECES:
        assert piece not in source, (piece, source)


@pytest.fixture(scope="module")
def named_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of fuxing named with the payload, in a file whose name holds backticks."""
    d = tmp_path_factory.mktemp("md")
    ws = open_workspace(FUXING)
    meta = {**ws.meta, "name": PAYLOAD, "name_en": PAYLOAD}
    return save_workspace(ws.tables, d / "ws`[f](https://example.org)`.gpkg", meta=meta)


# ---------------------------------------------------------------------------
# t() itself
# ---------------------------------------------------------------------------


def test_t_escapes_every_keyword_value():
    out = t("workspace_missing", "en", path=PAYLOAD)
    assert isinstance(out, Markdown)
    assert out == "No such file: " + md(PAYLOAD)
    assert "\\[a\\]\\(https\\://example\\.org\\)" in out


def test_t_keeps_a_nested_message_and_t_plain_keeps_values():
    inner = t("edit_conflict_unknown", "en")
    assert isinstance(inner, Markdown)
    assert t("workspace_error", "en", error=inner) == f"The workspace cannot be opened: {inner}"
    assert t_plain("published_diff", "en", value="10,269", diff="-12") == (
        "published 10,269, difference -12"
    )


def test_md_code_cannot_be_closed_by_a_backtick_in_the_name():
    assert md_code("a`b") == "`` a`b ``"
    assert md_code("x``y`") == "``` x``y` ```"
    assert md_code("plain.gpkg") == "`plain.gpkg`"


def test_edit_error_messages_escape_the_store_error():
    err = InvalidEditError(f"owner {PAYLOAD!r} is not a valid int")
    for key in ("edit_invalid", "edit_role", "edit_busy"):
        assert_escaped(t(key, "en", error=err))


# ---------------------------------------------------------------------------
# The screens
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_investor_presentation_title_shows_the_name_as_text(monkeypatch, named_ws, lang):
    at = run_page(monkeypatch, "site_finder", workspace=named_ws, lang=lang, query={"present": "1"})
    assert not at.exception
    titles = [el.value for el in at.title]
    assert titles, "no title"
    assert_escaped(titles[0])


def test_page_header_shows_name_and_file_name_as_text(monkeypatch, named_ws):
    at = run_page(monkeypatch, "overview", workspace=named_ws, lang="en")
    assert not at.exception
    caption = next(c.value for c in at.caption if c.value.startswith("Workspace"))
    assert_escaped(caption)
    assert md_code(named_ws.name) in caption  # the backticks cannot end the code span


def test_typed_path_in_workspace_missing_is_text(monkeypatch, tmp_path):
    at = run_page(monkeypatch, "overview", lang="en")
    typed = str(tmp_path / f"{PAYLOAD}.gpkg")  # a path: "https://" reads as "https:/"
    at.text_input(key="ws_path_input").input(typed)
    at.button(key="ws_open_path").click().run()
    assert not at.exception
    errors = [e.value for e in at.error if e.value.startswith("No such file")]
    assert errors, [e.value for e in at.error]
    assert_escaped(errors[0], str(Path(typed)))


def test_import_error_shows_the_file_name_as_text(monkeypatch):
    at = run_page(monkeypatch, "import_data", lang="en")
    at.get("file_uploader")[0].upload(f"{PAYLOAD}.geojson", b"not json", "application/json").run()
    at.button(key="import_go").click().run()
    assert not at.exception
    errors = [e.value for e in at.error if "cannot proceed" in e.value]
    assert errors, [e.value for e in at.error]
    assert_escaped(errors[0])


def test_conflict_message_shows_the_other_editor_and_value_as_text(monkeypatch, tmp_path):
    ws = tmp_path / "edit.gpkg"
    shutil.copy(FUXING, ws)
    with open_store(ws, user="t", role="planner") as store:  # not a demo file: edited in place
        version = store.parcel(PID).row_version
    at = run_page(
        monkeypatch, workspace=ws, lang="en", state={"overview_selected": PID, "role": "planner"}
    )
    assert not at.exception
    # someone whose audit name is the payload saves the parcel first
    with open_store(ws, user=PAYLOAD) as store:
        store.update_parcel(PID, {"owner": PAYLOAD}, expected_version=version)
    at.selectbox(key="edit_status").set_value("released")
    at.date_input(key="edit_on").set_value(dt.date(2024, 5, 1))
    at.button(key="edit_save").click().run()
    assert not at.exception
    warnings = [w.value for w in at.warning if "Not saved" in w.value]
    assert warnings, [w.value for w in at.warning] + [e.value for e in at.error]
    assert_escaped(warnings[0])
    assert warnings[0].count(md(PAYLOAD)) == 2  # the editor and the owner they wrote


def test_every_message_with_a_placeholder_escapes_it():
    """Every STRINGS entry with ``{…}`` escapes the payload in both languages."""
    import string

    for key, pair in i18n.STRINGS.items():
        names = {f for text in pair for _, f, _, _ in string.Formatter().parse(text) if f}
        if not names:
            continue
        for lang in ("zh", "en"):
            assert_escaped(t(key, lang, **dict.fromkeys(names, PAYLOAD)))
