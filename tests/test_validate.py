"""The validator reports every problem at once, with row ids; it never repairs."""

from __future__ import annotations

import geopandas as gpd
import pytest
from factories import tiny_tables
from shapely.geometry import LineString, Point, Polygon

from geo.validate import (
    ValidationError,
    raise_for_problems,
    validate_parcels_in_district,
    validate_tables,
)


def codes(problems):
    return sorted((p.code, p.row_id) for p in problems)


def test_tiny_workspace_is_valid():
    assert validate_tables(tiny_tables()) == []
    assert validate_parcels_in_district(tiny_tables()) == []


def test_missing_required_column():
    t = tiny_tables()
    t["parcels"] = t["parcels"].drop(columns=["status"])
    problems = validate_tables(t)
    assert ("missing_column", None) in codes(problems)
    assert any(p.column == "status" and "required column" in p.message for p in problems)


def test_unknown_status_and_land_use_code():
    t = tiny_tables()
    t["parcels"].loc[0, "status"] = "demolished"
    t["parcels"].loc[1, "land_use_planned"] = "999999"
    got = codes(validate_tables(t))
    assert ("unknown_status", "P1") in got
    assert ("unknown_land_use", "P2") in got


def test_missing_status_value_is_reported():
    t = tiny_tables()
    t["parcels"].loc[2, "status"] = None
    assert ("unknown_status", "P3") in codes(validate_tables(t))


def test_duplicate_and_empty_ids():
    t = tiny_tables()
    t["parcels"].loc[1, "parcel_id"] = "P1"
    t["parcels"].loc[3, "parcel_id"] = "  "
    got = codes(validate_tables(t))
    assert ("duplicate_id", "P1") in got
    assert ("empty_id", "row 4") in got


def test_area_versions_may_share_an_id():
    t = tiny_tables()
    areas = t["areas"]
    areas["area_id"] = ["Z1", "Z1"]
    areas["version"] = [1, 2]
    assert validate_tables(t) == []
    areas["version"] = [1, 1]
    assert ("duplicate_id", "Z1") in codes(validate_tables(t))


def test_unknown_area_kind():
    t = tiny_tables()
    t["areas"].loc[0, "kind"] = "district"
    assert ("unknown_area_kind", "Z1") in codes(validate_tables(t))


def test_bow_tie_empty_null_and_wrong_type_geometry():
    t = tiny_tables()
    g = t["parcels"].geometry.copy()
    g.iloc[0] = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])  # bow-tie
    g.iloc[1] = Polygon()
    g.iloc[2] = None
    g.iloc[3] = LineString([(0, 0), (1, 1)])
    t["parcels"] = t["parcels"].set_geometry(g)
    got = codes(validate_tables(t))
    assert ("invalid_geometry", "P1") in got
    assert ("empty_geometry", "P2") in got
    assert ("null_geometry", "P3") in got
    assert ("wrong_geometry_type", "P4") in got
    bow = next(p for p in validate_tables(t) if p.code == "invalid_geometry")
    assert "Self-intersection" in bow.message and "make_valid" in bow.message


def test_missing_crs():
    t = tiny_tables()
    t["roads"] = t["roads"].set_crs(None, allow_override=True)
    problems = validate_tables(t)
    assert ("missing_crs", None) in codes(problems)
    assert any(p.table == "roads" and "4534-4554" in p.message for p in problems)


def test_released_after_status_since():
    t = tiny_tables()
    t["parcels"].loc[0, "released_on"] = "2019-06-01"  # after status_since 2018-05-01
    got = codes(validate_tables(t))
    assert ("released_after_status_since", "P1") in got


def test_unparseable_date():
    t = tiny_tables()
    p = t["parcels"].astype({"status_since": object})
    p.loc[2, "status_since"] = "去年"
    t["parcels"] = p
    assert ("bad_date", "P3") in codes(validate_tables(t))


def test_parcel_outside_its_district():
    t = tiny_tables()
    g = t["parcels"].geometry.copy()
    g.iloc[3] = Point(400_000, 4_000_000).buffer(30)
    t["parcels"] = t["parcels"].set_geometry(g)
    got = codes(validate_parcels_in_district(t))
    assert got == [("outside_district", "P4")]


def test_dangling_references_are_warnings():
    t = tiny_tables()
    t["enterprises"].loc[0, "parcel_id"] = "NOPE"
    t["milestones"].loc[0, "subject_id"] = "GONE"
    problems = validate_tables(t)
    assert {(p.code, p.severity) for p in problems} == {
        ("unknown_parcel", "warning"),
        ("unknown_subject", "warning"),
    }
    raise_for_problems(problems)  # warnings do not raise


def test_every_problem_reported_at_once():
    t = tiny_tables()
    t["parcels"].loc[0, "status"] = "bogus"
    t["parcels"].loc[1, "parcel_id"] = "P1"
    t["areas"].loc[1, "kind"] = "bogus"
    problems = validate_tables(t)
    assert len({p.code for p in problems}) == 3
    with pytest.raises(ValidationError, match="3 validation problem"):
        raise_for_problems(problems)


def test_validator_never_modifies_its_input():
    t = tiny_tables()
    bow = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    g = t["parcels"].geometry.copy()
    g.iloc[0] = bow
    t["parcels"] = gpd.GeoDataFrame(t["parcels"].set_geometry(g))
    validate_tables(t)
    assert t["parcels"].geometry.iloc[0].equals(bow)
