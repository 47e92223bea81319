"""地块编辑 / Edit parcels page: the save, its summary and checks, conflicts, roles, CRS.

The page is run with AppTest; a drawn geometry is given as the map element
sends it (``_map_edits``: GeoJSON in display degrees). Every save goes into a
real GeoPackage (a copy, or the session's working copy of the demo) and is
read back with the store.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape
from streamlit.testing.v1 import AppTest

from geo.access import RoleError
from geo.app import geom_edit
from geo.app.i18n import md
from geo.app.map_view import EDITS
from geo.editing import plan_split_into_lots
from geo.store import open_store
from geo.workspace import open_workspace
from tests.test_app import APP, FUXING, run_page

PID = "FX-0001"  # to_release, 18.84 mu
PAGE = "geom_edit"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "fx.gpkg"
    shutil.copy2(FUXING, target)
    return target


def _open(monkeypatch, *, workspace: Path = FUXING, lang: str = "en", **state):
    at = run_page(monkeypatch, PAGE, workspace=workspace, lang=lang, state=state or None)
    assert not at.exception, at.exception
    return at


def _choose(at: AppTest, op: str, target: str | None = PID) -> AppTest:
    at.radio(key="ge_op").set_value(op).run()
    if target is not None:
        at.selectbox(key="ge_target").set_value(target).run()
    assert not at.exception, at.exception
    return at


def _send(at: AppTest, geometry: dict) -> AppTest:
    """What the map element sends after a drawing: the trigger value ``edit``."""
    at.session_state[EDITS] = {"ge_map": {"mode": "x", "geometry": geometry, "seq": 1}}
    return at.run()


def _display(ws, geom, *, gcj02: bool = False) -> dict:
    return geom_edit.work_to_display([geom], ws.crs, gcj02=gcj02)[0]


def _live_area_m2(path: Path) -> float:
    return float(open_workspace(path).parcels.geometry.area.sum())


def test_split_into_three_lots_saves_one_audited_transaction_in_a_working_copy(monkeypatch):
    before_demo = FUXING.stat().st_mtime_ns
    total_before = _live_area_m2(FUXING)
    at = _choose(_open(monkeypatch), "split_lots")
    at.number_input(key="ge_lots_n").set_value(3).run()
    assert any("no problems" in s.value for s in at.success)
    summary = next(d.value for d in at.dataframe if "Change" in d.value.columns)
    assert list(summary["Change"]) == ["retired", "new", "new", "new"]
    assert summary["Area (m²)"].iloc[1:].sum() == pytest.approx(
        summary["Area (m²)"].iloc[0], abs=0.05
    )
    assert any(
        md("Before 18.84 mu, after 18.84 mu (difference +0.00 m²)") in c.value for c in at.caption
    )
    # the new lots' attributes are set in the same form (the parent's by default)
    lots_form = next(d for d in at.dataframe if "new_id" in d.value.columns)
    assert list(lots_form.value["new_id"]) == [f"{PID}-1", f"{PID}-2", f"{PID}-3"]
    at.text_input(key="ge_note").input("区政府批复 2024-12").run()
    at.button(key="ge_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    saved = " ".join(s.value for s in at.success)
    assert "FX\\-0001\\-1" in saved and "retired: FX\\-0001" in saved, saved
    copy = Path(at.session_state["workspace_path"])
    assert copy.name == "fuxing-working-copy.gpkg"
    assert FUXING.stat().st_mtime_ns == before_demo  # the demo is never written
    ws = open_workspace(copy)
    assert PID in ws.retired_ids
    lots = ws.parcels[ws.parcels["parcel_id"].str.startswith(f"{PID}-")]
    assert sorted(lots["parcel_id"]) == [f"{PID}-1", f"{PID}-2", f"{PID}-3"]
    assert set(lots["parent_id"]) == {PID} and set(lots["status"]) == {"to_release"}
    assert lots.geometry.area.to_numpy() == pytest.approx([12562.04 / 3] * 3, abs=0.5)
    assert _live_area_m2(copy) == pytest.approx(total_before, abs=0.01)  # land is conserved
    with open_store(copy, user="t", role="investment") as store:
        hist = store.history(f"{PID}-2")
        assert hist["note"].eq("区政府批复 2024-12").all()
        assert len(set(store.history(PID)["edit_id"]) & set(hist["edit_id"])) == 1  # one edit
        versions = store.geometry_versions(PID)
    assert len(versions) >= 1


def test_drawn_split_line_previews_the_pieces_and_saves_them(monkeypatch, copy):
    ws = open_workspace(copy)
    parcel = geom_edit.parcel_geometry(ws, PID)
    x0, y0, x1, y1 = parcel.bounds
    mid = (x0 + x1) / 2
    line = shapely.LineString([(mid, y0 - 20), (mid, y1 + 20)])
    at = _choose(_open(monkeypatch, workspace=copy), "split_line")
    assert any("Draw on the map first" in i.value for i in at.info)
    at = _send(at, _display(ws, line))
    assert not at.exception, at.exception
    summary = next(d.value for d in at.dataframe if "Change" in d.value.columns)
    assert list(summary["Change"]) == ["retired", "new", "new"]
    at.button(key="ge_save").click().run()
    assert not at.error, [e.value for e in at.error]
    after = open_workspace(copy)
    assert {f"{PID}-1", f"{PID}-2"} <= set(after.parcels["parcel_id"]) and PID in after.retired_ids


def test_a_line_that_misses_the_parcel_and_bad_drawings_are_refused_with_a_reason(
    monkeypatch, copy
):
    ws = open_workspace(copy)
    _, y0, x1, y1 = geom_edit.parcel_geometry(ws, PID).bounds
    at = _choose(_open(monkeypatch, workspace=copy), "split_line")
    at = _send(at, _display(ws, shapely.LineString([(x1 + 50, y0), (x1 + 60, y1)])))
    assert any("does not touch the parcel" in e.value for e in at.error), [
        e.value for e in at.error
    ]
    assert "ge_save" not in {b.key for b in at.button}
    at = _send(at, {"type": "LineString", "coordinates": [["a", "b"], [1, 2]]})
    assert any("cannot be used" in e.value for e in at.error)
    at = _send(at, {"type": "Nothing"})
    assert any("cannot be used" in e.value for e in at.error)
    assert "_working_copies" not in at.session_state or not at.session_state["_working_copies"]


def test_an_overlapping_reshape_shows_the_problem_and_cannot_be_saved(monkeypatch, copy):
    ws = open_workspace(copy)
    parcel = geom_edit.parcel_geometry(ws, PID)
    other = geom_edit.neighbours(ws, [parcel], exclude=[PID])[0]  # the nearest
    grown = shapely.convex_hull(shapely.union_all([parcel, other.buffer(-1.0)]))
    at = _choose(_open(monkeypatch, workspace=copy), "reshape")
    at = _send(at, _display(ws, grown))
    assert not at.exception
    assert any("problem" in e.value for e in at.error), [e.value for e in at.error]
    assert any("overlap" in m.value.lower() for m in at.markdown)
    assert at.button(key="ge_save").disabled
    value = geom_edit.edit_value(
        ws, op="reshape", lang="en", gcj02=False, targets=[PID], snap_m=2.0,
        overlay=[{"kind": "problem", "geometry": grown.intersection(other), "label": ""}],
        nonce=0, tools=True,
    )  # fmt: skip
    assert value["overlay"]["features"][0]["kind"] == "problem" and value["neighbours"]


def test_someone_elses_change_since_the_editor_opened_is_a_conflict(monkeypatch, copy):
    at = _choose(_open(monkeypatch, workspace=copy), "split_lots")
    with open_store(copy, user="李工") as store:
        store.set_status(PID, "released", on="2024-05-01", expected_version=0)
    at.button(key="ge_save").click().run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "Not saved" in warning and "李工" in warning, warning
    ws = open_workspace(copy)
    assert PID not in ws.retired_ids and f"{PID}-1" not in set(ws.parcels["parcel_id"])
    at.button(key="ge_reload").click().run()
    assert not any("Not saved" in w.value for w in at.warning)
    at.button(key="ge_save").click().run()  # now against the version shown
    assert f"{PID}-1" in set(open_workspace(copy).parcels["parcel_id"])


def test_other_roles_get_no_tools_and_a_forged_edit_is_refused(monkeypatch, copy):
    # the menu has no such page for them
    for role in ("investment",):
        at = run_page(monkeypatch, workspace=copy, state={"role": role})
        with pytest.raises(ValueError):
            at.switch_page(f"geo/app/pages/{PAGE}.py")
    # the page itself, reached directly, draws no tool and reads nothing sent
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(copy))
    ws = open_workspace(copy)
    at = AppTest.from_file(str(Path(APP).parent / "geo/app/pages/geom_edit.py"), default_timeout=90)
    at.session_state["lang"] = "en"
    at.session_state["role"] = "investment"
    at.session_state["ge_op"] = "split_line"
    at.session_state["ge_target"] = PID
    x0, y0, x1, y1 = geom_edit.parcel_geometry(ws, PID).bounds
    line = shapely.LineString([((x0 + x1) / 2, y0 - 9), ((x0 + x1) / 2, y1 + 9)])
    at.session_state[EDITS] = {"ge_map": {"geometry": _display(ws, line)}}
    at.run()
    assert not at.exception
    assert any("Only planners" in i.value for i in at.info)
    assert not at.button and not at.radio
    # whatever reaches the server: the save refuses it before anything is opened
    edit = plan_split_into_lots(ws, PID, n=2)
    for role in ("investment", "investor", "public"):
        with pytest.raises(RoleError):
            geom_edit.save(ws, edit, role=role, user="x", expected={}, note=None, lang="en")
    after = open_workspace(copy)
    assert PID not in after.retired_ids and len(after.parcels) == len(ws.parcels)


def test_gaode_snapped_vertex_stays_on_the_neighbour_after_the_save(monkeypatch, copy):
    """A vertex snapped to a neighbour's over the GCJ-02 basemap is stored on it (mm)."""
    ws = open_workspace(copy)
    parcel = geom_edit.parcel_geometry(ws, PID)
    neighbour = geom_edit.neighbours(ws, [parcel], exclude=[PID])[0]
    shown = geom_edit.work_to_display([neighbour], ws.crs, gcj02=True)[0]
    vertex = shown["coordinates"][0][0]  # what geoman's snapping puts under the pointer
    # a new parcel drawn next to the neighbour, one vertex snapped onto its corner
    cx, cy = shapely.get_coordinates(neighbour)[0]
    square = shapely.Polygon([(cx, cy), (cx + 40, cy), (cx + 40, cy + 40), (cx, cy + 40)])
    square = square.difference(neighbour)
    drawn = geom_edit.work_to_display([square], ws.crs, gcj02=True)[0]
    ring = drawn["coordinates"][0]
    k = int(np.argmin([np.hypot(p[0] - vertex[0], p[1] - vertex[1]) for p in ring]))
    ring[k] = list(vertex)
    if k == 0:
        ring[-1] = list(vertex)
    at = _open(monkeypatch, workspace=copy, basemap="gaode")
    _choose(at, "create", target=PID)
    at = _send(at, drawn)
    assert not at.exception
    at.button(key="ge_save").click().run()
    assert not at.error, [e.value for e in at.error]
    after = open_workspace(copy)
    created = after.parcels[~after.parcels["parcel_id"].isin(ws.parcels["parcel_id"])]
    assert len(created) == 1
    got = shapely.get_coordinates(created.geometry.iloc[0])
    dist_m = np.hypot(got[:, 0] - cx, got[:, 1] - cy).min()
    assert dist_m < 0.005, dist_m  # on the neighbour's vertex within 5 mm


