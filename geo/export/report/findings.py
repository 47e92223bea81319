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


def benefit_history_sheets(ctx: ExportContext) -> list[Sheet]:
    """Sheets 亩均历年 (class per year, years in a row in D) and 差别化措施 (yearly surcharges).

    Only when the enterprises hold two years or more, and never for investors or
    the public. The surcharge sheet needs a measures configuration named by the
    workspace's ``benefit_measures`` meta key (e.g. ``haining_2025``).
    """
    from geo.benefit import DEFAULT_PRESET, BenefitConfigError, BenefitInputError
    from geo.benefit.history import class_history, d_runs
    from geo.benefit.measures import load_measures, yearly_surcharges

    ent = ctx.tables.get("enterprises")
    if ctx.restricted or ent is None or "year" not in ent.columns:
        return []
    if ctx.site_id is not None or ctx.area_id is not None:
        ids = set(ctx.scope_parcels["parcel_id"].astype(str))
        ent = ent[ent["parcel_id"].astype(str).isin(ids)]
    if pd.to_numeric(ent["year"], errors="coerce").nunique() < 2:
        return []
    lang, zh = ctx.lang, ctx.lang == "zh"
    try:
        hist = class_history(ent, DEFAULT_PRESET)
    except (BenefitInputError, BenefitConfigError) as err:
        return [_note_sheet("benefit_history", lang, f"亩均历年无法计算 / not evaluated: {err}")]
    hist = hist.assign(consecutive_d_years=d_runs(hist))
    years = sorted(int(y) for y in hist["year"].unique())
    wide = hist.pivot(index="enterprise_id", columns="year", values="class")
    latest = hist[hist["year"] == years[-1]].set_index("enterprise_id")["consecutive_d_years"]
    frame = pd.DataFrame({"enterprise_id": [str(i) for i in wide.index]})
    if ctx.role == "planner":
        names = ent.drop_duplicates("enterprise_id", keep="last").set_index("enterprise_id")
        frame["name"] = (
            [None if pd.isna(v) else str(v) for v in names["name"].reindex(wide.index)]
            if "name" in names.columns
            else None
        )
    for y in years:
        frame[f"class_{y}"] = [None if pd.isna(v) else str(v) for v in wide[y]]
    frame["consecutive_d_years"] = [int(latest.get(i, 0)) for i in wide.index]
    cols = [Col("enterprise_id", header("enterprise_id", lang, table="enterprises"))]
    if "name" in frame.columns:
        cols.append(Col("name", header("name", lang, table="enterprises")))
    cols += [Col(f"class_{y}", f"{y}年类别" if zh else f"class {y}") for y in years]
    cols.append(
        Col(
            "consecutive_d_years",
            f"截至{years[-1]}年连续D类年数" if zh else f"years in a row in D to {years[-1]}",
            "int",
        )
    )
    note = (
        f"预设 {ctx_preset_title(lang)}，逐年评价；未参评年度中断连续D类计数"
        if zh
        else f"preset {ctx_preset_title(lang)}, every year evaluated; a year not evaluated "
        "ends a run of D years"
    )
    sheets = [
        Sheet("benefit_history", t("benefit_history", lang), frame, cols, total=False, note=note)
    ]
    name = str(ctx.meta.get("benefit_measures") or "")
    if not name:
        return sheets
    try:
        mcfg = load_measures(name)
        sur = yearly_surcharges(hist.drop(columns="consecutive_d_years"), ent, mcfg)
    except (BenefitInputError, BenefitConfigError) as err:
        sheets.append(
            _note_sheet("benefit_surcharges", lang, f"差别化措施无法计算 / not computed: {err}")
        )
        return sheets
    labels = {m.key: (m.zh if zh else m.en) for m in mcfg.measures}
    s = sur[sur["amount_yuan"].fillna(0) > 0]
    sframe = pd.DataFrame(
        {
            "enterprise_id": s["enterprise_id"].astype(str),
            "year": s["year"].astype(int),
            "class": s["class"].astype(str),
            "consecutive_d_years": s["consecutive_d_years"].astype(int),
            "measure": [labels[k] for k in s["measure"]],
            "rate": s["rate"].astype(float),
            "unit": s["unit"].astype(str),
            "quantity": s["quantity"].astype(float),
            "quantity_unit": s["quantity_unit"].astype(str),
            "amount_wan": s["amount_wan"].astype(float),
        }
    ).reset_index(drop=True)
    heads = {
        "enterprise_id": (header("enterprise_id", lang, table="enterprises"), "text", False),
        "year": ("年度" if zh else "year", "year", False),
        "class": ("类别" if zh else "class", "text", False),
        "consecutive_d_years": ("连续D类年数" if zh else "years in a row in D", "int", False),
        "measure": ("措施" if zh else "measure", "text", False),
        "rate": ("标准" if zh else "rate", "number", False),
        "unit": ("单位" if zh else "unit", "text", False),
        "quantity": ("用量" if zh else "quantity", "number", False),
        "quantity_unit": ("用量单位" if zh else "quantity unit", "text", False),
        "amount_wan": ("金额 (万元)" if zh else "amount (10k yuan)", "number", True),
    }
    scols = [Col(k, h, kind, summ) for k, (h, kind, summ) in heads.items()]
    verified = (
        "" if mcfg.verified else ("（二手来源，待核）" if zh else " (secondary source, verify)")
    )
    snote = (
        f"{mcfg.title_zh}；来源：{mcfg.source} {mcfg.url}{verified}；金额=标准×当年用量"
        if zh
        else f"{mcfg.title_en}; source: {mcfg.source} {mcfg.url}{verified}; amount = rate x "
        "the year's use"
    )
    sheets.append(
        Sheet("benefit_surcharges", t("benefit_surcharges", lang), sframe, scols, note=snote)
    )
    return sheets


def ctx_preset_title(lang: str) -> str:
    """Title of the default 亩均 preset (what :func:`geo.benefit.evaluate` uses)."""
    from geo.benefit import DEFAULT_PRESET, load_preset

    cfg = load_preset(DEFAULT_PRESET)
    return f"{cfg.name}（{cfg.title_zh}）" if lang == "zh" else f"{cfg.name} ({cfg.title_en})"
