"""Geometry operations on parcels: split by a line, split into lots, merge, reshape.

Pure functions of shapely geometries in a projected CRS (the workspace's GK
zone, metres): no I/O, no CRS handling. Each refuses a bad input with
:class:`GeometryError` saying what is wrong and what to do.

Lots (:func:`split_into_lots`)
------------------------------
Lots are cut by straight lines perpendicular to ``direction``: ``"ew"``
(lots in a row from west to east, cuts running north-south) or ``"ns"``
(from north to south, cuts running east-west). Each cut's position is found
by bisection so that the land on its near side equals the lots asked for so
far, within :data:`LOT_AREA_TOLERANCE_M2`; the last lot takes the remainder,
so the lots always add up to the parcel.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.ops import split as shapely_split

from geo.crs import m2_to_mu, mu_to_m2
from geo.editing.thresholds import ADJACENCY_TOLERANCE_M, LOT_AREA_TOLERANCE_M2
from geo.errors import InputError

logger = logging.getLogger(__name__)

DIRECTIONS = ("ew", "ns")


class GeometryError(InputError):
    """A geometry operation cannot be done with these inputs; the message says why."""


def _polygons(geom: Any) -> list[Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _check_polygonal(geom: Any, what: str = "the parcel") -> None:
    if not isinstance(geom, Polygon | MultiPolygon):
        kind = type(geom).__name__ if geom is not None else "nothing"
        raise GeometryError(f"{what} must be a Polygon or MultiPolygon, not {kind}")
    if geom.is_empty:
        raise GeometryError(f"{what} is empty")
    if not geom.is_valid:
        raise GeometryError(
            f"{what} is invalid ({shapely.is_valid_reason(geom)}); repair it first "
            f"(reshape it, or in your GIS) and check its area"
        )


def _order(pieces: list[Polygon]) -> list[Polygon]:
    """Pieces west to east, then north to south (a stable order for ids)."""
    return sorted(pieces, key=lambda p: (round(p.centroid.x, 3), -round(p.centroid.y, 3)))


def split_by_line(geom: Any, line: Any) -> list[Polygon]:
    """Cut a parcel along a line into its pieces (two, or more when the line crosses repeatedly).

    Parameters
    ----------
    geom
        The parcel (Polygon or MultiPolygon), projected (metres).
    line
        A LineString (or MultiLineString) in the same CRS that crosses the
        parcel from one side to the other.

    Returns
    -------
    list of Polygon
        The pieces, west to east then north to south; their areas add up to the parcel's.

    Raises
    ------
    GeometryError
        The line does not cross the parcel from edge to edge (it misses it or
        ends inside), or an input is not of the right type or is invalid.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> parts = split_by_line(box(0, 0, 100, 100), LineString([(40, -1), (40, 101)]))
    >>> [round(p.area) for p in parts]
    [4000, 6000]
    """
    _check_polygonal(geom)
    if line is None or line.geom_type not in ("LineString", "MultiLineString") or line.is_empty:
        kind = type(line).__name__ if line is not None else "nothing"
        raise GeometryError(f"the split line must be a LineString, not {kind}")
    if not line.intersects(geom):
        raise GeometryError(
            "the split line does not touch the parcel; draw it across the parcel, from one "
            "edge to the other"
        )
    pieces: list[Polygon] = []
    for poly in _polygons(geom):
        if line.intersects(poly):
            pieces += _polygons(shapely_split(poly, line))
        else:
            pieces.append(poly)
    if len(pieces) < 2 or len(pieces) == len(_polygons(geom)):
        raise GeometryError(
            "the split line does not cross the parcel from edge to edge (it ends inside or "
            "only touches it); extend it beyond the parcel's boundary on both sides"
        )
    return _order(pieces)


def _targets_m2(total_m2: float, n: int | None, areas_mu: Sequence[float] | None) -> list[float]:
    """The area of each lot (m²), the last one the remainder."""
    if areas_mu is None or len(areas_mu) == 0:
        if n is None:
            raise GeometryError("give the number of lots (--lots N) or their areas (--areas-mu)")
        if int(n) < 2:
            raise GeometryError(f"a split needs at least 2 lots, not {n}")
        return [total_m2 / int(n)] * int(n)
    areas = [float(a) for a in areas_mu]
    bad = [a for a in areas if not (a > 0) or a != a]
    if bad:
        raise GeometryError(f"lot areas must be positive 亩, not {', '.join(map(str, bad))}")
    asked_m2 = [mu_to_m2(a) for a in areas]
    total_asked = sum(asked_m2)
    if total_asked > total_m2 + LOT_AREA_TOLERANCE_M2:
        raise GeometryError(
            f"the lots asked for add up to {m2_to_mu(total_asked):.2f} 亩, more than the "
            f"parcel's {m2_to_mu(total_m2):.2f} 亩; make them smaller (the last lot takes "
            f"the remainder)"
        )
    remainder = total_m2 - total_asked
    if n is None:
        n = len(areas) + 1 if remainder > LOT_AREA_TOLERANCE_M2 else len(areas)
    n = int(n)
    if n == len(areas):  # the last area given is replaced by the remainder
        lots = [*asked_m2[:-1], total_m2 - sum(asked_m2[:-1])]
    elif n == len(areas) + 1:
        if remainder <= LOT_AREA_TOLERANCE_M2:
            raise GeometryError(
                f"the {len(areas)} lots asked for take the whole parcel, so there is no land "
                f"left for lot {n}; give {len(areas)} lots or smaller areas"
            )
        lots = [*asked_m2, remainder]
    else:
        raise GeometryError(
            f"{n} lots with {len(areas)} areas: give N areas, or N-1 (the last lot takes the "
            f"remainder)"
        )
    if n < 2:
        raise GeometryError("a split needs at least 2 lots")
    return lots


def split_into_lots(
    geom: Any,
    n: int | None = None,
    areas_mu: Sequence[float] | None = None,
    direction: str = "ew",
) -> list[Polygon]:
    """Cut a parcel into lots of equal or given areas by parallel straight cuts.

    Parameters
    ----------
    geom
        The parcel, projected (metres).
    n
        Number of lots (equal areas when ``areas_mu`` is not given).
    areas_mu
        Areas (亩) of the first lots; the last lot takes the remainder. With
        ``n`` lots give ``n`` areas (the last one is then the remainder) or
        ``n - 1``; without ``n`` a remainder lot is added when land is left.
    direction
        ``"ew"``: lots from west to east (cuts run north-south); ``"ns"``:
        lots from north to south (cuts run east-west).

    Returns
    -------
    list of Polygon
        The lots in order along ``direction`` (a lot of a concave parcel may
        be a MultiPolygon). Each is within :data:`LOT_AREA_TOLERANCE_M2` of
        its area; together they are the parcel.

    Raises
    ------
    GeometryError
        Areas adding up to more than the parcel, fewer than 2 lots, a bad
        direction, an invalid parcel.

    Examples
    --------
    >>> [round(p.area, 2) for p in split_into_lots(box(0, 0, 100, 100), 3)]
    [3333.33, 3333.33, 3333.33]
    """
    _check_polygonal(geom)
    if direction not in DIRECTIONS:
        raise GeometryError(f"direction must be 'ew' (west to east) or 'ns', not {direction!r}")
    total = float(geom.area)
    targets = _targets_m2(total, n, areas_mu)
    minx, miny, maxx, maxy = geom.bounds
    pad = 1.0 + 1e-6 * max(maxx - minx, maxy - miny)

    def between(start: float | None, end: float | None) -> Any:
        """The part of the parcel between two cuts (None: the parcel's own edge)."""
        if direction == "ew":
            x0 = minx - pad if start is None else start
            x1 = maxx + pad if end is None else end
            return geom.intersection(box(x0, miny - pad, x1, maxy + pad))
        y1 = maxy + pad if start is None else start
        y0 = miny - pad if end is None else end
        return geom.intersection(box(minx - pad, y0, maxx + pad, y1))

    lo_end, hi_end = (minx, maxx) if direction == "ew" else (maxy, miny)
    cuts: list[float] = []
    cumulative = 0.0
    for target in targets[:-1]:
        cumulative += target
        lo, hi = (cuts[-1] if cuts else lo_end), hi_end
        for _ in range(200):
            mid = (lo + hi) / 2
            area = between(None, mid).area
            if abs(area - cumulative) <= LOT_AREA_TOLERANCE_M2 / 10:
                break
            if area < cumulative:
                lo = mid
            else:
                hi = mid
        cuts.append(mid)
    lots: list[Any] = []
    for start, end in zip([None, *cuts], [*cuts, None], strict=True):
        # a lot is cut straight out of the parcel (never a difference of two cuts, which
        # leaves collinear back-tracking vertices that turn invalid once reprojected)
        parts = [p for p in _polygons(between(start, end).simplify(0)) if p.area > 1e-6]
        lots.append(parts[0] if len(parts) == 1 else MultiPolygon(parts))
    for i, (lot, target) in enumerate(zip(lots, targets, strict=True)):
        if lot.is_empty or abs(lot.area - target) > LOT_AREA_TOLERANCE_M2:
            raise GeometryError(
                f"lot {i + 1} could not be cut to {target:.2f} m² (got {lot.area:.2f} m²); "
                f"try the other direction"
            )
    return lots


def merge(geoms: Sequence[Any], ids: Sequence[str] | None = None) -> Polygon:
    """Merge adjacent parcels into one polygon.

    Parameters
    ----------
    geoms
        Two or more parcels, projected (metres), each touching or overlapping
        another (gaps up to :data:`ADJACENCY_TOLERANCE_M` are closed).
    ids
        Their ids, to name them in messages.

    Returns
    -------
    Polygon
        The union (holes kept).

    Raises
    ------
    GeometryError
        Fewer than two parcels, a parcel adjacent to none of the others
        (named), parcels meeting only at a corner, an invalid parcel.

    Examples
    --------
    >>> merge([box(0, 0, 10, 10), box(10, 0, 20, 10)]).area
    200.0
    """
    geoms = list(geoms)
    names = (
        [str(i) for i in ids] if ids is not None else [f"parcel {k + 1}" for k in range(len(geoms))]
    )
    if len(geoms) < 2:
        raise GeometryError("a merge needs two or more parcels")
    for g, name in zip(geoms, names, strict=True):
        _check_polygonal(g, what=name)
    # connected components of "within the tolerance"
    group = list(range(len(geoms)))

    def root(k: int) -> int:
        while group[k] != k:
            group[k] = group[group[k]]
            k = group[k]
        return k

    for a in range(len(geoms)):
        for b in range(a + 1, len(geoms)):
            if shapely.dwithin(geoms[a], geoms[b], ADJACENCY_TOLERANCE_M):
                group[root(a)] = root(b)
    roots = {root(k) for k in range(len(geoms))}
    if len(roots) > 1:
        main = max(roots, key=lambda r: sum(root(k) == r for k in range(len(geoms))))
        apart = [names[k] for k in range(len(geoms)) if root(k) != main]
        raise GeometryError(
            f"{', '.join(apart)} do(es) not touch the other parcels (gap above "
            f"{ADJACENCY_TOLERANCE_M} m); merge adjacent parcels only"
        )
    union = shapely.union_all(geoms)
    if not isinstance(union, Polygon):
        # close digitising gaps: grow and shrink by the tolerance, mitred to keep corners
        t = ADJACENCY_TOLERANCE_M
        closed = union.buffer(t, join_style="mitre").buffer(-t, join_style="mitre")
        if isinstance(closed, Polygon) and closed.area - union.area <= t * union.length:
            union = closed
    if not isinstance(union, Polygon):
        raise GeometryError(
            f"{', '.join(names)} meet only at a corner or along no edge; a merged parcel must "
            f"be one piece"
        )
    return union


def reshape(geom: Any) -> Polygon | MultiPolygon:
    """A new geometry for a parcel, validated (never silently repaired).

    Raises
    ------
    GeometryError
        Not a polygon, empty, or invalid (e.g. self-intersecting), with the reason.

    Examples
    --------
    >>> reshape(box(0, 0, 1, 1)).area
    1.0
    """
    _check_polygonal(geom, what="the new geometry")
    return geom
