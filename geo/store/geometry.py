"""Geometry edits in one audited transaction: split, merge, reshape, retire, restore, create.

What an edit writes (docs/architecture.md §3)
---------------------------------------------
- **split** ``parcel_ids=[P]``, one geometry per lot: ``P`` is retired
  (``retired_on`` = today) and each lot is a new parcel ``new_ids[i]``
  (default ``P-1``, ``P-2`` …, :func:`child_ids`) with ``parent_id = P`` and
  the parent's attributes, overridden by ``attributes[i]``.
- **merge** ``parcel_ids=[A, B, …]``, one geometry: the sources are retired
  and one parcel ``new_ids[0]`` (default ``A-M``, :func:`merged_id`) is
  created with ``parent_id = "A,B,…"`` and the attributes of ``A``.
- **reshape** ``parcel_ids=[P]``, one geometry: ``P``'s geometry (and
  ``area_mu``) replaced.
- **retire** ``parcel_ids=[P, …]``: the parcels are retired (never erased).
- **restore** ``parcel_ids=[P, C1, …]``, zero or one geometry: ``P`` is live
  again (with that geometry, e.g. an earlier version from the audit log) and
  ``C1 …`` (its live lots) are retired in the same transaction.
- **create** ``new_ids=[N]``, one geometry, ``attributes=[{…}]``: a new
  parcel; fields not given are unknown (status ``unknown``).

Every changed or created parcel gets one audit row per changed field (a new
parcel: before NULL) plus a ``geometry_edit`` row naming the edit and the
parcels it links (``split into P-1,P-2``, ``split from P``); geometry goes to
the audit log as full-precision WKT in CGCS2000, so every geometry version can
be read back and restored. Existing parcels are checked against the
``row_version`` the editor read (``expected``): a change since then raises
:class:`~geo.store.EditConflict` naming who and when, and nothing is written.
Only planners edit (:func:`geo.access.require_edit`), whatever the caller sends.

The geometric checks (overlaps, slivers, lots leaving their parent, the
district) need the whole workspace and live in :func:`geo.editing.check_edit`;
the store checks what it can alone: ids, retirement and valid polygons.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from geo.access import require_edit
from geo.schema import LAND_USES, PARENT_COLUMN, RETIRED_COLUMN, STATUSES, UNKNOWN_STATUS
from geo.store.errors import EditConflict, InvalidEditError, ParcelNotFoundError
from geo.store.model import (
    GEOMETRY_FIELD,
    PROTECTED_FIELDS,
    Change,
    ParcelRecord,
    area_mu_of,
    check_parcel_geometry,
    coerce_value,
    encode_value,
    now_utc,
    to_storage_geometry,
)

if TYPE_CHECKING:
    from geo.store.base import Store

logger = logging.getLogger(__name__)

EditKind = Literal["split", "merge", "reshape", "retire", "restore", "create"]
EDIT_KINDS: tuple[str, ...] = ("split", "merge", "reshape", "retire", "restore", "create")

EDIT_FIELD = "geometry_edit"
"""The audit field naming a geometry edit and the parcels it links."""

LINEAGE_FIELDS: tuple[str, ...] = (PARENT_COLUMN, RETIRED_COLUMN)
"""Columns a geometry edit adds to the parcels table when missing."""

NOT_INHERITED: frozenset[str] = frozenset(
    {*PROTECTED_FIELDS, GEOMETRY_FIELD, PARENT_COLUMN, RETIRED_COLUMN}
)
"""Fields a lot never takes from its parent."""


@dataclass(frozen=True)
class GeometryEdit:
    """One geometry edit, as the command line and the app build it (see the module docs).

    Parameters
    ----------
    kind
        ``split``, ``merge``, ``reshape``, ``retire``, ``restore`` or ``create``.
    parcel_ids
        The existing parcels the edit changes or retires.
    new_geometries
        Shapely polygons in ``crs`` (default: the workspace's GK zone given to
        :meth:`geo.store.Store.apply_geometry_edit`).
    new_ids
        Ids of the parcels created (split, merge, create); empty: derived.
    attributes
        Per created parcel, field → value overriding the defaults (the
        parent's values; for a merge the first source's).
    """

    kind: str
    parcel_ids: list[str] = field(default_factory=list)
    new_geometries: list[Any] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    attributes: list[dict[str, Any]] = field(default_factory=list)
    version: int | None = None
    """restore: the geometry version (:func:`geometry_versions`) to bring back; the
    store takes it exactly from the audit log (``new_geometries`` then only serve
    the checks)."""


@dataclass(frozen=True)
class GeometryEditResult:
    """What a saved geometry edit did."""

    kind: str
    edit_id: str
    who: str
    at: str
    new_ids: tuple[str, ...]
    """Parcels created (lots of a split, the merged parcel, a created one)."""
    retired_ids: tuple[str, ...]
    changed_ids: tuple[str, ...]
    """Existing parcels whose row changed (retired, reshaped, restored)."""
    versions: dict[str, int]
    """Parcel → its ``row_version`` after the edit."""
    changes: tuple[Change, ...] = ()


def child_ids(parent_id: str, n: int, existing: set[str] | frozenset[str]) -> list[str]:
    """Ids of ``n`` lots of ``parent_id``: ``P-1``, ``P-2`` … skipping ids in ``existing``.

    ``existing`` must include retired parcels: an id is never used twice.

    Examples
    --------
    >>> child_ids("FX-0123", 3, {"FX-0123-2"})
    ['FX-0123-1', 'FX-0123-3', 'FX-0123-4']
    """
    out: list[str] = []
    k = 1
    while len(out) < n:
        candidate = f"{parent_id}-{k}"
        if candidate not in existing:
            out.append(candidate)
        k += 1
    return out


def merged_id(source_ids: Sequence[str], existing: set[str] | frozenset[str]) -> str:
    """The default id of a merge: ``<first>-M``, then ``-M2``, ``-M3`` … if taken.

    Examples
    --------
    >>> merged_id(["FX-0001", "FX-0002"], {"FX-0001-M"})
    'FX-0001-M2'
    """
    base = f"{source_ids[0]}-M"
    if base not in existing:
        return base
    k = 2
    while f"{base}{k}" in existing:
        k += 1
    return f"{base}{k}"


def _check_shape(edit: GeometryEdit) -> None:
    """Counts of ids and geometries per kind, or :class:`InvalidEditError` saying what to give."""
    kind, ids, geoms = edit.kind, list(edit.parcel_ids), list(edit.new_geometries)
    if kind not in EDIT_KINDS:
        raise InvalidEditError(
            f"unknown geometry edit {kind!r}; use one of {', '.join(EDIT_KINDS)}"
        )
    if len(set(ids)) != len(ids):
        raise InvalidEditError(f"{kind}: parcel ids repeat ({', '.join(ids)}); give each once")
    need = {
        "split": (ids and len(ids) == 1 and len(geoms) >= 2, "one parcel and two or more lots"),
        "merge": (len(ids) >= 2 and len(geoms) == 1, "two or more parcels and one geometry"),
        "reshape": (len(ids) == 1 and len(geoms) == 1, "one parcel and its new geometry"),
        "retire": (len(ids) >= 1 and not geoms, "the parcels to retire and no geometry"),
        "restore": (len(ids) >= 1 and len(geoms) <= 1, "the parcel and at most one geometry"),
        "create": (not ids and len(geoms) == 1, "no existing parcel and one geometry"),
    }
    ok, what = need[kind]
    if not ok:
        raise InvalidEditError(
            f"{kind}: give {what} (got {len(ids)} parcel id(s), {len(geoms)} geometry(ies))"
        )
    n_new = {"split": len(geoms), "merge": 1, "create": 1}.get(kind, 0)
    if edit.new_ids and len(edit.new_ids) != n_new:
        raise InvalidEditError(f"{kind}: give {n_new} new id(s) or none, not {len(edit.new_ids)}")
    if edit.attributes and len(edit.attributes) != n_new:
        raise InvalidEditError(
            f"{kind}: give one attribute set per new parcel ({n_new}) or none, "
            f"not {len(edit.attributes)}"
        )
    if kind == "create" and not edit.new_ids:
        raise InvalidEditError("create: give the new parcel's id (new_ids=[...])")


def plan_new_ids(edit: GeometryEdit, existing: set[str]) -> list[str]:
    """The ids the edit creates: those given (checked unused) or the derived ones."""
    n_new = {"split": len(edit.new_geometries), "merge": 1, "create": 1}.get(edit.kind, 0)
    if not n_new:
        return []
    ids = [str(i).strip() for i in edit.new_ids]
    if not ids:
        if edit.kind == "split":
            ids = child_ids(str(edit.parcel_ids[0]), n_new, existing)
        else:
            ids = [merged_id([str(i) for i in edit.parcel_ids], existing)]
    empty = [i for i in ids if not i]
    taken = sorted(i for i in ids if i in existing)
    if empty or taken or len(set(ids)) != len(ids):
        raise InvalidEditError(
            f"{edit.kind}: new id(s) "
            + (f"{', '.join(taken)} already exist (also retired ids stay taken)" if taken else "")
            + ("; an id is empty" if empty else "")
            + ("; ids repeat" if len(set(ids)) != len(ids) else "")
            + "; choose unused ids or leave them empty for the default"
        )
    return ids


def _in_degrees(geoms: Sequence[Any]) -> bool:
    """True when every geometry's bounds look like lon/lat in China."""
    for g in geoms:
        if g is None or g.is_empty:
            continue
        xmin, ymin, xmax, ymax = g.bounds
        if not (xmin >= 70.0 and xmax <= 140.0 and ymin >= 0.0 and ymax <= 56.0):
            return False
    return True


