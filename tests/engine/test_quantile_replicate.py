"""quantile(ci="quantile") on replicate designs against R's svyquantile(interval.type =
"quantile") (tests/golden/svyquantile_rep.R -> svyquantile_rep.json), to 1e-8. R's api data:
skips without ../shared/realdata."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.weighting.replicates import as_replicate
from tests.conftest import load_golden, realdata_file

GOLD = load_golden("svyquantile_rep")


def _design(name):
    api = lambda f: pd.read_csv(realdata_file(f"rsurvey/{f}.csv"), dtype={"cds": str})  # noqa: E731
    if name == "rclus1":
        return as_replicate(Design(api("apiclus1"), weight="pw", psu="dnum", fpc="fpc"), "JK1")
    return as_replicate(Design(api("apistrat"), weight="pw", strata="stype", fpc="fpc"), "JKn")


@pytest.mark.parametrize("case", GOLD["cases"], ids=lambda c: c["r_call"])
def test_replicate_quantile_interval(case):
    out = _design(case["design"]).quantile(case["variable"], q=case["q"], ci="quantile")
    for key in ("estimate", "se", "ci_low", "ci_high"):
        want = case[key]
        want = list(want.values()) if isinstance(want, dict) else want
        np.testing.assert_allclose(out[key], want, rtol=1e-8, err_msg=key)


def test_quantile_ci_needs_replicates():
    d = pd.read_csv(realdata_file("rsurvey/apiclus1.csv"))
    with pytest.raises(ValueError, match="replicate design"):
        Design(d, weight="pw", psu="dnum").quantile("api00", ci="quantile")
