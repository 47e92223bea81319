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
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.checks import SEVERITIES, run_checks as _run_checks
from geo.dataset import Dataset
from geo.dataset.parquet import Engine
from geo.engine.registry import Measure, Target, empty_parcels, register, run
from geo.layout import LayoutError, elements_for, with_shares
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
        # The selection is made here; the partitions get the chosen areas, tagged.
        part_areas = tag_areas(chosen)
        part_opts = {**opts, "kinds": None, "layout": None, "level": None, "area_ids": None}
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
    for col in ("required", "actual"):
        out[col] = out[col].astype("object")
    return _sort_findings(out)


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


__all__ = ["CHECKS", "LAYOUT_SUMMARY", "RELEASE_SUMMARY", "release_summary", "run_checks"]
