"""Supply contracts (供地合同): which parcels a contract covers, and what a valid contract is.

A contract is keyed by its 电子监管号 (the national supervision number of the
土地市场动态监测与监管系统) and lists its parcels in ``parcel_ids``, separated by
``;`` (docs/architecture.md §3). :func:`check_contract` is the one place the
rules of a contract row live; the import (:mod:`geo.io.contracts`), the
command line and the app call it before anything is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd

from geo.schema import SUPPLY_METHODS

PARCEL_SEPARATOR = ";"
"""Separator of ``contracts.parcel_ids`` as stored."""

_SPLIT = re.compile(r"[;,，；、\s]+")

SUPPLY_METHOD_WORDS: dict[str, str] = {
    "出让": "transfer",
    "挂牌出让": "transfer",
    "拍卖出让": "transfer",
    "招标出让": "transfer",
    "协议出让": "transfer",
    "招拍挂": "transfer",
    "挂牌": "transfer",
    "拍卖": "transfer",
    "招标": "transfer",
    "划拨": "allocation",
    "租赁": "lease",
    "出租": "lease",
    "作价出资": "capital",
    "作价入股": "capital",
    "作价出资(入股)": "capital",
    "作价出资（入股）": "capital",
}
"""Words of a 供地方式 column → :data:`geo.schema.SUPPLY_METHODS` keys (the landchina
publication uses 划拨 / 协议出让 / 招标 / 拍卖 / 挂牌 / 租赁)."""

DATE_FIELDS: tuple[str, ...] = (
    "agreed_start",
    "agreed_completion",
    "started_on",
    "completed_on",
)
"""Contract dates that cannot be before the contract was signed."""

NON_NEGATIVE: tuple[str, ...] = (
    "price_wan_yuan",
    "invest_wan_per_mu",
    "far",
    "tax_wan_per_mu",
    "energy_tce_per_wan",
)


def split_parcel_ids(text: Any) -> list[str]:
    """The parcel IDs of a ``parcel_ids`` cell (``;``, ``,``, ``、`` or spaces between).

    Examples
    --------
    >>> split_parcel_ids("FX-001；FX-002、 FX-003"), split_parcel_ids(None)
    (['FX-001', 'FX-002', 'FX-003'], [])
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    seen: list[str] = []
    for part in _SPLIT.split(str(text).strip()):
        if part and part not in seen:
            seen.append(part)
    return seen


def join_parcel_ids(ids: Collection[str]) -> str:
    """Parcel IDs as stored in ``parcel_ids``.

    Examples
    --------
    >>> join_parcel_ids(["FX-002", "FX-001"])
    'FX-002;FX-001'
    """
    return PARCEL_SEPARATOR.join(str(i) for i in ids)


