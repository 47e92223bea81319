"""The one place the app draws a map.

Maps come from :func:`geo.render.render_map` with ``asset_mode="served"`` and
are drawn by the ``tenglong_map`` element (``st.components.v2``, in the page
itself, no iframe): Leaflet and the Tenglong controls are served by Streamlit
from ``static/tenglong/`` (``server.enableStaticServing``), never from a CDN,
and loaded once per browser page, so a rerun or another page reuses them.

Caching: a rendered map is cached per (workspace file version, role,
language, basemap, layers, filters). The :class:`~geo.workspace.Workspace`
argument is not hashable, so it is passed with a leading underscore (excluded
from the cache key) and the key carries ``(path, mtime)`` instead.

Reruns: the element sends only a click on a feature (the one-shot trigger
``identify``) and a choice in its basemap switcher (``basemap``: stored in
the session's ``basemap``, the sidebar's choice too), so panning and zooming
never rerun the script; except on a viewport-driven map (``on_viewport`` of
:func:`show_rendered`), whose view reaches the server at the end of a pan or
zoom: inside an ``st.fragment`` only the fragment reruns. On the 地块编辑 page the
element also carries the editing tools (``edit``: :mod:`geo.app.geom_edit` builds the
value) and sends a drawn geometry as the trigger ``edit``; :func:`take_edit` hands it
to the page once.

A large workspace (:func:`geo.app.state.large_dataset`) is drawn from its
dataset under a feature budget by :mod:`geo.app.large_map`, through this
module's element.

Size: a map takes the page's width and, by default, most of the viewport's
height (:data:`MAP_HEIGHT`, a CSS length), so that it starts near the top of
the page and is never pushed below the fold.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import folium
import streamlit as st

from geo.app import state
from geo.app.i18n import Lang, t, t_plain
from geo.basemaps import BASEMAP_NAMES, BasemapError, get_basemap
from geo.layers import Condition, LayerSpec, layers_dir, load_layer_specs
from geo.render import ASSETS_DIR, STATIC_URL, component_data, render_map, write_static_assets
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

MAP_HEIGHT = "max(460px, calc(100vh - 280px))"
"""The map's default height: the viewport's height less the page's title and filter row."""

Height = int | str
"""Pixels, or a CSS length."""

FitBounds = tuple[tuple[float, float], tuple[float, float]]
"""``((south, west), (north, east))`` in display degrees (WGS84, or GCJ-02 over Gaode)."""

Where = tuple[tuple[str, str, str, Any], ...]
"""Extra filter conditions: ``(layer id, field, operator, value)``."""


@st.cache_resource(show_spinner=False)
def ensure_static_assets() -> list[Path]:
    """Copy Leaflet and the Tenglong controls to ``static/tenglong/`` (once per process)."""
    return write_static_assets(state.STATIC_DIR)


def _specs_version() -> float:
    folder = layers_dir()
    return max((p.stat().st_mtime for p in folder.glob("*.toml")), default=0.0)


@st.cache_resource(show_spinner=False, max_entries=4)
def _layer_specs(version: float) -> list[LayerSpec]:
    return load_layer_specs()


def _adjusted_specs(show: tuple[str, ...] | None, where: Where) -> list[LayerSpec]:
    specs = _layer_specs(_specs_version())
    out = []
    for spec in specs:
        if show is not None:
            spec = dataclasses.replace(spec, visible=spec.id in show)
        extra = tuple(Condition(f, op, v) for lid, f, op, v in where if lid == spec.id)
        if extra:
            spec = dataclasses.replace(spec, filter=spec.filter + extra)
        out.append(spec)
    return out


@st.cache_resource(show_spinner=False, max_entries=48)
def _cached_map(
    _ws: Workspace,
    cache_key: tuple[Any, ...],
    role: str,
    lang: Lang,
    basemap: str,
    layers: tuple[str, ...] | None,
    show: tuple[str, ...] | None,
    where: Where,
    ids_digest: str | None,
    _ids: tuple[str, ...] | None,
) -> folium.Map:
    return render_map(
        _ws,
        layers=list(layers) if layers is not None else None,
        role=role,
        lang=lang,
        basemap=basemap,
        asset_mode="served",
        specs=_adjusted_specs(show, where),
        parcel_ids=_ids,
    )


def _digest(ids: tuple[str, ...] | None) -> str | None:
    if ids is None:
        return None
    return hashlib.sha1("\x1f".join(ids).encode("utf-8")).hexdigest()


