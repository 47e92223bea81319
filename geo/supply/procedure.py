"""The idle-land procedure as a state machine, with its deadlines (docs/architecture.md §5.9).

《闲置土地处置办法》(国土资源部令第53号, 2012) sets the steps a county's land
office follows once land meets the art. 2 definition:

``found`` (调查)
    art. 5: within 30 days of finding suspected idle land the office starts
    the investigation and sends the 《闲置土地调查通知书》; the land user has 30
    days from receiving it to hand in its materials.
``determined`` (认定)
    the office issues the 《闲置土地认定书》 (its number is recorded).
``notified`` (告知)
    the user is told of the determination and the disposal proposed.
``disposing`` (处置中)
    a disposal is decided: one of art. 12's options where art. 8 applies
    (government or force majeure: 延长动工开发期限, 调整土地用途或规划条件, 由政府
    安排临时使用, 协议有偿收回, 置换土地, 其他), or art. 14's (征缴土地闲置费 after
    one full year, 无偿收回 after two).
``closed`` (结案)
    the disposal is carried out; also straight from ``found`` when the
    investigation finds the land is not idle.

Transitions go one step forward only (:data:`TRANSITIONS`); anything else is
refused with the path to follow. The deadline of each step counts calendar
days from the step before it (``geo/config/idle_procedure.toml``, which says
for each number whether it is in the 办法 or local practice).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from geo.errors import InputError
from geo.schema import IDLE_DISPOSALS, IDLE_STAGES

DEFAULT_CONFIG = "idle_procedure.toml"

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "found": ("determined", "closed"),
    "determined": ("notified",),
    "notified": ("disposing",),
    "disposing": ("closed",),
    "closed": (),
}
"""Stage → the stages it may move to."""

STAGE_DATE: dict[str, str] = {
    "found": "found_on",
    "determined": "determined_on",
    "notified": "notified_on",
    "disposing": "disposal_on",
    "closed": "closed_on",
}
"""The column holding the date a case reached each stage."""

ART12_DISPOSALS: tuple[str, ...] = (
    "extend_start",
    "change_use",
    "temporary_use",
    "negotiated_recovery",
    "swap",
    "other",
)
"""Art. 12: disposals of land idle for a government cause or force majeure (art. 8)."""

ART14_DISPOSALS: tuple[str, ...] = ("idle_fee", "free_recovery")
"""Art. 14: the user's own idleness — 征缴土地闲置费 (one year), 无偿收回 (two years)."""


class ProcedureError(InputError):
    """A step of the idle-land procedure that cannot be taken; the message says why."""


@dataclass(frozen=True)
class Step:
    """The deadline of reaching one stage, from the date of the stage before."""

    stage: str
    days: int
    basis: str
    """``办法`` (the number is in the 办法) or ``local`` (local practice)."""
    article: str
    zh: str
    en: str


@dataclass(frozen=True)
class ProcedureConfig:
    """Deadlines and art. 14 figures of the idle-land procedure."""

    steps: Mapping[str, Step]
    fee_rate: float
    fee_after_years: int
    recovery_after_years: int
    source: str
    where: str


