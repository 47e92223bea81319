"""Ledgers (台账) update parcels by ID: diff, skipped rows, one audited transaction, conflicts.

The tiny workspace (tests/pg_fixture.py): P1 released 2018-05-01, P2 stored
2020-06-01, P3 operating since 2010-01-01, P4 supplied 2021-01-01. Ledgers are
real xlsx files written by openpyxl and real csv bytes (UTF-8 and GBK);
every test that edits runs on the GeoPackage and the PostGIS store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from geo.access import RoleError
from geo.cli import app
from geo.export.formats import export_file
from geo.io.errors import DataImportError, LedgerError
from geo.io.ledger import apply_ledger, diff_ledger, read_ledger, write_sample_ledger
from geo.store import EditConflict, open_store
from geo.workspace import open_workspace

pytest_plugins = ("pg_fixture",)

runner = CliRunner()
TODAY = dt.date(2025, 7, 1)


def _xlsx(path: Path, rows: list[list[object]], *, sheet: str = "台账") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


HEAD = ["地块编号", "状态", "状态起始日期", "权利人", "补偿金额(元)", "备注"]


def _office_ledger(path: Path) -> Path:
    """P3 to_release, P2's owner and compensation in 元, an unknown ID, P4 sent back."""
    return _xlsx(
        path,
        [
            HEAD,
            ["P3", "拟腾退", dt.datetime(2025, 3, 1), "丁", None, "会议纪要"],
            ["P2", "已收储", None, "县土地储备中心", 25_000_000, None],
            ["P9", "已收储", None, None, None, "库中无"],
            ["P4", "在产", dt.datetime(2025, 4, 1), None, None, "不可能"],
            ["P1", None, None, None, None, "没有变化"],
        ],
    )


def _fields(store, pid: str) -> dict[str, object]:
    return dict(store.parcel(pid).values)


# ---------------------------------------------------------------------------
# Diff and apply, both backends
# ---------------------------------------------------------------------------


def test_ledger_diff_lists_changes_unknown_ids_and_impossible_transitions(tiny_target, tmp_path):
    ledger = _office_ledger(tmp_path / "台账.xlsx")
    with open_store(tiny_target, user="王工") as store:
        before = store.history()
        diff = diff_ledger(store, ledger, today=TODAY)
        assert len(store.history()) == len(before)  # a diff writes nothing
    assert diff.key_column == "地块编号" and diff.sheet == "台账"
    got = [(c.row, c.parcel_id, c.field, c.before, c.after) for c in diff.changes]
    assert got == [
        (2, "P3", "status", "operating", "to_release"),
        (2, "P3", "status_since", "2010-01-01", "2025-03-01"),
        (3, "P2", "owner", "乙", "县土地储备中心"),
        (3, "P2", "compensation_wan_yuan", "2000.0", "2500.0"),  # 元 → 万元
    ]
    assert diff.unknown == [(4, "P9")]
    assert [(r.row, r.parcel_id) for r in diff.refused] == [(5, "P4")]
    assert "cannot go from supplied to operating" in diff.refused[0].reason
    assert "row 5" in diff.refused[0].reason
    assert diff.unchanged == 1 and diff.counts()["parcels"] == 2
    assert diff.ignored == ["备注"]
    shown = diff.frame("zh")
    assert list(shown.iloc[0]) == [2, "P3", "状态 (status)", "在产", "拟腾退"]


def test_ledger_applies_in_one_audited_transaction(tiny_target, tmp_path):
    ledger = _office_ledger(tmp_path / "台账.xlsx")
    with open_store(tiny_target, user="王工") as store:
        diff = diff_ledger(store, ledger, today=TODAY)
        result = apply_ledger(store, diff, note="区政府批复")
        assert result.parcels == 2 and result.fields == 4 and result.edit_id
        p3, p2 = _fields(store, "P3"), _fields(store, "P2")
        assert p3["status"] == "to_release" and p3["status_since"] == dt.date(2025, 3, 1)
        assert p2["owner"] == "县土地储备中心" and p2["compensation_wan_yuan"] == 2500.0
        assert _fields(store, "P4")["status"] == "supplied"  # the refused row is not applied
        h = store.history()
        assert len(h) == 4  # one audit row per changed field
        assert set(h["edit_id"]) == {result.edit_id} and len(set(h["at"])) == 1
        assert set(h["who"]) == {"王工"}
        assert set(h["note"]) == {"ledger 台账.xlsx: 区政府批复"}
        assert store.parcel("P3").row_version == 1 and store.parcel("P1").row_version == 0
        # the same ledger again: nothing left to change, the skipped rows still listed
        again = diff_ledger(store, ledger, today=TODAY)
    assert again.changes == [] and again.unchanged == 3 and again.skipped == 2


