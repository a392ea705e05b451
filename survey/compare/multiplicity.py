"""Multiple-comparison control across indicator batteries (Holm, Benjamini-Hochberg)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from survey._methods import ADJUST_METHODS as METHODS


def adjust_pvalues(p, method: str = "holm") -> np.ndarray:
    """Adjusted p-values; NaN entries are left out of the family and stay NaN.

    Parameters
    ----------
    p : array_like
        Raw p-values of one family of tests.
    method : {"holm", "bh", "bonferroni", "by"}
        Holm's step-down (family-wise error rate), Benjamini-Hochberg or Benjamini-Yekutieli
        (false discovery rate; ``scipy.stats.false_discovery_control``), Bonferroni. The
        values equal R's ``p.adjust(p, method = "holm" | "BH" | "bonferroni" | "BY")``.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape as ``p``.
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}: use one of {', '.join(METHODS)}")
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    if method == "bonferroni":
        adj = np.minimum(q * m, 1.0)
    elif method == "holm":
        order = np.argsort(q, kind="stable")
        stepped = np.maximum.accumulate((m - np.arange(m)) * q[order])
        adj = np.empty(m)
        adj[order] = np.minimum(stepped, 1.0)
    else:
        adj = stats.false_discovery_control(q, method=method)
    out[ok] = adj
    return out


def adjust_frame(frame: pd.DataFrame, method: str | None, family=None) -> np.ndarray:
    """``p_value`` of a result frame adjusted within each ``family`` (columns), or all rows."""
    p = frame["p_value"].to_numpy(dtype=float)
    if method is None:
        return np.full(p.shape, np.nan)
    if not family:
        return adjust_pvalues(p, method)
    out = np.full(p.shape, np.nan)
    groups = frame.groupby(list(family), dropna=False, sort=False).indices
    for idx in groups.values():
        out[idx] = adjust_pvalues(p[idx], method)
    return out
