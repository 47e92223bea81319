"""``tenglong split``, ``merge``, ``reshape``, ``retire``, ``restore`` and ``create``.

Each command builds one geometry edit (:mod:`geo.editing`), prints what
changes (parcels with their areas in 亩 and m²) and every problem the checks
find, and saves it in one audited transaction (:meth:`geo.store.Store.apply_geometry_edit`)
— unless ``--dry-run``, or a problem: then nothing is written.

Coordinates given as WKT (``--line``, ``--geometry``) are CGCS2000 lon/lat
(EPSG:4490) unless ``--crs`` says otherwise (``EPSG:4326``, a GK zone such as
``EPSG:4547`` …). A demo workspace (``data/*.gpkg``) is never written: the edit
goes into its working copy, ``<name>-working-copy.gpkg`` in the current folder
(or ``--copy-to``), made on the first edit and reused afterwards.

Exit codes: 0 done (or a clean dry run); 1 problems found, or a conflict /
busy workspace (nothing saved); 2 bad input (unknown parcel, a line that does
not cross, areas above the parcel's …) or a role that may not edit; 3 the
workspace cannot be written (full disk, read-only mount).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from geo.cli.edit import UserOpt, WorkspaceArg, _err, _run_edit, _user

logger = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parents[2] / "data"
"""The demo workspaces, read-only sources (docs/architecture.md §6)."""

DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Print what would change and the problems; write nothing.")
]
NoteOpt = Annotated[str | None, typer.Option(help="Why (decision, document number); audited.")]
CrsOpt = Annotated[
    str,
    typer.Option(
        "--crs", help="CRS of WKT coordinates (default EPSG:4490 lon/lat; EPSG:4326 accepted)."
    ),
]
CopyToOpt = Annotated[
    Path | None,
    typer.Option(
        "--copy-to", help="A demo workspace's working copy (default ./<name>-working-copy.gpkg)."
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="FIELD=VALUE for every new parcel, or N:FIELD=VALUE for new parcel N only "
        "(e.g. --set 2:land_use_planned=100102). Repeatable.",
    ),
]


def working_target(workspace: str, copy_to: Path | None, console: Console) -> str:
    """The workspace an edit writes: the workspace itself, or a demo's working copy."""
    from geo.store import is_postgres_url

    if is_postgres_url(workspace):
        return workspace
    p = Path(workspace)
    if not p.exists() or p.resolve().parent != DEMO_DIR.resolve():
        return workspace
    copy = copy_to or Path.cwd() / f"{p.stem}-working-copy.gpkg"
    if not copy.exists():
        from geo.store.gpkg import backup

        backup(p, copy)
        console.print(f"demo workspace {p.name}: working copy {copy} made", highlight=False)
    console.print(
        f"edits are saved in the working copy {copy} (the demo {p.name} stays unchanged)",
        highlight=False,
    )
    return str(copy)


def parse_geometry(text: str, crs: str, target_crs: Any, *, what: str) -> Any:
    """A geometry from WKT (in ``crs``) or a file (its own CRS), in ``target_crs``."""
    import shapely

    from geo.editing import GeometryError, to_workspace_crs

    p = Path(text)
    if len(text) < 400 and p.suffix and p.exists():
        import geopandas as gpd

        try:
            gdf = gpd.read_file(p)
        except Exception as err:  # pyogrio/GDAL errors are plain Exceptions
            raise GeometryError(
                f"{what}: cannot read {p} ({err}); give a GeoJSON/GPKG/shp"
            ) from None
        if len(gdf) != 1:
            raise GeometryError(f"{what}: {p} holds {len(gdf)} features; give a file with one")
        if gdf.crs is None:
            raise GeometryError(f"{what}: {p} has no CRS; give one, or pass WKT with --crs")
        return to_workspace_crs(gdf.geometry.iloc[0], target_crs, source=gdf.crs)
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException as err:
        raise GeometryError(
            f"{what}: {text[:60]!r} is neither a file nor WKT ({err}); write e.g. "
            f"'LINESTRING (114.46 36.61, 114.47 36.61)'"
        ) from None
    try:
        return to_workspace_crs(geom, target_crs, source=crs)
    except Exception as err:  # pyproj CRSError
        raise GeometryError(f"--crs {crs!r} is not a CRS pyproj knows ({err})") from None


def parse_sets(items: list[str] | None, n_new: int) -> list[dict[str, Any]]:
    """``--set`` options as one attribute dict per new parcel."""
    from geo.editing import GeometryError

    out: list[dict[str, Any]] = [{} for _ in range(n_new)]
    for item in items or []:
        target, _, assignment = (
            item.rpartition(":") if ":" in item.split("=")[0] else ("", "", item)
        )
        name, eq, value = assignment.partition("=")
        if not eq or not name.strip():
            raise GeometryError(f"--set {item!r}: write FIELD=VALUE or N:FIELD=VALUE")
        rows = range(n_new)
        if target:
            if not target.isdigit() or not 1 <= int(target) <= n_new:
                raise GeometryError(f"--set {item!r}: N must be 1 … {n_new} (the new parcels)")
            rows = range(int(target) - 1, int(target))
        for i in rows:
            out[i][name.strip()] = value if value != "" else None
    return out if any(out) else []


