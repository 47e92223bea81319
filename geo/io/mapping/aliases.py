"""The words planners' files use: header aliases, units, status/kind/scale words, old codes."""

from __future__ import annotations

from geo.crs import M2_PER_MU
from geo.schema import TABLES

DECLARED_AREA = "declared_area_mu"
"""Field holding a source's declared area, converted to 亩."""

POLYGON_TABLES = frozenset(
    t.name for t in TABLES.values() if t.geometry == ("Polygon", "MultiPolygon")
)
IMPORT_TABLES: tuple[str, ...] = ("parcels", "areas", "roads", "enterprises", "landuse_survey")
"""Tables an import may write."""

IGNORE = "-"
"""``--map SRC=-`` (or an empty field) leaves a column out."""

# ---------------------------------------------------------------------------
# Header vocabulary
# ---------------------------------------------------------------------------

_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "parcels": {
        "parcel_id": (
            "地块编号",
            "地块编码",
            "地块代码",
            "地块号",
            "宗地编号",
            "宗地代码",
            "宗地号",
            "编号",
            "parcelid",
            "plotid",
            "parcelno",
            "dkbh",
        ),
        "name": ("地块名称", "宗地名称", "名称", "name", "dkmc"),
        "district": (
            "所在区县",
            "区县",
            "所属区县",
            "行政区",
            "所在区",
            "县区",
            "county",
            "district",
        ),
        "status": ("状态", "地块状态", "腾退状态", "现状状态", "处置状态", "status"),
        "land_use_now": (
            "现状用途",
            "现状用地性质",
            "现状地类",
            "用地性质",
            "土地用途",
            "现状用地",
        ),
        "land_use_planned": ("规划用途", "规划用地性质", "规划地类", "规划用地"),
        "industry_before": ("行业", "原行业", "所属行业", "行业类别", "原行业类别", "industry"),
        "polluting_history": (
            "污染行业历史",
            "是否污染行业",
            "污染行业",
            "污染历史",
            "是否污染",
            "污染",
        ),
        "released_on": ("腾退时间", "腾退日期", "退出时间", "关停时间", "搬迁时间"),
        "status_since": ("状态起始日期", "状态时间", "状态日期", "状态起始时间"),
        "former_enterprise": ("原企业", "原企业名称", "企业名称", "企业", "原单位", "原单位名称"),
        "owner": ("权利人", "土地使用权人", "使用权人", "产权人"),
        "compensation_wan_yuan": ("补偿金额", "补偿款", "补偿费用", "compensation"),
        "contact": ("联系人", "联系方式", "联系电话"),
    },
    "areas": {
        "area_id": ("片区编号", "园区编号", "区域编号", "编号", "areaid"),
        "name": ("名称", "片区名称", "园区名称", "区域名称", "name"),
        "name_en": ("英文名称", "英文名", "nameen", "englishname"),
        "kind": ("类型", "片区类型", "类别", "kind"),
        "layout": ("布局", "规划布局", "空间布局", "layout"),
        "parent_id": ("上级片区", "上级编号", "所属片区", "parentid"),
        "target_industries": ("主导产业", "产业定位", "产业方向"),
        "far_min": ("容积率下限", "最小容积率", "容积率"),
        "far_max": ("容积率上限", "最大容积率"),
        "coverage_min": ("建筑系数", "建筑系数下限"),
        "green_max": ("绿地率", "绿地率上限"),
        "admin_max": ("行政办公及生活服务设施用地比例", "行政办公比例", "配套用地比例"),
        "invest_wan_per_mu": ("投资强度", "固定资产投资强度"),
        "tax_wan_per_mu": ("地均税收", "亩均税收"),
        "output_wan_per_mu": ("亩均产值", "地均产值"),
        "version": ("版本", "version"),
        "valid_from": ("生效日期", "批复日期", "生效时间"),
    },
    "landuse_survey": {  # 三调 DLTB (地类图斑); the field codes match the column names
        "survey_id": ("bsm", "标识码"),
        "tbbh": ("图斑编号",),
        "dlbm": ("地类编码",),
        "dlmc": ("地类名称",),
        "qsdwmc": ("权属单位名称",),
        "zldwdm": ("座落单位代码", "坐落单位代码"),
        "zldwmc": ("座落单位名称", "坐落单位名称"),
        "tbmj_m2": ("tbmj",),
        "tbdlmj_m2": ("tbdlmj", "图斑地类面积"),
        "sjnf": ("数据年份", "年份"),
    },
    "roads": {
        "road_id": ("道路编号", "路线编号", "路线代码", "编号", "roadid"),
        "name": ("道路名称", "路名", "名称", "name"),
    },
    "enterprises": {
        "enterprise_id": ("企业编号", "统一社会信用代码", "信用代码", "编号", "enterpriseid"),
        "name": ("企业名称", "单位名称", "名称", "企业", "name"),
        "parcel_id": ("地块编号", "宗地编号", "所在地块", "parcelid"),
        "land_mu_registered": (
            "登记用地",
            "登记用地面积",
            "用地面积",
            "占地面积",
            "自有用地",
            "土地面积",
        ),
        "land_mu_leased": ("承租用地", "承租用地面积", "租赁用地", "租用面积", "租赁面积"),
        "scale": ("规模", "企业规模", "规上规下", "是否规上"),
        "year": ("年度", "年份", "统计年度", "year"),
        "tax_wan": ("税收", "实缴税金", "税收总额", "纳税额", "实际入库税金"),
        "added_value_wan": ("增加值", "工业增加值"),
        "revenue_wan": ("营业收入", "主营业务收入", "销售收入"),
        "energy_tce": ("能耗", "综合能耗", "能源消费量"),
        "emissions_t": ("主要污染物排放", "排放量", "污染物排放量"),
        "rd_wan": ("研发经费", "研发投入", "r&d经费"),
        "employees": ("从业人员", "职工人数", "从业人员数", "员工人数", "年平均职工人数"),
        "electricity_mwh": ("用电量", "总用电量"),
    },
}

