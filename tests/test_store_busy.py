"""Busy writers: edits of different parcels queue and succeed; only real conflicts are refused.

Every test runs the real command line (``python -m geo.cli``) as separate
processes on one real GeoPackage, as a bulk script would.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from geo.store import open_store

REPO = Path(__file__).resolve().parent.parent
FUXING = REPO / "data" / "fuxing.gpkg"
HOLD_S = 11.0
"""How long the lock stays held once every writer has the file open (is waiting for
it): longer than the former fixed 10 s limit."""


def _popen(*args: str, **env: str) -> subprocess.Popen[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "250", **env}
    full_env.pop("TENGLONG_MODE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "geo.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
        cwd=REPO,
    )


def _said(out: str, err: str) -> str:
    return " ".join((out + err).split())


@pytest.fixture
def fx(tmp_path: Path) -> Path:
    """A fresh copy of Fuxing (rollback journal, no audit table yet)."""
    return Path(shutil.copy(FUXING, tmp_path / "fuxing.gpkg"))


def _has_open(pid: int, path: Path) -> bool:
    """True when process ``pid`` has ``path`` open (Linux ``/proc``)."""
    try:
        return any(
            os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd")
        )
    except OSError:  # the process ended, or an fd closed while we looked
        return False


def _wait_until_all_open(procs: list[subprocess.Popen[str]], path: Path) -> None:
    deadline = time.monotonic() + 240
    waiting = list(procs)
    while waiting and time.monotonic() < deadline:
        waiting = [p for p in waiting if p.poll() is None and not _has_open(p.pid, path)]
        time.sleep(0.2)
    assert not waiting, f"{len(waiting)} writer(s) never opened {path}"


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_30_concurrent_cli_edits_of_different_parcels_all_succeed(fx):
    """30 ``set-field`` processes on 30 parcels; another editor holds the lock 11 s after all wait.

    Before the change, a writer gave up after a fixed 10 s ("being saved by
    another editor"); now they queue with backoff and all succeed.
    """
    with open_store(fx, user="setup") as store:  # WAL mode, as after any first edit
        store.update_parcel("FX-0100", {"contact": "setup"})
    parcels = [f"FX-{i:04d}" for i in range(1, 31)]
    lock = _hold_write_lock(fx)
    try:
        procs = [
            _popen("set-field", str(fx), pid, "contact", f"批量-{k}", "--user", f"script-{k}")
            for k, pid in enumerate(parcels)
        ]
        _wait_until_all_open(procs, fx.resolve())
        time.sleep(HOLD_S)  # every writer now waits longer than the former 10 s limit
        assert all(p.poll() is None for p in procs)  # none gave up
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    results = [(p, *p.communicate(timeout=300)) for p in procs]
    for proc, out, err in results:
        assert proc.returncode == 0, _said(out, err)
        assert "Traceback" not in err
    with open_store(fx, user="check", role="investment") as store:
        audit = store.history()
        audit = audit[audit["who"] != "setup"]
        assert len(audit) == 30
        assert sorted(audit["who"]) == sorted(f"script-{k}" for k in range(30))
        assert set(audit["row_id"]) == set(parcels)
        for k, pid in enumerate(parcels):
            rec = store.parcel(pid)
            assert rec.values["contact"] == f"批量-{k}" and rec.row_version == 1


def test_two_edits_of_the_same_parcel_with_the_same_version_one_conflicts(fx):
    """Two processes save FX-0001 with ``--expect-version 0``: exactly one is a conflict."""
    lock = _hold_write_lock(fx)  # both start waiting on the lock, then race for it
    try:
        procs = [
            _popen(
                "set-field",
                str(fx),
                "FX-0001",
                "contact",
                value,
                "--user",
                who,
                "--expect-version",
                "0",
            )
            for value, who in (("甲 1", "甲"), ("乙 2", "乙"))
        ]
        time.sleep(3)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    said = [_said(*p.communicate(timeout=300)) for p in procs]
    results = [(p.returncode, text) for p, text in zip(procs, said, strict=True)]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1], results
    refused = next(said for code, said in results if code == 1)
    assert "was changed by" in refused and "your change" in refused
    assert "was not saved" in refused and "being saved" not in refused
    with open_store(fx, user="check", role="investment") as store:
        audit = store.history("FX-0001")
        assert len(audit) == 1 and store.parcel("FX-0001").row_version == 1
        winner = audit["who"].iloc[0]
        assert winner in refused  # the refused editor is told who saved first


def test_busy_wait_is_bounded_by_tenglong_edit_wait_s(fx):
    """``TENGLONG_EDIT_WAIT_S=1`` against a lock held 20 s: refused (exit 1) within seconds.

    Bad input tried: ``TENGLONG_EDIT_WAIT_S=soon`` (not a number) exits 2 and says so.
    """
    with open_store(fx, user="setup") as store:  # WAL mode and the audit table
        store.update_parcel("FX-0009", {"contact": "setup"})
    lock = _hold_write_lock(fx)
    try:
        t0 = time.monotonic()
        proc = _popen("set-field", str(fx), "FX-0001", "contact", "x", TENGLONG_EDIT_WAIT_S="1")
        out, err = proc.communicate(timeout=120)
        waited = time.monotonic() - t0
        said = _said(out, err)
        assert proc.returncode == 1, said
        assert "stayed locked for 1 s" in said and "TENGLONG_EDIT_WAIT_S=120" in said
        assert "Traceback" not in err
        assert waited < 15  # 1 s of backoff plus the interpreter's start
        proc = _popen("set-field", str(fx), "FX-0001", "contact", "x", TENGLONG_EDIT_WAIT_S="soon")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2 and "TENGLONG_EDIT_WAIT_S='soon'" in _said(out, err)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    with open_store(fx, user="check", role="investment") as store:
        assert len(store.history()) == 1  # only the setup edit
