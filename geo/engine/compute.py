"""The calculations with a choice of engine: in memory, or dask over parcel partitions.

``engine="memory"`` (the default) is the library as it is:
:func:`geo.release.release_summary` and ``tenglong check``'s
:func:`geo.checks.run_checks` on a workspace in memory.

``engine="dask"`` runs *the same functions* on each parcel partition of a
GeoParquet dataset (:mod:`geo.dataset.parquet`) with dask-geopandas
``map_partitions``, against the small tables (areas, milestones…) broadcast
to every worker, and adds the partial results up:

- release summary: each partition gives its rows (per level, area and the
  other ``by`` dimensions: ``n_parcels`` and ``area_m2``); rows with the same
  keys are summed, then sorted and given their units as the in-memory engine
  does. A parcel is in exactly one partition and is clipped the same way
  wherever it is, so the figures are those of the in-memory engine up to the
  order of floating-point additions (about 1e-15 relative);
- checks: each partition gives the findings about its parcels; the findings
  about the workspace as a whole (area targets, milestones, rules not
  applied) are computed once, on the client.

Memory stays flat as the inventory grows: a worker holds one partition at a
time, and only summary rows travel back.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.checks import SEVERITIES, run_checks as _run_checks, typed_findings
from geo.crs import m2_to_mu, transform_bounds
from geo.dataset import Dataset, open_dataset
from geo.dataset.parquet import Bounds, Engine
from geo.engine._errors import EngineError
from geo.engine.registry import Measure, Target, empty_parcels, register, run
from geo.grid import cell_sums
from geo.layout import LayoutError, elements_for, with_shares
from geo.lifecycle import as_of_date
from geo.release import (
    OUTSIDE_ID,
    OverlapRule,
    PreparedAreas,
    area_levels,
    check_by,
    check_statuses,
    combine_summaries,
    release_summary as _release_summary,
    select_areas,
    tag_areas,
)
from geo.workspace import Workspace

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

logger = logging.getLogger(__name__)

_SOURCE_COLUMNS = {"year": "released_on", "industry": "industry_before", "district": "district"}


# ---------------------------------------------------------------------------
# Release summaries
# ---------------------------------------------------------------------------


def _stand_in(areas: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The areas with tiny disjoint squares as geometry: enough to check the options and
    get the output columns, without preparing the real boundaries."""
    if areas is None:
        return None
    x = np.arange(len(areas), dtype=float) * 2.0
    boxes = gpd.GeoSeries(shapely.box(x, 0.0, x + 1.0, 1.0), index=areas.index, crs=areas.crs)
    return areas.set_geometry(boxes.rename(areas.geometry.name))


def _summary_columns(ds: Dataset, dims: list[str]) -> list[str]:
    """The parcel columns a summary by ``dims`` reads (those the parcels have: a missing
    one is reported by :func:`geo.release.release_summary`)."""
    have = ds.parcel_columns
    cols = ["parcel_id", "status"]
    for d in dims:
        src = _SOURCE_COLUMNS.get(d)
        if src is not None and src not in cols:
            cols.append(src)
    return [c for c in cols if c in have]


_RELEASE_OPTIONS = ("statuses", "kinds", "layout", "level", "area_ids", "overlap")


def _release_prepare(ds: Dataset, options: Mapping[str, Any], engine: str) -> dict[str, Any]:
    areas = options.get("areas")
    if areas is None:
        areas = ds.get("areas")
    dims = check_by(options.get("by", ("area",)))
    opts: dict[str, Any] = {k: options.get(k) for k in _RELEASE_OPTIONS}
    opts["overlap"] = opts["overlap"] or "smallest"
    opts["by"] = dims
    if engine == "memory":
        return {"areas": areas, "options": opts, "threads": options.get("threads"), "whole": True}
    # An empty partition checks every option here, before any worker starts.
    empty = empty_parcels(ds, _summary_columns(ds, dims))
    meta = _release_summary(empty, _stand_in(areas), threads=1, **opts).iloc[:0]
    chosen, part_areas, part_opts = None, None, opts  # areas are only used to group by area
    if "area" in dims and areas is not None:
        filters = any(opts[k] is not None for k in ("kinds", "layout", "level", "area_ids"))
        chosen = (
            select_areas(
                areas,
                kinds=opts["kinds"],
                layout=opts["layout"],
                level=opts["level"],
                area_ids=opts["area_ids"],
            )
            if filters
            else areas
        )
        # The selection is made here; the partitions get the chosen areas, tagged, and
        # each worker prepares them once for all its partitions.
        part_areas = PreparedAreas(tag_areas(chosen), overlap=opts["overlap"])
        part_opts = {**opts, "kinds": None, "layout": None, "level": None, "area_ids": None}
        # The client adds the partial rows up with the areas' attributes alone.
        chosen = pd.DataFrame(chosen.drop(columns=chosen.geometry.name))
    return {
        "areas": part_areas,
        "options": part_opts,
        "threads": 1,  # one thread: workers are processes
        "whole": False,
        "chosen": chosen,
        "dims": dims,
        "columns": list(meta.columns),
    }


