"""亩均 evaluation configuration: weights, benchmarks, class schemes, groups and the presets."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from geo.benefit.indicators import (
    DEFAULT_PRESET,
    INDICATORS,
    MISSING_POLICIES,
    PRESET_DIR,
    BenefitConfigError,
)

# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorWeight:
    """One indicator of a group: its weight, benchmark and missing-value policy."""

    key: str
    weight: float
    benchmark: float | None
    missing: str
    benchmark_factor: float | None = None
    """When set, the benchmark is this factor × the group's mean of the indicator in
    the year before the evaluated one (淮安: "上年度该项指标平均值2倍左右")."""


@dataclass(frozen=True)
class ClassScheme:
    """How scores become classes.

    ``method`` is ``threshold`` (``cutoffs`` are minimum scores of A, B, C) or
    ``percentile`` (``cutoffs`` are cumulative shares of ranked firms for A, B,
    C). Firms below C are D.
    """

    method: str
    cutoffs: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Scope:
    """Which firms are evaluated at all: a land floor for some scales (淮安: 规下 ≥ 3 亩).

    A firm of a scale in ``scales`` with less than ``min_land_mu`` 亩 is out of
    scope: no score and no class, with a note.
    """

    min_land_mu: float = 0.0
    scales: tuple[str, ...] = ()


@dataclass(frozen=True)
class TClass:
    """Firms in scope but not suited to evaluation (T 类 不适合评价), kept out of the ranking.

    A firm is T when its ``not_evaluated`` column is true (the county's own list),
    when its ``industry`` is in ``industries`` or its ``industry_code`` starts with
    one of ``industry_codes`` (水、电、气 suppliers), or when it has been in production
    fewer than ``new_firm_years`` years: ``evaluation year − production_year <
    new_firm_years``.
    """

    new_firm_years: int | None = None
    industries: tuple[str, ...] = ()
    industry_codes: tuple[str, ...] = ()
    flag_column: str = "not_evaluated"


@dataclass(frozen=True)
class Group:
    """A group of firms scored with one formula (规上 or 规下)."""

    key: str
    zh: str
    en: str
    scale: tuple[str, ...]
    indicators: tuple[IndicatorWeight, ...]
    classes: ClassScheme

    @property
    def total_weight(self) -> float:
        return float(sum(i.weight for i in self.indicators))


@dataclass(frozen=True)
class BenefitConfig:
    """A full 亩均 evaluation scheme."""

    name: str
    title_zh: str
    title_en: str
    source: str
    url: str
    published: str
    path: str
    groups: dict[str, Group]
    cap_ratio: float | None = None
    evaluation_year: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    scope: Scope = Scope()
    t_class: TClass | None = None

    def group_of(self, scale: Any) -> str | None:
        """The group key of a ``scale`` value, or None."""
        s = str(scale).strip()
        for g in self.groups.values():
            if s in g.scale:
                return g.key
        return None


def _num(value: Any, *, where: str, key: str, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BenefitConfigError(f"{where}: key {key} must be a number, got {value!r}")
    if positive and not value > 0:
        raise BenefitConfigError(f"{where}: key {key} must be positive, got {value!r}")
    if value < 0:
        raise BenefitConfigError(f"{where}: key {key} must not be negative, got {value!r}")
    return float(value)


def _policy(value: Any, *, where: str, key: str) -> str:
    if value not in MISSING_POLICIES:
        raise BenefitConfigError(
            f"{where}: key {key} must be one of {', '.join(MISSING_POLICIES)}, got {value!r}"
        )
    return str(value)


def _classes(raw: Any, *, where: str, key: str) -> ClassScheme:
    if not isinstance(raw, dict):
        raise BenefitConfigError(f"{where}: table [{key}] is missing")
    method = raw.get("method")
    if method not in ("threshold", "percentile"):
        raise BenefitConfigError(
            f"{where}: key {key}.method must be 'threshold' or 'percentile', got {method!r}"
        )
    cuts = []
    for cls in ("A", "B", "C"):
        if cls not in raw:
            raise BenefitConfigError(f"{where}: key {key}.{cls} is missing")
        cuts.append((cls, _num(raw[cls], where=where, key=f"{key}.{cls}")))
    values = [v for _, v in cuts]
    if method == "threshold" and not values[0] > values[1] > values[2]:
        raise BenefitConfigError(
            f"{where}: key {key}: thresholds must fall A > B > C, got {values}"
        )
    if method == "percentile" and not 0 < values[0] < values[1] < values[2] <= 1:
        raise BenefitConfigError(
            f"{where}: key {key}: percentile cut-offs must rise 0 < A < B < C <= 1 "
            f"(cumulative shares, 0.25 for 25%), got {values}"
        )
    return ClassScheme(method=str(method), cutoffs=tuple(cuts))


def _benchmark(raw: Any, *, where: str, key: str) -> tuple[float | None, float | None]:
    """A fixed benchmark (a number), or ``{factor = 2.0, of = "previous_year_mean"}``."""
    if isinstance(raw, dict):
        if raw.get("of") != "previous_year_mean":
            raise BenefitConfigError(
                f"{where}: key {key}.of must be 'previous_year_mean', got {raw.get('of')!r}"
            )
        return None, _num(raw.get("factor"), where=where, key=f"{key}.factor", positive=True)
    return _num(raw, where=where, key=key, positive=True), None


def _strings(raw: Any, *, where: str, key: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise BenefitConfigError(f"{where}: key {key} must be a list of strings")
    return tuple(raw)


def _scope(raw: Any, *, where: str) -> Scope:
    if raw is None:
        return Scope()
    if not isinstance(raw, dict):
        raise BenefitConfigError(f"{where}: key scope must be a table")
    floor = _num(raw.get("min_land_mu", 0.0), where=where, key="scope.min_land_mu")
    scales = _strings(raw.get("scales"), where=where, key="scope.scales")
    if floor and not scales:
        raise BenefitConfigError(
            f"{where}: key scope.scales must list the scale values the land floor applies to "
            f"(e.g. ['规下'])"
        )
    return Scope(min_land_mu=floor, scales=scales)


def _t_class(raw: Any, *, where: str) -> TClass | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BenefitConfigError(f"{where}: key t_class must be a table")
    years = raw.get("new_firm_years")
    if years is not None and (isinstance(years, bool) or not isinstance(years, int) or years < 1):
        raise BenefitConfigError(
            f"{where}: key t_class.new_firm_years must be a whole number of years ≥ 1, "
            f"got {years!r}"
        )
    flag = raw.get("flag_column", "not_evaluated")
    if not isinstance(flag, str) or not flag:
        raise BenefitConfigError(f"{where}: key t_class.flag_column must be a column name")
    return TClass(
        new_firm_years=years,
        industries=_strings(raw.get("industries"), where=where, key="t_class.industries"),
        industry_codes=_strings(
            raw.get("industry_codes"), where=where, key="t_class.industry_codes"
        ),
        flag_column=flag,
    )


def parse_benefit_config(data: dict[str, Any], *, where: str = "<config>") -> BenefitConfig:
    """Build a :class:`BenefitConfig` from parsed TOML, checking every key.

    Raises
    ------
    BenefitConfigError
        A key is missing or has a wrong value; the message names ``where`` and the key.
    """
    default_missing = _policy(data.get("missing", "zero"), where=where, key="missing")
    cap = data.get("cap_ratio")
    cap_ratio = _num(cap, where=where, key="cap_ratio", positive=True) if cap is not None else None
    top_classes = data.get("classes")
    groups_raw = data.get("groups")
    if not isinstance(groups_raw, dict) or not groups_raw:
        raise BenefitConfigError(f"{where}: table [groups] is missing or empty")
    groups: dict[str, Group] = {}
    seen_scale: dict[str, str] = {}
    for gkey, graw in groups_raw.items():
        gk = f"groups.{gkey}"
        if not isinstance(graw, dict):
            raise BenefitConfigError(f"{where}: key {gk} must be a table")
        scale = graw.get("scale")
        if not isinstance(scale, list) or not scale:
            raise BenefitConfigError(
                f"{where}: key {gk}.scale must be a list of scale values (e.g. ['规上'])"
            )
        for s in scale:
            if str(s) in seen_scale:
                raise BenefitConfigError(
                    f"{where}: key {gk}.scale: {s!r} is already in groups.{seen_scale[str(s)]}"
                )
            seen_scale[str(s)] = str(gkey)
        inds_raw = graw.get("indicators")
        if not isinstance(inds_raw, dict) or not inds_raw:
            raise BenefitConfigError(f"{where}: table [{gk}.indicators] is missing or empty")
        inds = []
        for ikey, iraw in inds_raw.items():
            ik = f"{gk}.indicators.{ikey}"
            if ikey not in INDICATORS:
                raise BenefitConfigError(
                    f"{where}: key {ik}: unknown indicator; known: {', '.join(INDICATORS)}"
                )
            if not isinstance(iraw, dict):
                raise BenefitConfigError(f"{where}: key {ik} must be a table")
            for k in ("weight", "benchmark"):
                if k not in iraw:
                    raise BenefitConfigError(f"{where}: key {ik}.{k} is missing")
            bench, factor = _benchmark(iraw["benchmark"], where=where, key=f"{ik}.benchmark")
            inds.append(
                IndicatorWeight(
                    key=ikey,
                    weight=_num(iraw["weight"], where=where, key=f"{ik}.weight"),
                    benchmark=bench,
                    missing=_policy(
                        iraw.get("missing", default_missing), where=where, key=f"{ik}.missing"
                    ),
                    benchmark_factor=factor,
                )
            )
        if "classes" in graw:
            classes = _classes(graw["classes"], where=where, key=f"{gk}.classes")
        else:
            classes = _classes(top_classes, where=where, key="classes")
        groups[str(gkey)] = Group(
            key=str(gkey),
            zh=str(graw.get("zh", gkey)),
            en=str(graw.get("en", gkey)),
            scale=tuple(str(s) for s in scale),
            indicators=tuple(inds),
            classes=classes,
        )
    year = data.get("evaluation_year")
    return BenefitConfig(
        name=str(data.get("name", Path(where).stem)),
        title_zh=str(data.get("title_zh", "")),
        title_en=str(data.get("title_en", "")),
        source=str(data.get("source", "")),
        url=str(data.get("url", "")),
        published=str(data.get("published", "")),
        path=where,
        groups=groups,
        cap_ratio=cap_ratio,
        evaluation_year=int(year) if isinstance(year, int) else None,
        meta={k: v for k, v in data.items() if k not in ("groups", "classes", "scope", "t_class")},
        scope=_scope(data.get("scope"), where=where),
        t_class=_t_class(data.get("t_class"), where=where),
    )


def load_benefit_config(path: str | Path) -> BenefitConfig:
    """Load a benefit configuration from a TOML file.

    Raises
    ------
    BenefitConfigError
        The file is missing, not valid TOML, or a key is wrong (file and key named).
    """
    p = Path(path)
    if not p.is_file():
        raise BenefitConfigError(f"benefit configuration {p} does not exist")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise BenefitConfigError(f"{p} is not valid TOML: {err}") from None
    except UnicodeDecodeError as err:
        raise BenefitConfigError(f"{p} is not UTF-8 text: {err}") from None
    return parse_benefit_config(data, where=str(p))


def shipped_dir(folder: str) -> Any:
    """A folder of shipped TOML files inside ``geo/config`` (presets, measures)."""
    return resources.files("geo").joinpath("config", folder)


def shipped_names(folder: str) -> list[str]:
    """Names (without ``.toml``) of the TOML files shipped in ``geo/config/folder``."""
    return sorted(
        p.name.removesuffix(".toml")
        for p in shipped_dir(folder).iterdir()
        if p.name.endswith(".toml")
    )


def _preset_dir() -> Any:
    return shipped_dir(PRESET_DIR)


def list_presets() -> list[str]:
    """Names of the shipped presets.

    Examples
    --------
    >>> "huangyan_2022" in list_presets()
    True
    """
    return shipped_names(PRESET_DIR)


def load_preset(name: str = DEFAULT_PRESET) -> BenefitConfig:
    """Load a shipped preset by name.

    Raises
    ------
    BenefitConfigError
        Unknown name; the message lists the presets.

    Examples
    --------
    >>> cfg = load_preset("huangyan_2022")
    >>> cfg.groups["above"].total_weight, cfg.groups["below"].total_weight
    (100.0, 100.0)
    """
    names = list_presets()
    if name not in names:
        raise BenefitConfigError(
            f"unknown benefit preset {name!r}; available: {', '.join(names)} "
            f"(or give your own TOML file)"
        )
    res = _preset_dir().joinpath(f"{name}.toml")
    where = f"geo/config/{PRESET_DIR}/{name}.toml"
    try:
        data = tomllib.loads(res.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:  # pragma: no cover - shipped files are tested
        raise BenefitConfigError(f"{where} is not valid TOML: {err}") from None
    return parse_benefit_config(data, where=where)
