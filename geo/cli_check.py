"""``tenglong benefit`` and ``tenglong check``: 亩均 evaluation and rule checks.

``tenglong benefit WS`` scores the workspace's enterprises with a 亩均 preset
(:mod:`geo.benefit`) and prints each firm's indicators, score, class and rank
and a summary by class in 亩.

``tenglong check WS`` runs the rule checks the workspace's data allows and
prints one table of findings, each with a severity:

- ``blocking``: a project figure (``far``, ``coverage``, ``admin_ratio``,
  ``green_ratio``, ``invest_wan_per_mu``) on a parcel planned for industry
  breaks a control indicator (:mod:`geo.control`; the investment minimum is
  the planning area's ``invest_wan_per_mu`` target); polluting land is
  planned for a sensitive use without a soil investigation (:mod:`geo.soil`);
  a milestone is past due and not done (:mod:`geo.lifecycle`);
- ``warning``: a planning area's target is looser than the national control;
  supplied land meets an idle-land rule; the polluting history of land planned
  for a sensitive use is unknown;
- ``info``: a rule that could not be applied because its data is absent (it
  is reported, never guessed).

Exit codes: 0 done; 1 a blocking finding with ``--strict``; 2 bad input (a
path, preset, configuration file or option that cannot be used — the message
says which).

CSV and JSON output keeps the column names of the library, which carry their
units (``land_mu``, ``tax_wan_per_mu``, ``dist_m``…).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from geo.cells import frame_csv
from geo.cli_convert import EngineChoice, EngineOption, SchedulerOption, WorkersOption

logger = logging.getLogger(__name__)

FINDING_COLUMNS: tuple[str, ...] = (
    "check",
    "severity",
    "subject_id",
    "rule_id",
    "status",
    "required",
    "actual",
    "unit",
    "area_mu",
    "message_zh",
    "message_en",
)
"""Columns of the ``tenglong check`` findings table."""

SEVERITIES: tuple[str, ...] = ("blocking", "warning", "info")

_PROJECT_FIGURES = ("far", "coverage", "admin_ratio", "green_ratio", "invest_wan_per_mu")


class OutputFormat(StrEnum):
    """How results are written."""

    table = "table"
    csv = "csv"
    json = "json"


class _InputError(Exception):
    """Bad input for a command: printed and exit code 2."""


# ---------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------


def _resolve_format(fmt: OutputFormat, out: Path | None) -> OutputFormat:
    """With ``--out`` and the table format, take the format from the file suffix."""
    if out is None or fmt is not OutputFormat.table:
        return fmt
    suffix = out.suffix.lower().lstrip(".")
    if suffix in ("csv", "json"):
        return OutputFormat(suffix)
    raise _InputError(
        f"--out {out}: give --format csv or --format json, or a file ending in .csv or .json"
    )


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(df.to_json(orient="records", force_ascii=False, date_format="iso"))


def _write(text: str, out: Path | None, console: Console) -> None:
    if out is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as err:
        raise _InputError(f"cannot write {out}: {err}") from None
    console.print(f"wrote {out}")


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else str(value.date())
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"
    return str(value)


_NO_WRAP = frozenset({"enterprise_id", "subject_id", "severity", "check", "class", "scale"})


def _rich_table(df: pd.DataFrame, *, title: str, style: dict[str, str] | None = None) -> RichTable:
    """A rich table of ``df``; ``style`` maps a row's first cell to a row style."""
    t = RichTable(title=title, title_justify="left")
    for col in map(str, df.columns):
        long_text = col.startswith(("message", "name", "notes"))
        if long_text:
            t.add_column(col, overflow="fold", min_width=10, ratio=1)
        else:
            t.add_column(col, overflow="fold", no_wrap=col in _NO_WRAP)
    for row in df.itertuples(index=False):
        cells = [_cell(v) for v in row]
        t.add_row(*cells, style=style.get(cells[0]) if style else None)
    return t


def _open(workspace: Path, *, engine: Any = "memory", tables: list[str] | None = None) -> Any:
    from geo.engine import open_dataset
    from geo.workspace import WorkspaceError

    try:
        return open_dataset(workspace, engine=engine, validate=False, tables=tables)
    except (WorkspaceError, ValueError) as err:
        raise _InputError(str(err)) from None


def _fail(err: Exception) -> typer.Exit:
    Console(stderr=True).print(
        f"[red]error:[/red] {escape(str(err))}", highlight=False, soft_wrap=True
    )
    return typer.Exit(2)


# ---------------------------------------------------------------------------
# benefit
# ---------------------------------------------------------------------------

