"""亩均效益 evaluation of firms (亩均论英雄, docs/architecture.md §5.5).

A firm's score is a weighted sum of its indicators over their benchmarks::

    score = Σ weight × value / benchmark

so a firm exactly at every benchmark scores Σ weights (100 in the shipped
presets). Firms are scored in groups by ``scale``: above-scale (规上) firms on six
indicators, the others (规下) on a simpler formula; each group has its own
weights and benchmarks. Classes A/B/C/D come from score thresholds or from rank
percentiles within the group.

Indicators (column names carry their units; land = ``land_mu_registered`` +
``land_mu_leased``):

==============================  ======================  ==============================
column                          indicator               formula
==============================  ======================  ==============================
``tax_wan_per_mu``              亩均税收                 tax_wan / land_mu
``added_value_wan_per_mu``      亩均增加值               added_value_wan / land_mu
``revenue_wan_per_mu``          亩均营业收入             revenue_wan / land_mu
``added_value_wan_per_tce``     单位能耗增加值           added_value_wan / energy_tce
``added_value_wan_per_t``       单位排放增加值           added_value_wan / emissions_t
``added_value_wan_per_person``  全员劳动生产率           added_value_wan / employees
``rd_revenue_ratio``            R&D经费占营业收入比重    rd_wan / revenue_wan
``tax_wan_per_mwh``             单位用电税收             tax_wan / electricity_mwh
==============================  ======================  ==============================

Division by zero: a zero (or missing) denominator — no land, no recorded
energy use, emissions, employees, revenue or electricity — makes the indicator
*missing*, never infinite; the firm's ``notes`` say which. Missing indicators
are then scored by the configured policy:

- ``zero``: the indicator contributes no points;
- ``group_mean``: the mean points of that indicator over the firms of the same
  group that have it (Huangyan's rule for 规上 firms without emission data);
  zero when no firm has it;
- ``reweight``: the indicator is dropped and the firm's other points are scaled
  by Σ all weights / Σ available weights.

Negative land, energy, emissions, employees, electricity, revenue or R&D are
input errors. Tax and value added may be negative (refunds, losses) and then
score negatively.

Configuration is TOML: the shipped presets live in
``geo/config/benefit_presets/`` (:func:`list_presets`), each citing its source;
:func:`load_benefit_config` reads your own file with the same layout.

Privacy: the enterprise ``name`` is an internal field. Named firms' scores must
never reach investors or the public (docs/architecture.md §1); use :func:`drop_internal`
before handing results to any role other than ``planner``.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from geo.access import ROLES
from geo.errors import InputError
from geo.schema import INTERNAL_FIELDS

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
}

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


# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorWeight:
    """One indicator of a group: its weight, benchmark and missing-value policy."""

    key: str
    weight: float
    benchmark: float
    missing: str


@dataclass(frozen=True)
class ClassScheme:
    """How scores become classes.

    ``method`` is ``threshold`` (``cutoffs`` are minimum scores of A, B, C) or
    ``percentile`` (``cutoffs`` are cumulative shares of ranked firms for A, B,
    C). Firms below C are D.
    """

    method: str
    cutoffs: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Group:
    """A group of firms scored with one formula (规上 or 规下)."""

    key: str
    zh: str
    en: str
    scale: tuple[str, ...]
    indicators: tuple[IndicatorWeight, ...]
    classes: ClassScheme

    @property
    def total_weight(self) -> float:
        return float(sum(i.weight for i in self.indicators))


@dataclass(frozen=True)
class BenefitConfig:
    """A full 亩均 evaluation scheme."""

    name: str
    title_zh: str
    title_en: str
    source: str
    url: str
    published: str
    path: str
    groups: dict[str, Group]
    cap_ratio: float | None = None
    evaluation_year: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def group_of(self, scale: Any) -> str | None:
        """The group key of a ``scale`` value, or None."""
        s = str(scale).strip()
        for g in self.groups.values():
            if s in g.scale:
                return g.key
        return None


def _num(value: Any, *, where: str, key: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BenefitConfigError(f"{where}: key {key} must be a number, got {value!r}")
    if positive and not value > 0:
        raise BenefitConfigError(f"{where}: key {key} must be positive, got {value!r}")
    if value < 0:
        raise BenefitConfigError(f"{where}: key {key} must not be negative, got {value!r}")
    return float(value)


def _policy(value: Any, *, where: str, key: str) -> str:
    if value not in MISSING_POLICIES:
        raise BenefitConfigError(
            f"{where}: key {key} must be one of {', '.join(MISSING_POLICIES)}, got {value!r}"
        )
    return str(value)


def _classes(raw: Any, *, where: str, key: str) -> ClassScheme:
    if not isinstance(raw, dict):
        raise BenefitConfigError(f"{where}: table [{key}] is missing")
    method = raw.get("method")
    if method not in ("threshold", "percentile"):
        raise BenefitConfigError(
            f"{where}: key {key}.method must be 'threshold' or 'percentile', got {method!r}"
        )
    cuts = []
    for cls in ("A", "B", "C"):
        if cls not in raw:
            raise BenefitConfigError(f"{where}: key {key}.{cls} is missing")
        cuts.append((cls, _num(raw[cls], where=where, key=f"{key}.{cls}")))
    values = [v for _, v in cuts]
    if method == "threshold" and not values[0] > values[1] > values[2]:
        raise BenefitConfigError(
            f"{where}: key {key}: thresholds must fall A > B > C, got {values}"
        )
    if method == "percentile" and not 0 < values[0] < values[1] < values[2] <= 1:
        raise BenefitConfigError(
            f"{where}: key {key}: percentile cut-offs must rise 0 < A < B < C <= 1 "
            f"(cumulative shares, 0.25 for 25%), got {values}"
        )
    return ClassScheme(method=str(method), cutoffs=tuple(cuts))


def parse_benefit_config(data: dict[str, Any], *, where: str = "<config>") -> BenefitConfig:
    """Build a :class:`BenefitConfig` from parsed TOML, checking every key.

    Raises
    ------
    BenefitConfigError
        A key is missing or has a wrong value; the message names ``where`` and the key.
    """
    default_missing = _policy(data.get("missing", "zero"), where=where, key="missing")
    cap = data.get("cap_ratio")
    cap_ratio = _num(cap, where=where, key="cap_ratio", positive=True) if cap is not None else None
    top_classes = data.get("classes")
    groups_raw = data.get("groups")
    if not isinstance(groups_raw, dict) or not groups_raw:
        raise BenefitConfigError(f"{where}: table [groups] is missing or empty")
    groups: dict[str, Group] = {}
    seen_scale: dict[str, str] = {}
    for gkey, graw in groups_raw.items():
        gk = f"groups.{gkey}"
        if not isinstance(graw, dict):
            raise BenefitConfigError(f"{where}: key {gk} must be a table")
        scale = graw.get("scale")
        if not isinstance(scale, list) or not scale:
            raise BenefitConfigError(
                f"{where}: key {gk}.scale must be a list of scale values (e.g. ['规上'])"
            )
        for s in scale:
            if str(s) in seen_scale:
                raise BenefitConfigError(
                    f"{where}: key {gk}.scale: {s!r} is already in groups.{seen_scale[str(s)]}"
                )
            seen_scale[str(s)] = str(gkey)
        inds_raw = graw.get("indicators")
        if not isinstance(inds_raw, dict) or not inds_raw:
            raise BenefitConfigError(f"{where}: table [{gk}.indicators] is missing or empty")
        inds = []
        for ikey, iraw in inds_raw.items():
            ik = f"{gk}.indicators.{ikey}"
            if ikey not in INDICATORS:
                raise BenefitConfigError(
                    f"{where}: key {ik}: unknown indicator; known: {', '.join(INDICATORS)}"
                )
            if not isinstance(iraw, dict):
                raise BenefitConfigError(f"{where}: key {ik} must be a table")
            for k in ("weight", "benchmark"):
                if k not in iraw:
                    raise BenefitConfigError(f"{where}: key {ik}.{k} is missing")
            inds.append(
                IndicatorWeight(
                    key=ikey,
                    weight=_num(iraw["weight"], where=where, key=f"{ik}.weight"),
                    benchmark=_num(
                        iraw["benchmark"], where=where, key=f"{ik}.benchmark", positive=True
                    ),
                    missing=_policy(
                        iraw.get("missing", default_missing), where=where, key=f"{ik}.missing"
                    ),
                )
            )
        if "classes" in graw:
            classes = _classes(graw["classes"], where=where, key=f"{gk}.classes")
        else:
            classes = _classes(top_classes, where=where, key="classes")
        groups[str(gkey)] = Group(
            key=str(gkey),
            zh=str(graw.get("zh", gkey)),
            en=str(graw.get("en", gkey)),
            scale=tuple(str(s) for s in scale),
            indicators=tuple(inds),
            classes=classes,
        )
    year = data.get("evaluation_year")
    return BenefitConfig(
        name=str(data.get("name", Path(where).stem)),
        title_zh=str(data.get("title_zh", "")),
        title_en=str(data.get("title_en", "")),
        source=str(data.get("source", "")),
        url=str(data.get("url", "")),
        published=str(data.get("published", "")),
        path=where,
        groups=groups,
        cap_ratio=cap_ratio,
        evaluation_year=int(year) if isinstance(year, int) else None,
        meta={k: v for k, v in data.items() if k not in ("groups", "classes")},
    )


def load_benefit_config(path: str | Path) -> BenefitConfig:
    """Load a benefit configuration from a TOML file.

    Raises
    ------
    BenefitConfigError
        The file is missing, not valid TOML, or a key is wrong (file and key named).
    """
    p = Path(path)
    if not p.is_file():
        raise BenefitConfigError(f"benefit configuration {p} does not exist")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise BenefitConfigError(f"{p} is not valid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise BenefitConfigError(f"{p} is not UTF-8 text: {err}") from None
    return parse_benefit_config(data, where=str(p))


def _preset_dir() -> Any:
    return resources.files("geo").joinpath("config", PRESET_DIR)


def list_presets() -> list[str]:
    """Names of the shipped presets.

    Examples
    --------
    >>> "huangyan_2022" in list_presets()
    True
    """
    return sorted(
        p.name.removesuffix(".toml") for p in _preset_dir().iterdir() if p.name.endswith(".toml")
    )


def load_preset(name: str = DEFAULT_PRESET) -> BenefitConfig:
    """Load a shipped preset by name.

    Raises
    ------
    BenefitConfigError
        Unknown name; the message lists the presets.

    Examples
    --------
    >>> cfg = load_preset("huangyan_2022")
    >>> cfg.groups["above"].total_weight, cfg.groups["below"].total_weight
    (100.0, 100.0)
    """
    names = list_presets()
    if name not in names:
        raise BenefitConfigError(
            f"unknown benefit preset {name!r}; available: {', '.join(names)} "
            f"(or give your own TOML file)"
        )
    res = _preset_dir().joinpath(f"{name}.toml")
    where = f"geo/config/{PRESET_DIR}/{name}.toml"
    try:
        data = tomllib.loads(res.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:  # pragma: no cover - shipped files are tested
        raise BenefitConfigError(f"{where} is not valid TOML: {err}") from None
    return parse_benefit_config(data, where=where)


# ---------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------


def _ids(s: pd.Series, limit: int = 10) -> str:
    vals = [str(v) for v in s.tolist()]
    more = f" and {len(vals) - limit} more" if len(vals) > limit else ""
    return ", ".join(vals[:limit]) + more


def _validate(df: pd.DataFrame, config: BenefitConfig) -> None:
    problems: list[str] = []
    used = {i.key for g in config.groups.values() for i in g.indicators}
    needed = {"enterprise_id", "scale", "land_mu_registered", "land_mu_leased"}
    for key in used:
        ind = INDICATORS[key]
        needed |= {ind.numerator, ind.denominator} - {"land_mu"}
    absent = sorted(needed - set(df.columns))
    if absent:
        problems.append(
            f"column(s) {', '.join(absent)} absent (add a column with empty values when the "
            f"data is unavailable; the missing-value policy then applies)"
        )
    if "enterprise_id" in df.columns:
        ids = df["enterprise_id"]
        dup = ids[ids.duplicated()]
        if len(dup):
            problems.append(
                f"enterprise_id repeated: {_ids(dup)} (one row per firm and year; "
                f"choose a year with year=)"
            )
    else:
        ids = pd.Series(df.index, index=df.index)
    for col in sorted(needed & set(df.columns) - {"enterprise_id", "scale"}):
        raw = df[col]
        num = pd.to_numeric(raw, errors="coerce")
        bad = num.isna() & raw.notna()
        if bad.any():
            problems.append(f"{col} is not a number for {_ids(ids[bad])}")
        if col in _NONNEGATIVE:
            neg = num < 0
            if neg.any():
                problems.append(f"{col} is negative for {_ids(ids[neg])}")
    if "scale" in df.columns:
        groups = df["scale"].map(config.group_of)
        bad = groups.isna()
        if bad.any():
            known = sorted({s for g in config.groups.values() for s in g.scale})
            values = sorted({str(v) for v in df.loc[bad, "scale"]})
            problems.append(
                f"scale value(s) {', '.join(values)} fit no group of {config.name} "
                f"(firms {_ids(ids[bad])}); known: {', '.join(known)}"
            )
    if problems:
        raise BenefitInputError(
            f"enterprises cannot be evaluated with {config.name}: " + "; ".join(problems)
        )


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


def _classify(scores: pd.Series, scheme: ClassScheme) -> tuple[pd.Series, pd.Series]:
    """Classes and ranks (1 = best, ties share the better rank) of one group's scores."""
    rank = scores.rank(method="min", ascending=False)
    cls = pd.Series(pd.NA, index=scores.index, dtype="object")
    n = int(scores.notna().sum())
    if n == 0:
        return cls, rank.astype("Int64")
    if scheme.method == "threshold":
        key = scores
        for name, cut in reversed(scheme.cutoffs):
            cls[key >= cut] = name
        cls[(key < scheme.cutoffs[-1][1]) & key.notna()] = "D"
    else:
        share = rank / n
        cls[share.notna()] = "D"
        for name, cut in reversed(scheme.cutoffs):
            cls[share <= cut + 1e-12] = name
    return cls, rank.astype("Int64")


