"""``tenglong contracts`` and ``tenglong idle`` on the tiny workspace (P4 supplied, 15 亩).

Bad inputs tried: a duplicate 电子监管号 in the file, an unknown parcel, a
negative price, a date before the signing, a formula cell, a file without a
电子监管号 column, a step skipping the procedure, an unknown action.
"""

from __future__ import annotations

import openpyxl
import pytest
from typer.testing import CliRunner

from geo.cli import app
from geo.store import open_store

pytest_plugins = ("pg_fixture",)

runner = CliRunner()

HEADER = "电子监管号,地块编号,供地方式,受让人,合同签订日期,约定动工日期,成交价款(元),容积率,备注\n"


def _csv(tmp_path, body: str, name: str = "contracts.csv"):
    p = tmp_path / name
    p.write_text(HEADER + body, encoding="utf-8")
    return p


def test_contracts_import_dry_run_then_save_and_refused_rows(tiny_target, tmp_path):
    src = _csv(
        tmp_path,
        "1304042021B00011,P4,挂牌出让,某新材料公司,2021-03-01,2021-09-01,12345678,1.2,\n"
        "1304042021B00012,P9,划拨,,2021-03-01,,100,,\n"
        "1304042021B00013,P1;P2,出让,,2021-03-01,2021-01-01,-5,,\n"
        "1304042021B00014,P1,出让,,2021-03-01,,100,,\n"
        "1304042021B00014,P2,出让,,2021-03-01,,100,,\n",
    )
    res = runner.invoke(app, ["contracts", tiny_target, str(src), "--dry-run", "--user", "王工"])
    assert res.exit_code == 0, res.output
    assert "dry run" in res.output and "1 new contract(s)" in res.output
    assert "P9 are not in the workspace" in res.output
    assert "negative" in res.output and "before the contract was signed" in res.output
    assert "appears in rows 5, 6" in res.output
    with open_store(tiny_target, user="x") as s:
        assert s.records("contracts").empty
    res = runner.invoke(app, ["contracts", tiny_target, str(src), "--user", "王工"])
    assert res.exit_code == 0, res.output
    assert "saved" in res.output and "1 contract(s)" in res.output
    with open_store(tiny_target, user="x") as s:
        row = s.record("contracts", "1304042021B00011").values
        assert row["supply_method"] == "transfer" and row["price_wan_yuan"] == pytest.approx(
            1234.5678
        )
        assert s.history("1304042021B00011", table="contracts")["who"].eq("王工").all()
    # the same file again changes nothing; --strict refuses because of the bad rows
    res = runner.invoke(app, ["contracts", tiny_target, str(src), "--strict"])
    assert res.exit_code == 1 and "--strict" in res.output


def test_contracts_file_without_key_and_with_formula(tiny_path, tmp_path):
    p = tmp_path / "no_key.csv"
    p.write_text("地块编号,供地方式\nP4,出让\n", encoding="utf-8")
    res = runner.invoke(app, ["contracts", str(tiny_path), str(p)])
    assert res.exit_code == 2 and "电子监管号" in res.output
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "供地合同"
    ws.append(["电子监管号", "地块编号", "供地方式", "成交价款(万元)"])
    ws.append(["K-1", "P4", "出让", "=1+1"])
    ws.append(["K-2", "P1", "划拨", 50])
    x = tmp_path / "c.xlsx"
    wb.save(x)
    res = runner.invoke(app, ["contracts", str(tiny_path), str(x)])
    assert res.exit_code == 0, res.output
    assert "formula" in res.output and "1 new contract(s)" in res.output


