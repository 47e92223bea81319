"""Attribute mapping: source headers onto the data model, with units and vocabularies.

Headers are recognised in Chinese and English (``地块编号``, ``parcel_id``,
``Parcel ID``…), after Unicode normalisation (full-width brackets and
digits), ignoring case, spaces and ``_-.``. A unit in the header is read and
converted: ``面积(公顷)`` is a declared area in hectares, ``税收(元)`` is
divided by 10,000 to 万元, ``用电量(万千瓦时)`` becomes MWh.

Values are normalised per field: status words (``已腾退`` → ``released``),
land-use codes (``100102``, ``二类工业用地``, ``100102 二类工业用地``, the
leading zero Excel dropped from ``0901``, old GB 50137 codes such as ``M2``),
yes/no words, dates in Chinese formats, numbers with thousands separators.
What cannot be understood is reported (:class:`~geo.io.report.Finding`) and
left for the user to fix; nothing is guessed silently.

The declared area of a parcel or planning area is kept in
:data:`DECLARED_AREA` (亩) for the area check; the workspace's ``area_mu``
stays a cache of the geometry.
"""

from __future__ import annotations

from geo.io.mapping.aliases import (  # noqa: F401
    _ALIASES,
    _AREA_STEMS,
    _EMPTY,
    _FALSE,
    _KIND_WORDS,
    _OLD_LAND_USE,
    _RATIO_FIELDS,
    _SCALE_WORDS,
    _STATUS_WORDS,
    _TRUE,
    _UNITS,
    DECLARED_AREA,
    IGNORE,
    IMPORT_TABLES,
    POLYGON_TABLES,
)
from geo.io.mapping.apply import (  # noqa: F401
    _status_hint,
    _value_kind,
    apply_mapping,
    convert_column,
)
from geo.io.mapping.plan import (  # noqa: F401
    _EXTRA_NAME,
    FieldMatch,
    MappingPlan,
    _declared_area_field,
    _resolve_unit,
    plan_mapping,
    tolerated_missing,
)
from geo.io.mapping.units import (  # noqa: F401
    _AREA_KEYS,
    _UNIT_SUFFIXES,
    _alias_index,
    _field_unit,
    _norm_unit,
    norm_header,
    split_unit,
    unit_of,
)
from geo.io.mapping.values import (  # noqa: F401
    _DATE_PATTERNS,
    _KIND_INDEX,
    _LAND_USE_BY_NAME,
    _SCALE_INDEX,
    _STATUS_INDEX,
    _is_empty,
    _text,
    _vocab,
    parse_bool,
    parse_date,
    parse_land_use,
    parse_number,
    parse_status,
)
