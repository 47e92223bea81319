"""The 批供用 ledgers: every parcel of freed land in exactly one of four rows.

Definitions (docs/architecture.md §5.10), after the categories of the
土地市场动态监测与监管系统 and the 批供用补查 of 增存挂钩 (自然资源部《关于健全建设用地
"增存挂钩"机制的通知》, 2018): land approved for construction and not yet
supplied, supplied and not yet used, used and not yet fully built.
Tenglong's land is 存量 land freed from an old use, so "approved" is the
parcel freed (腾退) or taken into the reserve (收储); a parcel's ledger is

``unsupplied`` 批而未供
    status ``released`` or ``stored``. Age from ``released_on`` (else
    ``status_since``).
``supplied_unused`` 供而未用
    status ``supplied`` or ``idle`` and not started: no ``started_on`` on or
    before the day and no ``developed_share`` above 0. A parcel that records
    neither counts here (not started as far as the register says) and its
    ``date_note`` says so. Age from the supply date.
``under_built`` 用而未尽
    status ``supplied`` or ``idle``, started, and not complete
    (``developed_share`` below 1 or unknown, no ``completed_on``). Age from
    ``started_on`` (日期缺失 when only ``developed_share`` says it started).
``completed`` 已完成
    status ``in_production``, or a ``completed_on`` on or before the day, or
    ``developed_share`` of 1. Age from ``completed_on`` (else
    ``status_since`` for ``in_production``).

The supply date (``supplied_on``) is a contract's 合同签订日期 (``signed_on``)
when the workspace has a ``contracts`` table linking the parcel (column
``parcel_id``, or ``parcel_ids`` separated by ``,`` / ``;`` / ``、``), else
``status_since`` of a parcel whose status is ``supplied`` (the day it was
supplied). For an ``idle`` or ``in_production`` parcel without a contract it
is unknown: never guessed, counted in ``date_note``. A contract also gives
``started_on`` and ``completed_on`` when the parcel has none.

Parcels in any other status (operating, to release, low efficiency,
unknown) are not in a ledger, nor is land freed after the day (``released_on``,
else ``status_since`` of a released parcel). For a past day (a quarter's
end) the dates also say where a parcel was then: supplied after the day it
was unsupplied, in production since after the day it was not complete.
Every function takes ``as_of`` and is a function of frames (no I/O), so the
engine can run it on one partition.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geo.crs import m2_to_ha, m2_to_mu
from geo.errors import InputError
from geo.lifecycle import as_of_date

logger = logging.getLogger(__name__)

LEDGERS: tuple[str, ...] = ("unsupplied", "supplied_unused", "under_built", "completed")
"""The four ledgers, in the order of the lifecycle."""

LEDGER_LABELS: dict[str, tuple[str, str]] = {
    "unsupplied": ("批而未供", "approved, not supplied"),
    "supplied_unused": ("供而未用", "supplied, not used"),
    "under_built": ("用而未尽", "used, not fully built"),
    "completed": ("已完成", "completed"),
}

LEDGER_STATUSES: frozenset[str] = frozenset(
    {"released", "stored", "supplied", "idle", "in_production"}
)
"""Statuses that put a parcel in a ledger: freed land and idle (supplied) land."""

SUPPLIED_STATUSES: frozenset[str] = frozenset({"supplied", "idle", "in_production"})

LEDGER_COLUMNS: tuple[str, ...] = (
    "parcel_id",
    "district",
    "status",
    "ledger",
    "area_m2",
    "area_mu",
    "supplied_on",
    "started_on",
    "completed_on",
    "clock_start",
    "age_days",
    "year",
    "date_note",
)
"""Columns of :func:`parcel_ledger`."""

BASIS = (
    "批而未供 / 供而未用 / 用而未尽：土地市场动态监测与监管系统批供用分类；"
    "自然资源部《关于健全建设用地“增存挂钩”机制的通知》（2018）"
)
"""The source the definitions follow, for reports."""

NO_START = "no start recorded"
NO_SUPPLY_DATE = "supply date missing"
NO_START_DATE = "start date missing"
NO_DATE = "date missing"


class SupervisionInputError(InputError):
    """Ledger or period input that cannot be read; the message says what to fix."""


def ledger_label(key: str, lang: str = "zh") -> str:
    """The label of a ledger, e.g. ``unsupplied`` → ``批而未供``."""
    zh, en = LEDGER_LABELS.get(key, (key, key))
    return zh if lang == "zh" else en


def _area_m2(df: pd.DataFrame) -> pd.Series:
    """Planar areas: from projected geometry, else ``area_m2`` or ``area_mu`` columns."""
    crs = getattr(df, "crs", None)
    if (
        isinstance(df, gpd.GeoDataFrame)
        and crs is not None
        and CRS.from_user_input(crs).is_projected
    ):
        return pd.Series(df.geometry.area.to_numpy(dtype="float64"), index=df.index)
    if "area_m2" in df.columns:
        return pd.to_numeric(df["area_m2"], errors="coerce").astype("float64")
    if "area_mu" in df.columns:
        return pd.to_numeric(df["area_mu"], errors="coerce").astype("float64") * (10000.0 / 15.0)
    return pd.Series(np.nan, index=df.index)


def _date(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns]")
    raw = df[col]
    if pd.api.types.is_datetime64_any_dtype(raw):
        out = pd.to_datetime(raw)
        return out.dt.tz_localize(None) if out.dt.tz is not None else out
    parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
    blank = raw.isna() | (raw.astype("string").str.strip() == "")
    bad = parsed.isna() & ~blank
    if bad.any():
        ids = df["parcel_id"][bad].astype(str).tolist()[:10] if "parcel_id" in df else []
        raise SupervisionInputError(
            f"{col} is not a date for {', '.join(ids)}; write dates as YYYY-MM-DD"
        )
    return parsed.astype("datetime64[ns]")


_SPLIT = re.compile(r"[,;，；、\s]+")


def contract_dates(contracts: pd.DataFrame | None, as_of: Any = None) -> pd.DataFrame:
    """Per parcel, the latest contract signed by ``as_of``: its signing, start and completion.

    Parameters
    ----------
    contracts
        Rows with ``signed_on`` and a parcel link (``parcel_id``, or
        ``parcel_ids`` listing several); ``started_on`` and ``completed_on``
        optional. None or empty gives an empty frame.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``parcel_id`` (str): ``supplied_on``, ``started_on``,
        ``completed_on``. A parcel re-supplied after 收回 takes its latest contract.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"parcel_ids": ["A, B", "A"], "signed_on": ["2020-01-05", "2023-02-01"]})
    >>> contract_dates(c, "2024-01-01")["supplied_on"].dt.strftime("%Y-%m-%d").to_dict()
    {'A': '2023-02-01', 'B': '2020-01-05'}
    """
    cols = ["supplied_on", "started_on", "completed_on"]
    empty = pd.DataFrame(columns=cols, index=pd.Index([], name="parcel_id"), dtype="datetime64[ns]")
    if contracts is None or contracts.empty:
        return empty
    link = "parcel_id" if "parcel_id" in contracts.columns else "parcel_ids"
    if link not in contracts.columns or "signed_on" not in contracts.columns:
        raise SupervisionInputError(
            "the contracts table needs signed_on and parcel_id (or parcel_ids); "
            f"it has {', '.join(map(str, contracts.columns))}"
        )
    day = as_of_date(as_of)
    c = pd.DataFrame(
        {
            "pid": contracts[link].astype("string"),
            "supplied_on": _date(contracts, "signed_on"),
            "started_on": _date(contracts, "started_on"),
            "completed_on": _date(contracts, "completed_on"),
        }
    )
    c["pid"] = c["pid"].map(lambda v: [] if pd.isna(v) else [p for p in _SPLIT.split(v) if p])
    c = c.explode("pid").dropna(subset=["pid"])
    c = c[c["supplied_on"].notna() & (c["supplied_on"] <= day)]
    if c.empty:
        return empty
    c = c.sort_values(["pid", "supplied_on"], kind="stable").drop_duplicates("pid", keep="last")
    return c.set_index("pid").rename_axis("parcel_id")[cols]


def parcel_ledger(
    parcels: pd.DataFrame,
    *,
    as_of: Any = None,
    contracts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The ledger of every parcel in :data:`LEDGER_STATUSES` (see the module docstring).

    Parameters
    ----------
    parcels
        ``parcel_id``, ``status``; optional ``district``, ``released_on``,
        ``status_since``, ``started_on``, ``completed_on``,
        ``developed_share`` and geometry (or ``area_m2`` / ``area_mu``).
    as_of
        The day of the ledger (today by default).
    contracts
        The ``contracts`` table, or None (:func:`contract_dates`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LEDGER_COLUMNS`, one row per parcel in a ledger, in
        the parcels' order; ``age_days`` is missing where ``clock_start`` is,
        ``year`` is ``clock_start``'s year.

    Raises
    ------
    SupervisionInputError
        No ``parcel_id`` or ``status`` column, or a date that does not parse.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"parcel_id": ["a", "b", "c"],
    ...     "status": ["stored", "supplied", "supplied"], "area_mu": [10.0, 5.0, 2.0],
    ...     "status_since": ["2023-01-01", "2024-01-01", "2024-01-01"],
    ...     "started_on": [None, None, "2024-06-01"]})
    >>> parcel_ledger(p, as_of="2024-12-31")[["ledger", "age_days"]].values.tolist()
    [['unsupplied', 730], ['supplied_unused', 365], ['under_built', 213]]
    """
    for col in ("parcel_id", "status"):
        if col not in parcels.columns:
            raise SupervisionInputError(f"parcels have no {col} column")
    day = as_of_date(as_of)
    sel = parcels[parcels["status"].isin(list(LEDGER_STATUSES)).to_numpy()]
    pid = sel["parcel_id"].astype(str)
    status = sel["status"].astype(str)
    since = _date(sel, "status_since")
    released = _date(sel, "released_on")
    started = _date(sel, "started_on")
    completed = _date(sel, "completed_on")
    share = (
        pd.to_numeric(sel["developed_share"], errors="coerce")
        if "developed_share" in sel.columns
        else pd.Series(np.nan, index=sel.index)
    )
    supplied = since.where(status == "supplied")
    cd = contract_dates(contracts, day)
    if len(cd):
        idx = pid.to_numpy()
        for col, target in (
            ("supplied_on", "supplied"),
            ("started_on", "started"),
            ("completed_on", "completed"),
        ):
            got = pd.Series(cd[col].reindex(idx).to_numpy(), index=sel.index)
            if target == "supplied":
                supplied = got.where(got.notna(), supplied)
            elif target == "started":
                started = started.where(started.notna(), got)
            else:
                completed = completed.where(completed.notna(), got)
    # a parcel supplied after the day was still unsupplied on it (quarter-end stock)
    is_supplied = status.isin(list(SUPPLIED_STATUSES)) & ~(supplied > day)
    # in production since after the day (no completion date): not complete on the day
    producing = (status == "in_production") & ~(completed.isna() & (since > day))
    done = producing | (completed.notna() & (completed <= day)) | (share >= 1)
    began = (started.notna() & (started <= day)) | (share > 0)
    ledger = np.select(
        [~is_supplied, done, began],
        ["unsupplied", "completed", "under_built"],
        default="supplied_unused",
    )
    fallback_released = released.where(released.notna(), since)
    fallback_done = completed.where(completed.notna(), since.where(status == "in_production"))
    clock = pd.Series(pd.NaT, index=sel.index, dtype="datetime64[ns]")
    clock = clock.mask(ledger == "unsupplied", fallback_released)
    clock = clock.mask(ledger == "supplied_unused", supplied)
    clock = clock.mask(ledger == "under_built", started)
    clock = clock.mask(ledger == "completed", fallback_done)
    note = np.full(len(sel), "", dtype=object)
    unused = ledger == "supplied_unused"
    no_start = unused & started.isna().to_numpy() & share.isna().to_numpy()
    note[no_start] = NO_START
    missing = clock.isna().to_numpy()
    note[missing & unused] = np.where(
        no_start[missing & unused], f"{NO_START}; {NO_SUPPLY_DATE}", NO_SUPPLY_DATE
    )
    note[missing & (ledger == "under_built")] = NO_START_DATE
    note[missing & np.isin(ledger, ["unsupplied", "completed"])] = NO_DATE
    area_m2 = _area_m2(sel)
    out = pd.DataFrame(
        {
            "parcel_id": pid.to_numpy(),
            "district": sel["district"].astype("string").to_numpy()
            if "district" in sel.columns
            else pd.array([pd.NA] * len(sel), dtype="string"),
            "status": status.to_numpy(),
            "ledger": ledger,
            "area_m2": area_m2.to_numpy(),
            "area_mu": m2_to_mu(area_m2.to_numpy()),
            "supplied_on": supplied.to_numpy(),
            "started_on": started.to_numpy(),
            "completed_on": completed.to_numpy(),
            "clock_start": clock.to_numpy(),
            "age_days": pd.array((day - clock).dt.days.to_numpy(), dtype="Int64"),
            "year": pd.array(clock.dt.year.to_numpy(), dtype="Int64"),
            "date_note": note,
        }
    )
    # land freed after the day was not in a ledger on it
    freed_on = released.where(released.notna(), since.where(status == "released"))
    return out[~(freed_on > day).to_numpy()].reset_index(drop=True)


