"""survey.engine.independent: estimates of independent samples stacked with a block-diagonal
covariance (used by compare_independent / compare_frames). Checked by hand (sums of the
engine's own variances, the delta method) and against ONE design holding both samples with
their strata and PSUs kept apart (combine_waves), whose variance is block-diagonal by
construction (R's degf and SE of that stacked design are in compare.json's independent cases).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.compare import combine_waves, compare_independent, compare_within
from survey.engine import estimate
from survey.engine.independent import KnownVariance, stack_independent
from survey.weighting.replicates import as_replicate


def _sample(seed, shift, n_strata=3, psu_per=4, m=6):
    rng = np.random.default_rng(seed)
    n = n_strata * psu_per * m
    return pd.DataFrame(
        {
            "st": np.repeat(np.arange(n_strata), psu_per * m),
            "psu": np.repeat(np.arange(n_strata * psu_per), m),
            "w": rng.uniform(1, 3, n),
            "y": rng.normal(5 + shift, 2, n) + np.repeat(rng.normal(0, 1, n_strata * psu_per), m),
            "g": rng.choice(["a", "b"], n),
        }
    )


@pytest.fixture(scope="module")
def samples():
    a, b = _sample(1, 0.0), _sample(2, 0.7, n_strata=4, psu_per=3)
    da = Design(a, weight="w", strata="st", psu="psu")
    db = Design(b, weight="w", strata="st", psu="psu")
    return a, b, da, db


def test_difference_and_ratio_by_hand(samples):
    _, _, da, db = samples
    e1, e2 = estimate(da, "mean", "y", by="g"), estimate(db, "mean", "y", by="g")
    s = stack_independent(e1, e2)
    assert len(s) == 4 and list(s.offsets) == [0, 2]
    v1, v2 = e1.variance(), e2.variance()
    L = np.array([[-1, 0, 1, 0], [0, -1, 0, 1]], dtype=float)
    diff = s.contrast(L)
    np.testing.assert_allclose(diff.theta, e2.theta - e1.theta, rtol=1e-14)
    np.testing.assert_allclose(diff.variance(), v1 + v2, rtol=1e-12)
    np.testing.assert_allclose(diff.block_variances(), np.column_stack([v1, v2]), rtol=1e-12)
    np.testing.assert_allclose(diff.degrees_of_freedom(), [da.degf + db.degf] * 2)
    np.testing.assert_allclose(diff.degrees_of_freedom("min"), [min(da.degf, db.degf)] * 2)
    # ratio theta2 / theta1 by the delta method: r^2 (V1 / theta1^2 + V2 / theta2^2)
    i1, i2 = np.array([0, 1]), np.array([2, 3])

    def jac(t):
        J = np.zeros((2, 4))
        J[[0, 1], i1] = -t[i2] / t[i1] ** 2
        J[[0, 1], i2] = 1 / t[i1]
        return J

    ratio = s.transform(lambda t: t[i2] / t[i1], jac)
    r = e2.theta / e1.theta
    np.testing.assert_allclose(
        ratio.variance(), r**2 * (v1 / e1.theta**2 + v2 / e2.theta**2), rtol=1e-12
    )
    # Welch-Satterthwaite from each sample's contribution to the variance
    c1, c2 = r**2 * v1 / e1.theta**2, r**2 * v2 / e2.theta**2
    np.testing.assert_allclose(
        ratio.degrees_of_freedom("satterthwaite"),
        (c1 + c2) ** 2 / (c1**2 / da.degf + c2**2 / db.degf),
        rtol=1e-12,
    )
    # full covariance: block-diagonal in the stacked estimates
    V = s.contrast(np.eye(4)).vcov()
    np.testing.assert_allclose(V[:2, :2], e1.vcov(), rtol=1e-12)
    np.testing.assert_allclose(V[2:, 2:], e2.vcov(), rtol=1e-12)
    assert np.all(V[:2, 2:] == 0)


def test_equals_one_design_with_the_samples_kept_apart(samples):
    a, b, da, db = samples
    res = compare_independent(da, db, "y", by="g")
    stacked = combine_waves({"1": a, "2": b}, weight="w", strata="st", psu="psu")
    assert stacked.degf == da.degf + db.degf
    within = compare_within(stacked, "y", "wave", by="g")
    for col in ("estimate", "se", "df", "p_value"):
        np.testing.assert_allclose(res[col], within[col], rtol=1e-10)
    for measure in ("ratio", "percent_change"):
        r = compare_independent(da, db, "y", by="g", measure=measure)
        w = compare_within(stacked, "y", "wave", by="g", measure=measure)
        np.testing.assert_allclose(r[["estimate", "se"]], w[["estimate", "se"]], rtol=1e-10)


def test_replicate_block_and_refusals(samples):
    _, _, da, db = samples
    rep = as_replicate(da, "JKn")
    e1, e2 = estimate(rep, "mean", "y"), estimate(db, "mean", "y")
    diff = stack_independent(e1, e2).contrast([[-1.0, 1.0]])
    np.testing.assert_allclose(diff.variance(), e1.variance() + e2.variance(), rtol=1e-12)
    assert diff.degrees_of_freedom()[0] == rep.degf + db.degf
    with pytest.raises(ValueError, match="same design"):
        stack_independent(e2, estimate(db, "mean", "y", by="g"))
    known = KnownVariance.from_frame(da.mean("y", by="g"))
    s = stack_independent(known, e2)
    np.testing.assert_allclose(
        s.contrast([[-1.0, 0.0, 1.0]]).variance(), known.variance[0] + e2.variance(), rtol=1e-12
    )
    with pytest.raises(ValueError, match="unknown covariances"):
        s.contrast([[-1.0, 1.0, 0.0]]).variance()  # two estimates of the frame block


def test_zero_derivative_keeps_both_samples_in_the_df():
    from survey.compare import compare_frames

    f1 = pd.DataFrame(
        {"variable": ["y"], "category": [pd.NA], "estimate": [0.2], "se": [0.05], "df": [10.0]}
    )
    f2 = f1.assign(estimate=[0.0], se=[0.01], df=[20.0])
    row = compare_frames(f1, f2, measure="ratio").iloc[0]
    # d(theta2 / theta1) / d theta1 = 0 at theta2 = 0, but the ratio still uses both samples
    assert row["estimate"] == 0 and row["df"] == 30.0
    np.testing.assert_allclose(row["se"], 0.01 / 0.2, rtol=1e-14)
