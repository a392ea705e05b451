"""Confidence intervals from an estimate, its standard error and degrees of freedom.

Methods (R's ``confint``/``svyciprop`` where R has them):

- ``wald`` (alias ``mean``): ``theta +/- t(df) se``;
- ``logit``: Wald interval on the logit scale, back-transformed (R ``svyciprop`` default,
  which fits ``svyglm(y ~ 1, family=quasibinomial)``: se(logit p) = se(p) / (p (1 - p)));
- ``xlogit``: the same interval obtained by ``svycontrast`` of ``log(p/(1-p))`` (SUDAAN's and
  SPSS Complex Samples' method; numerically equal to ``logit``);
- ``asin``: on the ``asin(sqrt(p))`` scale;
- ``beta``: Korn and Graubard (1998) with R's effective sample size
  ``n_eff = p(1-p)/var * (t(alpha/2, nrow - 1) / t(alpha/2, df))^2``, ``nrow`` the rows of the
  domain. R's ``svyciprop`` on a subset takes that ``df`` from ``degf`` of the subset whatever
  its ``df=`` argument, i.e. the package's ``df="domain"`` (``df="design"`` uses the whole
  design's df there and so differs from R in domains: tests/engine/test_boundary_golden.py);
- ``wilson``: Wilson score interval with Kish's effective sample size ``p(1-p)/var`` and a
  ``t(df)`` quantile (not in R; see Kott and Carr 1997);
- ``likelihood``: R's ``svyciprop(method="likelihood")``, the profile-likelihood interval of
  ``svyglm(y ~ 1, quasibinomial)`` rescaled by the design effect (Lumley and Scott 2014), see
  :mod:`survey.engine.likelihood`. From ``theta``, ``se`` and ``df`` alone it takes ``nrow``
  as the number of answering rows of a 0/1 variable; estimate sets replay R's fit exactly.

At ``p = 0`` or ``p = 1`` the standard error is 0, so every method above degenerates (R's
``svyciprop`` returns an empty logit interval and NaN for beta, asin, likelihood; the Wald
interval is ``[p, p]``). There, every proportion method (and ``wald`` for ``prop``) gives
the Korn-Graubard (Clopper-Pearson) interval with the effective sample size set to the
domain's rows, as NCHS does (Parker et al. 2017, *NCHS Data Presentation Standards for
Proportions*, Vital Health Stat 2(175)): ``n_eff = min(n, n (t(alpha/2, n - 1) /
t(alpha/2, df))^2)``, so ``[0, 1 - (alpha/2)^(1/n_eff)]`` for 0 and ``[(alpha/2)^(1/n_eff),
1]`` for 1 (see :func:`boundary_interval`).
"""

from __future__ import annotations

import numpy as np
from scipy import special

METHODS = ("wald", "mean", "logit", "xlogit", "asin", "beta", "wilson", "likelihood")
PROPORTION_METHODS = ("logit", "xlogit", "asin", "beta", "wilson", "likelihood")


def critical(level: float, df) -> np.ndarray:
    """Two-sided critical value: t with ``df`` (normal where df is infinite)."""
    alpha = 1 - level
    df = np.asarray(df, dtype=float)
    # special.stdtrit/ndtri are what stats.t.ppf/norm.ppf evaluate (identical values)
    # without importing scipy.stats (~0.5 s at CLI start-up).
    with np.errstate(invalid="ignore"):
        t = special.stdtrit(np.where(np.isfinite(df), df, 1.0), 1 - alpha / 2)
    return np.where(np.isfinite(df), t, special.ndtri(1 - alpha / 2))


