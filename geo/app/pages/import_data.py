"""导入 Import: bring a survey file into the workspace through :mod:`geo.io` (planner only).

The upload is parsed in the sandboxed reader of :func:`geo.io.preview_import`;
nothing is written until the planner applies a preview with no blocking
finding. A demo workspace is never modified: the import goes into a working
copy, which becomes the open workspace.

Everything the page shows of a preview is in the UI language: the target
table and why, the CRS and how it was decided, the column mapping and the
findings (:func:`geo.io.report.localized_report`: no ``None``, no
command-line option such as ``--layer areas``).
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from geo import schema
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
from geo.io.geometry import describe_crs
from geo.io.importer import TABLE_REASONS
from geo.io.report import in_words, localized_report, table_label

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


def _why_table(pv: ImportPreview, lang: Lang) -> str:
    """Which table the rows go into and why, in ``lang``."""
    key = next((k for k, v in TABLE_REASONS.items() if v == pv.table_reason), None)
    table = table_label(pv.table, lang)
    if key is None:
        return t("import_reason_other", lang, table=table, why=in_words(pv.table_reason, lang))
    return t(f"import_reason_{key}", lang, table=table)


def _crs_text(pv: ImportPreview, lang: Lang) -> str:
    """The CRS the file is read in and how it was decided, in ``lang``."""
    if pv.crs is not None:
        if st.session_state.get("import_shift"):
            how = t("import_crs_how_shift", lang)
        elif str(st.session_state.get("import_crs") or "").strip():
            how = t("import_crs_how_given", lang)
        else:
            how = t("import_crs_how_file", lang)
        return t("import_crs_read", lang, crs=describe_crs(pv.crs), how=how)
    if not pv.source.has_geometry:
        return t("import_crs_none_needed", lang)
    if pv.suggested_epsg:
        return t("import_crs_missing", lang, epsg=str(pv.suggested_epsg))
    return t("import_crs_unknown", lang)


def _field_label(table: str, field: object, lang: Lang) -> str:
    if field is None or (isinstance(field, float) and pd.isna(field)) or str(field) == "":
        return "—"
    try:
        return f"{schema.column_label(table, str(field), lang, with_unit=False)} ({field})"
    except (KeyError, ValueError):
        return str(field)


def mapping_frame(pv: ImportPreview, lang: Lang) -> pd.DataFrame:
    """The column mapping in ``lang``: source column, field (label and name), unit, how."""
    plan = pv.plan.frame()
    how = {
        "header": t("import_how_header", lang),
        "--map": t("import_how_map", lang),
        "not imported": t("import_how_skip", lang),
    }
    out = pd.DataFrame(
        {
            t("import_map_column", lang): plan["column"].astype(str),
            t("import_map_field", lang): [_field_label(pv.table, f, lang) for f in plan["field"]],
            t("import_map_unit", lang): [
                "—" if u is None or pd.isna(u) else str(u) for u in plan["unit"]
            ],
            t("import_map_how", lang): [how.get(str(h), str(h)) for h in plan["how"]],
        }
    )
    return out


def _show_preview(pv: ImportPreview, lang: Lang) -> None:
    c = pv.counts
    widgets.metric_row(
        [
            (
                t("import_rows", lang),
                widgets.fmt_num(len(pv.rows) if pv.rows is not None else len(pv.source.frame)),
                None,
            ),
            (t("import_table", lang), table_label(pv.table, lang), None),
            (t("import_errors", lang), widgets.fmt_num(c["error"]), None),
            (t("import_repaired", lang), widgets.fmt_num(c["repaired"]), None),
            (t("import_warnings", lang), widgets.fmt_num(c["warning"]), None),
        ]
    )
    st.caption(f"{_why_table(pv, lang)}  \n{_crs_text(pv, lang)}")
    with st.expander(t("import_mapping", lang), expanded=True):
        st.dataframe(mapping_frame(pv, lang), hide_index=True, width="stretch")
    with st.expander(t("import_sample", lang)):
        st.dataframe(
            pv.sample.drop(columns="geometry", errors="ignore"),
            hide_index=True,
            width="stretch",
            placeholder="—",
        )
    if len(pv.report):
        with st.expander(t("import_report", lang), expanded=c["error"] > 0):
            st.dataframe(localized_report(pv.report, lang), hide_index=True, width="stretch")


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
        format_func=lambda v: t("import_auto", lang) if v is None else table_label(v, lang),
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
            st.error(t("import_failed", lang, error=in_words(err, lang)))
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
            st.error(t("import_failed", lang, error=in_words(err, lang)))
            return
        st.session_state.pop(PREVIEW_KEY, None)
        state.add_opened_workspace(result.path)
        st.session_state[DONE_KEY] = t(
            "import_done",
            lang,
            n=result.rows_written,
            table=table_label(result.table, lang),
            path=result.path.name,
        )
        st.rerun()


if __name__ == "__main__":
    session.run_page(page)
