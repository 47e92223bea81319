"""Build geometry edits from a workspace, check them and save them.

The command line and the app do the same three steps: build the
:class:`~geo.store.GeometryEdit` from what the planner asked for
(``plan_*``), show :func:`~geo.editing.check_edit`'s problems, and save with
:func:`save_edit`, which checks again and refuses an edit with problems
before the store writes it in one audited transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geo.editing.checks import Problem, check_edit
from geo.editing.ops import GeometryError, merge, reshape, split_by_line, split_into_lots
from geo.editing.thresholds import DEFAULT_TOLERANCES, Tolerances
from geo.schema import PARENT_COLUMN
from geo.store.geometry import GeometryEdit

logger = logging.getLogger(__name__)


class EditProblemsError(GeometryError):
    """An edit was refused because of its problems (:attr:`problems`); nothing was written."""

    def __init__(self, problems: Sequence[Problem], *, lang: str = "en") -> None:
        self.problems = list(problems)
        lines = [p.message_zh if lang == "zh" else p.message_en for p in self.problems]
        super().__init__(f"{len(lines)} problem(s), nothing was saved:\n  " + "\n  ".join(lines))


def _live(ws: Any, parcel_id: str) -> Any:
    parcels = ws.parcels
    hit = parcels[parcels["parcel_id"].astype(str) == str(parcel_id)]
    if not len(hit):
        if str(parcel_id) in ws.retired_ids:
            raise GeometryError(
                f"parcel {parcel_id} is retired; restore it first "
                f"(`tenglong restore WS {parcel_id} --version N`) or edit its lots"
            )
        raise GeometryError(f"no parcel {parcel_id!r} in {ws.path.name}; check the parcel ID")
    return hit.geometry.iloc[0]


def plan_split_by_line(ws: Any, parcel_id: str, line: Any, **kw: Any) -> GeometryEdit:
    """A split of a live parcel along ``line`` (workspace CRS)."""
    pieces = split_by_line(_live(ws, parcel_id), line)
    return GeometryEdit("split", [str(parcel_id)], pieces, **kw)


def plan_split_into_lots(
    ws: Any,
    parcel_id: str,
    n: int | None = None,
    areas_mu: Sequence[float] | None = None,
    direction: str = "ew",
    **kw: Any,
) -> GeometryEdit:
    """A split of a live parcel into lots (:func:`~geo.editing.split_into_lots`)."""
    lots = split_into_lots(_live(ws, parcel_id), n=n, areas_mu=areas_mu, direction=direction)
    return GeometryEdit("split", [str(parcel_id)], lots, **kw)


def plan_merge(ws: Any, parcel_ids: Sequence[str], new_id: str | None = None) -> GeometryEdit:
    """A merge of live adjacent parcels into one (default id ``<first>-M``)."""
    ids = [str(i) for i in parcel_ids]
    merged = merge([_live(ws, i) for i in ids], ids=ids)
    return GeometryEdit("merge", ids, [merged], [new_id] if new_id else [])


def plan_reshape(ws: Any, parcel_id: str, geometry: Any) -> GeometryEdit:
    """A new outline for a live parcel (validated, never repaired)."""
    _live(ws, parcel_id)
    return GeometryEdit("reshape", [str(parcel_id)], [reshape(geometry)])


def plan_retire(ws: Any, parcel_ids: Sequence[str]) -> GeometryEdit:
    """Retire live parcels (they stay in the table, counted nowhere)."""
    for i in parcel_ids:
        _live(ws, i)
    return GeometryEdit("retire", [str(i) for i in parcel_ids])


def live_children(ws: Any, parcel_id: str) -> list[str]:
    """Live parcels cut from (or merged from) ``parcel_id``, by their ``parent_id``."""
    parcels = ws.parcels
    if PARENT_COLUMN not in parcels.columns:
        return []
    parents = parcels[PARENT_COLUMN].astype(object).where(parcels[PARENT_COLUMN].notna(), "")
    hit = parents.map(lambda v: str(parcel_id) in str(v).split(","))
    return sorted(parcels.loc[hit.to_numpy(), "parcel_id"].astype(str))


def plan_restore(ws: Any, store: Any, parcel_id: str, version: int) -> GeometryEdit:
    """Bring back geometry version ``version`` of a parcel (live again; its live lots retired).

    Raises
    ------
    GeometryError
        No such version (the message lists the versions).
    """
    versions = store.geometry_versions(str(parcel_id))
    chosen = next((v for v in versions if v["version"] == int(version)), None)
    if chosen is None:
        raise GeometryError(
            f"parcel {parcel_id} has geometry version(s) "
            f"{', '.join(str(v['version']) for v in versions)}, not {version}; "
            f"`tenglong history WS {parcel_id}` lists them"
        )
    geom = to_workspace_crs(chosen["geometry"], ws.crs)
    if str(parcel_id) not in ws.retired_ids:
        _live(ws, parcel_id)
    return GeometryEdit(
        "restore", [str(parcel_id), *live_children(ws, parcel_id)], [geom], version=int(version)
    )


def to_workspace_crs(geom: Any, crs: Any, *, source: Any = 4490) -> Any:
    """A geometry from ``source`` (default the stored CGCS2000 degrees) into ``crs``."""
    from pyproj import CRS, Transformer

    if CRS.from_user_input(source) == CRS.from_user_input(crs):
        return geom
    tr = Transformer.from_crs(source, crs, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def save_edit(
    store: Any,
    ws: Any,
    edit: GeometryEdit,
    *,
    expected: Mapping[str, int] | None = None,
    note: str | None = None,
    user: str | None = None,
    role: str | None = None,
    tolerances: Tolerances = DEFAULT_TOLERANCES,
    lang: str = "en",
) -> Any:
    """Check ``edit`` against ``ws`` and save it in one audited transaction.

    Parameters
    ----------
    store
        An open :class:`geo.store.Store` of the same workspace.
    ws
        The workspace the edit was built on (its CRS is the edit's).
    expected
        Parcel id → the ``row_version`` the editor read (conflict check).

    Raises
    ------
    EditProblemsError
        :func:`check_edit` found problems; nothing was written.
    geo.store.EditConflict, geo.access.RoleError, geo.store.InvalidEditError
        From the store; nothing was written.
    """
    from geo.access import require_edit

    require_edit(store.role, action="edit parcel geometry")
    if role is not None:
        require_edit(role, action="edit parcel geometry")
    problems = check_edit(ws, edit, tolerances=tolerances)
    if problems:
        raise EditProblemsError(problems, lang=lang)
    return store.apply_geometry_edit(
        edit, user=user, role=role, expected=expected, note=note, crs=ws.crs
    )


def edit_summary(ws: Any, edit: GeometryEdit) -> pd.DataFrame:
    """What an edit changes: ``parcel_id``, ``change``, ``area_m2``, ``area_mu`` per parcel.

    ``change`` is ``retired``, ``new``, ``reshaped`` or ``restored``; new ids
    are the ones the store will give (derived when the edit gives none).
    """
    from geo.crs import m2_to_mu
    from geo.store.geometry import plan_new_ids

    areas = dict(zip(ws.parcels["parcel_id"].astype(str), ws.parcels.geometry.area, strict=True))
    rows: list[tuple[str, str, float]] = []
    ids = [str(i) for i in edit.parcel_ids]
    existing = set(areas) | ws.retired_ids
    if edit.kind in ("split", "merge", "retire"):
        rows += [(i, "retired", areas.get(i, float("nan"))) for i in ids]
    if edit.kind in ("split", "merge", "create"):
        new_ids = plan_new_ids(edit, existing)
        rows += [
            (n, "new", float(g.area)) for n, g in zip(new_ids, edit.new_geometries, strict=True)
        ]
    if edit.kind == "reshape":
        rows.append((ids[0], "reshaped", float(edit.new_geometries[0].area)))
    if edit.kind == "restore":
        rows.append((ids[0], "restored", float(edit.new_geometries[0].area)))
        rows += [(i, "retired", areas.get(i, float("nan"))) for i in ids[1:]]
    df = pd.DataFrame(rows, columns=["parcel_id", "change", "area_m2"])
    df["area_mu"] = m2_to_mu(df["area_m2"])
    return df


def expected_versions(ws: Any, parcel_ids: Sequence[str]) -> dict[str, int]:
    """Parcel id → the ``row_version`` the workspace was read at (0 before any edit).

    Pass it as ``expected`` to :func:`save_edit`: a parcel saved by someone
    else since ``ws`` was read is then a conflict, not overwritten.
    """
    frames = [ws.parcels] + ([ws.retired] if ws.retired is not None else [])
    out: dict[str, int] = {}
    for df in frames:
        if "row_version" not in df.columns:
            continue
        for pid, v in zip(df["parcel_id"].astype(str), df["row_version"], strict=True):
            out[pid] = 0 if pd.isna(v) else int(v)
    return {str(i): out.get(str(i), 0) for i in parcel_ids}
