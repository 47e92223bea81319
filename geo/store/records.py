"""Row edits of the supply-supervision attribute tables (docs/architecture.md §3).

``contracts``, ``idle_cases`` and ``idle_exemptions`` are edited like a
parcel's attributes (:mod:`geo.store.base`): every save is one transaction
that locks the row, compares its ``row_version`` with the version the editor
read (:class:`~geo.store.EditConflict` when someone saved in between), writes
the changed fields with ``row_version + 1`` and appends one audit row per
changed field. A new row starts at version 1 with one audit row per non-empty
field (``before`` empty). A workspace without the table gets it on its first
save (with the :mod:`geo.schema` columns and ``row_version``).

The rules of what a valid contract or case is live in :mod:`geo.supply`
(a higher layer); this module checks only what storage needs: a known table
and column, a value of the column's type, a key, no duplicate key.
"""

from __future__ import annotations

import logging
import uuid
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.access import RESTRICTED_ROLES, require_edit, require_internal_view
from geo.schema import SUPPLY_TABLES, TABLES
from geo.store.errors import EditConflict, InvalidEditError, StoreError
from geo.store.model import Change, EditResult, Kind, coerce_value, encode_value, now_utc

logger = logging.getLogger(__name__)

RECORD_TABLES: tuple[str, ...] = SUPPLY_TABLES
"""Attribute tables edited row by row through :meth:`RecordsMixin.save_records`."""


class RowNotFoundError(StoreError, LookupError):
    """No row with that key in the table (or the table does not exist yet)."""


@dataclass(frozen=True)
class RecordEdit:
    """One row's edit: new field values of an existing row, or a new row (``create``).

    Attributes
    ----------
    table
        One of :data:`RECORD_TABLES`.
    key
        The row's key value (``contract_id``, ``case_id``, ``exemption_id``).
    changes
        Field → new value (the key itself is not among them).
    expected_version
        The ``row_version`` the editor read; None skips the conflict check.
    create
        Insert a new row; refused when the key exists already.
    """

    table: str
    key: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    expected_version: int | None = None
    create: bool = False


@dataclass(frozen=True)
class RecordRow:
    """A stored row of a record table and its ``row_version``."""

    table: str
    key: str
    row_version: int
    values: Mapping[str, Any]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)


def record_kinds(table: str) -> dict[str, Kind]:
    """Column → kind of a record table, from :mod:`geo.schema` (the key included)."""
    spec = TABLES[table]
    return {c.name: c.dtype for c in spec.columns}


def check_record_table(table: str) -> str:
    """The table name, or :class:`InvalidEditError` when it is not a record table."""
    if table not in RECORD_TABLES:
        raise InvalidEditError(
            f"{table!r} is not a table edited row by row; use one of {', '.join(RECORD_TABLES)}"
        )
    return table


