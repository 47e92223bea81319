"""Editing parcel geometry: split, merge, reshape, and the checks before a save.

Usage::

    from geo.editing import split_into_lots, check_edit, GeometryEdit
    from geo.workspace import open_workspace
    from geo.store import open_store

    ws = open_workspace("fuxing-copy.gpkg")
    parent = ws.parcels.set_index("parcel_id").geometry["FX-0006"]
    edit = GeometryEdit("split", ["FX-0006"], split_into_lots(parent, 3))
    problems = check_edit(ws, edit)              # [] when it may be saved
    with open_store("fuxing-copy.gpkg", user="王工") as store:
        store.apply_geometry_edit(edit, crs=ws.crs, expected={"FX-0006": 0})

Geometry is in the workspace's projected GK zone (metres) throughout; the
store converts it to CGCS2000 for storage. The operations are pure
(:mod:`geo.editing.ops`), the checks need only frames (:mod:`geo.editing.checks`),
every threshold is in :mod:`geo.editing.thresholds`,
and :mod:`geo.editing.plan` builds, checks and saves edits for the command
line and the app (docs/architecture.md §3).
"""

from __future__ import annotations

from geo.editing.checks import Problem, check_edit, check_geometry
from geo.editing.ops import (
    GeometryError,
    merge,
    reshape,
    split_by_line,
    split_into_lots,
)
from geo.editing.plan import (
    EditProblemsError,
    edit_summary,
    expected_versions,
    live_children,
    plan_merge,
    plan_reshape,
    plan_restore,
    plan_retire,
    plan_split_by_line,
    plan_split_into_lots,
    save_edit,
    to_workspace_crs,
)
from geo.editing.thresholds import (
    ADJACENCY_TOLERANCE_M,
    DEFAULT_TOLERANCES,
    LOT_AREA_TOLERANCE_M2,
    Tolerances,
)
from geo.store.geometry import GeometryEdit, GeometryEditResult, child_ids, merged_id

__all__ = [
    "ADJACENCY_TOLERANCE_M",
    "DEFAULT_TOLERANCES",
    "LOT_AREA_TOLERANCE_M2",
    "EditProblemsError",
    "GeometryEdit",
    "GeometryEditResult",
    "GeometryError",
    "Problem",
    "Tolerances",
    "check_edit",
    "check_geometry",
    "child_ids",
    "edit_summary",
    "expected_versions",
    "live_children",
    "merge",
    "merged_id",
    "plan_merge",
    "plan_reshape",
    "plan_restore",
    "plan_retire",
    "plan_split_by_line",
    "plan_split_into_lots",
    "reshape",
    "save_edit",
    "split_by_line",
    "split_into_lots",
    "to_workspace_crs",
]
