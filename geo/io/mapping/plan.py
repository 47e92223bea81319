"""Which source column feeds which field, with its unit: :func:`plan_mapping`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.io.errors import MappingError
from geo.io.mapping.aliases import DECLARED_AREA, IGNORE, IMPORT_TABLES, POLYGON_TABLES
from geo.io.mapping.units import (
    _AREA_KEYS,
    _alias_index,
    _field_unit,
    norm_header,
    split_unit,
    unit_of,
)
from geo.io.report import Finding
from geo.schema import TABLES

# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldMatch:
    """One source column mapped onto a field.

    ``factor`` converts the header's unit to the field's (1 when they agree).
    """

    source: str
    field: str
    unit: str | None
    factor: float
    how: str


@dataclass
class MappingPlan:
    """How the columns of a source map onto a table."""

    table: str
    matches: list[FieldMatch]
    unmapped: list[str]
    missing: list[str]
    findings: list[Finding] = field(default_factory=list)

    def fields(self) -> list[str]:
        return [m.field for m in self.matches]

    def source_of(self, fld: str) -> str | None:
        return next((m.source for m in self.matches if m.field == fld), None)

    def frame(self) -> pd.DataFrame:
        """The plan as a table: source column → field (unit, factor, how)."""
        rows = [
            {"column": m.source, "field": m.field, "unit": m.unit, "factor": m.factor, "how": m.how}
            for m in self.matches
        ]
        rows += [
            {"column": c, "field": None, "unit": None, "factor": None, "how": "not imported"}
            for c in self.unmapped
        ]
        return pd.DataFrame(rows, columns=["column", "field", "unit", "factor", "how"])


_EXTRA_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _declared_area_field(fld: str) -> str | None:
    """``area_mu``/``area_ha``/``area_m2``/``area_km2`` as a --map target: the unit."""
    m = re.fullmatch(r"area_(mu|ha|m2|km2)", fld)
    return m.group(1) if m else None


def _resolve_unit(
    table: str, fld: str, source: str, unit: str | None
) -> tuple[float, list[Finding]]:
    target = _field_unit(table, fld)
    if unit is None or target is None:
        return 1.0, []
    got = unit_of(unit)
    if got is None or got[0] != target[0]:
        col = TABLES[table].column(fld)
        want = col.unit if col is not None and col.unit else ("亩" if fld == DECLARED_AREA else "")
        return 1.0, [
            Finding(
                "warning",
                "unit_not_understood",
                f"the unit {unit!r} in the header of {source!r} is not understood for {fld}; "
                f"values are taken as {want or 'given'}: check them, or rename the header",
                column=source,
                field=fld,
            )
        ]
    return got[1] / target[1], []


def tolerated_missing(table: str) -> frozenset[str]:
    """Required fields an import may leave unknown unless ``--strict`` (docs/architecture.md §3).

    Parcels need only their id (and geometry, checked elsewhere): every other
    required field may be missing and is stored as unknown. Other tables keep
    every required field required.

    Examples
    --------
    >>> sorted(tolerated_missing("parcels"))[:3]
    ['district', 'industry_before', 'land_use_now']
    >>> tolerated_missing("areas")
    frozenset()
    """
    spec = TABLES[table]
    if table != "parcels":
        return frozenset()
    return frozenset(c for c in spec.required if c != spec.key)


def plan_mapping(
    columns: Iterable[Any],
    *,
    table: str,
    overrides: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    strict: bool = True,
) -> MappingPlan:
    """Map source columns onto ``table``'s fields.

    Parameters
    ----------
    columns
        The source's column names.
    table
        One of :data:`IMPORT_TABLES`.
    overrides
        ``{source column: field}`` (``--map``); a field of ``-`` or ``""``
        leaves the column out; ``area_mu``/``area_ha``/``area_m2`` name a
        declared area in that unit; another snake_case name keeps the column
        as an extra field.
    defaults
        Fields filled with one value (``--default``); they count as present.
    strict
        A required field with no source column is an error (``--strict``).
        When False, only the table's key must have a column
        (:func:`tolerated_missing`); the other fields are warnings and are
        stored as unknown (docs/architecture.md §3).

    Raises
    ------
    MappingError
        An override names a column the source lacks or an unusable field.

    Examples
    --------
    >>> plan = plan_mapping(["地块编号", "状态", "面积(公顷)", "备注"], table="parcels")
    >>> [(m.source, m.field, m.factor) for m in plan.matches][2]
    ('面积(公顷)', 'declared_area_mu', 15.0)
    >>> [m.field for m in plan.matches][:2]
    ['parcel_id', 'status']
    >>> plan.unmapped
    ['备注']
    """
    if table not in IMPORT_TABLES:
        raise MappingError(
            f"cannot import into {table!r}; choose one of {', '.join(IMPORT_TABLES)}"
        )
    spec = TABLES[table]
    cols = [str(c) for c in columns]
    overrides = {str(k): str(v).strip() for k, v in (overrides or {}).items()}
    unknown = [c for c in overrides if c not in cols]
    if unknown:
        raise MappingError(
            f"--map names column(s) {', '.join(map(repr, unknown))} that the source does not "
            f"have; its columns are: {', '.join(cols)}"
        )
    index = _alias_index(table)
    matches: list[FieldMatch] = []
    unmapped: list[str] = []
    findings: list[Finding] = []
    taken: dict[str, str] = {}
    polygonal = table in POLYGON_TABLES

    def take(m: FieldMatch) -> None:
        if m.field in taken:
            findings.append(
                Finding(
                    "warning",
                    "duplicate_mapping",
                    f"{m.source!r} would also map onto {m.field}, already taken by "
                    f"{taken[m.field]!r}; it is not imported (use --map to choose)",
                    column=m.source,
                    field=m.field,
                )
            )
            unmapped.append(m.source)
            return
        taken[m.field] = m.source
        matches.append(m)

    # Explicit overrides first, so they win over recognised headers.
    for col in cols:
        if col not in overrides:
            continue
        target = overrides[col]
        stem, unit = split_unit(col)
        if target in ("", IGNORE):
            unmapped.append(col)
            continue
        area_unit = _declared_area_field(target)
        if area_unit is not None:
            if not polygonal:
                raise MappingError(
                    f"--map {col}={target}: {table} has no area; map it to a field of {table}"
                )
            fld, unit = DECLARED_AREA, area_unit
        elif spec.column(target) is not None:
            fld = target
        elif _EXTRA_NAME.match(target):
            fld = target
            findings.append(
                Finding(
                    "info",
                    "extra_column",
                    f"{col!r} is kept as the extra column {target!r} (not part of the data model)",
                    column=col,
                    field=target,
                )
            )
        else:
            raise MappingError(
                f"--map {col}={target}: {target!r} is not a field of {table}; use one of "
                f"{', '.join(c.name for c in spec.columns)}"
                + (", area_mu, area_ha, area_m2" if polygonal else "")
                + ", or - to leave the column out"
            )
        factor, notes = _resolve_unit(table, fld, col, unit)
        findings += notes
        take(FieldMatch(col, fld, unit, factor, "--map"))
    for col in cols:
        if col in overrides:
            continue
        stem, unit = split_unit(col)
        full, key = norm_header(col), norm_header(stem)
        area_unit = _declared_area_field(full.replace("area", "area_", 1)) if polygonal else None
        if area_unit is not None:
            factor = _resolve_unit(table, DECLARED_AREA, col, area_unit)[0]
            take(FieldMatch(col, DECLARED_AREA, area_unit, factor, "header"))
            continue
        if polygonal and key in _AREA_KEYS:
            if unit is None:
                unmapped.append(col)
                findings.append(
                    Finding(
                        "info",
                        "area_without_unit",
                        f"{col!r} looks like an area but its header has no unit; map it with "
                        f"--map {col}=area_mu (or area_ha, area_m2) to check it against the "
                        f"geometry",
                        column=col,
                    )
                )
                continue
            factor, notes = _resolve_unit(table, DECLARED_AREA, col, unit)
            if notes:
                unmapped.append(col)
                findings += notes
                continue
            take(FieldMatch(col, DECLARED_AREA, unit, factor, "header"))
            continue
        fld = index.get(full) or index.get(key)
        if fld is None or (fld == "area_mu" and polygonal):
            unmapped.append(col)
            continue
        # A unit that is part of a field's own name (electricity_mwh) needs no conversion.
        used_unit = None if index.get(full) == fld else unit
        factor, notes = _resolve_unit(table, fld, col, used_unit)
        findings += notes
        take(FieldMatch(col, fld, used_unit, factor, "header"))
    present = set(taken) | set(defaults or {})
    missing = [c for c in spec.required if c not in present]
    for c in missing:
        col = spec.column(c)
        label = f"{col.zh}/{col.en}" if col is not None else c
        if not strict and c in tolerated_missing(table):
            findings.append(
                Finding(
                    "warning",
                    "unknown_field",
                    f"required field {c} ({label}) has no source column: stored as unknown in "
                    f"every row; map one with --map COLUMN={c}, fill it with --default "
                    f"{c}=VALUE, or refuse the file with --strict",
                    field=c,
                )
            )
            continue
        findings.append(
            Finding(
                "error",
                "missing_column",
                f"required field {c} ({label}) has no source column; map one with "
                f"--map COLUMN={c} or fill it with --default {c}=VALUE",
                field=c,
            )
        )
    for c in unmapped:
        if not any(f.column == c for f in findings):
            findings.append(
                Finding(
                    "info",
                    "unmapped_column",
                    f"{c!r} matches no field of {table} and is not imported (map it with "
                    f"--map {c}=FIELD to keep it)",
                    column=c,
                )
            )
    return MappingPlan(table, matches, unmapped, missing, findings)
