"""Maps without a browser: offline assets, escaping, role filtering, basemaps, size, export."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import LineString, box
from typer.testing import CliRunner

from geo import jsassets
from geo.basemaps import BASEMAP_NAMES, BasemapError, BasemapSettings, get_basemap
from geo.cli import app
from geo.crs import gcj02_to_wgs84
from geo.layers import investor_forbidden_fields
from geo.render import (
    STATIC_URL,
    RenderError,
    asset_files,
    component_data,
    edit_asset_files,
    layer_summary,
    map_html,
    remote_references,
    render_map,
    write_static_assets,
)
from geo.schema import STATUSES
from geo.workspace import open_workspace, save_workspace

GK = 4547
X0, Y0 = 542_000.0, 4_049_000.0  # ≈ 114.47°E, 36.58°N (Fuxing, Handan)

XSS = [
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "${alert(1)}",
    "`${window.__pwned=4}`",
    "\"'><script>window.__pwned=2</script>",
    "</script><script>window.__pwned=3;alert(3)</script>",
    "<!-- &amp; \u2028",
    "{{ 7*7 }}{% if 1 %}jinja{% endif %}{# c #}",
]
"""Names that would run script if written as HTML or pasted into JavaScript."""

SECRETS = {
    "former_enterprise": "秘密铸造厂甲",
    "owner": "OWNER-SECRET-7",
    "contact": "CONTACT-13800138000",
    "compensation_wan_yuan": 9876.5,
    "benefit_score": 4242.4,
}


@dataclass
class FakeWorkspace:
    """What render_map reads from a workspace."""

    tables: dict[str, pd.DataFrame]
    schematic: bool = False
    meta: dict[str, str] = field(default_factory=dict)


def make_tables(*, n_extra: int = 4) -> dict[str, pd.DataFrame]:
    """Parcels in every status (two with script-like names), areas, a road, a boundary."""
    statuses = [*STATUSES, "released", "stored", "operating", "released"][: len(STATUSES) + n_extra]
    n = len(statuses)
    geoms = [
        box(
            X0 + 150 * (i % 4),
            Y0 + 150 * (i // 4),
            X0 + 150 * (i % 4) + 100,
            Y0 + 150 * (i // 4) + 100,
        )
        for i in range(n)
    ]
    names = [f"地块{i:02d}" for i in range(n)]
    names[2] = XSS[0]  # released
    names[3] = XSS[3]  # stored
    names[9] = XSS[6]  # stored
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": [f"TP-{i:03d}" for i in range(n)],
            "name": names,
            "district": ["复兴区"] * n,
            "status": statuses,
            "land_use_now": ["100102"] * n,
            "land_use_planned": ["070101" if i % 3 == 0 else "100101" for i in range(n)],
            "industry_before": [XSS[4] if i == 2 else "铸造" for i in range(n)],
            "polluting_history": [i % 2 == 0 for i in range(n)],
            "released_on": pd.to_datetime(["2018-05-01"] * n),
            "status_since": pd.to_datetime(["2020-01-01"] * n),
            "former_enterprise": [f"{SECRETS['former_enterprise']}{i}" for i in range(n)],
            "owner": [f"{SECRETS['owner']}{i}" for i in range(n)],
            "compensation_wan_yuan": [SECRETS["compensation_wan_yuan"]] * n,
            "contact": [f"{SECRETS['contact']}{i}" for i in range(n)],
            "benefit_class": ["A", "B", "C", "D"] * (n // 4) + ["A"] * (n % 4),
            "benefit_score": [SECRETS["benefit_score"]] * n,
        },
        geometry=geoms,
        crs=GK,
    )
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["Z1", "K1", "PL1", "G1"],
            "name": ["复兴经济开发区", XSS[1], XSS[2], "东山森林公园"],
            "name_en": ["Fuxing EDZ", "Park", "Plate", "Forest park"],
            "kind": ["zone", "park", "plate", "green"],
            "layout": ["一区一园一廊", XSS[5], None, None],
            "parent_id": [None, "Z1", "K1", None],
        },
        geometry=[
            box(X0 - 50, Y0 - 50, X0 + 650, Y0 + 500),
            box(X0 + 300, Y0 - 40, X0 + 640, Y0 + 300),
            box(X0 + 310, Y0 - 30, X0 + 450, Y0 + 100),
            box(X0 + 700, Y0, X0 + 1000, Y0 + 300),
        ],
        crs=GK,
    )
    roads = gpd.GeoDataFrame(
        {"road_id": ["G309"], "name": [XSS[4]]},
        geometry=[LineString([(X0 - 300, Y0 + 520), (X0 + 1200, Y0 + 540)])],
        crs=GK,
    )
    boundaries = gpd.GeoDataFrame(
        {"adcode": ["130404"], "name": [XSS[3]], "level": ["county"]},
        geometry=[box(X0 - 800, Y0 - 800, X0 + 1800, Y0 + 1500)],
        crs=GK,
    )
    return {"parcels": parcels, "areas": areas, "roads": roads, "boundaries": boundaries}


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ws") / "test.gpkg"
    return save_workspace(make_tables(), path, meta={"name": "测试", "schematic": "1"})


@pytest.fixture(scope="module")
def ws(ws_path):
    return open_workspace(ws_path, validate=False)


def config_of(html: str) -> dict[str, Any]:
    m = re.search(r"TL\.mount\(\w+, (\{.*\})\);", html)
    assert m, "no TL.mount call in the HTML"
    return json.loads(m.group(1))


def decode_layer(cfg: dict[str, Any], layer_id: str) -> list[dict[str, Any]]:
    """Python twin of TL.decode in tenglong.js."""
    lyr = next(lyr for lyr in cfg["layers"] if lyr["id"] == layer_id)
    store = cfg["stores"][lyr["store"]]
    ox, oy = store["origin"]
    feats = []
    for r in lyr["ids"]:
        parts = []
        for rings in store["geoms"][r]:
            out = []
            for flat in rings:
                d = np.array(flat, dtype=np.int64).reshape(-1, 2)
                xy = (np.cumsum(d, axis=0) + np.array([ox, oy])) / 1e6
                out.append(xy)
            parts.append(out)
        props = {}
        for f in lyr["fields"]:
            c = store["cols"][f]
            props[f] = c["d"][c["i"][r]] if "d" in c else c["v"][r]
        feats.append({"parts": parts, "properties": props})
    return feats


# ---------------------------------------------------------------------------
# Offline
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["planner", "investment", "investor"])
def test_inline_map_references_nothing_remote(ws, role):
    html = map_html(render_map(ws, role=role))
    assert remote_references(html) == []
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html and "bootstrap" not in html
    assert "L.map(" in html and "TL.mount(" in html
    assert len(re.findall(r"<script\b[^>]*\bsrc=", html)) == 0


def test_served_mode_links_local_files(ws, tmp_path):
    html = map_html(render_map(ws, asset_mode="served"))
    assert remote_references(html) == []
    srcs = re.findall(r'<script src="([^"]+)"', html)
    assert srcs == [f"{STATIC_URL}/leaflet.js", f"{STATIC_URL}/tenglong.js"]
    assert f'href="{STATIC_URL}/leaflet.css"' in html
    written = write_static_assets(tmp_path / "static")
    names = {p.relative_to(tmp_path / "static" / "tenglong").as_posix() for p in written}
    editing = set(edit_asset_files()) if jsassets.available("geoman") else set()
    assert names == set(asset_files()) | editing  # the editing tools when fetched
    assert (tmp_path / "static/tenglong/images/layers.png").stat().st_size > 0
    assert write_static_assets(tmp_path / "static") == written  # idempotent


def test_remote_references_finds_cdn_links():
    html = '<link rel="stylesheet" href="https://x.test/a.css"/><style>b{background:url(//y.test/i.png)}</style>'
    assert remote_references(html) == ["https://x.test/a.css", "//y.test/i.png"]


# ---------------------------------------------------------------------------
# Escaping
# ---------------------------------------------------------------------------


def test_data_cannot_break_out_of_the_script(ws):
    html = map_html(render_map(ws, role="planner"))
    for bad in ("<img src=x", "</script><script>window.__pwned", "<script>window.__pwned=2"):
        assert bad not in html
    assert "\u2028" not in html
    cfg = config_of(html)
    names = {f["properties"]["name"] for f in decode_layer(cfg, "parcels_status")}
    assert {XSS[0], XSS[3], XSS[6]} <= names  # the text survives, exactly
    assert "49" not in {n[:2] for n in names}  # no template evaluation on the server
    legend = [e["label"] for lyr in cfg["layers"] for e in lyr["legend"]]
    assert XSS[5] in legend  # a layout name from data, as plain text for textContent


# ---------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------


def _forbidden_values(tables: dict[str, pd.DataFrame]) -> list[str]:
    p = tables["parcels"]
    return [
        *p["former_enterprise"],
        *p["owner"],
        *p["contact"],
        f"{SECRETS['compensation_wan_yuan']:g}",
        f"{SECRETS['benefit_score']:g}",
    ]


@pytest.mark.parametrize("role", ["investor", "public"])
def test_investor_map_holds_no_internal_field_or_value(ws, role):
    html = map_html(render_map(ws, role=role))
    for name in sorted(investor_forbidden_fields("parcels")):
        assert name not in html, name
    for value in _forbidden_values(make_tables()):
        assert value not in html, value
    cfg = config_of(html)
    shown = {
        f["properties"]["parcel_id"]
        for lyr in cfg["layers"]
        for f in decode_layer(cfg, lyr["id"])
        if "parcel_id" in f["properties"]
    }
    p = ws.parcels
    available = set(p.loc[p["status"].isin(["released", "stored"]), "parcel_id"])
    assert shown == available
    for pid in set(p["parcel_id"]) - available:
        assert pid not in html
    assert {lyr["id"] for lyr in cfg["layers"]} <= {
        "boundaries",
        "areas_kind",
        "plates",
        "forest_park",
        "available_sites",
        "sites_by_size",
        "roads",
    }


def test_planner_map_holds_the_internal_fields(ws):
    html = map_html(render_map(ws, role="planner"))
    for value in _forbidden_values(make_tables()):
        assert value in html, value
    ids = {lyr["id"] for lyr in config_of(html)["layers"]}
    assert {"parcels_status", "benefit_classes", "soil_gate", "layouts"} <= ids


def test_investment_officer_gets_no_compensation_or_contact(ws):
    html = map_html(render_map(ws, role="investment"))
    for name in ("compensation_wan_yuan", "contact", "owner", "former_enterprise", "benefit_score"):
        assert name not in html
    cfg = config_of(html)
    assert len(decode_layer(cfg, "parcels_status")) == len(ws.parcels)


def test_every_parcel_feature_carries_its_parcel_id(ws):
    for role in ("planner", "investor"):
        cfg = config_of(map_html(render_map(ws, role=role)))
        for lyr in cfg["layers"]:
            if lyr["id"] in ("available_sites", "parcels_status", "freed_land"):
                assert lyr["key"] == "parcel_id"
                assert all(f["properties"]["parcel_id"] for f in decode_layer(cfg, lyr["id"]))


def test_parcel_ids_restrict_the_sites(ws):
    cfg = config_of(map_html(render_map(ws, role="investor", parcel_ids=["TP-002", "TP-000"])))
    ids = {f["properties"]["parcel_id"] for f in decode_layer(cfg, "available_sites")}
    assert ids == {"TP-002"}  # TP-000 is operating


def test_missing_column_skips_the_layer(ws):
    tables = dict(ws.tables)
    tables["parcels"] = ws.parcels.drop(columns=["benefit_class", "benefit_score"])
    m = render_map(FakeWorkspace(tables), role="planner")
    assert "benefit_classes" not in {s["id"] for s in layer_summary(m)}


# ---------------------------------------------------------------------------
# Map furniture
# ---------------------------------------------------------------------------


def test_schematic_note_and_language(ws):
    cfg = config_of(map_html(render_map(ws, lang="en")))
    assert cfg["schematic"] is True and "示意 / schematic" in cfg["text"]["schematic"]
    assert cfg["text"]["measure_area"] == "Area"
    areas = next(lyr for lyr in cfg["layers"] if lyr["id"] == "areas_kind")
    assert areas["labels"] == {"field": "name_en", "fallback": "name", "minZoom": 14}
    assert [t["id"] for t in cfg["themes"]][:2] == ["land", "planning"]
    plain = FakeWorkspace(dict(ws.tables), schematic=False)
    assert config_of(map_html(render_map(plain)))["schematic"] is False


def test_legend_and_field_labels_are_translated(ws):
    cfg = config_of(map_html(render_map(ws, lang="zh")))
    status = next(lyr for lyr in cfg["layers"] if lyr["id"] == "parcels_status")
    assert [e["label"] for e in status["legend"]][:3] == ["在产", "拟腾退", "已腾退"]
    assert status["fmt"]["area_mu"]["label"] == "面积(亩)"
    assert ["released", "已腾退"] in status["fmt"]["status"]["vocab"]
    areas = next(lyr for lyr in cfg["layers"] if lyr["id"] == "areas_kind")
    assert ["zone", "区"] in areas["fmt"]["kind"]["vocab"]
    sites = next(lyr for lyr in cfg["layers"] if lyr["id"] == "available_sites")
    assert ["released", "已腾退(可供应)"] in sites["fmt"]["status"]["vocab"]
    cfg_en = config_of(map_html(render_map(ws, lang="en")))
    status_en = next(lyr for lyr in cfg_en["layers"] if lyr["id"] == "parcels_status")
    assert status_en["legend"][0]["label"] == "operating"


def test_fit_bounds_cover_the_parcels(ws):
    cfg = config_of(map_html(render_map(ws)))
    (s, w), (n, e) = cfg["bounds"]
    lon0, lat0, lon1, lat1 = ws.parcels.to_crs(4326).total_bounds
    assert w <= lon0 + 1e-6 and e >= lon1 - 1e-6 and s <= lat0 + 1e-6 and n >= lat1 - 1e-6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"role": "boss"}, "unknown role"),
        ({"lang": "fr"}, "unknown language"),
        ({"layers": ["nope"]}, "unknown layer"),
        ({"asset_mode": "cdn"}, "unknown asset_mode"),
    ],
)
def test_bad_arguments(ws, kwargs, match):
    with pytest.raises(RenderError, match=match):
        render_map(ws, **kwargs)


def test_layers_argument_selects_layers(ws):
    m = render_map(ws, layers=["parcels_status", "boundaries", "benefit_classes"], role="investor")
    assert [s["id"] for s in layer_summary(m)] == ["boundaries"]


# ---------------------------------------------------------------------------
# Coordinates, size, aggregation
# ---------------------------------------------------------------------------

_GEOD = Geod(ellps="WGS84")


def _max_error_m(feats: list[dict[str, Any]], truth: gpd.GeoDataFrame, *, back=None) -> float:
    worst = 0.0
    by_id = truth.set_index("parcel_id").geometry
    for f in feats:
        ring = f["parts"][0][0]
        if back is not None:
            lon, lat = back(ring[:, 0], ring[:, 1])
            ring = np.column_stack([lon, lat])
        true = np.asarray(by_id[f["properties"]["parcel_id"]].exterior.coords)[:-1]
        # Match each decoded vertex to the nearest true vertex (simplification may drop some).
        for x, y in ring:
            _, _, d = _GEOD.inv(
                np.full(len(true), x), np.full(len(true), y), true[:, 0], true[:, 1]
            )
            worst = max(worst, float(np.min(d)))
    return worst


def test_coordinates_rounded_to_a_decimetre(ws):
    cfg = config_of(map_html(render_map(ws)))
    err = _max_error_m(decode_layer(cfg, "parcels_status"), ws.parcels.to_crs(4326))
    assert err < 0.1


def test_gaode_draws_shifted_copies_that_convert_back_within_a_metre(ws):
    before = ws.parcels.geometry.copy()
    cfg = config_of(map_html(render_map(ws, basemap="gaode")))
    feats = decode_layer(cfg, "parcels_status")
    truth = ws.parcels.to_crs(4326)
    shift = _max_error_m(feats, truth)
    assert 100 < shift < 1000  # drawn in GCJ-02, ~550 m from WGS84 here
    assert _max_error_m(feats, truth, back=gcj02_to_wgs84) < 1.0
    assert ws.parcels.geometry.equals(before)  # stored data never shifted


def test_aggregates_above_the_budget_and_conserves_parcels():
    n = 5200
    side = 80
    geoms = [
        box(
            X0 + 120 * (i % side),
            Y0 + 120 * (i // side),
            X0 + 120 * (i % side) + 80,
            Y0 + 120 * (i // side) + 80,
        )
        for i in range(n)
    ]
    parcels = gpd.GeoDataFrame(
        {"parcel_id": [f"S{i}" for i in range(n)], "status": [STATUSES[i % 8] for i in range(n)]},
        geometry=geoms,
        crs=GK,
    )
    bnd = gpd.GeoDataFrame(
        {"adcode": ["1"], "name": ["x"], "level": ["county"]},
        geometry=[box(*parcels.total_bounds)],
        crs=GK,
    )
    fake = FakeWorkspace({"parcels": parcels, "boundaries": bnd})
    cfg = config_of(
        map_html(render_map(fake, layers=["parcels_status", "freed_land", "boundaries"]))
    )
    status = next(lyr for lyr in cfg["layers"] if lyr["id"] == "parcels_status")
    assert status["aggregated"] and status["note"] and "5,200" in status["note"]
    cells = decode_layer(cfg, "parcels_status")
    assert sum(c["properties"]["parcels"] for c in cells) == n
    assert len(cells) <= 2500
    freed = next(lyr for lyr in cfg["layers"] if lyr["id"] == "freed_land")
    assert not freed["aggregated"] and freed["n"] == n // 2  # 2,600 parcels fit the budget
    cfg_all = config_of(map_html(render_map(fake, layers=["parcels_status"], aggregate=False)))
    assert cfg_all["layers"][0]["n"] == n and not cfg_all["layers"][0]["aggregated"]


def test_bounds_send_only_what_is_in_view(ws):
    lon0, lat0, lon1, lat1 = ws.parcels.iloc[[0]].to_crs(4326).total_bounds
    m = render_map(ws, bounds=(lon0, lat0, lon1, lat1), layers=["parcels_status"])
    assert layer_summary(m)[0]["features"] == 1


# ---------------------------------------------------------------------------
# Basemaps
# ---------------------------------------------------------------------------


def test_every_basemap_name_renders_or_explains(ws, monkeypatch):
    monkeypatch.delenv("TENGLONG_TIANDITU_KEY", raising=False)
    monkeypatch.delenv("TENGLONG_TILE_URL", raising=False)
    ok = {"none", "osm", "gaode", "gaode_img"}
    for name in BASEMAP_NAMES:
        if name in ok:
            render_map(ws, basemap=name, layers=["boundaries"])
        else:
            with pytest.raises(BasemapError, match="TENGLONG_"):
                render_map(ws, basemap=name, layers=["boundaries"])
    with pytest.raises(BasemapError, match=r"unknown basemap 'bing'.*none, osm"):
        get_basemap("bing")


def test_none_basemap_has_no_tiles(ws):
    html = map_html(render_map(ws, basemap="none"))
    assert "L.tileLayer" not in html


def test_osm_basemap_has_attribution(ws):
    html = map_html(render_map(ws, basemap="osm", layers=["boundaries"]))
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in html
    assert "OpenStreetMap" in html and "contributors" in html


@pytest.mark.parametrize(
    ("name", "layers"), [("tianditu", ("vec", "cva")), ("tianditu_img", ("img", "cia"))]
)
def test_tianditu_key_from_env_or_settings(ws, monkeypatch, name, layers):
    monkeypatch.setenv("TENGLONG_TIANDITU_KEY", "abc123envkey")
    # folium writes tile options as JSON with & and non-ASCII as \u escapes.
    html = map_html(render_map(ws, basemap=name, layers=["boundaries"])).replace("\\u0026", "&")
    for layer in layers:
        assert f"tianditu.gov.cn/{layer}_w/wmts" in html
    assert "&tk=abc123envkey" in html and "Tianditu" in html
    settings = BasemapSettings(tianditu_key="fromsettings1")
    html2 = map_html(render_map(ws, basemap=name, basemap_settings=settings, layers=["boundaries"]))
    assert "tk=fromsettings1" in html2 and "abc123envkey" not in html2


def test_tianditu_key_is_checked():
    with pytest.raises(BasemapError, match="letters and digits"):
        get_basemap("tianditu", settings=BasemapSettings(tianditu_key="x'};alert(1)//"))


def test_local_basemap_from_configuration(ws, monkeypatch):
    monkeypatch.setenv("TENGLONG_TILE_URL", "http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png")
    monkeypatch.setenv("TENGLONG_TILE_ATTRIBUTION", "<b>本地</b> tiles")
    html = map_html(render_map(ws, basemap="local", layers=["boundaries"]))
    assert "127.0.0.1:8080/tiles/{z}/{x}/{y}.png" in html
    attribution = json.loads(re.search(r'"attribution": ("[^"]*")', html).group(1))
    assert attribution == "&lt;b&gt;本地&lt;/b&gt; tiles"  # shown as text, not markup
    with pytest.raises(BasemapError, match=r"\{z\}"):
        get_basemap("local", settings=BasemapSettings(local_url="http://127.0.0.1/tiles.png"))


def test_gaode_basemap_is_gcj02():
    b = get_basemap("gaode")
    assert b.gcj02 and b.tiles[0].url.startswith("https://") and "Gaode" in b.tiles[0].attribution
    assert not get_basemap("osm").gcj02


# ---------------------------------------------------------------------------
# tenglong export
# ---------------------------------------------------------------------------

runner = CliRunner()


def test_export_html_for_investor(ws_path, tmp_path):
    out = tmp_path / "map.html"
    res = runner.invoke(
        app,
        [
            "export",
            str(ws_path),
            "--format",
            "html",
            "--out",
            str(out),
            "--role",
            "investor",
            "--lang",
            "en",
        ],
    )
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert remote_references(html) == [] and "TL.mount(" in html
    assert "owner" not in html and config_of(html)["lang"] == "en"


def test_export_unknown_format_lists_supported(ws_path, tmp_path):
    res = runner.invoke(
        app, ["export", str(ws_path), "--format", "docx", "--out", str(tmp_path / "x.docx")]
    )
    assert res.exit_code == 2
    assert "unknown format 'docx'" in res.output and "supported formats:" in res.output
    assert "html" in res.output and "kml" in res.output
    assert not (tmp_path / "x.docx").exists()


def test_export_bad_role_and_basemap(ws_path, tmp_path, monkeypatch):
    monkeypatch.delenv("TENGLONG_TIANDITU_KEY", raising=False)
    res = runner.invoke(
        app, ["export", str(ws_path), "--out", str(tmp_path / "m.html"), "--role", "boss"]
    )
    assert res.exit_code == 2 and "unknown role" in res.output
    res = runner.invoke(
        app, ["export", str(ws_path), "--out", str(tmp_path / "m.html"), "--basemap", "tianditu"]
    )
    assert res.exit_code == 2 and "TENGLONG_TIANDITU_KEY" in res.output
    assert not (tmp_path / "m.html").exists()


def test_component_data_carries_the_layers_and_basemap_of_the_map():
    import folium

    ws = open_workspace(Path(__file__).resolve().parents[1] / "data" / "wuan.gpkg")
    m = render_map(ws, role="planner", lang="en", basemap="osm", asset_mode="served")
    data = component_data(m)
    cfg = json.loads(data["cfg"])
    assert cfg["lang"] == "en" and cfg["role"] == "planner"
    assert [lyr["id"] for lyr in cfg["layers"]] == [row["id"] for row in layer_summary(m)]
    assert data["tiles"] and data["tiles"][0]["url"].startswith("https://tile.openstreetmap.org/")
    assert data["tiles"][0]["options"]["maxZoom"] == 19  # Leaflet's camelCase
    assert len(data["sig"]) == 40
    other = component_data(render_map(ws, role="investor", lang="en", asset_mode="served"))
    assert other["sig"] != data["sig"] and other["tiles"] == []
    with pytest.raises(RenderError, match="render_map"):
        component_data(folium.Map())


def test_parcel_labels_carry_the_area_in_mu_line(ws):
    """The parcel layers label their id with the area below it, in 亩 / mu by language."""
    for lang, unit in (("zh", "亩"), ("en", "mu")):
        cfg = config_of(map_html(render_map(ws, role="investor", lang=lang)))
        sites = next(lyr for lyr in cfg["layers"] if lyr["id"] == "available_sites")
        assert sites["labels"]["field"] == "parcel_id"
        assert sites["labels"]["detail"] == "area_mu"
        assert sites["labels"]["detailUnit"] == unit
        assert cfg["stores"][sites["store"]]["labels"]  # label points were sent
