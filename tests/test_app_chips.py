"""Filter chips above the map (overview and site finder), through ``streamlit.testing``.

On the real Fuxing demo: every active filter is a chip in the UI language, one
click on a chip removes that filter only, 清除全部 / Clear all removes every
one, and a language switch keeps the filters and relabels their chips. Bad
inputs tried: a status sent back in the other language's label, a days value
that is text, an area id that does not exist, and chip text carrying Markdown
and HTML.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from geo.app import chips
from geo.app.i18n import md
from tests.test_app import FUXING, run_page


@pytest.fixture(scope="module")
def parcels() -> gpd.GeoDataFrame:
    return gpd.read_file(FUXING, layer="parcels")


def _chips(at: AppTest, prefix: str = "ov_chip_") -> dict[str, str]:
    """The chips on the page: key → label (the clear-all button excluded)."""
    return {
        b.key: b.label
        for b in at.button
        if b.key and b.key.startswith(prefix) and not b.key.endswith("_clear")
    }


def test_every_active_filter_is_a_chip_and_one_click_removes_it(monkeypatch, parcels):
    state = {"ov_status": ["idle", "stored"], "ov_days": 365}
    at = run_page(monkeypatch, state=state)
    assert not at.exception, at.exception
    labels = sorted(_chips(at).values())
    assert labels == [md("当前状态天数 ≥ 365"), md("状态：已收储"), md("状态：闲置")], labels
    # the 闲置 chip removes 闲置 only
    key = next(k for k, v in _chips(at).items() if v == md("状态：闲置"))
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    assert at.session_state["ov_status"] == ["stored"]
    assert at.session_state["ov_days"] == 365
    assert sorted(_chips(at).values()) == [md("当前状态天数 ≥ 365"), md("状态：已收储")]
    # 清除全部 / Clear all
    clear = at.button(key="ov_clear")
    assert clear.label == "清除全部"
    clear.click().run()
    assert at.session_state["ov_status"] == [] and at.session_state["ov_days"] == 0
    assert _chips(at) == {}
    assert not [b for b in at.button if b.key == "ov_clear"]  # no filter, no clear-all


def test_a_language_switch_keeps_the_filters_and_relabels_their_chips(monkeypatch, parcels):
    # the status as the Chinese label a closed popover sends back, a year range, an industry
    years = gpd.pd.to_datetime(parcels["released_on"], errors="coerce").dt.year.dropna()
    lo, hi = int(years.min()), int(years.max())
    industry = str(parcels["industry_before"].dropna().iloc[0])
    state = {"ov_status": ["闲置"], "ov_year": (lo + 1, hi), "ov_industry": [industry]}
    at = run_page(monkeypatch, state=state)
    assert not at.exception, at.exception
    zh = sorted(_chips(at).values())
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["ov_status"] == ["idle"]
    assert tuple(at.session_state["ov_year"]) == (lo + 1, hi)
    assert at.session_state["ov_industry"] == [industry]
    en = sorted(_chips(at).values())
    assert len(en) == len(zh) == 3
    assert md("Status: idle") in en
    assert md(f"Year released: {lo + 1}–{hi}") in en
    assert not any("\u4e00" <= ch <= "\u9fff" for v in en for ch in v), en
    assert at.button(key="ov_clear").label == "Clear all"
    # the year chip puts the full range back
    key = next(k for k, v in _chips(at).items() if v.startswith(md("Year released")))
    at.button(key=key).click().run()
    assert tuple(at.session_state["ov_year"]) == (lo, hi)
    assert at.session_state["ov_status"] == ["idle"]


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"ov_days": "many"}, {}),  # text in the days field: no filter, no chip
        ({"ov_area": "NO-SUCH-AREA"}, {}),  # a stale area id
        ({"ov_status": ["idle"], "ov_days": -5}, {md("Status: idle")}),
    ],
)
def test_bad_filter_values_make_no_chip(monkeypatch, state, expected):
    at = run_page(monkeypatch, lang="en", state=state)
    assert not at.exception, at.exception
    assert set(_chips(at).values()) == set(expected)


def _chip_page() -> None:
    import streamlit as st

    from geo.app import chips

    chips.show(
        [chips.Chip("**bold** <b>x</b> [a](https://example.org)", {"x": 1})],
        "en",
        key="c",
        clear_all={"x": 0},
    )
    st.write(st.session_state.get("x"))


def test_chip_text_from_data_is_text():
    at = AppTest.from_function(_chip_page).run()
    assert not at.exception
    b = at.button(key="c_0")
    assert b.label == md("**bold** <b>x</b> [a](https://example.org)")
    b.click().run()
    assert at.session_state["x"] == 1
    at.button(key="c_clear").click().run()
    assert at.session_state["x"] == 0


def test_site_finder_criteria_are_chips(monkeypatch):
    query = {"ws": "fuxing", "use": "industry_2", "mu": "200-0", "road": "G309", "road_km": "5"}
    at = run_page(monkeypatch, "site_finder", query=query)
    assert not at.exception, at.exception
    found = _chips(at, "sf_chip_")
    labels = sorted(found.values())
    assert len(labels) == 3, labels
    assert any(v.startswith(md("项目类别：")) for v in labels), labels
    assert md("面积(亩)：200–∞") in labels
    assert any("G309" in v and "5 km" in v for v in labels), labels
    # the road chip removes the road and its distance, and nothing else
    key = next(k for k, v in found.items() if "G309" in v)
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    assert at.session_state["sf_road_km"] == 0.0 and at.session_state["sf_road_id"] is None
    assert at.session_state["sf_use"] == "industry_2"
    left = sorted(_chips(at, "sf_chip_").values())
    assert len(left) == 2 and md("面积(亩)：200–∞") in left, left
    at.button(key="sf_chip_clear").click().run()
    assert not at.exception, at.exception
    assert _chips(at, "sf_chip_") == {}
    assert at.session_state["sf_road_km"] == 0.0
    lo, hi = at.session_state["sf_size"]
    assert lo == 0.0 and hi >= 200


def test_finder_chips_need_a_label_for_a_criterion():
    from geo.app.pages.site_finder import Brief

    found, clear = chips.finder_chips(
        Brief(use="industry_2", road_km=2.0),
        "en",
        use_label=None,  # an unknown project category: no chip
        area_label=None,
        industry_label=None,
        road_label=None,
    )
    assert len(found) == 1 and "2 km" in found[0].label
    assert clear == {"sf_road_km": 0.0, "sf_road_id": None}
