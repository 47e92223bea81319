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

import logging
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema, settings
from geo.access import (
    INVESTOR_PARCEL_STATUSES,
    PUBLIC_ROLE,
    SPEC_ROLES as ROLES,
    investor_forbidden_fields,
    spec_role,
)
from geo.errors import InputError

logger = logging.getLogger(__name__)

DEFAULT_LAYERS_DIR = Path(__file__).resolve().parent.parent / "layers"
"""``layers/`` of the source tree; ``TENGLONG_LAYERS_DIR`` overrides it."""

VOCABULARIES: dict[str, dict[str, tuple[str, str]]] = {
    "status": schema.STATUS_LABELS,
    "area_kind": schema.AREA_KINDS,
    "boundary_level": schema.BOUNDARY_LEVELS,
    "land_use": {code: (lu.zh, lu.en) for code, lu in schema.LAND_USES.items()},
    "yes_no": {"true": ("是", "yes"), "false": ("否", "no")},
}
"""Value → (zh, en) labels a spec can name with ``vocabulary = "..."``."""

VOCABULARY_COLORS: dict[str, dict[str, str]] = {"status": schema.STATUS_COLORS}
"""Default category colours of a vocabulary."""

_DEFAULT_FIELD_VOCAB: dict[str, str] = {
    "status": "status",
    "kind": "area_kind",
    "level": "boundary_level",
    "land_use_now": "land_use",
    "land_use_planned": "land_use",
    "polluting_history": "yes_no",
    "soil_investigation_required": "yes_no",
}

VALUE_SETS: dict[str, frozenset[str]] = {
    "STATUSES": frozenset(schema.STATUSES),
    "FREED_STATUSES": schema.FREED_STATUSES,
    "AVAILABLE_STATUSES": INVESTOR_PARCEL_STATUSES,
    "FIRST_CLASS_SOIL_CODES": schema.FIRST_CLASS_SOIL_CODES,
}
"""Named value sets a filter can use as ``value = "@NAME"``."""

FILTER_OPS: tuple[str, ...] = (
    "==",
    "!=",
    "in",
    "not_in",
    "<",
    "<=",
    ">",
    ">=",
    "is_null",
    "not_null",
)

GEOMETRY_KINDS = ("polygon", "line")


def _soil_required(df: pd.DataFrame) -> pd.Series:
    from geo.soil import soil_flags

    # geo.soil decides; only parcels that can be flagged as blocking are passed
    # to it (a polluting history and a first-class or public-service planned use).
    codes = df["land_use_planned"].astype("string")
    polluting = df["polluting_history"].map(lambda v: v is True or v == 1 or v == "true")
    first = codes.map(schema.is_first_class_soil_use, na_action="ignore").fillna(False)
    public = codes.str.startswith("08").fillna(False)
    candidates = df[(polluting & (first.astype(bool) | public.astype(bool))).to_numpy()]
    if candidates.empty:
        return pd.Series(False, index=df.index)
    flags = soil_flags(candidates, unknown_history=False)
    blocking = set(flags.loc[flags["severity"] == "blocking", "parcel_id"])
    return df["parcel_id"].isin(blocking)


def _freed(df: pd.DataFrame) -> pd.Series:
    return df["status"].isin(schema.FREED_STATUSES)


DERIVED_FIELDS: dict[str, tuple[tuple[str, ...], Callable[[pd.DataFrame], pd.Series]]] = {
    "soil_investigation_required": (
        ("parcel_id", "polluting_history", "land_use_planned"),
        _soil_required,
    ),
    "freed": (("status",), _freed),
}
"""Fields computed when a table lacks them: name → (needed columns, function).

``soil_investigation_required`` is the soil gate of docs/architecture.md §5.6
(:func:`geo.soil.soil_flags`, blocking flags): a parcel with a polluting
history planned as first-class or public-service land, not yet investigated.
"""


class LayerSpecError(InputError):
    """A layer spec is invalid; the message names the file and the key."""


# ---------------------------------------------------------------------------
# Spec dataclasses
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A zh/en pair."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Theme:
    """A group in the layer control."""

    id: str
    label: Text
    order: int = 100


