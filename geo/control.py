"""Control indicators for industrial land (工业项目建设用地控制指标, docs/architecture.md §5.4).

Checks industrial projects (or parcels carrying project figures) against a
configurable table:

========================  ==============================================  ==========
rule id                   rule                                            default
========================  ==============================================  ==========
``far_min``               floor-area ratio ≥ the industry minimum          by industry
``coverage_min``          building coefficient (建筑系数) ≥                  0.30
``admin_max``             admin/living-service land share ≤                0.07
``green_max``             green ratio (绿地率) ≤                            0.20
``invest_min``            investment intensity (投资强度) ≥                  by tier
========================  ==============================================  ==========

The default table is ``geo/config/control_indicators.toml`` (自然资源部,
自然资发〔2023〕72号); its header says which values still have to be checked
against the official text. Pass your own TOML with the same layout to
:func:`load_control_table`.

Inputs are fractions, not percentages (``coverage = 0.35``), FAR is
dimensionless and investment intensity is in 万元/亩. Industries are GB/T 4754
codes (``"33"``, ``"3311"``, ``"C3311"``) or two-digit division names
(``"金属制品业"``).

Every result row carries its rule: ``rule_id``, ``rule_zh``/``rule_en``,
``op``, ``required``, ``actual`` and a ``status``:

- ``fail``: the value breaks the rule;
- ``pass``: it meets it (only with ``include_passed=True``);
- ``missing``: the row has no value (or no known industry) for the rule;
- ``not_checked``: the input lacks the column, so the rule was not applied
  (one row, ``subject_id`` missing).
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import InputError

logger = logging.getLogger(__name__)

DEFAULT_TABLE = "control_indicators.toml"
"""File name of the shipped national table in ``geo/config``."""

RESULT_COLUMNS: tuple[str, ...] = (
    "subject_id",
    "industry",
    "rule_id",
    "rule_zh",
    "rule_en",
    "status",
    "op",
    "required",
    "actual",
    "unit",
    "note",
)

_RATIO_COLUMNS = ("coverage", "admin_ratio", "green_ratio")
_ID_CANDIDATES = ("project_id", "parcel_id", "enterprise_id", "area_id")


class ControlConfigError(InputError):
    """A control-indicator TOML file is malformed; the message names the file and key."""


class ControlInputError(InputError):
    """Project figures that cannot be checked; the message lists every problem."""


@dataclass(frozen=True)
class IndustryMinimum:
    """Minimum FAR of one GB/T 4754 two-digit industry division."""

    code: str
    zh: str
    en: str
    value: float
    note: str = ""


@dataclass(frozen=True)
class ControlTable:
    """A control-indicator table loaded from TOML."""

    name: str
    source: str
    path: str
    far_min: dict[str, IndustryMinimum]
    coverage_min: float
    admin_max: float
    green_max: float
    rule_text: dict[str, tuple[str, str]]
    invest_by_tier: dict[str, float] = field(default_factory=dict)
    verified: bool = False

    def industry(self, value: Any) -> IndustryMinimum | None:
        """The table row of an industry code or name, or None."""
        code = industry_code(value, table=self)
        return self.far_min.get(code) if code is not None else None


_RULE_TEXT: dict[str, tuple[str, str]] = {
    "far_min": ("容积率不低于行业控制值", "floor-area ratio at least the industry minimum"),
    "coverage_min": ("建筑系数不低于控制值", "building coefficient at least the minimum"),
    "admin_max": (
        "行政办公及生活服务设施用地所占比重不超过控制值",
        "administration and living-service land at most the maximum share",
    ),
    "green_max": ("绿地率不超过控制值", "green ratio at most the maximum"),
    "invest_min": ("投资强度不低于控制值", "investment intensity at least the minimum"),
}

_AREA_RULE_TEXT: dict[str, tuple[str, str]] = {
    "area_far_min": (
        "片区容积率下限不低于主导产业的国家控制值",
        "area FAR minimum at least the national minimum of its target industries",
    ),
    "area_coverage_min": (
        "片区建筑系数下限不低于国家控制值",
        "area building-coefficient minimum at least the national minimum",
    ),
    "area_admin_max": (
        "片区行政办公及生活服务设施用地比例上限不超过国家控制值",
        "area admin/living-service maximum at most the national maximum",
    ),
    "area_green_max": (
        "片区绿地率上限不超过国家控制值",
        "area green-ratio maximum at most the national maximum",
    ),
}


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def _number(value: Any, *, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ControlConfigError(f"{where}: key {key} must be a number, got {value!r}")
    if value < 0:
        raise ControlConfigError(f"{where}: key {key} must not be negative, got {value!r}")
    return float(value)


def load_control_table(path: str | Path | None = None) -> ControlTable:
    """Load a control-indicator table; the shipped national table by default.

    Raises
    ------
    ControlConfigError
        The file is missing, is not valid TOML, or a key is absent or not a
        number; the message names the file and the key.

    Examples
    --------
    >>> t = load_control_table()
    >>> t.far_min["31"].value, t.coverage_min, t.admin_max, t.green_max
    (0.6, 0.3, 0.07, 0.2)
    """
    if path is None:
        res = resources.files("geo").joinpath("config", DEFAULT_TABLE)
        where = f"geo/config/{DEFAULT_TABLE}"
        text = res.read_text(encoding="utf-8")
    else:
        p = Path(path)
        where = str(p)
        if not p.is_file():
            raise ControlConfigError(f"control-indicator table {p} does not exist")
        text = p.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ControlConfigError(f"{where} is not valid TOML: {err}") from None
    meta = data.get("meta", {})
    rules = data.get("rules")
    if not isinstance(rules, dict):
        raise ControlConfigError(f"{where}: table [rules] is missing")
    values: dict[str, float] = {}
    text_map = dict(_RULE_TEXT)
    for rid in ("coverage_min", "admin_max", "green_max"):
        rule = rules.get(rid)
        if not isinstance(rule, dict) or "value" not in rule:
            raise ControlConfigError(f"{where}: key rules.{rid}.value is missing")
        values[rid] = _number(rule["value"], where=where, key=f"rules.{rid}.value")
        if values[rid] > 1:
            raise ControlConfigError(
                f"{where}: key rules.{rid}.value must be a fraction (0.30 for 30%), "
                f"got {rule['value']!r}"
            )
        text_map[rid] = (
            str(rule.get("zh", _RULE_TEXT[rid][0])),
            str(rule.get("en", _RULE_TEXT[rid][1])),
        )
    rows = data.get("far_min", [])
    if not isinstance(rows, list):
        raise ControlConfigError(f"{where}: far_min must be an array of tables ([[far_min]])")
    far: dict[str, IndustryMinimum] = {}
    for i, row in enumerate(rows):
        key = f"far_min[{i}]"
        if not isinstance(row, dict):
            raise ControlConfigError(f"{where}: {key} must be a table")
        for k in ("code", "value"):
            if k not in row:
                raise ControlConfigError(f"{where}: key {key}.{k} is missing")
        code = str(row["code"]).strip()
        if not re.fullmatch(r"\d{2}", code):
            raise ControlConfigError(
                f"{where}: key {key}.code must be a two-digit GB/T 4754 division, got {code!r}"
            )
        far[code] = IndustryMinimum(
            code=code,
            zh=str(row.get("zh", "")),
            en=str(row.get("en", "")),
            value=_number(row["value"], where=where, key=f"{key}.value"),
            note=str(row.get("note", "")),
        )
    tiers_raw = data.get("investment", {}).get("by_tier", {})
    if not isinstance(tiers_raw, dict):
        raise ControlConfigError(f"{where}: investment.by_tier must be a table")
    tiers = {
        str(k): _number(v, where=where, key=f"investment.by_tier.{k}") for k, v in tiers_raw.items()
    }
    table = ControlTable(
        name=str(meta.get("name", Path(where).stem)),
        source=str(meta.get("source", "")),
        path=where,
        far_min=far,
        coverage_min=values["coverage_min"],
        admin_max=values["admin_max"],
        green_max=values["green_max"],
        rule_text=text_map,
        invest_by_tier=tiers,
        verified=bool(meta.get("verified", False)),
    )
    if not table.verified:
        logger.info("control table %s is marked unverified against the official text", where)
    return table


# ---------------------------------------------------------------------------
# Industries
# ---------------------------------------------------------------------------


def industry_code(value: Any, *, table: ControlTable | None = None) -> str | None:
    """The GB/T 4754 two-digit division of an industry code or division name.

    Examples
    --------
    >>> industry_code("C3311"), industry_code(3311), industry_code("33 金属制品业")
    ('33', '33', '33')
    >>> industry_code("黑色金属冶炼和压延加工业"), industry_code("steel")
    ('31', None)
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value))
    text = str(value).strip()
    m = re.match(r"^[A-Za-z]?(\d{2})\d*", text)
    if m:
        return m.group(1)
    table = table if table is not None else _default_table()
    for code, row in table.far_min.items():
        if row.zh and row.zh == text:
            return code
    return None