def test_display_round_trip_is_exact_to_a_millimetre_with_and_without_gcj02(copy):
    ws = open_workspace(copy)
    geoms = list(ws.parcels.geometry.iloc[:20])
    for gcj02 in (False, True):
        shown = geom_edit.work_to_display(geoms, ws.crs, gcj02=gcj02)
        back = [geom_edit.display_to_work(g, ws.crs, gcj02=gcj02) for g in shown]
        err = np.abs(shapely.get_coordinates(back) - shapely.get_coordinates(geoms)).max()
        assert err < 1e-3, (gcj02, err)
    # GCJ-02 really shifts the display (hundreds of metres), and is undone
    plain, moved = (
        shapely.get_coordinates(shape(geom_edit.work_to_display(geoms[:1], ws.crs, gcj02=g)[0]))
        for g in (False, True)
    )
    assert np.abs(plain - moved).max() > 1e-3


def test_without_the_drawing_library_the_page_works_without_drawing(monkeypatch, tmp_path, copy):
    monkeypatch.setenv("TENGLONG_JS_DIR", str(tmp_path / "nothing"))
    at = _open(monkeypatch, workspace=copy)
    warning = " ".join(w.value for w in at.warning)
    assert "drawing tools are unavailable" in warning and "fetch\\-js" in warning
    ops = at.radio(key="ge_op").options
    assert "Split by a line" not in ops and "Split into N lots" in ops
    _choose(at, "split_lots")
    # the map still gets the previews of the lots, with no tools (no geoman is loaded)
    ws = open_workspace(copy)
    edit = plan_split_into_lots(ws, PID, n=3)
    value = geom_edit.edit_value(
        ws, op="split_lots", lang="en", gcj02=False, targets=[PID], snap_m=0.0,
        overlay=[{"kind": "preview", "geometry": g, "label": "x"} for g in edit.new_geometries],
        nonce=0, tools=False,
    )  # fmt: skip
    assert value["tools"] is False and value["mode"] == "select"
    assert [f["kind"] for f in value["overlay"]["features"]] == ["preview"] * 3
    at.button(key="ge_save").click().run()
    assert f"{PID}-1" in set(open_workspace(copy).parcels["parcel_id"])


