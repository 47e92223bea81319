"""Fuzzing: mutated files of every format end in a preview or a clear DataImportError.

Valid files of each format are mutated (bytes flipped, zeroed, inserted,
deleted, truncated) and run through the whole import preview (sniffing,
archive and XML checks, encoding detection, the sandboxed parser, mapping,
CRS, repairs and validation) against the Fuxing workspace. Never a crash, a
hang or a write. The parser runs in one reused subprocess with the usual
limits (a parser that dies is restarted and reported as an error).

How many inputs ran is written to ``artifacts/io_fuzz.json`` and printed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from pathlib import Path

import pyogrio
import pytest
from fixtures_io import (
    ROOT,
    dxf_text,
    enterprise_frame,
    fuxing_copy,
    inside_squares,
    parcel_frame,
    write_csv_wkt,
    write_kml,
    write_shapefile,
    write_xlsx_wkt,
    zip_shapefile_gbk,
)
from hypothesis import HealthCheck, given, settings, strategies as st

from geo.demo.samples_baopan import sample_baopan_text
from geo.io import DataImportError, ImportLimits, ParserSession, SourceFile, preview_import
from geo.workspace import open_workspace

logger = logging.getLogger(__name__)

EXAMPLES_PER_FORMAT = 30
ARTIFACT = ROOT / "artifacts" / "io_fuzz.json"
COUNTS: dict[str, dict[str, int]] = {}


def _valid_files(d: Path) -> dict[str, tuple[str, bytes, dict]]:
    """name → (file name, bytes, preview options) of one valid file per format."""
    g = parcel_frame(2, prefix="FZ")
    out: dict[str, tuple[str, bytes, dict]] = {}
    pyogrio.write_dataframe(g, d / "p.gpkg")
    out["gpkg"] = ("p.gpkg", (d / "p.gpkg").read_bytes(), {})
    pyogrio.write_dataframe(g.to_crs(4326), d / "p.geojson")
    out["geojson"] = ("p.geojson", (d / "p.geojson").read_bytes(), {})
    (d / "shp").mkdir()
    shp = write_shapefile(g, d / "shp" / "p.shp")
    out["shapefile_zip_gbk"] = ("p.zip", zip_shapefile_gbk(shp, d / "p.zip").read_bytes(), {})
    kml = write_kml(g, d / "p.kml")
    out["kml"] = ("p.kml", kml.read_bytes(), {})
    with zipfile.ZipFile(d / "p.kmz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(kml, "doc.kml")
    out["kmz"] = ("p.kmz", (d / "p.kmz").read_bytes(), {})
    dxf = dxf_text(list(inside_squares(2)), ["FZ-1", "FZ-2"]).encode("gbk")
    defaults = {
        "name": "CAD地块",
        "district": "复兴区",
        "status": "已腾退",
        "land_use_now": "100102",
        "land_use_planned": "0901",
        "industry_before": "铸造",
        "polluting_history": "是",
        "status_since": "2020-01-01",
    }
    dxf_options = {
        "crs": 4526,
        "layer": "parcels",
        "mapping": {"text_label": "parcel_id"},
        "defaults": defaults,
    }
    out["dxf"] = ("p.dxf", dxf, dxf_options)
    g.to_parquet(d / "p.parquet")
    out["geoparquet"] = ("p.parquet", (d / "p.parquet").read_bytes(), {})
    out["csv_gbk_wkt"] = ("p.csv", write_csv_wkt(g, d / "p.csv").read_bytes(), {"crs": 4547})
    out["xlsx_wkt"] = ("p.xlsx", write_xlsx_wkt(g, d / "p.xlsx").read_bytes(), {"crs": 4547})
    enterprise_frame(["FX-0001"]).to_excel(d / "e.xlsx", index=False)
    out["xlsx_enterprises"] = ("e.xlsx", (d / "e.xlsx").read_bytes(), {})
    baopan = sample_baopan_text().encode("gbk")
    out["baopan_gbk"] = ("报盘.txt", baopan, {"defaults": {**defaults, "name": "报盘地块"}})
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _valid_files(tmp_path_factory.mktemp("fuzz-corpus"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    path = fuxing_copy(tmp_path_factory.mktemp("fuzz-ws"))
    return path, open_workspace(path, validate=False), hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def parser():
    with ParserSession(limits=ImportLimits(timeout_s=15, max_memory_bytes=1 << 30)) as session:
        yield session


mutation = st.tuples(
    st.sampled_from(["flip", "zero", "insert", "delete", "truncate"]),
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
    st.binary(min_size=1, max_size=24),
)


def mutate(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    """Apply byte-level mutations at relative positions."""
    buf = bytearray(data)
    for op, where, blob in ops:
        pos = min(int(where * len(buf)), max(len(buf) - 1, 0))
        if op == "flip" and buf:
            for k, b in enumerate(blob):
                if pos + k < len(buf):
                    buf[pos + k] ^= b or 0xFF
        elif op == "zero":
            buf[pos : pos + len(blob)] = bytes(len(buf[pos : pos + len(blob)]))
        elif op == "insert":
            buf[pos:pos] = blob
        elif op == "delete":
            del buf[pos : pos + len(blob) * 8]
        elif op == "truncate":
            del buf[pos:]
    return bytes(buf)


def _record(fmt: str, outcome: str) -> None:
    counts = COUNTS.setdefault(fmt, {"inputs": 0, "preview": 0, "refused": 0})
    counts["inputs"] += 1
    counts[outcome] += 1


def _write_artifact(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> None:
    """Write the counts to artifacts/io_fuzz.json and print one line past the capture."""
    total = sum(c["inputs"] for c in COUNTS.values())
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(
        json.dumps({"total_inputs": total, "by_format": COUNTS}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    per_format = ", ".join(f"{k} {v['inputs']}" for k, v in COUNTS.items())
    line = f"io fuzz: {total} mutated inputs so far ({per_format})"
    logger.info(line)
    request.node.user_properties.append(("fuzzed_inputs_total", total))
    with capsys.disabled():
        print(f"\n{line}")


FORMAT_NAMES = [
    "gpkg",
    "geojson",
    "shapefile_zip_gbk",
    "kml",
    "kmz",
    "dxf",
    "geoparquet",
    "csv_gbk_wkt",
    "xlsx_wkt",
    "xlsx_enterprises",
    "baopan_gbk",
]


@pytest.mark.parametrize("fmt", FORMAT_NAMES)
def test_mutated_files_end_in_a_preview_or_a_clear_error(
    fmt, corpus, workspace, parser, request, capsys
):
    path, ws, digest = workspace
    name, data, options = corpus[fmt]
    # The unmutated file previews cleanly: the fuzzing starts from valid input.
    clean = preview_import(SourceFile(name, data), workspace=ws, session=parser, **options)
    assert clean.counts["error"] == 0, clean.report[clean.report.severity == "error"]

    @settings(
        max_examples=EXAMPLES_PER_FORMAT,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(ops=st.lists(mutation, min_size=1, max_size=4))
    def run(ops):
        bad = mutate(data, ops)
        try:
            preview_import(SourceFile(name, bad), workspace=ws, session=parser, **options)
        except DataImportError as err:
            assert str(err), "an error without a message"
            _record(fmt, "refused")
        else:
            _record(fmt, "preview")

    run()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest  # previews never write
    assert COUNTS[fmt]["inputs"] >= EXAMPLES_PER_FORMAT
    _write_artifact(request, capsys)
