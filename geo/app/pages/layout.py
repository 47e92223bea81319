"""空间布局 Layout: freed land and capacity in each element of a plan; comparisons."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from geo.app import compute, session, state, widgets
from geo.app.i18n import Lang, t, t_plain, term
from geo.app.map_view import show_map
from geo.layout import layout_names
from geo.release import OUTSIDE_ID
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

MAP_LAYERS = ("boundaries", "landuse_survey", "layouts", "freed_land", "roads")
WIDTH_RANGE_M = (100, 4000)


def _element_frame(df: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    out = df.copy()
    out["element"] = [
        t("outside_layout", lang)
        if r["area_id"] == OUTSIDE_ID
        else widgets.area_name(r, lang, prefix="area_")
        for _, r in out.iterrows()
    ]
    out["kind"] = out["kind"].map(lambda k: widgets.kind_label(k, lang))
    out["industries"] = out.get("target_industries", pd.Series(index=out.index)).map(
        lambda v: "" if widgets.is_missing(v) else widgets.industries(v, lang)
    )
    out["share_pct"] = out["share"] * 100.0
    for col in ("floor_m2_min", "floor_m2_max"):
        if col in out.columns:
            out[col.replace("m2", "wan_m2")] = out[col] / 10_000.0
    if "invest_wan" in out.columns:
        out["invest_yi"] = out["invest_wan"] / 10_000.0
    return out


def _columns(lang: Lang) -> dict[str, str]:
    return {
        "level": t("col_level", lang),
        "element": t("col_element", lang),
        "kind": t("col_kind", lang),
        "industries": t("target_industries", lang),
        "element_mu": t("col_element_mu", lang),
        "n_parcels": t("col_parcels", lang),
        "area_mu": t("col_freed_mu", lang),
        "share_pct": t("col_share_pct", lang),
        "far_min": t("col_far_min", lang),
        "far_max": t("col_far_max", lang),
        "floor_wan_m2_min": t("col_floor_min", lang),
        "floor_wan_m2_max": t("col_floor_max", lang),
        "invest_wan_per_mu": t("col_invest_per_mu", lang),
        "invest_yi": t("col_invest_yi", lang),
        "output_wan_per_yr": t("col_output", lang),
        "tax_wan_per_yr": t("col_tax", lang),
    }


FORMATS = {
    "element_mu": "%.0f",
    "area_mu": "%.1f",
    "share_pct": "%.1f",
    "far_min": "%.1f",
    "far_max": "%.1f",
    "floor_wan_m2_min": "%.1f",
    "floor_wan_m2_max": "%.1f",
    "invest_wan_per_mu": "%.0f",
    "invest_yi": "%.2f",
    "output_wan_per_yr": "%.0f",
    "tax_wan_per_yr": "%.0f",
}


def _corridor_width(ws: Workspace, layout: str, lang: Lang) -> float | None:
    areas = ws.areas
    sel = areas[(areas["layout"].astype(str) == layout) & (areas["kind"] == "corridor")]
    if sel.empty or "road_id" not in sel.columns or sel["road_id"].isna().all():
        return None
    stored = sel["corridor_width_m"].dropna() if "corridor_width_m" in sel.columns else []
    default = float(stored.iloc[0]) if len(stored) else 1000.0
    if not st.toggle(t("corridor_rederive", lang), key="layout_rederive"):
        st.caption(t("corridor_stored", lang, width=widgets.fmt_num(default)))
        return None
    return float(
        st.slider(
            t("corridor_width", lang),
            *WIDTH_RANGE_M,
            value=int(min(max(default, WIDTH_RANGE_M[0]), WIDTH_RANGE_M[1])),
            step=100,
            key="layout_width",
        )
    )


def _summary(df: pd.DataFrame, lang: Lang) -> None:
    top = df[df["level"] == df["level"].min()]
    inside = top[top["area_id"] != OUTSIDE_ID]
    outside = top[top["area_id"] == OUTSIDE_ID]
    total = float(top["area_mu"].sum())
    inside_mu = float(inside["area_mu"].sum())
    widgets.metric_row(
        [
            (t("layout_elements", lang), widgets.fmt_num(len(inside)), None),
            (t("freed_inside", lang), widgets.fmt_num(inside_mu), None),
            (
                t("freed_outside", lang),
                widgets.fmt_num(float(outside["area_mu"].sum())),
                t_plain(
                    "share_of_freed",
                    lang,
                    pct=f"{(1 - inside_mu / total) * 100 if total else 0:.1f}",
                ),
            ),
            (
                t("capacity_invest", lang),
                widgets.fmt_num(inside["invest_wan"].sum() / 1e4, 1),
                None,
            ),
        ]
    )


def _current_use(ws: Workspace, layout: str, lang: Lang) -> None:
    """现状用地: current industrial, storage and mining land of each element (三调)."""
    st.subheader(t("current_use_title", lang))
    df = compute.current_use_table(ws, layout)
    if df is None:
        st.caption(t("current_use_none", lang))
        return
    out = df.copy()
    out["element"] = [widgets.area_name(r, lang, prefix="area_") for _, r in out.iterrows()]
    out["industrial_pct"] = out["industrial_share"] * 100.0
    widgets.table(
        out,
        {
            "element": t("col_element", lang),
            "element_mu": t("col_element_mu", lang),
            "industrial_mu": t("col_current_industrial", lang),
            "storage_mu": t("col_current_storage", lang),
            "mining_mu": t("col_current_mining", lang),
            "industrial_pct": t("col_current_industrial_pct", lang),
        },
        formats={
            "element_mu": "%.0f",
            "industrial_mu": "%.1f",
            "storage_mu": "%.1f",
            "mining_mu": "%.1f",
            "industrial_pct": "%.1f",
        },
        key="current_use_table",
    )
    survey = ws.get("landuse_survey")
    years = []
    if survey is not None and "sjnf" in survey.columns:
        years = sorted({str(int(y)) for y in survey["sjnf"].dropna()})
    st.caption(t("current_use_note", lang, years=", ".join(years) or "—"))


def _compare_layouts(ws: Workspace, names: list[str], lang: Lang) -> None:
    c1, c2 = st.columns(2)
    a = c1.selectbox(t("layout_a", lang), names, key="cmp_a", format_func=lambda v: term(v, lang))
    b = c2.selectbox(
        t("layout_b", lang),
        names,
        index=min(1, len(names) - 1),
        key="cmp_b",
        format_func=lambda v: term(v, lang),
    )
    rows = []
    for name in (a, b):
        df = compute.layout_table(ws, name)
        top = df[df["level"] == df["level"].min()]
        inside = top[top["area_id"] != OUTSIDE_ID]
        total = float(top["area_mu"].sum())
        rows.append(
            {
                "layout": term(name, lang),
                "elements": len(inside),
                "element_mu": float(inside["element_mu"].sum()),
                "freed_in": float(inside["area_mu"].sum()),
                "share_pct": float(inside["area_mu"].sum()) / total * 100 if total else 0.0,
                "freed_out": total - float(inside["area_mu"].sum()),
            }
        )
    widgets.table(
        pd.DataFrame(rows),
        {
            "layout": t("col_layout", lang),
            "elements": t("layout_elements", lang),
            "element_mu": t("col_element_mu", lang),
            "freed_in": t("freed_inside", lang),
            "share_pct": t("col_share_pct", lang),
            "freed_out": t("freed_outside", lang),
        },
        formats={
            "element_mu": "%.0f",
            "freed_in": "%.1f",
            "share_pct": "%.1f",
            "freed_out": "%.1f",
        },
    )


def _compare_versions(ws: Workspace, ids: list[str], lang: Lang) -> None:
    areas = ws.areas
    names = {
        str(r["area_id"]): widgets.area_name(r, lang)
        for _, r in areas.drop_duplicates("area_id").iterrows()
    }
    area_id = st.selectbox(
        t("versioned_area", lang), ids, format_func=lambda a: names.get(a, a), key="cmp_area"
    )
    df = compute.version_table(ws, area_id).copy()
    for col in ("valid_from", "valid_to"):
        df[col] = [widgets.fmt_date(v) for v in df[col]]
    widgets.table(
        df,
        {
            "version": t("col_version", lang),
            "valid_from": t("col_valid_from", lang),
            "valid_to": t("col_valid_to", lang),
            "area_km2": t("col_area_km2", lang),
            "area_mu": t("col_area_mu", lang),
            "n_parcels": t("col_parcels", lang),
            "parcels_mu": t("col_parcels_mu", lang),
            "freed_mu": t("col_freed_mu", lang),
        },
        formats={"area_km2": "%.2f", "area_mu": "%.0f", "parcels_mu": "%.1f", "freed_mu": "%.1f"},
    )
    if len(df) >= 2:
        first, last = df.iloc[0], df.iloc[-1]
        st.markdown(
            t(
                "version_change",
                lang,
                a=f"{first['area_km2']:.2f}",
                b=f"{last['area_km2']:.2f}",
                d=f"{last['area_km2'] - first['area_km2']:+.2f}",
                p=f"{(last['parcels_mu'] - first['parcels_mu']):+,.0f}",
            )
        )


def page() -> None:
    """The layout page."""
    lang = state.lang()
    ws = session.open_workspace(lang)
    session.page_header(t("layout_title", lang), ws, lang)
    if ws is None:
        return
    names = layout_names(ws.areas)
    if not names:
        st.info(t("layout_none", lang))
        return
    c1, c2 = st.columns([1, 1])
    with c1:
        layout = st.selectbox(
            t("layout", lang), names, key="layout_choice", format_func=lambda v: term(v, lang)
        )
    with c2:
        width = _corridor_width(ws, layout, lang)
    df = _element_frame(compute.layout_table(ws, layout, corridor_width_m=width), lang)
    _summary(df, lang)
    st.subheader(t("layout_elements_title", lang))
    widgets.table(df, _columns(lang), formats=FORMATS, key="layout_table")
    st.caption(t("capacity_note", lang))
    chart = df[df["level"] == df["level"].min()]
    st.bar_chart(
        pd.DataFrame(
            {t("col_element", lang): chart["element"], t("col_freed_mu", lang): chart["area_mu"]}
        ),
        x=t("col_element", lang),
        y=t("col_freed_mu", lang),
        horizontal=True,
        sort=f"-{t('col_freed_mu', lang)}",
        color="#00798c",
        height=280,
    )
    _current_use(ws, layout, lang)
    st.subheader(t("compare_title", lang))
    versioned = compute.versioned_areas(ws)
    modes = ["layouts"] if len(names) > 1 else []
    modes += ["versions"] if versioned else []
    if not modes:
        st.caption(t("compare_none", lang))
    else:
        mode = st.radio(
            t("compare_what", lang),
            modes,
            format_func=lambda m: t(f"compare_{m}", lang),
            horizontal=True,
            key="cmp_mode",
        )
        if mode == "layouts":
            _compare_layouts(ws, names, lang)
        else:
            _compare_versions(ws, versioned, lang)
    st.subheader(t("layout_map", lang))
    show_map(
        ws,
        lang=lang,
        role=state.role(),
        key="layout_map",
        layers=MAP_LAYERS,
        show=tuple(n for n in MAP_LAYERS if n != "landuse_survey"),
        where=(("layouts", "layout", "==", layout),),
    )


if __name__ == "__main__":
    session.run_page(page)
