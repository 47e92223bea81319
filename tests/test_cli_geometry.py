"""``tenglong split``, ``merge``, ``reshape``, ``retire``, ``restore``, ``create`` and ``history``.

The tiny workspace (tests/pg_fixture.py): 100 m squares P1–P4, 200 m apart, in
EPSG:4547; the GeoPackage and the PostGIS backend.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import shapely
from factories import X0, Y0
from pyproj import Transformer
from typer.testing import CliRunner

from geo.cli import app
from geo.store import open_store

pytest_plugins = ("pg_fixture",)

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[1] / "data" / "fuxing.gpkg"


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _live(target: str) -> list[str]:
    with open_store(target, user="t", role="investment") as s:
        return sorted(s.load_workspace().parcels["parcel_id"].astype(str))


def _audit_rows(target: str) -> int:
    with open_store(target, user="t", role="investment") as s:
        return len(s.history())


def test_split_into_lots_saves_audits_and_shows_history(tiny_target):
    res = _run(
        "split", tiny_target, "P1", "--lots", "3", "--set", "2:land_use_planned=100102",
        "--user", "王工", "--note", "供地方案",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "P1-1" in res.output and "P1-3" in res.output and "5.0000" in res.output
    assert "retired" in res.output and "saved by 王工" in res.output
    assert _live(tiny_target) == ["P1-1", "P1-2", "P1-3", "P2", "P3", "P4"]
    with open_store(tiny_target, user="t") as s:
        assert s.parcel("P1-2").values["land_use_planned"] == "100102"
        assert s.parcel("P1-1").values["land_use_planned"] == "100101"
    res = _run("history", tiny_target, "P1-2")
    assert res.exit_code == 0, res.output
    assert "geometry versions" in res.output and "split from P1" in res.output
    # restore the parent: live again, its lots retired
    res = _run("restore", tiny_target, "P1", "--version", "1", "--user", "王工")
    assert res.exit_code == 0, res.output
    assert _live(tiny_target) == ["P1", "P2", "P3", "P4"]
    res = _run("history", tiny_target, "P1", "--format", "json")
    rows = json.loads(res.output)
    assert [r["after"] for r in rows if r["field"] == "geometry_edit"] == [
        "split into P1-1,P1-2,P1-3",
        "restore (retiring P1-1,P1-2,P1-3)",
    ]


def test_split_along_a_lonlat_line_and_in_the_gk_zone(tiny_target):
    to_deg = Transformer.from_crs(4547, 4490, always_xy=True)
    a = to_deg.transform(X0 + 30, Y0 - 20)
    b = to_deg.transform(X0 + 30, Y0 + 120)
    res = _run("split", tiny_target, "P1", "--line", f"LINESTRING ({a[0]} {a[1]}, {b[0]} {b[1]})")
    assert res.exit_code == 0, res.output
    assert "4.5000" in res.output and "10.5000" in res.output  # 30 m and 70 m of 100 m
    c, d = to_deg.transform(X0 + 60, Y0 - 20), to_deg.transform(X0 + 60, Y0 + 120)
    wgs84 = f"LINESTRING ({c[0]} {c[1]}, {d[0]} {d[1]})"  # WGS84 ≈ CGCS2000 at this scale
    res = _run("split", tiny_target, "P1-2", "--line", wgs84, "--crs", "EPSG:4326", "--dry-run")
    assert res.exit_code == 0, res.output
    assert "6.0000" in res.output and "P1-2-2" in res.output  # 30 m + 40 m of the 70 m lot
    gk = f"LINESTRING ({X0 + 200 - 1} {Y0 + 50}, {X0 + 301} {Y0 + 50})"
    res = _run("split", tiny_target, "P2", "--line", gk, "--crs", "EPSG:4547", "--dry-run")
    assert res.exit_code == 0, res.output
    assert "dry run" in res.output and "7.5000" in res.output
    assert "P2" in _live(tiny_target)


def test_problems_exit_1_and_write_nothing(tiny_target):
    n = _audit_rows(tiny_target)
    overlapping = shapely.to_wkt(shapely.box(X0, Y0, X0 + 250, Y0 + 100))
    res = _run("reshape", tiny_target, "P1", "--geometry", overlapping, "--crs", "EPSG:4547")
    assert res.exit_code == 1, res.output
    assert "overlap" in res.output and "P2" in res.output and "nothing was written" in res.output
    outside = shapely.to_wkt(shapely.box(X0 + 1900, Y0, X0 + 2100, Y0 + 100))
    res = _run("create", tiny_target, "N1", "--geometry", outside, "--crs", "EPSG:4547")
    assert res.exit_code == 1 and "outside_district" in res.output
    assert _audit_rows(tiny_target) == n


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["split", "{ws}", "P9", "--lots", "2"], "no parcel 'P9'"),
        (["split", "{ws}", "P1", "--areas-mu", "10,6"], "more than the parcel's"),
        (["split", "{ws}", "P1", "--line", "LINESTRING (0 0, 1 1)"], "does not touch the parcel"),
        (["split", "{ws}", "P1", "--line", "not wkt"], "neither a file nor WKT"),
        (["split", "{ws}", "P1"], "give --line WKT, or --lots"),
        (["merge", "{ws}", "P1", "P2"], "do(es) not touch"),
        (["reshape", "{ws}", "P1", "--geometry", "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"], "invalid"),
        (["restore", "{ws}", "P1", "--version", "7"], "not 7"),
        (["split", "{ws}", "P1", "--lots", "2", "--set", "3:name=x"], "N must be 1 … 2"),
        (["retire", "{ws}", "P1", "--set", "name=x"], "No such option"),
    ],
)
def test_bad_input_exits_2_with_the_reason(tiny_target, args, match):
    n = _audit_rows(tiny_target)
    res = _run(*[a.replace("{ws}", tiny_target) for a in args])
    assert res.exit_code == 2, res.output
    assert match in " ".join(res.output.split()), res.output
    assert _audit_rows(tiny_target) == n


def test_a_retired_parcel_is_refused(tiny_target):
    assert _run("retire", tiny_target, "P4").exit_code == 0
    res = _run("split", tiny_target, "P4", "--lots", "2")
    assert res.exit_code == 2 and "retired" in res.output
    assert _live(tiny_target) == ["P1", "P2", "P3"]


def test_merge_creates_and_records_the_sources(tiny_target):
    beside = shapely.to_wkt(shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 100))
    res = _run(
        "create", tiny_target, "N1", "--geometry", beside, "--crs", "EPSG:4547",
        "--set", "status=stored",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    res = _run("merge", tiny_target, "P1", "N1", "--new-id", "M1")
    assert res.exit_code == 0, res.output
    assert "30.0000" in res.output
    with open_store(tiny_target, user="t") as s:
        assert s.parcel("M1").values["parent_id"] == "P1,N1"


def test_a_demo_is_edited_in_its_working_copy(tmp_path, monkeypatch):
    if not DEMO.exists():
        pytest.skip("build the demos first: tenglong demo build --out data/")
    digest = hashlib.sha256(DEMO.read_bytes()).hexdigest()
    monkeypatch.chdir(tmp_path)
    res = _run("split", DEMO, "FX-0006", "--lots", "3")
    assert res.exit_code == 0, res.output
    copy = tmp_path / "fuxing-working-copy.gpkg"
    assert copy.exists() and "working copy" in res.output
    assert hashlib.sha256(DEMO.read_bytes()).hexdigest() == digest
    assert "FX-0006-1" in _live(str(copy)) and "FX-0006" not in _live(str(copy))
    # the next edit of the demo goes into the same copy
    res = _run("restore", DEMO, "FX-0006", "--version", "1")
    assert res.exit_code == 0, res.output
    assert "FX-0006" in _live(str(copy)) and "FX-0006-1" not in _live(str(copy))
