"""The parcel card's 供地合同 / Supply contract and 闲置土地处置 / Idle-land case sections.

Planners and investment officers see them (never an investor or the public:
the tables are internal, docs/architecture.md §1); 受让人 (``grantee``) is
shown to planners only. A planner edits a contract and takes the idle-land
procedure's next steps here: every save goes through
:meth:`geo.store.Store.save_records` (audited, checked against the
``row_version`` the card showed) via :mod:`geo.supply.cases`, into the
session's working copy when the workspace is a demo — as the status form of
:mod:`geo.app.editing` does. The rules are :mod:`geo.supply`'s: a step that
is not the next one, a date before the last step, an art. 14 disposal before
its year are refused with the rule's message.

Session state: ``_supply_done`` (the message shown after the rerun),
``_supply_seen`` (workspace::table::key → the ``row_version`` the form was
first drawn with: a save is checked against it, so a change saved by someone
else in between is a conflict, never overwritten; after the conflict message
the card shows the new values and the next save is checked against them).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo import schema
from geo.access import RESTRICTED_ROLES, RoleError, can_edit, require_edit
from geo.app import state
from geo.app.editing import EARLIEST, conflict_message, storage_message
from geo.app.i18n import Lang, md, t
from geo.app.widgets import fmt_date, fmt_num, is_missing
from geo.store import (
    EditConflict,
    InvalidEditError,
    ReadOnlyError,
    RecordEdit,
    StorageFullError,
    StoreBusyError,
    StoreError,
    open_store,
)
from geo.supply import check_contract, idle_status, parcel_contracts
from geo.supply.cases import add_exemption, advance_case, end_exemption, open_case
from geo.supply.procedure import ART12_DISPOSALS, ART14_DISPOSALS, STAGE_DATE, TRANSITIONS
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

DONE = "_supply_done"
SEEN = "_supply_seen"

CONTRACT_FIELDS: tuple[str, ...] = (
    "supply_method",
    "grantee",
    "signed_on",
    "agreed_start",
    "agreed_completion",
    "started_on",
    "completed_on",
    "price_wan_yuan",
    "invest_wan_per_mu",
    "far",
    "tax_wan_per_mu",
    "energy_tce_per_wan",
    "note",
)


def _label(table: str, column: str, lang: Lang) -> str:
    return schema.column_label(table, column, lang)


def _value(column: str, value: Any, lang: Lang) -> str:
    if is_missing(value):
        return "—"
    if column == "supply_method":
        return schema.label(schema.SUPPLY_METHODS, str(value), lang)
    if column in ("stage",):
        return schema.label(schema.IDLE_STAGE_LABELS, str(value), lang)
    if column == "disposal":
        return schema.label(schema.IDLE_DISPOSALS, str(value), lang)
    if column == "cause":
        return schema.label(schema.IDLE_EXEMPTION_CAUSES, str(value), lang)
    col = schema.TABLES["contracts"].column(column) or schema.TABLES["idle_cases"].column(column)
    if col is not None and col.dtype == "date":
        return fmt_date(value)
    if col is not None and col.dtype == "float":
        return fmt_num(value, 4 if "wan_yuan" in column else 2)
    return str(value)


def _bullets(rows: list[tuple[str, str]]) -> str:
    return "\n".join(f"- **{md(label)}**: {md(value)}" for label, value in rows)


def _seen_key(ws: Workspace, table: str, key: str) -> str:
    return f"{state.target_key(state.ws_target(ws))}::{table}::{key}"


def seen_version(ws: Workspace, table: str, key: str, shown: Any) -> int:
    """The version of a row the user saw first (kept across reruns until a save or conflict)."""
    now = 0 if is_missing(shown) else int(shown)
    return int(st.session_state.setdefault(SEEN, {}).setdefault(_seen_key(ws, table, key), now))


def _save(
    ws: Workspace,
    lang: Lang,
    role: str,
    write: Callable[[Any], Any],
    done: str,
    *,
    row: tuple[str, str] | None = None,
) -> bool:
    """Run ``write(store)`` on the workspace (a demo's working copy); report on the page.

    ``row`` (table, key) is the row the form edits: after the save or a
    conflict, the version the user has seen is forgotten.
    """
    seen = st.session_state.setdefault(SEEN, {})
    if row is not None:
        forget = _seen_key(ws, *row)
    try:
        require_edit(role)
        target = state.writable_path(state.ws_target(ws))
        with open_store(target, user=state.current_user(), role=role) as store:
            write(store)
    except RoleError as err:
        st.error(t("edit_role", lang, error=err))
        return False
    except (StorageFullError, ReadOnlyError) as err:
        st.error(storage_message(err, lang))
        return False
    except EditConflict as err:
        st.warning(conflict_message(err, lang), icon=":material/sync_problem:")
        if row is not None:
            seen.pop(forget, None)  # the card shows their values now
        return False
    except StoreBusyError as err:
        st.error(t("edit_busy", lang, error=err))
        return False
    except (InvalidEditError, StoreError, ValueError) as err:  # ProcedureError is a ValueError
        st.error(t("edit_invalid", lang, error=err))
        return False
    if row is not None:
        seen.pop(forget, None)
    message = done
    if state.working_copy_source(target) is not None:
        message += "  \n" + t("edit_in_working_copy", lang, name=Path(target).name)
    st.session_state[DONE] = message
    if not state.same_target(target, ws):
        state.add_opened_workspace(state.as_target(target))
    return True


# ---------------------------------------------------------------------------- contracts
def contract_section(ws: Workspace, parcel_id: str, lang: Lang, *, role: str) -> None:
    """The contracts covering the parcel, latest first; a planner's form to add or edit one."""
    links = parcel_contracts(ws.table("contracts"))
    mine = links[links["parcel_id"] == str(parcel_id)].iloc[::-1]
    st.markdown(f"**{md(t('supply_contract', lang))}**")
    if not len(mine):
        st.caption(t("supply_contract_none", lang))
    for _, c in mine.iterrows():
        rows = [(_label("contracts", "contract_id", lang), str(c["contract_id"]))]
        rows.append((_label("contracts", "parcel_ids", lang), str(c.get("parcel_ids", ""))))
        for col in CONTRACT_FIELDS:
            if col == "grantee" and role != "planner":
                continue
            if col in c.index and not is_missing(c.get(col)):
                rows.append((_label("contracts", col, lang), _value(col, c[col], lang)))
        st.markdown(_bullets(rows))
    if can_edit(role) and role not in RESTRICTED_ROLES:
        _contract_form(ws, parcel_id, mine, lang, role=role)


def _contract_form(
    ws: Workspace, parcel_id: str, mine: pd.DataFrame, lang: Lang, *, role: str
) -> None:
    new = t("supply_contract_new", lang)
    choices = [new, *[str(c) for c in mine["contract_id"]]]
    with st.expander(t("supply_contract_edit", lang)):
        picked = st.selectbox(t("supply_contract_pick", lang), choices, key="sc_pick")
        current = mine[mine["contract_id"] == picked].iloc[0].to_dict() if picked != new else {}
        # the widgets' keys carry the contract: picking another one shows its own values
        tag = "new" if picked == new else str(picked)
        if current:  # remember the version the form is drawn with
            seen_version(ws, "contracts", str(picked), current.get("row_version"))
        with st.form("supply_contract_form", border=False):
            cid = (
                st.text_input(_label("contracts", "contract_id", lang), key=f"sc_id_{tag}")
                if picked == new
                else picked
            )
            pids = st.text_input(
                _label("contracts", "parcel_ids", lang),
                value=str(current.get("parcel_ids") or parcel_id),
                key=f"sc_parcels_{tag}",
            )
            methods = list(schema.SUPPLY_METHODS)
            method = st.selectbox(
                _label("contracts", "supply_method", lang),
                methods,
                index=methods.index(current["supply_method"])
                if current.get("supply_method") in methods
                else 0,
                format_func=lambda m: schema.label(schema.SUPPLY_METHODS, m, lang),
                key=f"sc_method_{tag}",
            )
            values: dict[str, Any] = {"parcel_ids": pids, "supply_method": method}
            values["grantee"] = st.text_input(
                _label("contracts", "grantee", lang),
                value="" if is_missing(current.get("grantee")) else str(current["grantee"]),
                key=f"sc_grantee_{tag}",
            )
            for col in ("signed_on", "agreed_start", "agreed_completion", "started_on"):
                old = current.get(col)
                values[col] = st.date_input(
                    _label("contracts", col, lang),
                    value=None if is_missing(old) else pd.Timestamp(old).date(),
                    min_value=EARLIEST,
                    max_value=dt.date(2100, 12, 31),
                    key=f"sc_{col}_{tag}",
                )
            for col in ("price_wan_yuan", "invest_wan_per_mu", "far", "tax_wan_per_mu"):
                old = current.get(col)
                values[col] = st.number_input(
                    _label("contracts", col, lang),
                    value=None if is_missing(old) else float(old),
                    step=0.01,
                    format="%.4f" if col == "price_wan_yuan" else "%.2f",
                    key=f"sc_{col}_{tag}",
                )
            submitted = st.form_submit_button(t("edit_save", lang), type="primary", key="sc_save")
        if submitted:
            _save_contract(ws, str(cid or "").strip(), values, current, lang, role=role)


def _save_contract(
    ws: Workspace, cid: str, values: dict[str, Any], current: dict, lang: Lang, *, role: str
) -> None:
    values = {k: (None if v == "" else v) for k, v in values.items()}
    known = set(ws.parcels["parcel_id"].astype(str))
    problems = check_contract(
        {"contract_id": cid, **values}, known_parcels=known, current=current or None
    )
    if problems:
        st.error(t("edit_invalid", lang, error="; ".join(problems)))
        return
    if current:
        changes = {
            k: v for k, v in values.items() if not (v is None and is_missing(current.get(k)))
        }
        edit = RecordEdit(
            "contracts",
            cid,
            changes,
            expected_version=seen_version(ws, "contracts", cid, current.get("row_version")),
        )
    else:
        edit = RecordEdit(
            "contracts", cid, {k: v for k, v in values.items() if v is not None}, create=True
        )
    if _save(
        ws,
        lang,
        role,
        lambda store: store.save_records([edit]),
        t("supply_contract_saved", lang, id=cid),
        row=("contracts", cid),
    ):
        st.rerun()


# ---------------------------------------------------------------------------- idle land
def case_section(ws: Workspace, parcel_id: str, lang: Lang, *, role: str) -> None:
    """The parcel's idle-land case: steps, deadlines, fee, recovery; the planner's next steps."""
    cases = ws.table("idle_cases")
    mine = cases[cases["parcel_id"].astype(str) == str(parcel_id)]
    status = idle_status(
        ws.parcels, ws.table("contracts"), mine, ws.table("idle_exemptions"), dt.date.today()
    )
    status = status[status["parcel_id"] == str(parcel_id)]
    st.markdown(f"**{md(t('idle_case', lang))}**")
    if not len(status):
        st.caption(t("idle_case_none", lang))
    for _, s in status.iterrows():
        case = mine[mine["case_id"] == s["case_id"]]
        _case_view(s, case.iloc[0] if len(case) else None, ws, lang)
    st.caption(t("idle_basis", lang))
    if not can_edit(role) or role in RESTRICTED_ROLES:
        return
    open_rows = mine[mine["stage"] != "closed"]
    if len(open_rows):
        case = open_rows.iloc[0]
        s = status[status["case_id"] == case["case_id"]]
        _step_form(ws, case, s.iloc[0] if len(s) else None, lang, role=role)
        _exemption_form(ws, case, lang, role=role)
    else:
        prow = ws.parcels[ws.parcels["parcel_id"].astype(str) == str(parcel_id)]
        supplied = bool(len(prow)) and str(prow["status"].iloc[0]) in ("supplied", "idle")
        if not (len(status) or supplied):
            return
        _open_form(ws, parcel_id, lang, role=role)


def _case_view(s: pd.Series, case: pd.Series | None, ws: Workspace, lang: Lang) -> None:
    if case is not None:
        steps = []
        for stage, col in STAGE_DATE.items():
            when = case.get(col)
            mark = fmt_date(when) if not is_missing(when) else "—"
            steps.append(f"{schema.label(schema.IDLE_STAGE_LABELS, stage, lang)} {mark}")
        st.markdown(md(f"{s['case_id']}: " + " → ".join(steps)))
        extra = [
            (_label("idle_cases", c, lang), _value(c, case.get(c), lang))
            for c in ("determination_no", "disposal", "fee_wan_yuan", "contract_id", "note")
            if not is_missing(case.get(c))
        ]
        if extra:
            st.markdown(_bullets(extra))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("idle_days_net", lang), fmt_num(s["idle_days_net"]))
    c2.metric(t("idle_fee_due", lang), fmt_num(s["fee_due_wan_yuan"], 4))
    c3.metric(
        t("idle_recovery_due", lang),
        t("yes", lang) if s["recovery_due"] else t("no", lang),
    )
    if not pd.isna(s["exempt_days"]) and s["exempt_days"] > 0:
        st.caption(t("idle_exempt_days", lang, days=fmt_num(s["exempt_days"])))
    if isinstance(s["next_step"], str):
        due = fmt_date(s["next_step_due_on"])
        nxt = (
            schema.label(schema.IDLE_STAGE_LABELS, s["next_step"], lang)
            if isinstance(s["case_id"], str)
            else t("idle_open", lang)
        )
        if s["overdue"]:
            st.warning(t("idle_next_overdue", lang, step=nxt, due=due), icon=":material/alarm:")
        else:
            st.info(t("idle_next", lang, step=nxt, due=due))
    ex = ws.table("idle_exemptions")
    ex = ex[ex["case_id"].astype(str) == str(s["case_id"])] if len(ex) else ex
    for _, e in ex.iterrows():
        st.markdown(
            md(
                f"{_value('cause', e['cause'], lang)}: {fmt_date(e['from_on'])} – "
                f"{fmt_date(e['to_on']) if not is_missing(e['to_on']) else t('idle_ongoing', lang)}"
                + (f" · {e['cause_text']}" if not is_missing(e.get("cause_text")) else "")
            )
        )


