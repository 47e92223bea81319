"""`tenglong export` on bad input: a clear message, exit code 2, no file left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geo.cli import app
from geo.cli.export import EXPORTERS, ExportRequest, register_exporter, run_export
from geo.export import FORMATS, export_bytes, export_file

DATA = Path(__file__).resolve().parent.parent / "data"
WUAN = str(DATA / "wuan.gpkg")
runner = CliRunner()


def _fails(tmp_path: Path, *args: str) -> str:
    res = runner.invoke(app, ["export", WUAN, *args])
    assert res.exit_code == 2, res.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == [], "nothing may be written"
    return " ".join(res.output.split())


def test_unknown_format_lists_the_supported_ones(tmp_path):
    msg = _fails(tmp_path, "--format", "docx", "--out", str(tmp_path / "x.docx"))
    assert "unknown format 'docx'" in msg
    for name in FORMATS:
        assert name in msg


def test_format_from_the_suffix_or_a_clear_message(tmp_path):
    msg = _fails(tmp_path, "--out", str(tmp_path / "x.dat"))  # .txt is the 报盘 txt
    assert "cannot tell the format from x.dat" in msg and ".zip" in msg
    res = runner.invoke(app, ["export", WUAN, "--out", str(tmp_path / "x.geojson")])
    assert res.exit_code == 0 and (tmp_path / "x.geojson").read_bytes().startswith(b"{")


def test_unknown_site_lists_valid_ones(tmp_path):
    msg = _fails(tmp_path, "--out", str(tmp_path / "s.pdf"), "--site", "WA-9999")
    assert "unknown site 'WA-9999'" in msg and "WA-0001" in msg and "WA-DS" in msg


def test_unknown_area_lists_valid_ones(tmp_path):
    msg = _fails(tmp_path, "--out", str(tmp_path / "a.xlsx"), "--area", "NOPE")
    assert "unknown area 'NOPE'" in msg and "WA-DS" in msg and "WA-GY" in msg


def test_area_and_site_together(tmp_path):
    msg = _fails(tmp_path, "--out", str(tmp_path / "a.pdf"), "--area", "WA-DS", "--site", "WA-0001")
    assert "give --area or --site, not both" in msg


def test_unknown_layout_lists_valid_ones(tmp_path):
    msg = _fails(tmp_path, "--out", str(tmp_path / "a.xlsx"), "--layout", "三区")
    assert "unknown layout '三区'" in msg and "WA-DS" in msg


def test_missing_output_folder(tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "x.xlsx"
    msg = _fails(tmp_path, "--out", str(out))
    assert "does not exist" in msg and "mkdir -p" in msg


def test_unknown_role_and_language(tmp_path):
    msg = _fails(tmp_path, "--out", str(tmp_path / "x.csv"), "--role", "boss")
    assert "unknown role 'boss'" in msg and "investor" in msg
    msg = _fails(tmp_path, "--out", str(tmp_path / "x.csv"), "--lang", "fr")
    assert "unknown language 'fr'" in msg


def test_shapefile_export_is_a_zip(tmp_path):
    msg = _fails(tmp_path, "--format", "shp", "--out", str(tmp_path / "x.shp"))
    assert "x.zip" in msg


def test_investor_may_not_have_a_site_sheet_of_an_unavailable_parcel(tmp_path):
    msg = _fails(
        tmp_path, "--out", str(tmp_path / "s.pdf"), "--role", "investor", "--site", "WA-0005"
    )
    assert "not available to role investor" in msg and "available sites:" in msg


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    out = tmp_path / "x.csv"
    out.write_text("old", encoding="utf-8")

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        export_file(WUAN, out)
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_every_format_is_an_exporter_and_more_can_be_registered(tmp_path):
    assert set(FORMATS) <= set(EXPORTERS)

    def export_note(req: ExportRequest) -> Path:
        req.out.write_text(req.role, encoding="utf-8")
        return req.out

    assert "note" not in EXPORTERS
    register_exporter("NOTE", export_note)
    try:
        req = ExportRequest(workspace=Path(WUAN), out=tmp_path / "x.note", role="investor")
        assert run_export(req, fmt="note").read_text(encoding="utf-8") == "investor"
    finally:
        EXPORTERS.pop("note")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_bytes_api(fmt):
    ws = WUAN
    data, name, mime = export_bytes(ws, fmt=fmt, role="investment", lang="en", area_id="WA-DS")
    assert data and mime and name.startswith("wuan-area-WA-DS")
    assert name.endswith("." + FORMATS[fmt].ext)


def test_investor_mode_process_exports_for_investors_only(tmp_path, monkeypatch):
    monkeypatch.setenv("TENGLONG_MODE", "investor")
    msg = _fails(tmp_path, "--out", str(tmp_path / "x.csv"))
    assert "investor mode" in msg
    data, name, _ = export_bytes(WUAN, fmt="csv", role="investor", table="parcels")
    assert name == "wuan-release-parcels-investor.csv"
    text = data.decode("utf-8-sig")
    assert "WA-0001" in text and "WA-0005" not in text  # stored yes, supplied no
