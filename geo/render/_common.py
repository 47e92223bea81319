"""Names the parts of the map renderer share: asset locations, UI text, the error."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from geo.errors import InputError

logger = logging.getLogger(__name__)

AssetMode = Literal["inline", "served"]
ASSET_MODES: tuple[str, ...] = ("inline", "served")
STATIC_URL = "/app/static/tenglong"
"""Where Streamlit serves ``static/tenglong/`` (``server.enableStaticServing = true``)."""
STATIC_SUBDIR = "tenglong"
ASSETS_DIR = Path(__file__).resolve().parents[1] / "assets"

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
