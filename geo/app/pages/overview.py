"""总览 Overview: the workspace map and its headline figures."""

from __future__ import annotations

import logging

import streamlit as st

from geo.app import state
from geo.app.i18n import t
from geo.app.map_view import show_map
from geo.schema import FREED_STATUSES
from geo.workspace import WorkspaceError

logger = logging.getLogger(__name__)


def page() -> None:
    lang = state.lang()
    st.title(t("app_title", lang))
    path = st.session_state.get("workspace_file", state.default_workspace_path())
    try:
        ws = state.load_workspace(path)
    except (WorkspaceError, ValueError, OSError) as err:
        logger.warning("cannot open %s: %s", path, err)
        st.error(t("workspace_error", lang, error=err))
        return
    if ws.schematic:
        st.caption(t("schematic_note", lang))
    if not ws.is_valid:
        st.warning(t("workspace_problems", lang, n=len(ws.problems)))
    parcels = ws.parcels
    freed_mu = float(parcels.loc[parcels["status"].isin(FREED_STATUSES), "area_mu"].sum())
    cols = st.columns(4)
    published = ws.meta.get("published_freed_mu")
    cols[0].metric(
        t("freed_mu", lang),
        f"{freed_mu:,.0f}",
        delta=(f"{t('published', lang)} {float(published):,.0f}" if published else None),
        delta_color="off",
    )
    cols[1].metric(t("parcels_count", lang), f"{len(parcels):,}")
    cols[2].metric(t("areas_count", lang), f"{len(ws.areas):,}")
    cols[3].metric(t("crs", lang), ws.crs.to_string())
    show_map(ws, lang=lang, role="planner", key="overview_map")
