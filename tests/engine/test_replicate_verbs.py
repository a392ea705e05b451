"""Verbs on a replicate design against R (tests/golden/replicate_verbs.R -> .json).

The JKn replicates are built by ``survey.weighting.replicates.as_replicate`` and equal R's
``as.svrepdesign(type = "JKn")`` (checked in tests/weighting). R's defaults for domains: the
df of ``svyciprop``/``svyquantile`` is ``degf`` of the domain subset (rank of its replicate
weights - 1); the logit interval comes from refitting ``svyglm(y ~ 1)`` per replicate.
"""

from __future__ import annotations

import pandas as pd
import pytest

from survey import Design
from survey.weighting.replicates import as_replicate
from tests.conftest import GOLDEN, load_golden

CASES = load_golden("replicate_verbs")["cases"]


@pytest.fixture(scope="module")
def rep():
    data = pd.read_csv(GOLDEN / "synth_strat.csv")
    design = Design(data, weight="w", strata="stratum", psu="psu", nest=True)
    return as_replicate(design, "JKn")


def _check(frame, rows, cols):
    got = frame.set_index("dom")
    for row in rows:
        for col in cols:
            value = got.loc[row["dom"], col]
            if row[col] is None:  # R: NA (e.g. a Woodruff limit outside [0, 1])
                assert pd.isna(value), (row["dom"], col)
            else:
                assert value == pytest.approx(row[col], rel=1e-8), (row["dom"], col)


@pytest.mark.parametrize("method", ["logit", "xlogit", "beta", "mean"])
def test_ciprop_by_domain_matches_r(rep, method):
    # R: svyciprop(~z, subset(rd, dom == g), method = <method>, na.rm = TRUE)
    frame = rep.prop("z", by="dom", ci=method, df="domain")
    rows = CASES[f"ciprop_{method}"]["rows"]
    _check(frame, rows, ["ci_low", "ci_high", "df"])
    # R's logit estimate is expit(glm coefficient), equal to the mean to ~1e-9
    got = frame.set_index("dom")
    for row in rows:
        assert got.loc[row["dom"], "estimate"] == pytest.approx(row["estimate"], rel=1e-7)
        assert got.loc[row["dom"], "se"] == pytest.approx(row["se"], rel=1e-8)


def test_mean_with_deff_by_domain_matches_r(rep):
    # R: svyby(~y, ~dom, rd, svymean, na.rm = TRUE, deff = TRUE)
    _check(rep.mean("y", by="dom"), CASES["mean_deff"]["rows"], ["estimate", "se", "deff"])


def test_total_matches_r(rep):
    # R: svytotal(~y, rd, na.rm = TRUE)
    row = CASES["total"]["rows"][0]
    got = rep.total("y").iloc[0]
    assert got.estimate == pytest.approx(row["estimate"], rel=1e-10)
    assert got.se == pytest.approx(row["se"], rel=1e-8)


def test_quantile_by_domain_matches_r(rep):
    # R: svyquantile(~y, subset(rd, dom == g), 0.5, na.rm = TRUE, ci = TRUE)
    _check(
        rep.quantile("y", q=[0.5], by="dom"),
        CASES["quantile"]["rows"],
        ["estimate", "ci_low", "ci_high", "se"],
    )
