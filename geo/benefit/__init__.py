"""亩均效益 evaluation of firms (亩均论英雄, docs/architecture.md §5.5).

A firm's score is a weighted sum of its indicators over their benchmarks::

    score = Σ weight × value / benchmark

so a firm exactly at every benchmark scores Σ weights (100 in the shipped
presets). Firms are scored in groups by ``scale``: above-scale (规上) firms on six
indicators, the others (规下) on a simpler formula; each group has its own
weights and benchmarks. Classes A/B/C/D come from score thresholds or from rank
percentiles within the group.

Indicators (column names carry their units; land = ``land_mu_registered`` +
``land_mu_leased``):

==============================  ======================  ==============================
column                          indicator               formula
==============================  ======================  ==============================
``tax_wan_per_mu``              亩均税收                 tax_wan / land_mu
``added_value_wan_per_mu``      亩均增加值               added_value_wan / land_mu
``revenue_wan_per_mu``          亩均营业收入             revenue_wan / land_mu
``added_value_wan_per_tce``     单位能耗增加值           added_value_wan / energy_tce
``added_value_wan_per_t``       单位排放增加值           added_value_wan / emissions_t
``added_value_wan_per_person``  全员劳动生产率           added_value_wan / employees
``rd_revenue_ratio``            R&D经费占营业收入比重    rd_wan / revenue_wan
``tax_wan_per_mwh``             单位用电税收             tax_wan / electricity_mwh
==============================  ======================  ==============================

Division by zero: a zero (or missing) denominator — no land, no recorded
energy use, emissions, employees, revenue or electricity — makes the indicator
*missing*, never infinite; the firm's ``notes`` say which. Missing indicators
are then scored by the configured policy:

- ``zero``: the indicator contributes no points;
- ``group_mean``: the mean points of that indicator over the firms of the same
  group that have it (Huangyan's rule for 规上 firms without emission data);
  zero when no firm has it;
- ``reweight``: the indicator is dropped and the firm's other points are scaled
  by Σ all weights / Σ available weights.

Negative land, energy, emissions, employees, electricity, revenue or R&D are
input errors. Tax and value added may be negative (refunds, losses) and then
score negatively.

Configuration is TOML: the shipped presets live in
``geo/config/benefit_presets/`` (:func:`list_presets`), each citing its source;
:func:`load_benefit_config` reads your own file with the same layout.

Privacy: the enterprise ``name`` is an internal field. Named firms' scores must
never reach investors or the public (docs/architecture.md §1); use :func:`drop_internal`
before handing results to any role other than ``planner``.
"""

from __future__ import annotations

from geo.benefit.config import (  # noqa: F401
    BenefitConfig,
    ClassScheme,
    Group,
    IndicatorWeight,
    _classes,
    _num,
    _policy,
    _preset_dir,
    list_presets,
    load_benefit_config,
    load_preset,
    parse_benefit_config,
)
from geo.benefit.evaluate import (  # noqa: F401
    _classify,
    _ids,
    _missing_reason,
    _validate,
    drop_internal,
    evaluate,
    low_efficiency_candidates,
    summarize,
)
from geo.benefit.indicators import (  # noqa: F401
    _CARRIED,
    _NONNEGATIVE,
    CLASS_LABELS,
    CLASSES,
    DEFAULT_PRESET,
    INDICATORS,
    MISSING_POLICIES,
    PRESET_DIR,
    T_CLASS,
    BenefitConfigError,
    BenefitInputError,
    Indicator,
    MissingPolicy,
    compute_indicators,
)

__all__ = [
    "CLASSES",
    "CLASS_LABELS",
    "DEFAULT_PRESET",
    "INDICATORS",
    "MISSING_POLICIES",
    "ROLES",
    "T_CLASS",
    "BenefitConfig",
    "BenefitConfigError",
    "BenefitInputError",
    "ClassScheme",
    "Group",
    "Indicator",
    "IndicatorWeight",
    "compute_indicators",
    "drop_internal",
    "evaluate",
    "list_presets",
    "load_benefit_config",
    "load_preset",
    "low_efficiency_candidates",
    "parse_benefit_config",
    "summarize",
]