def default_crs(store: Store, geoms: Sequence[Any]) -> Any:
    """The CRS of geometries given without one: EPSG:4490 for degrees, else the workspace's GK zone.

    The zone is the one :func:`geo.workspace.open_workspace` chooses (the
    centre of the parcels' extent), so the workspace's ``ws.crs``.
    """
    from geo.crs import STORAGE_EPSG, projected_crs_for_bounds

    if not geoms or _in_degrees(geoms):
        return None
    bounds = store._parcel_bounds()
    if bounds is None:  # an empty workspace: nothing to choose from but the boundary
        raise InvalidEditError(
            "the new geometry is not in degrees and the workspace has no parcels to choose a "
            "GK zone from; pass crs= (e.g. the workspace's ws.crs)"
        )
    return projected_crs_for_bounds(bounds, STORAGE_EPSG)


def _storage_geoms(edit: GeometryEdit, crs: Any, allowed: tuple[str, ...]) -> list[Any]:
    out = []
    for i, g in enumerate(edit.new_geometries):
        try:
            if crs is not None and g is not None:
                g = to_storage_geometry(g, crs)
            out.append(check_parcel_geometry(g, allowed_types=allowed))
        except InvalidEditError as err:
            raise InvalidEditError(f"{edit.kind}: geometry {i + 1}: {err}") from None
    return out


