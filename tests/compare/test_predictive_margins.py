"""Predictive margins (compare.predictive_margins, compare.did_margins) against R's
``svypredmeans`` (tests/golden/eventstudy.R -> eventstudy.json): the examples of
?svypredmeans (nhanes, quasibinomial, by race; apistrat, linear, at enroll = 100 ... 3000)
and a covariate-adjusted DiD on the known-truth panel (waves 3 and 4, adjusted for age and
tenure, logistic and linear), whose DiD is ``svycontrast`` of the four margins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survey
from survey import compare
from tests.conftest import GOLDEN, REALDATA, load_golden

CASES = {c["id"]: c for c in load_golden("eventstudy")["cases"] if c["kind"] == "predmeans"}
RTOL = 1e-8


def _read(name):
    path = REALDATA / name
    if not path.exists():
        pytest.skip(f"{path} is not present")
    return pd.read_csv(path)


def _check(m, case, order):
    """``order``: the R level names in the order of ``m.levels``."""
    pos = [case["levels"].index(r) for r in order]
    est = np.array(case["estimate"])[pos]
    V = np.array(case["vcov"])[np.ix_(pos, pos)]
    np.testing.assert_allclose(m.estimate, est, rtol=RTOL)
    np.testing.assert_allclose(m.vcov.to_numpy(), V, rtol=RTOL)
    np.testing.assert_allclose(m.addvar, np.array(case["addvar"])[np.ix_(pos, pos)], rtol=RTOL)
    np.testing.assert_allclose(m.condvar, np.array(case["condvar"])[np.ix_(pos, pos)], rtol=RTOL)
    np.testing.assert_allclose(m.se, np.array(case["se"])[pos], rtol=RTOL)


def test_nhanes_margins_by_race():
    """?svypredmeans: svypredmeans(svyglm(HI_CHOL ~ agecat + RIAGENDR, nhanes_design,
    family = quasibinomial), ~factor(race))."""
    case = CASES["pm_nhanes_race"]
    d = _read(case["data"])
    des = survey.Design(d, "WTMEC2YR", "SDMVSTRA", "SDMVPSU", nest=True)
    m = compare.predictive_margins(
        des, "HI_CHOL ~ agecat + RIAGENDR", "factor(race)", "quasibinomial"
    )
    assert m.levels == [1, 2, 3, 4]
    _check(m, case, ["1", "2", "3", "4"])
    f = m.to_frame()
    assert list(f["race"]) == [1, 2, 3, 4]
    assert f["estimate"].to_numpy() == pytest.approx(m.estimate)


def test_apistrat_margins_at_enrolment_values():
    """?svypredmeans: svypredmeans(svyglm(api00 ~ mobility + ell + hsg + meals, dstrat),
    ~enroll, predictat = c(100, 300, 1000, 3000)) (enroll numeric: modelled linearly)."""
    case = CASES["pm_apistrat_enroll"]
    d = _read(case["data"])
    des = survey.Design(d, "pw", "stype", fpc="fpc")
    m = compare.predictive_margins(
        des, "api00 ~ mobility + ell + hsg + meals", "enroll", at=[100, 300, 1000, 3000]
    )
    _check(m, case, ["100", "300", "1000", "3000"])
    with pytest.raises(ValueError, match="at="):
        compare.predictive_margins(des, "api00 ~ mobility", "enroll")


@pytest.mark.parametrize("family", ["quasibinomial", "gaussian"])
def test_did_margins_equal_r(family):
    """svypredmeans(svyglm(victim ~ age + factor(tenure), subset(dp, wave %in% c(3, 4)),
    family), ~interaction(treated, post)) and svycontrast of the DiD."""
    case = CASES[f"pm_did_panel_{family}"]
    d = pd.read_csv(GOLDEN / "eventstudy_panel.csv")
    des = survey.Design(d, "weight", "stratum", ["psu", "hh_id"], ["fpc_psu", "fpc_hh"])
    frame, m = compare.did_margins(
        des, "victim", "area", "wave", ["age", "factor(tenure)"], treated=1, pre=3, post=4,
        family=family,
    )  # fmt: skip
    # R's interaction(treated, post) levels: "0.0" control pre ... "1.1" treated post
    _check(m, case, ["0.0", "0.1", "1.0", "1.1"])
    did = frame.set_index("term").loc["did"]
    assert did["estimate"] == pytest.approx(case["did"], rel=RTOL)
    assert did["se"] == pytest.approx(case["did_se"], rel=RTOL)
    assert did["df"] == m.fit.df_residual
    if family == "gaussian":  # linear: the margins' DiD is the model's interaction
        reg, _ = compare.did_regression(
            des, "victim", "area", "wave", ["age", "factor(tenure)"], treated=1, pre=3, post=4
        )
        inter = reg.set_index("term").loc["treated:post", "estimate"]
        assert inter == pytest.approx(case["interaction"], rel=RTOL)
        assert did["estimate"] == pytest.approx(inter, rel=1e-10)


def test_without_covariates_the_margins_are_the_did():
    """Identity link, no covariates: the margins are the four cell means and their DiD is
    compare.did's, estimate and SE (the predictions are constant within the design, so the
    design part of R's variance is zero and the model part is the saturated model's)."""
    d = pd.read_csv(GOLDEN / "eventstudy_panel.csv")
    des = survey.Design(d, "weight", "stratum", ["psu", "hh_id"], ["fpc_psu", "fpc_hh"])
    frame, m = compare.did_margins(des, "victim", "area", "wave", treated=1, pre=3, post=4)
    with pytest.warns(UserWarning, match="domains in few strata"):
        cells = des.mean("victim", by=["area", "wave"])
    means = cells.set_index(["area", "wave"])["estimate"]
    np.testing.assert_allclose(
        m.estimate, [means[(2, 3)], means[(2, 4)], means[(1, 3)], means[(1, 4)]], rtol=1e-12
    )
    with pytest.warns(UserWarning, match="domains in few strata"):
        dd = compare.did(des, "victim", "area", "wave", treated=1, pre=3, post=4).iloc[0]
    row = frame.set_index("term").loc["did"]
    assert row["estimate"] == pytest.approx(dd["estimate"], abs=1e-14)
    assert row["se"] == pytest.approx(dd["se"], rel=1e-10)
    assert np.abs(m.condvar).max() < 1e-20


def test_replicate_design_margins():
    """JKn replicate weights (R's svypredmeans fails on replicate designs in survey 4.1.1, so
    no R value): the margins are the Taylor design's, the SEs the replicate ones, close to
    the linearised SEs (within 5% here); df: the replicate design's degf + 1 - p."""
    from survey.weighting import as_replicate

    d = _read("rsurvey/apistrat.csv")
    des = survey.Design(d, "pw", "stype")
    rep = as_replicate(des, "JKn")
    a = compare.predictive_margins(des, "api00 ~ ell + meals", "factor(awards)")
    b = compare.predictive_margins(rep, "api00 ~ ell + meals", "factor(awards)")
    assert a.levels == b.levels == ["No", "Yes"]
    np.testing.assert_allclose(b.estimate, a.estimate, rtol=1e-12)
    np.testing.assert_allclose(b.se, a.se, rtol=0.05)
    assert not np.allclose(b.se, a.se, rtol=1e-6)
    assert b.df == rep.degf + 1 - 4


