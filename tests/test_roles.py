"""Roles: what each role receives, investor mode, no edits but by planners, OIDC role mapping."""

from __future__ import annotations

import tomllib

import pyogrio
import pytest

from geo import access as roles
from geo.access import (
    EXAMPLE_ROLES_TOML,
    INVESTOR_FIELDS,
    RoleError,
    RoleMapping,
    filter_tables,
    filter_workspace,
    load_role_mapping,
    parse_role_mapping,
    role_for_claims,
)
from geo.dataset import load_for_mode
from geo.schema import TABLES
from geo.store import open_store
from geo.workspace import open_workspace

pytest_plugins = ("pg_fixture",)

INTERNAL_PARCEL_FIELDS = {"former_enterprise", "owner", "compensation_wan_yuan", "contact"}
ALLOWED_EXTRA = {"geometry", "area_m2", "area_mu"}


@pytest.fixture
def tiny_ws(tiny_path):
    return open_workspace(tiny_path)


@pytest.mark.parametrize("role", ["planner", "investment"])
def test_planner_and_investment_see_everything(tiny_ws, role):
    out = filter_tables(tiny_ws.tables, role)
    assert set(out) == set(tiny_ws.tables)
    assert set(out["parcels"].columns) >= INTERNAL_PARCEL_FIELDS
    assert len(out["parcels"]) == 4 and "enterprises" in out
    assert filter_workspace(tiny_ws, role).meta == tiny_ws.meta


@pytest.mark.parametrize("role", ["investor", "public"])
def test_investor_sees_available_sites_and_whitelisted_fields(tiny_ws, role):
    out = filter_tables(tiny_ws.tables, role)
    assert set(out) == {"parcels", "areas", "roads", "boundaries", "milestones"}
    for name, df in out.items():
        assert set(df.columns) <= set(INVESTOR_FIELDS[name]) | ALLOWED_EXTRA, name
        assert not set(df.columns) & set(TABLES[name].internal)
    assert sorted(out["parcels"]["parcel_id"]) == ["P1", "P2"]  # released, stored
    assert "name" not in out["parcels"].columns  # parcel names may name the old firm
    assert "name" in out["areas"].columns  # a park's name is public
    assert sorted(out["milestones"]["subject_id"]) == ["P1", "Z1"]  # not P3 (operating)
    ws = filter_workspace(tiny_ws, role)
    assert ws.meta == {"name": "测试", "schematic": "1", "published_freed_mu": "45"}
    assert ws.problems == []
    assert len(tiny_ws.parcels) == 4 and "owner" in tiny_ws.parcels  # input untouched


def test_unknown_role():
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        filter_tables({}, "boss")


def test_investor_load_reads_only_whitelisted_columns(tiny_path, monkeypatch):
    calls: list[dict] = []
    real = pyogrio.read_dataframe

    def spy(path, **kw):
        calls.append(kw)
        return real(path, **kw)

    monkeypatch.setattr(pyogrio, "read_dataframe", spy)
    ws = load_for_mode(tiny_path, "investor")
    read = {c["layer"]: c for c in calls}
    assert "enterprises" not in read and "audit" not in read
    for layer, kw in read.items():
        if layer == "meta":
            continue
        assert set(kw["columns"]) <= set(INVESTOR_FIELDS[layer]) | ALLOWED_EXTRA, layer
    assert "status IN ('released', 'stored')" in read["parcels"]["where"]
    assert sorted(ws.parcels["parcel_id"]) == ["P1", "P2"]
    assert not INTERNAL_PARCEL_FIELDS & set(ws.parcels.columns)
    assert ws.parcels.set_index("parcel_id").loc["P1", "area_mu"] == pytest.approx(15.0, rel=1e-6)
    assert "negotiator" not in ws.meta


def test_investor_mode_process(tiny_target, monkeypatch):
    """Under TENGLONG_MODE=investor nothing internal can be loaded and nothing edited."""
    monkeypatch.setenv("TENGLONG_MODE", "investor")
    ws = load_for_mode(tiny_target)  # the mode comes from the environment
    assert sorted(ws.parcels["parcel_id"]) == ["P1", "P2"]
    assert not INTERNAL_PARCEL_FIELDS & set(ws.parcels.columns)
    assert "enterprises" not in ws.tables
    with pytest.raises(RoleError, match="investor mode"):
        load_for_mode(tiny_target, "planner")
    for role in ("planner", "investment"):
        with pytest.raises(RoleError, match="investor mode"):
            open_store(tiny_target, user="王工", role=role)
    with open_store(tiny_target, user="访客", role="investor") as s:
        with pytest.raises(RoleError):
            s.set_status("P1", "stored")
        with pytest.raises(RoleError):
            s.history()
    monkeypatch.setenv("TENGLONG_MODE", "investr")
    with pytest.raises(RoleError, match="not a mode"):
        load_for_mode(tiny_target)


