"""Layer specs and their rows turned into the map's layer configuration (shared stores)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from geo import crs as crs_mod
from geo.layers import (
    LayerRows,
    LayerSpec,
    spec_role,
)
from geo.render._common import _DEFAULT_DECIMALS, _UI_TEXT
from geo.render.aggregate import _aggregate
from geo.render.encode import _columns, _encode_geometries, _label_points
from geo.render.style import _field_formats, _style_and_legend

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Layers → config
# ---------------------------------------------------------------------------
#
# Layers drawn from the same table share one "store" of geometries and
# property columns; each layer lists the store rows it draws. A store cell
# (row, field) is filled only when some layer of this map sends that field for
# that row, so sharing never gives a role a value no single layer would.


@dataclass
class _Plan:
    rows: LayerRows
    aggregate: bool = False


def _plan_aggregation(plans: list[_Plan], *, enabled: bool) -> None:
    """Aggregate the largest polygon layers of a table until it sends ≤ the budget.

    The budget of a table is the smallest ``display.aggregate_above`` of its
    layers; it counts distinct rows over all non-aggregated layers, so five
    layers of 3,000 parcels each are not five small layers but 15,000 parcels.
    """
    if not enabled:
        return
    by_table: dict[str, list[_Plan]] = {}
    for p in plans:
        if p.rows.spec.geometry == "polygon" and p.rows.spec.aggregate_above:
            by_table.setdefault(p.rows.spec.table, []).append(p)
    for group in by_table.values():
        budget = min(p.rows.spec.aggregate_above or 0 for p in group)
        for p in sorted(group, key=lambda q: len(q.rows.frame), reverse=True):
            live = [q for q in group if not q.aggregate]
            index = pd.Index([]).append([q.rows.frame.index for q in live]).unique()
            if len(index) <= budget:
                break
            p.aggregate = True


def _display_geoms(frame: gpd.GeoDataFrame, *, simplify_m: float, gcj02: bool) -> np.ndarray:
    geoms = frame.geometry.values
    if simplify_m > 0:
        geoms = shapely.simplify(geoms, simplify_m, preserve_topology=True)
    disp = crs_mod.to_display(
        gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms, crs=frame.crs)), basemap_gcj02=gcj02
    )
    return np.asarray(disp.geometry.values)


def _bounds_of(geoms: np.ndarray) -> tuple[float, float, float, float] | None:
    if not len(geoms):
        return None
    b = shapely.total_bounds(geoms)
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3])) if np.all(np.isfinite(b)) else None


def _decimals(specs: Iterable[LayerSpec], fields: Iterable[str]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for f in fields:
        decs = [
            s.fields[f].decimals
            for s in specs
            if f in s.fields and s.fields[f].decimals is not None
        ]
        out[f] = max(decs) if decs else _DEFAULT_DECIMALS.get(f)
    return out


def _make_store(
    members: list[tuple[LayerSpec, gpd.GeoDataFrame, Sequence[str]]],
    *,
    kind: str,
    simplify_m: float,
    gcj02: bool,
    labels: bool,
) -> tuple[dict[str, Any], list[list[int]], list[tuple[float, float, float, float] | None]]:
    """One store for layers of one table: union of rows, per-(row, field) union of fields.

    Returns the store, each member's row positions in the store, and each
    member's display bounds.
    """
    index = pd.Index([]).append([fr.index for _, fr, _ in members]).unique()
    first = members[0][1]
    geom = pd.concat([fr.geometry for _, fr, _ in members])
    geom = geom[~geom.index.duplicated()].reindex(index)
    fields = list(dict.fromkeys(f for _, _, fs in members for f in fs))
    # Members are subsets of one table: a row's value is the same in each.
    columns = {}
    for f in fields:
        col = pd.concat([fr[f] for _, fr, fs in members if f in fs])
        columns[f] = col[~col.index.duplicated()].reindex(index)
    frame = pd.DataFrame(columns, index=index)
    dgeoms = _display_geoms(
        gpd.GeoDataFrame(geometry=gpd.GeoSeries(geom.to_numpy(), crs=first.crs)),
        simplify_m=simplify_m,
        gcj02=gcj02,
    )
    origin, encoded = _encode_geometries(dgeoms, kind=kind)
    decimals = _decimals([m[0] for m in members], fields)
    positions = [index.get_indexer(fr.index).tolist() for _, fr, _ in members]
    cols: dict[str, Any] = {}
    for f in fields:
        need = np.zeros(len(index), dtype=bool)
        for (_, _, fs), pos in zip(members, positions, strict=True):
            if f in fs:
                need[pos] = True
        col = frame[f] if need.all() else frame[f].astype(object).where(need, None)
        cols[f] = _columns(pd.DataFrame({f: col}), [f], decimals)[0]
    store: dict[str, Any] = {
        "geometry": kind,
        "origin": list(origin),
        "geoms": encoded,
        "cols": cols,
        "labels": _label_points(dgeoms, kind=kind, origin=origin)
        if labels and len(dgeoms)
        else None,
    }
    bounds = [_bounds_of(dgeoms[np.asarray(pos, dtype=np.int64)]) for pos in positions]
    return store, positions, bounds


def _unit_of(field: str, lang: str) -> str:
    """The unit a label's detail line shows after the number (from the field's name)."""
    units = {"_mu": ("亩", "mu"), "_ha": ("公顷", "ha"), "_m2": ("m²", "m²"), "_m": ("m", "m")}
    for suffix, (zh, en) in units.items():
        if field.endswith(suffix):
            return zh if lang == "zh" else en
    return ""


def _layer_cfg(
    spec: LayerSpec,
    frame: pd.DataFrame,
    *,
    role: str,
    lang: str,
    store_id: str,
    ids: list[int],
    fields: Sequence[str],
    tooltip: Sequence[str],
    popup: Sequence[str],
    key: str | None,
    note: str | None = None,
    labels: bool = True,
) -> dict[str, Any]:
    style, legend = _style_and_legend(
        spec, frame[spec.style.by] if spec.style.by in frame.columns else None, lang
    )
    fmt = _field_formats(spec, frame, fields, lang)
    label = None
    if labels and spec.label is not None:
        lab = spec.label
        if lang == "en" and lab.field_en and lab.field_en in fields:
            label = {"field": lab.field_en, "fallback": lab.field if lab.field in fields else None}
        elif lab.field in fields:
            label = {"field": lab.field, "fallback": None}
        if label is not None:
            label["minZoom"] = lab.min_zoom
            if lab.detail and lab.detail in fields:
                label["detail"] = lab.detail
                label["detailUnit"] = _unit_of(lab.detail, lang)
    return {
        "id": spec.id,
        "title": spec.title.get(lang),
        "theme": spec.theme.id,
        "visible": spec.visible_for(spec_role(role)),
        "z": spec.z_index,
        "geometry": spec.geometry,
        "key": key,
        "fields": list(fields),
        "tooltip": [f for f in tooltip if f in fields],
        "popup": [f for f in popup if f in fields],
        "fmt": fmt,
        "style": style,
        "legend": legend,
        "note": note,
        "labels": label,
        "aggregated": key == "cell_id",
        "store": store_id,
        "ids": ids,
        "n": len(ids),
    }


@dataclass
class _Built:
    layers: list[dict[str, Any]]
    stores: dict[str, dict[str, Any]]
    bounds: dict[str, tuple[float, float, float, float] | None]


def _build_layers(plans: list[_Plan], *, role: str, lang: str, gcj02: bool) -> _Built:
    text = _UI_TEXT[lang]
    layers: dict[str, dict[str, Any]] = {}
    stores: dict[str, dict[str, Any]] = {}
    bounds: dict[str, tuple[float, float, float, float] | None] = {}
    shared: dict[tuple[str, float, bool], list[_Plan]] = {}
    for p in plans:
        spec = p.rows.spec
        if p.aggregate:
            n = len(p.rows.frame)
            cells, cell_m = _aggregate(p.rows)
            by = spec.style.by
            fields = ["cell_id", "parcels", "area_mu", *([by] if by else [])]
            sid = f"agg:{spec.id}"
            store, pos, bds = _make_store(
                [(spec, cells, fields)], kind="polygon", simplify_m=0, gcj02=gcj02, labels=False
            )
            stores[sid] = store
            note = text["aggregated"].format(n=f"{n:,}", cell=f"{cell_m:,g}")
            cfg = _layer_cfg(
                spec,
                cells,
                role=role,
                lang=lang,
                store_id=sid,
                ids=pos[0],
                fields=fields,
                tooltip=fields[1:],
                popup=[],
                key="cell_id",
                note=note,
                labels=False,
            )
            cfg["fmt"]["parcels"] = {"label": text["cell_parcels"], "decimals": 0}
            cfg["fmt"]["area_mu"] = {"label": text["cell_area"], "decimals": 1}
            if by:
                cfg["fmt"][by]["label"] = text["dominant"].format(label=cfg["fmt"][by]["label"])
            layers[spec.id] = cfg
            bounds[spec.id] = bds[0]
            logger.info(
                "layer %s: %d features shown as %d cells of %d m", spec.id, n, len(cells), cell_m
            )
            continue
        key = (spec.table, spec.simplify_m, spec.geometry == "line")
        shared.setdefault(key, []).append(p)
    for k, group in enumerate(shared.values()):
        store_id = f"s{k}"
        spec0 = group[0].rows.spec
        members = [(g.rows.spec, g.rows.frame, g.rows.fields) for g in group]
        store, positions, bds = _make_store(
            members,
            kind=spec0.geometry,
            simplify_m=spec0.simplify_m,
            gcj02=gcj02,
            labels=any(g.rows.spec.label is not None for g in group),
        )
        stores[store_id] = store
        for g, pos, b in zip(group, positions, bds, strict=True):
            r = g.rows
            layers[r.spec.id] = _layer_cfg(
                r.spec,
                r.frame,
                role=role,
                lang=lang,
                store_id=store_id,
                ids=pos,
                fields=r.fields,
                tooltip=r.tooltip,
                popup=r.popup,
                key=r.spec.key,
            )
            bounds[r.spec.id] = b
    ordered = [layers[p.rows.spec.id] for p in plans]
    return _Built(ordered, stores, bounds)


def _union_bounds(bs: Iterable[tuple[float, float, float, float] | None]) -> Any:
    bs = [b for b in bs if b is not None]
    if not bs:
        return None
    arr = np.array(bs)
    return [
        [float(arr[:, 1].min()), float(arr[:, 0].min())],
        [float(arr[:, 3].max()), float(arr[:, 2].max())],
    ]


def _clip_to_bounds(rows: LayerRows, bounds: Sequence[float]) -> LayerRows:
    w, s, e, n = bounds
    poly = crs_mod.reproject([box(w, s, e, n)], crs_mod.DISPLAY_EPSG, rows.frame.crs)[0]
    idx = rows.frame.sindex.query(poly, predicate="intersects")
    rows.frame = rows.frame.iloc[np.sort(idx)]
    return rows
