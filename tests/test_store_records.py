"""Row edits of the supply tables (contracts, idle_cases, idle_exemptions) on every backend.

The tiny workspace (tests/pg_fixture.py) has no supply tables: the first save
creates them; before that they read as empty.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geo.access import RoleError
from geo.store import EditConflict, InvalidEditError, RecordEdit, RowNotFoundError, open_store
from geo.workspace import open_workspace

pytest_plugins = ("pg_fixture",)

CONTRACT = {
    "parcel_ids": "P4",
    "supply_method": "transfer",
    "grantee": "某某新材料有限公司",
    "signed_on": "2021-03-01",
    "agreed_start": "2021-09-01",
    "price_wan_yuan": 1234.5,
}


def test_old_workspace_reads_supply_tables_as_empty(tiny_target):
    with open_store(tiny_target, user="王工") as s:
        df = s.records("contracts")
        assert df.empty and "contract_id" in df.columns and "row_version" in df.columns
        with pytest.raises(RowNotFoundError, match="no contract_id"):
            s.record("contracts", "3301002021B00001")


def test_create_update_audit_and_conflict(tiny_target):
    key = "3301002021B00001"
    with open_store(tiny_target, user="王工") as s:
        (r,) = s.save_records([RecordEdit("contracts", key, CONTRACT, create=True)], note="导入")
        assert r.row_version == 1 and {c.field for c in r.changes} >= {"contract_id", "grantee"}
        row = s.record("contracts", key)
        assert row.row_version == 1
        assert row.values["signed_on"] == dt.date(2021, 3, 1)
        assert row.values["price_wan_yuan"] == pytest.approx(1234.5)
        (r2,) = s.save_records(
            [RecordEdit("contracts", key, {"started_on": "2022-10-08"}, expected_version=1)]
        )
        assert r2.row_version == 2 and [c.field for c in r2.changes] == ["started_on"]
        h = s.history(key, table="contracts")
        assert list(h["field"])[-1] == "started_on"
        assert h["before"].iloc[-1] is None and h["after"].iloc[-1] == "2022-10-08"
        # a second editor who read version 1 is refused; nothing is written
        with pytest.raises(EditConflict) as info:
            s.save_records([RecordEdit("contracts", key, {"far": 2.0}, expected_version=1)])
        assert info.value.who == "王工" and info.value.current_version == 2
        assert s.record("contracts", key).values.get("far") is None
        # an unchanged save makes no version
        (r3,) = s.save_records([RecordEdit("contracts", key, {"started_on": "2022-10-08"})])
        assert not r3.changed and r3.row_version == 2
        df = s.records("contracts")
        assert list(df["contract_id"]) == [key] and int(df["row_version"].iloc[0]) == 2


def test_duplicate_key_bad_value_unknown_field_and_missing_row_write_nothing(tiny_target):
    key = "3301002021B00001"
    with open_store(tiny_target, user="王工") as s:
        s.save_records([RecordEdit("contracts", key, CONTRACT, create=True)])
        n = len(s.history(table="contracts"))
        with pytest.raises(InvalidEditError, match="exists already"):
            s.save_records(
                [
                    RecordEdit("contracts", "3301002021B00002", CONTRACT, create=True),
                    RecordEdit("contracts", key, CONTRACT, create=True),
                ]
            )
        with pytest.raises(InvalidEditError, match="price_wan_yuan 'abc' is not a valid float"):
            s.save_records([RecordEdit("contracts", key, {"price_wan_yuan": "abc"})])
        with pytest.raises(InvalidEditError, match="no such field"):
            s.save_records([RecordEdit("contracts", key, {"colour": "red"})])
        with pytest.raises(InvalidEditError, match="not a table edited row by row"):
            s.save_records([RecordEdit("parcels", "P1", {"name": "x"})])
        with pytest.raises(RowNotFoundError):
            s.save_records([RecordEdit("idle_cases", "C-404", {"stage": "closed"})])
        assert len(s.history(table="contracts")) == n
        assert len(s.records("contracts")) == 1


def test_roles_on_record_tables(tiny_target):
    key = "3301002021B00001"
    with open_store(tiny_target, user="王工") as s:
        s.save_records([RecordEdit("contracts", key, CONTRACT, create=True)])
    with open_store(tiny_target, user="招商", role="investment") as s:
        assert "grantee" not in s.records("contracts").columns
        assert "grantee" not in s.record("contracts", key).values
        with pytest.raises(RoleError):
            s.save_records([RecordEdit("contracts", key, {"far": 1.5})])
    with open_store(tiny_target, user="投资人", role="investor") as s, pytest.raises(RoleError):
        s.records("contracts")


def test_gpkg_table_created_by_an_edit_opens_in_the_workspace(tiny_path):
    with open_store(tiny_path, user="王工") as s:
        s.save_records(
            [
                RecordEdit(
                    "idle_cases",
                    "XZ-1",
                    {"parcel_id": "P4", "stage": "found", "found_on": "2024-01-02"},
                    create=True,
                )
            ]
        )
    ws = open_workspace(tiny_path)
    cases = ws.table("idle_cases")
    assert list(cases["case_id"]) == ["XZ-1"]
    assert cases["found_on"].iloc[0] == dt.datetime(2024, 1, 2)
    assert ws.is_valid, ws.problems
    assert ws.table("idle_exemptions").empty
