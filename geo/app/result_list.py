"""The overview's filter result as a list: its rows, its download and where the map goes.

Every filter result of the overview is also a sortable table (ID, name,
status, 亩, days in status, planning area). Rows and columns are chosen on the
server for the session's role (``docs/architecture.md §1``): the rows come
from :func:`geo.app.state.workspace_for`, an internal field never is a column,
and an investor or the public gets no parcel name (:data:`geo.access.INVESTOR_FIELDS`
leaves it out: names often carry the former firm's). The download goes
through :mod:`geo.cells`, so a cell that looks like a formula stays text.

The map follows the list (``docs/architecture.md §7``): after a filter change
it fits the result's bounds, after a row is picked it fits that parcel.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable, Sequence
from typing import Literal

import pandas as pd
import streamlit as st

from geo import crs as crs_mod
from geo.access import RESTRICTED_ROLES
from geo.app import compute, state, widgets
from geo.app.i18n import Lang, t_plain
from geo.cells import frame_csv, write_xlsx_frame
from geo.schema import PARCELS
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = ("parcel_id", "name", "status", "area_mu", "days_in_status", "place")
"""Columns of the list, in order (``status`` and ``place`` hold labels, not codes)."""

Bounds = tuple[tuple[float, float], tuple[float, float]]
"""``((south, west), (north, east))`` in display degrees, as Leaflet takes them."""


def column_labels(lang: Lang) -> dict[str, str]:
    """``{column: header}`` of the list in ``lang`` (units in the headers)."""
    return {
        "parcel_id": t_plain("list_id", lang),
        "name": t_plain("list_name", lang),
        "status": t_plain("list_status", lang),
        "area_mu": t_plain("list_area_mu", lang),
        "days_in_status": t_plain("days_in_status", lang),
        "place": t_plain("list_place", lang),
    }


@st.cache_resource(show_spinner=False, max_entries=32)
def _cached_frame(
    _ws: Workspace,
    key: state.WorkspaceKey,
    ids: tuple[str, ...] | None,
    lang: Lang,
    role: str,
    locked: bool,
    day: str,
) -> pd.DataFrame:
    return _frame(_ws, ids, lang, role)


def result_frame(ws: Workspace, ids: Iterable[str] | None, lang: Lang, role: str) -> pd.DataFrame:
    """The rows of the list: the parcels of ``ids`` (None: every parcel) ``role`` may see.

    Cached per workspace version, parcels, language, role and day (shared, read-only).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS` (``name`` only for roles that may see parcel names),
        one row per parcel in parcel-id order; ``area_mu`` rounded to 0.1,
        ``days_in_status`` missing where ``status_since`` is.

    Examples
    --------
    The column set does not depend on the data: internal fields never appear.

    >>> set(COLUMNS) & set(PARCELS.internal)
    set()
    """
    wanted = tuple(sorted({str(i) for i in ids})) if ids is not None else None
    key = state.ws_key(ws)
    day = dt.date.today().isoformat()  # days in status count from today
    return _cached_frame(ws, key, wanted, lang, role, state.investor_locked(), day)


def _frame(ws: Workspace, ids: Iterable[str] | None, lang: Lang, role: str) -> pd.DataFrame:
    view = state.workspace_for(ws, role)
    parcels = view.parcels
    if ids is not None:
        wanted = {str(i) for i in ids}
        parcels = parcels[parcels["parcel_id"].astype(str).isin(wanted)]
    pid = parcels["parcel_id"].astype(str)
    days = compute.days_in_status(ws)
    days_by_id = pd.Series(days["days_in_status"].to_numpy(), index=days["parcel_id"].astype(str))
    places = compute.places(ws)
    names = places["place_name"].astype("string")
    if lang == "en":
        en = places["place_name_en"].astype("string")
        names = en.where(en.notna() & (en.str.len() > 0), names)
    place_by_id = dict(zip(places["parcel_id"].astype(str), names, strict=True))
    out = pd.DataFrame(
        {
            "parcel_id": pid.to_numpy(),
            "name": parcels["name"].astype("string").to_numpy()
            if "name" in parcels.columns
            else pd.NA,
            "status": [widgets.status_label(s, lang) for s in parcels["status"]],
            "area_mu": pd.to_numeric(parcels["area_mu"], errors="coerce").round(1).to_numpy(),
            "days_in_status": pd.array(pid.map(days_by_id).to_numpy(dtype=object), dtype="Int64"),
            "place": pd.array([place_by_id.get(p) for p in pid], dtype="string"),
        }
    )
    if role in RESTRICTED_ROLES:
        out = out.drop(columns="name")
    leaked = set(out.columns) & set(PARCELS.internal)
    if leaked:  # pragma: no cover - COLUMNS never holds one; a guard for later edits
        out = out.drop(columns=sorted(leaked))
    return out.sort_values("parcel_id", kind="stable").reset_index(drop=True)


def list_bytes(frame: pd.DataFrame, lang: Lang, fmt: Literal["xlsx", "csv"]) -> bytes:
    """The list as an ``xlsx`` workbook or a ``csv`` file (UTF-8 with BOM, for Excel).

    Headers are in ``lang``; every cell goes through :mod:`geo.cells`.
    """
    shown = frame.rename(columns=column_labels(lang))
    if fmt == "csv":
        return frame_csv(shown).encode("utf-8-sig")
    buf = io.BytesIO()
    write_xlsx_frame(shown, buf, sheet_name=t_plain("list_sheet", lang))
    return buf.getvalue()


def display_bounds(
    ws: Workspace, ids: Sequence[str] | None, *, gcj02: bool = False
) -> Bounds | None:
    """Where the map goes to show ``ids`` (None: every parcel), in display degrees.

    Shifted to GCJ-02 when the basemap is (:func:`geo.crs.to_display`); None
    when none of the parcels has a geometry.
    """
    parcels = ws.parcels
    if ids is not None:
        parcels = parcels[parcels["parcel_id"].astype(str).isin({str(i) for i in ids})]
    parcels = parcels[parcels.geometry.notna() & ~parcels.geometry.is_empty]
    if parcels.empty:
        return None
    shown = crs_mod.to_display(parcels[["parcel_id", "geometry"]], basemap_gcj02=gcj02)
    west, south, east, north = (float(v) for v in shown.total_bounds)
    return ((south, west), (north, east))


__all__ = ["COLUMNS", "column_labels", "display_bounds", "list_bytes", "result_frame"]
