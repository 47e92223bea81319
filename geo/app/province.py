"""Province mode: a province-size workspace in the app, its parcels never loaded whole.

A workspace with more than :func:`geo.dataset.large.large_threshold`
parcels (50,000 by default, ``$TENGLONG_PROVINCE_PARCELS``) — a GeoParquet
dataset directory, or a large GeoPackage converted once to one
(:func:`geo.dataset.large.dataset_for`) — opens here instead of in
:func:`geo.app.state.load_workspace`:

- opening reads ``meta.json`` and the small tables (areas, boundaries, roads…),
  once per dataset version, shared by every session (:func:`open_province`);
- the headline figures and the map's aggregates come from the engine
  (:func:`geo.engine.headline.headline`, memory engine by default, dask when
  configured: :func:`geo.engine.headline.configured_engine`), computed once
  per dataset version and engine, shared by every session and kept on disk
  for the next server start (:func:`summary`,
  :func:`geo.engine.headline.cached_headline`);
- the map (:func:`show_view_map`) shows freed land per grid cell or per
  planning area, with the areas' outlines, and single parcels only once the
  selection (a clicked cell or area, the area and status filters) holds at
  most :func:`geo.viewport.parcel_limit` parcels (5,000;
  ``$TENGLONG_MAP_PARCELS``)
  (:func:`plan_view`). Every map is cached per dataset version, role,
  language, basemap and view.

Session state: ``pv_status``, ``pv_area``, ``pv_unit`` (the filters),
``pv_cell`` (the grid cell opened: ``(cell_m, cell_x, cell_y)``),
``pv_selected`` (the parcel whose card is open) and ``pv_nav`` (a counter in
the map's widget key: every new view is a new map component, so a click on
the same feature as before still counts).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from geo import schema
from geo.app import editing, map_view, state, widgets
from geo.app.i18n import Lang, t, t_plain
from geo.app.state import ViewWorkspace, WorkspaceKey
from geo.crs import DISPLAY_EPSG, gcj02_to_wgs84
from geo.dataset import open_dataset
from geo.dataset.large import dataset_for
from geo.dataset.parquet import ParquetDataset
from geo.engine.compute import aggregate_for_map, area_aggregate, release_summary
from geo.engine.headline import Headline, cached_headline, configured_engine
from geo.grid import (
    cell_bounds,
    cell_id,
    cell_size_for,
    parse_cell_id,
)
from geo.layers import LayerSpec, Text, layers_dir, load_layer_specs
from geo.render import render_map
from geo.schema import FREED_STATUSES, STATUSES
from geo.siting.finder import latest_areas
from geo.viewport import area_parcels, cell_parcels, in_view, parcel_limit, parcels_in_bounds
from geo.workspace import WorkspaceError

logger = logging.getLogger(__name__)

STATUS_KEY = "pv_status"
AREA_KEY = "pv_area"
UNIT_KEY = "pv_unit"
CELL_KEY = "pv_cell"
SELECTED_KEY = "pv_selected"
NAV_KEY = "pv_nav"
VIEWPORT_KEY = "pv_viewport"
"""The map's view as the element last sent it: ``(west, south, east, north)`` in WGS84."""
MAP_HEIGHT = 640
PALETTE: tuple[str, ...] = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
"""Colours of the aggregate classes, light (little land) to dark (much)."""
SPEC_IDS: dict[str, str] = {
    "aggregate": "aggregate_land",
    "outlines": "aggregate_outlines",
    "selection": "aggregate_selection",
}
"""The layers of the aggregated map in ``layers/`` (``display.aggregated = true``)."""
CARD_COLUMNS: tuple[str, ...] = tuple(c.name for c in schema.PARCELS.columns if c.required)
"""Parcel columns the usual parcel card needs; other datasets get the short card."""


# ---------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------


