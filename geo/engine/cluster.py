"""Dask clusters for the dask engine: local worker processes or a scheduler's address.

The dask engine runs on a ``distributed`` client:

- ``workers=N`` (``--workers N``) starts a local cluster of N worker
  processes with one thread each (default: one per CPU this process may use);
- ``scheduler="tcp://HOST:8786"`` (``--scheduler``) connects to a running
  cluster, e.g. ``dask scheduler`` on one machine and ``dask worker
  tcp://HOST:8786`` on each of the others (every worker needs Tenglong
  installed, and read access to the dataset at the same path);
- otherwise the environment variable :data:`SCHEDULER_ENV`
  (``TENGLONG_DASK_SCHEDULER``) names the scheduler, if set.

Progress is shown with a rich progress bar on stderr (only on a terminal)
as partitions finish.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from geo import settings
from geo.engine._errors import EngineError

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

logger = logging.getLogger(__name__)

SCHEDULER_ENV = settings.SCHEDULER_ENV
"""Environment variable with the address of a dask scheduler (``tcp://host:8786``)."""


def default_workers() -> int:
    """Local worker processes by default: the CPUs this process may use."""
    from geo.release import default_threads

    return default_threads()


def scheduler_address(scheduler: str | None = None) -> str | None:
    """The scheduler to connect to: ``scheduler``, else ``$TENGLONG_DASK_SCHEDULER``, else None.

    Examples
    --------
    >>> scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    """
    if scheduler:
        return str(scheduler)
    return settings.get(SCHEDULER_ENV)


@contextmanager
def _quiet_distributed() -> Iterator[None]:
    """Keep dask's own INFO chatter (cluster start and stop) out of the output.

    Its warnings and errors still show; everything shows when the root logger
    is at DEBUG.
    """
    log = logging.getLogger("distributed")
    old = log.level
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(old)


@contextmanager
def dask_client(
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    memory_limit: str | float | None = "auto",
) -> Iterator[Client]:
    """A ``distributed.Client`` for the dask engine, closed on exit.

    Parameters
    ----------
    workers
        Start a local cluster of this many worker processes (one thread each).
    scheduler
        Connect to this scheduler instead (default: ``$TENGLONG_DASK_SCHEDULER``
        when ``workers`` is not given).
    memory_limit
        Per local worker (dask's ``"auto"``: the machine's memory shared out).

    Raises
    ------
    EngineError
        Both ``workers`` and ``scheduler`` given, ``workers`` below 1, or the
        dask packages missing.
    """
    if workers is not None and scheduler:
        raise EngineError(
            "give --workers (a local cluster) or --scheduler (a running cluster), not both"
        )
    if workers is not None and int(workers) < 1:
        raise EngineError(f"--workers must be at least 1, got {workers}")
    try:
        import distributed  # noqa: F401
    except ImportError as err:  # pragma: no cover - dependency missing
        raise EngineError(
            "the dask engine needs dask[distributed] and dask-geopandas: "
            "pip install 'dask[distributed]' dask-geopandas"
        ) from err
    with _quiet_distributed():
        yield from _client(
            workers, scheduler_address(scheduler) if workers is None else None, memory_limit
        )


def _client(
    workers: int | None, address: str | None, memory_limit: str | float | None
) -> Iterator[Client]:
    from distributed import Client, LocalCluster

    if address:
        logger.info("connecting to the dask scheduler at %s", address)
        try:
            client = Client(address, timeout="20s")
        except OSError as err:
            raise EngineError(
                f"cannot reach the dask scheduler at {address} ({err}); start it with "
                f"`dask scheduler` and check the address (--scheduler or ${SCHEDULER_ENV})"
            ) from err
        try:
            yield client
        finally:
            client.close()
        return
    n = int(workers) if workers is not None else default_workers()
    logger.info("starting a local dask cluster: %d worker process(es), 1 thread each", n)
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        memory_limit=memory_limit,
        silence_logs=logging.ERROR,
    )
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def worker_pids(client: Client) -> list[int]:
    """Process IDs of the client's workers (local clusters; for memory measurements)."""
    return sorted(int(pid) for pid in client.run(os.getpid).values())


def compute_partitions(
    tasks: Sequence[Any],
    *,
    client: Client,
    description: str = "partitions",
    progress: bool = False,
) -> list[Any]:
    """Compute dask tasks (one per partition) on ``client``, results in task order.

    With ``progress``, a rich progress bar on stderr advances as partitions
    finish (shown only when stderr is a terminal).
    """
    from distributed import as_completed

    futures = client.compute(list(tasks))
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        console = Console(stderr=True)
        bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
    try:
        if progress:
            with bar:
                task = bar.add_task(description, total=len(futures))
                for fut in as_completed(futures):
                    results[index[fut.key]] = fut.result()
                    fut.release()
                    bar.advance(task)
        else:
            for fut in as_completed(futures):
                results[index[fut.key]] = fut.result()
                fut.release()
    finally:
        client.cancel([f for f in futures if not f.done()])
    return results


__all__ = [
    "SCHEDULER_ENV",
    "compute_partitions",
    "dask_client",
    "default_workers",
    "scheduler_address",
    "worker_pids",
]
