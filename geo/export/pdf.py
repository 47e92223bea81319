"""PDF: a one-page bilingual site sheet, and a multi-page land-release report.

Both are drawn by reportlab with a TrueType CJK font embedded
(:mod:`geo.export._fonts`) and maps drawn by matplotlib from the data alone
(:mod:`geo.export._maps`): no tiles, no network.

Site sheet (``site`` set: ``--site PARCEL_ID``, ``--site S:ID1,ID2…`` for an
assembled 连片 site, or ``--site AREA_ID`` for a park)
    A4 portrait, one page, Chinese and English side by side, showing only
    what an investor may see; drawn by :mod:`geo.export.site_sheet` (whose
    names this module re-exports).

Land-release report (otherwise)
    A4 portrait, several pages: headline figures (freed land against the
    published figure ``meta.published_freed_mu``), a map of freed land by
    status, the summary tables by area, status, year and industry (the same
    figures as the xlsx and ``tenglong summary``), a map of the planning
    areas, the soil-gate list, 亩均 classes (planner and investment officer)
    and the provenance.

Every page has a title or running header, the date, "示意 / schematic" for
demo data, and "第 n 页 / 共 N 页 · Page n of N".
"""

from __future__ import annotations

import io
import logging
from typing import Any

import pandas as pd

from geo.crs import m2_to_ha, m2_to_mu
from geo.export._context import ExportContext, ExportError
from geo.export._fonts import cjk_font
from geo.export._pdfkit import (
    LIGHT,
    NAVY,
    Furniture,
    card,
    esc,
    image,
    new_doc,
    numbered_canvas,
    sheet_table,
    styles,
    title_block,
    tstyle,
)
from geo.export.report import (
    Col,
    Sheet,
    benefit_sheets,
    by_area_sheet,
    by_dim_sheet,
    headline,
    provenance_rows,
    release_by,
    soil_sheet,
)
from geo.export.site_sheet import SiteFacts, build_site_sheet, site_facts

logger = logging.getLogger(__name__)

SOIL_ROWS_MAX = 40
"""Soil-gate rows printed in the report (the xlsx has them all)."""


# ---------------------------------------------------------------------------
# Land-release report
# ---------------------------------------------------------------------------


