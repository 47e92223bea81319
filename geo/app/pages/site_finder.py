"""招商选址 Site finder: available sites by project, size, park, industry and road access.

The sites are 连片: adjacent available parcels (sharing an edge, or within
the gap the officer sets, 10 m by default) are offered as one site
(:mod:`geo.siting`), with its total 亩, outline, member parcels and combined
attributes; a parcel whose planned use does not admit the chosen project is
not listed. The fit is shown only when the brief has a criterion, with its
parts. Each card has the site sheet (PDF) one click away; a click on a site
on the map (an assembled site's outline) opens its card.

Presentation mode (``?present=1``) shows an investor the chosen sites with no
sidebar, no planner control and no internal field: the parcels come from
:func:`geo.app.state.workspace_for` with the ``investor`` role and the map is
rendered for the investor on the server (:mod:`geo.layers` whitelists its
fields). The URL carries the view (page, workspace, filters, selected site,
presentation flag, language): a link for colleagues.

The link for investors is a signed, expiring share link
(``BASE_URL/site-finder?share=TOKEN``, :mod:`geo.sharing`): the token
carries the workspace, the brief and the language, and the session it opens
stays an investor presentation (:func:`geo.app.state.share_session`). Its URL
then carries only the token.
"""

from __future__ import annotations

import logging
import math
import time
import urllib.parse
from dataclasses import replace

import pandas as pd
import streamlit as st

from geo import sharing
from geo.app import chips, compute, session, site_cards, state, widgets
from geo.app.i18n import Lang, t, t_plain, term
from geo.app.map_view import show_map
from geo.app.site_brief import (
    GAP_MAX_M,
    ROAD_MAX_KM,
    Brief,
    brief_from_query,
    brief_to_query,
    current_brief,
    restore_brief,
    set_brief,
)
from geo.app.site_cards import card_key, sheet_file_name
from geo.siting import assembly, finder
from geo.siting.uses import load_admits
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

MAX_CARDS = 12
CARDS_PER_ROW = 3
MAP_LAYERS = (
    "assembled_sites",
    "boundaries",
    "areas_kind",
    "plates",
    "forest_park",
    "available_sites",
    "parcels_status",
    "roads",
)


def _seed_widgets(brief: Brief) -> None:
    """Give the filter widgets the brief's values when they have none (first visit, share link)."""
    seeds = {
        "sf_area": brief.area or None,
        "sf_industry": brief.industry or None,
        "sf_use": brief.use or None,
        "sf_road_id": brief.road or None,
        "sf_road_km": min(brief.road_km, ROAD_MAX_KM),
        "sf_gap": min(brief.gap_m, GAP_MAX_M),
        "sf_avail": brief.available,
    }
    for key, value in seeds.items():
        if key not in st.session_state:
            st.session_state[key] = value


def _seed_size(brief: Brief, max_mu: float) -> None:
    """The size slider's range within 0 … ``max_mu`` (the largest site of the current choice)."""
    if "sf_size" not in st.session_state:
        hi = brief.max_mu if brief.max_mu else max_mu
        st.session_state["sf_size"] = (min(brief.min_mu, max_mu), min(hi, max_mu))
    lo, hi = st.session_state["sf_size"]
    if not 0 <= lo <= hi <= max_mu:
        st.session_state["sf_size"] = (min(max(lo, 0.0), max_mu), max_mu)


def _road_names(ws: Workspace, lang: Lang) -> dict[str, str]:
    roads = ws.get("roads")
    if roads is None or not len(roads) or "road_id" not in roads.columns:
        return {}
    out: dict[str, str] = {}
    for _, r in roads.iterrows():
        name = (
            r.get("name_en") if lang == "en" and not widgets.is_missing(r.get("name_en")) else None
        )
        name = name or (r.get("name") if not widgets.is_missing(r.get("name")) else None)
        rid = str(r["road_id"])
        out[rid] = f"{name} ({rid})" if name and str(name) != rid else rid
    return out


