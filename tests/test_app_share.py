"""Share sessions, the investor-mode workspace pin and temporary uploads, through streamlit.testing.

What was tried against a session opened with ``?share=TOKEN``: ``present=0``,
``role=planner`` and ``ws=wuan`` next to the token in the URL; the session
state a forged widget message could reach (``present``, ``role``,
``workspace_path``) set to the planner's values between runs; the planner's
pages. Refused tokens: one character of the signature changed, another
workspace in the payload, expired, garbage, empty. On an investor-mode server:
``?ws=wuan`` and ``?ws=/path/to/wuan.gpkg``. Uploads: a file over the cap.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from geo import sharing
from geo.app import state
from geo.schema import INTERNAL_FIELDS
from geo.siting import finder
from geo.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
FUXING = ROOT / "data" / "fuxing.gpkg"
WUAN = ROOT / "data" / "wuan.gpkg"
REFUSED_ZH = "链接已失效或被篡改"
REFUSED_EN = "This link has expired or was altered: ask the sender for a new one"


def token(**kw) -> str:
    share = sharing.new_share(kw.pop("workspace", "fuxing"), **kw)
    return sharing.make_token(share, sharing.load_secret())


def app_with(monkeypatch, query: dict[str, str], *, mode: str | None = None) -> AppTest:
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(FUXING))
    if mode:
        monkeypatch.setenv("TENGLONG_MODE", mode)
    else:
        monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    return at


def shown(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error"):
        parts += [str(el.value) for el in getattr(at, kind)]
    parts += [str(b.label) for b in at.button]
    return "\n".join(parts)


def internal_values() -> set[str]:
    """Owners, contacts and former enterprises of Fuxing's parcels, and firm names.

    Compensation amounts are numbers that also occur as areas (97.5): their
    field name and label are checked instead.
    """
    parcels = gpd.read_file(FUXING, layer="parcels")
    text = {
        str(v)
        for c in INTERNAL_FIELDS & set(parcels.columns)
        if parcels[c].dtype == object and c != "name"
        for v in parcels[c].dropna().unique()
        if len(str(v)) >= 3
    }
    firms = gpd.read_file(FUXING, layer="enterprises")["name"].dropna()
    return text | set(firms) | {"compensation_wan_yuan", "补偿", "权利人", "联系人", "原企业"}


def assert_investor_view(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("邯郸市复兴区") or "Fuxing" in at.title[0].value
    assert len(at.slider) == 0 and len(at.selectbox) == 0 and len(at.code) == 0
    assert not any(b.key == "present_exit" for b in at.button)
    assert not any(r.key == "role" for r in at.radio)
    text = shown(at)
    leaked = sorted(v for v in internal_values() if v in text)
    assert leaked == [], leaked[:5]
    assert "有限公司" not in text


# ---------------------------------------------------------------------------
# Share sessions
# ---------------------------------------------------------------------------


def test_a_share_link_opens_the_investor_presentation(monkeypatch):
    at = app_with(monkeypatch, {"share": token(lang="en", brief={"mu": "10-80"})})
    assert_investor_view(at)
    assert at.title[0].value.endswith("sites available to investors")
    assert at.session_state["_share"].workspace == "fuxing"
    found = next(m.value for m in at.markdown if "sites match" in m.value)
    assert "10–80 mu" in found
    # the URL now carries the token and nothing else
    assert list(at.query_params) == ["share"]


@pytest.mark.parametrize(
    "extra",
    [
        {"present": "0"},
        {"role": "planner"},
        {"ws": "wuan"},
        {"present": "0", "role": "planner", "ws": "wuan", "lang": "en", "avail": "0"},
    ],
)
def test_url_parameters_next_to_the_token_change_nothing(monkeypatch, extra):
    at = app_with(monkeypatch, {"share": token(lang="zh"), **extra})
    assert_investor_view(at)
    assert at.title[0].value.startswith("邯郸市复兴区")  # not 武安, not English
    assert at.session_state["workspace_path"].endswith("fuxing.gpkg")


def test_session_state_set_to_the_planner_does_not_end_a_share_session(monkeypatch):
    """What a forged widget message could reach between runs: the present flag,
    the role picker and the workspace picker set to the planner's values."""
    at = app_with(monkeypatch, {"share": token()})
    assert_investor_view(at)
    at.session_state["present"] = False
    at.session_state["role"] = "planner"
    at.session_state["workspace_path"] = str(WUAN)
    at.query_params.clear()
    at.query_params["present"] = "0"
    at.run()
    assert_investor_view(at)
    assert at.title[0].value.startswith("邯郸市复兴区")
    # the planner's pages are not in this session's navigation
    for page in ("overview", "export", "import_data", "benefit"):
        with pytest.raises(ValueError):
            at.switch_page(f"geo/app/pages/{page}.py")


