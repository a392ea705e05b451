"""Fay-Herriot fits against R's sae 1.3 (tests/golden/sae_milk.R -> sae_milk.json).

milk (Arora and Lahiri 1997, shipped with sae): 43 areas, yi ~ as.factor(MajorArea),
vardir = SD^2. R calls are quoted in each case's ``r_call``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey import sae
from survey.sae import fayherriot as fhm

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "sae_milk.json").read_text())
TOL = 1e-6


def _milk():
    mk = GOLDEN["milk"]
    y = np.array(mk["yi"])
    D = np.array(mk["SD"]) ** 2
    major = np.array(mk["MajorArea"])
    X = np.column_stack([np.ones(y.size)] + [(major == k).astype(float) for k in (2, 3, 4)])
    return y, D, X, major


def _flat():
    fl = GOLDEN["flat"]
    y = np.array(fl["y"])
    return y, np.array(fl["var"]), np.column_stack([np.ones(y.size), fl["x"]])


@pytest.mark.parametrize("method", ["REML", "ML", "FH"])
def test_milk_matches_sae_eblupFH_and_mseFH(method):
    case = GOLDEN["cases"][method]
    y, D, X, _ = _milk()
    fit = fhm.fit(y, D, X, method)
    assert fit.iterations == case["iterations"]
    assert fit.refvar == pytest.approx(case["refvar"], abs=TOL)
    np.testing.assert_allclose(fit.beta, case["beta"], atol=TOL)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.beta_cov)), case["beta_se"], atol=TOL)
    assert fit.loglike == pytest.approx(case["loglike"], abs=TOL)
    assert fit.aic == pytest.approx(case["AIC"], abs=TOL)
    assert fit.bic == pytest.approx(case["BIC"], abs=TOL)
    eb, _, _ = fhm.eblup(fit, y, D, X)
    np.testing.assert_allclose(eb, case["eblup"], atol=TOL)
    mse, _, _ = fhm.mse_analytic(fit, D, X)
    np.testing.assert_allclose(mse, case["mse"], atol=TOL)


def test_milk_published_reml_values():
    """The values quoted in sae's documentation / the issue (REML)."""
    y, D, X, _ = _milk()
    fit = fhm.fit(y, D, X, "REML")
    eb, _, _ = fhm.eblup(fit, y, D, X)
    mse, _, _ = fhm.mse_analytic(fit, D, X)
    assert round(fit.refvar, 5) == 0.01855
    assert round(eb[0], 5) == 1.02197
    assert round(mse[0], 6) == 0.013460


def test_reml_truncated_at_zero_replays_sae():
    """flat data: sae's REML iterates 40 times and truncates A at 0 (all synthetic)."""
    case = GOLDEN["cases"]["flat_REML"]
    y, D, X = _flat()
    fit = fhm.fit(y, D, X, "REML")
    assert fit.refvar == 0.0 == case["refvar"]
    assert fit.iterations == case["iterations"]
    eb, gamma, synth = fhm.eblup(fit, y, D, X)
    np.testing.assert_allclose(eb, case["eblup"], atol=TOL)
    np.testing.assert_allclose(eb, synth)
    mse, _, _ = fhm.mse_analytic(fit, D, X)
    np.testing.assert_allclose(mse, case["mse"], atol=TOL)


@pytest.mark.parametrize("data", ["milk", "flat"])
@pytest.mark.parametrize("method", ["AREML", "AML"])
def test_li_lahiri_adjusted_likelihood(data, method):
    """Li-Lahiri adjusted likelihoods against an independent R maximisation (optimize on
    log A of log(A) + l(A)) and the Li-Lahiri MSE; positive where REML gives 0."""
    case = GOLDEN["cases"][f"adjusted_{data}_{method}"]
    y, D, X = _flat() if data == "flat" else _milk()[:3]
    fit = fhm.fit(y, D, X, method)
    assert fit.refvar > 0
    assert fit.refvar == pytest.approx(case["refvar"], rel=1e-6)
    np.testing.assert_allclose(fit.beta, case["beta"], atol=TOL)
    eb, _, _ = fhm.eblup(fit, y, D, X)
    np.testing.assert_allclose(eb, case["eblup"], atol=TOL)
    mse, _, _ = fhm.mse_analytic(fit, D, X)
    np.testing.assert_allclose(mse, case["mse"], atol=TOL)


