"""Demo workspace ``wuan``: 武安市 (adcode 130481), GK zone 38.

Published (``shared/sources/wuan_dongshan_guangyao_plan.txt``, 武安市推动产能
退出企业转型发展工作方案): the 东山 steel site becomes 东山创意产业园区, in the
east of the main urban area next to the 千亩 东山森林公园, 退二进三, five plates;
the 广耀 steel site becomes 广耀创新产业园区, planned as an industrial "enclave"
(飞地), six plates; projects fixed by the end of 2018, approvals and drawings by
the end of April 2019, main construction ready by the end of November 2020; each
firm funds 2,000 万元 of planning.

Invented: all geometry (schematic), parcel subdivision, statuses and dates,
planned land-use codes, planning targets, which milestones were met.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import mu_to_m2
from geo.demo import _common as c

logger = logging.getLogger(__name__)

NAME = "wuan"
SEED = 130481
ADCODE = "130481"
DISTRICT = "武安市"

URBAN_CENTRE_LONLAT = (114.205, 36.700)
"""Centre of Wu'an's main urban area (approximate, WGS84)."""
PLANNING_FUND_WAN = 2000.0
"""Each firm funds 2,000 万元 of planning (published)."""
FOREST_PARK_MU = 1000.0
"""东山森林公园, "千亩" (published as about 1,000 亩; the outline is schematic)."""

DONGSHAN_PLATES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "WA-DS-1",
        "城市综合体",
        "Urban complex",
        ("070101", "080403", "080601", "0901", "0902", "0903", "0802", "070101"),
    ),
    (
        "WA-DS-2",
        "大健康",
        "Health and wellness",
        ("080701", "080602", "090104", "0806", "1401", "080701"),
    ),
    ("WA-DS-3", "文化创意", "Culture and creative industries", ("0803", "0902", "0901", "0803")),
    ("WA-DS-4", "新一代信息技术", "Next-generation IT", ("0802", "100101", "0902", "100101")),
    ("WA-DS-5", "互联网+医疗", "Internet + health care", ("0802", "100101", "0802", "100101")),
)
"""东山 plates (names published) with the planned uses of their parcels (invented)."""

GUANGYAO_PLATES: tuple[tuple[str, str, str], ...] = (
    ("WA-GY-1", "智能装备制造", "Intelligent equipment manufacturing"),
    ("WA-GY-2", "高端智能机器人", "High-end intelligent robots"),
    ("WA-GY-3", "新能源电动汽车全产业链", "New-energy electric vehicle chain"),
    ("WA-GY-4", "节能环保", "Energy saving and environmental protection"),
    ("WA-GY-5", "生物工程", "Bioengineering"),
    ("WA-GY-6", "高新科技", "High technology"),
)
"""广耀 plates (names published)."""

MILESTONES: tuple[tuple[str, str, str], ...] = (
    ("项目确定", "2018-12-31", "确定转型发展投资项目，报市发展改革局备案"),
    ("审批及图纸", "2019-04-30", "完成项目前置审批手续，出具项目建设施工图纸"),
    ("主体建设", "2020-11-30", "完成项目主体建设且具备投运条件"),
)
"""The plan's deadlines (published)."""


