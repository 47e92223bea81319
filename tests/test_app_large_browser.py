"""The viewport-driven map in chromium: zoom into a small area of a large workspace → its parcels.

A running server opens the 60,000-parcel dataset of ``tests/test_app_large.py``
(above the large threshold, so its first map is the grid aggregate). Zooming
the map into a few hundred metres around a freed parcel sends the view to the
server, which answers, in the same page (no reload) and by rerunning only the
map's fragment, with every freed parcel in view.
"""

from __future__ import annotations

import urllib.parse

import geopandas as gpd
import pytest

from geo.dataset import open_dataset
from geo.schema import FREED_STATUSES
from geo.viewport import parcels_in_bounds
from tests.test_app_browser import (  # noqa: F401  (app_url is a fixture)
    CHROMIUM,
    CHROMIUM_ARGS,
    NOT_LOCAL,
    app_url,
    map_frame,
    settle,
)
from tests.test_app_large import large  # noqa: F401  (a fixture)

LAYERS = "() => TL.instances.filter(i => i.map._loaded).pop().cfg.layers.map(l => [l.id, l.n])"


@pytest.mark.browser
def test_zooming_in_shows_the_parcels_in_view(app_url, chromium, large):  # noqa: F811
    ds = open_dataset(large)
    freed = ds.read(columns=["parcel_id"], statuses=["stored"])
    centre = freed.geometry.iloc[len(freed) // 2].centroid
    lon_lat = gpd.GeoSeries([centre], crs=ds.crs).to_crs(4326).iloc[0]
    url = f"{app_url}/?lang=en&ws={urllib.parse.quote(str(large))}"
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if NOT_LOCAL.search(r.url) else None)
    try:
        page.goto(url)
        map_frame(page)
        settle(page)
        first = dict(page.evaluate(LAYERS))
        assert first.get("aggregate_land", 0) > 0 and "parcels_status" not in first, first
        page.evaluate("() => { window.__sameDocument = true; }")
        page.evaluate(
            f"() => TL.instances.filter(i => i.map._loaded).pop().map"
            f".setView([{lon_lat.y}, {lon_lat.x}], 17, {{animate: false}})"
        )
        page.wait_for_function(
            "() => TL.instances.some(i => i.map._loaded && "
            "i.cfg.layers.some(l => l.id === 'parcels_status' && l.n > 0))",
            timeout=60_000,
        )
        settle(page)
        assert page.evaluate("() => window.__sameDocument === true")  # no page reload
        shown = dict(page.evaluate(LAYERS))
        view = page.evaluate(
            "() => { const b = TL.instances.filter(i => i.map._loaded).pop().map.getBounds();"
            " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
        )
        want = parcels_in_bounds(
            ds, view, bounds_crs=4326, statuses=list(FREED_STATUSES), limit=10_000
        )
        assert 0 < shown["parcels_status"] == len(want) < 5_000
        body = page.inner_text("body")
        assert "In view" in body
    finally:
        browser.close()
    assert outside == []