def test_another_writer_between_preview_and_apply_is_detected(tiny_target, tmp_path):
    ledger = _office_ledger(tmp_path / "台账.xlsx")
    with open_store(tiny_target, user="王工") as store:
        diff = diff_ledger(store, ledger, today=TODAY)
        with open_store(tiny_target, user="李工") as other:  # another connection and editor
            other.update_parcel("P3", {"owner": "戊"}, note="现场核实")
        with pytest.raises(EditConflict) as caught:
            apply_ledger(store, diff)
        err = caught.value
        assert err.row_id == "P3" and err.who == "李工"
        assert "owner: 丁 → 戊" in str(err)
        # nothing of the ledger was written: P2 (no conflict) is unchanged too
        assert _fields(store, "P2")["owner"] == "乙"
        assert _fields(store, "P3")["status"] == "operating"
        assert _fields(store, "P3")["owner"] == "戊"  # the other change is kept
        h = store.history()
        assert list(h["who"]) == ["李工"]
        # a fresh preview sees the other change and applies on top of it
        fresh = diff_ledger(store, ledger, today=TODAY)
        assert ("P3", "owner", "戊", "丁") in [
            (c.parcel_id, c.field, c.before, c.after) for c in fresh.changes
        ]
        apply_ledger(store, fresh)
        assert _fields(store, "P3")["status"] == "to_release"


def test_only_planners_update_from_a_ledger(tiny_target, tmp_path):
    ledger = _office_ledger(tmp_path / "台账.xlsx")
    with open_store(tiny_target, user="招商", role="investment") as store, pytest.raises(RoleError):
        diff_ledger(store, ledger, today=TODAY)
    with open_store(tiny_target, user="王工") as planner:
        diff = diff_ledger(planner, ledger, today=TODAY)
    with open_store(tiny_target, user="招商", role="investment") as store:
        with pytest.raises(RoleError):
            apply_ledger(store, diff)
        assert store.parcel("P3").values["status"] == "operating"


# ---------------------------------------------------------------------------
# Round trip through the export
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_xlsx_export_feeds_back_unchanged_then_edited(tiny_path, tmp_path, lang):
    out = export_file(tiny_path, tmp_path / f"export_{lang}.xlsx", fmt="xlsx", lang=lang)
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, out, today=TODAY)
        assert diff.sheet == ("地块清单" if lang == "zh" else "Parcels")
        assert diff.changes == [] and diff.skipped == 0
        assert diff.unchanged == 4 and diff.summary_rows == 1  # the 合计 / Total row
        area = "面积(亩)" if lang == "zh" else "area (mu)"
        assert diff.not_updatable[area].startswith("not updatable")
        planning = "所在片区" if lang == "zh" else "planning area"
        assert planning in diff.not_updatable
        # edit the exported workbook as an office would: a status word, an owner, an area
        wb = openpyxl.load_workbook(out)
        ws = wb["地块清单" if lang == "zh" else "Parcels"]
        head = [c.value for c in ws[1]]
        col = {h: i + 1 for i, h in enumerate(head)}
        rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
        status_h = "状态" if lang == "zh" else "status"
        owner_h = "权利人" if lang == "zh" else "owner"
        ws.cell(rows["P1"], col[status_h]).value = "已收储" if lang == "zh" else "stored"
        ws.cell(rows["P4"], col[owner_h]).value = "新投资方"
        ws.cell(rows["P2"], col[area]).value = 999.0  # computed: never applied
        wb.save(out)
        diff = diff_ledger(store, out, today=TODAY)
        got = {(c.parcel_id, c.field, c.after) for c in diff.changes}
        assert got == {
            ("P1", "status", "stored"),
            ("P1", "status_since", TODAY.isoformat()),
            ("P4", "owner", "新投资方"),
        }
        apply_ledger(store, diff)
        assert store.parcel("P1").values["status"] == "stored"
        ws2 = open_workspace(tiny_path)
        assert ws2.parcels.set_index("parcel_id").loc["P2", "area_mu"] == pytest.approx(15.0)


