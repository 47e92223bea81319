"""Editing a parcel from the app: the status form on the parcel card and the audit history.

Only a planner gets the form (:func:`geo.access.can_edit`); the store checks
the role again (:class:`geo.access.RoleError`), so a crafted call path is
refused too. A save is one transaction of :meth:`geo.store.Store.set_status`
with ``expected_version`` = the ``row_version`` the user saw: when someone
saved the parcel in between, nothing is written and the other change is shown
(:class:`geo.store.EditConflict`). A demo workspace in ``data/`` is never
written: the edit goes into this session's working copy
(:func:`geo.app.state.writable_path`), which becomes the open workspace.

Session state: ``_edit_seen`` (workspace::parcel → the version the user
saw), ``_edit_conflict`` (→ the refused change, until "reload"),
``_edit_done`` (the success message shown after the rerun, with the working
copy's name when the save went into one).

Times are shown in the local time zone (:func:`geo.settings.timezone`,
``Asia/Shanghai`` by default); the audit log keeps UTC.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from geo import schema, settings
from geo.access import RESTRICTED_ROLES, RoleError, can_edit, require_edit
from geo.app import state
from geo.app.i18n import Lang, t, t_plain
from geo.store import (
    ALLOWED_TRANSITIONS,
    Change,
    EditConflict,
    EditResult,
    InvalidEditError,
    ReadOnlyError,
    StorageFullError,
    StoreBusyError,
    StoreError,
    open_store,
    storage_error,
)
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

SEEN = "_edit_seen"
CONFLICT = "_edit_conflict"
DONE = "_edit_done"
EARLIEST = dt.date(1949, 10, 1)
"""The earliest date the form accepts."""


@dataclass(frozen=True)
class StatusEdit:
    """A status change as the user entered it."""

    parcel_id: str
    status: str
    on: dt.date
    note: str | None
    expected_version: int
    """The ``row_version`` the user saw (0 when the workspace has no such column)."""


def row_version(row: pd.Series) -> int:
    """The ``row_version`` of a parcel row; 0 when the column is absent or empty.

    Examples
    --------
    >>> row_version(pd.Series({"parcel_id": "P1"})), row_version(pd.Series({"row_version": 3}))
    (0, 3)
    """
    value = row.get("row_version")
    return 0 if value is None or pd.isna(value) else int(value)


def next_statuses(current: object) -> list[str]:
    """The statuses a parcel in ``current`` may change to, in lifecycle order.

    Examples
    --------
    >>> next_statuses("to_release")
    ['operating', 'released']
    """
    allowed = ALLOWED_TRANSITIONS.get(str(current), frozenset())
    return [s for s in schema.STATUSES if s in allowed]


def _status(value: object, lang: Lang) -> str:
    return schema.label(schema.STATUS_LABELS, str(value), lang)


def _date(value: object) -> dt.date | None:
    if value is None:
        return None
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return None
    except (TypeError, ValueError):
        pass
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def check_status_edit(row: pd.Series, edit: StatusEdit, lang: Lang) -> str | None:
    """Why ``edit`` cannot be saved on the row the user saw, in ``lang``; None when it can.

    The store checks the same rules again against the stored row.
    """
    old = row.get("status")
    allowed = next_statuses(old)
    if str(old) in ALLOWED_TRANSITIONS and edit.status not in allowed:
        return t(
            "edit_not_allowed",
            lang,
            old=_status(old, lang),
            new=_status(edit.status, lang),
            allowed=", ".join(_status(s, lang) for s in allowed) or "—",
        )
    if edit.on > dt.date.today():
        return t("edit_date_future", lang, on=edit.on.isoformat())
    since = _date(row.get("status_since"))
    if since is not None and edit.on < since:
        return t("edit_date_before", lang, on=edit.on.isoformat(), since=since.isoformat())
    return None


def apply_status_edit(
    target: str | os.PathLike[str], edit: StatusEdit, *, user: str, role: str
) -> EditResult:
    """Write ``edit`` into the workspace ``target`` in one audited transaction.

    Raises
    ------
    geo.access.RoleError
        ``role`` may not edit (checked here and by the store).
    ValueError
        ``target`` is a demo workspace (write into :func:`geo.app.state.writable_path`).
    geo.store.EditConflict, geo.store.InvalidEditError, geo.store.StoreError
        As :meth:`geo.store.Store.set_status`; nothing was written.
    """
    require_edit(role)
    if state.is_demo(target):
        raise ValueError(f"{target} is a demo workspace: write into a working copy")
    with open_store(target, user=user, role=role) as store:
        return store.set_status(
            edit.parcel_id,
            edit.status,
            on=edit.on,
            note=edit.note or None,
            expected_version=edit.expected_version,
        )


def fmt_at(at: object, tz: str | None = None) -> str:
    """An audit time (UTC) as local time, ``YYYY-MM-DD HH:MM`` (:func:`geo.settings.timezone`).

    A time without a zone counts as UTC; text that is no time is shown as it is.

    Examples
    --------
    >>> fmt_at("2026-12-04T23:02:00+00:00", "Asia/Shanghai")
    '2026-12-05 07:02'
    >>> fmt_at("not a time", "Asia/Shanghai")
    'not a time'
    """
    try:
        ts = pd.Timestamp(str(at))
    except (ValueError, TypeError):
        return str(at)
    if ts is pd.NaT:
        return "—"
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert(tz or settings.timezone()).strftime("%Y-%m-%d %H:%M")


_fmt_at = fmt_at


def _fmt_value(field: str, value: object, lang: Lang) -> str:
    if value is None or value == "":
        return "∅"
    try:
        if pd.isna(value):  # type: ignore[arg-type]
            return "∅"
    except (TypeError, ValueError):
        pass
    if field == "geometry":  # a geometry version (WKT, CGCS2000): its area, not its text
        return _outline(str(value), lang)
    return _status(value, lang) if field == "status" else str(value)


def _outline(wkt: str, lang: Lang) -> str:
    """``图形（7.24 亩）``: a geometry version of the audit log as its area."""
    import shapely

    from geo.store.model import area_mu_of

    try:
        mu = area_mu_of(shapely.from_wkt(wkt))
    except (shapely.errors.ShapelyError, ValueError, TypeError):
        return t_plain("hist_field_geometry", lang)
    return t_plain("hist_outline", lang, mu=f"{mu:,.2f}")


def _field(field: str, lang: Lang) -> str:
    if field in ("geometry", "geometry_edit", "retired_on", "parent_id"):
        return t_plain(f"hist_field_{field}", lang)
    try:
        return schema.column_label("parcels", field, lang, with_unit=False)
    except (KeyError, ValueError):
        return field


def conflict_message(err: EditConflict, lang: Lang) -> str:
    """Who changed what when (the other change), and the change that was not saved."""
    theirs: Sequence[Change] = err.theirs
    changes = "; ".join(
        f"{_field(c.field, lang)}: {_fmt_value(c.field, c.before, lang)} → "
        f"{_fmt_value(c.field, c.after, lang)}"
        for c in theirs
    )
    mine = ", ".join(
        f"{_field(k, lang)} → {_fmt_value(k, v, lang)}" for k, v in err.attempted.items()
    )
    return t(
        "edit_conflict",
        lang,
        id=err.row_id,
        who=err.who or t("edit_conflict_unknown", lang),
        at=_fmt_at(err.at) if err.at else "—",
        changes=changes or "—",
        mine=mine,
    )


def storage_message(err: StorageFullError | ReadOnlyError, lang: Lang) -> str:
    """What a full disk or a read-only workspace means for the user, in ``lang``.

    Examples
    --------
    >>> from pathlib import Path
    >>> e = ReadOnlyError("x", path=Path("/mnt/ro/a.gpkg"), mount=Path("/mnt/ro"))
    >>> storage_message(e, "en")[:40]  # the path is escaped once, for Markdown
    'Not saved: the workspace /mnt/ro/a\\\\.gpkg'
    """
    if isinstance(err, StorageFullError):
        import shutil

        try:
            free = f"{shutil.disk_usage(err.mount).free / 1024:.0f} KB"
        except OSError:
            free = "?"
        return t("edit_disk_full", lang, mount=str(err.mount), free=free)
    return t("edit_read_only", lang, path=str(err.path), mount=str(err.mount))


def save_status(ws: Workspace, row: pd.Series, edit: StatusEdit, lang: Lang, *, role: str) -> bool:
    """Save ``edit`` and report the outcome on the page; True when something was written.

    A demo workspace is copied first and the copy opened from the next run on.
    """
    key = _key(state.ws_target(ws), edit.parcel_id)
    try:
        require_edit(role)
    except RoleError as err:
        st.error(t("edit_role", lang, error=err))
        return False
    problem = check_status_edit(row, edit, lang)
    if problem:
        st.error(problem)
        return False
    try:
        target = state.writable_path(state.ws_target(ws))
        result = apply_status_edit(target, edit, user=state.current_user(), role=role)
    except (StorageFullError, ReadOnlyError) as err:
        st.error(storage_message(err, lang))
        return False
    except OSError as err:  # the working copy of a demo could not be made
        mapped = storage_error(
            err, err.filename or ws.path, doing="copying the workspace", outcome="not saved"
        )
        if mapped is None:
            raise
        st.error(storage_message(mapped, lang))
        return False
    except RoleError as err:
        st.error(t("edit_role", lang, error=err))
        return False
    except EditConflict as err:
        logger.info("edit conflict on %s %s: %s", state.target_key(target), edit.parcel_id, err)
        st.session_state.setdefault(CONFLICT, {})[key] = err
        return False
    except StoreBusyError as err:
        st.error(t("edit_busy", lang, error=err))
        return False
    except (InvalidEditError, StoreError, ValueError) as err:
        st.error(t("edit_invalid", lang, error=err))
        return False
    if result.edit_id is None:
        st.info(t("edit_unchanged", lang))
        return False
    done = t(
        "edit_saved",
        lang,
        id=edit.parcel_id,
        status=_status(edit.status, lang),
        on=edit.on.isoformat(),
        version=result.row_version,
    )
    if state.working_copy_source(target) is not None:
        done += "  \n" + t("edit_in_working_copy", lang, name=Path(target).name)
    st.session_state[DONE] = done
    st.session_state.setdefault(SEEN, {})[_key(target, edit.parcel_id)] = result.row_version
    if not state.same_target(target, ws):
        state.add_opened_workspace(state.as_target(target))
    return True


def _key(path: str | os.PathLike[str], parcel_id: str) -> str:
    return f"{state.target_key(path)}::{parcel_id}"


def status_editor(ws: Workspace, row: pd.Series, lang: Lang, *, role: str) -> None:
    """The planner's status form on the parcel card, with the conflict message.

    Nothing is drawn for any other role.
    """
    if not can_edit(role) or role in RESTRICTED_ROLES:
        return
    parcel_id = str(row["parcel_id"])
    key = _key(state.ws_target(ws), parcel_id)
    seen: dict[str, int] = st.session_state.setdefault(SEEN, {})
    conflicts: dict[str, EditConflict] = st.session_state.setdefault(CONFLICT, {})
    shown = row_version(row)
    done = st.session_state.pop(DONE, None)
    if done:
        st.success(done)
    conflict = conflicts.get(key)
    if conflict is not None:
        st.warning(conflict_message(conflict, lang), icon=":material/sync_problem:")
        if st.button(t("edit_reload", lang), key="edit_reload"):
            conflicts.pop(key, None)
            seen[key] = shown
            st.rerun()
    choices = next_statuses(row.get("status"))
    with st.expander(t("edit_title", lang), expanded=conflict is not None):
        if not choices:
            st.caption(t("edit_none", lang))
        else:
            if state.is_demo(state.ws_target(ws)):
                st.caption(t("edit_demo_copy", lang))
            elif state.working_copy_source(state.ws_target(ws)) is not None:
                st.caption(t("edit_in_working_copy", lang, name=state.ws_name(ws)))
            with st.form("edit_status_form", border=False):
                status = st.selectbox(
                    t("edit_status", lang),
                    choices,
                    format_func=lambda s: _status(s, lang),
                    key="edit_status",
                )
                on = st.date_input(
                    t("edit_on", lang),
                    value=dt.date.today(),
                    min_value=EARLIEST,  # older dates get the lifecycle's message, not a clamp
                    max_value=dt.date.today(),
                    key="edit_on",
                )
                note = st.text_input(t("edit_note", lang), key="edit_note")
                submitted = st.form_submit_button(
                    t("edit_save", lang), type="primary", key="edit_save"
                )
            if submitted:
                edit = StatusEdit(
                    parcel_id,
                    str(status),
                    on if isinstance(on, dt.date) else dt.date.today(),
                    note.strip() or None,
                    # the version shown when the form was filled in, not the one reloaded now
                    seen.get(key, shown),
                )
                if save_status(ws, row, edit, lang, role=role):
                    st.rerun()
                if key in conflicts:
                    st.rerun()
    if key not in conflicts:
        seen[key] = shown


@st.cache_data(show_spinner=False, max_entries=64)
def _history(_target: str, path: str, revision: str, parcel_id: str) -> pd.DataFrame:
    # read-only: the investment officer's connection never writes (nor changes a demo file);
    # keyed on the path without a PostGIS password (``_target`` is not part of the key)
    with open_store(_target, user="viewer", role="investment") as store:
        return store.history(parcel_id)


def history_panel(ws: Workspace, parcel_id: str, lang: Lang, *, role: str) -> None:
    """The audit rows of the parcel (:meth:`geo.store.Store.history`), newest first."""
    if role in RESTRICTED_ROLES:
        return
    with st.expander(t("history_title", lang)):
        try:
            hist = _history(str(state.ws_target(ws)), *state.ws_key(ws), parcel_id)
        except (StoreError, RoleError, OSError) as err:
            st.error(t("edit_invalid", lang, error=err))
            return
        if hist.empty:
            st.caption(t("history_empty", lang))
            return
        st.dataframe(
            history_frame(hist, lang),
            hide_index=True,
            width="stretch",
            key=f"history_{parcel_id}",
            placeholder="—",
        )
        if can_edit(role) and st.button(
            t("ge_open_versions", lang), key=f"history_versions_{parcel_id}"
        ):  # the geometry versions are drawn and restored on the 地块编辑 page
            st.session_state["ge_op"] = "restore"
            st.session_state["_ge_pending"] = parcel_id
            st.switch_page(Path(__file__).resolve().parent / "pages" / "geom_edit.py")


def _capital(text: str) -> str:
    """``released on`` → ``Released on`` (a table cell starts with a capital)."""
    return text[:1].upper() + text[1:]


def history_columns(lang: Lang) -> dict[str, str]:
    """``{column: header}`` of :func:`history_frame` in ``lang`` (the time zone in the header)."""
    return {
        "at": t_plain("hist_at", lang, tz=settings.timezone()),
        "who": t_plain("hist_who", lang),
        "field": t_plain("hist_field", lang),
        "change": t_plain("hist_change", lang),
        "note": t_plain("hist_note", lang),
    }


def history_frame(hist: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """Audit rows as shown, newest first: when (local), who, field, before → after, note.

    Field names are labels in ``lang``, statuses labels rather than codes,
    empty values ``∅``; the headers are :func:`history_columns`.
    """
    shown = hist.iloc[::-1]
    fields = [str(f) for f in shown["field"]]
    change = [
        f"{_fmt_value(f, b, lang)} → {_fmt_value(f, a, lang)}"
        for f, b, a in zip(fields, shown["before"], shown["after"], strict=True)
    ]
    notes = shown["note"] if "note" in shown.columns else pd.Series([None] * len(shown))
    out = pd.DataFrame(
        {
            "at": [fmt_at(a) for a in shown["at"]],
            "who": [str(w) if not pd.isna(w) else "—" for w in shown["who"]],
            "field": [_capital(_field(f, lang)) for f in fields],
            "change": change,
            "note": ["" if n is None or pd.isna(n) else str(n) for n in notes],
        }
    )
    return out.rename(columns=history_columns(lang))


__all__ = [
    "StatusEdit",
    "apply_status_edit",
    "check_status_edit",
    "conflict_message",
    "fmt_at",
    "history_columns",
    "history_frame",
    "history_panel",
    "next_statuses",
    "row_version",
    "save_status",
    "status_editor",
    "storage_message",
]
