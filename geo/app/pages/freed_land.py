"""腾退土地 Freed land: totals against the published figure, by year, area, industry, district."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from geo import schema
from geo.app import compute, large_map, session, state, widgets
from geo.app.i18n import Lang, t, t_plain, term
from geo.app.map_view import show_map
from geo.cells import frame_csv
from geo.engine.headline import Headline
from geo.release import BY_CHOICES, OUTSIDE_ID
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

MAP_LAYERS = ("boundaries", "areas_kind", "parcels_status", "roads")


def _area_label(row: pd.Series, lang: Lang) -> str:
    if row.get("area_id") == OUTSIDE_ID:
        return t("outside", lang)
    return widgets.area_name(row, lang, prefix="area_")


def _labelled(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Dimension values as display labels (status, industry, area names, kinds)."""
    out = df.copy()
    if "status" in out.columns:
        out["status"] = out["status"].map(lambda s: widgets.status_label(s, lang))
    if "industry_before" in out.columns:
        out["industry_before"] = out["industry_before"].map(lambda v: term(v, lang))
    if "area_id" in out.columns:
        out["area_label"] = [_area_label(r, lang) for _, r in out.iterrows()]
        out["kind"] = out["kind"].map(lambda k: widgets.kind_label(k, lang))
    if "year" in out.columns:
        out["year"] = out["year"].map(lambda y: "—" if widgets.is_missing(y) else str(int(y)))
    return out


def _columns(lang: Lang) -> dict[str, str]:
    return {
        "level": t("col_level", lang),
        "area_label": t("col_area", lang),
        "kind": t("col_kind", lang),
        "status": t("status", lang),
        "year": t("col_year", lang),
        "industry_before": t("industry_before", lang),
        "district": t("district", lang),
        "n_parcels": t("col_parcels", lang),
        "area_mu": t("col_area_mu", lang),
        "area_ha": t("col_area_ha", lang),
        "area_m2": t("col_area_m2", lang),
    }


FORMATS = {"area_mu": "%.1f", "area_ha": "%.2f", "area_m2": "%.0f"}


def _chart(df: pd.DataFrame, x: str, label: str, lang: Lang, *, horizontal: bool = False) -> None:
    data = pd.DataFrame({label: df[x].astype(str), t("col_area_mu", lang): df["area_mu"]})
    st.bar_chart(
        data,
        x=label,
        y=t("col_area_mu", lang),
        horizontal=horizontal,
        sort=False if not horizontal else f"-{t('col_area_mu', lang)}",
        color="#d1495b",
        height=300,
    )


def _headline(ws: Workspace, lang: Lang) -> None:
    freed = compute.freed_mu(ws)
    published = ws.meta.get("published_freed_mu")
    by_status = compute.release(ws, ("status",))
    n = int(by_status["n_parcels"].sum()) if len(by_status) else 0
    reused = compute.land_mu(ws, ("supplied", "in_production"))
    available = compute.land_mu(ws, ("released", "stored"))
    note = None
    if published:
        pub = float(published)
        diff = freed - pub
        note = (
            t_plain("published_match", lang, value=widgets.fmt_num(pub))
            if abs(diff) < 0.5
            else t_plain("published_diff", lang, value=widgets.fmt_num(pub), diff=f"{diff:+,.0f}")
        )
    widgets.metric_row(
        [
            (t("freed_mu", lang), widgets.fmt_num(freed), note),
            (t("freed_parcels", lang), widgets.fmt_num(n), None),
            (t("reused_mu", lang), widgets.fmt_num(reused), None),
            (t("available_mu", lang), widgets.fmt_num(available), None),
        ]
    )


DIM_COLUMNS = {"year": "released_on", "industry": "industry_before", "district": "district"}
"""The parcel column each summary dimension needs (area and status need none more)."""
TABS: tuple[str, ...] = ("year", "area", "industry", "status", "district")
"""The summaries shown as tabs, in order (``by_<dim>`` is the tab's label)."""


def _choices(ws: Workspace) -> list[str]:
    """The summary dimensions the workspace's parcel columns allow (a dataset may lack some)."""
    have = set(ws.parcels.columns)
    return [d for d in BY_CHOICES if DIM_COLUMNS.get(d, "status") in have or d == "area"]


