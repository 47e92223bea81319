"""The overview's result list in a real Chromium: the map fits the filter result, a picked row
opens its card and the map zooms to that parcel.

Expected parcels and bounds come from the demo GeoPackage itself (geopandas and
:func:`geo.lifecycle.days_in_status`). Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from geo.lifecycle import days_in_status
from tests import test_app_browser as browser

app_url = browser.app_url
app_page = browser.app_page
screenshots = browser.screenshots
"""The browser fixtures of ``test_app_browser.py`` (its server, page and screenshot folder)."""

pytestmark = pytest.mark.browser

VIEW = """() => { const b = TL.instances[0].map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"""


def _idle_year(parcels: gpd.GeoDataFrame) -> list[str]:
    days = days_in_status(parcels)
    hit = days[(days["status"] == "idle") & (days["days_in_status"] >= 365)]
    return sorted(hit["parcel_id"].astype(str))


def _contains(view: list[float], bounds: Any) -> bool:
    west, south, east, north = (float(v) for v in bounds)
    eps = 1e-6
    return (
        view[0] <= west + eps
        and view[1] <= south + eps
        and view[2] >= east - eps
        and view[3] >= north - eps
    )


def _choose_idle(page: Any) -> None:
    """Status 闲置 in the filter popover (a late rerun may close it under the pointer: retry)."""
    main = page.locator("[data-testid='stMain']")
    status = page.locator("[data-testid='stMultiSelect']").first
    chip = status.locator("[data-baseweb='tag']", has_text="闲置")
    for _ in range(3):
        if not status.is_visible():
            main.locator("[data-testid='stPopover'] button").first.click()
            status.wait_for()
        status.click()
        option = page.get_by_role("option", name="闲置", exact=True)
        if option.count():
            option.click()
        browser.settle(page)
        if chip.count():
            break
    days = page.locator("[data-testid='stNumberInput'] input").first
    for _ in range(3):
        if not days.is_visible():
            main.locator("[data-testid='stPopover'] button").first.click()
            days.wait_for()
        days.fill("365")
        days.press("Enter")
        browser.settle(page)
        if page.get_by_text("筛选 (2)").count():
            break


def test_the_map_fits_the_result_and_a_picked_row_zooms_to_its_parcel(
    app_url, app_page, screenshots: Path
):
    parcels = gpd.read_file(browser.FUXING, layer="parcels")
    want = _idle_year(parcels)
    page = app_page.page
    page.goto(app_url + "/")
    browser.map_frame(page)
    browser.settle(page)
    whole = parcels.to_crs(4326).total_bounds
    _choose_idle(page)
    page.get_by_text(f"筛选结果：{len(want)} 块地").wait_for(timeout=60_000)
    page.keyboard.press("Escape")
    browser.settle(page)
    page.wait_for_function(
        "n => document.querySelectorAll('.leaflet-tl-parcels_status-pane path').length === n",
        arg=len(want),
        timeout=30_000,
    )
    view = page.evaluate(VIEW)
    result = parcels[parcels["parcel_id"].isin(want)].to_crs(4326).total_bounds
    assert _contains(view, result), (view, result)
    assert (view[2] - view[0]) < (whole[2] - whole[0]) * 1.5
    # the list: one row per parcel of the result, under the map
    expander = page.locator("[data-testid='stExpander']", has_text=f"地块列表（{len(want)} 块）")
    expander.wait_for()
    grid = expander.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    browser.settle(page)
    box = grid.bounding_box()
    assert box is not None
    # no raw CSV download from the table's toolbar (client.disableDataExport): the list's
    # own buttons write through geo/cells.py
    grid.hover()
    page.wait_for_timeout(500)
    tools = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stElementToolbar] button')]"
        ".map(b => b.getAttribute('aria-label') || b.innerText)"
    )
    assert tools and not [t for t in tools if "ownload" in str(t)], tools
    assert expander.get_by_role("button", name="下载列表 (xlsx)").count() == 1
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell
    browser.settle(page)
    first = want[0]  # the list opens sorted by parcel id
    card = page.locator(".st-key-parcel_card")
    card.get_by_text(first, exact=False).first.wait_for(timeout=30_000)
    page.wait_for_function(
        f"() => {{ const v = ({VIEW})(); return (v[2] - v[0]) < {(result[2] - result[0]) / 3}; }}",
        timeout=30_000,
    )
    view = page.evaluate(VIEW)
    one = parcels[parcels["parcel_id"] == first].to_crs(4326).total_bounds
    assert _contains(view, one), (view, one)
    # the parcel picked in the list is highlighted on the map, as a click would
    page.wait_for_function(
        "id => { const i = TL.instances[TL.instances.length - 1];"
        " return i.selected && i.selected.feature.properties.parcel_id === id"
        " && i.selected.options.color === '#00b7ff'; }",
        arg=first,
        timeout=30_000,
    )
    page.screenshot(path=str(screenshots / "overview-list-picked.png"), full_page=True)
    assert app_page.blocked == []
