"""Ledgers (台账) update parcels by ID (docs/architecture.md §3, §8).

An office keeps an Excel or csv ledger keyed by 地块编号. Updating a workspace
from it takes two steps, used by ``tenglong update`` and the app's Import page:

1. :func:`diff_ledger` reads the file in the sandboxed parser
   (:func:`geo.io.read_source`), maps its headers, units and words like an
   import (:mod:`geo.io.mapping`: ``状态`` ``已收储`` → ``status`` ``stored``,
   ``补偿金额(元)`` → 万元) and compares each row with the stored parcel. The
   result, a :class:`LedgerDiff`, lists every change (parcel, field, before →
   after), the IDs the workspace does not have, and the rows that are refused
   with the reason (an impossible status transition, a formula, a number in
   a date column, a duplicate ID…). Nothing is written.
2. :func:`apply_ledger` writes all changes in one transaction of
   :meth:`geo.store.Store.apply_edits`: one audit row per changed field, one
   ``edit_id`` for the whole ledger, and each parcel checked against the
   ``row_version`` seen by the preview. When another editor saved one of the
   parcels in between, :class:`geo.store.EditConflict` is raised and nothing
   is written.

Rules
-----
- An empty cell leaves the field as it is (clear a field with
  ``tenglong set-field --clear``).
- A status change follows the lifecycle (:data:`geo.store.ALLOWED_TRANSITIONS`);
  its date is the row's ``状态起始日期`` (``status_since``), or today when the
  row gives none or still the stored one (an exported row whose status was
  edited).
- Columns computed from the geometry or the planning areas (``面积(亩)``,
  ``面积(公顷)``, ``面积(平方米)``, ``所在片区``) and geometry columns are
  *not updatable*: they are reported and never applied. Columns that match
  no field are ignored (reported too).
- The parcel sheet of ``tenglong export --format xlsx`` (``地块清单`` /
  ``Parcels``, taken when no sheet is chosen) and ``--format csv --table
  parcels`` read back unchanged: their labels map to the fields, their 合计
  row is skipped, so an unedited export updates nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.cells import is_formula_like
from geo.io.errors import DataImportError, LedgerError
from geo.io.mapping import (
    DECLARED_AREA,
    FieldMatch,
    MappingPlan,
    norm_header,
    parse_bool,
    parse_date,
    parse_land_use,
    parse_number,
    parse_status,
    plan_mapping,
)
from geo.io.mapping.values import _is_empty
from geo.io.sources import SourceData, SourceFile, SourceLike, read_source
from geo.schema import STATUS_LABELS, STATUSES, column_label
from geo.store import (
    ALLOWED_TRANSITIONS,
    EditResult,
    InvalidEditError,
    ParcelEdit,
    ParcelNotFoundError,
)
from geo.store.model import (
    GEOMETRY_FIELD,
    PROTECTED_FIELDS,
    Kind,
    ParcelRecord,
    coerce_value,
    encode_value,
    plan_status_change,
    to_date,
)

if TYPE_CHECKING:
    from geo.io.sandbox import ParserSession
    from geo.store import Store

logger = logging.getLogger(__name__)

LEDGER_SHEETS: tuple[str, ...] = ("地块清单", "Parcels")
"""Sheets taken from a workbook when none is chosen: the parcel list the xlsx export writes."""

SUMMARY_KEYS: frozenset[str] = frozenset(
    norm_header(k) for k in ("合计", "总计", "小计", "Total", "Subtotal")
)
"""Key-column words of total rows (skipped, never looked up as parcel IDs)."""

DERIVED_COLUMNS: tuple[str, ...] = (
    "containing_area",
    "area_mu",
    "area_ha",
    "area_m2",
    "area_ellipsoid_m2",
)
"""Columns the parcel export computes (areas from the geometry, the containing planning area)."""

STATUS_DATE_FIELD = "status_since"
EARLIEST_DATE = dt.date(1949, 10, 1)
"""Dates before this are refused (a small number in a date-formatted cell reads as 1900)."""
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_YYYYMMDD = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field of one parcel that the ledger changes.

    ``before``/``after`` are the audit-table texts (:func:`geo.store.encode_value`).
    """

    row: int
    """The row of the ledger (sheet row number; the header is row 1)."""
    parcel_id: str
    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class RefusedRow:
    """A ledger row that is not applied, and why (in English, naming the row)."""

    row: int
    parcel_id: str | None
    reason: str


