"""Attribute mapping: source headers onto the data model, with units and vocabularies.

Headers are recognised in Chinese and English (``地块编号``, ``parcel_id``,
``Parcel ID``…), after Unicode normalisation (full-width brackets and
digits), ignoring case, spaces and ``_-.``. A unit in the header is read and
converted: ``面积(公顷)`` is a declared area in hectares, ``税收(元)`` is
divided by 10,000 to 万元, ``用电量(万千瓦时)`` becomes MWh.

Values are normalised per field: status words (``已腾退`` → ``released``),
land-use codes (``100102``, ``二类工业用地``, ``100102 二类工业用地``, the
leading zero Excel dropped from ``0901``, old GB 50137 codes such as ``M2``),
yes/no words, dates in Chinese formats, numbers with thousands separators.
What cannot be understood is reported (:class:`~geo.io.report.Finding`) and
left for the user to fix; nothing is guessed silently.

The declared area of a parcel or planning area is kept in
:data:`DECLARED_AREA` (亩) for the area check; the workspace's ``area_mu``
stays a cache of the geometry.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geo.crs import M2_PER_MU
from geo.io.errors import MappingError
from geo.io.report import Finding
from geo.schema import AREA_KINDS, LAND_USES, STATUS_LABELS, TABLES, Column

DECLARED_AREA = "declared_area_mu"
"""Field holding a source's declared area, converted to 亩."""

POLYGON_TABLES = frozenset(
    t.name for t in TABLES.values() if t.geometry == ("Polygon", "MultiPolygon")
)
IMPORT_TABLES: tuple[str, ...] = ("parcels", "areas", "roads", "enterprises")
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


def norm_header(text: Any) -> str:
    """Header key: NFKC, lower case, without spaces and ``_-.·``.

    Examples
    --------
    >>> norm_header("Parcel ID"), norm_header("地块_编号"), norm_header("面积（亩）")
    ('parcelid', '地块编号', '面积(亩)')
    """
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[\s_\-.·]", "", text)


def _norm_unit(unit: str) -> str:
    u = unicodedata.normalize("NFKC", unit).lower().replace(" ", "")
    return u.replace("²", "2").replace("㎡", "m2").replace("m^2", "m2").replace("平方公顷", "公顷")


_UNIT_SUFFIXES = sorted(_UNITS, key=len, reverse=True)


def split_unit(header: Any) -> tuple[str, str | None]:
    """Split a header into its name and the unit in brackets or after ``_``/``/``.

    Examples
    --------
    >>> split_unit("面积(公顷)"), split_unit("用地面积（亩）"), split_unit("area_ha")
    (('面积', '公顷'), ('用地面积', '亩'), ('area', 'ha'))
    >>> split_unit("地块编号")
    ('地块编号', None)
    """
    h = unicodedata.normalize("NFKC", str(header)).strip()
    m = re.match(r"^(.*?)\s*[(\[【{]\s*(.+?)\s*[)\]】}]\s*$", h)
    if m and m.group(1):
        return m.group(1), m.group(2)
    low = _norm_unit(h)
    for unit in _UNIT_SUFFIXES:
        for sep in ("_", "/", "-", " "):
            if low.endswith(sep + unit) and len(low) > len(unit) + 1:
                return h[: len(h) - len(unit) - 1], unit
    for unit in ("亩", "公顷", "平方米", "万元"):
        if h.endswith(unit) and norm_header(h[: -len(unit)]) in _AREA_KEYS | {"税收", "补偿金额"}:
            return h[: -len(unit)], unit
    return h, None


_AREA_KEYS = frozenset(norm_header(s) for s in _AREA_STEMS)


def unit_of(unit: str | None) -> tuple[str, float] | None:
    """(dimension, size in the dimension's base) of a unit, or None when unknown.

    Examples
    --------
    >>> unit_of("公顷"), unit_of("㎡")
    (('area', 10000.0), ('area', 1.0))
    """
    if unit is None:
        return None
    return _UNITS.get(_norm_unit(unit))


def _field_unit(table: str, fld: str) -> tuple[str, float] | None:
    if fld == DECLARED_AREA:
        return _UNITS["亩"]
    if fld in _RATIO_FIELDS:
        return ("ratio", 1.0)
    col = TABLES[table].column(fld)
    return unit_of(col.unit) if col is not None and col.unit else None


