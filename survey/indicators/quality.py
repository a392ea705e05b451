"""Reliability flags: moved to :mod:`survey.quality` (a statistical standard the engine
applies, not an indicator concept). This name stays as an alias of that module."""

from survey.quality import *  # noqa: F403
from survey.quality import (  # noqa: F401
    _SCALE_FACTORS,
    DEFAULT_RULE,
    LEVELS,
    RULES,
    assess,
    assess_reasons,
    describe_rules,
    mask,
    resolve_rule,
    rule_label,
)
