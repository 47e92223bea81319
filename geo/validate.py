"""Validation of workspace tables: collect every problem, report once.

Nothing here repairs data. Each :class:`Problem` names the table, the row id
(the table's key, or the row number when the key is missing), the column and
what to do. ``severity`` is ``"error"`` (the workspace is invalid) or
``"warning"`` (worth a look, still usable).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import InputError
from geo.schema import (
    AREA_KINDS,
    IDLE_DISPOSALS,
    IDLE_EXEMPTION_CAUSES,
    IDLE_STAGE_LABELS,
    LAND_USES,
    STATUS_LABELS,
    SUPPLY_METHODS,
    TABLES,
    UNKNOWN_STATUS,
    Table,
)

Severity = Literal["error", "warning"]

DISTRICT_TOLERANCE_M = 1.0
"""How far (m) a parcel may stick out of its district before it is reported."""


@dataclass(frozen=True)
class Problem:
    """One validation problem."""

    table: str
    row_id: str | None
    column: str | None
    code: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.table
        if self.row_id is not None:
            where += f"[{self.row_id}]"
        if self.column:
            where += f".{self.column}"
        return f"{self.severity} [{self.code}] {where}: {self.message}"


class ValidationError(InputError):
    """Raised by :func:`raise_for_problems` with every problem in the message."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} validation problem(s):\n{lines}{more}")


