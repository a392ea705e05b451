"""Design-based comparisons: waves, panels, difference-in-differences, tests, effect sizes.

- :func:`compare_independent` / :func:`compare_frames`: two independent samples (waves or
  areas), each under its own design;
- :func:`compare_within` and :func:`combine_waves`: waves as domains of one combined design
  (panel or overlapping samples: covariance between waves counted);
- :func:`did` (2 x 2 contrast) and :func:`did_regression` (``svyglm`` interaction);
- :func:`event_study`: several baseline and follow-up waves, coefficients relative to the
  last baseline wave and the pre-trend test;
- :func:`svyttest`, :func:`svychisq` (Rao-Scott), :func:`svyglm`, :func:`svyolr`
  (proportional odds for ordered items);
- :func:`predictive_margins` (R's ``svypredmeans``) and :func:`did_margins` (covariate-
  adjusted DiD on the response scale);
- :func:`paired_tests` (unweighted, pingouin) for small panels;
- :func:`adjust_pvalues`, :func:`cohens_h`, :func:`cohens_d`, :func:`do_no_harm`.

Every comparison returns the columns :data:`COMPARISON_COLUMNS` after its ``by`` columns.
Rows estimated on one side only are kept with NaN comparison values and a ``note``; the
``worsened`` ("do no harm") screen uses the unadjusted p-value unless
``worsened_p="adjusted"`` (``significant`` uses the adjusted one when ``adjust`` is given).
Independent samples are combined by :mod:`survey.engine.independent` (block-diagonal
covariance), never by a variance formula of their own.
"""

from survey.compare._frame import COMPARISON_COLUMNS, do_no_harm
from survey.compare.did import did, did_margins, did_regression
from survey.compare.effects import cohens_d, cohens_h, weighted_sd
from survey.compare.eventstudy import EventStudy, event_study
from survey.compare.multiplicity import adjust_pvalues
from survey.compare.olr import OLRResult, svyolr
from survey.compare.panels import PAIRED_COLUMNS, paired_tests
from survey.compare.ranktest import svyranktest
from survey.compare.regression import GLMResult, Margins, predictive_margins, svyglm
from survey.compare.tests import svychisq, svyttest
from survey.compare.waves import combine_waves, compare_frames, compare_independent, compare_within

__all__ = [
    "COMPARISON_COLUMNS",
    "PAIRED_COLUMNS",
    "EventStudy",
    "GLMResult",
    "Margins",
    "OLRResult",
    "adjust_pvalues",
    "cohens_d",
    "cohens_h",
    "combine_waves",
    "compare_frames",
    "compare_independent",
    "compare_within",
    "did",
    "did_margins",
    "did_regression",
    "do_no_harm",
    "event_study",
    "paired_tests",
    "predictive_margins",
    "svychisq",
    "svyglm",
    "svyolr",
    "svyranktest",
    "svyttest",
    "weighted_sd",
]
