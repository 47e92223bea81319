"""Load test of concurrent edits: several processes saving the same parcels, on each backend.

Each of ``--processes`` worker processes makes ``--edits`` randomized edits of
a small hot set of Fuxing parcels (``--parcels``, so that editors collide):
read the parcel, think for 0–``--think-ms`` ms, save with the version it read
(60% attribute edits, 20% geometry nudges, 20% status changes along the
lifecycle). A save refused with ``EditConflict`` is counted and not retried;
every conflict must carry the other editor's change (who, when, before/after).

Then the workspace is checked for lost updates: per parcel, the final
``row_version`` minus the initial one equals the number of successful saves,
the audit table holds exactly the rows of the successful saves (one edit id
each, every edit id reported by a worker present), and for every field the
audit values chain (each ``before`` is the previous ``after``, the last
``after`` is the stored value).

Everything runs on this machine: a copy of ``data/fuxing.gpkg`` in a
temporary directory, and a throwaway PostgreSQL + PostGIS server on 127.0.0.1
(:mod:`geo.store.testserver`, default durability). Each worker stops at
``--max-seconds``.

Concurrent writers of different parcels
---------------------------------------
Then ``--writers`` (default 200) processes each run ``tenglong set-field WS
PID contact … --expect-version V`` on a different parcel of one fresh
GeoPackage, all released at once by a barrier — what a bulk script does. The
goal is that none is refused: an edit that finds the workspace locked queues
(backoff with jitter, up to ``TENGLONG_EDIT_WAIT_S``). Reported: saved,
refused (busy / conflict / other errors), the share refused, wall time, and
per-writer latency from release to exit. ``--writer-kind fork`` (default)
runs the command line's code in processes forked from one that imported it
(each ~5 MB private memory); ``exec`` starts ``python -m geo.cli`` per writer,
as a shell loop would (~90 MB private memory each: mind the machine's RAM).

Run::

    .venv/bin/python bench/edit_load.py                  # 4 × 250 edits, both backends; 200 writers
    .venv/bin/python bench/edit_load.py --backends gpkg --processes 8 --edits 100
    .venv/bin/python bench/edit_load.py --backends none --writers 60 --writer-kind exec

Results are printed and written to ``bench/results/edit_load.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import multiprocessing as mp
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

logger = logging.getLogger("edit_load")


def _worker(
    target: str,
    k: int,
    n: int,
    parcels: list[str],
    think_ms: float,
    deadline: float,
    seed: int,
    out: str,
    barrier: Any,
) -> None:
    """One editor process: ``n`` randomized edits, one JSON line per attempt."""
    from shapely import affinity

    from geo.store import ALLOWED_TRANSITIONS, EditConflict, StoreBusyError, open_store

    rng = random.Random(seed * 1000 + k)
    today = dt.date.today()
    with (
        open_store(target, user=f"bench-{k}", busy_timeout_s=30) as store,
        open(out, "w", encoding="utf-8") as log,
    ):
        barrier.wait(120)
        for i in range(n):
            if time.time() > deadline:
                break
            pid = rng.choice(parcels)
            t0 = time.perf_counter()
            rec = store.parcel(pid)
            time.sleep(rng.uniform(0.0, think_ms) / 1000.0)
            what = rng.random()
            if what < 0.6:
                kind, save, args = "attribute", store.update_parcel, (pid,)
                changes = {"contact": f"bench-{k}-{i}", "compensation_wan_yuan": rng.random()}
                kwargs: dict[str, Any] = {"changes": changes}
            elif what < 0.8:
                kind, save, args = "geometry", store.update_parcel, (pid,)
                moved = affinity.translate(rec.geometry, xoff=rng.uniform(-2e-6, 2e-6))
                kwargs = {"changes": {"geometry": moved}}
            else:
                kind, save = "status", store.set_status
                new = rng.choice(sorted(ALLOWED_TRANSITIONS[rec.values["status"]]))
                args, kwargs = (pid, new), {"on": today, "note": "bench"}
            t1 = time.perf_counter()
            row: dict[str, Any] = {"parcel": pid, "kind": kind, "read_version": rec.row_version}
            try:
                res = save(*args, **kwargs, expected_version=rec.row_version)
                row.update(
                    outcome="ok",
                    version=res.row_version,
                    edit_id=res.edit_id,
                    fields=len(res.changes),
                )
            except EditConflict as err:
                row.update(
                    outcome="conflict",
                    informative=bool(err.theirs)
                    and err.who is not None
                    and err.current_version > err.expected_version
                    and all(c.row_version > err.expected_version for c in err.theirs),
                    other=err.who,
                )
            except StoreBusyError:
                row["outcome"] = "busy"
            except Exception as err:  # reported in the table as an error
                row.update(outcome="error", error=f"{type(err).__name__}: {err}")
            t2 = time.perf_counter()
            row.update(save_ms=(t2 - t1) * 1e3, total_ms=(t2 - t0) * 1e3, t=time.time())
            log.write(json.dumps(row) + "\n")


@dataclass
class Result:
    """One backend's run."""

    backend: str
    attempts: int = 0
    outcomes: Counter = field(default_factory=Counter)
    wall_s: float = 0.0
    save_ms: list[float] = field(default_factory=list)
    ok_ms: list[float] = field(default_factory=list)
    conflicts_informative: int = 0
    lost_updates: int = 0
    problems: list[str] = field(default_factory=list)
    audit_rows: int = 0
    errors: list[str] = field(default_factory=list)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def _verify(target: str, parcels: list[str], initial: dict[str, int], rows: list[dict]) -> Result:
    from geo.store import open_store
    from geo.store.model import encode_value

    res = Result(backend="")
    ok = [r for r in rows if r["outcome"] == "ok"]
    by_parcel = Counter(r["parcel"] for r in ok)
    with open_store(target, user="check", role="investment") as store:
        audit = store.history()
        audit = audit[audit["who"].str.startswith("bench-")]
        res.audit_rows = len(audit)
        expected_rows = sum(r["fields"] for r in ok)
        if len(audit) != expected_rows:
            res.problems.append(
                f"audit has {len(audit)} rows, successful saves wrote {expected_rows}"
            )
        reported = {r["edit_id"] for r in ok}
        in_audit = set(audit["edit_id"])
        if reported != in_audit:
            res.problems.append(
                f"{len(reported - in_audit)} saved edits missing from the audit, "
                f"{len(in_audit - reported)} unreported edits in it"
            )
        kinds = store._parcel_kinds()
        for pid in parcels:
            rec = store.parcel(pid)
            gained = rec.row_version - initial[pid]
            if gained != by_parcel[pid]:
                res.lost_updates += abs(by_parcel[pid] - gained)
                res.problems.append(f"{pid}: version +{gained}, {by_parcel[pid]} successful saves")
            mine = audit[audit["row_id"] == pid]
            if mine["edit_id"].nunique() != by_parcel[pid]:
                res.problems.append(f"{pid}: {mine['edit_id'].nunique()} edits in the audit")
            for fname, chain in mine.groupby("field", sort=False):
                chain = chain.sort_values("row_version", kind="stable")
                befores, afters = list(chain["before"]), list(chain["after"])
                if befores[1:] != afters[:-1]:
                    res.problems.append(f"{pid}.{fname}: broken before/after chain")
                if afters[-1] != encode_value(rec.get(fname), kinds[fname]):
                    res.problems.append(f"{pid}.{fname}: stored value is not the last audit value")
    return res


