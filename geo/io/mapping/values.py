"""Single values as planners write them: statuses, land-use codes, yes/no, dates, numbers."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from geo.io.mapping.aliases import (
    _EMPTY,
    _FALSE,
    _KIND_WORDS,
    _OLD_LAND_USE,
    _SCALE_WORDS,
    _STATUS_WORDS,
    _TRUE,
)
from geo.io.mapping.units import norm_header
from geo.schema import AREA_KINDS, LAND_USES, STATUS_LABELS

# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def _is_empty(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        if v is pd.NA or v is pd.NaT:
            return True
    except TypeError:  # pragma: no cover
        pass
    return isinstance(v, str) and v.strip().lower() in _EMPTY


def _text(v: Any) -> str | None:
    if _is_empty(v):
        return None
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, np.integer):
        return str(int(v))
    if isinstance(v, pd.Timestamp | dt.date):
        return str(v)
    s = unicodedata.normalize("NFKC", str(v)).strip() if isinstance(v, str) else str(v).strip()
    if re.fullmatch(r"-?\d+\.0+", s):
        s = s.split(".")[0]
    return s or None


def _vocab(
    words: Mapping[str, Iterable[str]], extra: Mapping[str, tuple[str, str]] | None = None
) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, ws in words.items():
        out[norm_header(key)] = key
        for w in ws:
            out[norm_header(w)] = key
    for key, (zh, en) in (extra or {}).items():
        out.setdefault(norm_header(key), key)
        for w in [*zh.split("/"), en]:
            out.setdefault(norm_header(w), key)
    return out


_STATUS_INDEX = _vocab(_STATUS_WORDS, STATUS_LABELS)
_KIND_INDEX = _vocab(_KIND_WORDS, AREA_KINDS)
_SCALE_INDEX = _vocab(_SCALE_WORDS)
_LAND_USE_BY_NAME = {norm_header(lu.zh): code for code, lu in LAND_USES.items()}


def parse_status(value: Any) -> str | None:
    """A status key from a Chinese or English word, or None when unknown.

    Examples
    --------
    >>> parse_status("已腾退"), parse_status(" 已收储 "), parse_status("In production")
    ('released', 'stored', 'in_production')
    >>> parse_status("拆了一半") is None
    True
    """
    t = _text(value)
    return None if t is None else _STATUS_INDEX.get(norm_header(t))


def parse_land_use(value: Any) -> tuple[str | None, str | None]:
    """A land-use code from a code, a name or an old code: ``(code, note)``.

    ``note`` says what was converted; ``code`` is None when unknown.

    Examples
    --------
    >>> parse_land_use("100102"), parse_land_use(901.0)[0], parse_land_use("二类工业用地")[0]
    (('100102', None), '0901', '100102')
    >>> parse_land_use("M2")
    ('100102', "old GB 50137 code 'M2' converted to 100102")
    """
    t = _text(value)
    if t is None:
        return None, None
    m = re.match(r"^(\d{1,6})(?!\d)\s*(.*)$", t)
    if m:
        digits = m.group(1)
        code = digits if len(digits) % 2 == 0 else "0" + digits
        if code in LAND_USES:
            note = f"leading zero restored: {digits} → {code}" if code != digits else None
            return code, note
        return None, None
    name = norm_header(t)
    if name in _LAND_USE_BY_NAME:
        return _LAND_USE_BY_NAME[name], None
    old = t.strip().upper()
    if old in _OLD_LAND_USE:
        code = _OLD_LAND_USE[old]
        return code, f"old GB 50137 code {old!r} converted to {code}"
    return None, None


def parse_bool(value: Any) -> bool | None:
    """True/False from 是/否, yes/no, 1/0…; None when empty or not understood."""
    t = _text(value)
    if t is None:
        return None
    k = t.lower()
    if k in _TRUE:
        return True
    if k in _FALSE:
        return False
    return None


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$"), "ymd"),
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$"), "ym"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
    (re.compile(r"^(\d{4})年?$"), "y"),
)


def parse_date(value: Any) -> tuple[pd.Timestamp | None, str | None]:
    """A date from ISO, ``2018/5/1``, ``2018年5月1日``, ``2018.05``, ``2018`` or an Excel serial.

    Returns ``(date, note)``; the date is None when it cannot be read.

    Examples
    --------
    >>> parse_date("2018年5月1日")[0], parse_date("2018/5")[0]
    (Timestamp('2018-05-01 00:00:00'), Timestamp('2018-05-01 00:00:00'))
    """
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date) and not _is_empty(value):
        return pd.Timestamp(value).normalize(), None
    t = _text(value)
    if t is None:
        return None, None
    for pattern, kind in _DATE_PATTERNS:
        m = pattern.match(t)
        if not m:
            continue
        y = int(m.group(1))
        mo = int(m.group(2)) if kind in ("ymd", "ym") else 1
        d = int(m.group(3)) if kind == "ymd" else 1
        try:
            ts = pd.Timestamp(year=y, month=mo, day=d)
        except ValueError:
            return None, None
        note = {"ym": "day not given: the 1st of the month", "y": "only a year: 1 January"}.get(
            kind
        )
        return ts, note
    if re.fullmatch(r"\d{5}(\.\d+)?", t) and 20_000 <= float(t) <= 60_000:
        return pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(t))), "Excel serial date"
    return None, None


def parse_number(value: Any) -> float | None:
    """A number from text with thousands separators, full-width digits or a trailing %.

    Raises
    ------
    ValueError
        When the value is not empty and not a number.

    Examples
    --------
    >>> parse_number("1,234.5"), parse_number("１２"), parse_number("30%"), parse_number("—")
    (1234.5, 12.0, 0.3, None)
    """
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    t = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    pct = t.endswith("%")
    t = t.rstrip("%")
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", t):
        raise ValueError(value)
    x = float(t)
    return x / 100.0 if pct else x
