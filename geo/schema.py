"""The data model as code (docs/architecture.md §3): tables, columns, vocabularies, labels.

Column names are ASCII snake_case and carry their unit; every table, column
and vocabulary value has a Chinese and an English label for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from geo.codes import code_table

Lang = Literal["zh", "en"]

# ---------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------

STATUS_LIFECYCLE: tuple[str, ...] = (
    "operating",
    "to_release",
    "released",
    "stored",
    "supplied",
    "in_production",
)
"""The main path of a parcel, in order: 在产 → 拟腾退 → 已腾退 → 已收储 → 已供地 → 已投产."""

UNKNOWN_STATUS = "unknown"
"""The status of a parcel whose register gives none (未知): its own bucket, never a stage.

A parcel may leave it for any status; it never counts as freed or operating
(docs/architecture.md §3)."""

STATUSES: tuple[str, ...] = (*STATUS_LIFECYCLE, "idle", "low_efficiency", UNKNOWN_STATUS)
"""Every status value: the main path, then ``idle`` and ``low_efficiency``, ``unknown`` last."""

FREED_STATUSES: frozenset[str] = frozenset({"released", "stored", "supplied", "in_production"})
"""Land that has left its old use ("freed land")."""

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "operating": ("在产", "operating"),
    "to_release": ("拟腾退", "to release"),
    "released": ("已腾退", "released"),
    "stored": ("已收储", "stored"),
    "supplied": ("已供地", "supplied"),
    "in_production": ("已投产", "in production"),
    "idle": ("闲置", "idle"),
    "low_efficiency": ("低效", "low efficiency"),
    UNKNOWN_STATUS: ("未知", "unknown"),
}

STATUS_COLORS: dict[str, str] = {
    "operating": "#7f7f7f",
    "to_release": "#f0a202",
    "released": "#d1495b",
    "stored": "#8e5572",
    "supplied": "#00798c",
    "in_production": "#30a14e",
    "idle": "#b8860b",
    "low_efficiency": "#6b4226",
    UNKNOWN_STATUS: "#c8c8c8",
}

AREA_KINDS: dict[str, tuple[str, str]] = {
    "zone": ("区", "zone"),
    "park": ("园", "park"),
    "corridor": ("廊", "corridor"),
    "base": ("基地", "base"),
    "site": ("厂区", "site"),
    "plate": ("板块", "plate"),
    "green": ("绿地/森林公园", "green space / forest park"),
    "cluster": ("集聚区", "cluster"),
}

BOUNDARY_LEVELS: dict[str, tuple[str, str]] = {
    "province": ("省", "province"),
    "city": ("市", "city"),
    "county": ("区县", "county"),
    "township": ("乡镇街道", "township"),
}


@dataclass(frozen=True)
class LandUse:
    """One code of 国土空间调查、规划、用途管制用地用海分类 (2023)."""

    code: str
    zh: str
    en: str
    first_class_soil: bool = False
    """GB 36600-2018 first-class land (housing, schools, hospitals, welfare, community parks)."""


_LAND_USE_LIST: tuple[LandUse, ...] = tuple(
    LandUse(c.code, c.zh, c.en, c.first_class_soil) for c in code_table("land_use").values()
)
"""Loaded from ``geo/config/codes/land_use_2023.csv`` (:mod:`geo.codes`), the one source."""

LAND_USES: dict[str, LandUse] = {lu.code: lu for lu in _LAND_USE_LIST}
"""The land-use codes Tenglong knows, by code."""

FIRST_CLASS_SOIL_CODES: frozenset[str] = frozenset(
    lu.code for lu in _LAND_USE_LIST if lu.first_class_soil
)


def is_first_class_soil_use(code: str | None) -> bool:
    """True when a planned land-use code is GB 36600-2018 first-class land.

    Examples
    --------
    >>> is_first_class_soil_use("070101"), is_first_class_soil_use("100102")
    (True, False)
    """
    return code is not None and str(code) in FIRST_CLASS_SOIL_CODES


def label(vocab: dict[str, tuple[str, str]], key: str, lang: Lang = "zh") -> str:
    """The zh/en label of a vocabulary value, or the value itself when unknown.

    Examples
    --------
    >>> label(STATUS_LABELS, "released"), label(STATUS_LABELS, "released", "en")
    ('已腾退', 'released')
    """
    pair = vocab.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def land_use_label(code: str | None, lang: Lang = "zh") -> str:
    """Label of a land-use code, e.g. ``100102`` → ``二类工业用地``."""
    if code is None:
        return ""
    lu = LAND_USES.get(str(code))
    if lu is None:
        return str(code)
    return lu.zh if lang == "zh" else lu.en


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

ColumnType = Literal["str", "int", "float", "bool", "date"]


@dataclass(frozen=True)
class Column:
    """A column of a workspace table."""

    name: str
    dtype: ColumnType
    zh: str
    en: str
    required: bool = True
    internal: bool = False
    """Never shown to investors or the public (docs/architecture.md §1)."""
    unit: str | None = None


@dataclass(frozen=True)
class Table:
    """A workspace table: its key, geometry type and columns."""

    name: str
    zh: str
    en: str
    key: str | None
    geometry: tuple[str, ...] | None
    """Allowed geometry types (``Polygon``/``MultiPolygon``…); None for attribute tables."""
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def internal(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.internal)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


POLYGONAL = ("Polygon", "MultiPolygon")
LINEAR = ("LineString", "MultiLineString")

PARCELS = Table(
    "parcels",
    "地块",
    "parcels",
    key="parcel_id",
    geometry=POLYGONAL,
    columns=(
        Column("parcel_id", "str", "地块编号", "parcel ID"),
        Column("name", "str", "地块名称", "name"),
        Column("district", "str", "所在区县", "district"),
        Column("status", "str", "状态", "status"),
        Column("land_use_now", "str", "现状用途", "current land use"),
        Column("land_use_planned", "str", "规划用途", "planned land use"),
        Column("industry_before", "str", "原行业", "former industry"),
        Column("polluting_history", "bool", "污染行业历史", "polluting history"),
        Column("released_on", "date", "腾退日期", "released on", required=False),
        Column("status_since", "date", "状态起始日期", "status since"),
        Column("former_enterprise", "str", "原企业", "former enterprise", False, True),
        Column("owner", "str", "权利人", "owner", False, True),
        Column("compensation_wan_yuan", "float", "补偿金额", "compensation", False, True, "万元"),
        Column("contact", "str", "联系人", "contact", False, True),
        Column("area_mu", "float", "面积", "area", required=False, unit="亩"),
        # optional: lifecycle and idle-land rules (闲置土地处置办法)
        Column("agreed_start", "date", "约定开工日期", "agreed start", required=False),
        Column("started_on", "date", "实际开工日期", "started on", required=False),
        Column("developed_share", "float", "已开发比例", "share developed", required=False),
        Column("invested_share", "float", "已投资比例", "share invested", required=False),
        Column("halted_since", "date", "停建日期", "halted since", required=False),
        Column("soil_investigated", "bool", "已完成土壤调查", "soil investigated", False),
        # optional: project figures checked against the control indicators
        Column("far", "float", "容积率", "FAR", required=False),
        Column("coverage", "float", "建筑系数", "building coverage", required=False),
        Column(
            "admin_ratio", "float", "行政办公及生活服务设施用地比例", "admin/living share", False
        ),
        Column("green_ratio", "float", "绿地率", "green ratio", required=False),
        Column(
            "invest_wan_per_mu", "float", "投资强度", "investment intensity", False, unit="万元/亩"
        ),
        # optional: lineage of geometry edits (docs/architecture.md §3, geo/store/geometry.py)
        Column("parent_id", "str", "来源地块", "source parcel(s)", required=False),
        Column("retired_on", "date", "注销日期", "retired on", required=False),
    ),
)

RETIRED_COLUMN = "retired_on"
"""A parcel with a date here was retired by a split, a merge or a retirement.

