"""A CJK TrueType font for PDF pages and map images, found without the network.

reportlab embeds (subsets of) TrueType fonts only — not the CFF outlines of
Noto Sans CJK — so the PDF exporter looks for a TrueType CJK font, first
found wins:

1. ``$TENGLONG_PDF_FONT``: a ``.ttf``/``.ttc`` file of your choice;
2. the Python package ``paperang-p2-fonts-cjk`` (WenQuanYi Micro Hei,
   Apache-2.0), installed with Tenglong, so ``make run`` users have it;
3. Debian's ``fonts-wqy-microhei``, ``fonts-wqy-zenhei`` or
   ``fonts-arphic-uming`` (``scripts/ensure-export-tools.sh`` installs the first).

With none of them, :func:`cjk_font` raises :class:`FontNotFoundError`, which
says how to install one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geo import settings
from geo.export._context import ExportError

logger = logging.getLogger(__name__)

FONT_ENV = settings.FONT_ENV
"""Environment variable naming a TrueType CJK font file for PDF export."""

SYSTEM_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
"""TrueType CJK fonts of Debian packages, in order of preference."""

PDF_FONT_NAME = "TenglongCJK"
"""The name the font is registered under in reportlab."""


class FontNotFoundError(ExportError):
    """No TrueType CJK font is available for PDF export."""


@dataclass(frozen=True)
class FontFile:
    """A font file and the index of the face inside a collection (``.ttc``)."""

    path: Path
    index: int = 0
    source: str = ""


def _package_font() -> Path | None:
    try:
        import paperang_p2_fonts_cjk  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
    return path if path.exists() else None


def candidates() -> list[FontFile]:
    """Font files to try, first choice first (existing files only)."""
    out: list[FontFile] = []
    env = settings.get(FONT_ENV) or ""
    if env:
        p = Path(env)
        if not p.exists():
            raise FontNotFoundError(f"{FONT_ENV}={env}: no such file; give a .ttf or .ttc path")
        out.append(FontFile(p, 0, FONT_ENV))
    pkg = _package_font()
    if pkg is not None:
        out.append(FontFile(pkg, 0, "paperang-p2-fonts-cjk"))
    out += [FontFile(Path(p), 0, "system") for p in SYSTEM_FONTS if Path(p).exists()]
    return out


@cache
def cjk_font() -> FontFile:
    """The first usable TrueType CJK font, registered in reportlab as :data:`PDF_FONT_NAME`.

    Raises
    ------
    FontNotFoundError
        No usable font: the message says how to get one.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    problems = []
    for cand in candidates():
        try:
            font = TTFont(PDF_FONT_NAME, str(cand.path), subfontIndex=cand.index)
        except (TTFError, OSError) as err:
            problems.append(f"{cand.path}: {err}")
            continue
        pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(
            PDF_FONT_NAME,
            normal=PDF_FONT_NAME,
            bold=PDF_FONT_NAME,
            italic=PDF_FONT_NAME,
            boldItalic=PDF_FONT_NAME,
        )
        logger.info("PDF font: %s (%s)", cand.path, cand.source)
        return cand
    tried = f" (tried: {'; '.join(problems)})" if problems else ""
    raise FontNotFoundError(
        "PDF export needs a TrueType CJK font and none was found"
        f"{tried}. Install one: `pip install paperang-p2-fonts-cjk` (WenQuanYi Micro Hei), "
        "or `sudo apt-get install fonts-wqy-microhei` (scripts/ensure-export-tools.sh), or set "
        f"{FONT_ENV} to a .ttf/.ttc file with TrueType outlines"
    )


@cache
def mpl_font_properties() -> object:
    """matplotlib ``FontProperties`` of the same font, for map labels."""
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=str(cjk_font().path))
