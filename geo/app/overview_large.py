"""The overview of a large workspace (:func:`geo.app.state.large_dataset`).

The engine's figures and the viewport-driven map of :mod:`geo.app.large_map`,
with a drill-down into a grid cell or a planning area and the parcel card of
the selected parcel (docs/architecture.md §7, §9). The overview page
(:mod:`geo.app.pages.overview`) calls :func:`large_page` for such a workspace.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pandas as pd
import streamlit as st

from geo import schema
from geo.app import (
    compute,
    editing,
    large_map,
    state,
    widgets,
)
from geo.app.i18n import Lang, t, t_plain
from geo.engine.headline import Headline
from geo.grid import cell_id, parse_cell_id
from geo.workspace import Workspace

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# A large workspace (geo.app.state.large_dataset): the engine's figures and the
# viewport-driven map of geo.app.map_view, with a drill-down into a cell or an area
# ---------------------------------------------------------------------------

PV_STATUS = "pv_status"
PV_AREA = "pv_area"
PV_UNIT = "pv_unit"
PV_CELL = "pv_cell"
"""The grid cell opened: ``(cell_m, cell_x, cell_y)``."""
PV_SELECTED = "pv_selected"
"""The parcel whose card is open."""
PV_NAV = "pv_nav"
"""A counter in the map's widget key: every new view is a new map component, so a
click on the same feature as before still counts."""
PV_VIEWPORT = "pv_viewport"
"""The map's view as the element last sent it: ``(west, south, east, north)`` in WGS84."""
CARD_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.PARCELS.columns if c.required)
"""Parcel columns the usual parcel card needs; other datasets get the short card."""


def _large_metrics(ws: Workspace, summ: Headline, lang: Lang) -> None:
    published = ws.meta.get("published_freed_mu")
    areas = ws.get("areas")
    widgets.metric_row(
        [
            (
                t("freed_mu", lang),
                widgets.fmt_num(summ.freed_mu),
                t_plain("published_value", lang, value=widgets.fmt_num(float(published)))
                if published
                else None,
            ),
            (t("available_mu", lang), widgets.fmt_num(summ.land_mu(("released", "stored"))), None),
            (t("parcels_count", lang), widgets.fmt_num(summ.n_parcels), None),
            (t("areas_count", lang), widgets.fmt_num(0 if areas is None else len(areas)), None),
            (t("crs", lang), ws.crs.to_string(), None),
        ]
    )


def large_page(ws: Workspace, lang: Lang, role: str) -> None:
    """The overview of a large workspace: engine figures, a viewport-driven map, drill-down."""
    with st.spinner(t("large_computing", lang)):  # once per revision, shared
        summ = compute.headline(ws)
    _large_metrics(ws, summ, lang)
    widgets.large_caption(summ, lang)
    _large_filters(ws, summ, _current_view(), lang)
    _large_view(ws, summ, lang, role)


def _current_view() -> large_map.View:
    """The view of this session (from the filters, the opened cell, the unit, the map)."""
    chosen = set(st.session_state.get(PV_STATUS) or ())
    statuses = tuple(s for s in schema.STATUSES if s in chosen) or None
    if statuses == tuple(schema.FREED_STATUSES):
        statuses = None
    area = st.session_state.get(PV_AREA) or None
    raw = st.session_state.get(PV_CELL)
    cell = None
    if raw is not None:
        cell = parse_cell_id(cell_id(*raw)) if len(raw) == 3 else None
    unit = "area" if st.session_state.get(PV_UNIT) == "area" else "cell"
    return large_map.View(
        statuses=statuses,
        area_id=str(area) if area else None,
        cell=cell,
        unit=unit,
        bounds=large_map.viewport_bounds(PV_VIEWPORT),
    )


def _close_cell() -> None:
    """Panning the map away from the opened grid cell closes it: the map shows what is in view."""
    st.session_state[PV_CELL] = None


def _next_view() -> None:
    st.session_state[PV_NAV] = int(st.session_state.get(PV_NAV, 0)) + 1
    st.session_state.pop(PV_SELECTED, None)
    st.session_state.pop(PV_VIEWPORT, None)  # a new map fits its selection


