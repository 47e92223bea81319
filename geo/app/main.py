"""Page set-up, the sidebar (language, role, workspace, basemap) and the navigation.

The menu depends on the role:

=============  ================================================================
role           pages
=============  ================================================================
planner        总览, 腾退土地, 空间布局, 厂区转型, 亩均效益, 检查与监管, 招商选址,
               地块编辑, 导入, 导出
investment     总览, 腾退土地, 空间布局, 厂区转型, 检查与监管, 招商选址, 导出
investor       招商选址 in presentation mode only (no sidebar, investor fields)
=============  ================================================================

With a login configured (``[auth]`` in ``.streamlit/secrets.toml``) the
app asks for it first and takes the role from the identity-token claims
(:func:`geo.app.state.current_role`); the sidebar then has no role picker.

A share link (``?share=TOKEN``, :mod:`geo.sharing`) opens the presentation
for its whole session; a refused token shows only :func:`_share_refused_page`.
A planner instance listening beyond loopback without a login serves
nothing (:func:`geo.app.state.open_planner_refused`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pyogrio
import streamlit as st

from geo.access import RoleError
from geo.app import state
from geo.app.builtin_text import builtin_text_css, upload_note
from geo.app.i18n import Lang, md, t, t_plain
from geo.app.targets import pg_place
from geo.basemaps import BASEMAP_NAMES
from geo.dataset.parquet import is_dataset, read_info
from geo.errors import TenglongError
from geo.io import DataImportError
from geo.io.safety import sniff_format
from geo.store import is_postgres_url
from geo.workspace import WorkspaceError

logger = logging.getLogger(__name__)

PAGES_DIR = Path(__file__).resolve().parent / "pages"

APP_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 2.2rem;}
[class*="st-key-parcel_card"] [data-testid="stMetricLabel"] *,
[class*="st-key-site_card"] [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
</style>"""
"""Page style: the cards beside a map are narrow; their figures' labels wrap, never cut."""

