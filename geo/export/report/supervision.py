"""The supervision reports as labelled sheets: the quarterly report and the 园区整合核查.

Every figure comes from :mod:`geo.supervision` (the ledgers, the 闲置土地
stock, 尚可供应年限, the park check, a quarter's flows); this module only
chooses columns, labels them with their units and says where they come
from. The xlsx and PDF writers (:mod:`geo.export.supervision`) read these
sheets, so both formats hold the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import geo
from geo.crs import M2_PER_MU, m2_to_mu
from geo.export._context import ExportContext, sha256_file
from geo.export.report.labels import kind_text
from geo.export.report.sheet import Col, Sheet

_W: dict[str, tuple[str, str]] = {
    "ledger": ("台账", "ledger"),
    "park": ("园区", "park"),
    "district": ("区县", "district"),
    "year": ("起算年度", "year"),
    "n_parcels": ("地块数(宗)", "parcels"),
    "area_mu": ("面积(亩)", "area (mu)"),
    "area_ha": ("面积(公顷)", "area (ha)"),
    "mean_age_days": ("平均时长(天)", "mean age (days)"),
    "max_age_days": ("最长时长(天)", "longest (days)"),
    "n_date_missing": ("日期缺失(宗)", "date missing (parcels)"),
    "available_mu": ("可供应面积(亩)", "available (mu)"),
    "supplied_mu": ("近三年供应面积(亩)", "supplied in the last 3 years (mu)"),
    "supply_per_year_mu": ("年均供应面积(亩/年)", "average supply (mu/year)"),
    "years_left": ("尚可供应年限(年)", "years of supply left"),
    "item": ("指标", "figure"),
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
    "flow": ("本期变化", "change in the period"),
    "area_id": ("片区编号", "area ID"),
    "name": ("园区名称", "park"),
    "kind": ("类型", "kind"),
    "element": ("园区面积", "park area"),
    "current_industrial": ("现状工业用地", "current industrial land"),
    "current_storage": ("现状仓储用地", "current storage land"),
    "current_mining": ("现状采矿用地", "current mining land"),
    "current_industrial_share": ("现状工业用地率", "current industrial share"),
    "approved": ("已批(腾退)土地", "approved (freed) land"),
    "unsupplied": ("批而未供面积", "approved, not supplied"),
    "unsupplied_share": ("批而未供率", "share not supplied"),
    "supplied": ("已供应面积", "supplied land"),
    "idle": ("闲置土地面积", "idle land"),
    "idle_share": ("闲置土地率", "idle share"),
    "planned_industrial": ("规划工业用地", "planned industrial land"),
    "planned_industrial_share": ("规划工业用地率", "planned industrial share"),
    "key": ("项目", "item"),
    "content": ("内容", "content"),
}

UNITS: dict[str, tuple[str, str, float]] = {
    "mu": ("亩", "mu", M2_PER_MU),
    "ha": ("公顷", "ha", 10_000.0),
}
BASES: dict[str, tuple[str, str, str]] = {
    "planar": ("平面", "planar", "_m2"),
    "ellipsoid": ("椭球面", "ellipsoidal", "_ellipsoid_m2"),
}


def w(key: str, lang: str) -> str:
    """A header or word of this module in ``lang``."""
    zh, en = _W[key]
    return zh if lang == "zh" else en


def _dash(value: Any) -> Any:
    """A number, or ``—`` where it is missing (no supply: never a division by zero)."""
    return "—" if value is None or pd.isna(value) else float(value)


def ledger_sheet(fig: Any, lang: str, by: str | None, *, key: str, title: str) -> Sheet:
    """One ledger table (合计 or by ``park`` / ``district`` / ``year``) with its total row."""
    from geo.supervision import ledger_label

    src = {None: fig.totals, "park": fig.by_park, "district": fig.by_district, "year": fig.by_year}[
        by
    ]
    frame = pd.DataFrame({"ledger": [ledger_label(v, lang) for v in src["ledger"]]})
    cols: list[Col] = []
    if by is not None:
        col = "park_name" if by == "park" else by
        values = src[col].astype("string").fillna("—").replace("", "—")
        frame.insert(0, by, values.to_numpy())
        cols.append(Col(by, w(by, lang)))
    for c in ("n_parcels", "area_mu", "area_ha", "mean_age_days", "max_age_days", "n_date_missing"):
        frame[c] = src[c].to_numpy()
    cols += [
        Col("ledger", w("ledger", lang)),
        Col("n_parcels", w("n_parcels", lang), "int", True),
        Col("area_mu", w("area_mu", lang), "area", True),
        Col("area_ha", w("area_ha", lang), "area", True),
        Col("mean_age_days", w("mean_age_days", lang), "number"),
        Col("max_age_days", w("max_age_days", lang), "int"),
        Col("n_date_missing", w("n_date_missing", lang), "int", True),
    ]
    note = (
        "每宗地只计入一行：合计 = 已腾退 + 已收储 + 已供地 + 闲置 + 已投产。"
        "时长自腾退（批而未供）、"
        "供地（供而未用）、动工（用而未尽）、竣工或投产（已完成）之日起算，面积加权平均。"
        if lang == "zh"
        else "Each parcel is in one row: the total is released + stored + supplied + idle + in "
        "production. Ages count from release (not supplied), supply (not used), start (not fully "
        "built), completion or production (completed); area-weighted means."
    )
    return Sheet(key, title, frame, cols, note=note)


def supply_sheet(fig: Any, lang: str) -> Sheet:
    """尚可供应年限 per park, with a total row of the available and supplied land."""
    s = fig.supply
    frame = pd.DataFrame(
        {
            "park": s["park_name"].to_numpy(),
            "available_mu": s["available_mu"].to_numpy(dtype=float),
            "supplied_mu": s["supplied_mu"].to_numpy(dtype=float),
            "supply_per_year_mu": s["supply_per_year_mu"].to_numpy(dtype=float),
            "years_left": [_dash(v) for v in s["years_left"]],
        }
    )
    cols = [
        Col("park", w("park", lang)),
        Col("available_mu", w("available_mu", lang), "area", True),
        Col("supplied_mu", w("supplied_mu", lang), "area", True),
        Col("supply_per_year_mu", w("supply_per_year_mu", lang), "area", True),
        Col("years_left", w("years_left", lang), "number"),
    ]
    first, last = (int(s["first_year"].iloc[0]), int(s["last_year"].iloc[0])) if len(s) else (0, 0)
    note = (
        f"尚可供应年限 = 可供应面积（批而未供）÷ {first}–{last} 年年均供应面积；三年内无供应为“—”"
        if lang == "zh"
        else f"years left = available land (approved, not supplied) ÷ average yearly supply "
        f"{first}–{last}; “—” when nothing was supplied in those years"
    )
    title = "尚可供应年限" if lang == "zh" else "Years of supply left"
    return Sheet("supply", title, frame, cols, note=note)


def idle_sheet(fig: Any, lang: str) -> Sheet:
    """The 闲置土地 stock and the disposal rate of its cases."""
    zh = lang == "zh"
    d = fig.disposal
    mu = float(fig.idle["area_mu"].sum())
    rows = [
        ("闲置土地" if zh else "idle land", float(len(fig.idle)), "宗" if zh else "parcels"),
        ("闲置土地面积" if zh else "idle land", mu, "亩" if zh else "mu"),
        ("闲置土地面积" if zh else "idle land", mu / 15.0, "公顷" if zh else "ha"),
        ("处置案件" if zh else "idle-land cases", _dash(d["cases"]), "件" if zh else "cases"),
        ("已结案件" if zh else "cases closed", _dash(d["closed"]), "件" if zh else "cases"),
        ("处置率（件数）" if zh else "disposal rate (cases)", _pct(d["rate"]), "%"),
        ("处置率（面积）" if zh else "disposal rate (area)", _pct(d["rate_mu"]), "%"),
    ]
    frame = pd.DataFrame(rows, columns=["item", "value", "unit"])
    cols = [
        Col("item", w("item", lang)),
        Col("value", w("value", lang), "number"),
        Col("unit", w("unit", lang)),
    ]
    from geo.lifecycle import IDLE_BASIS

    note = (
        f"闲置土地：状态为闲置，或按{IDLE_BASIS}认定；处置率 = 已结案件 ÷ 全部案件"
        + ("" if fig.has_cases else "（无处置案件表，为“—”）")
        if zh
        else f"idle land: status idle, or idle under {IDLE_BASIS}; disposal rate = closed "
        "cases ÷ all cases" + ("" if fig.has_cases else " (no case table: “—”)")
    )
    return Sheet("idle", "闲置土地" if zh else "Idle land", frame, cols, total=False, note=note)


def _pct(value: Any) -> Any:
    return "—" if value is None or pd.isna(value) else round(float(value) * 100.0, 2)


def flows_sheet(flows: pd.DataFrame, period: Any, lang: str) -> Sheet:
    """What happened in the quarter: supplied, started, completed, idle found and disposed."""
    from geo.supervision import FLOW_LABELS

    frame = pd.DataFrame(
        {
            "flow": [FLOW_LABELS[f][0 if lang == "zh" else 1] for f in flows["flow"]],
            "n_parcels": [_dash(v) for v in flows["n_parcels"]],
            "area_mu": [_dash(v) for v in flows["area_mu"]],
            "area_ha": [_dash(v / 15.0 if pd.notna(v) else v) for v in flows["area_mu"]],
        }
    )
    cols = [
        Col("flow", w("flow", lang)),
        Col("n_parcels", w("n_parcels", lang), "int"),
        Col("area_mu", w("area_mu", lang), "area"),
        Col("area_ha", w("area_ha", lang), "area"),
    ]
    zh = lang == "zh"
    title = f"{period.label} 本期变化" if zh else f"{period.label} changes"
    note = (
        f"{period.start.date()} 至 {period.end.date()}；"
        "供应日为合同签订日（无合同时为已供地状态起始日）；"
        "无处置案件表时本期处置为“—”"
        if zh
        else f"{period.start.date()} to {period.end.date()}; supply day = contract signing (else "
        "the status date of a supplied parcel); disposed is “—” without a case table"
    )
    return Sheet("flows", title, frame, cols, total=False, note=note)


_PC_AREAS = (
    ("element", "element"),
    ("current_industrial", "current_industrial"),
    ("current_storage", "current_storage"),
    ("current_mining", "current_mining"),
    ("approved", "approved"),
    ("unsupplied", "unsupplied"),
    ("supplied", "supplied"),
    ("idle", "idle"),
    ("planned_industrial", "planned_industrial"),
)
_PC_SHARES = (
    "current_industrial_share",
    "unsupplied_share",
    "idle_share",
    "planned_industrial_share",
)


def park_check_sheet(pc: pd.DataFrame, lang: str, unit: str, basis: str) -> Sheet:
    """The 园区整合核查 table in ``unit`` (``mu`` / ``ha``) on ``basis`` (planar / ellipsoid)."""
    from geo.export.report.labels import area_name

    u_zh, u_en, m2 = UNITS[unit]
    b_zh, b_en, suffix = BASES[basis]
    u = u_zh if lang == "zh" else u_en
    frame = pd.DataFrame(
        {
            "area_id": pc["area_id"].astype(str).to_numpy(),
            "name": [area_name(r, lang) for _, r in pc.iterrows()],
            "kind": [kind_text(k, lang) for k in pc.get("kind", pd.Series([None] * len(pc)))],
        }
    )
    cols = [
        Col("area_id", w("area_id", lang)),
        Col("name", w("name", lang)),
        Col("kind", w("kind", lang)),
    ]
    order = [
        "element",
        "current_industrial",
        "current_storage",
        "current_mining",
        "current_industrial_share",
        "approved",
        "unsupplied",
        "unsupplied_share",
        "supplied",
        "idle",
        "idle_share",
        "planned_industrial",
        "planned_industrial_share",
    ]
    for key in order:
        if key in _PC_SHARES:
            frame[key] = pc[key].to_numpy(dtype=float)
            cols.append(Col(key, w(key, lang), "share"))
        else:
            frame[key] = pc[f"{key}{suffix}"].to_numpy(dtype=float) / m2
            cols.append(Col(key, f"{w(key, lang)}({u})", "area"))
    frame["years_left"] = [_dash(v) for v in pc["years_left"]]
    cols.append(Col("years_left", w("years_left", lang), "number"))
    source = str(pc["current_source"].iloc[0]) if len(pc) else "parcels"
    zh = lang == "zh"
    cur = (
        (
            "现状用地来自三调地类图斑（0601 工业、0508/0604 仓储、0602 采矿）"
            if zh
            else "current use from the land survey (0601 industrial, 0508/0604 storage, "
            "0602 mining)"
        )
        if source == "survey"
        else (
            "现状用地来自地块现状用途（1001 工业、11 仓储、1002 采矿）"
            if zh
            else "current use from the parcels' current use (1001 industrial, 11 storage, 1002 "
            "mining)"
        )
    )
    how_zh = "高斯-克吕格投影" if basis == "planar" else "GRS80 椭球，按园区椭球/平面面积比"
    note = (
        f"{b_zh}面积（{how_zh}），"
        f"单位{u_zh}；{cur}；批而未供率 = 批而未供 ÷ 已批；闲置土地率 = 闲置 ÷ 已供应；"
        "工业用地率 = 工业用地 ÷ 园区面积；片区可能嵌套，不设合计"
        if zh
        else f"{b_en} areas ("
        + (
            "Gauss-Krüger projection"
            if basis == "planar"
            else "GRS80, by each park's ellipsoidal/planar ratio"
        )
        + f") in {u_en}; {cur}; share not supplied = not supplied ÷ approved; idle share = idle "
        "÷ supplied; industrial shares = industrial land ÷ park area; parks may nest: no total"
    )
    title = f"园区整合核查（{u_zh}·{b_zh}）" if zh else f"Park check ({u_en}, {b_en})"
    return Sheet(f"park_check_{unit}_{basis}", title, frame, cols, total=False, note=note)


def provenance(ctx: ExportContext, *, as_of: Any, extra: list[tuple[str, str]]) -> Sheet:
    """数据说明: workspace, data version (file hash), as-of date, units, rules cited.

    Holds no time of generation, so that two runs on the same data and day
    give the same workbook.
    """
    from geo.lifecycle import IDLE_BASIS
    from geo.supervision import BASIS

    zh = ctx.lang == "zh"
    crs = ctx.ws.crs
    epsg = crs.to_epsg()
    audit = ctx.ws.get("audit")
    version = "—"
    if audit is not None and len(audit):
        for col in ("changed_at", "at", "timestamp", "time"):
            if col in audit.columns:
                version = str(pd.to_datetime(audit[col], errors="coerce").max())[:19]
                break
    rows = [
        (
            "工作空间" if zh else "workspace",
            f"{ctx.workspace_name('zh')} / {ctx.workspace_name('en')}",
        ),
        ("文件" if zh else "file", ctx.ws.path.name),
        (
            "数据版本（文件 SHA-256）" if zh else "data version (file SHA-256)",
            sha256_file(ctx.ws.path),
        ),
        ("最后编辑" if zh else "last edit", version),
        ("统计截止日期" if zh else "as of", str(pd.Timestamp(as_of).date())),
        ("腾笼版本" if zh else "Tenglong version", geo.__version__),
        ("坐标系" if zh else "CRS", f"EPSG:{epsg} {crs.name}" if epsg else crs.name),
        (
            "面积" if zh else "areas",
            "平面面积在上述高斯-克吕格投影中计算；椭球面积为 GRS80（pyproj Geod）"
            if zh
            else "planar in the Gauss-Krüger projection above; ellipsoidal on GRS80 (pyproj Geod)",
        ),
        (
            "单位" if zh else "units",
            f"1 亩 = 10000/15 m² ≈ {M2_PER_MU:.2f} m²；1 公顷 = 15 亩"
            if zh
            else f"1 mu = 10000/15 m² ≈ {M2_PER_MU:.2f} m²; 1 ha = 15 mu",
        ),
        ("台账口径依据" if zh else "ledger basis", BASIS),
        ("闲置土地依据" if zh else "idle-land basis", IDLE_BASIS),
        *extra,
    ]
    if ctx.ws.schematic:
        rows.append(("示意" if zh else "schematic", "示意 / schematic：演示数据，几何为示意"))
    frame = pd.DataFrame(rows, columns=["key", "content"])
    cols = [Col("key", w("key", ctx.lang)), Col("content", w("content", ctx.lang))]
    title = "数据说明" if zh else "Provenance"
    return Sheet("provenance", title, frame, cols, total=False)


def ledger_sheets(fig: Any, lang: str, *, prefix: str = "") -> list[Sheet]:
    """The four ledger tables: 合计, by park, by district, by year."""
    zh = lang == "zh"
    names = (
        ("台账合计", "按园区", "按区县", "按年度")
        if zh
        else (
            ("ledgers", "by park", "by district", "by year")
            if prefix
            else ("Ledgers", "By park", "By district", "By year")
        )
    )
    return [
        ledger_sheet(fig, lang, by, key=f"ledger_{by or 'total'}", title=prefix + name)
        for by, name in zip((None, "park", "district", "year"), names, strict=True)
    ]


def ledgers_reconcile(fig: Any) -> float:
    """The largest difference in 亩 between the ledger tables' totals (0 when they reconcile)."""
    totals = [float(df["area_mu"].sum()) for df in (fig.totals, fig.by_park, fig.by_district)]
    totals.append(float(fig.by_year["area_mu"].sum()))
    totals.append(float(m2_to_mu(fig.ledger["area_m2"].sum())))
    return float(np.ptp(totals))


__all__ = [
    "flows_sheet",
    "idle_sheet",
    "ledger_sheet",
    "ledger_sheets",
    "ledgers_reconcile",
    "park_check_sheet",
    "provenance",
    "supply_sheet",
]
