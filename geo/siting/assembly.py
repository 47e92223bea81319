"""连片 site assembly: adjacent available parcels offered as one candidate site.

Investors ask for 100–500 亩 in one piece, more than most single parcels.
:func:`assemble_sites` joins available parcels that share an edge, or lie
within ``gap_m`` of each other (an internal road between them), into one
candidate site (docs/architecture.md §5.8).

How
    One ``STRtree.query(..., predicate="dwithin", distance=gap_m)`` finds
    every pair of parcels within the gap (vectorised, in C); the groups are
    the connected components of those pairs, found by vectorised label
    propagation with pointer jumping (:func:`components`: each round takes
    the smaller label across every pair and then the label of the label, so
    a chain of ``n`` parcels needs about ``log2 n`` rounds). Attributes are
    pandas group-bys and numpy splits; the outlines of the groups are built
    in one vectorised buffer of per-group geometry collections (no Python
    loop over parcels). One million parcels in groups of a few (594,064
    sites, 189,778 of several parcels) take about 16 s on one core
    (``bench/siting_assembly.py``, measured 2026-12).

What a site is
    ``site_id``: a single parcel keeps its ``parcel_id``; a group is
    ``S:`` + its member ids sorted and joined by commas
    (``S:FX-0114,FX-0193``): stable while its members are, and readable
    back by :func:`member_ids`.

    ``area_mu`` and ``area_m2``: the **sum of the members' areas**, not the
    area of the outline: the internal road between two parcels is not
    land on offer.

    ``geometry`` (the outline): the union of the members closed by half the
    gap (buffered out by ``gap_m / 2`` and back in, mitred joins), so an
    internal road narrower than the gap is inside the outline and the outer
    edges stay where the parcels' edges are.

    ``land_use_planned``: the planned uses of the members, sorted, joined by
    ``、`` (one code for a single parcel); ``status``: a single parcel's own;
    a group's is ``released`` when any member is only released (the worst:
    not yet in the land reserve), else ``stored``; ``soil_required``: any
    member needs a soil investigation (:func:`geo.soil.soil_flags`, the
    worst of the members); ``far_min`` /
    ``far_max``: the smallest and largest FAR targets of the planning areas
    the members lie in (missing outside every area with targets).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.capacity import containing_area, require_projected
from geo.crs import m2_to_mu
from geo.errors import InputError

logger = logging.getLogger(__name__)

AVAILABLE_STATUSES: tuple[str, ...] = ("released", "stored")
"""Available to supply (可供应): freed and not yet supplied."""
DEFAULT_GAP_M = 10.0
"""Parcels this close (e.g. across an internal road) join one site."""
MAX_GAP_M = 200.0
SITE_PREFIX = "S:"
"""Start of an assembled site's id."""
MEMBER_SEP = ","
STATUS_RANK: dict[str, int] = {"released": 0, "stored": 1}
"""Readiness of a status, worst first (a site is as ready as its least ready member)."""

SITE_COLUMNS: tuple[str, ...] = (
    "site_id",
    "assembled",
    "member_ids",
    "n_members",
    "area_m2",
    "area_mu",
    "status",
    "land_use_planned",
    "land_uses",
    "soil_required",
    "far_min",
    "far_max",
)


class AssemblyError(InputError):
    """Parcels cannot be assembled as asked; the message says why."""


def site_id(members: Iterable[object]) -> str:
    """The id of a site made of ``members``: the parcel id alone, or ``S:`` + sorted ids.

    Examples
    --------
    >>> site_id(["FX-0193", "FX-0114"]), site_id(["FX-0007"])
    ('S:FX-0114,FX-0193', 'FX-0007')
    """
    ids = sorted({str(m) for m in members})
    if not ids:
        raise AssemblyError("a site needs at least one parcel")
    if len(ids) == 1:
        return ids[0]
    return SITE_PREFIX + MEMBER_SEP.join(ids)


def is_assembled(sid: object) -> bool:
    """True for an assembled site's id (``S:…``)."""
    return isinstance(sid, str) and sid.startswith(SITE_PREFIX)


