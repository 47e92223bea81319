"""The supervision figures of a workspace on a day, and of a quarter.

:func:`supervision_figures` gathers what the 检查与监管 page and the reports
show: the ledger of every parcel with its park, the ledgers by district,
park and year, the 闲置土地 stock with its disposal rate, and the
尚可供应年限 of each park. :func:`quarter_flows` gives what happened in a
quarter (supplied, started, completed, idle found, idle disposed);
:func:`parse_period` reads ``2024Q4``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.crs import m2_to_mu
from geo.lifecycle import as_of_date
from geo.supervision.ledgers import (
    SupervisionInputError,
    ledger_summary,
    parcel_ledger,
)
from geo.supervision.parks import (
    OUTSIDE,
    assign_parks,
    case_disposal,
    idle_parcels,
    park_elements,
    supply_years,
)

_PERIOD = re.compile(r"^(\d{4})[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    """A calendar quarter: ``2024Q4`` is 2024-10-01 to 2024-12-31."""

    year: int
    quarter: int

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> pd.Timestamp:
        return (self.start + pd.offsets.QuarterEnd(0)).normalize()

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.quarter}"


def parse_period(text: str | None, *, today: Any = None) -> Period:
    """A quarter from ``YYYYQn`` (n 1–4); None gives the last full quarter before today.

    Raises
    ------
    SupervisionInputError
        Anything else (``2024Q5``, ``24Q4``, ``2024-13`` …), with the form to use.

    Examples
    --------
    >>> p = parse_period("2024Q4")
    >>> p.label, str(p.start.date()), str(p.end.date())
    ('2024Q4', '2024-10-01', '2024-12-31')
    >>> parse_period(None, today="2025-02-10").label
    '2024Q4'
    """
    if text is None:
        day = as_of_date(today)
        q = (day.month - 1) // 3  # the current quarter's index 0-3; the full one before it
        return Period(day.year - 1, 4) if q == 0 else Period(day.year, q)
    m = _PERIOD.match(str(text).strip())
    if m is None:
        raise SupervisionInputError(
            f"period {text!r} is not a quarter: write the year and the quarter as YYYYQn "
            f"with n from 1 to 4, e.g. 2024Q4"
        )
    year = int(m.group(1))
    if year < 1949 or year > dt.date.today().year + 1:
        raise SupervisionInputError(f"period {text!r}: the year {year} is out of range")
    return Period(year, int(m.group(2)))


@dataclass
class Figures:
    """The supervision figures of a workspace on one day."""

    as_of: pd.Timestamp
    ledger: pd.DataFrame
    """:func:`parcel_ledger` rows with ``park`` and ``park_name``."""
    by_district: pd.DataFrame
    by_park: pd.DataFrame
    by_year: pd.DataFrame
    totals: pd.DataFrame
    supply: pd.DataFrame
    """:func:`supply_years` per park (and ``park_name``)."""
    idle: pd.DataFrame
    """:func:`idle_parcels` with ``area_mu`` and ``park``."""
    disposal: dict[str, float]
    elements: Any
    has_contracts: bool
    has_cases: bool


def _park_names(elements: Any, lang: str = "zh") -> dict[str, str]:
    names: dict[str, str] = {OUTSIDE: "区外" if lang == "zh" else "outside"}
    for _, r in elements.iterrows():
        name = r.get("name")
        if lang == "en" and isinstance(r.get("name_en"), str) and r.get("name_en"):
            name = r.get("name_en")
        names[str(r["area_id"])] = str(name) if isinstance(name, str) else str(r["area_id"])
    return names


def supervision_figures(
    ws: Any, *, as_of: Any = None, layout: str | None = None, lang: str = "zh"
) -> Figures:
    """Every supervision figure of an open workspace (``ws.parcels``, ``ws.areas``, ``ws.get``).

    The optional ``contracts`` and ``idle_cases`` tables refine the supply
    dates and give the disposal rate; without them the figures come from the
    parcels alone and say so (``has_contracts``, ``has_cases``).
    """
    day = as_of_date(as_of)
    parcels = ws.parcels
    contracts = ws.get("contracts")
    cases = ws.get("idle_cases")
    elements = park_elements(ws.areas, layout, ws.get("roads"))
    ledger = parcel_ledger(parcels, as_of=day, contracts=contracts)
    in_ledger = parcels[parcels["parcel_id"].astype(str).isin(set(ledger["parcel_id"]))]
    parks = assign_parks(in_ledger, elements)
    park_of = dict(zip(in_ledger["parcel_id"].astype(str), parks, strict=True))
    names = _park_names(elements, lang)
    ledger["park"] = ledger["parcel_id"].map(park_of).fillna(OUTSIDE)
    ledger["park_name"] = ledger["park"].map(names)
    by_park = ledger_summary(ledger, ["park"])
    by_park.insert(1, "park_name", by_park["park"].map(names))
    supply = supply_years(ledger, as_of=day, by="park")
    supply.insert(1, "park_name", supply["park"].map(names))
    idle = idle_parcels(parcels, as_of=day)
    area_mu = dict(zip(ledger["parcel_id"], ledger["area_mu"], strict=True))
    idle["area_mu"] = idle["parcel_id"].map(area_mu).astype(float)
    idle["park"] = idle["parcel_id"].map(park_of).fillna(OUTSIDE)
    return Figures(
        as_of=day,
        ledger=ledger,
        by_district=ledger_summary(ledger, ["district"]),
        by_park=by_park,
        by_year=ledger_summary(ledger, ["year"]),
        totals=ledger_summary(ledger),
        supply=supply,
        idle=idle,
        disposal=case_disposal(cases, area_mu, as_of=day),
        elements=elements,
        has_contracts=contracts is not None and len(contracts) > 0,
        has_cases=cases is not None and len(cases) > 0,
    )


FLOWS: tuple[str, ...] = ("supplied", "started", "completed", "idle_found", "idle_disposed")
"""The quarter's flows, in order."""

