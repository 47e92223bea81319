"""UI strings of the 地块编辑 / Edit parcels page (merged into :data:`geo.app.i18n.STRINGS`).

Kept apart so that :mod:`geo.app.i18n` stays readable; the same rules hold
(both languages, no CJK characters in English, ``{name}`` placeholders).
"""

from __future__ import annotations

GEOM_STRINGS: dict[str, tuple[str, str]] = {
    "nav_geom_edit": ("地块编辑", "Edit parcels"),
    "ge_planners_only": (
        "只有规划人员可以编辑地块图形；本角色只能查看。",
        "Only planners can edit parcel geometry; this role can only view it.",
    ),
    "ge_tools_unavailable": (
        "绘图工具不可用：{error}。按地块数分割、合并、注销和恢复仍可使用。",
        "The drawing tools are unavailable: {error}. Splitting into lots, merging, retiring "
        "and restoring still work.",
    ),
    "ge_op": ("操作", "Operation"),
    "ge_op_create": ("绘制新地块", "Draw a new parcel"),
    "ge_op_split_line": ("按线分割", "Split by a line"),
    "ge_op_split_lots": ("分成 N 块", "Split into N lots"),
    "ge_op_merge": ("合并相邻地块", "Merge adjacent parcels"),
    "ge_op_reshape": ("修改边界", "Reshape"),
    "ge_op_retire": ("注销地块", "Retire a parcel"),
    "ge_op_restore": ("历史与恢复", "History and restore"),
    "ge_parcel": ("地块", "Parcel"),
    "ge_parcel_near": ("在此地块附近绘制", "Draw next to this parcel"),
    "ge_parcel_help": (
        "也可以在地图上单击地块选择。",
        "You can also click a parcel on the map to choose it.",
    ),
    "ge_pick": ("选择地块", "Choose a parcel"),
    "ge_pick_many": ("选择两个或更多地块", "Choose two or more parcels"),
    "ge_merge_ids": (
        "要合并的地块（在地图上单击添加）",
        "Parcels to merge (click them on the map)",
    ),
    "ge_snap_m": ("吸附容差（米）", "Snapping tolerance (m)"),
    "ge_lots_n": ("地块数", "Number of lots"),
    "ge_lots_areas": (
        "各块面积（亩，逗号分隔，可留空=等分；最后一块取余量）",
        "Lot areas (mu, comma-separated; empty = equal; the last lot takes the rest)",
    ),
    "ge_lots_direction": ("排列方向", "Direction"),
    "ge_dir_ew": ("自西向东", "west to east"),
    "ge_dir_ns": ("自北向南", "north to south"),
    "ge_areas_bad": (
        "面积“{text}”无法识别：请输入以逗号分隔的数字（亩），如 20, 30.5",
        "The areas “{text}” cannot be read: give numbers in mu separated by commas, e.g. 20, 30.5",
    ),
    "ge_hint_create": (
        "在地图上逐点单击绘制新地块，单击第一个顶点闭合；可用“挖洞”工具画出洞；完成后点“采用此图形”。",
        "Click on the map to draw the new parcel, click the first vertex to close it; the "
        "hole tool cuts holes; then press Use this shape.",
    ),
    "ge_hint_split_line": (
        "画一条穿过地块的分割线：逐点单击，单击最后一个顶点结束。",
        "Draw a line across the parcel: click point by point, click the last vertex to finish.",
    ),
    "ge_hint_reshape": (
        "拖动顶点移动，单击边中点添加顶点，右键单击顶点删除；完成后点“采用此图形”。",
        "Drag a vertex to move it, click a midpoint to add one, right-click a vertex to delete "
        "it; then press Use this shape.",
    ),
    "ge_hint_select": (
        "在地图上单击地块选择；预览显示在地图上。",
        "Click a parcel on the map to choose it; the preview is drawn on the map.",
    ),
    "ge_map_title": ("地块编辑", "Editing parcels"),
    "ge_map_use": ("采用此图形", "Use this shape"),
    "ge_map_again": ("重画", "Redraw"),
    "ge_map_area": ("面积", "Area"),
    "ge_map_parcel_area": ("地块面积", "Parcel area"),
    "ge_map_line_length": ("线长", "Line"),
    "ge_map_snap": ("吸附容差 {m} 米", "Snapping within {m} m"),
    "ge_draw_first": ("请先在地图上绘制（{what}）。", "Draw on the map first ({what})."),
    "ge_choose_parcel": ("请先选择地块。", "Choose a parcel first."),
    "ge_choose_two": ("请至少选择两个相邻地块。", "Choose at least two adjacent parcels."),
    "ge_cannot": ("无法生成编辑：{error}", "Cannot make this edit: {error}"),
    "ge_problems": (
        "保存前检查发现 {n} 个问题（地图上红色标出），修正后才能保存：",
        "The check before saving found {n} problem(s) (red on the map); fix them to save:",
    ),
    "ge_no_problems": ("检查通过：没有问题。", "Checked: no problems."),
    "ge_summary": ("将要保存的变更", "What the save changes"),
    "ge_change_retired": ("注销", "retired"),
    "ge_change_new": ("新建", "new"),
    "ge_change_reshaped": ("修改边界", "reshaped"),
    "ge_change_restored": ("恢复", "restored"),
    "ge_col_change": ("变更", "Change"),
    "ge_col_area_m2": ("面积（m²）", "Area (m²)"),
    "ge_totals": (
        "变更前 {old} 亩，变更后 {new} 亩（差 {diff} m²）",
        "Before {old} mu, after {new} mu (difference {diff} m²)",
    ),
    "ge_attributes": (
        "新地块的属性（默认取自原地块，可修改）",
        "Attributes of the new parcels (the parent's by default; change them here)",
    ),
    "ge_new_id": ("新地块编号", "New parcel ID"),
    "ge_note": ("备注（如批复文号）", "Note (e.g. the decision's reference)"),
    "ge_save": ("保存", "Save"),
    "ge_saved": (
        "已保存：{kind}。新建 {new}，注销 {retired}。",
        "Saved: {kind}. New: {new}; retired: {retired}.",
    ),
    "ge_conflict": (
        "未保存：地块 {ids} 在您打开后已被 {who} 于 {at} 修改。"
        "没有覆盖任何内容；请重新载入后再编辑。",
        "Not saved: parcel {ids} was changed by {who} at {at} after you opened it. Nothing "
        "was overwritten; reload and edit again.",
    ),
    "ge_reload": ("重新载入", "Reload"),
    "ge_versions": ("图形版本", "Geometry versions"),
    "ge_version": ("版本", "Version"),
    "ge_version_label": (
        "版本 {v} · {at} · {who} · {edit} · {mu} 亩",
        "Version {v} · {at} · {who} · {edit} · {mu} mu",
    ),
    "ge_no_versions": (
        "该地块还没有图形修改记录（只有导入时的图形）。",
        "This parcel has no geometry changes yet (only its imported geometry).",
    ),
    "ge_restore_children": (
        "恢复后以下子地块将被注销：{ids}",
        "Restoring retires these lots: {ids}",
    ),
    "ge_retired_tag": ("（已注销）", " (retired)"),
    "ge_kind_split": ("分割", "split"),
    "ge_kind_merge": ("合并", "merge"),
    "ge_kind_reshape": ("修改边界", "reshape"),
    "ge_kind_retire": ("注销", "retirement"),
    "ge_kind_restore": ("恢复", "restoration"),
    "ge_kind_create": ("新建", "new parcel"),
    "hist_field_geometry": ("图形", "geometry"),
    "hist_field_geometry_edit": ("图形编辑", "geometry edit"),
    "hist_field_retired_on": ("注销日期", "retired on"),
    "hist_field_parent_id": ("来源地块", "source parcel"),
    "hist_outline": ("图形（{mu} 亩）", "outline ({mu} mu)"),
    "ge_open_versions": (
        "在地块编辑中查看和恢复图形版本",
        "See and restore geometry versions in Edit parcels",
    ),
    "ge_drawn_bad": ("所画图形无法使用：{error}", "The drawn shape cannot be used: {error}"),
}
"""``key: (zh, en)``."""
