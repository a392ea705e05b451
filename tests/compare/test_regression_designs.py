"""svyglm and svyttest on calibrated and replicate-weight designs against R's survey 4.1.1
(tests/golden/regression_designs.R -> regression_designs.json).

Each case quotes the R call (``r_call``; the design calls are in the JSON header). Numbers
agree to 1e-8 relative. Synthetic cases (golden:regression_designs.csv, 8 strata x 2 PSUs, NAs
in the response) always run; cases on R's api data read ../shared/realdata/rsurvey and skip
without it.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.compare import did_regression, svyglm, svyttest
from survey.engine import estimate
from survey.engine.calibrate_variance import residualize_rows
from survey.engine.regression import replicate_coefficients, vcov_from_row_influence
from survey.weighting import Calibrate, PostStratify, Rake
from survey.weighting.replicates import as_replicate
from tests.conftest import GOLDEN, load_golden, realdata_file

GOLD = load_golden("regression_designs")
HEADER = GOLD["header"]
CASES = GOLD["cases"]
RTOL = 1e-8
# R's binomial fits use control = TIGHT (epsilon = 1e-15); the replicate refits inherit it
TIGHT = {"epsilon": 1e-15, "maxit": 100}


def close(a, b, rtol=RTOL, atol=1e-13):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol, atol)


def _pop(key: str) -> pd.DataFrame:
    return pd.DataFrame(HEADER[key])


@functools.lru_cache(maxsize=2)
def _synth() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "regression_designs.csv")


@functools.lru_cache(maxsize=4)
def _api(name: str) -> pd.DataFrame:
    frame = pd.read_csv(realdata_file(f"rsurvey/{name}.csv"), dtype={"cds": str})
    frame["schwide"] = (frame["sch.wide"] == "Yes").astype(float)
    return frame


def _sy() -> Design:
    # svydesign(id = ~psu, strata = ~stratum, weights = ~w, data = sy)
    return Design(_synth(), weight="w", strata="stratum", psu="psu")


def _clus1() -> Design:
    # svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
    return Design(_api("apiclus1"), weight="pw", psu="dnum", fpc="fpc")


def _strat() -> Design:
    # svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
    return Design(_api("apistrat"), weight="pw", strata="stype", fpc="fpc")


POP_TYPES = pd.DataFrame({"stype": ["E", "H", "M"], "Freq": [4421, 755, 1018]})
POP_SCHWIDE = pd.DataFrame({"sch.wide": ["No", "Yes"], "Freq": [1072, 5122]})

DESIGNS = {
    "synth_ps": lambda: PostStratify("region", _pop("pop_region")).fit_transform(_sy()),
    "synth_rake": lambda: Rake(
        [("region", _pop("pop_region")), ("sex", _pop("pop_sex"))]
    ).fit_transform(_sy()),
    "synth_cal": lambda: Calibrate(["region", "x"], HEADER["cal_totals"]).fit_transform(_sy()),
    "synth_brr": lambda: as_replicate(_sy(), "BRR"),
    "synth_jkn": lambda: as_replicate(_sy(), "JKn"),
    "synth_jkn_ps": lambda: PostStratify("region", _pop("pop_region")).fit_transform(
        as_replicate(_sy(), "JKn")
    ),
    "synth_fay_mse": lambda: as_replicate(_sy(), "Fay", rho=0.3, mse=True),
    "clus1_ps": lambda: PostStratify("stype", POP_TYPES).fit_transform(_clus1()),
    "clus1_rake": lambda: Rake([("stype", POP_TYPES), ("sch.wide", POP_SCHWIDE)]).fit_transform(
        _clus1()
    ),
    "clus1_cal": lambda: Calibrate(["stype", "enroll"], HEADER["api_totals"]).fit_transform(
        _clus1()
    ),
    "clus1_jk1": lambda: as_replicate(_clus1(), "JK1"),
    "strat_jkn": lambda: as_replicate(_strat(), "JKn"),
}


@functools.lru_cache(maxsize=16)
def design(name: str):
    return DESIGNS[name]()


def cases(kind):
    sel = [c for c in CASES if c["kind"] == kind]
    marks = [pytest.mark.realdata if c["data"] == "rsurvey" else () for c in sel]
    return pytest.mark.parametrize(
        "case", [pytest.param(c, id=c["id"], marks=m) for c, m in zip(sel, marks, strict=True)]
    )


def test_golden_covers_every_design_and_both_families():
    assert set(HEADER["designs"]) == set(DESIGNS)
    synth = {(c["design"], c["kind"], c.get("family")) for c in CASES if c["data"] == "synthetic"}
    assert len(synth) == 23  # 7 designs x (gaussian, quasibinomial, t-test) + 2 DiD


@cases("svyglm")
def test_svyglm_matches_r(case):
    kw = TIGHT if case["family"] != "gaussian" else {}
    fit = svyglm(design(case["design"]), case["formula"], case["family"], **kw)
    assert list(fit.coef.index) == case["terms"]
    close(fit.coef.to_numpy(), case["coef"])
    close(fit.vcov.to_numpy(), case["vcov"], atol=1e-15)
    assert fit.df_residual == case["df_residual"]
    tab = fit.to_frame()
    close(tab["se"], case["se"])
    close(tab["p_value"], case["p_value"])


@cases("svyttest")
def test_svyttest_matches_r(case):
    res = svyttest(design(case["design"]), case["variable"], case["group"]).iloc[0]
    close(res["estimate"], case["estimate"])
    close(res["se"], case["se"])
    close(res["t"], case["t"])
    assert res["df"] == case["df"]
    close(res["p_value"], case["p_value"])
    close([res["ci_low"], res["ci_high"]], case["ci"])


@cases("did")
def test_did_regression_matches_r(case):
    # did_regression(y, group = grp, wave = sex) is R's grpb:sexm of svyglm(y ~ grp * sex)
    tab, _ = did_regression(
        design(case["design"]), "y", group="grp", wave="sex", treated="b", pre="f", post="m"
    )
    row = tab.set_index("term").loc["treated:post"]
    close(row["estimate"], case["estimate"])
    close(row["se"], case["se"])
    close(row["p_value"], case["p_value"])
    assert row["df"] == case["df"]


# ---------------------------------------------------------------- hand-checkable properties


def test_residualize_rows_poststratification_is_cell_residual():
    # one post-stratification step: x - psw * (cell sum of x oldw/psw) / (cell sum of oldw)
    d = design("synth_ps")
    step = d.calibration[0]
    rng = np.random.default_rng(1)
    U = rng.normal(size=(d.n, 3))
    got = residualize_rows(d, U)
    codes = step.model
    oldw = step.g * step.h
    num = np.stack([np.bincount(codes, weights=U[:, k] * oldw / step.h) for k in range(3)], 1)
    expected = U - step.h[:, None] * (num / np.bincount(codes, weights=oldw)[:, None])[codes]
    close(got, expected, rtol=1e-12)
    # a constant influence per cell is explained completely by the post-strata
    # (in R's scaling: x = psw * c_cell)
    const = step.h[:, None] * np.array([1.0, -2.0, 0.5])[codes][:, None]
    close(residualize_rows(d, const), 0.0, atol=1e-9)


def test_residualize_rows_greg_removes_the_calibration_model():
    # GREG step: the influence w_i x_i of a calibration variable is fitted exactly, so its
    # total has zero variance after calibration (its total is fixed by the calibration)
    d = design("synth_cal")
    x = d.data["x"].to_numpy(float)
    U = (d.weights * x)[:, None]
    assert np.abs(residualize_rows(d, U)).max() < 1e-8 * np.abs(U).max()
    assert vcov_from_row_influence(d, U)[0, 0] < 1e-12 * vcov_from_row_influence(_sy(), U)[0, 0]


@pytest.mark.parametrize("name", ["synth_ps", "synth_rake", "synth_cal"])
def test_row_influence_variance_equals_engine_mean_variance_when_calibrated(name):
    # the dense row-level residualisation and the engine's aggregate one agree: the mean's
    # influence w (y - ybar) / sum(w) gives the variance of design.mean on the same design
    d = design(name)
    w, x = d.weights, d.data["x"].to_numpy(float)
    U = (w * (x - (w * x).sum() / w.sum()) / w.sum())[:, None]
    V = vcov_from_row_influence(d, U)
    close(V[0, 0], estimate(d, "mean", "x").variance()[0], rtol=1e-11)


def test_uncalibrated_design_is_unchanged():
    d = _sy()
    U = np.arange(2 * d.n, dtype=float).reshape(d.n, 2)
    assert residualize_rows(d, U) is not U
    np.testing.assert_array_equal(residualize_rows(d, U), U)


def test_replicate_coefficients_equal_separate_fits():
    # each replicate's coefficients are the weighted fit with that replicate's weights:
    # gaussian = weighted least squares, binomial = the root of the weighted score equations
    d = design("synth_jkn")
    data = d.data
    X = np.column_stack([np.ones(d.n), data["x"], (data["grp"] == "b") * 1.0])
    rows = data["y"].notna().to_numpy()
    y = data["y"].fillna(0).to_numpy(float)
    beta = np.linalg.lstsq(
        X[rows] * np.sqrt(d.weights[rows, None]), y[rows] * np.sqrt(d.weights[rows]), rcond=None
    )[0]
    reps = replicate_coefficients(d, X, y, "gaussian", beta, rows)
    rw = d.repweights()
    for r in (0, 7, rw.shape[1] - 1):
        sw = np.sqrt(rw[rows, r])
        ref = np.linalg.lstsq(X[rows] * sw[:, None], y[rows] * sw, rcond=None)[0]
        close(reps[r], ref, rtol=1e-11)
    yb = data["yb"].to_numpy(float)
    fit = svyglm(_sy(), "yb ~ x + grp", "quasibinomial")
    repb = replicate_coefficients(
        d, X, yb, "quasibinomial", fit.coef.to_numpy(), epsilon=1e-14, maxit=100
    )
    for r in (0, 5):
        mu = 1 / (1 + np.exp(-X @ repb[r]))
        score = X.T @ (rw[:, r] * (yb - mu)) / rw[:, r].sum()
        assert np.abs(score).max() < 1e-12


def test_replicate_glm_default_control_is_close_to_converged():
    # R's default glm.control (epsilon 1e-8) stops the replicate refits slightly early
    d = design("synth_brr")
    loose = svyglm(d, "yb ~ x * grp + sex", "quasibinomial")
    tight = svyglm(d, "yb ~ x * grp + sex", "quasibinomial", **TIGHT)
    close(loose.se, tight.se, rtol=1e-5)


def test_rank_deficient_replicate_is_named():
    # a JK1 replicate that deletes the only PSU holding a category leaves its column empty
    frame = pd.DataFrame(
        {
            "psu": np.repeat(np.arange(6), 4),
            "w": 1.0 + np.arange(24) % 3,
            "y": np.sin(np.arange(24.0)),
            "rare": np.r_[np.ones(4), np.zeros(20)],
        }
    )
    d = as_replicate(Design(frame, weight="w", psu="psu"), "JK1")
    with pytest.raises(ValueError, match=r"replicate\(s\) \[1\]"):
        svyglm(d, "y ~ rare", "gaussian")


def test_supplied_replicate_columns_give_r_values_and_progress_bar_changes_nothing():
    # the JKn replicate weights written out as columns (svrepdesign(repweights = ...)): the
    # rows are the units; same R values as the design-built replicates
    from survey import ReplicateDesign

    case = next(c for c in CASES if c["id"] == "glm_synth_jkn_quasibinomial")
    built = design("synth_jkn")
    sup = ReplicateDesign(
        built.data,
        weight="w",
        repweights=built.repweights(),
        type="JKn",
        scale=built.scale,
        rscales=built.rscales,
    )
    fit = svyglm(sup, case["formula"], case["family"], progress=True, **TIGHT)
    close(fit.coef.to_numpy(), case["coef"])
    close(fit.vcov.to_numpy(), case["vcov"], atol=1e-15)
    assert fit.df_residual == case["df_residual"]
