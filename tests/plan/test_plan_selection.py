"""Sample selection (survey.plan.selection): hand-computed PPS probabilities with
certainty units, exact sample sizes per stratum, and Monte Carlo checks that the
selection frequency matches the stated inclusion probability (vectorised replicates of
the same code path that select_pps / select_within use)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.plan import select_pps, select_within
from survey.plan.selection import _pps_matrix, _within_matrix


@pytest.fixture
def psu_frame():
    rng = np.random.default_rng(11)
    N = 45
    return pd.DataFrame(
        {
            "psu": np.arange(N),
            "region": np.repeat(["north", "centre", "south"], [20, 15, 10]),
            # one very large PSU in the south (a certainty unit for n_h = 3)
            "hh": np.r_[rng.integers(20, 400, 35), [50, 80, 3000, 60, 90, 120, 40, 70, 200, 110]],
        }
    )


def test_certainty_units_hand_computed():
    # X = 400, n = 3: 200*3/400 = 1.5 >= 1 -> certainty; then n = 2 over X = 200:
    # 100*2/200 = 1 -> certainty; then n = 1 over X = 100: 0.1, 0.2, 0.3, 0.4
    frame = pd.DataFrame({"psu": range(6), "hh": [10, 20, 30, 40, 200, 100]})
    sel, prob, cert, n_h, _ = _pps_matrix(
        frame, "hh", 3, None, "systematic", np.random.default_rng(0), 1
    )
    np.testing.assert_allclose(prob, [0.1, 0.2, 0.3, 0.4, 1.0, 1.0])
    assert cert.tolist() == [False, False, False, False, True, True]
    out = select_pps(frame, size="hh", n=3, seed=5)
    assert len(out) == 3
    assert {4, 5} <= set(out["psu"])


def test_probabilities_sum_to_n_per_stratum(psu_frame):
    n = {"north": 5, "centre": 4, "south": 3}
    _, prob, cert, _, _ = _pps_matrix(
        psu_frame, "hh", n, "region", "systematic", np.random.default_rng(0), 1
    )
    sums = pd.Series(prob).groupby(psu_frame["region"].to_numpy()).sum()
    assert sums.to_dict() == pytest.approx(n)
    # south: the 3000-household PSU is taken with certainty, the others get 2 x / X'
    south = psu_frame["region"].eq("south").to_numpy()
    assert cert[south].sum() == 1
    x = psu_frame.loc[south, "hh"].to_numpy()
    rest = x != 3000
    np.testing.assert_allclose(prob[south][rest], 2 * x[rest] / x[rest].sum())
    # non-certainty probabilities elsewhere: n_h x_i / X_h
    north = psu_frame["region"].eq("north").to_numpy()
    xn = psu_frame.loc[north, "hh"].to_numpy()
    np.testing.assert_allclose(prob[north], 5 * xn / xn.sum())


@pytest.mark.parametrize("method", ["systematic", "random-systematic"])
def test_select_pps_returns_exact_n_and_probabilities(psu_frame, method):
    n = {"north": 5, "centre": 4, "south": 3}
    a = select_pps(psu_frame, size="hh", n=n, strata="region", method=method, seed=42)
    b = select_pps(psu_frame, size="hh", n=n, strata="region", method=method, seed=42)
    pd.testing.assert_frame_equal(a, b)  # a seed fixes the sample
    assert a.groupby("region")["psu"].count().to_dict() == n
    assert (a["n_stratum"] == a["region"].map(n)).all()
    assert a.loc[a["hh"] == 3000, "certainty"].tolist() == [True]
    expected = psu_frame.loc[a.index, "hh"]
    north = a["region"] == "north"
    xn = psu_frame.loc[psu_frame["region"] == "north", "hh"].sum()
    np.testing.assert_allclose(a.loc[north, "prob"], 5 * expected[north] / xn)


@pytest.mark.parametrize("method", ["systematic", "random-systematic"])
def test_pps_monte_carlo_frequency_matches_probability(psu_frame, method):
    reps = 20_000
    n = {"north": 5, "centre": 4, "south": 3}
    sel, prob, _, _, _ = _pps_matrix(
        psu_frame, "hh", n, "region", method, np.random.default_rng(1), reps
    )
    # every replicate has exactly n_h units per stratum
    codes = pd.factorize(psu_frame["region"], sort=True)[0]
    per_stratum = np.stack([sel[:, codes == h].sum(axis=1) for h in range(3)], axis=1)
    assert (per_stratum == np.array([4, 5, 3])).all()  # sorted labels: centre, north, south
    freq = sel.mean(axis=0)
    se = np.sqrt(prob * (1 - prob) / reps)
    z = np.abs(freq - prob) / np.where(se > 0, se, 1)
    assert z.max() < 4.5
    assert np.abs(freq - prob).max() < 0.015


def test_size_zero_never_selected_and_bad_sizes():
    frame = pd.DataFrame({"psu": range(5), "hh": [0, 10, 10, 10, 10]})
    sel, prob, *_ = _pps_matrix(frame, "hh", 2, None, "systematic", np.random.default_rng(3), 2000)
    assert prob[0] == 0 and not sel[:, 0].any()
    with pytest.raises(ValueError, match="fewer units"):
        select_pps(frame, size="hh", n=5)
    bad = frame.assign(hh=[1, -2, 3, 4, 5])
    with pytest.raises(ValueError, match=r"size column 'hh' .* bad rows \[1\]"):
        select_pps(bad, size="hh", n=2)
    with pytest.raises(ValueError, match="no sample size given"):
        select_pps(frame.assign(r=[1, 1, 2, 2, 2]), size="hh", n={1: 1}, strata="r")


@pytest.fixture
def listing():
    sizes = [5, 8, 2, 12, 30]
    return pd.DataFrame(
        {
            "psu": np.repeat([101, 102, 103, 104, 105], sizes),
            "hh_id": np.arange(sum(sizes)),
            "p1": np.repeat([0.2, 0.5, 0.1, 1.0, 0.4], sizes),
        }
    )


@pytest.mark.parametrize("method", ["srs", "systematic"])
def test_select_within(listing, method):
    out = select_within(listing, psu="psu", n_per_psu=4, method=method, seed=7, prob_psu="p1")
    counts = out.groupby("psu").size().to_dict()
    assert counts == {101: 4, 102: 4, 103: 2, 104: 4, 105: 4}  # PSU 103 has only 2: take all
    expected_p2 = out["psu"].map({101: 4 / 5, 102: 4 / 8, 103: 1.0, 104: 4 / 12, 105: 4 / 30})
    np.testing.assert_allclose(out["prob_within"], expected_p2)
    np.testing.assert_allclose(out["prob_total"], out["p1"] * expected_p2)
    # the within-PSU weights 1/p2 add up to the listed households of each PSU
    np.testing.assert_allclose(
        (1 / out["prob_within"]).groupby(out["psu"]).sum(), [5, 8, 2, 12, 30]
    )
    again = select_within(listing, psu="psu", n_per_psu=4, method=method, seed=7, prob_psu="p1")
    pd.testing.assert_frame_equal(out, again)


@pytest.mark.parametrize("method", ["srs", "systematic"])
def test_within_monte_carlo(listing, method):
    reps = 20_000
    k = {101: 1, 102: 3, 103: 4, 104: 5, 105: 7}
    sel, p2, M, kk = _within_matrix(listing, "psu", k, method, np.random.default_rng(9), reps)
    assert (sel.sum(axis=1) == 1 + 3 + 2 + 5 + 7).all()
    freq = sel.mean(axis=0)
    se = np.sqrt(p2 * (1 - p2) / reps)
    assert (np.abs(freq - p2) / np.where(se > 0, se, 1)).max() < 4.5


def test_systematic_within_is_evenly_spaced():
    # interval M/k = 30/5 = 6: positions differ by exactly 6 in listing order
    listing = pd.DataFrame({"psu": np.ones(30, dtype=int), "pos": np.arange(30)})
    out = select_within(listing, psu="psu", n_per_psu=5, method="systematic", seed=3)
    assert np.all(np.diff(out["pos"].to_numpy()) == 6)


def test_two_stage_self_weighting_total_is_unbiased():
    # PPS by listed size then a fixed take per PSU: p1 p2 = n x_j / X * k / x_j = n k / X
    # (self-weighting), so with n PSUs always selected the HT estimate of the number of
    # households sum_sel k / (p1 p2) = n k X / (n k) equals X in every sample
    rng = np.random.default_rng(2)
    x = rng.integers(30, 200, 60)
    frame = pd.DataFrame({"psu": np.arange(60), "hh": x})
    sel, prob, *_ = _pps_matrix(
        frame, "hh", 10, None, "random-systematic", np.random.default_rng(5), 4000
    )
    p = prob * (8 / x)
    np.testing.assert_allclose(p, 10 * 8 / x.sum())
    totals = sel.astype(float) @ (8 / p)  # 8 households per selected PSU, weight 1/(p1 p2)
    np.testing.assert_allclose(totals, x.sum())


def test_within_errors(listing):
    with pytest.raises(KeyError, match="psu column 'ea'"):
        select_within(listing, psu="ea", n_per_psu=3)
    with pytest.raises(ValueError, match="method must be one of"):
        select_within(listing, psu="psu", n_per_psu=3, method="pps")
    with pytest.raises(ValueError, match="constant within each PSU"):
        select_within(listing.assign(k=np.arange(len(listing))), psu="psu", n_per_psu="k")


def test_two_stage_selection_feeds_base_weights():
    # contract with survey.weighting.base_weights: the stage probabilities multiply.
    # PPS by listed households, 6 households per PSU -> self-weighting: every weight is
    # X / (n k), and the weights add up to the number of households X in the frame
    weighting = pytest.importorskip("survey.weighting")
    rng = np.random.default_rng(8)
    x = rng.integers(20, 90, 40)
    psus = pd.DataFrame({"psu": np.arange(40), "region": np.repeat(["a", "b"], 20), "hh": x})
    first = select_pps(psus, size="hh", n=5, strata="region", seed=1)
    listing = pd.DataFrame({"psu": np.repeat(first["psu"].to_numpy(), first["hh"].to_numpy())})
    listing = listing.merge(first[["psu", "region", "prob"]], on="psu")
    second = select_within(listing, psu="psu", n_per_psu=6, seed=2, prob_psu="prob")
    w = weighting.base_weights(second, ["prob", "prob_within"])
    np.testing.assert_allclose(w, 1 / second["prob_total"])
    X = psus.groupby("region")["hh"].sum()
    np.testing.assert_allclose(w, second["region"].map(X / (5 * 6)).to_numpy())
    np.testing.assert_allclose(pd.Series(w).groupby(second["region"].to_numpy()).sum(), X)
