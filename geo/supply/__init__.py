"""Supply supervision: contracts and the 闲置土地 procedure (docs/architecture.md §5.9).

- :mod:`geo.supply.contracts`: what a valid supply contract is, its parcels.
- :mod:`geo.supply.procedure`: the procedure's stages, transitions and deadlines.
- :mod:`geo.supply.idle`: :func:`idle_status` — net idle time (art. 8), the art. 14
  fee and recovery, the next step and whether it is overdue.
- :mod:`geo.supply.cases`: the steps written to a store (audited).
- :mod:`geo.supply.review`: :func:`standard_land_review` — the 标准地 竣工/达产
  review of committed indicators against what was achieved.
"""

from __future__ import annotations

from geo.supply.contracts import check_contract, parcel_contracts, split_parcel_ids
from geo.supply.idle import STATUS_COLUMNS, fee_wan_yuan, idle_status
from geo.supply.procedure import (
    TRANSITIONS,
    ProcedureError,
    allowed_next,
    load_procedure,
    plan_transition,
)
from geo.supply.review import REVIEW_COLUMNS, standard_land_review

__all__ = [
    "REVIEW_COLUMNS",
    "STATUS_COLUMNS",
    "TRANSITIONS",
    "ProcedureError",
    "allowed_next",
    "check_contract",
    "fee_wan_yuan",
    "idle_status",
    "load_procedure",
    "parcel_contracts",
    "plan_transition",
    "split_parcel_ids",
    "standard_land_review",
]
