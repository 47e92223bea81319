"""Engines for the calculations: in memory, or dask-geopandas over GeoParquet partitions.

- :mod:`geo.dataset.parquet`: the GeoParquet dataset directory (write, read,
  convert, :func:`open_dataset`);
- :mod:`geo.engine.registry`: the one engine interface,
  ``run(measure, dataset, engine="memory"|"dask")``, and the registered
  measures (per-partition work and a combine step);
- :mod:`geo.engine.compute`: release summaries, checks and the 批供用 ledgers with
  ``engine="memory"`` or ``engine="dask"``, the same figures either way;
- :mod:`geo.engine.cluster`: the dask client (local worker processes or a
  scheduler's address, ``$TENGLONG_DASK_SCHEDULER``) and progress;
- :mod:`geo.engine.headline`: the headline of a large workspace, cached per
  revision (the one cache).
"""

from geo.dataset import open_dataset
from geo.dataset.parquet import (
    ENGINES,
    DatasetInfo,
    Engine,
    ParquetDataset,
    convert_to_gpkg,
    convert_to_parquet,
    is_dataset,
    open_selection,
    read_info,
    write_dataset,
)
from geo.engine._errors import DatasetError, EngineError
from geo.engine.cluster import SCHEDULER_ENV, dask_client, scheduler_address
from geo.engine.compute import aggregate_for_map, ledger_summary, release_summary, run_checks
from geo.engine.registry import MEASURES, Measure, register, run

__all__ = [
    "ENGINES",
    "MEASURES",
    "SCHEDULER_ENV",
    "DatasetError",
    "DatasetInfo",
    "Engine",
    "EngineError",
    "Measure",
    "ParquetDataset",
    "aggregate_for_map",
    "convert_to_gpkg",
    "convert_to_parquet",
    "dask_client",
    "is_dataset",
    "ledger_summary",
    "open_dataset",
    "open_selection",
    "read_info",
    "register",
    "release_summary",
    "run",
    "run_checks",
    "scheduler_address",
    "write_dataset",
]