def _release_partition(part: gpd.GeoDataFrame, ctx: Mapping[str, Any]) -> pd.DataFrame:
    """:func:`geo.release.release_summary` of one partition."""
    return _release_summary(part, ctx["areas"], threads=ctx["threads"], **ctx["options"])


def _release_combine(parts: list[pd.DataFrame], ctx: Mapping[str, Any]) -> pd.DataFrame:
    if ctx["whole"]:
        return parts[0]
    return combine_summaries(parts, dims=ctx["dims"], chosen=ctx["chosen"], columns=ctx["columns"])


RELEASE_SUMMARY = register(
    Measure(
        name="release_summary",
        columns=lambda ds, o: _summary_columns(ds, check_by(o.get("by", ("area",)))),
        statuses=lambda o: list(o["statuses"]) if o.get("statuses") is not None else None,
        prepare=_release_prepare,
        partition=_release_partition,
        combine=_release_combine,
    )
)
"""Freed land by area, status, year, industry or district (:func:`geo.release.release_summary`)."""


def release_summary(
    dataset: Target,
    areas: gpd.GeoDataFrame | None = None,
    *,
    by: Iterable[str] | str = ("area",),
    statuses: Iterable[str] | None = None,
    kinds: Iterable[str] | None = None,
    layout: str | None = None,
    level: int | None = None,
    area_ids: Iterable[str] | None = None,
    overlap: OverlapRule = "smallest",
    engine: Engine = "memory",
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    threads: int | None = None,
) -> pd.DataFrame:
    """Release summary of a dataset, in memory or with dask (the ``release_summary`` measure).

    Parameters
    ----------
    dataset
        A :class:`~geo.dataset.Dataset` (a workspace, a GeoParquet dataset),
        or the path of a GeoPackage or dataset directory.
    areas
        The areas to cut by (default: the dataset's areas table).
    by, statuses, kinds, layout, level, area_ids, overlap
        As :func:`geo.release.release_summary`.
    engine, client, workers, scheduler, progress
        As :func:`geo.engine.registry.run`.
    threads
        Engine threads (memory engine).

    Returns
    -------
    pandas.DataFrame
        The same table as :func:`geo.release.release_summary`, with either
        engine. Each dask partition gives its rows (per level, area and the
        other ``by`` dimensions); rows with the same keys are summed, then
        sorted and given their units as the memory engine does.

    Examples
    --------
    >>> out = release_summary("data/wuan.gpkg", by="status")
    >>> list(out.columns)
    ['status', 'n_parcels', 'area_m2', 'area_mu', 'area_ha']
    """
    out = run(
        RELEASE_SUMMARY,
        dataset,
        engine=engine,
        client=client,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        areas=areas,
        by=by,
        statuses=statuses,
        kinds=kinds,
        layout=layout,
        level=level,
        area_ids=area_ids,
        overlap=overlap,
        threads=threads,
    )
    logger.info("release summary (%s engine): %d rows", engine, len(out))
    return out


# ---------------------------------------------------------------------------
# Layouts
# ---------------------------------------------------------------------------


def _layout_prepare(ds: Dataset, options: Mapping[str, Any], engine: str) -> dict[str, Any]:
    dims = check_by(options.get("by", ("area",)))
    if "area" not in dims:
        raise LayoutError("a layout summary is grouped by area (add 'area' to by)")
    areas = options.get("areas")
    if areas is None:
        areas = ds.get("areas")
    elements = elements_for(
        areas,
        options["layout"],
        roads=ds.get("roads"),
        corridor_width_m=options.get("corridor_width_m"),
    )
    # The elements are the areas cut by; the layout's name selects nothing more.
    rest = {k: v for k, v in options.items() if k not in ("layout", "corridor_width_m")}
    return _release_prepare(ds, {**rest, "areas": elements, "by": dims}, engine)


