"""The Dataset handle (geo.dataset): one opener, two backends that read the same rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from geo.access import RoleError
from geo.dataset import ParquetDataset, open_dataset, revision_of
from geo.dataset.parquet import convert_to_parquet
from geo.workspace import Workspace, WorkspaceError

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture(scope="module")
def fuxing_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ds")
    return convert_to_parquet(DATA / "fuxing.gpkg", root / "fuxing", partition_rows=200)


def test_one_opener_for_files_and_directories(fuxing_dir):
    mem = open_dataset(DATA / "fuxing.gpkg", validate=False)
    lazy = open_dataset(fuxing_dir)
    assert isinstance(mem, Workspace) and isinstance(lazy, ParquetDataset)
    assert open_dataset(lazy) is lazy  # an open dataset passes through
    assert isinstance(open_dataset(fuxing_dir, in_memory=True, validate=False), Workspace)
    assert mem.n_parcels == lazy.n_parcels == 1200
    assert mem.parcel_columns == lazy.parcel_columns
    assert mem.name == lazy.name and mem.schematic and lazy.schematic
    for a, b in zip(mem.bounds(), lazy.bounds(), strict=True):
        assert a == pytest.approx(b, abs=1e-6)


def test_revision_is_the_cache_key(fuxing_dir, tmp_path):
    gpkg = shutil.copy(DATA / "fuxing.gpkg", tmp_path / "f.gpkg")
    ws = open_dataset(gpkg, validate=False)
    assert ws.revision() == revision_of(gpkg)
    lazy = open_dataset(fuxing_dir)
    assert lazy.revision() == revision_of(fuxing_dir) and lazy.revision().startswith("dataset:")
    before = revision_of(gpkg)
    with open(gpkg, "ab") as f:  # any change of the file is a new revision
        f.write(b"\0")
    assert revision_of(gpkg) != before
    built = Workspace(path=tmp_path / "x", tables={}, crs=ws.crs)
    assert built.revision().startswith("memory:")


@pytest.mark.parametrize(
    ("columns", "statuses"),
    [
        (["parcel_id", "status"], None),
        (["parcel_id", "area_mu"], ["released", "stored"]),
        (None, ["supplied"]),
        (["name"], ["no_such_status"]),
    ],
)
def test_both_backends_read_the_same_rows(fuxing_dir, columns, statuses):
    mem = open_dataset(DATA / "fuxing.gpkg", validate=False)
    lazy = open_dataset(fuxing_dir)
    a = mem.read("parcels", columns=columns, statuses=statuses).reset_index(drop=True)
    b = lazy.read("parcels", columns=columns, statuses=statuses)
    assert list(a.columns) == list(b.columns)
    if columns is not None:
        assert list(b.columns) == [*columns, "geometry"]
    pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b), check_exact=True)
    if statuses is not None and "status" in b.columns:
        assert set(b["status"]) <= set(statuses)


def test_read_by_bounding_box(fuxing_dir):
    mem = open_dataset(DATA / "fuxing.gpkg", validate=False)
    lazy = open_dataset(fuxing_dir)
    x0, y0, x1, y1 = mem.bounds()
    box = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
    a = mem.read(columns=["parcel_id"], bbox=box)
    b = lazy.read(columns=["parcel_id"], bbox=box)
    assert 0 < len(a) < mem.n_parcels
    assert sorted(a["parcel_id"]) == sorted(b["parcel_id"])
    areas = lazy.read("areas", columns=["area_id"])
    assert list(areas.columns) == ["area_id", "geometry"]


def test_bad_targets_say_what_to_do(tmp_path, monkeypatch, fuxing_dir):
    """Bad inputs: a missing file, a folder that is no dataset, a dataset in investor mode."""
    with pytest.raises(WorkspaceError, match="does not exist"):
        open_dataset(tmp_path / "missing.gpkg")
    with pytest.raises(WorkspaceError, match="tenglong convert"):
        open_dataset(tmp_path)
    with pytest.raises(WorkspaceError, match="does not exist"):
        revision_of(tmp_path / "nope")
    monkeypatch.setenv("TENGLONG_MODE", "investor")
    with pytest.raises(RoleError, match="not GeoParquet datasets"):
        open_dataset(fuxing_dir)
    investor = open_dataset(DATA / "fuxing.gpkg")
    assert "former_enterprise" not in investor.parcel_columns
    assert set(investor.parcels["status"]) <= {"released", "stored"}