It stays in the parcels table (never erased: its history and geometry remain)
but counts nowhere: :func:`geo.workspace.workspace_from_tables` and
:func:`geo.workspace.read_selection` leave it out of every workspace."""

PARENT_COLUMN = "parent_id"
"""The parcel(s) a parcel was cut from: one id for a split, the sources of a
merge comma-separated in the order given (``FX-0001,FX-0002``)."""

AREAS = Table(
    "areas",
    "规划片区",
    "planning areas",
    key="area_id",
    geometry=POLYGONAL,
    columns=(
        Column("area_id", "str", "片区编号", "area ID"),
        Column("name", "str", "名称", "name"),
        Column("name_en", "str", "英文名称", "English name"),
        Column("kind", "str", "类型", "kind"),
        Column("layout", "str", "布局", "layout"),
        Column("parent_id", "str", "上级片区", "parent area", required=False),
        Column("target_industries", "str", "主导产业", "target industries", required=False),
        Column("far_min", "float", "容积率下限", "FAR min", required=False),
        Column("far_max", "float", "容积率上限", "FAR max", required=False),
        Column("coverage_min", "float", "建筑系数下限", "building coverage min", False),
        Column("green_max", "float", "绿地率上限", "green ratio max", required=False),
        Column(
            "admin_max", "float", "行政办公及生活服务设施用地比例上限", "admin/living max", False
        ),
        Column(
            "invest_wan_per_mu", "float", "投资强度", "investment intensity", False, unit="万元/亩"
        ),
        Column("tax_wan_per_mu", "float", "地均税收", "tax per mu", False, unit="万元/亩"),
        Column("output_wan_per_mu", "float", "亩均产值", "output per mu", False, unit="万元/亩"),
        Column("version", "int", "版本", "version", required=False),
        Column("valid_from", "date", "生效日期", "valid from", required=False),
    ),
)

ROADS = Table(
    "roads",
    "道路",
    "roads",
    key="road_id",
    geometry=LINEAR,
    columns=(
        Column("road_id", "str", "道路编号", "road ID"),
        Column("name", "str", "道路名称", "name"),
    ),
)

ENTERPRISES = Table(
    "enterprises",
    "企业",
    "enterprises",
    key="enterprise_id",
    geometry=None,
    columns=(
        Column("enterprise_id", "str", "企业编号", "enterprise ID"),
        Column("name", "str", "企业名称", "name", internal=True),
        Column("parcel_id", "str", "地块编号", "parcel ID"),
        Column("land_mu_registered", "float", "登记用地", "registered land", unit="亩"),
        Column("land_mu_leased", "float", "承租用地", "leased land", unit="亩"),
        Column("scale", "str", "规模", "scale"),
        Column("year", "int", "年度", "year"),
        Column("tax_wan", "float", "税收", "tax", unit="万元"),
        Column("added_value_wan", "float", "增加值", "value added", unit="万元"),
        Column("revenue_wan", "float", "营业收入", "revenue", unit="万元"),
        Column("energy_tce", "float", "能耗", "energy use", unit="tce"),
        Column("emissions_t", "float", "主要污染物排放", "emissions", unit="t"),
        Column("rd_wan", "float", "研发经费", "R&D spending", unit="万元"),
        Column("employees", "int", "从业人员", "employees", unit="人"),
        Column("electricity_mwh", "float", "用电量", "electricity", unit="MWh"),
        Column("industry_code", "str", "行业代码", "industry code (GB/T 4754)", False),
        Column("production_year", "int", "投产年份", "first year of production", False),
        Column("not_evaluated", "bool", "不适合评价", "not suited to evaluation", False),
    ),
)

BOUNDARIES = Table(
    "boundaries",
    "行政区划",
    "administrative boundaries",
    key="adcode",
    geometry=POLYGONAL,
    columns=(
        Column("adcode", "str", "行政区划代码", "adcode"),
        Column("name", "str", "名称", "name"),
        Column("level", "str", "级别", "level"),
    ),
)

LANDUSE_SURVEY = Table(
    "landuse_survey",
    "现状地类",
    "current land use (land survey)",
    key="survey_id",
    geometry=POLYGONAL,
    columns=(
        Column("survey_id", "str", "标识码", "survey ID (BSM)"),
        Column("tbbh", "str", "图斑编号", "patch number (TBBH)", required=False),
        Column("dlbm", "str", "地类编码", "land class code (DLBM)"),
        Column("dlmc", "str", "地类名称", "land class name (DLMC)", required=False),
        Column("qsdwmc", "str", "权属单位名称", "owner unit (QSDWMC)", False, True),
        Column("zldwdm", "str", "座落单位代码", "location unit code (ZLDWDM)", False),
        Column("zldwmc", "str", "座落单位名称", "location unit (ZLDWMC)", False),
        Column("tbmj_m2", "float", "图斑面积", "patch area (TBMJ)", False, unit="m²"),
        Column("tbdlmj_m2", "float", "图斑地类面积", "class area (TBDLMJ)", False, unit="m²"),
        Column("sjnf", "int", "数据年份", "survey year (SJNF)", required=False),
    ),
)
"""三调 / 年度变更调查 地类图斑 (DLTB) kept as a reference layer: ``dlbm`` is a
三调工作分类 code (:mod:`geo.codes`); ``tbmj_m2`` is the survey's ellipsoidal area."""