def _alias_index(table: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for fld, aliases in _ALIASES.get(table, {}).items():
        for a in aliases:
            index.setdefault(norm_header(a), fld)
    for col in TABLES[table].columns:
        for a in (col.name, col.zh, col.en):
            index.setdefault(norm_header(a), col.name)
    return index


# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldMatch:
    """One source column mapped onto a field.

    ``factor`` converts the header's unit to the field's (1 when they agree).
    """

    source: str
    field: str
    unit: str | None
    factor: float
    how: str


@dataclass
class MappingPlan:
    """How the columns of a source map onto a table."""

    table: str
    matches: list[FieldMatch]
    unmapped: list[str]
    missing: list[str]
    findings: list[Finding] = field(default_factory=list)

    def fields(self) -> list[str]:
        return [m.field for m in self.matches]

    def source_of(self, fld: str) -> str | None:
        return next((m.source for m in self.matches if m.field == fld), None)

    def frame(self) -> pd.DataFrame:
        """The plan as a table: source column → field (unit, factor, how)."""
        rows = [
            {"column": m.source, "field": m.field, "unit": m.unit, "factor": m.factor, "how": m.how}
            for m in self.matches
        ]
        rows += [
            {"column": c, "field": None, "unit": None, "factor": None, "how": "not imported"}
            for c in self.unmapped
        ]
        return pd.DataFrame(rows, columns=["column", "field", "unit", "factor", "how"])


_EXTRA_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _declared_area_field(fld: str) -> str | None:
    """``area_mu``/``area_ha``/``area_m2``/``area_km2`` as a --map target: the unit."""
    m = re.fullmatch(r"area_(mu|ha|m2|km2)", fld)
    return m.group(1) if m else None


def _resolve_unit(
    table: str, fld: str, source: str, unit: str | None
) -> tuple[float, list[Finding]]:
    target = _field_unit(table, fld)
    if unit is None or target is None:
        return 1.0, []
    got = unit_of(unit)
    if got is None or got[0] != target[0]:
        col = TABLES[table].column(fld)
        want = col.unit if col is not None and col.unit else ("亩" if fld == DECLARED_AREA else "")
        return 1.0, [
            Finding(
                "warning",
                "unit_not_understood",
                f"the unit {unit!r} in the header of {source!r} is not understood for {fld}; "
                f"values are taken as {want or 'given'}: check them, or rename the header",
                column=source,
                field=fld,
            )
        ]
    return got[1] / target[1], []


def plan_mapping(
    columns: Iterable[Any],
    *,
    table: str,
    overrides: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> MappingPlan:
    """Map source columns onto ``table``'s fields.

    Parameters
    ----------
    columns
        The source's column names.
    table
        One of :data:`IMPORT_TABLES`.
    overrides
        ``{source column: field}`` (``--map``); a field of ``-`` or ``""``
        leaves the column out; ``area_mu``/``area_ha``/``area_m2`` name a
        declared area in that unit; another snake_case name keeps the column
        as an extra field.
    defaults
        Fields filled with one value (``--default``); they count as present.

    Raises
    ------
    MappingError
        An override names a column the source lacks or an unusable field.

    Examples
    --------
    >>> plan = plan_mapping(["地块编号", "状态", "面积(公顷)", "备注"], table="parcels")
    >>> [(m.source, m.field, m.factor) for m in plan.matches][2]
    ('面积(公顷)', 'declared_area_mu', 15.0)
    >>> [m.field for m in plan.matches][:2]
    ['parcel_id', 'status']
    >>> plan.unmapped
    ['备注']
    """
    if table not in IMPORT_TABLES:
        raise MappingError(
            f"cannot import into {table!r}; choose one of {', '.join(IMPORT_TABLES)}"
        )
    spec = TABLES[table]
    cols = [str(c) for c in columns]
    overrides = {str(k): str(v).strip() for k, v in (overrides or {}).items()}
    unknown = [c for c in overrides if c not in cols]
    if unknown:
        raise MappingError(
            f"--map names column(s) {', '.join(map(repr, unknown))} that the source does not "
            f"have; its columns are: {', '.join(cols)}"
        )
    index = _alias_index(table)
    matches: list[FieldMatch] = []
    unmapped: list[str] = []
    findings: list[Finding] = []
    taken: dict[str, str] = {}
    polygonal = table in POLYGON_TABLES

    def take(m: FieldMatch) -> None:
        if m.field in taken:
            findings.append(
                Finding(
                    "warning",
                    "duplicate_mapping",
                    f"{m.source!r} would also map onto {m.field}, already taken by "
                    f"{taken[m.field]!r}; it is not imported (use --map to choose)",
                    column=m.source,
                    field=m.field,
                )
            )
            unmapped.append(m.source)
            return
        taken[m.field] = m.source
        matches.append(m)

    # Explicit overrides first, so they win over recognised headers.
    for col in cols:
        if col not in overrides:
            continue
        target = overrides[col]
        stem, unit = split_unit(col)
        if target in ("", IGNORE):
            unmapped.append(col)
            continue
        area_unit = _declared_area_field(target)
        if area_unit is not None:
            if not polygonal:
                raise MappingError(
                    f"--map {col}={target}: {table} has no area; map it to a field of {table}"
                )
            fld, unit = DECLARED_AREA, area_unit
        elif spec.column(target) is not None:
            fld = target
        elif _EXTRA_NAME.match(target):
            fld = target
            findings.append(
                Finding(
                    "info",
                    "extra_column",
                    f"{col!r} is kept as the extra column {target!r} (not part of the data model)",
                    column=col,
                    field=target,
                )
            )
        else:
            raise MappingError(
                f"--map {col}={target}: {target!r} is not a field of {table}; use one of "
                f"{', '.join(c.name for c in spec.columns)}"
                + (", area_mu, area_ha, area_m2" if polygonal else "")
                + ", or - to leave the column out"
            )
        factor, notes = _resolve_unit(table, fld, col, unit)
        findings += notes
        take(FieldMatch(col, fld, unit, factor, "--map"))
    for col in cols:
        if col in overrides:
            continue
        stem, unit = split_unit(col)
        full, key = norm_header(col), norm_header(stem)
        area_unit = _declared_area_field(full.replace("area", "area_", 1)) if polygonal else None
        if area_unit is not None:
            factor = _resolve_unit(table, DECLARED_AREA, col, area_unit)[0]
            take(FieldMatch(col, DECLARED_AREA, area_unit, factor, "header"))
            continue
        if polygonal and key in _AREA_KEYS:
            if unit is None:
                unmapped.append(col)
                findings.append(
                    Finding(
                        "info",
                        "area_without_unit",
                        f"{col!r} looks like an area but its header has no unit; map it with "
                        f"--map {col}=area_mu (or area_ha, area_m2) to check it against the "
                        f"geometry",
                        column=col,
                    )
                )
                continue
            factor, notes = _resolve_unit(table, DECLARED_AREA, col, unit)
            if notes:
                unmapped.append(col)
                findings += notes
                continue
            take(FieldMatch(col, DECLARED_AREA, unit, factor, "header"))
            continue
        fld = index.get(full) or index.get(key)
        if fld is None or (fld == "area_mu" and polygonal):
            unmapped.append(col)
            continue
        # A unit that is part of a field's own name (electricity_mwh) needs no conversion.
        used_unit = None if index.get(full) == fld else unit
        factor, notes = _resolve_unit(table, fld, col, used_unit)
        findings += notes
        take(FieldMatch(col, fld, used_unit, factor, "header"))
    present = set(taken) | set(defaults or {})
    missing = [c for c in spec.required if c not in present]
    for c in missing:
        col = spec.column(c)
        label = f"{col.zh}/{col.en}" if col is not None else c
        findings.append(
            Finding(
                "error",
                "missing_column",
                f"required field {c} ({label}) has no source column; map one with "
                f"--map COLUMN={c} or fill it with --default {c}=VALUE",
                field=c,
            )
        )
    for c in unmapped:
        if not any(f.column == c for f in findings):
            findings.append(
                Finding(
                    "info",
                    "unmapped_column",
                    f"{c!r} matches no field of {table} and is not imported (map it with "
                    f"--map {c}=FIELD to keep it)",
                    column=c,
                )
            )
    return MappingPlan(table, matches, unmapped, missing, findings)


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def _is_empty(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    try:
        if v is pd.NA or v is pd.NaT:
            return True
    except TypeError:  # pragma: no cover
        pass
    return isinstance(v, str) and v.strip().lower() in _EMPTY


def _text(v: Any) -> str | None:
    if _is_empty(v):
        return None
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, np.integer):
        return str(int(v))
    if isinstance(v, pd.Timestamp | dt.date):
        return str(v)
    s = unicodedata.normalize("NFKC", str(v)).strip() if isinstance(v, str) else str(v).strip()
    if re.fullmatch(r"-?\d+\.0+", s):
        s = s.split(".")[0]
    return s or None


def _vocab(
    words: Mapping[str, Iterable[str]], extra: Mapping[str, tuple[str, str]] | None = None
) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, ws in words.items():
        out[norm_header(key)] = key
        for w in ws:
            out[norm_header(w)] = key
    for key, (zh, en) in (extra or {}).items():
        out.setdefault(norm_header(key), key)
        for w in [*zh.split("/"), en]:
            out.setdefault(norm_header(w), key)
    return out


_STATUS_INDEX = _vocab(_STATUS_WORDS, STATUS_LABELS)
_KIND_INDEX = _vocab(_KIND_WORDS, AREA_KINDS)
_SCALE_INDEX = _vocab(_SCALE_WORDS)
_LAND_USE_BY_NAME = {norm_header(lu.zh): code for code, lu in LAND_USES.items()}


def parse_status(value: Any) -> str | None:
    """A status key from a Chinese or English word, or None when unknown.

    Examples
    --------
    >>> parse_status("已腾退"), parse_status(" 已收储 "), parse_status("In production")
    ('released', 'stored', 'in_production')
    >>> parse_status("拆了一半") is None
    True
    """
    t = _text(value)
    return None if t is None else _STATUS_INDEX.get(norm_header(t))


def parse_land_use(value: Any) -> tuple[str | None, str | None]:
    """A land-use code from a code, a name or an old code: ``(code, note)``.

    ``note`` says what was converted; ``code`` is None when unknown.

    Examples
    --------
    >>> parse_land_use("100102"), parse_land_use(901.0)[0], parse_land_use("二类工业用地")[0]
    (('100102', None), '0901', '100102')
    >>> parse_land_use("M2")
    ('100102', "old GB 50137 code 'M2' converted to 100102")
    """
    t = _text(value)
    if t is None:
        return None, None
    m = re.match(r"^(\d{1,6})(?!\d)\s*(.*)$", t)
    if m:
        digits = m.group(1)
        code = digits if len(digits) % 2 == 0 else "0" + digits
        if code in LAND_USES:
            note = f"leading zero restored: {digits} → {code}" if code != digits else None
            return code, note
        return None, None
    name = norm_header(t)
    if name in _LAND_USE_BY_NAME:
        return _LAND_USE_BY_NAME[name], None
    old = t.strip().upper()
    if old in _OLD_LAND_USE:
        code = _OLD_LAND_USE[old]
        return code, f"old GB 50137 code {old!r} converted to {code}"
    return None, None


def parse_bool(value: Any) -> bool | None:
    """True/False from 是/否, yes/no, 1/0…; None when empty or not understood."""
    t = _text(value)
    if t is None:
        return None
    k = t.lower()
    if k in _TRUE:
        return True
    if k in _FALSE:
        return False
    return None


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$"), "ymd"),
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$"), "ym"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
    (re.compile(r"^(\d{4})年?$"), "y"),
)


def parse_date(value: Any) -> tuple[pd.Timestamp | None, str | None]:
    """A date from ISO, ``2018/5/1``, ``2018年5月1日``, ``2018.05``, ``2018`` or an Excel serial.

    Returns ``(date, note)``; the date is None when it cannot be read.

    Examples
    --------
    >>> parse_date("2018年5月1日")[0], parse_date("2018/5")[0]
    (Timestamp('2018-05-01 00:00:00'), Timestamp('2018-05-01 00:00:00'))
    """
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date) and not _is_empty(value):
        return pd.Timestamp(value).normalize(), None
    t = _text(value)
    if t is None:
        return None, None
    for pattern, kind in _DATE_PATTERNS:
        m = pattern.match(t)
        if not m:
            continue
        y = int(m.group(1))
        mo = int(m.group(2)) if kind in ("ymd", "ym") else 1
        d = int(m.group(3)) if kind == "ymd" else 1
        try:
            ts = pd.Timestamp(year=y, month=mo, day=d)
        except ValueError:
            return None, None
        note = {"ym": "day not given: the 1st of the month", "y": "only a year: 1 January"}.get(
            kind
        )
        return ts, note
    if re.fullmatch(r"\d{5}(\.\d+)?", t) and 20_000 <= float(t) <= 60_000:
        return pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(t))), "Excel serial date"
    return None, None


