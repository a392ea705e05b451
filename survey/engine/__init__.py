"""The estimation engine: one aggregation pass, then Taylor or replicate variance.

See ``docs/ARCHITECTURE.md``. Public pieces: :func:`estimate` and :class:`EstimateSet`.
"""

from survey.engine.calibration import CalibrationStep
from survey.engine.core import EstimateSet, estimate
from survey.engine.domains import Domains, make_domains
from survey.engine.estimators import EstimationError
from survey.engine.independent import KnownVariance, stack_independent
from survey.engine.regression import vcov_from_row_influence

__all__ = [
    "CalibrationStep",
    "Domains",
    "EstimateSet",
    "EstimationError",
    "estimate",
    "KnownVariance",
    "make_domains",
    "stack_independent",
    "vcov_from_row_influence",
]
