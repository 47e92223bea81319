"""Map payload and build time: the Fuxing demo and synthetic 10k / 50k parcel workspaces.

Measures, per case and role, the time to build the folium map and render its
HTML (assets embedded), the HTML size, and with ``--browser`` the first paint
in headless Chromium (file://, all network blocked).

Run::

    .venv/bin/python bench/map_payload.py            # sizes and build times
    .venv/bin/python bench/map_payload.py --browser  # + first paint in Chromium

Targets (docs/architecture.md §7): 10k parcels ≤ 2 MB of HTML; Fuxing first paint ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, box

from geo import crs as crs_mod
from geo.render import map_html, render_map
from geo.schema import STATUSES

REPO = Path(__file__).resolve().parent.parent
GK = 4547
X0, Y0 = 530_000.0, 4_040_000.0  # Handan, GK zone 38


@dataclass
class SyntheticWorkspace:
    """Just what :func:`geo.render.render_map` reads from a workspace."""

    tables: dict[str, pd.DataFrame]
    schematic: bool = True
    meta: dict[str, str] = field(default_factory=dict)


def synthetic_workspace(n: int, *, seed: int = 0) -> SyntheticWorkspace:
    """``n`` rectangular parcels of 20–300 m on a jittered grid, all columns filled."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    pitch = 320.0
    i = np.arange(n)
    x = X0 + (i % side) * pitch + rng.uniform(0, 20, n)
    y = Y0 + (i // side) * pitch + rng.uniform(0, 20, n)
    w = rng.uniform(20, 300, n)
    h = rng.uniform(20, 300, n)
    geoms = [box(a, b, a + c, b + d) for a, b, c, d in zip(x, y, w, h, strict=True)]
    status = rng.choice(STATUSES, n)
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": [f"SYN-{k:06d}" for k in i],
            "name": [f"合成{k:06d}号地块" for k in i],
            "district": rng.choice(["复兴区", "丛台区", "邯山区"], n),
            "status": status,
            "land_use_now": rng.choice(["100102", "100103", "110101"], n),
            "land_use_planned": rng.choice(["100101", "0901", "070101", "1401"], n),
            "industry_before": rng.choice(
                ["铸造", "黑色金属冶炼和压延加工业", "通用设备制造业"], n
            ),
            "polluting_history": rng.random(n) < 0.4,
            "released_on": pd.to_datetime("2015-01-01")
            + pd.to_timedelta(rng.integers(0, 3000, n), unit="D"),
            "status_since": pd.to_datetime("2016-01-01")
            + pd.to_timedelta(rng.integers(0, 3000, n), unit="D"),
            "former_enterprise": [f"邯郸市合成{k:05d}铸造有限公司" for k in i],
            "owner": [f"权利人{k:05d}" for k in i],
            "compensation_wan_yuan": rng.uniform(50, 5000, n).round(2),
            "contact": [f"联系人{k:05d} 1380000{k % 10000:04d}" for k in i],
        },
        geometry=geoms,
        crs=GK,
    )
    parcels["area_m2"] = parcels.geometry.area
    parcels["area_mu"] = crs_mod.m2_to_mu(parcels["area_m2"])
    ext = box(*parcels.total_bounds).buffer(500)
    xmin, ymin, xmax, ymax = ext.bounds
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["Z1", "K1"],
            "name": ["合成开发区", "合成产业园"],
            "name_en": ["Synthetic zone", "Synthetic park"],
            "kind": ["zone", "park"],
            "layout": ["一区一园一廊", "一区一园一廊"],
        },
        geometry=[
            box(xmin, ymin, (xmin + xmax) / 2, ymax),
            box((xmin + xmax) / 2, ymin, xmax, ymax),
        ],
        crs=GK,
    )
    roads = gpd.GeoDataFrame(
        {"road_id": ["G309"], "name": ["国道309"]},
        geometry=[LineString([(xmin, (ymin + ymax) / 2), (xmax, (ymin + ymax) / 2)])],
        crs=GK,
    )
    boundaries = gpd.GeoDataFrame(
        {"adcode": ["130404"], "name": ["复兴区"], "level": ["county"]}, geometry=[ext], crs=GK
    )
    return SyntheticWorkspace(
        {"parcels": parcels, "areas": areas, "roads": roads, "boundaries": boundaries}
    )


def first_paint_s(html_path: Path, *, runs: int = 3) -> float:
    """Median seconds from navigation to the first frame after the map is mounted."""
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route(
                "**/*",
                lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort(),
            )
            page.goto(html_path.as_uri())
            page.wait_for_function("window.TL && TL.instances.length > 0")
            ms = page.evaluate(
                "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame("
                "() => r(performance.now()))))"
            )
            times.append(ms / 1000)
            page.close()
        browser.close()
    return statistics.median(times)


def measure(name: str, ws: object, *, role: str, aggregate: bool, browser: bool, out: Path) -> None:
    t0 = time.perf_counter()
    m = render_map(ws, role=role, aggregate=aggregate)
    html = map_html(m)
    build_s = time.perf_counter() - t0
    size_mb = len(html.encode("utf-8")) / 1e6
    path = out / f"{name}-{role}-{'agg' if aggregate else 'all'}.html"
    path.write_text(html, encoding="utf-8")
    paint = f"{first_paint_s(path):6.2f} s" if browser else "      -"
    print(
        f"{name:<12} {role:<10} {'yes' if aggregate else 'no':<9} "
        f"{size_mb:8.2f} MB {build_s:8.2f} s {paint}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--browser", action="store_true", help="also measure first paint")
    ap.add_argument("--sizes", default="10000,50000", help="synthetic parcel counts")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    out = Path(tempfile.mkdtemp(prefix="tenglong-bench-"))
    print(f"{'case':<12} {'role':<10} {'aggregate':<9} {'HTML':>11} {'build':>10} {'paint':>8}")
    fuxing = REPO / "data" / "fuxing.gpkg"
    if fuxing.exists():
        from geo.workspace import open_workspace

        ws = open_workspace(fuxing, validate=False)
        for role in ("planner", "investor"):
            measure("fuxing", ws, role=role, aggregate=True, browser=args.browser, out=out)
    else:
        print("data/fuxing.gpkg missing: run `tenglong demo build --out data/`")
    for n in (int(s) for s in args.sizes.split(",")):
        ws = synthetic_workspace(n)
        for role in ("planner", "investor"):
            for agg in (True, False):
                measure(
                    f"synth-{n // 1000}k",
                    ws,
                    role=role,
                    aggregate=agg,
                    browser=args.browser and n <= 10000,
                    out=out,
                )
    print(f"HTML files in {out}")


if __name__ == "__main__":
    main()
