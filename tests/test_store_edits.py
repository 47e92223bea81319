"""Edits, audit and optimistic concurrency, on every backend (GeoPackage and PostGIS).

The tiny workspace (tests/pg_fixture.py): P1 released 2018-05-01, P2 stored,
P3 operating since 2010-01-01, P4 supplied; 100 m squares = 15 亩.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import shapely
from shapely.geometry import box

from geo.access import RoleError
from geo.store import (
    ALLOWED_TRANSITIONS,
    EditConflict,
    InvalidEditError,
    ParcelNotFoundError,
    open_store,
)
from geo.store.model import encode_value

pytest_plugins = ("pg_fixture",)


def _audit_count(store) -> int:
    return len(store.history())


def test_status_change_writes_fields_version_and_audit(tiny_target):
    with open_store(tiny_target, user="王工") as s:
        before = s.parcel("P3")
        assert before.values["status"] == "operating" and before.row_version == 0
        r1 = s.set_status("P3", "to_release", on="2023-03-01", note="区政府会议纪要〔2023〕5号")
        assert r1.changed and r1.row_version == 1
        assert {c.field for c in r1.changes} == {"status", "status_since"}
        r2 = s.set_status("P3", "released", on=dt.date(2024, 5, 1), expected_version=1)
        assert r2.row_version == 2
        p = s.parcel("P3")
        assert p.values["status"] == "released"
        assert p.values["status_since"] == dt.date(2024, 5, 1)
        assert p.values["released_on"] == dt.date(2024, 5, 1)  # set on first release
        h = s.history("P3")
        assert list(h["field"]) == [
            "status",
            "status_since",
            "status",
            "status_since",
            "released_on",
        ]
        assert list(h["before"]) == ["operating", "2010-01-01", "to_release", "2023-03-01", None]
        assert list(h["after"]) == [
            "to_release",
            "2023-03-01",
            "released",
            "2024-05-01",
            "2024-05-01",
        ]
        assert set(h["who"]) == {"王工"} and list(h["row_version"]) == [1, 1, 2, 2, 2]
        assert h["note"].iloc[0] == "区政府会议纪要〔2023〕5号" and h["note"].iloc[-1] is None
        assert h["edit_id"].nunique() == 2
        assert h["at"].iloc[0].endswith("+00:00") and h["at"].iloc[0] <= h["at"].iloc[-1]
        # back to the main path: supplied keeps released_on
        s.set_status("P3", "stored", on="2024-06-01")
        assert s.parcel("P3").values["released_on"] == dt.date(2024, 5, 1)


@pytest.mark.parametrize(
    ("parcel", "status", "on", "match"),
    [
        ("P3", "supplied", "2024-01-01", "cannot go from operating to supplied"),
        ("P3", "operating", "2024-01-01", "already operating"),
        ("P3", "to_release", "2009-12-31", "before the current status_since"),
        ("P3", "to_release", "2999-01-01", "in the future"),
        ("P3", "demolished", "2024-01-01", "unknown status 'demolished'"),
        ("P1", "operating", "2024-01-01", "from released it can go to stored, supplied"),
    ],
)
def test_invalid_status_changes_write_nothing(tiny_target, parcel, status, on, match):
    with open_store(tiny_target, user="王工") as s:
        s.set_status("P4", "in_production", on="2024-01-01")  # creates row_version and audit
        n = _audit_count(s)
        with pytest.raises(InvalidEditError, match=match):
            s.set_status(parcel, status, on=on)
        assert s.parcel(parcel).row_version == 0
        assert _audit_count(s) == n


def test_force_corrects_data_and_is_audited(tiny_target):
    with open_store(tiny_target, user="王工") as s:
        r = s.set_status("P1", "operating", on="2018-04-01", force=True, note="录入错误")
        p = s.parcel("P1")
        assert p.values["status"] == "operating" and p.values["released_on"] is None
        assert {c.field: (c.before, c.after) for c in r.changes} == {
            "status": ("released", "operating"),
            "status_since": ("2018-05-01", "2018-04-01"),
            "released_on": ("2018-05-01", None),
        }


def test_every_transition_in_the_table_is_accepted():
    from geo.store.model import ParcelRecord, plan_status_change

    for old, targets in ALLOWED_TRANSITIONS.items():
        for new in targets:
            rec = ParcelRecord(
                "X", 0, {"status": old, "status_since": "2020-01-01", "released_on": None}
            )
            assert plan_status_change(rec, new, dt.date(2021, 1, 1))["status"] == new


def test_second_saver_gets_a_conflict_with_the_other_change(tiny_target):
    with open_store(tiny_target, user="alice") as a, open_store(tiny_target, user="bob") as b:
        seen_a = a.parcel("P2").row_version
        seen_b = b.parcel("P2").row_version
        a.update_parcel("P2", {"owner": "甲方"}, expected_version=seen_a, note="合同")
        with pytest.raises(EditConflict) as info:
            b.update_parcel("P2", {"owner": "乙方", "contact": "钱七"}, expected_version=seen_b)
        err = info.value
        assert err.who == "alice" and err.at is not None
        assert err.expected_version == 0 and err.current_version == 1
        assert [(c.field, c.before, c.after, c.note) for c in err.theirs] == [
            ("owner", "乙", "甲方", "合同")
        ]
        assert err.attempted == {"owner": "乙方", "contact": "钱七"}
        assert "alice" in str(err) and "reload" in str(err)
        # nothing of bob's was written; alice's change stands
        p = b.parcel("P2")
        assert p.values["owner"] == "甲方" and p.values["contact"] == "李四" and p.row_version == 1
        # bob reloads and saves: both changes are in the audit log
        b.update_parcel("P2", {"owner": "乙方"}, expected_version=p.row_version)
        h = a.history("P2")
        assert list(zip(h["who"], h["before"], h["after"], strict=True)) == [
            ("alice", "乙", "甲方"),
            ("bob", "甲方", "乙方"),
        ]


def test_attributes_and_geometry(tiny_target):
    with open_store(tiny_target, user="王工") as s:
        p = s.parcel("P4")
        assert p.geometry.geom_type == "Polygon"
        # a 200 m × 100 m rectangle in the GK zone → 30 亩
        x0, y0 = 500_200.0, 4_050_200.0
        rect = box(x0, y0, x0 + 200.0, y0 + 100.0)
        r = s.update_parcel(
            "P4",
            {
                "geometry": rect,
                "compensation_wan_yuan": "75.5",
                "polluting_history": False,
                "land_use_planned": "0901",
                "contact": None,
            },
            geometry_crs="EPSG:4547",
            expected_version=p.row_version,
        )
        fields = {c.field: c for c in r.changes}
        # land_use_planned was already 0901; the tiny workspace has no area_mu cache
        assert set(fields) == {"geometry", "compensation_wan_yuan", "polluting_history", "contact"}
        assert fields["compensation_wan_yuan"].before == "50.0"
        assert fields["compensation_wan_yuan"].after == "75.5"
        assert (fields["polluting_history"].before, fields["polluting_history"].after) == (
            "true",
            "false",
        )
        assert (fields["contact"].before, fields["contact"].after) == ("王五", None)
        q = s.parcel("P4")
        assert q.values["compensation_wan_yuan"] == 75.5 and q.values["polluting_history"] is False
        assert encode_value(q.geometry, "geometry") == fields["geometry"].after
        assert shapely.from_wkt(fields["geometry"].before).equals_exact(p.geometry, 0)
        ws = s.load_workspace()
        area = ws.parcels.set_index("parcel_id").loc["P4", "area_m2"]
        assert area == pytest.approx(20_000.0, rel=1e-6)


def test_no_change_means_no_new_version(tiny_target):
    with open_store(tiny_target, user="王工") as s:
        r = s.update_parcel("P1", {"owner": "甲"}, expected_version=0)
        assert not r.changed and r.row_version == 0 and r.edit_id is None
        assert s.history("P1").empty


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"status": "stored"}, "set_status"),
        ({"parcel_id": "P9"}, "cannot be edited"),
        ({"area_mu": 1.0}, "cannot be edited"),
        ({"colour": "red"}, "no such field; editable: "),
        ({"land_use_planned": "999999"}, "not a 国土空间"),
        ({"compensation_wan_yuan": "lots"}, "not a valid float"),
        ({"released_on": "yesterday"}, "not a date"),
        (
            {
                "geometry": shapely.Polygon(
                    [(114.0, 36.0), (114.01, 36.01), (114.01, 36.0), (114.0, 36.01)]
                )
            },
            "invalid geometry",
        ),
        ({"geometry": shapely.Point(114.0, 36.0)}, "parcels need Polygon"),
        ({"geometry": box(500_000, 4_050_000, 500_100, 4_050_100)}, "geometry_crs"),
        ({}, "no changes"),
    ],
)
def test_invalid_edits_write_nothing(tiny_target, changes, match):
    with open_store(tiny_target, user="王工") as s:
        with pytest.raises(InvalidEditError, match=match):
            s.update_parcel("P1", changes)
        assert s.parcel("P1").row_version == 0


def test_unknown_parcel(tiny_target):
    with open_store(tiny_target, user="王工") as s:
        with pytest.raises(ParcelNotFoundError, match="check the parcel_id"):
            s.set_status("P99", "released")
        with pytest.raises(ParcelNotFoundError):
            s.parcel("P99")


@pytest.mark.parametrize("role", ["investment", "investor", "public"])
def test_only_planners_edit(tiny_target, role):
    with open_store(tiny_target, user="someone", role=role) as s:
        with pytest.raises(RoleError, match="only a planner"):
            s.set_status("P1", "stored", on="2024-01-01")
        with pytest.raises(RoleError, match="only a planner"):
            s.update_parcel("P1", {"owner": "x"})
        # the private write path refuses too: the connection is read-only
        with pytest.raises(Exception, match="read-only"), s._write_transaction():
            s._update_parcel_row(1, {"owner": "x"}, 99)
    with open_store(tiny_target, user="王工") as s:
        assert s.history().empty and s.parcel("P1").values["owner"] == "甲"


def test_investor_sees_available_parcels_and_whitelisted_fields_only(tiny_target):
    with open_store(tiny_target, user="访客", role="investor") as s:
        p1 = s.parcel("P1")
        assert "owner" not in p1.values and "name" not in p1.values
        assert p1.values["status"] == "released"
        for hidden in ("P3", "P4"):  # operating, supplied
            with pytest.raises(ParcelNotFoundError):
                s.parcel(hidden)
        with pytest.raises(RoleError, match="audit log"):
            s.history("P1")
        ws = s.load_workspace()
        assert sorted(ws.parcels["parcel_id"]) == ["P1", "P2"]
        assert "enterprises" not in ws.tables and "audit" not in ws.tables
        assert not {"owner", "contact", "former_enterprise", "compensation_wan_yuan", "name"} & set(
            ws.parcels.columns
        )
        assert sorted(ws["milestones"]["subject_id"]) == ["P1", "Z1"]
        assert "negotiator" not in ws.meta and ws.meta["published_freed_mu"] == "45"


def test_history_limit_and_whole_workspace(tiny_target):
    with open_store(tiny_target, user="王工") as s:
        for i in range(3):
            s.update_parcel("P1", {"owner": f"甲{i}"})
        s.update_parcel("P2", {"owner": "乙1"})
        assert len(s.history()) == 4
        assert list(s.history("P1", limit=2)["after"]) == ["甲1", "甲2"]
        assert s.revision() >= 4
        assert [c.after for c in s.changes("P1", since_version=2)] == ["甲2"]


def test_concurrent_threads_lose_no_update(tiny_target):
    """4 editors × 12 saves on 2 parcels, each retrying after a conflict."""
    n_threads, n_saves = 4, 12
    errors: list[BaseException] = []
    counts = {"ok": 0, "conflict": 0}
    lock = threading.Lock()

    def editor(k: int) -> None:
        try:
            with open_store(tiny_target, user=f"u{k}", busy_timeout_s=30) as s:
                for i in range(n_saves):
                    pid = ("P1", "P2")[i % 2]
                    while True:
                        v = s.parcel(pid).row_version
                        try:
                            s.update_parcel(pid, {"contact": f"u{k}-{i}"}, expected_version=v)
                        except EditConflict as err:
                            assert err.current_version > v and err.theirs
                            with lock:
                                counts["conflict"] += 1
                            continue
                        with lock:
                            counts["ok"] += 1
                        break
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=editor, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert counts["ok"] == n_threads * n_saves
    with open_store(tiny_target, user="check") as s:
        for pid in ("P1", "P2"):
            h = s.history(pid)
            assert s.parcel(pid).row_version == len(h) == n_threads * n_saves // 2
            # the value chain: each before is the previous after
            assert list(h["before"].iloc[1:]) == list(h["after"].iloc[:-1])
            assert h["after"].iloc[-1] == s.parcel(pid).values["contact"]


def test_revision_token_changes_with_every_edit(tiny_target):
    from geo.store import revision_token

    before = revision_token(tiny_target)
    assert revision_token(tiny_target) == before
    with open_store(tiny_target, user="王工") as s:
        s.update_parcel("P1", {"owner": "新"})
        assert revision_token(tiny_target) != before