@dataclass(frozen=True)
class ParcelUpdate:
    """What the ledger changes on one parcel, and the version it was compared with."""

    row: int
    parcel_id: str
    expected_version: int
    changes: tuple[FieldChange, ...]
    fields: Mapping[str, Any]
    """Plain field values to write (:meth:`geo.store.Store.apply_edits`)."""
    status: str | None = None
    status_on: dt.date | None = None

    def edit(self) -> ParcelEdit:
        """The store edit of this update."""
        return ParcelEdit(
            self.parcel_id,
            dict(self.fields),
            status=self.status,
            status_on=self.status_on,
            expected_version=self.expected_version,
        )


@dataclass
class LedgerDiff:
    """A ledger compared with a workspace: what would change, what is skipped and why.

    Attributes
    ----------
    source, sheet
        The file (and the sheet read from a workbook).
    target
        The workspace compared with (GeoPackage path or PostGIS URL).
    key_column
        The ledger column holding the parcel IDs.
    plan
        How the ledger's columns map onto parcel fields.
    updates
        The parcels that change, each with its changes.
    unknown
        ``(row, parcel_id)`` of IDs the workspace does not have (skipped).
    refused
        Rows not applied, with the reason (skipped).
    not_updatable
        Ledger column → why it is never applied (computed, not stored…).
    ignored
        Ledger columns that match no field.
    rows, unchanged, summary_rows
        Data rows read; rows of known parcels that change nothing; total rows skipped.
    notes
        What happened on the way (sheet chosen, encoding…).
    """

    source: str
    sheet: str | None
    target: str
    key_column: str
    plan: MappingPlan
    updates: list[ParcelUpdate] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)
    refused: list[RefusedRow] = field(default_factory=list)
    not_updatable: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    rows: int = 0
    unchanged: int = 0
    summary_rows: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[FieldChange]:
        """Every field change, in ledger row order."""
        return [c for u in self.updates for c in u.changes]

    @property
    def skipped(self) -> int:
        """Rows skipped: unknown IDs and refused rows."""
        return len(self.unknown) + len(self.refused)

    def counts(self) -> dict[str, int]:
        """Rows, parcels changed, fields changed, unchanged, unknown IDs, refused rows."""
        return {
            "rows": self.rows,
            "parcels": len(self.updates),
            "fields": len(self.changes),
            "unchanged": self.unchanged,
            "unknown": len(self.unknown),
            "refused": len(self.refused),
        }

    def frame(self, lang: str = "en") -> pd.DataFrame:
        """The changes as a table: row, parcel, field (label), before, after (display text)."""
        rows = [
            {
                "row": c.row,
                "parcel_id": c.parcel_id,
                "field": field_label(c.field, lang),
                "before": display_value(c.field, c.before, lang),
                "after": display_value(c.field, c.after, lang),
            }
            for c in self.changes
        ]
        return pd.DataFrame(rows, columns=["row", "parcel_id", "field", "before", "after"])

    def skipped_frame(self) -> pd.DataFrame:
        """Unknown IDs and refused rows as one table: row, parcel_id, reason."""
        rows = [
            {
                "row": r,
                "parcel_id": pid,
                "reason": f"row {r}: no parcel {pid!r} in the workspace (skipped)",
            }
            for r, pid in self.unknown
        ]
        rows += [{"row": r.row, "parcel_id": r.parcel_id, "reason": r.reason} for r in self.refused]
        df = pd.DataFrame(rows, columns=["row", "parcel_id", "reason"])
        return df.sort_values("row", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class LedgerResult:
    """What :func:`apply_ledger` wrote."""

    target: str
    edit_id: str | None
    results: tuple[EditResult, ...]

    @property
    def parcels(self) -> int:
        return sum(r.changed for r in self.results)

    @property
    def fields(self) -> int:
        return sum(len(r.changes) for r in self.results)


def field_label(name: str, lang: str = "en") -> str:
    """``状态起始日期 status_since``-style label of a parcel field (the name when unknown)."""
    text = column_label("parcels", name, "zh" if lang == "zh" else "en", with_unit=False)
    return name if text == name else f"{text} ({name})"


def display_value(name: str, value: str | None, lang: str = "en") -> str:
    """An audit text for display: ∅ for empty, a status as its label."""
    if value is None or value == "":
        return "∅"
    if name == "status" and value in STATUS_LABELS:
        zh, en = STATUS_LABELS[value]
        return zh if lang == "zh" else en
    return value


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _derived_headers() -> dict[str, str]:
    """Normalised headers of computed export columns → the column."""
    from geo.export.report.labels import header

    out = {}
    for col in DERIVED_COLUMNS:
        for lang in ("zh", "en"):
            out[norm_header(header(col, lang))] = col
        out[norm_header(col)] = col
    return out


def _sheet_row(data: SourceData, i: int) -> int:
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


def _find_key(plan: MappingPlan, columns: list[str], key: str | None, where: str) -> str:
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


def _csv_unescape(value: Any) -> Any:
    """Undo the apostrophe the csv export puts before formula-like text."""
    if isinstance(value, str) and value.startswith("'") and is_formula_like(value[1:]):
        return value[1:]
    return value


def _value(raw: Any, fld: str, kind: Kind, m: FieldMatch) -> tuple[Any, str | None]:
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


# ---------------------------------------------------------------------------
# Diff
# ---------------------------------------------------------------------------


def _classify(
    columns: list[str],
    *,
    key_override: str | None,
    kinds: Mapping[str, Kind],
    has_geometry: bool,
    geometry_from: str | None,
) -> tuple[MappingPlan, dict[str, str], list[str]]:
    """The mapping of the updatable columns, the not-updatable ones (with why), the ignored."""
    derived = _derived_headers()
    not_updatable: dict[str, str] = {}
    rest = []
    for c in columns:
        d = derived.get(norm_header(c))
        if d is not None and c != key_override:
            why = (
                "the planning area is found from the geometry"
                if d == "containing_area"
                else "areas are computed from the geometry"
            )
            not_updatable[c] = f"not updatable: {why}"
        else:
            rest.append(c)
    overrides = {key_override: "parcel_id"} if key_override in rest else {}
    plan = plan_mapping(rest, table="parcels", overrides=overrides)
    # headers that are a stored column's own name (extra columns such as relocate_to_area_id)
    extra = [
        FieldMatch(c, c.strip(), None, 1.0, "column name")
        for c in plan.unmapped
        if c.strip() in kinds
        and c.strip() not in PROTECTED_FIELDS | {GEOMETRY_FIELD}
        and c.strip() not in plan.fields()
    ]
    matches = []
    for m in [*plan.matches, *extra]:
        if m.field == "parcel_id":
            matches.append(m)
        elif m.field in (DECLARED_AREA, "area_mu"):
            not_updatable[m.source] = "not updatable: areas are computed from the geometry"
        elif m.field in PROTECTED_FIELDS:
            not_updatable[m.source] = f"not updatable: {m.field} is kept by Tenglong"
        elif m.field not in kinds:
            not_updatable[m.source] = (
                f"not updatable: the workspace's parcels have no column {m.field}"
            )
        else:
            matches.append(m)
    used = {m.source for m in extra}
    ignored = [c for c in plan.unmapped if c not in used and c not in not_updatable]
    for c in ignored:
        if c.strip() in PROTECTED_FIELDS:
            not_updatable[c] = f"not updatable: {c.strip()} is kept by Tenglong"
    ignored = [c for c in ignored if c not in not_updatable]
    if has_geometry and geometry_from:
        not_updatable[geometry_from] = "not updatable: a ledger does not change geometry"
    plan = MappingPlan("parcels", matches, ignored, [], [])
    return plan, not_updatable, ignored


def _row_changes(
    current: ParcelRecord,
    values: Mapping[str, Any],
    kinds: Mapping[str, Kind],
    *,
    row: int,
    today: dt.date,
) -> tuple[ParcelUpdate | None, str | None]:
    """The update of one parcel (None when nothing changes), or why the row is refused."""
    pid = current.parcel_id
    new_status = values.get("status")
    status = None
    on = None
    after: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    if new_status is not None and new_status != current.values.get("status"):
        on = values.get(STATUS_DATE_FIELD)
        if on is None or on == to_date(current.values.get(STATUS_DATE_FIELD)):
            on = today  # the old status's date, as exported: the change happens now
        try:
            planned = plan_status_change(current, new_status, on, today=today)
        except InvalidEditError as err:
            return None, f"row {row} ({pid}): {err}; the row is skipped"
        status = new_status
        after.update({k: v for k, v in planned.items() if k in kinds})
    for name, value in values.items():
        if name == "status" or value is None:
            continue
        if name == STATUS_DATE_FIELD and status is not None:
            continue  # the date of the status change
        try:
            value = coerce_value(value, kinds[name], field=name)
        except InvalidEditError as err:
            return None, f"row {row} ({pid}): {err}"
        if name in after and encode_value(after[name], kinds[name]) == encode_value(
            value, kinds[name]
        ):
            continue
        after[name] = value
        plain[name] = value
    changes = []
    for name, value in after.items():
        kind = kinds[name]
        before_text = encode_value(current.get(name), kind)
        after_text = encode_value(value, kind)
        if before_text != after_text:
            changes.append(FieldChange(row, pid, name, before_text, after_text))
    if not changes:
        return None, None
    changed = {c.field for c in changes}
    return (
        ParcelUpdate(
            row,
            pid,
            current.row_version,
            tuple(changes),
            {k: v for k, v in plain.items() if k in changed or status is not None},
            status=status,
            status_on=on if status is not None else None,
        ),
        None,
    )


def diff_ledger(
    store: Store,
    source: SourceLike | SourceData,
    *,
    key: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    session: ParserSession | None = None,
    today: dt.date | None = None,
) -> LedgerDiff:
    """Compare a ledger with the parcels of ``store``: the changes, unknown IDs and refused rows.

    Parameters
    ----------
    store
        The workspace (a planner's :class:`geo.store.Store`).
    source
        The ledger: a path, an upload (:class:`geo.io.SourceFile`) or data
        already read by :func:`read_ledger`.
    key
        The ledger column with the parcel IDs (default: the column whose
        header means 地块编号 / parcel ID).
    sheet
        The sheet of a workbook (default ``地块清单``/``Parcels`` when present, else the first).
    encoding
        The text encoding of a csv (default: detected, GBK included).
    today
        The date of status changes whose row gives no ``状态起始日期`` (default today).

    Raises
    ------
    LedgerError
        The file is empty, unreadable or has no key column (nothing to compare).
    geo.access.RoleError
        The store's role may not edit.
    """
    from geo.access import require_edit

    require_edit(store.role)
    today = today or dt.date.today()
    data = (
        source
        if isinstance(source, SourceData)
        else read_ledger(source, sheet=sheet, encoding=encoding, session=session)
    )
    frame = pd.DataFrame(data.frame.drop(columns=[data.frame.geometry.name]))
    columns = [str(c) for c in frame.columns]
    where = data.name + (f", sheet {data.layer!r}" if data.layer else "")
    kinds = store.parcel_kinds()
    key_override = None
    if key is not None:
        key_override = _find_key(MappingPlan("parcels", [], [], []), columns, key, where)
    plan, not_updatable, ignored = _classify(
        columns,
        key_override=key_override,
        kinds=kinds,
        has_geometry=data.has_geometry,
        geometry_from=data.geometry_from,
    )
    key_column = key_override or _find_key(plan, columns, None, where)
    diff = LedgerDiff(
        source=data.name,
        sheet=data.layer,
        target=store.target,
        key_column=key_column,
        plan=plan,
        not_updatable=not_updatable,
        ignored=ignored,
        rows=len(frame),
        notes=list(data.notes),
    )
    if data.encoding and data.format == "csv":
        diff.notes.append(f"read as {data.encoding} ({data.encoding_reason})")
    formulas: dict[int, list[tuple[str, str]]] = {}
    for i, col, text in data.formulas:
        formulas.setdefault(i, []).append((col, text))
    matches = [m for m in plan.matches if m.field != "parcel_id"]
    csv = data.format == "csv"

    records = frame.astype(object).to_dict("records")
    keys: list[str | None] = []
    for v in frame[key_column].tolist():
        keys.append(None if _is_empty(v) else str(v).strip())
    seen: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k is not None and norm_header(k) not in SUMMARY_KEYS:
            seen.setdefault(k, []).append(i)

    for i, pid in enumerate(keys):
        row = _sheet_row(data, i)
        record = records[i]
        if pid is None:
            if any(not _is_empty(record[m.source]) for m in matches) or i in formulas:
                diff.refused.append(
                    RefusedRow(row, None, f"row {row} has no {key_column}; the row is skipped")
                )
            continue
        if norm_header(pid) in SUMMARY_KEYS:
            diff.summary_rows += 1
            continue
        if len(seen[pid]) > 1:
            others = [_sheet_row(data, j) for j in seen[pid]]
            diff.refused.append(
                RefusedRow(
                    row,
                    pid,
                    f"row {row}: {key_column} {pid} appears in rows "
                    f"{', '.join(map(str, others))}; keep one row per parcel (all are skipped)",
                )
            )
            continue
        if i in formulas:
            cells = "; ".join(f"{c} holds the formula {f}" for c, f in formulas[i])
            diff.refused.append(
                RefusedRow(
                    row,
                    pid,
                    f"row {row} ({pid}): {cells}; Tenglong does not evaluate formulas: replace "
                    f"them by their values (Paste Special → Values); the row is skipped",
                )
            )
            continue
        values: dict[str, Any] = {}
        problems = []
        for m in matches:
            raw = record[m.source]
            if csv:
                if is_formula_like(raw) and str(raw).startswith(("=", "＝")):
                    problems.append(f"{m.source} holds the formula {raw}; write the value instead")
                    continue
                raw = _csv_unescape(raw)
            value, problem = _value(raw, m.field, kinds[m.field], m)
            if problem:
                problems.append(problem)
            elif value is not None:
                values[m.field] = value
        if problems:
            diff.refused.append(
                RefusedRow(
                    row, pid, f"row {row} ({pid}): {'; '.join(problems)}; the row is skipped"
                )
            )
            continue
        try:
            current = store.parcel(pid)
        except ParcelNotFoundError:
            diff.unknown.append((row, pid))
            continue
        update, refusal = _row_changes(current, values, kinds, row=row, today=today)
        if refusal:
            diff.refused.append(RefusedRow(row, pid, refusal))
        elif update is None:
            diff.unchanged += 1
        else:
            diff.updates.append(update)
    logger.info("ledger %s against %s: %s", data.name, store.target, diff.counts())
    return diff


def apply_ledger(store: Store, diff: LedgerDiff, *, note: str | None = None) -> LedgerResult:
    """Write the changes of ``diff`` in one audited transaction of :meth:`Store.apply_edits`.

    Unknown IDs and refused rows are not applied. Each parcel must still be
    at the ``row_version`` the diff saw.

    Raises
    ------
    geo.store.EditConflict
        Another editor saved one of the parcels after the diff was made; nothing was written.
    geo.store.StoreError, geo.access.RoleError, geo.store.InvalidEditError
        As :meth:`geo.store.Store.apply_edits`; nothing was written.
    """
    if not diff.updates:
        return LedgerResult(store.target, None, ())
    text = f"ledger {Path(diff.source).name}" + (f": {note}" if note else "")
    results = store.apply_edits([u.edit() for u in diff.updates], note=text)
    edit_id = next((r.edit_id for r in results if r.edit_id), None)
    return LedgerResult(store.target, edit_id, tuple(results))


# ---------------------------------------------------------------------------
# Sample
# ---------------------------------------------------------------------------

_SAMPLE_NEXT: dict[str, str] = {
    "operating": "to_release",
    "to_release": "released",
    "released": "stored",
    "stored": "supplied",
    "supplied": "in_production",
    "idle": "stored",
    "low_efficiency": "to_release",
}


def sample_ledger_frame(
    parcels: pd.DataFrame,
    *,
    rows: int = 8,
    on: dt.date | str = "2025-06-30",
    problems: bool = True,
) -> pd.DataFrame:
    """A ledger as an office keeps it, for the first ``rows`` parcels (deterministic).

    Each parcel moves one step along the lifecycle (``状态`` as a Chinese word,
    ``状态起始日期`` = ``on``), gets ``权利人`` 县土地储备中心 when it is taken into
    the reserve, and ``补偿金额(元)`` in yuan (converted to 万元 on update).
    With ``problems`` two rows show what is skipped: an ID the workspace does
    not have and a parcel sent back along the lifecycle.
    """
    on = dt.date.fromisoformat(on) if isinstance(on, str) else on
    p = pd.DataFrame(parcels).sort_values("parcel_id", kind="stable").head(rows)
    out = []
    for _, r in p.iterrows():
        status = str(r.get("status"))
        nxt = _SAMPLE_NEXT.get(status, status)
        comp = r.get("compensation_wan_yuan")
        comp_yuan = None if comp is None or pd.isna(comp) else round(float(comp) * 10_000 + 5_000)
        out.append(
            {
                "地块编号": str(r["parcel_id"]),
                "地块名称": r.get("name"),
                "状态": STATUS_LABELS[nxt][0] if nxt in STATUS_LABELS else nxt,
                "状态起始日期": on,
                "权利人": "县土地储备中心" if nxt == "stored" else r.get("owner"),
                "补偿金额(元)": comp_yuan,
                "备注": "台账示例",
            }
        )
    if problems and out:
        out.append(
            {
                "地块编号": "NO-SUCH-0000",
                "地块名称": "台账中有、库中无的地块",
                "状态": "已收储",
                "状态起始日期": on,
                "权利人": None,
                "补偿金额(元)": None,
                "备注": "未知编号：跳过",
            }
        )
        first = out[0]
        now = str(p.iloc[0].get("status"))
        allowed = ALLOWED_TRANSITIONS.get(now, frozenset())
        back = next(s for s in reversed(STATUSES) if s != now and s not in allowed)
        first["状态"] = STATUS_LABELS[back][0]
        first["备注"] = "不可能的状态变化：跳过"
    return pd.DataFrame(out)


def write_sample_ledger(
    path: str | os.PathLike[str],
    parcels: pd.DataFrame,
    *,
    rows: int = 8,
    on: dt.date | str = "2025-06-30",
    problems: bool = True,
) -> Path:
    """Write :func:`sample_ledger_frame` as an xlsx (or csv, by the suffix) ledger, atomically.

    Cells go through :mod:`geo.cells` (text never becomes a formula). Feed the
    file to ``tenglong update WORKSPACE FILE``.

    Examples
    --------
    ::

        from geo.workspace import open_workspace
        ws = open_workspace("data/fuxing.gpkg")
        write_sample_ledger("台账示例.xlsx", ws.parcels)
    """
    from geo.cells import frame_csv, write_xlsx_frame
    from geo.export._context import write_atomic

    df = sample_ledger_frame(parcels, rows=rows, on=on, problems=problems)
    out = Path(path)
    if out.suffix.lower() == ".csv":
        data = frame_csv(df).encode("utf-8-sig")
    else:
        import io

        bio = io.BytesIO()
        write_xlsx_frame(df, bio, sheet_name="台账")
        data = bio.getvalue()
    return write_atomic(out, data)


def first_rows(data: SourceData, rows: int = 10) -> pd.DataFrame:
    """The first rows of a ledger as read, indexed by sheet row."""
    df = pd.DataFrame(data.frame.drop(columns=[data.frame.geometry.name])).head(rows)
    df.index = [_sheet_row(data, i) for i in range(len(df))]
    df.index.name = "row"
    return df


__all__ = [
    "LEDGER_SHEETS",
    "FieldChange",
    "LedgerDiff",
    "LedgerResult",
    "ParcelUpdate",
    "RefusedRow",
    "apply_ledger",
    "diff_ledger",
    "display_value",
    "field_label",
    "first_rows",
    "read_ledger",
    "sample_ledger_frame",
    "write_sample_ledger",
]
