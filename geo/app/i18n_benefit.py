"""UI strings of the 亩均 years section and the 标准地 review, merged into ``i18n.STRINGS``."""

from __future__ import annotations

BENEFIT_STRINGS: dict[str, tuple[str, str]] = {
    "bh_title": ("历年评价与差别化措施", "Over the years: classes and differentiated measures"),
    "bh_one_year": (
        "企业表只有一个年度（{year}），没有历年评价；导入往年数据后这里显示每家企业的历年类别和连续D类年数。",
        "The enterprises table holds one year ({year}): no history yet. Import earlier years "
        "to see each firm's class per year and its years in a row in D.",
    ),
    "bh_caption": (
        "按所选预设逐年评价 {years}；连续D类年数截至 {latest} 年，未参评的年度中断计数。",
        "Each year {years} evaluated with the chosen preset; years in a row in D up to {latest}; "
        "a year not evaluated ends a run.",
    ),
    "bh_runs": (
        "{latest} 年为D类的企业 {n_d} 家，其中连续3年及以上 {n_3} 家。",
        "{n_d} firm(s) in D in {latest}, {n_3} of them for 3 years or more in a row.",
    ),
    "col_enterprise_id": ("企业编号", "Firm ID"),
    "bh_class_year": ("{year}年类别", "class {year}"),
    "bh_d_years": ("连续D类年数", "years in a row in D"),
    "bh_measures": ("差别化措施", "Differentiated measures"),
    "bh_measures_none": ("不计算", "none"),
    "bh_measures_source": ("来源", "Source"),
    "bh_unverified": (
        "二手来源，使用前请与当地文件核对。",
        "Secondary source: check it against the local text before use.",
    ),
    "bh_by_year": ("按年度合计", "Totals by year"),
    "bh_firms_paying": ("缴纳企业数", "firms paying"),
    "bh_amount_wan": ("金额（万元）", "amount (10k yuan)"),
    "bh_rate": ("标准", "rate"),
    "bh_quantity": ("用量", "quantity"),
    "bh_year": ("年度", "year"),
    "bh_paying": ("缴纳明细（标准 × 当年用量）", "Who pays (rate × the year's use)"),
    "bh_error": ("历年评价无法计算：{error}", "The history cannot be computed: {error}"),
    "bh_download": ("下载历年类别 CSV", "Download the class history (CSV)"),
    # 标准地 review on the checks page (planners only)
    "sl_title": ("标准地竣工/达产评价", "Standard-land review at completion"),
    "sl_caption": (
        "合同约定的标准地指标与实际对比：评价年度为实际竣工年度；投资强度=约定值×地块已投资比例，"
        "容积率=地块容积率（按面积加权），亩均税收=当年企业税收÷地块面积，单位能耗=当年企业能耗÷增加值；"
        "无法计算者记为无数据，不作推测。",
        "Each contract's committed standard-land indicators against what was achieved, in the "
        "year of completion: investment = committed × the parcels' invested share; FAR = the "
        "parcels' FAR (area-weighted); tax per mu = that year's enterprise tax ÷ parcel area; "
        "energy intensity = energy use ÷ value added. What cannot be computed is 'no data', "
        "never guessed.",
    ),
    "sl_none": (
        "本工作空间没有供地合同，无标准地评价。",
        "No supply contracts: nothing to review.",
    ),
    "sl_none_completed": (
        "{n} 份供地合同均未竣工，暂无可评价的标准地指标；竣工后在此对比约定值与实际值。",
        "None of the {n} supply contracts is completed yet: nothing to review. Once one is, "
        "its committed indicators are compared with the achieved ones here.",
    ),
    "sl_contracts": ("已竣工合同", "contracts completed"),
    "sl_short": ("未达标指标", "indicators short"),
    "sl_pass": ("达标指标", "indicators met"),
    "sl_no_data": ("无数据", "no data"),
    "sl_short_only": ("只看未达标", "Short only"),
    "sl_col_contract": ("电子监管号", "supervision number"),
    "sl_col_parcels": ("地块编号", "parcel IDs"),
    "sl_col_year": ("评价年度", "review year"),
    "sl_col_indicator": ("指标", "indicator"),
    "sl_col_unit": ("单位", "unit"),
    "sl_col_committed": ("约定值", "committed"),
    "sl_col_achieved": ("实际值", "achieved"),
    "sl_col_shortfall": ("差额", "shortfall"),
    "sl_col_result": ("结果", "result"),
    "sl_result_pass": ("达标", "pass"),
    "sl_result_short": ("未达标", "short"),
    "sl_result_no data": ("无数据", "no data"),
    "sl_result_not committed": ("未约定", "not committed"),
}
