"""Every format exports from the CLI for every demo workspace, and an investor's file leaks nothing.

The investor exports (all formats × all demo workspaces) are written once per
module through ``tenglong export`` and searched as text: no internal field
name or label, no former-enterprise, owner or contact value, no compensation
figure, no enterprise name and no parcel that is not released or stored may
appear. A planner's export of the same workspace does carry them (so the
search would find them).
"""

from __future__ import annotations

import html
import importlib.util
import io
import json
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from geo.cli import app
from geo.export import FORMATS
from geo.layers import INVESTOR_PARCEL_STATUSES
from geo.workspace import open_workspace

DATA = Path(__file__).resolve().parent.parent / "data"
PDF_LIBS = all(importlib.util.find_spec(m) for m in ("reportlab", "matplotlib"))
TESTED = tuple(f for f in FORMATS if PDF_LIBS or f != "pdf")
WORKSPACES = ("fuxing", "wuan", "hebi", "wuzhi", "choujiang")
EXT = {f.name: f.ext for f in FORMATS.values()}
INTERNAL_NAMES = (
    "former_enterprise",
    "compensation_wan_yuan",
    "原企业",
    "权利人",
    "补偿金额",
    # supply supervision: contracts and idle-land cases never reach an investor
    "grantee",
    "受让人",
    "电子监管号",
    "contract_id",
    "determination_no",
    "认定书编号",
)
runner = CliRunner()


def _export(ws: str, fmt: str, out: Path, *extra: str) -> Path:
    res = runner.invoke(
        app,
        ["export", str(DATA / f"{ws}.gpkg"), "--format", fmt, "--out", str(out), *extra],
    )
    assert res.exit_code == 0, f"{ws} {fmt}: {res.output}"
    assert out.exists() and out.stat().st_size > 0
    return out


@pytest.fixture(scope="module")
def investor_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every format of every demo workspace, exported for an investor through the CLI."""
    d = tmp_path_factory.mktemp("investor")
    out = {}
    for ws in WORKSPACES:
        for fmt in TESTED:
            path = d / f"{ws}.{EXT[fmt]}"
            out[(ws, fmt)] = _export(ws, fmt, path, "--role", "investor")
    return out


def forbidden_values(ws_name: str) -> tuple[set[str], list[str], set[float]]:
    """(internal strings, unavailable parcel IDs, compensation figures) of a workspace."""
    ws = open_workspace(DATA / f"{ws_name}.gpkg", validate=False)
    p = ws.parcels
    strings: set[str] = set()
    for col in ("former_enterprise", "owner", "contact"):
        if col in p.columns:
            strings |= {str(v) for v in p[col].dropna() if str(v).strip()}
    ent = ws.get("enterprises")
    if ent is not None:
        strings |= {str(v) for v in ent["name"].dropna()}
    for table, cols in (
        ("contracts", ("contract_id", "grantee")),
        ("idle_cases", ("case_id", "determination_no")),
        ("idle_exemptions", ("exemption_id", "cause_text")),
    ):
        df = ws.table(table)
        for col in cols:
            strings |= {str(v) for v in df[col].dropna() if str(v).strip()}
    areas = ws.areas
    if "former_enterprise" in areas.columns:  # wuan: the steel firm of a site
        strings |= {str(v) for v in areas["former_enterprise"].dropna()}
    hidden = sorted(p.loc[~p["status"].isin(INVESTOR_PARCEL_STATUSES), "parcel_id"].astype(str))
    comp = pd.to_numeric(p.get("compensation_wan_yuan"), errors="coerce").dropna()
    numbers = {round(float(v), 6) for v in comp if float(v) != int(v)}  # integers are too common
    return strings, hidden, numbers


def trie_pattern(words: set[str]) -> re.Pattern[str]:
    """One regex matching any of ``words``, built as a trie so a search is one pass."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        end = "" in node
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if end else body

    return re.compile(build(trie))