def _problems_table(problems: list[Any]) -> RichTable:
    t = RichTable("parcel", "problem", "message", title="problems (nothing was written)")
    for p in problems:
        t.add_row(p.parcel_id, p.kind, f"{p.message_zh}\n{p.message_en}")
    return t


def run_edit(
    workspace: str,
    build: Any,
    *,
    user: str | None,
    note: str | None,
    dry_run: bool,
    copy_to: Path | None = None,
    sets: list[str] | None = None,
) -> None:
    """Open, build the edit with ``build(ws, store)``, check, print, save (the commands' flow)."""
    from dataclasses import replace

    from geo.editing import GeometryError, check_edit, edit_summary
    from geo.store import open_store

    console = Console()
    target = workspace if dry_run else working_target(workspace, copy_to, console)

    def action() -> Any:
        # a dry run only reads: opened read-only, it never touches the file (nor a demo)
        role = "investment" if dry_run else "planner"
        with open_store(target, user=_user(user), role=role) as store:
            ws = store.load_workspace()
            edit = build(ws, store)
            n_new = {"split": len(edit.new_geometries), "merge": 1, "create": 1}.get(edit.kind, 0)
            attrs = parse_sets(sets, n_new)
            if sets and not n_new:
                raise GeometryError(f"--set applies to new parcels; {edit.kind} creates none")
            if attrs:
                edit = replace(edit, attributes=attrs)
            expected = {}
            for pid in edit.parcel_ids:
                expected[pid] = store.parcel(pid).row_version
            summary = edit_summary(ws, edit)
            problems = check_edit(ws, edit)
            if problems or dry_run:
                return edit, summary, problems, None
            result = store.apply_geometry_edit(edit, expected=expected, note=note, crs=ws.crs)
            return edit, summary, problems, result

    try:
        edit, summary, problems, result = _run_edit(action)
    except GeometryError as err:  # ValueError subclasses are mapped by _run_edit already
        raise _err(str(err), 2) from None
    t = RichTable("parcel", "change", "亩", "m²", title=f"{edit.kind}")
    for r in summary.itertuples(index=False):
        t.add_row(r.parcel_id, r.change, f"{r.area_mu:,.4f}", f"{r.area_m2:,.2f}")
    console.print(t)
    if problems:
        console.print(_problems_table(problems))
        raise typer.Exit(1)
    if result is None:
        console.print("dry run: no problem found, nothing written", highlight=False)
        return
    made = ", ".join(result.new_ids) or "-"
    gone = ", ".join(result.retired_ids) or "-"
    console.print(
        escape(
            f"saved by {result.who} at {result.at} (edit {result.edit_id}): new {made}; "
            f"retired {gone}"
        ),
        highlight=False,
    )


def _floats(text: str | None) -> list[float] | None:
    from geo.editing import GeometryError

    if not text:
        return None
    try:
        return [float(v) for v in text.replace("，", ",").split(",") if v.strip()]
    except ValueError:
        raise GeometryError(f"--areas-mu {text!r}: write numbers of 亩 like 100,80.5") from None


ParcelArg = Annotated[str, typer.Argument(help="The parcel's parcel_id, e.g. FX-0123.")]


def split(
    workspace: WorkspaceArg,
    parcel_id: ParcelArg,
    *,
    line: Annotated[str | None, typer.Option(help="Cut along this line (WKT LINESTRING).")] = None,
    lots: Annotated[int | None, typer.Option(help="Cut into N lots (equal areas).")] = None,
    areas_mu: Annotated[
        str | None, typer.Option(help="Areas (亩) of the lots, e.g. 100,80; the last the rest.")
    ] = None,
    direction: Annotated[
        str, typer.Option(help="ew: lots west to east; ns: north to south.")
    ] = "ew",
    new_ids: Annotated[
        str | None, typer.Option(help="Ids of the lots, comma-separated (default ID-1, ID-2 …).")
    ] = None,
    sets: SetOpt = None,
    crs: CrsOpt = "EPSG:4490",
    user: UserOpt = None,
    note: NoteOpt = None,
    dry_run: DryRunOpt = False,
    copy_to: CopyToOpt = None,
) -> None:
    """Split a parcel along a line or into lots; the parent is retired, the lots are new parcels.

    Lots carry the parent's status, dates and attributes (change them with
    --set) and parent_id; their areas add up to the parent's.
    """
    from dataclasses import replace

    from geo.editing import GeometryError, plan_split_by_line, plan_split_into_lots

    if (line is None) == (lots is None and areas_mu is None):
        raise _err("give --line WKT, or --lots N and/or --areas-mu A,B,… (one of them)", 2)

    def build(ws: Any, store: Any) -> Any:
        if line is not None:
            edit = plan_split_by_line(
                ws, parcel_id, parse_geometry(line, crs, ws.crs, what="--line")
            )
        else:
            edit = plan_split_into_lots(
                ws, parcel_id, n=lots, areas_mu=_floats(areas_mu), direction=direction
            )
        if new_ids:
            ids = [i.strip() for i in new_ids.split(",")]
            if len(ids) != len(edit.new_geometries):
                raise GeometryError(
                    f"--new-ids gives {len(ids)} id(s) for {len(edit.new_geometries)} lots"
                )
            edit = replace(edit, new_ids=ids)
        return edit

    run_edit(workspace, build, user=user, note=note, dry_run=dry_run, copy_to=copy_to, sets=sets)


