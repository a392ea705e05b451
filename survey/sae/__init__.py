"""Small-area estimation: model-based figures for communes and neighbourhoods.

The flow follows the way the work is done (emdi's ``direct -> fh -> benchmark``):

1. :func:`direct` - direct estimates, sampling variances, effective sample sizes and df per
   area, from the engine on the full design (areas with 0 or 1 PSU flagged);
2. :func:`smooth_variances` - a generalised variance function where direct variances are
   unstable (the choice recorded per area);
3. :func:`fh` - the Fay-Herriot EBLUP (REML, ML, FH moments as R ``sae::eblupFH``; Li-Lahiri
   adjusted likelihoods), covariates joined on area codes, arcsine transformation for
   proportions, analytic (``sae::mseFH``) or parametric bootstrap MSE;
4. :func:`benchmark` - estimates that add up to direct regional (or national) figures;
5. :func:`diagnostics`, :func:`caterpillar`, :func:`methods_annex` - shrinkage, CVs,
   residual checks, reliability flags, plots and the methods text.
"""

from survey.sae.benchmark import benchmark
from survey.sae.diagnostics import diagnostics
from survey.sae.direct import direct
from survey.sae.fayherriot import METHODS, FHError
from survey.sae.gvf import smooth_variances
from survey.sae.model import FHResult, fh

__all__ = [
    "METHODS",
    "FHError",
    "FHResult",
    "benchmark",
    "caterpillar",
    "diagnostics",
    "direct",
    "fh",
    "methods_annex",
    "smooth_variances",
]


def caterpillar(result, ax=None, **kwargs):
    """Caterpillar plot direct vs model (see :func:`survey.sae.plots.caterpillar`)."""
    from survey.sae.plots import caterpillar as _cat

    return _cat(result, ax=ax, **kwargs)


def methods_annex(result, lang: str = "en") -> str:
    """Methods annex text (see :func:`survey.sae.annex.methods_annex`)."""
    from survey.sae.annex import methods_annex as _annex

    return _annex(result, lang=lang)
