"""Fay-Herriot on ENUSC 2023 communes with region effects against R's sae 1.3.

Golden: tests/golden/sae_enusc.R -> sae_enusc.json. Direct inputs are R's
``svyby(~v, ~enc_rpc, des, svymean)`` with the commune household weight ``Fact_Hog_Com``
(var = SE^2); the model ``eblupFH(y ~ as.factor(enc_region), var, method=)`` and
``mseFH(same)`` on the communes with a positive direct variance (all 136 for VH_DC; 135 for
VH_DV, whose commune 6105 has no victim in the sample and gets the synthetic prediction).

The model comparisons run from the JSON's direct inputs (no microdata needed); the realdata
tests also rebuild those inputs from the microdata through ``survey.sae.direct`` and run the
whole API route.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey import sae
from tests.conftest import realdata_file

GOLDEN = json.loads((Path(__file__).parents[1] / "golden" / "sae_enusc.json").read_text())
TOL = 1e-6  # absolute, for log-likelihood/AIC/BIC
RTOL = 1e-8  # the fits replay sae's iterations: relative agreement is ~1e-14
CASES = [(v, m) for v in ("VH_DC", "VH_DV") for m in ("REML", "ML", "FH")]


def _frames(v):
    d = GOLDEN["cases"][v]["direct"]
    direct = pd.DataFrame(
        {
            "enc_rpc": d["enc_rpc"],
            "estimate": d["estimate"],
            "var": d["var"],
            "n": d["n"],
            "status": np.where(np.array(d["var"]) > 0, "ok", "zero_variance"),
        }
    )
    direct.loc[direct["status"] != "ok", "var"] = np.nan  # as sae.direct: never a silent 0
    direct.attrs["area"] = "enc_rpc"
    cov = pd.DataFrame({"enc_rpc": d["enc_rpc"], "enc_region": d["enc_region"]})
    return direct, cov


def _check(res, case):
    est = res.estimates.set_index("enc_rpc")
    out = [int(a) for a in case["out_of_sample"]]
    ins = est.drop(index=out)
    assert res.model["refvar"] == pytest.approx(case["refvar"], rel=RTOL)
    assert res.model["iterations"] == case["iterations"]
    np.testing.assert_allclose(res.coefficients["beta"], case["beta"], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(res.coefficients["se"], case["beta_se"], rtol=RTOL, atol=1e-15)
    assert res.model["loglike"] == pytest.approx(case["loglike"], abs=TOL)
    assert res.model["AIC"] == pytest.approx(case["AIC"], abs=TOL)
    assert res.model["BIC"] == pytest.approx(case["BIC"], abs=TOL)
    np.testing.assert_allclose(ins["estimate"], case["eblup"], rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(ins["mse"], case["mse"], rtol=RTOL, atol=1e-15)
    assert (ins["kind"] == "eblup").all()
    if out:
        assert (est.loc[out, "kind"] == "synthetic").all()
        np.testing.assert_allclose(
            est.loc[out, "estimate"], case["synthetic_out"], rtol=RTOL, atol=1e-15
        )
        np.testing.assert_allclose(est.loc[out, "mse"], case["mse_out"], atol=TOL)


@pytest.mark.parametrize(("variable", "method"), CASES)
def test_fh_region_effects_match_sae(variable, method):
    """sae::eblupFH / mseFH on the communes' direct estimates, region dummies (16 regions,
    region 1 the reference as R's treatment contrasts)."""
    case = GOLDEN["cases"][variable]["methods"][method]
    direct, cov = _frames(variable)
    unstable = "synthetic" if case["out_of_sample"] else "error"
    res = sae.fh(
        direct, cov, x=["enc_region"], categorical=["enc_region"], method=method, unstable=unstable
    )
    assert res.coefficients["term"].iloc[1] == "enc_region2"
    assert len(res.coefficients) == 16
    _check(res, case)
    if case["out_of_sample"]:
        assert res.choices["synthetic_unstable"] == ["6105"]


@pytest.fixture(scope="module")
def enusc_design():
    import survey

    df = pd.read_csv(realdata_file("enusc/enusc_2023_subset.csv.gz"))
    des = survey.Design(
        df, weight="Fact_Hog_Com", strata="VarStrat", psu="Conglomerado", lonely_psu="certainty"
    )
    cov = df.groupby("enc_rpc", as_index=False)["enc_region"].first()
    return des, cov


@pytest.mark.realdata
@pytest.mark.parametrize("variable", ["VH_DC", "VH_DV"])
def test_direct_inputs_match_svyby(enusc_design, variable):
    """survey.sae.direct = R's svyby(~v, ~enc_rpc, des, svymean) to 1e-8 (estimate, SE^2,
    degf of the commune subset), with the zero-variance commune flagged, not a silent 0."""
    des, _ = enusc_design
    g = GOLDEN["cases"][variable]["direct"]
    d = sae.direct(des, variable, "enc_rpc").set_index("enc_rpc").loc[g["enc_rpc"]]
    np.testing.assert_allclose(d["estimate"], g["estimate"], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(d["var_engine"], g["var"], rtol=1e-8, atol=1e-14)
    np.testing.assert_array_equal(d["df"], g["df"])
    np.testing.assert_array_equal(d["n"], g["n"])
    zero = np.array(g["var"]) == 0
    assert (d.loc[zero, "status"] == "zero_variance").all()
    assert d.loc[zero, "var"].isna().all()
    assert (d.loc[~zero, "status"] == "ok").all()


@pytest.mark.realdata
@pytest.mark.parametrize(("variable", "method"), CASES)
def test_api_route_from_microdata_matches_sae(enusc_design, variable, method):
    des, cov = enusc_design
    case = GOLDEN["cases"][variable]["methods"][method]
    d = sae.direct(des, variable, "enc_rpc")
    res = sae.fh(
        d, cov, x=["enc_region"], categorical=["enc_region"], method=method, unstable="synthetic"
    )
    _check(res, case)
