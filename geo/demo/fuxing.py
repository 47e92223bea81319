"""Demo workspace ``fuxing``: 邯郸市复兴区 (adcode 130404), GK zone 38.

Published figures (``shared/sources/fuxing_handan_2018.txt``, 邯郸新闻网
2018-11-23): nearly 900 firms demolished and 10,269 亩 freed; 200+ remaining
industrial firms in steel, casting, building materials and machinery; 40+
firms screened for relocation into parks; the 一区一园一廊 and 五园三基地
layouts; the casting alliance founded 2018-04-08 with 新世, 镐霖, 锦铸, 锐阳
and 方圆 moving in first; 30 key firms supported each year.

Everything else (geometry, dates, names of other firms, owners, money, 亩均
inputs, planning targets) is invented and schematic.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.crs import m2_to_mu, mu_to_m2
from geo.demo import _common as c
from geo.demo.fuxing_layout import AREA_SPECS, AREA_TARGETS, RELOCATION_PARK

logger = logging.getLogger(__name__)

NAME = "fuxing"
SEED = 130404
ADCODE = "130404"
DISTRICT = "复兴区"

PUBLISHED_FREED_MU = 10269.0
"""10,269 亩 freed (fuxing_handan_2018.txt)."""
N_FREED = 902
"""Former enterprises demolished, one freed parcel each ("近900家")."""
N_TO_RELEASE = 44
"""Firms screened for relocation into parks ("40余家")."""
N_IDLE = 16
N_LOW_EFFICIENCY = 26
CELL_M = 200.0
SCALE_THRESHOLD_WAN = 2000.0
"""Revenue (万元) from which an industrial firm is above scale (规上)."""
CORRIDOR_WIDTH_M = 1000.0
"""Total corridor width (500 m on each side of G309)."""
"""Buffer distance (m) on each side of 国道309 that makes the corridor."""

ALLIANCE = "铸造产业联盟"
ALLIANCE_FOUNDED = "2018-04-08"
FIRST_MOVERS = ("新世", "镐霖", "锦铸", "锐阳", "方圆")

OPERATING_MIX: dict[str, int] = {
    "黑色金属冶炼和压延加工业": 38,
    "铸造及其他金属制品制造": 70,  # includes the five first movers
    "非金属矿物制品业": 50,
    "通用设备制造业": 54,
}
"""Remaining industrial firms by industry: 212 ("200余家")."""

FREED_INDUSTRY_SHARES: dict[str, float] = {
    "黑色金属冶炼和压延加工业": 0.08,
    "炼焦": 0.03,
    "化学原料和化学制品制造业": 0.05,
    "铸造及其他金属制品制造": 0.18,
    "金属表面处理及热处理加工": 0.06,
    "非金属矿物制品业": 0.18,
    "耐火材料制品制造": 0.08,
    "通用设备制造业": 0.10,
    "金属制品业": 0.10,
    "橡胶和塑料制品业": 0.07,
    "木材加工和木、竹、藤、棕、草制品业": 0.07,
}
"""Industries of the demolished firms (invented mix of 散乱污 and 两高一低 firms)."""

FREED_STATUS_COUNTS: dict[str, int] = {
    "released": 262,
    "stored": 238,
    "supplied": 190,
    "in_production": 212,
}

STORAGE_OWNER = "复兴区土地储备中心"


def _road_g309(frame: c.Frame, district: BaseGeometry) -> shapely.LineString:
    """国道309 (schematic): a gently bending east-west line across the district."""
    lons = np.linspace(114.280, 114.490, 22)
    lats = 36.600 + 0.0025 * np.sin((lons - 114.28) * 30.0) - 0.02 * (lons - 114.38)
    line = shapely.LineString([frame.xy(lo, la) for lo, la in zip(lons, lats, strict=True)])
    # keep the longest piece whose corridor buffer stays inside the district
    inner = district.buffer(-(CORRIDOR_WIDTH_M / 2 + 50.0))
    piece = line.intersection(inner)
    parts = list(getattr(piece, "geoms", [piece]))
    best = max(parts, key=lambda g: g.length)
    return shapely.LineString(best.coords)


def _road_zone_axis(frame: c.Frame, zone: BaseGeometry) -> shapely.LineString:
    """开发区主干道 (schematic): a north-south axis through the zone."""
    cx, cy = zone.centroid.x, zone.centroid.y
    return shapely.LineString(
        [(cx - 120.0, cy - 1500.0), (cx + 60.0, cy), (cx + 200.0, cy + 1500.0)]
    )


def _areas(frame: c.Frame, district: BaseGeometry, g309: shapely.LineString) -> gpd.GeoDataFrame:
    inner = district.buffer(-50.0)
    rows: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []
    valid_from = {"一区一园一廊": "2018-06-01", "五园三基地": "2018-09-01"}
    for aid, name, full, en, kind, layout, (lon, lat), (w, h), ang, parent, ind in AREA_SPECS:
        x, y = frame.xy(lon, lat)
        cut = min(w, h) * 0.12
        geom = c.chamfered_rect(x, y, w, h, cut_m=cut, angle_deg=ang)
        c.require_within(geom, inner, f"area {aid} {name}")
        if parent is not None:
            c.require_within(geom, geoms[[r["area_id"] for r in rows].index(parent)], aid)
        rows.append(
            {
                "area_id": aid,
                "name": name,
                "name_full": full,
                "name_en": en,
                "kind": kind,
                "layout": layout,
                "parent_id": parent,
                "target_industries": ind,
                **AREA_TARGETS[aid],
                "version": 1,
                "valid_from": valid_from[layout],
            }
        )
        geoms.append(geom)
    corridor = g309.buffer(CORRIDOR_WIDTH_M / 2)
    c.require_within(corridor, district, "corridor FX-C01")
    rows.insert(
        2,
        {
            "area_id": "FX-C01",
            "name": "国道309钢铁深加工产业廊道",
            "name_full": "309国道产业廊道",
            "name_en": "National Road 309 Steel Deep-Processing Corridor",
            "kind": "corridor",
            "layout": "一区一园一廊",
            "parent_id": None,
            "target_industries": "钢铁深加工、钢铁产业链延伸",
            **AREA_TARGETS["FX-C01"],
            "version": 1,
            "valid_from": valid_from["一区一园一廊"],
            "road_id": "G309",
            "corridor_width_m": CORRIDOR_WIDTH_M,
        },
    )
    geoms.insert(2, corridor)
    df = pd.DataFrame(rows)
    df["valid_from"] = pd.to_datetime(df["valid_from"])
    return frame.gdf(df, geoms)


def _select_cells(
    rng: np.random.Generator,
    cells: np.ndarray,
    areas: gpd.GeoDataFrame,
    frame: c.Frame,
    n: int,
    reserved: np.ndarray,
) -> np.ndarray:
    """Pick ``n`` cells, weighted towards layout elements and the urban east."""
    centres = shapely.points(cells[:, 0] + CELL_M / 2, cells[:, 1] + CELL_M / 2)
    union = shapely.union_all(areas.geometry.values)
    shapely.prepare(union)
    in_area = shapely.contains(union, centres)
    x_east, _ = frame.xy(114.38, 36.60)
    east = cells[:, 0] > x_east
    w = np.where(in_area, 10.0, np.where(east, 1.2, 0.5))
    w[reserved] = 0.0
    chosen = rng.choice(len(cells), size=n, replace=False, p=w / w.sum())
    return np.sort(chosen)


def build_tables(seed: int = SEED) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """All tables and meta of the ``fuxing`` workspace.

    Parameters
    ----------
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same tables.

    Returns
    -------
    tables, meta
        Tables in the district's GK zone (geometry) and the meta key/values.
    """
    rng = np.random.default_rng(seed)
    boundary_ll = c.boundary_lonlat(ADCODE)
    frame = c.Frame.for_geometry(boundary_ll)
    district = frame.project(boundary_ll)

    g309 = _road_g309(frame, district)
    areas = _areas(frame, district, g309)
    zone = areas.geometry[areas["area_id"] == "FX-Z01"].iloc[0]
    green_park = areas.geometry[areas["area_id"] == "FX-P02"].iloc[0]
    roads = frame.gdf(
        {
            "road_id": ["G309", "FX-R01"],
            "name": ["国道309", "开发区主干道"],
            "name_en": ["National Road 309", "Development Zone Main Road"],
        },
        [g309, _road_zone_axis(frame, zone)],
    )

    cells = c.grid_cells(district, CELL_M, margin_m=40.0)
    boxes = shapely.box(cells[:, 0], cells[:, 1], cells[:, 0] + CELL_M, cells[:, 1] + CELL_M)
    core = zone.intersection(green_park)
    shapely.prepare(core)
    candidates = np.flatnonzero(shapely.contains(core, boxes))
    if len(candidates) < len(FIRST_MOVERS):
        raise ValueError("the green manufacturing park is too small for the five first movers")
    first_idx = np.sort(rng.choice(candidates, size=len(FIRST_MOVERS), replace=False))

    n_operating = sum(OPERATING_MIX.values())
    n_other = N_FREED + n_operating - len(FIRST_MOVERS) + N_TO_RELEASE + N_IDLE + N_LOW_EFFICIENCY
    chosen = _select_cells(rng, cells, areas, frame, n_other, first_idx)
    park_union = shapely.union_all(areas.geometry[areas["kind"].isin(["park", "base"])].values)
    shapely.prepare(park_union)
    in_park = shapely.intersects(park_union, boxes[chosen])

    # statuses: to_release firms are outside the parks they will move into
    order = rng.permutation(len(chosen))
    outside_first = np.concatenate([order[~in_park[order]], order[in_park[order]]])
    to_release_idx = chosen[outside_first[:N_TO_RELEASE]]
    rest = chosen[np.sort(outside_first[N_TO_RELEASE:])]
    rest = rest[rng.permutation(len(rest))]
    freed_idx = rest[:N_FREED]
    k = N_FREED
    idle_idx = rest[k : k + N_IDLE]
    k += N_IDLE
    low_idx = rest[k : k + N_LOW_EFFICIENCY]
    k += N_LOW_EFFICIENCY
    operating_idx = np.concatenate([first_idx, rest[k:]])
    if len(operating_idx) != n_operating:
        raise AssertionError("cell bookkeeping is off")

    names = c.NameMaker("邯郸市", reserved=FIRST_MOVERS)
    records: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []

    # ---- freed parcels: areas drawn, scaled to 10,269 亩, last width fitted in closed form
    target_m2 = float(mu_to_m2(PUBLISHED_FREED_MU))
    draw = rng.lognormal(np.log(6200.0), 0.6, size=N_FREED)
    areas_m2 = c.cap_areas(draw, target_m2, max_m2=30_000.0, min_m2=1_300.0)
    rects = [
        c.rect_in_cell(rng, cells[i], CELL_M, a) for i, a in zip(freed_idx, areas_m2, strict=True)
    ]
    c.fit_total_area(rects, target_m2, CELL_M)
    freed_inds = list(FREED_INDUSTRY_SHARES)
    p_ind = np.array(list(FREED_INDUSTRY_SHARES.values()))
    ind_draw = rng.choice(len(freed_inds), size=N_FREED, p=p_ind / p_ind.sum())
    statuses = np.repeat(list(FREED_STATUS_COUNTS), list(FREED_STATUS_COUNTS.values()))
    statuses = statuses[rng.permutation(N_FREED)]
    released_on = c.random_dates(rng, "2016-03-01", "2018-10-31", N_FREED)
    layout_union = shapely.union_all(areas.geometry.values)
    shapely.prepare(layout_union)
    for j, r in enumerate(rects):
        geom = r.geometry()
        ind = c.INDUSTRIES[freed_inds[ind_draw[j]]]
        status = str(statuses[j])
        rel = released_on[j]
        lag = {"released": 0, "stored": 1, "supplied": 2, "in_production": 3}[status]
        since = rel
        for _ in range(lag):
            since = since + pd.Timedelta(days=int(rng.integers(90, 500)))
        since = min(since, pd.Timestamp("2024-12-20"))
        in_layout = bool(layout_union.contains(geom.centroid))
        planned = _planned_use(rng, in_layout)
        now = {
            "released": "100103" if ind.polluting else "100102",
            "stored": "16",
        }.get(status, planned)
        former = names.company(rng, ind.trade)
        owner = {
            "released": former,
            "stored": STORAGE_OWNER,
        }.get(status) or names.company(rng, _new_trade(planned))
        mu = float(m2_to_mu(geom.area))
        records.append(
            {
                "status": status,
                "industry_before": ind.name,
                "polluting_history": ind.polluting,
                "land_use_now": now,
                "land_use_planned": planned,
                "released_on": rel,
                "status_since": since,
                "former_enterprise": former,
                "owner": owner,
                "compensation_wan_yuan": round(mu * float(rng.uniform(18.0, 45.0)), 1),
                "contact": c.person_contact(rng),
                "relocate_to_area_id": None,
            }
        )
        geoms.append(geom)

    # ---- operating industrial parcels (the 200+ remaining firms)
    op_inds = np.repeat(list(OPERATING_MIX), list(OPERATING_MIX.values()))
    casting_pos = np.flatnonzero(op_inds == "铸造及其他金属制品制造")
    op_inds = np.concatenate(
        [
            op_inds[casting_pos[: len(FIRST_MOVERS)]],
            rng.permutation(np.delete(op_inds, casting_pos[: len(FIRST_MOVERS)])),
        ]
    )
    op_since = c.random_dates(rng, "2016-01-01", "2018-06-30", len(operating_idx))
    for j, cell_i in enumerate(operating_idx):
        ind = c.INDUSTRIES[str(op_inds[j])]
        size = {"黑色金属冶炼和压延加工业": (14000, 32000)}.get(ind.name, (4000, 18000))
        r = c.rect_in_cell(rng, cells[cell_i], CELL_M, float(rng.uniform(*size)))
        if j < len(FIRST_MOVERS):
            firm = f"邯郸市{FIRST_MOVERS[j]}铸造有限公司"
            since = pd.Timestamp("2018-09-01") + pd.Timedelta(days=int(rng.integers(0, 80)))
        else:
            firm = names.company(rng, ind.trade)
            since = op_since[j]
        records.append(_operating_record(rng, ind, firm, "operating", since))
        geoms.append(r.geometry())

    # ---- to_release: screened for relocation into parks
    tr_inds = rng.choice(list(RELOCATION_PARK), size=N_TO_RELEASE, p=[0.4, 0.25, 0.1, 0.15, 0.1])
    tr_since = c.random_dates(rng, "2018-03-01", "2018-10-31", N_TO_RELEASE)
    for j, cell_i in enumerate(to_release_idx):
        ind = c.INDUSTRIES[str(tr_inds[j])]
        r = c.rect_in_cell(rng, cells[cell_i], CELL_M, float(rng.uniform(3000, 14000)))
        rec = _operating_record(rng, ind, names.company(rng, ind.trade), "to_release", tr_since[j])
        rec["relocate_to_area_id"] = RELOCATION_PARK[ind.name]
        records.append(rec)
        geoms.append(r.geometry())

    # ---- idle: supplied but not developed
    idle_rel = c.random_dates(rng, "2016-06-01", "2018-10-31", N_IDLE)
    for j, cell_i in enumerate(idle_idx):
        ind = c.INDUSTRIES[freed_inds[int(rng.integers(len(freed_inds)))]]
        r = c.rect_in_cell(rng, cells[cell_i], CELL_M, float(rng.uniform(3000, 16000)))
        since = pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(rng.integers(0, 1400)))
        owner = names.company(rng, "科技")
        records.append(
            {
                "status": "idle",
                "industry_before": ind.name,
                "polluting_history": ind.polluting,
                "land_use_now": "100101",
                "land_use_planned": "100101",
                "released_on": idle_rel[j],
                "status_since": since,
                "former_enterprise": names.company(rng, ind.trade),
                "owner": owner,
                "compensation_wan_yuan": None,
                "contact": c.person_contact(rng),
                "relocate_to_area_id": None,
            }
        )
        geoms.append(r.geometry())

    # ---- low efficiency: class D in the 2023 亩均 evaluation
    low_inds = rng.choice(list(OPERATING_MIX), size=N_LOW_EFFICIENCY)
    for j, cell_i in enumerate(low_idx):
        ind = c.INDUSTRIES[str(low_inds[j])]
        r = c.rect_in_cell(rng, cells[cell_i], CELL_M, float(rng.uniform(4000, 20000)))
        since = pd.Timestamp("2024-03-01") + pd.Timedelta(days=int(rng.integers(0, 60)))
        records.append(
            _operating_record(rng, ind, names.company(rng, ind.trade), "low_efficiency", since)
        )
        geoms.append(r.geometry())

    parcels = frame.gdf(pd.DataFrame(records), geoms)
    parcels = _order_and_number(parcels, frame)
    used = np.concatenate([first_idx, chosen])
    parcels = _assembly_block(parcels, cells, used, zone)
    enterprises = _enterprises(rng, parcels)
    milestones = _milestones()
    boundaries = c.boundaries_frame([(ADCODE, DISTRICT, "county", boundary_ll)])
    tables: dict[str, pd.DataFrame] = {
        "parcels": parcels,
        "areas": areas,
        "roads": roads,
        "enterprises": enterprises,
        "boundaries": boundaries,
        "milestones": milestones,
    }
    meta = {
        "name": "邯郸市复兴区",
        "name_en": "Fuxing District, Handan",
        "adcode": ADCODE,
        "schematic": "1",
        "seed": str(seed),
        "published_freed_mu": "10269",
        "published_demolished_firms": "900",
        "published_remaining_industrial_firms": "200",
        "published_relocation_candidates": "40",
        "published_key_firms_per_year": "30",
        "published_alliance_first_movers": "5",
        "casting_alliance": ALLIANCE,
        "casting_alliance_founded": ALLIANCE_FOUNDED,
        "source": "fuxing_handan_2018.txt",
        "boundary_source": c.BOUNDARY_SOURCE,
    }
    return tables, meta


_PLANNED_IN_LAYOUT = (
    ("100101", 0.45),
    ("100102", 0.35),
    ("1101", 0.05),
    ("0902", 0.05),
    ("1402", 0.05),
    ("0802", 0.05),
)
_PLANNED_OUTSIDE = (
    ("070101", 0.16),
    ("070102", 0.14),
    ("0901", 0.14),
    ("0902", 0.08),
    ("080403", 0.05),
    ("080404", 0.03),
    ("080601", 0.03),
    ("1401", 0.12),
    ("100101", 0.12),
    ("1101", 0.05),
    ("16", 0.08),
)


ASSEMBLY_BLOCK_CELLS = (4, 2)
"""Empty grid cells (columns, rows) of the 连片 block: 800 m by 400 m."""
ASSEMBLY_ROAD_M = 8.0
"""The internal road between the block's two rows of parcels."""
ASSEMBLY_PARCELS = 8
ASSEMBLY_KEEP_IDS = frozenset(f"FX-{k:04d}" for k in (1, 2, 3, 4, 5, 6, 7, 9, 16, 42, 79, 100))
"""Parcels the examples and tests name; they stay where they are."""


