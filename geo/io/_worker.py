"""The parser process: reads untrusted files under resource limits.

Started by :mod:`geo.io.sandbox` as ``python -I -B _worker.py`` with an
environment whose ``GDAL_SKIP`` leaves only the whitelisted GDAL drivers. It
imports nothing from Tenglong (only the standard library, pyogrio, pyarrow,
pandas, shapely, geopandas and openpyxl), then:

1. applies its limits: address space (``RLIMIT_AS`` = size after imports +
   the budget), no file writes (``RLIMIT_FSIZE`` 0), no core dumps, and a CPU
   limit per request;
2. reports ``ready`` with the GDAL drivers still registered;
3. answers requests until stdin closes. A request is a JSON header (format,
   options, member names and sizes) followed by the member bytes; the answer is
   a JSON header followed by an Arrow IPC stream of the attributes with the
   geometry as WKB (column ``__wkb__``).

The formats (a request's bytes → attributes and WKB, :func:`handle`) are
``geo/io/_worker_formats.py``, loaded by its path like ``geo/io/baopan.py``;
this module frames the protocol, applies the limits and serves.

Nothing here touches the file system: files arrive as bytes and GDAL reads
them from ``/vsimem/``. Errors are answered, never raised; a crash or a kill
is detected by the parent.
"""

from __future__ import annotations

import json
import math
import os
import struct
import sys
from typing import Any

MAGIC = b"TLW1"
_HEAD = struct.Struct(">4sIQ")
MAX_HEADER_BYTES = 1 << 20


def _load_formats() -> Any:
    """geo/io/_worker_formats.py, loaded by path (this process imports no Tenglong package)."""
    import importlib.util

    name = "tenglong_worker_formats"
    if name in sys.modules:
        return sys.modules[name]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_worker_formats.py")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with us
        raise ImportError(f"the parser's formats are missing from the installation: {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


_formats = _load_formats()
handle = _formats.handle
FORMAT_DRIVERS: dict[str, set[str]] = _formats.FORMAT_DRIVERS
GEOMETRY_COLUMN: str = _formats.GEOMETRY_COLUMN
GEOMETRY_ERROR_COLUMN: str = _formats.GEOMETRY_ERROR_COLUMN
_RefusedError: type[Exception] = _formats.RefusedError
_BadInputError: type[Exception] = _formats.BadInputError


# ---------------------------------------------------------------------------
# Framing
# ---------------------------------------------------------------------------


def _read_exact(stream: Any, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def read_frame(stream: Any) -> tuple[dict[str, Any], bytes] | None:
    """One framed message from ``stream``, or None at end of input."""
    head = _read_exact(stream, _HEAD.size)
    if head is None:
        return None
    magic, hlen, plen = _HEAD.unpack(head)
    if magic != MAGIC or hlen > MAX_HEADER_BYTES:
        raise ValueError("bad frame")
    header = _read_exact(stream, hlen)
    payload = _read_exact(stream, plen) if plen else b""
    if header is None or payload is None:
        return None
    return json.loads(header.decode("utf-8")), payload


def write_frame(stream: Any, header: dict[str, Any], payload: bytes = b"") -> None:
    """Write one framed message and flush."""
    raw = json.dumps(header, ensure_ascii=True).encode("utf-8")
    stream.write(_HEAD.pack(MAGIC, len(raw), len(payload)))
    stream.write(raw)
    if payload:
        stream.write(payload)
    stream.flush()


# ---------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _apply_limits(memory_bytes: int) -> None:
    import resource
    import signal

    if memory_bytes > 0:
        limit = _vm_size_bytes() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def _restrict_drivers() -> None:
    """Deregister every GDAL driver outside the whitelist (``GDAL_SKIP`` cannot name
    drivers with a space in their name, such as ``MapInfo File``)."""
    import ctypes

    allowed = set().union(*FORMAT_DRIVERS.values())
    lib = _formats.libgdal()
    if lib is None:
        return
    lib.GDALGetDriverCount.restype = ctypes.c_int
    lib.GDALGetDriver.restype = ctypes.c_void_p
    lib.GDALGetDriver.argtypes = [ctypes.c_int]
    lib.GDALGetDriverShortName.restype = ctypes.c_char_p
    lib.GDALGetDriverShortName.argtypes = [ctypes.c_void_p]
    lib.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
    handles = [lib.GDALGetDriver(i) for i in range(lib.GDALGetDriverCount())]
    for handle in handles:
        short = lib.GDALGetDriverShortName(handle)
        if short is not None and short.decode("utf-8", "replace") not in allowed:
            lib.GDALDeregisterDriver(handle)


def _limit_cpu(timeout_s: float) -> None:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(used + timeout_s + 2)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _error_kind(err: BaseException) -> str:
    if isinstance(err, MemoryError):
        return "memory"
    if isinstance(err, UnicodeError):
        return "encoding"
    if isinstance(err, _RefusedError):
        return "unsafe"
    if isinstance(err, _BadInputError):
        return "input"
    text = str(err).lower()
    if "memory" in text or "alloc" in text:
        return "memory"
    return "corrupt"


def main(argv: list[str]) -> int:
    """Serve parse requests on stdin/stdout until stdin closes."""
    memory_bytes = int(argv[argv.index("--memory-bytes") + 1]) if "--memory-bytes" in argv else 0
    stdin = sys.stdin.buffer
    # The protocol gets its own descriptor; fd 1 then points at stderr, so that
    # stray prints and C-library chatter can never corrupt an answer.
    stdout = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Imported before the memory limit is measured; openpyxl and pyarrow.parquet
    # load on first use.
    import geopandas  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow
    import pyarrow.ipc  # noqa: F401
    import pyogrio
    import shapely  # noqa: F401

    pyogrio.set_gdal_config_options({"GDAL_NUM_THREADS": "1", "CPL_DEBUG": "OFF"})
    _restrict_drivers()
    _apply_limits(memory_bytes)
    write_frame(stdout, {"ok": True, "ready": True, "drivers": sorted(pyogrio.list_drivers())})
    while True:
        frame = read_frame(stdin)
        if frame is None:
            return 0
        header, payload = frame
        try:
            _limit_cpu(float(header.get("timeout_s", 60)))
            answer, out = handle(header, payload)
        except BaseException as err:  # answered, never raised: the parent decides
            if isinstance(err, KeyboardInterrupt | SystemExit):
                raise
            kind = _error_kind(err)
            msg = (
                f"{type(err).__name__}: {err}"
                if not isinstance(err, _RefusedError | _BadInputError)
                else str(err)
            )
            del payload
            write_frame(stdout, {"ok": False, "kind": kind, "message": msg[:2000]})
            if kind == "memory":
                return 3  # the heap may be in a bad state: start afresh
            continue
        write_frame(stdout, answer, out)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main(sys.argv[1:]))
