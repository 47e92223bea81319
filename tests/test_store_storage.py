"""A full disk and a read-only mount: clear messages, exit code 3, nothing lost.

Running as root ignores ``chmod``, so the disk is a real 2 MB tmpfs filled
with a filler file, and the read-only folder a real read-only bind mount
(``mount --bind`` + ``remount,bind,ro``). The command line runs as a
subprocess (``python -m geo.cli``), exactly as a user runs it; the app runs
through Streamlit's ``AppTest``. Every test checks that the workspace file is
byte-identical (sha256) and still opens — or, when the disk had just enough
room, that the edit is there entirely — and that no traceback is printed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.store import ALLOWED_TRANSITIONS, ReadOnlyError, StorageFullError, open_store
from geo.store.errors import mount_point
from geo.workspace import open_workspace

REPO = Path(__file__).resolve().parent.parent
FUXING = REPO / "data" / "fuxing.gpkg"
LONG_VALUE = "联系人" + "x" * 3000
"""A contact long enough that its edit needs new pages in the file."""


# ---------------------------------------------------------------------------
# Real mounts
# ---------------------------------------------------------------------------


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=60)


def _mount_or_skip(*args: str) -> None:
    res = _run("mount", *args)
    if res.returncode != 0:
        pytest.skip(
            f"`mount {' '.join(args)}` is not permitted here ({res.stderr.strip()}); "
            f"these tests need root with CAP_SYS_ADMIN"
        )


def _umount(path: Path) -> None:
    if _run("umount", str(path)).returncode != 0:
        _run("umount", "-l", str(path))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 2 MB tmpfs, unmounted after the test."""
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount_or_skip("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk))
    try:
        yield disk
    finally:
        _umount(disk)


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(writable source folder, its read-only bind mount), unmounted after the test."""
    src, dst = tmp_path / "src", tmp_path / "ro"
    src.mkdir()
    dst.mkdir()
    _mount_or_skip("--bind", str(src), str(dst))
    try:
        res = _run("mount", "-o", "remount,bind,ro", str(dst))
        if res.returncode != 0:
            pytest.skip(f"cannot remount a bind mount read-only here ({res.stderr.strip()})")
        yield src, dst
    finally:
        _umount(dst)


def _fill(disk: Path, *, leave_bytes: int) -> Path:
    """Fill ``disk`` with a filler file, leaving about ``leave_bytes`` free."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as f:
        try:
            f.write(b"\0" * max(0, free - leave_bytes))
            f.flush()
        except OSError:
            pass  # the disk is full: that is the point
    return filler


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``tenglong ARGS`` as a subprocess of this checkout."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "250", **env}
    full_env.pop("TENGLONG_MODE", None)
    return subprocess.run(
        [sys.executable, "-m", "geo.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=180,
        cwd=REPO,
    )


def _said(res: subprocess.CompletedProcess[str]) -> str:
    """stdout + stderr with rich's line wrapping undone."""
    return " ".join((res.stdout + res.stderr).split())


def _workspace(folder: Path, journal: str, name: str = "fuxing.gpkg") -> Path:
    """A copy of Fuxing in ``folder``: as built (rollback journal) or after an edit (WAL)."""
    ws = Path(shutil.copy(FUXING, folder / name))
    if journal == "wal":
        with open_store(ws, user="setup") as store:
            store.update_parcel("FX-0009", {"contact": "before the disk filled"})
    return ws


def _audit_rows(ws: Path) -> int:
    with open_store(ws, user="check", role="investment") as store:
        return len(store.history())


def _assert_intact(ws: Path, sha: str, audit_rows: int) -> None:
    assert _sha256(ws) == sha
    conn = sqlite3.connect(ws)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    with open_store(ws, user="check", role="investment") as store:
        assert store.parcel("FX-0001").values["contact"] != LONG_VALUE
        assert len(store.history()) == audit_rows
    assert len(open_workspace(ws, validate=False).parcels) == 1200


# ---------------------------------------------------------------------------
# A full disk
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize("leave_kib", [0, 16, 48, 512])
def test_set_field_and_set_status_on_a_full_disk_fail_cleanly_or_apply_entirely(
    small_disk, journal, leave_kib
):
    """A 2 MB tmpfs left with 0, 16, 48 or 512 KiB free; rollback-journal and WAL workspaces.

    Bad input tried: a 3 kB contact and a status change on a disk that has no
    room for the journal, the WAL log, its ``-shm`` index, or the new pages.
    """
    ws = _workspace(small_disk, journal)
    rows = _audit_rows(ws)
    with open_store(ws, user="check", role="investment") as store:
        status = store.parcel("FX-0002").values["status"]
    new_status = sorted(ALLOWED_TRANSITIONS[status])[0]
    filler = _fill(small_disk, leave_bytes=leave_kib * 1024)
    sha = _sha256(ws)
    mount = mount_point(small_disk)
    assert mount == small_disk

    edits = [
        ("set-field", str(ws), "FX-0001", "contact", LONG_VALUE, "--user", "王工"),
        ("set-status", str(ws), "FX-0002", new_status, "--user", "王工", "--note", "满盘"),
    ]
    refused = []
    for argv in edits:
        res = _cli(*argv)
        said = _said(res)
        assert "Traceback" not in res.stderr, res.stderr
        assert res.returncode in (0, 3), said
        if res.returncode == 3:
            assert "the disk is full" in said and f"{mount} has no space left" in said
            assert f"Free space on {mount}" in said and "nothing was saved" in said
            refused.append(argv)
    if leave_kib == 0:
        assert len(refused) == 2
    filler.unlink()  # free space, as the message says
    if len(refused) == 2:
        _assert_intact(ws, sha, rows)
    with open_store(ws, user="check", role="investment") as store:
        fx1, fx2 = store.parcel("FX-0001"), store.parcel("FX-0002")
        hist = store.history()
    # an edit that ran is there entirely: value, version and its audit rows
    ran = [a for a in edits if a not in refused]
    assert (fx1.values["contact"] == LONG_VALUE) == (edits[0] in ran)
    assert (fx2.values["status"] == new_status) == (edits[1] in ran)
    assert set(hist["who"]) - {"setup"} == ({"王工"} if ran else set())
    # and once there is space again, the refused edits go through
    for argv in refused:
        res = _cli(*argv)
        assert res.returncode == 0, _said(res)
    with open_store(ws, user="check", role="investment") as store:
        assert store.parcel("FX-0001").values["contact"] == LONG_VALUE
        assert store.parcel("FX-0002").values["status"] == new_status


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "gpkg"])
def test_export_to_a_full_disk_leaves_no_file_and_keeps_the_old_one(small_disk, tmp_path, fmt):
    """Exports (xlsx, csv, gpkg) into a full tmpfs: over an existing file and as a new file."""
    ws = Path(shutil.copy(FUXING, tmp_path / "fuxing.gpkg"))
    old = small_disk / f"old.{fmt}"
    old.write_bytes(b"the previous export")
    _fill(small_disk, leave_bytes=0)
    before = sorted(p.name for p in small_disk.iterdir())
    for out in (old, small_disk / f"new.{fmt}"):
        res = _cli("export", str(ws), "--out", str(out))
        said = _said(res)
        assert res.returncode == 3, said
        assert "Traceback" not in res.stderr and "Errno" not in said, said
        assert f"writing {out} failed because {small_disk} has no space left" in said
        assert f"Free space on {small_disk}" in said and "no file was written" in said
    assert old.read_bytes() == b"the previous export"
    assert sorted(p.name for p in small_disk.iterdir()) == before  # no .tmp, no new file


