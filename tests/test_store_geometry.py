"""Geometry edits in the stores (GeoPackage and PostGIS): one transaction, audit, conflicts, roles.

The tiny workspace (tests/pg_fixture.py): P1 released, P2 stored, P3
operating, P4 supplied; 100 m squares (15 亩) 200 m apart in EPSG:4547.
"""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from factories import GK, X0, Y0, square
from shapely.geometry import box

from geo.access import RoleError
from geo.crs import M2_PER_MU
from geo.editing import GeometryEdit, split_into_lots
from geo.store import EditConflict, InvalidEditError, ParcelNotFoundError, open_store
from geo.store.model import area_mu_of
from geo.workspace import open_workspace

pytest_plugins = ("pg_fixture",)


def _ws(target: str):
    with open_store(target, user="reader", role="investment") as s:
        return s.load_workspace()


def _live_ids(target: str) -> list[str]:
    return sorted(_ws(target).parcels["parcel_id"].astype(str))


def test_split_retires_the_parent_and_creates_lots_in_one_audited_edit(tiny_target):
    lots = split_into_lots(square(0, 0), 3)
    with open_store(tiny_target, user="王工") as s:
        r = s.apply_geometry_edit(
            GeometryEdit(
                "split", ["P1"], lots, attributes=[{"land_use_planned": "100102"}, {}, {}]
            ),
            crs=GK,
            expected={"P1": 0},
            note="供地方案〔2025〕3号",
        )
        assert r.new_ids == ("P1-1", "P1-2", "P1-3") and r.retired_ids == ("P1",)
        assert len({c.edit_id for c in r.changes}) == 1 and {c.who for c in r.changes} == {"王工"}
        parent = s.parcel("P1")
        assert parent.values["retired_on"] == dt.date.today() and parent.row_version == 1
        child = s.parcel("P1-1")
        assert child.values["parent_id"] == "P1" and child.row_version == 1
        assert child.values["status"] == "released"  # inherited
        assert child.values["former_enterprise"] == "甲铸造厂"
        assert child.values["land_use_planned"] == "100102"  # set in the same edit
        assert s.parcel("P1-2").values["land_use_planned"] == "100101"  # the parent's
        h = s.history("P1-2")
        geom_rows = h[h["field"] == "geometry"]
        assert len(geom_rows) == 1 and geom_rows["before"].iloc[0] is None
        assert shapely.from_wkt(geom_rows["after"].iloc[0]).geom_type == "Polygon"
        assert (h[h["field"] == "geometry_edit"]["after"] == "split from P1").all()
        hp = s.history("P1")
        assert list(hp["field"]) == ["retired_on", "geometry_edit"]
        assert hp["after"].iloc[1] == "split into P1-1,P1-2,P1-3"
        assert set(hp["note"]) == {"供地方案〔2025〕3号"}
    ws = _ws(tiny_target)
    assert _live_ids(tiny_target) == ["P1-1", "P1-2", "P1-3", "P2", "P3", "P4"]
    assert ws.retired_ids == {"P1"}
    kids = ws.parcels[ws.parcels["parent_id"] == "P1"]
    # conservation through storage in degrees and back: within 0.01 m²
    assert abs(kids.geometry.area.sum() - 10_000.0) < 0.01
    assert abs(kids["area_mu"].sum() - 10_000.0 / M2_PER_MU) < 0.01 / M2_PER_MU