def parse_number(value: Any) -> float | None:
    """A number from text with thousands separators, full-width digits or a trailing %.

    Raises
    ------
    ValueError
        When the value is not empty and not a number.

    Examples
    --------
    >>> parse_number("1,234.5"), parse_number("１２"), parse_number("30%"), parse_number("—")
    (1234.5, 12.0, 0.3, None)
    """
    if _is_empty(value):
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    t = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace(" ", "")
    pct = t.endswith("%")
    t = t.rstrip("%")
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", t):
        raise ValueError(value)
    x = float(t)
    return x / 100.0 if pct else x


# ---------------------------------------------------------------------------
# Applying a plan
# ---------------------------------------------------------------------------


def _status_hint() -> str:
    return ", ".join(f"{zh} ({k})" for k, (zh, _) in STATUS_LABELS.items())


def _value_kind(table: str, fld: str) -> str:
    """How values of ``fld`` are read: a vocabulary, a column type, or ``raw``."""
    if table == "parcels" and fld == "status":
        return "status"
    if fld in ("land_use_now", "land_use_planned"):
        return "land_use"
    if table == "areas" and fld == "kind":
        return "kind"
    if table == "enterprises" and fld == "scale":
        return "scale"
    if fld == DECLARED_AREA:
        return "float"
    col: Column | None = TABLES[table].column(fld)
    return "raw" if col is None else col.dtype


