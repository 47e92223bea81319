"""Waiting for a busy workspace: bounded, with exponential backoff and jitter.

An edit that finds the write lock taken (SQLite ``SQLITE_BUSY``, a PostgreSQL
lock wait) does not give up at the first refusal: it tries again after
``first_s``, then after twice as long, and so on up to ``cap_s`` per pause,
each pause a random fraction of its bound ("full jitter", so that many
waiting editors do not retry in step), until the total wait
(:func:`edit_wait_s`, ``TENGLONG_EDIT_WAIT_S``, default 60 s) is spent. Edits
of different parcels therefore queue and succeed; only an edit that still
finds the lock taken after the total wait is refused
(:class:`~geo.store.StoreBusyError`). A real conflict on the same parcel is
not a busy lock: the optimistic check (:class:`~geo.store.EditConflict`)
refuses it at once.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from typing import TypeVar

logger = logging.getLogger(__name__)

EDIT_WAIT_ENV = "TENGLONG_EDIT_WAIT_S"
"""Environment variable: how long an edit waits for a busy workspace, in seconds."""

DEFAULT_EDIT_WAIT_S = 60.0
"""Default total wait for the write lock, in seconds."""

FIRST_PAUSE_S = 0.002
"""Upper bound of the first pause between attempts."""

MAX_PAUSE_S = 0.25
"""Upper bound of any one pause between attempts."""

T = TypeVar("T")


def edit_wait_s(explicit: float | None = None) -> float:
    """The total time an edit may wait for a busy workspace, in seconds.

    ``explicit`` when given, else ``$TENGLONG_EDIT_WAIT_S``, else
    :data:`DEFAULT_EDIT_WAIT_S`.

    Raises
    ------
    ValueError
        ``TENGLONG_EDIT_WAIT_S`` is not a number of seconds ≥ 0.

    Examples
    --------
    >>> edit_wait_s(2.5)
    2.5
    """
    if explicit is not None:
        return max(0.0, float(explicit))
    raw = os.environ.get(EDIT_WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_EDIT_WAIT_S
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:  # also NaN
        raise ValueError(
            f"{EDIT_WAIT_ENV}={raw!r} is not a number of seconds; set it to e.g. 60 "
            f"(how long an edit waits for another editor's save) or unset it"
        )
    return value


def pause_s(attempt: int, rng: random.Random | None = None) -> float:
    """The pause after the ``attempt``-th refusal (0-based): uniform in [0, bound].

    The bound is ``FIRST_PAUSE_S · 2**attempt``, at most :data:`MAX_PAUSE_S`.

    Examples
    --------
    >>> 0 <= pause_s(0) <= FIRST_PAUSE_S and 0 <= pause_s(30) <= MAX_PAUSE_S
    True
    """
    bound = min(MAX_PAUSE_S, FIRST_PAUSE_S * 2 ** min(attempt, 30))
    return (rng or random).uniform(0.0, bound)


def retry_busy(
    attempt: Callable[[], T],
    *,
    is_busy: Callable[[BaseException], bool],
    wait_s: float,
    what: str = "edit",
) -> T:
    """Call ``attempt`` until it does not fail with a busy error or ``wait_s`` is spent.

    Parameters
    ----------
    attempt
        The action, e.g. ``lambda: conn.execute("BEGIN IMMEDIATE")``.
    is_busy
        True for the errors that mean "the lock is taken, try again".
    wait_s
        Total time to keep trying.
    what
        For the debug log.

    Raises
    ------
    BaseException
        The last busy error once ``wait_s`` is spent; any other error at once.
    """
    deadline = time.monotonic() + wait_s
    n = 0
    while True:
        try:
            return attempt()
        except Exception as err:
            if not is_busy(err):
                raise
            left = deadline - time.monotonic()
            if left <= 0:
                logger.info("%s: still busy after %d attempt(s), %.1f s", what, n + 1, wait_s)
                raise
            time.sleep(min(left, pause_s(n)))
            n += 1


__all__ = [
    "DEFAULT_EDIT_WAIT_S",
    "EDIT_WAIT_ENV",
    "edit_wait_s",
    "pause_s",
    "retry_busy",
]