def _controls(ws: Workspace, lang: Lang) -> tuple[Brief, pd.DataFrame, int]:
    """The brief's widgets; returns the brief, its candidate sites and the parcels left out."""
    areas = finder.latest_areas(ws.areas)
    areas = areas[areas["kind"].isin(finder.PLACE_KINDS)]
    names = {str(r["area_id"]): widgets.area_name(r, lang) for _, r in areas.iterrows()}
    inds = finder.industries_offered(ws.areas)
    admits = load_admits()
    uses = list(admits.categories)
    roads = _road_names(ws, lang)
    _seed_widgets(current_brief())
    rows = {str(r["area_id"]): r for _, r in areas.iterrows()}
    state.untranslate(
        "sf_area",
        [None, *names],
        lambda a, lg: t_plain("all", lg) if a is None else widgets.area_name(rows[a], lg),
    )
    state.untranslate(
        "sf_industry", [None, *inds], lambda v, lg: t_plain("all", lg) if v is None else term(v, lg)
    )
    state.untranslate(
        "sf_use",
        [None, *uses],
        lambda v, lg: t_plain("sf_any_use", lg) if v is None else admits.label(v, lg),
    )
    state.untranslate(
        "sf_road_id",
        [None, *roads],
        lambda v, lg: t_plain("sf_any_road", lg) if v is None else _road_names(ws, lg)[v],
    )
    for key, known in (
        ("sf_area", names),
        ("sf_industry", inds),
        ("sf_use", uses),
        ("sf_road_id", roads),
    ):
        if st.session_state.get(key) not in (None, *known):
            st.session_state[key] = None
    # The project and the gap decide the candidates, and so the size slider's end.
    gap = float(st.session_state.get("sf_gap") or 0.0)
    use = st.session_state.get("sf_use")
    available = bool(st.session_state.get("sf_avail", True))
    sites = compute.candidate_sites(ws, state.role(), use=use, gap_m=gap, available=available)
    max_mu = _max_mu(sites)
    _seed_size(current_brief(), max_mu)
    # Two rows, so that the map below starts near the top of the page.
    c1, c2, c3, c4 = st.columns([1.2, 1.5, 1.1, 0.9], vertical_alignment="center")
    use = c1.selectbox(
        t("sf_use", lang),
        [None, *uses],
        format_func=lambda v: t("sf_any_use", lang) if v is None else admits.label(v, lang),
        key="sf_use",
        persist_state="session",
        help=t("sf_use_help", lang),
        placeholder=t_plain("sf_any_use", lang),  # None reads as "no choice" to Streamlit
    )
    lo, hi = c2.slider(
        t("sf_size", lang),
        0.0,
        max_mu,
        step=1.0,
        key="sf_size",
        persist_state="session",
        format="%.0f",
    )
    road = c3.selectbox(
        t("sf_road_pick", lang),
        [None, *roads],
        format_func=lambda v: t("sf_any_road", lang) if v is None else roads[v],
        key="sf_road_id",
        persist_state="session",
        placeholder=t_plain("sf_any_road", lang),
    )
    road_km = c4.slider(
        t("sf_road_km", lang),
        0.0,
        ROAD_MAX_KM,
        step=0.5,
        format="%.1f",
        key="sf_road_km",
        persist_state="session",
        help=t("sf_road_help", lang),
    )
    d1, d2, d3, d4 = st.columns([1.2, 1.5, 1.1, 0.9], vertical_alignment="center")
    area = d1.selectbox(
        t("sf_park", lang),
        [None, *names],
        format_func=lambda a: t("all", lang) if a is None else names[a],
        placeholder=t("all", lang),
        key="sf_area",
        persist_state="session",
    )
    industry = d2.selectbox(
        t("sf_industry", lang),
        [None, *inds],
        format_func=lambda v: t("all", lang) if v is None else term(v, lang),
        placeholder=t("all", lang),
        key="sf_industry",
        persist_state="session",
    )
    gap = d3.number_input(
        t("sf_gap", lang),
        min_value=0.0,
        max_value=GAP_MAX_M,
        step=5.0,
        format="%.0f",
        key="sf_gap",
        persist_state="session",
        help=t("sf_gap_help", lang),
    )
    available = d4.toggle(
        t("sf_available", lang),
        key="sf_avail",
        persist_state="session",
        help=t("sf_available_help", lang),
    )
    old = current_brief()
    brief = Brief(
        min_mu=float(lo),
        max_mu=0.0 if hi >= max_mu else float(hi),
        area=area or "",
        industry=industry or "",
        use=use or "",
        road=road or "",
        road_km=float(road_km),
        gap_m=float(gap),
        available=bool(available),
        site=old.site,
    )
    view = state.workspace_for(ws, state.role())
    statuses = set(finder.AVAILABLE_STATUSES)
    on_offer = view.parcels[view.parcels["status"].isin(statuses).to_numpy()]
    left_out = int((~finder.offerable(on_offer, brief.use or None)).sum())
    _chips(ws, brief, lang)
    return brief, sites, left_out


