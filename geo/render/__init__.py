"""Folium maps of a workspace, built from the layer specs, offline and role-filtered.

:func:`render_map` draws the layers of ``layers/*.toml`` that a role may see:
a layer control grouped by theme, a legend of the visible layers, tooltips and
popups, click-to-identify (each feature carries its stable key, e.g.
``parcel_id``, in its properties), a scale bar, a fullscreen button, a measure
tool reporting m², ha and 亩, and a "示意 / schematic" note on demo data.

Offline (docs/architecture.md §7)
----------------------
No script or stylesheet comes from a CDN. Leaflet is read from the installed
``xstatic-leaflet`` package and Tenglong's own controls from ``geo/assets/``;
folium's jQuery, Bootstrap and Font Awesome links are dropped (nothing here
uses them). Two ways to ship them:

- ``asset_mode="inline"`` (default): embedded in the HTML; the file opens from
  ``file://`` with no network (:mod:`geo.cli.export`).
- ``asset_mode="served"``: ``<script src>``/``<link href>`` to ``asset_url``
  (``/app/static/tenglong`` for Streamlit with ``server.enableStaticServing``);
  :func:`write_static_assets` copies the files to ``static/tenglong/`` next to
  ``app.py``.

Safety
------
Only the columns a role may receive are sent (:func:`geo.layers.select_rows`
drops the others on the server). Data reach the page as one JSON document with
``<``, ``>``, ``&`` and U+2028/2029 escaped, so it cannot close the script
element; the browser code writes every string with ``textContent``.

Size
----
Geometry is simplified to the display scale (``display.simplify_m`` of the
spec, in metres, in the projected CRS), rounded to 1e-6° (≈ 0.1 m) and sent as
delta-encoded integers; properties are sent as rows, not repeated keys. A
polygon layer with more than ``display.aggregate_above`` features (5,000 by
default) is drawn as a grid of cells with counts and the dominant class; pass
``bounds`` or ``parcel_ids`` to send only what is in view.
"""

from __future__ import annotations

from geo.render._common import (  # noqa: F401
    _DEFAULT_DECIMALS,
    _UI_TEXT,
    ASSET_MODES,
    ASSETS_DIR,
    COORD_SCALE,
    STATIC_SUBDIR,
    STATIC_URL,
    AssetMode,
    RenderError,
)
from geo.render.aggregate import (  # noqa: F401
    _aggregate,
)
from geo.render.assets import (  # noqa: F401
    _REMOTE,
    _SOURCE_MAP,
    _InlineAssets,
    _leaflet_dir,
    _Mount,
    _Raw,
    _read_text,
    _set_assets,
    _walk,
    asset_files,
    edit_asset_files,
    inline_assets_html,
    remote_references,
    write_static_assets,
)
from geo.render.encode import (  # noqa: F401
    _columns,
    _encode_geometries,
    _json_value,
    _label_points,
    js_json,
)
from geo.render.layers import (  # noqa: F401
    _bounds_of,
    _build_layers,
    _Built,
    _clip_to_bounds,
    _decimals,
    _display_geoms,
    _layer_cfg,
    _make_store,
    _Plan,
    _plan_aggregation,
    _union_bounds,
)
from geo.render.map import (  # noqa: F401
    component_data,
    layer_summary,
    map_html,
    render_map,
    save_map,
)
from geo.render.style import (  # noqa: F401
    _category_key,
    _field_formats,
    _style_and_legend,
    _unit_of,
    _vocab_label,
)

__all__ = [
    "ASSET_MODES",
    "STATIC_URL",
    "RenderError",
    "asset_files",
    "edit_asset_files",
    "inline_assets_html",
    "js_json",
    "layer_summary",
    "map_html",
    "remote_references",
    "render_map",
    "save_map",
    "write_static_assets",
]
