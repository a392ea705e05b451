"""What ``na=`` equals in R (issue 11): ``available`` is R's ``na.rm=TRUE`` called for each
variable on its own; ``listwise`` is R's ``na.rm=TRUE`` with the variables in ONE call (a row
missing any of them drops out of all). tests/golden/na_rules.R -> na_rules.json."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survey
from tests.conftest import REALDATA, load_golden

CASES = load_golden("na_rules")["cases"]
DESIGNS = {
    "apistrat": dict(weight="pw", strata="stype", fpc="fpc"),
    "apiclus1": dict(weight="pw", psu="dnum", fpc="fpc"),
}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_available_is_per_variable_and_listwise_is_one_r_call(case):
    path = REALDATA / "rsurvey" / f"{case['id']}.csv"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    des = survey.Design(pd.read_csv(path), **DESIGNS[case["id"]])
    for na in ("available", "listwise"):
        res = des.mean(["api00", "acs.k3"], na=na)
        np.testing.assert_allclose(res["estimate"], case[na], rtol=1e-10)
        np.testing.assert_allclose(res["se"], case[f"{na}_se"], rtol=1e-8)