def raise_for_problems(problems: Iterable[Problem]) -> None:
    """Raise :class:`ValidationError` when any problem is an error."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ValidationError(errors)


def _row_ids(df: pd.DataFrame, spec: Table) -> pd.Series:
    if spec.key and spec.key in df.columns:
        ids = df[spec.key].astype("string").fillna(pd.NA)
        fallback = pd.Series([f"row {i + 1}" for i in range(len(df))], index=df.index)
        return ids.where(ids.notna() & (ids.str.strip() != ""), fallback).astype(str)
    return pd.Series([f"row {i + 1}" for i in range(len(df))], index=df.index)


def _check_columns(name: str, df: pd.DataFrame, spec: Table) -> list[Problem]:
    missing = [c for c in spec.required if c not in df.columns]
    return [
        Problem(
            name,
            None,
            c,
            "missing_column",
            f"required column {c!r} is missing; add it (docs/architecture.md §3) or map a source "
            f"column onto it when importing",
        )
        for c in missing
    ]


def _check_key(name: str, df: pd.DataFrame, spec: Table, ids: pd.Series) -> list[Problem]:
    out: list[Problem] = []
    if not spec.key or spec.key not in df.columns:
        return out
    key = df[spec.key]
    empty = key.isna() | (key.astype("string").str.strip() == "")
    for rid in ids[empty]:
        out.append(
            Problem(
                name, rid, spec.key, "empty_id", f"{spec.key} is empty; give every row a unique id"
            )
        )
    group_cols = [spec.key]
    if name == "areas" and "version" in df.columns:
        group_cols.append("version")
    if name == "enterprises" and "year" in df.columns:  # one row per firm and year
        group_cols.append("year")
    dup = df.duplicated(subset=group_cols, keep=False) & ~empty
    for rid in sorted(set(ids[dup])):
        out.append(
            Problem(
                name,
                rid,
                spec.key,
                "duplicate_id",
                f"{spec.key} {rid!r} occurs {int((key == rid).sum())} times; ids must be unique"
                + (f" per {group_cols[1]}" if len(group_cols) > 1 else ""),
            )
        )
    return out


def _check_vocab(
    name: str,
    df: pd.DataFrame,
    ids: pd.Series,
    column: str,
    allowed: Iterable[str],
    code: str,
    *,
    required: bool = True,
) -> list[Problem]:
    if column not in df.columns:
        return []
    allowed = set(allowed)
    values = df[column]
    bad = values.notna() & ~values.astype(str).isin(allowed)
    if required:
        bad |= values.isna()
    hint = ", ".join(sorted(allowed)) if len(allowed) <= 12 else f"{len(allowed)} known codes"
    return [
        Problem(
            name, rid, column, code, f"{column} {val!r} is not a known value; use one of: {hint}"
        )
        for rid, val in zip(ids[bad], values[bad], strict=True)
    ]


def _check_geometry(name: str, df: pd.DataFrame, spec: Table, ids: pd.Series) -> list[Problem]:
    out: list[Problem] = []
    if not isinstance(df, gpd.GeoDataFrame):
        return [Problem(name, None, "geometry", "no_geometry", "table has no geometry column")]
    if df.crs is None:
        out.append(
            Problem(
                name,
                None,
                "geometry",
                "missing_crs",
                "table has no CRS; set it explicitly (CGCS2000 EPSG:4490 for degrees, "
                "4534-4554 for GK eastings near 500000, 4513-4533 for 8-digit eastings)",
            )
        )
    geoms = df.geometry.values
    is_null = np.asarray(pd.isna(geoms)) | np.asarray(shapely.is_missing(geoms))
    is_empty = ~is_null & np.asarray(shapely.is_empty(geoms))
    for rid in ids[is_null]:
        out.append(
            Problem(
                name,
                rid,
                "geometry",
                "null_geometry",
                "geometry is missing; draw it or drop the row",
            )
        )
    for rid in ids[is_empty]:
        out.append(
            Problem(
                name,
                rid,
                "geometry",
                "empty_geometry",
                "geometry is empty; draw it or drop the row",
            )
        )
    present = ~(is_null | is_empty)
    types = np.asarray(shapely.get_type_id(geoms))
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ]
    )
    type_names = np.where(types >= 0, names[np.clip(types, 0, 7)], "")
    wrong = present & ~np.isin(type_names, list(spec.geometry or ()))
    for rid, t in zip(ids[wrong], type_names[wrong], strict=True):
        out.append(
            Problem(
                name,
                rid,
                "geometry",
                "wrong_geometry_type",
                f"geometry is a {t}; {name} needs {' or '.join(spec.geometry or ())}",
            )
        )
    check = present & ~wrong
    invalid = np.zeros(len(df), dtype=bool)
    invalid[check] = ~shapely.is_valid(geoms[check])
    for rid, g in zip(ids[invalid], geoms[invalid], strict=True):
        out.append(
            Problem(
                name,
                rid,
                "geometry",
                "invalid_geometry",
                f"invalid geometry ({shapely.is_valid_reason(g)}); repair it with "
                f"shapely.make_valid or in your GIS and check its area",
            )
        )
    return out


def _check_dates(name: str, df: pd.DataFrame, ids: pd.Series) -> list[Problem]:
    out: list[Problem] = []
    spec = TABLES[name]
    for col in spec.columns:
        if col.dtype != "date" or col.name not in df.columns:
            continue
        raw = df[col.name]
        parsed = pd.to_datetime(raw, errors="coerce", format="ISO8601")
        bad = raw.notna() & parsed.isna()
        for rid, val in zip(ids[bad], raw[bad], strict=True):
            out.append(
                Problem(
                    name,
                    rid,
                    col.name,
                    "bad_date",
                    f"{col.name} {val!r} is not a date; write YYYY-MM-DD",
                )
            )
    if name == "parcels" and {"released_on", "status_since"} <= set(df.columns):
        rel = pd.to_datetime(df["released_on"], errors="coerce", format="ISO8601")
        since = pd.to_datetime(df["status_since"], errors="coerce", format="ISO8601")
        after = (rel > since).fillna(False).to_numpy(dtype=bool)
        for rid, r, s in zip(ids[after], rel[after], since[after], strict=True):
            out.append(
                Problem(
                    name,
                    rid,
                    "released_on",
                    "released_after_status_since",
                    f"released_on {r:%Y-%m-%d} is after status_since {s:%Y-%m-%d}; the land "
                    f"must be released before its current status began",
                )
            )
    return out


def validate_table(name: str, df: pd.DataFrame) -> list[Problem]:
    """Every problem of one table (columns, ids, vocabularies, geometry, dates)."""
    spec = TABLES.get(name)
    if spec is None:
        return [
            Problem(
                name,
                None,
                None,
                "unknown_table",
                f"unknown table {name!r}; known: {', '.join(TABLES)}",
            )
        ]
    ids = _row_ids(df, spec)
    problems = _check_columns(name, df, spec)
    problems += _check_key(name, df, spec, ids)
    if spec.geometry is not None:
        problems += _check_geometry(name, df, spec, ids)
    problems += _check_dates(name, df, ids)
    if name == "parcels":
        problems += _check_vocab(name, df, ids, "status", STATUS_LABELS, "unknown_status")
        for col in ("land_use_now", "land_use_planned"):
            problems += _check_vocab(
                name, df, ids, col, LAND_USES, "unknown_land_use", required=False
            )
    elif name == "areas":
        problems += _check_vocab(name, df, ids, "kind", AREA_KINDS, "unknown_area_kind")
    elif name in SUPPLY_VOCABS:
        col, vocab, code, required = SUPPLY_VOCABS[name]
        problems += _check_vocab(name, df, ids, col, vocab, code, required=required)
        if name == "idle_cases":
            problems += _check_vocab(
                name, df, ids, "disposal", IDLE_DISPOSALS, "unknown_disposal", required=False
            )
    return problems


SUPPLY_VOCABS: dict[str, tuple[str, dict[str, tuple[str, str]], str, bool]] = {
    "contracts": ("supply_method", SUPPLY_METHODS, "unknown_supply_method", True),
    "idle_cases": ("stage", IDLE_STAGE_LABELS, "unknown_idle_stage", True),
    "idle_exemptions": ("cause", IDLE_EXEMPTION_CAUSES, "unknown_exemption_cause", True),
}
"""The vocabulary column of each supply table (docs/architecture.md §3)."""


def validate_references(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Cross-table problems: enterprises on unknown parcels, milestones of unknown subjects."""
    out: list[Problem] = []
    parcels = tables.get("parcels")
    parcel_ids = (
        set(parcels["parcel_id"].astype(str))
        if parcels is not None and "parcel_id" in parcels
        else set()
    )
    ent = tables.get("enterprises")
    if ent is not None and "parcel_id" in ent.columns and parcel_ids:
        ids = _row_ids(ent, TABLES["enterprises"])
        bad = ent["parcel_id"].notna() & ~ent["parcel_id"].astype(str).isin(parcel_ids)
        for rid, pid in zip(ids[bad], ent["parcel_id"][bad], strict=True):
            out.append(
                Problem(
                    "enterprises",
                    rid,
                    "parcel_id",
                    "unknown_parcel",
                    f"parcel {pid!r} is not in parcels",
                    "warning",
                )
            )
    ms = tables.get("milestones")
    areas = tables.get("areas")
    if ms is not None and "subject_id" in ms.columns:
        known = set(parcel_ids)
        if areas is not None and "area_id" in areas.columns:
            known |= set(areas["area_id"].astype(str))
        ids = _row_ids(ms, TABLES["milestones"])
        bad = ~ms["subject_id"].astype(str).isin(known)
        for rid, sid in zip(ids[bad], ms["subject_id"][bad], strict=True):
            out.append(
                Problem(
                    "milestones",
                    rid,
                    "subject_id",
                    "unknown_subject",
                    f"subject {sid!r} is neither a parcel nor an area",
                    "warning",
                )
            )
    return out


