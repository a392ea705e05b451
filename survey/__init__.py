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
    "read_labels",
    "with_labels",
    "read",
    "write",
]

_SUBPACKAGES = (
    "io",
    "design",
    "quality",
    "backends",
    "sae",
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


#: public name -> the module that defines it. They load on first use, like the
#: subpackages, so that ``import survey`` (and ``survey --help``) does not pay for pandas.
_EXPORTS = {
    "RESULT_COLUMNS": "survey._schema",
    "Design": "survey.design",
    "DesignError": "survey.design",
    "ReplicateDesign": "survey.design",
    "design_from_spec": "survey.design",
    "Metadata": "survey.io",
    "ReadError": "survey.io",
    "SurveyData": "survey.io",
    "apply_labels": "survey.io",
    "read_labels": "survey.io",
    "with_labels": "survey.io",
    "read": "survey.io",
    "write": "survey.io",
}


def __getattr__(name: str):
    """Public names and subpackages load on first use (``survey.Design``,
    ``survey.trust.institutional(...)``), so importing ``survey`` stays light."""
    import importlib

    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"survey.{name}")
    raise AttributeError(f"module 'survey' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_SUBPACKAGES])
