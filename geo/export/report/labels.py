"""The report's words in Chinese and English: titles, column headers, vocabulary values."""

from __future__ import annotations

from typing import Any

import pandas as pd

from geo.schema import (
    AREA_KINDS,
    STATUS_LABELS,
    column_label,
    label,
    land_use_label,
)

# ---------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------

TEXT: dict[str, tuple[str, str]] = {
    "overview": ("概览", "Overview"),
    "by_area": ("按片区", "By area"),
    "by_status": ("按状态", "By status"),
    "by_year": ("按年度", "By year"),
    "by_industry": ("按行业", "By industry"),
    "parcels": ("地块清单", "Parcels"),
    "benefit_classes": ("亩均分类", "Per-mu classes"),
    "benefit_firms": ("亩均企业", "Per-mu firms"),
    "benefit_history": ("亩均历年", "Per-mu classes by year"),
    "benefit_surcharges": ("差别化措施", "Differentiated surcharges"),
    "soil": ("土壤门槛", "Soil gate"),
    "current_use": ("现状用地", "Current land use"),
    "contracts": ("供地合同", "Supply contracts"),
    "idle_land": ("闲置土地", "Idle land"),
    "standard_land": ("标准地评价", "Standard-land review"),
    "provenance": ("数据说明", "Provenance"),
    "total": ("合计", "Total"),
    "level_total": ("第{level}层合计", "Level {level} total"),
    "unknown": ("未知", "unknown"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "schematic": (
        "示意 / schematic：演示数据，几何为示意",
        "示意 / schematic: demo data, geometry",
    ),
    "release_title": ("土地腾退情况汇总", "Land release summary"),
    "freed_statuses": (
        "腾退土地 = 已腾退 + 已收储 + 已供地 + 已投产",
        "freed land = released + stored + supplied + in production",
    ),
    "restricted_statuses": (
        "仅含可供应地块（已腾退、已收储）",
        "available sites only (released, stored)",
    ),
}

_COLUMN_TEXT: dict[str, tuple[str, str]] = {
    "level": ("层级", "level"),
    "area_id": ("片区编号", "area ID"),
    "area_name": ("片区名称", "area"),
    "kind": ("类型", "kind"),
    "year": ("腾退年度", "year released"),
    "n_parcels": ("地块数(宗)", "parcels"),
    "area_mu": ("面积(亩)", "area (mu)"),
    "area_ha": ("面积(公顷)", "area (ha)"),
    "area_m2": ("面积(平方米)", "area (m²)"),
    "area_ellipsoid_m2": ("椭球面积(平方米)", "ellipsoidal area (m²)"),
    "share": ("占比", "share"),
    "containing_area": ("所在片区", "planning area"),
    "item": ("指标", "figure"),
    "value": ("数值", "value"),
    "unit": ("单位", "unit"),
    "note": ("说明", "note"),
    "class": ("分类", "class"),
    "firms": ("企业数(家)", "firms"),
    "land_mu": ("用地(亩)", "land (mu)"),
    "tax_wan": ("税收(万元)", "tax (10k yuan)"),
    "added_value_wan": ("增加值(万元)", "value added (10k yuan)"),
    "land_share": ("用地占比", "land share"),
    "score": ("综合得分", "score"),
    "rank": ("组内排名", "rank in group"),
    "group": ("评价组", "group"),
    "flag": ("类别", "flag"),
    "severity": ("要求", "requirement"),
    "reason": ("原因", "reason"),
    "basis": ("依据", "basis"),
    "key": ("项目", "item"),
    "content": ("内容", "content"),
    "element_mu": ("片区面积(亩)", "area of the element (mu)"),
    "industrial_mu": ("现状工业用地(亩)", "current industrial land (mu)"),
    "storage_mu": ("现状仓储用地(亩)", "current storage land (mu)"),
    "mining_mu": ("现状采矿用地(亩)", "current mining land (mu)"),
    "industrial_share": ("现状工业用地率", "current industrial share"),
}

SOIL_FLAGS: dict[str, tuple[str, str]] = {
    "first_class_land": ("第一类用地", "first-class land"),
    "public_service_land": ("公共管理与公共服务用地", "public administration / services land"),
    "history_unknown": ("需调查：污染历史未知", "survey needed: polluting history unknown"),
}
SOIL_SEVERITY: dict[str, tuple[str, str]] = {
    "blocking": ("须开展土壤污染状况调查", "soil investigation required"),
    "warning": ("复用前应查明", "establish before reuse"),
}


def t(key: str, lang: str, **fmt: Any) -> str:
    """A word of :data:`TEXT` in ``lang``, formatted with ``fmt``."""
    zh, en = TEXT[key]
    return (zh if lang == "zh" else en).format(**fmt)


def header(column: str, lang: str, *, table: str = "parcels") -> str:
    """Header of a column with its unit, e.g. ``面积(亩)`` / ``area (mu)``."""
    if column in _COLUMN_TEXT:
        zh, en = _COLUMN_TEXT[column]
        return zh if lang == "zh" else en
    text = column_label(table, column, "zh" if lang == "zh" else "en")
    return text


def yes_no(value: Any, lang: str) -> str:
    """``是``/``否`` (``yes``/``no``) for a boolean-like value; empty when missing."""
    from geo.soil import as_bool

    b = as_bool(value)
    if b is None:
        return ""
    return t("yes" if b else "no", lang)


def land_use_text(code: Any, lang: str) -> str:
    """``100102 二类工业用地`` for a land-use code."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return ""
    name = land_use_label(str(code), "zh" if lang == "zh" else "en")
    return f"{code} {name}" if name != str(code) else str(code)


def status_text(value: Any, lang: str) -> str:
    """Label of a status value."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return label(STATUS_LABELS, str(value), "zh" if lang == "zh" else "en")


def kind_text(value: Any, lang: str) -> str:
    """Label of an area kind."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return label(AREA_KINDS, str(value), "zh" if lang == "zh" else "en")


def area_name(row: Any, lang: str) -> str:
    """An area's name in ``lang`` (English name when there is one)."""
    zh = row.get("name")
    en = row.get("name_en")
    if lang == "en" and isinstance(en, str) and en:
        return en
    return str(zh) if zh is not None and not pd.isna(zh) else ""