_AREA_STEMS: tuple[str, ...] = (
    "面积",
    "用地面积",
    "占地面积",
    "宗地面积",
    "地块面积",
    "土地面积",
    "总面积",
    "出让面积",
    "规划面积",
    "片区面积",
    "园区面积",
    "实测面积",
    "图斑面积",
    "area",
    "landarea",
)
"""Headers of a declared area (parcels, areas) when a unit is given."""

# unit → (dimension, value of one unit in the dimension's base)
_UNITS: dict[str, tuple[str, float]] = {
    "亩": ("area", M2_PER_MU),
    "mu": ("area", M2_PER_MU),
    "公顷": ("area", 10_000.0),
    "ha": ("area", 10_000.0),
    "hm2": ("area", 10_000.0),
    "平方米": ("area", 1.0),
    "平米": ("area", 1.0),
    "m2": ("area", 1.0),
    "sqm": ("area", 1.0),
    "平方公里": ("area", 1e6),
    "平方千米": ("area", 1e6),
    "km2": ("area", 1e6),
    "元": ("money", 1e-4),
    "千元": ("money", 0.1),
    "万元": ("money", 1.0),
    "亿元": ("money", 1e4),
    "万元/亩": ("money_per_area", 1.0),
    "万元/公顷": ("money_per_area", 1 / 15),
    "元/平方米": ("money_per_area", 1e-4 * M2_PER_MU),
    "tce": ("energy", 1.0),
    "吨标准煤": ("energy", 1.0),
    "吨标煤": ("energy", 1.0),
    "万吨标准煤": ("energy", 1e4),
    "mwh": ("electricity", 1.0),
    "兆瓦时": ("electricity", 1.0),
    "kwh": ("electricity", 1e-3),
    "千瓦时": ("electricity", 1e-3),
    "度": ("electricity", 1e-3),
    "万千瓦时": ("electricity", 10.0),
    "万度": ("electricity", 10.0),
    "t": ("mass", 1.0),
    "吨": ("mass", 1.0),
    "kg": ("mass", 1e-3),
    "千克": ("mass", 1e-3),
    "公斤": ("mass", 1e-3),
    "人": ("persons", 1.0),
    "%": ("ratio", 0.01),
}

_RATIO_FIELDS = frozenset(
    {
        "coverage_min",
        "green_max",
        "admin_max",
        "coverage",
        "admin_ratio",
        "green_ratio",
        "developed_share",
        "invested_share",
    }
)
"""Fields holding a share (0-1): a ``%`` in the header divides by 100."""

_STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "operating": ("在产", "生产中", "正常生产", "在营", "运营中", "生产"),
    "to_release": ("拟腾退", "待腾退", "计划腾退", "拟搬迁", "待搬迁", "拟退出", "拟关停"),
    "released": ("已腾退", "腾退", "已搬迁", "已关停", "已退出", "已拆除"),
    "stored": ("已收储", "收储", "已储备"),
    "supplied": ("已供地", "供地", "已出让", "已划拨"),
    "in_production": ("已投产", "投产", "已建成投产"),
    "idle": ("闲置", "闲置土地"),
    "low_efficiency": ("低效", "低效用地"),
    "unknown": ("未知", "不详", "不明", "待核实", "状态不明"),
}

_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "zone": ("片区", "开发区", "功能区", "经济开发区"),
    "park": ("园区", "产业园", "园"),
    "corridor": ("走廊", "廊道", "产业带", "廊"),
    "base": ("孵化基地", "基地"),
    "site": ("厂区",),
    "plate": ("板块",),
    "green": ("森林公园", "公园", "绿地"),
    "cluster": ("集聚区", "产业集聚区"),
}

_SCALE_WORDS: dict[str, tuple[str, ...]] = {
    "规上": ("规上", "规模以上", "规模以上企业", "是", "above"),
    "规下": ("规下", "规模以下", "规模以下企业", "否", "below"),
}

_OLD_LAND_USE: dict[str, str] = {
    "R": "07",
    "R1": "070101",
    "R2": "070102",
    "R3": "070103",
    "A": "08",
    "A1": "0801",
    "A3": "0804",
    "A5": "0806",
    "B": "09",
    "B1": "0901",
    "B2": "0902",
    "M": "1001",
    "M1": "100101",
    "M2": "100102",
    "M3": "100103",
    "W": "11",
    "W1": "110101",
    "W2": "110102",
    "S": "12",
    "U": "13",
    "G": "14",
    "G1": "1401",
    "G2": "1402",
    "G3": "1403",
}
"""GB 50137-2011 urban land codes → the 2023 classification (reported as converted)."""

_TRUE = frozenset({"是", "有", "y", "yes", "true", "t", "1", "√", "✓", "对"})
_FALSE = frozenset({"否", "无", "n", "no", "false", "f", "0", "×", "✗", "不是"})
_EMPTY = frozenset({"", "-", "—", "--", "/", "无数据", "null", "none", "nan", "n/a", "#n/a"})
