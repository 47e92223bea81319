"""厂区转型 Factory sites (东山 / 广耀): plates, the forest park, soil gate, milestones."""

from __future__ import annotations

import logging

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import schema
from geo.app import compute, session, state, widgets
from geo.app.i18n import Lang, t, t_plain
from geo.app.map_view import show_map
from geo.proximity import nearest
from geo.release import OUTSIDE_ID
from geo.siting import finder
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

MAP_LAYERS = (
    "boundaries",
    "areas_kind",
    "plates",
    "forest_park",
    "parcels_status",
    "soil_gate",
    "roads",
)
STATE_COLORS = {"done": "#30a14e", "done_late": "#f0a202", "overdue": "#d1495b", "open": "#7f7f7f"}


def _site_facts(ws: Workspace, site: pd.Series, lang: Lang) -> None:
    items = [
        (t("col_area_mu", lang), widgets.fmt_num(site.get("area_mu")), None),
        (t("plates_count", lang), widgets.fmt_num(_plates(ws, site["area_id"]).shape[0]), None),
    ]
    fund = site.get("planning_fund_wan")
    if not widgets.is_missing(fund):
        items.append((t("planning_fund", lang), widgets.fmt_num(fund), None))
    greens = _green_distance(ws, site)
    if greens is not None:
        name, dist, mu = greens
        note = (
            t("adjacent", lang)
            if dist < 1
            else t_plain("distance_m", lang, d=widgets.fmt_num(dist))
        )
        items.append(
            (t("green_next", lang, name=name), f"{widgets.fmt_num(mu)} {t('mu', lang)}", note)
        )
    widgets.metric_row(items)
    inds = widgets.industries(site.get("target_industries"), lang)
    lines = [f"**{widgets.md(t('target_industries', lang))}**: {widgets.md(inds)}"]
    if bool(site.get("enclave")) and not widgets.is_missing(site.get("enclave")):
        lines.append(f"**{widgets.md(t('enclave', lang))}**")
    st.markdown("  \n".join(lines))


def _plates(ws: Workspace, site_id: str) -> pd.DataFrame:
    areas = finder.latest_areas(ws.areas)
    if "parent_id" not in areas.columns:
        return areas.iloc[0:0]
    return areas[(areas["parent_id"].astype(str) == str(site_id)) & (areas["kind"] == "plate")]


def _green_distance(ws: Workspace, site: pd.Series) -> tuple[str, float, float] | None:
    areas = finder.latest_areas(ws.areas)
    greens = areas[areas["kind"] == "green"]
    if greens.empty:
        return None
    src = gpd.GeoDataFrame({"area_id": [site["area_id"]]}, geometry=[site.geometry], crs=ws.crs)
    near = nearest(src, greens, source_id="area_id", target_id="area_id", prefix="green")
    gid = near["green_id"].iloc[0]
    row = greens[greens["area_id"] == gid].iloc[0]
    lang = state.lang()
    return widgets.area_name(row, lang), float(near["dist_m"].iloc[0]), float(row["area_mu"])


def _plates_table(ws: Workspace, site_id: str, lang: Lang) -> None:
    df = compute.layout_table(ws, site_id)
    plates = df[(df["level"] == df["level"].max()) & (df["area_id"] != OUTSIDE_ID)].copy()
    if plates.empty:
        st.caption(t("plates_none", lang))
        return
    plates["plate"] = [widgets.area_name(r, lang, prefix="area_") for _, r in plates.iterrows()]
    plates["industries"] = plates["target_industries"].map(lambda v: widgets.industries(v, lang))
    widgets.table(
        plates,
        {
            "plate": t("col_plate", lang),
            "industries": t("target_industries", lang),
            "element_mu": t("col_element_mu", lang),
            "n_parcels": t("col_parcels", lang),
            "area_mu": t("col_freed_mu", lang),
            "far_min": t("col_far_min", lang),
            "far_max": t("col_far_max", lang),
        },
        formats={"element_mu": "%.0f", "area_mu": "%.1f", "far_min": "%.1f", "far_max": "%.1f"},
    )


def _planned_uses(ws: Workspace, ids: list[str], lang: Lang) -> None:
    parcels = ws.parcels[ws.parcels["parcel_id"].astype(str).isin(ids)]
    if parcels.empty:
        st.caption(t("no_parcels_in_site", lang))
        return
    g = (
        parcels.groupby("land_use_planned", dropna=False)
        .agg(n_parcels=("parcel_id", "size"), area_mu=("area_mu", "sum"))
        .reset_index()
        .sort_values("area_mu", ascending=False)
    )
    g["use"] = g["land_use_planned"].map(lambda c: widgets.land_use(c, lang))
    g["first_class"] = g["land_use_planned"].map(
        lambda c: t("yes", lang) if schema.is_first_class_soil_use(c) else ""
    )
    widgets.table(
        g,
        {
            "use": t("land_use_planned", lang),
            "n_parcels": t("col_parcels", lang),
            "area_mu": t("col_area_mu", lang),
            "first_class": t("col_first_class", lang),
        },
        formats={"area_mu": "%.1f"},
    )


def _soil(ws: Workspace, ids: list[str], lang: Lang) -> None:
    flags = compute.soil_flags(ws)
    flags = flags[flags["parcel_id"].astype(str).isin(ids)]
    if flags.empty:
        st.success(t("soil_none", lang))
        return
    blocking = flags[flags["severity"] == "blocking"]
    st.error(
        t("soil_count", lang, n=len(blocking), mu=widgets.fmt_num(blocking["area_mu"].sum(), 1)),
        icon=":material/warning:",
    )
    flags = flags.assign(
        use=[widgets.land_use(c, lang) for c in flags["land_use_planned"]],
        reason=flags["reason_zh"] if lang == "zh" else flags["reason_en"],
    )
    widgets.table(
        flags,
        {
            "parcel_id": t("col_parcel_id", lang),
            "use": t("land_use_planned", lang),
            "area_mu": t("col_area_mu", lang),
            "reason": t("col_reason", lang),
        },
        formats={"area_mu": "%.1f"},
    )
    st.caption(t("soil_basis", lang))


