"""Page furniture, styles and tables for the PDF exports (reportlab).

Every page and table uses the CJK font of :mod:`geo.export._fonts`
(reportlab's default Helvetica is never used, so every font is embedded).
The page-numbering canvas draws "第 n 页 / 共 N 页 · Page n of N" once the
page count is known.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

import geo
from geo.export._context import ExportContext
from geo.export._fonts import PDF_FONT_NAME
from geo.export.report import Sheet

logger = logging.getLogger(__name__)

NAVY = "#1f3b63"
GREY = "#6b6b6b"
LIGHT = "#eef2f7"
RULE = "#9aa8bb"
ALERT = "#b03a2e"

# ---------------------------------------------------------------------------
# Styles and page furniture
# ---------------------------------------------------------------------------


def styles() -> dict[str, Any]:
    """Paragraph styles by name (``title``, ``h1``–``h3``, ``cell``…), all in the CJK font."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    f = PDF_FONT_NAME
    base = ParagraphStyle("base", fontName=f, fontSize=9, leading=12.5, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", base, fontSize=21, leading=26, textColor=colors.HexColor(NAVY)
        ),
        "subtitle": ParagraphStyle(
            "subtitle", base, fontSize=11, leading=14, textColor=colors.HexColor(GREY)
        ),
        "h1": ParagraphStyle(
            "h1", base, fontSize=14, leading=18, textColor=colors.HexColor(NAVY), spaceAfter=2
        ),
        "h2": ParagraphStyle(
            "h2",
            base,
            fontSize=11.5,
            leading=15,
            textColor=colors.HexColor(NAVY),
            spaceBefore=10,
            spaceAfter=4,
        ),
        "h3": ParagraphStyle(
            "h3",
            base,
            fontSize=11,
            leading=14,
            textColor=colors.HexColor(NAVY),
            spaceBefore=5,
            spaceAfter=3,
        ),
        "small": ParagraphStyle(
            "small", base, fontSize=7.5, leading=9.5, textColor=colors.HexColor(GREY)
        ),
        "label": ParagraphStyle("label", base, fontSize=8.5, leading=10.5),
        "label_en": ParagraphStyle(
            "label_en", base, fontSize=6.8, leading=8.2, textColor=colors.HexColor(GREY)
        ),
        "value": ParagraphStyle("value", base, fontSize=9, leading=11.5),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10),
        "cell_r": ParagraphStyle("cell_r", base, fontSize=8, leading=10, alignment=TA_RIGHT),
        "head": ParagraphStyle(
            "head", base, fontSize=8, leading=10, textColor=colors.white, alignment=TA_CENTER
        ),
        "right": ParagraphStyle("right", base, alignment=TA_RIGHT),
        "big": ParagraphStyle(
            "big", base, fontSize=20, leading=24, textColor=colors.HexColor(NAVY)
        ),
        "card_big": ParagraphStyle(
            "card_big",
            base,
            fontSize=16,
            leading=19,
            textColor=colors.HexColor(NAVY),
            alignment=TA_LEFT,
        ),
        "caption": ParagraphStyle(
            "caption",
            base,
            fontSize=7.5,
            leading=9.5,
            textColor=colors.HexColor(GREY),
            alignment=TA_CENTER,
        ),
        "alert": ParagraphStyle(
            "alert", base, fontSize=7.5, leading=9.5, textColor=colors.HexColor(ALERT)
        ),
    }


def esc(text: Any) -> str:
    """Text safe inside a reportlab Paragraph (which parses a little XML)."""
    from xml.sax.saxutils import escape

    return escape("" if text is None else str(text))


def numbered_canvas(decorate: Any) -> type:
    """A canvas class that knows the page count when it draws each page's furniture."""
    from reportlab.pdfgen import canvas

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                decorate(self, self._pageNumber, total)
                super().showPage()
            super().save()

    return NumberedCanvas


@dataclass
class Furniture:
    """Running header and footer of every page."""

    ctx: ExportContext
    title_zh: str
    title_en: str
    header_from_page: int = 2

    def __call__(self, c: Any, page: int, total: int) -> None:
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm

        w, h = A4
        ws = self.ctx.ws
        c.saveState()
        c.setStrokeColor(colors.HexColor(RULE))
        c.setLineWidth(0.5)
        if page >= self.header_from_page:
            c.setFont(PDF_FONT_NAME, 7.5)
            c.setFillColor(colors.HexColor(GREY))
            c.drawString(
                18 * mm,
                h - 11 * mm,
                f"{self.ctx.workspace_name('zh')} · {self.title_zh} / {self.title_en}",
            )
            if ws.schematic:
                c.setFillColor(colors.HexColor(ALERT))
                c.drawRightString(w - 18 * mm, h - 11 * mm, "示意 / schematic")
            c.line(18 * mm, h - 12.5 * mm, w - 18 * mm, h - 12.5 * mm)
        c.line(18 * mm, 14 * mm, w - 18 * mm, 14 * mm)
        c.setFont(PDF_FONT_NAME, 7)
        c.setFillColor(colors.HexColor(GREY))
        stamp = self.ctx.generated_at.strftime("%Y-%m-%d %H:%M")
        c.drawString(18 * mm, 10 * mm, f"生成 Generated {stamp} · 腾笼 Tenglong {geo.__version__}")
        c.drawRightString(
            w - 18 * mm, 10 * mm, f"第 {page} 页 / 共 {total} 页 · Page {page} of {total}"
        )
        if ws.schematic:
            c.setFillColor(colors.HexColor(ALERT))
            c.drawString(
                18 * mm,
                6 * mm,
                "示意 / schematic：演示数据，几何为示意，不作为供地依据 · demo data, "
                "schematic geometry, not a basis for land supply",
            )
        c.restoreState()


