"""导入 Import: bring a survey file into the workspace through :mod:`geo.io` (planner only).

The upload is parsed in the sandboxed reader of :func:`geo.io.preview_import`;
nothing is written until the planner applies a preview with no blocking
finding. A demo workspace is never modified: the import goes into a working
copy, which becomes the open workspace.
"""

from __future__ import annotations

import logging

import streamlit as st

from geo.app import session, state, widgets
from geo.app.builtin_text import upload_note
from geo.app.i18n import Lang, md, t
from geo.io import (
    FORMATS,
    IMPORT_TABLES,
    DataImportError,
    ImportPreview,
    SourceFile,
    apply_import,
    preview_import,
)

logger = logging.getLogger(__name__)

PREVIEW_KEY = "import_preview"
DONE_KEY = "import_done_message"
UPLOAD_TYPES = [
    "gpkg",
    "zip",
    "shp",
    "shx",
    "dbf",
    "prj",
    "cpg",
    "geojson",
    "json",
    "kml",
    "kmz",
    "dxf",
    "parquet",
    "csv",
    "xlsx",
]


def _show_preview(pv: ImportPreview, lang: Lang) -> None:
    c = pv.counts
    widgets.metric_row(
        [
            (
                t("import_rows", lang),
                widgets.fmt_num(len(pv.rows) if pv.rows is not None else len(pv.source.frame)),
                None,
            ),
            (t("import_table", lang), pv.table, None),
            (t("import_errors", lang), widgets.fmt_num(c["error"]), None),
            (t("import_repaired", lang), widgets.fmt_num(c["repaired"]), None),
            (t("import_warnings", lang), widgets.fmt_num(c["warning"]), None),
        ]
    )
    st.caption(f"{widgets.md(pv.table_reason)}  \n{widgets.md(pv.crs_note or pv.crs_reason)}")
    with st.expander(t("import_mapping", lang), expanded=True):
        st.dataframe(pv.plan.frame(), hide_index=True, width="stretch")
    with st.expander(t("import_sample", lang)):
        st.dataframe(
            pv.sample.drop(columns="geometry", errors="ignore"), hide_index=True, width="stretch"
        )
    if len(pv.report):
        with st.expander(t("import_report", lang), expanded=c["error"] > 0):
            st.dataframe(pv.report, hide_index=True, width="stretch")


def page() -> None:
    """The import page."""
    lang = state.lang()
    ws = session.open_workspace(lang)
    session.page_header(t("import_title", lang), ws, lang)
    if ws is None:
        return
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.success(done)
    st.markdown(t("import_intro", lang, formats=", ".join(FORMATS.values())))
    if state.is_demo(ws.path):
        st.info(t("import_demo_copy", lang))
    files = st.file_uploader(
        t("import_files", lang), type=UPLOAD_TYPES, accept_multiple_files=True, key="import_files"
    )
    st.caption(md(upload_note(lang)))
    c1, c2, c3, c4 = st.columns(4)
    table = c1.selectbox(
        t("import_table", lang),
        [None, *IMPORT_TABLES],
        format_func=lambda v: t("import_auto", lang) if v is None else v,
        key="import_table_choice",
    )
    epsg = c2.text_input(t("import_crs", lang), key="import_crs", placeholder="4490 / 4547 …")
    shifted = c3.selectbox(
        t("import_shift", lang),
        [None, "gcj02", "bd09"],
        format_func=lambda v: t(f"import_shift_{v or 'none'}", lang),
        key="import_shift",
    )
    mode = c4.radio(
        t("import_mode", lang),
        ["append", "replace"],
        format_func=lambda m: t(f"import_mode_{m}", lang),
        key="import_mode",
        horizontal=True,
    )
    if st.button(t("import_preview", lang), disabled=not files, key="import_go", type="primary"):
        sources = [SourceFile(f.name, f.getvalue()) for f in files or []]
        try:
            pv = preview_import(
                sources[0] if len(sources) == 1 else sources,
                workspace=state.writable_path(ws.path),
                layer=table,
                crs=int(epsg) if epsg.strip().isdigit() else (epsg.strip() or None),
                source_crs=shifted,
                mode=mode,
            )
        except DataImportError as err:
            st.error(t("import_failed", lang, error=err))
            st.session_state.pop(PREVIEW_KEY, None)
        else:
            st.session_state[PREVIEW_KEY] = pv
    pv = st.session_state.get(PREVIEW_KEY)
    if pv is None:
        return
    _show_preview(pv, lang)
    accept = st.checkbox(t("import_accept_repairs", lang), key="import_accept")
    if st.button(
        t("import_apply", lang),
        disabled=not pv.can_apply(accept_repairs=accept),
        key="import_apply",
    ):
        try:
            result = apply_import(pv, accept_repairs=accept, user=state.current_user())
        except DataImportError as err:
            st.error(t("import_failed", lang, error=err))
            return
        st.session_state.pop(PREVIEW_KEY, None)
        state.add_opened_workspace(result.path)
        st.session_state[DONE_KEY] = t(
            "import_done", lang, n=result.rows_written, table=result.table, path=result.path.name
        )
        st.rerun()


if __name__ == "__main__":
    session.run_page(page)
