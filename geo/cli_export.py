"""``tenglong export``: write a workspace as a standalone file for one role.

Formats are a dispatch table (:data:`EXPORTERS`): add a format by writing a
function ``(ExportRequest) -> Path`` and registering it with
:func:`register_exporter`. ``html`` writes a map with Leaflet and the Tenglong
controls embedded, which opens from ``file://`` with no network (with the
default ``--basemap none``).

Examples
--------
::

    tenglong export data/fuxing.gpkg --format html --out fuxing.html
    tenglong export data/wuan.gpkg --out sites.html --role investor --lang en
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from geo.layers import ROLES

logger = logging.getLogger(__name__)
err_console = Console(stderr=True)


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the workspace, the output file and the viewer."""

    workspace: Path
    out: Path
    role: str = "planner"
    lang: str = "zh"
    basemap: str = "none"


Exporter = Callable[[ExportRequest], Path]


class ExportError(RuntimeError):
    """An export cannot be written; the message says what to do."""


def export_html(req: ExportRequest) -> Path:
    """A standalone HTML map (assets embedded, role-filtered)."""
    from geo.render import map_html, remote_references, render_map
    from geo.workspace import open_workspace

    ws = open_workspace(req.workspace)
    errors = [p for p in ws.problems if getattr(p, "severity", "") == "error"]
    if errors:
        logger.warning(
            "%s has %d validation error(s); the map is drawn as the data stand "
            "(run `tenglong info %s`)",
            req.workspace,
            len(errors),
            req.workspace,
        )
    m = render_map(ws, role=req.role, lang=req.lang, basemap=req.basemap, asset_mode="inline")
    html = map_html(m)
    remote = remote_references(html)
    if remote:  # a guard: render_map never adds them
        raise ExportError(f"the map would load {', '.join(remote)} from the network; not written")
    req.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = req.out.with_name(f".{req.out.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(req.out)
    logger.info("wrote %s (%d bytes)", req.out, len(html.encode("utf-8")))
    return req.out


EXPORTERS: dict[str, Exporter] = {"html": export_html}
"""Format name → exporter."""


def register_exporter(name: str, func: Exporter) -> None:
    """Add (or replace) the exporter of a format, e.g. ``register_exporter("kml", export_kml)``."""
    EXPORTERS[name.lower()] = func


def run_export(req: ExportRequest, *, fmt: str) -> Path:
    """Export with the exporter of ``fmt``.

    Raises
    ------
    ExportError
        Unknown format (the message lists the supported ones) or unknown role.
    """
    exporter = EXPORTERS.get(fmt.lower())
    if exporter is None:
        raise ExportError(
            f"unknown format {fmt!r}; supported formats: {', '.join(sorted(EXPORTERS))}"
        )
    if req.role not in ROLES:
        raise ExportError(f"unknown role {req.role!r}; roles are {', '.join(ROLES)}")
    return exporter(req)


def export(
    workspace: Annotated[Path, typer.Argument(help="Workspace GeoPackage (.gpkg).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output format: " + ", ".join(EXPORTERS) + ".")
    ] = "html",
    role: Annotated[str, typer.Option(help="planner | investment | investor.")] = "planner",
    lang: Annotated[str, typer.Option(help="zh | en.")] = "zh",
    basemap: Annotated[
        str,
        typer.Option(help="none | osm | tianditu | tianditu_img | gaode | gaode_img | local."),
    ] = "none",
) -> None:
    """Write WORKSPACE as a standalone file for one role (default: an offline HTML map)."""
    from geo.basemaps import BasemapError
    from geo.layers import LayerSpecError
    from geo.render import RenderError
    from geo.workspace import WorkspaceError

    req = ExportRequest(workspace=workspace, out=out, role=role, lang=lang, basemap=basemap)
    try:
        path = run_export(req, fmt=fmt)
    except (ExportError, WorkspaceError, BasemapError, LayerSpecError, RenderError) as err:
        err_console.print(Text.assemble(("error: ", "red"), str(err)))
        raise typer.Exit(2) from None
    Console().print(f"wrote {path}")
