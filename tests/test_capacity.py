"""Capacity figures on hand-checkable squares (GK zone 38, metres)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import box

from geo.capacity import (
    CAPACITY_COLUMNS,
    CapacityError,
    area_capacity,
    containing_area,
    parcel_capacity,
)
from geo.crs import CRSError

GK = 4547
X0, Y0 = 500_000.0, 4_050_000.0


def sq(x: float, y: float, w: float = 100.0, h: float | None = None):
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + (w if h is None else h))


def parcels(*geoms, ids=None, status=None) -> gpd.GeoDataFrame:
    ids = ids or [f"p{i}" for i in range(len(geoms))]
    data = {"parcel_id": ids}
    if status is not None:
        data["status"] = status
    return gpd.GeoDataFrame(data, geometry=list(geoms), crs=GK)


def areas(rows: list[dict], geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(geoms), crs=GK)


def test_one_hectare_at_explicit_targets():
    p = parcels(sq(0, 0))  # 100 m × 100 m = 1 ha = 15 亩
    cap = parcel_capacity(
        p,
        far_min=1.2,
        far_max=2.5,
        coverage_min=0.4,
        invest_wan_per_mu=300.0,
        tax_wan_per_mu=20.0,
        output_wan_per_mu=500.0,
    )
    row = cap.iloc[0]
    assert row["area_m2"] == pytest.approx(10_000.0)
    assert row["area_mu"] == pytest.approx(15.0)
    assert row["floor_m2_min"] == pytest.approx(12_000.0)
    assert row["floor_m2_max"] == pytest.approx(25_000.0)
    assert row["footprint_m2_min"] == pytest.approx(4_000.0)
    assert row["invest_wan"] == pytest.approx(4_500.0)
    assert row["tax_wan_per_yr"] == pytest.approx(300.0)
    assert row["output_wan_per_yr"] == pytest.approx(7_500.0)


def test_targets_come_from_the_area_with_largest_overlap():
    # parcel 0..100 × 0..100; area A covers x 0..70 (70 %), area B x 70..200 (30 %)
    p = parcels(sq(0, 0))
    a = areas(
        [{"area_id": "A", "far_min": 1.0}, {"area_id": "B", "far_min": 2.0}],
        [sq(-50, -50, 120, 200), sq(70, -50, 130, 200)],
    )
    cap = parcel_capacity(p, a)
    assert cap.loc[0, "area_id"] == "A"
    assert cap.loc[0, "floor_m2_min"] == pytest.approx(10_000.0)


def test_nested_areas_tie_goes_to_the_smallest():
    p = parcels(sq(0, 0))
    a = areas(
        [
            {"area_id": "zone", "kind": "zone", "far_min": 1.0},
            {"area_id": "park", "kind": "park", "far_min": 1.5},
        ],
        [sq(-500, -500, 2000), sq(-10, -10, 200)],
    )
    assert containing_area(p, a)["area_id"].tolist() == ["park"]
    assert parcel_capacity(p, a).loc[0, "far_min"] == 1.5


def test_areas_without_targets_do_not_compete():
    p = parcels(sq(0, 0))
    a = areas(
        [{"area_id": "plate", "far_min": np.nan}, {"area_id": "zone", "far_min": 1.1}],
        [sq(-10, -10, 200), sq(-500, -500, 2000)],
    )
    assert containing_area(p, a)["area_id"].tolist() == ["zone"]
    everything = containing_area(p, a, require_targets=False)
    assert everything["area_id"].tolist() == ["plate"]


def test_only_the_latest_version_of_an_area_counts():
    p = parcels(sq(0, 0))
    a = areas(
        [
            {"area_id": "C", "version": 1, "far_min": 0.8},
            {"area_id": "C", "version": 2, "far_min": 1.2},
        ],
        [sq(-10, -10, 200), sq(-20, -20, 300)],
    )
    assert parcel_capacity(p, a).loc[0, "far_min"] == 1.2


def test_explicit_target_overrides_only_that_target():
    p = parcels(sq(0, 0))
    a = areas([{"area_id": "A", "far_min": 1.0, "coverage_min": 0.3}], [sq(-10, -10, 200)])
    cap = parcel_capacity(p, a, far_min=2.0)
    assert cap.loc[0, "far_min"] == 2.0
    assert cap.loc[0, "coverage_min"] == 0.3
    assert cap.loc[0, "footprint_m2_min"] == pytest.approx(3_000.0)


def test_parcel_outside_every_area_has_missing_figures():
    p = parcels(sq(5000, 5000))
    a = areas([{"area_id": "A", "far_min": 1.0}], [sq(0, 0)])
    cap = parcel_capacity(p, a)
    assert pd.isna(cap.loc[0, "area_id"])
    assert cap[list(CAPACITY_COLUMNS)].isna().all(axis=None)


def test_area_capacity_gross_uses_the_area_polygon():
    a = areas([{"area_id": "A", "far_min": 1.5, "invest_wan_per_mu": 200.0}], [sq(0, 0, 200, 100)])
    row = area_capacity(a).iloc[0]
    assert row["land_mu"] == pytest.approx(30.0)
    assert row["floor_m2_min"] == pytest.approx(30_000.0)
    assert row["invest_wan"] == pytest.approx(6_000.0)


def test_area_capacity_from_parcels_conserves_totals():
    p = parcels(sq(0, 0), sq(200, 0), sq(400, 0), sq(5000, 0), status=["stored"] * 3 + ["released"])
    a = areas(
        [{"area_id": "A", "far_min": 1.0}, {"area_id": "B", "far_min": 2.0}],
        [sq(-10, -10, 320, 120), sq(390, -10, 120, 120)],
    )
    per_parcel = parcel_capacity(p, a)
    per_area = area_capacity(a, parcels=p)
    assigned = per_parcel[per_parcel["area_id"].notna()]
    assert per_area["land_m2"].sum() == pytest.approx(assigned["area_m2"].sum())
    assert per_area["floor_m2_min"].sum() == pytest.approx(assigned["floor_m2_min"].sum())
    assert per_area.set_index("area_id")["parcels"].to_dict() == {"A": 2, "B": 1}
    assert per_area.set_index("area_id")["floor_m2_min"].to_dict() == pytest.approx(
        {"A": 20_000.0, "B": 20_000.0}
    )
    only_released = area_capacity(a, parcels=p, statuses=["released"])
    assert only_released["parcels"].sum() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"far_min": -1.0}, "far_min negative"),
        ({"coverage_min": 35.0}, "coverage_min above 1"),
        ({"far_min": 2.0, "far_max": 1.0}, "far_min above far_max"),
    ],
)
def test_negative_or_inconsistent_targets_are_refused(kwargs, message):
    with pytest.raises(CapacityError, match=message):
        parcel_capacity(parcels(sq(0, 0)), **kwargs)


def test_geographic_crs_is_refused_with_advice():
    p = gpd.GeoDataFrame(
        {"parcel_id": ["p"]}, geometry=[box(114.0, 36.0, 114.001, 36.001)], crs=4490
    )
    with pytest.raises(CRSError, match="to_projected"):
        parcel_capacity(p, far_min=1.0)


def test_mismatched_crs_is_refused():
    p = parcels(sq(0, 0))
    a = areas([{"area_id": "A", "far_min": 1.0}], [sq(0, 0)]).to_crs(4526)
    with pytest.raises(CRSError, match="different CRSs"):
        containing_area(p, a)
