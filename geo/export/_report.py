"""The land-release report as labelled tables, shared by xlsx, csv and pdf.

Every figure comes from the calculation modules — release summaries
(:func:`geo.release.release_summary`, with areas chosen as ``tenglong
summary`` chooses them), the soil gate (:func:`geo.soil.soil_flags`), the 亩均
evaluation (:func:`geo.benefit.evaluate`, :func:`geo.benefit.summarize`,
:func:`geo.benefit.drop_internal`) — computed on the tables the export's role
may see (:class:`geo.export._context.ExportContext`). This module only
chooses columns, translates codes into labels and adds units to headers.

A :class:`Sheet` holds display values (labels for codes, numbers as numbers,
dates as dates) and its :class:`Col` specs say how to format each column.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import geo
from geo.crs import M2_PER_MU, m2_to_ha, m2_to_mu
from geo.export._context import ExportContext, ExportError, sha256_file
from geo.schema import (
    AREA_KINDS,
    FREED_STATUSES,
    PARCELS,
    STATUS_LABELS,
    STATUS_LIFECYCLE,
    column_label,
    label,
    land_use_label,
)

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------

TEXT: dict[str, tuple[str, str]] = {
    "overview": ("概览", "Overview"),
    "by_area": ("按片区", "By area"),
    "by_status": ("按状态", "By status"),
    "by_year": ("按年度", "By year"),
    "by_industry": ("按行业", "By industry"),
    "parcels": ("地块清单", "Parcels"),
    "benefit_classes": ("亩均分类", "Per-mu classes"),
    "benefit_firms": ("亩均企业", "Per-mu firms"),
    "soil": ("土壤门槛", "Soil gate"),
    "provenance": ("数据说明", "Provenance"),
    "total": ("合计", "Total"),
    "level_total": ("第{level}层合计", "Level {level} total"),
    "unknown": ("未知", "unknown"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "schematic": (
        "示意 / schematic：演示数据，几何为示意",
        "示意 / schematic: demo data, geometry",
    ),
    "release_title": ("土地腾退情况汇总", "Land release summary"),
    "freed_statuses": (
        "腾退土地 = 已腾退 + 已收储 + 已供地 + 已投产",
        "freed land = released + stored + supplied + in production",
    ),
    "restricted_statuses": (
        "仅含可供应地块（已腾退、已收储）",
        "available sites only (released, stored)",
    ),
}

_COLUMN_TEXT: dict[str, tuple[str, str]] = {
    "level": ("层级", "level"),
    "area_id": ("片区编号", "area ID"),
    "area_name": ("片区名称", "area"),
    "kind": ("类型", "kind"),
    "year": ("腾退年度", "year released"),
    "n_parcels": ("地块数(宗)", "parcels"),
    "area_mu": ("面积(亩)", "area (mu)"),
    "area_ha": ("面积(公顷)", "area (ha)"),
    "area_m2": ("面积(平方米)", "area (m²)"),
    "share": ("占比", "share"),
    "containing_area": ("所在片区", "planning area"),
    "item": ("指标", "figure"),
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
    "note": ("说明", "note"),
    "class": ("分类", "class"),
    "firms": ("企业数(家)", "firms"),
    "land_mu": ("用地(亩)", "land (mu)"),
    "tax_wan": ("税收(万元)", "tax (10k yuan)"),
    "added_value_wan": ("增加值(万元)", "value added (10k yuan)"),
    "land_share": ("用地占比", "land share"),
    "score": ("综合得分", "score"),
    "rank": ("组内排名", "rank in group"),
    "group": ("评价组", "group"),
    "flag": ("类别", "flag"),
    "severity": ("要求", "requirement"),
    "reason": ("原因", "reason"),
    "basis": ("依据", "basis"),
    "key": ("项目", "item"),
    "content": ("内容", "content"),
}

SOIL_FLAGS: dict[str, tuple[str, str]] = {
    "first_class_land": ("第一类用地", "first-class land"),
    "public_service_land": ("公共管理与公共服务用地", "public administration / services land"),
    "history_unknown": ("污染历史不明", "polluting history unknown"),
}
SOIL_SEVERITY: dict[str, tuple[str, str]] = {
    "blocking": ("须开展土壤污染状况调查", "soil investigation required"),
    "warning": ("复用前应查明", "establish before reuse"),
}


def t(key: str, lang: str, **fmt: Any) -> str:
    """A word of :data:`TEXT` in ``lang``, formatted with ``fmt``."""
    zh, en = TEXT[key]
    return (zh if lang == "zh" else en).format(**fmt)


def header(column: str, lang: str, *, table: str = "parcels") -> str:
    """Header of a column with its unit, e.g. ``面积(亩)`` / ``area (mu)``."""
    if column in _COLUMN_TEXT:
        zh, en = _COLUMN_TEXT[column]
        return zh if lang == "zh" else en
    text = column_label(table, column, "zh" if lang == "zh" else "en")
    return text


def yes_no(value: Any, lang: str) -> str:
    """``是``/``否`` (``yes``/``no``) for a boolean-like value; empty when missing."""
    from geo.soil import as_bool

    b = as_bool(value)
    if b is None:
        return ""
    return t("yes" if b else "no", lang)


def land_use_text(code: Any, lang: str) -> str:
    """``100102 二类工业用地`` for a land-use code."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return ""
    name = land_use_label(str(code), "zh" if lang == "zh" else "en")
    return f"{code} {name}" if name != str(code) else str(code)


