"""``tenglong report``: the quarterly supply report or the park consolidation check, as xlsx or pdf.

``--kind quarterly`` (``--period 2024Q4``; default the last full quarter)
gives the quarter's changes and the 批供用 ledgers, 闲置土地 and 尚可供应年限 at
its end; ``--kind park-check`` the 园区整合核查 table of every park (or of
``--layout``'s elements) on ``--as-of`` (default today). Both are internal
(planners): see :mod:`geo.export.supervision`.

Exit codes: 0 written; 2 bad input (kind, format, a period that is not
YYYYQn, a layout, a missing output folder — the message says which; no file
is written); 3 a full disk or read-only output folder.

Examples
--------
::

    tenglong report data/fuxing.gpkg --kind quarterly --period 2024Q4 --out q4.xlsx
    tenglong report data/wuan.gpkg --kind park-check --format pdf --out wuan-check.pdf --lang en
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

err_console = Console(stderr=True)


def report(
    workspace: Annotated[Path, typer.Argument(help="Workspace GeoPackage (.gpkg).")],
    kind: Annotated[str, typer.Option("--kind", help="quarterly | park-check.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (its folder must exist).")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help="xlsx | pdf (default: from the --out suffix)."),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(help="quarterly: the quarter, YYYYQn (e.g. 2024Q4); default the last one."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="park-check: the day, YYYY-MM-DD (today).")
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option(help="The parks: a layout name or parent area id (default: the parks)."),
    ] = None,
    lang: Annotated[str, typer.Option(help="zh | en.")] = "zh",
) -> None:
    """Write a supervision report: the quarterly supply report or the park consolidation check."""
    from geo.export import ExportError
    from geo.export.supervision import REPORT_FORMATS, report_file
    from geo.lifecycle import LifecycleInputError
    from geo.store.errors import ReadOnlyError, StorageFullError
    from geo.workspace import WorkspaceError

    chosen = fmt or out.suffix.lstrip(".").lower()
    try:
        if chosen not in REPORT_FORMATS:
            raise ExportError(
                f"cannot write a report as {chosen or out.name!r}; give --format xlsx or pdf "
                f"(or an --out ending .xlsx or .pdf)"
            )
        path = report_file(
            workspace,
            out,
            kind=kind,
            fmt=chosen,
            period=period,
            as_of=as_of,
            layout=layout,
            lang=lang,
        )
    except (ExportError, WorkspaceError, LifecycleInputError) as err:
        err_console.print(Text.assemble(("error: ", "red"), str(err)))
        raise typer.Exit(2) from None
    except (StorageFullError, ReadOnlyError) as err:
        err_console.print(Text.assemble(("error: ", "red"), str(err)))
        raise typer.Exit(3) from None
    Console().print(f"wrote {path}")
