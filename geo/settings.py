"""Every ``TENGLONG_*`` setting in one place: its name, default and meaning.

This is the only module that reads the process environment (the sandboxed
parser process, :mod:`geo.io.sandbox`, passes a few variables on to its
child and reads nothing else). Values are read when asked for, not at
import, so a test or a long-running server sees a changed variable.

``TENGLONG_WORKSPACE``
    Workspace the app opens first: a GeoPackage, a GeoParquet dataset directory or a
    PostGIS URL (``postgresql://…?schema=NAME``). Default: ``data/fuxing.gpkg``.
``TENGLONG_MODE``
    ``investor``: the process serves investors only. Default: ``planner``.
``TENGLONG_ROLES``
    Role mapping for sign-in (OIDC claims → roles). Default: ``config/roles.toml``.
``TENGLONG_USER``
    Who is written into the audit log by the CLI. Default: login name.
``TENGLONG_LAYERS_DIR``
    Folder of map-layer specs. Default: ``layers/``.
``TENGLONG_PROVINCE_PARCELS``
    Parcels above which a workspace is read lazily. Default: ``50000``.
``TENGLONG_MAP_PARCELS``
    At most this many single parcels on a map. Default: ``5000``.
``TENGLONG_ENGINE``
    Where summaries run in the app . Default: ``memory`` (``dask`` with a scheduler).
``TENGLONG_DASK_SCHEDULER``
    Address of a running dask scheduler. Default: none.
``TENGLONG_CACHE_DIR``
    Converted datasets and stored summaries. Default: ``~/.cache/tenglong``.
``TENGLONG_OFFICE_CONFIG``
    TOML with the planning office's contact. Default: none.
``TENGLONG_OFFICE_*``
    Single contact fields (NAME, NAME_EN, …). Default: none.
``TENGLONG_PDF_FONT``
    Font file for PDF exports. Default: Debian's WenQuanYi/Noto.
``TENGLONG_SHARE_BASE_URL``
    Base URL printed in share links and QR codes: the investor instance's
    public URL. Default: none (the app: the server the link is made on).
``TENGLONG_SHARE_SECRET``
    The secret share-link tokens are signed with (at least 16 characters).
    Default: read from ``TENGLONG_SHARE_SECRET_FILE``.
``TENGLONG_SHARE_SECRET_FILE``
    File holding that secret, made 0600 on first start. Default:
    ``$XDG_CONFIG_HOME/tenglong/share_secret`` (``~/.config/tenglong/share_secret``).
``TENGLONG_ALLOW_OPEN_PLANNER``
    ``1``: a planner instance may listen beyond loopback without a login
    (logged as a warning). Default: off.
``TENGLONG_UPLOAD_DIR``
    Parent folder of the per-session upload folders. Default: the system's
    temporary folder (``tenglong-uploads-UID``).
``TENGLONG_UPLOAD_CAP_MB``
    Cap on one server's uploads and working copies, in MB. Default: ``500``.
``TENGLONG_NEW_WORKSPACE_DIR``
    Folder where the app writes the workspaces planners create (kept). Default:
    none (the session's temporary folder: download the workspace to keep it).
``TENGLONG_TIANDITU_KEY``
    Key for Tianditu basemaps. Default: none.
``TENGLONG_TILE_URL``
    A local tile server's URL template. Default: none.
``TENGLONG_TILE_ATTRIBUTION``
    Its attribution. Default: none.
``TENGLONG_TILE_MAX_ZOOM``
    Its highest zoom. Default: ``19``.
``TENGLONG_TILE_GCJ``
    Its tiles are in GCJ-02. Default: off.
``TENGLONG_EDIT_WAIT_S``
    How long an edit waits for another editor's save, in seconds. Default: ``60``.
``TENGLONG_PG_BIN``
    PostgreSQL binaries for the test server. Default: found on ``PATH``.
``TENGLONG_JS_DIR``
    Folder of the pinned browser libraries fetched by ``scripts/fetch-js.py``
    (the drawing tools of 地块编辑). Default: ``<sys.prefix>/share/tenglong/js``.
``TENGLONG_TIMEZONE``
    The time zone the app shows times in (change history, conflicts), an
    IANA name. Default: ``Asia/Shanghai``; the audit log itself stays in UTC.

Examples
--------
>>> get_int("TENGLONG_MAP_PARCELS", 5000, environ={"TENGLONG_MAP_PARCELS": "12"})
12
>>> get_int("TENGLONG_MAP_PARCELS", 5000, environ={"TENGLONG_MAP_PARCELS": "many"})
5000
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

logger = logging.getLogger(__name__)

WORKSPACE_ENV = "TENGLONG_WORKSPACE"
MODE_ENV = "TENGLONG_MODE"
ROLES_ENV = "TENGLONG_ROLES"
USER_ENV = "TENGLONG_USER"
LAYERS_DIR_ENV = "TENGLONG_LAYERS_DIR"
PROVINCE_ENV = "TENGLONG_PROVINCE_PARCELS"
PARCEL_LIMIT_ENV = "TENGLONG_MAP_PARCELS"
ENGINE_ENV = "TENGLONG_ENGINE"
SCHEDULER_ENV = "TENGLONG_DASK_SCHEDULER"
CACHE_ENV = "TENGLONG_CACHE_DIR"
OFFICE_CONFIG_ENV = "TENGLONG_OFFICE_CONFIG"
FONT_ENV = "TENGLONG_PDF_FONT"
SHARE_BASE_URL_ENV = "TENGLONG_SHARE_BASE_URL"
SHARE_SECRET_ENV = "TENGLONG_SHARE_SECRET"
SHARE_SECRET_FILE_ENV = "TENGLONG_SHARE_SECRET_FILE"
ALLOW_OPEN_PLANNER_ENV = "TENGLONG_ALLOW_OPEN_PLANNER"
UPLOAD_DIR_ENV = "TENGLONG_UPLOAD_DIR"
UPLOAD_CAP_ENV = "TENGLONG_UPLOAD_CAP_MB"
NEW_WORKSPACE_DIR_ENV = "TENGLONG_NEW_WORKSPACE_DIR"
PG_BIN_ENV = "TENGLONG_PG_BIN"
EDIT_WAIT_ENV = "TENGLONG_EDIT_WAIT_S"
TIMEZONE_ENV = "TENGLONG_TIMEZONE"
JS_DIR_ENV = "TENGLONG_JS_DIR"
DEFAULT_TIMEZONE = "Asia/Shanghai"


def environ() -> Mapping[str, str]:
    """The process environment (for the few readers that take a whole mapping)."""
    return os.environ


def get(
    name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str | None:
    """The value of ``name`` stripped of blanks, or ``default`` when unset or empty."""
    env = os.environ if environ is None else environ
    raw = env.get(name, "").strip()
    return raw or default


def get_int(name: str, default: int, *, environ: Mapping[str, str] | None = None) -> int:
    """A whole number ≥ 0 from ``name``; a value that is not one is logged and ``default`` used."""
    raw = get(name, environ=environ)
    if raw is None:
        return default
    try:
        return max(0, int(raw))
    except ValueError:
        logger.warning("%s=%r is not a whole number; using %d", name, raw, default)
        return default


def get_path(name: str, *, environ: Mapping[str, str] | None = None) -> Path | None:
    """``name`` as a path with ``~`` expanded, or None when unset."""
    raw = get(name, environ=environ)
    return Path(raw).expanduser() if raw else None


def get_flag(name: str, *, environ: Mapping[str, str] | None = None) -> bool:
    """True when ``name`` is ``1``, ``true``, ``yes`` or ``on`` (any case)."""
    return (get(name, environ=environ) or "").lower() in {"1", "true", "yes", "on"}


def timezone(*, environ: Mapping[str, str] | None = None) -> str:
    """``$TENGLONG_TIMEZONE`` when it names a known time zone, else ``Asia/Shanghai``.

    Examples
    --------
    >>> timezone(environ={}), timezone(environ={"TENGLONG_TIMEZONE": "Europe/Berlin"})
    ('Asia/Shanghai', 'Europe/Berlin')
    >>> timezone(environ={"TENGLONG_TIMEZONE": "Mars/Olympus"})
    'Asia/Shanghai'
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    raw = get(TIMEZONE_ENV, environ=environ)
    if raw is None:
        return DEFAULT_TIMEZONE
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        logger.warning(
            "%s=%r is not a known time zone; using %s", TIMEZONE_ENV, raw, DEFAULT_TIMEZONE
        )
        return DEFAULT_TIMEZONE
    return raw


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/tenglong`` (``~/.config/tenglong``): the user's Tenglong settings."""
    base = get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tenglong"