FLOW_LABELS: dict[str, tuple[str, str]] = {
    "supplied": ("本期供应", "supplied in the period"),
    "started": ("本期动工", "started in the period"),
    "completed": ("本期竣工", "completed in the period"),
    "idle_found": ("本期认定闲置", "found idle in the period"),
    "idle_disposed": ("本期处置闲置", "idle land disposed of in the period"),
}


def quarter_flows(ws: Any, period: Period) -> pd.DataFrame:
    """What happened in ``period``: ``flow``, ``n_parcels``, ``area_mu`` (:data:`FLOWS`).

    Dates are those of :func:`geo.supervision.parcel_ledger` at the quarter's
    end (a contract's signing, ``started_on``, ``completed_on`` — else
    ``status_since`` of a parcel in production); idle land is found on the
    day its one full year ran out (or a case's ``found_on``), disposed of on
    a case's ``closed_on``. Without a case table the disposed row is missing
    (NaN, "—").
    """
    end = period.end
    ledger = parcel_ledger(ws.parcels, as_of=end, contracts=ws.get("contracts"))
    start = period.start

    def within(s: pd.Series) -> np.ndarray:
        s = pd.to_datetime(s)
        return (s.notna() & (s >= start) & (s <= end)).to_numpy()

    done = ledger["completed_on"]
    done = done.where(done.notna(), ledger["clock_start"].where(ledger["ledger"] == "completed"))
    masks = {
        "supplied": within(ledger["supplied_on"]),
        "started": within(ledger["started_on"]),
        "completed": within(done),
    }
    area = dict(zip(ledger["parcel_id"], ledger["area_m2"], strict=True))
    rows = []
    for flow, mask in masks.items():
        rows.append((flow, int(mask.sum()), float(m2_to_mu(ledger["area_m2"][mask].sum()))))
    cases = ws.get("idle_cases")
    if cases is not None and len(cases) and "found_on" in cases.columns:
        found = cases[within(cases["found_on"])]["parcel_id"].astype(str)
    else:
        idle = idle_parcels(ws.parcels, as_of=end)
        found = idle[within(idle["found_on"])]["parcel_id"]
    rows.append(("idle_found", len(found), float(m2_to_mu(sum(area.get(p, 0.0) for p in found)))))
    if cases is not None and len(cases) and "closed_on" in cases.columns:
        closed = cases[within(cases["closed_on"])]["parcel_id"].astype(str)
        rows.append(
            ("idle_disposed", len(closed), float(m2_to_mu(sum(area.get(p, 0.0) for p in closed))))
        )
    else:
        rows.append(("idle_disposed", pd.NA, np.nan))
    out = pd.DataFrame(rows, columns=["flow", "n_parcels", "area_mu"])
    out["n_parcels"] = out["n_parcels"].astype("Int64")
    return out


__all__ = [
    "FLOWS",
    "FLOW_LABELS",
    "Figures",
    "Period",
    "parse_period",
    "quarter_flows",
    "supervision_figures",
]
