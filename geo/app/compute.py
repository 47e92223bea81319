"""Cached calls into the library, keyed on the workspace file version.

Every function takes the opened :class:`~geo.workspace.Workspace` and hands it
to a cached function as a leading-underscore argument (not hashed) together
with :func:`geo.app.state.ws_key` — ``(path, mtime)`` — so a result is computed
once per file version and options, and again when the file changes. No figure
is computed here: the library does it.

Results are held with ``st.cache_resource``: one object shared by every
session and rerun, with no copy on each access (``st.cache_data`` unpickles a
fresh DataFrame every time, which showed in the page-load time). Callers treat
the frames as read-only and copy before changing anything.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from geo import benefit, lifecycle, soil
from geo.app import state
from geo.app.state import WorkspaceKey
from geo.capacity import parcel_capacity
from geo.crs import m2_to_km2
from geo.engine.compute import release_summary as engine_release_summary
from geo.engine.headline import (
    Headline,
    cached_headline,
    configured_engine,
    headline as engine_headline,
)
from geo.layout import layout_summary
from geo.release import OUTSIDE_ID, release_summary
from geo.schema import FREED_STATUSES, STATUSES
from geo.siting import finder
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

CAPACITY_TARGETS: tuple[str, ...] = (
    "far_min",
    "far_max",
    "coverage_min",
    "invest_wan_per_mu",
    "tax_wan_per_mu",
    "output_wan_per_mu",
)

LAYOUT_CAPACITY: tuple[str, ...] = (
    "floor_m2_min",
    "floor_m2_max",
    "invest_wan",
    "output_wan_per_yr",
    "tax_wan_per_yr",
)


def _statuses(statuses: Iterable[str] | None) -> tuple[str, ...] | None:
    return tuple(sorted(statuses)) if statuses is not None else None


@st.cache_resource(show_spinner=False, max_entries=64)
def _release(
    _ws: Workspace, key: WorkspaceKey, by: tuple[str, ...], statuses: tuple[str, ...] | None
) -> pd.DataFrame:
    areas = _ws.areas if "area" in by else None
    return release_summary(_ws.parcels, areas, by=list(by), statuses=statuses)


def release(
    ws: Workspace, by: Iterable[str], *, statuses: Iterable[str] | None = None
) -> pd.DataFrame:
    """:func:`geo.release.release_summary` of the workspace, cached.

    Of a large workspace (:func:`geo.app.state.large_dataset`) the engine's
    (:func:`geo.engine.compute.release_summary` of its dataset, with the
    configured engine), cached per revision: freed land by status or by
    area is its :func:`headline`'s.
    """
    if state.large_dataset(ws) is not None:
        return _large_release(ws, tuple(by), statuses)
    return _release(ws, state.ws_key(ws), tuple(by), _statuses(statuses))


@st.cache_resource(show_spinner=False, max_entries=8)
def _memory_headline(_ws: Workspace, key: WorkspaceKey) -> Headline:
    return engine_headline(_ws, engine="memory")


def headline(ws: Workspace) -> Headline:
    """The headline figures and default map aggregates (:class:`geo.engine.headline.Headline`).

    Of a large workspace, :func:`geo.engine.headline.cached_headline` of its
    dataset with the configured engine: the one cache, per revision, shared
    by every session and kept on disk. Of a workspace in memory,
    :func:`geo.engine.headline.headline` of its parcels (memory engine),
    cached per file version. Either way the figures of :func:`release`.
    """
    ds = state.large_dataset(ws)
    if ds is not None:
        return cached_headline(ds.path, engine=configured_engine())
    return _memory_headline(ws, state.ws_key(ws))


@st.cache_resource(show_spinner=False, max_entries=32)
def _engine_release(
    _ws: Workspace,
    key: WorkspaceKey,
    engine: str,
    by: tuple[str, ...],
    statuses: tuple[str, ...] | None,
) -> pd.DataFrame:
    return engine_release_summary(
        state.large_dataset(_ws), by=list(by), statuses=statuses, engine=engine
    )


def _large_release(
    ws: Workspace, by: tuple[str, ...], statuses: Iterable[str] | None
) -> pd.DataFrame:
    wanted = None if statuses is None else tuple(s for s in STATUSES if s in set(statuses))
    if wanted == tuple(FREED_STATUSES):
        wanted = None
    if by == ("status",) or (wanted is None and by == ("area",)):
        summ = headline(ws)
        if by == ("status",):
            rows = summ.by_status[summ.by_status["status"].isin(wanted or FREED_STATUSES)]
            return rows.reset_index(drop=True)
        if summ.by_area is not None:
            return summ.by_area
    return _engine_release(ws, state.dataset_key(ws), configured_engine(), by, wanted)


@st.cache_resource(show_spinner=False, max_entries=32)
def _layout(
    _ws: Workspace,
    key: WorkspaceKey,
    layout: str,
    corridor_width_m: float | None,
    statuses: tuple[str, ...] | None,
) -> pd.DataFrame:
    summary = layout_summary(
        _ws.parcels,
        finder.latest_areas(_ws.areas),  # one boundary per area: its latest version
        layout,
        roads=_ws.get("roads"),
        corridor_width_m=corridor_width_m,
        statuses=statuses,
    )
    areas = finder.latest_areas(_ws.areas).drop_duplicates("area_id").set_index("area_id")
    extra = [
        c
        for c in ("layout", "parent_id", "target_industries", *CAPACITY_TARGETS)
        if c in areas.columns
    ]
    out = summary.join(areas[extra], on="area_id")
    out["element_mu"] = summary["area_id"].map(areas["area_mu"]) if "area_mu" in areas else None
    rows = []
    for _, row in out.iterrows():
        targets = {
            c: float(row[c]) for c in CAPACITY_TARGETS if c in row.index and pd.notna(row[c])
        }
        if row["area_id"] == "outside" or not targets:
            rows.append({})
            continue
        cap = parcel_capacity(
            pd.DataFrame({"parcel_id": [row["area_id"]], "area_m2": [row["area_m2"]]}), **targets
        )
        rows.append({c: cap.at[0, c] for c in LAYOUT_CAPACITY})
    cap_df = pd.DataFrame(rows, index=out.index)
    return pd.concat([out, cap_df], axis=1)


def layout_table(
    ws: Workspace,
    layout: str,
    *,
    corridor_width_m: float | None = None,
    statuses: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Freed land in each element of a layout, with the capacity of that land at the targets.

    Areas with several boundary versions take part with their latest one.

    The columns of :func:`geo.layout.layout_summary`, the element's
    ``target_industries`` and targets, ``element_mu`` (the element's own
    area) and, from :func:`geo.capacity.parcel_capacity` applied to the freed
    land inside the element at the element's targets, ``floor_m2_min``,
    ``floor_m2_max``, ``invest_wan``, ``output_wan_per_yr``, ``tax_wan_per_yr``.
    """
    return _layout(ws, state.ws_key(ws), layout, corridor_width_m, _statuses(statuses))


