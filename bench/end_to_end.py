"""Benchmark: from a file to an answer — ``tenglong summary`` against one DuckDB query.

In one run, for each size (200k and 1M parcels by default), a seeded
synthetic workspace is written as a GeoPackage (geometry in EPSG:4490, as
every workspace stores it) and converted to a GeoParquet dataset directory
with ``tenglong convert X.gpkg --to parquet DIR``. The parcels and the 51
irregular planning areas are those of ``bench/province_scale.py`` (imported,
not copied: the tiling and areas of ``bench/release_summary.py``, a seeded
status mix with 70% freed land); the parcels also get the usual attribute
columns (name, district, land use, former industry, dates, internal fields)
so that a reader which reads every column pays for them, as on real data.

Then, on the GeoPackage and on the dataset, each method runs as a whole new
process (start-up, imports, reading and output included), ``--repeat``
times, and the median wall time is reported:

- ``tenglong summary X`` with the default grouping (freed land by area, a
  row for the land outside every area), its table printed to a file; one
  more run with ``--format json`` gives the figures compared;
- one DuckDB spatial query in ``python -c`` (duckdb and its spatial
  extension loaded from the installed packages, no download): ``ST_Read``
  of the GeoPackage (``read_parquet`` of the dataset's files), the parcels
  of the freed statuses, ``ST_Transform`` to the GK zone (the dataset is
  stored in it already), ``ST_Intersects`` join of parcels × areas with an
  ``ST_Within`` fast path and ``ST_Area(ST_Intersection)`` otherwise, summed
  by area, and the total of the freed parcels (for the outside row), in one
  statement. DuckDB uses every CPU.

The figures of the two must agree per area and outside to ``1e-6``
(relative; DuckDB's PROJ transform and Tenglong's pyproj differ in the last
digits). Peak memory is each child's resident-set high-water mark
(``os.wait4`` rusage ``ru_maxrss``). ``tenglong --help`` is timed too.

Goals: Tenglong at or below DuckDB's time on the GeoPackage, and at most
half of it on the GeoParquet dataset.

Run ``python bench/end_to_end.py --sizes 200k,1m --repeat 3 --keep``; the
table is printed and written to ``bench/results/end_to_end.md``. With
``--keep`` the generated files stay under ``bench/.cache/end_to_end`` (not in
git) and are reused by the next run; ``--json FILE`` writes the raw timings,
and ``--before FILE`` (such a JSON file from an earlier run) adds its
Tenglong times to the table for comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bench.province_scale as inventory  # noqa: E402
import bench.release_summary as base  # noqa: E402

SIZES = {"200k": 200_000, "1m": 1_000_000}
# The 200k tiling and its hole count, next to the sizes bench/release_summary.py knows.
base.GRID.setdefault(200_000, (500, 400))
base.HOLES.setdefault(200_000, 60)
FREED = inventory.FREED
TOLERANCE = 1e-6
RESULTS = ROOT / "bench" / "results" / "end_to_end.md"
CACHE = ROOT / "bench" / ".cache" / "end_to_end"
BIN = Path(sys.executable).parent
TENGLONG = str(BIN / "tenglong")
SEED = 0


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------


def with_attributes(parcels: Any, *, seed: int) -> Any:
    """The parcels with the usual workspace columns, seeded (values schematic)."""
    import pandas as pd

    n = len(parcels)
    rng = np.random.default_rng(seed + 11)
    out = parcels.copy()
    ids = np.arange(n)
    out["name"] = np.char.add("地块", ids.astype(str))
    out["district"] = rng.choice(["武安市", "峰峰矿区", "复兴区", "丛台区"], size=n)
    out["land_use_now"] = rng.choice(["1001", "100102", "100103", "1101"], size=n)
    out["land_use_planned"] = rng.choice(["100101", "100102", "0901", "1401"], size=n)
    out["industry_before"] = rng.choice(["C31", "C30", "C26", "C33", "B06"], size=n)
    out["polluting_history"] = rng.random(n) < 0.3
    days = rng.integers(0, 3650, size=n)
    released = pd.Timestamp("2014-01-01") + pd.to_timedelta(days, unit="D")
    out["released_on"] = released.strftime("%Y-%m-%d")
    out["status_since"] = out["released_on"]
    out["former_enterprise"] = np.char.add("某钢铁有限公司", (ids % 997).astype(str))
    out["owner"] = np.char.add("权利人", (ids % 613).astype(str))
    out["compensation_wan_yuan"] = np.round(rng.uniform(50, 5000, size=n), 1)
    out["contact"] = "0310-0000000"
    cols = [c for c in out.columns if c != "geometry"] + ["geometry"]
    return out[cols]


def generate(label: str, folder: Path) -> dict[str, Any]:
    """Write ``folder/LABEL.gpkg`` and ``folder/LABEL`` (its dataset), if not there yet."""
    gpkg = folder / f"{label}.gpkg"
    dataset = folder / label
    info_path = folder / f"{label}.json"
    if gpkg.exists() and (dataset / "meta.json").exists() and info_path.exists():
        print(f"  {gpkg} and {dataset} reused", flush=True)
        return json.loads(info_path.read_text(encoding="utf-8"))
    from geo.workspace import save_workspace

    t0 = time.perf_counter()
    tables = inventory.make_inventory(SIZES[label], seed=SEED)
    tables["parcels"] = with_attributes(tables["parcels"], seed=SEED)
    freed = int(tables["parcels"]["status"].isin(FREED).sum())
    save_workspace(
        tables,
        gpkg,
        meta={"name": f"bench {SIZES[label]:,}", "schematic": "1", "seed": str(SEED)},
    )
    del tables
    t_gpkg = time.perf_counter() - t0
    if dataset.exists():
        shutil.rmtree(dataset)
    subprocess.run(
        [TENGLONG, "convert", str(gpkg), str(dataset), "--to", "parquet"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    info = {
        "n": SIZES[label],
        "freed": freed,
        "gpkg_seconds": t_gpkg,
        "convert_seconds": time.perf_counter() - t0 - t_gpkg,
        "gpkg_mb": gpkg.stat().st_size / 2**20,
        "dataset_mb": sum(f.stat().st_size for f in dataset.rglob("*") if f.is_file()) / 2**20,
    }
    info_path.write_text(json.dumps(info), encoding="utf-8")
    return info


# ---------------------------------------------------------------------------
# The DuckDB query (run in a fresh `python -c`)
# ---------------------------------------------------------------------------

DUCKDB_SCRIPT = r"""
import json, sys
from pathlib import Path
import duckdb, duckdb_extension_spatial
base = Path(duckdb_extension_spatial.__path__[0]) / "extensions"
ext = next(base.glob(f"v{duckdb.__version__}/spatial.duckdb_extension"), None) or next(
    base.glob("v*/spatial.duckdb_extension"))
