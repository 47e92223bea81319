"""``tenglong export``: write a workspace as a standalone file for one role.

Formats are a dispatch table (:data:`EXPORTERS`): add a format by writing a
function ``(ExportRequest) -> Path`` and registering it with
:func:`register_exporter`. The built-in formats come from
:data:`geo.export.FORMATS`: ``xlsx`` (land-release summary), ``csv`` (one
table, ``--table``), ``gpkg``, ``shp`` (a zip), ``geojson``, ``kml``,
``html`` (an offline map with Leaflet and the Tenglong controls embedded),
``pdf`` (a site sheet with ``--site``, else the land-release report) and
``txt`` (报盘坐标 / 勘测定界界址点 txt of the parcels in scope: GBK, or
``--encoding utf-8``; one file, or ``--per-parcel`` for a zip of one per parcel).

Without ``--format`` the format follows the suffix of ``--out``. Files are
written atomically; a bad request (unknown format, role, site or area,
``--area`` with ``--site``, a missing output folder…) exits with code 2,
says what is valid, and leaves no file behind; a full disk or a read-only
output folder exits with code 3, names the mount and leaves no file behind.

Examples
--------
::

    tenglong export data/fuxing.gpkg --out fuxing.xlsx
    tenglong export data/fuxing.gpkg --format pdf --site FX-0079 --role investor --out s.pdf
    tenglong export data/wuan.gpkg --out sites.html --role investor --lang en
    tenglong export data/fuxing.gpkg --format txt --area FX-Z01 --out 报盘.txt
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

from geo.access import ROLES
from geo.export import FORMATS, ExportError, export_file

logger = logging.getLogger(__name__)
err_console = Console(stderr=True)

__all__ = [
    "EXPORTERS",
    "ExportError",
    "ExportRequest",
    "export",
    "export_html",
    "register_exporter",
    "run_export",
]


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the workspace, the output file, the viewer and the scope."""

    workspace: Path
    out: Path
    role: str = "planner"
    lang: str = "zh"
    basemap: str = "none"
    area: str | None = None
    site: str | None = None
    layout: str | None = None
    table: str | None = None
    encoding: str | None = None
    per_parcel: bool = False


Exporter = Callable[[ExportRequest], Path]


def _file_exporter(fmt: str) -> Exporter:
    def run(req: ExportRequest) -> Path:
        return export_file(
            req.workspace,
            req.out,
            fmt=fmt,
            role=req.role,
            lang=req.lang,
            area_id=req.area,
            site_id=req.site,
            layout=req.layout,
            table=req.table,
            basemap=req.basemap,
            encoding=req.encoding,
            per_parcel=req.per_parcel,
        )

    run.__name__ = f"export_{fmt}"
    run.__doc__ = f"Write {FORMATS[fmt].description} ({fmt})."
    return run


export_html = _file_exporter("html")
"""A standalone HTML map (assets embedded, role-filtered)."""

EXPORTERS: dict[str, Exporter] = {name: _file_exporter(name) for name in FORMATS}
EXPORTERS["html"] = export_html
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


def _infer_format(out: Path) -> str:
    from geo.export import SUFFIXES, format_for_path

    fmt = format_for_path(out)
    if fmt is None:
        raise ExportError(
            f"cannot tell the format from {out.name}; give --format "
            f"({', '.join(sorted(EXPORTERS))}) or an --out suffix ({', '.join(SUFFIXES)})"
        )
    return fmt


def export(
    workspace: Annotated[Path, typer.Argument(help="Workspace GeoPackage (.gpkg).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (its folder must exist).")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="Output format: " + ", ".join(FORMATS) + " (default: from the --out suffix).",
        ),
    ] = None,
    role: Annotated[
        str, typer.Option(help="planner | investment | investor (what the file may hold).")
    ] = "planner",
    lang: Annotated[str, typer.Option(help="zh | en.")] = "zh",
    area: Annotated[
        str | None, typer.Option("--area", help="Only this planning area (area_id).")
    ] = None,
    site: Annotated[
        str | None,
        typer.Option(
            "--site",
            help="One parcel (parcel_id); with --format pdf a site sheet, also for an area_id.",
        ),
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option(help="Summary areas: a layout (e.g. 一区一园一廊) or a site's area_id."),
    ] = None,
    table: Annotated[
        str | None,
        typer.Option(help="csv: area (default), status, year, industry, parcels or soil."),
    ] = None,
    basemap: Annotated[
        str,
        typer.Option(
            help="html: none | osm | tianditu | tianditu_img | gaode | gaode_img | local."
        ),
    ] = "none",
    encoding: Annotated[
        str | None,
        typer.Option(help="txt: gbk (default), gb18030 or utf-8."),
    ] = None,
    per_parcel: Annotated[
        bool,
        typer.Option("--per-parcel", help="txt: one file per parcel, zipped (--out x.zip)."),
    ] = False,
) -> None:
    """Write WORKSPACE as a standalone file for one role (xlsx, csv, GIS formats, PDF, HTML)."""
    from geo.basemaps import BasemapError
    from geo.layers import LayerSpecError
    from geo.render import RenderError
    from geo.store.errors import ReadOnlyError, StorageFullError
    from geo.workspace import WorkspaceError

    req = ExportRequest(
        workspace=workspace,
        out=out,
        role=role,
        lang=lang,
        basemap=basemap,
        area=area,
        site=site,
        layout=layout,
        table=table,
        encoding=encoding,
        per_parcel=per_parcel,
    )
    try:
        path = run_export(req, fmt=fmt if fmt is not None else _infer_format(out))
    except (ExportError, WorkspaceError, BasemapError, LayerSpecError, RenderError) as err:
        err_console.print(Text.assemble(("error: ", "red"), str(err)))
        raise typer.Exit(2) from None
    except (StorageFullError, ReadOnlyError) as err:
        err_console.print(Text.assemble(("error: ", "red"), str(err)))
        raise typer.Exit(3) from None
    Console().print(f"wrote {path}")
