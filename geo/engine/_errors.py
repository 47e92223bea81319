"""Errors of the engine and the GeoParquet datasets; each message says what to do next."""

from __future__ import annotations


class EngineError(ValueError):
    """An engine or dataset option cannot be used as given (the message lists the choices)."""


class DatasetError(RuntimeError):
    """A GeoParquet dataset cannot be read or written; the message says what to do."""
