"""Opening a workspace: the one place that decides how a path or URL is read.

:func:`load_for_mode` opens a GeoPackage or a PostGIS schema as the process
mode allows (:func:`geo.access.process_mode`): everything, validated, for a
planner process; only the whitelisted columns of available parcels for an
investor process, whose other columns and rows are never read.

This package sits above :mod:`geo.access` (who may see what) and
:mod:`geo.store` (the editable stores), so neither has to import the other
to open a workspace.
"""

from __future__ import annotations

import os

from geo.access import MODE_ENV, MODES, RoleError, process_mode
from geo.store import is_postgres_url, open_store
from geo.workspace import Workspace, open_workspace

__all__ = ["load_for_mode"]


def load_for_mode(path: str | os.PathLike[str], mode: str | None = None) -> Workspace:
    """Open a workspace as the process mode allows.

    Parameters
    ----------
    path
        A GeoPackage, or a PostGIS URL ``postgresql://…?schema=NAME``.
    mode
        ``planner`` (everything, validated: :func:`geo.workspace.open_workspace`)
        or ``investor`` (whitelisted columns of available parcels only; the
        other columns and rows are never read). Default: :func:`process_mode`.

    Raises
    ------
    RoleError
        ``mode="planner"`` asked of a process in investor mode, or an unknown mode.
    """
    proc = process_mode()
    mode = proc if mode is None else mode
    if mode not in MODES:
        raise RoleError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    if proc == "investor" and mode != "investor":
        raise RoleError(
            f"this process runs in investor mode ({MODE_ENV}=investor) and refuses to "
            f"load a workspace's internal fields; start a planner instance for that"
        )
    if mode == "planner" and not is_postgres_url(str(path)):
        return open_workspace(path)
    role = "investor" if mode == "investor" else "planner"
    with open_store(path, user="viewer", role=role) as store:
        return store.load_workspace()
