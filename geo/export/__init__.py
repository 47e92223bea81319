"""Exports: a workspace as files for one role (docs/architecture.md §1, reporting staff and 招商).

One module per family of formats: :mod:`geo.export.tabular` (xlsx, csv),
:mod:`geo.export.gis` (gpkg, zipped shapefiles, GeoJSON, KML),
:mod:`geo.export.pdf` (site sheet, land-release report) and
:mod:`geo.export.html` (offline map). :func:`export_bytes` and
:func:`export_file` (:mod:`geo.export.formats`) dispatch by format name.

Whatever the format, an export holds only what its role may see
(:func:`geo.export._context.role_tables`).
"""

from geo.export._context import ExportContext, ExportError, prepare, role_tables
from geo.export.formats import (
    FORMATS,
    SUFFIXES,
    Format,
    export_bytes,
    export_file,
    format_for_path,
    get_format,
)

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "ExportContext",
    "ExportError",
    "Format",
    "export_bytes",
    "export_file",
    "format_for_path",
    "get_format",
    "prepare",
    "role_tables",
]