def run_backend(
    backend: str,
    *,
    processes: int,
    edits: int,
    n_parcels: int,
    think_ms: float,
    max_seconds: float,
    seed: int,
    workdir: Path,
) -> Result:
    """Prepare the workspace, run the workers, verify. The server (postgis) is stopped after."""
    from geo.store import open_store
    from geo.store.migrate import migrate

    src = Path(shutil.copy(REPO / "data" / "fuxing.gpkg", workdir / f"fuxing-{backend}.gpkg"))
    server = None
    if backend == "postgis":
        from geo.store.testserver import start_server

        server = start_server(durable=True)
        target = server.schema_url("bench")
        migrate(src, target)
    else:
        target = str(src)
    try:
        with open_store(target, user="setup", role="investment") as store:
            tables, _ = store.read_tables(columns={"parcels": ["parcel_id"]})
            parcels = sorted(tables["parcels"]["parcel_id"])[:n_parcels]
            initial = {p: store.parcel(p).row_version for p in parcels}
        ctx = mp.get_context("spawn")
        barrier = ctx.Barrier(processes + 1)
        deadline = time.time() + max_seconds
        outs = [workdir / f"{backend}-{k}.jsonl" for k in range(processes)]
        procs = [
            ctx.Process(
                target=_worker,
                args=(target, k, edits, parcels, think_ms, deadline, seed, str(outs[k]), barrier),
            )
            for k in range(processes)
        ]
        for p in procs:
            p.start()
        barrier.wait(120)
        t0 = time.perf_counter()
        for p in procs:
            p.join(max_seconds + 60)
            if p.is_alive():
                p.kill()
        wall = time.perf_counter() - t0
        rows = [json.loads(line) for o in outs if o.exists() for line in o.read_text().splitlines()]
        res = _verify(target, parcels, initial, rows)
        res.backend = backend
        res.wall_s = wall
        res.attempts = len(rows)
        res.outcomes = Counter(r["outcome"] for r in rows)
        res.save_ms = [r["save_ms"] for r in rows]
        res.ok_ms = [r["save_ms"] for r in rows if r["outcome"] == "ok"]
        res.conflicts_informative = sum(1 for r in rows if r.get("informative"))
        res.errors = sorted({r["error"] for r in rows if r["outcome"] == "error"})[:5]
        if res.attempts != processes * edits:
            res.problems.append(f"{res.attempts} of {processes * edits} edits ran (time limit?)")
        return res
    finally:
        if server is not None:
            server.stop()


