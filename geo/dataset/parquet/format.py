"""The dataset directory format: ``meta.json``, partitions, :class:`DatasetInfo`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pyproj import CRS

from geo.dataset.errors import DatasetError

if TYPE_CHECKING:  # pragma: no cover
    pass


FORMAT = "tenglong-geoparquet"
"""The ``format`` of ``meta.json``."""
FORMAT_VERSION = 1
META_FILE = "meta.json"
PARCELS_DIR = "parcels"
ROW_COLUMN = "_row"
"""Parcel column holding the parcel's position in the source table (unique)."""
BBOX_COLUMN = "bbox"
"""The GeoParquet 1.1 covering column (struct of xmin, ymin, xmax, ymax)."""
DEFAULT_PARTITION_ROWS = 500_000
"""Parcels per partition: a worker holds one partition at a time."""
DEFAULT_ROW_GROUP_ROWS = 16_384
"""Parcels per Parquet row group: the unit a map view reads."""
DASK_PIECE_ROWS = 32_768
"""Parcels per dask partition, at most (whole row groups of one partition file): a
dask task holds one piece, not a whole file of :data:`DEFAULT_PARTITION_ROWS`."""
HILBERT_LEVEL = 16
_AREA_COLUMNS = ("area_m2", "area_mu")

Engine = Literal["memory", "dask"]
ENGINES: tuple[str, ...] = ("memory", "dask")

Bounds = tuple[float, float, float, float]


# ---------------------------------------------------------------------------
# Dataset description (meta.json)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Partition:
    """One parcel partition file: its path (relative to the dataset), rows and bounds."""

    file: str
    rows: int
    bounds: Bounds | None


@dataclass
class DatasetInfo:
    """What ``meta.json`` says about a dataset.

    Attributes
    ----------
    path
        The dataset directory.
    crs
        The projected CRS of every geometry table.
    meta
        The workspace ``meta`` key/value pairs (name, adcode, schematic…).
    tables
        Per table (parcels excluded): ``file``, ``rows``, ``geometry`` (bool),
        ``columns`` (the column order of the opened table).
    parcel_columns
        The column order of the opened parcels table.
    partitions
        The parcel partitions, in Hilbert order.
    """

    path: Path
    crs: CRS
    meta: dict[str, str]
    tables: dict[str, dict[str, Any]]
    parcel_columns: list[str]
    parcel_dtypes: dict[str, str] = field(default_factory=dict)
    partitions: list[Partition] = field(default_factory=list)
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS
    table_order: list[str] = field(default_factory=list)
    source: dict[str, str] = field(default_factory=dict)
    """The GeoPackage it was converted from: ``path`` (absolute) and ``revision``
    (:func:`geo.store.revision_token` at conversion); empty when not recorded."""

    @property
    def n_parcels(self) -> int:
        return sum(p.rows for p in self.partitions)

    @property
    def total_bounds(self) -> Bounds | None:
        b = [p.bounds for p in self.partitions if p.bounds is not None]
        if not b:
            return None
        arr = np.asarray(b, dtype=float)
        return (arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max())

    def partition_paths(self) -> list[Path]:
        return [self.path / p.file for p in self.partitions]

    @property
    def name(self) -> str:
        return self.meta.get("name", self.path.name)


def dataset_token(path: str | os.PathLike[str]) -> str:
    """The revision of a dataset directory: modification time and size of its ``meta.json``.

    :func:`~geo.dataset.parquet.write_dataset` (``tenglong convert``) replaces
    the directory whole, so any change of the data changes this token;
    ``dataset:-`` when there is no ``meta.json``.
    """
    try:
        st = (Path(path) / META_FILE).stat()
    except FileNotFoundError:
        return "dataset:-"
    return f"dataset:{st.st_mtime_ns}:{st.st_size}"


def is_dataset(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a Tenglong GeoParquet dataset directory.

    Examples
    --------
    >>> is_dataset("data/fuxing.gpkg")
    False
    """
    p = Path(path)
    meta = p / META_FILE
    if not (p.is_dir() and meta.is_file()):
        return False
    try:
        return json.loads(meta.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError):
        return False


def read_info(path: str | os.PathLike[str]) -> DatasetInfo:
    """Read ``meta.json`` of a dataset directory.

    Raises
    ------
    DatasetError
        ``path`` is not a dataset, or its ``meta.json`` is unreadable or of a
        newer format version.
    """
    p = Path(path)
    meta_path = p / META_FILE
    if not p.is_dir() or not meta_path.is_file():
        raise DatasetError(
            f"{p} is not a Tenglong GeoParquet dataset (no {META_FILE}); create one with "
            f"`tenglong convert WORKSPACE.gpkg --to parquet {p}`"
        )
    try:
        doc = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DatasetError(
            f"{meta_path} cannot be read ({err}); convert the workspace again"
        ) from err
    if doc.get("format") != FORMAT:
        raise DatasetError(
            f"{meta_path} is not a {FORMAT} description (format={doc.get('format')!r})"
        )
    if int(doc.get("format_version", 0)) > FORMAT_VERSION:
        raise DatasetError(
            f"{p} uses dataset format version {doc['format_version']}; this Tenglong reads up "
            f"to version {FORMAT_VERSION}: upgrade Tenglong"
        )
    parcels = doc["parcels"]
    parts = [
        Partition(
            file=str(d["file"]),
            rows=int(d["rows"]),
            bounds=tuple(float(x) for x in d["bounds"]) if d.get("bounds") else None,  # type: ignore[arg-type]
        )
        for d in parcels["partitions"]
    ]
    return DatasetInfo(
        path=p,
        crs=CRS.from_user_input(doc["crs"]),
        meta={str(k): str(v) for k, v in doc.get("meta", {}).items()},
        tables=dict(doc.get("tables", {})),
        parcel_columns=list(parcels["columns"]),
        parcel_dtypes=dict(parcels.get("dtypes", {})),
        partitions=parts,
        row_group_rows=int(parcels.get("row_group_rows", DEFAULT_ROW_GROUP_ROWS)),
        table_order=[str(t) for t in doc.get("table_order", ["parcels", *doc.get("tables", {})])],
        source={str(k): str(v) for k, v in (doc.get("source") or {}).items()},
    )


# ---------------------------------------------------------------------------
