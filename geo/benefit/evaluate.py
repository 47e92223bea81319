"""Scoring and classing enterprises (亩均论英雄), summaries, low-efficiency candidates."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from geo.access import ROLES
from geo.benefit.config import (
    BenefitConfig,
    ClassScheme,
    IndicatorWeight,
    load_benefit_config,
    load_preset,
)
from geo.benefit.indicators import (
    _CARRIED,
    _NONNEGATIVE,
    CLASSES,
    DEFAULT_PRESET,
    INDICATORS,
    T_CLASS,
    BenefitInputError,
    Indicator,
    compute_indicators,
)
from geo.schema import INTERNAL_FIELDS

logger = logging.getLogger(__name__)


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
    full = df
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
    eval_year = _evaluated_year(df, year, config)
    outside = _out_of_scope(df, land, config)
    for i in np.flatnonzero(outside.to_numpy()):
        notes[i].append(
            f"out of scope: {land.iloc[i]:.2f} 亩 < {config.scope.min_land_mu:g} 亩 "
            f"({df['scale'].iloc[i]})"
        )
    t_reasons = _t_reasons(df, eval_year, config) if config.t_class else {}
    for i, why in t_reasons.items():
        if not outside.iloc[i]:
            notes[i].append(f"T (not suited to evaluation): {why}")
    is_t = pd.Series(False, index=out.index)
    is_t.iloc[list(t_reasons)] = True
    is_t &= ~outside
    ranked = ~(outside | is_t)
    benchmarks: dict[str, dict[str, tuple[float, str]]] = {}

    for g in config.groups.values():
        in_group = (out["group"] == g.key).to_numpy()
        if not in_group.any():
            continue
        for iw in g.indicators:  # shown for every firm of the group, T and out of scope too
            out.loc[out.index[in_group], iw.key] = values.loc[out.index[in_group], iw.key]
        mask = in_group & ranked.to_numpy()
        if not mask.any():
            continue
        idx = out.index[mask]
        bench = {
            iw.key: _benchmark(iw, g.key, full, eval_year, config, values.loc[idx, iw.key])
            for iw in g.indicators
        }
        benchmarks[g.key] = bench
        total_w = g.total_weight
        points = pd.DataFrame(index=idx)
        reweight_missing = pd.Series(0.0, index=idx)
        for iw in g.indicators:
            ind = INDICATORS[iw.key]
            v = values.loc[idx, iw.key]
            ratio = v / bench[iw.key][0]
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
    out.loc[is_t.to_numpy(), "class"] = T_CLASS
    out["notes"] = ["; ".join(n) for n in notes]
    order = {k: n for n, k in enumerate(config.groups)}
    out = out.assign(_g=out["group"].map(order)).sort_values(
        ["_g", "rank", "enterprise_id"], na_position="last"
    )
    out = out.drop(columns="_g").reset_index(drop=True)
    out.attrs["benchmarks"] = benchmarks
    out.attrs["preset"] = config.name
    logger.info(
        "evaluated %d firm(s) with %s: %s",
        len(out),
        config.name,
        ", ".join(f"{c}={int((out['class'] == c).sum())}" for c in (*CLASSES, T_CLASS)),
    )
    return out


def _evaluated_year(df: pd.DataFrame, year: int | None, config: BenefitConfig) -> int | None:
    if year is not None:
        return int(year)
    if "year" in df.columns:
        years = pd.to_numeric(df["year"], errors="coerce").dropna()
        if len(years):
            return int(years.max())
    return config.evaluation_year


def _out_of_scope(df: pd.DataFrame, land: pd.Series, config: BenefitConfig) -> pd.Series:
    """Firms below the scope's land floor (淮安: 规下 under 3 亩 are not evaluated)."""
    scope = config.scope
    if not scope.min_land_mu or "scale" not in df.columns:
        return pd.Series(False, index=df.index)
    scaled = df["scale"].astype(str).str.strip().isin(scope.scales)
    return (scaled & (land.fillna(0.0) < scope.min_land_mu)).astype(bool)


