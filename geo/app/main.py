"""Page set-up, sidebar and navigation."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from geo.app import state
from geo.app.i18n import t

logger = logging.getLogger(__name__)


def _sidebar() -> Path:
    lang = st.sidebar.radio(
        "语言 / Language",
        options=["zh", "en"],
        format_func=lambda v: {"zh": "中文", "en": "English"}[v],
        horizontal=True,
        key="lang",
    )
    demos = state.demo_workspaces()
    default = state.default_workspace_path().resolve()
    options = [default] + [p for p in demos if p.resolve() != default]
    choice = st.sidebar.selectbox(
        t("workspace", lang),
        options=options,
        format_func=lambda p: p.stem,
        key="workspace_path",
    )
    return Path(choice)


def main() -> None:
    """Run the app (called by app.py on every rerun)."""
    st.set_page_config(page_title="腾笼 Tenglong", page_icon="🏭", layout="wide")
    path = _sidebar()
    st.session_state["workspace_file"] = path
    from geo.app.pages import overview

    lang = state.lang()
    pages = [st.Page(overview.page, title=t("overview", lang), icon="🗺️", url_path="overview", default=True)]
    nav = st.navigation(pages)
    nav.run()