def ledger_summary(
    ledger: pd.DataFrame, by: Sequence[str] | str = (), *, fill: bool = True
) -> pd.DataFrame:
    """Parcels, 亩 and ages per ledger (and per ``by``: ``district``, ``park``, ``year``).

    Parameters
    ----------
    ledger
        :func:`parcel_ledger` rows (with a ``park`` column for ``by="park"``).
    by
        Grouping columns before ``ledger``.
    fill
        Give every group all four ledgers (zeros where empty), so that tables
        line up.

    Returns
    -------
    pandas.DataFrame
        ``*by``, ``ledger``, ``n_parcels``, ``area_mu``, ``area_ha``,
        ``mean_age_days`` (area-weighted over parcels with a date),
        ``max_age_days``, ``n_date_missing``. The sums of ``n_parcels`` and
        ``area_mu`` equal those of ``ledger``: each parcel is in one row.

    Examples
    --------
    >>> import pandas as pd
    >>> led = pd.DataFrame({"ledger": ["unsupplied", "unsupplied"], "area_m2": [6000.0, 4000.0],
    ...     "age_days": pd.array([100, 200], dtype="Int64")})
    >>> r = ledger_summary(led).iloc[0]
    >>> int(r["n_parcels"]), float(r["area_mu"]), float(r["mean_age_days"])
    (2, 15.0, 140.0)
    """
    dims = [by] if isinstance(by, str) else list(by)
    missing = [d for d in [*dims, "ledger", "area_m2"] if d not in ledger.columns]
    if missing:
        raise SupervisionInputError(f"ledger rows have no {', '.join(missing)} column(s)")
    keys = [*dims, "ledger"]
    if "age_days" not in ledger.columns:
        ledger = ledger.assign(age_days=pd.NA)
    out = partial_summary(ledger, dims)
    if fill:
        groups = out[dims].drop_duplicates() if dims else pd.DataFrame(index=[0])
        full = groups.merge(pd.DataFrame({"ledger": list(LEDGERS)}), how="cross")
        out = full.merge(out, on=keys, how="left")
        for col in ("n_parcels", "area_m2", "dated_m2", "age_m2", "n_date_missing"):
            out[col] = out[col].fillna(0)
    return finish_summary(out, dims)


