"""地块编辑 in a real Chromium: draw a split line with the mouse, see the live figures, save.

The app runs on a copy of the Fuxing demo (so the save goes into that file
and is read back with the workspace reader); the network beyond localhost is
cut off, so leaflet-geoman is served by the app itself or not at all.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from geo import jsassets
from geo.app import geom_edit
from geo.workspace import open_workspace
from tests.appserver import streamlit_app
from tests.test_app_browser import FUXING, MAP_ELEMENT, ROOT, SCREEN, map_frame, offline, settle

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not jsassets.available("geoman"),
        reason="leaflet-geoman is not fetched: run `python scripts/fetch-js.py` (make test does)",
    ),
]

PID = "FX-0001"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("geomedit") / "fx.gpkg"
    shutil.copy2(FUXING, target)
    return target


def _serve(
    workspace: Path, tmp_path_factory: pytest.TempPathFactory, **extra: str
) -> Iterator[str]:
    """``streamlit run app.py`` on ``workspace`` (``extra``: more environment)."""
    log = tmp_path_factory.mktemp("streamlit-geomedit") / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "TENGLONG_MODE"}
    env["TENGLONG_WORKSPACE"] = str(workspace)
    env["TENGLONG_CACHE_DIR"] = str(tmp_path_factory.mktemp("tl-cache"))
    env.update(extra)
    with log.open("wb") as out, streamlit_app(env, out) as (url, _):
        yield url


@pytest.fixture(scope="module")
def edit_url(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run app.py`` on the copy, for this module."""
    yield from _serve(workspace, tmp_path_factory)


def _to_page(page: Any, lnglat: list[float]) -> tuple[float, float]:
    """Page pixels of a display coordinate on the map element."""
    xy = page.evaluate(
        """([lng, lat]) => {
            const holder = document.querySelector('.tl-holder');
            const p = holder.__tl.map.latLngToContainerPoint([lat, lng]);
            const r = holder.getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""",
        lnglat,
    )
    return float(xy[0]), float(xy[1])


def test_a_split_line_drawn_with_the_mouse_splits_the_parcel_in_the_store(
    edit_url, chromium, workspace, screenshots
):
    context = chromium.new_context(viewport=SCREEN, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    ap = offline(page)
    try:
        page.goto(edit_url + "/edit-parcels")
        map_frame(page)
        assert page.locator("h1").first.inner_text() == "地块编辑"
        # choose the parcel (the default operation is 按线分割 / split by a line)
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="地块").first
        box.click()
        page.keyboard.type(PID)
        page.keyboard.press("Enter")
        settle(page)
        page.wait_for_function(
            "() => { const h = document.querySelector('.tl-holder');"
            " return h && h.__tl && h.__tl.edit && h.__tl.edit.edit.target; }",
            timeout=30_000,
        )
        page.wait_for_timeout(800)  # the fit to the parcel
        info = page.locator(".tl-edit-info")
        assert "吸附容差 2 米" in info.inner_text()
        live = page.locator('[data-testid="tl-edit-area"]')
        assert "地块面积 18.84 亩" in live.inner_text()  # the parcel's area before drawing
        # a north-south line through the parcel's middle, beyond both edges
        ws = open_workspace(workspace)
        x0, y0, x1, y1 = geom_edit.parcel_geometry(ws, PID).bounds
        mid = x0 + (x1 - x0) * 0.4
        line = shapely.LineString([(mid, y1 + 15), (mid, y0 - 15)])
        start, end = geom_edit.work_to_display([line], ws.crs, gcj02=False)[0]["coordinates"]
        sx, sy = _to_page(page, start)
        ex, ey = _to_page(page, end)
        page.mouse.click(sx, sy)
        page.mouse.move((sx + ex) / 2, (sy + ey) / 2, steps=6)
        assert "线长" in live.inner_text()  # the figures follow the pointer
        page.mouse.move(ex, ey, steps=6)
        page.mouse.click(ex, ey)
        page.wait_for_timeout(300)
        page.mouse.click(ex, ey)  # a click on the last vertex finishes the line
        settle(page)
        page.get_by_text("将要保存的变更").wait_for()
        page.locator(".tl-edit-preview").first.wait_for()  # the lots, labelled on the map
        labels = page.locator(".tl-edit-preview").all_inner_texts()
        assert len(labels) == 2 and all("亩" in x for x in labels), labels
        save = page.get_by_role("button", name="保存")
        save.wait_for()
        settle(page)
        page.screenshot(path=str(screenshots / "geom-edit.png"))
        assert save.is_enabled()
        save.click()
        settle(page)
        page.get_by_text("已保存").first.wait_for()
        after = open_workspace(workspace)
        assert PID in after.retired_ids
        lots = after.parcels[after.parcels["parent_id"].astype(str) == PID]
        assert sorted(lots["parcel_id"]) == [f"{PID}-1", f"{PID}-2"]
        assert lots.geometry.area.sum() == pytest.approx(
            geom_edit.parcel_geometry(ws, PID).area, abs=0.01
        )
        assert ap.blocked == [] and ap.errors == [], (ap.blocked, ap.errors)
        assert not page.locator("[data-testid='stException']").count()
        map_frame(page)  # the map is drawn again, with the lots
        page.wait_for_function(
            "() => document.querySelector('.tl-holder').textContent.includes('FX-0001-1')",
            timeout=30_000,
        )
        assert page.locator(MAP_ELEMENT).count() == 1
    finally:
        context.close()