def _reset_cell() -> None:
    """Close the opened grid cell (a filter changed)."""
    st.session_state[PV_CELL] = None
    _next_view()


def _back_to_overview() -> None:
    """Close the opened cell or area (the "back to overview" button)."""
    st.session_state[PV_CELL] = None
    st.session_state[PV_AREA] = None
    _next_view()


def _handle_click(props: dict[str, Any] | None) -> None:
    """Open the clicked cell or area (a new run), or select the clicked parcel."""
    if not props:
        return
    unit = props.get("unit")
    if unit == "cell":
        cell = parse_cell_id(props.get("area_id"))
        if cell is not None:
            st.session_state[PV_CELL] = cell
            _next_view()
            st.rerun()
    elif unit in ("area", "outline") and props.get("area_id"):
        st.session_state[PV_AREA] = str(props["area_id"])
        st.session_state[PV_CELL] = None
        _next_view()
        st.rerun()
    elif props.get("parcel_id") is not None:
        st.session_state[PV_SELECTED] = str(props["parcel_id"])


def _large_filters(ws: Workspace, summ: Headline, view: large_map.View, lang: Lang) -> None:
    """Status and area filters, the aggregate unit, and "back to overview"."""
    present = set(summ.by_status.loc[summ.by_status["n_parcels"] > 0, "status"])
    names = large_map.area_names(ws, lang)
    if st.session_state.get(PV_AREA) not in (None, *names):
        st.session_state[PV_AREA] = None
    c1, c2, c3, c4 = st.columns([1.4, 1.2, 1.0, 0.8])
    c1.multiselect(
        t("filter_status", lang),
        [s for s in schema.STATUSES if s in present],
        format_func=lambda s: widgets.status_label(s, lang),
        key=PV_STATUS,
        placeholder=t("large_status_default", lang),
        on_change=_reset_cell,
        select_all=False,
    )
    c2.selectbox(
        t("filter_area", lang),
        [None, *names],
        format_func=lambda a: t("all", lang) if a is None else names.get(a, a),
        key=PV_AREA,
        on_change=_reset_cell,
    )
    if summ.area_cells is not None:
        c3.radio(
            t("large_unit", lang),
            ["cell", "area"],
            format_func=lambda u: t(f"large_unit_{u}", lang),
            key=PV_UNIT,
            horizontal=True,
            on_change=_next_view,
            disabled=view.narrowed,
        )
    if view.narrowed:
        c4.button(
            t("large_back", lang),
            key="pv_back",
            on_click=_back_to_overview,
            icon=":material/arrow_back:",
        )


@st.fragment
def _large_view(ws: Workspace, summ: Headline, lang: Lang, role: str) -> None:
    """The map, its note, the card and the list: a pan or zoom reruns only this.

    The map sends its view at the end of a pan or zoom
    (:func:`geo.app.large_map.set_viewport`, before this reruns); the new
    plan shows the parcels in view when few enough, else the grid over it.
    """
    view = _current_view()
    plan = large_map.plan_view(ws, summ, view, lang)
    note_box = st.container()
    left, right = st.columns([2.6, 1])
    with left:
        nav = int(st.session_state.get(PV_NAV, 0))
        props = large_map.show_view_map(
            ws,
            plan,
            view,
            lang=lang,
            role=role,
            key=f"large_map_{nav}",
            viewport_key=PV_VIEWPORT,
            on_view=_close_cell,
        )
    _handle_click(props)
    with note_box:
        large_map.view_note(plan, view, lang)
    with right:
        selected = st.session_state.get(PV_SELECTED)
        shown = bool(selected) and _large_card(ws, plan, str(selected), lang, role)
        if not shown:
            with st.container(border=True):
                st.markdown(t("large_card_hint", lang))
        if plan.kind == "parcels":
            _parcels_table(plan, lang)
        elif summ.by_area is not None:
            _areas_table(compute.release(ws, ("area",), statuses=view.statuses), lang)