def _new_values(
    template: ParcelRecord | None,
    overrides: Mapping[str, Any],
    kinds: Mapping[str, str],
    *,
    parent: str | None,
    geometry: Any,
    who: str,
) -> dict[str, Any]:
    """The field values of a created parcel: the template's, then ``overrides``."""
    values: dict[str, Any] = {}
    if template is not None:
        values = {k: v for k, v in template.values.items() if k in kinds and k not in NOT_INHERITED}
    elif "status" in kinds:
        values["status"] = UNKNOWN_STATUS
    for name, value in overrides.items():
        if name in NOT_INHERITED or name not in kinds:
            editable = sorted(k for k in kinds if k not in NOT_INHERITED)
            raise InvalidEditError(
                f"{who}{name}: cannot be set on a new parcel; settable: {', '.join(editable)}"
            )
        if name == "status" and value not in STATUSES:
            raise InvalidEditError(
                f"{who}status {value!r} unknown; use one of {', '.join(STATUSES)}"
            )
        if name in ("land_use_now", "land_use_planned") and value is not None:  # noqa: SIM102
            if str(value) not in LAND_USES:
                raise InvalidEditError(
                    f"{who}{name} {value!r} is not a 国土空间调查、规划、用途管制用地用海分类 code "
                    f"known to Tenglong (e.g. 100102 二类工业用地, 0901 商业用地)"
                )
        values[name] = coerce_value(value, kinds[name], field=name)  # type: ignore[arg-type]
    if PARENT_COLUMN in kinds:
        values[PARENT_COLUMN] = parent
    if "area_mu" in kinds:
        values["area_mu"] = area_mu_of(geometry)
    return values


