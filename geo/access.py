"""Roles (docs/architecture.md §1): who may see which rows and fields, and who may edit.

=============  ===============================================  ==========
role           sees                                             edits
=============  ===============================================  ==========
``planner``    every table, row and field                       yes
``investment`` every table, row and field (招商 officers)        no
``investor``   sites available to supply (status ``released``   no
               or ``stored``), whitelisted fields only; no
               enterprises, no audit log
``public``     as ``investor``                                  no
=============  ===============================================  ==========

Everything here runs on the server: a role's tables are filtered before they
reach a page, a map or an export (:func:`filter_tables`,
:func:`filter_workspace`), and an edit by anyone but a planner raises
:class:`RoleError` in the library (:func:`require_edit`), whatever the UI does.

Investor mode
-------------
A process started with ``TENGLONG_MODE=investor`` (``tenglong serve --mode
investor``) serves investors only. Its loader, :func:`geo.dataset.load_for_mode`, reads
only the whitelisted columns (:data:`INVESTOR_FIELDS`) of the available
parcels from the GeoPackage or PostGIS schema: internal fields are never read
into the process, not read and dropped. In that mode any request to load a
workspace for another role, or to edit, raises :class:`RoleError`.

Production login (OIDC)
-----------------------
Production uses Streamlit's ``st.login`` (OIDC). The user's role comes from a
claim of the identity token, mapped by a TOML file (``config/roles.toml``;
:data:`EXAMPLE_ROLES_TOML` is a commented example).
:func:`load_role_mapping` parses it and :func:`role_for_claims` maps
``st.user`` (a mapping of claims) to a role: a ``[users]`` entry first; else
the most privileged role among the matching claim values; else
``default_role``; else :class:`RoleError`.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from geo import schema, settings
from geo.errors import AccessError
from geo.schema import INTERNAL_FIELDS, TABLES

if TYPE_CHECKING:
    from geo.workspace import Workspace

logger = logging.getLogger(__name__)

Role = Literal["planner", "investment", "investor", "public"]
ROLES: tuple[str, ...] = ("planner", "investment", "investor", "public")
"""Every role, most privileged first."""

SpecRole = Literal["planner", "investment", "investor"]
PUBLIC_ROLE = "public"
"""The public viewer sees exactly what the investor sees (layer specs name ``investor``)."""

SPEC_ROLES: tuple[str, ...] = tuple(r for r in ROLES if r != PUBLIC_ROLE)
"""Roles a map-layer spec names: the public reads the ``investor`` entries."""


def spec_role(role: str) -> str:
    """The role whose spec entries apply: ``public`` reads the ``investor`` entries."""
    return "investor" if role == PUBLIC_ROLE else role


INVESTOR_PARCEL_STATUSES: frozenset[str] = frozenset({"released", "stored"})
"""Parcels an investor may see: freed and not yet supplied to anyone (可供应)."""

NAMED_FIRM_FIELDS: frozenset[str] = frozenset(
    {
        "benefit_score",
        "benefit_class",
        "benefit_rank",
        "enterprise_id",
        "enterprise_name",
        "tax_wan",
        "revenue_wan",
        "added_value_wan",
    }
)
"""亩均 evaluation results and figures of named firms, when joined onto a map table."""


def investor_forbidden_fields(table: str) -> frozenset[str]:
    """Columns of ``table`` that never reach an investor.

    The table's internal columns (:attr:`geo.schema.Table.internal`, e.g.
    ``former_enterprise``, ``owner``, ``compensation_wan_yuan``, ``contact`` of
    parcels) and :data:`NAMED_FIRM_FIELDS`.

    Examples
    --------
    >>> sorted(investor_forbidden_fields("parcels") - NAMED_FIRM_FIELDS)
    ['compensation_wan_yuan', 'contact', 'former_enterprise', 'owner']
    """
    spec = schema.TABLES.get(table)
    internal = frozenset(spec.internal) if spec is not None else schema.INTERNAL_FIELDS
    return internal | NAMED_FIRM_FIELDS


EDIT_ROLES: frozenset[str] = frozenset({"planner"})
"""Roles that may edit planning data."""

RESTRICTED_ROLES: frozenset[str] = frozenset({"investor", "public"})
"""Roles that see only available sites and whitelisted fields."""

MODE_ENV = settings.MODE_ENV
"""Environment variable that puts a process in investor mode (``investor``)."""

MODES: tuple[str, ...] = ("planner", "investor")
"""Process modes: ``planner`` (the default: every role's view can be built) or ``investor``."""

INVESTOR_STATUSES: frozenset[str] = INVESTOR_PARCEL_STATUSES
"""Parcels an investor may see: released (已腾退) or stored (已收储), i.e. available to supply."""

DERIVED_FIELDS: frozenset[str] = frozenset({"area_m2", "area_mu"})
"""Computed from geometry when a workspace is opened; allowed wherever geometry is."""

INVESTOR_FIELDS: dict[str, tuple[str, ...]] = {
    "parcels": (
        "parcel_id",
        "district",
        "status",
        "land_use_now",
        "land_use_planned",
        "industry_before",
        "polluting_history",
        "released_on",
        "status_since",
        "area_mu",
    ),
    "areas": (
        "area_id",
        "name",
        "name_en",
        "kind",
        "layout",
        "parent_id",
        "target_industries",
        "far_min",
        "far_max",
        "coverage_min",
        "green_max",
        "admin_max",
        "invest_wan_per_mu",
        "tax_wan_per_mu",
        "output_wan_per_mu",
        "version",
        "valid_from",
    ),
    "roads": ("road_id", "name"),
    "boundaries": ("adcode", "name", "level"),
    "milestones": ("subject_id", "milestone", "due", "done"),
}
"""The only columns (besides geometry and :data:`DERIVED_FIELDS`) an investor receives.

A table not listed here (``enterprises``, ``audit``, and the supply tables
``contracts``, ``idle_cases``, ``idle_exemptions``) is never given to an
investor. Parcel ``name`` is left out: parcel names often carry the former
firm's name. ``industry_before`` (a GB/T 4754 class, not a firm) and
``polluting_history`` stay: they tell a buyer that a soil investigation is due.
"""

INVESTOR_META_KEYS: tuple[str, ...] = ("name", "name_en", "adcode", "schematic")
"""Workspace ``meta`` keys an investor receives (plus every ``published_*`` figure)."""


EXAMPLE_ROLES_TOML = """\
# Tenglong roles for OIDC logins (st.login): token claim values → roles.
[oidc]
# The claim holding the user's groups or roles. Dots reach into nested
# claims, e.g. "realm_access.roles" (Keycloak) or "roles" (Entra ID app roles).
claim = "groups"
# Role of a logged-in user whom nothing below matches: "" refuses the login.
default_role = ""

[roles]
# claim value = role (planner, investment, investor, public). A user with
# several matching values gets the most privileged role.
"tenglong-planners" = "planner"
"zhaoshang" = "investment"
"investors" = "investor"

[users]
# Optional: e-mail address (the "email" claim, any case) = role; wins over [roles].
"chief.planner@example.gov.cn" = "planner"
"""
"""A commented ``config/roles.toml``."""


class RoleError(AccessError):
    """The role (or the process mode) does not allow this; the message says who may."""


# ---------------------------------------------------------------------------
# Roles and modes
# ---------------------------------------------------------------------------


def check_role(role: str) -> str:
    """``role`` when it is known, else :class:`ValueError` listing the roles."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    return role


def can_edit(role: str) -> bool:
    """True when ``role`` may edit planning data (only the planner).

    Examples
    --------
    >>> can_edit("planner"), can_edit("investment"), can_edit("investor")
    (True, False, False)
    """
    return check_role(role) in EDIT_ROLES


def process_mode() -> str:
    """The process mode from ``$TENGLONG_MODE``: ``planner`` (default) or ``investor``.

    Raises
    ------
    RoleError
        An unknown mode: a mistyped mode must not fall back to the full view.
    """
    mode = (settings.get(MODE_ENV) or "planner").lower()
    if mode not in MODES:
        raise RoleError(
            f"{MODE_ENV}={mode!r} is not a mode; use one of {', '.join(MODES)} "
            f"(or unset it for the planner's full view)"
        )
    return mode


ALLOW_OPEN_PLANNER_ENV = settings.ALLOW_OPEN_PLANNER_ENV
"""``1``: a planner instance may listen beyond loopback without a login (logged loudly)."""

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(address: str | None) -> bool:
    """True for an address only this machine reaches (``127.0.0.1``, ``::1``, ``localhost``).

    A planner instance (every internal field) may listen only there unless a
    login is configured. An empty address means every interface (Streamlit's
    default): not loopback.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1")
    (True, True, True)
    >>> is_loopback("0.0.0.0"), is_loopback(""), is_loopback("10.1.2.3")
    (False, False, False)
    """
    import ipaddress

    value = (address or "").strip().strip("[]").lower()
    if not value:
        return False
    if value in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(value).is_loopback
    except ValueError:
        return False


def open_planner_allowed() -> bool:
    """True when ``$TENGLONG_ALLOW_OPEN_PLANNER`` overrides the loopback rule (``1``, ``true``)."""
    return settings.get_flag(ALLOW_OPEN_PLANNER_ENV)


def check_process_allows(role: str) -> None:
    """Raise :class:`RoleError` when the process mode forbids acting as ``role``.

    In investor mode only the ``investor`` and ``public`` roles may be used.
    """
    check_role(role)
    if process_mode() == "investor" and role not in RESTRICTED_ROLES:
        raise RoleError(
            f"this process runs in investor mode ({MODE_ENV}=investor): it serves "
            f"investors only and cannot act as {role}; start a planner instance "
            f"(`tenglong serve` without --mode investor) for that"
        )


def require_edit(role: str, *, action: str = "edit planning data") -> None:
    """Raise :class:`RoleError` unless ``role`` may edit (and the process allows it).

    Examples
    --------
    >>> require_edit("investment")
    Traceback (most recent call last):
    ...
    geo.access.RoleError: role investment cannot edit planning data: only a planner can
    """
    check_process_allows(role)
    if role not in EDIT_ROLES:
        raise RoleError(f"role {role} cannot {action}: only a planner can")


def require_internal_view(role: str, *, what: str = "internal fields") -> None:
    """Raise :class:`RoleError` when ``role`` may not see internal data (investor, public)."""
    check_process_allows(role)
    if role in RESTRICTED_ROLES:
        raise RoleError(f"role {role} may not see {what}; a planner or investment officer may")


# ---------------------------------------------------------------------------
# Filtering tables for a role
# ---------------------------------------------------------------------------


def investor_columns(table: str, available: Iterable[str]) -> list[str]:
    """The columns of ``table`` an investor receives, in ``available`` order.

    Never an internal column of that table (``TABLES[table].internal``) nor
    one of :data:`geo.layers.NAMED_FIRM_FIELDS`, whatever the whitelist says.
    (Internal-ness is per table: ``enterprises.name`` is a firm's name and
    internal, ``areas.name`` is a park's name and public.)

    Examples
    --------
    >>> investor_columns("parcels", ["parcel_id", "owner", "status", "geometry"])
    ['parcel_id', 'status']
    >>> investor_columns("enterprises", ["enterprise_id", "name"])
    []
    >>> investor_columns("areas", ["area_id", "name", "kind"])
    ['area_id', 'name', 'kind']
    """
    allowed = set(INVESTOR_FIELDS.get(table, ())) | (
        DERIVED_FIELDS if table in INVESTOR_FIELDS else set()
    )
    internal = set(TABLES[table].internal) if table in TABLES else set(INTERNAL_FIELDS)
    allowed -= internal | NAMED_FIRM_FIELDS
    return [c for c in available if c in allowed]


def _is_geo(df: pd.DataFrame) -> bool:
    return hasattr(df, "geometry") and getattr(df, "_geometry_column_name", None) in df.columns


OPEN_CASE_SQL = (
    "SELECT parcel_id FROM {cases} WHERE parcel_id IS NOT NULL "
    "AND (stage IS NULL OR stage <> 'closed')"
)
"""The parcels under an open idle-land case, as SQL (``{cases}``: the quoted table)."""


def open_case_parcels(cases: pd.DataFrame | None) -> set[str]:
    """Parcels under an idle-land case that is not closed: never offered to an investor.

    Examples
    --------
    >>> open_case_parcels(pd.DataFrame({"parcel_id": ["A", "B"], "stage": ["found", "closed"]}))
    {'A'}
    """
    if cases is None or not len(cases) or "parcel_id" not in cases.columns:
        return set()
    stage = cases["stage"] if "stage" in cases.columns else pd.Series(None, index=cases.index)
    open_ = cases[(stage.astype(object) != "closed").to_numpy() & cases["parcel_id"].notna()]
    return set(open_["parcel_id"].astype(str))


def _investor_table(
    name: str, df: pd.DataFrame, visible_subjects: set[str], held: set[str] | None = None
) -> pd.DataFrame:
    cols = investor_columns(name, df.columns)
    if _is_geo(df):
        cols.append(df.geometry.name)
    out = df[cols]
    if name == "parcels":
        status = df["status"] if "status" in df.columns else pd.Series(None, index=df.index)
        offered = status.isin(INVESTOR_STATUSES)
        if held and "parcel_id" in df.columns:
            offered &= ~df["parcel_id"].astype(str).isin(held)
        out = out[offered.to_numpy()]
    elif name == "milestones" and "subject_id" in out.columns:
        out = out[out["subject_id"].astype(str).isin(visible_subjects).to_numpy()]
    return out.copy()


def filter_tables(tables: Mapping[str, pd.DataFrame], role: str) -> dict[str, pd.DataFrame]:
    """The tables (rows and columns) ``role`` may receive.

    Planner and investment officer receive every table unchanged. Investor and
    public receive only the tables of :data:`INVESTOR_FIELDS`: parcels with
    status ``released`` or ``stored`` and under no open idle-land case
    (:func:`open_case_parcels`), whitelisted columns (plus geometry and
    ``area_m2``/``area_mu``), milestones of those parcels and of planning areas.
    """
    check_role(role)
    if role not in RESTRICTED_ROLES:
        return dict(tables)
    visible: set[str] = set()
    held = open_case_parcels(tables.get("idle_cases"))
    parcels = tables.get("parcels")
    if parcels is not None and "parcel_id" in parcels.columns and "status" in parcels.columns:
        visible |= set(
            parcels.loc[parcels["status"].isin(INVESTOR_STATUSES), "parcel_id"].astype(str)
        )
        visible -= held
    areas = tables.get("areas")
    if areas is not None and "area_id" in areas.columns:
        visible |= set(areas["area_id"].astype(str))
    return {
        name: _investor_table(name, df, visible, held)
        for name, df in tables.items()
        if name in INVESTOR_FIELDS
    }


def filter_meta(meta: Mapping[str, str], role: str) -> dict[str, str]:
    """The workspace ``meta`` pairs ``role`` may receive."""
    check_role(role)
    if role not in RESTRICTED_ROLES:
        return dict(meta)
    return {k: v for k, v in meta.items() if k in INVESTOR_META_KEYS or k.startswith("published_")}


def filter_workspace(ws: Workspace, role: str) -> Workspace:
    """A copy of ``ws`` holding only what ``role`` may see (tables, rows, fields, meta).

    Validation problems are dropped for restricted roles (they name internal
    rows and fields).
    """
    check_role(role)
    if role not in RESTRICTED_ROLES:
        return replace(ws, tables=dict(ws.tables), meta=dict(ws.meta))
    return replace(
        ws, tables=filter_tables(ws.tables, role), meta=filter_meta(ws.meta, role), problems=[]
    )


# ---------------------------------------------------------------------------
# OIDC claims → role
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleMapping:
    """How identity-token claims map to roles (parsed from ``config/roles.toml``)."""

    claim: str = "groups"
    """Claim holding the user's groups or roles; dots reach into nested claims."""
    values: Mapping[str, str] = field(default_factory=dict)
    """Claim value → role."""
    users: Mapping[str, str] = field(default_factory=dict)
    """E-mail → role, checked first."""
    default_role: str | None = None
    """Role when nothing matches; None refuses the login."""


def parse_role_mapping(data: Mapping[str, Any], *, source: str = "roles.toml") -> RoleMapping:
    """A :class:`RoleMapping` from parsed TOML; every problem reported at once.

    Examples
    --------
    >>> m = parse_role_mapping({"oidc": {"claim": "groups"}, "roles": {"gh": "planner"}})
    >>> role_for_claims({"groups": ["gh"]}, m)
    'planner'
    """
    problems: list[str] = []
    oidc = data.get("oidc", {})
    if not isinstance(oidc, Mapping):
        problems.append("[oidc] must be a table")
        oidc = {}
    claim = oidc.get("claim", "groups")
    if not isinstance(claim, str) or not claim.strip():
        problems.append('oidc.claim must be a claim name such as "groups"')
        claim = "groups"
    default = oidc.get("default_role", "") or None
    if default is not None and default not in ROLES:
        problems.append(f"oidc.default_role {default!r} is not a role ({', '.join(ROLES)})")
    unknown = sorted(set(data) - {"oidc", "roles", "users"})
    if unknown:
        problems.append(f"unknown section(s) {', '.join(unknown)}; use [oidc], [roles], [users]")

    def _pairs(section: str) -> dict[str, str]:
        raw = data.get(section, {})
        if not isinstance(raw, Mapping):
            problems.append(f'[{section}] must be a table of "value" = "role"')
            return {}
        out = {}
        for key, role in raw.items():
            if role not in ROLES:
                problems.append(f"{section}.{key!r} = {role!r} is not a role ({', '.join(ROLES)})")
            else:
                out[str(key) if section == "roles" else str(key).lower()] = str(role)
        return out

    values, users = _pairs("roles"), _pairs("users")
    if not values and not users and default is None:
        problems.append("no [roles] or [users] entries and no default_role: nobody could log in")
    if problems:
        raise ValueError(f"{source}: " + "; ".join(problems))
    return RoleMapping(claim=claim, values=values, users=users, default_role=default)


def load_role_mapping(path: str | os.PathLike[str]) -> RoleMapping:
    """Read a role-mapping TOML file (see the module docs for its layout).

    Raises
    ------
    ValueError
        The file is not valid TOML or names an unknown role; the message says where.
    """
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"role mapping {p} does not exist; create it (see geo.access)") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{p}: not valid TOML ({err})") from None
    return parse_role_mapping(data, source=str(p))


def _claim(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def role_for_claims(claims: Mapping[str, Any], mapping: RoleMapping) -> str:
    """The role of a logged-in user from the token claims (``st.user``).

    A ``[users]`` entry for the ``email`` claim wins; else the most privileged
    role among the claim's values (a string or a list); else
    ``default_role``.

    Raises
    ------
    RoleError
        No mapping matches and there is no default role: refuse the login.

    Examples
    --------
    >>> m = RoleMapping(claim="groups", values={"a": "investor", "b": "investment"})
    >>> role_for_claims({"groups": ["a", "b"]}, m)
    'investment'
    """
    email = claims.get("email")
    if isinstance(email, str) and email.lower() in mapping.users:
        return mapping.users[email.lower()]
    raw = _claim(claims, mapping.claim)
    values = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list | tuple) else []
    matched = [mapping.values[str(v)] for v in values if str(v) in mapping.values]
    if matched:
        return min(matched, key=ROLES.index)
    if mapping.default_role is not None:
        return mapping.default_role
    who = email if isinstance(email, str) else claims.get("sub", "this user")
    raise RoleError(
        f"{who} has no Tenglong role: none of the values of claim {mapping.claim!r} "
        f"({', '.join(map(str, values)) or 'absent'}) is mapped in the role configuration; "
        f"ask an administrator to add one"
    )


__all__ = [
    "DERIVED_FIELDS",
    "EDIT_ROLES",
    "EXAMPLE_ROLES_TOML",
    "INVESTOR_FIELDS",
    "INVESTOR_META_KEYS",
    "INVESTOR_STATUSES",
    "MODES",
    "MODE_ENV",
    "OPEN_CASE_SQL",
    "RESTRICTED_ROLES",
    "ROLES",
    "Role",
    "RoleError",
    "RoleMapping",
    "can_edit",
    "check_process_allows",
    "check_role",
    "filter_meta",
    "filter_tables",
    "filter_workspace",
    "investor_columns",
    "load_role_mapping",
    "open_case_parcels",
    "parse_role_mapping",
    "process_mode",
    "require_edit",
    "require_internal_view",
    "role_for_claims",
]
