"""Same figures on every backend: memory, GeoParquet + memory engine, GeoParquet + dask.

Over every demo workspace: the release summary, the checks and the map
aggregate, through the one engine interface :func:`geo.engine.run`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from geo.dataset import open_dataset
from geo.dataset.parquet import convert_to_parquet
from geo.engine import MEASURES, EngineError, dask_client, run
from geo.engine.compute import _sort_findings
from geo.schema import FREED_STATUSES, STATUSES

DATA = Path(__file__).resolve().parent.parent / "data"
DEMOS = ["fuxing", "wuan", "hebi", "wuzhi", "choujiang"]
BACKENDS = ["memory", "parquet+memory", "parquet+dask"]
RTOL = 1e-9


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with dask_client(workers=2) as cl:
        yield cl


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("backends")
    return {n: convert_to_parquet(DATA / f"{n}.gpkg", root / n, partition_rows=150) for n in DEMOS}


def _run(backend: str, name: str, datasets, client, measure: str, **options):
    if backend == "memory":
        return run(measure, open_dataset(DATA / f"{name}.gpkg", validate=False), **options)
    ds = open_dataset(datasets[name])
    if backend == "parquet+memory":
        return run(measure, ds, **options)
    return run(measure, ds, engine="dask", client=client, **options)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        pd.DataFrame(a).reset_index(drop=True),
        pd.DataFrame(b).reset_index(drop=True),
        check_exact=False,
        rtol=RTOL,
        atol=0.0,
    )


@pytest.mark.parametrize("backend", BACKENDS[1:])
@pytest.mark.parametrize("name", DEMOS)
def test_release_summary_checks_and_map_on_every_backend(datasets, client, name, backend):
    for by in (["area"], ["status"], ["area", "status", "year"]):
        statuses = STATUSES if by == ["status"] else None
        want = _run("memory", name, datasets, client, "release_summary", by=by, statuses=statuses)
        got = _run(backend, name, datasets, client, "release_summary", by=by, statuses=statuses)
        _same(want, got)
    want = _sort_findings(_run("memory", name, datasets, client, "checks"))
    got = _sort_findings(_run(backend, name, datasets, client, "checks"))
    for col in ("required", "actual"):
        want[col], got[col] = want[col].astype("object"), got[col].astype("object")
    _same(want, got)
    cells = {"statuses": list(FREED_STATUSES if name != "choujiang" else STATUSES), "cell_m": 500.0}
    want = _run("memory", name, datasets, client, "map_cells", **cells)
    got = _run(backend, name, datasets, client, "map_cells", **cells)
    _same(want.drop(columns="geometry"), got.drop(columns="geometry"))
    assert want.geometry.geom_equals(got.geometry).all()
    assert want["n_parcels"].sum() > 0


@pytest.mark.parametrize("backend", BACKENDS[1:])
def test_layout_summary_on_every_backend(datasets, client, backend):
    from geo.layout import layout_names, layout_summary

    seen = 0
    for name in ("wuan", "hebi"):
        ws = open_dataset(DATA / f"{name}.gpkg", validate=False)
        for layout in layout_names(ws.areas):
            seen += 1
            want = layout_summary(ws.parcels, ws.areas, layout, roads=ws.get("roads"))
            got = _run(backend, name, datasets, client, "layout_summary", layout=layout)
            _same(want, got)
            assert want["share"].groupby(want["level"]).sum().round(12).eq(1.0).all()
    assert seen >= 2


def test_registrations_and_bad_names(datasets):
    """Bad inputs: an unknown measure, an unknown engine."""
    assert {"release_summary", "checks", "map_cells", "layout_summary"} <= set(MEASURES)
    with pytest.raises(EngineError, match="unknown measure 'nope'"):
        run("nope", datasets["fuxing"])
    with pytest.raises(EngineError, match="unknown engine 'spark'"):
        run("release_summary", datasets["fuxing"], engine="spark")
