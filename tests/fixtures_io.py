"""Fixture builders for the import tests: every file is made by the tests themselves.

Geometry lies inside the Fuxing demo district (邯郸市复兴区, CGCS2000 GK zone
38, EPSG:4547) so that imports into a copy of ``data/fuxing.gpkg`` validate.
Attribute headers are the short Chinese headers of real ledgers (≤ 10 GBK
bytes, the DBF limit).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import Polygon, box

ROOT = Path(__file__).resolve().parent.parent
FUXING = ROOT / "data" / "fuxing.gpkg"
GK = 4547
GK_PREFIX = 4526
ZONE_PREFIX = 38_000_000.0


def fuxing_copy(tmp_path: Path, name: str = "fuxing.gpkg") -> Path:
    """A copy of the Fuxing demo workspace in ``tmp_path`` (data/ is never modified)."""
    target = tmp_path / name
    shutil.copyfile(FUXING, target)
    return target


@cache
def _district() -> shapely.Geometry:
    b = pyogrio.read_dataframe(FUXING, layer="boundaries").to_crs(GK)
    return shapely.buffer(b.geometry.iloc[0], -200.0)


@cache
def inside_squares(n: int = 12, size_m: float = 80.0, step_m: float = 150.0) -> tuple[Polygon, ...]:
    """``n`` squares of ``size_m`` inside the Fuxing district (EPSG:4547), ``step_m`` apart."""
    district = _district()
    shapely.prepare(district)
    xmin, ymin, xmax, ymax = district.bounds
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    out: list[Polygon] = []
    for dy in np.arange(0, 6000, step_m):
        for dx in np.arange(0, 6000, step_m):
            sq = box(cx + dx, cy + dy, cx + dx + size_m, cy + dy + size_m)
            if district.contains(sq):
                out.append(sq)
            if len(out) == n:
                return tuple(out)
    raise AssertionError("no room in the district for the test squares")


def parcel_frame(
    n: int = 3, *, prefix: str = "IMP", size_m: float = 80.0, step_m: float = 150.0
) -> gpd.GeoDataFrame:
    """Parcels with Chinese ledger headers, declared area in 亩 matching the geometry."""
    geoms = list(inside_squares(n, size_m, step_m))
    statuses = ["已腾退", "已收储", "在产", "拟腾退", "已供地", "已投产"]
    uses_now = ["100102", "二类工业用地", "100103", "1001", "100101", "100102"]
    uses_planned = ["0901", "070101", "100102", "16", "1101", "0901"]
    return gpd.GeoDataFrame(
        {
            "地块编号": [f"{prefix}-{i + 1:03d}" for i in range(n)],
            "地块名称": [f"复兴区测试{i + 1}号地块" for i in range(n)],
            "区县": ["复兴区"] * n,
            "状态": [statuses[i % len(statuses)] for i in range(n)],
            "现状用途": [uses_now[i % len(uses_now)] for i in range(n)],
            "规划用途": [uses_planned[i % len(uses_planned)] for i in range(n)],
            "行业": ["铸造"] * n,
            "污染": ["是" if i % 2 == 0 else "否" for i in range(n)],
            "腾退时间": ["2018/5/1"] * n,
            "状态时间": ["2019年6月1日"] * n,
            "面积(亩)": [round(g.area / (10000 / 15), 4) for g in geoms],
            "权利人": ["邯郸市某铸造有限公司"] * n,
        },
        geometry=geoms,
        crs=GK,
    )


# ---------------------------------------------------------------------------
# Writers, one per format
# ---------------------------------------------------------------------------


def write_shapefile(
    gdf: gpd.GeoDataFrame, path: Path, *, encoding: str = "GBK", cpg: bool = False
) -> Path:
    """A shapefile in ``encoding``; the ``.cpg`` is deleted unless ``cpg``."""
    pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


class _GBKZipInfo(zipfile.ZipInfo):
    """A zip entry named in GBK bytes without the UTF-8 flag (as zipped on Chinese Windows)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 (zipfile's name)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_shapefile_gbk(shp: Path, zip_path: Path, *, folder: str = "成果数据/地块") -> Path:
    """Zip a shapefile's parts into a subfolder, entry names in GBK without the UTF-8 flag."""
    stem = "复兴区腾退地块"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in sorted(shp.parent.glob(shp.stem + ".*")):
            info = _GBKZipInfo(f"{folder}/{stem}{part.suffix}")
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, part.read_bytes())
        zf.writestr(_GBKZipInfo("说明.txt"), "测试数据".encode("gbk"))
    return zip_path