con = duckdb.connect()
con.execute(f"LOAD '{ext}'")
con.execute("SET enable_progress_bar = false")
rows = con.execute(sys.argv[1]).fetchall()
json.dump({str(k): float(v) for k, v in rows}, sys.stdout)
"""

_JOIN = """
WITH p AS ({parcels}),
     a AS ({areas}),
     inside AS (
       SELECT a.area_id,
              SUM(CASE WHEN ST_Within(p.geom, a.geom) THEN ST_Area(p.geom)
                       ELSE ST_Area(ST_Intersection(p.geom, a.geom)) END) AS m2
       FROM p JOIN a ON ST_Intersects(p.geom, a.geom)
       GROUP BY a.area_id)
SELECT area_id, m2 FROM inside
UNION ALL SELECT '__total__', SUM(ST_Area(geom)) FROM p
"""


def duckdb_query(path: Path, *, epsg: int, dataset: bool) -> str:
    """The one statement: per-area m² of freed land, and the freed total."""
    statuses = ", ".join(f"'{s}'" for s in FREED)
    if dataset:
        files = f"'{path}/parcels/*.parquet'"
        parcels = f"SELECT geometry AS geom FROM read_parquet({files}) WHERE status IN ({statuses})"
        areas = f"SELECT area_id, geometry AS geom FROM read_parquet('{path}/areas.parquet')"
    else:
        to_gk = f"'EPSG:4490', 'EPSG:{epsg}', always_xy := true"
        parcels = (
            f"SELECT ST_Transform(geom, {to_gk}) AS geom FROM ST_Read('{path}', layer='parcels') "
            f"WHERE status IN ({statuses})"
        )
        areas = (
            f"SELECT area_id, ST_Transform(geom, {to_gk}) AS geom "
            f"FROM ST_Read('{path}', layer='areas')"
        )
    return _JOIN.format(parcels=parcels, areas=areas)


def duckdb_figures(raw: dict[str, float], area_ids: list[str]) -> dict[str, float]:
    total = raw.pop("__total__")
    per = {a: 0.0 for a in area_ids}
    per.update(raw)
    per["outside"] = total - sum(per.values())
    return per


def tenglong_figures(text: str) -> dict[str, float]:
    rows = json.loads(text)
    return {str(r["area_id"]): float(r["area_m2"]) for r in rows}


def rel_diff(a: dict[str, float], ref: dict[str, float]) -> float:
    keys = sorted(set(a) | set(ref))
    x = np.array([a.get(k, 0.0) for k in keys])
    y = np.array([ref.get(k, 0.0) for k in keys])
    scale = np.maximum(np.abs(y), 1.0)  # m²: below 1 m² an absolute difference
    return float((np.abs(x - y) / scale).max())


# ---------------------------------------------------------------------------
# Measurement: a whole child process
# ---------------------------------------------------------------------------


def run_process(cmd: list[str]) -> tuple[float, float, str, float]:
    """Run ``cmd``: wall seconds, peak RSS (MB) of the child, its stdout, and its CPU seconds."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=_child_env())
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(
                f"{' '.join(cmd[:4])}… exited {proc.returncode}: "
                f"{err.read().decode('utf-8', errors='replace')[-2000:]}"
            )
    return seconds, usage.ru_maxrss / 1024.0, text, usage.ru_utime + usage.ru_stime


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if "PYTHONPATH" in env else "")
    env.setdefault("COLUMNS", "120")
    return env


