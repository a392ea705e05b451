"""Hand-computable checks of survey.compare: effect sizes, delta method, flags, column set,
paired tests (against scipy), the row-influence variance and the formula reader."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey import Design
from survey.compare import (
    COMPARISON_COLUMNS,
    PAIRED_COLUMNS,
    adjust_pvalues,
    cohens_d,
    cohens_h,
    compare_frames,
    do_no_harm,
    paired_tests,
    weighted_sd,
)
from survey.compare._model import parse
from survey.compare._spec import derive_indicators
from survey.engine import estimate
from survey.engine.regression import vcov_from_row_influence


def frames(e1, s1, e2, s2, df1=50.0, df2=50.0, variables=("y",), rel=(pd.NA, pd.NA)):
    k = len(variables)
    f1 = pd.DataFrame(
        {
            "variable": list(variables),
            "category": [pd.NA] * k,
            "estimate": np.broadcast_to(e1, k),
            "se": np.broadcast_to(s1, k),
            "df": df1,
            "reliability": [rel[0]] * k,
        }
    )
    f2 = f1.assign(estimate=np.broadcast_to(e2, k), se=np.broadcast_to(s2, k), df=df2)
    f2["reliability"] = [rel[1]] * k
    return f1, f2


def test_cohens_h_and_d_by_hand():
    np.testing.assert_allclose(cohens_h(0.25, 0.75), np.pi / 3, rtol=1e-14)
    assert cohens_h(0.4, 0.4) == 0
    assert np.isnan(cohens_h(1.2, 0.5))
    np.testing.assert_allclose(cohens_d(10, 13, 2, 4), 3 / np.sqrt(10), rtol=1e-14)


def test_weighted_sd_equal_weights_is_sample_sd():
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"y": rng.normal(size=40), "g": np.repeat(["a", "b"], 20)})
    data.loc[3, "y"] = np.nan
    sd = weighted_sd(Design(data), "y", by="g").set_index("g")["sd"]
    for g in ("a", "b"):
        np.testing.assert_allclose(sd[g], data.loc[data.g == g, "y"].std(ddof=1), rtol=1e-12)


def test_percent_change_and_ratio_delta_method_by_hand():
    f1, f2 = frames(2.0, 0.2, 3.0, 0.3)
    # r = 1.5; Var(r) = r^2 (0.04 / 4 + 0.09 / 9) = 2.25 * 0.02 = 0.045
    r = compare_frames(f1, f2, measure="ratio").iloc[0]
    np.testing.assert_allclose([r["estimate"], r["se"]], [1.5, np.sqrt(0.045)], rtol=1e-14)
    np.testing.assert_allclose(r["t"], 0.5 / np.sqrt(0.045), rtol=1e-14)  # H0: ratio 1
    pc = compare_frames(f1, f2, measure="percent_change").iloc[0]
    np.testing.assert_allclose([pc["estimate"], pc["se"]], [50.0, 100 * np.sqrt(0.045)])
    d = compare_frames(f1, f2).iloc[0]
    np.testing.assert_allclose([d["estimate"], d["se"], d["df"]], [1.0, np.sqrt(0.13), 100.0])
    np.testing.assert_allclose(d["p_value"], 2 * stats.t.sf(1 / np.sqrt(0.13), 100), rtol=1e-12)
    q = stats.t.ppf(0.975, 100)
    np.testing.assert_allclose(
        [d["ci_low"], d["ci_high"]], [1 - q * np.sqrt(0.13), 1 + q * np.sqrt(0.13)]
    )


def test_flags_worsened_unreliable_and_fixed_columns():
    f1, f2 = frames(0.20, 0.01, 0.30, 0.01, variables=("victim", "trust", "other"))
    res = compare_frames(f1, f2, worse={"victim": "higher", "trust": "lower"}).set_index("variable")
    assert res.loc["victim", "significant"] and res.loc["victim", "worsened"]
    assert res.loc["trust", "significant"] and not res.loc["trust", "worsened"]
    assert pd.isna(res.loc["other", "worsened"])
    assert pd.isna(res.loc["victim", "unreliable"])  # reliability not assessed
    assert list(do_no_harm(res.reset_index())["variable"]) == ["victim"]
    f1, f2 = frames(0.2, 0.01, 0.3, 0.01, rel=("reliable", "caution"))
    assert bool(compare_frames(f1, f2).iloc[0]["unreliable"])
    f1, f2 = frames(0.2, 0.01, 0.3, 0.01, rel=("reliable", "reliable"))
    assert not bool(compare_frames(f1, f2).iloc[0]["unreliable"])
    # the column set does not depend on the options
    for kw in ({}, {"measure": "ratio", "adjust": "bh"}, {"df": "inf", "worse": "higher"}):
        assert tuple(compare_frames(f1, f2, **kw).columns) == COMPARISON_COLUMNS


def test_adjusted_pvalues_drive_significance_and_skip_nan():
    p = np.array([0.01, np.nan, 0.02, 0.04])
    np.testing.assert_allclose(adjust_pvalues(p, "holm"), [0.03, np.nan, 0.04, 0.04])
    np.testing.assert_allclose(adjust_pvalues(p, "bonferroni"), [0.03, np.nan, 0.06, 0.12])
    f1, f2 = frames(0.0, 1.0, np.array([2.2, 2.3]), 0.0, variables=("a", "b"), df1=np.inf)
    res = compare_frames(f1, f2, df="inf", adjust="bonferroni")
    raw = 2 * stats.norm.sf([2.2, 2.3])
    np.testing.assert_allclose(res["p_value"], raw, rtol=1e-12)
    np.testing.assert_allclose(res["p_adjusted"], 2 * raw, rtol=1e-12)
    assert list(res["significant"]) == list(2 * raw < 0.05)


def test_paired_tests_match_scipy_and_mcnemar_by_hand():
    rng = np.random.default_rng(3)
    n = 30
    ids = np.arange(n)
    x = rng.normal(5, 1, n)
    y = x + rng.normal(0.4, 0.8, n)
    b1 = np.r_[np.ones(12), np.zeros(18)]
    b2 = np.r_[np.ones(8), np.zeros(4), np.ones(7), np.zeros(11)]  # 4 1->0, 7 0->1
    f1 = pd.DataFrame({"id": ids, "score": x, "flag": b1})
    f2 = pd.DataFrame({"id": ids[::-1], "score": y[::-1], "flag": b2[::-1]})  # order differs
    res = paired_tests(f1, f2, "id", ["score", "flag"])
    assert tuple(res.columns) == PAIRED_COLUMNS
    t = res[(res.variable == "score") & (res.test == "paired_t")].iloc[0]
    ref = stats.ttest_rel(y, x)
    np.testing.assert_allclose([t["statistic"], t["p_value"]], [ref.statistic, ref.pvalue])
    assert t["df"] == n - 1 and t["es_ci_low"] < t["effect_size"] < t["es_ci_high"]
    w = res[(res.variable == "score") & (res.test == "wilcoxon")].iloc[0]
    np.testing.assert_allclose(w["p_value"], stats.wilcoxon(y, x).pvalue)
    mc = res[res.test == "mcnemar"].iloc[0]
    np.testing.assert_allclose(mc["statistic"], (abs(7 - 4) - 1) ** 2 / 11)
    np.testing.assert_allclose(mc["effect_size"], b2.mean() - b1.mean())
    with pytest.raises(ValueError, match="repeats"):
        paired_tests(pd.concat([f1, f1]), f2, "id", "score")


def test_row_influence_variance_equals_engine_mean_variance():
    rng = np.random.default_rng(7)
    n = 60
    data = pd.DataFrame(
        {
            "st": np.repeat([1, 2, 3], 20),
            "psu": np.repeat(np.arange(12), 5),
            "w": rng.uniform(1, 3, n),
            "y": rng.normal(size=n),
        }
    )
    d = Design(data, weight="w", strata="st", psu="psu")
    w, y = data["w"].to_numpy(), data["y"].to_numpy()
    ybar = (w * y).sum() / w.sum()
    U = (w * (y - ybar) / w.sum())[:, None]
    V = vcov_from_row_influence(d, U)
    np.testing.assert_allclose(V[0, 0], estimate(d, "mean", "y").variance()[0], rtol=1e-12)
    # calibrated designs: tests/compare/test_regression_designs.py


def test_formula_terms_in_r_order():
    lhs, terms, intercept, forced = parse("y ~ a * b + x + factor(r) - 1")
    assert lhs == "y" and not intercept and forced == {"r": "factor(r)"}
    assert terms == [("a",), ("b",), ("x",), ("r",), ("a", "b")]


def test_indicator_specs():
    data = pd.DataFrame({"b18": [1, 5, 7, np.nan, 4], "v": [1, 2, 3, 2, 1]})
    out, names = derive_indicators(data, ["b18_57=b18:5-7", "v2=v:2,3", "v"])
    assert names == ["b18_57", "v2", "v"]
    np.testing.assert_array_equal(out["b18_57"], [0, 1, 1, np.nan, 0])
    np.testing.assert_array_equal(out["v2"], [0, 1, 1, 1, 0])
    with pytest.raises(KeyError, match="zz"):
        derive_indicators(data, ["zz"])


def test_independent_quantiles_and_ratios_combine_each_waves_verb():
    from survey.compare import compare_independent

    rng = np.random.default_rng(11)

    def wave(shift):
        n = 80
        return Design(
            pd.DataFrame(
                {
                    "st": np.repeat([1, 2], 40),
                    "psu": np.repeat(np.arange(16), 5),
                    "w": rng.uniform(1, 2, n),
                    "y": rng.normal(10 + shift, 2, n),
                    "x": rng.uniform(1, 3, n),
                }
            ),
            weight="w",
            strata="st",
            psu="psu",
        )

    d1, d2 = wave(0), wave(1)
    res = compare_independent(d1, d2, "y", statistic="quantile", quantile=(0.5,))
    q1, q2 = d1.quantile("y", q=(0.5,)).iloc[0], d2.quantile("y", q=(0.5,)).iloc[0]
    row = res.iloc[0]
    np.testing.assert_allclose(row["estimate"], q2["estimate"] - q1["estimate"])
    np.testing.assert_allclose(row["se"], np.hypot(q1["se"], q2["se"]), rtol=1e-12)
    assert row["df"] == q1["df"] + q2["df"]
    rat = compare_independent(d1, d2, "y", statistic="ratio", denominator="x").iloc[0]
    r1, r2 = d1.ratio("y", "x").iloc[0], d2.ratio("y", "x").iloc[0]
    np.testing.assert_allclose(
        [rat["estimate"], rat["se"]],
        [r2["estimate"] - r1["estimate"], np.hypot(r1["se"], r2["se"])],
        rtol=1e-12,
    )