def _truthy(value: object) -> bool:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "是", "t")
    return bool(value)


def _t_reasons(df: pd.DataFrame, year: int | None, config: BenefitConfig) -> dict[int, str]:
    """Positions of the T-class firms (不适合评价) and why each is T."""
    tc = config.t_class
    assert tc is not None
    out: dict[int, str] = {}
    if tc.flag_column in df.columns:
        for i in np.flatnonzero([_truthy(v) for v in df[tc.flag_column]]):
            out[int(i)] = f"{tc.flag_column} is set"
    if tc.industries and "industry" in df.columns:
        hit = df["industry"].astype(str).str.strip().isin(tc.industries).to_numpy()
        for i in np.flatnonzero(hit):
            out.setdefault(int(i), f"supplier industry {df['industry'].iloc[i]}")
    if tc.industry_codes and "industry_code" in df.columns:
        codes = df["industry_code"].astype("string").str.strip()
        hit = np.zeros(len(df), dtype=bool)
        for prefix in tc.industry_codes:
            hit |= codes.str.startswith(prefix).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(hit):
            out.setdefault(int(i), f"supplier industry code {codes.iloc[i]}")
    if tc.new_firm_years and year is not None and "production_year" in df.columns:
        started = pd.to_numeric(df["production_year"], errors="coerce")
        new = (year - started < tc.new_firm_years).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(new):
            out.setdefault(
                int(i),
                f"in production since {int(started.iloc[i])}, "
                f"under {tc.new_firm_years} years by {year}",
            )
    return out


def _benchmark(
    iw: IndicatorWeight,
    group: str,
    full: pd.DataFrame,
    year: int | None,
    config: BenefitConfig,
    current: pd.Series,
) -> tuple[float, str]:
    """The benchmark of one indicator and where it comes from.

    A fixed benchmark is the preset's. A factor benchmark is ``factor`` × the
    mean of the indicator over the group's ranked firms of the year before
    (淮安 2024: "参照各县(区)企业上年度该项指标平均值2倍左右设定"); without
    that year the evaluated year's own mean is used, and the basis says so.
    """
    if iw.benchmark_factor is None:
        assert iw.benchmark is not None
        return float(iw.benchmark), "preset"
    factor = iw.benchmark_factor
    if year is not None and "year" in full.columns:
        years = pd.to_numeric(full["year"], errors="coerce")
        prev = full[years == year - 1].reset_index(drop=True)
        if len(prev):
            reg = pd.to_numeric(prev.get("land_mu_registered"), errors="coerce")
            leased = pd.to_numeric(prev.get("land_mu_leased"), errors="coerce")
            land = reg.fillna(0.0) + leased.fillna(0.0)
            keep = (prev["scale"].map(config.group_of) == group) & ~_out_of_scope(
                prev, land, config
            )
            if config.t_class:
                t_rows = _t_reasons(prev, year - 1, config)
                keep.iloc[list(t_rows)] = False
            vals = compute_indicators(prev[keep.to_numpy()], [iw.key])[iw.key].dropna()
            if len(vals) and float(vals.mean()) > 0:
                return factor * float(vals.mean()), f"{factor:g} × {year - 1} mean"
    vals = current.dropna()
    mean = float(vals.mean()) if len(vals) else float("nan")
    if not mean > 0:
        raise BenefitInputError(
            f"{config.name}: the benchmark of {iw.key} is {factor:g} × a yearly mean, but "
            f"no firm has a value in {year - 1 if year else 'the previous year'} or {year}; "
            f"fill the indicator's columns"
        )
    logger.info("%s: no %s figures for %s; benchmark from %s", config.name, year, iw.key, year)
    return factor * mean, f"{factor:g} × {year} mean (no {year - 1 if year else ''} data)"


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
    order = {c: n for n, c in enumerate((*CLASSES, T_CLASS, "unclassified"))}
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