def convert_column(
    values: pd.Series, *, table: str, field: str, factor: float = 1.0, source: str | None = None
) -> tuple[pd.Series, list[Finding]]:
    """Normalise one column's values for ``field``; report what cannot be read.

    Unknown vocabulary values are kept as written (and reported as errors);
    unreadable numbers, dates and yes/no values become empty (and are reported).
    """
    kind = _value_kind(table, field)
    out: list[Any] = []
    findings: list[Finding] = []
    src = source or field

    def add(i: Any, severity: str, code: str, msg: str, v: Any) -> None:
        findings.append(
            Finding(severity, code, msg, row=int(i) + 1, column=src, field=field, value=v)
        )  # type: ignore[arg-type]

    for i, v in values.items():
        if kind == "status":
            t = _text(v)
            s = parse_status(v)
            if t is None:
                add(
                    i, "error", "unknown_status", f"status is empty; use one of {_status_hint()}", v
                )
            elif s is None:
                add(
                    i,
                    "error",
                    "unknown_status",
                    f"status {t!r} is not known; use one of {_status_hint()}",
                    v,
                )
            out.append(s if s is not None else t)
        elif kind == "land_use":
            code, note = parse_land_use(v)
            t = _text(v)
            if t is not None and code is None:
                add(
                    i,
                    "error",
                    "unknown_land_use",
                    f"land-use code {t!r} is not in the 国土空间调查、规划、用途管制用地用海分类; "
                    f"write the code (e.g. 100102) or its name (e.g. 二类工业用地)",
                    v,
                )
            elif note:
                add(i, "warning", "land_use_converted", note, v)
            out.append(code if code is not None else t)
        elif kind == "kind":
            t = _text(v)
            k = None if t is None else _KIND_INDEX.get(norm_header(t))
            if t is not None and k is None:
                add(
                    i,
                    "error",
                    "unknown_area_kind",
                    f"kind {t!r} is not known; use one of "
                    + ", ".join(f"{zh} ({key})" for key, (zh, _) in AREA_KINDS.items()),
                    v,
                )
            out.append(k if k is not None else t)
        elif kind == "scale":
            t = _text(v)
            k = None if t is None else _SCALE_INDEX.get(norm_header(t))
            if t is not None and k is None:
                add(i, "warning", "unknown_scale", f"scale {t!r} is neither 规上 nor 规下", v)
            out.append(k if k is not None else t)
        elif kind == "bool":
            b = parse_bool(v)
            if b is None and _text(v) is not None:
                add(i, "error", "bad_bool", f"{_text(v)!r} is not yes/no; write 是 or 否", v)
            out.append(b)
        elif kind == "date":
            d, note = parse_date(v)
            if d is None and _text(v) is not None:
                add(i, "error", "bad_date", f"{_text(v)!r} is not a date; write YYYY-MM-DD", v)
            elif note:
                add(i, "info", "date_completed", note, v)
            out.append(d)
        elif kind in ("int", "float"):
            try:
                x = parse_number(v)
            except ValueError:
                add(i, "error", "bad_number", f"{_text(v)!r} is not a number", v)
                out.append(None)
                continue
            if x is not None:
                x *= factor
                if kind == "int":
                    if not float(x).is_integer():
                        add(i, "error", "bad_number", f"{_text(v)!r} is not a whole number", v)
                        out.append(None)
                        continue
                    x = int(x)
            out.append(x)
        elif kind == "str":
            out.append(_text(v))
        else:
            out.append(None if _is_empty(v) else v)
    series = pd.Series(out, index=values.index, dtype=object)
    if kind == "float":
        series = pd.to_numeric(series, errors="coerce").astype("float64")
    elif kind == "int":
        series = series.astype("Int64")
    elif kind == "date":
        series = pd.to_datetime(series, errors="coerce")
    elif kind in ("str", "status", "land_use", "kind", "scale"):
        series = series.astype(object).where(series.notna(), None)
    elif kind == "bool" and series.notna().all():
        series = series.astype(bool)
    return series, findings


