"""Encoding map data for the browser: safe JSON, delta-encoded geometries, label points."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.render._common import COORD_SCALE

# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------


def js_json(obj: Any) -> str:
    """JSON safe to place inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``… so data cannot close the script
    or open a comment; U+2028/2029 are escaped for old JavaScript engines.

    Examples
    --------
    >>> js_json({"name": "</script><img src=x onerror=alert(1)>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x onerror=alert(1)\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _encode_geometries(
    geoms: np.ndarray, *, kind: str
) -> tuple[tuple[int, int], list[list[list[list[int]]]]]:
    """Integer micro-degree, per-ring delta encoding (see ``TL.decode`` in tenglong.js).

    Returns the origin and, per feature, a list of parts, each a list of rings,
    each a flat ``[dx0, dy0, dx1, dy1, …]`` list. Polygon rings omit the
    closing vertex; repeated vertices after rounding are dropped.
    """
    n = len(geoms)
    if n == 0:
        return (0, 0), []
    xmin, ymin, _, _ = shapely.total_bounds(geoms)
    ox, oy = math.floor(xmin * COORD_SCALE), math.floor(ymin * COORD_SCALE)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    if kind == "polygon":
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        min_pts = 3
    else:
        rings, ring_of = parts, np.arange(len(parts))
        min_pts = 2
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    q = np.rint(coords * COORD_SCALE).astype(np.int64)
    q[:, 0] -= ox
    q[:, 1] -= oy
    starts = np.searchsorted(coord_of, np.arange(len(rings)))
    ends = np.append(starts[1:], len(coord_of))
    out: list[list[list[list[int]]]] = [[] for _ in range(n)]
    part_rings: list[list[list[int]]] = [[] for _ in range(len(parts))]
    for r in range(len(rings)):
        pts = q[starts[r] : ends[r]]
        if kind == "polygon" and len(pts) > 1:
            pts = pts[:-1]
        if len(pts) > 1:
            keep = np.ones(len(pts), dtype=bool)
            keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
            if keep.sum() >= min_pts:
                pts = pts[keep]
        if len(pts) < min_pts:
            continue
        d = pts.copy()
        d[1:] -= pts[:-1]
        part_rings[ring_of[r]].append(d.ravel().tolist())
    for p, rs in enumerate(part_rings):
        if rs:
            out[part_of[p]].append(rs)
    return (ox, oy), out


def _label_points(geoms: np.ndarray, *, kind: str, origin: tuple[int, int]) -> list[Any]:
    if kind == "polygon":
        pts = shapely.point_on_surface(geoms)
    else:
        pts = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    xy = shapely.get_coordinates(pts)
    q = np.rint(xy * COORD_SCALE).astype(np.int64)
    return [[int(x) - origin[0], int(y) - origin[1]] for x, y in q]


def _json_value(v: Any, decimals: int | None) -> Any:
    if v is None:
        return None
    if isinstance(v, float | np.floating):
        if not math.isfinite(float(v)):
            return None
        f = round(float(v), 2 if decimals is None else decimals)
        return int(f) if f.is_integer() and abs(f) < 2**53 else f
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if v is pd.NaT or (not isinstance(v, str | list | tuple | dict) and pd.isna(v)):
        return None
    return str(v)


def _columns(
    frame: pd.DataFrame, fields: Sequence[str], decimals: dict[str, int | None]
) -> list[dict[str, list[Any]]]:
    """Properties by column; repetitive columns as distinct values plus indices.

    See ``TL.value`` in tenglong.js.
    """
    out = []
    n = len(frame)
    for f in fields:
        s = frame[f]
        if pd.api.types.is_datetime64_any_dtype(s):
            vals = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None).tolist()
        else:
            d = decimals.get(f)
            vals = [_json_value(v, d) for v in s.astype(object).tolist()]
        distinct = list(dict.fromkeys(vals))
        if n >= 8 and len(distinct) <= n // 2:
            index = {v: k for k, v in enumerate(distinct)}
            out.append({"d": distinct, "i": [index[v] for v in vals]})
        else:
            out.append({"v": vals})
    return out