def build_report(ctx: ExportContext) -> bytes:
    """The multi-page land-release report of the scope (see the module docstring)."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, PageBreak, Paragraph, Spacer, Table

    from geo.export import _maps

    cjk_font()
    st = styles()
    lang = ctx.lang
    title = ("土地腾退情况报告", "Land Release Report")
    status_df = release_by(ctx, "status")
    h = headline(ctx, by_status=status_df)
    story: list[Any] = [title_block(ctx, title[0], title[1], st), Spacer(1, 3 * mm)]
    scope = f"范围 Scope：{ctx.scope_label('zh')} · {ctx.scope_label('en')}"
    story.append(Paragraph(esc(scope), st["small"]))
    if ctx.restricted:
        story.append(
            Paragraph(
                "面向投资者与公众：仅含可供应地块（已腾退、已收储）· For investors and the "
                "public: available sites only (released, stored)",
                st["small"],
            )
        )
    story.append(Spacer(1, 4 * mm))

    freed_mu = m2_to_mu(h.freed_m2)
    if h.published_freed_mu is not None:
        diff = round(freed_mu - h.published_freed_mu, 1) + 0.0
        pub = (
            f"{h.published_freed_mu:,.0f} <font size=9>亩 mu</font>",
            f"差额 difference {diff:+,.1f} 亩 ({diff / h.published_freed_mu:+.2%})",
        )
    else:
        pub = ("—", "无公开数据 no published figure")
    cards = [
        card(
            "腾退土地",
            "freed land",
            f"{freed_mu:,.1f} <font size=9>亩 mu</font>",
            f"{m2_to_ha(h.freed_m2):,.1f} 公顷 ha",
            st,
        ),
        card("公开数据", "published figure", pub[0], pub[1], st),
        card("腾退地块", "freed parcels", f"{h.freed_parcels:,} <font size=9>宗</font>", "", st),
        card(
            "可供应土地",
            "available land",
            f"{m2_to_mu(h.available_m2):,.1f} <font size=9>亩 mu</font>",
            f"{h.available_parcels:,} 宗 parcels · 已腾退、已收储",
            st,
        ),
    ]
    grid = Table([cards], colWidths=[43.5 * mm] * 4)
    grid.setStyle(
        tstyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(LIGHT)),
                ("LINEAFTER", (0, 0), (-2, -1), 3, colors.white),
                ("LINEABOVE", (0, 0), (-1, 0), 2, colors.HexColor(NAVY)),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story += [grid, Spacer(1, 2 * mm)]
    from geo.export.report import t as word

    story.append(
        Paragraph(
            esc(word("freed_statuses", "zh") + " · " + word("freed_statuses", "en")),
            st["small"],
        )
    )
    story.append(Spacer(1, 4 * mm))
    roads = ctx.ws.get("roads")
    bounds = ctx.ws.get("boundaries")
    freed = ctx.scope_parcels[
        ctx.scope_parcels["status"].isin(["released", "stored", "supplied", "in_production"])
    ]
    overview = _maps.overview_map_png(
        parcels=freed,  # type: ignore[arg-type]
        areas=ctx.scope_areas,
        roads=roads,
        boundaries=bounds if ctx.area_id is None and ctx.site_id is None else None,
        schematic=ctx.ws.schematic,
        lang=lang,
        width_mm=174,
        height_mm=160,
    )
    story.append(image(overview, width_mm=174, height_mm=160))
    story.append(
        Paragraph("图 1　腾退土地分布（按状态）　Figure 1 Freed land by status", st["caption"])
    )
    story.append(PageBreak())

    n = 0

    def section(zh: str, en: str, *, keep_mm: float = 40) -> None:
        nonlocal n
        n += 1
        nums = "一二三四五六七八九十"
        story.append(CondPageBreak(keep_mm * mm))
        story.append(Paragraph(esc(f"{nums[n - 1]}、{zh}　{en}"), st["h2"]))

    section("按规划片区", "By planning area")
    sheet = by_area_sheet(ctx)
    story.append(
        sheet_table(sheet, st, lang=lang, widths=(0.06, 0.1, 0.3, 0.1, 0.08, 0.12, 0.1, 0.14))
    )
    story.append(Paragraph(esc(sheet.note or ""), st["small"]))
    for dim, zh, en in (
        ("status", "按状态", "By status"),
        ("year", "按腾退年度", "By year released"),
        ("industry", "按原行业", "By former industry"),
    ):
        section(zh, en)
        s = by_dim_sheet(ctx, dim)
        widths = (0.34, 0.1, 0.14, 0.12, 0.18, 0.12)
        story.append(sheet_table(s, st, lang=lang, widths=widths))

    if len(ctx.scope_areas):
        section("规划片区与腾退土地", "Planning areas and freed land", keep_mm=135)
        areas_png = _maps.overview_map_png(
            parcels=freed,  # type: ignore[arg-type]
            areas=ctx.summary_areas,
            roads=roads,
            boundaries=None,
            schematic=ctx.ws.schematic,
            lang=lang,
            width_mm=174,
            height_mm=120,
            focus="areas",
        )
        story.append(image(areas_png, width_mm=174, height_mm=120))
        story.append(
            Paragraph(
                "图 2　规划片区与腾退土地　Figure 2 Planning areas and freed land", st["caption"]
            )
        )

    section("土壤门槛", "Soil gate")
    soil = soil_sheet(ctx)
    if soil.key == "soil" and len(soil.frame) and "parcel_id" in soil.frame.columns:
        keep = [
            c
            for c in soil.columns
            if c.key in ("parcel_id", "flag", "land_use_planned", "area_mu", "severity")
        ]
        s2 = Sheet("soil", soil.title, soil.frame, keep)
        more = len(soil.frame) - SOIL_ROWS_MAX
        note = (
            f"另有 {more} 宗未列出，全部见 xlsx 导出 · {more} more in the xlsx export"
            if more > 0
            else None
        )
        story.append(
            sheet_table(
                s2, st, lang=lang, widths=(0.13, 0.22, 0.25, 0.26, 0.14), max_rows=SOIL_ROWS_MAX
            )
        )
        if note:
            story.append(Paragraph(esc(note), st["small"]))
        story.append(Paragraph(esc(soil.note or ""), st["small"]))
    else:
        story.append(
            Paragraph(
                "范围内没有须开展土壤调查的地块 · no parcel in scope needs a soil investigation",
                st["base"],
            )
        )

    if not ctx.restricted:
        sheets = benefit_sheets(ctx)
        classes = sheets[0]
        section("亩均效益分类", "Per-mu benefit classes")
        if "class" in classes.frame.columns:
            story.append(
                sheet_table(classes, st, lang=lang, widths=(0.3, 0.1, 0.14, 0.16, 0.18, 0.12))
            )
            story.append(Paragraph(esc(classes.note or ""), st["small"]))
        else:
            story.append(Paragraph(esc(classes.note or ""), st["base"]))

    section("数据说明", "Provenance")
    prov = pd.DataFrame(provenance_rows(ctx), columns=["key", "value"])
    story.append(
        sheet_table(
            Sheet(
                "provenance",
                "",
                prov,
                [Col("key", "项目 item"), Col("value", "内容 value")],
                total=False,
            ),
            st,
            lang=lang,
            widths=(0.3, 0.7),
        )
    )
    buf = io.BytesIO()
    doc = new_doc(
        buf, title=f"{ctx.workspace_name('zh')} {title[0]}", subject=ctx.scope_label("en")
    )
    doc.build(story, canvasmaker=numbered_canvas(Furniture(ctx, title[0], title[1])))
    return buf.getvalue()


def require_pdf_libraries() -> None:
    """Raise :class:`ExportError` with install advice when reportlab or matplotlib is missing."""
    import importlib.util

    missing = [m for m in ("reportlab", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        raise ExportError(
            f"PDF export needs {' and '.join(missing)}: pip install 'reportlab[accel]' "
            "matplotlib paperang-p2-fonts-cjk (or `make run`, which installs Tenglong's "
            "dependencies)"
        )


def build_pdf(ctx: ExportContext) -> bytes:
    """A site sheet when a site (parcel or park) is given, else the land-release report."""
    require_pdf_libraries()
    if ctx.site_id is not None or ctx.site_area:
        return build_site_sheet(ctx)
    return build_report(ctx)


__all__ = [
    "SOIL_ROWS_MAX",
    "SiteFacts",
    "build_pdf",
    "build_report",
    "build_site_sheet",
    "require_pdf_libraries",
    "site_facts",
]
