"""The 亩均 page's years section (streamlit.testing): class history, runs of D, surcharges."""

from __future__ import annotations

import pandas as pd

from geo.benefit.history import class_history
from geo.benefit.measures import load_measures, yearly_surcharges
from geo.workspace import read_table
from tests.test_app import FUXING, run_page
from tests.test_benefit_huaian import DATA

CHOUJIANG = DATA / "choujiang.gpkg"


def _frame(at, key: str) -> pd.DataFrame:
    for df in at.dataframe:
        if df.key == key or getattr(df.proto, "id", "").endswith(key):
            return df.value
    raise AssertionError(f"no table {key}")


def test_history_and_the_workspace_measures_on_choujiang(monkeypatch):
    at = run_page(monkeypatch, "benefit", lang="zh", workspace=CHOUJIANG)
    assert not at.exception, at.exception
    assert any(s.value == "历年评价与差别化措施" for s in at.subheader)
    ent = read_table(CHOUJIANG, "enterprises")
    hist = class_history(ent)
    d_2013 = int(((hist["year"] == 2013) & (hist["class"] == "D")).sum())
    assert any(f"2013 年为D类的企业 {d_2013} 家" in m.value for m in at.markdown)
    assert at.selectbox(key="benefit_measures").value == "haining_2025"  # the workspace's meta
    by_year = next(df.value for df in at.dataframe if "缴纳企业数" in df.value.columns)
    expected = yearly_surcharges(hist, ent, load_measures("haining_2025"))
    want = expected.groupby("year")["amount_wan"].sum().round(1).tolist()
    assert [round(float(v), 1) for v in by_year["金额（万元）"]] == want
    history = next(df.value for df in at.dataframe if "2011年类别" in df.value.columns)
    assert len(history) == ent["enterprise_id"].nunique()
    assert history["连续D类年数"].iloc[0] == history["连续D类年数"].max()  # longest runs first
    at.selectbox(key="benefit_measures").set_value("").run()
    assert not at.exception
    assert not any("缴纳企业数" in df.value.columns for df in at.dataframe)


def test_one_year_of_figures_says_how_to_get_a_history(monkeypatch):
    at = run_page(monkeypatch, "benefit", lang="en", workspace=FUXING)
    assert not at.exception, at.exception
    assert any("holds one year (2023)" in c.value for c in at.caption)


def test_huaian_preset_on_the_page_shows_t_firms(monkeypatch):
    at = run_page(monkeypatch, "benefit", lang="en", workspace=CHOUJIANG)
    at.selectbox(key="benefit_preset").set_value("huaian_2024").run()
    assert not at.exception, at.exception
    assert any("(a Jiangsu scheme)" in c.value for c in at.caption)  # Yiwu is in Zhejiang
    summary = next(
        df.value for df in at.dataframe if "Firms" in " ".join(map(str, df.value.columns))
    )
    assert any(str(v).startswith("T (not suited") for v in summary.iloc[:, 0])