def test_over_gaode_a_snapped_vertex_is_stored_on_the_neighbours_vertex(
    edit_url, chromium, workspace
):
    """Drawn over the GCJ-02 basemap, a corner snapped to a parcel's corner is stored on it."""
    near = "FX-0003"
    ws = open_workspace(workspace)
    parcel = geom_edit.parcel_geometry(ws, near)
    corner = max(shapely.get_coordinates(parcel).tolist(), key=lambda p: p[0] + p[1])  # NE
    context = chromium.new_context(viewport=SCREEN, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    ap = offline(page)
    try:
        page.goto(edit_url + "/edit-parcels")
        map_frame(page)
        page.locator('[data-testid="stSidebar"]').get_by_text("高德 矢量 (GCJ-02)").click()
        settle(page)
        page.locator('[data-testid="stRadio"]').get_by_text("绘制新地块").click()
        settle(page)
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="附近").first
        box.click()
        page.keyboard.type(near)
        page.keyboard.press("Enter")
        settle(page)
        snap = (
            page.locator('[data-testid="stNumberInput"]').filter(has_text="吸附").locator("input")
        )
        snap.fill("5")
        snap.press("Enter")
        settle(page)
        page.wait_for_function(
            "() => { const h = document.querySelector('.tl-holder');"
            " return h && h.__tl && h.__tl.edit && h.__tl.edit.edit.snap_m === 5"
            " && h.__tl.edit.layers.length > 0; }",
            timeout=30_000,
        )
        page.wait_for_timeout(800)
        assert "吸附容差 5 米" in page.locator(".tl-edit-info").inner_text()
        shown = geom_edit.work_to_display([shapely.Point(corner)], ws.crs, gcj02=True)[0]
        cx, cy = _to_page(page, shown["coordinates"])
        # a 60 m square north-east of the corner; its first vertex 2 px off the corner
        far = geom_edit.work_to_display(
            [shapely.Point(corner[0] + 60, corner[1] + 60)], ws.crs, gcj02=True
        )[0]
        fx, fy = _to_page(page, far["coordinates"])
        points = [(cx + 2, cy - 2), (fx, cy), (fx, fy), (cx, fy)]
        for x, y in points:
            page.mouse.move(x, y, steps=4)
            page.mouse.click(x, y)
            page.wait_for_timeout(150)
        assert "亩" in page.locator('[data-testid="tl-edit-area"]').inner_text()
        page.mouse.move(cx, cy, steps=4)
        page.mouse.click(cx, cy)  # the first vertex closes the shape
        page.wait_for_timeout(300)
        live = page.locator('[data-testid="tl-edit-area"]').inner_text()
        assert "亩" in live and "m²" in live, live
        page.locator(".tl-edit-use").click()
        settle(page)
        page.get_by_text("将要保存的变更").wait_for()
        page.get_by_role("button", name="保存").click()
        settle(page)
        page.get_by_text("已保存").first.wait_for()
        after = open_workspace(workspace)
        created = after.parcels[~after.parcels["parcel_id"].isin(ws.parcels["parcel_id"])]
        created = created[created["parent_id"].isna()]
        assert len(created) == 1
        got = shapely.get_coordinates(created.geometry.iloc[0])
        dist_m = float(((got - corner) ** 2).sum(axis=1).min() ** 0.5)
        assert dist_m < 0.005, dist_m  # on the neighbour's corner within 5 mm
        assert ap.errors == []
        assert all("autonavi" in u or "amap" in u for u in ap.blocked), ap.blocked[:3]
    finally:
        context.close()


