"""The site finder's site cards and their site-sheet (PDF) buttons.

A card (:func:`site_card`) shows one site of the 招商选址 page
(:mod:`geo.app.pages.site_finder`): its title, fit, facts and the buttons to
show it on the map and to download its site sheet
(:func:`geo.export.pdf.build_pdf`, as an investor may see it).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pandas as pd
import streamlit as st

from geo.app import widgets
from geo.app.i18n import Lang, t, t_plain
from geo.app.site_brief import current_brief, set_brief
from geo.siting import assembly, finder
from geo.workspace import Workspace


def _fit_text(row: pd.Series, lang: Lang) -> str:
    parts = [
        f"{t_plain(f'fit_{p}', lang)} {row[f'fit_{p}']:.0f}/{finder.FIT_WEIGHTS[p]:.0f}"
        for p in finder.FIT_PARTS
        if not widgets.is_missing(row.get(f"fit_{p}"))
    ]
    return " · ".join(parts)


def sheet_pdf(ws: Workspace, site_id: str, lang: Lang, gap_m: float) -> bytes:
    """The site sheet of a site (a parcel or an assembled site), as an investor may see it."""
    from geo.export import prepare
    from geo.export.pdf import build_pdf

    ctx = prepare(ws, role="investor", lang=lang, site_id=site_id, gap_m=gap_m)
    return build_pdf(ctx)


def sheet_file_name(site_id: str) -> str:
    """``site-FX-0114.pdf``, ``site-FX-0114-7-parcels.pdf`` for an assembled site.

    Examples
    --------
    >>> sheet_file_name("S:FX-0114,FX-0193"), sheet_file_name("FX-0007")
    ('site-FX-0114-2-parcels.pdf', 'site-FX-0007.pdf')
    """
    members = assembly.member_ids(site_id)
    if len(members) > 1:
        return f"site-{members[0]}-{len(members)}-parcels.pdf"
    return f"site-{members[0]}.pdf"


def sheet_button(ws: Workspace, site_id: str, lang: Lang, gap_m: float, *, key: str) -> None:
    """The download button of a site's sheet; the PDF is drawn only when clicked."""
    st.download_button(
        t("sf_sheet", lang),
        data=lambda: sheet_pdf(ws, site_id, lang, gap_m),
        file_name=sheet_file_name(site_id),
        mime="application/pdf",
        key=key,
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )


def card_key(site_id: str) -> str:
    """A widget-key part for a site: its file stem, with a digest for assembled sites.

    Examples
    --------
    >>> card_key("FX-0007")
    'site-FX-0007'
    >>> card_key("S:FX-0114,FX-0193")
    'site-FX-0114-2-parcels-f0b5be'
    """
    stem = sheet_file_name(site_id)[:-4]
    if not assembly.is_assembled(site_id):
        return stem
    return f"{stem}-{hashlib.sha1(site_id.encode('utf-8')).hexdigest()[:6]}"


def _site_title(row: pd.Series, lang: Lang) -> str:
    size = f"{widgets.fmt_num(row['area_mu'], 1)} {t_plain('mu', lang)}"
    if bool(row.get("assembled")):
        return f"{t_plain('sf_assembled', lang, n=int(row['n_members']))} · {size}"
    return f"{row['site_id']} · {size}"


def _site_lines(row: pd.Series, lang: Lang) -> list[tuple[str, str]]:
    uses = [widgets.land_use(u, lang) for u in row.get("land_uses") or ()] or ["—"]
    lines = [(t_plain("status", lang), widgets.status_label(row["status"], lang))]
    if bool(row.get("assembled")):
        sep = "、" if lang == "zh" else ", "
        lines.append((t_plain("sf_members", lang), sep.join(row["member_ids"])))
    lines.append((t_plain("sf_planned_uses", lang), ("；" if lang == "zh" else "; ").join(uses)))
    if not widgets.is_missing(row.get("place_id")):
        lines.append((t_plain("in_area", lang), widgets.area_name(row, lang, prefix="place_")))
        lines.append(
            (t_plain("target_industries", lang), widgets.industries(row["target_industries"], lang))
        )
    if not (widgets.is_missing(row.get("far_min")) and widgets.is_missing(row.get("far_max"))):
        lo, hi = row.get("far_min"), row.get("far_max")
        far = f"{widgets.fmt_num(lo, 1)} – {widgets.fmt_num(hi, 1)}"
        lines.append((t_plain("sf_far", lang), far))
    if not widgets.is_missing(row.get("road_dist_m")):
        lines.append(
            (
                t_plain("sf_road_pick", lang),
                f"{row['road_name']} · {widgets.fmt_num(row['road_dist_m'])} m",
            )
        )
    if bool(row.get("soil_required")):
        lines.append((t_plain("sf_soil", lang), t_plain("sf_soil_required", lang)))
    return lines


def _score(row: pd.Series, lang: Lang) -> None:
    if widgets.is_missing(row.get("fit")):
        st.caption(t("sf_no_score", lang))
        return
    st.progress(
        min(max(float(row["fit"]) / float(row["fit_max"]), 0.0), 1.0),
        text=t("sf_fit", lang, fit=f"{row['fit']:.0f}", max=f"{row['fit_max']:.0f}"),
    )
    st.caption(widgets.md(_fit_text(row, lang)))


def site_card(ws: Workspace, row: pd.Series, lang: Lang, gap_m: float, *, selected: bool) -> None:
    """One site of the list: title, fit, facts, "show on the map" and its sheet."""
    sid = str(row["site_id"])
    key = card_key(sid)
    with st.container(border=True, key=f"site_card_{key}"):
        pin = ":material/location_on: " if selected else ""
        st.markdown(f"{pin}**{widgets.md(_site_title(row, lang))}**")
        _score(row, lang)
        st.markdown(
            "\n".join(f"- {widgets.md(a)}: {widgets.md(b)}" for a, b in _site_lines(row, lang))
        )
        b1, b2 = st.columns(2)
        if b1.button(
            t("sf_show_on_map", lang),
            key=f"sf_pick_{key}",
            type="primary" if selected else "secondary",
        ):
            set_brief(replace(current_brief(), site=sid))
            st.rerun()
        with b2:
            sheet_button(ws, sid, lang, gap_m, key=f"sf_pdf_{key}")


def selected_site_card(ws: Workspace, row: pd.Series, lang: Lang, gap_m: float) -> None:
    """The card of the selected assembled site (a parcel's is :func:`widgets.parcel_card`)."""
    with st.container(border=True, key="site_card"):
        st.markdown(f"#### {widgets.md(_site_title(row, lang))}")
        c1, c2 = st.columns(2)
        c1.metric(t("area_mu", lang), widgets.fmt_num(row["area_mu"], 1))
        c2.metric(t("sf_members", lang), f"{int(row['n_members'])}")
        st.caption(t("sf_area_note", lang))
        _score(row, lang)
        st.markdown(
            "\n".join(f"- {widgets.md(a)}: {widgets.md(b)}" for a, b in _site_lines(row, lang))
        )
        sheet_button(ws, str(row["site_id"]), lang, gap_m, key="sf_pdf_selected")
