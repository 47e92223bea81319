"""Session state, query parameters and cached workspace loading shared by every page.

What a session holds (``st.session_state`` keys)
-------------------------------------------------
``lang``
    ``"zh"`` (default) or ``"en"``.
``role``
    The sidebar's role picker, local demos only: ``"planner"`` (default on
    localhost) or ``"investment"``. With a login configured the role comes
    from the identity-token claims (:func:`current_role`); presentation mode
    and an investor-mode server always act as ``"investor"``.
``workspace_path``
    The open workspace: a GeoPackage file or a GeoParquet dataset directory
    (a string path). One with more than
    :func:`geo.engine.province.province_threshold` parcels opens in province
    mode (:mod:`geo.app.province`): its parcels are never read into memory.
``opened_workspaces``
    Workspace files the user opened (a path typed in, or an upload saved to a
    temporary folder), offered next to the demo workspaces.
``present``
    Presentation mode (招商演示): only the site finder, investor fields only.
``_working_copies``
    Demo workspace → this session's working copy (:func:`writable_path`): the
    app never writes into ``data/``.

A share link carries the same things as query parameters (``lang``, ``ws``,
``present`` and the site finder's own filters); :func:`restore_from_query`
reads them once, when a session starts.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from geo import settings
from geo.access import (
    RESTRICTED_ROLES,
    RoleError,
    RoleMapping,
    filter_workspace,
    load_role_mapping,
    process_mode,
    role_for_claims,
)
from geo.app.i18n import Lang
from geo.dataset import load_for_mode
from geo.engine.parquet import META_FILE, is_dataset, open_dataset
from geo.engine.province import count_parcels, dataset_token, province_threshold
from geo.store import revision_token
from geo.workspace import Workspace, WorkspaceError, open_workspace

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
STATIC_DIR = ROOT / "static"
"""Served by Streamlit at ``/app/static`` (``server.enableStaticServing``)."""
DEFAULT_WORKSPACE = "data/fuxing.gpkg"
LOCAL_ROLES: tuple[str, ...] = ("planner", "investment")
"""Roles a local user may pick in the sidebar; investors see presentation mode only."""
ROLES_ENV = settings.ROLES_ENV
"""Environment variable naming the role-mapping TOML (default ``config/roles.toml``)."""
WorkspaceKey = tuple[str, str]
"""``(resolved path, revision token)``: what every cache of workspace-derived data is keyed on.

The token (:func:`geo.store.revision_token`) changes with every committed
edit, also while the edit is still in the GeoPackage's ``-wal`` log (the
main file's mtime alone would miss it)."""

_QUERY_DONE = "_query_restored"


# ---------------------------------------------------------------------------
# Workspaces
# ---------------------------------------------------------------------------


def default_workspace_path() -> Path:
    """``$TENGLONG_WORKSPACE``, else the Fuxing demo workspace."""
    own = settings.get_path(settings.WORKSPACE_ENV)
    if own is not None:
        return own
    return ROOT / DEFAULT_WORKSPACE


def demo_workspaces() -> list[Path]:
    """The demo workspaces shipped in ``data/``."""
    return sorted(DATA_DIR.glob("*.gpkg"))


def workspace_key(path: str | os.PathLike[str]) -> WorkspaceKey:
    """``(resolved path, revision token)`` of a workspace file or dataset directory.

    A GeoPackage's token is :func:`geo.store.revision_token`; a GeoParquet
    dataset's is :func:`geo.engine.province.dataset_token`.

    Raises
    ------
    WorkspaceError
        The file does not exist, or a folder is not a dataset (the message
        says what to do).
    """
    p = Path(path)
    try:
        if p.is_dir():
            if not is_dataset(p):
                raise WorkspaceError(
                    f"{p} is a folder but not a Tenglong GeoParquet dataset (no {META_FILE}); "
                    f"create one with `tenglong convert WORKSPACE.gpkg --to parquet {p}`"
                )
            return (str(p.resolve()), dataset_token(p))
        if not p.is_file():
            raise FileNotFoundError(p)
        return (str(p.resolve()), revision_token(p))
    except OSError:
        raise WorkspaceError(
            f"workspace file {p} does not exist; pick a demo workspace in the sidebar "
            f"or give the path of a .gpkg file or a GeoParquet dataset directory"
        ) from None


