"""导出 Export: the workspace as a file for one audience, through the registered exporters.

Every format registered in :data:`geo.cli_export.EXPORTERS` is offered (the
offline HTML map today); the formats still to come are listed as such.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import streamlit as st

from geo.app import state, widgets
from geo.app.i18n import t
from geo.cli_export import EXPORTERS, ExportError, ExportRequest, run_export

logger = logging.getLogger(__name__)

PLANNED_FORMATS: tuple[str, ...] = ("xlsx", "csv", "gpkg", "shp", "kml", "pdf", "html")
"""Formats of DESIGN.md §1 (reporting staff) not registered yet."""
SUFFIX = {"shp": ".zip"}
"""File suffix of a format when it is not ``.<format>`` (a shapefile is a zip of its parts)."""
MIME = {
    "html": "text/html",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def page() -> None:
    """The export page."""
    lang = state.lang()
    ws = widgets.open_workspace(lang)
    widgets.page_header(t("export_title", lang), ws, lang)
    if ws is None:
        return
    st.markdown(t("export_intro", lang))
    everyone = ["planner", "investment", "investor"]
    roles = everyone if state.role() == "planner" else everyone[1:]
    c1, c2, c3 = st.columns(3)
    fmt = c1.selectbox(
        t("export_format", lang),
        sorted(EXPORTERS),
        format_func=lambda f: f.upper(),
        key="export_format",
    )
    audience = c2.selectbox(
        t("export_role", lang),
        roles,
        format_func=lambda r: t(f"role_{r}", lang),
        key="export_role",
    )
    out_lang = c3.radio(
        t("export_lang", lang),
        ["zh", "en"],
        format_func=lambda v: {"zh": "中文", "en": "English"}[v],
        horizontal=True,
        key="export_lang",
    )
    if st.button(t("export_make", lang), type="primary", key="export_go"):
        out = (
            Path(tempfile.mkdtemp(dir=state.upload_dir()))
            / f"{ws.path.stem}-{audience}{SUFFIX.get(fmt, '.' + fmt)}"
        )
        req = ExportRequest(workspace=ws.path, out=out, role=audience, lang=out_lang)
        try:
            path = run_export(req, fmt=fmt)
        except (ExportError, ValueError, OSError, RuntimeError) as err:
            st.error(t("export_failed", lang, error=err))
        else:
            st.session_state["export_file"] = str(path)
    done = st.session_state.get("export_file")
    if done and Path(done).is_file():
        p = Path(done)
        st.success(t("export_ready", lang, name=p.name, kb=f"{p.stat().st_size / 1024:,.0f}"))
        st.download_button(
            t("export_download", lang),
            p.read_bytes(),
            file_name=p.name,
            mime=MIME.get(p.suffix.lstrip("."), "application/octet-stream"),
            key="export_dl",
        )
    coming = [f for f in PLANNED_FORMATS if f not in EXPORTERS]
    if coming:
        st.info(t("export_coming", lang, formats=", ".join(coming)))


if __name__ == "__main__":
    widgets.run_page(page)