def status_text(value: Any, lang: str) -> str:
    """Label of a status value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return label(STATUS_LABELS, str(value), "zh" if lang == "zh" else "en")


def kind_text(value: Any, lang: str) -> str:
    """Label of an area kind."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return label(AREA_KINDS, str(value), "zh" if lang == "zh" else "en")


def area_name(row: Any, lang: str) -> str:
    """An area's name in ``lang`` (English name when there is one)."""
    zh = row.get("name")
    en = row.get("name_en")
    if lang == "en" and isinstance(en, str) and en:
        return en
    return str(zh) if zh is not None and not pd.isna(zh) else ""


# ---------------------------------------------------------------------------
# Sheets
# ---------------------------------------------------------------------------

KINDS = ("text", "int", "area", "m2", "share", "date", "number", "year")
"""Column kinds: how a column is formatted and whether it sums."""


@dataclass(frozen=True)
class Col:
    """A column of a sheet: its key in the frame, its header, its kind."""

    key: str
    header: str
    kind: str = "text"
    summable: bool = False


@dataclass
class Sheet:
    """One table of the report.

    ``frame`` holds display values (labels for codes, numbers, dates);
    ``subtotal_by`` (e.g. ``level``) closes each group with a subtotal row,
    else ``total`` closes the sheet with one total row.
    """

    key: str
    title: str
    frame: pd.DataFrame
    columns: list[Col]
    total: bool = True
    subtotal_by: str | None = None
    note: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def total_row(self, frame: pd.DataFrame | None = None) -> dict[str, Any]:
        """Sums of the summable columns of ``frame`` (default: the whole sheet)."""
        df = self.frame if frame is None else frame
        out: dict[str, Any] = {}
        for c in self.columns:
            if c.summable and c.key in df.columns:
                s = pd.to_numeric(df[c.key], errors="coerce")
                out[c.key] = int(s.sum()) if c.kind == "int" else float(s.sum())
        return out

    def blocks(self) -> list[tuple[Any, pd.DataFrame]]:
        """``(group, rows)`` pairs: one per ``subtotal_by`` value, or one for all rows."""
        if self.subtotal_by is None or self.subtotal_by not in self.frame.columns:
            return [(None, self.frame)]
        return [(k, g) for k, g in self.frame.groupby(self.subtotal_by, sort=True)]


def _area_cols(lang: str, *, share: bool = False) -> list[Col]:
    cols = [
        Col("area_mu", header("area_mu", lang), "area", True),
        Col("area_ha", header("area_ha", lang), "area", True),
        Col("area_m2", header("area_m2", lang), "m2", True),
    ]
    if share:
        cols.append(Col("share", header("share", lang), "share", True))
    return cols


def _note_sheet(key: str, lang: str, note: str) -> Sheet:
    frame = pd.DataFrame({"note": [note]})
    return Sheet(
        key, t(key, lang), frame, [Col("note", header("note", lang))], total=False, note=note
    )