_DEFAULT: ControlTable | None = None


def _default_table() -> ControlTable:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_control_table()
    return _DEFAULT


def far_min_for(industry: Any, *, table: ControlTable | None = None) -> float | None:
    """Minimum FAR of an industry (code or division name), or None when unknown.

    Examples
    --------
    >>> far_min_for("33"), far_min_for("C1310"), far_min_for("99")
    (0.7, 1.0, None)
    """
    table = table if table is not None else _default_table()
    row = table.industry(industry)
    return row.value if row is not None else None


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


_OPS = {
    "far_min": ">=",
    "coverage_min": ">=",
    "admin_max": "<=",
    "green_max": "<=",
    "invest_min": ">=",
    "area_far_min": ">=",
    "area_coverage_min": ">=",
    "area_admin_max": "<=",
    "area_green_max": "<=",
}
_UNITS = {"far_min": "", "area_far_min": "", "invest_min": "万元/亩"}


def _row(
    rule_id: str,
    text: tuple[str, str],
    status: str,
    *,
    subject_id: Any = pd.NA,
    industry: Any = pd.NA,
    required: float | None = None,
    actual: float | None = None,
    note: str = "",
) -> dict[str, Any]:
    return {
        "subject_id": subject_id,
        "industry": industry,
        "rule_id": rule_id,
        "rule_zh": text[0],
        "rule_en": text[1],
        "status": status,
        "op": _OPS[rule_id],
        "required": required,
        "actual": actual,
        "unit": _UNITS.get(rule_id, "fraction"),
        "note": note,
    }


