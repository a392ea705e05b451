"""Stratum allocation (survey.plan.allocation): hand-computed cases for each method,
rounding that preserves the total, bounds, and the expected precision (Cochran 1977,
chapter 5; Bankier 1988)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.plan import allocate, round_preserving_total


def strata(N, **cols):
    return pd.DataFrame({"stratum": [f"s{i}" for i in range(len(N))], "population": N, **cols})


def test_proportional():
    a = allocate(strata([5000, 3000, 2000]), 100)
    assert a.strata["n"].tolist() == [50, 30, 20]
    assert a.method == "proportional"


def test_equal():
    a = allocate(strata([5000, 3000, 2000]), 100, method="equal")
    # 33.33 each; largest remainder gives the extra unit to the first stratum (ties: order)
    assert a.strata["n"].tolist() == [34, 33, 33]


def test_neyman_with_largest_remainder_rounding():
    # N_h S_h = 100*10, 200*5, 300*2 = 1000, 1000, 600 -> 38.46, 38.46, 23.08 for n = 100;
    # floors 38 + 38 + 23 = 99, the missing unit goes to the largest remainder (0.46, first)
    a = allocate(strata([100, 200, 300], S=[10.0, 5.0, 2.0]), 100, method="neyman", sd="S")
    np.testing.assert_allclose(
        a.strata["n_exact"], [100 * 1000 / 2600, 100 * 1000 / 2600, 100 * 600 / 2600]
    )
    assert a.strata["n"].tolist() == [39, 38, 23]


def test_neyman_capped_at_population():
    # N_h S_h = 50*100 = 5000 and 1000*1 = 1000 -> 83.3 > N_1 = 50: take all 50, give the
    # remaining 50 to stratum 2 (Cochran 1977, section 5.8)
    a = allocate(strata([50, 1000], S=[100.0, 1.0]), 100, method="neyman", sd="S")
    assert a.strata["n"].tolist() == [50, 50]
    uncapped = allocate(strata([50, 1000], S=[100.0, 1.0]), 100, method="neyman", sd="S", cap=False)
    assert uncapped.strata["n"].tolist() == [83, 17]


def test_minimum_per_stratum():
    # proportional gives 98, 1, 1; with min_n = 5 the small strata get 5 and the rest 90
    a = allocate(strata([9800, 100, 100]), 100, min_n=5)
    assert a.strata["n"].tolist() == [90, 5, 5]


def test_power_allocation_bankier():
    # Bankier (1988): n_h ∝ N_h^q CV_h; equal CVs and q = 0.5 -> sqrt(N_h) = 100, 50, 20
    a = allocate(strata([10_000, 2_500, 400], p=[0.2, 0.2, 0.2]), 170, method="power", p="p")
    assert a.strata["n"].tolist() == [100, 50, 20]
    # q = 1 with equal CVs is proportional, q = 0 is equal allocation
    prop = allocate(strata([10_000, 2_500, 400], p=[0.2] * 3), 129, method="power", p="p", q=1)
    assert prop.strata["n"].tolist() == [100, 25, 4]
    eq = allocate(strata([10_000, 2_500, 400], p=[0.2] * 3), 129, method="power", p="p", q=0)
    assert eq.strata["n"].tolist() == [43, 43, 43]
    # rarer event (higher unit CV sqrt((1-p)/p): 2 vs 1) doubles the factor: 100*1, 50*2
    rare = allocate(strata([10_000, 2_500], p=[0.5, 0.2]), 200, method="power", p="p")
    assert rare.strata["n"].tolist() == [100, 100]


def test_precision_per_stratum_and_overall():
    # p = 0.5, N_h = 1000, n_h = 100: SE = sqrt(deff * (N-n)/(N-1) * pq / n)
    #   = sqrt(1.5 * 900/999 * 0.25/100)
    a = allocate(strata([1000, 3000], p=[0.5, 0.2]), 400, p="p", deff=1.5)
    assert a.strata["n"].tolist() == [100, 300]
    se1 = np.sqrt(1.5 * 900 / 999 * 0.25 / 100)
    se2 = np.sqrt(1.5 * 2700 / 2999 * 0.16 / 300)
    np.testing.assert_allclose(a.strata["se"], [se1, se2], rtol=1e-12)
    np.testing.assert_allclose(a.strata["moe"], 1.959964 * np.array([se1, se2]), rtol=1e-6)
    np.testing.assert_allclose(a.strata["cv"], [se1 / 0.5, se2 / 0.2], rtol=1e-12)
    # stratified estimator (Cochran 1977, eq. 5.6): SE^2 = sum W_h^2 SE_h^2, W = (0.25, 0.75)
    assert a.se == pytest.approx(np.sqrt(0.25**2 * se1**2 + 0.75**2 * se2**2), rel=1e-12)
    assert a.cv == pytest.approx(a.se / (0.25 * 0.5 + 0.75 * 0.2), rel=1e-12)
    frame = a.to_frame()
    assert frame["stratum"].tolist() == ["s0", "s1", "Total"]
    assert frame.loc[2, "n"] == 400
    assert frame.loc[2, "se"] == pytest.approx(a.se)


def test_neyman_minimises_overall_variance():
    # Neyman allocation gives the smallest SE of the stratified mean among the methods
    frame = strata([4000, 3000, 2000, 1000], S=[1.0, 4.0, 9.0, 2.0])
    ses = {
        m: allocate(frame, 300, method=m, sd="S").se
        for m in ("proportional", "equal", "neyman", "power")
    }
    assert ses["neyman"] == min(ses.values())


def test_rounding_preserves_total_and_bounds_randomised():
    rng = np.random.default_rng(4)
    for _ in range(50):
        H = rng.integers(2, 12)
        N = rng.integers(5, 3000, H)
        S = rng.uniform(0.1, 5, H)
        n = int(rng.integers(H * 3, N.sum() // 2 + H * 3))
        n = min(n, int(N.sum()))
        for method in ("proportional", "equal", "neyman", "power"):
            a = allocate(strata(N, S=S), n, method=method, sd="S", min_n=3)
            assert a.strata["n"].sum() == n
            assert (a.strata["n"] <= N).all()
            assert (a.strata["n"] >= np.minimum(3, N)).all()
            assert np.all(np.abs(a.strata["n"] - a.strata["n_exact"]) < 1)


def test_round_preserving_total():
    assert round_preserving_total([2.5, 3.3, 4.2]).tolist() == [3, 3, 4]
    assert round_preserving_total([0.2, 0.2, 0.6], 1).tolist() == [0, 0, 1]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"method": "neyman"}, ValueError, "needs sd= or p="),
        ({"method": "optimal"}, ValueError, "method must be one of"),
        ({"sd": "missing_col"}, KeyError, "missing_col"),
        ({"min_n": 60}, ValueError, "min_n"),
    ],
)
def test_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        allocate(strata([100, 200]), 100, **kwargs)


def test_n_larger_than_population():
    with pytest.raises(ValueError, match="exceeds the population"):
        allocate(strata([10, 20]), 31)
