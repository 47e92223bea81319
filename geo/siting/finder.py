"""Site finder (招商选址): candidate sites, where they lie, and how well they fit a brief.

Pure functions on the workspace tables (no streamlit): the site finder page
filters and sorts their output (docs/architecture.md §5.8).

Candidates (:func:`candidate_sites`)
    Available parcels (released, stored) whose planned use admits the
    investor's project category (:mod:`geo.siting.uses`; with no category,
    any category: green space 14xx and 留白 16 are never offered), joined
    into 连片 sites (:func:`geo.siting.assembly.assemble_sites`). A parcel
    whose planned use does not admit the category is *excluded*, never
    scored low.

Fit (匹配度)
    Only when the brief has at least one criterion (size, target industry,
    road distance); with none there is no score and sites are sorted by
    area. The fit is the sum of the parts that apply, out of the sum of
    their weights, and the card shows every part:

    =========  ======  ==============================================================
    part       weight  full when …
    =========  ======  ==============================================================
    size       25      (size asked) a range: the area equals its middle (geometric
                       mean of its ends), falling off with the log of the ratio to
                       0 at the ends' ratio; one end only ("at least 200 亩"):
                       the area meets it
    road       25      (distance asked) the site touches the road (the chosen one,
                       else the nearest), falling off linearly to 0 at the limit
    industry   35      (industry asked) a planning area the site lies in targets it
    ready      15      (any criterion) stored (已收储: held by the land reserve,
                       ready to supply); released (已腾退) gets 60 %
    =========  ======  ==============================================================
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.proximity import ProximityError, distance_to_areas, distance_to_roads, nearest
from geo.siting.assembly import AVAILABLE_STATUSES, DEFAULT_GAP_M, assemble_sites, sites_by_id
from geo.siting.uses import AdmitsTable, load_admits

logger = logging.getLogger(__name__)

PLACE_KINDS: tuple[str, ...] = ("zone", "park", "corridor", "base", "cluster", "site", "plate")
"""Area kinds a site can lie in (green space is context, not a place to build)."""
FIT_WEIGHTS: dict[str, float] = {"size": 25.0, "road": 25.0, "industry": 35.0, "ready": 15.0}
"""Points of each part of the fit, in the order the card lists them."""
FIT_PARTS: tuple[str, ...] = tuple(FIT_WEIGHTS)
READINESS: dict[str, float] = {"stored": 1.0, "released": 0.6}

PLACE_COLUMNS: tuple[str, ...] = (
    "parcel_id",
    "place_id",
    "place_name",
    "place_name_en",
    "place_kind",
    "place_ids",
    "target_industries",
    "road_name",
    "road_dist_m",
    "green_name",
    "green_name_en",
    "green_dist_m",
)


def latest_areas(areas: pd.DataFrame) -> pd.DataFrame:
    """Only the latest ``version`` of each ``area_id`` (all rows when there is no version).

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"area_id": ["c", "c", "p"], "version": [1, 2, 1]})
    >>> latest_areas(a)["version"].tolist()
    [2, 1]
    """
    if "version" not in areas.columns or "area_id" not in areas.columns:
        return areas
    v = pd.to_numeric(areas["version"], errors="coerce").fillna(0)
    top = v.groupby(areas["area_id"]).transform("max")
    return areas[(v == top).to_numpy()]


def split_industries(text: object) -> list[str]:
    """The industries of a ``target_industries`` cell (separated by 、 , ; or ，).

    Examples
    --------
    >>> split_industries("精密铸造、机械加工, 新材料")
    ['精密铸造', '机械加工', '新材料']
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    out = str(text)
    for sep in ("，", ",", ";", "；", "/"):
        out = out.replace(sep, "、")
    return [s.strip() for s in out.split("、") if s.strip()]


