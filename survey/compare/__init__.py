"""Design-based comparisons: waves, panels, difference-in-differences, tests, effect sizes."""

from survey.compare.regression import GLMResult, svyglm
from survey.compare.tests import svychisq, svyttest

__all__ = ["GLMResult", "svychisq", "svyglm", "svyttest"]
