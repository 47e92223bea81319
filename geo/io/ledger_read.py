"""Reading a ledger (台账): the file in the sandboxed parser, its key column and its cells.

Used by :func:`geo.io.ledger.diff_ledger` (:mod:`geo.io.ledger` re-exports
:func:`read_ledger`, :func:`first_rows` and the constants).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.cells import is_formula_like
from geo.io.errors import DataImportError, LedgerError
from geo.io.mapping import (
    FieldMatch,
    MappingPlan,
    norm_header,
    parse_bool,
    parse_date,
    parse_land_use,
    parse_number,
    parse_status,
)
from geo.io.mapping.values import _is_empty
from geo.io.sources import SourceData, SourceFile, SourceLike, read_source
from geo.schema import STATUS_LABELS
from geo.store.model import Kind

if TYPE_CHECKING:
    from geo.io.sandbox import ParserSession


LEDGER_SHEETS: tuple[str, ...] = ("地块清单", "Parcels")
"""Sheets taken from a workbook when none is chosen: the parcel list the xlsx export writes."""
DERIVED_COLUMNS: tuple[str, ...] = (
    "containing_area",
    "area_mu",
    "area_ha",
    "area_m2",
    "area_ellipsoid_m2",
)
"""Columns the parcel export computes (areas from the geometry, the containing planning area)."""

EARLIEST_DATE = dt.date(1949, 10, 1)
"""Dates before this are refused (a small number in a date-formatted cell reads as 1900)."""
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_YYYYMMDD = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")


def derived_headers() -> dict[str, str]:
    """Normalised headers of computed export columns → the column."""
    from geo.export.report.labels import header

    out = {}
    for col in DERIVED_COLUMNS:
        for lang in ("zh", "en"):
            out[norm_header(header(col, lang))] = col
        out[norm_header(col)] = col
    return out


def sheet_row(data: SourceData, i: int) -> int:
    """The row number a planner sees: the sheet row (xlsx) or the line (csv, header line 1)."""
    if data.sheet_rows is not None and i < len(data.sheet_rows):
        return data.sheet_rows[i]
    return i + 2


def _check_not_blank(source: SourceLike) -> None:
    """A file of nothing but line ends, spaces or separators is an empty ledger."""
    if isinstance(source, SourceFile):
        name, head = source.name, source.data[:4096]
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.is_file() or path.stat().st_size > 4096:
            return
        name, head = path.name, path.read_bytes()
    else:
        return
    if head and not head.lstrip(b"\xef\xbb\xbf").strip(b" \t\r\n,;|"):
        raise LedgerError(
            f"{name} is empty: it has no header row and no rows; give a table whose first row "
            f"holds the headers (地块编号, 状态 …) and one row per parcel"
        )


def read_ledger(
    source: SourceLike,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    session: ParserSession | None = None,
) -> SourceData:
    """Read a ledger (xlsx or csv) in the sandboxed parser, with sheet rows and formula cells.

    Raises
    ------
    LedgerError
        Not a table (xlsx or csv), or no rows.
    DataImportError
        The file cannot be read (empty, damaged, too large…): the message says why.
    """
    _check_not_blank(source)
    try:
        data = read_source(
            source,
            encoding=encoding,
            source_layer=sheet,
            session=session,
            prefer_sheets=LEDGER_SHEETS,
            cells=True,
        )
    except LedgerError:
        raise
    except DataImportError as err:
        raise LedgerError(f"the ledger cannot be read: {err}") from None
    if data.format not in ("xlsx", "csv"):
        raise LedgerError(
            f"{data.name} is {data.format_name}, not a ledger: give an xlsx workbook or a csv "
            f"table with one row per parcel and its 地块编号"
        )
    where = f"{data.name}" + (f", sheet {data.layer!r}" if data.layer else "")
    if len(data.frame.columns) <= 1 and not len(data.frame):
        raise LedgerError(
            f"{where} is empty: it has no header row and no rows; give a table whose first row "
            f"holds the headers (地块编号, 状态 …) and one row per parcel"
        )
    if not len(data.frame):
        raise LedgerError(
            f"{where} has headers but no rows; add one row per parcel under the header row"
        )
    return data


def find_key(plan: MappingPlan, columns: list[str], key: str | None, where: str) -> str:
    """The key column: ``key`` (``--key``, also by its normalised header), else 地块编号."""
    if key is not None:
        if key in columns:
            return key
        wanted = norm_header(key)
        found = [c for c in columns if norm_header(c) == wanted]
        if found:
            return found[0]
        raise LedgerError(
            f"{where} has no column {key!r} (--key); its columns are: {', '.join(columns)}"
        )
    src = plan.source_of("parcel_id")
    if src is None:
        raise LedgerError(
            f"{where} has no key column: none of its headers ({', '.join(columns)}) is "
            f"地块编号 / parcel ID; name the column holding the parcel IDs with --key COLUMN"
        )
    return src


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def csv_unescape(value: Any) -> Any:
    """Undo the apostrophe the csv export puts before formula-like text."""
    if isinstance(value, str) and value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


def cell_value(raw: Any, fld: str, kind: Kind, m: FieldMatch) -> tuple[Any, str | None]:
    """The ledger cell as a field value (None: empty), or the reason it cannot be one."""
    if _is_empty(raw):
        return None, None
    text = str(raw).strip()
    head = f"{m.source} {text!r}"
    if fld == "status":
        s = parse_status(raw)
        if s is None:
            hint = ", ".join(f"{zh} ({k})" for k, (zh, _) in STATUS_LABELS.items())
            return None, f"{head} is not a status; use one of {hint}"
        return s, None
    if fld in ("land_use_now", "land_use_planned"):
        code, _ = parse_land_use(raw)
        if code is None:
            return None, (
                f"{head} is not a 国土空间调查、规划、用途管制用地用海分类 code; write the code "
                f"(e.g. 100102) or its name (e.g. 二类工业用地)"
            )
        return code, None
    if kind == "date":
        if _NUMBER.match(text) and not _YYYYMMDD.match(text):
            return None, (
                f"{m.source} holds the number {text}, not a date; format the cell as a date "
                f"or write YYYY-MM-DD"
            )
        d, _ = parse_date(raw)
        if d is None:
            return None, f"{head} is not a date; write YYYY-MM-DD"
        if d.date() < EARLIEST_DATE:
            return None, (
                f"{head} is before {EARLIEST_DATE.isoformat()}: a number typed into a date "
                f"cell? write the date as YYYY-MM-DD"
            )
        return d.date(), None
    if kind == "bool":
        b = parse_bool(raw)
        if b is None:
            return None, f"{head} is not yes/no; write 是 or 否"
        return b, None
    if kind in ("int", "float"):
        try:
            x = parse_number(raw)
        except ValueError:
            return None, f"{head} is not a number"
        if x is None:
            return None, None
        if m.factor != 1:
            x = float(f"{x * m.factor:.12g}")  # 5077000 元 → 507.7 万元, not 507.70000000000005
        if kind == "int":
            if not float(x).is_integer():
                return None, f"{head} is not a whole number"
            return int(x), None
        return x, None
    return text, None


def first_rows(data: SourceData, rows: int = 10) -> pd.DataFrame:
    """The first rows of a ledger as read, indexed by sheet row."""
    df = pd.DataFrame(data.frame.drop(columns=[data.frame.geometry.name])).head(rows)
    df.index = [sheet_row(data, i) for i in range(len(df))]
    df.index.name = "row"
    return df
