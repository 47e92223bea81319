"""CRS and units: the one place that decides coordinates, zones and areas.

Policy (docs/architecture.md §4):

- Storage is CGCS2000 (EPSG:4490, degrees).
- Areas and distances are planar, in the CGCS2000 3-degree Gauss-Krüger zone
  of the data's longitude: EPSG:4534-4554 (no zone prefix) or 4513-4533
  (8-digit eastings carrying the zone number). The zone is chosen from the
  data, never hard-coded.
- Display is WGS84 (CGCS2000 ≈ WGS84 at map scale). Gaode (AMap) tiles are
  GCJ-02: only display copies are shifted with :func:`wgs84_to_gcj02`;
  :func:`gcj02_to_wgs84` brings digitised coordinates back.
- A missing CRS is an error that suggests the likely EPSG (:func:`suggest_epsg`).

Units carry their name: ``area_m2``, ``area_mu``, ``area_ha``, ``area_km2``.
1 亩 = 10000/15 m² ≈ 666.67 m²; 15 亩 = 1 ha.
"""

from __future__ import annotations

import itertools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import shapely
from pyproj import CRS, Geod

from geo.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Callable

    import geopandas as gpd
    from pyproj import Transformer

T = TypeVar("T")

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------

M2_PER_MU = 10000.0 / 15.0
"""Square metres in one 亩 (mu): 10000/15 ≈ 666.67 m²."""
M2_PER_HA = 10000.0
M2_PER_KM2 = 1_000_000.0
MU_PER_HA = 15.0

STORAGE_EPSG = 4490
"""CGCS2000 geographic (degrees): how workspaces store geometry."""
DISPLAY_EPSG = 4326
"""WGS84: what web maps receive."""


def m2_to_mu(area_m2: Any) -> Any:
    """Convert square metres to 亩.

    Examples
    --------
    >>> m2_to_mu(10000.0)
    15.0
    """
    return area_m2 / M2_PER_MU


def mu_to_m2(area_mu: Any) -> Any:
    """Convert 亩 to square metres.

    Examples
    --------
    >>> round(mu_to_m2(1.0), 2)
    666.67
    """
    return area_mu * M2_PER_MU


def m2_to_ha(area_m2: Any) -> Any:
    """Convert square metres to hectares.

    Examples
    --------
    >>> m2_to_ha(25000.0)
    2.5
    """
    return area_m2 / M2_PER_HA


def ha_to_m2(area_ha: Any) -> Any:
    """Convert hectares to square metres."""
    return area_ha * M2_PER_HA


def m2_to_km2(area_m2: Any) -> Any:
    """Convert square metres to square kilometres."""
    return area_m2 / M2_PER_KM2


def km2_to_m2(area_km2: Any) -> Any:
    """Convert square kilometres to square metres."""
    return area_km2 * M2_PER_KM2


def mu_to_ha(area_mu: Any) -> Any:
    """Convert 亩 to hectares (15 亩 = 1 ha).

    Examples
    --------
    >>> mu_to_ha(30.0)
    2.0
    """
    return area_mu / MU_PER_HA


def ha_to_mu(area_ha: Any) -> Any:
    """Convert hectares to 亩."""
    return area_ha * MU_PER_HA


AREA_UNITS: dict[str, float] = {"m2": 1.0, "mu": M2_PER_MU, "ha": M2_PER_HA, "km2": M2_PER_KM2}
"""Square metres per unit, by the suffix used in column names."""


def convert_area(value: Any, *, from_unit: str, to_unit: str) -> Any:
    """Convert an area between ``m2``, ``mu``, ``ha`` and ``km2``.

    Examples
    --------
    >>> convert_area(1.0, from_unit="km2", to_unit="mu")
    1500.0
    """
    try:
        return value * AREA_UNITS[from_unit] / AREA_UNITS[to_unit]
    except KeyError as err:
        raise UnitError(
            f"unknown area unit {err.args[0]!r}; use one of {', '.join(AREA_UNITS)}"
        ) from None


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class CRSError(InputError):
    """A coordinate reference system problem, with advice on how to fix it."""


