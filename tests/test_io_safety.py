"""A bad file never hurts the server or the workspace.

Every hostile or broken input ends in a :class:`DataImportError` with advice,
and the workspace file is byte-identical afterwards. The parser process is
killed when it runs over its time or memory limit.
"""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import stat
import zipfile
from pathlib import Path

import pyogrio
import pytest
from fixtures_io import (
    fuxing_copy,
    gbk_zip_bytes,
    kml_billion_laughs,
    kml_xxe,
    parcel_frame,
    vrt_pointing_at,
    write_kml,
    write_shapefile,
    zip_bomb,
    zip_slip,
)
from typer.testing import CliRunner

from geo.cli import app
from geo.io import (
    CorruptSourceError,
    DataImportError,
    ImportLimits,
    ParserSession,
    ResourceLimitError,
    SourceFile,
    UnsafeSourceError,
    UnsupportedSourceError,
    read_source,
    use_session,
)
from geo.io.safety import ALLOWED_GDAL_DRIVERS, check_xml, open_zip, sniff_format

SECRET = "TOP-SECRET-42"
runner = CliRunner()


@pytest.fixture(scope="module")
def parser():
    with ParserSession() as session:
        yield session


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.csv"
    path.write_text(f"name\n{SECRET}\n", encoding="utf-8")
    return path


