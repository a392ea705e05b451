"""Replicate factors and replicate-based estimates against R (as.svrepdesign, svrepdesign,
calibrated replicate designs), plus the bootstrap against its theory."""

from __future__ import annotations

import numpy as np
import pytest

from survey import Design, ReplicateDesign
from survey.weighting import Calibrate, PostStratify, Rake
from survey.weighting.replicates import (
    as_replicate,
    bootstrap_factors,
    brr_factors,
    hadamard,
    is_hadamard,
    jk1_factors,
    jkn_factors,
)
from tests.weighting import _helpers as H

RTOL = 1e-8


def _check_factors(case, F, scale, rscales, design):
    """Row-level factors equal R's compressed repweights (same replicate order)."""
    G = H.G[case]
    RF = np.asarray(G["factors"], dtype=float)
    idx = np.asarray(G["index"]) - 1
    np.testing.assert_allclose(F[design.psu], RF[idx], rtol=1e-12, atol=1e-12)
    assert scale == pytest.approx(G["scale"], rel=1e-12)
    np.testing.assert_allclose(rscales, np.atleast_1d(G["rscales"]), rtol=1e-12)


def test_jkn_factors_match_r():
    # as.svrepdesign(d, type = "JKn")
    d = H.design()
    _check_factors("jkn", *jkn_factors(d), d)


def test_jk1_factors_match_r():
    # as.svrepdesign(svydesign(ids = ~psu, weights = ~w, data = samp), type = "JK1")
    d = Design(H.sample(), weight="w", psu="psu")
    _check_factors("jk1", *jk1_factors(d), d)


@pytest.mark.parametrize("case,rho", [("brr", 0.0), ("fay", 0.3)])
def test_brr_fay_factors_match_r(case, rho):
    # as.svrepdesign(dbrr, type = "BRR") / type = "Fay", fay.rho = 0.3 (10 strata: Paley 12x12)
    d = Design(H.brr_sample(), weight="w", strata="stratum", psu="psu")
    _check_factors(case, *brr_factors(d, rho), d)


@pytest.mark.parametrize("n", range(1, 24))
def test_hadamard_matches_r(n):
    # hadamard(n) for n = 1..23 (Sylvester 4, 8, 16; Paley 12, 20, 24)
    H_r = np.asarray(H.G["hadamard"][n - 1])
    H_py = hadamard(n)
    assert H_py.shape == H_r.shape
    np.testing.assert_array_equal(H_py, H_r)


@pytest.mark.parametrize("n", [24, 30, 33, 40, 60, 100])
def test_hadamard_fallback_is_hadamard(n):
    Hm = hadamard(n)
    assert Hm.shape[0] >= n + 1 and is_hadamard(Hm)


@pytest.mark.parametrize(
    "case,kind,kw",
    [("jkn", "JKn", {}), ("jkn_mse", "JKn", {"mse": True})],
)
def test_jkn_estimates_match_r(case, kind, kw):
    # svymean(~y + v), svytotal(~y), svyby(~y, ~region, svymean) on the JKn design
    rep = as_replicate(H.design(), kind, **kw)
    np.testing.assert_allclose(H.engine_values(rep), H.golden_values(H.G[case]), rtol=RTOL)


def test_jk1_estimates_match_r():
    rep = as_replicate(Design(H.sample(), weight="w", psu="psu"), "JK1")
    np.testing.assert_allclose(H.engine_values(rep), H.golden_values(H.G["jk1"]), rtol=RTOL)


@pytest.mark.parametrize("case,kind,kw", [("brr", "BRR", {}), ("fay", "Fay", {"rho": 0.3})])
def test_brr_estimates_match_r(case, kind, kw):
    # svymean(~y), svyby(~y, ~g, svymean)
    rep = as_replicate(Design(H.brr_sample(), weight="w", strata="stratum", psu="psu"), kind, **kw)
    got = H.engine_values(rep, by="g", variables=("y",), total=False)
    np.testing.assert_allclose(got, H.golden_values(H.G[case], total=False), rtol=RTOL)


