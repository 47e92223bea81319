"""The Streamlit app through streamlit.testing (no browser).

Every page in both languages: no exception, the expected headings and figures,
English labels with no Chinese left in them. The maps live inside
``st_folium`` (``geo/app/map_view.py``), which AppTest cannot see into; the
browser tests (``test_app_browser.py``) look at them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.app import i18n
from geo.app.pages.site_finder import Brief, brief_from_query, brief_to_query
from geo.crs import m2_to_mu
from geo.schema import INTERNAL_FIELDS
from geo.siting import finder
from geo.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
DATA = ROOT / "data"
FUXING = DATA / "fuxing.gpkg"
WUAN = DATA / "wuan.gpkg"
WUZHI = DATA / "wuzhi.gpkg"

CJK = re.compile(r"[\u3400-\u9fff]")
BILINGUAL = ("语言 / Language", "示意 / schematic", "汇总显示 / aggregated")
"""Labels that are bilingual on purpose."""

PAGES: dict[str, tuple[str, str]] = {
    "overview": ("总览", "Overview"),
    "freed_land": ("腾退土地", "Freed land"),
    "layout": ("空间布局", "Layout"),
    "sites": ("厂区转型", "Factory sites"),
    "benefit": ("亩均效益评价", "Benefit per mu evaluation"),
    "site_finder": ("招商选址", "Site finder"),
    "geom_edit": ("地块编辑", "Edit parcels"),
    "import_data": ("导入数据", "Import data"),
    "export": ("导出", "Export"),
}


def run_page(
    monkeypatch: pytest.MonkeyPatch,
    page: str = "overview",
    *,
    workspace: Path = FUXING,
    lang: str = "zh",
    state: dict | None = None,
    query: dict | None = None,
) -> AppTest:
    """Run the app on ``page`` with ``workspace`` open."""
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(workspace))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["lang"] = lang
    for k, v in (state or {}).items():
        at.session_state[k] = v
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"geo/app/pages/{page}.py").run()
    return at


def metric(at: AppTest, label: str) -> float:
    m = next(m for m in at.metric if m.label == label)
    return float(str(m.value).replace(",", "").split()[0])


def texts(at: AppTest) -> Iterator[str]:
    """Every piece of text the page shows (markdown, captions, alerts, tables, labels)."""
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning"):
        for el in getattr(at, kind):
            yield str(el.value)
    for kind in ("error", "success"):
        for el in getattr(at, kind):
            yield str(el.value)
    for m in at.metric:
        yield f"{m.label} {m.value}"
    for df in at.dataframe:
        yield df.value.to_csv(index=False)


def labels(at: AppTest) -> Iterator[str]:
    """Headings, metric, tab, expander and widget labels."""
    for kind in ("title", "header", "subheader"):
        for el in getattr(at, kind):
            yield str(el.value)
    for kind in (
        "metric",
        "tabs",
        "expander",
        "button",
        "selectbox",
        "multiselect",
        "slider",
        "toggle",
        "radio",
        "text_input",
        "checkbox",
        "number_input",
    ):
        for el in getattr(at, kind):
            yield str(el.label)
    for df in at.dataframe:
        yield from (str(c) for c in df.value.columns)


# ---------------------------------------------------------------------------
# Every page, both languages
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_runs_in_both_languages(monkeypatch, page, lang):
    at = run_page(monkeypatch, page, lang=lang)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    title = PAGES[page][0 if lang == "zh" else 1]
    assert at.title[0].value == title
    if lang == "en":
        chinese = [s for s in labels(at) if CJK.search(s) and not s.startswith(BILINGUAL)]
        assert chinese == [], f"untranslated labels on {page}: {chinese}"


@pytest.mark.parametrize(
    ("lang", "label", "note"),
    [("zh", "腾退土地(亩)", "公开报道 10,269"), ("en", "Freed land (mu)", "published 10,269")],
)
def test_overview_shows_fuxing_freed_land_against_published(monkeypatch, lang, label, note):
    at = run_page(monkeypatch, lang=lang)
    assert metric(at, label) == pytest.approx(10269, abs=1)
    freed = next(m for m in at.metric if m.label == label)
    assert note in str(freed.proto.delta)
    assert any("示意 / schematic" in c.value for c in at.caption)


def test_overview_filters_narrow_the_parcels(monkeypatch):
    at = run_page(monkeypatch, lang="en", state={"ov_status": ["stored"]})
    assert any("Filtered: 238 parcels" in c.value for c in at.caption)
    at.multiselect(key="ov_status").set_value([]).run()
    assert not any("Filtered" in c.value for c in at.caption)


def test_parcel_card_shows_figures_and_internal_fields_to_planner_only(monkeypatch):
    at = run_page(monkeypatch, state={"overview_selected": "FX-0002"})
    card = "\n".join(m.value for m in at.markdown)
    assert "FX\\-0002" in card and "规划用途" in card and "腾退日期" in card
    assert any(e.label.startswith("内部信息") for e in at.expander)
    at = run_page(monkeypatch, state={"overview_selected": "FX-0002", "role": "investment"})
    assert not any(e.label.startswith("内部信息") for e in at.expander)
    assert "邯郸市利远化工有限公司" not in "\n".join(texts(at))


# ---------------------------------------------------------------------------
# Freed land, layout, sites, benefit
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "label"), [("zh", "腾退土地(亩)"), ("en", "Freed land (mu)")])
def test_freed_land_page_totals_and_tables_carry_units(monkeypatch, lang, label):
    at = run_page(monkeypatch, "freed_land", lang=lang)
    assert metric(at, label) == pytest.approx(10269, abs=1)
    unit = "面积(亩)" if lang == "zh" else "Area (mu)"
    by_year = at.dataframe[0].value
    assert unit in by_year.columns
    # a closing 合计 row equals the sum of the rows above it, and the freed total
    total = "合计" if lang == "zh" else "Total"
    first = by_year.columns[0]
    assert by_year[first].iloc[-1] == total, by_year.tail(2)
    assert by_year[unit].iloc[:-1].sum() == pytest.approx(by_year[unit].iloc[-1])
    assert by_year[unit].iloc[-1] == pytest.approx(10269, abs=1)
    # a level column appears only where a table holds several levels
    level_tables = [d.value for d in at.dataframe if "层级" in d.value or "Level" in d.value]
    assert all(d.iloc[:, 0].nunique() > 1 for d in level_tables)
    assert "层级" not in by_year.columns and "Level" not in by_year.columns
    # the summary table (area × status) conserves the total within each level
    level = "层级" if lang == "zh" else "Level"
    status = "状态" if lang == "zh" else "Status"
    summary = next(d.value for d in at.dataframe if level in d.value and status in d.value)
    assert summary.groupby(level)[unit].sum().to_numpy() == pytest.approx(10269, abs=1)


def test_layout_page_conserves_freed_land_inside_and_outside(monkeypatch):
    at = run_page(monkeypatch, "layout", lang="en")
    inside = metric(at, "Freed land inside (mu)")
    outside = metric(at, "Freed land outside (mu)")
    assert inside + outside == pytest.approx(10269, abs=2)
    table = at.dataframe[0].value
    assert "Investment required (100m yuan)" in table.columns
    assert set(table["Layout element"]) >= {
        "Fuxing Economic Development Zone",
        "Outside the layout",
    }


def test_layout_page_compares_boundary_versions(monkeypatch):
    at = run_page(monkeypatch, "layout", workspace=WUZHI, lang="en", state={})
    assert not at.exception
    at.radio(key="cmp_mode").set_value("versions").run()
    versions = at.dataframe[-1].value
    assert versions["Area (km²)"].round(2).tolist() == [16.42, 19.96]


def test_sites_page_wuan_dongshan(monkeypatch):
    at = run_page(monkeypatch, "sites", workspace=WUAN, lang="zh")
    assert not at.exception
    assert metric(at, "板块数") == 5
    green = next(m for m in at.metric if m.label.startswith("邻近 东山森林公园"))
    assert green.value.startswith("1,000")
    assert any("土壤污染状况调查" in e.value for e in at.error)
    plates = at.dataframe[0].value
    assert len(plates) == 5
    # Guangyao: the main construction milestone is overdue
    at.selectbox(key="site_choice").set_value("WA-GY").run()
    assert metric(at, "板块数") == 6
    assert any("逾期未完成" in e.value for e in at.error)


def test_sites_page_without_sites_says_so(monkeypatch):
    at = run_page(monkeypatch, "sites", lang="en")
    assert any("no factory site" in i.value for i in at.info)


def test_benefit_page_classes_and_custom_weights(monkeypatch):
    at = run_page(monkeypatch, "benefit", lang="en")
    assert metric(at, "Firms evaluated") == 282
    classes = sum(metric(at, m.label) for m in at.metric if m.label[:1] in "ABCD")
    assert classes == 282
    at.toggle(key="benefit_custom").set_value(True).run()
    assert not at.exception
    assert any(n.label.startswith("tax per mu") for n in at.number_input)


# ---------------------------------------------------------------------------
# Site finder, share link, presentation
# ---------------------------------------------------------------------------


def test_site_finder_filters_and_share_link(monkeypatch):
    at = run_page(monkeypatch, "site_finder", lang="en")
    found = next(m.value for m in at.markdown if "sites match" in m.value)
    ws = open_workspace(FUXING, validate=False)
    expected = finder.candidate_sites(ws.parcels, areas=ws.areas)  # 连片, buildable uses only
    assert len(expected) < 500  # the 500 available parcels, joined and without green space
    assert found.startswith(f"**{len(expected)}**")
    at.slider(key="sf_size").set_value((10.0, 30.0)).run()
    at.selectbox(key="sf_area").set_value("FX-C01").run()
    qp = at.query_params
    assert (qp["mu"], qp["area"], qp["ws"]) == ("10-30", "FX-C01", "fuxing")
    investor_link, colleague_link = (c.value for c in at.code)
    assert "mu=10-30" in colleague_link and "present=1" not in colleague_link
    # the link for investors is signed and carries the brief (nothing else in its URL)
    from urllib.parse import parse_qs, urlsplit

    from geo import sharing

    url = urlsplit(investor_link)
    assert url.path == "/site-finder" and list(parse_qs(url.query)) == ["share"]
    share = sharing.verify_token(parse_qs(url.query)["share"][0], sharing.load_secret())
    assert share.workspace == "fuxing" and share.lang == "en"
    assert dict(share.brief) == {"mu": "10-30", "area": "FX-C01"}


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    import subprocess

    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")


def test_a_200_mu_class_two_site_near_g309_is_found_scored_and_its_sheet_printed(
    monkeypatch, tmp_path
):
    """The investor's question: ≥ 200 亩, 二类工业用地, within 5 km of G309."""
    from geo.app import site_cards
    from geo.app.pages import site_finder

    at = run_page(monkeypatch, "site_finder", lang="en")
    # the size slider reaches the largest assembled site, beyond any single parcel (≤ 45 亩)
    assert at.slider(key="sf_size").max >= 300
    at.selectbox(key="sf_use").set_value("industry_2").run()
    at.slider(key="sf_size").set_value((200.0, at.slider(key="sf_size").max)).run()
    at.selectbox(key="sf_road_id").set_value("G309").run()
    at.slider(key="sf_road_km").set_value(5.0).run()
    assert not at.exception
    assert dict(at.query_params) == {
        "ws": "fuxing",
        "lang": "en",
        "mu": "200-0",
        "use": "industry_2",
        "road": "G309",
        "road_km": "5",
    }
    found = next(m.value for m in at.markdown if "sites match" in m.value)
    assert found.startswith("**1**"), found
    card = next(m.value for m in at.markdown if m.value.startswith("**Assembled site"))
    n, mu = re.match(r"\*\*Assembled site · (\d+) parcels · ([\d,.\\]+) mu", card).groups()
    assert float(mu.replace("\\", "").replace(",", "")) >= 200
    lines = next(m.value for m in at.markdown if m.value.startswith("- Status"))
    members = re.search(r"Parcels: (.*)", lines).group(1).replace("\\", "").split(", ")
    assert len(members) == int(n) >= 2
    ws = open_workspace(FUXING, validate=False)
    planned = ws.parcels.set_index("parcel_id").loc[members, "land_use_planned"]
    assert set(planned) == {"100102"}  # no class-1, green or logistics parcel in it
    # the score explains its parts: the size asked (at least 200) is met
    parts = next(c.value for c in at.caption if c.value.startswith("size "))
    assert parts.startswith("size 25/25 · road ") and "ready " in parts
    # one click on the card: the site sheet of the assembled site
    site_id = "S:" + ",".join(sorted(members))
    key = "sf_pdf_" + site_finder.card_key(site_id)
    assert any(key in el.proto.id for el in at.get("download_button"))
    text = _pdf_text(site_cards.sheet_pdf(ws, site_id, "en", 10.0), tmp_path)
    assert "Assembled Site Sheet" in text
    for m in members:
        assert m in text
    total_mu = m2_to_mu(ws.parcels.set_index("parcel_id").loc[members].geometry.area.sum())
    assert f"{total_mu:,.2f} 亩" in text  # the sum of the members' areas


