"""svyglm(family="quasibinomial" / "binomial") against R's survey 4.1.1 at R's DEFAULT
glm.control (tests/golden/svyglm_binomial.R -> svyglm_binomial.json): ?svyglm's designs
(dstrat, dclus2), dclus1 and the replicate designs as.svrepdesign(dstrat) (JKn) and
as.svrepdesign(dclus2) (JK1), a model with NAs. R stops glm.fit early and its sandwich uses
the working weights of the last iteration; the package replays that, so coefficients and SEs
agree to 1e-8 relative. R's api data: skips without ../shared/realdata."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.compare import svyglm
from survey.weighting.replicates import as_replicate
from tests.conftest import load_golden, realdata_file

GOLD = load_golden("svyglm_binomial")


@functools.lru_cache(maxsize=4)
def _api(name: str) -> pd.DataFrame:
    d = pd.read_csv(realdata_file(f"rsurvey/{name}.csv"), dtype={"cds": str})
    return d.assign(
        **{
            "sch.wide": (d["sch.wide"] == "Yes").astype(float),
            "comp.imp": (d["comp.imp"] == "Yes").astype(float),
        }
    )


@functools.lru_cache(maxsize=8)
def _design(name: str):
    base = {
        "dstrat": lambda: Design(_api("apistrat"), weight="pw", strata="stype", fpc="fpc"),
        "dclus2": lambda: Design(_api("apiclus2"), weight="pw", psu=["dnum", "snum"]),
        "dclus1": lambda: Design(_api("apiclus1"), weight="pw", psu="dnum", fpc="fpc"),
    }
    if name == "rstrat":
        return as_replicate(_design("dstrat"), "JKn")
    if name == "rclus2":
        return as_replicate(_design("dclus2"), "JK1")
    return base[name]()


FITS = [c for c in GOLD["cases"] if c.get("kind") != "contrast"]


@pytest.mark.parametrize("case", FITS, ids=lambda c: c["r_call"])
def test_binomial_glm_matches_r_at_default_control(case):
    des = _design(case["design"])
    fit = svyglm(des, case["formula"].replace("stype", "factor(stype)"), case["family"])
    assert [t.replace("factor(stype)", "stype") for t in fit.coef.index] == case["terms"]
    np.testing.assert_allclose(fit.coef.to_numpy(), case["coef"], rtol=1e-8)
    np.testing.assert_allclose(fit.se.to_numpy(), case["se"], rtol=1e-8)
    assert fit.df_residual == case["df_residual"]
    assert fit.iterations == case["iter"]  # R's glm.fit iteration count


def test_default_control_differs_from_converged_fit():
    # the early stop matters at 1e-8: a fully converged fit (epsilon 1e-15) moves the SEs
    case = next(
        c
        for c in FITS
        if c["design"] == "dstrat" and c["family"] == "quasibinomial" and "ell" in c["formula"]
    )
    tight = svyglm(_design("dstrat"), case["formula"], "quasibinomial", epsilon=1e-15, maxit=100)
    gap = np.abs(tight.se.to_numpy() / np.asarray(case["se"]) - 1).max()
    assert gap > 1e-8
    np.testing.assert_allclose(tight.se.to_numpy(), case["se"], rtol=1e-4)


@pytest.mark.parametrize(
    "case", [c for c in GOLD["cases"] if c.get("kind") == "contrast"], ids=lambda c: c["r_call"]
)
def test_glm_contrast_matches_svycontrast(case):
    fit = svyglm(_design(case["design"]), case["formula"], case["family"])
    out = fit.contrast(case["expressions"]).set_index("term")
    names = list(case["expressions"])
    np.testing.assert_allclose(out.loc[names, "estimate"], case["estimate"], rtol=1e-8)
    np.testing.assert_allclose(out.loc[names, "se"], [case["se"][n] for n in names], rtol=1e-8)
    if case.get("linear_estimate") is not None:
        lin = fit.contrast(case["linear"]).iloc[0]
        assert lin["term"] == "1*ell + -1*meals"
        np.testing.assert_allclose(lin["estimate"], case["linear_estimate"], rtol=1e-8)
        np.testing.assert_allclose(lin["se"], case["linear_se"], rtol=1e-8)
    with pytest.raises(KeyError, match="no coefficient 'elll'"):
        fit.contrast({"elll": 1.0})
