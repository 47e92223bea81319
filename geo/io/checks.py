"""Row checks of an import against the data model and the workspace.

Every check returns :class:`~geo.io.report.Finding` objects naming the source
row (1-based) and column: ids (empty, duplicated in the source or already in
the workspace), empty required values, declared area against the geometry,
features outside the workspace's district, enterprises located by position,
and whatever the workspace validator (:func:`geo.validate.validate_table`)
would still find.
"""

from __future__ import annotations

from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import crs as crs_mod
from geo.io.mapping import DECLARED_AREA, MappingPlan
from geo.io.report import Finding
from geo.schema import TABLES
from geo.validate import lacking, validate_parcels_in_district, validate_table
from geo.workspace import Workspace

Mode = Literal["append", "replace"]
"""How an import writes: ``append`` rows to the table or ``replace`` it."""

AREA_TOLERANCE = 0.01
"""Relative difference between a declared area and the geometry that is reported (1%)."""

BAOPAN_AREA_TOLERANCE = 0.005
"""The same for a 报盘坐标 txt, whose 地块面积 is surveyed (0.5%)."""


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def row_token(label: Any) -> str:
    """A stand-in id naming a source row, so validator problems map back to rows."""
    return f"§{int(label) + 1}"


def token_row(token: str | None) -> int | None:
    """The source row of a :func:`row_token` (or of the validator's ``row N``)."""
    if token and token.startswith("§") and token[1:].isdigit():
        return int(token[1:])
    if token and token.startswith("row ") and token[4:].isdigit():
        return int(token[4:])
    return None


def check_ids(
    rows: pd.DataFrame, *, table: str, plan: MappingPlan, existing: pd.DataFrame | None, mode: Mode
) -> list[Finding]:
    """Empty ids, ids repeated in the source, and (append mode) ids already in the workspace."""
    key = TABLES[table].key
    if key is None or key not in rows.columns:
        return []
    src = plan.source_of(key) or key
    findings: list[Finding] = []
    ids = rows[key].astype(object).where(rows[key].notna(), None)
    empty = ids.isna() | (ids.astype(str).str.strip() == "")
    for label in rows.index[empty.to_numpy()]:
        findings.append(
            Finding(
                "error",
                "empty_id",
                f"{key} is empty; give every row a unique id",
                row=int(label) + 1,
                column=src,
                field=key,
            )
        )
    group = [key] + (["version"] if table == "areas" and "version" in rows.columns else [])
    dup = rows.duplicated(subset=group, keep=False).to_numpy() & ~empty.to_numpy()
    if dup.any():
        where: dict[str, list[int]] = {}
        for label in rows.index[dup]:
            where.setdefault(str(ids[label]), []).append(int(label) + 1)
        for label in rows.index[dup]:
            value = str(ids[label])
            others = ", ".join(map(str, where[value][:10]))
            findings.append(
                Finding(
                    "error",
                    "duplicate_id",
                    f"{key} {value!r} occurs {len(where[value])} times in the source "
                    f"(rows {others}); ids must be unique",
                    row=int(label) + 1,
                    column=src,
                    field=key,
                    value=value,
                )
            )
    if mode == "append" and existing is not None and key in existing.columns and len(existing):
        known = set(existing[key].dropna().astype(str))
        clash = ids.notna().to_numpy() & ids.astype(str).isin(known).to_numpy()
        for label in rows.index[clash]:
            findings.append(
                Finding(
                    "error",
                    "duplicate_id",
                    f"{key} {ids[label]!r} is already in the workspace; renumber it, or replace "
                    f"the whole table (--mode replace)",
                    row=int(label) + 1,
                    column=src,
                    field=key,
                    value=ids[label],
                )
            )
    return findings


def check_empty_required(
    rows: pd.DataFrame, *, table: str, plan: MappingPlan, strict: bool = True
) -> list[Finding]:
    """One warning per required field left empty in some rows (ids and status are errors).

    Unless ``strict``, a parcel's empty or ``unknown`` status is counted here
    too (it was stored as unknown); fields with no source column at all are
    reported by the mapping plan instead.
    """
    spec = TABLES[table]
    out: list[Finding] = []
    for fld in spec.required:
        if fld == spec.key or fld not in rows.columns or fld in plan.missing:
            continue
        if fld == "status" and strict:
            continue
        empty = lacking(rows, fld)
        if empty.any():
            where = ", ".join(str(int(i) + 1) for i in rows.index[empty.to_numpy()][:10])
            more = " …" if int(empty.sum()) > 10 else ""
            stored = "" if strict else "; stored as unknown"
            out.append(
                Finding(
                    "warning",
                    "empty_values",
                    f"{fld} is empty in {int(empty.sum())} row(s) (rows {where}{more}){stored}; "
                    f"fill them in the source or with --default {fld}=VALUE",
                    column=plan.source_of(fld),
                    field=fld,
                )
            )
    return out


