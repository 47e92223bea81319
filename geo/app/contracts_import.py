"""The Import page's 导入供地合同 / Import supply contracts mode (planners only).

Like the ledger mode: an uploaded xlsx or csv is compared with the stored
contracts (:func:`geo.io.contracts.diff_contracts`: new contracts, changed
fields, refused rows with the reason), nothing is written until the planner
applies it, and then everything goes in one audited transaction
(:func:`geo.io.contracts.apply_contracts`) checked against the versions the
preview read. A demo is copied into the session's working copy first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from geo.access import RoleError, require_edit
from geo.app import state, widgets
from geo.app.builtin_text import upload_note
from geo.app.editing import conflict_message, storage_message
from geo.app.i18n import Lang, md, t, t_plain
from geo.io import DataImportError, SourceFile
from geo.workspace import Workspace

if TYPE_CHECKING:
    from geo.io.contracts import ContractDiff

PREVIEW_KEY = "contracts_preview"
"""Session state: ``(target path, ContractDiff)`` of the last preview."""


def _show(diff: ContractDiff, lang: Lang) -> None:
    widgets.metric_row(
        [
            (t("contracts_rows", lang), widgets.fmt_num(diff.rows), None),
            (t("contracts_new", lang), widgets.fmt_num(len(diff.new)), None),
            (t("ledger_fields", lang), widgets.fmt_num(len(diff.changes)), None),
            (t("ledger_refused", lang), widgets.fmt_num(len(diff.refused)), None),
        ]
    )
    changes = pd.DataFrame(
        [(c.row, c.contract_id, c.field, c.before, c.after) for c in diff.changes],
        columns=[
            t_plain("ledger_col_row", lang),
            t_plain("contracts_col_id", lang),
            t_plain("ledger_col_field", lang),
            t_plain("ledger_col_before", lang),
            t_plain("ledger_col_after", lang),
        ],
    )
    st.subheader(t("ledger_changes", lang))
    if len(changes):
        st.dataframe(changes, hide_index=True, width="stretch", key="contracts_changes")
    else:
        st.info(t("ledger_no_changes", lang))
    if diff.refused:
        refused = pd.DataFrame(
            diff.refused,
            columns=[
                t_plain("ledger_col_row", lang),
                t_plain("contracts_col_id", lang),
                t_plain("ledger_col_reason", lang),
            ],
        )
        with st.expander(t("contracts_skipped", lang), expanded=True):
            st.dataframe(refused, hide_index=True, width="stretch", key="contracts_refused")


def contracts_mode(ws: Workspace, lang: Lang) -> None:
    """Upload contracts, preview them, apply them in one transaction (planners only)."""
    from geo.io.contracts import apply_contracts, diff_contracts
    from geo.store import (
        EditConflict,
        InvalidEditError,
        ReadOnlyError,
        StorageFullError,
        StoreBusyError,
        StoreError,
        open_store,
    )

    role = state.role()
    try:
        require_edit(role)
    except RoleError as err:
        st.error(t("contracts_role", lang, error=err))
        return
    st.markdown(t("contracts_intro", lang))
    up = st.file_uploader(t("contracts_file", lang), type=["xlsx", "csv"], key="contracts_file")
    st.caption(md(upload_note(lang)))
    sheet = st.text_input(t("ledger_sheet", lang), key="contracts_sheet").strip() or None
    if st.button(
        t("ledger_preview", lang), disabled=up is None, key="contracts_go", type="primary"
    ):
        st.session_state.pop(PREVIEW_KEY, None)
        try:
            target = state.writable_path(ws.path)
            with open_store(target, user=state.current_user(), role=role) as store:
                diff = diff_contracts(store, SourceFile(up.name, up.getvalue()), sheet=sheet)
        except RoleError as err:
            st.error(t("contracts_role", lang, error=err))
            return
        except (DataImportError, StoreError, OSError) as err:
            st.error(t("contracts_failed", lang, error=err))
            return
        st.session_state[PREVIEW_KEY] = (str(target), diff)
    pending = st.session_state.get(PREVIEW_KEY)
    if pending is None:
        return
    target, diff = pending
    _show(diff, lang)
    note = st.text_input(t("ledger_note", lang), key="contracts_note").strip() or None
    if not st.button(t("ledger_apply", lang), disabled=not diff.edits, key="contracts_apply"):
        return
    try:
        require_edit(state.role())
        with open_store(target, user=state.current_user(), role=state.role()) as store:
            result = apply_contracts(store, diff, note=note)
    except RoleError as err:
        st.error(t("contracts_role", lang, error=err))
        return
    except EditConflict as err:
        st.session_state.pop(PREVIEW_KEY, None)
        st.error(t("contracts_conflict", lang, detail=conflict_message(err, lang)))
        return
    except (StorageFullError, ReadOnlyError) as err:
        st.error(storage_message(err, lang))
        return
    except (StoreBusyError, StoreError, InvalidEditError, ValueError) as err:
        st.error(t("contracts_failed", lang, error=err))
        return
    st.session_state.pop(PREVIEW_KEY, None)
    if Path(target).resolve() != Path(ws.path).resolve():
        state.add_opened_workspace(Path(target))
    st.session_state["import_done_message"] = t(
        "contracts_done", lang, n=result.contracts, fields=result.fields, edit=result.edit_id
    )
    st.rerun()


__all__ = ["PREVIEW_KEY", "contracts_mode"]