def _status(actual: float, required: float | None, op: str) -> str:
    if required is None or pd.isna(actual):
        return "missing"
    ok = actual >= required if op == ">=" else actual <= required
    return "pass" if ok else "fail"


def _numeric(df: pd.DataFrame, col: str, ids: pd.Series, problems: list[str]) -> pd.Series:
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & raw.notna()
    if bad.any():
        problems.append(f"{col} is not a number for {_ids(ids[bad])}")
    neg = num < 0
    if neg.any():
        problems.append(f"{col} is negative for {_ids(ids[neg])}")
    if col in _RATIO_COLUMNS:
        pct = num > 1
        if pct.any():
            problems.append(f"{col} is above 1 for {_ids(ids[pct])}: give fractions (0.35 for 35%)")
    return num.astype("float64")


def _ids(s: pd.Series, limit: int = 10) -> str:
    vals = [str(v) for v in s.tolist()]
    more = f" and {len(vals) - limit} more" if len(vals) > limit else ""
    return ", ".join(vals[:limit]) + more


def _finish(rows: list[dict[str, Any]], include_passed: bool) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    if not include_passed:
        out = out[out["status"] != "pass"]
    out["required"] = pd.to_numeric(out["required"], errors="coerce").astype("float64")
    out["actual"] = pd.to_numeric(out["actual"], errors="coerce").astype("float64")
    return out.reset_index(drop=True)


def _invest_minimum(
    df: pd.DataFrame,
    i: Any,
    code: str | None,
    explicit: pd.Series | None,
    tier_col: str | None,
    table: ControlTable,
) -> tuple[float | None, str]:
    if explicit is not None and pd.notna(explicit[i]):
        return float(explicit[i]), "invest_min_wan_per_mu"
    if tier_col is not None and pd.notna(df.at[i, tier_col]):
        tier = str(df.at[i, tier_col])
        for key in (f"{tier}:{code}", tier):
            if key in table.invest_by_tier:
                return table.invest_by_tier[key], f"tier {key}"
        return None, f"tier {tier} not in the table"
    return None, "no minimum for this project"


