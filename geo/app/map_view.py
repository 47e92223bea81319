"""The one place the app draws a folium map (AppTest cannot see inside st_folium)."""

from __future__ import annotations

import logging

import folium
import streamlit as st
from streamlit_folium import st_folium

from geo.app.i18n import Lang, t
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

RETURNED_OBJECTS = ["last_active_drawing"]
"""Only a click on a feature reruns the script; pan and zoom do not."""


@st.cache_resource(show_spinner=False, max_entries=32)
def _cached_map(_ws: Workspace, ws_key: tuple[str, int], role: str, lang: Lang, basemap: str) -> folium.Map:
    # The Workspace argument is not hashable: it is excluded (leading underscore)
    # and the cache is keyed on (path, mtime) instead.
    from geo.render import render_map

    return render_map(_ws, role=role, lang=lang, basemap=basemap, asset_mode="served")


def show_map(
    ws: Workspace, *, lang: Lang, role: str, key: str, basemap: str = "none", height: int = 620
) -> dict | None:
    """Render the workspace map for ``role`` and return what the user clicked."""
    ws_key = (str(ws.path.resolve()), ws.path.stat().st_mtime_ns)
    try:
        fmap = _cached_map(ws, ws_key, role, lang, basemap)
    except Exception as err:  # the rest of the page must keep working
        logger.exception("map rendering failed for %s", ws.path)
        st.error(t("map_error", lang, error=err))
        return None
    return st_folium(
        fmap,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=RETURNED_OBJECTS,
    )