# ---------------------------------------------------------------------------
# Concurrent writers of different parcels (the command line, one edit each)
# ---------------------------------------------------------------------------


def _classify(code: int, said: str) -> str:
    if code == 0:
        return "ok"
    if code == 1 and "being saved by other editors" in said:
        return "busy"
    if code == 1:
        return "conflict"
    return "error"


def _cli_argv(target: str, k: int, pid: str, version: int) -> list[str]:
    return [
        "set-field",
        target,
        pid,
        "contact",
        f"writer-{k}",
        "--user",
        f"writer-{k}",
        "--note",
        "edit_load",
        "--expect-version",
        str(version),
    ]


def _fork_writer(argv: list[str], out: str, barrier: Any) -> None:
    """A forked writer: ``tenglong ARGV`` in this process, result as one JSON line."""
    import contextlib
    import io

    from geo.cli import app

    buf = io.StringIO()
    barrier.wait(300)
    t0 = time.perf_counter()
    code = 0
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            app(args=argv, prog_name="tenglong", standalone_mode=True)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    t1 = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
    row = {"code": code, "said": buf.getvalue()[-2000:], "s": t1 - t0, "t0": t0, "t1": t1}
    Path(out).write_text(json.dumps(row), "utf-8")


@dataclass
class WritersResult:
    """The concurrent-writers run."""

    writers: int
    kind: str
    wait_s: float
    outcomes: Counter = field(default_factory=Counter)
    wall_s: float = 0.0
    latency_s: list[float] = field(default_factory=list)
    audit_rows: int = 0
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return self.writers - self.outcomes["ok"]


