"""What a map-layer spec says, as frozen dataclasses (parsed by :mod:`geo.layers.parse`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from geo import schema

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
    detail: str | None = None
    """A number shown on a second line (``area_mu``: "45.0 亩") when the role receives it."""


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
    aggregated: bool = False
    """Drawn on the aggregated map of a large workspace only (``display.aggregated``):
    its table is the aggregate (grid cells, planning areas, their outlines), not data."""
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
