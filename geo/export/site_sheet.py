"""The PDF site sheet: one A4 page, Chinese and English side by side (:mod:`geo.export.pdf`).

Given ``site`` (``--site PARCEL_ID``, ``--site S:ID1,ID2…`` for an assembled
连片 site, or ``--site AREA_ID`` for a park): title block, a map of the site
and its surroundings, area in 亩 and ha, park and target industries, planning
targets (FAR, coverage, green and admin shares, investment intensity, tax and
output per 亩) and what they mean for this site
(:func:`geo.capacity.parcel_capacity`), distance to the nearest road
(:func:`geo.proximity.distance_to_roads`), the soil gate, the investment
office's contact (:mod:`geo.export.office`) and a QR code of the share link.
A site sheet is a handout: whatever the exporting role, it shows only what an
investor may see (other sites on its map are the available ones; no internal
field). An assembled site's sheet draws its outline, gives the total area (the
sum of its parcels'), the planned uses and FAR range of its parcels, and a
table of the member parcels.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.crs import m2_to_ha, m2_to_mu
from geo.export._context import ExportContext, role_tables
from geo.export._fonts import PDF_FONT_NAME, cjk_font
from geo.export._pdfkit import (
    LIGHT,
    NAVY,
    RULE,
    Furniture,
    esc,
    fmt_number,
    image,
    kv_table,
    new_doc,
    numbered_canvas,
    pair_table,
    qr_code,
    sheet_table,
    styles,
    title_block,
    tstyle,
)
from geo.export.office import Office, load_office, share_url
from geo.export.report import (
    Col,
    Sheet,
    area_name,
    kind_text,
    land_use_text,
    status_text,
)

logger = logging.getLogger(__name__)


@dataclass
class SiteFacts:
    """What a site sheet says about one parcel or one park (investor-visible only)."""

    kind: str
    """``parcel``, ``assembled`` (a 连片 site of several parcels) or ``area``."""
    ident: str
    geometry: Any
    area_m2: float
    status: str | None = None
    park: pd.Series | None = None
    """The planning area whose targets apply (the park itself for an area sheet)."""
    land_use_now: str | None = None
    land_use_planned: str | None = None
    industry_before: str | None = None
    polluting_history: Any = None
    road_name: str | None = None
    road_dist_m: float | None = None
    soil_required: bool = False
    capacity: pd.Series | None = None
    available: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Available parcels (released, stored) in the park (area sheets), or the members."""
    land_uses: tuple[str, ...] = ()
    """Planned uses of an assembled site's parcels."""
    far_min: float | None = None
    far_max: float | None = None


def _nearest_road(ctx: ExportContext, geom: Any, ident: str) -> tuple[str | None, float | None]:
    from geo.proximity import distance_to_roads

    roads = ctx.ws.get("roads")
    if roads is None or not len(roads):
        return None, None
    g = gpd.GeoDataFrame({"parcel_id": [ident]}, geometry=[geom], crs=ctx.ws.crs)
    d = distance_to_roads(g, roads)  # type: ignore[arg-type]
    if not len(d) or pd.isna(d["dist_m"].iloc[0]):
        return None, None
    return str(d["road_name"].iloc[0]), float(d["dist_m"].iloc[0])


