"""导出 Export: the workspace as a file for one audience (every format of geo.export)."""

from __future__ import annotations

import logging

import streamlit as st

from geo.app import session, state
from geo.app.i18n import t, t_plain
from geo.export import FORMATS, ExportError, export_bytes

logger = logging.getLogger(__name__)

FORMAT_LABELS: dict[str, tuple[str, str]] = {
    "xlsx": ("Excel 腾退汇总表", "Excel land-release summary"),
    "csv": ("CSV（UTF-8 BOM）", "CSV (UTF-8 with BOM)"),
    "gpkg": ("GeoPackage", "GeoPackage"),
    "shp": ("Shapefile（zip）", "Shapefile (zip)"),
    "geojson": ("GeoJSON", "GeoJSON"),
    "kml": ("KML（奥维 / Google Earth）", "KML (Ovital / Google Earth)"),
    "html": ("离线地图 HTML", "offline HTML map"),
    "pdf": ("PDF 报告 / 选址单页", "PDF report / site sheet"),
    "txt": ("报盘坐标 txt", "报盘坐标 txt (boundary points)"),
}

TXT_ENCODINGS: dict[str, str] = {"gbk": "GBK", "utf-8": "UTF-8"}
"""Encodings offered for a 报盘 txt (GBK is what 报批 software reads)."""


def page() -> None:
    """The export page."""
    lang = state.lang()
    ws = session.open_workspace(lang)
    session.page_header(t("export_title", lang), ws, lang)
    if ws is None:
        return
    st.markdown(t("export_intro", lang))
    everyone = ["planner", "investment", "investor"]
    roles = everyone if state.role() == "planner" else everyone[1:]
    c1, c2, c3 = st.columns(3)
    fmt = c1.selectbox(
        t("export_format", lang),
        list(FORMATS),
        format_func=lambda f: FORMAT_LABELS.get(f, (f, f))[0 if lang == "zh" else 1],
        key="export_format",
    )
    audience = c2.selectbox(
        t("export_role", lang),
        roles,
        format_func=lambda r: t(f"role_{r}", lang),
        key="export_role",
    )
    out_lang = c3.radio(
        t("export_lang", lang),
        ["zh", "en"],
        format_func=lambda v: {"zh": "中文", "en": "English"}[v],
        horizontal=True,
        key="export_lang",
    )
    areas = ws.areas.drop_duplicates("area_id", keep="last")
    area_names = dict(zip(areas["area_id"], areas["name"], strict=True))
    scope = st.selectbox(
        t("export_scope", lang),
        [None, *area_names],
        format_func=lambda a: (
            t("export_scope_all", lang) if a is None else f"{area_names[a]} ({a})"
        ),
        key="export_scope",
    )
    site = None
    txt: dict[str, object] = {}
    if fmt == "pdf":
        site = st.text_input(t("export_site", lang), key="export_site").strip() or None
    if fmt == "txt":
        st.caption(t("export_txt_help", lang))
        t1, t2, t3 = st.columns(3)
        site = t1.text_input(t("export_txt_site", lang), key="export_txt_site").strip() or None
        txt["encoding"] = t2.radio(
            t("export_txt_encoding", lang),
            list(TXT_ENCODINGS),
            format_func=TXT_ENCODINGS.__getitem__,
            horizontal=True,
            key="export_txt_encoding",
        )
        txt["per_parcel"] = t3.checkbox(
            t("export_txt_per_parcel", lang), key="export_txt_per_parcel"
        )
    if st.button(t("export_make", lang), type="primary", key="export_go"):
        try:
            data, name, mime = export_bytes(
                ws,
                fmt=fmt,
                role=audience,
                lang=out_lang,
                area_id=scope if site is None or fmt != "txt" else None,
                site_id=site,
                **txt,  # type: ignore[arg-type]
            )
        except (ExportError, ValueError, OSError) as err:
            logger.warning("export %s failed: %s", fmt, err)
            st.session_state.pop("export_result", None)
            st.error(t("export_failed", lang, error=err))
        else:
            st.session_state["export_result"] = (data, name, mime)
    done = st.session_state.get("export_result")
    if done:
        data, name, mime = done
        st.success(t("export_ready", lang, name=name, kb=f"{len(data) / 1024:,.0f}"))
        st.download_button(
            t("export_download", lang), data, file_name=name, mime=mime, key="export_dl"
        )
    if state.role() == "planner":
        st.divider()
        supervision_reports(ws, lang)


def supervision_reports(ws: object, lang: str) -> None:
    """监管报表: the quarterly report and the park check (:mod:`geo.export.supervision`).

    Planners only: the section is not drawn for another role, and
    :func:`geo.export.supervision.report_bytes` refuses any other role.
    """
    import datetime as dt

    from geo.export.supervision import report_bytes
    from geo.supervision import parse_period

    st.subheader(t("rep_title", lang))
    st.caption(t("rep_intro", lang))
    c1, c2, c3 = st.columns(3)
    kind = c1.radio(
        t("rep_kind", lang),
        ["quarterly", "park-check"],
        format_func=lambda k: t_plain(f"rep_kind_{k.replace('-', '_')}", lang),
        key="rep_kind",
    )
    period = as_of = None
    if kind == "quarterly":
        period = c2.text_input(
            t("rep_period", lang), value=parse_period(None).label, key="rep_period"
        ).strip()
    else:
        day = c2.date_input(t("rep_as_of", lang), value=dt.date.today(), key="rep_as_of")
        as_of = (day or dt.date.today()).isoformat()
    fmt = c3.radio(t("rep_format", lang), ["xlsx", "pdf"], horizontal=True, key="rep_format")
    if st.button(t("rep_make", lang), key="rep_go"):
        try:
            made = report_bytes(
                ws, kind=kind, fmt=fmt, period=period, as_of=as_of, lang=lang, role=state.role()
            )
        except (ExportError, ValueError, OSError) as err:
            logger.warning("report %s failed: %s", kind, err)
            st.session_state.pop("rep_result", None)
            st.error(t("rep_failed", lang, error=err))
        else:
            st.session_state["rep_result"] = made
    done = st.session_state.get("rep_result")
    if done:
        data, name, mime = done
        st.success(t("rep_ready", lang, name=name, kb=f"{len(data) / 1024:,.0f}"))
        st.download_button(t("rep_download", lang), data, file_name=name, mime=mime, key="rep_dl")


if __name__ == "__main__":
    session.run_page(page)
