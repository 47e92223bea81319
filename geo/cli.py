"""The ``tenglong`` command line (typer + rich).

Each family of commands lives in its own module and is registered here.
"""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

app = typer.Typer(
    name="tenglong",
    help="Tenglong (腾笼): land-reuse planning for old industrial districts.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress.")) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@app.command()
def info(workspace: Path = typer.Argument(..., help="Workspace GeoPackage (.gpkg).")) -> None:
    """Print tables, row counts, CRS, extent and validation problems.

    Exit code 1 when the workspace is invalid (any error), 0 otherwise.
    """
    from geo.workspace import WorkspaceError, open_workspace

    try:
        ws = open_workspace(workspace)
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


demo_app = typer.Typer(help="Demo workspaces (schematic geometry, published figures).")
app.add_typer(demo_app, name="demo")


@demo_app.command("build")
def demo_build(
    out: Path = typer.Option(Path("data"), "--out", help="Folder for the .gpkg files."),
    only: list[str] = typer.Option(None, "--only", help="Build only these workspaces."),
) -> None:
    """Build the demo workspaces reproducibly (seeded) into OUT."""
    from geo.demo import build_all

    for path in build_all(out, only=only or None):
        console.print(f"wrote {path}")


from geo.cli_check import benefit as _benefit, check as _check  # noqa: E402

app.command("benefit")(_benefit)
app.command("check")(_check)

from geo.cli_export import export as _export  # noqa: E402

app.command("export")(_export)

from geo.cli_edit import (  # noqa: E402
    history as _history,
    migrate as _migrate,
    serve as _serve,
    set_field as _set_field,
    set_status as _set_status,
)

app.command("set-status")(_set_status)
app.command("set-field")(_set_field)
app.command("history")(_history)
app.command("migrate")(_migrate)
app.command("serve")(_serve)


from geo.cli_summary import summary as _summary  # noqa: E402

app.command("summary")(_summary)

from geo.cli_import import import_ as _import  # noqa: E402

app.command("import")(_import)


from geo.cli_convert import convert as _convert  # noqa: E402

app.command("convert")(_convert)

from geo.cli_share import share_link as _share_link  # noqa: E402

app.command("share-link")(_share_link)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
