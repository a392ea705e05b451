"""svyranktest (Wilcoxon, van der Waerden, median; two groups) against R's survey 4.1.1
(tests/golden/svyranktest.R -> svyranktest.json): ?svyranktest's example
svyranktest(ell ~ comp.imp, dclus1), a stratified design and an outcome with NAs (acs.k3).
Estimate, t, df and p-value to 1e-8 relative. R's api data: skips without ../shared/realdata."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.compare.ranktest import svyranktest
from tests.conftest import load_golden, realdata_file

GOLD = load_golden("svyranktest")


@functools.lru_cache(maxsize=4)
def _api(name: str) -> pd.DataFrame:
    return pd.read_csv(realdata_file(f"rsurvey/{name}.csv"), dtype={"cds": str})


DESIGNS = {
    "dclus1": lambda: Design(_api("apiclus1"), weight="pw", psu="dnum", fpc="fpc"),
    "dstrat": lambda: Design(_api("apistrat"), weight="pw", strata="stype", fpc="fpc"),
}


@pytest.mark.parametrize("case", GOLD["cases"], ids=lambda c: c["r_call"])
def test_ranktest_matches_r(case):
    out = svyranktest(DESIGNS[case["design"]](), case["variable"], case["group"], case["test"])
    row = out.iloc[0]
    keys = ("chisq", "ndf", "df", "p_value") if "chisq" in case else ("estimate", "t", "df")
    for key in (*keys, "p_value"):
        np.testing.assert_allclose(row[key], case[key], rtol=1e-8, err_msg=key)


def test_ranktest_bad_input():
    des = DESIGNS["dclus1"]()
    one = Design(des.data.assign(one=1), weight="pw", psu="dnum", fpc="fpc")
    with pytest.raises(ValueError, match="at least two"):
        svyranktest(one, "ell", "one")
    with pytest.raises(ValueError, match="test="):
        svyranktest(des, "ell", "comp.imp", "kruskal")
