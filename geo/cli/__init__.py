"""The ``tenglong`` command line (typer + rich): one module per command.

Each command lives in its own module of this package and is registered
here. Modules import what they compute with inside the command, so that
``tenglong --help`` does not load pandas, geopandas or GDAL. Every error
Tenglong raises on purpose subclasses :class:`geo.errors.TenglongError`;
:func:`main` shows one that a command did not handle as a message, never a
traceback.
"""

from __future__ import annotations

import logging

import typer

from geo.cli import check, convert, demo, edit, export, import_, info, summary

app = typer.Typer(
    name="tenglong",
    help="Tenglong (腾笼): land-reuse planning for old industrial districts.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress.")) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


app.command("info")(info.info)
app.add_typer(demo.demo_app, name="demo")
app.command("summary")(summary.summary)
app.command("benefit")(check.benefit)
app.command("check")(check.check)
app.command("export")(export.export)
app.command("import")(import_.import_)
app.command("set-status")(edit.set_status)
app.command("set-field")(edit.set_field)
app.command("history")(edit.history)
app.command("migrate")(edit.migrate)
app.command("serve")(edit.serve)
app.command("convert")(convert.convert)


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
