"""Small hand-checkable workspace tables for tests (Handan, GK zone 38)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, box

GK = 4547
X0, Y0 = 500_000.0, 4_050_000.0  # Handan area, zone 38


def square(ix: float, iy: float, size_m: float = 100.0):
    """A ``size_m`` square whose lower-left corner is (ix, iy) cells of 200 m from the origin."""
    x, y = X0 + ix * 200.0, Y0 + iy * 200.0
    return box(x, y, x + size_m, y + size_m)


def tiny_tables() -> dict[str, pd.DataFrame]:
    """A valid workspace: 4 parcels, 2 areas, 1 road, 1 boundary, 1 enterprise, 1 milestone."""
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3", "P4"],
            "name": ["一号地块", "二号地块", "三号地块", "四号地块"],
            "district": ["复兴区"] * 4,
            "status": ["released", "stored", "operating", "supplied"],
            "land_use_now": ["100102", "100102", "100103", "100102"],
            "land_use_planned": ["100101", "070101", "100103", "0901"],
            "industry_before": ["铸造", "黑色金属冶炼和压延加工业", "通用设备制造业", "铸造"],
            "polluting_history": [True, True, False, True],
            "released_on": pd.to_datetime(["2018-05-01", "2019-01-01", None, "2017-03-01"]),
            "status_since": pd.to_datetime(
                ["2018-05-01", "2020-06-01", "2010-01-01", "2021-01-01"]
            ),
            "former_enterprise": ["甲铸造厂", "乙钢铁", None, "丙铸造"],
            "owner": ["甲", "乙", "丁", "丙"],
            "compensation_wan_yuan": [100.0, 2000.0, None, 50.0],
            "contact": ["张三", "李四", None, "王五"],
        },
        geometry=[square(0, 0), square(1, 0), square(0, 1), square(1, 1)],
        crs=GK,
    )
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["Z1", "K1"],
            "name": ["复兴经济开发区", "新型建材产业园"],
            "name_en": ["Fuxing Economic Development Zone", "New Building Materials Park"],
            "kind": ["zone", "park"],
            "layout": ["一区一园一廊", "一区一园一廊"],
            "far_min": [1.0, 0.8],
        },
        geometry=[
            box(X0 - 50, Y0 - 50, X0 + 150, Y0 + 350),
            box(X0 + 150, Y0 - 50, X0 + 350, Y0 + 350),
        ],
        crs=GK,
    )
    roads = gpd.GeoDataFrame(
        {"road_id": ["G309"], "name": ["国道309"]},
        geometry=[LineString([(X0 - 500, Y0 + 500), (X0 + 1000, Y0 + 500)])],
        crs=GK,
    )
    boundaries = gpd.GeoDataFrame(
        {"adcode": ["130404"], "name": ["复兴区"], "level": ["county"]},
        geometry=[box(X0 - 1000, Y0 - 1000, X0 + 2000, Y0 + 2000)],
        crs=GK,
    )
    enterprises = pd.DataFrame(
        {
            "enterprise_id": ["E1"],
            "name": ["丁机械"],
            "parcel_id": ["P3"],
            "land_mu_registered": [15.0],
            "land_mu_leased": [0.0],
            "scale": ["规上"],
            "year": [2023],
            "tax_wan": [300.0],
            "added_value_wan": [2000.0],
            "revenue_wan": [9000.0],
            "energy_tce": [800.0],
            "emissions_t": [1.2],
            "rd_wan": [270.0],
            "employees": [120],
            "electricity_mwh": [3000.0],
        }
    )
    milestones = pd.DataFrame(
        {
            "subject_id": ["Z1"],
            "milestone": ["项目确定"],
            "due": pd.to_datetime(["2018-12-31"]),
            "done": pd.to_datetime(["2018-12-20"]),
        }
    )
    return {
        "parcels": parcels,
        "areas": areas,
        "roads": roads,
        "boundaries": boundaries,
        "enterprises": enterprises,
        "milestones": milestones,
    }
