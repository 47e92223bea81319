"""差别化 measures: what a firm's 亩均 class costs it each year (docs/architecture.md §5.5).

A measures configuration (``geo/config/benefit_measures/*.toml`` or your own
TOML) gives, per measure, a rate per class in a unit per quantity (e.g.
元/kWh of electricity) and steps that raise the rate after consecutive years
in a class (海宁: D 0.3 元/kWh, 0.4 from the third consecutive D year).
:func:`yearly_surcharges` turns a class history
(:func:`geo.benefit.history.class_history`) and the enterprises' yearly
quantities into each firm's yearly amount in 元 and 万元.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.benefit.config import shipped_dir, shipped_names
from geo.benefit.history import d_runs
from geo.benefit.indicators import CLASSES, BenefitConfigError, BenefitInputError

logger = logging.getLogger(__name__)

MEASURES_DIR = "benefit_measures"
"""Folder of the shipped measures configurations inside ``geo/config``."""

SURCHARGE_COLUMNS: tuple[str, ...] = (
    "enterprise_id",
    "year",
    "class",
    "consecutive_d_years",
    "measure",
    "rate",
    "unit",
    "quantity",
    "quantity_unit",
    "amount_yuan",
    "amount_wan",
)
"""Columns of :func:`yearly_surcharges`: one row per firm, year and measure."""


@dataclass(frozen=True)
class Step:
    """A higher rate from the ``min_consecutive_years``-th year in a row in ``cls``."""

    cls: str
    min_consecutive_years: int
    rate: float


@dataclass(frozen=True)
class Measure:
    """One 差别化 measure: a rate per class on a quantity of the enterprises table."""

    key: str
    zh: str
    en: str
    unit: str
    quantity: str
    quantity_factor: float
    quantity_unit: str
    rates: dict[str, float]
    steps: tuple[Step, ...]

    def rate(self, cls: object, consecutive_years: int) -> float:
        """The rate of a class after ``consecutive_years`` in a row in it (0 if none)."""
        rate = float(self.rates.get(str(cls), 0.0))
        for step in self.steps:
            if str(cls) == step.cls and consecutive_years >= step.min_consecutive_years:
                rate = max(rate, step.rate)
        return rate


@dataclass(frozen=True)
class MeasuresConfig:
    """A set of 差别化 measures with its source."""

    name: str
    title_zh: str
    title_en: str
    source: str
    url: str
    published: str
    verified: bool
    measures: tuple[Measure, ...]


def _rate(value: Any, *, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise BenefitConfigError(f"{where}: key {key} must be a number ≥ 0, got {value!r}")
    return float(value)


def parse_measures(data: dict[str, Any], *, where: str = "<measures>") -> MeasuresConfig:
    """Build a :class:`MeasuresConfig` from parsed TOML, checking every key.

    Raises
    ------
    BenefitConfigError
        A key is missing or wrong; the message names ``where`` and the key.
    """
    raw = data.get("measures")
    if not isinstance(raw, dict) or not raw:
        raise BenefitConfigError(f"{where}: table [measures.NAME] is missing")
    measures = []
    for mkey, m in raw.items():
        mk = f"measures.{mkey}"
        if not isinstance(m, dict):
            raise BenefitConfigError(f"{where}: key {mk} must be a table")
        for k in ("unit", "quantity"):
            if not isinstance(m.get(k), str) or not m.get(k):
                raise BenefitConfigError(f"{where}: key {mk}.{k} is missing")
        rates_raw = m.get("rates", {})
        if not isinstance(rates_raw, dict):
            raise BenefitConfigError(f"{where}: key {mk}.rates must be a table of class = rate")
        rates = {}
        for cls, v in rates_raw.items():
            if cls not in CLASSES:
                raise BenefitConfigError(
                    f"{where}: key {mk}.rates.{cls}: classes are {', '.join(CLASSES)}"
                )
            rates[cls] = _rate(v, where=where, key=f"{mk}.rates.{cls}")
        steps = []
        for n, st in enumerate(m.get("steps", [])):
            sk = f"{mk}.steps[{n}]"
            if not isinstance(st, dict) or st.get("class") not in CLASSES:
                raise BenefitConfigError(f"{where}: key {sk}.class must be one of A, B, C, D")
            years = st.get("min_consecutive_years")
            if isinstance(years, bool) or not isinstance(years, int) or years < 1:
                raise BenefitConfigError(
                    f"{where}: key {sk}.min_consecutive_years must be a whole number ≥ 1"
                )
            steps.append(Step(st["class"], years, _rate(st.get("rate"), where=where, key=sk)))
        factor = m.get("quantity_factor", 1.0)
        measures.append(
            Measure(
                key=str(mkey),
                zh=str(m.get("zh", mkey)),
                en=str(m.get("en", mkey)),
                unit=m["unit"],
                quantity=m["quantity"],
                quantity_factor=_rate(factor, where=where, key=f"{mk}.quantity_factor"),
                quantity_unit=str(m.get("quantity_unit", "")),
                rates=rates,
                steps=tuple(steps),
            )
        )
    return MeasuresConfig(
        name=str(data.get("name", Path(where).stem)),
        title_zh=str(data.get("title_zh", "")),
        title_en=str(data.get("title_en", "")),
        source=str(data.get("source", "")),
        url=str(data.get("url", "")),
        published=str(data.get("published", "")),
        verified=bool(data.get("verified", False)),
        measures=tuple(measures),
    )


def list_measures() -> list[str]:
    """Names of the shipped measures configurations.

    Examples
    --------
    >>> "haining_2025" in list_measures()
    True
    """
    return shipped_names(MEASURES_DIR)


def load_measures(name_or_path: str | Path) -> MeasuresConfig:
    """Load shipped measures by name, or a TOML file by path.

    Raises
    ------
    BenefitConfigError
        Unknown name (the shipped ones are listed), a missing or invalid file.
    """
    text_path = str(name_or_path)
    if text_path.endswith(".toml") or isinstance(name_or_path, Path):
        p = Path(name_or_path)
        if not p.is_file():
            raise BenefitConfigError(f"measures configuration {p} does not exist")
        where, text = str(p), p.read_bytes()
    else:
        names = list_measures()
        if text_path not in names:
            raise BenefitConfigError(
                f"unknown measures {text_path!r}; available: {', '.join(names)} "
                f"(or give your own TOML file)"
            )
        where = f"geo/config/{MEASURES_DIR}/{text_path}.toml"
        text = shipped_dir(MEASURES_DIR).joinpath(f"{text_path}.toml").read_bytes()
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise BenefitConfigError(f"{where} is not valid UTF-8 TOML: {err}") from None
    return parse_measures(data, where=where)


def yearly_surcharges(
    history: pd.DataFrame, enterprises: pd.DataFrame, config: MeasuresConfig
) -> pd.DataFrame:
    """Each firm's yearly amount under every measure.

    Parameters
    ----------
    history
        :func:`geo.benefit.history.class_history` of the enterprises.
    enterprises
        The ``enterprises`` table with the measures' quantity columns (e.g.
        ``electricity_mwh``) per firm and year.
    config
        The measures (:func:`load_measures`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SURCHARGE_COLUMNS`, one row per firm-year and measure,
        sorted by firm, year and measure. ``rate`` is in ``unit``, ``quantity``
        in ``quantity_unit``; ``amount_yuan`` is rate × quantity, rounded to
        the 元; a missing quantity gives a missing amount for a class that pays,
        never a guess.

    Raises
    ------
    BenefitInputError
        The enterprises table lacks a quantity column a measure needs.

    Examples
    --------
    >>> h = pd.DataFrame({"enterprise_id": ["E"] * 3, "year": [2021, 2022, 2023],
    ...                   "score": [1.0] * 3, "class": ["D"] * 3})
    >>> e = pd.DataFrame({"enterprise_id": ["E"] * 3, "year": [2021, 2022, 2023],
    ...                   "electricity_mwh": [100.0] * 3})
    >>> yearly_surcharges(h, e, load_measures("haining_2025"))["amount_yuan"].tolist()
    [30000.0, 30000.0, 40000.0]
    """
    cols = list(SURCHARGE_COLUMNS)
    for m in config.measures:
        if m.quantity not in enterprises.columns:
            raise BenefitInputError(
                f"measure {m.key} of {config.name} needs the column {m.quantity} in the "
                f"enterprises table; add it (empty where unknown)"
            )
    if not len(history):
        return pd.DataFrame(columns=cols)
    hist = history.assign(consecutive_d_years=d_runs(history))
    ent = enterprises.assign(
        enterprise_id=enterprises["enterprise_id"].astype(str),
        year=pd.to_numeric(enterprises["year"], errors="coerce"),
    ).drop_duplicates(["enterprise_id", "year"], keep="last")
    hist = hist.assign(
        enterprise_id=hist["enterprise_id"].astype(str), year=hist["year"].astype(int)
    )
    parts = []
    for m in config.measures:
        q = ent[["enterprise_id", "year", m.quantity]]
        joined = hist.merge(q, on=["enterprise_id", "year"], how="left")
        quantity = pd.to_numeric(joined[m.quantity], errors="coerce") * m.quantity_factor
        rate = np.array(
            [
                m.rate(c, int(n))
                for c, n in zip(joined["class"], joined["consecutive_d_years"], strict=True)
            ],
            dtype="float64",
        )
        amount = np.round(rate * quantity.to_numpy(dtype="float64"), 0)
        amount[rate == 0] = 0.0
        parts.append(
            pd.DataFrame(
                {
                    "enterprise_id": joined["enterprise_id"],
                    "year": joined["year"],
                    "class": joined["class"],
                    "consecutive_d_years": joined["consecutive_d_years"].astype("int64"),
                    "measure": m.key,
                    "rate": rate,
                    "unit": m.unit,
                    "quantity": quantity,
                    "quantity_unit": m.quantity_unit,
                    "amount_yuan": amount,
                    "amount_wan": amount / 10_000.0,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)[cols]
    logger.debug("surcharges: %d rows, %.0f 元 in all", len(out), out["amount_yuan"].sum())
    return out.sort_values(["enterprise_id", "year", "measure"], kind="stable").reset_index(
        drop=True
    )
