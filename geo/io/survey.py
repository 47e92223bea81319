"""三调 / 变更调查 land-survey databases: the DLTB layer (地类图斑) on import.

A county's survey database arrives as an ESRI FileGDB (``.gdb`` folder or a
zip of it, read by GDAL's OpenFileGDB driver; a Personal GDB ``.mdb`` is
refused with how to convert it, :func:`geo.io.safety.personal_gdb_error`).
Its DLTB layer is imported either

- as the reference layer ``landuse_survey`` (现状地类, :data:`geo.schema.LANDUSE_SURVEY`),
  the default for a DLTB layer; or
- as parcels, filtered by ``--where "DLBM IN ('0601','0602','0508')"`` or a
  ``--preset`` (:data:`geo.codes.SURVEY_PRESETS`): the 三调 code ``DLBM`` becomes
  the 用地用海 code of ``land_use_now`` through the shipped cross-walk
  (:func:`geo.codes.sandiao_to_land_use`), ``BSM`` the parcel id.

``TBMJ`` is an ellipsoidal area; :func:`reconcile_tbmj` computes the
ellipsoidal area of every imported polygon (``area_ellipsoid_m2``,
:func:`geo.crs.ellipsoid_area_m2`) and reports each 图斑 whose TBMJ differs by
more than :data:`TBMJ_TOLERANCE`.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import codes
from geo.crs import ellipsoid_area_m2
from geo.io.errors import DataImportError
from geo.io.report import Finding

logger = logging.getLogger(__name__)

DLTB_FIELDS: tuple[str, ...] = (
    "BSM",
    "YSDM",
    "TBYBH",
    "TBBH",
    "DLBM",
    "DLMC",
    "QSXZ",
    "QSDWDM",
    "QSDWMC",
    "ZLDWDM",
    "ZLDWMC",
    "TBMJ",
    "KCDLBM",
    "KCXS",
    "KCMJ",
    "TBDLMJ",
    "GDLX",
    "CZCSXM",
    "SJNF",
    "BZ",
)
"""Fields of a 三调 DLTB layer (TD/T 1057-2020 family) Tenglong recognises."""

TBMJ_TOLERANCE = 0.001
"""Relative TBMJ − ellipsoidal area difference above which a 图斑 is reported (0.1 %)."""


def _upper_columns(columns: list[str]) -> dict[str, str]:
    return {str(c).strip().upper(): str(c) for c in columns}


def is_dltb(columns: list[str]) -> bool:
    """True when the columns look like a 三调 DLTB layer (DLBM and two more DLTB fields).

    Examples
    --------
    >>> is_dltb(["BSM", "TBBH", "DLBM", "DLMC", "TBMJ"]), is_dltb(["DLBM", "name"])
    (True, False)
    """
    cols = _upper_columns(columns)
    return "DLBM" in cols and len(set(cols) & set(DLTB_FIELDS)) >= 3


def resolve_where(where: str | None, preset: str | None) -> str | None:
    """The OGR SQL condition of ``--where`` or ``--preset`` (not both).

    Examples
    --------
    >>> resolve_where(None, "storage")
    "DLBM IN ('0508')"

    Raises
    ------
    DataImportError
        For both options at once or an unknown preset (the message lists them).
    """
    where = where.strip() if where and where.strip() else None
    if preset is None or not str(preset).strip():
        return where
    if where is not None:
        raise DataImportError("give --where or --preset, not both")
    name = str(preset).strip().lower()
    if name not in codes.SURVEY_PRESETS:
        known = ", ".join(
            f"{k} ({zh}: {'/'.join(c)})" for k, (zh, _, c) in codes.SURVEY_PRESETS.items()
        )
        raise DataImportError(f"--preset {preset}: unknown; use one of {known}")
    return codes.preset_where(name)


def prepare_dltb(frame: gpd.GeoDataFrame, table: str) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Make a DLTB layer ready for the column mapping of ``table``.

    For ``parcels``: ``parcel_id`` from BSM, ``name`` from ZLDWMC and TBBH and
    ``land_use_now`` from DLBM through the cross-walk (a 三调 code without one
    is an error naming the row). For ``landuse_survey``: DLBM normalised
    (``05h1`` → ``05H1``, a dropped leading zero restored) and DLMC filled
    from the code table where empty; unknown codes are warnings. Other tables
    and non-DLTB frames pass unchanged.
    """
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if table not in ("parcels", "landuse_survey") or not is_dltb(columns):
        return frame, []
    cols = _upper_columns(columns)
    out = frame.copy()
    found = ", ".join(f for f in DLTB_FIELDS if f in cols)
    findings = [
        Finding("info", "dltb_recognised", f"a 三调/变更调查 DLTB layer (地类图斑): {found}")
    ]
    dlbm_col = cols["DLBM"]
    dlbm = out[dlbm_col].map(codes.normalize_sandiao)
    known = codes.code_table("sandiao")
    if table == "landuse_survey":
        out[dlbm_col] = dlbm
        for i, c in dlbm.items():
            if c is not None and c not in known:
                findings.append(
                    Finding(
                        "warning",
                        "unknown_survey_code",
                        f"DLBM {c!r} is not a code of the 三调工作分类; it is kept as written",
                        row=int(i) + 1,
                        column=dlbm_col,
                        value=c,
                    )
                )
        if "DLMC" in cols:
            names = out[cols["DLMC"]].astype(object)
            empty = names.isna() | (names.astype(str).str.strip() == "")
            out[cols["DLMC"]] = names.where(~empty, dlbm.map(codes.sandiao_label))
        return out, findings
    present = {c.lower() for c in columns}
    if "parcel_id" not in present and "BSM" in cols:
        out["parcel_id"] = out[cols["BSM"]]
    if "name" not in present and "TBBH" in cols:
        place = out[cols["ZLDWMC"]].fillna("").astype(str) if "ZLDWMC" in cols else ""
        out["name"] = place + out[cols["TBBH"]].fillna("").astype(str) + "号图斑"
    if "land_use_now" not in present:
        target = pd.Series(
            [codes.sandiao_to_land_use(c) for c in dlbm], index=dlbm.index, dtype=object
        )
        out["land_use_now"] = target
        for i, c in dlbm.items():
            if c is not None and target[i] is None:
                findings.append(
                    Finding(
                        "error",
                        "unknown_survey_code",
                        f"DLBM {c!r} is not a 三调 code with a 用地用海 equivalent; filter it "
                        f"out (--where) or give the row a land_use_now",
                        row=int(i) + 1,
                        column=dlbm_col,
                        value=c,
                    )
                )
        pairs = sorted({(c, t) for c, t in zip(dlbm, target, strict=True) if c and t})
        if pairs:
            shown = "; ".join(
                f"{c} {codes.sandiao_label(c)} → {t} {codes.land_use_name(t)}" for c, t in pairs
            )
            findings.append(
                Finding("info", "survey_code_crosswalk", f"DLBM → land_use_now: {shown}")
            )
    return out, findings