class MissingCRSError(CRSError):
    """Data without a CRS; the message suggests the likely EPSG code."""


class UnitError(InputError):
    """An unknown unit name."""


# ---------------------------------------------------------------------------
# Gauss-Krüger zones
# ---------------------------------------------------------------------------

GK_ZONE_MIN = 25  # central meridian 75°E
GK_ZONE_MAX = 45  # central meridian 135°E
_EPSG_NO_PREFIX_0 = 4534  # zone 25, no zone prefix
_EPSG_PREFIX_0 = 4513  # zone 25, 8-digit zone-prefixed easting


def gk_zone(lon: float) -> int:
    """Return the CGCS2000 3-degree Gauss-Krüger zone number for a longitude.

    Zone ``n`` has its central meridian at ``3 * n`` degrees east.

    Examples
    --------
    >>> gk_zone(114.47)  # Handan
    38
    >>> gk_zone(120.07)  # Yiwu
    40
    """
    zone = int(np.floor(lon / 3.0 + 0.5))
    if not GK_ZONE_MIN <= zone <= GK_ZONE_MAX:
        raise CRSError(
            f"longitude {lon:.4f}° is outside China's CGCS2000 3-degree zones "
            f"(75°E-135°E); check that x is longitude in degrees, not a projected easting"
        )
    return zone


def gk_epsg(zone: int, *, zone_prefix: bool = False) -> int:
    """EPSG code of a CGCS2000 3-degree GK zone.

    Parameters
    ----------
    zone
        Zone number, 25-45.
    zone_prefix
        True for the 4513-4533 family whose eastings start with the zone number
        (8 digits); False (default) for 4534-4554.

    Examples
    --------
    >>> gk_epsg(38)
    4547
    >>> gk_epsg(38, zone_prefix=True)
    4526
    >>> gk_epsg(40)
    4549
    """
    if not GK_ZONE_MIN <= zone <= GK_ZONE_MAX:
        raise CRSError(f"GK zone {zone} is not a CGCS2000 3-degree zone (25-45)")
    return (_EPSG_PREFIX_0 if zone_prefix else _EPSG_NO_PREFIX_0) + zone - GK_ZONE_MIN


def gk_zone_of_epsg(epsg: int) -> tuple[int, bool] | None:
    """Zone number and prefix flag of a CGCS2000 3-degree GK EPSG code, else None.

    Examples
    --------
    >>> gk_zone_of_epsg(4547)
    (38, False)
    >>> gk_zone_of_epsg(4526)
    (38, True)
    >>> gk_zone_of_epsg(4326) is None
    True
    """
    if _EPSG_NO_PREFIX_0 <= epsg <= _EPSG_NO_PREFIX_0 + GK_ZONE_MAX - GK_ZONE_MIN:
        return epsg - _EPSG_NO_PREFIX_0 + GK_ZONE_MIN, False
    if _EPSG_PREFIX_0 <= epsg <= _EPSG_PREFIX_0 + GK_ZONE_MAX - GK_ZONE_MIN:
        return epsg - _EPSG_PREFIX_0 + GK_ZONE_MIN, True
    return None


def gk_crs_for_lon(lon: float) -> CRS:
    """The CGCS2000 GK CRS (no zone prefix) whose zone contains ``lon``."""
    return CRS.from_epsg(gk_epsg(gk_zone(lon)))


def _lonlat_center(gdf: gpd.GeoDataFrame) -> tuple[float, float]:
    if gdf.crs is None:
        raise_missing_crs(gdf)
    valid = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    if valid.empty:
        raise CRSError("no geometry to choose a GK zone from: the table is empty")
    return _bounds_center_lonlat(valid.total_bounds, gdf.crs)


def _bounds_center_lonlat(bounds: Any, crs: Any) -> tuple[float, float]:
    xmin, ymin, xmax, ymax = bounds
    cx, cy = (xmin + xmax) / 2.0, (ymin + ymax) / 2.0
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        return float(cx), float(cy)
    from pyproj import Transformer

    to_geo = Transformer.from_crs(crs, STORAGE_EPSG, always_xy=True)
    lon, lat = to_geo.transform(cx, cy)
    return float(lon), float(lat)