def _assembly_block(
    parcels: gpd.GeoDataFrame, cells: np.ndarray, used: np.ndarray, zone: BaseGeometry
) -> gpd.GeoDataFrame:
    """Gather eight available parcels into one 连片 block of class-two industrial land.

    Investors ask for 100–500 亩 in one piece, more than any single parcel.
    The :data:`ASSEMBLY_PARCELS` largest available (released or stored)
    parcels move, area for area (the freed total stays 10,269 亩), into the
    empty :data:`ASSEMBLY_BLOCK_CELLS` block of grid cells nearest the zone's
    centre: two rows of parcels sharing their side edges, the rows
    :data:`ASSEMBLY_ROAD_M` apart (an internal road). Seven are planned for
    二类工业用地 (100102), the last one for 一类工业用地 (100101). IDs,
    statuses and every other field stay; no random draw is used, so the rest
    of the workspace is unchanged.
    """
    cols, rows = ASSEMBLY_BLOCK_CELLS
    origin = cells.min(axis=0)
    ij = np.round((cells - origin) / CELL_M).astype(int)
    free = {tuple(v) for v in ij.tolist()} - {tuple(v) for v in ij[used].tolist()}
    best: tuple[float, int, int] | None = None
    centre = zone.centroid
    for i, j in sorted(free):
        block = [(i + a, j + b) for a in range(cols) for b in range(rows)]
        if all(k in free for k in block):
            x0, y0 = origin + np.array([i, j]) * CELL_M
            d = shapely.Point(x0 + cols * CELL_M / 2, y0 + rows * CELL_M / 2).distance(centre)
            if best is None or d < best[0]:
                best = (d, i, j)
    if best is None:
        raise ValueError("no empty block of grid cells for the 连片 demonstration site")
    x0, y0 = origin + np.array(best[1:]) * CELL_M
    margin = 8.0  # like every other parcel's distance from its cell's edge
    h = (rows * CELL_M - 2 * margin - ASSEMBLY_ROAD_M) / 2
    avail = parcels[
        parcels["status"].isin(["released", "stored"])
        & ~parcels["parcel_id"].isin(ASSEMBLY_KEEP_IDS)
    ]
    pick = avail.assign(_m2=avail.geometry.area).sort_values(
        ["_m2", "parcel_id"], ascending=[False, True]
    )
    pick = pick.head(ASSEMBLY_PARCELS).sort_values("parcel_id")
    out = parcels.copy()
    per_row = ASSEMBLY_PARCELS // 2
    for k, (idx, row) in enumerate(pick.iterrows()):
        r, pos = divmod(k, per_row)
        if pos == 0:
            x = x0 + margin
        w = float(row["_m2"]) / h
        y = y0 + margin + r * (h + ASSEMBLY_ROAD_M)
        out.loc[idx, "geometry"] = shapely.box(x, y, x + w, y + h)
        out.loc[idx, "land_use_planned"] = "100102" if k < ASSEMBLY_PARCELS - 1 else "100101"
        x += w
        if x > x0 + cols * CELL_M - margin:
            raise ValueError("the 连片 block is too narrow for its parcels")
    out["area_mu"] = np.round(m2_to_mu(out.geometry.area.to_numpy()), 2)
    return out


