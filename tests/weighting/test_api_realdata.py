"""R's api examples (../shared/realdata/rsurvey; skipped when absent): postStratify, rake,
calibrate (linear, bounded raking, logit), trimWeights and JK1/JKn replicates, against the
golden values written by tests/golden/weighting.R."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.weighting import Calibrate, PostStratify, Rake, TrimWeights
from survey.weighting.replicates import as_replicate
from tests.conftest import realdata_file
from tests.weighting import _helpers as H

pytestmark = pytest.mark.realdata
RTOL = 1e-8
POP_TYPES = pd.DataFrame({"stype": ["E", "H", "M"], "Freq": [4421, 755, 1018]})
POP_SCHWIDE = pd.DataFrame({"sch.wide": ["No", "Yes"], "Freq": [1072, 5122]})
POP_TOTALS = {"(Intercept)": 6194, "stypeH": 755, "stypeM": 1018, "api99": 3914069}


def _api():
    if "api" not in H.G:
        pytest.skip("golden file written without the api data")
    return H.G["api"]


def _clus1():
    # svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
    return Design(
        pd.read_csv(realdata_file("rsurvey/apiclus1.csv")), weight="pw", psu="dnum", fpc="fpc"
    )


def _strat():
    # svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
    return Design(
        pd.read_csv(realdata_file("rsurvey/apistrat.csv")), weight="pw", strata="stype", fpc="fpc"
    )


def _values(des):
    m = des.mean("api00")
    t = des.total("enroll")
    b = des.mean("api00", by="stype")
    return np.concatenate(
        [
            np.ravel(np.asarray(a, float))
            for a in (m["estimate"], m["se"], t["estimate"], t["se"], b["estimate"], b["se"])
        ]
    )


def _golden(case):
    keys = ["mean", "mean_se", "total", "total_se", "by_mean", "by_se"]
    return np.concatenate([np.ravel(np.asarray(case[k], float)) for k in keys])


CASES = {
    "poststratify": (_clus1, lambda: PostStratify("stype", POP_TYPES)),
    "rake": (_clus1, lambda: Rake([("stype", POP_TYPES), ("sch.wide", POP_SCHWIDE)])),
    "cal_linear": (_clus1, lambda: Calibrate(["stype", "api99"], POP_TOTALS)),
    "cal_raking_bounded": (
        _clus1,
        lambda: Calibrate(["stype", "api99"], POP_TOTALS, calfun="raking", bounds=(0.6, 1.6)),
    ),
    "cal_logit": (
        _clus1,
        lambda: Calibrate(["stype", "api99"], POP_TOTALS, calfun="logit", bounds=(0.7, 1.7)),
    ),
    "strat_poststratify": (_strat, lambda: PostStratify("stype", POP_TYPES)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_api_weighting_matches_r(case):
    api = _api()
    make_design, make_step = CASES[case]
    d = make_design()
    new = make_step().fit_transform(d)
    np.testing.assert_allclose(new.weights, api[case]["weights"], rtol=RTOL)
    np.testing.assert_allclose(_values(new), _golden(api[case]), rtol=RTOL)


def test_api_trim_calibrated_matches_r():
    # trimWeights(calibrate(dclus1, ~stype + api99, pop.totals), lower = 30, upper = 36)
    api = _api()
    cal = Calibrate(["stype", "api99"], POP_TOTALS).fit_transform(_clus1())
    new = TrimWeights(upper=36, lower=30).fit_transform(cal)
    np.testing.assert_allclose(new.weights, api["trim_calibrated"]["weights"], rtol=RTOL)
    np.testing.assert_allclose(_values(new), _golden(api["trim_calibrated"]), rtol=RTOL)


def test_api_jk1_with_fpc_matches_r():
    # as.svrepdesign(dclus1, type = "JK1"): scale = f (n-1)/n with the FPC
    api = _api()
    rep = as_replicate(_clus1(), "JK1")
    assert rep.scale == pytest.approx(api["jk1"]["scale"], rel=1e-12)
    np.testing.assert_allclose(_values(rep), _golden(api["jk1"]), rtol=RTOL)


def test_api_jkn_with_fpc_matches_r():
    # as.svrepdesign(dstrat, type = "JKn"): rscales = f_h (n_h - 1)/n_h
    api = _api()
    rep = as_replicate(_strat(), "JKn")
    np.testing.assert_allclose(rep.rscales, api["strat_jkn"]["rscales"], rtol=1e-12)
    np.testing.assert_allclose(_values(rep), _golden(api["strat_jkn"]), rtol=RTOL)
