"""The workspace picker's 新建工作空间 / New workspace form (streamlit.testing, no browser).

Bad inputs tried: a misspelt district (峰峰区: close names shown, nothing
created), a boundary without a title (the button stays disabled), a line
instead of a polygon (an error, nothing created), the investment role (no form,
and the server refuses it), a full upload folder.
"""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
FUXING = ROOT / "data" / "fuxing.gpkg"


def start(monkeypatch, tmp_path: Path, *, lang: str = "zh", role: str = "planner") -> AppTest:
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(FUXING))
    monkeypatch.setenv("TENGLONG_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    monkeypatch.delenv("TENGLONG_NEW_WORKSPACE_DIR", raising=False)
    from geo.app import state

    state.upload_dir.clear()  # a server process's folder: made again under this test's root
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    at.session_state["role"] = role
    at.run()
    assert not at.exception
    return at


def keys(at: AppTest) -> set[str]:
    out = set()
    for kind in ("text_input", "selectbox", "radio", "button", "file_uploader"):
        out |= {w.key for w in at.get(kind) if getattr(w, "key", None)}
    return out


def district_box(at: AppTest):
    """The district select box (its key follows the search text)."""
    return next(s for s in at.selectbox if str(s.key).startswith("ws_new_district"))


def _geojson(geom) -> bytes:
    buf = io.BytesIO()
    gpd.GeoDataFrame({"名称": ["稠江街道"]}, geometry=[geom], crs=4490).to_file(
        buf, driver="GeoJSON"
    )
    return buf.getvalue()


def test_planner_creates_a_workspace_for_a_district_and_lands_on_import(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, lang="en")
    assert at.button(key="ws_new_create").disabled
    at.text_input(key="ws_new_search").input("峰峰").run()
    assert district_box(at).value == "130406"
    at.text_input(key="ws_new_name").input("峰峰试点").run()
    at.button(key="ws_new_create").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    path = Path(at.session_state["workspace_path"])
    assert path.suffix == ".gpkg" and (tmp_path / "uploads") in path.parents
    ws = open_workspace(path)
    assert ws.meta["adcode"] == "130406" and ws.meta["name"] == "峰峰试点"
    assert len(ws.parcels) == 0 and ws.crs.to_epsg() == 4547
    assert at.title[0].value == "Import data"  # switched to the import page


def test_a_misspelt_district_shows_close_names_and_creates_nothing(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path)
    at.text_input(key="ws_new_search").input("峰峰区").run()
    warned = " ".join(w.value for w in at.warning)
    assert "峰峰矿区" in warned and "130406" in warned
    assert district_box(at).value is None
    assert at.button(key="ws_new_create").disabled
    assert not list((tmp_path / "uploads").rglob("*.gpkg"))


def test_a_street_boundary_upload_needs_a_title_and_a_polygon(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, lang="en")
    at.radio(key="ws_new_how").set_value("boundary").run()
    up = next(u for u in at.get("file_uploader") if u.key == "ws_new_boundary")
    line = shapely.LineString([(120.02, 29.27), (120.06, 29.30)])
    up.upload("line.geojson", _geojson(line)).run()
    assert at.button(key="ws_new_create").disabled  # no title yet
    at.text_input(key="ws_new_name").input("稠江街道").run()
    at.button(key="ws_new_create").click().run()
    assert any("no polygon" in e.value for e in at.error)
    assert not list((tmp_path / "uploads").rglob("*.gpkg"))
    up = next(u for u in at.get("file_uploader") if u.key == "ws_new_boundary")
    up.upload("street.geojson", _geojson(shapely.box(120.02, 29.27, 120.06, 29.30))).run()
    at.button(key="ws_new_create").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    ws = open_workspace(at.session_state["workspace_path"])
    assert ws.meta["level"] == "township" and ws.meta["adcode"] == "330782"
    assert ws.crs.to_epsg() == 4549


def test_a_configured_folder_keeps_new_workspaces(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, lang="en")
    keep = tmp_path / "kept"
    monkeypatch.setenv("TENGLONG_NEW_WORKSPACE_DIR", str(keep))
    for _ in range(2):  # the second gets a fresh name, the first is not replaced
        at.text_input(key="ws_new_search").input("330782").run()
        at.button(key="ws_new_create").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    assert sorted(p.name for p in keep.iterdir()) == ["330782-2.gpkg", "330782.gpkg"]


def test_investment_role_gets_no_form(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, role="investment")
    assert not {k for k in keys(at) if k.startswith("ws_new")}
    assert "ws_open_path" in keys(at)  # the rest of the picker is there


def test_the_server_refuses_creation_for_other_roles(monkeypatch, tmp_path):
    """:func:`geo.app.state.create_new_workspace` checks the role itself."""
    import streamlit as st

    from geo.access import RoleError
    from geo.app import state

    monkeypatch.setenv("TENGLONG_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    st.session_state["role"] = "investment"
    try:
        with pytest.raises(RoleError, match="only a planner"):
            state.create_new_workspace(district="130406")
        st.session_state["present"] = True  # presentation: an investor is looking
        st.session_state["role"] = "planner"
        with pytest.raises(RoleError):
            state.create_new_workspace(district="130406")
    finally:
        st.session_state.clear()
    assert not list(tmp_path.rglob("*.gpkg"))


def test_a_full_upload_folder_refuses_a_new_workspace(monkeypatch, tmp_path):
    at = start(monkeypatch, tmp_path, lang="en")
    monkeypatch.setenv("TENGLONG_UPLOAD_CAP_MB", "0.5")
    at.text_input(key="ws_new_search").input("130406").run()
    at.button(key="ws_new_create").click().run()
    assert not at.exception
    assert any("Cannot create the workspace" in e.value for e in at.error)
    assert at.session_state["workspace_path"].endswith("fuxing.gpkg")
