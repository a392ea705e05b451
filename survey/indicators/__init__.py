"""Victimisation, fear and trust indicators with standard errors and reliability flags.

Each indicator is defined once in :mod:`survey.indicators.registry` (name, definition,
numerator, denominator, unit, scale, reference period, source standard) and computed through
the estimation engine on the caller's design, by any domain. Results are tidy frames in the
package's result schema (plus ``n_cases``), with ``attrs["scale"]`` and a ``reliability``
flag from :mod:`survey.quality` (CEPAL 2020 by default).

This package is imported by every estimate (for the reliability flag), so it stays light:
the indicator modules load on first use.
"""

from __future__ import annotations

import importlib

_LAZY = {
    # victimisation
    "prevalence": "victimisation",
    "incidence": "victimisation",
    "concentration": "victimisation",
    "reporting_rate": "victimisation",
    "complaint_rate": "victimisation",
    "dark_figure": "victimisation",
    "police_satisfaction": "victimisation",
    "sdg_16_1_3": "victimisation",
    "sdg_16_3_1": "victimisation",
    "flag_units": "victimisation",
    "count_victimisations": "victimisation",
    "households_from_incidents": "victimisation",
    "household_prevalence_from_incidents": "victimisation",
    "ncvs_household_prevalence": "victimisation",
    "NCVS_PROPERTY_CODES": "victimisation",
    "CRIME_GROUPS": "victimisation",
    "SDG_16_3_1_FORMS": "victimisation",
    # fear
    "insecurity": "fear",
    "worry": "fear",
    "avoidance": "fear",
    "perceived_increase": "fear",
    "sdg_16_1_4": "fear",
    # trust
    "interpersonal": "trust",
    "institutional": "trust",
    "index": "trust",
    "index_reliability": "trust",
    # registry and helpers
    "REGISTRY": "registry",
    "Indicator": "registry",
    "get": "registry",
    "list_indicators": "registry",
    "battery": "registry",
    "difference": "_common",
    "IndicatorSet": "_common",
    "IndicatorError": "_common",
    "check_options": "_common",
    "SCALES": "_common",
    "assess": "quality",  # survey.quality (alias module survey.indicators.quality)
    "mask": "quality",
    "RULES": "quality",
}

__all__ = sorted(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
