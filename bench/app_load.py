"""Load test of the running app: concurrent browser sessions on the Fuxing demo, on loopback.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 and opens
``--sessions`` headless Chromium pages at once (``--browsers`` browser
processes, one context per session, so every session is a separate Streamlit
session). Each session

1. loads the overview page and times navigation → the script run has finished:
   the map element has drawn its parcels and Streamlit's status widget is gone;
2. switches the language to English (a rerun of the script) and times the click
   → the English overview has finished the same way (map labels in English,
   status widget gone).

Counted as errors: uncaught page errors, exceptions or ``st.error`` blocks shown
in the page, failed requests (HTTP ≥ 400, network failures; cancelled loads of a
frame replaced by a rerun are counted apart), WebSocket errors, and any request
that tries to leave the machine (the browsers resolve no host but 127.0.0.1).

Before the swarm, one session alone warms the server's caches (its first run
is reported as *cold*), and a second one alone gives the baseline of a quiet
server (*alone*: times and CPU seconds of one session). Every wait has a
timeout and the whole swarm stops at ``--max-seconds``; sessions still running
then are reported as unfinished. The server is killed at the end.

Run::

    .venv/bin/python bench/app_load.py                      # 20 sessions, 2 browsers
    .venv/bin/python bench/app_load.py --sessions 6 --browsers 1 --no-write

Results are printed and written to ``bench/results/app_load.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import CHROMIUM_ARGS, _chromium_path  # noqa: E402
from test_app_browser import MAP_ELEMENT, NOT_LOCAL  # noqa: E402

from tests.appserver import streamlit_app  # noqa: E402

RESULTS = REPO / "bench" / "results" / "app_load.md"
LOOPBACK_ONLY = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
"""Resolve no host but 127.0.0.1 (cheaper than intercepting every request)."""
ERROR_BLOCKS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
STEP_TIMEOUT_S = 120.0


@dataclass
class Session:
    """What one browser session measured and saw."""

    k: int
    first_s: float | None = None
    rerun_s: float | None = None
    page_errors: list[str] = field(default_factory=list)
    shown_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    exception: str | None = None
    context: Any = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.first_s is not None and self.rerun_s is not None

    @property
    def errors(self) -> int:
        return (
            len(self.page_errors)
            + len(self.shown_errors)
            + len(self.failed)
            + len(self.outside)
            + (self.exception is not None)
        )


@dataclass
class LoadResult:
    sessions: list[Session]
    browsers: int
    warmups: list[Session]
    alone_cpu_s: tuple[float, float]
    server_cpu_s: float
    browser_cpu_s: float
    wall_s: float
    load_before: float
    load_max: float
    load_after: float

    @property
    def finished(self) -> int:
        return sum(s.finished for s in self.sessions)

    @property
    def errors(self) -> int:
        """Errors of the swarm's sessions and of the warm-up load."""
        return sum(s.errors for s in [*self.warmups, *self.sessions])

    def times(self, which: str) -> list[float]:
        return sorted(v for s in self.sessions if (v := getattr(s, which)) is not None)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (NaN when empty).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 95)
    (2.0, 4.0)
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _tree(root: int) -> set[int]:
    """``root`` and all its descendants (from ``/proc``)."""
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
    out, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        kids = [c for c, pp in parent.items() if pp == pid and c not in out]
        out.update(kids)
        todo += kids
    return out


def _cpu_s(pids: set[int]) -> float:
    """User + system CPU seconds used so far by the live processes ``pids``."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def cpu_split(server_pid: int | None) -> tuple[float, float]:
    """CPU seconds so far of the server's processes and of this process's other descendants."""
    server = _tree(server_pid) if server_pid else set()
    return _cpu_s(server), _cpu_s(_tree(os.getpid()) - server - {os.getpid()})


@contextlib.contextmanager
def serve() -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` on a free loopback port; killed on exit."""
    env = {k: v for k, v in os.environ.items() if k not in ("TENGLONG_WORKSPACE", "TENGLONG_MODE")}
    with tempfile.TemporaryFile() as log, streamlit_app(env, log) as (url, proc):
        yield url, proc.pid