def _chips(ws: Workspace, brief: Brief, lang: Lang) -> None:
    """The brief's criteria as chips above the map (one click removes one), and 清除全部."""
    rows = ws.areas[ws.areas["area_id"].astype(str) == brief.area] if brief.area else ws.areas[:0]
    found, clear = chips.finder_chips(
        brief,
        lang,
        use_label=load_admits().label(brief.use, lang) if brief.use else None,
        area_label=widgets.area_name(rows.iloc[0], lang) if len(rows) else None,
        industry_label=term(brief.industry, lang) if brief.industry else None,
        road_label=_road_names(ws, lang).get(brief.road) if brief.road else None,
    )
    with st.container(horizontal=True, vertical_alignment="center", key="sf_chips"):
        chips.show(found, lang, key="sf_chip", clear_all=clear)


def _max_mu(sites: pd.DataFrame) -> float:
    """The size slider's end: the largest candidate site, rounded up to 10 亩."""
    top = float(sites["area_mu"].max()) if len(sites) else 0.0
    return float(max(10.0, math.ceil(top / 10.0) * 10.0))


def _criteria(ws: Workspace, brief: Brief, lang: Lang) -> str:
    parts = []
    if brief.use:
        parts.append(load_admits().label(brief.use, lang))
    if brief.min_mu or brief.max_mu:
        hi = f"{brief.max_mu:,.0f}" if brief.max_mu else "∞"
        parts.append(f"{brief.min_mu:,.0f}–{hi} {t_plain('mu', lang)}")
    if brief.area:
        row = ws.areas[ws.areas["area_id"].astype(str) == brief.area]
        parts.append(widgets.area_name(row.iloc[0], lang) if len(row) else brief.area)
    if brief.industry:
        parts.append(term(brief.industry, lang))
    if brief.road_km:
        road = _road_names(ws, lang).get(brief.road) if brief.road else None
        road = road or t_plain("sf_any_road", lang)
        parts.append(t_plain("sf_road_within", lang, d=f"{brief.road_km:g}", road=road))
    return " · ".join(parts) if parts else t_plain("sf_all_sites", lang)


