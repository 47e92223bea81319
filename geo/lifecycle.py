"""Lifecycle clocks: time in status, overdue milestones, idle land (docs/architecture.md §5).

Every function takes ``as_of`` (a date; today by default) so that results are
reproducible: the same data and the same ``as_of`` give the same answer.

Idle land (闲置土地) follows 《闲置土地处置办法》 (国土资源部令第53号, 2012) art. 2,
as summarised in docs/architecture.md §3. Supplied land (status ``supplied`` or ``idle``)
is idle when

``idle_not_started``
    development has not started one full year after the agreed start date
    (needs ``agreed_start`` and ``developed_share`` — the developed share of the
    land to be developed, 0–1 — or a ``started_on`` date);
``idle_halted``
    development started but less than 1/3 of the land is developed *or* less
    than 25 % of the total investment is made, and it has been halted for one
    full year (needs ``halted_since`` and ``developed_share`` and/or
    ``invested_share``, 0–1).

These columns are not part of the core data model. Where a column is absent
the rule is reported as ``not_checked`` with the reason, once per rule; where a
parcel lacks a value it is ``not_checked`` for that parcel. Nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from pyproj import CRS

from geo.capacity import parcel_area_m2
from geo.crs import m2_to_mu
from geo.errors import InputError

logger = logging.getLogger(__name__)

IDLE_STATUSES: tuple[str, ...] = ("supplied", "idle")
"""Statuses the idle rules apply to: land supplied to a user and not in production."""

IDLE_RULES: dict[str, tuple[str, str]] = {
    "idle_not_started": (
        "超过约定动工开发日期满一年未动工开发",
        "not started one full year after the agreed start date",
    ),
    "idle_halted": (
        "已动工开发但开发面积不足三分之一或投资额不足25%，中止开发建设满一年",
        "started, but under 1/3 developed or under 25% invested, and halted for one full year",
    ),
}
IDLE_BASIS = "《闲置土地处置办法》（国土资源部令第53号，2012）第二条"

IDLE_COLUMNS: tuple[str, ...] = (
    "parcel_id",
    "status",
    "rule_id",
    "rule_zh",
    "rule_en",
    "result",
    "detail",
    "clock_start",
    "days_past_limit",
    "area_mu",
)

DATE_MISSING = "date missing"
"""The note of a clock whose start date is unknown (日期缺失): it stops nothing."""

DEVELOPED_MIN = 1.0 / 3.0
INVESTED_MIN = 0.25


class LifecycleInputError(InputError):
    """Dates or shares that cannot be read; the message lists every problem."""


def as_of_date(as_of: Any = None) -> pd.Timestamp:
    """The evaluation date as a day (midnight); today when None.

    Examples
    --------
    >>> as_of_date("2020-11-30")
    Timestamp('2020-11-30 00:00:00')
    """
    if as_of is None:
        return pd.Timestamp(dt.date.today())
    try:
        return pd.Timestamp(as_of).normalize()
    except (ValueError, TypeError) as err:
        raise LifecycleInputError(f"as_of {as_of!r} is not a date (use YYYY-MM-DD)") from err


def _ids(s: pd.Series, limit: int = 10) -> str:
    vals = [str(v) for v in s.tolist()]
    more = f" and {len(vals) - limit} more" if len(vals) > limit else ""
    return ", ".join(vals[:limit]) + more


def _dates(df: pd.DataFrame, col: str, ids: pd.Series, problems: list[str]) -> pd.Series:
    raw = df[col]
    if pd.api.types.is_datetime64_any_dtype(raw):
        return pd.to_datetime(raw).dt.tz_localize(None) if raw.dt.tz is not None else raw
    parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
    blank = raw.isna() | (raw.astype("string").str.strip() == "")
    bad = parsed.isna() & ~blank
    if bad.any():
        problems.append(f"{col} is not a date for {_ids(ids[bad])}")
    return parsed


def _shares(df: pd.DataFrame, col: str, ids: pd.Series, problems: list[str]) -> pd.Series:
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce").astype("float64")
    bad = num.isna() & raw.notna()
    if bad.any():
        problems.append(f"{col} is not a number for {_ids(ids[bad])}")
    out = (num < 0) | (num > 1)
    if out.any():
        problems.append(f"{col} is outside 0–1 for {_ids(ids[out])} (give fractions, 0.25 for 25%)")
    return num


def days_in_status(parcels: pd.DataFrame, *, as_of: Any = None) -> pd.DataFrame:
    """Days each parcel has been in its current status, from ``status_since``.

    Returns
    -------
    pandas.DataFrame
        ``parcel_id``, ``status``, ``status_since``, ``days_in_status`` (missing
        when ``status_since`` is) and ``note`` (e.g. a ``status_since`` after
        ``as_of``, kept as a negative count; :data:`DATE_MISSING` when the date
        is unknown: no clock runs, nothing is guessed).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"parcel_id": ["a"], "status": ["stored"],
    ...                   "status_since": ["2020-01-01"]})
    >>> days_in_status(p, as_of="2020-12-31")["days_in_status"].tolist()
    [365]
    """
    for col in ("parcel_id", "status", "status_since"):
        if col not in parcels.columns:
            raise LifecycleInputError(f"parcels have no {col} column")
    day = as_of_date(as_of)
    problems: list[str] = []
    since = _dates(parcels, "status_since", parcels["parcel_id"], problems)
    if problems:
        raise LifecycleInputError("; ".join(problems))
    days = (day - since).dt.days.astype("Int64")
    note = np.where(days.fillna(0).to_numpy() < 0, "status_since after as_of", "")
    note = np.where(since.isna().to_numpy(), DATE_MISSING, note)
    return pd.DataFrame(
        {
            "parcel_id": parcels["parcel_id"].to_numpy(),
            "status": parcels["status"].to_numpy(),
            "status_since": since.to_numpy(),
            "days_in_status": days.to_numpy(),
            "note": note,
        }
    )


def overdue_milestones(milestones: pd.DataFrame, *, as_of: Any = None) -> pd.DataFrame:
    """Milestones past due and not done: ``due < as_of`` and ``done`` missing.

    Returns
    -------
    pandas.DataFrame
        ``subject_id``, ``milestone``, ``due``, ``days_overdue``, most overdue first.

    Examples
    --------
    The Wu'an plan's milestones on 2019-06-01:

    >>> import pandas as pd
    >>> m = pd.DataFrame({"subject_id": ["dongshan"] * 3,
    ...                   "milestone": ["projects fixed", "approvals", "construction ready"],
    ...                   "due": ["2018-12-31", "2019-04-30", "2020-11-30"],
    ...                   "done": ["2018-12-20", None, None]})
    >>> overdue_milestones(m, as_of="2019-06-01")[["milestone", "days_overdue"]].values.tolist()
    [['approvals', 32]]
    """
    absent = [c for c in ("subject_id", "milestone", "due") if c not in milestones.columns]
    if absent:
        raise LifecycleInputError(f"milestones have no {', '.join(absent)} column(s)")
    day = as_of_date(as_of)
    problems: list[str] = []
    labels = (
        milestones["subject_id"].astype("string") + "/" + milestones["milestone"].astype("string")
    )
    due = _dates(milestones, "due", labels, problems)
    done = (
        _dates(milestones, "done", labels, problems)
        if "done" in milestones.columns
        else pd.Series(pd.NaT, index=milestones.index)
    )
    if problems:
        raise LifecycleInputError("; ".join(problems))
    late = (due < day) & done.isna()
    out = pd.DataFrame(
        {
            "subject_id": milestones["subject_id"][late].to_numpy(),
            "milestone": milestones["milestone"][late].to_numpy(),
            "due": due[late].to_numpy(),
            "days_overdue": (day - due[late]).dt.days.to_numpy(),
        }
    )
    return out.sort_values("days_overdue", ascending=False, kind="stable").reset_index(drop=True)


def _result(
    pid: Any,
    status: Any,
    rule_id: str,
    result: str,
    detail: str,
    *,
    clock_start: Any = pd.NaT,
    days: Any = pd.NA,
    area_mu: float = np.nan,
) -> dict[str, Any]:
    zh, en = IDLE_RULES[rule_id]
    return {
        "parcel_id": pid,
        "status": status,
        "rule_id": rule_id,
        "rule_zh": zh,
        "rule_en": en,
        "result": result,
        "detail": detail,
        "clock_start": clock_start,
        "days_past_limit": days,
        "area_mu": area_mu,
    }


_ONE_YEAR = pd.DateOffset(years=1)


def _area_mu(df: pd.DataFrame) -> pd.Series:
    """Area in 亩 from ``area_m2``, ``area_mu`` or projected geometry; NaN otherwise."""
    if "area_m2" in df.columns:
        return m2_to_mu(pd.to_numeric(df["area_m2"], errors="coerce"))
    if "area_mu" in df.columns:
        return pd.to_numeric(df["area_mu"], errors="coerce")
    crs = getattr(df, "crs", None)
    if crs is not None and CRS.from_user_input(crs).is_projected:
        return m2_to_mu(parcel_area_m2(df))  # type: ignore[arg-type]
    return pd.Series(np.nan, index=df.index)


def _not_started(
    start: pd.Timestamp | None,
    developed: float | None,
    started: pd.Timestamp | None,
    *,
    has_started_col: bool,
    day: pd.Timestamp,
) -> tuple[str, str, int | None]:
    """(result, detail, days past the limit) of rule ``idle_not_started`` for one parcel."""
    if start is None:
        return "not_checked", f"{DATE_MISSING}: agreed_start", None
    limit = start + _ONE_YEAR
    if day < limit:
        return "not_idle", f"one year after the agreed start is {limit.date()}", None
    if developed is not None:
        began, how = developed > 0, f"developed_share {developed:.2f}"
    elif has_started_col:
        began = started is not None and started <= day
        how = f"started_on {started.date()}" if started is not None else "no started_on"
    else:
        return "not_checked", "no developed_share", None
    if began:
        return "not_idle", f"development started ({how})", None
    return "idle", f"not started ({how}); limit {limit.date()}", (day - limit).days


def _halted(
    since: pd.Timestamp | None,
    developed: float | None,
    invested: float | None,
    *,
    day: pd.Timestamp,
) -> tuple[str, str, int | None]:
    """(result, detail, days past the limit) of rule ``idle_halted`` for one parcel."""
    if since is None:
        return "not_idle", "no halt recorded", None
    limit = since + _ONE_YEAR
    if day < limit:
        return "not_idle", f"halted under a year (limit {limit.date()})", None
    met, unknown = [], []
    for name, share, floor, text in (
        ("developed_share", developed, DEVELOPED_MIN, "1/3"),
        ("invested_share", invested, INVESTED_MIN, "25%"),
    ):
        if share is None:
            unknown.append(name)
        elif share < floor:
            met.append(f"{name} {share:.2f} < {text}")
    head = f"halted since {since.date()}"
    if met:
        return "idle", f"{head}; {', '.join(met)}", (day - limit).days
    if unknown:
        return "not_checked", f"{head}; unknown: {', '.join(unknown)}", None
    return "not_idle", f"{head}, but at least 1/3 developed and 25% invested", None


def idle_rules(
    parcels: pd.DataFrame,
    *,
    as_of: Any = None,
    statuses: Iterable[str] = IDLE_STATUSES,
) -> pd.DataFrame:
    """Apply the idle-land rules to supplied parcels.

    Parameters
    ----------
    parcels
        With ``parcel_id``, ``status`` and, for the rules, ``agreed_start``,
        ``developed_share`` (or ``started_on``), ``invested_share``,
        ``halted_since``.
    as_of
        The evaluation date (today by default).
    statuses
        The statuses the rules apply to.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`IDLE_COLUMNS`: one row per parcel and rule with
        ``result`` ``idle``, ``not_idle`` or ``not_checked`` and a ``detail``;
        ``days_past_limit`` counts days beyond the one-year limit for ``idle``.
        A rule whose columns are absent gives one ``not_checked`` row with a
        missing ``parcel_id``.

    Raises
    ------
    LifecycleInputError
        Dates that do not parse, or shares outside 0–1 (every problem listed).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"parcel_id": ["s1"], "status": ["supplied"],
    ...                   "agreed_start": ["2020-03-01"], "developed_share": [0.0]})
    >>> r = idle_rules(p, as_of="2021-03-11")
    >>> r[["parcel_id", "rule_id", "result", "days_past_limit"]].values.tolist()[0]
    ['s1', 'idle_not_started', 'idle', 10]
    >>> r["result"].tolist()[1], r["detail"].tolist()[1]
    ('not_checked', 'column halted_since absent')
    """
    for col in ("parcel_id", "status"):
        if col not in parcels.columns:
            raise LifecycleInputError(f"parcels have no {col} column")
    day = as_of_date(as_of)
    sel = parcels[parcels["status"].isin(list(statuses))]
    ids = sel["parcel_id"]
    problems: list[str] = []
    cols = set(sel.columns)
    agreed = _dates(sel, "agreed_start", ids, problems) if "agreed_start" in cols else None
    started = _dates(sel, "started_on", ids, problems) if "started_on" in cols else None
    halted = _dates(sel, "halted_since", ids, problems) if "halted_since" in cols else None
    developed = (
        _shares(sel, "developed_share", ids, problems) if "developed_share" in cols else None
    )
    invested = _shares(sel, "invested_share", ids, problems) if "invested_share" in cols else None
    if problems:
        raise LifecycleInputError("idle rules cannot be applied: " + "; ".join(problems))
    area_mu = _area_mu(sel)
    rows: list[dict[str, Any]] = []

    def value(series: pd.Series | None, i: Any) -> Any:
        return None if series is None or pd.isna(series[i]) else series[i]

    # rule 1: not started one year after the agreed start
    rid = "idle_not_started"
    if agreed is None:
        rows.append(_result(pd.NA, pd.NA, rid, "not_checked", "column agreed_start absent"))
    elif developed is None and started is None:
        why = "columns developed_share and started_on absent: cannot tell whether it started"
        rows.append(_result(pd.NA, pd.NA, rid, "not_checked", why))
    else:
        for i in sel.index:
            start = value(agreed, i)
            result, detail, days = _not_started(
                start,
                value(developed, i),
                value(started, i),
                has_started_col=started is not None,
                day=day,
            )
            rows.append(
                _result(
                    ids[i],
                    sel.at[i, "status"],
                    rid,
                    result,
                    detail,
                    clock_start=start if start is not None else pd.NaT,
                    days=days,
                    area_mu=float(area_mu[i]),
                )
            )

    # rule 2: under 1/3 developed or under 25% invested, halted one year
    rid = "idle_halted"
    if halted is None:
        rows.append(_result(pd.NA, pd.NA, rid, "not_checked", "column halted_since absent"))
    elif developed is None and invested is None:
        why = "columns developed_share and invested_share absent"
        rows.append(_result(pd.NA, pd.NA, rid, "not_checked", why))
    else:
        for i in sel.index:
            since = value(halted, i)
            result, detail, days = _halted(since, value(developed, i), value(invested, i), day=day)
            rows.append(
                _result(
                    ids[i],
                    sel.at[i, "status"],
                    rid,
                    result,
                    detail,
                    clock_start=since if since is not None else pd.NaT,
                    days=days,
                    area_mu=float(area_mu[i]),
                )
            )
    out = pd.DataFrame(rows, columns=list(IDLE_COLUMNS))
    out["days_past_limit"] = out["days_past_limit"].astype("Int64")
    out["clock_start"] = pd.to_datetime(out["clock_start"])
    logger.info(
        "idle rules as of %s: %d parcel(s) evaluated, %d idle finding(s)",
        day.date(),
        len(sel),
        int((out["result"] == "idle").sum()),
    )
    return out


__all__ = [
    "DATE_MISSING",
    "IDLE_BASIS",
    "IDLE_COLUMNS",
    "IDLE_RULES",
    "IDLE_STATUSES",
    "LifecycleInputError",
    "as_of_date",
    "days_in_status",
    "idle_rules",
    "overdue_milestones",
]