def test_did_margins_are_the_margins_of_did_regression():
    """The margins come from the same adjusted model as did_regression (treated * post +
    covariates spans the same columns as the four cells + covariates): averaging the
    logistic did_regression's predictions with every row set to each cell gives them (to
    1e-7: the two parametrisations each stop where R's glm.control stops)."""
    d = pd.read_csv(GOLDEN / "eventstudy_panel.csv")
    des = survey.Design(d, "weight", "stratum", ["psu", "hh_id"], ["fpc_psu", "fpc_hh"])
    kw = dict(treated=1, pre=3, post=4, family="quasibinomial")
    covs = ["age", "factor(tenure)"]
    _, fit = compare.did_regression(des, "victim", "area", "wave", covs, **kw)
    _, m = compare.did_margins(des, "victim", "area", "wave", covs, **kw)
    b = fit.coef
    rows = d["wave"].isin([3, 4]).to_numpy()
    w = d["weight"].to_numpy()[rows]
    base = b["(Intercept)"] + b["age"] * d["age"] + b["factor(tenure)2"] * (d["tenure"] == 2)
    base = base.to_numpy()[rows]
    for level, (t, p) in zip(m.levels, [(0, 0), (0, 1), (1, 0), (1, 1)], strict=True):
        eta = base + b["treated"] * t + b["post"] * p + b["treated:post"] * t * p
        assert m.estimate[m.levels.index(level)] == pytest.approx(
            np.average(1 / (1 + np.exp(-eta)), weights=w), rel=1e-7
        )
