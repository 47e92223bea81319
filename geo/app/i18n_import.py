"""UI strings of the 导入数据 / Import page: files, ledgers, contracts (merged into ``STRINGS``).

Kept apart so that :mod:`geo.app.i18n` stays readable; the same rules hold
(both languages, no CJK characters in English, ``{name}`` placeholders).
"""

from __future__ import annotations

IMPORT_STRINGS: dict[str, tuple[str, str]] = {
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
    "import_postgis_file": (
        "文件导入写入 GeoPackage 工作空间；PostGIS 工作空间请先导出为 GeoPackage 再导入，"
        "然后迁回：`tenglong migrate URL x.gpkg`、`tenglong import 文件 --into x.gpkg`、"
        "`tenglong migrate x.gpkg URL --replace`。台账与合同更新可直接写入 PostGIS。",
        "A file import writes into a GeoPackage workspace. For a PostGIS workspace, copy it to a "
        "GeoPackage, import there and copy it back: `tenglong migrate URL x.gpkg`, "
        "`tenglong import FILE --into x.gpkg`, `tenglong migrate x.gpkg URL --replace`. Ledger "
        "and contract updates are written into PostGIS directly.",
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
}
