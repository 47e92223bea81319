"""A tiny 三调 DLTB FileGDB for the sample package and the tests (docs/architecture.md §6).

:func:`write_sample_dltb` writes ``<path>`` (a ``.gdb`` folder, GDAL's
OpenFileGDB driver, GDAL ≥ 3.6) with one layer ``DLTB``: twelve 地类图斑 in
峰峰矿区 (adcode 130406, Handan) in CGCS2000 3° Gauss-Krüger zone 38 with the
zone prefix (EPSG:4526), as a county 三调/变更调查 database delivers them.
Geometry, place names and ids are schematic (invented); codes, field names
and types follow the DLTB layer; ``TBMJ`` is the ellipsoidal area of each
图斑 (GRS80), as the survey computes it.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

from geo.codes import sandiao_label
from geo.crs import ellipsoid_area_m2
from geo.errors import InputError

SAMPLE_EPSG = 4526
"""CGCS2000 / 3-degree Gauss-Kruger zone 38 (eastings with the zone prefix)."""

SAMPLE_ADCODE = "130406"
"""峰峰矿区."""

SAMPLE_ORIGIN_LONLAT = (114.205, 36.415)
"""South-west corner of the sample (schematic)."""

# (DLBM, width m, height m, 座落单位 suffix): a block of works, a mine, depots, a shop
# row, homesteads, a field, a road and a wood, in rows of four.
_PATCHES: tuple[tuple[str, float, float, str], ...] = (
    ("0601", 220.0, 160.0, "西街村"),
    ("0601", 180.0, 160.0, "西街村"),
    ("0508", 150.0, 160.0, "西街村"),
    ("0601", 260.0, 160.0, "东街村"),
    ("0602", 300.0, 200.0, "东街村"),
    ("0601", 140.0, 200.0, "东街村"),
    ("0508", 200.0, 200.0, "南庄村"),
    ("05H1", 120.0, 200.0, "南庄村"),
    ("0702", 160.0, 140.0, "南庄村"),
    ("0101", 320.0, 140.0, "北庄村"),
    ("1004", 40.0, 140.0, "北庄村"),
    ("0301", 240.0, 140.0, "北庄村"),
)


def sample_dltb_frame() -> gpd.GeoDataFrame:
    """The twelve 图斑 of the sample as a GeoDataFrame in EPSG:4526 (DLTB fields)."""
    to_gk = Transformer.from_crs(4490, SAMPLE_EPSG, always_xy=True)
    x0, y0 = to_gk.transform(*SAMPLE_ORIGIN_LONLAT)
    geoms, rows = [], []
    y = y0
    for r in range(0, len(_PATCHES), 4):
        x = x0
        height = max(p[2] for p in _PATCHES[r : r + 4])
        for k, (code, w, h, village) in enumerate(_PATCHES[r : r + 4]):
            n = r + k + 1
            geoms.append(shapely.box(x, y, x + w, y + h))
            vcode = 100 + r // 4 + 1
            rows.append(
                {
                    "BSM": f"{SAMPLE_ADCODE}{n:012d}",
                    "TBBH": str(n),
                    "DLBM": code,
                    "DLMC": sandiao_label(code),
                    "QSXZ": "30" if code in ("0101", "0301", "0702") else "10",
                    "QSDWDM": f"{SAMPLE_ADCODE}100{vcode:03d}0000000",
                    "QSDWMC": f"峰峰镇{village}",
                    "ZLDWDM": f"{SAMPLE_ADCODE}100{vcode:03d}0000000",
                    "ZLDWMC": f"峰峰镇{village}",
                    "SJNF": 2023,
                }
            )
            x += w + 10.0
        y += height + 10.0
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=SAMPLE_EPSG)
    gdf["SJNF"] = gdf["SJNF"].astype("int32")  # a SmallInt in the survey database
    tbmj = np.round(ellipsoid_area_m2(gdf.geometry.values, SAMPLE_EPSG), 2)
    gdf.insert(gdf.columns.get_loc("QSDWMC") + 1, "TBMJ", tbmj)
    gdf.insert(gdf.columns.get_loc("TBMJ") + 1, "KCMJ", 0.0)
    gdf.insert(gdf.columns.get_loc("KCMJ") + 1, "TBDLMJ", tbmj)
    gdf["geometry"] = shapely.multipolygons([[g] for g in gdf.geometry.values])
    return gdf


def write_sample_dltb(path: str | os.PathLike[str], frame: gpd.GeoDataFrame | None = None) -> Path:
    """Write the sample DLTB (or ``frame``) as a FileGDB folder ``path`` (``….gdb``).

    Examples
    --------
    >>> import tempfile
    >>> out = write_sample_dltb(Path(tempfile.mkdtemp()) / "130406.gdb")
    >>> pyogrio.read_info(out, layer="DLTB")["features"]
    12
    """
    out = Path(path)
    if out.suffix.lower() != ".gdb":
        raise InputError(f"{out}: a FileGDB folder name ends in .gdb; choose such a name")
    gdf = sample_dltb_frame() if frame is None else frame
    pyogrio.write_dataframe(gdf, out, layer="DLTB", driver="OpenFileGDB")
    return out
