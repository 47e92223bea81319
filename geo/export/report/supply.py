"""The 供地合同 and 闲置土地 sheets of the planner's report (docs/architecture.md §5.9).

Planners and investment officers only: for an investor or the public the
tables are never among the role's tables (:func:`geo.export._context.role_tables`
filters them out), and these sheets check the role again. 受让人 is a
planner's column. A workspace without contracts or cases gets neither sheet,
so its exports are as they were. Every cell reaches the workbook through
:mod:`geo.cells` (the tabular writer), so no text becomes a formula.
"""

from __future__ import annotations

import pandas as pd

from geo.access import RESTRICTED_ROLES
from geo.export._context import ExportContext
from geo.export.report.labels import t
from geo.export.report.sheet import Col, Sheet
from geo.schema import (
    IDLE_DISPOSALS,
    IDLE_STAGE_LABELS,
    SUPPLY_METHODS,
    column_label,
    label,
)

CONTRACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("contract_id", "text"),
    ("parcel_ids", "text"),
    ("supply_method", "text"),
    ("grantee", "text"),
    ("signed_on", "date"),
    ("agreed_start", "date"),
    ("agreed_completion", "date"),
    ("started_on", "date"),
    ("completed_on", "date"),
    ("price_wan_yuan", "number"),
    ("invest_wan_per_mu", "number"),
    ("far", "number"),
    ("tax_wan_per_mu", "number"),
    ("energy_tce_per_wan", "number"),
    ("note", "text"),
)


def _table(ctx: ExportContext, name: str) -> pd.DataFrame | None:
    df = ctx.tables.get(name)
    return df if df is not None and len(df) else None


def _in_scope(ctx: ExportContext, parcel_ids: pd.Series) -> pd.Series:
    """Rows whose parcel(s) are in the export's scope (all parcels without a scope)."""
    if ctx.site_id is None and ctx.area_id is None:
        return pd.Series(True, index=parcel_ids.index)
    from geo.supply import split_parcel_ids

    keep = set(ctx.scope_parcels["parcel_id"].astype(str))
    return parcel_ids.map(lambda v: any(p in keep for p in split_parcel_ids(v)))


def contracts_sheet(ctx: ExportContext) -> Sheet | None:
    """Sheet 供地合同: one row per contract (its headers read back with ``tenglong contracts``)."""
    if ctx.role in RESTRICTED_ROLES:
        return None
    df = _table(ctx, "contracts")
    if df is None:
        return None
    df = df[_in_scope(ctx, df["parcel_ids"])]
    lang = ctx.lang
    cols = [
        (c, kind)
        for c, kind in CONTRACT_COLUMNS
        if c in df.columns and (c != "grantee" or ctx.role == "planner")
    ]
    frame = pd.DataFrame(index=df.index)
    for c, kind in cols:
        if c == "supply_method":
            frame[c] = [label(SUPPLY_METHODS, str(v), lang) if pd.notna(v) else "" for v in df[c]]
        elif kind == "date":
            frame[c] = pd.to_datetime(df[c], errors="coerce")
        elif kind == "number":
            frame[c] = pd.to_numeric(df[c], errors="coerce")
        else:
            frame[c] = ["" if pd.isna(v) else str(v) for v in df[c]]
    columns = [
        Col(c, column_label("contracts", c, "zh" if lang == "zh" else "en"), kind)
        for c, kind in cols
    ]
    # no total row and no note: the sheet reads back with `tenglong contracts` unchanged
    return Sheet(
        "contracts", t("contracts", lang), frame.reset_index(drop=True), columns, total=False
    )


