"""Basemaps by name, with attribution (docs/architecture.md §7).

========== ============================================================ =========
name       tiles                                                        CRS
========== ============================================================ =========
none       no tiles: boundaries only (the default; works offline)       —
osm        OpenStreetMap (xyzservices ``OpenStreetMap.Mapnik``)         WGS84
tianditu   天地图 vector + labels (``vec_w`` + ``cva_w``), needs a key   WGS84
tianditu_img 天地图 imagery + labels (``img_w`` + ``cia_w``), needs a key WGS84
gaode      高德 vector (xyzservices ``Gaode.Normal``)                    GCJ-02
gaode_img  高德 imagery (xyzservices ``Gaode.Satellite``)                GCJ-02
local      a local tile server (URL template from configuration)        WGS84*
========== ============================================================ =========

Tianditu tiles are on a Web Mercator grid in CGCS2000 ≈ WGS84. Gaode tiles are
in GCJ-02: :func:`geo.render.render_map` draws shifted *display copies* of the
data over them (:func:`geo.crs.to_display` with ``basemap_gcj02=True``); the
stored data is never shifted. A local tile server is taken to be WGS84 unless
``TENGLONG_TILE_GCJ02=1``.

Configuration (:class:`BasemapSettings`, or these environment variables):

- ``TENGLONG_TIANDITU_KEY``: the 天地图 browser key (``tk``). It ends up in
  the map's HTML, as with any browser key: restrict it to your domain on the
  Tianditu console.
- ``TENGLONG_TILE_URL``: ``http://tiles.local/{z}/{x}/{y}.png``.
- ``TENGLONG_TILE_ATTRIBUTION``, ``TENGLONG_TILE_MAX_ZOOM``, ``TENGLONG_TILE_GCJ02``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import xyzservices.providers as xyz

from geo import settings
from geo.errors import InputError

logger = logging.getLogger(__name__)

BASEMAP_NAMES: tuple[str, ...] = (
    "none",
    "osm",
    "tianditu",
    "tianditu_img",
    "gaode",
    "gaode_img",
    "local",
)
"""Every basemap name :func:`get_basemap` accepts."""

_TIANDITU_URL = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTRIBUTION = "&copy; 天地图 Tianditu (国家地理信息公共服务平台)"


class BasemapError(InputError):
    """A basemap name is unknown or its configuration is missing."""


@dataclass(frozen=True)
class TileSpec:
    """One tile layer: URL template and attribution (HTML, from trusted configuration)."""

    url: str
    attribution: str
    name: str
    max_zoom: int = 18
    subdomains: str = "abc"


@dataclass(frozen=True)
class Basemap:
    """A named basemap: its tile layers (bottom first) and whether it is GCJ-02."""

    name: str
    tiles: tuple[TileSpec, ...]
    gcj02: bool = False


@dataclass(frozen=True)
class BasemapSettings:
    """Basemap configuration; :meth:`from_env` reads the ``TENGLONG_*`` variables."""

    tianditu_key: str | None = None
    local_url: str | None = None
    local_attribution: str = "local tile server"
    local_max_zoom: int = 19
    local_gcj02: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BasemapSettings:
        """Settings from ``TENGLONG_TIANDITU_KEY``, ``TENGLONG_TILE_URL``… (unset → None)."""
        env = settings.environ() if environ is None else environ
        max_zoom = env.get("TENGLONG_TILE_MAX_ZOOM", "19")
        try:
            mz = int(max_zoom)
        except ValueError:
            raise BasemapError(
                f"TENGLONG_TILE_MAX_ZOOM={max_zoom!r} is not an integer; set it to e.g. 19"
            ) from None
        return cls(
            tianditu_key=env.get("TENGLONG_TIANDITU_KEY") or None,
            local_url=env.get("TENGLONG_TILE_URL") or None,
            local_attribution=env.get("TENGLONG_TILE_ATTRIBUTION", "local tile server"),
            local_max_zoom=mz,
            local_gcj02=env.get("TENGLONG_TILE_GCJ02", "0") in ("1", "true", "yes"),
        )


def _from_xyz(provider: xyz.TileProvider, name: str) -> TileSpec:
    # https so the tiles also load in an app served over https (no mixed content).
    url = provider.build_url().replace("http://", "https://", 1)
    return TileSpec(
        url=url,
        attribution=provider.html_attribution,
        name=name,
        max_zoom=int(provider.get("max_zoom", 18)),
        subdomains=str(provider.get("subdomains", "abc")),
    )


def _tianditu(layers: tuple[str, str], key: str | None, name: str) -> Basemap:
    if not key:
        raise BasemapError(
            f"basemap {name!r} needs a 天地图 (Tianditu) key: set TENGLONG_TIANDITU_KEY or pass "
            "BasemapSettings(tianditu_key=...); get a browser key at the Tianditu developer "
            "console, or choose basemap 'none', 'osm', 'gaode' or 'local'"
        )
    if not key.isalnum():
        raise BasemapError("the Tianditu key must be letters and digits only; check the value")
    tiles = tuple(
        TileSpec(
            url=_TIANDITU_URL.format(s="{s}", layer=layer, key=key),
            attribution=_TIANDITU_ATTRIBUTION,
            name=f"tianditu-{layer}",
            max_zoom=18,
            subdomains="01234567",
        )
        for layer in layers
    )
    return Basemap(name, tiles)


def get_basemap(name: str = "none", *, settings: BasemapSettings | None = None) -> Basemap:
    """The basemap called ``name`` (see the module docstring for the names).

    Parameters
    ----------
    name
        One of :data:`BASEMAP_NAMES`.
    settings
        Keys and URLs; default :meth:`BasemapSettings.from_env`.

    Raises
    ------
    BasemapError
        Unknown name, or the basemap's key/URL is not configured.

    Examples
    --------
    >>> get_basemap("none").tiles
    ()
    >>> b = get_basemap("gaode")
    >>> b.gcj02, "autonavi" in b.tiles[0].url
    (True, True)
    """
    key = (name or "none").strip().lower().replace("-", "_")
    if key not in BASEMAP_NAMES:
        raise BasemapError(f"unknown basemap {name!r}; choose one of {', '.join(BASEMAP_NAMES)}")
    cfg = settings if settings is not None else BasemapSettings.from_env()
    if key == "none":
        return Basemap("none", ())
    if key == "osm":
        return Basemap("osm", (_from_xyz(xyz.OpenStreetMap.Mapnik, "osm"),))
    if key == "tianditu":
        return _tianditu(("vec", "cva"), cfg.tianditu_key, key)
    if key == "tianditu_img":
        return _tianditu(("img", "cia"), cfg.tianditu_key, key)
    if key == "gaode":
        return Basemap("gaode", (_from_xyz(xyz.Gaode.Normal, "gaode"),), gcj02=True)
    if key == "gaode_img":
        return Basemap("gaode_img", (_from_xyz(xyz.Gaode.Satellite, "gaode_img"),), gcj02=True)
    # local
    if not cfg.local_url:
        raise BasemapError(
            "basemap 'local' needs a tile URL template: set TENGLONG_TILE_URL "
            "(e.g. http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png) or pass "
            "BasemapSettings(local_url=...)"
        )
    if any(p in cfg.local_url for p in ("{{", "{%", "{#", '"', "<", ">")):
        raise BasemapError(f"TENGLONG_TILE_URL {cfg.local_url!r} holds characters a URL cannot")
    if not all(p in cfg.local_url for p in ("{z}", "{x}", "{y}")):
        raise BasemapError(
            f"TENGLONG_TILE_URL {cfg.local_url!r} must contain {{z}}, {{x}} and {{y}}"
        )
    tile = TileSpec(
        url=cfg.local_url,
        # Plain text from configuration: escaped, since Leaflet shows attribution as HTML.
        # Braces too: folium passes tile options through a Jinja template.
        attribution=html.escape(cfg.local_attribution)
        .replace("{", "&#123;")
        .replace("}", "&#125;"),
        name="local",
        max_zoom=cfg.local_max_zoom,
    )
    return Basemap("local", (tile,), gcj02=cfg.local_gcj02)
