"""Weighting: base weights, nonresponse adjustment, post-stratification, raking, calibration,
trimming, diagnostics and replicate weights.

Every step follows the scikit-learn contract (parameters in ``__init__``, ``fit(design)``
learns ``weights_``/``diagnostics_``, ``transform(design)`` returns a NEW design carrying what
the variance needs). Taylor designs get R's linearisation correction (``steps_``); replicate
designs are re-weighted replicate by replicate, as R does for ``svyrep.design``.

>>> from survey.weighting import Rake
>>> raked = Rake({"sex": pop_sex, "age_group": pop_age}).fit_transform(design)  # doctest: +SKIP
"""

from survey.weighting._base import WeightingError, WeightingStep
from survey.weighting.base import base_weights, stage_probability
from survey.weighting.calibrate import Calibrate, grake
from survey.weighting.diagnostics import (
    effective_sample_size,
    kish_deff,
    weight_summary,
)
from survey.weighting.nonresponse import NonresponseAdjustment
from survey.weighting.poststratify import PostStratify, Rake
from survey.weighting.replicates import (
    as_replicate,
    bootstrap_factors,
    brr_factors,
    hadamard,
    jk1_factors,
    jkn_factors,
)
from survey.weighting.spec import WeightingSpec, load_spec, run_spec
from survey.weighting.trim import TrimWeights, trim_weights

__all__ = [
    "Calibrate",
    "NonresponseAdjustment",
    "PostStratify",
    "Rake",
    "TrimWeights",
    "WeightingError",
    "WeightingSpec",
    "WeightingStep",
    "as_replicate",
    "bootstrap_factors",
    "brr_factors",
    "hadamard",
    "jk1_factors",
    "jkn_factors",
    "load_spec",
    "run_spec",
    "base_weights",
    "effective_sample_size",
    "grake",
    "kish_deff",
    "stage_probability",
    "trim_weights",
    "weight_summary",
]
