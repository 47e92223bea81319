"""连片 site assembly, planned-use admission and the fit (geo/siting).

Bad inputs tried: a negative gap and one above the limit; parcels without
``parcel_id``; a geographic CRS; an admission table with an unknown category,
a non-digit code, a category without names; a site id naming a parcel that is
not on offer; a brief with no criterion (no score).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import box

from geo.crs import m2_to_mu
from geo.siting import finder
from geo.siting.assembly import (
    AssemblyError,
    assemble_sites,
    components,
    member_ids,
    site_id,
    sites_by_id,
)
from geo.siting.uses import AdmitsError, load_admits, parse_admits
from geo.workspace import open_workspace
from tests.test_app import FUXING

ROAD_M = 8.0


def ring_across_a_road(road_m: float = ROAD_M) -> gpd.GeoDataFrame:
    """Eight 100 m parcels round a 100 m courtyard, the east column across a road.

    West and middle columns touch each other (shared edges); the east column
    lies ``road_m`` east of the middle one. Plus a lone parcel far away and an
    operating parcel touching the ring (not available).
    """
    cells = [(0, 0), (1, 0), (0, 1), (0, 2), (1, 2)]  # west and middle: touching
    geoms = [box(x * 100, y * 100, x * 100 + 100, y * 100 + 100) for x, y in cells]
    x0 = 200 + road_m
    geoms += [box(x0, y * 100, x0 + 100, y * 100 + 100) for y in (0, 1, 2)]
    ids = [f"R{k}" for k in range(len(geoms))]
    geoms += [box(2000, 0, 2050, 50), box(-100, 0, 0, 100)]
    ids += ["LONE", "BUSY"]
    status = ["stored"] * 8 + ["released", "operating"]
    uses = ["100102"] * 7 + ["100101", "100102", "100102"]
    return gpd.GeoDataFrame(
        {
            "parcel_id": ids,
            "status": status,
            "land_use_planned": uses,
            "polluting_history": [False] * 6 + [True, False, False, False],
        },
        geometry=geoms,
        crs=4547,
    )


def test_a_ring_across_an_8_m_road_joins_at_a_10_m_gap_not_at_5():
    p = ring_across_a_road()
    joined = assemble_sites(p, gap_m=10)
    ring = joined[joined["assembled"]]
    assert len(ring) == 1
    assert set(ring["member_ids"].iloc[0]) == {f"R{k}" for k in range(8)}
    assert "BUSY" not in ring["site_id"].iloc[0]  # operating land never joins
    apart = assemble_sites(p, gap_m=5)
    groups = sorted(len(m) for m in apart.loc[apart["assembled"], "member_ids"])
    assert groups == [3, 5]  # the road splits the ring into its two sides
    assert set(joined["site_id"]) >= {"LONE"}


def test_site_ids_are_stable_and_read_back():
    p = ring_across_a_road()
    first = assemble_sites(p, gap_m=10)["site_id"].tolist()
    shuffled = p.sample(frac=1.0, random_state=3)
    assert assemble_sites(shuffled, gap_m=10)["site_id"].tolist() == first
    sid = first[0]
    assert sid == "S:" + ",".join(sorted(f"R{k}" for k in range(8)))
    assert member_ids(sid) == tuple(sorted(f"R{k}" for k in range(8)))
    assert site_id(reversed(member_ids(sid))) == sid
    assert site_id(["R1"]) == "R1" and member_ids("R1") == ("R1",)


def test_areas_are_conserved_and_the_outline_covers_the_road():
    p = ring_across_a_road()
    avail = p[p["status"].isin(["released", "stored"])]
    for gap in (0, 5, 10, 30):
        s = assemble_sites(p, gap_m=gap)
        assert s["area_m2"].sum() == pytest.approx(avail.geometry.area.sum())
        assert s["area_mu"].sum() == pytest.approx(m2_to_mu(avail.geometry.area.sum()))
        members = [m for ms in s["member_ids"] for m in ms]
        assert sorted(members) == sorted(avail["parcel_id"])  # each parcel in one site
    ring = assemble_sites(p, gap_m=10).iloc[0]
    assert ring["area_m2"] == pytest.approx(8 * 100 * 100)  # the sum, not the union
    # the internal road is inside where parcels line both of its sides ...
    for y in (0, 200):
        assert ring.geometry.contains(box(200, y, 200 + ROAD_M, y + 100).buffer(-0.01))
    # ... not along the open courtyard, which stays a hole
    assert ring.geometry.area == pytest.approx(8 * 100 * 100 + ROAD_M * 200)
    assert not ring.geometry.intersects(box(101, 101, 207, 199))


def test_combined_attributes_are_the_worst_and_the_range():
    p = ring_across_a_road()
    areas = gpd.GeoDataFrame(
        {"area_id": ["W", "E"], "far_min": [1.0, 1.5], "far_max": [2.0, 3.0]},
        geometry=[box(-10, -10, 205, 310), box(205, -10, 320, 310)],
        crs=4547,
    )
    ring = assemble_sites(p, gap_m=10, areas=areas).iloc[0]
    assert ring["land_uses"] == ("100101", "100102")
    assert ring["land_use_planned"] == "100101、100102"
    assert ring["status"] == "stored"
    assert bool(ring["soil_required"]) is False  # polluted, but planned industrial
    assert (ring["far_min"], ring["far_max"]) == (1.0, 3.0)
    p.loc[p["parcel_id"] == "R2", "status"] = "released"
    p.loc[p["parcel_id"] == "R6", "land_use_planned"] = "070101"  # housing on polluted land
    ring = assemble_sites(p, gap_m=10, areas=areas).iloc[0]
    assert ring["status"] == "released" and bool(ring["soil_required"]) is True


def test_sites_by_id_builds_a_shared_site_and_drops_one_no_longer_on_offer():
    p = ring_across_a_road()
    sid = assemble_sites(p, gap_m=10)["site_id"].iloc[0]
    again = sites_by_id(p, [sid, "LONE"], gap_m=10)
    assert again["site_id"].tolist() == [sid, "LONE"]
    assert again["area_m2"].iloc[0] == pytest.approx(80_000)
    p.loc[p["parcel_id"] == "R3", "status"] = "supplied"
    assert sites_by_id(p, [sid, "LONE"])["site_id"].tolist() == ["LONE"]
    assert sites_by_id(p, ["S:R0,BUSY"]).empty  # an operating parcel is not on offer


@pytest.mark.parametrize("gap", [-1.0, 1000.0])
def test_a_bad_gap_is_refused(gap):
    with pytest.raises(AssemblyError, match="give a distance from 0"):
        assemble_sites(ring_across_a_road(), gap_m=gap)


def test_bad_parcels_are_refused():
    p = ring_across_a_road()
    with pytest.raises(AssemblyError, match="no parcel_id"):
        assemble_sites(p.drop(columns="parcel_id"))
    with pytest.raises(ValueError, match="projected"):
        assemble_sites(p.to_crs(4490))


def test_components_of_a_long_chain_and_of_nothing():
    n = 10_000
    i = np.arange(n - 1)
    label = components(n, i[::-1], i[::-1] + 1)
    assert (label == 0).all()
    assert components(3, np.array([], int), np.array([], int)).tolist() == [0, 1, 2]
    assert assemble_sites(ring_across_a_road().iloc[:0]).empty


# ---------------------------------------------------------------------------
# Planned use admits the project
# ---------------------------------------------------------------------------


def test_class_two_industry_goes_on_class_two_land_only_and_green_space_never():
    table = load_admits()
    assert table.admits("100102") == ("industry_1", "industry_2")
    assert "industry_2" not in table.admits("100101")  # more disturbance than class-1 land allows
    assert "industry_1" in table.admits("100102")  # a class-1 firm may go on class-2 land
    assert table.admits("100103") == ("industry_3",)
    for green in ("14", "1401", "1402", "140201"):
        assert table.admits(green) == ()
    assert table.admits("1101") == ("logistics",)
    assert table.admits("1001") == ()  # class not given
    assert table.admits(None) == () and table.admits(float("nan")) == ()
    assert table.label("industry_2", "zh") == "二类工业"


def test_a_parcel_whose_use_does_not_admit_the_project_is_excluded_not_scored():
    p = ring_across_a_road()
    p.loc[p["parcel_id"] == "R0", "land_use_planned"] = "1402"  # protective green
    p.loc[p["parcel_id"] == "R4", "land_use_planned"] = "1101"  # logistics
    sites = finder.candidate_sites(p, use="industry_2", gap_m=10)
    members = {m for ms in sites["member_ids"] for m in ms}
    assert members.isdisjoint({"R0", "R4", "R7"})  # green, logistics, class-1 land
    assert "R1" in members
    any_use = finder.candidate_sites(p, gap_m=10)
    assert "R0" not in {m for ms in any_use["member_ids"] for m in ms}  # green: never built on
    assert "R4" in {m for ms in any_use["member_ids"] for m in ms}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"categories": {"a": {"zh": "甲", "en": "A"}}, "codes": {"10": ["b"]}}, "unknown"),
        ({"categories": {"a": {"zh": "甲", "en": "A"}}, "codes": {"1x": ["a"]}}, "digits"),
        ({"categories": {"a": {"zh": "甲"}}, "codes": {}}, "zh and en"),
        ({"codes": {}}, "categories"),
    ],
)
def test_a_bad_admission_table_says_what_is_wrong(data, message):
    with pytest.raises(AdmitsError, match=message):
        parse_admits(data, where="x.toml")


# ---------------------------------------------------------------------------
# The fit: parts, and none without a criterion
# ---------------------------------------------------------------------------


def _sites() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "status": ["stored", "released", "stored"],
            "area_mu": [250.0, 250.0, 40.0],
            "place_ids": [("P",), ("P",), ()],
            "target_industries": ["精密铸造", "精密铸造", ""],
            "road_dist_m": [0.0, 2500.0, 4000.0],
        }
    )


def test_no_criterion_means_no_score_and_sites_largest_first():
    s = _sites()
    fit = finder.fit_scores(s)
    assert fit.isna().all().all()
    ranked = finder.rank_sites(s, fit)
    assert ranked["area_mu"].tolist() == [250.0, 250.0, 40.0]


def test_the_fit_is_the_sum_of_its_parts_out_of_the_parts_asked():
    s = _sites()
    fit = finder.fit_scores(s, min_mu=200, max_road_m=5000)
    assert fit["fit_industry"].isna().all()  # not asked: not a part
    assert fit["fit_size"].tolist() == [25.0, 25.0, 0.0]  # at least 200: met or not
    assert fit["fit_road"].tolist() == pytest.approx([25.0, 12.5, 5.0])
    assert fit["fit_ready"].tolist() == [15.0, 9.0, 15.0]
    parts = fit[["fit_size", "fit_road", "fit_ready"]].sum(axis=1)
    assert (fit["fit"] == parts).all()
    assert (fit["fit_max"] == 65.0).all()
    with_industry = finder.fit_scores(s, industry="精密铸造")
    assert with_industry["fit_industry"].tolist() == [35.0, 35.0, 0.0]
    assert (with_industry["fit_max"] == 50.0).all()


def test_fuxing_has_a_200_mu_class_two_site_within_5_km_of_g309():
    ws = open_workspace(FUXING, validate=False)
    where = finder.places(ws.parcels, ws.areas, ws.get("roads"))
    sites = finder.candidate_sites(ws.parcels, where, use="industry_2", areas=ws.areas)
    d = finder.road_distance(sites, ws["roads"], "G309")
    sites = sites.assign(road_dist_m=d["dist_m"].to_numpy())
    hits = finder.filter_sites(sites, min_mu=200, max_road_m=5000)
    assert len(hits) == 1
    site = hits.iloc[0]
    assert site["assembled"] and site["n_members"] >= 2
    assert site["land_uses"] == ("100102",)
    parcels = ws.parcels.set_index("parcel_id").loc[list(site["member_ids"])]
    assert (parcels["land_use_planned"] == "100102").all()
    assert parcels["status"].isin(["released", "stored"]).all()
    assert site["area_mu"] == pytest.approx(m2_to_mu(parcels.geometry.area.sum()))
    assert site["area_mu"] >= 200
    g309 = ws["roads"][ws["roads"]["road_id"] == "G309"].geometry.iloc[0]
    assert shapely.distance(site.geometry, g309) <= 5000
