"""Load test of the running app at the WebSocket level: concurrent sessions, no browser.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1 with
``TENGLONG_WORKSPACE=data/fuxing.gpkg`` and opens ``--sessions`` WebSocket
clients at once on ``ws://127.0.0.1:PORT/_stcore/stream`` (subprotocol
``streamlit``, as Streamlit's front end does). Every client is its own
Streamlit session and speaks the front end's protocol directly:

1. *first run*: sends a ``BackMsg`` with ``rerun_script`` (an empty
   ``ClientState``: no query string, no page hash) and times it until the
   ``ForwardMsg`` with ``script_finished`` arrives;
2. *rerun*: sends the same ``ClientState`` again (with the page hash the server
   named in ``new_session``) and times it the same way.

Only the server works here (no page is drawn), so the times are the script
runs of 20 sessions sharing one Streamlit server, plus the protobuf transfer
over loopback.

Counted as errors: a delta carrying an exception element, an ``st.error``
block (alert of format ERROR), a ``script_finished`` whose status is not
``FINISHED_SUCCESSFULLY`` (``FINISHED_EARLY_FOR_RERUN`` is counted apart: the
script asked for a rerun itself and the client keeps waiting), a closed
connection or any other exception, and a run not finished by the deadline.
Before the swarm one session alone warms the server's caches (``--no-warmup``
skips it). The whole swarm stops at ``--max-seconds`` (default 120 s); the
server is killed at the end.

Run::

    .venv/bin/python bench/app_ws_load.py              # 20 sessions, print + append
    .venv/bin/python bench/app_ws_load.py --sessions 5 --no-write
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

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.appserver import streamlit_app  # noqa: E402

RESULTS = REPO / "bench" / "results" / "app_load.md"
WORKSPACE = "data/fuxing.gpkg"
OK = ForwardMsg.FINISHED_SUCCESSFULLY
EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
ERROR_ALERT = 1  # streamlit.proto.Alert_pb2.Alert.ERROR


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (NaN when empty).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 95)
    (2.0, 4.0)
    >>> math.isnan(percentile([], 50))
    True
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@dataclass
class Client:
    """One WebSocket session: its run times and what went wrong."""

    k: int
    connect_s: float | None = None
    runs: list[float] = field(default_factory=list)
    messages: int = 0
    bytes: int = 0
    early_reruns: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return len(self.runs) == 2


@dataclass
class WsLoadResult:
    clients: list[Client]
    warmup: Client | None
    wall_s: float
    server_cpu_s: float
    load_before: float
    load_max: float
    load_after: float

    @property
    def finished(self) -> int:
        return sum(c.finished for c in self.clients)

    @property
    def errors(self) -> int:
        return sum(len(c.errors) for c in self.clients) + sum(
            not c.finished and not c.errors for c in self.clients
        )

    def times(self, run: int) -> list[float]:
        return sorted(c.runs[run] for c in self.clients if len(c.runs) > run)


def _proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its waited-for children, from ``/proc``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serve(workspace: str = WORKSPACE, log_path: Path | None = None) -> Iterator[tuple[int, int]]:
    """``streamlit run app.py`` on a free loopback port with ``workspace``; killed on exit.

    The server's output is copied to ``log_path`` (if given) once the server has stopped.
    """
    env = {k: v for k, v in os.environ.items() if k != "TENGLONG_MODE"}
    env["TENGLONG_WORKSPACE"] = workspace
    with tempfile.TemporaryFile() as log:
        try:
            with streamlit_app(env, log) as (url, proc):
                yield int(url.rsplit(":", 1)[1]), proc.pid
        finally:
            if log_path:
                log.seek(0)
                log_path.write_bytes(log.read())


def _rerun(page_script_hash: str) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = page_script_hash
    return msg.SerializeToString()


async def _one_run(ws: websockets.ClientConnection, c: Client, page_hash: str) -> str:
    """Send ``rerun_script``; read until ``script_finished``. Returns the page hash."""
    t0 = time.perf_counter()
    await ws.send(_rerun(page_hash))
    while True:
        raw = await ws.recv()
        c.messages += 1
        c.bytes += len(raw)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            page_hash = msg.new_session.page_script_hash or page_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            el = msg.delta.new_element
            if el.WhichOneof("type") == "exception":
                c.errors.append(f"exception {el.exception.type}: {el.exception.message[:200]}")
            elif el.WhichOneof("type") == "alert" and el.alert.format == ERROR_ALERT:
                c.errors.append(f"st.error: {el.alert.body[:200]}")
        elif kind == "script_finished":
            if msg.script_finished == EARLY:
                c.early_reruns += 1
                continue
            if msg.script_finished != OK:
                name = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                c.errors.append(f"script_finished {name}")
            c.runs.append(time.perf_counter() - t0)
            return page_hash


async def run_client(port: int, c: Client) -> Client:
    """Connect, then a first run and a rerun with the same client state."""
    uri = f"ws://127.0.0.1:{port}/_stcore/stream"
    t0 = time.perf_counter()
    try:
        async with connect(
            uri, subprotocols=["streamlit"], max_size=None, open_timeout=60, ping_interval=None
        ) as ws:
            c.connect_s = time.perf_counter() - t0
            page_hash = await _one_run(ws, c, "")
            await _one_run(ws, c, page_hash)
    except asyncio.CancelledError:
        c.errors.append(f"not finished: {len(c.runs)} of 2 runs at the deadline")
        raise
    except websockets.ConnectionClosed as exc:
        c.errors.append(f"disconnected: {exc}")
    except Exception as exc:  # every failure is a counted error
        c.errors.append(f"{type(exc).__name__}: {exc}")
    return c


async def _sample_load(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(os.getloadavg()[0])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def swarm(
    port: int, server_pid: int, *, sessions: int, max_seconds: float, warmup: bool
) -> WsLoadResult:
    first = None
    if warmup:
        first = await asyncio.wait_for(run_client(port, Client(-1)), max_seconds)
    clients = [Client(k) for k in range(sessions)]
    load_before = os.getloadavg()[0]
    samples: list[float] = [load_before]
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_load(samples, stop))
    cpu0 = _proc_cpu_s(server_pid)
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(run_client(port, c)) for c in clients]
    _, pending = await asyncio.wait(tasks, timeout=max_seconds)
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    wall = time.perf_counter() - t0
    cpu = _proc_cpu_s(server_pid) - cpu0
    stop.set()
    await sampler
    return WsLoadResult(clients, first, wall, cpu, load_before, max(samples), os.getloadavg()[0])


def run(
    sessions: int = 20,
    max_seconds: float = 120.0,
    warmup: bool = True,
    log_path: Path | None = None,
) -> WsLoadResult:
    """Start the server, run the swarm, kill the server."""
    with serve(log_path=log_path) as (port, pid):
        coro = swarm(port, pid, sessions=sessions, max_seconds=max_seconds, warmup=warmup)
        # a thread of its own: the caller may already run an event loop (pytest
        # with playwright's sync API), where asyncio.run() is refused
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, coro).result()


def _p50_p95_max(values: list[float]) -> str:
    top = max(values, default=math.nan)
    return f"{percentile(values, 50):.2f} | {percentile(values, 95):.2f} | {top:.2f}"


def table(r: WsLoadResult) -> str:
    head = (
        "| sessions | finished | errors | first run p50 s | p95 s | max s "
        "| rerun p50 s | p95 s | max s | all runs p50 s | p95 s | max s "
        "| wall s | server CPU s | load avg 1 min before / max / after |"
    )
    row = (
        f"| {len(r.clients)} | {r.finished} | {r.errors} "
        f"| {_p50_p95_max(r.times(0))} | {_p50_p95_max(r.times(1))} "
        f"| {_p50_p95_max(r.times(0) + r.times(1))} "
        f"| {r.wall_s:.1f} | {r.server_cpu_s:.1f} "
        f"| {r.load_before:.2f} / {r.load_max:.2f} / {r.load_after:.2f} |"
    )
    return "\n".join([head, "|" + "---|" * (head.count(" | ") + 1), row])


def problems(r: WsLoadResult) -> list[str]:
    out = []
    for c in [*([r.warmup] if r.warmup else []), *r.clients]:
        name = "warm-up session" if c.k < 0 else f"session {c.k}"
        out += [f"{name}: {e}" for e in c.errors]
    return out


def report(r: WsLoadResult, command: str) -> str:
    w = r.warmup
    alone = (
        f" Before the swarm one session alone: first run {w.runs[0]:.2f} s, "
        f"rerun {w.runs[1]:.2f} s."
        if w and w.finished
        else ""
    )
    msgs = sum(c.messages for c in r.clients)
    mib = sum(c.bytes for c in r.clients) / 2**20
    early = sum(c.early_reruns for c in r.clients)
    lines = [
        "## WebSocket sessions without a browser",
        "",
        f"{dt.date.today().isoformat()} · {platform.platform()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · Streamlit {_streamlit_version()}",
        "",
        f"`{command}`: {len(r.clients)} WebSocket clients started at the same moment "
        "(one Streamlit server on 127.0.0.1, `TENGLONG_WORKSPACE=data/fuxing.gpkg`), each its "
        "own session speaking the front end's protocol: `BackMsg.rerun_script` → time until "
        "`ForwardMsg.script_finished`, once for the first run and once for a rerun with the "
        f"same client state.{alone} No page is drawn, so the times are the server's: "
        f"script runs plus protobuf transfer ({msgs} messages, {mib:.1f} MiB in the swarm).",
        "",
        table(r),
        "",
        "*errors*: deltas with an exception or `st.error`, `script_finished` with a status "
        "other than `FINISHED_SUCCESSFULLY`, closed connections or other client exceptions, "
        f"runs not finished within the limit. Self-requested reruns seen: {early}. "
        "Percentiles are nearest-rank. *server CPU s*: user + system CPU seconds of the "
        "Streamlit process during the swarm.",
        "",
    ]
    probs = problems(r)
    if probs:
        lines += ["Problems:", "", *[f"- {p}" for p in probs], ""]
    return "\n".join(lines)


def _streamlit_version() -> str:
    import streamlit

    return streamlit.__version__


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("--no-warmup", action="store_true", help="no single session before the swarm")
    ap.add_argument("--server-log", type=Path, help="write the server's output to this file")
    ap.add_argument("--no-write", action="store_true", help=f"do not append to {RESULTS.name}")
    args = ap.parse_args()
    if not 1 <= args.sessions <= 200:
        ap.error("need 1 ≤ sessions ≤ 200")
    r = run(args.sessions, args.max_seconds, not args.no_warmup, args.server_log)
    command = "python bench/app_ws_load.py" + "".join(
        a
        for a in (
            f" --sessions {args.sessions}" if args.sessions != 20 else "",
            f" --max-seconds {args.max_seconds:g}" if args.max_seconds != 120 else "",
            " --no-warmup" if args.no_warmup else "",
        )
    )
    text = report(r, command)
    print(text)
    if not args.no_write:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
