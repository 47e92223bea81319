"""Map support (geo.engine.compute, geo.viewport): aggregates that add up, parcels in view."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.dataset as pads
import pytest
import shapely

from geo.dataset.parquet import convert_to_parquet, read_info, read_parcels, write_dataset
from geo.engine import EngineError, aggregate_for_map, open_dataset
from geo.release import release_summary, release_total_m2
from geo.schema import FREED_STATUSES
from geo.viewport import parcels_in_bounds

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def bench_generator() -> ModuleType:
    """``bench/release_summary.py``: its seeded tilings and irregular areas."""
    name = "tenglong_bench_release_summary"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "release_summary.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="module")
def fuxing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mapview")
    return convert_to_parquet(
        DATA / "fuxing.gpkg", root / "fuxing", partition_rows=150, row_group_rows=32
    )


@pytest.fixture(scope="module")
def ws():
    return open_dataset(DATA / "fuxing.gpkg", validate=False)


def test_cells_add_up_to_the_freed_total(ws, fuxing):
    total = release_total_m2(ws.parcels)
    for source in (ws, fuxing, DATA / "fuxing.gpkg"):
        cells = aggregate_for_map(source, cell_m=500.0)
        assert cells["area_m2"].sum() == pytest.approx(total, rel=1e-12)
        assert cells["n_parcels"].sum() == ws.parcels["status"].isin(FREED_STATUSES).sum()
    assert cells.crs == ws.crs
    assert np.allclose(cells.geometry.area, 500.0**2)
    pd.testing.assert_frame_equal(
        aggregate_for_map(ws, cell_m=500.0), aggregate_for_map(fuxing, cell_m=500.0), rtol=1e-12
    )
    operating = aggregate_for_map(fuxing, cell_m=1000.0, statuses=["operating"])
    assert operating["area_m2"].sum() == pytest.approx(
        release_total_m2(ws.parcels, statuses=["operating"]), rel=1e-12
    )


def test_cells_in_bounds(ws, fuxing):
    x0, y0, x1, y1 = ws.parcels.total_bounds
    view = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
    cells = aggregate_for_map(fuxing, cell_m=250.0, bounds=view)
    b = ws.parcels.geometry.bounds
    cx, cy = (b["minx"] + b["maxx"]) / 2, (b["miny"] + b["maxy"]) / 2
    inside = ws.parcels[(cx >= view[0]) & (cx <= view[2]) & (cy >= view[1]) & (cy <= view[3])]
    assert cells["area_m2"].sum() == pytest.approx(release_total_m2(inside), rel=1e-12)
    assert 0 < len(cells) < len(aggregate_for_map(fuxing, cell_m=250.0))
    # the same view given in lon/lat (CGCS2000 degrees)
    lonlat = gpd.GeoSeries([shapely.box(*view)], crs=ws.crs).to_crs(4490).total_bounds
    again = aggregate_for_map(fuxing, cell_m=250.0, bounds=lonlat, bounds_crs=4490)
    assert again["area_m2"].sum() >= cells["area_m2"].sum()


def test_by_area_is_the_release_summary(ws, fuxing):
    out = aggregate_for_map(fuxing, cell_m=1.0, by="area")
    summ = release_summary(ws.parcels, ws.areas, by="area")
    summ = summ[summ["area_id"] != "outside"].reset_index(drop=True)
    np.testing.assert_allclose(out["area_m2"], summ["area_m2"], rtol=1e-9)
    assert out["area_id"].tolist() == summ["area_id"].tolist()
    geoms = ws.areas.set_index("area_id").geometry
    assert all(g.equals(geoms[a]) for a, g in zip(out["area_id"], out.geometry, strict=True))


def test_parcels_in_bounds(ws, fuxing):
    x0, y0, x1, y1 = ws.parcels.total_bounds
    view = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
    a = parcels_in_bounds(ws, view, limit=40)
    b = parcels_in_bounds(fuxing, view, limit=40)
    hits = ws.parcels.iloc[ws.parcels.sindex.query(shapely.box(*view))]
    assert len(a) == len(b) == 40
    assert a.attrs == b.attrs == {"total": len(hits), "truncated": True}
    assert a["parcel_id"].tolist() == b["parcel_id"].tolist()
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    # the largest parcels (by bounding box) come first
    box_m2 = hits.geometry.bounds.eval("(maxx - minx) * (maxy - miny)")
    assert box_m2[hits["parcel_id"].isin(a["parcel_id"])].min() >= box_m2.nlargest(40).min()
    every = parcels_in_bounds(fuxing, view, limit=10_000, columns=["parcel_id", "status"])
    assert every.attrs["truncated"] is False
    assert sorted(every["parcel_id"]) == sorted(hits["parcel_id"])
    assert list(every.columns) == ["parcel_id", "status", "geometry"]
    freed = parcels_in_bounds(fuxing, view, statuses=["released"])
    assert set(freed["status"]) == {"released"}
    assert len(parcels_in_bounds(fuxing, (0, 0, 1, 1))) == 0


def test_parcels_in_bounds_reads_only_what_meets_the_view(fuxing, monkeypatch):
    info = read_info(fuxing)
    others = [p.bounds for p in info.partitions[1:]]

    def meets_others(b) -> bool:
        return any(o[0] <= b[2] and o[2] >= b[0] and o[1] <= b[3] and o[3] >= b[1] for o in others)

    # a view around one parcel of the first partition that meets no other partition
    first = read_parcels(info, partitions=[0])
    views = [tuple(b) for b in first.geometry.bounds.to_numpy() if not meets_others(b)]
    if not views:
        pytest.skip("every parcel of the first partition meets another partition")
    view = views[0]
    lazy = open_dataset(fuxing)  # the app opens the dataset once
    opened: list[str] = []
    real_dataset, real_read = pads.dataset, gpd.read_parquet

    def spy_dataset(paths, **kw):
        opened.extend(map(str, paths))
        return real_dataset(paths, **kw)

    def spy_read(path, **kw):
        opened.append(str(path))
        return real_read(path, **kw)

    monkeypatch.setattr(pads, "dataset", spy_dataset)
    monkeypatch.setattr(gpd, "read_parquet", spy_read)
    out = parcels_in_bounds(lazy, view)
    assert len(out) > 0
    assert set(opened) == {str(info.path / info.partitions[0].file)}


def test_bad_options(fuxing):
    with pytest.raises(EngineError, match="cell_m"):
        aggregate_for_map(fuxing, cell_m=0)
    with pytest.raises(EngineError, match="bounds"):
        aggregate_for_map(fuxing, cell_m=100, bounds=(1, 1, 0, 0))
    with pytest.raises(EngineError, match="by must be"):
        aggregate_for_map(fuxing, cell_m=100, by="hexagon")  # type: ignore[arg-type]
    with pytest.raises(EngineError, match="limit"):
        parcels_in_bounds(fuxing, (0, 0, 1, 1), limit=-1)


@pytest.mark.slow
def test_one_million_parcels_for_the_app(tmp_path):
    """A generated 1M-parcel dataset: the map aggregate and the parcels in view, timed."""
    gen = bench_generator()
    parcels = gen.make_parcels(1_000_000, seed=5)
    rng = np.random.default_rng(5)
    parcels["status"] = rng.choice(["released", "stored", "operating"], len(parcels))
    freed_m2 = float(shapely.area(parcels.geometry.array[parcels["status"] != "operating"]).sum())
    x0, y0, x1, y1 = parcels.total_bounds
    boundary = gpd.GeoDataFrame(
        {"adcode": ["000000"], "name": ["bench"], "level": ["province"]},
        geometry=[shapely.box(x0, y0, x1, y1)],
        crs=parcels.crs,
    )
    areas = gen.make_areas(10_000, seed=5)
    path = write_dataset(
        {"parcels": parcels, "areas": areas, "boundaries": boundary}, tmp_path / "province"
    )
    del parcels
    lazy = open_dataset(path)
    assert lazy.n_parcels == 1_000_000 and len(lazy.info.partitions) == 2

    t0 = time.perf_counter()
    cells = aggregate_for_map(lazy, cell_m=1000.0)
    t_aggregate = time.perf_counter() - t0
    assert cells["area_m2"].sum() == pytest.approx(freed_m2, rel=1e-9)
    assert len(cells) == 50 * 50  # a 50 km square in 1 km cells
    assert t_aggregate < 45.0, f"aggregate took {t_aggregate:.1f} s"

    t0 = time.perf_counter()
    view = (x0 + 10_000, y0 + 10_000, x0 + 12_000, y0 + 11_500)
    near = parcels_in_bounds(lazy, view, limit=5000)
    wide = parcels_in_bounds(lazy, (x0, y0, x1, y1), limit=5000, columns=["parcel_id"])
    t_view = time.perf_counter() - t0
    assert 0 < len(near) <= 5000 and not near.attrs["truncated"]
    assert len(wide) == 5000 and wide.attrs == {"total": 1_000_000, "truncated": True}
    assert t_view < 30.0, f"parcels in view took {t_view:.1f} s"
