"""Supervision reports as files: the quarterly county report and the 园区整合核查 (park check).

``quarterly`` (``period`` ``2024Q4``; default the last full quarter)
    The quarter's changes (supplied, started, completed, idle found and
    disposed of), then the stock at the quarter's end: the 批供用 ledgers in
    total and by park, district and year (their totals reconcile: every 亩 of
    freed land in exactly one ledger row), 闲置土地, 尚可供应年限, and the
    provenance (workspace, data version, as-of date, rules cited). xlsx: one
    sheet per table; PDF: the same tables and a map.
``park-check``
    Per park (or per element of ``layout``): 园区面积, 现状工业/仓储/采矿用地 and
    现状工业用地率, 批而未供面积 and 率, 已供应, 闲置土地面积 and 率, 规划工业用地率,
    尚可供应年限 — in 亩 and 公顷, planar (GK) and ellipsoidal (GRS80) — with the
    ledgers by park and the years of supply.

These reports are internal (contract dates, idle land): planners only
(:data:`REPORT_ROLES`). The xlsx is reproducible: its cells, properties and
zip entries depend on the data and the as-of day only, so two runs on the
same data and day give the same bytes.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

import geo
from geo.export._context import (
    ExportContext,
    ExportError,
    check_out_path,
    prepare,
    write_atomic,
)
from geo.export.report.sheet import Sheet

logger = logging.getLogger(__name__)

REPORT_KINDS: tuple[str, ...] = ("park-check", "quarterly")
REPORT_FORMATS: tuple[str, ...] = ("xlsx", "pdf")
REPORT_ROLES: tuple[str, ...] = ("planner",)
"""Who may make a supervision report (they hold internal supply and idle-land data)."""

TITLES: dict[str, tuple[str, str]] = {
    "park-check": ("园区整合核查表", "Park consolidation check"),
    "quarterly": ("批供用季度报告", "Quarterly land supply report"),
}


def _sheets(ctx: ExportContext, kind: str, period: Any, as_of: pd.Timestamp) -> list[Sheet]:
    from geo.export.report import supervision as rs
    from geo.supervision import park_check, quarter_flows, supervision_figures

    lang = ctx.lang
    zh = lang == "zh"
    fig = supervision_figures(ctx.ws, as_of=as_of, layout=ctx.layout, lang=lang)
    extra = [
        (
            "园区" if zh else "parks",
            ctx.layout or ("园、基地、厂区" if zh else "parks, bases, sites"),
        ),
        (
            "合同与案件" if zh else "contracts and cases",
            ("有供地合同表" if fig.has_contracts else "无供地合同表")
            + ("，有闲置处置案件表" if fig.has_cases else "，无闲置处置案件表")
            if zh
            else ("contracts table" if fig.has_contracts else "no contracts table")
            + (", idle-case table" if fig.has_cases else ", no idle-case table"),
        ),
    ]
    gap = rs.ledgers_reconcile(fig)
    extra.append(
        (
            "各表合计核对" if zh else "tables reconcile",
            f"最大差额 {gap:.4f} 亩" if zh else f"largest difference {gap:.4f} mu",
        )
    )
    if kind == "quarterly":
        flows = quarter_flows(ctx.ws, period)
        extra.insert(0, ("报告期" if zh else "period", period.label))
        prefix = "期末" if zh else "Closing "
        return [
            rs.flows_sheet(flows, period, lang),
            *rs.ledger_sheets(fig, lang, prefix=prefix),
            rs.idle_sheet(fig, lang),
            rs.supply_sheet(fig, lang),
            rs.provenance(ctx, as_of=as_of, extra=extra),
        ]
    survey = ctx.ws.get("landuse_survey")
    pc = park_check(
        ctx.ws.parcels,
        fig.elements,
        as_of=as_of,
        survey=survey if survey is not None and len(survey) else None,
        contracts=ctx.ws.get("contracts"),
    )
    sheets = [
        rs.park_check_sheet(pc, lang, unit, basis)
        for basis in ("planar", "ellipsoid")
        for unit in ("mu", "ha")
    ]
    park_ledger = rs.ledger_sheet(
        fig,
        lang,
        "park",
        key="ledger_park",
        title="批供用台账（按园区）" if zh else "Ledgers by park",
    )
    return [
        *sheets,
        park_ledger,
        rs.supply_sheet(fig, lang),
        rs.provenance(ctx, as_of=as_of, extra=extra),
    ]


def _reproducible(data: bytes, stamp: datetime) -> bytes:
    """The workbook with its modification time and zip entry times set to ``stamp``."""
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + when.encode() + rb"\g<2>",
                    body,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, body)
    return out.getvalue()


def build_xlsx(ctx: ExportContext, kind: str, sheets: list[Sheet], as_of: pd.Timestamp) -> bytes:
    """One workbook, one sheet per table (the land-release workbook's styles and print set-up)."""
    from openpyxl import Workbook

    from geo.export.tabular import _write_sheet

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for sheet in sheets:
        _write_sheet(wb, sheet, ctx, used)
    title = TITLES[kind][0 if ctx.lang == "zh" else 1]
    props = wb.properties
    props.title = f"{ctx.workspace_name()} {title}"
    props.creator = f"Tenglong {geo.__version__}"
    stamp = datetime(as_of.year, as_of.month, as_of.day)
    props.created = stamp
    props.keywords = "示意 schematic" if ctx.ws.schematic else ""
    bio = io.BytesIO()
    wb.save(bio)
    return _reproducible(bio.getvalue(), stamp)


def build_pdf(ctx: ExportContext, kind: str, sheets: list[Sheet], as_of: pd.Timestamp) -> bytes:
    """The same tables on A4 pages, with a map of the ledger land and the parks."""
    from reportlab.lib.units import mm
    from reportlab.platypus import CondPageBreak, Paragraph, Spacer

    from geo.export import _maps
    from geo.export._fonts import cjk_font
    from geo.export._pdfkit import (
        Furniture,
        esc,
        image,
        new_doc,
        numbered_canvas,
        sheet_table,
        styles,
        title_block,
    )
    from geo.export.pdf import require_pdf_libraries

    require_pdf_libraries()
    cjk_font()
    st = styles()
    zh_title, en_title = TITLES[kind]
    story: list[Any] = [title_block(ctx, zh_title, en_title, st), Spacer(1, 3 * mm)]
    story.append(
        Paragraph(
            esc(f"统计截止日期 As of {as_of.date()} · {ctx.workspace_name('zh')}"), st["small"]
        )
    )
    story.append(Spacer(1, 3 * mm))
    from geo.supervision.ledgers import LEDGER_STATUSES

    parcels = ctx.ws.parcels
    land = parcels[parcels["status"].isin(list(LEDGER_STATUSES))]
    from geo.supervision import park_elements

    png = _maps.overview_map_png(
        parcels=land,  # type: ignore[arg-type]
        areas=park_elements(ctx.ws.areas, ctx.layout, ctx.ws.get("roads")),
        roads=ctx.ws.get("roads"),
        boundaries=ctx.ws.get("boundaries"),
        schematic=ctx.ws.schematic,
        lang=ctx.lang,
        width_mm=174,
        height_mm=110,
    )
    story.append(image(png, width_mm=174, height_mm=110))
    story.append(Paragraph("图 1　批供用土地与园区　Figure 1 Ledger land and parks", st["caption"]))
    for n, sheet in enumerate(sheets, start=1):
        if kind == "park-check" and sheet.key.startswith("park_check") and n > 1:
            continue  # the PDF prints the 亩 planar table; the xlsx has all four
        story.append(CondPageBreak(40 * mm))
        story.append(Paragraph(esc(sheet.title), st["h2"]))
        wide = len(sheet.columns) > 9
        if wide:
            story += _split_tables(sheet, st, ctx.lang)
        else:
            story.append(sheet_table(sheet, st, lang=ctx.lang))
        if sheet.note:
            story.append(Paragraph(esc(sheet.note), st["small"]))
        if kind == "park-check" and n == 1:
            story.append(Spacer(1, 3 * mm))
            story.append(sheet_table(_bases_sheet(sheets[:4], ctx.lang), st, lang=ctx.lang))
        story.append(Spacer(1, 3 * mm))
    buf = io.BytesIO()
    doc = new_doc(buf, title=f"{ctx.workspace_name('zh')} {zh_title}", subject=en_title)
    doc.build(story, canvasmaker=numbered_canvas(Furniture(ctx, zh_title, en_title)))
    return buf.getvalue()


def _bases_sheet(park_checks: list[Sheet], lang: str) -> Sheet:
    """园区面积 in 亩 and 公顷, planar and ellipsoidal: the four park-check sheets side by side."""
    from geo.export.report.sheet import Col

    first = park_checks[0]
    frame = pd.DataFrame({"name": first.frame["name"].to_numpy()})
    cols = [Col("name", next(c.header for c in first.columns if c.key == "name"))]
    for n, sheet in enumerate(park_checks):
        key = f"element_{n}"
        frame[key] = sheet.frame["element"].to_numpy()
        unit = sheet.title[sheet.title.find("（") + 1 : -1] if lang == "zh" else sheet.title[12:-1]
        head = ("园区面积 " if lang == "zh" else "park area, ") + unit
        cols.append(Col(key, head, "area"))
    title = "园区面积" if lang == "zh" else "Park areas"
    return Sheet("park_areas", title, frame, cols, total=False)


def _split_tables(sheet: Sheet, st: dict[str, Any], lang: str) -> list[Any]:
    """A wide sheet as two printable tables (land use, then supply), the name in each."""
    from geo.export._pdfkit import sheet_table

    head = [c for c in sheet.columns if c.key in ("name",)]
    rest = [c for c in sheet.columns if c.key not in ("area_id", "name", "kind")]
    half = (len(rest) + 1) // 2
    out = []
    for part in (rest[:half], rest[half:]):
        sub = Sheet(sheet.key, sheet.title, sheet.frame, head + part, total=False)
        weights = [2.6] + [1.0] * len(part)
        widths = tuple(x / sum(weights) for x in weights)
        out.append(sheet_table(sub, st, lang=lang, widths=widths))
    return out


def report_bytes(
    workspace: Any,
    *,
    kind: str,
    fmt: str = "xlsx",
    period: str | None = None,
    as_of: Any = None,
    layout: str | None = None,
    lang: str = "zh",
    role: str = "planner",
) -> tuple[bytes, str, str]:
    """A supervision report as ``(bytes, file name, MIME type)``.

    ``as_of`` is the day of a park check (today by default); a quarterly
    report is as of its quarter's last day.

    Raises
    ------
    ExportError
        Unknown kind, format or role; a role that may not receive it; a
        ``period`` that is not ``YYYYQn`` (the message says the form).
    """
    from geo.lifecycle import as_of_date
    from geo.supervision import SupervisionInputError, parse_period

    if kind not in REPORT_KINDS:
        raise ExportError(f"unknown report kind {kind!r}; choose {' or '.join(REPORT_KINDS)}")
    if fmt not in REPORT_FORMATS:
        raise ExportError(f"unknown report format {fmt!r}; choose {' or '.join(REPORT_FORMATS)}")
    if role not in REPORT_ROLES:
        raise ExportError(
            f"a {kind} report holds internal supply and idle-land figures: planners only, "
            f"not role {role!r}"
        )
    if kind == "park-check" and period is not None:
        raise ExportError("--period is for the quarterly report; a park check takes --as-of")
    try:
        per = parse_period(period) if kind == "quarterly" else None
        day = per.end if per is not None else as_of_date(as_of)
    except SupervisionInputError as err:
        raise ExportError(str(err)) from None
    ctx = prepare(workspace, role=role, lang=lang, layout=layout)
    sheets = _sheets(ctx, kind, per, day)
    build = build_xlsx if fmt == "xlsx" else build_pdf
    data = build(ctx, kind, sheets, day)
    stamp = per.label if per is not None else day.strftime("%Y%m%d")
    name = f"{ctx.stem}-{kind}-{stamp}.{fmt}"
    mime = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx"
        else "application/pdf"
    )
    logger.info("%s report %s: %d sheets, %d bytes", kind, name, len(sheets), len(data))
    return data, name, mime


def report_file(workspace: Any, out: str | Path, **kw: Any) -> Path:
    """Write a supervision report to ``out`` atomically (see :func:`report_bytes`)."""
    check_out_path(out)  # before the work: a missing folder is said at once
    data, _, _ = report_bytes(workspace, **kw)
    return write_atomic(out, data)


__all__ = [
    "REPORT_FORMATS",
    "REPORT_KINDS",
    "REPORT_ROLES",
    "build_pdf",
    "build_xlsx",
    "report_bytes",
    "report_file",
]
