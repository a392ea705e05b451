"""Design validation, domain estimation on the full design, and hand-computable cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.design import DesignError, design_from_spec
from survey.engine import EstimationError, estimate


@pytest.fixture
def small():
    rng = np.random.default_rng(7)
    n = 120
    df = pd.DataFrame(
        {
            "stratum": np.repeat([1, 2, 3], 40),
            "psu": np.repeat(np.arange(12), 10),
            "w": rng.uniform(1, 3, n),
            "y": rng.normal(10, 2, n),
            "b": (rng.random(n) < 0.3).astype(float),
            "dom": rng.choice(["a", "b", "c"], n),
        }
    )
    df.loc[[3, 50], "y"] = np.nan
    return df


def test_srs_mean_matches_textbook_formula():
    # unweighted SRS without FPC: var(mean) = s^2 / n (R: svydesign(id=~1, data=d))
    y = np.array([2.0, 4.0, 4.0, 5.0, 7.0, 9.0])
    res = Design(pd.DataFrame({"y": y})).mean("y", df="inf").iloc[0]
    assert res.estimate == pytest.approx(y.mean())
    assert res.se == pytest.approx(y.std(ddof=1) / np.sqrt(y.size), rel=1e-12)
    assert res.n == 6 and res.n_weighted == 6


def test_srs_with_fpc_applies_finite_population_correction():
    y = np.arange(1.0, 11.0)
    d = pd.DataFrame({"y": y, "N": 40.0})
    res = Design(d, fpc="N").mean("y").iloc[0]
    assert res.se == pytest.approx(np.sqrt((1 - 10 / 40) * y.var(ddof=1) / 10), rel=1e-12)


def test_domain_equals_subset_design_with_zero_weights(small):
    # R's tests/domain.R: a domain estimate equals the estimate on the subset design in
    # which rows outside the domain keep their PSU but get weight 0.
    des = Design(small, weight="w", strata="stratum", psu="psu")
    by = des.mean("y", by="dom").set_index("dom")
    for level in ["a", "b", "c"]:
        w0 = np.where(small["dom"] == level, small["w"], 0.0)
        sub = des.with_weights(w0).mean("y").iloc[0]
        assert by.loc[level, "estimate"] == pytest.approx(sub.estimate, rel=1e-12)
        assert by.loc[level, "se"] == pytest.approx(sub.se, rel=1e-10)


def test_available_case_versus_listwise(small):
    des = Design(small, weight="w", strata="stratum", psu="psu")
    avail = des.mean(["y", "b"]).set_index("variable")
    listw = des.mean(["y", "b"], na="listwise").set_index("variable")
    ok = small["y"].notna()
    assert avail.loc["b", "n"] == len(small)
    assert listw.loc["b", "n"] == ok.sum()
    expected = np.average(small.loc[ok, "b"], weights=small.loc[ok, "w"])
    assert listw.loc["b", "estimate"] == pytest.approx(expected)


def test_result_schema_is_fixed(small):
    des = Design(small, weight="w", strata="stratum", psu="psu")
    from survey import RESULT_COLUMNS

    for frame in (
        des.mean("y", by="dom"),
        des.prop("dom"),
        des.total("y"),
        des.ratio("y", "w"),
        des.quantile("y"),
    ):
        assert tuple(c for c in frame.columns if c != "dom") == RESULT_COLUMNS


def test_contrast_of_domains_uses_covariance(small):
    des = Design(small, weight="w", strata="stratum", psu="psu")
    es = estimate(des, "mean", "y", by="dom")
    cov = es.vcov()
    diff = es.contrast([[1, -1, 0]])
    var = diff.variance()[0]
    assert var == pytest.approx(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], rel=1e-10)
    assert diff.theta[0] == pytest.approx(es.theta[0] - es.theta[1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"weight": "missing_col"}, "not in the data"),
        ({"weight": "w_bad"}, "negative"),
        ({"strata": "stratum", "psu": "psu_reused"}, "nest=True"),
        ({"psu": "psu", "fpc": ["N", "N"]}, "stage"),
        ({"lonely_psu": "ignore"}, "lonely_psu"),
    ],
)
def test_bad_designs_raise_clear_errors(small, kwargs, message):
    df = small.assign(w_bad=small["w"], psu_reused=small["psu"] % 4, N=100.0)
    df.loc[5, "w_bad"] = -1
    with pytest.raises(DesignError, match=message):
        Design(df, **kwargs)


def test_missing_design_values_name_rows(small):
    df = small.copy()
    df.loc[[8, 9], "stratum"] = np.nan  # the 9th and 10th cases, as SPSS and R number them
    with pytest.raises(DesignError, match=r"rows 9, 10 \(cases counted from 1\)"):
        Design(df, strata="stratum", psu="psu")
    df.loc[9, "stratum"] = 1.0
    with pytest.raises(DesignError, match=r"in row 9 \(cases counted from 1\)"):
        Design(df, strata="stratum", psu="psu")


def test_fpc_smaller_than_sample_is_refused(small):
    df = small.assign(N=3.0)  # 4 PSUs sampled per stratum
    with pytest.raises(DesignError, match="more than 100%"):
        Design(df, strata="stratum", psu="psu", fpc="N")


def test_nest_true_makes_psu_ids_unique_within_strata(small):
    df = small.assign(psu_reused=small["psu"] % 4)
    nested = Design(df, weight="w", strata="stratum", psu="psu_reused", nest=True)
    plain = Design(small, weight="w", strata="stratum", psu="psu")
    assert nested.n_psu == plain.n_psu == 12
    assert nested.mean("y").se.iloc[0] == pytest.approx(plain.mean("y").se.iloc[0], rel=1e-12)


def test_lonely_psu_fail_names_the_stratum():
    df = pd.DataFrame({"s": [1, 1, 1, 2, 2], "p": [1, 2, 2, 3, 3], "y": [1.0, 2, 3, 4, 5]})
    des = Design(df, strata="s", psu="p")
    with pytest.raises(DesignError, match="strata of 's': 2"):
        des.mean("y")
    assert Design(df, strata="s", psu="p", lonely_psu="certainty").mean("y").se.iloc[0] > 0


def test_non_numeric_variable_in_mean_is_a_clear_error(small):
    des = Design(small, weight="w")
    with pytest.raises(EstimationError, match="'nope' is not in the data"):
        des.mean("nope")


def test_design_from_spec_rejects_typos(small):
    with pytest.raises(DesignError, match="unknown design key"):
        design_from_spec(small, {"weigth": "w"})
    des = design_from_spec(small, {"weight": "w", "strata": "stratum", "psu": "psu"})
    assert des.n_psu == 12


def test_proportion_ci_methods_bracket_the_estimate(small):
    des = Design(small, weight="w", strata="stratum", psu="psu")
    for method in ("logit", "xlogit", "beta", "asin", "wilson", "wald"):
        row = des.prop("b", ci=method).iloc[0]
        assert row.ci_low < row.estimate < row.ci_high, method
    with pytest.raises(ValueError, match="proportions"):
        des.mean("y", ci="logit")


def test_wilson_interval_by_hand(small):
    des = Design(small, weight="w", strata="stratum", psu="psu")
    row = des.prop("b", ci="wilson", df="inf").iloc[0]
    p, v = row.estimate, row.se**2
    n = p * (1 - p) / v
    z = 1.959963984540054
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert row.ci_low == pytest.approx(centre - half, rel=1e-12)
    assert row.ci_high == pytest.approx(centre + half, rel=1e-12)
