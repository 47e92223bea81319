"""The area of every (parcel, area) intersection, without building geometry.

See :mod:`geo.release` for how the clipping works (Green's theorem over the
boundary pieces, a prepared point test for contained parcels, threads).
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.release._common import DEFAULT_CHUNK, ReleaseError

logger = logging.getLogger(__name__)


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


_CHAIN = 16
"""Boundary segments per leaf of the segment tree."""


class _AreaIndex:
    """Areas prepared for :func:`intersection_areas`: trees and boundary segments.

    Boundary segments are kept in ring order (interior on the left); the
    segment tree indexes chains of :data:`_CHAIN` consecutive segments.
    With ``own`` (geometries no one else holds, e.g. unpickled), the first
    thread to ask prepares the geometries themselves instead of a copy.
    """

    def __init__(self, areas: np.ndarray, *, own: bool = False) -> None:
        self.n = len(areas)
        self.tree = shapely.STRtree(areas)
        self._own = own
        self._lock = threading.Lock()
        ok = ~(shapely.is_missing(areas) | shapely.is_empty(areas))
        idx = np.flatnonzero(ok)
        if len(idx):
            x0, y0, x1, y1, g, ring = _edges(areas[idx])
            g = idx[g]
        else:
            x0 = y0 = x1 = y1 = np.empty(0)
            g = ring = np.empty(0, dtype=np.int64)
        self.sx0, self.sy0 = x0, y0
        self.seg_area, self.seg_ring = g.astype(np.int32), ring.astype(np.int32)
        # Chains: up to _CHAIN consecutive segments of one ring.
        n = len(x0)
        if n:
            new = np.r_[True, ring[1:] != ring[:-1]]
            ring_start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
            chain_new = new | ((np.arange(n) - ring_start) % _CHAIN == 0)
        else:
            new = chain_new = np.zeros(0, dtype=bool)
        del ring
        # Rings are closed and zero-length edges dropped: a segment ends exactly where the
        # next one of its ring starts (the last one: where the first starts). The ends are
        # looked up (:meth:`ends`), not stored.
        self.ring_first = np.flatnonzero(new)
        self.chain_start = np.flatnonzero(chain_new)
        self.chain_len = np.diff(np.r_[self.chain_start, n]).astype(np.int64)
        # The segment tree only needs each chain's box: one diagonal line per chain has
        # the chain's envelope, and two coordinates instead of up to _CHAIN + 1.
        lines = np.empty(0, dtype=object)
        if n:
            lo = np.minimum.reduceat
            hi = np.maximum.reduceat
            cs = self.chain_start
            corners = np.stack(
                [
                    np.minimum(lo(x0, cs), lo(x1, cs)),
                    np.minimum(lo(y0, cs), lo(y1, cs)),
                    np.maximum(hi(x0, cs), hi(x1, cs)),
                    np.maximum(hi(y0, cs), hi(y1, cs)),
                ],
                axis=1,
            )
            lines = shapely.linestrings(corners.reshape(-1, 2, 2))
        self.seg_tree = shapely.STRtree(lines)
        # Build both trees now: querying a built tree is thread-safe.
        probe = shapely.box(0.0, 0.0, 1.0, 1.0)
        self.tree.query(probe)
        self.seg_tree.query(probe)
        self._local = threading.local()

    def _next(self, s: np.ndarray) -> np.ndarray:
        """The segment after each of ``s`` along its ring (after the last: the first)."""
        n = len(self.sx0)
        s1 = np.minimum(s + 1, max(n - 1, 0))
        last = (s + 1 >= n) | (self.seg_ring[s1] != self.seg_ring[s])
        first = self.ring_first[np.maximum(np.searchsorted(self.ring_first, s, "right") - 1, 0)]
        return np.where(last, first, s + 1)

    def ends(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``x1, y1``: where the segments ``s`` end."""
        after = self._next(s)
        return self.sx0[after], self.sy0[after]

    def boxes(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``xmin, xmax, ymin, ymax`` of the segments ``s``."""
        x0, y0 = self.sx0[s], self.sy0[s]
        x1, y1 = self.ends(s)
        return np.minimum(x0, x1), np.maximum(x0, x1), np.minimum(y0, y1), np.maximum(y0, y1)

    def prepared(self) -> np.ndarray:
        """This thread's own prepared copy of the area geometries (prepared ones are not
        thread-safe); with ``own``, the first thread's are the geometries themselves."""
        geoms = getattr(self._local, "geoms", None)
        if geoms is None:
            areas = self.tree.geometries
            with self._lock:
                mine, self._own = self._own, False
            geoms = areas if mine else shapely.from_wkb(shapely.to_wkb(areas))
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
        sxmin, sxmax, symin, symax = self.boxes(s)
        hit = (sxmin <= b[:, 2]) & (sxmax >= b[:, 0]) & (symin <= b[:, 3]) & (symax >= b[:, 1])
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
    sx1, sy1 = index.ends(cs_seg)
    sx1, sy1 = sx1 - cox, sy1 - coy
    sxmin, sxmax, symin, symax = index.boxes(cs_seg)
    sxmin, sxmax = sxmin - cox - cd, sxmax - cox + cd
    symin, symax = symin - coy - cd, symax - coy + cd

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
    index: _AreaIndex | None = None,
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
    index
        ``areas`` already prepared (``_AreaIndex(areas)``), e.g. kept for the
        next call on other parcels.

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
    if index is None:
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