def projected_crs_for(gdf: gpd.GeoDataFrame) -> CRS:
    """Choose the CGCS2000 GK zone (EPSG:4534-4554) for the data's longitude.

    A frame already in a CGCS2000 GK zone keeps that zone (either family).
    """
    if gdf.crs is None:
        raise_missing_crs(gdf)
    crs = CRS.from_user_input(gdf.crs)
    epsg = crs.to_epsg()
    if epsg is not None and gk_zone_of_epsg(epsg) is not None:
        return crs
    lon, _ = _lonlat_center(gdf)
    chosen = gk_crs_for_lon(lon)
    logger.info("chose %s (%s) for data centred at %.3f°E", chosen.to_string(), chosen.name, lon)
    return chosen


def projected_crs_for_bounds(bounds: Any, crs: Any) -> CRS:
    """The GK zone :func:`projected_crs_for` chooses for data of these total bounds.

    For a reader that knows the extent of a table without reading its
    geometry (a GeoPackage's spatial index).

    Parameters
    ----------
    bounds
        ``(xmin, ymin, xmax, ymax)`` of the non-empty geometries, in ``crs``.
    crs
        The CRS of the data.

    Examples
    --------
    >>> projected_crs_for_bounds((114.0, 36.0, 114.5, 36.5), 4490).to_epsg()
    4547
    """
    crs = CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    if epsg is not None and gk_zone_of_epsg(epsg) is not None:
        return crs
    lon, _ = _bounds_center_lonlat(bounds, crs)
    return gk_crs_for_lon(lon)


def zone_margin_deg(lon: float) -> float:
    """How far (degrees) ``lon`` lies from the nearest edge of its GK zone.

    Examples
    --------
    >>> round(zone_margin_deg(114.0), 6), round(zone_margin_deg(115.4), 6)
    (1.5, 0.1)
    """
    return float(abs((lon - 1.5) / 3.0 - round((lon - 1.5) / 3.0)) * 3.0)


# Every new thread pays for PROJ's look-up of a transformation again (about
# 50 ms per pair of CRS: its context and caches are per thread), and Streamlit
# runs each rerun of a page in a new thread. The small transforms of a map (a
# view's bounds, a few hundred parcels) therefore run on one long-lived thread
# that keeps its transformers.
PROJ_THREAD = "tenglong-proj"
"""The name of the thread that runs :func:`on_proj_thread`."""
SMALL_TRANSFORM = 50_000
"""Frames up to this many rows are reprojected on the PROJ thread."""
_PROJ_POOL: ThreadPoolExecutor | None = None
_PROJ_LOCK = threading.Lock()
_TRANSFORMERS: dict[tuple[str, str], Transformer] = {}


