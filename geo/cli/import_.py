"""``tenglong import``: bring a planner's file into a workspace, safely.

``tenglong import SOURCE --into WS`` reads SOURCE (GeoPackage, shapefile or a
zip of one, GeoJSON, KML/KMZ, DXF, GeoParquet, CSV/xlsx with WKT or x/y
columns, 报盘坐标 txt) in a sandboxed parser, shows what it understood (format, encoding,
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
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from geo.errors import InputError, TenglongError

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
            ".dxf, .parquet, .csv, .xlsx, or a FileGDB folder (.gdb, e.g. a 三调 database)."
        ),
    ],
    *,
    into: Annotated[
        Path,
        typer.Option(
            "--into",
            help="Workspace GeoPackage (.gpkg) to import into; a new one is created when it does "
            "not exist (see --district).",
        ),
    ],
    district: Annotated[
        str | None,
        typer.Option(
            "--district",
            help="For a new workspace: its county-level district (name or adcode); found from "
            "the data's location when omitted.",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="For a new workspace: its title (default: the district)."),
    ] = None,
    layer: Annotated[
        str | None,
        typer.Option(
            help="Table to write: parcels, areas, roads, enterprises or landuse_survey "
            "(现状地类 from a 三调 DLTB layer); guessed if omitted."
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
    where: Annotated[
        str | None,
        typer.Option(
            help="Read only the features meeting an OGR SQL condition, e.g. "
            "\"DLBM IN ('0601','0602','0508')\" (a 三调 DLTB layer then imports as parcels)."
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help="A named 三调 filter instead of --where: industrial (0601, 0602, 0508), "
            "factory (0601), mining (0602), storage (0508), commercial (05H1)."
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
    atomic. When --into does not exist, a new workspace for the district
    (--district, or the one holding most of the data) is created with the
    import, and only if the import is written.
    """
    console = Console()
    err_console = Console(stderr=True)

    def fail(message: str, code: int) -> typer.Exit:
        err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
        return typer.Exit(code)

    target = into
    fresh: _NewTarget | None = None
    try:
        mapping = _pairs(map_, option="--map", last=True)
        defaults = _pairs(default, option="--default", last=False)
        if report is not None and report.suffix.lower() not in (".xlsx", ".csv"):
            raise _BadOptionError(f"--report {report}: use a file name ending in .xlsx or .csv")
        if not into.exists():
            fresh = _new_target(
                source,
                into,
                district=district,
                name=name,
                crs=crs,
                source_crs=source_crs,
                encoding=encoding,
                source_layer=source_layer,
                layer=layer,
                where=where,
                preset=preset,
                console=console,
            )
        elif district is not None or name is not None:
            raise _BadOptionError(
                f"--district and --name are for a new workspace, but {into} exists; drop them "
                f"(the workspace keeps its district)"
            )
    except _BadOptionError as err:
        raise fail(str(err), 2) from None
    except TenglongError as err:
        raise fail(str(err), 2) from None
    try:
        _import(
            fresh.data if fresh else source,
            into=fresh.tmp if fresh else into,
            target=target,
            fresh=fresh,
            layer=layer,
            crs=crs,
            source_crs=source_crs,
            encoding=encoding,
            mapping=mapping,
            defaults=defaults,
            source_layer=source_layer,
            mode=mode,
            where=where,
            preset=preset,
            strict=strict,
            skip_invalid=skip_invalid,
            rejected=rejected,
            accept_repairs=accept_repairs,
            dry_run=dry_run,
            report=report,
            sample=sample,
            user=user,
            console=console,
            fail=fail,
        )
    finally:
        if fresh is not None and fresh.tmp.exists():
            fresh.tmp.unlink()


@dataclass
class _NewTarget:
    """A workspace created for ``tenglong import --into NEW.gpkg``, under a temporary name."""

    tmp: Path
    data: Any
    """The source as read (:class:`geo.io.SourceData`), not parsed twice."""


