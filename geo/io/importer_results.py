"""What an import preview and an import return, and the helpers both steps share.

:class:`ImportPreview` (made by :func:`geo.io.importer.preview_import`),
:class:`ImportResult` (returned by :func:`geo.io.importer.apply_import`), the
table a source most likely feeds (:func:`guess_table`) and the rejected rows
(:func:`reject_rows`, :func:`name_rejected_file`). :mod:`geo.io.importer`
re-exports every public name.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geo.io.checks import Mode
from geo.io.geometry import geom_type_names
from geo.io.mapping import (
    DECLARED_AREA,
    MappingPlan,
    plan_mapping,
)
from geo.io.report import Finding, count_by_severity
from geo.io.sources import SourceData
from geo.io.survey import is_dltb
from geo.schema import TABLES

# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass
class ImportPreview:
    """Everything known about an import before anything is written.

    Attributes
    ----------
    source
        The source as read (:class:`~geo.io.sources.SourceData`).
    table, table_reason
        The workspace table to write and why it was chosen.
    mode
        ``append`` (default) or ``replace``.
    workspace_path, workspace_crs, fingerprint
        The workspace, its projected CRS and the SHA-256 of its file at
        preview time (the write refuses a workspace changed since).
    plan
        The column mapping (:class:`~geo.io.mapping.MappingPlan`).
    sample
        The first source rows with decoded values.
    rows
        The rows as they would be written (workspace CRS, repaired), indexed
        by source row − 1; None when the CRS must be chosen first.
    report
        Every finding (:data:`geo.io.report.REPORT_COLUMNS`).
    crs, crs_note
        The CRS the source was read in, and how it was decided.
    suggested_epsg, crs_reason
        The EPSG code suggested from the coordinates, and why.
    strict, skip_invalid
        ``--strict`` (every required field needs a column and a status) and
        ``--skip-invalid`` (rows with an error are left out and listed in
        ``rejected`` instead of blocking the file).
    rejected
        With ``skip_invalid``: the source rows left out, as read (source
        columns and CRS), with a ``problem`` column; None otherwise.
    completeness
        Per required field, how many of the rows to write lack it
        (:func:`geo.validate.completeness`); None when nothing is written.
    """

    source: SourceData
    table: str
    table_reason: str
    mode: Mode
    workspace_path: Path
    workspace_crs: CRS
    fingerprint: str
    plan: MappingPlan
    sample: pd.DataFrame
    rows: pd.DataFrame | None
    report: pd.DataFrame
    crs: CRS | None = None
    crs_note: str = ""
    suggested_epsg: int | None = None
    crs_reason: str = ""
    defaults: dict[str, Any] = field(default_factory=dict)
    strict: bool = False
    skip_invalid: bool = False
    rejected: pd.DataFrame | None = None
    completeness: pd.DataFrame | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Findings by severity: error, repaired, warning, info."""
        return count_by_severity(self.report)

    @property
    def needs_crs(self) -> bool:
        """True when the source has no CRS and none was given."""
        return bool((self.report["code"] == "missing_crs").any()) if len(self.report) else False

    def can_apply(self, *, accept_repairs: bool = False) -> bool:
        """True when :func:`apply_import` would write."""
        c = self.counts
        return self.rows is not None and c["error"] == 0 and (accept_repairs or c["repaired"] == 0)

    def summary(self) -> str:
        """One line: rows, target table, findings."""
        c = self.counts
        n = len(self.rows) if self.rows is not None else len(self.source.frame)
        return (
            f"{n} row(s) from {self.source.name} → {self.table} ({self.mode}): "
            f"{c['error']} error(s), {c['rejected']} rejected, {c['repaired']} repaired, "
            f"{c['warning']} warning(s)"
        )

    @property
    def n_rejected(self) -> int:
        """Source rows left out by ``--skip-invalid``."""
        return 0 if self.rejected is None else len(self.rejected)


@dataclass(frozen=True)
class ImportResult:
    """What :func:`apply_import` wrote."""

    path: Path
    table: str
    mode: Mode
    rows_written: int
    rows_total: int
    report: pd.DataFrame


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


TABLE_REASONS: dict[str, str] = {
    "no_geometry": "no geometry: an attribute table (enterprises)",
    "lines": "line geometry: roads",
    "points": "point geometry: enterprises located by their position",
    "area_columns": "polygons whose columns match planning areas (片区/园区)",
    "polygons": "polygons: parcels (choose --layer areas for planning areas)",
    "chosen": "chosen with --layer",
    "dltb": "a 三调 DLTB layer: the reference layer 现状地类 (landuse_survey)",
    "dltb_filtered": "a 三调 DLTB layer filtered by --where or --preset: parcels",
}
"""Why a table was chosen (:attr:`ImportPreview.table_reason`), by key: the app says it
in the UI language (``import_reason_<key>``)."""


