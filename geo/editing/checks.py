"""Checks of a geometry edit before it is saved: every problem at once, with where it is.

:func:`check_edit` looks at what a :class:`~geo.store.GeometryEdit` would
write against the live parcels and the district boundary of a workspace
(projected, metres) and returns :class:`Problem` rows, empty when the edit
may be saved. Nothing is repaired (no ``make_valid``). The thresholds are
the fields of :class:`~geo.editing.thresholds.Tolerances` (units in the
names); the defaults are those of docs/architecture.md §3.

Kinds of problem: ``unknown_id``, ``retired_id``, ``id_taken``, ``invalid``,
``overlap``, ``outside_parent``, ``outside_district``, ``sliver``,
``area_not_conserved``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point

from geo.editing.thresholds import DEFAULT_TOLERANCES, Tolerances
from geo.store.errors import InvalidEditError
from geo.store.geometry import GeometryEdit, plan_new_ids

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """One problem of an edit: what, which parcel, a message in both languages, where."""

    kind: str
    parcel_id: str
    message_zh: str
    message_en: str
    geometry_of_problem: Any = None
    """Where it is (workspace CRS): the overlap, the part outside, the invalid vertex …"""


def _frames(ws_or_frames: Any) -> tuple[gpd.GeoDataFrame, Any, set[str]]:
    """(live parcels, boundaries or None, retired ids)."""
    if isinstance(ws_or_frames, Mapping):
        parcels = ws_or_frames["parcels"]
        boundaries = ws_or_frames.get("boundaries")
        retired = ws_or_frames.get("retired")
    else:
        parcels = ws_or_frames.parcels
        boundaries = ws_or_frames.get("boundaries")
        retired = getattr(ws_or_frames, "retired", None)
    from geo.workspace import split_retired

    parcels, more = split_retired(parcels)
    retired_ids: set[str] = set()
    for frame in (retired, more):
        if isinstance(frame, pd.DataFrame) and len(frame):
            retired_ids |= set(frame["parcel_id"].astype(str))
    return parcels, boundaries, retired_ids


def _where_invalid(geom: Any) -> Any:
    """A point at the invalidity (from GEOS's reason), else the geometry."""
    import re

    found = re.search(r"\[([-\d.eE+]+)\s+([-\d.eE+]+)", shapely.is_valid_reason(geom) or "")
    return Point(float(found[1]), float(found[2])) if found else geom


def _fmt(m2: float) -> str:
    return f"{m2:.2f} m²（{m2 / (10000 / 15):.4f} 亩）"


def _fmt_en(m2: float) -> str:
    """English messages carry no CJK character (the UI's English mode shows them)."""
    return f"{m2:.2f} m² ({m2 / (10000 / 15):.4f} mu)"


def check_geometry(
    geom: Any, parcel_id: str, tol: Tolerances = DEFAULT_TOLERANCES
) -> list[Problem]:
    """Problems of one geometry alone: invalid, empty, not a polygon, a sliver."""
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        kind = "empty" if geom is None or geom.is_empty else geom.geom_type
        return [
            Problem(
                "invalid",
                parcel_id,
                f"{parcel_id}：几何无效（{kind}），地块须为面",
                f"{parcel_id}: the geometry is not a polygon ({kind})",
                None,
            )
        ]
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        return [
            Problem(
                "invalid",
                parcel_id,
                f"{parcel_id}：几何无效（{reason}），请修正边界（如自相交）",
                f"{parcel_id}: invalid geometry ({reason}); fix the outline (e.g. a "
                f"self-intersection)",
                _where_invalid(geom),
            )
        ]
    out = []
    area = float(geom.area)
    thin = shapely.buffer(geom, -tol.sliver_width_m / 2).is_empty
    if area < tol.sliver_area_m2 or thin:
        why_zh = (
            f"面积 {area:.2f} m² 小于 {tol.sliver_area_m2:g} m²"
            if area < tol.sliver_area_m2
            else ""
        )
        why_en = f"area {area:.2f} m² below {tol.sliver_area_m2:g} m²" if why_zh else ""
        if thin:
            why_zh = (why_zh + "；" if why_zh else "") + f"宽度不足 {tol.sliver_width_m:g} m"
            why_en = (why_en + "; " if why_en else "") + f"narrower than {tol.sliver_width_m:g} m"
        out.append(
            Problem(
                "sliver",
                parcel_id,
                f"{parcel_id}：碎片地块（{why_zh}），请调整切分",
                f"{parcel_id}: a sliver ({why_en}); change the cut",
                geom,
            )
        )
    return out


def check_edit(
    ws_or_frames: Any,
    changes: GeometryEdit | Sequence[GeometryEdit],
    *,
    tolerances: Tolerances = DEFAULT_TOLERANCES,
) -> list[Problem]:
    """Every problem the edit(s) would create; empty when they may be saved.

    Parameters
    ----------
    ws_or_frames
        A :class:`geo.workspace.Workspace`, or ``{"parcels": …, "boundaries": …,
        "retired": …}`` frames, in one projected CRS.
    changes
        One edit or several (checked one after the other against the same
        parcels); new geometries in the workspace CRS.
    tolerances
        The thresholds (:class:`Tolerances`).

    Returns
    -------
    list of Problem
    """
    edits = [changes] if isinstance(changes, GeometryEdit) else list(changes)
    parcels, boundaries, retired_ids = _frames(ws_or_frames)
    ids = parcels["parcel_id"].astype(str).to_numpy()
    by_id = dict(zip(ids, parcels.geometry.to_numpy(), strict=True))
    district = None
    if isinstance(boundaries, gpd.GeoDataFrame) and len(boundaries):
        ok = boundaries.geometry[boundaries.geometry.notna() & boundaries.geometry.is_valid]
        if len(ok):
            district = shapely.union_all(ok.to_numpy())
    tree = shapely.STRtree(parcels.geometry.to_numpy())
    tol = tolerances
    out: list[Problem] = []
    for edit in edits:
        out += _check_one(edit, by_id, ids, tree, retired_ids, district, tol)
    return out


def _check_one(
    edit: GeometryEdit,
    by_id: dict[str, Any],
    ids: Any,
    tree: Any,
    retired_ids: set[str],
    district: Any,
    tol: Tolerances,
) -> list[Problem]:
    out: list[Problem] = []
    sources = [str(i) for i in edit.parcel_ids]
    for pid in sources:
        restoring = edit.kind == "restore" and pid == sources[0]
        if pid in retired_ids and not restoring:
            out.append(
                Problem(
                    "retired_id",
                    pid,
                    f"{pid} 已注销，不能再编辑；请先恢复或编辑其子地块",
                    f"{pid} is retired; restore it first or edit its lots",
                )
            )
        elif pid not in by_id and not (restoring and pid in retired_ids):
            out.append(
                Problem(
                    "unknown_id",
                    pid,
                    f"没有地块 {pid}，请检查地块编号",
                    f"no parcel {pid}; check the parcel ID",
                )
            )
    if out:
        return out
    existing = set(by_id) | retired_ids
    try:
        new_ids = plan_new_ids(edit, existing)
    except InvalidEditError as err:
        return [
            Problem(
                "id_taken",
                ",".join(edit.new_ids) or sources[0],
                f"新地块编号已被占用（注销的编号也不能重用）：{', '.join(edit.new_ids)}",
                str(err),
            )
        ]
    if edit.kind in ("split", "merge", "create"):
        targets = list(zip(new_ids, edit.new_geometries, strict=False))
    elif edit.kind in ("reshape", "restore"):
        targets = list(zip(sources[:1], edit.new_geometries, strict=False))
    else:
        targets = []
    replaced = set(sources)  # the parcels this edit retires or replaces
    valid: list[tuple[str, Any]] = []
    for pid, geom in targets:
        found = check_geometry(geom, pid, tol)
        out += found
        if not any(p.kind == "invalid" for p in found):
            valid.append((pid, geom))
    for pid, geom in valid:
        for k in tree.query(geom):
            other = str(ids[k])
            if other in replaced:
                continue
            overlap = geom.intersection(by_id[other])
            if overlap.area > tol.overlap_m2:
                out.append(
                    Problem(
                        "overlap",
                        pid,
                        f"{pid} 与地块 {other} 重叠 {_fmt(overlap.area)}",
                        f"{pid} overlaps parcel {other} by {_fmt_en(overlap.area)}",
                        overlap,
                    )
                )
        for other, g2 in valid:
            if other <= pid:
                continue
            overlap = geom.intersection(g2)
            if overlap.area > tol.overlap_m2:
                out.append(
                    Problem(
                        "overlap",
                        pid,
                        f"{pid} 与新地块 {other} 重叠 {_fmt(overlap.area)}",
                        f"{pid} overlaps the new parcel {other} by {_fmt_en(overlap.area)}",
                        overlap,
                    )
                )
        if district is not None:
            outside = geom.difference(district)
            if outside.area > tol.outside_district_m2:
                out.append(
                    Problem(
                        "outside_district",
                        pid,
                        f"{pid} 有 {_fmt(outside.area)} 位于辖区边界之外",
                        f"{pid}: {_fmt_en(outside.area)} lies outside the district boundary",
                        outside,
                    )
                )
    if edit.kind == "split" and sources[0] in by_id:
        parent = by_id[sources[0]]
        for pid, geom in valid:
            outside = geom.difference(parent)
            if outside.area > tol.outside_parent_m2:
                out.append(
                    Problem(
                        "outside_parent",
                        pid,
                        f"子地块 {pid} 有 {_fmt(outside.area)} 超出原地块 {sources[0]}",
                        f"lot {pid}: {_fmt_en(outside.area)} lies outside its parent {sources[0]}",
                        outside,
                    )
                )
        if len(valid) == len(targets):
            lots_m2 = sum(float(g.area) for _, g in valid)
            gap = lots_m2 - float(parent.area)
            if abs(gap) > tol.conservation_m2:
                out.append(
                    Problem(
                        "area_not_conserved",
                        sources[0],
                        f"子地块合计 {_fmt(lots_m2)}，与原地块 {_fmt(float(parent.area))} 相差 "
                        f"{gap:+.2f} m²；子地块须恰好覆盖原地块",
                        f"the lots add up to {_fmt_en(lots_m2)}, the parent {sources[0]} has "
                        f"{_fmt_en(float(parent.area))} ({gap:+.2f} m²); the lots must cover it "
                        f"exactly",
                        parent.symmetric_difference(shapely.union_all([g for _, g in valid])),
                    )
                )
    return out
