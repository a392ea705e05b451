"""svyglm(family="poisson" / "quasipoisson"), with and without an exposure offset, against
R's survey 4.1.1 at R's default glm.control (tests/golden/svyglm_count.R ->
svyglm_count.json): Taylor designs from ?svyglm (dstrat, dclus2) and their replicate designs
(as.svrepdesign: JKn and JK1), a response with NAs. Coefficients and SEs to 1e-8 relative.
R's api data: skips without ../shared/realdata."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.compare import svyglm
from survey.weighting.replicates import as_replicate
from tests.conftest import load_golden, realdata_file

GOLD = load_golden("svyglm_count")


@functools.lru_cache(maxsize=4)
def _api(name: str) -> pd.DataFrame:
    return pd.read_csv(realdata_file(f"rsurvey/{name}.csv"), dtype={"cds": str})


DESIGNS = {
    "dstrat": lambda: Design(_api("apistrat"), weight="pw", strata="stype", fpc="fpc"),
    "dclus2": lambda: Design(_api("apiclus2"), weight="pw", psu=["dnum", "snum"]),
    "rstrat": lambda: as_replicate(DESIGNS["dstrat"](), "JKn"),
    "rclus2": lambda: as_replicate(DESIGNS["dclus2"](), "JK1"),
}


@pytest.mark.parametrize("case", GOLD["cases"], ids=lambda c: c["r_call"])
def test_count_glm_matches_r(case):
    des = DESIGNS[case["design"]]()
    off = None
    if case.get("offset"):
        off = np.log(des.data[case["offset"]].to_numpy(dtype=float))
    fit = svyglm(des, case["formula"].replace("stype", "factor(stype)"), case["family"], offset=off)
    np.testing.assert_allclose(fit.coef.to_numpy(), case["coef"], rtol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov.to_numpy())), case["se"], rtol=1e-8)
    assert fit.df_residual == case["df_residual"]


def test_count_glm_bad_input():
    des = DESIGNS["dstrat"]()
    with pytest.raises(ValueError, match="must be >= 0"):
        svyglm(des, "y ~ ell", "poisson", extra={"y": -des.data["emer"].to_numpy(float)})
    with pytest.raises(ValueError, match="offset"):
        svyglm(des, "emer ~ ell", "poisson", offset=np.zeros(3))
    with pytest.raises(ValueError, match="count families"):
        svyglm(des, "emer ~ ell", "gaussian", offset=np.zeros(des.n))
