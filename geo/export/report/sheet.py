"""The report model: typed columns and sheets that every tabular and PDF writer reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.export.report.labels import header, t

# ---------------------------------------------------------------------------
# Sheets
# ---------------------------------------------------------------------------

KINDS = ("text", "int", "area", "m2", "share", "date", "number", "year")
"""Column kinds: how a column is formatted and whether it sums."""


@dataclass(frozen=True)
class Col:
    """A column of a sheet: its key in the frame, its header, its kind."""

    key: str
    header: str
    kind: str = "text"
    summable: bool = False


@dataclass
class Sheet:
    """One table of the report.

    ``frame`` holds display values (labels for codes, numbers, dates);
    ``subtotal_by`` (e.g. ``level``) closes each group with a subtotal row,
    else ``total`` closes the sheet with one total row.
    """

    key: str
    title: str
    frame: pd.DataFrame
    columns: list[Col]
    total: bool = True
    subtotal_by: str | None = None
    note: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def total_row(self, frame: pd.DataFrame | None = None) -> dict[str, Any]:
        """Sums of the summable columns of ``frame`` (default: the whole sheet)."""
        df = self.frame if frame is None else frame
        out: dict[str, Any] = {}
        for c in self.columns:
            if c.summable and c.key in df.columns:
                s = pd.to_numeric(df[c.key], errors="coerce")
                out[c.key] = int(s.sum()) if c.kind == "int" else float(s.sum())
        return out

    def blocks(self) -> list[tuple[Any, pd.DataFrame]]:
        """``(group, rows)`` pairs: one per ``subtotal_by`` value, or one for all rows."""
        if self.subtotal_by is None or self.subtotal_by not in self.frame.columns:
            return [(None, self.frame)]
        return [(k, g) for k, g in self.frame.groupby(self.subtotal_by, sort=True)]


def _area_cols(lang: str, *, share: bool = False) -> list[Col]:
    cols = [
        Col("area_mu", header("area_mu", lang), "area", True),
        Col("area_ha", header("area_ha", lang), "area", True),
        Col("area_m2", header("area_m2", lang), "m2", True),
    ]
    if share:
        cols.append(Col("share", header("share", lang), "share", True))
    return cols


def _note_sheet(key: str, lang: str, note: str) -> Sheet:
    frame = pd.DataFrame({"note": [note]})
    return Sheet(
        key, t(key, lang), frame, [Col("note", header("note", lang))], total=False, note=note
    )
