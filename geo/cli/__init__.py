"""The ``tenglong`` command line (typer + rich): one module per command.

Each command lives in a module of this package, listed in :data:`COMMANDS`
and imported only when the command runs, so that ``tenglong --help`` does
not load pandas, geopandas or GDAL. Every error
Tenglong raises on purpose subclasses :class:`geo.errors.TenglongError`;
:func:`main` shows one that a command did not handle as a message, never a
traceback.
"""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any, NamedTuple

import typer
from typer.core import TyperGroup


class CommandEntry(NamedTuple):
    """Where a command lives, and its one-line help for ``tenglong --help``."""

    module: str
    attr: str
    short_help: str


COMMANDS: dict[str, CommandEntry] = {
    "info": CommandEntry(
        "geo.cli.info", "info", "Print tables, row counts, CRS, extent and validation problems."
    ),
    "summary": CommandEntry(
        "geo.cli.summary",
        "summary",
        "Land-release summary: freed land by area, status, year, industry or district.",
    ),
    "benefit": CommandEntry(
        "geo.cli.check",
        "benefit",
        "亩均效益 evaluation (亩均论英雄) of the workspace's enterprises.",
    ),
    "check": CommandEntry(
        "geo.cli.check",
        "check",
        "Check control indicators, the soil gate, milestones and idle-land rules.",
    ),
    "export": CommandEntry(
        "geo.cli.export",
        "export",
        "Write WORKSPACE as a standalone file for one role (xlsx, csv, GIS formats, PDF, HTML).",
    ),
    "report": CommandEntry(
        "geo.cli.report",
        "report",
        "Write a supervision report: the quarterly supply report or the park consolidation check.",
    ),
    "new": CommandEntry(
        "geo.cli.new",
        "new",
        "Create an empty workspace for a county-level district (or from a boundary file).",
    ),
    "import": CommandEntry(
        "geo.cli.import_",
        "import_",
        "Import a shapefile, KML, DXF, GeoJSON, GeoPackage, GeoParquet, CSV or xlsx into a "
        "workspace.",
    ),
    "set-status": CommandEntry(
        "geo.cli.edit",
        "set_status",
        "Change a parcel's status (with its date and a note), in one audited transaction.",
    ),
    "set-field": CommandEntry(
        "geo.cli.edit",
        "set_field",
        "Change one attribute of a parcel, in one audited transaction.",
    ),
    "update": CommandEntry(
        "geo.cli.update",
        "update",
        "Update parcels from a ledger (xlsx/csv keyed by 地块编号) in one audited transaction.",
    ),
    "split": CommandEntry(
        "geo.cli.geometry",
        "split",
        "Split a parcel along a line or into lots; the parent is retired, the lots are new "
        "parcels.",
    ),
    "merge": CommandEntry(
        "geo.cli.geometry",
        "merge",
        "Merge adjacent parcels into one; the sources are retired and recorded as its parent_id.",
    ),
    "reshape": CommandEntry(
        "geo.cli.geometry",
        "reshape",
        "Replace a parcel's outline (e.g. after 勘测定界); checked, never repaired.",
    ),
    "retire": CommandEntry(
        "geo.cli.geometry",
        "retire",
        "Retire parcels: they stay in the table with their history but count nowhere.",
    ),
    "restore": CommandEntry(
        "geo.cli.geometry",
        "restore",
        "Bring back a geometry version of a parcel, as a new audited change.",
    ),
    "create": CommandEntry(
        "geo.cli.geometry",
        "create",
        "Create a parcel from an outline; fields not given with --set are unknown.",
    ),
    "contracts": CommandEntry(
        "geo.cli.supply",
        "contracts",
        "Import supply contracts (xlsx/csv keyed by 电子监管号) in one audited transaction.",
    ),
    "idle": CommandEntry(
        "geo.cli.supply",
        "idle",
        "List idle-land cases (闲置土地) and take the procedure's steps, audited.",
    ),
    "history": CommandEntry(
        "geo.cli.edit",
        "history",
        "List the audit log of a parcel: who changed which field when, before → after.",
    ),
    "migrate": CommandEntry(
        "geo.cli.edit",
        "migrate",
        "Copy a workspace GeoPackage ⇄ PostGIS schema (geometry bit-identical, audit kept).",
    ),
    "serve": CommandEntry(
        "geo.cli.edit",
        "serve",
        "Start the Streamlit app; --mode investor starts an investor-only instance.",
    ),
    "share-link": CommandEntry(
        "geo.cli.share",
        "share_link",
        "Print a signed share link that opens the investor presentation of WORKSPACE.",
    ),
    "convert": CommandEntry(
        "geo.cli.convert",
        "convert",
        "Convert a workspace to a GeoParquet dataset directory, or back to a GeoPackage.",
    ),
    "demo": CommandEntry(
        "geo.cli.demo", "demo_app", "Demo workspaces (schematic geometry, published figures)."
    ),
}
"""Every command, in the order ``tenglong --help`` lists them.

A command's module is imported only when that command runs (or its own
``--help`` is asked for), so ``tenglong --help`` needs neither pandas nor
GDAL. ``tests/test_architecture.py`` checks that :attr:`CommandEntry.short_help`
is the first paragraph of the command's docstring."""


def load_command(name: str) -> Any:
    """The typer function or sub-app behind command ``name`` (its module imported now)."""
    entry = COMMANDS[name]
    return getattr(import_module(entry.module), entry.attr)


class LazyGroup(TyperGroup):
    """A command group that imports a command's module when the command is used."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        if self._listing:  # the group's own --help: the one-line help is enough
            short = COMMANDS[cmd_name].short_help
            return typer.core.TyperCommand(cmd_name, help=short, short_help=short)
        target = load_command(cmd_name)
        if isinstance(target, typer.Typer):
            cmd = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False)
            single.command(cmd_name)(target)
            cmd = typer.main.get_command(single)
        cmd.name = cmd_name
        self.commands[cmd_name] = cmd
        return cmd

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="tenglong",
    help="Tenglong (腾笼): land-reuse planning for old industrial districts.",
    no_args_is_help=True,
    add_completion=False,
    cls=LazyGroup,
)


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress.")) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def main() -> None:  # pragma: no cover
    """Run the command line; an unhandled Tenglong error exits 2 with its message."""
    from rich.console import Console
    from rich.markup import escape

    from geo.errors import TenglongError

    try:
        app(standalone_mode=True)
    except TenglongError as err:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(err))}", soft_wrap=True)
        raise SystemExit(2) from None


if __name__ == "__main__":  # pragma: no cover
    main()
