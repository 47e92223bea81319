"""Headers normalised and split into name and unit (``面积(公顷)`` → ``面积``, hectares)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from geo.io.mapping.aliases import _ALIASES, _AREA_STEMS, _RATIO_FIELDS, _UNITS, DECLARED_AREA
from geo.schema import TABLES


def norm_header(text: Any) -> str:
    """Header key: NFKC, lower case, without spaces and ``_-.·``.

    Examples
    --------
    >>> norm_header("Parcel ID"), norm_header("地块_编号"), norm_header("面积（亩）")
    ('parcelid', '地块编号', '面积(亩)')
    """
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[\s_\-.·]", "", text)


def _norm_unit(unit: str) -> str:
    u = unicodedata.normalize("NFKC", unit).lower().replace(" ", "")
    return u.replace("²", "2").replace("㎡", "m2").replace("m^2", "m2").replace("平方公顷", "公顷")


_UNIT_SUFFIXES = sorted(_UNITS, key=len, reverse=True)


def split_unit(header: Any) -> tuple[str, str | None]:
    """Split a header into its name and the unit in brackets or after ``_``/``/``.

    Examples
    --------
    >>> split_unit("面积(公顷)"), split_unit("用地面积（亩）"), split_unit("area_ha")
    (('面积', '公顷'), ('用地面积', '亩'), ('area', 'ha'))
    >>> split_unit("地块编号")
    ('地块编号', None)
    """
    h = unicodedata.normalize("NFKC", str(header)).strip()
    m = re.match(r"^(.*?)\s*[(\[【{]\s*(.+?)\s*[)\]】}]\s*$", h)
    if m and m.group(1):
        return m.group(1), m.group(2)
    low = _norm_unit(h)
    for unit in _UNIT_SUFFIXES:
        for sep in ("_", "/", "-", " "):
            if low.endswith(sep + unit) and len(low) > len(unit) + 1:
                return h[: len(h) - len(unit) - 1], unit
    for unit in ("亩", "公顷", "平方米", "万元"):
        if h.endswith(unit) and norm_header(h[: -len(unit)]) in _AREA_KEYS | {"税收", "补偿金额"}:
            return h[: -len(unit)], unit
    return h, None


_AREA_KEYS = frozenset(norm_header(s) for s in _AREA_STEMS)


def unit_of(unit: str | None) -> tuple[str, float] | None:
    """(dimension, size in the dimension's base) of a unit, or None when unknown.

    Examples
    --------
    >>> unit_of("公顷"), unit_of("㎡")
    (('area', 10000.0), ('area', 1.0))
    """
    if unit is None:
        return None
    return _UNITS.get(_norm_unit(unit))


def _field_unit(table: str, fld: str) -> tuple[str, float] | None:
    if fld == DECLARED_AREA:
        return _UNITS["亩"]
    if fld in _RATIO_FIELDS:
        return ("ratio", 1.0)
    col = TABLES[table].column(fld)
    return unit_of(col.unit) if col is not None and col.unit else None


def _alias_index(table: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for fld, aliases in _ALIASES.get(table, {}).items():
        for a in aliases:
            index.setdefault(norm_header(a), fld)
    for col in TABLES[table].columns:
        for a in (col.name, col.zh, col.en):
            index.setdefault(norm_header(a), col.name)
    return index
