"""The PostGIS store on a real server: migration both ways, identical figures, server-side roles."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from geo.access import RoleError
from geo.cli import app
from geo.release import release_summary
from geo.schema import FREED_STATUSES
from geo.store import StoreError, open_store
from geo.store.gpkgblob import register_functions
from geo.store.migrate import gpkg_to_postgis, migrate, postgis_to_gpkg
from geo.store.postgis import parse_pg_url, redact_url
from geo.workspace import open_workspace

try:
    import psycopg
except ImportError:  # the pg_server fixture skips (or fails under CI) with the fix
    psycopg = None

pytest_plugins = ("pg_fixture",)

DATA = Path(__file__).resolve().parent.parent / "data"
runner = CliRunner()


@pytest.fixture(scope="module")
def fuxing_pg(pg_server, tmp_path_factory) -> tuple[Path, str]:
    """data/fuxing.gpkg (a copy) and the same workspace migrated to a PostGIS schema."""
    src = Path(shutil.copy(DATA / "fuxing.gpkg", tmp_path_factory.mktemp("fx") / "fuxing.gpkg"))
    url = pg_server.schema_url("fuxing_ref")
    report = migrate(src, url)
    assert report.rows["parcels"] == 1200
    return src, url


def test_postgis_workspace_gives_the_same_figures(fuxing_pg):
    src, url = fuxing_pg
    ref = open_workspace(src)
    with open_store(url, user="王工", role="investment") as store:
        ws = store.load_workspace()
    assert ws.is_valid and ws.crs == ref.crs and ws.meta == ref.meta
    assert set(ws.tables) == set(ref.tables) | {"audit"}  # migration adds the (empty) audit
    assert ws["audit"].empty
    for name, df in ref.tables.items():
        assert len(ws[name]) == len(df), name
        cols = [c for c in df.columns if c != "row_version"]
        assert [c for c in ws[name].columns if c != "row_version"] == cols, name

    def freed_mu(w):
        p = w.parcels
        return p.loc[p["status"].isin(FREED_STATUSES), "area_mu"].sum()

    assert freed_mu(ref) == pytest.approx(10_269.0, abs=0.5)
    assert freed_mu(ws) == pytest.approx(freed_mu(ref), rel=1e-9)
    a = ref.parcels.set_index("parcel_id")["area_m2"]
    b = ws.parcels.set_index("parcel_id")["area_m2"].reindex(a.index)
    assert np.all(np.abs(b / a - 1.0) <= 1e-9)
    # geometry is bit-identical (WKB both ways)
    assert all(
        shapely.equals_exact(g1, g2, 0)
        for g1, g2 in zip(ref.parcels.geometry, ws.parcels.geometry, strict=True)
    )
    # a full release summary by area and status agrees to 1e-9
    s_ref = release_summary(ref.parcels, ref.areas, by=("area", "status"))
    s_pg = release_summary(ws.parcels, ws.areas, by=("area", "status"))
    num = s_ref.select_dtypes("number").columns
    pd.testing.assert_frame_equal(s_ref[num], s_pg[num], rtol=1e-9)


def test_round_trip_back_to_geopackage_keeps_edits_and_audit(fuxing_pg, tmp_path, make_schema_url):
    src, _ = fuxing_pg
    url = make_schema_url()
    gpkg_to_postgis(src, url)
    with open_store(url, user="王工") as s:
        s.set_status("FX-0001", "released", on="2024-05-01", note="批复")
        s.update_parcel("FX-0001", {"owner": "储备中心"}, expected_version=1)
    back = tmp_path / "back.gpkg"
    report = postgis_to_gpkg(url, back)
    assert report.rows["audit"] == 4
    ws = open_workspace(back)
    assert ws.is_valid
    p = ws.parcels.set_index("parcel_id").loc["FX-0001"]
    assert p["status"] == "released" and p["owner"] == "储备中心" and p["row_version"] == 2
    assert p["released_on"] == pd.Timestamp("2024-05-01")
    audit = ws["audit"]
    assert list(audit["field"]) == ["status", "status_since", "released_on", "owner"]
    assert audit["at"].str.endswith("+00:00").all()
    # and editing the copied GeoPackage continues the version chain
    with open_store(back, user="李工") as s:
        r = s.set_status("FX-0001", "stored", on="2024-06-01", expected_version=2)
        assert r.row_version == 3
        assert len(s.history("FX-0001")) == 6
    # the copy back into a new schema is identical again
    url2 = make_schema_url()
    migrate(back, url2)
    with open_store(url2, user="x", role="investment") as s:
        assert s.parcel("FX-0001").row_version == 3
        assert list(s.history("FX-0001")["row_version"]) == [1, 1, 1, 2, 3, 3]


def test_migrate_refuses_to_overwrite_without_replace(fuxing_pg, tmp_path):
    src, url = fuxing_pg
    with pytest.raises(StoreError, match=r"already holds a workspace.*--replace"):
        gpkg_to_postgis(src, url)
    out = tmp_path / "x.gpkg"
    out.write_bytes(b"keep me")
    with pytest.raises(StoreError, match="exists"):
        postgis_to_gpkg(url, out)
    assert out.read_bytes() == b"keep me"
    with pytest.raises(StoreError, match="one GeoPackage and one postgresql"):
        migrate(src, tmp_path / "y.gpkg")


def test_migrate_is_one_transaction(tiny_path, make_schema_url):
    src = tiny_path
    url = make_schema_url()
    # a date column holding text that is not a date: refused before anything is written
    db = sqlite3.connect(src)
    register_functions(db)  # GDAL's R-tree triggers need ST_IsEmpty…
    db.execute("UPDATE parcels SET status_since = 'soon' WHERE parcel_id = 'P1'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="not dates"):
        gpkg_to_postgis(src, url)
    _, schema = parse_pg_url(url)
    with psycopg.connect(parse_pg_url(url)[0]) as c:
        n = c.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchone()[0]
    assert n == 0


def test_cli_migrate_both_ways(pg_server, tiny_path, make_schema_url, tmp_path):
    src = tiny_path
    url = make_schema_url()
    res = runner.invoke(app, ["migrate", str(src), url])
    assert res.exit_code == 0, res.output
    assert "parcels=4" in res.output and pg_server.password not in res.output
    res = runner.invoke(
        app,
        [
            "set-status",
            url,
            "P3",
            "to_release",
            "--date",
            "2024-01-02",
            "--note",
            "清单",
            "--user",
            "王工",
        ],
    )
    assert res.exit_code == 0, res.output
    out = tmp_path / "out.gpkg"
    res = runner.invoke(app, ["migrate", url, str(out)])
    assert res.exit_code == 0, res.output
    ws = open_workspace(out)
    assert ws.parcels.set_index("parcel_id").loc["P3", "status"] == "to_release"
    res = runner.invoke(app, ["migrate", str(src), url])
    assert res.exit_code == 2 and "--replace" in res.output
    res = runner.invoke(app, ["migrate", str(src), url, "--replace"])
    assert res.exit_code == 0, res.output


def test_read_only_roles_are_refused_by_the_server(fuxing_pg):
    _, url = fuxing_pg
    with (
        open_store(url, user="招商", role="investment") as s,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
        s._conn.transaction(),
    ):
        s._conn.execute(
            f'UPDATE "{s.schema}".parcels SET owner = %s WHERE parcel_id = %s', ("x", "FX-0001")
        )
    with pytest.raises(RoleError):
        gpkg_to_postgis(DATA / "fuxing.gpkg", url, replace=True, role="investment")


def test_investor_load_never_selects_internal_columns(fuxing_pg, monkeypatch):
    _, url = fuxing_pg
    with open_store(url, user="访客", role="investor") as s:
        sent: list[str] = []
        original = s._conn.execute

        def spy(query, params=None, **kw):
            sent.append(query.as_string(s._conn) if hasattr(query, "as_string") else str(query))
            return original(query, params, **kw)

        monkeypatch.setattr(s._conn, "execute", spy)
        ws = s.load_workspace()
    text = "\n".join(sent)
    for hidden in ("owner", "contact", "former_enterprise", "compensation_wan_yuan"):
        assert f'"{hidden}"' not in text
    assert '"enterprises"' not in text and '"audit"' not in text
    assert set(ws.parcels["status"]) <= {"released", "stored"}
    assert len(ws.parcels) > 0


def test_url_helpers_and_errors(pg_server):
    assert redact_url(pg_server.url).count(pg_server.password) == 0
    with pytest.raises(StoreError, match=r"no parcels table.*tenglong migrate"):
        open_store(pg_server.schema_url("nothing_here"), user="x")
    bad = pg_server.url.replace(pg_server.password, "wrong") + "?schema=x"
    with pytest.raises(StoreError, match=r"cannot connect.*PGPASSWORD") as info:
        open_store(bad, user="x")
    assert "wrong" not in str(info.value)


def test_reconnects_after_the_server_drops_the_connection(tiny_path, make_schema_url):
    url = make_schema_url()
    gpkg_to_postgis(tiny_path, url)

    def kill_backend(store) -> None:
        pid = store._conn.info.backend_pid
        with psycopg.connect(parse_pg_url(url)[0], autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    with open_store(url, user="王工") as s:
        kill_backend(s)
        assert s.parcel("P1").values["status"] == "released"  # read retried on a new connection
        kill_backend(s)
        with pytest.raises(StoreError, match="nothing was saved"):
            s.update_parcel("P1", {"owner": "x"})
        r = s.update_parcel("P1", {"owner": "x"}, expected_version=0)
        assert r.row_version == 1 and len(s.history("P1")) == 1
        kill_backend(s)
        assert len(s.history("P1")) == 1


def test_a_full_database_disk_is_a_clear_message_and_saves_nothing(tiny_path, make_schema_url):
    """The server raises SQLSTATE 53100 (disk_full) inside the edit: nothing is half-saved."""
    url = make_schema_url()
    gpkg_to_postgis(tiny_path, url)
    conninfo, schema = parse_pg_url(url)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(
            f"CREATE FUNCTION {schema}.full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
            "USING ERRCODE = 'disk_full'; END $$"
        )
        admin.execute(
            f"CREATE TRIGGER full_disk BEFORE INSERT ON {schema}.audit "
            f"FOR EACH ROW EXECUTE FUNCTION {schema}.full_disk()"
        )
    with open_store(url, user="王工") as s:
        before = s.parcel("P1")
        with pytest.raises(StoreError, match=r"no room to save.*53100.*nothing was saved"):
            s.update_parcel("P1", {"owner": "x"})
        after = s.parcel("P1")
        assert after.values == before.values and after.row_version == before.row_version
        assert s.history("P1").empty
