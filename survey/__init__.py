"""Design-based estimation for victimisation, fear-of-crime and trust surveys.

The public entry points:

- :func:`read` reads SPSS/Stata/SAS/CSV/parquet files with their labels and user-missing codes;
- :class:`Design` declares a complex sample (weights, strata, clusters, FPC) and estimates
  means, totals, proportions, ratios and quantiles by domain, validated against R's ``survey``;
  :class:`ReplicateDesign` does the same with replicate weights;
- subpackages: ``survey.weighting`` (base weights, nonresponse, post-stratification, raking,
  calibration, trimming, replicate weights), ``survey.indicators`` and ``survey.trust``
  (victimisation, fear and trust indicators with reliability flags), ``survey.compare``
  (waves, panels, DiD, tests), ``survey.plan`` (sample size, power, allocation, selection),
  ``survey.instruments`` (standard questionnaires, exports, harmonisation), ``survey.plots``
  and ``survey.report``.
"""

from survey._schema import RESULT_COLUMNS
from survey.design import Design, DesignError, ReplicateDesign, design_from_spec
from survey.io import Metadata, ReadError, SurveyData, apply_labels, read, write

__version__ = "0.1.0"

__all__ = [
    "RESULT_COLUMNS",
    "Design",
    "DesignError",
    "Metadata",
    "ReadError",
    "ReplicateDesign",
    "SurveyData",
    "__version__",
    "apply_labels",
    "design_from_spec",
    "read",
    "write",
]

_SUBPACKAGES = (
    "weighting",
    "indicators",
    "trust",
    "compare",
    "plan",
    "instruments",
    "plots",
    "report",
    "datasets",
    "engine",
)


def __getattr__(name: str):
    """Subpackages load on first use (``survey.trust.institutional(...)``), so importing
    ``survey`` stays light (no matplotlib until a figure is drawn)."""
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"survey.{name}")
    raise AttributeError(f"module 'survey' has no attribute {name!r}")
