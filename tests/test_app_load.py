"""A small run of ``bench/app_load.py``: concurrent browser sessions on the running app.

Six sessions open the Fuxing overview at the same moment and switch it to
English; none may see an error (page error, exception or ``st.error`` shown,
failed request, request leaving the machine) and every one must finish. The
times are printed, not asserted beyond a generous bound.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 6
MAX_SECONDS = 90.0  # generous: CI shares 2 cores between server and 6 pages


def bench_app_load() -> ModuleType:
    name = "tenglong_bench_app_load"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "app_load.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_concurrent_sessions_finish_without_errors():
    pytest.importorskip("playwright.async_api", reason="playwright is not installed")
    bench = bench_app_load()
    if bench._chromium_path() is None:
        missing = "chromium not found: run scripts/ensure-chromium.sh (make test does)"
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI installs it: a missing browser is a broken setup
        pytest.skip(missing)
    r = bench.run(SESSIONS, browsers=1, max_seconds=MAX_SECONDS, warmup=False)
    print(bench.table(r))
    assert bench.problems(r) == []
    assert r.errors == 0
    assert r.finished == SESSIONS
    assert max(r.times("first_s")) + max(r.times("rerun_s")) < MAX_SECONDS
