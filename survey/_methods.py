"""Names of the methods a report spec may choose, importable without the modules that
implement them: a spec is checked when it is loaded, before scipy.stats (which
``survey.compare`` and ``survey.sae`` import) is needed, so the report pipeline's estimation
child is forked without it (see ``survey.report.pipeline._Aside``)."""

from __future__ import annotations

#: p-value adjustments of :func:`survey.compare.adjust_pvalues`.
ADJUST_METHODS = ("holm", "bh", "bonferroni", "by")
#: Variance estimators of the Fay-Herriot model (:func:`survey.sae.fayherriot`).
FH_METHODS = ("REML", "ML", "FH", "AREML", "AML")
