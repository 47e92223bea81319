"""The first step of an import: :func:`preview_import` reads, maps, validates, writes nothing.

See :mod:`geo.io.importer` (which re-exports :func:`preview_import`) for the two steps.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
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
from geo.io.errors import DataImportError
from geo.io.geometry import (
    SOURCE_CRS_SHIFTS,
    describe_crs,
    dxf_prepare,
    parse_crs,
    repair_geometries,
    resolve_crs,
)
from geo.io.importer_results import (
    TABLE_REASONS,
    ImportPreview,
    file_sha256,
    guess_table,
    reject_rows,
)
from geo.io.mapping import (
    IMPORT_TABLES,
    POLYGON_TABLES,
    apply_mapping,
    plan_mapping,
)
from geo.io.report import Finding, report_frame
from geo.io.safety import ImportLimits
from geo.io.sources import SourceData, SourceLike, read_source, sample_frame
from geo.io.survey import prepare_dltb, reconcile_tbmj, resolve_where
from geo.schema import TABLES
from geo.validate import completeness
from geo.workspace import (
    Workspace,
    WorkspaceError,
)

if TYPE_CHECKING:
    from geo.io.sandbox import ParserSession

logger = logging.getLogger(__name__)


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
        findings, rejected = reject_rows(findings, frame, data=data, crs=used_crs)
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
