"""The app side of parcel geometry editing: coordinates, the map's tools, checks, the save.

The 地块编辑 / Edit parcels page (``geo/app/pages/geom_edit.py``) draws the
widgets; this module does the work, with :mod:`geo.editing` (the operations,
:func:`~geo.editing.check_edit`, :func:`~geo.editing.save_edit`) and the
store (docs/architecture.md §3, §4, §7):

- **Roles.** Only a planner gets tools; :func:`save` checks the role again
  (:func:`geo.access.require_edit`) and so does the store, whatever a browser
  sends: a forged edit from an investor session is refused in Python.
- **Coordinates.** The browser draws in display degrees: WGS84, or GCJ-02
  over a Gaode basemap. :func:`display_to_work` converts back
  (:func:`geo.crs.gcj02_to_wgs84`, to 0.01 mm) and projects to the
  workspace's Gauss-Krüger zone, where areas are measured and the checks run;
  the store keeps CGCS2000 (EPSG:4490). :func:`work_to_display` is the
  reverse, at full double precision (not the map's 0.1 m micro-degrees), so a
  vertex snapped to a neighbour's comes back as that vertex.
- **Tools.** :func:`tools_unavailable` says why the drawing library cannot be
  served (not fetched, or not matching its pin, :mod:`geo.jsassets`); the
  operations that need no drawing still work. :func:`edit_value` is the
  ``edit`` value of the map element (``geo/assets/tenglong-edit.js``).
- **Saving.** :func:`save` writes into the workspace or the session's working
  copy of a demo (:func:`geo.app.state.writable_path`), one audited
  transaction, with the ``row_version`` of each parcel as the editor saw it:
  a change by someone else since raises :class:`geo.store.EditConflict` and
  nothing is written.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape

from geo import crs as crs_mod
from geo.access import require_edit
from geo.app import state
from geo.app.i18n import Lang, t_plain
from geo.basemaps import BasemapError, get_basemap
from geo.editing import GeometryEdit, Problem, check_edit, edit_summary, save_edit
from geo.errors import InputError
from geo.jsassets import JsAssetMissing, library_files
from geo.store import open_store
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

OPS: tuple[str, ...] = (
    "split_line",
    "split_lots",
    "merge",
    "reshape",
    "create",
    "retire",
    "restore",
)
"""The page's operations, in the order of its menu."""

DRAWING_OPS: dict[str, str] = {"create": "draw", "split_line": "line", "reshape": "reshape"}
"""Operations that need the drawing tools → the mode of ``tenglong-edit.js``."""

SNAP_M = 2.0
"""Default snapping tolerance, in metres."""
NEIGHBOUR_RADIUS_M = 300.0
"""Parcels within this distance of the edited one are sent for snapping."""
NEIGHBOUR_LIMIT = 400
DISPLAY_EPSG = 4326


def tools_unavailable() -> str | None:
    """Why the drawing tools cannot be used (leaflet-geoman missing or changed), or None."""
    try:
        library_files("geoman")
    except JsAssetMissing as err:
        return str(err)
    return None


def is_gcj02(basemap: str) -> bool:
    """True when ``basemap`` is drawn in GCJ-02 (Gaode): the map's coordinates are shifted."""
    try:
        return bool(get_basemap(basemap).gcj02)
    except BasemapError:
        return False


# ---------------------------------------------------------------------------
# Coordinates
# ---------------------------------------------------------------------------


