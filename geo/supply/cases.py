"""Steps of idle-land cases written to a store: open, advance, record an art. 8 period.

Each function reads what it needs from the store, checks the step with the
rules (:mod:`geo.supply.procedure`, :mod:`geo.supply.idle`), and saves it
with :meth:`geo.store.Store.save_records` — one audited transaction, checked
against the row version it read (a second editor's change in between is an
:class:`geo.store.EditConflict`, nothing is written). With ``dry_run`` the
checked edit is returned and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo.schema import IDLE_EXEMPTION_CAUSES
from geo.store import EditResult, ParcelNotFoundError, RecordEdit, RowNotFoundError, Store
from geo.store.model import area_mu_of
from geo.supply.contracts import parcel_contracts
from geo.supply.idle import idle_status
from geo.supply.procedure import ProcedureError, plan_transition


@dataclass(frozen=True)
class StepResult:
    """A checked step: the edit, and what saving it did (None for a dry run)."""

    edit: RecordEdit
    result: EditResult | None
    status: pd.DataFrame | None = None
    """The case's :func:`geo.supply.idle.idle_status` row(s) the step was checked with."""


def supply_tables(store: Store) -> dict[str, pd.DataFrame]:
    """The store's ``contracts``, ``idle_cases`` and ``idle_exemptions`` (empty when absent)."""
    return {t: store.records(t) for t in ("contracts", "idle_cases", "idle_exemptions")}


def _day(value: Any, name: str) -> dt.date:
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise ProcedureError(f"{name} {value!r} is not a date; use YYYY-MM-DD") from None


def _parcel_frames(store: Store, parcel_ids: list[str]) -> pd.DataFrame:
    rows = []
    for pid in parcel_ids:
        try:
            rec = store.parcel(pid)
        except ParcelNotFoundError:
            continue
        area = area_mu_of(rec.geometry) if rec.geometry is not None else None
        rows.append({**rec.values, "parcel_id": rec.parcel_id, "area_mu": area})
    return pd.DataFrame(rows)


def case_status(
    store: Store, case_id: str, *, as_of: Any = None
) -> tuple[dict[str, Any], int, pd.DataFrame]:
    """(stored case, its row version, its idle-status row) of one case."""
    row = store.record("idle_cases", case_id)
    case = {**row.values, "case_id": row.key}
    tables = supply_tables(store)
    pids = {str(case["parcel_id"])}
    for ids in parcel_contracts(tables["contracts"]).groupby("contract_id")["parcel_id"]:
        if str(case["parcel_id"]) in set(ids[1]):
            pids |= set(ids[1])  # the contract's other parcels apportion its price
    status = idle_status(
        _parcel_frames(store, sorted(pids)),
        tables["contracts"],
        tables["idle_cases"][tables["idle_cases"]["case_id"] == row.key],
        tables["idle_exemptions"],
        as_of,
    )
    return case, row.row_version, status[status["case_id"] == row.key]