@pytest.mark.parametrize("role", ["investment", "investor", "public"])
def test_no_library_route_edits_for_non_planners(tiny_target, role, make_schema_url, tiny_path):
    from geo.store.migrate import gpkg_to_postgis

    with open_store(tiny_target, user="x", role=role) as s:
        for attempt in (
            lambda: s.set_status("P1", "stored", on="2024-01-01"),
            lambda: s.set_status("P1", "stored", force=True),
            lambda: s.update_parcel("P1", {"owner": "x"}),
            lambda: s.update_parcel("P1", {"geometry": s.parcel("P1").geometry}),
        ):
            with pytest.raises(RoleError):
                attempt()
    with pytest.raises(RoleError):
        gpkg_to_postgis(tiny_path, make_schema_url(), role=role)
    with open_store(tiny_target, user="check") as s:
        assert s.history().empty


def test_planner_mode_loads_everything(tiny_target):
    ws = load_for_mode(tiny_target, "planner")
    assert len(ws.parcels) == 4 and set(ws.parcels.columns) >= INTERNAL_PARCEL_FIELDS


# ---------------------------------------------------------------------------
# OIDC claims → roles
# ---------------------------------------------------------------------------


@pytest.fixture
def mapping() -> RoleMapping:
    return parse_role_mapping(tomllib.loads(EXAMPLE_ROLES_TOML))


def test_example_configuration(mapping):
    assert mapping.claim == "groups" and mapping.default_role is None
    assert role_for_claims({"groups": ["tenglong-planners"]}, mapping) == "planner"
    assert role_for_claims({"groups": "zhaoshang"}, mapping) == "investment"
    # several groups: the most privileged role
    assert role_for_claims({"groups": ["investors", "zhaoshang"]}, mapping) == "investment"
    # a user entry wins, e-mail in any case
    claims = {"email": "Chief.Planner@example.gov.cn", "groups": ["investors"]}
    assert role_for_claims(claims, mapping) == "planner"
    with pytest.raises(RoleError, match=r"no Tenglong role.*administrator"):
        role_for_claims({"email": "a@b.cn", "groups": ["staff"]}, mapping)
    with pytest.raises(RoleError, match="absent"):
        role_for_claims({"sub": "123"}, mapping)


def test_nested_claim_and_default_role(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(
        '[oidc]\nclaim = "realm_access.roles"\ndefault_role = "public"\n'
        '[roles]\n"tl-planner" = "planner"\n',
        encoding="utf-8",
    )
    m = load_role_mapping(path)
    assert role_for_claims({"realm_access": {"roles": ["x", "tl-planner"]}}, m) == "planner"
    assert role_for_claims({"realm_access": {"roles": ["x"]}}, m) == "public"
    assert role_for_claims({}, m) == "public"


def test_bad_configurations_report_every_problem(tmp_path):
    with pytest.raises(ValueError) as info:
        parse_role_mapping(
            {"oidc": {"default_role": "admin"}, "roles": {"g": "boss"}, "extra": {}},
            source="r.toml",
        )
    msg = str(info.value)
    assert "r.toml" in msg and "'admin' is not a role" in msg and "'boss' is not a role" in msg
    assert "unknown section(s) extra" in msg
    with pytest.raises(ValueError, match="nobody could log in"):
        parse_role_mapping({"oidc": {"claim": "groups"}})
    with pytest.raises(ValueError, match="does not exist"):
        load_role_mapping(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[oidc\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_role_mapping(bad)


def test_can_edit_and_process_mode(monkeypatch):
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    assert roles.process_mode() == "planner"
    assert [roles.can_edit(r) for r in roles.ROLES] == [True, False, False, False]
    roles.require_edit("planner")
    monkeypatch.setenv("TENGLONG_MODE", "investor")
    with pytest.raises(RoleError, match="investor mode"):
        roles.require_edit("planner")
