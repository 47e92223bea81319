"""A hand-made workspace whose supervision figures are known (Handan, GK zone 38).

Three parks of 1,000 m × 1,000 m (1,500 亩 each) and one parcel outside them;
every parcel is a 100 m square (15 亩) or a 200 m square (60 亩):

====  ============  =====  ====================================================
id    status        亩      dates
====  ============  =====  ====================================================
A1    stored        15     released 2023-06-30                     批而未供
A2    released      60     status since 2024-12-01 (no release date) 批而未供
A3    supplied      15     supplied 2023-03-01, no start            供而未用
A4    supplied      15     supplied 2022-05-01, started 2023-01-10, 50 % 用而未尽
A5    in_production 15     since 2024-11-15                         已完成
A6    idle          15     since 2024-08-01, no supply date         供而未用
B1    stored        60     released 2020-01-01                      批而未供
B2    supplied      15     supplied 2024-10-10                      供而未用
C1    stored        15     released 2021-05-05                      批而未供
O1    operating     15     —                                       (no ledger)
O2    released      15     released 2022-02-02 (outside the parks)  批而未供
====  ============  =====  ====================================================

Supply in 2022–2024 (the three full years before 2025-06-30): park A 30 亩
(A3, A4), park B 15 亩 (B2), park C nothing. Years left: A 75 ÷ 10 = 7.5,
B 60 ÷ 5 = 12, C "—".
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from geo.workspace import save_workspace

GK = 4547
X0, Y0 = 500_000.0, 4_050_000.0
AS_OF = "2025-06-30"


def _sq(dx: float, dy: float, side: float = 100.0):
    return box(X0 + dx, Y0 + dy, X0 + dx + side, Y0 + dy + side)


ROWS = [
    # id, status, dx, dy, side, released_on, status_since, started_on, developed, now, planned
    ("A1", "stored", 100, 100, 100, "2023-06-30", "2023-08-01", None, None, "100102", "100101"),
    ("A2", "released", 300, 100, 200, None, "2024-12-01", None, None, "100102", "100101"),
    ("A3", "supplied", 100, 400, 100, "2019-01-01", "2023-03-01", None, None, "100102", "0901"),
    (
        "A4",
        "supplied",
        300,
        400,
        100,
        "2019-01-01",
        "2022-05-01",
        "2023-01-10",
        0.5,
        "100102",
        "0901",
    ),
    (
        "A5",
        "in_production",
        500,
        400,
        100,
        "2018-01-01",
        "2024-11-15",
        None,
        None,
        "100102",
        "0901",
    ),
    ("A6", "idle", 700, 400, 100, "2018-01-01", "2024-08-01", None, None, "100102", "0901"),
    ("B1", "stored", 2100, 100, 200, "2020-01-01", "2020-06-01", None, None, "110101", "100102"),
    ("B2", "supplied", 2500, 100, 100, "2019-01-01", "2024-10-10", None, None, "0901", "100102"),
    ("C1", "stored", 4100, 100, 100, "2021-05-05", "2021-06-01", None, None, "100202", "100102"),
    ("O1", "operating", 7000, 100, 100, None, "2010-01-01", None, None, "100102", "100102"),
    ("O2", "released", 7300, 100, 100, "2022-02-02", "2022-02-02", None, None, "100102", "100102"),
]


def tables() -> dict[str, pd.DataFrame]:
    """The workspace's tables (parcels, areas, boundaries)."""
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": [r[0] for r in ROWS],
            "name": [f"{r[0]}号地" for r in ROWS],
            "district": ["复兴区"] * 9 + ["峰峰矿区"] * 2,
            "status": [r[1] for r in ROWS],
            "land_use_now": [r[9] for r in ROWS],
            "land_use_planned": [r[10] for r in ROWS],
            "industry_before": ["铸造"] * len(ROWS),
            "polluting_history": [False] * len(ROWS),
            "released_on": pd.to_datetime([r[5] for r in ROWS]),
            "status_since": pd.to_datetime([r[6] for r in ROWS]),
            "started_on": pd.to_datetime([r[7] for r in ROWS]),
            "developed_share": [r[8] for r in ROWS],
        },
        geometry=[_sq(r[2], r[3], r[4]) for r in ROWS],
        crs=GK,
    )
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["PA", "PB", "PC"],
            "name": ["甲园", "乙园", "丙园"],
            "name_en": ["Park A", "Park B", "Park C"],
            "kind": ["park", "park", "park"],
            "layout": ["三园", "三园", "三园"],
        },
        geometry=[
            box(X0, Y0, X0 + 1000, Y0 + 1000),
            box(X0 + 2000, Y0, X0 + 3000, Y0 + 1000),
            box(X0 + 4000, Y0, X0 + 5000, Y0 + 1000),
        ],
        crs=GK,
    )
    boundaries = gpd.GeoDataFrame(
        {"adcode": ["130404"], "name": ["复兴区"], "level": ["county"]},
        geometry=[box(X0 - 1000, Y0 - 1000, X0 + 9000, Y0 + 2000)],
        crs=GK,
    )
    return {"parcels": parcels, "areas": areas, "boundaries": boundaries}


def write(path: Path) -> Path:
    """The workspace as a GeoPackage at ``path``."""
    return save_workspace(
        tables(), path, meta={"name": "监管测试区", "name_en": "Supervision test"}
    )


CONTRACTS = {
    "contract_id": ["1304042022B00017", "1304042023B00003"],
    "parcel_ids": ["A3;A4", "A6"],
    "supply_method": ["transfer", "transfer"],
    "signed_on": ["2022-05-01", "2023-04-01"],
    "agreed_start": ["2022-11-01", "2023-10-01"],
    "price_wan_yuan": [900.0, 450.0],
}
"""A contract on two parcels (A3, A4) and the idle parcel's (A6)."""

CASES = {
    "case_id": ["XZ-2025-01", "XZ-2024-02"],
    "parcel_id": ["A6", "A3"],
    "stage": ["found", "closed"],
    "found_on": ["2025-01-05", "2024-06-01"],
    "closed_on": [None, "2024-12-20"],
}
"""An open case whose 认定 is overdue on 2025-06-30, and a closed one."""


def write_with_supply(path: Path) -> Path:
    """The workspace with :data:`CONTRACTS` and :data:`CASES`."""
    t = tables()
    t["contracts"] = pd.DataFrame(CONTRACTS)
    t["idle_cases"] = pd.DataFrame(CASES)
    return save_workspace(t, path, meta={"name": "监管测试区", "name_en": "Supervision test"})
