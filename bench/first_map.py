"""Time from page load to the first interactive map, against Streamlit's own floor.

Starts ``streamlit run`` on a free port of 127.0.0.1 for each app below (the
repository's ``.streamlit/config.toml`` applies to all) and loads each page
``--loads`` times in headless Debian Chromium (one warm-up load first, not
counted), with every host but 127.0.0.1 unresolvable:

- *app*: ``app.py`` on the Fuxing demo (``TENGLONG_WORKSPACE=data/fuxing.gpkg``):
  navigation start → the overview map has a Leaflet instance with drawn
  parcels (what the browser test ``test_first_map_time`` waits for);
- *map only*: a page holding nothing but the same map element (Streamlit plus
  the map, without the rest of the overview page and the sidebar);
- *floor*: a page holding one ``st.write`` (Streamlit's own start-up: its
  JavaScript, the WebSocket, one script run); time until the text shows.

All three in the same run, on the same machine load, so the ratios hold when
the absolute times move with the load. The app's breakdown comes from the
page's performance marks: Streamlit's ``running`` / ``notRunning`` and the map
element's ``tl-element`` (its data arrived), ``tl-assets`` (Leaflet ready) and
``tl-drawn`` (map built); *load* is the page's load event.

Run::

    .venv/bin/python bench/first_map.py                # 7 loads each, print + append
    .venv/bin/python bench/first_map.py --loads 3 --no-write
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM_ARGS, _chromium_path  # noqa: E402
from test_app_browser import MAP_ELEMENT  # noqa: E402

from tests.appserver import free_port, wait_healthy  # noqa: E402

RESULTS = REPO / "bench" / "results" / "first_map.md"
WORKSPACE = "data/fuxing.gpkg"

MAP_ONLY = """\
import streamlit as st

from geo.app import state
from geo.app.map_view import show_map

st.set_page_config(page_title="map only", layout="wide")
ws = state.load_workspace(state.default_workspace_path())
show_map(ws, lang="zh", role="planner", key="overview_map", height=640)
"""

FLOOR = """\
import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
st.write("tenglong-floor")
"""

MAP_READY = (
    "() => window.TL && TL.instances.length > 0 && "
    f"document.querySelectorAll('{MAP_ELEMENT} path.leaflet-interactive').length > 0"
)
FLOOR_READY = "() => document.body.innerText.includes('tenglong-floor')"
MARKS = ("running", "notRunning", "tl-element", "tl-assets", "tl-drawn")


@contextlib.contextmanager
def serve(script: Path) -> Iterator[str]:
    """``streamlit run script`` from the repository root; yields its URL."""
    port = free_port()
    env = dict(os.environ, TENGLONG_WORKSPACE=WORKSPACE, PYTHONPATH=str(REPO))
    env.pop("TENGLONG_MODE", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _load_once(context: Any, url: str, ready: str) -> dict[str, float]:
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(url + "/", wait_until="commit")
        page.wait_for_function(ready, timeout=60_000, polling=20)
        total = time.perf_counter() - t0
        marks = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " const m = {}; for (const e of performance.getEntriesByType('mark'))"
            " m[e.name] = e.startTime; return {load: n.loadEventEnd, marks: m}; }"
        )
    finally:
        page.close()
    out = {"total_s": total, "load_s": marks["load"] / 1000}
    for name in MARKS:
        if name in marks["marks"]:
            out[name] = marks["marks"][name] / 1000
    return out


def measure(browser: Any, url: str, ready: str, loads: int) -> list[dict[str, float]]:
    """One warm-up load, then ``loads`` timed loads in one browser context."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        _load_once(context, url, ready)
        return [_load_once(context, url, ready) for _ in range(loads)]
    finally:
        context.close()


def _median(runs: list[dict[str, float]], key: str) -> float:
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else float("nan")


def run(loads: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()[0]
    results: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        map_only = Path(tmp) / "map_only.py"
        map_only.write_text(MAP_ONLY, encoding="utf-8")
        floor = Path(tmp) / "floor.py"
        floor.write_text(FLOOR, encoding="utf-8")
        # Streamlit serves static/ next to the script it runs: the app's assets.
        (Path(tmp) / "static").symlink_to(REPO / "static", target_is_directory=True)
        browser = pw.chromium.launch(
            executable_path=_chromium_path(),
            args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        try:
            for name, script, ready in (
                ("floor", floor, FLOOR_READY),
                ("map only", map_only, MAP_READY),
                ("app", REPO / "app.py", MAP_READY),
            ):
                with serve(script) as url:
                    results[name] = measure(browser, url, ready, loads)
        finally:
            browser.close()
    return {
        "results": results,
        "loads": loads,
        "load_avg": (load_before, os.getloadavg()[0]),
    }


def report(r: dict[str, Any], command: str) -> str:
    res = r["results"]
    floor = _median(res["floor"], "total_s")
    lines = [
        "## First map",
        "",
        f"{dt.datetime.now():%Y-%m-%d %H:%M} · {platform.platform()} · {os.cpu_count()} cores"
        f" · load average {r['load_avg'][0]:.2f} before, {r['load_avg'][1]:.2f} after",
        "",
        f"`{command}`: {r['loads']} timed page loads per page (after one warm-up load) in"
        " headless Chromium on 127.0.0.1; medians, seconds from navigation start.",
        "",
        "| page | ready s (median) | best s | worst s | × floor | page load event s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("floor", "map only", "app"):
        runs = res[name]
        totals = [x["total_s"] for x in runs]
        lines.append(
            f"| {name} | {statistics.median(totals):.2f} | {min(totals):.2f} | {max(totals):.2f}"
            f" | {statistics.median(totals) / floor:.2f} | {_median(runs, 'load_s'):.2f} |"
        )
    app = res["app"]
    lines += [
        "",
        "Where the app's first map goes (medians, seconds from navigation start): "
        + ", ".join(f"{m} {_median(app, m):.2f}" for m in MARKS)
        + f"; map ready {_median(app, 'total_s'):.2f}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--loads", type=int, default=7, help="timed loads per page (default 7)")
    ap.add_argument("--no-write", action="store_true", help=f"do not append to {RESULTS.name}")
    args = ap.parse_args()
    command = "python bench/first_map.py" + (f" --loads {args.loads}" if args.loads != 7 else "")
    text = report(run(args.loads), command)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        header = "" if RESULTS.exists() else "# First map of the Fuxing demo in Chromium\n\n"
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(header + text + "\n")


if __name__ == "__main__":
    main()
