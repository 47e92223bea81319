"""Release summaries: how much freed land lies where (docs/architecture.md §5.1).

Freed land (腾退土地) is land whose status is in :data:`geo.schema.FREED_STATUSES`
(released, stored, supplied, in production), or any set of statuses the caller
chooses. :func:`release_summary` totals it by planning area, status, year
released, former industry and district, or any combination of them
(e.g. area × status).

Areas and overlaps
------------------
Planning areas may nest (a park inside a zone, plates inside a site) and may
overlap. The areas chosen for a summary (by kind, layout, nesting level or ID)
are sorted into *levels*: an area's level is the number of its ancestors
(through ``parent_id``) that are also chosen. Within one level every piece of
land is counted once:

- a parcel is clipped to the area boundaries; the land outside every area of
  the level goes to the ``outside`` row (区外);
- where two areas of the same level overlap, the overlap goes to one of them.
  With ``overlap="smallest"`` (the default) the smaller area (by its planar
  area) wins — a park drawn inside a zone without a ``parent_id`` keeps its
  land, like a nested one — with ties broken by ``area_id``; with
  ``overlap="order"`` the area that comes first in the given table wins.

So within each level the pieces sum to the total of the selected parcels
(conservation, tested to 1e-9 relative); a summary that spans several levels
has one block of rows per level, each conserving the total.

Engine
------
:func:`intersection_areas` computes the area of every (parcel, area)
intersection. Parcels are matched to areas with a shapely 2 ``STRtree``, and to
the areas' boundary segments with a second ``STRtree`` (over chains of a few
segments). Fast path: a parcel whose bounding box meets no boundary segment of
an area lies wholly inside or wholly outside it; one prepared point-in-area
test (``contains_xy``) decides, and a contained parcel is assigned whole. This
is where most parcels go. Only parcels with boundary segments nearby are
clipped, and they are clipped without building geometry: by Green's theorem
the area of ``P ∩ A`` is the line integral of ``x dy`` along the boundary of
``P ∩ A``, which is made of the parts of P's edges inside A and the parts of
A's edges inside P. The engine finds the crossings of P's edges with A's
nearby segments in vectorised numpy; the side of each run of sub-segments
between two crossings follows from the direction of the crossing that starts
it (interiors lie left of their edges), and a point test settles the rare runs
that start at a vertex or a touching point. Edges shared by a parcel and an
area are counted once, on the side where both lie. Coordinates are taken
relative to each parcel's corner so that products stay small: pieces agree
with GEOS ``intersection`` areas to about 1e-12 relative. (Where a vertex of one
polygon lies within a few 1e-8 m of the other's edge — below the resolution of
the coordinates — a piece can move by that distance times the parcel's size.)

Work is split in chunks of parcels over a thread pool (GEOS and numpy release
the GIL for most of it); each thread prepares its own copy of the area
geometries, as prepared geometries are not thread-safe.

All geometry must be in one projected CRS in metres (a workspace opened with
:func:`geo.workspace.open_workspace` is): areas are never computed in degrees.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import CRSError, m2_to_ha, m2_to_mu
from geo.errors import InputError
from geo.schema import AREA_KINDS, FREED_STATUSES, STATUSES

logger = logging.getLogger(__name__)

OUTSIDE_ID = "outside"
"""``area_id`` of the row for land outside every selected area (区外)."""
OUTSIDE_NAME = "区外"
OUTSIDE_NAME_EN = "outside"

BY_CHOICES: dict[str, str] = {
    "area": "area_id",
    "status": "status",
    "year": "year",
    "industry": "industry_before",
    "district": "district",
}
"""What a summary can be grouped by, and the output column each one gives."""

_BY_SOURCE = {"status": "status", "industry": "industry_before", "district": "district"}

BY_SOURCE_COLUMNS: dict[str, str] = {**_BY_SOURCE, "year": "released_on"}
"""The parcel column each grouping dimension (other than area) is read from."""

OverlapRule = Literal["smallest", "order"]
OVERLAP_RULES: tuple[str, ...] = ("smallest", "order")

AREA_COLUMNS: tuple[str, ...] = ("area_m2", "area_mu", "area_ha")
"""The area columns of every summary, one per unit."""

DEFAULT_CHUNK = 16_384
"""Parcels per unit of work; bounds the memory of the clipping step."""


class ReleaseError(InputError):
    """A summary cannot be computed as asked; the message lists the valid choices."""


# ---------------------------------------------------------------------------
# Low-level engine: (parcel, area) intersection areas
# ---------------------------------------------------------------------------


def _as_geometry_array(geoms: Any) -> np.ndarray:
    if isinstance(geoms, gpd.GeoDataFrame):
        geoms = geoms.geometry
    if isinstance(geoms, gpd.GeoSeries):
        geoms = geoms.array
    arr = np.asarray(geoms, dtype=object)
    if arr.ndim != 1:
        arr = arr.ravel()
    return arr


def _ring_edges(
    coords: np.ndarray, ring_off: np.ndarray, ring_geom: np.ndarray, *, orient: bool
) -> tuple[np.ndarray, ...]:
    """Edges of closed rings given as flat ``coords`` with ``ring_off`` offsets.

    With ``orient``, clockwise rings are reversed (for single-ring polygons).
    """
    n_rings = len(ring_off) - 1
    ring_of = np.repeat(np.arange(n_rings), np.diff(ring_off))
    if orient and len(coords):
        # Shoelace in coordinates relative to each ring's first vertex.
        x = coords[:, 0] - coords[ring_off[:-1], 0][ring_of]
        y = coords[:, 1] - coords[ring_off[:-1], 1][ring_of]
        cross = x[:-1] * y[1:] - x[1:] * y[:-1]
        cross = np.append(cross, 0.0)
        cross[ring_off[1:] - 1] = 0.0  # no term across two rings
        signed = np.add.reduceat(cross, ring_off[:-1]) if n_rings else cross[:0]
        flip = signed < 0
        if flip.any():
            i = np.arange(len(coords))
            lo, hi = ring_off[:-1][ring_of], ring_off[1:][ring_of]
            coords = coords[np.where(flip[ring_of], lo + hi - 1 - i, i)]
    starts = np.ones(len(coords), dtype=bool)
    starts[ring_off[1:] - 1] = False  # the closing coordinate starts no edge
    i = np.flatnonzero(starts)
    ring = ring_of[i]
    x0, y0 = coords[i, 0], coords[i, 1]
    x1, y1 = coords[i + 1, 0], coords[i + 1, 1]
    keep = (x0 != x1) | (y0 != y1)
    if not keep.all():
        x0, y0, x1, y1, ring = x0[keep], y0[keep], x1[keep], y1[keep], ring[keep]
    return x0, y0, x1, y1, ring_geom[ring], ring


def _edges(geoms: np.ndarray) -> tuple[np.ndarray, ...]:
    """Edges of polygons, exteriors counter-clockwise and holes clockwise.

    Returns ``x0, y0, x1, y1, geom, ring`` arrays: one entry per edge of non-zero
    length, in ring order (so the interior of every polygon lies left of its
    edges). ``geom`` indexes ``geoms``; ``ring`` numbers the rings.
    """
    simple = (shapely.get_type_id(geoms) == 3).all() and not shapely.get_num_interior_rings(
        geoms
    ).any()
    if simple:  # one ring per polygon: orient it ourselves, no new geometries
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        counts = np.bincount(owner, minlength=len(geoms))
        ring_off = np.r_[0, np.cumsum(counts)]
        return _ring_edges(coords, ring_off, np.arange(len(geoms)), orient=True)
    oriented = shapely.orient_polygons(geoms, exterior_cw=False)
    typ, coords, offsets = shapely.to_ragged_array(oriented, include_z=False)
    if typ == shapely.GeometryType.POLYGON:
        ring_off, geom_off = offsets
        ring_geom = np.repeat(np.arange(len(geom_off) - 1), np.diff(geom_off))
    elif typ == shapely.GeometryType.MULTIPOLYGON:
        ring_off, part_off, geom_off = offsets
        part_geom = np.repeat(np.arange(len(geom_off) - 1), np.diff(geom_off))
        ring_geom = part_geom[np.repeat(np.arange(len(part_off) - 1), np.diff(part_off))]
    else:  # pragma: no cover - callers pass polygons only
        raise ReleaseError(f"expected polygons, got {typ!r}")
    return _ring_edges(coords, ring_off, ring_geom, orient=False)


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of ``counts`` items: the group of each item and its rank in the group."""
    total = int(counts.sum())
    group = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(total) - starts[group]
    return group, rank