# -- release summaries ------------------------------------------------------


def _release_error(err: Exception) -> ExportError:
    return ExportError(f"the release summary cannot be computed: {err}")


def release_by_area(ctx: ExportContext) -> pd.DataFrame:
    """Freed land by area, one block per level, exactly as ``tenglong summary`` computes it."""
    from geo.release import ReleaseError, release_summary

    try:
        return release_summary(ctx.scope_parcels, ctx.summary_areas, by="area")
    except ReleaseError as err:
        raise _release_error(err) from None


def release_by(ctx: ExportContext, dim: str) -> pd.DataFrame:
    """Freed land by ``status``, ``year``, ``industry`` or ``district`` (within the scope area).

    With an area in scope the parcels are clipped to it (the area's row of an
    area × ``dim`` summary); otherwise the whole parcels count.
    """
    from geo.release import BY_CHOICES, ReleaseError, release_summary

    try:
        if ctx.area_id is not None:
            out = release_summary(
                ctx.scope_parcels, ctx.ws.areas, by=["area", dim], area_ids=[ctx.area_id]
            )
            out = out[out["area_id"] == ctx.area_id]
            out = out.drop(columns=["level", "area_id", "area_name", "area_name_en", "kind"])
        else:
            out = release_summary(ctx.scope_parcels, by=dim)
    except ReleaseError as err:
        raise _release_error(err) from None
    out = out.reset_index(drop=True)
    total = out["area_m2"].sum()
    out["share"] = out["area_m2"] / total if total > 0 else 0.0
    col = BY_CHOICES[dim]
    if dim == "status":  # lifecycle order
        order = {s: i for i, s in enumerate(STATUS_LIFECYCLE)}
        out = out.iloc[out[col].map(lambda s: order.get(s, 99)).argsort(kind="stable")]
    return out.reset_index(drop=True)


def by_area_sheet(ctx: ExportContext) -> Sheet:
    """Sheet: freed land by planning area, with a subtotal per nesting level."""
    lang = ctx.lang
    df = release_by_area(ctx)
    names = np.where(
        (lang == "en") & df["area_name_en"].notna() & (df["area_name_en"].astype(str) != ""),
        df["area_name_en"].astype(str),
        df["area_name"].astype(str),
    )
    frame = pd.DataFrame(
        {
            "level": df["level"].astype(int),
            "area_id": df["area_id"].astype(str),
            "area_name": names,
            "kind": [kind_text(k, lang) for k in df["kind"]],
            "n_parcels": df["n_parcels"].astype(int),
            "area_mu": df["area_mu"],
            "area_ha": df["area_ha"],
            "area_m2": df["area_m2"],
        }
    )
    cols = [
        Col("level", header("level", lang), "int"),
        Col("area_id", header("area_id", lang)),
        Col("area_name", header("area_name", lang)),
        Col("kind", header("kind", lang)),
        Col("n_parcels", header("n_parcels", lang), "int"),
        *_area_cols(lang),
    ]
    note = (
        "每一层级的各行（含区外）之和等于腾退土地总量；地块按片区边界切分，同层重叠部分归面积较小的片区"
        if lang == "zh"
        else "within each level the rows (with outside) add up to the freed total; parcels are "
        "clipped to area boundaries, overlaps within a level go to the smaller area"
    )
    return Sheet("by_area", t("by_area", lang), frame, cols, subtotal_by="level", note=note)


def by_dim_sheet(ctx: ExportContext, dim: str) -> Sheet:
    """Sheet: freed land by status, year or industry."""
    lang = ctx.lang
    df = release_by(ctx, dim)
    if dim == "status":
        first = Col("status", header("status", lang))
        values: list[Any] = [status_text(s, lang) for s in df["status"]]
    elif dim == "year":
        first = Col("year", header("year", lang), "year")
        values = [t("unknown", lang) if pd.isna(y) else int(y) for y in df["year"]]
    else:
        first = Col("industry_before", header("industry_before", lang))
        values = [t("unknown", lang) if pd.isna(v) else str(v) for v in df["industry_before"]]
    frame = pd.DataFrame(
        {
            first.key: values,
            "n_parcels": df["n_parcels"].astype(int),
            "area_mu": df["area_mu"],
            "area_ha": df["area_ha"],
            "area_m2": df["area_m2"],
            "share": df["share"],
        }
    )
    cols = [
        first,
        Col("n_parcels", header("n_parcels", lang), "int", True),
        *_area_cols(lang, share=True),
    ]
    return Sheet(f"by_{dim}", t(f"by_{dim}", lang), frame, cols)