def interval(method, theta, se, df, level=0.95, nrow=None, statistic=None):
    """Lower and upper limits for each estimate."""
    if not 0 < level < 1:
        raise ValueError(f"level={level}: must be between 0 and 1 (e.g. 0.95)")
    if method not in METHODS:
        raise ValueError(f"ci={method!r}: use one of {', '.join(METHODS)}")
    theta = np.asarray(theta, dtype=float)
    se = np.asarray(se, dtype=float)
    df = np.broadcast_to(np.asarray(df, dtype=float), theta.shape)
    t = critical(level, df)
    if method in ("wald", "mean"):
        return theta - t * se, theta + t * se
    if method in PROPORTION_METHODS:
        outside = (theta < 0) | (theta > 1)
        if np.any(outside & np.isfinite(theta)):
            raise ValueError(
                f"ci={method!r} is for proportions; some estimates are outside [0, 1] "
                f"(statistic {statistic!r}); use ci='wald'"
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("logit", "xlogit"):
            eta = np.log(theta / (1 - theta))
            half = t * se / (theta * (1 - theta))
            return _expit(eta - half), _expit(eta + half)
        if method == "asin":
            eta = np.arcsin(np.sqrt(theta))
            half = t * se / (2 * np.sqrt(theta * (1 - theta)))
            return np.sin(eta - half) ** 2, np.sin(eta + half) ** 2
        var = se**2
        n_eff = theta * (1 - theta) / var
        if method == "beta":
            from scipy import stats

            alpha = 1 - level
            if nrow is None:
                raise ValueError("ci='beta' needs the domain row counts")
            nrow = np.broadcast_to(np.asarray(nrow, dtype=float), theta.shape)
            q_n = stats.t.ppf(alpha / 2, nrow - 1)
            q_df = np.where(
                np.isfinite(df),
                stats.t.ppf(alpha / 2, np.where(np.isfinite(df), df, 1)),
                stats.norm.ppf(alpha / 2),
            )
            n_eff = n_eff * (q_n / q_df) ** 2
            low = stats.beta.ppf(alpha / 2, n_eff * theta, n_eff * (1 - theta) + 1)
            high = stats.beta.ppf(1 - alpha / 2, n_eff * theta + 1, n_eff * (1 - theta))
            return low, high
        if method == "wilson":
            z2 = t**2
            denom = 1 + z2 / n_eff
            centre = (theta + z2 / (2 * n_eff)) / denom
            half = t * np.sqrt(theta * (1 - theta) / n_eff + z2 / (4 * n_eff**2)) / denom
            return centre - half, centre + half
        if method == "likelihood":
            from survey.engine.likelihood import from_moments

            if nrow is None:
                raise ValueError("ci='likelihood' needs the domain row counts")
            return from_moments(theta, se, nrow, df, level)
    raise AssertionError(method)  # every method in METHODS is handled above


#: How close to 0 or 1 an estimate counts as the boundary (sums of weights round off).
BOUNDARY_TOL = 1e-12


def at_boundary(theta) -> np.ndarray:
    """Estimates at 0 or 1 (within :data:`BOUNDARY_TOL`), where the SE is 0."""
    theta = np.asarray(theta, dtype=float)
    return np.isfinite(theta) & ((theta <= BOUNDARY_TOL) | (theta >= 1 - BOUNDARY_TOL))


def boundary_interval(theta, nrow, df, level=0.95):
    """Korn-Graubard (Clopper-Pearson) limits at ``p = 0`` or ``1`` with ``n_eff`` = rows.

    NCHS's rule for proportions whose variance is 0: the effective sample size is the
    sample size ``n`` (the domain's rows), reduced for the design's degrees of freedom as in
    the Korn-Graubard interval, ``n_eff = min(n, n (t(alpha/2, n - 1) / t(alpha/2, df))^2)``.
    For ``p = 0`` the limits are ``[0, 1 - (alpha/2)^(1/n_eff)]`` (the upper Beta(1, n_eff)
    quantile), for ``p = 1`` ``[(alpha/2)^(1/n_eff), 1]``; NaN elsewhere and where ``n`` is
    unknown or 0.
    """
    theta = np.asarray(theta, dtype=float)
    alpha = 1 - level
    n = np.broadcast_to(np.asarray(np.nan if nrow is None else nrow, dtype=float), theta.shape)
    df = np.broadcast_to(np.asarray(df, dtype=float), theta.shape)
    ok = at_boundary(theta) & np.isfinite(n) & (n >= 1)
    low, high = np.full(theta.shape, np.nan), np.full(theta.shape, np.nan)
    if not ok.any():
        return low, high
    n_ok, df_ok = n[ok], df[ok]
    with np.errstate(divide="ignore", invalid="ignore"):
        q_n = np.where(n_ok > 1, special.stdtrit(np.maximum(n_ok - 1, 1), alpha / 2), np.nan)
        q_df = np.where(
            np.isfinite(df_ok),
            special.stdtrit(np.where(np.isfinite(df_ok), df_ok, 1.0), alpha / 2),
            special.ndtri(alpha / 2),
        )
        n_eff = np.where(n_ok > 1, np.minimum(n_ok, n_ok * (q_n / q_df) ** 2), n_ok)
    tail = (alpha / 2) ** (1 / n_eff)
    zero = theta[ok] <= 0.5
    low[ok] = np.where(zero, 0.0, tail)
    high[ok] = np.where(zero, 1 - tail, 1.0)
    return low, high


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))