HIDE_SIDEBAR_CSS = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stSidebarNav"] {display: none !important;}
</style>"""


@dataclass(frozen=True)
class PageDef:
    """One page of the menu."""

    file: str
    title_key: str
    icon: str
    url_path: str
    roles: tuple[str, ...]


PAGES: tuple[PageDef, ...] = (
    PageDef("overview.py", "nav_overview", ":material/map:", "overview", ("planner", "investment")),
    PageDef(
        "freed_land.py",
        "nav_freed",
        ":material/bar_chart:",
        "freed-land",
        ("planner", "investment"),
    ),
    PageDef("layout.py", "nav_layout", ":material/dashboard:", "layout", ("planner", "investment")),
    PageDef("sites.py", "nav_sites", ":material/factory:", "sites", ("planner", "investment")),
    PageDef("benefit.py", "nav_benefit", ":material/leaderboard:", "benefit", ("planner",)),
    PageDef(
        "checks.py", "nav_checks", ":material/fact_check:", "checks", ("planner", "investment")
    ),
    PageDef(
        "site_finder.py",
        "nav_finder",
        ":material/travel_explore:",
        "site-finder",
        ("planner", "investment", "investor"),
    ),
    PageDef(
        "geom_edit.py", "nav_geom_edit", ":material/edit_square:", "edit-parcels", ("planner",)
    ),
    PageDef("import_data.py", "nav_import", ":material/upload_file:", "import", ("planner",)),
    PageDef("export.py", "nav_export", ":material/download:", "export", ("planner", "investment")),
)


@st.cache_data(show_spinner=False, max_entries=64)
def _meta_name(path: str, revision: str, lang: Lang) -> str:
    try:
        if Path(path).is_dir():  # a GeoParquet dataset: its meta.json
            pairs = dict(read_info(path).meta)
        else:
            meta = pyogrio.read_dataframe(path, layer="meta", read_geometry=False)
            pairs = dict(zip(meta["key"].astype(str), meta["value"].astype(str), strict=True))
    except Exception:  # a broken file still gets a label; opening it reports the problem
        return Path(path).stem
    name = pairs.get("name_en" if lang == "en" else "name") or pairs.get("name")
    # a dataset directory by its whole name: "wuan.parquet" is not the demo "wuan"
    short = Path(path).name if Path(path).is_dir() else Path(path).stem
    return f"{name} ({short})" if name else short


def workspace_label(path: str, lang: Lang) -> str:
    """``邯郸市复兴区 (fuxing)``: the workspace's name from its ``meta`` table, and the file.

    A GeoParquet dataset directory: the name from its ``meta.json``; a PostGIS
    schema: ``fx · PostGIS 127.0.0.1:5432/tenglong`` (never the password).
    """
    if is_postgres_url(path):
        return f"{state.target_name(path)} · PostGIS {pg_place(path)}"
    try:
        key = state.workspace_key(path)
    except WorkspaceError:
        return f"{Path(path).name} ({t('missing_file', lang)})"
    return _meta_name(key[0], key[1], lang)


def unique_labels(options: list[str], lang: Lang) -> dict[str, str]:
    """:func:`workspace_label` of each option, with its folder added where two would read alike.

    The picker tells its options apart by their labels: an uploaded
    ``fuxing.gpkg`` must never read (and so open) as the demo ``fuxing.gpkg``.
    """
    labels = {p: workspace_label(p, lang) for p in options}
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    for p, label in labels.items():
        if seen[label] > 1 and not is_postgres_url(p):
            labels[p] = f"{label} · {Path(p).parent}"
    return labels


def _open_other(lang: Lang) -> None:
    """A path or an uploaded GeoPackage (inside the workspace popover)."""
    st.markdown(f"**{t('workspace_open_other', lang)}**")
    typed = st.text_input(t("workspace_path", lang), key="ws_path_input", placeholder="/…/x.gpkg")
    if st.button(t("open", lang), key="ws_open_path") and typed.strip():
        if is_postgres_url(typed.strip()):  # a PostGIS schema: opened if it can be read
            try:
                state.workspace_key(typed.strip())
            except (TenglongError, ValueError) as err:
                st.error(t("workspace_error", lang, error=err))
                return
            state.add_opened_workspace(typed.strip())
            st.rerun()
        p = Path(typed.strip()).expanduser()
        if p.is_dir():
            if is_dataset(p):  # a GeoParquet dataset directory (tenglong convert)
                state.add_opened_workspace(p.resolve())
                st.rerun()
            else:
                st.error(t("workspace_not_workspace", lang))
        elif p.suffix.lower() != ".gpkg":
            st.error(t("workspace_not_workspace", lang))
        elif not p.is_file():
            st.error(t("workspace_missing", lang, path=str(p)))
        else:
            state.add_opened_workspace(p.resolve())
            st.rerun()
    up = st.file_uploader(
        t("workspace_upload", lang),
        type=["gpkg"],
        key="ws_upload",
        help=t("workspace_upload_help", lang, cap=f"{state.upload_cap_bytes() / 1e6:,.1f}"),
    )
    st.caption(f"{t('workspace_upload_temporary', lang)} {md(upload_note(lang))}")
    if up is not None and st.session_state.get("_ws_uploaded") != up.file_id:
        st.session_state["_ws_uploaded"] = up.file_id
        data = up.getvalue()
        try:
            kind = sniff_format(data, up.name)
        except DataImportError as err:
            kind = str(err)
        if kind != "gpkg":  # only a real GeoPackage reaches GDAL in this process
            st.error(t("workspace_not_gpkg", lang))
            return
        try:
            saved = state.save_upload(up.name, data)
        except state.UploadRefusedError as err:
            logger.warning("%s", err)
            st.error(
                t(
                    "workspace_upload_full",
                    lang,
                    size=f"{err.size_mb:,.1f}",
                    used=f"{err.used_mb:,.1f}",
                    cap=f"{err.cap_mb:,.1f}",
                )
            )
            return
        state.add_opened_workspace(saved)
        st.rerun()


NEW_WS_BOUNDARY_TYPES = ["geojson", "json", "zip", "shp", "shx", "dbf", "prj", "cpg", "gpkg", "kml"]


def _new_workspace(lang: Lang) -> None:
    """新建工作空间: a district found by typing, or an uploaded boundary; then the import page.

    Drawn for planners only, and :func:`geo.app.state.create_new_workspace`
    checks the role again on the server.
    """
    from geo import district as dm

    st.markdown(f"**{t('ws_new', lang)}**")
    how = st.radio(
        t("ws_new_how", lang),
        ["district", "boundary"],
        format_func=lambda v: t(f"ws_new_how_{v}", lang),
        key="ws_new_how",
        horizontal=True,
    )
    boundary = None
    choice: str | None = None
    if how == "district":
        typed = st.text_input(
            t("ws_new_search", lang), key="ws_new_search", placeholder="峰峰矿区 / 130406"
        )
        found = dm.search_districts(typed) if typed.strip() else []
        if typed.strip() and not found:
            close = ", ".join(d.label for d in dm.suggest(typed)[:5])
            st.warning(t("ws_new_not_found", lang, text=typed.strip(), close=close or "—"))
        labels = {d.adcode: d.label for d in found}
        choice = st.selectbox(
            t("ws_new_district", lang),
            options=list(labels),
            format_func=lambda a: labels.get(a, a),
            key=f"ws_new_district:{typed.strip()}",  # a new search starts at its best match
            index=0 if labels else None,
            placeholder=t_plain("ws_new_district_placeholder", lang),
        )
    else:
        files = st.file_uploader(
            t("ws_new_boundary", lang),
            type=NEW_WS_BOUNDARY_TYPES,
            accept_multiple_files=True,
            key="ws_new_boundary",
            help=t("ws_new_boundary_help", lang),
        )
        st.caption(md(upload_note(lang)))
        boundary = files or None
    name = st.text_input(t("ws_new_name", lang), key="ws_new_name")
    if state.new_workspace_dir() is None:
        st.caption(t("ws_new_temporary", lang))
    ready = bool(choice) if how == "district" else bool(boundary) and bool(name.strip())
    if not st.button(t("ws_new_create", lang), key="ws_new_create", disabled=not ready):
        return
    try:
        geom = None
        if boundary is not None:
            from geo.io import SourceFile
            from geo.io.locate import read_boundary

            sources = [SourceFile(f.name, f.getvalue()) for f in boundary]
            geom = read_boundary(sources[0] if len(sources) == 1 else sources)
        state.create_new_workspace(
            district=choice if boundary is None else None, boundary=geom, name=name
        )
    except TenglongError as err:
        logger.warning("new workspace refused: %s", err)
        st.error(t("ws_new_failed", lang, error=err))
        return
    st.switch_page(PAGES_DIR / "import_data.py")


def _sidebar() -> None:
    lang_choice = st.sidebar.radio(
        "语言 / Language",
        options=["zh", "en"],
        format_func=lambda v: {"zh": "中文", "en": "English"}[v],
        horizontal=True,
        key="lang",
        persist_state="session",
    )
    lang: Lang = "en" if lang_choice == "en" else "zh"
    if state.auth_configured():  # the role comes only from the login's claims
        st.sidebar.caption(
            t("logged_in_as", lang, user=state.current_user(), role=t(f"role_{state.role()}", lang))
        )
        if st.sidebar.button(t("logout_button", lang), key="logout"):
            st.logout()
    else:
        st.sidebar.radio(
            t("role", lang),
            options=list(state.LOCAL_ROLES),
            format_func=lambda r: t(f"role_{r}", lang),
            key="role",
            persist_state="session",
        )
    own = state.default_workspace_path()
    default = own if isinstance(own, str) else str(own.resolve())
    options = [default]
    for p in [*(str(d.resolve()) for d in state.demo_workspaces()), *state.opened_workspaces()]:
        if p not in options:
            options.append(p)
    current = st.session_state.get("workspace_path")
    if current and current not in options:
        options.append(current)
    # Radios and popovers rather than select boxes: a popover's widgets are
    # drawn when it opens, so the first page load carries none of them.
    shown = st.session_state.get("workspace_path") or default
    st.sidebar.caption(t("workspace", lang))
    with st.sidebar.popover(
        md(workspace_label(shown, lang)), icon=":material/folder_open:", width="stretch"
    ):
        names = unique_labels(options, lang)
        st.selectbox(
            t("workspace", lang),
            options=options,
            format_func=names.__getitem__,
            key="workspace_path",
            persist_state="session",
        )
        _open_other(lang)
        if state.role() == "planner":
            _new_workspace(lang)
    st.sidebar.radio(
        t("basemap", lang),
        options=list(BASEMAP_NAMES),
        format_func=lambda b: t(f"basemap_{b}", lang),
        key="basemap",
        help=t("basemap_help", lang),
        persist_state="session",
    )
    st.sidebar.caption(t("sidebar_footer", lang))


def _presentation_pages(lang: Lang) -> list[st.Page]:
    """The site finder, and a start page that opens it (a share link may point at ``/``)."""
    finder = st.Page(
        PAGES_DIR / "site_finder.py", title=t("nav_finder", lang), url_path="site-finder"
    )
    start = st.Page(
        lambda: st.switch_page(finder), title=t("nav_finder", lang), url_path="start", default=True
    )
    return [start, finder]


def _pages(role: str, lang: Lang) -> list[st.Page]:
    """The menu of ``role``, built on every run.

    ``st.Page`` objects carry per-run state, so they must not be shared between
    sessions (a cached list made concurrent sessions fail with "This page
    cannot be called directly").
    """
    return [
        st.Page(
            PAGES_DIR / p.file,
            title=t(p.title_key, lang),
            icon=p.icon,
            url_path=p.url_path,
            default=i == 0,
        )
        for i, p in enumerate(q for q in PAGES if role in q.roles)
    ]


def _logged_in(lang: Lang) -> bool:
    """With a login configured: True for a logged-in user with a role, else the login page."""
    if not state.auth_configured():
        return True
    if not state.logged_in():
        st.title(t("login_title", lang))
        st.markdown(t("login_intro", lang))
        if st.button(t("login_button", lang), key="login", type="primary"):
            st.login()
        return False
    try:
        state.current_role()
    except (RoleError, ValueError) as err:
        logger.warning("login without a role: %s", err)
        st.error(t("login_no_role", lang, error=err))
        if st.button(t("logout_button", lang), key="logout_norole"):
            st.logout()
        return False
    return True


def _share_refused_page(reason: str) -> None:
    """The only thing a session with a refused share token sees (bilingual, no data)."""
    st.html(HIDE_SIDEBAR_CSS)
    st.title(t("share_refused_title", "zh"))
    st.error(t("share_refused", "zh") + "  \n" + t("share_refused", "en"))
    st.caption(t(f"share_refused_{reason}", "zh") + " / " + t(f"share_refused_{reason}", "en"))


def _open_planner_page() -> None:
    """What a planner instance listening beyond loopback without a login shows."""
    st.title(t("open_planner_title", "zh"))
    st.error(t("open_planner_refused", "zh") + "  \n" + t("open_planner_refused", "en"))


def main() -> None:
    """Run the app (called by ``app.py`` on every rerun)."""
    st.set_page_config(
        page_title="腾笼 Tenglong",
        page_icon=str(state.STATIC_DIR / "tenglong-icon.png"),
        layout="wide",
        initial_sidebar_state="auto",
    )
    st.html(APP_CSS)
    state.upload_dir()  # at start-up: the upload folders of stopped servers are deleted
    state.restore_from_query()
    refused = state.share_refused()
    if refused:
        _share_refused_page(refused)
        return
    if state.share_session() is None and state.open_planner_refused():
        _open_planner_page()
        return
    state.apply_pending_workspace()
    state.refresh_translated_widgets()
    lang = state.lang()
    st.html(builtin_text_css(lang))  # Streamlit's own words (uploader, hints) in the UI language
    if state.presenting():
        st.html(HIDE_SIDEBAR_CSS)
        nav = st.navigation(_presentation_pages(lang), position="hidden")
        nav.run()
        return
    if not _logged_in(lang):
        return
    nav = st.navigation(_pages(state.role(), lang), position="sidebar")
    # The page first, so that its map starts loading before the sidebar's widgets;
    # the sidebar's values are in the session state already (persist_state="session").
    nav.run()
    try:
        _sidebar()
    except Exception as err:  # the page above stays usable
        logger.exception("sidebar failed")
        st.sidebar.error(t("page_error", lang, error=f"{type(err).__name__}: {err}"))
