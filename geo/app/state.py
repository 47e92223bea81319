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
    The open workspace: a GeoPackage file, a GeoParquet dataset directory
    (a string path) or a PostGIS schema (``postgresql://…?schema=NAME``,
    :data:`Target`). One with more than
    :func:`geo.dataset.large.large_threshold` parcels is large
    (:func:`is_large`): its parcels are never read whole into memory, the
    pages read them from GeoParquet (:func:`load_large`).
``opened_workspaces``
    Workspace files the user opened (a path typed in, or an upload saved to a
    temporary folder), offered next to the demo workspaces.
``present``
    Presentation mode (招商演示): only the site finder, investor fields only.
``_working_copies``
    Demo workspace → this session's working copy (:func:`writable_path`): the
    app never writes into ``data/``.

``_share``
    A session opened with a valid share token (``?share=TOKEN``,
    :mod:`geo.sharing`): the :class:`geo.sharing.Share` it grants, set at the
    session's first run and never changed. Such a session is an investor
    session for its whole life: :func:`role` is ``investor``,
    :func:`presenting` is True and :func:`current_workspace_path` is the
    token's workspace, whatever the session state, the widgets or the URL
    say; no other query parameter is read.
``_share_refused``
    The reason a session's share token was refused (the app then shows the
    refusal page and nothing else, for the session's whole life).

A planner's view link carries ``lang``, ``ws``, ``present`` and the site
finder's own filters as query parameters; :func:`restore_from_query` reads
them once, when a session starts.

Uploads and demo working copies: :mod:`geo.app.uploads`; the UI language and
widgets whose labels follow it: :mod:`geo.app.language`.
"""

from __future__ import annotations

import getpass
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import streamlit as st

from geo import settings, sharing
from geo.access import (
    ALLOW_OPEN_PLANNER_ENV,
    RESTRICTED_ROLES,
    RoleError,
    filter_workspace,
    is_loopback,
    open_planner_allowed,
    process_mode,
)
from geo.app.language import (  # noqa: F401  (state.lang() and the others stay)
    TRANSLATED_WIDGETS,
    lang,
    refresh_translated_widgets,
    untranslate,
)
from geo.app.login import (  # noqa: F401 (re-exported: the app asks state)
    LOCAL_ROLES,
    _role_mapping,
    auth_configured,
    logged_in,
    resolve_role,
    role_mapping_path,
    user_claims,
)
from geo.app.targets import (  # noqa: F401  (re-exported: the pages ask state)
    Target,
    as_target,
    read_key,
    target_key,
    target_name,
    ws_name,
)
from geo.app.uploads import (  # noqa: F401  (state.save_upload() and the others stay)
    DEFAULT_UPLOAD_CAP_MB,
    UPLOAD_CAP_ENV,
    UPLOAD_DIR_ENV,
    UploadRefusedError,
    remove_ended_sessions,
    remove_stale_process_dirs,
    save_upload,
    session_upload_dir,
    upload_cap_bytes,
    upload_dir,
    upload_root,
    uploads_size_bytes,
)
from geo.crs import DISPLAY_EPSG, warm_transforms
from geo.dataset import open_dataset, revision_of
from geo.dataset.large import count_parcels, dataset_for, large_threshold
from geo.dataset.parquet import ParquetDataset, is_dataset
from geo.store import is_postgres_url
from geo.workspace import Workspace, WorkspaceError

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"
STATIC_DIR = ROOT / "static"
"""Served by Streamlit at ``/app/static`` (``server.enableStaticServing``)."""
DEFAULT_WORKSPACE = "data/fuxing.gpkg"
ROLES_ENV = settings.ROLES_ENV
"""Environment variable naming the role-mapping TOML (default ``config/roles.toml``)."""
WorkspaceKey = tuple[str, str]
"""``(resolved path or PostGIS URL without its password, revision token)``: what every
cache of workspace-derived data is keyed on.

The token (:func:`geo.store.revision_token`) changes with every committed
edit, also while the edit is still in the GeoPackage's ``-wal`` log (the
main file's mtime alone would miss it)."""