_CHAIN = 8
"""Boundary segments per leaf of the segment tree."""


class _AreaIndex:
    """Areas prepared for :func:`intersection_areas`: trees, boundary segments, WKB.

    Boundary segments are kept in ring order (interior on the left); the
    segment tree indexes chains of :data:`_CHAIN` consecutive segments.
    """

    def __init__(self, areas: np.ndarray) -> None:
        self.n = len(areas)
        self.tree = shapely.STRtree(areas)
        self.wkb = shapely.to_wkb(areas)
        ok = ~(shapely.is_missing(areas) | shapely.is_empty(areas))
        idx = np.flatnonzero(ok)
        if len(idx):
            x0, y0, x1, y1, g, ring = _edges(areas[idx])
            g = idx[g]
        else:
            x0 = y0 = x1 = y1 = np.empty(0)
            g = ring = np.empty(0, dtype=np.int64)
        self.sx0, self.sy0, self.sx1, self.sy1 = x0, y0, x1, y1
        self.seg_area, self.seg_ring = g, ring
        self.sxmin, self.sxmax = np.minimum(x0, x1), np.maximum(x0, x1)
        self.symin, self.symax = np.minimum(y0, y1), np.maximum(y0, y1)
        # Chains: up to _CHAIN consecutive segments of one ring, as one linestring.
        n = len(x0)
        if n:
            new = np.r_[True, ring[1:] != ring[:-1]]
            ring_start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
            chain_new = new | ((np.arange(n) - ring_start) % _CHAIN == 0)
        else:
            chain_new = np.zeros(0, dtype=bool)
        self.chain_start = np.flatnonzero(chain_new)
        self.chain_len = np.diff(np.r_[self.chain_start, n]).astype(np.int64)
        lines = np.empty(0, dtype=object)
        if n:
            chain_of = np.cumsum(chain_new) - 1
            # every segment's start, then the end of each chain's last segment
            last = np.r_[self.chain_start[1:], n] - 1
            xs = np.concatenate([x0, x1[last]])
            ys = np.concatenate([y0, y1[last]])
            ids = np.concatenate([chain_of, np.arange(len(self.chain_start))])
            order = np.argsort(np.concatenate([np.arange(n), last + 0.5]), kind="stable")
            lines = shapely.linestrings(np.c_[xs, ys][order], indices=ids[order])
        self.seg_tree = shapely.STRtree(lines)
        # Build both trees now: querying a built tree is thread-safe.
        probe = shapely.box(0.0, 0.0, 1.0, 1.0)
        self.tree.query(probe)
        self.seg_tree.query(probe)
        self._local = threading.local()

    def prepared(self) -> np.ndarray:
        """This thread's own prepared copy of the area geometries."""
        geoms = getattr(self._local, "geoms", None)
        if geoms is None:
            geoms = shapely.from_wkb(self.wkb)
            shapely.prepare(geoms)
            self._local.geoms = geoms
        return geoms

    def near_segments(self, geoms: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(geometry, segment) pairs whose boxes meet (``bounds``: the geometries' boxes)."""
        g, c = self.seg_tree.query(geoms)
        cg, rank = _expand(self.chain_len[c])
        s = self.chain_start[c][cg] + rank
        g = g[cg]
        b = bounds[g]
        hit = (
            (self.sxmin[s] <= b[:, 2])
            & (self.sxmax[s] >= b[:, 0])
            & (self.symin[s] <= b[:, 3])
            & (self.symax[s] >= b[:, 1])
        )
        return g[hit], s[hit]


def _points_in_areas(
    areas: np.ndarray, which: np.ndarray, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """``contains_xy`` of each point in its area, one scalar call per area."""
    out = np.zeros(len(x), dtype=bool)
    if not len(x):
        return out
    order = np.argsort(which, kind="stable")
    w = which[order]
    cuts = np.flatnonzero(np.diff(w)) + 1
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(w)], strict=True):
        sel = order[lo:hi]
        out[sel] = shapely.contains_xy(areas[w[lo]], x[sel], y[sel])
    return out


class _Pieces:
    """Sub-segments of a set of segments split at events, with their sides."""

    __slots__ = ("ka", "kb", "known", "run", "unit")

    def __init__(
        self,
        n_units: int,
        ev_unit: np.ndarray,
        ev_t: np.ndarray,
        ev_side: np.ndarray,
        chain_new: np.ndarray,
        unit_len: np.ndarray,
        unit_tol: np.ndarray,
    ) -> None:
        """Split ``n_units`` segments at events ``(unit, t, side)``.

        ``chain_new[i]`` is True where unit ``i`` does not continue unit ``i-1``
        (a new ring or a gap). The side of a sub-segment (1 inside, 0 outside, -1
        unknown) is that given by the nearest clean event on its chain: after an
        entering event it is inside, before it outside.
        """
        order = np.lexsort((ev_t, ev_unit))
        ev_unit, ev_t, side = ev_unit[order], ev_t[order], ev_side[order].astype(np.int8)
        n_ev = len(ev_unit)
        if n_ev > 1:
            # Events closer than the tolerance cannot be ordered: sides unknown.
            k = ev_unit[1:]
            close = (k == ev_unit[:-1]) & (np.diff(ev_t) * unit_len[k] <= unit_tol[k])
            side[1:][close] = -1
            side[:-1][close] = -1
        # Unit u with c events gives c + 1 sub-segments: [0, t1], [t1, t2], …, [tc, 1].
        cnt = np.bincount(ev_unit, minlength=n_units)
        sub_cnt = cnt + 1
        sub_start = np.cumsum(sub_cnt) - sub_cnt
        total = n_units + n_ev
        rank = np.arange(n_ev) - (np.cumsum(cnt) - cnt)[ev_unit]
        at = sub_start[ev_unit] + rank + 1  # the sub-segment each event starts
        ka = np.zeros(total)
        kb = np.ones(total)
        ka[at] = ev_t
        kb[at - 1] = ev_t
        unit = np.repeat(np.arange(n_units), sub_cnt)
        by_event = np.zeros(total, dtype=bool)
        by_event[at] = True
        side_at = np.full(total, -1, dtype=np.int8)
        side_at[at] = side
        first_of_unit = np.zeros(total, dtype=bool)
        first_of_unit[sub_start] = True
        new_chain = first_of_unit & chain_new[unit]
        if total:
            new_chain[0] = True
        chain = np.cumsum(new_chain) - 1
        chain_first = np.flatnonzero(new_chain)
        chain_last = np.r_[chain_first[1:], total] - 1
        pos = np.arange(total)
        prev_ev = np.maximum.accumulate(np.where(by_event, pos, -1))
        nxt = np.minimum.accumulate(np.where(by_event, pos, total)[::-1])[::-1]
        next_ev = np.r_[nxt[1:], total]
        has_prev = prev_ev >= chain_first[chain]
        has_next = next_ev <= chain_last[chain]
        after = side_at[np.maximum(prev_ev, 0)]
        nside = side_at[np.minimum(next_ev, total - 1)]
        before = np.where(nside >= 0, 1 - nside, -1).astype(np.int8)
        self.known = np.where(has_prev, after, np.where(has_next, before, np.int8(-1)))
        self.unit, self.ka, self.kb = unit, ka, kb
        self.run = np.cumsum(new_chain | by_event) - 1

    def resolve(self, length: np.ndarray, test: Any) -> np.ndarray:
        """Inside flags; ``test(rep)`` decides runs of unknown side on their longest piece."""
        known = self.known
        unknown = np.flatnonzero(known < 0)
        if len(unknown):
            run = self.run[unknown]
            order = np.lexsort((-length[unknown], run))
            head = np.r_[True, run[order][1:] != run[order][:-1]]
            rep = unknown[order[head]]
            res = test(rep)
            run_side = np.full(int(self.run[-1]) + 1, -1, dtype=np.int8)
            run_side[self.run[rep]] = res
            known = np.where(known < 0, run_side[self.run], known)
        return known == 1


def _clip_areas(
    geoms: np.ndarray,
    all_bounds: np.ndarray,
    pair_parcel: np.ndarray,
    pair_area: np.ndarray,
    cs_pair: np.ndarray,
    cs_seg: np.ndarray,
    index: _AreaIndex,
    prepared: np.ndarray,
) -> np.ndarray:
    """Area of ``geoms[pair_parcel] ∩ area[pair_area]`` for pairs near a boundary.

    ``cs_pair``/``cs_seg`` list the area boundary segments whose boxes meet the
    parcel's box, sorted by pair then segment. Green's theorem:
    ``area(P ∩ A) = ∮ x dy`` along ``∂(P ∩ A)``, which is made of (1) the parts
    of P's edges inside A and (2) the parts of A's segments strictly inside P.
    """
    n_pairs = len(pair_parcel)
    result = np.zeros(n_pairs)
    if not n_pairs:
        return result
    parcels, pair_u = np.unique(pair_parcel, return_inverse=True)
    pgeoms = geoms[parcels]
    bounds = all_bounds[parcels]
    ox, oy = bounds[:, 0], bounds[:, 1]
    # Tolerance: far above float resolution, far below any real feature.
    size = np.maximum(bounds[:, 2] - ox, bounds[:, 3] - oy)
    ulp = np.spacing(np.maximum(np.abs(bounds).max(axis=1), 1.0))
    delta = np.maximum(1e-9 * size, 64.0 * ulp)

    # Parcel edges in local coordinates (origin: the parcel's lower-left corner).
    ex0, ey0, ex1, ey1, e_u, e_ring = _edges(pgeoms)
    ex0, ex1 = ex0 - ox[e_u], ex1 - ox[e_u]
    ey0, ey1 = ey0 - oy[e_u], ey1 - oy[e_u]
    e_cnt = np.bincount(e_u, minlength=len(parcels))
    e_start = np.cumsum(e_cnt) - e_cnt
    exmin, exmax = np.minimum(ex0, ex1), np.maximum(ex0, ex1)
    eymin, eymax = np.minimum(ey0, ey1), np.maximum(ey0, ey1)

    # Candidate area segments, local to their pair's parcel, boxes grown by delta.
    cs_u = pair_u[cs_pair]
    cox, coy, cd = ox[cs_u], oy[cs_u], delta[cs_u]
    sx0, sy0 = index.sx0[cs_seg] - cox, index.sy0[cs_seg] - coy
    sx1, sy1 = index.sx1[cs_seg] - cox, index.sy1[cs_seg] - coy
    sxmin, sxmax = index.sxmin[cs_seg] - cox - cd, index.sxmax[cs_seg] - cox + cd
    symin, symax = index.symin[cs_seg] - coy - cd, index.symax[cs_seg] - coy + cd

    # (pair, parcel edge) units for term (1).
    pe_cnt = e_cnt[pair_u]
    pe_pair, pe_rank = _expand(pe_cnt)
    pe_start = np.cumsum(pe_cnt) - pe_cnt
    pe_edge = e_start[pair_u[pe_pair]] + pe_rank

    # Every (candidate segment, edge of its parcel) whose boxes meet.
    n_x = pe_cnt[cs_pair]
    x_first = np.cumsum(n_x) - n_x
    x_e = np.repeat(e_start[cs_u] - x_first, n_x) + np.arange(int(n_x.sum()))
    near = np.repeat(sxmax, n_x) >= exmin[x_e]
    near &= np.repeat(sxmin, n_x) <= exmax[x_e]
    near &= np.repeat(symax, n_x) >= eymin[x_e]
    near &= np.repeat(symin, n_x) <= eymax[x_e]
    x_near = np.flatnonzero(near)
    x_c = np.searchsorted(x_first, x_near, side="right") - 1
    x_e = x_e[x_near]
    x_pe = pe_start[cs_pair[x_c]] + (x_e - e_start[cs_u[x_c]])
    tol = cd[x_c]
    px0, py0, px1, py1 = ex0[x_e], ey0[x_e], ex1[x_e], ey1[x_e]
    qx0, qy0, qx1, qy1 = sx0[x_c], sy0[x_c], sx1[x_c], sy1[x_c]

    rx, ry = px1 - px0, py1 - py0
    sx, sy = qx1 - qx0, qy1 - qy0
    wx, wy = qx0 - px0, qy0 - py0
    denom = rx * sy - ry * sx
    rlen = np.hypot(rx, ry)
    slen = np.hypot(sx, sy)
    parallel = np.abs(denom) <= 1e-12 * rlen * slen
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (wx * sy - wy * sx) / denom
        u = (wx * ry - wy * rx) / denom
    eps_t = tol / rlen
    eps_u = tol / slen
    cross = ~parallel & (t >= -eps_t) & (t <= 1.0 + eps_t) & (u >= -eps_u) & (u <= 1.0 + eps_u)
    # A clean crossing (away from both segments' ends, not grazing) tells the side
    # after it. Interiors lie left of their edges: P's edge enters A when it points
    # left of A's segment (denom < 0); A's segment enters P when denom > 0.
    clean = (
        (t > 1e3 * eps_t)
        & (t < 1.0 - 1e3 * eps_t)
        & (u > 1e3 * eps_u)
        & (u < 1.0 - 1e3 * eps_u)
        & (np.abs(denom) > 1e-6 * rlen * slen)
    )[cross]
    dc = denom[cross]
    ev1 = [(x_pe[cross], np.clip(t[cross], 0.0, 1.0), np.where(clean, dc < 0, -1))]
    ev2 = [(x_c[cross], np.clip(u[cross], 0.0, 1.0), np.where(clean, dc > 0, -1))]
    # Collinear overlaps: the ends of each segment projected on the other.
    col = parallel & (np.abs(wx * ry - wy * rx) <= tol * rlen)
    if col.any():
        r2 = (rx * rx + ry * ry)[col]
        s2 = (sx * sx + sy * sy)[col]
        for ax, ay in ((qx0, qy0), (qx1, qy1)):
            tp = ((ax - px0) * rx + (ay - py0) * ry)[col] / r2
            ok = (tp >= 0.0) & (tp <= 1.0)
            ev1.append((x_pe[col][ok], tp[ok], np.full(int(ok.sum()), -1)))
        for bx, by in ((px0, py0), (px1, py1)):
            up = ((bx - qx0) * sx + (by - qy0) * sy)[col] / s2
            ok = (up >= 0.0) & (up <= 1.0)
            ev2.append((x_c[col][ok], up[ok], np.full(int(ok.sum()), -1)))

    # Term (1): the parts of each pair's parcel edges inside the area.
    n_pe = len(pe_pair)
    pe_e = pe_edge
    pe_len = np.hypot(ex1[pe_e] - ex0[pe_e], ey1[pe_e] - ey0[pe_e])
    pe_new = np.r_[True, (pe_pair[1:] != pe_pair[:-1]) | (e_ring[pe_e][1:] != e_ring[pe_e][:-1])]
    pcs = _Pieces(
        n_pe,
        np.concatenate([e[0] for e in ev1]),
        np.concatenate([e[1] for e in ev1]),
        np.concatenate([e[2] for e in ev1]).astype(np.int8),
        pe_new,
        pe_len,
        1e3 * delta[pair_u[pe_pair]],
    )
    e = pe_e[pcs.unit]
    rx, ry = ex1[e] - ex0[e], ey1[e] - ey0[e]
    xa, ya = ex0[e] + pcs.ka * rx, ey0[e] + pcs.ka * ry
    xb, yb = ex0[e] + pcs.kb * rx, ey0[e] + pcs.kb * ry
    s_pair = pe_pair[pcs.unit]

    def test_in_area(rep: np.ndarray) -> np.ndarray:
        # just left of the middle of the piece, i.e. on the parcel's side
        u_rep = pair_u[s_pair[rep]]
        lr = np.hypot(xb[rep] - xa[rep], yb[rep] - ya[rep])
        d = delta[u_rep] / np.maximum(lr, 1e-300)
        mx = 0.5 * (xa[rep] + xb[rep]) - d * (yb[rep] - ya[rep]) + ox[u_rep]
        my = 0.5 * (ya[rep] + yb[rep]) + d * (xb[rep] - xa[rep]) + oy[u_rep]
        return _points_in_areas(prepared, pair_area[s_pair[rep]], mx, my)

    inside = pcs.resolve(np.hypot(xb - xa, yb - ya), test_in_area)
    w = np.where(inside, 0.5 * (xa + xb) * (yb - ya), 0.0)
    result += np.bincount(s_pair, weights=w, minlength=n_pairs)

    # Term (2): the parts of the area's segments strictly inside the parcel.
    n_cs = len(cs_pair)
    if not n_cs:
        return result
    seg_next = np.r_[
        True,
        (cs_pair[1:] != cs_pair[:-1])
        | (cs_seg[1:] != cs_seg[:-1] + 1)
        | (index.seg_ring[cs_seg][1:] != index.seg_ring[cs_seg][:-1]),
    ]
    cs_len = np.hypot(sx1 - sx0, sy1 - sy0)
    pcs = _Pieces(
        n_cs,
        np.concatenate([e[0] for e in ev2]),
        np.concatenate([e[1] for e in ev2]),
        np.concatenate([e[2] for e in ev2]).astype(np.int8),
        seg_next,
        cs_len,
        1e3 * cd,
    )
    c = pcs.unit
    dx, dy = sx1[c] - sx0[c], sy1[c] - sy0[c]
    xa, ya = sx0[c] + pcs.ka * dx, sy0[c] + pcs.ka * dy
    xb, yb = sx0[c] + pcs.kb * dx, sy0[c] + pcs.kb * dy
    cu = cs_u[c]

    def test_in_parcel(rep: np.ndarray) -> np.ndarray:
        mx, my = 0.5 * (xa[rep] + xb[rep]), 0.5 * (ya[rep] + yb[rep])
        ur = cu[rep]
        dl = delta[ur]
        w = bounds[ur, 2] - ox[ur]
        h = bounds[ur, 3] - oy[ur]
        out = np.zeros(len(rep), dtype=bool)
        k = np.flatnonzero((mx > dl) & (my > dl) & (mx < w - dl) & (my < h - dl))
        if len(k):
            out[k] = _points_in_parcels(
                mx[k], my[k], ur[k], dl[k], ex0, ey0, ex1, ey1, e_start, e_cnt
            )
        return out

    inside = pcs.resolve(np.hypot(xb - xa, yb - ya), test_in_parcel)
    w = np.where(inside, 0.5 * (xa + xb) * (yb - ya), 0.0)
    result += np.bincount(cs_pair[c], weights=w, minlength=n_pairs)
    return result


def _points_in_parcels(
    mx: np.ndarray,
    my: np.ndarray,
    which: np.ndarray,
    margin: np.ndarray,
    ex0: np.ndarray,
    ey0: np.ndarray,
    ex1: np.ndarray,
    ey1: np.ndarray,
    e_start: np.ndarray,
    e_cnt: np.ndarray,
) -> np.ndarray:
    """Points strictly inside their parcel, farther than ``margin`` from its edges.

    Even-odd ray casting over every edge of the parcel (exterior and holes).
    """
    cnt = e_cnt[which]
    g, rank = _expand(cnt)
    e = e_start[which[g]] + rank
    x, y = mx[g], my[g]
    x0, y0, x1, y1 = ex0[e], ey0[e], ex1[e], ey1[e]
    straddle = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    hits = straddle & (x < xc)
    dx, dy = x1 - x0, y1 - y0
    ll = dx * dx + dy * dy
    s = np.clip(((x - x0) * dx + (y - y0) * dy) / ll, 0.0, 1.0)
    dist2 = (x0 + s * dx - x) ** 2 + (y0 + s * dy - y) ** 2
    starts = np.cumsum(cnt) - cnt
    odd = np.add.reduceat(hits.astype(np.int64), starts) % 2 == 1
    mind = np.minimum.reduceat(dist2, starts)
    return odd & (mind > margin * margin)


def _chunk_pieces(
    geoms: np.ndarray, index: _AreaIndex, *, outside: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(parcel, area, area_m2, overlaps) for a chunk of parcels (indices local to the chunk).

    Pieces are clamped to ``[0, parcel area]`` and tiny ones (below 1e-10 of the
    parcel) dropped; with ``outside``, each parcel's remainder is added with
    area -1. ``overlaps`` counts parcels whose pieces exceed them (overlapping
    areas).

    Fast path: a parcel whose box meets no boundary segment of an area lies
    wholly inside or wholly outside it (so does its box), which one prepared
    point test of the box's centre decides. Only parcels with boundary segments
    nearby are clipped.
    """
    total = shapely.area(geoms)
    p, a = index.tree.query(geoms)
    if not len(p):
        return _finish(p, a, np.empty(0), total, outside=outside)
    prepared = index.prepared()
    n_areas = index.n
    bounds = shapely.bounds(geoms)
    q_p, q_s = index.near_segments(geoms, bounds)
    q_key = q_p.astype(np.int64) * n_areas + index.seg_area[q_s]
    pair_key = p.astype(np.int64) * n_areas + a
    order = np.argsort(pair_key)
    sorted_keys = pair_key[order]
    pos = np.minimum(np.searchsorted(sorted_keys, q_key), len(sorted_keys) - 1)
    q_hit = sorted_keys[pos] == q_key
    q_pair = order[pos[q_hit]]
    near = np.zeros(len(p), dtype=bool)
    near[q_pair] = True

    far = np.flatnonzero(~near)
    whole = far[:0]
    if len(far):
        b = bounds[p[far]]
        cx, cy = 0.5 * (b[:, 0] + b[:, 2]), 0.5 * (b[:, 1] + b[:, 3])
        whole = far[_points_in_areas(prepared, a[far], cx, cy)]

    crossing = np.flatnonzero(near)
    renumber = np.full(len(p), -1, dtype=np.int64)
    renumber[crossing] = np.arange(len(crossing))
    cs_pair, cs_seg = renumber[q_pair], q_s[q_hit]
    order = np.lexsort((cs_seg, cs_pair))
    clipped = _clip_areas(
        geoms, bounds, p[crossing], a[crossing], cs_pair[order], cs_seg[order], index, prepared
    )
    pp = np.concatenate([p[whole], p[crossing]])
    aa = np.concatenate([a[whole], a[crossing]])
    m2 = np.concatenate([total[p[whole]], clipped])
    return _finish(pp, aa, m2, total, outside=outside)


def _finish(
    pp: np.ndarray, aa: np.ndarray, m2: np.ndarray, total: np.ndarray, *, outside: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Clamp and filter pieces, add each parcel's remainder outside."""
    cap = total[pp]
    m2 = np.minimum(np.maximum(m2, 0.0), cap)
    keep = m2 > 1e-10 * cap
    pp, aa, m2 = pp[keep].astype(np.int64), aa[keep].astype(np.int64), m2[keep]
    overlaps = 0
    if outside:
        rest = total - np.bincount(pp, weights=m2, minlength=len(total))
        tiny = np.abs(rest) <= 1e-10 * total
        overlaps = int((~tiny & (rest < 0)).sum())
        out = np.flatnonzero(~tiny & (rest > 0))
        pp = np.concatenate([pp, out])
        aa = np.concatenate([aa, np.full(len(out), -1, dtype=np.int64)])
        m2 = np.concatenate([m2, rest[out]])
    return pp, aa, m2, overlaps


def default_threads() -> int:
    """Worker threads for the engine: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def intersection_areas(
    parcels: Any,
    areas: Any,
    *,
    outside: bool = True,
    threads: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """Area of every (parcel, area) intersection, in m², and the remainder outside.

    Parameters
    ----------
    parcels, areas
        Polygon geometries (arrays, ``GeoSeries`` or ``GeoDataFrame``) in one
        projected CRS in metres. Areas may overlap: each pair is measured on its
        own, so overlapping areas both receive the shared land.
    outside
        Add one row per parcel with ``area == -1`` for the part of the parcel
        outside every area (``parcel area - sum of its pieces``; meaningful when
        areas do not overlap, see :func:`exclusive_geometries`). Rows whose
        remainder is below 1e-10 of the parcel are left out.
    threads
        Worker threads (default: :func:`default_threads`); 1 runs inline.
    chunk_size
        Parcels per unit of work.

    Returns
    -------
    pandas.DataFrame
        Columns ``parcel`` and ``area`` (positions in the inputs, int64) and
        ``area_m2``; only non-zero pieces. Per parcel the pieces (with
        ``outside``) sum to the parcel's area.

    Examples
    --------
    >>> from shapely import box
    >>> pieces = intersection_areas([box(0, 0, 2, 2), box(5, 5, 6, 6)], [box(1, 0, 3, 2)])
    >>> pieces.sort_values(["parcel", "area"]).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'parcel': 0, 'area': -1, 'area_m2': 2.0}, {'parcel': 0, 'area': 0, 'area_m2': 2.0},
     {'parcel': 1, 'area': -1, 'area_m2': 1.0}]
    """
    pgeoms = _as_geometry_array(parcels)
    ageoms = _as_geometry_array(areas)
    n = len(pgeoms)
    valid = ~(shapely.is_missing(pgeoms) | shapely.is_empty(pgeoms))
    if not valid.all():
        pgeoms = np.where(valid, pgeoms, shapely.Polygon())
    index = _AreaIndex(ageoms)
    threads = default_threads() if threads is None else max(1, int(threads))
    starts = list(range(0, n, max(1, int(chunk_size))))

    def work(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        chunk = pgeoms[start : start + chunk_size]
        p, a, m2, overlaps = _chunk_pieces(chunk, index, outside=outside)
        return p + start, a, m2, overlaps

    if threads == 1 or len(starts) <= 1:
        parts = [work(s) for s in starts]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(work, starts))
    pp = np.concatenate([x[0] for x in parts]) if parts else np.empty(0, dtype=np.int64)
    aa = np.concatenate([x[1] for x in parts]) if parts else np.empty(0, dtype=np.int64)
    m2 = np.concatenate([x[2] for x in parts]) if parts else np.empty(0)
    overlaps = sum(x[3] for x in parts)
    del parts
    if overlaps:
        logger.warning(
            "pieces exceed their parcel for %d parcel(s): the areas overlap; "
            "resolve overlaps first (exclusive_geometries)",
            overlaps,
        )
    logger.debug("intersection_areas: %d parcels x %d areas -> %d pieces", n, len(ageoms), len(pp))
    return pd.DataFrame({"parcel": pp, "area": aa, "area_m2": m2})


# ---------------------------------------------------------------------------
# Areas: nesting levels, selection, overlaps
# ---------------------------------------------------------------------------


def _parent_map(areas: pd.DataFrame) -> dict[str, str]:
    if "parent_id" not in areas.columns:
        return {}
    out: dict[str, str] = {}
    for aid, pid in zip(areas["area_id"].astype(str), areas["parent_id"], strict=True):
        if pid is not None and not (isinstance(pid, float) and np.isnan(pid)) and str(pid):
            out[aid] = str(pid)
    return out


def area_levels(areas: pd.DataFrame, *, within: Iterable[str] | None = None) -> pd.Series:
    """Nesting level of each area: how many of its ancestors are in the table.

    The ancestors are followed through ``parent_id``. With ``within``, only
    ancestors whose ``area_id`` is in ``within`` count (the levels of a
    selection).

    Raises
    ------
    ReleaseError
        When ``parent_id`` links form a cycle.

    Examples
    --------
    >>> import pandas as pd
    >>> areas = pd.DataFrame({"area_id": ["S", "P1", "P2"], "parent_id": [None, "S", "S"]})
    >>> area_levels(areas).tolist()
    [0, 1, 1]
    >>> area_levels(areas, within=["P1", "P2"]).tolist()
    [0, 0, 0]
    """
    ids = areas["area_id"].astype(str).tolist()
    parents = _parent_map(areas)
    present = set(ids) if within is None else set(map(str, within)) & set(ids)
    levels = []
    for aid in ids:
        level, seen, cur = 0, {aid}, aid
        while cur in parents:
            cur = parents[cur]
            if cur in seen:
                raise ReleaseError(
                    f"parent_id links of area {aid!r} form a cycle ({' → '.join(seen)}); "
                    f"fix parent_id in the areas table"
                )
            seen.add(cur)
            if cur in present:
                level += 1
        levels.append(level)
    return pd.Series(levels, index=areas.index, name="level", dtype="int64")


def _choices(values: Iterable[Any]) -> str:
    vals = sorted({str(v) for v in values if v is not None and not pd.isna(v)})
    return ", ".join(vals) if vals else "(none)"


def select_areas(
    areas: gpd.GeoDataFrame,
    *,
    kinds: Iterable[str] | None = None,
    layout: str | None = None,
    level: int | None = None,
    area_ids: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """The areas that match every given filter, in table order.

    Parameters
    ----------
    kinds
        Area kinds (:data:`geo.schema.AREA_KINDS`: zone, park, corridor, …).
    layout
        A plan's name as in the ``layout`` column (e.g. ``一区一园一廊``).
    level
        Nesting level in the whole table (:func:`area_levels`; 0 = no parent).
    area_ids
        Explicit area IDs.

    Raises
    ------
    ReleaseError
        A filter value is unknown (the message lists the valid ones), or no area
        matches them all.
    """
    sel = np.ones(len(areas), dtype=bool)
    asked = []
    if isinstance(kinds, str):
        kinds = [kinds]
    if isinstance(area_ids, str):
        area_ids = [area_ids]
    if kinds is not None:
        kinds = [str(k) for k in kinds]
        bad = [k for k in kinds if k not in AREA_KINDS]
        if bad:
            raise ReleaseError(
                f"unknown area kind(s) {', '.join(bad)}; valid kinds: {', '.join(AREA_KINDS)}"
            )
        sel &= areas["kind"].astype(str).isin(kinds).to_numpy()
        asked.append(f"kind {'/'.join(kinds)}")
    if layout is not None:
        layouts = areas["layout"] if "layout" in areas.columns else pd.Series([], dtype=object)
        if str(layout) not in set(layouts.dropna().astype(str)):
            raise ReleaseError(
                f"unknown layout {layout!r}; layouts in this workspace: {_choices(layouts)}"
            )
        sel &= (areas["layout"].astype(str) == str(layout)).to_numpy()
        asked.append(f"layout {layout}")
    if level is not None:
        levels = area_levels(areas)
        if int(level) not in set(levels):
            raise ReleaseError(
                f"no area at nesting level {level}; levels in this workspace: {_choices(levels)}"
            )
        sel &= (levels == int(level)).to_numpy()
        asked.append(f"level {level}")
    if area_ids is not None:
        wanted = [str(a) for a in area_ids]
        have = set(areas["area_id"].astype(str))
        bad = [a for a in wanted if a not in have]
        if bad:
            raise ReleaseError(f"unknown area ID(s) {', '.join(bad)}; area IDs: {_choices(have)}")
        sel &= areas["area_id"].astype(str).isin(wanted).to_numpy()
        asked.append(f"IDs {', '.join(wanted)}")
    if not sel.any():
        present = sorted(
            {
                f"{k}/{lay}"
                for k, lay in zip(
                    areas["kind"].astype(str),
                    areas["layout"].astype(str) if "layout" in areas else [""] * len(areas),
                    strict=True,
                )
            }
        )
        raise ReleaseError(
            f"no area matches {' and '.join(asked) or 'the selection'}; "
            f"kind/layout pairs present: {', '.join(present) or '(no areas)'}"
        )
    return areas[sel]


def overlap_priority(areas: gpd.GeoDataFrame, *, overlap: OverlapRule = "smallest") -> np.ndarray:
    """Positions of ``areas`` from the highest priority to the lowest.

    ``"smallest"``: the smaller planar area first, ties by ``area_id``;
    ``"order"``: table order.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> areas = gpd.GeoDataFrame(
    ...     {"area_id": ["Z", "P"]}, geometry=[box(0, 0, 4, 4), box(1, 1, 2, 2)])
    >>> overlap_priority(areas).tolist(), overlap_priority(areas, overlap="order").tolist()
    ([1, 0], [0, 1])
    """
    if overlap not in OVERLAP_RULES:
        raise ReleaseError(f"unknown overlap rule {overlap!r}; use one of {OVERLAP_RULES}")
    n = len(areas)
    if overlap == "order":
        return np.arange(n)
    size = shapely.area(_as_geometry_array(areas))
    ids = areas["area_id"].astype(str).to_numpy() if "area_id" in areas else np.arange(n)
    return np.lexsort((ids, size))


def exclusive_geometries(geoms: Any, *, priority: Sequence[int] | np.ndarray) -> np.ndarray:
    """Remove overlaps: each geometry loses the parts of higher-priority ones.

    Parameters
    ----------
    geoms
        Polygons.
    priority
        Positions of ``geoms`` from the highest priority to the lowest
        (e.g. :func:`overlap_priority`).

    Returns
    -------
    numpy.ndarray
        Geometries that do not overlap and cover the same union. Only
        geometries that overlap another one are recomputed.

    Examples
    --------
    >>> from shapely import box
    >>> out = exclusive_geometries([box(0, 0, 2, 2), box(1, 0, 3, 2)], priority=[1, 0])
    >>> [g.area for g in out]
    [2.0, 4.0]
    """
    arr = _as_geometry_array(geoms).copy()
    rank = np.empty(len(arr), dtype=np.int64)
    rank[np.asarray(priority, dtype=np.int64)] = np.arange(len(arr))
    tree = shapely.STRtree(arr)
    a, b = tree.query(arr, predicate="intersects")
    keep = a != b
    a, b = a[keep], b[keep]
    if len(a):
        inter = shapely.area(shapely.intersection(arr[a], arr[b]))
        over = inter > 0
        a, b = a[over], b[over]
    # a loses b where b has the higher priority (lower rank)
    loses = rank[b] < rank[a]
    a, b = a[loses], b[loses]
    for i in np.unique(a):
        others = arr[b[a == i]]
        before = arr[i]
        arr[i] = shapely.difference(before, shapely.union_all(others))
        logger.info(
            "area #%d overlaps %d area(s) of higher priority; %.1f m² go to them",
            i,
            len(others),
            shapely.area(before) - shapely.area(arr[i]),
        )
    return arr


# ---------------------------------------------------------------------------
# Release summaries
# ---------------------------------------------------------------------------


def _check_crs(parcels: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None) -> None:
    crs = parcels.crs
    if crs is not None and CRS.from_user_input(crs).is_geographic:
        raise CRSError(
            "parcels are in degrees; areas must be computed in a projected CRS: open the "
            "workspace with geo.workspace.open_workspace or use geo.crs.to_projected first"
        )
    if (
        areas is not None
        and areas.crs is not None
        and crs is not None
        and CRS.from_user_input(areas.crs) != CRS.from_user_input(crs)
    ):
        raise CRSError(
            f"parcels ({CRS.from_user_input(crs).to_string()}) and areas "
            f"({CRS.from_user_input(areas.crs).to_string()}) are in different CRSs; "
            f"reproject the areas with areas.to_crs(parcels.crs)"
        )


def check_statuses(statuses: Iterable[str] | None) -> list[str]:
    """Validated statuses (default: freed land), in lifecycle order.

    Examples
    --------
    >>> check_statuses(None)
    ['released', 'stored', 'supplied', 'in_production']
    >>> check_statuses(["idle", "released"])
    ['released', 'idle']
    """
    if isinstance(statuses, str):
        statuses = [statuses]
    wanted = set(FREED_STATUSES) if statuses is None else {str(s) for s in statuses}
    bad = sorted(wanted - set(STATUSES))
    if bad:
        raise ReleaseError(
            f"unknown status(es) {', '.join(bad)}; valid statuses: {', '.join(STATUSES)} "
            f"(freed land = {', '.join(s for s in STATUSES if s in FREED_STATUSES)})"
        )
    return [s for s in STATUSES if s in wanted]


def check_by(by: Iterable[str] | str) -> list[str]:
    """Validated grouping dimensions, without repeats.

    Examples
    --------
    >>> check_by(["area", "status", "area"])
    ['area', 'status']
    """
    items = [by] if isinstance(by, str) else list(by)
    out: list[str] = []
    for b in items:
        if b not in BY_CHOICES:
            raise ReleaseError(f"cannot group by {b!r}; choose from {', '.join(BY_CHOICES)}")
        if b not in out:
            out.append(b)
    return out


def _selected_parcels(parcels: gpd.GeoDataFrame, statuses: list[str]) -> gpd.GeoDataFrame:
    if "status" not in parcels.columns:
        raise ReleaseError("parcels have no 'status' column (docs/architecture.md §3)")
    geoms = _as_geometry_array(parcels)
    sel = parcels["status"].isin(statuses).to_numpy() & ~(
        shapely.is_missing(geoms) | shapely.is_empty(geoms)
    )
    return parcels[sel]


def _piece_arrays(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | None,
    *,
    overlap: OverlapRule,
    threads: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positional pieces: (parcel, level, area position or -1, area_m2)."""
    pgeoms = _as_geometry_array(parcels)
    if areas is None:
        idx = np.arange(len(parcels))
        return idx, np.zeros(len(idx), dtype=np.int64), np.full(len(idx), -1), shapely.area(pgeoms)
    levels = area_levels(areas, within=areas["area_id"].astype(str)).to_numpy()
    agg = _as_geometry_array(areas)
    out_p, out_l, out_a, out_m = [], [], [], []
    for lv in np.unique(levels):
        members = np.flatnonzero(levels == lv)
        sub = areas.iloc[members]
        geoms = exclusive_geometries(agg[members], priority=overlap_priority(sub, overlap=overlap))
        pieces = intersection_areas(pgeoms, geoms, outside=True, threads=threads)
        a = pieces["area"].to_numpy()
        out_p.append(pieces["parcel"].to_numpy())
        out_l.append(np.full(len(a), lv, dtype=np.int64))
        out_a.append(np.where(a >= 0, members[np.maximum(a, 0)], -1))
        out_m.append(pieces["area_m2"].to_numpy())
    return (
        np.concatenate(out_p),
        np.concatenate(out_l),
        np.concatenate(out_a),
        np.concatenate(out_m),
    )