def test_merge_create_reshape_retire_and_restore(tiny_target):
    beside = box(X0 + 100, Y0, X0 + 200, Y0 + 100)  # touches P1's east edge
    with open_store(tiny_target, user="王工") as s:
        r = s.apply_geometry_edit(
            GeometryEdit("create", [], [beside], ["N1"], [{"status": "stored", "name": "新地块"}]),
            crs=GK,
        )
        assert r.new_ids == ("N1",) and s.parcel("N1").values["status"] == "stored"
        assert s.parcel("N1").values["parent_id"] is None
        m = s.apply_geometry_edit(
            GeometryEdit("merge", ["P1", "N1"], [shapely.union_all([square(0, 0), beside])]),
            crs=GK,
            expected={"P1": 0, "N1": 1},
        )
        assert m.new_ids == ("P1-M",) and set(m.retired_ids) == {"P1", "N1"}
        merged = s.parcel("P1-M")
        assert merged.values["parent_id"] == "P1,N1" and merged.values["status"] == "released"
        assert area_mu_of(merged.geometry) == pytest.approx(20_000 / M2_PER_MU, abs=1e-4)
        # reshape: a smaller outline, area_mu follows
        s.apply_geometry_edit(
            GeometryEdit("reshape", ["P3"], [square(0, 1, 50.0)]), crs=GK, expected={"P3": 0}
        )
        assert area_mu_of(s.parcel("P3").geometry) == pytest.approx(2500 / M2_PER_MU, abs=1e-4)
        versions = s.geometry_versions("P3")
        assert [v["version"] for v in versions] == [1, 2]
        assert versions[0]["area_mu"] == pytest.approx(15.0, abs=1e-3)
        # restore version 1: a new audited change, the exact stored geometry comes back
        s.apply_geometry_edit(GeometryEdit("restore", ["P3"], [square(0, 1)], version=1), crs=GK)
        assert shapely.equals_exact(s.parcel("P3").geometry, versions[0]["geometry"], 0.0)
        assert [v["version"] for v in s.geometry_versions("P3")] == [1, 2, 3]
        # retire, then restore the merged sources: the merged parcel is retired with it
        s.apply_geometry_edit(GeometryEdit("retire", ["P4"]))
        s.apply_geometry_edit(GeometryEdit("restore", ["P1", "P1-M"], version=1))
        assert s.parcel("P1").values["retired_on"] is None
        assert s.parcel("P1-M").values["retired_on"] == dt.date.today()
    assert _live_ids(tiny_target) == ["P1", "P2", "P3"]


def test_a_conflict_names_who_and_when_and_writes_nothing(tiny_target):
    with open_store(tiny_target, user="李工") as other:
        other.update_parcel("P1", {"name": "改名"}, expected_version=0)
    with open_store(tiny_target, user="王工") as s:
        n_audit = len(s.history())
        with pytest.raises(EditConflict) as info:
            s.apply_geometry_edit(
                GeometryEdit("split", ["P1"], split_into_lots(square(0, 0), 2)),
                crs=GK,
                expected={"P1": 0},
            )
        assert "李工" in str(info.value)
        assert len(s.history()) == n_audit
        assert s.parcel("P1").values.get("retired_on") is None
        with pytest.raises(ParcelNotFoundError):
            s.parcel("P1-1")


@pytest.mark.parametrize("role", ["investment", "investor", "public"])
def test_only_planners_edit_geometry_whatever_is_sent(tiny_target, role):
    edit = GeometryEdit("retire", ["P1"])
    with open_store(tiny_target, user="x", role=role) as s, pytest.raises(RoleError):
        s.apply_geometry_edit(edit)
    with open_store(tiny_target, user="x") as s:  # a planner store, a forged role
        with pytest.raises(RoleError):
            s.apply_geometry_edit(edit, role=role)
        assert s.parcel("P1").values.get("retired_on") is None


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (GeometryEdit("split", ["P9"], [square(0, 0), square(1, 0)]), "no parcel 'P9'"),
        (GeometryEdit("split", ["P1"], [square(0, 0)]), "two or more lots"),
        (GeometryEdit("merge", ["P1"], [square(0, 0)]), "two or more parcels"),
        (GeometryEdit("create", [], [square(5, 5)], ["P2"]), "P2 already exist"),
        (GeometryEdit("create", [], [square(5, 5)]), "give the new parcel's id"),
        (
            GeometryEdit(
                "reshape",
                ["P1"],
                [shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])],
            ),
            "invalid geometry",
        ),
        (GeometryEdit("teleport", ["P1"]), "unknown geometry edit"),
        (
            GeometryEdit("create", [], [square(5, 5)], ["N"], [{"status": "demolished"}]),
            "status 'demolished' unknown",
        ),
        (
            GeometryEdit("create", [], [square(5, 5)], ["N"], [{"row_version": 7}]),
            "cannot be set on a new parcel",
        ),
    ],
)
def test_bad_edits_are_refused_and_write_nothing(tiny_target, edit, match):
    with open_store(tiny_target, user="王工") as s:
        n_audit = len(s.history())
        with pytest.raises((InvalidEditError, ParcelNotFoundError), match=match):
            s.apply_geometry_edit(edit, crs=GK)
        assert len(s.history()) == n_audit
    assert _live_ids(tiny_target) == ["P1", "P2", "P3", "P4"]


