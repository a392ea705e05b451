"""Sample size and precision (survey.plan.size) against hand-computed textbook formulas.

References: Cochran, W. G. (1977) *Sampling Techniques*, 3rd ed., eqs. 4.1-4.3 (proportion,
FPC (n0-1)/N) and 4.9-4.10 (mean, FPC n0/N); Kish (1965) deff = 1 + (m-1) rho. The numbers
in the comments were computed by hand with z = 1.959964 (z^2 = 3.841459).
"""

from __future__ import annotations

import numpy as np
import pytest

from survey.plan import (
    design_effect,
    margin_of_error,
    sample_size_mean,
    sample_size_proportion,
)

Z2 = 1.959963984540054**2


def test_cochran_proportion_infinite_population():
    # Cochran (1977) eq. 4.2: n0 = z^2 p q / d^2 = 3.841459 * 0.25 / 0.0025 = 384.146 -> 385
    out = sample_size_proportion(0.5, moe=0.05)
    assert out.loc[0, "n0"] == pytest.approx(384.14588, abs=1e-4)
    assert out.loc[0, "n"] == 385
    assert out.loc[0, "n_issued"] == 385
    assert out.loc[0, "target"] == "moe"


def test_cochran_proportion_finite_population():
    # Cochran (1977) eq. 4.3: n = n0 / (1 + (n0 - 1)/N) = 384.146 / (1 + 383.146/10000)
    # = 384.146 / 1.0383146 = 369.97 -> 370
    out = sample_size_proportion(0.5, moe=0.05, population=10_000)
    n0 = Z2 * 0.25 / 0.05**2
    assert out.loc[0, "n_fpc"] == pytest.approx(n0 / (1 + (n0 - 1) / 10_000), rel=1e-12)
    assert out.loc[0, "n_fpc"] == pytest.approx(369.971, abs=1e-3)
    assert out.loc[0, "n"] == 370


def test_proportion_with_deff_and_response_rate():
    # p = 0.2, d = 0.03: n0 = 3.841459 * 0.16 / 0.0009 = 682.926; deff 1.5 -> 1024.389 -> 1025
    # completed interviews; response rate 0.8 -> 1025 / 0.8 = 1281.25 -> 1282 to issue
    out = sample_size_proportion(0.2, moe=0.03, deff=1.5, response_rate=0.8)
    row = out.iloc[0]
    assert row["n0"] == pytest.approx(Z2 * 0.16 / 0.0009, rel=1e-12)
    assert row["n0"] == pytest.approx(682.926, abs=1e-3)
    assert row["n_deff"] == pytest.approx(1024.389, abs=1e-3)
    assert (row["n"], row["n_issued"]) == (1025, 1282)
    assert row["n_effective"] == pytest.approx(1025 / 1.5)


def test_icc_and_cluster_size_give_kish_deff():
    # Kish (1965): deff = 1 + (m - 1) rho = 1 + 9 * 0.05 = 1.45
    assert design_effect(0.05, 10) == pytest.approx(1.45)
    # Eldridge et al. (2006): 1 + ((1 + cv^2) m - 1) rho = 1 + (1.25 * 10 - 1) * 0.05 = 1.575
    assert design_effect(0.05, 10, cv_cluster_size=0.5) == pytest.approx(1.575)
    a = sample_size_proportion(0.3, moe=0.04, icc=0.05, cluster_size=10)
    b = sample_size_proportion(0.3, moe=0.04, deff=1.45)
    assert a.loc[0, "deff"] == pytest.approx(1.45)
    assert a.loc[0, "n"] == b.loc[0, "n"]
    # 3.841459 * 0.21 / 0.0016 * 1.45 = 731.08 -> 732
    assert a.loc[0, "n"] == 732


