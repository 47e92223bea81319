"""标准地 review: a contract's committed indicators against what was achieved.

At a contract's 竣工 / 达产 review the four committed 标准地 indicators of the
contract (:data:`geo.schema.CONTRACTS`) are compared with what the firms on the
contract's parcels achieved in the review year (docs/architecture.md §5.9):

- **固定资产投资强度** (``invest_wan_per_mu``, 万元/亩): achieved = committed ×
  the parcels' area-weighted ``invested_share`` (the share of the committed
  investment actually made, as recorded on the parcel). Tenglong holds no
  audited investment figure; without ``invested_share`` the result is "no data".
- **容积率** (``far``): achieved = the parcels' area-weighted ``far``.
- **亩均税收** (``tax_wan_per_mu``, 万元/亩): achieved = the enterprises'
  ``tax_wan`` of the review year on the parcels ÷ the parcels' ``area_mu``.
- **单位能耗** (``energy_tce_per_wan``, tce/万元): achieved = the enterprises'
  ``energy_tce`` ÷ ``added_value_wan`` of the review year; lower is better.

The review year is the year given, else the year of ``completed_on``. Each
indicator is ``pass``, ``short`` (with the shortfall in the indicator's unit),
``no data`` (nothing achieved to compare — never guessed) or
``not committed`` (the contract has no such indicator).
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from geo.errors import InputError
from geo.supply.contracts import split_parcel_ids

logger = logging.getLogger(__name__)

INDICATORS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("invest_wan_per_mu", "固定资产投资强度", "investment intensity", "万元/亩", True),
    ("far", "容积率", "FAR", "", True),
    ("tax_wan_per_mu", "亩均税收", "tax per mu", "万元/亩", True),
    ("energy_tce_per_wan", "单位能耗", "energy intensity", "tce/万元", False),
)
"""(contract column, zh label, en label, unit, higher is better)."""

RESULTS: tuple[str, ...] = ("pass", "short", "no data", "not committed")

REVIEW_COLUMNS: tuple[str, ...] = (
    "contract_id",
    "parcel_ids",
    "review_year",
    "indicator",
    "unit",
    "committed_value",
    "achieved_value",
    "shortfall_value",
    "result",
    "basis",
)
"""Columns of :func:`standard_land_review` (values in the row's ``unit``)."""


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if pd.isna(out) else out


def _weighted(parcels: pd.DataFrame, column: str) -> float | None:
    """Area-weighted mean of ``column`` over parcels having both it and an area."""
    if column not in parcels.columns or "area_mu" not in parcels.columns:
        return None
    vals = pd.to_numeric(parcels[column], errors="coerce")
    area = pd.to_numeric(parcels["area_mu"], errors="coerce")
    ok = vals.notna() & area.notna() & (area > 0)
    if not ok.any() or ok.sum() < len(parcels):
        return None
    return float((vals[ok] * area[ok]).sum() / area[ok].sum())


def _review_year(rec: dict[str, Any], review_year: int | None) -> int | None:
    if review_year is not None:
        return review_year
    done = pd.to_datetime(rec.get("completed_on"), errors="coerce")
    return None if pd.isna(done) else int(done.year)


def _achieved(
    parcels: pd.DataFrame, firms: pd.DataFrame, committed_invest: float | None
) -> dict[str, tuple[float | None, str]]:
    """Achieved value and what it was computed from, per indicator."""
    area = pd.to_numeric(parcels.get("area_mu"), errors="coerce")
    area_mu = float(area.sum()) if len(parcels) and area.notna().all() else None
    share = _weighted(parcels, "invested_share")
    invest = (
        committed_invest * share if committed_invest is not None and share is not None else None
    )
    tax = pd.to_numeric(firms.get("tax_wan"), errors="coerce") if len(firms) else None
    tax_per_mu = (
        float(tax.sum()) / area_mu if tax is not None and tax.notna().any() and area_mu else None
    )
    energy = pd.to_numeric(firms.get("energy_tce"), errors="coerce") if len(firms) else None
    added = pd.to_numeric(firms.get("added_value_wan"), errors="coerce") if len(firms) else None
    intensity = None
    if energy is not None and added is not None and energy.notna().any():
        total_added = float(added.sum())
        if total_added > 0:
            intensity = float(energy.sum()) / total_added
    return {
        "invest_wan_per_mu": (invest, "committed × parcels' invested_share"),
        "far": (_weighted(parcels, "far"), "parcels' far (area-weighted)"),
        "tax_wan_per_mu": (tax_per_mu, "enterprises' tax_wan ÷ parcels' area_mu"),
        "energy_tce_per_wan": (intensity, "enterprises' energy_tce ÷ added_value_wan"),
    }


def standard_land_review(
    contracts: pd.DataFrame,
    parcels: pd.DataFrame,
    enterprises: pd.DataFrame,
    *,
    review_year: int | None = None,
) -> pd.DataFrame:
    """Compare every contract's committed indicators with what was achieved.

    Parameters
    ----------
    contracts
        The ``contracts`` table.
    parcels
        The parcels (``parcel_id``, ``area_mu``, ``far``, ``invested_share``).
    enterprises
        The ``enterprises`` table (``parcel_id``, ``year``, ``tax_wan``, …).
    review_year
        The year reviewed; default the year of each contract's ``completed_on``.
        A contract with neither is reviewed with every indicator "no data".

    Returns
    -------
    pandas.DataFrame
        One row per (contract, indicator), columns :data:`REVIEW_COLUMNS`.

    Raises
    ------
    InputError
        If ``review_year`` is not a plausible year.
    """
    if review_year is not None:
        if isinstance(review_year, bool) or not isinstance(review_year, int):
            raise InputError(f"review year must be a whole year such as 2024, got {review_year!r}")
        if not 1900 <= review_year <= 2200:
            raise InputError(f"review year {review_year} is out of range; give e.g. 2024")
    rows: list[dict[str, Any]] = []
    if not len(contracts):
        return pd.DataFrame(columns=list(REVIEW_COLUMNS))
    pid_col = parcels["parcel_id"].astype(str) if "parcel_id" in parcels.columns else None
    ent = enterprises if enterprises is not None else pd.DataFrame()
    for rec in contracts.to_dict("records"):
        ids = split_parcel_ids(rec.get("parcel_ids"))
        year = _review_year(rec, review_year)
        mine = parcels[pid_col.isin(ids)] if pid_col is not None else parcels.iloc[0:0]
        firms = ent.iloc[0:0]
        if year is not None and len(ent) and {"parcel_id", "year"} <= set(ent.columns):
            years = pd.to_numeric(ent["year"], errors="coerce")
            firms = ent[ent["parcel_id"].astype(str).isin(ids) & (years == year)]
        achieved = _achieved(mine, firms, _num(rec.get("invest_wan_per_mu")))
        for col, _zh, _en, unit, higher in INDICATORS:
            committed = _num(rec.get(col))
            value, basis = achieved[col] if year is not None else (None, "no review year")
            shortfall = None
            if committed is None:
                result = "not committed"
            elif value is None:
                result = "no data"
            else:
                gap = committed - value if higher else value - committed
                result = "short" if gap > 1e-9 else "pass"
                shortfall = round(gap, 4) if result == "short" else 0.0
            rows.append(
                {
                    "contract_id": rec.get("contract_id"),
                    "parcel_ids": rec.get("parcel_ids"),
                    "review_year": year,
                    "indicator": col,
                    "unit": unit,
                    "committed_value": committed,
                    "achieved_value": None if value is None else round(value, 4),
                    "shortfall_value": shortfall,
                    "result": result,
                    "basis": basis,
                }
            )
    logger.debug("standard-land review: %d rows", len(rows))
    return pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))
