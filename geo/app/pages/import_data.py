"""导入 Import: bring a survey file into the workspace through :mod:`geo.io` (planner only).

The upload is parsed in the sandboxed reader of :func:`geo.io.preview_import`;
nothing is written until the planner applies a preview with no blocking
finding. Fields the file lacks are stored as unknown unless "strict" is
ticked; with "skip rows with errors" the other rows are written and the
rejected ones are offered as a download to fix and import again
(docs/architecture.md §3). A demo workspace is never modified: the import goes into a working
copy, which becomes the open workspace.

The third mode, 导入供地合同 / Import supply contracts, does the same for
supply contracts (:mod:`geo.app.contracts_import`).

The second mode, 更新台账 / Update from a ledger, compares an uploaded ledger
with the parcels (:func:`geo.io.ledger.diff_ledger`: mapping, changes,
unknown IDs, skipped rows) and, on confirmation, writes every change in one
audited transaction (:func:`geo.io.ledger.apply_ledger`) checked against the
versions the preview saw. Only a planner gets either mode: the role is checked
here and again by the store (:class:`geo.access.RoleError`).

Everything the page shows of a preview is in the UI language: the target
table and why, the CRS and how it was decided, the column mapping and the
findings (:func:`geo.io.report.localized_report`: no ``None``, no
command-line option such as ``--layer areas``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from geo import schema
from geo.access import RoleError, require_edit
from geo.app import ledger_flow, session, state, widgets
from geo.app.builtin_text import upload_note
from geo.app.i18n import Lang, md, t, t_plain
from geo.codes import SURVEY_PRESETS
from geo.io import (
    FORMATS,
    IMPORT_TABLES,
    DataImportError,
    ImportPreview,
    SourceFile,
    apply_import,
    name_rejected_file,
    preview_import,
    rejected_bytes,
    rejected_name,
)
from geo.io.geometry import describe_crs
from geo.io.importer import TABLE_REASONS
from geo.io.report import in_words, localized_report, table_label

if TYPE_CHECKING:
    from geo.io.ledger import LedgerDiff
    from geo.workspace import Workspace

logger = logging.getLogger(__name__)

PREVIEW_KEY = "import_preview"
DONE_KEY = "import_done_message"
"""Session state: ``(target path, LedgerDiff)`` of the last ledger preview."""
LEDGER_TYPES = ["xlsx", "csv"]
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
    "txt",
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
    if pv.source.crs_problem:  # a declared datum Tenglong does not shift silently
        return t("import_crs_refused", lang, why=in_words(pv.crs_reason, lang))
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
            (t("import_rejected", lang), widgets.fmt_num(c["rejected"]), None),
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
    complete = pv.completeness
    if complete is not None and int(complete["n_missing"].sum()):
        shown = complete[complete["n_missing"] > 0]
        with st.expander(t("completeness_title", lang), expanded=True):
            st.dataframe(
                {
                    t_plain("completeness_field", lang): [
                        schema.column_label("parcels", f, lang) for f in shown["field"]
                    ],
                    t_plain("completeness_missing", lang): shown["n_missing"].tolist(),
                },
                hide_index=True,
                width="stretch",
            )


def _ledger_mapping(diff: LedgerDiff, lang: Lang) -> pd.DataFrame:
    from geo.io.ledger import field_label

    rows = [
        {"column": m.source, "field": field_label(m.field, lang), "unit": m.unit}
        for m in diff.plan.matches
    ]
    rows += [
        {"column": c, "field": t_plain("ledger_not_updatable", lang), "unit": why}
        for c, why in diff.not_updatable.items()
    ]
    rows += [
        {"column": c, "field": t_plain("ledger_ignored", lang), "unit": None} for c in diff.ignored
    ]
    return pd.DataFrame(rows, columns=["column", "field", "unit"])


def _show_ledger(diff: LedgerDiff, lang: Lang) -> None:
    c = diff.counts()
    widgets.metric_row(
        [
            (t("ledger_rows", lang), widgets.fmt_num(c["rows"]), None),
            (t("ledger_parcels", lang), widgets.fmt_num(c["parcels"]), None),
            (t("ledger_fields", lang), widgets.fmt_num(c["fields"]), None),
            (t("ledger_unknown", lang), widgets.fmt_num(c["unknown"]), None),
            (t("ledger_refused", lang), widgets.fmt_num(c["refused"]), None),
        ]
    )
    with st.expander(t("ledger_mapping", lang)):
        st.dataframe(_ledger_mapping(diff, lang), hide_index=True, width="stretch")
    st.subheader(t("ledger_changes", lang))
    if diff.changes:
        shown = diff.frame(lang)
        shown.columns = [
            t_plain(f"ledger_col_{k}", lang) for k in ("row", "parcel", "field", "before", "after")
        ]
        st.dataframe(shown, hide_index=True, width="stretch", key="ledger_changes")
    else:
        st.info(t("ledger_no_changes", lang))
    if diff.skipped:
        with st.expander(t("ledger_skipped", lang), expanded=True):
            skipped = diff.skipped_frame()
            skipped.columns = [
                t_plain(f"ledger_col_{k}", lang) for k in ("row", "parcel", "reason")
            ]
            st.dataframe(skipped, hide_index=True, width="stretch", key="ledger_skipped")


def _ledger_mode(ws: Workspace, lang: Lang) -> None:
    """Upload a ledger, preview its changes, apply them in one transaction (planners only)."""
    from geo.io.ledger import apply_ledger, diff_ledger

    role = state.role()
    try:
        require_edit(role)
    except RoleError as err:
        st.error(t("ledger_role", lang, error=err))
        return
    st.markdown(t("ledger_intro", lang))
    up = st.file_uploader(t("ledger_file", lang), type=LEDGER_TYPES, key="ledger_file")
    st.caption(md(upload_note(lang)))
    c1, c2 = st.columns(2)
    key = c1.text_input(t("ledger_key", lang), key="ledger_key").strip() or None
    sheet = c2.text_input(t("ledger_sheet", lang), key="ledger_sheet").strip() or None
    ledger_flow.preview_then_apply(
        ws,
        lang,
        prefix="ledger",
        ready=up is not None,
        make_diff=lambda store: diff_ledger(
            store, SourceFile(up.name, up.getvalue()), key=key, sheet=sheet
        ),
        show=_show_ledger,
        has_changes=lambda diff: bool(diff.updates),
        apply=lambda store, diff, note: apply_ledger(store, diff, note=note),
        done=lambda result: t(
            "ledger_done", lang, parcels=result.parcels, fields=result.fields, edit=result.edit_id
        ),
        apply_errors=(DataImportError,),
    )


def page() -> None:
    """The import page: import a file, or update parcels from a ledger."""
    lang = state.lang()
    ws = session.open_workspace(lang)
    session.page_header(t("import_title", lang), ws, lang)
    if ws is None:
        return
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.success(done)
    kind = st.radio(
        t("import_kind", lang),
        ["file", "ledger", "contracts"],
        format_func=lambda k: t_plain(f"import_kind_{k}", lang),
        key="import_kind",
        horizontal=True,
    )
    if state.is_demo(state.ws_target(ws)):
        st.info(t("import_demo_copy", lang))
    if kind == "ledger":
        _ledger_mode(ws, lang)
        return
    if kind == "contracts":
        from geo.app.contracts_import import contracts_mode

        contracts_mode(ws, lang)
        return
    if state.is_postgres_url(str(state.ws_target(ws))):  # the importer writes GeoPackages
        st.info(t("import_postgis_file", lang), icon=":material/info:")
        return
    st.markdown(t("import_intro", lang, formats=", ".join(FORMATS.values())))
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
    o1, o2, o3 = st.columns([1, 1, 2])
    strict = o1.checkbox(t("import_strict", lang), key="import_strict")
    skip_invalid = o2.checkbox(
        t("import_skip_invalid", lang),
        key="import_skip_invalid",
        help=t("import_skip_invalid_help", lang),
    )
    preset = o3.selectbox(
        t("import_survey_preset", lang),
        [None, *SURVEY_PRESETS],
        format_func=lambda k: (
            t_plain("import_survey_all", lang)
            if k is None
            else t_plain(
                "import_survey_preset_item",
                lang,
                name=SURVEY_PRESETS[k][0 if lang == "zh" else 1],
                codes=", ".join(SURVEY_PRESETS[k][2]),
            )
        ),
        key="import_survey_preset",
        help=t_plain("import_survey_preset_help", lang),
    )
    if st.button(t("import_preview", lang), disabled=not files, key="import_go", type="primary"):
        sources = [SourceFile(f.name, f.getvalue()) for f in files or []]
        try:
            pv = preview_import(
                sources[0] if len(sources) == 1 else sources,
                workspace=state.writable_path(state.ws_target(ws)),
                layer=table,
                crs=int(epsg) if epsg.strip().isdigit() else (epsg.strip() or None),
                source_crs=shifted,
                mode=mode,
                strict=strict,
                skip_invalid=skip_invalid,
                preset=preset,
            )
        except DataImportError as err:
            st.error(t("import_failed", lang, error=in_words(err, lang)))
            st.session_state.pop(PREVIEW_KEY, None)
        else:
            if pv.rejected is not None:  # the report names the download
                name = rejected_name(pv.source.name, pv.source.format)
                pv.report = name_rejected_file(pv.report, name)
            st.session_state[PREVIEW_KEY] = pv
    pv = st.session_state.get(PREVIEW_KEY)
    if pv is None:
        return
    _show_preview(pv, lang)
    if pv.rejected is not None:
        name = rejected_name(pv.source.name, pv.source.format)
        st.download_button(
            t_plain("import_rejected_download", lang, name=name),
            data=rejected_bytes(pv.rejected, name),
            file_name=name,
            key="import_rejected_download",
            icon=":material/download:",
        )
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
