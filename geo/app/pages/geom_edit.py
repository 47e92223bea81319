"""地块编辑 Edit parcels: draw, split, merge, reshape, retire and restore parcels on the map.

Planners only: the menu offers the page to planners, the page draws no tool
for another role, and :func:`geo.app.geom_edit.save` and the store refuse
the edit whatever the browser sent. The map is the app's map element with
the editing tools (``geo/assets/tenglong-edit.js``); what the planner draws
comes back as a GeoJSON geometry (:func:`geo.app.map_view.take_edit`), is
converted to the workspace CRS (GCJ-02 undone over Gaode), and becomes a
:class:`geo.editing.GeometryEdit`. Before the save the page shows every
problem :func:`geo.editing.check_edit` finds (red on the map, and as a
list), what the save changes (retired and new parcels, their areas) and the
new parcels' attributes (the parent's by default). One save is one audited
transaction; a parcel changed by someone else since the page showed it is a
conflict, and nothing is overwritten.

Session state: the widgets (``ge_op``, ``ge_target``, ``ge_merge_ids``,
``ge_snap_m``, ``ge_lots_n``, ``ge_lots_areas``, ``ge_lots_dir``,
``ge_version``, ``ge_note``), ``_ge_pending`` (a parcel clicked on the map,
applied to the widgets on the next run), ``_ge_drawn`` (the last drawn
geometry and what it was drawn for), ``_ge_seen`` (parcel → the
``row_version`` the editor saw), ``_ge_conflict``, ``_ge_done`` (the message
after a save), ``_ge_nonce`` (restarts the map's tools after a save),
``_ge_fit`` / ``_ge_fit_for`` (the bounds the map was fitted to, and for what).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from geo import schema
from geo.access import RESTRICTED_ROLES, RoleError, can_edit
from geo.app import editing, geom_edit, map_view, session, state
from geo.app.i18n import Lang, md, t, t_plain
from geo.crs import m2_to_mu
from geo.editing import (
    EditProblemsError,
    GeometryEdit,
    GeometryError,
    child_ids,
    merged_id,
    plan_merge,
    plan_reshape,
    plan_restore,
    plan_retire,
    plan_split_by_line,
    plan_split_into_lots,
)
from geo.errors import InputError
from geo.store import EditConflict, InvalidEditError, StoreBusyError, StoreError, open_store
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

MAP_KEY = "ge_map"
PENDING = "_ge_pending"
DRAWN = "_ge_drawn"
SEEN = "_ge_seen"
CONFLICT = "_ge_conflict"
DONE = "_ge_done"
NONCE = "_ge_nonce"
FIT = "_ge_fit"
FIT_FOR = "_ge_fit_for"
ATTRIBUTE_FIELDS = ("name", "land_use_planned", "status")


def _apply_pending(op: str | None) -> None:
    """A parcel clicked on the last run becomes the choice (before the widgets exist)."""
    clicked = st.session_state.pop(PENDING, None)
    if not clicked:
        return
    if op == "merge":
        chosen = list(st.session_state.get("ge_merge_ids") or [])
        if clicked in chosen:
            chosen.remove(clicked)
        else:
            chosen.append(clicked)
        st.session_state["ge_merge_ids"] = chosen
    else:
        st.session_state["ge_target"] = clicked


def _choices(ws: Workspace, op: str) -> list[str]:
    ids = sorted(ws.parcels["parcel_id"].astype(str))
    if op == "restore":
        ids = sorted(set(ids) | set(getattr(ws, "retired_ids", set())))
    return ids


def _controls(ws: Workspace, lang: Lang, tools: bool) -> dict[str, Any]:
    """The operation and its parameters (right of the map)."""
    ops = [o for o in geom_edit.OPS if tools or o not in geom_edit.DRAWING_OPS]
    if st.session_state.get("ge_op") not in ops:
        st.session_state["ge_op"] = ops[0]
    op = st.radio(
        t("ge_op", lang),
        ops,
        format_func=lambda o: t_plain(f"ge_op_{o}", lang),
        key="ge_op",
        horizontal=True,
    )
    retired = set(getattr(ws, "retired_ids", set()))
    tag = t_plain("ge_retired_tag", lang)
    ids = _choices(ws, op)
    out: dict[str, Any] = {"op": op}
    if op == "merge":
        chosen = [i for i in st.session_state.get("ge_merge_ids") or [] if i in set(ids)]
        st.session_state["ge_merge_ids"] = chosen
        out["targets"] = st.multiselect(
            t("ge_merge_ids", lang),
            ids,
            key="ge_merge_ids",
            placeholder=t_plain("ge_pick_many", lang),
        )
    else:
        if st.session_state.get("ge_target") not in set(ids):
            st.session_state["ge_target"] = None
        label = "ge_parcel_near" if op == "create" else "ge_parcel"
        target = st.selectbox(
            t(label, lang),
            ids,
            index=None,
            key="ge_target",
            format_func=lambda i: f"{i}{tag}" if i in retired else i,
            help=t_plain("ge_parcel_help", lang),
            placeholder=t_plain("ge_pick", lang),
        )
        out["targets"] = [target] if target else []
    if op in geom_edit.DRAWING_OPS:
        out["snap_m"] = float(
            st.number_input(
                t("ge_snap_m", lang),
                min_value=0.0,
                max_value=20.0,
                value=geom_edit.SNAP_M,
                step=0.5,
                key="ge_snap_m",
            )
        )
    if op == "split_lots":
        out["n"] = int(
            st.number_input(
                t("ge_lots_n", lang), min_value=2, max_value=50, value=3, key="ge_lots_n"
            )
        )
        out["areas_text"] = st.text_input(t("ge_lots_areas", lang), key="ge_lots_areas")
        out["direction"] = st.radio(
            t("ge_lots_direction", lang),
            ["ew", "ns"],
            format_func=lambda d: t_plain(f"ge_dir_{d}", lang),
            key="ge_lots_dir",
            horizontal=True,
        )
    return out


def _seen_versions(ws: Workspace, ids: list[str]) -> dict[str, int]:
    """The ``row_version`` of each parcel as the editor first saw it (kept until a save)."""
    seen: dict[str, int] = st.session_state.setdefault(SEEN, {})
    now = geom_edit.row_versions(ws, ids)
    where = state.target_key(state.ws_target(ws))
    for pid in ids:
        key = f"{where}::{pid}"
        if key not in seen and pid in now:
            seen[key] = now[pid]
    return {pid: seen[f"{where}::{pid}"] for pid in ids if f"{where}::{pid}" in seen}


def _drawn(key: str) -> Any:
    got = st.session_state.get(DRAWN)
    return got["geometry"] if got and got.get("key") == key else None


def _versions(ws: Workspace, pid: str, lang: Lang) -> tuple[int | None, Any]:
    """The geometry versions of ``pid`` as a table; the chosen version and its geometry."""
    try:
        versions = geom_edit.geometry_versions(ws, pid)
    except (StoreError, OSError) as err:
        st.error(t("edit_invalid", lang, error=err))
        return None, None
    st.markdown(f"**{t('ge_versions', lang)}**")
    if len(versions) < 2:
        st.caption(t("ge_no_versions", lang))
    labels = {
        int(v["version"]): t_plain(
            "ge_version_label",
            lang,
            v=v["version"],
            at=editing.fmt_at(v["at"]) if v.get("at") else "—",
            who=v.get("who") or "—",
            edit=v.get("edit") or "—",
            mu=f"{float(v['area_mu']):,.2f}",
        )
        for v in versions
    }
    if not labels:
        return None, None
    version = st.selectbox(
        t("ge_version", lang),
        list(labels),
        index=len(labels) - 1,
        format_func=lambda v: labels[v],
        key="ge_version",
    )
    chosen = next(v for v in versions if int(v["version"]) == int(version))
    return int(version), geom_edit.to_work(chosen["geometry"], ws)


def _build(
    ws: Workspace, c: dict[str, Any], lang: Lang, drawn: Any, version: int | None
) -> GeometryEdit | None:
    """The edit the controls and the drawing describe, or None (with the reason shown)."""
    op, targets = c["op"], c["targets"]
    what = t_plain(f"ge_op_{op}", lang)
    try:
        if op == "create":
            if drawn is None:
                st.info(t("ge_draw_first", lang, what=what))
                return None
            return GeometryEdit("create", [], [drawn], [geom_edit.next_new_id(ws)], [{}])
        if op == "merge":
            if len(targets) < 2:
                st.info(t("ge_choose_two", lang))
                return None
            return plan_merge(ws, targets)
        if not targets:
            st.info(t("ge_choose_parcel", lang))
            return None
        pid = targets[0]
        if op in ("split_line", "reshape") and drawn is None:
            st.info(t("ge_draw_first", lang, what=what))
            return None
        if op == "split_line":
            return plan_split_by_line(ws, pid, drawn)
        if op == "reshape":
            return plan_reshape(ws, pid, drawn)
        if op == "split_lots":
            try:
                areas = geom_edit.parse_areas(c.get("areas_text", ""))
            except InputError:
                st.error(t("ge_areas_bad", lang, text=c.get("areas_text", "")))
                return None
            return plan_split_into_lots(ws, pid, n=c["n"], areas_mu=areas, direction=c["direction"])
        if op == "retire":
            return plan_retire(ws, [pid])
        if op == "restore":
            if version is None:
                return None
            with open_store(state.ws_target(ws), user="viewer", role="investment") as store:
                return plan_restore(ws, store, pid, version)
    except (GeometryError, InvalidEditError, InputError) as err:
        st.error(t("ge_cannot", lang, error=err))
    return None


def _parent_row(ws: Workspace, edit: GeometryEdit) -> pd.Series | None:
    if not edit.parcel_ids:
        return None
    parcels = ws.parcels
    hit = parcels[parcels["parcel_id"].astype(str) == str(edit.parcel_ids[0])]
    return None if hit.empty else hit.iloc[0]


def _new_rows(ws: Workspace, edit: GeometryEdit) -> pd.DataFrame | None:
    """One row per parcel the edit creates: its id and attributes, the parent's by default."""
    existing = geom_edit.existing_ids(ws)
    if edit.kind == "split":
        ids = child_ids(edit.parcel_ids[0], len(edit.new_geometries), existing)
    elif edit.kind == "merge":
        ids = [merged_id(edit.parcel_ids, existing)]
    elif edit.kind == "create":
        ids = list(edit.new_ids) or [geom_edit.next_new_id(ws)]
    else:
        return None
    parent = _parent_row(ws, edit)
    rows = []
    for new_id in ids:
        row: dict[str, Any] = {"new_id": new_id}
        for f in ATTRIBUTE_FIELDS:
            value = None if parent is None else parent.get(f)
            missing = value is None or (not isinstance(value, str) and pd.isna(value))
            row[f] = None if missing else str(value)
        if parent is None:
            row["status"] = schema.UNKNOWN_STATUS
        rows.append(row)
    return pd.DataFrame(rows, columns=["new_id", *ATTRIBUTE_FIELDS])


