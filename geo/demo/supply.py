"""Invented supply contracts and idle-land cases for the demo workspaces (docs/architecture.md §6).

Every demo's supplied, in-production and idle parcels get a plausible
contract (出让 mostly, some 划拨 / 租赁), and a few not-started parcels whose
agreed start is more than a year past get an idle-land case at different
stages, one with an art. 8 period. All of it is INVENTED: each row's
``note`` says 示例数据 / invented, and the grantees are named 示例企业….
The numbers are seeded by the workspace name and dated against a fixed
reference day, so a rebuild gives the same tables; the parcels themselves
are untouched (the published figures stay as they are).
"""

from __future__ import annotations

import zlib
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from geo.supply.contracts import join_parcel_ids, split_parcel_ids

REFERENCE_DAY = pd.Timestamp("2025-06-30")
"""The day the invented records are "as of": no date after it."""

NOTE = "示例数据 / invented"

UNIT_PRICE_WAN_PER_MU: dict[str, tuple[float, float]] = {
    "choujiang": (60.0, 120.0),
}
"""成交价款 range per 亩 by workspace (default 15–45 万元/亩, Hebei/Henan industrial land)."""


def _seed(stem: str) -> int:
    return zlib.crc32(f"supply:{stem}".encode())


def _day(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d")


def supply_tables(parcels: pd.DataFrame, *, stem: str, adcode: str) -> dict[str, pd.DataFrame]:
    """``contracts``, ``idle_cases`` and ``idle_exemptions`` for a demo's parcels.

    Parameters
    ----------
    parcels
        The demo's parcels (``parcel_id``, ``status``, ``status_since``, projected
        geometry for the areas).
    stem
        The workspace name (seeds the generator).
    adcode
        The district's code: the first six digits of each 电子监管号.
    """
    rng = np.random.default_rng(_seed(stem))
    sel = parcels[parcels["status"].isin(["supplied", "in_production", "idle"])]
    sel = sel.sort_values("parcel_id", kind="stable")
    lo, hi = UNIT_PRICE_WAN_PER_MU.get(stem, (15.0, 45.0))
    projected = getattr(sel, "crs", None) is not None and sel.crs.is_projected
    area_mu = sel.geometry.area / (10000.0 / 15.0) if projected else sel["area_mu"]
    contracts: list[dict[str, object]] = []
    serial: dict[int, int] = {}
    ids = list(sel["parcel_id"].astype(str))
    statuses = dict(zip(ids, sel["status"], strict=True))
    areas = dict(zip(ids, area_mu, strict=True))
    since = dict(zip(ids, pd.to_datetime(sel["status_since"]), strict=True))
    not_started: list[tuple[str, str, pd.Timestamp, float]] = []
    # idle parcels never started; of the supplied ones about one in six (at least four)
    supplied = [p for p in ids if statuses[p] == "supplied"]
    k = min(len(supplied), max(4, round(len(supplied) / 6)))
    idle_ids = {p for p in ids if statuses[p] == "idle"}
    idle_ids |= {str(p) for p in rng.choice(supplied, size=k, replace=False)} if k else set()
    i = 0
    while i < len(ids):
        members = [ids[i]]
        # one contract in ten covers the next parcel of the same status too
        if i + 1 < len(ids) and statuses[ids[i + 1]] == statuses[ids[i]] and rng.random() < 0.1:
            members.append(ids[i + 1])
        i += len(members)
        status = statuses[members[0]]
        base = since[members[0]]
        if pd.isna(base) or base > REFERENCE_DAY:
            base = REFERENCE_DAY - pd.Timedelta(days=int(rng.integers(400, 3000)))
        signed = base - pd.Timedelta(days=int(rng.integers(0, 60)))
        agreed_start = signed + pd.Timedelta(days=int(rng.integers(90, 240)))
        agreed_completion = agreed_start + pd.DateOffset(years=int(rng.integers(2, 4)))
        started = completed = None
        begun = members[0] not in idle_ids
        if begun:
            s = agreed_start + pd.Timedelta(days=int(rng.integers(-20, 200)))
            if s <= REFERENCE_DAY:
                started = s
                if status == "in_production":
                    c = s + pd.Timedelta(days=int(rng.integers(400, 800)))
                    completed = c if c <= REFERENCE_DAY else None
        year = signed.year
        serial[year] = serial.get(year, 0) + 1
        cid = f"{adcode}{year}B{serial[year]:05d}"
        mu = float(sum(areas[m] for m in members))
        price = Decimal(str(mu * float(rng.uniform(lo, hi)))).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        method = "transfer" if rng.random() < 0.85 else str(rng.choice(["allocation", "lease"]))
        contracts.append(
            {
                "contract_id": cid,
                "parcel_ids": join_parcel_ids(members),
                "supply_method": method,
                "grantee": f"示例企业{len(contracts) + 1:03d}有限公司",
                "signed_on": _day(signed),
                "agreed_start": _day(agreed_start),
                "agreed_completion": _day(agreed_completion),
                "started_on": None if started is None else _day(started),
                "completed_on": None if completed is None else _day(completed),
                "price_wan_yuan": float(price),
                "invest_wan_per_mu": round(float(rng.uniform(200, 420)), 1),
                "far": round(float(rng.uniform(1.0, 2.0)), 2),
                "tax_wan_per_mu": round(float(rng.uniform(10, 35)), 1),
                "energy_tce_per_wan": round(float(rng.uniform(0.2, 0.8)), 2),
                "note": NOTE,
            }
        )
        late = agreed_start + pd.DateOffset(years=1) < REFERENCE_DAY - pd.Timedelta(days=90)
        if started is None and status in ("supplied", "idle") and len(members) == 1 and late:
            not_started.append((members[0], cid, agreed_start, float(price)))
    cases, exemptions = _cases(rng, not_started)
    achieved = _achieved(contracts)
    return {
        "achieved": achieved,
        "contracts": pd.DataFrame(contracts),
        "idle_cases": pd.DataFrame(
            cases,
            columns=[
                "case_id",
                "parcel_id",
                "contract_id",
                "stage",
                "found_on",
                "determined_on",
                "determination_no",
                "notified_on",
                "disposal",
                "disposal_on",
                "fee_wan_yuan",
                "closed_on",
                "note",
            ],
        ),
        "idle_exemptions": pd.DataFrame(
            exemptions,
            columns=["exemption_id", "case_id", "cause", "cause_text", "from_on", "to_on"],
        ),
    }


def _achieved(contracts: list[dict[str, object]]) -> pd.DataFrame:
    """What the parcels of completed contracts achieved: ``far`` and ``invested_share``.

    For the 标准地 review (:func:`geo.supply.standard_land_review`): a FAR of
    0.8–1.15 × the committed one and 70–110 % of the committed investment
    made, drawn from a generator of their own (the contracts stay as they were).
    """
    completed = [c for c in contracts if c["completed_on"] is not None]
    rng = np.random.default_rng(zlib.crc32(str(len(contracts)).encode()) + len(completed))
    rows = []
    for c in completed:
        far = round(float(c["far"]) * float(rng.uniform(0.8, 1.15)), 2)  # type: ignore[arg-type]
        share = round(float(rng.uniform(0.7, 1.1)), 2)
        for pid in split_parcel_ids(c["parcel_ids"]):
            rows.append({"parcel_id": pid, "far": far, "invested_share": share})
    return pd.DataFrame(rows, columns=["parcel_id", "far", "invested_share"])


def _cases(
    rng: np.random.Generator, candidates: list[tuple[str, str, pd.Timestamp, float]]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Up to four cases: found, determined (with an art. 8 period), notified, disposing."""
    cases: list[dict[str, object]] = []
    exemptions: list[dict[str, object]] = []
    stages = ("found", "determined", "notified", "disposing")
    latest = sorted(candidates, key=lambda c: (c[2], c[0]), reverse=True)  # the recent ones
    for n, (pid, cid, agreed, price) in enumerate(latest[: len(stages)]):
        stage = stages[n]
        found = agreed + pd.DateOffset(years=1) + pd.Timedelta(days=int(rng.integers(10, 60)))
        found = min(found, REFERENCE_DAY - pd.Timedelta(days=80))
        row: dict[str, object] = {
            "case_id": f"XZ-{pid}-1",
            "parcel_id": pid,
            "contract_id": cid,
            "stage": stage,
            "found_on": _day(found),
            "note": NOTE,
        }
        if stage != "found":
            det = found + pd.Timedelta(days=int(rng.integers(20, 50)))
            row["determined_on"] = _day(det)
            row["determination_no"] = f"（示例）闲认〔{det.year}〕{n}号"
        if stage in ("notified", "disposing"):
            row["notified_on"] = _day(pd.Timestamp(row["determined_on"]) + pd.Timedelta(days=10))
        if stage == "disposing":
            when = pd.Timestamp(row["notified_on"]) + pd.Timedelta(days=15)
            row["disposal"] = "idle_fee"
            row["disposal_on"] = _day(when)
            fee = Decimal(str(price)) * Decimal("0.2")
            row["fee_wan_yuan"] = float(fee.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))
        if stage == "determined":
            start = agreed + pd.Timedelta(days=30)
            exemptions.append(
                {
                    "exemption_id": f"{row['case_id']}-E1",
                    "case_id": row["case_id"],
                    "cause": "government",
                    "cause_text": "示例：规划调整致交地延迟 / invented: planning revision",
                    "from_on": _day(start),
                    "to_on": _day(start + pd.Timedelta(days=90)),
                }
            )
        cases.append(row)
    return cases, exemptions


__all__ = ["NOTE", "REFERENCE_DAY", "supply_tables"]