def _open_form(ws: Workspace, parcel_id: str, lang: Lang, *, role: str) -> None:
    with st.form("idle_open_form", border=False):
        on = st.date_input(
            t("idle_found_on", lang),
            value=dt.date.today(),
            min_value=EARLIEST,
            max_value=dt.date.today(),
            key="idle_open_on",
        )
        go = st.form_submit_button(t("idle_open", lang), key="idle_open")
    if go and _save(
        ws,
        lang,
        role,
        lambda store: open_case(store, parcel_id, found_on=on),
        t("idle_saved", lang, id=parcel_id),
    ):
        st.rerun()


def _step_form(
    ws: Workspace, case: pd.Series, s: pd.Series | None, lang: Lang, *, role: str
) -> None:
    nexts = TRANSITIONS.get(str(case["stage"]), ())  # an unknown stage: no step offered
    if not nexts:
        return
    with st.form("idle_step_form", border=False):
        on = st.date_input(
            t("idle_step_on", lang),
            value=dt.date.today(),
            min_value=EARLIEST,
            max_value=dt.date.today(),
            key="idle_step_on",
        )
        number = disposal = None
        if "determined" in nexts:
            number = st.text_input(
                _label("idle_cases", "determination_no", lang), key="idle_step_no"
            )
        if "disposing" in nexts:
            options = [*ART12_DISPOSALS, *ART14_DISPOSALS]
            disposal = st.selectbox(
                _label("idle_cases", "disposal", lang),
                options,
                format_func=lambda d: schema.label(schema.IDLE_DISPOSALS, d, lang),
                key="idle_step_disposal",
            )
        pressed = None
        for to in nexts:
            label = t("idle_step_to", lang, step=schema.label(schema.IDLE_STAGE_LABELS, to, lang))
            if st.form_submit_button(label, key=f"idle_to_{to}"):
                pressed = to
    expected = seen_version(ws, "idle_cases", str(case["case_id"]), case.get("row_version"))
    if pressed is None:
        return
    if _save(
        ws,
        lang,
        role,
        lambda store: advance_case(
            store,
            str(case["case_id"]),
            pressed,
            on=on,
            determination_no=number,
            disposal=disposal,
            expected_version=expected,
        ),
        t("idle_saved", lang, id=str(case["case_id"])),
        row=("idle_cases", str(case["case_id"])),
    ):
        st.rerun()


