"""Release summaries: freed land by area, status, year, industry, district (architecture.md §5)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.crs import CRSError, m2_to_ha, m2_to_mu
from geo.release._common import (
    _BY_SOURCE,
    BY_CHOICES,
    OUTSIDE_ID,
    OUTSIDE_NAME,
    OUTSIDE_NAME_EN,
    OverlapRule,
    ReleaseError,
)
from geo.release.areas import area_levels, exclusive_geometries, overlap_priority, select_areas
from geo.release.intersect import _AreaIndex, _as_geometry_array, intersection_areas
from geo.schema import FREED_STATUSES, STATUSES

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Release summaries
# ---------------------------------------------------------------------------


def _check_crs(parcels: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None) -> None:
    crs = parcels.crs
    if crs is not None and CRS.from_user_input(crs).is_geographic:
        raise CRSError(
            "parcels are in degrees; areas must be computed in a projected CRS: open the "
            "workspace with geo.workspace.open_workspace or use geo.crs.to_projected first"
        )
    if (
        areas is not None
        and areas.crs is not None
        and crs is not None
        and CRS.from_user_input(areas.crs) != CRS.from_user_input(crs)
    ):
        raise CRSError(
            f"parcels ({CRS.from_user_input(crs).to_string()}) and areas "
            f"({CRS.from_user_input(areas.crs).to_string()}) are in different CRSs; "
            f"reproject the areas with areas.to_crs(parcels.crs)"
        )


def check_statuses(statuses: Iterable[str] | None) -> list[str]:
    """Validated statuses (default: freed land), in lifecycle order.

    Examples
    --------
    >>> check_statuses(None)
    ['released', 'stored', 'supplied', 'in_production']
    >>> check_statuses(["idle", "released"])
    ['released', 'idle']
    """
    if isinstance(statuses, str):
        statuses = [statuses]
    wanted = set(FREED_STATUSES) if statuses is None else {str(s) for s in statuses}
    bad = sorted(wanted - set(STATUSES))
    if bad:
        raise ReleaseError(
            f"unknown status(es) {', '.join(bad)}; valid statuses: {', '.join(STATUSES)} "
            f"(freed land = {', '.join(s for s in STATUSES if s in FREED_STATUSES)})"
        )
    return [s for s in STATUSES if s in wanted]


def check_by(by: Iterable[str] | str) -> list[str]:
    """Validated grouping dimensions, without repeats.

    Examples
    --------
    >>> check_by(["area", "status", "area"])
    ['area', 'status']
    """
    items = [by] if isinstance(by, str) else list(by)
    out: list[str] = []
    for b in items:
        if b not in BY_CHOICES:
            raise ReleaseError(f"cannot group by {b!r}; choose from {', '.join(BY_CHOICES)}")
        if b not in out:
            out.append(b)
    return out


def _selected_parcels(parcels: gpd.GeoDataFrame, statuses: list[str]) -> gpd.GeoDataFrame:
    if "status" not in parcels.columns:
        raise ReleaseError("parcels have no 'status' column (docs/architecture.md §3)")
    geoms = _as_geometry_array(parcels)
    sel = parcels["status"].isin(statuses).to_numpy() & ~(
        shapely.is_missing(geoms) | shapely.is_empty(geoms)
    )
    return parcels[sel]


def _level_indexes(
    areas: gpd.GeoDataFrame, overlap: OverlapRule, *, own: bool = False
) -> Iterator[tuple[int, np.ndarray, np.ndarray, _AreaIndex]]:
    """Per level: its value, its areas' positions, their geometries without overlaps and
    their index (``own``: no one else holds the geometries, see :class:`_AreaIndex`)."""
    levels = area_levels(areas, within=areas["area_id"].astype(str)).to_numpy()
    agg = _as_geometry_array(areas)
    for lv in np.unique(levels):
        members = np.flatnonzero(levels == lv)
        sub = areas.iloc[members]
        geoms = exclusive_geometries(agg[members], priority=overlap_priority(sub, overlap=overlap))
        yield int(lv), members, geoms, _AreaIndex(geoms, own=own)


class PreparedAreas:
    """Areas prepared once for many :func:`release_summary` calls on different parcels.

    Per level, the areas' geometries without overlaps
    (:func:`exclusive_geometries`) and their index are built on first use
    and kept. Pickled (e.g. broadcast to dask workers), only the areas and
    the overlap rule travel: each process builds the rest once, not once per
    call.

    Parameters
    ----------
    areas
        The areas to cut by (already selected, e.g. with :func:`select_areas`).
    overlap
        Who gets the overlap of two areas of one level (:func:`release_summary`).
    """

    def __init__(self, areas: gpd.GeoDataFrame, *, overlap: OverlapRule = "smallest") -> None:
        self.areas = areas
        self.overlap = overlap
        self._levels: list[tuple[int, np.ndarray, np.ndarray, _AreaIndex]] | None = None
        self._lock = threading.Lock()
        self._own = False  # True once unpickled: the geometries are this process's own

    def levels(self) -> list[tuple[int, np.ndarray, np.ndarray, _AreaIndex]]:
        """Per level: its value, its areas' positions, their exclusive geometries, their index."""
        with self._lock:
            if self._levels is None:
                self._levels = list(_level_indexes(self.areas, self.overlap, own=self._own))
            return self._levels

    def __getstate__(self) -> dict[str, Any]:
        return {"areas": self.areas, "overlap": self.overlap}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["areas"], overlap=state["overlap"])  # type: ignore[misc]
        self._own = True