@dataclass(frozen=True)
class Condition:
    """One filter condition; all conditions of a spec must hold."""

    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Category:
    """One legend entry of a categorical style."""

    value: str
    color: str
    label: Text | None = None


@dataclass(frozen=True)
class Style:
    """How features are drawn: one colour, categories of a field, or numeric classes."""

    kind: Literal["single", "categorical", "bins"] = "single"
    by: str | None = None
    color: str = "#3388ff"
    stroke: str | None = None
    weight: float = 1.0
    opacity: float = 1.0
    fill: bool = True
    fill_opacity: float = 0.5
    dash: str | None = None
    vocabulary: str | None = None
    categories: tuple[Category, ...] = ()
    palette: tuple[str, ...] = ()
    other_color: str = "#bbbbbb"
    breaks: tuple[float, ...] = ()
    colors: tuple[str, ...] = ()
    legend: Text | None = None


@dataclass(frozen=True)
class FieldDisplay:
    """How one field is shown: label, unit, decimals, value vocabulary."""

    label: Text | None = None
    unit: Text | None = None
    decimals: int | None = None
    vocabulary: str | None = None


@dataclass(frozen=True)
class LabelSpec:
    """Permanent text labels on features."""

    field: str
    min_zoom: int = 0
    field_en: str | None = None
    """Used instead of ``field`` on English maps when the role receives it."""


@dataclass(frozen=True)
class LayerSpec:
    """One map layer, as parsed from ``layers/<id>.toml``."""

    id: str
    source_file: str
    title: Text
    theme: Theme
    table: str
    geometry: Literal["polygon", "line"]
    filter: tuple[Condition, ...] = ()
    style: Style = field(default_factory=Style)
    tooltip: tuple[str, ...] = ()
    popup: tuple[str, ...] = ()
    label: LabelSpec | None = None
    fields: Mapping[str, FieldDisplay] = field(default_factory=dict)
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    z_index: int = 0
    visible: bool | tuple[str, ...] = True
    """Shown when the map opens: true/false, or the roles it is shown to."""
    simplify_m: float = 0.5
    aggregate_above: int | None = 5000
    description: Text | None = None

    @property
    def key(self) -> str | None:
        """The stable identifier column of the source table (``parcel_id``…)."""
        return schema.TABLES[self.table].key

    def allows(self, role: str) -> bool:
        """True when ``role`` may see this layer."""
        return role in self.roles

    def visible_for(self, role: str) -> bool:
        """True when the layer is switched on when the map opens for ``role``."""
        return self.visible if isinstance(self.visible, bool) else role in self.visible

    def drawing_fields(self) -> tuple[str, ...]:
        """Fields needed to draw the layer whatever the role: key, style, label."""
        out = [f for f in (self.key, self.style.by, self.label.field if self.label else None) if f]
        return tuple(dict.fromkeys(out))


# ---------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------