def _planned_use(rng: np.random.Generator, in_layout: bool) -> str:
    table = _PLANNED_IN_LAYOUT if in_layout else _PLANNED_OUTSIDE
    p = np.array([w for _, w in table])
    return table[int(rng.choice(len(table), p=p / p.sum()))][0]


def _new_trade(planned: str) -> str:
    if planned.startswith("07"):
        return "房地产开发"
    if planned.startswith("09"):
        return "商业管理"
    if planned.startswith("08"):
        return "教育科技"
    if planned.startswith("11"):
        return "物流"
    if planned.startswith("14") or planned == "16":
        return "城市建设投资"
    return "精密制造"


def _operating_record(
    rng: np.random.Generator, ind: c.Industry, firm: str, status: str, since: pd.Timestamp
) -> dict[str, object]:
    return {
        "status": status,
        "industry_before": ind.name,
        "polluting_history": ind.polluting,
        "land_use_now": "100103" if ind.polluting else "100102",
        "land_use_planned": "100102" if status != "to_release" else "16",
        "released_on": pd.NaT,
        "status_since": since,
        "former_enterprise": None,
        "owner": firm,
        "compensation_wan_yuan": None,
        "contact": c.person_contact(rng),
        "relocate_to_area_id": None,
    }


def _order_and_number(parcels: gpd.GeoDataFrame, frame: c.Frame) -> gpd.GeoDataFrame:
    """Number and name parcels FX-0001… from north-west to south-east, columns in schema order.

    Names are neutral (复兴区0001号地块): a parcel's public name must not reveal
    its former enterprise or owner, which are internal fields.
    """
    cen = parcels.geometry.centroid
    order = np.lexsort((np.round(cen.x.to_numpy(), 1), -np.round(cen.y.to_numpy() / CELL_M)))
    out = parcels.iloc[order].reset_index(drop=True)
    out.insert(0, "parcel_id", [f"FX-{i + 1:04d}" for i in range(len(out))])
    # public names carry no firm name (former enterprises and owners are internal)
    out.insert(1, "name", [f"复兴区{i + 1:04d}号地块" for i in range(len(out))])
    out.insert(2, "district", DISTRICT)
    cols = [
        "parcel_id",
        "name",
        "district",
        "status",
        "land_use_now",
        "land_use_planned",
        "industry_before",
        "polluting_history",
        "released_on",
        "status_since",
        "former_enterprise",
        "owner",
        "compensation_wan_yuan",
        "contact",
        "relocate_to_area_id",
    ]
    out = out[[*cols, "geometry"]]
    out["area_mu"] = np.round(m2_to_mu(out.geometry.area.to_numpy()), 2)
    out["polluting_history"] = out["polluting_history"].astype(bool)
    return out.set_crs(frame.crs, allow_override=True)


