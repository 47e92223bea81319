"""GeoParquet datasets: a workspace as a directory, parcels partitioned in Hilbert order.

A province-size parcel inventory (millions of parcels) does not fit the
GeoPackage-in-memory habit of :mod:`geo.workspace`. The same tables are kept as
a directory that any GeoParquet reader (GDAL, DuckDB, QGIS, dask-geopandas)
opens, and that Tenglong reads partition by partition:

.. code-block:: text

    DIR/
      meta.json                       format, CRS, workspace meta, tables, partitions
      parcels/part.00000.parquet …    GeoParquet 1.1, one file per partition
      areas.parquet  roads.parquet  boundaries.parquet     GeoParquet 1.1
      enterprises.parquet  milestones.parquet  audit.parquet  Parquet

- **Parcels** are sorted by the Hilbert distance of their bounding-box centres
  (level 16 over the parcels' extent) and cut into partitions of about
  ``partition_rows`` rows; each file holds row groups of ``row_group_rows``
  rows. Neighbouring parcels share a partition and a row group, so a map view
  or a cluster worker reads few of them. Every parcel is in exactly one
  partition (``_row``, its position in the source table, is unique), so
  per-partition totals add up to the whole.
- Every geometry table has the GeoParquet 1.1 ``bbox`` covering column: readers
  skip the row groups (and rows) outside a bounding box from the column
  statistics alone. ``meta.json`` also lists each partition's bounds.
- **CRS**: geometry is stored in the projected CGCS2000 Gauss-Krüger zone the
  workspace is computed in (EPSG:4534-4554 or 4513-4533, chosen from the data
  by :func:`geo.crs.projected_crs_for`), not in EPSG:4490 as in a GeoPackage.
  That is the CRS every calculation runs in, so a dataset is read without
  reprojecting millions of parcels, its Hilbert order and bounding boxes are
  in metres, and :func:`open_dataset` returns *exactly* the coordinates (and
  so the areas) that :func:`geo.workspace.open_workspace` gives for the
  source GeoPackage. The CRS is in every file's GeoParquet metadata (PROJJSON)
  and in ``meta.json``; ``tenglong convert DIR --to gpkg`` stores EPSG:4490
  again.
- Areas are never stored: ``area_m2`` and ``area_mu`` of polygon tables are
  computed from geometry on reading, as :func:`geo.workspace.open_workspace`
  does.

:func:`open_parquet` (called by :func:`geo.dataset.open_dataset`) opens a
dataset directory as a :class:`ParquetDataset` whose small tables are in
memory and whose parcels stay on disk until read (some columns, some rows, a
dask-geopandas frame), or whole as a :class:`geo.workspace.Workspace`.
"""

from __future__ import annotations

from geo.dataset.parquet.convert import (  # noqa: F401
    _check_paths,
    convert_to_gpkg,
    convert_to_parquet,
)
from geo.dataset.parquet.format import (  # noqa: F401
    _AREA_COLUMNS,
    BBOX_COLUMN,
    DASK_PIECE_ROWS,
    DEFAULT_PARTITION_ROWS,
    DEFAULT_ROW_GROUP_ROWS,
    ENGINES,
    FORMAT,
    FORMAT_VERSION,
    HILBERT_LEVEL,
    META_FILE,
    PARCELS_DIR,
    ROW_COLUMN,
    Bounds,
    DatasetInfo,
    Engine,
    Partition,
    dataset_token,
    is_dataset,
    read_info,
)
from geo.dataset.parquet.read import (  # noqa: F401
    ParquetDataset,
    _finish_partition,
    _finish_table,
    _meets,
    _ordered_tables,
    _parcel_read_columns,
    _read_partition,
    _with_areas,
    iter_partitions,
    open_parquet,
    open_selection,
    read_parcels,
    read_table,
    release_memory,
)
from geo.dataset.parquet.write import (  # noqa: F401
    _bounds_of,
    _datetime_dtypes,
    _opened_columns,
    _projected,
    _replace_dir,
    _restore_dtypes,
    _storage_columns,
    _write_geo,
    _write_parcels,
    hilbert_order,
    write_dataset,
)

__all__ = [
    "DASK_PIECE_ROWS",
    "DEFAULT_PARTITION_ROWS",
    "DEFAULT_ROW_GROUP_ROWS",
    "ENGINES",
    "FORMAT",
    "DatasetInfo",
    "Engine",
    "ParquetDataset",
    "Partition",
    "convert_to_gpkg",
    "convert_to_parquet",
    "dataset_token",
    "hilbert_order",
    "is_dataset",
    "iter_partitions",
    "open_parquet",
    "open_selection",
    "read_info",
    "read_parcels",
    "read_table",
    "release_memory",
    "write_dataset",
]
