"""``tenglong set-status``, ``set-field``, ``history``, ``migrate`` and ``serve``.

A workspace argument is a GeoPackage (``data/fuxing.gpkg``) or a PostGIS
schema (``postgresql://user@host:5432/db?schema=fuxing``; the password comes
from ``PGPASSWORD`` or ``~/.pgpass``). Edits are transactions with an audit
row per changed field (:mod:`geo.store`); the command line acts as a planner,
the user named by ``--user`` (default ``$TENGLONG_USER``, else the login name).

Exit codes: 0 done; 1 the edit was refused by a conflict or the workspace was
busy (nothing saved: try again); 2 bad input (unknown parcel, status,
transition, field, file or URL — the message says which) or a role that may
not do this (``TENGLONG_MODE=investor``); 3 the workspace cannot be written
— the disk is full or it is on a read-only mount (nothing saved, the file is
unchanged: free space, or copy it to a writable folder and edit the copy).

An edit that finds the workspace locked by other editors queues (backoff
with jitter) for up to ``$TENGLONG_EDIT_WAIT_S`` seconds (default 60) before
it gives up with exit code 1.
"""

from __future__ import annotations

import getpass
import json
import logging
import subprocess
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from geo import settings
from geo.cells import frame_csv
from geo.schema import STATUS_LABELS, STATUSES

logger = logging.getLogger(__name__)

APP_PATH = Path(__file__).resolve().parents[2] / "app.py"
"""The Streamlit entry point ``tenglong serve`` runs."""

WorkspaceArg = Annotated[
    str, typer.Argument(help="Workspace: a .gpkg file or postgresql://…?schema=NAME.")
]
UserOpt = Annotated[
    str | None,
    typer.Option(help="Who edits, for the audit log (default $TENGLONG_USER or the login name)."),
]


class HistoryFormat(StrEnum):
    """How ``tenglong history`` writes the audit rows."""

    table = "table"
    csv = "csv"
    json = "json"


class ServeMode(StrEnum):
    """What a ``tenglong serve`` process may show."""

    planner = "planner"
    investor = "investor"


def _user(user: str | None) -> str:
    if user:
        return user
    env = settings.get(settings.USER_ENV)
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def _err(message: str, code: int) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _run_edit(action: Any) -> Any:
    """Run a store action, turning store errors into messages and exit codes."""
    from geo.access import RoleError
    from geo.store import (
        EditConflict,
        InvalidEditError,
        ParcelNotFoundError,
        ReadOnlyError,
        StorageFullError,
        StoreBusyError,
        StoreError,
        storage_error,
    )

    try:
        return action()
    except EditConflict as err:
        raise _err(str(err), 1) from None
    except StoreBusyError as err:
        raise _err(str(err), 1) from None
    except (StorageFullError, ReadOnlyError) as err:
        raise _err(str(err), 3) from None
    except (InvalidEditError, ParcelNotFoundError, RoleError, StoreError, ValueError) as err:
        raise _err(str(err), 2) from None
    except OSError as err:
        where = err.filename or "."
        mapped = storage_error(err, where, doing="the command", outcome="nothing was saved")
        if mapped is not None:
            raise _err(str(mapped), 3) from None
        raise _err(f"{err}; check the path and that it can be read", 2) from None


def _print_result(console: Console, result: Any) -> None:
    if not result.changed:
        console.print(
            f"{result.row_id}: nothing to change (version {result.row_version})", highlight=False
        )
        return
    t = RichTable(
        "field", "before", "after", title=f"{result.row_id} → version {result.row_version}"
    )
    for c in result.changes:
        t.add_row(c.field, _clip(c.before), _clip(c.after))
    console.print(t)
    console.print(f"saved by {result.who} at {result.at} (edit {result.edit_id})", highlight=False)


def _clip(text: Any, limit: int = 60) -> str:
    from geo.store.model import is_missing

    if is_missing(text):
        return "∅"
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def set_status(
    workspace: WorkspaceArg,
    parcel_id: Annotated[str, typer.Argument(help="The parcel's parcel_id, e.g. FX-0001.")],
    status: Annotated[
        str,
        typer.Argument(
            help="New status: " + ", ".join(f"{s} {STATUS_LABELS[s][0]}" for s in STATUSES)
        ),
    ],
    *,
    date: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Date of the change (default today)."),
    ] = None,
    note: Annotated[
        str | None, typer.Option(help="Why (decision, document number); kept in the audit log.")
    ] = None,
    user: UserOpt = None,
    expect_version: Annotated[
        int | None,
        typer.Option(help="Refuse (exit 1) unless the parcel is still at this row_version."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Allow a change outside the lifecycle rules (data corrections).")
    ] = False,
) -> None:
    """Change a parcel's status (with its date and a note), in one audited transaction.

    The change must follow the lifecycle (operating → to_release → released →
    stored → supplied → in_production, with idle and low_efficiency off the
    main path); released_on is set when the land is first freed.
    """
    from geo.store import open_store

    console = Console()

    def action() -> Any:
        with open_store(workspace, user=_user(user)) as store:
            return store.set_status(
                parcel_id,
                status,
                on=date.date() if date else None,
                note=note,
                expected_version=expect_version,
                force=force,
            )

    _print_result(console, _run_edit(action))


