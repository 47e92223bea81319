"""Per park: the ledgers, idle land, 尚可供应年限 and the 园区整合核查 figures.

The park of a parcel (for the ledgers by park) is the element of the chosen
areas it overlaps most (:func:`geo.capacity.containing_area`; ties to the
smaller element), or :data:`OUTSIDE`: each parcel in one park, so totals are
conserved. The 园区整合核查 table (:func:`park_check`) instead clips parcels
to every element (:func:`geo.release.intersect.intersection_areas`), as the
current-use table does: nested elements each receive their land.

尚可供应年限 (years of supply left) = available 亩 (批而未供) ÷ the average
yearly supplied 亩 of the last three full years before the day; "—" (NaN)
when nothing was supplied in those years. 批而未供率 = 批而未供 ÷ (批而未供 +
已供应), the approved land in Tenglong's sense (docs/architecture.md §5.10);
闲置土地率 = 闲置土地 ÷ 已供应; 现状/规划工业用地率 = industrial land ÷ the
element's area. These are the indicators of the 开发区整合优化核查 sheet (per
园区: 现状工业用地率, 批而未供面积与批而未供率, 已供应, 闲置土地面积与闲置土地率,
规划工业用地率, 尚可供应年限; areas planar and ellipsoidal).
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import ellipsoid_area_m2, m2_to_mu
from geo.lifecycle import as_of_date
from geo.supervision.ledgers import SupervisionInputError, parcel_ledger

logger = logging.getLogger(__name__)

OUTSIDE = "outside"
"""The park of a parcel that overlaps no element (区外)."""

PARK_KINDS: tuple[str, ...] = ("park", "base", "site")
"""Area kinds that are parks when no layout is chosen (园, 基地, 厂区)."""

SUPPLY_YEARS = 3
"""Full years whose average supply divides the available land."""

PLANNED_INDUSTRIAL = ("1001",)
"""用地用海 codes (prefixes) of industrial land; the level-1 code ``10`` counts too."""

CURRENT_INDUSTRIAL = ("1001",)
CURRENT_STORAGE = ("11",)
CURRENT_MINING = ("1002",)
"""用地用海 prefixes of current industrial, storage (11 仓储用地) and mining land, used when
the workspace has no land survey."""


def park_elements(
    areas: gpd.GeoDataFrame, layout: str | None = None, roads: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """The elements the figures are given for: a layout's, else the parks.

    ``layout`` is a layout name or a parent area's id
    (:func:`geo.layout.layout_elements`; corridors are derived from their
    roads). Without one: the areas of kind :data:`PARK_KINDS`, or every area
    when there is none of these kinds.
    """
    from geo.layout import derive_corridors, layout_elements

    if layout is not None:
        return derive_corridors(layout_elements(areas, layout), roads)
    kinds = areas["kind"].astype(str) if "kind" in areas.columns else pd.Series("", areas.index)
    parks = areas[kinds.isin(PARK_KINDS).to_numpy()]
    out = parks if len(parks) else areas
    geom = out.geometry.array
    ok = ~(shapely.is_missing(geom) | shapely.is_empty(geom))
    return out[ok]


def assign_parks(parcels: gpd.GeoDataFrame, elements: gpd.GeoDataFrame) -> pd.Series:
    """The ``area_id`` of the element each parcel overlaps most, or :data:`OUTSIDE`."""
    from geo.capacity import containing_area

    if elements.empty or parcels.empty:
        return pd.Series(OUTSIDE, index=parcels.index, dtype="object")
    got = containing_area(parcels, elements, require_targets=False, latest_only=False)["area_id"]
    return got.astype("object").where(got.notna(), OUTSIDE)


def supply_years(
    ledger: pd.DataFrame, *, as_of: Any = None, by: str | None = "park"
) -> pd.DataFrame:
    """尚可供应年限 per group: available 亩 ÷ average yearly supplied 亩 (last three full years).

    Parameters
    ----------
    ledger
        :func:`geo.supervision.parcel_ledger` rows (``by`` among its columns);
        ``area_m2``, ``ledger`` and ``supplied_on`` are read.
    as_of
        The day; the years are the three before its year.
    by
        A grouping column, or None for one row.

    Returns
    -------
    pandas.DataFrame
        ``by``, ``available_mu``, ``supplied_mu`` (the three years together),
        ``supply_per_year_mu``, ``years_left`` (NaN when nothing was supplied:
        shown as "—", never a division by zero), ``first_year``, ``last_year``.

    Examples
    --------
    >>> import pandas as pd
    >>> led = pd.DataFrame({"ledger": ["unsupplied", "supplied_unused", "completed"],
    ...     "area_m2": [60000.0, 20000.0, 10000.0],
    ...     "supplied_on": pd.to_datetime([None, "2023-05-01", "2021-02-01"])})
    >>> r = supply_years(led, as_of="2024-06-30", by=None).iloc[0]
    >>> float(r["available_mu"]), float(r["supply_per_year_mu"]), round(float(r["years_left"]), 2)
    (90.0, 15.0, 6.0)
    >>> bool(pd.isna(supply_years(led.iloc[:1], as_of="2024-06-30", by=None)["years_left"][0]))
    True
    """
    day = as_of_date(as_of)
    last, first = day.year - 1, day.year - SUPPLY_YEARS
    df = pd.DataFrame(
        {
            "key": ledger[by].astype("object") if by else "",
            "area_m2": pd.to_numeric(ledger["area_m2"], errors="coerce").fillna(0.0),
            "available": ledger["ledger"].astype(str) == "unsupplied",
            "year": pd.to_datetime(ledger["supplied_on"]).dt.year,
        }
    )
    df["in_window"] = df["year"].between(first, last)
    df["available_m2"] = df["area_m2"].where(df["available"], 0.0)
    df["window_m2"] = df["area_m2"].where(df["in_window"], 0.0)
    sums = df.groupby("key", sort=True)[["available_m2", "window_m2"]].sum()
    out = pd.DataFrame(
        {
            "available_mu": m2_to_mu(sums["available_m2"].astype(float)),
            "supplied_mu": m2_to_mu(sums["window_m2"].astype(float)),
        }
    )
    if out.empty:
        out = pd.DataFrame({"available_mu": [0.0], "supplied_mu": [0.0]}, index=[""])
    out["supply_per_year_mu"] = out["supplied_mu"] / SUPPLY_YEARS
    rate = out["supply_per_year_mu"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(rate > 0, out["available_mu"].to_numpy(dtype=float) / rate, np.nan)
    out["years_left"] = left
    out["first_year"], out["last_year"] = first, last
    out = out.rename_axis(by or "key").reset_index()
    return out if by else out.drop(columns="key")


def idle_parcels(parcels: pd.DataFrame, *, as_of: Any = None) -> pd.DataFrame:
    """The 闲置土地 stock: parcels in status ``idle`` or idle by art. 2 (:mod:`geo.lifecycle`).

    Returns
    -------
    pandas.DataFrame
        ``parcel_id`` (str), ``found_on`` (the day one full year ran out, or
        ``status_since`` of a parcel marked idle; NaT when unknown) and
        ``basis`` (``status`` or the rule id).
    """
    from geo.lifecycle import idle_rules

    day = as_of_date(as_of)
    rows: dict[str, tuple[Any, str]] = {}
    since = (
        pd.to_datetime(parcels["status_since"], errors="coerce")
        if "status_since" in parcels.columns
        else pd.Series(pd.NaT, index=parcels.index)
    )
    for pid, st, s in zip(parcels["parcel_id"].astype(str), parcels["status"], since, strict=True):
        if st == "idle":
            rows[pid] = (s if pd.notna(s) and s <= day else pd.NaT, "status")
    found = idle_rules(parcels, as_of=day)
    found = found[(found["result"] == "idle") & found["parcel_id"].notna()]
    for r in found.itertuples(index=False):
        when = day - pd.Timedelta(days=int(r.days_past_limit))
        pid = str(r.parcel_id)
        if pid not in rows or pd.isna(rows[pid][0]):
            rows[pid] = (when, r.rule_id)
    return pd.DataFrame(
        {
            "parcel_id": list(rows),
            "found_on": pd.to_datetime([v[0] for v in rows.values()]),
            "basis": [v[1] for v in rows.values()],
        }
    )


CLOSED_WORDS = frozenset({"closed", "disposed", "done", "处置完成", "已处置", "结案"})
"""Stage or status words of an idle-land case that is closed."""


def case_disposal(
    cases: pd.DataFrame | None, area_mu: dict[str, float], *, as_of: Any = None
) -> dict[str, float]:
    """The disposal rate of idle-land cases: closed ÷ all, by count and by 亩.

    A case is closed on ``closed_on`` (when on or before the day), or when
    its ``stage`` / ``status`` is one of :data:`CLOSED_WORDS`. Without a case
    table every figure is NaN ("—"): the rate is never guessed.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"parcel_id": ["a", "b"], "closed_on": ["2024-03-01", None]})
    >>> d = case_disposal(c, {"a": 3.0, "b": 1.0}, as_of="2024-06-30")
    >>> d["cases"], d["closed"], d["rate"], d["rate_mu"]
    (2.0, 1.0, 0.5, 0.75)
    """
    nan = float("nan")
    if cases is None or cases.empty or "parcel_id" not in cases.columns:
        return {"cases": nan, "closed": nan, "rate": nan, "cases_mu": nan, "rate_mu": nan}
    day = as_of_date(as_of)
    closed = pd.Series(False, index=cases.index)
    if "closed_on" in cases.columns:
        on = pd.to_datetime(cases["closed_on"], errors="coerce")
        closed |= on.notna() & (on <= day)
    for col in ("stage", "status"):
        if col in cases.columns:
            closed |= cases[col].astype("string").str.strip().isin(CLOSED_WORDS).fillna(False)
    mu = cases["parcel_id"].astype(str).map(area_mu).fillna(0.0).astype(float)
    n = float(len(cases))
    total_mu = float(mu.sum())
    return {
        "cases": n,
        "closed": float(closed.sum()),
        "rate": float(closed.sum()) / n,
        "cases_mu": total_mu,
        "rate_mu": float(mu[closed].sum()) / total_mu if total_mu > 0 else nan,
    }


def _prefixed(codes: pd.Series, prefixes: tuple[str, ...], *, level1: str | None = None) -> Any:
    s = codes.astype("string").str.strip()
    hit = s.str.startswith(prefixes).fillna(False)
    if level1 is not None:
        hit |= (s == level1).fillna(False)
    return hit.to_numpy(dtype=bool)


PARK_CHECK_AREAS: tuple[str, ...] = (
    "element_m2",
    "current_industrial_m2",
    "current_storage_m2",
    "current_mining_m2",
    "approved_m2",
    "unsupplied_m2",
    "supplied_m2",
    "idle_m2",
    "planned_industrial_m2",
)
"""The area columns of :func:`park_check` (planar m²; ``*_ellipsoid_m2`` alongside)."""


def park_check(
    parcels: gpd.GeoDataFrame,
    elements: gpd.GeoDataFrame,
    *,
    as_of: Any = None,
    survey: gpd.GeoDataFrame | None = None,
    contracts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """园区整合核查: the consolidation figures of every element (see the module docstring).

    Parameters
    ----------
    parcels, elements
        In one projected CRS (a workspace's ``parcels`` and
        :func:`park_elements`).
    survey
        The ``landuse_survey`` table: current use from its 图斑
        (:func:`geo.layout.current_use_summary`); without it, from the
        parcels' ``land_use_now``.
    contracts
        The ``contracts`` table or None (supply dates).

    Returns
    -------
    pandas.DataFrame
        One row per element: its ``area_id``, ``name``, ``name_en``,
        ``kind``; :data:`PARK_CHECK_AREAS` in planar m² and the same with
        ``_ellipsoid_m2`` (GRS80: the element's ellipsoidal ÷ planar ratio
        applied to its pieces); ``current_industrial_share``,
        ``unsupplied_share``, ``idle_share``, ``planned_industrial_share``
        (0–1, NaN where the denominator is 0), ``years_left`` and
        ``current_source`` (``survey`` or ``parcels``).
    """
    from geo.release.intersect import intersection_areas

    if elements.crs is not None and parcels.crs is not None and elements.crs != parcels.crs:
        raise SupervisionInputError("parcels and areas are in different CRS; open one workspace")
    day = as_of_date(as_of)
    ledger = parcel_ledger(parcels, as_of=day, contracts=contracts)
    led = ledger.set_index("parcel_id")
    idle = set(idle_parcels(parcels, as_of=day)["parcel_id"])
    base = pd.DataFrame(elements.drop(columns=elements.geometry.name)).reset_index(drop=True)
    keep = [c for c in ("area_id", "name", "name_en", "kind") if c in base.columns]
    out = base[keep].copy()
    geoms = elements.geometry.array
    element_m2 = np.nan_to_num(np.asarray(shapely.area(geoms), dtype="float64"))
    ell = np.nan_to_num(ellipsoid_area_m2(np.asarray(geoms, dtype=object), elements.crs))
    ratio = np.where(element_m2 > 0, ell / np.where(element_m2 > 0, element_m2, 1.0), 1.0)
    n = len(elements)
    sums = {c: np.zeros(n) for c in PARK_CHECK_AREAS}
    sums["element_m2"] = element_m2
    window = np.zeros(n)
    first, last = day.year - SUPPLY_YEARS, day.year - 1
    if len(parcels) and n:
        pieces = intersection_areas(parcels.geometry.array, geoms, outside=False)
        pi = pieces["parcel"].to_numpy()
        where = pieces["area"].to_numpy()
        m2 = pieces["area_m2"].to_numpy()
        pid = parcels["parcel_id"].astype(str).to_numpy()[pi]
        lg = led["ledger"].reindex(pid).to_numpy()
        supplied_year = pd.to_datetime(led["supplied_on"].reindex(pid)).dt.year.to_numpy()

        def add(col: str, mask: np.ndarray) -> None:
            sums[col] = np.bincount(where[mask], weights=m2[mask], minlength=n)

        in_ledger = pd.notna(lg)
        add("approved_m2", in_ledger)
        add("unsupplied_m2", lg == "unsupplied")
        add("supplied_m2", in_ledger & (lg != "unsupplied"))
        add("idle_m2", np.isin(pid, list(idle)))
        if "land_use_planned" in parcels.columns:
            planned = parcels["land_use_planned"].iloc[pi].reset_index(drop=True)
            add("planned_industrial_m2", _prefixed(planned, PLANNED_INDUSTRIAL, level1="10"))
        if survey is None and "land_use_now" in parcels.columns:
            now = parcels["land_use_now"].iloc[pi].reset_index(drop=True)
            add("current_industrial_m2", _prefixed(now, CURRENT_INDUSTRIAL, level1="10"))
            add("current_storage_m2", _prefixed(now, CURRENT_STORAGE))
            add("current_mining_m2", _prefixed(now, CURRENT_MINING))
        ok = (supplied_year >= first) & (supplied_year <= last)
        window = np.bincount(where[ok], weights=m2[ok], minlength=n)
    source = "parcels"
    if survey is not None and len(survey):
        from geo.layout import current_use_summary

        cu = current_use_summary(survey.to_crs(elements.crs), elements)
        for key in ("industrial", "storage", "mining"):
            sums[f"current_{key}_m2"] = cu[f"{key}_mu"].to_numpy(dtype=float) * (10000.0 / 15.0)
        source = "survey"
    for col in PARK_CHECK_AREAS:
        out[col] = sums[col]
        out[col.replace("_m2", "_ellipsoid_m2")] = sums[col] * ratio

    def share(num: str, den: str) -> np.ndarray:
        d = out[den].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(d > 0, out[num].to_numpy(dtype=float) / np.where(d > 0, d, 1), np.nan)

    out["current_industrial_share"] = share("current_industrial_m2", "element_m2")
    out["unsupplied_share"] = share("unsupplied_m2", "approved_m2")
    out["idle_share"] = share("idle_m2", "supplied_m2")
    out["planned_industrial_share"] = share("planned_industrial_m2", "element_m2")
    per_year = window / SUPPLY_YEARS
    with np.errstate(divide="ignore", invalid="ignore"):
        out["years_left"] = np.where(
            per_year > 0,
            out["unsupplied_m2"].to_numpy() / np.where(per_year > 0, per_year, 1),
            np.nan,
        )
    out["supply_per_year_m2"] = per_year
    out["current_source"] = source
    logger.info("park check as of %s: %d element(s), current use from %s", day.date(), n, source)
    return out


__all__ = [
    "CLOSED_WORDS",
    "OUTSIDE",
    "PARK_CHECK_AREAS",
    "PARK_KINDS",
    "SUPPLY_YEARS",
    "assign_parks",
    "case_disposal",
    "idle_parcels",
    "park_check",
    "park_elements",
    "supply_years",
]
