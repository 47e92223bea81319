"""Errors of :mod:`geo.io`: every failed import ends in one of these.

Each message says what is wrong and what to do next. All subclass
:class:`DataImportError`, itself a :class:`ValueError`, so a caller can catch
one class and show the message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.crs import MissingCRSError
from geo.errors import InputError

if TYPE_CHECKING:
    import pandas as pd


class DataImportError(InputError):
    """An import that cannot go on; the message says what to do."""


class UnsupportedSourceError(DataImportError):
    """The file is not one of the formats Tenglong imports."""


class UnsafeSourceError(DataImportError):
    """The file is refused for safety (VRT, XML entities, zip slip, zip bomb…)."""


class ResourceLimitError(DataImportError):
    """The file exceeds a size, entry, memory or time limit."""


class CorruptSourceError(DataImportError):
    """The file is damaged or truncated, or its parser gave up on it."""


class SourceEncodingError(DataImportError):
    """An unknown or unusable text encoding."""


class MappingError(DataImportError):
    """A ``--map``/``--default`` option that names no known column or field."""


class ImportCRSError(DataImportError, MissingCRSError):
    """The source has no CRS (or a wrong one for the requested conversion).

    ``suggested_epsg`` and ``reason`` carry the suggestion drawn from the
    coordinates (:func:`geo.crs.suggest_epsg`).
    """

    def __init__(self, message: str, *, suggested_epsg: int | None = None, reason: str = ""):
        super().__init__(message)
        self.suggested_epsg = suggested_epsg
        self.reason = reason


class ImportBlockedError(DataImportError):
    """Validation errors (or repairs not accepted) stop the write.

    ``report`` is the full validation report (:func:`geo.io.preview_import`).
    """

    def __init__(self, message: str, *, report: pd.DataFrame | None = None):
        super().__init__(message)
        self.report = report


class LedgerError(DataImportError):
    """A ledger (台账) that cannot be used to update parcels: no key column, empty, unreadable."""


class WorkspaceChangedError(DataImportError):
    """The workspace file changed between the preview and the write."""