async def finished(page: Any, lang: str, deadline: float) -> None:
    """Wait until the map element has drawn features in ``lang`` and the script run is over."""
    drawn = (
        "() => window.TL && TL.instances.length > 0 && "
        f"document.querySelectorAll('{MAP_ELEMENT} path.leaflet-interactive').length > 0 && "
        f"TL.instances[0].cfg.lang === '{lang}'"
    )
    left_ms = max(1.0, (deadline - time.monotonic()) * 1000)
    await page.wait_for_function(drawn, timeout=left_ms, polling=100)
    await page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=max(1.0, (deadline - time.monotonic()) * 1000),
        polling=100,
    )


async def shown_errors(page: Any) -> list[str]:
    """Texts of the exceptions and ``st.error`` blocks shown in the page."""
    blocks = await page.query_selector_all(ERROR_BLOCKS)
    return [(await b.inner_text()).strip()[:300] for b in blocks]


def watch(page: Any, s: Session) -> None:
    page.on("pageerror", lambda err: s.page_errors.append(str(err)))
    page.on("request", lambda r: s.outside.append(r.url) if NOT_LOCAL.search(r.url) else None)

    def _failed(r: Any) -> None:
        if NOT_LOCAL.search(r.url):
            return  # already counted as outside
        text = f"{r.failure} {r.url}"
        # a frame replaced by a rerun cancels its own loads: not an error of the app
        (s.cancelled if r.failure == "net::ERR_ABORTED" else s.failed).append(text)

    def _response(r: Any) -> None:
        if r.status >= 400:
            s.failed.append(f"HTTP {r.status} {r.url}")

    def _websocket(ws: Any) -> None:
        ws.on("socketerror", lambda err: s.failed.append(f"websocket {ws.url}: {err}"))

    page.on("requestfailed", _failed)
    page.on("response", _response)
    page.on("websocket", _websocket)


