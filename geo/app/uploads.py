"""Uploads: the per-process and per-session folders of uploaded workspaces and working copies.

Uploaded workspaces and demo working copies live in a folder per session
(:func:`session_upload_dir`) inside a folder per server process
(:func:`upload_dir`). Streamlit has no session-end hook: the folders of
sessions the server no longer knows (neither connected nor kept for a
reconnect, ``server.disconnectedSessionTTL``) are deleted whenever a
session starts or uploads, and the folders of server processes that are
gone are deleted at start-up. The total is capped
(``$TENGLONG_UPLOAD_CAP_MB``, default 500 MB).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

import streamlit as st

from geo import settings
from geo.workspace import WorkspaceError

logger = logging.getLogger(__name__)

UPLOAD_DIR_ENV = settings.UPLOAD_DIR_ENV
"""Parent folder of the upload folders (default: the system's temporary folder)."""
UPLOAD_CAP_ENV = settings.UPLOAD_CAP_ENV
"""Cap on the total of one server process's uploads and working copies, in MB."""
DEFAULT_UPLOAD_CAP_MB = 500.0


class UploadRefusedError(WorkspaceError):
    """An upload that would take the uploads beyond their cap (:func:`upload_cap_bytes`)."""

    def __init__(self, used_bytes: int, size_bytes: int, cap_bytes: int) -> None:
        self.used_mb = used_bytes / 1e6
        self.size_mb = size_bytes / 1e6
        self.cap_mb = cap_bytes / 1e6
        super().__init__(
            f"upload refused: {self.size_mb:,.1f} MB would take the temporary uploads beyond "
            f"their cap ({self.used_mb:,.1f} of {self.cap_mb:,.1f} MB in use, "
            f"{UPLOAD_CAP_ENV}); close sessions you no longer need or ask the administrator "
            f"to raise the cap"
        )


def upload_root() -> Path:
    """``$TENGLONG_UPLOAD_DIR``, else ``tenglong-uploads-UID`` in the temporary folder.

    The folder is made private (0700); one owned by another user or a
    symbolic link is not used (a private folder of its own is made instead).
    """
    env = settings.get_path(UPLOAD_DIR_ENV)
    if env is not None:
        root = env
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        return root
    root = Path(tempfile.gettempdir()) / f"tenglong-uploads-{os.getuid()}"
    try:
        root.mkdir(mode=0o700, exist_ok=True)
        info = root.lstat()
        if root.is_symlink() or info.st_uid != os.getuid():
            raise PermissionError(f"{root} is not this user's folder")
    except OSError as err:
        logger.warning("upload folder %s not usable (%s); using a new one", root, err)
        return Path(tempfile.mkdtemp(prefix="tenglong-uploads-"))
    return root


_PROCESS_DIR = re.compile(r"^p(\d+)-[0-9a-f]+$")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale_process_dirs(root: Path, *, keep: Path | None = None) -> list[Path]:
    """Delete the upload folders of server processes that are gone; return them.

    A folder is ``p<pid>-<random>``: it is stale when no process has that
    pid, or when the pid is this process's own but the folder is not
    ``keep`` (a restarted container reuses pids).
    """
    removed: list[Path] = []
    for d in root.iterdir():
        m = _PROCESS_DIR.match(d.name)
        if not m or not d.is_dir() or d.is_symlink() or (keep is not None and d == keep):
            continue
        pid = int(m.group(1))
        if pid != os.getpid() and _pid_alive(pid):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    if removed:
        logger.info("deleted %d upload folder(s) of stopped servers", len(removed))
    return removed


@st.cache_resource(show_spinner=False)
def upload_dir() -> Path:
    """This server process's upload folder, made at start-up (stale ones deleted then)."""
    root = upload_root()
    d = root / f"p{os.getpid()}-{secrets.token_hex(4)}"
    d.mkdir(mode=0o700)
    remove_stale_process_dirs(root, keep=d)
    return d


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    sid = ctx.session_id if ctx is not None else "no-session"
    return re.sub(r"[^A-Za-z0-9_-]", "_", sid)[:80] or "no-session"


def _session_known(session_id: str) -> bool:
    """True while the server has the session: connected, or kept for a reconnect.

    Streamlit keeps a disconnected session for ``server.disconnectedSessionTTL``
    seconds (a reconnect resumes it); only after that is it gone. Without a
    server (``streamlit.testing``) every session counts as known.
    """
    from streamlit import runtime

    if not runtime.exists():
        return True
    rt = runtime.get_instance()
    try:
        info = rt._session_mgr.get_session_info(session_id)  # active or stored for reconnect
    except AttributeError:  # no session manager (a stand-in runtime): keep the folder
        return True
    return info is not None


def remove_ended_sessions(folder: Path | None = None) -> list[Path]:
    """Delete the upload folders (``s-<session id>``) of sessions the server no longer has."""
    folder = upload_dir() if folder is None else folder
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for d in entries:
        if not d.name.startswith("s-") or not d.is_dir() or d.is_symlink():
            continue
        if _session_known(d.name[2:]):
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    if removed:
        logger.info("deleted the uploads of %d ended session(s)", len(removed))
    return removed


def session_upload_dir() -> Path:
    """This session's private folder for uploads and working copies (0700)."""
    d = upload_dir() / f"s-{_session_id()}"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def upload_cap_bytes() -> int:
    """``$TENGLONG_UPLOAD_CAP_MB`` (default 500) in bytes; a bad value means the default."""
    raw = settings.get(UPLOAD_CAP_ENV) or ""
    mb = DEFAULT_UPLOAD_CAP_MB
    try:
        mb = float(raw) if raw else DEFAULT_UPLOAD_CAP_MB
    except ValueError:
        logger.warning("%s=%r is not a number of MB; using %g", UPLOAD_CAP_ENV, raw, mb)
    if not mb > 0:
        mb = DEFAULT_UPLOAD_CAP_MB
    return int(mb * 1e6)


def uploads_size_bytes(folder: Path | None = None) -> int:
    """The bytes held under ``folder`` (default :func:`upload_dir`)."""
    folder = upload_dir() if folder is None else folder
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                continue
    return total


def save_upload(name: str, data: bytes) -> Path:
    """Save an uploaded ``.gpkg`` in this session's folder and return its path.

    Only the base name is kept, so a crafted name cannot escape the folder.
    The folders of ended sessions are deleted first.

    Raises
    ------
    UploadRefusedError
        The upload would take the total beyond :func:`upload_cap_bytes`.
    """
    remove_ended_sessions()
    used, cap = uploads_size_bytes(), upload_cap_bytes()
    if used + len(data) > cap:
        raise UploadRefusedError(used, len(data), cap)
    stem = Path(name).name.removesuffix(".gpkg") or "upload"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)[:60] or "upload"
    folder = Path(tempfile.mkdtemp(dir=session_upload_dir()))
    target = folder / f"{safe}.gpkg"
    target.write_bytes(data)
    logger.info("saved upload %s (%d bytes) to %s", name, len(data), target)
    return target
