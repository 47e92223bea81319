"""UI strings of the 招商选址 / Site finder page (merged into :data:`geo.app.i18n.STRINGS`).

Kept apart so that :mod:`geo.app.i18n` stays readable; the same rules hold
(both languages, no CJK characters in English, ``{name}`` placeholders).
"""

from __future__ import annotations

SITE_FINDER_STRINGS: dict[str, tuple[str, str]] = {
    # --- site finder -----------------------------------------------------------------
    "finder_title": ("招商选址", "Site finder"),
    "sf_size": ("面积(亩)", "Size (mu)"),
    "sf_park": ("园区/片区", "Park or area"),
    "sf_industry": ("目标产业", "Target industry"),
    "sf_use": ("项目类别(规划用途须允许)", "Project (the planned use must admit it)"),
    "sf_use_help": (
        "只列出规划用途允许该类项目的地块；例如二类工业项目只能落在二类工业用地上。",
        "Only parcels whose planned use admits this project are listed; e.g. a class-2 "
        "factory goes on class-2 industrial land only.",
    ),
    "sf_any_use": ("任意可建设用途", "any buildable use"),
    "sf_road_pick": ("道路", "Road"),
    "sf_any_road": ("最近的道路", "the nearest road"),
    "sf_road_km": ("距离不超过(km)", "Within (km)"),
    "sf_road_help": ("0 表示不限。", "0 means any distance."),
    "sf_road_within": ("距{road} {d} km 以内", "within {d} km of {road}"),
    "sf_gap": ("连片间距(m)", "Join across (m)"),
    "sf_gap_help": (
        "相距不超过此距离（如隔一条内部道路）的可供应地块合为一个连片地块；"
        "0 表示只合并相接的地块。",
        "Available parcels this close (e.g. across an internal road) are offered as one "
        "assembled site; 0 joins only parcels that touch.",
    ),
    "sf_not_offered": (
        "{n} 块可供应地块未列出：其规划用途不允许所选项目（或为绿地、留白等不可建设用地）。",
        "{n} available parcels are not listed: their planned use does not admit the chosen "
        "project (or is green space, reserve or other land not for building).",
    ),
    "sf_assembled": ("连片地块 · {n} 宗", "Assembled site · {n} parcels"),
    "sf_members": ("组成地块", "Parcels"),
    "sf_planned_uses": ("规划用途", "Planned uses"),
    "sf_far": ("容积率", "Floor-area ratio"),
    "sf_soil": ("土壤", "Soil"),
    "sf_soil_required": ("须开展土壤污染状况调查", "soil investigation required"),
    "sf_area_note": (
        "面积为各地块面积之和，不含地块间道路。",
        "The area is the sum of the parcels' areas, without the roads between them.",
    ),
    "sf_no_score": ("未评分：未设条件，按面积排序", "Not scored: no criterion set; largest first"),
    "fit_size": ("面积", "size"),
    "fit_road": ("道路", "road"),
    "fit_industry": ("产业", "industry"),
    "fit_ready": ("可供应", "ready"),
    "sf_sheet": ("地块信息表(PDF)", "Site sheet (PDF)"),
    "sf_available": ("只看可供应", "Available only"),
    "sf_available_help": (
        "只列出可供应的地块：已腾退、已收储。",
        "List only sites available to supply: released or stored.",
    ),
    "sf_all_sites": ("全部可供应地块", "All available sites"),
    "sf_found": ("**{n}** 块地符合条件，共 **{mu}** 亩", "**{n}** sites match, **{mu}** mu in all"),
    "sf_none": ("没有符合条件的地块，请放宽条件。", "No site matches; loosen the filters."),
    "sf_fit": ("匹配度 {fit} / {max}", "Fit {fit} / {max}"),
    "sf_show_on_map": ("在地图上查看", "Show on the map"),
    "sf_pick_hint": (
        "点击地图上的地块或下方卡片的“在地图上查看”，查看地块详情。",
        "Click a site on the map, or “Show on the map” on a card below, to see it.",
    ),
    "sf_cards": ("推荐地块（按匹配度排序）", "Sites, best fit first"),
    "sf_cards_by_size": ("可供应地块（按面积排序）", "Sites, largest first"),
    "sf_more": (
        "另有 {n} 块地，请收紧条件查看。",
        "{n} more sites; narrow the filters to see them.",
    ),
    "sf_share": ("分享链接（打开即为当前视图）", "Share link (opens exactly this view)"),
    "sf_share_present": (
        "演示模式链接（投资方视图）：",
        "Presentation link (the investor's view):",
    ),
    "sf_present": ("进入演示模式", "Start presentation mode"),
    "present_title": ("{name} · 可供应地块推介", "{name} · sites available to investors"),
    "present_footer": (
        "以上为可供应地块的公开信息。面积按投影坐标计算，1 亩 = 666.67 m²。",
        "Public information on sites available to supply. Areas are planar; 1 mu = 666.67 m².",
    ),
    "present_exit": ("退出演示", "Leave presentation"),
    "sf_share_investor": (
        "**发给投资方的链接**（签名，{days} 天内有效，只显示可供应地块和公开信息）：",
        "**Link for investors** (signed, valid for {days} days; available sites and public "
        "information only):",
    ),
    "sf_share_colleague": (
        "同事链接（打开规划应用中的当前视图，需要登录）：",
        "Link for colleagues (this view in the planner app; needs a login):",
    ),
    "sf_share_unavailable": (
        "无法生成投资方链接：{error}",
        "Cannot make the link for investors: {error}",
    ),
    "share_refused_title": ("腾笼 · 招商选址", "Tenglong · site finder"),
    "share_refused": (
        "链接已失效或被篡改：请向发送人索取新链接。",
        "This link has expired or was altered: ask the sender for a new one.",
    ),
    "share_refused_malformed": ("链接不完整", "the link is incomplete"),
    "share_refused_altered": ("链接已被修改", "the link was changed"),
    "share_refused_expired": ("链接已过期", "the link has expired"),
    "share_refused_workspace": (
        "链接所指的数据不在此服务器上",
        "the link's data is not on this server",
    ),
    "share_refused_unchecked": (
        "服务器无法核验链接",
        "the server cannot check links",
    ),
    "open_planner_title": ("腾笼 Tenglong", "Tenglong"),
    "open_planner_refused": (
        "本规划实例监听的地址超出本机，但未配置登录，因此不提供服务。请配置登录（st.login），"
        "或只监听 localhost；面向投资方请运行 `tenglong serve --mode investor`。",
        "This planner instance listens beyond this machine without a login, so it serves "
        "nothing. Configure a login (st.login) or listen on localhost only; for investors run "
        "`tenglong serve --mode investor`.",
    ),
}
