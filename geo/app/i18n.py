"""UI strings in Chinese (default) and English."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("腾笼 · 老工业区土地再利用", "Tenglong · land reuse in old industrial districts"),
    "language": ("语言 / Language", "语言 / Language"),
    "workspace": ("工作空间", "Workspace"),
    "workspace_open_other": ("打开其他工作空间文件 (.gpkg)", "Open another workspace file (.gpkg)"),
    "schematic_note": (
        "示意 / schematic：演示数据，几何为示意，汇总数据复现公开报道",
        "示意 / schematic: demo data; geometry is schematic, totals reproduce published figures",
    ),
    "overview": ("总览", "Overview"),
    "parcels": ("地块", "Parcels"),
    "freed_mu": ("腾退土地(亩)", "Freed land (mu)"),
    "published": ("公开报道", "published"),
    "parcels_count": ("地块数", "parcels"),
    "areas_count": ("规划片区数", "planning areas"),
    "crs": ("计算坐标系", "working CRS"),
    "workspace_error": (
        "无法打开工作空间：{error}",
        "The workspace cannot be opened: {error}",
    ),
    "workspace_problems": (
        "工作空间有 {n} 个数据问题，请用 `tenglong info` 查看。",
        "The workspace has {n} data problem(s); run `tenglong info` for the list.",
    ),
    "map_error": ("地图无法绘制：{error}", "The map cannot be drawn: {error}"),
}


def t(key: str, lang: Lang = "zh", **kwargs: object) -> str:
    """The UI string ``key`` in ``lang``, formatted with ``kwargs``.

    Examples
    --------
    >>> t("overview", "en")
    'Overview'
    """
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**kwargs) if kwargs else text