def _enterprises(rng: np.random.Generator, parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    """亩均 inputs (2023, invented) of the firms still running.

    Those are the firms on operating, to_release and low_efficiency parcels.
    """
    running = parcels[parcels["status"].isin(["operating", "to_release", "low_efficiency"])]
    rows: list[dict[str, object]] = []
    for k, (_, p) in enumerate(running.iterrows()):
        ind = c.INDUSTRIES[p["industry_before"]]
        reg = round(float(p["area_mu"]), 2)
        leased = round(float(rng.uniform(0.5, 6.0)), 2) if rng.random() < 0.2 else 0.0
        low = p["status"] == "low_efficiency"
        eff = float(rng.uniform(0.15, 0.35)) if low else 1.0
        above = ind.name == "黑色金属冶炼和压延加工业" or (not low and rng.random() < 0.38)
        m = c.enterprise_metrics(
            rng,
            ind,
            reg + leased,
            efficiency=eff,
            min_revenue_wan=SCALE_THRESHOLD_WAN if above else None,
            max_revenue_wan=None if above else SCALE_THRESHOLD_WAN,
        )
        firm = str(p["owner"])
        first = any(firm == f"邯郸市{n}铸造有限公司" for n in FIRST_MOVERS)
        rows.append(
            {
                "enterprise_id": f"FX-E{k + 1:04d}",
                "name": firm,
                "parcel_id": p["parcel_id"],
                "land_mu_registered": reg,
                "land_mu_leased": leased,
                "scale": "规上" if above else "规下",
                "year": 2023,
                **m,
                "industry": ind.name,
                "alliance": ALLIANCE if ind.name == "铸造及其他金属制品制造" else None,
                "alliance_first_mover": first,
            }
        )
    ent = pd.DataFrame(rows)
    big = ent[
        (ent["scale"] == "规上")
        & ent["parcel_id"].isin(parcels.loc[parcels["status"] == "operating", "parcel_id"])
    ]
    key = big.sort_values(["tax_wan", "enterprise_id"], ascending=[False, True]).head(30)
    ent["key_firm_2023"] = ent["enterprise_id"].isin(key["enterprise_id"])
    return ent


def _milestones() -> pd.DataFrame:
    rows: list[tuple[str, str, str, str | None]] = [
        ("FX-Z01", "组建复兴区铸造产业联盟", ALLIANCE_FOUNDED, ALLIANCE_FOUNDED),
        ("FX-P02", "铸造联盟首批5家企业入驻园区", "2018-12-31", "2018-11-20"),
        ("FX-Z01", "40余家筛选企业以订单方式入园入区", "2020-12-31", None),
        ("FX-C01", "国道309产业廊道规划批复", "2019-06-30", "2019-05-28"),
        ("FX-P01", "循环经济及新型建材产业园基础设施建成", "2020-06-30", "2020-09-15"),
    ]
    for year in range(2018, 2026):
        done = f"{year}-12-{20 + year % 7:02d}" if year <= 2024 else None
        rows.append(("FX-Z01", f"{year}年精选30家重点工业企业一企一策帮扶", f"{year}-12-31", done))
    for aid, done_plan, done_infra in (
        ("FX-P02", "2018-12-10", "2020-05-30"),
        ("FX-P03", "2018-12-25", "2021-03-31"),
        ("FX-P04", "2019-03-15", None),
        ("FX-P05", "2019-01-20", "2020-11-30"),
        ("FX-P06", "2019-04-30", None),
    ):
        rows.append((aid, "园区规划批复", "2018-12-31", done_plan))
        rows.append((aid, "基础设施建成", "2020-12-31", done_infra))
    for aid in ("FX-B01", "FX-B02", "FX-B03"):
        rows.append((aid, "孵化基地挂牌运营", "2019-06-30", "2019-05-18"))
    return c.milestones_frame(rows)


def build(out_dir: str | Path, *, seed: int = SEED) -> Path:
    """Write ``out_dir/fuxing.gpkg``."""
    tables, meta = build_tables(seed)
    path = c.write_workspace(tables, out_dir, NAME, meta)
    logger.info("fuxing: %d parcels, %d areas", len(tables["parcels"]), len(tables["areas"]))
    return path
