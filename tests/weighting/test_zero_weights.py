"""Calibration after a nonresponse adjustment: nonrespondents keep weight 0 and must drop out
of the linearisation (R's svyrecvar gives NaN there for raking and calibrate).

Expected values: tests/weighting/golden/zero_weights.R (R survey 4.1), the same raking /
calibration done on the respondents only; postStratify is R's own computation on the design
holding the zeros.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey._paths import data_dir
from survey.weighting import Calibrate, NonresponseAdjustment, PostStratify, Rake
from survey.weighting.spec import load_spec, run_spec
from tests.conftest import GOLDEN

G = json.loads((Path(__file__).parent / "golden" / "zero_weights.json").read_text())
FILES = {
    "golden_sample": GOLDEN / "weighting_sample.csv",
    "example_sample": data_dir("weights") / "example_sample.csv",
}
POP = pd.read_csv(data_dir("weights") / "example_population.csv")
VARS = ["sex", "age_group", "region"]


def _margin(var):
    return (
        POP.groupby(var, as_index=False)["population"].sum().rename(columns={"population": "Freq"})
    )


def _nonresponse_design(key):
    data = pd.read_csv(FILES[key])
    des = Design(data, weight="w", strata="stratum", psu="psu", nest=True)
    return data, NonresponseAdjustment("resp", classes=["region"]).fit_transform(des)


def _values(des):
    m = des.mean(["y", "v"])
    t = des.total("y")
    b = des.mean("y", by="region")
    return {
        "mean": m["estimate"].to_numpy(),
        "mean_se": m["se"].to_numpy(),
        "total": t["estimate"].to_numpy(),
        "total_se": t["se"].to_numpy(),
        "by_mean": b["estimate"].to_numpy(),
        "by_se": b["se"].to_numpy(),
    }


def _check(des, case, weights, resp):
    np.testing.assert_allclose(weights[resp], case["weights"], rtol=1e-9)
    assert (weights[~resp] == 0).all()
    got = _values(des)
    for key, val in got.items():
        assert np.isfinite(val).all(), key
        np.testing.assert_allclose(val, np.ravel(case[key]), rtol=1e-7, err_msg=key)


@pytest.fixture(autouse=True)
def _no_invalid_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@pytest.mark.parametrize("key", list(FILES))
def test_raking_after_nonresponse_equals_raking_of_respondents(key):
    data, nr = _nonresponse_design(key)
    raked = Rake(
        [([v], _margin(v)) for v in VARS], max_iter=50, epsilon=1e-6, on_nonconvergence="error"
    ).fit_transform(nr)
    assert G[key]["rake_full_design_se"] == "NaN"  # what R itself gives on this design
    _check(raked, G[key]["rake_respondents"], raked.weights, data["resp"].to_numpy() == 1)


def test_golden_sample_values_in_plain_numbers():
    # R, respondents only: svymean(~y, rake(...)) = 14.2755 (SE 0.22534) on
    # tests/golden/weighting_sample.csv
    _, nr = _nonresponse_design("golden_sample")
    raked = Rake([([v], _margin(v)) for v in VARS], max_iter=50, epsilon=1e-6).fit_transform(nr)
    m = raked.mean("y")
    assert m["estimate"].iloc[0] == pytest.approx(14.27551206, abs=1e-8)
    assert m["se"].iloc[0] == pytest.approx(0.22534032, abs=1e-8)


@pytest.mark.parametrize("key", list(FILES))
@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("calibrate_respondents", {"calfun": "raking", "bounds": (0.4, 2.5)}),
        ("greg_respondents", {}),
    ],
)
def test_calibration_after_nonresponse_equals_calibration_of_respondents(key, case, kwargs):
    data, nr = _nonresponse_design(key)
    cal = Calibrate(VARS, {v: _margin(v) for v in VARS}, **kwargs).fit_transform(nr)
    _check(cal, G[key][case], cal.weights, data["resp"].to_numpy() == 1)


@pytest.mark.parametrize("key", list(FILES))
def test_poststratify_keeps_r_zero_handling(key):
    data, nr = _nonresponse_design(key)
    ps = PostStratify("sex", _margin("sex")).fit_transform(nr)
    case = G[key]["poststratify_full"]
    np.testing.assert_allclose(ps.weights, case["weights"], rtol=1e-9)
    got = _values(ps)
    for k, val in got.items():
        np.testing.assert_allclose(val, np.ravel(case[k]), rtol=1e-7, err_msg=k)


def test_spec_with_nonresponse_rake_and_trim_has_finite_se():
    data = pd.read_csv(FILES["golden_sample"])
    m = run_spec("example", data).design.mean("y")
    assert np.isfinite(m["se"]).all() and m["se"].iloc[0] > 0


def test_jkn_replicates_carry_nonresponse_and_raking(tmp_path):
    """R: nonresponse redone in every JKn replicate, then rake() of the replicate design."""
    spec = load_spec("example")
    spec.steps = spec.steps[:2]  # nonresponse + rake (R's trimWeights is not replayed here)
    data = pd.read_csv(FILES["example_sample"])
    res = run_spec(spec, data, replicates="JKn")
    case = G["jkn_nonresponse_rake"]
    assert res.replicate_info["scale"] == pytest.approx(case["scale"])
    np.testing.assert_allclose(res.replicate_info["rscales"], case["rscales"])
    got = _values(res.design)
    for k, val in got.items():
        np.testing.assert_allclose(val, np.ravel(case[k]), rtol=1e-7, err_msg=k)
