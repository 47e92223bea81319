"""Idle-land status of supplied parcels: net idle time, the art. 14 fee and recovery, next step.

Rules (《闲置土地处置办法》, 国土资源部令第53号, 2012):

- **Art. 2, the finding.** :func:`geo.lifecycle.idle_rules` decides whether a
  parcel is idle (not started one full year after the agreed start; or
  started, under 1/3 developed or under 25 % invested, and halted one full
  year). It is reused here, with the agreed and actual start dates taken from
  the parcel's supply contract where the contract has them.
- **Art. 8, exemptions.** Delay caused by the government or its departments,
  or by force majeure, is not the user's: such land is disposed of under
  art. 12 and 13, and art. 14 applies only "除本办法第八条规定情形外". Tenglong
  records each such period (``idle_exemptions``) and stops the clock while it
  lasts: ``idle_days_net`` is the time since the clock started minus the days
  covered by the case's exemption periods (overlapping periods count once),
  and a full year is reached on the clock start + the exempt days + one year.
  While an exemption lasts no art. 14 measure is due.
- **Art. 14, the measures.** Idle (net) one full year → 征缴土地闲置费, 20 % of
  the 出让 or 划拨 price (``price_wan_yuan`` of the contract), computed to the
  元 and given in 万元 (``fee_due_wan_yuan``); two full years → 无偿收回
  (``recovery_due``). A contract covering several parcels has its price
  apportioned by the parcels' areas (``price_wan_yuan`` is the parcel's part);
  without every member's area the fee is not computed (missing).
- **Deadlines.** :mod:`geo.supply.procedure` (art. 5: a case is opened within
  30 days of the finding; the other steps' deadlines are local practice, in
  ``geo/config/idle_procedure.toml``).
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from geo.lifecycle import IDLE_STATUSES, as_of_date, idle_rules
from geo.supply.contracts import parcel_contracts, split_parcel_ids
from geo.supply.procedure import ProcedureConfig, load_procedure, next_deadline

logger = logging.getLogger(__name__)

BASIS = "《闲置土地处置办法》（国土资源部令第53号，2012）第二、八、十四条"

STATUS_COLUMNS: tuple[str, ...] = (
    "parcel_id",
    "case_id",
    "contract_id",
    "stage",
    "rule_id",
    "clock_start",
    "idle_days_gross",
    "exempt_days",
    "idle_days_net",
    "idle_full_years",
    "exemption_ongoing",
    "price_wan_yuan",
    "fee_due_wan_yuan",
    "recovery_due",
    "disposal",
    "fee_wan_yuan",
    "next_step",
    "next_step_due_on",
    "overdue",
    "area_mu",
)
"""Columns of :func:`idle_status`."""


def fee_wan_yuan(price_wan_yuan: float, rate: float = 0.2) -> float:
    """The art. 14 (一) idle-land fee in 万元, exact to the 元 (half up).

    Examples
    --------
    >>> fee_wan_yuan(1234.56789), fee_wan_yuan(0.00025)
    (246.9136, 0.0001)
    """
    if price_wan_yuan < 0:
        raise ValueError(f"a price of {price_wan_yuan} 万元 is negative")
    fee = Decimal(str(price_wan_yuan)) * Decimal(str(rate))
    return float(fee.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def exempt_days(
    periods: list[tuple[pd.Timestamp, pd.Timestamp | None]],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> int:
    """Days of ``[start, end)`` covered by the periods (open ones run to ``end``), once each.

    A period ``(from_on, to_on)`` covers ``from_on`` up to and including ``to_on``.

    Examples
    --------
    >>> T = pd.Timestamp
    >>> exempt_days([(T("2020-03-01"), T("2020-05-29"))], T("2020-01-01"), T("2021-01-01"))
    90
    >>> exempt_days([(T("2020-03-01"), T("2020-05-29")), (T("2020-04-01"), None)],
    ...             T("2020-01-01"), T("2020-06-30"))
    121
    """
    spans = []
    for lo, hi in periods:
        a = max(lo, start)
        b = min(end, hi + pd.Timedelta(days=1)) if hi is not None and not pd.isna(hi) else end
        if b > a:
            spans.append((a, b))
    spans.sort()
    total, cur_a, cur_b = 0, None, None
    for a, b in spans:
        if cur_b is None or a > cur_b:
            if cur_b is not None:
                total += (cur_b - cur_a).days
            cur_a, cur_b = a, b
        else:
            cur_b = max(cur_b, b)
    if cur_b is not None:
        total += (cur_b - cur_a).days
    return total


def full_years(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Whole calendar years from ``start`` to ``end`` (29 Feb + 1 year = 28 Feb).

    Examples
    --------
    >>> T = pd.Timestamp
    >>> full_years(T("2020-03-01"), T("2021-02-28")), full_years(T("2020-03-01"), T("2021-03-01"))
    (0, 1)
    """
    if pd.isna(start) or end < start:
        return 0
    n = end.year - start.year
    if start + pd.DateOffset(years=n) > end:
        n -= 1
    return max(n, 0)


