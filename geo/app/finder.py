"""Site finder (招商选址): where each parcel lies, and how well it fits an investor's brief.

Pure functions on the workspace tables (no streamlit): the site finder page
filters and sorts their output.

Fit (匹配度, 0–100) is a weighted sum of four parts, each 0–1:

=========  ======  ==============================================================
part       weight  1 when …
=========  ======  ==============================================================
industry   35      the parcel lies in a planning area whose target industries
                   include the wanted industry (no industry asked: the parcel
                   lies in any planning area; outside every area scores 0.5)
size       25      the area equals the middle of the wanted range (geometric mean
                   of its ends), falling off with the log of the ratio
road       25      the parcel touches a road, falling off linearly to 0 at the
                   distance limit (2,000 m when none is asked)
readiness  15      stored (已收储: held by the land reserve, ready to supply);
                   released (已腾退) scores 0.6
=========  ======  ==============================================================
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.proximity import ProximityError, distance_to_areas, distance_to_roads

logger = logging.getLogger(__name__)

PLACE_KINDS: tuple[str, ...] = ("zone", "park", "corridor", "base", "cluster", "site", "plate")
"""Area kinds a site can lie in (green space is context, not a place to build)."""
AVAILABLE_STATUSES: tuple[str, ...] = ("released", "stored")
"""Available to supply (可供应): freed and not yet supplied."""
FIT_WEIGHTS: dict[str, float] = {"industry": 35.0, "size": 25.0, "road": 25.0, "ready": 15.0}
DEFAULT_ROAD_LIMIT_M = 2000.0
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


def filter_sites(
    sites: pd.DataFrame,
    *,
    min_mu: float | None = None,
    max_mu: float | None = None,
    area_id: str | None = None,
    industry: str | None = None,
    statuses: Iterable[str] | None = AVAILABLE_STATUSES,
    max_road_m: float | None = None,
) -> pd.DataFrame:
    """The rows of ``sites`` (parcels joined with :func:`places`) that meet every filter.

    ``area_id`` keeps parcels lying anywhere in that area (nested areas
    included); ``industry`` keeps parcels whose areas target it.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"parcel_id": ["a", "b"], "status": ["stored", "supplied"],
    ...     "area_mu": [20.0, 50.0], "place_ids": [("P",), ()],
    ...     "target_industries": ["铸造", ""], "road_dist_m": [100.0, 10.0]})
    >>> filter_sites(s, min_mu=10)["parcel_id"].tolist()
    ['a']
    >>> filter_sites(s, statuses=None, max_road_m=50)["parcel_id"].tolist()
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
        keep &= (sites["road_dist_m"].fillna(np.inf) <= max_road_m).to_numpy()
    return sites[keep]


def fit_scores(
    sites: pd.DataFrame,
    *,
    min_mu: float | None = None,
    max_mu: float | None = None,
    industry: str | None = None,
    max_road_m: float | None = None,
) -> pd.Series:
    """Fit (匹配度, 0–100) of each site to the brief (module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"status": ["stored", "released"], "area_mu": [40.0, 10.0],
    ...     "place_ids": [("P",), ()], "target_industries": ["铸造", ""],
    ...     "road_dist_m": [0.0, 1000.0]})
    >>> fit_scores(s, min_mu=20, max_mu=80, industry="铸造").round(1).tolist()
    [100.0, 21.5]
    """
    n = len(sites)
    if n == 0:
        return pd.Series([], dtype=float, index=sites.index)
    if industry:
        ind = np.array(
            [1.0 if industry in split_industries(v) else 0.0 for v in sites["target_industries"]]
        )
    else:
        ind = np.array([1.0 if len(p) else 0.5 for p in sites["place_ids"]])
    area = sites["area_mu"].astype(float).clip(lower=1e-6).to_numpy()
    lo = min_mu if min_mu and min_mu > 0 else None
    hi = max_mu if max_mu and max_mu > 0 else None
    if lo and hi and hi > lo:
        mid, span = math.sqrt(lo * hi), math.log(hi / lo)
    elif hi:
        mid, span = hi / 2.0, math.log(2.0)
    elif lo:
        mid, span = lo * 2.0, math.log(2.0)
    else:
        mid, span = float(np.median(area)), math.log(4.0)
    size = np.clip(1.0 - np.abs(np.log(area / mid)) / span, 0.0, 1.0)
    limit = max_road_m if max_road_m and max_road_m > 0 else DEFAULT_ROAD_LIMIT_M
    dist = sites["road_dist_m"].astype(float).fillna(limit).to_numpy()
    road = 1.0 - np.clip(dist, 0.0, limit) / limit
    ready = sites["status"].map(READINESS).fillna(0.0).to_numpy(dtype=float)
    w = FIT_WEIGHTS
    score = w["industry"] * ind + w["size"] * size + w["road"] * road + w["ready"] * ready
    return pd.Series(score, index=sites.index, name="fit")


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