def reconcile_tbmj(
    rows: gpd.GeoDataFrame, source: pd.DataFrame, *, crs: object
) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Compute ``area_ellipsoid_m2`` of every row and compare it with the source's TBMJ.

    ``rows`` are the imported rows (projected, ``crs``), indexed like
    ``source``; a row whose TBMJ differs from its ellipsoidal area by more
    than :data:`TBMJ_TOLERANCE` is a warning naming the row and both areas.
    Without a TBMJ column only the area is added.
    """
    out = rows.copy()
    area = ellipsoid_area_m2(out.geometry.values, crs)
    out["area_ellipsoid_m2"] = area
    cols = _upper_columns(list(source.columns))
    if "TBMJ" not in cols:
        return out, []
    tbmj = pd.to_numeric(source[cols["TBMJ"]], errors="coerce").reindex(out.index)
    findings: list[Finding] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (tbmj.to_numpy() - area) / area  # TBMJ's excess over the computed area
    checked = np.isfinite(rel)
    for label, r, t, a in zip(out.index, rel, tbmj, area, strict=True):
        if np.isfinite(r) and abs(r) > TBMJ_TOLERANCE:
            findings.append(
                Finding(
                    "warning",
                    "tbmj_mismatch",
                    f"TBMJ {t:,.2f} m² differs from the ellipsoidal area of the geometry "
                    f"{a:,.2f} m² by {r * 100:+.3f}% (more than {TBMJ_TOLERANCE * 100:.1f}%); "
                    f"check the 图斑's geometry or its TBMJ",
                    row=int(label) + 1,
                    column=cols["TBMJ"],
                    value=t,
                )
            )
    if checked.any():
        worst = float(np.nanmax(np.abs(rel[checked])))
        total_t, total_a = float(np.nansum(tbmj.to_numpy()[checked])), float(area[checked].sum())
        findings.append(
            Finding(
                "info",
                "tbmj_reconciled",
                f"TBMJ against the ellipsoidal (GRS80) area of {int(checked.sum())} 图斑: "
                f"{total_t:,.2f} m² declared, {total_a:,.2f} m² computed, largest difference "
                f"{worst * 100:.4f}%; {len(findings)} above {TBMJ_TOLERANCE * 100:.1f}%",
            )
        )
    return out, findings