def new_doc(buf: io.BytesIO, *, title: str, subject: str) -> Any:
    """An A4 document whose one frame has no padding: content is exactly 174 mm wide."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=17 * mm,
        bottomMargin=19 * mm,
        title=title,
        subject=subject,
        author="Tenglong 腾笼",
        creator=f"Tenglong {geo.__version__}",
        initialFontName=PDF_FONT_NAME,
        initialFontSize=9,
    )
    frame = Frame(
        doc.leftMargin,
        doc.bottomMargin,
        doc.width,
        doc.height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    return doc


def image(png: bytes, *, width_mm: float, height_mm: float) -> Any:
    """A PNG as a flowable of the given size."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Image

    return Image(io.BytesIO(png), width=width_mm * mm, height=height_mm * mm)


def bilingual(zh: str, en: str, st: dict[str, Any]) -> list[Any]:
    """A Chinese label over its smaller, grey English translation."""
    from reportlab.platypus import Paragraph

    return [Paragraph(esc(zh), st["label"]), Paragraph(esc(en), st["label_en"])]


def title_block(
    ctx: ExportContext, zh: str, en: str, st: dict[str, Any], *, width_mm: float = 174
) -> Any:
    """The title block: title and subtitle left, workspace, date and schematic mark right."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table

    right = [
        Paragraph(esc(ctx.workspace_name("zh")), st["right"]),
        Paragraph(esc(ctx.workspace_name("en")), right_aligned(st["small"])),
        Paragraph(esc(ctx.generated_at.strftime("%Y-%m-%d")), right_aligned(st["small"])),
    ]
    if ctx.ws.schematic:
        right.append(Paragraph("示意 / schematic", right_aligned(st["alert"])))
    t = Table(
        [[[Paragraph(esc(zh), st["title"]), Paragraph(esc(en), st["subtitle"])], right]],
        colWidths=[width_mm * 0.62 * mm, width_mm * 0.38 * mm],
    )
    t.setStyle(
        tstyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (0, 0), (-1, 0), 2, colors.HexColor(NAVY)),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return t


def tstyle(commands: list[Any]) -> Any:
    """A TableStyle whose cells use the CJK font (reportlab's default is Helvetica)."""
    from reportlab.platypus import TableStyle

    return TableStyle([("FONTNAME", (0, 0), (-1, -1), PDF_FONT_NAME), *commands])


def right_aligned(style: Any) -> Any:
    """A copy of ``style``, right-aligned."""
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(f"{style.name}_r", style, alignment=TA_RIGHT)


# ---------------------------------------------------------------------------
# Number formats
# ---------------------------------------------------------------------------


def fmt_value(value: Any, kind: str) -> str:
    """A cell as printed for its kind (``area``: ``1,234.56``, ``share``: ``12.3%``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    if kind == "int":
        return f"{int(value):,}"
    if kind in ("area", "number"):
        return f"{float(value):,.2f}"
    if kind == "m2":
        return f"{float(value):,.0f}"
    if kind == "share":
        return f"{float(value):.1%}"
    if kind == "year":
        return str(int(value))
    if kind == "date":
        return str(value)[:10]
    return str(value)


def fmt_number(value: Any, digits: int = 2) -> str:
    """A number with thousands separators, or ``—`` when missing."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return f"{float(value):,.{digits}f}"


def kv_table(
    rows: list[tuple[str, str, str]], st: dict[str, Any], *, widths_mm: tuple[float, float]
) -> Any:
    """Rows of (zh label, en label, value) as a two-column table."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table

    data = [[bilingual(zh, en, st), Paragraph(esc(value), st["value"])] for zh, en, value in rows]
    t = Table(data, colWidths=[widths_mm[0] * mm, widths_mm[1] * mm])
    t.setStyle(
        tstyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#d5dbe3")),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return t


def pair_table(rows: list[tuple[str, str, str]], st: dict[str, Any], *, width_mm: float) -> Any:
    """Key-value pairs in two columns of pairs."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table

    cells = [[bilingual(zh, en, st), Paragraph(esc(v), st["value"])] for zh, en, v in rows]
    if len(cells) % 2:
        cells.append(["", ""])
    half = len(cells) // 2
    data = [cells[i] + cells[i + half] for i in range(half)]
    w = width_mm / 2
    t = Table(data, colWidths=[w * 0.55 * mm, w * 0.45 * mm, w * 0.55 * mm, w * 0.45 * mm])
    t.setStyle(
        tstyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(LIGHT)),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, colors.white),
                ("LINEAFTER", (1, 0), (1, -1), 2, colors.white),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return t