def test_no_criterion_shows_no_fit_and_the_largest_site_first(monkeypatch):
    at = run_page(monkeypatch, "site_finder", lang="en")
    assert not any("Fit " in str(p.text) for p in at.get("progress"))
    assert any(c.value.startswith("Not scored") for c in at.caption)
    first = next(m.value for m in at.markdown if m.value.startswith("**Assembled site"))
    assert "8 parcels" in first  # the 连片 block, largest of all, leads
    assert at.subheader[0].value == "Sites, largest first"


def test_share_link_restores_the_view(monkeypatch):
    query = {"ws": "wuan", "lang": "en", "mu": "10-60", "avail": "1", "site": "WA-0012"}
    at = run_page(monkeypatch, "site_finder", workspace=FUXING, lang="zh", query=query)
    assert not at.exception
    assert at.session_state["lang"] == "en"
    assert at.session_state["workspace_path"].endswith("wuan.gpkg")
    assert at.slider(key="sf_size").value == (10.0, 60.0)
    card = "\n".join(m.value for m in at.markdown)
    assert "WA\\-0012" in card
    assert at.query_params["site"] == "WA-0012"


def test_presentation_mode_hides_controls_and_internal_fields(monkeypatch):
    import geopandas as gpd

    query = {"ws": "fuxing", "lang": "zh", "present": "1", "site": "FX-0002"}
    at = run_page(monkeypatch, "site_finder", query=query)
    assert not at.exception
    assert not at.sidebar.children or all(
        type(c).__name__ == "SpecialBlock" for c in at.sidebar.children.values()
    )
    assert len(at.slider) == 0 and len(at.selectbox) == 0 and len(at.code) == 0
    shown = "\n".join(texts(at))
    parcels = gpd.read_file(FUXING, layer="parcels")
    secrets = {
        str(v)
        for c in INTERNAL_FIELDS & set(parcels.columns)
        for v in parcels[c].dropna().unique()
        if len(str(v)) >= 3
    }
    leaked = [s for s in secrets if s in shown]
    assert leaked == []
    for label in ("原企业", "权利人", "联系人", "补偿"):
        assert label not in shown
    # an unavailable parcel is not found for the investor
    query["site"] = "FX-0001"
    at = run_page(monkeypatch, "site_finder", query=query)
    assert "FX\\-0001" not in "\n".join(m.value for m in at.markdown)