def _site_areas(
    frame: c.Frame, inner: BaseGeometry
) -> tuple[gpd.GeoDataFrame, dict[str, tuple[float, float, float, float]]]:
    """Sites, plates and the forest park; returns the table and plate bounds."""
    rows: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []
    plate_bounds: dict[str, tuple[float, float, float, float]] = {}
    common = {"version": 1, "valid_from": pd.Timestamp("2018-08-01")}

    # 东山: just east of the main urban area
    cx, cy = frame.xy(114.236, 36.702)
    w, h = 1400.0, 1000.0
    x0, y0, x1, y1 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    site = c.rect(x0, y0, w, h)
    c.require_within(site, inner, "东山 site")
    rows.append(
        {
            "area_id": "WA-DS",
            "name": "东山创意产业园区",
            "name_en": "Dongshan Creative Industry Park",
            "kind": "site",
            "layout": "东山创意产业园区",
            "parent_id": None,
            "target_industries": "城市综合体、大健康、文化创意、新一代信息技术、互联网+医疗",
            "far_min": 1.5,
            "far_max": 3.5,
            "former_enterprise": "东山钢铁",
            "planning_fund_wan": PLANNING_FUND_WAN,
            **common,
        }
    )
    geoms.append(site)
    xa, xb = x0 + 0.4 * w, x0 + 0.7 * w
    ym = y0 + 0.5 * h
    ds_bounds = {
        "WA-DS-1": (x0, y0, xa, y1),
        "WA-DS-3": (xa, ym, xb, y1),
        "WA-DS-4": (xa, y0, xb, ym),
        "WA-DS-2": (xb, ym, x1, y1),
        "WA-DS-5": (xb, y0, x1, ym),
    }
    for pid, pname, en, _uses in DONGSHAN_PLATES:
        b = ds_bounds[pid]
        industrial = pid in ("WA-DS-4", "WA-DS-5")
        targets = (
            c.planning_targets(
                far_min=1.2,
                far_max=3.0,
                invest_wan_per_mu=300,
                tax_wan_per_mu=25,
                output_wan_per_mu=500,
            )
            if industrial
            else {
                "far_min": 2.0 if pid == "WA-DS-1" else 1.2,
                "far_max": 3.5 if pid == "WA-DS-1" else 2.5,
            }
        )
        rows.append(
            {
                "area_id": pid,
                "name": pname,
                "name_en": en,
                "kind": "plate",
                "layout": "东山创意产业园区",
                "parent_id": "WA-DS",
                "target_industries": pname,
                **targets,
                **common,
            }
        )
        geoms.append(shapely.box(*b))
        plate_bounds[pid] = b

    # 东山森林公园: shares the site's east edge; a trapezoid of exactly FOREST_PARK_MU
    ys, yn = y0 - 250.0, y1 + 150.0
    height = yn - ys
    top_w = 620.0
    bottom_w = 2.0 * float(mu_to_m2(FOREST_PARK_MU)) / height - top_w
    park = shapely.Polygon([(x1, ys), (x1 + bottom_w, ys), (x1 + top_w, yn), (x1, yn)])
    c.require_within(park, inner, "东山森林公园")
    rows.append(
        {
            "area_id": "WA-GR1",
            "name": "东山森林公园",
            "name_en": "Dongshan Forest Park",
            "kind": "green",
            "layout": "东山创意产业园区",
            "parent_id": None,
            "target_industries": None,
            **common,
        }
    )
    geoms.append(park)

    # 广耀: an enclave away from the urban area
    gx, gy = frame.xy(114.275, 36.632)
    w, h = 1650.0, 1100.0
    g0, h0 = gx - w / 2, gy - h / 2
    gsite = c.rect(g0, h0, w, h)
    c.require_within(gsite, inner, "广耀 site")
    rows.append(
        {
            "area_id": "WA-GY",
            "name": "广耀创新产业园区",
            "name_en": "Guangyao Innovation Industry Park",
            "kind": "site",
            "layout": "广耀创新产业园区",
            "parent_id": None,
            "target_industries": "、".join(name for _, name, _ in GUANGYAO_PLATES),
            **c.planning_targets(
                far_min=1.0,
                far_max=2.5,
                invest_wan_per_mu=300,
                tax_wan_per_mu=20,
                output_wan_per_mu=450,
            ),
            "former_enterprise": "广耀钢铁",
            "planning_fund_wan": PLANNING_FUND_WAN,
            "enclave": True,
            **common,
        }
    )
    geoms.append(gsite)
    blocks = c.split_rect((g0, h0, g0 + w, h0 + h), 3, 2, gap_m=0.0)
    far = {"WA-GY-5": (1.2, 2.5), "WA-GY-6": (1.5, 3.0)}
    for (pid, pname, en), b in zip(GUANGYAO_PLATES, blocks, strict=True):
        fmin, fmax = far.get(pid, (1.0, 2.0))
        rows.append(
            {
                "area_id": pid,
                "name": pname,
                "name_en": en,
                "kind": "plate",
                "layout": "广耀创新产业园区",
                "parent_id": "WA-GY",
                "target_industries": pname,
                **c.planning_targets(
                    far_min=fmin,
                    far_max=fmax,
                    invest_wan_per_mu=300,
                    tax_wan_per_mu=20,
                    output_wan_per_mu=450,
                ),
                **common,
            }
        )
        geoms.append(b)
        plate_bounds[pid] = b.bounds
    return frame.gdf(pd.DataFrame(rows), geoms), plate_bounds