def set_field(
    workspace: WorkspaceArg,
    parcel_id: Annotated[str, typer.Argument(help="The parcel's parcel_id.")],
    field: Annotated[str, typer.Argument(help="Field to change, e.g. owner, land_use_planned.")],
    value: Annotated[str | None, typer.Argument(help="New value (omit with --clear).")] = None,
    *,
    clear: Annotated[bool, typer.Option(help="Set the field to empty (NULL).")] = False,
    note: Annotated[str | None, typer.Option(help="Why; kept in the audit log.")] = None,
    user: UserOpt = None,
    expect_version: Annotated[
        int | None,
        typer.Option(help="Refuse (exit 1) unless the parcel is still at this row_version."),
    ] = None,
) -> None:
    """Change one attribute of a parcel, in one audited transaction."""
    from geo.store import open_store

    if (value is None) == (not clear):
        raise _err("give a VALUE or --clear (not both)", 2)

    def action() -> Any:
        with open_store(workspace, user=_user(user)) as store:
            return store.update_parcel(
                parcel_id,
                {field: None if clear else value},
                expected_version=expect_version,
                note=note,
            )

    _print_result(Console(), _run_edit(action))


def history(
    workspace: WorkspaceArg,
    parcel_id: Annotated[
        str | None, typer.Argument(help="The parcel (default: every edit of the workspace).")
    ] = None,
    *,
    limit: Annotated[int | None, typer.Option(help="Only the last N audit rows.")] = None,
    fmt: Annotated[HistoryFormat, typer.Option("--format", help="table, csv or json.")] = (
        HistoryFormat.table
    ),
) -> None:
    """List the audit log of a parcel: who changed which field when, before → after."""
    from geo.store import open_store

    def action() -> Any:
        with open_store(workspace, user=_user(None), role="investment") as store:
            df = store.history(parcel_id, limit=limit)
            if parcel_id is None or fmt is not HistoryFormat.table:
                return df, None
            return df, store.geometry_versions(parcel_id)

    df, versions = _run_edit(action)
    if fmt is HistoryFormat.csv:
        typer.echo(frame_csv(df), nl=False)
        return
    if fmt is HistoryFormat.json:
        records = json.loads(df.to_json(orient="records", force_ascii=False))
        typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    console = Console()
    title = f"history of {parcel_id}" if parcel_id else "history"
    heads = ["at", "who", *([] if parcel_id else ["id"]), "field", "before", "after", "v", "note"]
    t = RichTable(*heads, title=title)
    for r in df.itertuples(index=False):
        cells = [str(r.at)[:19].replace("T", " "), str(r.who)]
        cells += [] if parcel_id else [str(r.row_id)]
        cells += [str(r.field), _clip(r.before, 40), _clip(r.after, 40), str(r.row_version)]
        cells.append("" if r.note is None else str(r.note))
        t.add_row(*cells)
    console.print(t)
    console.print(f"{len(df)} audit row(s); times in UTC", highlight=False)
    if versions:
        print_versions(console, versions)


def migrate(
    source: Annotated[str, typer.Argument(help="A .gpkg workspace or postgresql://…?schema=NAME.")],
    dest: Annotated[str, typer.Argument(help="The other kind: postgresql://… or a .gpkg file.")],
    *,
    replace: Annotated[
        bool, typer.Option(help="Overwrite the destination workspace if it exists.")
    ] = False,
) -> None:
    """Copy a workspace GeoPackage ⇄ PostGIS schema (geometry bit-identical, audit kept).

    Without ?schema= in the URL the GeoPackage's file name is the schema
    (data/fuxing.gpkg → fuxing).
    """
    from geo.store.migrate import migrate as run

    report = _run_edit(lambda: run(source, dest, replace=replace))
    Console().print(str(report), highlight=False, soft_wrap=True)


INVESTOR_STREAMLIT_OPTIONS: tuple[tuple[str, str], ...] = (
    ("--client.toolbarMode", "minimal"),
    ("--client.showErrorDetails", "none"),
    ("--client.showErrorLinks", "false"),
    ("--client.showSidebarNavigation", "false"),
    ("--client.disableDataExport", "true"),
    ("--server.enableXsrfProtection", "true"),
    ("--server.enableCORS", "true"),
    ("--server.runOnSave", "false"),
    ("--server.allowRunOnSave", "false"),
    ("--server.fileWatcherType", "none"),
    ("--server.maxUploadSize", "1"),
    ("--global.developmentMode", "false"),
    ("--runner.magicEnabled", "false"),
)
"""Streamlit settings ``tenglong serve --mode investor`` adds: no developer menu,
no error details or help links, no reload on save, no data-export controls,
XSRF and CORS protection on, uploads (which investors never make) at 1 MB."""


