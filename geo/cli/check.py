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
  supplied land meets an idle-land rule; an idle-land case's next step is past
  its deadline (``idle_case``, with an ``idle_cases`` table); the polluting
  history of land planned for a sensitive use is unknown;
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
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from geo.cells import frame_csv
from geo.checks import FINDING_COLUMNS, SEVERITIES, run_checks
from geo.cli._options import (
    EngineChoice,
    EngineOption,
    OutputFormat,
    SchedulerOption,
    WorkersOption,
)
from geo.errors import InputError

logger = logging.getLogger(__name__)


class _InputError(InputError):
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
    from geo.dataset import open_dataset
    from geo.workspace import WorkspaceError

    try:
        return open_dataset(workspace, validate=False, tables=tables)
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
    history: Annotated[
        bool,
        typer.Option(
            help="Evaluate every year held: each firm's class per year and its consecutive "
            "years in D as of the latest year (planner and investment roles)."
        ),
    ] = False,
    measures: Annotated[
        str | None,
        typer.Option(
            help="With --history: a 差别化 measures configuration (shipped name, e.g. "
            "haining_2025, or a TOML file); outputs each firm's yearly surcharge instead."
        ),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = (
        OutputFormat.table
    ),
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
    list_presets: Annotated[
        bool, typer.Option(help="List the presets and the 差别化 measures, and exit.")
    ] = False,
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
    from geo.access import ROLES

    console = Console()
    try:
        if list_presets:
            for name in bf.list_presets():
                cfg = bf.load_preset(name)
                console.print(f"[bold]{name}[/bold]  {cfg.title_zh} / {cfg.title_en}")
                console.print(f"    {cfg.source}", highlight=False)
            from geo.benefit.measures import list_measures, load_measures

            console.print("[bold]差别化 measures (--history --measures NAME)[/bold]")
            for name in list_measures():
                mcfg = load_measures(name)
                console.print(f"[bold]{name}[/bold]  {mcfg.title_zh} / {mcfg.title_en}")
                console.print(f"    {mcfg.source}", highlight=False)
            return
        if measures is not None and not history:
            raise _InputError("--measures applies to the class history: add --history")
        if preset is not None and config is not None:
            raise _InputError("give --preset or --config, not both")
        if config is not None:
            cfg = bf.load_benefit_config(config)
        else:
            cfg = bf.load_preset(preset or bf.DEFAULT_PRESET)
        if role not in ROLES:
            raise _InputError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
        fmt = _resolve_format(fmt, out)
        ws = _open(workspace, tables=["enterprises"])
        ent = ws.get("enterprises")
        if ent is None or ent.empty:
            raise _InputError(
                f"{workspace} has no enterprises (the enterprises table is absent or empty); "
                f"import the firms' 亩均 data first"
            )
        if history:
            _benefit_history(ent, cfg, role, fmt, out, console, measures=measures)
            return
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


def _benefit_history(
    ent: Any,
    cfg: Any,
    role: str,
    fmt: OutputFormat,
    out: Path | None,
    console: Console,
    *,
    measures: str | None = None,
) -> None:
    """``tenglong benefit --history``: class per year and consecutive years in D.

    With ``measures``: each firm's yearly 差别化 surcharge instead.
    """
    from geo.access import RESTRICTED_ROLES
    from geo.benefit.history import class_history, consecutive_d

    if role in RESTRICTED_ROLES:
        raise _InputError(
            f"the class history names firms; role {role!r} may not receive it "
            f"(use --role planner or investment, or the summary without --history)"
        )
    hist = class_history(ent, cfg)
    if measures is not None:
        _benefit_surcharges(hist, ent, cfg, measures, role, fmt, out, console)
        return
    wide = hist.pivot(index="enterprise_id", columns="year", values="class")
    wide.columns = [f"class_{y}" for y in wide.columns]
    runs = consecutive_d(hist).set_index("enterprise_id")["consecutive_d_years"]
    frame = wide.join(runs).reset_index().fillna("")
    if fmt is OutputFormat.csv:
        _write(frame_csv(frame), out, console)
    elif fmt is OutputFormat.json:
        payload = {"preset": cfg.name, "source": cfg.source, "role": role}
        payload["firms"] = _records(frame)
        _write(json.dumps(payload, ensure_ascii=False, indent=2), out, console)
    else:
        console.print(f"[bold]{cfg.title_zh}[/bold] / {cfg.title_en}", highlight=False)
        console.print(f"source: {cfg.source}", highlight=False)
        console.print(_rich_table(frame, title=f"class per year ({len(frame)} firms)"))


def _benefit_surcharges(
    hist: Any,
    ent: Any,
    cfg: Any,
    measures: str,
    role: str,
    fmt: OutputFormat,
    out: Path | None,
    console: Console,
) -> None:
    """``tenglong benefit --history --measures NAME``: yearly surcharge per firm."""
    from geo.benefit.measures import load_measures, yearly_surcharges

    mcfg = load_measures(measures)
    frame = yearly_surcharges(hist, ent, mcfg)
    if fmt is OutputFormat.csv:
        _write(frame_csv(frame), out, console)
        return
    if fmt is OutputFormat.json:
        payload = {
            "preset": cfg.name,
            "measures": mcfg.name,
            "measures_source": mcfg.source,
            "measures_url": mcfg.url,
            "measures_verified": mcfg.verified,
            "role": role,
            "surcharges": _records(frame),
        }
        _write(json.dumps(payload, ensure_ascii=False, indent=2), out, console)
        return
    console.print(f"[bold]{cfg.title_zh}[/bold] / {cfg.title_en}", highlight=False)
    console.print(f"[bold]{mcfg.title_zh}[/bold] / {mcfg.title_en}", highlight=False)
    console.print(f"source: {mcfg.source} {mcfg.url}", highlight=False)
    paying = frame[frame["amount_yuan"].fillna(0) > 0]
    cols = ["enterprise_id", "year", "class", "consecutive_d_years", "rate", "amount_wan"]
    console.print(
        _rich_table(
            paying[cols].rename(columns={"consecutive_d_years": "d_years", "rate": "元/kWh"}),
            title=f"firm-years that pay ({len(paying)}; rate × the year's electricity use)",
        )
    )
    by_year = frame.groupby("year", as_index=False).agg(
        firms_paying=("amount_yuan", lambda s: int((s.fillna(0) > 0).sum())),
        amount_wan=("amount_wan", "sum"),
    )
    console.print(_rich_table(by_year, title="by year (万元)"))


# ---------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------

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
