"""Safe import of planners' files into a workspace (docs/architecture.md §2, §8).

Sources: GeoPackage, shapefile (loose parts or zipped, also in a subfolder),
GeoJSON, KML/KMZ, DXF, GeoParquet, CSV and xlsx with WKT or x/y columns, and
the 报盘坐标 txt of 报批/勘测定界 packages (:mod:`geo.io.baopan`; also a zip of them).

Two calls do an import; the CLI (``tenglong import``) and the app's Import
page both use them:

- :func:`preview_import` reads the source in a sandboxed parser, detects its
  encoding and CRS, maps its columns onto the data model and validates every
  row; nothing is written.
- :func:`apply_import` writes a preview atomically, only when it validates
  (or its repairs are accepted).

Every failure is a :class:`DataImportError` (a ``ValueError``) whose message
says what is wrong and what to do.
"""

from geo.io.errors import (
    CorruptSourceError,
    DataImportError,
    ImportBlockedError,
    ImportCRSError,
    MappingError,
    ResourceLimitError,
    SourceEncodingError,
    UnsafeSourceError,
    UnsupportedSourceError,
    WorkspaceChangedError,
)
from geo.io.importer import (
    ImportPreview,
    ImportResult,
    apply_import,
    guess_table,
    name_rejected_file,
    preview_import,
)
from geo.io.mapping import DECLARED_AREA, IMPORT_TABLES, plan_mapping
from geo.io.rejected import (
    commit_rejected,
    rejected_bytes,
    rejected_name,
    stage_rejected,
    write_rejected,
)
from geo.io.report import REPORT_COLUMNS, write_report
from geo.io.safety import DEFAULT_LIMITS, FORMATS, ImportLimits
from geo.io.sandbox import ParserSession, use_session
from geo.io.sources import SourceData, SourceFile, read_source

__all__ = [
    "DECLARED_AREA",
    "DEFAULT_LIMITS",
    "FORMATS",
    "IMPORT_TABLES",
    "REPORT_COLUMNS",
    "CorruptSourceError",
    "DataImportError",
    "ImportBlockedError",
    "ImportCRSError",
    "ImportLimits",
    "ImportPreview",
    "ImportResult",
    "MappingError",
    "ParserSession",
    "ResourceLimitError",
    "SourceData",
    "SourceEncodingError",
    "SourceFile",
    "UnsafeSourceError",
    "UnsupportedSourceError",
    "WorkspaceChangedError",
    "apply_import",
    "commit_rejected",
    "guess_table",
    "name_rejected_file",
    "plan_mapping",
    "preview_import",
    "read_source",
    "rejected_bytes",
    "rejected_name",
    "stage_rejected",
    "use_session",
    "write_rejected",
    "write_report",
]
