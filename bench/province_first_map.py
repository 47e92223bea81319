"""First map of the app on a province-size dataset: first start, warm, and after a restart.

Writes a seeded GeoParquet dataset of ``--parcels`` parcels (the generator of
``province_scale.py``) unless it is already at ``--data``, then starts
``streamlit run app.py`` on it twice, each time on a free port of 127.0.0.1
with an empty-at-first cache folder (``TENGLONG_CACHE_DIR``) that the two
starts share, and loads the overview twice per start in headless Chromium:

- *first start, first session*: the server computes the dataset's summary
  and keeps it in the cache folder;
- *first start, second session*: warm (the summary is in the server);
- *restart, first session*: a new server process reads the summary back;
- *restart, second session*: warm again.

Times run from navigation start until the map has a Leaflet instance with
drawn features (grid cells at this size), as ``first_map.py`` measures them.
The ratio column compares each with the warm session of the first start.

Run::

    .venv/bin/python bench/province_first_map.py                 # 1M parcels, print + append
    .venv/bin/python bench/province_first_map.py --parcels 200000 --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import first_map  # noqa: E402

RESULTS = REPO / "bench" / "results" / "province_first_map.md"
SEED = 20261122


def _generator():
    spec = importlib.util.spec_from_file_location(
        "tl_province_scale", REPO / "bench" / "province_scale.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_dataset(path: Path, n: int) -> float:
    """Write the seeded dataset at ``path`` unless it is there; seconds taken."""
    from geo.dataset.parquet import is_dataset, write_dataset

    if is_dataset(path):
        return 0.0
    t0 = time.perf_counter()
    tables = _generator().make_inventory(n, seed=SEED)
    write_dataset(
        tables, path, meta={"name": "省级示例", "name_en": "Province sample", "schematic": "1"}
    )
    return time.perf_counter() - t0


def run(data: Path) -> list[tuple[str, float]]:
    from playwright.sync_api import sync_playwright

    out: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as cache, sync_playwright() as pw:
        os.environ["TENGLONG_CACHE_DIR"] = cache
        first_map.WORKSPACE = str(data)
        browser = pw.chromium.launch(
            executable_path=first_map._chromium_path(),
            args=[
                *first_map.CHROMIUM_ARGS,
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        )
        try:
            for start in ("first start", "restart"):
                with first_map.serve(REPO / "app.py") as url:
                    context = browser.new_context(viewport={"width": 1440, "height": 1000})
                    try:
                        for session in ("first session", "second session"):
                            r = first_map._load_once(context, url, first_map.MAP_READY)
                            out.append((f"{start}, {session}", r["total_s"]))
                    finally:
                        context.close()
        finally:
            browser.close()
    return out


def report(rows: list[tuple[str, float]], *, n: int, made_s: float, command: str) -> str:
    warm = dict(rows)["first start, second session"]
    lines = [
        "## Province first map",
        "",
        f"{dt.datetime.now():%Y-%m-%d %H:%M} · {platform.platform()} · {os.cpu_count()} cores"
        f" · load average {os.getloadavg()[0]:.2f}",
        "",
        f"`{command}`: {n:,} parcels"
        + (f" (dataset written in {made_s:.0f} s)" if made_s else " (dataset reused)")
        + "; seconds from navigation start to the first map in headless Chromium.",
        "",
        "| page load | first map s | × warm |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {s:.2f} | {s / warm:.2f} |" for name, s in rows]
    return "\n".join([*lines, ""])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--parcels", type=int, default=1_000_000)
    ap.add_argument("--data", type=Path, help="dataset directory (written when missing)")
    ap.add_argument("--no-write", action="store_true", help=f"do not append to {RESULTS.name}")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or Path(tmp) / "province"
        made_s = ensure_dataset(data, args.parcels)
        rows = run(data)
    command = "python bench/province_first_map.py" + (
        f" --parcels {args.parcels}" if args.parcels != 1_000_000 else ""
    )
    text = report(rows, n=args.parcels, made_s=made_s, command=command)
    print(text)
    if not args.no_write:
        header = "" if RESULTS.exists() else "# First map of the app on a province-size dataset\n\n"
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(header + text + "\n")


if __name__ == "__main__":
    main()