def test_a_share_link_naming_sites_shows_only_them(monkeypatch):
    at = app_with(monkeypatch, {"share": token(sites=["FX-0002"])})
    assert_investor_view(at)
    found = next(m.value for m in at.markdown if "块地符合条件" in m.value)
    assert found.startswith("**1**")
    assert "FX\\-0002" in shown(at)


def _block_site() -> str:
    """The id of the Fuxing demo's largest assembled site (computed, not typed)."""
    ws = open_workspace(FUXING, validate=False)
    sites = finder.candidate_sites(ws.parcels, areas=ws.areas)
    return str(sites[sites["assembled"]].iloc[0]["site_id"])


def test_a_share_link_naming_an_assembled_site_shows_it_and_nothing_internal(monkeypatch):
    site = _block_site()
    members = site[2:].split(",")
    at = app_with(monkeypatch, {"share": token(sites=[site], lang="en")})
    assert_investor_view(at)
    found = next(m.value for m in at.markdown if "sites match" in m.value)
    assert found.startswith("**1**")
    text = shown(at)
    assert f"Assembled site · {len(members)} parcels" in text
    for m in members:
        assert m.replace("-", "\\-") in text
    # the map element's data: the outline is a feature, no internal field in any layer
    from geo.layers import investor_forbidden_fields

    maps = at.get("bidi_component")
    assert len(maps) == 1
    payload = str(maps[0].proto)
    assert site in payload
    for field in investor_forbidden_fields("parcels"):
        assert f'\\"{field}\\"' not in payload and f'"{field}"' not in payload, field
    # the token cannot be widened: a site not in it is not shown
    assert "FX\\-0612" not in text


def test_a_share_link_to_an_assembled_site_no_longer_on_offer_shows_none(monkeypatch):
    site = _block_site()
    at = app_with(monkeypatch, {"share": token(sites=[site + ",FX-0001"], lang="en")})
    assert_investor_view(at)  # FX-0001 is not available: the site is not on offer
    found = next(m.value for m in at.markdown if "sites match" in m.value)
    assert found.startswith("**0**")


def _altered(tok: str) -> str:
    body, sig = tok.split(".")
    return f"{body}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: _altered(token()), "链接已被修改"),
        (lambda: token(expires="1m", now_utc_s=0), "链接已过期"),
        (lambda: "garbage", "链接不完整"),
        (lambda: "", "链接不完整"),
        (lambda: token(workspace="/nowhere/secret.gpkg"), "不在此服务器上"),
    ],
    ids=["altered", "expired", "garbage", "empty", "unknown-workspace"],
)
def test_a_refused_token_shows_the_clear_page_and_nothing_else(monkeypatch, make, reason):
    at = app_with(monkeypatch, {"share": make(), "ws": "wuan", "present": "0"})
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and REFUSED_ZH in errors[0] and REFUSED_EN in errors[0]
    assert reason in shown(at)
    assert len(at.markdown) == 0 and len(at.metric) == 0 and len(at.button) == 0
    assert "复兴区" not in shown(at) and "Fuxing" not in shown(at)
    # and it stays that way for the session
    at.query_params.clear()
    at.run()
    assert [e.value for e in at.error] == errors and len(at.markdown) == 0


# ---------------------------------------------------------------------------
# An investor-mode server serves exactly its workspace
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("ws", ["wuan", str(WUAN), "hebi"])
def test_investor_server_ignores_the_ws_parameter(monkeypatch, ws):
    at = app_with(monkeypatch, {"ws": ws, "present": "0"}, mode="investor")
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("邯郸市复兴区"), at.title[0].value
    found = next(m.value for m in at.markdown if "块地符合条件" in m.value)
    fuxing = open_workspace(FUXING, validate=False)
    n = len(finder.candidate_sites(fuxing.parcels, areas=fuxing.areas))
    assert found.startswith(f"**{n}**")  # Fuxing's available sites, not Wu'an's
    assert not any(b.key == "present_exit" for b in at.button)