def site_facts(ctx: ExportContext) -> SiteFacts:
    """Gather the facts of the sheet's parcel or park, from investor-visible data."""
    from geo.capacity import capacity_totals, containing_area, parcel_capacity
    from geo.soil import soil_flags

    inv = role_tables(ctx.ws, "investor")
    areas = ctx.ws.areas
    inv_areas = inv["areas"]
    if ctx.site_id is not None and len(ctx.site_members) > 1:
        return _assembled_facts(ctx, inv)
    if ctx.site_id is not None:
        cols = list(inv["parcels"].columns)
        site = ctx.ws.parcels[ctx.ws.parcels["parcel_id"].astype(str) == ctx.site_id][cols]
        row = site.iloc[0]
        ca = containing_area(site, areas)  # an area with targets
        aid = ca["area_id"].iloc[0]
        if pd.isna(aid):
            aid = containing_area(site, areas, require_targets=False)["area_id"].iloc[0]
        park = (
            None
            if pd.isna(aid)
            else inv_areas[inv_areas["area_id"].astype(str) == str(aid)].iloc[0]
        )
        road, dist = _nearest_road(ctx, row.geometry, ctx.site_id)
        cap = parcel_capacity(site, areas).iloc[0]
        flags = soil_flags(site)
        return SiteFacts(
            kind="parcel",
            ident=ctx.site_id,
            geometry=row.geometry,
            area_m2=float(row.geometry.area),
            status=row.get("status"),
            park=park,
            land_use_now=row.get("land_use_now"),
            land_use_planned=row.get("land_use_planned"),
            industry_before=row.get("industry_before"),
            polluting_history=row.get("polluting_history"),
            road_name=road,
            road_dist_m=dist,
            soil_required=bool(len(flags)),
            capacity=cap,
        )
    assert ctx.area_id is not None
    park = inv_areas[inv_areas["area_id"].astype(str) == ctx.area_id].iloc[0]
    geom = areas[areas["area_id"].astype(str) == ctx.area_id].geometry.iloc[0]
    avail = ctx.scope_parcels
    avail = inv["parcels"].loc[inv["parcels"].index.intersection(avail.index)]
    road, dist = _nearest_road(ctx, geom, ctx.area_id)
    cap = capacity_totals(parcel_capacity(avail, areas)) if len(avail) else None
    flags = soil_flags(avail) if len(avail) else pd.DataFrame()
    return SiteFacts(
        kind="area",
        ident=ctx.area_id,
        geometry=geom,
        area_m2=float(geom.area),
        park=park,
        road_name=road,
        road_dist_m=dist,
        soil_required=bool(len(flags)),
        capacity=cap,
        available=avail,
    )


def _assembled_facts(ctx: ExportContext, inv: dict[str, pd.DataFrame]) -> SiteFacts:
    """The facts of an assembled site, from its member parcels as an investor sees them."""
    from geo.capacity import capacity_totals, containing_area, parcel_capacity
    from geo.siting.assembly import sites_by_id
    from geo.soil import soil_flags

    assert ctx.site_id is not None
    areas = ctx.ws.areas
    inv_areas = inv["areas"]
    members = inv["parcels"][inv["parcels"]["parcel_id"].astype(str).isin(ctx.site_members)]
    site = sites_by_id(members, [ctx.site_id], gap_m=ctx.gap_m, areas=areas)  # type: ignore[arg-type]
    row = site.iloc[0]
    outline = gpd.GeoDataFrame(
        {"parcel_id": [ctx.site_id]}, geometry=[row.geometry], crs=ctx.ws.crs
    )
    aid = containing_area(outline, areas)["area_id"].iloc[0]
    if pd.isna(aid):
        aid = containing_area(outline, areas, require_targets=False)["area_id"].iloc[0]
    park = None if pd.isna(aid) else inv_areas[inv_areas["area_id"].astype(str) == str(aid)].iloc[0]
    road, dist = _nearest_road(ctx, row.geometry, ctx.site_id)
    cap = capacity_totals(parcel_capacity(members, areas))  # type: ignore[arg-type]
    flags = soil_flags(members)

    def num(v: Any) -> float | None:
        return None if v is None or pd.isna(v) else float(v)

    return SiteFacts(
        kind="assembled",
        ident=ctx.site_id,
        geometry=row.geometry,
        area_m2=float(row["area_m2"]),
        status=row["status"],
        park=park,
        road_name=road,
        road_dist_m=dist,
        soil_required=bool(len(flags)),
        capacity=cap,
        available=members,
        land_uses=tuple(row["land_uses"]),
        far_min=num(row["far_min"]),
        far_max=num(row["far_max"]),
    )


def _land_use_both(code: Any) -> str:
    zh = land_use_text(code, "zh")
    if not zh:
        return "—"
    en = land_use_text(code, "en").split(" ", 1)[-1]
    return f"{zh} / {en}"


def _target(park: pd.Series | None, col: str) -> float | None:
    if park is None or col not in park.index:
        return None
    v = pd.to_numeric(pd.Series([park[col]]), errors="coerce").iloc[0]
    return None if pd.isna(v) else float(v)


def _targets_rows(facts: SiteFacts) -> list[tuple[str, str, str]]:
    """(zh label, en label, value) of the planning targets."""
    p = facts.park
    far_min, far_max = _target(p, "far_min"), _target(p, "far_max")
    if far_min is not None and far_max is not None:
        far = f"{far_min:g} – {far_max:g}"
    elif far_min is not None:
        far = f"≥ {far_min:g}"
    else:
        far = "—"

    def pct(col: str, sign: str) -> str:
        v = _target(p, col)
        return "—" if v is None else f"{sign} {v:.0%}"

    def per_mu(col: str) -> str:
        v = _target(p, col)
        return "—" if v is None else f"≥ {v:,.0f} 万元/亩"

    return [
        ("容积率", "floor-area ratio (FAR)", far),
        ("建筑系数", "building coverage", pct("coverage_min", "≥")),
        ("绿地率", "green ratio", pct("green_max", "≤")),
        (
            "行政办公及生活服务设施用地比例",
            "admin / living facilities share",
            pct("admin_max", "≤"),
        ),
        ("投资强度", "investment intensity", per_mu("invest_wan_per_mu")),
        ("地均税收", "tax per mu", per_mu("tax_wan_per_mu")),
        ("亩均产值", "output per mu", per_mu("output_wan_per_mu")),
    ]


