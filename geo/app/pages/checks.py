"""检查与监管 Checks & supervision: 批供用 ledgers, idle land, 尚可供应年限, today's findings.

For planners and investment officers only: the page registry
(:data:`geo.app.main.PAGES`) gives it to no other role, and the page itself
refuses any other role on the server (:data:`CHECK_ROLES`). The figures are
:func:`geo.supervision.supervision_figures`; the findings are
:func:`geo.checks.run_checks` as ``tenglong check`` gives them, filterable
by check, severity and park, with a map of their parcels. Picking a finding
highlights its parcel on the map and opens its card, as the overview's list
does (docs/architecture.md §7).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

import pandas as pd
import streamlit as st

from geo.app import result_list, session, state, widgets
from geo.app.i18n import Lang, t, t_plain, term
from geo.app.map_view import show_map
from geo.errors import TenglongError
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

CHECK_ROLES: tuple[str, ...] = ("planner", "investment")
"""The roles that may open this page."""

SELECTED = "chk_selected"
FIT = "chk_fit"
LIST_SEEN = "_chk_list_seen"
LIST_KEY = "_chk_list_key"
"""The widget key of this run's findings table (a new filter result gets a fresh one)."""
PARKS = "__parks__"
"""The layout choice meaning "the parks" (:func:`geo.supervision.park_elements` without one)."""


@st.cache_resource(show_spinner=False, max_entries=16, ttl=3600)
def _figures(
    _ws: Workspace, key: state.WorkspaceKey, as_of: str, layout: str | None, lang: str
) -> Any:
    from geo.supervision import supervision_figures

    return supervision_figures(_ws, as_of=as_of, layout=layout, lang=lang)


@st.cache_resource(show_spinner=False, max_entries=16, ttl=3600)
def _findings(_ws: Workspace, key: state.WorkspaceKey, as_of: str) -> pd.DataFrame:
    from geo.checks import run_checks

    return run_checks(_ws, as_of=as_of)


