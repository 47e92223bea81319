"""Starting a real ``streamlit run`` for browser tests and benches."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 90.0) -> None:
    """Wait until the server at ``url`` answers its health check (or fail with why)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout_s:.0f} s")


@contextlib.contextmanager
def streamlit_app(
    env: Mapping[str, str], log: IO[bytes], *, options: Sequence[str] = ()
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``streamlit run app.py`` on a free loopback port; yields ``(url, process)``.

    ``env`` is the server's whole environment, ``log`` takes its output and
    ``options`` are more ``streamlit run`` options. The process group is
    stopped on exit (SIGTERM, then SIGKILL after 15 s).
    """
    port = free_port()
    argv = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    argv += ["--server.headless", "true", "--server.address", "127.0.0.1"]
    argv += ["--browser.gatherUsageStats", "false", *options]
    proc = subprocess.Popen(
        argv, cwd=REPO, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
