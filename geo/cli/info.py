"""``tenglong info``: tables, rows, CRS, extent and validation problems of a workspace.

When parcels lack required fields (imported from an incomplete register,
docs/architecture.md §3), a 数据完整性 / completeness table lists per field how
many parcels lack it; the table is left out when nothing is missing.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

console = Console()
err_console = Console(stderr=True)


def info(workspace: Path = typer.Argument(..., help="Workspace GeoPackage (.gpkg).")) -> None:
    """Print tables, row counts, CRS, extent and validation problems.

    Exit code 1 when the workspace is invalid (any error), 0 otherwise.
    """
    from geo.dataset import open_dataset
    from geo.workspace import WorkspaceError

    try:
        ws = open_dataset(workspace, in_memory=True).to_workspace()
    except (WorkspaceError, ValueError) as err:
        err_console.print(f"[red]error:[/red] {escape(str(err))}", soft_wrap=True)
        raise typer.Exit(1) from None
    console.print(f"[bold]{ws.name}[/bold]  {ws.path}")
    if ws.schematic:
        console.print("示意 / schematic demo data")
    console.print(f"CRS: {ws.crs.to_string()} ({ws.crs.name})")
    t = RichTable("table", "rows", "extent (projected, m)")
    for name, df in ws.tables.items():
        extent = ""
        if hasattr(df, "total_bounds") and len(df):
            xmin, ymin, xmax, ymax = df.total_bounds
            extent = f"{xmin:.0f}, {ymin:.0f} – {xmax:.0f}, {ymax:.0f}"
        t.add_row(name, str(len(df)), extent)
    console.print(t)
    from geo.validate import completeness

    if "parcels" in ws.tables:
        c = completeness(ws.parcels)
        c = c[c["n_missing"] > 0]
        if len(c):
            ct = RichTable(
                "field",
                "label",
                "parcels lacking it",
                title="数据完整性 / completeness (stored as unknown)",
                title_justify="left",
            )
            for r in c.itertuples():
                ct.add_row(
                    r.field,
                    escape(f"{r.label_zh} / {r.label_en}"),
                    f"{r.n_missing} of {r.n_rows} ({r.n_missing / r.n_rows:.1%})",
                )
            console.print(ct)
    if ws.problems:
        for pr in ws.problems:
            colour = "red" if pr.severity == "error" else "yellow"
            console.print(
                f"[{colour}]{escape(str(pr))}[/{colour}]", soft_wrap=True, highlight=False
            )
        n_err = sum(pr.severity == "error" for pr in ws.problems)
        console.print(f"{len(ws.problems)} problem(s), {n_err} error(s)")
    else:
        console.print("valid: no problems")
    if not ws.is_valid:
        raise typer.Exit(1)