def on_proj_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` run on the long-lived PROJ thread; its result.

    Called on that thread already, ``fn`` runs in place. Exceptions are
    raised in the caller.
    """
    if threading.current_thread().name.startswith(PROJ_THREAD):
        return fn(*args, **kwargs)
    return _proj_pool().submit(fn, *args, **kwargs).result()


def _proj_pool() -> ThreadPoolExecutor:
    global _PROJ_POOL
    with _PROJ_LOCK:
        if _PROJ_POOL is None:
            _PROJ_POOL = ThreadPoolExecutor(1, thread_name_prefix=PROJ_THREAD)
        return _PROJ_POOL


def _transformer(src: CRS, dst: CRS) -> Transformer:
    # Only on the PROJ thread (one thread: a plain dict).
    from pyproj import Transformer

    key = (src.to_wkt(), dst.to_wkt())
    found = _TRANSFORMERS.get(key)
    if found is None:
        if len(_TRANSFORMERS) >= 64:
            _TRANSFORMERS.clear()
        found = _TRANSFORMERS[key] = Transformer.from_crs(src, dst, always_xy=True)
    return found


def warm_transforms(*pairs: tuple[Any, Any]) -> None:
    """Make the transformers of ``(source, target)`` pairs on the PROJ thread, without waiting.

    A large workspace's first pan then finds them made (about 50 ms each).
    """
    pool = _proj_pool()
    for src, dst in ((CRS.from_user_input(a), CRS.from_user_input(b)) for a, b in pairs):
        if not src.is_exact_same(dst):
            pool.submit(_transformer, src, dst)


def transform_bounds(
    bounds: Any, source: Any, target: Any, *, densify_pts: int = 21
) -> tuple[float, float, float, float]:
    """``(xmin, ymin, xmax, ymax)`` in ``source`` as a box in ``target``, densified.

    Runs on the PROJ thread (:func:`on_proj_thread`), whose transformers are kept.

    Examples
    --------
    >>> [round(v) for v in transform_bounds((114.0, 36.0, 114.01, 36.01), 4490, 4547)]
    [500000, 3985543, 500902, 3986652]
    """
    src, dst = CRS.from_user_input(source), CRS.from_user_input(target)
    b = tuple(float(v) for v in bounds)
    if src.is_exact_same(dst):
        return b  # type: ignore[return-value]

    def work() -> tuple[float, float, float, float]:
        out = _transformer(src, dst).transform_bounds(*b, densify_pts=densify_pts)
        return tuple(float(v) for v in out)  # type: ignore[return-value]

    return on_proj_thread(work)


def _to_crs(gdf: gpd.GeoDataFrame, target: Any) -> gpd.GeoDataFrame:
    """``gdf.to_crs(target)``; a small frame on the PROJ thread (its transformers are kept)."""
    if len(gdf) <= SMALL_TRANSFORM:
        return on_proj_thread(gdf.to_crs, target)
    return gdf.to_crs(target)


def reproject(geoms: Any, source: Any, target: Any, *, threads: int = 1) -> np.ndarray:
    """Geometries in ``target``: the coordinates ``GeoSeries.to_crs`` gives, on threads.

    The transformation is the one geopandas uses (``always_xy``), applied to
    ``threads`` slices of the array at once (PROJ and shapely release the
    GIL), so the result is bit-identical to ``to_crs``. An array with Z
    coordinates is handed to geopandas as it is.

    Examples
    --------
    >>> from shapely import box
    >>> out = reproject([box(114.0, 36.0, 114.001, 36.001)], 4490, 4547)
    >>> round(float(shapely.area(out)[0]))
    10004
    """
    from pyproj import Transformer

    arr = np.asarray(geoms, dtype=object)
    src, dst = CRS.from_user_input(source), CRS.from_user_input(target)
    if src.is_exact_same(dst) or not len(arr):
        return arr
    if bool(shapely.has_z(arr).any()):
        import geopandas as gpd

        return np.asarray(gpd.GeoSeries(arr, crs=src).to_crs(dst).array, dtype=object)

    def work(chunk: np.ndarray) -> np.ndarray:
        # One transformer per thread: a PROJ context is not shared between threads.
        fn = Transformer.from_crs(src, dst, always_xy=True).transform
        return transform_geometries(chunk, fn)

    if len(arr) <= SMALL_TRANSFORM:  # on the PROJ thread, whose transformers are kept
        return on_proj_thread(lambda: transform_geometries(arr, _transformer(src, dst).transform))
    n = max(1, min(int(threads), len(arr) // 10_000 or 1))
    if n == 1:
        return work(arr)
    cuts = np.linspace(0, len(arr), n + 1).astype(int)
    with ThreadPoolExecutor(n) as pool:
        parts = list(pool.map(work, [arr[a:b] for a, b in itertools.pairwise(cuts)]))
    return np.concatenate(parts)


def to_projected(gdf: gpd.GeoDataFrame, *, to_crs: Any = None) -> gpd.GeoDataFrame:
    """Reproject to the GK zone of the data (or ``to_crs``) for planar work.

    Raises
    ------
    MissingCRSError
        When ``gdf`` has no CRS; the message suggests one.
    """
    target = CRS.from_user_input(to_crs) if to_crs is not None else projected_crs_for(gdf)
    if CRS.from_user_input(gdf.crs) == target:
        return gdf
    return _to_crs(gdf, target)


def to_storage(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject to CGCS2000 geographic (EPSG:4490) for storage."""
    if gdf.crs is None:
        raise_missing_crs(gdf)
    return _to_crs(gdf, STORAGE_EPSG)


def to_display(gdf: gpd.GeoDataFrame, *, basemap_gcj02: bool = False) -> gpd.GeoDataFrame:
    """A WGS84 copy for web maps; shifted to GCJ-02 for a Gaode basemap.

    The input is never modified.
    """
    if gdf.crs is None:
        raise_missing_crs(gdf)
    out = _to_crs(gdf, DISPLAY_EPSG)
    if basemap_gcj02:
        out = out.set_geometry(transform_geometries(out.geometry.values, wgs84_to_gcj02))
    return out


# ---------------------------------------------------------------------------
# Missing CRS advice
# ---------------------------------------------------------------------------


def suggest_epsg(x: Any, y: Any) -> tuple[int | None, str]:
    """Suggest an EPSG code from coordinates alone, with the reason.

    Returns ``(epsg, reason)``; ``epsg`` is None when nothing fits.

    Examples
    --------
    >>> suggest_epsg([114.5], [36.6])[0]
    4490
    >>> suggest_epsg([38_512_000.0], [4_050_000.0])[0]
    4526
    >>> epsg, reason = suggest_epsg([512_000.0], [4_050_000.0])
    >>> epsg is None, reason.split(":")[0]
    (True, '6-digit eastings near 500000 m')
    """
    xs = np.asarray(x, dtype="float64").ravel()
    ys = np.asarray(y, dtype="float64").ravel()
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    if xs.size == 0:
        return None, "no finite coordinates to judge from"
    xmin, xmax, ymin, ymax = xs.min(), xs.max(), ys.min(), ys.max()
    if xmin >= -180 and xmax <= 180 and ymin >= -90 and ymax <= 90:
        return STORAGE_EPSG, "coordinates look like degrees: CGCS2000 geographic, EPSG:4490"
    zone_lo, zone_hi = int(xmin // 1_000_000), int(xmax // 1_000_000)
    if zone_lo == zone_hi and GK_ZONE_MIN <= zone_lo <= GK_ZONE_MAX and ymin > 0 and ymax < 6e6:
        epsg = gk_epsg(zone_lo, zone_prefix=True)
        return epsg, (
            f"8-digit eastings starting with {zone_lo}: CGCS2000 3-degree GK zone {zone_lo} "
            f"with zone prefix, EPSG:{epsg} (the same zone without prefix is "
            f"EPSG:{gk_epsg(zone_lo)})"
        )
    if xmin > 0 and xmax < 1_000_000 and ymin > 0 and ymax < 6e6:
        return None, (
            "6-digit eastings near 500000 m: a CGCS2000 GK zone without prefix, "
            "EPSG:4534-4554 (e.g. 4547 for zone 38, CM 114°E; 4549 for zone 40, CM 120°E); "
            "the zone cannot be read from the coordinates, choose it from where the data lies"
        )
    return None, "the coordinates fit neither degrees nor a CGCS2000 GK zone"


def raise_missing_crs(gdf: gpd.GeoDataFrame, *, what: str = "data") -> None:
    """Raise :class:`MissingCRSError` with a suggestion drawn from ``gdf``'s coordinates."""
    geoms = gdf.geometry.values
    coords = shapely.get_coordinates(geoms)
    epsg, reason = suggest_epsg(coords[:, 0], coords[:, 1]) if len(coords) else (None, "empty")
    advice = f"; likely EPSG:{epsg}" if epsg else ""
    raise MissingCRSError(
        f"{what} has no CRS ({reason}){advice}. Tenglong never guesses: set it "
        f"explicitly (gdf.set_crs(EPSG) or --crs EPSG) after checking the source."
    )


# ---------------------------------------------------------------------------
# Geodesic check
# ---------------------------------------------------------------------------

_GEOD = Geod(ellps="GRS80")  # CGCS2000's ellipsoid (differs from GRS80 by 1e-4 m in b)


def geodesic_area_m2(geoms: Any) -> np.ndarray:
    """Geodesic areas in m² on GRS80 for geometries in degrees (lon/lat).

    Used to check planar GK areas, never as the working area.
    """
    arr = np.asarray(geoms, dtype=object).ravel()
    return np.array([abs(_GEOD.geometry_area_perimeter(g)[0]) for g in arr], dtype="float64")


def ellipsoid_area_m2(geoms: Any, crs: Any) -> np.ndarray:
    """Ellipsoidal (GRS80 geodesic) areas in m² of geometries in any CRS.

    The area a land survey writes in ``TBMJ`` (三调 图斑面积 is an ellipsoidal
    area): the geometry is taken to CGCS2000 lon/lat and measured with
    ``pyproj.Geod(ellps="GRS80").geometry_area_perimeter``. Missing or empty
    geometries give NaN. About 50 µs a parcel (50 s for a million), so it is computed on import
    and for reports, not on every open (docs/architecture.md §4).

    Examples
    --------
    >>> from shapely import box
    >>> a = ellipsoid_area_m2([box(38_560_000, 4_000_000, 38_560_100, 4_000_100), None], 4526)
    >>> round(float(a[0]), 1), bool(np.isnan(a[1]))
    (9999.1, True)
    """
    arr = np.asarray(geoms, dtype=object).ravel()
    out = np.full(len(arr), np.nan)
    ok = np.array([g is not None for g in arr], dtype=bool)
    if ok.any():
        ok[ok] = ~shapely.is_empty(arr[ok])
    if not ok.any():
        return out
    lonlat = reproject(arr[ok], crs, STORAGE_EPSG)
    out[ok] = geodesic_area_m2(lonlat)
    return out


# ---------------------------------------------------------------------------
# GCJ-02 (the "Mars" offset of Chinese web maps) and BD-09
# ---------------------------------------------------------------------------

_GCJ_A = 6378245.0  # Krasovsky 1940 semi-major axis, as in the published algorithm
_GCJ_EE = 0.00669342162296594323  # its first eccentricity squared


def in_china(lon: Any, lat: Any) -> np.ndarray:
    """True where a point lies in the rough China box in which GCJ-02 applies."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    sx = np.sqrt(np.abs(x))
    pi = np.pi
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx
    dlat += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx
    dlon += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (_GCJ_A / sqrtmagic * np.cos(radlat) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS84 lon/lat to GCJ-02 (vectorised); identity outside China.

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(116.481499, 39.990475)
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.487586, 39.991754)
    """
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    dlon, dlat = _gcj_delta(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(
    lon: Any, lat: Any, *, tol_deg: float = 1e-10, max_iter: int = 30
) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration (vectorised).

    Converges to ``tol_deg`` (1e-10° ≈ 0.01 mm) in a handful of iterations.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(116.487586, 39.991754)
    >>> round(float(lon), 6), round(float(lat), 6)
    (116.481499, 39.990475)
    """
    glon = np.asarray(lon, dtype="float64")
    glat = np.asarray(lat, dtype="float64")
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        tlon, tlat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = tlon - glon, tlat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.all(np.abs(elon) < tol_deg) and np.all(np.abs(elat) < tol_deg):
            break
    return wlon, wlat


_BD_X_PI = np.pi * 3000.0 / 180.0


def gcj02_to_bd09(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 to Baidu BD-09 (vectorised)."""
    x = np.asarray(lon, dtype="float64")
    y = np.asarray(lat, dtype="float64")
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Baidu BD-09 to GCJ-02 (vectorised)."""
    x = np.asarray(lon, dtype="float64") - 0.0065
    y = np.asarray(lat, dtype="float64") - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def transform_geometries(geoms: Any, func: Any) -> np.ndarray:
    """Apply a vectorised ``(lon, lat) -> (lon, lat)`` function to shapely geometries.

    Examples
    --------
    >>> from shapely import Point
    >>> out = transform_geometries([Point(116.481499, 39.990475)], wgs84_to_gcj02)
    >>> round(out[0].x, 6)
    116.487586
    """

    def _xy(coords: np.ndarray) -> np.ndarray:
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(np.asarray(geoms, dtype=object), _xy)
