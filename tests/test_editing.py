"""Geometry operations, checks, ids and conservation of figures (geo.editing).

Hand-made squares in metres; the demo workspace data/fuxing.gpkg (copied)
for the release summaries before and after a split and a merge.
"""

from __future__ import annotations

import re
import shutil

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from geo.crs import M2_PER_MU
from geo.editing import (
    GeometryEdit,
    GeometryError,
    Tolerances,
    check_edit,
    child_ids,
    merge,
    merged_id,
    plan_merge,
    plan_split_into_lots,
    reshape,
    save_edit,
    split_by_line,
    split_into_lots,
)
from geo.release import release_summary
from geo.store import open_store
from geo.workspace import open_workspace

SQ = box(0, 0, 100, 100)


# ---------------------------------------------------------------- operations
def test_three_equal_lots_of_a_100_m_square():
    lots = split_into_lots(SQ, 3)
    assert [round(p.area, 2) for p in lots] == [3333.33, 3333.33, 3333.33]
    assert abs(sum(p.area for p in lots) - 10_000) < 0.01
    assert [round(p.centroid.x) for p in lots] == [17, 50, 83]  # west to east
    ns = split_into_lots(SQ, 3, direction="ns")
    assert [round(p.centroid.y) for p in ns] == [83, 50, 17]  # north to south


def test_lots_of_given_areas_the_last_takes_the_remainder():
    lots = split_into_lots(SQ, areas_mu=[3.0, 4.5])
    assert len(lots) == 3
    assert lots[0].area == pytest.approx(3.0 * M2_PER_MU, abs=0.01)
    assert lots[1].area == pytest.approx(4.5 * M2_PER_MU, abs=0.01)
    assert lots[2].area == pytest.approx(10_000 - 7.5 * M2_PER_MU, abs=0.01)
    # n lots with n areas: the last area is the remainder
    two = split_into_lots(SQ, 2, areas_mu=[5.0, 99.0 / 10])
    assert two[1].area == pytest.approx(10_000 - 5.0 * M2_PER_MU, abs=0.01)


def test_lots_of_a_concave_parcel_keep_their_areas():
    ell = Polygon([(0, 0), (100, 0), (100, 30), (30, 30), (30, 100), (0, 100)])
    lots = split_into_lots(ell, 4, direction="ns")
    for lot in lots:
        assert lot.area == pytest.approx(ell.area / 4, abs=0.01)
    assert shapely.union_all(lots).symmetric_difference(ell).area < 0.01


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"areas_mu": [10.0, 6.0]}, "more than the parcel's 15.00 亩"),
        ({"n": 1}, "at least 2 lots"),
        ({}, "give the number of lots"),
        ({"areas_mu": [-1.0]}, "must be positive"),
        ({"n": 5, "areas_mu": [1.0, 1.0]}, "give N areas, or N-1"),
        ({"areas_mu": [7.5, 7.5], "n": 3}, "no land left for lot 3"),
        ({"n": 2, "direction": "up"}, "direction must be"),
    ],
)
def test_bad_lot_requests_are_refused(kw, match):
    with pytest.raises(GeometryError, match=match):
        split_into_lots(SQ, **kw)


def test_split_by_line_in_two_and_in_five():
    two = split_by_line(SQ, LineString([(40, -10), (40, 110)]))
    assert [round(p.area) for p in two] == [4000, 6000]
    zigzag = LineString([(-1, 10), (101, 30), (-1, 50), (101, 70), (-1, 90)])
    five = split_by_line(SQ, zigzag)
    assert len(five) == 5 and abs(sum(p.area for p in five) - 10_000) < 1e-6
    # a line crossing twice (in and out of a notch) makes 3 parts, all kept
    u = Polygon([(0, 0), (100, 0), (100, 100), (60, 100), (60, 40), (40, 40), (40, 100), (0, 100)])
    three = split_by_line(u, LineString([(-1, 70), (101, 70)]))
    assert len(three) == 3 and abs(sum(p.area for p in three) - u.area) < 1e-6


