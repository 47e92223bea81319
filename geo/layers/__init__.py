"""Declarative map-layer specs (``layers/*.toml``) and the rows each role may see.

A layer spec is one TOML file. Adding a layer is adding a file: no code. A spec
names its source table and filter, its style (one colour, categories of a field
or numeric classes, each with legend entries), tooltip, popup and label fields
(zh/en labels and units come from :mod:`geo.schema` unless the spec overrides
them), its z-order, default visibility, theme group, and which roles see the
layer and which fields each role receives.

Example (``layers/freed_land.toml``)::

    title = { zh = "腾退土地", en = "Freed land" }
    theme = { id = "land", zh = "用地", en = "Land", order = 10 }
    z_index = 35
    visible = false

    [source]
    table = "parcels"
    filter = [{ field = "status", op = "in", value = "@FREED_STATUSES" }]

    [style]
    color = "#d1495b"

    [tooltip]
    fields = ["parcel_id", "status", "area_mu"]

    [roles.planner]
    fields = ["*"]

Access rules (docs/architecture.md §1, enforced here, on the server, whatever a spec says)
-------------------------------------------------------------------------------
- A role receives only the fields its ``roles.<role>.fields`` lists, plus the
  table key (``parcel_id``…) and the fields needed to draw (style and label
  fields). ``"*"`` (every column) is allowed for the planner only.
- The investor never receives :func:`investor_forbidden_fields` (the internal
  fields of the table and 亩均 scores/classes of named firms): a spec
  that lists one for the investor is an error, and the columns are dropped
  before any GeoJSON is built even if a spec slipped through.
- The investor sees only parcels that are available to supply:
  ``status`` in :data:`INVESTOR_PARCEL_STATUSES` (released 已腾退 or stored
  已收储). Parcels still operating or to be released are not public; parcels
  already supplied or in production belong to another firm. A parcels table
  without ``status`` gives the investor no parcels at all.
"""

from __future__ import annotations

from geo.access import (  # noqa: F401  (the visibility policy, re-exported for spec readers)
    INVESTOR_PARCEL_STATUSES,
    PUBLIC_ROLE,
    SPEC_ROLES as ROLES,
    investor_forbidden_fields,
    spec_role,
)
from geo.layers.parse import (  # noqa: F401
    _TOP_KEYS,
    _color,
    _display_name,
    _is_color,
    _number,
    _parse_fields,
    _parse_filter,
    _parse_roles,
    _parse_style,
    _parse_theme,
    _Problems,
    _str_list,
    _text,
    layers_dir,
    load_layer_spec,
    load_layer_specs,
    parse_layer_spec,
)
from geo.layers.select import (  # noqa: F401
    LayerRows,
    _apply_condition,
    _with_derived,
    field_label,
    field_vocabulary,
    role_fields,
    select_rows,
)
from geo.layers.spec import (  # noqa: F401
    Category,
    Condition,
    FieldDisplay,
    LabelSpec,
    LayerSpec,
    Style,
    Text,
    Theme,
)
from geo.layers.vocab import (  # noqa: F401
    _DEFAULT_FIELD_VOCAB,
    DEFAULT_LAYERS_DIR,
    DERIVED_FIELDS,
    FILTER_OPS,
    GEOMETRY_KINDS,
    VALUE_SETS,
    VOCABULARIES,
    VOCABULARY_COLORS,
    LayerSpecError,
    _freed,
    _soil_required,
)
