"""亩均效益 Benefit per mu: classes A/B/C/D on the map and in tables, low-efficiency candidates."""

from __future__ import annotations

import dataclasses
import logging

import pandas as pd
import streamlit as st

from geo import benefit
from geo.app import compute, session, state, widgets
from geo.app.i18n import Lang, t
from geo.app.map_view import show_map
from geo.cells import frame_csv
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

MAP_LAYERS = ("boundaries", "areas_kind", "benefit_classes", "roads")


def _class_label(c: object, lang: Lang) -> str:
    pair = benefit.CLASS_LABELS.get(str(c))
    if pair is None:
        return t("unclassified", lang)
    return pair[0] if lang == "zh" else pair[1]


PRESET_PROVINCES: dict[str, str] = {
    "huangyan_2021": "33",
    "huangyan_2022": "33",
    "huaian_2024": "32",
}
"""The province (first two digits of the adcode) a shipped preset was published for."""

PROVINCE_NAMES: dict[str, tuple[str, str]] = {"32": ("江苏", "Jiangsu"), "33": ("浙江", "Zhejiang")}


def _preset_title(name: str, lang: Lang) -> str:
    try:
        cfg = benefit.load_preset(name)
    except benefit.BenefitConfigError:
        return name
    return f"{cfg.title_zh if lang == 'zh' else cfg.title_en} ({name})"


def _weights(preset: str, lang: Lang) -> dict[str, dict[str, float]] | None:
    """Custom weights from number inputs, or None for the preset's own."""
    if not st.toggle(t("custom_weights", lang), key="benefit_custom"):
        return None
    cfg = benefit.load_preset(preset)
    out: dict[str, dict[str, float]] = {}
    cols = st.columns(len(cfg.groups))
    for col, (gkey, group) in zip(cols, cfg.groups.items(), strict=True):
        with col:
            st.markdown(f"**{widgets.md(group.zh if lang == 'zh' else group.en)}**")
            for ind in group.indicators:
                spec = benefit.INDICATORS[ind.key]
                label = f"{spec.zh if lang == 'zh' else spec.en} ({t('weight', lang)})"
                out.setdefault(gkey, {})[ind.key] = st.number_input(
                    label,
                    min_value=0.0,
                    max_value=100.0,
                    value=float(ind.weight),
                    step=5.0,
                    key=f"w_{preset}_{gkey}_{ind.key}",
                )
    return out


def _map_workspace(ws: Workspace, result: pd.DataFrame) -> Workspace:
    """A copy of ``ws`` whose parcels carry ``benefit_class`` and ``benefit_score``.

    A parcel with several firms takes the best-scoring one.
    """
    best = (
        result.dropna(subset=["parcel_id"])
        .sort_values("score", ascending=False)
        .drop_duplicates("parcel_id")
        .set_index("parcel_id")
    )
    parcels = ws.parcels.copy()
    pid = parcels["parcel_id"].astype(str)
    parcels["benefit_class"] = pid.map(best["class"]).astype(object)
    parcels["benefit_score"] = pid.map(best["score"]).astype(float)
    return dataclasses.replace(ws, tables={**ws.tables, "parcels": parcels})