@st.cache_resource(show_spinner=False, max_entries=64)
def _parcel_count(path: str, revision: str) -> int:
    return count_parcels(path)


def parcel_count(path: str | os.PathLike[str]) -> int:
    """The number of parcels of a workspace, from its metadata (cached per version).

    Raises
    ------
    WorkspaceError
        The workspace does not exist or has no parcels table.
    """
    return _parcel_count(*workspace_key(path))


def province_mode(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` has more parcels than :func:`geo.engine.province.province_threshold`.

    Such a workspace opens in province mode (:mod:`geo.app.province`); a
    workspace that cannot be opened is not (opening it reports why).
    """
    try:
        return parcel_count(path) > province_threshold()
    except WorkspaceError:
        return False


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(path: str, revision: str, investor_only: bool) -> Workspace:
    # Keyed on the revision token: an edited file is read again, an unchanged one never.
    if Path(path).is_dir():
        if investor_only:
            raise WorkspaceError(
                "an investor-mode server opens GeoPackage or PostGIS workspaces only, "
                "not GeoParquet datasets (their internal columns would be read)"
            )
        ws = open_dataset(path, engine="memory")
        assert isinstance(ws, Workspace)
        return ws
    if investor_only:
        # TENGLONG_MODE=investor: internal fields are never read into this process.
        return load_for_mode(path, "investor")
    return open_workspace(path)


def load_workspace(path: str | os.PathLike[str]) -> Workspace:
    """Open a workspace once per file version (cached across reruns and sessions).

    A GeoParquet dataset directory is read into memory as a GeoPackage is
    (:func:`geo.engine.parquet.open_dataset`), unless it is province-size. A
    server in investor mode (``TENGLONG_MODE=investor``) reads only what an
    investor may see (:func:`geo.dataset.load_for_mode`).

    Raises
    ------
    WorkspaceError
        The workspace cannot be opened, or it is province-size
        (:func:`province_mode`: open it with :func:`geo.app.province.open_province`).
    """
    key = workspace_key(path)
    if province_mode(path):
        raise WorkspaceError(
            f"{Path(path).name} has {parcel_count(path):,} parcels: it opens in province mode "
            f"(more than {province_threshold():,}), never whole in memory"
        )
    return _load(*key, investor_process())


@dataclass
class ViewWorkspace(Workspace):
    """A small part of a larger workspace in memory, with a cache key of its own.

    Province mode (:mod:`geo.app.province`) puts the parcels it reads for a
    view (one parcel for its card) in one, so that the cached calculations
    of :mod:`geo.app.compute` keyed on :func:`ws_key` never mix it up with
    another part of the same dataset.
    """

    view_key: WorkspaceKey = ("", "")


def ws_key(ws: Workspace) -> WorkspaceKey:
    """The cache key of an opened workspace."""
    if isinstance(ws, ViewWorkspace):
        return ws.view_key
    return workspace_key(ws.path)


@st.cache_resource(show_spinner=False, max_entries=8)
def _restricted(_ws: Workspace, key: WorkspaceKey, role: str) -> Workspace:
    return filter_workspace(_ws, role)


def workspace_for(ws: Workspace, role: str) -> Workspace:
    """``ws`` as ``role`` may see it (rows and fields filtered on the server).

    Investors and the public get :func:`geo.access.filter_workspace`; planners
    and investment officers get ``ws`` itself.
    """
    if role not in RESTRICTED_ROLES:
        return ws
    return _restricted(ws, ws_key(ws), role)


def current_workspace_path() -> Path:
    """The workspace file this session has open."""
    value = st.session_state.get("workspace_path")
    return Path(value) if value else default_workspace_path()


def opened_workspaces() -> list[str]:
    """Workspace files this session opened besides the demo workspaces."""
    return st.session_state.setdefault("opened_workspaces", [])


def add_opened_workspace(path: Path) -> None:
    """Offer ``path`` in the workspace picker and open it from the next run on.

    The picker is a widget whose value cannot change once drawn, so the
    choice waits in ``_pending_workspace`` until :func:`apply_pending_workspace`.
    """
    value = str(path)
    opened = opened_workspaces()
    if value not in opened:
        opened.append(value)
    st.session_state["_pending_workspace"] = value


def apply_pending_workspace() -> None:
    """Open the workspace chosen during the last run (call before the picker is drawn)."""
    value = st.session_state.pop("_pending_workspace", None)
    if value:
        st.session_state["workspace_path"] = value


@st.cache_resource(show_spinner=False)
def upload_dir() -> Path:
    """A private temporary folder for uploaded workspace files (one per server process)."""
    return Path(tempfile.mkdtemp(prefix="tenglong-uploads-"))


def save_upload(name: str, data: bytes) -> Path:
    """Save an uploaded ``.gpkg`` under :func:`upload_dir` and return its path.

    Only the base name is kept, so a crafted name cannot escape the folder.
    """
    stem = Path(name).name.removesuffix(".gpkg") or "upload"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:60] or "upload"
    folder = Path(tempfile.mkdtemp(dir=upload_dir()))
    target = folder / f"{safe}.gpkg"
    target.write_bytes(data)
    logger.info("saved upload %s (%d bytes) to %s", name, len(data), target)
    return target


def is_demo(path: str | os.PathLike[str]) -> bool:
    """True for a demo workspace shipped in ``data/`` (never written by the app)."""
    return Path(path).resolve().parent == DATA_DIR.resolve()


def writable_path(path: str | os.PathLike[str]) -> Path:
    """The file an edit or import writes: the workspace itself, or this session's copy of a demo.

    The first write to a demo workspace copies it to a private temporary
    folder (:func:`upload_dir`); later writes in the same session reuse that
    copy. Open the returned path (:func:`add_opened_workspace`) when it
    differs from ``path`` so the user sees the change.
    """
    p = Path(path).resolve()
    if not is_demo(p):
        return p
    copies: dict[str, str] = st.session_state.setdefault("_working_copies", {})
    if str(p) not in copies or not Path(copies[str(p)]).exists():
        folder = Path(tempfile.mkdtemp(dir=upload_dir()))
        copy = folder / f"{p.stem}-working-copy.gpkg"
        shutil.copy2(p, copy)
        copies[str(p)] = str(copy)
        logger.info("working copy of %s: %s", p, copy)
    return Path(copies[str(p)])


def ws_param(path: str | os.PathLike[str]) -> str:
    """How a share link names a workspace: a demo's stem (``fuxing``) or the file path."""
    p = Path(path).resolve()
    if p.parent == DATA_DIR.resolve():
        return p.stem
    return str(p)


def resolve_ws_param(value: str) -> Path | None:
    """The workspace file a share link names, or None when it names none that exists."""
    value = value.strip()
    if not value:
        return None
    demo = DATA_DIR / f"{value}.gpkg"
    if "/" not in value and demo.exists():
        return demo
    p = Path(value)
    if investor_process() and p.resolve() != default_workspace_path().resolve():
        return None  # an investor server opens only its own workspace and the demos
    if p.suffix.lower() == ".gpkg" and p.is_file():
        return p
    if is_dataset(p):
        return p
    return None


# ---------------------------------------------------------------------------
# Language, role, presentation
# ---------------------------------------------------------------------------


def lang() -> Lang:
    """The UI language of this session (``"zh"`` by default)."""
    value = st.session_state.get("lang", "zh")
    return "en" if value == "en" else "zh"


def investor_process() -> bool:
    """True when this server runs in investor mode (``TENGLONG_MODE=investor``)."""
    try:
        return process_mode() == "investor"
    except Exception:  # an unknown mode must not fall back to the full view
        logger.exception("unknown process mode; serving investors only")
        return True


def presenting() -> bool:
    """True in presentation mode (an investor is looking)."""
    return investor_process() or bool(st.session_state.get("present", False))


def role() -> str:
    """The role the pages act as: ``investor`` when presenting, else :func:`current_role`."""
    if presenting():
        return "investor"
    return current_role()


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


def current_role() -> str:
    """The role of this session's user.

    * investor-mode server (:func:`geo.access.process_mode` is ``investor``):
      ``investor``, always;
    * login configured (:func:`auth_configured`): from the ``st.user`` claims
      through the role mapping (:func:`role_mapping_path`); ``public`` before
      the login;
    * otherwise (localhost): the sidebar's choice, ``planner`` by default.

    Raises
    ------
    geo.access.RoleError
        The logged-in user's claims map to no role; :class:`ValueError` for a
        broken role mapping.
    """
    if investor_process():
        return "investor"
    login = auth_configured()
    claims = user_claims() if login else None
    mapping = None
    if login and claims is not None:
        path = role_mapping_path()
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            mtime = 0
        mapping = _role_mapping(str(path), mtime)
    return resolve_role(
        investor_mode=False,
        login=login,
        claims=claims,
        mapping=mapping,
        picked=st.session_state.get("role"),
    )


def current_user() -> str:
    """Who edits (for the audit table): the logged-in user's e-mail or name, else local."""
    claims = user_claims()
    if claims:
        for k in ("email", "preferred_username", "name", "sub"):
            if claims.get(k):
                return str(claims[k])
    try:
        name = getpass.getuser()
    except Exception:  # no user name in this environment
        name = "planner"
    return f"{name}@localhost"


TRANSLATED_WIDGETS: tuple[str, ...] = (
    "role",
    "workspace_path",
    "basemap",
    "ov_status",
    "ov_area",
    "ov_industry",
    "pv_status",
    "pv_area",
    "pv_unit",
    "pv_dims",
    "freed_by",
    "layout_choice",
    "cmp_mode",
    "cmp_a",
    "cmp_b",
    "cmp_area",
    "site_choice",
    "benefit_preset",
    "sf_area",
    "sf_industry",
    "import_table_choice",
    "import_shift",
    "import_mode",
    "export_role",
)
"""Keys of widgets whose option labels depend on the language."""


def refresh_translated_widgets() -> None:
    """After a language switch, send the selected options' new labels to the browser.

    A keyed select widget keeps its identity when only its labels change, and
    the browser would go on showing the old language; assigning the value
    again makes Streamlit send it with the new label.
    """
    current = lang()
    if st.session_state.get("_rendered_lang", current) != current:
        for key in TRANSLATED_WIDGETS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]
    st.session_state["_rendered_lang"] = current


def _truthy(value: str | None) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def restore_from_query() -> None:
    """Read ``lang``, ``ws`` and ``present`` from the URL, once per session."""
    if st.session_state.get(_QUERY_DONE):
        return
    st.session_state[_QUERY_DONE] = True
    qp = st.query_params
    if qp.get("lang") in ("zh", "en"):
        st.session_state["lang"] = qp["lang"]
    ws = resolve_ws_param(qp.get("ws", ""))
    if ws is not None:
        if ws.resolve().parent != DATA_DIR.resolve():
            opened = opened_workspaces()
            if str(ws.resolve()) not in opened:
                opened.append(str(ws.resolve()))
        st.session_state["workspace_path"] = str(ws.resolve())
    if _truthy(qp.get("present")):
        st.session_state["present"] = True


def query_value(name: str, default: Any = None) -> Any:
    """A query parameter of the URL this session was opened with."""
    return st.query_params.get(name, default)
