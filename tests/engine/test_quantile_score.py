"""svyquantile(interval.type = "score") against R's survey 4.1.1
(tests/golden/svyquantile_score.R -> svyquantile_score.json): ?svyquantile's designs
(dclus1, dstrat), qrule math/hf7/hf8, df = Inf, NAs and domains. Limits, estimate and SE to
1e-8 relative. R's api data: skips without ../shared/realdata."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from survey import Design
from tests.conftest import load_golden, realdata_file

GOLD = load_golden("svyquantile_score")


@functools.lru_cache(maxsize=4)
def _api(name: str) -> pd.DataFrame:
    return pd.read_csv(realdata_file(f"rsurvey/{name}.csv"), dtype={"cds": str})


DESIGNS = {
    "dclus1": lambda: Design(_api("apiclus1"), weight="pw", psu="dnum", fpc="fpc"),
    "dstrat": lambda: Design(_api("apistrat"), weight="pw", strata="stype", fpc="fpc"),
}


@pytest.mark.parametrize("case", GOLD["cases"], ids=lambda c: c["id"])
def test_score_interval_matches_r(case):
    des = DESIGNS[case["design"]]()
    df = np.inf if case["df"] == "Inf" else "domain"
    out = des.quantile(
        case["variable"],
        by=case["by"] or None,
        q=case["quantiles"],
        ci="score",
        df=df,
        qrule=case["qrule"],
    )
    assert out.attrs["ci_method"] == "score"
    assert len(out) == len(case["rows"])
    for (_, got), want in zip(out.iterrows(), case["rows"], strict=True):
        for by, value in want.get("by", {}).items():
            assert got[by] == value
        assert float(got["category"]) == want["quantile"]
        for key in ("estimate", "ci_low", "ci_high", "se"):
            np.testing.assert_allclose(got[key], want[key], rtol=1e-8, atol=1e-12, err_msg=key)


def test_score_needs_taylor_design():
    from survey.weighting import as_replicate

    rep = as_replicate(DESIGNS["dclus1"](), "JK1")
    with pytest.raises(ValueError, match="score"):
        rep.quantile("api00", ci="score")