def check_area(
    rows: pd.DataFrame,
    area_m2: pd.Series,
    *,
    plan: MappingPlan,
    tolerance: float = AREA_TOLERANCE,
) -> list[Finding]:
    """Declared areas that differ from the geometry by more than ``tolerance``.

    The message says which unit the number fits when the header's unit looks wrong.
    """
    if DECLARED_AREA not in rows.columns:
        return []
    match = next(m for m in plan.matches if m.field == DECLARED_AREA)
    out: list[Finding] = []
    declared_mu = rows[DECLARED_AREA]
    units = {"m²": 1.0, "亩": crs_mod.M2_PER_MU, "公顷": crs_mod.M2_PER_HA}
    for label in rows.index:
        d, g = declared_mu.get(label), area_m2.get(label)
        if d is None or g is None or pd.isna(d) or pd.isna(g) or g <= 0:
            continue
        d_m2 = float(d) * crs_mod.M2_PER_MU
        rel = (d_m2 - g) / g
        if abs(rel) <= tolerance:
            continue
        raw = float(d) / match.factor if match.factor else float(d)
        fits = [u for u, size in units.items() if abs(raw * size - g) / g <= tolerance]
        hint = f"; the number fits {fits[0]}: check the unit in the header" if fits else ""
        if match.unit == "公顷" and not fits:
            hint = (
                f" ({raw:,.4f} 公顷 declared, {crs_mod.m2_to_ha(g):,.4f} 公顷 computed; "
                f"tolerance {tolerance:.1%})"
            )
        out.append(
            Finding(
                "warning",
                "area_mismatch",
                f"declared area {float(d):,.2f} 亩 differs from the geometry's "
                f"{crs_mod.m2_to_mu(g):,.2f} 亩 by {rel:+.1%}{hint}",
                row=int(label) + 1,
                column=match.source,
                field=DECLARED_AREA,
                value=raw,
            )
        )
    return out