def member_ids(sid: str) -> tuple[str, ...]:
    """The parcels of a site id (the parcel itself for a single parcel).

    Examples
    --------
    >>> member_ids("S:FX-0114,FX-0193"), member_ids("FX-0007")
    (('FX-0114', 'FX-0193'), ('FX-0007',))
    """
    if is_assembled(sid):
        return tuple(s for s in sid[len(SITE_PREFIX) :].split(MEMBER_SEP) if s)
    return (str(sid),)


def components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected components of ``n`` nodes joined by the pairs ``(i[k], j[k])``.

    Returns each node's label: the smallest node index of its component.

    Examples
    --------
    >>> import numpy as np
    >>> components(5, np.array([0, 3, 1]), np.array([1, 4, 2])).tolist()
    [0, 0, 0, 3, 3]
    """
    label = np.arange(n, dtype=np.int64)
    if len(i) == 0:
        return label
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    while True:
        low = np.minimum(label[i], label[j])
        new = label.copy()
        np.minimum.at(new, i, low)
        np.minimum.at(new, j, low)
        new = new[new]  # pointer jumping: the label of the label
        while True:
            nxt = new[new]
            if np.array_equal(nxt, new):
                break
            new = nxt
        if np.array_equal(new, label):
            return label
        label = new


def _outlines(geoms: np.ndarray, group: np.ndarray, gap_m: float) -> np.ndarray:
    """One outline per group (``group``: 0…k-1 per geometry), vectorised over the groups.

    Each group becomes one geometry collection; GEOS buffers a collection as
    the union of its parts, so buffering out by half the gap and back in
    closes the gaps between members with no Python loop.
    """
    colls = shapely.geometrycollections(geoms, indices=group)
    if gap_m <= 0:
        return shapely.buffer(colls, 0.0)
    half = float(gap_m) / 2.0
    out = shapely.buffer(colls, half, join_style="mitre")
    return shapely.buffer(out, -half, join_style="mitre")


def _soil_required(parcels: gpd.GeoDataFrame) -> np.ndarray:
    from geo.soil import SoilInputError, soil_flags

    try:
        flags = soil_flags(parcels, unknown_history=False)
    except SoilInputError as err:
        logger.info("no soil gate for assembled sites: %s", err)
        return np.zeros(len(parcels), dtype=bool)
    flagged = set(flags["parcel_id"].astype(str))
    return parcels["parcel_id"].astype(str).isin(flagged).to_numpy()


def _far(
    parcels: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None
) -> tuple[np.ndarray, np.ndarray]:
    n = len(parcels)
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    if areas is None or not len(areas) or not {"far_min", "far_max"} & set(areas.columns):
        return lo, hi
    ca = containing_area(parcels, areas)
    info = areas.drop_duplicates("area_id", keep="last").set_index("area_id")
    aid = ca["area_id"].to_numpy()
    for col, out in (("far_min", lo), ("far_max", hi)):
        if col in info.columns:
            vals = pd.to_numeric(info[col], errors="coerce")
            out[:] = pd.Series(aid).map(vals).to_numpy(dtype=float, na_value=np.nan)
    return lo, hi


def assemble_sites(
    parcels: gpd.GeoDataFrame,
    *,
    gap_m: float = DEFAULT_GAP_M,
    statuses: Iterable[str] | None = AVAILABLE_STATUSES,
    areas: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Candidate sites: groups of adjacent available parcels, and the single parcels.

    Parameters
    ----------
    parcels
        Polygons in a projected CRS with ``parcel_id``; ``status``,
        ``land_use_planned`` and ``polluting_history`` when present.
    gap_m
        Parcels within this distance (metres, edge to edge) join; 0 joins
        parcels that touch only.
    statuses
        Only parcels in these statuses take part (``None``: all of ``parcels``).
    areas
        Planning areas, for the FAR targets (optional).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per site (:data:`SITE_COLUMNS`, module docstring), largest
        first; ``member_ids`` is a tuple of parcel ids.

    Raises
    ------
    AssemblyError
        A negative or too large gap, or no ``parcel_id`` column.

    Examples
    --------
    Two parcels across an 8 m road, a third far away:

    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame({"parcel_id": ["b", "a", "c"], "status": ["stored"] * 3,
    ...     "land_use_planned": ["100102", "100101", "100102"]},
    ...     geometry=[box(108, 0, 208, 100), box(0, 0, 100, 100), box(900, 0, 950, 50)], crs=4547)
    >>> s = assemble_sites(p, gap_m=10)
    >>> s[["site_id", "n_members", "land_use_planned"]].values.tolist()
    [['S:a,b', 2, '100101、100102'], ['c', 1, '100102']]
    >>> round(float(s["area_m2"].iloc[0])), round(float(s.geometry.area.iloc[0]))
    (20000, 20800)
    >>> assemble_sites(p, gap_m=5)["site_id"].tolist()
    ['a', 'b', 'c']
    """
    if not (0.0 <= float(gap_m) <= MAX_GAP_M):
        raise AssemblyError(
            f"gap {gap_m} m: give a distance from 0 to {MAX_GAP_M:g} m "
            "(10 m spans an internal road)"
        )
    if "parcel_id" not in parcels.columns:
        raise AssemblyError("parcels have no parcel_id column; site ids are made from it")
    require_projected(parcels, what="parcels")
    p = parcels
    if statuses is not None and "status" in p.columns:
        p = p[p["status"].isin(list(statuses)).to_numpy()]
    p = p[~(p.geometry.isna() | p.geometry.is_empty).to_numpy()]
    p = p.reset_index(drop=True)
    n = len(p)
    geoms = p.geometry.values
    if n:
        tree = shapely.STRtree(geoms)
        i, j = tree.query(geoms, predicate="dwithin", distance=float(gap_m))
        keep = i < j
        label = components(n, i[keep], j[keep])
    else:
        label = np.zeros(0, dtype=np.int64)
    sites = _sites(p, label, float(gap_m), areas)
    logger.info(
        "assembled %d parcels into %d sites (%d of several parcels) at a %g m gap",
        n,
        len(sites),
        int(sites["assembled"].sum()),
        gap_m,
    )
    return sites


