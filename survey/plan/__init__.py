"""Survey planning: sample size, allocation, power/MDE and sample selection.

- :mod:`survey.plan.size`: :func:`sample_size_proportion`, :func:`sample_size_mean`,
  :func:`margin_of_error` (Cochran 1977, with design effect, response rate and FPC);
- :mod:`survey.plan.allocation`: :func:`allocate` (proportional, equal, Neyman, Bankier
  power allocation) with per-stratum precision;
- :mod:`survey.plan.power_analysis`: :func:`mde`, :func:`power`,
  :func:`sample_size_power` for independent samples, panels and difference-in-differences
  with clustering (Bloom 1995);
- :mod:`survey.plan.selection`: :func:`select_pps` (stratified PPS systematic selection
  of PSUs with certainty units) and :func:`select_within` (SRS/systematic selection of
  households), returning inclusion probabilities for the base weights.

Planning works from assumed parameters; it computes no variance from survey data.
"""

from survey.plan._common import design_effect
from survey.plan.allocation import Allocation, allocate, round_preserving_total
from survey.plan.power_analysis import mde, multiplier, power, sample_size_power
from survey.plan.selection import inclusion_probabilities, select_pps, select_within
from survey.plan.size import margin_of_error, sample_size_mean, sample_size_proportion

__all__ = [
    "Allocation",
    "allocate",
    "design_effect",
    "inclusion_probabilities",
    "margin_of_error",
    "mde",
    "multiplier",
    "power",
    "round_preserving_total",
    "sample_size_mean",
    "sample_size_power",
    "sample_size_proportion",
    "select_pps",
    "select_within",
]
