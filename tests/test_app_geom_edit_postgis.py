"""地块编辑 / Edit parcels on a PostGIS workspace: a split saved from the page, read back.

The Fuxing demo is copied into a fresh schema of the session's throwaway
PostGIS server (``tests/pg_fixture.py``); the page runs with AppTest on its
URL, and the save is read back from PostGIS with the workspace reader and
the store (audit rows of one edit).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.dataset import load_for_mode
from geo.store import open_store
from geo.store.migrate import gpkg_to_postgis
from tests.pg_fixture import new_schema_url
from tests.test_app import FUXING, run_page

pytest_plugins = ("pg_fixture",)

PID = "FX-0002"  # stored (收储)


@pytest.fixture
def pg_url(pg_server, tmp_path: Path) -> str:
    source = Path(shutil.copy2(FUXING, tmp_path / "fx.gpkg"))
    url = new_schema_url(pg_server)
    gpkg_to_postgis(source, url)
    return url


def test_a_split_into_three_lots_on_postgis_is_saved_there_with_its_audit(monkeypatch, pg_url):
    before = load_for_mode(pg_url, "planner")
    parent_m2 = float(before.parcels.set_index("parcel_id").geometry[PID].area)
    at = run_page(monkeypatch, "geom_edit", workspace=pg_url, lang="en")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]  # today: "cannot open the workspace"
    at.radio(key="ge_op").set_value("split_lots").run()
    at.selectbox(key="ge_target").set_value(PID).run()
    at.number_input(key="ge_lots_n").set_value(3).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.button(key="ge_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved" in s.value for s in at.success), [s.value for s in at.success]
    assert "_working_copies" not in at.session_state or not at.session_state["_working_copies"]
    after = load_for_mode(pg_url, "planner")  # read back from PostGIS, not from a file
    assert PID in after.retired_ids
    lots = after.parcels[after.parcels["parent_id"].astype(str) == PID]
    assert sorted(lots["parcel_id"]) == [f"{PID}-1", f"{PID}-2", f"{PID}-3"]
    assert set(lots["status"]) == {"stored"}
    assert lots.geometry.area.sum() == pytest.approx(parent_m2, abs=0.01)
    assert after.parcels.geometry.area.sum() == pytest.approx(
        before.parcels.geometry.area.sum(), abs=0.01
    )
    with open_store(pg_url, user="t", role="investment") as store:
        edits = {str(e) for e in store.history(PID)["edit_id"]}
        for lot in lots["parcel_id"]:
            hist = store.history(lot)
            assert len(hist) and edits & {str(e) for e in hist["edit_id"]}  # one edit
        assert len(store.geometry_versions(f"{PID}-1")) >= 1
