"""The planned-use layer is drawn with the 用地用海分类 colour table (制图规范 附录 B).

The colours live in ``geo/config/codes/land_use_2023.csv`` (``color``,
``color_source``); the file's header names the source. Checked here: every
code has a colour marked verified, inherited or approximated; an inherited
colour is its parent's verified one; spot values of the table; and a map of
the Fuxing demo draws its parcels' planned uses in those colours, with a
legend of the uses present, and does not send the layer to an investor.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd

from geo import codes
from geo.render import component_data, render_map
from geo.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "geo" / "config" / "codes" / "land_use_2023.csv"
FUXING = ROOT / "data" / "fuxing.gpkg"
HEX = re.compile(r"#[0-9a-f]{6}")


def test_every_code_has_a_colour_and_says_how_sure_it_is():
    table = codes.code_table("land_use")
    assert len(table) > 150
    for code, c in table.items():
        assert c.color and HEX.fullmatch(c.color), code
        assert c.color_source in {"verified", "inherited", "approximated"}, code
    sources = {c.color_source for c in table.values()}
    assert sources == {"verified", "inherited", "approximated"}


def test_inherited_colours_are_their_parents_verified_ones():
    table = codes.code_table("land_use")
    for code, c in table.items():
        if c.color_source != "inherited":
            continue
        parents = [code[:n] for n in (len(code) - 2, len(code) - 4) if n > 0]
        parent = next(p for p in parents if p in table and table[p].color_source == "verified")
        assert c.color == table[parent].color, code


def test_values_of_the_colour_table():
    """Spot values of 附录 B as the cited transcription gives them (RGB → hex)."""
    table = codes.code_table("land_use")
    expected = {
        "09": (255, 0, 0),  # 商业服务业用地
        "1001": (187, 150, 116),  # 工业用地
        "100102": (187, 150, 116),  # 二类工业用地: the table has no row of its own
        "11": (135, 97, 211),  # 仓储用地
        "1401": (0, 255, 0),  # 公园绿地
        "1402": (20, 141, 74),  # 防护绿地
        "0701": (255, 255, 45),  # 城镇住宅用地
        "16": (255, 255, 255),  # 留白用地
    }
    for code, rgb in expected.items():
        assert table[code].color == "#{:02x}{:02x}{:02x}".format(*rgb), code
    assert table["1001"].color_source == "verified"
    assert table["100102"].color_source == "inherited"
    assert table["0702"].color_source == "approximated"


def test_the_file_header_cites_its_source_and_says_what_is_not_checked():
    header = "\n".join(
        line for line in CSV.read_text(encoding="utf-8").splitlines() if line.startswith("#")
    )
    assert "tinsei0321/emotion_map" in header and "frontend/js/landuse_colors.js" in header
    assert "市级国土空间总体规划制图规范" in header and "附录 B" in header
    assert "NOT a" in header and "not checked against" in header


def _layer(cfg: dict, lid: str) -> dict | None:
    return next((lyr for lyr in cfg["layers"] if lyr["id"] == lid), None)


def test_the_planned_use_layer_draws_the_table_colours_with_a_legend_of_the_uses_present():
    ws = open_workspace(FUXING)
    m = render_map(ws, role="planner", lang="zh", asset_mode="served")
    cfg = json.loads(component_data(m)["cfg"])
    lyr = _layer(cfg, "planned_use")
    assert lyr is not None and not lyr["visible"]
    table = codes.code_table("land_use")
    cats = dict(lyr["style"]["cats"])
    present = set(gpd.read_file(FUXING, layer="parcels")["land_use_planned"].dropna().astype(str))
    assert present and set(cats) == present
    for code, color in cats.items():
        assert color == table[code].color, code
    labels = [item["label"] for item in lyr["legend"]]
    assert len(labels) == len(present)
    assert "二类工业用地" in labels if "100102" in present else True
    en = json.loads(component_data(render_map(ws, role="planner", lang="en"))["cfg"])
    assert not any(
        "\u4e00" <= ch <= "\u9fff"
        for item in _layer(en, "planned_use")["legend"]
        for ch in item["label"]
    )
    investor = json.loads(
        component_data(render_map(ws, role="investor", lang="zh", asset_mode="served"))["cfg"]
    )
    assert _layer(investor, "planned_use") is None