class RecordsMixin:
    """Reading and editing record tables; the backends provide the primitives."""

    user: str
    role: str
    target: str
    _lock: Any

    # ------------------------------------------------------------------ primitives
    @abstractmethod
    def _write_transaction(self) -> Any: ...

    @abstractmethod
    def _ensure_edit_schema(self) -> None: ...

    @abstractmethod
    def _insert_audit(self, changes: Sequence[Change]) -> None: ...

    @abstractmethod
    def _after_commit(self) -> None: ...

    @abstractmethod
    def _select_audit(
        self, *, table: str | None, row_id: str | None, since_version: int | None, limit: int | None
    ) -> list[Change]: ...

    @abstractmethod
    def _ensure_record_table(self, table: str) -> None:
        """Inside a write transaction: create the table or add its missing columns."""

    @abstractmethod
    def _select_record(
        self, table: str, key: str, *, for_update: bool
    ) -> tuple[Any, RecordRow] | None:
        """(storage key, row) of the row whose key column equals ``key``, or None."""

    @abstractmethod
    def _insert_record(self, table: str, values: Mapping[str, Any], row_version: int) -> None:
        """Insert a row (values by column, the key included)."""

    @abstractmethod
    def _update_record(
        self, table: str, storage_key: Any, values: Mapping[str, Any], row_version: int
    ) -> None:
        """Write field values and the new ``row_version`` of one row."""

    @abstractmethod
    def _read_record_table(self, table: str) -> pd.DataFrame | None:
        """The whole table as stored (dates parsed) with ``row_version``; None when absent."""

    # ------------------------------------------------------------------ reading
    def records(self, table: str) -> pd.DataFrame:
        """A record table with ``row_version``, empty (schema columns) when the workspace lacks it.

        Raises
        ------
        geo.access.RoleError
            For investors and the public: the supply tables are internal.
        """
        check_record_table(table)
        require_internal_view(self.role, what=f"the {table} table")
        with self._lock:
            df = self._read_record_table(table)
        if df is None:
            from geo.workspace import empty_table

            df = empty_table(table)
            df["row_version"] = pd.Series([], dtype="int64")
        if self.role != "planner":
            df = df.drop(columns=[c for c in TABLES[table].internal if c in df.columns])
        return df

    def record(self, table: str, key: str) -> RecordRow:
        """One stored row of a record table.

        Raises
        ------
        RowNotFoundError
            No row with that key.
        geo.access.RoleError
            For investors and the public.
        """
        check_record_table(table)
        if self.role in RESTRICTED_ROLES:
            require_internal_view(self.role, what=f"the {table} table")
        with self._lock:
            found = self._select_record(table, str(key), for_update=False)
        if found is None:
            raise RowNotFoundError(
                f"no {TABLES[table].key} {key!r} in {table} of {self.target}; check the id "
                f"(`tenglong idle WS` lists the cases)"
            )
        row = found[1]
        if self.role != "planner":
            hidden = set(TABLES[table].internal)
            row = RecordRow(
                row.table,
                row.key,
                row.row_version,
                {k: v for k, v in row.values.items() if k not in hidden},
            )
        return row

    # ------------------------------------------------------------------ edits
    def save_records(
        self, edits: Sequence[RecordEdit], *, note: str | None = None
    ) -> list[EditResult]:
        """Insert and update rows of record tables in one audited transaction.

        Every row is checked against its ``expected_version``; one conflict, a
        duplicate key or a missing row and nothing at all is written. The
        audit rows share one ``edit_id`` and ``at``.

        Raises
        ------
        geo.access.RoleError
            The role may not edit.
        InvalidEditError
            Unknown table or column, a value of the wrong type, an empty key, a
            key given twice, or ``create`` of a key that exists.
        RowNotFoundError
            An update of a row that does not exist.
        EditConflict
            Someone saved a row after ``expected_version``.
        """
        require_edit(self.role)
        planned: list[tuple[RecordEdit, dict[str, Any]]] = []
        seen: set[tuple[str, str]] = set()
        for e in edits:
            check_record_table(e.table)
            key_col = TABLES[e.table].key
            assert key_col is not None
            key = str(e.key or "").strip()
            if not key:
                raise InvalidEditError(f"{e.table}: give the {key_col} of the row")
            if (e.table, key) in seen:
                raise InvalidEditError(
                    f"{e.table}: {key_col} {key!r} appears more than once; give one edit per row"
                )
            seen.add((e.table, key))
            kinds = record_kinds(e.table)
            values: dict[str, Any] = {}
            problems: list[str] = []
            for name, value in e.changes.items():
                if name == key_col:
                    if str(value).strip() != key:
                        problems.append(f"{name}: the key cannot be changed")
                    continue
                if name not in kinds:
                    problems.append(
                        f"{name}: no such field of {e.table}; fields: "
                        + ", ".join(k for k in kinds if k != key_col)
                    )
                    continue
                try:
                    values[name] = coerce_value(value, kinds[name], field=name)
                except InvalidEditError as err:
                    problems.append(str(err))
            if problems:
                raise InvalidEditError(f"{e.table} {key}: " + "; ".join(problems))
            planned.append((e, values))

        results: list[EditResult] = []
        with self._lock:
            with self._write_transaction():
                self._ensure_edit_schema()
                for table in sorted({e.table for e, _ in planned}):
                    self._ensure_record_table(table)
                at, edit_id = now_utc(), uuid.uuid4().hex
                for e, values in planned:
                    results.append(self._save_row(e, values, note=note, at=at, edit_id=edit_id))
            self._after_commit()
        logger.info(
            "%s: %s saved %d row(s) of %s, %d field(s) (edit %s)",
            self.target,
            self.user,
            sum(r.changed for r in results),
            ", ".join(sorted({e.table for e in edits})),
            sum(len(r.changes) for r in results),
            edit_id,
        )
        return results

    def _save_row(
        self, e: RecordEdit, values: dict[str, Any], *, note: str | None, at: str, edit_id: str
    ) -> EditResult:
        key_col = TABLES[e.table].key
        assert key_col is not None
        key = str(e.key).strip()
        kinds = record_kinds(e.table)
        found = self._select_record(e.table, key, for_update=True)
        if e.create:
            if found is not None:
                raise InvalidEditError(
                    f"{e.table}: {key_col} {key!r} exists already; each "
                    f"{TABLES[e.table].column(key_col).zh} is unique: edit that row instead"  # type: ignore[union-attr]
                )
            row = {key_col: key, **values}
            changes = tuple(
                Change(e.table, key, name, None, text, self.user, at, 1, edit_id, note)
                for name, value in row.items()
                if (text := encode_value(value, kinds[name])) is not None
            )
            self._insert_record(e.table, row, 1)
            self._insert_audit(changes)
            return EditResult(e.table, key, 1, edit_id, self.user, at, changes)
        if found is None:
            raise RowNotFoundError(
                f"no {key_col} {key!r} in {e.table} of {self.target}; nothing was saved"
            )
        storage_key, current = found
        if e.expected_version is not None and current.row_version != int(e.expected_version):
            theirs = self._select_audit(
                table=e.table, row_id=key, since_version=int(e.expected_version), limit=None
            )
            raise EditConflict(
                table=e.table,
                row_id=key,
                expected_version=int(e.expected_version),
                current_version=current.row_version,
                theirs=theirs,
                attempted=dict(e.changes),
            )
        diffs = {}
        for name, value in values.items():
            before = encode_value(current.values.get(name), kinds[name])
            after = encode_value(value, kinds[name])
            if before != after:
                diffs[name] = (before, after, value)
        if not diffs:
            return EditResult(e.table, key, current.row_version, None, self.user, None)
        version = current.row_version + 1
        self._update_record(e.table, storage_key, {n: d[2] for n, d in diffs.items()}, version)
        changes = tuple(
            Change(e.table, key, n, d[0], d[1], self.user, at, version, edit_id, note)
            for n, d in diffs.items()
        )
        self._insert_audit(changes)
        return EditResult(e.table, key, version, edit_id, self.user, at, changes)