def test_cv_target_proportion():
    # n0 = (1 - p) / (p cv^2) = 0.9 / (0.1 * 0.01) = 900 (exact)
    out = sample_size_proportion(0.1, cv=0.1)
    assert out.loc[0, "n0"] == pytest.approx(900.0, rel=1e-12)
    assert out.loc[0, "n"] == 900
    assert out.loc[0, "moe"] == pytest.approx(1.959964 * 0.01, rel=1e-6)


def test_relative_moe():
    # 20% of p = 0.1 -> d = 0.02; n0 = 3.841459 * 0.09 / 0.0004 = 864.33 -> 865
    out = sample_size_proportion(0.1, moe=0.2, relative=True)
    assert out.loc[0, "target"] == "relative_moe"
    assert out.loc[0, "moe"] == pytest.approx(0.02)
    assert out.loc[0, "n0"] == pytest.approx(864.328, abs=1e-3)
    assert out.loc[0, "n"] == 865


def test_broadcast_one_row_per_combination():
    out = sample_size_proportion([0.1, 0.3, 0.5], moe=0.05)
    assert len(out) == 3
    # n0 increases with p q: 0.09, 0.21, 0.25
    np.testing.assert_allclose(out["n0"], Z2 * np.array([0.09, 0.21, 0.25]) / 0.0025)


def test_mean_sample_size_with_fpc():
    # Cochran (1977) eq. 4.9-4.10 / Lohr (2019) eq. 2.30: n0 = z^2 S^2 / e^2 = 3.841459 * 100
    # = 384.146; n = n0 / (1 + n0 / N) = 384.146 / 1.384146 = 277.533 -> 278
    out = sample_size_mean(10, moe=1, population=1000)
    assert out.loc[0, "n0"] == pytest.approx(384.14588, abs=1e-4)
    assert out.loc[0, "n_fpc"] == pytest.approx(277.533, abs=1e-3)
    assert out.loc[0, "n"] == 278
    # CV target: n0 = S^2 / (cv mean)^2 = 100 / (0.05 * 40)^2 = 25
    cv = sample_size_mean(10, cv=0.05, mean=40)
    assert cv.loc[0, "n0"] == pytest.approx(25.0)


def test_margin_of_error_inverts_sample_size():
    for kind, kwargs in (("p", {"p": 0.25}), ("sd", {"sd": 3.0})):
        if kind == "p":
            plan = sample_size_proportion(0.25, moe=0.03, deff=1.3, population=5000)
        else:
            plan = sample_size_mean(3.0, moe=0.25, deff=1.3, population=5000)
        n_fpc = plan.loc[0, "n_fpc"]
        back = margin_of_error(n_fpc, deff=1.3, population=5000, **kwargs)
        assert back.loc[0, "moe"] == pytest.approx(plan.loc[0, "moe"], rel=1e-10)


def test_margin_of_error_hand_value():
    # SE = sqrt(p q / n * (N - n)/(N - 1)) = sqrt(0.25/400 * 600/999) = 0.019375
    out = margin_of_error(400, p=0.5, population=1000)
    assert out.loc[0, "se"] == pytest.approx(np.sqrt(0.25 / 400 * 600 / 999), rel=1e-12)
    assert out.loc[0, "moe"] == pytest.approx(1.959964 * 0.0193746, rel=1e-5)
    assert out.loc[0, "ci_low"] == pytest.approx(0.5 - out.loc[0, "moe"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"p": 1.2, "moe": 0.05}, "p must lie"),
        ({"p": 0.3}, "exactly one precision target"),
        ({"p": 0.3, "moe": 0.05, "cv": 0.1}, "exactly one precision target"),
        ({"p": 0.3, "moe": 0.05, "response_rate": 0}, "response_rate"),
        ({"p": 0.3, "moe": 0.05, "deff": 1.2, "icc": 0.1, "cluster_size": 5}, "either deff"),
        ({"p": 0.3, "moe": 0.05, "icc": 0.1}, "both icc and cluster_size"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sample_size_proportion(**kwargs)


def test_cv_of_mean_needs_mean():
    with pytest.raises(ValueError, match="needs mean"):
        sample_size_mean(5, cv=0.1)
