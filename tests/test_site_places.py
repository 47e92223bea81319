"""Where a site lies, from its members: the vectorised pass against a per-site reference.

:func:`geo.siting.finder.site_places` once looked every site's members up one
site at a time (six minutes on a million parcels). The reference below is that
per-site reading of the rule, kept to check the one-pass version against it on
every demo workspace and on the cases that matter: a site whose members lie in
no area, a member missing from the places table, ties in distance, no roads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.siting import finder
from geo.siting.assembly import MAX_GAP_M
from geo.workspace import open_workspace


def reference_site_places(sites: pd.DataFrame, where: pd.DataFrame) -> pd.DataFrame:
    pos = where.set_index(where["parcel_id"].astype(str))
    rows = []
    for sid, members in zip(sites["site_id"], sites["member_ids"], strict=True):
        m = pos.loc[[x for x in members if x in pos.index]]
        if m.empty:
            rows.append({"site_id": sid, "place_ids": ()})
            continue
        placed = m[m["place_id"].notna()]
        first = placed.iloc[0] if len(placed) else m.iloc[0]
        ids: dict[str, None] = {}
        for p in m["place_ids"]:
            for a in p:
                ids[a] = None
        row = {k: first[k] for k in ("place_id", "place_name", "place_name_en", "place_kind")}
        row.update(site_id=sid, place_ids=tuple(ids))
        seen: dict[str, None] = {}
        for v in m["target_industries"].fillna(""):
            for s in finder.split_industries(v):
                seen[s] = None
        row["target_industries"] = "、".join(seen)
        for kind in ("road", "green"):
            d = pd.to_numeric(m[f"{kind}_dist_m"], errors="coerce")
            if d.notna().any():
                best = m.iloc[int(np.nanargmin(d.to_numpy(dtype=float)))]
                row[f"{kind}_dist_m"] = float(d.min())
                row[f"{kind}_name"] = best[f"{kind}_name"]
                if kind == "green":
                    row["green_name_en"] = best.get("green_name_en")
            else:
                row[f"{kind}_dist_m"] = np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    cols = ["site_id", *[c for c in finder.PLACE_COLUMNS if c != "parcel_id"]]
    for c in cols:
        if c not in out.columns:
            out[c] = None
    return out[cols]


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    for c in got.columns:
        g, w = got[c].tolist(), want[c].tolist()
        for i, (a, b) in enumerate(zip(g, w, strict=True)):
            if pd.isna(b) if not isinstance(b, tuple) else False:
                assert not isinstance(a, tuple) and pd.isna(a), (c, i, a, b)
            elif isinstance(b, float):
                assert a == pytest.approx(b, rel=1e-12), (c, i, a, b)
            else:
                assert a == b, (c, i, a, b)


GAP_M = MAX_GAP_M
"""The widest gap the finder accepts: every demo then has sites of several parcels."""


@pytest.mark.parametrize("name", ["fuxing", "wuan", "hebi", "wuzhi", "choujiang"])
def test_site_places_equals_the_per_site_reading_on_every_demo(name):
    ws = open_workspace(f"data/{name}.gpkg")
    where = finder.places(ws.parcels, ws.areas, ws.get("roads"))
    sites = finder.assemble_sites(ws.parcels, gap_m=GAP_M, statuses=None, areas=ws.areas)
    assert (sites["n_members"] > 1).any(), "the demo must have sites of several parcels"
    _same(finder.site_places(sites, where), reference_site_places(sites, where))


def test_members_missing_unplaced_and_tied():
    where = pd.DataFrame(
        {
            "parcel_id": ["a", "b", "c", "d"],
            "place_id": [None, "P", "Z", None],
            "place_name": [None, "园", "区", None],
            "place_name_en": [None, "Park", "Zone", None],
            "place_kind": [None, "park", "zone", None],
            "place_ids": [(), ("P", "Z"), ("Z",), ()],
            "target_industries": ["", "铸造，装备", "装备;新材料", None],
            "road_name": ["R1", "R2", "R3", None],
            "road_dist_m": [5.0, 5.0, 2.0, np.nan],
            "green_name": [None, None, None, None],
            "green_name_en": [None, None, None, None],
            "green_dist_m": [np.nan, np.nan, np.nan, np.nan],
        }
    )
    sites = pd.DataFrame(
        {
            "site_id": ["S:a,b", "S:a,c", "x", "d", "S:b,c"],
            # "x" is in no places table; "S:a,b" ties on 5 m (the first member's road wins)
            "member_ids": [("a", "b"), ("a", "c"), ("x",), ("d",), ("c", "b")],
        }
    )
    got = finder.site_places(sites, where)
    _same(got, reference_site_places(sites, where))
    row = got.set_index("site_id")
    assert row.at["S:a,b", "place_id"] == "P"  # the first member lying in an area
    assert row.at["S:a,b", "road_name"] == "R1"
    assert row.at["S:b,c", "place_ids"] == ("Z", "P")
    assert row.at["S:b,c", "target_industries"] == "装备、新材料、铸造"
    assert row.at["x", "place_ids"] == () and pd.isna(row.at["x", "road_dist_m"])
    assert pd.isna(row.at["d", "road_dist_m"]) and pd.isna(row.at["d", "place_id"])


def test_no_sites():
    where = finder.places(*_tiny())
    got = finder.site_places(pd.DataFrame({"site_id": [], "member_ids": []}), where)
    assert got.empty and "place_ids" in got.columns


def _tiny():
    import geopandas as gpd
    from shapely import box

    p = gpd.GeoDataFrame({"parcel_id": ["a"]}, geometry=[box(0, 0, 10, 10)], crs=4547)
    z = gpd.GeoDataFrame(
        {"area_id": ["Z"], "kind": ["zone"]}, geometry=[box(-5, -5, 50, 50)], crs=4547
    )
    return p, z
