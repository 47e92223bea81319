"""The 批供用 ledgers, idle stock, 尚可供应年限 and park check on a workspace with known answers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from geo.supervision import (
    OUTSIDE,
    SupervisionInputError,
    case_disposal,
    ledger_summary,
    parcel_ledger,
    park_check,
    parse_period,
    quarter_flows,
    supervision_figures,
    supply_years,
)
from geo.workspace import open_workspace
from tests import supervision_fixture as fx

REL = 1e-6
DAY = pd.Timestamp(fx.AS_OF)


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    path = fx.write(tmp_path_factory.mktemp("superv") / "superv.gpkg")
    return open_workspace(path)


@pytest.fixture(scope="module")
def fig(ws):
    return supervision_figures(ws, as_of=fx.AS_OF)


def _days(a: str, b: str = fx.AS_OF) -> int:
    return (pd.Timestamp(b) - pd.Timestamp(a)).days


def test_every_parcel_of_freed_and_idle_land_is_in_one_ledger(fig):
    led = fig.ledger.set_index("parcel_id")
    assert "O1" not in led.index  # operating: in no ledger
    assert led["ledger"].to_dict() == {
        "A1": "unsupplied",
        "A2": "unsupplied",
        "A3": "supplied_unused",
        "A4": "under_built",
        "A5": "completed",
        "A6": "supplied_unused",
        "B1": "unsupplied",
        "B2": "supplied_unused",
        "C1": "unsupplied",
        "O2": "unsupplied",
    }
    totals = fig.totals.set_index("ledger")
    assert totals["n_parcels"].to_dict() == {
        "unsupplied": 5,
        "supplied_unused": 3,
        "under_built": 1,
        "completed": 1,
    }
    assert totals.loc["unsupplied", "area_mu"] == pytest.approx(165.0, rel=REL)
    assert totals.loc["supplied_unused", "area_mu"] == pytest.approx(45.0, rel=REL)
    # conserved: every table adds up to the 240 亩 of the ten parcels
    for table in (fig.totals, fig.by_park, fig.by_district, fig.by_year):
        assert table["area_mu"].sum() == pytest.approx(240.0, rel=REL)
        assert table["n_parcels"].sum() == 10


def test_ages_count_from_release_supply_start_and_completion(fig):
    led = fig.ledger.set_index("parcel_id")
    assert led.loc["A1", "age_days"] == _days("2023-06-30") == 731  # over 2024-02-29
    assert led.loc["A2", "age_days"] == _days("2024-12-01")  # no release date: status date
    assert led.loc["A3", "age_days"] == _days("2023-03-01")
    assert led.loc["A4", "age_days"] == _days("2023-01-10")
    assert led.loc["A5", "age_days"] == _days("2024-11-15")
    # idle without a contract: no supply date; counted, never guessed
    assert pd.isna(led.loc["A6", "age_days"])
    assert "supply date missing" in led.loc["A6", "date_note"]
    assert led.loc["A3", "date_note"] == "no start recorded"
    unused = fig.totals.set_index("ledger").loc["supplied_unused"]
    assert unused["n_date_missing"] == 1
    # area-weighted mean over the dated parcels (A3 and B2, 15 亩 each)
    assert unused["mean_age_days"] == pytest.approx(
        (_days("2023-03-01") + _days("2024-10-10")) / 2, abs=0.05
    )
    assert unused["max_age_days"] == _days("2023-03-01")


def test_ledgers_by_park_and_district(fig):
    park = fig.by_park.set_index(["park", "ledger"])
    assert park.loc[("PA", "unsupplied"), "area_mu"] == pytest.approx(75.0, rel=REL)
    assert park.loc[("PB", "unsupplied"), "area_mu"] == pytest.approx(60.0, rel=REL)
    assert park.loc[("PC", "supplied_unused"), "n_parcels"] == 0  # every park has four rows
    assert park.loc[(OUTSIDE, "unsupplied"), "n_parcels"] == 1
    assert set(fig.by_park["park_name"]) == {"甲园", "乙园", "丙园", "区外"}
    district = fig.by_district.set_index(["district", "ledger"])
    assert district.loc[("峰峰矿区", "unsupplied"), "n_parcels"] == 1  # O2 (O1 operates)
    assert fig.by_district.groupby("district")["n_parcels"].sum().to_dict() == {
        "复兴区": 9,
        "峰峰矿区": 1,
    }


def test_years_of_supply_left_and_zero_supply(fig):
    s = fig.supply.set_index("park")
    assert (s["first_year"].iloc[0], s["last_year"].iloc[0]) == (2022, 2024)
    assert s.loc["PA", "supply_per_year_mu"] == pytest.approx(10.0, rel=REL)
    assert s.loc["PA", "years_left"] == pytest.approx(7.5, rel=REL)
    assert s.loc["PB", "years_left"] == pytest.approx(12.0, rel=REL)
    # no supply in the three years: "—", never a division by zero
    assert s.loc["PC", "supply_per_year_mu"] == 0.0
    assert np.isnan(s.loc["PC", "years_left"])
    assert np.isnan(s.loc[OUTSIDE, "years_left"])
    nothing = pd.DataFrame(
        {"ledger": ["unsupplied"], "area_m2": [10_000.0], "supplied_on": [pd.NaT]}
    )
    with np.errstate(all="raise"):
        out = supply_years(nothing, as_of=fx.AS_OF, by=None)
    assert out["available_mu"][0] == 15.0 and np.isnan(out["years_left"][0])
    empty = supply_years(nothing.iloc[:0], as_of=fx.AS_OF, by=None)
    assert empty["available_mu"][0] == 0.0 and np.isnan(empty["years_left"][0])


def test_idle_stock_and_disposal_rate(fig, ws):
    assert fig.idle["parcel_id"].tolist() == ["A6"]
    assert fig.idle["area_mu"].sum() == pytest.approx(15.0, rel=REL)
    assert not fig.has_cases and np.isnan(fig.disposal["rate"])
    cases = pd.DataFrame(
        {
            "parcel_id": ["A6", "A3", "B2"],
            "closed_on": ["2025-03-01", None, "2025-07-01"],  # B2 closes after the day
            "stage": [None, None, None],
        }
    )
    d = case_disposal(cases, {"A6": 15.0, "A3": 15.0, "B2": 30.0}, as_of=fx.AS_OF)
    assert (d["cases"], d["closed"]) == (3.0, 1.0)
    assert d["rate"] == pytest.approx(1 / 3) and d["rate_mu"] == pytest.approx(0.25)
    by_stage = cases.assign(closed_on=None, stage=["处置完成", "调查", "closed"])
    assert case_disposal(by_stage, {}, as_of=fx.AS_OF)["closed"] == 2.0
    with_cases = SimpleNamespace(
        parcels=ws.parcels,
        areas=ws.areas,
        get=lambda name: cases if name == "idle_cases" else ws.get(name),
    )
    f2 = supervision_figures(with_cases, as_of=fx.AS_OF)
    assert f2.has_cases and f2.disposal["rate"] == pytest.approx(1 / 3)


def test_a_contract_on_two_parcels_and_a_resupplied_parcel(ws):
    contracts = pd.DataFrame(
        {
            "contract_id": ["3304002022B00001", "3304002024B00009", "3304002019B00002"],
            "parcel_ids": ["A5、C1", "A5", "A6"],
            "signed_on": ["2022-03-01", "2024-02-01", "2019-04-01"],
            "started_on": [None, "2024-05-01", None],
            "completed_on": [None, "2024-11-15", None],
        }
    )
    led = parcel_ledger(ws.parcels, as_of=fx.AS_OF, contracts=contracts).set_index("parcel_id")
    # A5 was re-supplied (收回 then a new contract): the latest contract counts
    assert led.loc["A5", "supplied_on"] == pd.Timestamp("2024-02-01")
    assert led.loc["A5", "started_on"] == pd.Timestamp("2024-05-01")
    # C1 is stored today, so the 2022 contract does not make it supplied
    assert led.loc["C1", "ledger"] == "unsupplied"
    # A6 (idle) now has a supply date and an age
    assert led.loc["A6", "supplied_on"] == pd.Timestamp("2019-04-01")
    assert led.loc["A6", "age_days"] == _days("2019-04-01")
    with pytest.raises(SupervisionInputError, match="signed_on and parcel_id"):
        parcel_ledger(ws.parcels, contracts=pd.DataFrame({"x": [1]}))


def test_a_parcel_supplied_after_the_day_was_unsupplied_on_it(ws):
    led = parcel_ledger(ws.parcels, as_of="2024-06-30").set_index("parcel_id")
    assert led.loc["B2", "ledger"] == "unsupplied"  # supplied 2024-10-10
    assert led.loc["A3", "ledger"] == "supplied_unused"


def test_bad_dates_are_refused_with_the_parcels_named():
    p = pd.DataFrame(
        {
            "parcel_id": ["x", "y"],
            "status": ["supplied", "stored"],
            "status_since": ["2024-02-30", "2024-01-01"],
            "area_mu": [1.0, 1.0],
        }
    )
    with pytest.raises(SupervisionInputError, match="status_since is not a date for x"):
        parcel_ledger(p, as_of=fx.AS_OF)
    with pytest.raises(SupervisionInputError, match="no status column"):
        parcel_ledger(p.drop(columns="status"))
    with pytest.raises(SupervisionInputError, match="no park column"):
        ledger_summary(parcel_ledger(p.iloc[1:], as_of=fx.AS_OF), ["park"])


@pytest.mark.parametrize(
    "text", ["2024Q5", "24Q4", "2024-13", "2024Q0", "", "Q4 2024", "2024 Q4", "2024Q44"]
)
def test_bad_periods_say_how_to_write_one(text):
    with pytest.raises(SupervisionInputError, match=r"YYYYQn .*e\.g\. 2024Q4"):
        parse_period(text)


def test_periods():
    p = parse_period("2024q1")
    assert (p.label, p.start, p.end) == (
        "2024Q1",
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-03-31"),
    )
    assert parse_period(None, today="2025-06-30").label == "2025Q1"
    assert parse_period(None, today="2025-01-01").label == "2024Q4"
    with pytest.raises(SupervisionInputError, match="out of range"):
        parse_period("1066Q1")


def test_quarter_flows(ws):
    q4 = quarter_flows(ws, parse_period("2024Q4")).set_index("flow")
    assert q4.loc["supplied", "n_parcels"] == 1  # B2
    assert q4.loc["completed", "n_parcels"] == 1  # A5
    assert q4.loc["started", "n_parcels"] == 0
    assert q4.loc["supplied", "area_mu"] == pytest.approx(15.0, rel=REL)
    assert pd.isna(q4.loc["idle_disposed", "n_parcels"])  # no case table: "—"
    q3 = quarter_flows(ws, parse_period("2024Q3")).set_index("flow")
    assert q3.loc["idle_found", "n_parcels"] == 1  # A6, marked idle 2024-08-01
    q1 = quarter_flows(ws, parse_period("2023Q1")).set_index("flow")
    assert q1.loc["started", "n_parcels"] == 1 and q1.loc["supplied", "n_parcels"] == 1


def test_park_check_figures(ws, fig):
    pc = park_check(ws.parcels, fig.elements, as_of=fx.AS_OF).set_index("area_id")
    a = pc.loc["PA"]
    mu = 10_000.0 / 15.0
    assert a["element_m2"] / mu == pytest.approx(1500.0, rel=REL)
    assert a["current_industrial_m2"] / mu == pytest.approx(135.0, rel=REL)
    assert a["current_industrial_share"] == pytest.approx(0.09, rel=REL)
    assert a["approved_m2"] / mu == pytest.approx(135.0, rel=REL)
    assert a["unsupplied_share"] == pytest.approx(75.0 / 135.0, rel=REL)
    assert a["idle_share"] == pytest.approx(15.0 / 60.0, rel=REL)
    assert a["planned_industrial_share"] == pytest.approx(75.0 / 1500.0, rel=REL)
    assert a["years_left"] == pytest.approx(7.5, rel=REL)
    b = pc.loc["PB"]
    assert b["current_storage_m2"] / mu == pytest.approx(60.0, rel=REL)  # 110101
    assert b["current_industrial_m2"] == 0.0
    c = pc.loc["PC"]
    assert c["current_mining_m2"] / mu == pytest.approx(15.0, rel=REL)  # 100202
    assert np.isnan(c["years_left"]) and np.isnan(c["idle_share"])  # nothing supplied
    # GRS80 against Gauss-Krüger: within 0.1 % (docs/architecture.md §4), and not identical
    ratio = pc["element_ellipsoid_m2"] / pc["element_m2"]
    assert ((ratio - 1).abs() < 1e-3).all() and (ratio != 1).all()
    assert (pc["current_source"] == "parcels").all()


def test_the_engine_gives_the_same_ledgers(ws, fig):
    from geo.engine import EngineError, ledger_summary as engine_summary

    got = engine_summary(ws, by=["park"], as_of=fx.AS_OF)
    pd.testing.assert_frame_equal(got, fig.by_park.drop(columns="park_name"), rtol=1e-9)
    with pytest.raises(EngineError, match="district, park or year"):
        engine_summary(ws, by=["status"])


@pytest.fixture(scope="module")
def supply_ws(tmp_path_factory):
    return open_workspace(fx.write_with_supply(tmp_path_factory.mktemp("supply") / "s.gpkg"))


def test_contracts_and_cases_of_the_workspace_refine_the_figures(supply_ws):
    f = supervision_figures(supply_ws, as_of=fx.AS_OF)
    assert f.has_contracts and f.has_cases
    led = f.ledger.set_index("parcel_id")
    assert led.loc["A6", "supplied_on"] == pd.Timestamp("2023-04-01")
    assert led.loc["A3", "supplied_on"] == pd.Timestamp("2022-05-01")  # the contract's day
    assert f.disposal["cases"] == 2 and f.disposal["rate"] == pytest.approx(0.5)
    q = quarter_flows(supply_ws, parse_period("2024Q4")).set_index("flow")
    assert q.loc["idle_disposed", "n_parcels"] == 1  # XZ-2024-02 closed 2024-12-20
    assert q.loc["idle_disposed", "area_mu"] == pytest.approx(15.0, rel=REL)
    assert (
        quarter_flows(supply_ws, parse_period("2025Q1"))
        .set_index("flow")
        .loc["idle_found", "n_parcels"]
        == 1
    )


def test_overdue_idle_case_steps_are_findings(supply_ws, ws):
    from geo.checks import run_checks

    found = run_checks(supply_ws, as_of=fx.AS_OF)
    late = found[found["check"] == "idle_case"]
    assert late["subject_id"].tolist() == ["A6"]  # the closed case is not late
    assert late["severity"].tolist() == ["warning"]
    assert late["required"].tolist() == ["2025-03-06"]  # 认定 due 60 days after 2025-01-05
    assert "XZ-2025-01" in late["message_en"].iloc[0]
    assert "idle_case" not in set(run_checks(ws, as_of=fx.AS_OF)["check"])  # no cases
    assert run_checks(supply_ws, as_of="2025-02-01").query("check == 'idle_case'").empty


def test_the_dask_engine_gives_the_same_ledgers_and_case_findings(supply_ws, tmp_path):
    from geo.dataset.parquet import convert_to_parquet
    from geo.engine import dask_client, ledger_summary as engine_summary, run_checks

    ds = convert_to_parquet(supply_ws.path, tmp_path / "ds", partition_rows=3)
    memory = engine_summary(supply_ws, by=["park", "year"], as_of=fx.AS_OF)
    expected = run_checks(supply_ws, as_of=fx.AS_OF)
    with dask_client(workers=1) as client:
        dask = engine_summary(ds, by=["park", "year"], as_of=fx.AS_OF, engine="dask", client=client)
        found = run_checks(ds, as_of=fx.AS_OF, engine="dask", client=client)
    keys = ["park", "year", "ledger"]
    pd.testing.assert_frame_equal(
        memory.sort_values(keys).reset_index(drop=True),
        dask.sort_values(keys).reset_index(drop=True),
        rtol=1e-9,
    )
    late = found[found["check"] == "idle_case"]
    assert late["subject_id"].tolist() == ["A6"]
    assert len(late) == (expected["check"] == "idle_case").sum()


def test_a_past_day_puts_each_parcel_where_it_was_then(ws):
    led = parcel_ledger(ws.parcels, as_of="2024-06-30").set_index("parcel_id")
    assert "A2" not in led.index  # released 2024-12-01: not freed yet
    assert led.loc["A5", "ledger"] == "supplied_unused"  # in production only from 2024-11-15
    assert led.loc["A1", "ledger"] == "unsupplied"
    later = parcel_ledger(ws.parcels, as_of="2024-12-31").set_index("parcel_id")
    assert later.loc["A5", "ledger"] == "completed" and "A2" in later.index