def test_the_csv_export_feeds_back_unchanged(tiny_path, tmp_path):
    out = export_file(tiny_path, tmp_path / "parcels.csv", fmt="csv", table="parcels")
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, out, today=TODAY)
    assert diff.changes == [] and diff.skipped == 0 and diff.unchanged == 4


def test_a_gbk_csv_ledger_with_units_and_status_words(tiny_path, tmp_path):
    ledger = _csv(
        tmp_path / "台账.csv",
        "宗地编号,处置状态,补偿款(元)\nP3,拟腾退,1500000\nP1,已腾退,\n",
        encoding="gbk",
    )
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, ledger, today=TODAY)
    assert {(c.parcel_id, c.field, c.after) for c in diff.changes} == {
        ("P3", "status", "to_release"),
        ("P3", "status_since", TODAY.isoformat()),
        ("P3", "compensation_wan_yuan", "150.0"),
    }
    assert any("GB" in n.upper() for n in diff.notes)


def test_the_sample_ledger(tiny_path, tmp_path):
    ws = open_workspace(tiny_path)
    path = write_sample_ledger(tmp_path / "台账示例.xlsx", ws.parcels, on="2025-06-30")
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, path, today=TODAY)
    assert [pid for _, pid in diff.unknown] == ["NO-SUCH-0000"]
    assert [r.parcel_id for r in diff.refused] == ["P1"]  # sent back along the lifecycle
    statuses = {c.parcel_id: c.after for c in diff.changes if c.field == "status"}
    assert statuses == {"P2": "supplied", "P3": "to_release", "P4": "in_production"}
    comp = {c.parcel_id: c.after for c in diff.changes if c.field == "compensation_wan_yuan"}
    assert comp == {"P2": "2000.5", "P4": "50.5"}  # written in 元, +5000 元


# ---------------------------------------------------------------------------
# Bad input: clear messages naming the row
# ---------------------------------------------------------------------------


def test_missing_key_column(tiny_path, tmp_path):
    ledger = _xlsx(tmp_path / "nokey.xlsx", [["名称", "状态"], ["一号地块", "已收储"]])
    with open_store(tiny_path, user="王工") as store:
        with pytest.raises(LedgerError, match=r"no key column.*名称, 状态.*--key"):
            diff_ledger(store, ledger)
        with pytest.raises(LedgerError, match="no column '宗地号' \\(--key\\)"):
            diff_ledger(store, ledger, key="宗地号")
        # --key names the column that holds the IDs
        named = _xlsx(tmp_path / "named.xlsx", [["序号", "状态"], ["P3", "拟腾退"]])
        diff = diff_ledger(store, named, key="序号", today=TODAY)
    assert diff.key_column == "序号" and diff.changes[0].parcel_id == "P3"


def test_duplicate_keys_refuse_every_row_of_the_id(tiny_path, tmp_path):
    ledger = _xlsx(
        tmp_path / "dup.xlsx",
        [["地块编号", "权利人"], ["P2", "甲"], ["P3", "丙"], ["P2", "乙乙"]],
    )
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, ledger)
    assert [(r.row, r.parcel_id) for r in diff.refused] == [(2, "P2"), (4, "P2")]
    assert "appears in rows 2, 4" in diff.refused[0].reason
    assert [(c.parcel_id, c.after) for c in diff.changes] == [("P3", "丙")]


def test_a_number_in_a_date_column_names_the_row(tiny_path, tmp_path):
    ledger = _xlsx(
        tmp_path / "num.xlsx",
        [["地块编号", "状态", "状态起始日期"], ["P3", "拟腾退", 45123], ["P1", None, 3.5]],
    )
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, ledger, today=TODAY)
    reasons = {r.row: r.reason for r in diff.refused}
    assert "row 2 (P3): 状态起始日期 holds the number 45123, not a date" in reasons[2]
    assert "row 3 (P1)" in reasons[3] and "3.5" in reasons[3]
    assert diff.changes == []


def test_a_date_formatted_cell_holding_a_small_number_is_refused(tiny_path, tmp_path):
    path = tmp_path / "fmt.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["地块编号", "腾退日期"])
    ws.append(["P1", 3])
    ws.cell(2, 2).number_format = "yyyy-mm-dd"  # Excel shows 1900-01-03
    wb.save(path)
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, path)
    assert "row 2 (P1)" in diff.refused[0].reason and "before 1949-10-01" in diff.refused[0].reason


