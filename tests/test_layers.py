"""Layer specs: parsing, errors naming file and key, and the rows and fields a role receives."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.layers import (
    DEFAULT_LAYERS_DIR,
    INVESTOR_PARCEL_STATUSES,
    LayerSpecError,
    investor_forbidden_fields,
    load_layer_spec,
    load_layer_specs,
    role_fields,
    select_rows,
)
from geo.schema import FREED_STATUSES, STATUSES

MINIMAL = """\
title = { zh = "地块", en = "Parcels" }
theme = { id = "land", zh = "用地", en = "Land" }

[source]
table = "parcels"

[roles.planner]
fields = ["parcel_id", "status"]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def parcels_frame() -> gpd.GeoDataFrame:
    n = len(STATUSES)
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{i}" for i in range(n)],
            "name": [f"地块{i}" for i in range(n)],
            "status": list(STATUSES),
            "polluting_history": ([True, False] * n)[:n],
            "land_use_planned": (["070101", "100101"] * n)[:n],
            "former_enterprise": [f"原企业{i}" for i in range(n)],
            "owner": [f"权利人{i}" for i in range(n)],
            "compensation_wan_yuan": [float(i) for i in range(n)],
            "contact": [f"联系人{i}" for i in range(n)],
            "area_mu": [15.0] * n,
        },
        geometry=[
            box(500_000 + 200 * i, 4_050_000, 500_100 + 200 * i, 4_050_100) for i in range(n)
        ],
        crs=4547,
    )


# ---------------------------------------------------------------------------
# The shipped specs
# ---------------------------------------------------------------------------


def test_shipped_specs_load_and_cover_the_planner_layers():
    specs = load_layer_specs(DEFAULT_LAYERS_DIR)
    ids = {s.id for s in specs}
    assert {
        "parcels_status",
        "freed_land",
        "available_sites",
        "areas_kind",
        "layouts",
        "plates",
        "forest_park",
        "roads",
        "boundaries",
        "benefit_classes",
        "soil_gate",
    } <= ids
    assert [s.z_index for s in specs] == sorted(s.z_index for s in specs)
    for s in specs:
        assert s.title.zh and s.title.en and s.theme.label.zh and s.theme.label.en
        assert "planner" in s.roles
        if "investor" in s.roles:
            assert not set(s.roles["investor"]) & investor_forbidden_fields(s.table), s.id


def test_minimal_spec_defaults(tmp_path):
    spec = load_layer_spec(write(tmp_path, "parcels.toml", MINIMAL))
    assert spec.id == "parcels"
    assert spec.table == "parcels" and spec.geometry == "polygon" and spec.key == "parcel_id"
    assert spec.style.kind == "single" and spec.visible is True
    assert spec.allows("planner") and not spec.allows("investor")


def test_value_sets_and_visible_per_role(tmp_path):
    text = MINIMAL.replace(
        'table = "parcels"',
        'table = "parcels"\nfilter = [{ field = "status", op = "in", value = "@FREED_STATUSES" }]',
    )
    text = 'visible = ["investor"]\n' + text
    spec = load_layer_spec(write(tmp_path, "freed.toml", text))
    assert set(spec.filter[0].value) == FREED_STATUSES
    assert spec.visible_for("investor") and not spec.visible_for("planner")


# ---------------------------------------------------------------------------
# Errors name the file and the key
# ---------------------------------------------------------------------------


def test_broken_toml_names_the_file(tmp_path):
    p = write(tmp_path, "broken.toml", 'title = { zh = "x", en = \n')
    with pytest.raises(LayerSpecError, match=r"broken\.toml: \(toml\): "):
        load_layer_spec(p)


