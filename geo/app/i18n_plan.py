"""UI strings of the 空间布局 / Layout and 厂区转型 / Factory sites pages (merged into ``STRINGS``).

Kept apart so that :mod:`geo.app.i18n` stays readable; the same rules hold
(both languages, no CJK characters in English, ``{name}`` placeholders).
"""

from __future__ import annotations

PLAN_STRINGS: dict[str, tuple[str, str]] = {
    # --- layout ----------------------------------------------------------------------
    "layout_title": ("空间布局", "Layout"),
    "layout": ("布局", "Layout"),
    "layout_none": (
        "这个工作空间的规划片区没有标注布局（areas.layout）。",
        "No planning area of this workspace names a layout (areas.layout).",
    ),
    "layout_elements": ("布局要素数", "Elements"),
    "layout_elements_title": ("各布局要素", "Elements of the layout"),
    "freed_inside": ("布局内腾退土地(亩)", "Freed land inside (mu)"),
    "freed_outside": ("布局外腾退土地(亩)", "Freed land outside (mu)"),
    "share_of_freed": ("占 {pct}%", "{pct}% of freed land"),
    "capacity_invest": ("所需投资(亿元)", "Investment needed (100m yuan)"),
    "capacity_note": (
        "承载能力：布局内腾退土地面积 × 各要素的容积率、投资强度、地均产值和税收目标。",
        "Capacity: the freed land inside each element × that element's FAR, investment "
        "intensity and output and tax targets.",
    ),
    "outside_layout": ("布局以外", "Outside the layout"),
    "current_use_title": ("现状用地（三调）", "Current land use (land survey)"),
    "current_use_none": (
        "这个工作空间没有三调现状地类（landuse_survey）。导入县级三调/变更调查数据库的地类图斑："
        "`tenglong import 县.gdb --into 工作空间.gpkg --layer landuse_survey`。",
        "This workspace has no land survey (landuse_survey). Import the DLTB layer of a county "
        "survey database: `tenglong import county.gdb --into workspace.gpkg --layer "
        "landuse_survey`.",
    ),
    "current_use_note": (
        "三调/变更调查地类图斑与各要素叠加：现状工业用地 0601，仓储 0508，采矿 0602；"
        "现状工业用地率 = 现状工业用地 ÷ 要素面积。数据年份：{years}。",
        "Land-survey patches (DLTB) overlaid with each element: industrial 0601, storage 0508, "
        "mining 0602; industrial share = current industrial land ÷ area of the element. Survey "
        "year: {years}.",
    ),
    "col_current_industrial": ("现状工业用地(亩)", "Current industrial (mu)"),
    "col_current_storage": ("现状仓储用地(亩)", "Current storage (mu)"),
    "col_current_mining": ("现状采矿用地(亩)", "Current mining (mu)"),
    "col_current_industrial_pct": ("现状工业用地率(%)", "Current industrial share (%)"),
    "corridor_rederive": ("按道路重新生成廊道", "Re-derive the corridor from its road"),
    "corridor_stored": (
        "廊道按存储的宽度 {width} m（两侧合计）计算。",
        "The corridor uses its stored width of {width} m (both sides).",
    ),
    "corridor_width": ("廊道宽度(m，两侧合计)", "Corridor width (m, both sides)"),
    "compare_title": ("比较", "Compare"),
    "compare_what": ("比较对象", "Compare"),
    "compare_layouts": ("两种布局", "two layouts"),
    "compare_versions": ("边界版本", "boundary versions"),
    "compare_none": (
        "只有一种布局，也没有多版本边界，无可比较。",
        "One layout and no boundary with several versions: nothing to compare.",
    ),
    "layout_a": ("布局 A", "Layout A"),
    "layout_b": ("布局 B", "Layout B"),
    "versioned_area": ("片区", "Area"),
    "version_change": (
        "边界由 {a} km² 调整为 {b} km²（{d} km²），区内地块面积变化 {p} 亩。",
        "The boundary went from {a} km² to {b} km² ({d} km²); land in parcels inside changed "
        "by {p} mu.",
    ),
    "layout_map": ("布局地图", "Layout map"),
    # --- sites -----------------------------------------------------------------------
    "sites_title": ("厂区转型", "Factory sites"),
    "sites_none": (
        "这个工作空间没有厂区。武安工作空间有东山和广耀两个厂区。",
        "This workspace has no factory site. The Wu'an workspace has the Dongshan and "
        "Guangyao sites.",
    ),
    "preset_not_local": (
        "本地没有亩均评价预设：以 {preset} 为示例（{province_zh}的评价办法），"
        "请换成本地的指标和基准值。",
        "No local preset: {preset} (a {province_en} scheme) is used as an example; replace it "
        "with your province's indicators and benchmarks.",
    ),
    "sites_open_wuan": ("打开武安工作空间", "Open the Wu'an workspace"),
    "site": ("厂区", "Site"),
    "plates_count": ("板块数", "Plates"),
    "planning_fund": ("前期策划规划出资(万元)", "Planning fund (10k yuan)"),
    "green_next": ("邻近 {name}(亩)", "Next to {name} (mu)"),
    "adjacent": ("紧邻", "adjacent"),
    "distance_m": ("相距 {d} m", "{d} m away"),
    "enclave": ("产业飞地", "Industrial enclave (飞地)"),
    "plates_title": ("板块", "Plates"),
    "plates_none": ("这个厂区没有板块。", "This site has no plates."),
    "planned_uses": ("规划用途", "Planned uses"),
    "no_parcels_in_site": ("厂区内没有地块。", "No parcel lies in this site."),
    "soil_title": ("土壤污染状况调查", "Soil investigation"),
    "soil_none": (
        "没有需要先开展土壤污染状况调查的地块。",
        "No parcel needs a soil investigation before reuse.",
    ),
    "soil_count": (
        "{n} 块地（{mu} 亩）有污染行业历史、规划为敏感用途，复用前须开展土壤污染状况调查。",
        "{n} parcel(s) ({mu} mu) with a polluting history are planned for sensitive uses: a "
        "soil investigation is required before reuse.",
    ),
    "soil_basis": (
        "依据：GB 36600-2018 第一类用地；《土壤污染防治法》第五十九条。",
        "Basis: GB 36600-2018 first-class land; Soil Pollution Prevention Law, art. 59.",
    ),
    "milestones_title": ("节点进度", "Milestones"),
    "milestones_none": ("没有节点记录。", "No milestones recorded."),
    "milestones_overdue": ("{n} 个节点已逾期未完成。", "{n} milestone(s) overdue."),
    "ms_done": ("按期完成", "done on time"),
    "ms_done_late": ("逾期完成", "done late"),
    "ms_overdue": ("逾期未完成", "overdue"),
    "ms_open": ("未到期", "not yet due"),
    "site_map_hint": ("点击地图上的地块查看详情。", "Click a parcel on the map for its details."),
}