def _new_target(
    source: Path,
    into: Path,
    *,
    district: str | None,
    name: str | None,
    crs: str | None,
    source_crs: str | None,
    encoding: str | None,
    source_layer: str | None,
    layer: str | None,
    where: str | None,
    preset: str | None,
    console: Console,
) -> _NewTarget:
    """Read the source and create the new workspace next to ``into`` under a temporary name.

    The district is ``district`` or the one holding most of the source's
    features (printed, with how to override it).
    """
    from geo.district import find_district
    from geo.io import read_source
    from geo.io.locate import locate_source
    from geo.io.survey import resolve_where
    from geo.workspace_new import check_target, create_workspace

    check_target(into)
    chosen = find_district(district) if district is not None else None
    data = read_source(
        source,
        encoding=encoding,
        source_layer=source_layer,
        prefer_layer=layer,
        where=resolve_where(where, preset),
    )
    if chosen is not None:
        found = chosen
    else:
        located = locate_source(data, crs=crs, source_crs=source_crs)
        found = located.district
        others = ", ".join(f"{d.name} ({d.adcode}) {n}" for d, n in located.counts[1:4])
        console.print(
            f"district found from the data: {escape(found.name)} ({found.adcode}, "
            f"{escape(found.parent)}), {located.share:.0%} of "
            f"{'parcels' if (layer or 'parcels') == 'parcels' else 'features'}"
            + (f" (also {escape(others)})" if others else "")
            + (f"; {located.n_outside} in no district" if located.n_outside else "")
            + "; override with --district",
            highlight=False,
            soft_wrap=True,
        )
    tmp = into.with_name(f".{into.stem}-new-{uuid.uuid4().hex[:8]}.gpkg")
    create_workspace(tmp, district=found, name=name)
    console.print(
        f"new workspace {escape(str(into))}: {escape((name or '').strip() or found.full_name)} "
        f"({found.adcode}); written only with the import",
        highlight=False,
        soft_wrap=True,
    )
    return _NewTarget(tmp=tmp, data=data)


def _import(
    source: Any,
    *,
    into: Path,
    target: Path,
    fresh: _NewTarget | None,
    layer: str | None,
    crs: str | None,
    source_crs: str | None,
    encoding: str | None,
    mapping: dict[str, str],
    defaults: dict[str, str],
    source_layer: str | None,
    mode: ImportMode,
    where: str | None,
    preset: str | None,
    strict: bool,
    skip_invalid: bool,
    rejected: Path | None,
    accept_repairs: bool,
    dry_run: bool,
    report: Path | None,
    sample: int,
    user: str | None,
    console: Console,
    fail: Any,
) -> None:
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

    try:
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
            where=where,
            preset=preset,
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
        rejected_path = rejected or target.parent / rejected_name(
            preview.source.name, preview.source.format
        )
        src_path = source if isinstance(source, Path) else Path(preview.source.name)
        if rejected_path.resolve() in (target.resolve(), src_path.resolve()):
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
            + (f" ({target} not created)" if fresh else "")
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
        raise fail(
            str(err) + (f" ({target} not created)" if fresh else ""),
            1 if isinstance(err, ImportBlockedError) else 2,
        ) from None
    if fresh is not None:
        from geo.workspace_new import move_into_place

        try:
            move_into_place(fresh.tmp, target)
        except InputError as err:
            if staged is not None:
                staged.unlink(missing_ok=True)
            raise fail(str(err), 2) from None
    if staged is not None and rejected_path is not None:
        commit_rejected(staged, rejected_path)
    console.print(
        f"[green]imported[/green] {result.rows_written} row(s) into {result.table} of "
        f"{escape(str(target))} ({result.mode}; {result.rows_total} row(s) now)"
        + (" — a new workspace" if fresh else "")
    )
    if rejected_path is not None:
        console.print(
            f"[yellow]rejected[/yellow] {preview.n_rejected} row(s), written to "
            f"{escape(str(rejected_path))} with a 'problem' column: fix them there and import "
            f"that file again",
            soft_wrap=True,
        )
