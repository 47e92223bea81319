"""Formatting shared by the pages: escaped text, numbers, dates, tables, the parcel card."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import streamlit as st

from geo import schema
from geo.app import compute, state
from geo.app.i18n import Lang, md, t, t_plain, term
from geo.engine.headline import Headline
from geo.schema import INTERNAL_FIELDS
from geo.workspace import Workspace

logger = logging.getLogger(__name__)


def is_missing(value: object) -> bool:
    """True for None, NaN and NaT."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_num(value: object, decimals: int = 0) -> str:
    """A number with thousands separators, or ``—`` when missing.

    Examples
    --------
    >>> fmt_num(10269.04), fmt_num(None), fmt_num(3.14159, 2)
    ('10,269', '—', '3.14')
    """
    if is_missing(value):
        return "—"
    return f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]


def fmt_date(value: object) -> str:
    """``YYYY-MM-DD`` or ``—``."""
    if is_missing(value):
        return "—"
    return pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]


def workspace_title(ws: Workspace, lang: Lang) -> str:
    """The workspace's display name in ``lang``."""
    if lang == "en":
        return ws.meta.get("name_en") or ws.name
    return ws.name


def large_caption(summ: Headline, lang: Lang) -> None:
    """The caption of a large workspace: its parcels, and which engine took how long.

    ``summ`` is its :func:`geo.app.compute.headline`.
    """
    st.caption(
        t(
            "large_mode",
            lang,
            n=fmt_num(summ.n_parcels),
            engine=summ.engine,
            seconds=f"{summ.seconds:.1f}",
        )
    )


def area_name(row: Mapping[str, Any] | pd.Series, lang: Lang, *, prefix: str = "") -> str:
    """An area's name in ``lang`` (``name_en`` in English when present)."""
    zh = row.get(f"{prefix}name")
    en = row.get(f"{prefix}name_en")
    if lang == "en" and not is_missing(en) and str(en):
        return str(en)
    return "" if is_missing(zh) else str(zh)


def yes_no_unknown(value: object, lang: Lang) -> str:
    """是/否, or 未知 (unknown) when the value is missing (never read as yes or no)."""
    from geo.soil import as_bool

    b = None if is_missing(value) else as_bool(value)
    return t_plain("unknown" if b is None else "yes" if b else "no", lang)


def status_label(value: object, lang: Lang) -> str:
    """The zh/en label of a status value."""
    return schema.label(schema.STATUS_LABELS, str(value), lang)


def kind_label(value: object, lang: Lang) -> str:
    """The zh/en label of an area kind."""
    return "" if is_missing(value) else schema.label(schema.AREA_KINDS, str(value), lang)


def land_use(value: object, lang: Lang) -> str:
    """``二类工业用地 (100102)``."""
    if is_missing(value):
        return "—"
    return f"{schema.land_use_label(str(value), lang)} ({value})"


def industries(value: object, lang: Lang) -> str:
    """Target industries in ``lang`` (known terms translated)."""
    from geo.siting.finder import split_industries

    parts = split_industries(value)
    sep = "、" if lang == "zh" else ", "
    return sep.join(term(p, lang) for p in parts) if parts else "—"


def table(
    df: pd.DataFrame,
    columns: Mapping[str, str],
    *,
    formats: Mapping[str, str] | None = None,
    height: int | Literal["auto"] = "auto",
    key: str | None = None,
    total: str | None = None,
    not_summed: Collection[str] = (),
) -> None:
    """``df`` as a read-only table: only ``columns``, in that order, renamed to their labels.

    Parameters
    ----------
    columns
        ``{column: label with unit}``; absent columns are skipped. A ``level``
        column with a single value says nothing and is left out.
    formats
        ``{column: "%.1f"}``: the column is rounded to that many decimals and
        always shown with them (10.0 亩), with thousands separators and
        right-aligned; missing values show empty.
    total
        The label of a closing 合计 row, which sums ``n_parcels`` and the
        formatted columns (for tables whose rows do not overlap).
    not_summed
        Formatted columns that the 合计 row leaves empty (ages, rates).
    """
    cols = [c for c in columns if c in df.columns]
    if "level" in cols and df["level"].nunique(dropna=False) <= 1:
        cols.remove("level")
    shown = pd.DataFrame(df[cols]).copy()
    if total is not None and len(shown):
        sums = [
            c for c in cols if (c == "n_parcels" or c in (formats or {})) and c not in not_summed
        ]
        row: dict[str, Any] = {c: shown[c].sum() for c in sums}
        first = next((c for c in cols if c not in sums), None)
        if first is not None:
            row[first] = total
        shown = pd.concat([shown, pd.DataFrame([row])], ignore_index=True)
    config = {}
    for c, fmt in (formats or {}).items():
        if c not in shown.columns:
            continue
        m = re.search(r"\.(\d+)f", fmt)
        decimals = int(m.group(1)) if m else 2
        shown[c] = pd.to_numeric(shown[c], errors="coerce").round(decimals)
        config[columns[c]] = st.column_config.NumberColumn(
            columns[c], format=f"%,.{decimals}f", alignment="right"
        )
    shown = shown.rename(columns=dict(columns))
    st.dataframe(
        shown,
        hide_index=True,
        column_config=config,
        height=height,
        key=key,
        width="stretch",
        placeholder="—",
    )