MILESTONES = Table(
    "milestones",
    "节点",
    "milestones",
    key=None,
    geometry=None,
    columns=(
        Column("subject_id", "str", "对象编号", "subject ID"),
        Column("milestone", "str", "节点", "milestone"),
        Column("due", "date", "期限", "due"),
        Column("done", "date", "完成日期", "done", required=False),
    ),
)

SUPPLY_METHODS: dict[str, tuple[str, str]] = {
    "transfer": ("出让", "transfer (grant)"),
    "allocation": ("划拨", "allocation"),
    "lease": ("租赁", "lease"),
    "capital": ("作价出资", "capital contribution"),
}
"""供地方式 of a supply contract (《土地管理法》 art. 54, 国有土地有偿使用)."""

IDLE_STAGES: tuple[str, ...] = ("found", "determined", "notified", "disposing", "closed")
"""Stages of an idle-land case in order: 调查 → 认定 → 告知 → 处置中 → 结案."""

IDLE_STAGE_LABELS: dict[str, tuple[str, str]] = {
    "found": ("调查", "under investigation"),
    "determined": ("已认定", "determined"),
    "notified": ("已告知", "notified"),
    "disposing": ("处置中", "disposal under way"),
    "closed": ("已结案", "closed"),
}

IDLE_DISPOSALS: dict[str, tuple[str, str]] = {
    "extend_start": ("延长动工开发期限", "extend the start deadline"),
    "change_use": ("调整土地用途、规划条件", "change the use or planning conditions"),
    "temporary_use": ("由政府安排临时使用", "temporary use arranged by the government"),
    "negotiated_recovery": ("协议有偿收回", "negotiated paid recovery"),
    "swap": ("置换土地", "land swap"),
    "other": ("其他", "other"),
    "idle_fee": ("征缴土地闲置费", "idle-land fee"),
    "free_recovery": ("无偿收回", "recovery without compensation"),
}
"""处置方式: art. 12 options (government-caused idleness) and art. 14 (the user's own)."""