def places(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Where each parcel lies: its planning areas, nearest road and nearest green space.

    A parcel lies in an area when a point on its surface does; its *place*
    is the smallest such area (a park inside a zone wins over the zone).

    Returns
    -------
    pandas.DataFrame
        One row per parcel, :data:`PLACE_COLUMNS`: ``place_ids`` is every
        area the parcel lies in, smallest first; ``target_industries`` joins
        theirs; distances are planar metres (:mod:`geo.proximity`).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box, LineString
    >>> p = gpd.GeoDataFrame({"parcel_id": ["a", "b"]},
    ...     geometry=[box(0, 0, 10, 10), box(500, 0, 510, 10)], crs=4547)
    >>> z = gpd.GeoDataFrame({"area_id": ["Z", "P"], "name": ["区", "园"], "kind": ["zone", "park"],
    ...     "target_industries": ["装备", "铸造"]},
    ...     geometry=[box(-100, -100, 100, 100), box(-20, -20, 20, 20)], crs=4547)
    >>> r = gpd.GeoDataFrame({"road_id": ["G1"], "name": ["G1"]},
    ...     geometry=[LineString([(0, 50), (600, 50)])], crs=4547)
    >>> out = places(p, z, r)
    >>> cols = ["parcel_id", "place_id", "place_ids", "target_industries", "road_dist_m"]
    >>> out[cols].values.tolist()
    [['a', 'P', ('P', 'Z'), '铸造、装备', 40.0], ['b', None, (), '', 40.0]]
    """
    ids = parcels["parcel_id"].astype(str).to_numpy()
    out = pd.DataFrame({"parcel_id": ids})
    cand = latest_areas(areas)
    if "kind" in cand.columns:
        cand = cand[cand["kind"].isin(PLACE_KINDS).to_numpy()]
    cand = cand[~(cand.geometry.isna() | cand.geometry.is_empty)]
    pts = gpd.GeoDataFrame(
        {"parcel_id": ids}, geometry=parcels.geometry.representative_point().values, crs=parcels.crs
    )
    place_ids: list[tuple[str, ...]] = [() for _ in ids]
    if len(cand):
        cols = [
            c
            for c in ("area_id", "name", "name_en", "kind", "target_industries")
            if c in cand.columns
        ]
        sized = cand[cols].copy()
        sized["_size"] = cand.geometry.area.to_numpy()
        sized = gpd.GeoDataFrame(sized, geometry=cand.geometry.values, crs=cand.crs)
        hit = gpd.sjoin(pts, sized, predicate="within", how="inner")
        hit = hit.sort_values(["parcel_id", "_size"])
        grouped = hit.groupby("parcel_id", sort=False)["area_id"].agg(lambda s: tuple(map(str, s)))
        lookup = grouped.to_dict()
        place_ids = [lookup.get(pid, ()) for pid in ids]
        info = cand.drop_duplicates("area_id").set_index("area_id")
    out["place_ids"] = pd.Series(place_ids, dtype=object)
    first = [p[0] if p else None for p in place_ids]
    out["place_id"] = pd.Series(first, dtype=object)

    def _attr(col: str) -> pd.Series:
        if not len(cand) or col not in info.columns:
            return pd.Series([None] * len(ids), dtype=object)
        return pd.Series([info.at[a, col] if a is not None else None for a in first], dtype=object)

    out["place_name"] = _attr("name")
    out["place_name_en"] = _attr("name_en")
    out["place_kind"] = _attr("kind")
    inds = []
    for p in place_ids:
        seen: dict[str, None] = {}
        for a in p:
            if "target_industries" in info.columns:
                for s in split_industries(info.at[a, "target_industries"]):
                    seen[s] = None
        inds.append("、".join(seen))
    out["target_industries"] = inds
    out["road_name"] = pd.Series([None] * len(ids), dtype=object)
    out["road_dist_m"] = np.nan
    if roads is not None and len(roads):
        try:
            d = distance_to_roads(parcels, roads)
            out["road_name"] = d["road_name"].to_numpy()
            out["road_dist_m"] = d["dist_m"].to_numpy()
        except (ProximityError, ValueError) as err:
            logger.info("no road distances: %s", err)
    out["green_name"] = pd.Series([None] * len(ids), dtype=object)
    out["green_name_en"] = pd.Series([None] * len(ids), dtype=object)
    out["green_dist_m"] = np.nan
    if "kind" in areas.columns and (areas["kind"] == "green").any():
        try:
            g = distance_to_areas(parcels, latest_areas(areas), kind="green")
            out["green_name"] = g["area_name"].to_numpy()
            out["green_dist_m"] = g["dist_m"].to_numpy()
            if "name_en" in areas.columns:
                en = areas.drop_duplicates("area_id").set_index("area_id")["name_en"]
                out["green_name_en"] = g["area_id"].map(en).astype(object).to_numpy()
        except (ProximityError, ValueError) as err:
            logger.info("no green-space distances: %s", err)
    return out[list(PLACE_COLUMNS)]


def offerable(
    parcels: pd.DataFrame, use: str | None = None, *, admits: AdmitsTable | None = None
) -> np.ndarray:
    """Per parcel: may it be offered for ``use`` (a category of :mod:`geo.siting.uses`)?

    With no ``use``, a parcel is offerable when its planned use admits any
    category at all (never green space 14xx or 留白 16).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"land_use_planned": ["100101", "100102", "1402", "1101"]})
    >>> offerable(p, "industry_2").tolist(), offerable(p).tolist()
    ([False, True, False, False], [True, True, False, True])
    """
    table = admits or load_admits()
    if "land_use_planned" not in parcels.columns:
        return np.zeros(len(parcels), dtype=bool)
    return table.admitted(parcels["land_use_planned"], use or None)


def _join_unique(values: Iterable[str]) -> str:
    seen: dict[str, None] = {}
    for v in values:
        for s in split_industries(v):
            seen[s] = None
    return "、".join(seen)


def _first_per_group(group: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Per group 0..n-1: the row (of the sorted ``group``) first where ``mask`` holds, else -1."""
    out = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(mask)
    g, first = np.unique(group[rows], return_index=True)
    out[g] = rows[first]
    return out


