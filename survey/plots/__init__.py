"""Figures from result frames (seaborn style, colour-blind-safe palette, es/en/pt text).

Every function takes a result frame (or a comparison frame) as ``data`` and returns the
matplotlib ``Axes``; nothing here computes a statistic. Suppressed estimates
(``reliability == "suppress"``) are never drawn; estimates to use with caution are drawn
hollow or hatched and marked "†". Each figure carries a title, axis labels and a
source/notes line (survey, wave, n, CI level). :func:`save_figure` writes PNG at 300 dpi
and SVG.
"""

from survey.plots._common import PALETTE, save_figure
from survey.plots._text import LANGUAGES, tr
from survey.plots.categorical import domain_bars, trust_battery
from survey.plots.compare import did_chart, dumbbell, forest
from survey.plots.maps import choropleth
from survey.plots.trends import trend, victimisation_vs_fear

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
