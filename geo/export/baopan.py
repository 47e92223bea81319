"""报盘坐标 txt export: the parcels in scope in the 勘测定界界址点坐标交换格式.

The layout is written by :func:`geo.io.baopan.format_baopan` (the reader's
module, so that the two stay in step); this module chooses what goes in:

- coordinates in CGCS2000 3° Gauss-Krüger with the zone prefix (EPSG:4513–4533,
  the zone chosen from the parcels' longitude, docs/architecture.md §4), X the
  northing before Y the easting, to the millimetre;
- per parcel ``界址点数,地块面积,地块编号,地块名称,面,图幅号,地块用途,地类编码,@``
  with 地块面积 the planar area in that zone in 公顷 to 4 decimals and
  地块用途/地类编码 from ``land_use_planned`` (the import reads them back there);
- the outer ring as 圈号 1, holes (and further parts of a multipart parcel) as
  圈号 2, 3 …, every ring closed by repeating its first point (counted in
  界址点数);
- GBK by default (what 报批 software expects), ``encoding="utf-8"`` possible;
  one file for the selection, or one per parcel zipped (``per_parcel``).

Only the role's parcels in scope are written (:class:`~geo.export._context.ExportContext`).
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo import crs as crs_mod
from geo.export._context import ExportContext, ExportError
from geo.io.baopan import format_baopan
from geo.schema import LAND_USES

logger = logging.getLogger(__name__)

ENCODINGS: dict[str, str] = {"gbk": "gbk", "gb18030": "gb18030", "utf-8": "utf-8"}
"""``--encoding`` values of a txt export → Python codec."""

DEFAULT_ENCODING = "gbk"


def _codec(encoding: str | None) -> str:
    key = (encoding or DEFAULT_ENCODING).strip().lower().replace("_", "-")
    key = {"utf8": "utf-8", "cp936": "gbk", "gb2312": "gbk"}.get(key, key)
    if key not in ENCODINGS:
        raise ExportError(
            f"unknown --encoding {encoding!r} for a 报盘 txt; use one of {', '.join(ENCODINGS)}"
        )
    return ENCODINGS[key]


def _zone_crs(parcels: gpd.GeoDataFrame) -> tuple[int, int]:
    """``(zone, EPSG with zone prefix)`` of the parcels' CGCS2000 3° zone."""
    cm = crs_mod.projected_crs_for(parcels).to_epsg()
    found = crs_mod.gk_zone_of_epsg(int(cm)) if cm else None
    if found is None:  # pragma: no cover - projected_crs_for returns a GK zone
        raise ExportError("the parcels' Gauss-Krüger zone cannot be chosen")
    zone = found[0]
    return zone, crs_mod.gk_epsg(zone, zone_prefix=True)


def _rings(geom: Any, pid: str) -> list[list[tuple[float, float]]]:
    """Rings as ``(x_north, y_east)`` without the closing point: each part, then its holes."""
    parts = list(shapely.get_parts(geom)) if geom is not None else []
    polys = [p for p in parts if isinstance(p, shapely.Polygon) and not p.is_empty]
    if not polys:
        raise ExportError(f"parcel {pid} has no polygon geometry; fix it before the export")
    out: list[list[tuple[float, float]]] = []
    for poly in polys:
        for ring in (poly.exterior, *poly.interiors):
            coords = shapely.get_coordinates(ring)[:-1]
            out.append([(float(y), float(x)) for x, y in coords])
    return out


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def _parcel(row: Any, geom: Any) -> tuple[dict[str, object], list[list[tuple[float, float]]]]:
    pid = _text(row.get("parcel_id"))
    code = _text(row.get("land_use_planned"))
    use = LAND_USES.get(code)
    fields: dict[str, object] = {
        "地块面积": f"{crs_mod.m2_to_ha(float(geom.area)):.4f}",
        "地块编号": pid,
        "地块名称": _text(row.get("name")),
        "记录图形属性": "面",
        "图幅号": "",
        "地块用途": use.zh if use is not None else "",
        "地类编码": code if use is not None else "",
    }
    return fields, _rings(geom, pid)


def _header(ctx: ExportContext, zone: int) -> dict[str, str]:
    d = ctx.generated_at
    return {
        "格式版本号": "1.01",
        "数据产生单位": ctx.workspace_name("zh"),
        "数据产生日期": f"{d.year}-{d.month}-{d.day}",
        "坐标系": "2000国家大地坐标系",
        "几度分带": "3",
        "投影类型": "高斯克吕格",
        "计量单位": "米",
        "带号": str(zone),
        "精度": "0.001",
        "转换参数": ",,,,,,",
    }


def _encode(text: str, codec: str, *, what: str) -> bytes:
    try:
        return text.encode(codec)
    except UnicodeEncodeError as err:
        bad = err.object[err.start : err.end]
        line = err.object.count("\n", 0, err.start) + 1
        raise ExportError(
            f"{what}: line {line} holds {bad!r}, which {codec.upper()} cannot write; export "
            f"with --encoding utf-8 (or gb18030), or change the text"
        ) from None


def _safe_name(pid: str) -> str:
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", pid).strip(" .") or "parcel"
    return name[:100]


def build_txt(
    ctx: ExportContext, *, encoding: str | None = None, per_parcel: bool = False
) -> bytes:
    """The parcels in scope as a 报盘 txt (or a zip of one txt per parcel).

    With no parcel in scope (an investor's export before any site is
    available) the file holds the header and an empty ``[地块坐标]``.

    Raises
    ------
    ExportError
        A parcel without polygon geometry, an unknown
        encoding, or text the encoding cannot write (the message names the
        line and suggests ``--encoding utf-8``).
    """
    codec = _codec(encoding)
    parcels = ctx.scope_parcels
    parcels = parcels[parcels.geometry.notna() & ~parcels.geometry.is_empty]
    if parcels.empty:  # e.g. an investor with no available site: the header alone
        logger.warning("报盘 txt: no parcel with geometry in %s", ctx.scope_label("en"))
        found = crs_mod.gk_zone_of_epsg(int(ctx.ws.crs.to_epsg() or 0))
        if found is None:
            raise ExportError(
                f"no parcel with geometry in {ctx.scope_label()}; choose another area or site"
            )
        if per_parcel:
            buf = io.BytesIO()
            zipfile.ZipFile(buf, "w").close()
            return buf.getvalue()
        return _encode(format_baopan(_header(ctx, found[0]), []), codec, what="header")
    zone, epsg = _zone_crs(parcels)
    projected = parcels.to_crs(epsg)
    header = _header(ctx, zone)
    items = [
        _parcel(row, geom)
        for (_, row), geom in zip(projected.iterrows(), projected.geometry, strict=True)
    ]
    if not per_parcel:
        return _encode(format_baopan(header, items), codec, what=ctx.scope_label())
    buf = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for fields, rings in items:
            base = _safe_name(str(fields["地块编号"]))
            name, k = base, 2
            while name.lower() in used:
                name, k = f"{base}-{k}", k + 1
            used.add(name.lower())
            data = _encode(
                format_baopan(header, [(fields, rings)]),
                codec,
                what=f"parcel {fields['地块编号']}",
            )
            zf.writestr(f"{name}.txt", data)
    return buf.getvalue()