def test_idle_procedure_from_the_command_line(tiny_path, tmp_path):
    src = _csv(tmp_path, "K1,P4,出让,丙公司,2020-06-01,2021-01-01,10000000,,\n")
    assert runner.invoke(app, ["contracts", str(tiny_path), str(src)]).exit_code == 0
    res = runner.invoke(app, ["idle", str(tiny_path), "--as-of", "2022-03-01"])
    assert res.exit_code == 0, res.output
    assert "P4" in res.output and "200.0000" in res.output and "overdue" in res.output
    ws = str(tiny_path)
    res = runner.invoke(app, ["idle", ws, "open", "P4", "--date", "2022-03-01", "--dry-run"])
    assert res.exit_code == 0 and "nothing was saved" in res.output, res.output
    res = runner.invoke(app, ["idle", ws, "open", "P4", "--date", "2022-03-01", "--user", "王工"])
    assert res.exit_code == 0 and "XZ-P4-1" in res.output, res.output
    res = runner.invoke(app, ["idle", ws, "advance", "XZ-P4-1", "--to", "notified"])
    assert res.exit_code == 2 and "never skipped" in res.output
    res = runner.invoke(
        app,
        ["idle", ws, "advance", "XZ-P4-1", "--to", "determined", "--date", "2022-04-01"],
    )
    assert res.exit_code == 2 and "认定书" in res.output
    args = ["--date", "2022-04-01", "--no", "闲认〔2022〕1号", "--user", "王工"]
    res = runner.invoke(app, ["idle", ws, "advance", "XZ-P4-1", "--to", "determined", *args])
    assert res.exit_code == 0 and "version 2" in res.output, res.output
    res = runner.invoke(
        app,
        [
            "idle",
            ws,
            "exempt",
            "XZ-P4-1",
            "--cause",
            "government",
            "--from",
            "2021-02-01",
            "--to",
            "2021-05-01",
            "--text",
            "规划调整",
        ],
    )
    assert res.exit_code == 0 and "XZ-P4-1-E1" in res.output, res.output
    res = runner.invoke(app, ["idle", ws, "--as-of", "2022-03-01"])
    # 90 days off the clock: 424 - 90 = 334 net days, not a full year, no fee
    assert "determined" in res.output and " 334 " in res.output and "0.0000" in res.output
    res = runner.invoke(app, ["idle", ws, "frobnicate", "X"])
    assert res.exit_code == 2 and "unknown action" in res.output
    with open_store(ws, user="x") as s:
        h = s.history("XZ-P4-1", table="idle_cases")
        assert "determination_no" in set(h["field"])


def _export(ws, out, *extra):
    res = runner.invoke(app, ["export", str(ws), "--format", "xlsx", "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    return openpyxl.load_workbook(out)


def test_planner_export_has_supply_sheets_that_read_back_unchanged(tiny_path, tmp_path):
    # a grantee that looks like a formula stays text in the workbook
    src = _csv(
        tmp_path, "1304042020B00077,P4,出让,=HYPERLINK(x),2020-06-01,2021-01-01,10000000,1.5,\n"
    )
    assert runner.invoke(app, ["contracts", str(tiny_path), str(src)]).exit_code == 0
    wb = _export(tiny_path, tmp_path / "p.xlsx")
    assert "供地合同" in wb.sheetnames and "闲置土地" in wb.sheetnames
    sheet = wb["供地合同"]
    head = [c.value for c in sheet[1]]
    assert head[:4] == ["电子监管号", "地块编号", "供地方式", "受让人"]
    row = {h: c for h, c in zip(head, sheet[2], strict=True)}
    assert row["受让人"].data_type == "s" and row["受让人"].value == "=HYPERLINK(x)"
    assert row["成交价款(万元)"].value == pytest.approx(1000.0)
    idle = wb["闲置土地"]
    ihead = [c.value for c in idle[1]]
    assert "应缴土地闲置费(万元)" in ihead
    res = runner.invoke(app, ["contracts", str(tiny_path), str(tmp_path / "p.xlsx"), "--dry-run"])
    assert res.exit_code == 0 and "0 new contract(s), 0 to change, 1 unchanged" in res.output
    # the investment officer's export has the sheets without the grantee
    wb = _export(tiny_path, tmp_path / "i.xlsx", "--role", "investment")
    assert "受让人" not in [c.value for c in wb["供地合同"][1]]
    # the investor's has neither sheet nor any contract value
    wb = _export(tiny_path, tmp_path / "v.xlsx", "--role", "investor")
    assert not {"供地合同", "闲置土地"} & set(wb.sheetnames)
    values = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value}
    assert not any("1304042020B00077" in v or "HYPERLINK" in v for v in values)
