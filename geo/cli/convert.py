"""``tenglong convert``: a workspace GeoPackage to a GeoParquet dataset directory and back.

``tenglong convert WS.gpkg --to parquet DIR`` writes the workspace as a
dataset directory (:mod:`geo.dataset.parquet`): parcels as GeoParquet
partitions in Hilbert order, the other tables as single GeoParquet/Parquet
files, ``meta.json``; geometry in the workspace's projected GK zone.
``tenglong convert DIR --to gpkg WS.gpkg`` writes a GeoPackage workspace
again (geometry in EPSG:4490). Areas come out the same either way.

``summary``, ``check`` and ``benefit`` read a dataset directory wherever they
read a GeoPackage, and take the engine options defined here
(:data:`EngineOption`, :data:`WorkersOption`, :data:`SchedulerOption`):
``--engine memory|dask``, ``--workers N`` (local worker processes) or
``--scheduler ADDRESS`` (a running dask cluster; default
``$TENGLONG_DASK_SCHEDULER``).

Exit codes: 0 done; 2 bad input (a path that cannot be read or written, an
option out of range — the message says which).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from geo.cli._options import EngineChoice, EngineOption, SchedulerOption, WorkersOption
from geo.dataset.parquet import DEFAULT_PARTITION_ROWS, DEFAULT_ROW_GROUP_ROWS

logger = logging.getLogger(__name__)


class Target(StrEnum):
    """What ``convert`` writes."""

    parquet = "parquet"
    gpkg = "gpkg"


def convert(
    source: Annotated[
        Path, typer.Argument(help="Workspace GeoPackage (.gpkg) or GeoParquet dataset directory.")
    ],
    dest: Annotated[
        Path,
        typer.Argument(help="Dataset directory (--to parquet) or GeoPackage file (--to gpkg)."),
    ],
    *,
    to: Annotated[
        Target, typer.Option("--to", help="parquet: a dataset directory; gpkg: a GeoPackage.")
    ],
    partition_rows: Annotated[
        int, typer.Option(min=1, help="Parcels per partition file (--to parquet).")
    ] = DEFAULT_PARTITION_ROWS,
    row_group_rows: Annotated[
        int, typer.Option(min=1, help="Parcels per Parquet row group (--to parquet).")
    ] = DEFAULT_ROW_GROUP_ROWS,
    overwrite: Annotated[bool, typer.Option(help="Replace DEST if it exists.")] = False,
) -> None:
    """Convert a workspace to a GeoParquet dataset directory, or back to a GeoPackage.

    Parcels are sorted by Hilbert distance and split into partitions, so that
    `--engine dask` and the map read only what they need. Geometry is kept in
    the workspace's projected CGCS2000 GK zone in the dataset, and in EPSG:4490
    in a GeoPackage.
    """
    from geo.dataset.parquet import read_info
    from geo.engine import DatasetError, EngineError, convert_to_gpkg, convert_to_parquet
    from geo.workspace import WorkspaceError

    err_console = Console(stderr=True)
    try:
        if not source.exists():
            raise DatasetError(f"{source} does not exist; give a .gpkg workspace or a dataset")
        if to is Target.parquet:
            out = convert_to_parquet(
                source,
                dest,
                partition_rows=partition_rows,
                row_group_rows=row_group_rows,
                overwrite=overwrite,
            )
            info = read_info(out)
            msg = (
                f"wrote {out}: {info.n_parcels:,} parcels in {len(info.partitions)} "
                f"partition(s), {', '.join(info.tables) or 'no other table'}; "
                f"{info.crs.to_string()}"
            )
        else:
            out = convert_to_gpkg(source, dest, overwrite=overwrite)
            msg = f"wrote {out} (EPSG:4490)"
    except (DatasetError, EngineError, WorkspaceError, ValueError, OSError) as err:
        err_console.print(f"[red]error:[/red] {escape(str(err))}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    Console().print(escape(msg), highlight=False, soft_wrap=True)


__all__ = [
    "EngineChoice",
    "EngineOption",
    "SchedulerOption",
    "Target",
    "WorkersOption",
    "convert",
]