class _Problems:
    """Collects every problem of one spec, reported once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(f"{self.source}: {key}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise LayerSpecError("\n".join(self.items))


_TOP_KEYS = {
    "id",
    "title",
    "description",
    "theme",
    "z_index",
    "visible",
    "source",
    "style",
    "tooltip",
    "popup",
    "label",
    "fields",
    "roles",
    "display",
}


def _text(value: Any, key: str, pb: _Problems, *, required: bool = True) -> Text | None:
    if value is None:
        if required:
            pb.add(key, 'missing; give a table like { zh = "…", en = "…" }')
        return None
    if isinstance(value, str):
        return Text(value, value)
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in ("zh", "en")):
        pb.add(key, "must be a table with string keys zh and en")
        return None
    return Text(value["zh"], value["en"])


def _str_list(value: Any, key: str, pb: _Problems) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        pb.add(key, "must be a list of field names (strings)")
        return ()
    return tuple(value)


def _is_color(value: Any) -> bool:
    if not isinstance(value, str) or not value.startswith("#") or len(value) not in (4, 7, 9):
        return False
    try:
        int(value[1:], 16)
    except ValueError:
        return False
    return True


def _color(value: Any, key: str, pb: _Problems, default: str | None) -> str | None:
    if value is None:
        return default
    if not _is_color(value):
        pb.add(key, f"{value!r} is not a colour; use #rrggbb")
        return default
    return str(value)


def _number(value: Any, key: str, pb: _Problems, default: float, lo: float, hi: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        pb.add(key, f"{value!r} must be a number in [{lo}, {hi}]")
        return default
    return float(value)


def _parse_theme(value: Any, pb: _Problems) -> Theme:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        pb.add("theme", 'missing or invalid; give { id = "land", zh = "用地", en = "Land" }')
        return Theme("other", Text("其他", "Other"))
    label = _text({k: value.get(k) for k in ("zh", "en")}, "theme", pb) or Text(
        value["id"], value["id"]
    )
    order = value.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        pb.add("theme.order", "must be an integer")
        order = 100
    return Theme(value["id"], label, order)


def _parse_filter(value: Any, pb: _Problems) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        pb.add("source.filter", 'must be a list of { field = "…", op = "…", value = … }')
        return ()
    out = []
    for i, cond in enumerate(value):
        key = f"source.filter[{i}]"
        if not isinstance(cond, dict) or not isinstance(cond.get("field"), str):
            pb.add(key, "needs a field name (string)")
            continue
        op = cond.get("op", "==")
        if op not in FILTER_OPS:
            pb.add(f"{key}.op", f"unknown operator {op!r}; use one of {', '.join(FILTER_OPS)}")
            continue
        val = cond.get("value")
        if op in ("is_null", "not_null"):
            val = None
        elif val is None:
            pb.add(f"{key}.value", f"missing; operator {op!r} needs a value")
            continue
        if isinstance(val, str) and val.startswith("@"):
            if val[1:] not in VALUE_SETS:
                pb.add(
                    f"{key}.value",
                    f"unknown value set {val!r}; known: "
                    + ", ".join("@" + k for k in sorted(VALUE_SETS)),
                )
                continue
            val = tuple(sorted(VALUE_SETS[val[1:]]))
        if op in ("in", "not_in"):
            if isinstance(val, str | int | float | bool):
                val = (val,)
            if not isinstance(val, list | tuple):
                pb.add(f"{key}.value", f"operator {op!r} needs a list")
                continue
            val = tuple(val)
        elif isinstance(val, list | tuple):
            pb.add(f"{key}.value", f"operator {op!r} needs a single value, not a list")
            continue
        out.append(Condition(cond["field"], op, val))
    return tuple(out)


def _parse_style(value: Any, geometry: str, pb: _Problems) -> Style:
    if value is None:
        return Style(fill=geometry == "polygon")
    if not isinstance(value, dict):
        pb.add("style", "must be a table")
        return Style()
    known = {f.name for f in Style.__dataclass_fields__.values()}
    for k in value:
        if k not in known:
            pb.add(f"style.{k}", f"unknown key; known: {', '.join(sorted(known))}")
    by = value.get("by")
    if by is not None and not isinstance(by, str):
        pb.add("style.by", "must be a field name (string)")
        by = None
    breaks = value.get("breaks", [])
    kind = value.get("kind") or ("bins" if breaks else "categorical" if by else "single")
    if kind not in ("single", "categorical", "bins"):
        pb.add("style.kind", f"{kind!r} is not one of single, categorical, bins")
        kind = "single"
    if kind != "single" and not by:
        pb.add("style.by", f"missing; a {kind} style needs the field to colour by")
        kind = "single"
    vocab = value.get("vocabulary")
    if vocab is not None and vocab not in VOCABULARIES:
        pb.add("style.vocabulary", f"unknown {vocab!r}; known: {', '.join(VOCABULARIES)}")
        vocab = None
    cats = []
    for i, c in enumerate(value.get("categories", []) or []):
        key = f"style.categories[{i}]"
        if not isinstance(c, dict) or "value" not in c:
            pb.add(key, "needs value and color")
            continue
        col = _color(c.get("color"), f"{key}.color", pb, None)
        if col is None:
            if not (vocab and c["value"] in VOCABULARY_COLORS.get(vocab, {})):
                if "color" not in c:
                    pb.add(f"{key}.color", "missing")
                continue
            col = VOCABULARY_COLORS[vocab][c["value"]]
        lab = _text(c.get("label"), f"{key}.label", pb, required=False)
        cats.append(
            Category(
                str(c["value"]).lower() if isinstance(c["value"], bool) else str(c["value"]),
                col,
                lab,
            )
        )
    palette = tuple(
        p
        for i, p in enumerate(value.get("palette", []) or [])
        if _color(p, f"style.palette[{i}]", pb, None)
    )
    colors = tuple(
        p
        for i, p in enumerate(value.get("colors", []) or [])
        if _color(p, f"style.colors[{i}]", pb, None)
    )
    if kind == "bins":
        if not isinstance(breaks, list) or not all(
            isinstance(b, int | float) and not isinstance(b, bool) for b in breaks
        ):
            pb.add("style.breaks", "must be a list of numbers")
            breaks = []
        elif list(breaks) != sorted(breaks) or not breaks:
            pb.add("style.breaks", "must be a non-empty increasing list")
        if len(colors) != len(breaks) + 1:
            pb.add(
                "style.colors", f"a bins style needs len(breaks) + 1 = {len(breaks) + 1} colours"
            )
    if kind == "categorical" and not cats and not palette and vocab not in VOCABULARY_COLORS:
        pb.add(
            "style.categories",
            "a categorical style needs categories, a palette or a coloured vocabulary",
        )
    dash = value.get("dash")
    if dash is not None and not (isinstance(dash, str) and all(p.isdigit() for p in dash.split())):
        pb.add("style.dash", 'must be a dash pattern like "6 4"')
        dash = None
    fill = value.get("fill", geometry == "polygon")
    if not isinstance(fill, bool):
        pb.add("style.fill", "must be true or false")
        fill = geometry == "polygon"
    return Style(
        kind=kind,
        by=by,
        color=_color(value.get("color"), "style.color", pb, "#3388ff") or "#3388ff",
        stroke=_color(value.get("stroke"), "style.stroke", pb, None),
        weight=_number(value.get("weight"), "style.weight", pb, 1.0, 0, 20),
        opacity=_number(value.get("opacity"), "style.opacity", pb, 1.0, 0, 1),
        fill=fill and geometry == "polygon",
        fill_opacity=_number(value.get("fill_opacity"), "style.fill_opacity", pb, 0.5, 0, 1),
        dash=dash,
        vocabulary=vocab,
        categories=tuple(cats),
        palette=palette,
        other_color=_color(value.get("other_color"), "style.other_color", pb, "#bbbbbb")
        or "#bbbbbb",
        breaks=tuple(float(b) for b in breaks) if kind == "bins" else (),
        colors=colors,
        legend=_text(value.get("legend"), "style.legend", pb, required=False),
    )


def _parse_fields(value: Any, pb: _Problems) -> dict[str, FieldDisplay]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        pb.add("fields", "must be a table of field display settings")
        return {}
    out = {}
    for name, fd in value.items():
        key = f"fields.{name}"
        if not isinstance(fd, dict):
            pb.add(key, "must be a table with label, unit, decimals or vocabulary")
            continue
        for k in fd:
            if k not in ("label", "unit", "decimals", "vocabulary"):
                pb.add(f"{key}.{k}", "unknown key; known: label, unit, decimals, vocabulary")
        dec = fd.get("decimals")
        if dec is not None and (
            not isinstance(dec, int) or isinstance(dec, bool) or not 0 <= dec <= 8
        ):
            pb.add(f"{key}.decimals", "must be an integer 0–8")
            dec = None
        vocab = fd.get("vocabulary")
        if vocab is not None and vocab not in VOCABULARIES:
            pb.add(f"{key}.vocabulary", f"unknown {vocab!r}; known: {', '.join(VOCABULARIES)}")
            vocab = None
        out[name] = FieldDisplay(
            label=_text(fd.get("label"), f"{key}.label", pb, required=False),
            unit=_text(fd.get("unit"), f"{key}.unit", pb, required=False),
            decimals=dec,
            vocabulary=vocab,
        )
    return out


def _parse_roles(
    value: Any, spec_fields: Iterable[str], table: str, pb: _Problems
) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not value:
        pb.add("roles", "missing; give at least [roles.planner] with fields = [...]")
        return {}
    out = {}
    needed = tuple(spec_fields)
    for role, access in value.items():
        key = f"roles.{role}"
        if role not in ROLES:
            pb.add(key, f"unknown role {role!r}; roles are {', '.join(ROLES)}")
            continue
        if not isinstance(access, dict) or "fields" not in access:
            pb.add(f"{key}.fields", "missing; list the fields this role receives")
            continue
        for k in access:
            if k != "fields":
                pb.add(f"{key}.{k}", "unknown key; a role has only fields = [...]")
        fields = _str_list(access["fields"], f"{key}.fields", pb)
        if "*" in fields and role != "planner":
            pb.add(f"{key}.fields", '"*" (every column) is allowed for the planner only')
            continue
        if role == "investor":
            bad = sorted((set(fields) | set(needed)) & investor_forbidden_fields(table))
            if bad:
                pb.add(
                    f"{key}.fields",
                    f"internal field(s) {', '.join(bad)} never reach an investor "
                    "(docs/architecture.md §1)",
                )
                continue
        out[role] = fields
    return out


def parse_layer_spec(
    data: Mapping[str, Any], *, source: str, layer_id: str | None = None
) -> LayerSpec:
    """Validate a parsed TOML document and build a :class:`LayerSpec`.

    Parameters
    ----------
    data
        The TOML document as a dict.
    source
        The file name used in error messages (``layers/parcels.toml``).
    layer_id
        The layer id when the document has no ``id`` (the file stem).

    Raises
    ------
    LayerSpecError
        Every problem found, one per line, each as ``<source>: <key>: <message>``.

    Examples
    --------
    >>> spec = parse_layer_spec(
    ...     {
    ...         "title": {"zh": "道路", "en": "Roads"},
    ...         "theme": {"id": "context", "zh": "基础", "en": "Context"},
    ...         "source": {"table": "roads"},
    ...         "roles": {"planner": {"fields": ["name"]}},
    ...     },
    ...     source="layers/roads.toml",
    ...     layer_id="roads",
    ... )
    >>> spec.geometry, spec.key
    ('line', 'road_id')
    >>> parse_layer_spec({"title": "x"}, source="layers/x.toml")
    Traceback (most recent call last):
    ...
    geo.layers.LayerSpecError: layers/x.toml: id: missing; set id = "…" or name the file
    layers/x.toml: theme: missing or invalid; give { id = "land", zh = "用地", en = "Land" }
    layers/x.toml: source.table: missing; name one of parcels, areas, roads, boundaries
    layers/x.toml: roles: missing; give at least [roles.planner] with fields = [...]
    """
    pb = _Problems(source)
    for k in data:
        if k not in _TOP_KEYS:
            pb.add(k, f"unknown key; known: {', '.join(sorted(_TOP_KEYS))}")
    lid = data.get("id", layer_id)
    if not isinstance(lid, str) or not lid:
        pb.add("id", 'missing; set id = "…" or name the file')
        lid = "?"
    title = _text(data.get("title"), "title", pb) or Text(lid, lid)
    theme = _parse_theme(data.get("theme"), pb)
    geo_tables = [n for n, t in schema.TABLES.items() if t.geometry is not None]
    src = data.get("source")
    table = src.get("table") if isinstance(src, dict) else None
    geometry: Literal["polygon", "line"] = "polygon"
    if table is None:
        pb.add("source.table", f"missing; name one of {', '.join(geo_tables)}")
        table = "parcels"
    elif table not in geo_tables:
        pb.add(
            "source.table", f"unknown table {table!r}; map layers come from {', '.join(geo_tables)}"
        )
        table = "parcels"
    else:
        geometry = "line" if schema.TABLES[table].geometry == schema.LINEAR else "polygon"
    if isinstance(src, dict):
        for k in src:
            if k not in ("table", "filter"):
                pb.add(f"source.{k}", "unknown key; known: table, filter")
    conditions = _parse_filter(src.get("filter") if isinstance(src, dict) else None, pb)
    style = _parse_style(data.get("style"), geometry, pb)

    def _section_fields(name: str) -> tuple[str, ...]:
        sec = data.get(name)
        if sec is None:
            return ()
        if not isinstance(sec, dict):
            pb.add(name, "must be a table with fields = [...]")
            return ()
        return _str_list(sec.get("fields"), f"{name}.fields", pb)

    tooltip = _section_fields("tooltip")
    popup = _section_fields("popup")
    label = None
    lab = data.get("label")
    if lab is not None:
        if not isinstance(lab, dict) or not isinstance(lab.get("field"), str):
            pb.add("label.field", "missing; name the field whose text labels the features")
        else:
            mz = lab.get("min_zoom", 0)
            if not isinstance(mz, int) or isinstance(mz, bool) or not 0 <= mz <= 22:
                pb.add("label.min_zoom", "must be an integer 0–22")
                mz = 0
            fen = lab.get("field_en")
            if fen is not None and not isinstance(fen, str):
                pb.add("label.field_en", "must be a field name (string)")
                fen = None
            for k in lab:
                if k not in ("field", "field_en", "min_zoom"):
                    pb.add(f"label.{k}", "unknown key; known: field, field_en, min_zoom")
            label = LabelSpec(lab["field"], mz, fen)
    fields = _parse_fields(data.get("fields"), pb)
    needed = [f for f in (style.by, label.field if label else None) if f]
    roles = _parse_roles(data.get("roles"), needed, table, pb)
    display = data.get("display", {}) or {}
    if not isinstance(display, dict):
        pb.add("display", "must be a table")
        display = {}
    for k in display:
        if k not in ("simplify_m", "aggregate_above"):
            pb.add(f"display.{k}", "unknown key; known: simplify_m, aggregate_above")
    simplify_m = _number(display.get("simplify_m"), "display.simplify_m", pb, 0.5, 0, 1000)
    agg = display.get("aggregate_above", 5000)
    if agg is not None and (not isinstance(agg, int) or isinstance(agg, bool) or agg < 1):
        pb.add("display.aggregate_above", "must be a positive integer (features)")
        agg = 5000
    if agg == 0:
        agg = None
    z = data.get("z_index", 0)
    if not isinstance(z, int) or isinstance(z, bool):
        pb.add("z_index", "must be an integer")
        z = 0
    visible = data.get("visible", True)
    if isinstance(visible, list) and all(v in ROLES for v in visible):
        visible = tuple(visible)
    elif not isinstance(visible, bool):
        pb.add("visible", f"must be true, false or a list of roles ({', '.join(ROLES)})")
        visible = True
    description = _text(data.get("description"), "description", pb, required=False)
    pb.raise_if_any()
    return LayerSpec(
        id=lid,
        source_file=source,
        title=title,
        theme=theme,
        table=table,
        geometry=geometry,
        filter=conditions,
        style=style,
        tooltip=tooltip,
        popup=popup,
        label=label,
        fields=fields,
        roles=roles,
        z_index=z,
        visible=visible,
        simplify_m=simplify_m,
        aggregate_above=agg,
        description=description,
    )


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(DEFAULT_LAYERS_DIR.parent))
    except ValueError:
        return str(path)


def load_layer_spec(path: str | os.PathLike[str]) -> LayerSpec:
    """Read and validate one ``layers/*.toml`` file.

    Raises
    ------
    LayerSpecError
        The file is not valid TOML, or a key is missing or wrong; the message
        starts with the file name and names the key.
    """
    p = Path(path)
    name = _display_name(p)
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as err:
        raise LayerSpecError(f"{name}: (toml): {err}") from err
    except OSError as err:
        raise LayerSpecError(f"{name}: (file): cannot read ({err.strerror})") from err
    return parse_layer_spec(data, source=name, layer_id=p.stem)


def layers_dir() -> Path:
    """The folder of layer specs: ``$TENGLONG_LAYERS_DIR`` or ``layers/``."""
    return settings.get_path(settings.LAYERS_DIR_ENV) or DEFAULT_LAYERS_DIR


def load_layer_specs(directory: str | os.PathLike[str] | None = None) -> list[LayerSpec]:
    """Every ``*.toml`` spec of a folder, in z-order (bottom first).

    Files whose name starts with ``_`` are ignored. All files are validated and
    all errors are reported together.

    Raises
    ------
    LayerSpecError
        One or more specs are invalid, or two specs share an id.
    """
    folder = Path(directory) if directory is not None else layers_dir()
    if not folder.is_dir():
        raise LayerSpecError(f"{folder}: (folder): no such folder of layer specs")
    specs: list[LayerSpec] = []
    errors: list[str] = []
    for p in sorted(folder.glob("*.toml")):
        if p.name.startswith("_"):
            continue
        try:
            specs.append(load_layer_spec(p))
        except LayerSpecError as err:
            errors.append(str(err))
    seen: dict[str, str] = {}
    for s in specs:
        if s.id in seen:
            errors.append(f"{s.source_file}: id: {s.id!r} is also the id of {seen[s.id]}")
        seen[s.id] = s.source_file
    if errors:
        raise LayerSpecError("\n".join(errors))
    specs.sort(key=lambda s: (s.z_index, s.id))
    logger.debug("loaded %d layer specs from %s", len(specs), folder)
    return specs


# ---------------------------------------------------------------------------
# Selecting the rows and columns a role may receive
# ---------------------------------------------------------------------------


@dataclass
class LayerRows:
    """The rows and columns of one layer for one role, still in the projected CRS."""

    spec: LayerSpec
    frame: gpd.GeoDataFrame
    fields: tuple[str, ...]
    """Columns sent to the browser (the key and drawing fields first)."""
    tooltip: tuple[str, ...]
    popup: tuple[str, ...]
    total: int
    """Rows before the filter and role rules."""


def role_fields(spec: LayerSpec, role: str, columns: Iterable[str]) -> tuple[str, ...]:
    """The columns of ``columns`` that ``role`` receives for this layer.

    The key and the drawing fields come first; internal fields are removed for
    the investor whatever the spec says.
    """
    cols = [c for c in columns if c != "geometry"]
    listed = spec.roles.get(role, ())
    wanted = cols if "*" in listed else [c for c in listed if c in cols]
    out = [f for f in spec.drawing_fields() if f in cols] + wanted
    out = list(dict.fromkeys(out))
    if role == "investor":
        forbidden = investor_forbidden_fields(spec.table)
        out = [f for f in out if f not in forbidden]
    return tuple(out)


def _apply_condition(df: pd.DataFrame, cond: Condition) -> pd.Series:
    s = df[cond.field]
    if s.dtype == bool or str(s.dtype) == "boolean":
        s = s.map(lambda v: None if pd.isna(v) else str(bool(v)).lower())
        norm = lambda v: str(v).lower() if isinstance(v, bool) else v  # noqa: E731
    else:
        norm = lambda v: v  # noqa: E731
    op, val = cond.op, cond.value
    if op == "is_null":
        return s.isna()
    if op == "not_null":
        return s.notna()
    if op in ("in", "not_in"):
        vals = [norm(v) for v in val]
        hit = s.isin(vals) | s.astype(str).isin([str(v) for v in vals])
        return hit if op == "in" else ~hit & s.notna()
    v = norm(val)
    if op == "==":
        return (s == v).fillna(False)
    if op == "!=":
        return (s != v) & s.notna()
    num = pd.to_numeric(s, errors="coerce")
    if op == "<":
        return num < v
    if op == "<=":
        return num <= v
    if op == ">":
        return num > v
    return num >= v


def _with_derived(df: gpd.GeoDataFrame, names: Iterable[str]) -> gpd.GeoDataFrame:
    todo = [
        n
        for n in dict.fromkeys(names)
        if n not in df.columns
        and n in DERIVED_FIELDS
        and all(c in df.columns for c in DERIVED_FIELDS[n][0])
    ]
    if not todo:
        return df
    df = df.copy()
    for name in todo:
        df[name] = DERIVED_FIELDS[name][1](df)
    return df


def select_rows(
    spec: LayerSpec,
    tables: Mapping[str, pd.DataFrame],
    *,
    role: str,
    parcel_ids: Iterable[str] | None = None,
) -> LayerRows | None:
    """Filter a layer's table and keep only the columns ``role`` may receive.

    Returns None (and logs why) when the role may not see the layer, or the
    table or a column the spec needs is absent: a missing column skips the
    layer, it is not an error.

    Parameters
    ----------
    spec
        The layer.
    tables
        ``Workspace.tables``: GeoDataFrames in the workspace's projected CRS.
    role
        One of :data:`ROLES`.
    parcel_ids
        Keep only these parcels (the sites shown to an investor).
    """
    if role not in (*ROLES, PUBLIC_ROLE):
        raise ValueError(f"unknown role {role!r}; roles are {', '.join((*ROLES, PUBLIC_ROLE))}")
    role = spec_role(role)
    if not spec.allows(role):
        logger.debug("layer %s: not for role %s", spec.id, role)
        return None
    src = tables.get(spec.table)
    if src is None or not isinstance(src, gpd.GeoDataFrame):
        logger.info("layer %s skipped: the workspace has no %s table", spec.id, spec.table)
        return None
    needed = [c.field for c in spec.filter] + [f for f in spec.drawing_fields()]
    df = _with_derived(src, needed + list(spec.tooltip) + list(spec.popup))
    missing = [c for c in dict.fromkeys(needed) if c not in df.columns]
    if missing:
        logger.info(
            "layer %s skipped: %s has no column %s (%s)",
            spec.id,
            spec.table,
            ", ".join(missing),
            spec.source_file,
        )
        return None
    total = len(df)
    mask = np.ones(len(df), dtype=bool)
    for cond in spec.filter:
        mask &= _apply_condition(df, cond).to_numpy(dtype=bool, na_value=False)
    if role == "investor" and spec.table == "parcels":
        if "status" in df.columns:
            mask &= df["status"].isin(INVESTOR_PARCEL_STATUSES).to_numpy()
        else:
            logger.warning("layer %s: parcels have no status; the investor gets none", spec.id)
            mask &= False
    if parcel_ids is not None and spec.table == "parcels" and "parcel_id" in df.columns:
        mask &= df["parcel_id"].astype(str).isin({str(p) for p in parcel_ids}).to_numpy()
    df = df.loc[mask]
    df = df[~(df.geometry.isna() | df.geometry.is_empty)]
    fields = role_fields(spec, role, df.columns)
    frame = df[[*fields, df.geometry.name]]
    listed = spec.roles[role]
    shown = set(fields) if "*" in listed else (set(listed) | {spec.key}) & set(fields)
    tooltip = tuple(f for f in spec.tooltip if f in shown)
    popup = tuple(f for f in spec.popup if f in shown)
    return LayerRows(spec, frame, fields, tooltip, popup, total)


def field_label(spec: LayerSpec, name: str, lang: str) -> str:
    """Display label of a field of a layer, with its unit: the spec's override or the schema's."""
    fd = spec.fields.get(name)
    if fd is not None and fd.label is not None:
        text = fd.label.get(lang)
        unit = fd.unit.get(lang) if fd.unit else None
        if unit:
            text = f"{text}({unit})" if lang == "zh" else f"{text} ({unit})"
        return text
    text = schema.column_label(spec.table, name, "zh" if lang == "zh" else "en")
    if text == name and name == "area_mu":
        text = "面积(亩)" if lang == "zh" else "area (mu)"
    if fd is not None and fd.unit is not None:
        unit = fd.unit.get(lang)
        text = f"{text}({unit})" if lang == "zh" else f"{text} ({unit})"
    return text


def field_vocabulary(spec: LayerSpec, name: str) -> str | None:
    """The vocabulary that translates a field's values, if any."""
    fd = spec.fields.get(name)
    if fd is not None and fd.vocabulary:
        return fd.vocabulary
    if name == spec.style.by and spec.style.vocabulary:
        return spec.style.vocabulary
    return _DEFAULT_FIELD_VOCAB.get(name)
