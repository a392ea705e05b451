"""indicators.difference: the label columns of the difference frame are filled.

Both sides estimated on the demo .sav (region value labels in its metadata); the estimate
of each difference row equals the difference of the two indicator frames' estimates.
"""

from __future__ import annotations

import numpy as np
import pytest

import survey
from survey import indicators
from survey.datasets import demo_path


@pytest.fixture(scope="module")
def design():
    return survey.Design(survey.read(demo_path()), weight="weight", strata="stratum", psu="psu")


def test_difference_has_domain_and_variable_labels(design):
    a = indicators.prevalence(design, crimes=["robbery"], by="region", as_set=True)
    b = indicators.prevalence(design, crimes=["assault"], by="region", as_set=True)
    fa, fb = a.to_frame(), b.to_frame()
    diff = indicators.difference(a, b)
    assert list(diff["domain_label"]) == ["Norte", "Centro", "Sur", "Costa"]
    # "<title>: <category> − <title>: <category>", never the internal key
    va = f"{fa['variable_label'].iloc[0]}: {fa['category_label'].iloc[0]}"
    vb = f"{fb['variable_label'].iloc[0]}: {fb['category_label'].iloc[0]}"
    assert diff["variable_label"].iloc[0] == f"{va} \u2212 {vb}"
    assert "prevalence[" not in diff["variable_label"].iloc[0]
    np.testing.assert_allclose(
        diff["estimate"].to_numpy(),
        fa["estimate"].to_numpy() - fb["estimate"].to_numpy(),
        rtol=1e-12,
    )


def test_difference_of_frames_says_as_set(design):
    a = indicators.prevalence(design, crimes=["robbery"], by="region")
    b = indicators.prevalence(design, crimes=["assault"], by="region", as_set=True)
    with pytest.raises(indicators.IndicatorError, match="as_set=True"):
        indicators.difference(a, b)