def sites_by_id(
    parcels: gpd.GeoDataFrame,
    ids: Iterable[str],
    *,
    gap_m: float = DEFAULT_GAP_M,
    statuses: Iterable[str] | None = AVAILABLE_STATUSES,
    areas: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The sites named by ``ids`` (parcel ids or ``S:…`` ids), built from their members.

    A site whose members are not all among ``parcels`` (in ``statuses``) is
    left out: one of them is no longer on offer, or not visible to the viewer.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> p = gpd.GeoDataFrame({"parcel_id": ["a", "b"], "status": ["stored", "released"]},
    ...     geometry=[box(0, 0, 100, 100), box(108, 0, 208, 100)], crs=4547)
    >>> s = sites_by_id(p, ["S:a,b", "b", "S:a,x"])
    >>> s[["site_id", "status", "n_members"]].values.tolist()
    [['S:a,b', 'released', 2], ['b', 'released', 1]]
    """
    require_projected(parcels, what="parcels")
    p = parcels
    if statuses is not None and "status" in p.columns:
        p = p[p["status"].isin(list(statuses)).to_numpy()]
    p = p[~(p.geometry.isna() | p.geometry.is_empty).to_numpy()]
    known = p["parcel_id"].astype(str)
    rows, labels = [], []
    for k, sid in enumerate(dict.fromkeys(str(i) for i in ids)):
        members = member_ids(sid)
        hit = np.flatnonzero(known.isin(members).to_numpy())
        if len(hit) != len(set(members)):
            logger.info("site %s left out: not all of its parcels are on offer", sid)
            continue
        rows.append(hit)
        labels.append(np.full(len(hit), k))
    if not rows:
        return _sites(p.iloc[:0].reset_index(drop=True), np.zeros(0, np.int64), gap_m, areas)
    sel = p.iloc[np.concatenate(rows)].reset_index(drop=True)
    order = list(dict.fromkeys(str(i) for i in ids))
    sites = _sites(sel, np.concatenate(labels), float(gap_m), areas)
    rank = {sid: k for k, sid in enumerate(order)}
    return sites.sort_values("site_id", key=lambda s: s.map(rank)).reset_index(drop=True)


def _sites(
    p: gpd.GeoDataFrame, label: np.ndarray, gap_m: float, areas: gpd.GeoDataFrame | None
) -> gpd.GeoDataFrame:
    """One row per label of ``p`` (:data:`SITE_COLUMNS`), largest first."""
    n = len(p)
    geoms = p.geometry.values
    ids = p["parcel_id"].astype(str).to_numpy()
    area_m2 = shapely.area(np.asarray(geoms))
    uses = (
        p["land_use_planned"].astype("string").fillna("").to_numpy(dtype=object)
        if "land_use_planned" in p.columns
        else np.full(n, "", dtype=object)
    )
    rank = (
        p["status"].map(STATUS_RANK).fillna(-1).to_numpy(dtype=int)
        if "status" in p.columns
        else np.ones(n, dtype=int)
    )
    soil = _soil_required(p) if n and "polluting_history" in p.columns else np.zeros(n, bool)
    far_lo, far_hi = _far(p, areas) if n else (np.zeros(0), np.zeros(0))
    frame = pd.DataFrame(
        {
            "label": label,
            "pos": np.arange(n),
            "parcel_id": ids,
            "area_m2": area_m2,
            "use": uses,
            "rank": rank,
            "status": (
                p["status"].astype("string").fillna("").to_numpy(dtype=object)
                if "status" in p.columns
                else np.full(n, "stored", dtype=object)
            ),
            "soil": soil,
            "far_lo": far_lo,
            "far_hi": far_hi,
        }
    ).sort_values(["label", "parcel_id"], kind="stable")
    size = np.bincount(frame["label"].to_numpy(), minlength=n) if n else np.zeros(0, int)
    multi = size[frame["label"].to_numpy()] > 1
    one = frame[~multi]  # single parcels: no group-by, no Python loop
    out_one = pd.DataFrame(
        {
            "member_ids": [(pid,) for pid in one["parcel_id"]],
            "n_members": 1,
            "area_m2": one["area_m2"].to_numpy(),
            "status": one["status"].to_numpy(),
            "soil_required": one["soil"].to_numpy(),
            "far_min": one["far_lo"].to_numpy(),
            "far_max": one["far_hi"].to_numpy(),
            "land_uses": [(u,) if u else () for u in one["use"]],
            "site_id": one["parcel_id"].to_numpy(),
        }
    )
    one_shapes = list(geoms[one["pos"].to_numpy()])
    mf = frame[multi]  # sorted by label, then parcel id
    group_of = np.unique(mf["label"].to_numpy(), return_inverse=True)[1]
    g = mf.groupby(group_of, sort=True)
    cuts = np.flatnonzero(np.diff(group_of)) + 1
    members = [tuple(m) for m in np.split(mf["parcel_id"].to_numpy(), cuts)] if len(mf) else []
    use_sets = np.split(mf["use"].to_numpy(), cuts) if len(mf) else []
    out_multi = pd.DataFrame(
        {
            "member_ids": pd.Series(members, dtype=object),
            "n_members": g.size().to_numpy(),
            "area_m2": g["area_m2"].sum().to_numpy(),
            "status": mf.loc[g["rank"].idxmin().to_numpy(), "status"].to_numpy()
            if len(mf)
            else np.zeros(0, dtype=object),
            "soil_required": g["soil"].any().to_numpy(),
            "far_min": g["far_lo"].min().to_numpy(),
            "far_max": g["far_hi"].max().to_numpy(),
            "land_uses": pd.Series(
                [tuple(sorted({u for u in us if u})) for us in use_sets], dtype=object
            ),
        }
    )
    out_multi["site_id"] = [SITE_PREFIX + MEMBER_SEP.join(m) for m in out_multi["member_ids"]]
    multi_shapes = list(_outlines(geoms[mf["pos"].to_numpy()], group_of, gap_m))
    out = pd.concat([out_multi, out_one], ignore_index=True)
    shapes = multi_shapes + one_shapes
    out["assembled"] = out["n_members"] > 1
    out["area_mu"] = m2_to_mu(out["area_m2"].to_numpy(dtype=float))
    out["land_use_planned"] = ["、".join(u) if u else None for u in out["land_uses"]]
    sites = gpd.GeoDataFrame(out[list(SITE_COLUMNS)], geometry=shapes, crs=p.crs)
    sites = sites.sort_values(["area_m2", "site_id"], ascending=[False, True], kind="stable")
    return sites.reset_index(drop=True)


__all__ = [
    "AVAILABLE_STATUSES",
    "DEFAULT_GAP_M",
    "SITE_COLUMNS",
    "AssemblyError",
    "assemble_sites",
    "components",
    "is_assembled",
    "member_ids",
    "site_id",
    "sites_by_id",
]
