"""Engines (geo.engine.compute): dask over GeoParquet partitions gives the in-memory figures."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.dataset.parquet import convert_to_parquet, read_info
from geo.engine import (
    SCHEDULER_ENV,
    EngineError,
    dask_client,
    open_dataset,
    release_summary,
    run_checks,
    scheduler_address,
    write_dataset,
)
from geo.engine.cluster import compute_partitions
from geo.engine.compute import _sort_findings
from geo.release import ReleaseError, release_summary as memory_summary, release_total_m2
from geo.schema import FREED_STATUSES

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
DEMOS = ["fuxing", "wuan", "hebi", "wuzhi", "choujiang"]
RTOL = 1e-9


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
def client() -> Iterator[object]:
    """Two local worker processes, as on a laptop."""
    with dask_client(workers=2) as cl:
        yield cl


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("engine")
    return {
        name: convert_to_parquet(DATA / f"{name}.gpkg", root / name, partition_rows=100)
        for name in DEMOS
    }


def assert_same(memory: pd.DataFrame, dask: pd.DataFrame) -> None:
    """Same rows, columns and dtypes; areas within 1e-9 relative."""
    pd.testing.assert_frame_equal(memory, dask, check_exact=False, rtol=RTOL, atol=0.0)


BYS = [
    ["area"],
    ["area", "status"],
    ["area", "year", "district"],
    ["status", "year"],
    ["industry"],
    [],
]


@pytest.mark.parametrize("name", DEMOS)
def test_demo_summaries_dask_equals_memory(client, datasets, name):
    gpkg = DATA / f"{name}.gpkg"
    for by in BYS:
        expected = release_summary(gpkg, by=by)
        assert_same(expected, release_summary(datasets[name], by=by, engine="dask", client=client))
        # a GeoPackage is opened in memory and partitioned by the engine
        assert_same(expected, release_summary(gpkg, by=by, engine="dask", client=client))


def test_demo_filters_and_overlap_rules(client, datasets):
    ws = open_dataset(DATA / "fuxing.gpkg", validate=False)
    lazy = open_dataset(datasets["fuxing"])
    layout = ws.areas["layout"].dropna().iloc[0]
    cases = [
        {"kinds": ["park"]},
        {"level": 0, "overlap": "order"},
        {"layout": layout, "by": ["area", "status"]},
        {"area_ids": ws.areas["area_id"].iloc[:3].tolist()},
        {"statuses": ["operating", "to_release"], "by": ["area", "industry"]},
    ]
    for kw in cases:
        expected = memory_summary(ws.parcels, ws.areas, **kw)
        assert_same(expected, release_summary(lazy, engine="dask", client=client, **kw))


def test_memory_engine_on_a_dataset_is_exact(datasets):
    for name in ("fuxing", "wuzhi"):
        for by in (["area", "status"], ["year"]):
            pd.testing.assert_frame_equal(
                release_summary(DATA / f"{name}.gpkg", by=by),
                release_summary(datasets[name], by=by),
                check_exact=True,
            )


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """10,000 bench parcels, 51 irregular areas plus an overlapping zone and a nested plate."""
    gen = bench_generator()
    parcels = gen.make_parcels(10_000, seed=3)
    areas = gen.make_areas(10_000, seed=3)
    rng = np.random.default_rng(3)
    n = len(parcels)
    parcels["status"] = rng.choice(
        ["released", "stored", "supplied", "in_production", "operating", "idle"], n
    )
    parcels["district"] = rng.choice(["复兴区", "丛台区", "邯山区"], n)
    parcels["industry_before"] = rng.choice(["铸造", "钢铁", "建材", None], n)
    days = rng.integers(0, 3650, n)
    released = pd.Timestamp("2012-01-01") + pd.to_timedelta(days, unit="D")
    parcels["released_on"] = pd.Series(released).where(rng.random(n) > 0.1)
    areas["parent_id"] = None
    x0, y0, x1, y1 = parcels.total_bounds
    extra = gpd.GeoDataFrame(
        {
            "area_id": ["ZONE", "PLATE"],
            "name": ["开发区", "板块"],
            "kind": ["zone", "plate"],
            "layout": ["bench", "bench"],
            "parent_id": [None, "A00"],
        },
        geometry=[
            shapely.box(x0 + 300, y0 + 300, (x0 + x1) / 2, (y0 + y1) / 2),
            areas.geometry.iloc[0].centroid.buffer(150.0),
        ],
        crs=areas.crs,
    )
    areas = pd.concat([areas, extra], ignore_index=True)
    boundary = gpd.GeoDataFrame(
        {"adcode": ["000000"], "name": ["bench"], "level": ["county"]},
        geometry=[shapely.box(x0, y0, x1, y1)],
        crs=areas.crs,
    )
    root = tmp_path_factory.mktemp("synthetic")
    return write_dataset(
        {"parcels": parcels, "areas": areas, "boundaries": boundary},
        root / "bench",
        meta={"name": "bench 10k"},
        partition_rows=1_500,
        row_group_rows=512,
    )


@pytest.mark.parametrize(
    "by", [["area"], ["area", "status"], ["area", "year"], ["district", "industry"]]
)
def test_synthetic_dask_equals_memory(client, synthetic, by):
    assert len(read_info(synthetic).partitions) == 7
    ws = open_dataset(synthetic, validate=False)
    expected = memory_summary(ws.parcels, ws.areas, by=by)
    got = release_summary(synthetic, by=by, engine="dask", client=client)
    assert_same(expected, got)
    total = release_total_m2(ws.parcels)
    n_selected = int(ws.parcels["status"].isin(FREED_STATUSES).sum())
    if "area" in by:
        assert sorted(got["level"].unique()) == [0, 1]
        for _, block in got.groupby("level"):  # conservation, each level
            assert block["area_m2"].sum() == pytest.approx(total, rel=RTOL)
    else:
        assert got["area_m2"].sum() == pytest.approx(total, rel=RTOL)
        assert got["n_parcels"].sum() == n_selected  # every parcel counted once


def test_checks_dask_equals_memory(client, datasets):
    for name in DEMOS:
        expected = _sort_findings(run_checks(DATA / f"{name}.gpkg", as_of="2024-06-30"))
        got = run_checks(datasets[name], as_of="2024-06-30", engine="dask", client=client)
        pd.testing.assert_frame_equal(expected, got)
    assert len(expected) > 0


def test_options_are_checked_before_any_worker_starts(datasets):
    with pytest.raises(ReleaseError, match="unknown status"):
        release_summary(datasets["wuan"], engine="dask", statuses=["gone"])
    with pytest.raises(ReleaseError, match="unknown area kind"):
        release_summary(datasets["wuan"], engine="dask", kinds=["castle"])
    with pytest.raises(EngineError, match="choose memory or dask"):
        release_summary(datasets["wuan"], engine="spark")  # type: ignore[arg-type]


def test_cluster_options(client, datasets, monkeypatch):
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    assert scheduler_address() is None
    address = client.scheduler.address
    monkeypatch.setenv(SCHEDULER_ENV, address)
    assert scheduler_address() == address
    assert scheduler_address("tcp://10.1.2.3:8786") == "tcp://10.1.2.3:8786"
    # the environment names the cluster: the summary runs there
    expected = release_summary(datasets["hebi"], by=["status"])
    assert_same(expected, release_summary(datasets["hebi"], by=["status"], engine="dask"))
    with pytest.raises(EngineError, match="not both"), dask_client(workers=2, scheduler=address):
        pass
    with pytest.raises(EngineError, match="at least 1"), dask_client(workers=0):
        pass


def test_progress_bar_off_a_terminal(client, capsys):
    import dask

    tasks = [dask.delayed(sum)([i, 1]) for i in range(3)]
    assert compute_partitions(tasks, client=client, progress=True) == [1, 2, 3]
    assert capsys.readouterr().err == ""  # rich draws nothing when stderr is not a terminal