def cache_dir() -> Path:
    """Where converted datasets and stored summaries are kept.

    ``$TENGLONG_CACHE_DIR``, else ``$XDG_CACHE_HOME/tenglong`` (``~/.cache/tenglong``).
    """
    own = get_path(CACHE_ENV)
    if own is not None:
        return own
    base = get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tenglong"


def js_dir() -> Path:
    """Where ``scripts/fetch-js.py`` put the pinned browser libraries.

    ``$TENGLONG_JS_DIR``, else ``<sys.prefix>/share/tenglong/js`` (inside the
    virtual environment, ignored by git).
    """
    import sys

    own = get_path(JS_DIR_ENV)
    return own if own is not None else Path(sys.prefix) / "share" / "tenglong" / "js"


__all__ = [
    "ALLOW_OPEN_PLANNER_ENV",
    "CACHE_ENV",
    "DEFAULT_TIMEZONE",
    "EDIT_WAIT_ENV",
    "ENGINE_ENV",
    "FONT_ENV",
    "JS_DIR_ENV",
    "LAYERS_DIR_ENV",
    "MODE_ENV",
    "NEW_WORKSPACE_DIR_ENV",
    "OFFICE_CONFIG_ENV",
    "PARCEL_LIMIT_ENV",
    "PG_BIN_ENV",
    "PROVINCE_ENV",
    "ROLES_ENV",
    "SCHEDULER_ENV",
    "SHARE_BASE_URL_ENV",
    "SHARE_SECRET_ENV",
    "SHARE_SECRET_FILE_ENV",
    "TIMEZONE_ENV",
    "UPLOAD_CAP_ENV",
    "UPLOAD_DIR_ENV",
    "USER_ENV",
    "WORKSPACE_ENV",
    "cache_dir",
    "config_dir",
    "environ",
    "get",
    "get_flag",
    "get_int",
    "get_path",
    "js_dir",
    "timezone",
]
