"""UI strings of the 检查与监管 page and the supervision reports, merged into ``i18n.STRINGS``.

Kept apart so that no module passes 800 lines; :func:`geo.app.i18n.t` finds
them like every other string.
"""

from __future__ import annotations

CHECKS_STRINGS: dict[str, tuple[str, str]] = {
    "nav_checks": ("检查与监管", "Checks & supervision"),
    "chk_title": ("检查与监管", "Checks and supervision"),
    "chk_refused": (
        "检查与监管页面仅供规划人员和招商人员使用。",
        "The checks and supervision page is for planners and investment officers only.",
    ),
    "chk_intro": (
        "批供用台账（批而未供、供而未用、用而未尽、已完成）、闲置土地、尚可供应年限，"
        "以及今天的规则检查结果（控制指标、土壤门槛、节点、闲置土地）。",
        "The supply ledgers (approved not supplied, supplied not used, used not fully built, "
        "completed), idle land, years of supply left, and today's rule checks (control "
        "indicators, soil gate, milestones, idle land).",
    ),
    "chk_as_of": ("统计日期", "As of"),
    "chk_layout": ("片区", "Parks"),
    "chk_layout_parks": ("园区（园、基地、厂区）", "parks (parks, bases, sites)"),
    "chk_ledgers": ("批供用台账", "Supply ledgers"),
    "chk_by_total": ("合计", "Total"),
    "chk_by_park": ("按园区", "By park"),
    "chk_by_district": ("按区县", "By district"),
    "chk_by_year": ("按年度", "By year"),
    "chk_ledger": ("台账", "Ledger"),
    "chk_park": ("园区", "Park"),
    "chk_district": ("区县", "District"),
    "chk_year": ("年度", "Year"),
    "chk_n_parcels": ("地块数(宗)", "Parcels"),
    "chk_area_mu": ("面积(亩)", "Area (mu)"),
    "chk_area_ha": ("面积(公顷)", "Area (ha)"),
    "chk_mean_age": ("平均时长(天)", "Mean age (days)"),
    "chk_max_age": ("最长时长(天)", "Longest (days)"),
    "chk_date_missing": ("日期缺失(宗)", "Date missing (parcels)"),
    "chk_total": ("合计", "Total"),
    "chk_definitions": (
        "口径：批而未供 = 已腾退、已收储（自腾退日起算）；供而未用 = 已供地（含闲置）且未动工"
        "（自供地日起算；无动工记录的按未动工计）；用而未尽 = 已动工未建成（自动工日起算）；"
        "已完成 = 已投产或已竣工。每宗地只计入一行，合计等于腾退土地与闲置土地之和。",
        "Definitions: approved, not supplied = released or stored (from the release date); "
        "supplied, not used = supplied (idle included) and not started (from the supply date; "
        "no start recorded counts as not started); used, not fully built = started, not "
        "complete (from the start); completed = in production or completed. Each parcel is in "
        "one row: the total is freed land plus idle land.",
    ),
    "chk_no_contracts": (
        "工作空间没有供地合同表：供地日期取自已供地地块的状态起始日期。",
        "The workspace has no contracts table: supply dates are the status dates of supplied "
        "parcels.",
    ),
    "chk_idle": ("闲置土地", "Idle land"),
    "chk_idle_stock": ("闲置土地存量", "Idle land stock"),
    "chk_idle_parcels": ("{n} 宗", "{n} parcels"),
    "chk_disposal": ("处置率（宗）", "Disposal rate (cases)"),
    "chk_disposal_mu": ("处置率（面积）", "Disposal rate (area)"),
    "chk_no_cases": (
        "无闲置土地处置案件表：处置率无法计算（—）。",
        "No idle-land case table: the disposal rate cannot be computed (—).",
    ),
    "chk_supply": ("尚可供应年限", "Years of supply left"),
    "chk_available_mu": ("可供应(亩)", "Available (mu)"),
    "chk_supplied_3y": ("近三年供应(亩)", "Supplied, last 3 years (mu)"),
    "chk_supply_per_year": ("年均供应(亩/年)", "Average supply (mu/year)"),
    "chk_years_left": ("尚可供应年限(年)", "Years left"),
    "chk_supply_note": (
        "尚可供应年限 = 可供应面积（批而未供）÷ {first}–{last} 年年均供应面积；"
        "近三年无供应时为“—”。",
        "Years left = available land (approved, not supplied) ÷ the average yearly supply of "
        "{first}–{last}; “—” when nothing was supplied in those years.",
    ),
    "chk_findings": ("今日检查结果", "Today's check findings"),
    "chk_filter_check": ("检查项", "Check"),
    "chk_filter_severity": ("严重程度", "Severity"),
    "chk_filter_park": ("园区", "Park"),
    "chk_all": ("不限", "any"),
    "chk_n_findings": ("{n} 条检查结果，涉及 {p} 宗地块", "{n} findings on {p} parcels"),
    "chk_no_findings": ("没有符合条件的检查结果。", "No finding matches the filters."),
    "chk_pick_hint": (
        "选中一行即在地图上突出显示该地块并打开地块卡片。",
        "Pick a row to highlight its parcel on the map and open its card.",
    ),
    "chk_col_check": ("检查项", "Check"),
    "chk_col_severity": ("严重程度", "Severity"),
    "chk_col_subject": ("对象", "Subject"),
    "chk_col_park": ("园区", "Park"),
    "chk_col_area_mu": ("面积(亩)", "Area (mu)"),
    "chk_col_message": ("说明", "Finding"),
    "chk_check_control": ("控制指标", "control indicators"),
    "chk_check_soil": ("土壤门槛", "soil gate"),
    "chk_check_milestone": ("节点", "milestones"),
    "chk_check_idle": ("闲置土地", "idle land"),
    "chk_check_idle_case": ("闲置处置逾期", "idle case overdue"),
    "chk_severity_blocking": ("阻断", "blocking"),
    "chk_severity_warning": ("警告", "warning"),
    "chk_severity_info": ("提示", "info"),
    "chk_card_hint": (
        "在检查结果表中选中一行，或点击地图上的地块，查看地块卡片。",
        "Pick a finding in the table, or click a parcel on the map, to see its card.",
    ),
    "chk_error": ("无法计算：{error}", "Cannot compute: {error}"),
    "chk_ws_findings": ("全域", "whole workspace"),
    "chk_outside": ("区外", "outside the parks"),
    # the export page's supervision reports (planners)
    "rep_title": ("监管报表", "Supervision reports"),
    "rep_intro": (
        "季度报告（本期供应、动工、竣工、闲置认定与处置，期末批供用台账）和园区整合核查表"
        "（亩与公顷，平面与椭球面积）。仅供内部使用。",
        "The quarterly report (supplied, started, completed, idle found and disposed of in the "
        "quarter; the ledgers at its end) and the park consolidation check (mu and ha, planar "
        "and ellipsoidal areas). Internal use only.",
    ),
    "rep_kind": ("报表", "Report"),
    "rep_kind_quarterly": ("批供用季度报告", "quarterly supply report"),
    "rep_kind_park_check": ("园区整合核查表", "park consolidation check"),
    "rep_period": ("报告期（YYYYQn）", "Quarter (YYYYQn)"),
    "rep_as_of": ("统计日期", "As of"),
    "rep_format": ("格式", "Format"),
    "rep_make": ("生成报表", "Make the report"),
    "rep_failed": ("无法生成报表：{error}", "Cannot make the report: {error}"),
    "rep_ready": ("{name} 已生成（{kb} KB）", "{name} is ready ({kb} KB)"),
    "rep_download": ("下载报表", "Download the report"),
}
"""The strings, ``key: (Chinese, English)``."""
