"""The viewport-driven map of a large workspace (docs/architecture.md §7, §9).

A large workspace (:func:`geo.app.state.large_dataset`) is drawn from its
dataset under a feature budget: freed land per grid cell or planning area,
single parcels once few enough are selected or in view (:func:`plan_view`,
:func:`show_view_map`), through the one map element of :mod:`geo.app.map_view`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from geo.app import compute, state, widgets
from geo.app.i18n import Lang, t, t_plain
from geo.app.map_view import Height, _layer_specs, _specs_version, basemap_name, show_rendered
from geo.app.state import WorkspaceKey
from geo.crs import gcj02_to_wgs84
from geo.dataset.parquet import ParquetDataset
from geo.engine.compute import aggregate_for_map, area_aggregate
from geo.engine.headline import Headline
from geo.errors import OperationError
from geo.grid import cell_bounds, cell_id, cell_size_for
from geo.layers import LayerSpec, Text, layers_dir, load_layer_specs
from geo.render import render_map
from geo.schema import FREED_STATUSES
from geo.siting import finder
from geo.viewport import (
    area_parcels,
    cell_parcels,
    cell_size_label,
    color_classes,
    display_bounds,
    in_view,
    outer_rings,
    parcel_limit,
    parcels_in_bounds,
)
from geo.workspace import Workspace

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------
# The viewport-driven map of a large workspace (docs/architecture.md §7, §9)
# ---------------------------------------------------------------------------
#
# A large workspace (:func:`geo.app.state.large_dataset`) is drawn from its
# dataset, never from ``ws.parcels``: freed land per grid cell or per planning
# area (the engine's aggregates, :func:`geo.app.compute.headline`), with the
# areas' outlines, and single parcels once the selection (a grid cell, an area,
# the statuses, the map's own view) holds at most
# :func:`geo.viewport.parcel_limit` of them (:func:`plan_view`). Every map is
# cached per dataset revision, role, language, basemap and view.

LARGE_MAP_HEIGHT = 640
"""The height of a large workspace's map, in pixels."""
AGGREGATE_SPEC_IDS: dict[str, str] = {
    "aggregate": "aggregate_land",
    "outlines": "aggregate_outlines",
    "selection": "aggregate_selection",
}
"""The layers of the aggregated map in ``layers/`` (``display.aggregated = true``)."""


@dataclasses.dataclass(frozen=True)
class View:
    """What the user selected: statuses, an area, a grid cell, the aggregate unit, the view."""

    statuses: tuple[str, ...] | None = None
    """None: freed land (the default)."""
    area_id: str | None = None
    cell: tuple[float, int, int] | None = None
    unit: Literal["cell", "area"] = "cell"
    bounds: tuple[float, float, float, float] | None = None
    """The map's view (WGS84 lon/lat) once the user panned or zoomed; None: the whole."""

    @property
    def wanted(self) -> tuple[str, ...]:
        """The statuses counted and shown."""
        return self.statuses if self.statuses else tuple(FREED_STATUSES)

    @property
    def narrowed(self) -> bool:
        """A cell or an area is open, or the map shows its own view."""
        return self.cell is not None or self.area_id is not None or self.bounds is not None


@dataclasses.dataclass
class Plan:
    """What the map shows for a view.

    Attributes
    ----------
    kind
        ``cells`` (grid aggregate), ``areas`` (aggregate per planning area) or
        ``parcels`` (single parcels, at most :func:`~geo.viewport.parcel_limit`).
    total, mu
        Parcels of the selection and their land in 亩.
    units
        The aggregate (``cells`` and ``areas``).
    parcels
        The parcels shown (``parcels``).
    cell_m
        The grid cell size (``cells``).
    selection, scope
        The selected cell's square or area's polygon, and its name.
    truncated
        Some parcels of the selection are not shown.
    clip
        The map's view (a box in the dataset's CRS) when the plan is for it:
        only what meets it is drawn, areas and roads simplified to its scale.
    """

    kind: Literal["cells", "areas", "parcels"]
    total: int
    mu: float
    units: gpd.GeoDataFrame | None = None
    parcels: gpd.GeoDataFrame | None = None
    cell_m: float | None = None
    selection: Any = None
    scope: str | None = None
    truncated: bool = False
    clip: Any = None


def viewport_bounds(key: str) -> tuple[float, float, float, float] | None:
    """The view a viewport-driven map last sent (WGS84), kept under ``key``, or None."""
    raw = st.session_state.get(key)
    if not raw or len(raw) != 4:
        return None
    return tuple(float(v) for v in raw)  # type: ignore[return-value]