def site_places(sites: pd.DataFrame, where: pd.DataFrame) -> pd.DataFrame:
    """Where each site lies, from where its member parcels lie (:func:`places`).

    ``place_ids`` and ``target_industries`` are those of every member, in
    member order; the named place is the first member's that lies in one;
    road and green-space distances are the nearest member's. Members are
    matched by position (one pass over every member of every site, no
    per-site table lookups): a million parcels take seconds, not minutes.

    Returns
    -------
    pandas.DataFrame
        ``site_id`` and :data:`PLACE_COLUMNS` less ``parcel_id``, one row per site.
    """
    cols = ["site_id", *[c for c in PLACE_COLUMNS if c != "parcel_id"]]
    n = len(sites)
    members = sites["member_ids"].tolist()
    lens = np.fromiter((len(m) for m in members), dtype=np.int64, count=n)
    flat = np.fromiter(itertools.chain.from_iterable(members), dtype=object, count=int(lens.sum()))
    w = where.drop_duplicates("parcel_id").reset_index(drop=True)
    pos = pd.Index(w["parcel_id"].astype(str)).get_indexer(flat.astype(str))
    group = np.repeat(np.arange(n), lens)
    found = pos >= 0
    group, pos = group[found], pos[found]
    out: dict[str, Any] = {"site_id": sites["site_id"].to_numpy()}
    nan = np.full(n, np.nan, dtype=object)

    placed = w["place_id"].notna().to_numpy()[pos]
    any_row = _first_per_group(group, np.ones(len(group), dtype=bool), n)
    first = _first_per_group(group, placed, n)
    first = np.where(first >= 0, first, any_row)
    has = first >= 0
    for k in ("place_id", "place_name", "place_name_en", "place_kind"):
        col = nan.copy()
        col[has] = w[k].to_numpy(dtype=object)[pos[first[has]]]
        out[k] = col

    place_ids: list[tuple[str, ...]] = [()] * n
    industries = nan.copy()
    p_ids = w["place_ids"].to_numpy(dtype=object)[pos]
    inds = w["target_industries"].fillna("").to_numpy(dtype=object)[pos]
    starts = np.searchsorted(group, np.arange(n + 1))
    joined: dict[Any, str] = {}
    for s in np.flatnonzero(has):
        a, b = starts[s], starts[s + 1]
        if b - a == 1:  # most sites are one parcel
            place_ids[s] = tuple(p_ids[a])
            v = inds[a]
            if v not in joined:
                joined[v] = _join_unique([v])
            industries[s] = joined[v]
        else:
            place_ids[s] = tuple(dict.fromkeys(x for p in p_ids[a:b] for x in p))
            industries[s] = _join_unique(inds[a:b])
    out["place_ids"] = pd.Series(place_ids, dtype=object).to_numpy()
    out["target_industries"] = industries

    for kind in ("road", "green"):
        d = pd.to_numeric(w[f"{kind}_dist_m"], errors="coerce").to_numpy(dtype=float)[pos]
        best_d = np.full(n, np.inf)
        np.fmin.at(best_d, group, np.where(np.isnan(d), np.inf, d))
        reached = np.isfinite(best_d)
        best = _first_per_group(group, d == best_d[group], n)
        out[f"{kind}_dist_m"] = np.where(reached, best_d, np.nan)
        names = [f"{kind}_name", *(["green_name_en"] if kind == "green" else [])]
        for name in names:
            col = nan.copy()
            col[reached] = w[name].to_numpy(dtype=object)[pos[best[reached]]]
            out[name] = col
    return pd.DataFrame(out)[cols]