def check_projects(
    projects: pd.DataFrame,
    *,
    table: ControlTable | None = None,
    id_column: str | None = None,
    include_passed: bool = False,
) -> pd.DataFrame:
    """Check industrial projects against the control indicators.

    Parameters
    ----------
    projects
        One row per project (or parcel) with any of: ``industry`` (GB/T 4754
        code or division name; ``industry_name`` is used when ``industry`` is
        absent), ``far``, ``coverage``, ``admin_ratio``, ``green_ratio``
        (fractions), ``invest_wan_per_mu`` and, for the investment minimum,
        either ``invest_min_wan_per_mu`` or a ``tier`` (alias ``region``) looked
        up in the table's ``[investment.by_tier]`` (``"tier:code"`` keys first).
    table
        A :class:`ControlTable`; the shipped national table by default.
    id_column
        The id column; by default the first of ``project_id``, ``parcel_id``,
        ``enterprise_id``, ``area_id`` present, else the index.
    include_passed
        Also return rows for rules that pass.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULT_COLUMNS`, one row per project and rule that fails
        (or is missing, or passes with ``include_passed``), plus one
        ``not_checked`` row per rule whose input column is absent.

    Raises
    ------
    ControlInputError
        Non-numeric or negative figures, or ratios above 1 (percentages);
        every problem is listed.

    Examples
    --------
    A metal-products project (minimum FAR 0.7) built at FAR 0.5 with 25 % coverage:

    >>> import pandas as pd
    >>> p = pd.DataFrame({"project_id": ["x"], "industry": ["33"], "far": [0.5],
    ...                   "coverage": [0.25], "admin_ratio": [0.05], "green_ratio": [0.1]})
    >>> r = check_projects(p)
    >>> r[["rule_id", "status", "required", "actual"]].head(2).values.tolist()
    [['far_min', 'fail', 0.7, 0.5], ['coverage_min', 'fail', 0.3, 0.25]]
    >>> r["status"].iloc[-1], r["rule_id"].iloc[-1]  # no investment figures given
    ('not_checked', 'invest_min')
    """
    table = table if table is not None else _default_table()
    df = projects.reset_index(drop=True)
    if id_column is None:
        id_column = next((c for c in _ID_CANDIDATES if c in df.columns), None)
    elif id_column not in df.columns:
        raise ControlInputError(
            f"id column {id_column!r} is not among the columns: {', '.join(map(str, df.columns))}"
        )
    ids = df[id_column] if id_column is not None else pd.Series(df.index, index=df.index)
    problems: list[str] = []
    nums: dict[str, pd.Series] = {}
    for col in ("far", *_RATIO_COLUMNS, "invest_wan_per_mu", "invest_min_wan_per_mu"):
        if col in df.columns:
            nums[col] = _numeric(df, col, ids, problems)
    if problems:
        raise ControlInputError("project figures cannot be checked: " + "; ".join(problems))

    ind_col = "industry" if "industry" in df.columns else None
    if ind_col is None and "industry_name" in df.columns:
        ind_col = "industry_name"
    industries = df[ind_col] if ind_col else pd.Series(pd.NA, index=df.index, dtype="object")
    codes = industries.map(lambda v: industry_code(v, table=table))
    tier_col = "tier" if "tier" in df.columns else ("region" if "region" in df.columns else None)

    rows: list[dict[str, Any]] = []
    text = table.rule_text

    # far_min by industry
    if "far" not in nums or ind_col is None:
        absent = "far" if "far" not in nums else "industry"
        rows.append(_row("far_min", text["far_min"], "not_checked", note=f"column {absent} absent"))
    else:
        for i in df.index:
            entry = table.far_min.get(codes[i]) if codes[i] else None
            if entry is None:
                known = pd.notna(industries[i])
                note = f"industry {industries[i]!r} not in the table" if known else "no industry"
            else:
                note = entry.zh
            required = entry.value if entry is not None else None
            actual = nums["far"][i]
            rows.append(
                _row(
                    "far_min",
                    text["far_min"],
                    _status(actual, required, ">="),
                    subject_id=ids[i],
                    industry=codes[i],
                    required=required,
                    actual=actual,
                    note=note,
                )
            )

    # the general ratio rules
    for rid, col, limit in (
        ("coverage_min", "coverage", table.coverage_min),
        ("admin_max", "admin_ratio", table.admin_max),
        ("green_max", "green_ratio", table.green_max),
    ):
        if col not in nums:
            rows.append(
                _row(rid, text[rid], "not_checked", required=limit, note=f"column {col} absent")
            )
            continue
        for i in df.index:
            actual = nums[col][i]
            rows.append(
                _row(
                    rid,
                    text[rid],
                    _status(actual, limit, _OPS[rid]),
                    subject_id=ids[i],
                    industry=codes[i],
                    required=limit,
                    actual=actual,
                )
            )

    # investment intensity
    explicit = nums.get("invest_min_wan_per_mu")
    if "invest_wan_per_mu" not in nums:
        note = "column invest_wan_per_mu absent"
        rows.append(_row("invest_min", text["invest_min"], "not_checked", note=note))
    elif explicit is None and (tier_col is None or not table.invest_by_tier):
        why = "no tier column" if tier_col is None else f"{table.path} has no by_tier values"
        note = f"no minimum: give invest_min_wan_per_mu, or a tier column and a table ({why})"
        rows.append(_row("invest_min", text["invest_min"], "not_checked", note=note))
    else:
        for i in df.index:
            required, note = _invest_minimum(df, i, codes[i], explicit, tier_col, table)
            actual = nums["invest_wan_per_mu"][i]
            rows.append(
                _row(
                    "invest_min",
                    text["invest_min"],
                    _status(actual, required, ">="),
                    subject_id=ids[i],
                    industry=codes[i],
                    required=required,
                    actual=actual,
                    note=note,
                )
            )
    out = _finish(rows, include_passed)
    logger.info(
        "control check: %d project(s), %d failure(s)", len(df), int((out["status"] == "fail").sum())
    )
    return out


