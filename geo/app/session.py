"""What every page does first: open the session's workspace, draw the header, run safely.

The pages call :func:`open_workspace` (or :func:`open_any` for the pages that
also show province-size workspaces), then :func:`page_header`, and are run by
:func:`run_page`. Formatting helpers live in :mod:`geo.app.widgets`; session
state and query parameters in :mod:`geo.app.state`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from geo.app import province, state
from geo.app.i18n import Lang, md_code, t
from geo.app.province import ProvinceWorkspace
from geo.app.widgets import md, workspace_title
from geo.workspace import Workspace, WorkspaceError

logger = logging.getLogger(__name__)


def run_page(page: Callable[[], None]) -> None:
    """Run a page; an unexpected error becomes a message, never a traceback.

    ``st.stop`` and ``st.rerun`` pass through (they are not ``Exception``).
    """
    try:
        page()
    except Exception as err:
        logger.exception("page %s failed", getattr(page, "__module__", page))
        st.error(t("page_error", state.lang(), error=f"{type(err).__name__}: {err}"))


def open_workspace(lang: Lang) -> Workspace | None:
    """The session's workspace, or None after showing why it cannot be opened.

    A province-size workspace (:func:`geo.app.state.province_mode`) is never
    read whole: None, and :func:`page_header` says that the page is not
    available for it.
    """
    path = state.current_workspace_path()
    if state.province_mode(path):
        return None
    try:
        return state.load_workspace(path)
    except (WorkspaceError, ValueError, OSError) as err:
        logger.warning("cannot open %s: %s", path, err)
        st.error(t("workspace_error", lang, error=err))
        st.info(t("workspace_error_hint", lang))
        return None


def open_any(lang: Lang) -> Workspace | ProvinceWorkspace | None:
    """The session's workspace, in province mode when it is province-size.

    For the pages that show a province-size workspace too (overview, freed
    land): a :class:`geo.app.province.ProvinceWorkspace` then, else as
    :func:`open_workspace`.
    """
    path = state.current_workspace_path()
    if not state.province_mode(path):
        return open_workspace(lang)
    try:
        return province.open_province(path, lang)
    except (WorkspaceError, ValueError, OSError) as err:
        logger.warning("cannot open %s in province mode: %s", path, err)
        st.error(t("workspace_error", lang, error=err))
        st.info(t("workspace_error_hint", lang))
        return None


def page_header(
    title: str,
    ws: Workspace | ProvinceWorkspace | None,
    lang: Lang,
    *,
    province_note: bool = True,
) -> None:
    """Page title, the workspace it shows, and the schematic note on demo data.

    Without a workspace because the session's is province-size, the note
    that this page is not available for it (unless ``province_note`` is
    False: the pages that show province-size workspaces).
    """
    st.title(title)
    if ws is None:
        if province_note and state.province_mode(state.current_workspace_path()):
            province.unavailable(lang)
        return
    st.caption(f"{t('workspace', lang)}: {md(workspace_title(ws, lang))} · {md_code(ws.path.name)}")
    demo = state.working_copy_source(ws.path)
    if demo is not None:  # edits and imports of a demo go here (docs/architecture.md §6)
        st.caption(
            f":material/edit_document: "
            f"{t('working_copy_caption', lang, name=ws.path.name, demo=demo.name)}"
        )
    if ws.schematic:  # one line, so that the map starts near the top of the page
        st.caption(f":material/info: {t('schematic_note', lang)}")
    if not ws.is_valid and state.role() == "planner":
        st.warning(t("workspace_problems", lang, n=len(ws.problems)))
