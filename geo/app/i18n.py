"""Every UI string in Chinese (default) and English, and English names of common data terms.

:data:`STRINGS` holds the labels, units and messages of the app: a page never
writes a literal string a user reads. Vocabulary labels (statuses, area kinds,
land-use codes, column names) come from :mod:`geo.schema`. :data:`TERMS_EN`
translates data values that recur in Chinese workspaces (layout names, GB/T
4754 industries, target industries) when the app is in English; other data
values are shown as stored.

The pages with many strings keep their tables in sibling modules
(``geo/app/i18n_<page>.py``: checks, geom, import, parcel, plan, site_finder),
merged into :data:`STRINGS` here: every page imports :func:`t` and
:func:`t_plain` from this module only, and no key is in two tables.
"""

from __future__ import annotations

from typing import Literal

from geo.app.i18n_geom import GEOM_STRINGS
from geo.app.i18n_import import IMPORT_STRINGS
from geo.app.i18n_parcel import PARCEL_STRINGS
from geo.app.i18n_plan import PLAN_STRINGS
from geo.app.i18n_site_finder import SITE_FINDER_STRINGS

Lang = Literal["zh", "en"]

STRINGS: dict[str, tuple[str, str]] = {
    # --- app, navigation, sidebar -------------------------------------------------
    "app_title": ("腾笼 · 老工业区土地再利用", "Tenglong · land reuse in old industrial districts"),
    "nav_overview": ("总览", "Overview"),
    "nav_freed": ("腾退土地", "Freed land"),
    "nav_layout": ("空间布局", "Layout"),
    "nav_sites": ("厂区转型", "Factory sites"),
    "nav_benefit": ("亩均效益", "Benefit per mu"),
    "nav_finder": ("招商选址", "Site finder"),
    "nav_import": ("导入数据", "Import"),
    "nav_export": ("导出", "Export"),
    "language": ("语言 / Language", "语言 / Language"),
    "role": ("角色", "Role"),
    "role_planner": ("规划人员", "Planner"),
    "role_investment": ("招商人员", "Investment officer"),
    "role_investor": ("投资方(演示)", "Investor (presentation)"),
    "workspace": ("工作空间", "Workspace"),
    "workspace_open_other": (
        "打开其他工作空间 (.gpkg / GeoParquet)",
        "Open another workspace (.gpkg / GeoParquet)",
    ),
    "workspace_path": (
        "文件、数据集目录或 PostGIS 地址",
        "File, dataset directory or PostGIS URL",
    ),
    "workspace_not_workspace": (
        "请给出 .gpkg 文件（GeoPackage 工作空间）、GeoParquet 数据集目录"
        "（tenglong convert 生成）或 PostGIS 地址（postgresql://…?schema=名称）。",
        "Give a .gpkg file (a GeoPackage workspace), a GeoParquet dataset directory (made by "
        "tenglong convert) or a PostGIS URL (postgresql://…?schema=NAME).",
    ),
    "workspace_upload": ("或上传 GeoPackage 文件", "or upload a GeoPackage file"),
    "workspace_upload_help": (
        "上传的文件只保存在服务器的临时文件夹中，会话结束后删除；所有上传合计上限 {cap} MB。",
        "Uploads are kept in a temporary folder on the server and deleted when the session "
        "ends; all uploads together are capped at {cap} MB.",
    ),
    "st_upload_button": ("上传文件", "Upload"),
    "st_upload_hint": (
        "把文件拖到这里，或点击“上传文件” · 每个文件不超过 {mb} MB",
        "Drag files here or click Upload · up to {mb} MB per file",
    ),
    "st_upload_dragging": ("松开鼠标即可上传", "Drop the files to upload them"),
    "st_upload_note": (
        "每个文件不超过 {mb} MB；本服务器所有上传合计不超过 {cap} MB。",
        "Up to {mb} MB per file; all uploads on this server together at most {cap} MB.",
    ),
    "st_press_enter": ("按回车键确认", "Press Enter to apply"),
    "st_press_enter_form": ("按回车键提交表单", "Press Enter to submit the form"),
    "workspace_upload_temporary": (
        "上传为临时文件：关闭页面（会话结束）后即删除。",
        "Uploads are temporary: they are deleted when you close the page (the session ends).",
    ),
    "workspace_upload_full": (
        "上传被拒绝：临时上传空间已用 {used} MB（上限 {cap} MB），放不下这个 {size} MB 的文件。"
        "请关闭不再使用的会话后重试，或请管理员提高上限（TENGLONG_UPLOAD_CAP_MB）。",
        "Upload refused: the temporary uploads hold {used} MB of at most {cap} MB, no room for "
        "this {size} MB file. Close sessions you no longer need and try again, or ask the "
        "administrator to raise the cap (TENGLONG_UPLOAD_CAP_MB).",
    ),
    "workspace_not_gpkg": (
        "请给出 .gpkg 文件（GeoPackage 工作空间）。",
        "Give a .gpkg file (a GeoPackage workspace).",
    ),
    "ws_new": ("新建工作空间", "New workspace"),
    "ws_new_how": ("边界来自", "Boundary from"),
    "ws_new_how_district": ("区县（内置边界）", "a district (built-in boundary)"),
    "ws_new_how_boundary": ("上传边界（街道、乡镇）", "an uploaded boundary (street, town)"),
    "ws_new_search": ("搜索区县（名称或行政区划代码）", "Search a district (name or adcode)"),
    "ws_new_district": ("区县", "District"),
    "ws_new_district_placeholder": ("先在上面输入名称", "Type a name above first"),
    "ws_new_not_found": (
        "没有名为“{text}”的县级行政区。相近的有：{close}。街道、乡镇请上传边界。",
        "No county-level district is called “{text}”. Close names: {close}. For a street or "
        "town, upload its boundary.",
    ),
    "ws_new_boundary": ("边界文件", "Boundary file"),
    "ws_new_boundary_help": (
        "一个面要素：GeoJSON、Shapefile（zip 或各分量文件）、GeoPackage 或 KML，需带坐标系。",
        "A polygon: GeoJSON, a shapefile (zip or its parts), GeoPackage or KML, with its CRS.",
    ),
    "ws_new_name": ("名称（可选；上传边界时必填）", "Title (optional; needed with a boundary)"),
    "ws_new_temporary": (
        "新工作空间保存在本会话的临时文件夹，关闭页面后删除；请在“导出”页下载 GeoPackage 保存。",
        "The new workspace is kept in this session's temporary folder and deleted when you "
        "close the page; download it as a GeoPackage on the Export page to keep it.",
    ),
    "ws_new_create": ("新建并导入数据", "Create and import data"),
    "ws_new_failed": ("无法新建工作空间：{error}", "Cannot create the workspace: {error}"),
    "workspace_missing": ("文件不存在：{path}", "No such file: {path}"),
    "missing_file": ("文件不存在", "file missing"),
    "open": ("打开", "Open"),
    "basemap": ("底图", "Basemap"),
    "basemap_help": (
        "默认无底图（仅行政区界），断网可用；在线底图需要网络，天地图需要密钥。",
        "No basemap (boundaries only) by default, which works offline; online basemaps need "
        "the network, Tianditu needs a key.",
    ),
    "basemap_none": ("无（仅行政区界，离线）", "None (boundaries only, offline)"),
    "basemap_osm": ("OpenStreetMap", "OpenStreetMap"),
    "basemap_tianditu": ("天地图 矢量", "Tianditu vector"),
    "basemap_tianditu_img": ("天地图 影像", "Tianditu imagery"),
    "basemap_gaode": ("高德 矢量 (GCJ-02)", "Gaode vector (GCJ-02)"),
    "basemap_gaode_img": ("高德 影像 (GCJ-02)", "Gaode imagery (GCJ-02)"),
    "basemap_local": ("本地瓦片服务", "Local tile server"),
    "basemap_unavailable": (
        "所选底图不可用，已改用无底图：{error}",
        "The chosen basemap is not available; showing no basemap: {error}",
    ),
    "sidebar_footer": (
        "腾笼 Tenglong · 地图离线可用 · 面积按高斯-克吕格投影计算，1 亩 = 666.67 m²",
        "Tenglong · maps work offline · areas are planar in the Gauss-Krüger zone, "
        "1 mu = 666.67 m²",
    ),
    # --- shared messages ------------------------------------------------------------
    "schematic_note": (
        "示意 / schematic：演示数据，地块和园区图形为示意，"
        "汇总数字复现公开报道（见 data/README.md）。",
        "示意 / schematic: demo data. Parcel and park outlines are schematic; the totals "
        "reproduce published figures (see data/README.md).",
    ),
    "workspace_error": ("无法打开工作空间：{error}", "The workspace cannot be opened: {error}"),
    "workspace_error_hint": (
        "请在左侧选择一个演示工作空间，或打开其他 .gpkg 文件；其他页面不受影响。",
        "Pick a demo workspace in the sidebar or open another .gpkg file; the other pages "
        "keep working.",
    ),
    "workspace_problems": (
        "工作空间有 {n} 个数据问题，请用 `tenglong info` 查看。",
        "The workspace has {n} data problem(s); run `tenglong info` for the list.",
    ),
    "map_error": ("地图无法绘制：{error}", "The map cannot be drawn: {error}"),
    "page_error": (
        "本页出现错误，已记录日志；其他页面仍可使用。（{error}）",
        "This page hit an error, which has been logged; the other pages keep working. ({error})",
    ),
    "all": ("全部", "All"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "unknown": ("未知", "unknown"),
    "date_missing": ("日期缺失", "date missing"),
    "completeness_title": ("数据完整性", "Completeness"),
    "completeness_intro": (
        "{n} 个地块中有字段未知（导入时缺列或为空）。计算按保守方式处理：污染历史未知按“需调查”，"
        "日期缺失不计时，状态未知单列。",
        "Some fields are unknown in {n} parcel(s) (no column or empty when imported). The "
        "figures treat them conservatively: an unknown polluting history counts as survey "
        "needed, a missing date starts no clock, an unknown status is its own bucket.",
    ),
    "completeness_field": ("字段", "Field"),
    "completeness_missing": ("缺失地块数", "Parcels lacking it"),
    "completeness_share": ("占比", "Share"),
    "mu": ("亩", "mu"),
    "download_csv": ("下载 CSV", "Download CSV"),
    "outside": ("区外", "outside every area"),
    # --- figures and fields ----------------------------------------------------------
    "freed_mu": ("腾退土地(亩)", "Freed land (mu)"),
    "available_mu": ("可供应土地(亩)", "Available land (mu)"),
    "reused_mu": ("已供地和已投产(亩)", "Supplied and in production (mu)"),
    "freed_parcels": ("腾退地块数", "Freed parcels"),
    "published_value": ("公开报道 {value}", "published {value}"),
    "published_match": ("与公开报道一致 {value}", "matches the published {value}"),
    "published_diff": ("公开报道 {value}，差 {diff}", "published {value}, difference {diff}"),
    "parcels_count": ("地块数", "Parcels"),
    "areas_count": ("规划片区数", "Planning areas"),
    "crs": ("计算坐标系", "Working CRS"),
    "status": ("状态", "Status"),
    "area_mu": ("面积(亩)", "Area (mu)"),
    "days_in_status": ("当前状态天数", "Days in status"),
    "district": ("所在区县", "District"),
    "land_use_now": ("现状用途", "Current land use"),
    "land_use_planned": ("规划用途", "Planned land use"),
    "industry_before": ("原行业", "Former industry"),
    "polluting_history": ("污染行业历史", "Polluting history"),
    "in_area": ("所在片区", "In area"),
    "target_industries": ("主导产业", "Target industries"),
    "nearest_road": ("最近道路", "Nearest road"),
    "nearest_green": ("最近绿地", "Nearest green space"),
    "lifecycle": ("生命周期", "Lifecycle"),
    "released_on": ("腾退日期", "Released on"),
    "status_since": ("状态起始日期", "Status since"),
    "internal_fields": ("内部信息（仅规划人员可见）", "Internal fields (planners only)"),
    "card_hint": (
        "点击地图上的地块，查看面积、生命周期日期和规划用途。",
        "Click a parcel on the map to see its figures, lifecycle dates and planned use.",
    ),
    "card_not_found": (
        "地块 {id} 不在当前视图中。",
        "Parcel {id} is not in this view.",
    ),
    "card_close": ("关闭地块卡片", "Close the parcel card"),
    # --- table columns (units in the header) ----------------------------------------
    "col_level": ("层级", "Level"),
    "col_total": ("合计", "Total"),
    "col_area": ("片区", "Area"),
    "col_kind": ("类型", "Kind"),
    "col_year": ("腾退年份", "Year released"),
    "col_group": ("分组", "Group"),
    "col_parcels": ("地块数", "Parcels"),
    "col_area_mu": ("面积(亩)", "Area (mu)"),
    "col_area_ha": ("面积(公顷)", "Area (ha)"),
    "col_area_m2": ("面积(m²)", "Area (m²)"),
    "col_area_km2": ("面积(km²)", "Area (km²)"),
    "col_element": ("布局要素", "Layout element"),
    "col_element_mu": ("要素面积(亩)", "Element area (mu)"),
    "col_freed_mu": ("其中腾退土地(亩)", "Freed land inside (mu)"),
    "col_share_pct": ("占腾退土地(%)", "Share of freed land (%)"),
    "col_far_min": ("容积率下限", "FAR min"),
    "col_far_max": ("容积率上限", "FAR max"),
    "col_floor_min": ("可建建筑面积下限(万m²)", "Floor area min (10k m²)"),
    "col_floor_max": ("可建建筑面积上限(万m²)", "Floor area max (10k m²)"),
    "col_invest_per_mu": ("投资强度(万元/亩)", "Investment intensity (10k yuan/mu)"),
    "col_invest_yi": ("所需投资(亿元)", "Investment required (100m yuan)"),
    "col_output": ("预期年产值(万元)", "Expected output (10k yuan/yr)"),
    "col_tax": ("预期年税收(万元)", "Expected tax (10k yuan/yr)"),
    "col_layout": ("布局", "Layout"),
    "col_version": ("版本", "Version"),
    "col_valid_from": ("生效日期", "Valid from"),
    "col_valid_to": ("失效日期", "Valid to"),
    "col_parcels_mu": ("区内地块(亩)", "Parcels inside (mu)"),
    "col_plate": ("板块", "Plate"),
    "col_first_class": ("第一类用地(GB 36600)", "First-class land (GB 36600)"),
    "col_parcel_id": ("地块编号", "Parcel ID"),
    "col_name": ("名称", "Name"),
    "col_parcel_name": ("地块名称", "Parcel name"),
    "col_reason": ("原因", "Reason"),
    "col_subject": ("对象", "Subject"),
    "col_milestone": ("节点", "Milestone"),
    "col_due": ("期限", "Due"),
    "col_done": ("完成日期", "Done"),
    "col_state": ("进度", "State"),
    "col_days_late": ("逾期天数", "Days late"),
    "col_note": ("说明", "Note"),
    "col_class": ("等级", "Class"),
    "col_firms": ("企业数", "Firms"),
    "col_firm": ("企业", "Firm"),
    "col_land_share": ("用地占比(%)", "Share of land (%)"),
    "col_tax_wan": ("税收(万元)", "Tax (10k yuan)"),
    "col_value_added_wan": ("增加值(万元)", "Value added (10k yuan)"),
    "col_rank": ("排名", "Rank"),
    "col_scale": ("规模", "Scale"),
    "col_tax_per_mu": ("亩均税收(万元/亩)", "Tax/mu (10k yuan)"),
    "col_va_per_mu": ("亩均增加值(万元/亩)", "Value added/mu (10k yuan)"),
    "col_score": ("综合得分", "Score"),
    # --- overview --------------------------------------------------------------------
    "overview_title": ("总览", "Overview"),
    "filters": ("筛选", "Filters"),
    "filter_clear": ("清除筛选", "Clear filters"),
    "chip_label": ("{field}：{value}", "{field}: {value}"),
    "chip_remove": ("去掉这个筛选条件：{label}", "Remove this filter: {label}"),
    "chips_clear_all": ("清除全部", "Clear all"),
    "chip_project": ("项目类别", "Project"),
    "filter_status": ("状态", "Status"),
    "filter_area": ("规划片区", "Planning area"),
    "filter_industry": ("原行业", "Former industry"),
    "filter_year": ("腾退年份", "Year released"),
    "filter_result": ("筛选结果：{n} 块地，{mu} 亩", "Filtered: {n} parcels, {mu} mu"),
    "filter_empty": (
        "没有符合条件的地块，请放宽筛选条件。",
        "No parcel matches these filters; loosen them.",
    ),
    "filter_days": ("当前状态天数 ≥", "Days in status ≥"),
    "filter_days_help": (
        "只看处于当前状态至少这么多天的地块（0 为不限）；闲置超过一年：状态选“闲置”，这里填 365。",
        "Only parcels in their status for at least this many days (0: any); idle for more "
        "than a year: status idle and 365 here.",
    ),
    "list_title": ("地块列表（{n} 块）", "Parcel list ({n})"),
    "list_id": ("编号", "ID"),
    "list_name": ("名称", "Name"),
    "list_status": ("状态", "Status"),
    "list_area_mu": ("面积（亩）", "Area (mu)"),
    "list_place": ("所在片区", "Planning area"),
    "list_pick_hint": (
        "点击表头排序；选中一行，右侧显示该地块，地图缩放到该地块。",
        "Click a header to sort; pick a row to show that parcel on the card and zoom the map "
        "to it.",
    ),
    "list_download_xlsx": ("下载列表 (xlsx)", "Download the list (xlsx)"),
    "list_download_csv": ("下载列表 (csv)", "Download the list (csv)"),
    "list_file": ("地块列表", "parcel-list"),
    "list_sheet": ("地块列表", "parcels"),
    # --- freed land ------------------------------------------------------------------
    "freed_title": ("腾退土地", "Freed land"),
    "freed_definition": (
        "腾退土地 = 已腾退 + 已收储 + 已供地 + 已投产（已离开原用途的土地），面积按投影坐标计算。",
        "Freed land = released + stored + supplied + in production (land that has left its "
        "old use); areas are planar in the projected CRS.",
    ),
    "freed_no_areas": (
        "工作空间还没有规划片区：在“导入数据”页导入片区（层 areas）后，"
        "这里按片区、年份和行业汇总腾退土地。",
        "The workspace has no planning areas yet: import them on the Import data page (table "
        "areas) and the freed land is summarised here by area, year and industry.",
    ),
    "freed_none": ("这个工作空间没有腾退土地。", "This workspace has no freed land."),
    "by_year": ("按年份", "By year"),
    "by_area": ("按片区", "By area"),
    "by_industry": ("按原行业", "By former industry"),
    "by_status": ("按状态", "By status"),
    "by_district": ("按区县", "By district"),
    "by_area_note": (
        "片区可以嵌套：每一层级单独汇总，每层合计都等于腾退土地总量（含区外）。",
        "Areas may nest: each level is totalled on its own and adds up to all freed land "
        "(outside included).",
    ),
    "summary_table": ("汇总表", "Summary table"),
    "summary_by": ("汇总维度", "Group by"),
    "dim_area": ("片区", "area"),
    "dim_status": ("状态", "status"),
    "dim_year": ("年份", "year"),
    "dim_industry": ("原行业", "former industry"),
    "dim_district": ("区县", "district"),
    "freed_map": ("腾退土地地图（按状态着色）", "Freed land on the map (coloured by status)"),
    # --- benefit ---------------------------------------------------------------------
    "benefit_title": ("亩均效益评价", "Benefit per mu evaluation"),
    "benefit_no_firms": (
        "这个工作空间没有企业表（enterprises），无法评价。",
        "This workspace has no enterprises table to evaluate.",
    ),
    "preset": ("评价方案", "Scheme"),
    "preset_source": ("出处", "Source"),
    "custom_weights": ("自定义权重", "Custom weights"),
    "weight": ("权重", "weight"),
    "benefit_error": ("无法评价：{error}", "The evaluation cannot run: {error}"),
    "firms_evaluated": ("参评企业", "Firms evaluated"),
    "unclassified": ("未分类", "unclassified"),
    "benefit_summary": ("按等级汇总", "By class"),
    "benefit_firms": ("企业评价结果", "Firms"),
    "low_eff_title": ("低效用地（可腾退候选）", "Low-efficiency land (candidates for release)"),
    "low_eff_none": ("没有低效用地候选。", "No low-efficiency candidates."),
    "low_eff_count": (
        "{n} 块地，{mu} 亩：D 类企业用地和闲置土地。",
        "{n} parcels, {mu} mu: land of class-D firms and idle land.",
    ),
    # --- export ----------------------------------------------------------------------
    "export_title": ("导出", "Export"),
    "export_intro": (
        "按受众导出：投资方版本只含可供应地块和公开字段。",
        "Export for an audience: the investor version holds only available sites and public "
        "fields.",
    ),
    "export_format": ("格式", "Format"),
    "export_role": ("受众", "Audience"),
    "export_lang": ("语言", "Language"),
    "export_make": ("生成文件", "Make the file"),
    "export_failed": ("无法导出：{error}", "The export failed: {error}"),
    "export_ready": ("已生成 {name}（{kb} KB）。", "{name} is ready ({kb} KB)."),
    "export_download": ("下载", "Download"),
    "export_scope": ("范围", "Scope"),
    "export_scope_all": ("整个工作空间", "the whole workspace"),
    "export_site": (
        "选址单页：地块编号或园区编号（留空则为腾退报告）",
        "Site sheet: a parcel or area ID (empty for the release report)",
    ),
    "export_txt_site": (
        "只导出一个地块：地块编号（留空则为所选范围内全部地块）",
        "One parcel only: its parcel ID (empty for every parcel in scope)",
    ),
    "export_txt_encoding": ("文件编码", "Encoding"),
    "export_txt_per_parcel": (
        "每个地块一个文件（打包为 zip）",
        "One file per parcel (zipped)",
    ),
    "export_txt_help": (
        "报盘坐标 txt（勘测定界界址点坐标交换格式）：2000国家大地坐标系 3° 带（带号前缀），"
        "X 为北坐标、Y 为东坐标，地块面积为公顷（4 位小数），内环为圈号 2、3……",
        "Baopan coordinate txt (the boundary-survey point exchange format): CGCS2000 3° zone "
        "with the zone prefix, X northing before Y easting, parcel area in hectares "
        "(4 decimals), holes as ring numbers 2, 3 …",
    ),
    # --- large workspaces (geo/app/large_map.py, geo/app/overview_large.py) ---------------
    "large_mode": (
        "大型工作空间：共 {n} 块地块，不整体载入内存；汇总由 {engine} 引擎计算（{seconds} 秒，"
        "按数据集版本缓存）。",
        "Large workspace: {n} parcels, never loaded whole into memory; the figures come from "
        "the {engine} engine ({seconds} s, cached per dataset version).",
    ),
    "large_computing": (
        "正在计算汇总（每个数据集版本只计算一次）…",
        "Computing the summary (once per dataset version)…",
    ),
    "large_converting": (
        "首次打开大型 GeoPackage：正在转换为 GeoParquet（每个文件版本只转换一次）…",
        "First opening of a large GeoPackage: converting it to GeoParquet (once per file version)…",
    ),
    "large_opening": ("正在读取地块（大型工作空间）…", "Reading the parcels (large workspace)…"),
    "dataset_read_only": (
        "GeoParquet 数据集在应用中只读：请在源 GeoPackage 中修改，再用 tenglong convert 重新转换。",
        "A GeoParquet dataset is read-only in the app: edit its source GeoPackage and convert it "
        "again with tenglong convert.",
    ),
    "dataset_read_only_source": (
        "GeoParquet 数据集在应用中只读，由 {source} 转换而来：在源 GeoPackage 中编辑"
        "（打开它即可编辑，应用按其新版本重新转换）。",
        "A GeoParquet dataset is read-only in the app; it was converted from {source}: edit "
        "there (open it to edit; the app converts each new version again).",
    ),
    "dataset_stale": (
        "此数据集已过期：源文件 {source} 在转换后已被修改，这里显示的是转换时的数据。"
        "请打开源文件，或重新转换：{cmd}",
        "This dataset is out of date: its source {source} changed after it was converted, and "
        "what you see is the data as converted. Open the source, or convert it again: {cmd}",
    ),
    "dataset_open_source": ("打开源 GeoPackage（可编辑）", "Open the source GeoPackage (editable)"),
    "large_loading": ("正在读取所选范围的地块…", "Reading the parcels of the selection…"),
    "large_aggregated": (
        "汇总显示 / aggregated：{scope}共 {n} 块地块（{what}，{mu} 亩），"
        "按 {unit} 汇总（{units} 个），颜色表示亩数。"
        "点击网格或片区查看其中的地块（不超过 {limit} 块时显示单个地块），或用筛选缩小范围。",
        "汇总显示 / aggregated: {scope}{n} parcels ({what}, {mu} mu) shown per {unit} "
        "({units} in all), coloured by mu. Click a cell or an area to see its parcels (single "
        "parcels are shown for {limit} or fewer), or narrow the view with the filters.",
    ),
    "large_scope": ("{name}：", "{name}: "),
    "large_in_view": ("当前视图", "In view"),
    "large_edit_note": (
        "修改直接保存到该 GeoPackage（留痕）；保存后，大型工作空间按新版本重新读取。",
        "Edits are saved to this GeoPackage (audited); after a save the large workspace is "
        "read again at its new revision.",
    ),
    "large_unit": ("汇总方式", "Aggregate by"),
    "large_unit_cell": ("网格", "Grid cells"),
    "large_unit_area": ("规划片区", "Planning areas"),
    "large_unit_cells": ("{cell} 网格", "{cell} grid cell"),
    "large_unit_areas": ("规划片区", "planning area"),
    "large_cell_name": ("{cell} 网格 ({x}, {y})", "{cell} grid cell ({x}, {y})"),
    "large_what_freed": ("腾退土地", "freed land"),
    "large_status_default": ("腾退土地（默认）", "Freed land (default)"),
    "large_back": ("返回总览", "Back to overview"),
    "large_parcels_shown": (
        "{scope}显示 {n} 块地块（{mu} 亩）。",
        "{scope}showing {n} parcels ({mu} mu).",
    ),
    "large_truncated": (
        "共 {total} 块，只显示面积最大的 {n} 块；请进一步缩小范围。",
        "{total} parcels: only the {n} largest are shown; narrow the view further.",
    ),
    "large_card_hint": (
        "点击地图上的网格或片区查看其中的地块；地块显示后，点击地块查看详情卡片。",
        "Click a grid cell or an area on the map to see its parcels; once parcels are shown, "
        "click one for its card.",
    ),
    "large_read_only": (
        "这个 GeoParquet 数据集在应用中只读：请在源 GeoPackage 或 PostGIS 中修改后重新转换。",
        "This GeoParquet dataset is read-only in the app: edit its source GeoPackage or "
        "PostGIS and convert it again.",
    ),
    "large_parcels_table": ("所示地块", "Parcels shown"),
    "large_areas_table": ("各片区腾退土地", "Freed land by area"),
    "large_layer_title": ("{what}（亩）· 汇总显示", "{what} (mu) · aggregated"),
    "large_summary_running": (
        "正在由引擎计算 {dims} 汇总…",
        "The engine is computing the summary by {dims}…",
    ),
}

STRINGS.update(GEOM_STRINGS)  # the 地块编辑 page (geo/app/i18n_geom.py)
STRINGS.update(PARCEL_STRINGS)  # the parcel card and its edits (geo/app/i18n_parcel.py)
STRINGS.update(PLAN_STRINGS)  # the layout and factory-sites pages (geo/app/i18n_plan.py)
STRINGS.update(SITE_FINDER_STRINGS)  # the 招商选址 page (geo/app/i18n_site_finder.py)
STRINGS.update(IMPORT_STRINGS)  # the 导入数据 page (geo/app/i18n_import.py)

TERMS_EN: dict[str, str] = {
    # layouts
    "一区一园一廊": "one zone, one park, one corridor",
    "五园三基地": "five parks, three bases",
    "一区两园": "one cluster, two parks",
    "两大平台": "two platforms",
    "先进制造业开发区": "advanced-manufacturing development zones",
    "东山创意产业园区": "Dongshan Creative Industry Park",
    "广耀创新产业园区": "Guangyao Innovation Industry Park",
    # GB/T 4754 industries
    "专用设备制造业": "special-purpose machinery",
    "农副食品加工业": "agricultural and sideline food processing",
    "化学原料和化学制品制造业": "chemical raw materials and products",
    "医药制造业": "pharmaceuticals",
    "印刷和记录媒介复制业": "printing and recording media",
    "文教、工美、体育和娱乐用品制造业": "stationery, crafts, sports and leisure goods",
    "木材加工和木、竹、藤、棕、草制品业": "wood, bamboo, rattan and straw products",
    "橡胶和塑料制品业": "rubber and plastic products",
    "汽车制造业": "motor vehicles",
    "炼焦": "coking",
    "煤炭开采和洗选业": "coal mining and washing",
    "电气机械和器材制造业": "electrical machinery and equipment",
    "纺织服装、服饰业": "textile garments and apparel",
    "耐火材料制品制造": "refractory products",
    "计算机、通信和其他电子设备制造业": "computers, communication and electronic equipment",
    "通用设备制造业": "general-purpose machinery",
    "造纸和纸制品业": "paper and paper products",
    "金属制品业": "metal products",
    "金属表面处理及热处理加工": "metal surface and heat treatment",
    "铸造及其他金属制品制造": "casting and other metal products",
    "非金属矿物制品业": "non-metallic mineral products",
    "黑色金属冶炼和压延加工业": "ferrous metal smelting and rolling",
    # target industries
    "互联网+医疗": "internet + health care",
    "光通信": "optical communication",
    "创业孵化": "start-up incubation",
    "创客孵化": "maker incubation",
    "创意设计": "creative design",
    "劳动密集型产业": "labour-intensive industry",
    "城市综合体": "urban complex",
    "大健康": "health and wellness",
    "循环经济": "circular economy",
    "数控设备": "CNC equipment",
    "文化创意": "culture and creative industries",
    "新一代信息技术": "next-generation IT",
    "新业态": "new business forms",
    "新产业": "new industries",
    "新型建材": "new building materials",
    "新技术": "new technology",
    "新材料": "new materials",
    "新模式": "new business models",
    "新能源": "new energy",
    "新能源电动汽车全产业链": "new-energy electric vehicle chain",
    "日用化工": "household chemicals",
    "智能装备制造": "intelligent equipment manufacturing",
    "机加工": "machining",
    "机械加工": "machining",
    "汽车零部件": "auto parts",
    "现代化工及功能性新材料": "modern chemicals and functional materials",
    "生物医药": "biomedicine",
    "生物工程": "bioengineering",
    "电子商务": "e-commerce",
    "电子电器": "electronics and appliances",
    "科技服务": "technology services",
    "科技装备": "technology equipment",
    "精密铸造": "precision casting",
    "绿色食品": "green food",
    "节能环保": "energy saving and environmental protection",
    "装备制造": "equipment manufacturing",
    "跨境电商": "cross-border e-commerce",
    "轻工业": "light industry",
    "通信": "communications",
    "造纸": "paper",
    "钢铁产业链延伸": "steel value-chain extension",
    "钢铁深加工": "steel deep processing",
    "高新科技": "high technology",
    "高端智能机器人": "high-end intelligent robots",
    "高端液压件": "high-end hydraulic parts",
}
"""English for recurring Chinese data values; unknown values are shown as stored."""


_MD_SPECIAL = "\\`*_{}[]()#+-.!|<>~$:"
"""Characters Markdown (CommonMark, GitHub, Streamlit's ``:color[…]`` and ``$…$``) or HTML read."""


def md(text: object) -> str:
    """``text`` with Markdown and HTML special characters escaped (data never formats).

    Examples
    --------
    >>> md("**x** <b>")
    '\\\\*\\\\*x\\\\*\\\\* \\\\<b\\\\>'
    """
    s = "" if text is None else str(text)
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in s)


