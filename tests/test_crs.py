"""CRS and units: conversions, zone choice, GCJ-02, geodesic agreement, missing CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings, strategies as st
from pyproj import CRS, Transformer
from shapely.geometry import Point, Polygon, box

from geo import crs

# --- units -----------------------------------------------------------------


def test_one_mu_is_ten_thousand_fifteenths_m2():
    assert crs.mu_to_m2(1.0) == pytest.approx(666.6666667)
    assert crs.m2_to_mu(10000.0) == pytest.approx(15.0)
    assert crs.mu_to_ha(15.0) == pytest.approx(1.0)
    assert crs.ha_to_mu(1.0) == pytest.approx(15.0)
    assert crs.m2_to_ha(1e4) == 1.0 and crs.ha_to_m2(2.0) == 2e4
    assert crs.m2_to_km2(2e6) == 2.0 and crs.km2_to_m2(1.5) == 1.5e6


@pytest.mark.parametrize("unit", ["m2", "mu", "ha", "km2"])
def test_convert_area_round_trip(unit):
    assert crs.convert_area(
        crs.convert_area(123.456, from_unit="m2", to_unit=unit), from_unit=unit, to_unit="m2"
    ) == pytest.approx(123.456)


def test_convert_area_vectorised():
    out = crs.convert_area(np.array([666.6666666667, 1e4]), from_unit="m2", to_unit="mu")
    np.testing.assert_allclose(out, [1.0, 15.0])


def test_unknown_unit_says_which_are_known():
    with pytest.raises(crs.UnitError, match="m2, mu, ha, km2"):
        crs.convert_area(1.0, from_unit="acre", to_unit="m2")


# --- zones -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "lon", "epsg"),
    [
        ("Handan Fuxing", 114.42, 4547),
        ("Wu'an", 114.20, 4547),
        ("Hebi", 114.30, 4547),
        ("Wuzhi", 113.40, 4547),
        ("Yiwu", 120.07, 4549),
        ("zone edge 115.49", 115.49, 4547),
        ("zone edge 115.51", 115.51, 4548),
        ("Kashgar", 75.99, 4534),
        ("Fuyuan", 134.3, 4554),
    ],
)
def test_zone_from_longitude(place, lon, epsg):
    assert crs.gk_epsg(crs.gk_zone(lon)) == epsg


def test_zone_prefix_family():
    assert crs.gk_epsg(38, zone_prefix=True) == 4526
    assert crs.gk_epsg(40, zone_prefix=True) == 4528
    for zone in range(25, 46):
        for prefix in (False, True):
            assert crs.gk_zone_of_epsg(crs.gk_epsg(zone, zone_prefix=prefix)) == (zone, prefix)


@pytest.mark.parametrize("bad_lon", [10.0, 150.0, 500000.0])
def test_longitude_outside_china_zones_is_an_error(bad_lon):
    with pytest.raises(crs.CRSError, match="outside China"):
        crs.gk_zone(bad_lon)


def test_gk_epsg_rejects_unknown_zone():
    with pytest.raises(crs.CRSError, match="25-45"):
        crs.gk_epsg(50)


def test_projected_crs_chosen_from_data_not_hard_coded():
    handan = gpd.GeoDataFrame(geometry=[Point(114.47, 36.6)], crs=4490)
    yiwu = gpd.GeoDataFrame(geometry=[Point(120.07, 29.3)], crs=4490)
    assert crs.projected_crs_for(handan).to_epsg() == 4547
    assert crs.projected_crs_for(yiwu).to_epsg() == 4549
    # data already in a GK zone keeps it, prefix family included
    prefixed = handan.to_crs(4526)
    assert crs.projected_crs_for(prefixed).to_epsg() == 4526
    # data in web mercator is moved to its GK zone
    assert crs.projected_crs_for(yiwu.to_crs(3857)).to_epsg() == 4549


def test_to_display_never_modifies_input():
    g = gpd.GeoDataFrame(geometry=[Point(114.47, 36.6)], crs=4490)
    before = g.geometry.iloc[0].wkt
    shifted = crs.to_display(g, basemap_gcj02=True)
    assert g.geometry.iloc[0].wkt == before
    assert shifted.crs.to_epsg() == 4326
    assert shifted.geometry.iloc[0].x != pytest.approx(114.47, abs=1e-4)


# --- missing CRS -----------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "y", "epsg", "words"),
    [
        (114.47, 36.6, 4490, "degrees"),
        (38_512_345.0, 4_050_000.0, 4526, "8-digit eastings starting with 38"),
        (40_507_000.0, 3_245_000.0, 4528, "8-digit eastings starting with 40"),
        (512_345.0, 4_050_000.0, None, "6-digit eastings near 500000"),
        (-5e7, 1e9, None, "neither degrees nor"),
    ],
)
def test_suggest_epsg(x, y, epsg, words):
    got, reason = crs.suggest_epsg([x], [y])
    assert got == epsg
    assert words in reason


def test_missing_crs_is_an_error_with_advice_never_a_guess():
    g = gpd.GeoDataFrame(geometry=[box(38_512_000, 4_050_000, 38_512_100, 4_050_100)])
    with pytest.raises(crs.MissingCRSError, match="EPSG:4526"):
        crs.to_projected(g)
    g6 = gpd.GeoDataFrame(geometry=[box(512_000, 4_050_000, 512_100, 4_050_100)])
    with pytest.raises(crs.MissingCRSError, match="4534-4554"):
        crs.projected_crs_for(g6)
    deg = gpd.GeoDataFrame(geometry=[Point(114.4, 36.6)])
    with pytest.raises(crs.MissingCRSError, match="EPSG:4490"):
        crs.to_storage(deg)


# --- GCJ-02 ----------------------------------------------------------------


def test_published_amap_reference_pair():
    lon, lat = crs.wgs84_to_gcj02(116.481499, 39.990475)
    assert abs(lon - 116.487586) < 1e-6
    assert abs(lat - 39.991754) < 1e-6
    wlon, wlat = crs.gcj02_to_wgs84(116.487586, 39.991754)
    assert abs(wlon - 116.481499) < 1e-6
    assert abs(wlat - 39.990475) < 1e-6


def _metres(lon0, lat0, lon1, lat1):
    geod = crs._GEOD
    return geod.inv(lon0, lat0, lon1, lat1)[2]


def test_round_trip_under_one_cm_across_china():
    rng = np.random.default_rng(20261122)
    lon = rng.uniform(73.5, 135.0, 20_000)
    lat = rng.uniform(18.0, 53.5, 20_000)
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    wlon, wlat = crs.gcj02_to_wgs84(glon, glat)
    err_m = _metres(lon, lat, wlon, wlat)
    assert np.max(err_m) < 0.01
    # and the shift itself is real (hundreds of metres), not an identity
    assert np.median(_metres(lon, lat, glon, glat)) > 100


@settings(max_examples=200, deadline=None)
@given(st.floats(73.6, 135.0), st.floats(18.2, 53.5))
def test_round_trip_property(lon, lat):
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    wlon, wlat = crs.gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, float(wlon), float(wlat)) < 0.01


@pytest.mark.parametrize(
    ("lon", "lat"), [(2.35, 48.85), (-74.0, 40.7), (139.7, 35.7), (100.0, 0.5)]
)
def test_identity_outside_china(lon, lat):
    assert crs.wgs84_to_gcj02(lon, lat) == (pytest.approx(lon), pytest.approx(lat))
    assert crs.gcj02_to_wgs84(lon, lat) == (pytest.approx(lon), pytest.approx(lat))


def test_shift_at_fuxing_is_about_550_m():
    lon, lat = 114.42, 36.60
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    assert 400 < _metres(lon, lat, glon, glat) < 700


def test_geometries_shifted_and_back():
    poly = Polygon([(114.40, 36.60), (114.41, 36.60), (114.41, 36.61), (114.40, 36.61)])
    shifted = crs.transform_geometries([poly], crs.wgs84_to_gcj02)[0]
    back = crs.transform_geometries([shifted], crs.gcj02_to_wgs84)[0]
    assert shapely.hausdorff_distance(poly, shifted) > 0.001
    a = shapely.get_coordinates(poly)
    b = shapely.get_coordinates(back)
    assert np.max(_metres(a[:, 0], a[:, 1], b[:, 0], b[:, 1])) < 0.01


def test_bd09_round_trip():
    lon, lat = crs.gcj02_to_bd09(116.487586, 39.991754)
    glon, glat = crs.bd09_to_gcj02(lon, lat)
    assert _metres(116.487586, 39.991754, glon, glat) < 0.5


# --- planar vs geodesic ----------------------------------------------------


def _parcel_ring(lon0, lat0, size_m, epsg, rng):
    to_gk = Transformer.from_crs(4490, epsg, always_xy=True)
    x0, y0 = to_gk.transform(lon0, lat0)
    angles = np.sort(rng.uniform(0, 2 * np.pi, 12))
    radii = size_m * rng.uniform(0.6, 1.0, 12)
    return Polygon(np.column_stack([x0 + radii * np.cos(angles), y0 + radii * np.sin(angles)]))


@pytest.mark.parametrize(
    ("place", "lon", "lat", "epsg"),
    [
        ("Handan", 114.47, 36.60, 4547),
        ("Wu'an", 114.20, 36.70, 4547),
        ("Yiwu", 120.05, 29.28, 4549),
    ],
)
@pytest.mark.parametrize("size_m", [50.0, 400.0, 3000.0])
def test_planar_gk_area_agrees_with_geodesic(place, lon, lat, epsg, size_m):
    rng = np.random.default_rng(7)
    parcels = gpd.GeoDataFrame(
        geometry=[_parcel_ring(lon, lat, size_m, epsg, rng) for _ in range(20)], crs=epsg
    )
    planar = parcels.area.to_numpy()
    geodesic = crs.geodesic_area_m2(parcels.to_crs(4490).geometry.values)
    np.testing.assert_allclose(planar, geodesic, rtol=1e-3)
    # and the projected frame was chosen from the data
    assert crs.projected_crs_for(parcels.to_crs(4490)).to_epsg() == epsg


def test_area_conserved_through_storage_round_trip():
    rng = np.random.default_rng(3)
    g = gpd.GeoDataFrame(geometry=[_parcel_ring(114.47, 36.6, 200, 4547, rng)], crs=4547)
    back = crs.to_projected(crs.to_storage(g))
    assert back.area.iloc[0] == pytest.approx(g.area.iloc[0], rel=1e-9)


def test_small_transforms_run_on_one_long_lived_thread_whatever_thread_asks():
    """Streamlit runs every rerun in a new thread, and PROJ looks a transformation up again
    in each new thread: the small transforms go to one thread that keeps them."""
    import threading

    names: list[str] = []
    bounds: list[tuple[float, ...]] = []

    def ask() -> None:
        names.append(crs.on_proj_thread(lambda: threading.current_thread().name))
        bounds.append(crs.transform_bounds((114.0, 36.0, 114.01, 36.01), 4490, 4547))

    for _ in range(3):
        t = threading.Thread(target=ask)
        t.start()
        t.join()
    ask()  # and the main thread
    assert len(set(names)) == 1 and names[0].startswith(crs.PROJ_THREAD)
    want = Transformer.from_crs(4490, 4547, always_xy=True).transform_bounds(
        114.0, 36.0, 114.01, 36.01, densify_pts=21
    )
    assert all(b == pytest.approx(want, abs=1e-6) for b in bounds)
    # the transformer is made once and kept there
    made = [crs.on_proj_thread(crs._transformer, CRS(4490), CRS(4547)) for _ in range(2)]
    assert made[0] is made[1]
    # a frame reprojected there equals geopandas' own, and an error reaches the caller
    gdf = gpd.GeoDataFrame(geometry=[shapely.box(114.0, 36.0, 114.001, 36.001)], crs=4490)
    assert (
        crs.to_display(gdf).geometry.iloc[0].equals_exact(gdf.to_crs(4326).geometry.iloc[0], 1e-12)
    )
    with pytest.raises(ZeroDivisionError):
        crs.on_proj_thread(lambda: 1 / 0)