_FIRM_TABLE_COLUMNS = (
    "enterprise_id",
    "name",
    "scale",
    "land_mu",
    "tax_wan_per_mu",
    "added_value_wan_per_mu",
    "tax_wan_per_mwh",
    "score",
    "class",
    "rank",
)


def benefit(
    workspace: Annotated[
        Path, typer.Argument(help="Workspace GeoPackage (.gpkg) or GeoParquet dataset directory.")
    ],
    *,
    preset: Annotated[
        str | None,
        typer.Option(help="A shipped preset (default huangyan_2022); see --list-presets."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Your own TOML configuration (same layout as the presets).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="Evaluate this year (default: latest).")] = None,
    role: Annotated[
        str,
        typer.Option(
            help="Drop the fields this role may not see: planner, investment, investor, public."
        ),
    ] = "planner",
    summary: Annotated[bool, typer.Option(help="Output only the summary by class.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = (
        OutputFormat.table
    ),
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
    list_presets: Annotated[bool, typer.Option(help="List the presets and exit.")] = False,
    engine: Annotated[
        EngineChoice,
        typer.Option(
            "--engine",
            help="Accepted for every command; the 亩均 evaluation ranks all firms together, "
            "so it runs in memory on the enterprises table (the only table read).",
        ),
    ] = EngineChoice.memory,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """亩均效益 evaluation (亩均论英雄) of the workspace's enterprises.

    Scores every firm by the preset's weights and benchmarks, classes A-D and
    ranks within 规上/规下, and sums firms, land (亩) and tax by class. Firm
    names are internal: use --role investment/investor for anything that
    leaves the planning office.
    """
    from geo import benefit as bf

    console = Console()
    try:
        if list_presets:
            for name in bf.list_presets():
                cfg = bf.load_preset(name)
                console.print(f"[bold]{name}[/bold]  {cfg.title_zh} / {cfg.title_en}")
                console.print(f"    {cfg.source}", highlight=False)
            return
        if preset is not None and config is not None:
            raise _InputError("give --preset or --config, not both")
        if config is not None:
            cfg = bf.load_benefit_config(config)
        else:
            cfg = bf.load_preset(preset or bf.DEFAULT_PRESET)
        if role not in bf.ROLES:
            raise _InputError(f"unknown role {role!r}; roles: {', '.join(bf.ROLES)}")
        fmt = _resolve_format(fmt, out)
        ws = _open(workspace, tables=["enterprises"])
        ent = ws.get("enterprises")
        if ent is None or ent.empty:
            raise _InputError(
                f"{workspace} has no enterprises (the enterprises table is absent or empty); "
                f"import the firms' 亩均 data first"
            )
        result = bf.evaluate(ent, cfg, year=year)
        summ = bf.summarize(result)
        firms = bf.drop_internal(result, role=role)
        if fmt is OutputFormat.csv:
            _write(frame_csv(summ if summary else firms), out, console)
        elif fmt is OutputFormat.json:
            payload: dict[str, Any] = {
                "preset": cfg.name,
                "source": cfg.source,
                "role": role,
                "summary": _records(summ),
            }
            if not summary:
                payload["firms"] = _records(firms)
            _write(json.dumps(payload, ensure_ascii=False, indent=2), out, console)
    except (_InputError, ValueError) as err:
        raise _fail(err) from None
    if fmt is not OutputFormat.table:
        return
    console.print(f"[bold]{cfg.title_zh}[/bold] / {cfg.title_en}", highlight=False)
    console.print(f"source: {cfg.source}", highlight=False)
    if not summary:
        cols = [c for c in _FIRM_TABLE_COLUMNS if c in firms.columns]
        console.print(_rich_table(firms[cols], title=f"firms ({len(firms)})"))
    console.print(_rich_table(summ, title="by class (land in 亩, tax in 万元)"))
    lows = result[result["class"] == "D"]
    console.print(
        f"class D (low-efficiency candidates): {len(lows)} firm(s), "
        f"{lows['land_mu'].sum():,.1f} 亩",
        highlight=False,
    )


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------


def _finding(check: str, severity: str, **kw: Any) -> dict[str, Any]:
    row = {c: kw.get(c, pd.NA) for c in FINDING_COLUMNS}
    row["check"], row["severity"] = check, severity
    return row


def _fmt(v: Any) -> str:
    return "?" if v is None or pd.isna(v) else f"{v:g}"


def _control_text(rule: str, r: Any, lang: str) -> str:
    """A control rule with its note, requirement and actual value, for the message column."""
    note = f"（{r.note}）" if lang == "zh" and r.note else (f" ({r.note})" if r.note else "")
    if r.status not in ("fail", "pass", "missing"):
        return f"{rule}{note}"
    unit = f" {r.unit}" if r.unit and r.unit != "fraction" else ""
    if lang == "zh":
        return f"{rule}{note}：要求 {r.op} {_fmt(r.required)}{unit}，实际 {_fmt(r.actual)}{unit}"
    return f"{rule}{note}: required {r.op} {_fmt(r.required)}{unit}, actual {_fmt(r.actual)}{unit}"


def _control_findings(ws: Any, table: Any) -> list[dict[str, Any]]:
    from geo.capacity import containing_area
    from geo.control import check_area_targets, check_projects

    rows: list[dict[str, Any]] = []
    parcels = ws.parcels
    if "land_use_planned" in parcels.columns:
        # the national controls are for industrial projects (planned 10 / 1001xx)
        planned = parcels["land_use_planned"].astype("string")
        parcels = parcels[planned.str.startswith("1001").fillna(False) | (planned == "10")]
    if any(c in parcels.columns for c in _PROJECT_FIGURES):
        projects = pd.DataFrame(parcels.drop(columns=parcels.geometry.name))
        if "invest_min_wan_per_mu" not in projects.columns and "invest_wan_per_mu" in ws.areas:
            assigned = containing_area(parcels, ws.areas)["area_id"]
            targets = ws.areas.drop_duplicates("area_id").set_index("area_id")["invest_wan_per_mu"]
            projects["invest_min_wan_per_mu"] = assigned.map(targets).to_numpy()
        res = check_projects(projects, table=table, id_column="parcel_id")
        area = dict(zip(parcels["parcel_id"], parcels["area_mu"], strict=False))
        for r in res.itertuples(index=False):
            sev = "blocking" if r.status == "fail" else "info"
            rows.append(
                _finding(
                    "control",
                    sev,
                    subject_id=r.subject_id,
                    rule_id=r.rule_id,
                    status=r.status,
                    required=r.required,
                    actual=r.actual,
                    unit=r.unit,
                    area_mu=area.get(r.subject_id, pd.NA),
                    message_zh=_control_text(r.rule_zh, r, "zh"),
                    message_en=_control_text(r.rule_en, r, "en"),
                )
            )
    else:
        figures = ", ".join(_PROJECT_FIGURES)
        rows.append(
            _finding(
                "control",
                "info",
                rule_id="far_min",
                status="not_checked",
                message_zh="地块无项目指标（容积率、建筑系数等），未检查控制指标",
                message_en=f"parcels carry no project figures ({figures}): not checked",
            )
        )
    res = check_area_targets(ws.areas, table=table)
    for r in res.itertuples(index=False):
        rows.append(
            _finding(
                "control",
                "warning" if r.status == "fail" else "info",
                subject_id=r.subject_id,
                rule_id=r.rule_id,
                status=r.status,
                required=r.required,
                actual=r.actual,
                unit=r.unit,
                message_zh=_control_text(r.rule_zh, r, "zh"),
                message_en=_control_text(r.rule_en, r, "en"),
            )
        )
    return rows


def _soil_findings(ws: Any) -> list[dict[str, Any]]:
    from geo.soil import soil_flags

    rows = []
    for r in soil_flags(ws.parcels).itertuples(index=False):
        rows.append(
            _finding(
                "soil",
                r.severity,
                subject_id=r.parcel_id,
                rule_id=r.flag,
                status="fail" if r.severity == "blocking" else "unknown",
                area_mu=r.area_mu,
                message_zh=r.reason_zh,
                message_en=r.reason_en,
            )
        )
    return rows


def _milestone_findings(ws: Any, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    from geo.lifecycle import overdue_milestones

    ms = ws.get("milestones")
    if ms is None:
        return [
            _finding(
                "milestone",
                "info",
                rule_id="milestone_overdue",
                status="not_checked",
                message_zh="工作空间无节点表",
                message_en="the workspace has no milestones table",
            )
        ]
    rows = []
    for r in overdue_milestones(ms, as_of=as_of).itertuples(index=False):
        due = r.due.date()
        rows.append(
            _finding(
                "milestone",
                "blocking",
                subject_id=r.subject_id,
                rule_id="milestone_overdue",
                status="fail",
                required=str(due),
                actual=f"{r.days_overdue} d",
                unit="date",
                message_zh=f"节点逾期{r.days_overdue}天：{r.milestone}（期限{due}）",
                message_en=f"milestone overdue by {r.days_overdue} days: {r.milestone} (due {due})",
            )
        )
    return rows


def _idle_findings(ws: Any, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    from geo.lifecycle import idle_rules

    rows = []
    for r in idle_rules(ws.parcels, as_of=as_of).itertuples(index=False):
        if r.result == "not_idle":
            continue
        rows.append(
            _finding(
                "idle",
                "warning" if r.result == "idle" else "info",
                subject_id=r.parcel_id,
                rule_id=r.rule_id,
                status=r.result,
                actual=r.days_past_limit if r.result == "idle" else pd.NA,
                unit="days past limit" if r.result == "idle" else pd.NA,
                area_mu=r.area_mu,
                message_zh=f"{r.rule_zh}：{r.detail}",
                message_en=f"{r.rule_en}: {r.detail}",
            )
        )
    return rows


def run_checks(ws: Any, *, as_of: Any = None, control_config: Path | None = None) -> pd.DataFrame:
    """All the checks of ``tenglong check`` on an open workspace, as one findings table.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FINDING_COLUMNS`, blocking findings first.
    """
    from geo.control import load_control_table
    from geo.lifecycle import as_of_date

    day = as_of_date(as_of)
    table = load_control_table(control_config)
    rows = _control_findings(ws, table)
    rows += _soil_findings(ws)
    rows += _milestone_findings(ws, day)
    rows += _idle_findings(ws, day)
    out = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    logger.info(
        "%s as of %s: %s",
        ws.name,
        day.date(),
        ", ".join(f"{s}={int((out['severity'] == s).sum())}" for s in SEVERITIES),
    )
    for col in ("required", "actual"):
        out[col] = out[col].astype("object")
    order = {s: n for n, s in enumerate(SEVERITIES)}
    out = out.assign(_o=out["severity"].map(order)).sort_values(["_o", "check"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


_SEVERITY_STYLE = {"blocking": "red", "warning": "yellow", "info": "dim"}


def check(
    workspace: Annotated[
        Path, typer.Argument(help="Workspace GeoPackage (.gpkg) or GeoParquet dataset directory.")
    ],
    *,
    strict: Annotated[
        bool, typer.Option(help="Exit with code 1 when a blocking problem is found.")
    ] = False,
    as_of: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Evaluate on this date (default: today)."),
    ] = None,
    control_config: Annotated[
        Path | None, typer.Option(help="Your own control-indicator TOML.")
    ] = None,
    show_info: Annotated[
        bool, typer.Option("--info", help="Also list info rows (rules not applied) in the table.")
    ] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = (
        OutputFormat.table
    ),
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
    engine: EngineOption = EngineChoice.memory,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Check control indicators, the soil gate, milestones and idle-land rules.

    Every rule the data allows is applied; rules whose columns are absent are
    reported as info rows, never guessed. With --strict the exit code is 1
    when any blocking problem is found.
    """
    console = Console()
    try:
        fmt = _resolve_format(fmt, out)
        from geo.engine import run_checks as run_checks_with

        ws = _open(workspace, engine=engine.value)
        findings = run_checks_with(
            ws,
            as_of=as_of,
            control_config=control_config,
            engine=engine.value,
            workers=workers,
            scheduler=scheduler,
            progress=True,
        )
        if fmt is OutputFormat.csv:
            _write(frame_csv(findings), out, console)
        elif fmt is OutputFormat.json:
            text = json.dumps(_records(findings), ensure_ascii=False, indent=2)
            _write(text, out, console)
    except (_InputError, ValueError) as err:
        raise _fail(err) from None

    counts = {s: int((findings["severity"] == s).sum()) for s in SEVERITIES}
    if fmt is OutputFormat.table:
        shown = findings if show_info else findings[findings["severity"] != "info"]
        cols = ["severity", "check", "subject_id", "area_mu", "message_zh"]
        console.print(_rich_table(shown[cols], title=f"{ws.name}: findings", style=_SEVERITY_STYLE))
        day = (pd.Timestamp(as_of) if as_of else pd.Timestamp.today()).date()
        console.print(
            f"as of {day}: {counts['blocking']} blocking, {counts['warning']} warning, "
            f"{counts['info']} info" + ("" if show_info else " (list them with --info)"),
            highlight=False,
        )
    if strict and counts["blocking"]:
        Console(stderr=True).print(
            f"{counts['blocking']} blocking problem(s) found (--strict)", highlight=False
        )
        raise typer.Exit(1)


__all__ = ["FINDING_COLUMNS", "SEVERITIES", "OutputFormat", "benefit", "check", "run_checks"]