def write_kml(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """KML (WGS84) with 名称 as the placemark name."""
    out = gdf.to_crs(4326).rename(columns={"地块名称": "Name"})
    pyogrio.write_dataframe(out, path, driver="LIBKML")
    return path


def write_kmz(kml: Path, path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(kml, "doc.kml")
    return path


def dxf_text(squares: list[Polygon], labels: list[str], *, x_offset: float = ZONE_PREFIX) -> str:
    """A minimal DXF (AC1015, ANSI_936): closed LWPOLYLINEs on layer 地块, TEXT labels on 标注."""
    out = [
        "0\nSECTION\n2\nHEADER\n9\n$ACADVER\n1\nAC1015\n9\n$DWGCODEPAGE\n3\nANSI_936\n0\nENDSEC\n",
        "0\nSECTION\n2\nENTITIES\n",
    ]
    handle = 0x100
    for sq, label in zip(squares, labels, strict=True):
        coords = list(sq.exterior.coords)[:-1]
        out.append(f"0\nLWPOLYLINE\n5\n{handle:X}\n8\n地块\n90\n{len(coords)}\n70\n1\n")
        out += [f"10\n{x + x_offset:.3f}\n20\n{y:.3f}\n" for x, y in coords]
        handle += 1
        c = sq.centroid
        out.append(
            f"0\nTEXT\n5\n{handle:X}\n8\n标注\n10\n{c.x + x_offset:.3f}\n20\n{c.y:.3f}\n30\n0\n"
            f"40\n5\n1\n{label}\n"
        )
        handle += 1
    out.append("0\nLINE\n5\nFFF\n8\n道路\n10\n0\n20\n0\n11\n1\n21\n1\n")
    out.append("0\nENDSEC\n0\nEOF\n")
    return "".join(out)


def write_dxf(path: Path, squares: list[Polygon], labels: list[str]) -> Path:
    """A GBK DXF in 8-digit zone-prefixed eastings (38xxxxxx), no CRS."""
    path.write_bytes(dxf_text(squares, labels).encode("gbk"))
    return path


def write_csv_wkt(gdf: gpd.GeoDataFrame, path: Path, *, encoding: str = "gbk") -> Path:
    df = pd.DataFrame(gdf.drop(columns="geometry"))
    df["WKT"] = gdf.geometry.to_wkt()
    df.to_csv(path, index=False, encoding=encoding)
    return path


def write_xlsx_wkt(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    df = pd.DataFrame(gdf.drop(columns="geometry"))
    df["wkt"] = gdf.geometry.to_wkt()
    df.to_excel(path, index=False, sheet_name="地块台账", engine="openpyxl")
    return path


def enterprise_frame(parcel_ids: list[str]) -> pd.DataFrame:
    """An enterprise ledger with Chinese headers and units in the headers."""
    n = len(parcel_ids)
    return pd.DataFrame(
        {
            "企业编号": [f"IMP-E{i + 1:03d}" for i in range(n)],
            "企业名称": [f"邯郸市测试{i + 1}机械有限公司" for i in range(n)],
            "地块编号": parcel_ids,
            "用地面积(公顷)": [1.2] * n,
            "承租用地(亩)": [0.0] * n,
            "规模": ["规上", "规模以下"][:n] + ["规上"] * max(0, n - 2),
            "年度": [2023] * n,
            "税收(元)": [1_398_000.0] * n,
            "增加值(万元)": [1148.0] * n,
            "营业收入(万元)": [5767.9] * n,
            "综合能耗(吨标准煤)": [1755.3] * n,
            "排放量(吨)": [20.08] * n,
            "研发经费(万元)": [114.2] * n,
            "从业人员(人)": [52] * n,
            "用电量(万千瓦时)": [784.25] * n,
        }
    )


# ---------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------


def bow_tie(square: Polygon) -> Polygon:
    """A self-intersecting 'bow-tie' over ``square``: two triangles, shapely area 0."""
    xmin, ymin, xmax, ymax = square.bounds
    return Polygon([(xmin, ymin), (xmax, ymax), (xmax, ymin), (xmin, ymax), (xmin, ymin)])


def zip_slip(path: Path, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../../evil.geojson", payload)
    return path


def zip_bomb(path: Path, *, size: int = 50 << 20) -> Path:
    """One deflated entry of ``size`` zero bytes (ratio ≈ 1000)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.geojson", bytes(size))
    return path


def vrt_pointing_at(secret: Path) -> bytes:
    return (
        f'<OGRVRTDataSource><OGRVRTLayer name="leak"><SrcDataSource>{secret}</SrcDataSource>'
        f"<GeometryType>wkbNone</GeometryType></OGRVRTLayer></OGRVRTDataSource>"
    ).encode()


def kml_xxe(secret: Path) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&xxe;</name>'
        f"<Point><coordinates>114.5,36.6</coordinates></Point></Placemark></Document></kml>"
    ).encode()


def kml_billion_laughs() -> bytes:
    ents = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?><!DOCTYPE kml [' + "".join(ents) + "]>"
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&lol9;</name></Document></kml>'
    ).encode()


def gbk_zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = _GBKZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()