def md_code(text: object) -> str:
    """``text`` as a Markdown code span whose fence no backtick inside can close.

    Examples
    --------
    >>> md_code("a.gpkg"), md_code("a`b")
    ('`a.gpkg`', '`` a`b ``')
    """
    s = "" if text is None else str(text).replace("\n", " ")
    longest, run = 0, 0
    for c in s:
        run = run + 1 if c == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    return f"{fence} {s} {fence}" if longest else f"{fence}{s}{fence}"


class Markdown(str):
    """Text that is Markdown already (a :func:`t` result): :func:`t` does not escape it again."""

    __slots__ = ()


def t(key: str, lang: Lang = "zh", **kwargs: object) -> Markdown:
    """The UI string ``key`` in ``lang``, formatted with ``kwargs`` escaped for Markdown.

    Every keyword value is passed through :func:`md` (a workspace name, a
    typed path, an error message or an editor's name can never format, link
    or embed anything), except a :class:`Markdown` value such as another
    :func:`t` result. The result is Markdown: for places that render no
    Markdown (a table cell, a map legend, a metric's delta, a file name) use
    :func:`t_plain`.

    Examples
    --------
    >>> t("nav_overview", "en")
    'Overview'
    >>> t("published_value", "zh", value="10,269")
    '公开报道 10,269'
    >>> t("workspace_missing", "en", path="[a](https://example.org)")
    'No such file: \\\\[a\\\\]\\\\(https\\\\://example\\\\.org\\\\)'
    """
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    if not kwargs:
        return Markdown(text)
    safe = {k: v if isinstance(v, Markdown) else md(v) for k, v in kwargs.items()}
    return Markdown(text.format(**safe))


