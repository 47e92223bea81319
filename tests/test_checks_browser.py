"""The 检查与监管 page in headless Chromium: a map of the findings; a picked finding opens
its card.

Uses the server and page fixtures of ``test_app_browser.py`` (every request
beyond this machine blocked and counted).
"""

from __future__ import annotations

import re

import pytest

from tests import test_app_browser as browser

app_url = browser.app_url
app_page = browser.app_page
screenshots = browser.screenshots
"""The browser fixtures of ``test_app_browser.py``."""

pytestmark = pytest.mark.browser


def test_checks_page_maps_the_findings_and_a_picked_row_opens_the_card(
    app_url, app_page, screenshots
):
    from playwright.sync_api import expect

    page = app_page.page
    page.goto(app_url + "/checks")
    frame = browser.map_frame(page)
    assert page.locator("h1").first.inner_text() == "检查与监管"
    drawn = frame.evaluate(
        "() => document.querySelectorAll('.leaflet-tl-parcels_status-pane path').length"
    )
    assert drawn > 0  # the parcels of today's findings
    main = page.locator("[data-testid='stMain']")
    for heading in ("批供用台账", "闲置土地", "尚可供应年限", "今日检查结果"):
        expect(main.get_by_role("heading", name=heading)).to_be_visible()
    # only the soil gate's findings (each about a parcel), then pick the first row
    check = page.locator("[data-testid='stMultiSelect']").first
    chip = check.locator("[data-baseweb='tag']", has_text="土壤门槛")
    for _ in range(3):
        check.click()
        option = page.get_by_role("option", name="土壤门槛", exact=True)
        if option.count():
            option.click()
        browser.settle(page)
        if chip.count():
            break
    page.keyboard.press("Escape")
    browser.settle(page)
    grid = page.locator("[data-testid='stDataFrame']").last
    grid.scroll_into_view_if_needed()
    browser.settle(page)
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection cell
    browser.settle(page)
    card = page.locator(".st-key-parcel_card")
    card.wait_for(timeout=30_000)
    expect(card).to_contain_text("腾退日期", timeout=30_000)
    assert re.search(r"FX-\d{4}", card.inner_text())
    browser.shot(page, screenshots, "checks")
    assert app_page.blocked == []
    assert not page.locator("[data-testid='stException']").count()