@pytest.mark.parametrize(
    ("line", "match"),
    [
        (LineString([(200, 0), (200, 100)]), "does not touch the parcel"),
        (LineString([(50, -10), (50, 50)]), "ends inside"),
        (LineString([(0, -10), (0, 110)]), "ends inside or only touches"),
        (shapely.Point(5, 5), "must be a LineString"),
    ],
)
def test_split_lines_that_do_not_cross_are_refused(line, match):
    with pytest.raises(GeometryError, match=match):
        split_by_line(SQ, line)


def test_merge_two_touching_squares_and_refuse_apart_ones():
    assert merge([SQ, box(100, 0, 200, 100)]).area == 20_000
    # a digitising gap of 1 cm is closed
    assert merge([SQ, box(100.01, 0, 200, 100)]).geom_type == "Polygon"
    with pytest.raises(GeometryError, match="C do"):
        merge([SQ, box(100, 0, 200, 100), box(300, 0, 400, 100)], ids=["A", "B", "C"])
    with pytest.raises(GeometryError, match="only at a corner"):
        merge([SQ, box(100, 100, 200, 200)], ids=["A", "B"])
    with pytest.raises(GeometryError, match="two or more"):
        merge([SQ])


def test_reshape_refuses_a_self_intersecting_outline():
    bowtie = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    with pytest.raises(GeometryError, match=r"invalid .*Self-intersection"):
        reshape(bowtie)
    assert reshape(SQ) is SQ


def test_new_ids_skip_existing_and_retired_ones():
    assert child_ids("FX-0123", 3, set()) == ["FX-0123-1", "FX-0123-2", "FX-0123-3"]
    assert child_ids("FX-0123", 2, {"FX-0123-1"}) == ["FX-0123-2", "FX-0123-3"]
    assert merged_id(["FX-1", "FX-2"], set()) == "FX-1-M"
    assert merged_id(["FX-1", "FX-2"], {"FX-1-M", "FX-1-M2"}) == "FX-1-M3"


# ---------------------------------------------------------------- checks
def _frames(*geoms, ids=None, boundary=box(-1000, -1000, 1000, 1000), retired=()):
    ids = ids or [f"P{i + 1}" for i in range(len(geoms))]
    parcels = gpd.GeoDataFrame({"parcel_id": ids}, geometry=list(geoms), crs=4547)
    out = {
        "parcels": parcels,
        "boundaries": gpd.GeoDataFrame({"name": ["d"]}, geometry=[boundary], crs=4547),
    }
    if retired:
        out["retired"] = pd.DataFrame({"parcel_id": list(retired)})
    return out


def test_a_clean_split_has_no_problem():
    frames = _frames(SQ, box(100, 0, 200, 100))
    assert check_edit(frames, GeometryEdit("split", ["P1"], split_into_lots(SQ, 3))) == []


def test_a_lot_crossing_a_neighbour_and_leaving_its_parent():
    frames = _frames(SQ, box(100, 0, 200, 100))
    lots = [box(0, 0, 50, 100), box(50, 0, 110, 100)]  # 10 m into P2
    kinds = {p.kind for p in check_edit(frames, GeometryEdit("split", ["P1"], lots))}
    assert kinds == {"overlap", "outside_parent", "area_not_conserved"}
    problems = check_edit(frames, GeometryEdit("split", ["P1"], lots))
    overlap = next(p for p in problems if p.kind == "overlap")
    assert overlap.parcel_id == "P1-2" and "P2" in overlap.message_en and "P2" in overlap.message_zh
    cjk = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
    assert not any(cjk.search(p.message_en) for p in problems)  # the UI's English mode
    assert overlap.geometry_of_problem.area == pytest.approx(1000)


def test_overlap_tolerance_is_configurable():
    frames = _frames(SQ, box(100, 0, 200, 100))
    edit = GeometryEdit("reshape", ["P1"], [box(0, 0, 100.004, 100)])  # 0.4 m² into P2
    assert check_edit(frames, edit) == []
    strict = check_edit(frames, edit, tolerances=Tolerances(overlap_m2=0.1))
    assert [p.kind for p in strict] == ["overlap"]