def _milk_frames():
    y, D, X, major = _milk()
    direct = pd.DataFrame(
        {"area": np.arange(1, y.size + 1), "estimate": y, "var": D, "n": GOLDEN["milk"]["ni"]}
    )
    direct.attrs["area"] = "area"
    cov = pd.DataFrame({"area": np.arange(1, y.size + 1), "major": major})
    return direct, cov


@pytest.mark.parametrize("method", ["REML", "ML", "FH"])
def test_api_fh_on_milk_tables(method):
    """fh() joins the covariate table on area codes (a categorical covariate -> dummies)."""
    case = GOLDEN["cases"][method]
    direct, cov = _milk_frames()
    cov["area"] = cov["area"].astype(str)  # codes as text in the table: still joined
    res = sae.fh(direct, cov, x=["major"], categorical=["major"], method=method)
    est = res.estimates
    np.testing.assert_allclose(est["estimate"], case["eblup"], atol=TOL)
    np.testing.assert_allclose(est["mse"], case["mse"], atol=TOL)
    assert res.model["refvar"] == pytest.approx(case["refvar"], abs=TOL)
    assert res.coefficients["term"].tolist() == ["(Intercept)", "major2", "major3", "major4"]
    assert res.model["mse_method"] == fhm.MSE_METHOD[method]


def test_out_of_sample_area_gets_synthetic_prediction():
    direct, cov = _milk_frames()
    cov = pd.concat([cov, pd.DataFrame({"area": [99], "major": [3]})], ignore_index=True)
    res = sae.fh(direct, cov, x=["major"], categorical=["major"])
    est = res.estimates.set_index("area")
    beta = res.coefficients.set_index("term")["beta"]
    assert est.loc[99, "kind"] == "synthetic"
    assert est.loc[99, "estimate"] == pytest.approx(beta["(Intercept)"] + beta["major3"])
    q = res.fit.beta_cov
    x = np.array([1, 0, 1, 0.0])
    assert est.loc[99, "mse"] == pytest.approx(res.fit.refvar + x @ q @ x)
    # in-sample areas unchanged by the extra covariate row
    np.testing.assert_allclose(
        est.loc[1:43, "estimate"], GOLDEN["cases"]["REML"]["eblup"], atol=TOL
    )


def test_missing_covariate_areas_are_named():
    direct, cov = _milk_frames()
    with pytest.raises(sae.FHError, match=r"lacks 2 sampled area\(s\).*\b7\b.*\b9\b"):
        sae.fh(direct, cov[~cov.area.isin([7, 9])], x=["major"], categorical=["major"])


def test_unknown_method_and_collinear_covariates():
    direct, cov = _milk_frames()
    with pytest.raises(sae.FHError, match="method='EB'"):
        sae.fh(direct, cov, x=["major"], method="EB")
    cov["twice"] = 2.0
    cov["one"] = 1.0
    with pytest.raises(sae.FHError, match="full column rank"):
        sae.fh(direct, cov, x=["one"])


def test_direct_maximisation_when_sae_iteration_oscillates():
    """sae's Fisher scoring oscillates around 0 when the REML maximum is on the boundary;
    fit() then maximises the restricted likelihood on [0, inf) and says so."""
    import survey
    from survey.datasets.city import draw_sample, make_city

    city = make_city()
    s = draw_sample(city, 1002)
    des = survey.Design(s, weight="weight", strata="area", psu="block", lonely_psu="certainty")
    d, _ = sae.smooth_variances(sae.direct(des, "victim", "area"), where="all")
    m = d.merge(city.census, on="area")
    X = np.column_stack([np.ones(len(m)), m.poverty, m.density, m.lighting])
    y, D = m["estimate"].to_numpy(), m["var"].to_numpy()
    assert not fhm.fit(y, D, X, "REML", fallback=False).converged
    fit = fhm.fit(y, D, X, "REML")
    assert fit.converged and fit.algorithm == "direct maximisation"
    ll = lambda a: fhm._loglik(a, y, D, X, "REML")  # noqa: E731
    A = fit.refvar
    assert ll(A) >= max(ll(A * 1.001), ll(max(A * 0.999, 0.0)))
    assert ll(A) >= ll(0.0)
