"""Supervision of supplied land (docs/architecture.md §5.10): the 批供用 ledgers and park figures.

:mod:`geo.supervision.ledgers` puts every parcel of freed land in one of four
ledgers (批而未供, 供而未用, 用而未尽, 已完成) and sums them by district, park and
year; :mod:`geo.supervision.parks` gives the 闲置土地 stock, its disposal
rate, the 尚可供应年限 of each park and the 园区整合核查 table;
:mod:`geo.supervision.figures` gathers them for a workspace and a quarter.
Measures only: functions of frames, no I/O.
"""

from geo.supervision.figures import (
    FLOW_LABELS,
    FLOWS,
    Figures,
    Period,
    parse_period,
    quarter_flows,
    supervision_figures,
)
from geo.supervision.ledgers import (
    BASIS,
    LEDGER_LABELS,
    LEDGERS,
    SupervisionInputError,
    ledger_label,
    ledger_summary,
    parcel_ledger,
)
from geo.supervision.parks import (
    OUTSIDE,
    assign_parks,
    case_disposal,
    idle_parcels,
    park_check,
    park_elements,
    supply_years,
)

__all__ = [
    "BASIS",
    "FLOWS",
    "FLOW_LABELS",
    "LEDGERS",
    "LEDGER_LABELS",
    "OUTSIDE",
    "Figures",
    "Period",
    "SupervisionInputError",
    "assign_parks",
    "case_disposal",
    "idle_parcels",
    "ledger_label",
    "ledger_summary",
    "parcel_ledger",
    "park_check",
    "park_elements",
    "parse_period",
    "quarter_flows",
    "supervision_figures",
    "supply_years",
]