LAYOUT_SUMMARY = register(
    Measure(
        name="layout_summary",
        columns=lambda ds, o: _summary_columns(ds, check_by(o.get("by", ("area",)))),
        statuses=lambda o: list(o["statuses"]) if o.get("statuses") is not None else None,
        prepare=_layout_prepare,
        partition=_release_partition,
        combine=lambda parts, ctx: with_shares(_release_combine(parts, ctx)),
    )
)
"""Freed land per element of a layout, with ``share`` (:func:`geo.layout.layout_summary`)."""


# ---------------------------------------------------------------------------
# Map aggregates
# ---------------------------------------------------------------------------


CELL_COLUMNS: tuple[str, ...] = ("cell_x", "cell_y", "n_parcels", "area_m2", "area_mu")
"""Columns of the grid aggregate (with ``geometry``, the cell square)."""


def _view_bounds(ws: Dataset, bounds: Any, bounds_crs: Any) -> Bounds | None:
    """``bounds`` in the dataset's CRS (densified when reprojected)."""
    if bounds is None:
        return None
    b = tuple(float(v) for v in bounds)
    if len(b) != 4 or not all(math.isfinite(v) for v in b) or b[0] > b[2] or b[1] > b[3]:
        raise EngineError(f"bounds must be (xmin, ymin, xmax, ymax) with min <= max, got {bounds}")
    if bounds_crs is not None and CRS.from_user_input(bounds_crs) != ws.crs:
        b = transform_bounds(b, bounds_crs, ws.crs)
    return b  # type: ignore[return-value]


def _cells_frame(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], cell_m: float, crs: CRS
) -> gpd.GeoDataFrame:
    if parts:
        frame = pd.DataFrame(
            {
                "cell_x": np.concatenate([p[0] for p in parts]),
                "cell_y": np.concatenate([p[1] for p in parts]),
                "n_parcels": np.concatenate([p[2] for p in parts]).astype(np.int64),
                "area_m2": np.concatenate([p[3] for p in parts]),
            }
        )
        frame = frame.groupby(["cell_y", "cell_x"], sort=True).sum().reset_index()
    else:
        frame = pd.DataFrame({c: pd.Series(dtype="int64") for c in CELL_COLUMNS[:3]})
        frame["area_m2"] = pd.Series(dtype="float64")
    frame = frame[["cell_x", "cell_y", "n_parcels", "area_m2"]]
    frame["area_mu"] = m2_to_mu(frame["area_m2"])
    x0 = frame["cell_x"].to_numpy(dtype=float) * cell_m
    y0 = frame["cell_y"].to_numpy(dtype=float) * cell_m
    out = gpd.GeoDataFrame(frame, geometry=shapely.box(x0, y0, x0 + cell_m, y0 + cell_m), crs=crs)
    out.attrs["cell_m"] = cell_m
    return out


