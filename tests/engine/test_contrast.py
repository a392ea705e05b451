"""Design.contrast / Design.covmat against R's svycontrast and vcov (tests/golden/svycontrast.R
-> svycontrast.json): R's ?svycontrast examples on dclus1 and on rclus1 = as.svrepdesign(dclus1)
(JK1), where R's default is the delta method with the replicate covariance and
``return.replicates=TRUE`` transforms the replicates (``method="replicates"``). Agreement to
1e-8 relative. R's api data: skips without ../shared/realdata."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.engine import estimate
from survey.engine.contrast import estimate_names
from survey.weighting.replicates import as_replicate
from tests.conftest import load_golden, realdata_file

GOLD = load_golden("svycontrast")
CONTRASTS = [c for c in GOLD["cases"] if c.get("kind") != "covmat"]
COVMATS = [c for c in GOLD["cases"] if c.get("kind") == "covmat"]


@functools.lru_cache(maxsize=2)
def _clus1() -> pd.DataFrame:
    d = pd.read_csv(realdata_file("rsurvey/apiclus1.csv"), dtype={"cds": str})
    # the columns R's formulas build (svymean(~log(api00) + I(api00^2), ...))
    return d.assign(
        **{
            "log(api00)": np.log(d["api00"]),
            "log(api99)": np.log(d["api99"]),
            "I(api00)": d["api00"].astype(float),
            "I(api00^2)": d["api00"].astype(float) ** 2,
            "I(api00^3)": d["api00"].astype(float) ** 3,
        }
    )


@functools.lru_cache(maxsize=2)
def _design(name: str):
    des = Design(_clus1(), weight="pw", psu="dnum", fpc="fpc")
    return des if name == "dclus1" else as_replicate(des, "JK1")


def _spec(case):
    out = {}
    for name, c in case["contrasts"].items():
        if "expression" in c:
            out[name] = c["expression"]
        elif "named" in c:
            out[name] = c["named"]
        else:
            out[name] = c["coefficients"]
    return out


@pytest.mark.parametrize("case", CONTRASTS, ids=lambda c: c["id"])
def test_contrast_matches_r(case):
    des = _design(case["design"])
    by = case["by"]
    es = estimate(des, case["statistic"], case["variables"], by=by)
    assert sorted(estimate_names(es)) == sorted(case["names"])  # R's coefficient names
    got = des.contrast(
        _spec(case), case["variables"], case["statistic"], by=by, method=case["method"]
    )
    want = pd.DataFrame(case["rows"])
    assert got["variable"].tolist() == want["variable"].tolist()
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-8)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-8)


def test_replicate_default_is_delta_method():
    """Geometric means on the JK1 design: the delta method (R's default) and the replicate
    transformation (R's return.replicates=TRUE) differ by about 1.3%."""
    case = {c["id"]: c for c in CONTRASTS}
    delta = pd.DataFrame(case["rclus1_geomean"]["rows"])["se"].to_numpy()
    reps = pd.DataFrame(case["rclus1_geomean_replicates"]["rows"])["se"].to_numpy()
    des = _design("rclus1")
    spec = {"api00": "exp(`log(api00)`)", "api99": "exp(`log(api99)`)"}
    vars_ = ["log(api00)", "log(api99)"]
    default = des.contrast(spec, vars_)
    np.testing.assert_allclose(default["se"], delta, rtol=1e-8)
    transformed = des.contrast(spec, vars_, method="replicates")
    np.testing.assert_allclose(transformed["se"], reps, rtol=1e-8)
    assert np.all(np.abs(reps / delta - 1) > 0.01)
    # the engine's transform follows the same default
    es = estimate(des, "mean", vars_)
    ex = es.transform(np.exp, lambda th: np.diag(np.exp(th)))
    np.testing.assert_allclose(np.sqrt(ex.variance()), delta, rtol=1e-8)


@pytest.mark.parametrize("case", COVMATS, ids=lambda c: c["id"])
def test_covmat_matches_r(case):
    des = _design(case["design"])
    got = des.covmat(case["variables"], case["statistic"], by=case["by"])
    names = case["names"]
    want = pd.DataFrame(np.array(case["vcov"], dtype=float), index=names, columns=names)
    assert got.index.tolist() == names  # R's names in R's order
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-8, atol=0)


def test_contrast_inputs():
    des = _design("dclus1")
    # a linear mapping next to an expression: the linear one stays exact (R would evaluate
    # c(api00=1, api99=-1) as an expression and report 1 with SE 0)
    both = des.contrast({"diff": {"api00": 1, "api99": -1}, "r": "api00/api99"}, ["api00", "api99"])
    alone = des.contrast({"diff": {"api00": 1, "api99": -1}}, ["api00", "api99"])
    np.testing.assert_allclose(both["estimate"].iloc[0], alone["estimate"].iloc[0], rtol=1e-12)
    np.testing.assert_allclose(both["se"].iloc[0], alone["se"].iloc[0], rtol=1e-10)
    # a callable of the named estimates equals the expression; ^ is R's power
    f = des.contrast(lambda v: v["api00"] / v["api99"], ["api00", "api99"])
    g = des.contrast("api00 * api99^-1", ["api00", "api99"])
    np.testing.assert_allclose(f["se"], both["se"].iloc[[1]], rtol=1e-10)
    np.testing.assert_allclose(g["se"], both["se"].iloc[[1]], rtol=1e-10)
    with pytest.raises(ValueError, match="no estimate named 'api01'"):
        des.contrast("api00/api01", ["api00", "api99"])
    with pytest.raises(ValueError, match="not allowed"):
        des.contrast("__import__('os')", ["api00", "api99"])
    with pytest.raises(ValueError, match="3 coefficients; there are 2"):
        des.contrast([1, 0, -1], ["api00", "api99"])
    # positional coefficients follow R's order of svyby estimates (domains of each item)
    names = des.covmat(["api00", "api99"], by="stype").index.tolist()
    assert names[:3] == ["E:api00", "H:api00", "M:api00"]
    pos = des.contrast({"d": [1, 0, 0, -1, 0, 0]}, ["api00", "api99"], by="stype")
    named = des.contrast({"d": {"E:api00": 1, "E:api99": -1}}, ["api00", "api99"], by="stype")
    np.testing.assert_allclose(pos["se"], named["se"], rtol=1e-12)
    with pytest.raises(ValueError, match="replicate design"):
        des.contrast("exp(api00)", ["api00"], method="replicates")
