"""Reading ``layers/*.toml``: parsing and validation with every problem named by file and key."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from geo import schema, settings
from geo.access import (
    SPEC_ROLES as ROLES,
    investor_forbidden_fields,
)
from geo.layers.spec import (
    Category,
    Condition,
    FieldDisplay,
    LabelSpec,
    LayerSpec,
    Style,
    Text,
    Theme,
)
from geo.layers.vocab import (
    DEFAULT_LAYERS_DIR,
    FILTER_OPS,
    VALUE_SETS,
    VOCABULARIES,
    VOCABULARY_COLORS,
    LayerSpecError,
)

logger = logging.getLogger(__name__)


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
    >>> parse_layer_spec({"title": "x"}, source="layers/x.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.layers.vocab.LayerSpecError: layers/x.toml: id: missing; set id = "…" or name the file
    layers/x.toml: theme: missing or invalid; give { id = "land", zh = "用地", en = "Land" }
    layers/x.toml: source.table: missing; name one of parcels, areas, roads, ...
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
            det = lab.get("detail")
            if det is not None and not isinstance(det, str):
                pb.add("label.detail", "must be a field name (string)")
                det = None
            for k in lab:
                if k not in ("field", "field_en", "min_zoom", "detail"):
                    pb.add(f"label.{k}", "unknown key; known: field, field_en, min_zoom, detail")
            label = LabelSpec(lab["field"], mz, fen, det)
    fields = _parse_fields(data.get("fields"), pb)
    needed = [f for f in (style.by, label.field if label else None) if f]
    roles = _parse_roles(data.get("roles"), needed, table, pb)
    display = data.get("display", {}) or {}
    if not isinstance(display, dict):
        pb.add("display", "must be a table")
        display = {}
    for k in display:
        if k not in ("simplify_m", "aggregate_above", "aggregated"):
            pb.add(f"display.{k}", "unknown key; known: simplify_m, aggregate_above, aggregated")
    aggregated = display.get("aggregated", False)
    if not isinstance(aggregated, bool):
        pb.add("display.aggregated", "must be true or false")
        aggregated = False
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
        aggregated=aggregated,
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


def load_layer_specs(
    directory: str | os.PathLike[str] | None = None, *, aggregated: bool = False
) -> list[LayerSpec]:
    """The ``*.toml`` specs of a folder of one kind, in z-order (bottom first).

    ``aggregated=False`` (default): the ordinary layers of every map;
    ``aggregated=True``: the layers of the aggregated map of a large
    workspace (``display.aggregated = true``: grid cells and planning areas
    with their land, outlines, the selection). Files whose name starts with
    ``_`` are ignored. Every file is validated and all errors are reported
    together.

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
        if p.name.startswith("_"):  # a draft, not a layer
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
    specs = [s for s in specs if s.aggregated == aggregated]
    specs.sort(key=lambda s: (s.z_index, s.id))
    logger.debug("loaded %d layer specs from %s", len(specs), folder)
    return specs