def metric_row(items: Sequence[tuple[str, str, str | None]]) -> None:
    """A row of ``st.metric``: ``(label, value, note under the value or None)``."""
    cols = st.columns(len(items))
    for col, (label, value, note) in zip(cols, items, strict=True):
        col.metric(label, value, delta=note, delta_color="off", delta_arrow="off")


def _bullets(rows: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"- **{md(label)}**: {md(value)}" for label, value in rows)


def parcel_card(ws: Workspace, parcel_id: str, lang: Lang, *, role: str) -> None:
    """The card of one parcel: figures, lifecycle dates, planned use, soil gate.

    For an investor, the workspace is first filtered by role on the server
    (:func:`geo.app.state.workspace_for`): a parcel that is not available to
    supply is not found, and internal fields do not exist. Internal fields
    are shown to the planner only.
    """
    view = state.workspace_for(ws, role)
    parcels = view.parcels
    hit = parcels[parcels["parcel_id"].astype(str) == str(parcel_id)]
    with st.container(border=True, key="parcel_card"):
        if hit.empty:
            st.markdown(t("card_not_found", lang, id=parcel_id))
            return
        p = hit.iloc[0]
        restricted = role in ("investor", "public")
        title = str(p["parcel_id"]) if restricted else f"{p.get('name', '')} · {p['parcel_id']}"
        st.markdown(f"#### {md(title)}")
        st.caption(f"{t('status', lang)}: {md(status_label(p.get('status'), lang))}")
        days = compute.days_in_status(ws)
        drow = days[days["parcel_id"].astype(str) == str(parcel_id)]
        n_days = drow["days_in_status"].iloc[0] if len(drow) else None
        c1, c2 = st.columns(2)
        c1.metric(t("area_mu", lang), fmt_num(p.get("area_mu"), 1))
        c2.metric(t("days_in_status", lang), fmt_num(n_days))
        place = compute.places(ws)
        prow = place[place["parcel_id"] == str(parcel_id)]
        rows: list[tuple[str, str]] = [
            (t("district", lang), "" if is_missing(p.get("district")) else str(p["district"])),
            (t("land_use_now", lang), land_use(p.get("land_use_now"), lang)),
            (t("land_use_planned", lang), land_use(p.get("land_use_planned"), lang)),
            (t("industry_before", lang), term(p.get("industry_before"), lang) or "—"),
            (t("polluting_history", lang), yes_no_unknown(p.get("polluting_history"), lang)),
        ]
        if len(prow) and not is_missing(prow["place_id"].iloc[0]):
            r = prow.iloc[0]
            rows.append((t("in_area", lang), area_name(r, lang, prefix="place_")))
            rows.append((t("target_industries", lang), industries(r["target_industries"], lang)))
        if len(prow) and not is_missing(prow["road_dist_m"].iloc[0]):
            r = prow.iloc[0]
            rows.append(
                (t("nearest_road", lang), f"{r['road_name']} · {fmt_num(r['road_dist_m'])} m")
            )
        st.markdown(_bullets(rows))
        st.markdown(f"**{md(t('lifecycle', lang))}**")
        st.markdown(
            _bullets(
                [
                    (t("released_on", lang), fmt_date(p.get("released_on"))),
                    (
                        t("status_since", lang),
                        t_plain("date_missing", lang)
                        if is_missing(p.get("status_since"))
                        else fmt_date(p.get("status_since")),
                    ),
                ]
            )
        )
        flags = compute.soil_flags(ws)
        frow = flags[flags["parcel_id"].astype(str) == str(parcel_id)]
        for _, f in frow.iterrows():
            text = f["reason_zh"] if lang == "zh" else f["reason_en"]
            (st.error if f["severity"] == "blocking" else st.warning)(
                md(text), icon=":material/warning:"
            )
        if role == "planner":
            internal = [
                (schema.column_label("parcels", c, lang), p.get(c))
                for c in schema.PARCELS.internal
                if c in p.index and c in INTERNAL_FIELDS
            ]
            shown = [(label, str(v)) for label, v in internal if not is_missing(v)]
            if shown:
                with st.expander(t("internal_fields", lang)):
                    st.markdown(_bullets(shown))