def test_in_process_api_raises_storage_full_error_and_rolls_back(small_disk):
    """The store API: ``StorageFullError`` (a ``StoreError``) with the mount; nothing written."""
    ws = _workspace(small_disk, "wal")
    rows = _audit_rows(ws)
    filler = _fill(small_disk, leave_bytes=0)
    sha = _sha256(ws)
    with (
        pytest.raises(StorageFullError, match="the disk is full") as info,
        open_store(ws, user="王工") as store,
    ):
        store.update_parcel("FX-0001", {"contact": LONG_VALUE})
    assert info.value.mount == small_disk
    filler.unlink()
    _assert_intact(ws, sha, rows)


# ---------------------------------------------------------------------------
# A read-only mount
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_workspace_on_a_read_only_mount_reads_and_refuses_edits(
    read_only_folder, tmp_path, journal
):
    """A read-only bind mount (root ignores chmod, not this); rollback-journal and WAL files.

    Bad input tried: set-field, set-status and an export into the read-only
    folder; reading (history, info, an export elsewhere, the store API) must work.
    """
    src, ro = read_only_folder
    _workspace(src, journal)
    ws = ro / "fuxing.gpkg"
    sha = _sha256(ws)
    rows = _audit_rows(ws)
    for argv in (
        ("set-field", str(ws), "FX-0001", "contact", LONG_VALUE),
        ("set-status", str(ws), "FX-0002", "supplied"),
    ):
        res = _cli(*argv)
        said = _said(res)
        assert res.returncode == 3, said
        assert "Traceback" not in res.stderr and "not a GeoPackage" not in said
        assert f"{ro} is mounted read-only" in said and "nothing was saved" in said
        assert "can still be opened and read" in said
        assert f"copy it to a writable folder (e.g. cp {ws} ~/fuxing.gpkg)" in said
    # reading works
    res = _cli("history", str(ws), "--format", "json")
    assert res.returncode == 0, _said(res)
    assert res.stdout.count('"who"') == rows
    res = _cli("info", str(ws))  # GDAL's "retrying with IMMUTABLE=YES" warning is not shown
    assert res.returncode == 0 and "Warning" not in res.stderr, _said(res)
    out = tmp_path / "sites.csv"
    res = _cli("export", str(ws), "--out", str(out))
    assert res.returncode == 0 and out.stat().st_size > 0, _said(res)
    res = _cli("export", str(ws), "--out", str(ro / "sites.csv"))
    said = _said(res)
    assert res.returncode == 3 and f"{ro} is mounted read-only" in said, said
    assert "Give --out in a writable folder" in said and "Traceback" not in res.stderr
    assert sorted(p.name for p in ro.iterdir()) == ["fuxing.gpkg"]
    # the store API: reads as a planner, refuses the edit before writing
    with open_store(ws, user="王工") as store:
        assert store.parcel("FX-0001").values["status"] == "to_release"
        with pytest.raises(ReadOnlyError, match="mounted read-only") as info:
            store.update_parcel("FX-0001", {"contact": "x"})
    assert info.value.mount == ro
    assert len(open_workspace(ws).parcels) == 1200  # GDAL reads it as immutable
    assert _sha256(ws) == sha