_QUERY_DONE = "_query_restored"
SHARE_KEY = "_share"
SHARE_REFUSED_KEY = "_share_refused"
# ---------------------------------------------------------------------------
# Workspaces
# ---------------------------------------------------------------------------


def default_workspace_path() -> Target:
    """``$TENGLONG_WORKSPACE`` (a path or a PostGIS URL), else the Fuxing demo workspace."""
    own = settings.get(settings.WORKSPACE_ENV)
    if own is not None:
        return as_target(own)
    return ROOT / DEFAULT_WORKSPACE


def demo_workspaces() -> list[Path]:
    """The demo workspaces shipped in ``data/``."""
    return sorted(DATA_DIR.glob("*.gpkg"))


def workspace_key(path: str | os.PathLike[str]) -> WorkspaceKey:
    """``(target_key, revision token)`` of a workspace (:func:`geo.dataset.revision_of`).

    Raises
    ------
    WorkspaceError
        The file does not exist, a folder is not a dataset, or a PostGIS
        schema cannot be read (the message says what to do).
    """
    return (target_key(path), revision_of(path))


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


def is_large(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` has more parcels than :func:`geo.dataset.large.large_threshold`.

    Such a workspace is read from GeoParquet (:func:`load_large`); a
    workspace that cannot be opened is not large (opening it reports why).
    A PostGIS schema is read into memory whatever its size.
    """
    if is_postgres_url(str(path)):
        return False
    try:
        return parcel_count(path) > large_threshold()
    except WorkspaceError:
        return False


@st.cache_resource(show_spinner=False, max_entries=8)
def _load(_target: Target, path: str, revision: str, investor_only: bool) -> Workspace:
    # Keyed on the revision token: an edited file is read again, an unchanged one never
    # (and on the URL without its password: ``_target`` is not part of the key).
    # TENGLONG_MODE=investor: internal fields are never read into this process.
    target = _target if isinstance(_target, str) else path
    ws = open_dataset(target, in_memory=True, mode="investor" if investor_only else "planner")
    assert isinstance(ws, Workspace)
    return ws


def load_workspace(path: str | os.PathLike[str]) -> Workspace:
    """Open a workspace once per file version (cached across reruns and sessions).

    A GeoParquet dataset directory is read into memory as a GeoPackage is
    (:func:`geo.dataset.parquet.open_dataset`), unless it is large. A
    server in investor mode (``TENGLONG_MODE=investor``) reads only what an
    investor may see (:func:`geo.dataset.load_for_mode`).

    Raises
    ------
    WorkspaceError
        The workspace cannot be opened, or it is large (:func:`is_large`:
        open it with :func:`load_large`).
    """
    key = workspace_key(path)
    if is_large(path):
        raise WorkspaceError(
            f"{Path(path).name} has {parcel_count(path):,} parcels: it is read from GeoParquet "
            f"(more than {large_threshold():,}), never whole in memory"
        )
    return _load(as_target(path), *key, investor_process())


NO_PARCELS: tuple[str, ...] = ()
"""``statuses`` of :func:`load_large` that reads no parcel: the page asks the dataset itself."""


@st.cache_resource(show_spinner=False, max_entries=4)
def _open_large(path: str, revision: str) -> ParquetDataset:
    # A GeoPackage is converted once per revision (an edit makes a new revision: the
    # dataset is converted again, never read stale).
    ds = open_dataset(dataset_for(path), validate=False)
    assert isinstance(ds, ParquetDataset)
    # the map's pans transform between the display and the dataset's CRS
    warm_transforms((DISPLAY_EPSG, ds.crs), (ds.crs, DISPLAY_EPSG))
    return ds


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_large(
    path: str,
    revision: str,
    columns: tuple[str, ...] | None,
    statuses: tuple[str, ...] | None,
) -> ViewWorkspace:
    # Only the asked columns/rows are read; NO_PARCELS: none (an empty frame of the columns).
    ds = _open_large(path, revision)
    none = statuses is not None and not statuses
    if none:
        names = [c for c in (columns or ds.info.parcel_columns) if c != "geometry"]
        parcels = gpd.GeoDataFrame({c: [] for c in names}, geometry=[], crs=ds.crs)
    else:
        parcels = ds.read("parcels", columns=columns, statuses=statuses)
    selection = "" if columns is None and statuses is None else f"|{columns}|{statuses}"
    return ViewWorkspace(
        path=Path(path),
        tables={"parcels": parcels, **{k: v for k, v in ds.tables.items() if k != "parcels"}},
        crs=ds.crs,
        meta=dict(ds.meta),
        token=revision,
        view_key=(path, revision + selection),
        dataset=ds if none else None,
    )


def load_large(
    path: str | os.PathLike[str],
    *,
    columns: tuple[str, ...] | None = None,
    statuses: tuple[str, ...] | None = None,
) -> ViewWorkspace:
    """A large workspace (:func:`is_large`), read from GeoParquet.

    A GeoParquet dataset directory is read as it is; a GeoPackage through its
    conversion (:func:`geo.dataset.large.dataset_for`, once per revision).
    Only ``columns`` of the parcels of ``statuses`` are read (default: all;
    :data:`NO_PARCELS`: none, for the pages that ask the dataset through
    the engine and the viewport, :func:`large_dataset`), without the
    validation of :func:`load_workspace`; cached per revision and
    selection, shared by every session. The figures the pages compute
    from it are those of the same workspace opened in memory (tested in
    ``tests/test_app_large.py``).

    Raises
    ------
    WorkspaceError
        The workspace cannot be opened, or this is an investor-mode server
        (it never opens a large workspace).
    """
    if investor_process():
        raise WorkspaceError(
            "an investor-mode server does not open large workspaces; "
            "start a planner instance for them"
        )
    key = workspace_key(path)
    return _load_large(*key, columns, statuses)


@dataclass
class ViewWorkspace(Workspace):
    """A part of a larger workspace in memory, with a cache key of its own.

    :func:`load_large` reads the parcels a page names into one, and the
    map of a large workspace puts a parcel it shows into one for its card,
    so that the cached calculations of :mod:`geo.app.compute` keyed on
    :func:`ws_key` never mix it up with another part of the same dataset.
    """

    view_key: WorkspaceKey = ("", "")
    dataset: ParquetDataset | None = None
    """The GeoParquet dataset of a large workspace opened with no parcel
    (:data:`NO_PARCELS`): the pages ask it instead of ``parcels``; else None."""


def large_dataset(ws: Workspace) -> ParquetDataset | None:
    """The GeoParquet dataset of a large workspace opened with :data:`NO_PARCELS`, or None.

    The pages ask it for what they show (:mod:`geo.engine`, :mod:`geo.viewport`)
    instead of ``ws.parcels``, which holds no parcel then.
    """
    return ws.dataset if isinstance(ws, ViewWorkspace) else None


def dataset_key(ws: Workspace) -> WorkspaceKey:
    """``(path, revision)`` of a workspace, whatever part of it ``ws`` holds."""
    if isinstance(ws, ViewWorkspace):
        return (ws.view_key[0], str(ws.token))
    return read_key(ws) or workspace_key(ws_target(ws))


def ws_key(ws: Workspace) -> WorkspaceKey:
    """The cache key of an opened workspace."""
    if isinstance(ws, ViewWorkspace):
        return ws.view_key
    return read_key(ws) or workspace_key(ws_target(ws))


def ws_target(ws: Workspace) -> Target:
    """Where ``ws`` was opened from: what edits, imports and the store open.

    A file or dataset directory is ``ws.path``. A PostGIS workspace records
    its URL without the password (``ws.url``); the URL with it is this
    session's own workspace or ``$TENGLONG_WORKSPACE``, whichever it is.
    """
    url = getattr(ws, "url", "")
    if not url:
        return ws.path
    value = st.session_state.get("workspace_path") if st.runtime.exists() else None
    for known in (as_target(value) if value else None, default_workspace_path()):
        if isinstance(known, str) and target_key(known) == url:
            return known
    return url


def same_target(target: str | os.PathLike[str], ws: Workspace) -> bool:
    """True when ``target`` is where ``ws`` was opened from (no working copy was made)."""
    return target_key(target) == target_key(ws_target(ws))


@st.cache_resource(show_spinner=False, max_entries=8)
def _restricted(_ws: Workspace, key: WorkspaceKey, role: str) -> Workspace:
    return filter_workspace(_ws, role)


def workspace_for(ws: Workspace, role: str) -> Workspace:
    """``ws`` as ``role`` may see it (rows and fields filtered on the server).

    Investors and the public get :func:`geo.access.filter_workspace`; planners
    and investment officers get ``ws`` itself. A share session or an
    investor-mode server gets the investor's view whatever ``role`` says.
    """
    if role not in RESTRICTED_ROLES:
        if not investor_locked():
            return ws
        role = "investor"
    return _restricted(ws, ws_key(ws), role)


def current_workspace_path() -> Target:
    """The workspace this session has open (a path, or a PostGIS URL).

    A share session (:func:`share_session`) has its token's workspace and an
    investor-mode server its own workspace, whatever the session state says.
    """
    if share_session() is not None:
        return as_target(st.session_state[SHARE_KEY + "_path"])
    if investor_process():
        return default_workspace_path()
    value = st.session_state.get("workspace_path")
    return as_target(value) if value else default_workspace_path()


def opened_workspaces() -> list[str]:
    """Workspace files this session opened besides the demo workspaces."""
    return st.session_state.setdefault("opened_workspaces", [])


def add_opened_workspace(path: Target) -> None:
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


NEW_WORKSPACE_BYTES = 2_000_000
"""Room an empty workspace needs, counted against :func:`upload_cap_bytes` (it holds ~150 kB)."""


def new_workspace_dir() -> Path | None:
    """``$TENGLONG_NEW_WORKSPACE_DIR``: where created workspaces are kept, or None (temporary)."""
    return settings.get_path(settings.NEW_WORKSPACE_DIR_ENV)


def create_new_workspace(
    *, district: str | None = None, boundary: Any = None, name: str | None = None
) -> Path:
    """Create an empty workspace (:func:`geo.workspace_new.create_workspace`) and open it.

    Only a planner may: the role is checked here, on the server. The file
    goes into :func:`new_workspace_dir` when set (a fresh name, never an
    existing file), else into this session's temporary folder.

    Raises
    ------
    geo.access.RoleError
        The session is not a planner's.
    UploadRefusedError
        The temporary folder is full.
    geo.district.DistrictError, geo.workspace_new.NewWorkspaceError
        As :func:`geo.workspace_new.create_workspace`.
    """
    from geo.workspace_new import create_workspace

    if investor_locked() or role() != "planner":
        raise RoleError("only a planner may create a workspace")
    keep = new_workspace_dir()
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        folder = keep
    else:
        remove_ended_sessions()
        used, cap = uploads_size_bytes(), upload_cap_bytes()
        if used + NEW_WORKSPACE_BYTES > cap:
            raise UploadRefusedError(used, NEW_WORKSPACE_BYTES, cap)
        folder = Path(tempfile.mkdtemp(dir=session_upload_dir()))
    stem = district or "boundary"
    if name and name.strip():
        stem = f"{stem}-{name.strip()}"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:60] or "workspace"
    target = folder / f"{safe}.gpkg"
    n = 2
    while target.exists():
        target = folder / f"{safe}-{n}.gpkg"
        n += 1
    out = create_workspace(target, district=district, boundary=boundary, name=name)
    add_opened_workspace(out.path)
    logger.info("created workspace %s for this session", out.path)
    return out.path


def is_demo(path: str | os.PathLike[str]) -> bool:
    """True for a demo workspace shipped in ``data/`` (never written by the app)."""
    if is_postgres_url(str(path)):
        return False
    return Path(path).resolve().parent == DATA_DIR.resolve()


def writable_path(path: str | os.PathLike[str]) -> Target:
    """The file an edit or import writes: the workspace itself, or this session's copy of a demo.

    A PostGIS workspace is written in place (its URL is returned as it is).

    The first write to a demo workspace copies it to this session's private
    folder (:func:`session_upload_dir`); later writes in the same session reuse that
    copy. Open the returned path (:func:`add_opened_workspace`) when it
    differs from ``path`` so the user sees the change.
    """
    if is_postgres_url(str(path)):
        return str(path)
    p = Path(path).resolve()
    if not is_demo(p):
        return p
    copies: dict[str, str] = st.session_state.setdefault("_working_copies", {})
    if str(p) not in copies or not Path(copies[str(p)]).exists():
        remove_ended_sessions()
        folder = Path(tempfile.mkdtemp(dir=session_upload_dir()))
        copy = folder / f"{p.stem}-working-copy.gpkg"
        shutil.copy2(p, copy)
        copies[str(p)] = str(copy)
        logger.info("working copy of %s: %s", p, copy)
    return Path(copies[str(p)])


def working_copy_source(path: str | os.PathLike[str]) -> Path | None:
    """The demo workspace ``path`` is this session's working copy of, or None.

    Examples
    --------
    Outside a running app no session has a working copy:

    >>> working_copy_source("/tmp/x.gpkg") is None
    True
    """
    if is_postgres_url(str(path)):
        return None
    copies: dict[str, str] = st.session_state.get("_working_copies") or {}
    p = str(Path(path).resolve())
    for demo, copy in copies.items():
        if str(Path(copy).resolve()) == p:
            return Path(demo)
    return None


def ws_param(path: str | os.PathLike[str]) -> str:
    """How a share link names a workspace: a demo's stem (``fuxing``), the file path, or the
    PostGIS URL without its password."""
    if is_postgres_url(str(path)):
        return target_key(path)
    p = Path(path).resolve()
    if p.parent == DATA_DIR.resolve():
        return p.stem
    return str(p)


def resolve_ws_param(value: str) -> Target | None:
    """The workspace file a view link's ``ws`` names, or None when it names none that exists.

    An investor-mode server ignores ``ws`` altogether (None): it serves
    exactly the workspace it was started with.
    """
    value = value.strip()
    if not value or investor_process():
        return None
    return _find_workspace(value)


def _find_workspace(value: str) -> Target | None:
    if is_postgres_url(value):  # only the server's own PostGIS workspace (it has the password)
        own = default_workspace_path()
        if isinstance(own, str) and target_key(own) == target_key(value):
            return own
        return None
    demo = DATA_DIR / f"{value}.gpkg"
    if "/" not in value and demo.exists():
        return demo
    p = Path(value)
    if p.suffix.lower() == ".gpkg" and p.is_file():
        return p
    if is_dataset(p):
        return p
    return None


# ---------------------------------------------------------------------------
# Language, role, presentation
# ---------------------------------------------------------------------------


def investor_process() -> bool:
    """True when this server runs in investor mode (``TENGLONG_MODE=investor``)."""
    try:
        return process_mode() == "investor"
    except Exception:  # an unknown mode must not fall back to the full view
        logger.exception("unknown process mode; serving investors only")
        return True


def share_session() -> sharing.Share | None:
    """The share this session was opened with (``?share=TOKEN``), or None.

    Set once, at the session's first run (:func:`restore_from_query`), and
    never changed afterwards.
    """
    value = st.session_state.get(SHARE_KEY)
    return value if isinstance(value, sharing.Share) else None


def share_refused() -> str | None:
    """Why this session's share token was refused (``malformed``, ``altered``…), or None."""
    value = st.session_state.get(SHARE_REFUSED_KEY)
    return str(value) if value else None


def investor_locked() -> bool:
    """True when nothing in this session may act as more than an investor.

    A share session (:func:`share_session`) or an investor-mode server.
    """
    return share_session() is not None or investor_process()


def presenting() -> bool:
    """True in presentation mode (an investor is looking).

    Always in a share session and on an investor-mode server; else when the
    officer started presentation mode (``present``).
    """
    return investor_locked() or bool(st.session_state.get("present", False))


def role() -> str:
    """The role the pages act as: ``investor`` when presenting, else :func:`current_role`."""
    if presenting():
        return "investor"
    return current_role()


def open_planner_refused() -> bool:
    """True when this planner server listens beyond loopback without a login.

    ``server.address`` beyond loopback (or unset: every interface), no
    investor mode, no login (:func:`auth_configured`) and no
    ``$TENGLONG_ALLOW_OPEN_PLANNER``: the app then serves nothing. Without a
    real server (``streamlit.testing`` has a stand-in runtime) it is never refused.
    """
    from streamlit import runtime
    from streamlit.runtime import Runtime

    if investor_process() or not runtime.exists():
        return False
    if type(runtime.get_instance()) is not Runtime:  # streamlit.testing: no server listens
        return False
    if is_loopback(st.get_option("server.address")) or auth_configured():
        return False
    if open_planner_allowed():
        _warn_open_planner()
        return False
    return True


@st.cache_resource(show_spinner=False)
def _warn_open_planner() -> bool:
    logger.warning(
        "PLANNER INSTANCE OPEN WITHOUT LOGIN on %s (%s=1): anyone who reaches this address "
        "sees every internal field; configure a login or listen on localhost",
        st.get_option("server.address") or "every interface",
        ALLOW_OPEN_PLANNER_ENV,
    )
    return True


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
    if investor_locked():
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


def _truthy(value: str | None) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _share_workspace(share: sharing.Share) -> Target | None:
    """The workspace file a share names on this server, or None."""
    if investor_process():
        own = default_workspace_path()
        if isinstance(own, str) or is_postgres_url(share.workspace):  # a PostGIS workspace
            same = isinstance(own, str) and target_key(own) == target_key(share.workspace)
            return own if same else None
        named = Path(share.workspace)
        same = named.stem == own.stem if "/" not in share.workspace else False
        if same or named.resolve() == own.resolve():
            return own
        return None  # an investor server serves exactly its own workspace
    return _find_workspace(share.workspace)


def open_share(token: str) -> None:
    """Make this session a share session, or mark it refused (first run only).

    A valid token fixes the session's workspace, language and brief; an
    invalid one (malformed, altered, expired, naming a workspace this server
    does not have) leaves the session showing only the refusal page.
    """
    try:
        share = sharing.verify_token(token, sharing.load_secret())
    except sharing.ShareError as err:
        logger.warning("share link refused (%s): %s", err.reason, err)
        st.session_state[SHARE_REFUSED_KEY] = err.reason
        return
    except ValueError as err:  # no usable secret on this server
        logger.error("share link cannot be checked: %s", err)
        st.session_state[SHARE_REFUSED_KEY] = "unchecked"
        return
    path = _share_workspace(share)
    if path is None:
        logger.warning("share link for workspace %r not served here", share.workspace)
        st.session_state[SHARE_REFUSED_KEY] = "workspace"
        return
    st.session_state[SHARE_KEY + "_path"] = path if isinstance(path, str) else str(path.resolve())
    st.session_state[SHARE_KEY + "_token"] = token
    st.session_state[SHARE_KEY] = share
    st.session_state["lang"] = share.lang
    st.session_state["present"] = True
    st.session_state["workspace_path"] = st.session_state[SHARE_KEY + "_path"]
    logger.info("share session for %s (expires %d)", share.workspace, share.expires_utc_s)


def share_token() -> str | None:
    """The token of this share session (what its URL carries), or None."""
    return st.session_state.get(SHARE_KEY + "_token") if share_session() else None


def restore_from_query() -> None:
    """Read ``share``, else ``lang``, ``ws`` and ``present``, from the URL, once per session.

    With ``share`` in the URL no other parameter is read (:func:`open_share`).
    The first run of a session also deletes the uploads of ended sessions.
    """
    if st.session_state.get(_QUERY_DONE):
        return
    st.session_state[_QUERY_DONE] = True
    try:
        remove_ended_sessions()
    except OSError as err:  # cleaning up must never stop a session
        logger.warning("could not clean the upload folder: %s", err)
    qp = st.query_params
    if sharing.SHARE_PARAM in qp:
        open_share(qp.get(sharing.SHARE_PARAM, ""))
        return
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
