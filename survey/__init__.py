"""Design-based estimation for victimisation, fear-of-crime and trust surveys.

The public entry points:

- :func:`read` reads SPSS/Stata/SAS/CSV/parquet files with their labels and user-missing codes;
- :class:`Design` declares a complex sample (weights, strata, clusters, FPC) and estimates
  means, totals, proportions, ratios and quantiles by domain, validated against R's ``survey``;
- subpackages ``weighting``, ``indicators``, ``compare``, ``plan``, ``instruments``, ``plots``
  and ``report`` build on those.
"""

from survey._schema import RESULT_COLUMNS

__version__ = "0.1.0"

__all__ = ["RESULT_COLUMNS", "__version__"]

try:  # modules that arrive with their issues
    from survey.io import SurveyData, read  # noqa: F401

    __all__ += ["read", "SurveyData"]
except ImportError:  # pragma: no cover
    pass
try:
    from survey.design import Design, ReplicateDesign  # noqa: F401

    __all__ += ["Design", "ReplicateDesign"]
except ImportError:  # pragma: no cover
    pass
