"""Formula injection: text that looks like a formula is exported as text, never evaluated.

A real workspace GeoPackage (a copy of data/fuxing.gpkg) whose parcel, area,
road and enterprise names, owners, contacts, alliances and the workspace name
hold the payload list below, and one enterprise with a legitimate negative tax
(-12.5 万元). Every tabular output is checked for the planner and the
investor: the xlsx workbook (no ``<f>`` element in any sheet XML; every
payload present as inline text), each csv table of ``export``, ``tenglong
summary/check/benefit/history --format csv``, and the import validation
report as xlsx and csv. In csv, each payload starts with an apostrophe and
the negative number stays an unquoted number.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from fixtures_io import parcel_frame
from openpyxl import load_workbook
from typer.testing import CliRunner

from geo.cells import FORMULA_PREFIXES, csv_safe, csv_safe_frame, is_formula_like
from geo.cli import app
from geo.export import export_bytes
from geo.export._context import ExportError
from geo.export.tabular import CSV_TABLES
from geo.workspace import open_workspace, save_workspace

DATA = Path(__file__).resolve().parent.parent / "data"
runner = CliRunner()

PAYLOADS: list[str] = [
    '=HYPERLINK("http://127.0.0.1/x","y")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",
    "＋1",
    "－1",
    "＠A1",
]
NEGATIVE_TAX_WAN = -12.5
ROLES = ["planner", "investor"]
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# text columns rewritten with the payloads (ids, codes and statuses stay valid)
TEXT_COLUMNS: dict[str, list[str]] = {
    "parcels": ["name", "industry_before", "former_enterprise", "owner", "contact"],
    "areas": ["name", "name_full", "name_en"],
    "enterprises": ["name", "alliance"],
    "roads": ["name", "name_en"],
    "contracts": ["grantee", "note"],
}


def _payload(i: int, offset: int = 0) -> str:
    return f"{PAYLOADS[(i + offset) % len(PAYLOADS)]}"


@pytest.fixture(scope="module")
def payload_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/fuxing.gpkg with every free-text column cycling through :data:`PAYLOADS`."""
    d = tmp_path_factory.mktemp("payload")
    src = d / "source.gpkg"
    shutil.copy(DATA / "fuxing.gpkg", src)
    ws = open_workspace(src)
    tables = {k: v.copy() for k, v in ws.tables.items()}
    for table, cols in TEXT_COLUMNS.items():
        df = tables[table]
        for k, col in enumerate(cols):
            df[col] = [_payload(i, k) for i in range(len(df))]
    ent = tables["enterprises"]
    ent.loc[ent.index[0], "tax_wan"] = NEGATIVE_TAX_WAN
    # a land survey (三调 DLTB) with payload names: 0601 industrial patches on the areas
    areas = tables["areas"]
    patches = areas.geometry.representative_point().buffer(40.0).values
    tables["landuse_survey"] = gpd.GeoDataFrame(
        {
            "survey_id": [f"S{i:04d}" for i in range(len(areas))],
            "dlbm": ["0601"] * len(areas),
            "dlmc": [_payload(i) for i in range(len(areas))],
            "zldwmc": [_payload(i, 3) for i in range(len(areas))],
        },
        geometry=list(patches),
        crs=areas.crs,
    )
    meta = {**ws.meta, "name": PAYLOADS[0], "name_en": PAYLOADS[1]}
    return save_workspace(tables, d / "payload.gpkg", meta=meta)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def _xlsx_texts(data: bytes) -> tuple[list[str], list[str]]:
    """(sheet XML documents, every text of the workbook's cells)."""
    sheets, texts = [], []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
                xml = zf.read(name).decode("utf-8")
                if name != "xl/sharedStrings.xml":
                    sheets.append(xml)
                root = ET.fromstring(xml)
                texts += ["".join(t.itertext()) for t in root.iter(f"{_NS}is")]
                texts += ["".join(t.itertext()) for t in root.iter(f"{_NS}si")]
    return sheets, texts


def _same(text: str, payload: str) -> bool:
    # an XML parser reads a literal CR as LF
    return text in (payload, payload.replace("\r", "\n"))


def assert_xlsx_plain_text(data: bytes, *, payloads: list[str] = PAYLOADS) -> None:
    sheets, texts = _xlsx_texts(data)
    assert sheets
    for xml in sheets:
        formulas = re.findall(r"<f[\s>/]", xml)
        assert not formulas, f"{len(formulas)} formula cell(s) in a sheet"
    for p in payloads:
        assert any(_same(t, p) for t in texts), f"payload {p!r} is not a text cell"
    # openpyxl reads them back as the same text, not as formulas
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


