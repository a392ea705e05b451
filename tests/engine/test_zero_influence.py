"""Exactly-zero influence (issue 11's crash): a total of the post-stratification variable.

R's own example (``?postStratify``): ``dclus1p <- postStratify(dclus1, ~stype, pop.types)``
with ``pop.types = data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))``, then
``svytotal(~stype, dclus1p)`` gives the population counts with SE 0 — the routine check that
weights hit their targets. The calibrated influence is exactly zero, the sparse matrix stores
nothing, and the variance once raised ``UFuncOutputCastingError`` (integer bincount).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survey
from survey import weighting


@pytest.mark.realdata
def test_total_of_the_poststratification_variable_hits_the_targets(realdata):
    d = pd.read_csv(realdata / "rsurvey" / "apiclus1.csv")
    des = survey.Design(d, weight="pw", psu="dnum", fpc="fpc")
    pop = {"E": 4421, "H": 755, "M": 1018}
    ps = weighting.PostStratify("stype", pop).fit_transform(des)
    res = ps.total("stype").set_index("category")
    np.testing.assert_allclose(res.loc[["E", "H", "M"], "estimate"], [4421, 755, 1018])
    assert (res["se"] == 0).all()
    np.testing.assert_allclose(
        res.loc[["E", "H", "M"], ["ci_low", "ci_high"]].T, [[4421, 755, 1018]] * 2
    )


def test_all_zero_influence_gives_zero_variance_not_a_crash():
    frame = pd.DataFrame(
        {"st": [1, 1, 2, 2], "psu": [1, 2, 3, 4], "w": [1.0, 2.0, 1.0, 2.0], "y": [0.0] * 4}
    )
    res = survey.Design(frame, weight="w", strata="st", psu="psu").total("y").iloc[0]
    assert res["estimate"] == 0 and res["se"] == 0
