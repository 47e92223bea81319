"""The :class:`Dataset` protocol: what every page, command and measure asks of a workspace.

Two backends answer it (docs/architecture.md §9):

- in memory, :class:`geo.workspace.Workspace`: every table a (Geo)DataFrame,
  from a GeoPackage, a PostGIS schema or a dataset read whole;
- GeoParquet, :class:`geo.dataset.parquet.ParquetDataset`: the small tables in
  memory, the parcels on disk in Hilbert-sorted partitions, read by columns,
  statuses and bounding box.

A measure asks :meth:`Dataset.read` for the columns and rows it needs, so the
same code runs on either; :meth:`Dataset.revision` is the cache key of
everything computed from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd
from pyproj import CRS

Bounds = tuple[float, float, float, float]


@runtime_checkable
class Dataset(Protocol):
    """An opened workspace, whatever holds it.

    Attributes
    ----------
    path
        What was opened (a GeoPackage, a dataset directory; a PostGIS
        workspace's stand-in path).
    tables
        The tables held in memory (for a GeoParquet dataset: all but the parcels).
    crs
        The projected CRS every geometry table is in.
    meta
        The ``meta`` key/value pairs.
    problems
        Validation problems found when it was opened.
    """

    path: Path
    tables: dict[str, pd.DataFrame]
    crs: CRS
    meta: dict[str, str]
    problems: list[Any]

    def revision(self) -> str:
        """A token that changes whenever the data changes (a cache key)."""
        ...

    def read(
        self,
        table: str = "parcels",
        *,
        columns: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
        bbox: Bounds | None = None,
    ) -> pd.DataFrame:
        """Only these columns and rows of a table."""
        ...

    def get(self, name: str) -> Any:
        """A table, or None when there is none of that name."""
        ...

    def bounds(self) -> Bounds | None:
        """The parcels' extent in :attr:`crs`."""
        ...

    def to_workspace(self) -> Any:
        """Every table in memory (a :class:`geo.workspace.Workspace`)."""
        ...

    @property
    def parcels(self) -> Any:
        """Every parcel in memory (a GeoParquet dataset reads them once)."""
        ...

    @property
    def n_parcels(self) -> int: ...

    @property
    def parcel_columns(self) -> list[str]: ...

    @property
    def name(self) -> str: ...

    @property
    def schematic(self) -> bool: ...

    @property
    def is_valid(self) -> bool: ...
