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
    mid[order] = np.cumsum(w[order]) - w[order] / 2
    # R's ave(., factor(y)): plain mean of the mid-ranks within tied values
    _, inv = np.unique(y, return_inverse=True)
    mid = (np.bincount(inv, weights=mid) / np.bincount(inv))[inv]
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
        group in sorted order minus first), ``se, df, t, p_value``.
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
    if len(levels) != 2:
        raise ValueError(
            f"group column {group!r} must have exactly two values among the rows with "
            f"{variable!r}, has {len(levels)} (k-group tests are not implemented)"
        )
    score = np.full(design.n, np.nan)
    score[ok] = rank_scores(y[ok], design.weights[ok], test)
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