def assert_csv_plain_text(text: str, *, payloads: list[str] = PAYLOADS) -> list[list[str]]:
    """Every payload prefixed; no unprefixed field a spreadsheet would evaluate."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    cells = [c for r in rows for c in r]
    for c in cells:
        if c.startswith(FORMULA_PREFIXES):
            float(c)  # only a number may start with - or + (ValueError otherwise)
    for p in payloads:
        assert "'" + p in cells, f"payload {p!r} not written as text"
        assert p not in cells
    return rows


# ---------------------------------------------------------------------------
# The safety module itself
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_safe_prefixes_each_payload(payload):
    assert is_formula_like(payload)
    assert csv_safe(payload) == "'" + payload


@pytest.mark.parametrize("value", [-12.5, -1, 0, 3.25, "东区", "a=1", "", None, "'=x"])
def test_csv_safe_leaves_numbers_and_plain_text(value):
    assert csv_safe(value) == value


def test_csv_safe_frame_touches_only_text_columns():
    df = pd.DataFrame({"=name": ["=1+1", "东区", None], "tax_wan": [-12.5, 3.0, None]})
    out = csv_safe_frame(df)
    assert list(out.columns) == ["'=name", "tax_wan"]
    assert out["tax_wan"].dtype == df["tax_wan"].dtype
    assert out.iloc[0, 0] == "'=1+1" and out.iloc[1, 0] == "东区"
    assert df.iloc[0, 0] == "=1+1"  # the input is not changed
    assert "-12.5" in out.to_csv(index=False).splitlines()[1]


# ---------------------------------------------------------------------------
# Exports of the crafted workspace
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_xlsx_export_stores_payloads_as_text(payload_ws, role):
    data, _, _ = export_bytes(payload_ws, fmt="xlsx", role=role)
    assert_xlsx_plain_text(data)


def test_xlsx_export_keeps_a_negative_number_a_number(payload_ws):
    data, _, _ = export_bytes(payload_ws, fmt="xlsx", role="planner")
    wb = load_workbook(io.BytesIO(data))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert NEGATIVE_TAX_WAN in values
    assert str(NEGATIVE_TAX_WAN) not in values


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("table", list(CSV_TABLES))
def test_csv_export_prefixes_payloads(payload_ws, role, table):
    if table == "current_use" and role == "investor":  # the land survey is internal
        with pytest.raises(ExportError, match="needs the land survey"):
            export_bytes(payload_ws, fmt="csv", role=role, table=table)
        return
    if table in ("contracts", "idle") and role == "investor":  # supply tables are internal
        with pytest.raises(ExportError, match="may not receive"):
            export_bytes(payload_ws, fmt="csv", role=role, table=table)
        return
    data, _, _ = export_bytes(payload_ws, fmt="csv", role=role, table=table)
    text = data.decode("utf-8-sig")
    # the tables that show free text hold every payload; the others none unprefixed
    expect = (
        PAYLOADS if table in ("area", "parcels", "industry", "current_use", "contracts") else []
    )
    assert_csv_plain_text(text, payloads=expect)


def test_cli_summary_csv_prefixes_area_names(payload_ws):
    res = runner.invoke(app, ["summary", str(payload_ws), "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = assert_csv_plain_text(res.stdout, payloads=[])
    names = [c for r in rows for c in r if c.lstrip("'") in PAYLOADS]
    assert names and all(c.startswith("'") for c in names)


@pytest.mark.parametrize("role", ROLES)
def test_cli_benefit_csv_prefixes_firm_names_keeps_negative_tax(payload_ws, role):
    res = runner.invoke(app, ["benefit", str(payload_ws), "--role", role, "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(res.stdout, newline="")))
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c.startswith(FORMULA_PREFIXES) and not _is_number(c)]
    if "name" in rows[0]:
        assert_csv_plain_text(res.stdout)
    if "tax_wan" in rows[0]:
        col = rows[0].index("tax_wan")
        assert str(NEGATIVE_TAX_WAN) in [r[col] for r in rows[1:]]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_cli_check_csv_prefixes_payloads(payload_ws):
    res = runner.invoke(app, ["check", str(payload_ws), "--format", "csv"])
    assert res.exit_code in (0, 1), res.output
    rows = list(csv.reader(io.StringIO(res.stdout, newline="")))
    assert len(rows) > 1
    cells = [c for r in rows for c in r]
    assert not [c for c in cells if c.startswith(FORMULA_PREFIXES) and not _is_number(c)]


def test_cli_history_csv_prefixes_the_audit_user_and_values(payload_ws, tmp_path):
    ws = tmp_path / "edited.gpkg"
    shutil.copy(payload_ws, ws)
    args = ["set-field", str(ws), "FX-0001", "owner", PAYLOADS[1], "--user", PAYLOADS[0]]
    res = runner.invoke(app, [*args, "--note", PAYLOADS[4]])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["history", str(ws), "FX-0001", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert_csv_plain_text(res.stdout, payloads=[PAYLOADS[0], PAYLOADS[1], PAYLOADS[4]])


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_import_report_stores_payloads_as_text(payload_ws, tmp_path, suffix):
    """Unknown statuses ``=HYPERLINK(…)``, ``=cmd|…``, ``+1+1`` … are reported as text."""
    ws = tmp_path / "ws.gpkg"
    shutil.copy(payload_ws, ws)
    g = parcel_frame(len(PAYLOADS), prefix="INJ")
    g["状态"] = PAYLOADS
    pyogrio.write_dataframe(g, tmp_path / "bad.gpkg")
    out = tmp_path / f"report{suffix}"
    res = runner.invoke(
        app, ["import", str(tmp_path / "bad.gpkg"), "--into", str(ws), "--report", str(out)]
    )
    assert res.exit_code == 1, res.output
    if suffix == ".xlsx":
        assert_xlsx_plain_text(out.read_bytes())
    else:
        assert_csv_plain_text(out.read_bytes().decode("utf-8-sig"))
