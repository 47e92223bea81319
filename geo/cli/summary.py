"""``tenglong summary``: land-release summaries on the command line.

``tenglong summary WS`` prints the freed land of a workspace (released,
stored, supplied, in production) by planning area, one block per nesting
level, with a row for the land outside every area (区外) and a total per level
that equals the freed total (:func:`geo.release.release_summary`).

Options choose the grouping (``--by``, repeatable for combinations such as
area × status), the areas (``--layout``, ``--kind``, ``--level``), the
statuses counted (``--status``), the unit (``--unit mu|ha|m2``) and the
output (``--format table|csv|json``, ``--out FILE``). CSV and JSON columns
carry their unit (``area_mu``, ``area_ha``, ``area_m2``).

Exit codes: 0 done; 2 bad input (a path, status, kind, layout, level or
option that cannot be used — the message lists the valid values).
"""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from geo.cells import frame_csv
from geo.cli._options import (
    EngineChoice,
    EngineOption,
    OutputFormat,
    SchedulerOption,
    WorkersOption,
)
from geo.errors import InputError
from geo.schema import STATUS_LABELS

logger = logging.getLogger(__name__)


class AreaUnit(StrEnum):
    """The unit of the area column."""

    mu = "mu"
    ha = "ha"
    m2 = "m2"


class OverlapChoice(StrEnum):
    """Who gets the overlap of two areas of one level."""

    smallest = "smallest"
    order = "order"


_UNIT_LABELS = {"mu": "亩 mu", "ha": "公顷 ha", "m2": "平方米 m²"}


class _InputError(InputError):
    """Bad input: printed, exit code 2."""


def _split(values: list[str] | None) -> list[str] | None:
    """Repeated options, each possibly comma-separated, as one list."""
    if not values:
        return None
    out = [v.strip() for item in values for v in str(item).split(",")]
    return [v for v in out if v]


def _resolve_format(fmt: OutputFormat | None, out: Path | None) -> OutputFormat:
    if fmt is not None:
        if out is not None and fmt is OutputFormat.table:
            raise _InputError(
                f"--out {out}: give --format csv or --format json (a table is for the terminal)"
            )
        return fmt
    if out is None:
        return OutputFormat.table
    suffix = out.suffix.lower().lstrip(".")
    if suffix in ("csv", "json"):
        return OutputFormat(suffix)
    raise _InputError(
        f"--out {out}: give --format csv or --format json, or a file ending in .csv or .json"
    )


