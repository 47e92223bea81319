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
import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.checks import SEVERITIES, run_checks as _run_checks
from geo.dataset.parquet import ENGINES, Engine, LazyWorkspace, hilbert_order, open_dataset
from geo.engine._errors import EngineError
from geo.engine.cluster import compute_partitions, dask_client, default_workers
from geo.lifecycle import as_of_date
from geo.release import (
    OverlapRule,
    check_by,
    combine_summaries,
    release_summary as _release_summary,
    select_areas,
    tag_areas,
)
from geo.workspace import Workspace

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

logger = logging.getLogger(__name__)

Dataset = Workspace | LazyWorkspace | str | os.PathLike[str]
"""What the engine functions accept: an open workspace or dataset, or a path."""

_SOURCE_COLUMNS = {"year": "released_on", "industry": "industry_before", "district": "district"}


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")


def _open(dataset: Dataset, engine: Engine) -> Workspace | LazyWorkspace:
    if isinstance(dataset, Workspace | LazyWorkspace):
        return dataset
    return open_dataset(dataset, engine=engine, validate=False)


def _broadcast(client: Client, obj: Any) -> Any:
    """``obj`` copied to every worker once (a future that tasks take as an argument)."""
    return client.scatter([obj], broadcast=True, hash=False)[0]


def _dask_frame(ws: Workspace | LazyWorkspace, columns: list[str] | None, partitions: int) -> Any:
    """The parcels as a dask-geopandas frame: the dataset's partitions, or an in-memory split."""
    if isinstance(ws, LazyWorkspace):
        return ws.dask_parcels(columns)
    import dask_geopandas

    parcels = ws.parcels if columns is None else ws.parcels[[*columns, "geometry"]]
    parcels = parcels.take(hilbert_order(parcels.geometry.array))
    return dask_geopandas.from_geopandas(parcels, npartitions=max(1, min(partitions, len(parcels))))


# ---------------------------------------------------------------------------
# Release summaries
# ---------------------------------------------------------------------------


def _partition_summary(
    part: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None, options: dict[str, Any]
) -> pd.DataFrame:
    """:func:`geo.release.release_summary` of one partition (one thread: workers are processes)."""

    return _release_summary(part, areas, threads=1, **options)