def apply_geometry_edit(
    store: Store,
    edit: GeometryEdit,
    *,
    user: str | None = None,
    role: str | None = None,
    expected: Mapping[str, int] | None = None,
    note: str | None = None,
    crs: Any = None,
    today: dt.date | None = None,
) -> GeometryEditResult:
    """Write ``edit`` in one audited transaction (the algorithm of the module docs).

    See :meth:`geo.store.Store.apply_geometry_edit`.
    """
    require_edit(store.role, action="edit parcel geometry")
    if role is not None:
        require_edit(role, action="edit parcel geometry")
    who = str(user).strip() if user is not None and str(user).strip() else store.user
    _check_shape(edit)
    day = today or dt.date.today()
    with store._lock:
        if crs is None:
            crs = default_crs(store, edit.new_geometries)
        geoms = _storage_geoms(edit, crs, store._geometry_types())
    expected = {str(k): int(v) for k, v in (expected or {}).items()}
    ids = [str(i) for i in edit.parcel_ids]
    at, edit_id = now_utc(), uuid.uuid4().hex
    audit: list[Change] = []
    versions: dict[str, int] = {}
    retired: list[str] = []
    changed: list[str] = []

    def record(pid: str, field_name: str, before: Any, after: Any, version: int) -> None:
        audit.append(
            Change("parcels", pid, field_name, before, after, who, at, version, edit_id, note)
        )

    with store._lock:
        with store._write_transaction():
            store._ensure_edit_schema()
            store._ensure_lineage_schema()
            kinds = store._parcel_kinds()
            existing = store._parcel_ids()
            records: dict[str, tuple[Any, ParcelRecord]] = {}
            for pid in ids:
                found = store._select_parcel(pid, for_update=True)
                if found is None:
                    raise ParcelNotFoundError(
                        f"{edit.kind}: no parcel {pid!r} in {store.target}; check the parcel_id"
                    )
                records[pid] = found
                current = found[1]
                if pid in expected and current.row_version != expected[pid]:
                    theirs = store._select_audit(
                        table="parcels", row_id=pid, since_version=expected[pid], limit=None
                    )
                    raise EditConflict(
                        table="parcels",
                        row_id=pid,
                        expected_version=expected[pid],
                        current_version=current.row_version,
                        theirs=theirs,
                        attempted={EDIT_FIELD: f"{edit.kind} of {', '.join(ids)}"},
                    )
                is_retired = current.values.get(RETIRED_COLUMN) is not None
                wants_live = edit.kind != "restore" or pid != ids[0]
                if is_retired and wants_live:
                    raise InvalidEditError(
                        f"{edit.kind}: parcel {pid} was retired on "
                        f"{current.values[RETIRED_COLUMN]}; restore it first "
                        f"(`tenglong restore WS {pid} --version N`) or edit its live lots"
                    )
            if edit.kind == "restore" and edit.version is not None:
                geoms = [_version_geometry(store, ids[0], int(edit.version))]
            new_ids = plan_new_ids(edit, existing)
            links = _links(edit.kind, ids, new_ids)

            def write(pid: str, new: dict[str, Any]) -> None:
                key, current = records[pid]
                diffs = {}
                for name, value in new.items():
                    before = encode_value(current.get(name), kinds[name])  # type: ignore[arg-type]
                    after = encode_value(value, kinds[name])  # type: ignore[arg-type]
                    if before != after:
                        diffs[name] = (before, after, value)
                version = current.row_version + 1
                store._update_parcel_row(key, {f: d[2] for f, d in diffs.items()}, version)
                for name, (before, after, _) in diffs.items():
                    record(pid, name, before, after, version)
                record(pid, EDIT_FIELD, None, links.get(pid, edit.kind), version)
                versions[pid] = version
                changed.append(pid)

            if edit.kind in ("split", "merge", "retire"):
                for pid in ids:
                    write(pid, {RETIRED_COLUMN: day})
                    retired.append(pid)
            elif edit.kind == "reshape":
                write(ids[0], {GEOMETRY_FIELD: geoms[0], **_area(kinds, geoms[0])})
            elif edit.kind == "restore":
                back: dict[str, Any] = {RETIRED_COLUMN: None}
                if geoms:
                    back.update({GEOMETRY_FIELD: geoms[0], **_area(kinds, geoms[0])})
                write(ids[0], back)
                for pid in ids[1:]:
                    write(pid, {RETIRED_COLUMN: day})
                    retired.append(pid)
            for i, new_id in enumerate(new_ids):
                template = records[ids[0]][1] if ids else None
                parent = ",".join(ids) if ids else None
                values = _new_values(
                    template,
                    edit.attributes[i] if edit.attributes else {},
                    kinds,
                    parent=parent,
                    geometry=geoms[i],
                    who=f"{edit.kind}: new parcel {new_id}: ",
                )
                values["parcel_id"] = new_id
                store._insert_parcel_row(values, geoms[i], 1)
                for name, value in {**values, GEOMETRY_FIELD: geoms[i]}.items():
                    after = encode_value(value, kinds.get(name, "str"))  # type: ignore[arg-type]
                    if after is not None:
                        record(new_id, name, None, after, 1)
                record(new_id, EDIT_FIELD, None, links.get(new_id, edit.kind), 1)
                versions[new_id] = 1
            if store._after_write_hook is not None:
                store._after_write_hook()
            store._insert_audit(audit)
        store._after_commit()
    logger.info(
        "%s: %s %s %s → new %s, retired %s (edit %s)",
        store.target,
        who,
        edit.kind,
        ", ".join(ids) or "-",
        ", ".join(new_ids) or "-",
        ", ".join(retired) or "-",
        edit_id,
    )
    return GeometryEditResult(
        edit.kind,
        edit_id,
        who,
        at,
        tuple(new_ids),
        tuple(retired),
        tuple(changed),
        versions,
        tuple(audit),
    )