def finish_summary(out: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    """Units and order of summed ledger rows (also the engine's, after adding partitions up)."""
    order = {k: n for n, k in enumerate(LEDGERS)}
    out = out.assign(_o=out["ledger"].map(order).fillna(len(LEDGERS)))
    out = out.sort_values([*dims, "_o"], kind="stable").drop(columns="_o")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(out["dated_m2"] > 0, out["age_m2"] / out["dated_m2"], np.nan)
    res = out[[*dims, "ledger"]].copy()
    res["n_parcels"] = out["n_parcels"].astype("int64")
    res["area_mu"] = m2_to_mu(out["area_m2"].astype(float))
    res["area_ha"] = m2_to_ha(out["area_m2"].astype(float))
    res["mean_age_days"] = np.round(mean, 1)
    res["max_age_days"] = pd.array(
        pd.to_numeric(out["max_age_days"], errors="coerce").round().to_numpy(), dtype="Int64"
    )
    res["n_date_missing"] = out["n_date_missing"].astype("int64")
    return res.reset_index(drop=True)


def partial_summary(ledger: pd.DataFrame, by: Iterable[str]) -> pd.DataFrame:
    """Summable ledger rows (sums, not means) of one partition, for the engine to add up."""
    dims = list(by)
    df = ledger.assign(
        area_m2=pd.to_numeric(ledger["area_m2"], errors="coerce").fillna(0.0),
        **{d: ledger[d].astype("object").where(ledger[d].notna(), "") for d in dims},
        age=pd.to_numeric(ledger["age_days"], errors="coerce").astype("float64"),
    )
    df["dated_m2"] = np.where(df["age"].notna(), df["area_m2"], 0.0)
    df["age_m2"] = df["age"].fillna(0.0) * df["dated_m2"]
    df["undated"] = df["age"].isna().astype(int)
    return (
        df.groupby([*dims, "ledger"], sort=False, dropna=False)
        .agg(
            n_parcels=("ledger", "size"),
            area_m2=("area_m2", "sum"),
            dated_m2=("dated_m2", "sum"),
            age_m2=("age_m2", "sum"),
            max_age_days=("age", "max"),
            n_date_missing=("undated", "sum"),
        )
        .reset_index()
    )


__all__ = [
    "BASIS",
    "LEDGERS",
    "LEDGER_COLUMNS",
    "LEDGER_LABELS",
    "LEDGER_STATUSES",
    "SupervisionInputError",
    "contract_dates",
    "finish_summary",
    "ledger_label",
    "ledger_summary",
    "parcel_ledger",
    "partial_summary",
]
