"""PDF exports: a one-page bilingual site sheet and a multi-page release report, fonts embedded.

Checked with poppler-utils (``pdffonts``, ``pdftotext``, ``pdfinfo``;
``scripts/ensure-export-tools.sh`` installs them); the first page of each is
also rendered to ``artifacts/`` for a person to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytest.importorskip("reportlab", reason="PDF export needs reportlab (pyproject dependency)")
pytest.importorskip("matplotlib", reason="PDF export needs matplotlib (pyproject dependency)")

from geo import sharing
from geo.cli import app
from geo.crs import m2_to_ha, m2_to_mu
from geo.export import ExportError, _fonts as fonts, export_bytes
from geo.export.office import load_office, share_url
from geo.workspace import open_workspace

DATA = Path(__file__).resolve().parent.parent / "data"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
runner = CliRunner()

needs_poppler = pytest.mark.skipif(
    shutil.which("pdffonts") is None, reason="poppler-utils missing: scripts/ensure-export-tools.sh"
)


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8")


def pdf_text(path: Path) -> str:
    return _run("pdftotext", "-layout", str(path), "-")


def pages(path: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path))).group(1))


def assert_fonts_embedded(path: Path) -> None:
    lines = _run("pdffonts", str(path)).splitlines()[2:]
    assert lines, "no fonts"
    for line in lines:
        cols = line.split()
        # name type encoding emb sub uni object ID: emb is the 4th column from the right + 2
        emb, sub = cols[-5], cols[-4]
        assert emb == "yes" and sub == "yes", line
    assert not any("Helvetica" in line for line in lines)


def snapshot(path: Path, name: str) -> None:
    """Page 1 as PNG in artifacts/, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(ARTIFACTS / name),
        ],
        check=True,
    )


@pytest.fixture
def no_office_env(monkeypatch):
    from geo.export.office import _ENV_FIELDS, CONFIG_ENV

    for var in (CONFIG_ENV, *_ENV_FIELDS):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no config/office.toml here


