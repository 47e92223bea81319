"""总览 Overview: every layer of the workspace, filters, the result list and the card of a parcel.

Session state besides the filter widgets (``ov_status``, ``ov_area``,
``ov_industry``, ``ov_year``, ``ov_days``): ``overview_selected`` (the parcel
on the card), ``_ov_fit`` (the bounds the map was last told to fit),
``_ov_fit_sig`` (the filters it was fitted for), ``_ov_year_full`` (the data's
year range the slider was drawn with), ``_ov_list_key``/``_ov_list_ids``/
``_ov_list_seen`` (the result list's widget key, its rows' parcel ids and the
row selection already acted on).

A large workspace (:func:`geo.app.state.large_dataset`) shows the engine's
figures (:func:`geo.app.compute.headline`) and the viewport-driven map of
:mod:`geo.app.map_view`, with its own filters and a drill-down into a grid
cell or a planning area: ``pv_status``, ``pv_area``, ``pv_unit`` (the
filters), ``pv_cell`` (the grid cell opened), ``pv_selected`` (the parcel
whose card is open), ``pv_viewport`` (the map's view) and ``pv_nav``.
"""

from __future__ import annotations

import functools
import hashlib
import logging

import numpy as np
import pandas as pd
import streamlit as st

from geo import schema
from geo.app import (
    chips,
    compute,
    editing,
    overview_large,
    result_list,
    session,
    state,
    supply_card,
    widgets,
)
from geo.app.i18n import Lang, t, t_plain, term
from geo.app.map_view import show_map
from geo.siting import finder
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

SELECTED = "overview_selected"


FILTER_KEYS = ("ov_status", "ov_area", "ov_industry", "ov_year", "ov_days")
DAYS_STEP = 30
"""The step of the days-in-status filter (365: idle for more than a year)."""
FIT = "_ov_fit"
FIT_SIG = "_ov_fit_sig"
LIST_KEY = "_ov_list_key"
LIST_IDS = "_ov_list_ids"
LIST_SEEN = "_ov_list_seen"


def _years(ws: Workspace) -> pd.Series:
    released = ws.parcels.get("released_on")  # optional: absent from a fresh import
    if released is None:
        return pd.Series(pd.NA, index=ws.parcels.index, dtype="Int64")
    return pd.to_datetime(released, errors="coerce").dt.year


def _read_back_filters(ws: Workspace) -> None:
    """Filter values as options, whatever language the browser sent them in (see
    :func:`geo.app.state.untranslate`)."""
    parcels = ws.parcels
    have = set(parcels["status"].dropna().unique())
    state.untranslate(
        "ov_status", [s for s in schema.STATUSES if s in have], widgets.status_label, multi=True
    )
    areas = finder.latest_areas(ws.areas)
    names = {str(r["area_id"]): r for _, r in areas.iterrows()}
    state.untranslate(
        "ov_area",
        [None, *names],
        lambda a, lg: t_plain("all", lg) if a is None else widgets.area_name(names[a], lg),
    )
    inds = sorted(str(v) for v in parcels["industry_before"].dropna().unique())
    state.untranslate("ov_industry", inds, term, multi=True)
    _keep_full_year_range(_years(ws))


def _keep_full_year_range(years: pd.Series) -> None:
    """A year slider at the data's full range stays "every year" when the range changes.

    A status saved with a new date (a demo's working copy, another year
    released) widens the data's years; the old full range would then filter
    silently (the overview found 0 parcels after a save).
    """
    if not years.notna().any():
        return
    full = (int(years.min()), int(years.max()))
    before = st.session_state.get("_ov_year_full")
    value = st.session_state.get("ov_year")
    if before is not None and value is not None and tuple(value) == tuple(before) != full:
        st.session_state["ov_year"] = full
    st.session_state["_ov_year_full"] = full


