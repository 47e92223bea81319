"""Applying a mapping plan: converted columns and the findings about them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.io.errors import MappingError
from geo.io.mapping.aliases import DECLARED_AREA
from geo.io.mapping.plan import MappingPlan, tolerated_missing
from geo.io.mapping.units import norm_header
from geo.io.mapping.values import (
    _KIND_INDEX,
    _SCALE_INDEX,
    _is_empty,
    _text,
    parse_bool,
    parse_date,
    parse_land_use,
    parse_number,
    parse_status,
)
from geo.io.report import Finding
from geo.schema import AREA_KINDS, STATUS_LABELS, TABLES, UNKNOWN_STATUS, Column

# ---------------------------------------------------------------------------
# Applying a plan
# ---------------------------------------------------------------------------


def _status_hint() -> str:
    return ", ".join(f"{zh} ({k})" for k, (zh, _) in STATUS_LABELS.items())


def _value_kind(table: str, fld: str) -> str:
    """How values of ``fld`` are read: a vocabulary, a column type, or ``raw``."""
    if table == "parcels" and fld == "status":
        return "status"
    if fld in ("land_use_now", "land_use_planned"):
        return "land_use"
    if table == "areas" and fld == "kind":
        return "kind"
    if table == "enterprises" and fld == "scale":
        return "scale"
    if fld == DECLARED_AREA:
        return "float"
    col: Column | None = TABLES[table].column(fld)
    return "raw" if col is None else col.dtype


def convert_column(
    values: pd.Series,
    *,
    table: str,
    field: str,
    factor: float = 1.0,
    source: str | None = None,
    strict: bool = True,
) -> tuple[pd.Series, list[Finding]]:
    """Normalise one column's values for ``field``; report what cannot be read.

    Unknown vocabulary values are kept as written (and reported as errors);
    unreadable numbers, dates and yes/no values become empty (and are reported).
    An empty parcel status is an error when ``strict``, else the status
    :data:`geo.schema.UNKNOWN_STATUS` (counted by the completeness check).
    """
    kind = _value_kind(table, field)
    out: list[Any] = []
    findings: list[Finding] = []
    src = source or field

    def add(i: Any, severity: str, code: str, msg: str, v: Any) -> None:
        findings.append(
            Finding(severity, code, msg, row=int(i) + 1, column=src, field=field, value=v)
        )  # type: ignore[arg-type]

    for i, v in values.items():
        if kind == "status":
            t = _text(v)
            s = parse_status(v)
            if t is None and not strict:
                s = UNKNOWN_STATUS
            elif t is None:
                add(
                    i, "error", "unknown_status", f"status is empty; use one of {_status_hint()}", v
                )
            elif s is None:
                add(
                    i,
                    "error",
                    "unknown_status",
                    f"status {t!r} is not known; use one of {_status_hint()}",
                    v,
                )
            out.append(s if s is not None else t)
        elif kind == "land_use":
            code, note = parse_land_use(v)
            t = _text(v)
            if t is not None and code is None:
                add(
                    i,
                    "error",
                    "unknown_land_use",
                    f"land-use code {t!r} is not in the 国土空间调查、规划、用途管制用地用海分类; "
                    f"write the code (e.g. 100102) or its name (e.g. 二类工业用地)",
                    v,
                )
            elif note:
                add(i, "warning", "land_use_converted", note, v)
            out.append(code if code is not None else t)
        elif kind == "kind":
            t = _text(v)
            k = None if t is None else _KIND_INDEX.get(norm_header(t))
            if t is not None and k is None:
                add(
                    i,
                    "error",
                    "unknown_area_kind",
                    f"kind {t!r} is not known; use one of "
                    + ", ".join(f"{zh} ({key})" for key, (zh, _) in AREA_KINDS.items()),
                    v,
                )
            out.append(k if k is not None else t)
        elif kind == "scale":
            t = _text(v)
            k = None if t is None else _SCALE_INDEX.get(norm_header(t))
            if t is not None and k is None:
                add(i, "warning", "unknown_scale", f"scale {t!r} is neither 规上 nor 规下", v)
            out.append(k if k is not None else t)
        elif kind == "bool":
            b = parse_bool(v)
            if b is None and _text(v) is not None:
                add(i, "error", "bad_bool", f"{_text(v)!r} is not yes/no; write 是 or 否", v)
            out.append(b)
        elif kind == "date":
            d, note = parse_date(v)
            if d is None and _text(v) is not None:
                add(i, "error", "bad_date", f"{_text(v)!r} is not a date; write YYYY-MM-DD", v)
            elif note:
                add(i, "info", "date_completed", note, v)
            out.append(d)
        elif kind in ("int", "float"):
            try:
                x = parse_number(v)
            except ValueError:
                add(i, "error", "bad_number", f"{_text(v)!r} is not a number", v)
                out.append(None)
                continue
            if x is not None:
                x *= factor
                if kind == "int":
                    if not float(x).is_integer():
                        add(i, "error", "bad_number", f"{_text(v)!r} is not a whole number", v)
                        out.append(None)
                        continue
                    x = int(x)
            out.append(x)
        elif kind == "str":
            out.append(_text(v))
        else:
            out.append(None if _is_empty(v) else v)
    series = pd.Series(out, index=values.index, dtype=object)
    if kind == "float":
        series = pd.to_numeric(series, errors="coerce").astype("float64")
    elif kind == "int":
        series = series.astype("Int64")
    elif kind == "date":
        series = pd.to_datetime(series, errors="coerce")
    elif kind in ("str", "status", "land_use", "kind", "scale"):
        series = series.astype(object).where(series.notna(), None)
    elif kind == "bool" and series.notna().all():
        series = series.astype(bool)
    return series, findings


def apply_mapping(
    frame: pd.DataFrame,
    plan: MappingPlan,
    *,
    defaults: Mapping[str, Any] | None = None,
    strict: bool = True,
) -> tuple[pd.DataFrame, list[Finding]]:
    """Build the table's columns from a source frame; defaults fill empty values.

    Unless ``strict``, a required field the plan found no column for (and no
    default) is added empty, i.e. unknown: ``None``, ``NaT`` for dates and
    :data:`geo.schema.UNKNOWN_STATUS` for a parcel's status
    (:func:`~geo.io.mapping.plan.tolerated_missing`).

    Raises
    ------
    MappingError
        A default names an unknown field or a value that does not convert.
    """
    spec = TABLES[plan.table]
    defaults = dict(defaults or {})
    converted: dict[str, Any] = {}
    for fld, value in defaults.items():
        if spec.column(fld) is None:
            raise MappingError(
                f"--default {fld}=…: {fld!r} is not a field of {plan.table}; use one of "
                f"{', '.join(c.name for c in spec.columns)}"
            )
        one, found = convert_column(pd.Series([value], dtype=object), table=plan.table, field=fld)
        if any(f.severity == "error" for f in found):
            raise MappingError(f"--default {fld}={value}: {found[0].message}")
        converted[fld] = one.iloc[0]
    out = pd.DataFrame(index=frame.index)
    findings: list[Finding] = []
    for m in plan.matches:
        raw = frame[m.source]
        n_filled = 0
        if m.field in converted:
            empty = raw.map(_is_empty).to_numpy(dtype=bool)
            n_filled = int(empty.sum())
            if n_filled:
                raw = raw.astype(object).copy()
                # Filled in the field's units: undo the header's unit factor.
                fill = converted[m.field]
                if m.factor not in (0, 1) and isinstance(fill, int | float):
                    fill = fill / m.factor
                raw[empty] = fill
        series, found = convert_column(
            raw, table=plan.table, field=m.field, factor=m.factor, source=m.source, strict=strict
        )
        out[m.field] = series
        findings += found
        if n_filled:
            findings.append(
                Finding(
                    "info",
                    "default_filled",
                    f"{m.field} filled with {defaults[m.field]!r} in {n_filled} empty row(s)",
                    column=m.source,
                    field=m.field,
                )
            )
    for fld, value in defaults.items():
        if fld in out.columns:
            continue
        out[fld], _ = convert_column(
            pd.Series([value] * len(frame), index=frame.index, dtype=object),
            table=plan.table,
            field=fld,
        )
        findings.append(
            Finding("info", "default_filled", f"{fld} set to {value!r} in every row", field=fld)
        )
    if not strict:
        for fld in tolerated_missing(plan.table):
            if fld in out.columns:
                continue
            out[fld], _ = convert_column(
                pd.Series([None] * len(frame), index=frame.index, dtype=object),
                table=plan.table,
                field=fld,
                strict=False,
            )
    return out, findings