def guess_table(
    data: SourceData,
    *,
    mapping: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> tuple[str, str]:
    """The table a source most likely feeds, and why.

    Attribute tables go to ``enterprises``; lines to ``roads``; points to
    ``enterprises`` (firms located by x/y); polygons to ``parcels`` unless the
    columns match ``areas`` better.
    """
    if not data.has_geometry:
        return "enterprises", TABLE_REASONS["no_geometry"]
    if is_dltb(list(data.frame.columns)):
        if data.where:
            return "parcels", TABLE_REASONS["dltb_filtered"]
        return "landuse_survey", TABLE_REASONS["dltb"]
    geoms = data.frame.geometry.values
    present = geoms[~(pd.isna(geoms) | shapely.is_empty(geoms))] if len(geoms) else geoms
    types = set(geom_type_names(np.asarray(present, dtype=object))) if len(present) else set()
    polygonal = bool(types & {"Polygon", "MultiPolygon"})
    if not polygonal and types and types <= {"LineString", "MultiLineString", "LinearRing"}:
        return "roads", TABLE_REASONS["lines"]
    if not polygonal and types and types <= {"Point", "MultiPoint"}:
        return "enterprises", TABLE_REASONS["points"]
    cols = list(data.frame.columns.drop(data.frame.geometry.name))
    extra = set((mapping or {}).values()) | set(defaults or {})
    score: dict[str, int] = {}
    for t in ("parcels", "areas"):
        fields = set(plan_mapping(cols, table=t).fields()) | {
            f for f in extra if TABLES[t].column(f)
        }
        score[t] = len(fields - {"name", DECLARED_AREA})
    if score["areas"] > score["parcels"]:
        return "areas", TABLE_REASONS["area_columns"]
    return "parcels", TABLE_REASONS["polygons"]


REJECTED_FILE = "the rejected-rows file"
"""How the ``rows_rejected`` finding names the file until the caller knows its path."""


def name_rejected_file(report: pd.DataFrame, path: str | os.PathLike[str]) -> pd.DataFrame:
    """The report with the ``rows_rejected`` finding naming the rejected-rows file ``path``."""
    out = report.copy()
    hit = out["code"] == "rows_rejected" if len(out) else pd.Series(dtype=bool)
    if hit.any():
        out.loc[hit, "message"] = out.loc[hit, "message"].str.replace(
            REJECTED_FILE, f"{REJECTED_FILE} {path}", regex=False
        )
    return out


def reject_rows(
    findings: list[Finding], frame: pd.DataFrame, *, data: SourceData, crs: CRS | None
) -> tuple[list[Finding], pd.DataFrame | None]:
    """Row-level errors become ``rejected``; the rejected source rows with a ``problem`` column.

    The rows are the source's (its columns and values as read, its geometry in
    its own CRS), so that the file can be fixed and imported again.
    """
    bad: dict[int, list[str]] = {}
    out: list[Finding] = []
    for f in findings:
        if f.severity == "error" and f.row is not None and f.row - 1 in frame.index:
            where = f" ({f.column})" if f.column else ""
            bad.setdefault(f.row, []).append(f"{f.message}{where}")
            out.append(replace(f, severity="rejected"))
        else:
            out.append(f)
    if not bad:
        return out, None
    rejected = frame.loc[[r - 1 for r in sorted(bad)]].copy()
    rejected.insert(0, "problem", ["; ".join(bad[r]) for r in sorted(bad)])
    rejected.insert(0, "source_row", sorted(bad))
    if isinstance(rejected, gpd.GeoDataFrame) and data.has_geometry:
        if rejected.crs is None and (crs is not None or data.crs is not None):
            rejected = rejected.set_crs(crs if crs is not None else data.crs, allow_override=True)
    elif isinstance(rejected, gpd.GeoDataFrame):
        rejected = pd.DataFrame(rejected.drop(columns=[rejected.geometry.name]))
    out.append(
        Finding(
            "warning",
            "rows_rejected",
            f"{len(bad)} row(s) with errors are left out (--skip-invalid) and go to "
            f"{REJECTED_FILE} with a 'problem' column; fix them there and import that file "
            f"again",
        )
    )
    return out, rejected
