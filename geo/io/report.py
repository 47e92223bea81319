"""The import report: one row per finding, with the source row and column.

Severities, from blocking to harmless:

=========  ================================================================
error      nothing is written until it is fixed (bad id, unknown status,
           missing column, feature outside the district, no CRS…)
rejected   a row-level error with ``--skip-invalid``: the row is not
           written but goes to the rejected-rows file, the other rows are
repaired   a geometry was repaired (``make_valid``); written only when the
           user accepts the repairs (``--accept-repairs``)
warning    written, but worth a look (area disagrees with the geometry…)
info       what happened (encoding chosen, columns not imported…)
=========  ================================================================

The findings are written for the command line (``--layer``, ``--crs``…).
The app shows them through :func:`localized_report`: headers, severities
and what each finding is about (:data:`CODE_LABELS`) in the UI language,
command-line options said in words (:func:`in_words`: "导入为 规划片区 图层"
rather than ``--layer areas``) and an empty cell as "—", never "None".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from geo.cells import frame_csv, write_xlsx_frame

Severity = Literal["error", "rejected", "repaired", "warning", "info"]

SEVERITIES: tuple[str, ...] = ("error", "rejected", "repaired", "warning", "info")

REPORT_COLUMNS: tuple[str, ...] = (
    "severity",
    "code",
    "row",
    "id",
    "column",
    "field",
    "value",
    "message",
)
"""Columns of the report: ``row`` is the 1-based feature/row number in the source,
``column`` the source column, ``field`` the data-model field."""


@dataclass(frozen=True)
class Finding:
    """One line of the import report."""

    severity: Severity
    code: str
    message: str
    row: int | None = None
    column: str | None = None
    field: str | None = None
    value: Any = None

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        if _present(self.column):
            where += f", {self.column}"
        return f"{self.severity} [{self.code}] {where}: {self.message}"


def _present(value: Any) -> bool:
    """False for None, NaN, NA and empty text (never printed as "None")."""
    if value is None:
        return False
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        pass
    return str(value) != ""


def _cell(value: Any) -> Any:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)  # one type per column: xlsx, csv and Arrow (the app) need it


def report_frame(findings: Iterable[Finding], *, ids: dict[int, str] | None = None) -> pd.DataFrame:
    """The findings as a DataFrame (:data:`REPORT_COLUMNS`), most severe first.

    ``ids`` maps a source row number to the feature's id, shown in ``id``.
    """
    ids = ids or {}
    rows = [
        {
            "severity": f.severity,
            "code": f.code,
            "row": f.row,
            "id": ids.get(f.row) if f.row is not None else None,
            "column": f.column,
            "field": f.field,
            "value": _cell(f.value),
            "message": f.message,
        }
        for f in findings
    ]
    df = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    if df.empty:
        return df
    df["row"] = df["row"].astype("Int64")
    order = {s: i for i, s in enumerate(SEVERITIES)}
    df["_o"] = df["severity"].map(order)
    df["_r"] = df["row"].fillna(0)
    df = df.sort_values(["_o", "_r", "code"], kind="stable").drop(columns=["_o", "_r"])
    return df.reset_index(drop=True)


def count_by_severity(report: pd.DataFrame) -> dict[str, int]:
    """How many findings of each severity (every severity present as a key)."""
    counts = report["severity"].value_counts() if len(report) else pd.Series(dtype=int)
    return {s: int(counts.get(s, 0)) for s in SEVERITIES}


def write_report(report: pd.DataFrame, path: Any) -> None:
    """Write the report as ``.xlsx`` or ``.csv`` (UTF-8 with BOM, for Excel).

    Raises
    ------
    ValueError
        For another extension.
    """
    from pathlib import Path

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValueError(f"report file {p.name}: use a name ending in .xlsx or .csv")
    p.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        p.write_bytes(frame_csv(report).encode("utf-8-sig"))
    else:
        write_xlsx_frame(report, p, sheet_name="import report")


Lang = Literal["zh", "en"]

SEVERITY_LABELS: dict[str, tuple[str, str]] = {
    "error": ("错误", "error"),
    "repaired": ("已修复", "repaired"),
    "warning": ("警告", "warning"),
    "info": ("说明", "info"),
}
"""Severity labels (zh, en)."""

COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "severity": ("级别", "Severity"),
    "topic": ("问题", "About"),
    "row": ("行号", "Row"),
    "id": ("编号", "ID"),
    "column": ("源列", "Source column"),
    "field": ("字段", "Field"),
    "value": ("值", "Value"),
    "message": ("说明", "Details"),
}
"""Headers of :func:`localized_report` (zh, en)."""

CODE_LABELS: dict[str, tuple[str, str]] = {
    "area_mismatch": ("面积与图形不符", "area differs from the geometry"),
    "area_without_unit": ("面积没有单位", "area without a unit"),
    "bad_bool": ("不是“是/否”", "not yes/no"),
    "bad_date": ("日期无法识别", "date not understood"),
    "bad_geometry_text": ("几何文本无法解析", "geometry text not understood"),
    "bad_number": ("不是数字", "not a number"),
    "collection_parts_kept": ("几何集合只保留面", "collection: polygons kept"),
    "crs_mismatch": ("坐标系与坐标不符", "CRS contradicts the coordinates"),
    "crs_override": ("坐标系被替换", "CRS replaced"),
    "crs_unusable": ("坐标系不可用", "CRS unusable"),
    "date_completed": ("日期已补全", "date completed"),
    "datum_shift": ("坐标偏移已纠正", "coordinate shift corrected"),
    "default_filled": ("统一填入默认值", "default filled in"),
    "duplicate_id": ("编号重复", "duplicate id"),
    "duplicate_mapping": ("多列对应同一字段", "two columns for one field"),
    "dxf_entities_ignored": ("DXF 图元未导入", "DXF entities ignored"),
    "dxf_labels": ("DXF 标注", "DXF labels"),
    "empty_geometry": ("几何为空", "empty geometry"),
    "empty_id": ("缺少编号", "missing id"),
    "empty_source": ("文件没有数据", "no rows in the file"),
    "empty_values": ("必填值为空", "required values empty"),
    "encoding": ("文字编码", "text encoding"),
    "encoding_uncertain": ("文字编码（不确定）", "text encoding (uncertain)"),
    "extra_column": ("额外字段", "extra column"),
    "geometry_dropped": ("几何未导入", "geometry dropped"),
    "geometry_from": ("几何来源", "geometry built from"),
    "invalid_geometry": ("几何无效", "invalid geometry"),
    "land_use_converted": ("用地代码已换算", "land-use code converted"),
    "line_to_polygon": ("闭合线转为面", "closed line made a polygon"),
    "missing_column": ("缺少必需列", "required column missing"),
    "missing_crs": ("缺少坐标系", "no CRS"),
    "no_geometry": ("没有几何", "no geometry"),
    "no_parcel_at_point": ("点位处没有地块", "no parcel at the point"),
    "null_geometry": ("几何缺失", "missing geometry"),
    "outside_district": ("位于辖区之外", "outside the district"),
    "parcel_from_position": ("按位置找到地块", "parcel found by position"),
    "replace_table": ("整表替换", "table replaced"),
    "shift_needs_degrees": ("坐标偏移需要经纬度", "shift needs degrees"),
    "source_note": ("读取说明", "reading note"),
    "table_guessed": ("写入表（自动判断）", "target table (detected)"),
    "unit_not_understood": ("单位无法识别", "unit not understood"),
    "unknown_area_kind": ("片区类型未知", "unknown area kind"),
    "unknown_land_use": ("用地代码未知", "unknown land-use code"),
    "unknown_parcel": ("地块编号不存在", "unknown parcel"),
    "unknown_scale": ("规模未知", "unknown scale"),
    "unknown_status": ("状态未知", "unknown status"),
    "unmapped_column": ("列未导入", "column not imported"),
    "wrong_geometry_type": ("几何类型不符", "wrong geometry type"),
}
"""What each finding code is about (zh, en); an unknown code is shown as it is."""

TABLE_LABELS: dict[str, tuple[str, str]] = {
    "parcels": ("地块", "parcels"),
    "areas": ("规划片区", "planning areas"),
    "roads": ("道路", "roads"),
    "enterprises": ("企业", "enterprises"),
    "boundaries": ("行政区界", "boundaries"),
    "milestones": ("节点", "milestones"),
}
"""Workspace tables an import can write, as the app names them (zh, en)."""


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


def table_label(table: str, lang: Lang) -> str:
    """A table's name in ``lang``.

    Examples
    --------
    >>> table_label("areas", "zh"), table_label("areas", "en"), table_label("x", "zh")
    ('规划片区', 'planning areas', 'x')
    >>> table_label("landuse_survey", "zh")  # the schema names every other table
    '现状地类'
    """
    if table in TABLE_LABELS:
        return _pick(TABLE_LABELS[table], lang)
    from geo.schema import TABLES

    spec = TABLES.get(table)
    return (spec.zh if lang == "zh" else spec.en) if spec is not None else table


_OPTION_WORDS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (
        re.compile(r"\(?(?:choose|use) --layer (\w+)(?: for [^)]*)?\)?"),
        lambda m, lg: (
            f"（如要导入为 {table_label(m.group(1), lg)} 图层，请在“写入表”中选择）"
            if lg == "zh"
            else f"(to import as {table_label(m.group(1), lg)}, choose it under Target table)"
        ),
    ),
    (
        re.compile(r"chosen with --layer"),
        lambda m, lg: "在“写入表”中选择" if lg == "zh" else "chosen under Target table",
    ),
    (
        re.compile(r"--layer (\w+)"),
        lambda m, lg: (
            f"导入为 {table_label(m.group(1), lg)} 图层"
            if lg == "zh"
            else f"import as {table_label(m.group(1), lg)}"
        ),
    ),
    (
        re.compile(r"\(?map it with --map [^)\s]+ to keep it\)?"),
        lambda m, lg: (
            "（如需保留，请改列名为 Tenglong 字段名，或用命令行 tenglong import 对应）"
            if lg == "zh"
            else "(to keep it, rename the column to a Tenglong field)"
        ),
    ),
    (
        re.compile(r"(?:confirm )?(?:with )?--crs (\d+|EPSG)"),
        lambda m, lg: _crs_words(m.group(1), lg),
    ),
    (
        re.compile(r"(?:given )?with --crs"),
        lambda m, lg: "在“坐标系 EPSG”框填写" if lg == "zh" else "entered under CRS as EPSG",
    ),
    (
        re.compile(r"--crs"),
        lambda m, lg: "“坐标系 EPSG”框" if lg == "zh" else "CRS as EPSG",
    ),
    (
        re.compile(r"--source-crs(?: (\w+))?"),
        lambda m, lg: "“坐标偏移”选项" if lg == "zh" else "the coordinate shift option",
    ),
    (
        re.compile(r"--accept-repairs"),
        lambda m, lg: "勾选“接受几何修复”" if lg == "zh" else "tick Accept the geometry repairs",
    ),
    (
        re.compile(r"--mode (\w+)"),
        lambda m, lg: "“方式”选项" if lg == "zh" else "the Mode option",
    ),
    (
        re.compile(r"--map"),
        lambda m, lg: "列名对应" if lg == "zh" else "column mapping",
    ),
)


def _crs_words(code: str, lang: Lang) -> str:
    if lang == "zh":
        return "在“坐标系 EPSG”框填写 " + ("EPSG 代码" if code == "EPSG" else code)
    return "enter " + ("the EPSG code" if code == "EPSG" else code) + " under CRS as EPSG"


def in_words(message: Any, lang: Lang) -> str:
    """A finding's message for the app: command-line options said in words, "—" when empty.

    Examples
    --------
    >>> in_words("polygons: parcels (choose --layer areas for planning areas)", "zh")
    'polygons: parcels （如要导入为 规划片区 图层，请在“写入表”中选择）'
    >>> in_words("check it and confirm with --crs EPSG (e.g. --crs 4547)", "en")
    'check it and enter the EPSG code under CRS as EPSG (e.g. enter 4547 under CRS as EPSG)'
    >>> in_words(None, "zh")
    '—'
    """
    if not _present(message):
        return "—"
    text = str(message)
    for pattern, words in _OPTION_WORDS:
        text = pattern.sub(lambda m, w=words: w(m, lang), text)
    return text


def _shown(value: Any) -> str:
    return str(value) if _present(value) else "—"


def _q(value: Any) -> str:
    return f"“{value}”" if _present(value) else "（空）"


def _zh_status_list() -> str:
    from geo.schema import STATUS_LABELS

    return "、".join(zh for zh, _ in STATUS_LABELS.values())


def _zh_encoding(f: dict[str, Any]) -> str | None:
    m = re.match(r"text read as (\S+): (.*)", str(f["message"]))
    return f"文字按 {m.group(1)} 编码读取（{m.group(2)}）" if m else None


def _zh_table(f: dict[str, Any]) -> str | None:
    m = re.match(r"importing into (\w+)", str(f["message"]))
    return (
        f"导入到 {table_label(m.group(1), 'zh')} 表（自动判断，可在“写入表”中改选）" if m else None
    )


def _zh_missing_crs(f: dict[str, Any]) -> str:
    m = re.search(r"likely EPSG:(\d+)", str(f["message"]))
    hint = f"坐标看起来是 EPSG:{m.group(1)}；" if m else ""
    return f"文件没有坐标系。{hint}腾笼不会猜测：请核对后在“坐标系 EPSG”框填写再预览"


_ZH_MESSAGES: dict[str, Any] = {
    "unknown_status": lambda f: f"状态{_q(f['value'])}无法识别；请填写：{_zh_status_list()}",
    "bad_date": lambda f: f"{_q(f['value'])}不是日期；请写成 YYYY-MM-DD",
    "bad_bool": lambda f: f"{_q(f['value'])}不是“是/否”；请填写 是 或 否",
    "bad_number": lambda f: f"{_q(f['value'])}不是数字",
    "unknown_land_use": lambda f: (
        f"用地代码{_q(f['value'])}不在《国土空间调查、规划、用途管制用地用海分类》中；"
        "请填写代码（如 100102）或名称（如 二类工业用地）"
    ),
    "null_geometry": lambda f: "缺少图形；请补画或删除该行",
    "empty_geometry": lambda f: "图形为空；请补画或删除该行",
    "empty_id": lambda f: "编号为空；每行都需要唯一编号",
    "duplicate_id": lambda f: f"编号{_q(f['value'])}在文件中出现多次；每行编号须唯一",
    "unmapped_column": lambda f: (
        f"列{_q(f['column'])}没有对应的字段，不导入（如需保留，请把列名改为腾笼字段名）"
    ),
    "outside_district": lambda f: "图形位于工作空间的行政区界之外；请核对坐标系，或删除该行",
    "encoding": _zh_encoding,
    "encoding_uncertain": _zh_encoding,
    "table_guessed": _zh_table,
    "missing_crs": _zh_missing_crs,
}
"""Chinese wording of the commonest findings, from the finding's own fields; the others
keep their detail with command-line options said in words (:func:`in_words`)."""


def _message(f: dict[str, Any], lang: Lang) -> str:
    if lang == "zh" and str(f["code"]) in _ZH_MESSAGES:
        text = _ZH_MESSAGES[str(f["code"])](f)
        if text:
            return str(text)
    return in_words(f["message"], lang)


def localized_report(report: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The report as the app shows it, in ``lang``: no ``None``, no command-line option.

    Columns (headers from :data:`COLUMN_LABELS`): severity, what the finding
    is about, row, id, source column, field, value and the message in words.

    Examples
    --------
    >>> rep = report_frame([Finding("info", "table_guessed", "importing into parcels")])
    >>> localized_report(rep, "zh").iloc[0].tolist()[:7]
    ['说明', '写入表（自动判断）', '—', '—', '—', '—', '—']
    >>> localized_report(rep, "zh").iloc[0, 7]
    '导入到 地块 表（自动判断，可在“写入表”中改选）'
    >>> localized_report(rep, "en").iloc[0, 7]
    'importing into parcels'

    """
    rows = []
    for r in report.itertuples(index=False):
        code = str(r.code)
        finding = {"code": code, "value": r.value, "column": r.column, "message": r.message}
        rows.append(
            {
                "severity": _pick(SEVERITY_LABELS.get(str(r.severity), (r.severity,) * 2), lang),
                "topic": _pick(CODE_LABELS[code], lang) if code in CODE_LABELS else code,
                "row": _shown(r.row),
                "id": _shown(r.id),
                "column": _shown(r.column),
                "field": _shown(r.field),
                "value": _shown(r.value),
                "message": _message(finding, lang),
            }
        )
    out = pd.DataFrame(rows, columns=list(COLUMN_LABELS))
    return out.rename(columns={k: _pick(v, lang) for k, v in COLUMN_LABELS.items()})
