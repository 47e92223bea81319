"""GeoParquet datasets (geo.dataset.parquet): the same workspace as the GeoPackage, round trips."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from typer.testing import CliRunner

from geo.cli import app
from geo.dataset.parquet import (
    ROW_COLUMN,
    convert_to_gpkg,
    convert_to_parquet,
    hilbert_order,
    read_info,
    read_parcels,
)
from geo.engine import DatasetError, ParquetDataset, is_dataset, open_dataset, write_dataset
from geo.workspace import Workspace, WorkspaceError, open_workspace

DATA = Path(__file__).resolve().parent.parent / "data"
DEMOS = ["fuxing", "wuan", "hebi", "wuzhi", "choujiang"]
runner = CliRunner()


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[str, Path]:
    """Every demo workspace as a dataset; small partitions so that there are several."""
    root = tmp_path_factory.mktemp("datasets")
    return {
        name: convert_to_parquet(
            DATA / f"{name}.gpkg", root / name, partition_rows=97, row_group_rows=16
        )
        for name in DEMOS
    }


@pytest.mark.parametrize("name", DEMOS)
def test_open_dataset_is_the_workspace(datasets, name):
    """Same tables, columns, dtypes, order, CRS, areas and problems as open_workspace."""
    gpkg = open_workspace(DATA / f"{name}.gpkg")
    ds = open_dataset(datasets[name], in_memory=True)
    assert isinstance(ds, Workspace)
    assert list(ds.tables) == list(gpkg.tables)
    for table in gpkg.tables:
        pd.testing.assert_frame_equal(ds[table], gpkg[table], check_exact=True)
    assert ds.crs == gpkg.crs
    assert ds.meta == gpkg.meta
    assert [str(p) for p in ds.problems] == [str(p) for p in gpkg.problems]
    assert ds.name == gpkg.name and ds.schematic == gpkg.schematic


def test_partitions_are_disjoint_and_hilbert_sorted(datasets):
    info = read_info(datasets["fuxing"])
    assert len(info.partitions) == 13  # 1,200 parcels in partitions of at most 97
    rows = [
        pq.read_table(info.path / p.file, columns=[ROW_COLUMN])[ROW_COLUMN].to_numpy()
        for p in info.partitions
    ]
    every = np.concatenate(rows)
    assert len(every) == info.n_parcels == 1200
    assert np.array_equal(np.sort(every), np.arange(1200))  # each parcel exactly once
    parcels = open_workspace(DATA / "fuxing.gpkg", validate=False).parcels
    assert np.array_equal(every, hilbert_order(parcels.geometry.array))
    for p in info.partitions:
        geoms = read_parcels(info, partitions=[info.partitions.index(p)]).geometry
        assert p.bounds == pytest.approx(tuple(geoms.total_bounds))


def test_files_are_geoparquet_with_bbox_covering(datasets):
    info = read_info(datasets["fuxing"])
    meta = pq.read_metadata(info.path / info.partitions[0].file)
    geo = json.loads(meta.metadata[b"geo"])
    assert geo["version"] == "1.1.0"
    column = geo["columns"]["geometry"]
    assert column["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    assert column["crs"]["id"] == {"authority": "EPSG", "code": 4547}
    assert info.partitions[0].rows == meta.num_rows == 92  # 1,200 parcels in 13 equal parts
    assert meta.num_row_groups == 6  # 92 rows in groups of 16
    names = {p.name for p in info.path.iterdir()}
    assert {"meta.json", "parcels", "areas.parquet", "enterprises.parquet"} <= names
    # areas are computed from geometry on reading, never stored
    assert "area_m2" not in pq.read_schema(info.path / "areas.parquet").names
    # any GeoParquet reader opens the files
    areas = gpd.read_parquet(info.path / "areas.parquet")
    assert areas.crs.to_epsg() == 4547 and len(areas) == 11


@pytest.mark.parametrize("name", ["fuxing", "wuzhi"])
def test_round_trip_to_gpkg_keeps_areas(datasets, tmp_path, name):
    back = convert_to_gpkg(datasets[name], tmp_path / f"{name}.gpkg")
    a = open_workspace(DATA / f"{name}.gpkg", validate=False)
    b = open_workspace(back, validate=False)
    assert list(b.tables) == list(a.tables)
    for table in ("parcels", "areas", "boundaries"):
        np.testing.assert_allclose(b[table]["area_m2"], a[table]["area_m2"], rtol=1e-9)
        attrs = [c for c in a[table].columns if c not in ("geometry", "area_m2", "area_mu")]
        pd.testing.assert_frame_equal(pd.DataFrame(b[table][attrs]), pd.DataFrame(a[table][attrs]))
    assert b.meta == a.meta
    assert b["parcels"].crs == a["parcels"].crs


def test_lazy_workspace(datasets):
    lazy = open_dataset(datasets["fuxing"])
    assert isinstance(lazy, ParquetDataset)
    assert lazy.n_parcels == 1200 and lazy.name == "邯郸市复兴区" and lazy.schematic
    assert lazy.dask_parcels().npartitions == 13
    ddf = lazy.dask_parcels(["parcel_id", "status", "area_mu"])
    assert list(ddf.columns) == ["parcel_id", "status", "area_mu", "geometry"]
    assert list(ddf.compute().columns) == list(ddf.columns)
    full = lazy.dask_parcels().compute()
    mem = open_workspace(DATA / "fuxing.gpkg", validate=False).parcels
    assert list(full.columns) == list(mem.columns)
    full = full.sort_values("parcel_id").reset_index(drop=True)
    mem = mem.sort_values("parcel_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(full, mem, check_exact=True)
    assert lazy.to_workspace().parcels.equals(open_dataset(datasets["fuxing"]).parcels)


def test_dask_pieces_are_runs_of_row_groups(datasets, tmp_path):
    """Files of more than ``rows`` parcels are read in runs of whole row groups."""
    src = open_dataset(datasets["fuxing"])
    out = write_dataset(
        src.to_workspace().tables, tmp_path / "groups", partition_rows=500, row_group_rows=100
    )
    lazy = open_dataset(out)
    whole = lazy.dask_parcels(["parcel_id", "status", "area_mu"], rows=400)
    pieces = lazy.dask_parcels(["parcel_id", "status", "area_mu"], rows=250)
    # 3 files of 400 parcels in row groups of 100: whole files, or runs of 2 row groups
    assert whole.npartitions == 3
    assert pieces.npartitions == 6
    assert len(pieces.spatial_partitions) == pieces.npartitions
    a = whole.compute().reset_index(drop=True)
    b = pieces.compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_open_some_tables(datasets):
    ws = open_dataset(datasets["hebi"], tables=["enterprises"], validate=False)
    assert list(ws.tables) == ["enterprises"]
    assert len(ws["enterprises"]) == 59


def test_write_dataset_synthetic_and_degrees(tmp_path):
    """Geographic input is projected to the GK zone of the data; empty geometries go last."""
    parcels = gpd.GeoDataFrame(
        {"parcel_id": ["a", "b", "c"], "status": ["released"] * 3},
        geometry=[
            shapely.box(114.5, 36.5, 114.501, 36.501),
            None,
            shapely.box(114.6, 36.6, 114.601, 36.601),
        ],
        crs=4490,
    )
    out = write_dataset({"parcels": parcels}, tmp_path / "ds", partition_rows=2)
    info = read_info(out)
    assert info.crs.to_epsg() == 4547
    assert [p.rows for p in info.partitions] == [2, 1]
    back = read_parcels(info)
    assert back["parcel_id"].tolist() == ["a", "b", "c"]
    assert back.geometry.isna().tolist() == [False, True, False]
    assert back["area_m2"].iloc[0] == pytest.approx(parcels.to_crs(4547).area.iloc[0], rel=1e-12)


def test_errors(datasets, tmp_path):
    with pytest.raises(DatasetError, match="exists"):
        convert_to_parquet(DATA / "wuan.gpkg", datasets["wuan"])
    with pytest.raises(DatasetError, match="source itself"):
        convert_to_parquet(datasets["wuan"], datasets["wuan"], overwrite=True)
    with pytest.raises(DatasetError, match="not a Tenglong GeoParquet dataset"):
        read_info(tmp_path)
    with pytest.raises(WorkspaceError, match="not a Tenglong GeoParquet dataset"):
        open_dataset(tmp_path)
    with pytest.raises(DatasetError, match="unknown table"):
        write_dataset({"parcels": gpd.GeoDataFrame(), "nope": pd.DataFrame()}, tmp_path / "x")
    assert is_dataset(datasets["wuan"]) and not is_dataset(DATA / "wuan.gpkg")
    assert not is_dataset(tmp_path)


def test_overwrite_replaces_only_when_done(datasets, tmp_path):
    dest = tmp_path / "wuan"
    convert_to_parquet(DATA / "wuan.gpkg", dest)
    (dest / "stale.txt").write_text("old")
    convert_to_parquet(DATA / "hebi.gpkg", dest, overwrite=True)
    assert not (dest / "stale.txt").exists()
    assert read_info(dest).n_parcels == 72
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_cli_convert_round_trip(tmp_path):
    ds = tmp_path / "wuan_ds"
    res = runner.invoke(
        app,
        ["convert", str(DATA / "wuan.gpkg"), "--to", "parquet", str(ds), "--partition-rows", "20"],
    )
    assert res.exit_code == 0, res.output
    assert "50 parcels in 3 partition(s)" in res.stdout and "EPSG:4547" in res.stdout
    back = tmp_path / "wuan.gpkg"
    res = runner.invoke(app, ["convert", str(ds), "--to", "gpkg", str(back)])
    assert res.exit_code == 0, res.output
    assert open_workspace(back, validate=False).parcels["area_m2"].sum() == pytest.approx(
        open_workspace(DATA / "wuan.gpkg", validate=False).parcels["area_m2"].sum(), rel=1e-9
    )
    res = runner.invoke(app, ["convert", str(ds), "--to", "gpkg", str(back)])
    assert res.exit_code == 2 and "exists" in res.output
    res = runner.invoke(
        app, ["convert", str(tmp_path / "missing.gpkg"), "--to", "parquet", str(ds)]
    )
    assert res.exit_code == 2 and "does not exist" in res.output
    res = runner.invoke(app, ["convert", str(DATA / "wuan.gpkg"), str(ds)])
    assert res.exit_code == 2  # --to is required
