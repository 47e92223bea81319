"""The 亩均 indicators: what each divides by what, with labels and units; computing them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from geo.errors import InputError

logger = logging.getLogger(__name__)

PRESET_DIR = "benefit_presets"
"""Folder of the shipped presets inside ``geo/config``."""

DEFAULT_PRESET = "huangyan_2022"

CLASSES: tuple[str, ...] = ("A", "B", "C", "D")
CLASS_LABELS: dict[str, tuple[str, str]] = {
    "A": ("A类（优先发展类）", "A (priority development)"),
    "B": ("B类（提升发展类）", "B (upgrade)"),
    "C": ("C类（调控帮扶类）", "C (regulate and support)"),
    "D": ("D类（倒逼整治类）", "D (rectify; low efficiency)"),
    "T": ("T类（不适合评价类）", "T (not suited to evaluation)"),
}
T_CLASS = "T"
"""Firms in scope but not ranked (水电气 suppliers, new firms…), when a preset has ``[t_class]``."""

MissingPolicy = Literal["zero", "group_mean", "reweight"]
MISSING_POLICIES: tuple[str, ...] = ("zero", "group_mean", "reweight")


@dataclass(frozen=True)
class Indicator:
    """An indicator: numerator over denominator, with labels and unit."""

    key: str
    zh: str
    en: str
    unit: str
    numerator: str
    denominator: str


INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator("tax_wan_per_mu", "亩均税收", "tax per mu", "万元/亩", "tax_wan", "land_mu"),
        Indicator(
            "added_value_wan_per_mu",
            "亩均增加值",
            "value added per mu",
            "万元/亩",
            "added_value_wan",
            "land_mu",
        ),
        Indicator(
            "revenue_wan_per_mu",
            "亩均营业收入",
            "revenue per mu",
            "万元/亩",
            "revenue_wan",
            "land_mu",
        ),
        Indicator(
            "added_value_wan_per_tce",
            "单位能耗增加值",
            "value added per unit of energy",
            "万元/tce",
            "added_value_wan",
            "energy_tce",
        ),
        Indicator(
            "added_value_wan_per_t",
            "单位排放增加值",
            "value added per tonne of emissions",
            "万元/t",
            "added_value_wan",
            "emissions_t",
        ),
        Indicator(
            "added_value_wan_per_person",
            "全员劳动生产率",
            "labour productivity",
            "万元/人",
            "added_value_wan",
            "employees",
        ),
        Indicator(
            "rd_revenue_ratio",
            "R&D经费占营业收入比重",
            "R&D share of revenue",
            "fraction",
            "rd_wan",
            "revenue_wan",
        ),
        Indicator(
            "tax_wan_per_mwh",
            "单位用电税收",
            "tax per unit of electricity",
            "万元/MWh",
            "tax_wan",
            "electricity_mwh",
        ),
    )
}
"""The indicators a configuration may use, by column name."""

_NONNEGATIVE = (
    "land_mu_registered",
    "land_mu_leased",
    "energy_tce",
    "emissions_t",
    "employees",
    "electricity_mwh",
    "revenue_wan",
    "rd_wan",
)
_CARRIED = ("parcel_id", "name", "scale", "year", "tax_wan", "added_value_wan")


class BenefitConfigError(InputError):
    """A benefit configuration is unknown or malformed; the message names file and key."""


class BenefitInputError(InputError):
    """Enterprise data that cannot be evaluated; the message lists every problem."""


def compute_indicators(enterprises: pd.DataFrame, keys: Iterable[str]) -> pd.DataFrame:
    """Indicator values per firm (NaN where a denominator is zero or a value missing).

    ``land_mu`` is ``land_mu_registered + land_mu_leased`` (a missing part counts
    as zero; both missing gives a missing land area).

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"land_mu_registered": [10.0, 0.0], "land_mu_leased": [0.0, 0.0],
    ...                   "tax_wan": [200.0, 5.0]})
    >>> compute_indicators(e, ["tax_wan_per_mu"])["tax_wan_per_mu"].tolist()
    [20.0, nan]
    """
    df = enterprises
    reg = pd.to_numeric(df.get("land_mu_registered"), errors="coerce")
    leased = pd.to_numeric(df.get("land_mu_leased"), errors="coerce")
    land = reg.fillna(0.0) + leased.fillna(0.0)
    land[reg.isna() & leased.isna()] = np.nan
    out = pd.DataFrame(index=df.index)
    for key in keys:
        ind = INDICATORS[key]
        num = pd.to_numeric(df[ind.numerator], errors="coerce").astype("float64")
        den = (
            land
            if ind.denominator == "land_mu"
            else pd.to_numeric(df[ind.denominator], errors="coerce").astype("float64")
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            value = num / den
        value[(den == 0) | den.isna()] = np.nan
        out[key] = value.astype("float64")
    return out