def test_bad_lot_areas_are_named(monkeypatch, copy):
    at = _choose(_open(monkeypatch, workspace=copy, lang="zh"), "split_lots")
    at.text_input(key="ge_lots_areas").input("5, 五").run()
    assert any("无法识别" in e.value for e in at.error)
    assert "ge_save" not in {b.key for b in at.button}


def test_history_shows_geometry_versions_and_the_parent_is_restored(monkeypatch, copy):
    at = _choose(_open(monkeypatch, workspace=copy), "split_lots")
    at.button(key="ge_save").click().run()
    assert f"{PID}-1" in set(open_workspace(copy).parcels["parcel_id"])
    # the card's history names the outline by its area, not by its text
    at = run_page(monkeypatch, workspace=copy, lang="en", state={"overview_selected": f"{PID}-2"})
    history = next(e for e in at.expander if e.label == "Change history")
    shown = history.dataframe[0].value.to_csv(index=False)
    assert "outline (" in shown and "POLYGON" not in shown, shown
    assert "split from FX-0001" in shown
    at.button(key=f"history_versions_{PID}-2").click().run()
    assert not at.exception, at.exception
    assert at.session_state["ge_op"] == "restore" and at.session_state["ge_target"] == f"{PID}-2"
    # restore the parent: it is live again and its lots are retired, in one save
    at.selectbox(key="ge_target").set_value(PID).run()
    assert any("retires these lots" in c.value for c in at.caption), [c.value for c in at.caption]
    summary = next(d.value for d in at.dataframe if "Change" in d.value.columns)
    assert list(summary["Change"]) == ["restored", "retired", "retired", "retired"]
    at.button(key="ge_save").click().run()
    assert not at.error, [e.value for e in at.error]
    ws = open_workspace(copy)
    assert PID in set(ws.parcels["parcel_id"]) and {f"{PID}-1", f"{PID}-3"} <= ws.retired_ids
    assert ws.parcels.geometry.area.sum() == pytest.approx(_live_area_m2(FUXING), abs=0.01)