def release_pieces(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | None = None,
    *,
    statuses: Iterable[str] | None = None,
    overlap: OverlapRule = "smallest",
    threads: int | None = None,
) -> pd.DataFrame:
    """The selected parcels cut into pieces by area, one block per level.

    Parameters
    ----------
    parcels
        Parcels in a projected CRS (metres), with ``parcel_id`` and ``status``.
    areas
        The areas to cut by (e.g. from :func:`select_areas`); None: no cutting.
    statuses
        Statuses to keep (default :data:`geo.schema.FREED_STATUSES`).
    overlap
        How overlaps within one level are shared (module docstring).
    threads
        Engine threads (default: every CPU this process may use).

    Returns
    -------
    pandas.DataFrame
        ``parcel_id``, ``level``, ``area_id`` (:data:`OUTSIDE_ID` outside),
        ``area_m2``. Within each level a parcel's pieces sum to its area.
    """
    wanted = check_statuses(statuses)
    _check_crs(parcels, areas)
    sel = _selected_parcels(parcels, wanted)
    p, lv, a, m2 = _piece_arrays(sel, areas, overlap=overlap, threads=threads)
    area_ids = (
        np.append(areas["area_id"].astype(str).to_numpy(), OUTSIDE_ID)
        if areas is not None
        else np.array([OUTSIDE_ID])
    )
    return pd.DataFrame(
        {
            "parcel_id": sel["parcel_id"].to_numpy()[p],
            "level": lv,
            "area_id": area_ids[a],
            "area_m2": m2,
        }
    )