def display_to_work(geojson: Mapping[str, Any], crs: Any, *, gcj02: bool) -> Any:
    """A geometry drawn in the browser (GeoJSON, display degrees) in the workspace CRS.

    Raises
    ------
    geo.errors.InputError
        The value is no GeoJSON geometry, or has coordinates that are not numbers.

    Examples
    --------
    >>> g = display_to_work({"type": "Point", "coordinates": [114.3, 36.6]}, 4547, gcj02=False)
    >>> round(g.x), round(g.y)
    (526843, 4052163)
    """
    try:
        geom = shape(dict(geojson))
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, ShapelyError) as err:
        raise InputError(f"the drawn shape is no GeoJSON geometry ({err})") from err
    coords = shapely.get_coordinates(geom)
    if not len(coords) or not np.isfinite(coords).all():
        raise InputError("the drawn shape has no coordinates or coordinates that are not numbers")
    if gcj02:
        geom = crs_mod.transform_geometries([geom], crs_mod.gcj02_to_wgs84)[0]
    return gpd.GeoSeries([geom], crs=DISPLAY_EPSG).to_crs(crs).iloc[0]


def work_to_display(geoms: Iterable[Any], crs: Any, *, gcj02: bool) -> list[dict[str, Any]]:
    """Workspace geometries as GeoJSON geometries in display degrees, full precision."""
    series = gpd.GeoSeries(list(geoms), crs=crs).to_crs(DISPLAY_EPSG)
    values = series.to_numpy()
    if gcj02:
        values = crs_mod.transform_geometries(values, crs_mod.wgs84_to_gcj02)
    return [_lists(mapping(g)) if g is not None else None for g in values]


