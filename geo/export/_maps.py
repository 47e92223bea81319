"""Static map images for PDF pages, drawn with matplotlib from the data alone.

No tiles and no network: boundaries, planning areas, roads and parcels are
drawn in the workspace's projected CRS (metres), so the scale bar is exact.
Each function returns PNG bytes; labels use the export's CJK font
(:func:`geo.export._fonts.mpl_font_properties`).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.export._fonts import mpl_font_properties
from geo.schema import STATUS_COLORS, STATUS_LABELS

logger = logging.getLogger(__name__)

MM_PER_INCH = 25.4
SITE_COLOR = "#c0392b"
AREA_EDGE = "#1f4e79"
ROAD_COLOR = "#8c8c8c"
_SCALE_STEPS = (20, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000)


def _figure(width_mm: float, height_mm: float, *, bottom: float = 0.0) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, bottom, 1, 1 - bottom))
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig, ax


def _fit_extent(
    bounds: Sequence[float], *, width_mm: float, height_mm: float, pad: float
) -> tuple[float, float, float, float]:
    """``bounds`` padded by ``pad`` metres and widened to the figure's aspect ratio."""
    x0, y0, x1, y1 = bounds
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    w, h = x1 - x0, y1 - y0
    want = width_mm / height_mm
    if w / h < want:
        grow = (h * want - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / want - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0, y0, x1, y1


def _clip(df: pd.DataFrame | None, extent: Sequence[float]) -> gpd.GeoDataFrame | None:
    if df is None or not len(df) or not isinstance(df, gpd.GeoDataFrame):
        return None
    sub = df.cx[extent[0] : extent[2], extent[1] : extent[3]]
    return sub if len(sub) else None


def _text(ax: Any, x: float, y: float, s: str, *, size: float = 6.5, **kw: Any) -> None:
    import matplotlib.patheffects as pe

    ax.text(
        x,
        y,
        s,
        fontproperties=mpl_font_properties(),
        fontsize=size,
        ha=kw.pop("ha", "center"),
        va=kw.pop("va", "center"),
        path_effects=[pe.withStroke(linewidth=2.2, foreground="white")],
        zorder=kw.pop("zorder", 20),
        **kw,
    )


def _scale_bar(ax: Any, extent: Sequence[float]) -> None:
    x0, y0, x1, y1 = extent
    width = x1 - x0
    length = min(_SCALE_STEPS, key=lambda s: abs(s - width / 5))
    bx, by = x0 + width * 0.04, y0 + (y1 - y0) * 0.05
    tick = (y1 - y0) * 0.012
    ax.plot([bx, bx + length], [by, by], color="black", lw=2.2, solid_capstyle="butt", zorder=30)
    ax.plot([bx, bx], [by - tick, by + tick], color="black", lw=1, zorder=30)
    ax.plot([bx + length, bx + length], [by - tick, by + tick], color="black", lw=1, zorder=30)
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    _text(ax, bx + length / 2, by + tick * 2.6, text, size=6.5, zorder=31)


def _north_arrow(ax: Any, extent: Sequence[float]) -> None:
    x0, y0, x1, y1 = extent
    x = x1 - (x1 - x0) * 0.05
    y = y1 - (y1 - y0) * 0.16
    h = (y1 - y0) * 0.08
    ax.annotate(
        "",
        xy=(x, y + h),
        xytext=(x, y),
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.4},
        zorder=30,
    )
    _text(ax, x, y + h * 1.35, "N", size=8, zorder=31)


def _draw_context(
    ax: Any,
    *,
    extent: Sequence[float],
    boundaries: pd.DataFrame | None,
    areas: pd.DataFrame | None,
    roads: pd.DataFrame | None,
    lang: str,
    label_areas: bool = True,
    label_roads: bool = True,
    area_fill: bool = True,
) -> None:
    b = _clip(boundaries, extent)
    if b is not None:
        b.boundary.plot(ax=ax, color="#404040", lw=0.9, linestyle=(0, (6, 3)), zorder=2)
    a = _clip(areas, extent)
    if a is not None:
        if area_fill:
            a.plot(ax=ax, facecolor="#dbe7f3", edgecolor="none", alpha=0.55, zorder=3)
        a.boundary.plot(ax=ax, color=AREA_EDGE, lw=0.9, zorder=6)
    r = _clip(roads, extent)
    if r is not None:
        r.plot(ax=ax, color="white", lw=4.2, zorder=7)
        r.plot(ax=ax, color=ROAD_COLOR, lw=2.4, zorder=8)
    view = shapely.box(*extent)
    if label_areas and a is not None:
        view_area = view.area
        for _, row in a.iterrows():
            part = row.geometry.intersection(view)
            if part.is_empty or part.area < view_area * 0.002:
                continue
            name = row.get("name_en") if lang == "en" and row.get("name_en") else row.get("name")
            if not isinstance(name, str) or not name:
                continue
            pt = part.representative_point()
            _text(ax, pt.x, pt.y, name, size=6, color=AREA_EDGE, zorder=21)
    if label_roads and r is not None:
        for _, row in r.iterrows():
            part = row.geometry.intersection(view.buffer(-(extent[2] - extent[0]) * 0.05))
            name = row.get("name")
            if part.is_empty or not isinstance(name, str) or not name:
                continue
            pt = part.interpolate(0.5, normalized=True)
            _text(ax, pt.x, pt.y, name, size=6, color="#333333", zorder=22)


def _png(fig: Any, *, dpi: int) -> bytes:
    bio = io.BytesIO()
    fig.savefig(bio, format="png", dpi=dpi, facecolor="white", pil_kwargs={"compress_level": 1})
    return bio.getvalue()