def idle_sheet(ctx: ExportContext) -> Sheet | None:
    """Sheet 闲置土地: :func:`geo.supply.idle_status` as of the export's date."""
    if ctx.role in RESTRICTED_ROLES:
        return None
    contracts = ctx.tables.get("contracts")
    cases = ctx.tables.get("idle_cases")
    if (contracts is None or not len(contracts)) and (cases is None or not len(cases)):
        return None
    from geo.supply import idle_status
    from geo.workspace import empty_table

    status = idle_status(
        ctx.parcels,
        contracts if contracts is not None else empty_table("contracts"),
        cases if cases is not None else empty_table("idle_cases"),
        ctx.tables.get("idle_exemptions", empty_table("idle_exemptions")),
        ctx.generated_at.date(),
    )
    status = status[_in_scope(ctx, status["parcel_id"])]
    if not len(status):
        return None
    lang = ctx.lang
    zh = lang == "zh"

    def stage(v: object) -> str:
        return label(IDLE_STAGE_LABELS, str(v), lang) if isinstance(v, str) else ""

    frame = pd.DataFrame(
        {
            "parcel_id": status["parcel_id"].astype(str),
            "case_id": [v if isinstance(v, str) else "" for v in status["case_id"]],
            "contract_id": [v if isinstance(v, str) else "" for v in status["contract_id"]],
            "stage": [stage(v) for v in status["stage"]],
            "clock_start": status["clock_start"],
            "idle_days_net": pd.to_numeric(status["idle_days_net"]).astype("float64"),
            "exempt_days": pd.to_numeric(status["exempt_days"]).astype("float64"),
            "idle_full_years": status["idle_full_years"],
            "fee_due_wan_yuan": status["fee_due_wan_yuan"],
            "recovery_due": [t("yes" if v else "no", lang) for v in status["recovery_due"]],
            "disposal": [
                label(IDLE_DISPOSALS, str(v), lang) if isinstance(v, str) else ""
                for v in status["disposal"]
            ],
            "next_step": [stage(v) for v in status["next_step"]],
            "next_step_due_on": status["next_step_due_on"],
            "overdue": [t("yes" if v else "no", lang) for v in status["overdue"]],
            "area_mu": status["area_mu"],
        }
    ).reset_index(drop=True)
    heads = {
        "parcel_id": ("地块编号", "parcel ID"),
        "case_id": ("案件编号", "case ID"),
        "contract_id": ("电子监管号", "supervision number"),
        "stage": ("处置阶段", "stage"),
        "clock_start": ("闲置起算日期", "idle clock from"),
        "idle_days_net": ("净闲置天数(天)", "idle days net (days)"),
        "exempt_days": ("不计天数(天)", "days not counted (days)"),
        "idle_full_years": ("闲置满年数(年)", "full years idle (years)"),
        "fee_due_wan_yuan": ("应缴土地闲置费(万元)", "idle-land fee due (10k yuan)"),
        "recovery_due": ("满两年可无偿收回", "recovery due"),
        "disposal": ("处置方式", "disposal"),
        "next_step": ("下一步", "next step"),
        "next_step_due_on": ("下一步期限", "next step due"),
        "overdue": ("已逾期", "overdue"),
        "area_mu": ("面积(亩)", "area (mu)"),
    }
    kinds = {
        "clock_start": "date",
        "next_step_due_on": "date",
        "idle_days_net": "number",
        "exempt_days": "number",
        "idle_full_years": "int",
        "fee_due_wan_yuan": "number",
        "area_mu": "area",
    }
    columns = [
        Col(k, v[0] if zh else v[1], kinds.get(k, "text"), k in ("fee_due_wan_yuan", "area_mu"))
        for k, v in heads.items()
    ]
    note = (
        f"《闲置土地处置办法》（国土资源部令第53号）第二、八、十四条；"
        f"截至 {ctx.generated_at.date()}；"
        "政府原因、不可抗力期间不计（第八条）；满一年征缴出让或划拨价款20%的土地闲置费，满两年无偿收回"
        if zh
        else f"Measures on the Disposal of Idle Land (MLR Order No. 53), art. 2, 8, 14; as of "
        f"{ctx.generated_at.date()}; periods caused by the government or force majeure are not "
        f"counted (art. 8); one full year: a fee of 20% of the price; two: recovery"
    )
    return Sheet("idle_land", t("idle_land", lang), frame, columns, note=note)


def standard_land_sheet(ctx: ExportContext) -> Sheet | None:
    """Sheet 标准地评价: :func:`geo.supply.standard_land_review` of every contract in scope."""
    if ctx.role in RESTRICTED_ROLES:
        return None
    contracts = _table(ctx, "contracts")
    if contracts is None:
        return None
    from geo.supply import standard_land_review
    from geo.supply.review import INDICATORS
    from geo.workspace import empty_table

    contracts = contracts[_in_scope(ctx, contracts["parcel_ids"])]
    enterprises = ctx.tables.get("enterprises")
    review = standard_land_review(
        contracts,
        ctx.parcels,
        enterprises if enterprises is not None else empty_table("enterprises"),
    )
    if not len(review):
        return None
    zh = ctx.lang == "zh"
    names = {col: (z if zh else e) for col, z, e, _unit, _h in INDICATORS}
    results = {
        "pass": ("达标", "pass"),
        "short": ("未达标", "short"),
        "no data": ("无数据", "no data"),
        "not committed": ("未约定", "not committed"),
    }
    frame = pd.DataFrame(
        {
            "contract_id": review["contract_id"].astype(str),
            "parcel_ids": review["parcel_ids"].astype(str),
            "review_year": pd.to_numeric(review["review_year"], errors="coerce"),
            "indicator": [names[v] for v in review["indicator"]],
            "unit": review["unit"].astype(str),
            "committed_value": pd.to_numeric(review["committed_value"], errors="coerce"),
            "achieved_value": pd.to_numeric(review["achieved_value"], errors="coerce"),
            "shortfall_value": pd.to_numeric(review["shortfall_value"], errors="coerce"),
            "result": [results[v][0 if zh else 1] for v in review["result"]],
            "basis": review["basis"].astype(str),
        }
    ).reset_index(drop=True)
    heads = {
        "contract_id": ("电子监管号", "supervision number"),
        "parcel_ids": ("地块编号", "parcel IDs"),
        "review_year": ("评价年度", "review year"),
        "indicator": ("指标", "indicator"),
        "unit": ("单位", "unit"),
        "committed_value": ("约定值", "committed"),
        "achieved_value": ("实际值", "achieved"),
        "shortfall_value": ("差额", "shortfall"),
        "result": ("结果", "result"),
        "basis": ("实际值来源", "achieved from"),
    }
    kinds = {
        "review_year": "int",
        "committed_value": "number",
        "achieved_value": "number",
        "shortfall_value": "number",
    }
    columns = [Col(k, v[0] if zh else v[1], kinds.get(k, "text")) for k, v in heads.items()]
    note = (
        "标准地竣工/达产评价：评价年度为实际竣工年度；投资强度=约定值×地块已投资比例，"
        "容积率=地块容积率（按面积加权），亩均税收=当年企业税收÷地块面积，"
        "单位能耗=当年企业能耗÷增加值；无法计算者记为无数据"
        if zh
        else "Standard-land review in the year of completion: investment = committed x the "
        "parcels' invested share; FAR = the parcels' FAR (area-weighted); tax per mu = the "
        "year's enterprise tax / parcel area; energy intensity = energy use / value added; "
        "what cannot be computed is 'no data'"
    )
    return Sheet(
        "standard_land", t("standard_land", ctx.lang), frame, columns, total=False, note=note
    )


__all__ = ["contracts_sheet", "idle_sheet", "standard_land_sheet"]