def _lists(obj: Any) -> Any:
    """Tuples of a GeoJSON mapping as lists (what the browser's JSON gives back too)."""
    if isinstance(obj, dict):
        return {k: _lists(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_lists(v) for v in obj]
    return obj


def display_bounds(geoms: Sequence[Any], crs: Any, *, gcj02: bool, pad_m: float = 60.0) -> Any:
    """``((south, west), (north, east))`` of ``geoms`` padded by ``pad_m``, in display degrees."""
    box = shapely.box(*shapely.union_all(list(geoms)).buffer(pad_m).bounds)
    g = work_to_display([box], crs, gcj02=gcj02)[0]
    xs = [p[0] for p in g["coordinates"][0]]
    ys = [p[1] for p in g["coordinates"][0]]
    return ((min(ys), min(xs)), (max(ys), max(xs)))


# ---------------------------------------------------------------------------
# Parcels around the edit
# ---------------------------------------------------------------------------


def parcel_geometry(ws: Workspace, parcel_id: str) -> Any:
    """The live parcel's geometry (workspace CRS), or None."""
    parcels = ws.parcels
    hit = parcels.geometry[parcels["parcel_id"].astype(str) == str(parcel_id)]
    return None if hit.empty else hit.iloc[0]


def neighbours(
    ws: Workspace,
    around: Sequence[Any],
    *,
    exclude: Iterable[str] = (),
    radius_m: float = NEIGHBOUR_RADIUS_M,
    limit: int = NEIGHBOUR_LIMIT,
) -> list[Any]:
    """Live parcels within ``radius_m`` of ``around`` (nearest first), for snapping."""
    if not around:
        return []
    zone = shapely.union_all(list(around))
    parcels = ws.parcels
    skip = {str(i) for i in exclude}
    hits = parcels.sindex.query(zone.buffer(radius_m), predicate="intersects")
    rows = parcels.iloc[hits]
    rows = rows[~rows["parcel_id"].astype(str).isin(skip)]
    dist = rows.geometry.distance(zone).to_numpy()
    order = np.argsort(dist, kind="stable")[:limit]
    return list(rows.geometry.to_numpy()[order])


def row_versions(ws: Workspace, ids: Iterable[str]) -> dict[str, int]:
    """``{parcel_id: row_version}`` of live parcels as the workspace holds them now."""
    parcels = ws.parcels
    want = {str(i) for i in ids}
    if "row_version" not in parcels.columns:
        return dict.fromkeys(want, 0)
    sel = parcels[parcels["parcel_id"].astype(str).isin(want)]
    versions = pd.to_numeric(sel["row_version"], errors="coerce").fillna(0).astype(int)
    return dict(zip(sel["parcel_id"].astype(str), versions, strict=True))


def existing_ids(ws: Workspace) -> set[str]:
    """Every parcel id, retired ones included (a new id is never one of them)."""
    return set(ws.parcels["parcel_id"].astype(str)) | set(getattr(ws, "retired_ids", set()))


def next_new_id(ws: Workspace) -> str:
    """A free id for a drawn parcel: the common prefix and the next number (``FX-1201``).

    Examples
    --------
    >>> import types
    >>> frame = pd.DataFrame({"parcel_id": ["FX-0001", "FX-0012", "FX-0012-1"]})
    >>> next_new_id(types.SimpleNamespace(parcels=frame, retired_ids=set()))
    'FX-0013'
    """
    ids = existing_ids(ws)
    found = [re.fullmatch(r"(.*?)(\d+)", i) for i in ids]
    nums = [(m[1], len(m[2]), int(m[2])) for m in found if m]
    if not nums:
        k = 1
        while f"NEW-{k}" in ids:
            k += 1
        return f"NEW-{k}"
    prefix, width = pd.Series([(p, w) for p, w, _ in nums]).mode().iloc[0]
    n = max(v for p, w, v in nums if p == prefix) + 1
    while f"{prefix}{n:0{width}d}" in ids:
        n += 1
    return f"{prefix}{n:0{width}d}"


def parse_areas(text: str) -> list[float] | None:
    """``"20, 30.5"`` → ``[20.0, 30.5]`` (亩); empty → None (equal lots).

    Raises
    ------
    geo.errors.InputError
        A part is not a positive number.

    Examples
    --------
    >>> parse_areas(" 20，30.5 "), parse_areas("")
    ([20.0, 30.5], None)
    """
    parts = [p.strip() for p in re.split(r"[,，;；\s]+", text or "") if p.strip()]
    if not parts:
        return None
    try:
        values = [float(p) for p in parts]
    except ValueError as err:
        raise InputError(f"areas {text!r}: give numbers in mu separated by commas") from err
    if not all(np.isfinite(v) and v > 0 for v in values):
        raise InputError(f"areas {text!r}: every area must be a positive number of mu")
    return values


# ---------------------------------------------------------------------------
# What the browser draws
# ---------------------------------------------------------------------------


def map_text(lang: Lang, op: str, snap_m: float) -> dict[str, str]:
    """The map's editing panel and tooltips in ``lang`` (plain text: the browser escapes)."""
    return {
        "title": t_plain(f"ge_op_{op}", lang),
        "hint": t_plain(f"ge_hint_{op}" if op in DRAWING_OPS else "ge_hint_select", lang),
        "use": t_plain("ge_map_use", lang),
        "again": t_plain("ge_map_again", lang),
        "area": t_plain("ge_map_area", lang),
        "parcel_area": t_plain("ge_map_parcel_area", lang),
        "line_length": t_plain("ge_map_line_length", lang),
        "snap": t_plain("ge_map_snap", lang, m=f"{snap_m:g}"),
    }


def edit_value(
    ws: Workspace,
    *,
    op: str,
    lang: Lang,
    gcj02: bool,
    targets: Sequence[str],
    snap_m: float,
    overlay: Sequence[dict[str, Any]],
    nonce: int,
    tools: bool,
) -> dict[str, Any]:
    """The map element's ``edit`` value: mode, texts, target, neighbours, overlay, tools.

    ``overlay`` rows are ``{"kind", "geometry" (workspace CRS), "label"}``
    (kinds: ``preview``, ``problem``, ``version``, ``line``). Without the
    drawing library (``tools`` false) the mode is ``select`` and the map
    loads no leaflet-geoman: it still draws the overlay (previews, problems).
    """
    mode = DRAWING_OPS.get(op, "select") if tools else "select"
    geoms = [g for g in (parcel_geometry(ws, p) for p in targets) if g is not None]
    if mode in ("line", "reshape") and not geoms:
        mode = "select"  # a parcel first: clicking one on the map chooses it
    target = None
    if geoms and mode in ("line", "reshape"):
        target = work_to_display([shapely.union_all(geoms)], ws.crs, gcj02=gcj02)[0]
    near: list[Any] = []
    if mode != "select" and snap_m > 0:
        skip = targets if mode == "reshape" else ()
        near = neighbours(ws, geoms, exclude=skip) if geoms else []
    sig = hashlib.sha1(
        f"{op}|{','.join(targets)}|{gcj02}|{snap_m}|{nonce}|{state.ws_key(ws)}".encode()
    ).hexdigest()[:16]
    rows = [r for r in overlay if r.get("geometry") is not None]
    shown = work_to_display([r["geometry"] for r in rows], ws.crs, gcj02=gcj02)
    features = [
        {"kind": r["kind"], "label": r.get("label") or "", "geometry": g}
        for r, g in zip(rows, shown, strict=True)
    ]
    drawn = repr([(f["kind"], f["label"], f["geometry"]) for f in features])
    overlay_sig = hashlib.sha1(drawn.encode()).hexdigest()[:16]
    return {
        "sig": sig,
        "mode": mode,
        "lang": lang,
        "nonce": nonce,
        "snap_m": float(snap_m),
        "text": map_text(lang, op, snap_m),
        "target": target,
        "neighbours": work_to_display(near, ws.crs, gcj02=gcj02) if near else [],
        "overlay": {"sig": overlay_sig, "features": features},
        "tools": bool(tools),
    }


# ---------------------------------------------------------------------------
# Checks, summary, save
# ---------------------------------------------------------------------------


def tidy(edit: GeometryEdit, crs: Any) -> GeometryEdit:
    """``edit`` with new geometries that would be invalid once stored made storable, if trivially.

    A cut can leave a vertex that runs back along an edge (a zero-width
    spike): valid in the projected zone, a self-intersection once stored in
    CGCS2000 degrees. Such a geometry is put on a 1 µm grid (which drops the
    spike) when that changes its area by less than 0.001 m² and makes it
    valid in storage; anything else is left as it is for the checks and the
    store to report (nothing else is repaired).

    Examples
    --------
    A geometry valid in storage is left as it is:

    >>> square = shapely.box(529000, 4059000, 529100, 4059100)
    >>> tidy(GeometryEdit("reshape", ["A"], [square]), 4547).new_geometries[0] is square
    True
    """
    geoms = list(edit.new_geometries)
    if not geoms:
        return edit
    stored = gpd.GeoSeries(geoms, crs=crs).to_crs(crs_mod.STORAGE_EPSG)
    out = []
    for g, s in zip(geoms, stored, strict=True):
        if g is None or s is None or s.is_valid:
            out.append(g)
            continue
        clean = shapely.set_precision(g, 1e-6)
        back = gpd.GeoSeries([clean], crs=crs).to_crs(crs_mod.STORAGE_EPSG).iloc[0]
        ok = not clean.is_empty and back.is_valid and abs(clean.area - g.area) < 1e-3
        out.append(clean if ok else g)
    return dataclasses.replace(edit, new_geometries=out)


def problems_of(ws: Workspace, edit: GeometryEdit) -> list[Problem]:
    """:func:`geo.editing.check_edit` of ``edit`` against the open workspace."""
    return check_edit(ws, edit)


def problem_message(p: Problem, lang: Lang) -> str:
    """A problem's message in ``lang`` (plain text)."""
    return p.message_zh if lang == "zh" else p.message_en


def summary(ws: Workspace, edit: GeometryEdit, lang: Lang) -> tuple[pd.DataFrame, str]:
    """What the save changes (a table in ``lang``) and a line of totals."""
    df = edit_summary(ws, edit)
    live = ws.parcels.set_index(ws.parcels["parcel_id"].astype(str)).geometry
    old = float(sum(live[i].area for i in map(str, edit.parcel_ids) if i in live.index))
    new = float(df.loc[df["change"] != "retired", "area_m2"].sum())
    if edit.kind == "retire":
        new = 0.0
    shown = pd.DataFrame(
        {
            t_plain("col_parcel_id", lang): df["parcel_id"].astype(str),
            t_plain("ge_col_change", lang): [t_plain(f"ge_change_{c}", lang) for c in df["change"]],
            t_plain("col_area_mu", lang): df["area_mu"].round(2),
            t_plain("ge_col_area_m2", lang): df["area_m2"].round(2),
        }
    )
    totals = t_plain(
        "ge_totals",
        lang,
        old=f"{crs_mod.m2_to_mu(old):,.2f}",
        new=f"{crs_mod.m2_to_mu(new):,.2f}",
        diff=f"{round(new - old, 2) + 0.0:+,.2f}",  # never "-0.00"
    )
    return shown, totals


def with_new_parcels(edit: GeometryEdit, rows: pd.DataFrame | None) -> GeometryEdit:
    """``edit`` with the ids and attributes the planner set for the new parcels.

    ``rows``: one row per new parcel, ``new_id`` and attribute columns; an
    empty value leaves the default (the parent's).
    """
    if rows is None or not len(rows):
        return edit
    ids = [str(v).strip() for v in rows["new_id"]]
    attrs = []
    for _, row in rows.drop(columns=["new_id"]).iterrows():
        attrs.append(
            {
                k: (str(v).strip() if isinstance(v, str) else v)
                for k, v in row.items()
                if v is not None and not (isinstance(v, float) and np.isnan(v)) and str(v).strip()
            }
        )
    return dataclasses.replace(edit, new_ids=ids, attributes=attrs)


@dataclasses.dataclass(frozen=True)
class Saved:
    """Where a save went and what it did."""

    target: Path
    result: Any


def save(
    ws: Workspace,
    edit: GeometryEdit,
    *,
    role: str,
    user: str,
    expected: Mapping[str, int],
    note: str | None,
    lang: Lang,
) -> Saved:
    """Check and write ``edit`` in one audited transaction (see the module docs).

    Raises
    ------
    geo.access.RoleError
        ``role`` is not planner (checked before anything is copied or opened).
    geo.editing.EditProblemsError
        The checks found problems; nothing was written.
    geo.store.EditConflict
        A parcel changed since the editor saw it; nothing was written.
    geo.store.StoreError, geo.store.InvalidEditError
        As the store raises them; nothing was written.
    """
    require_edit(role, action="edit parcel geometry")
    target = state.writable_path(state.ws_target(ws))
    with open_store(target, user=user, role=role) as store:
        result = save_edit(
            store,
            ws,
            edit,
            expected=dict(expected),
            note=note or None,
            user=user,
            role=role,
            lang=lang,
        )
    logger.info("geometry edit %s saved into %s by %s", edit.kind, state.target_key(target), user)
    return Saved(target, result)


def geometry_versions(ws: Workspace, parcel_id: str) -> list[dict[str, Any]]:
    """The geometry versions of a parcel (live or retired), oldest first, read-only."""
    with open_store(state.ws_target(ws), user="viewer", role="investment") as store:
        return store.geometry_versions(str(parcel_id))


def to_work(geom_4490: Any, ws: Workspace) -> Any:
    """A stored (EPSG:4490) geometry in the workspace CRS."""
    return gpd.GeoSeries([geom_4490], crs=crs_mod.STORAGE_EPSG).to_crs(ws.crs).iloc[0]


__all__ = [
    "DRAWING_OPS",
    "OPS",
    "SNAP_M",
    "Saved",
    "display_bounds",
    "display_to_work",
    "edit_value",
    "existing_ids",
    "geometry_versions",
    "is_gcj02",
    "map_text",
    "neighbours",
    "next_new_id",
    "parcel_geometry",
    "parse_areas",
    "problem_message",
    "problems_of",
    "row_versions",
    "save",
    "summary",
    "tidy",
    "to_work",
    "tools_unavailable",
    "with_new_parcels",
]
