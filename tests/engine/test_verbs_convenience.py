"""Convenience verbs against R (tests/golden/verbs_convenience.R -> verbs_convenience.json):
mean/total of a numeric and a categorical variable in one call (svytotal(~api00 + stype)),
R's cross product of ratios (svyratio(~api00 + api99, ~enroll + api.stu)), weighted tables
(svytable with Ntotal, round and per-stratum Ntotal) and the share of a 0/1 item (category 1).
Taylor (dclus1, dstrat) and JK1 replicate (rclus1) designs; 1e-8 relative. R's api data:
skips without ../shared/realdata."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.engine.estimators import EstimationError
from survey.weighting.replicates import as_replicate
from tests.conftest import load_golden, realdata_file

GOLD = load_golden("verbs_convenience")


def _cases(kind):
    return [c for c in GOLD["cases"] if c["kind"] == kind]


@functools.lru_cache(maxsize=4)
def _api(name: str) -> pd.DataFrame:
    d = pd.read_csv(realdata_file(f"rsurvey/{name}.csv"), dtype={"cds": str})
    return d.assign(yes=(d["sch.wide"] == "Yes").astype(float))


@functools.lru_cache(maxsize=4)
def _design(name: str):
    if name == "dstrat":
        return Design(_api("apistrat"), weight="pw", strata="stype", fpc="fpc")
    des = Design(_api("apiclus1"), weight="pw", psu="dnum", fpc="fpc")
    return des if name == "dclus1" else as_replicate(des, "JK1")


def _names(frame: pd.DataFrame) -> list[str]:
    return [
        str(v) if pd.isna(c) else f"{v}{c}"
        for v, c in zip(frame["variable"], frame["category"], strict=True)
    ]


@pytest.mark.parametrize("case", _cases("mixed"), ids=lambda c: c["r_call"])
def test_numeric_and_categorical_in_one_call(case):
    des = _design(case["design"])
    verb = getattr(des, case["statistic"])
    out = verb(case["variables"], na=case["na"])
    want = pd.DataFrame(case["rows"])
    assert _names(out) == want["name"].tolist()  # R's order: api00, stypeE, stypeH, stypeM
    np.testing.assert_allclose(out["estimate"], want["estimate"], rtol=1e-8)
    np.testing.assert_allclose(out["se"], want["se"], rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("case", _cases("ratio"), ids=lambda c: c["r_call"])
def test_ratio_cross_product(case):
    des = _design(case["design"])
    out = des.ratio(case["numerator"], case["denominator"], cross=case["cross"])
    want = pd.DataFrame(case["rows"])
    assert out["variable"].tolist() == want["name"].tolist()
    np.testing.assert_allclose(out["estimate"], want["estimate"], rtol=1e-8)
    np.testing.assert_allclose(out["se"], want["se"], rtol=1e-8)


def test_ratio_pairing_rules():
    des = _design("dclus1")
    cross = des.ratio(["api00", "api99"], ["enroll", "api.stu"], cross=True).set_index("variable")
    # equal-length lists pair up in order; a numerator may repeat (was "must pair up")
    paired = des.ratio(["api00", "api99"], ["enroll", "api.stu"])
    assert paired["variable"].tolist() == ["api00/enroll", "api99/api.stu"]
    rep = des.ratio(["api00", "api00"], ["enroll", "api.stu"]).set_index("variable")
    assert rep.index.tolist() == ["api00/enroll", "api00/api.stu"]
    np.testing.assert_allclose(rep["se"], cross.loc[rep.index, "se"], rtol=1e-12)
    with pytest.raises(EstimationError, match="cross=True"):
        des.ratio(["api00", "api99"], ["enroll", "api.stu", "full"])


@pytest.mark.parametrize("case", _cases("prop01"), ids=lambda c: c["r_call"])
def test_prop_of_01_item_has_its_category(case):
    des = _design(case["design"])
    out = des.prop(case["variable"])
    want = case["rows"][0]
    assert len(out) == 1 and out["category"].iloc[0] == 1
    np.testing.assert_allclose(
        out[["estimate", "se", "ci_low", "ci_high"]].iloc[0].to_numpy(dtype=float),
        [want["estimate"], want["se"], want["ci_low"], want["ci_high"]],
        rtol=1e-8,
    )


@pytest.mark.parametrize("case", _cases("table"), ids=lambda c: c["r_call"])
def test_table_matches_svytable(case):
    des = _design(case["design"])
    out = des.table(case["variables"], ntotal=case["ntotal"], round=case["round"])
    want = pd.DataFrame(case["rows"])
    keys = case["variables"]
    got = want[keys].merge(out, on=keys, how="left")
    assert len(out) == len(want)
    np.testing.assert_allclose(got["n_weighted"], want["n_weighted"], rtol=1e-10)


def test_table_bad_input():
    des = _design("dclus1")
    with pytest.raises(ValueError, match="stypee"):
        des.table("stypee")
    with pytest.raises(ValueError, match="no total for stratum 'M'"):
        _design("dstrat").table("sch.wide", ntotal={"E": 1.0, "H": 2.0})


@pytest.mark.parametrize("case", _cases("mixed_by"), ids=lambda c: c["r_call"])
def test_numeric_and_categorical_by_domain(case):
    from survey.engine import estimate
    from survey.engine.contrast import estimate_names

    des = _design(case["design"])
    es = estimate(des, case["statistic"], case["variables"], by=case["by"])
    out = es.to_frame()
    out.index = estimate_names(es)  # R's svyby names: No:api00, ..., Yes:stypeM
    want = pd.DataFrame(case["rows"]).set_index("name")
    got = out.loc[want.index]
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-8)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-8)
    # the verb gives the same rows
    verb = des.mean(case["variables"], by=case["by"])
    np.testing.assert_allclose(verb["se"].to_numpy(), out["se"].to_numpy(), rtol=1e-12)
