"""Standardised effect sizes for comparisons: Cohen's h (proportions) and d (means).

Both are point estimates on the design-weighted scale: ``h = 2 asin(sqrt(p2)) -
2 asin(sqrt(p1))``; ``d = (m2 - m1) / sqrt((s1^2 + s2^2) / 2)`` with ``s`` the weighted
standard deviations of the variable in each group (R's ``svyvar``, with the ``n / (n - 1)``
factor). They describe magnitude, not significance (Cohen 1988: 0.2 small, 0.5 medium,
0.8 large).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.engine import estimate
from survey.engine.estimators import MeanTotal, numeric_column


def cohens_h(p1, p2) -> np.ndarray:
    """Cohen's h between proportions ``p1`` and ``p2`` (NaN outside [0, 1])."""
    p1 = np.asarray(p1, dtype=float)
    p2 = np.asarray(p2, dtype=float)
    ok = (p1 >= 0) & (p1 <= 1) & (p2 >= 0) & (p2 <= 1)
    with np.errstate(invalid="ignore"):
        h = 2 * np.arcsin(np.sqrt(np.clip(p2, 0, 1))) - 2 * np.arcsin(np.sqrt(np.clip(p1, 0, 1)))
    return np.where(ok, h, np.nan)


def cohens_d(m1, m2, s1, s2) -> np.ndarray:
    """Cohen's d with the average of the two variances as the standardiser."""
    m1, m2, s1, s2 = (np.asarray(a, dtype=float) for a in (m1, m2, s1, s2))
    with np.errstate(divide="ignore", invalid="ignore"):
        # hypot scales internally: finite for standard deviations beyond 1e154
        return (m2 - m1) / (np.hypot(s1, s2) / np.sqrt(2.0))


def weighted_sd(design, variables, by=None) -> pd.DataFrame:
    """Design-weighted standard deviation of numeric variables in each domain.

    ``s^2 = n / (n - 1) * (sum w y^2 / sum w - ybar^2)`` over rows with a value (R's
    ``svyvar`` diagonal), computed in one engine pass.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``variable``, ``sd``.
    """
    variables = [variables] if isinstance(variables, str) else list(variables)
    if getattr(design, "is_table_design", False):  # y and y^2 summed where the data live
        from survey.backends.derive import square_means

        est = square_means(design, variables, by)
        scale = [1.0] * len(variables)
        names = [f"{v}\x00{k}" for v in variables for k in ("y", "yy")]
    else:
        est, names, scale = _square_means(design, variables, by)
    labels = est.labels
    theta = est.theta.reshape(-1, len(names))
    n = est.n.reshape(-1, len(names))[:, 0::2]
    m, mm = theta[:, 0::2], theta[:, 1::2]
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt((mm - m**2) * n / (n - 1)) * np.asarray(scale)
    by_cols = list(est.by)
    base = labels.iloc[:: len(names)][by_cols].reset_index(drop=True)
    out = base.loc[np.repeat(np.arange(len(base)), len(variables))].reset_index(drop=True)
    out["variable"] = np.tile(np.asarray(variables, dtype=object), len(base))
    out["sd"] = sd.reshape(-1)
    return out


def _square_means(design, variables, by):
    """The weighted means of ``y`` and ``y^2`` of each variable (in memory)."""
    cols, scale = {}, []
    for v in variables:
        y = numeric_column(design.data, v)
        # a power of two keeps y^2 finite for huge values and is exact (sd is equivariant)
        with np.errstate(invalid="ignore"):
            big = np.nanmax(np.abs(y)) if (y.size and not np.isnan(y).all()) else 0.0
        e = int(np.frexp(big)[1]) if np.isfinite(big) and big > 2.0**500 else 0
        y = np.ldexp(y, -e)
        scale.append(np.ldexp(1.0, e))
        cols[f"{v}\x00y"] = y
        cols[f"{v}\x00yy"] = y * y
    frame = pd.DataFrame(cols)
    names = list(frame.columns)
    est = estimate(design, "mean", names, by=by, estimator=MeanTotal.build(frame, names, "mean"))
    return est, names, scale
