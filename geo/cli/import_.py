"""``tenglong import``: bring a planner's file into a workspace, safely.

``tenglong import SOURCE --into WS`` reads SOURCE (GeoPackage, shapefile or a
zip of one, GeoJSON, KML/KMZ, DXF, GeoParquet, CSV/xlsx with WKT or x/y
columns) in a sandboxed parser, shows what it understood (format, encoding,
CRS, column mapping, the first rows decoded) and every finding, then writes
the rows into the workspace only if nothing blocks. See :mod:`geo.io`.

Only a parcel's id and geometry are needed: a required field the file has no
column for, or leaves empty, is stored as unknown and counted in the
completeness table (``--strict`` refuses such a file instead). With
``--skip-invalid`` rows with an error (outside the district, a geometry that
cannot be repaired, a duplicate id…) no longer block the file: the other rows
are written and the rejected ones go to ``<source stem>-rejected.<ext>`` next
to the workspace (or ``--rejected PATH``) with a ``problem`` column, to fix
and import again (docs/architecture.md §3).

Exit codes: 0 imported (or ``--dry-run`` with nothing blocking); 1 blocked by
the validation report (errors, or repairs not accepted with
``--accept-repairs``); 2 bad input (an unsafe, unreadable or unsupported
file, a missing CRS, an unusable option). The workspace is never modified
unless the exit code is 0 and ``--dry-run`` is not given.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from geo.errors import InputError

logger = logging.getLogger(__name__)

_STYLE = {
    "error": "red",
    "rejected": "red",
    "repaired": "magenta",
    "warning": "yellow",
    "info": "dim",
}
MAX_FINDINGS_SHOWN = 40


class ImportMode(StrEnum):
    """Append rows to the table, or replace the table."""

    append = "append"
    replace = "replace"


def _pairs(values: list[str] | None, *, option: str, last: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        if "=" not in v:
            raise _BadOptionError(f"{option} {v}: write {option} NAME=VALUE")
        key, _, value = v.rpartition("=") if last else v.partition("=")
        if not key.strip():
            raise _BadOptionError(f"{option} {v}: the name before = is empty")
        out[key.strip()] = value.strip()
    return out


class _BadOptionError(InputError):
    """An unusable command-line option (exit code 2)."""


def _cell(value: Any, *, limit: int | None = 60) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    if isinstance(value, float):
        return f"{value:,.4g}"
    text = str(value)
    return escape(text if limit is None or len(text) <= limit else text[: limit - 1] + "…")


def _table(df: pd.DataFrame, *, title: str, style_col: str | None = None) -> RichTable:
    t = RichTable(title=title, title_justify="left")
    for col in df.columns:
        long_text = str(col) == "message"
        t.add_column(escape(str(col)), overflow="fold", ratio=3 if long_text else None)
    for _, row in df.iterrows():
        style = _STYLE.get(str(row[style_col])) if style_col else None
        cells = [
            _cell(v, limit=None if str(c) == "message" else 60)
            for c, v in zip(df.columns, row.to_list(), strict=True)
        ]
        t.add_row(*cells, style=style)
    return t


def _print_preview(preview: Any, console: Console, *, sample: int) -> None:
    src = preview.source
    console.print(
        f"[bold]source[/bold]  {escape(src.name)} — {escape(src.format_name)} via "
        f"{escape(src.driver)}, {len(src.frame)} row(s)"
        + (f", layer {escape(src.layer)}" if src.layer else ""),
        highlight=False,
    )
    if src.encoding:
        console.print(
            f"[bold]encoding[/bold]  {src.encoding} ({escape(src.encoding_reason)})",
            highlight=False,
        )
    if preview.crs is not None:
        console.print(
            f"[bold]CRS[/bold]  {escape(preview.crs_note)} → workspace "
            f"{preview.workspace_crs.to_string()}",
            highlight=False,
        )
    elif src.has_geometry and preview.suggested_epsg:
        console.print(
            f"[bold]CRS[/bold]  none; suggested EPSG:{preview.suggested_epsg} "
            f"({escape(preview.crs_reason)})",
            highlight=False,
        )
    console.print(
        f"[bold]table[/bold]  {preview.table} ({preview.mode}) — {escape(preview.table_reason)}",
        highlight=False,
    )
    console.print(_table(preview.plan.frame(), title="column mapping"))
    if sample and len(preview.sample):
        head = preview.sample.head(sample)
        shown_sample = head.T.reset_index()
        shown_sample.columns = ["column", *[f"row {i}" for i in head.index]]
        console.print(_table(shown_sample, title="first rows (decoded)"))
    rep = preview.report
    shown = rep[rep["severity"] != "info"] if len(rep) else rep
    if len(shown):
        console.print(
            _table(
                shown.head(MAX_FINDINGS_SHOWN)[
                    ["severity", "code", "row", "id", "column", "message"]
                ],
                title="findings",
                style_col="severity",
            )
        )
        if len(shown) > MAX_FINDINGS_SHOWN:
            console.print(
                f"… and {len(shown) - MAX_FINDINGS_SHOWN} more (write them with --report)"
            )
    complete = preview.completeness
    if complete is not None and int(complete["n_missing"].sum()):
        shown_c = complete[complete["n_missing"] > 0]
        console.print(
            _table(
                pd.DataFrame(
                    {
                        "field": shown_c["field"],
                        "label": shown_c["label_zh"] + " / " + shown_c["label_en"],
                        "unknown in": [
                            f"{m} of {n}"
                            for m, n in zip(shown_c["n_missing"], shown_c["n_rows"], strict=True)
                        ],
                    }
                ),
                title="completeness (数据完整性): parcels lacking a field, stored as unknown",
            )
        )
    c = preview.counts
    console.print(
        f"{c['error']} error(s), {c['rejected']} row(s) rejected, {c['repaired']} repaired, "
        f"{c['warning']} warning(s), {c['info']} note(s)"
    )


def import_(
    source: Annotated[
        Path,
        typer.Argument(
            help="File to import: .gpkg, .shp (with its parts), .zip, .geojson, .kml/.kmz, "
            ".dxf, .parquet, .csv or .xlsx."
        ),
    ],
    *,
    into: Annotated[
        Path, typer.Option("--into", help="Workspace GeoPackage (.gpkg) to import into.")
    ],
    layer: Annotated[
        str | None,
        typer.Option(
            help="Table to write: parcels, areas, roads or enterprises (guessed if omitted)."
        ),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option(
            help="EPSG code of the source when it has none (e.g. 4547, 4526, 4490), or to "
            "replace a wrong .prj."
        ),
    ] = None,
    source_crs: Annotated[
        str | None,
        typer.Option(
            "--source-crs",
            help="gcj02 (高德/Gaode) or bd09 (百度/Baidu): degrees digitised on a shifted web map, "
            "converted back to WGS84/CGCS2000.",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding of the source (GBK, UTF-8…); detected if omitted."),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="SOURCE_COLUMN=FIELD, repeatable: map a column onto a field (area_mu, area_ha, "
            "area_m2 for a declared area; - to leave it out).",
        ),
    ] = None,
    default: Annotated[
        list[str] | None,
        typer.Option(
            "--default",
            help="FIELD=VALUE, repeatable: fill FIELD where the source leaves it empty.",
        ),
    ] = None,
    source_layer: Annotated[
        str | None,
        typer.Option(
            "--source-layer",
            help="Dataset inside a zip, layer of a GeoPackage/KML, sheet of an xlsx, or CAD layer.",
        ),
    ] = None,
    mode: Annotated[
        ImportMode, typer.Option(help="append (ids must be new) or replace the whole table.")
    ] = ImportMode.append,
    accept_repairs: Annotated[
        bool, typer.Option("--accept-repairs", help="Write even though geometries were repaired.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report only; write nothing.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Write every finding to this .xlsx or .csv file.")
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Refuse parcels whose required fields have no column or whose status is empty "
            "(by default they are stored as unknown).",
        ),
    ] = False,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Write the valid rows; rows with errors go to the rejected-rows file.",
        ),
    ] = False,
    rejected: Annotated[
        Path | None,
        typer.Option(
            help="Where --skip-invalid writes the rejected rows (default: "
            "SOURCE_STEM-rejected.EXT next to the workspace)."
        ),
    ] = None,
    sample: Annotated[int, typer.Option(help="Decoded source rows to show.")] = 5,
    user: Annotated[str | None, typer.Option(help="Name recorded in the audit table.")] = None,
) -> None:
    """Import a shapefile, KML, DXF, GeoJSON, GeoPackage, GeoParquet, CSV or xlsx into a workspace.

    Nothing is written unless every row validates (or its repairs are accepted
    with --accept-repairs, or its bad rows are set aside with --skip-invalid);
    fields the file lacks are stored as unknown unless --strict; the write is
    atomic.
    """
    from geo.io import (
        DataImportError,
        apply_import,
        commit_rejected,
        name_rejected_file,
        preview_import,
        rejected_name,
        stage_rejected,
        write_report,
    )

    console = Console()
    err_console = Console(stderr=True)

    def fail(message: str, code: int) -> typer.Exit:
        err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
        return typer.Exit(code)

    try:
        mapping = _pairs(map_, option="--map", last=True)
        defaults = _pairs(default, option="--default", last=False)
        if report is not None and report.suffix.lower() not in (".xlsx", ".csv"):
            raise _BadOptionError(f"--report {report}: use a file name ending in .xlsx or .csv")
        preview = preview_import(
            source,
            workspace=into,
            layer=layer,
            crs=crs,
            source_crs=source_crs,
            encoding=encoding,
            mapping=mapping,
            defaults=defaults,
            source_layer=source_layer,
            mode=mode.value,
            strict=strict,
            skip_invalid=skip_invalid,
        )
        if rejected is not None and not skip_invalid:
            raise _BadOptionError("--rejected PATH is used with --skip-invalid; add it")
    except _BadOptionError as err:
        raise fail(str(err), 2) from None
    except DataImportError as err:
        if report is not None:  # one line saying why nothing could be read
            from geo.io.report import Finding, report_frame

            try:
                write_report(report_frame([Finding("error", type(err).__name__, str(err))]), report)
            except (OSError, ValueError) as write_err:
                logger.warning("cannot write the report %s: %s", report, write_err)
        raise fail(str(err), 2) from None

    rejected_path: Path | None = None
    if preview.rejected is not None:
        rejected_path = rejected or into.parent / rejected_name(
            preview.source.name, preview.source.format
        )
        if rejected_path.resolve() in (into.resolve(), source.resolve()):
            raise fail(
                f"--rejected {rejected_path}: that is the workspace or the source; give "
                f"another file; nothing written",
                2,
            )
        preview.report = name_rejected_file(preview.report, rejected_path)
    _print_preview(preview, console, sample=sample)
    if report is not None:
        try:
            write_report(preview.report, report)
        except (OSError, ValueError) as err:
            raise fail(f"cannot write the report {report}: {err}", 2) from None
        console.print(f"wrote the report to {escape(str(report))}")
    if preview.needs_crs:
        hint = f" --crs {preview.suggested_epsg}" if preview.suggested_epsg else " --crs EPSG"
        raise fail(
            f"{preview.source.name} has no CRS ({preview.crs_reason}). Tenglong does not guess: "
            f"check where the data lies and run again with{hint}; nothing written",
            2,
        )
    if dry_run:
        ok = preview.can_apply(accept_repairs=accept_repairs)
        console.print(
            ("dry run: the import would be written" if ok else "dry run: the import is blocked")
            + "; nothing written"
        )
        raise typer.Exit(0 if ok else 1)
    staged: Path | None = None
    if rejected_path is not None and preview.can_apply(accept_repairs=accept_repairs):
        try:
            staged = stage_rejected(preview.rejected, rejected_path)
        except DataImportError as err:
            raise fail(str(err), 2) from None
    try:
        result = apply_import(preview, accept_repairs=accept_repairs, user=user)
    except DataImportError as err:
        from geo.io import ImportBlockedError

        if staged is not None:
            staged.unlink(missing_ok=True)  # nothing imported: no rejected-rows file either
        raise fail(str(err), 1 if isinstance(err, ImportBlockedError) else 2) from None
    if staged is not None and rejected_path is not None:
        commit_rejected(staged, rejected_path)
    console.print(
        f"[green]imported[/green] {result.rows_written} row(s) into {result.table} of "
        f"{escape(str(result.path))} ({result.mode}; {result.rows_total} row(s) now)"
    )
    if rejected_path is not None:
        console.print(
            f"[yellow]rejected[/yellow] {preview.n_rejected} row(s), written to "
            f"{escape(str(rejected_path))} with a 'problem' column: fix them there and import "
            f"that file again",
            soft_wrap=True,
        )
