"""Errors of the workspace stores: each says what to do next.

:func:`storage_error` is the one place where a full disk or a read-only
folder — ``OSError`` with ``ENOSPC``/``EDQUOT``/``EROFS``/``EACCES``/``EPERM``,
SQLite's ``SQLITE_FULL``/``SQLITE_READONLY``/``SQLITE_CANTOPEN``, or GDAL's
message for them — becomes a :class:`StorageFullError` or a
:class:`ReadOnlyError` that names the mount and says what to do.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import InputError, OperationError

if TYPE_CHECKING:
    from geo.store.model import Change


class StoreError(OperationError):
    """A workspace store cannot be opened, read or written; the message says why."""


class StoreBusyError(StoreError):
    """Another edit held the workspace's write lock for longer than the busy timeout."""


class StorageFullError(StoreError):
    """The disk holding the workspace (or an output file) is full: nothing was written.

    Attributes
    ----------
    path
        The file that could not be written.
    mount
        The mount point of the full file system: free space there.
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str], mount: Path) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.mount = mount


class ReadOnlyError(StoreError):
    """The workspace (or an output folder) is on a read-only mount or not writable.

    Reading still works; writes are refused before anything is written.

    Attributes
    ----------
    path
        The file that cannot be written.
    mount
        The mount point of its file system.
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str], mount: Path) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.mount = mount


class ParcelNotFoundError(StoreError, LookupError):
    """No parcel has the given ``parcel_id`` (or the role may not see it)."""


class InvalidEditError(InputError):
    """An edit that the data model does not allow: unknown field, bad value or geometry."""


class InvalidTransitionError(InvalidEditError):
    """A status change that does not follow the parcel lifecycle (see ``ALLOWED_TRANSITIONS``)."""


class EditConflict(StoreError):  # noqa: N818 - the name the edit API promises
    """Someone else saved the same row after you read it: your change was not saved.

    Nothing is lost: :attr:`theirs` holds the other change(s) (who, when,
    before/after, from the audit table) and :attr:`attempted` your values.
    Reload the row, look at both and save again with the new ``row_version``.

    Attributes
    ----------
    table, row_id
        The row.
    expected_version
        The ``row_version`` your edit was based on.
    current_version
        The ``row_version`` in the store now.
    theirs
        The audit entries saved since ``expected_version``, oldest first.
    attempted
        Field → value of the change that was refused.
    """

    def __init__(
        self,
        *,
        table: str,
        row_id: str,
        expected_version: int,
        current_version: int,
        theirs: Sequence[Change],
        attempted: Mapping[str, Any],
    ) -> None:
        self.table = table
        self.row_id = row_id
        self.expected_version = expected_version
        self.current_version = current_version
        self.theirs = tuple(theirs)
        self.attempted = dict(attempted)
        super().__init__(self._message())

    @property
    def who(self) -> str | None:
        """Who saved the latest conflicting change."""
        return self.theirs[-1].who if self.theirs else None

    @property
    def at(self) -> str | None:
        """When the latest conflicting change was saved (ISO 8601, UTC)."""
        return self.theirs[-1].at if self.theirs else None

    def _message(self) -> str:
        if self.theirs:
            last = self.theirs[-1]
            shown = [
                f"{c.field}: {_short(c.before)} → {_short(c.after)}"
                for c in self.theirs
                if c.row_version == last.row_version
            ]
            other = f"by {last.who} at {last.at} ({'; '.join(shown)})"
        else:
            other = "by another editor (no audit entry found)"
        mine = ", ".join(f"{k} → {_short(v)}" for k, v in self.attempted.items())
        return (
            f"{self.table} {self.row_id} was changed {other} after you read it "
            f"(your version {self.expected_version}, now {self.current_version}); "
            f"your change ({mine}) was not saved: reload the {self.table[:-1]}, "
            f"compare and save again"
        )


def _short(value: Any, limit: int = 40) -> str:
    text = "∅" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# Full disks and read-only folders
# ---------------------------------------------------------------------------

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_READ_ONLY_ERRNOS = frozenset({errno.EROFS})
_DENIED_ERRNOS = frozenset({errno.EACCES, errno.EPERM})
_SQLITE_FULL, _SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_IOERR = 13, 8, 14, 10
_NEARLY_FULL_BYTES = 1 << 20
"""Free space below which SQLite's "disk I/O error" is taken to mean a full disk."""
_FULL_TEXT = ("no space left on device", "database or disk is full", "disk quota exceeded")
_READ_ONLY_TEXT = ("read-only file system", "attempt to write a readonly database")


