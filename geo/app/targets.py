"""Where a workspace is: a file, a dataset directory or a PostGIS schema (docs/architecture.md §9).

The app names a workspace by its :data:`Target`. A PostGIS URL carries its
password: the app keeps it on the server and names the workspace by
:func:`target_key` (the URL without the password) in caches, pickers and links.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo.store import is_postgres_url
from geo.store.postgis import parse_pg_url, redact_url
from geo.workspace import Workspace

Target = Path | str
"""Where a workspace is: a GeoPackage file or a dataset directory (a ``Path``), or a
PostGIS URL (a ``str``, its password included: never shown, see :func:`target_key`)."""


def as_target(value: str | os.PathLike[str]) -> Target:
    """A PostGIS URL as it is, anything else as a path (``~`` expanded).

    Examples
    --------
    >>> as_target("postgresql://u@127.0.0.1/db?schema=fx"), as_target("data/fuxing.gpkg").name
    ('postgresql://u@127.0.0.1/db?schema=fx', 'fuxing.gpkg')
    """
    text = str(value).strip()
    return text if is_postgres_url(text) else Path(text).expanduser()


def target_key(target: str | os.PathLike[str]) -> str:
    """How caches, pickers and links name a target: its resolved path, or its URL without password.

    Examples
    --------
    >>> target_key("postgresql://u:secret@127.0.0.1:5432/db?schema=fx")
    'postgresql://u@127.0.0.1:5432/db?schema=fx'
    """
    text = str(target)
    return redact_url(text) if is_postgres_url(text) else str(Path(text).resolve())


def target_name(target: str | os.PathLike[str]) -> str:
    """A short name for captions and file names: the file's stem, or the PostGIS schema.

    Examples
    --------
    >>> target_name("postgresql://u:secret@127.0.0.1/db?schema=fx"), target_name("/a/wuan.gpkg")
    ('fx', 'wuan')
    """
    text = str(target)
    if is_postgres_url(text):
        return parse_pg_url(text)[1]
    return Path(text).stem


def ws_name(ws: Workspace) -> str:
    """The workspace's file name, or its PostGIS schema (``schema`` @ ``host/db``)."""
    url = getattr(ws, "url", "")
    if url:
        return f"{parse_pg_url(url)[1]} @ {pg_place(url)}"
    return ws.path.name


def read_key(ws: Workspace) -> tuple[str, str] | None:
    """``(URL without password, revision it was read at)`` of a PostGIS workspace, else None.

    Its caches are keyed on the revision it was read at: asking the server for
    the current one would cost a connection on every call (a page makes many).
    """
    url, token = getattr(ws, "url", ""), getattr(ws, "token", "")
    return (url, token) if url and token else None


def pg_place(url: str) -> str:
    """``host:port/db`` of a PostGIS URL (no user, password or schema).

    Examples
    --------
    >>> pg_place("postgresql://u:secret@127.0.0.1:5432/tenglong?schema=fx")
    '127.0.0.1:5432/tenglong'
    """
    base = parse_pg_url(redact_url(url))[0]
    return base.split("://", 1)[-1].split("@")[-1].split("?")[0]


def dataset_source(path: str | os.PathLike[str]) -> tuple[Path, bool] | None:
    """The GeoPackage a dataset directory was converted from, and whether it changed since.

    None when the dataset records no source (written by ``write_dataset``
    alone, or before sources were recorded) or the file is gone.
    """
    from geo.dataset.parquet.format import read_info
    from geo.store import revision_token

    try:
        src = read_info(path).source
    except Exception:  # a broken dataset: opening it reports the problem
        return None
    source = Path(src.get("path", ""))
    if not src.get("path") or not source.is_file():
        return None
    try:
        stale = revision_token(source) != src.get("revision")
    except OSError:
        return None
    return source, stale
