"""Who is logged in and which role the login gives (docs/architecture.md §1, §8).

The pure part (:func:`resolve_role`) and Streamlit's login (``st.user``,
``st.secrets``); :func:`geo.app.state.current_role` puts them together for a
session.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from geo import settings
from geo.access import RoleError, RoleMapping, load_role_mapping, role_for_claims

ROOT = Path(__file__).resolve().parents[2]
ROLES_ENV = settings.ROLES_ENV
LOCAL_ROLES: tuple[str, ...] = ("planner", "investment")
"""Roles a local user may pick in the sidebar; investors see presentation mode only."""


def auth_configured() -> bool:
    """True when Streamlit's login is configured (``st.secrets`` has an ``[auth]`` section)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all, or an unreadable one: no login
        return False


def role_mapping_path() -> Path:
    """``$TENGLONG_ROLES``, else ``config/roles.toml`` of the project."""
    return settings.get_path(ROLES_ENV) or ROOT / "config" / "roles.toml"


def resolve_role(
    *,
    investor_mode: bool,
    login: bool,
    claims: Mapping[str, Any] | None,
    mapping: RoleMapping | None,
    picked: str | None,
) -> str:
    """The role of a user: the pure part of :func:`current_role`.

    Parameters
    ----------
    investor_mode
        The server runs with ``TENGLONG_MODE=investor``: always ``investor``.
    login
        A login is configured: the role comes only from ``claims``.
    claims
        The identity-token claims of the logged-in user (None: not logged in).
    mapping
        How claims map to roles (:func:`geo.access.load_role_mapping`).
    picked
        The sidebar's choice, used only without a login (local demos).

    Raises
    ------
    geo.access.RoleError
        A logged-in user whose claims map to no role, or a login configured
        without a role mapping.

    Examples
    --------
    >>> resolve_role(investor_mode=False, login=False, claims=None, mapping=None, picked=None)
    'planner'
    >>> resolve_role(investor_mode=True, login=False, claims=None, mapping=None, picked="planner")
    'investor'
    """
    if investor_mode:
        return "investor"
    if not login:
        return picked if picked in LOCAL_ROLES else "planner"
    if claims is None:
        return "public"  # not logged in: sees nothing (the app asks for the login first)
    if mapping is None:
        raise RoleError("a login is configured but no role mapping: nobody gets a role")
    return role_for_claims(claims, mapping)


@st.cache_resource(show_spinner=False, max_entries=4)
def _role_mapping(path: str, mtime_ns: int) -> RoleMapping:
    return load_role_mapping(path)


def logged_in() -> bool:
    """True when a user logged in through Streamlit's login (``st.user.is_logged_in``)."""
    try:
        return bool(st.user.get("is_logged_in", False))
    except Exception:  # no login configured, or outside a running app
        return False


def user_claims() -> dict[str, Any] | None:
    """The logged-in user's identity-token claims (``st.user``), or None."""
    if not logged_in():
        return None
    try:
        return dict(st.user.to_dict())
    except Exception:  # no login configured, or outside a running app
        return None