def _ts(value: Any) -> pd.Timestamp | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).normalize()


def idle_status(
    parcels: pd.DataFrame,
    contracts: pd.DataFrame,
    cases: pd.DataFrame,
    exemptions: pd.DataFrame,
    as_of: Any = None,
    *,
    config: ProcedureConfig | None = None,
) -> pd.DataFrame:
    """Idle-land status of every case and of every idle parcel without an open case.

    Parameters
    ----------
    parcels
        ``parcel_id``, ``status`` and the idle-rule columns of
        :func:`geo.lifecycle.idle_rules` (``area_mu`` when known).
    contracts, cases, exemptions
        The ``contracts``, ``idle_cases`` and ``idle_exemptions`` tables
        (empty frames when the workspace has none).
    as_of
        The evaluation date (today by default).
    config
        The procedure's deadlines (default :func:`load_procedure`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STATUS_COLUMNS`, one row per case (closed ones
        included, their clock stopped at ``closed_on``) and per idle parcel
        with no open case (``case_id`` missing, next step ``found``).
        Day counts are whole days; ``fee_due_wan_yuan`` is 0 when no fee is
        due and missing when it is due but the contract has no price.

    Examples
    --------
    >>> p = pd.DataFrame({"parcel_id": ["A"], "status": ["supplied"], "area_mu": [30.0]})
    >>> c = pd.DataFrame({"contract_id": ["K1"], "parcel_ids": ["A"],
    ...                   "signed_on": ["2019-06-01"], "agreed_start": ["2020-01-01"],
    ...                   "started_on": [None], "price_wan_yuan": [1500.0]})
    >>> s = idle_status(p, c, pd.DataFrame(), pd.DataFrame(), "2022-01-01")
    >>> cols = ["parcel_id", "idle_days_net", "idle_full_years", "fee_due_wan_yuan"]
    >>> s[[*cols, "recovery_due"]].values.tolist()
    [['A', 731, 2, 300.0, True]]
    """
    config = config or load_procedure()
    day = as_of_date(as_of)
    links = parcel_contracts(contracts)
    cases = cases if len(cases.columns) else pd.DataFrame(columns=["case_id", "parcel_id"])
    case_parcels = set(cases["parcel_id"].dropna().astype(str)) if len(cases) else set()
    ids = parcels["parcel_id"].astype(str)
    sel = parcels[parcels["status"].isin(IDLE_STATUSES) | ids.isin(case_parcels)].copy()
    sel["parcel_id"] = sel["parcel_id"].astype(str)
    latest = links.drop_duplicates("parcel_id", keep="last").set_index("parcel_id")
    for col in ("agreed_start", "started_on"):
        from_contract = sel["parcel_id"].map(latest[col]) if len(latest) else None
        if from_contract is None:
            continue
        if col in sel.columns:
            sel[col] = pd.to_datetime(from_contract).fillna(pd.to_datetime(sel[col]))
        else:
            sel[col] = pd.to_datetime(from_contract)
    findings = (
        idle_rules(sel, as_of=day, statuses=set(sel["status"].dropna())) if len(sel) else None
    )
    idle_by_parcel: dict[str, tuple[str, pd.Timestamp]] = {}
    if findings is not None:
        hit = findings[(findings["result"] == "idle") & findings["parcel_id"].notna()]
        for r in hit.itertuples(index=False):
            idle_by_parcel.setdefault(str(r.parcel_id), (str(r.rule_id), r.clock_start))
    all_ids = parcels["parcel_id"].astype(str)
    area = (
        dict(zip(all_ids, pd.to_numeric(parcels["area_mu"], errors="coerce"), strict=True))
        if "area_mu" in parcels.columns
        else {}
    )
    by_contract = contracts.set_index("contract_id") if len(contracts) else pd.DataFrame()
    periods: dict[str, list[tuple[pd.Timestamp, pd.Timestamp | None]]] = {}
    if len(exemptions):
        for r in exemptions.itertuples(index=False):
            lo = _ts(r.from_on)
            if lo is not None:
                periods.setdefault(str(r.case_id), []).append((lo, _ts(r.to_on)))

    rows: list[dict[str, Any]] = []
    open_parcels: set[str] = set()

    def price_share(pid: str, c: Any) -> float | None:
        """The parcel's part of the contract's price: all of it, or by area for several."""
        price = c.get("price_wan_yuan")
        if price is None or pd.isna(price):
            return None
        members = split_parcel_ids(c.get("parcel_ids"))
        if len(members) <= 1:
            return float(price)
        areas = [area.get(m) for m in members]
        if any(a is None or pd.isna(a) for a in areas) or not sum(areas) or pid not in members:
            return None  # cannot apportion: the fee is not computed
        return float(price) * float(area[pid]) / float(sum(areas))

    def contract_of(pid: str, cid: Any) -> tuple[Any, pd.Timestamp | None, float | None]:
        if cid is not None and not pd.isna(cid) and str(cid) in by_contract.index:
            c = by_contract.loc[str(cid)]
            return str(cid), _ts(c.get("agreed_start")), price_share(pid, c)
        if pid in latest.index:
            c = latest.loc[pid]
            return c["contract_id"], _ts(c.get("agreed_start")), price_share(pid, c)
        return None, None, None

    def measure(pid: str, case: dict[str, Any] | None, end: pd.Timestamp) -> dict[str, Any]:
        cid, agreed, price = contract_of(pid, case.get("contract_id") if case else None)
        rule, start = idle_by_parcel.get(pid, (None, None))
        if start is None or pd.isna(start):
            start = agreed
        case_periods = periods.get(str(case["case_id"]), []) if case else []
        gross = (end - start).days if start is not None else None
        ex = exempt_days(case_periods, start, end) if start is not None else 0
        ongoing = any(
            lo <= end and (hi is None or pd.isna(hi) or hi >= end) for lo, hi in case_periods
        )
        years = full_years(start + pd.Timedelta(days=ex), end) if start is not None else 0
        fee_due = years >= config.fee_after_years and not ongoing
        fee = (
            (fee_wan_yuan(price, config.fee_rate) if price is not None else None)
            if fee_due
            else 0.0
        )
        return {
            "parcel_id": pid,
            "contract_id": cid,
            "rule_id": rule,
            "clock_start": start,
            "idle_days_gross": gross,
            "exempt_days": ex if start is not None else None,
            "idle_days_net": None if gross is None else gross - ex,
            "idle_full_years": years,
            "exemption_ongoing": ongoing,
            "price_wan_yuan": price,
            "fee_due_wan_yuan": fee,
            "recovery_due": years >= config.recovery_after_years and not ongoing,
            "area_mu": area.get(pid),
        }

    for case in cases.to_dict("records") if len(cases) else []:
        pid = str(case.get("parcel_id"))
        closed = _ts(case.get("closed_on")) if case.get("stage") == "closed" else None
        end = min(day, closed) if closed is not None else day
        row = measure(pid, case, end)
        nxt, due = next_deadline(case, config)
        if case.get("stage") != "closed":
            open_parcels.add(pid)
        row.update(
            case_id=str(case["case_id"]),
            stage=case.get("stage"),
            disposal=case.get("disposal"),
            fee_wan_yuan=case.get("fee_wan_yuan"),
            next_step=nxt,
            next_step_due_on=pd.Timestamp(due) if due is not None else pd.NaT,
            overdue=due is not None and pd.Timestamp(due) < day,
        )
        rows.append(row)
    for pid in sorted(idle_by_parcel):
        if pid in open_parcels:
            continue
        row = measure(pid, None, day)
        start = row["clock_start"]
        # art. 5: the case is opened within 30 days of the art. 2 year being full
        found = start + pd.DateOffset(years=1) if start is not None else None
        due = found + pd.Timedelta(days=config.steps["found"].days) if found is not None else None
        row.update(
            case_id=None,
            stage=None,
            disposal=None,
            fee_wan_yuan=None,
            next_step="found",
            next_step_due_on=due if due is not None else pd.NaT,
            overdue=due is not None and due < day,
        )
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    for col in ("idle_days_gross", "exempt_days", "idle_days_net"):
        out[col] = out[col].astype("Int64")
    out["idle_full_years"] = out["idle_full_years"].astype("int64")
    for col in ("price_wan_yuan", "fee_due_wan_yuan", "fee_wan_yuan", "area_mu"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in ("clock_start", "next_step_due_on"):
        out[col] = pd.to_datetime(out[col])
    for col in ("recovery_due", "overdue", "exemption_ongoing"):
        out[col] = out[col].astype(bool)
    out = out.sort_values(["parcel_id", "case_id"], na_position="last", kind="stable")
    logger.info(
        "idle status as of %s: %d case(s), %d idle parcel(s) without an open case, %d overdue",
        day.date(),
        int(out["case_id"].notna().sum()),
        int(out["case_id"].isna().sum()),
        int(out["overdue"].sum()),
    )
    return out.reset_index(drop=True)


__all__ = [
    "BASIS",
    "STATUS_COLUMNS",
    "exempt_days",
    "fee_wan_yuan",
    "full_years",
    "idle_status",
]