def merge(
    workspace: WorkspaceArg,
    parcel_ids: Annotated[list[str], typer.Argument(help="Two or more adjacent parcels.")],
    *,
    new_id: Annotated[
        str | None, typer.Option(help="Id of the merged parcel (default ID-M).")
    ] = None,
    sets: SetOpt = None,
    user: UserOpt = None,
    note: NoteOpt = None,
    dry_run: DryRunOpt = False,
    copy_to: CopyToOpt = None,
) -> None:
    """Merge adjacent parcels into one; the sources are retired and recorded as its parent_id."""
    from geo.editing import plan_merge

    run_edit(
        workspace,
        lambda ws, store: plan_merge(ws, parcel_ids, new_id),
        user=user,
        note=note,
        dry_run=dry_run,
        copy_to=copy_to,
        sets=sets,
    )


def reshape(
    workspace: WorkspaceArg,
    parcel_id: ParcelArg,
    *,
    geometry: Annotated[str, typer.Option(help="The new outline: a file (GeoJSON …) or WKT.")],
    crs: CrsOpt = "EPSG:4490",
    user: UserOpt = None,
    note: NoteOpt = None,
    dry_run: DryRunOpt = False,
    copy_to: CopyToOpt = None,
) -> None:
    """Replace a parcel's outline (e.g. after 勘测定界); checked, never repaired."""
    from geo.editing import plan_reshape

    run_edit(
        workspace,
        lambda ws, store: plan_reshape(
            ws, parcel_id, parse_geometry(geometry, crs, ws.crs, what="--geometry")
        ),
        user=user,
        note=note,
        dry_run=dry_run,
        copy_to=copy_to,
    )


def retire(
    workspace: WorkspaceArg,
    parcel_ids: Annotated[list[str], typer.Argument(help="The parcels to retire.")],
    *,
    user: UserOpt = None,
    note: NoteOpt = None,
    dry_run: DryRunOpt = False,
    copy_to: CopyToOpt = None,
) -> None:
    """Retire parcels: they stay in the table with their history but count nowhere."""
    from geo.editing import plan_retire

    run_edit(
        workspace,
        lambda ws, store: plan_retire(ws, parcel_ids),
        user=user,
        note=note,
        dry_run=dry_run,
        copy_to=copy_to,
    )


def restore(
    workspace: WorkspaceArg,
    parcel_id: ParcelArg,
    *,
    version: Annotated[int, typer.Option(help="The geometry version (`tenglong history WS ID`).")],
    user: UserOpt = None,
    note: NoteOpt = None,
    dry_run: DryRunOpt = False,
    copy_to: CopyToOpt = None,
) -> None:
    """Bring back a geometry version of a parcel, as a new audited change.

    A retired parcel becomes live again; its live lots (or the parcel it was
    merged into) are retired in the same transaction.
    """
    from geo.editing import plan_restore

    run_edit(
        workspace,
        lambda ws, store: plan_restore(ws, store, parcel_id, version),
        user=user,
        note=note,
        dry_run=dry_run,
        copy_to=copy_to,
    )


def create(
    workspace: WorkspaceArg,
    parcel_id: Annotated[str, typer.Argument(help="The new parcel's parcel_id.")],
    *,
    geometry: Annotated[str, typer.Option(help="Its outline: a file (GeoJSON …) or WKT.")],
    sets: SetOpt = None,
    crs: CrsOpt = "EPSG:4490",
    user: UserOpt = None,
    note: NoteOpt = None,
    dry_run: DryRunOpt = False,
    copy_to: CopyToOpt = None,
) -> None:
    """Create a parcel from an outline; fields not given with --set are unknown."""
    from geo.editing import GeometryEdit, reshape

    run_edit(
        workspace,
        lambda ws, store: GeometryEdit(
            "create",
            [],
            [reshape(parse_geometry(geometry, crs, ws.crs, what="--geometry"))],
            [parcel_id],
        ),
        user=user,
        note=note,
        dry_run=dry_run,
        copy_to=copy_to,
        sets=sets,
    )