def test_investment_officer_menu_has_no_benefit_or_import(monkeypatch):
    at = run_page(monkeypatch, state={"role": "investment"})
    for page in ("benefit", "import_data"):
        with pytest.raises(ValueError):
            at.switch_page(f"geo/app/pages/{page}.py")


def test_brief_round_trips_through_the_query():
    brief = Brief(
        min_mu=5,
        max_mu=40,
        area="FX-Z01",
        industry="精密铸造",
        use="industry_2",
        road="G309",
        road_km=5.0,
        gap_m=20.0,
        available=False,
        site="S:FX-0114,FX-0193",
    )
    assert brief_from_query(brief_to_query(brief)) == brief
    bad = {"mu": "abc-", "road_m": "-5", "use": "spaceport", "gap": "-3", "road_km": "nan"}
    assert brief_from_query(bad) == Brief()


def test_fit_prefers_matching_industry_and_stored_land():
    sites = pd.DataFrame(
        {
            "status": ["stored", "released", "stored"],
            "area_mu": [20.0, 20.0, 20.0],
            "place_ids": [("P",), ("P",), ()],
            "target_industries": ["精密铸造", "精密铸造", ""],
            "road_dist_m": [100.0, 100.0, 100.0],
        }
    )
    fit = finder.fit_scores(sites, min_mu=10, max_mu=40, industry="精密铸造")["fit"]
    assert fit.iloc[0] > fit.iloc[1] > fit.iloc[2]
    assert fit.between(0, 100).all()


