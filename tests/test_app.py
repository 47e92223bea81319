"""The Streamlit app through streamlit.testing (no browser): pages run, no exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
FUXING = ROOT / "data" / "fuxing.gpkg"


def run_app(monkeypatch, workspace: Path, lang: str = "zh") -> AppTest:
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(workspace))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    return at.run()


@pytest.mark.parametrize(
    ("lang", "title", "metric"),
    [("zh", "腾笼", "腾退土地(亩)"), ("en", "Tenglong", "Freed land (mu)")],
)
def test_overview_shows_fuxing_figures(monkeypatch, lang, title, metric):
    at = run_app(monkeypatch, FUXING, lang)
    assert not at.exception, at.exception
    assert title in at.title[0].value
    freed = next(m for m in at.metric if m.label == metric)
    assert float(freed.value.replace(",", "")) == pytest.approx(10269, abs=1)
    assert any("示意 / schematic" in c.value for c in at.caption)


def test_missing_workspace_gives_a_message_not_a_traceback(monkeypatch, tmp_path):
    at = run_app(monkeypatch, tmp_path / "missing.gpkg")
    assert not at.exception
    assert any("does not exist" in e.value for e in at.error)


def test_broken_workspace_gives_a_message(monkeypatch, tmp_path):
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"\x00" * 100)
    at = run_app(monkeypatch, bad, "en")
    assert not at.exception
    assert any("cannot be opened" in e.value for e in at.error)