@st.cache_resource(show_spinner=False, max_entries=16)
def _current_use(_ws: Workspace, key: WorkspaceKey, layout: str) -> pd.DataFrame | None:
    from geo.layout import current_use_summary, derive_corridors, layout_elements

    survey = _ws.get("landuse_survey")
    if survey is None or survey.empty or "dlbm" not in survey.columns:
        return None
    areas = finder.latest_areas(_ws.areas)
    elements = derive_corridors(layout_elements(areas, layout), _ws.get("roads"))
    return current_use_summary(survey, elements)


def current_use_table(ws: Workspace, layout: str) -> pd.DataFrame | None:
    """:func:`geo.layout.current_use_summary` of a layout's elements (现状工业用地 …), cached.

    None when the workspace (as this role sees it) has no ``landuse_survey``.
    """
    return _current_use(ws, state.ws_key(ws), layout)


@st.cache_resource(show_spinner=False, max_entries=16)
def _places(_ws: Workspace, key: WorkspaceKey) -> pd.DataFrame:
    return finder.places(_ws.parcels, _ws.areas, _ws.get("roads"))


def places(ws: Workspace) -> pd.DataFrame:
    """:func:`geo.siting.finder.places` of the workspace, cached."""
    return _places(ws, state.ws_key(ws))


@st.cache_resource(show_spinner=False, max_entries=32)
def _candidates(
    _ws: Workspace,
    key: WorkspaceKey,
    role: str,
    use: str | None,
    gap_m: float,
    available: bool,
    named: tuple[str, ...] | None,
) -> pd.DataFrame:
    view = state.workspace_for(_ws, role)
    statuses = finder.AVAILABLE_STATUSES if available else None
    common = {"gap_m": gap_m, "statuses": statuses, "areas": _ws.areas}
    if named is not None:
        return finder.named_sites(view.parcels, places(_ws), named, **common)
    if not available:  # the planner looking at every parcel: one site per parcel
        return finder.named_sites(
            view.parcels[finder.offerable(view.parcels, use)],
            places(_ws),
            view.parcels["parcel_id"].astype(str),
            **common,
        )
    return finder.candidate_sites(view.parcels, places(_ws), use=use, **common)


