"""Figures an observatory can publish as drawn: checked on the drawn artists.

Symptoms of issue 12: titles cut at the figure's edge, long territory names squeezing the
plot, legends over the confidence intervals, "n = 0-2,471" when an empty wave is counted,
no national reference line beside territory estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survey.plots as sp

REGIONS = [
    "Región de Magallanes y de la Antártica Chilena",
    "Región del Libertador General Bernardo O'Higgins",
    "Región Metropolitana de Santiago",
    "Ñuble",
]
TITLE = "Cree que la delincuencia aumentó en su barrio durante los últimos doce meses, por región"


def _regions(n=(400, 500, 3000, 350)) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": REGIONS,
            "estimate": [0.21, 0.25, 0.30, 0.27],
            "ci_low": [0.15, 0.20, 0.27, 0.20],
            "ci_high": [0.27, 0.30, 0.33, 0.34],
            "n": list(n),
        }
    )


def _extent(artist):
    fig = artist.figure
    fig.canvas.draw()
    return artist.get_window_extent(fig.canvas.get_renderer())


def test_long_title_is_wrapped_inside_the_figure_and_keeps_every_word():
    ax = sp.domain_bars(_regions(), by="region", percent=True, title=TITLE, lang="es")
    title = ax._left_title
    box = _extent(title)
    assert "\n" in title.get_text()
    assert " ".join(title.get_text().split()) == TITLE  # nothing cut
    assert 0 <= box.x0 and box.x1 <= ax.figure.bbox.width


def test_long_territory_names_are_wrapped_and_leave_the_plot_most_of_the_width():
    ax = sp.domain_bars(_regions(), by="region", percent=True, title=TITLE, lang="es")
    _extent(ax)
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert any("\n" in t for t in ticks)
    assert {" ".join(t.split()) for t in ticks} == set(REGIONS)
    assert ax.get_position().width >= 0.55  # was ~0.40 with one-line labels


def test_national_reference_line_is_drawn_at_the_national_value():
    ax = sp.domain_bars(_regions(), by="region", percent=True, reference=0.26, lang="es")
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "reference"]
    assert len(lines) == 1
    assert lines[0].get_xdata()[0] == pytest.approx(26.0)
    assert "Nacional" in [t.get_text() for t in ax.texts]


def test_n_range_ignores_a_domain_or_wave_without_cases():
    ax = sp.domain_bars(_regions(n=(400, 500, 3000, 0)), by="region", lang="en")
    text = ax.figure.texts[0].get_text().replace("\n", " ")
    assert "n = 3,900" in text
    frame = _regions(n=(0, 500, 2471, 350)).rename(columns={"region": "variable"})
    frame["wave"] = "2023"
    ax = sp.trust_battery(frame, wave="wave", lang="en")
    text = ax.figure.texts[0].get_text().replace("\n", " ")
    assert "n per estimate = 350–2,471" in text and "= 0–" not in text


def _assert_legend_outside_the_data(ax):
    legend = ax.get_legend()
    assert legend is not None
    axes_box, legend_box = _extent(ax), _extent(legend)
    assert legend_box.x0 >= axes_box.x1  # right of the plotting area, over no interval
    assert legend_box.x1 <= ax.figure.bbox.width + 1


def test_trust_battery_legend_is_outside_the_intervals():
    frame = pd.DataFrame(
        {
            "variable": ["Carabineros", "PDI", "Fiscalía"] * 2,
            "wave": ["2019"] * 3 + ["2023"] * 3,
            "estimate": [0.5, 0.6, 0.3, 0.55, 0.58, 0.35],
            "ci_low": [0.45, 0.55, 0.25, 0.5, 0.53, 0.3],
            "ci_high": [0.55, 0.65, 0.35, 0.6, 0.63, 0.4],
        }
    )
    _assert_legend_outside_the_data(sp.trust_battery(frame, wave="wave", lang="es"))


def test_trend_legend_is_outside_the_bands():
    frame = pd.DataFrame(
        {
            "wave": ["2019", "2023"] * 2,
            "area": ["Tratamiento"] * 2 + ["Comparación"] * 2,
            "estimate": [0.12, 0.08, 0.08, 0.11],
            "ci_low": [0.1, 0.06, 0.06, 0.09],
            "ci_high": [0.14, 0.1, 0.1, 0.13],
        }
    )
    _assert_legend_outside_the_data(sp.trend(frame, x="wave", hue="area", lang="es"))


def test_forest_is_neutral_when_no_desirable_direction_was_given():
    """An increase in robbery is never coloured 'improved' by default (issue 10): without a
    desirable direction (``worsened`` missing) the change is grey and the legend says so."""
    from matplotlib.colors import to_rgb

    from survey.plots._common import BLUE, VERMILLION
    from survey.plots.compare import NEUTRAL

    frame = pd.DataFrame(
        {
            "variable": ["robbery", "burglary", "trust_police"],
            "difference": [0.05, -0.01, 0.02],
            "ci_low": [0.02, -0.03, -0.01],
            "ci_high": [0.08, 0.01, 0.05],
            "significant": [True, False, False],
            "worsened": pd.array([pd.NA, False, True], dtype="boolean"),
        }
    )
    ax = sp.forest(frame, lang="en")
    faces = {
        label.get_text(): tuple(np.round(to_rgb(c), 3))
        for label, c in zip(ax.get_yticklabels(), ax.collections[-1].get_edgecolors(), strict=True)
    }

    def rgb(c):
        return tuple(np.round(to_rgb(c), 3))

    assert faces == {
        "robbery": rgb(NEUTRAL),  # no direction given: neither improved nor worsened
        "burglary": rgb(BLUE),
        "trust_police": rgb(VERMILLION),
    }
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Worsened", "Not a significant worsening", "No desirable direction given"]
    ax = sp.forest(frame.assign(worsened=pd.array([pd.NA] * 3, dtype="boolean")))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["No desirable direction given"]
