"""Design-based rank tests for two groups (R's ``svyranktest``, Lumley & Scott 2013).

Each row with an answer gets the estimated population mid-rank of its value,
``rankhat = cumsum(w) - w/2`` in sorted order, averaged over tied values, over the rows
complete on the outcome and the group; a score of ``rankhat / N`` (``N = sum w``) is the
Wilcoxon/Kruskal-Wallis test, ``qnorm(rankhat / N)`` van der Waerden's and
``rankhat > N/2`` the median test. The test is the design-based t-test of the difference in
mean score between the groups: the group coefficient of the weighted regression of the score
on the group, with its linearised SE (R's ``svytotal`` of the regression influence, the same
variance as ``svyglm``) and ``degf - 1`` df of the complete rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

TESTS = ("wilcoxon", "vanderWaerden", "median")


def rank_scores(y: np.ndarray, w: np.ndarray, test: str) -> np.ndarray:
    """R's svyranktest scores of ``y`` (no missing values) under weights ``w``."""
    order = np.argsort(y, kind="mergesort")
    mid = np.empty(y.size)
    # R's cumsum accumulates in long double (the median test's score is decided at
    # rankhat == N/2 exactly when weights are equal: the rounding must be R's)
    ws = w[order]
    mid[order] = np.cumsum(ws.astype(np.longdouble)).astype(float) - ws / 2
    # R's ave(., factor(y)): mean of the mid-ranks within tied values (R's mean: long double)
    _, inv = np.unique(y, return_inverse=True)
    counts = np.bincount(inv)
    tied = counts[inv] > 1
    if tied.any():
        sums = np.zeros(counts.size, dtype=np.longdouble)
        np.add.at(sums, inv, mid.astype(np.longdouble))
        mid = np.where(tied, (sums / counts).astype(float)[inv], mid)
    N = w.sum()
    if test == "wilcoxon":
        return mid / N
    if test == "vanderWaerden":
        return stats.norm.ppf(mid / N)
    if test == "median":
        return (mid > N / 2).astype(float)
    raise ValueError(f"test={test!r}: use one of {', '.join(TESTS)}")


def svyranktest(design, variable: str, group: str, test: str = "wilcoxon") -> pd.DataFrame:
    """Design-based two-group rank test (R's ``svyranktest(variable ~ group, design, test)``).

    Taylor designs (not calibrated): rows missing ``variable`` or ``group`` are left out.

    Returns
    -------
    pandas.DataFrame
        One row: ``variable, group, test, estimate`` (difference in mean rank score, second
        group in sorted order minus first), ``se, df, t, p_value``. With more than two
        groups (R's ``multiranktest``, Kruskal-Wallis for ``"wilcoxon"``): the Wald
        statistic ``chisq`` of the group coefficients of the score regression on ``ndf = k -
        1`` and ``df = degf - ndf`` denominator df, ``p_value = P(F > chisq / ndf)``;
        ``estimate, se, t`` are NaN.
    """
    from survey.compare.regression import svyglm
    from survey.design import ReplicateDesign
    from survey.engine.estimators import numeric_column

    if isinstance(design, ReplicateDesign) or design.calibration:
        raise NotImplementedError("svyranktest: Taylor designs without calibration only")
    if test not in TESTS:
        raise ValueError(f"test={test!r}: use one of {', '.join(TESTS)}")
    if group not in design.data.columns:
        raise KeyError(f"column {group!r} is not in the data")
    y = numeric_column(design.data, variable)
    g = design.data[group]
    ok = ~np.isnan(y) & g.notna().to_numpy()
    levels = sorted(pd.unique(g[ok]).tolist())
    if len(levels) < 2:
        raise ValueError(
            f"group column {group!r} must have at least two values among the rows with "
            f"{variable!r}, has {len(levels)}"
        )
    score = np.full(design.n, np.nan)
    score[ok] = rank_scores(y[ok], design.weights[ok], test)
    if len(levels) > 2:
        return _k_groups(design, variable, group, test, score, g, ok, levels)
    ind = np.where(ok, (g == levels[1]).to_numpy(dtype=float), np.nan)
    fit = svyglm(design, "score__ ~ group__", "gaussian", extra={"score__": score, "group__": ind})
    est = float(fit.coef.iloc[1])
    se = float(np.sqrt(fit.vcov.to_numpy()[1, 1]))
    df = fit.df_residual
    t = est / se
    return pd.DataFrame(
        {
            "variable": [variable],
            "group": [f"{group}: {levels[1]} vs {levels[0]}"],
            "test": [test],
            "estimate": [est],
            "se": [se],
            "df": [df],
            "t": [t],
            "p_value": [2 * stats.t.sf(abs(t), df)],
        }
    )


def _k_groups(design, variable, group, test, score, g, ok, levels) -> pd.DataFrame:
    from survey.compare.regression import complete_degf, svyglm

    codes = np.full(design.n, np.nan)
    codes[ok] = pd.Categorical(g[ok], categories=levels).codes
    fit = svyglm(
        design, "score__ ~ factor(group__)", "gaussian", extra={"score__": score, "group__": codes}
    )
    beta = fit.coef.to_numpy()[1:]
    V = fit.vcov.to_numpy()[1:, 1:]
    chisq = float(beta @ np.linalg.solve(V, beta))
    ndf = len(levels) - 1
    ddf = float(complete_degf(design, ok) - ndf)
    return pd.DataFrame(
        {
            "variable": [variable],
            "group": [f"{group}: {len(levels)} groups"],
            "test": [test],
            "estimate": [np.nan],
            "se": [np.nan],
            "df": [ddf],
            "t": [np.nan],
            "p_value": [float(stats.f.sf(chisq / ndf, ndf, ddf))],
            "chisq": [chisq],
            "ndf": [float(ndf)],
        }
    )