def timed(cmd: list[str], repeat: int) -> dict[str, Any]:
    times, peaks, cpus, text = [], [], [], ""
    for _ in range(repeat):
        s, peak, text, cpu = run_process(cmd)
        times.append(s)
        peaks.append(peak)
        cpus.append(cpu)
    return {
        "seconds": statistics.median(times),
        "cpu_seconds": statistics.median(cpus),
        "best": min(times),
        "times": times,
        "peak_mb": max(peaks),
        "stdout": text,
    }


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_source(path: Path, *, kind: str, area_ids: list[str], repeat: int) -> dict[str, Any]:
    load_before = _load()
    tl = timed([TENGLONG, "summary", str(path)], repeat)
    _, _, js, _ = run_process([TENGLONG, "summary", str(path), "--format", "json", "--unit", "m2"])
    query = duckdb_query(path, epsg=base.EPSG, dataset=kind == "parquet")
    dk = timed([sys.executable, "-c", DUCKDB_SCRIPT, query], repeat)
    ours = tenglong_figures(js)
    theirs = duckdb_figures(json.loads(dk["stdout"]), area_ids)
    diff = rel_diff(ours, theirs)
    for r in (tl, dk):
        r.pop("stdout")
    res = {
        "tenglong": tl,
        "duckdb": dk,
        "rel_diff": diff,
        "freed_m2": sum(v for k, v in ours.items()),
        "load": f"{load_before} → {_load()}",
    }
    ratio = tl["seconds"] / dk["seconds"]
    print(
        f"  {kind:8s} tenglong {tl['seconds']:6.2f} s (CPU {tl['cpu_seconds']:5.2f} s, "
        f"{tl['peak_mb']:5.0f} MB)  duckdb {dk['seconds']:6.2f} s (CPU {dk['cpu_seconds']:5.2f} s, "
        f"{dk['peak_mb']:5.0f} MB)  ratio {ratio:.2f}  "
        f"max rel. diff {diff:.1e}",
        flush=True,
    )
    return res


