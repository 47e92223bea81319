"""Spreadsheet-safe cells: text never becomes a formula in xlsx or csv.

A workspace's names and notes are free text: a parcel named
``=HYPERLINK("http://…","y")`` or ``=cmd|' /C calc'!A0`` must open as that
text in Excel, LibreOffice or WPS, never run as a formula. Every writer of
spreadsheet or csv cells goes through this module:

xlsx
    :func:`xlsx_value` stores a ``str`` as a text cell (openpyxl data type
    ``"s"``, an inline string: no ``<f>`` element) and marks a text value
    that looks like a formula with Excel's quote prefix, so that editing the
    cell keeps it text. :func:`xlsx_append` appends a row that way and
    :func:`write_xlsx_frame` writes a whole table.
csv
    A csv file has no cell types; spreadsheet programs evaluate a field
    that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    (and the full-width ``＝ ＋ － ＠``). :func:`csv_safe` prefixes such a
    *text* value with an apostrophe (OWASP "CSV injection"); numbers stay
    numbers (``-3.5`` is a number, not text). :func:`csv_safe_frame` does
    this for the text columns (and column names) of a table, and
    :func:`frame_csv` writes one as csv text.

This module imports no Streamlit and nothing else of the package.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""First characters that make a spreadsheet program read a field as a formula."""


def is_formula_like(value: object) -> bool:
    """True for a ``str`` a spreadsheet program would evaluate.

    Examples
    --------
    >>> is_formula_like("=1+1"), is_formula_like("＠A1"), is_formula_like(-1), is_formula_like("a")
    (True, True, False, False)
    """
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_safe(value: Any) -> Any:
    """``value`` for a csv field: an apostrophe before formula-like text, else unchanged.

    Examples
    --------
    >>> csv_safe("=HYPERLINK(1)"), csv_safe("-1+1"), csv_safe(-1.5), csv_safe("东区")
    ("'=HYPERLINK(1)", "'-1+1", -1.5, '东区')
    """
    return "'" + value if is_formula_like(value) else value


def csv_safe_row(values: Iterable[Any]) -> list[Any]:
    """:func:`csv_safe` applied to each value of a csv row."""
    return [csv_safe(v) for v in values]


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` fit for ``to_csv``: formula-like text prefixed, numbers untouched.

    Only object and string columns are touched (a numeric column stays
    numeric, so a negative number is written as ``-3``); text column names
    are treated the same way.
    """
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        s = out[col]
        text = pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)
        if text and s.map(is_formula_like).any():
            out[col] = s.astype(object).map(csv_safe)
    if any(is_formula_like(c) for c in out.columns):
        out.columns = [csv_safe(c) for c in out.columns]
    return out


def frame_csv(df: pd.DataFrame) -> str:
    """``df`` as csv text (header, no index, CRLF line ends) with :func:`csv_safe_frame`.

    CRLF as in RFC 4180: a field holding a bare carriage return is then
    quoted, so that no spreadsheet program splits the row there (and reads
    what follows the CR as the start of a new row: ``\\r=1`` would become a
    formula again).
    """
    return str(csv_safe_frame(df).to_csv(index=False, lineterminator="\r\n"))


def xlsx_value(cell: Any, value: Any) -> Any:
    """Set an openpyxl ``cell`` to ``value``; a ``str`` is stored as text, never a formula.

    Returns the cell.
    """
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    return cell


def xlsx_append(ws: Any, values: Iterable[Any]) -> int:
    """Append ``values`` as a new row of worksheet ``ws``, text as text; the row number."""
    row = list(values)
    ws.append(row)
    r = ws.max_row
    for j, v in enumerate(row, start=1):
        if isinstance(v, str):
            xlsx_value(ws.cell(row=r, column=j), v)
    return r


def _xlsx_plain(value: Any) -> Any:
    """A pandas cell as a value openpyxl writes: None for missing, Python scalars."""
    import math

    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value if hasattr(value, "isoformat") else str(value)


def write_xlsx_frame(df: pd.DataFrame, target: Any, *, sheet_name: str = "Sheet1") -> None:
    """Write ``df`` (header row, no index) as an xlsx workbook, text cells as text.

    ``target`` is a path or a binary file object (what ``Workbook.save`` takes).
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name[:31]
    xlsx_append(ws, [str(c) for c in df.columns])
    for row in df.itertuples(index=False):
        xlsx_append(ws, [_xlsx_plain(v) for v in row])
    ws.freeze_panes = "A2"
    wb.save(target)