def _parcels(
    rng: np.random.Generator,
    frame: c.Frame,
    plate_bounds: dict[str, tuple[float, float, float, float]],
) -> gpd.GeoDataFrame:
    records: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []
    uses = {pid: u for pid, _, _, u in DONGSHAN_PLATES}
    gy_uses = ("100101", "100101", "100102", "0802")
    for pid, b in plate_bounds.items():
        dongshan = pid.startswith("WA-DS")
        inset = (b[0] + 10.0, b[1] + 10.0, b[2] - 10.0, b[3] - 10.0)
        plate_uses = uses[pid] if dongshan else gy_uses
        n = len(plate_uses)
        nx, ny = (n // 2, 2) if n >= 4 else (n, 1)
        blocks = c.split_rect(inset, nx, ny, gap_m=18.0)
        released = pd.Timestamp("2017-06-30" if dongshan else "2017-09-30")
        for k, geom in enumerate(blocks):
            planned = plate_uses[k % n]
            p_status = [0.4, 0.35, 0.2, 0.05] if dongshan else [0.45, 0.4, 0.15, 0.0]
            status = str(
                rng.choice(["released", "stored", "supplied", "in_production"], p=p_status)
            )
            rel = released + pd.Timedelta(days=int(rng.integers(0, 120)))
            since = rel
            if status != "released":
                since = pd.Timestamp("2018-03-01") + pd.Timedelta(days=int(rng.integers(0, 300)))
            if status in ("supplied", "in_production"):
                since = pd.Timestamp("2019-05-01") + pd.Timedelta(days=int(rng.integers(0, 500)))
            if status == "in_production":
                since = pd.Timestamp("2021-06-01") + pd.Timedelta(days=int(rng.integers(0, 400)))
            firm = "东山钢铁" if dongshan else "广耀钢铁"
            owner = {"released": firm, "stored": "武安市土地储备中心"}.get(
                status, f"{firm}转型项目公司"
            )
            now = {"released": "100103", "stored": "16"}.get(status, planned)
            records.append(
                {
                    "name": f"{'东山' if dongshan else '广耀'}{pid[-1]}-{k + 1}号地块",
                    "district": DISTRICT,
                    "status": status,
                    "land_use_now": now,
                    "land_use_planned": planned,
                    "industry_before": "黑色金属冶炼和压延加工业",
                    "polluting_history": True,
                    "released_on": rel,
                    "status_since": since,
                    "former_enterprise": firm,
                    "owner": owner,
                    "compensation_wan_yuan": None,
                    "contact": c.person_contact(rng),
                    "plate_id": pid,
                }
            )
            geoms.append(geom)
    parcels = frame.gdf(pd.DataFrame(records), geoms)
    parcels.insert(0, "parcel_id", [f"WA-{i + 1:04d}" for i in range(len(parcels))])
    parcels["area_mu"] = np.round(parcels.geometry.area.to_numpy() / float(mu_to_m2(1.0)), 2)
    return parcels


def build_tables(seed: int = SEED) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """All tables and meta of the ``wuan`` workspace (same seed, same tables)."""
    rng = np.random.default_rng(seed)
    boundary_ll = c.boundary_lonlat(ADCODE)
    frame = c.Frame.for_geometry(boundary_ll)
    district = frame.project(boundary_ll)
    inner = district.buffer(-200.0)
    areas, plate_bounds = _site_areas(frame, inner)
    parcels = _parcels(rng, frame, plate_bounds)

    ds = areas.geometry[areas["area_id"] == "WA-DS"].iloc[0]
    gy = areas.geometry[areas["area_id"] == "WA-GY"].iloc[0]
    ux, uy = frame.xy(*URBAN_CENTRE_LONLAT)
    g309 = shapely.LineString(
        [
            frame.xy(lo, la)
            for lo, la in (
                (114.05, 36.735),
                (114.15, 36.712),
                (114.20, 36.709),
                (114.26, 36.716),
                (114.33, 36.735),
            )
        ]
    ).intersection(inner)
    roads = frame.gdf(
        {
            "road_id": ["G309", "WA-R01", "WA-R02"],
            "name": ["国道309", "东山大道", "广耀产业园连接线"],
            "name_en": ["National Road 309", "Dongshan Avenue", "Guangyao Park Link Road"],
        },
        [
            g309,
            shapely.LineString([(ux, uy), (ds.bounds[0], ds.centroid.y)]),
            shapely.LineString(
                [(ux, uy), (ux + 2500.0, uy - 4000.0), (gy.centroid.x, gy.bounds[3])]
            ),
        ],
    )
    ms_rows: list[tuple[str, str, str, str | None]] = []
    done = {
        ("WA-DS", "项目确定"): "2018-12-21",
        ("WA-DS", "审批及图纸"): "2019-04-26",
        ("WA-DS", "主体建设"): "2021-05-28",
        ("WA-GY", "项目确定"): "2018-12-28",
        ("WA-GY", "审批及图纸"): "2019-07-12",
        ("WA-GY", "主体建设"): None,
    }
    notes: list[str] = []
    for site in ("WA-DS", "WA-GY"):
        for milestone, due, note in MILESTONES:
            ms_rows.append((site, milestone, due, done[(site, milestone)]))
            notes.append(note)
        ms_rows.append((site, "出资2000万元用于前期策划、规划", "2018-12-31", "2018-10-15"))
        notes.append("东山、广耀两家企业分别出资2000万元")
    milestones = c.milestones_frame(ms_rows)
    milestones["note"] = notes

    tables: dict[str, pd.DataFrame] = {
        "parcels": parcels,
        "areas": areas,
        "roads": roads,
        "boundaries": c.boundaries_frame([(ADCODE, DISTRICT, "county", boundary_ll)]),
        "milestones": milestones,
    }
    meta = {
        "name": "武安市",
        "name_en": "Wu'an",
        "adcode": ADCODE,
        "schematic": "1",
        "seed": str(seed),
        "urban_centre_lon": f"{URBAN_CENTRE_LONLAT[0]:.3f}",
        "urban_centre_lat": f"{URBAN_CENTRE_LONLAT[1]:.3f}",
        "published_planning_fund_wan": "2000",
        "published_forest_park_mu": "1000",
        "published_dongshan_plates": "5",
        "published_guangyao_plates": "6",
        "source": "wuan_dongshan_guangyao_plan.txt",
        "boundary_source": c.BOUNDARY_SOURCE,
    }
    return tables, meta


def build(out_dir: str | Path, *, seed: int = SEED) -> Path:
    """Write ``out_dir/wuan.gpkg``."""
    tables, meta = build_tables(seed)
    return c.write_workspace(tables, out_dir, NAME, meta)
