"""A mean of a labelled nominal item averages codes (Yes = 1 / No = 2 -> 1.9): every route
that reaches the engine warns, naming the item; ordinal scales, counts and 0/1 items do not."""

from __future__ import annotations

import warnings

import pytest

import survey
from survey import compare
from survey.datasets import demo_path


@pytest.fixture(scope="module")
def des():
    return survey.Design(survey.read(demo_path()), weight="weight", strata="stratum", psu="psu")


def test_mean_and_did_of_a_yes_no_item_coded_1_2_warn(des):
    with pytest.warns(UserWarning, match=r"'robbery' is a nominal item .*1 = Yes, 2 = No"):
        got = des.mean("robbery")
    assert 1 < got["estimate"].iloc[0] < 2  # the average of codes the warning is about
    with pytest.warns(UserWarning, match="'robbery' is a nominal item"):
        compare.did(des, ["robbery"], group="area", wave="wave", treated="Treatment",
                    pre="Baseline", post="Follow-up")  # fmt: skip


def test_ordinal_scales_counts_and_shares_stay_silent(des):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        des.mean(["trust_police", "hh_size", "burglary_n"])
        des.prop("robbery")
