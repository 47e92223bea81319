"""Incomplete registers are accepted honestly (docs/architecture.md §3).

A real parcel register lacks columns and leaves cells empty. Only a parcel's
geometry and a unique id block an import; every other required field is
stored as unknown, counted per field (import report, ``tenglong info``, the
overview's completeness panel) and treated conservatively by the
calculations. ``--strict`` refuses such a file; ``--skip-invalid`` writes the
valid rows and puts the rejected ones in a file to fix and import again.

Bad inputs tried: a shapefile with only 地块编号/地块名称/用地性质/状态/企业名称/面积亩,
an empty status, the status 未知, 10 % bad rows (outside the district, an id
already in the workspace, an unknown status word, a polygon collapsed to a
line), a register without an id column, a rejected-rows path under a file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from fixtures_io import (
    GK,
    fuxing_copy,
    inside_squares,
    parcel_frame,
    write_csv_wkt,
    write_shapefile,
)
from shapely.geometry import Polygon, box
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from geo.cli import app
from geo.io import ParserSession, use_session
from geo.lifecycle import DATE_MISSING, days_in_status
from geo.release import release_summary
from geo.schema import STATUS_COLORS, STATUSES, UNKNOWN_STATUS
from geo.soil import soil_flags
from geo.store import open_store
from geo.validate import completeness
from geo.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
pytest_plugins = ("pg_fixture",)

UNKNOWN_FIVE = {"district", "land_use_planned", "industry_before", "polluting_history"}
UNKNOWN_FIVE |= {"status_since"}
"""The fields the earlier finding named: no source column in a real register."""


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def parser():
    with ParserSession() as session:
        yield session


def cli(parser: ParserSession, *args: str):
    with use_session(parser):
        return runner.invoke(app, [*args])


def register(n: int = 5, prefix: str = "REG") -> gpd.GeoDataFrame:
    """A register as planners keep it: six columns, one status left empty, one 未知."""
    g = parcel_frame(n, prefix=prefix)
    g = g[["地块编号", "地块名称", "现状用途", "状态", "权利人", "面积(亩)", "geometry"]]
    g = g.rename(columns={"现状用途": "用地性质", "权利人": "企业名称", "面积(亩)": "面积亩"})
    g.loc[1, "状态"] = None
    g.loc[2, "状态"] = "未知"
    return g


# ---------------------------------------------------------------------------
# Missing fields are stored as unknown
# ---------------------------------------------------------------------------


def test_real_register_imports_with_unknowns_and_a_completeness_report(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    write_shapefile(register(), tmp_path / "reg.shp")
    out = tmp_path / "report.csv"
    result = cli(
        parser, "import", str(tmp_path / "reg.shp"), "--into", str(ws), "--report", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "completeness" in result.output and "imported 5 row(s)" in result.output
    rep = pd.read_csv(out, encoding="utf-8-sig")
    unknown = rep[rep["code"] == "unknown_field"]
    # the district is known after all: the workspace's boundary holds every parcel
    assert set(unknown["field"]) == UNKNOWN_FIVE - {"district"}
    assert set(unknown["severity"]) == {"warning"}
    assert (
        "boundary 复兴区 for 5 parcel(s)"
        in rep.loc[rep["code"] == "district_from_boundary", "message"].str.cat()
    )
    assert not (rep["severity"] == "error").any()
    counts = rep[rep["code"] == "completeness"].set_index("field")["message"]
    assert "district" not in counts.index  # none lacks it
    assert "in 5 of 5 parcel(s)" in counts["industry_before"]
    assert "status" in counts and "in 2 of 5 parcel(s)" in counts["status"]  # empty and 未知

    w = open_workspace(ws)
    assert w.is_valid, w.problems[:3]
    p = w.parcels.set_index("parcel_id").loc[[f"REG-{i:03d}" for i in range(1, 6)]]
    assert p["status"].tolist() == [
        "released",
        UNKNOWN_STATUS,
        UNKNOWN_STATUS,
        "to_release",
        "supplied",
    ]
    assert (p["district"] == "复兴区").all() and p["industry_before"].isna().all()
    assert p["polluting_history"].isna().all()  # a null BOOLEAN, neither yes nor no
    assert p["status_since"].isna().all()
    assert p["former_enterprise"].notna().all()  # 企业名称 was imported

    info = runner.invoke(app, ["info", str(ws)])
    assert info.exit_code == 0, info.output
    assert "数据完整性 / completeness" in info.output
    assert "polluting_history" in info.output and "5 of 1205" in info.output


def test_demo_workspace_shows_no_completeness_table():
    info = runner.invoke(app, ["info", str(ROOT / "data" / "fuxing.gpkg")])
    assert info.exit_code == 0
    assert "completeness" not in info.output
    assert (
        int(completeness(open_workspace(ROOT / "data" / "fuxing.gpkg").parcels)["n_missing"].sum())
        == 0
    )


def test_strict_refuses_the_register_as_before(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    write_shapefile(register(), tmp_path / "reg.shp")
    out = tmp_path / "report.csv"
    result = cli(
        parser,
        "import",
        str(tmp_path / "reg.shp"),
        "--into",
        str(ws),
        "--strict",
        "--report",
        str(out),
    )
    assert result.exit_code == 1, result.output
    assert sha(ws) == before
    rep = pd.read_csv(out, encoding="utf-8-sig", dtype={"row": "Int64"})
    assert set(rep.loc[rep["code"] == "missing_column", "field"]) == UNKNOWN_FIVE
    assert ("unknown_status", 2) in {(r.code, r.row) for r in rep.itertuples()}  # the empty one
    assert "required field" in result.output and "--default" in result.output


def test_the_id_is_still_needed(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    g = register().drop(columns=["地块编号"])
    pyogrio.write_dataframe(g, tmp_path / "noid.gpkg")
    for extra in ([], ["--skip-invalid"]):
        result = cli(parser, "import", str(tmp_path / "noid.gpkg"), "--into", str(ws), *extra)
        assert result.exit_code == 1, result.output
        assert "parcel_id" in result.output and "nothing written" in result.output
    assert sha(ws) == before


# ---------------------------------------------------------------------------
# Calculations treat unknowns conservatively
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def with_unknowns(tmp_path_factory, parser) -> Path:
    """Fuxing with 6 imported parcels: no history, no dates, planned housing, one status unknown."""
    d = tmp_path_factory.mktemp("unknowns")
    ws = fuxing_copy(d)
    g = parcel_frame(6, prefix="UNK")[["地块编号", "状态", "规划用途", "geometry"]]
    g["规划用途"] = "070101"  # first-class land: the soil gate must decide
    g.loc[0, "状态"] = None
    pyogrio.write_dataframe(g, d / "unk.gpkg")
    result = cli(parser, "import", str(d / "unk.gpkg"), "--into", str(ws))
    assert result.exit_code == 0, result.output
    return ws


def test_unknown_history_is_survey_needed_at_the_soil_gate(with_unknowns):
    w = open_workspace(with_unknowns)
    flags = soil_flags(w.parcels).set_index("parcel_id")
    mine = flags.loc[[f"UNK-{i:03d}" for i in range(1, 7)]]
    assert set(mine["flag"]) == {"history_unknown"} and set(mine["severity"]) == {"blocking"}
    assert mine["reason_zh"].str.startswith("需调查").all()


def test_missing_dates_stop_no_clock(with_unknowns):
    w = open_workspace(with_unknowns)
    d = days_in_status(w.parcels, as_of="2024-01-01").set_index("parcel_id")
    mine = d.loc[[f"UNK-{i:03d}" for i in range(1, 7)]]
    assert mine["days_in_status"].isna().all()
    assert set(mine["note"]) == {DATE_MISSING}
    assert d.loc["FX-0001", "note"] != DATE_MISSING  # the demo's dates still count


def test_unknown_status_is_its_own_bucket_and_totals_are_conserved(with_unknowns):
    w = open_workspace(with_unknowns)
    by_status = release_summary(w.parcels, by="status", statuses=STATUSES).set_index("status")
    assert by_status.loc[UNKNOWN_STATUS, "n_parcels"] == 1
    assert by_status["n_parcels"].sum() == len(w.parcels)
    assert by_status["area_m2"].sum() == pytest.approx(float(w.parcels.geometry.area.sum()))
    assert "operating" not in set(w.parcels.loc[w.parcels["parcel_id"] == "UNK-001", "status"])
    freed = release_summary(w.parcels, by="status")  # freed land: unknown is not in it
    assert UNKNOWN_STATUS not in set(freed["status"])


def test_unknown_status_can_become_any_status_and_nulls_survive_edits(tmp_path, with_unknowns):
    ws = tmp_path / "edit.gpkg"
    ws.write_bytes(with_unknowns.read_bytes())
    with open_store(ws, user="测试员") as s:
        assert s.parcel("UNK-001").values["status"] == UNKNOWN_STATUS
        s.set_status("UNK-001", "stored", on="2024-03-01")
        s.update_parcel("UNK-002", {"district": "复兴区"})
    w = open_workspace(ws)
    p = w.parcels.set_index("parcel_id")
    assert p.loc["UNK-001", "status"] == "stored"
    assert p.loc["UNK-001", "released_on"] == pd.Timestamp("2024-03-01")
    assert p.loc["UNK-002", "district"] == "复兴区"
    assert pd.isna(p.loc["UNK-002", "polluting_history"])  # still unknown, not False
    assert w.is_valid


def test_unknowns_are_stored_as_nulls_in_postgis_and_back(tmp_path, with_unknowns, pg_server):
    from pg_fixture import new_schema_url

    from geo.store.migrate import gpkg_to_postgis, postgis_to_gpkg

    url = new_schema_url(pg_server)
    gpkg_to_postgis(with_unknowns, url)
    with open_store(url, user="测试员") as s:
        rec = s.parcel("UNK-002").values
        assert rec["status"] == "stored"
        assert rec["polluting_history"] is None and rec["status_since"] is None
        assert rec["district"] == "复兴区"  # filled from the workspace's boundary
        assert s.parcel("UNK-001").values["status"] == UNKNOWN_STATUS
        s.set_status("UNK-001", "released", on="2024-03-01")
    back = postgis_to_gpkg(url, tmp_path / "back.gpkg")
    assert back is not None
    w = open_workspace(tmp_path / "back.gpkg")
    p = w.parcels.set_index("parcel_id")
    assert p.loc["UNK-001", "status"] == "released"
    assert p.loc[[f"UNK-{i:03d}" for i in range(2, 7)], "polluting_history"].isna().all()
    assert p.loc[[f"UNK-{i:03d}" for i in range(2, 7)], "status_since"].isna().all()
    assert p.loc["FX-0001", "polluting_history"] in (True, False, 0.0, 1.0)  # known stays known


def test_unknown_status_is_grey_on_the_map():
    r, g, b = (int(STATUS_COLORS[UNKNOWN_STATUS][i : i + 2], 16) for i in (1, 3, 5))
    assert r == g == b
    others = {c for s, c in STATUS_COLORS.items() if s != UNKNOWN_STATUS}
    assert STATUS_COLORS[UNKNOWN_STATUS] not in others


# ---------------------------------------------------------------------------
# --skip-invalid: the valid rows are written, the rejected ones can be fixed
# ---------------------------------------------------------------------------


def _ten_percent_bad(n: int = 30) -> gpd.GeoDataFrame:
    g = parcel_frame(n, prefix="SK", size_m=60.0, step_m=100.0)
    g.loc[2, "geometry"] = box(600_000, 4_300_000, 600_080, 4_300_080)  # far outside
    g.loc[6, "地块编号"] = "FX-0001"  # already in the workspace
    x, y = g.geometry.iloc[17].exterior.coords[0]
    g.loc[17, "geometry"] = Polygon([(x, y), (x + 60, y), (x + 30, y), (x, y)])  # a line
    return g


def test_without_skip_invalid_bad_rows_block_the_file(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    pyogrio.write_dataframe(_ten_percent_bad(), tmp_path / "sk.gpkg")
    result = cli(parser, "import", str(tmp_path / "sk.gpkg"), "--into", str(ws))
    assert result.exit_code == 1, result.output
    assert sha(ws) == before
    assert "nothing written" in result.output and "--skip-invalid" in result.output
    assert "SK-003" in result.output and "outside" in result.output  # the rows are named
    assert not list(tmp_path.glob("*rejected*"))


def test_skip_invalid_writes_the_valid_rows_and_the_rejected_ones_reimport(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    g = _ten_percent_bad()
    pyogrio.write_dataframe(g, tmp_path / "sk.gpkg")
    report = tmp_path / "report.csv"
    result = cli(
        parser,
        "import",
        str(tmp_path / "sk.gpkg"),
        "--into",
        str(ws),
        "--skip-invalid",
        "--report",
        str(report),
    )
    assert result.exit_code == 0, result.output
    rejected = tmp_path / "sk-rejected.gpkg"
    rep = pd.read_csv(report, encoding="utf-8-sig", dtype={"row": "Int64"})
    assert set(rep.loc[rep["severity"] == "rejected", "row"]) == {3, 7, 18}
    assert str(rejected) in rep.loc[rep["code"] == "rows_rejected", "message"].iloc[0]
    assert "imported 27 row(s)" in result.output and "sk-rejected.gpkg" in result.output
    w = open_workspace(ws)
    assert w.is_valid and len(w.parcels) == 1227
    bad = gpd.read_file(rejected)
    assert bad["source_row"].tolist() == [3, 7, 18]
    assert bad["地块编号"].tolist() == ["SK-003", "FX-0001", "SK-018"]
    problems = dict(zip(bad["source_row"], bad["problem"], strict=True))
    assert "outside" in problems[3] and "already in the workspace" in problems[7]
    assert "geometry" in problems[18]
    assert bad.crs.to_epsg() == GK  # as read: the source's CRS

    # The planner fixes the three rows in the rejected file and imports it again.
    spare = inside_squares(40, 60.0, 100.0)[30:33]
    bad["geometry"] = list(spare)
    bad.loc[1, "地块编号"] = "SK-007"
    bad["面积(亩)"] = [round(s.area / (10000 / 15), 4) for s in spare]
    pyogrio.write_dataframe(bad, rejected, layer="rejected")
    again = cli(parser, "import", str(rejected), "--into", str(ws))
    assert again.exit_code == 0, again.output
    w = open_workspace(ws)
    ids = set(w.parcels["parcel_id"])
    assert {f"SK-{i:03d}" for i in range(1, 31)} <= ids and len(w.parcels) == 1230
    assert "problem" not in w.parcels.columns and "source_row" not in w.parcels.columns


def test_a_csv_source_gets_a_csv_rejected_file_at_the_given_path(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    g = parcel_frame(10, prefix="CSV")
    g.loc[4, "状态"] = "拆迁中"  # an unknown status word, not an empty one
    write_csv_wkt(g, tmp_path / "台账.csv")
    target = tmp_path / "out" / "fix-me.csv"
    result = cli(
        parser,
        "import",
        str(tmp_path / "台账.csv"),
        "--into",
        str(ws),
        "--crs",
        str(GK),
        "--skip-invalid",
        "--rejected",
        str(target),
    )
    assert result.exit_code == 0, result.output
    bad = pd.read_csv(target, encoding="utf-8-sig")
    assert bad["地块编号"].tolist() == ["CSV-005"] and "拆迁中" in bad["problem"].iloc[0]
    bad.loc[0, "状态"] = "已腾退"
    bad.to_csv(target, index=False, encoding="utf-8-sig")
    again = cli(parser, "import", str(target), "--into", str(ws))
    assert again.exit_code == 0, again.output
    p = open_workspace(ws).parcels.set_index("parcel_id")
    assert p.loc["CSV-005", "status"] == "released"
    assert shapely.equals_exact(p.loc["CSV-005"].geometry, g.geometry.iloc[4], tolerance=0.01)


def test_an_unwritable_rejected_path_leaves_everything_untouched(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    before = sha(ws)
    pyogrio.write_dataframe(_ten_percent_bad(), tmp_path / "sk.gpkg")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = cli(
        parser,
        "import",
        str(tmp_path / "sk.gpkg"),
        "--into",
        str(ws),
        "--skip-invalid",
        "--rejected",
        str(blocker / "r.gpkg"),
    )
    assert result.exit_code == 2, result.output
    assert "cannot write the rejected rows" in result.output and "--rejected" in result.output
    assert sha(ws) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "fuxing.gpkg", "sk.gpkg"]


def test_rejected_needs_skip_invalid(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    pyogrio.write_dataframe(parcel_frame(1), tmp_path / "p.gpkg")
    result = cli(
        parser, "import", str(tmp_path / "p.gpkg"), "--into", str(ws), "--rejected", "r.gpkg"
    )
    assert result.exit_code == 2 and "--skip-invalid" in result.output


# ---------------------------------------------------------------------------
# The overview's completeness panel
# ---------------------------------------------------------------------------


def _overview(monkeypatch, workspace: Path, lang: str) -> AppTest:
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(workspace))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize(("lang", "title"), [("zh", "数据完整性"), ("en", "Completeness")])
def test_overview_lists_the_fields_parcels_lack(monkeypatch, with_unknowns, lang, title):
    at = _overview(monkeypatch, with_unknowns, lang)
    panels = [e for e in at.expander if str(e.label).startswith(title)]
    assert len(panels) == 1 and panels[0].label == f"{title} (6)"
    table = panels[0].dataframe[0].value
    # every required field but the planned use (given), the id and the district (from
    # the workspace's boundary)
    assert len(table) == 6
    counts = dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))
    assert set(counts.values()) == {1, 6} and sum(v == 1 for v in counts.values()) == 1


def test_overview_of_a_complete_workspace_has_no_panel(monkeypatch):
    at = _overview(monkeypatch, ROOT / "data" / "fuxing.gpkg", "zh")
    assert not [e for e in at.expander if "数据完整性" in str(e.label)]


def test_completeness_counts_every_kind_of_unknown():
    df = pd.DataFrame(
        {
            "parcel_id": ["a", "b", "c"],
            "status": ["stored", UNKNOWN_STATUS, "operating"],
            "polluting_history": [True, np.nan, None],
            "status_since": pd.to_datetime(["2020-01-01", None, None]),
            "district": ["复兴区", "  ", None],
        }
    )
    c = completeness(df).set_index("field")["n_missing"]
    assert c["status"] == 1 and c["polluting_history"] == 2 and c["status_since"] == 2
    assert c["district"] == 2 and c["industry_before"] == 3  # no column at all
    assert "parcel_id" not in c.index


def test_import_page_offers_the_rejected_rows_and_lists_the_unknowns(monkeypatch, tmp_path):
    ws = fuxing_copy(tmp_path)
    g = parcel_frame(10, prefix="APP")[["地块编号", "状态", "geometry"]]
    g.loc[4, "geometry"] = box(600_000, 4_300_000, 600_080, 4_300_080)  # outside the district
    data = g.to_crs(4326).to_json().encode("utf-8")
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(ws))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["lang"] = "en"
    at.run()
    at.switch_page("geo/app/pages/import_data.py").run()
    at.get("file_uploader")[0].upload("台账.geojson", data, "application/geo+json").run()
    at.button(key="import_go").click().run()
    assert not at.exception
    assert not [b for b in at.get("download_button")]  # no --skip-invalid: nothing rejected
    assert {m.label: str(m.value) for m in at.metric}["Errors"] == "1"
    assert at.button(key="import_apply").proto.disabled  # the bad row blocks the file
    at.checkbox(key="import_skip_invalid").check().run()
    at.button(key="import_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    rejected = {m.label: m.value for m in at.metric}["Rows rejected"]
    assert str(rejected) == "1"
    downloads = at.get("download_button")
    assert len(downloads) == 1 and "台账-rejected.geojson" in downloads[0].proto.label
    panel = [e for e in at.expander if e.label == "Completeness"]
    # all but the id, the status and the district (from the workspace's boundary)
    assert panel and len(panel[0].dataframe[0].value) == 6
    at.button(key="import_apply").click().run()
    assert not at.exception
    assert any("Wrote 9 row(s) into parcels" in s.value for s in at.success)


def test_a_parcel_with_no_district_is_still_checked_against_the_boundaries():
    """Found with an incomplete register: an unknown district matched no boundary at all."""
    from geo.validate import validate_parcels_in_district

    w = open_workspace(ROOT / "data" / "fuxing.gpkg")
    far = box(600_000, 4_300_000, 600_080, 4_300_080)
    probe = gpd.GeoDataFrame(
        {"parcel_id": ["IN", "FAR", "FAR-NAN"], "district": [None, None, np.nan]},
        geometry=[inside_squares(1)[0], far, far],
        crs=w.crs,
    )
    got = validate_parcels_in_district({"parcels": probe, "boundaries": w.get("boundaries")})
    assert sorted(p.row_id for p in got) == ["FAR", "FAR-NAN"]
    assert all("every boundary" in p.message for p in got)
