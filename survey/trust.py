"""Trust indicators (alias of :mod:`survey.indicators.trust`).

``survey.trust.institutional(design, items=..., convention="latinobarometro")``,
``survey.trust.interpersonal(...)``, ``survey.trust.index(..., convention="lapop")`` (which
way the codes run: ``"lapop"`` 7 = a lot, ``"latinobarometro"`` 1 = a lot, ``"custom"``) and
``survey.trust.index_reliability(...)``; see :mod:`survey.indicators.trust`.
"""

from survey.indicators.trust import index, index_reliability, institutional, interpersonal

__all__ = ["index", "index_reliability", "institutional", "interpersonal"]
