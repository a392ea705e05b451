"""Simulation with known truth: the synthetic city of survey.datasets.city.

A fixed population of 40 neighbourhoods (true victimisation rates 2%-28%), repeated
stratified cluster samples (1-12 blocks of 12 households per neighbourhood, 190 blocks in
all; seven neighbourhoods with a single block), direct estimates from the engine, variances
smoothed by the GVF, Fay-Herriot with Li-Lahiri AREML and its analytic MSE.

Measured on 1,000 samples (seeds 1000-1999; ``SURVEY_FULL_SIM=1`` runs them here):

- coverage of the MSE-based 95% intervals: 93.2% over areas and samples (60 samples: 93.6%);
- relative bias of the MSE estimator, mean estimated MSE over mean empirical MSE (both
  averaged over areas and samples): +5.7% (60 samples: +7.7%). Per area the analytic MSE
  is the model's unconditional MSE, so against an area's fixed truth it is off by more
  (median over areas of the per-area relative bias +43%: it over-states the error of
  areas whose true effect is small and under-states the others);
- RMSE over areas and samples: 0.0333 for FH against 0.0634 for the direct estimates, a
  47% gain (60 samples: 0.033 vs 0.063, 48%).

The CI version runs 25 samples and asserts bands around those values.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import survey
from survey import sae
from survey.datasets.city import draw_sample, make_city

REPS = 1000 if os.environ.get("SURVEY_FULL_SIM") == "1" else 25


@pytest.fixture(scope="module")
def runs():
    city = make_city()
    cen = city.census
    truth = cen.set_index("area")["true_rate"]
    err_fh, err_direct, mse, cover = [], [], [], []
    for r in range(REPS):
        s = draw_sample(city, 1000 + r)
        des = survey.Design(s, weight="weight", strata="area", psu="block", lonely_psu="certainty")
        d = sae.direct(des, "victim", "area")
        d, _ = sae.smooth_variances(d, where="all")
        res = sae.fh(d, cen, x=["poverty", "density", "lighting"], method="AREML")
        e = res.estimates.set_index("area").loc[cen["area"]]
        err_fh.append((e["estimate"] - truth).to_numpy())
        err_direct.append((e["direct"] - truth).to_numpy())
        mse.append(e["mse"].to_numpy())
        cover.append(((e["ci_low"] <= truth) & (truth <= e["ci_high"])).to_numpy())
    return np.array(err_fh), np.array(err_direct), np.array(mse), np.array(cover)


def test_fh_beats_direct_in_rmse(runs):
    err_fh, err_direct, _, _ = runs
    rmse_fh = np.sqrt(np.mean(err_fh**2))
    rmse_direct = np.sqrt(np.mean(err_direct**2))
    assert rmse_fh < 0.7 * rmse_direct
    assert 0.025 < rmse_fh < 0.045


def test_mse_intervals_cover_the_truth(runs):
    cover = runs[3]
    assert 0.89 <= cover.mean() <= 0.98


def test_mse_estimator_relative_bias(runs):
    err_fh, _, mse, _ = runs
    empirical = np.mean(err_fh**2, axis=0)
    rel_bias = mse.mean() / empirical.mean() - 1
    assert abs(rel_bias) < 0.25
