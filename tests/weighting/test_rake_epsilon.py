"""Rake's ``epsilon`` means what R's ``control$epsilon`` means (tests/golden/weighting.R:
``rake(d, list(~sex, ~age_group, ~region), ..., control = list(epsilon = 0.5))`` and
``control = list(epsilon = 5)``), and ``abs_tol`` is an absolute tolerance below 1 unit."""

from __future__ import annotations

import numpy as np
import pytest

from survey.weighting import PostStratify, Rake
from survey.weighting._base import WeightingError
from tests.weighting import _helpers as H

RTOL = 1e-8


def _gap(rake: Rake, design) -> float:
    """Largest |weighted count - population count| over the three raking margins."""
    w = design.data.assign(_w=rake.weights_)
    return max(
        float((w.groupby(var)["_w"].sum() - pop.set_index(var)["Freq"]).abs().max())
        for var, pop in H.margins().items()
    )


def test_epsilon_below_one_is_a_fraction_of_the_total_weight_as_in_r():
    d = H.design()
    g = H.G["rake_eps_half"]
    r = Rake(H.margins(), epsilon=0.5).fit(d)
    np.testing.assert_allclose(r.weights_, g["weights"], rtol=RTOL)
    np.testing.assert_allclose(r.tolerance_, g["epsilon_units"], rtol=1e-12)
    # R stops after the first sweep (its weights equal maxit = 1): the three margins
    # post-stratified once, in order
    assert g["same_as_one_sweep"] and r.n_iter_ == 1 and r.converged_
    one = d
    for var, pop in H.margins().items():
        one = PostStratify(var, pop).fit_transform(one)
    np.testing.assert_allclose(r.weights_, one.weights, rtol=1e-12)
    np.testing.assert_allclose(_gap(r, d), g["max_margin_gap"], rtol=1e-8)
    assert g["max_margin_gap"] > 100  # far from the targets, in R too


def test_epsilon_at_least_one_is_in_weighted_units_as_in_r():
    d = H.design()
    g = H.G["rake_eps_5"]
    r = Rake(H.margins(), epsilon=5).fit(d)
    np.testing.assert_allclose(r.weights_, g["weights"], rtol=RTOL)
    assert r.tolerance_ == 5.0
    np.testing.assert_allclose(_gap(r, d), g["max_margin_gap"], rtol=1e-8)


def test_abs_tol_is_absolute_below_one_unit():
    d = H.design()
    r = Rake(H.margins(), abs_tol=0.5, max_iter=100).fit(d)
    assert r.tolerance_ == 0.5 and r.converged_
    # a sweep moving counts by < 0.5 leaves every margin within 0.5 of its target
    assert _gap(r, d) < 0.5
    # ... and takes more sweeps than R's epsilon = 0.5 (one sweep) or epsilon = 5
    assert r.n_iter_ > Rake(H.margins(), epsilon=5).fit(d).n_iter_ > 1
    with pytest.raises(WeightingError, match="abs_tol"):
        Rake(H.margins(), abs_tol=-1).fit(d)