def find_sites(
    ws: Workspace,
    brief: Brief,
    role: str,
    *,
    named: tuple[str, ...] | None = None,
    sites: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The brief's sites for ``role``, best fit first (largest first with no criterion).

    ``named``: only these site ids (a share link's). ``sites``: the
    candidates when the caller has them already.
    """
    if sites is None:
        sites = compute.candidate_sites(
            ws,
            role,
            use=brief.use or None,
            gap_m=brief.gap_m,
            available=brief.available,
            named=named,
        )
    sites = sites.copy()
    roads = ws.get("roads")
    if brief.road and roads is not None and len(sites):
        try:
            d = finder.road_distance(sites, roads, brief.road)  # type: ignore[arg-type]
        except finder.ProximityError as err:
            logger.info("road %s: %s", brief.road, err)
        else:
            sites["road_name"] = d["road_name"].to_numpy()
            sites["road_dist_m"] = d["dist_m"].to_numpy()
    criteria = {
        "min_mu": brief.min_mu or None,
        "max_mu": brief.max_mu or None,
        "industry": brief.industry or None,
        "max_road_m": brief.road_km * 1000.0 or None,
    }
    if named is not None:  # a share link's sites are shown whatever else it says
        hits = sites
    else:
        hits = finder.filter_sites(sites, area_id=brief.area or None, **criteria)
    return finder.rank_sites(hits, finder.fit_scores(hits, **criteria))


FINDER_MAP_HEIGHT = "max(440px, calc(100vh - 420px))"
"""Below the brief's two rows of controls, the map takes the rest of the viewport."""


def _shown_layers(brief: Brief, role: str) -> tuple[str, ...]:
    """Every parcel by status only when the planner looks beyond available sites."""
    if not brief.available and role != "investor":
        return MAP_LAYERS
    return tuple(x for x in MAP_LAYERS if x != "parcels_status")


def _center(ws: Workspace, site_id: str) -> tuple[float, float] | None:
    members = assembly.member_ids(site_id)
    hit = ws.parcels[ws.parcels["parcel_id"].astype(str).isin(members)]
    if hit.empty:
        return None
    pt = hit.geometry.union_all().representative_point()
    import geopandas as gpd

    ll = gpd.GeoSeries([pt], crs=ws.parcels.crs).to_crs(4326).iloc[0]
    return (float(ll.y), float(ll.x))


def map_workspace(ws: Workspace, hits: pd.DataFrame) -> Workspace:
    """``ws`` with the outlines of the assembled sites among ``hits`` as extra parcels rows.

    The rows have ``parcel_id`` = the site id, the site's status, planned
    uses and area, and ``assembled`` true (every other parcel has it
    missing): the ``assembled_sites`` layer draws them, and a click on one
    returns the site id. Nothing else of the workspace changes.
    """
    import geopandas as gpd

    parcels = ws.parcels.copy()
    parcels["assembled"] = pd.Series(pd.NA, index=parcels.index, dtype="boolean")
    multi = hits[hits["assembled"].astype(bool)] if len(hits) else hits
    if len(multi):
        extra = gpd.GeoDataFrame(
            {
                "parcel_id": multi["site_id"].astype(str).to_numpy(),
                "status": multi["status"].to_numpy(),
                "land_use_planned": multi["land_use_planned"].to_numpy(),
                "area_mu": multi["area_mu"].round(2).to_numpy(),
                "assembled": pd.array([True] * len(multi), dtype="boolean"),
            },
            geometry=list(multi.geometry),
            crs=parcels.crs,
        )
        parcels = pd.concat([parcels, extra], ignore_index=True)
    tables = {**ws.tables, "parcels": gpd.GeoDataFrame(parcels, crs=ws.parcels.crs)}
    return replace(ws, tables=tables)


def page() -> None:
    """The site-finder page (and its presentation mode)."""
    lang = state.lang()
    present = state.presenting()
    role = "investor" if present else state.role()
    ws = session.open_workspace(lang)
    if ws is None:
        session.page_header(t("finder_title", lang), None, lang)
        return
    restore_brief()
    share = state.share_session()
    named = tuple(share.sites) if share is not None and share.sites else None
    left_out = 0
    if present:
        _presentation_header(ws, lang)
        brief = replace(current_brief(), available=True)
        hits = find_sites(ws, brief, role, named=named)
    else:
        session.page_header(t("finder_title", lang), ws, lang)
        brief, sites, left_out = _controls(ws, lang)
        hits = find_sites(ws, brief, role, sites=sites)
    ids = hits["site_id"].astype(str).tolist()
    if brief.site and brief.site not in ids:
        brief = replace(brief, site="")
    set_brief(brief)
    params = _sync_url(ws, brief, lang, present)
    st.markdown(
        t("sf_found", lang, n=f"{len(hits):,}", mu=widgets.fmt_num(hits["area_mu"].sum(), 1))
        + f" · {widgets.md(_criteria(ws, brief, lang))}"
    )
    if left_out:
        st.caption(t("sf_not_offered", lang, n=f"{left_out:,}"))
    if hits.empty:
        st.warning(t("sf_none", lang))
    members = [m for ms in hits["member_ids"] for m in ms] if len(hits) else []
    # a member parcel clicked on the map selects its site
    site_of = {
        m: sid for sid, ms in zip(hits["site_id"], hits["member_ids"], strict=True) for m in ms
    }
    shown = map_workspace(ws, hits)
    left, right = st.columns([1.7, 1])
    with left:
        props = show_map(
            shown,
            lang=lang,
            role=role,
            key="finder_map",
            layers=MAP_LAYERS,
            show=_shown_layers(brief, role),
            # an assembled site is drawn by its own layer, never as an "available parcel"
            # labelled "S:…"
            where=(("available_sites", "assembled", "is_null", None),),
            parcel_ids=[*members, *ids],
            cache_key=(state.ws_key(ws), "site-finder", brief.use, brief.gap_m, brief.available),
            center=_center(ws, brief.site) if brief.site else None,
            zoom=16 if brief.site else None,
            height=FINDER_MAP_HEIGHT,
            selected=brief.site or None,
        )
    clicked = str(props.get("parcel_id")) if props and props.get("parcel_id") else None
    if clicked is not None:
        clicked = clicked if clicked in ids else site_of.get(clicked)
    if clicked is not None:
        brief = replace(brief, site=clicked)
        set_brief(brief)
        params = _sync_url(ws, brief, lang, present)
    with right:
        if brief.site and assembly.is_assembled(brief.site):
            site_cards.selected_site_card(
                ws, hits[hits["site_id"] == brief.site].iloc[0], lang, brief.gap_m
            )
        elif brief.site:
            widgets.parcel_card(ws, brief.site, lang, role=role)
            site_cards.sheet_button(ws, brief.site, lang, brief.gap_m, key="sf_pdf_selected")
        else:
            with st.container(border=True):
                st.markdown(t("sf_pick_hint", lang))
        if not present:
            _share_box(ws, brief, params, lang)
    scored = len(hits) and hits["fit"].notna().any()
    st.subheader(t("sf_cards" if scored else "sf_cards_by_size", lang))
    rows = [
        hits.iloc[i : i + CARDS_PER_ROW] for i in range(0, min(len(hits), MAX_CARDS), CARDS_PER_ROW)
    ]
    for chunk in rows:
        cols = st.columns(CARDS_PER_ROW)
        for col, (_, row) in zip(cols, chunk.iterrows(), strict=False):
            with col:
                site_cards.site_card(
                    ws, row, lang, brief.gap_m, selected=row["site_id"] == brief.site
                )
    if len(hits) > MAX_CARDS:
        st.caption(t("sf_more", lang, n=len(hits) - MAX_CARDS))
    if present:
        _presentation_footer(lang)


def _share_url(params: dict[str, str]) -> str:
    base = ""
    try:
        base = (st.context.url or "").split("?", 1)[0]
    except Exception:  # no browser context (tests)
        base = ""
    base = base or "/site-finder"
    return f"{base}?{urllib.parse.urlencode(params)}"


def _server_base() -> str:
    """This server's URL (scheme, host, port and ``server.baseUrlPath``), or ``""``."""
    try:
        parts = urllib.parse.urlsplit(st.context.url or "")
    except Exception:  # no browser context (tests)
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    path = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{path}" if path else "")


def investor_link(ws: Workspace, brief: Brief, lang: Lang) -> str:
    """The signed share link for investors of this view (:mod:`geo.sharing`).

    It expires :data:`geo.sharing.DEFAULT_EXPIRES` after the start of the
    current hour (so the link stays the same while the officer looks at it)
    and points at ``$TENGLONG_SHARE_BASE_URL``, else at this server.

    Raises
    ------
    ValueError
        No usable secret, or no base URL.
    """
    share = sharing.new_share(
        state.ws_param(state.ws_target(ws)),
        brief=brief_to_query(replace(brief, available=True)),
        lang=lang,
        now_utc_s=int(time.time()) // 3600 * 3600,
    )
    token = sharing.make_token(share, sharing.load_secret())
    return sharing.share_url(sharing.base_url(_server_base() or "http://localhost:8501"), token)


def _sync_url(ws: Workspace, brief: Brief, lang: Lang, present: bool) -> dict[str, str]:
    token = state.share_token()
    if token is not None:  # a share session's URL carries its token and nothing else
        params = {sharing.SHARE_PARAM: token}
    else:
        params = {"ws": state.ws_param(state.ws_target(ws)), "lang": lang, **brief_to_query(brief)}
        if present:
            params["present"] = "1"
    if dict(st.query_params.to_dict()) != params:
        st.query_params.from_dict(params)
    return params


def _share_box(ws: Workspace, brief: Brief, params: dict[str, str], lang: Lang) -> None:
    with st.container(border=True):
        st.markdown(f"**{t('sf_share', lang)}**")
        days = sharing.parse_duration(sharing.DEFAULT_EXPIRES) // 86400
        st.markdown(t("sf_share_investor", lang, days=days))
        try:
            st.code(investor_link(ws, brief, lang), language=None, wrap_lines=True)
        except ValueError as err:
            logger.error("no share link: %s", err)
            st.warning(t("sf_share_unavailable", lang, error=widgets.md(str(err))))
        st.caption(t("sf_share_colleague", lang))
        st.code(_share_url(params), language=None, wrap_lines=True)
        if st.button(t("sf_present", lang), key="sf_present", type="primary"):
            st.session_state["present"] = True
            st.rerun()


def _presentation_header(ws: Workspace, lang: Lang) -> None:
    c1, c2 = st.columns([5, 1])
    with c1:
        st.title(t("present_title", lang, name=widgets.workspace_title(ws, lang)))
    with c2:
        st.segmented_control(
            "语言 / Language",
            ["zh", "en"],
            format_func=lambda v: {"zh": "中文", "en": "English"}[v],
            key="lang",
            required=True,
            persist_state="session",
            label_visibility="collapsed",
        )
    if ws.schematic:
        st.info(t("schematic_note", lang), icon=":material/info:")


def _presentation_footer(lang: Lang) -> None:
    st.divider()
    st.caption(t("present_footer", lang))
    if state.investor_locked():  # a share session or an investor server: no way out
        return
    if st.button(t("present_exit", lang), key="present_exit"):
        st.session_state["present"] = False
        st.query_params.pop("present", None)
        st.rerun()


if __name__ == "__main__":
    session.run_page(page)


__all__ = [
    "Brief",
    "brief_from_query",
    "brief_to_query",
    "card_key",
    "find_sites",
    "investor_link",
    "map_workspace",
    "page",
    "sheet_file_name",
]