def _piece_arrays(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | PreparedAreas | None,
    *,
    overlap: OverlapRule,
    threads: int | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Positional pieces: (parcel, level, area position or -1, area_m2)."""
    pgeoms = _as_geometry_array(parcels)
    if areas is None:
        idx = np.arange(len(parcels))
        return idx, np.zeros(len(idx), dtype=np.int64), np.full(len(idx), -1), shapely.area(pgeoms)
    # Areas given as a frame are prepared one level at a time, and not kept.
    levels = areas.levels() if isinstance(areas, PreparedAreas) else _level_indexes(areas, overlap)
    out_p, out_l, out_a, out_m = [], [], [], []
    for lv, members, geoms, index in levels:
        pieces = intersection_areas(pgeoms, geoms, outside=True, threads=threads, index=index)
        a = pieces["area"].to_numpy()
        out_p.append(pieces["parcel"].to_numpy())
        out_l.append(np.full(len(a), lv, dtype=np.int64))
        out_a.append(np.where(a >= 0, members[np.maximum(a, 0)], -1))
        out_m.append(pieces["area_m2"].to_numpy())
    return (
        np.concatenate(out_p),
        np.concatenate(out_l),
        np.concatenate(out_a),
        np.concatenate(out_m),
    )


def release_pieces(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | None = None,
    *,
    statuses: Iterable[str] | None = None,
    overlap: OverlapRule = "smallest",
    threads: int | None = None,
) -> pd.DataFrame:
    """The selected parcels cut into pieces by area, one block per level.

    Parameters
    ----------
    parcels
        Parcels in a projected CRS (metres), with ``parcel_id`` and ``status``.
    areas
        The areas to cut by (e.g. from :func:`select_areas`); None: no cutting.
    statuses
        Statuses to keep (default :data:`geo.schema.FREED_STATUSES`).
    overlap
        How overlaps within one level are shared (module docstring).
    threads
        Engine threads (default: every CPU this process may use).

    Returns
    -------
    pandas.DataFrame
        ``parcel_id``, ``level``, ``area_id`` (:data:`OUTSIDE_ID` outside),
        ``area_m2``. Within each level a parcel's pieces sum to its area.
    """
    wanted = check_statuses(statuses)
    _check_crs(parcels, areas)
    sel = _selected_parcels(parcels, wanted)
    p, lv, a, m2 = _piece_arrays(sel, areas, overlap=overlap, threads=threads)
    area_ids = (
        np.append(areas["area_id"].astype(str).to_numpy(), OUTSIDE_ID)
        if areas is not None
        else np.array([OUTSIDE_ID])
    )
    return pd.DataFrame(
        {
            "parcel_id": sel["parcel_id"].to_numpy()[p],
            "level": lv,
            "area_id": area_ids[a],
            "area_m2": m2,
        }
    )


def _dimension(parcels: gpd.GeoDataFrame, name: str) -> np.ndarray:
    if name == "year":
        if "released_on" not in parcels.columns:
            return pd.array([pd.NA] * len(parcels), dtype="Int64")
        return pd.to_datetime(parcels["released_on"], errors="coerce").dt.year.astype("Int64").array
    col = _BY_SOURCE[name]
    if col not in parcels.columns:
        raise ReleaseError(f"parcels have no {col!r} column to group by {name}")
    return parcels[col].to_numpy()


def _with_units(df: pd.DataFrame) -> pd.DataFrame:
    df["area_mu"] = m2_to_mu(df["area_m2"])
    df["area_ha"] = m2_to_ha(df["area_m2"])
    return df


def release_summary(
    parcels: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame | PreparedAreas | None = None,
    *,
    by: Iterable[str] | str = ("area",),
    statuses: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    layout: str | None = None,
    level: int | None = None,
    area_ids: Iterable[str] | None = None,
    overlap: OverlapRule = "smallest",
    threads: int | None = None,
) -> pd.DataFrame:
    """Land in the chosen statuses (default: freed land), totalled by the ``by`` dimensions.

    Parameters
    ----------
    parcels
        Parcels in a projected CRS in metres (``Workspace.parcels``).
    areas
        Planning areas (``Workspace.areas``); needed when grouping by area.
        Or :class:`PreparedAreas` of the areas already selected (for many
        calls on different parcels), with the same ``overlap`` rule.
    by
        Any of ``area``, ``status``, ``year`` (year of ``released_on``),
        ``industry`` (``industry_before``), ``district``, in the order of the
        output columns; several give the combinations (e.g. area × status).
    statuses
        Statuses to count (default :data:`geo.schema.FREED_STATUSES`).
    kinds, layout, level, area_ids
        Which areas (:func:`select_areas`); none: every area, by level.
    overlap
        ``"smallest"`` or ``"order"``: who gets the overlap of two areas of one
        level (module docstring).
    threads
        Engine threads (default: every CPU this process may use).

    Returns
    -------
    pandas.DataFrame
        By area: ``level``, ``area_id``, ``area_name``, ``area_name_en``,
        ``kind``, then the other dimensions, ``n_parcels`` (parcels with land in
        the group), ``area_m2``, ``area_mu``, ``area_ha``. Within each level the
        rows sum to the total of the selected parcels; the ``outside`` row
        holds the land outside every area of the level. Grouped by area alone,
        every selected area has a row, zero when it has no such land.

    Raises
    ------
    ReleaseError
        An unknown status, kind, layout, level, area ID or dimension (the
        message lists the valid ones).
    geo.crs.CRSError
        Parcels in degrees, or parcels and areas in different CRSs.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame(
    ...     {"parcel_id": ["A", "B"], "status": ["released", "stored"]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=4547)
    >>> areas = gpd.GeoDataFrame(
    ...     {"area_id": ["Z"], "name": ["开发区"], "kind": ["zone"]},
    ...     geometry=[box(50, 0, 150, 100)], crs=4547)
    >>> out = release_summary(parcels, areas)
    >>> out[["area_id", "n_parcels", "area_mu"]].values.tolist()
    [['Z', 2, 15.0], ['outside', 2, 15.0]]
    """
    dims = check_by(by)
    wanted = check_statuses(statuses)
    by_area = "area" in dims
    filters = kinds is not None or layout is not None or level is not None or area_ids is not None
    if filters and not by_area:
        raise ReleaseError(
            "kinds, layout, level and area_ids choose areas: add 'area' to by to use them"
        )
    if by_area and areas is None:
        raise ReleaseError("grouping by area needs the areas table")
    cut: gpd.GeoDataFrame | PreparedAreas | None = None
    if isinstance(areas, PreparedAreas):
        if filters or overlap != areas.overlap:
            raise ReleaseError(
                "prepared areas are already selected and cut by their overlap rule: "
                "give kinds, layout, level, area_ids and overlap when preparing them"
            )
        cut, areas = areas, areas.areas
    chosen = None
    if areas is not None and by_area:
        chosen = (
            select_areas(areas, kinds=kinds, layout=layout, level=level, area_ids=area_ids)
            if filters
            else areas
        )
        if not len(chosen):
            raise ReleaseError("the workspace has no planning areas")
    _check_crs(parcels, chosen)
    sel = _selected_parcels(parcels, wanted)
    if by_area and cut is None:
        cut = chosen
    p, lv, a, m2 = _piece_arrays(sel, cut if by_area else None, overlap=overlap, threads=threads)

    cols: dict[str, Any] = {}
    keys: list[str] = []
    if by_area:
        assert chosen is not None
        cols["level"] = lv
        cols["_area"] = a
        keys += ["level", "_area"]
    for d in dims:
        if d == "area":
            continue
        values = _dimension(sel, d)
        cols[BY_CHOICES[d]] = values[p] if len(p) else values[:0]
        keys.append(BY_CHOICES[d])
    cols["area_m2"] = m2
    frame = pd.DataFrame(cols)
    if keys:
        grouped = frame.groupby(keys, dropna=False, sort=False)["area_m2"]
        out = grouped.agg(["size", "sum"]).reset_index()
        out = out.rename(columns={"size": "n_parcels", "sum": "area_m2"})
    else:
        out = pd.DataFrame({"n_parcels": [len(frame)], "area_m2": [frame["area_m2"].sum()]})

    if by_area:
        assert chosen is not None
        levels = area_levels(chosen, within=chosen["area_id"].astype(str)).to_numpy()
        if dims == ["area"]:  # every area of each level, and outside, even when empty
            full = [(int(l_), i) for l_ in np.unique(levels) for i in np.flatnonzero(levels == l_)]
            full += [(int(l_), -1) for l_ in np.unique(levels)]
            grid = pd.DataFrame(full, columns=["level", "_area"])
            out = grid.merge(out, on=["level", "_area"], how="left")
            out["n_parcels"] = out["n_parcels"].fillna(0).astype("int64")
            out["area_m2"] = out["area_m2"].fillna(0.0)
        n = len(chosen)
        ids = np.append(chosen["area_id"].astype(str).to_numpy(), OUTSIDE_ID)
        names = np.append(_column(chosen, "name"), OUTSIDE_NAME)
        names_en = np.append(_column(chosen, "name_en"), OUTSIDE_NAME_EN)
        kinds_ = np.append(_column(chosen, "kind"), None)
        ai = out["_area"].to_numpy()
        ai = np.where(ai < 0, n, ai)
        out["_order"] = ai
        out.insert(1, "area_id", ids[ai])
        out.insert(2, "area_name", names[ai])
        out.insert(3, "area_name_en", names_en[ai])
        out.insert(4, "kind", kinds_[ai])
    out = _sort_summary(out, dims)
    out = out.drop(columns=[c for c in ("_area", "_order") if c in out.columns])
    out["n_parcels"] = out["n_parcels"].astype("int64")
    out = _with_units(out.reset_index(drop=True))
    logger.info(
        "release summary by %s: %d parcels in %s, %d rows",
        " × ".join(dims) or "nothing",
        len(sel),
        "/".join(wanted),
        len(out),
    )
    return out


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    if name in df.columns:
        return df[name].astype(object).where(df[name].notna(), None).to_numpy()
    return np.array([None] * len(df), dtype=object)


def _sort_summary(out: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    sort_cols, tmp = [], []
    if "area" in dims:
        sort_cols += ["level", "_order"]
    for d in dims:
        if d == "area":
            continue
        col = BY_CHOICES[d]
        if d == "status":
            key = f"_{col}"
            rank = {s: i for i, s in enumerate(STATUSES)}
            out[key] = out[col].map(rank).fillna(len(rank))
            sort_cols.append(key)
            tmp.append(key)
        else:
            sort_cols.append(col)
    if sort_cols:
        out = out.sort_values(sort_cols, kind="stable", na_position="last")
    return out.drop(columns=tmp)


def release_total_m2(parcels: gpd.GeoDataFrame, *, statuses: Iterable[str] | None = None) -> float:
    """Planar area (m²) of the parcels in ``statuses`` (default: freed land).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> parcels = gpd.GeoDataFrame({"status": ["released", "operating"]},
    ...     geometry=[box(0, 0, 10, 10), box(0, 0, 5, 5)], crs=4547)
    >>> release_total_m2(parcels), release_total_m2(parcels, statuses=["operating"])
    (100.0, 25.0)
    """
    _check_crs(parcels, None)
    sel = _selected_parcels(parcels, check_statuses(statuses))
    return float(shapely.area(_as_geometry_array(sel)).sum())


# ---------------------------------------------------------------------------
# Summaries of partitions, added up (the dask engine)
# ---------------------------------------------------------------------------


_TAG = "name_en"
"""Areas sent to the partitions carry their position in this column, which
:func:`release_summary` only echoes (as ``area_name_en``): it keys
the partial rows by area position even where an ``area_id`` has several
versions."""


def tag_areas(chosen: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``chosen`` with each area's position in :data:`_TAG`, for summaries of partitions."""
    tagged = chosen.copy()
    tagged[_TAG] = np.arange(len(chosen)).astype(str).astype(object)
    return tagged


def combine_summaries(
    parts: Iterable[pd.DataFrame],
    *,
    dims: list[str],
    chosen: pd.DataFrame | None,
    columns: list[str],
) -> pd.DataFrame:
    """Add up partial summaries of disjoint sets of parcels into one.

    Rows with the same keys (level and area position, then the other ``by``
    dimensions) are summed (``n_parcels``, ``area_m2``); the units are computed
    again and the rows sorted as :func:`release_summary` sorts
    them. With ``chosen`` (the areas, their geometry not needed), the parts were computed on
    :func:`tag_areas` of it.
    """
    frame = pd.concat(list(parts), ignore_index=True)
    by_area = "area" in dims
    keys = (["level", "area_name_en"] if by_area else []) + [
        BY_CHOICES[d] for d in dims if d != "area"
    ]
    if keys:
        out = (
            frame.groupby(keys, dropna=False, sort=False)[["n_parcels", "area_m2"]]
            .sum()
            .reset_index()
        )
    else:
        out = pd.DataFrame(
            {"n_parcels": [int(frame["n_parcels"].sum())], "area_m2": [frame["area_m2"].sum()]}
        )
    if by_area:
        assert chosen is not None
        n = len(chosen)
        tag = out["area_name_en"].to_numpy()
        pos = np.array([n if t == OUTSIDE_NAME_EN else int(t) for t in tag], dtype=np.int64)
        # The echoed columns, from the areas by position (as release_summary fills them).
        echo = {
            "area_id": np.append(chosen["area_id"].astype(str).to_numpy(), OUTSIDE_ID),
            "area_name": np.append(_column(chosen, "name"), OUTSIDE_NAME),
            "area_name_en": np.append(_column(chosen, _TAG), OUTSIDE_NAME_EN),
            "kind": np.append(_column(chosen, "kind"), np.array([None], dtype=object)),
        }
        out = out.drop(columns="area_name_en")
        for k, (col, values) in enumerate(echo.items(), start=1):
            out.insert(k, col, values[pos])
        out["_order"] = pos
    out = _sort_summary(out, dims)
    out = out.drop(columns=[c for c in ("_order",) if c in out.columns])
    out["n_parcels"] = out["n_parcels"].astype("int64")
    out["area_mu"] = m2_to_mu(out["area_m2"])
    out["area_ha"] = m2_to_ha(out["area_m2"])
    return out[[c for c in columns if c in out.columns]].reset_index(drop=True)
