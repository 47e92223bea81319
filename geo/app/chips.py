"""Filter chips above a map: every active filter as a chip with a one-click remove, and 清除全部.

A chip is data: the text it shows (in the UI language, built from the session
state after a language switch has read the filter values back, see
:func:`geo.app.state.untranslate`, so a switch keeps the filters and shows
their chips in the new language) and the session-state values that remove it.
A click runs as a widget callback, before the page's script, so the map of the
same run is drawn without that filter. Text from data (an area's name, a road's
name) reaches the chip's label escaped (:func:`geo.app.i18n.md`).

Used by the overview (status, planning area, former industry, years,
days in status) and the site finder (project, size, park, industry, road);
docs/architecture.md §7.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from geo.app.i18n import Lang, md, t, t_plain

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chip:
    """One active filter: its label and the session-state values that remove it."""

    label: str
    """Plain text (escaped when drawn), e.g. ``状态：闲置``."""
    remove: Mapping[str, Any] = field(default_factory=dict)
    """Session-state key → value that turns this filter off."""


def chip(name: str, value: object, lang: Lang, remove: Mapping[str, Any]) -> Chip:
    """A chip reading ``NAME: VALUE`` in ``lang``."""
    return Chip(t_plain("chip_label", lang, field=name, value=value), dict(remove))


def _apply(values: Mapping[str, Any]) -> None:
    for key, value in values.items():
        st.session_state[key] = value
    logger.info("filter chip removed: %s", sorted(values))


def show(
    chips: Sequence[Chip],
    lang: Lang,
    *,
    key: str,
    clear_all: Mapping[str, Any],
    clear_key: str | None = None,
) -> None:
    """Draw ``chips`` (in the current container, best a horizontal one) and 清除全部.

    Parameters
    ----------
    chips
        The active filters, in the order they are shown.
    lang
        The UI language (the chips' labels are built in it already).
    key
        Prefix of the chips' widget keys (unique on the page).
    clear_all
        Session-state values that turn every filter off.
    clear_key
        The 清除全部 / Clear all button's key (default ``KEY_clear``).
    """
    if not chips:
        return
    for i, c in enumerate(chips):
        st.button(
            md(c.label),
            key=f"{key}_{i}",
            icon=":material/close:",
            icon_position="right",
            on_click=_apply,
            args=(dict(c.remove),),
            help=t("chip_remove", lang, label=c.label),
        )
    st.button(
        t("chips_clear_all", lang),
        key=clear_key or f"{key}_clear",
        type="tertiary",
        icon=":material/filter_list_off:",
        on_click=_apply,
        args=(dict(clear_all),),
    )


def finder_chips(
    brief: Any,
    lang: Lang,
    *,
    use_label: str | None,
    area_label: str | None,
    industry_label: str | None,
    road_label: str | None,
) -> tuple[list[Chip], dict[str, Any]]:
    """The site finder's criteria as chips, and the values that clear them all.

    ``brief`` is the page's ``Brief``; the labels are its values in ``lang``
    (None when that criterion is not set). The size chip clears to the full
    range (an upper end beyond every site, which the page brings back to its
    slider's end, whatever the other criteria then make it); the road chip
    clears both the road and the distance.
    """
    out: list[Chip] = []
    if brief.use and use_label:
        out.append(chip(t_plain("chip_project", lang), use_label, lang, {"sf_use": None}))
    if brief.min_mu or brief.max_mu:
        hi = f"{brief.max_mu:,.0f}" if brief.max_mu else "∞"
        size = f"{brief.min_mu:,.0f}–{hi}"
        out.append(chip(t_plain("sf_size", lang), size, lang, {"sf_size": (0.0, math.inf)}))
    if brief.area and area_label:
        out.append(chip(t_plain("sf_park", lang), area_label, lang, {"sf_area": None}))
    if brief.industry and industry_label:
        out.append(chip(t_plain("sf_industry", lang), industry_label, lang, {"sf_industry": None}))
    if brief.road_km:
        road = road_label or t_plain("sf_any_road", lang)
        text = t_plain("sf_road_within", lang, d=f"{brief.road_km:g}", road=road)
        out.append(Chip(text, {"sf_road_km": 0.0, "sf_road_id": None}))
    clear: dict[str, Any] = {}
    for c in out:
        clear.update(c.remove)
    return out, clear
