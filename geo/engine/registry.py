"""One engine interface: ``run(measure, dataset, engine="memory"|"dask", **options)``.

A :class:`Measure` is a registration (docs/architecture.md §9): which parcel
columns and statuses it reads, what it prepares once from the small tables
(areas, milestones …) on the client, the work it does on one partition of
parcels, and how the partial results combine into the answer. The engines
differ only in what a partition is:

- ``memory``: the whole selection, read at once with
  :meth:`geo.dataset.Dataset.read` (only the measure's columns and rows, from
  a GeoParquet dataset or a workspace in memory);
- ``dask``: each GeoParquet partition file, in pieces of whole row groups
  (:meth:`geo.dataset.parquet.ParquetDataset.dask_parcels`; or, for a
  workspace in memory, Hilbert-ordered slices of its parcels) on a
  ``distributed`` cluster, with the prepared context broadcast to every
  worker once.

A measure's ``combine`` gets one result per partition, in partition order, so
a measure that adds partial results up gives the same figures with either
engine (up to the order of floating-point additions).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geo.dataset import Dataset, open_dataset
from geo.dataset.parquet import ENGINES, ParquetDataset, hilbert_order, release_memory
from geo.engine._errors import EngineError
from geo.engine.cluster import compute_partitions, dask_client, default_workers

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from distributed import Client

logger = logging.getLogger(__name__)

Target = Dataset | str | os.PathLike[str]
"""What :func:`run` accepts: an open dataset, or what :func:`geo.dataset.open_dataset` opens."""


@dataclass(frozen=True)
class Measure:
    """A calculation the engine can run on a whole dataset or partition by partition.

    Attributes
    ----------
    name
        The registration name (``run("release_summary", …)``).
    columns
        ``(dataset, options) -> list | None``: the parcel columns read
        (``geometry`` always; None: every column).
    prepare
        ``(dataset, options, engine) -> context``: computed once, on the
        client, from the options and the small tables; handed to every
        partition (broadcast to every worker once).
    partition
        ``(parcels, context) -> partial``: the work on one partition.
    combine
        ``(partials, context) -> result``: the answer.
    statuses
        ``(options) -> list | None``: only parcels of these statuses are read
        (the memory engine's row filter; a partition still gets all rows with
        the dask engine, and the measure selects them itself).
    bbox
        ``(options) -> bounds | None``: only parcels whose bounding box meets
        it are read (memory engine; the same caveat).
    """

    name: str
    columns: Callable[[Dataset, Mapping[str, Any]], list[str] | None]
    prepare: Callable[[Dataset, Mapping[str, Any], str], Any]
    partition: Callable[[gpd.GeoDataFrame, Any], Any]
    combine: Callable[[list[Any], Any], Any]
    statuses: Callable[[Mapping[str, Any]], list[str] | None] = lambda options: None
    bbox: Callable[[Mapping[str, Any]], Any] = lambda options: None


MEASURES: dict[str, Measure] = {}
"""Every registered measure by name (:func:`register`)."""


def register(measure: Measure) -> Measure:
    """Add ``measure`` to :data:`MEASURES` (a later registration of the name replaces it)."""
    MEASURES[measure.name] = measure
    return measure


def measure_named(name: str | Measure) -> Measure:
    """The registered measure ``name``.

    Raises
    ------
    EngineError
        No measure of that name (the message lists them).
    """
    if isinstance(name, Measure):
        return name
    _load_registrations()
    try:
        return MEASURES[name]
    except KeyError:
        raise EngineError(
            f"unknown measure {name!r}; the engine runs {', '.join(sorted(MEASURES))}"
        ) from None


def _load_registrations() -> None:
    # The measures register themselves when their modules are imported.
    from geo.engine import compute  # noqa: F401


def check_engine(engine: str) -> None:
    """Raise :class:`EngineError` unless ``engine`` is ``memory`` or ``dask``."""
    if engine not in ENGINES:
        raise EngineError(f"unknown engine {engine!r}; choose {' or '.join(ENGINES)}")


def _partition_task(partition: Callable[[Any, Any], Any], parcels: Any, context: Any) -> Any:
    """One dask task: the measure's work on one partition, then the freed memory released.

    A worker runs partition after partition: without :func:`release_memory`,
    the free pages of each one's geometries and arrays stayed resident, and
    the worker's memory crept up by tens of MB over a run.
    """
    out = partition(parcels, context)
    del parcels
    release_memory()
    return out


def _broadcast(client: Client, obj: Any) -> Any:
    """``obj`` copied to every worker once (a future that tasks take as an argument)."""
    return client.scatter([obj], broadcast=True, hash=False)[0]


def dask_frame(ds: Dataset, columns: list[str] | None, partitions: int) -> Any:
    """The parcels as a dask-geopandas frame: the dataset's partitions, or an in-memory split."""
    if isinstance(ds, ParquetDataset):
        return ds.dask_parcels(columns)
    import dask_geopandas

    parcels = ds.parcels if columns is None else ds.parcels[[*columns, "geometry"]]
    parcels = parcels.take(hilbert_order(parcels.geometry.array))
    return dask_geopandas.from_geopandas(parcels, npartitions=max(1, min(partitions, len(parcels))))