def _exemption_form(ws: Workspace, case: pd.Series, lang: Lang, *, role: str) -> None:
    with st.expander(t("idle_exempt_title", lang)), st.form("idle_exempt_form", border=False):
        causes = list(schema.IDLE_EXEMPTION_CAUSES)
        cause = st.selectbox(
            _label("idle_exemptions", "cause", lang),
            causes,
            format_func=lambda c: schema.label(schema.IDLE_EXEMPTION_CAUSES, c, lang),
            key="idle_ex_cause",
        )
        lo = st.date_input(
            _label("idle_exemptions", "from_on", lang),
            value=dt.date.today(),
            min_value=EARLIEST,
            max_value=dt.date.today(),
            key="idle_ex_from",
        )
        hi = st.date_input(
            _label("idle_exemptions", "to_on", lang),
            value=None,
            min_value=EARLIEST,
            key="idle_ex_to",
        )
        text = st.text_input(_label("idle_exemptions", "cause_text", lang), key="idle_ex_text")
        go = st.form_submit_button(t("idle_exempt_save", lang), key="idle_ex_save")
    if go and _save(
        ws,
        lang,
        role,
        lambda store: add_exemption(
            store,
            str(case["case_id"]),
            cause=cause,
            from_on=lo,
            to_on=hi,
            cause_text=text.strip() or None,
        ),
        t("idle_saved", lang, id=str(case["case_id"])),
    ):
        st.rerun()
    ex = ws.table("idle_exemptions")
    ongoing = ex[(ex["case_id"].astype(str) == str(case["case_id"])) & ex["to_on"].isna()]
    for _, e in ongoing.iterrows():
        eid = str(e["exemption_id"])
        with st.form(f"idle_ex_end_form_{eid}", border=False):
            end = st.date_input(
                t("idle_exempt_end_on", lang, id=eid),
                value=dt.date.today(),
                min_value=EARLIEST,
                max_value=dt.date.today(),
                key=f"idle_ex_end_on_{eid}",
            )
            stop = st.form_submit_button(t("idle_exempt_end", lang), key=f"idle_ex_end_{eid}")
        if stop and _save(
            ws,
            lang,
            role,
            lambda store, eid=eid, end=end: end_exemption(store, eid, to_on=end),
            t("idle_saved", lang, id=str(case["case_id"])),
        ):
            st.rerun()


def supply_sections(ws: Workspace, parcel_id: str, lang: Lang, *, role: str) -> None:
    """Both sections on the parcel card (nothing for an investor or the public)."""
    if role in RESTRICTED_ROLES:
        return
    done = st.session_state.pop(DONE, None)
    with st.container(border=True, key="supply_card"):
        if done:
            st.success(done)
        contract_section(ws, parcel_id, lang, role=role)
        case_section(ws, parcel_id, lang, role=role)


__all__ = ["case_section", "contract_section", "supply_sections"]