def set_viewport(
    value: Mapping[str, Any], *, key: str, then: Callable[[], None] | None = None
) -> None:
    """Keep the view the map sent (``on_viewport`` of :func:`show_rendered`) under ``key``.

    Over the Gaode basemap the view is in GCJ-02: shifted back to WGS84.
    ``then`` runs after a view was kept (the overview closes its grid cell:
    the map shows what is in view).
    """
    try:
        w, s_, e, n = (float(v) for v in value["bounds"])
    except (KeyError, TypeError, ValueError):
        logger.warning("ignored a malformed map view: %r", value)
        return
    if basemap_name(state.lang()) == "gaode":
        lon, lat = gcj02_to_wgs84(np.array([w, e]), np.array([s_, n]))
        w, e, s_, n = float(lon[0]), float(lon[1]), float(lat[0]), float(lat[1])
    st.session_state[key] = (w, s_, e, n)
    if then is not None:
        then()


def _dataset(ws: Workspace) -> ParquetDataset:
    ds = state.large_dataset(ws)
    if ds is None:
        raise OperationError(f"{ws.path.name} is not a large workspace opened without its parcels")
    return ds


def latest_areas(ws: Workspace) -> gpd.GeoDataFrame | None:
    """The latest version of every planning area of ``ws``, or None when it has none."""
    areas = ws.get("areas")
    if areas is None or not len(areas):
        return None
    return finder.latest_areas(areas).drop_duplicates("area_id", keep="last")  # type: ignore[return-value]


def _area_label(row: Mapping[str, Any] | pd.Series, lang: Lang) -> str:
    return widgets.area_name(row, lang) or str(row.get("area_id", ""))


@st.cache_resource(show_spinner=False, max_entries=16)
def _names(_ws: Workspace, key: WorkspaceKey, lang: Lang) -> dict[str, str]:
    areas = latest_areas(_ws)
    if areas is None:
        return {}
    return {str(r["area_id"]): _area_label(r, lang) for _, r in areas.iterrows()}


def area_names(ws: Workspace, lang: Lang) -> dict[str, str]:
    """Area id → name in ``lang`` of the latest version of every area (cached)."""
    return _names(ws, state.dataset_key(ws), lang)


def _area_row(ws: Workspace, area_id: str) -> pd.Series | None:
    areas = latest_areas(ws)
    if areas is None:
        return None
    hit = areas[areas["area_id"].astype(str) == str(area_id)]
    return None if hit.empty else hit.iloc[0]