def _dimension(parcels: gpd.GeoDataFrame, name: str) -> np.ndarray:
    if name == "year":
        if "released_on" not in parcels.columns:
            return pd.array([pd.NA] * len(parcels), dtype="Int64")
        return pd.to_datetime(parcels["released_on"], errors="coerce").dt.year.astype("Int64").array
    col = _BY_SOURCE[name]
    if col not in parcels.columns:
        raise ReleaseError(f"parcels have no {col!r} column to group by {name}")
    return parcels[col].to_numpy()


def _with_units(df: pd.DataFrame) -> pd.DataFrame:
    df["area_mu"] = m2_to_mu(df["area_m2"])
    df["area_ha"] = m2_to_ha(df["area_m2"])
    return df


def release_summary(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | None = None,
    *,
    by: Iterable[str] | str = ("area",),
    statuses: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    layout: str | None = None,
    level: int | None = None,
    area_ids: Iterable[str] | None = None,
    overlap: OverlapRule = "smallest",
    threads: int | None = None,
) -> pd.DataFrame:
    """Land in the chosen statuses (default: freed land), totalled by the ``by`` dimensions.

    Parameters
    ----------
    parcels
        Parcels in a projected CRS in metres (``Workspace.parcels``).
    areas
        Planning areas (``Workspace.areas``); needed when grouping by area.
    by
        Any of ``area``, ``status``, ``year`` (year of ``released_on``),
        ``industry`` (``industry_before``), ``district``, in the order of the
        output columns; several give the combinations (e.g. area × status).
    statuses
        Statuses to count (default :data:`geo.schema.FREED_STATUSES`).
    kinds, layout, level, area_ids
        Which areas (:func:`select_areas`); none: every area, by level.
    overlap
        ``"smallest"`` or ``"order"``: who gets the overlap of two areas of one
        level (module docstring).
    threads
        Engine threads (default: every CPU this process may use).

    Returns
    -------
    pandas.DataFrame
        By area: ``level``, ``area_id``, ``area_name``, ``area_name_en``,
        ``kind``, then the other dimensions, ``n_parcels`` (parcels with land in
        the group), ``area_m2``, ``area_mu``, ``area_ha``. Within each level the
        rows sum to the total of the selected parcels; the ``outside`` row
        holds the land outside every area of the level. Grouped by area alone,
        every selected area has a row, zero when it has no such land.

    Raises
    ------
    ReleaseError
        An unknown status, kind, layout, level, area ID or dimension (the
        message lists the valid ones).
    geo.crs.CRSError
        Parcels in degrees, or parcels and areas in different CRSs.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame(
    ...     {"parcel_id": ["A", "B"], "status": ["released", "stored"]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=4547)
    >>> areas = gpd.GeoDataFrame(
    ...     {"area_id": ["Z"], "name": ["开发区"], "kind": ["zone"]},
    ...     geometry=[box(50, 0, 150, 100)], crs=4547)
    >>> out = release_summary(parcels, areas)
    >>> out[["area_id", "n_parcels", "area_mu"]].values.tolist()
    [['Z', 2, 15.0], ['outside', 2, 15.0]]
    """
    dims = check_by(by)
    wanted = check_statuses(statuses)
    by_area = "area" in dims
    filters = kinds is not None or layout is not None or level is not None or area_ids is not None
    if filters and not by_area:
        raise ReleaseError(
            "kinds, layout, level and area_ids choose areas: add 'area' to by to use them"
        )
    if by_area and areas is None:
        raise ReleaseError("grouping by area needs the areas table")
    chosen = None
    if areas is not None and by_area:
        chosen = (
            select_areas(areas, kinds=kinds, layout=layout, level=level, area_ids=area_ids)
            if filters
            else areas
        )
        if not len(chosen):
            raise ReleaseError("the workspace has no planning areas")
    _check_crs(parcels, chosen)
    sel = _selected_parcels(parcels, wanted)
    p, lv, a, m2 = _piece_arrays(sel, chosen if by_area else None, overlap=overlap, threads=threads)

    cols: dict[str, Any] = {}
    keys: list[str] = []
    if by_area:
        assert chosen is not None
        cols["level"] = lv
        cols["_area"] = a
        keys += ["level", "_area"]
    for d in dims:
        if d == "area":
            continue
        values = _dimension(sel, d)
        cols[BY_CHOICES[d]] = values[p] if len(p) else values[:0]
        keys.append(BY_CHOICES[d])
    cols["area_m2"] = m2
    frame = pd.DataFrame(cols)
    if keys:
        grouped = frame.groupby(keys, dropna=False, sort=False)["area_m2"]
        out = grouped.agg(["size", "sum"]).reset_index()
        out = out.rename(columns={"size": "n_parcels", "sum": "area_m2"})
    else:
        out = pd.DataFrame({"n_parcels": [len(frame)], "area_m2": [frame["area_m2"].sum()]})

    if by_area:
        assert chosen is not None
        levels = area_levels(chosen, within=chosen["area_id"].astype(str)).to_numpy()
        if dims == ["area"]:  # every area of each level, and outside, even when empty
            full = [(int(l_), i) for l_ in np.unique(levels) for i in np.flatnonzero(levels == l_)]
            full += [(int(l_), -1) for l_ in np.unique(levels)]
            grid = pd.DataFrame(full, columns=["level", "_area"])
            out = grid.merge(out, on=["level", "_area"], how="left")
            out["n_parcels"] = out["n_parcels"].fillna(0).astype("int64")
            out["area_m2"] = out["area_m2"].fillna(0.0)
        n = len(chosen)
        ids = np.append(chosen["area_id"].astype(str).to_numpy(), OUTSIDE_ID)
        names = np.append(_column(chosen, "name"), OUTSIDE_NAME)
        names_en = np.append(_column(chosen, "name_en"), OUTSIDE_NAME_EN)
        kinds_ = np.append(_column(chosen, "kind"), None)
        ai = out["_area"].to_numpy()
        ai = np.where(ai < 0, n, ai)
        out["_order"] = ai
        out.insert(1, "area_id", ids[ai])
        out.insert(2, "area_name", names[ai])
        out.insert(3, "area_name_en", names_en[ai])
        out.insert(4, "kind", kinds_[ai])
    out = _sort_summary(out, dims)
    out = out.drop(columns=[c for c in ("_area", "_order") if c in out.columns])
    out["n_parcels"] = out["n_parcels"].astype("int64")
    out = _with_units(out.reset_index(drop=True))
    logger.info(
        "release summary by %s: %d parcels in %s, %d rows",
        " × ".join(dims) or "nothing",
        len(sel),
        "/".join(wanted),
        len(out),
    )
    return out


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    if name in df.columns:
        return df[name].astype(object).where(df[name].notna(), None).to_numpy()
    return np.array([None] * len(df), dtype=object)


def _sort_summary(out: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    sort_cols, tmp = [], []
    if "area" in dims:
        sort_cols += ["level", "_order"]
    for d in dims:
        if d == "area":
            continue
        col = BY_CHOICES[d]
        if d == "status":
            key = f"_{col}"
            rank = {s: i for i, s in enumerate(STATUSES)}
            out[key] = out[col].map(rank).fillna(len(rank))
            sort_cols.append(key)
            tmp.append(key)
        else:
            sort_cols.append(col)
    if sort_cols:
        out = out.sort_values(sort_cols, kind="stable", na_position="last")
    return out.drop(columns=tmp)


def release_total_m2(parcels: gpd.GeoDataFrame, *, statuses: Iterable[str] | None = None) -> float:
    """Planar area (m²) of the parcels in ``statuses`` (default: freed land).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame({"status": ["released", "operating"]},
    ...     geometry=[box(0, 0, 10, 10), box(0, 0, 5, 5)], crs=4547)
    >>> release_total_m2(parcels), release_total_m2(parcels, statuses=["operating"])
    (100.0, 25.0)
    """
    _check_crs(parcels, None)
    sel = _selected_parcels(parcels, check_statuses(statuses))
    return float(shapely.area(_as_geometry_array(sel)).sum())