def run_writers(writers: int, *, kind: str, workdir: Path) -> WritersResult:
    """``writers`` concurrent ``tenglong set-field`` processes, each on its own parcel."""
    from geo.store import open_store
    from geo.store.retry import edit_wait_s

    src = Path(shutil.copy(REPO / "data" / "fuxing.gpkg", workdir / "fuxing-writers.gpkg"))
    target = str(src)
    with open_store(target, user="setup", role="investment") as store:
        tables, _ = store.read_tables(columns={"parcels": ["parcel_id"]})
        parcels = sorted(tables["parcels"]["parcel_id"])
        if len(parcels) < writers:
            raise SystemExit(f"--writers {writers}: the workspace has {len(parcels)} parcels")
        parcels = parcels[:writers]
        versions = {p: store.parcel(p).row_version for p in parcels}
    res = WritersResult(writers=writers, kind=kind, wait_s=edit_wait_s())
    outs = [workdir / f"writer-{k}.json" for k in range(writers)]
    rows: list[dict[str, Any]] = []
    if kind == "fork":
        import geo.cli  # noqa: F401 - imported once, shared by the forked writers

        ctx = mp.get_context("fork")
        barrier = ctx.Barrier(writers + 1)
        procs = [
            ctx.Process(
                target=_fork_writer,
                args=(_cli_argv(target, k, pid, versions[pid]), str(outs[k]), barrier),
            )
            for k, pid in enumerate(parcels)
        ]
        for proc in procs:
            proc.start()
        barrier.wait(300)
        t0 = time.perf_counter()
        for proc in procs:
            proc.join(res.wait_s + 300)
            if proc.is_alive():
                proc.kill()
        res.wall_s = time.perf_counter() - t0
        for o in outs:
            rows.append(json.loads(o.read_text()) if o.exists() else {"code": -9, "said": ""})
        spans = [(r["t0"], r["t1"]) for r in rows if "t0" in r]
        if spans:  # the parent may get the CPU late among 200 runnable writers
            res.wall_s = max(b for _, b in spans) - min(a for a, _ in spans)
    else:
        import subprocess

        env = {**os.environ, "PYTHONPATH": str(REPO)}
        t0 = time.perf_counter()
        started = [
            (
                time.perf_counter(),
                subprocess.Popen(
                    [sys.executable, "-m", "geo.cli", *_cli_argv(target, k, pid, versions[pid])],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    env=env,
                ),
            )
            for k, pid in enumerate(parcels)
        ]
        for t_start, proc in started:
            said, _ = proc.communicate(timeout=res.wait_s + 600)
            rows.append({"code": proc.returncode, "said": said, "s": time.perf_counter() - t_start})
        res.wall_s = time.perf_counter() - t0
    for row in rows:
        said = " ".join(str(row.get("said", "")).split())
        outcome = _classify(int(row["code"]), said)
        res.outcomes[outcome] += 1
        if "s" in row:
            res.latency_s.append(float(row["s"]))
        if outcome != "ok":
            res.errors.append(f"exit {row['code']}: {said[-300:]}")
    res.errors = sorted(set(res.errors))[:5]
    with open_store(target, user="check", role="investment") as store:
        audit = store.history()
        mine = audit[audit["who"].str.startswith("writer-")]
        res.audit_rows = len(mine)
        for k, pid in enumerate(parcels):
            rec = store.parcel(pid)
            saved = rec.values.get("contact") == f"writer-{k}"
            if saved != (rec.row_version == versions[pid] + 1):
                res.problems.append(f"{pid}: contact and row_version disagree")
        if res.audit_rows != res.outcomes["ok"]:
            res.problems.append(f"{res.audit_rows} audit rows for {res.outcomes['ok']} saves")
    return res


def writers_table(r: WritersResult) -> str:
    """The concurrent-writers run as a Markdown table."""
    o = r.outcomes
    lat = r.latency_s or [float("nan")]
    return "\n".join(
        [
            "| writers | kind | saved | refused: busy | conflict | other errors | share refused "
            "| wall s | edit p50 s | p95 s | max s | audit rows | verified |",
            "|" + "---|" * 13,
            f"| {r.writers} | {r.kind} | {o['ok']} | {o['busy']} | {o['conflict']} | {o['error']} "
            f"| {r.refused / r.writers:.1%} | {r.wall_s:.1f} | {statistics.median(lat):.2f} "
            f"| {_pct(lat, 0.95):.2f} | {max(lat):.2f} | {r.audit_rows} "
            f"| {'yes' if not r.problems else 'NO'} |",
        ]
    )