def _area_industries(text: Any, table: ControlTable) -> list[str]:
    """Division codes named in a free-text ``target_industries`` value.

    Examples
    --------
    >>> t = load_control_table()
    >>> _area_industries("C3311 精密铸造, 金属制品业; 2018年 38", t)
    ['33', '38']
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    s = str(text)
    # a bare two-digit number, or C + 2-4 digits ("C33", "C3311"); never part of "2018"
    pattern = r"(?<![\dA-Za-z])(?:C(\d{2})\d{0,2}|(\d{2}))(?!\d)"
    found = {m.group(1) or m.group(2) for m in re.finditer(pattern, s)}
    found &= set(table.far_min)
    for code, row in table.far_min.items():
        if row.zh and row.zh in s:
            found.add(code)
    return sorted(found)


def check_area_targets(
    areas: pd.DataFrame,
    *,
    table: ControlTable | None = None,
    kinds: Iterable[str] | None = None,
    include_passed: bool = False,
) -> pd.DataFrame:
    """Check planning-area targets against the national controls.

    An area's targets fail when they are looser than the national controls:
    ``coverage_min`` below the minimum building coefficient, ``admin_max`` or
    ``green_max`` above the maxima, or ``far_min`` below the minimum FAR of any
    industry its ``target_industries`` names (by GB/T 4754 code or division
    name; free text that names no division is not checked).

    Only areas with at least one of these targets are checked (others, such as
    green space or 退二进三 commercial plates, carry no industrial targets);
    ``kinds`` restricts the check further.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`RESULT_COLUMNS`; ``subject_id`` is the ``area_id``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"area_id": ["park"], "target_industries": ["金属制品业"],
    ...                   "far_min": [0.6], "coverage_min": [0.4], "green_max": [0.25]})
    >>> check_area_targets(a)[["rule_id", "required", "actual"]].values.tolist()
    [['area_far_min', 0.7, 0.6], ['area_green_max', 0.2, 0.25]]
    """
    table = table if table is not None else _default_table()
    df = areas.reset_index(drop=True)
    if kinds is not None and "kind" in df.columns:
        df = df[df["kind"].isin(list(kinds))].reset_index(drop=True)
    ids = df["area_id"] if "area_id" in df.columns else pd.Series(df.index, index=df.index)
    rows: list[dict[str, Any]] = []
    cols = {
        c: pd.to_numeric(df[c], errors="coerce")
        for c in ("far_min", "coverage_min", "admin_max", "green_max")
        if c in df.columns
    }
    for i in df.index:
        if not any(pd.notna(s[i]) for s in cols.values()):
            continue
        if "far_min" in cols and pd.notna(cols["far_min"][i]):
            named = df.at[i, "target_industries"] if "target_industries" in df.columns else None
            actual = float(cols["far_min"][i])
            for code in _area_industries(named, table):
                entry = table.far_min[code]
                rows.append(
                    _row(
                        "area_far_min",
                        _AREA_RULE_TEXT["area_far_min"],
                        _status(actual, entry.value, ">="),
                        subject_id=ids[i],
                        industry=code,
                        required=entry.value,
                        actual=actual,
                        note=entry.zh,
                    )
                )
        for rid, col, limit in (
            ("area_coverage_min", "coverage_min", table.coverage_min),
            ("area_admin_max", "admin_max", table.admin_max),
            ("area_green_max", "green_max", table.green_max),
        ):
            if col not in cols or pd.isna(cols[col][i]):
                continue
            actual = float(cols[col][i])
            rows.append(
                _row(
                    rid,
                    _AREA_RULE_TEXT[rid],
                    _status(actual, limit, _OPS[rid]),
                    subject_id=ids[i],
                    required=limit,
                    actual=actual,
                )
            )
    return _finish(rows, include_passed)


__all__ = [
    "DEFAULT_TABLE",
    "RESULT_COLUMNS",
    "ControlConfigError",
    "ControlInputError",
    "ControlTable",
    "IndustryMinimum",
    "check_area_targets",
    "check_projects",
    "far_min_for",
    "industry_code",
    "load_control_table",
]
