"""The site finder's brief: what an investor asks for, as query parameters and in the session.

A :class:`Brief` is the filters of the 招商选址 page
(:mod:`geo.app.pages.site_finder`); :func:`brief_to_query` and
:func:`brief_from_query` carry it in a view link or a share token
(:mod:`geo.sharing`), and :func:`current_brief` / :func:`set_brief` keep it
in the Streamlit session.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import streamlit as st

from geo.app import state
from geo.siting import finder
from geo.siting.uses import load_admits

ROAD_MAX_KM = 20.0
GAP_MAX_M = 100.0
STATE_KEY = "sf_state"
RESTORED_KEY = "_sf_restored"


@dataclass(frozen=True)
class Brief:
    """What the investor asks for (the site finder's filters)."""

    min_mu: float = 0.0
    max_mu: float = 0.0
    """0: no upper limit."""
    area: str = ""
    industry: str = ""
    use: str = ""
    """Project category (:mod:`geo.siting.uses`); empty: any buildable use."""
    road: str = ""
    """A road's ``road_id``; empty: the nearest road."""
    road_km: float = 0.0
    """0: any distance."""
    gap_m: float = finder.DEFAULT_GAP_M
    available: bool = True
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
    >>> b = brief_from_query({"mu": "200-", "use": "industry_2", "road": "G309", "road_km": "5"})
    >>> b.min_mu, b.max_mu, b.use, b.road, b.road_km, b.gap_m
    (200.0, 0.0, 'industry_2', 'G309', 5.0, 10.0)
    >>> brief_from_query({"road_m": "500", "avail": "0", "gap": "x"}).road_km  # an older link
    0.5
    """
    lo, hi = 0.0, 0.0
    mu = str(qp.get("mu", "") or "")
    if "-" in mu:
        a, _, b = mu.partition("-")
        lo, hi = _float(a, 0.0), _float(b, 0.0)
        if hi and hi < lo:
            lo, hi = hi, lo
    road_km = _float(qp.get("road_km", 0), 0.0) or _float(qp.get("road_m", 0), 0.0) / 1000.0
    use = str(qp.get("use", "") or "")
    return Brief(
        min_mu=lo,
        max_mu=hi,
        area=str(qp.get("area", "") or ""),
        industry=str(qp.get("industry", "") or ""),
        use=use if use in load_admits().categories else "",
        road=str(qp.get("road", "") or ""),
        road_km=min(road_km, ROAD_MAX_KM),
        gap_m=min(_float(qp.get("gap", finder.DEFAULT_GAP_M), finder.DEFAULT_GAP_M), GAP_MAX_M),
        available=str(qp.get("avail", "1")) not in ("0", "false", "no"),
        site=str(qp.get("site", "") or ""),
    )


def brief_to_query(brief: Brief) -> dict[str, str]:
    """The query parameters of a brief (defaults left out).

    Examples
    --------
    >>> brief_to_query(Brief(min_mu=10, max_mu=80, industry="精密铸造", site="FX-0001"))
    {'mu': '10-80', 'industry': '精密铸造', 'site': 'FX-0001'}
    >>> brief_to_query(Brief(min_mu=200, use="industry_2", road="G309", road_km=5, gap_m=20))
    {'mu': '200-0', 'use': 'industry_2', 'road': 'G309', 'road_km': '5', 'gap': '20'}
    """
    out: dict[str, str] = {}
    if brief.min_mu or brief.max_mu:
        out["mu"] = f"{brief.min_mu:g}-{brief.max_mu:g}"
    if brief.area:
        out["area"] = brief.area
    if brief.industry:
        out["industry"] = brief.industry
    if brief.use:
        out["use"] = brief.use
    if brief.road:
        out["road"] = brief.road
    if brief.road_km:
        out["road_km"] = f"{brief.road_km:g}"
    if brief.gap_m != finder.DEFAULT_GAP_M:
        out["gap"] = f"{brief.gap_m:g}"
    if not brief.available:
        out["avail"] = "0"
    if brief.site:
        out["site"] = brief.site
    return out


def current_brief() -> Brief:
    """The brief kept in the session (the default brief when there is none)."""
    value = st.session_state.get(STATE_KEY)
    return Brief(**value) if isinstance(value, dict) else Brief()


def set_brief(brief: Brief) -> None:
    """Keep ``brief`` in the session."""
    st.session_state[STATE_KEY] = asdict(brief)


def restore_brief() -> None:
    """Once per session: the brief from the share token, else from the URL (a view link)."""
    if st.session_state.get(RESTORED_KEY):
        return
    st.session_state[RESTORED_KEY] = True
    share = state.share_session()
    if share is not None:
        brief = brief_from_query(share.brief)
        if not brief.site and len(share.sites) == 1:
            brief = replace(brief, site=share.sites[0])
        set_brief(brief)
        return
    set_brief(brief_from_query(st.query_params))