def evaluate(
    enterprises: pd.DataFrame,
    config: BenefitConfig | str | Path | None = None,
    *,
    year: int | None = None,
) -> pd.DataFrame:
    """Score and classify firms by a 亩均 configuration.

    Parameters
    ----------
    enterprises
        The ``enterprises`` table (docs/architecture.md §3).
    config
        A :class:`BenefitConfig`, a preset name, a path to a TOML file, or None
        for :data:`DEFAULT_PRESET`.
    year
        Evaluate this ``year`` only. By default, when the table holds several
        years, the latest is evaluated (logged).

    Returns
    -------
    pandas.DataFrame
        One row per firm: ``enterprise_id``, ``name``, ``parcel_id``, ``scale``,
        ``year``, ``group``, ``land_mu``, ``tax_wan``, ``added_value_wan``, the
        indicators (units in their names), ``points_<indicator>``, ``score``,
        ``class`` (A–D), ``rank`` (within the group, 1 = best), ``group_size``
        and ``notes`` (missing or zero-denominator indicators and how they were
        scored). Sorted by group and rank.

    Raises
    ------
    BenefitInputError
        Absent columns, non-numeric or negative values, repeated firms, or
        scale values that fit no group; every problem is listed.
    BenefitConfigError
        An unknown preset or a malformed configuration.

    Examples
    --------
    A 规上 firm exactly at the Huangyan 2022 benchmarks scores 100:

    >>> import pandas as pd
    >>> firm = pd.DataFrame({
    ...     "enterprise_id": ["e1"], "scale": ["规上"], "land_mu_registered": [10.0],
    ...     "land_mu_leased": [0.0], "tax_wan": [240.97], "added_value_wan": [1361.6],
    ...     "energy_tce": [1361.6 / 2.694], "emissions_t": [1361.6 / 4929.81],
    ...     "employees": [1361.6 / 18.14], "rd_wan": [30.2], "revenue_wan": [1000.0],
    ...     "electricity_mwh": [None]})
    >>> r = evaluate(firm, "huangyan_2022")
    >>> round(float(r["score"].iloc[0]), 6), r["class"].iloc[0]
    (100.0, 'B')
    """
    if config is None:
        config = load_preset(DEFAULT_PRESET)
    elif isinstance(config, Path) or (isinstance(config, str) and config.endswith(".toml")):
        config = load_benefit_config(config)
    elif isinstance(config, str):
        config = load_preset(config)
    df = enterprises.reset_index(drop=True)
    if "year" in df.columns and len(df):
        years = pd.to_numeric(df["year"], errors="coerce")
        if year is None and years.nunique() > 1:
            year = int(years.max())
            logger.info(
                "enterprises hold %d years; evaluating the latest, %d", years.nunique(), year
            )
        if year is not None:
            df = df[years == year].reset_index(drop=True)
            if df.empty:
                raise BenefitInputError(
                    f"no enterprises for year {year}; years present: "
                    f"{', '.join(str(int(y)) for y in sorted(years.dropna().unique()))}"
                )
    _validate(df, config)
    keys = list(dict.fromkeys(i.key for g in config.groups.values() for i in g.indicators))
    values = compute_indicators(df, keys)
    reg = pd.to_numeric(df["land_mu_registered"], errors="coerce")
    leased = pd.to_numeric(df["land_mu_leased"], errors="coerce")
    land = reg.fillna(0.0) + leased.fillna(0.0)
    land[reg.isna() & leased.isna()] = np.nan

    out = pd.DataFrame({"enterprise_id": df["enterprise_id"]})
    for col in _CARRIED:
        out[col] = df[col] if col in df.columns else pd.NA
    out["group"] = df["scale"].map(config.group_of)
    out["land_mu"] = land
    for col in ("tax_wan", "added_value_wan"):
        if col in df.columns:
            out[col] = pd.to_numeric(df[col], errors="coerce")
    out = out[
        [
            "enterprise_id",
            "name",
            "parcel_id",
            "scale",
            "year",
            "group",
            "land_mu",
            "tax_wan",
            "added_value_wan",
        ]
    ]
    for key in keys:
        out[key] = np.nan
    for key in keys:
        out[f"points_{key}"] = np.nan
    out["score"] = np.nan
    out["class"] = pd.Series(pd.NA, index=out.index, dtype="object")
    out["rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out["group_size"] = 0
    notes: list[list[str]] = [[] for _ in range(len(out))]
    for i in np.flatnonzero((land == 0).to_numpy()):
        notes[i].append("land_mu = 0")

    for g in config.groups.values():
        mask = (out["group"] == g.key).to_numpy()
        if not mask.any():
            continue
        idx = out.index[mask]
        total_w = g.total_weight
        points = pd.DataFrame(index=idx)
        reweight_missing = pd.Series(0.0, index=idx)
        for iw in g.indicators:
            ind = INDICATORS[iw.key]
            v = values.loc[idx, iw.key]
            out.loc[idx, iw.key] = v
            ratio = v / iw.benchmark
            if config.cap_ratio is not None:
                ratio = ratio.clip(upper=config.cap_ratio)
            pts = iw.weight * ratio
            missing = pts.isna()
            if missing.any():
                if iw.missing == "group_mean":
                    mean = pts[~missing].mean() if (~missing).any() else 0.0
                    fill, how = float(mean), f"group mean {float(mean):.4g}"
                elif iw.missing == "zero":
                    fill, how = 0.0, "0 points"
                else:
                    fill, how = 0.0, "reweighted"
                    reweight_missing[missing] += iw.weight
                pts[missing] = fill
                for j in idx[missing]:
                    why = _missing_reason(df.loc[j], ind)
                    notes[j].append(f"{iw.key} missing ({why}): {how}")
            points[iw.key] = pts
            out.loc[idx, f"points_{iw.key}"] = pts
        raw = points.sum(axis=1)
        avail = total_w - reweight_missing
        with np.errstate(divide="ignore", invalid="ignore"):
            score = raw * total_w / avail
        score[avail <= 0] = np.nan
        out.loc[idx, "score"] = score
        cls, rank = _classify(score, g.classes)
        out.loc[idx, "class"] = cls
        out.loc[idx, "rank"] = rank
        out.loc[idx, "group_size"] = int(score.notna().sum())
    out["notes"] = ["; ".join(n) for n in notes]
    order = {k: n for n, k in enumerate(config.groups)}
    out = out.assign(_g=out["group"].map(order)).sort_values(
        ["_g", "rank", "enterprise_id"], na_position="last"
    )
    out = out.drop(columns="_g").reset_index(drop=True)
    logger.info(
        "evaluated %d firm(s) with %s: %s",
        len(out),
        config.name,
        ", ".join(f"{c}={int((out['class'] == c).sum())}" for c in CLASSES),
    )
    return out


def _missing_reason(row: pd.Series, ind: Indicator) -> str:
    if ind.denominator == "land_mu":
        reg, leased = row.get("land_mu_registered"), row.get("land_mu_leased")
        if pd.isna(reg) and pd.isna(leased):
            return "no land area"
        if pd.isna(row.get(ind.numerator)):
            return f"no {ind.numerator}"
        return "land_mu = 0"
    den = row.get(ind.denominator)
    if pd.isna(row.get(ind.numerator)):
        return f"no {ind.numerator}"
    if pd.isna(den):
        return f"no {ind.denominator}"
    return f"{ind.denominator} = 0"


# ---------------------------------------------------------------------------
# Summaries, candidates, roles
# ---------------------------------------------------------------------------


def summarize(result: pd.DataFrame, *, by_group: bool = False) -> pd.DataFrame:
    """Firms, land, tax and value added by class (and group), with land shares.

    Rows come in class order A–D (then ``unclassified``); ``land_share`` is the
    share of the evaluated land. Sums are conserved: the rows add up to the
    totals of ``result``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"class": ["A", "D", "A"], "group": ["above"] * 3,
    ...                   "land_mu": [10.0, 30.0, 10.0], "tax_wan": [500.0, 20.0, 300.0],
    ...                   "added_value_wan": [1.0, 1.0, 1.0]})
    >>> summarize(r)[["class", "firms", "land_mu", "tax_wan", "land_share"]].values.tolist()
    [['A', 2, 20.0, 800.0, 0.4], ['D', 1, 30.0, 20.0, 0.6]]
    """
    df = result.copy()
    df["class"] = df["class"].astype("object").where(df["class"].notna(), "unclassified")
    keys = ["group", "class"] if by_group else ["class"]
    agg = (
        df.groupby(keys, dropna=False)
        .agg(
            firms=("class", "size"),
            land_mu=("land_mu", lambda s: s.sum(min_count=1)),
            tax_wan=("tax_wan", lambda s: s.sum(min_count=1)),
            added_value_wan=("added_value_wan", lambda s: s.sum(min_count=1)),
        )
        .reset_index()
    )
    total_land = df["land_mu"].sum()
    agg["land_share"] = agg["land_mu"] / total_land if total_land else np.nan
    order = {c: n for n, c in enumerate((*CLASSES, "unclassified"))}
    agg = agg.assign(_o=agg["class"].map(order)).sort_values([*keys[:-1], "_o"])
    agg["firms"] = agg["firms"].astype("int64")
    return agg.drop(columns="_o").reset_index(drop=True)


def low_efficiency_candidates(
    parcels: pd.DataFrame,
    result: pd.DataFrame | None = None,
    *,
    classes: Iterable[str] = ("D",),
) -> pd.DataFrame:
    """Parcels that are candidates for release: class-D firms' parcels and idle parcels.

    Parameters
    ----------
    parcels
        The ``parcels`` table (a GeoDataFrame keeps its geometry).
    result
        The output of :func:`evaluate`; without it only idle parcels are found.
    classes
        The classes whose parcels count as low-efficiency (D by default).

    Returns
    -------
    pandas.DataFrame
        The candidate rows of ``parcels`` plus ``reasons`` (``class_D``,
        ``idle``, joined by ``;``), ``reason_zh`` and ``reason_en``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"parcel_id": ["p1", "p2", "p3"],
    ...                   "status": ["operating", "idle", "operating"]})
    >>> r = pd.DataFrame({"parcel_id": ["p1", "p3"], "class": ["D", "B"]})
    >>> low_efficiency_candidates(p, r)[["parcel_id", "reasons"]].values.tolist()
    [['p1', 'class_D'], ['p2', 'idle']]
    """
    classes = tuple(classes)
    reasons = pd.Series([[] for _ in range(len(parcels))], index=parcels.index, dtype="object")
    if result is not None and len(result):
        low = result[result["class"].isin(classes)]
        for pid, cls in zip(low["parcel_id"], low["class"], strict=True):
            if pd.isna(pid):
                continue
            for i in parcels.index[parcels["parcel_id"] == pid]:
                code = f"class_{cls}"
                if code not in reasons[i]:
                    reasons[i].append(code)
    if "status" in parcels.columns:
        for i in parcels.index[parcels["status"] == "idle"]:
            reasons[i].append("idle")
    keep = reasons.map(bool)
    out = parcels[keep].copy()
    text = {
        "idle": ("闲置土地", "idle land"),
        **{f"class_{c}": (f"亩均评价{c}类企业用地", f"land of a class-{c} firm") for c in CLASSES},
    }
    out["reasons"] = [";".join(r) for r in reasons[keep]]
    out["reason_zh"] = ["；".join(text[c][0] for c in r) for r in reasons[keep]]
    out["reason_en"] = ["; ".join(text[c][1] for c in r) for r in reasons[keep]]
    return out


def drop_internal(df: pd.DataFrame, *, role: str) -> pd.DataFrame:
    """Drop the fields a role may not receive.

    - ``planner``: everything is kept;
    - ``investment`` (招商): internal fields (:data:`geo.schema.INTERNAL_FIELDS`:
      firm ``name``, former enterprise, owner, compensation, contact) are dropped;
    - ``investor`` and ``public``: internal fields and the firm and parcel keys
      (``enterprise_id``, ``parcel_id``) are dropped, so a score cannot be tied
      to a firm or a site. Show them class summaries (:func:`summarize`), not
      per-firm tables.

    Raises
    ------
    ValueError
        An unknown role.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.DataFrame({"enterprise_id": ["e1"], "name": ["某钢铁厂"], "score": [88.0]})
    >>> list(drop_internal(r, role="investment").columns)
    ['enterprise_id', 'score']
    >>> list(drop_internal(r, role="investor").columns)
    ['score']
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")
    if role == "planner":
        return df
    drop = set(INTERNAL_FIELDS)
    if role in ("investor", "public"):
        drop |= {"enterprise_id", "parcel_id"}
    return df.drop(columns=[c for c in df.columns if c in drop])


__all__ = [
    "CLASSES",
    "CLASS_LABELS",
    "DEFAULT_PRESET",
    "INDICATORS",
    "MISSING_POLICIES",
    "ROLES",
    "BenefitConfig",
    "BenefitConfigError",
    "BenefitInputError",
    "ClassScheme",
    "Group",
    "Indicator",
    "IndicatorWeight",
    "compute_indicators",
    "drop_internal",
    "evaluate",
    "list_presets",
    "load_benefit_config",
    "load_preset",
    "low_efficiency_candidates",
    "parse_benefit_config",
    "summarize",
]
