"""招商选址 Site finder: available sites by size, park, industry and road access.

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
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st

from geo import sharing
from geo.app import compute, session, state, widgets
from geo.app.i18n import Lang, t, t_plain, term
from geo.app.map_view import show_map
from geo.siting import finder
from geo.workspace import Workspace

logger = logging.getLogger(__name__)

MAX_CARDS = 12
CARDS_PER_ROW = 3
ROAD_MAX_M = 5000
STATE_KEY = "sf_state"
RESTORED_KEY = "_sf_restored"
MAP_LAYERS = (
    "boundaries",
    "areas_kind",
    "plates",
    "forest_park",
    "available_sites",
    "parcels_status",
    "roads",
)


@dataclass(frozen=True)
class Brief:
    """What the investor asks for (the site finder's filters)."""

    min_mu: float = 0.0
    max_mu: float = 0.0
    """0: no upper limit."""
    area: str = ""
    industry: str = ""
    available: bool = True
    road_m: int = 0
    """0: any distance."""
    site: str = ""


def _float(value: Any, default: float) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return out if math.isfinite(out) and out >= 0 else default


def brief_from_query(qp: Any) -> Brief:
    """A :class:`Brief` from share-link query parameters; unusable values are ignored.

    Examples
    --------
    >>> b = brief_from_query({"mu": "10-80", "area": "FX-Z01", "avail": "0", "road_m": "500"})
    >>> b.min_mu, b.max_mu, b.area, b.available, b.road_m
    (10.0, 80.0, 'FX-Z01', False, 500)
    """
    lo, hi = 0.0, 0.0
    mu = str(qp.get("mu", "") or "")
    if "-" in mu:
        a, _, b = mu.partition("-")
        lo, hi = _float(a, 0.0), _float(b, 0.0)
        if hi and hi < lo:
            lo, hi = hi, lo
    return Brief(
        min_mu=lo,
        max_mu=hi,
        area=str(qp.get("area", "") or ""),
        industry=str(qp.get("industry", "") or ""),
        available=str(qp.get("avail", "1")) not in ("0", "false", "no"),
        road_m=int(_float(qp.get("road_m", 0), 0.0)),
        site=str(qp.get("site", "") or ""),
    )


def brief_to_query(brief: Brief) -> dict[str, str]:
    """The query parameters of a brief (defaults left out).

    Examples
    --------
    >>> brief_to_query(Brief(min_mu=10, max_mu=80, industry="精密铸造", site="FX-0001"))
    {'mu': '10-80', 'industry': '精密铸造', 'site': 'FX-0001'}
    """
    out: dict[str, str] = {}
    if brief.min_mu or brief.max_mu:
        out["mu"] = f"{brief.min_mu:g}-{brief.max_mu:g}"
    if brief.area:
        out["area"] = brief.area
    if brief.industry:
        out["industry"] = brief.industry
    if not brief.available:
        out["avail"] = "0"
    if brief.road_m:
        out["road_m"] = str(brief.road_m)
    if brief.site:
        out["site"] = brief.site
    return out


def _brief() -> Brief:
    value = st.session_state.get(STATE_KEY)
    return Brief(**value) if isinstance(value, dict) else Brief()


def _set_brief(brief: Brief) -> None:
    st.session_state[STATE_KEY] = asdict(brief)


def _restore() -> None:
    """Once per session: the brief from the share token, else from the URL (a view link)."""
    if st.session_state.get(RESTORED_KEY):
        return
    st.session_state[RESTORED_KEY] = True
    share = state.share_session()
    if share is not None:
        brief = brief_from_query(share.brief)
        if not brief.site and len(share.sites) == 1:
            brief = replace(brief, site=share.sites[0])
        _set_brief(brief)
        return
    _set_brief(brief_from_query(st.query_params))


def _seed_widgets(brief: Brief, max_mu: float) -> None:
    """Give the filter widgets the brief's values when they have none (first visit, share link)."""
    hi = brief.max_mu if brief.max_mu else max_mu
    seeds = {
        "sf_size": (min(brief.min_mu, max_mu), min(hi, max_mu)),
        "sf_area": brief.area or None,
        "sf_industry": brief.industry or None,
        "sf_avail": brief.available,
        "sf_road": min(brief.road_m, ROAD_MAX_M),
    }
    for key, value in seeds.items():
        if key not in st.session_state:
            st.session_state[key] = value
    lo, hi = st.session_state["sf_size"]
    if not 0 <= lo <= hi <= max_mu:
        st.session_state["sf_size"] = (0.0, max_mu)


def _controls(ws: Workspace, max_mu: float, lang: Lang) -> Brief:
    areas = finder.latest_areas(ws.areas)
    areas = areas[areas["kind"].isin(finder.PLACE_KINDS)]
    names = {str(r["area_id"]): widgets.area_name(r, lang) for _, r in areas.iterrows()}
    inds = finder.industries_offered(ws.areas)
    _seed_widgets(_brief(), max_mu)
    rows = {str(r["area_id"]): r for _, r in areas.iterrows()}
    state.untranslate(
        "sf_area",
        [None, *names],
        lambda a, lg: t_plain("all", lg) if a is None else widgets.area_name(rows[a], lg),
    )
    state.untranslate(
        "sf_industry", [None, *inds], lambda v, lg: t_plain("all", lg) if v is None else term(v, lg)
    )
    if st.session_state.get("sf_area") not in (None, *names):
        st.session_state["sf_area"] = None
    if st.session_state.get("sf_industry") not in (None, *inds):
        st.session_state["sf_industry"] = None
    # One row, so that the map below starts near the top of the page.
    c1, c2, c3, c4, c5 = st.columns([1.3, 1.1, 1.1, 1.2, 0.9], vertical_alignment="center")
    lo, hi = c1.slider(
        t("sf_size", lang),
        0.0,
        max_mu,
        step=1.0,
        key="sf_size",
        persist_state="session",
        format="%.0f",
    )
    area = c2.selectbox(
        t("sf_park", lang),
        [None, *names],
        format_func=lambda a: t("all", lang) if a is None else names[a],
        placeholder=t("all", lang),
        key="sf_area",
        persist_state="session",
    )
    industry = c3.selectbox(
        t("sf_industry", lang),
        [None, *inds],
        format_func=lambda v: t("all", lang) if v is None else term(v, lang),
        placeholder=t("all", lang),
        key="sf_industry",
        persist_state="session",
    )
    road = c4.slider(
        t("sf_road", lang),
        0,
        ROAD_MAX_M,
        step=100,
        key="sf_road",
        persist_state="session",
        help=t("sf_road_help", lang),
    )
    available = c5.toggle(t("sf_available", lang), key="sf_avail", persist_state="session")
    old = _brief()
    return Brief(
        min_mu=float(lo),
        max_mu=0.0 if hi >= max_mu else float(hi),
        area=area or "",
        industry=industry or "",
        available=bool(available),
        road_m=int(road),
        site=old.site,
    )


def _criteria(ws: Workspace, brief: Brief, lang: Lang) -> str:
    parts = []
    if brief.min_mu or brief.max_mu:
        hi = f"{brief.max_mu:,.0f}" if brief.max_mu else "∞"
        parts.append(f"{brief.min_mu:,.0f}–{hi} {t('mu', lang)}")
    if brief.area:
        row = ws.areas[ws.areas["area_id"].astype(str) == brief.area]
        parts.append(widgets.area_name(row.iloc[0], lang) if len(row) else brief.area)
    if brief.industry:
        parts.append(term(brief.industry, lang))
    if brief.road_m:
        parts.append(t("sf_road_within", lang, d=f"{brief.road_m:,}"))
    return " · ".join(parts) if parts else t("sf_all_sites", lang)


def _sites(ws: Workspace, role: str) -> pd.DataFrame:
    """Parcels the role may see, joined with where they lie."""
    view = state.workspace_for(ws, role)
    cols = [
        c
        for c in ("parcel_id", "status", "district", "land_use_planned", "area_mu")
        if c in view.parcels
    ]
    parcels = pd.DataFrame(view.parcels[cols])
    parcels["parcel_id"] = parcels["parcel_id"].astype(str)
    return parcels.merge(compute.places(ws), on="parcel_id", how="left")


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
        state.ws_param(ws.path),
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
        params = {"ws": state.ws_param(ws.path), "lang": lang, **brief_to_query(brief)}
        if present:
            params["present"] = "1"
    if dict(st.query_params.to_dict()) != params:
        st.query_params.from_dict(params)
    return params


def _card(row: pd.Series, lang: Lang, *, selected: bool) -> None:
    with st.container(border=True, key=f"site_card_{row['parcel_id']}"):
        size = f"{widgets.fmt_num(row['area_mu'], 1)} {t('mu', lang)}"
        head = f"{row['parcel_id']} · {size}"
        pin = ":material/location_on: " if selected else ""
        st.markdown(f"{pin}**{widgets.md(head)}**")
        st.progress(
            min(max(float(row["fit"]) / 100.0, 0.0), 1.0),
            text=t("sf_fit", lang, fit=f"{row['fit']:.0f}"),
        )
        lines = [
            (t("status", lang), widgets.status_label(row["status"], lang)),
            (t("land_use_planned", lang), widgets.land_use(row.get("land_use_planned"), lang)),
        ]
        if not widgets.is_missing(row.get("place_id")):
            lines.append((t("in_area", lang), widgets.area_name(row, lang, prefix="place_")))
            lines.append(
                (t("target_industries", lang), widgets.industries(row["target_industries"], lang))
            )
        if not widgets.is_missing(row.get("road_dist_m")):
            lines.append(
                (
                    t("nearest_road", lang),
                    f"{row['road_name']} · {widgets.fmt_num(row['road_dist_m'])} m",
                )
            )
        if not widgets.is_missing(row.get("green_dist_m")):
            green = widgets.area_name(row, lang, prefix="green_")
            lines.append(
                (t("nearest_green", lang), f"{green} · {widgets.fmt_num(row['green_dist_m'])} m")
            )
        st.markdown("\n".join(f"- {widgets.md(a)}: {widgets.md(b)}" for a, b in lines))
        if st.button(
            t("sf_show_on_map", lang),
            key=f"sf_pick_{row['parcel_id']}",
            type="primary" if selected else "secondary",
        ):
            _set_brief(replace(_brief(), site=str(row["parcel_id"])))
            st.rerun()


FINDER_MAP_HEIGHT = "max(440px, calc(100vh - 370px))"
"""Below the brief's one row of controls, the map takes the rest of the viewport."""


def _shown_layers(brief: Brief, role: str) -> tuple[str, ...]:
    """Every parcel by status only when the planner looks beyond available sites."""
    if not brief.available and role != "investor":
        return MAP_LAYERS
    return tuple(x for x in MAP_LAYERS if x != "parcels_status")


def _center(ws: Workspace, parcel_id: str) -> tuple[float, float] | None:
    hit = ws.parcels[ws.parcels["parcel_id"].astype(str) == parcel_id]
    if hit.empty:
        return None
    pt = hit.geometry.representative_point().to_crs(4326).iloc[0]
    return (float(pt.y), float(pt.x))


def page() -> None:
    """The site-finder page (and its presentation mode)."""
    lang = state.lang()
    present = state.presenting()
    role = "investor" if present else state.role()
    ws = session.open_workspace(lang)
    if ws is None:
        session.page_header(t("finder_title", lang), None, lang)
        return
    max_mu = float(max(10.0, math.ceil(float(ws.parcels["area_mu"].max()) / 10.0) * 10.0))
    _restore()
    if present:
        _presentation_header(ws, lang)
        brief = replace(_brief(), available=True)
    else:
        session.page_header(t("finder_title", lang), ws, lang)
        brief = _controls(ws, max_mu, lang)
    sites = _sites(ws, role)
    statuses = finder.AVAILABLE_STATUSES if (brief.available or present) else None
    hits = finder.filter_sites(
        sites,
        min_mu=brief.min_mu or None,
        max_mu=brief.max_mu or None,
        area_id=brief.area or None,
        industry=brief.industry or None,
        statuses=statuses,
        max_road_m=brief.road_m or None,
    )
    hits = hits.assign(
        fit=finder.fit_scores(
            hits,
            min_mu=brief.min_mu or None,
            max_mu=brief.max_mu or None,
            industry=brief.industry or None,
            max_road_m=brief.road_m or None,
        )
    ).sort_values(["fit", "area_mu"], ascending=[False, False])
    share = state.share_session()
    if share is not None and share.sites:  # the link shows only the sites it names
        hits = hits[hits["parcel_id"].isin(share.sites)]
    ids = hits["parcel_id"].tolist()
    if brief.site and brief.site not in ids:
        brief = replace(brief, site="")
    _set_brief(brief)
    params = _sync_url(ws, brief, lang, present)
    st.markdown(
        t("sf_found", lang, n=f"{len(hits):,}", mu=widgets.fmt_num(hits["area_mu"].sum(), 1))
        + f"  \n{widgets.md(_criteria(ws, brief, lang))}"
    )
    if hits.empty:
        st.warning(t("sf_none", lang))
    left, right = st.columns([1.7, 1])
    with left:
        props = show_map(
            ws,
            lang=lang,
            role=role,
            key="finder_map",
            layers=MAP_LAYERS,
            show=_shown_layers(brief, role),
            parcel_ids=ids,
            center=_center(ws, brief.site) if brief.site else None,
            zoom=16 if brief.site else None,
            height=FINDER_MAP_HEIGHT,
        )
    if props and props.get("parcel_id") and str(props["parcel_id"]) in ids:
        brief = replace(brief, site=str(props["parcel_id"]))
        _set_brief(brief)
        params = _sync_url(ws, brief, lang, present)
    with right:
        if brief.site:
            widgets.parcel_card(ws, brief.site, lang, role=role)
        else:
            with st.container(border=True):
                st.markdown(t("sf_pick_hint", lang))
        if not present:
            _share_box(ws, brief, params, lang)
    st.subheader(t("sf_cards", lang))
    rows = [
        hits.iloc[i : i + CARDS_PER_ROW] for i in range(0, min(len(hits), MAX_CARDS), CARDS_PER_ROW)
    ]
    for chunk in rows:
        cols = st.columns(CARDS_PER_ROW)
        for col, (_, row) in zip(cols, chunk.iterrows(), strict=False):
            with col:
                _card(row, lang, selected=row["parcel_id"] == brief.site)
    if len(hits) > MAX_CARDS:
        st.caption(t("sf_more", lang, n=len(hits) - MAX_CARDS))
    if present:
        _presentation_footer(lang)


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
