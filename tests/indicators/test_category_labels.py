"""Indicator rows of the user's own columns read as the data's variable labels, not codes."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

import survey
from survey import Design, indicators
from survey.datasets import demo_path


@pytest.fixture(scope="module")
def renamed():
    """The demo survey with its robbery item under an SPSS-style code, P12_rob, labelled."""
    sd = survey.read(demo_path())
    labels = dict(sd.meta.variable_labels)
    labels["P12_rob"] = labels.pop("robbery")
    sd = dataclasses.replace(
        sd,
        data=sd.data.rename(columns={"robbery": "P12_rob"}),
        meta=dataclasses.replace(sd.meta, variable_labels=labels),
    )
    return sd, labels["P12_rob"]


def test_prevalence_of_a_list_of_columns_labels_them_by_their_variable_labels(renamed):
    sd, label = renamed
    des = Design(sd, weight="weight", strata="stratum", psu="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = indicators.prevalence(des, crimes=["P12_rob", "assault"], unit="person")
        std = indicators.prevalence(
            Design(survey.read(demo_path()), weight="weight", strata="stratum", psu="psu"),
            crimes=["robbery"],
            unit="person",
        )
    row = got.set_index("category").loc["P12_rob"]
    assert label.startswith("Robbery") and row["category_label"] == label
    # the standard key keeps its short word, and the number is the standard item's
    assert got.set_index("category").loc["assault", "category_label"] == "Assault"
    assert row["estimate"] == pytest.approx(std["estimate"].iloc[0], rel=1e-12)