def validate_tables(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Validate every table and the references between them; return all problems."""
    problems: list[Problem] = []
    for name, df in tables.items():
        problems += validate_table(name, df)
    problems += validate_references(tables)
    return problems


def validate_parcels_in_district(
    tables: dict[str, pd.DataFrame], *, tolerance_m: float = DISTRICT_TOLERANCE_M
) -> list[Problem]:
    """Parcels lying (more than ``tolerance_m``) outside their district boundary.

    Tables must share one projected CRS (as in an opened workspace). A parcel is
    checked against the boundary whose ``name`` equals its ``district``, or the
    union of all boundaries when no name matches.
    """
    parcels = tables.get("parcels")
    bounds = tables.get("boundaries")
    if not isinstance(parcels, gpd.GeoDataFrame) or not isinstance(bounds, gpd.GeoDataFrame):
        return []
    if parcels.empty or bounds.empty or parcels.crs is None or parcels.crs.is_geographic:
        return []
    ok_b = bounds[bounds.geometry.notna() & ~bounds.geometry.is_empty & bounds.geometry.is_valid]
    if ok_b.empty:
        return []
    by_name = {str(n): g for n, g in zip(ok_b.get("name", []), ok_b.geometry, strict=False)}
    union = shapely.union_all(ok_b.geometry.values)
    ids = _row_ids(parcels, TABLES["parcels"])
    geoms = parcels.geometry.values
    # An unknown district (None, NaN) is checked against every boundary: astype(str)
    # alone would make it NaN under pandas' string dtype and match no boundary at all.
    districts = (
        parcels["district"].astype(object).where(parcels["district"].notna(), "").astype(str)
        if "district" in parcels
        else pd.Series([""] * len(parcels), index=parcels.index)
    )
    out: list[Problem] = []
    usable = ~(np.asarray(pd.isna(geoms)) | np.asarray(shapely.is_empty(geoms))) & np.asarray(
        shapely.is_valid(geoms)
    )
    for district in districts[usable].unique():
        target = by_name.get(district, union)
        shell = shapely.buffer(target, tolerance_m)
        shapely.prepare(shell)
        mask = usable & (districts == district).to_numpy()
        inside = shapely.contains(shell, geoms[mask])
        for rid in ids[mask][~inside]:
            where = f"district {district!r}" if district in by_name else "every boundary"
            out.append(
                Problem(
                    "parcels",
                    rid,
                    "geometry",
                    "outside_district",
                    f"parcel lies outside {where}; check its coordinates and CRS",
                )
            )
    return out


COMPLETENESS_COLUMNS: tuple[str, ...] = ("field", "label_zh", "label_en", "n_missing", "n_rows")
"""Columns of :func:`completeness`: the field, its labels, rows lacking it, rows in all."""


def lacking(df: pd.DataFrame, fld: str) -> pd.Series:
    """Rows where ``fld`` is unknown: absent column, empty value, or status ``unknown``.

    Examples
    --------
    >>> df = pd.DataFrame({"status": ["stored", "unknown", None], "district": ["a", " ", None]})
    >>> lacking(df, "status").tolist(), lacking(df, "district").tolist()
    ([False, True, True], [False, True, True])
    >>> lacking(df, "status_since").tolist()
    [True, True, True]
    """
    if fld not in df.columns:
        return pd.Series(True, index=df.index)
    values = df[fld]
    out = values.isna()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        text = values.astype("string").str.strip()
        out |= (text == "").fillna(False).astype(bool)
        if fld == "status":
            out |= (text == UNKNOWN_STATUS).fillna(False).astype(bool)
    return out.astype(bool)


def completeness(df: pd.DataFrame | None, table: str = "parcels") -> pd.DataFrame:
    """Per required field of ``table``, how many rows lack it (docs/architecture.md §3).

    The key is not listed (an import never lets a row without one in). Fields
    no row lacks have ``n_missing`` 0; a caller shows the ones above 0.

    Examples
    --------
    >>> df = pd.DataFrame({"parcel_id": ["a", "b"], "status": ["stored", "unknown"],
    ...                    "district": ["复兴区", None]})
    >>> c = completeness(df).set_index("field")
    >>> c.loc[["status", "district", "status_since"], "n_missing"].tolist()
    [1, 1, 2]
    """
    spec = TABLES[table]
    rows = []
    n = 0 if df is None else len(df)
    for col in spec.columns:
        if not col.required or col.name == spec.key:
            continue
        missing = 0 if df is None or not n else int(lacking(df, col.name).sum())
        rows.append(
            {
                "field": col.name,
                "label_zh": col.zh,
                "label_en": col.en,
                "n_missing": missing,
                "n_rows": n,
            }
        )
    return pd.DataFrame(rows, columns=list(COMPLETENESS_COLUMNS))