def test_outside_the_district_a_sliver_and_an_invalid_outline():
    frames = _frames(SQ, boundary=box(-1000, -1000, 1000, 1000))
    out = check_edit(frames, GeometryEdit("reshape", ["P1"], [box(900, 0, 1100, 100)]))
    assert [p.kind for p in out] == ["outside_district"]
    assert out[0].geometry_of_problem.area == pytest.approx(10_000)
    thin = [box(0, 0, 99.5, 100), box(99.5, 0, 100, 100)]  # a 0.5 m strip
    assert [p.kind for p in check_edit(frames, GeometryEdit("split", ["P1"], thin))] == ["sliver"]
    tiny = GeometryEdit("create", [], [box(500, 500, 503, 503)], ["N"])
    assert [p.kind for p in check_edit(frames, tiny)] == ["sliver"]
    bowtie = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    bad = check_edit(frames, GeometryEdit("reshape", ["P1"], [bowtie]))
    assert [p.kind for p in bad] == ["invalid"] and bad[0].geometry_of_problem.geom_type == "Point"


def test_unknown_retired_and_taken_ids_are_problems():
    frames = _frames(SQ, box(100, 0, 200, 100), retired=["OLD"])
    assert [p.kind for p in check_edit(frames, GeometryEdit("retire", ["NOPE"]))] == ["unknown_id"]
    assert [p.kind for p in check_edit(frames, GeometryEdit("retire", ["OLD"]))] == ["retired_id"]
    taken = GeometryEdit("create", [], [box(500, 500, 600, 600)], ["OLD"])
    assert [p.kind for p in check_edit(frames, taken)] == ["id_taken"]


# ---------------------------------------------------------------- conservation on a demo
def _summaries(ws) -> dict[str, pd.DataFrame]:
    p, a = ws.parcels, ws.areas
    return {
        "area": release_summary(p, a, by="area"),
        "status": release_summary(p, by="status"),
        "year": release_summary(p, by="year"),
    }


def _totals(summ: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    out = {}
    for name, df in summ.items():
        key = [c for c in ("level", "area_id", "status", "year") if c in df.columns]
        out[name] = df.set_index(key)["area_m2"].sort_index()
    return out


@pytest.fixture
def fuxing_copy(tmp_path):
    return shutil.copy("data/fuxing.gpkg", tmp_path / "fuxing.gpkg")


def test_split_and_merge_conserve_every_release_summary(fuxing_copy):
    ws = open_workspace(fuxing_copy)
    before = _totals(_summaries(ws))
    freed = ws.parcels[ws.parcels["status"] == "released"]
    parent = str(freed["parcel_id"].iloc[0])
    parent_m2 = float(freed.geometry.area.iloc[0])
    with open_store(fuxing_copy, user="王工") as store:
        r = save_edit(store, ws, plan_split_into_lots(ws, parent, 3), expected={parent: 0})
    ws2 = open_workspace(fuxing_copy)
    kids = ws2.parcels[ws2.parcels["parcel_id"].isin(r.new_ids)]
    assert abs(kids.geometry.area.sum() - parent_m2) < 0.01  # to 0.01 m²
    after = _totals(_summaries(ws2))
    # the selective reader (summaries of large workspaces) leaves the parent out too
    from geo.workspace import read_selection

    cols = ["parcel_id", "status", "area_mu"]
    sel0 = read_selection("data/fuxing.gpkg", parcel_columns=cols, statuses=["released"])
    sel = read_selection(fuxing_copy, parcel_columns=cols, statuses=["released"])
    assert parent not in set(sel.parcels["parcel_id"]) and set(r.new_ids) <= set(
        sel.parcels["parcel_id"]
    )
    assert sel.parcels["area_mu"].sum() == pytest.approx(sel0.parcels["area_mu"].sum(), abs=1e-5)
    for name in before:
        pd.testing.assert_series_equal(before[name], after[name], atol=0.01, check_exact=False)
    # merge two of the lots back: the same figures again
    with open_store(fuxing_copy, user="王工") as store:
        save_edit(store, ws2, plan_merge(ws2, list(r.new_ids[:2])))
    ws3 = open_workspace(fuxing_copy)
    assert len(ws3.parcels) == len(ws.parcels) + 1 and len(ws3.retired) == 3
    after_merge = _totals(_summaries(ws3))
    for name in before:
        pd.testing.assert_series_equal(
            before[name], after_merge[name], atol=0.01, check_exact=False
        )