def test_a_drawn_parcel_with_a_cut_hole_is_checked_and_its_overlap_shown_in_red(
    edit_url, chromium, workspace
):
    near = "FX-0004"
    ws = open_workspace(workspace)
    centre = geom_edit.parcel_geometry(ws, near).centroid
    context = chromium.new_context(viewport=SCREEN, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    ap = offline(page)
    try:
        page.goto(edit_url + "/edit-parcels")
        map_frame(page)
        page.locator('[data-testid="stRadio"]').get_by_text("绘制新地块").click()
        settle(page)
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="附近").first
        box.click()
        page.keyboard.type(near)
        page.keyboard.press("Enter")
        settle(page)
        page.wait_for_function(
            "() => { const h = document.querySelector('.tl-holder');"
            " return h && h.__tl && h.__tl.edit && h.__tl.edit.layers.length > 0; }"
        )
        page.wait_for_timeout(800)
        shown = geom_edit.work_to_display([centre], ws.crs, gcj02=False)[0]
        cx, cy = _to_page(page, shown["coordinates"])
        live = page.locator('[data-testid="tl-edit-area"]')

        def draw(points):
            for x, y in [*points, points[0]]:  # the first vertex again closes the shape
                page.mouse.move(x, y, steps=3)
                page.mouse.click(x, y)
                page.wait_for_timeout(150)

        # a square from the parcel's centre to the north-east: it overlaps the parcel
        draw([(cx, cy), (cx + 120, cy), (cx + 120, cy - 120), (cx, cy - 120)])
        outer = live.inner_text()
        page.locator(".leaflet-pm-icon-cut").click()  # 挖洞: a hole, away from the parcel
        draw([(cx + 80, cy - 80), (cx + 105, cy - 80), (cx + 105, cy - 105), (cx + 80, cy - 105)])
        page.wait_for_timeout(400)
        holed = live.inner_text()

        def m2(text):
            return float(text.split("·")[1].replace("m²", "").replace(",", "").strip())

        assert m2(holed) < m2(outer) * 0.99, (outer, holed)  # the area follows the cut
        page.locator(".tl-edit-use").click()
        settle(page)
        page.get_by_text("将要保存的变更").wait_for()
        alerts = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
        assert "保存前检查发现" in alerts, alerts
        problems = " ".join(
            page.locator('[data-testid="stMarkdownContainer"] li').all_inner_texts()
        )
        assert near in problems and "重叠" in problems, problems
        assert page.get_by_role("button", name="保存").is_disabled()
        # the overlap is drawn in red on the map
        page.wait_for_function(
            "() => document.querySelectorAll(\"path[stroke='#d50000']\").length > 0"
        )
        assert ap.errors == [] and ap.blocked == []
    finally:
        context.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    out = ROOT / "artifacts" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


FREED = "FX-0002"  # a stored (收储) parcel of the Fuxing demo


def _summary_total_mu(path: Path) -> float:
    from geo.release import release_summary

    ws = open_workspace(path)
    return float(release_summary(ws.parcels, ws.areas, by=["status"])["area_mu"].sum())