def _capacity_rows(facts: SiteFacts) -> list[tuple[str, str, str]]:
    c = facts.capacity
    if c is None:
        return []

    def get(k: str) -> float | None:
        v = c.get(k) if hasattr(c, "get") else None
        return None if v is None or pd.isna(v) else float(v)

    lo, hi = get("floor_m2_min"), get("floor_m2_max")
    rows = []
    if lo is not None or hi is not None:
        span = (
            f"{fmt_number(lo, 0)} – {fmt_number(hi, 0)} m²"
            if lo is not None and hi is not None
            else f"{fmt_number(lo or hi, 0)} m²"
        )
        rows.append(("可建建筑面积", "buildable floor area", span))
    if get("footprint_m2_min") is not None:
        rows.append(
            ("最小建筑占地", "minimum footprint", f"{fmt_number(get('footprint_m2_min'), 0)} m²")
        )
    if get("invest_wan") is not None:
        rows.append(
            ("最低投资额", "minimum investment", f"{fmt_number(get('invest_wan'), 0)} 万元")
        )
    if get("output_wan_per_yr") is not None:
        rows.append(
            (
                "预期年产值",
                "expected output / yr",
                f"{fmt_number(get('output_wan_per_yr'), 0)} 万元",
            )
        )
    if get("tax_wan_per_yr") is not None:
        rows.append(
            ("预期年税收", "expected tax / yr", f"{fmt_number(get('tax_wan_per_yr'), 0)} 万元")
        )
    return rows