# -- parcels ----------------------------------------------------------------

_PARCEL_ORDER: tuple[str, ...] = tuple(c.name for c in PARCELS.columns if c.name != "area_mu")
_AREA_UNITS = ("area_mu", "area_ha", "area_m2")


def _display(column: str, series: pd.Series, lang: str) -> tuple[list[Any], str]:
    """Display values and the kind of a parcel column."""
    spec = PARCELS.column(column)
    if column == "status":
        return [status_text(v, lang) for v in series], "text"
    if column.startswith("land_use"):
        return [land_use_text(v, lang) for v in series], "text"
    dtype = spec.dtype if spec is not None else None
    if dtype == "bool" or pd.api.types.is_bool_dtype(series):
        return [yes_no(v, lang) for v in series], "text"
    if dtype == "date" or pd.api.types.is_datetime64_any_dtype(series):
        s = pd.to_datetime(series, errors="coerce")
        return [None if pd.isna(v) else v.date() for v in s], "date"
    if dtype in ("float", "int") or pd.api.types.is_numeric_dtype(series):
        s = pd.to_numeric(series, errors="coerce")
        kind = "int" if dtype == "int" or pd.api.types.is_integer_dtype(series) else "number"
        return [None if pd.isna(v) else v for v in s.tolist()], kind
    return [
        None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in series
    ], "text"


def containing_area_names(ctx: ExportContext, parcels: pd.DataFrame) -> list[str]:
    """Name of the planning area holding most of each parcel (empty outside every area)."""
    from geo.capacity import containing_area

    if not len(parcels):
        return []
    ca = containing_area(parcels, ctx.ws.areas, require_targets=False)  # type: ignore[arg-type]
    names = {str(r["area_id"]): area_name(r, ctx.lang) for _, r in ctx.ws.areas.iterrows()}
    return [names.get(str(a), "") if not pd.isna(a) else "" for a in ca["area_id"]]


def parcel_sheet(ctx: ExportContext) -> Sheet:
    """Sheet: the parcels in scope, with every column the role may see."""
    lang = ctx.lang
    p = ctx.scope_parcels.sort_values("parcel_id", kind="stable")
    geom = p.geometry.name
    present = [c for c in _PARCEL_ORDER if c in p.columns]
    extras = [c for c in p.columns if c not in present and c not in (*_AREA_UNITS, geom)]
    frame = pd.DataFrame(index=range(len(p)))
    cols: list[Col] = []
    for c in present + extras:
        values, kind = _display(c, p[c], lang)
        frame[c] = values
        cols.append(Col(c, header(c, lang), kind))
        if c == "status":
            frame["containing_area"] = containing_area_names(ctx, p)
            cols.append(Col("containing_area", header("containing_area", lang)))
    area_m2 = p.geometry.area.to_numpy()
    frame["area_mu"] = m2_to_mu(area_m2)
    frame["area_ha"] = m2_to_ha(area_m2)
    frame["area_m2"] = area_m2
    cols += _area_cols(lang)
    sheet = Sheet("parcels", t("parcels", lang), frame, cols)
    sheet.meta["count"] = len(p)
    return sheet


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


# -- headline figures -------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The report's headline figures (areas in m²; convert for display)."""

    freed_m2: float
    freed_parcels: int
    available_m2: float
    available_parcels: int
    published_freed_mu: float | None
    soil_flagged: int
    soil_flagged_m2: float
    n_areas: int


