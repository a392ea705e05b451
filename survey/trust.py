"""Trust indicators (alias of :mod:`survey.indicators.trust`).

``survey.trust.institutional(design, items=..., convention="latinobarometro")``,
``survey.trust.interpersonal(...)``, ``survey.trust.index(..., convention="lapop")`` and
``survey.trust.index_reliability(...)``. Conventions (which way the codes run and what counts
as trust): ``"latinobarometro"`` (1-4, 1 = a lot; % 1-2), ``"lapop"`` (1-7, 7 = a lot; mean
0-100 and % 5-7), ``"ess"`` (0-10, 10 = complete trust; mean x 10 and % 6-10, the OECD cut)
and ``"custom"`` (``scale_range=`` and ``high=`` given); see :mod:`survey.indicators.trust`.
"""

from survey.indicators.trust import index, index_reliability, institutional, interpersonal

__all__ = ["index", "index_reliability", "institutional", "interpersonal"]