def _filter_ids(ws: Workspace, years: pd.Series) -> list[str] | None:
    """The parcel ids the filters keep (None when no filter is on).

    Read from the session state, so that the map can be drawn before the
    filter widgets: it is the slowest element to appear.
    """
    parcels = ws.parcels
    statuses = st.session_state.get("ov_status") or []
    area = st.session_state.get("ov_area")
    industries = st.session_state.get("ov_industry") or []
    year_range = st.session_state.get("ov_year")
    keep = np.ones(len(parcels), dtype=bool)
    active = False
    if statuses:
        keep &= parcels["status"].isin(statuses).to_numpy()
        active = True
    if area:
        places = compute.places(ws)
        keep &= places["place_ids"].map(lambda p: area in p).to_numpy(dtype=bool)
        active = True
    if industries:
        keep &= parcels["industry_before"].isin(industries).to_numpy()
        active = True
    if year_range is not None and years.notna().any():
        full = (int(years.min()), int(years.max()))
        if tuple(year_range) != full:
            keep &= ((years >= year_range[0]) & (years <= year_range[1])).to_numpy()
            active = True
    min_days = _min_days()
    if min_days:
        days = compute.days_in_status(ws)
        long = set(days.loc[days["days_in_status"].fillna(-1) >= min_days, "parcel_id"].astype(str))
        keep &= parcels["parcel_id"].astype(str).isin(long).to_numpy()
        active = True
    if not active:
        return None
    return parcels.loc[keep, "parcel_id"].astype(str).tolist()


def _min_days() -> int:
    """The days-in-status filter's value (0: off); a bad value counts as off."""
    value = st.session_state.get("ov_days") or 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    try:
        return max(0, int(value))
    except (TypeError, ValueError, OverflowError):  # NaN, infinity
        return 0


def _filter_sig() -> str:
    """What the filters are set to, to notice a change (the map then fits the result)."""
    return repr([st.session_state.get(k) for k in FILTER_KEYS])


def _chips(ws: Workspace, years: pd.Series, lang: Lang) -> tuple[list[chips.Chip], dict]:
    """Every active filter as a chip (one per chosen status or industry), and "clear all"."""
    out: list[chips.Chip] = []
    statuses = list(st.session_state.get("ov_status") or [])
    for s in statuses:
        rest = [v for v in statuses if v != s]
        label = widgets.status_label(s, lang)
        out.append(chips.chip(t_plain("filter_status", lang), label, lang, {"ov_status": rest}))
    area = st.session_state.get("ov_area")
    if area:
        row = finder.latest_areas(ws.areas)
        row = row[row["area_id"].astype(str) == str(area)]
        name = widgets.area_name(row.iloc[0], lang) if len(row) else str(area)
        out.append(chips.chip(t_plain("filter_area", lang), name, lang, {"ov_area": None}))
    industries = list(st.session_state.get("ov_industry") or [])
    for v in industries:
        rest = [x for x in industries if x != v]
        out.append(
            chips.chip(t_plain("filter_industry", lang), term(v, lang), lang, {"ov_industry": rest})
        )
    full = (int(years.min()), int(years.max())) if years.notna().any() else None
    if full is not None and _year_filtered(years):
        lo, hi = st.session_state["ov_year"]
        text = f"{int(lo)}–{int(hi)}" if lo != hi else f"{int(lo)}"
        out.append(chips.chip(t_plain("filter_year", lang), text, lang, {"ov_year": full}))
    days = _min_days()
    if days:
        text = f"{t_plain('filter_days', lang)} {widgets.fmt_num(days)}"
        out.append(chips.Chip(text, {"ov_days": 0}))
    clear: dict = {"ov_status": [], "ov_area": None, "ov_industry": [], "ov_days": 0}
    if full is not None:
        clear["ov_year"] = full
    return out, clear