def page() -> None:
    """The benefit page."""
    lang = state.lang()
    ws = session.open_workspace(lang)
    session.page_header(t("benefit_title", lang), ws, lang)
    if ws is None:
        return
    if ws.get("enterprises") is None or ws["enterprises"].empty:
        st.info(t("benefit_no_firms", lang))
        return
    presets = benefit.list_presets()
    c1, c2 = st.columns([1, 2])
    preset = c1.selectbox(
        t("preset", lang),
        presets,
        index=presets.index(benefit.DEFAULT_PRESET) if benefit.DEFAULT_PRESET in presets else 0,
        format_func=lambda name: _preset_title(name, lang),
        key="benefit_preset",
    )
    cfg = benefit.load_preset(preset)
    c2.caption(f"{t('preset_source', lang)}: {widgets.md(cfg.source)}")
    adcode = str(ws.meta.get("adcode") or "")
    local = PRESET_PROVINCES.get(preset)
    if local and adcode and not adcode.startswith(local):
        # a caption beside the preset, not a banner: the map stays above the fold
        c2.caption(
            ":material/info: "
            + t(
                "preset_not_local",
                lang,
                preset=_preset_title(preset, lang),
                province_zh=PROVINCE_NAMES[local][0],
                province_en=PROVINCE_NAMES[local][1],
            )
        )
    weights = _weights(preset, lang)
    try:
        result = compute.benefit_result(ws, preset, weights)
    except (benefit.BenefitInputError, benefit.BenefitConfigError) as err:
        st.error(t("benefit_error", lang, error=err))
        return
    summary = benefit.summarize(result)
    counts = dict(zip(summary["class"], summary["firms"], strict=True))
    land = dict(zip(summary["class"], summary["land_mu"], strict=True))
    # the map first, at the page's width; the figures and the table by class below it
    left, right = st.container(), st.container()
    with left:
        mws = _map_workspace(ws, result)
        show_map(
            mws,
            lang=lang,
            role="planner",
            key="benefit_map",
            layers=MAP_LAYERS,
            show=MAP_LAYERS,
            cache_key=(*state.ws_key(ws), "benefit", preset, repr(sorted((weights or {}).items()))),
        )
        widgets.metric_row(
            [
                (t("firms_evaluated", lang), widgets.fmt_num(len(result)), None),
                *[
                    (
                        _class_label(c, lang),
                        widgets.fmt_num(counts.get(c, 0)),
                        f"{widgets.fmt_num(land.get(c, 0), 1)} {t('mu', lang)}",
                    )
                    for c in benefit.CLASSES
                ],
            ]
        )
    with right:
        st.subheader(t("benefit_summary", lang))
        summary = summary.assign(
            label=[_class_label(c, lang) for c in summary["class"]],
            land_pct=summary["land_share"] * 100.0,
        )
        widgets.table(
            summary,
            {
                "label": t("col_class", lang),
                "firms": t("col_firms", lang),
                "land_mu": t("col_area_mu", lang),
                "land_pct": t("col_land_share", lang),
                "tax_wan": t("col_tax_wan", lang),
                "added_value_wan": t("col_value_added_wan", lang),
            },
            formats={
                "land_mu": "%.1f",
                "land_pct": "%.1f",
                "tax_wan": "%.0f",
                "added_value_wan": "%.0f",
            },
        )
    st.subheader(t("benefit_firms", lang))
    firms = result.assign(class_label=[_class_label(c, lang) for c in result["class"]])
    widgets.table(
        firms,
        {
            "rank": t("col_rank", lang),
            "name": t("col_firm", lang),
            "parcel_id": t("col_parcel_id", lang),
            "scale": t("col_scale", lang),
            "land_mu": t("col_area_mu", lang),
            "tax_wan_per_mu": t("col_tax_per_mu", lang),
            "added_value_wan_per_mu": t("col_va_per_mu", lang),
            "score": t("col_score", lang),
            "class_label": t("col_class", lang),
        },
        formats={
            "land_mu": "%.1f",
            "tax_wan_per_mu": "%.1f",
            "added_value_wan_per_mu": "%.1f",
            "score": "%.1f",
        },
        height=320,
    )
    _years_section(ws, preset, lang)
    st.subheader(t("low_eff_title", lang))
    cand = benefit.low_efficiency_candidates(ws.parcels, result)
    if cand.empty:
        st.success(t("low_eff_none", lang))
        return
    cand = cand.assign(
        status_label=[widgets.status_label(s, lang) for s in cand["status"]],
        reason=cand["reason_zh"] if lang == "zh" else cand["reason_en"],
    )
    st.caption(t("low_eff_count", lang, n=len(cand), mu=widgets.fmt_num(cand["area_mu"].sum(), 1)))
    widgets.table(
        cand,
        {
            "parcel_id": t("col_parcel_id", lang),
            "name": t("col_parcel_name", lang),
            "status_label": t("status", lang),
            "area_mu": t("col_area_mu", lang),
            "reason": t("col_reason", lang),
        },
        formats={"area_mu": "%.1f"},
        height=300,
    )
    st.download_button(
        t("download_csv", lang),
        frame_csv(pd.DataFrame(cand.drop(columns="geometry", errors="ignore"))).encode("utf-8-sig"),
        file_name=f"{state.target_name(state.ws_target(ws))}_low_efficiency.csv",
        mime="text/csv",
        key="lowe_csv",
    )


