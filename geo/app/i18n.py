"""Every UI string in Chinese (default) and English, and English names of common data terms.

:data:`STRINGS` holds the labels, units and messages of the app: a page never
writes a literal string a user reads. Vocabulary labels (statuses, area kinds,
land-use codes, column names) come from :mod:`geo.schema`. :data:`TERMS_EN`
translates data values that recur in Chinese workspaces (layout names, GB/T
4754 industries, target industries) when the app is in English; other data
values are shown as stored.
"""

from __future__ import annotations

from typing import Literal

from geo.app.i18n_geom import GEOM_STRINGS

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
    "workspace_path": ("文件或数据集目录路径", "File or dataset directory path"),
    "workspace_not_workspace": (
        "请给出 .gpkg 文件（GeoPackage 工作空间）或 GeoParquet 数据集目录"
        "（tenglong convert 生成）。",
        "Give a .gpkg file (a GeoPackage workspace) or a GeoParquet dataset directory (made by "
        "tenglong convert).",
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
    # --- editing a parcel (planner) and the audit history ---------------------------
    "edit_title": ("修改地块状态", "Change the parcel's status"),
    "edit_status": ("新状态", "New status"),
    "edit_on": ("变更日期", "Date of the change"),
    "edit_note": ("备注（如批复文号）", "Note (e.g. the decision's reference)"),
    "edit_save": ("保存", "Save"),
    "edit_none": (
        "当前状态没有可直接变更的下一状态。",
        "The current status has no next status to change to.",
    ),
    "edit_demo_copy": (
        "当前是演示工作空间：保存将写入它的工作副本，演示数据保持不变。",
        "This is a demo workspace: saving writes into a working copy and the demo data stay "
        "unchanged.",
    ),
    "edit_in_working_copy": (
        "编辑保存在工作副本 {name}（演示数据保持不变）。",
        "Edits are saved in the working copy {name} (the demo data stay unchanged).",
    ),
    "working_copy_caption": (
        "编辑保存在工作副本 {name}，演示工作空间 {demo} 保持不变；"
        "关闭页面（会话结束）后副本即删除。",
        "Edits are saved in the working copy {name}; the demo workspace {demo} stays unchanged. "
        "The copy is deleted when you close the page (the session ends).",
    ),
    "edit_saved": (
        "已保存：地块 {id} 的状态改为“{status}”（{on}），版本 {version}。",
        "Saved: parcel {id} is now {status} (since {on}), version {version}.",
    ),
    "edit_unchanged": ("没有需要保存的变更。", "Nothing to save: no field changed."),
    "edit_conflict": (
        "未保存：地块 {id} 在您打开后已被 {who} 于 {at} 修改（{changes}）。"
        "您的修改（{mine}）没有写入，对方的修改也没有丢失。请重新载入，核对后再保存。",
        "Not saved: parcel {id} was changed by {who} at {at} after you opened it ({changes}). "
        "Your change ({mine}) was not written and theirs is kept. Reload, compare and save "
        "again.",
    ),
    "edit_conflict_unknown": ("其他编辑者", "another editor"),
    "edit_reload": ("重新载入地块", "Reload the parcel"),
    "edit_date_before": (
        "未保存：日期 {on} 早于当前状态的起始日期 {since}，请填写更晚的日期。",
        "Not saved: the date {on} is before the current status_since {since}; give a later date.",
    ),
    "edit_date_future": (
        "未保存：日期 {on} 在未来，请在状态实际变更后再记录。",
        "Not saved: the date {on} is in the future; record a change once it has happened.",
    ),
    "edit_not_allowed": (
        "未保存：地块不能从“{old}”直接变为“{new}”；可变更为：{allowed}。",
        "Not saved: a parcel cannot go from {old} to {new}; it can go to {allowed}.",
    ),
    "edit_invalid": ("未保存：{error}", "Not saved: {error}"),
    "edit_busy": (
        "未保存：工作空间正被其他编辑占用，请稍后再试。（{error}）",
        "Not saved: another edit is holding the workspace; try again in a moment. ({error})",
    ),
    "edit_role": ("无权修改：{error}", "Not allowed: {error}"),
    "edit_disk_full": (
        "未保存：{mount} 所在磁盘已满（剩余 {free}），修改没有写入，工作空间文件保持原样。"
        "请清理 {mount} 上的空间（删除或移走文件）后再保存。",
        "Not saved: the disk holding {mount} is full ({free} free); the change was not "
        "written and the workspace file is unchanged. Free space on {mount} (delete or move "
        "files there) and save again.",
    ),
    "edit_read_only": (
        "未保存：工作空间 {path} 位于只读位置（{mount}），可以查看但不能修改，文件保持原样。"
        "请把它复制到可写的文件夹，再打开副本进行修改。",
        "Not saved: the workspace {path} is in a read-only place ({mount}): it can be viewed "
        "but not changed, and the file is unchanged. Copy it to a writable folder and open "
        "the copy to edit it.",
    ),
    # --- parcel card: supply contract and idle-land case -----------------------------
    "supply_contract": ("供地合同", "Supply contract"),
    "supply_contract_none": (
        "此地块没有登记供地合同。",
        "No supply contract recorded for this parcel.",
    ),
    "supply_contract_edit": ("录入或修改供地合同", "Add or edit a supply contract"),
    "supply_contract_pick": ("合同", "Contract"),
    "supply_contract_new": ("新合同", "New contract"),
    "supply_contract_saved": ("已保存供地合同 {id}。", "Supply contract {id} saved."),
    "idle_case": ("闲置土地处置", "Idle-land case"),
    "idle_case_none": (
        "此地块不是闲置土地，也没有闲置土地处置案件。",
        "This parcel is not idle land and has no idle-land case.",
    ),
    "idle_basis": (
        "依据《闲置土地处置办法》（国土资源部令第53号）第二条（认定）、第八条（政府原因、不可抗力期间不计）、"
        "第十四条（满一年征缴出让或划拨价款20%的土地闲置费，满两年无偿收回）。",
        "Under the Measures on the Disposal of Idle Land (MLR Order No. 53): art. 2 (definition), "
        "art. 8 (periods caused by the government or force majeure are not counted), art. 14 "
        "(one full year: a fee of 20% of the price; two full years: recovery without "
        "compensation).",
    ),
    "idle_days_net": ("净闲置天数", "Idle days (net)"),
    "idle_fee_due": ("应缴闲置费(万元)", "Idle-land fee due (10k yuan)"),
    "idle_recovery_due": ("满两年可无偿收回", "Recovery due (two years)"),
    "idle_exempt_days": (
        "其中 {days} 天因政府原因或不可抗力不计。",
        "{days} day(s) not counted (government cause or force majeure).",
    ),
    "idle_next": ("下一步：{step}，期限 {due}。", "Next step: {step}, due {due}."),
    "idle_next_overdue": (
        "下一步：{step}，期限 {due}，已逾期。",
        "Next step: {step}, due {due}: overdue.",
    ),
    "idle_ongoing": ("持续中", "ongoing"),
    "idle_found_on": ("立案调查日期", "Investigation opened on"),
    "idle_open": ("立案调查", "Open an idle-land case"),
    "idle_step_on": ("办理日期", "Date of the step"),
    "idle_step_to": ("办理：{step}", "Record: {step}"),
    "idle_saved": ("已保存 {id} 的处置记录。", "Idle-land record of {id} saved."),
    "idle_exempt_title": ("登记不计期间（第八条）", "Record a period not counted (art. 8)"),
    "idle_exempt_save": ("保存不计期间", "Save the period"),
    "idle_exempt_end_on": ("{id} 结束日期", "Last day of {id}"),
    "idle_exempt_end": ("结束该期间", "End the period"),
    "history_title": ("修改记录", "Change history"),
    "history_empty": ("此地块还没有修改记录。", "No changes recorded for this parcel yet."),
    "hist_at": ("时间（{tz}）", "When ({tz})"),
    "hist_change": ("原值 → 新值", "Before → after"),
    "hist_who": ("修改人", "Who"),
    "hist_field": ("字段", "Field"),
    "hist_before": ("原值", "Before"),
    "hist_after": ("新值", "After"),
    "hist_version": ("版本", "Version"),
    "hist_note": ("备注", "Note"),
    "login_title": ("请登录", "Please log in"),
    "login_intro": (
        "腾笼平台需要登录。登录后按您的单位和角色显示内容。",
        "Tenglong needs a login; what you see depends on your organisation and role.",
    ),
    "login_button": ("登录", "Log in"),
    "logout_button": ("退出登录", "Log out"),
    "login_no_role": ("登录成功，但没有分配角色：{error}", "Logged in, but no role: {error}"),
    "logged_in_as": ("当前用户：{user}（{role}）", "Logged in as {user} ({role})"),
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
    # --- layout ----------------------------------------------------------------------
    "layout_title": ("空间布局", "Layout"),
    "layout": ("布局", "Layout"),
    "layout_none": (
        "这个工作空间的规划片区没有标注布局（areas.layout）。",
        "No planning area of this workspace names a layout (areas.layout).",
    ),
    "layout_elements": ("布局要素数", "Elements"),
    "layout_elements_title": ("各布局要素", "Elements of the layout"),
    "freed_inside": ("布局内腾退土地(亩)", "Freed land inside (mu)"),
    "freed_outside": ("布局外腾退土地(亩)", "Freed land outside (mu)"),
    "share_of_freed": ("占 {pct}%", "{pct}% of freed land"),
    "capacity_invest": ("所需投资(亿元)", "Investment needed (100m yuan)"),
    "capacity_note": (
        "承载能力：布局内腾退土地面积 × 各要素的容积率、投资强度、地均产值和税收目标。",
        "Capacity: the freed land inside each element × that element's FAR, investment "
        "intensity and output and tax targets.",
    ),
    "outside_layout": ("布局以外", "Outside the layout"),
    "current_use_title": ("现状用地（三调）", "Current land use (land survey)"),
    "current_use_none": (
        "这个工作空间没有三调现状地类（landuse_survey）。导入县级三调/变更调查数据库的地类图斑："
        "`tenglong import 县.gdb --into 工作空间.gpkg --layer landuse_survey`。",
        "This workspace has no land survey (landuse_survey). Import the DLTB layer of a county "
        "survey database: `tenglong import county.gdb --into workspace.gpkg --layer "
        "landuse_survey`.",
    ),
    "current_use_note": (
        "三调/变更调查地类图斑与各要素叠加：现状工业用地 0601，仓储 0508，采矿 0602；"
        "现状工业用地率 = 现状工业用地 ÷ 要素面积。数据年份：{years}。",
        "Land-survey patches (DLTB) overlaid with each element: industrial 0601, storage 0508, "
        "mining 0602; industrial share = current industrial land ÷ area of the element. Survey "
        "year: {years}.",
    ),
    "col_current_industrial": ("现状工业用地(亩)", "Current industrial (mu)"),
    "col_current_storage": ("现状仓储用地(亩)", "Current storage (mu)"),
    "col_current_mining": ("现状采矿用地(亩)", "Current mining (mu)"),
    "col_current_industrial_pct": ("现状工业用地率(%)", "Current industrial share (%)"),
    "corridor_rederive": ("按道路重新生成廊道", "Re-derive the corridor from its road"),
    "corridor_stored": (
        "廊道按存储的宽度 {width} m（两侧合计）计算。",
        "The corridor uses its stored width of {width} m (both sides).",
    ),
    "corridor_width": ("廊道宽度(m，两侧合计)", "Corridor width (m, both sides)"),
    "compare_title": ("比较", "Compare"),
    "compare_what": ("比较对象", "Compare"),
    "compare_layouts": ("两种布局", "two layouts"),
    "compare_versions": ("边界版本", "boundary versions"),
    "compare_none": (
        "只有一种布局，也没有多版本边界，无可比较。",
        "One layout and no boundary with several versions: nothing to compare.",
    ),
    "layout_a": ("布局 A", "Layout A"),
    "layout_b": ("布局 B", "Layout B"),
    "versioned_area": ("片区", "Area"),
    "version_change": (
        "边界由 {a} km² 调整为 {b} km²（{d} km²），区内地块面积变化 {p} 亩。",
        "The boundary went from {a} km² to {b} km² ({d} km²); land in parcels inside changed "
        "by {p} mu.",
    ),
    "layout_map": ("布局地图", "Layout map"),
    # --- sites -----------------------------------------------------------------------
    "sites_title": ("厂区转型", "Factory sites"),
    "sites_none": (
        "这个工作空间没有厂区。武安工作空间有东山和广耀两个厂区。",
        "This workspace has no factory site. The Wu'an workspace has the Dongshan and "
        "Guangyao sites.",
    ),
    "preset_not_local": (
        "本地没有亩均评价预设：以 {preset} 为示例（浙江的评价办法），请换成本地的指标和基准值。",
        "No local preset: {preset} (a Zhejiang scheme) is used as an example; replace it with "
        "your province's indicators and benchmarks.",
    ),
    "sites_open_wuan": ("打开武安工作空间", "Open the Wu'an workspace"),
    "site": ("厂区", "Site"),
    "plates_count": ("板块数", "Plates"),
    "planning_fund": ("前期策划规划出资(万元)", "Planning fund (10k yuan)"),
    "green_next": ("邻近 {name}(亩)", "Next to {name} (mu)"),
    "adjacent": ("紧邻", "adjacent"),
    "distance_m": ("相距 {d} m", "{d} m away"),
    "enclave": ("产业飞地", "Industrial enclave (飞地)"),
    "plates_title": ("板块", "Plates"),
    "plates_none": ("这个厂区没有板块。", "This site has no plates."),
    "planned_uses": ("规划用途", "Planned uses"),
    "no_parcels_in_site": ("厂区内没有地块。", "No parcel lies in this site."),
    "soil_title": ("土壤污染状况调查", "Soil investigation"),
    "soil_none": (
        "没有需要先开展土壤污染状况调查的地块。",
        "No parcel needs a soil investigation before reuse.",
    ),
    "soil_count": (
        "{n} 块地（{mu} 亩）有污染行业历史、规划为敏感用途，复用前须开展土壤污染状况调查。",
        "{n} parcel(s) ({mu} mu) with a polluting history are planned for sensitive uses: a "
        "soil investigation is required before reuse.",
    ),
    "soil_basis": (
        "依据：GB 36600-2018 第一类用地；《土壤污染防治法》第五十九条。",
        "Basis: GB 36600-2018 first-class land; Soil Pollution Prevention Law, art. 59.",
    ),
    "milestones_title": ("节点进度", "Milestones"),
    "milestones_none": ("没有节点记录。", "No milestones recorded."),
    "milestones_overdue": ("{n} 个节点已逾期未完成。", "{n} milestone(s) overdue."),
    "ms_done": ("按期完成", "done on time"),
    "ms_done_late": ("逾期完成", "done late"),
    "ms_overdue": ("逾期未完成", "overdue"),
    "ms_open": ("未到期", "not yet due"),
    "site_map_hint": ("点击地图上的地块查看详情。", "Click a parcel on the map for its details."),
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
    # --- import ----------------------------------------------------------------------
    "import_title": ("导入数据", "Import data"),
    "import_intro": (
        "支持的格式：{formats}。文件在隔离进程中解析；预览无误后才会写入。",
        "Formats: {formats}. Files are parsed in an isolated process; nothing is written "
        "until a preview passes.",
    ),
    "import_demo_copy": (
        "当前是演示工作空间：导入将写入它的工作副本，演示数据保持不变。",
        "This is a demo workspace: the import goes into a working copy and the demo data stay "
        "unchanged.",
    ),
    "import_files": (
        "选择文件（Shapefile 请同时选择 .shp/.shx/.dbf/.prj，或上传 zip）",
        "Choose files (for a shapefile pick .shp/.shx/.dbf/.prj together, or a zip)",
    ),
    "import_table": ("写入表", "Target table"),
    "import_auto": ("自动判断", "detect"),
    "import_crs": ("坐标系 EPSG（缺失时填写）", "CRS as EPSG (when missing)"),
    "import_shift": ("坐标偏移", "Coordinate shift"),
    "import_shift_none": ("无（WGS84/CGCS2000）", "none (WGS84/CGCS2000)"),
    "import_shift_gcj02": ("高德/腾讯 GCJ-02", "Gaode/Tencent GCJ-02"),
    "import_shift_bd09": ("百度 BD-09", "Baidu BD-09"),
    "import_mode": ("方式", "Mode"),
    "import_mode_append": ("追加", "append"),
    "import_mode_replace": ("替换整表", "replace the table"),
    "import_preview": ("预览", "Preview"),
    "import_failed": ("无法导入：{error}", "The import cannot proceed: {error}"),
    "import_rows": ("行数", "Rows"),
    "import_errors": ("错误", "Errors"),
    "import_repaired": ("已修复", "Repaired"),
    "import_warnings": ("警告", "Warnings"),
    "import_mapping": ("字段对应", "Column mapping"),
    "import_sample": ("前几行", "First rows"),
    "import_report": ("检查报告", "Findings"),
    "import_accept_repairs": ("接受几何修复", "Accept the geometry repairs"),
    "import_strict": ("严格模式：缺少必填字段即拒绝", "Strict: refuse missing required fields"),
    "import_skip_invalid": ("跳过有错误的行", "Skip rows with errors"),
    "import_skip_invalid_help": (
        "导入其余行，错误行另存供修改后重新导入。",
        "The other rows are imported; the rejected rows are kept to fix and import again.",
    ),
    "import_rejected": ("被拒行数", "Rows rejected"),
    "import_rejected_download": (
        "下载被拒行（{name}，含 problem 列）",
        "Download the rejected rows ({name}, with a problem column)",
    ),
    "import_apply": ("写入工作空间", "Write into the workspace"),
    "import_reason_no_geometry": (
        "写入 {table}：文件没有几何，按属性表（企业）导入。",
        "Into {table}: the file has no geometry, an attribute table (enterprises).",
    ),
    "import_reason_lines": (
        "写入 {table}：线几何，按道路导入。",
        "Into {table}: line geometry, roads.",
    ),
    "import_reason_points": (
        "写入 {table}：点几何，按位置定位企业。",
        "Into {table}: point geometry, enterprises located by their position.",
    ),
    "import_reason_area_columns": (
        "写入 {table}：面几何，列名与规划片区（片区/园区）相符。",
        "Into {table}: polygons whose columns match planning areas.",
    ),
    "import_survey_preset": ("三调图斑筛选", "Land-survey (DLTB) filter"),
    "import_survey_all": (
        "不筛选（三调图斑作为现状地类参考图层）",
        "None (DLTB as the current land use layer)",
    ),
    "import_survey_preset_item": (
        "作为地块导入：{name}（{codes}）",
        "As parcels: {name} ({codes})",
    ),
    "import_survey_preset_help": (
        "只对三调/变更调查的地类图斑（DLTB）有效：选择后只读取这些地类编码的图斑，并作为地块导入。",
        "For a land-survey DLTB layer only: reads just the patches of these land-class codes "
        "and imports them as parcels.",
    ),
    "import_crs_refused": (
        "坐标系：文件声明的坐标系不能直接使用：{why}。"
        "请在“坐标系 EPSG”框填写正确的 EPSG 代码后重新预览。",
        "CRS: the CRS the file declares cannot be used as it is: {why}. Enter the right EPSG "
        "code under CRS (EPSG) and preview again.",
    ),
    "import_reason_dltb": (
        "写入 {table}：三调地类图斑（DLTB）图层，作为参考图层 现状地类 导入。",
        "Into {table}: a third national land survey (DLTB) layer, imported as the reference "
        "layer"
        " current land use.",
    ),
    "import_reason_dltb_filtered": (
        "写入 {table}：按条件筛选的三调地类图斑（DLTB），作为地块导入。",
        "Into {table}: a third national land survey (DLTB) layer filtered by a condition, "
        "imported as "
        "parcels.",
    ),
    "import_reason_polygons": (
        "写入 {table}：面几何，按地块导入；如要导入为 规划片区 图层，请在“写入表”中选择 规划片区。",
        "Into {table}: polygons, imported as parcels; to import them as planning areas, choose "
        "planning areas under Target table.",
    ),
    "import_reason_chosen": (
        "写入 {table}：在“写入表”中选择。",
        "Into {table}: chosen under Target table.",
    ),
    "import_reason_other": ("写入 {table}：{why}", "Into {table}: {why}"),
    "import_crs_read": ("坐标系：{crs}，{how}。", "CRS: {crs}, {how}."),
    "import_crs_how_file": ("文件自带", "declared by the file"),
    "import_crs_how_given": ("按“坐标系 EPSG”框填写", "as entered under CRS as EPSG"),
    "import_crs_how_shift": (
        "已从所选坐标偏移纠正到 WGS84",
        "shifted back to WGS84 from the chosen offset",
    ),
    "import_crs_none_needed": ("没有几何，不需要坐标系。", "No geometry, so no CRS is needed."),
    "import_crs_missing": (
        "文件没有坐标系；坐标看起来是 EPSG:{epsg}。"
        "腾笼不会猜测：核对后在“坐标系 EPSG”框填写再预览。",
        "The file has no CRS; the coordinates look like EPSG:{epsg}. Tenglong never guesses: "
        "check, enter it under CRS as EPSG and preview again.",
    ),
    "import_crs_unknown": (
        "无法确定坐标系：请在“坐标系 EPSG”框填写再预览。",
        "The CRS cannot be determined: enter it under CRS as EPSG and preview again.",
    ),
    "import_map_column": ("源列", "Source column"),
    "import_map_field": ("字段", "Field"),
    "import_map_unit": ("单位", "Unit"),
    "import_map_how": ("对应方式", "How"),
    "import_how_header": ("按列名识别", "from the header"),
    "import_how_map": ("指定", "given"),
    "import_how_skip": ("不导入", "not imported"),
    "import_done": (
        "已写入 {n} 行到 {table}（{path}），该工作空间已打开。",
        "Wrote {n} row(s) into {table} ({path}); that workspace is now open.",
    ),
    "import_kind": ("要做什么", "What to do"),
    "import_kind_file": ("导入文件", "Import a file"),
    "import_kind_ledger": ("更新台账", "Update from a ledger"),
    "ledger_intro": (
        "上传按地块编号登记的台账（xlsx 或 csv，可用本系统导出的「地块清单」修改后上传）。"
        "表头、单位和状态用语（如“已收储”）按导入规则识别；空单元格不改变原值；面积等由几何"
        "计算的列不会写入。预览列出每处变更，确认后在一个事务中写入并记入修改记录。",
        "Upload a ledger keyed by parcel ID (xlsx or csv; the Parcels sheet this tool exports "
        "can be edited and uploaded). Headers, units and status words (such as stored) are read "
        "as in an import; an empty cell keeps the stored value; areas and other columns "
        "computed from the geometry are never written. The preview lists every change; "
        "confirming writes them all in one transaction, recorded in the audit log.",
    ),
    "ledger_file": ("台账文件（xlsx / csv）", "Ledger file (xlsx / csv)"),
    "ledger_key": ("编号列（留空自动识别“地块编号”）", "ID column (empty: the parcel ID column)"),
    "ledger_sheet": ("工作表（留空：地块清单或第一张）", "Sheet (empty: Parcels or the first)"),
    "ledger_preview": ("预览变更", "Preview the changes"),
    "ledger_failed": ("无法读取台账：{error}", "The ledger cannot be used: {error}"),
    "ledger_role": (
        "只有规划人员可以用台账更新地块（{error}）。",
        "Only planners may update parcels from a ledger ({error}).",
    ),
    "ledger_rows": ("台账行数", "Ledger rows"),
    "ledger_parcels": ("变更地块", "Parcels changed"),
    "ledger_fields": ("变更字段", "Fields changed"),
    "ledger_unknown": ("未知编号", "Unknown IDs"),
    "ledger_refused": ("跳过的行", "Rows skipped"),
    "ledger_changes": ("变更预览", "Changes"),
    "ledger_no_changes": (
        "没有需要写入的变更：工作空间已是台账中的值。",
        "Nothing to write: the workspace already holds the ledger's values.",
    ),
    "ledger_skipped": ("未知编号与跳过的行", "Unknown IDs and skipped rows"),
    "ledger_mapping": ("列的对应", "Columns"),
    "ledger_not_updatable": ("不更新", "not updated"),
    "ledger_ignored": ("无对应字段，忽略", "no such field: ignored"),
    "ledger_col_row": ("行", "row"),
    "ledger_col_parcel": ("地块编号", "parcel"),
    "ledger_col_field": ("字段", "field"),
    "ledger_col_before": ("原值", "before"),
    "ledger_col_after": ("新值", "after"),
    "ledger_col_reason": ("原因", "reason"),
    "ledger_note": ("说明（记入修改记录）", "Note (kept in the audit log)"),
    "ledger_apply": ("确认写入", "Apply the changes"),
    "ledger_done": (
        "已在一个事务中写入 {parcels} 宗地块的 {fields} 个字段（修改编号 {edit}）。",
        "Saved {fields} field(s) of {parcels} parcel(s) in one transaction (edit {edit}).",
    ),
    "ledger_conflict": (
        "未写入任何变更：预览之后有人修改了其中的地块。{detail} 请重新预览后再确认。",
        "Nothing was saved: a parcel was changed by someone else after the preview. {detail} "
        "Preview again, then confirm.",
    ),
    "import_kind_contracts": ("导入供地合同", "Import supply contracts"),
    "contracts_intro": (
        "上传供地合同表（xlsx 或 csv，一行一份合同，按电子监管号识别；"
        "可用本系统导出的「供地合同」表修改后上传）。表头可为中文或英文（电子监管号、地块编号、供地方式、受让人、合同签订日期、"
        "约定动工日期、成交价款等）；多宗地块用“;”或“、”分隔；空单元格不改变原值。电子监管号重复、"
        "地块不存在、价款为负、日期早于签订日期的行不写入。确认后在一个事务中写入并记入修改记录。",
        "Upload a table of supply contracts (xlsx or csv, one row per contract, keyed by the "
        "supervision number; the Supply contracts sheet this tool exports can be edited and "
        "uploaded). Headers may be Chinese or English (supervision number, parcel IDs, supply "
        "method, grantee, signed on, agreed start, price …); several parcels are separated by ';'; "
        "an empty cell keeps the stored value. Rows with a duplicate supervision number, an "
        "unknown parcel, a negative price or a date before the signing are not written. "
        "Confirming writes everything in one transaction, recorded in the audit log.",
    ),
    "contracts_file": ("合同文件（xlsx / csv）", "Contracts file (xlsx / csv)"),
    "contracts_rows": ("表中行数", "Rows read"),
    "contracts_new": ("新合同", "New contracts"),
    "contracts_col_id": ("电子监管号", "supervision number"),
    "contracts_role": (
        "只有规划人员可以导入供地合同（{error}）。",
        "Only planners may import supply contracts ({error}).",
    ),
    "contracts_failed": ("无法使用该合同表：{error}", "The contracts file cannot be used: {error}"),
    "contracts_skipped": ("未写入的行", "Rows not written"),
    "contracts_done": (
        "已在一个事务中写入 {n} 份合同的 {fields} 个字段（修改编号 {edit}）。",
        "Saved {fields} field(s) of {n} contract(s) in one transaction (edit {edit}).",
    ),
    "contracts_conflict": (
        "未写入任何变更：预览之后有人修改了其中的合同。{detail} 请重新预览后再确认。",
        "Nothing was saved: a contract was changed by someone else after the preview. {detail} "
        "Preview again, then confirm.",
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
    # --- province mode (geo/app/province.py) ------------------------------------------
    "province_mode": (
        "省级模式：共 {n} 块地块，不整体载入内存；汇总由 {engine} 引擎计算（{seconds} 秒，"
        "按数据集版本缓存）。",
        "Province mode: {n} parcels, never loaded whole into memory; the figures come from the "
        "{engine} engine ({seconds} s, cached per dataset version).",
    ),
    "province_computing": (
        "正在计算省级汇总（每个数据集版本只计算一次）…",
        "Computing the province summary (once per dataset version)…",
    ),
    "province_converting": (
        "首次打开大型 GeoPackage：正在转换为 GeoParquet（每个文件版本只转换一次）…",
        "First opening of a large GeoPackage: converting it to GeoParquet (once per file version)…",
    ),
    "large_opening": ("正在读取地块（大型工作空间）…", "Reading the parcels (large workspace)…"),
    "dataset_read_only": (
        "GeoParquet 数据集在应用中只读：请在源 GeoPackage 中修改，再用 tenglong convert 重新转换。",
        "A GeoParquet dataset is read-only in the app: edit its source GeoPackage and convert it "
        "again with tenglong convert.",
    ),
    "province_loading": ("正在读取所选范围的地块…", "Reading the parcels of the selection…"),
    "province_aggregated": (
        "汇总显示 / aggregated：{scope}共 {n} 块地块（{what}，{mu} 亩），"
        "按 {unit} 汇总（{units} 个），颜色表示亩数。"
        "点击网格或片区查看其中的地块（不超过 {limit} 块时显示单个地块），或用筛选缩小范围。",
        "汇总显示 / aggregated: {scope}{n} parcels ({what}, {mu} mu) shown per {unit} "
        "({units} in all), coloured by mu. Click a cell or an area to see its parcels (single "
        "parcels are shown for {limit} or fewer), or narrow the view with the filters.",
    ),
    "province_scope": ("{name}：", "{name}: "),
    "province_in_view": ("当前视图", "In view"),
    "large_edit_note": (
        "修改直接保存到该 GeoPackage（留痕）；保存后，大型工作空间按新版本重新读取。",
        "Edits are saved to this GeoPackage (audited); after a save the large workspace is "
        "read again at its new revision.",
    ),
    "province_unit": ("汇总方式", "Aggregate by"),
    "province_unit_cell": ("网格", "Grid cells"),
    "province_unit_area": ("规划片区", "Planning areas"),
    "province_unit_cells": ("{cell} 网格", "{cell} grid cell"),
    "province_unit_areas": ("规划片区", "planning area"),
    "province_cell_name": ("{cell} 网格 ({x}, {y})", "{cell} grid cell ({x}, {y})"),
    "province_what_freed": ("腾退土地", "freed land"),
    "province_status_default": ("腾退土地（默认）", "Freed land (default)"),
    "province_back": ("返回总览", "Back to overview"),
    "province_parcels_shown": (
        "{scope}显示 {n} 块地块（{mu} 亩）。",
        "{scope}showing {n} parcels ({mu} mu).",
    ),
    "province_truncated": (
        "共 {total} 块，只显示面积最大的 {n} 块；请进一步缩小范围。",
        "{total} parcels: only the {n} largest are shown; narrow the view further.",
    ),
    "province_card_hint": (
        "点击地图上的网格或片区查看其中的地块；地块显示后，点击地块查看详情卡片。",
        "Click a grid cell or an area on the map to see its parcels; once parcels are shown, "
        "click one for its card.",
    ),
    "province_read_only": (
        "省级规模工作空间在应用中只读：请在源 GeoPackage 或 PostGIS 中修改后重新转换。",
        "Province-size workspaces are read-only in the app: edit the source GeoPackage or "
        "PostGIS and convert again.",
    ),
    "province_parcels_table": ("所示地块", "Parcels shown"),
    "province_areas_table": ("各片区腾退土地", "Freed land by area"),
    "province_layer_title": ("{what}（亩）· 汇总显示", "{what} (mu) · aggregated"),
    "province_summary_running": (
        "正在由引擎计算 {dims} 汇总…",
        "The engine is computing the summary by {dims}…",
    ),
}

STRINGS.update(GEOM_STRINGS)  # the 地块编辑 page (geo/app/i18n_geom.py)

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