def test_a_line_drawn_across_a_freed_parcel_twice_gives_three_supply_lots(
    edit_url, chromium, workspace, screenshots
):
    """The issue's case: a freed parcel cut into three lots with the mouse, saved, read back."""
    total_before = _summary_total_mu(workspace)
    ws = open_workspace(workspace)
    parent = geom_edit.parcel_geometry(ws, FREED)
    context = chromium.new_context(viewport=SCREEN, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    ap = offline(page)
    try:
        page.goto(edit_url + "/edit-parcels")
        map_frame(page)
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="地块").first
        box.click()
        page.keyboard.type(FREED)
        page.keyboard.press("Enter")
        settle(page)
        page.wait_for_function(
            "() => { const h = document.querySelector('.tl-holder');"
            " return h && h.__tl && h.__tl.edit && h.__tl.edit.edit.target; }",
            timeout=30_000,
        )
        page.wait_for_timeout(800)
        # a U-shaped line: down through the parcel at 1/3, under it, up through it at 2/3
        x0, y0, x1, y1 = parent.bounds
        a, b = x0 + (x1 - x0) / 3, x0 + (x1 - x0) * 2 / 3
        line = shapely.LineString([(a, y1 + 15), (a, y0 - 15), (b, y0 - 15), (b, y1 + 15)])
        coords = geom_edit.work_to_display([line], ws.crs, gcj02=False)[0]["coordinates"]
        points = [_to_page(page, c) for c in coords]
        page.mouse.click(*points[0])
        for qx, qy in points[1:]:
            page.mouse.move(qx, qy, steps=6)
            page.mouse.click(qx, qy)
            page.wait_for_timeout(200)
        page.wait_for_timeout(300)
        page.mouse.click(*points[-1])  # a click on the last vertex finishes the line
        settle(page)
        page.get_by_text("将要保存的变更").wait_for()
        page.locator(".tl-edit-preview").first.wait_for()
        labels = page.locator(".tl-edit-preview").all_inner_texts()
        assert len(labels) == 3 and all("亩" in x for x in labels), labels
        save = page.get_by_role("button", name="保存")
        save.wait_for()
        settle(page)
        assert save.is_enabled()
        save.click()
        settle(page)
        page.get_by_text("已保存").first.wait_for()
        after = open_workspace(workspace)
        assert FREED in after.retired_ids
        lots = after.parcels[after.parcels["parent_id"].astype(str) == FREED]
        assert sorted(lots["parcel_id"]) == [f"{FREED}-1", f"{FREED}-2", f"{FREED}-3"]
        assert set(lots["status"]) == {"stored"}  # the parent's status, carried
        assert lots.geometry.area.sum() == pytest.approx(parent.area, abs=0.01)
        # every freed-land figure is the same after the split
        assert _summary_total_mu(workspace) == pytest.approx(total_before, abs=1e-6)
        assert ap.blocked == [] and ap.errors == [], (ap.blocked, ap.errors)
        assert not page.locator("[data-testid='stException']").count()
        page.screenshot(path=str(screenshots / "geom-edit-three-lots.png"))
    finally:
        context.close()


def test_without_the_drawing_library_the_lots_are_still_previewed_on_the_map(
    chromium, tmp_path_factory
):
    """TENGLONG_JS_DIR names an empty folder: no tools, no geoman loaded, previews drawn."""
    folder = tmp_path_factory.mktemp("nogeoman")
    target = folder / "fx.gpkg"
    shutil.copy2(FUXING, target)
    empty = folder / "js"
    empty.mkdir()
    server = _serve(target, tmp_path_factory, TENGLONG_JS_DIR=str(empty))
    url = next(server)
    context = chromium.new_context(viewport=SCREEN, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    ap = offline(page)
    try:
        page.goto(url + "/edit-parcels")
        map_frame(page)
        alerts = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts())
        assert "fetch-js" in alerts, alerts  # says why there are no drawing tools
        page.locator('[data-testid="stRadio"]').get_by_text("分成 N 块").click()
        settle(page)
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="地块").first
        box.click()
        page.keyboard.type(PID)
        page.keyboard.press("Enter")
        settle(page)
        page.get_by_text("将要保存的变更").wait_for()
        page.locator(".tl-edit-preview").first.wait_for()  # the three lots on the normal map
        labels = page.locator(".tl-edit-preview").all_inner_texts()
        assert len(labels) == 3 and all("亩" in x for x in labels), labels
        assert sorted(x.split("\n")[0] for x in labels) == [f"{PID}-{k}" for k in (1, 2, 3)]
        assert page.evaluate("() => !window.L.PM")  # leaflet-geoman was never loaded
        assert page.locator(".leaflet-pm-toolbar").count() == 0
        assert ap.errors == [] and ap.blocked == [], (ap.errors, ap.blocked)
        assert not page.locator("[data-testid='stException']").count()
    finally:
        context.close()
        server.close()