def _years_section(ws: Workspace, preset: str, lang: Lang) -> None:
    """历年: each firm's class per year, its run of D years, and the 差别化 surcharges."""
    from geo.benefit.measures import list_measures, load_measures, yearly_surcharges

    st.subheader(t("bh_title", lang))
    ent = ws["enterprises"]
    years = sorted(pd.to_numeric(ent.get("year"), errors="coerce").dropna().astype(int).unique())
    if len(years) < 2:
        st.caption(t("bh_one_year", lang, year=years[0] if years else "—"))
        return
    try:
        hist = compute.benefit_history(ws, preset)
    except (benefit.BenefitInputError, benefit.BenefitConfigError) as err:
        st.error(t("bh_error", lang, error=err))
        return
    latest = years[-1]
    st.caption(t("bh_caption", lang, years=f"{years[0]}–{latest}", latest=latest))
    wide = hist.pivot(index="enterprise_id", columns="year", values="class")
    runs = hist[hist["year"] == latest].set_index("enterprise_id")["consecutive_d_years"]
    names = ent.drop_duplicates("enterprise_id", keep="last").set_index("enterprise_id")
    frame = pd.DataFrame({"enterprise_id": wide.index.astype(str)})
    if "name" in names.columns:
        frame["name"] = names["name"].reindex(wide.index).to_numpy()
    labels = {"enterprise_id": t("col_enterprise_id", lang), "name": t("col_firm", lang)}
    for y in years:
        frame[f"class_{y}"] = wide[y].to_numpy()
        labels[f"class_{y}"] = t("bh_class_year", lang, year=y)
    frame["consecutive_d_years"] = [int(runs.get(i, 0)) for i in wide.index]
    labels["consecutive_d_years"] = t("bh_d_years", lang)
    frame = frame.sort_values(
        ["consecutive_d_years", "enterprise_id"], ascending=[False, True], kind="stable"
    )
    n_d = int((frame[f"class_{latest}"] == "D").sum())
    n_3 = int((frame["consecutive_d_years"] >= 3).sum())
    st.markdown(t("bh_runs", lang, latest=latest, n_d=n_d, n_3=n_3))
    widgets.table(frame, labels, height=280, key="benefit_history")
    st.download_button(
        t("bh_download", lang),
        frame_csv(frame).encode("utf-8-sig"),
        file_name=f"{state.target_name(state.ws_target(ws))}_benefit_history.csv",
        mime="text/csv",
        key="bh_csv",
    )
    names_m = list_measures()
    default = str(ws.meta.get("benefit_measures") or "")
    options = ["", *names_m]
    choice = st.selectbox(
        t("bh_measures", lang),
        options,
        index=options.index(default) if default in options else 0,
        format_func=lambda n: t("bh_measures_none", lang) if not n else _measures_title(n, lang),
        key="benefit_measures",
    )
    if not choice:
        return
    mcfg = load_measures(choice)
    st.caption(
        f"{t('bh_measures_source', lang)}: {widgets.md(mcfg.source)} · {widgets.md(mcfg.url)}"
        + ("" if mcfg.verified else f" — {t('bh_unverified', lang)}")
    )
    try:
        sur = yearly_surcharges(hist.drop(columns="consecutive_d_years"), ent, mcfg)
    except benefit.BenefitInputError as err:
        st.error(t("bh_error", lang, error=err))
        return
    by_year = (
        sur.groupby("year", as_index=False)
        .agg(
            firms_paying=("amount_yuan", lambda v: int((v.fillna(0) > 0).sum())),
            amount_wan=("amount_wan", "sum"),
        )
        .sort_values("year")
    )
    st.markdown(f"**{t('bh_by_year', lang)}**")
    widgets.table(
        by_year,
        {
            "year": t("bh_year", lang),
            "firms_paying": t("bh_firms_paying", lang),
            "amount_wan": t("bh_amount_wan", lang),
        },
        formats={"amount_wan": "%.1f"},
        key="bh_by_year",
    )
    paying = sur[sur["amount_yuan"].fillna(0) > 0].sort_values(
        ["year", "amount_yuan"], ascending=[False, False], kind="stable"
    )
    st.markdown(f"**{t('bh_paying', lang)}**")
    widgets.table(
        paying.assign(
            rate_text=[f"{r:g} {u}" for r, u in zip(paying["rate"], paying["unit"], strict=True)]
        ),
        {
            "enterprise_id": t("col_enterprise_id", lang),
            "year": t("bh_year", lang),
            "class": t("col_class", lang),
            "consecutive_d_years": t("bh_d_years", lang),
            "rate_text": t("bh_rate", lang),
            "amount_wan": t("bh_amount_wan", lang),
        },
        formats={"amount_wan": "%.2f"},
        height=260,
        key="bh_paying",
    )


def _measures_title(name: str, lang: Lang) -> str:
    from geo.benefit.measures import load_measures

    try:
        cfg = load_measures(name)
    except benefit.BenefitConfigError:
        return name
    return f"{cfg.title_zh if lang == 'zh' else cfg.title_en} ({name})"


if __name__ == "__main__":
    session.run_page(page)