@dataclass(eq=False)
class ProvinceWorkspace:
    """A province-size workspace as the app holds it: metadata and small tables only.

    It answers what :func:`geo.app.session.page_header` asks of a workspace
    (``path``, ``name``, ``meta``, ``schematic``, ``is_valid``, ``problems``).

    Attributes
    ----------
    path
        What the user opened: a dataset directory or a GeoPackage.
    key
        Its cache key (:func:`geo.app.state.workspace_key`).
    dataset
        The dataset, lazily (a GeoPackage's converted copy).
    source
        ``parquet`` or ``gpkg``.
    """

    path: Path
    key: WorkspaceKey
    dataset: ParquetDataset
    source: Literal["parquet", "gpkg"]

    @property
    def meta(self) -> dict[str, str]:
        return self.dataset.meta

    @property
    def name(self) -> str:
        return self.meta.get("name") or self.path.stem

    @property
    def schematic(self) -> bool:
        return self.dataset.schematic

    @property
    def crs(self) -> Any:
        return self.dataset.crs

    @property
    def n_parcels(self) -> int:
        return self.dataset.n_parcels

    @property
    def parcel_columns(self) -> list[str]:
        return list(self.dataset.info.parcel_columns)

    @property
    def problems(self) -> list[Any]:
        return []

    @property
    def is_valid(self) -> bool:
        return True

    def get(self, name: str) -> pd.DataFrame | None:
        """A small table (never the parcels)."""
        return None if name == "parcels" else self.dataset.tables.get(name)

    @property
    def areas(self) -> gpd.GeoDataFrame | None:
        return self.get("areas")  # type: ignore[return-value]


@st.cache_resource(show_spinner=False, max_entries=4)
def _open(path: str, revision: str) -> ProvinceWorkspace:
    p = Path(path)
    lazy = open_dataset(dataset_for(p), validate=False)
    assert isinstance(lazy, ParquetDataset)
    return ProvinceWorkspace(
        path=p, key=(path, revision), dataset=lazy, source="parquet" if p.is_dir() else "gpkg"
    )


def open_province(path: str | Path, lang: Lang) -> ProvinceWorkspace:
    """Open a province-size workspace once per version (shared by every session).

    A GeoPackage is converted to a GeoParquet dataset the first time
    (:func:`geo.dataset.large.dataset_for`).

    Raises
    ------
    geo.workspace.WorkspaceError
        The workspace cannot be opened, or this is an investor-mode server.
    """
    if state.investor_process():
        raise WorkspaceError(
            "an investor-mode server does not open province-size workspaces; "
            "start a planner instance for them"
        )
    key = state.workspace_key(path)
    with st.spinner(t("province_converting" if Path(path).is_file() else "province_opening", lang)):
        return _open(*key)


# ---------------------------------------------------------------------------
# Figures (engine, cached per dataset version)
# ---------------------------------------------------------------------------


def summary(pw: ProvinceWorkspace, lang: Lang) -> Headline:
    """The headline figures and default aggregates (:func:`geo.engine.headline.headline`)."""
    engine = configured_engine()
    with st.spinner(t("province_computing", lang)):
        # The one cache of the headline, per dataset revision (in this process and on disk).
        return cached_headline(pw.dataset.path, engine=engine)