def build_site_sheet(ctx: ExportContext, *, office: Office | None = None) -> bytes:
    """The one-page bilingual site sheet of ``ctx.site_id`` (or the park ``ctx.area_id``)."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepInFrame, Paragraph, Spacer, Table

    from geo.export import _maps

    cjk_font()
    st = styles()
    office = office or load_office()
    facts = site_facts(ctx)
    inv = role_tables(ctx.ws, "investor")
    park = facts.park
    park_zh = area_name(park, "zh") if park is not None else "—"
    park_en = area_name(park, "en") if park is not None else "outside planned parks"
    if facts.kind == "parcel":
        title = ("招商地块信息表", "Investment Site Sheet")
        subject_zh = f"地块 {facts.ident}"
        subject_en = f"Site {facts.ident}"
        url = share_url(
            office.share_base_url,
            workspace=ctx.stem,
            site=facts.ident,
            expires=office.share_expires,
            lang=ctx.lang,
        )
        highlight = [facts.ident]
    elif facts.kind == "assembled":
        n = len(facts.available)
        title = ("招商连片地块信息表", "Assembled Site Sheet")
        subject_zh = f"连片地块（{n} 宗）"
        subject_en = f"Assembled site of {n} parcels"
        url = share_url(
            office.share_base_url,
            workspace=ctx.stem,
            site=facts.ident,
            expires=office.share_expires,
            lang=ctx.lang,
        )
        highlight = list(facts.available["parcel_id"].astype(str))
    else:
        assert park is not None  # an area sheet is about the park itself
        title = ("招商园区信息表", "Investment Park Sheet")
        subject_zh = f"{kind_text(park.get('kind'), 'zh')} {facts.ident} {park_zh}"
        subject_en = f"{kind_text(park.get('kind'), 'en').capitalize()} {facts.ident} {park_en}"
        url = share_url(
            office.share_base_url,
            workspace=ctx.stem,
            area=facts.ident,
            expires=office.share_expires,
            lang=ctx.lang,
        )
        highlight = list(facts.available["parcel_id"].astype(str)) if len(facts.available) else []
    map_h = 80 if facts.kind == "area" else 90
    map_png = _maps.site_map_png(
        focus=facts.geometry,
        parcels=inv["parcels"],  # type: ignore[arg-type]
        areas=ctx.ws.areas,
        roads=ctx.ws.get("roads"),
        boundaries=ctx.ws.get("boundaries"),
        highlight_ids=highlight,
        focus_label={"parcel": "本地块 Site", "assembled": "连片地块 Site"}.get(facts.kind, ""),
        schematic=ctx.ws.schematic,
        width_mm=104,
        height_mm=map_h,
    )

    def story_for(limit: int, with_capacity: bool) -> list[Any]:
        story: list[Any] = [title_block(ctx, title[0], title[1], st), Spacer(1, 3 * mm)]
        story.append(Paragraph(esc(f"{subject_zh}　｜　{subject_en}"), st["h1"]))
        if facts.kind in ("parcel", "assembled") and park is not None:
            story.append(Paragraph(esc(f"所在园区 Park: {park_zh} · {park_en}"), st["small"]))
        story.append(Spacer(1, 3 * mm))

        # the facts column
        area_mu, area_ha = m2_to_mu(facts.area_m2), m2_to_ha(facts.area_m2)
        area_box = Table(
            [
                [Paragraph("土地面积 Land area", st["label_en"])],
                [Paragraph(f"{area_mu:,.2f} 亩 <font size=10>mu</font>", st["big"])],
                [Paragraph(f"{area_ha:,.2f} 公顷 ha · {facts.area_m2:,.0f} m²", st["value"])],
            ],
            colWidths=[66 * mm],
        )
        area_box.setStyle(
            tstyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(LIGHT)),
                    ("LEFTPADDING", (0, 0), (-1, -1), 5),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 5),
                ]
            )
        )
        if facts.road_dist_m is None:
            road = "— （无道路数据 no road data）"
        elif facts.road_dist_m < 1.0:
            road = f"紧邻 adjacent（{facts.road_name}）"
        else:
            road = f"{facts.road_dist_m:,.0f} m（{facts.road_name}）"

        soil = (
            "须开展土壤污染状况调查 / soil investigation required" if facts.soil_required else "—"
        )
        targets_text = park.get("target_industries") if park is not None else None
        targets_text = targets_text if isinstance(targets_text, str) and targets_text else "—"
        rows: list[tuple[str, str, str]] = []
        if facts.kind == "parcel":
            rows += [
                (
                    "状态",
                    "status",
                    f"{status_text(facts.status, 'zh')} {status_text(facts.status, 'en')}",
                ),
                ("所在园区", "park", park_zh),
                ("主导产业", "target industries", targets_text),
                ("规划用途", "planned use", _land_use_both(facts.land_use_planned)),
                ("现状用途", "current use", _land_use_both(facts.land_use_now)),
                ("原行业", "former industry", str(facts.industry_before or "—")),
            ]
        elif facts.kind == "assembled":
            uses = "、".join(_land_use_both(u) for u in facts.land_uses) or "—"
            if facts.far_min is not None or facts.far_max is not None:
                lo = "—" if facts.far_min is None else f"{facts.far_min:g}"
                hi = "—" if facts.far_max is None else f"{facts.far_max:g}"
                far = f"{lo} – {hi}"
            else:
                far = "—"
            rows += [
                (
                    "状态",
                    "status",
                    f"{status_text(facts.status, 'zh')} {status_text(facts.status, 'en')}",
                ),
                ("组成地块", "parcels", f"{len(facts.available)} 宗 parcels"),
                ("所在园区", "park", park_zh),
                ("主导产业", "target industries", targets_text),
                ("规划用途", "planned uses", uses),
                ("容积率", "FAR (of its parcels)", far),
            ]
        else:
            kind = park.get("kind") if park is not None else None
            avail_mu = (
                m2_to_mu(facts.available.geometry.area.sum()) if len(facts.available) else 0.0
            )
            rows += [
                (
                    "类型",
                    "kind",
                    f"{kind_text(kind, 'zh')} {kind_text(kind, 'en')}",
                ),
                ("主导产业", "target industries", targets_text),
                (
                    "可供应地块",
                    "available sites",
                    f"{len(facts.available)} 宗 · {avail_mu:,.2f} 亩",
                ),
            ]
        rows += [("距最近干道", "nearest main road", road), ("土壤", "soil", soil)]
        facts_col = [area_box, Spacer(1, 2 * mm), kv_table(rows, st, widths_mm=(27, 39))]
        body = Table(
            [[image(map_png, width_mm=104, height_mm=map_h), facts_col]],
            colWidths=[107 * mm, 67 * mm],
        )
        body.setStyle(
            tstyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("BOX", (0, 0), (0, 0), 0.5, colors.HexColor(RULE)),
                ]
            )
        )
        story += [body, Spacer(1, 3 * mm)]
        story.append(Paragraph("规划指标　Planning targets", st["h3"]))
        story.append(pair_table(_targets_rows(facts), st, width_mm=174))
        cap_rows = _capacity_rows(facts) if with_capacity else []
        if cap_rows:
            what = "可供应地块合计" if facts.kind == "area" else "本地块"
            what_en = "available sites in all" if facts.kind == "area" else "this site"
            story.append(Paragraph(f"按指标测算（{what}）　At these targets ({what_en})", st["h3"]))
            story.append(pair_table(cap_rows, st, width_mm=174))
        if facts.kind == "area" and len(facts.available) and limit > 0:
            story.append(Paragraph("可供应地块　Available sites", st["h3"]))
            story += _available_table(facts.available, st, limit=limit)
        if facts.kind == "assembled":
            story.append(
                Paragraph(
                    esc(
                        "组成地块　Member parcels（合计 total "
                        f"{m2_to_mu(facts.area_m2):,.2f} 亩 mu，"
                        "为各地块面积之和，不含地块间道路 · the sum of the parcels' areas, "
                        "without the roads between them）"
                    ),
                    st["h3"],
                )
            )
            story += _available_table(facts.available, st, limit=len(facts.available))

        # contact and share link
        contact = [Paragraph("招商联系　Investment office", st["h3"])]
        contact += [Paragraph(esc(line), st["value"]) for line in office.lines("zh")]
        if office.name_en:
            contact.append(Paragraph(esc(office.name_en), st["small"]))
        if office.placeholder:
            contact.append(
                Paragraph(
                    "示例联系方式，请在 config/office.toml 或 TENGLONG_OFFICE_* 中设置 · "
                    "placeholder contact: set it in config/office.toml or TENGLONG_OFFICE_*",
                    st["alert"],
                )
            )
        link = [
            qr_code(url, 28),
            Paragraph("扫码查看在线地图 Scan for the online map", st["caption"]),
            Paragraph(f'<a href="{esc(url)}" color="{NAVY}">{esc(url)}</a>', st["caption"]),
        ]
        foot = Table([[contact, link]], colWidths=[112 * mm, 62 * mm])
        foot.setStyle(
            tstyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (1, 0), (1, 0), "CENTER"),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.8, colors.HexColor(RULE)),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        story += [Spacer(1, 2 * mm), foot]

        return story

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    doc = new_doc(buf, title=f"{title[0]} {facts.ident}", subject=ctx.workspace_name())
    frame_h = doc.height - 1
    fitted = None
    for limit, with_capacity in ((6, True), (4, True), (2, True), (0, True), (0, False)):
        fitted = KeepInFrame(doc.width, frame_h, story_for(limit, with_capacity), mode="shrink")
        fitted.canv = Canvas(io.BytesIO(), pagesize=A4, initialFontName=PDF_FONT_NAME)
        fitted.wrap(doc.width, frame_h)
        del fitted.canv
        if getattr(fitted, "_scale", 1.0) <= 1.001:  # reportlab shrinks by 1/_scale
            break
        logger.info("site sheet: %s does not fit one page; dropping detail", facts.ident)
    furniture = Furniture(ctx, title[0], title[1], header_from_page=2)
    doc.build([fitted], canvasmaker=numbered_canvas(furniture))
    return buf.getvalue()


def _available_table(avail: gpd.GeoDataFrame, st: dict[str, Any], *, limit: int = 8) -> list[Any]:
    from reportlab.platypus import Paragraph

    rows = avail.assign(_mu=m2_to_mu(avail.geometry.area)).sort_values("_mu", ascending=False)
    frame = pd.DataFrame(
        {
            "parcel_id": rows["parcel_id"].astype(str),
            "status": [f"{status_text(s, 'zh')} {status_text(s, 'en')}" for s in rows["status"]],
            "land_use_planned": [land_use_text(c, "zh") for c in rows.get("land_use_planned", [])]
            if "land_use_planned" in rows
            else "",
            "area_mu": rows["_mu"],
        }
    )
    cols = [
        Col("parcel_id", "地块编号 site"),
        Col("status", "状态 status"),
        Col("land_use_planned", "规划用途 planned use"),
        Col("area_mu", "面积(亩) area (mu)", "area", True),
    ]
    sheet = Sheet("available", "", frame.head(limit), cols, total=False)
    more = len(frame) - limit
    out = [sheet_table(sheet, st, widths=(0.2, 0.25, 0.4, 0.15))]
    if more > 0:
        out.append(Paragraph(esc(f"另有 {more} 宗未列出 · {more} more"), st["small"]))
    return out
