"""The land-release report as labelled tables, shared by xlsx, csv and pdf.

Every figure comes from the calculation modules — release summaries
(:func:`geo.release.release_summary`, with areas chosen as ``tenglong
summary`` chooses them), the soil gate (:func:`geo.soil.soil_flags`), the 亩均
evaluation (:func:`geo.benefit.evaluate`, :func:`geo.benefit.summarize`,
:func:`geo.benefit.drop_internal`) — computed on the tables the export's role
may see (:class:`geo.export._context.ExportContext`). This module only
chooses columns, translates codes into labels and adds units to headers.

A :class:`Sheet` holds display values (labels for codes, numbers as numbers,
dates as dates) and its :class:`Col` specs say how to format each column.
"""

from __future__ import annotations

from geo.export.report.findings import (  # noqa: F401
    benefit_sheets,
    ctx_preset_title,
    soil_sheet,
)
from geo.export.report.labels import (  # noqa: F401
    _COLUMN_TEXT,
    SOIL_FLAGS,
    SOIL_SEVERITY,
    TEXT,
    area_name,
    header,
    kind_text,
    land_use_text,
    status_text,
    t,
    yes_no,
)
from geo.export.report.overview import (  # noqa: F401
    Headline,
    headline,
    overview_sheet,
    provenance_rows,
    provenance_sheet,
    report_sheets,
)
from geo.export.report.release import (  # noqa: F401
    _AREA_UNITS,
    _PARCEL_ORDER,
    _display,
    _release_error,
    by_area_sheet,
    by_dim_sheet,
    containing_area_names,
    parcel_sheet,
    release_by,
    release_by_area,
)
from geo.export.report.sheet import (  # noqa: F401
    KINDS,
    Col,
    Sheet,
    _area_cols,
    _note_sheet,
)

__all__ = [
    "TEXT",
    "Col",
    "Headline",
    "Sheet",
    "by_area_sheet",
    "by_dim_sheet",
    "header",
    "headline",
    "parcel_sheet",
    "provenance_rows",
    "release_by",
    "release_by_area",
    "report_sheets",
    "soil_sheet",
    "t",
]
