"""Headline figures, the overview sheet, provenance, and the whole report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

import geo
from geo.crs import M2_PER_MU, m2_to_ha, m2_to_mu
from geo.export._context import ExportContext, sha256_file
from geo.export.report.findings import benefit_history_sheets, benefit_sheets, soil_sheet
from geo.export.report.labels import header, t
from geo.export.report.release import by_area_sheet, by_dim_sheet, parcel_sheet, release_by
from geo.export.report.sheet import Col, Sheet
from geo.schema import (
    FREED_STATUSES,
)

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
    if wanted("benefit_history") or wanted("benefit_surcharges"):
        sheets += [s for s in benefit_history_sheets(ctx) if wanted(s.key)]
    if wanted("current_use"):
        from geo.export.report.current_use import current_use_sheet

        current = current_use_sheet(ctx)
        if current is not None:
            sheets.append(current)
    if wanted("soil"):
        sheets.append(soil_sheet(ctx))
    if wanted("contracts") or wanted("idle_land") or wanted("standard_land"):
        from geo.export.report.supply import contracts_sheet, idle_sheet, standard_land_sheet

        for key, build in (
            ("contracts", contracts_sheet),
            ("idle_land", idle_sheet),
            ("standard_land", standard_land_sheet),
        ):
            sheet = build(ctx) if wanted(key) else None
            if sheet is not None:
                sheets.append(sheet)
    if wanted("provenance"):
        sheets.append(provenance_sheet(ctx))
    return sheets