def test_import_goes_into_a_working_copy_never_the_demo(monkeypatch):
    import geopandas as gpd

    before = FUXING.stat().st_mtime_ns
    src = gpd.read_file(FUXING, layer="parcels").iloc[:2].copy()
    src["parcel_id"] = ["NEW-1", "NEW-2"]
    src["status_since"] = src["status_since"].astype(str)
    cols = ["parcel_id", "name", "district", "status", "land_use_now", "land_use_planned"]
    cols += ["industry_before", "polluting_history", "status_since", "geometry"]
    data = src[cols].to_crs(4326).to_json().encode("utf-8")
    at = run_page(monkeypatch, "import_data", lang="en")
    assert any("working copy" in i.value for i in at.info)
    at.get("file_uploader")[0].upload("new.geojson", data, "application/geo+json").run()
    at.button(key="import_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert metric(at, "Rows") == 2 and metric(at, "Errors") == 0
    at.button(key="import_apply").click().run()
    assert any("Wrote 2 row(s) into parcels" in s.value for s in at.success)
    opened = at.session_state["workspace_path"]
    assert opened.endswith("fuxing-working-copy.gpkg")
    assert len(gpd.read_file(opened, layer="parcels")) == 1202
    assert FUXING.stat().st_mtime_ns == before


# ---------------------------------------------------------------------------
# Errors never show a traceback
# ---------------------------------------------------------------------------


def test_missing_workspace_gives_a_message_not_a_traceback(monkeypatch, tmp_path):
    at = run_page(monkeypatch, workspace=tmp_path / "missing.gpkg")
    assert not at.exception
    assert any("does not exist" in e.value for e in at.error)


@pytest.mark.parametrize("page", ["overview", "freed_land", "site_finder"])
def test_broken_workspace_gives_a_message(monkeypatch, tmp_path, page):
    bad = tmp_path / "broken.gpkg"
    bad.write_bytes(b"\x00" * 100)
    at = run_page(monkeypatch, page, workspace=bad, lang="en")
    assert not at.exception
    assert any("cannot be opened" in e.value for e in at.error)


def test_a_failing_calculation_is_a_message_and_other_pages_work(monkeypatch):
    from geo.app import compute

    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(compute, "release", boom)
    at = run_page(monkeypatch, "freed_land", lang="en")
    assert not at.exception
    assert any("engine exploded" in e.value for e in at.error)
    at.switch_page("geo/app/pages/site_finder.py").run()
    assert not at.exception and at.title[0].value == "Site finder"


# ---------------------------------------------------------------------------
# Strings
# ---------------------------------------------------------------------------


def test_every_ui_string_used_exists_and_english_has_no_chinese():
    used = set()
    for path in (ROOT / "geo" / "app").rglob("*.py"):
        used |= set(re.findall(r"""(?<![\w.])t\(\s*["']([a-z_]+)["']""", path.read_text()))
    assert used - set(i18n.STRINGS) == set()
    chinese = {
        k: en
        for k, (_, en) in i18n.STRINGS.items()
        if CJK.search(en) and not en.startswith(BILINGUAL) and k != "enclave"
    }
    assert chinese == {}


def test_string_tables_share_no_key():
    """The sibling tables (``geo/app/i18n_*.py``) and ``i18n.py``'s own add up to STRINGS."""
    import ast
    import importlib

    own = next(
        node.value
        for node in ast.parse((ROOT / "geo" / "app" / "i18n.py").read_text()).body
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "STRINGS"
    )
    keys = [ast.literal_eval(k) for k in own.keys]
    for path in sorted((ROOT / "geo" / "app").glob("i18n_*.py")):
        module = importlib.import_module(f"geo.app.{path.stem}")
        tables = [v for k, v in vars(module).items() if k.endswith("_STRINGS")]
        assert len(tables) == 1, path.name
        keys += list(tables[0])
    assert len(keys) == len(set(keys)) == len(i18n.STRINGS)


def test_investor_server_serves_only_the_presentation(monkeypatch):
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(FUXING))
    monkeypatch.setenv("TENGLONG_MODE", "investor")
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("geo/app/pages/site_finder.py").run()
    assert not at.exception, at.exception
    assert len(at.slider) == 0 and not any(b.label == "退出演示" for b in at.button)
    found = next(m.value for m in at.markdown if "块地符合条件" in m.value)
    ws = open_workspace(FUXING, validate=False)
    assert found.startswith(f"**{len(finder.candidate_sites(ws.parcels, areas=ws.areas))}**")
    shown = "\n".join(texts(at))
    assert "有限公司" not in shown


