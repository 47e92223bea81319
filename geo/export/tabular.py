"""Spreadsheet formats: the land-release summary as xlsx, one table as csv.

xlsx
    One workbook with sheets 概览 (headline figures), 按片区 (by area, a
    subtotal per nesting level that equals ``tenglong summary``), 按状态, 按年度,
    按行业, 地块清单 (parcel list), 亩均分类 (and 亩均企业 for planners), 土壤门槛
    (soil gate) and 数据说明 (provenance: file hash, time, version, CRS,
    units, presets, tables). Headers carry their units (``面积(亩)``), numbers
    are stored as numbers with formats (``#,##0.00``), the header row is frozen
    and filtered, and every sheet prints on A4 landscape with page numbers.

csv
    One table (``table``: ``area`` — the default —, ``status``, ``year``,
    ``industry``, ``parcels`` or ``soil``) in UTF-8 with a byte-order mark,
    so that Excel opens Chinese text correctly; no subtotal rows.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

import geo
from geo.cells import csv_safe, xlsx_append
from geo.export._context import ExportContext, ExportError
from geo.export.report import Col, Sheet, report_sheets, t

logger = logging.getLogger(__name__)

CSV_TABLES: dict[str, str] = {
    "area": "by_area",
    "status": "by_status",
    "year": "by_year",
    "industry": "by_industry",
    "parcels": "parcels",
    "soil": "soil",
    "current_use": "current_use",
    "contracts": "contracts",
    "idle": "idle_land",
}
"""``--table`` choices of the csv export → report sheet."""

NUMBER_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "area": "#,##0.00",
    "m2": "#,##0.00",
    "number": "#,##0.00",
    "share": "0.0%",
    "date": "yyyy-mm-dd",
    "year": "0",
}

_HEADER_FILL = "DCE6F1"
_TOTAL_FILL = "F2F2F2"


def _plain(value: Any) -> Any:
    """A cell value openpyxl and csv understand: Python numbers, dates, str or None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _width(value: Any) -> int:
    text = (
        value
        if isinstance(value, str)
        else f"{value:,.2f}"
        if isinstance(value, float)
        else str(value)
    )
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Sheet"
    name, n = clean, 2
    while name in used:
        name = f"{clean[:28]}_{n}"
        n += 1
    used.add(name)
    return name


def _write_sheet(wb: Any, sheet: Sheet, ctx: ExportContext, used: set[str]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(_sheet_title(sheet.title, used))
    cols = sheet.columns
    thin = Side(style="thin", color="808080")
    bold = Font(bold=True)
    xlsx_append(ws, [c.header for c in cols])
    for cell in ws[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=thin)
    widths = [_width(c.header) for c in cols]

    def add(values: list[Any], *, total: bool = False) -> None:
        r = xlsx_append(ws, [_plain(v) for v in values])
        for j, col in enumerate(cols, start=1):
            cell = ws.cell(row=r, column=j)
            fmt = NUMBER_FORMATS.get(col.kind)
            if fmt and cell.value is not None and not isinstance(cell.value, str):
                cell.number_format = fmt
            if total:
                cell.font = bold
                cell.fill = PatternFill("solid", fgColor=_TOTAL_FILL)
                cell.border = Border(top=thin)
            if cell.value is not None:
                widths[j - 1] = max(widths[j - 1], _width(cell.value))

    first_data = 2
    for group, block in sheet.blocks():
        for row in block[[c.key for c in cols]].itertuples(index=False):
            add(list(row))
        if sheet.subtotal_by is not None and group is not None:
            sums = sheet.total_row(block)
            lab = t("level_total", ctx.lang, level=group)
            add([lab if j == 0 else sums.get(c.key) for j, c in enumerate(cols)], total=True)
    last_data = ws.max_row
    if sheet.total and sheet.subtotal_by is None and len(sheet.frame):
        sums = sheet.total_row()
        if sums:
            lab = t("total", ctx.lang)
            add([lab if j == 0 else sums.get(c.key) for j, c in enumerate(cols)], total=True)
    if sheet.note and sheet.key not in ("overview", "provenance") and len(sheet.frame):
        ws.append([])
        xlsx_append(ws, [sheet.note])
        ws.cell(row=ws.max_row, column=1).font = Font(italic=True, color="595959")
    ws.freeze_panes = "A2"
    if last_data >= first_data:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{last_data}"
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 8), 60)
    # printing: A4 landscape, fit to width, header row on every page, page numbers
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    ws.oddHeader.left.text = f"{ctx.workspace_name()} — {sheet.title}"
    if ctx.ws.schematic:
        ws.oddHeader.right.text = "示意 / schematic"
    ws.oddFooter.left.text = ctx.generated_at.strftime("%Y-%m-%d")
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页" if ctx.lang == "zh" else "Page &P of &N"


def build_xlsx(ctx: ExportContext) -> bytes:
    """The land-release summary workbook (see the module docstring)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for sheet in report_sheets(ctx):
        _write_sheet(wb, sheet, ctx, used)
    props = wb.properties
    props.title = f"{ctx.workspace_name()} {t('release_title', ctx.lang)}"
    props.subject = ctx.scope_label()
    props.creator = f"Tenglong {geo.__version__}"
    props.created = ctx.generated_at.astimezone(UTC).replace(tzinfo=None)
    props.keywords = "示意 schematic" if ctx.ws.schematic else ""
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def _csv_value(value: Any, col: Col) -> Any:
    v = _plain(value)
    if v is None:
        return ""
    if isinstance(v, datetime | date):
        return v.isoformat()[:10]
    return csv_safe(v)


def csv_sheet(ctx: ExportContext) -> Sheet:
    """The report sheet a csv export writes (``ctx.table``, default ``area``).

    Raises
    ------
    ExportError
        An unknown table (the message lists the choices).
    """
    name = ctx.table or "area"
    key = CSV_TABLES.get(name)
    if key is None:
        raise ExportError(
            f"unknown csv table {name!r}; choose one of {', '.join(CSV_TABLES)} (--table)"
        )
    sheets = report_sheets(ctx, only=[key])
    if not sheets and key in ("contracts", "idle_land"):
        raise ExportError(
            f"the csv table {name!r} holds supply contracts or idle-land cases, which this "
            f"workspace does not have or the role {ctx.role} may not receive"
        )
    if not sheets:  # current_use without a land survey
        raise ExportError(
            f"the csv table {name!r} needs the land survey (landuse_survey), which this "
            f"workspace (or role) does not have; import a 三调 DLTB layer first"
        )
    return sheets[0]


def build_csv(ctx: ExportContext) -> bytes:
    """One table as CSV: UTF-8 with BOM, CRLF line ends, headers with units."""
    sheet = csv_sheet(ctx)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_safe(c.header) for c in sheet.columns])
    for row in sheet.frame[[c.key for c in sheet.columns]].itertuples(index=False):
        w.writerow([_csv_value(v, c) for v, c in zip(row, sheet.columns, strict=True)])
    return buf.getvalue().encode("utf-8-sig")
