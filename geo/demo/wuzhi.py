"""Demo workspace ``wuzhi``: 武陟县 (adcode 410823), GK zone 38.

Published (``shared/sources/wuzhi_cluster.txt``, 2012): the county's industrial
cluster (产业集聚区) was enlarged from 16.42 km² to 19.96 km², forming 一区两园;
83 above-scale (规上) firms; three clusters: paper, biomedicine and equipment
manufacturing.

Invented: the outlines (schematic), the dates of the two versions, the names of
the two parks, every firm (names and 亩均 inputs) and parcel.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from geo.crs import km2_to_m2, m2_to_mu
from geo.demo import _common as c

logger = logging.getLogger(__name__)

NAME = "wuzhi"
SEED = 410823
ADCODE = "410823"
DISTRICT = "武陟县"

CLUSTER_V1_KM2 = 16.42
CLUSTER_V2_KM2 = 19.96
N_ABOVE_SCALE = 83
N_BELOW_SCALE = 37
CELL_M = 250.0
ANGLE_DEG = -12.0

FIRM_MIX: dict[str, tuple[int, int]] = {
    "造纸和纸制品业": (20, 6),
    "医药制造业": (16, 3),
    "专用设备制造业": (14, 6),
    "通用设备制造业": (8, 6),
    "汽车制造业": (10, 4),
    "非金属矿物制品业": (7, 6),
    "印刷和记录媒介复制业": (5, 4),
    "农副食品加工业": (3, 2),
}
"""Firms by industry as (规上, 规下); 83 above scale (published), the split is invented."""


def _cluster_versions(
    frame: c.Frame, inner: BaseGeometry
) -> tuple[shapely.Polygon, shapely.Polygon]:
    """Version 1 (16.42 km²) and version 2 (19.96 km², containing version 1), closed form."""
    cx, cy = frame.xy(113.432, 35.078)
    h, cut = 3400.0, 400.0
    w = c.chamfered_width_for_area(float(km2_to_m2(CLUSTER_V1_KM2)), h, cut)
    v1 = c.chamfered_rect(cx, cy, w, h, cut_m=cut)
    # the extension: a rectangle east of v1, overlapping it by 600 m; its added area
    # grows linearly with its east edge, so one step of closed form hits the target
    x1 = cx + w / 2
    ext_h = 2600.0
    ext_y0 = cy - h / 2 + 200.0
    east = x1 + 800.0
    ext = shapely.box(x1 - 600.0, ext_y0, east, ext_y0 + ext_h)
    added = v1.union(ext).area - v1.area
    east += (float(km2_to_m2(CLUSTER_V2_KM2 - CLUSTER_V1_KM2)) - added) / ext_h
    v2 = shapely.union(v1, shapely.box(x1 - 600.0, ext_y0, east, ext_y0 + ext_h))
    v2 = shapely.Polygon(v2.exterior.coords)  # drop collinear/duplicate structure, no holes
    v1 = affinity.rotate(v1, ANGLE_DEG, origin=(cx, cy))
    v2 = affinity.rotate(v2, ANGLE_DEG, origin=(cx, cy))
    c.require_within(v2, inner, "cluster version 2")
    return v1, v2


def build_tables(seed: int = SEED) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """All tables and meta of the ``wuzhi`` workspace (same seed, same tables)."""
    rng = np.random.default_rng(seed)
    boundary_ll = c.boundary_lonlat(ADCODE)
    frame = c.Frame.for_geometry(boundary_ll)
    county = frame.project(boundary_ll)
    v1, v2 = _cluster_versions(frame, county.buffer(-200.0))
    east_park = shapely.Polygon(v2.difference(v1).exterior.coords)
    west_park = v1

    targets = c.planning_targets(
        far_min=1.0, far_max=2.0, invest_wan_per_mu=200, tax_wan_per_mu=12, output_wan_per_mu=300
    )
    inds = "造纸、生物医药、装备制造"
    areas = frame.gdf(
        pd.DataFrame(
            [
                {
                    "area_id": "WZ-CL",
                    "name": "武陟县产业集聚区",
                    "name_en": "Wuzhi Industrial Cluster",
                    "kind": "cluster",
                    "layout": "一区两园",
                    "parent_id": None,
                    "target_industries": inds,
                    **targets,
                    "version": 1,
                    "valid_from": pd.Timestamp("2009-06-30"),
                    "valid_to": pd.Timestamp("2012-05-31"),
                },
                {
                    "area_id": "WZ-CL",
                    "name": "武陟县产业集聚区",
                    "name_en": "Wuzhi Industrial Cluster",
                    "kind": "cluster",
                    "layout": "一区两园",
                    "parent_id": None,
                    "target_industries": inds,
                    **targets,
                    "version": 2,
                    "valid_from": pd.Timestamp("2012-06-01"),
                    "valid_to": pd.NaT,
                },
                {
                    "area_id": "WZ-P1",
                    "name": "产业集聚区西园",
                    "name_en": "West Park",
                    "kind": "park",
                    "layout": "一区两园",
                    "parent_id": "WZ-CL",
                    "target_industries": "造纸、生物医药",
                    **targets,
                    "version": 1,
                    "valid_from": pd.Timestamp("2012-06-01"),
                    "valid_to": pd.NaT,
                },
                {
                    "area_id": "WZ-P2",
                    "name": "产业集聚区东园",
                    "name_en": "East Park",
                    "kind": "park",
                    "layout": "一区两园",
                    "parent_id": "WZ-CL",
                    "target_industries": "装备制造、汽车零部件",
                    **targets,
                    "version": 1,
                    "valid_from": pd.Timestamp("2012-06-01"),
                    "valid_to": pd.NaT,
                },
            ]
        ),
        [v1, v2, west_park, east_park],
    )

    cells = c.grid_cells(v2, CELL_M, margin_m=15.0)
    n_firms = N_ABOVE_SCALE + N_BELOW_SCALE
    n_extra = 14
    pick = np.sort(rng.choice(len(cells), size=n_firms + n_extra, replace=False))
    pick = pick[rng.permutation(len(pick))]
    names = c.NameMaker("焦作市武陟县")
    firm_inds: list[tuple[str, str]] = []
    for ind, (above, below) in FIRM_MIX.items():
        firm_inds += [(ind, "规上")] * above + [(ind, "规下")] * below
    if sum(s == "规上" for _, s in firm_inds) != N_ABOVE_SCALE or len(firm_inds) != n_firms:
        raise AssertionError("FIRM_MIX must hold 83 above-scale and 37 below-scale firms")

    records: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []
    ent_rows: list[dict[str, object]] = []
    for k, ci in enumerate(pick):
        pid = f"WZ-{k + 1:04d}"
        if k < n_firms:
            ind_name, scale = firm_inds[k]
            ind = c.INDUSTRIES[ind_name]
            size = (20_000, 52_000) if scale == "规上" else (6_000, 20_000)
            r = c.rect_in_cell(rng, cells[ci], CELL_M, float(rng.uniform(*size)))
            firm = names.company(rng, ind.trade)
            status = "operating"
            since = pd.Timestamp("2008-01-01") + pd.Timedelta(days=int(rng.integers(0, 1800)))
            mu = round(float(m2_to_mu(r.area_m2)), 2)
            m = c.enterprise_metrics(
                rng,
                ind,
                mu,
                min_revenue_wan=2000.0 if scale == "规上" else None,
                max_revenue_wan=2000.0 if scale == "规下" else None,
            )
            ent_rows.append(
                {
                    "enterprise_id": f"WZ-E{k + 1:03d}",
                    "name": firm,
                    "parcel_id": pid,
                    "land_mu_registered": mu,
                    "land_mu_leased": 0.0,
                    "scale": scale,
                    "year": 2012,
                    **m,
                    "industry": ind.name,
                }
            )
            owner, planned = firm, "100102"
        else:
            ind = c.INDUSTRIES[["专用设备制造业", "医药制造业", "汽车制造业"][k % 3]]
            r = c.rect_in_cell(rng, cells[ci], CELL_M, float(rng.uniform(15_000, 45_000)))
            status = "supplied" if k % 4 else "idle"
            since = pd.Timestamp("2012-01-01") + pd.Timedelta(days=int(rng.integers(0, 330)))
            owner, planned = names.company(rng, ind.trade), "100101"
        records.append(
            {
                "parcel_id": pid,
                "name": f"集聚区{k + 1:03d}号地块",
                "district": DISTRICT,
                "status": status,
                "land_use_now": planned if status == "operating" else "100101",
                "land_use_planned": planned,
                "industry_before": ind.name,
                "polluting_history": ind.polluting,
                "released_on": pd.NaT,
                "status_since": since,
                "former_enterprise": None,
                "owner": owner,
                "compensation_wan_yuan": None,
                "contact": c.person_contact(rng),
            }
        )
        geoms.append(r.geometry())
    parcels = frame.gdf(pd.DataFrame(records), geoms)
    parcels["area_mu"] = np.round(m2_to_mu(parcels.geometry.area.to_numpy()), 2)

    milestones = c.milestones_frame(
        [
            ("WZ-CL", "集聚区总体发展规划调整(16.42→19.96平方公里)", "2012-06-30", "2012-05-31"),
            ("WZ-CL", "东四环路南延、木栾大道南延建成", "2012-12-31", None),
            ("WZ-CL", "110千伏变电站投运", "2012-10-31", "2012-09-28"),
        ]
    )
    tables: dict[str, pd.DataFrame] = {
        "parcels": parcels,
        "areas": areas,
        "enterprises": pd.DataFrame(ent_rows),
        "boundaries": c.boundaries_frame([(ADCODE, DISTRICT, "county", boundary_ll)]),
        "milestones": milestones,
    }
    meta = {
        "name": "武陟县",
        "name_en": "Wuzhi County",
        "adcode": ADCODE,
        "schematic": "1",
        "seed": str(seed),
        "published_cluster_v1_km2": "16.42",
        "published_cluster_v2_km2": "19.96",
        "published_above_scale_firms": "83",
        "published_clusters": "造纸、生物医药、装备制造",
        "source": "wuzhi_cluster.txt",
        "boundary_source": c.BOUNDARY_SOURCE,
    }
    return tables, meta


def build(out_dir: str | Path, *, seed: int = SEED) -> Path:
    """Write ``out_dir/wuzhi.gpkg``."""
    tables, meta = build_tables(seed)
    return c.write_workspace(tables, out_dir, NAME, meta)
