"""The map: :func:`render_map` and what reads a rendered map (component data, HTML, summary)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import folium
from folium.utilities import camelize

from geo.basemaps import Basemap, BasemapSettings, get_basemap
from geo.layers import (
    PUBLIC_ROLE,
    ROLES,
    LayerSpec,
    load_layer_specs,
    select_rows,
)
from geo.render._common import _UI_TEXT, ASSET_MODES, STATIC_URL, AssetMode, RenderError
from geo.render.assets import _Mount, _set_assets, _walk
from geo.render.encode import js_json
from geo.render.layers import (
    _build_layers,
    _clip_to_bounds,
    _Plan,
    _plan_aggregation,
    _union_bounds,
)

logger = logging.getLogger(__name__)


def render_map(
    workspace: Any,
    *,
    layers: Sequence[str] | None = None,
    role: str = "planner",
    lang: str = "zh",
    basemap: str = "none",
    basemap_settings: BasemapSettings | None = None,
    asset_mode: AssetMode = "inline",
    asset_url: str = STATIC_URL,
    specs: Sequence[LayerSpec] | None = None,
    parcel_ids: Iterable[str] | None = None,
    bounds: Sequence[float] | None = None,
    aggregate: bool = True,
    width: str | int = "100%",
    height: str | int = "100%",
) -> folium.Map:
    """A folium map of a workspace for one role, with no network dependency.

    Parameters
    ----------
    workspace
        A :class:`geo.workspace.Workspace` (``.tables`` in a projected CRS,
        ``.schematic``).
    layers
        Layer ids to draw (default: every layer the role may see). An id the
        role may not see, or whose column is absent, is skipped with a log
        message; an unknown id is an error.
    role
        ``planner``, ``investment``, ``investor`` or ``public`` (as investor):
        decides layers, rows and fields (:func:`geo.layers.select_rows`).
    lang
        ``zh`` or ``en`` for labels, legends and controls.
    basemap
        A name of :data:`geo.basemaps.BASEMAP_NAMES`; ``none`` (boundaries only)
        works offline. Over ``gaode`` the data are drawn shifted to GCJ-02.
    basemap_settings
        Keys and URLs (default: ``TENGLONG_*`` environment variables).
    asset_mode
        ``inline`` (Leaflet and controls embedded in the HTML) or ``served``
        (links to ``asset_url``; see :func:`write_static_assets`).
    asset_url
        Base URL of the served assets (``served`` mode).
    specs
        Layer specs (default: :func:`geo.layers.load_layer_specs`).
    parcel_ids
        Only these parcels (e.g. the sites shown to an investor).
    bounds
        ``(west, south, east, north)`` in WGS84: send only features in view.
    aggregate
        Draw polygon layers above their ``display.aggregate_above`` as grid cells.
    width, height
        Size of the map element.

    Returns
    -------
    folium.Map
        ``map_html(m)`` gives the HTML; the app draws it from
        :func:`component_data` (``geo.app.map_view.show_rendered``).

    Raises
    ------
    RenderError
        Unknown role, language, layer id or asset mode.
    geo.basemaps.BasemapError
        Unknown basemap or missing basemap configuration.
    """
    if role not in (*ROLES, PUBLIC_ROLE):
        raise RenderError(f"unknown role {role!r}; roles are {', '.join((*ROLES, PUBLIC_ROLE))}")
    if lang not in _UI_TEXT:
        raise RenderError(f"unknown language {lang!r}; use zh or en")
    if asset_mode not in ASSET_MODES:
        raise RenderError(f"unknown asset_mode {asset_mode!r}; use {' or '.join(ASSET_MODES)}")
    bm: Basemap = get_basemap(basemap, settings=basemap_settings)
    all_specs = list(specs) if specs is not None else load_layer_specs()
    if layers is not None:
        known = {s.id for s in all_specs}
        unknown = [lid for lid in layers if lid not in known]
        if unknown:
            raise RenderError(
                f"unknown layer(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        wanted = set(layers)
        all_specs = [s for s in all_specs if s.id in wanted]
    ids = list(parcel_ids) if parcel_ids is not None else None
    tables = dict(workspace.tables)
    # Layers of a table share a store keyed by row label: labels must be unique.
    tables = {
        name: df if df.index.is_unique else df.reset_index(drop=True) for name, df in tables.items()
    }
    plans: list[_Plan] = []
    for spec in sorted(all_specs, key=lambda s: (s.z_index, s.id)):
        rows = select_rows(spec, tables, role=role, parcel_ids=ids)
        if rows is None:
            continue
        if bounds is not None:
            rows = _clip_to_bounds(rows, bounds)
        if rows.frame.empty and spec.table != "parcels":
            # An empty parcels layer still tells "none available"; an empty
            # plate or forest-park layer is noise in the control.
            logger.info("layer %s skipped: no features", spec.id)
            continue
        plans.append(_Plan(rows))
    _plan_aggregation(plans, enabled=aggregate)
    built = _build_layers(plans, role=role, lang=lang, gcj02=bm.gcj02)
    themes: dict[str, tuple[int, str]] = {}
    for spec in all_specs:
        themes.setdefault(spec.theme.id, (spec.theme.order, spec.theme.label.get(lang)))
    table_of = {p.rows.spec.id: p.rows.spec.table for p in plans}
    visible = [lyr["id"] for lyr in built.layers if lyr["visible"]]
    fit = (
        _union_bounds(built.bounds[i] for i in visible if table_of[i] == "parcels")
        or _union_bounds(built.bounds[i] for i in visible if table_of[i] == "areas")
        or _union_bounds(built.bounds.values())
    )
    cfg = {
        "lang": lang,
        "text": _UI_TEXT[lang],
        "schematic": bool(getattr(workspace, "schematic", False)),
        "themes": [
            {"id": tid, "label": lab}
            for tid, (_, lab) in sorted(themes.items(), key=lambda kv: kv[1])
        ],
        "stores": built.stores,
        "layers": built.layers,
        "bounds": fit,
        "role": role,
        "basemap": bm.name,
    }
    center = [0.0, 0.0]
    if fit:
        center = [(fit[0][0] + fit[1][0]) / 2, (fit[0][1] + fit[1][1]) / 2]
    m = folium.Map(
        location=center,
        zoom_start=14,
        tiles=None,
        control_scale=False,
        max_zoom=max([19, *(t.max_zoom for t in bm.tiles)]),
        width=width,
        height=height,
    )
    for tile in bm.tiles:
        folium.TileLayer(
            tiles=tile.url,
            attr=tile.attribution,
            name=tile.name,
            max_zoom=tile.max_zoom,
            max_native_zoom=tile.max_zoom,
            subdomains=tile.subdomains,
            overlay=False,
            control=False,
        ).add_to(m)
    m.add_child(_Mount(js_json(cfg)))
    _set_assets(m, asset_mode=asset_mode, asset_url=asset_url)
    logger.info(
        "map for %s (%s, %s): %s",
        role,
        lang,
        bm.name,
        ", ".join(f"{lyr['id']}={lyr['n']}" for lyr in built.layers),
    )
    return m


def component_data(m: folium.Map) -> dict[str, Any]:
    """What the app's map element needs to draw ``m`` (see ``tenglong-component.js``).

    Parameters
    ----------
    m
        A map made by :func:`render_map`.

    Returns
    -------
    dict
        ``cfg`` (the layer configuration as a JSON string, handed to
        ``TL.mount`` as it is), ``sig`` (its digest: the element rebuilds the
        map only when it changes), ``center``, ``zoom``, ``maxZoom`` and
        ``tiles`` (``url`` and Leaflet ``options`` of each basemap layer).

    Raises
    ------
    RenderError
        ``m`` was not made by :func:`render_map`.
    """
    cfg = next((el.cfg for el in _walk(m) if isinstance(el, _Mount)), None)
    if cfg is None:
        raise RenderError("this map was not made by render_map: it has no Tenglong layers")
    tiles = [
        {
            "url": el.tiles,
            "options": {camelize(k): v for k, v in el.options.items()},
        }
        for el in _walk(m)
        if isinstance(el, folium.TileLayer)
    ]
    return {
        "cfg": cfg,
        "sig": hashlib.sha1(cfg.encode("utf-8")).hexdigest(),
        "center": [float(v) for v in m.location],
        "zoom": int(m.options.get("zoom", 14)),
        "maxZoom": int(m.options.get("max_zoom", 19)),
        "tiles": tiles,
    }


def map_html(m: folium.Map) -> str:
    """The complete HTML document of a map."""
    return m.get_root().render()


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write a map as one HTML file (UTF-8), atomically."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp")
    tmp.write_text(map_html(m), encoding="utf-8")
    os.replace(tmp, p)
    return p


def layer_summary(m: folium.Map) -> list[dict[str, Any]]:
    """What a rendered map holds: per layer its id, feature count, fields, aggregation.

    Handy for tests and for the app's side panel.
    """
    for el in _walk(m):
        if isinstance(el, _Mount):
            cfg = json.loads(el.cfg)
            return [
                {
                    "id": lyr["id"],
                    "features": lyr["n"],
                    "fields": lyr["fields"],
                    "visible": lyr["visible"],
                    "aggregated": lyr["aggregated"],
                }
                for lyr in cfg["layers"]
            ]
    return []