def _attributes(ws: Workspace, edit: GeometryEdit, lang: Lang, sig: str) -> GeometryEdit:
    """The new parcels' ids and attributes, editable; ``edit`` with them."""
    rows = _new_rows(ws, edit)
    if rows is None:
        return edit
    st.markdown(f"**{t('ge_attributes', lang)}**")
    statuses = [*schema.STATUSES, schema.UNKNOWN_STATUS]
    uses = sorted(schema.LAND_USES)
    shown = st.data_editor(
        rows,
        key=f"ge_attrs_{sig}",
        hide_index=True,
        width="stretch",
        num_rows="fixed",
        column_config={
            "new_id": st.column_config.TextColumn(t_plain("ge_new_id", lang), required=True),
            "name": st.column_config.TextColumn(t_plain("col_parcel_name", lang)),
            "land_use_planned": st.column_config.SelectboxColumn(
                schema.column_label("parcels", "land_use_planned", lang, with_unit=False),
                options=uses,
                format_func=lambda c: f"{c} {schema.land_use_label(c, lang)}",
            ),
            "status": st.column_config.SelectboxColumn(
                t_plain("status", lang),
                options=statuses,
                required=True,
                format_func=lambda s: schema.label(schema.STATUS_LABELS, str(s), lang),
            ),
        },
    )
    return geom_edit.with_new_parcels(edit, pd.DataFrame(shown))