@pytest.mark.parametrize(
    ("edit", "key", "words"),
    [
        (lambda t: t.replace('title = { zh = "地块", en = "Parcels" }\n', ""), "title", "missing"),
        (lambda t: t.replace('table = "parcels"', 'table = "parcelz"'), "source.table", "parcelz"),
        (
            lambda t: t.replace('table = "parcels"', 'table = "enterprises"'),
            "source.table",
            "enterprises",
        ),
        (lambda t: t.replace("[roles.planner]", "[roles.boss]"), "roles.boss", "unknown role"),
        (
            lambda t: t.replace('fields = ["parcel_id", "status"]', ""),
            "roles.planner.fields",
            "missing",
        ),
        (lambda t: t + '\n[style]\nby = "status"\n', "style.categories", "categorical"),
        (lambda t: t + '\n[style]\ncolor = "red"\n', "style.color", "#rrggbb"),
        (
            lambda t: t + '\n[style]\nkind = "bins"\nby = "area_mu"\nbreaks = [10, 5]\n',
            "style.breaks",
            "increasing",
        ),
        (lambda t: t + "\n[tooltip]\nfields = [1, 2]\n", "tooltip.fields", "list of field names"),
        (lambda t: "zorder = 3\n" + t, "zorder", "unknown key"),
        (
            lambda t: t + '\n[label]\nfield = "parcel_id"\ndetail = 3\n',
            "label.detail",
            "field name",
        ),
        (
            lambda t: t + '\n[label]\nfield = "parcel_id"\nsize = 3\n',
            "label.size",
            "known: field, field_en, min_zoom, detail",
        ),
        (lambda t: t + "zorder = 3\n", "roles.planner.zorder", "unknown key"),
        (
            lambda t: t.replace(
                'table = "parcels"', 'table = "parcels"\nfilter = [{ field = "status", op = "~" }]'
            ),
            "source.filter[0].op",
            "unknown operator",
        ),
        (
            lambda t: t.replace(
                'table = "parcels"',
                'table = "parcels"\nfilter = [{ field = "status", op = "in", value = "@NOPE" }]',
            ),
            "source.filter[0].value",
            "unknown value set",
        ),
        (
            lambda t: t + '\n[roles.investor]\nfields = ["parcel_id", "owner"]\n',
            "roles.investor.fields",
            "owner",
        ),
        (
            lambda t: t + '\n[roles.investment]\nfields = ["*"]\n',
            "roles.investment.fields",
            "planner only",
        ),
    ],
)
def test_spec_errors_name_file_and_key(tmp_path, edit, key, words):
    p = write(tmp_path, "bad.toml", edit(MINIMAL))
    with pytest.raises(LayerSpecError) as err:
        load_layer_spec(p)
    msg = str(err.value)
    assert f"bad.toml: {key}: " in msg
    assert words in msg
    assert isinstance(err.value, ValueError)


def test_every_problem_is_reported_at_once(tmp_path):
    bad = MINIMAL.replace('table = "parcels"', 'table = "x"').replace(
        "[roles.planner]", "[roles.y]"
    )
    with pytest.raises(LayerSpecError) as err:
        load_layer_spec(write(tmp_path, "two.toml", bad))
    lines = str(err.value).splitlines()
    assert any("source.table" in ln for ln in lines) and any("roles.y" in ln for ln in lines)


def test_aggregated_map_layers_are_a_display_option():
    """One set of specs: the aggregated map's layers are marked, not kept in side files."""
    ordinary = {s.id for s in load_layer_specs(DEFAULT_LAYERS_DIR)}
    aggregated = {s.id for s in load_layer_specs(DEFAULT_LAYERS_DIR, aggregated=True)}
    assert aggregated == {"aggregate_land", "aggregate_outlines", "aggregate_selection"}
    assert not ordinary & aggregated
    assert not list(DEFAULT_LAYERS_DIR.glob("_*.toml"))


def test_display_aggregated_must_be_a_boolean(tmp_path):
    """Bad input: display.aggregated = "yes"."""
    write(tmp_path, "a.toml", MINIMAL + '\n[display]\naggregated = "yes"\n')
    with pytest.raises(LayerSpecError, match=r"display\.aggregated: must be true or false"):
        load_layer_specs(tmp_path)


def test_folder_reports_all_files_and_duplicate_ids(tmp_path):
    write(tmp_path, "a.toml", MINIMAL)
    write(tmp_path, "b.toml", 'id = "a"\n' + MINIMAL)
    write(tmp_path, "c.toml", "nonsense = [\n")
    write(tmp_path, "_ignored.toml", "not a spec at all = \n")
    with pytest.raises(LayerSpecError) as err:
        load_layer_specs(tmp_path)
    msg = str(err.value)
    assert "c.toml: (toml)" in msg and "b.toml: id: 'a' is also the id of" in msg
    assert "_ignored" not in msg