def test_merge_adjacent_lots_and_refuse_parcels_apart(monkeypatch, copy):
    at = _choose(_open(monkeypatch, workspace=copy), "split_lots")
    at.button(key="ge_save").click().run()
    at.radio(key="ge_op").set_value("merge").run()
    at.multiselect(key="ge_merge_ids").set_value([PID + "-1", "FX-0002"]).run()
    errors = [e.value for e in at.error]
    assert any("Cannot make this edit" in e for e in errors), errors  # 200 m apart
    assert "ge_save" not in {b.key for b in at.button}
    at.multiselect(key="ge_merge_ids").set_value([PID + "-1", PID + "-2"]).run()
    summary = next(d.value for d in at.dataframe if "Change" in d.value.columns)
    assert list(summary["Change"]) == ["retired", "retired", "new"]
    at.button(key="ge_save").click().run()
    assert not at.error, [e.value for e in at.error]
    ws = open_workspace(copy)
    merged = ws.parcels[ws.parcels["parcel_id"] == f"{PID}-1-M"]
    assert len(merged) == 1 and merged["parent_id"].iloc[0] == f"{PID}-1,{PID}-2"
    assert merged.geometry.iloc[0].area == pytest.approx(2 * 12562.04 / 3, abs=0.5)


def test_a_drawn_parcel_with_a_hole_is_created_with_its_attributes(monkeypatch, copy):
    ws = open_workspace(copy)
    _, y0, x1, _ = geom_edit.parcel_geometry(ws, PID).bounds
    outer = shapely.box(x1 + 30, y0, x1 + 130, y0 + 100)
    hole = shapely.box(x1 + 60, y0 + 30, x1 + 80, y0 + 50)
    drawn = shapely.Polygon(outer.exterior.coords, [hole.exterior.coords])
    at = _choose(_open(monkeypatch, workspace=copy), "create")
    at = _send(at, _display(ws, drawn))
    assert not at.exception
    summary = next(d.value for d in at.dataframe if "Change" in d.value.columns)
    assert list(summary["Change"]) == ["new"]
    assert summary["Area (m²)"].iloc[0] == pytest.approx(10000 - 400, abs=0.01)
    at.button(key="ge_save").click().run()
    assert not at.error, [e.value for e in at.error]
    after = open_workspace(copy)
    created = after.parcels[after.parcels["parcel_id"] == "FX-1201"]
    assert len(created) == 1 and len(created.geometry.iloc[0].interiors) == 1
    assert created["status"].iloc[0] == "unknown"


