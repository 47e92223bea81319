"""Encodings of Chinese GIS files: GBK DBFs without .cpg, GBK zip names, GBK CSV/KML/DXF."""

from __future__ import annotations

import zipfile

import pytest
from fixtures_io import dxf_text, gbk_zip_bytes, inside_squares, parcel_frame, write_shapefile

from geo.io import ParserSession, SourceEncodingError, SourceFile, read_source
from geo.io.encoding import (
    cpg_encoding,
    dbf_encoding,
    dbf_text_values,
    decode_text,
    decode_zip_name,
    detect_encoding,
    normalize_encoding,
    xml_to_utf8,
)
from geo.io.safety import open_zip


@pytest.fixture(scope="module")
def parser():
    with ParserSession() as session:
        yield session


@pytest.fixture
def gbk_shapefile(tmp_path):
    return write_shapefile(parcel_frame(3), tmp_path / "gbk.shp")


def test_gbk_dbf_without_cpg_is_detected(gbk_shapefile):
    dbf = gbk_shapefile.with_suffix(".dbf").read_bytes()
    assert not gbk_shapefile.with_suffix(".cpg").exists()
    values = dbf_text_values(dbf)
    assert "地块编号".encode("gbk") in values  # field names are checked too
    guess = dbf_encoding(dbf)
    assert guess.encoding == "GB18030" and guess.confident
    assert "no .cpg" in guess.reason


def test_gdal_alone_garbles_it_and_the_import_does_not(gbk_shapefile, parser):
    import pyogrio

    raw = pyogrio.read_dataframe(gbk_shapefile)
    assert "地块名称" not in raw.columns  # GDAL's Latin-1 default: mojibake
    data = read_source(gbk_shapefile, session=parser)
    assert data.encoding == "GB18030"
    assert data.frame["地块名称"].iloc[0] == "复兴区测试1号地块"
    assert data.frame["状态"].tolist() == ["已腾退", "已收储", "在产"]


def test_user_encoding_overrides_detection(gbk_shapefile, parser):
    data = read_source(gbk_shapefile, encoding="latin-1", session=parser)
    assert data.encoding == "ISO-8859-1" and "chosen by the user" in data.encoding_reason
    assert "地块名称" not in data.frame.columns
    with pytest.raises(SourceEncodingError, match="unknown encoding"):
        read_source(gbk_shapefile, encoding="klingon", session=parser)


def test_cpg_is_trusted_only_when_the_bytes_agree(gbk_shapefile):
    dbf = gbk_shapefile.with_suffix(".dbf").read_bytes()
    assert dbf_encoding(dbf, cpg="936").reason.startswith(".cpg says")
    wrong = dbf_encoding(dbf, cpg="UTF-8")  # a common export bug
    assert wrong.encoding == "GB18030" and "does not decode" in wrong.reason


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_utf8_shapefile_with_names_cut_mid_character(tmp_path, parser):
    # UTF-8 Chinese names are 3 bytes a character: "地块编号" (12 bytes) is cut at 10.
    shp = write_shapefile(parcel_frame(1), tmp_path / "u.shp", encoding="UTF-8", cpg=True)
    data = read_source(shp, session=parser)
    assert data.encoding == "UTF-8"
    assert "地块编" in data.frame.columns and "名称" not in data.frame.columns
    assert any("cut inside a character" in n for n in data.notes)
    assert data.frame["状态"].iloc[0] == "已腾退"


def test_encoding_names():
    assert normalize_encoding("GBK") == normalize_encoding("gb2312") == "GB18030"
    assert cpg_encoding("65001") == "UTF-8"
    with pytest.raises(SourceEncodingError):
        normalize_encoding("no-such-codec")


def test_undecidable_bytes_fall_back_to_latin1_with_a_warning():
    guess = detect_encoding([b"\xff\xfe\xfd caf\xe9"])
    assert guess.encoding == "ISO-8859-1" and not guess.confident


def test_gbk_zip_entry_names_without_utf8_flag():
    data = gbk_zip_bytes({"成果数据/复兴区地块.shp": b"x"})
    info = zipfile.ZipFile(__import__("io").BytesIO(data)).infolist()[0]
    assert not info.flag_bits & 0x800 and info.filename != "成果数据/复兴区地块.shp"
    assert decode_zip_name(info) == "成果数据/复兴区地块.shp"
    _, entries = open_zip(data, what="a.zip")
    assert entries[0].name == "成果数据/复兴区地块.shp"


def test_gbk_csv_and_bom():
    text, guess = decode_text("地块编号,状态\nP1,已腾退\n".encode("gbk"))
    assert guess.encoding == "GB18030" and text.startswith("地块编号")
    text, guess = decode_text("\ufeff地块编号\n".encode())
    assert guess.reason == "byte-order mark" and text == "地块编号\n"
    with pytest.raises(SourceEncodingError):
        decode_text("地块".encode("gbk"), override="utf-8")


def test_kml_declared_gbk_is_reencoded():
    kml = '<?xml version="1.0" encoding="GBK"?><kml><name>复兴区</name></kml>'.encode("gbk")
    out, guess = xml_to_utf8(kml)
    assert guess.encoding == "GB18030"
    assert (
        out.decode("utf-8")
        == '<?xml version="1.0" encoding="UTF-8"?><kml><name>复兴区</name></kml>'
    )


def test_gbk_dxf_text_labels_are_decoded(parser):
    data = dxf_text(list(inside_squares(2)), ["一号地块", "二号地块"]).encode("gbk")
    src = read_source(SourceFile("图纸.dxf", data), session=parser)
    assert src.encoding == "GB18030"
    assert set(src.layers) == {"地块", "标注", "道路"}
    assert {"一号地块", "二号地块"} <= set(src.frame["Text"].dropna())
    only = read_source(SourceFile("图纸.dxf", data), source_layer="地块", session=parser)
    assert len(only.frame) == 2 and set(only.frame.geometry.geom_type) == {"Polygon"}
