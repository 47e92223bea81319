"""The workspace store interface, and the edit algorithm both backends share.

Every edit is one transaction that

1. takes the row's write lock (SQLite ``BEGIN IMMEDIATE``; PostgreSQL
   ``SELECT … FOR UPDATE``),
2. adds ``parcels.row_version`` and the ``audit`` table when missing,
3. compares the stored ``row_version`` with the version the editor read
   (``expected_version``) and raises :class:`~geo.store.EditConflict` —
   carrying the other change from the audit table — when they differ,
4. writes the changed fields and ``row_version + 1``,
5. appends one audit row per changed field (who, at, table, id, field, before,
   after, plus ``row_version``, ``edit_id`` and ``note``),
6. commits. Anything raised before the commit rolls everything back.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, ClassVar

import pandas as pd

from geo.access import (
    INVESTOR_FIELDS,
    INVESTOR_STATUSES,
    RESTRICTED_ROLES,
    check_process_allows,
    check_role,
    filter_meta,
    investor_columns,
    require_edit,
    require_internal_view,
)
from geo.schema import LAND_USES, RETIRED_COLUMN
from geo.store.errors import EditConflict, InvalidEditError, ParcelNotFoundError
from geo.store.model import (
    GEOMETRY_FIELD,
    PROTECTED_FIELDS,
    Change,
    EditResult,
    Kind,
    ParcelEdit,
    ParcelRecord,
    area_mu_of,
    changed_fields,
    check_parcel_geometry,
    check_status,
    coerce_value,
    now_utc,
    plan_status_change,
    to_date,
    to_storage_geometry,
)
from geo.store.records import RecordsMixin

logger = logging.getLogger(__name__)

AUDIT_COLUMNS: tuple[str, ...] = (
    "who",
    "at",
    "table_name",
    "row_id",
    "field",
    "before",
    "after",
    "row_version",
    "edit_id",
    "note",
)
"""Audit columns: :data:`geo.schema.AUDIT` plus ``row_version``, ``edit_id``, ``note``."""

LAND_USE_FIELDS = ("land_use_now", "land_use_planned")


class Store(RecordsMixin, ABC):
    """A workspace you can edit: a GeoPackage file or a PostGIS schema.

    Open one with :func:`geo.store.open_store`; use it as a context manager.
    Methods are safe to call from several threads (calls are serialised).

    Parameters
    ----------
    user
        Who edits: written to the audit table.
    role
        ``planner`` (may edit), ``investment``, ``investor`` or ``public``
        (read only; the last two see only available sites and whitelisted fields).
    """

    backend: ClassVar[str] = ""

    def __init__(self, *, user: str, role: str = "planner") -> None:
        check_role(role)
        check_process_allows(role)
        if not str(user).strip():
            raise ValueError("give the editor's name (user=...): it goes into the audit table")
        self.user = str(user).strip()
        self.role = role
        self._lock = threading.RLock()
        self._after_write_hook: Callable[[], None] | None = None
        """Called between writing the row and writing the audit rows (tests only)."""

    # ------------------------------------------------------------------ life cycle
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @property
    @abstractmethod
    def target(self) -> str:
        """The GeoPackage path or the PostGIS URL (without password) and schema."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.target} user={self.user!r} role={self.role}>"

    # ------------------------------------------------------------------ backend primitives
    @abstractmethod
    def _write_transaction(self) -> AbstractContextManager[None]:
        """A write transaction holding the workspace's (or the row's) write lock."""

    @abstractmethod
    def _ensure_edit_schema(self) -> None:
        """Inside a write transaction: add ``row_version`` and the audit table when missing."""

    @abstractmethod
    def _parcel_kinds(self) -> dict[str, Kind]:
        """Editable-or-not parcel columns → kind, plus ``geometry``; no storage ids."""

    @abstractmethod
    def _geometry_types(self) -> tuple[str, ...]:
        """Geometry types the parcels layer accepts."""

    @abstractmethod
    def _select_parcel(
        self, parcel_id: str, *, for_update: bool
    ) -> tuple[Any, ParcelRecord] | None:
        """(storage key, record) of a parcel, or None."""

    @abstractmethod
    def _update_parcel_row(self, key: Any, values: Mapping[str, Any], row_version: int) -> None:
        """Write field values and the new ``row_version`` of one parcel."""

    @abstractmethod
    def _insert_audit(self, changes: Sequence[Change]) -> None:
        """Append audit rows."""

    @abstractmethod
    def _select_audit(
        self, *, table: str | None, row_id: str | None, since_version: int | None, limit: int | None
    ) -> list[Change]:
        """Audit rows, oldest first (the last ``limit`` when given)."""

    @abstractmethod
    def _ensure_lineage_schema(self) -> None:
        """Inside a write transaction: add ``parent_id`` and ``retired_on`` when missing."""

    @abstractmethod
    def _parcel_bounds(self) -> tuple[float, float, float, float] | None:
        """Total bounds (EPSG:4490) of the parcels' geometry, or None."""

    @abstractmethod
    def _parcel_ids(self) -> set[str]:
        """Every parcel id, retired ones included."""

    @abstractmethod
    def _insert_parcel_row(self, values: Mapping[str, Any], geometry: Any, row_version: int) -> Any:
        """Insert one parcel (values, EPSG:4490 geometry, version); its storage key."""

    def _after_commit(self) -> None:
        """Called after a successful commit (e.g. a WAL checkpoint)."""

    @abstractmethod
    def read_tables(
        self,
        *,
        columns: Mapping[str, Collection[str]] | None = None,
        parcel_statuses: Collection[str] | None = None,
    ) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
        """Tables as stored (EPSG:4490, dates parsed) and ``meta``, optionally restricted.

        ``columns`` maps each table to read to the only columns to read (other
        tables are not read); ``parcel_statuses`` reads only parcels with these
        statuses and the milestones of those parcels and of areas. Restricted
        reads never fetch the other columns or rows.
        """

    @abstractmethod
    def revision(self) -> int:
        """A number that grows with every committed edit: use it as a cache key."""

    # ------------------------------------------------------------------ reading
    def parcel_kinds(self) -> dict[str, Kind]:
        """Parcel column → kind (``str``, ``int``, ``float``, ``bool``, ``date``), as stored.

        ``geometry`` is included; storage ids are not.
        """
        with self._lock:
            return dict(self._parcel_kinds())

    def parcel(self, parcel_id: str) -> ParcelRecord:
        """The stored parcel: values, geometry (EPSG:4490) and ``row_version``.

        Investors and the public get whitelisted fields of available parcels only.

        Raises
        ------
        ParcelNotFoundError
            No such parcel (or one the role may not see).
        """
        with self._lock:
            found = self._select_parcel(str(parcel_id), for_update=False)
        if found is None:
            raise ParcelNotFoundError(
                f"no parcel {parcel_id!r} in {self.target}; check the parcel_id"
            )
        record = found[1]
        if self.role in RESTRICTED_ROLES:
            retired = record.values.get(RETIRED_COLUMN) is not None
            if record.values.get("status") not in INVESTOR_STATUSES or retired:
                raise ParcelNotFoundError(f"no parcel {parcel_id!r} available in {self.target}")
            keep = set(investor_columns("parcels", record.values))
            record = ParcelRecord(
                record.parcel_id,
                record.row_version,
                {k: v for k, v in record.values.items() if k in keep},
                record.geometry,
            )
        return record

    def history(
        self, parcel_id: str | None = None, *, table: str = "parcels", limit: int | None = None
    ) -> pd.DataFrame:
        """The audit rows of a parcel (or of every row of ``table``), oldest first.

        Columns: ``at``, ``who``, ``table_name``, ``row_id``, ``field``,
        ``before``, ``after``, ``row_version``, ``edit_id``, ``note``.

        Raises
        ------
        geo.access.RoleError
            For investors and the public: the audit log holds internal values.
        """
        require_internal_view(self.role, what="the audit log")
        with self._lock:
            rows = self._select_audit(
                table=table,
                row_id=None if parcel_id is None else str(parcel_id),
                since_version=None,
                limit=limit,
            )
        cols = ["at", "who", "table_name", "row_id", "field", "before", "after"]
        cols += ["row_version", "edit_id", "note"]
        df = pd.DataFrame(
            [
                (
                    c.at,
                    c.who,
                    c.table,
                    c.row_id,
                    c.field,
                    c.before,
                    c.after,
                    c.row_version,
                    c.edit_id,
                    c.note,
                )
                for c in rows
            ],
            columns=cols,
            dtype=object,  # keep None as None in before/after/note
        )
        return df.astype({"row_version": "int64"})

    def changes(self, parcel_id: str, *, since_version: int = 0) -> list[Change]:
        """The audit entries of a parcel after ``since_version``, oldest first."""
        require_internal_view(self.role, what="the audit log")
        with self._lock:
            return self._select_audit(
                table="parcels", row_id=str(parcel_id), since_version=since_version, limit=None
            )

    def load_workspace(self, *, validate: bool | None = None, to_crs: Any = None) -> Any:
        """The workspace in memory (:class:`geo.workspace.Workspace`) as this role may see it.

        Geometry is projected to the parcels' GK zone with ``area_m2``/``area_mu``
        computed, exactly as :func:`geo.workspace.open_workspace` does. For
        investors and the public only whitelisted columns of available parcels
        are read (and the workspace is not validated: required internal
        columns are absent on purpose).
        """
        from geo.store.loading import workspace_from_tables

        restricted = self.role in RESTRICTED_ROLES
        if restricted:
            tables, meta = self.read_tables(
                columns=INVESTOR_FIELDS, parcel_statuses=INVESTOR_STATUSES
            )
            meta = filter_meta(meta, self.role)
        else:
            tables, meta = self.read_tables()
        return workspace_from_tables(
            tables,
            meta=meta,
            source=self.target,
            validate=(not restricted) if validate is None else validate and not restricted,
            to_crs=to_crs,
        )

    # ------------------------------------------------------------------ edits
    def set_status(
        self,
        parcel_id: str,
        status: str,
        *,
        on: dt.date | str | None = None,
        note: str | None = None,
        expected_version: int | None = None,
        force: bool = False,
    ) -> EditResult:
        """Change a parcel's status along the lifecycle, in one audited transaction.

        Parameters
        ----------
        parcel_id
            The parcel.
        status
            One of :data:`geo.schema.STATUSES`; see
            :data:`geo.store.ALLOWED_TRANSITIONS`.
        on
            Date of the change (default today): becomes ``status_since``, and
            ``released_on`` when the land is freed for the first time.
        note
            Why (e.g. the decision's reference); stored with the audit rows.
        expected_version
            The ``row_version`` the editor saw. None skips the conflict check
            (the command line reads and writes in one transaction).
        force
            Allow a change outside the lifecycle rules (data corrections).

        Raises
        ------
        geo.access.RoleError
            The role may not edit.
        InvalidTransitionError
            Not an allowed transition, or a bad date.
        EditConflict
            Someone saved the parcel after ``expected_version``; nothing was written.
        ParcelNotFoundError
            No such parcel.
        """
        require_edit(self.role)
        check_status(status)
        day = to_date(on, field="on") if on is not None else dt.date.today()
        assert day is not None
        today = dt.date.today()

        def plan(current: ParcelRecord) -> dict[str, Any]:
            kinds = self._parcel_kinds()
            planned = plan_status_change(current, status, day, force=force, today=today)
            return {k: v for k, v in planned.items() if k in kinds}

        return self._edit(
            str(parcel_id),
            plan,
            expected_version=expected_version,
            note=note,
            attempted={"status": status, "status_since": day.isoformat()},
        )

    def update_parcel(
        self,
        parcel_id: str,
        changes: Mapping[str, Any],
        *,
        expected_version: int | None = None,
        note: str | None = None,
        geometry_crs: Any = None,
    ) -> EditResult:
        """Change a parcel's attributes and/or geometry, in one audited transaction.

        Parameters
        ----------
        parcel_id
            The parcel.
        changes
            Field → new value. ``"geometry"`` takes a shapely Polygon or
            MultiPolygon; ``area_mu`` is then recomputed. ``status`` goes
            through :meth:`set_status`; ``parcel_id``, ``row_version`` and
            ``area_mu`` cannot be set.
        expected_version
            The ``row_version`` the editor saw (see :meth:`set_status`).
        note
            Why; stored with the audit rows.
        geometry_crs
            CRS of the geometry's coordinates (e.g. ``ws.crs``, the workspace's
            GK zone); default CGCS2000 degrees (EPSG:4490). Anything digitised
            on a GCJ-02 basemap must be converted back first
            (:func:`geo.crs.gcj02_to_wgs84`).

        Raises
        ------
        geo.access.RoleError, InvalidEditError, EditConflict, ParcelNotFoundError
            As :meth:`set_status`.
        """
        require_edit(self.role)
        if not changes:
            raise InvalidEditError("no changes given; pass field → new value")
        kinds = self._parcel_kinds()
        wanted = dict(changes)
        problems = []
        for name in wanted:
            if name == "status":
                problems.append("status: change it with set_status (it follows the lifecycle)")
            elif name in PROTECTED_FIELDS:
                problems.append(f"{name}: cannot be edited (key, version or area cache)")
            elif name not in kinds:
                editable = sorted(k for k in kinds if k not in PROTECTED_FIELDS | {"status"})
                problems.append(f"{name}: no such field; editable: {', '.join(editable)}")
        if problems:
            raise InvalidEditError("; ".join(problems))
        if GEOMETRY_FIELD in wanted:
            geom = wanted[GEOMETRY_FIELD]
            if geometry_crs is not None and geom is not None:
                geom = to_storage_geometry(geom, geometry_crs)
            wanted[GEOMETRY_FIELD] = check_parcel_geometry(
                geom, allowed_types=self._geometry_types()
            )
            if "area_mu" in kinds:
                wanted["area_mu"] = area_mu_of(wanted[GEOMETRY_FIELD])
        for name in LAND_USE_FIELDS:
            code = wanted.get(name)
            if code is not None and str(code) not in LAND_USES:
                raise InvalidEditError(
                    f"{name} {code!r} is not a 国土空间调查、规划、用途管制用地用海分类 code "
                    f"known to Tenglong (e.g. 100102 二类工业用地, 0901 商业用地)"
                )

        def plan(current: ParcelRecord) -> dict[str, Any]:
            return {
                name: coerce_value(value, kinds[name], field=name) for name, value in wanted.items()
            }

        attempted = {k: v for k, v in changes.items()}
        return self._edit(
            str(parcel_id), plan, expected_version=expected_version, note=note, attempted=attempted
        )

    def apply_edits(
        self, edits: Sequence[ParcelEdit], *, note: str | None = None
    ) -> list[EditResult]:
        """Apply edits of many parcels in one audited transaction (e.g. a ledger).

        Every parcel is checked against its ``expected_version``; when any of
        them was saved by someone else in between, :class:`EditConflict` is
        raised for the first one and nothing at all is written. The audit rows
        of all parcels share one ``edit_id`` and ``at``.

        Parameters
        ----------
        edits
            One :class:`~geo.store.model.ParcelEdit` per parcel (a status
            change along the lifecycle and/or field values).
        note
            Why; stored with every audit row.

        Returns
        -------
        list of EditResult
            One per edit, in ``parcel_id`` order (without changes where nothing differed).

        Raises
        ------
        geo.access.RoleError, InvalidEditError, InvalidTransitionError, EditConflict,
        ParcelNotFoundError
            As :meth:`set_status` and :meth:`update_parcel`; nothing was written.
        """
        require_edit(self.role)
        ids = [str(e.parcel_id) for e in edits]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise InvalidEditError(
                f"parcel(s) {', '.join(dup)} appear more than once; give one edit per parcel"
            )
        kinds = self._parcel_kinds()
        today = dt.date.today()
        plans = []
        for e in sorted(edits, key=lambda e: str(e.parcel_id)):
            wanted = self._checked_changes(e.changes, kinds, who=f"parcel {e.parcel_id}: ")
            if e.status is not None:
                check_status(e.status)
            plans.append((str(e.parcel_id), e, wanted))

        def planner(e: ParcelEdit, wanted: dict[str, Any]) -> Callable[[ParcelRecord], dict]:
            def plan(current: ParcelRecord) -> dict[str, Any]:
                out: dict[str, Any] = {}
                if e.status is not None:
                    day = e.status_on or today
                    planned = plan_status_change(current, e.status, day, today=today)
                    out.update({k: v for k, v in planned.items() if k in kinds})
                for name, value in wanted.items():
                    out[name] = coerce_value(value, kinds[name], field=name)
                return out

            return plan

        results: list[EditResult] = []
        with self._lock:
            with self._write_transaction():
                self._ensure_edit_schema()
                at, edit_id = now_utc(), uuid.uuid4().hex
                for parcel_id, e, wanted in plans:
                    attempted = dict(e.changes)
                    if e.status is not None:
                        attempted["status"] = e.status
                    version, changes = self._edit_row(
                        parcel_id,
                        planner(e, wanted),
                        expected_version=e.expected_version,
                        note=note,
                        attempted=attempted,
                        at=at,
                        edit_id=edit_id,
                    )
                    results.append(
                        EditResult(
                            "parcels",
                            parcel_id,
                            version,
                            edit_id if changes else None,
                            self.user,
                            at if changes else None,
                            changes,
                        )
                    )
            self._after_commit()
        n = sum(len(r.changes) for r in results)
        logger.info(
            "%s: %s edited %d parcel(s), %d field(s), in one transaction (edit %s)",
            self.target,
            self.user,
            sum(r.changed for r in results),
            n,
            edit_id,
        )
        return results

    def apply_geometry_edit(
        self,
        edit: Any,
        *,
        user: str | None = None,
        role: str | None = None,
        expected: Mapping[str, int] | None = None,
        note: str | None = None,
        crs: Any = None,
    ) -> Any:
        """Split, merge, reshape, retire, restore or create parcels in one audited transaction.

        Parameters
        ----------
        edit
            A :class:`geo.store.geometry.GeometryEdit` (also :mod:`geo.editing`'s).
        user
            Who edits, for the audit (default: the store's user).
        role
            The caller's role; refused unless both it and the store's role are planner.
        expected
            Parcel id → the ``row_version`` the editor read; a parcel changed
            since raises :class:`EditConflict` and nothing is written.
        note
            Why; stored with every audit row.
        crs
            CRS of the new geometries (e.g. ``ws.crs``). Default: CGCS2000
            degrees (EPSG:4490) for coordinates in degrees, else the GK zone
            :func:`geo.workspace.open_workspace` chooses for this workspace.

        Returns
        -------
        geo.store.geometry.GeometryEditResult
            New, retired and changed ids, versions and the audit rows.

        Raises
        ------
        geo.access.RoleError, InvalidEditError, EditConflict, ParcelNotFoundError
            Nothing was written.
        """
        from geo.store.geometry import apply_geometry_edit

        return apply_geometry_edit(
            self, edit, user=user, role=role, expected=expected, note=note, crs=crs
        )

    def geometry_versions(self, parcel_id: str) -> list[dict[str, Any]]:
        """The geometry versions of a parcel (:func:`geo.store.geometry.geometry_versions`)."""
        from geo.store.geometry import geometry_versions

        return geometry_versions(self, parcel_id)

    def _checked_changes(
        self, changes: Mapping[str, Any], kinds: Mapping[str, Kind], *, who: str = ""
    ) -> dict[str, Any]:
        """Plain field changes (no geometry, no status) checked like :meth:`update_parcel`."""
        wanted = dict(changes)
        problems = []
        for name in wanted:
            if name in ("status", GEOMETRY_FIELD):
                problems.append(f"{name}: cannot be set among plain field changes")
            elif name in PROTECTED_FIELDS:
                problems.append(f"{name}: cannot be edited (key, version or area cache)")
            elif name not in kinds:
                problems.append(f"{name}: no such field")
        if problems:
            raise InvalidEditError(who + "; ".join(problems))
        for name in LAND_USE_FIELDS:
            code = wanted.get(name)
            if code is not None and str(code) not in LAND_USES:
                raise InvalidEditError(
                    f"{who}{name} {code!r} is not a 国土空间调查、规划、用途管制用地用海分类 code "
                    f"known to Tenglong (e.g. 100102 二类工业用地, 0901 商业用地)"
                )
        return wanted

    def _edit(
        self,
        parcel_id: str,
        plan: Callable[[ParcelRecord], dict[str, Any]],
        *,
        expected_version: int | None,
        note: str | None,
        attempted: Mapping[str, Any],
    ) -> EditResult:
        with self._lock:
            with self._write_transaction():
                self._ensure_edit_schema()
                at, edit_id = now_utc(), uuid.uuid4().hex
                version, changes = self._edit_row(
                    parcel_id,
                    plan,
                    expected_version=expected_version,
                    note=note,
                    attempted=attempted,
                    at=at,
                    edit_id=edit_id,
                )
                if not changes:
                    return EditResult("parcels", parcel_id, version, None, self.user, None)
            self._after_commit()
        logger.info(
            "%s: %s edited parcel %s → version %d (%s)",
            self.target,
            self.user,
            parcel_id,
            version,
            ", ".join(c.field for c in changes),
        )
        return EditResult("parcels", parcel_id, version, edit_id, self.user, at, changes)

    def _edit_row(
        self,
        parcel_id: str,
        plan: Callable[[ParcelRecord], dict[str, Any]],
        *,
        expected_version: int | None,
        note: str | None,
        attempted: Mapping[str, Any],
        at: str,
        edit_id: str,
    ) -> tuple[int, tuple[Change, ...]]:
        """Inside a write transaction: lock, check the version, write one parcel and its audit."""
        found = self._select_parcel(parcel_id, for_update=True)
        if found is None:
            raise ParcelNotFoundError(
                f"no parcel {parcel_id!r} in {self.target}; check the parcel_id"
            )
        key, current = found
        if current.values.get(RETIRED_COLUMN) is not None:
            raise InvalidEditError(
                f"parcel {parcel_id} was retired on {current.values[RETIRED_COLUMN]} (split, "
                f"merged or retired); edit its lots, or restore it first (`tenglong restore`)"
            )
        if expected_version is not None and current.row_version != int(expected_version):
            theirs = self._select_audit(
                table="parcels",
                row_id=parcel_id,
                since_version=int(expected_version),
                limit=None,
            )
            raise EditConflict(
                table="parcels",
                row_id=parcel_id,
                expected_version=int(expected_version),
                current_version=current.row_version,
                theirs=theirs,
                attempted=attempted,
            )
        new_values = plan(current)
        diffs = changed_fields(current, new_values, self._parcel_kinds())
        if not diffs:
            return current.row_version, ()
        version = current.row_version + 1
        self._update_parcel_row(key, {f: d[2] for f, d in diffs.items()}, version)
        if self._after_write_hook is not None:
            self._after_write_hook()
        changes = tuple(
            Change("parcels", parcel_id, f, d[0], d[1], self.user, at, version, edit_id, note)
            for f, d in diffs.items()
        )
        self._insert_audit(changes)
        return version, changes


def audit_row(c: Change) -> tuple[Any, ...]:
    """The values of an audit row, in :data:`AUDIT_COLUMNS` order."""
    return (
        c.who,
        c.at,
        c.table,
        c.row_id,
        c.field,
        c.before,
        c.after,
        c.row_version,
        c.edit_id,
        c.note,
    )
