"""A sample ledger (台账示例) made from a workspace's parcels, to try ``tenglong update`` on."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

from geo.schema import STATUS_LABELS, STATUSES
from geo.store import ALLOWED_TRANSITIONS

_SAMPLE_NEXT: dict[str, str] = {
    "operating": "to_release",
    "to_release": "released",
    "released": "stored",
    "stored": "supplied",
    "supplied": "in_production",
    "idle": "stored",
    "low_efficiency": "to_release",
}


def sample_ledger_frame(
    parcels: pd.DataFrame,
    *,
    rows: int = 8,
    on: dt.date | str = "2025-06-30",
    problems: bool = True,
) -> pd.DataFrame:
    """A ledger as an office keeps it, for the first ``rows`` parcels (deterministic).

    Each parcel moves one step along the lifecycle (``状态`` as a Chinese word,
    ``状态起始日期`` = ``on``), gets ``权利人`` 县土地储备中心 when it is taken into
    the reserve, and ``补偿金额(元)`` in yuan (converted to 万元 on update).
    With ``problems`` two rows show what is skipped: an ID the workspace does
    not have and a parcel sent back along the lifecycle.
    """
    on = dt.date.fromisoformat(on) if isinstance(on, str) else on
    p = pd.DataFrame(parcels).sort_values("parcel_id", kind="stable").head(rows)
    out = []
    for _, r in p.iterrows():
        status = str(r.get("status"))
        nxt = _SAMPLE_NEXT.get(status, status)
        comp = r.get("compensation_wan_yuan")
        comp_yuan = None if comp is None or pd.isna(comp) else round(float(comp) * 10_000 + 5_000)
        out.append(
            {
                "地块编号": str(r["parcel_id"]),
                "地块名称": r.get("name"),
                "状态": STATUS_LABELS[nxt][0] if nxt in STATUS_LABELS else nxt,
                "状态起始日期": on,
                "权利人": "县土地储备中心" if nxt == "stored" else r.get("owner"),
                "补偿金额(元)": comp_yuan,
                "备注": "台账示例",
            }
        )
    if problems and out:
        out.append(
            {
                "地块编号": "NO-SUCH-0000",
                "地块名称": "台账中有、库中无的地块",
                "状态": "已收储",
                "状态起始日期": on,
                "权利人": None,
                "补偿金额(元)": None,
                "备注": "未知编号：跳过",
            }
        )
        first = out[0]
        now = str(p.iloc[0].get("status"))
        allowed = ALLOWED_TRANSITIONS.get(now, frozenset())
        back = next(s for s in reversed(STATUSES) if s != now and s not in allowed)
        first["状态"] = STATUS_LABELS[back][0]
        first["备注"] = "不可能的状态变化：跳过"
    return pd.DataFrame(out)


def write_sample_ledger(
    path: str | os.PathLike[str],
    parcels: pd.DataFrame,
    *,
    rows: int = 8,
    on: dt.date | str = "2025-06-30",
    problems: bool = True,
) -> Path:
    """Write :func:`sample_ledger_frame` as an xlsx (or csv, by the suffix) ledger, atomically.

    Cells go through :mod:`geo.cells` (text never becomes a formula). Feed the
    file to ``tenglong update WORKSPACE FILE``.

    Examples
    --------
    ::

        from geo.workspace import open_workspace
        ws = open_workspace("data/fuxing.gpkg")
        write_sample_ledger("台账示例.xlsx", ws.parcels)
    """
    from geo.cells import frame_csv, write_xlsx_frame
    from geo.export._context import write_atomic

    df = sample_ledger_frame(parcels, rows=rows, on=on, problems=problems)
    out = Path(path)
    if out.suffix.lower() == ".csv":
        data = frame_csv(df).encode("utf-8-sig")
    else:
        import io

        bio = io.BytesIO()
        write_xlsx_frame(df, bio, sheet_name="台账")
        data = bio.getvalue()
    return write_atomic(out, data)
