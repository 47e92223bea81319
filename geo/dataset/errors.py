"""Errors of GeoParquet datasets and of the engine choice; each message says what to do next."""

from __future__ import annotations

from geo.errors import InputError, OperationError


class EngineError(InputError):
    """An engine or dataset option cannot be used as given (the message lists the choices)."""


class DatasetError(OperationError):
    """A GeoParquet dataset cannot be read or written; the message says what to do."""
