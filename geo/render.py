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

import base64
import functools
import hashlib
import json
import logging
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template
from folium.utilities import camelize
from shapely.geometry import box

from geo import crs as crs_mod, schema
from geo.basemaps import Basemap, BasemapSettings, get_basemap
from geo.errors import InputError
from geo.layers import (
    PUBLIC_ROLE,
    ROLES,
    VOCABULARIES,
    VOCABULARY_COLORS,
    LayerRows,
    LayerSpec,
    field_label,
    field_vocabulary,
    load_layer_specs,
    select_rows,
    spec_role,
)

logger = logging.getLogger(__name__)

AssetMode = Literal["inline", "served"]
ASSET_MODES: tuple[str, ...] = ("inline", "served")
STATIC_URL = "/app/static/tenglong"
"""Where Streamlit serves ``static/tenglong/`` (``server.enableStaticServing = true``)."""
STATIC_SUBDIR = "tenglong"
ASSETS_DIR = Path(__file__).resolve().parent / "assets"

COORD_SCALE = 1_000_000
"""Coordinates are sent as integer micro-degrees (6 decimals ≈ 0.1 m)."""

_UI_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "layers": "图层",
        "legend": "图例",
        "fullscreen": "全屏",
        "measure": "测量距离和面积",
        "measure_hint": "在地图上单击添加点，双击或点“完成”结束",
        "measure_finish": "完成",
        "measure_clear": "清除",
        "measure_length": "距离",
        "measure_area": "面积",
        "schematic": "示意 / schematic：图形为示意，非测绘成果",
        "aggregated": "共 {n} 块，按 {cell} m 网格汇总显示；缩小范围或筛选后显示单个地块",
        "cell_parcels": "地块数",
        "cell_area": "面积(亩)",
        "dominant": "{label}(主要)",
        "other": "其他",
    },
    "en": {
        "layers": "Layers",
        "legend": "Legend",
        "fullscreen": "Full screen",
        "measure": "Measure distance and area",
        "measure_hint": "Click on the map to add points; double-click or Finish to end",
        "measure_finish": "Finish",
        "measure_clear": "Clear",
        "measure_length": "Distance",
        "measure_area": "Area",
        "schematic": "示意 / schematic: illustrative geometry, not survey data",
        "aggregated": "{n} features shown as {cell} m grid cells; zoom to an area or filter "
        "to see single parcels",
        "cell_parcels": "parcels",
        "cell_area": "area (mu)",
        "dominant": "{label} (dominant)",
        "other": "other",
    },
}

_DEFAULT_DECIMALS = {"area_mu": 1, "area_m2": 0, "area_ha": 2}


class RenderError(InputError):
    """The map cannot be built as asked (unknown layer, role, language or asset mode)."""


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
    dest = Path(static_dir) / STATIC_SUBDIR
    out = []
    for name, src in asset_files().items():
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


# ---------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------


