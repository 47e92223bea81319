"""Sheets of freed land: by area and by status, year, industry or district; the parcel list."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from geo.crs import ellipsoid_area_m2, m2_to_ha, m2_to_mu
from geo.export._context import ExportContext, ExportError
from geo.export.report.labels import (
    area_name,
    header,
    kind_text,
    land_use_text,
    status_text,
    t,
    yes_no,
)
from geo.export.report.sheet import Col, Sheet, _area_cols
from geo.schema import (
    PARCELS,
    STATUS_LIFECYCLE,
)

# -- release summaries ------------------------------------------------------


def _release_error(err: Exception) -> ExportError:
    return ExportError(f"the release summary cannot be computed: {err}")


def release_by_area(ctx: ExportContext) -> pd.DataFrame:
    """Freed land by area, one block per level, exactly as ``tenglong summary`` computes it."""
    from geo.release import ReleaseError, release_summary

    try:
        return release_summary(ctx.scope_parcels, ctx.summary_areas, by="area")
    except ReleaseError as err:
        raise _release_error(err) from None


def release_by(ctx: ExportContext, dim: str) -> pd.DataFrame:
    """Freed land by ``status``, ``year``, ``industry`` or ``district`` (within the scope area).

    With an area in scope the parcels are clipped to it (the area's row of an
    area × ``dim`` summary); otherwise the whole parcels count.
    """
    from geo.release import BY_CHOICES, ReleaseError, release_summary

    try:
        if ctx.area_id is not None:
            out = release_summary(
                ctx.scope_parcels, ctx.ws.areas, by=["area", dim], area_ids=[ctx.area_id]
            )
            out = out[out["area_id"] == ctx.area_id]
            out = out.drop(columns=["level", "area_id", "area_name", "area_name_en", "kind"])
        else:
            out = release_summary(ctx.scope_parcels, by=dim)
    except ReleaseError as err:
        raise _release_error(err) from None
    out = out.reset_index(drop=True)
    total = out["area_m2"].sum()
    out["share"] = out["area_m2"] / total if total > 0 else 0.0
    col = BY_CHOICES[dim]
    if dim == "status":  # lifecycle order
        order = {s: i for i, s in enumerate(STATUS_LIFECYCLE)}
        out = out.iloc[out[col].map(lambda s: order.get(s, 99)).argsort(kind="stable")]
    return out.reset_index(drop=True)


def by_area_sheet(ctx: ExportContext) -> Sheet:
    """Sheet: freed land by planning area, with a subtotal per nesting level."""
    lang = ctx.lang
    df = release_by_area(ctx)
    names = np.where(
        (lang == "en") & df["area_name_en"].notna() & (df["area_name_en"].astype(str) != ""),
        df["area_name_en"].astype(str),
        df["area_name"].astype(str),
    )
    frame = pd.DataFrame(
        {
            "level": df["level"].astype(int),
            "area_id": df["area_id"].astype(str),
            "area_name": names,
            "kind": [kind_text(k, lang) for k in df["kind"]],
            "n_parcels": df["n_parcels"].astype(int),
            "area_mu": df["area_mu"],
            "area_ha": df["area_ha"],
            "area_m2": df["area_m2"],
        }
    )
    cols = [
        Col("level", header("level", lang), "int"),
        Col("area_id", header("area_id", lang)),
        Col("area_name", header("area_name", lang)),
        Col("kind", header("kind", lang)),
        Col("n_parcels", header("n_parcels", lang), "int"),
        *_area_cols(lang),
    ]
    note = (
        "每一层级的各行（含区外）之和等于腾退土地总量；地块按片区边界切分，同层重叠部分归面积较小的片区"
        if lang == "zh"
        else "within each level the rows (with outside) add up to the freed total; parcels are "
        "clipped to area boundaries, overlaps within a level go to the smaller area"
    )
    return Sheet("by_area", t("by_area", lang), frame, cols, subtotal_by="level", note=note)


def by_dim_sheet(ctx: ExportContext, dim: str) -> Sheet:
    """Sheet: freed land by status, year or industry."""
    lang = ctx.lang
    df = release_by(ctx, dim)
    if dim == "status":
        first = Col("status", header("status", lang))
        values: list[Any] = [status_text(s, lang) for s in df["status"]]
    elif dim == "year":
        first = Col("year", header("year", lang), "year")
        values = [t("unknown", lang) if pd.isna(y) else int(y) for y in df["year"]]
    else:
        first = Col("industry_before", header("industry_before", lang))
        values = [t("unknown", lang) if pd.isna(v) else str(v) for v in df["industry_before"]]
    frame = pd.DataFrame(
        {
            first.key: values,
            "n_parcels": df["n_parcels"].astype(int),
            "area_mu": df["area_mu"],
            "area_ha": df["area_ha"],
            "area_m2": df["area_m2"],
            "share": df["share"],
        }
    )
    cols = [
        first,
        Col("n_parcels", header("n_parcels", lang), "int", True),
        *_area_cols(lang, share=True),
    ]
    return Sheet(f"by_{dim}", t(f"by_{dim}", lang), frame, cols)


# -- parcels ----------------------------------------------------------------

_PARCEL_ORDER: tuple[str, ...] = tuple(c.name for c in PARCELS.columns if c.name != "area_mu")
_AREA_UNITS = ("area_mu", "area_ha", "area_m2")


def _display(column: str, series: pd.Series, lang: str) -> tuple[list[Any], str]:
    """Display values and the kind of a parcel column."""
    spec = PARCELS.column(column)
    if column == "status":
        return [status_text(v, lang) for v in series], "text"
    if column.startswith("land_use"):
        return [land_use_text(v, lang) for v in series], "text"
    dtype = spec.dtype if spec is not None else None
    if dtype == "bool" or pd.api.types.is_bool_dtype(series):
        return [yes_no(v, lang) for v in series], "text"
    if dtype == "date" or pd.api.types.is_datetime64_any_dtype(series):
        s = pd.to_datetime(series, errors="coerce")
        return [None if pd.isna(v) else v.date() for v in s], "date"
    if dtype in ("float", "int") or pd.api.types.is_numeric_dtype(series):
        s = pd.to_numeric(series, errors="coerce")
        kind = "int" if dtype == "int" or pd.api.types.is_integer_dtype(series) else "number"
        return [None if pd.isna(v) else v for v in s.tolist()], kind
    return [
        None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in series
    ], "text"


def containing_area_names(ctx: ExportContext, parcels: pd.DataFrame) -> list[str]:
    """Name of the planning area holding most of each parcel (empty outside every area)."""
    from geo.capacity import containing_area

    if not len(parcels):
        return []
    ca = containing_area(parcels, ctx.ws.areas, require_targets=False)  # type: ignore[arg-type]
    names = {str(r["area_id"]): area_name(r, ctx.lang) for _, r in ctx.ws.areas.iterrows()}
    return [names.get(str(a), "") if not pd.isna(a) else "" for a in ca["area_id"]]


def parcel_sheet(ctx: ExportContext) -> Sheet:
    """Sheet: the parcels in scope, with every column the role may see."""
    lang = ctx.lang
    p = ctx.scope_parcels.sort_values("parcel_id", kind="stable")
    geom = p.geometry.name
    present = [c for c in _PARCEL_ORDER if c in p.columns]
    extras = [c for c in p.columns if c not in present and c not in (*_AREA_UNITS, geom)]
    frame = pd.DataFrame(index=range(len(p)))
    cols: list[Col] = []
    for c in present + extras:
        values, kind = _display(c, p[c], lang)
        frame[c] = values
        cols.append(Col(c, header(c, lang), kind))
        if c == "status":
            frame["containing_area"] = containing_area_names(ctx, p)
            cols.append(Col("containing_area", header("containing_area", lang)))
    area_m2 = p.geometry.area.to_numpy()
    frame["area_mu"] = m2_to_mu(area_m2)
    frame["area_ha"] = m2_to_ha(area_m2)
    frame["area_m2"] = area_m2
    cols += _area_cols(lang)
    # the GRS80 ellipsoidal area, as a land survey's TBMJ gives it (docs/architecture.md §4)
    frame["area_ellipsoid_m2"] = (
        ellipsoid_area_m2(p.geometry.values, p.crs) if len(p) else np.zeros(0)
    )
    cols.append(Col("area_ellipsoid_m2", header("area_ellipsoid_m2", lang), "m2", True))
    sheet = Sheet("parcels", t("parcels", lang), frame, cols)
    sheet.meta["count"] = len(p)
    return sheet