def test_a_formula_cell_names_the_row_and_column(tiny_path, tmp_path):
    ledger = _xlsx(
        tmp_path / "formula.xlsx",
        [["地块编号", "补偿金额(万元)"], ["P1", "=B3*2"], ["P2", 10]],
    )
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, ledger)
    (refused,) = diff.refused
    assert refused.row == 2 and refused.parcel_id == "P1"
    assert "补偿金额(万元) holds the formula =B3*2" in refused.reason
    assert "Paste Special" in refused.reason
    assert [(c.parcel_id, c.after) for c in diff.changes] == [("P2", "10.0")]
    # a csv "formula" is refused the same way; the csv export's quoted text is not one
    csv = _csv(tmp_path / "f.csv", "地块编号,补偿金额(万元),权利人\nP1,=1+1,\nP2,,'=x\n")
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, csv)
    assert [r.row for r in diff.refused] == [2] and "formula =1+1" in diff.refused[0].reason
    assert [(c.parcel_id, c.field, c.after) for c in diff.changes] == [("P2", "owner", "=x")]


def test_bad_words_name_the_row(tiny_path, tmp_path):
    ledger = _xlsx(
        tmp_path / "words.xlsx",
        [["地块编号", "状态", "规划用途"], ["P3", "拆了一半", None], ["P1", None, "火星用地"]],
    )
    with open_store(tiny_path, user="王工") as store:
        diff = diff_ledger(store, ledger)
    reasons = {r.row: r.reason for r in diff.refused}
    assert "row 2 (P3): 状态 '拆了一半' is not a status" in reasons[2]
    assert "row 3 (P1): 规划用途 '火星用地'" in reasons[3]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty \\(0 bytes\\)"),
        ("header.csv", "地块编号,状态\r\n".encode(), "headers but no rows"),
        ("blank.csv", b"\r\n\r\n", "empty|no rows"),
        ("picture.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "cannot be read"),
    ],
)
def test_empty_and_unreadable_files(tiny_path, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with open_store(tiny_path, user="王工") as store, pytest.raises(DataImportError, match=message):
        diff_ledger(store, path)


def test_an_empty_workbook(tiny_path, tmp_path):
    path = _xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(LedgerError, match="empty"):
        read_ledger(path)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def test_cli_dry_run_then_apply(tiny_target, tmp_path):
    ledger = _office_ledger(tmp_path / "台账.xlsx")
    res = runner.invoke(app, ["update", tiny_target, str(ledger), "--dry-run", "--user", "王工"])
    assert res.exit_code == 0, res.output
    assert "P3" in res.output and "P9" in res.output and "dry run: nothing was saved" in res.output
    assert "cannot go from supplied to operating" in res.output
    with open_store(tiny_target, user="王工") as store:
        assert store.history().empty
    res = runner.invoke(
        app, ["update", tiny_target, str(ledger), "--user", "王工", "--note", "批复"]
    )
    assert res.exit_code == 0, res.output
    assert "saved 4 field(s) of 2 parcel(s)" in res.output
    with open_store(tiny_target, user="王工") as store:
        assert set(store.history()["note"]) == {"ledger 台账.xlsx: 批复"}
    # now only the skipped rows are left: exit 1, nothing saved
    res = runner.invoke(app, ["update", tiny_target, str(ledger), "--user", "王工"])
    assert res.exit_code == 1 and "no change left" in res.output


def test_cli_strict_and_bad_input(tiny_path, tmp_path):
    ledger = _office_ledger(tmp_path / "台账.xlsx")
    res = runner.invoke(app, ["update", str(tiny_path), str(ledger), "--strict"])
    assert res.exit_code == 1 and "--strict" in res.output
    with open_store(tiny_path, user="王工") as store:
        assert store.history().empty
    nokey = _xlsx(tmp_path / "nokey.xlsx", [["名称"], ["x"]])
    res = runner.invoke(app, ["update", str(tiny_path), str(nokey)])
    assert res.exit_code == 2 and "no key column" in res.output
    res = runner.invoke(app, ["update", str(tiny_path), str(tmp_path / "missing.xlsx")])
    assert res.exit_code == 2 and "does not exist" in " ".join(res.output.split())
    export = export_file(tiny_path, tmp_path / "e.xlsx", fmt="xlsx")
    res = runner.invoke(app, ["update", str(tiny_path), str(export)])
    assert res.exit_code == 0 and "nothing to change" in res.output
