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
    if not len(history):
        return pd.DataFrame(columns=["enterprise_id", "latest_year", "consecutive_d_years"])
    latest = int(history["year"].max())
    rows = []
    for firm, grp in history.groupby("enterprise_id", sort=True):
        by_year = dict(zip(grp["year"].astype(int), grp["class"], strict=True))
        n, year = 0, latest
        while by_year.get(year) == "D":
            n += 1
            year -= 1
        rows.append({"enterprise_id": firm, "latest_year": latest, "consecutive_d_years": n})
    return pd.DataFrame(rows)
