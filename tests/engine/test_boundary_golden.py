"""Next to the boundary (one success or one failure in a domain) R's svyciprop is defined and
the package matches it to 1e-8; the p = 0 / 1 rule does not touch these estimates.
Golden: tests/golden/boundary_props.R (svyciprop(~y, subset(des, region == r), method=m,
df=degf(des)))."""

from __future__ import annotations

import pandas as pd
import pytest

import survey
from tests.conftest import GOLDEN, load_golden


@pytest.mark.parametrize("method", ["beta", "logit", "asin", "xlogit"])
def test_near_boundary_intervals_match_r(method):
    gold = load_golden("boundary_props")
    d = pd.read_csv(GOLDEN / "boundary_props.csv")
    des = survey.Design(d, weight="w", strata="st", psu="psu")
    # R's beta takes the df of its n_eff correction from degf(subset design) whatever df=
    # says: the package's df="domain"; the other methods use df=degf(des): df="design"
    df = "domain" if method == "beta" else "design"
    got = des.prop("y", by="region", ci=method, df=df, quality=None).set_index("region")
    for r in (2, 3):
        expect = gold[f"region{r}_{method}"]
        assert got.loc[r, ["ci_low", "ci_high"]].tolist() == pytest.approx(
            expect, rel=1e-8, abs=1e-12
        )
