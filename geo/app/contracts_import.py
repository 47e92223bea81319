"""The Import page's 导入供地合同 / Import supply contracts mode (planners only).

Like the ledger mode: an uploaded xlsx or csv is compared with the stored
contracts (:func:`geo.io.contracts.diff_contracts`: new contracts, changed
fields, refused rows with the reason), nothing is written until the planner
applies it, and then everything goes in one audited transaction
(:func:`geo.io.contracts.apply_contracts`) checked against the versions the
preview read. A demo is copied into the session's working copy first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from geo.access import RoleError, require_edit
from geo.app import ledger_flow, state, widgets
from geo.app.builtin_text import upload_note
from geo.app.i18n import Lang, md, t, t_plain
from geo.io import SourceFile
from geo.workspace import Workspace

if TYPE_CHECKING:
    from geo.io.contracts import ContractDiff


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
    from geo.store import InvalidEditError

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
    ledger_flow.preview_then_apply(
        ws,
        lang,
        prefix="contracts",
        ready=up is not None,
        make_diff=lambda store: diff_contracts(
            store, SourceFile(up.name, up.getvalue()), sheet=sheet
        ),
        show=_show,
        has_changes=lambda diff: bool(diff.edits),
        apply=lambda store, diff, note: apply_contracts(store, diff, note=note),
        done=lambda result: t(
            "contracts_done", lang, n=result.contracts, fields=result.fields, edit=result.edit_id
        ),
        apply_errors=(InvalidEditError,),
    )


__all__ = ["contracts_mode"]