def _zip(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _valid_kml(tmp_path: Path) -> bytes:
    return write_kml(parcel_frame(2), tmp_path / "ok.kml").read_bytes()


def _valid_gpkg(tmp_path: Path) -> bytes:
    pyogrio.write_dataframe(parcel_frame(2), tmp_path / "ok.gpkg")
    return (tmp_path / "ok.gpkg").read_bytes()


def _shapefile_parts(tmp_path: Path) -> dict[str, bytes]:
    shp = write_shapefile(parcel_frame(2), tmp_path / "ok.shp")
    return {p.suffix: p.read_bytes() for p in tmp_path.glob(shp.stem + ".*")}


def _xlsx_with_doctype(tmp_path: Path) -> bytes:
    import pandas as pd

    path = tmp_path / "ok.xlsx"
    pd.DataFrame({"a": [1]}).to_excel(path, index=False)
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    files["xl/workbook.xml"] = (
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + files["xl/workbook.xml"]
    )
    return _zip(files)


def _symlink_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("link.geojson")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def _encrypted_zip() -> bytes:
    """A zip whose entry is flagged as encrypted (bit 0 in both headers)."""
    data = bytearray(_zip({"a.geojson": b'{"type": "FeatureCollection", "features": []}'}))
    data[6] |= 0x1  # local file header flags
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1  # central directory flags
    return bytes(data)


def _sqlite_not_gpkg(tmp_path: Path) -> bytes:
    path = tmp_path / "plain.sqlite"
    con = sqlite3.connect(path)
    con.execute("create table t (x)")
    con.commit()
    con.close()
    return path.read_bytes()


# name → (file name, bytes builder, expected error class)
BAD_INPUTS = {
    "vrt_pointing_at_secret": ("leak.vrt", lambda t, s: vrt_pointing_at(s), UnsafeSourceError),
    "vrt_renamed_geojson": ("parcels.geojson", lambda t, s: vrt_pointing_at(s), UnsafeSourceError),
    "vrt_renamed_kml": ("parcels.kml", lambda t, s: vrt_pointing_at(s), UnsafeSourceError),
    "vrt_inside_zip_as_shp": (
        "data.zip",
        lambda t, s: _zip({"sub/parcels.geojson": vrt_pointing_at(s)}),
        UnsafeSourceError,
    ),
    "gdalg_pipeline_json": (
        "parcels.geojson",
        lambda t, s: (
            '{"type": "gdal_streamed_alg", "command_line": "gdal vector pipeline ! read '
            + str(s)
            + ' ! write streamed_dataset --output-format=stream"}'
        ).encode(),
        UnsafeSourceError,
    ),
    "kml_xxe": ("xxe.kml", lambda t, s: kml_xxe(s), UnsafeSourceError),
    "kml_billion_laughs": ("lol.kml", lambda t, s: kml_billion_laughs(), UnsafeSourceError),
    "kml_utf16_xxe": (
        "xxe16.kml",
        lambda t, s: b"\xff\xfe" + kml_xxe(s).decode().encode("utf-16-le"),
        UnsafeSourceError,
    ),
    "kmz_with_xxe": ("xxe.kmz", lambda t, s: _zip({"doc.kml": kml_xxe(s)}), UnsafeSourceError),
    "kml_network_link": (
        "link.kml",
        lambda t, s: (
            b'<kml xmlns="http://www.opengis.net/kml/2.2"><NetworkLink><Link><href>'
            b"http://example.com/x.kml</href></Link></NetworkLink></kml>"
        ),
        UnsafeSourceError,
    ),
    "xlsx_with_doctype": ("ledger.xlsx", lambda t, s: _xlsx_with_doctype(t), UnsafeSourceError),
    "zip_slip_entry": (
        "slip.zip",
        lambda t, s: zip_slip(t / "slip.zip", b"{}").read_bytes(),
        UnsafeSourceError,
    ),
    "zip_bomb_ratio_1000": (
        "bomb.zip",
        lambda t, s: zip_bomb(t / "bomb.zip").read_bytes(),
        UnsafeSourceError,
    ),
    "zip_symlink_entry": ("link.zip", lambda t, s: _symlink_zip(), UnsafeSourceError),
    "zip_encrypted_entry": ("locked.zip", lambda t, s: _encrypted_zip(), UnsafeSourceError),
    "zip_in_zip_in_zip": (
        "nested.zip",
        lambda t, s: _zip({"a.zip": _zip({"b.zip": _zip({"c.geojson": b"{}"})})}),
        UnsafeSourceError,
    ),
    "zip_with_two_datasets": (
        "two.zip",
        lambda t, s: _zip({"a.geojson": b"{}", "b.kml": b"<kml/>"}),
        DataImportError,
    ),
    "zip_without_dataset": (
        "docs.zip",
        lambda t, s: _zip({"readme.md": b"hi"}),
        UnsupportedSourceError,
    ),
    "truncated_zip": (
        "cut.zip",
        lambda t, s: _zip({"a.geojson": b"{}" * 1000})[:-30],
        CorruptSourceError,
    ),
    "truncated_gpkg": ("cut.gpkg", lambda t, s: _valid_gpkg(t)[:30_000], CorruptSourceError),
    "truncated_kml": ("cut.kml", lambda t, s: _valid_kml(t)[:700], CorruptSourceError),
    "truncated_shapefile_in_zip": (
        "cut.zip",
        lambda t, s: gbk_zip_bytes(
            {f"地块/p{k}": v[: len(v) // 2] for k, v in _shapefile_parts(t).items()}
        ),
        CorruptSourceError,
    ),
    "byte_mutated_gpkg_header": (
        "mut.gpkg",
        lambda t, s: (lambda b: b[:100] + bytes(200) + b[300:])(_valid_gpkg(t)),
        CorruptSourceError,
    ),
    "shapefile_without_dbf": (
        "nodbf.zip",
        lambda t, s: _zip({f"p{k}": v for k, v in _shapefile_parts(t).items() if k != ".dbf"}),
        DataImportError,
    ),
    "geojson_not_json": (
        "junk.geojson",
        lambda t, s: b'{"type": "FeatureCollection", "feat',
        CorruptSourceError,
    ),
    "empty_file": ("empty.geojson", lambda t, s: b"", CorruptSourceError),
    "dwg_drawing": ("plan.dwg", lambda t, s: b"AC1032" + bytes(100), UnsupportedSourceError),
    "old_xls": (
        "ledger.xls",
        lambda t, s: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
        UnsupportedSourceError,
    ),
    "rar_archive": (
        "data.rar",
        lambda t, s: b"Rar!\x1a\x07\x00" + bytes(50),
        UnsupportedSourceError,
    ),
    "sqlite_not_geopackage": ("db.gpkg", lambda t, s: _sqlite_not_gpkg(t), UnsupportedSourceError),
    "gml_not_kml": ("a.kml", lambda t, s: b"<gml:FeatureCollection/>", UnsupportedSourceError),
    "binary_named_csv": ("a.csv", lambda t, s: b"a,b\n\x00\x01\x02", UnsupportedSourceError),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_fails_cleanly_and_workspace_is_unchanged(case, tmp_path, secret, parser):
    name, build, expected = BAD_INPUTS[case]
    data = build(tmp_path, secret)
    with pytest.raises(expected) as info:
        read_source(SourceFile(name, data), session=parser)
    message = str(info.value)
    assert isinstance(info.value, ValueError)
    assert SECRET not in message and "/vsimem" not in message
    assert len(message) > 30  # says what is wrong and what to do

    ws = fuxing_copy(tmp_path)
    before = hashlib.sha256(ws.read_bytes()).hexdigest()
    src = tmp_path / name
    src.write_bytes(data)
    with use_session(parser):
        result = runner.invoke(app, ["import", str(src), "--into", str(ws)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert SECRET not in result.output
    assert hashlib.sha256(ws.read_bytes()).hexdigest() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_sniffing_ignores_the_file_name():
    assert sniff_format(b'{"type":"FeatureCollection","features":[]}', "a.shp") == "geojson"
    assert sniff_format(b"<?xml version='1.0'?>\n<kml/>", "a.geojson") == "kml"
    with pytest.raises(UnsafeSourceError):
        sniff_format(b"\n  <OGRVRTDataSource>", "a.csv")


def test_xml_checks():
    check_xml(b'<?xml version="1.0"?><kml><name>&amp;</name></kml>', what="ok.kml", kml=True)
    with pytest.raises(UnsafeSourceError, match="DOCTYPE"):
        check_xml(b"<!doctype kml><kml/>", what="a.kml")
    with pytest.raises(UnsafeSourceError, match="DOCTYPE"):
        check_xml(b'<kml><!ENTITY x "y"></kml>', what="a.kml")


def test_zip_caps_are_checked_on_the_central_directory(tmp_path):
    many = _zip({f"f{i}.geojson": b"{}" for i in range(11)})
    with pytest.raises(ResourceLimitError, match="entries"):
        open_zip(many, what="many.zip", limits=ImportLimits(max_entries=10))
    big = _zip({"a.geojson": b" " * 5000})
    with pytest.raises(ResourceLimitError, match="expand"):
        open_zip(big, what="big.zip", limits=ImportLimits(max_uncompressed_bytes=4000))
    with pytest.raises(ResourceLimitError, match="upload limit"):
        read_source(SourceFile("big.zip", big), limits=ImportLimits(max_upload_bytes=100))


def test_gbk_entry_names_are_decoded():
    _, entries = open_zip(gbk_zip_bytes({"成果/复兴区.geojson": b"{}"}), what="a.zip")
    assert [e.name for e in entries] == ["成果/复兴区.geojson"]


def test_parser_has_only_whitelisted_drivers_even_if_sniffing_is_bypassed(parser, secret):
    # Send a VRT straight to the parser, as if it had slipped past the sniffer.
    answer, _ = parser.request(
        {"op": "parse", "format": "geojson"}, [("data", vrt_pointing_at(secret))]
    )
    assert not answer["ok"] and SECRET not in answer["message"]
    answer, _ = parser.request(
        {"op": "parse", "format": "gpkg"}, [("data", vrt_pointing_at(secret))]
    )
    assert not answer["ok"] and SECRET not in answer["message"]
    expected = {"GPKG", "ESRI Shapefile", "GeoJSON", "LIBKML", "KML", "DXF", "OpenFileGDB"}
    assert expected == ALLOWED_GDAL_DRIVERS


def _huge_geojson(n: int) -> bytes:
    coords = "[114.5,36.6]," * n
    return (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        '"geometry":{"type":"LineString","coordinates":[' + coords + "[114.5,36.6]]}}]}"
    ).encode()


def test_runaway_parse_is_killed_after_the_time_limit():
    data = _huge_geojson(2_000_000)  # 26 MB: parsing takes about a second
    with ParserSession(limits=ImportLimits(timeout_s=0.1)) as session:
        session.request(
            {"op": "parse", "format": "geojson"},
            [("data", b'{"type":"FeatureCollection","features":[]}')],
        )
        pid = session.pid
        with pytest.raises(ResourceLimitError, match=r"longer than 0\.1 s"):
            read_source(SourceFile("huge.geojson", data), session=session)
        assert session.pid is None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped
        # The session starts a fresh parser for the next file.
        ok = read_source(SourceFile("ok.geojson", _huge_geojson(1)), session=session)
        assert len(ok.frame) == 1 and session.started == 2


def test_parse_over_the_memory_limit_is_stopped():
    data = _huge_geojson(1_000_000)  # 13 MB of text, a JSON tree several times larger
    limits = ImportLimits(max_memory_bytes=64 << 20, timeout_s=60)
    with ParserSession(limits=limits) as session, pytest.raises(ResourceLimitError, match="memory"):
        read_source(SourceFile("huge.geojson", data), session=session)
