"""What an edit is, whatever the backend: records, changes, values and the lifecycle.

Values in the audit table
-------------------------
``audit.before`` and ``audit.after`` are text, written by :func:`encode_value`
so that they compare exactly across backends: ``None`` stays NULL, booleans
are ``true``/``false``, integers their digits, floats their shortest
round-trip ``repr``, dates ``YYYY-MM-DD`` and geometry full-precision WKT in
CGCS2000 (EPSG:4490). The ``after`` of one edit of a field is therefore
exactly the ``before`` of the next edit of that field.

Status lifecycle
----------------
:data:`ALLOWED_TRANSITIONS` is the lifecycle of docs/architecture.md §3 as a graph::

    operating ──▶ to_release ──▶ released ──▶ stored ──▶ supplied ──▶ in_production
        │  ▲          │   ▲          └──────────────────▲  │   ▲            │
        │  └──────────┘   │  (plan withdrawn)  (supplied   │   │            │
        ▼                 │                    directly)   ▼   │            ▼
    low_efficiency ───────┘                               idle ┘     low_efficiency

- ``operating`` → ``to_release`` (listed for release) or ``low_efficiency``
  (class D in the 亩均 evaluation);
- ``low_efficiency`` → ``to_release``, ``operating`` or ``in_production``
  (the firm improved);
- ``to_release`` → ``released`` (freed) or ``operating`` (plan withdrawn);
- ``released`` → ``stored`` (收储) or ``supplied`` (supplied without storage,
  e.g. 自主改造 by the owner);
- ``stored`` → ``supplied``;
- ``supplied`` → ``in_production`` or ``idle`` (not developed in time);
- ``idle`` → ``in_production`` (developed after all) or ``stored`` (taken
  back into the land reserve, 收回);
- ``in_production`` → ``low_efficiency``;
- ``unknown`` (未知, an imported register gave none) → any status: the first
  status recorded is a correction of the record, not a step of the lifecycle
  (docs/architecture.md §3). No status goes back to ``unknown`` without
  ``force``.

A status change sets ``status`` and ``status_since`` (the date of the
change, never in the future and not before the current ``status_since``).
Entering a freed status (released, stored, supplied, in production) with no
``released_on`` sets ``released_on`` to the same date; going back to
``operating`` or ``to_release`` clears it. ``force=True`` lets a planner
correct data outside these rules; it is audited like any edit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import shapely

from geo.schema import FREED_STATUSES, STATUS_LABELS, STATUSES, TABLES, UNKNOWN_STATUS
from geo.store.errors import InvalidEditError, InvalidTransitionError

Kind = Literal["str", "int", "float", "bool", "date", "geometry"]
"""How a column's values are typed and written to the audit table."""

GEOMETRY_FIELD = "geometry"
"""Name of the geometry in records, changes and the audit table (whatever the column)."""

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "operating": frozenset({"to_release", "low_efficiency"}),
    "low_efficiency": frozenset({"to_release", "operating", "in_production"}),
    "to_release": frozenset({"released", "operating"}),
    "released": frozenset({"stored", "supplied"}),
    "stored": frozenset({"supplied"}),
    "supplied": frozenset({"in_production", "idle"}),
    "idle": frozenset({"in_production", "stored"}),
    "in_production": frozenset({"low_efficiency"}),
    UNKNOWN_STATUS: frozenset(s for s in STATUSES if s != UNKNOWN_STATUS),
}
"""Status → the statuses it may change to without ``force`` (see the module docs)."""

PRE_RELEASE_STATUSES: frozenset[str] = frozenset({"operating", "to_release"})
"""Statuses of land that has not been freed: ``released_on`` is cleared on entering them."""

LIFECYCLE_FIELDS: frozenset[str] = frozenset({"status", "status_since", "released_on"})
"""Fields changed through :meth:`geo.store.Store.set_status`, not as plain attributes."""

PROTECTED_FIELDS: frozenset[str] = frozenset({"parcel_id", "fid", "row_version", "area_mu"})
"""Never edited directly: the stable key, storage ids, the version and the area cache."""


@dataclass(frozen=True)
class Change:
    """One field of one edit, as stored in the audit table."""

    table: str
    row_id: str
    field: str
    before: str | None
    after: str | None
    who: str
    at: str
    """ISO 8601 in UTC, microseconds: ``2025-06-01T08:30:12.123456+00:00``."""
    row_version: int
    """The row's version after this edit."""
    edit_id: str
    note: str | None = None