# ---------------------------------------------------------------------------
# Rows and fields per role
# ---------------------------------------------------------------------------


def spec_for(tmp_path: Path, extra: str = "") -> object:
    text = MINIMAL.replace('fields = ["parcel_id", "status"]', 'fields = ["*"]') + textwrap.dedent(
        """
        [style]
        by = "status"
        vocabulary = "status"

        [tooltip]
        fields = ["parcel_id", "name", "owner"]

        [roles.investment]
        fields = ["parcel_id", "name", "status"]

        [roles.investor]
        fields = ["parcel_id", "status", "area_mu"]
        """
    )
    return load_layer_spec(write(tmp_path, "p.toml", text + extra))


def test_planner_gets_every_column_and_investor_only_available_parcels(tmp_path):
    spec = spec_for(tmp_path)
    tables = {"parcels": parcels_frame()}
    planner = select_rows(spec, tables, role="planner")
    assert planner is not None and len(planner.frame) == len(STATUSES)
    assert {"owner", "contact", "former_enterprise"} <= set(planner.fields)
    assert planner.tooltip == ("parcel_id", "name", "owner")

    inv = select_rows(spec, tables, role="investor")
    assert inv is not None
    assert set(inv.frame["status"]) == INVESTOR_PARCEL_STATUSES
    assert inv.fields == ("parcel_id", "status", "area_mu")
    assert inv.tooltip == ("parcel_id",)

    inv_sel = select_rows(spec, tables, role="investor", parcel_ids=["P2", "P0"])
    assert list(inv_sel.frame["parcel_id"]) == ["P2"]  # P0 is operating: never shown


def test_internal_fields_are_dropped_even_if_a_spec_lists_them(tmp_path):
    spec = spec_for(tmp_path)
    # Bypass validation, as a hand-built spec could.
    object.__setattr__(spec, "roles", {**spec.roles, "investor": ("parcel_id", "owner", "contact")})
    fields = role_fields(spec, "investor", parcels_frame().columns)
    assert "owner" not in fields and "contact" not in fields
    assert fields[0] == "parcel_id"


def test_investor_gets_no_parcels_without_status(tmp_path):
    spec = spec_for(tmp_path)
    frame = parcels_frame().drop(columns="status")
    object.__setattr__(spec, "style", type(spec.style)())  # no style field
    assert len(select_rows(spec, {"parcels": frame}, role="investor").frame) == 0


def test_missing_column_skips_the_layer_with_a_log(tmp_path, caplog):
    spec = load_layer_spec(
        write(
            tmp_path,
            "benefit.toml",
            MINIMAL.replace(
                'table = "parcels"',
                'table = "parcels"\nfilter = [{ field = "benefit_class", op = "not_null" }]',
            ),
        )
    )
    with caplog.at_level(logging.INFO, logger="geo.layers"):
        assert select_rows(spec, {"parcels": parcels_frame()}, role="planner") is None
    assert "benefit_class" in caplog.text and "skipped" in caplog.text
    assert select_rows(spec, {}, role="planner") is None


def test_unknown_role_is_an_error(tmp_path):
    spec = spec_for(tmp_path)
    with pytest.raises(ValueError, match="unknown role 'boss'"):
        select_rows(spec, {"parcels": parcels_frame()}, role="boss")


def test_soil_gate_is_derived_when_absent():
    spec = next(s for s in load_layer_specs() if s.id == "soil_gate")
    rows = select_rows(spec, {"parcels": parcels_frame()}, role="planner")
    # Polluting history (even rows) and first-class planned use (070101, even rows).
    assert list(rows.frame["parcel_id"]) == [f"P{i}" for i in range(0, len(STATUSES), 2)]
    assert rows.frame["soil_investigation_required"].all()


def test_benefit_legend_names_the_classes_as_the_page_and_exports():
    """The map legend once said "B类(支持发展)" where the page said "B类（提升发展类）"."""
    from geo.benefit import CLASS_LABELS

    spec = next(s for s in load_layer_specs() if s.id == "benefit_classes")
    legend = {c.value: (c.label.zh, c.label.en) for c in spec.style.categories}
    assert legend == CLASS_LABELS
