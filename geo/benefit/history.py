"""亩均 over the years: each firm's class per year and its run of D years.

:func:`class_history` runs :func:`geo.benefit.evaluate` for every year the
``enterprises`` table holds (docs/architecture.md §5.5); :func:`consecutive_d`
counts, as of the latest year, how many years in a row ending with it a firm
was classed D (a year the firm was not evaluated ends the run).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from geo.benefit.config import BenefitConfig
from geo.benefit.evaluate import evaluate
from geo.benefit.indicators import BenefitInputError

logger = logging.getLogger(__name__)

HISTORY_COLUMNS: tuple[str, ...] = ("enterprise_id", "year", "score", "class")


def class_history(
    enterprises: pd.DataFrame,
    config: BenefitConfig | str | Path | None = None,
) -> pd.DataFrame:
    """Evaluate every year and return each firm's score and class per year.

    Parameters
    ----------
    enterprises
        The ``enterprises`` table, any number of years.
    config
        As for :func:`geo.benefit.evaluate`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`, sorted by firm and year.

    Raises
    ------
    BenefitInputError
        If the table has no ``year`` column or no row with a year.
    """
    if "year" not in enterprises.columns:
        raise BenefitInputError("the enterprises table has no year column; add one (e.g. 2024)")
    years = sorted(
        pd.to_numeric(enterprises["year"], errors="coerce").dropna().astype(int).unique()
    )
    if not years:
        raise BenefitInputError("the enterprises table holds no year; fill the year column")
    parts = []
    for year in years:
        result = evaluate(enterprises, config, year=int(year))
        parts.append(result[["enterprise_id", "score", "class"]].assign(year=int(year)))
    out = pd.concat(parts, ignore_index=True)[list(HISTORY_COLUMNS)]
    logger.debug("class history: %d firm-years over %d years", len(out), len(years))
    return out.sort_values(["enterprise_id", "year"], kind="stable").reset_index(drop=True)


def d_runs(history: pd.DataFrame) -> pd.Series:
    """For every row of a class history, the years in a row in D ending with that year.

    0 for a row not in D; a year the firm was not evaluated (absent, T, or out of
    scope) ends a run.

    Examples
    --------
    >>> h = pd.DataFrame({"enterprise_id": ["E"] * 4, "year": [2020, 2021, 2022, 2024],
    ...                   "score": [1.0] * 4, "class": ["D", "D", "D", "D"]})
    >>> d_runs(h).tolist()
    [1, 2, 3, 1]
    """
    runs = pd.Series(0, index=history.index, dtype="int64")
    if not len(history):
        return runs
    order = history.sort_values(["enterprise_id", "year"], kind="stable")
    prev_firm, prev_year, n = None, None, 0
    for i, firm, year, cls in zip(
        order.index, order["enterprise_id"], order["year"].astype(int), order["class"], strict=True
    ):
        if cls == "D":
            n = n + 1 if (firm == prev_firm and prev_year == year - 1 and n > 0) else 1
        else:
            n = 0
        runs[i] = n
        prev_firm, prev_year = firm, year
    return runs


def consecutive_d(history: pd.DataFrame) -> pd.DataFrame:
    """Years in a row in class D, as of the latest year of the history.

    Parameters
    ----------
    history
        The frame of :func:`class_history`.

    Returns
    -------
    pandas.DataFrame
        ``enterprise_id``, ``latest_year`` (the history's latest year),
        ``consecutive_d_years``: 0 for a firm not in D (or not evaluated) in the
        latest year, else the number of consecutive years ending with it.

    Examples
    --------
    >>> h = pd.DataFrame({"enterprise_id": ["E"] * 3, "year": [2021, 2022, 2023],
    ...                   "score": [1.0] * 3, "class": ["D", "C", "D"]})
    >>> int(consecutive_d(h)["consecutive_d_years"].iloc[0])
    1
    """
    cols = ["enterprise_id", "latest_year", "consecutive_d_years"]
    if not len(history):
        return pd.DataFrame(columns=cols)
    latest = int(history["year"].max())
    runs = history.assign(_run=d_runs(history))
    at_latest = runs[runs["year"].astype(int) == latest].set_index("enterprise_id")["_run"]
    firms = sorted(history["enterprise_id"].unique(), key=str)
    return pd.DataFrame(
        {
            "enterprise_id": firms,
            "latest_year": latest,
            "consecutive_d_years": [int(at_latest.get(f, 0)) for f in firms],
        }
    )[cols]