def site_map_png(
    *,
    focus: Any,
    parcels: gpd.GeoDataFrame,
    areas: pd.DataFrame | None,
    roads: pd.DataFrame | None,
    boundaries: pd.DataFrame | None,
    highlight_ids: Iterable[str] = (),
    focus_label: str = "",
    schematic: bool = False,
    lang: str = "zh",
    width_mm: float = 110,
    height_mm: float = 95,
    dpi: int = 200,
) -> bytes:
    """A map of a site (or a park) and its surroundings.

    Parameters
    ----------
    focus
        The site's geometry (projected CRS): outlined in red, the view centred on it.
    parcels
        Parcels to draw for context (the caller passes only what the viewer may
        see), coloured by status; ``highlight_ids`` are filled in red.
    areas, roads, boundaries
        Context layers (may be None).
    """
    fig, ax = _figure(width_mm, height_mm)
    x0, y0, x1, y1 = focus.bounds
    size = max(x1 - x0, y1 - y0)
    extent = _fit_extent(
        focus.bounds, width_mm=width_mm, height_mm=height_mm, pad=max(400.0, size * 1.2)
    )
    _draw_context(ax, extent=extent, boundaries=boundaries, areas=areas, roads=roads, lang=lang)
    p = _clip(parcels, extent)
    hi = {str(i) for i in highlight_ids}
    if p is not None:
        colors = p["status"].map(STATUS_COLORS).fillna("#bbbbbb")
        p.plot(ax=ax, color=colors, alpha=0.45, edgecolor="white", lw=0.4, zorder=9)
        sel = p[p["parcel_id"].astype(str).isin(hi)]
        if len(sel):
            sel.plot(ax=ax, color=SITE_COLOR, alpha=0.75, edgecolor="white", lw=0.6, zorder=10)
    gpd.GeoSeries([focus], crs=parcels.crs).boundary.plot(
        ax=ax, color=SITE_COLOR, lw=2.0, zorder=12
    )
    if focus_label:
        _text(
            ax,
            (x0 + x1) / 2,
            y1 + (extent[3] - extent[1]) * 0.035,
            focus_label,
            size=8,
            color=SITE_COLOR,
            zorder=25,
            va="bottom",
        )
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    _scale_bar(ax, extent)
    _north_arrow(ax, extent)
    if schematic:
        _text(
            ax,
            extent[2] - (extent[2] - extent[0]) * 0.03,
            extent[1] + (extent[3] - extent[1]) * 0.04,
            "示意 / schematic",
            size=6.5,
            ha="right",
            color="#b03a2e",
        )
    return _png(fig, dpi=dpi)


def overview_map_png(
    *,
    parcels: gpd.GeoDataFrame,
    areas: pd.DataFrame | None,
    roads: pd.DataFrame | None,
    boundaries: pd.DataFrame | None,
    schematic: bool = False,
    lang: str = "zh",
    color_by: str = "status",
    width_mm: float = 174,
    height_mm: float = 120,
    dpi: int = 180,
    legend: bool = True,
    focus: str = "parcels",
) -> bytes:
    """A map of the whole scope: parcels by status, planning areas, roads, boundary.

    The view fits the parcels and areas (``focus="parcels"``) or the areas
    alone (``focus="areas"``).
    """
    from matplotlib.patches import Patch

    bottom = 0.1 if legend else 0.0
    fig, ax = _figure(width_mm, height_mm, bottom=bottom)
    map_h = height_mm * (1 - bottom)
    fit = (areas,) if focus == "areas" else (parcels, areas)
    geoms = [df for df in fit if df is not None and len(df)]
    if not geoms and boundaries is not None and len(boundaries):
        geoms = [boundaries]
    if geoms:
        bounds = np.array([g.total_bounds for g in geoms])
        bb = (bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max())
    else:
        bb = (0.0, 0.0, 1000.0, 1000.0)
    size = max(bb[2] - bb[0], bb[3] - bb[1], 500.0)
    extent = _fit_extent(bb, width_mm=width_mm, height_mm=map_h, pad=size * 0.04)
    _draw_context(
        ax,
        extent=extent,
        boundaries=boundaries,
        areas=areas,
        roads=roads,
        lang=lang,
        label_roads=False,
    )
    p = _clip(parcels, extent)
    present: list[str] = []
    if p is not None and color_by in p.columns:
        colors = p[color_by].map(STATUS_COLORS).fillna("#bbbbbb")
        p.plot(ax=ax, color=colors, alpha=0.8, edgecolor="white", lw=0.2, zorder=9)
        present = [s for s in STATUS_COLORS if s in set(p[color_by])]
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    _scale_bar(ax, extent)
    _north_arrow(ax, extent)
    if legend and present:
        handles = [
            Patch(
                facecolor=STATUS_COLORS[s],
                edgecolor="none",
                label=f"{STATUS_LABELS[s][0]} {STATUS_LABELS[s][1]}",
            )
            for s in present
        ]
        handles.append(
            Patch(facecolor="#dbe7f3", edgecolor=AREA_EDGE, label="规划片区 planning area")
        )
        leg = fig.legend(
            handles=handles,
            loc="lower center",
            ncol=min(len(handles), 5),
            prop=mpl_font_properties(),
            frameon=False,
            handlelength=1.6,
            columnspacing=1.4,
        )
        for text in leg.get_texts():
            text.set_fontsize(6.5)
    if schematic:
        _text(
            ax,
            extent[2] - (extent[2] - extent[0]) * 0.02,
            extent[1] + (extent[3] - extent[1]) * 0.03,
            "示意 / schematic",
            size=7,
            ha="right",
            color="#b03a2e",
        )
    return _png(fig, dpi=dpi)