IDLE_EXEMPTION_CAUSES: dict[str, tuple[str, str]] = {
    "government": ("政府、政府有关部门原因", "government or its departments"),
    "force_majeure": ("不可抗力", "force majeure"),
}
"""Causes of 《闲置土地处置办法》 art. 8 that stop the idle clock."""

CONTRACTS = Table(
    "contracts",
    "供地合同",
    "supply contracts",
    key="contract_id",
    geometry=None,
    columns=(
        Column("contract_id", "str", "电子监管号", "supervision number"),
        Column("parcel_ids", "str", "地块编号", "parcel IDs"),
        Column("supply_method", "str", "供地方式", "supply method"),
        Column("grantee", "str", "受让人", "grantee", False, True),
        Column("signed_on", "date", "合同签订日期", "signed on", required=False),
        Column("agreed_start", "date", "约定动工日期", "agreed start", required=False),
        Column("agreed_completion", "date", "约定竣工日期", "agreed completion", False),
        Column("started_on", "date", "实际动工日期", "started on", required=False),
        Column("completed_on", "date", "实际竣工日期", "completed on", required=False),
        Column("price_wan_yuan", "float", "成交价款", "price", False, unit="万元"),
        Column(
            "invest_wan_per_mu",
            "float",
            "固定资产投资强度",
            "investment intensity",
            False,
            unit="万元/亩",
        ),
        Column("far", "float", "容积率", "FAR", required=False),
        Column("tax_wan_per_mu", "float", "亩均税收", "tax per mu", False, unit="万元/亩"),
        Column(
            "energy_tce_per_wan",
            "float",
            "单位能耗",
            "energy intensity",
            False,
            unit="tce/万元",
        ),
        Column("note", "str", "备注", "note", required=False),
    ),
)
"""供地合同 (出让合同 or 划拨决定书): one row per contract, keyed by its 电子监管号.

``parcel_ids`` lists the parcels the contract covers, separated by ``;``
(one contract may cover several parcels; a parcel may have successive
contracts). ``energy_tce_per_wan`` is tonnes of standard coal per 万元 of
value added (吨标准煤/万元)."""