def test_investor_server_refuses_a_share_link_for_another_workspace(monkeypatch):
    at = app_with(monkeypatch, {"share": token(workspace="wuan")}, mode="investor")
    assert any(REFUSED_EN in e.value for e in at.error)
    at = app_with(monkeypatch, {"share": token(workspace="fuxing")}, mode="investor")
    assert_investor_view(at)


# ---------------------------------------------------------------------------
# Uploads: per session, capped, said to be temporary; stale folders deleted
# ---------------------------------------------------------------------------


def _uploader(at: AppTest, key: str):
    return next(u for u in at.get("file_uploader") if u.key == key)


def test_uploads_go_to_a_session_folder_and_the_cap_refuses_more(monkeypatch, tmp_path):
    monkeypatch.setenv(state.UPLOAD_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(state.UPLOAD_CAP_ENV, "0.5")  # 500 kB: one Wu'an (205 kB), not three
    state.upload_dir.clear()
    try:
        monkeypatch.setenv("TENGLONG_WORKSPACE", str(FUXING))
        monkeypatch.delenv("TENGLONG_MODE", raising=False)
        at = AppTest.from_file(APP, default_timeout=90)
        at.session_state["lang"] = "en"
        at.run()
        captions = [c.value for c in at.caption]
        assert any("deleted when you close the page" in c for c in captions)
        assert "deleted when the session ends" in _uploader(at, "ws_upload").help
        # the help is Markdown: the interpolated cap is escaped (0\\.5), shown as 0.5
        assert "0.5 MB" in _uploader(at, "ws_upload").help.replace("\\", "")
        _uploader(at, "ws_upload").upload("one.gpkg", WUAN.read_bytes()).run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        saved = Path(at.session_state["workspace_path"])
        proc_dir = state.upload_dir()
        assert proc_dir.parent == tmp_path and proc_dir.name.startswith(f"p{os.getpid()}-")
        assert saved.parent.parent.name.startswith("s-")  # the session's own folder
        assert saved.parent.parent.parent == proc_dir
        assert oct(proc_dir.stat().st_mode & 0o777) == "0o700"
        _uploader(at, "ws_upload").upload("two.gpkg", WUAN.read_bytes()).run()
        _uploader(at, "ws_upload").upload("three.gpkg", WUAN.read_bytes()).run()
        errors = [e.value.replace("\\", "") for e in at.error]  # Markdown escapes
        assert any("Upload refused" in e and "of at most 0.5 MB" in e for e in errors), errors
        assert not any(p.name == "three.gpkg" for p in proc_dir.rglob("*.gpkg"))
    finally:
        state.upload_dir.clear()


def test_stale_process_folders_are_deleted_at_start_up(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    gone = tmp_path / f"p{dead_pid}-0a1b2c3d"
    reused = (
        tmp_path / f"p{os.getpid()}-deadbeef"
    )  # our pid, an earlier process (container restart)
    alive = tmp_path / f"p{os.getppid()}-12345678"  # pytest's parent process is alive
    other = tmp_path / "not-ours"
    for d in (gone, reused, alive, other):
        (d / "s-x").mkdir(parents=True)
        (d / "s-x" / "f.gpkg").write_bytes(b"x" * 10)
    mine = tmp_path / f"p{os.getpid()}-cafef00d"
    mine.mkdir()
    removed = state.remove_stale_process_dirs(tmp_path, keep=mine)
    assert sorted(removed) == sorted([gone, reused])
    assert alive.exists() and other.exists() and mine.exists()
    assert not gone.exists() and not reused.exists()


def test_a_bad_cap_value_means_the_default(monkeypatch):
    for bad in ("lots", "-5", "0", "nan"):
        monkeypatch.setenv(state.UPLOAD_CAP_ENV, bad)
        assert state.upload_cap_bytes() == 500_000_000, bad
    monkeypatch.setenv(state.UPLOAD_CAP_ENV, "50")
    assert state.upload_cap_bytes() == 50_000_000