def test_two_adjacent_parcels_clicked_on_the_map_are_merged(edit_url, chromium, workspace):
    """合并: the parcels are chosen by clicking them on the map, not in the list."""
    first, second = "FX-0114", "FX-0193"  # released neighbours sharing an edge
    ws = open_workspace(workspace)
    a, b = (geom_edit.parcel_geometry(ws, p) for p in (first, second))
    context = chromium.new_context(viewport=SCREEN, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    ap = offline(page)
    try:
        page.goto(edit_url + "/edit-parcels")
        map_frame(page)
        page.locator('[data-testid="stRadio"]').get_by_text("合并相邻地块").click()
        settle(page)
        # the planner zooms to the two parcels
        (s, w), (n, e) = geom_edit.display_bounds([a, b], ws.crs, gcj02=False)
        page.evaluate(
            "([s, w, n, e]) => document.querySelector('.tl-holder').__tl.map"
            ".fitBounds([[s, w], [n, e]], {animate: false})",
            [s, w, n, e],
        )
        page.wait_for_timeout(500)
        for parcel, near in ((a, b), (b, a)):
            # a point inside the parcel, next to the other one (in view whatever the fit)
            spot = parcel.intersection(near.buffer(25)).representative_point()
            shown = geom_edit.work_to_display([spot], ws.crs, gcj02=False)[0]
            page.mouse.click(*_to_page(page, shown["coordinates"]))
            settle(page)
            page.wait_for_timeout(500)
        chosen = page.locator('[data-testid="stMultiSelect"]').inner_text()
        assert first in chosen and second in chosen, chosen
        page.get_by_text("将要保存的变更").wait_for()
        page.locator(".tl-edit-preview").first.wait_for()  # the merged parcel, on the map
        save = page.get_by_role("button", name="保存")
        assert save.is_enabled()
        save.click()
        settle(page)
        page.get_by_text("已保存").first.wait_for()
        after = open_workspace(workspace)
        assert {first, second} <= after.retired_ids
        merged = after.parcels[after.parcels["parent_id"].astype(str) == f"{first},{second}"]
        assert len(merged) == 1
        assert merged.geometry.iloc[0].area == pytest.approx(a.area + b.area, abs=0.01)
        assert ap.errors == [] and ap.blocked == [], (ap.errors, ap.blocked)
    finally:
        context.close()


USES = ("100101", "1101", "0901")  # 一类工业, 物流仓储, 商业: one per lot


def _metrics(page: Any) -> list[str]:
    """The overview's headline figures, as shown."""
    page.locator('[data-testid="stMetric"]').first.wait_for()
    return page.locator('[data-testid="stMetric"]').all_inner_texts()


def _set_cell(page: Any, grid: Any, row: int, col: int, text: str) -> None:
    """Type ``text`` into a cell of an st.data_editor (a canvas grid: keyboard only)."""
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 * (row + 1) + 17)  # first column of ``row``
    for _ in range(col):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # opens the cell's editor (a dropdown for a code)
    page.wait_for_timeout(300)
    page.keyboard.type(text)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)