def _stand_in(areas: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The areas with tiny disjoint squares as geometry: enough to check the options and
    get the output columns, without preparing the real boundaries."""
    if areas is None:
        return None
    x = np.arange(len(areas), dtype=float) * 2.0
    boxes = gpd.GeoSeries(shapely.box(x, 0.0, x + 1.0, 1.0), index=areas.index, crs=areas.crs)
    return areas.set_geometry(boxes.rename(areas.geometry.name))


def _summary_columns(ws: Workspace | LazyWorkspace, dims: list[str]) -> list[str]:
    """The parcel columns a summary by ``dims`` reads (those the parcels have: a missing
    one is reported by :func:`geo.release.release_summary`)."""
    have = ws.info.parcel_columns if isinstance(ws, LazyWorkspace) else list(ws.parcels.columns)
    cols = ["parcel_id", "status"]
    for d in dims:
        src = _SOURCE_COLUMNS.get(d)
        if src is not None and src not in cols:
            cols.append(src)
    return [c for c in cols if c in have]


def release_summary(
    dataset: Dataset,
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
    """Release summary of a workspace or dataset, in memory or with dask.

    Parameters
    ----------
    dataset
        A :class:`~geo.workspace.Workspace`, a :class:`LazyWorkspace`, or the
        path of a GeoPackage or dataset directory.
    areas
        The areas to cut by (default: the dataset's areas table).
    by, statuses, kinds, layout, level, area_ids, overlap
        As :func:`geo.release.release_summary`.
    engine
        ``"memory"`` or ``"dask"`` (module docstring).
    client
        A ``distributed.Client`` to run on (dask engine); default: one from
        :func:`geo.engine.cluster.dask_client` with ``workers``/``scheduler``.
    workers, scheduler
        A local cluster of ``workers`` processes, or a running scheduler
        (default: ``$TENGLONG_DASK_SCHEDULER``, else one process per CPU).
    progress
        Show a progress bar over the partitions (dask engine, on a terminal).
    threads
        Engine threads (memory engine).

    Returns
    -------
    pandas.DataFrame
        The same table as :func:`geo.release.release_summary`, with either
        engine.

    Examples
    --------
    >>> out = release_summary("data/wuan.gpkg", by="status")
    >>> list(out.columns)
    ['status', 'n_parcels', 'area_m2', 'area_mu', 'area_ha']
    """

    _check_engine(engine)
    ws = _open(dataset, engine)
    if areas is None:
        areas = ws.get("areas")
    dims = check_by(by)
    options: dict[str, Any] = {
        "by": dims,
        "statuses": statuses,
        "kinds": kinds,
        "layout": layout,
        "level": level,
        "area_ids": area_ids,
        "overlap": overlap,
    }
    if engine == "memory":
        if isinstance(ws, LazyWorkspace):
            parcels = ws.read_parcels(columns=_summary_columns(ws, dims))
        else:
            parcels = ws.parcels
        return _release_summary(parcels, areas, threads=threads, **options)

    n_workers = workers or default_workers()
    ddf = _dask_frame(ws, _summary_columns(ws, dims), 2 * n_workers)
    # An empty partition checks every option here, before any worker starts.
    meta = _partition_summary(ddf._meta, _stand_in(areas), options).iloc[:0]
    chosen = None
    part_areas, part_options = None, options  # areas are only used to group by area
    if "area" in dims and areas is not None:
        filters = kinds is not None or layout is not None or level is not None
        filters = filters or area_ids is not None
        chosen = (
            select_areas(areas, kinds=kinds, layout=layout, level=level, area_ids=area_ids)
            if filters
            else areas
        )
        # The selection is made here; the partitions get the chosen areas, tagged.
        part_areas = tag_areas(chosen)
        part_options = {**options, "kinds": None, "layout": None, "level": None, "area_ids": None}

    def run(cl: Client) -> list[pd.DataFrame]:
        shared = _broadcast(cl, part_areas) if part_areas is not None else None
        parts = ddf.map_partitions(_partition_summary, shared, part_options, meta=meta)
        return compute_partitions(
            parts.to_delayed(), client=cl, description="release summary", progress=progress
        )

    if client is not None:
        results = run(client)
    else:
        with dask_client(workers=workers, scheduler=scheduler) as cl:
            results = run(cl)
    out = combine_summaries(results, dims=dims, chosen=chosen, columns=list(meta.columns))
    logger.info(
        "release summary (dask) by %s: %d partitions, %d rows",
        " × ".join(dims) or "nothing",
        len(results),
        len(out),
    )
    return out


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


def _partition_checks(
    part: gpd.GeoDataFrame,
    tables: dict[str, pd.DataFrame],
    context: dict[str, Any],
    whole: Counter,
) -> pd.DataFrame:
    """The findings about the parcels of one partition (workspace-wide ones subtracted)."""

    ws = Workspace(
        path=Path(context["path"]),
        tables={"parcels": part, **tables},
        crs=context["crs"],
        meta=context["meta"],
    )
    found = _run_checks(ws, as_of=context["as_of"], control_config=context["control_config"])
    left = Counter(whole)
    keep = np.ones(len(found), dtype=bool)
    for i, row in enumerate(found.itertuples(index=False, name=None)):
        key = _row_key(row)
        if left[key] > 0:
            left[key] -= 1
            keep[i] = False
    return found[keep]


def _sort_findings(df: pd.DataFrame) -> pd.DataFrame:

    order = {s: n for n, s in enumerate(SEVERITIES)}
    out = df.assign(_o=df["severity"].map(order), _s=df["subject_id"].astype("string"))
    out = out.sort_values(["_o", "check", "_s", "rule_id"], kind="stable", na_position="first")
    return out.drop(columns=["_o", "_s"]).reset_index(drop=True)


def run_checks(
    dataset: Dataset,
    *,
    as_of: Any = None,
    control_config: Path | None = None,
    engine: Engine = "memory",
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """The findings of ``tenglong check`` for a workspace or dataset, in memory or with dask.

    The memory engine is :func:`geo.checks.run_checks`. The dask engine
    runs it on every parcel partition (with the areas, milestones and other
    small tables) and keeps the findings about the partition's parcels; the
    workspace-wide findings come from one run without parcels. Both engines
    give the same findings; the dask engine orders them by severity, check,
    subject and rule.

    Parameters
    ----------
    dataset
        A workspace, a :class:`LazyWorkspace`, or a path.
    as_of, control_config
        As :func:`geo.checks.run_checks`.
    engine, client, workers, scheduler, progress
        As :func:`release_summary`.
    """

    _check_engine(engine)
    ws = _open(dataset, engine)
    if engine == "memory":
        if isinstance(ws, LazyWorkspace):
            ws = ws.to_workspace()
        return _run_checks(ws, as_of=as_of, control_config=control_config)

    day = as_of_date(as_of)
    tables = {k: v for k, v in ws.tables.items() if k != "parcels"}
    n_workers = workers or default_workers()
    ddf = _dask_frame(ws, None, 2 * n_workers)
    empty = ddf._meta
    context = {
        "path": str(ws.path),
        "crs": ws.crs,
        "meta": dict(ws.meta),
        "as_of": day,
        "control_config": control_config,
    }
    whole_ws = Workspace(
        path=Path(ws.path), tables={"parcels": empty, **tables}, crs=ws.crs, meta=dict(ws.meta)
    )
    whole = _run_checks(whole_ws, as_of=day, control_config=control_config)
    whole_keys = Counter(_row_key(r) for r in whole.itertuples(index=False, name=None))
    meta = whole.iloc[:0]

    def run(cl: Client) -> list[pd.DataFrame]:
        shared = _broadcast(cl, tables)
        parts = ddf.map_partitions(_partition_checks, shared, context, whole_keys, meta=meta)
        return compute_partitions(
            parts.to_delayed(), client=cl, description="checks", progress=progress
        )

    if client is not None:
        results = run(client)
    else:
        with dask_client(workers=workers, scheduler=scheduler) as cl:
            results = run(cl)
    frames = [f for f in [whole, *results] if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else whole
    for col in ("required", "actual"):
        out[col] = out[col].astype("object")
    return _sort_findings(out)


# ---------------------------------------------------------------------------
# Supervision ledgers
# ---------------------------------------------------------------------------


def _partition_ledger(
    part: gpd.GeoDataFrame, context: dict[str, Any], dims: list[str]
) -> pd.DataFrame:
    """Summable ledger rows (:func:`geo.supervision.ledgers.partial_summary`) of one partition."""
    from geo.supervision.ledgers import parcel_ledger, partial_summary
    from geo.supervision.parks import assign_parks

    led = parcel_ledger(part, as_of=context["as_of"], contracts=context["contracts"])
    if "park" in dims:
        sel = part[part["parcel_id"].astype(str).isin(set(led["parcel_id"]))]
        led["park"] = assign_parks(sel, context["elements"]).to_numpy()
    return partial_summary(led, dims)


def ledger_summary(
    dataset: Dataset,
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
    from geo.supervision import ledgers as sv
    from geo.supervision.parks import park_elements

    _check_engine(engine)
    dims = [by] if isinstance(by, str) else list(by)
    unknown = [d for d in dims if d not in ("district", "park", "year")]
    if unknown:
        raise EngineError(f"ledgers are by district, park or year, not {', '.join(unknown)}")
    ws = _open(dataset, engine)
    context = {
        "as_of": as_of_date(as_of),
        "contracts": ws.get("contracts"),
        "elements": park_elements(ws.get("areas"), layout, ws.get("roads"))
        if "park" in dims
        else None,
    }
    if engine == "memory":
        parcels = ws.read_parcels() if isinstance(ws, LazyWorkspace) else ws.parcels
        parts = [_partition_ledger(parcels, context, dims)]
    else:
        ddf = _dask_frame(ws, None, 2 * (workers or default_workers()))
        meta = _partition_ledger(ddf._meta, context, dims).iloc[:0]

        def run(cl: Client) -> list[pd.DataFrame]:
            shared = _broadcast(cl, context)
            out = ddf.map_partitions(_partition_ledger, shared, dims, meta=meta)
            return compute_partitions(
                out.to_delayed(), client=cl, description="ledgers", progress=progress
            )

        if client is not None:
            parts = run(client)
        else:
            with dask_client(workers=workers, scheduler=scheduler) as cl:
                parts = run(cl)
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


__all__ = ["ledger_summary", "release_summary", "run_checks"]
