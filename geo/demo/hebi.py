"""Demo workspace ``hebi``: 鹤壁市 (adcode 410600, a prefecture-level city), GK zone 38.

Published (``shared/sources/hebi_2022.txt``, 国务院办公厅督查激励典型经验,
2022): 4 advanced-manufacturing development zones, 104.11 km² of planned area
in all, 4.78% of the city's land, each with 1-2 leading industries.

The source names neither the zones nor the city's area. The city's official
land area, 2,182 km², is the commonly published figure; 104.11 / 2,182 =
4.77%, while the published 4.78% implies about 2,178 km². Both are kept in the
meta so the difference stays visible. Zone names, outlines, each zone's share
of the total, industries per zone and parcels are schematic.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.crs import km2_to_m2, m2_to_km2, m2_to_mu
from geo.demo import _common as c

logger = logging.getLogger(__name__)

NAME = "hebi"
SEED = 410600
ADCODE = "410600"
DISTRICT = "鹤壁市"

PUBLISHED_ZONE_KM2 = 104.11
PUBLISHED_ZONE_SHARE_PCT = 4.78
OFFICIAL_AREA_KM2 = 2182.0
"""鹤壁市 land area as commonly published (not stated in hebi_2022.txt)."""

# area_id, name, name_en, (lon, lat), area_km2, height_m, angle, industries, parcel industries
ZONES: tuple[
    tuple[str, str, str, tuple[float, float], float, float, float, str, tuple[str, ...]], ...
] = (
    (
        "HB-Z1",
        "鹤壁经济技术开发区",
        "Hebi Economic and Technological Development Zone",
        (114.305, 35.705),
        32.50,
        5200.0,
        10.0,
        "电子电器、光通信",
        ("计算机、通信和其他电子设备制造业", "电气机械和器材制造业"),
    ),
    (
        "HB-Z2",
        "鹤壁宝山经济技术开发区",
        "Hebi Baoshan Economic and Technological Development Zone",
        (114.170, 35.870),
        26.00,
        4600.0,
        -5.0,
        "现代化工及功能性新材料",
        ("化学原料和化学制品制造业", "煤炭开采和洗选业"),
    ),
    (
        "HB-Z3",
        "浚县经济技术开发区",
        "Xunxian Economic and Technological Development Zone",
        (114.545, 35.680),
        25.00,
        4400.0,
        0.0,
        "绿色食品、日用化工",
        ("农副食品加工业", "化学原料和化学制品制造业"),
    ),
    (
        "HB-Z4",
        "淇县经济技术开发区",
        "Qixian Economic and Technological Development Zone",
        (114.215, 35.600),
        PUBLISHED_ZONE_KM2 - 32.50 - 26.00 - 25.00,
        4000.0,
        5.0,
        "绿色食品、汽车零部件",
        ("农副食品加工业", "汽车制造业"),
    ),
)
"""The four zones (names and outlines schematic; their areas sum to the published 104.11 km²)."""

PARCELS_PER_ZONE = 18
CELL_M = 300.0


def build_tables(seed: int = SEED) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """All tables and meta of the ``hebi`` workspace (same seed, same tables)."""
    rng = np.random.default_rng(seed)
    boundary_ll = c.boundary_lonlat(ADCODE)
    frame = c.Frame.for_geometry(boundary_ll)
    city = frame.project(boundary_ll)
    inner = city.buffer(-300.0)

    rows: list[dict[str, object]] = []
    zone_geoms: list[BaseGeometry] = []
    for aid, name, en, (lon, lat), km2, h, ang, ind, _ in ZONES:
        cut = 600.0
        w = c.chamfered_width_for_area(float(km2_to_m2(km2)), h, cut)
        x, y = frame.xy(lon, lat)
        geom = c.chamfered_rect(x, y, w, h, cut_m=cut, angle_deg=ang)
        c.require_within(geom, inner, f"zone {aid} {name}")
        rows.append(
            {
                "area_id": aid,
                "name": name,
                "name_en": en,
                "kind": "zone",
                "layout": "先进制造业开发区",
                "parent_id": None,
                "target_industries": ind,
                **c.planning_targets(
                    far_min=1.0,
                    far_max=2.5,
                    invest_wan_per_mu=300,
                    tax_wan_per_mu=20,
                    output_wan_per_mu=450,
                ),
                "version": 1,
                "valid_from": pd.Timestamp("2021-06-30"),
            }
        )
        zone_geoms.append(geom)
    areas = frame.gdf(pd.DataFrame(rows), zone_geoms)

    names = c.NameMaker("鹤壁市")
    records: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []
    ent_rows: list[dict[str, object]] = []
    for (aid, *_rest, inds), zgeom in zip(ZONES, zone_geoms, strict=True):
        cells = c.grid_cells(zgeom, CELL_M, margin_m=20.0)
        pick = np.sort(rng.choice(len(cells), size=PARCELS_PER_ZONE, replace=False))
        for k, ci in enumerate(pick):
            ind = c.INDUSTRIES[inds[k % len(inds)]]
            r = c.rect_in_cell(rng, cells[ci], CELL_M, float(rng.uniform(15_000, 60_000)))
            status = str(
                rng.choice(
                    ["operating", "in_production", "supplied", "released", "idle"],
                    p=[0.55, 0.2, 0.1, 0.1, 0.05],
                )
            )
            rel = pd.NaT
            since = pd.Timestamp("2016-01-01") + pd.Timedelta(days=int(rng.integers(0, 2000)))
            if status in ("in_production", "supplied", "released", "idle"):
                rel = since - pd.Timedelta(days=int(rng.integers(200, 900)))
            firm = names.company(rng, ind.trade)
            pid = f"HB-{len(records) + 1:04d}"
            records.append(
                {
                    "parcel_id": pid,
                    "name": f"{aid}-{k + 1:02d}号地块",
                    "district": DISTRICT,
                    "status": status,
                    "land_use_now": "100103" if ind.polluting else "100102",
                    "land_use_planned": "100102",
                    "industry_before": ind.name,
                    "polluting_history": ind.polluting,
                    "released_on": rel,
                    "status_since": since,
                    "former_enterprise": None,
                    "owner": firm,
                    "compensation_wan_yuan": None,
                    "contact": c.person_contact(rng),
                    "zone_id": aid,
                }
            )
            geoms.append(r.geometry())
            if status in ("operating", "in_production"):
                mu = round(float(m2_to_mu(r.area_m2)), 2)
                m = c.enterprise_metrics(rng, ind, mu)
                ent_rows.append(
                    {
                        "enterprise_id": f"HB-E{len(ent_rows) + 1:03d}",
                        "name": firm,
                        "parcel_id": pid,
                        "land_mu_registered": mu,
                        "land_mu_leased": 0.0,
                        "scale": "规上" if float(m["revenue_wan"]) >= 2000 else "规下",
                        "year": 2021,
                        **m,
                        "industry": ind.name,
                    }
                )
    parcels = frame.gdf(pd.DataFrame(records), geoms)
    parcels["area_mu"] = np.round(m2_to_mu(parcels.geometry.area.to_numpy()), 2)
    boundary_km2 = float(m2_to_km2(city.area))
    tables: dict[str, pd.DataFrame] = {
        "parcels": parcels,
        "areas": areas,
        "enterprises": pd.DataFrame(ent_rows),
        "boundaries": c.boundaries_frame([(ADCODE, DISTRICT, "city", boundary_ll)]),
    }
    meta = {
        "name": "鹤壁市",
        "name_en": "Hebi",
        "adcode": ADCODE,
        "schematic": "1",
        "seed": str(seed),
        "published_zone_count": "4",
        "published_zone_km2": f"{PUBLISHED_ZONE_KM2:.2f}",
        "published_zone_share_pct": f"{PUBLISHED_ZONE_SHARE_PCT:.2f}",
        "official_area_km2": f"{OFFICIAL_AREA_KM2:.0f}",
        "implied_area_km2": f"{PUBLISHED_ZONE_KM2 / PUBLISHED_ZONE_SHARE_PCT * 100:.0f}",
        "boundary_area_km2": f"{boundary_km2:.1f}",
        "source": "hebi_2022.txt",
        "boundary_source": c.BOUNDARY_SOURCE,
    }
    logger.info(
        "hebi: zones %.2f km², boundary %.1f km²", m2_to_km2(areas.area.sum()), boundary_km2
    )
    return tables, meta


def build(out_dir: str | Path, *, seed: int = SEED) -> Path:
    """Write ``out_dir/hebi.gpkg``."""
    tables, meta = build_tables(seed)
    return c.write_workspace(tables, out_dir, NAME, meta)