def test_a_planner_splits_a_freed_parcel_into_three_lots_with_their_uses_and_restores_it(
    edit_url, chromium, workspace, screenshots
):
    """The issue's done-criterion, in the app alone (Chromium, mouse and keyboard)."""
    pid = "FX-0009"  # stored (收储), planned 0901
    ws = open_workspace(workspace)
    parent = geom_edit.parcel_geometry(ws, pid)
    context = chromium.new_context(viewport=SCREEN, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    ap = offline(page)
    try:
        page.goto(edit_url + "/")
        map_frame(page)
        before = _metrics(page)
        page.goto(edit_url + "/edit-parcels")
        map_frame(page)
        page.locator('[data-testid="stRadio"]').get_by_text("分成 N 块").click()
        settle(page)
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="地块").first
        box.click()
        page.keyboard.type(pid)
        page.keyboard.press("Enter")
        settle(page)
        page.get_by_text("将要保存的变更").wait_for()
        grid = page.locator('[data-testid="stDataFrame"]').first  # the new lots' attributes
        for row, code in enumerate(USES):
            _set_cell(page, grid, row, 2, code)
            settle(page)
        page.screenshot(path=str(screenshots / "geom-edit-lots-uses.png"))
        labels = page.locator(".tl-edit-preview").all_inner_texts()
        assert len(labels) == 3, labels
        save = page.get_by_role("button", name="保存")
        assert save.is_enabled()
        save.click()
        settle(page)
        page.get_by_text("已保存").first.wait_for()
        after = open_workspace(workspace)
        assert pid in after.retired_ids
        lots = after.parcels[after.parcels["parent_id"].astype(str) == pid]
        lots = lots.sort_values("parcel_id")
        assert list(lots["parcel_id"]) == [f"{pid}-{k}" for k in (1, 2, 3)]
        assert list(lots["land_use_planned"]) == list(USES)
        assert lots.geometry.area.sum() == pytest.approx(parent.area, abs=0.01)
        assert lots.geometry.area.to_numpy() == pytest.approx([parent.area / 3] * 3, abs=0.5)
        # the overview's figures are the same after the split
        page.goto(edit_url + "/")
        map_frame(page)
        shown = _metrics(page)
        count = [k for k, m in enumerate(before) if m.startswith("地块数")]
        # every freed-land figure is the same; the live parcels are two more (3 lots for 1)
        assert [m for k, m in enumerate(shown) if k not in count] == [
            m for k, m in enumerate(before) if k not in count
        ]
        n_before, n_after = (int(x[count[0]].split()[-1].replace(",", "")) for x in (before, shown))
        assert n_after == n_before + 2
        assert any(m.startswith("腾退土地") for m in shown)
        # the card of a lot: its history names the geometry version and the parent
        lot = geom_edit.parcel_geometry(after, f"{pid}-2")
        (s, w), (n, e) = geom_edit.display_bounds([lot], after.crs, gcj02=False)
        page.evaluate(
            "([s, w, n, e]) => document.querySelector('.tl-holder').__tl.map"
            ".fitBounds([[s, w], [n, e]], {animate: false})",
            [s, w, n, e],
        )
        page.wait_for_timeout(500)
        spot = geom_edit.work_to_display([lot.representative_point()], after.crs, gcj02=False)
        # the card is drawn after the click's rerun: wait for it, then open its history; on a
        # loaded machine the map may still be redrawing when clicked, so click again then
        history = page.locator('[data-testid="stExpander"]').filter(has_text="修改记录").first
        for attempt in range(3):
            page.mouse.click(*_to_page(page, spot[0]["coordinates"]))
            page.wait_for_timeout(300)
            page.wait_for_function(  # the first run on the new revision rebuilds its caches
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                timeout=120_000,
            )
            try:
                history.wait_for(timeout=15_000)
                break
            except PlaywrightTimeout:
                if attempt == 2:
                    raise
                page.wait_for_timeout(1000)
        settle(page)
        history.locator("summary").first.click()
        page.wait_for_timeout(500)
        history.locator('[data-testid="stDataFrame"]').first.wait_for()
        page.wait_for_timeout(500)
        # the grid is a canvas; its accessible table holds the cells' text
        text = history.text_content() or ""
        assert "图形（" in text and f"{pid}" in text, text  # the outline version, the parent
        # the geometry versions, and the parent restored from the app
        page.get_by_role("button", name="在地块编辑中查看和恢复图形版本").click()
        settle(page)
        page.get_by_text("将要保存的变更").wait_for()
        box = page.locator('[data-testid="stSelectbox"]').filter(has_text="地块").first
        box.click()
        page.keyboard.type(pid)
        options = page.get_by_role("option")
        options.first.wait_for()
        texts = options.all_inner_texts()
        k = next(
            k for k, x in enumerate(texts) if x.startswith(pid) and not x.startswith(pid + "-")
        )
        options.nth(k).click()  # the retired parent (the list also holds its lots)
        settle(page)
        restoring = page.get_by_text("恢复后以下子地块将被注销")
        restoring.wait_for()
        assert f"{pid}-1" in restoring.inner_text()
        save = page.get_by_role("button", name="保存")
        assert save.is_enabled()
        save.click()
        settle(page)
        page.get_by_text("已保存").first.wait_for()
        back = open_workspace(workspace)
        assert pid in set(back.parcels["parcel_id"])
        assert {f"{pid}-{k}" for k in (1, 2, 3)} <= back.retired_ids
        assert back.parcels.geometry.area.sum() == pytest.approx(
            ws.parcels.geometry.area.sum(), abs=0.01
        )
        assert ap.errors == [] and ap.blocked == [], (ap.errors, ap.blocked)
    finally:
        context.close()