def test_a_retired_parcel_cannot_be_edited_and_its_id_is_never_reused(tiny_target):
    with open_store(tiny_target, user="王工") as s:
        s.apply_geometry_edit(
            GeometryEdit("split", ["P1"], split_into_lots(square(0, 0), 2)), crs=GK
        )
        with pytest.raises(InvalidEditError, match="P1 was retired"):
            s.apply_geometry_edit(GeometryEdit("reshape", ["P1"], [square(0, 0)]), crs=GK)
        s.apply_geometry_edit(GeometryEdit("retire", ["P1-1"]))
        r = s.apply_geometry_edit(
            GeometryEdit(
                "split", ["P1-2"], split_into_lots(box(X0 + 50, Y0, X0 + 100, Y0 + 100), 2)
            ),
            crs=GK,
        )
        assert r.new_ids == ("P1-2-1", "P1-2-2")
        with pytest.raises(InvalidEditError, match="P1-1 already exist"):
            s.apply_geometry_edit(GeometryEdit("create", [], [square(5, 5)], ["P1-1"]), crs=GK)


def test_geopackage_stays_readable_by_gdal_after_edits(tiny_path):
    with open_store(tiny_path, user="王工") as s:
        s.apply_geometry_edit(
            GeometryEdit("split", ["P2"], split_into_lots(square(1, 0), 4)), crs=GK
        )
        assert s.integrity_check() == ["ok"]
    ws = open_workspace(tiny_path)
    assert ws.is_valid, ws.problems
    assert len(ws.parcels) == 7 and ws.retired_ids == {"P2"}
    import pyogrio

    assert pyogrio.read_info(tiny_path, layer="parcels")["features"] == 8


@pytest.mark.parametrize("role", ["investor", "public"])
def test_investors_never_receive_retired_parcels(tiny_target, role):
    with open_store(tiny_target, user="王工") as s:
        s.apply_geometry_edit(
            GeometryEdit("split", ["P1"], split_into_lots(square(0, 0), 2)), crs=GK
        )
    with open_store(tiny_target, user="x", role=role) as s:
        ids = sorted(s.load_workspace().parcels["parcel_id"].astype(str))
        assert ids == ["P1-1", "P1-2", "P2"]  # P1 retired; P3, P4 not on offer
        with pytest.raises(ParcelNotFoundError):
            s.parcel("P1")
        assert s.parcel("P1-1").values["status"] == "released"
        assert "parent_id" not in s.parcel("P1-1").values  # not a whitelisted field


def test_attribute_edits_of_a_retired_parcel_are_refused(tiny_target):
    with open_store(tiny_target, user="王工") as s:
        s.apply_geometry_edit(GeometryEdit("retire", ["P2"]))
        with pytest.raises(InvalidEditError, match="P2 was retired"):
            s.set_status("P2", "supplied")
        with pytest.raises(InvalidEditError, match="P2 was retired"):
            s.update_parcel("P2", {"name": "x"})


def test_lineage_and_geometry_history_survive_a_migration(tiny_path, make_schema_url, tmp_path):
    from geo.store.migrate import migrate

    with open_store(tiny_path, user="王工") as s:
        s.apply_geometry_edit(
            GeometryEdit("split", ["P1"], split_into_lots(square(0, 0), 2)), crs=GK
        )
    url = make_schema_url()
    migrate(tiny_path, url)
    back = tmp_path / "back.gpkg"
    migrate(url, back)
    for target in (url, str(back)):
        with open_store(target, user="t") as s:
            assert s.parcel("P1").values["retired_on"] == dt.date.today()
            assert s.parcel("P1-2").values["parent_id"] == "P1"
            assert [v["version"] for v in s.geometry_versions("P1-2")] == [1]
        assert _live_ids(target) == ["P1-1", "P1-2", "P2", "P3", "P4"]