def table(results: list[Result], args: argparse.Namespace) -> str:
    """The results as a Markdown table (also readable as plain text)."""
    head = (
        "| backend | edits | saved | conflicts (with the other change) | busy | errors | "
        "lost updates | audit rows | wall s | saves/s | save p50 ms | p95 ms | max ms | verified |"
    )
    lines = [head, "|" + "---|" * 14]
    for r in results:
        o = r.outcomes
        conflicts = o["conflict"]
        lines.append(
            f"| {r.backend} | {r.attempts} | {o['ok']} | {conflicts} ({r.conflicts_informative}) "
            f"| {o['busy']} | {o['error']} | {r.lost_updates} | {r.audit_rows} | {r.wall_s:.1f} "
            f"| {o['ok'] / r.wall_s:.0f} | {statistics.median(r.save_ms):.1f} "
            f"| {_pct(r.save_ms, 0.95):.1f} | {max(r.save_ms):.1f} "
            f"| {'yes' if not r.problems else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--backends", default="gpkg,postgis", help="comma-separated: gpkg, postgis (none: skip)"
    )
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--edits", type=int, default=250, help="edits per process")
    ap.add_argument("--parcels", type=int, default=20, help="size of the hot set of parcels")
    ap.add_argument("--think-ms", type=float, default=5.0, help="max pause between read and save")
    ap.add_argument("--max-seconds", type=float, default=300.0, help="time limit per backend")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--writers",
        type=int,
        default=200,
        help="concurrent set-field processes of different parcels (0: skip)",
    )
    ap.add_argument(
        "--writer-kind",
        choices=("fork", "exec"),
        default="fork",
        help="fork: processes forked after importing the CLI; exec: python -m geo.cli each",
    )
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "edit_load.md")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    results = []
    writers: WritersResult | None = None
    backends = [b.strip() for b in args.backends.split(",") if b.strip() not in ("", "none")]
    with tempfile.TemporaryDirectory(prefix="tenglong-edit-load-") as tmp:
        for backend in backends:
            print(f"{backend}: {args.processes} processes × {args.edits} edits …", flush=True)
            results.append(
                run_backend(
                    backend,
                    processes=args.processes,
                    edits=args.edits,
                    n_parcels=args.parcels,
                    think_ms=args.think_ms,
                    max_seconds=args.max_seconds,
                    seed=args.seed,
                    workdir=Path(tmp),
                )
            )
        if args.writers > 0:
            print(f"gpkg: {args.writers} concurrent set-field writers ({args.writer_kind}) …")
            writers = run_writers(args.writers, kind=args.writer_kind, workdir=Path(tmp))
    text = table(results, args) if results else ""
    if text:
        print(text)
    problems = [f"- {r.backend}: {p}" for r in results for p in r.problems]
    problems += [f"- {r.backend}: error {e}" for r in results for e in r.errors]
    if writers is not None:
        print(writers_table(writers))
        problems += [f"- writers: {p}" for p in writers.problems]
        problems += [f"- writers: refused {e}" for e in writers.errors]
    if problems:
        print("\n".join(problems))
    cmd = "python bench/edit_load.py " + " ".join(argv if argv is not None else sys.argv[1:])
    md = [
        "# Concurrent edits: lost updates, conflicts, latency",
        "",
        f"{dt.date.today()} · {platform.platform()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()}",
        "",
        f"`{cmd.strip()}`",
    ]
    if results:
        md += [
            "",
            f"{args.processes} processes × {args.edits} randomized edits of "
            f"{args.parcels} Fuxing parcels (60% attributes, 20% geometry, 20% status), 0–"
            f"{args.think_ms:g} ms between read and save, a conflict is not retried. GeoPackage: "
            f"WAL, synchronous=FULL, on local disk. PostGIS: PostgreSQL 15 on 127.0.0.1, "
            f"default durability (fsync on).",
            "",
            text,
            "",
            "*saved*: successful saves; *conflicts*: saves refused because another editor saved "
            "the parcel after it was read (in brackets: how many carried the other change — "
            "who, when, before/after); *lost updates*: |final row_version − initial − saves|, "
            "summed over parcels; *verified*: audit rows = rows of the successful saves, every "
            "saved edit id in the audit, each field's before/after chain ends in the stored "
            "value.",
        ]
    if writers is not None:
        how = (
            "forked from one process that imported the command line"
            if writers.kind == "fork"
            else "each `python -m geo.cli`"
        )
        md += [
            "",
            "## Concurrent writers of different parcels",
            "",
            f"{writers.writers} processes ({how}) each run `tenglong set-field fuxing.gpkg "
            f"PID contact … --expect-version V` on a different parcel of one GeoPackage, "
            f"released together by a barrier. Busy waiting: backoff with jitter, at most "
            f"{writers.wait_s:g} s (`TENGLONG_EDIT_WAIT_S`). Goal: share refused 0.",
            "",
            writers_table(writers),
            "",
            '*refused: busy*: gave up waiting for the lock (exit 1, "being saved by other '
            'editors"); *conflict*: the optimistic check refused it (none expected: every '
            "parcel has one writer); *edit* latency: from the barrier to the process's exit; "
            "*verified*: one audit row per save, and every parcel's value and row_version "
            "agree with its writer's outcome.",
        ]
    if problems:
        md += ["", "Problems:", *problems]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(md) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
