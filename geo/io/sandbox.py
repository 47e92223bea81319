"""Run the parser (:mod:`geo.io._worker`) in a subprocess with memory and time limits.

The parent never parses an untrusted file with GDAL itself. It starts
``python -I -B geo/io/_worker.py`` (isolated mode: no user site, no
``PYTHON*`` variables, no current directory on the path) with a clean
environment in which ``GDAL_SKIP`` removes every GDAL driver but the
whitelist, checks the ``ready`` message lists no other driver, sends the file
bytes through a pipe and waits at most ``timeout_s`` for the answer. A parser
that runs over time is killed (by its pid); one that dies (memory limit,
crash) is reported as a :class:`~geo.io.errors.DataImportError`.

Answers are Arrow IPC streams, never pickles, so a compromised parser cannot
run code in the parent.

:class:`ParserSession` keeps one parser alive across many files (batch
imports, fuzzing); :func:`parse_request` starts one per call.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from geo.io import _worker
from geo.io.errors import (
    CorruptSourceError,
    DataImportError,
    ResourceLimitError,
    UnsafeSourceError,
)
from geo.io.safety import ALLOWED_GDAL_DRIVERS, DEFAULT_LIMITS, ImportLimits, gdal_skip_list

logger = logging.getLogger(__name__)

WORKER_PATH = Path(_worker.__file__)
STARTUP_TIMEOUT_S = 60.0
"""Seconds the parser may take to import its libraries and report ready."""
_ENV_PASSED = (
    "PATH",
    "LD_LIBRARY_PATH",
    "TMPDIR",
    "LANG",
    "LC_ALL",
    "SYSTEMROOT",
    "GDAL_DATA",
    "PROJ_DATA",
    "PROJ_LIB",
)
"""Environment variables the parser inherits; every other one (GDAL/CPL options included)
is dropped."""


def _skip_list() -> str:
    import pyogrio

    return gdal_skip_list(sorted(pyogrio.list_drivers()))


def _child_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in _ENV_PASSED if k in os.environ}
    env.update(
        GDAL_SKIP=_skip_list(),
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        ARROW_DEFAULT_MEMORY_POOL="system",
        GDAL_HTTP_TIMEOUT="1",
        GDAL_HTTP_MAX_RETRY="0",
        CPL_VSIL_CURL_ALLOWED_EXTENSIONS=".none",
        GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR",
        PYTHONUNBUFFERED="1",
    )
    return env


def _signal_name(returncode: int | None) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


class ParserSession:
    """A parser subprocess reused for several parses.

    Use as a context manager; the process is started on first use and
    restarted after a kill, a crash or a memory error.

    Parameters
    ----------
    limits
        Memory and time limits (other caps are applied before parsing).

    Examples
    --------
    >>> with ParserSession() as session:  # doctest: +SKIP
    ...     data = read_source("地块.zip", session=session)
    """

    def __init__(self, *, limits: ImportLimits = DEFAULT_LIMITS):
        self.limits = limits
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.started = 0
        """How many parser processes this session has started."""

    def __enter__(self) -> ParserSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- process management ------------------------------------------------

    def _start(self) -> subprocess.Popen[bytes]:
        cmd = [
            sys.executable,
            "-I",
            "-B",
            str(WORKER_PATH),
            "--memory-bytes",
            str(int(self.limits.max_memory_bytes)),
        ]
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_child_env(),
            close_fds=True,
            cwd="/",
        )
        self._proc = proc
        self.started += 1
        try:
            header, _ = self._receive(proc, time.monotonic() + STARTUP_TIMEOUT_S, startup=True)
        except DataImportError:
            self._kill()
            raise
        extra = sorted(set(header.get("drivers", [])) - ALLOWED_GDAL_DRIVERS - {"MEM"})
        if extra:
            self._kill()
            raise UnsafeSourceError(
                f"the parser could not restrict GDAL to the whitelisted drivers (still has "
                f"{', '.join(extra[:8])}); nothing was parsed. Check the GDAL installation."
            )
        logger.debug("parser process %d ready", proc.pid)
        return proc

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process that ignores SIGKILL
            logger.warning("parser process %d did not exit after SIGKILL", proc.pid)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Stop the parser process (stdin closed, then killed if it lingers)."""
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self._kill()

    @property
    def pid(self) -> int | None:
        """The parser's process id, when one is running."""
        return self._proc.pid if self._proc is not None else None

    # -- protocol ------------------------------------------------------------

    def _receive(
        self, proc: subprocess.Popen[bytes], deadline: float, *, startup: bool = False
    ) -> tuple[dict[str, Any], bytes]:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        buf = bytearray()
        need = _worker._HEAD.size
        header: dict[str, Any] | None = None
        max_payload = 2 * self.limits.max_uncompressed_bytes + (64 << 20)
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while True:
                if header is None and len(buf) >= _worker._HEAD.size:
                    magic, hlen, plen = _worker._HEAD.unpack(bytes(buf[: _worker._HEAD.size]))
                    if magic != _worker.MAGIC or hlen > _worker.MAX_HEADER_BYTES:
                        self._kill()
                        raise CorruptSourceError(
                            "the parser answered garbage; the file may be damaged: export it again"
                        )
                    if plen > max_payload:
                        self._kill()
                        raise ResourceLimitError(
                            f"the parsed data is larger than {max_payload >> 20} MiB; import a "
                            f"smaller extract"
                        )
                    need = _worker._HEAD.size + hlen + plen
                    header = {"hlen": hlen}
                if header is not None and len(buf) >= need:
                    hlen = header["hlen"]
                    start = _worker._HEAD.size
                    try:
                        parsed = json.loads(bytes(buf[start : start + hlen]).decode("utf-8"))
                    except ValueError:
                        parsed = None
                    if not isinstance(parsed, dict):
                        self._kill()
                        raise CorruptSourceError(
                            "the parser answered garbage; the file may be damaged: export it again"
                        )
                    return parsed, bytes(buf[start + hlen : need])
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._kill()
                    if startup:
                        raise ResourceLimitError(
                            f"the parser did not start within {STARTUP_TIMEOUT_S:.0f} s; the "
                            f"server is overloaded: try again later"
                        )
                    raise ResourceLimitError(
                        f"reading the file took longer than {self.limits.timeout_s:g} s and was "
                        f"stopped; import a smaller extract or split the file"
                    )
                if not sel.select(timeout=min(remaining, 1.0)):
                    continue
                chunk = os.read(fd, max(need - len(buf), 1 << 16))
                if not chunk:
                    with suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=10)
                    code = proc.returncode
                    self._kill()
                    what = _signal_name(code)
                    if startup:
                        raise CorruptSourceError(
                            f"the parser failed to start ({what}); check the installation "
                            f"(pyogrio, pyarrow, openpyxl)"
                        )
                    raise ResourceLimitError(
                        f"the parser stopped on this file ({what}): it needs more than the memory "
                        f"limit ({self.limits.max_memory_bytes >> 20} MiB) or crashed on damaged "
                        f"data; export the file again or import a smaller extract"
                    )
                buf += chunk

    def request(
        self, header: dict[str, Any], members: list[tuple[str, bytes]]
    ) -> tuple[dict[str, Any], bytes]:
        """Send one parse request; return the answer header and Arrow IPC payload.

        Raises
        ------
        ResourceLimitError
            Over time (the parser is killed), out of memory or crashed.
        """
        with self._lock:
            return self._request(header, members)

    def _request(
        self, header: dict[str, Any], members: list[tuple[str, bytes]]
    ) -> tuple[dict[str, Any], bytes]:
        proc = self._proc if self._proc is not None and self._proc.poll() is None else None
        if proc is None:
            self._kill()
            proc = self._start()
        head = {
            **header,
            "timeout_s": self.limits.timeout_s,
            "members": [[name, len(data)] for name, data in members],
        }
        raw = json.dumps(head, ensure_ascii=True).encode("utf-8")
        total = sum(len(d) for _, d in members)
        assert proc.stdin is not None
        try:
            proc.stdin.write(_worker._HEAD.pack(_worker.MAGIC, len(raw), total))
            proc.stdin.write(raw)
            for _, data in members:
                proc.stdin.write(data)
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            code = proc.poll()
            self._kill()
            raise ResourceLimitError(
                f"the parser stopped while receiving the file ({_signal_name(code)}); "
                f"try again, or import a smaller file"
            ) from None
        answer, payload = self._receive(proc, time.monotonic() + self.limits.timeout_s)
        if not answer.get("ok") and answer.get("kind") == "memory":
            self._kill()
        return answer, payload


_CURRENT: ContextVar[ParserSession | None] = ContextVar("geo_io_parser_session", default=None)


@contextmanager
def use_session(session: ParserSession) -> Iterator[ParserSession]:
    """Make ``session`` the parser of every import in this context (CLI included).

    Examples
    --------
    >>> with ParserSession() as s, use_session(s):  # doctest: +SKIP
    ...     preview_import("地块.zip", workspace="data/fuxing.gpkg")
    """
    token = _CURRENT.set(session)
    try:
        yield session
    finally:
        _CURRENT.reset(token)


def parse_request(
    header: dict[str, Any],
    members: list[tuple[str, bytes]],
    *,
    limits: ImportLimits = DEFAULT_LIMITS,
    session: ParserSession | None = None,
) -> tuple[dict[str, Any], bytes]:
    """One parse in ``session`` (or the one set by :func:`use_session`), else in a
    parser process started for this call only."""
    session = session if session is not None else _CURRENT.get()
    if session is not None:
        return session.request(header, members)
    with ParserSession(limits=limits) as one_shot:
        return one_shot.request(header, members)
