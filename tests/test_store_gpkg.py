"""The GeoPackage store: GDAL triggers, WAL readers, the write lock, and kill -9 safety."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pyogrio
import pytest
import shapely
from shapely import affinity

from geo.schema import STATUSES
from geo.store import EditConflict, StoreBusyError, StoreError, open_store
from geo.store.gpkg import GpkgStore, backup
from geo.store.model import encode_value, is_missing
from geo.workspace import open_workspace

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def fx(tmp_path: Path) -> Path:
    """A copy of the Fuxing demo workspace (never edit data/ itself)."""
    return Path(shutil.copy(DATA / "fuxing.gpkg", tmp_path / "fuxing.gpkg"))


def _sql(path: Path, query: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def test_geometry_edit_runs_gdal_rtree_triggers_in_the_transaction(fx):
    triggers = _sql(fx, "SELECT sql FROM sqlite_master WHERE type='trigger' AND tbl_name='parcels'")
    assert any("ST_MinX" in t[0] for t in triggers)  # GDAL's triggers are there
    with open_store(fx, user="王工") as s:
        p = s.parcel("FX-0001")
        moved = affinity.translate(p.geometry, xoff=0.05, yoff=-0.02)
        r = s.update_parcel("FX-0001", {"geometry": moved}, expected_version=p.row_version)
        assert {c.field for c in r.changes} == {"geometry", "area_mu"}
        area_mu = float(next(c.after for c in r.changes if c.field == "area_mu"))
        assert area_mu == pytest.approx(18.84, abs=0.05)  # translation keeps the area
    fid = _sql(fx, "SELECT fid FROM parcels WHERE parcel_id = 'FX-0001'")[0][0]
    ((minx, maxx, miny, maxy),) = _sql(
        fx, "SELECT minx, maxx, miny, maxy FROM rtree_parcels_geom WHERE id = ?", fid
    )
    xmin, ymin, xmax, ymax = moved.bounds
    assert minx <= xmin < minx + 3e-5 and maxx - 3e-5 < xmax <= maxx
    assert miny <= ymin < miny + 3e-5 and maxy - 3e-5 < ymax <= maxy
    # GDAL's spatial filter uses the R-tree: the parcel is found at its new place only
    hits = pyogrio.read_dataframe(fx, layer="parcels", bbox=moved.bounds, columns=["parcel_id"])
    assert "FX-0001" in set(hits["parcel_id"])
    old = pyogrio.read_dataframe(fx, layer="parcels", bbox=p.geometry.bounds, columns=["parcel_id"])
    assert "FX-0001" not in set(old["parcel_id"])
    assert _sql(fx, "PRAGMA integrity_check") == [("ok",)]
    ((last_change,),) = _sql(fx, "SELECT last_change FROM gpkg_contents WHERE table_name='parcels'")
    assert last_change.startswith(str(dt.datetime.now(dt.UTC).year))


def test_audit_table_is_a_registered_gpkg_layer(fx):
    with open_store(fx, user="王工") as s:
        s.set_status("FX-0001", "released", on="2024-05-01", note="批复")
    assert "audit" in dict(pyogrio.list_layers(fx))
    audit = pyogrio.read_dataframe(fx, layer="audit", read_geometry=False)
    assert list(audit["field"]) == ["status", "status_since", "released_on"]
    assert _sql(fx, "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name='audit'") == [
        (3,)
    ]
    ws = open_workspace(fx)  # the audit table validates as the schema's AUDIT table
    assert ws.is_valid and len(ws["audit"]) == 3
    assert int(ws.parcels.set_index("parcel_id").loc["FX-0001", "row_version"]) == 1


def test_wal_readers_see_the_last_commit_while_a_writer_holds_the_lock(fx):
    entered, release = threading.Event(), threading.Event()
    writer = GpkgStore(fx, user="writer")
    writer._after_write_hook = lambda: (entered.set(), release.wait(20))
    t = threading.Thread(target=writer.update_parcel, args=("FX-0002", {"owner": "新权利人"}))
    t.start()
    try:
        assert entered.wait(20)
        assert _sql(fx, "PRAGMA journal_mode") == [("wal",)]
        t0 = time.monotonic()
        df = pyogrio.read_dataframe(fx, layer="parcels", where="parcel_id = 'FX-0002'")
        ws = open_workspace(fx, validate=False)
        with open_store(fx, user="reader", role="investment") as r:
            rec = r.parcel("FX-0002")
        assert time.monotonic() - t0 < 5  # readers did not wait for the writer
        assert df["owner"].iloc[0] == "复兴区土地储备中心" == rec.values["owner"]
        assert ws.parcels.set_index("parcel_id").loc["FX-0002", "owner"] == "复兴区土地储备中心"
        # a second writer waits for the lock, then gives up with advice; writes nothing
        with (
            GpkgStore(fx, user="second", busy_timeout_s=0.3) as other,
            pytest.raises(StoreBusyError, match="try again"),
        ):
            other.update_parcel("FX-0003", {"owner": "x"})
    finally:
        release.set()
        t.join(20)
        writer.close()
    df = pyogrio.read_dataframe(fx, layer="parcels", where="parcel_id = 'FX-0002'")
    assert df["owner"].iloc[0] == "新权利人"
    assert _sql(fx, "SELECT who FROM audit") == [("writer",)]
    assert not Path(f"{fx}-wal").exists()  # removed when the last connection closed


def test_backup_is_a_single_consistent_file(fx, tmp_path):
    with open_store(fx, user="王工") as s:
        s.update_parcel("FX-0005", {"owner": "甲"})
        copy = backup(fx, tmp_path / "copy.gpkg")
    assert _sql(copy, "PRAGMA journal_mode") == [("delete",)]
    df = pyogrio.read_dataframe(copy, layer="parcels", where="parcel_id = 'FX-0005'")
    assert df["owner"].iloc[0] == "甲"


def test_unknown_trigger_function_is_reported_with_advice(fx):
    conn = sqlite3.connect(fx)
    conn.execute(
        "CREATE TRIGGER t_custom AFTER UPDATE ON parcels BEGIN SELECT SpatialiteOnly(NEW.geom); END"
    )
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"SpatialiteOnly.*ogr2ogr"):
        open_store(fx, user="王工")


def test_not_a_workspace(tmp_path):
    bad = tmp_path / "x.gpkg"
    bad.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a GeoPackage"):
        open_store(bad, user="王工")
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "missing.gpkg", user="王工")


def test_stale_reader_after_another_process_adds_row_version(fx):
    """A store opened before row_version existed still checks versions correctly."""
    early = GpkgStore(fx, user="early")
    try:
        assert early.parcel("FX-0001").row_version == 0
        with open_store(fx, user="other") as other:
            other.update_parcel("FX-0001", {"owner": "乙"})  # adds row_version
        assert early.parcel("FX-0001").row_version == 1
        with pytest.raises(EditConflict, match="other"):
            early.update_parcel("FX-0001", {"owner": "丙"}, expected_version=0)
    finally:
        early.close()


# ---------------------------------------------------------------------------
# kill -9 in the middle of saves
# ---------------------------------------------------------------------------

KILL_PARCELS = ("FX-0001", "FX-0002", "FX-0003", "FX-0004", "FX-0005", "FX-0006")


def _writer(path: Path, seed: int, log: Path) -> None:  # pragma: no cover - runs in a child
    """Edit forever (attributes, geometry, status), logging each committed edit."""
    rng = random.Random(seed)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    store = GpkgStore(path, user=f"w{seed}", busy_timeout_s=30)

    def inside_transaction() -> None:
        # mark "row written, audit not yet, not committed"; sometimes linger here,
        # where a kill hurts most
        os.write(fd, b"H\n")
        if rng.random() < 0.5:
            time.sleep(rng.random() * 0.004)

    store._after_write_hook = inside_transaction
    i = 0
    while True:
        i += 1
        pid = rng.choice(KILL_PARCELS)
        rec = store.parcel(pid)
        what = rng.random()
        try:
            if what < 0.5:
                res = store.update_parcel(
                    pid,
                    {"contact": f"w{seed}-{i}", "compensation_wan_yuan": rng.random() * 1e3},
                    expected_version=rec.row_version,
                )
            elif what < 0.8:
                moved = affinity.translate(rec.geometry, xoff=rng.uniform(-1e-5, 1e-5))
                res = store.update_parcel(
                    pid, {"geometry": moved}, expected_version=rec.row_version
                )
            else:
                new = rng.choice([s for s in STATUSES if s != rec.values["status"]])
                res = store.set_status(pid, new, force=True, expected_version=rec.row_version)
        except (EditConflict, StoreBusyError):
            continue
        os.write(fd, f"C {res.edit_id} {pid} {res.row_version}\n".encode())


def _text(value: object) -> str | None:
    return None if is_missing(value) else str(value)


def _spawn(path: Path, seed: int, log: Path) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            _writer(path, seed, log)
        finally:
            os._exit(0)
    return pid


def test_kill_9_during_saves_leaves_the_last_committed_state(fx, tmp_path):
    """50 writer processes killed at random moments, 4 at a time; then check everything."""
    pristine = Path(shutil.copy(fx, tmp_path / "pristine.gpkg"))
    logs = tmp_path / "logs"
    logs.mkdir()
    rng = random.Random(20240501)
    kills, seed = 0, 0
    running: dict[int, float] = {}
    deadline = time.monotonic() + 60
    while kills < 50 and time.monotonic() < deadline:
        while len(running) < 4:
            seed += 1
            # the first writer dies early: inside the schema upgrade (row_version, audit)
            life = 0.02 if seed == 1 else rng.uniform(0.03, 0.4)
            running[_spawn(fx, seed, logs / f"{seed}.log")] = time.monotonic() + life
        pid = min(running, key=running.get)
        time.sleep(max(0.0, running.pop(pid) - time.monotonic()))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        kills += 1
    for pid in running:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert kills == 50

    # the file is sound, and GDAL reads it
    assert _sql(fx, "PRAGMA integrity_check") == [("ok",)]
    assert len(pyogrio.read_dataframe(fx, layer="parcels")) == 1200
    audit = pyogrio.read_dataframe(fx, layer="audit", read_geometry=False)
    assert _sql(fx, "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name='audit'") == [
        (len(audit),)
    ]
    lines = [p.read_text().splitlines() for p in logs.glob("*.log")]
    committed = [line.split()[1:] for ls in lines for line in ls if line.startswith("C ")]
    assert len(committed) > 50, "the writers hardly saved anything"
    # some kills landed inside a write transaction (row written, not committed)
    killed_inside = sum(1 for ls in lines if ls and ls[-1] == "H")
    assert killed_inside >= 1
    # every edit a writer saw committed is there (durable), with its version
    got = {
        (e, p, int(v))
        for e, p, v in zip(audit["edit_id"], audit["row_id"], audit["row_version"], strict=True)
    }
    assert {(e, p, int(v)) for e, p, v in committed} <= got

    with (
        GpkgStore(pristine, user="check", role="investment") as before,
        GpkgStore(fx, user="check", role="investment") as after,
    ):
        kinds = after._parcel_kinds()
        for pid in KILL_PARCELS:
            old, new = before.parcel(pid), after.parcel(pid)
            rows = audit[audit["row_id"] == pid].sort_values(["row_version"], kind="stable")
            edits = rows.groupby("edit_id")["row_version"].agg(["min", "max", "count"])
            assert (edits["min"] == edits["max"]).all()  # one version per edit
            # versions 1..n, one edit each: no lost, duplicated or partial edit
            assert sorted(edits["min"]) == list(range(1, new.row_version + 1))
            for field, kind in kinds.items():
                if field == "row_version":
                    continue
                chain = rows[rows["field"] == field]
                start = encode_value(old.get(field), kind)
                end = encode_value(new.get(field), kind)
                values = [start, *map(_text, chain["after"])]
                befores = list(map(_text, chain["before"]))
                assert befores == values[:-1], f"{pid}.{field}: broken chain"
                assert values[-1] == end, f"{pid}.{field}: current value is not the last after"
            # the R-tree follows the geometry
            fid = _sql(fx, "SELECT fid FROM parcels WHERE parcel_id = ?", pid)[0][0]
            ((minx, _, _, _),) = _sql(
                fx, "SELECT minx, maxx, miny, maxy FROM rtree_parcels_geom WHERE id = ?", fid
            )
            assert minx <= new.geometry.bounds[0] < minx + 3e-5  # float32, rounded outward
            assert shapely.is_valid(new.geometry)