def parse_supply_method(value: Any) -> str | None:
    """A 供地方式 word or key → its key, None for an empty cell; ValueError for others.

    Examples
    --------
    >>> parse_supply_method("挂牌出让"), parse_supply_method("lease"), parse_supply_method("")
    ('transfer', 'lease', None)
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    if text in SUPPLY_METHODS:
        return text
    key = SUPPLY_METHOD_WORDS.get(text.replace(" ", ""))
    if key is None:
        for k, (zh, en) in SUPPLY_METHODS.items():
            if text in (zh, en):
                return k
        raise ValueError(
            f"供地方式 {text!r} is not known; use 出让 (transfer), 划拨 (allocation), "
            f"租赁 (lease) or 作价出资 (capital)"
        )
    return key


def parcel_contracts(contracts: pd.DataFrame) -> pd.DataFrame:
    """One row per (contract, parcel) it covers, oldest signature first.

    Columns: ``parcel_id`` and the contract's columns. A parcel supplied twice
    (re-supplied after 收回) has two rows; the last one is its current contract.

    Examples
    --------
    >>> c = pd.DataFrame({"contract_id": ["K1"], "parcel_ids": ["A;B"],
    ...                   "signed_on": ["2020-01-02"]})
    >>> parcel_contracts(c)[["parcel_id", "contract_id"]].values.tolist()
    [['A', 'K1'], ['B', 'K1']]
    """
    cols = ["parcel_id", *[c for c in contracts.columns if c != "parcel_id"]]
    if not len(contracts) or "parcel_ids" not in contracts.columns:
        return pd.DataFrame(columns=cols)
    rows = []
    for rec in contracts.to_dict("records"):
        for pid in split_parcel_ids(rec.get("parcel_ids")):
            rows.append({"parcel_id": pid, **rec})
    out = pd.DataFrame(rows, columns=cols)
    for col in ("signed_on", *DATE_FIELDS):
        if col in out.columns:
            out[col] = pd.to_datetime(out[col], errors="coerce")
    if "signed_on" in out.columns:
        out = out.sort_values("signed_on", na_position="first", kind="stable")
    return out.reset_index(drop=True)


def _day(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def check_contract(
    values: Mapping[str, Any],
    *,
    known_parcels: Collection[str],
    current: Mapping[str, Any] | None = None,
) -> list[str]:
    """Every problem of a contract row (empty when valid), each saying what to fix.

    Parameters
    ----------
    values
        The new values (for an update: only the changed fields).
    known_parcels
        The workspace's parcel IDs.
    current
        The stored contract (for an update), so that the row is checked as it
        would be saved.

    Examples
    --------
    >>> problems = check_contract({"contract_id": "K1", "parcel_ids": "A",
    ...     "supply_method": "transfer", "signed_on": "2021-03-01",
    ...     "agreed_start": "2021-01-01", "price_wan_yuan": -5}, known_parcels={"A"})
    >>> for p in problems: print(p)
    price_wan_yuan -5 is negative; give the amount in 万元 (0 or more)
    agreed_start 2021-01-01 is before the contract was signed (2021-03-01)
    """
    row = {**(current or {}), **values}
    problems: list[str] = []
    cid = str(row.get("contract_id") or "").strip()
    if not cid:
        problems.append("电子监管号 (contract_id) is empty; every contract has one")
    pids = split_parcel_ids(row.get("parcel_ids"))
    if not pids:
        problems.append("the contract names no parcel (parcel_ids / 地块编号)")
    unknown = [p for p in pids if p not in known_parcels]
    if unknown:
        problems.append(
            f"parcel(s) {', '.join(unknown)} are not in the workspace; check the 地块编号"
        )
    if row.get("supply_method") is None or (
        not isinstance(row.get("supply_method"), str) and pd.isna(row.get("supply_method"))
    ):
        problems.append("供地方式 (supply_method) is empty; give 出让, 划拨, 租赁 or 作价出资")
    elif row["supply_method"] not in SUPPLY_METHODS:
        problems.append(
            f"supply_method {row['supply_method']!r} is not one of {', '.join(SUPPLY_METHODS)}"
        )
    for name in NON_NEGATIVE:
        v = row.get(name)
        if v is not None and not pd.isna(v) and float(v) < 0:
            problems.append(
                f"{name} {v:g} is negative; give the amount in 万元 (0 or more)"
                if name == "price_wan_yuan"
                else f"{name} {v:g} is negative"
            )
    if row.get("far") is not None and not pd.isna(row.get("far")) and float(row["far"]) == 0:
        problems.append("far (容积率) 0 is not a committed FAR; leave it empty when unknown")
    signed = _day(row.get("signed_on"))
    for name in DATE_FIELDS:
        d = _day(row.get(name))
        if d is not None and signed is not None and d < signed:
            problems.append(f"{name} {d} is before the contract was signed ({signed})")
    for a, b in (("agreed_start", "agreed_completion"), ("started_on", "completed_on")):
        da, db = _day(row.get(a)), _day(row.get(b))
        if da is not None and db is not None and db < da:
            problems.append(f"{b} {db} is before {a} {da}")
    return problems


__all__ = [
    "PARCEL_SEPARATOR",
    "SUPPLY_METHOD_WORDS",
    "check_contract",
    "join_parcel_ids",
    "parcel_contracts",
    "parse_supply_method",
    "split_parcel_ids",
]