def mode_caption(pw: ProvinceWorkspace, summ: Headline, lang: Lang) -> None:
    """The caption saying province mode, the parcels, and which engine took how long."""
    st.caption(
        t(
            "province_mode",
            lang,
            n=widgets.fmt_num(pw.n_parcels),
            engine=summ.engine,
            seconds=f"{summ.seconds:.1f}",
        )
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def _release(
    _pw: ProvinceWorkspace,
    key: WorkspaceKey,
    engine: str,
    by: tuple[str, ...],
    statuses: tuple[str, ...] | None,
) -> pd.DataFrame:
    return release_summary(_pw.dataset, by=list(by), statuses=statuses, engine=engine)  # type: ignore[arg-type]


def release(
    pw: ProvinceWorkspace,
    summ: Headline,
    by: Iterable[str],
    *,
    statuses: Iterable[str] | None = None,
) -> pd.DataFrame:
    """:func:`geo.engine.compute.release_summary` of the dataset, cached per version.

    Freed land by status or by area is the precomputed :class:`Headline`'s.
    """
    dims = tuple(by)
    wanted = None if statuses is None else tuple(s for s in STATUSES if s in set(statuses))
    if wanted == tuple(FREED_STATUSES):
        wanted = None
    if wanted is None and dims == ("status",):
        rows = summ.by_status[summ.by_status["status"].isin(FREED_STATUSES)]
        return rows.reset_index(drop=True)
    if wanted is None and dims == ("area",) and summ.by_area is not None:
        return summ.by_area
    return _release(pw, pw.key, configured_engine(), dims, wanted)


@st.cache_resource(show_spinner=False, max_entries=32)
def _cells(
    _pw: ProvinceWorkspace,
    key: WorkspaceKey,
    statuses: tuple[str, ...],
    bounds: tuple[float, float, float, float] | None,
    cell_m: float,
    area_id: str | None = None,
) -> gpd.GeoDataFrame:
    area = _area_row(_pw, area_id) if area_id is not None else None
    return aggregate_for_map(
        _pw.dataset,
        cell_m=cell_m,
        bounds=bounds,
        statuses=statuses,
        within=None if area is None else area.geometry,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _cell_parcels(
    _pw: ProvinceWorkspace,
    key: WorkspaceKey,
    cell: tuple[float, int, int],
    statuses: tuple[str, ...],
    limit: int,
) -> gpd.GeoDataFrame:
    return cell_parcels(_pw.dataset, *cell, statuses=statuses, limit=limit)


@st.cache_resource(show_spinner=False, max_entries=16)
def _area_parcels(
    _pw: ProvinceWorkspace, key: WorkspaceKey, area_id: str, statuses: tuple[str, ...], limit: int
) -> gpd.GeoDataFrame:
    area = _area_row(_pw, area_id)
    assert area is not None
    return area_parcels(
        _pw.dataset, area.geometry, statuses=statuses, limit=limit, candidates=10 * max(limit, 1)
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def _all_parcels(
    _pw: ProvinceWorkspace, key: WorkspaceKey, statuses: tuple[str, ...], limit: int
) -> gpd.GeoDataFrame:
    bounds = _pw.dataset.info.total_bounds
    if bounds is None:  # no parcel has a geometry
        return gpd.GeoDataFrame({"parcel_id": [], "status": []}, geometry=[], crs=_pw.crs)
    return parcels_in_bounds(_pw.dataset, bounds, limit=limit, statuses=statuses)


def _latest(pw: ProvinceWorkspace) -> gpd.GeoDataFrame | None:
    areas = pw.areas
    if areas is None or not len(areas):
        return None
    return latest_areas(areas).drop_duplicates("area_id", keep="last")  # type: ignore[return-value]


@st.cache_resource(show_spinner=False, max_entries=16)
def _names(_pw: ProvinceWorkspace, key: WorkspaceKey, lang: Lang) -> dict[str, str]:
    areas = _latest(_pw)
    if areas is None:
        return {}
    return {str(r["area_id"]): _area_label(r, lang) for _, r in areas.iterrows()}


def area_names(pw: ProvinceWorkspace, lang: Lang) -> dict[str, str]:
    """Area id → name in ``lang`` of the latest version of every area (cached)."""
    return _names(pw, pw.key, lang)


def _area_row(pw: ProvinceWorkspace, area_id: str) -> pd.Series | None:
    areas = _latest(pw)
    if areas is None:
        return None
    hit = areas[areas["area_id"].astype(str) == str(area_id)]
    return None if hit.empty else hit.iloc[0]


# ---------------------------------------------------------------------------
# The view: what the user selected, and what the map shows for it
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """What the user selected: statuses, an area, a grid cell, the aggregate unit."""

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


def current_view() -> View:
    """The view of this session (from the filters, the opened cell and the unit)."""
    chosen = set(st.session_state.get(STATUS_KEY) or ())
    statuses = tuple(s for s in STATUSES if s in chosen) or None
    if statuses == tuple(FREED_STATUSES):
        statuses = None
    area = st.session_state.get(AREA_KEY) or None
    raw = st.session_state.get(CELL_KEY)
    cell = None
    if raw is not None:
        cell = parse_cell_id(cell_id(*raw)) if len(raw) == 3 else None
    unit = "area" if st.session_state.get(UNIT_KEY) == "area" else "cell"
    bounds = viewport_bounds(VIEWPORT_KEY)
    return View(
        statuses=statuses,
        area_id=str(area) if area else None,
        cell=cell,
        unit=unit,
        bounds=bounds,
    )


def viewport_bounds(key: str = VIEWPORT_KEY) -> tuple[float, float, float, float] | None:
    """The view a viewport-driven map last sent (WGS84), kept under ``key``, or None."""
    raw = st.session_state.get(key)
    if not raw or len(raw) != 4:
        return None
    return tuple(float(v) for v in raw)  # type: ignore[return-value]


def set_viewport(value: Mapping[str, Any], *, key: str = VIEWPORT_KEY) -> None:
    """Keep the view the map sent (``on_viewport`` of :func:`geo.app.map_view.show_rendered`).

    Over the Gaode basemap the view is in GCJ-02: shifted back to WGS84.
    Leaving the overview's grid cell by panning closes it: the map shows what
    is in view. ``key``: where the view is kept (one per page).
    """
    try:
        w, s_, e, n = (float(v) for v in value["bounds"])
    except (KeyError, TypeError, ValueError):
        logger.warning("ignored a malformed map view: %r", value)
        return
    if map_view.basemap_name(state.lang()) == "gaode":
        lon, lat = gcj02_to_wgs84(np.array([w, e]), np.array([s_, n]))
        w, e, s_, n = float(lon[0]), float(lon[1]), float(lat[0]), float(lat[1])
    st.session_state[key] = (w, s_, e, n)
    if key == VIEWPORT_KEY:
        st.session_state[CELL_KEY] = None


@dataclass
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
    """The map's view (a box in the dataset's CRS) when the plan is for it: only what
    meets it is drawn, areas and roads simplified to its scale."""


def cell_size_label(cell_m: float) -> str:
    """``2 km``, ``250 m``.

    Examples
    --------
    >>> cell_size_label(2000.0), cell_size_label(250.0), cell_size_label(2500.0)
    ('2 km', '250 m', '2.5 km')
    """
    if cell_m >= 1000:
        return f"{cell_m / 1000:g} km"
    return f"{cell_m:g} m"


def _area_label(row: Mapping[str, Any] | pd.Series, lang: Lang) -> str:
    return widgets.area_name(row, lang) or str(row.get("area_id", ""))


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


def plan_view(pw: ProvinceWorkspace, summ: Headline, view: View, lang: Lang) -> Plan:
    """What the map shows for ``view``: an aggregate, or the selection's parcels.

    Single parcels are shown once the selection (a grid cell, an area, the
    statuses) holds at most :func:`~geo.viewport.parcel_limit` of
    them; a larger cell or area is shown as a finer grid over its extent.
    """
    wanted = view.wanted
    limit = parcel_limit()
    if view.bounds is not None and view.cell is None and view.area_id is None:
        scope = {"scope": t_plain("province_in_view", lang)}
        with st.spinner(t("province_loading", lang)):
            seen = in_view(pw.dataset, view.bounds, statuses=wanted, budget=limit)
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
            "scope": t_plain("province_cell_name", lang, cell=cell_size_label(cm), x=x, y=y),
        }
        with st.spinner(t("province_loading", lang)):
            parcels = _cell_parcels(pw, pw.key, view.cell, wanted, limit)
        if not parcels.attrs.get("truncated"):
            return _parcels_plan(parcels, **sel)
        finer = cell_size_for(box)
        units = _cells(pw, pw.key, wanted, box, finer)
        return Plan(
            "cells",
            total=int(units["n_parcels"].sum()),
            mu=float(units["area_mu"].sum()),
            units=units,
            cell_m=finer,
            **sel,
        )
    if view.area_id is not None:
        area = _area_row(pw, view.area_id)
        if area is not None:
            sel = {"selection": area.geometry, "scope": _area_label(area, lang)}
            by_area = release(pw, summ, ("area",), statuses=view.statuses)
            rows = by_area[by_area["area_id"].astype(str) == view.area_id]
            count = int(rows["n_parcels"].max()) if len(rows) else 0
            mu = float(rows["area_mu"].max()) if len(rows) else 0.0
            if count <= limit:
                with st.spinner(t("province_loading", lang)):
                    found = _area_parcels(pw, pw.key, view.area_id, wanted, limit)
                return _parcels_plan(found, **sel)
            b = tuple(float(v) for v in shapely.bounds(area.geometry))
            finer = cell_size_for(b)  # type: ignore[arg-type]
            units = _cells(pw, pw.key, wanted, b, finer, view.area_id)
            return Plan("cells", total=count, mu=mu, units=units, cell_m=finer, **sel)
    total, mu = summ.n_in(wanted), summ.land_mu(wanted)
    if total <= limit:
        with st.spinner(t("province_loading", lang)):
            found = _all_parcels(pw, pw.key, wanted, limit)
        return _parcels_plan(found)
    if view.unit == "area" and summ.area_cells is not None:
        if view.statuses is None:
            units = summ.area_cells
        else:
            by_area = release(pw, summ, ("area",), statuses=view.statuses)
            units = area_aggregate(pw.areas, by_area, crs=pw.crs)  # type: ignore[arg-type]
        return Plan("areas", total=total, mu=mu, units=units)
    if view.statuses is None:
        units, cm = summ.cells, summ.cell_m
    else:
        cm = summ.cell_m
        units = _cells(pw, pw.key, wanted, None, cm)
    return Plan("cells", total=total, mu=mu, units=units, cell_m=cm)


# ---------------------------------------------------------------------------
# Maps (cached per dataset version, role, language, basemap and view)
# ---------------------------------------------------------------------------


@dataclass
class _MapData:
    """What :func:`geo.render.render_map` reads of a workspace."""

    tables: dict[str, pd.DataFrame]
    schematic: bool


def _specs_version() -> float:
    folder = layers_dir()
    return max((p.stat().st_mtime for p in folder.glob("*.toml")), default=0.0)


@st.cache_resource(show_spinner=False, max_entries=4)
def _specs(version: float) -> tuple[list[LayerSpec], dict[str, LayerSpec]]:
    folder = layers_dir()
    by_id = {s.id: s for s in load_layer_specs(folder, aggregated=True)}
    own = {k: by_id[i] for k, i in SPEC_IDS.items()}
    return load_layer_specs(folder), own


def color_classes(values: Any) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Class breaks (quintiles, two significant digits) and colours for aggregate values.

    Examples
    --------
    >>> breaks, colors = color_classes([1, 5, 12, 50, 120, 400, 1000, 3000])
    >>> breaks, len(colors) == len(breaks) + 1
    ((7.8, 42.0, 180.0, 760.0), True)
    >>> color_classes([])
    ((1.0,), ('#ffffcc', '#800026'))
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return (1.0,), (PALETTE[0], PALETTE[-1])
    qs = np.quantile(v, [0.2, 0.4, 0.6, 0.8])
    breaks = tuple(sorted({float(f"{q:.2g}") for q in qs if q > 0}))
    if not breaks:
        breaks = (float(f"{v.max():.2g}"),)
    pick = np.linspace(0, len(PALETTE) - 1, len(breaks) + 1).round().astype(int)
    return breaks, tuple(PALETTE[i] for i in pick)


def _outer(geoms: Any) -> np.ndarray:
    """Polygons without their holes (a display copy: outlines need only the outer rings)."""
    arr = np.asarray(geoms, dtype=object)
    out = np.empty(len(arr), dtype=object)
    out[:] = None
    parts, idx = shapely.get_parts(arr, return_index=True)
    if not len(parts):
        return out
    polys = shapely.polygons(shapely.get_exterior_ring(parts))
    uniq = np.unique(idx)
    out[uniq] = shapely.multipolygons(polys, indices=np.searchsorted(uniq, idx))
    return out


def _unit_rows(pw: ProvinceWorkspace, plan: Plan, lang: Lang) -> pd.DataFrame:
    u = plan.units
    assert u is not None
    if plan.kind == "cells":
        cm = float(plan.cell_m or 0.0)
        name = t_plain("province_unit_cells", lang, cell=cell_size_label(cm))
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
    known = area_names(pw, lang)
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
            "geometry": _outer(u.geometry.array),
        }
    )