# ---------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------


def _save_in_app(monkeypatch, ws: Path, *, before_save=None):
    """Open the parcel card of FX-0001 as a planner, call ``before_save``, then save."""
    import datetime as dt

    from tests.test_app import run_page

    card = {"overview_selected": "FX-0001", "role": "planner"}
    at = run_page(monkeypatch, workspace=ws, lang="en", state=card)
    assert not at.exception, at.exception
    if before_save is not None:
        before_save()
    at.selectbox(key="edit_status").set_value("released")
    at.date_input(key="edit_on").set_value(dt.date(2024, 5, 1))
    return at.button(key="edit_save").click().run()


def test_app_shows_a_full_disk_as_an_error_and_writes_nothing(small_disk, monkeypatch):
    """The disk fills up while the app is open; then the planner saves a status change."""
    ws = _workspace(small_disk, "wal", "fx-survey.gpkg")  # not the demo's name
    rows = _audit_rows(ws)
    full: list[tuple[Path, str]] = []
    at = _save_in_app(
        monkeypatch,
        ws,
        before_save=lambda: full.append((_fill(small_disk, leave_bytes=0), _sha256(ws))),
    )
    ((filler, sha),) = full
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Not saved: the disk holding" in errors and "is full" in errors, errors
    assert "Free space on" in errors and "the workspace file is unchanged" in errors
    filler.unlink()
    assert _sha256(ws) == sha
    with open_store(ws, user="check", role="investment") as store:
        assert store.parcel("FX-0001").values["status"] == "to_release"
        assert len(store.history()) == rows


def test_app_shows_a_read_only_workspace_as_an_error_and_still_shows_it(
    read_only_folder, monkeypatch
):
    src, ro = read_only_folder
    _workspace(src, "wal", "fx-survey.gpkg")  # not the demo's name
    ws = ro / "fx-survey.gpkg"
    sha = _sha256(ws)
    at = _save_in_app(monkeypatch, ws)
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Not saved: the workspace" in errors and "in a read-only place" in errors, errors
    assert "Copy it to a writable folder and open the copy" in errors
    history = next(e for e in at.expander if e.label == "Change history")
    assert not history.error  # the audit log of a read-only workspace still reads
    assert _sha256(ws) == sha