@dataclass(frozen=True)
class EditResult:
    """What a saved edit did. ``changes`` is empty when nothing differed (no new version)."""

    table: str
    row_id: str
    row_version: int
    edit_id: str | None
    who: str
    at: str | None
    changes: tuple[Change, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass(frozen=True)
class ParcelEdit:
    """One parcel's part of a many-parcel edit (:meth:`geo.store.Store.apply_edits`).

    ``status`` (with the date ``status_on``, default today) changes the status
    along the lifecycle exactly as :meth:`~geo.store.Store.set_status`;
    ``changes`` are plain field values as :meth:`~geo.store.Store.update_parcel`
    takes them (no geometry). ``expected_version`` is the ``row_version`` the
    editor saw.
    """

    parcel_id: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    status: str | None = None
    status_on: dt.date | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class ParcelRecord:
    """A parcel as stored: attribute values, geometry (EPSG:4490) and ``row_version``.

    Pass :attr:`row_version` back as ``expected_version`` when saving an edit
    of this record: the save fails with :class:`~geo.store.EditConflict` when
    someone else saved the parcel in between.
    """

    parcel_id: str
    row_version: int
    values: dict[str, Any] = field(default_factory=dict)
    geometry: Any = None

    def __getitem__(self, name: str) -> Any:
        if name == GEOMETRY_FIELD:
            return self.geometry
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        if name == GEOMETRY_FIELD:
            return self.geometry
        return self.values.get(name, default)


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and ``pd.NA``."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, str | bytes) else False
    except (TypeError, ValueError):
        return False


def to_date(value: Any, *, field: str = "date") -> dt.date | None:
    """A ``datetime.date`` from a date, datetime, pandas Timestamp or ``YYYY-MM-DD`` text.

    Examples
    --------
    >>> to_date("2024-05-01")
    datetime.date(2024, 5, 1)
    """
    if is_missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidEditError(f"{field} {value!r} is not a date; write YYYY-MM-DD") from None


def encode_value(value: Any, kind: Kind) -> str | None:
    """The audit-table text of a value (see the module docs).

    Examples
    --------
    >>> encode_value(507.7, "float"), encode_value(True, "bool"), encode_value(None, "str")
    ('507.7', 'true', None)
    >>> encode_value("2017-06-23", "date")
    '2017-06-23'
    """
    if kind == "geometry":
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return str(shapely.to_wkt(value, rounding_precision=-1))
    if is_missing(value):
        return None
    if kind == "bool":
        return "true" if bool(value) else "false"
    if kind == "int":
        return str(int(value))
    if kind == "float":
        return repr(float(value))
    if kind == "date":
        d = to_date(value)
        return None if d is None else d.isoformat()
    return str(value)


def coerce_value(value: Any, kind: Kind, *, field: str) -> Any:
    """A new value as the Python type of its column, or :class:`InvalidEditError` saying why.

    Dates become ``datetime.date``; geometry must already be a shapely geometry.
    """
    if kind == "geometry":
        return value
    if is_missing(value):
        return None
    if kind == "date":
        return to_date(value, field=field)
    try:
        if kind == "bool":
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("true", "1", "yes", "是"):
                    return True
                if low in ("false", "0", "no", "否"):
                    return False
                raise ValueError(value)
            return bool(value)
        if kind == "int":
            f = float(value)
            if not f.is_integer():
                raise ValueError(value)
            return int(f)
        if kind == "float":
            f = float(value)
            if not math.isfinite(f):
                raise ValueError(value)
            return f
    except (TypeError, ValueError):
        raise InvalidEditError(
            f"{field} {value!r} is not a valid {kind}; give a {kind} value"
        ) from None
    return str(value)


def kind_of_column(table: str, name: str, declared: str | None = None) -> Kind:
    """The kind of a stored column: its declared storage type decides.

    Text columns (and untyped ones) that :mod:`geo.schema` declares as dates
    are dates (the GeoPackage stores dates as ISO text); other text is text.
    A column stored as INTEGER stays an integer even where the schema says
    float, so that what is written is exactly what the audit table records.

    Examples
    --------
    >>> kind_of_column("parcels", "status_since", "TEXT"), kind_of_column("x", "n", "bigint")
    ('date', 'int')
    """
    d = (declared or "").lower()
    if "bool" in d:
        return "bool"
    if "int" in d:
        return "int"
    if any(t in d for t in ("real", "float", "double", "numeric", "decimal")):
        return "float"
    if d == "date":
        return "date"
    spec = TABLES.get(table)
    col = spec.column(name) if spec is not None else None
    if col is not None and (col.dtype == "date" or not d):
        return col.dtype
    return "str"


def now_utc() -> str:
    """The current time as the audit table writes it (ISO 8601, UTC, microseconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


# ---------------------------------------------------------------------------
# Lifecycle
# ---------------------------------------------------------------------------


def check_status(status: str) -> str:
    """``status`` when it is one of :data:`geo.schema.STATUSES`, else :class:`InvalidEditError`."""
    if status not in STATUSES:
        raise InvalidEditError(
            f"unknown status {status!r}; use one of: "
            + ", ".join(f"{s} ({STATUS_LABELS[s][0]})" for s in STATUSES)
        )
    return status


def plan_status_change(
    current: ParcelRecord,
    status: str,
    on: dt.date,
    *,
    force: bool = False,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The field values a status change writes (``status``, ``status_since``, ``released_on``).

    Raises
    ------
    InvalidTransitionError
        The change does not follow :data:`ALLOWED_TRANSITIONS`, the date is in
        the future or before the current ``status_since`` (unless ``force``).

    Examples
    --------
    >>> rec = ParcelRecord("P1", 0, {"status": "to_release", "released_on": None})
    >>> plan_status_change(rec, "released", dt.date(2024, 5, 1))["released_on"]
    datetime.date(2024, 5, 1)
    """
    check_status(status)
    old = current.values.get("status")
    today = today or dt.date.today()
    if not force:
        if old == status:
            raise InvalidTransitionError(
                f"parcel {current.parcel_id} is already {status}; to correct its date "
                f"use force=True (--force)"
            )
        allowed = ALLOWED_TRANSITIONS.get(str(old), frozenset())
        if old in ALLOWED_TRANSITIONS and status not in allowed:
            raise InvalidTransitionError(
                f"parcel {current.parcel_id} cannot go from {old} to {status}; from {old} "
                f"it can go to {', '.join(sorted(allowed))}. Correct a data error with "
                f"force=True (--force)"
            )
        if on > today:
            raise InvalidTransitionError(
                f"date {on} is in the future; record a status change when it has happened"
            )
        since = to_date(current.values.get("status_since"))
        if since is not None and on < since:
            raise InvalidTransitionError(
                f"date {on} is before the current status_since {since} of parcel "
                f"{current.parcel_id}; give a later date, or force=True to correct history"
            )
    out: dict[str, Any] = {"status": status, "status_since": on}
    if "released_on" in current.values:
        released_on = to_date(current.values.get("released_on"))
        if status in FREED_STATUSES and released_on is None:
            out["released_on"] = on
        elif status in PRE_RELEASE_STATUSES and released_on is not None:
            out["released_on"] = None
    return out


def check_parcel_geometry(geom: Any, *, allowed_types: tuple[str, ...]) -> Any:
    """A valid, non-empty polygonal geometry in CGCS2000 degrees, or :class:`InvalidEditError`.

    A one-part MultiPolygon is accepted where only Polygon is allowed.
    """
    if not isinstance(geom, shapely.Geometry):
        raise InvalidEditError(
            f"geometry must be a shapely Polygon or MultiPolygon, not {type(geom).__name__}"
        )
    if geom.is_empty:
        raise InvalidEditError("geometry is empty; draw the parcel or leave its geometry unchanged")
    if geom.geom_type == "MultiPolygon" and "MultiPolygon" not in allowed_types:
        if len(geom.geoms) == 1:
            geom = geom.geoms[0]
        else:
            raise InvalidEditError(
                f"the parcels layer stores {' or '.join(allowed_types)}: a parcel in "
                f"{len(geom.geoms)} parts must be split into several parcels"
            )
    if geom.geom_type not in allowed_types:
        raise InvalidEditError(
            f"geometry is a {geom.geom_type}; parcels need Polygon or MultiPolygon"
        )
    if not geom.is_valid:
        raise InvalidEditError(
            f"invalid geometry ({shapely.is_valid_reason(geom)}); repair it with "
            f"shapely.make_valid or in your GIS and check its area"
        )
    xmin, ymin, xmax, ymax = geom.bounds
    if not (xmin >= 70.0 and xmax <= 140.0 and ymin >= 0.0 and ymax <= 56.0):
        raise InvalidEditError(
            f"geometry bounds {geom.bounds} are not CGCS2000 degrees in China; pass "
            f"geometry_crs= with the CRS of your coordinates (e.g. the workspace's GK zone)"
        )
    return geom


def area_mu_of(geom: Any) -> float:
    """Planar area (亩) of a CGCS2000 geometry in the GK zone of its centroid."""
    from pyproj import Transformer

    from geo import crs as crs_mod

    lon = geom.centroid.x
    to_gk = Transformer.from_crs(crs_mod.STORAGE_EPSG, crs_mod.gk_crs_for_lon(lon), always_xy=True)
    projected = shapely.transform(geom, lambda xy: _stack(to_gk.transform(xy[:, 0], xy[:, 1])))
    return float(crs_mod.m2_to_mu(projected.area))


def _stack(xy: tuple[Any, Any]) -> Any:
    import numpy as np

    return np.column_stack(xy)


def changed_fields(
    current: ParcelRecord, new: Mapping[str, Any], kinds: Mapping[str, Kind]
) -> dict[str, tuple[str | None, str | None, Any]]:
    """Field → (before text, after text, new value) for the fields whose text differs."""
    out = {}
    for name, value in new.items():
        kind = kinds[name]
        before = encode_value(current.get(name), kind)
        after = encode_value(value, kind)
        if before != after:
            out[name] = (before, after, value)
    return out


def to_storage_geometry(geom: Any, crs: Any) -> Any:
    """A geometry from ``crs`` into CGCS2000 degrees (EPSG:4490), the stored CRS."""
    import numpy as np
    import shapely
    from pyproj import CRS, Transformer

    from geo.crs import STORAGE_EPSG

    source = CRS.from_user_input(crs)
    if source.to_epsg() == STORAGE_EPSG:
        return geom
    tr = Transformer.from_crs(source, STORAGE_EPSG, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
