"""``tenglong import``: every format round-trips from the CLI into a copy of the Fuxing workspace.

Also: the missing-CRS stop with its suggestion, GCJ-02 conversion, the
validation report (rows and columns), repairs, dry runs, and atomic writes
(a failed, refused or killed import leaves the workspace byte-identical).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from fixtures_io import (
    GK,
    ROOT,
    bow_tie,
    enterprise_frame,
    fuxing_copy,
    gbk_zip_bytes,
    inside_squares,
    parcel_frame,
    write_csv_wkt,
    write_dxf,
    write_kml,
    write_kmz,
    write_shapefile,
    write_xlsx_wkt,
    zip_shapefile_gbk,
)
from shapely.geometry import box
from typer.testing import CliRunner

from geo import crs as crs_mod
from geo.cli import app
from geo.io import (
    DataImportError,
    ImportBlockedError,
    ParserSession,
    SourceFile,
    WorkspaceChangedError,
    apply_import,
    preview_import,
    use_session,
)
from geo.workspace import open_workspace

runner = CliRunner()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def parser():
    """One parser process for the module (the CLI uses it through ``use_session``)."""
    with ParserSession() as session:
        yield session


def cli(parser: ParserSession | None, *args: str):
    if parser is None:
        return runner.invoke(app, ["import", *args])
    with use_session(parser):
        return runner.invoke(app, ["import", *args])


# ---------------------------------------------------------------------------
# Builders: (source path, extra CLI args, expected ids) per format
# ---------------------------------------------------------------------------

_PARCEL_DEFAULTS = [
    "--default",
    "name=CAD地块",
    "--default",
    "district=复兴区",
    "--default",
    "status=已腾退",
    "--default",
    "land_use_now=100102",
    "--default",
    "land_use_planned=0901",
    "--default",
    "industry_before=铸造",
    "--default",
    "polluting_history=是",
    "--default",
    "status_since=2020-01-01",
]


def _gpkg(d: Path):
    pyogrio.write_dataframe(parcel_frame(3, prefix="GPKG"), d / "p.gpkg", layer="腾退地块")
    return d / "p.gpkg", [], ["GPKG-001", "GPKG-002", "GPKG-003"]


def _geojson(d: Path):
    pyogrio.write_dataframe(parcel_frame(3, prefix="GJ").to_crs(4326), d / "p.geojson")
    return d / "p.geojson", [], ["GJ-001", "GJ-002", "GJ-003"]


def _shapefile_gbk_no_cpg(d: Path):
    shp = write_shapefile(parcel_frame(3, prefix="SHP"), d / "地块.shp")
    assert not shp.with_suffix(".cpg").exists()
    return shp, [], ["SHP-001", "SHP-002", "SHP-003"]


def _zip_gbk_names_subfolder(d: Path):
    (d / "src").mkdir()
    shp = write_shapefile(parcel_frame(3, prefix="ZIP"), d / "src" / "p.shp")
    return zip_shapefile_gbk(shp, d / "成果.zip"), [], ["ZIP-001", "ZIP-002", "ZIP-003"]


def _kml(d: Path):
    return (
        write_kml(parcel_frame(3, prefix="KML"), d / "p.kml"),
        [],
        ["KML-001", "KML-002", "KML-003"],
    )


def _kmz(d: Path):
    kml = write_kml(parcel_frame(3, prefix="KMZ"), d / "doc.kml")
    return write_kmz(kml, d / "p.kmz"), [], ["KMZ-001", "KMZ-002", "KMZ-003"]


def _dxf(d: Path):
    squares = list(inside_squares(3))
    labels = ["DXF-001", "DXF-002", "DXF-003"]
    path = write_dxf(d / "图纸.dxf", squares, labels)
    args = [
        "--layer",
        "parcels",
        "--crs",
        "4526",
        "--map",
        "text_label=parcel_id",
        *_PARCEL_DEFAULTS,
    ]
    return path, args, labels


def _parquet(d: Path):
    parcel_frame(3, prefix="PQ").to_parquet(d / "p.parquet")
    return d / "p.parquet", [], ["PQ-001", "PQ-002", "PQ-003"]


def _csv_gbk_wkt(d: Path):
    path = write_csv_wkt(parcel_frame(3, prefix="CSV"), d / "台账.csv")
    return path, ["--crs", "4547"], ["CSV-001", "CSV-002", "CSV-003"]


def _xlsx_wkt(d: Path):
    path = write_xlsx_wkt(parcel_frame(3, prefix="XLS"), d / "台账.xlsx")
    return path, ["--crs", "4547"], ["XLS-001", "XLS-002", "XLS-003"]


FORMATS = {
    "gpkg": _gpkg,
    "geojson": _geojson,
    "shapefile_gbk_no_cpg": _shapefile_gbk_no_cpg,
    "zip_gbk_names_subfolder": _zip_gbk_names_subfolder,
    "kml": _kml,
    "kmz": _kmz,
    "dxf_gbk_8digit_eastings": _dxf,
    "geoparquet": _parquet,
    "csv_gbk_wkt": _csv_gbk_wkt,
    "xlsx_wkt": _xlsx_wkt,
}


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_format_round_trips_from_the_cli(fmt, tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    source, args, ids = FORMATS[fmt](tmp_path)
    result = cli(parser, str(source), "--into", str(ws), *args)
    assert result.exit_code == 0, result.output
    assert "imported 3 row(s) into parcels" in result.output
    opened = open_workspace(ws)
    assert opened.is_valid, opened.problems[:5]
    parcels = opened.parcels.set_index("parcel_id")
    assert len(parcels) == 1203
    new = parcels.loc[ids]
    assert new["area_mu"].to_numpy() == pytest.approx([9.6] * 3, rel=1e-3)
    if fmt != "dxf_gbk_8digit_eastings":
        assert new["name"].iloc[0] == "复兴区测试1号地块"  # decoded, not Latin-1 mojibake
        assert list(new["status"]) == ["released", "stored", "operating"]
        assert list(new["land_use_now"]) == ["100102", "100102", "100103"]
        assert new["owner"].iloc[0] == "邯郸市某铸造有限公司"
        assert new["released_on"].iloc[0] == pd.Timestamp("2018-05-01")
        assert list(new["polluting_history"]) == [True, False, True]
    else:
        assert set(new["status"]) == {"released"}
    assert opened["audit"]["table_name"].iloc[-1] == "parcels"


def test_enterprise_ledger_xlsx_round_trips_with_units(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    path = tmp_path / "企业台账.xlsx"
    enterprise_frame(["FX-0001", "FX-0016"]).to_excel(path, index=False)
    result = cli(parser, str(path), "--into", str(ws))
    assert result.exit_code == 0, result.output
    ent = open_workspace(ws)["enterprises"].set_index("enterprise_id").loc["IMP-E001"]
    assert ent["name"] == "邯郸市测试1机械有限公司"
    assert ent["land_mu_registered"] == pytest.approx(18.0)  # 1.2 公顷
    assert ent["tax_wan"] == pytest.approx(139.8)  # 元 → 万元
    assert ent["electricity_mwh"] == pytest.approx(7842.5)  # 万千瓦时 → MWh
    assert (
        open_workspace(ws)["enterprises"].set_index("enterprise_id").loc["IMP-E002", "scale"]
        == "规下"
    )


def test_enterprises_located_by_lonlat_get_their_parcel(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    parcels = open_workspace(ws, validate=False).parcels.iloc[:2]
    points = parcels.geometry.representative_point().to_crs(4490)
    df = enterprise_frame([None, None]).drop(columns=["地块编号"])
    df["经度"], df["纬度"] = points.x.to_numpy(), points.y.to_numpy()
    df.to_csv(tmp_path / "企业.csv", index=False, encoding="gbk")
    preview = preview_import(tmp_path / "企业.csv", workspace=ws, crs=4490, session=parser)
    assert preview.table == "enterprises" and preview.can_apply(), preview.report
    assert list(preview.rows["parcel_id"]) == list(parcels["parcel_id"])


def test_source_layer_chooses_a_dataset_in_a_zip(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    a, b = parcel_frame(1, prefix="A").to_crs(4326), parcel_frame(1, prefix="B").to_crs(4326)
    data = gbk_zip_bytes(
        {"一期/地块.geojson": a.to_json().encode(), "二期/地块.geojson": b.to_json().encode()}
    )
    with pytest.raises(DataImportError, match="choose one"):
        preview_import(SourceFile("两期.zip", data), workspace=ws, session=parser)
    preview = preview_import(
        SourceFile("两期.zip", data), workspace=ws, source_layer="二期/地块.geojson", session=parser
    )
    assert list(preview.rows["parcel_id"]) == ["B-001"]


# ---------------------------------------------------------------------------
# CRS
# ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs_in_8_digit_eastings_stops_with_epsg_4526(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    g = parcel_frame(2, prefix="NOCRS")
    g = g.set_geometry(
        shapely.transform(g.geometry.values, lambda c: c + np.array([38_000_000.0, 0.0]))
    )
    shp = write_shapefile(g.set_crs(None, allow_override=True), tmp_path / "no_prj.shp")
    shp.with_suffix(".prj").unlink(missing_ok=True)
    result = cli(None, str(shp), "--into", str(ws))  # a parser of its own: the one-shot path
    assert result.exit_code == 2
    assert "EPSG:4526" in result.output and "--crs 4526" in result.output
    assert sha(ws) == before
    ok = cli(parser, str(shp), "--into", str(ws), "--crs", "4526")
    assert ok.exit_code == 0, ok.output
    assert "NOCRS-001" in set(open_workspace(ws).parcels["parcel_id"])


def test_prj_that_disagrees_with_the_coordinates_is_an_error(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    g = parcel_frame(1, prefix="BADPRJ").set_crs(
        4326, allow_override=True
    )  # metres labelled degrees
    pyogrio.write_dataframe(g, tmp_path / "bad.gpkg")
    result = cli(parser, str(tmp_path / "bad.gpkg"), "--into", str(ws))
    assert result.exit_code == 1
    assert "crs_mismatch" in result.output


def test_gcj02_source_is_converted_back(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    g = parcel_frame(2, prefix="GCJ")
    wgs = g.to_crs(4326)
    shifted = wgs.set_geometry(
        crs_mod.transform_geometries(wgs.geometry.values, crs_mod.wgs84_to_gcj02)
    )
    pyogrio.write_dataframe(shifted, tmp_path / "gaode.geojson")
    result = cli(
        parser, str(tmp_path / "gaode.geojson"), "--into", str(ws), "--source-crs", "gcj02"
    )
    assert result.exit_code == 0, result.output
    got = open_workspace(ws).parcels.set_index("parcel_id").loc[["GCJ-001", "GCJ-002"]]
    dist = got.geometry.centroid.distance(g.geometry.centroid.set_axis(got.index), align=True)
    assert dist.max() < 0.05  # metres, not the ~550 m GCJ-02 offset


# ---------------------------------------------------------------------------
# Validation report
# ---------------------------------------------------------------------------


def test_report_names_rows_and_columns_of_every_problem(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    g = parcel_frame(7, prefix="BAD")
    g.loc[0, "地块编号"] = ""  # empty id
    g.loc[2, "地块编号"] = "BAD-002"  # duplicate of row 2
    g.loc[3, "状态"] = "拆迁中"  # unknown status
    g.loc[4, "现状用途"] = "XYZ"  # unknown land use
    g.loc[5, "面积(亩)"] = 100.0  # disagrees with 9.6 亩
    g.loc[6, "地块编号"] = "FX-0001"  # already in the workspace
    far = box(600_000, 4_300_000, 600_080, 4_300_080)
    g = pd.concat([g, parcel_frame(1, prefix="FAR").set_geometry([far], crs=GK)], ignore_index=True)
    pyogrio.write_dataframe(g, tmp_path / "bad.gpkg")
    out = tmp_path / "report.csv"
    result = cli(parser, str(tmp_path / "bad.gpkg"), "--into", str(ws), "--report", str(out))
    assert result.exit_code == 1, result.output
    assert sha(ws) == before
    rep = pd.read_csv(out, encoding="utf-8-sig", dtype={"row": "Int64"})
    found = {(r.code, r.row, r.column) for r in rep.itertuples()}
    assert ("empty_id", 1, "地块编号") in found
    assert ("duplicate_id", 2, "地块编号") in found and ("duplicate_id", 3, "地块编号") in found
    assert ("unknown_status", 4, "状态") in found
    assert ("unknown_land_use", 5, "现状用途") in found
    assert ("area_mismatch", 6, "面积(亩)") in found
    assert ("duplicate_id", 7, "地块编号") in found
    assert ("outside_district", 8, "geometry") in found
    assert set(rep.loc[rep.code == "area_mismatch", "severity"]) == {"warning"}


def test_report_is_written_as_xlsx(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    pyogrio.write_dataframe(parcel_frame(2, prefix="XR"), tmp_path / "p.gpkg")
    out = tmp_path / "报告.xlsx"
    result = cli(
        parser, str(tmp_path / "p.gpkg"), "--into", str(ws), "--dry-run", "--report", str(out)
    )
    assert result.exit_code == 0, result.output
    rep = pd.read_excel(out)
    assert list(rep.columns) == [
        "severity",
        "code",
        "row",
        "id",
        "column",
        "field",
        "value",
        "message",
    ]


def test_bow_tie_is_repaired_not_zero_and_needs_acceptance(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    g = parcel_frame(2, prefix="BOW")
    g.loc[0, "geometry"] = bow_tie(g.geometry.iloc[0])
    assert g.geometry.iloc[0].area == 0  # shapely's signed sum over the crossing
    g.loc[0, "面积(亩)"] = 4.8
    pyogrio.write_dataframe(g, tmp_path / "bow.gpkg")
    blocked = cli(parser, str(tmp_path / "bow.gpkg"), "--into", str(ws))
    assert blocked.exit_code == 1
    assert "accept-repairs" in blocked.output and "repaired" in blocked.output
    assert sha(ws) == before
    ok = cli(parser, str(tmp_path / "bow.gpkg"), "--into", str(ws), "--accept-repairs")
    assert ok.exit_code == 0, ok.output
    got = open_workspace(ws).parcels.set_index("parcel_id").loc["BOW-001"]
    assert got.geometry.geom_type == "MultiPolygon"
    assert got["area_mu"] == pytest.approx(4.8, rel=1e-6)  # two triangles, half the square


def test_dry_run_writes_nothing(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    pyogrio.write_dataframe(parcel_frame(2, prefix="DRY"), tmp_path / "p.gpkg")
    result = cli(parser, str(tmp_path / "p.gpkg"), "--into", str(ws), "--dry-run")
    assert result.exit_code == 0 and "nothing written" in result.output
    assert sha(ws) == before


def test_map_override_and_replace_mode(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    g = parcel_frame(2, prefix="MAP").rename(columns={"地块编号": "宗地代码X"})
    pyogrio.write_dataframe(g, tmp_path / "p.gpkg")
    missing = cli(parser, str(tmp_path / "p.gpkg"), "--into", str(ws))
    assert missing.exit_code == 1 and "parcel_id" in missing.output
    ok = cli(
        parser,
        str(tmp_path / "p.gpkg"),
        "--into",
        str(ws),
        "--map",
        "宗地代码X=parcel_id",
        "--mode",
        "replace",
    )
    assert ok.exit_code == 0, ok.output
    assert sorted(open_workspace(ws).parcels["parcel_id"]) == ["MAP-001", "MAP-002"]


def test_bad_options_exit_2_with_advice(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    pyogrio.write_dataframe(parcel_frame(1), tmp_path / "p.gpkg")
    for args, needle in (
        (["--map", "nosuch=parcel_id"], "does not have"),
        (["--map", "地块编号=nonsense field"], "not a field"),
        (["--layer", "boundaries"], "choose one of"),
        (["--crs", "99999999"], "EPSG code"),
        (["--source-crs", "wgs"], "gcj02"),
        (["--encoding", "klingon"], "unknown encoding"),
        (["--default", "status=拆迁中"], "not known"),
        (["--report", "r.pdf"], ".xlsx or .csv"),
    ):
        result = cli(parser, str(tmp_path / "p.gpkg"), "--into", str(ws), *args)
        assert result.exit_code == 2, (args, result.output)
        assert needle in result.output, (args, result.output)


# ---------------------------------------------------------------------------
# The library API the Import page uses
# ---------------------------------------------------------------------------


def test_preview_then_apply_an_upload(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    write_shapefile(parcel_frame(2, prefix="UP"), tmp_path / "up.shp")
    uploads = [SourceFile(p.name, p.read_bytes()) for p in sorted(tmp_path.glob("up.*"))]
    preview = preview_import(uploads, workspace=ws, session=parser)
    assert preview.source.encoding == "GB18030"
    assert preview.sample["地块名称"].iloc[0] == "复兴区测试1号地块"
    assert preview.plan.source_of("parcel_id") == "地块编号"
    assert preview.can_apply() and preview.table == "parcels"
    result = apply_import(preview, user="测试员")
    assert result.rows_written == 2 and result.rows_total == 1202
    assert open_workspace(ws)["audit"]["who"].iloc[-1] == "测试员"
    with pytest.raises(WorkspaceChangedError):
        apply_import(preview)  # the workspace changed since this preview


def test_apply_refuses_errors_and_unaccepted_repairs(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    g = parcel_frame(1, prefix="R")
    g.loc[0, "geometry"] = bow_tie(g.geometry.iloc[0])
    preview = preview_import(
        SourceFile("b.geojson", _geojson_bytes(g)), workspace=ws, session=parser
    )
    assert preview.counts["repaired"] == 1 and not preview.can_apply()
    with pytest.raises(ImportBlockedError, match="accept the repairs"):
        apply_import(preview)
    assert isinstance(ImportBlockedError("x"), ValueError)


def _geojson_bytes(g: gpd.GeoDataFrame) -> bytes:
    return g.to_crs(4326).to_json().encode("utf-8")


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------


def test_failing_save_leaves_workspace_identical(tmp_path, parser, monkeypatch):
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    preview = preview_import(
        SourceFile("p.geojson", _geojson_bytes(parcel_frame(2, prefix="F"))),
        workspace=ws,
        session=parser,
    )
    import geo.io.importer as importer

    real_save = importer.save_workspace

    def half_save(tables, path, *, meta=None):
        real_save({"parcels": tables["parcels"]}, path, meta=meta)
        raise OSError("disk full")

    monkeypatch.setattr(importer, "save_workspace", half_save)
    with pytest.raises(OSError, match="disk full"):
        apply_import(preview)
    assert sha(ws) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def _partial_temp_file(folder: Path) -> bool:
    """True once a temporary workspace next to fuxing.gpkg has bytes in it (mid-write)."""
    for p in folder.iterdir():
        if p.name.startswith((".fuxing", "..fuxing")):
            try:
                if p.stat().st_size > 0:
                    return True
            except FileNotFoundError:
                continue
    return False


def test_killed_writer_leaves_workspace_identical(tmp_path):
    """SIGKILL the CLI while it writes the temporary workspace: the original is untouched."""
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    g = parcel_frame(20, prefix="KILL")
    pyogrio.write_dataframe(g, tmp_path / "many.gpkg")
    code = "import sys; from geo.cli import app; sys.argv[0] = 'tenglong'; app()"
    cmd = [sys.executable, "-c", code, "import", str(tmp_path / "many.gpkg"), "--into", str(ws)]
    killed_mid_write = False
    for _ in range(3):
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if _partial_temp_file(tmp_path):
                os.kill(proc.pid, signal.SIGKILL)
                killed_mid_write = True
                break
            time.sleep(0.001)
        proc.wait(timeout=30)
        if killed_mid_write:
            break
        ws.write_bytes((ROOT / "data" / "fuxing.gpkg").read_bytes())  # it finished first: again
    assert killed_mid_write, "the writer finished before it could be killed"
    assert sha(ws) == before
    assert open_workspace(ws).is_valid


def test_unknown_workspace_layers_are_never_dropped(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    pyogrio.write_dataframe(pd.DataFrame({"x": [1]}), ws, layer="someone_elses_table", append=False)
    before = sha(ws)
    preview = preview_import(
        SourceFile("p.geojson", _geojson_bytes(parcel_frame(1, prefix="U"))),
        workspace=ws,
        session=parser,
    )
    with pytest.raises(DataImportError, match="someone_elses_table"):
        apply_import(preview)
    assert sha(ws) == before