def basemap_name(lang: Lang) -> str:
    """The basemap chosen in the sidebar, or ``none`` when it is not configured."""
    name = st.session_state.get("basemap", "none")
    try:
        get_basemap(name)
    except BasemapError as err:
        st.warning(t("basemap_unavailable", lang, error=err))
        return "none"
    return name


def show_map(
    ws: Workspace,
    *,
    lang: Lang,
    role: str,
    key: str,
    layers: Sequence[str] | None = None,
    show: Sequence[str] | None = None,
    where: Where = (),
    parcel_ids: Iterable[str] | None = None,
    cache_key: tuple[Any, ...] | None = None,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    fit: FitBounds | None = None,
    height: Height = MAP_HEIGHT,
    selected: str | None = None,
    edit: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Draw the workspace map for ``role`` and return the properties of a newly clicked feature.

    Parameters
    ----------
    ws
        The workspace (for an investor, already role-filtered or not: the
        layer specs whitelist fields and rows on the server either way).
    lang, role
        Labels and what the map may contain.
    key
        A widget key unique on the page.
    layers
        Layer ids to draw (default: every layer ``role`` may see).
    show
        Layers switched on when the map opens (default: as the specs say).
    where
        Extra filter conditions per layer.
    parcel_ids
        Draw only these parcels.
    cache_key
        What identifies ``ws`` (default: its file and mtime); give one when
        ``ws`` is a modified copy.
    center, zoom
        Move the view without reloading the map.
    fit
        ``((south, west), (north, east))`` in display degrees: fit the view
        to these bounds (once per new value, without reloading the map).
    height
        Pixels or a CSS length (default: most of the viewport).
    selected
        The id (``parcel_id``, or a site's id) of the feature to highlight, as
        a click would (the selection made in a list or a card is shown too).
    edit
        The editing tools' value (planners only: the page checks the role);
        a drawn geometry is then read with :func:`take_edit`.

    Returns
    -------
    dict or None
        The clicked feature's properties (``parcel_id``, ``area_id``…) when
        the user clicked a feature since the last run, else None.
    """
    ids = tuple(sorted(str(p) for p in parcel_ids)) if parcel_ids is not None else None
    ckey = cache_key if cache_key is not None else state.ws_key(ws)
    basemap = basemap_name(lang)
    try:
        fmap = _cached_map(
            ws,
            ckey,
            role,
            lang,
            basemap,
            tuple(layers) if layers is not None else None,
            tuple(show) if show is not None else None,
            tuple(where),
            _digest(ids),
            ids,
        )
    except Exception as err:  # the rest of the page keeps working
        logger.exception("map rendering failed for %s", ws.path)
        st.error(t("map_error", lang, error=err))
        return None
    return show_rendered(
        fmap,
        key=key,
        height=height,
        center=center,
        zoom=zoom,
        fit=fit,
        basemaps=basemap_choices(lang),
        selected=selected,
        edit=edit,
    )


def basemap_choices(lang: Lang) -> list[dict[str, Any]]:
    """The in-map basemap switcher's choices: name, label, usable, and why not.

    A basemap that needs a key or URL this server lacks is listed, disabled,
    with the reason; ``none`` (boundaries only) always works, offline too.
    """
    out = []
    for name in BASEMAP_NAMES:
        try:
            get_basemap(name)
            ok, hint = True, ""
        except BasemapError as err:
            ok, hint = False, str(err)
        out.append(
            {"name": name, "label": t_plain(f"basemap_{name}", lang), "ok": ok, "hint": hint}
        )
    return out


def _asset_base() -> str:
    """Where the browser finds Leaflet and the Tenglong controls (``server.baseUrlPath`` too)."""
    prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{prefix}{STATIC_URL}" if prefix else STATIC_URL


_DATA: weakref.WeakKeyDictionary[folium.Map, dict[str, Any]] = weakref.WeakKeyDictionary()
_DATA_LOCK = threading.Lock()


def _component_data(fmap: folium.Map) -> dict[str, Any]:
    """:func:`geo.render.component_data` of a (cached, shared) map, worked out once."""
    with _DATA_LOCK:
        data = _DATA.get(fmap)
        if data is None:
            data = _DATA[fmap] = component_data(fmap)
    return data


def show_rendered(
    fmap: folium.Map,
    *,
    key: str,
    height: Height = MAP_HEIGHT,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
    fit: FitBounds | None = None,
    basemaps: list[dict[str, Any]] | None = None,
    basemap_title: str | None = None,
    selected: str | None = None,
    edit: dict[str, Any] | None = None,
    on_viewport: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any] | None:
    """Put a map made by :func:`geo.render.render_map` on the page.

    Parameters
    ----------
    fmap
        The map (``asset_mode="served"``); cache it, it is shared read-only.
    key
        A widget key unique on the page.
    height
        Pixels or a CSS length.
    center, zoom
        Move the view without reloading the map.
    fit
        Bounds to fit the view to, ``((south, west), (north, east))`` (before
        ``center``): applied once per new value, without reloading the map.
    basemaps
        Choices of the in-map basemap switcher (:func:`basemap_choices`);
        none: no switcher. A choice is stored in the session's ``basemap``
        and the page reruns to draw the map over it.
    basemap_title
        The switcher's label (default: 底图 / Basemap in the session's language).
    selected
        The key value of the feature to highlight (first layer that has it).
    edit
        The editing tools' value (see :func:`show_map`).
    on_viewport
        Make the map viewport-driven: at the end of a pan or zoom the element
        sends its view, and ``on_viewport({"bounds": [west, south, east,
        north], "zoom": z})`` is called before the rerun (the rerun of the
        enclosing ``st.fragment`` only, when the map is in one); a new map
        drawn in the same element keeps the view.

    Returns
    -------
    dict or None
        The clicked feature's properties on the rerun that the click caused,
        else None.
    """
    ensure_static_assets()
    cfg_data = _component_data(fmap)
    css_height = f"{int(height)}px" if isinstance(height, int | float) else str(height)
    view: dict[str, Any] | None = None
    if fit is not None:
        view = {"bounds": [list(fit[0]), list(fit[1])]}
    elif center is not None:
        view = {"center": list(center), "zoom": zoom}
    data = {
        **cfg_data,
        "assets": _asset_base(),
        "height": css_height,
        "view": view,
        "selected": None if selected is None else str(selected),
    }
    if basemaps:
        data["basemaps"] = basemaps
        data["basemap"] = str(fmap_basemap(cfg_data))
        data["basemapTitle"] = basemap_title or t_plain("basemap", state.lang())
    if edit is not None:
        data["edit"] = edit
    callbacks: dict[str, Callable[[], None]] = {}
    if on_viewport is not None:
        data["viewport"] = True
        callbacks["on_viewport_change"] = lambda: _viewport_changed(key, on_viewport)
    result = _MAP_ELEMENT(
        key=key,
        data=data,
        height="content",
        on_identify_change=_ignore,
        on_basemap_change=_ignore,
        on_edit_change=_ignore,
        **callbacks,
    )
    drawn = getattr(result, "edit", None)
    if edit is not None and isinstance(drawn, dict):  # a map without tools accepts no drawing
        st.session_state.setdefault(EDITS, {})[key] = drawn
    chosen = getattr(result, "basemap", None)
    if chosen in BASEMAP_NAMES and chosen != st.session_state.get("basemap", "none"):
        logger.info("basemap switched in the map: %s", chosen)
        st.session_state["basemap"] = chosen
        st.rerun()
    props = getattr(result, "identify", None)
    return props if isinstance(props, dict) else None


EDITS = "_map_edits"
"""Session state: map key → the geometry its editing tools sent last, until taken."""


def take_edit(key: str) -> dict[str, Any] | None:
    """The geometry the editing tools of map ``key`` sent since the last call, once.

    ``{"mode", "geometry" (GeoJSON in display degrees), "seq", "nonce"}``, or None.
    """
    return st.session_state.setdefault(EDITS, {}).pop(key, None)


def fmap_basemap(data: dict[str, Any]) -> str:
    """The basemap a map was drawn over, from its :func:`geo.render.component_data`."""
    try:
        return str(json.loads(data["cfg"]).get("basemap", "none"))
    except (KeyError, ValueError, TypeError):
        return "none"


def _viewport_changed(key: str, on_viewport: Callable[[dict[str, Any]], None]) -> None:
    value = (st.session_state.get(key) or {}).get("viewport")
    if isinstance(value, dict) and isinstance(value.get("bounds"), list):
        on_viewport(value)


def _ignore() -> None:
    """Callbacks must exist for a trigger value to be returned; the page reads it instead."""


_MAP_ELEMENT = st.components.v2.component(
    "tenglong_map",
    js=(ASSETS_DIR / "tenglong-component.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)
"""The map element: Leaflet in the page itself (no iframe), see ``tenglong-component.js``."""
