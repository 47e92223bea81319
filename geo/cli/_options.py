"""Options shared by several commands: the engine choice and the output format.

Kept free of heavy imports (no pandas, no geopandas) so that ``tenglong
--help`` stays fast: a command imports what it computes with when it runs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from geo.settings import SCHEDULER_ENV


class OutputFormat(StrEnum):
    """How a table of results is written."""

    table = "table"
    csv = "csv"
    json = "json"


class EngineChoice(StrEnum):
    """Where the calculations run."""

    memory = "memory"
    dask = "dask"


EngineOption = Annotated[
    EngineChoice,
    typer.Option(
        "--engine",
        help="memory: everything in this process (default); dask: parcel partitions on "
        "dask workers (a GeoParquet dataset from `tenglong convert`; same figures).",
    ),
]
"""``--engine memory|dask`` for commands that compute on parcels."""

WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", min=1, help="--engine dask: start this many local worker processes."),
]
"""``--workers N``: a local dask cluster of N worker processes."""

SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help=f"--engine dask: address of a running dask scheduler (tcp://HOST:8786); "
        f"default ${SCHEDULER_ENV}, else a local cluster.",
    ),
]
"""``--scheduler ADDRESS``: a running dask cluster (default ``$TENGLONG_DASK_SCHEDULER``)."""
