"""Profile-likelihood intervals (survey/engine/likelihood.py) on hand-checkable cases.

The R comparison (svyciprop(method="likelihood") on apiclus1, apistrat, nhanes, yrbs, with
svyby domains) is in test_golden_r.py. Here: the spline reproduces cubics, and on a simple
random sample the interval is the binomial likelihood-ratio interval written out by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from survey import Design
from survey.engine import ci as ci_mod
from survey.engine import estimate
from survey.engine import likelihood as lik


def _lr_interval(p, n_eff, chi2):
    """{q : 2 n_eff KL(p || q) <= chi2} by root finding."""

    def f(q):
        return 2 * n_eff * (p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))) - chi2

    return optimize.brentq(f, 1e-12, p, xtol=1e-15), optimize.brentq(f, p, 1 - 1e-12, xtol=1e-15)


# -- the spline ------------------------------------------------------------------------------
def test_fmm_spline_reproduces_a_cubic_exactly():
    # the end conditions match the third derivative of the cubic through the end points, so
    # any cubic is reproduced everywhere, including beyond the knots
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(-2, 3, 9))

    def cubic(u):
        return 0.5 - 1.5 * u + 0.25 * u**2 + 0.75 * u**3

    coef = lik.fmm_spline(x, cubic(x))
    u = np.linspace(-2.5, 3.5, 41)
    np.testing.assert_allclose(lik.spline_eval(x, cubic(x), coef, u), cubic(u), rtol=1e-11)
    # its derivative coefficients at the knots are the cubic's
    b, c, d = coef
    np.testing.assert_allclose(b, -1.5 + 0.5 * x + 2.25 * x**2, rtol=1e-10)
    np.testing.assert_allclose(d, 0.75, rtol=1e-10)


def test_fmm_spline_three_points_is_the_parabola_and_two_the_line():
    x = np.array([0.0, 1.0, 3.0])
    y = 2 - x + 0.5 * x**2
    u = np.array([-1.0, 0.5, 2.0, 4.0])
    np.testing.assert_allclose(lik.spline_eval(x, y, lik.fmm_spline(x, y), u), 2 - u + 0.5 * u**2)
    x2, y2 = np.array([1.0, 3.0]), np.array([4.0, 0.0])
    np.testing.assert_allclose(lik.spline_eval(x2, y2, lik.fmm_spline(x2, y2), [2.0, 5.0]), [2, -4])


def test_r_spline_grid_and_r_approx_rules():
    xs, ys = lik.r_spline([3.0, 1.0, 2.0, 4.0], [9.0, 1.0, 4.0, 16.0])  # unsorted input
    assert xs.size == 12 and xs[0] == 1.0 and xs[-1] == 4.0
    np.testing.assert_allclose(ys, xs**2, rtol=1e-12)  # a parabola is a cubic
    out = lik.r_approx([0.0, 1.0, 1.0, 2.0], [0.0, 1.0, 3.0, 4.0], [-0.5, 0.5, 1.0, 1.5, 2.5])
    # ties averaged (x = 1 -> y = 2), NaN outside the range (rule = 1)
    np.testing.assert_allclose(out, [np.nan, 1.0, 2.0, 3.0, np.nan])


# -- the interval ------------------------------------------------------------------------------
def test_without_design_effect_it_is_the_likelihood_ratio_interval():
    # lambda = 1 (design variance = naive), phi = n/(n-1), df = Inf: |z| <= qnorm(0.975)
    # with z^2 = 2 (n - 1) KL(p || q), the binomial likelihood-ratio interval
    n, p = 200, 0.3
    se = np.sqrt(p * (1 - p) / n)
    low, high = lik.from_moments(p, se, n, np.inf, 0.95)
    lo, hi = _lr_interval(p, n - 1, stats.norm.ppf(0.975) ** 2)
    assert low == pytest.approx(lo, rel=2e-5)  # the spline's interpolation error
    assert high == pytest.approx(hi, rel=2e-5)
    assert (high - p) > (p - low)  # skewed away from the nearer boundary


def test_design_effect_widens_like_the_wald_interval():
    # the cutoff is qnorm(2 alpha) = t * sqrt(lambda): the likelihood interval is scaled by
    # the design standard error; with deff 4 and n = 10000 it is the wald-logit one to 1e-3
    n, p = 10_000, 0.4
    se = 2 * np.sqrt(p * (1 - p) / n)
    low, high = lik.from_moments(p, se, n, 30, 0.95)
    wl, wh = ci_mod.interval("logit", p, se, 30, 0.95)
    assert low == pytest.approx(float(wl), rel=1e-3)
    assert high == pytest.approx(float(wh), rel=1e-3)


def test_symmetry_nesting_and_degenerate_cases():
    p = np.array([0.05, 0.3, 0.5])
    se = np.array([0.01, 0.03, 0.04])
    n = np.array([400.0, 300.0, 250.0])
    low, high = lik.from_moments(p, se, n, 12, 0.95)
    low_c, high_c = lik.from_moments(1 - p, se, n, 12, 0.95)
    np.testing.assert_allclose(low, 1 - high_c, rtol=1e-10)
    np.testing.assert_allclose(high, 1 - low_c, rtol=1e-10)
    assert high[2] - 0.5 == pytest.approx(0.5 - low[2], rel=1e-10)
    l90, h90 = lik.from_moments(p, se, n, 12, 0.90)
    l99, h99 = lik.from_moments(p, se, n, 12, 0.99)
    assert np.all((l99 < low) & (low < l90) & (l90 < p) & (p < h90) & (h90 < high) & (high < h99))
    assert np.all(low > 0)  # unlike p - 2 se = -0.016 for the first
    # R stops ("profiling has found a better solution") at p = 0 or 1 and without df
    low, high = lik.from_moments([0.0, 1.0, 0.3], [0.0, 0.0, 0.03], 300, [12, 12, 0], 0.95)
    assert np.all(np.isnan(low)) and np.all(np.isnan(high))


def _srs(n=120, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"y": (rng.uniform(size=n) < 0.35).astype(float), "g": rng.choice(["a", "b"], size=n)}
    )


def test_design_prop_on_a_simple_random_sample_by_hand():
    # equal weights, one row per PSU, no strata: the design variance of p is p(1-p)/(n-1), so
    # lambda = n/(n-1), phi = n/(n-1): the interval is {q: 2 (n-1) KL(p||q) <= z^2 n/(n-1)}
    data = _srs()
    n = len(data)
    p = data["y"].mean()
    out = Design(data).prop("y", ci="likelihood", df="inf").iloc[0]
    assert out["estimate"] == pytest.approx(p, rel=1e-12)
    lo, hi = _lr_interval(p, n - 1, stats.norm.ppf(0.975) ** 2 * n / (n - 1))
    assert out["ci_low"] == pytest.approx(lo, rel=1e-4)
    assert out["ci_high"] == pytest.approx(hi, rel=1e-4)
    # the R replay and the moments-only interval agree up to glm's convergence tolerance
    low, high = lik.from_moments(p, out["se"], n, np.inf, 0.95)
    assert out["ci_low"] == pytest.approx(float(low), rel=1e-6)
    assert out["ci_high"] == pytest.approx(float(high), rel=1e-6)


def test_domains_and_the_fallback_for_other_estimate_sets():
    data = _srs(200, seed=5)
    des = Design(data)
    es = estimate(des, "prop", "y", by="g")
    exact = es.to_frame(ci="likelihood", df="domain")
    es.extra.clear()  # as for a set without R's fit to replay: the moments-only interval
    moments = es.to_frame(ci="likelihood", df="domain", quality=None)
    np.testing.assert_allclose(exact["ci_low"], moments["ci_low"], rtol=1e-6)
    np.testing.assert_allclose(exact["ci_high"], moments["ci_high"], rtol=1e-6)
    assert exact.attrs["ci_method"] == "likelihood"
    # through ci.interval (estimate, se, df and answering rows only)
    low, high = ci_mod.interval(
        "likelihood", exact["estimate"], exact["se"], exact["df"], 0.95, nrow=exact["n"]
    )
    np.testing.assert_allclose(low, moments["ci_low"], rtol=1e-12)
    np.testing.assert_allclose(high, moments["ci_high"], rtol=1e-12)