@pytest.mark.parametrize(
    "case,kw",
    [
        # svrepdesign(data = sup, weights = ~w, repweights = "rw[0-9]+", type = "JKn", scale = 1, rscales = rj$rscales)
        ("svrep_jkn", {"type": "JKn", "scale": 1.0, "rscales": H.G["jkn"]["rscales"]}),
        # ... type = "other", scale = 0.5, rscales = 1, mse = TRUE
        ("svrep_other_mse", {"type": "other", "scale": 0.5, "rscales": 1.0, "mse": True}),
        # ... type = "Fay", rho = 0.5
        ("svrep_fay", {"type": "Fay", "rho": 0.5}),
    ],
)
def test_supplied_replicate_columns_match_r(case, kw):
    rep = ReplicateDesign(H.repcols(), "w", "rw[0-9]+", **kw)
    np.testing.assert_allclose(H.engine_values(rep), H.golden_values(H.G[case]), rtol=RTOL)


def _rep_steps():
    return {
        # postStratify(rj, ~sex + age_group, pop_sa_df)
        "rep_poststratify": PostStratify(["sex", "age_group"], H.pop_sex_age()),
        # rake(rj, list(~sex, ~age_group, ~region), list(...))
        "rep_rake": Rake(H.margins()),
        # calibrate(rj, ~sex + age_group + region, totals)
        "rep_cal_linear": Calibrate(H.VARS, H.cal_totals()),
        # calibrate(rj, ..., calfun = "raking", bounds = c(0.6, 1.6))
        "rep_cal_raking": Calibrate(H.VARS, H.cal_totals(), calfun="raking", bounds=(0.6, 1.6)),
    }


@pytest.mark.parametrize("case", list(_rep_steps()))
def test_calibrated_replicate_designs_match_r(case):
    rep = as_replicate(H.design(), "JKn")
    step = _rep_steps()[case]
    new = step.fit_transform(rep)
    np.testing.assert_allclose(new.weights, H.G[case]["weights"], rtol=RTOL)
    np.testing.assert_allclose(new.repweights()[:, 0], H.G[case]["rep1"], rtol=RTOL)
    np.testing.assert_allclose(H.engine_values(new), H.golden_values(H.G[case]), rtol=RTOL)


def test_bootstrap_rao_wu_factors_have_the_right_moments():
    """Rao-Wu factors with m_h = n_h - 1 draws: count ~ Bin(n_h - 1, 1/n_h), factor
    count * n_h/(n_h - 1), so mean 1 and variance (n_h-1)^2/n_h^2 * n_h^2/(n_h-1)^2 = 1."""
    d = H.design()
    F, scale, rscales = bootstrap_factors(d, replicates=4000, random_state=1)
    assert scale == pytest.approx(1 / 3999)
    nh = np.bincount(d.psu_strata)[d.psu_strata]  # 6 PSUs per stratum
    np.testing.assert_allclose(F.mean(axis=1), 1.0, atol=0.03)
    np.testing.assert_allclose(F.var(axis=1).mean(), 1.0, rtol=0.05)
    assert nh.min() == 6
    # each stratum's factors sum to n_h in every replicate (n_h - 1 draws times n_h/(n_h-1))
    sums = np.stack([F[d.psu_strata == h].sum(axis=0) for h in range(d.n_strata)])
    np.testing.assert_allclose(sums, 6.0)


def test_bootstrap_variance_close_to_linearised():
    """For a total, the Rao-Wu bootstrap variance estimates the with-replacement linearised
    variance; with 2000 replicates the SE agrees within a few percent."""
    d = H.design()
    rep = as_replicate(d, "bootstrap", replicates=2000, random_state=7)
    se_boot = rep.total("y")["se"].iloc[0]
    se_lin = d.total("y")["se"].iloc[0]
    assert se_boot == pytest.approx(se_lin, rel=0.06)
    se_boot_m = rep.mean("y")["se"].iloc[0]
    assert se_boot_m == pytest.approx(d.mean("y")["se"].iloc[0], rel=0.06)