def open_case(
    store: Store,
    parcel_id: str,
    *,
    found_on: Any = None,
    case_id: str | None = None,
    contract_id: str | None = None,
    note: str | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> StepResult:
    """Open a case (stage ``found``, 调查) for a parcel.

    Raises
    ------
    geo.store.ParcelNotFoundError
        No such parcel.
    ProcedureError
        The parcel has an open case already, the contract does not cover it,
        or the date is in the future or before the contract was signed.
    """
    today = today or dt.date.today()
    store.parcel(parcel_id)  # ParcelNotFoundError
    day = _day(found_on, "found_on") if found_on is not None else today
    if day > today:
        raise ProcedureError(f"found_on {day} is in the future; give the day the case was opened")
    tables = supply_tables(store)
    cases = tables["idle_cases"]
    mine = cases[cases["parcel_id"].astype(str) == str(parcel_id)]
    still_open = mine[mine["stage"] != "closed"]
    if len(still_open):
        raise ProcedureError(
            f"parcel {parcel_id} has an open case already ({', '.join(still_open['case_id'])}); "
            f"advance or close it first"
        )
    links = parcel_contracts(tables["contracts"])
    covering = links[links["parcel_id"] == str(parcel_id)]
    if contract_id is not None:
        covering = covering[covering["contract_id"] == contract_id]
        if not len(covering):
            raise ProcedureError(
                f"contract {contract_id} does not cover parcel {parcel_id}; give one of its "
                f"contracts or none"
            )
    contract = covering.iloc[-1] if len(covering) else None
    if contract is not None and not pd.isna(contract.get("signed_on")):
        signed = pd.Timestamp(contract["signed_on"]).date()
        if day < signed:
            raise ProcedureError(
                f"found_on {day} is before contract {contract['contract_id']} was signed "
                f"({signed}); land cannot be idle before it is supplied"
            )
    key = case_id or f"XZ-{parcel_id}-{len(mine) + 1}"
    values: dict[str, Any] = {"parcel_id": str(parcel_id), "stage": "found", "found_on": day}
    if contract is not None:
        values["contract_id"] = str(contract["contract_id"])
    if note:
        values["note"] = note
    edit = RecordEdit("idle_cases", key, values, create=True)
    if dry_run:
        return StepResult(edit, None)
    (result,) = store.save_records([edit], note=note)
    return StepResult(edit, result)


def advance_case(
    store: Store,
    case_id: str,
    to: str,
    *,
    on: Any = None,
    determination_no: str | None = None,
    disposal: str | None = None,
    fee_wan_yuan: float | None = None,
    note: str | None = None,
    expected_version: int | None = None,
    as_of: Any = None,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> StepResult:
    """Move a case one step along the procedure (see :func:`plan_transition`).

    The fee of an ``idle_fee`` disposal defaults to the computed art. 14 fee
    (20 % of the contract's price, 万元).

    Raises
    ------
    geo.store.RowNotFoundError
        No such case.
    ProcedureError
        The step is not the next one, a date or document is missing or wrong,
        or the disposal is not (yet) allowed.
    geo.store.EditConflict
        The case changed since ``expected_version``.
    """
    today = today or dt.date.today()
    day = _day(on, "date") if on is not None else today
    case, version, status = case_status(store, case_id, as_of=as_of or day)
    s = status.iloc[0] if len(status) else None
    fee = fee_wan_yuan
    if fee is None and s is not None and not pd.isna(s["fee_due_wan_yuan"]):
        fee = float(s["fee_due_wan_yuan"]) or None
    changes = plan_transition(
        case,
        to,
        on=day,
        today=today,
        determination_no=determination_no,
        disposal=disposal,
        fee_wan_yuan=fee,
        fee_due=bool(s is not None and s["idle_full_years"] >= 1 and not s["exemption_ongoing"]),
        recovery_due=bool(s is not None and s["recovery_due"]),
        exempt=bool(s is not None and s["exemption_ongoing"]),
        note=note,
    )
    edit = RecordEdit(
        "idle_cases",
        str(case["case_id"]),
        changes,
        expected_version=version if expected_version is None else expected_version,
    )
    if dry_run:
        return StepResult(edit, None, status)
    (result,) = store.save_records([edit], note=note)
    return StepResult(edit, result, status)


def add_exemption(
    store: Store,
    case_id: str,
    *,
    cause: str,
    from_on: Any,
    to_on: Any = None,
    cause_text: str | None = None,
    note: str | None = None,
    today: dt.date | None = None,
    dry_run: bool = False,
) -> StepResult:
    """Record an art. 8 period (government or force majeure) of a case: the clock stops.

    Raises
    ------
    geo.store.RowNotFoundError
        No such case.
    ProcedureError
        Unknown cause, a period ending before it starts, a start in the
        future, or a closed case.
    """
    today = today or dt.date.today()
    if cause not in IDLE_EXEMPTION_CAUSES:
        raise ProcedureError(
            f"cause {cause!r} is not an art. 8 cause; use government (政府、政府有关部门原因) "
            f"or force_majeure (不可抗力)"
        )
    row = store.record("idle_cases", case_id)
    if row.values.get("stage") == "closed":
        raise ProcedureError(f"case {case_id} is closed; an exemption can no longer change it")
    lo = _day(from_on, "from")
    hi = _day(to_on, "to") if to_on is not None else None
    if lo > today:
        raise ProcedureError(f"the exemption starts {lo}, in the future; record it once it begins")
    if hi is not None and hi < lo:
        raise ProcedureError(f"the exemption ends {hi}, before it starts ({lo})")
    existing = store.records("idle_exemptions")
    mine = existing[existing["case_id"].astype(str) == str(case_id)] if len(existing) else existing
    key = f"{case_id}-E{len(mine) + 1}"
    values: dict[str, Any] = {"case_id": str(case_id), "cause": cause, "from_on": lo}
    if hi is not None:
        values["to_on"] = hi
    if cause_text:
        values["cause_text"] = cause_text
    edit = RecordEdit("idle_exemptions", key, values, create=True)
    if dry_run:
        return StepResult(edit, None)
    (result,) = store.save_records([edit], note=note)
    return StepResult(edit, result)


def end_exemption(
    store: Store, exemption_id: str, *, to_on: Any, note: str | None = None, dry_run: bool = False
) -> StepResult:
    """Give an open art. 8 period its end date."""
    row = store.record("idle_exemptions", exemption_id)
    hi = _day(to_on, "to")
    lo = row.values.get("from_on")
    if lo is not None and hi < pd.Timestamp(lo).date():
        raise ProcedureError(f"the exemption ends {hi}, before it starts ({lo})")
    edit = RecordEdit(
        "idle_exemptions", exemption_id, {"to_on": hi}, expected_version=row.row_version
    )
    if dry_run:
        return StepResult(edit, None)
    (result,) = store.save_records([edit], note=note)
    return StepResult(edit, result)


__all__ = [
    "RowNotFoundError",
    "StepResult",
    "add_exemption",
    "advance_case",
    "case_status",
    "end_exemption",
    "open_case",
    "supply_tables",
]
