"""The summary's selective reader gives the figures of the fully opened workspace.

``tenglong summary`` reads only the parcel columns and rows it counts
(:func:`geo.engine.open_selection`). For every demo workspace in ``data/``, as
a GeoPackage and as a GeoParquet dataset, and for every grouping, the
summary of the selection must equal, exactly, :func:`geo.release.release_summary`
on the fully opened workspace. Bad inputs tried: a self-intersecting (bow-tie)
freed parcel, a point among the parcels, a bow-tie in a status the summary
does not count, a parcels table without a status column, parcels centred
less than a metre from a GK zone edge (where the spatial index's rounding
could pick the other zone), and a GeoPackage without a spatial index.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from factories import tiny_tables
from pandas.testing import assert_frame_equal
from shapely import Point, Polygon
from typer.testing import CliRunner

from geo.cli import app
from geo.engine import convert_to_parquet, open_dataset, open_selection
from geo.release import BY_SOURCE_COLUMNS, release_summary
from geo.schema import FREED_STATUSES, STATUSES
from geo.workspace import WorkspaceError, layer_bounds, open_workspace, save_workspace

DATA = Path(__file__).resolve().parent.parent / "data"
DEMOS = sorted(DATA.glob("*.gpkg"))
GROUPINGS = [["area"], ["area", "status"], ["year"], ["industry"], ["district", "status"]]
runner = CliRunner()


def _selection(path: Path, dims: list[str], statuses: list[str] | None):
    cols = ["parcel_id", "status", *(BY_SOURCE_COLUMNS[d] for d in dims if d in BY_SOURCE_COLUMNS)]
    return open_selection(path, optional_columns=cols, statuses=statuses)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("datasets")
    return {p.stem: convert_to_parquet(p, out / p.stem) for p in DEMOS}


def test_there_are_demo_workspaces():
    assert len(DEMOS) >= 5, "build them with `tenglong demo build --out data/`"


@pytest.mark.parametrize("path", DEMOS, ids=[p.stem for p in DEMOS])
@pytest.mark.parametrize("statuses", [None, list(STATUSES)], ids=["freed", "every-status"])
def test_gpkg_selection_gives_the_full_workspace_summary(path, statuses):
    full = open_workspace(path, validate=False)
    for dims in GROUPINGS:
        sel = _selection(path, dims, statuses or list(FREED_STATUSES))
        assert sel.crs == full.crs
        assert len(sel.parcels) <= len(full.parcels)
        want = release_summary(full.parcels, full.areas, by=dims, statuses=statuses)
        got = release_summary(sel.parcels, sel.areas, by=dims, statuses=statuses)
        assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("path", DEMOS, ids=[p.stem for p in DEMOS])
def test_dataset_selection_gives_the_full_workspace_summary(path, datasets):
    full = open_dataset(datasets[path.stem], validate=False)
    for dims in GROUPINGS:
        sel = _selection(datasets[path.stem], dims, ["released", "stored", "supplied"])
        assert set(sel.tables) == {"parcels", "areas"}
        want = release_summary(
            full.parcels, full.areas, by=dims, statuses=["released", "stored", "supplied"]
        )
        got = release_summary(
            sel.parcels, sel.areas, by=dims, statuses=["released", "stored", "supplied"]
        )
        assert_frame_equal(got, want, check_exact=True)


def test_cli_summary_prints_the_full_workspace_figures():
    path = DATA / "wuan.gpkg"
    full = open_workspace(path, validate=False)
    want = release_summary(full.parcels, full.areas, by=["area", "status"])
    res = runner.invoke(
        app, ["summary", str(path), "--by", "area", "--by", "status", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [r["area_id"] for r in rows] == want["area_id"].tolist()
    assert [r["area_mu"] for r in rows] == pytest.approx(want["area_mu"].tolist(), rel=1e-12)


def _tiny(tmp_path: Path, **parcel_changes) -> Path:
    tables = tiny_tables()
    parcels = tables["parcels"]
    for pid, geom in parcel_changes.items():
        parcels.loc[parcels["parcel_id"] == pid, "geometry"] = geom
    return save_workspace(tables, tmp_path / "tiny.gpkg")


def _bowtie(parcels: gpd.GeoDataFrame, pid: str) -> Polygon:
    x0, y0, x1, y1 = parcels.loc[parcels["parcel_id"] == pid].total_bounds
    return Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])


def test_bowtie_freed_parcel_is_refused_with_its_id(tmp_path):
    parcels = tiny_tables()["parcels"]
    path = _tiny(tmp_path, P1=_bowtie(parcels, "P1"))
    res = runner.invoke(app, ["summary", str(path)])
    assert res.exit_code == 2
    assert "P1 is invalid" in res.output and "Self-intersection" in res.output
    with pytest.raises(WorkspaceError, match="P1 is invalid"):
        open_selection(path, optional_columns=["parcel_id"], statuses=["released"])


def test_point_among_freed_parcels_is_refused(tmp_path):
    parcels = tiny_tables()["parcels"]
    c = parcels.loc[parcels["parcel_id"] == "P2"].geometry.iloc[0].centroid
    tables = tiny_tables()
    tables["parcels"] = tables["parcels"].astype({"geometry": "geometry"})
    tables["parcels"].loc[tables["parcels"]["parcel_id"] == "P2", "geometry"] = Point(c.x, c.y)
    path = save_workspace(tables, tmp_path / "point.gpkg")
    with pytest.raises(WorkspaceError, match="P2 is a Point, not a polygon"):
        open_selection(path, optional_columns=["parcel_id"], statuses=["stored"])


def test_bowtie_in_an_uncounted_status_does_not_stop_the_summary(tmp_path):
    parcels = tiny_tables()["parcels"]
    path = _tiny(tmp_path, P3=_bowtie(parcels, "P3"))  # P3 is operating: not freed land
    res = runner.invoke(app, ["summary", str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["summary", str(path), "--status", "operating"])
    assert res.exit_code == 2 and "P3 is invalid" in res.output


def test_parcels_without_status_column_say_so(tmp_path):
    tables = tiny_tables()
    tables["parcels"] = tables["parcels"].drop(columns="status")
    path = save_workspace(tables, tmp_path / "nostatus.gpkg")
    res = runner.invoke(app, ["summary", str(path)])
    assert res.exit_code == 2
    assert "status" in res.output


def _moved(tmp_path: Path, lon: float, name: str) -> Path:
    """The tiny workspace moved so that its parcels are centred at longitude ``lon``."""
    tables = tiny_tables()
    parcels = tables["parcels"].to_crs(4490)
    xmin, _, xmax, _ = parcels.total_bounds
    dx = lon - (xmin + xmax) / 2
    out = {}
    for key, df in tables.items():
        if isinstance(df, gpd.GeoDataFrame):
            g = df.to_crs(4490)
            g["geometry"] = shapely.transform(g.geometry.values, lambda c: c + np.array([dx, 0.0]))
            out[key] = g
        else:
            out[key] = df
    return save_workspace(out, tmp_path / name)


@pytest.mark.parametrize("offset_deg", [-2e-6, 2e-6], ids=["west-of-edge", "east-of-edge"])
def test_zone_at_a_zone_edge_is_the_full_workspace_zone(tmp_path, offset_deg):
    """Parcels centred 0.2 m from the 115.5°E edge of zones 38 and 39."""
    path = _moved(tmp_path, 115.5 + offset_deg, "edge.gpkg")
    full = open_workspace(path, validate=False)
    sel = open_selection(path, optional_columns=["status"], statuses=["released"])
    assert full.crs.to_epsg() == (4547 if offset_deg < 0 else 4548)
    assert sel.crs == full.crs


def test_gpkg_without_spatial_index_reads_exact_bounds(tmp_path):
    path = _tiny(tmp_path)
    indexed = layer_bounds(path, "parcels")
    with sqlite3.connect(path) as con:
        con.execute(
            "DELETE FROM gpkg_extensions WHERE table_name = 'parcels' "
            "AND extension_name = 'gpkg_rtree_index'"
        )
    exact = tuple(gpd.read_file(path, layer="parcels").total_bounds)
    assert layer_bounds(path, "parcels") == pytest.approx(exact, rel=0, abs=0)
    assert indexed == pytest.approx(exact, rel=1e-6)
    assert indexed[0] <= exact[0] and indexed[2] >= exact[2]


def test_selection_reads_only_what_it_is_asked(tmp_path):
    path = _tiny(tmp_path)
    sel = open_selection(path, optional_columns=["status", "nope"], statuses=["stored"])
    assert list(sel.parcels.columns) == ["status", "geometry"]
    assert sel.parcels["status"].tolist() == ["stored"]
    assert set(sel.tables) == {"parcels", "areas"}
    with pytest.raises(WorkspaceError, match="lacks the column"):
        open_selection(path, parcel_columns=["nope"])
    assert isinstance(sel.parcels, gpd.GeoDataFrame)
    assert pd.api.types.is_float_dtype(sel.areas["area_m2"])