def headline(ctx: ExportContext, *, by_status: pd.DataFrame | None = None) -> Headline:
    """Freed land, available sites, the published figure and soil flags of the scope."""
    from geo.soil import SoilInputError, soil_flags

    df = by_status if by_status is not None else release_by(ctx, "status")
    avail = df[df["status"].isin(["released", "stored"])]
    published = None
    if ctx.site_id is None and ctx.area_id is None:
        raw = ctx.meta.get("published_freed_mu")
        try:
            published = float(raw) if raw not in (None, "") else None
        except ValueError:
            published = None
    try:
        flags = soil_flags(ctx.scope_parcels)
    except SoilInputError:
        flags = pd.DataFrame({"area_m2": []})
    p = ctx.scope_parcels
    return Headline(
        freed_m2=float(df["area_m2"].sum()),
        freed_parcels=int(p["status"].isin(list(FREED_STATUSES)).sum()),
        available_m2=float(avail["area_m2"].sum()),
        available_parcels=int(p["status"].isin(["released", "stored"]).sum()),
        published_freed_mu=published,
        soil_flagged=len(flags),
        soil_flagged_m2=float(flags["area_m2"].sum()) if len(flags) else 0.0,
        n_areas=len(ctx.scope_areas),
    )


def overview_sheet(ctx: ExportContext, h: Headline) -> Sheet:
    """Sheet: the headline figures."""
    lang = ctx.lang
    zh = lang == "zh"
    rows: list[tuple[str, Any, str, str]] = [
        (
            "腾退土地面积" if zh else "freed land",
            m2_to_mu(h.freed_m2),
            "亩" if zh else "mu",
            t("freed_statuses", lang) if not ctx.restricted else t("restricted_statuses", lang),
        ),
        ("腾退土地面积" if zh else "freed land", m2_to_ha(h.freed_m2), "公顷" if zh else "ha", ""),
        ("腾退地块数" if zh else "freed parcels", h.freed_parcels, "宗" if zh else "parcels", ""),
    ]
    if h.published_freed_mu is not None:
        diff = m2_to_mu(h.freed_m2) - h.published_freed_mu
        rows.append(
            (
                "公开数据：腾退土地" if zh else "published figure: freed land",
                h.published_freed_mu,
                "亩" if zh else "mu",
                (f"差额 {diff:+,.1f} 亩" if zh else f"difference {diff:+,.1f} mu"),
            )
        )
    rows += [
        (
            "可供应土地（已腾退、已收储）" if zh else "available land (released, stored)",
            m2_to_mu(h.available_m2),
            "亩" if zh else "mu",
            "",
        ),
        (
            "可供应地块数" if zh else "available parcels",
            h.available_parcels,
            "宗" if zh else "parcels",
            "",
        ),
        (
            "须开展土壤调查的地块" if zh else "parcels needing a soil investigation",
            h.soil_flagged,
            "宗" if zh else "parcels",
            f"{m2_to_mu(h.soil_flagged_m2):,.2f} {'亩' if zh else 'mu'}",
        ),
        ("规划片区数" if zh else "planning areas", h.n_areas, "个" if zh else "areas", ""),
    ]
    frame = pd.DataFrame(rows, columns=["item", "value", "unit", "note"])
    cols = [
        Col("item", header("item", lang)),
        Col("value", header("value", lang), "number"),
        Col("unit", header("unit", lang)),
        Col("note", header("note", lang)),
    ]
    return Sheet("overview", t("overview", lang), frame, cols, total=False)


# -- provenance -------------------------------------------------------------