def _milestones(ws: Workspace, subjects: list[str], lang: Lang) -> None:
    tl = compute.milestone_timeline(ws, subjects)
    if tl.empty:
        st.caption(t("milestones_none", lang))
        return
    n_over = int((tl["state"] == "overdue").sum())
    if n_over:
        st.error(t("milestones_overdue", lang, n=n_over), icon=":material/schedule:")
    tl = tl.assign(
        state_label=[t(f"ms_{s}", lang) for s in tl["state"]],
        due_s=[widgets.fmt_date(d) for d in tl["due"]],
        done_s=[widgets.fmt_date(d) for d in tl["done"]],
        label=[f"{m} · {s}" for m, s in zip(tl["milestone"], tl["subject_id"], strict=True)],
    )
    today = pd.Timestamp.today().normalize()
    tl = tl.assign(
        end=[
            d if pd.notna(d) else (today if st_ == "overdue" else due)
            for d, due, st_ in zip(tl["done"], tl["due"], tl["state"], strict=True)
        ]
    )
    scale = alt.Scale(
        domain=[t(f"ms_{s}", lang) for s in STATE_COLORS], range=list(STATE_COLORS.values())
    )
    y = alt.Y(
        "label:N",
        title=None,
        sort=alt.EncodingSortField("due", order="ascending"),
        axis=alt.Axis(labelLimit=360),
    )
    tooltip = [
        alt.Tooltip("milestone:N", title=t("col_milestone", lang)),
        alt.Tooltip("due_s:N", title=t("col_due", lang)),
        alt.Tooltip("done_s:N", title=t("col_done", lang)),
        alt.Tooltip("state_label:N", title=t("col_state", lang)),
    ]
    color = alt.Color("state_label:N", title=t("col_state", lang), scale=scale)
    base = alt.Chart(tl)
    rule = base.mark_rule(strokeWidth=3).encode(
        x=alt.X("due:T", title=t("col_due", lang), axis=alt.Axis(format="%Y-%m")),
        x2="end:T",
        y=y,
        color=color,
    )
    due_pt = base.mark_point(size=90, filled=False, color="#555555").encode(
        x="due:T", y=y, tooltip=tooltip
    )
    end_pt = base.mark_point(size=140, filled=True).encode(
        x="end:T", y=y, color=color, tooltip=tooltip
    )
    chart = (rule + due_pt + end_pt).properties(height=40 * len(tl) + 30)
    st.altair_chart(chart, width="stretch")
    cols = {
        "subject_id": t("col_subject", lang),
        "milestone": t("col_milestone", lang),
        "due_s": t("col_due", lang),
        "done_s": t("col_done", lang),
        "state_label": t("col_state", lang),
        "days_late": t("col_days_late", lang),
    }
    if "note" in tl.columns:
        cols["note"] = t("col_note", lang)
    widgets.table(tl, cols, formats={"days_late": "%.0f"})


def page() -> None:
    """The factory-site page."""
    lang = state.lang()
    role = state.role()
    ws = session.open_workspace(lang)
    session.page_header(t("sites_title", lang), ws, lang)
    if ws is None:
        return
    areas = finder.latest_areas(ws.areas)
    sites = areas[areas["kind"] == "site"]
    if sites.empty:
        st.info(t("sites_none", lang))
        wuan = state.DATA_DIR / "wuan.gpkg"
        offer = wuan.is_file() and ws.path.resolve() != wuan.resolve()
        if offer and st.button(t("sites_open_wuan", lang), key="sites_open_wuan", type="primary"):
            state.add_opened_workspace(wuan.resolve())
            st.rerun()
        return
    names = {str(r["area_id"]): widgets.area_name(r, lang) for _, r in sites.iterrows()}
    site_id = st.selectbox(
        t("site", lang), list(names), format_func=lambda a: names[a], key="site_choice"
    )
    site = sites[sites["area_id"].astype(str) == site_id].iloc[0]
    _site_facts(ws, site, lang)
    places = compute.places(ws)
    ids = places.loc[places["place_ids"].map(lambda p: site_id in p), "parcel_id"].tolist()
    plates = _plates(ws, site_id)
    # the map first, the card beside it: on a 1440×900 screen it starts above the fold
    map_col, card_col = st.columns([3, 1])
    with map_col:
        props = show_map(
            ws,
            lang=lang,
            role=role,
            key="site_map",
            layers=MAP_LAYERS,
            parcel_ids=ids or None,
            selected=st.session_state.get("site_selected"),
        )
    if props and props.get("parcel_id"):
        st.session_state["site_selected"] = str(props["parcel_id"])
    selected = st.session_state.get("site_selected")
    with card_col:
        if selected and selected in ids:
            widgets.parcel_card(ws, selected, lang, role=role)
        else:
            st.caption(t("site_map_hint", lang))
    # the tables at the page's width: at 1440 px each fits without scrolling sideways
    st.subheader(t("plates_title", lang))
    _plates_table(ws, site_id, lang)
    st.subheader(t("planned_uses", lang))
    _planned_uses(ws, ids, lang)
    st.subheader(t("soil_title", lang))
    _soil(ws, ids, lang)
    st.subheader(t("milestones_title", lang))
    _milestones(ws, [site_id, *plates["area_id"].astype(str), *ids], lang)


if __name__ == "__main__":
    session.run_page(page)
