"""Land classification code tables and their cross-walk (docs/architecture.md §3).

Three classifications ship as data files in ``geo/config/codes/`` (each file's
header says which source it follows and which entries are uncertain):

- ``gbt21010_2017.csv``: GB/T 21010-2017 土地利用现状分类 (一级/二级);
- ``sandiao_work.csv``: the 三调工作分类 found in ``DLTB.DLBM`` (``05H1``,
  ``0508``, ``0601`` …) with the 三调 map colours;
- ``land_use_2023.csv``: 国土空间调查、规划、用途管制用地用海分类 (2023), levels 1-3,
  the vocabulary of ``parcels.land_use_now`` / ``land_use_planned``
  (:data:`geo.schema.LAND_USES` is built from it), with the colours of the
  制图规范's 用地用海分类 colour table, each marked verified, inherited or
  approximated;
- ``crosswalk_sandiao_2023.csv``: 三调 code → 用地用海 code.

The same digits mean different things in different tables (三调 ``1001`` is
铁路用地, 用地用海 ``1001`` is 工业用地), so a code is always looked up in a
named table.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

Lang = Literal["zh", "en"]

CODE_TABLES: dict[str, str] = {
    "gbt21010": "gbt21010_2017.csv",
    "sandiao": "sandiao_work.csv",
    "land_use": "land_use_2023.csv",
}
"""Code tables by key, with their file in ``geo/config/codes``."""


@dataclass(frozen=True)
class Code:
    """One code of a classification."""

    code: str
    level: int
    zh: str
    en: str
    note: str = ""
    """``?`` when the entry is uncertain (see the file header), or a remark."""
    color: str | None = None
    """Fill colour, ``#rrggbb``: the 三调 map style for a 三调 code, the 用地用海分类 colour
    table for a 用地用海 code (see each file's header)."""
    color_source: str = ""
    """For a 用地用海 code: ``verified``, ``inherited`` or ``approximated`` (the file header)."""
    gbt21010: str = ""
    """For a 三调 code: the GB/T 21010-2017 class it belongs to."""
    first_class_soil: bool = False
    """For a 用地用海 code: GB 36600-2018 first-class land."""

    def label(self, lang: Lang = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("geo").joinpath("config", "codes", filename).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@cache
def code_table(key: str) -> dict[str, Code]:
    """The codes of one classification (a key of :data:`CODE_TABLES`), by code.

    Examples
    --------
    >>> code_table("sandiao")["0601"].zh, code_table("land_use")["1001"].zh
    ('工业用地', '工业用地')
    >>> code_table("sandiao")["1001"].zh  # the same digits, another class
    '铁路用地'
    """
    out: dict[str, Code] = {}
    for row in _rows(CODE_TABLES[key]):
        code = row["code"].strip()
        out[code] = Code(
            code=code,
            level=int(row["level"]),
            zh=row["zh"].strip(),
            en=row["en"].strip(),
            note=(row.get("note") or "").strip(),
            color=(row.get("color") or "").strip() or None,
            color_source=(row.get("color_source") or "").strip(),
            gbt21010=(row.get("gbt21010") or "").strip(),
            first_class_soil=(row.get("first_class_soil") or "").strip() == "1",
        )
    return out


@cache
def crosswalk() -> dict[str, tuple[str, bool]]:
    """三调 code → (用地用海 code, exact): the shipped cross-walk.

    Examples
    --------
    >>> crosswalk()["0601"], crosswalk()["0508"]
    (('1001', False), ('1101', True))
    """
    return {
        r["sandiao"].strip(): (r["land_use"].strip(), r["exact"].strip() == "1")
        for r in _rows("crosswalk_sandiao_2023.csv")
    }


def normalize_sandiao(code: object) -> str | None:
    """A DLBM value as the 三调 table writes it (trimmed, letters upper-case), or None.

    Examples
    --------
    >>> normalize_sandiao(" 05h1 "), normalize_sandiao(601.0), normalize_sandiao(None)
    ('05H1', '0601', None)
    """
    if code is None:
        return None
    if isinstance(code, float):
        if code != code:  # NaN
            return None
        code = int(code) if code.is_integer() else code
    text = str(code).strip().upper()
    if not text:
        return None
    if text.isdigit() and len(text) % 2:
        text = "0" + text
    return text


def sandiao_to_land_use(code: object) -> str | None:
    """The 用地用海 (2023) code of a 三调 code, or None when it has none.

    Examples
    --------
    >>> sandiao_to_land_use("0601"), sandiao_to_land_use("05H1"), sandiao_to_land_use("9999")
    ('1001', '09', None)
    """
    c = normalize_sandiao(code)
    hit = crosswalk().get(c) if c else None
    return hit[0] if hit else None


def sandiao_label(code: object, lang: Lang = "zh", *, with_code: bool = False) -> str:
    """The name of a 三调 code (``0601`` → ``工业用地``); the code itself when unknown."""
    c = normalize_sandiao(code)
    if c is None:
        return ""
    entry = code_table("sandiao").get(c)
    if entry is None:
        return c
    return f"{c} {entry.label(lang)}" if with_code else entry.label(lang)


def land_use_name(code: object, lang: Lang = "zh", *, with_code: bool = False) -> str:
    """The name of a 用地用海 (2023) code; the code itself when unknown."""
    if code is None:
        return ""
    c = str(code).strip()
    entry = code_table("land_use").get(c)
    if entry is None:
        return c
    return f"{c} {entry.label(lang)}" if with_code else entry.label(lang)


def sandiao_color(code: object) -> str | None:
    """The 三调 fill colour of a code (its group's when the code has none), or None."""
    c = normalize_sandiao(code)
    if c is None:
        return None
    table = code_table("sandiao")
    entry = table.get(c) or table.get(c[:4]) or table.get(c[:2])
    return entry.color if entry else None


# ---------------------------------------------------------------------------
# Presets and current-use classes
# ---------------------------------------------------------------------------

SURVEY_PRESETS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "industrial": ("工矿仓储用地", "industrial, mining and storage land", ("0601", "0602", "0508")),
    "factory": ("工业用地", "industrial land", ("0601",)),
    "mining": ("采矿用地", "mining land", ("0602",)),
    "storage": ("物流仓储用地", "logistics and warehousing", ("0508",)),
    "commercial": ("商业服务业设施用地", "commercial and service facilities", ("05H1",)),
}
"""``--preset`` names for a DLTB import as parcels: (zh, en, 三调 codes)."""


def preset_where(name: str) -> str:
    """The OGR SQL condition of a preset.

    Examples
    --------
    >>> preset_where("industrial")
    "DLBM IN ('0601', '0602', '0508')"

    Raises
    ------
    KeyError
        For an unknown preset name.
    """
    codes = SURVEY_PRESETS[name][2]
    return "DLBM IN (" + ", ".join(f"'{c}'" for c in codes) + ")"


CURRENT_USE_CLASSES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "industrial": ("现状工业用地", "current industrial land", ("0601",)),
    "storage": ("现状仓储用地", "current storage land", ("0508", "0604")),
    "mining": ("现状采矿用地", "current mining land", ("0602",)),
}
"""The classes of the per-area current-use table: (zh, en, 三调 codes; 0604 is the GB/T code)."""