def empty_parcels(ds: Dataset, columns: list[str] | None) -> gpd.GeoDataFrame:
    """No parcel, with the columns and dtypes a partition of ``columns`` has."""
    if isinstance(ds, ParquetDataset):
        return ds.dask_parcels(columns)._meta
    return ds.read("parcels", columns=columns).iloc[:0]


def run(
    measure: str | Measure,
    dataset: Target,
    *,
    engine: str = "memory",
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    **options: Any,
) -> Any:
    """Run a registered measure on a dataset with the memory or the dask engine.

    Parameters
    ----------
    measure
        A name of :data:`MEASURES` (``release_summary``, ``checks``,
        ``map_cells`` …) or a :class:`Measure`.
    dataset
        An open :class:`~geo.dataset.Dataset`, or a GeoPackage, dataset
        directory or PostGIS URL (opened with :func:`geo.dataset.open_dataset`).
    engine
        ``"memory"`` or ``"dask"`` (module docstring).
    client, workers, scheduler
        The dask cluster: a ``distributed.Client``, or a local cluster of
        ``workers`` processes, or a running scheduler (default:
        ``$TENGLONG_DASK_SCHEDULER``, else one process per CPU).
    progress
        A progress bar over the partitions (dask engine, on a terminal).
    options
        The measure's own options.

    Raises
    ------
    EngineError
        An unknown measure or engine.

    Examples
    --------
    >>> out = run("release_summary", "data/wuan.gpkg", by=["status"])
    >>> list(out.columns)
    ['status', 'n_parcels', 'area_m2', 'area_mu', 'area_ha']
    """
    m = measure_named(measure)
    check_engine(engine)
    ds = open_dataset(dataset, validate=False)
    context = m.prepare(ds, options, engine)
    columns = m.columns(ds, options)
    if engine == "memory":
        parcels = ds.read(
            "parcels", columns=columns, statuses=m.statuses(options), bbox=m.bbox(options)
        )
        return m.combine([m.partition(parcels, context)], context)

    import dask

    ddf = dask_frame(ds, columns, 2 * (workers or default_workers()))

    def go(cl: Client) -> list[Any]:
        shared = _broadcast(cl, context)
        tasks = [dask.delayed(_partition_task)(m.partition, p, shared) for p in ddf.to_delayed()]
        return compute_partitions(tasks, client=cl, description=m.name, progress=progress)

    if client is not None:
        partials = go(client)
    else:
        with dask_client(workers=workers, scheduler=scheduler) as cl:
            partials = go(cl)
    logger.info("%s (dask): %d partitions", m.name, len(partials))
    return m.combine(partials, context)


__all__ = [
    "MEASURES",
    "Measure",
    "check_engine",
    "dask_frame",
    "empty_parcels",
    "measure_named",
    "register",
    "run",
]
