"""Leaflet (xstatic-leaflet) and our controls (geo/assets): inline or served, never remote."""

from __future__ import annotations

import base64
import functools
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium.template import Template

from geo.render._common import ASSETS_DIR, STATIC_SUBDIR, AssetMode, RenderError

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# Assets: Leaflet from xstatic-leaflet, our controls from geo/assets
# ---------------------------------------------------------------------------


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise RenderError(
            "Leaflet is not installed: pip install xstatic-leaflet (maps are served "
            "offline from installed packages, never from a CDN)"
        ) from err
    return Path(xleaflet.BASE_DIR)


def asset_files() -> dict[str, Path]:
    """The files a map needs, by the name they are served under (CSS before JS).

    Examples
    --------
    >>> sorted(asset_files())[:3]
    ['images/layers-2x.png', 'images/layers.png', 'images/marker-icon-2x.png']
    """
    ld = _leaflet_dir()
    files = {
        "leaflet.css": ld / "leaflet.css",
        "tenglong.css": ASSETS_DIR / "tenglong.css",
        "leaflet.js": ld / "leaflet.js",
        "tenglong.js": ASSETS_DIR / "tenglong.js",
    }
    for png in sorted((ld / "images").glob("*.png")):
        files[f"images/{png.name}"] = png
    return files


_SOURCE_MAP = re.compile(r"\n?//# sourceMappingURL=\S+\s*$")


def _read_text(path: Path) -> str:
    return _SOURCE_MAP.sub("\n", path.read_text(encoding="utf-8"))


@functools.cache
def inline_assets_html() -> str:
    """``<style>`` and ``<script>`` elements holding Leaflet and the Tenglong controls.

    Images referenced by ``leaflet.css`` are embedded as data URIs.
    """
    files = asset_files()

    def _data_uri(match: re.Match[str]) -> str:
        name = match.group(1)
        path = files.get(name)
        if path is None:
            return match.group(0)
        b64 = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{b64})"

    parts = []
    for name in ("leaflet.css", "tenglong.css"):
        css = re.sub(r"url\((images/[\w.-]+\.png)\)", _data_uri, _read_text(files[name]))
        parts.append(f"<style>\n{css}\n</style>")
    for name in ("leaflet.js", "tenglong.js"):
        js = _read_text(files[name]).replace("</script", "<\\/script")
        parts.append(f"<script>\n{js}\n</script>")
    return "\n".join(parts)


def edit_asset_files() -> dict[str, Path]:
    """The files of the editing tools (served only): geoman (pinned, fetched) and ours.

    Raises
    ------
    geo.jsassets.JsAssetMissing
        leaflet-geoman is not installed or does not match its pin.
    """
    from geo.jsassets import library_files

    files = {f"geoman/{name}": path for name, path in library_files("geoman").items()}
    files["tenglong-edit.js"] = ASSETS_DIR / "tenglong-edit.js"
    return files


def write_static_assets(static_dir: str | os.PathLike[str]) -> list[Path]:
    """Copy the map assets into ``static_dir/tenglong/`` for ``asset_mode="served"``.

    For Streamlit, ``static_dir`` is the ``static`` folder next to ``app.py``
    and ``server.enableStaticServing = true``; the files are then served under
    :data:`STATIC_URL`. Files already up to date are left alone.

    Returns
    -------
    list of Path
        The files written or already present.
    """
    from geo.jsassets import JsAssetMissing

    dest = Path(static_dir) / STATIC_SUBDIR
    out = []
    files = asset_files()
    # tenglong-edit.js draws the previews even without leaflet-geoman (no tools then)
    files["tenglong-edit.js"] = ASSETS_DIR / "tenglong-edit.js"
    try:
        files.update(edit_asset_files())
    except JsAssetMissing as err:  # the map works; the editing tools say they are unavailable
        logger.warning("editing tools unavailable: %s", err)
    for name, src in files.items():
        target = dest / name
        data = src.read_bytes()
        if not target.exists() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
            logger.info("wrote %s", target)
        out.append(target)
    return out


_REMOTE = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?((?:https?:)?//[^"'\s>]+)"""
    r"""|@import\s+(?:url\()?["']?((?:https?:)?//[^"')\s]+)"""
    r"""|url\(\s*["']?((?:https?:)?//[^"')\s]+)""",
    re.IGNORECASE,
)


def remote_references(html: str) -> list[str]:
    """URLs of remote scripts, stylesheets, CSS imports and CSS ``url()`` in ``html``.

    Tile URL templates are not references: they are fetched only when a
    basemap other than ``none`` is chosen.

    Examples
    --------
    >>> remote_references('<script src="https://cdn.example/x.js"></script><p>ok</p>')
    ['https://cdn.example/x.js']
    """
    return [next(g for g in m.groups() if g) for m in _REMOTE.finditer(html)]


class _Raw(Element):
    """Text added to a figure as it is.

    branca renders the output of every macro a second time as a Jinja template,
    so data containing ``{{ … }}`` or ``{% … %}`` would be evaluated on the
    server. Tenglong's elements bypass that second pass.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class _InlineAssets(MacroElement):
    def __init__(self) -> None:
        super().__init__()
        self._name = "TenglongAssets"

    def render(self, **kwargs: Any) -> None:
        self.get_root().header.add_child(_Raw(inline_assets_html()), name=self.get_name())


class _Mount(MacroElement):
    # render() is what a standalone HTML file uses; the app's map element
    # takes ``cfg`` through component_data() instead.
    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = TL.mount({{ this._parent.get_name() }}, {{ this.cfg }});"
        "{% endmacro %}"
    )

    def __init__(self, cfg_json: str) -> None:
        super().__init__()
        self._name = "TenglongLayers"
        self.cfg = cfg_json

    def render(self, **kwargs: Any) -> None:
        script = self._template.module.__dict__["script"](self, kwargs)
        self.get_root().script.add_child(_Raw(str(script)), name=self.get_name())


def _walk(element: Any) -> Iterable[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def _set_assets(m: folium.Map, *, asset_mode: AssetMode, asset_url: str) -> None:
    """Drop every CDN link; point the map at inline or locally served assets."""
    for el in _walk(m):
        if hasattr(el, "default_js"):
            el.default_js = []
            el.default_css = []
    if asset_mode == "inline":
        m.add_child(_InlineAssets())
    else:
        base = asset_url.rstrip("/")
        m.default_js = [("leaflet", f"{base}/leaflet.js"), ("tenglong", f"{base}/tenglong.js")]
        m.default_css = [
            ("leaflet_css", f"{base}/leaflet.css"),
            ("tenglong_css", f"{base}/tenglong.css"),
        ]