def _overlay(
    ws: Workspace,
    edit: GeometryEdit | None,
    problems: list,
    c: dict,
    drawn: Any,
    version_geom: Any,
    lang: Lang,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if version_geom is not None:
        rows.append({"kind": "version", "geometry": version_geom, "label": ""})
    if edit is not None and edit.kind in ("split", "merge", "create", "reshape"):
        existing = geom_edit.existing_ids(ws)
        ids = list(edit.new_ids)
        if not ids and edit.kind == "split":
            ids = child_ids(edit.parcel_ids[0], len(edit.new_geometries), existing)
        elif not ids and edit.kind == "merge":
            ids = [merged_id(edit.parcel_ids, existing)]
        elif not ids:
            ids = list(edit.parcel_ids)
        unit = "亩" if lang == "zh" else "mu"
        for pid, g in zip(ids, edit.new_geometries, strict=False):
            mu = m2_to_mu(g.area)
            rows.append({"kind": "preview", "geometry": g, "label": f"{pid}\n{mu:,.2f} {unit}"})
    if c["op"] == "split_line" and drawn is not None:
        rows.append({"kind": "line", "geometry": drawn, "label": ""})
    for p in problems:
        if p.geometry_of_problem is not None:
            g = p.geometry_of_problem
            if g.geom_type in ("Point", "MultiPoint", "LineString", "MultiLineString"):
                g = g.buffer(3.0)
            rows.append({"kind": "problem", "geometry": g, "label": ""})
    return rows


def _fit(ws: Workspace, targets: list[str], gcj02: bool) -> Any:
    key = (str(ws.path), tuple(targets), gcj02)
    if st.session_state.get(FIT_FOR) != key:
        geoms = [g for g in (geom_edit.parcel_geometry(ws, p) for p in targets) if g is not None]
        if geoms:
            st.session_state[FIT] = geom_edit.display_bounds(geoms, ws.crs, gcj02=gcj02)
            st.session_state[FIT_FOR] = key
    return st.session_state.get(FIT)


def _receive(ws: Workspace, draw_key: str, gcj02: bool, lang: Lang) -> None:
    """A geometry the map sent: into the workspace CRS, kept for this operation and parcel."""
    sent = map_view.take_edit(MAP_KEY)
    if not sent:
        return
    try:
        geom = geom_edit.display_to_work(sent.get("geometry") or {}, ws.crs, gcj02=gcj02)
    except InputError as err:
        st.error(t("ge_drawn_bad", lang, error=err))
        return
    logger.info("drawn %s for %s", geom.geom_type, draw_key)
    st.session_state[DRAWN] = {"key": draw_key, "geometry": geom}
    st.rerun()


def _save(ws: Workspace, edit: GeometryEdit, lang: Lang, role: str, note: str) -> None:
    expected = _seen_versions(ws, [str(i) for i in edit.parcel_ids])
    try:
        saved = geom_edit.save(
            ws,
            edit,
            role=role,
            user=state.current_user(),
            expected=expected,
            note=note,
            lang=lang,
        )
    except RoleError as err:
        st.error(t("edit_role", lang, error=err))
        return
    except EditProblemsError as err:
        st.error(t("edit_invalid", lang, error=err))
        return
    except EditConflict as err:
        logger.info("geometry edit conflict: %s", err)
        st.session_state[CONFLICT] = t(
            "ge_conflict",
            lang,
            ids=err.row_id,
            who=err.who or t_plain("edit_conflict_unknown", lang),
            at=editing.fmt_at(err.at) if err.at else "—",
        )
        st.rerun()
    except StoreBusyError as err:
        st.error(t("edit_busy", lang, error=err))
        return
    except (InvalidEditError, StoreError, GeometryError, ValueError) as err:
        st.error(t("edit_invalid", lang, error=err))
        return
    result = saved.result
    done = t(
        "ge_saved",
        lang,
        kind=t_plain(f"ge_kind_{edit.kind}", lang),
        new=", ".join(result.new_ids) or "—",
        retired=", ".join(result.retired_ids) or "—",
    )
    if state.working_copy_source(saved.target) is not None:
        done += "  \n" + t("edit_in_working_copy", lang, name=Path(saved.target).name)
    st.session_state[DONE] = done
    st.session_state.pop(DRAWN, None)
    st.session_state[SEEN] = {}
    st.session_state[NONCE] = int(st.session_state.get(NONCE, 0)) + 1
    if result.new_ids:
        st.session_state[PENDING] = result.new_ids[0]
    if not state.same_target(saved.target, ws):
        state.add_opened_workspace(state.as_target(saved.target))
    st.rerun()


def page() -> None:
    lang = state.lang()
    role = state.role()
    ws = session.open_workspace(lang)
    session.page_header(t("nav_geom_edit", lang), ws, lang)
    if ws is None:
        return
    if not can_edit(role) or role in RESTRICTED_ROLES:
        st.info(t("ge_planners_only", lang))
        return  # no map tools, and nothing sent from a browser is read
    done = st.session_state.pop(DONE, None)
    if done:
        st.success(done)
    conflict = st.session_state.get(CONFLICT)
    if conflict:
        st.warning(conflict, icon=":material/sync_problem:")
        if st.button(t("ge_reload", lang), key="ge_reload"):
            st.session_state.pop(CONFLICT, None)
            st.session_state[SEEN] = {}
            st.session_state.pop(DRAWN, None)
            st.rerun()
    unavailable = geom_edit.tools_unavailable()
    if unavailable:
        st.warning(t("ge_tools_unavailable", lang, error=unavailable))
    tools = unavailable is None
    _apply_pending(st.session_state.get("ge_op"))
    gcj02 = geom_edit.is_gcj02(map_view.basemap_name(lang))
    left, right = st.columns([3, 2], gap="medium")
    with right:
        c = _controls(ws, lang, tools)
        version, version_geom = (None, None)
        if c["op"] == "restore" and c["targets"]:
            version, version_geom = _versions(ws, c["targets"][0], lang)
    targets = c["targets"]
    _seen_versions(ws, targets)
    draw_key = f"{c['op']}|{','.join(targets)}|{state.ws_key(ws)}"
    drawn = _drawn(draw_key)
    with right:
        edit = _build(ws, c, lang, drawn, version)
        if edit is not None:
            edit = geom_edit.tidy(edit, ws.crs)
        sig = hashlib.sha1(
            repr(
                (draw_key, edit and len(edit.new_geometries), st.session_state.get(NONCE, 0))
            ).encode()
        ).hexdigest()[:12]
        if edit is not None:
            edit = _attributes(ws, edit, lang, sig)
        problems = geom_edit.problems_of(ws, edit) if edit is not None else []
    overlay = _overlay(ws, edit, problems, c, drawn, version_geom, lang)
    with left:
        # without the drawing library: no tools, but the previews and problems are drawn
        value = geom_edit.edit_value(
            ws,
            op=c["op"],
            lang=lang,
            gcj02=gcj02,
            targets=targets,
            snap_m=c.get("snap_m", 0.0),
            overlay=overlay,
            nonce=int(st.session_state.get(NONCE, 0)),
            tools=tools,
        )
        props = map_view.show_map(
            ws,
            lang=lang,
            role=role,
            key=MAP_KEY,
            selected=targets[0] if len(targets) == 1 else None,
            fit=_fit(ws, targets, gcj02) if targets else None,
            edit=value,
        )
        _receive(ws, draw_key, gcj02, lang)
        clicked = (props or {}).get("parcel_id")
        if clicked and (c["op"] == "merge" or clicked not in targets):
            st.session_state[PENDING] = str(clicked)
            st.rerun()
    with right:
        if edit is None:
            return
        if problems:
            st.error(t("ge_problems", lang, n=len(problems)))
            for p in problems:
                st.markdown(f"- {md(geom_edit.problem_message(p, lang))}")
        else:
            st.success(t("ge_no_problems", lang))
        if c["op"] == "restore" and len(edit.parcel_ids) > 1:
            st.caption(t("ge_restore_children", lang, ids=", ".join(edit.parcel_ids[1:])))
        st.markdown(f"**{t('ge_summary', lang)}**")
        table, totals = geom_edit.summary(ws, edit, lang)
        st.dataframe(table, hide_index=True, width="stretch", key=f"ge_summary_{sig}")
        st.caption(md(totals))
        note = st.text_input(t("ge_note", lang), key="ge_note")
        if state.is_demo(state.ws_target(ws)):
            st.caption(t("edit_demo_copy", lang))
        if st.button(t("ge_save", lang), type="primary", key="ge_save", disabled=bool(problems)):
            _save(ws, edit, lang, role, note)


if __name__ == "__main__":
    session.run_page(page)
