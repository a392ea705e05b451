"""svychisq's "lincom", "saddlepoint" and "wls-score" statistics against R.

Goldens: tests/golden/compare_chisq.R -> compare_chisq.json (each case quotes its R call).
* saddlepoint: R's survey 4.1.1 ``svychisq(..., statistic = "saddlepoint")``, to 1e-8.
* lincom: R with CompQuadForm 1.4.3 (Davies' algorithm, accuracy 1e-7) -> agreement to 1e-7
  absolute; R as installed here (no CompQuadForm) silently gives the saddlepoint p-value,
  which the JSON records too.
* wls-score: survey 4.5 (the statistic is not in 4.1.1), to 1e-8.
The distribution functions are also checked on cases with a closed form (F and chi-square).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from survey.compare import svychisq
from survey.compare.tests import _pfsum_exact, _pfsum_saddlepoint, _saddle, _satterthwaite_f
from tests.compare.test_golden_compare import design
from tests.conftest import load_golden

GOLD = load_golden("compare_chisq")
CASES = GOLD["cases"]


def cases(kind, statistic=None):
    sel = [c for c in CASES if c["kind"] == kind and statistic in (None, c["statistic"])]
    return pytest.mark.parametrize("case", sel, ids=[c["id"] for c in sel])


def run(case):
    return svychisq(design(case["design"]), case["rows"], case["cols"], case["statistic"]).iloc[0]


@cases("svychisq_extra", "saddlepoint")
def test_saddlepoint_matches_r(case):
    res = run(case)
    np.testing.assert_allclose(res["value"], case["value"], rtol=1e-10)
    np.testing.assert_allclose(res["ddf"], case["ddf"], rtol=1e-10)
    np.testing.assert_allclose(res["p_value"], case["p_value"], rtol=1e-8)
    assert res["ndf"] == len(case["delta_eigen"])


@cases("svychisq_davies")
def test_lincom_matches_r_davies(case):
    res = run(case)
    np.testing.assert_allclose(res["value"], case["value"], rtol=1e-10)
    # Davies' algorithm is run with acc = 1e-7 (absolute error bound on the probability)
    assert abs(res["p_value"] - case["p_value"]) < 1e-7


@cases("svychisq_extra", "lincom")
def test_r_without_compquadform_falls_back_to_saddlepoint(case):
    """R 4.1.1 without CompQuadForm: "lincom" warns and returns the saddlepoint value."""
    assert any("CompQuadForm" in w for w in case["r_warnings"])
    twin = next(c for c in CASES if c["id"] == case["id"].replace("_lincom", "_saddlepoint"))
    assert case["p_value"] == twin["p_value"]
    d = design(case["design"])
    ours = svychisq(d, case["rows"], case["cols"], "saddlepoint").iloc[0]["p_value"]
    np.testing.assert_allclose(ours, case["p_value"], rtol=1e-8)


def test_lincom_and_saddlepoint_differ_where_r_differs():
    """The exact and saddlepoint p-values are distinct numbers (R: 0.02547 vs 0.02644)."""
    case = next(c for c in CASES if c["id"] == "davies_apiclus1_sch.wide_stype")
    d = design(case["design"])
    lin = svychisq(d, case["rows"], case["cols"], "lincom").iloc[0]["p_value"]
    sad = svychisq(d, case["rows"], case["cols"], "saddlepoint").iloc[0]["p_value"]
    assert abs(lin - 0.025471762992626545) < 1e-7
    assert abs(sad - 0.026441127709637507) < 1e-12


@cases("svychisq_wls")
def test_wls_score_matches_r(case):
    res = run(case)
    np.testing.assert_allclose(res["value"], case["value"], rtol=1e-8)
    assert res["ndf"] == case["ndf"]
    assert res["ddf"] == case["ddf"]
    np.testing.assert_allclose(res["p_value"], case["p_value"], rtol=1e-8)


# ------------------------------------------------------------ closed forms


@pytest.mark.parametrize(
    ("x", "a", "k", "ddf"),
    [(3.2, 1.7, 1, 12.0), (9.0, 0.8, 3, 40.6), (0.4, 2.5, 2, 5.0), (25.0, 1.1, 4, 200.9)],
)
def test_exact_equal_weights_is_f(x, a, k, ddf):
    """k equal weights a: P(a chi2_k > x/ddf chi2_m) = P(F(k, m) > x m / (a k ddf)),
    m = floor(ddf)."""
    m = np.floor(ddf)
    expected = stats.f.sf(x * m / (a * k * ddf), k, m)
    np.testing.assert_allclose(_pfsum_exact(x, np.full(k, a), ddf), expected, rtol=1e-9)


@pytest.mark.parametrize(("x", "ddf"), [(30.0, 15.4), (6.0, 40.0), (80.0, 8.9)])
def test_exact_unequal_weights_closed_form(x, ddf):
    """Weights (1, 1, 2, 2) on chi2_1: 1 chi2_2 + 2 chi2_2 = Exp(mean 2) + Exp(mean 4), with
    P(> y) = 2 exp(-y/4) - exp(-y/2); averaging over W ~ chi2_m (E exp(-tW) =
    (1 + 2t)^(-m/2)) gives P(Q > c W) = 2 (1 + c/2)^(-m/2) - (1 + c)^(-m/2), c = x/ddf."""
    m, c = np.floor(ddf), x / ddf
    expected = 2 * (1 + c / 2) ** (-m / 2) - (1 + c) ** (-m / 2)
    got = _pfsum_exact(x, np.array([1.0, 1.0, 2.0, 2.0]), ddf)
    np.testing.assert_allclose(got, expected, rtol=1e-9)
    with pytest.raises(ValueError, match="finite"):
        _pfsum_exact(x, np.array([2.0, 1.0]), np.inf)


def test_saddle_close_to_exact_and_nan_at_the_mean():
    lam = np.array([2.0, 1.0, 0.5])
    exact = _pfsum_exact(9.0, lam, 30.0)
    assert abs(_pfsum_saddlepoint(9.0, lam, 30.0) - exact) < 0.05 * exact  # 2% here
    # x at the mean (sum of weights): saddlepoint zeta = 0 -> NaN (R's NA)
    assert np.isnan(_saddle(3.5, lam, np.ones(3)))


def test_saddlepoint_falls_back_to_satterthwaite():
    """With a = (1, 1), ddf = 10 and x = 2, K'(0) = 2 - 10 * x / 10 = 0: the saddlepoint is 0,
    R's saddle() gives NA and pFsum keeps the Satterthwaite F: F(2, 10) > 1."""
    a = np.array([1.0, 1.0])
    got = _pfsum_saddlepoint(2.0, a, 10.0)
    assert got == _satterthwaite_f(2.0, a, 10.0)
    np.testing.assert_allclose(got, stats.f.sf(1.0, 2, 10), rtol=1e-12)


def test_unknown_statistic_lists_the_choices():
    with pytest.raises(ValueError, match="wls-score"):
        svychisq(design("twowave"), "fear", "wave", "LRT")
