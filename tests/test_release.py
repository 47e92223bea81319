"""Release summaries (geo.release): hand-checkable geometry and conservation."""

from __future__ import annotations

import pickle
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings, strategies as st
from shapely import MultiPolygon, Polygon, box

from geo.crs import CRSError, m2_to_mu
from geo.release import (
    OUTSIDE_ID,
    PreparedAreas,
    ReleaseError,
    _AreaIndex,
    _edges,
    area_levels,
    exclusive_geometries,
    intersection_areas,
    overlap_priority,
    release_pieces,
    release_summary,
    release_total_m2,
    select_areas,
)

GK = 4547
X0, Y0 = 500_000.0, 4_050_000.0  # Handan, GK zone 38: real magnitudes for precision
FUXING = Path(__file__).resolve().parent.parent / "data" / "fuxing.gpkg"


def sq(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """A box in metres from the local origin (X0, Y0)."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def parcels_of(geoms, statuses=None, **cols) -> gpd.GeoDataFrame:
    n = len(geoms)
    data = {
        "parcel_id": [f"P{i}" for i in range(n)],
        "status": statuses or ["released"] * n,
        **cols,
    }
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=GK)


def areas_of(geoms, ids=None, kinds=None, parents=None, layouts=None) -> gpd.GeoDataFrame:
    n = len(geoms)
    ids = ids or [f"A{i}" for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "area_id": ids,
            "name": [f"片区{i}" for i in ids],
            "name_en": [f"area {i}" for i in ids],
            "kind": kinds or ["park"] * n,
            "layout": layouts or ["测试布局"] * n,
            "parent_id": parents or [None] * n,
        },
        geometry=list(geoms),
        crs=GK,
    )


def by_id(df: pd.DataFrame, level: int = 0) -> dict[str, float]:
    sub = df[df["level"] == level]
    return dict(zip(sub["area_id"], sub["area_m2"].round(9), strict=True))


# ---------------------------------------------------------------------------
# Low-level engine
# ---------------------------------------------------------------------------


def test_two_squares_with_known_overlap():
    pieces = intersection_areas([sq(0, 0, 2, 2)], [sq(1, 1, 3, 3)])
    got = dict(zip(pieces["area"], pieces["area_m2"], strict=True))
    assert got == pytest.approx({0: 1.0, -1: 3.0}, rel=1e-12)


def test_parcel_crossing_two_areas():
    pieces = intersection_areas([sq(0, 0, 4, 2)], [sq(-1, -1, 1, 3), sq(3, -1, 5, 3)])
    got = dict(zip(pieces["area"], pieces["area_m2"], strict=True))
    assert got == pytest.approx({0: 2.0, 1: 2.0, -1: 4.0}, rel=1e-12)


def test_contained_touching_and_disjoint_parcels():
    area = sq(0, 0, 10, 10)
    parcels = [
        sq(2, 2, 4, 4),  # strictly inside: fast path
        sq(0, 0, 3, 3),  # inside, two edges on the area's boundary
        sq(10, 0, 12, 2),  # outside, one edge on the boundary
        sq(20, 20, 21, 21),  # far away
        sq(9, 9, 11, 11),  # corner crossing
    ]
    pieces = intersection_areas(parcels, [area], outside=False)
    got = dict(zip(pieces["parcel"], pieces["area_m2"], strict=True))
    assert got == pytest.approx({0: 4.0, 1: 9.0, 4: 1.0}, rel=1e-12)


def test_holes_and_multipolygons():
    area = Polygon(
        [(X0, Y0), (X0 + 10, Y0), (X0 + 10, Y0 + 10), (X0, Y0 + 10)],
        [[(X0 + 4, Y0 + 4), (X0 + 6, Y0 + 4), (X0 + 6, Y0 + 6), (X0 + 4, Y0 + 6)]],
    )
    ring_parcel = sq(3, 3, 7, 7).difference(sq(4.5, 4.5, 5.5, 5.5))  # parcel with a hole
    multi = MultiPolygon([sq(-1, 0, 1, 1), sq(9, 9, 11, 11)])
    pieces = intersection_areas([ring_parcel, multi, sq(4, 4, 6, 6)], [area], outside=False)
    got = dict(zip(pieces["parcel"], pieces["area_m2"], strict=True))
    # 16 - 1 (parcel's hole) - (4 - 1) (area's hole minus the parcel's hole)
    assert got[0] == pytest.approx(12.0, rel=1e-12)
    assert got[1] == pytest.approx(1.0 + 1.0, rel=1e-12)
    assert 2 not in got  # the parcel is the area's hole


def test_area_inside_a_parcel():
    pieces = intersection_areas([sq(0, 0, 100, 100)], [sq(10, 10, 12, 13)], outside=False)
    assert pieces["area_m2"].tolist() == pytest.approx([6.0], rel=1e-12)


def test_matches_geos_on_snapped_shapes():
    """Shared edges, vertices on edges, rotated areas: per pair equal to GEOS."""
    rng = np.random.default_rng(7)
    parcels = []
    for _ in range(60):
        x, y = rng.integers(0, 12, 2)
        w, h = rng.integers(1, 5, 2)
        g = sq(x, y, x + w, y + h)
        if rng.random() < 0.3:
            g = g.difference(sq(x + w / 2, y + h / 2, x + w + 1, y + h + 1))
        parcels.append(g)
    areas = [
        shapely.union_all([sq(0, 0, 6, 4), sq(2, 4, 5, 9)]).difference(sq(1, 1, 2, 2)),
        shapely.affinity.rotate(sq(6, 2, 12, 8), 45, origin=(X0 + 9, Y0 + 5)),
    ]
    pieces = intersection_areas(parcels, areas, outside=False, threads=1, chunk_size=7)
    ours = np.zeros((len(parcels), len(areas)))
    np.add.at(ours, (pieces["parcel"], pieces["area"]), pieces["area_m2"])
    ref = shapely.area(shapely.intersection(np.array(parcels)[:, None], np.array(areas)[None, :]))
    assert np.abs(ours - ref).max() <= 1e-9 * max(ref.max(), 1.0)


def test_threads_and_chunks_give_the_same_pieces():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 100, (300, 2))
    parcels = shapely.box(X0 + xy[:, 0], Y0 + xy[:, 1], X0 + xy[:, 0] + 7, Y0 + xy[:, 1] + 5)
    areas = [shapely.Point(X0 + 30, Y0 + 30).buffer(25), shapely.Point(X0 + 75, Y0 + 60).buffer(20)]
    one = intersection_areas(parcels, areas, threads=1)
    two = intersection_areas(parcels, areas, threads=2, chunk_size=50)
    key = ["parcel", "area"]
    pd.testing.assert_frame_equal(
        one.sort_values(key).reset_index(drop=True),
        two.sort_values(key).reset_index(drop=True),
        rtol=1e-12,
    )


def test_area_index_finds_each_segment_end_along_its_ring():
    ring = [(0, 0), (4, 0), (4, 0), (4, 3), (0, 3), (0, 0)]  # a repeated vertex
    hole = [(1, 1), (1, 2), (2, 2), (2, 1), (1, 1)]
    areas = np.array(
        [
            Polygon(ring, [hole]),
            MultiPolygon([box(10, 0, 11, 1), box(12, 0, 13, 1)]),
            box(20, 0, 21, 1),
            Polygon([(30, 0), (30, 1), (31, 1), (30, 0)]),  # clockwise
        ]
    )
    index = _AreaIndex(areas)
    x0, y0, x1, y1, _, _ = _edges(areas)
    s = np.arange(len(x0))
    np.testing.assert_array_equal(np.stack([index.sx0, index.sy0]), np.stack([x0, y0]))
    np.testing.assert_array_equal(np.stack(index.ends(s)), np.stack([x1, y1]))
    np.testing.assert_array_equal(np.stack(index.ends(s[::-3])), np.stack([x1, y1])[:, ::-3])


def test_empty_inputs():
    assert intersection_areas([], [sq(0, 0, 1, 1)]).empty
    pieces = intersection_areas([sq(0, 0, 1, 1)], [])
    assert pieces["area"].tolist() == [-1]
    pieces = intersection_areas([None, Polygon(), sq(0, 0, 1, 1)], [sq(0, 0, 1, 1)])
    assert pieces[["parcel", "area"]].values.tolist() == [[2, 0]]


rect = st.tuples(
    st.integers(0, 40), st.integers(0, 40), st.integers(1, 15), st.integers(1, 15)
).map(lambda t: sq(t[0], t[1], t[0] + t[2], t[1] + t[3]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parcels=st.lists(rect, min_size=1, max_size=12), areas=st.lists(rect, max_size=5))
def test_pieces_sum_to_parcel_total(parcels, areas):
    """Conservation with overlaps resolved: pieces + outside = parcel areas."""
    geoms = exclusive_geometries(areas, priority=range(len(areas))) if areas else []
    pieces = intersection_areas(parcels, geoms)
    total = shapely.area(np.array(parcels)).sum()
    assert pieces["area_m2"].sum() == pytest.approx(total, rel=1e-9)
    per_parcel = pieces.groupby("parcel")["area_m2"].sum()
    assert per_parcel.to_numpy() == pytest.approx(shapely.area(np.array(parcels)), rel=1e-9)
    if areas:  # each piece equals GEOS's intersection
        inside = pieces[pieces["area"] >= 0]
        ref = shapely.area(
            shapely.intersection(
                np.array(parcels)[inside["parcel"]], np.array(geoms)[inside["area"]]
            )
        )
        assert inside["area_m2"].to_numpy() == pytest.approx(ref, rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------
# Areas: levels, selection, overlaps
# ---------------------------------------------------------------------------


def test_area_levels_follow_parent_id_and_detect_cycles():
    areas = areas_of(
        [sq(0, 0, 1, 1)] * 4, ids=["S", "P1", "P2", "X"], parents=[None, "S", "P1", "nope"]
    )
    assert area_levels(areas).tolist() == [0, 1, 2, 0]
    assert area_levels(areas, within=["S", "P2"]).tolist() == [0, 1, 1, 0]
    cyclic = areas_of([sq(0, 0, 1, 1)] * 2, ids=["A", "B"], parents=["B", "A"])
    with pytest.raises(ReleaseError, match="cycle"):
        area_levels(cyclic)


def test_select_areas_filters_and_lists_valid_values():
    areas = areas_of(
        [sq(0, 0, 1, 1)] * 3,
        ids=["Z", "P", "C"],
        kinds=["zone", "park", "corridor"],
        layouts=["一区一园一廊", "一区一园一廊", "五园三基地"],
        parents=[None, "Z", None],
    )
    assert select_areas(areas, kinds=["park", "zone"])["area_id"].tolist() == ["Z", "P"]
    assert select_areas(areas, layout="五园三基地")["area_id"].tolist() == ["C"]
    assert select_areas(areas, level=1)["area_id"].tolist() == ["P"]
    with pytest.raises(ReleaseError, match="valid kinds: zone, park, corridor"):
        select_areas(areas, kinds=["garden"])
    with pytest.raises(ReleaseError, match="layouts in this workspace: 一区一园一廊, 五园三基地"):
        select_areas(areas, layout="三区")
    with pytest.raises(ReleaseError, match="levels in this workspace: 0, 1"):
        select_areas(areas, level=3)
    with pytest.raises(ReleaseError, match="no area matches kind base"):
        select_areas(areas, kinds=["base"])


def test_overlap_rules():
    a = sq(0, 0, 4, 4)
    b = sq(2, 0, 5, 4)  # smaller
    areas = areas_of([a, b], ids=["A", "B"])
    assert overlap_priority(areas).tolist() == [1, 0]
    assert overlap_priority(areas, overlap="order").tolist() == [0, 1]
    out = exclusive_geometries([a, b], priority=[1, 0])
    assert shapely.area(out).tolist() == pytest.approx([8.0, 12.0])
    with pytest.raises(ReleaseError, match="overlap rule"):
        overlap_priority(areas, overlap="largest")


# ---------------------------------------------------------------------------
# release_summary
# ---------------------------------------------------------------------------


def test_summary_by_area_with_outside_row():
    parcels = parcels_of([sq(0, 0, 2, 2), sq(10, 10, 12, 12)])
    areas = areas_of([sq(1, 1, 3, 3)])
    out = release_summary(parcels, areas)
    assert by_id(out) == {"A0": 1.0, OUTSIDE_ID: 7.0}
    assert out["n_parcels"].tolist() == [1, 2]
    row = out.iloc[-1]
    assert (row["area_name"], row["area_name_en"]) == ("区外", "outside")
    assert out["area_mu"].tolist() == pytest.approx(m2_to_mu(out["area_m2"]).tolist())
    assert out["area_ha"].tolist() == pytest.approx((out["area_m2"] / 10_000).tolist())


def test_nested_areas_give_one_block_per_level():
    zone, park = sq(0, 0, 10, 10), sq(0, 0, 5, 5)
    areas = areas_of([zone, park], ids=["Z", "P"], kinds=["zone", "park"], parents=[None, "Z"])
    parcels = parcels_of([sq(4, 4, 6, 6), sq(20, 0, 21, 1)])
    out = release_summary(parcels, areas)
    assert by_id(out, 0) == {"Z": 4.0, OUTSIDE_ID: 1.0}
    assert by_id(out, 1) == {"P": 1.0, OUTSIDE_ID: 4.0}
    assert out.groupby("level")["area_m2"].sum().tolist() == pytest.approx([5.0, 5.0])
    # chosen alone, the park is level 0
    only = release_summary(parcels, areas, area_ids=["P"])
    assert by_id(only) == {"P": 1.0, OUTSIDE_ID: 4.0}


def test_overlapping_areas_in_one_level_are_counted_once():
    parcels = parcels_of([sq(0, 0, 6, 4)])
    areas = areas_of([sq(0, 0, 4, 4), sq(2, 0, 5, 4)], ids=["A", "B"])
    smallest = release_summary(parcels, areas)
    assert by_id(smallest) == {"A": 8.0, "B": 12.0, OUTSIDE_ID: 4.0}
    order = release_summary(parcels, areas, overlap="order")
    assert by_id(order) == {"A": 16.0, "B": 4.0, OUTSIDE_ID: 4.0}
    # equal sizes: the lower area_id wins, whatever the row order
    same = areas_of([sq(2, 0, 6, 4), sq(0, 0, 4, 4)], ids=["B", "A"])
    assert by_id(release_summary(parcels, same)) == {"B": 8.0, "A": 16.0, OUTSIDE_ID: 0.0}


def test_prepared_areas_give_the_same_summary_and_travel_without_their_index():
    zone, park = sq(0, 0, 10, 10), sq(0, 0, 5, 5)
    areas = areas_of(
        [zone, park, sq(3, 0, 8, 5)],
        ids=["Z", "P", "Q"],
        kinds=["zone", "park", "park"],
        parents=[None, "Z", "Z"],
    )
    parcels = parcels_of([sq(4, 4, 6, 6), sq(20, 0, 21, 1), sq(-1, -1, 2, 9)])
    want = release_summary(parcels, areas, overlap="order")
    prepared = PreparedAreas(areas, overlap="order")
    for _ in range(2):  # the second call reuses the index built by the first
        pd.testing.assert_frame_equal(release_summary(parcels, prepared, overlap="order"), want)
    assert len(prepared.levels()) == 2
    back = pickle.loads(pickle.dumps(prepared))
    assert back._levels is None and len(pickle.dumps(prepared)) < 10_000
    pd.testing.assert_frame_equal(release_summary(parcels, back, overlap="order"), want)
    with pytest.raises(ReleaseError, match="already selected"):
        release_summary(parcels, prepared, area_ids=["P"], overlap="order")
    with pytest.raises(ReleaseError, match="overlap rule"):
        release_summary(parcels, prepared)


def test_parcel_outside_every_area():
    parcels = parcels_of([sq(50, 50, 51, 53)])
    out = release_summary(parcels, areas_of([sq(0, 0, 1, 1), sq(2, 2, 3, 3)]))
    assert by_id(out) == {"A0": 0.0, "A1": 0.0, OUTSIDE_ID: 3.0}
    assert out["n_parcels"].tolist() == [0, 0, 1]


def test_statuses_not_selected_are_left_out():
    parcels = parcels_of(
        [sq(0, 0, 1, 1), sq(0, 0, 2, 2), sq(0, 0, 3, 3), sq(0, 0, 4, 4)],
        statuses=["released", "operating", "in_production", "idle"],
    )
    assert release_total_m2(parcels) == pytest.approx(1.0 + 9.0)
    out = release_summary(parcels, by="status")
    assert dict(zip(out["status"], out["area_m2"], strict=True)) == {
        "released": 1.0,
        "in_production": 9.0,
    }
    out = release_summary(parcels, by="status", statuses=["idle", "operating"])
    assert out["status"].tolist() == ["operating", "idle"]  # lifecycle order
    assert out["area_m2"].tolist() == pytest.approx([4.0, 16.0])


def test_empty_selection():
    parcels = parcels_of([sq(0, 0, 1, 1)], statuses=["operating"])
    areas = areas_of([sq(0, 0, 1, 1)])
    out = release_summary(parcels, areas)
    assert by_id(out) == {"A0": 0.0, OUTSIDE_ID: 0.0}
    assert release_summary(parcels, areas, by=["area", "status"]).empty
    no_rows = parcels_of([sq(0, 0, 1, 1)], district=["复兴区"]).iloc[:0]
    assert release_summary(no_rows, by="district").empty


def test_combinations_and_other_dimensions():
    parcels = parcels_of(
        [sq(0, 0, 2, 1), sq(0, 1, 2, 2), sq(5, 5, 6, 6)],
        statuses=["released", "stored", "released"],
        district=["复兴区", "复兴区", "丛台区"],
        industry_before=["铸造", "钢铁", "铸造"],
        released_on=pd.to_datetime(["2017-05-01", None, "2018-01-01"]),
    )
    areas = areas_of([sq(1, 0, 3, 2)], ids=["Z"])
    out = release_summary(parcels, areas, by=["area", "status"])
    got = {(r.area_id, r.status): r.area_m2 for r in out.itertuples()}
    assert got == pytest.approx(
        {("Z", "released"): 1.0, ("Z", "stored"): 1.0, ("outside", "released"): 2.0,
         ("outside", "stored"): 1.0}
    )  # fmt: skip
    assert out["area_m2"].sum() == pytest.approx(5.0)
    years = release_summary(parcels, by="year")
    assert years["year"].tolist()[:2] == [2017, 2018] and pd.isna(years["year"].iloc[2])
    assert years["area_m2"].tolist() == pytest.approx([2.0, 1.0, 2.0])
    ind = release_summary(parcels, by=["industry", "district"])
    assert set(ind.columns) >= {"industry_before", "district", "area_mu"}
    assert ind["area_m2"].sum() == pytest.approx(5.0)


def test_release_pieces_conserve_each_parcel():
    parcels = parcels_of([sq(0, 0, 4, 2), sq(10, 10, 11, 11)])
    areas = areas_of([sq(-1, -1, 1, 3), sq(3, -1, 5, 3)])
    pieces = release_pieces(parcels, areas)
    assert pieces.groupby("parcel_id")["area_m2"].sum().to_dict() == pytest.approx(
        {"P0": 8.0, "P1": 1.0}
    )
    assert set(pieces["area_id"]) == {"A0", "A1", OUTSIDE_ID}


def test_bad_inputs_say_what_is_valid():
    parcels = parcels_of([sq(0, 0, 1, 1)])
    areas = areas_of([sq(0, 0, 1, 1)])
    with pytest.raises(ReleaseError, match="valid statuses: operating, to_release"):
        release_summary(parcels, areas, statuses=["freed"])
    with pytest.raises(ReleaseError, match="choose from area, status, year, industry, district"):
        release_summary(parcels, areas, by="owner")
    with pytest.raises(ReleaseError, match="valid kinds"):
        release_summary(parcels, areas, kinds=["village"])
    with pytest.raises(ReleaseError, match="add 'area' to by"):
        release_summary(parcels, areas, by="status", kinds=["park"])
    with pytest.raises(ReleaseError, match="needs the areas table"):
        release_summary(parcels)


def test_crs_is_checked():
    parcels = parcels_of([sq(0, 0, 1, 1)])
    with pytest.raises(CRSError, match="degrees"):
        release_summary(parcels.to_crs(4490), by="status")
    with pytest.raises(CRSError, match="different CRSs"):
        release_summary(parcels, areas_of([sq(0, 0, 1, 1)]).to_crs(4546))


@pytest.mark.skipif(not FUXING.exists(), reason="data/fuxing.gpkg not built")
def test_fuxing_freed_total_is_conserved():
    from geo.workspace import open_workspace

    ws = open_workspace(FUXING, validate=False)
    out = release_summary(ws.parcels, ws.areas)
    per_level = out.groupby("level")["area_mu"].sum()
    assert (per_level - 10_269).abs().max() <= 0.5
    total_mu = m2_to_mu(release_total_m2(ws.parcels))
    assert per_level.to_numpy() == pytest.approx(total_mu, rel=1e-9)
    by_status = release_summary(ws.parcels, ws.areas, by=["area", "status"])
    assert by_status.groupby("level")["area_mu"].sum().to_numpy() == pytest.approx(
        total_mu, rel=1e-9
    )