def candidate_sites(
    ws: Workspace,
    role: str,
    *,
    use: str | None,
    gap_m: float,
    available: bool = True,
    named: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The site finder's candidate sites for ``role``, cached (:mod:`geo.siting.finder`).

    ``named``: only these site ids (a share link's), built from their members.
    ``available`` false: every parcel the role sees whose use admits ``use``, one site each.
    """
    ids = tuple(named) if named is not None else None
    return _candidates(ws, state.ws_key(ws), role, use or None, float(gap_m), available, ids)


@st.cache_resource(show_spinner=False, max_entries=16)
def _soil(_ws: Workspace, key: WorkspaceKey) -> pd.DataFrame:
    return soil.soil_flags(_ws.parcels)


def soil_flags(ws: Workspace) -> pd.DataFrame:
    """:func:`geo.soil.soil_flags` of the workspace's parcels, cached."""
    return _soil(ws, state.ws_key(ws))


@st.cache_resource(show_spinner=False, max_entries=16, ttl=3600)
def _days(_ws: Workspace, key: WorkspaceKey, as_of: str) -> pd.DataFrame:
    return lifecycle.days_in_status(_ws.parcels, as_of=as_of)


def days_in_status(ws: Workspace) -> pd.DataFrame:
    """:func:`geo.lifecycle.days_in_status` as of today, cached for the day."""
    today = lifecycle.as_of_date(None).strftime("%Y-%m-%d")
    return _days(ws, state.ws_key(ws), today)


@st.cache_resource(show_spinner=False, max_entries=16, ttl=3600)
def _overdue(_ws: Workspace, key: WorkspaceKey, as_of: str) -> pd.DataFrame:
    ms = _ws.get("milestones")
    if ms is None or ms.empty:
        return pd.DataFrame(columns=["subject_id", "milestone", "due", "days_overdue"])
    return lifecycle.overdue_milestones(ms, as_of=as_of)


def overdue_milestones(ws: Workspace) -> pd.DataFrame:
    """:func:`geo.lifecycle.overdue_milestones` as of today, cached for the day."""
    today = lifecycle.as_of_date(None).strftime("%Y-%m-%d")
    return _overdue(ws, state.ws_key(ws), today)


MILESTONE_STATES: tuple[str, ...] = ("done", "done_late", "overdue", "open")


def milestone_timeline(ws: Workspace, subject_ids: Iterable[str]) -> pd.DataFrame:
    """The milestones of some subjects (areas or parcels), each with its state.

    ``state`` is ``done`` (done by the due date), ``done_late``, ``overdue``
    (past due and not done: :func:`geo.lifecycle.overdue_milestones`) or
    ``open`` (not yet due); ``days_late`` counts the days past due of the
    late and overdue ones. Sorted by due date.
    """
    ms = ws.get("milestones")
    cols = ["subject_id", "milestone", "due", "done", "state", "days_late"]
    if ms is None or ms.empty:
        return pd.DataFrame(columns=cols)
    ids = {str(s) for s in subject_ids}
    sel = ms[ms["subject_id"].astype(str).isin(ids)].copy()
    if sel.empty:
        return pd.DataFrame(columns=[*cols, *[c for c in ms.columns if c not in cols]])
    due = pd.to_datetime(sel["due"], errors="coerce")
    done = pd.to_datetime(sel["done"], errors="coerce")
    overdue = overdue_milestones(ws)
    late_by = {
        (str(r.subject_id), str(r.milestone)): int(r.days_overdue)
        for r in overdue.itertuples(index=False)
    }
    states, days = [], []
    for sid, name, d, f in zip(sel["subject_id"], sel["milestone"], due, done, strict=True):
        key = (str(sid), str(name))
        if pd.notna(f):
            late = int((f - d).days) if pd.notna(d) else 0
            states.append("done_late" if late > 0 else "done")
            days.append(late if late > 0 else None)
        elif key in late_by:
            states.append("overdue")
            days.append(late_by[key])
        else:
            states.append("open")
            days.append(None)
    sel["due"], sel["done"] = due, done
    sel["state"] = states
    sel["days_late"] = pd.array(days, dtype="Int64")
    return sel.sort_values(["due", "subject_id"]).reset_index(drop=True)


def benefit_config(
    preset: str, weights: dict[str, dict[str, float]] | None = None
) -> benefit.BenefitConfig:
    """A shipped preset, with the weights of some indicators replaced.

    ``weights`` is ``{group key: {indicator key: weight}}``.
    """
    cfg = benefit.load_preset(preset)
    if not weights:
        return cfg
    groups = {}
    for gkey, group in cfg.groups.items():
        new = weights.get(gkey, {})
        inds = tuple(
            dataclasses.replace(i, weight=float(new.get(i.key, i.weight))) for i in group.indicators
        )
        groups[gkey] = dataclasses.replace(group, indicators=inds)
    return dataclasses.replace(cfg, groups=groups, name=f"{cfg.name}+custom")


@st.cache_resource(show_spinner=False, max_entries=32)
def _benefit(
    _ws: Workspace, key: WorkspaceKey, preset: str, weights: tuple[tuple[str, str, float], ...]
) -> pd.DataFrame:
    nested: dict[str, dict[str, float]] = {}
    for g, i, w in weights:
        nested.setdefault(g, {})[i] = w
    return benefit.evaluate(_ws["enterprises"], benefit_config(preset, nested))


@st.cache_resource(show_spinner=False, max_entries=16)
def _benefit_history(_ws: Workspace, key: WorkspaceKey, preset: str) -> pd.DataFrame:
    from geo.benefit.history import class_history, d_runs

    hist = class_history(_ws["enterprises"], benefit.load_preset(preset))
    return hist.assign(consecutive_d_years=d_runs(hist))


def benefit_history(ws: Workspace, preset: str) -> pd.DataFrame:
    """:func:`geo.benefit.history.class_history` with each row's run of D years, cached."""
    return _benefit_history(ws, state.ws_key(ws), preset)


def benefit_result(
    ws: Workspace, preset: str, weights: dict[str, dict[str, float]] | None = None
) -> pd.DataFrame:
    """:func:`geo.benefit.evaluate` of the workspace's firms, cached per preset and weights."""
    flat = tuple(
        sorted((g, i, float(w)) for g, inds in (weights or {}).items() for i, w in inds.items())
    )
    return _benefit(ws, state.ws_key(ws), preset, flat)


@st.cache_resource(show_spinner=False, max_entries=16)
def _versions(_ws: Workspace, key: WorkspaceKey, area_id: str) -> pd.DataFrame:
    areas = _ws.areas
    rows = areas[areas["area_id"].astype(str) == area_id]
    out = []
    for _, row in rows.sort_values("version").iterrows():
        one = areas.loc[[row.name]]
        every = release_summary(_ws.parcels, one, by=["area"], statuses=STATUSES)
        freed = release_summary(_ws.parcels, one, by=["area"])
        inside = every[every["area_id"] != OUTSIDE_ID]
        freed_in = freed[freed["area_id"] != OUTSIDE_ID]
        out.append(
            {
                "version": row.get("version"),
                "valid_from": row.get("valid_from"),
                "valid_to": row.get("valid_to"),
                "area_mu": float(row["area_mu"]),
                "area_km2": float(m2_to_km2(row["area_m2"])),
                "n_parcels": int(inside["n_parcels"].sum()),
                "parcels_mu": float(inside["area_mu"].sum()),
                "freed_mu": float(freed_in["area_mu"].sum()),
            }
        )
    return pd.DataFrame(out)


def versioned_areas(ws: Workspace) -> list[str]:
    """IDs of areas with more than one boundary version."""
    areas = ws.areas
    if "version" not in areas.columns:
        return []
    counts = areas.groupby(areas["area_id"].astype(str))["version"].nunique()
    return [str(a) for a in counts[counts > 1].index]


def version_table(ws: Workspace, area_id: str) -> pd.DataFrame:
    """One row per boundary version of an area: its size and the land inside it.

    ``area_mu``/``area_km2`` of the boundary, ``n_parcels`` and ``parcels_mu``
    (land of every status inside) and ``freed_mu`` (freed land inside), from
    :func:`geo.release.release_summary` with that version alone.
    """
    return _versions(ws, state.ws_key(ws), str(area_id))


def freed_mu(ws: Workspace) -> float:
    """Freed land of the workspace in 亩 (total of :func:`release` by status)."""
    df = release(ws, ("status",))
    return float(df["area_mu"].sum()) if len(df) else 0.0


def land_mu(ws: Workspace, statuses: Iterable[str]) -> float:
    """Land in ``statuses`` in 亩."""
    df = release(ws, ("status",), statuses=statuses)
    return float(df["area_mu"].sum()) if len(df) else 0.0


__all__ = [
    "FREED_STATUSES",
    "benefit_config",
    "benefit_result",
    "days_in_status",
    "freed_mu",
    "headline",
    "land_mu",
    "layout_table",
    "milestone_timeline",
    "overdue_milestones",
    "places",
    "release",
    "soil_flags",
    "version_table",
    "versioned_areas",
]
