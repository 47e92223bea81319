"""GDAL's "prefix the path with '<DRIVER>:'" hint never reaches a user.

The bad inputs: a text file named ``.gpkg`` and a zip holding a text file,
opened as workspaces (``tenglong info/summary/export/import --into``, the
app, the province-size check). pyogrio's own error for them carries the
hint; the messages Tenglong shows must not, and must still say what is wrong
and what to do.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyogrio
import pytest
from pyogrio.errors import DataSourceError
from typer.testing import CliRunner

from geo.cli import app
from geo.dataset.large import count_parcels
from geo.gdal import gdal_message
from geo.io.sources import _clean_message
from geo.workspace import WorkspaceError, open_workspace
from tests.test_app import run_page

runner = CliRunner()
HINT_WORDS = ("<DRIVER>", "DRIVER", "prefix", "It might help")


def assert_no_hint(text: str) -> None:
    for word in HINT_WORDS:
        assert word not in text, text


@pytest.fixture
def text_gpkg(tmp_path: Path) -> Path:
    p = tmp_path / "notes.gpkg"
    p.write_text("这不是 GeoPackage, just a text file\n", encoding="utf-8")
    return p


@pytest.fixture
def text_zip(tmp_path: Path) -> Path:
    p = tmp_path / "not-a-shapefile.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("readme.txt", "no shapefile here")
    return p


def _gdal_error(path: Path) -> str:
    with pytest.raises(DataSourceError) as info:
        pyogrio.list_layers(path)
    return str(info.value)


def test_pyogrio_itself_gives_the_hint_for_these_files(text_gpkg, text_zip):
    """Guard: the inputs do trigger the hint, so the tests below can fail."""
    for p in (text_gpkg, text_zip):
        assert "<DRIVER>" in _gdal_error(p)


def test_gdal_message_drops_the_hint_and_keeps_the_reason(text_gpkg, text_zip):
    for p in (text_gpkg, text_zip):
        msg = gdal_message(_gdal_error(p))
        assert_no_hint(msg)
        assert "not recognized as being in a supported file format" in msg
        assert p.name in msg and "/vsizip/" not in msg
    assert gdal_message("no such layer 'x'") == "no such layer 'x'"


def test_import_worker_messages_drop_the_hint(text_gpkg):
    msg = _clean_message(_gdal_error(text_gpkg), text_gpkg.name)
    assert_no_hint(msg)
    assert "supported file format" in msg


@pytest.mark.parametrize("kind", ["text_gpkg", "text_zip"])
def test_open_workspace_error_has_no_hint(kind, request):
    p = request.getfixturevalue(kind)
    with pytest.raises(WorkspaceError) as info:
        open_workspace(p)
    msg = str(info.value)
    assert_no_hint(msg)
    assert "cannot be read as a GeoPackage" in msg and "check that it is a .gpkg" in msg


def test_province_count_error_has_no_hint(text_gpkg):
    with pytest.raises(WorkspaceError) as info:
        count_parcels(text_gpkg)
    assert_no_hint(str(info.value))


@pytest.mark.parametrize(
    "args",
    [
        ["info", "{ws}"],
        ["summary", "{ws}"],
        ["export", "{ws}", "--out", "{out}"],
        ["import", "{zip}", "--into", "{ws}", "--dry-run"],
    ],
)
def test_cli_errors_have_no_hint(args, text_gpkg, text_zip, tmp_path):
    filled = [a.format(ws=text_gpkg, zip=text_zip, out=tmp_path / "x.xlsx") for a in args]
    res = runner.invoke(app, filled)
    assert res.exit_code != 0
    out = " ".join(res.output.split())  # rich wraps long lines
    assert "notes.gpkg" in out
    assert_no_hint(out)


def test_app_error_has_no_hint(monkeypatch, text_gpkg):
    at = run_page(monkeypatch, workspace=text_gpkg, lang="en")
    assert not at.exception
    errors = [e.value for e in at.error if "cannot be opened" in e.value]
    assert errors, [e.value for e in at.error]
    for e in errors:
        assert_no_hint(e)
