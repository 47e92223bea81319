"""``tenglong benefit`` and ``tenglong check`` on a small GeoPackage workspace."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import box
from typer.testing import CliRunner

from geo.benefit import load_preset
from geo.cli import app
from geo.workspace import save_workspace

GK = 4547
X0, Y0 = 500_000.0, 4_050_000.0
runner = CliRunner()


def sq(i: int):
    return box(X0 + 200 * i, Y0, X0 + 200 * i + 100, Y0 + 100)


def tables(*, clean: bool = False) -> dict[str, pd.DataFrame]:
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3"],
            "name": ["一号", "二号", "三号"],
            "district": ["复兴区"] * 3,
            "status": ["released", "in_production", "supplied"],
            "land_use_now": ["100102"] * 3,
            "land_use_planned": ["100102" if clean else "070101", "100102", "100102"],
            "industry_before": ["铸造"] * 3,
            "polluting_history": [True, False, False],
            "status_since": pd.to_datetime(["2018-05-01", "2019-01-01", "2020-01-01"]),
            "former_enterprise": ["甲铸造厂", None, None],
            "industry": [None, "33", None],
            "far": [None, 0.9 if clean else 0.5, None],
            "coverage": [None, 0.4, None],
            "agreed_start": pd.to_datetime([None, None, "2020-03-01"]),
            "developed_share": [None, None, 0.5 if clean else 0.0],
        },
        geometry=[sq(0), sq(1), sq(2)],
        crs=GK,
    )
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["Z1"],
            "name": ["复兴经济开发区"],
            "name_en": ["Fuxing Economic Development Zone"],
            "kind": ["zone"],
            "layout": ["一区一园一廊"],
            "far_min": [1.0],
            "coverage_min": [0.3],
            "invest_wan_per_mu": [300.0],
        },
        geometry=[box(X0 - 50, Y0 - 50, X0 + 600, Y0 + 150)],
        crs=GK,
    )
    boundaries = gpd.GeoDataFrame(
        {"adcode": ["130404"], "name": ["复兴区"], "level": ["county"]},
        geometry=[box(X0 - 1000, Y0 - 1000, X0 + 2000, Y0 + 2000)],
        crs=GK,
    )
    cfg = load_preset("huangyan_2022")
    b = {i.key: i.benchmark for i in cfg.groups["above"].indicators}
    added = b["added_value_wan_per_mu"] * 10
    enterprises = pd.DataFrame(
        {
            "enterprise_id": ["E1", "E2"],
            "name": ["丁机械", "戊五金"],
            "parcel_id": ["P2", "P2"],
            "land_mu_registered": [10.0, 5.0],
            "land_mu_leased": [0.0, 0.0],
            "scale": ["规上", "规下"],
            "year": [2022, 2022],
            "tax_wan": [b["tax_wan_per_mu"] * 10, 20.0],
            "added_value_wan": [added, 50.0],
            "revenue_wan": [1000.0, 300.0],
            "energy_tce": [added / b["added_value_wan_per_tce"], 10.0],
            "emissions_t": [added / b["added_value_wan_per_t"], None],
            "rd_wan": [b["rd_revenue_ratio"] * 1000.0, 0.0],
            "employees": [added / b["added_value_wan_per_person"], 10],
            "electricity_mwh": [2000.0, 100.0],
        }
    )
    milestones = pd.DataFrame(
        {
            "subject_id": ["Z1", "Z1"],
            "milestone": ["projects fixed", "approvals and drawings"],
            "due": pd.to_datetime(["2018-12-31", "2019-04-30"]),
            "done": pd.to_datetime(["2018-12-20", None]),
        }
    )
    return {
        "parcels": parcels,
        "areas": areas,
        "boundaries": boundaries,
        "enterprises": enterprises,
        "milestones": milestones,
    }


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ws") / "tiny.gpkg"
    return save_workspace(tables(), path, meta={"name": "测试"})


@pytest.fixture(scope="module")
def clean_ws(tmp_path_factory) -> Path:
    """No blocking problem before 2019-04-30, and no enterprises table."""
    t = tables(clean=True)
    del t["enterprises"]
    path = tmp_path_factory.mktemp("ws") / "clean.gpkg"
    return save_workspace(t, path, meta={"name": "clean"})


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


# --- benefit -----------------------------------------------------------------


def test_benefit_table_default_preset(ws):
    r = run("benefit", ws)
    assert r.exit_code == 0, r.output
    assert "黄岩区2022年度工业企业亩均效益综合评价" in r.output
    assert "丁机械" in r.output
    assert "by class" in r.output


@pytest.mark.parametrize("preset", ["huangyan_2021", "huangyan_2022", "percentile_25_70_95"])
def test_benefit_each_preset_as_json(ws, preset):
    r = run("benefit", ws, "--preset", preset, "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["preset"] == preset
    firms = {f["enterprise_id"]: f for f in data["firms"]}
    assert set(firms) == {"E1", "E2"}
    if preset != "huangyan_2021":
        assert firms["E1"]["score"] == pytest.approx(100.0)
    assert sum(s["firms"] for s in data["summary"]) == 2


def test_benefit_csv_columns_carry_units(ws):
    r = run("benefit", ws, "--format", "csv")
    assert r.exit_code == 0, r.output
    header = r.stdout.splitlines()[0].split(",")
    for col in ("land_mu", "tax_wan_per_mu", "added_value_wan_per_tce", "tax_wan_per_mwh"):
        assert col in header


def test_benefit_role_investor_gets_no_firm_names(ws):
    r = run("benefit", ws, "--format", "csv", "--role", "investor")
    assert r.exit_code == 0, r.output
    assert "丁机械" not in r.stdout
    header = r.stdout.splitlines()[0].split(",")
    assert "name" not in header and "enterprise_id" not in header


def test_benefit_summary_and_out_file(ws, tmp_path):
    out = tmp_path / "summary.json"
    r = run("benefit", ws, "--summary", "--out", out)
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "firms" not in data
    assert {s["class"] for s in data["summary"]} <= {"A", "B", "C", "D"}
    csv_out = tmp_path / "firms.csv"
    assert run("benefit", ws, "--format", "csv", "--out", csv_out).exit_code == 0
    assert csv_out.read_text(encoding="utf-8").startswith("enterprise_id,")


def test_benefit_year_option(ws):
    assert run("benefit", ws, "--year", "2022", "--format", "csv").exit_code == 0
    r = run("benefit", ws, "--year", "2019")
    assert r.exit_code == 2
    assert "no enterprises for year 2019" in r.output


def test_benefit_own_config_file(ws, tmp_path):
    cfg = tmp_path / "mine.toml"
    cfg.write_text(
        'name = "mine"\n[classes]\nmethod = "threshold"\nA = 3\nB = 2\nC = 1\n'
        '[groups.all]\nscale = ["规上", "规下"]\n'
        "[groups.all.indicators.tax_wan_per_mu]\nweight = 1\nbenchmark = 1\n",
        encoding="utf-8",
    )
    r = run("benefit", ws, "--config", cfg, "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["preset"] == "mine"


def test_benefit_list_presets():
    r = run("benefit", "unused.gpkg", "--list-presets")
    assert r.exit_code == 0
    assert "huangyan_2022" in r.output and "percentile_25_70_95" in r.output


def test_benefit_unknown_preset_lists_presets(ws):
    r = run("benefit", ws, "--preset", "nope")
    assert r.exit_code == 2
    assert "unknown benefit preset 'nope'" in r.output
    assert "huangyan_2022" in r.output


def test_benefit_malformed_config_names_file_and_key(ws, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[groups.above\n", encoding="utf-8")
    r = run("benefit", ws, "--config", broken)
    assert r.exit_code == 2
    assert "broken.toml is not valid TOML" in r.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[classes]\nmethod = "rank"\n', encoding="utf-8")
    r = run("benefit", ws, "--config", bad)
    assert r.exit_code == 2
    assert "groups" in r.output


def test_benefit_preset_and_config_together_are_refused(ws, tmp_path):
    r = run("benefit", ws, "--preset", "huangyan_2022", "--config", tmp_path / "x.toml")
    assert r.exit_code == 2
    assert "not both" in r.output


def test_benefit_bad_path_and_bad_out_suffix(ws, tmp_path):
    r = run("benefit", tmp_path / "missing.gpkg")
    assert r.exit_code == 2
    assert "does not exist" in r.output
    r = run("benefit", ws, "--out", tmp_path / "table.txt")
    assert r.exit_code == 2
    assert "--format csv" in r.output


def test_benefit_workspace_without_enterprises(clean_ws):
    r = run("benefit", clean_ws)
    assert r.exit_code == 2
    assert "no enterprises" in r.output


# --- check -------------------------------------------------------------------


def findings(ws: Path, *args: object) -> pd.DataFrame:
    r = run("check", ws, "--format", "json", *args)
    assert r.exit_code == 0, r.output
    return pd.DataFrame(json.loads(r.stdout))


def test_check_finds_each_kind_of_problem(ws):
    f = findings(ws, "--as-of", "2021-06-01")
    blocking = f[f["severity"] == "blocking"]
    assert set(blocking["check"]) == {"control", "soil", "milestone"}
    soil = blocking[blocking["check"] == "soil"].iloc[0]
    assert (soil["subject_id"], soil["rule_id"]) == ("P1", "first_class_land")
    assert soil["area_mu"] == pytest.approx(15.0, rel=1e-3)
    control = blocking[blocking["check"] == "control"].set_index("rule_id")
    assert control.loc["far_min", "subject_id"] == "P2"
    assert control.loc["far_min", "required"] == 0.7
    info = f[f["severity"] == "info"]
    invest = info[info["rule_id"] == "invest_min"].iloc[0]
    assert "column invest_wan_per_mu absent" in invest["message_en"]  # not guessed
    milestone = blocking[blocking["check"] == "milestone"].iloc[0]
    assert "approvals and drawings" in milestone["message_en"]
    assert milestone["actual"] == "763 d"
    idle = f[(f["check"] == "idle") & (f["status"] == "idle")]
    assert idle["subject_id"].tolist() == ["P3"]
    assert idle.iloc[0]["severity"] == "warning"
    assert "column halted_since absent" in " ".join(info["message_en"])


def test_check_as_of_moves_the_clocks(ws):
    f = findings(ws, "--as-of", "2019-01-01")
    assert "milestone" not in set(f.loc[f["severity"] == "blocking", "check"])
    assert not ((f["check"] == "idle") & (f["status"] == "idle")).any()


def test_check_exit_codes_with_and_without_strict(ws, clean_ws):
    assert run("check", ws, "--as-of", "2021-06-01").exit_code == 0
    strict = run("check", ws, "--as-of", "2021-06-01", "--strict")
    assert strict.exit_code == 1
    assert "blocking problem(s) found" in strict.output
    assert run("check", clean_ws, "--as-of", "2019-01-01", "--strict").exit_code == 0


def test_check_table_and_info_rows(ws):
    r = run("check", ws, "--as-of", "2021-06-01")
    assert r.exit_code == 0, r.output
    assert "blocking" in r.output and "list them with --info" in r.output
    r = run("check", ws, "--as-of", "2021-06-01", "--info")
    assert "info" in r.output


def test_check_csv_to_file(ws, tmp_path):
    out = tmp_path / "findings.csv"
    r = run("check", ws, "--as-of", "2021-06-01", "--format", "csv", "--out", out)
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    assert list(df.columns[:4]) == ["check", "severity", "subject_id", "rule_id"]
    assert "area_mu" in df.columns


def test_check_bad_inputs(ws, tmp_path):
    r = run("check", ws, "--as-of", "01/06/2021")
    assert r.exit_code == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("[rules\n", encoding="utf-8")
    r = run("check", ws, "--control-config", broken)
    assert r.exit_code == 2
    assert "broken.toml is not valid TOML" in r.output
    r = run("check", tmp_path / "nope.gpkg")
    assert r.exit_code == 2
    assert "does not exist" in r.output