def _ledger_labels(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    from geo.supervision import ledger_label

    out = df.copy()
    out["ledger"] = [ledger_label(v, lang) for v in out["ledger"]]
    return out


def _columns(lang: Lang, first: dict[str, str]) -> dict[str, str]:
    return {
        **first,
        "ledger": t_plain("chk_ledger", lang),
        "n_parcels": t_plain("chk_n_parcels", lang),
        "area_mu": t_plain("chk_area_mu", lang),
        "area_ha": t_plain("chk_area_ha", lang),
        "mean_age_days": t_plain("chk_mean_age", lang),
        "max_age_days": t_plain("chk_max_age", lang),
        "n_date_missing": t_plain("chk_date_missing", lang),
    }


AREA_FORMATS = {
    "area_mu": "%.1f",
    "area_ha": "%.2f",
    "mean_age_days": "%.0f",
    "max_age_days": "%.0f",
    "n_date_missing": "%.0f",
}
"""亩 1 dp, 公顷 2 dp, days and counts whole (docs/architecture.md §4)."""

AGES = ("mean_age_days", "max_age_days")
"""Formatted, but not added up in the 合计 row."""


def _ledgers(fig: Any, lang: Lang) -> None:
    st.subheader(t("chk_ledgers", lang))
    total = t_plain("chk_total", lang)
    tabs = st.tabs(
        [
            t_plain("chk_by_total", lang),
            t_plain("chk_by_park", lang),
            t_plain("chk_by_district", lang),
            t_plain("chk_by_year", lang),
        ]
    )
    with tabs[0]:
        widgets.table(
            _ledger_labels(fig.totals, lang),
            _columns(lang, {}),
            formats=AREA_FORMATS,
            total=total,
            not_summed=AGES,
            key="chk_tab_total",
        )
    with tabs[1]:
        widgets.table(
            _ledger_labels(fig.by_park, lang),
            _columns(lang, {"park_name": t_plain("chk_park", lang)}),
            formats=AREA_FORMATS,
            total=total,
            not_summed=AGES,
            key="chk_tab_park",
        )
    with tabs[2]:
        widgets.table(
            _ledger_labels(fig.by_district, lang),
            _columns(lang, {"district": t_plain("chk_district", lang)}),
            formats=AREA_FORMATS,
            total=total,
            not_summed=AGES,
            key="chk_tab_district",
        )
    with tabs[3]:
        by_year = fig.by_year.assign(year=fig.by_year["year"].astype("string").fillna("—"))
        widgets.table(
            _ledger_labels(by_year, lang),
            _columns(lang, {"year": t_plain("chk_year", lang)}),
            formats=AREA_FORMATS,
            total=total,
            not_summed=AGES,
            key="chk_tab_year",
        )
    st.caption(t("chk_definitions", lang))
    if not fig.has_contracts:
        st.caption(t("chk_no_contracts", lang))


def _pct(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.1%}"


def _idle_and_supply(fig: Any, lang: Lang) -> None:
    st.subheader(t("chk_idle", lang))
    d = fig.disposal
    widgets.metric_row(
        [
            (
                t_plain("chk_idle_stock", lang),
                f"{widgets.fmt_num(fig.idle['area_mu'].sum(), 1)} {t_plain('mu', lang)}",
                t_plain("chk_idle_parcels", lang, n=widgets.fmt_num(len(fig.idle))),
            ),
            (t_plain("chk_disposal", lang), _pct(d["rate"]), None),
            (t_plain("chk_disposal_mu", lang), _pct(d["rate_mu"]), None),
        ]
    )
    if not fig.has_cases:
        st.caption(t("chk_no_cases", lang))
    st.subheader(t("chk_supply", lang))
    supply = fig.supply.copy()
    widgets.table(
        supply,
        {
            "park_name": t_plain("chk_park", lang),
            "available_mu": t_plain("chk_available_mu", lang),
            "supplied_mu": t_plain("chk_supplied_3y", lang),
            "supply_per_year_mu": t_plain("chk_supply_per_year", lang),
            "years_left": t_plain("chk_years_left", lang),
        },
        formats={
            "available_mu": "%.1f",
            "supplied_mu": "%.1f",
            "supply_per_year_mu": "%.1f",
            "years_left": "%.1f",
        },
        key="chk_supply_table",
    )
    if len(supply):
        first, last = int(supply["first_year"].iloc[0]), int(supply["last_year"].iloc[0])
        st.caption(t("chk_supply_note", lang, first=first, last=last))


def findings_frame(ws: Workspace, findings: pd.DataFrame, fig: Any, lang: Lang) -> pd.DataFrame:
    """The findings as the page lists them: labels, the parcel's park, the message in ``lang``.

    Returns
    -------
    pandas.DataFrame
        ``check``, ``severity`` (codes), ``check_label``, ``severity_label``,
        ``subject_id``, ``parcel_id`` (the subject when it is a parcel, else
        missing), ``park`` (an element id or ``outside``), ``park_name``,
        ``area_mu``, ``message``.
    """
    from geo.supervision import OUTSIDE, assign_parks

    parcels = ws.parcels
    ids = set(parcels["parcel_id"].astype(str))
    subject = findings["subject_id"].astype("string")
    is_parcel = subject.isin(ids).fillna(False).to_numpy()
    wanted = set(subject[is_parcel])
    sel = parcels[parcels["parcel_id"].astype(str).isin(wanted)]
    park = dict(zip(sel["parcel_id"].astype(str), assign_parks(sel, fig.elements), strict=True))
    whole = "__workspace__"
    names = {OUTSIDE: t_plain("chk_outside", lang), whole: t_plain("chk_ws_findings", lang)}
    for _, r in fig.elements.iterrows():
        names[str(r["area_id"])] = widgets.area_name(r, lang)
    element_ids = set(names) - {OUTSIDE, whole}
    parks = [
        park.get(s, OUTSIDE) if p else (s if s in element_ids else whole)
        for s, p in zip(subject.fillna(""), is_parcel, strict=True)
    ]
    return pd.DataFrame(
        {
            "check": findings["check"].to_numpy(),
            "severity": findings["severity"].to_numpy(),
            "check_label": [t_plain(f"chk_check_{c}", lang) for c in findings["check"]],
            "severity_label": [t_plain(f"chk_severity_{s}", lang) for s in findings["severity"]],
            "subject_id": subject.fillna("—").to_numpy(),
            "parcel_id": subject.where(is_parcel).to_numpy(),
            "park": parks,
            "park_name": [names.get(p, p) for p in parks],
            "area_mu": pd.to_numeric(findings["area_mu"], errors="coerce").round(2).to_numpy(),
            "message": findings["message_zh" if lang == "zh" else "message_en"].to_numpy(),
        }
    )


def _filters(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    c1, c2, c3 = st.columns(3)
    checks = list(dict.fromkeys(frame["check"]))
    sevs = [s for s in ("blocking", "warning", "info") if s in set(frame["severity"])]
    parks = list(dict.fromkeys(frame["park"]))
    pnames = dict(zip(frame["park"], frame["park_name"], strict=False))
    got_c = c1.multiselect(
        t("chk_filter_check", lang),
        checks,
        format_func=lambda c: t_plain(f"chk_check_{c}", lang),
        placeholder=t_plain("chk_all", lang),
        key="chk_f_check",
    )
    got_s = c2.multiselect(
        t("chk_filter_severity", lang),
        sevs,
        format_func=lambda s: t_plain(f"chk_severity_{s}", lang),
        placeholder=t_plain("chk_all", lang),
        key="chk_f_severity",
    )
    got_p = c3.multiselect(
        t("chk_filter_park", lang),
        parks,
        format_func=lambda p: pnames.get(p, p),
        placeholder=t_plain("chk_all", lang),
        key="chk_f_park",
    )
    keep = pd.Series(True, index=frame.index)
    if got_c:
        keep &= frame["check"].isin(got_c)
    if got_s:
        keep &= frame["severity"].isin(got_s)
    if got_p:
        keep &= frame["park"].isin(got_p)
    return frame[keep.to_numpy()].reset_index(drop=True)


def _pick(ws: Workspace, key: str, ids: list[Any]) -> None:
    """Act once on a finding picked in the table: select its parcel and fit the map to it."""
    value = st.session_state.get(key)
    try:
        rows = list(value["selection"]["rows"]) if value else []
    except (KeyError, TypeError):
        rows = []
    picked = [ids[r] for r in rows if isinstance(r, int) and 0 <= r < len(ids)]
    marker = (key, tuple(str(p) for p in picked))
    if marker == st.session_state.get(LIST_SEEN):
        return
    st.session_state[LIST_SEEN] = marker
    if not picked or pd.isna(picked[0]):
        return
    pid = str(picked[0])
    st.session_state[SELECTED] = pid
    bounds = result_list.display_bounds(ws, [pid], gcj02=_gcj02())
    if bounds is not None:
        st.session_state[FIT] = bounds


def _gcj02() -> bool:
    """True when the session's basemap is in GCJ-02 (the bounds are shifted to match it)."""
    from geo.basemaps import BasemapError, get_basemap

    try:
        return get_basemap(st.session_state.get("basemap", "none")).gcj02
    except BasemapError:
        return False


def _findings_section(ws: Workspace, fig: Any, as_of: str, lang: Lang, role: str) -> None:
    st.subheader(t("chk_findings", lang))
    frame = findings_frame(ws, _findings(ws, state.ws_key(ws), as_of), fig, lang)
    shown = _filters(frame, lang)
    parcel_ids = sorted({str(p) for p in shown["parcel_id"].dropna()})
    st.caption(
        t(
            "chk_n_findings",
            lang,
            n=widgets.fmt_num(len(shown)),
            p=widgets.fmt_num(len(parcel_ids)),
        )
    )
    digest = hashlib.sha1("\x1f".join(shown["subject_id"].astype(str)).encode()).hexdigest()[:10]
    key = f"chk_list_{digest}"
    st.session_state[LIST_KEY] = key
    _pick(ws, key, shown["parcel_id"].tolist())
    left, right = st.columns([3.4, 1])
    with left:
        props = show_map(
            ws,
            lang=lang,
            role=role,
            key="checks_map",
            parcel_ids=parcel_ids,
            fit=st.session_state.get(FIT),
            selected=st.session_state.get(SELECTED),
            height=480,
        )
        if props and props.get("parcel_id"):
            st.session_state[SELECTED] = str(props["parcel_id"])
        if shown.empty:
            st.info(t("chk_no_findings", lang))
        labels = {
            "check_label": t_plain("chk_col_check", lang),
            "severity_label": t_plain("chk_col_severity", lang),
            "subject_id": t_plain("chk_col_subject", lang),
            "park_name": t_plain("chk_col_park", lang),
            "area_mu": t_plain("chk_col_area_mu", lang),
            "message": t_plain("chk_col_message", lang),
        }
        st.dataframe(
            shown[list(labels)].rename(columns=labels),
            hide_index=True,
            key=key,
            on_select="rerun",
            selection_mode="single-row",
            width="stretch",
            height=min(420, 38 + 35 * max(1, len(shown))),
            placeholder="—",
            column_config={
                labels["area_mu"]: st.column_config.NumberColumn(
                    labels["area_mu"], format="%,.2f", alignment="right"
                )
            },
        )
        st.caption(t("chk_pick_hint", lang))
    with right:
        selected = st.session_state.get(SELECTED)
        if selected:
            widgets.parcel_card(ws, str(selected), lang, role=role)
        else:
            with st.container(border=True):
                st.markdown(t("chk_card_hint", lang))


def page() -> None:
    """The checks and supervision page."""
    lang = state.lang()
    role = state.role()
    if role not in CHECK_ROLES:  # the registry never offers it; refuse on the server too
        st.error(t("chk_refused", lang))
        return
    ws = session.open_workspace(lang)
    session.page_header(t("chk_title", lang), ws, lang)
    if ws is None:
        return
    st.caption(t("chk_intro", lang))
    from geo.layout import layout_names

    c1, c2 = st.columns(2)
    day = c1.date_input(t("chk_as_of", lang), value=dt.date.today(), key="chk_as_of")
    layouts = [PARKS, *layout_names(ws.areas)]
    chosen = c2.selectbox(
        t("chk_layout", lang),
        layouts,
        format_func=lambda v: t_plain("chk_layout_parks", lang) if v == PARKS else term(v, lang),
        key="chk_layout",
    )
    as_of = (day or dt.date.today()).isoformat()
    try:
        fig = _figures(ws, state.ws_key(ws), as_of, None if chosen == PARKS else chosen, lang)
    except TenglongError as err:
        st.error(t("chk_error", lang, error=err))
        return
    _ledgers(fig, lang)
    _idle_and_supply(fig, lang)
    if role == "planner":  # contracts are internal: the review is the planners' own
        _standard_land_section(ws, lang)
    _findings_section(ws, fig, as_of, lang, role)


@st.cache_resource(show_spinner=False, max_entries=16)
def _review(_ws: Workspace, key: state.WorkspaceKey) -> pd.DataFrame:
    from geo.supply import standard_land_review
    from geo.workspace import empty_table

    ent = _ws.get("enterprises")
    return standard_land_review(
        _ws["contracts"], _ws.parcels, ent if ent is not None else empty_table("enterprises")
    )


def _standard_land_section(ws: Workspace, lang: Lang) -> None:
    """标准地 review: every completed contract's committed indicators against the achieved."""
    from geo.supply.review import INDICATORS

    st.subheader(t("sl_title", lang))
    contracts = ws.get("contracts")
    if contracts is None or not len(contracts):
        st.caption(t("sl_none", lang))
        return
    st.caption(t("sl_caption", lang))
    review = _review(ws, state.ws_key(ws))
    reviewed = review[review["review_year"].notna()]
    if not len(reviewed):
        st.info(t("sl_none_completed", lang, n=len(contracts)))
        return
    counts = reviewed["result"].value_counts()
    widgets.metric_row(
        [
            (t("sl_contracts", lang), widgets.fmt_num(reviewed["contract_id"].nunique()), None),
            (t("sl_pass", lang), widgets.fmt_num(int(counts.get("pass", 0))), None),
            (t("sl_short", lang), widgets.fmt_num(int(counts.get("short", 0))), None),
            (t("sl_no_data", lang), widgets.fmt_num(int(counts.get("no data", 0))), None),
        ]
    )
    shown = reviewed[reviewed["result"] != "not committed"]
    if st.toggle(t("sl_short_only", lang), key="sl_short_only"):
        shown = shown[shown["result"] == "short"]
    names = {col: (zh if lang == "zh" else en) for col, zh, en, _u, _h in INDICATORS}
    frame = shown.assign(
        indicator_label=[names.get(v, v) for v in shown["indicator"]],
        result_label=[t(f"sl_result_{v}", lang) for v in shown["result"]],
    )
    widgets.table(
        frame,
        {
            "contract_id": t("sl_col_contract", lang),
            "parcel_ids": t("sl_col_parcels", lang),
            "review_year": t("sl_col_year", lang),
            "indicator_label": t("sl_col_indicator", lang),
            "unit": t("sl_col_unit", lang),
            "committed_value": t("sl_col_committed", lang),
            "achieved_value": t("sl_col_achieved", lang),
            "shortfall_value": t("sl_col_shortfall", lang),
            "result_label": t("sl_col_result", lang),
        },
        formats={"committed_value": "%.2f", "achieved_value": "%.2f", "shortfall_value": "%.2f"},
        height=260,
        key="sl_table",
    )


if __name__ == "__main__":
    session.run_page(page)