def _year_filtered(years: pd.Series) -> bool:
    """Whether the year slider is narrower than the data's years."""
    value = st.session_state.get("ov_year")
    if value is None or not years.notna().any():
        return False
    return tuple(value) != (int(years.min()), int(years.max()))


def _filter_widgets(ws: Workspace, years: pd.Series, lang: Lang) -> None:
    """Status, area, industry and year filters (their values are read by :func:`_filter_ids`)."""
    parcels = ws.parcels
    have = set(parcels["status"].dropna().unique())
    present = [s for s in schema.STATUSES if s in have]
    st.multiselect(
        t("filter_status", lang),
        present,
        format_func=lambda s: widgets.status_label(s, lang),
        key="ov_status",
        placeholder=t("all", lang),
        select_all=False,
    )
    areas = finder.latest_areas(ws.areas)
    names = {str(r["area_id"]): widgets.area_name(r, lang) for _, r in areas.iterrows()}
    if st.session_state.get("ov_area") not in (None, *names):
        st.session_state["ov_area"] = None
    st.selectbox(
        t("filter_area", lang),
        [None, *names],
        format_func=lambda a: t("all", lang) if a is None else names.get(a, a),
        placeholder=t("all", lang),
        key="ov_area",
    )
    inds = sorted(str(v) for v in parcels["industry_before"].dropna().unique())
    st.session_state["ov_industry"] = [
        v for v in st.session_state.get("ov_industry") or [] if v in inds
    ]
    st.multiselect(
        t("filter_industry", lang),
        inds,
        format_func=lambda v: term(v, lang),
        key="ov_industry",
        placeholder=t("all", lang),
        select_all=False,
    )
    if years.notna().any() and int(years.max()) > int(years.min()):
        lo, hi = int(years.min()), int(years.max())
        value = st.session_state.get("ov_year")
        if value is None or not lo <= value[0] <= value[1] <= hi:
            st.session_state["ov_year"] = (lo, hi)
        st.slider(t("filter_year", lang), lo, hi, key="ov_year", format="%d")
    if _min_days() != st.session_state.get("ov_days"):  # unset, negative, empty or text
        st.session_state["ov_days"] = _min_days()
    st.number_input(
        t("filter_days", lang),
        min_value=0,
        step=DAYS_STEP,
        key="ov_days",
        help=t_plain("filter_days_help", lang),
    )


def _metrics(ws: Workspace, lang: Lang) -> None:
    published = ws.meta.get("published_freed_mu")
    freed = compute.freed_mu(ws)
    available = compute.land_mu(ws, ("released", "stored"))
    widgets.metric_row(
        [
            (
                t("freed_mu", lang),
                widgets.fmt_num(freed),
                t_plain("published_value", lang, value=widgets.fmt_num(float(published)))
                if published
                else None,
            ),
            (t("available_mu", lang), widgets.fmt_num(available), None),
            (t("parcels_count", lang), widgets.fmt_num(len(ws.parcels)), None),
            (t("areas_count", lang), widgets.fmt_num(len(ws.areas)), None),
            (t("crs", lang), ws.crs.to_string(), None),
        ]
    )


