"""Distances between hand-placed squares and lines (GK zone 38, metres)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely import LineString, box

from geo.crs import CRSError
from geo.proximity import (
    ProximityError,
    distance_to_areas,
    distance_to_roads,
    nearest,
    sites_within,
)

GK = 4547
X0, Y0 = 500_000.0, 4_050_000.0


def sq(x: float, y: float = 0.0, w: float = 100.0):
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + w)


def gdf(data: dict, geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=GK)


@pytest.fixture
def areas() -> gpd.GeoDataFrame:
    return gdf(
        {
            "area_id": ["forest", "park"],
            "name": ["东山森林公园", "东山创意产业园区"],
            "name_en": ["Dongshan Forest Park", "Dongshan Creative Industry Park"],
            "kind": ["green", "park"],
        },
        [sq(200), sq(-1000)],
    )


def test_two_squares_100_m_apart_are_100_m_apart(areas):
    p = gdf({"parcel_id": ["p"]}, [sq(0)])
    d = distance_to_areas(p, areas, name="东山森林公园")
    assert d.values.tolist() == [["p", "forest", "东山森林公园", 100.0]]


def test_overlap_or_touch_is_zero(areas):
    p = gdf({"parcel_id": ["in", "touch"]}, [sq(250, 0, 10), sq(100)])
    assert distance_to_areas(p, areas, kind="green")["dist_m"].tolist() == [0.0, 0.0]


def test_select_by_english_name_or_kind(areas):
    p = gdf({"parcel_id": ["p"]}, [sq(-1300)])
    assert distance_to_areas(p, areas, name="Dongshan Forest Park")["dist_m"].iloc[0] == 1400.0
    assert distance_to_areas(p, areas, kind="park")["dist_m"].iloc[0] == 200.0
    assert distance_to_areas(p, areas)["area_id"].iloc[0] == "park"  # nearest of all


def test_unknown_area_name_lists_the_names(areas):
    p = gdf({"parcel_id": ["p"]}, [sq(0)])
    with pytest.raises(ProximityError, match="names: 东山创意产业园区, 东山森林公园"):
        distance_to_areas(p, areas, name="西山公园")


def test_nearest_road_and_its_name():
    p = gdf({"parcel_id": ["p"]}, [sq(0)])
    roads = gdf(
        {"road_id": ["g309", "s1"], "name": ["G309 国道309", "省道1"]},
        [
            LineString([(X0 - 500, Y0 + 130), (X0 + 500, Y0 + 130)]),
            LineString([(X0 - 500, Y0 - 300), (X0 + 500, Y0 - 300)]),
        ],
    )
    assert distance_to_roads(p, roads).values.tolist() == [["p", "g309", "G309 国道309", 30.0]]
    assert distance_to_roads(p, roads, name="省道1")["dist_m"].iloc[0] == 300.0
    with pytest.raises(ProximityError, match="no road named"):
        distance_to_roads(p, roads, name="G4")


def test_sites_within_walking_radius_includes_the_edge():
    t = gdf({"area_id": ["park"], "name": ["公园"]}, [sq(0)])
    p = gdf(
        {"parcel_id": ["edge", "beyond", "near"], "status": ["stored", "stored", "operating"]},
        [sq(900), sq(900.5), sq(150)],
    )
    got = sites_within(p, t)
    assert got[["parcel_id", "dist_m"]].values.tolist() == [["near", 50.0], ["edge", 800.0]]
    assert sites_within(p, t, statuses=["stored"])["parcel_id"].tolist() == ["edge"]
    assert sites_within(p, t, radius_m=10)["parcel_id"].tolist() == []
    with pytest.raises(ProximityError, match="non-negative"):
        sites_within(p, t, radius_m=-1)


def test_no_targets_gives_missing_distances():
    p = gdf({"parcel_id": ["p"]}, [sq(0)])
    empty = gdf({"area_id": []}, [])
    out = nearest(p, empty)
    assert out["dist_m"].isna().all()


def test_degrees_are_refused():
    p = gpd.GeoDataFrame({"parcel_id": ["p"]}, geometry=[box(114, 36, 114.01, 36.01)], crs=4490)
    with pytest.raises(CRSError, match="degrees"):
        nearest(p, p)


def test_different_crs_are_refused(areas):
    p = gdf({"parcel_id": ["p"]}, [sq(0)]).to_crs(4526)
    with pytest.raises(CRSError, match="different CRSs"):
        distance_to_areas(p, areas)
