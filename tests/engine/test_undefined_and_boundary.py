"""Estimates the data cannot define get NaN and a message, proportions at 0 or 1 a defined
interval and a flag (issue 15, items 5 and 6)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import survey
from survey.engine import ci as ci_mod


def _frame(seed=1, n=400):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "w": rng.uniform(1, 3, n),
            "st": np.repeat([1, 2, 3, 4], n // 4),
            "psu": np.arange(n) // 5,
            "region": np.repeat([1, 2, 3, 4], n // 4),
            "x": rng.normal(5, 1, n),
            "den": rng.uniform(1, 2, n),
            "y": rng.integers(0, 2, n),
        }
    )


def test_zero_denominator_in_a_domain_is_nan_with_a_warning_naming_it():
    d = _frame()
    d.loc[d.region == 2, "den"] = 0
    des = survey.Design(d, weight="w", strata="st", psu="psu")
    with pytest.warns(RuntimeWarning, match=r"denominator totals 0 in region=2, variable=x/den"):
        got = des.ratio("x", "den", by="region").set_index("region")
    row = got.loc[2]
    assert np.isnan([row.estimate, row.se, row.ci_low, row.ci_high, row.cv]).all()
    assert not np.isinf(got[["estimate", "se", "ci_low", "ci_high"]].to_numpy()).any()
    # the other regions are the subset ratios (domains on the full design: same estimate)
    for r in (1, 3, 4):
        sub = d[d.region == r]
        expect = np.sum(sub.w * sub.x) / np.sum(sub.w * sub.den)
        assert got.loc[r, "estimate"] == pytest.approx(expect, rel=1e-12)
        assert got.loc[r, "se"] > 0
    # no other warning (no numpy RuntimeWarning) leaks
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        des.ratio("x", "den", by="region")
    assert [str(w.message)[:5] for w in seen] == ["ratio"]


def test_whole_sample_ratio_unchanged_and_silent():
    d = _frame()
    des = survey.Design(d, weight="w", strata="st", psu="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = des.ratio("x", "den", by="region")
    assert np.isfinite(got["se"]).all()


@pytest.mark.parametrize(
    "method", ["wald", "logit", "xlogit", "beta", "asin", "wilson", "likelihood"]
)
def test_p_hat_zero_and_one_get_korn_graubard_with_n(method):
    d = _frame()
    d.loc[d.region == 2, "y"] = 0
    d.loc[d.region == 3, "y"] = 1
    des = survey.Design(d, weight="w", strata="st", psu="psu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy warning at the boundary
        got = des.prop("y", by="region", ci=method).set_index("region")
    # NCHS: n_eff = n = 100 rows, reduced by (t(.025, n-1) / t(.025, df))^2, df = 80 - 4
    n, df = 100, 76
    n_eff = min(n, n * (stats.t.ppf(0.025, n - 1) / stats.t.ppf(0.025, df)) ** 2)
    upper0 = stats.beta.ppf(0.975, 1, n_eff)  # Clopper-Pearson upper limit, 0 successes
    assert upper0 == pytest.approx(1 - 0.025 ** (1 / n_eff), rel=1e-12)
    assert upper0 == pytest.approx(0.036484, abs=1e-6)
    assert got.loc[2, ["ci_low", "ci_high"]].tolist() == pytest.approx([0.0, upper0], rel=1e-10)
    assert got.loc[3, ["ci_low", "ci_high"]].tolist() == pytest.approx([1 - upper0, 1.0], rel=1e-10)
    # p = 1 is never "reliable" without saying why
    assert got.loc[3, "reliability"] == "caution"
    assert "p = 0 or 1" in got.loc[3, "reliability_reason"]
    # interior domains are untouched: the beta interval there is R's (see golden tests)
    assert 0 < got.loc[1, "ci_low"] < got.loc[1, "estimate"] < got.loc[1, "ci_high"] < 1


def test_boundary_interval_is_continuous_with_korn_graubard():
    """Just inside the boundary, R's Korn-Graubard (svyciprop method="beta") with n_eff = n
    tends to the boundary interval."""
    low, high = ci_mod.boundary_interval(np.array([0.0, 1.0, 0.3]), 50, np.inf, 0.95)
    assert low[0] == 0 and high[1] == 1 and np.isnan(low[2])
    n_eff = 50 * (stats.t.ppf(0.025, 49) / stats.norm.ppf(0.025)) ** 2
    n_eff = min(50, n_eff)
    assert high[0] == pytest.approx(1 - 0.025 ** (1 / n_eff), rel=1e-12)
    # capped at n (t(49) > z makes the df factor above 1)
    assert high[0] == pytest.approx(1 - 0.025 ** (1 / 50), rel=1e-12)
    tiny = 1e-9
    kg = stats.beta.ppf(0.975, 50 * tiny + 1, 50 * (1 - tiny))
    assert kg == pytest.approx(high[0], rel=1e-6)


def test_nchs_and_ine_rules_flag_the_boundary_with_reason():
    d = _frame()
    d.loc[d.region == 3, "y"] = 1
    des = survey.Design(d, weight="w", strata="st", psu="psu")
    for rule in ("cepal2020", "cepal2023", "ine_chile2020", "nchs"):
        got = des.prop("y", by="region", quality=rule).set_index("region")
        assert got.loc[3, "reliability"] in ("caution", "suppress"), rule
        assert "p = 0 or 1" in got.loc[3, "reliability_reason"], rule