def fill_district(
    rows: gpd.GeoDataFrame, *, ws: Workspace
) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Parcels with no ``district`` get the county-level boundary holding them.

    A register rarely names its own district; the workspace's boundaries say
    which one a parcel lies in (the one holding its representative point).
    Only boundaries of level ``county`` count (a street's outline names no
    county); a parcel in none of them stays unknown, and check_outside
    reports it.

    Examples
    --------
    >>> import shapely
    >>> from types import SimpleNamespace
    >>> b = gpd.GeoDataFrame({"name": ["峰峰矿区"], "level": ["county"]},
    ...                      geometry=[shapely.box(0, 0, 100, 100)], crs=4547)
    >>> p = gpd.GeoDataFrame({"district": [None, "复兴区", None]},
    ...                      geometry=[shapely.box(1, 1, 2, 2), shapely.box(3, 3, 4, 4),
    ...                                shapely.box(500, 500, 501, 501)], crs=4547)
    >>> out, found = fill_district(p, ws=SimpleNamespace(get=lambda name: b))
    >>> out["district"].tolist(), found[0].code
    (['峰峰矿区', '复兴区', None], 'district_from_boundary')
    """
    bounds = ws.get("boundaries")
    if not isinstance(bounds, gpd.GeoDataFrame) or bounds.empty or rows.empty:
        return rows, []
    county = bounds[
        (bounds.get("level", pd.Series("county", index=bounds.index)) == "county")
        & bounds.geometry.notna()
    ]
    if county.empty:
        return rows, []
    have = rows["district"] if "district" in rows.columns else pd.Series(None, index=rows.index)
    text = have.astype(object).where(have.notna(), "").astype(str).str.strip()
    geoms = rows.geometry.values
    todo = (text == "").to_numpy() & ~(pd.isna(geoms) | shapely.is_empty(geoms))
    if not todo.any():
        return rows, []
    points = shapely.point_on_surface(geoms[todo])
    filled = np.full(len(points), None, dtype=object)
    for name, boundary in zip(county["name"], county.geometry.values, strict=True):
        shapely.prepare(boundary)
        inside = shapely.contains(boundary, points) & pd.isna(filled)
        filled[inside] = name
    out = rows.copy()
    column = have.astype(object).copy()
    column[todo] = filled
    out["district"] = column.where(column.notna(), None)
    found = []
    for name in pd.unique(filled[pd.notna(filled)]):
        n = int((filled == name).sum())
        found.append(
            Finding(
                "info",
                "district_from_boundary",
                f"district (所在区县) taken from the workspace's boundary {name} for {n} "
                f"parcel(s) that name none",
                column="district",
            )
        )
    return out, found


def check_outside(rows: gpd.GeoDataFrame, *, table: str, ws: Workspace) -> list[Finding]:
    """Features outside the workspace's boundaries.

    Parcels outside their district are errors (:func:`geo.validate.validate_parcels_in_district`);
    planning areas (an enclave park is legitimate) and roads are warnings.
    """
    bounds = ws.get("boundaries")
    if not isinstance(bounds, gpd.GeoDataFrame) or bounds.empty:
        return []
    out: list[Finding] = []
    if table == "parcels":
        probe = rows.copy()
        probe["parcel_id"] = [row_token(i) for i in rows.index]
        if "district" not in probe.columns:
            probe["district"] = None
        for p in validate_parcels_in_district({"parcels": probe, "boundaries": bounds}):
            out.append(
                Finding(
                    "error",
                    "outside_district",
                    p.message + " (the workspace's district boundary)",
                    row=token_row(p.row_id),
                    column="geometry",
                )
            )
        return out
    ok = bounds[bounds.geometry.notna() & bounds.geometry.is_valid]
    if ok.empty:
        return out
    union = shapely.union_all(ok.geometry.values)
    shell = shapely.buffer(union, 1.0)
    shapely.prepare(shell)
    geoms = rows.geometry.values
    usable = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    for label, g, use in zip(rows.index, geoms, usable, strict=True):
        if not use:
            continue
        if table == "roads":
            bad = not shell.intersects(g)
            what = "does not reach the workspace's district"
        else:
            bad = not shell.contains(g)
            what = "is not inside the workspace's district (an enclave park is fine)"
        if bad:
            out.append(
                Finding(
                    "warning",
                    "outside_district",
                    f"the feature {what}; check its coordinates and CRS",
                    row=int(label) + 1,
                    column="geometry",
                )
            )
    return out


def locate_enterprises(
    rows: pd.DataFrame, points: np.ndarray, *, ws: Workspace, plan: MappingPlan
) -> tuple[pd.DataFrame, list[Finding]]:
    """Fill an enterprise's missing ``parcel_id`` from the parcel containing its position."""
    parcels = ws.get("parcels")
    if not isinstance(parcels, gpd.GeoDataFrame) or parcels.empty or "parcel_id" not in parcels:
        return rows, []
    findings: list[Finding] = []
    rows = rows.copy()
    if "parcel_id" not in rows.columns:
        rows["parcel_id"] = None
    empty = rows["parcel_id"].isna().to_numpy()
    usable = ~(pd.isna(points) | shapely.is_empty(points))
    want = empty & usable
    if not want.any():
        return rows, findings
    tree = shapely.STRtree(parcels.geometry.values)
    pos = np.flatnonzero(want)
    pairs = tree.query(points[pos], predicate="within")
    found: dict[int, int] = {}
    for pi, qi in zip(pairs[0], pairs[1], strict=True):
        found.setdefault(int(pos[pi]), int(qi))
    ids = parcels["parcel_id"].astype(str).to_numpy()
    for p in pos:
        label = rows.index[p]
        if p in found:
            rows.loc[label, "parcel_id"] = ids[found[p]]
        else:
            findings.append(
                Finding(
                    "warning",
                    "no_parcel_at_point",
                    "the firm's position lies in no parcel; give its parcel_id",
                    row=int(label) + 1,
                    field="parcel_id",
                )
            )
    if found:
        findings.append(
            Finding(
                "info",
                "parcel_from_position",
                f"parcel_id filled from the position of {len(found)} firm(s)",
                field="parcel_id",
            )
        )
    return rows, findings


def workspace_problems(
    rows: pd.DataFrame,
    *,
    table: str,
    plan: MappingPlan,
    seen: set[tuple[str, int | None, str | None]],
) -> list[Finding]:
    """Problems the workspace validator would find that the import checks did not."""
    spec = TABLES[table]
    probe = rows.copy()
    if spec.key and spec.key in probe.columns:
        probe[spec.key] = [row_token(i) for i in probe.index]
    probe = probe.reset_index(drop=True)
    out: list[Finding] = []
    bad_geometry = {f[1] for f in seen if f[2] == "geometry"}
    for p in validate_table(table, probe):
        if p.code in ("empty_id", "duplicate_id", "no_geometry"):
            continue  # checked by the import (ids), or the geometry is not placed yet
        row = token_row(p.row_id)
        if row is not None and not (p.row_id or "").startswith("§") and row - 1 < len(rows):
            row = int(rows.index[row - 1]) + 1  # a position in the probe, not a source row
        key = (p.code, row, p.column)
        if key in seen or (p.code, row, None) in seen:
            continue
        if p.column == "geometry" and row in bad_geometry:
            continue  # already reported (and repaired or refused) by the import
        seen.add(key)
        out.append(
            Finding(
                "error" if p.severity == "error" else "warning",
                p.code,
                p.message,
                row=row,
                column=plan.source_of(p.column) if p.column else None,
                field=p.column,
            )
        )
    return out