def _parcels_table(plan: large_map.Plan, lang: Lang) -> None:
    """The parcels shown on the map: ID, name, status, 亩."""
    if plan.parcels is None:
        return
    df = pd.DataFrame(plan.parcels.drop(columns="geometry"))
    if "status" in df.columns:
        df["status_label"] = df["status"].map(lambda s: widgets.status_label(s, lang))
    st.markdown(f"**{t('large_parcels_table', lang)}**")
    widgets.table(
        df,
        {
            "parcel_id": t("col_parcel_id", lang),
            "name": t("col_name", lang),
            "status_label": t("status", lang),
            "area_mu": t("col_area_mu", lang),
        },
        formats={"area_mu": "%.1f"},
        height=320,
        key="pv_parcels_table",
    )


def _areas_table(by_area: pd.DataFrame, lang: Lang) -> None:
    """Freed land of the top-level areas and outside them (engine figures)."""
    df = by_area[(by_area["level"] == 0) | (by_area["area_id"] == "outside")].copy()
    df["area_label"] = [
        t("outside", lang)
        if r["area_id"] == "outside"
        else widgets.area_name(r, lang, prefix="area_") or str(r["area_id"])
        for _, r in df.iterrows()
    ]
    st.markdown(f"**{t('large_areas_table', lang)}**")
    widgets.table(
        df,
        {
            "area_label": t("col_area", lang),
            "n_parcels": t("col_parcels", lang),
            "area_mu": t("col_area_mu", lang),
        },
        formats={"area_mu": "%.1f"},
        height=320,
        key="pv_areas_table",
    )


def _large_card(ws: Workspace, plan: large_map.Plan, parcel_id: str, lang: Lang, role: str) -> bool:
    """The card of a parcel shown on the map; False when it is not shown any more.

    The usual card (:func:`geo.app.widgets.parcel_card`) when the dataset has
    the parcel columns it needs, on a :class:`~geo.app.state.ViewWorkspace`
    of that one parcel and the small tables; else a short card of the
    parcel's fields. A large GeoPackage is edited on the card as a small one
    is (:func:`geo.app.editing.status_editor`: the store, with audit and
    optimistic concurrency); the next run reads its new revision (converted
    again, never a stale copy). A GeoParquet dataset directory is read-only.
    """
    if plan.parcels is None or "parcel_id" not in plan.parcels.columns:
        return False
    hit = plan.parcels[plan.parcels["parcel_id"].astype(str) == str(parcel_id)]
    if hit.empty:
        return False
    one = hit.iloc[[0]]
    full = all(c in one.columns for c in CARD_COLUMNS)
    path, revision = state.dataset_key(ws)
    ds = state.large_dataset(ws)
    assert ds is not None
    view = state.ViewWorkspace(
        path=ds.path,
        tables={"parcels": one, **ds.tables},
        crs=ws.crs,
        meta=dict(ws.meta),
        view_key=(f"{path}#parcel={parcel_id}", revision),
    )
    if full:
        widgets.parcel_card(view, str(parcel_id), lang, role=role)
    else:
        _short_card(one.iloc[0], lang, role)
    if full and ws.path.is_file():  # a GeoPackage: edits go to its store
        editing.status_editor(dataclasses.replace(view, path=ws.path), one.iloc[0], lang, role=role)
        st.caption(t("large_edit_note", lang))
    else:
        st.caption(t("large_read_only", lang))
    return True


def _short_card(p: pd.Series, lang: Lang, role: str) -> None:
    with st.container(border=True, key="parcel_card"):
        st.markdown(f"#### {widgets.md(p.get('parcel_id'))}")
        st.caption(
            f"{t('status', lang)}: {widgets.md(widgets.status_label(p.get('status'), lang))}"
        )
        st.metric(t("area_mu", lang), widgets.fmt_num(p.get("area_mu"), 1))
        internal = set(schema.PARCELS.internal)
        rows = []
        for col in p.index:
            if col in ("geometry", "parcel_id", "status", "area_mu", "area_m2"):
                continue
            if col in internal and role != "planner":
                continue
            value = p[col]
            if widgets.is_missing(value):
                continue
            label = schema.column_label("parcels", col, lang)
            rows.append(f"- **{widgets.md(label)}**: {widgets.md(value)}")
        if rows:
            st.markdown("\n".join(rows))