def _output_frame(df: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The columns written: the groups, ``n_parcels`` and the area in ``unit``."""
    drop = [c for c in ("area_m2", "area_mu", "area_ha", "share") if c != f"area_{unit}"]
    return df.drop(columns=[c for c in drop if c in df.columns])


def _cell(value: Any, column: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return "—" if column == "year" else ""
    if column.startswith("area_") and column not in ("area_id", "area_name", "area_name_en"):
        return f"{float(value):,.2f}"
    if column == "status":
        zh = STATUS_LABELS.get(str(value), ("", ""))[0]
        return f"{value} {zh}".strip()
    if column == "n_parcels":
        return f"{int(value):,}"
    return str(value)


def _rich_tables(df: pd.DataFrame, *, unit: str, title: str) -> list[RichTable]:
    """One table per level (or one table), each closed by a total row."""
    area_col = f"area_{unit}"
    shown = [c for c in df.columns if c not in ("level", "area_name_en")]
    blocks = [(None, df)] if "level" not in df.columns else list(df.groupby("level", sort=True))
    tables = []
    for level, block in blocks:
        heading = title if level is None or len(blocks) == 1 else f"{title} — level {level}"
        t = RichTable(title=heading, title_justify="left", show_footer=True)
        for col in shown:
            footer = ""
            if col == shown[0]:
                footer = "合计 total"
            elif col == area_col:
                footer = f"{block[area_col].sum():,.2f}"
            numeric = col in (area_col, "n_parcels")
            t.add_column(
                col if col != area_col else f"{col} ({_UNIT_LABELS[unit]})",
                footer=footer,
                justify="right" if numeric else "left",
                overflow="fold",
                no_wrap=col not in ("area_name", "industry_before", "district"),
            )
        for row in block[shown].itertuples(index=False):
            t.add_row(*(escape(_cell(v, c)) for v, c in zip(row, shown, strict=True)))
        tables.append(t)
    return tables


def _write(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as err:
        raise _InputError(f"cannot write {out}: {err}") from None
    Console(stderr=True).print(f"wrote {escape(str(out))}", highlight=False)


def summary(
    workspace: Annotated[
        Path, typer.Argument(help="Workspace GeoPackage (.gpkg) or GeoParquet dataset directory.")
    ],
    *,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Group by area, status, year, industry or district; repeat (or use commas) "
            "for combinations, e.g. --by area --by status. Default: area.",
        ),
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option(help="Only the areas of a layout (e.g. 一区一园一廊), or a site's area_id."),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="Only areas of this kind (zone, park, corridor, base, site, plate, …)."),
    ] = None,
    level: Annotated[
        int | None, typer.Option(help="Only areas at this nesting level (0: no parent area).")
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            help="Count land in these statuses (repeatable). Default: freed land "
            "(released, stored, supplied, in_production)."
        ),
    ] = None,
    unit: Annotated[AreaUnit, typer.Option(help="Area unit: mu (亩), ha or m2.")] = AreaUnit.mu,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option("--format", help="table, csv or json (default: table, or --out's suffix)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write CSV or JSON to this file.")] = None,
    overlap: Annotated[
        OverlapChoice,
        typer.Option(
            help="Overlaps within a level go to the smallest area, or the first in order."
        ),
    ] = OverlapChoice.smallest,
    engine: EngineOption = EngineChoice.memory,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Land-release summary: freed land by area, status, year, industry or district.

    Parcels are clipped to the area boundaries; areas nest by level and each
    level's rows (with 区外 / outside) sum to the total.
    """
    from geo.dataset import open_dataset
    from geo.engine import EngineError, open_selection, release_summary
    from geo.layout import derive_corridors, layout_elements
    from geo.release import BY_SOURCE_COLUMNS, ReleaseError, check_by, check_statuses
    from geo.workspace import WorkspaceError

    try:
        dims = check_by(_split(by) or ["area"])
        statuses = check_statuses(_split(status))
        kinds = _split(kind)
        if (layout is not None or kinds is not None or level is not None) and "area" not in dims:
            dims = ["area", *dims]
        fmt_ = _resolve_format(fmt, out)
        try:
            if engine is EngineChoice.memory:
                # Only the parcel columns and rows the summary counts, and the tables it cuts by.
                ws = open_selection(
                    workspace,
                    optional_columns=[
                        "parcel_id",
                        "status",
                        *(BY_SOURCE_COLUMNS[d] for d in dims if d in BY_SOURCE_COLUMNS),
                    ],
                    statuses=statuses,
                    tables=["areas", "roads"] if layout is not None else ["areas"],
                )
            else:
                ws = open_dataset(workspace, validate=False)
        except (WorkspaceError, ValueError) as err:
            raise _InputError(str(err)) from None
        areas = ws.areas
        if layout is not None:
            areas = derive_corridors(layout_elements(areas, layout), ws.get("roads"))
        df = release_summary(
            ws,
            areas,
            by=dims,
            statuses=statuses,
            kinds=kinds,
            level=level,
            overlap=overlap.value,
            engine=engine.value,
            workers=workers,
            scheduler=scheduler,
            progress=True,
        )
    except (_InputError, ReleaseError, EngineError) as err:
        Console(stderr=True).print(
            f"[red]error:[/red] {escape(str(err))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from None

    frame = _output_frame(df, unit.value)
    try:
        if fmt_ is OutputFormat.csv:
            _write(frame_csv(frame), out)
        elif fmt_ is OutputFormat.json:
            records = json.loads(frame.to_json(orient="records", force_ascii=False))
            _write(json.dumps(records, ensure_ascii=False, indent=1) + "\n", out)
        else:
            console = Console()
            scope = f"layout {layout}" if layout else "all areas"
            title = (
                f"{ws.name}: {'/'.join(statuses)} land by {' × '.join(dims)} ({scope}), "
                f"{_UNIT_LABELS[unit.value]}"
            )
            if ws.schematic:
                title += " — 示意 / schematic"
            for table in _rich_tables(frame, unit=unit.value, title=title):
                console.print(table)
    except _InputError as err:
        Console(stderr=True).print(f"[red]error:[/red] {escape(str(err))}", highlight=False)
        raise typer.Exit(2) from None
