"""What every page does first: open the session's workspace, draw the header, run safely.

The pages call :func:`open_workspace`, then :func:`page_header`, and are run
by :func:`run_page`. Every page works at every size: above the large
threshold the workspace is read from GeoParquet, and the overview and
freed-land pages read none of its parcels (:data:`geo.app.state.NO_PARCELS`):
they ask its dataset (:func:`geo.app.state.large_dataset`) through the engine
and the viewport-driven map.
Formatting helpers live in :mod:`geo.app.widgets`; session state and query
parameters in :mod:`geo.app.state`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from geo.app import state
from geo.app.i18n import Lang, Markdown, md_code, t
from geo.app.targets import dataset_source
from geo.app.widgets import md, workspace_title
from geo.errors import TenglongError
from geo.workspace import Workspace

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


def open_workspace(
    lang: Lang,
    *,
    columns: tuple[str, ...] | None = None,
    statuses: tuple[str, ...] | None = None,
) -> Workspace | None:
    """The session's workspace, or None after showing why it cannot be opened.

    A workspace above the large threshold (:func:`geo.app.state.is_large`)
    is read from GeoParquet (:func:`geo.app.state.load_large`): only
    ``columns`` of the parcels of ``statuses`` when the page names them
    (default: all; :data:`geo.app.state.NO_PARCELS`: none). Either way the
    page gets a :class:`~geo.workspace.Workspace` and computes the same figures.
    """
    path = state.current_workspace_path()
    try:
        if state.is_large(path):
            # A GeoPackage is converted once per revision: after an edit, again.
            opening = "large_converting" if path.is_file() else "large_opening"
            with st.spinner(t(opening, lang)):
                return state.load_large(path, columns=columns, statuses=statuses)
        return state.load_workspace(path)
    except (TenglongError, ValueError, OSError) as err:  # a store error too (PostGIS)
        logger.warning("cannot open %s: %s", state.target_key(path), err)
        st.error(t("workspace_error", lang, error=err))
        st.info(t("workspace_error_hint", lang))
        return None


def page_header(
    title: str,
    ws: Workspace | None,
    lang: Lang,
) -> None:
    """Page title, the workspace it shows, and the schematic note on demo data.

    A GeoParquet dataset directory is read-only: the note says where edits go
    (the source GeoPackage, converted again).
    """
    st.title(title)
    if ws is None:
        return
    title = md(workspace_title(ws, lang))
    st.caption(f"{t('workspace', lang)}: {title} · {md_code(state.ws_name(ws))}")
    demo = state.working_copy_source(state.ws_target(ws))
    if demo is not None:  # edits and imports of a demo go here (docs/architecture.md §6)
        st.caption(
            f":material/edit_document: "
            f"{t('working_copy_caption', lang, name=ws.path.name, demo=demo.name)}"
        )
    if ws.path.is_dir():  # a GeoParquet dataset: edits go to its source GeoPackage
        _dataset_note(ws, lang)
    if ws.schematic:  # one line, so that the map starts near the top of the page
        st.caption(f":material/info: {t('schematic_note', lang)}")
    if not ws.is_valid and state.role() == "planner":
        st.warning(t("workspace_problems", lang, n=len(ws.problems)))


def _dataset_note(ws: Workspace, lang: Lang) -> None:
    """A dataset directory is read-only: where to edit it, and a warning once its source changed.

    A planner can open the source GeoPackage from here (edited as any
    workspace; a large one is converted again per revision).
    """
    found = dataset_source(ws.path)
    if found is None:
        st.caption(f":material/lock: {t('dataset_read_only', lang)}")
        return
    source, stale = found
    if stale:
        cmd = Markdown(md_code(f"tenglong convert {source} --to parquet {ws.path} --overwrite"))
        st.warning(t("dataset_stale", lang, source=source.name, cmd=cmd), icon=":material/update:")
    else:
        st.caption(f":material/lock: {t('dataset_read_only_source', lang, source=source.name)}")
    editor = state.role() == "planner" and not state.investor_locked()
    if editor and st.button(t("dataset_open_source", lang), key="dataset_open_source"):
        state.add_opened_workspace(source)
        st.rerun()
