"""Import a source into a workspace: preview (nothing written), then apply.

:func:`preview_import` reads the source safely (:func:`geo.io.read_source`),
maps its columns (:mod:`geo.io.mapping`), settles the CRS, repairs what can
be repaired and validates every row against the workspace; it returns an
:class:`ImportPreview` with the decoded sample, the mapping, the rows ready
for the workspace and the report. :func:`apply_import` writes a preview, and
only when it validates (or its repairs are accepted), atomically: the
workspace tables are read, the layer appended or replaced, the whole
workspace saved to a temporary file next to it, checked, synced and moved
into place with :func:`os.replace`. A failed or interrupted import leaves the
workspace file byte-identical.

The Streamlit Import page calls the same two functions::

    preview = preview_import(SourceFile(upload.name, upload.getvalue()), workspace=ws_path)
    # show preview.sample, preview.plan.frame(), preview.report; ask for CRS/encoding
    result = apply_import(preview, accept_repairs=accepted, user=login)
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import logging
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError, ProjError

from geo import crs as crs_mod
from geo.io.checks import (
    AREA_TOLERANCE,
    BAOPAN_AREA_TOLERANCE,
    Mode,
    check_area,
    check_empty_required,
    check_ids,
    check_outside,
    fill_district,
    locate_enterprises,
    workspace_problems,
)
from geo.io.errors import (
    DataImportError,
    ImportBlockedError,
    ImportCRSError,
    WorkspaceChangedError,
)
from geo.io.geometry import (
    SOURCE_CRS_SHIFTS,
    describe_crs,
    dxf_prepare,
    geom_type_names,
    parse_crs,
    repair_geometries,
    resolve_crs,
)
from geo.io.mapping import (
    DECLARED_AREA,
    IMPORT_TABLES,
    POLYGON_TABLES,
    MappingPlan,
    apply_mapping,
    plan_mapping,
)
from geo.io.report import Finding, count_by_severity, report_frame
from geo.io.safety import ImportLimits
from geo.io.sources import SourceData, SourceLike, read_source, sample_frame
from geo.io.survey import is_dltb, prepare_dltb, reconcile_tbmj, resolve_where
from geo.schema import TABLES
from geo.validate import completeness, validate_table
from geo.workspace import (
    META_TABLE,
    Workspace,
    WorkspaceError,
    list_layers,
    read_table,
    save_workspace,
)

if TYPE_CHECKING:
    from geo.io.sandbox import ParserSession

logger = logging.getLogger(__name__)

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


def _reject_rows(
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


# ---------------------------------------------------------------------------
# Preview
# ---------------------------------------------------------------------------


def _open(workspace: str | os.PathLike[str] | Workspace) -> Workspace:
    if isinstance(workspace, Workspace):
        return workspace
    from geo.dataset import open_dataset

    try:
        return open_dataset(workspace, in_memory=True, validate=False).to_workspace()
    except (WorkspaceError, ValueError) as err:
        raise DataImportError(f"workspace: {err}") from None


def preview_import(
    source: SourceLike | SourceData,
    *,
    workspace: str | os.PathLike[str] | Workspace,
    layer: str | None = None,
    crs: str | int | CRS | None = None,
    source_crs: str | None = None,
    encoding: str | None = None,
    mapping: Mapping[str, str] | None = None,
    defaults: Mapping[str, Any] | None = None,
    source_layer: str | None = None,
    mode: Mode = "append",
    limits: ImportLimits | None = None,
    session: ParserSession | None = None,
    sample_rows: int = 10,
    where: str | None = None,
    preset: str | None = None,
    strict: bool = False,
    skip_invalid: bool = False,
) -> ImportPreview:
    """Read, map, repair and validate a source against a workspace; write nothing.

    Parameters
    ----------
    source
        A path, an upload (:class:`~geo.io.sources.SourceFile`), the parts of a
        shapefile, or a :class:`~geo.io.sources.SourceData` already read (to
        change the mapping or CRS without parsing again).
    workspace
        The workspace GeoPackage (path) or an opened :class:`~geo.workspace.Workspace`.
    layer
        The table to write: ``parcels``, ``areas``, ``roads`` or
        ``enterprises``; guessed from the geometry and columns when None.
    crs
        The source's CRS (EPSG code) when it has none, or to replace a wrong one.
    source_crs
        ``gcj02`` (Gaode/高德) or ``bd09`` (Baidu): the degrees were digitised
        on a shifted web map and are converted back to WGS84/CGCS2000.
    encoding
        Force the text encoding (``GBK``, ``UTF-8``…).
    mapping
        ``{source column: field}`` overrides (``--map``).
    defaults
        ``{field: value}`` filling empty or absent fields (``--default``).
    source_layer
        The dataset in an archive, the layer, sheet or CAD layer to read.
    mode
        ``append`` to the table (ids must be new) or ``replace`` it.
    limits, session
        Caps, and a parser session to reuse (see :func:`geo.io.read_source`).
    sample_rows
        Rows of decoded source values in ``sample``.
    where, preset
        Read only the features meeting an OGR SQL condition
        (``DLBM IN ('0601','0602')``), or a named 三调 preset such as
        ``industrial`` (:data:`geo.codes.SURVEY_PRESETS`); see :mod:`geo.io.survey`.
    strict
        Refuse parcels whose required fields have no source column, or whose
        status is empty (the behaviour before incomplete registers were
        accepted). By default only the id and the geometry are needed; the
        other fields are stored as unknown and counted in ``completeness``
        (docs/architecture.md §3).
    skip_invalid
        Rows with an error (outside the district, a geometry that cannot be
        repaired, a duplicate or empty id, an unreadable value…) become
        ``rejected`` findings: the other rows can be written and the rejected
        ones are kept in ``rejected`` for the user to fix and import again.
        Errors of the whole file (no CRS, no id column…) still block.

    Raises
    ------
    DataImportError
        The source is unsafe, unreadable or over a limit, or an option is
        unusable. Problems of the data itself are findings in the report.
    """
    if mode not in ("append", "replace"):
        raise DataImportError(f"mode {mode!r}: use append or replace")
    if layer is not None and layer not in IMPORT_TABLES:
        raise DataImportError(f"--layer {layer}: choose one of {', '.join(IMPORT_TABLES)}")
    shift = None
    if source_crs is not None and str(source_crs).strip():
        shift = re.sub(r"[\s_\-]", "", str(source_crs).lower())
        if shift not in SOURCE_CRS_SHIFTS:
            raise DataImportError(
                f"--source-crs {source_crs}: use gcj02 (Gaode/高德 maps) or bd09 (Baidu maps); "
                f"for an EPSG code use --crs"
            )
    user_crs = parse_crs(crs)
    where = resolve_where(where, preset)
    ws = _open(workspace)
    fingerprint = file_sha256(ws.path)
    data = (
        source
        if isinstance(source, SourceData)
        else read_source(
            source,
            encoding=encoding,
            source_layer=source_layer,
            limits=limits,
            session=session,
            prefer_layer=layer,
            where=where,
        )
    )
    findings: list[Finding] = []
    if data.encoding:
        findings.append(
            Finding(
                "info" if data.encoding_confident else "warning",
                "encoding" if data.encoding_confident else "encoding_uncertain",
                f"text read as {data.encoding}: {data.encoding_reason}",
            )
        )
    findings += [Finding("info", "source_note", n) for n in data.notes]

    if data.geometry_from:
        findings.append(
            Finding("info", "geometry_from", f"geometry built from {data.geometry_from}")
        )
    for i, msg in data.geometry_errors.items():
        findings.append(Finding("error", "bad_geometry_text", msg, row=i + 1, column="geometry"))

    table, table_reason = (
        (layer, TABLE_REASONS["chosen"])
        if layer
        else guess_table(data, mapping=mapping, defaults=defaults)
    )
    if not layer:
        findings.append(Finding("info", "table_guessed", f"importing into {table}: {table_reason}"))
    spec = TABLES[table]
    frame = data.frame
    if data.format == "dxf" and spec.geometry is not None:
        frame, found = dxf_prepare(frame, table)
        findings += found
    if frame.empty:
        findings.append(
            Finding(
                "error",
                "empty_source",
                f"the source holds no {'usable ' if len(data.frame) else ''}rows or features; "
                f"check the layer, sheet or CAD layer (--source-layer) or export it again",
            )
        )
    frame, found = prepare_dltb(frame, table)
    findings += found
    columns = [c for c in frame.columns if c != frame.geometry.name]
    plan = plan_mapping(columns, table=table, overrides=mapping, defaults=defaults, strict=strict)
    findings += plan.findings
    mapped, found = apply_mapping(frame, plan, defaults=defaults, strict=strict)
    findings += found
    existing = ws.get(table)
    info: dict[str, Any] = {"suggested_epsg": None, "crs_reason": "", "crs_note": ""}
    used_crs: CRS | None = None
    rows: pd.DataFrame | None = mapped
    geoms = np.asarray(frame.geometry.values, dtype=object)

    if spec.geometry is not None:
        if not data.has_geometry:
            findings.append(
                Finding(
                    "error",
                    "no_geometry",
                    f"{table} need geometry but the source has none; for CSV/xlsx add a WKT "
                    f"column or x/y (经度/纬度) columns",
                )
            )
            rows = None
        else:
            used_crs, geoms, found, info = resolve_crs(
                data, geoms, user_crs=user_crs, source_crs=shift
            )
            findings += found
            projected = None
            if used_crs is not None:
                try:
                    gs = gpd.GeoSeries(geoms, index=frame.index, crs=used_crs)
                    projected = gs.to_crs(ws.crs).values
                except (ProjError, ProjCRSError, ValueError) as err:
                    findings.append(
                        Finding(
                            "error",
                            "crs_unusable",
                            f"the source CRS {describe_crs(used_crs)} cannot be transformed to "
                            f"the workspace's ({err}); give the right EPSG code with --crs",
                        )
                    )
            if projected is None:
                rows = None
            else:
                fixed, found = repair_geometries(
                    np.asarray(projected, dtype=object), table=table, index=frame.index
                )
                findings += found
                gdf = gpd.GeoDataFrame(mapped, geometry=list(fixed), crs=ws.crs, index=frame.index)
                if table in POLYGON_TABLES:
                    area = gdf.geometry.area.where(gdf.geometry.notna())
                    gdf["area_m2"] = area
                    gdf["area_mu"] = crs_mod.m2_to_mu(area)
                    findings += check_area(
                        gdf,
                        area,
                        plan=plan,
                        tolerance=BAOPAN_AREA_TOLERANCE
                        if data.format == "baopan"
                        else AREA_TOLERANCE,
                    )
                    if table in ("parcels", "landuse_survey"):
                        gdf, found = reconcile_tbmj(gdf, frame, crs=ws.crs)
                        findings += found
                if table == "parcels":
                    gdf, found = fill_district(gdf, ws=ws)
                    findings += found
                    if found and gdf["district"].notna().all():  # known after all
                        findings = [
                            f
                            for f in findings
                            if not (f.code == "unknown_field" and f.field == "district")
                        ]
                findings += check_outside(gdf, table=table, ws=ws)
                rows = gdf
    elif data.has_geometry and table == "enterprises":
        if user_crs is not None or data.crs is not None or shift is not None:
            used_crs, geoms, found, info = resolve_crs(
                data, geoms, user_crs=user_crs, source_crs=shift
            )
            findings += [f for f in found if f.code != "missing_crs"]
            if used_crs is not None:
                try:
                    pts = gpd.GeoSeries(geoms, index=frame.index, crs=used_crs).to_crs(ws.crs)
                except (ProjError, ProjCRSError, ValueError) as err:
                    findings.append(
                        Finding(
                            "warning",
                            "crs_unusable",
                            f"the positions cannot be transformed ({err}); parcel_id is not "
                            f"filled from them",
                        )
                    )
                else:
                    rows, found = locate_enterprises(
                        mapped, np.asarray(pts.values, dtype=object), ws=ws, plan=plan
                    )
                    findings += found
                    if "parcel_id" in rows.columns:  # the positions supply the column
                        findings = [
                            f
                            for f in findings
                            if not (f.code == "missing_column" and f.field == "parcel_id")
                        ]
        else:
            findings.append(
                Finding(
                    "info",
                    "geometry_dropped",
                    "enterprises are an attribute table: the positions are not stored "
                    "(give --crs to fill parcel_id from them)",
                )
            )

    # Attribute checks run even when the geometry could not be placed (no CRS yet),
    # so that every problem is reported in one round.
    checked = rows if rows is not None else mapped
    findings += check_ids(checked, table=table, plan=plan, existing=existing, mode=mode)
    findings += check_empty_required(checked, table=table, plan=plan, strict=strict)
    parcels = ws.get("parcels")
    if (
        table == "enterprises"
        and "parcel_id" in checked.columns
        and parcels is not None
        and "parcel_id" in parcels.columns
    ):
        known = set(parcels["parcel_id"].dropna().astype(str))
        bad = checked["parcel_id"].notna() & ~checked["parcel_id"].astype(str).isin(known)
        for label in checked.index[bad.to_numpy()]:
            findings.append(
                Finding(
                    "warning",
                    "unknown_parcel",
                    f"parcel {checked.loc[label, 'parcel_id']!r} is not in the workspace's parcels",
                    row=int(label) + 1,
                    column=plan.source_of("parcel_id"),
                    field="parcel_id",
                )
            )
    seen = (
        {(f.code, f.row, f.field) for f in findings}
        | {(f.code, f.row, None) for f in findings}
        | {(f.code, f.row, f.column) for f in findings if f.column == "geometry"}
    )
    findings += workspace_problems(checked, table=table, plan=plan, seen=seen)
    if rows is not None:
        ordered = [c.name for c in spec.columns if c.name in rows.columns]
        geom_name = rows.geometry.name if isinstance(rows, gpd.GeoDataFrame) else None
        keep = ordered + [c for c in rows.columns if c not in ordered and c != geom_name]
        if isinstance(rows, gpd.GeoDataFrame):
            rows = rows[[*keep, rows.geometry.name]]
        else:
            rows = pd.DataFrame(rows[keep])
    if mode == "replace" and existing is not None and len(existing):
        findings.append(
            Finding(
                "warning",
                "replace_table",
                f"--mode replace: the {len(existing)} row(s) now in {table} will be removed",
            )
        )
    ids: dict[int, str] = {}
    if rows is not None and spec.key and spec.key in rows.columns:
        ids = {
            int(i) + 1: str(v)
            for i, v in rows[spec.key].items()
            if v is not None and not pd.isna(v)
        }
    rejected: pd.DataFrame | None = None
    if skip_invalid:
        findings, rejected = _reject_rows(findings, frame, data=data, crs=used_crs)
        if rows is not None and rejected is not None and len(rejected):
            rows = rows.drop(index=rejected.index)
    complete = None
    if rows is not None and table == "parcels":
        complete = completeness(rows, table)
        findings += [
            Finding(
                "info",
                "completeness",
                f"{r.field} ({r.label_zh}/{r.label_en}) is unknown in {r.n_missing} of "
                f"{r.n_rows} parcel(s)",
                field=r.field,
            )
            for r in complete.itertuples()
            if r.n_missing
        ]
    report = report_frame(findings, ids=ids)
    preview = ImportPreview(
        source=data,
        table=table,
        table_reason=table_reason,
        mode=mode,
        workspace_path=Path(ws.path),
        workspace_crs=ws.crs,
        fingerprint=fingerprint,
        plan=plan,
        sample=sample_frame(data, rows=sample_rows),
        rows=rows,
        report=report,
        crs=used_crs,
        crs_note=info.get("crs_note", ""),
        suggested_epsg=info.get("suggested_epsg"),
        crs_reason=info.get("crs_reason", ""),
        defaults=dict(defaults or {}),
        strict=strict,
        skip_invalid=skip_invalid,
        rejected=rejected,
        completeness=complete,
    )
    logger.info("import preview: %s", preview.summary())
    return preview


# ---------------------------------------------------------------------------
# Apply
# ---------------------------------------------------------------------------


def _storage_rows(preview: ImportPreview, existing: pd.DataFrame | None) -> pd.DataFrame:
    assert preview.rows is not None
    rows = preview.rows.copy()
    spec = TABLES[preview.table]
    for col in spec.columns:
        if col.name not in rows.columns:
            continue
        if col.dtype == "bool":
            s = rows[col.name]
            rows[col.name] = s.astype(bool) if s.notna().all() else s.astype("boolean")
        elif col.dtype == "str":
            rows[col.name] = rows[col.name].astype(object).where(rows[col.name].notna(), None)
    if isinstance(rows, gpd.GeoDataFrame):
        derived = ("area_m2", "area_ellipsoid_m2")  # caches of the geometry, not stored
        rows = rows.drop(columns=[c for c in derived if c in rows.columns])
        target = (
            existing.crs
            if isinstance(existing, gpd.GeoDataFrame) and existing.crs
            else crs_mod.STORAGE_EPSG
        )
        rows = rows.to_crs(target)
    return rows.reset_index(drop=True)


def _audit_row(
    preview: ImportPreview, *, user: str | None, written: int, before: int
) -> dict[str, Any]:
    if user is None:
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "unknown"
    return {
        "who": user,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "table_name": preview.table,
        "row_id": "*",
        "field": "(import)",
        "before": f"{before} row(s)",
        "after": f"{preview.mode} {written} row(s) from {preview.source.name}",
    }


def _check_not_open(path: Path) -> None:
    """Refuse to replace a GeoPackage that an SQLite connection has open for writing."""
    side = [
        Path(f"{path}{suffix}")
        for suffix in ("-wal", "-shm", "-journal")
        if Path(f"{path}{suffix}").exists()
    ]
    if side:
        raise DataImportError(
            f"{path.name} is open in another program or editor ({', '.join(p.name for p in side)} "
            f"exists); close it (the app's editing session, QGIS) and import again. Nothing "
            f"written"
        )


def apply_import(
    preview: ImportPreview, *, accept_repairs: bool = False, user: str | None = None
) -> ImportResult:
    """Write a previewed import into its workspace, atomically.

    Parameters
    ----------
    preview
        From :func:`preview_import`.
    accept_repairs
        Write even though geometries were repaired (the report lists them).
    user
        Who imports, for the audit table (default: the login name).

    Raises
    ------
    ImportCRSError
        The source's CRS was never settled.
    ImportBlockedError
        Errors in the report, or repairs not accepted; nothing is written.
    WorkspaceChangedError
        The workspace changed since the preview; preview again.
    DataImportError
        The workspace holds layers a save would drop, or the written file
        failed its check; the workspace is untouched.
    """
    c = preview.counts
    if preview.needs_crs:
        raise ImportCRSError(
            f"{preview.source.name} has no CRS ({preview.crs_reason}); nothing written. Confirm it "
            f"with --crs EPSG"
            + (f" (likely {preview.suggested_epsg})" if preview.suggested_epsg else ""),
            suggested_epsg=preview.suggested_epsg,
            reason=preview.crs_reason,
        )
    if preview.rows is None or c["error"]:
        rep = preview.report
        in_rows = (
            int(rep.loc[rep["severity"] == "error", "row"].dropna().nunique()) if len(rep) else 0
        )
        hint = (
            f"; or import the other rows with --skip-invalid (the {in_rows} row(s) with "
            f"errors then go to a rejected-rows file to fix)"
            if in_rows and not preview.skip_invalid and in_rows < len(preview.source.frame)
            else ""
        )
        raise ImportBlockedError(
            f"{c['error']} error(s) in the import report; nothing written. Fix the source or "
            f"the options (--map, --default, --crs) and import again; the report names the "
            f"rows and columns{hint}",
            report=preview.report,
        )
    if c["repaired"] and not accept_repairs:
        raise ImportBlockedError(
            f"{c['repaired']} geometr(ies) were repaired; nothing written. Check them in the "
            f"report and accept the repairs (--accept-repairs), or fix them in your GIS",
            report=preview.report,
        )
    path = preview.workspace_path
    _check_not_open(path)
    if file_sha256(path) != preview.fingerprint:
        raise WorkspaceChangedError(
            f"{path.name} changed since the preview (someone saved it); preview the import again"
        )
    layers = list_layers(path)
    foreign = [name for name in layers if name not in TABLES and name != META_TABLE]
    if foreign:
        raise DataImportError(
            f"{path.name} holds layer(s) Tenglong does not manage ({', '.join(foreign)}); saving "
            f"would drop them. Move them to another file first; nothing written"
        )
    tables: dict[str, pd.DataFrame] = {
        name: read_table(path, name) for name in layers if name in TABLES
    }
    meta: dict[str, str] | None = None
    if META_TABLE in layers:
        mdf = pyogrio.read_dataframe(path, layer=META_TABLE, read_geometry=False)
        meta = {str(k): str(v) for k, v in zip(mdf["key"], mdf["value"], strict=True)}
    existing = tables.get(preview.table)
    new = _storage_rows(preview, existing)
    if existing is not None and "row_version" in existing.columns:
        new["row_version"] = 0  # the edit store's optimistic-locking counter
    before = 0 if existing is None else len(existing)
    if preview.mode == "replace" or existing is None or existing.empty:
        merged = new
    else:
        merged = pd.concat([existing, new], ignore_index=True)
        if isinstance(existing, gpd.GeoDataFrame):
            merged = gpd.GeoDataFrame(merged, geometry=existing.geometry.name, crs=existing.crs)
    tables[preview.table] = merged
    audit_row = _audit_row(preview, user=user, written=len(new), before=before)
    if "audit" in tables:
        extra = {"edit_id": uuid.uuid4().hex, "note": "import", "row_version": 0}
        audit_row.update({k: v for k, v in extra.items() if k in tables["audit"].columns})
    audit = pd.DataFrame([audit_row])
    tables["audit"] = (
        pd.concat([tables["audit"], audit], ignore_index=True) if "audit" in tables else audit
    )
    errors_before = (
        sum(p.severity == "error" for p in validate_table(preview.table, existing))
        if existing is not None
        else 0
    )

    tmp = path.with_name(f".{path.stem}.import-{uuid.uuid4().hex[:8]}.gpkg")
    try:
        save_workspace(tables, tmp, meta=meta)
        written = read_table(tmp, preview.table)
        if len(written) != len(merged):
            raise DataImportError(
                f"the saved {preview.table} has {len(written)} rows instead of {len(merged)}; "
                f"nothing written"
            )
        errors_after = sum(p.severity == "error" for p in validate_table(preview.table, written))
        if errors_after > errors_before:
            problems = [
                str(p) for p in validate_table(preview.table, written) if p.severity == "error"
            ]
            raise ImportBlockedError(
                f"the workspace would gain {errors_after - errors_before} validation error(s) "
                f"({'; '.join(problems[:3])}); nothing written"
            )
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if file_sha256(path) != preview.fingerprint:
            raise WorkspaceChangedError(
                f"{path.name} changed during the import (someone saved it); preview the "
                f"import again"
            )
        _check_not_open(path)
        os.replace(tmp, path)
        try:
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError:  # pragma: no cover - directories cannot be synced on some systems
            pass
    finally:
        if tmp.exists():
            tmp.unlink()
    logger.info(
        "imported %d row(s) into %s of %s (%s)", len(new), preview.table, path, preview.mode
    )
    return ImportResult(
        path=path,
        table=preview.table,
        mode=preview.mode,
        rows_written=len(new),
        rows_total=len(merged),
        report=preview.report,
    )
