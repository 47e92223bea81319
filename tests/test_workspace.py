"""Opening and saving workspaces; the `tenglong info` command."""

from __future__ import annotations

import pandas as pd
import pyogrio
import pytest
from factories import tiny_tables
from typer.testing import CliRunner

from geo.cli import app
from geo.crs import MissingCRSError
from geo.workspace import WorkspaceError, list_layers, open_workspace, save_workspace

runner = CliRunner()


@pytest.fixture
def tiny_gpkg(tmp_path):
    return save_workspace(
        tiny_tables(), tmp_path / "tiny.gpkg", meta={"name": "测试", "schematic": "1"}
    )


def test_round_trip_keeps_rows_areas_and_dates(tiny_gpkg):
    src = tiny_tables()
    ws = open_workspace(tiny_gpkg)
    assert ws.is_valid and ws.problems == []
    assert ws.crs.to_epsg() == 4547
    assert ws.name == "测试" and ws.schematic
    assert set(list_layers(tiny_gpkg)) >= {"parcels", "areas", "roads", "boundaries", "meta"}
    p = ws.parcels.set_index("parcel_id")
    assert p.loc["P1", "area_m2"] == pytest.approx(10_000.0, rel=1e-9)
    assert p.loc["P1", "area_mu"] == pytest.approx(15.0, rel=1e-9)
    assert p["released_on"].dtype.kind == "M"
    assert p.loc["P2", "released_on"] == pd.Timestamp("2019-01-01")
    assert pd.isna(p.loc["P3", "released_on"])
    assert bool(p.loc["P1", "polluting_history"]) is True
    assert len(ws["enterprises"]) == len(src["enterprises"])
    assert ws["milestones"]["due"].iloc[0] == pd.Timestamp("2018-12-31")


def test_stored_in_cgcs2000_geographic(tiny_gpkg):
    info = pyogrio.read_info(tiny_gpkg, layer="parcels")
    assert info["crs"] == "EPSG:4490"


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "ws.gpkg"
    save_workspace(tiny_tables(), target)
    before = target.read_bytes()
    bad = tiny_tables()
    bad["nonsense"] = pd.DataFrame({"a": [1]})
    with pytest.raises(WorkspaceError, match="unknown table"):
        save_workspace(bad, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws.gpkg"]


def test_missing_file(tmp_path):
    with pytest.raises(WorkspaceError, match=r"does not exist.*tenglong demo build"):
        open_workspace(tmp_path / "nope.gpkg")


def test_not_a_geopackage(tmp_path):
    f = tmp_path / "junk.gpkg"
    f.write_bytes(b"this is not sqlite at all")
    with pytest.raises(WorkspaceError, match="cannot be read as a GeoPackage"):
        open_workspace(f)


def test_truncated_geopackage(tmp_path, tiny_gpkg):
    f = tmp_path / "cut.gpkg"
    f.write_bytes(tiny_gpkg.read_bytes()[:2048])
    with pytest.raises(WorkspaceError):
        open_workspace(f)


def test_missing_required_table(tmp_path):
    t = tiny_tables()
    del t["areas"]
    path = save_workspace(t, tmp_path / "noareas.gpkg")
    with pytest.raises(WorkspaceError, match=r"lacks the table.*areas"):
        open_workspace(path)


def test_missing_crs_is_refused(tmp_path):
    t = tiny_tables()
    path = tmp_path / "nocrs.gpkg"
    save_workspace(t, path)
    parcels = pyogrio.read_dataframe(path, layer="parcels").to_crs(4526)
    parcels = parcels.set_crs(None, allow_override=True)
    pyogrio.write_dataframe(parcels, path, layer="parcels", driver="GPKG")
    with pytest.raises(MissingCRSError, match="EPSG:4526"):
        open_workspace(path)


def test_invalid_data_reported_not_fixed(tmp_path):
    t = tiny_tables()
    t["parcels"].loc[0, "status"] = "demolished"
    path = save_workspace(t, tmp_path / "bad.gpkg")
    ws = open_workspace(path)
    assert not ws.is_valid
    assert ws.parcels.loc[0, "status"] == "demolished"


def test_info_valid_workspace_exits_0(tiny_gpkg):
    result = runner.invoke(app, ["info", str(tiny_gpkg)])
    assert result.exit_code == 0, result.output
    assert "EPSG:4547" in result.output
    assert "parcels" in result.output and "valid: no problems" in result.output


def test_info_invalid_workspace_exits_1_and_lists_problems(tmp_path):
    t = tiny_tables()
    t["parcels"].loc[0, "status"] = "demolished"
    t["parcels"].loc[1, "parcel_id"] = "P1"
    path = save_workspace(t, tmp_path / "bad.gpkg")
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == 1
    assert "demolished" in result.output and "duplicate" in result.output


def test_info_missing_file_exits_1(tmp_path):
    result = runner.invoke(app, ["info", str(tmp_path / "none.gpkg")])
    assert result.exit_code == 1
    assert "does not exist" in result.output