async def run_session(
    browser: Any, url: str, s: Session, start: asyncio.Event, delay_s: float = 0.0
) -> Any:
    """One session, ``delay_s`` after ``start``; returns its browser context, left open
    (its renderer's CPU is counted)."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    s.context = ctx
    try:
        page = await ctx.new_page()
        page.set_default_timeout(STEP_TIMEOUT_S * 1000)
        watch(page, s)
        await start.wait()
        await asyncio.sleep(delay_s)
        t0 = time.perf_counter()
        await page.goto(url + "/", wait_until="commit")
        await finished(page, "zh", time.monotonic() + STEP_TIMEOUT_S)
        s.first_s = time.perf_counter() - t0
        s.shown_errors += await shown_errors(page)

        t1 = time.perf_counter()
        await page.get_by_text("English", exact=True).click()
        await page.locator("h1", has_text="Overview").wait_for()
        await finished(page, "en", time.monotonic() + STEP_TIMEOUT_S)
        s.rerun_s = time.perf_counter() - t1
        s.shown_errors += await shown_errors(page)
    except Exception as err:
        s.exception = f"{type(err).__name__}: {str(err).splitlines()[0][:200]}"
    return ctx


async def _sample_load(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(os.getloadavg()[0])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def swarm(
    url: str,
    *,
    sessions: int,
    browsers: int,
    max_seconds: float,
    warmup: bool = True,
    ramp_s: float = 0.0,
    server_pid: int | None = None,
) -> LoadResult:
    """Run the sessions against ``url``; stops at ``max_seconds`` whatever happens."""
    from playwright.async_api import async_playwright

    path = _chromium_path()
    if path is None:
        raise RuntimeError("chromium not found: run scripts/ensure-chromium.sh")
    t_start = time.monotonic()
    async with async_playwright() as p:
        procs = [
            await p.chromium.launch(executable_path=path, args=[*CHROMIUM_ARGS, LOOPBACK_ONLY])
            for _ in range(browsers)
        ]
        try:
            warmups: list[Session] = []
            alone_cpu = (math.nan, math.nan)
            go = asyncio.Event()
            go.set()
            for k in (-2, -1) if warmup else ():
                w = Session(k)
                warmups.append(w)
                c0 = cpu_split(server_pid)
                try:
                    await asyncio.wait_for(run_session(procs[0], url, w, go), max_seconds / 4)
                except TimeoutError:
                    w.exception = "TimeoutError: warm-up not finished"
                c1 = cpu_split(server_pid)
                alone_cpu = (c1[0] - c0[0], c1[1] - c0[1])
                with contextlib.suppress(Exception):
                    await w.context.close()
            await asyncio.sleep(2)  # let the warm-up's processes quiet down
            load_before = os.getloadavg()[0]
            samples: list[float] = []
            stop = asyncio.Event()
            sampler = asyncio.create_task(_sample_load(samples, stop))
            result = [Session(k) for k in range(sessions)]
            start = asyncio.Event()
            tasks = [
                asyncio.create_task(
                    run_session(procs[k % browsers], url, s, start, k * ramp_s / sessions)
                )
                for k, s in enumerate(result)
            ]
            await asyncio.sleep(0.5)  # contexts and pages are created before the clock starts
            cpu0 = cpu_split(server_pid)
            t0 = time.perf_counter()
            start.set()
            left = max(1.0, max_seconds - (time.monotonic() - t_start))
            _, pending = await asyncio.wait(tasks, timeout=left)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for s in result:
                if not s.finished and s.exception is None:
                    s.exception = f"TimeoutError: not finished at the {max_seconds:.0f} s limit"
            wall = time.perf_counter() - t0
            cpu1 = cpu_split(server_pid)
            stop.set()
            await sampler
            for s in result:
                with contextlib.suppress(Exception):
                    await s.context.close()
        finally:
            for b in procs:
                with contextlib.suppress(Exception):
                    await b.close()
    return LoadResult(
        sessions=result,
        browsers=browsers,
        warmups=warmups,
        alone_cpu_s=alone_cpu,
        server_cpu_s=cpu1[0] - cpu0[0],
        browser_cpu_s=cpu1[1] - cpu0[1],
        wall_s=wall,
        load_before=load_before,
        load_max=max(samples, default=load_before),
        load_after=os.getloadavg()[0],
    )


def run(
    sessions: int = 20,
    browsers: int = 2,
    max_seconds: float = 180,
    *,
    warmup: bool = True,
    ramp_s: float = 0.0,
) -> LoadResult:
    """Start the server, run the swarm, kill the server."""
    with serve() as (url, pid):
        coro = swarm(
            url,
            sessions=sessions,
            browsers=browsers,
            max_seconds=max_seconds,
            warmup=warmup,
            ramp_s=ramp_s,
            server_pid=pid,
        )
        # a thread of its own: the caller may already run an event loop (pytest
        # with playwright's sync API), where asyncio.run() is refused
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coro).result()


def _p50_p95_max(values: list[float]) -> str:
    top = max(values, default=math.nan)
    return f"{percentile(values, 50):.2f} | {percentile(values, 95):.2f} | {top:.2f}"


def table(r: LoadResult) -> str:
    first, rerun = r.times("first_s"), r.times("rerun_s")
    failed = sum(len(s.failed) for s in r.sessions)
    cancelled = sum(len(s.cancelled) for s in r.sessions)
    head = (
        "| sessions | browsers | finished | errors | page errors | shown errors | failed requests "
        "| left the machine | first run p50 s | p95 s | max s | rerun p50 s | p95 s | max s "
        "| wall s | CPU s server / browsers | load avg 1 min before / max / after |"
    )
    row = (
        f"| {len(r.sessions)} | {r.browsers} | {r.finished} | {r.errors} "
        f"| {sum(len(s.page_errors) for s in r.sessions)} "
        f"| {sum(len(s.shown_errors) for s in r.sessions)} "
        f"| {failed} (+{cancelled} cancelled) "
        f"| {sum(len(s.outside) for s in r.sessions)} "
        f"| {_p50_p95_max(first)} | {_p50_p95_max(rerun)} "
        f"| {r.wall_s:.1f} | {r.server_cpu_s:.1f} / {r.browser_cpu_s:.1f} "
        f"| {r.load_before:.2f} / {r.load_max:.2f} / {r.load_after:.2f} |"
    )
    return "\n".join([head, "|" + "---|" * head.count(" | ") + "---|", row])


def problems(r: LoadResult) -> list[str]:
    out = []
    for s in [*r.warmups, *r.sessions]:
        for kind in ("page_errors", "shown_errors", "failed", "outside"):
            out += [f"session {s.k} {kind}: {x}" for x in getattr(s, kind)]
        if s.exception:
            out.append(f"session {s.k}: {s.exception}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--browsers", type=int, default=2)
    ap.add_argument("--max-seconds", type=float, default=180)
    ap.add_argument("--no-warmup", action="store_true", help="no page load before the swarm")
    ap.add_argument(
        "--ramp-seconds",
        type=float,
        default=0.0,
        help="spread the session starts evenly over this time (default: all at once)",
    )
    ap.add_argument("--no-write", action="store_true", help=f"do not write {RESULTS.name}")
    args = ap.parse_args()
    if not 1 <= args.browsers <= args.sessions <= 100:
        ap.error("need 1 ≤ browsers ≤ sessions ≤ 100")

    r = run(
        args.sessions,
        args.browsers,
        args.max_seconds,
        warmup=not args.no_warmup,
        ramp_s=args.ramp_seconds,
    )
    cmd = "python bench/app_load.py" + "".join(f" {a}" for a in sys.argv[1:])
    import streamlit

    started = (
        f"evenly over {args.ramp_seconds:g} s" if args.ramp_seconds > 0 else "at the same moment"
    )
    if len(r.warmups) == 2 and all(w.finished for w in r.warmups):
        cold, alone = r.warmups
        warm = (
            f"Before the swarm, one session alone on the cold server: first run "
            f"{cold.first_s:.2f} s; "
            f"then one alone on the warm server: first run {alone.first_s:.2f} s, "
            f"rerun {alone.rerun_s:.2f} s, CPU {r.alone_cpu_s[0]:.1f} s server + "
            f"{r.alone_cpu_s[1]:.1f} s browser for both."
        )
    else:
        warm = "The server was not warmed before the swarm."
    report = [
        "# App under load: concurrent browser sessions on loopback",
        "",
        f"{dt.date.today()} · {platform.platform()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · Streamlit {streamlit.__version__} · "
        "Debian chromium (headless)",
        "",
        f"`{cmd}`: {len(r.sessions)} sessions started {started} from {r.browsers} browser "
        "process(es) on the same machine as the server (one Streamlit server on 127.0.0.1, "
        "Fuxing demo). *First run*: navigation → overview map drawn and status widget gone; "
        "*rerun*: click on *English* → English overview finished the same way. " + warm,
        "",
        table(r),
        "",
        "*errors*: page errors + exceptions or `st.error` blocks shown + failed requests "
        "(HTTP ≥ 400, network failures, WebSocket errors) + requests to another host + "
        "sessions not finished; *cancelled*: loads of a map frame replaced by the rerun "
        "(`net::ERR_ABORTED`), not counted as errors. Percentiles are nearest-rank. "
        "*CPU s*: user + system CPU seconds used during the swarm by the Streamlit server "
        "and by the browsers' processes. The browsers share the "
        f"{os.cpu_count()} cores with the server, so the times include rendering "
        f"{len(r.sessions)} pages; the load average counts everything on the machine.",
    ]
    if problems(r):
        report += ["", "Problems:", "", *[f"- {p}" for p in problems(r)[:40]]]
    text = "\n".join(report) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        print(f"written to {RESULTS.relative_to(REPO)}")
    sys.exit(0 if r.errors == 0 and r.finished == len(r.sessions) else 1)


if __name__ == "__main__":
    main()
