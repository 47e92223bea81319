"""A large workspace with every column: a demo workspace's parcels tiled N times.

``make_large(source, copies)`` puts ``copies`` translated copies of the
source's parcels side by side on a grid (copy 0 is the source itself; copy
``k`` gets parcel ids ``<id>-k``), keeps the source's areas, roads,
enterprises and milestones, and makes the boundary the box around every copy.
Every parcel column is there, so every page of the app has what it reads;
the figures of copy 0 are those of the source. Deterministic: the same
source and ``copies`` give the same tables.

``tests/test_app_large.py`` opens every page on ``fuxing.gpkg`` × 50 (60,000
parcels, above the old 50,000-parcel threshold). For the issue's figure::

    python bench/large_dataset.py --copies 834 --out /tmp/fuxing-1m   # 1,000,800 parcels

writes a GeoParquet dataset directory and prints how long writing, opening
and reading every parcel took and the peak memory. ``--pages`` then opens
every page of the app on it (``streamlit.testing`` AppTest, one process, the
default large threshold) and prints, per page, the time of its first run and
whether it showed an exception or an error::

    python bench/large_dataset.py --copies 834 --out /tmp/fuxing-1m --pages
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def make_large(source: str | Path, copies: int) -> dict[str, pd.DataFrame]:
    """The source workspace's tables with its parcels tiled ``copies`` times (see module doc)."""
    from geo.workspace import open_workspace

    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    ws = open_workspace(source, validate=False)
    parcels = ws.parcels.drop(columns=["area_m2", "area_mu"], errors="ignore")
    x0, y0, x1, y1 = parcels.total_bounds
    step_x, step_y = (x1 - x0) * 1.05, (y1 - y0) * 1.05
    side = math.ceil(math.sqrt(copies))
    geoms = np.asarray(parcels.geometry.array)
    frames = []
    for k in range(copies):
        i, j = k % side, k // side
        part = pd.DataFrame(parcels.drop(columns="geometry"))
        if k:
            part["parcel_id"] = part["parcel_id"].astype(str) + f"-{k}"
        shift = np.array([i * step_x, j * step_y])
        part["geometry"] = shapely.transform(geoms, lambda c, d=shift: c + d)
        frames.append(part)
    big = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=ws.crs)
    tables: dict[str, pd.DataFrame] = {"parcels": big}
    for name, df in ws.tables.items():
        if name == "parcels":
            continue
        if name == "boundaries":
            df = df.drop(columns=["area_m2", "area_mu"], errors="ignore").iloc[:1].copy()
            b = big.total_bounds
            df = df.set_geometry(gpd.GeoSeries([shapely.box(*b)], index=df.index, crs=ws.crs))
        elif isinstance(df, gpd.GeoDataFrame):
            df = df.drop(columns=["area_m2", "area_mu"], errors="ignore")
        tables[name] = df
    return tables


def write_large(
    source: str | Path, copies: int, out: str | Path, *, partition_rows: int = 100_000
) -> Path:
    """:func:`make_large` written as a GeoParquet dataset directory at ``out``."""
    from geo.dataset.parquet import write_dataset
    from geo.workspace import open_workspace

    meta = dict(open_workspace(source, validate=False).meta)
    meta["name"] = f"{meta.get('name', 'workspace')} ×{copies}"
    meta["name_en"] = f"{meta.get('name_en', 'workspace')} x{copies}"
    return write_dataset(
        make_large(source, copies), out, meta=meta, partition_rows=partition_rows, overwrite=True
    )


PAGES = (
    "overview",
    "freed_land",
    "layout",
    "sites",
    "benefit",
    "site_finder",
    "checks",
    "geom_edit",
    "import_data",
    "export",
)


def time_pages(path: str | Path, *, lang: str = "en") -> list[tuple[str, float, str]]:
    """``(page, seconds of its first run, problem or "")`` for every page of the app on ``path``."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["TENGLONG_WORKSPACE"] = str(path)
    out = []
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=3600)
        at.session_state["lang"] = lang
        t0 = time.perf_counter()
        at.run()
        if page != "overview":
            at.switch_page(f"geo/app/pages/{page}.py").run()
        seconds = time.perf_counter() - t0
        problem = ""
        if at.exception:
            problem = f"exception: {at.exception[0].value}"
        elif at.error:
            problem = f"error: {at.error[0].value}"
        out.append((page, seconds, problem))
        print(f"  {page:12s} {seconds:7.1f} s  {problem or 'ok'}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=str(ROOT / "data" / "fuxing.gpkg"))
    parser.add_argument("--copies", type=int, default=834)
    parser.add_argument("--out", required=True)
    parser.add_argument("--pages", action="store_true", help="open every page of the app on it")
    parser.add_argument("--reuse", action="store_true", help="use --out as it is, if it exists")
    args = parser.parse_args()
    from geo.dataset import open_dataset

    t0 = time.perf_counter()
    if args.reuse and Path(args.out, "meta.json").is_file():
        path = Path(args.out)
    else:
        path = write_large(args.source, args.copies, args.out)
    t1 = time.perf_counter()
    ds = open_dataset(path)
    t2 = time.perf_counter()
    n = len(ds.parcels)
    t3 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{path}: {n:,} parcels")
    print(f"write {t1 - t0:.1f} s, open {t2 - t1:.2f} s, read every parcel {t3 - t2:.1f} s")
    print(f"peak memory {peak_mb:,.0f} MB")
    if args.pages:
        del ds
        print("every page (first run, in one process; the pages share what they read):")
        time_pages(path)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