def load_procedure(path: str | Path | None = None) -> ProcedureConfig:
    """Read the procedure's deadlines (default ``geo/config/idle_procedure.toml``).

    Raises
    ------
    ProcedureError
        The file is missing or not valid TOML, or a step lacks ``days``.

    Examples
    --------
    >>> c = load_procedure()
    >>> c.steps["found"].days, c.steps["found"].basis, c.fee_rate, c.recovery_after_years
    (30, '办法', 0.2, 2)
    """
    if path is None:
        where = f"geo/config/{DEFAULT_CONFIG}"
        text = resources.files("geo").joinpath("config", DEFAULT_CONFIG).read_text("utf-8")
    else:
        p = Path(path)
        where = str(p)
        if not p.is_file():
            raise ProcedureError(f"idle-procedure file {p} does not exist")
        text = p.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ProcedureError(f"{where} is not valid TOML: {err}") from None
    meta = data.get("meta", {})
    steps: dict[str, Step] = {}
    for stage in IDLE_STAGES:
        raw = data.get("steps", {}).get(stage)
        if not isinstance(raw, dict) or not isinstance(raw.get("days"), int) or raw["days"] < 0:
            raise ProcedureError(
                f"{where}: [steps.{stage}] needs days = a whole number of days (0 or more)"
            )
        if raw.get("basis") not in ("办法", "local"):
            raise ProcedureError(f'{where}: steps.{stage}.basis must be "办法" or "local"')
        steps[stage] = Step(
            stage,
            int(raw["days"]),
            str(raw["basis"]),
            str(raw.get("article", "")),
            str(raw.get("zh", "")),
            str(raw.get("en", "")),
        )
    try:
        fee_rate = float(meta.get("fee_rate", 0.2))
        fee_years = int(meta.get("fee_after_years", 1))
        recovery_years = int(meta.get("recovery_after_years", 2))
    except (TypeError, ValueError):
        raise ProcedureError(
            f"{where}: [meta] fee_rate and *_after_years must be numbers"
        ) from None
    if not 0 <= fee_rate <= 1:
        raise ProcedureError(f"{where}: meta.fee_rate must be a fraction (0.20 for 20%)")
    return ProcedureConfig(
        steps, fee_rate, fee_years, recovery_years, str(meta.get("source", "")), where
    )


def allowed_next(stage: str) -> tuple[str, ...]:
    """The stages a case in ``stage`` may move to.

    Examples
    --------
    >>> allowed_next("found"), allowed_next("closed")
    (('determined', 'closed'), ())
    """
    if stage not in TRANSITIONS:
        raise ProcedureError(f"stage {stage!r} is unknown; stages: {', '.join(IDLE_STAGES)}")
    return TRANSITIONS[stage]


def _day(value: Any, name: str) -> dt.date | None:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise ProcedureError(f"{name} {value!r} is not a date; use YYYY-MM-DD") from None