def mount_point(path: str | os.PathLike[str]) -> Path:
    """The mount point of the file system holding ``path`` (or its nearest existing parent).

    Bind mounts count (``/proc/self/mounts``), so a read-only bind of a folder
    is named, not the disk under it.

    Examples
    --------
    >>> mount_point("/")
    PosixPath('/')
    """
    p = Path(os.path.abspath(path))
    while not p.exists() and p != p.parent:
        p = p.parent
    p = p.resolve()
    best: Path | None = None
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as f:
            for line in f:
                fields = line.split()
                if len(fields) < 2:
                    continue
                point = Path(_unescape_mount(fields[1]))
                if (p == point or point in p.parents) and (
                    best is None or len(point.parts) > len(best.parts)
                ):
                    best = point
    except OSError:
        pass
    if best is not None:
        return best
    while not os.path.ismount(p) and p != p.parent:
        p = p.parent
    return p


def _unescape_mount(field: str) -> str:
    """``/proc/mounts`` writes space, tab, newline and backslash as octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def is_read_only_fs(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` (or its nearest existing parent) is on a file system mounted read-only.

    Root ignores file permissions but not a read-only mount, so this is what
    decides whether a workspace can be written at all.
    """
    p = Path(os.path.abspath(path))
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        return bool(os.statvfs(p).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def nearly_full(path: str | os.PathLike[str]) -> bool:
    """True when the file system holding ``path`` has less than 1 MiB free."""
    try:
        return shutil.disk_usage(mount_point(path)).free < _NEARLY_FULL_BYTES
    except OSError:
        return False


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def _kind(err: BaseException, path: Path) -> str | None:
    """``"full"``, ``"read-only"``, ``"denied"`` or None for ``err``."""
    if isinstance(err, OSError) and err.errno is not None:
        if err.errno in _FULL_ERRNOS:
            return "full"
        if err.errno in _READ_ONLY_ERRNOS:
            return "read-only"
        if err.errno in _DENIED_ERRNOS:
            return "read-only" if is_read_only_fs(path) else "denied"
    if isinstance(err, sqlite3.Error):
        code = (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF
        if code == _SQLITE_FULL:
            return "full"
        if code == _SQLITE_IOERR and nearly_full(path):
            return "full"  # e.g. the -shm file of a WAL workspace could not be made
        if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
            if is_read_only_fs(path):
                return "read-only"
            folder = path.parent if path.parent.exists() else path
            if code == _SQLITE_READONLY or not os.access(folder, os.W_OK):
                return "denied"
            return None
    text = str(err).lower()
    if any(m in text for m in _FULL_TEXT):
        return "full"
    if any(m in text for m in _READ_ONLY_TEXT):
        return "read-only" if is_read_only_fs(path) else "denied"
    return None


def storage_error(
    err: BaseException,
    path: str | os.PathLike[str],
    *,
    doing: str,
    outcome: str,
    advice_read_only: str | None = None,
) -> StorageFullError | ReadOnlyError | None:
    """The :class:`StorageFullError` or :class:`ReadOnlyError` that ``err`` means, or None.

    Parameters
    ----------
    err
        What the file system, SQLite or GDAL raised.
    path
        The file being written (names the mount in the message).
    doing
        What was being done, e.g. ``"saving the edit of FX-0001"`` (a full
        disk) or ``"editing data/fuxing.gpkg"`` (a read-only place).
    outcome
        What the user still has, e.g. ``"nothing was saved and the workspace is unchanged"``.
    advice_read_only
        What to do about a read-only or write-protected place, a sentence
        (default: copy the workspace to a writable folder and open the copy).

    Examples
    --------
    >>> import errno
    >>> e = storage_error(OSError(errno.ENOSPC, "No space left on device"), "/x.xlsx",
    ...                   doing="writing /x.xlsx", outcome="no file was written")
    >>> type(e).__name__, "Free space on /" in str(e)
    ('StorageFullError', True)
    >>> storage_error(ValueError("bad"), "/x", doing="", outcome="") is None
    True
    """
    p = Path(os.path.abspath(path))
    kind = _kind(err, p)
    if kind is None:
        return None
    mount = mount_point(p)
    if kind == "full":
        try:
            free = _size(shutil.disk_usage(mount).free)
        except OSError:
            free = "unknown"
        return StorageFullError(
            f"the disk is full: {doing} failed because {mount} has no space left "
            f"({free} free); {outcome}. Free space on {mount} (delete or move files there) "
            f"and try again",
            path=p,
            mount=mount,
        )
    if kind == "read-only":
        why = f"{mount} is mounted read-only"
    else:
        why = f"you have no permission to write {p.name} or its folder {p.parent}"
    advice = advice_read_only or (
        f"The workspace can still be opened and read; to edit it, copy it to a writable "
        f"folder (e.g. cp {p} ~/{p.name}) and open the copy"
    )
    return ReadOnlyError(
        f"{doing} is not possible: {why}; {outcome}. {advice}",
        path=p,
        mount=mount,
    )