def qr_code(url: str, size_mm: float) -> Any:
    """A QR code of ``url`` as vector squares (drawn without any font)."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Rect
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Flowable

    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, _y1 = widget.getBounds()
    size = size_mm * mm
    scale = size / (x1 - x0)
    rects = [
        (r.x, r.y, r.width, r.height)
        for r in widget.draw().contents
        if isinstance(r, Rect) and r.fillColor is not None and r.fillColor != colors.white
    ]

    class QrFlowable(Flowable):
        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            return size, size

        def draw(self) -> None:
            c = self.canv
            c.saveState()
            c.setFillColor(colors.black)
            for x, y, w, h in rects:
                c.rect((x - x0) * scale, (y - y0) * scale, w * scale, h * scale, stroke=0, fill=1)
            c.restoreState()

    q = QrFlowable()
    q.hAlign = "CENTER"
    return q


# ---------------------------------------------------------------------------
# Tables from report sheets
# ---------------------------------------------------------------------------


def sheet_table(
    sheet: Sheet,
    st: dict[str, Any],
    *,
    lang: str = "zh",
    widths: tuple[float, ...] | None = None,
    width_mm: float = 174,
    max_rows: int | None = None,
) -> Any:
    """A printable table of a report sheet, with subtotal or total rows."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table

    from geo.export.report import t as word

    cols = sheet.columns
    numeric = {c.key for c in cols if c.kind not in ("text", "date")}
    data: list[list[Any]] = [[Paragraph(esc(c.header), st["head"]) for c in cols]]
    style: list[Any] = []

    first_num = next((j for j, c in enumerate(cols) if j > 0 and c.key in numeric), 1)

    def add(values: list[Any], *, strong: bool = False) -> None:
        row = []
        for v, c in zip(values, cols, strict=True):
            text = fmt_value(v, c.kind)
            right = c.key in numeric and not isinstance(v, str)
            row.append(Paragraph(esc(text), st["cell_r" if right else "cell"]))
        data.append(row)
        if strong:
            r = len(data) - 1
            style.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#dde4ee")))
            style.append(("LINEABOVE", (0, r), (-1, r), 0.6, colors.HexColor(NAVY)))
            if first_num > 1:
                style.append(("SPAN", (0, r), (first_num - 1, r)))

    shown = 0
    for group, block in sheet.blocks():
        for row in block[[c.key for c in cols]].itertuples(index=False):
            if max_rows is not None and shown >= max_rows:
                break
            add(list(row))
            shown += 1
        if sheet.subtotal_by is not None and group is not None:
            sums = sheet.total_row(block)
            lab = word("level_total", lang, level=group)
            add([lab if j == 0 else sums.get(c.key) for j, c in enumerate(cols)], strong=True)
    if not len(sheet.frame):
        data.append([Paragraph("无 · none", st["cell"])] + [""] * (len(cols) - 1))
        style.append(("SPAN", (0, 1), (-1, 1)))
    if sheet.total and sheet.subtotal_by is None and len(sheet.frame):
        sums = sheet.total_row()
        if sums:
            lab = word("total", lang)
            if shown < len(sheet.frame):
                lab += "（全部）" if lang == "zh" else " (all rows)"
            add([lab if j == 0 else sums.get(c.key) for j, c in enumerate(cols)], strong=True)
    if widths is None:
        weights = [3.0 if c.kind == "text" else 1.6 for c in cols]
        total = sum(weights)
        widths = tuple(w / total for w in weights)
    t = Table(data, colWidths=[w * width_mm * mm for w in widths], repeatRows=1)
    base = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(NAVY)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.HexColor("#d5dbe3")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
    ]
    for r in range(2, len(data), 2):
        base.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f6f8fb")))
    t.setStyle(tstyle(base + style))
    return t


def card(label_zh: str, label_en: str, big: str, small: str, st: dict[str, Any]) -> list[Any]:
    """A headline figure: bilingual label, the big number (may hold ``<font>``), a note."""
    from reportlab.platypus import Paragraph

    return [
        Paragraph(esc(label_zh), st["label"]),
        Paragraph(esc(label_en), st["label_en"]),
        Paragraph(big, st["card_big"]),
        Paragraph(esc(small), st["small"]),
    ]