IDLE_CASES = Table(
    "idle_cases",
    "闲置土地处置",
    "idle-land cases",
    key="case_id",
    geometry=None,
    columns=(
        Column("case_id", "str", "案件编号", "case ID"),
        Column("parcel_id", "str", "地块编号", "parcel ID"),
        Column("contract_id", "str", "电子监管号", "supervision number", required=False),
        Column("stage", "str", "处置阶段", "stage"),
        Column("found_on", "date", "调查日期", "found on"),
        Column("determined_on", "date", "认定日期", "determined on", required=False),
        Column("determination_no", "str", "认定书编号", "determination number", False),
        Column("notified_on", "date", "告知日期", "notified on", required=False),
        Column("disposal", "str", "处置方式", "disposal", required=False),
        Column("disposal_on", "date", "处置决定日期", "disposal decided on", required=False),
        Column("fee_wan_yuan", "float", "土地闲置费", "idle-land fee", False, unit="万元"),
        Column("closed_on", "date", "结案日期", "closed on", required=False),
        Column("note", "str", "备注", "note", required=False),
    ),
)
"""闲置土地处置 cases (《闲置土地处置办法》): one row per case of one parcel."""

IDLE_EXEMPTIONS = Table(
    "idle_exemptions",
    "闲置原因(不计期间)",
    "idle-clock exemptions",
    key="exemption_id",
    geometry=None,
    columns=(
        Column("exemption_id", "str", "编号", "exemption ID"),
        Column("case_id", "str", "案件编号", "case ID"),
        Column("cause", "str", "原因类别", "cause"),
        Column("cause_text", "str", "原因说明", "cause described", required=False),
        Column("from_on", "date", "起始日期", "from"),
        Column("to_on", "date", "结束日期", "to", required=False),
    ),
)
"""Art. 8 periods (government or force majeure) during which the idle clock stops;
``to_on`` empty: still lasting."""

AUDIT = Table(
    "audit",
    "修改记录",
    "audit log",
    key=None,
    geometry=None,
    columns=(
        Column("who", "str", "修改人", "who"),
        Column("at", "str", "时间", "when"),
        Column("table_name", "str", "表", "table"),
        Column("row_id", "str", "记录编号", "row ID"),
        Column("field", "str", "字段", "field"),
        Column("before", "str", "修改前", "before", required=False),
        Column("after", "str", "修改后", "after", required=False),
        Column("row_version", "int", "版本号", "row version", required=False),
        Column("edit_id", "str", "修改编号", "edit ID", required=False),
        Column("note", "str", "备注", "note", required=False),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        PARCELS,
        AREAS,
        ROADS,
        ENTERPRISES,
        BOUNDARIES,
        LANDUSE_SURVEY,
        MILESTONES,
        CONTRACTS,
        IDLE_CASES,
        IDLE_EXEMPTIONS,
        AUDIT,
    )
}
"""Every workspace table by name."""

REQUIRED_TABLES: tuple[str, ...] = ("parcels", "areas", "boundaries")
"""Tables a workspace must have; the others may be absent or empty."""

SUPPLY_TABLES: tuple[str, ...] = ("contracts", "idle_cases", "idle_exemptions")
"""Attribute tables of supply supervision, edited row by row with audit (:mod:`geo.store`).

They are internal as a whole: no investor or public reader ever receives them
(they are absent from :data:`geo.access.INVESTOR_FIELDS`)."""

INTERNAL_FIELDS: frozenset[str] = frozenset(
    c.name for t in TABLES.values() for c in t.columns if c.internal
)
"""Columns that never reach an investor or the public."""


def column_label(table: str, column: str, lang: Lang = "zh", *, with_unit: bool = True) -> str:
    """Display label of a column, with its unit in brackets.

    Examples
    --------
    >>> column_label("parcels", "area_mu")
    '面积(亩)'
    >>> column_label("parcels", "area_mu", "en")
    'area (mu)'
    """
    col = TABLES[table].column(column) if table in TABLES else None
    if col is None:
        return column
    text = col.zh if lang == "zh" else col.en
    if with_unit and col.unit:
        unit = (
            col.unit
            if lang == "zh"
            else {"亩": "mu", "万元": "10k yuan", "人": "persons"}.get(
                col.unit, col.unit.replace("万元", "10k yuan").replace("亩", "mu")
            )
        )
        text = f"{text}({unit})" if lang == "zh" else f"{text} ({unit})"
    return text