def apply_mapping(
    frame: pd.DataFrame, plan: MappingPlan, *, defaults: Mapping[str, Any] | None = None
) -> tuple[pd.DataFrame, list[Finding]]:
    """Build the table's columns from a source frame; defaults fill empty values.

    Raises
    ------
    MappingError
        A default names an unknown field or a value that does not convert.
    """
    spec = TABLES[plan.table]
    defaults = dict(defaults or {})
    converted: dict[str, Any] = {}
    for fld, value in defaults.items():
        if spec.column(fld) is None:
            raise MappingError(
                f"--default {fld}=…: {fld!r} is not a field of {plan.table}; use one of "
                f"{', '.join(c.name for c in spec.columns)}"
            )
        one, found = convert_column(pd.Series([value], dtype=object), table=plan.table, field=fld)
        if any(f.severity == "error" for f in found):
            raise MappingError(f"--default {fld}={value}: {found[0].message}")
        converted[fld] = one.iloc[0]
    out = pd.DataFrame(index=frame.index)
    findings: list[Finding] = []
    for m in plan.matches:
        raw = frame[m.source]
        n_filled = 0
        if m.field in converted:
            empty = raw.map(_is_empty).to_numpy(dtype=bool)
            n_filled = int(empty.sum())
            if n_filled:
                raw = raw.astype(object).copy()
                # Filled in the field's units: undo the header's unit factor.
                fill = converted[m.field]
                if m.factor not in (0, 1) and isinstance(fill, int | float):
                    fill = fill / m.factor
                raw[empty] = fill
        series, found = convert_column(
            raw, table=plan.table, field=m.field, factor=m.factor, source=m.source
        )
        out[m.field] = series
        findings += found
        if n_filled:
            findings.append(
                Finding(
                    "info",
                    "default_filled",
                    f"{m.field} filled with {defaults[m.field]!r} in {n_filled} empty row(s)",
                    column=m.source,
                    field=m.field,
                )
            )
    for fld, value in defaults.items():
        if fld in out.columns:
            continue
        out[fld], _ = convert_column(
            pd.Series([value] * len(frame), index=frame.index, dtype=object),
            table=plan.table,
            field=fld,
        )
        findings.append(
            Finding("info", "default_filled", f"{fld} set to {value!r} in every row", field=fld)
        )
    return out, findings