def _outline_rows(pw: ProvinceWorkspace, lang: Lang) -> pd.DataFrame:
    areas = _latest(pw)
    if areas is None:
        return pd.DataFrame(columns=["area_id", "unit", "unit_name", "geometry"])
    names = area_names(pw, lang)
    ids = areas["area_id"].astype(str)
    return pd.DataFrame(
        {
            "area_id": ids.to_numpy(),
            "unit": "outline",
            "unit_name": [names.get(a, a) for a in ids],
            "geometry": _outer(areas.geometry.array),
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


def _aggregate_spec(spec: LayerSpec, plan: Plan, view: View, lang: Lang) -> LayerSpec:
    assert plan.units is not None
    breaks, colors = color_classes(plan.units["area_mu"])
    if view.statuses is None:
        what = Text(t("province_what_freed", "zh"), t("province_what_freed", "en"))
    else:
        what = Text(
            "、".join(widgets.status_label(s, "zh") for s in view.wanted),
            ", ".join(widgets.status_label(s, "en") for s in view.wanted),
        )
    en = what.en[:1].upper() + what.en[1:]
    title = Text(
        t_plain("province_layer_title", "zh", what=what.zh),
        t_plain("province_layer_title", "en", what=en),
    )
    style = dataclasses.replace(spec.style, breaks=breaks, colors=colors)
    return dataclasses.replace(spec, title=title, style=style, aggregate_above=None)


def _simplify_m(plan: Plan, pw: ProvinceWorkspace) -> float:
    """Outlines simplified to the grid's scale (a 40th of a cell)."""
    cm = plan.cell_m or 0.0
    return max(1.0, cm / 40.0) if cm else 5.0


@st.cache_resource(show_spinner=False, max_entries=32)
def _view_map(
    _pw: ProvinceWorkspace,
    _plan: Plan,
    key: WorkspaceKey,
    view: View,
    kind: str,
    limit: int,
    role: str,
    lang: Lang,
    basemap: str,
) -> folium.Map:
    ordinary, own = _specs(_specs_version())
    pw, plan = _pw, _plan
    tables: dict[str, pd.DataFrame] = {}
    for name in ("roads", "boundaries"):
        df = pw.get(name)
        if isinstance(df, gpd.GeoDataFrame):
            tables[name] = df
    bounds = None
    if plan.kind == "parcels":
        assert plan.parcels is not None
        areas = _latest(pw)
        rows = [] if areas is None else [pd.DataFrame(areas).assign(unit=None)]
        tables["parcels"] = plan.parcels
        tables["areas"] = _frame([*rows, _selection_rows(plan)], pw.crs)
        specs = [*ordinary, own["selection"]]
        if plan.selection is not None:  # a province's roads and areas: only those near
            bounds = _display_bounds(plan.selection, pw.crs)
        elif plan.clip is not None:  # the map's own view: what meets it, at its scale
            bounds = _display_bounds(plan.clip, pw.crs)
            x0, _, x1, _ = shapely.bounds(plan.clip).tolist()
            scale_m = max(1.0, (x1 - x0) / 800.0)
            specs = [
                dataclasses.replace(s, simplify_m=max(s.simplify_m, scale_m))
                if s.table != "parcels"
                else s
                for s in specs
            ]
    else:
        simplify = _simplify_m(plan, pw)
        rows = [_unit_rows(pw, plan, lang), _selection_rows(plan)]
        if plan.kind == "cells":
            rows.insert(1, _outline_rows(pw, lang))
        tables["areas"] = _frame(rows, pw.crs)
        tables.pop("roads", None)  # a province's roads are not drawn under an aggregate
        if plan.selection is not None:  # a finer grid over a cell or an area: around it only
            bounds = _display_bounds(plan.selection, pw.crs, margin=0.1)
        elif plan.clip is not None:  # the grid over the map's own view
            bounds = _display_bounds(plan.clip, pw.crs, margin=0.1)
        specs = [
            _aggregate_spec(own["aggregate"], plan, view, lang),
            dataclasses.replace(own["outlines"], simplify_m=simplify),
            own["selection"],
            *(
                dataclasses.replace(s, simplify_m=max(s.simplify_m, simplify))
                for s in ordinary
                if s.table == "boundaries"
            ),
        ]
    return render_map(
        _MapData(tables, pw.schematic),
        role=role,
        lang=lang,
        basemap=basemap,
        asset_mode="served",
        specs=specs,
        bounds=bounds,
    )


def _display_bounds(selection: Any, crs: Any, *, margin: float = 0.5) -> tuple[float, ...]:
    """The selection's box grown by ``margin`` on each side, in display lon/lat."""
    x0, y0, x1, y1 = shapely.bounds(selection).tolist()
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    box = shapely.box(x0 - dx, y0 - dy, x1 + dx, y1 + dy)
    return tuple(float(v) for v in gpd.GeoSeries([box], crs=crs).to_crs(DISPLAY_EPSG).total_bounds)


def show_view_map(
    pw: ProvinceWorkspace,
    plan: Plan,
    view: View,
    *,
    lang: Lang,
    role: str,
    key: str,
    height: int = MAP_HEIGHT,
    viewport_key: str | None = None,
) -> dict[str, Any] | None:
    """Draw the map of ``plan`` (cached) and return the properties of a clicked feature.

    With ``viewport_key`` the map sends its view at the end of a pan or zoom
    and :func:`set_viewport` keeps it there: call it inside an ``st.fragment``.
    """
    basemap = map_view.basemap_name(lang)
    try:
        fmap = _view_map(pw, plan, pw.key, view, plan.kind, parcel_limit(), role, lang, basemap)
    except Exception as err:  # the rest of the page keeps working
        logger.exception("province map failed for %s", pw.path)
        st.error(t("map_error", lang, error=err))
        return None
    nav = int(st.session_state.get(NAV_KEY, 0))
    return map_view.show_rendered(
        fmap,
        key=f"{key}_{nav}",
        height=height,
        on_viewport=None
        if viewport_key is None
        else functools.partial(set_viewport, key=viewport_key),
    )


# ---------------------------------------------------------------------------
# Navigation: clicks, filters, back
# ---------------------------------------------------------------------------


def _next_view() -> None:
    st.session_state[NAV_KEY] = int(st.session_state.get(NAV_KEY, 0)) + 1
    st.session_state.pop(SELECTED_KEY, None)
    st.session_state.pop(VIEWPORT_KEY, None)  # a new map fits its selection


def reset_cell() -> None:
    """Close the opened grid cell (a filter changed)."""
    st.session_state[CELL_KEY] = None
    _next_view()


def back_to_overview() -> None:
    """Close the opened cell or area (the "back to overview" button)."""
    st.session_state[CELL_KEY] = None
    st.session_state[AREA_KEY] = None
    _next_view()


def handle_click(props: Mapping[str, Any] | None) -> None:
    """Open the clicked cell or area (a new run), or select the clicked parcel."""
    if not props:
        return
    unit = props.get("unit")
    if unit == "cell":
        cell = parse_cell_id(props.get("area_id"))
        if cell is not None:
            st.session_state[CELL_KEY] = cell
            _next_view()
            st.rerun()
    elif unit in ("area", "outline") and props.get("area_id"):
        st.session_state[AREA_KEY] = str(props["area_id"])
        st.session_state[CELL_KEY] = None
        _next_view()
        st.rerun()
    elif props.get("parcel_id") is not None:
        st.session_state[SELECTED_KEY] = str(props["parcel_id"])


def filter_widgets(pw: ProvinceWorkspace, summ: Headline, view: View, lang: Lang) -> None:
    """Status and area filters, the aggregate unit, and "back to overview"."""
    present = set(summ.by_status.loc[summ.by_status["n_parcels"] > 0, "status"])
    names = area_names(pw, lang)
    if st.session_state.get(AREA_KEY) not in (None, *names):
        st.session_state[AREA_KEY] = None
    c1, c2, c3, c4 = st.columns([1.4, 1.2, 1.0, 0.8])
    c1.multiselect(
        t("filter_status", lang),
        [s for s in STATUSES if s in present],
        format_func=lambda s: widgets.status_label(s, lang),
        key=STATUS_KEY,
        placeholder=t("province_status_default", lang),
        on_change=reset_cell,
        select_all=False,
    )
    c2.selectbox(
        t("filter_area", lang),
        [None, *names],
        format_func=lambda a: t("all", lang) if a is None else names.get(a, a),
        key=AREA_KEY,
        on_change=reset_cell,
    )
    if summ.area_cells is not None:
        c3.radio(
            t("province_unit", lang),
            ["cell", "area"],
            format_func=lambda u: t(f"province_unit_{u}", lang),
            key=UNIT_KEY,
            horizontal=True,
            on_change=_next_view,
            disabled=view.narrowed,
        )
    if view.narrowed:
        c4.button(
            t("province_back", lang),
            key="pv_back",
            on_click=back_to_overview,
            icon=":material/arrow_back:",
        )


def view_note(plan: Plan, view: View, lang: Lang) -> None:
    """The note over the map: 汇总显示 / aggregated and its figures, or the parcels shown."""
    scope = t("province_scope", lang, name=plan.scope) if plan.scope else ""
    if plan.kind == "parcels":
        shown = plan.parcels if plan.parcels is not None else pd.DataFrame()
        mu = float(shown["area_mu"].sum()) if "area_mu" in shown.columns else 0.0
        st.caption(
            t(
                "province_parcels_shown",
                lang,
                scope=scope,
                n=widgets.fmt_num(len(shown)),
                mu=widgets.fmt_num(mu, 1),
            )
        )
        if plan.truncated:
            st.warning(
                t(
                    "province_truncated",
                    lang,
                    total=widgets.fmt_num(plan.total),
                    n=widgets.fmt_num(len(shown)),
                )
            )
        return
    if view.statuses is None:
        what = t("province_what_freed", lang)
    else:
        sep = "、" if lang == "zh" else ", "
        what = sep.join(widgets.status_label(s, lang) for s in view.wanted)
    unit = (
        t("province_unit_cells", lang, cell=cell_size_label(plan.cell_m or 0.0))
        if plan.kind == "cells"
        else t("province_unit_areas", lang)
    )
    st.info(
        t(
            "province_aggregated",
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


# ---------------------------------------------------------------------------
# Tables and the parcel card
# ---------------------------------------------------------------------------


def parcels_table(plan: Plan, lang: Lang) -> None:
    """The parcels shown on the map: ID, name, status, 亩."""
    if plan.parcels is None:
        return
    df = pd.DataFrame(plan.parcels.drop(columns="geometry"))
    if "status" in df.columns:
        df["status_label"] = df["status"].map(lambda s: widgets.status_label(s, lang))
    st.markdown(f"**{t('province_parcels_table', lang)}**")
    widgets.table(
        df,
        {
            "parcel_id": t("col_parcel_id", lang),
            "name": t("col_name", lang),
            "status_label": t("status", lang),
            "area_mu": t("col_area_mu", lang),
        },
        formats={"area_mu": "%.1f"},
        height=320,
        key="pv_parcels_table",
    )


def areas_table(by_area: pd.DataFrame, lang: Lang) -> None:
    """Freed land of the top-level areas and outside them (engine figures)."""
    df = by_area[(by_area["level"] == 0) | (by_area["area_id"] == "outside")].copy()
    df["area_label"] = [
        t("outside", lang)
        if r["area_id"] == "outside"
        else widgets.area_name(r, lang, prefix="area_") or str(r["area_id"])
        for _, r in df.iterrows()
    ]
    st.markdown(f"**{t('province_areas_table', lang)}**")
    widgets.table(
        df,
        {
            "area_label": t("col_area", lang),
            "n_parcels": t("col_parcels", lang),
            "area_mu": t("col_area_mu", lang),
        },
        formats={"area_mu": "%.1f"},
        height=320,
        key="pv_areas_table",
    )


def parcel_card(pw: ProvinceWorkspace, plan: Plan, parcel_id: str, lang: Lang, role: str) -> bool:
    """The card of a parcel shown on the map; False when it is not shown any more.

    The usual card (:func:`geo.app.widgets.parcel_card`) when the dataset has
    the parcel columns it needs, on a :class:`~geo.app.state.ViewWorkspace`
    of that one parcel and the small tables; else a short card of the
    parcel's fields. A large GeoPackage is edited on the card as a small one
    is (:func:`geo.app.editing.status_editor`: the store, with audit and
    optimistic concurrency); the next run reads its new revision (converted
    again, never a stale copy). A GeoParquet dataset directory is read-only.
    """
    if plan.parcels is None or "parcel_id" not in plan.parcels.columns:
        return False
    hit = plan.parcels[plan.parcels["parcel_id"].astype(str) == str(parcel_id)]
    if hit.empty:
        return False
    one = hit.iloc[[0]]
    full = all(c in one.columns for c in CARD_COLUMNS)
    view = ViewWorkspace(
        path=pw.dataset.path,
        tables={"parcels": one, **pw.dataset.tables},
        crs=pw.crs,
        meta=dict(pw.meta),
        view_key=(f"{pw.key[0]}#parcel={parcel_id}", pw.key[1]),
    )
    if full:
        widgets.parcel_card(view, str(parcel_id), lang, role=role)
    else:
        _short_card(one.iloc[0], lang, role)
    if full and pw.path.is_file():  # a GeoPackage: edits go to its store
        editing.status_editor(dataclasses.replace(view, path=pw.path), one.iloc[0], lang, role=role)
        st.caption(t("large_edit_note", lang))
    else:
        st.caption(t("province_read_only", lang))
    return True


def _short_card(p: pd.Series, lang: Lang, role: str) -> None:
    with st.container(border=True, key="parcel_card"):
        st.markdown(f"#### {widgets.md(p.get('parcel_id'))}")
        st.caption(
            f"{t('status', lang)}: {widgets.md(widgets.status_label(p.get('status'), lang))}"
        )
        st.metric(t("area_mu", lang), widgets.fmt_num(p.get("area_mu"), 1))
        internal = set(schema.PARCELS.internal)
        rows = []
        for col in p.index:
            if col in ("geometry", "parcel_id", "status", "area_mu", "area_m2"):
                continue
            if col in internal and role != "planner":
                continue
            value = p[col]
            if widgets.is_missing(value):
                continue
            label = schema.column_label("parcels", col, lang)
            rows.append(f"- **{widgets.md(label)}**: {widgets.md(value)}")
        if rows:
            st.markdown("\n".join(rows))


__all__ = [
    "PALETTE",
    "Plan",
    "ProvinceWorkspace",
    "View",
    "area_names",
    "areas_table",
    "back_to_overview",
    "cell_size_label",
    "color_classes",
    "current_view",
    "filter_widgets",
    "handle_click",
    "mode_caption",
    "open_province",
    "parcel_card",
    "parcels_table",
    "plan_view",
    "release",
    "reset_cell",
    "show_view_map",
    "summary",
    "view_note",
]
