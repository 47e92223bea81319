"""The rows and columns of a layer that a role may receive (chosen on the server)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import schema
from geo.access import (
    INVESTOR_PARCEL_STATUSES,
    PUBLIC_ROLE,
    SPEC_ROLES as ROLES,
    investor_forbidden_fields,
    spec_role,
)
from geo.layers.spec import Condition, LayerSpec
from geo.layers.vocab import _DEFAULT_FIELD_VOCAB, DERIVED_FIELDS

logger = logging.getLogger(__name__)


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
