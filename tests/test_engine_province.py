"""Large workspaces' library side (geo.dataset.large, geo.engine.headline, geo.viewport)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.dataset.large import (
    CACHE_ENV,
    LARGE_MIN_PARCELS,
    PROVINCE_ENV,
    count_parcels,
    dataset_for,
    is_large,
    large_threshold,
)
from geo.dataset.parquet import convert_to_parquet, is_dataset
from geo.engine import EngineError, aggregate_for_map, open_dataset, release_summary
from geo.engine.headline import (
    ENGINE_ENV,
    cached_headline,
    configured_engine,
    forget,
    headline,
    load_headline,
)
from geo.grid import (
    MAX_MAP_CELLS,
    cell_size_for,
    cells_over,
)
from geo.schema import FREED_STATUSES, STATUSES
from geo.viewport import PARCEL_LIMIT, PARCEL_LIMIT_ENV, area_parcels, cell_parcels, parcel_limit
from geo.workspace import WorkspaceError, open_workspace

ROOT = Path(__file__).resolve().parent.parent
FUXING = ROOT / "data" / "fuxing.gpkg"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("province")
    return convert_to_parquet(FUXING, root / "fuxing", partition_rows=400, row_group_rows=64)


@pytest.fixture(scope="module")
def parcels() -> gpd.GeoDataFrame:
    """The Fuxing parcels as open_workspace gives them (the independent reference)."""
    return open_workspace(FUXING, validate=False).parcels


def _centres(df: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    b = shapely.bounds(np.asarray(df.geometry.array))
    return 0.5 * (b[:, 0] + b[:, 2]), 0.5 * (b[:, 1] + b[:, 3])


def test_thresholds_come_from_the_environment(monkeypatch):
    monkeypatch.delenv(PROVINCE_ENV, raising=False)
    monkeypatch.delenv(PARCEL_LIMIT_ENV, raising=False)
    assert large_threshold() == LARGE_MIN_PARCELS == 50_000
    assert parcel_limit() == PARCEL_LIMIT == 5_000
    monkeypatch.setenv(PROVINCE_ENV, "100")
    monkeypatch.setenv(PARCEL_LIMIT_ENV, "12")
    assert large_threshold() == 100 and parcel_limit() == 12
    monkeypatch.setenv(PROVINCE_ENV, "many")
    assert large_threshold() == LARGE_MIN_PARCELS


def test_parcel_count_from_metadata(dataset, monkeypatch):
    monkeypatch.delenv(PROVINCE_ENV, raising=False)
    assert count_parcels(FUXING) == count_parcels(dataset) == 1200
    assert not is_large(dataset)
    assert is_large(dataset, threshold=1199)
    monkeypatch.setenv(PROVINCE_ENV, "1000")
    assert is_large(FUXING)
    with pytest.raises(WorkspaceError, match="not a Tenglong GeoParquet dataset"):
        count_parcels(dataset / "parcels")


def test_engine_choice(monkeypatch):
    monkeypatch.delenv(ENGINE_ENV, raising=False)
    monkeypatch.delenv("TENGLONG_DASK_SCHEDULER", raising=False)
    assert configured_engine() == "memory"
    monkeypatch.setenv("TENGLONG_DASK_SCHEDULER", "tcp://10.0.0.5:8786")
    assert configured_engine() == "dask"
    monkeypatch.setenv(ENGINE_ENV, "memory")
    assert configured_engine() == "memory"
    monkeypatch.setenv(ENGINE_ENV, "spark")
    with pytest.raises(Exception, match="spark"):
        configured_engine()


@pytest.mark.parametrize(
    "bounds",
    [
        (480_000.0, 4_020_000.0, 530_000.0, 4_070_000.0),
        (0.0, 0.0, 3.0, 4.0),
        (100_000.0, 3_000_000.0, 900_000.0, 3_400_000.0),
        (499_999.0, 4_000_000.0, 500_001.0, 4_900_000.0),
    ],
)
def test_cell_size_keeps_the_grid_under_the_cap(bounds):
    size = cell_size_for(bounds)
    assert cells_over(bounds, size) <= MAX_MAP_CELLS
    smaller = [s for s in (10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0) if s < size]
    if smaller:  # the next size down would be too many cells
        assert cells_over(bounds, smaller[-1]) > MAX_MAP_CELLS


def test_summary_is_the_engine_figures(dataset):
    summ = headline(dataset)
    pd.testing.assert_frame_equal(
        summ.by_status, release_summary(dataset, by="status", statuses=STATUSES)
    )
    pd.testing.assert_frame_equal(summ.by_area, release_summary(dataset, by="area"))
    freed = release_summary(dataset, by="status")
    assert summ.freed_mu == pytest.approx(freed["area_mu"].sum(), rel=1e-15)
    assert summ.n_in() == freed["n_parcels"].sum() == 902
    assert round(summ.freed_mu) == 10269
    # the grid adds up to the same land, in at most MAX_MAP_CELLS cells of the chosen size
    assert summ.cells["n_parcels"].sum() == 902
    assert summ.cells["area_mu"].sum() == pytest.approx(summ.freed_mu, rel=1e-12)
    assert len(summ.cells) <= MAX_MAP_CELLS
    assert summ.cell_m == cell_size_for(summ.bounds)
    pd.testing.assert_frame_equal(
        summ.cells, aggregate_for_map(FUXING, cell_m=summ.cell_m), check_like=False
    )
    pd.testing.assert_frame_equal(
        summ.area_cells, aggregate_for_map(dataset, cell_m=1.0, by="area")
    )
    assert summ.n_parcels == 1200 and summ.engine == "memory"


@pytest.mark.slow
def test_summary_with_the_dask_engine_has_the_same_figures(dataset):
    memory = headline(dataset, engine="memory")
    dask = headline(dataset, engine="dask", workers=1)
    assert dask.engine == "dask"
    for a, b in ((memory.by_status, dask.by_status), (memory.by_area, dask.by_area)):
        pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    pd.testing.assert_frame_equal(memory.cells, dask.cells, rtol=1e-12)


def test_cell_parcels_are_the_parcels_the_cell_counts(dataset, parcels):
    lazy = open_dataset(dataset, validate=False)  # opened once: small tables read
    summ = headline(lazy)
    cm = summ.cell_m
    cx, cy = _centres(parcels)
    freed = parcels["status"].isin(FREED_STATUSES).to_numpy()
    ix, iy = np.floor(cx / cm).astype(int), np.floor(cy / cm).astype(int)
    # the 15 fullest cells and 15 others (all ~500 would take ~10 s)
    cells = summ.cells.sort_values(["n_parcels", "cell_x", "cell_y"], ascending=False)
    sample = pd.concat([cells.head(15), cells.iloc[15:].sample(15, random_state=1)])
    for row in sample.itertuples():
        got = cell_parcels(lazy, cm, row.cell_x, row.cell_y)
        want = parcels.loc[freed & (ix == row.cell_x) & (iy == row.cell_y), "parcel_id"]
        assert sorted(got["parcel_id"]) == sorted(want)
        assert len(got) == row.n_parcels == got.attrs["total"]
        assert got["area_mu"].sum() == pytest.approx(row.area_mu, rel=1e-12)
    # every status, and a limit
    big = summ.cells.sort_values("n_parcels").iloc[-1]
    every = cell_parcels(lazy, cm, big.cell_x, big.cell_y, statuses=STATUSES, limit=3)
    assert len(every) == 3 and every.attrs["truncated"]
    assert every.attrs["total"] == ((ix == big.cell_x) & (iy == big.cell_y)).sum()


def test_area_parcels_meet_the_area_inside(dataset, parcels):
    ws = open_dataset(dataset, validate=False)
    area = ws.areas.iloc[0]
    got = area_parcels(dataset, area.geometry)
    geoms = np.asarray(parcels.geometry.array)
    inside = shapely.intersects(area.geometry, geoms) & ~shapely.touches(area.geometry, geoms)
    want = parcels.loc[inside & parcels["status"].isin(FREED_STATUSES).to_numpy(), "parcel_id"]
    assert len(want) > 0
    assert sorted(got["parcel_id"]) == sorted(want)
    assert got.attrs["total"] == len(want) and not got.attrs["truncated"]
    few = area_parcels(dataset, area.geometry, limit=2)
    assert len(few) == 2 and few.attrs["truncated"] and few.attrs["total"] == len(want)
    largest = got.sort_values("area_m2", ascending=False)["parcel_id"].head(2)
    assert sorted(few["parcel_id"]) == sorted(largest)


def test_a_geopackage_is_converted_once_per_version(tmp_path, monkeypatch):
    src = tmp_path / "big.gpkg"
    shutil.copy(FUXING, src)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = dataset_for(src)
    assert is_dataset(first) and first.is_relative_to(tmp_path / "cache")
    made = (first / "meta.json").stat().st_mtime_ns
    assert dataset_for(src) == first
    assert (first / "meta.json").stat().st_mtime_ns == made  # not converted again
    later = time.time() + 5
    os.utime(src, (later, later))  # a new version of the file
    second = dataset_for(src)
    assert second != first and is_dataset(second) and not first.exists()
    assert dataset_for(tmp_path / "cache") == tmp_path / "cache"  # a directory is itself
    with pytest.raises(WorkspaceError):
        dataset_for(tmp_path / "missing.gpkg")


def test_a_finer_grid_within_an_area_counts_the_parcels_centred_in_it(dataset, parcels):
    area = open_dataset(dataset, validate=False).areas.geometry.iloc[2]
    cells = aggregate_for_map(dataset, cell_m=100.0, within=area)
    cx, cy = _centres(parcels)
    inside = shapely.intersects_xy(area, cx, cy) & parcels["status"].isin(FREED_STATUSES).to_numpy()
    assert 0 < inside.sum() == cells["n_parcels"].sum()
    assert cells["area_m2"].sum() == pytest.approx(parcels.area[inside].sum(), rel=1e-12)
    assert cells.geometry.intersects(area).all()


# ---------------------------------------------------------------------------
# Summaries kept on disk
# ---------------------------------------------------------------------------


def _same_summary(a, b) -> None:
    assert (a.n_parcels, a.bounds, a.cell_m, a.engine) == (
        b.n_parcels,
        b.bounds,
        b.cell_m,
        b.engine,
    )
    pd.testing.assert_frame_equal(a.by_status, b.by_status)
    pd.testing.assert_frame_equal(a.by_area, b.by_area)
    pd.testing.assert_frame_equal(a.cells, b.cells)
    pd.testing.assert_frame_equal(a.area_cells, b.area_cells)
    assert a.cells.crs == b.cells.crs and a.area_cells.crs == b.area_cells.crs


def test_a_stored_summary_is_read_back_with_the_same_figures(dataset, tmp_path):
    first = cached_headline(dataset, engine="memory", cache=tmp_path)
    (folder,) = (tmp_path / "summaries").iterdir()
    assert (folder / "summary.json").is_file()
    assert cached_headline(dataset, engine="memory", cache=tmp_path) is first  # kept in memory
    forget()  # a restarted server
    again = cached_headline(dataset, engine="memory", cache=tmp_path)
    _same_summary(again, first)
    assert again.seconds == first.seconds  # read from disk, not computed again
    _same_summary(first, headline(dataset, engine="memory"))
    assert [p.name for p in (tmp_path / "summaries").iterdir()] == [folder.name]


def test_a_changed_dataset_is_summarised_again(dataset, tmp_path):
    copy = Path(shutil.copytree(dataset, tmp_path / "copy"))
    cached_headline(copy, engine="memory", cache=tmp_path / "cache")
    (old,) = (tmp_path / "cache" / "summaries").iterdir()
    meta = copy / "meta.json"
    os.utime(meta, ns=(time.time_ns(), meta.stat().st_mtime_ns + 10**9))
    cached_headline(copy, engine="memory", cache=tmp_path / "cache")
    (new,) = (tmp_path / "cache" / "summaries").iterdir()  # the old version is removed
    assert new != old


@pytest.mark.parametrize(
    "damage",
    ["garbage json", "other format", "no cells", "truncated parquet"],
)
def test_a_damaged_stored_summary_is_computed_again(dataset, tmp_path, damage, caplog):
    first = cached_headline(dataset, engine="memory", cache=tmp_path)
    (folder,) = (tmp_path / "summaries").iterdir()
    if damage == "garbage json":
        (folder / "summary.json").write_text("{not json", encoding="utf-8")
    elif damage == "other format":
        (folder / "summary.json").write_text('{"format": 99}', encoding="utf-8")
    elif damage == "no cells":
        (folder / "cells.parquet").unlink()
    else:
        data = (folder / "by_status.parquet").read_bytes()
        (folder / "by_status.parquet").write_bytes(data[: len(data) // 2])
    forget()  # a restarted server finds the damaged files
    with caplog.at_level("WARNING"):
        again = cached_headline(dataset, engine="memory", cache=tmp_path)
    assert "computing it again" in caplog.text
    assert again.seconds != first.seconds  # computed, not read
    _same_summary(again, first)
    load_headline(folder)  # and stored afresh


def test_a_read_only_cache_still_gives_the_summary(dataset, tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    with caplog.at_level("WARNING"):
        s = cached_headline(dataset, engine="memory", cache=blocker)
    assert "cannot keep the headline" in caplog.text
    _same_summary(s, headline(dataset, engine="memory"))


def test_summarising_a_folder_that_is_no_dataset_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises((WorkspaceError, EngineError, ValueError)) as err:
        cached_headline(tmp_path / "empty", engine="memory", cache=tmp_path / "cache")
    assert "empty" in str(err.value) or "dataset" in str(err.value)
    assert not (tmp_path / "cache" / "summaries").exists() or not any(
        p for p in (tmp_path / "cache" / "summaries").iterdir() if not p.name.startswith(".")
    )