def _completeness(ws: Workspace, lang: Lang) -> None:
    """数据完整性 / completeness: per field, the parcels lacking it (only when some do).

    Imported registers are often incomplete (docs/architecture.md §3): what they
    lack is stored as unknown and listed here, collapsed, so that nobody reads
    the figures as complete.
    """
    from geo.validate import completeness, lacking

    c = completeness(ws.parcels)
    c = c[c["n_missing"] > 0]
    if c.empty:
        return
    n_any = int(np.logical_or.reduce([lacking(ws.parcels, f).to_numpy() for f in c["field"]]).sum())
    with st.expander(f"{t_plain('completeness_title', lang)} ({n_any})", icon=":material/rule:"):
        st.markdown(t("completeness_intro", lang, n=widgets.fmt_num(n_any)))
        table = pd.DataFrame(
            {
                t_plain("completeness_field", lang): [
                    schema.column_label("parcels", f, lang) for f in c["field"]
                ],
                t_plain("completeness_missing", lang): c["n_missing"].to_numpy(),
                t_plain("completeness_share", lang): [
                    f"{m / n:.1%}" for m, n in zip(c["n_missing"], c["n_rows"], strict=True)
                ],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")


def _list_pick(ws: Workspace) -> None:
    """Act on a row picked in the result list: card and zoom to that parcel.

    Read before the map is drawn, so the map moves in the same run. A
    selection is acted on once (``_ov_list_seen``): a later click on the map
    may choose another parcel without the list taking it back.
    """
    key = st.session_state.get(LIST_KEY)
    value = st.session_state.get(key) if key else None
    try:
        rows = list(value["selection"]["rows"]) if value else []
    except (KeyError, TypeError):
        rows = []
    ids = st.session_state.get(LIST_IDS) or []
    seen = st.session_state.get(LIST_SEEN)
    picked = [ids[r] for r in rows if isinstance(r, int) and 0 <= r < len(ids)]
    marker = (key, tuple(picked))
    if marker == seen:
        return
    st.session_state[LIST_SEEN] = marker
    if not picked:
        return
    pid = picked[0]
    st.session_state[SELECTED] = pid
    bounds = result_list.display_bounds(ws, [pid], gcj02=_gcj02())
    if bounds is not None:
        st.session_state[FIT] = bounds


def _gcj02() -> bool:
    from geo.basemaps import BasemapError, get_basemap

    try:
        return get_basemap(st.session_state.get("basemap", "none")).gcj02
    except BasemapError:
        return False


def _fit_to_result(ws: Workspace, ids: list[str] | None) -> None:
    """After a filter change, point the map at the result's bounds (every parcel when none)."""
    sig = _filter_sig()
    before = st.session_state.get(FIT_SIG)
    st.session_state[FIT_SIG] = sig
    if before is None or before == sig:
        return
    bounds = result_list.display_bounds(ws, ids, gcj02=_gcj02()) if ids != [] else None
    if bounds is not None:
        st.session_state[FIT] = bounds


def _result_list(ws: Workspace, ids: list[str] | None, lang: Lang, role: str) -> None:
    """The filter result (every parcel without a filter) as a sortable list with a download."""
    frame = result_list.result_frame(ws, ids, lang, role)
    labels = result_list.column_labels(lang)
    digest = _digest(frame["parcel_id"].tolist())
    key = f"ov_list_{digest}"
    st.session_state[LIST_KEY] = key
    st.session_state[LIST_IDS] = frame["parcel_id"].tolist()
    title = t("list_title", lang, n=widgets.fmt_num(len(frame)))
    with st.expander(title, expanded=ids is not None, icon=":material/list:"):
        config = {
            "parcel_id": st.column_config.TextColumn(labels["parcel_id"], pinned=True),
            "name": st.column_config.TextColumn(labels["name"]),
            "status": st.column_config.TextColumn(labels["status"]),
            "area_mu": st.column_config.NumberColumn(
                labels["area_mu"], format="%,.1f", alignment="right"
            ),
            "days_in_status": st.column_config.NumberColumn(
                labels["days_in_status"], format="%d", alignment="right"
            ),
            "place": st.column_config.TextColumn(labels["place"]),
        }
        st.dataframe(
            frame,
            hide_index=True,
            column_config={k: v for k, v in config.items() if k in frame.columns},
            key=key,
            on_select="rerun",
            selection_mode="single-row",
            width="stretch",
            height=min(420, 38 + 35 * max(1, len(frame))),
            placeholder="—",
        )
        st.caption(t("list_pick_hint", lang))
        if len(frame):
            c1, c2 = st.columns(2)
            stem = t_plain("list_file", lang)
            c1.download_button(
                t("list_download_xlsx", lang),
                functools.partial(result_list.list_bytes, frame, lang, "xlsx"),
                file_name=f"{stem}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="ov_list_xlsx",
                icon=":material/download:",
                on_click="ignore",
            )
            c2.download_button(
                t("list_download_csv", lang),
                functools.partial(result_list.list_bytes, frame, lang, "csv"),
                file_name=f"{stem}.csv",
                mime="text/csv",
                key="ov_list_csv",
                icon=":material/download:",
                on_click="ignore",
            )


def _digest(ids: list[str]) -> str:
    """A short digest of the list's parcel ids (a new list gets a fresh selection)."""
    return hashlib.sha1("\x1f".join(ids).encode("utf-8")).hexdigest()[:10]


def page() -> None:
    """The overview page."""
    lang = state.lang()
    role = state.role()
    ws = session.open_workspace(lang, statuses=state.NO_PARCELS)
    session.page_header(t("overview_title", lang), ws, lang)
    if ws is None:
        return
    if state.large_dataset(ws) is not None:
        overview_large.large_page(ws, lang, role)
        return
    # The filter row, then the map at the page's width and most of the
    # viewport's height, the card beside it; the result list and the figures below.
    filters_box = st.container(horizontal=True, vertical_alignment="center")
    years = _years(ws)
    _read_back_filters(ws)
    ids = _filter_ids(ws, years)
    _fit_to_result(ws, ids)
    _list_pick(ws)
    left, right = st.columns([3.4, 1])
    with left:
        props = show_map(
            ws,
            lang=lang,
            role=role,
            key="overview_map",
            parcel_ids=ids,
            fit=st.session_state.get(FIT),
            selected=st.session_state.get(SELECTED),
        )
    if props and props.get("parcel_id"):
        st.session_state[SELECTED] = str(props["parcel_id"])
    with filters_box:
        # In a popover: its widgets are drawn when it opens, not with the first map.
        active = (
            sum(bool(st.session_state.get(k)) for k in FILTER_KEYS[:3])
            + bool(ids is not None and _year_filtered(years))
            + bool(_min_days())
        )
        label = t("filters", lang) + (f" ({active})" if active else "")
        with st.popover(label, icon=":material/filter_list:"):
            _filter_widgets(ws, years, lang)
        # every active filter as a chip with its own remove, and 清除全部
        active_chips, clear_all = _chips(ws, years, lang)
        chips.show(active_chips, lang, key="ov_chip", clear_all=clear_all, clear_key="ov_clear")
        if ids is not None:
            sel = ws.parcels[ws.parcels["parcel_id"].astype(str).isin(ids)]
            st.caption(
                t(
                    "filter_result",
                    lang,
                    n=widgets.fmt_num(len(sel)),
                    mu=widgets.fmt_num(sel["area_mu"].sum(), 1),
                )
            )
    if ids is not None and not ids:
        with filters_box:
            st.warning(t("filter_empty", lang))
    selected = st.session_state.get(SELECTED)
    hit = ws.parcels[ws.parcels["parcel_id"].astype(str) == str(selected)] if selected else None
    with left:
        _result_list(ws, ids, lang, role)
        if hit is not None and len(hit):
            # at the map's width: who, when, field, before → after and note are never clipped
            editing.history_panel(ws, str(selected), lang, role=role)
    _metrics(ws, lang)
    if role == "planner":
        _completeness(ws, lang)
    with right:
        if selected:
            widgets.parcel_card(ws, selected, lang, role=role)
            if hit is not None and len(hit):
                editing.status_editor(ws, hit.iloc[0], lang, role=role)
                supply_card.supply_sections(ws, str(selected), lang, role=role)
            if st.button(t("card_close", lang), key="ov_close"):
                st.session_state.pop(SELECTED, None)
                st.rerun()
        else:
            with st.container(border=True):
                st.markdown(t("card_hint", lang))


if __name__ == "__main__":
    session.run_page(page)