def plan_transition(
    case: Mapping[str, Any],
    to: str,
    *,
    on: Any,
    today: dt.date | None = None,
    determination_no: str | None = None,
    disposal: str | None = None,
    fee_wan_yuan: float | None = None,
    fee_due: bool = False,
    recovery_due: bool = False,
    exempt: bool = False,
    note: str | None = None,
) -> dict[str, Any]:
    """The field changes that move a case to stage ``to``, or :class:`ProcedureError`.

    Parameters
    ----------
    case
        The stored case (``stage`` and the stage dates).
    to
        The next stage (see :data:`TRANSITIONS`).
    on
        The date of the step: not before the case's last step, not in the future.
    determination_no
        ``determined``: the 《闲置土地认定书》 number (required).
    disposal
        ``disposing``: one of :data:`geo.schema.IDLE_DISPOSALS` (required).
    fee_wan_yuan
        ``idle_fee``: the fee, 万元 (default: the one computed by the caller).
    fee_due, recovery_due, exempt
        From :func:`geo.supply.idle.idle_status`: art. 14 (一) one full year
        net of art. 8 periods, art. 14 (二) two full years, and whether an
        art. 8 cause is recorded for the case. ``idle_fee`` needs ``fee_due``,
        ``free_recovery`` needs ``recovery_due``; art. 14 does not apply
        ("除本办法第八条规定情形外") while an art. 8 cause lasts.

    Examples
    --------
    >>> changes = plan_transition({"stage": "found", "found_on": "2024-01-05"}, "determined",
    ...                           on="2024-02-20", determination_no="闲认〔2024〕3号",
    ...                           today=dt.date(2024, 3, 1))
    >>> changes["stage"], changes["determined_on"], changes["determination_no"]
    ('determined', datetime.date(2024, 2, 20), '闲认〔2024〕3号')
    """
    today = today or dt.date.today()
    stage = str(case.get("stage") or "")
    if to not in IDLE_STAGES:
        raise ProcedureError(f"stage {to!r} is unknown; stages: {', '.join(IDLE_STAGES)}")
    nexts = allowed_next(stage)
    if to not in nexts:
        path = " → ".join(IDLE_STAGES)
        if not nexts:
            raise ProcedureError(f"the case is closed; open a new case for the parcel ({path})")
        raise ProcedureError(
            f"a case in stage {stage} cannot move to {to}: the next step is "
            f"{' or '.join(nexts)} (the procedure is {path}; a step is never skipped)"
        )
    day = _day(on, "date")
    if day is None:
        raise ProcedureError(f"give the date of the step to {to} (--date YYYY-MM-DD)")
    if day > today:
        raise ProcedureError(f"the date {day} is in the future; give the day the step was taken")
    last = _day(case.get(STAGE_DATE[stage]), STAGE_DATE[stage])
    if last is not None and day < last:
        raise ProcedureError(
            f"the date {day} is before the case's last step ({stage} on {last}); "
            f"steps follow each other in time"
        )
    out: dict[str, Any] = {"stage": to, STAGE_DATE[to]: day}
    if to == "determined":
        if not (determination_no or "").strip():
            raise ProcedureError(
                "give the number of the 《闲置土地认定书》 (--no …): a determination is a document"
            )
        out["determination_no"] = determination_no.strip()  # type: ignore[union-attr]
    if to == "disposing":
        if disposal not in IDLE_DISPOSALS:
            raise ProcedureError(
                f"give the disposal (--disposal): one of {', '.join(IDLE_DISPOSALS)} "
                f"(art. 12: {', '.join(ART12_DISPOSALS)}; art. 14: {', '.join(ART14_DISPOSALS)})"
            )
        if disposal in ART14_DISPOSALS and exempt:
            raise ProcedureError(
                f"{disposal} is an art. 14 disposal, which applies 除本办法第八条规定情形外: "
                f"the case has an art. 8 cause (government or force majeure) still lasting; "
                f"choose an art. 12 disposal ({', '.join(ART12_DISPOSALS)}) or end the cause "
                f"(exempt … --to DATE) first"
            )
        if disposal == "idle_fee" and not fee_due:
            raise ProcedureError(
                "the idle-land fee (art. 14 (一)) is due only once the land has been idle one "
                "full year, net of art. 8 periods; it has not"
            )
        if disposal == "free_recovery" and not recovery_due:
            raise ProcedureError(
                "recovery without compensation (art. 14 (二)) needs two full years without "
                "starting, net of art. 8 periods; the land has not reached them"
            )
        out["disposal"] = disposal
        if disposal == "idle_fee":
            if fee_wan_yuan is None:
                raise ProcedureError(
                    "the fee cannot be computed: the contract has no 成交价款 (price_wan_yuan); "
                    "record the price or give --fee in 万元"
                )
            if fee_wan_yuan < 0:
                raise ProcedureError(f"the fee {fee_wan_yuan} 万元 is negative")
            out["fee_wan_yuan"] = float(fee_wan_yuan)
    if note:
        out["note"] = note
    return out


def next_deadline(
    case: Mapping[str, Any], config: ProcedureConfig
) -> tuple[str | None, dt.date | None]:
    """(next stage, its due date) of an open case; (None, None) for a closed one.

    From ``found`` the next step is ``determined`` (``closed`` is the exit when
    the land is found not to be idle).

    Examples
    --------
    >>> next_deadline({"stage": "found", "found_on": "2024-01-05"}, load_procedure())
    ('determined', datetime.date(2024, 3, 5))
    """
    stage = str(case.get("stage") or "")
    nexts = allowed_next(stage)
    if not nexts:
        return None, None
    to = nexts[0]
    since = _day(case.get(STAGE_DATE[stage]), STAGE_DATE[stage])
    if since is None:
        return to, None
    return to, since + dt.timedelta(days=config.steps[to].days)


__all__ = [
    "ART12_DISPOSALS",
    "ART14_DISPOSALS",
    "STAGE_DATE",
    "TRANSITIONS",
    "ProcedureConfig",
    "ProcedureError",
    "Step",
    "allowed_next",
    "load_procedure",
    "next_deadline",
    "plan_transition",
]