def _uploader(at: AppTest, key: str):
    return next(u for u in at.get("file_uploader") if u.key == key)


def test_an_uploaded_workspace_opens_and_junk_is_refused(monkeypatch):
    at = run_page(monkeypatch, lang="en")
    _uploader(at, "ws_upload").upload("junk.gpkg", b"not a geopackage" * 10).run()
    assert any("Give a .gpkg file" in e.value for e in at.error)
    assert at.session_state["workspace_path"].endswith("fuxing.gpkg")
    _uploader(at, "ws_upload").upload("mine.gpkg", WUAN.read_bytes()).run()
    assert not at.exception
    assert at.session_state["workspace_path"].endswith("mine.gpkg")
    assert any("Wu'an" in c.value for c in at.caption)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "gpkg", "shp", "geojson", "kml", "html", "pdf"])
def test_export_page_makes_every_format_for_the_investor(monkeypatch, fmt):
    from geo.export import FORMATS

    at = run_page(monkeypatch, "export", lang="en")
    at.selectbox(key="export_format").set_value(fmt)
    at.selectbox(key="export_role").set_value("investor").run()
    at.button(key="export_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    data, name, mime = at.session_state["export_result"]
    assert name.endswith("." + FORMATS[fmt].ext) and mime == FORMATS[fmt].mime
    assert any(i18n.md(name) in s.value for s in at.success)  # the Markdown source escapes
    assert at.get("download_button")
    if fmt in ("csv", "geojson", "kml", "html"):
        text = data.decode("utf-8-sig")
        for internal in ("former_enterprise", "compensation_wan_yuan", "owner", "contact"):
            assert internal not in text


def test_overview_reads_back_filter_labels_sent_in_the_other_language(monkeypatch):
    """After a language switch a closed popover's widgets send their old labels
    ("闲置", "全部") back: they must mean the status idle and "all", not filter on text."""
    at = run_page(monkeypatch, lang="en", state={"ov_status": ["闲置"], "ov_area": "全部"})
    assert at.session_state["ov_status"] == ["idle"]
    assert at.session_state["ov_area"] is None
    assert any("Filtered: 16 parcels" in c.value for c in at.caption)
    assert not at.warning


def test_sites_page_without_sites_offers_the_wuan_workspace(monkeypatch):
    """The empty state is an action (a button), not a schema expression like "areas.kind"."""
    at = run_page(monkeypatch, "sites", lang="zh")
    assert not any("areas.kind" in i.value for i in at.info)
    at.button(key="sites_open_wuan").click().run()
    assert at.session_state["workspace_path"].endswith("wuan.gpkg")
    assert metric(at, "板块数") > 0


@pytest.mark.parametrize(("workspace", "note"), [(FUXING, True), (DATA / "choujiang.gpkg", False)])
def test_benefit_page_says_when_the_preset_is_not_local(monkeypatch, workspace, note):
    """A Handan (Hebei) workspace on the 黄岩 (Zhejiang) preset says so; a Yiwu one does not."""
    at = run_page(monkeypatch, "benefit", lang="zh", workspace=workspace)
    shown = any("本地没有亩均评价预设" in c.value for c in at.caption)
    assert shown is note


@pytest.mark.parametrize(
    "page", ["overview", "site_finder", "import_data", "freed_land", "geom_edit"]
)
def test_no_select_box_falls_back_to_streamlits_english_placeholder(monkeypatch, page):
    """A select box showing no choice says so in the UI language, not "Choose an option"."""
    at = run_page(monkeypatch, page, lang="zh")
    assert not at.exception
    for box in at.selectbox:
        if box.value is None and not box.proto.HasField("default"):  # nothing shown
            assert box.proto.placeholder and CJK.search(box.proto.placeholder), box.key
        assert not [o for o in box.options if o.isascii() and "_" in o], (box.key, box.options)
