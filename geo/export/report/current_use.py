"""The current-use sheet: 现状工业/仓储/采矿用地 per planning area from the 三调 layer."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.export._context import ExportContext
from geo.export.report.labels import area_name, header, kind_text, t
from geo.export.report.sheet import Col, Sheet


def current_use_frame(ctx: ExportContext) -> pd.DataFrame | None:
    """:func:`geo.layout.current_use_summary` of the export's areas, or None without a survey."""
    from geo.layout import current_use_summary

    survey = ctx.tables.get("landuse_survey")
    if not isinstance(survey, gpd.GeoDataFrame) or survey.empty:
        return None
    areas = ctx.summary_areas
    if areas.empty:
        return None
    return current_use_summary(survey.to_crs(areas.crs), areas)


def current_use_sheet(ctx: ExportContext) -> Sheet | None:
    """Sheet 现状用地: current industrial, storage and mining land and 现状工业用地率 per area.

    None when the workspace has no ``landuse_survey`` table (or the role may
    not receive it), so that exports without a land survey are unchanged.
    """
    df = current_use_frame(ctx)
    if df is None:
        return None
    lang = ctx.lang
    frame = pd.DataFrame(
        {
            "area_id": df["area_id"].astype(str),
            "area_name": [area_name(r, lang) for _, r in df.iterrows()],
            "kind": [kind_text(k, lang) for k in df.get("kind", pd.Series([None] * len(df)))],
            "element_mu": df["element_mu"].astype(float),
            "industrial_mu": df["industrial_mu"].astype(float),
            "storage_mu": df["storage_mu"].astype(float),
            "mining_mu": df["mining_mu"].astype(float),
            "industrial_share": df["industrial_share"].astype(float),
        }
    )
    cols = [
        Col("area_id", header("area_id", lang)),
        Col("area_name", header("area_name", lang)),
        Col("kind", header("kind", lang)),
        Col("element_mu", header("element_mu", lang), "area", True),
        Col("industrial_mu", header("industrial_mu", lang), "area", True),
        Col("storage_mu", header("storage_mu", lang), "area", True),
        Col("mining_mu", header("mining_mu", lang), "area", True),
        Col("industrial_share", header("industrial_share", lang), "share"),
    ]
    survey = ctx.tables["landuse_survey"]
    years = (
        sorted({str(int(y)) for y in survey["sjnf"].dropna()}) if "sjnf" in survey.columns else []
    )
    year_text = "、".join(years) if lang == "zh" else ", ".join(years)
    note = (
        "三调/变更调查地类图斑与片区叠加（平面面积）：现状工业用地 = 0601，仓储 = 0508（0604），"
        "采矿 = 0602；现状工业用地率 = 现状工业用地 ÷ 片区面积"
        + (f"；数据年份 {year_text}" if years else "")
        if lang == "zh"
        else "land-survey patches (DLTB) overlaid with the areas (planar areas): industrial = "
        "0601, storage = 0508 (0604), mining = 0602; industrial share = current industrial land "
        "÷ area of the element" + (f"; survey year {year_text}" if years else "")
    )
    return Sheet("current_use", t("current_use", lang), frame, cols, note=note)
