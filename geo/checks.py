"""Rule checks on a workspace: one findings table with a severity per row.

Each family of rule is a function of the workspace that returns finding rows
(:func:`run_checks` joins them):

- control indicators (:mod:`geo.control`): a project figure (``far``,
  ``coverage``, ``admin_ratio``, ``green_ratio``, ``invest_wan_per_mu``) on a
  parcel planned for industry against the national table and the planning
  area's own targets;
- the soil gate (:mod:`geo.soil`): polluting land planned for a sensitive use
  without a soil investigation;
- milestones past due (:mod:`geo.lifecycle`);
- idle land (:mod:`geo.lifecycle`, 《闲置土地处置办法》 art. 2);
- overdue steps of idle-land cases (:func:`geo.supply.idle_status`), when the
  workspace keeps cases (``idle_cases``): check ``idle_case``, a warning per
  case whose next step is past its deadline.

Severities: ``blocking`` (must be fixed before supply), ``warning``, ``info``
(a rule that could not be applied because its data is absent: reported, never
guessed). The dask engine runs the same functions per partition
(:mod:`geo.engine.compute`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)

FINDING_COLUMNS: tuple[str, ...] = (
    "check",
    "severity",
    "subject_id",
    "rule_id",
    "status",
    "required",
    "actual",
    "unit",
    "area_mu",
    "message_zh",
    "message_en",
)
"""Columns of the ``tenglong check`` findings table."""

SEVERITIES: tuple[str, ...] = ("blocking", "warning", "info")

_PROJECT_FIGURES = ("far", "coverage", "admin_ratio", "green_ratio", "invest_wan_per_mu")


def _finding(check: str, severity: str, **kw: Any) -> dict[str, Any]:
    row = {c: kw.get(c, pd.NA) for c in FINDING_COLUMNS}
    row["check"], row["severity"] = check, severity
    return row


def _fmt(v: Any) -> str:
    return "?" if v is None or pd.isna(v) else f"{v:g}"


def _control_text(rule: str, r: Any, lang: str) -> str:
    """A control rule with its note, requirement and actual value, for the message column."""
    note = f"（{r.note}）" if lang == "zh" and r.note else (f" ({r.note})" if r.note else "")
    if r.status not in ("fail", "pass", "missing"):
        return f"{rule}{note}"
    unit = f" {r.unit}" if r.unit and r.unit != "fraction" else ""
    if lang == "zh":
        return f"{rule}{note}：要求 {r.op} {_fmt(r.required)}{unit}，实际 {_fmt(r.actual)}{unit}"
    return f"{rule}{note}: required {r.op} {_fmt(r.required)}{unit}, actual {_fmt(r.actual)}{unit}"


def _control_findings(ws: Any, table: Any) -> list[dict[str, Any]]:
    from geo.capacity import containing_area
    from geo.control import check_area_targets, check_projects

    rows: list[dict[str, Any]] = []
    parcels = ws.parcels
    if "land_use_planned" in parcels.columns:
        # the national controls are for industrial projects (planned 10 / 1001xx)
        planned = parcels["land_use_planned"].astype("string")
        parcels = parcels[planned.str.startswith("1001").fillna(False) | (planned == "10")]
    if any(c in parcels.columns for c in _PROJECT_FIGURES):
        projects = pd.DataFrame(parcels.drop(columns=parcels.geometry.name))
        if "invest_min_wan_per_mu" not in projects.columns and "invest_wan_per_mu" in ws.areas:
            assigned = containing_area(parcels, ws.areas)["area_id"]
            targets = ws.areas.drop_duplicates("area_id").set_index("area_id")["invest_wan_per_mu"]
            projects["invest_min_wan_per_mu"] = assigned.map(targets).to_numpy()
        res = check_projects(projects, table=table, id_column="parcel_id")
        area = dict(zip(parcels["parcel_id"], parcels["area_mu"], strict=False))
        for r in res.itertuples(index=False):
            sev = "blocking" if r.status == "fail" else "info"
            rows.append(
                _finding(
                    "control",
                    sev,
                    subject_id=r.subject_id,
                    rule_id=r.rule_id,
                    status=r.status,
                    required=r.required,
                    actual=r.actual,
                    unit=r.unit,
                    area_mu=area.get(r.subject_id, pd.NA),
                    message_zh=_control_text(r.rule_zh, r, "zh"),
                    message_en=_control_text(r.rule_en, r, "en"),
                )
            )
    else:
        figures = ", ".join(_PROJECT_FIGURES)
        rows.append(
            _finding(
                "control",
                "info",
                rule_id="far_min",
                status="not_checked",
                message_zh="地块无项目指标（容积率、建筑系数等），未检查控制指标",
                message_en=f"parcels carry no project figures ({figures}): not checked",
            )
        )
    res = check_area_targets(ws.areas, table=table)
    for r in res.itertuples(index=False):
        rows.append(
            _finding(
                "control",
                "warning" if r.status == "fail" else "info",
                subject_id=r.subject_id,
                rule_id=r.rule_id,
                status=r.status,
                required=r.required,
                actual=r.actual,
                unit=r.unit,
                message_zh=_control_text(r.rule_zh, r, "zh"),
                message_en=_control_text(r.rule_en, r, "en"),
            )
        )
    return rows


def _soil_findings(ws: Any) -> list[dict[str, Any]]:
    from geo.soil import soil_flags

    rows = []
    for r in soil_flags(ws.parcels).itertuples(index=False):
        rows.append(
            _finding(
                "soil",
                r.severity,
                subject_id=r.parcel_id,
                rule_id=r.flag,
                status=(
                    "fail"
                    if r.severity == "blocking" and r.flag != "history_unknown"
                    else "unknown"  # survey needed: blocking, though nothing failed yet
                ),
                area_mu=r.area_mu,
                message_zh=r.reason_zh,
                message_en=r.reason_en,
            )
        )
    return rows


def _milestone_findings(ws: Any, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    from geo.lifecycle import overdue_milestones

    ms = ws.get("milestones")
    if ms is None:
        return [
            _finding(
                "milestone",
                "info",
                rule_id="milestone_overdue",
                status="not_checked",
                message_zh="工作空间无节点表",
                message_en="the workspace has no milestones table",
            )
        ]
    rows = []
    for r in overdue_milestones(ms, as_of=as_of).itertuples(index=False):
        due = r.due.date()
        rows.append(
            _finding(
                "milestone",
                "blocking",
                subject_id=r.subject_id,
                rule_id="milestone_overdue",
                status="fail",
                required=str(due),
                actual=f"{r.days_overdue} d",
                unit="date",
                message_zh=f"节点逾期{r.days_overdue}天：{r.milestone}（期限{due}）",
                message_en=f"milestone overdue by {r.days_overdue} days: {r.milestone} (due {due})",
            )
        )
    return rows


def _idle_findings(ws: Any, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    from geo.lifecycle import idle_rules

    rows = []
    for r in idle_rules(ws.parcels, as_of=as_of).itertuples(index=False):
        if r.result == "not_idle":
            continue
        rows.append(
            _finding(
                "idle",
                "warning" if r.result == "idle" else "info",
                subject_id=r.parcel_id,
                rule_id=r.rule_id,
                status=r.result,
                actual=r.days_past_limit if r.result == "idle" else pd.NA,
                unit="days past limit" if r.result == "idle" else pd.NA,
                area_mu=r.area_mu,
                message_zh=f"{r.rule_zh}：{r.detail}",
                message_en=f"{r.rule_en}: {r.detail}",
            )
        )
    return rows


def _idle_case_findings(ws: Any, as_of: pd.Timestamp) -> list[dict[str, Any]]:
    """Idle-land cases whose next step is overdue (none without an ``idle_cases`` table)."""
    cases = ws.get("idle_cases")
    if cases is None or cases.empty:
        return []
    from geo.schema import IDLE_STAGE_LABELS, TABLES
    from geo.supply import idle_status

    def full(name: str) -> pd.DataFrame:
        """The table with every column of its schema (an optional one absent is empty)."""
        df = ws.get(name)
        df = pd.DataFrame() if df is None else df
        cols = [c.name for c in TABLES[name].columns]
        return df.reindex(columns=[*df.columns, *[c for c in cols if c not in df.columns]])

    status = idle_status(
        ws.parcels, full("contracts"), full("idle_cases"), full("idle_exemptions"), as_of
    )
    # only the cases of these parcels: the dask engine checks one partition at a time
    mine = status["parcel_id"].astype(str).isin(set(ws.parcels["parcel_id"].astype(str)))
    late = status[status["overdue"] & status["case_id"].notna() & mine]
    rows = []
    for r in late.itertuples(index=False):
        due = pd.Timestamp(r.next_step_due_on).date()
        days = (as_of - pd.Timestamp(r.next_step_due_on)).days
        zh, en = IDLE_STAGE_LABELS.get(str(r.next_step), (str(r.next_step), str(r.next_step)))
        rows.append(
            _finding(
                "idle_case",
                "warning",
                subject_id=r.parcel_id,
                rule_id=f"idle_step_{r.next_step}",
                status="fail",
                required=str(due),
                actual=f"{days} d",
                unit="date",
                area_mu=r.area_mu,
                message_zh=f"闲置土地处置逾期{days}天：案件{r.case_id}下一步“{zh}”（期限{due}）",
                message_en=f"idle-land case {r.case_id} overdue by {days} days: next step "
                f"{en} (due {due})",
            )
        )
    return rows


def run_checks(ws: Any, *, as_of: Any = None, control_config: Path | None = None) -> pd.DataFrame:
    """All the checks of ``tenglong check`` on an open workspace, as one findings table.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FINDING_COLUMNS`, blocking findings first.
    """
    from geo.control import load_control_table
    from geo.lifecycle import as_of_date

    day = as_of_date(as_of)
    table = load_control_table(control_config)
    rows = _control_findings(ws, table)
    rows += _soil_findings(ws)
    rows += _milestone_findings(ws, day)
    rows += _idle_findings(ws, day)
    rows += _idle_case_findings(ws, day)
    out = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    logger.info(
        "%s as of %s: %s",
        ws.name,
        day.date(),
        ", ".join(f"{s}={int((out['severity'] == s).sum())}" for s in SEVERITIES),
    )
    for col in ("required", "actual"):
        out[col] = out[col].astype("object")
    order = {s: n for n, s in enumerate(SEVERITIES)}
    out = out.assign(_o=out["severity"].map(order)).sort_values(["_o", "check"], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)