def aggregate_for_map(
    dataset: Target,
    *,
    cell_m: float,
    bounds: Any = None,
    statuses: Iterable[str] | None = None,
    by: Literal["cell", "area"] = "cell",
    bounds_crs: Any = None,
    within: Any = None,
) -> gpd.GeoDataFrame:
    """Freed land per grid cell (or per planning area) for a low-zoom map.

    Parameters
    ----------
    dataset
        A dataset directory or GeoPackage path, a :class:`ParquetDataset` or a
        :class:`~geo.workspace.Workspace`.
    cell_m
        Grid cell size in metres; cells are aligned on multiples of
        ``cell_m`` in the projected CRS, so they stay put as the view moves.
    bounds
        Only parcels whose bounding-box centre lies in these bounds (and only
        the partitions and row groups that meet them are read).
    statuses
        Statuses to count (default: freed land, :data:`geo.schema.FREED_STATUSES`).
    by
        ``"cell"``: the grid. ``"area"``: each planning area with its freed
        land clipped to it (:func:`geo.release.release_summary`, every level),
        ``bounds`` ignored.
    bounds_crs
        The CRS of ``bounds`` (default: the dataset's).
    within
        Only parcels whose bounding-box centre lies in this polygon (in the
        dataset's CRS), e.g. a planning area shown as a finer grid; ``bounds``
        defaults to its bounds.

    Returns
    -------
    geopandas.GeoDataFrame
        ``by="cell"``: :data:`CELL_COLUMNS` and the cell square, one row per
        cell with land, sorted by row then column. A parcel counts whole in
        the cell of its bounding-box centre, so the cells add up to the total
        exactly (a display aggregate: parcels are not clipped to cells).
        ``by="area"``: ``level``, ``area_id``, ``area_name``, ``kind``,
        ``n_parcels``, ``area_m2``, ``area_mu`` and the area polygon. In the
        dataset's projected CRS.

    Examples
    --------
    >>> cells = aggregate_for_map("data/wuan.gpkg", cell_m=1000.0)
    >>> list(cells.columns)
    ['cell_x', 'cell_y', 'n_parcels', 'area_m2', 'area_mu', 'geometry']
    """
    cell = float(cell_m)
    if not math.isfinite(cell) or cell <= 0:
        raise EngineError(f"cell_m must be a positive number of metres, got {cell_m!r}")
    wanted = check_statuses(statuses)
    ws = open_dataset(dataset, validate=False)
    if by == "area":
        return _by_area(ws, wanted)
    if by != "cell":
        raise EngineError(f"by must be 'cell' or 'area', got {by!r}")
    if within is not None:
        shapely.prepare(within)
        if bounds is None:
            bounds, bounds_crs = shapely.bounds(within).tolist(), None
    view = _view_bounds(ws, bounds, bounds_crs)
    out = run(MAP_CELLS, ws, statuses=wanted, cell_m=cell, view=view, within=within)
    logger.info(
        "map aggregate: %d cells of %.0f m, %d parcels, %.1f mu",
        len(out),
        cell,
        int(out["n_parcels"].sum()),
        float(out["area_mu"].sum()),
    )
    return out


def _cells_prepare(ds: Any, options: Mapping[str, Any], engine: str) -> dict[str, Any]:
    return {
        "statuses": list(options["statuses"]),
        "cell_m": float(options["cell_m"]),
        "view": options.get("view"),
        "within": options.get("within"),
        "crs": ds.crs,
    }


