"""Figures from result frames (seaborn style, colour-blind-safe palette, es/en/pt text).

Every function takes a result frame (or a comparison frame) as ``data`` and returns the
matplotlib ``Axes``; nothing here computes a statistic. Suppressed estimates
(``reliability == "suppress"``) are never drawn; estimates to use with caution are drawn
hollow or hatched and marked "†". Each figure carries a title, axis labels and a
source/notes line (survey, wave, n, CI level). :func:`save_figure` writes PNG at 300 dpi
and SVG.
"""

# Functions load on first use (matplotlib is heavy): ``survey.plots._text`` and the table
# writers that use its terms do not pay for matplotlib.
_EXPORTS = {
    "PALETTE": "survey.plots._common",
    "save_figure": "survey.plots._common",
    "LANGUAGES": "survey.plots._text",
    "tr": "survey.plots._text",
    "domain_bars": "survey.plots.categorical",
    "trust_battery": "survey.plots.categorical",
    "did_chart": "survey.plots.compare",
    "dumbbell": "survey.plots.compare",
    "forest": "survey.plots.compare",
    "choropleth": "survey.plots.maps",
    "trend": "survey.plots.trends",
    "victimisation_vs_fear": "survey.plots.trends",
}


def __getattr__(name: str):
    import importlib

    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'survey.plots' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "LANGUAGES",
    "PALETTE",
    "choropleth",
    "did_chart",
    "domain_bars",
    "dumbbell",
    "forest",
    "save_figure",
    "tr",
    "trend",
    "trust_battery",
    "victimisation_vs_fear",
]