def provenance_rows(ctx: ExportContext) -> list[tuple[str, str]]:
    """``(item, value)`` pairs saying where every figure comes from."""
    from geo.benefit import DEFAULT_PRESET, load_preset

    zh = ctx.lang == "zh"
    ws = ctx.ws
    crs = ws.crs
    epsg = crs.to_epsg()
    tables = ", ".join(f"{n} ({len(df)})" for n, df in ctx.tables.items())
    rows: list[tuple[str, str]] = [
        (
            "工作空间" if zh else "workspace",
            f"{ctx.workspace_name('zh')} / {ctx.workspace_name('en')}",
        ),
        ("文件" if zh else "file", ws.path.name),
        ("文件 SHA-256" if zh else "file SHA-256", sha256_file(ws.path)),
        ("生成时间" if zh else "generated", ctx.generated_at.isoformat(timespec="seconds")),
        ("腾笼版本" if zh else "Tenglong version", geo.__version__),
        ("导出角色" if zh else "role", ctx.role),
        ("范围" if zh else "scope", ctx.scope_label()),
        (
            "统计口径" if zh else "land counted",
            t("freed_statuses", ctx.lang)
            + ("；" + t("restricted_statuses", ctx.lang) if ctx.restricted else ""),
        ),
        (
            "坐标系" if zh else "CRS",
            f"EPSG:{epsg} {crs.name}" if epsg else crs.name,
        ),
        (
            "面积计算" if zh else "areas",
            "在上述高斯-克吕格投影中按平面计算；地块按片区边界切分，同层重叠部分归面积较小的片区（overlap=smallest）"
            if zh
            else "planar, in the Gauss-Krüger projection above; parcels clipped to area "
            "boundaries, overlaps within a level go to the smaller area (overlap=smallest)",
        ),
        (
            "单位" if zh else "units",
            f"1 亩 = 10000/15 m² ≈ {M2_PER_MU:.2f} m²；1 公顷 = 10,000 m² = 15 亩"
            if zh
            else f"1 mu (亩) = 10000/15 m² ≈ {M2_PER_MU:.2f} m²; 1 ha = 10,000 m² = 15 mu",
        ),
        ("数据表" if zh else "tables used", tables),
    ]
    if ctx.layout is not None:
        rows.append(("布局" if zh else "layout", ctx.layout))
    if not ctx.restricted and "enterprises" in ctx.tables:
        cfg = load_preset(DEFAULT_PRESET)
        rows.append(
            (
                "亩均评价预设" if zh else "per-mu preset",
                f"{cfg.name}: {cfg.title_zh if zh else cfg.title_en}; {cfg.source}; {cfg.url}",
            )
        )
    rows.append(
        ("土壤门槛依据" if zh else "soil gate basis", "GB 36600-2018；《土壤污染防治法》第五十九条")
    )
    for key, value in sorted(ctx.meta.items()):
        if key.startswith("published_"):
            rows.append((("公开数据 " if zh else "published ") + key[len("published_") :], value))
    for key in ("source", "boundary_source"):
        if key in ctx.meta:
            rows.append((("来源 " if zh else "source ") + key, ctx.meta[key]))
    if ws.schematic:
        rows.append(("示意" if zh else "schematic", t("schematic", ctx.lang)))
    return rows


def provenance_sheet(ctx: ExportContext) -> Sheet:
    """Sheet: provenance (hash, time, version, CRS, units, presets, tables)."""
    rows = provenance_rows(ctx)
    frame = pd.DataFrame(rows, columns=["key", "content"])
    cols = [Col("key", header("key", ctx.lang)), Col("content", header("content", ctx.lang))]
    return Sheet("provenance", t("provenance", ctx.lang), frame, cols, total=False)


# -- the whole report -------------------------------------------------------


def report_sheets(ctx: ExportContext, *, only: Iterable[str] | None = None) -> list[Sheet]:
    """Every sheet of the land-release report, in order (or only the keys in ``only``)."""
    want = set(only) if only is not None else None

    def wanted(key: str) -> bool:
        return want is None or key in want

    sheets: list[Sheet] = []
    status_df = release_by(ctx, "status") if wanted("overview") or wanted("by_status") else None
    if wanted("overview"):
        sheets.append(overview_sheet(ctx, headline(ctx, by_status=status_df)))
    if wanted("by_area"):
        sheets.append(by_area_sheet(ctx))
    for dim in ("status", "year", "industry"):
        if wanted(f"by_{dim}"):
            sheets.append(by_dim_sheet(ctx, dim))
    if wanted("parcels"):
        sheets.append(parcel_sheet(ctx))
    if wanted("benefit_classes") or wanted("benefit_firms"):
        sheets += [s for s in benefit_sheets(ctx) if wanted(s.key) or s.key == "benefit_classes"]
    if wanted("soil"):
        sheets.append(soil_sheet(ctx))
    if wanted("provenance"):
        sheets.append(provenance_sheet(ctx))
    return sheets


__all__ = [
    "TEXT",
    "Col",
    "Headline",
    "Sheet",
    "by_area_sheet",
    "by_dim_sheet",
    "header",
    "headline",
    "parcel_sheet",
    "provenance_rows",
    "release_by",
    "release_by_area",
    "report_sheets",
    "soil_sheet",
    "t",
]
