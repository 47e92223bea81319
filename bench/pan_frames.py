"""Frame times while the overview map pans, with the parcel labels on.

Starts ``streamlit run app.py`` on the Fuxing demo (``bench/first_map.py``'s
server: a free port of 127.0.0.1, every other host unresolvable), opens the
overview in headless Debian Chromium at 1440×900, zooms the map to the
development zone at zoom 16 (parcel id and 亩 labels shown, decluttered) and
pans it for 5 seconds, twice:

- *drag*: what a hand does. Synthetic mouse events on the map (mousedown,
  one mousemove per animation frame along a circle of 160 px, mouseup), five
  drags of one second each; each release ends a move (Leaflet then redraws
  the paths for the new view).
- *panBy*: ``map.panBy(…, {animate: false})`` on every animation frame, which
  ends a move (and redraws) on every frame: the worst case.

Frame times are the deltas between ``requestAnimationFrame`` callbacks; long
tasks (> 50 ms of main-thread work) come from a ``PerformanceObserver``.
Goal: no frame over 50 ms while dragging.

Run::

    .venv/bin/python bench/pan_frames.py                  # print + append to the results
    .venv/bin/python bench/pan_frames.py --no-write --zoom 17
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from first_map import CHROMIUM_ARGS, MAP_READY, _chromium_path, serve  # noqa: E402

RESULTS = REPO / "bench" / "results" / "pan_frames.md"
GOAL_MS = 50.0
PAN_S = 5.0

ZOOM_TO_ZONE = """(zoom) => new Promise(resolve => {
    const i = TL.instances[0];
    i.byId['areas_kind'].geojson.eachLayer(f => {
        if (f.feature.properties.area_id === 'FX-Z01')
            i.map.setView(f.getBounds().getCenter(), zoom, {animate: false});
    });
    setTimeout(() => requestAnimationFrame(() => resolve({
        zoom: i.map.getZoom(),
        labels: document.querySelectorAll('.tl-label').length,
        shown: i.labelsShown || 0,
        paths: document.querySelectorAll('.tl-holder path.leaflet-interactive').length,
    })), 500);
})"""

PAN = """([mode, seconds]) => new Promise(resolve => {
    const map = TL.instances[0].map, box = map.getContainer().getBoundingClientRect();
    const cx = box.left + box.width / 2, cy = box.top + box.height / 2, R = 160;
    const longTasks = [];
    let obs = null;
    try {
        obs = new PerformanceObserver(list => {
            for (const e of list.getEntries()) longTasks.push(e.duration);
        });
        obs.observe({entryTypes: ['longtask']});
    } catch (e) { obs = null; }
    const fire = (type, x, y, target) => target.dispatchEvent(new MouseEvent(type, {
        bubbles: true, cancelable: true, clientX: x, clientY: y, button: 0,
        buttons: type === 'mouseup' ? 0 : 1, view: window}));
    const pane = map.getPane('mapPane');
    const frames = [];
    let t0 = null, last = null, dragging = false, drag = -1, px = cx, py = cy;
    function step(now) {
        if (t0 === null) { t0 = last = now; }
        else { frames.push(now - last); last = now; }
        const t = (now - t0) / 1000;
        if (t >= seconds) {
            if (dragging) fire('mouseup', px, py, document);
            if (obs) obs.disconnect();
            resolve({frames, longTasks});
            return;
        }
        const a = 2 * Math.PI * t;  // one turn of the circle per second
        if (mode === 'panBy') {
            map.panBy([Math.cos(a) * 12, Math.sin(a) * 12], {animate: false});
        } else {
            const k = Math.floor(t);  // a new drag every second
            if (k !== drag) {
                if (dragging) fire('mouseup', px, py, document);
                drag = k; px = cx; py = cy;
                fire('mousedown', px, py, map.getContainer());
                dragging = true;
            }
            px = cx + R * Math.sin(a) ; py = cy + R * (1 - Math.cos(a)) / 2;
            fire('mousemove', px, py, document);
        }
        requestAnimationFrame(step);
    }
    requestAnimationFrame(step);
})"""


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def run(zoom: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()[0]
    out: dict[str, Any] = {"zoom": zoom, "modes": {}}
    with sync_playwright() as pw, serve(REPO / "app.py") as url:
        browser = pw.chromium.launch(
            executable_path=_chromium_path(),
            args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(url + "/")
            page.wait_for_function(MAP_READY, timeout=60_000)
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
            )
            page.wait_for_timeout(1000)
            out["view"] = page.evaluate(ZOOM_TO_ZONE, zoom)
            page.mouse.move(5, 5)
            for mode in ("drag", "panBy"):
                page.wait_for_timeout(500)
                out["modes"][mode] = page.evaluate(PAN, [mode, PAN_S])
        finally:
            browser.close()
    out["load_avg"] = (load_before, os.getloadavg()[0])
    return out


def report(r: dict[str, Any], command: str) -> str:
    v = r["view"]
    lines = [
        "## Pan frames",
        "",
        f"{dt.datetime.now():%Y-%m-%d %H:%M} · {platform.platform()} · {os.cpu_count()} cores"
        f" · load average {r['load_avg'][0]:.2f} before, {r['load_avg'][1]:.2f} after",
        "",
        f"`{command}`: the Fuxing overview at 1440×900 in headless Chromium, zoom {v['zoom']}"
        f" on the development zone ({v['paths']} paths drawn, {v['shown']} of {v['labels']}"
        f" labels shown after decluttering), {PAN_S:.0f} s of panning per mode;"
        " frame = time between two animation frames.",
        "",
        "| mode | frames | median ms | p95 ms | max ms | frames > 50 ms | long tasks | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for mode, m in r["modes"].items():
        f = m["frames"]
        over = sum(1 for x in f if x > GOAL_MS)
        goal = "met" if over == 0 else "missed"
        if mode == "panBy":
            goal = "(worst case, no goal)"
        lines.append(
            f"| {mode} | {len(f)} | {statistics.median(f):.1f} | {_p95(f):.1f} | {max(f):.1f}"
            f" | {over} | {len(m['longTasks'])} | {goal} |"
        )
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--zoom", type=int, default=16, help="map zoom while panning (default 16)")
    ap.add_argument("--no-write", action="store_true", help=f"do not append to {RESULTS.name}")
    args = ap.parse_args()
    command = "python bench/pan_frames.py" + (f" --zoom {args.zoom}" if args.zoom != 16 else "")
    text = report(run(args.zoom), command)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        header = "" if RESULTS.exists() else "# Frame times while the Fuxing map pans\n\n"
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(header + text + "\n")


if __name__ == "__main__":
    main()