def _normalise(text: str) -> str:
    """Undo JSON ``\\uXXXX`` and (double) HTML escaping, so values are found as written."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return html.unescape(html.unescape(text))


def text_of(path: Path) -> str:
    """Every string a file holds, as text: archives unpacked, databases and PDF extracted.

    Geometry (coordinates, blobs) is left out: it is large and holds no text.
    """
    data = path.read_bytes()
    suffix = path.suffix.lower()
    parts: list[str] = []
    if suffix in (".xlsx", ".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for name in zf.namelist():
                parts.append(name)
                if not name.endswith((".shp", ".shx")):
                    parts.append(zf.read(name).decode("utf-8", errors="ignore"))
    elif suffix == ".gpkg":
        con = sqlite3.connect(path)
        try:
            for name, sql in con.execute("SELECT name, sql FROM sqlite_master"):
                parts += [str(name), str(sql)]
                if sql and sql.upper().startswith("CREATE TABLE"):
                    for row in con.execute(f'SELECT * FROM "{name}"'):
                        parts += [v for v in row if isinstance(v, str)]
        finally:
            con.close()
    elif suffix == ".geojson":
        doc = json.loads(data)
        parts.append(json.dumps({k: v for k, v in doc.items() if k != "features"}))
        for feat in doc["features"]:
            parts.append(json.dumps([feat.get("id"), feat["properties"]], ensure_ascii=False))
    elif suffix == ".kml":
        for el in ET.fromstring(data).iter():
            parts += [f"{k}={v}" for k, v in el.attrib.items()]
            if not el.tag.endswith("coordinates") and el.text:
                parts.append(el.text)
    elif suffix == ".pdf":
        if shutil.which("pdftotext") is None:
            pytest.skip("pdftotext missing: run scripts/ensure-export-tools.sh")
        out = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True
        )
        parts.append(out.stdout.decode("utf-8"))
    elif suffix == ".txt":  # a 报盘坐标 txt, GBK by default
        parts.append(data.decode("gbk"))
    else:
        parts.append(data.decode("utf-8-sig"))
    return _normalise("\n".join(parts))


def numbers_of(path: Path) -> set[float]:
    """Every number stored as a value in a structured export (not coordinates)."""
    import pyogrio
    from openpyxl import load_workbook

    suffix = path.suffix.lower()
    values: list[object] = []
    if suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        for sheet in wb.worksheets:
            for row in sheet.iter_rows(values_only=True):
                values += row
    elif suffix == ".csv":
        values += pd.read_csv(path, encoding="utf-8-sig").to_numpy().ravel().tolist()
    elif suffix in (".gpkg", ".zip"):
        if suffix == ".gpkg":
            sources = [(str(path), name) for name, _ in pyogrio.list_layers(path)]
        else:
            with zipfile.ZipFile(path) as zf:
                shps = [n for n in zf.namelist() if n.endswith(".shp")]
            sources = [(f"/vsizip/{path}/{n}", None) for n in shps]
        for src, layer in sources:
            df = pyogrio.read_dataframe(src, layer=layer, read_geometry=False)
            values += df.select_dtypes("number").to_numpy().ravel().tolist()
    elif suffix == ".geojson":
        for feat in json.loads(path.read_bytes())["features"]:
            values += list(feat["properties"].values())
    elif suffix == ".kml":
        values += [
            el.text for el in ET.fromstring(path.read_bytes()).iter() if el.tag.endswith("}value")
        ]
    out = set()
    for v in values:
        try:
            f = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if f == f:
            out.add(round(f, 6))
    return out


def test_every_format_exports_from_the_cli_for_every_workspace(investor_exports):
    if not PDF_LIBS:
        pytest.skip("reportlab or matplotlib missing: PDF not exported (pyproject dependencies)")
    assert len(investor_exports) == len(WORKSPACES) * len(FORMATS)
    for (ws, fmt), path in investor_exports.items():
        data = path.read_bytes()
        if fmt in ("xlsx", "shp"):
            assert zipfile.is_zipfile(path), (ws, fmt)
        elif fmt == "gpkg":
            assert data.startswith(b"SQLite format 3"), ws
        elif fmt == "geojson":
            assert json.loads(data)["type"] == "FeatureCollection"
        elif fmt == "kml":
            assert ET.fromstring(data).tag.endswith("kml")
        elif fmt == "pdf":
            assert data.startswith(b"%PDF-")
        elif fmt == "html":
            assert b"TL.mount(" in data
        elif fmt == "csv":
            assert data.startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("ws", WORKSPACES)
def test_investor_exports_hold_no_internal_field_or_value(investor_exports, ws):
    strings, hidden, numbers = forbidden_values(ws)
    assert strings, "the workspace should have internal values to look for"
    needles = trie_pattern(strings)
    for fmt in TESTED:
        path = investor_exports[(ws, fmt)]
        text = text_of(path)
        for name in INTERNAL_NAMES:
            assert name not in text, f"{ws} {fmt}: field {name!r} leaked"
        assert not re.search(r"\bowner\b", text), f"{ws} {fmt}: field owner leaked"
        assert not re.search(r"(?<![\w-])contact(?![\w-])", text), f"{ws} {fmt}: field contact"
        hit = needles.search(text)
        assert hit is None, f"{ws} {fmt}: internal value leaked: {hit and hit.group(0)!r}"
        tokens = set(re.findall(r"[\w-]+", text))
        shown = sorted(tokens.intersection(hidden))
        assert not shown, f"{ws} {fmt}: parcels that are not available leaked: {shown[:5]}"
        if numbers and fmt not in ("html", "pdf"):  # bare numbers are checked as stored values
            found = numbers_of(path) & numbers
            assert not found, f"{ws} {fmt}: compensation figures leaked: {sorted(found)[:5]}"


@pytest.mark.parametrize("fmt", ["xlsx", "gpkg", "shp", "geojson", "kml"])
def test_planner_exports_do_carry_internal_values(tmp_path, fmt):
    """The search above would see a leak: a planner's file holds the same values."""
    strings, hidden, _ = forbidden_values("wuan")
    text = text_of(_export("wuan", fmt, tmp_path / f"wuan.{EXT[fmt]}"))
    assert any(v in text for v in strings)
    assert "former_enterprise" in text or "原企业" in text
    assert hidden[0] in text


def test_planner_geojson_carries_compensation_figures(tmp_path):
    _, _, numbers = forbidden_values("fuxing")
    path = _export("fuxing", "geojson", tmp_path / "f.geojson")
    assert numbers & numbers_of(path) == numbers


def test_investor_csv_parcel_table_lists_available_parcels_only(tmp_path):
    path = _export("fuxing", "csv", tmp_path / "p.csv", "--role", "investor", "--table", "parcels")
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    ws = open_workspace(DATA / "fuxing.gpkg", validate=False)
    avail = ws.parcels[ws.parcels["status"].isin(INVESTOR_PARCEL_STATUSES)]
    assert sorted(df["地块编号"]) == sorted(avail["parcel_id"])
    assert "地块名称" not in df.columns  # parcel names often carry the former firm's name