def render(runs: list[dict], help_t: dict, *, command: str, before: dict | None) -> str:
    import duckdb
    import geopandas as gpd
    import pyogrio
    import shapely

    lines = [
        "# End-to-end benchmark: from a file to an answer",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {os.cpu_count()} CPUs, shared with other work (load average before → after "
        f"each pair of rows in the table); Python {platform.python_version()}, geopandas "
        f"{gpd.__version__}, shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
        f"pyogrio {pyogrio.__version__} (GDAL {pyogrio.__gdal_version_string__}), duckdb "
        f"{duckdb.__version__}; {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "Every time is a whole process, start-up included, median of the repeats (best in "
        "brackets). `tenglong summary X` prints freed land by area (default grouping); DuckDB "
        "runs one spatial query (`ST_Read`/`read_parquet`, `ST_Transform` to the GK zone for the "
        "GeoPackage, join parcels × areas with intersection area, sum by area, and the freed "
        "total) in `python -c`. CPU: user + system seconds of the child (median; less "
        "sensitive than wall time to other work on the machine). Peak: resident-set "
        "high-water mark of the child process. "
        "Diff: largest relative difference of the m² per area and outside.",
        "",
        f"`tenglong --help`: {help_t['seconds']:.2f} s (best {help_t['best']:.2f} s), peak "
        f"{help_t['peak_mb']:.0f} MB.",
        "",
    ]
    head = "| data | tenglong s | DuckDB s | tenglong / DuckDB | goal | tenglong CPU s | "
    head += "DuckDB CPU s | tenglong peak MB | DuckDB peak MB | max rel. diff | "
    head += "load before → after |"
    sep = "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|"
    if before is not None:
        head = head.replace("| tenglong s |", "| tenglong s (before) |")
    for run in runs:
        gen = run["gen"]
        lines += [
            f"## {run['label']}: {gen['n']:,} parcels × {base.N_AREAS} areas",
            "",
            f"{gen['freed']:,} freed parcels; GeoPackage {gen['gpkg_mb']:.0f} MB, dataset "
            f"{gen['dataset_mb']:.0f} MB.",
            "",
            head,
            sep,
        ]
        for kind, limit in (("gpkg", 1.0), ("parquet", 0.5)):
            r = run[kind]
            tl, dk = r["tenglong"], r["duckdb"]
            ratio = tl["seconds"] / dk["seconds"]
            miss = tl["seconds"] - limit * dk["seconds"]
            met = "met" if ratio <= limit else f"missed by {miss:.2f} s"
            goal = f"≤ {limit:g}×: {met}"
            t_cell = f"{tl['seconds']:.2f} ({tl['best']:.2f})"
            if before is not None:
                b = before.get(run["label"], {}).get(kind)
                if b is not None:
                    bt = b["tenglong"]
                    t_cell += f"; before {bt['seconds']:.2f}"
                    if "cpu_seconds" in bt:
                        t_cell += f", CPU {bt['cpu_seconds']:.2f}"
            name = "GeoPackage" if kind == "gpkg" else "GeoParquet dataset"
            lines.append(
                f"| {name} | {t_cell} | {dk['seconds']:.2f} ({dk['best']:.2f}) | {ratio:.2f} | "
                f"{goal} | {tl.get('cpu_seconds', float('nan')):.2f} | "
                f"{dk.get('cpu_seconds', float('nan')):.2f} | "
                f"{tl['peak_mb']:.0f} | {dk['peak_mb']:.0f} | {r['rel_diff']:.1e} | "
                f"{r['load']} |"
            )
        lines.append("")
    ok = all(run[k]["rel_diff"] <= TOLERANCE for run in runs for k in ("gpkg", "parquet"))
    lines.append(f"Same figures ({TOLERANCE:g} relative): {'yes' if ok else 'NO'}.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["_generate"]:
        generate(argv[1], Path(argv[2]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="200k,1m", help="comma-separated: 200k, 1m")
    ap.add_argument("--repeat", type=int, default=3, help="runs per method (median)")
    ap.add_argument("--keep", action="store_true", help=f"keep the generated files in {CACHE}")
    ap.add_argument("--out", type=Path, default=RESULTS, help="Markdown results file")
    ap.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    ap.add_argument("--before", type=Path, default=None, help="raw results of an earlier run")
    args = ap.parse_args(argv)
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    bad = [s for s in sizes if s not in SIZES]
    if bad:
        ap.error(f"unknown size(s) {bad}; choose from {', '.join(SIZES)}")
    command = "python bench/end_to_end.py " + " ".join(argv)
    before = json.loads(args.before.read_text(encoding="utf-8")) if args.before else None

    tmp = None
    if args.keep:
        folder = CACHE
        folder.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="tenglong-e2e-")
        folder = Path(tmp.name)
    try:
        help_t = timed([TENGLONG, "--help"], max(5, args.repeat))
        help_t.pop("stdout")
        print(f"tenglong --help: {help_t['seconds']:.2f} s", flush=True)
        runs = []
        raw: dict[str, Any] = {"help": help_t}
        for label in sizes:
            print(f"\n== {label}: {SIZES[label]:,} parcels ==", flush=True)
            # In a child process: a child forked from a large parent would report its memory.
            subprocess.run(
                [sys.executable, __file__, "_generate", label, str(folder)],
                check=True,
                env=_child_env(),
            )
            gen = json.loads((folder / f"{label}.json").read_text(encoding="utf-8"))
            area_ids = [f"A{k:02d}" for k in range(base.N_AREAS)]
            run = {"label": label, "gen": gen}
            run["gpkg"] = bench_source(
                folder / f"{label}.gpkg", kind="gpkg", area_ids=area_ids, repeat=args.repeat
            )
            run["parquet"] = bench_source(
                folder / label, kind="parquet", area_ids=area_ids, repeat=args.repeat
            )
            runs.append(run)
            raw[label] = run
    finally:
        if tmp is not None:
            tmp.cleanup()
    text = render(runs, help_t, command=command.strip(), before=before)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    if args.json is not None:
        args.json.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    print("\n" + text)
    print(f"wrote {args.out}")
    return 0 if all(r[k]["rel_diff"] <= TOLERANCE for r in runs for k in ("gpkg", "parquet")) else 1


if __name__ == "__main__":
    sys.exit(main())