def js_json(obj: Any) -> str:
    """JSON safe to place inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``… so data cannot close the script
    or open a comment; U+2028/2029 are escaped for old JavaScript engines.

    Examples
    --------
    >>> js_json({"name": "</script><img src=x onerror=alert(1)>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x onerror=alert(1)\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _encode_geometries(
    geoms: np.ndarray, *, kind: str
) -> tuple[tuple[int, int], list[list[list[list[int]]]]]:
    """Integer micro-degree, per-ring delta encoding (see ``TL.decode`` in tenglong.js).

    Returns the origin and, per feature, a list of parts, each a list of rings,
    each a flat ``[dx0, dy0, dx1, dy1, …]`` list. Polygon rings omit the
    closing vertex; repeated vertices after rounding are dropped.
    """
    n = len(geoms)
    if n == 0:
        return (0, 0), []
    xmin, ymin, _, _ = shapely.total_bounds(geoms)
    ox, oy = math.floor(xmin * COORD_SCALE), math.floor(ymin * COORD_SCALE)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    if kind == "polygon":
        rings, ring_of = shapely.get_rings(parts, return_index=True)
        min_pts = 3
    else:
        rings, ring_of = parts, np.arange(len(parts))
        min_pts = 2
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    q = np.rint(coords * COORD_SCALE).astype(np.int64)
    q[:, 0] -= ox
    q[:, 1] -= oy
    starts = np.searchsorted(coord_of, np.arange(len(rings)))
    ends = np.append(starts[1:], len(coord_of))
    out: list[list[list[list[int]]]] = [[] for _ in range(n)]
    part_rings: list[list[list[int]]] = [[] for _ in range(len(parts))]
    for r in range(len(rings)):
        pts = q[starts[r] : ends[r]]
        if kind == "polygon" and len(pts) > 1:
            pts = pts[:-1]
        if len(pts) > 1:
            keep = np.ones(len(pts), dtype=bool)
            keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
            if keep.sum() >= min_pts:
                pts = pts[keep]
        if len(pts) < min_pts:
            continue
        d = pts.copy()
        d[1:] -= pts[:-1]
        part_rings[ring_of[r]].append(d.ravel().tolist())
    for p, rs in enumerate(part_rings):
        if rs:
            out[part_of[p]].append(rs)
    return (ox, oy), out


def _label_points(geoms: np.ndarray, *, kind: str, origin: tuple[int, int]) -> list[Any]:
    if kind == "polygon":
        pts = shapely.point_on_surface(geoms)
    else:
        pts = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    xy = shapely.get_coordinates(pts)
    q = np.rint(xy * COORD_SCALE).astype(np.int64)
    return [[int(x) - origin[0], int(y) - origin[1]] for x, y in q]


def _json_value(v: Any, decimals: int | None) -> Any:
    if v is None:
        return None
    if isinstance(v, float | np.floating):
        if not math.isfinite(float(v)):
            return None
        f = round(float(v), 2 if decimals is None else decimals)
        return int(f) if f.is_integer() and abs(f) < 2**53 else f
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if v is pd.NaT or (not isinstance(v, str | list | tuple | dict) and pd.isna(v)):
        return None
    return str(v)


def _columns(
    frame: pd.DataFrame, fields: Sequence[str], decimals: dict[str, int | None]
) -> list[dict[str, list[Any]]]:
    """Properties by column; repetitive columns as distinct values plus indices.

    See ``TL.value`` in tenglong.js.
    """
    out = []
    n = len(frame)
    for f in fields:
        s = frame[f]
        if pd.api.types.is_datetime64_any_dtype(s):
            vals = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None).tolist()
        else:
            d = decimals.get(f)
            vals = [_json_value(v, d) for v in s.astype(object).tolist()]
        distinct = list(dict.fromkeys(vals))
        if n >= 8 and len(distinct) <= n // 2:
            index = {v: k for k, v in enumerate(distinct)}
            out.append({"d": distinct, "i": [index[v] for v in vals]})
        else:
            out.append({"v": vals})
    return out


# ---------------------------------------------------------------------------
# Styles, legends, field formats
# ---------------------------------------------------------------------------


def _unit_of(spec: LayerSpec, name: str, lang: str) -> str:
    fd = spec.fields.get(name)
    if fd is not None and fd.unit is not None:
        return fd.unit.get(lang)
    col = schema.TABLES[spec.table].column(name)
    if name == "area_mu" or (col is not None and col.unit == "亩"):
        return "亩" if lang == "zh" else "mu"
    if col is not None and col.unit:
        return col.unit if lang == "zh" else col.unit.replace("万元", "10k yuan")
    return ""


def _vocab_label(vocab: str | None, value: str, lang: str) -> str | None:
    if vocab is None:
        return None
    pair = VOCABULARIES[vocab].get(value)
    return None if pair is None else (pair[0] if lang == "zh" else pair[1])


def _style_and_legend(
    spec: LayerSpec, values: pd.Series | None, lang: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    st = spec.style
    line = spec.geometry == "line"
    outline = spec.geometry == "polygon" and not st.fill
    style: dict[str, Any] = {
        "kind": st.kind,
        "by": st.by,
        "color": st.color,
        "stroke": st.stroke,
        "weight": st.weight,
        "opacity": st.opacity,
        "fill": st.fill,
        "fillOpacity": st.fill_opacity,
        "dash": st.dash,
        "other": st.other_color,
        "cats": [],
        "breaks": list(st.breaks),
        "colors": list(st.colors),
    }
    legend: list[dict[str, Any]] = []
    if st.kind == "single":
        text = st.legend.get(lang) if st.legend else spec.title.get(lang)
        legend.append({"color": st.color, "label": text, "line": line, "outline": outline})
    elif st.kind == "bins":
        unit = _unit_of(spec, st.by or "", lang)
        sfx = f" {unit}" if unit else ""
        b = [f"{x:g}" for x in st.breaks]
        labels = [f"< {b[0]}{sfx}"]
        labels += [f"{b[i]}–{b[i + 1]}{sfx}" for i in range(len(b) - 1)]
        labels.append(f"≥ {b[-1]}{sfx}")
        legend = [
            {"color": c, "label": lab, "line": line, "outline": outline}
            for c, lab in zip(st.colors, labels, strict=True)
        ]
    else:
        present: list[str] = []
        if values is not None:
            counts = values.dropna().map(_category_key).value_counts()
            present = list(counts.index)
        vocab = st.vocabulary or field_vocabulary(spec, st.by or "")
        order: list[str] = [c.value for c in st.categories]
        if vocab:
            order += [v for v in VOCABULARIES[vocab] if v not in order]
        ordered = [v for v in order if v in present] + [v for v in present if v not in order]
        colors = {c.value: c.color for c in st.categories}
        for v, c in VOCABULARY_COLORS.get(vocab or "", {}).items():
            colors.setdefault(v, c)
        labels = {c.value: c.label.get(lang) for c in st.categories if c.label}
        pal = list(st.palette)
        any_other = False
        for v in ordered:
            if v not in colors and pal:
                colors[v] = pal[len([k for k in colors if k not in order]) % len(pal)]
            color = colors.get(v)
            if color is None:
                any_other = True
                continue
            text = labels.get(v) or _vocab_label(vocab, v, lang) or v
            legend.append({"color": color, "label": text, "line": line, "outline": outline})
            style["cats"].append([v, color])
        if any_other:
            other = _UI_TEXT[lang]["other"]
            legend.append({"color": st.other_color, "label": other, "line": line})
    return style, legend


def _category_key(v: Any) -> str:
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _field_formats(
    spec: LayerSpec, frame: pd.DataFrame, fields: Sequence[str], lang: str
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for f in fields:
        fd = spec.fields.get(f)
        dec = fd.decimals if fd is not None and fd.decimals is not None else None
        if dec is None:
            dec = _DEFAULT_DECIMALS.get(f)
        entry: dict[str, Any] = {"label": field_label(spec, f, lang), "decimals": dec}
        vocab = field_vocabulary(spec, f)
        custom = (
            {c.value: c.label.get(lang) for c in spec.style.categories if c.label}
            if spec.style.by == f
            else {}
        )
        if (vocab or custom) and f in frame.columns:
            labels: dict[str, str] = {}
            for v in sorted({_category_key(v) for v in frame[f].dropna().tolist()}):
                lab = custom.get(v) or _vocab_label(vocab, v, lang)
                if lab is not None:
                    if vocab == "land_use" and v not in custom:
                        lab = f"{lab} ({v})"
                    labels[v] = lab
            entry["vocab"] = [[v, lab] for v, lab in labels.items()]
        out[f] = entry
    return out


# ---------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------

_CELL_SIZES_M = (100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000)
MAX_CELLS = 2500


def _aggregate(rows: LayerRows) -> tuple[gpd.GeoDataFrame, int]:
    """Grid cells (projected CRS) with parcel count, area and the dominant class."""
    frame = rows.frame
    spec = rows.spec
    cen = shapely.get_coordinates(shapely.centroid(frame.geometry.values))
    area_mu = crs_mod.m2_to_mu(frame.geometry.area.to_numpy())
    x0, y0 = np.floor(cen.min(axis=0) / 100.0) * 100.0
    cell = _CELL_SIZES_M[-1]
    for size in _CELL_SIZES_M:
        ij = np.floor((cen - [x0, y0]) / size).astype(np.int64)
        if len(np.unique(ij[:, 0] * (1 << 32) + ij[:, 1])) <= MAX_CELLS:
            cell = size
            break
    ij = np.floor((cen - [x0, y0]) / cell).astype(np.int64)
    df = pd.DataFrame({"i": ij[:, 0], "j": ij[:, 1], "area_mu": area_mu})
    by = spec.style.by
    if by:
        df["by"] = frame[by].to_numpy()
    g = df.groupby(["i", "j"], sort=True)
    cells = g.agg(parcels=("area_mu", "size"), area_mu=("area_mu", "sum")).reset_index()
    if by and spec.style.kind == "bins":
        cells[by] = g["by"].median().to_numpy()
    elif by:
        dom = (
            df.dropna(subset=["by"])
            .assign(by=lambda d: d["by"].map(_category_key))
            .groupby(["i", "j", "by"])["area_mu"]
            .sum()
            .reset_index()
            .sort_values("area_mu", ascending=False)
            .drop_duplicates(["i", "j"])
            .set_index(["i", "j"])["by"]
        )
        cells[by] = [dom.get((i, j)) for i, j in zip(cells["i"], cells["j"], strict=True)]
    cells["cell_id"] = [f"{cell}m:{i}:{j}" for i, j in zip(cells["i"], cells["j"], strict=True)]
    geoms = shapely.box(
        x0 + cells["i"] * cell,
        y0 + cells["j"] * cell,
        x0 + (cells["i"] + 1) * cell,
        y0 + (cells["j"] + 1) * cell,
    )
    out = gpd.GeoDataFrame(cells.drop(columns=["i", "j"]), geometry=geoms, crs=frame.crs)
    return out, cell


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
            note = text["aggregated"].format(n=f"{n:,}", cell=f"{cell_m:,}")
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
    poly = gpd.GeoSeries([box(w, s, e, n)], crs=crs_mod.DISPLAY_EPSG).to_crs(rows.frame.crs)
    idx = rows.frame.sindex.query(poly.iloc[0], predicate="intersects")
    rows.frame = rows.frame.iloc[np.sort(idx)]
    return rows


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


__all__ = [
    "ASSET_MODES",
    "STATIC_URL",
    "RenderError",
    "asset_files",
    "inline_assets_html",
    "js_json",
    "layer_summary",
    "map_html",
    "remote_references",
    "render_map",
    "save_map",
    "write_static_assets",
]
