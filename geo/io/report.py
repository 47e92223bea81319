"""The import report: one row per finding, with the source row and column.

Severities, from blocking to harmless:

=========  ================================================================
error      nothing is written until it is fixed (bad id, unknown status,
           missing column, feature outside the district, no CRS…)
rejected   a row-level error with ``--skip-invalid``: the row is not
           written but goes to the rejected-rows file, the other rows are
repaired   a geometry was repaired (``make_valid``); written only when the
           user accepts the repairs (``--accept-repairs``)
warning    written, but worth a look (area disagrees with the geometry…)
info       what happened (encoding chosen, columns not imported…)
=========  ================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from geo.cells import frame_csv, write_xlsx_frame

Severity = Literal["error", "rejected", "repaired", "warning", "info"]

SEVERITIES: tuple[str, ...] = ("error", "rejected", "repaired", "warning", "info")

REPORT_COLUMNS: tuple[str, ...] = (
    "severity",
    "code",
    "row",
    "id",
    "column",
    "field",
    "value",
    "message",
)
"""Columns of the report: ``row`` is the 1-based feature/row number in the source,
``column`` the source column, ``field`` the data-model field."""


@dataclass(frozen=True)
class Finding:
    """One line of the import report."""

    severity: Severity
    code: str
    message: str
    row: int | None = None
    column: str | None = None
    field: str | None = None
    value: Any = None

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        if self.column:
            where += f", {self.column}"
        return f"{self.severity} [{self.code}] {where}: {self.message}"


def _cell(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)  # one type per column: xlsx, csv and Arrow (the app) need it


def report_frame(findings: Iterable[Finding], *, ids: dict[int, str] | None = None) -> pd.DataFrame:
    """The findings as a DataFrame (:data:`REPORT_COLUMNS`), most severe first.

    ``ids`` maps a source row number to the feature's id, shown in ``id``.
    """
    ids = ids or {}
    rows = [
        {
            "severity": f.severity,
            "code": f.code,
            "row": f.row,
            "id": ids.get(f.row) if f.row is not None else None,
            "column": f.column,
            "field": f.field,
            "value": _cell(f.value),
            "message": f.message,
        }
        for f in findings
    ]
    df = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    if df.empty:
        return df
    df["row"] = df["row"].astype("Int64")
    order = {s: i for i, s in enumerate(SEVERITIES)}
    df["_o"] = df["severity"].map(order)
    df["_r"] = df["row"].fillna(0)
    df = df.sort_values(["_o", "_r", "code"], kind="stable").drop(columns=["_o", "_r"])
    return df.reset_index(drop=True)


def count_by_severity(report: pd.DataFrame) -> dict[str, int]:
    """How many findings of each severity (every severity present as a key)."""
    counts = report["severity"].value_counts() if len(report) else pd.Series(dtype=int)
    return {s: int(counts.get(s, 0)) for s in SEVERITIES}


def write_report(report: pd.DataFrame, path: Any) -> None:
    """Write the report as ``.xlsx`` or ``.csv`` (UTF-8 with BOM, for Excel).

    Raises
    ------
    ValueError
        For another extension.
    """
    from pathlib import Path

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"report file {p.name}: use a name ending in .xlsx or .csv")
    p.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        p.write_bytes(frame_csv(report).encode("utf-8-sig"))
    else:
        write_xlsx_frame(report, p, sheet_name="import report")
