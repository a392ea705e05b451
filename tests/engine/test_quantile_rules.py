"""R's svyquantile quantile rules (survey/engine/quantiles.py, ``qrule=``) on hand-checkable
cases. The R comparison (qrule="hf7"/"school" with Woodruff intervals on apiclus1 and
apistrat) is in test_golden_r.py.

With equal weights every weighted rule is Hyndman and Fan's type, which numpy implements
under its own names; with integer weights the step rules equal the rule on the data with each
row repeated that many times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.engine.quantiles import QRULES

NUMPY_METHOD = {
    "math": "inverted_cdf",
    "hf1": "inverted_cdf",
    "school": "averaged_inverted_cdf",
    "hf2": "averaged_inverted_cdf",
    "hf4": "interpolated_inverted_cdf",
    "hf5": "hazen",
    "hf6": "weibull",
    "hf7": "linear",
    "hf8": "median_unbiased",
    "hf9": "normal_unbiased",
}
PROBS = (0.1, 0.25, 0.3, 0.5, 0.6, 0.75, 0.9)


def _apply(rule, x, w, p):
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cumw = np.cumsum(ws, dtype=np.longdouble).astype(float)
    return QRULES[rule](xs, cumw, p, ws)


@pytest.mark.parametrize("rule", sorted(NUMPY_METHOD))
def test_equal_weights_give_hyndman_fan_types(rule):
    x = np.array([7.0, 3.0, 9.0, 1.0, 4.0, 4.0, 12.0, 6.0, 2.0, 10.0])  # n = 10: p n hits ranks
    w = np.full(x.size, 2.5)
    got = [_apply(rule, x, w, p) for p in PROBS]
    np.testing.assert_allclose(got, np.quantile(x, PROBS, method=NUMPY_METHOD[rule]), rtol=1e-12)


def test_r_conventions_at_the_ends():
    # R's survey:::qs takes position 1 when no cumulative weight is <= p * total, then the
    # next value: at p = 0 the step rules give the second smallest value and hf4 extrapolates;
    # at p = 1 hf4 is 0/0 (values from R 4.1.1 survey on this x with weights 2.5)
    x = np.array([7.0, 3.0, 9.0, 1.0, 4.0, 4.0, 12.0, 6.0, 2.0, 10.0])
    w = np.full(x.size, 2.5)
    assert _apply("math", x, w, 0.0) == 2.0
    assert _apply("school", x, w, 0.0) == 2.0
    assert _apply("hf4", x, w, 0.0) == 0.0
    assert np.isnan(_apply("hf4", x, w, 1.0))
    for rule in ("math", "school", "hf7", "hf9"):
        assert _apply(rule, x, w, 1.0) == 12.0


def test_school_and_math_by_hand_and_integer_weights_repeat_rows():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    w = np.array([1.0, 1.0, 1.0, 1.0])
    assert _apply("math", x, w, 0.5) == 2.0  # F(2) = 0.5 exactly: the lower value
    assert _apply("school", x, w, 0.5) == 2.5  # ... and the school median averages
    assert _apply("hf3", x, w, 0.5) == 2.0  # exact hit at an even rank: the lower value
    assert _apply("hf3", x, w, 0.25) == 2.0  # rank 1 is odd: the upper value
    xw = np.array([5.0, 1.0, 3.0, 8.0])
    wi = np.array([3.0, 1.0, 2.0, 2.0])
    expanded = np.repeat(xw, wi.astype(int))
    for p in PROBS[1:]:  # p >= the first row's share (1/8): R's convention below it
        for rule in ("math", "school"):
            want = np.quantile(expanded, p, method=NUMPY_METHOD[rule])
            assert _apply(rule, xw, wi, p) == pytest.approx(want), (rule, p)
    # Shah and Vaish (R's code): steps at (S_k + 1/2 - w_k/2)/(n+1), S the cumulative
    # weights over their mean (2); sorted x 1, 3, 5, 8 with w 1, 2, 3, 2: S = 0.5, 1.5, 3, 4,
    # positions 0.1, 0.2, 0.4, 0.7 (values checked with R's survey:::qrule_shahvaish)
    cases = ((0.05, 1), (0.1, 1), (0.15, 1), (0.2, 3), (0.39, 3), (0.4, 5), (0.7, 8), (1, 8))
    for p, want in cases:
        assert _apply("shahvaish", xw, wi, p) == want, p


def test_design_quantile_qrule_passes_through_and_is_validated():
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "w": [1.0, 1, 1, 1, 1, 1]})
    des = Design(data, weight="w")
    est = des.quantile("x", q=[0.5], qrule="hf7")
    assert est["estimate"].iloc[0] == 3.5
    assert est.attrs["qrule"] == "hf7"
    assert des.quantile("x", q=[0.5])["estimate"].iloc[0] == 3.0  # math
    assert des.quantile("x", q=[0.5], qrule="school")["estimate"].iloc[0] == 3.5
    with pytest.raises(ValueError, match="qrule='hf10'"):
        des.quantile("x", qrule="hf10")