def t_plain(key: str, lang: Lang = "zh", **kwargs: object) -> str:
    """The UI string ``key`` in ``lang`` with ``kwargs`` as they are, for text no Markdown renders.

    Examples
    --------
    >>> t_plain("published_diff", "en", value="10,269", diff="+12")
    'published 10,269, difference +12'
    """
    zh, en = STRINGS[key]
    text = zh if lang == "zh" else en
    return text.format(**kwargs) if kwargs else text


def term(value: object, lang: Lang = "zh") -> str:
    """A data value in ``lang``: its English name when known, else as stored.

    Examples
    --------
    >>> term("一区一园一廊", "en"), term("一区一园一廊", "zh"), term("某产业", "en")
    ('one zone, one park, one corridor', '一区一园一廊', '某产业')
    """
    if value is None:
        return ""
    text = str(value)
    if lang == "en":
        return TERMS_EN.get(text, text)
    return text


# The 检查与监管 page and the supervision reports keep their strings apart
# (geo/app/i18n_checks.py); one lookup for all.
from geo.app.i18n_checks import CHECKS_STRINGS  # noqa: E402

STRINGS.update(CHECKS_STRINGS)

# The 亩均 page's years section (geo/app/i18n_benefit.py).
from geo.app.i18n_benefit import BENEFIT_STRINGS  # noqa: E402

STRINGS.update(BENEFIT_STRINGS)
