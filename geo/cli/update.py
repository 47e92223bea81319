"""``tenglong update``: update parcels from an office's ledger (台账), matched by 地块编号.

The ledger (xlsx or csv, GBK or UTF-8) is mapped like an import — headers,
units, status words such as 已收储 — and compared with the workspace
(:mod:`geo.io.ledger`). The command prints every change (parcel, field,
before → after), the IDs the workspace does not have and the rows it skips
with the reason (an impossible status transition, a formula, a number in a
date column, a duplicate ID…), then writes all changes in one audited
transaction. The xlsx of ``tenglong export --format xlsx`` (its 地块清单 sheet)
and the csv of ``--format csv --table parcels`` can be edited and fed back
unchanged.

Exit codes: 0 the changes were saved (or shown, with ``--dry-run``; or there
was nothing to change); 1 nothing was saved — another editor changed one of
the parcels after the ledger was read (conflict: run it again), the workspace
was busy, or rows were skipped and nothing else was left to apply (or
``--strict`` and rows were skipped); 2 bad input (the file, its key column, the
workspace, or a role that may not edit); 3 the workspace cannot be written
(full disk, read-only mount).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from geo.cli.edit import UserOpt, WorkspaceArg, _clip, _err, _run_edit, _user


def _print_diff(console: Console, diff: Any) -> None:
    from geo.io.ledger import display_value, field_label

    where = diff.source + (f" [{diff.sheet}]" if diff.sheet else "")
    if diff.changes:
        t = RichTable("row", "parcel", "field", "before", "after", title=f"changes from {where}")
        for c in diff.changes:
            t.add_row(
                str(c.row),
                escape(c.parcel_id),
                escape(field_label(c.field)),
                escape(_clip(display_value(c.field, c.before))),
                escape(_clip(display_value(c.field, c.after))),
            )
        console.print(t)
    skipped = diff.skipped_frame()
    if len(skipped):
        t = RichTable("row", "parcel", "why it is skipped", title="skipped rows")
        for r in skipped.itertuples(index=False):
            t.add_row(str(r.row), escape(str(r.parcel_id or "—")), escape(str(r.reason)))
        console.print(t)
    for col, why in diff.not_updatable.items():
        console.print(f"column {escape(col)}: {escape(why)}", highlight=False)
    if diff.ignored:
        console.print(
            f"ignored (no such field): {escape(', '.join(diff.ignored))}", highlight=False
        )
    for note in diff.notes:
        console.print(escape(note), highlight=False)
    c = diff.counts()
    console.print(
        f"{c['rows']} row(s) read (key column {escape(diff.key_column)}): {c['parcels']} "
        f"parcel(s) to change, {c['fields']} field(s); {c['unchanged']} unchanged; "
        f"{c['unknown']} unknown ID(s) and {c['refused']} refused row(s) skipped",
        highlight=False,
    )


def update(
    workspace: WorkspaceArg,
    ledger: Annotated[
        Path,
        typer.Argument(help="The ledger: an .xlsx workbook or a .csv table, one row a parcel."),
    ],
    *,
    key: Annotated[
        str | None,
        typer.Option(help="Column with the parcel IDs (default: the 地块编号 / parcel ID column)."),
    ] = None,
    sheet: Annotated[
        str | None,
        typer.Option(
            help="Sheet of a workbook (default 地块清单/Parcels if present, else the first)."
        ),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Text encoding of a csv (default: detected, GBK included).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Show the changes and skipped rows; save nothing.")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="Save nothing (exit 1) when any row is skipped.")
    ] = False,
    note: Annotated[
        str | None, typer.Option(help="Why (decision, document number); kept in the audit log.")
    ] = None,
    user: UserOpt = None,
) -> None:
    """Update parcels from a ledger (xlsx/csv keyed by 地块编号) in one audited transaction.

    Columns are mapped like an import (headers, units, status words such as
    已收储); an empty cell leaves the field as it is. Unknown IDs and rows that
    would make an impossible status transition are listed and skipped; areas
    and other computed columns are never applied.

    Exit codes: 0 saved (or shown with --dry-run, or nothing to change); 1
    nothing saved: a parcel was changed by someone else after the ledger was
    read (run again), the workspace was busy, only skipped rows were left, or
    --strict and rows were skipped; 2 bad input (file, key column, workspace,
    role); 3 the workspace cannot be written (full disk, read-only).
    """
    from geo.io.ledger import apply_ledger, diff_ledger
    from geo.store import EditConflict, open_store

    console = Console()
    done: dict[str, Any] = {}

    def action() -> Any:
        with open_store(workspace, user=_user(user)) as store:
            diff = diff_ledger(store, ledger, key=key, sheet=sheet, encoding=encoding)
            done["diff"] = diff
            _print_diff(console, diff)
            if dry_run or not diff.updates or (strict and diff.skipped):
                return None
            try:
                return apply_ledger(store, diff, note=note)
            except EditConflict as err:
                raise _err(
                    f"{err}. Nothing of the ledger was saved: run tenglong update again to "
                    f"compare it with the new values",
                    1,
                ) from None

    result = _run_edit(action)
    diff = done["diff"]
    if dry_run:
        console.print("dry run: nothing was saved", highlight=False)
        return
    if strict and diff.skipped:
        raise _err(f"{diff.skipped} row(s) skipped and --strict given: nothing was saved", 1)
    if result is None:
        if diff.skipped:
            raise _err("no change left to save once the skipped rows are left out", 1)
        console.print("nothing to change: the workspace already holds the ledger's values")
        return
    console.print(
        f"saved {result.fields} field(s) of {result.parcels} parcel(s) by "
        f"{escape(_user(user))} in one transaction (edit {result.edit_id})",
        highlight=False,
    )


__all__ = ["update"]
