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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.cells import is_formula_like
from geo.io.ledger_read import (
    DERIVED_COLUMNS,
    LEDGER_SHEETS,
    cell_value,
    csv_unescape,
    derived_headers,
    find_key,
    first_rows,
    read_ledger,
    sheet_row,
)
from geo.io.ledger_sample import sample_ledger_frame, write_sample_ledger
from geo.io.mapping import (
    DECLARED_AREA,
    FieldMatch,
    MappingPlan,
    norm_header,
    plan_mapping,
)
from geo.io.mapping.values import _is_empty
from geo.io.sources import SourceData, SourceLike
from geo.schema import STATUS_LABELS, column_label
from geo.store import (
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


SUMMARY_KEYS: frozenset[str] = frozenset(
    norm_header(k) for k in ("合计", "总计", "小计", "Total", "Subtotal")
)
"""Key-column words of total rows (skipped, never looked up as parcel IDs)."""

STATUS_DATE_FIELD = "status_since"


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
    derived = derived_headers()
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
        key_override = find_key(MappingPlan("parcels", [], [], []), columns, key, where)
    plan, not_updatable, ignored = _classify(
        columns,
        key_override=key_override,
        kinds=kinds,
        has_geometry=data.has_geometry,
        geometry_from=data.geometry_from,
    )
    key_column = key_override or find_key(plan, columns, None, where)
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
        row = sheet_row(data, i)
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
            others = [sheet_row(data, j) for j in seen[pid]]
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
                raw = csv_unescape(raw)
            value, problem = cell_value(raw, m.field, kinds[m.field], m)
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


__all__ = [
    "DERIVED_COLUMNS",
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