@st.cache_resource(show_spinner=False, max_entries=32)
def _cells(
    _ws: Workspace,
    key: WorkspaceKey,
    statuses: tuple[str, ...],
    bounds: tuple[float, float, float, float] | None,
    cell_m: float,
    area_id: str | None = None,
) -> gpd.GeoDataFrame:
    area = _area_row(_ws, area_id) if area_id is not None else None
    return aggregate_for_map(
        _dataset(_ws),
        cell_m=cell_m,
        bounds=bounds,
        statuses=statuses,
        within=None if area is None else area.geometry,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _cell_parcels(
    _ws: Workspace,
    key: WorkspaceKey,
    cell: tuple[float, int, int],
    statuses: tuple[str, ...],
    limit: int,
) -> gpd.GeoDataFrame:
    return cell_parcels(_dataset(_ws), *cell, statuses=statuses, limit=limit)


@st.cache_resource(show_spinner=False, max_entries=16)
def _area_parcels(
    _ws: Workspace, key: WorkspaceKey, area_id: str, statuses: tuple[str, ...], limit: int
) -> gpd.GeoDataFrame:
    area = _area_row(_ws, area_id)
    assert area is not None
    return area_parcels(
        _dataset(_ws), area.geometry, statuses=statuses, limit=limit, candidates=10 * max(limit, 1)
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _all_parcels(
    _ws: Workspace, key: WorkspaceKey, statuses: tuple[str, ...], limit: int
) -> gpd.GeoDataFrame:
    ds = _dataset(_ws)
    bounds = ds.info.total_bounds
    if bounds is None:  # no parcel has a geometry
        return gpd.GeoDataFrame({"parcel_id": [], "status": []}, geometry=[], crs=ds.crs)
    return parcels_in_bounds(ds, bounds, limit=limit, statuses=statuses)


def _parcels_plan(parcels: gpd.GeoDataFrame, **kw: Any) -> Plan:
    total = int(parcels.attrs.get("total", len(parcels)))
    mu = float(parcels["area_mu"].sum()) if "area_mu" in parcels.columns else 0.0
    return Plan(
        "parcels",
        total=total,
        mu=mu,
        parcels=parcels,
        truncated=bool(parcels.attrs.get("truncated", False)),
        **kw,
    )


def plan_view(ws: Workspace, summ: Headline, view: View, lang: Lang) -> Plan:
    """What the map of a large workspace shows for ``view``: an aggregate, or parcels.

    Single parcels are shown once the selection (the map's own view, a grid
    cell, an area, the statuses) holds at most
    :func:`~geo.viewport.parcel_limit` of them (:func:`geo.viewport.in_view`
    for the map's view); a larger cell or area is shown as a finer grid
    over its extent. ``summ`` is the workspace's
    :func:`geo.app.compute.headline`.
    """
    wanted = view.wanted
    limit = parcel_limit()
    key = state.dataset_key(ws)
    if view.bounds is not None and view.cell is None and view.area_id is None:
        scope = {"scope": t_plain("large_in_view", lang)}
        with st.spinner(t("large_loading", lang)):
            seen = in_view(_dataset(ws), view.bounds, statuses=wanted, budget=limit)
        box = shapely.box(*seen.bounds)
        if seen.kind == "parcels":
            assert seen.parcels is not None
            return _parcels_plan(seen.parcels, clip=box, **scope)
        assert seen.cells is not None
        return Plan(
            "cells",
            total=seen.total,
            mu=float(seen.cells["area_mu"].sum()),
            units=seen.cells,
            cell_m=seen.cell_m,
            clip=box,
            **scope,
        )
    if view.cell is not None:
        cm, x, y = view.cell
        box = cell_bounds(cm, x, y)
        sel = {
            "selection": shapely.box(*box),
            "scope": t_plain("large_cell_name", lang, cell=cell_size_label(cm), x=x, y=y),
        }
        with st.spinner(t("large_loading", lang)):
            parcels = _cell_parcels(ws, key, view.cell, wanted, limit)
        if not parcels.attrs.get("truncated"):
            return _parcels_plan(parcels, **sel)
        finer = cell_size_for(box)
        units = _cells(ws, key, wanted, box, finer)
        return Plan(
            "cells",
            total=int(units["n_parcels"].sum()),
            mu=float(units["area_mu"].sum()),
            units=units,
            cell_m=finer,
            **sel,
        )
    if view.area_id is not None:
        area = _area_row(ws, view.area_id)
        if area is not None:
            sel = {"selection": area.geometry, "scope": _area_label(area, lang)}
            by_area = compute.release(ws, ("area",), statuses=view.statuses)
            rows = by_area[by_area["area_id"].astype(str) == view.area_id]
            count = int(rows["n_parcels"].max()) if len(rows) else 0
            mu = float(rows["area_mu"].max()) if len(rows) else 0.0
            if count <= limit:
                with st.spinner(t("large_loading", lang)):
                    found = _area_parcels(ws, key, view.area_id, wanted, limit)
                return _parcels_plan(found, **sel)
            b = tuple(float(v) for v in shapely.bounds(area.geometry))
            finer = cell_size_for(b)  # type: ignore[arg-type]
            units = _cells(ws, key, wanted, b, finer, view.area_id)
            return Plan("cells", total=count, mu=mu, units=units, cell_m=finer, **sel)
    total, mu = summ.n_in(wanted), summ.land_mu(wanted)
    if total <= limit:
        with st.spinner(t("large_loading", lang)):
            found = _all_parcels(ws, key, wanted, limit)
        return _parcels_plan(found)
    if view.unit == "area" and summ.area_cells is not None:
        if view.statuses is None:
            units = summ.area_cells
        else:
            by_area = compute.release(ws, ("area",), statuses=view.statuses)
            units = area_aggregate(ws.get("areas"), by_area, crs=ws.crs)
        return Plan("areas", total=total, mu=mu, units=units)
    if view.statuses is None:
        units, cm = summ.cells, summ.cell_m
    else:
        cm = summ.cell_m
        units = _cells(ws, key, wanted, None, cm)
    return Plan("cells", total=total, mu=mu, units=units, cell_m=cm)


@dataclasses.dataclass
class _MapData:
    """What :func:`geo.render.render_map` reads of a workspace."""

    tables: dict[str, pd.DataFrame]
    schematic: bool


@st.cache_resource(show_spinner=False, max_entries=4)
def _aggregate_specs(version: float) -> dict[str, LayerSpec]:
    by_id = {s.id: s for s in load_layer_specs(layers_dir(), aggregated=True)}
    return {k: by_id[i] for k, i in AGGREGATE_SPEC_IDS.items()}


def _aggregate_spec(spec: LayerSpec, plan: Plan, view: View) -> LayerSpec:
    assert plan.units is not None
    breaks, colors = color_classes(plan.units["area_mu"])
    if view.statuses is None:
        what = Text(t("large_what_freed", "zh"), t("large_what_freed", "en"))
    else:
        what = Text(
            "、".join(widgets.status_label(s, "zh") for s in view.wanted),
            ", ".join(widgets.status_label(s, "en") for s in view.wanted),
        )
    en = what.en[:1].upper() + what.en[1:]
    title = Text(
        t_plain("large_layer_title", "zh", what=what.zh),
        t_plain("large_layer_title", "en", what=en),
    )
    style = dataclasses.replace(spec.style, breaks=breaks, colors=colors)
    return dataclasses.replace(spec, title=title, style=style, aggregate_above=None)


def _unit_rows(ws: Workspace, plan: Plan, lang: Lang) -> pd.DataFrame:
    u = plan.units
    assert u is not None
    if plan.kind == "cells":
        cm = float(plan.cell_m or 0.0)
        name = t_plain("large_unit_cells", lang, cell=cell_size_label(cm))
        return pd.DataFrame(
            {
                "area_id": [
                    cell_id(cm, x, y) for x, y in zip(u["cell_x"], u["cell_y"], strict=True)
                ],
                "unit": "cell",
                "unit_name": name,
                "n_parcels": u["n_parcels"].to_numpy(),
                "area_mu": u["area_mu"].to_numpy(),
                "geometry": np.asarray(u.geometry.array),
            }
        )
    u = u.drop_duplicates(["level", "area_id"], keep="last")
    known = area_names(ws, lang)
    names = [
        known.get(str(a)) or (str(n) if not widgets.is_missing(n) else str(a))
        for n, a in zip(u["area_name"], u["area_id"], strict=True)
    ]
    return pd.DataFrame(
        {
            "area_id": u["area_id"].astype(str).to_numpy(),
            "unit": "area",
            "unit_name": names,
            "n_parcels": u["n_parcels"].to_numpy(),
            "area_mu": u["area_mu"].to_numpy(),
            "geometry": outer_rings(u.geometry.array),
        }
    )


def _outline_rows(ws: Workspace, lang: Lang) -> pd.DataFrame:
    areas = latest_areas(ws)
    if areas is None:
        return pd.DataFrame(columns=["area_id", "unit", "unit_name", "geometry"])
    names = area_names(ws, lang)
    ids = areas["area_id"].astype(str)
    return pd.DataFrame(
        {
            "area_id": ids.to_numpy(),
            "unit": "outline",
            "unit_name": [names.get(a, a) for a in ids],
            "geometry": outer_rings(areas.geometry.array),
        }
    )


def _selection_rows(plan: Plan) -> pd.DataFrame:
    if plan.selection is None:
        return pd.DataFrame(columns=["area_id", "unit", "unit_name", "geometry"])
    return pd.DataFrame(
        {
            "area_id": ["selection"],
            "unit": ["selected"],
            "unit_name": [plan.scope or ""],
            "geometry": [plan.selection],
        }
    )


def _frame(rows: list[pd.DataFrame], crs: Any) -> gpd.GeoDataFrame:
    rows = [r for r in rows if len(r)]
    frame = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame({"geometry": []})
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)


@st.cache_resource(show_spinner=False, max_entries=32)
def _view_map(
    _ws: Workspace,
    _plan: Plan,
    key: WorkspaceKey,
    view: View,
    kind: str,
    limit: int,
    role: str,
    lang: Lang,
    basemap: str,
) -> folium.Map:
    ws, plan = _ws, _plan
    version = _specs_version()
    ordinary, own = _layer_specs(version), _aggregate_specs(version)
    tables: dict[str, pd.DataFrame] = {}
    for name in ("roads", "boundaries"):
        df = ws.get(name)
        if isinstance(df, gpd.GeoDataFrame):
            tables[name] = df
    bounds = None
    if plan.kind == "parcels":
        assert plan.parcels is not None
        areas = latest_areas(ws)
        rows = [] if areas is None else [pd.DataFrame(areas).assign(unit=None)]
        tables["parcels"] = plan.parcels
        tables["areas"] = _frame([*rows, _selection_rows(plan)], ws.crs)
        specs = [*ordinary, own["selection"]]
        if plan.selection is not None:  # a large extent's roads and areas: only those near
            bounds = display_bounds(plan.selection, ws.crs)
        elif plan.clip is not None:  # the map's own view: what meets it, at its scale
            bounds = display_bounds(plan.clip, ws.crs)
            x0, _, x1, _ = shapely.bounds(plan.clip).tolist()
            scale_m = max(1.0, (x1 - x0) / 800.0)
            specs = [
                dataclasses.replace(s, simplify_m=max(s.simplify_m, scale_m))
                if s.table != "parcels"
                else s
                for s in specs
            ]
    else:
        cm = plan.cell_m or 0.0
        simplify = max(1.0, cm / 40.0) if cm else 5.0  # outlines at the grid's scale
        rows = [_unit_rows(ws, plan, lang), _selection_rows(plan)]
        if plan.kind == "cells":
            rows.insert(1, _outline_rows(ws, lang))
        tables["areas"] = _frame(rows, ws.crs)
        tables.pop("roads", None)  # roads are not drawn under an aggregate
        if plan.selection is not None:  # a finer grid over a cell or an area: around it only
            bounds = display_bounds(plan.selection, ws.crs, margin=0.1)
        elif plan.clip is not None:  # the grid over the map's own view
            bounds = display_bounds(plan.clip, ws.crs, margin=0.1)
        specs = [
            _aggregate_spec(own["aggregate"], plan, view),
            dataclasses.replace(own["outlines"], simplify_m=simplify),
            own["selection"],
            *(
                dataclasses.replace(s, simplify_m=max(s.simplify_m, simplify))
                for s in ordinary
                if s.table == "boundaries"
            ),
        ]
    return render_map(
        _MapData(tables, ws.schematic),
        role=role,
        lang=lang,
        basemap=basemap,
        asset_mode="served",
        specs=specs,
        bounds=bounds,
    )


def show_view_map(
    ws: Workspace,
    plan: Plan,
    view: View,
    *,
    lang: Lang,
    role: str,
    key: str,
    height: Height = LARGE_MAP_HEIGHT,
    viewport_key: str | None = None,
    on_view: Callable[[], None] | None = None,
) -> dict[str, Any] | None:
    """Draw the map of a large workspace's ``plan`` (cached); the properties of a clicked feature.

    With ``viewport_key`` the map sends its view at the end of a pan or zoom
    and :func:`set_viewport` keeps it there (then calls ``on_view``): call
    it inside an ``st.fragment``.
    """
    basemap = basemap_name(lang)
    try:
        fmap = _view_map(
            ws, plan, state.dataset_key(ws), view, plan.kind, parcel_limit(), role, lang, basemap
        )
    except Exception as err:  # the rest of the page keeps working
        logger.exception("large-workspace map failed for %s", ws.path)
        st.error(t("map_error", lang, error=err))
        return None
    return show_rendered(
        fmap,
        key=key,
        height=height,
        on_viewport=None
        if viewport_key is None
        else functools.partial(set_viewport, key=viewport_key, then=on_view),
    )


def view_note(plan: Plan, view: View, lang: Lang) -> None:
    """The note over the map: 汇总显示 / aggregated and its figures, or the parcels shown."""
    scope = t("large_scope", lang, name=plan.scope) if plan.scope else ""
    if plan.kind == "parcels":
        shown = plan.parcels if plan.parcels is not None else pd.DataFrame()
        mu = float(shown["area_mu"].sum()) if "area_mu" in shown.columns else 0.0
        st.caption(
            t(
                "large_parcels_shown",
                lang,
                scope=scope,
                n=widgets.fmt_num(len(shown)),
                mu=widgets.fmt_num(mu, 1),
            )
        )
        if plan.truncated:
            st.warning(
                t(
                    "large_truncated",
                    lang,
                    total=widgets.fmt_num(plan.total),
                    n=widgets.fmt_num(len(shown)),
                )
            )
        return
    if view.statuses is None:
        what = t("large_what_freed", lang)
    else:
        sep = "、" if lang == "zh" else ", "
        what = sep.join(widgets.status_label(s, lang) for s in view.wanted)
    unit = (
        t("large_unit_cells", lang, cell=cell_size_label(plan.cell_m or 0.0))
        if plan.kind == "cells"
        else t("large_unit_areas", lang)
    )
    st.info(
        t(
            "large_aggregated",
            lang,
            scope=scope,
            n=widgets.fmt_num(plan.total),
            what=what,
            mu=widgets.fmt_num(plan.mu),
            unit=unit,
            units=widgets.fmt_num(0 if plan.units is None else len(plan.units)),
            limit=widgets.fmt_num(parcel_limit()),
        ),
        icon=":material/grid_view:",
    )