def _area(kinds: Mapping[str, str], geom: Any) -> dict[str, Any]:
    return {"area_mu": area_mu_of(geom)} if "area_mu" in kinds else {}


def _links(kind: str, ids: list[str], new_ids: list[str]) -> dict[str, str]:
    """The ``geometry_edit`` audit text of each parcel: what happened and with which parcels."""
    out: dict[str, str] = {}
    if kind == "split":
        out[ids[0]] = f"split into {','.join(new_ids)}"
        out.update({n: f"split from {ids[0]}" for n in new_ids})
    elif kind == "merge":
        out.update({i: f"merged into {new_ids[0]}" for i in ids})
        out[new_ids[0]] = f"merged from {','.join(ids)}"
    elif kind == "restore":
        out[ids[0]] = "restore" + (f" (retiring {','.join(ids[1:])})" if ids[1:] else "")
        out.update({i: f"retired by restoring {ids[0]}" for i in ids[1:]})
    return out


def _version_geometry(store: Store, parcel_id: str, version: int) -> Any:
    versions = geometry_versions(store, parcel_id)
    for v in versions:
        if v["version"] == version:
            return v["geometry"]
    raise InvalidEditError(
        f"restore: parcel {parcel_id} has geometry version(s) "
        f"{', '.join(str(v['version']) for v in versions)}, not {version}"
    )


def geometry_versions(store: Store, parcel_id: str) -> list[dict[str, Any]]:
    """The geometry versions of a parcel from the audit log, oldest first.

    Version 1 is the first geometry known: the ``before`` of the first
    geometry change (the geometry as imported) or, for a parcel created by an
    edit, its first geometry. Each later geometry change adds a version.
    Each entry: ``version``, ``who``, ``at``, ``edit``, ``row_version``,
    ``geometry`` (shapely, EPSG:4490) and ``area_mu``.

    Raises
    ------
    ParcelNotFoundError
        The parcel has no geometry anywhere (unknown id).
    """
    import shapely

    rows = store.changes(str(parcel_id))
    edits = {c.edit_id: c.after for c in rows if c.field == EDIT_FIELD}
    out: list[dict[str, Any]] = []
    for c in rows:
        if c.field != GEOMETRY_FIELD:
            continue
        if not out and c.before is not None:
            g = shapely.from_wkt(c.before)
            out.append(
                {
                    "version": 1,
                    "who": None,
                    "at": None,
                    "edit": "as imported",
                    "row_version": 0,
                    "geometry": g,
                    "area_mu": area_mu_of(g),
                }
            )
        if c.after is None:
            continue
        g = shapely.from_wkt(c.after)
        out.append(
            {
                "version": len(out) + 1,
                "who": c.who,
                "at": c.at,
                "edit": edits.get(c.edit_id, ""),
                "row_version": c.row_version,
                "geometry": g,
                "area_mu": area_mu_of(g),
            }
        )
    if not out:
        rec = store.parcel(str(parcel_id))
        out.append(
            {
                "version": 1,
                "who": None,
                "at": None,
                "edit": "as imported",
                "row_version": 0,
                "geometry": rec.geometry,
                "area_mu": area_mu_of(rec.geometry),
            }
        )
    return out