def login_configured(cwd: Path | None = None) -> bool:
    """True when a Streamlit ``secrets.toml`` the server reads has an ``[auth]`` section.

    Streamlit reads ``.streamlit/secrets.toml`` of the working folder and of
    the home folder.
    """
    import tomllib

    for folder in (cwd or Path.cwd(), Path.home()):
        path = folder / ".streamlit" / "secrets.toml"
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        if isinstance(data.get("auth"), dict) and data["auth"]:
            return True
    return False


def serve_command(
    workspace: str | None, *, mode: str, port: int, address: str
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment ``tenglong serve`` runs (for tests and --dry-run).

    In investor mode the Streamlit settings of :data:`INVESTOR_STREAMLIT_OPTIONS`
    are added.
    """
    env = dict(settings.environ())
    env["TENGLONG_MODE"] = mode
    if workspace:
        env["TENGLONG_WORKSPACE"] = workspace
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_PATH),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    if mode == "investor":
        for option, value in INVESTOR_STREAMLIT_OPTIONS:
            argv += [option, value]
    return argv, env


def serve(
    workspace: Annotated[
        str | None, typer.Argument(help="Workspace to open (default $TENGLONG_WORKSPACE).")
    ] = None,
    *,
    mode: Annotated[
        ServeMode,
        typer.Option(
            help="planner: everything (local default); investor: available sites and "
            "whitelisted fields only — internal fields are never loaded by the process."
        ),
    ] = ServeMode.planner,
    port: Annotated[int, typer.Option(help="TCP port.")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address to listen on (localhost unless behind a proxy).")
    ] = "localhost",
    dry_run: Annotated[bool, typer.Option(help="Print the command instead of running it.")] = False,
    allow_open_planner: Annotated[
        bool,
        typer.Option(
            help="Let a planner instance listen beyond localhost without a login "
            "(everyone who reaches it sees every internal field; logged as a warning)."
        ),
    ] = False,
) -> None:
    """Start the Streamlit app; --mode investor starts an investor-only instance.

    The mode is passed as TENGLONG_MODE: in investor mode the workspace loader
    (geo.dataset.load_for_mode) reads only whitelisted columns of available
    sites and refuses edits and internal views, and Streamlit runs without
    its developer menu, error details and reload-on-save.

    A planner instance listening beyond localhost needs a login ([auth] in
    .streamlit/secrets.toml), or --allow-open-planner
    (TENGLONG_ALLOW_OPEN_PLANNER=1).
    """
    from geo.access import ALLOW_OPEN_PLANNER_ENV, is_loopback, open_planner_allowed

    if not APP_PATH.exists():
        raise _err(f"{APP_PATH} not found: run `tenglong serve` from a source checkout", 2)
    open_planner = mode is ServeMode.planner and not is_loopback(address) and not login_configured()
    if open_planner:
        if not (allow_open_planner or open_planner_allowed()):
            raise _err(
                f"a planner instance on {address!r} would show every internal field (owners, "
                f"compensation, contacts) to anyone who reaches it, and no login is configured; "
                f"configure a login ([auth] in .streamlit/secrets.toml), listen on localhost, "
                f"or run `tenglong serve --mode investor` for investors "
                f"(--allow-open-planner overrides this)",
                2,
            )
        logger.warning(
            "PLANNER INSTANCE OPEN WITHOUT LOGIN on %s: anyone who reaches it sees every "
            "internal field (--allow-open-planner)",
            address,
        )
        Console(stderr=True).print(
            f"[bold red]warning:[/bold red] planner instance on {escape(address)} without a "
            f"login: anyone who reaches it sees every internal field",
            highlight=False,
        )
    argv, env = serve_command(workspace, mode=mode.value, port=port, address=address)
    if open_planner:
        env[ALLOW_OPEN_PLANNER_ENV] = "1"  # the override given here reaches the app
    if dry_run:
        typer.echo(f"TENGLONG_MODE={mode.value} " + " ".join(argv))
        return
    try:
        from geo.sharing import load_secret

        load_secret()  # made on first start (0600), so that share links can be signed
    except ValueError as err:
        raise _err(str(err), 2) from None
    logger.info("starting %s", " ".join(argv))
    raise typer.Exit(subprocess.call(argv, env=env))


__all__ = [
    "APP_PATH",
    "INVESTOR_STREAMLIT_OPTIONS",
    "HistoryFormat",
    "ServeMode",
    "history",
    "login_configured",
    "migrate",
    "serve",
    "serve_command",
    "set_field",
    "set_status",
]


def print_versions(console: Console, versions: list[dict[str, Any]]) -> None:
    """The geometry versions table of ``tenglong history WS ID``."""
    t = RichTable("version", "who", "when (UTC)", "edit", "亩", "m²", title="geometry versions")
    previous = None
    for v in versions:
        area = v["area_mu"]
        shown = f"{area:,.4f}" if previous is None else f"{previous:,.4f} → {area:,.4f}"
        t.add_row(
            str(v["version"]),
            v["who"] or "",
            (v["at"] or "")[:19].replace("T", " "),
            v["edit"],
            shown,
            f"{area * 10000 / 15:,.2f}",
        )
        previous = area
    console.print(t)
