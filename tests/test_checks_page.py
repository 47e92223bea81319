"""The 检查与监管 / Checks & supervision page through streamlit.testing (no browser).

Both languages on the demos; a finding picked in the table opens its parcel's
card; investors never get the page (not in their menu, and the page refuses
them on the server).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.app.main import PAGES
from geo.app.pages import checks
from geo.supervision import supervision_figures
from geo.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = str(ROOT / "geo" / "app" / "pages" / "checks.py")
FUXING = ROOT / "data" / "fuxing.gpkg"
WUAN = ROOT / "data" / "wuan.gpkg"
CJK = re.compile(r"[\u3400-\u9fff]")


def run(monkeypatch, *, lang: str = "zh", workspace: Path = FUXING, state: dict | None = None):
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(workspace))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    at.switch_page("geo/app/pages/checks.py").run()
    assert not at.exception, at.exception
    return at


def _total_table(at) -> pd.DataFrame:
    return at.dataframe[0].value


@pytest.mark.parametrize(
    ("lang", "title", "heads", "total"),
    [
        (
            "zh",
            "检查与监管",
            ["批供用台账", "闲置土地", "尚可供应年限", "标准地竣工/达产评价", "今日检查结果"],
            "合计",
        ),
        (
            "en",
            "Checks and supervision",
            [
                "Supply ledgers",
                "Idle land",
                "Years of supply left",
                "Standard-land review at completion",
                "Today's check findings",
            ],
            "Total",
        ),
    ],
)
def test_the_page_in_both_languages(monkeypatch, lang, title, heads, total):
    at = run(monkeypatch, lang=lang)
    assert at.title[0].value == title
    assert [s.value for s in at.subheader] == heads
    table = _total_table(at)
    assert table.iloc[-1, 0] == total
    fig = supervision_figures(open_workspace(FUXING), lang=lang)
    area = table.columns[2]
    assert table.iloc[-1][area] == pytest.approx(fig.totals["area_mu"].sum(), abs=0.05)
    assert int(table.iloc[-1, 1]) == int(fig.totals["n_parcels"].sum())
    # fixed decimals: 亩 rounded to 0.1, ages to whole days, and the 合计 row adds up no age
    assert all(round(v, 1) == v for v in table[area])
    ages = [c for c in table.columns if "天" in c or "days" in c]
    assert ages and all(pd.isna(table.iloc[-1][c]) for c in ages)
    assert all(round(v) == v for c in ages for v in table[c].iloc[:-1].dropna())
    if lang == "en":
        shown = [s.value for s in at.subheader] + [c.value for c in at.caption]
        shown += [str(c) for df in at.dataframe for c in df.value.columns]
        shown += [str(v) for v in table.iloc[:, 0]]
        assert [s for s in shown if CJK.search(s) and "示意 / schematic" not in s] == []


def test_findings_filter_and_a_picked_finding_opens_the_card(monkeypatch):
    at = run(monkeypatch, lang="en", state={"chk_f_check": ["soil"]})
    findings = at.dataframe[-1].value
    assert len(findings) > 0 and set(findings["Check"]) == {"soil gate"}
    key = at.session_state[checks.LIST_KEY]
    subject = findings["Subject"].iloc[1]
    at.session_state[key] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[checks.SELECTED] == subject
    assert at.session_state[checks.FIT] is not None
    cards = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("####")]
    assert any(subject in c for c in cards), cards


def test_severity_filter_and_no_match(monkeypatch):
    at = run(monkeypatch, state={"chk_f_severity": ["blocking"], "chk_f_check": ["idle"]})
    assert at.dataframe[-1].value.empty
    assert any("没有符合条件" in i.value for i in at.info)


def test_wuan_by_park_lists_its_sites(monkeypatch):
    at = run(monkeypatch, workspace=WUAN, lang="en")
    by_park = at.dataframe[1].value
    assert {"Dongshan Creative Industry Park", "Guangyao Innovation Industry Park"} <= set(
        by_park.iloc[:, 0]
    )
    assert by_park.iloc[-1, 0] == "Total"


def test_investors_never_get_the_page(monkeypatch):
    entry = next(p for p in PAGES if p.file == "checks.py")
    assert entry.roles == ("planner", "investment")
    # the menu of an investor-mode server is the presentation only
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(FUXING))
    monkeypatch.setenv("TENGLONG_MODE", "investor")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("geo/app/pages/checks.py").run()
    # and the page itself refuses them, whatever the navigation: an investor-mode
    # server, an officer's presentation mode (a local user cannot pick "investor")
    cases = [("investor", {}), ("planner", {"present": True})]
    for mode, session in cases:
        monkeypatch.setenv("TENGLONG_MODE", mode)
        page = AppTest.from_file(PAGE, default_timeout=120)
        for k, v in session.items():
            page.session_state[k] = v
        page.run()
        refused = ["检查与监管页面仅供规划人员和招商人员使用。"]
        assert [e.value for e in page.error] == refused, (mode, session)
        assert not page.dataframe and not page.subheader


def test_the_investment_officer_gets_the_page(monkeypatch):
    at = run(monkeypatch, state={"role": "investment"})
    assert at.title[0].value == "检查与监管" and len(at.dataframe) >= 3
    # the 标准地 review shows contracts: planners only
    assert "标准地竣工/达产评价" not in [s.value for s in at.subheader]
    assert not any("电子监管号" in df.value.columns for df in at.dataframe)


def test_the_standard_land_review_counts_and_the_short_only_filter(monkeypatch):
    from geo.supply import standard_land_review

    ws = open_workspace(FUXING, validate=False)
    review = standard_land_review(ws["contracts"], ws.parcels, ws["enterprises"])
    done = review[review["review_year"].notna()]
    at = run(monkeypatch, lang="en")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["contracts completed"] == f"{done['contract_id'].nunique():,}"
    assert metrics["indicators short"] == f"{int((done['result'] == 'short').sum()):,}"
    assert int((done["result"] == "short").sum()) > 0 and int((done["result"] == "pass").sum()) > 0
    table = next(df.value for df in at.dataframe if "supervision number" in df.value.columns)
    assert len(table) == int((done["result"] != "not committed").sum())
    at.toggle(key="sl_short_only").set_value(True).run()
    table = next(df.value for df in at.dataframe if "supervision number" in df.value.columns)
    assert set(table["result"]) == {"short"} and len(table) == int(
        (done["result"] == "short").sum()
    )
    short = done[done["result"] == "short"]
    assert (pd.to_numeric(short["shortfall_value"]) > 0).all()


def _export_page(monkeypatch, lang: str, state: dict | None = None) -> AppTest:
    monkeypatch.setenv("TENGLONG_WORKSPACE", str(WUAN))
    monkeypatch.delenv("TENGLONG_MODE", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    at.switch_page("geo/app/pages/export.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_export_page_makes_the_supervision_reports_for_planners(monkeypatch, lang):
    at = _export_page(monkeypatch, lang)
    assert [s.value for s in at.subheader] == [
        "监管报表" if lang == "zh" else "Supervision reports"
    ]
    at.text_input(key="rep_period").set_value("2024Q5")
    at.button(key="rep_go").click().run()
    assert any("2024Q5" in e.value and "YYYYQn" in e.value for e in at.error)
    at.text_input(key="rep_period").set_value("2024Q4")
    at.button(key="rep_go").click().run()
    assert not at.error and "wuan-quarterly-2024Q4.xlsx" in at.success[0].value.replace("\\", "")
    at.radio(key="rep_kind").set_value("park-check").run()
    at.radio(key="rep_format").set_value("pdf").run()
    at.button(key="rep_go").click().run()
    data, name, mime = at.session_state["rep_result"]
    assert name.startswith("wuan-park-check-") and mime == "application/pdf"
    assert data.startswith(b"%PDF")


def test_the_investment_officer_gets_no_supervision_report(monkeypatch):
    at = _export_page(monkeypatch, "zh", {"role": "investment"})
    assert not at.subheader and "rep_go" not in [b.key for b in at.button]


def test_no_completed_contract_says_so_instead_of_an_empty_table(monkeypatch):
    at = run(monkeypatch, workspace=ROOT / "data" / "choujiang.gpkg", lang="en")
    assert any("None of the 12 supply contracts is completed" in i.value for i in at.info)
    assert not any("supervision number" in df.value.columns for df in at.dataframe)
