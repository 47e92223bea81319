"""``tenglong contracts`` and ``tenglong idle``: supply contracts and the 闲置土地 procedure.

``tenglong contracts WS FILE [--dry-run]`` reads an office's contracts (xlsx
or csv, one row per 电子监管号; :mod:`geo.io.contracts`), prints the new
contracts, the changed fields and the refused rows with the reason, and saves
everything in one audited transaction.

``tenglong idle WS [--as-of DATE]`` lists every idle-land case and every idle
parcel without an open case (:func:`geo.supply.idle_status`): net idle days,
the art. 14 fee and recovery, the next step, its deadline and whether it is
overdue. Its actions take the procedure's steps, each one audited, with
``--dry-run`` and ``--user``:

- ``idle WS open PARCEL [--date] [--contract] [--case]`` — 调查 (stage found);
- ``idle WS advance CASE --to STAGE --date … [--no 认定书编号] [--disposal …] [--fee]``;
- ``idle WS exempt CASE --cause government|force_majeure --from … [--to …] [--text]``
  records an art. 8 period (the clock stops); ``exempt CASE --end ID --to …``
  ends an open one.

Exit codes: 0 done (or shown with ``--dry-run``); 1 nothing saved — the row
changed since it was read (run again) or the workspace was busy; 2 bad input
(a step out of order, a date, an unknown parcel or case, a role that may not
edit); 3 the workspace cannot be written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from geo.cli.edit import UserOpt, WorkspaceArg, _clip, _err, _run_edit, _user

DateOpt = Annotated[
    datetime | None,
    typer.Option("--date", formats=["%Y-%m-%d"], help="Date of the step (default today)."),
]
DryRunOpt = Annotated[bool, typer.Option(help="Check the step and show it; save nothing.")]
NoteOpt = Annotated[
    str | None, typer.Option(help="Why (decision, document number); kept in the audit log.")
]


def contracts(
    workspace: WorkspaceArg,
    source: Annotated[
        Path, typer.Argument(help="The contracts: an .xlsx workbook or a .csv, one row a contract.")
    ],
    *,
    sheet: Annotated[str | None, typer.Option(help="Sheet of a workbook.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Text encoding of a csv.")] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Show the new contracts, changes and refused rows; save nothing.")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="Save nothing (exit 1) when any row is refused.")
    ] = False,
    note: NoteOpt = None,
    user: UserOpt = None,
) -> None:
    """Import supply contracts (xlsx/csv keyed by 电子监管号) in one audited transaction.

    Headers are Chinese or English (电子监管号, 地块编号, 供地方式, 受让人,
    合同签订日期, 约定动工日期, 约定竣工日期, 实际动工日期, 实际竣工日期,
    成交价款(万元), 固定资产投资强度, 容积率, 亩均税收, 单位能耗, 备注); several
    parcels of one contract are separated by ; or 、. An empty cell leaves the
    stored value. Rows with a duplicate 电子监管号, an unknown parcel, a negative
    price or a date before the signing are refused and listed.
    """
    from geo.io.contracts import apply_contracts, diff_contracts
    from geo.io.errors import DataImportError
    from geo.store import open_store

    console = Console()
    done: dict[str, Any] = {}

    def action() -> Any:
        with open_store(workspace, user=_user(user)) as store:
            try:
                diff = diff_contracts(store, source, sheet=sheet, encoding=encoding)
            except DataImportError as err:
                raise _err(str(err), 2) from None
            done["diff"] = diff
            _print_contract_diff(console, diff)
            if dry_run or not diff.edits or (strict and diff.refused):
                return None
            return apply_contracts(store, diff, note=note)

    result = _run_edit(action)
    diff = done["diff"]
    if dry_run:
        console.print("dry run: nothing was saved", highlight=False)
        return
    if strict and diff.refused:
        raise _err(f"{len(diff.refused)} row(s) refused and --strict given: nothing saved", 1)
    if result is None:
        if diff.refused:
            raise _err("no contract left to save once the refused rows are left out", 1)
        console.print("nothing to change: the workspace already holds these contracts")
        return
    console.print(
        f"saved {result.fields} field(s) of {result.contracts} contract(s) by "
        f"{escape(_user(user))} in one transaction (edit {result.edit_id})",
        highlight=False,
    )


def _print_contract_diff(console: Console, diff: Any) -> None:
    where = diff.source + (f" [{diff.sheet}]" if diff.sheet else "")
    if diff.changes:
        t = RichTable(
            "row", "电子监管号", "field", "before", "after", title=f"changes from {where}"
        )
        for c in diff.changes:
            t.add_row(
                str(c.row),
                escape(c.contract_id),
                escape(c.field),
                escape(_clip(c.before)),
                escape(_clip(c.after)),
            )
        console.print(t)
    if diff.refused:
        t = RichTable("row", "电子监管号", "why it is refused", title="refused rows")
        for row, cid, why in diff.refused:
            t.add_row(str(row), escape(cid or "—"), escape(why))
        console.print(t)
    if diff.ignored:
        console.print(f"ignored columns: {escape(', '.join(diff.ignored))}", highlight=False)
    console.print(
        f"{diff.rows} row(s) read: {len(diff.new)} new contract(s), "
        f"{len(diff.edits) - len(diff.new)} to change, {diff.unchanged} unchanged, "
        f"{len(diff.refused)} refused",
        highlight=False,
    )


def idle(
    workspace: WorkspaceArg,
    action: Annotated[
        str | None,
        typer.Argument(help="open PARCEL, advance CASE or exempt CASE (none: list)."),
    ] = None,
    target: Annotated[
        str | None, typer.Argument(help="The parcel (open) or the case (advance, exempt).")
    ] = None,
    *,
    as_of: Annotated[
        datetime | None,
        typer.Option("--as-of", formats=["%Y-%m-%d"], help="Evaluation date (default today)."),
    ] = None,
    overdue: Annotated[bool, typer.Option(help="List only overdue steps.")] = False,
    date: DateOpt = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="advance: the next stage (determined, notified, disposing, closed); "
            "exempt: the period's last day (YYYY-MM-DD).",
        ),
    ] = None,
    number: Annotated[
        str | None, typer.Option("--no", help="认定书编号 (advance --to determined).")
    ] = None,
    disposal: Annotated[
        str | None,
        typer.Option(
            help="advance --to disposing: extend_start, change_use, temporary_use, "
            "negotiated_recovery, swap, other (art. 12); idle_fee, free_recovery (art. 14)."
        ),
    ] = None,
    fee: Annotated[
        float | None, typer.Option(help="Idle-land fee in 万元 (default: 20 % of the price).")
    ] = None,
    contract: Annotated[
        str | None, typer.Option(help="open: 电子监管号 (default: the parcel's latest contract).")
    ] = None,
    case: Annotated[str | None, typer.Option(help="open: case ID (default XZ-PARCEL-N).")] = None,
    cause: Annotated[
        str | None, typer.Option(help="exempt: government (政府原因) or force_majeure (不可抗力).")
    ] = None,
    from_: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="exempt: first day of the period."),
    ] = None,
    text: Annotated[str | None, typer.Option(help="exempt: the cause described.")] = None,
    end: Annotated[
        str | None, typer.Option(help="exempt: end the open period with this ID (give --to).")
    ] = None,
    expect_version: Annotated[
        int | None, typer.Option(help="Refuse (exit 1) unless the case is at this row_version.")
    ] = None,
    note: NoteOpt = None,
    dry_run: DryRunOpt = False,
    user: UserOpt = None,
) -> None:
    """List idle-land cases (闲置土地) and take the procedure's steps, audited.

    Without ACTION: every case and every idle parcel without an open case,
    with net idle days (art. 8 periods left out), the art. 14 fee (20 % of the
    price, 万元) and recovery, the next step and its deadline. ``open PARCEL``
    opens a case (调查); ``advance CASE --to STAGE`` takes the next step
    (found → determined → notified → disposing → closed); ``exempt CASE
    --cause … --from … [--to …]`` records an art. 8 period (the clock stops).
    """
    console = Console()
    day = date.date() if date else None
    if action is None:
        _list_idle(console, workspace, as_of.date() if as_of else None, overdue)
        return
    if action not in ("open", "advance", "exempt"):
        raise _err(f"unknown action {action!r}; use open, advance or exempt (none: list)", 2)
    if target is None:
        what = "PARCEL" if action == "open" else "CASE"
        raise _err(f"give the {what}: tenglong idle WS {action} {what}", 2)
    from geo.store import open_store
    from geo.supply import cases

    def run() -> Any:
        with open_store(workspace, user=_user(user)) as store:
            if action == "open":
                return cases.open_case(
                    store,
                    target,
                    found_on=day,
                    case_id=case,
                    contract_id=contract,
                    note=note,
                    dry_run=dry_run,
                )
            if action == "advance":
                if to is None:
                    raise _err("give the next stage: --to determined|notified|disposing|closed", 2)
                return cases.advance_case(
                    store,
                    target,
                    to,
                    on=day,
                    determination_no=number,
                    disposal=disposal,
                    fee_wan_yuan=fee,
                    note=note,
                    expected_version=expect_version,
                    as_of=as_of.date() if as_of else None,
                    dry_run=dry_run,
                )
            last = _date_text(to, "--to") if to is not None else None
            if end is not None:
                if last is None:
                    raise _err("--end needs --to DATE, the last day of the period", 2)
                return cases.end_exemption(store, end, to_on=last, note=note, dry_run=dry_run)
            if cause is None or from_ is None:
                raise _err("give --cause and --from (or --end EXEMPTION_ID --to DATE)", 2)
            return cases.add_exemption(
                store,
                target,
                cause=cause,
                from_on=from_.date(),
                to_on=last,
                cause_text=text,
                note=note,
                dry_run=dry_run,
            )

    _report(console, _run_edit(run), dry_run)


def _date_text(text: str, option: str) -> Any:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise _err(f"{option} {text!r} is not a date; use YYYY-MM-DD", 2) from None


def _list_idle(console: Console, workspace: str, as_of: Any, overdue: bool) -> None:
    from geo.store import open_store
    from geo.supply.cases import supply_tables
    from geo.supply.idle import idle_status

    def action() -> Any:
        with open_store(workspace, user=_user(None), role="investment") as store:
            tables = supply_tables(store)
            ws = store.load_workspace(validate=False)
        return idle_status(
            ws.parcels,
            tables["contracts"],
            tables["idle_cases"],
            tables["idle_exemptions"],
            as_of,
        )

    status = _run_edit(action)
    if overdue:
        status = status[status["overdue"]]
    if not len(status):
        console.print("no idle-land case and no idle parcel" + (" overdue" if overdue else ""))
        return
    t = RichTable(
        "parcel",
        "case",
        "stage",
        "net days",
        "years",
        "fee 万元",
        "recovery",
        "next step",
        "due",
        title="idle land (《闲置土地处置办法》 art. 2, 8, 14)",
    )
    for r in status.itertuples(index=False):
        due = "" if pd_isna(r.next_step_due_on) else str(r.next_step_due_on.date())
        t.add_row(
            escape(str(r.parcel_id)),
            escape(r.case_id if isinstance(r.case_id, str) else "—"),
            escape(r.stage if isinstance(r.stage, str) else "—"),
            "" if pd_isna(r.idle_days_net) else str(r.idle_days_net),
            str(r.idle_full_years),
            "—" if pd_isna(r.fee_due_wan_yuan) else f"{r.fee_due_wan_yuan:.4f}",
            "yes" if r.recovery_due else "",
            escape(r.next_step if isinstance(r.next_step, str) else ""),
            f"[red]{due} overdue[/red]" if r.overdue else due,
        )
    Console(width=max(console.width, 140)).print(t)


def pd_isna(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _report(console: Console, step: Any, dry_run: bool) -> None:
    e = step.edit
    shown = ", ".join(f"{k}={_clip(v)}" for k, v in e.changes.items())
    if dry_run:
        console.print(
            f"dry run: would save {e.table} {escape(e.key)}: {escape(shown)}; nothing was saved",
            highlight=False,
        )
        return
    r = step.result
    console.print(
        f"saved {e.table} {escape(e.key)} → version {r.row_version} "
        f"({len(r.changes)} field(s), edit {r.edit_id})",
        highlight=False,
    )


__all__ = ["contracts", "idle"]
