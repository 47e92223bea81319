"""Sheets of the soil gate and the 亩均 evaluation."""

from __future__ import annotations

import pandas as pd

from geo.crs import m2_to_ha
from geo.export._context import ExportContext
from geo.export.report.labels import (
    _COLUMN_TEXT,
    SOIL_FLAGS,
    SOIL_SEVERITY,
    header,
    land_use_text,
    t,
)
from geo.export.report.sheet import Col, Sheet, _area_cols, _note_sheet
from geo.schema import (
    label,
)

# -- soil gate --------------------------------------------------------------


def soil_sheet(ctx: ExportContext) -> Sheet:
    """Sheet: parcels in scope that need a soil investigation before reuse."""
    from geo.soil import SoilInputError, soil_flags

    lang = ctx.lang
    try:
        flags = soil_flags(ctx.scope_parcels)
    except SoilInputError as err:
        return _note_sheet("soil", lang, str(err))
    frame = pd.DataFrame(
        {
            "parcel_id": flags["parcel_id"].astype(str),
            "flag": [label(SOIL_FLAGS, f, lang) for f in flags["flag"]],  # type: ignore[arg-type]
            "severity": [label(SOIL_SEVERITY, s, lang) for s in flags["severity"]],  # type: ignore[arg-type]
            "land_use_planned": [land_use_text(c, lang) for c in flags["land_use_planned"]],
            "area_mu": flags["area_mu"].astype(float),
            "area_ha": m2_to_ha(flags["area_m2"].astype(float)),
            "area_m2": flags["area_m2"].astype(float),
            "reason": flags["reason_zh" if lang == "zh" else "reason_en"],
            "basis": flags["basis"],
        }
    )
    cols = [
        Col("parcel_id", header("parcel_id", lang)),
        Col("flag", header("flag", lang)),
        Col("severity", header("severity", lang)),
        Col("land_use_planned", header("land_use_planned", lang)),
        *_area_cols(lang),
        Col("reason", header("reason", lang)),
        Col("basis", header("basis", lang)),
    ]
    note = (
        "GB 36600-2018；《土壤污染防治法》第五十九条：有污染行业历史、"
        "规划为住宅或公共管理与公共服务用地的地块，复用前须开展土壤污染状况调查"
        if lang == "zh"
        else "GB 36600-2018; Soil Pollution Prevention Law art. 59: land with a polluting "
        "history planned for housing or public services needs a soil investigation first"
    )
    return Sheet("soil", t("soil", lang), frame, cols, note=note)


# -- 亩均 evaluation ---------------------------------------------------------


def benefit_sheets(ctx: ExportContext) -> list[Sheet]:
    """Sheets: 亩均 classes (and, for planners and investment officers, the firms).

    Investors and the public receive neither: their tables hold no firms.
    """
    from geo.benefit import (
        CLASS_LABELS,
        BenefitConfigError,
        BenefitInputError,
        drop_internal,
        evaluate,
        summarize,
    )

    lang = ctx.lang
    ent = ctx.tables.get("enterprises")
    if ctx.restricted:
        return [
            _note_sheet(
                "benefit_classes",
                lang,
                "亩均评价结果不向投资者和公众提供"
                if lang == "zh"
                else "per-mu evaluation results are not given to investors or the public",
            )
        ]
    if ent is None or not len(ent):
        return [
            _note_sheet(
                "benefit_classes",
                lang,
                "本工作空间没有企业数据，未做亩均评价"
                if lang == "zh"
                else "this workspace has no enterprise data: no per-mu evaluation",
            )
        ]
    if ctx.site_id is not None or ctx.area_id is not None:
        ids = set(ctx.scope_parcels["parcel_id"].astype(str))
        ent = ent[ent["parcel_id"].astype(str).isin(ids)]
        if not len(ent):
            return [
                _note_sheet(
                    "benefit_classes",
                    lang,
                    "范围内没有企业" if lang == "zh" else "no firms in scope",
                )
            ]
    try:
        result = evaluate(ent)
    except (BenefitInputError, BenefitConfigError) as err:
        return [_note_sheet("benefit_classes", lang, f"亩均评价无法计算 / not evaluated: {err}")]
    summ = summarize(result)
    classes = pd.DataFrame(
        {
            "class": [label(CLASS_LABELS, c, lang) for c in summ["class"]],  # type: ignore[arg-type]
            "firms": summ["firms"].astype(int),
            "land_mu": summ["land_mu"].astype(float),
            "tax_wan": summ["tax_wan"].astype(float),
            "added_value_wan": summ["added_value_wan"].astype(float),
            "land_share": summ["land_share"].astype(float),
        }
    )
    year = result["year"].dropna()
    year_text = str(int(year.iloc[0])) if len(year) else ""
    c_cols = [
        Col("class", header("class", lang)),
        Col("firms", header("firms", lang), "int", True),
        Col("land_mu", header("land_mu", lang), "area", True),
        Col("tax_wan", header("tax_wan", lang), "number", True),
        Col("added_value_wan", header("added_value_wan", lang), "number", True),
        Col("land_share", header("land_share", lang), "share", True),
    ]
    note = (
        f"{year_text}年度，预设 {ctx_preset_title(lang)}"
        if lang == "zh"
        else f"year {year_text}, preset {ctx_preset_title(lang)}"
    )
    sheets = [Sheet("benefit_classes", t("benefit_classes", lang), classes, c_cols, note=note)]
    firms = drop_internal(result, role=ctx.role)
    keep = [
        c
        for c in (
            "enterprise_id",
            "name",
            "parcel_id",
            "scale",
            "year",
            "land_mu",
            "tax_wan",
            "added_value_wan",
            "score",
            "class",
            "rank",
        )
        if c in firms.columns
    ]
    f = firms[keep].copy()
    f_cols = []
    for c in keep:
        kind = {
            "land_mu": "area",
            "tax_wan": "number",
            "added_value_wan": "number",
            "score": "number",
            "rank": "int",
            "year": "year",
        }.get(c, "text")
        if kind == "text":
            f[c] = [None if v is None or pd.isna(v) else str(v) for v in f[c]]
        else:
            f[c] = [None if pd.isna(v) else v for v in pd.to_numeric(f[c], errors="coerce")]
        head = header(c, lang, table="enterprises") if c not in _COLUMN_TEXT else header(c, lang)
        f_cols.append(Col(c, head, kind, c in ("land_mu", "tax_wan", "added_value_wan")))
    sheets.append(
        Sheet("benefit_firms", t("benefit_firms", lang), f.reset_index(drop=True), f_cols)
    )
    return sheets


def ctx_preset_title(lang: str) -> str:
    """Title of the default 亩均 preset (what :func:`geo.benefit.evaluate` uses)."""
    from geo.benefit import DEFAULT_PRESET, load_preset

    cfg = load_preset(DEFAULT_PRESET)
    return f"{cfg.name}（{cfg.title_zh}）" if lang == "zh" else f"{cfg.name} ({cfg.title_en})"