def test_retire_takes_the_parcel_out_of_every_total(monkeypatch, copy):
    at = _choose(_open(monkeypatch, workspace=copy, lang="zh"), "retire")
    summary = next(d.value for d in at.dataframe if "变更" in d.value.columns)
    assert list(summary["变更"]) == ["注销"]
    at.button(key="ge_save").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("已保存" in s.value for s in at.success)
    ws = open_workspace(copy)
    assert PID in ws.retired_ids and PID not in set(ws.parcels["parcel_id"])


def test_each_lot_gets_the_planned_use_and_name_set_in_the_form(copy):
    """The lots form (``with_new_parcels``): a use per lot, a blank cell keeps the parent's."""
    ws = open_workspace(copy)
    parent = ws.parcels.set_index("parcel_id").loc["FX-0002"]
    edit = plan_split_into_lots(ws, "FX-0002", n=3, new_ids=["A-1", "A-2", "A-3"])
    rows = pd.DataFrame(
        {
            "new_id": ["FX-0002-1", "FX-0002-2", " FX-0002-3 "],
            "name": ["一号地块", "", None],
            "land_use_planned": ["100101", "100102", None],
            "status": ["stored", "stored", "released"],
        }
    )
    edit = geom_edit.with_new_parcels(edit, rows)
    expected = geom_edit.row_versions(ws, ["FX-0002"])
    geom_edit.save(ws, edit, role="planner", user="t", expected=expected, note=None, lang="zh")
    after = open_workspace(copy).parcels.set_index("parcel_id")
    lots = after.loc[["FX-0002-1", "FX-0002-2", "FX-0002-3"]]
    assert list(lots["land_use_planned"]) == ["100101", "100102", parent["land_use_planned"]]
    assert list(lots["name"]) == ["一号地块", parent["name"], parent["name"]]
    assert list(lots["status"]) == ["stored", "stored", "released"]
    with pytest.raises(RoleError):  # the same save from an investment officer
        geom_edit.save(
            open_workspace(copy),
            geom_edit.with_new_parcels(plan_split_into_lots(ws, "FX-0005", n=2), None),
            role="investment",
            user="t",
            expected={},
            note=None,
            lang="zh",
        )