@needs_poppler
def test_site_sheet_for_an_investor(tmp_path, monkeypatch, no_office_env):
    monkeypatch.setenv("TENGLONG_OFFICE_NAME", "复兴区投资促进局")
    monkeypatch.setenv("TENGLONG_OFFICE_PHONE", "0310-1234567")
    monkeypatch.setenv("TENGLONG_SHARE_BASE_URL", "https://tenglong.example.gov.cn/")
    out = tmp_path / "site.pdf"
    res = runner.invoke(
        app,
        [
            "export",
            str(DATA / "fuxing.gpkg"),
            "--format",
            "pdf",
            "--site",
            "FX-0079",
            "--role",
            "investor",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert pages(out) == 1
    assert_fonts_embedded(out)
    text = pdf_text(out)
    ws = open_workspace(DATA / "fuxing.gpkg", validate=False)
    site = ws.parcels[ws.parcels["parcel_id"] == "FX-0079"].iloc[0]
    area = site.geometry.area
    for expected in (
        "招商地块信息表",
        "Investment Site Sheet",
        "FX-0079",
        f"{m2_to_mu(area):,.2f} 亩",
        f"{m2_to_ha(area):,.2f} 公顷 ha",
        "复兴经济开发区",
        "容积率",
        "floor-area ratio",
        "投资强度",
        "距最近干道",
        "复兴区投资促进局",
        "0310-1234567",
        "示意 / schematic",
        "第 1 页 / 共 1 页",
    ):
        assert expected in text, expected
    # the printed link is signed: it opens the investor presentation of this site only
    flat = re.sub(r"\s+", "", text)
    link = r"https://tenglong\.example\.gov\.cn/site-finder\?share=([A-Za-z0-9_.-]+)"
    found = re.search(link, flat)
    assert found, flat[:400]
    share = sharing.verify_token(found.group(1), sharing.load_secret())
    assert (share.workspace, share.sites) == ("fuxing", ("FX-0079",))
    assert "present=1" not in flat
    assert "示例" not in text  # configured: nothing of the packaged example
    snapshot(out, "export_site_sheet")


@needs_poppler
def test_site_sheet_of_an_assembled_site(tmp_path, monkeypatch, no_office_env):
    """``--site S:ID1,ID2…``: the outline, the members table and the total of their areas."""
    from geo.siting import finder

    monkeypatch.setenv("TENGLONG_SHARE_BASE_URL", "https://tenglong.example.gov.cn/")
    ws = open_workspace(DATA / "fuxing.gpkg", validate=False)
    sites = finder.candidate_sites(ws.parcels, use="industry_2", areas=ws.areas)
    site = sites[sites["assembled"]].iloc[0]
    members = list(site["member_ids"])
    out = tmp_path / "assembled.pdf"
    res = runner.invoke(
        app,
        [
            *("export", str(DATA / "fuxing.gpkg"), "--format", "pdf"),
            *("--site", site["site_id"], "--role", "investor", "--out", str(out)),
        ],
    )
    assert res.exit_code == 0, res.output
    assert pages(out) == 1
    assert_fonts_embedded(out)
    text = pdf_text(out)
    total = ws.parcels[ws.parcels["parcel_id"].isin(members)].geometry.area.sum()
    for expected in (
        "招商连片地块信息表",
        "Assembled Site Sheet",
        f"连片地块（{len(members)} 宗）",
        f"{m2_to_mu(total):,.2f} 亩",
        "组成地块",
        "二类工业用地",
        *members,
    ):
        assert expected in text, expected
    flat = re.sub(r"\s+", "", text)
    found = re.search(r"site-finder\?share=([A-Za-z0-9_.-]+)", flat)
    share = sharing.verify_token(found.group(1), sharing.load_secret())
    assert share.sites == (site["site_id"],)
    snapshot(out, "export_assembled_site_sheet")


@pytest.mark.parametrize(
    ("site", "message"),
    [
        ("S:FX-0114,FX-0001", "not available to role investor"),
        ("S:FX-0114,FX-9999", "no parcel FX-9999"),
        ("S:FX-0114", "names one parcel"),
    ],
)
def test_an_assembled_site_sheet_with_a_hidden_or_unknown_member_is_refused(site, message):
    with pytest.raises(ExportError, match=message):
        export_bytes(DATA / "fuxing.gpkg", fmt="pdf", role="investor", site_id=site)


@needs_poppler
def test_park_sheet_from_an_area_id(tmp_path, no_office_env):
    out = tmp_path / "park.pdf"
    res = runner.invoke(
        app,
        [
            "export",
            str(DATA / "wuan.gpkg"),
            "--format",
            "pdf",
            "--site",
            "WA-GY",
            "--role",
            "investor",
            "--lang",
            "en",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert pages(out) == 1
    text = pdf_text(out)
    assert "招商园区信息表" in text and "WA-GY" in text
    assert "示例联系方式" in text  # the packaged placeholder says it is one
    found = re.search(r"site-finder\?share=([A-Za-z0-9_.-]+)", re.sub(r"\s+", "", text))
    assert found, "the sheet prints its signed link"
    share = sharing.verify_token(found.group(1), sharing.load_secret())
    assert (share.workspace, dict(share.brief)) == ("wuan", {"area": "WA-GY"})


@needs_poppler
def test_release_report(tmp_path):
    out = tmp_path / "report.pdf"
    res = runner.invoke(app, ["export", str(DATA / "fuxing.gpkg"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    n = pages(out)
    assert n >= 3
    assert_fonts_embedded(out)
    text = pdf_text(out)
    for expected in (
        "土地腾退情况报告",
        "Land Release Report",
        "10,269.0",  # freed land, 亩
        "公开数据",
        "按规划片区",
        "按状态",
        "土壤门槛",
        "亩均效益分类",
        "数据说明",
        "示意 / schematic",
        f"第 {n} 页 / 共 {n} 页 · Page {n} of {n}",
    ):
        assert expected in text, expected
    snapshot(out, "export_report")


def test_site_sheet_is_refused_for_a_parcel_investors_may_not_see():
    with pytest.raises(ExportError, match="not available to role investor"):
        export_bytes(DATA / "fuxing.gpkg", fmt="pdf", role="investor", site_id="FX-0001")


def test_export_bytes_names_the_pdf():
    data, name, mime = export_bytes(DATA / "hebi.gpkg", fmt="pdf", site_id="HB-Z1")
    assert data.startswith(b"%PDF-") and name == "hebi-area-HB-Z1.pdf"
    assert mime == "application/pdf"


def test_missing_font_says_how_to_install_one(tmp_path, monkeypatch):
    monkeypatch.setattr(fonts, "candidates", lambda: [])
    fonts.cjk_font.cache_clear()
    try:
        out = tmp_path / "r.pdf"
        res = runner.invoke(app, ["export", str(DATA / "hebi.gpkg"), "--out", str(out)])
        assert res.exit_code == 2
        assert "pip install paperang-p2-fonts-cjk" in res.output
        assert "fonts-wqy-microhei" in res.output
        assert list(tmp_path.iterdir()) == []
    finally:
        fonts.cjk_font.cache_clear()


def test_font_from_environment_must_exist(monkeypatch):
    monkeypatch.setenv(fonts.FONT_ENV, "/nonexistent/font.ttf")
    with pytest.raises(fonts.FontNotFoundError, match="no such file"):
        fonts.candidates()


def test_office_configuration_layers(tmp_path, monkeypatch, no_office_env):
    assert load_office().placeholder
    cfg = tmp_path / "office.toml"
    cfg.write_text(
        '[office]\nname = "复兴区投资促进局"\nphone = "0310-7654321"\n'
        '[share]\nbase_url = "https://invest.example.gov.cn/app/"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("TENGLONG_OFFICE_CONFIG", str(cfg))
    office = load_office()
    assert not office.placeholder and office.phone == "0310-7654321"
    assert office.lines("zh")[0] == "复兴区投资促进局"
    monkeypatch.setenv("TENGLONG_OFFICE_CONTACT", "招商热线 12345")
    office = load_office()
    assert office.lines("zh") == ["复兴区投资促进局", "招商热线 12345"]
    url = share_url(office.share_base_url, workspace="wuan", area="WA-DS", secret=b"s" * 32)
    assert url.startswith("https://invest.example.gov.cn/app/site-finder?share=")
    share = sharing.verify_token(url.split("share=")[1], b"s" * 32)
    assert (share.workspace, dict(share.brief)) == ("wuan", {"area": "WA-DS"})