def _cells_partition(
    part: gpd.GeoDataFrame, ctx: Mapping[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    sel = part["status"].astype(str).isin(ctx["statuses"]).to_numpy()
    geoms = np.asarray(part.geometry.array)[sel]
    return cell_sums(geoms, ctx["cell_m"], ctx["view"], ctx["within"])


def _cells_combine(parts: list[Any], ctx: Mapping[str, Any]) -> gpd.GeoDataFrame:
    return _cells_frame(parts, ctx["cell_m"], ctx["crs"])


MAP_CELLS = register(
    Measure(
        name="map_cells",
        columns=lambda ds, o: ["status"],
        statuses=lambda o: list(o["statuses"]),
        bbox=lambda o: o.get("view"),
        prepare=_cells_prepare,
        partition=_cells_partition,
        combine=_cells_combine,
    )
)
"""Land of some statuses per grid cell (:func:`geo.grid.cell_sums`): the map's aggregate."""


def _by_area(ws: Dataset, statuses: list[str]) -> gpd.GeoDataFrame:
    areas = ws.get("areas")
    if areas is None or not len(areas):
        raise EngineError("the dataset has no planning areas to aggregate by")
    summ = release_summary(ws, areas, by="area", statuses=statuses)
    return area_aggregate(areas, summ, crs=ws.crs)


def area_aggregate(areas: gpd.GeoDataFrame, summary: pd.DataFrame, *, crs: Any) -> gpd.GeoDataFrame:
    """The map aggregate by area from a release summary by area of the same ``areas``.

    Parameters
    ----------
    areas
        The areas the summary was computed against (every row, in table order).
    summary
        :func:`geo.engine.compute.release_summary` (or :func:`geo.release.release_summary`)
        of the parcels against ``areas`` with ``by="area"`` alone.
    crs
        The CRS of the result (the dataset's).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`aggregate_for_map` with ``by="area"``: the summary's rows
        without the land outside every area, each with its area's polygon.
    """
    summ = summary[summary["area_id"] != OUTSIDE_ID].reset_index(drop=True)
    if len(summ) != len(areas):
        raise EngineError(
            f"the summary has {len(summ)} area rows for {len(areas)} areas: "
            "give a summary by area alone of these areas"
        )
    # Grouped by area alone, the rows are every area of each level in table order.
    levels = area_levels(areas, within=areas["area_id"].astype(str)).to_numpy()
    order = np.lexsort((np.arange(len(areas)), levels))
    cols = ["level", "area_id", "area_name", "kind", "n_parcels", "area_m2", "area_mu"]
    return gpd.GeoDataFrame(summ[cols], geometry=np.asarray(areas.geometry.array)[order], crs=crs)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def _row_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    def norm(v: Any) -> Any:
        if v is None or v is pd.NA or v is pd.NaT:
            return None
        if isinstance(v, float) and np.isnan(v):
            return None
        return v

    return tuple(norm(v) for v in row)


def _sort_findings(df: pd.DataFrame) -> pd.DataFrame:

    order = {s: n for n, s in enumerate(SEVERITIES)}
    out = df.assign(_o=df["severity"].map(order), _s=df["subject_id"].astype("string"))
    out = out.sort_values(["_o", "check", "_s", "rule_id"], kind="stable", na_position="first")
    return out.drop(columns=["_o", "_s"]).reset_index(drop=True)


def _checks_prepare(ds: Dataset, options: Mapping[str, Any], engine: str) -> dict[str, Any]:
    day = as_of_date(options.get("as_of"))
    tables = {k: v for k, v in ds.tables.items() if k != "parcels"}
    ctx: dict[str, Any] = {
        "path": str(ds.path),
        "crs": ds.crs,
        "meta": dict(ds.meta),
        "as_of": options.get("as_of") if engine == "memory" else day,
        "control_config": options.get("control_config"),
        "tables": tables,
        "whole": engine == "memory",
    }
    if engine == "memory":
        return ctx
    # The findings about the workspace as a whole come from one run without parcels.
    empty = empty_parcels(ds, None)
    whole_ws = Workspace(
        path=Path(ds.path), tables={"parcels": empty, **tables}, crs=ds.crs, meta=dict(ds.meta)
    )
    whole = _run_checks(whole_ws, as_of=day, control_config=ctx["control_config"])
    ctx["whole_findings"] = whole
    ctx["whole_keys"] = Counter(_row_key(r) for r in whole.itertuples(index=False, name=None))
    return ctx


def _checks_partition(part: gpd.GeoDataFrame, ctx: Mapping[str, Any]) -> pd.DataFrame:
    """The findings about the parcels of one partition (workspace-wide ones subtracted)."""
    ws = Workspace(
        path=Path(ctx["path"]),
        tables={"parcels": part, **ctx["tables"]},
        crs=ctx["crs"],
        meta=ctx["meta"],
    )
    found = _run_checks(ws, as_of=ctx["as_of"], control_config=ctx["control_config"])
    if ctx["whole"]:
        return found
    left = Counter(ctx["whole_keys"])
    keep = np.ones(len(found), dtype=bool)
    for i, row in enumerate(found.itertuples(index=False, name=None)):
        key = _row_key(row)
        if left[key] > 0:
            left[key] -= 1
            keep[i] = False
    return found[keep]


def _checks_combine(parts: list[pd.DataFrame], ctx: Mapping[str, Any]) -> pd.DataFrame:
    if ctx["whole"]:
        return parts[0]
    whole = ctx["whole_findings"]
    frames = [f for f in [whole, *parts] if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else whole
    return _sort_findings(typed_findings(out))


CHECKS = register(
    Measure(
        name="checks",
        columns=lambda ds, o: None,
        prepare=_checks_prepare,
        partition=_checks_partition,
        combine=_checks_combine,
    )
)
"""The findings of ``tenglong check`` (:func:`geo.checks.run_checks`)."""


def run_checks(
    dataset: Target,
    *,
    as_of: Any = None,
    control_config: Path | None = None,
    engine: Engine = "memory",
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """The findings of ``tenglong check`` for a dataset, in memory or with dask.

    The memory engine is :func:`geo.checks.run_checks` on every parcel. The
    dask engine runs it on every parcel partition (with the areas,
    milestones and other small tables) and keeps the findings about the
    partition's parcels; the workspace-wide findings come from one run
    without parcels. Both engines give the same findings; the dask engine
    orders them by severity, check, subject and rule.

    Parameters
    ----------
    dataset
        A :class:`~geo.dataset.Dataset` or a path.
    as_of, control_config
        As :func:`geo.checks.run_checks`.
    engine, client, workers, scheduler, progress
        As :func:`geo.engine.registry.run`.
    """
    return run(
        CHECKS,
        dataset,
        engine=engine,
        client=client,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        as_of=as_of,
        control_config=control_config,
    )


# ---------------------------------------------------------------------------
# Supervision ledgers
# ---------------------------------------------------------------------------

LEDGER_DIMS = ("district", "park", "year")


def _ledger_prepare(ds: Dataset, options: Mapping[str, Any], engine: str) -> dict[str, Any]:
    from geo.supervision.parks import park_elements

    dims = list(options["dims"])
    elements = None
    if "park" in dims:
        elements = park_elements(ds.get("areas"), options.get("layout"), ds.get("roads"))
    return {
        "as_of": as_of_date(options.get("as_of")),
        "contracts": ds.get("contracts"),
        "elements": elements,
        "dims": dims,
    }


def _ledger_partition(part: gpd.GeoDataFrame, ctx: Mapping[str, Any]) -> pd.DataFrame:
    """Summable ledger rows (:func:`geo.supervision.ledgers.partial_summary`) of one partition."""
    from geo.supervision.ledgers import parcel_ledger, partial_summary
    from geo.supervision.parks import assign_parks

    dims = ctx["dims"]
    led = parcel_ledger(part, as_of=ctx["as_of"], contracts=ctx["contracts"])
    if "park" in dims:
        sel = part[part["parcel_id"].astype(str).isin(set(led["parcel_id"]))]
        led["park"] = assign_parks(sel, ctx["elements"]).to_numpy()
    return partial_summary(led, dims)


def _ledger_combine(parts: list[pd.DataFrame], ctx: Mapping[str, Any]) -> pd.DataFrame:
    from geo.supervision import ledgers as sv

    dims = ctx["dims"]
    both = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    keys = [*dims, "ledger"]
    summed = both.groupby(keys, sort=False, dropna=False).agg(
        n_parcels=("n_parcels", "sum"),
        area_m2=("area_m2", "sum"),
        dated_m2=("dated_m2", "sum"),
        age_m2=("age_m2", "sum"),
        max_age_days=("max_age_days", "max"),
        n_date_missing=("n_date_missing", "sum"),
    )
    summed = summed.reset_index()
    groups = summed[dims].drop_duplicates() if dims else pd.DataFrame(index=[0])
    full = groups.merge(pd.DataFrame({"ledger": list(sv.LEDGERS)}), how="cross")
    summed = full.merge(summed, on=keys, how="left")
    for col in ("n_parcels", "area_m2", "dated_m2", "age_m2", "n_date_missing"):
        summed[col] = summed[col].fillna(0)
    return sv.finish_summary(summed, dims)


LEDGER_SUMMARY = register(
    Measure(
        name="ledger_summary",
        columns=lambda ds, o: None,
        prepare=_ledger_prepare,
        partition=_ledger_partition,
        combine=_ledger_combine,
    )
)
"""The 批供用 ledgers (:func:`geo.supervision.ledger_summary`): each parcel in one partition."""


def ledger_summary(
    dataset: Target,
    *,
    by: Iterable[str] | str = (),
    as_of: Any = None,
    layout: str | None = None,
    engine: Engine = "memory",
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """The 批供用 ledgers (:func:`geo.supervision.ledger_summary`) in memory or with dask.

    ``by`` is any of ``district``, ``park`` (the elements of
    :func:`geo.supervision.park_elements` for ``layout``) and ``year``. Each
    partition gives the sums of its parcels (each parcel is in one
    partition and one park), which are added up: the same figures as the
    memory engine.

    Examples
    --------
    >>> out = ledger_summary("data/wuan.gpkg", as_of="2025-06-30")
    >>> out["ledger"].tolist(), int(out["n_parcels"].sum())
    (['unsupplied', 'supplied_unused', 'under_built', 'completed'], 50)
    """
    dims = [by] if isinstance(by, str) else list(by)
    unknown = [d for d in dims if d not in LEDGER_DIMS]
    if unknown:
        raise EngineError(f"ledgers are by district, park or year, not {', '.join(unknown)}")
    return run(
        LEDGER_SUMMARY,
        dataset,
        engine=engine,
        client=client,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        dims=dims,
        as_of=as_of,
        layout=layout,
    )


__all__ = [
    "CHECKS",
    "LAYOUT_SUMMARY",
    "LEDGER_SUMMARY",
    "RELEASE_SUMMARY",
    "ledger_summary",
    "release_summary",
    "run_checks",
]
