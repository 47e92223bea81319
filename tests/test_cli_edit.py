"""``tenglong set-status``, ``set-field``, ``history`` and ``serve``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from geo.cli import app
from geo.cli.edit import APP_PATH, serve_command
from geo.store import open_store

pytest_plugins = ("pg_fixture",)

runner = CliRunner()


def test_set_status_and_history(tiny_target):
    res = runner.invoke(
        app,
        [
            "set-status",
            tiny_target,
            "P3",
            "to_release",
            "--date",
            "2024-03-01",
            "--note",
            "区政府会议纪要",
            "--user",
            "王工",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "version 1" in res.output and "operating" in res.output and "王工" in res.output
    res = runner.invoke(
        app,
        [
            "set-status",
            tiny_target,
            "P3",
            "released",
            "--date",
            "2024-04-01",
            "--expect-version",
            "1",
            "--user",
            "李工",
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["history", tiny_target, "P3", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert [(r["who"], r["field"], r["after"]) for r in rows] == [
        ("王工", "status", "to_release"),
        ("王工", "status_since", "2024-03-01"),
        ("李工", "status", "released"),
        ("李工", "status_since", "2024-04-01"),
        ("李工", "released_on", "2024-04-01"),
    ]
    assert rows[0]["note"] == "区政府会议纪要"
    res = runner.invoke(app, ["history", tiny_target, "P3"])
    assert res.exit_code == 0 and "5 audit row(s)" in res.output
    res = runner.invoke(app, ["history", tiny_target, "--format", "csv", "--limit", "1"])
    assert res.output.splitlines()[0].startswith("at,who,table_name,row_id,field")
    assert len(res.output.splitlines()) == 2


def test_exit_codes(tiny_target):
    bad = [
        ["set-status", tiny_target, "P3", "supplied"],  # not a lifecycle step
        ["set-status", tiny_target, "P3", "gone"],  # unknown status
        ["set-status", tiny_target, "P99", "to_release"],  # unknown parcel
        ["set-field", tiny_target, "P1", "colour", "red"],  # unknown field
        ["set-field", tiny_target, "P1", "owner"],  # no value
    ]
    for argv in bad:
        res = runner.invoke(app, argv)
        assert res.exit_code == 2, (argv, res.output)
        assert "error:" in res.output
    res = runner.invoke(app, ["set-status", "missing.gpkg", "P1", "stored"])
    assert res.exit_code == 2 and "does not exist" in res.output
    ok = runner.invoke(app, ["set-field", tiny_target, "P1", "owner", "甲2", "--user", "a"])
    assert ok.exit_code == 0, ok.output
    conflict = runner.invoke(
        app, ["set-field", tiny_target, "P1", "owner", "甲3", "--expect-version", "0"]
    )
    assert conflict.exit_code == 1 and "reload" in conflict.output
    cleared = runner.invoke(app, ["set-field", tiny_target, "P1", "contact", "--clear"])
    assert cleared.exit_code == 0, cleared.output
    with open_store(tiny_target, user="check") as s:
        p = s.parcel("P1")
        assert p.values["owner"] == "甲2" and p.values["contact"] is None and p.row_version == 2


def test_cli_refuses_edits_in_investor_mode(tiny_target, monkeypatch):
    monkeypatch.setenv("TENGLONG_MODE", "investor")
    res = runner.invoke(app, ["set-status", tiny_target, "P3", "to_release"])
    assert res.exit_code == 2 and "investor mode" in res.output
    res = runner.invoke(app, ["history", tiny_target])
    assert res.exit_code == 2


def test_serve_investor_mode_command(monkeypatch):
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    argv, env = serve_command("data/wuan.gpkg", mode="investor", port=8600, address="127.0.0.1")
    assert env["TENGLONG_MODE"] == "investor" and env["TENGLONG_WORKSPACE"] == "data/wuan.gpkg"
    assert argv[1:4] == ["-m", "streamlit", "run"] and argv[4] == str(APP_PATH)
    assert argv[argv.index("--server.port") + 1] == "8600"
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"
    res = runner.invoke(app, ["serve", "--mode", "investor", "--dry-run"])
    assert res.exit_code == 0 and res.output.startswith("TENGLONG_MODE=investor ")
    assert "--server.address localhost" in res.output
    res = runner.invoke(app, ["serve", "--mode", "public"])
    assert res.exit_code == 2


def test_serve_investor_mode_passes_the_locked_down_streamlit_options(monkeypatch):
    from geo.cli.edit import INVESTOR_STREAMLIT_OPTIONS

    argv, _ = serve_command("data/fuxing.gpkg", mode="investor", port=8600, address="127.0.0.1")
    pairs = dict(zip(argv[5::2], argv[6::2], strict=False))
    expected = {
        "--client.toolbarMode": "minimal",
        "--client.showErrorDetails": "none",
        "--server.enableXsrfProtection": "true",
        "--browser.gatherUsageStats": "false",
        "--global.developmentMode": "false",
        "--runner.magicEnabled": "false",
        "--server.runOnSave": "false",
    }
    for option, value in expected.items():
        assert pairs.get(option) == value, option
    assert set(dict(INVESTOR_STREAMLIT_OPTIONS)) <= set(pairs)
    planner, _ = serve_command(None, mode="planner", port=8501, address="localhost")
    assert "--client.toolbarMode" not in planner  # the planner's own settings stay


def test_streamlit_accepts_every_investor_option():
    """A mistyped option would stop streamlit at start: each one is a real config option."""
    from streamlit import config

    from geo.cli.edit import INVESTOR_STREAMLIT_OPTIONS

    for option, _ in INVESTOR_STREAMLIT_OPTIONS:
        assert option.removeprefix("--") in config._config_options_template, option


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "10.0.0.5", "example.org", ""])
def test_serve_refuses_an_open_planner_instance_without_a_login(monkeypatch, tmp_path, address):
    monkeypatch.delenv("TENGLONG_ALLOW_OPEN_PLANNER", raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    monkeypatch.setenv("HOME", str(tmp_path))
    res = runner.invoke(app, ["serve", "--address", address, "--dry-run"])
    assert res.exit_code == 2, res.output
    assert "no login is configured" in " ".join(res.output.split())
    # investors may be served on any address
    res = runner.invoke(app, ["serve", "--mode", "investor", "--address", address, "--dry-run"])
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("address", ["localhost", "127.0.0.1", "::1", "127.0.0.2"])
def test_serve_planner_on_loopback_needs_no_login(monkeypatch, tmp_path, address):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    res = runner.invoke(app, ["serve", "--address", address, "--dry-run"])
    assert res.exit_code == 0, res.output


def test_serve_open_planner_with_a_login_or_the_loud_override(monkeypatch, tmp_path, caplog):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("TENGLONG_ALLOW_OPEN_PLANNER", raising=False)
    res = runner.invoke(app, ["serve", "--address", "0.0.0.0", "--allow-open-planner", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "without a login" in " ".join(res.output.split())
    assert any("PLANNER INSTANCE OPEN WITHOUT LOGIN" in r.getMessage() for r in caplog.records)
    monkeypatch.setenv("TENGLONG_ALLOW_OPEN_PLANNER", "1")
    assert runner.invoke(app, ["serve", "--address", "0.0.0.0", "--dry-run"]).exit_code == 0
    monkeypatch.delenv("TENGLONG_ALLOW_OPEN_PLANNER")
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[auth]\nredirect_uri = "https://plan.example.org/oauth2callback"\n'
    )
    res = runner.invoke(app, ["serve", "--address", "0.0.0.0", "--dry-run"])
    assert res.exit_code == 0, res.output
