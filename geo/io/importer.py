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

The preview is :mod:`geo.io.importer_preview`; :class:`ImportPreview`,
:class:`ImportResult` and the helpers both steps share (:func:`guess_table`,
the rejected rows) are :mod:`geo.io.importer_results`. This module writes and
re-exports their public names.

The Streamlit Import page calls the same two functions::

    preview = preview_import(SourceFile(upload.name, upload.getvalue()), workspace=ws_path)
    # show preview.sample, preview.plan.frame(), preview.report; ask for CRS/encoding
    result = apply_import(preview, accept_repairs=accepted, user=login)
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from geo import crs as crs_mod
from geo.io.errors import (
    DataImportError,
    ImportBlockedError,
    ImportCRSError,
    WorkspaceChangedError,
)
from geo.io.importer_preview import preview_import
from geo.io.importer_results import (
    REJECTED_FILE,
    TABLE_REASONS,
    ImportPreview,
    ImportResult,
    file_sha256,
    guess_table,
    name_rejected_file,
)
from geo.schema import TABLES
from geo.validate import validate_table
from geo.workspace import (
    META_TABLE,
    list_layers,
    read_table,
    save_workspace,
)

logger = logging.getLogger(__name__)

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


__all__ = [
    "REJECTED_FILE",
    "TABLE_REASONS",
    "ImportPreview",
    "ImportResult",
    "apply_import",
    "file_sha256",
    "guess_table",
    "name_rejected_file",
    "preview_import",
]
