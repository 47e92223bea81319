"""Layout analysis (geo.layout): corridors from roads, elements, freed land per element."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely import LineString, Point, box

from geo.layout import (
    LayoutError,
    corridor_from_road,
    derive_corridors,
    layout_elements,
    layout_names,
    layout_summary,
)
from geo.release import OUTSIDE_ID, ReleaseError

GK = 4547
X0, Y0 = 500_000.0, 4_050_000.0
WUAN = Path(__file__).resolve().parent.parent / "data" / "wuan.gpkg"
FUXING = Path(__file__).resolve().parent.parent / "data" / "fuxing.gpkg"


def sq(x0, y0, x1, y1):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def road(*xy):
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


@pytest.fixture
def plan():
    """一区一园一廊 around a road, and a site with two plates."""
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["Z", "K", "C", "S", "S-1", "S-2"],
            "name": ["开发区", "产业园", "廊道", "厂区", "板块一", "板块二"],
            "kind": ["zone", "park", "corridor", "site", "plate", "plate"],
            "layout": ["一区一园一廊"] * 3 + ["东山"] * 3,
            "parent_id": [None, None, None, None, "S", "S"],
            "road_id": [None, None, "G1", None, None, None],
            "corridor_width_m": [None, None, 100.0, None, None, None],
        },
        geometry=[
            sq(0, 0, 400, 400),
            sq(400, 0, 800, 400),
            None,  # derived from road G1
            sq(2000, 0, 2400, 400),
            sq(2000, 0, 2200, 400),
            sq(2200, 0, 2400, 200),
        ],
        crs=GK,
    )
    roads = gpd.GeoDataFrame(
        {"road_id": ["G1"], "name": ["国道"]},
        geometry=[road((0, 1000), (1000, 1000))],
        crs=GK,
    )
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["a", "b", "c", "d", "e"],
            "status": ["released", "stored", "supplied", "released", "operating"],
        },
        geometry=[
            sq(300, 100, 500, 200),  # half zone, half park: 10000 + 10000
            sq(100, 900, 200, 1100),  # corridor strip 950-1050 of it: 10000 of 20000
            sq(3000, 0, 3100, 100),  # outside: 10000
            sq(2100, 100, 2300, 300),  # site; plate 1: 20000, plate 2: 10000
            sq(0, 0, 100, 100),  # operating: not freed
        ],
        crs=GK,
    )
    return parcels, areas, roads


def test_corridor_width_is_total_width():
    line = LineString([(0, 0), (1000, 0)])
    flat = corridor_from_road(line, 200.0, cap_style="flat")
    assert flat.bounds == (0.0, -100.0, 1000.0, 100.0)
    assert flat.area == pytest.approx(200_000.0)
    rnd = corridor_from_road(line, 200.0)
    assert rnd.area == pytest.approx(200_000.0 + math.pi * 100.0**2, rel=1e-3)
    assert rnd.contains(Point(500, 99.9)) and not rnd.contains(Point(500, 100.1))


@pytest.mark.parametrize("width", [0, -5, float("nan"), float("inf"), "wide", None])
def test_corridor_rejects_bad_widths(width):
    with pytest.raises(LayoutError, match="positive number of metres"):
        corridor_from_road(LineString([(0, 0), (1, 0)]), width)


def test_corridor_needs_a_line():
    with pytest.raises(LayoutError, match="road line, got Polygon"):
        corridor_from_road(box(0, 0, 1, 1), 10.0)


def test_derive_corridors(plan):
    _, areas, roads = plan
    out = derive_corridors(areas, roads)
    c = out.set_index("area_id").geometry["C"]
    assert c.bounds[1] == pytest.approx(Y0 + 950.0) and c.bounds[3] == pytest.approx(Y0 + 1050.0)
    assert out.set_index("area_id").geometry["Z"].equals(areas.set_index("area_id").geometry["Z"])
    wide = derive_corridors(areas, roads, width_m=300.0).set_index("area_id").geometry["C"]
    assert wide.bounds[3] - wide.bounds[1] == pytest.approx(300.0)
    with pytest.raises(LayoutError, match="no roads table"):
        derive_corridors(areas, None)
    other = roads.assign(road_id=["G2"])
    with pytest.raises(LayoutError, match="not in the roads table; roads: G2"):
        derive_corridors(areas, other)


def test_layout_elements_by_name_or_parent(plan):
    _, areas, _ = plan
    assert layout_names(areas) == ["一区一园一廊", "东山"]
    assert layout_elements(areas, "一区一园一廊")["area_id"].tolist() == ["Z", "K", "C"]
    assert layout_elements(areas, "S")["area_id"].tolist() == ["S", "S-1", "S-2"]
    with pytest.raises(LayoutError, match="layouts: 一区一园一廊, 东山; areas with plates"):
        layout_elements(areas, "五园三基地")
    assert issubclass(LayoutError, ReleaseError)


def test_layout_summary_per_element_and_outside(plan):
    parcels, areas, roads = plan
    out = layout_summary(parcels, areas, "一区一园一廊", roads=roads)
    got = dict(zip(out["area_id"], out["area_m2"].round(6), strict=True))
    total = 20_000 + 20_000 + 10_000 + 40_000
    assert got == pytest.approx(
        {"Z": 10_000.0, "K": 10_000.0, "C": 10_000.0, OUTSIDE_ID: total - 30_000.0}
    )
    assert out["share"].sum() == pytest.approx(1.0)
    assert out["area_m2"].sum() == pytest.approx(total, rel=1e-9)


def test_site_plates_nest_below_the_site(plan):
    parcels, areas, roads = plan
    out = layout_summary(parcels, areas, "S", roads=roads)
    lv0 = out[out["level"] == 0].set_index("area_id")["area_m2"]
    lv1 = out[out["level"] == 1].set_index("area_id")["area_m2"]
    assert lv0["S"] == pytest.approx(40_000.0)
    assert lv1[["S-1", "S-2"]].tolist() == pytest.approx([20_000.0, 10_000.0])
    assert lv0.sum() == pytest.approx(lv1.sum(), rel=1e-9)
    shares = out.groupby("level")["share"].sum().to_numpy()
    assert shares == pytest.approx(np.ones(2))


def test_layout_summary_needs_area_grouping_and_geometry(plan):
    parcels, areas, roads = plan
    with pytest.raises(LayoutError, match="grouped by area"):
        layout_summary(parcels, areas, "一区一园一廊", roads=roads, by="status")
    blank = areas.copy()
    blank.loc[blank["area_id"] == "K", "geometry"] = None
    with pytest.raises(LayoutError, match="K of layout"):
        layout_summary(parcels, blank, "一区一园一廊", roads=roads)
    by_status = layout_summary(parcels, areas, "一区一园一廊", roads=roads, by=["area", "status"])
    assert set(by_status["status"]) == {"released", "stored", "supplied"}


@pytest.mark.skipif(not WUAN.exists(), reason="data/wuan.gpkg not built")
def test_wuan_plates_within_their_sites():
    from geo.workspace import open_workspace

    ws = open_workspace(WUAN, validate=False)
    for site in ("WA-DS", "WA-GY"):
        out = layout_summary(ws.parcels, ws.areas, site)
        lv = out.groupby("level")["area_m2"].sum()
        assert lv.to_numpy() == pytest.approx(lv.iloc[0], rel=1e-9)
        site_m2 = out[(out["level"] == 0) & (out["area_id"] == site)]["area_m2"].iloc[0]
        plates = out[(out["level"] == 1) & (out["area_id"] != OUTSIDE_ID)]["area_m2"].sum()
        assert plates <= site_m2 * (1 + 1e-9)


@pytest.mark.skipif(not FUXING.exists(), reason="data/fuxing.gpkg not built")
def test_fuxing_layouts_conserve_freed_land():
    from geo.workspace import open_workspace

    ws = open_workspace(FUXING, validate=False)
    for name in ("一区一园一廊", "五园三基地"):
        out = layout_summary(ws.parcels, ws.areas, name, roads=ws.get("roads"))
        assert (out.groupby("level")["area_mu"].sum() - 10_269).abs().max() <= 0.5
