"""报盘坐标 txt (勘测定界界址点坐标交换格式): import, export and the round trip.

Every file is written by the tests: a small template (:func:`baopan_text`) for
the variants, :func:`geo.demo.samples_baopan.sample_baopan_txt` for the
parcel with a hole. Bad inputs tried: a zone prefix disagreeing with 带号,
1980西安 and 1954北京 declared, a header area off by 2 %, a file cut inside a
point line and one cut after a point line, a non-numeric coordinate, a
non-numeric 圈号, swapped X/Y columns, eastings with and without prefix
mixed, 几度分带=3 with a 6° zone, a parcel line with 7 fields, a point line
before any parcel line, and on export a name GBK cannot write and
``--encoding`` with another format. The export is read back by
:func:`independent_parse`, written here without the reader.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from fixtures_io import fuxing_copy
from pyproj import CRS
from typer.testing import CliRunner

from geo.cli import app
from geo.demo.samples_baopan import SAMPLE_PARCELS, sample_baopan_txt
from geo.export import ExportError, export_bytes
from geo.io import (
    DataImportError,
    ImportCRSError,
    ParserSession,
    apply_import,
    baopan as bp,
    preview_import,
)
from geo.io.safety import sniff_format
from geo.io.sources import SourceFile, read_source

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent
FUXING = ROOT / "data" / "fuxing.gpkg"

DEFAULTS = {
    "district": "复兴区",
    "status": "已腾退",
    "land_use_now": "100102",
    "industry_before": "铸造",
    "polluting_history": "是",
    "status_since": "2020-01-01",
}

# Two squares inside 复兴区 (zone 38), (X north, Y east) without prefix on Y.
SQUARE_A = [
    (4046700.0, 528800.0),
    (4046800.0, 528800.0),
    (4046800.0, 528900.0),
    (4046700.0, 528900.0),
]
SQUARE_B = [
    (4046700.0, 529100.0),
    (4046760.0, 529100.0),
    (4046760.0, 529150.0),
    (4046700.0, 529150.0),
]


@pytest.fixture(scope="module")
def parser():
    with ParserSession() as session:
        yield session


def baopan_text(
    *,
    nine: bool = False,
    repeat_closing: bool = True,
    j_names: bool = True,
    zone_line: str = "带号=38",
    datum: str = "2000国家大地坐标系",
    width: str = "3",
    prefix: float = 38_000_000.0,
    area_a: str = "1.0000",
    squares: tuple[list[tuple[float, float]], ...] = (SQUARE_A, SQUARE_B),
) -> str:
    """A 报盘 txt in one of its variants (see the keyword names)."""
    lines = [
        "[属性描述]",
        "格式版本号=1.01",
        "数据产生单位=测试单位",
        "数据产生日期=2025-6-15",
        f"坐标系={datum}",
        f"几度分带={width}",
        "投影类型=高斯克吕格",
        "计量单位=米",
        zone_line,
        "精度=0.001",
        "转换参数=,,,,,,",
        "[地块坐标]",
    ]
    areas = [area_a, "0.3000"]
    for i, square in enumerate(squares):
        pts = [*square, square[0]] if repeat_closing else list(square)
        extra = ",说明文字" if nine else ""
        lines.append(f"{len(pts)},{areas[i]},T-{i + 1},地块{i + 1},面,,工业用地,100102{extra},@")
        for k, (x, y) in enumerate(pts, start=1):
            name = 1 if k == len(pts) and repeat_closing else k
            lines.append(f"{'J' if j_names else ''}{name},1,{x:.3f},{y + prefix:.3f}")
    return "\r\n".join(lines) + "\r\n"


def read_text(text: str, parser, *, encoding: str = "gbk", name: str = "坐标.txt", bom=False):
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    return read_source(SourceFile(name, data), session=parser)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "encoding", "bom"),
    [
        ({}, "gbk", False),
        ({"nine": True}, "gbk", False),
        ({"repeat_closing": False}, "gbk", False),
        ({"j_names": False}, "utf-8", True),
        ({"nine": True, "repeat_closing": False, "j_names": False}, "utf-8", False),
        ({"zone_line": "带号="}, "gb18030", False),  # the zone from the Y prefix only
    ],
    ids=["8-fields-gbk", "9-fields", "not-closed", "bare-names-utf8-bom", "all-utf8", "no-带号"],
)
def test_variants_read_to_the_same_parcels(options, encoding, bom, parser):
    data = read_text(baopan_text(**options), parser, encoding=encoding, bom=bom)
    assert data.format == "baopan" and data.crs == CRS.from_epsg(4526)
    frame = data.frame
    assert list(frame["地块编号"]) == ["T-1", "T-2"]
    assert list(frame["地块名称"]) == ["地块1", "地块2"]
    assert list(frame["地块面积(公顷)"]) == [1.0, 0.3]
    assert ("描述" in frame.columns) is bool(options.get("nine"))
    a = frame.geometry.iloc[0]
    assert a.area == pytest.approx(10_000.0)
    # X is the northing, Y the easting: the geometry is (easting, northing)
    assert a.bounds == (38528800.0, 4046700.0, 38528900.0, 4046800.0)
    assert frame.geometry.iloc[1].area == pytest.approx(3_000.0)
    assert list(frame["规划用途"]) == ["100102", "100102"]


def test_hole_and_sample_file(tmp_path, parser):
    path = sample_baopan_txt(tmp_path / "报盘.txt")
    assert b"\xb5\xd8\xbf\xe9" in path.read_bytes()  # "地块" in GBK
    data = read_source(path, session=parser)
    assert data.encoding in ("GB18030", "GBK")
    assert data.crs == CRS.from_epsg(4526)
    first = data.frame.geometry.iloc[0]
    assert first.geom_type == "Polygon" and len(first.interiors) == 1
    areas = dict(zip(data.frame["地块编号"], data.frame.geometry.area / 10_000, strict=True))
    assert areas == pytest.approx(SAMPLE_PARCELS)


def test_a_second_ring_outside_the_first_is_a_second_part(parser):
    text = baopan_text(squares=(SQUARE_A,))
    shifted = [(x, y + 500.0) for x, y in SQUARE_A]
    lines = text.splitlines()
    header = lines.index(next(ln for ln in lines if ln.endswith(",@")))
    lines[header] = lines[header].replace("5,", "9,", 1)
    lines += [f"J{k},2,{x:.3f},{y + 38e6:.3f}" for k, (x, y) in enumerate(shifted, start=6)]
    data = read_text("\n".join(lines), parser)
    g = data.frame.geometry.iloc[0]
    assert g.geom_type == "MultiPolygon" and len(g.geoms) == 2


@pytest.mark.parametrize(
    ("kw", "epsg"),
    [
        ({}, 4526),
        ({"prefix": 0.0}, 4547),  # no prefix: the CM family, zone from 带号
        ({"width": "6", "zone_line": "带号=19", "prefix": 19_000_000.0}, 4497),
        ({"width": "6", "zone_line": "带号=19", "prefix": 0.0}, 4508),
        ({"zone_line": "带号=114", "prefix": 0.0}, 4547),  # 带号 written as the meridian
    ],
)
def test_zones_map_to_the_cgcs2000_epsg(kw, epsg, parser):
    data = read_text(baopan_text(**kw), parser)
    assert data.crs == CRS.from_epsg(epsg)


@pytest.mark.parametrize("datum", ["CGCS2000", "Xian 1980", "Beijing 1954"])
@pytest.mark.parametrize("width", [3, 6])
@pytest.mark.parametrize("prefixed", [True, False])
def test_epsg_table_matches_proj(datum, width, prefixed):
    lo, hi = (25, 45) if width == 3 else (13, 23)
    for zone in (lo, (lo + hi) // 2, hi):
        crs = CRS.from_epsg(bp.epsg_of(datum, width, zone, prefixed=prefixed))
        params = {p.name: p.value for p in crs.coordinate_operation.params}
        assert crs.name.startswith(f"{datum} / ")
        assert params["Longitude of natural origin"] == width * zone - (3 if width == 6 else 0)
        assert params["False easting"] == (zone * 1_000_000 + 500_000 if prefixed else 500_000)
        assert ("3-degree" in crs.name) is (width == 3)


# ---------------------------------------------------------------------------
# Bad input: a clear message naming the line, never a traceback
# ---------------------------------------------------------------------------


def _error(text: str, parser, **kw) -> str:
    with pytest.raises(DataImportError) as err:
        read_text(text, parser, **kw)
    return str(err.value)


def test_zone_prefix_disagreeing_with_the_header_names_both(parser):
    msg = _error(baopan_text(zone_line="带号=39"), parser)
    assert "line 9" in msg and "带号=39" in msg and "start with 38" in msg


def test_truncated_files_name_the_line(parser):
    text = baopan_text()
    cut = text[: text.rindex("J3,1,") + 12]  # inside the last parcel's third point line
    msg = _error(cut, parser)
    assert re.search(r"line 2[0-9]: a point line needs 4 fields", msg), msg
    whole_lines = "\n".join(text.splitlines()[:-2])  # two point lines missing
    msg = _error(whole_lines, parser)
    assert "declares 5 points" in msg and "the file ends after 3" in msg and "line 19" in msg
    assert "no parcel line" in _error("[属性描述]\n坐标系=2000国家大地坐标系\n[地块坐标]\n", parser)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("J2,1,4046800.000", "J2,1,40468OO.000", "line 15: X (northing) '40468OO.000' is not"),
        ("J2,1,", "J2,A,", "line 15: 圈号 'A' is not a whole number"),
        ("5,1.0000,T-1,地块1,面,,工业用地,100102,@", "5,1.0000,T-1,地块1,面,,100102,@", "line 13"),
        ("几度分带=3", "几度分带=3\n带号=20", "appears twice"),
    ],
    ids=["non-numeric-X", "non-numeric-ring", "seven-fields", "duplicate-key"],
)
def test_bad_lines_are_named(old, new, expected, parser):
    text = baopan_text()
    assert old in text
    msg = _error(text.replace(old, new, 1), parser)
    assert expected in msg, msg


def test_swapped_columns_and_mixed_prefixes_are_refused(parser):
    text = baopan_text()
    swapped = re.sub(
        r"^(J?\d+),1,([\d.]+),([\d.]+)$", r"\1,1,\3,\2", text.replace("\r", ""), flags=re.M
    )
    assert "swap the two columns" in _error(swapped, parser)
    mixed = text.replace("J2,1,4046800.000,38528800.000", "J2,1,4046800.000,528800.000")
    assert "line 15" in _error(mixed, parser) and "same zone" in _error(mixed, parser)
    assert "not a 3° zone" in _error(baopan_text(zone_line="带号=19", prefix=19e6), parser)


def test_points_before_a_parcel_line(parser):
    msg = _error("[地块坐标]\nJ1,1,4046700.0,38528800.0\n", parser)
    assert "line 2: a point line before any parcel line" in msg


@pytest.mark.parametrize(
    ("datum", "candidate"), [("1980西安坐标系", 2362), ("1954北京坐标系", 2414)]
)
def test_other_datums_are_refused_unless_crs_is_given(datum, candidate, tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    src = tmp_path / "xian.txt"
    src.write_bytes(baopan_text(datum=datum).encode("gbk"))
    pv = preview_import(src, workspace=ws, defaults=DEFAULTS, session=parser)
    assert pv.needs_crs and pv.rows is None
    msg = " ".join(pv.report["message"])
    assert datum in msg and f"--crs {candidate}" in msg and "never shifts a datum" in msg
    with pytest.raises(ImportCRSError) as err:
        apply_import(pv)
    assert datum in str(err.value)
    given = preview_import(src, workspace=ws, defaults=DEFAULTS, crs=candidate, session=parser)
    assert not given.needs_crs and given.crs == CRS.from_epsg(candidate)
    result = runner.invoke(app, ["import", str(src), "--into", str(ws), "--dry-run"])
    assert result.exit_code != 0 and "never shifts a datum" in " ".join(result.output.split())


def test_header_area_off_by_two_percent_is_a_finding(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    off, close = tmp_path / "off.txt", tmp_path / "close.txt"
    off.write_bytes(baopan_text(area_a="1.0200").encode("gbk"))
    close.write_bytes(baopan_text(area_a="1.0030").encode("gbk"))  # 0.3 %: within 0.5 %
    pv = preview_import(off, workspace=ws, defaults=DEFAULTS, session=parser)
    found = pv.report[pv.report["code"] == "area_mismatch"]
    assert list(found["row"]) == [1] and list(found["id"]) == ["T-1"]
    assert "1.0200 公顷 declared, 1.0000 公顷 computed" in found["message"].iloc[0]
    pv = preview_import(close, workspace=ws, defaults=DEFAULTS, session=parser)
    assert not (pv.report["code"] == "area_mismatch").any()


def test_sniffing_keeps_plain_csv_txt_as_csv():
    assert sniff_format(b"x,y\n1,2\n", "points.txt") == "csv"
    bare = "5,1.0,A,地块,面,,,,@\nJ1,1,1,2\n".encode("gbk")  # no section header
    assert sniff_format(bare, "a.txt") == "baopan"
    assert sniff_format(baopan_text().encode("utf-16"), "a.txt") == "baopan"


# ---------------------------------------------------------------------------
# Export, the independent parser and the round trip
# ---------------------------------------------------------------------------


def independent_parse(data: bytes, encoding: str = "gbk") -> dict:
    """A 报盘 txt read with nothing but ``str.split``: header pairs and parcels."""
    lines = data.decode(encoding).split("\r\n")
    assert lines[-1] == "" and "\n" not in "".join(lines)
    assert lines[0] == "[属性描述]" and lines[11] == "[地块坐标]"
    header = dict(ln.split("=", 1) for ln in lines[1:11])
    parcels: dict[str, dict] = {}
    i = 12
    while i < len(lines) - 1:
        head = lines[i].split(",")
        assert len(head) == 9 and head[-1] == "@", lines[i]
        n = int(head[0])
        pts = [ln.split(",") for ln in lines[i + 1 : i + 1 + n]]
        assert all(len(p) == 4 for p in pts)
        rings: dict[int, list[tuple[str, float, float]]] = {}
        for name, ring, x, y in pts:
            rings.setdefault(int(ring), []).append((name, float(x), float(y)))
        parcels[head[2]] = {"ha": head[1], "name": head[3], "use": head[6], "code": head[7]}
        parcels[head[2]]["rings"] = rings
        i += 1 + n
    return {"header": header, "parcels": parcels}


@pytest.fixture(scope="module")
def workspace_with_hole(tmp_path_factory, parser) -> Path:
    d = tmp_path_factory.mktemp("baopan")
    ws = fuxing_copy(d)
    pv = preview_import(
        sample_baopan_txt(d / "sample.txt"), workspace=ws, defaults=DEFAULTS, session=parser
    )
    apply_import(pv)
    return ws


def test_export_is_read_back_exactly_by_an_independent_parser(workspace_with_hole):
    data, name, mime = export_bytes(workspace_with_hole, fmt="txt")
    assert name.endswith("-报盘.txt") and mime == "text/plain; charset=gbk"
    doc = independent_parse(data)
    h = doc["header"]
    assert h["坐标系"] == "2000国家大地坐标系" and h["几度分带"] == "3" and h["带号"] == "38"
    assert h["转换参数"] == ",,,,,," and h["计量单位"] == "米"
    parcels = gpd.read_file(workspace_with_hole, layer="parcels").to_crs(4526)
    assert set(doc["parcels"]) == set(parcels["parcel_id"])
    for row in parcels.itertuples():
        got = doc["parcels"][row.parcel_id]
        g = row.geometry
        assert got["ha"] == f"{g.area / 10_000:.4f}"
        expected = [g.exterior, *g.interiors]
        assert sorted(got["rings"]) == list(range(1, len(expected) + 1))
        for k, ring in enumerate(expected, start=1):
            pts = got["rings"][k]
            assert pts[0][0] == pts[-1][0] and pts[0][1:] == pts[-1][1:]  # closing point repeated
            xy = np.array([(y, x) for _, x, y in pts])  # back to (easting, northing)
            assert np.abs(xy - shapely.get_coordinates(ring)).max() <= 0.0005
            assert all(38e6 < p[2] < 39e6 for p in pts)  # Y carries the zone prefix
    hole = doc["parcels"]["BP-001"]
    assert len(hole["rings"]) == 2 and hole["code"] == "100102" and hole["use"] == "二类工业用地"


def test_round_trip_through_the_import(workspace_with_hole, tmp_path, parser):
    before = gpd.read_file(workspace_with_hole, layer="parcels")
    data, _, _ = export_bytes(workspace_with_hole, fmt="txt", encoding="utf-8")
    src = tmp_path / "all.txt"
    src.write_bytes(data)
    read = read_source(src, session=parser)
    assert read.encoding == "UTF-8"
    ws = fuxing_copy(tmp_path, "again.gpkg")
    pv = preview_import(read, workspace=ws, defaults=DEFAULTS, mode="replace", session=parser)
    assert not (pv.report["code"] == "area_mismatch").any()
    apply_import(pv)
    after = gpd.read_file(ws, layer="parcels").set_index("parcel_id")
    before = before.set_index("parcel_id")
    assert sorted(after.index) == sorted(before.index)
    a = after.loc[before.index].to_crs(4526).geometry
    b = before.to_crs(4526).geometry
    # coordinates are written to the millimetre: areas agree far within 0.0001 公顷 (1 m²)
    assert np.abs(a.area.to_numpy() - b.area.to_numpy()).max() < 0.5
    for ga, gb in zip(a, b, strict=True):
        ca, cb = shapely.get_coordinates(ga), shapely.get_coordinates(gb)
        assert ca.shape == cb.shape and np.abs(ca - cb).max() <= 0.001  # 1 mm
    assert list(after.loc[before.index, "name"]) == list(before["name"])


def test_per_parcel_zip_and_encodings(workspace_with_hole):
    data, name, mime = export_bytes(
        workspace_with_hole, fmt="txt", per_parcel=True, area_id="FX-P01"
    )
    assert name.endswith(".zip") and mime == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(data))
    names = zf.namelist()
    assert names and all(n.endswith(".txt") for n in names)
    for n in names:
        doc = independent_parse(zf.read(n))
        assert list(doc["parcels"]) == [n.removesuffix(".txt")]
    with pytest.raises(ExportError, match="gbk, gb18030, utf-8"):
        export_bytes(workspace_with_hole, fmt="txt", encoding="latin-1")
    with pytest.raises(ExportError, match="apply to --format txt only"):
        export_bytes(workspace_with_hole, fmt="geojson", per_parcel=True)


def test_text_that_would_break_the_layout_or_the_encoding(tmp_path, parser):
    ws = fuxing_copy(tmp_path)
    src = tmp_path / "odd.txt"
    text = baopan_text().replace("地块1", "地块1😀").replace("地块2", "A＠B")
    src.write_bytes(text.encode("utf-8"))
    apply_import(preview_import(src, workspace=ws, defaults=DEFAULTS, session=parser))
    with pytest.raises(ExportError, match=r"line 13 holds '😀'.*--encoding utf-8"):
        export_bytes(ws, fmt="txt", site_id="T-1")
    data, _, _ = export_bytes(ws, fmt="txt", encoding="utf-8")
    doc = independent_parse(data, "utf-8")
    assert doc["parcels"]["T-1"]["name"] == "地块1😀"
    stored = gpd.read_file(ws, layer="parcels").set_index("parcel_id")
    assert doc["parcels"]["T-2"]["name"] == stored.loc["T-2", "name"]  # an @ inside a field
    # a comma in a name would shift the fields: written as a full-width comma
    assert (
        bp.format_parcel({"地块编号": "X", "地块名称": "甲,乙"}, [SQUARE_A])[0].split(",")[3]
        == "甲，乙"
    )


def test_cli_export_txt(tmp_path, workspace_with_hole):
    out = tmp_path / "报盘.txt"
    result = runner.invoke(
        app,
        ["export", str(workspace_with_hole), "--format", "txt", "--site", "BP-002", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    doc = independent_parse(out.read_bytes())
    assert list(doc["parcels"]) == ["BP-002"]
    zipped = tmp_path / "each.zip"
    result = runner.invoke(
        app,
        [
            "export",
            str(workspace_with_hole),
            "-f",
            "txt",
            "--per-parcel",
            "--area",
            "FX-P01",
            "-o",
            str(zipped),
        ],
    )
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(zipped).namelist()
    bad = tmp_path / "x.xlsx"
    result = runner.invoke(
        app, ["export", str(workspace_with_hole), "-o", str(bad), "--encoding", "utf-8"]
    )
    assert result.exit_code == 2 and "txt only" in result.output and not bad.exists()


def test_an_empty_selection_writes_the_header_only(parser):
    data, _, _ = export_bytes(ROOT / "data" / "wuzhi.gpkg", fmt="txt", role="investor")
    text = data.decode("gbk")
    assert text.startswith("[属性描述]\r\n") and text.endswith("[地块坐标]\r\n")
    assert ",@" not in text
    msg = _error(text, parser)
    assert "no parcel line" in msg and "empty or truncated" in msg


def test_a_per_parcel_zip_imports_back(workspace_with_hole, tmp_path, parser):
    data, _, _ = export_bytes(workspace_with_hole, fmt="txt", per_parcel=True, area_id="FX-P01")
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    read = read_source(SourceFile("each.zip", data), session=parser)
    assert read.format == "baopan" and read.crs == CRS.from_epsg(4526)
    assert sorted(read.frame["地块编号"]) == sorted(n.removesuffix(".txt") for n in names)
    one = read_source(SourceFile("each.zip", data), session=parser, source_layer=names[0])
    assert list(one.frame["地块编号"]) == [names[0].removesuffix(".txt")]
    # files of one zip in different zones are refused, naming both
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", baopan_text().encode("gbk"))
        zf.writestr("b.txt", baopan_text(zone_line="带号=39", prefix=39e6).encode("gbk"))
        zf.writestr("readme.txt", "说明".encode("gbk"))
    with pytest.raises(DataImportError, match=r"b\.txt is in CGCS2000 3° zone 39.*a\.txt in"):
        read_source(SourceFile("two.zip", buf.getvalue()), session=parser)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", baopan_text().replace("J2,1,4046800.000", "J2,1,x").encode("gbk"))
        zf.writestr("b.txt", baopan_text().encode("gbk"))
    with pytest.raises(DataImportError, match=r"a\.txt: line 15: X \(northing\) 'x'"):
        read_source(SourceFile("bad.zip", buf.getvalue()), session=parser)
