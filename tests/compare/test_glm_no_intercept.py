"""svyglm without an intercept keeps every level of the first factor, as R's model.matrix
(tests/golden/compare_noint.R -> compare_noint.json; R's call quoted in each case)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.compare import svyglm
from tests.conftest import REALDATA, load_golden

GOLD = load_golden("compare_noint")
DESIGNS = GOLD["header"]["designs"]


def _design(name: str) -> Design:
    spec = DESIGNS[name]
    path = REALDATA / "rsurvey" / spec["data"].split(":")[1]
    if not path.exists():
        pytest.skip(f"{path} is not present")
    frame = pd.read_csv(path, dtype={"cds": str})
    return Design(
        frame, weight=spec["weight"], strata=spec["strata"], psu=spec["psu"], fpc=spec["fpc"]
    )


@pytest.mark.parametrize("case", GOLD["cases"], ids=[c["id"] for c in GOLD["cases"]])
def test_no_intercept_models_match_r(case):
    fit = svyglm(_design(case["design"]), case["formula"], case["family"])
    assert list(fit.coef.index) == case["terms"], case["r_call"]
    np.testing.assert_allclose(fit.coef.to_numpy(), case["coef"], rtol=1e-8)
    np.testing.assert_allclose(fit.vcov.to_numpy(), case["vcov"], rtol=1e-8, atol=1e-12)
    assert fit.df_residual == case["df_residual"]
    np.testing.assert_allclose(
        fit.to_frame()[["ci_low", "ci_high"]].to_numpy(), case["ci"], rtol=1e-8
    )