def _tab(ws: Workspace, dim: str, cols: dict[str, str], lang: Lang) -> None:
    """One summary tab: the chart and the table of freed land by ``dim``."""
    df = _labelled(compute.release(ws, (dim,)), lang)
    if dim == "area":
        top = df[df["level"] == 0]
        _chart(top, "area_label", t("col_area", lang), lang, horizontal=True)
        st.caption(t("by_area_note", lang))
        widgets.table(df, cols, formats=FORMATS)
        return
    if dim == "year":
        _chart(df, "year", t("col_year", lang), lang)
    elif dim == "industry":
        _chart(df, "industry_before", t("industry_before", lang), lang, horizontal=True)
    elif dim == "status":
        _chart(df, "status", t("status", lang), lang)
    widgets.table(df, cols, formats=FORMATS, total=t("col_total", lang))


FREED_VIEWPORT_KEY = "fl_viewport"
"""The freed-land map's own view of a large workspace (``large_map.viewport_bounds``)."""


def _map(ws: Workspace, lang: Lang) -> None:
    """The freed parcels on the map; of a large workspace, the viewport-driven map."""
    if state.large_dataset(ws) is not None:
        _large_map(ws, compute.headline(ws), lang)
        return
    freed_ids = ws.parcels.loc[
        ws.parcels["status"].isin(schema.FREED_STATUSES), "parcel_id"
    ].astype(str)
    show_map(
        ws,
        lang=lang,
        role=state.role(),
        key="freed_map",
        layers=MAP_LAYERS,
        parcel_ids=freed_ids,
    )


@st.fragment
def _large_map(ws: Workspace, summ: Headline, lang: Lang) -> None:
    """Freed land on a viewport-driven map: a pan or zoom reruns only this."""
    view = large_map.View(bounds=large_map.viewport_bounds(FREED_VIEWPORT_KEY))
    plan = large_map.plan_view(ws, summ, view, lang)
    large_map.view_note(plan, view, lang)
    large_map.show_view_map(
        ws,
        plan,
        view,
        lang=lang,
        role=state.role(),
        key="freed_map",
        viewport_key=FREED_VIEWPORT_KEY,
    )


def page() -> None:
    """The freed-land page (every size: a large workspace's figures are its engine headline)."""
    lang = state.lang()
    ws = session.open_workspace(lang, statuses=state.NO_PARCELS)
    session.page_header(t("freed_title", lang), ws, lang)
    if ws is None:
        return
    st.caption(t("freed_definition", lang))
    large = state.large_dataset(ws) is not None
    if large:  # the engine's headline: computed once per revision, shared
        with st.spinner(t("large_computing", lang)):
            summ = compute.headline(ws)
        _headline(ws, lang)
        widgets.large_caption(summ, lang)
    else:
        _headline(ws, lang)
    if compute.freed_mu(ws) <= 0:
        st.info(t("freed_none", lang))
    # the map first: on a 1440×900 screen it starts above the fold
    st.subheader(t("freed_map", lang))
    _map(ws, lang)
    areas = ws.get("areas")
    if areas is None or areas.empty:  # a new workspace: the summaries clip to planning areas
        st.info(t("freed_no_areas", lang))
        return
    cols = _columns(lang)
    choices = _choices(ws)
    tabs = [d for d in TABS if d in choices]
    labels = [t(f"by_{d}", lang) for d in tabs]
    if large:  # only the open tab is computed: a summary the headline lacks reads every parcel
        first = t("by_status", lang) if "status" in tabs else None
        boxes = st.tabs(labels, key="freed_tabs", on_change="rerun", default=first)
    else:
        boxes = st.tabs(labels)
    for dim, box in zip(tabs, boxes, strict=True):
        if box.open is False:
            continue
        with box:
            _tab(ws, dim, cols, lang)

    st.subheader(t("summary_table", lang))
    dims = st.multiselect(
        t("summary_by", lang),
        choices,
        # a large workspace starts with the summary its headline holds
        default=["area"] if large else [d for d in ("area", "status") if d in choices],
        format_func=lambda d: t(f"dim_{d}", lang),
        key="freed_by",
        select_all=False,
    )
    if dims:
        names = " × ".join(t(f"dim_{d}", lang) for d in dims)
        with st.spinner(t("large_summary_running", lang, dims=names)):
            df = _labelled(compute.release(ws, tuple(dims)), lang)
        widgets.table(df, cols, formats=FORMATS, key="freed_summary")
        st.download_button(
            t("download_csv", lang),
            frame_csv(df.drop(columns=["geometry"], errors="ignore")).encode("utf-8-sig"),
            file_name=f"{state.target_name(state.ws_target(ws))}_freed_{'_'.join(dims)}.csv",
            mime="text/csv",
            key="freed_csv",
        )


if __name__ == "__main__":
    session.run_page(page)