def candidate_sites(
    parcels: gpd.GeoDataFrame,
    where: pd.DataFrame | None = None,
    *,
    use: str | None = None,
    gap_m: float = DEFAULT_GAP_M,
    statuses: Iterable[str] | None = AVAILABLE_STATUSES,
    areas: gpd.GeoDataFrame | None = None,
    admits: AdmitsTable | None = None,
) -> gpd.GeoDataFrame:
    """The sites to offer for ``use``: offerable parcels (:func:`offerable`) joined 连片.

    Parameters
    ----------
    parcels
        The parcels the viewer may see, projected, with ``parcel_id``.
    where
        :func:`places` of the parcels (adds where each site lies).
    use
        An investor category (``industry_2`` …); parcels not admitting it are excluded.
    gap_m, statuses, areas
        See :func:`geo.siting.assembly.assemble_sites`.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`geo.siting.assembly.SITE_COLUMNS`, the place columns, and the
        outline geometry; largest first.
    """
    keep = offerable(parcels, use, admits=admits)
    sites = assemble_sites(parcels[keep], gap_m=gap_m, statuses=statuses, areas=areas)
    if where is not None and len(sites):
        sites = sites.merge(site_places(sites, where), on="site_id", how="left")
    return sites


def named_sites(
    parcels: gpd.GeoDataFrame,
    where: pd.DataFrame | None,
    ids: Iterable[str],
    *,
    gap_m: float = DEFAULT_GAP_M,
    statuses: Iterable[str] | None = AVAILABLE_STATUSES,
    areas: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The sites ``ids`` names (a share link's, a site sheet's), like :func:`candidate_sites`.

    Built from their members (:func:`geo.siting.assembly.sites_by_id`), so a
    shared assembled site stays what it was whatever the current filters;
    a site with a member no longer on offer is left out.
    """
    sites = sites_by_id(parcels, ids, gap_m=gap_m, statuses=statuses, areas=areas)
    if where is not None and len(sites):
        sites = sites.merge(site_places(sites, where), on="site_id", how="left")
    return sites


def road_distance(sites: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, road_id: str) -> pd.DataFrame:
    """Distance (m) from each site's outline to the road ``road_id`` (all its pieces).

    Raises
    ------
    ProximityError
        No road has this id (the message lists the roads).
    """
    sel = roads[roads["road_id"].astype(str) == str(road_id)]
    if sel.empty:
        known = ", ".join(
            f"{r} {n}"
            for r, n in zip(roads["road_id"], roads.get("name", roads["road_id"]), strict=True)
        )
        raise ProximityError(f"no road {road_id!r}; roads: {known}")
    d = nearest(sites, sel, source_id="site_id", target_id="road_id", prefix="road")
    return d


def filter_sites(
    sites: pd.DataFrame,
    *,
    min_mu: float | None = None,
    max_mu: float | None = None,
    area_id: str | None = None,
    industry: str | None = None,
    statuses: Iterable[str] | None = None,
    max_road_m: float | None = None,
) -> pd.DataFrame:
    """The rows of ``sites`` (candidate sites, or parcels with :func:`places`) meeting every filter.

    ``area_id`` keeps sites lying anywhere in that area (nested areas
    included); ``industry`` keeps sites whose areas target it.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"parcel_id": ["a", "b"], "status": ["stored", "supplied"],
    ...     "area_mu": [20.0, 50.0], "place_ids": [("P",), ()],
    ...     "target_industries": ["铸造", ""], "road_dist_m": [100.0, 10.0]})
    >>> filter_sites(s, min_mu=10, statuses=AVAILABLE_STATUSES)["parcel_id"].tolist()
    ['a']
    >>> filter_sites(s, max_road_m=50)["parcel_id"].tolist()
    ['b']
    """
    keep = np.ones(len(sites), dtype=bool)
    if statuses is not None:
        keep &= sites["status"].isin(list(statuses)).to_numpy()
    if min_mu is not None:
        keep &= (sites["area_mu"] >= min_mu).to_numpy()
    if max_mu is not None:
        keep &= (sites["area_mu"] <= max_mu).to_numpy()
    if area_id:
        keep &= np.array([area_id in p for p in sites["place_ids"]], dtype=bool)
    if industry:
        keep &= np.array(
            [industry in split_industries(v) for v in sites["target_industries"]], dtype=bool
        )
    if max_road_m is not None:
        keep &= (sites["road_dist_m"].astype(float).fillna(np.inf) <= max_road_m).to_numpy()
    return sites[keep]


def has_criterion(
    *,
    min_mu: float | None = None,
    max_mu: float | None = None,
    industry: str | None = None,
    max_road_m: float | None = None,
) -> bool:
    """Does a brief ask anything a fit can be scored on?"""
    return bool((min_mu and min_mu > 0) or (max_mu and max_mu > 0) or industry or max_road_m)


def fit_scores(
    sites: pd.DataFrame,
    *,
    min_mu: float | None = None,
    max_mu: float | None = None,
    industry: str | None = None,
    max_road_m: float | None = None,
) -> pd.DataFrame:
    """The fit (匹配度) of each site and its parts (module docstring).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``sites``: ``fit`` (points), ``fit_max`` (the points
        possible) and ``fit_<part>`` per part of :data:`FIT_PARTS`, in
        points; a part that does not apply is missing, and with no
        criterion at all every column is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"status": ["stored", "released"], "area_mu": [40.0, 10.0],
    ...     "place_ids": [("P",), ()], "target_industries": ["铸造", ""],
    ...     "road_dist_m": [0.0, 1000.0]})
    >>> f = fit_scores(s, min_mu=20, max_mu=80, industry="铸造")
    >>> f["fit"].round(1).tolist(), f["fit_max"].tolist(), bool(f["fit_road"].isna().all())
    ([75.0, 9.0], [75.0, 75.0], True)
    >>> bool(fit_scores(s)["fit"].isna().all())
    True
    """
    cols = ["fit", "fit_max", *(f"fit_{p}" for p in FIT_PARTS)]
    out = pd.DataFrame(np.nan, index=sites.index, columns=cols)
    if not len(sites) or not has_criterion(
        min_mu=min_mu, max_mu=max_mu, industry=industry, max_road_m=max_road_m
    ):
        return out
    w = FIT_WEIGHTS
    lo = min_mu if min_mu and min_mu > 0 else None
    hi = max_mu if max_mu and max_mu > 0 else None
    if lo or hi:
        area = sites["area_mu"].astype(float).clip(lower=1e-6).to_numpy()
        if lo and hi and hi > lo:
            mid, span = math.sqrt(lo * hi), math.log(hi / lo)
            size = np.clip(1.0 - np.abs(np.log(area / mid)) / span, 0.0, 1.0)
        else:  # one end only ("at least 200 亩"): full when met
            size = ((area >= (lo or 0.0)) & (area <= (hi or np.inf))).astype(float)
        out["fit_size"] = w["size"] * size
    if max_road_m and max_road_m > 0:
        dist = sites["road_dist_m"].astype(float).fillna(max_road_m).to_numpy()
        out["fit_road"] = w["road"] * (1.0 - np.clip(dist, 0.0, max_road_m) / max_road_m)
    if industry:
        hit = [industry in split_industries(v) for v in sites["target_industries"]]
        out["fit_industry"] = w["industry"] * np.array(hit, dtype=float)
    out["fit_ready"] = w["ready"] * sites["status"].map(READINESS).fillna(0.0).to_numpy(float)
    parts = [f"fit_{p}" for p in FIT_PARTS]
    out["fit"] = out[parts].sum(axis=1, min_count=1)
    out["fit_max"] = sum(w[p] for p in FIT_PARTS if out[f"fit_{p}"].notna().any())
    return out


def rank_sites(sites: pd.DataFrame, fit: pd.DataFrame) -> pd.DataFrame:
    """``sites`` with ``fit`` columns, best fit first (largest first with no score)."""
    out = sites.join(fit)
    if out["fit"].notna().any():
        return out.sort_values(["fit", "area_mu"], ascending=[False, False], kind="stable")
    return out.sort_values("area_mu", ascending=False, kind="stable")


def industries_offered(areas: pd.DataFrame) -> list[str]:
    """Every target industry named by a planning area, in order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> industries_offered(pd.DataFrame({"target_industries": ["铸造、新材料", None, "新材料"]}))
    ['铸造', '新材料']
    """
    if "target_industries" not in areas.columns:
        return []
    seen: dict[str, None] = {}
    for v in latest_areas(areas)["target_industries"]:
        for s in split_industries(v):
            seen[s] = None
    return list(seen)
