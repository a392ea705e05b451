"""Profile-likelihood intervals for proportions (R's ``svyciprop(method="likelihood")``).

R fits ``svyglm(y ~ 1, family=quasibinomial)`` in each domain and calls
``confint(fit, method="likelihood", ddf=df)`` (Lumley and Scott 2014). For the intercept-only
model the profile needs no refitting: fixing the intercept at ``b`` fixes ``mu = expit(b)``,
so the profile statistic is the signed root of the change in binomial deviance

    zz(b) = 2 [S1 log(mu0 / mu) + S0 log((1 - mu0) / (1 - mu))] / phi,

with ``S1 = sum(pw y)`` and ``S0 = sum(pw (1 - y))`` over the domain's answering rows
(``pw`` the weights rescaled to mean 1 over the domain's rows, as ``svyglm`` does), ``mu0``
the fitted proportion and ``phi`` the dispersion that ``summary.svyglm`` reports: the
design-weighted variance (``svyvar``, factor ``n / (n - 1)``) of the Pearson residuals.

The design enters through ``lambda = V_design / V_naive``, the ratio of the sandwich variance
of the intercept to the model-based ``(sum of working weights)^-1``: the profile is read at
the unscaled level ``2 alpha`` with ``alpha = Phi(t(df, (1 - level) / 2) sqrt(lambda)) / 2``.
As in R (``survey:::MASSprofile_glm``), the intercept steps away from the fit in steps of
``zmax / 5`` design standard errors, ``zmax = sqrt(F(1 - alpha; 1, n - 1))``, at most 9 steps
per side and until ``|z| >= zmax``; the profile (z against b) is interpolated by a
Forsythe-Malcolm-Moler cubic spline on ``3 x (points)`` equally spaced values (R's
``spline()``), and the interval is where the interpolated inverse crosses
``-/+ qnorm(2 alpha)`` (R's ``approx()``). The limits are returned on the proportion scale.

When the EstimateSet comes from a plain linearisation pass, R's IRLS iterations are replayed
per domain (as :mod:`survey.engine.logit_glm` does) so that ``mu0``, the working weights and
the sandwich variance are exactly R's and the limits match R to rounding (1e-14 on R's data
sets). Otherwise
(calibrated or replicate designs, or callers holding only ``theta``, ``se``, ``n``) the same
profile is computed from the exact estimate and its design variance for a 0/1 response:
``phi = n / (n - 1)``, ``pw = 1`` (the interval then differs from R only by R's IRLS
tolerance and, for calibrated designs, by how R rescales weights of a zero-weighted subset).

References
----------
Forsythe, G. E., Malcolm, M. A. and Moler, C. B. (1977). *Computer Methods for Mathematical
Computations*, ch. 4 (the spline with cubic end conditions).
Lumley, T. and Scott, A. (2014). Tests for regression models fitted to survey data.
*Australian & New Zealand Journal of Statistics* 56, 1-14.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, special, stats

from survey.engine.logit_glm import linkinv, replay_glm

MAXSTEPS = 10  # MASSprofile_glm(maxsteps=10): at most 9 steps each way
STEP_FRACTION = 5  # del = zmax / 5


# -- Forsythe-Malcolm-Moler cubic spline -----------------------------------------------------
def fmm_spline(x: np.ndarray, y: np.ndarray):
    """Coefficients of the Forsythe-Malcolm-Moler interpolating cubic spline.

    On ``[x_i, x_{i+1}]`` the spline is ``y_i + b_i t + c_i t^2 + d_i t^3`` (``t = u - x_i``).
    The interior conditions are the usual continuity of the second derivative; at each end
    the spline's third derivative equals that of the cubic through the four end points
    (with three points: a single parabola; with two: the line).

    Parameters
    ----------
    x, y : numpy.ndarray
        Strictly increasing abscissae and the values to interpolate (n >= 2).

    Returns
    -------
    b, c, d : numpy.ndarray
        Coefficients, each of length n (the last interval's extend beyond ``x[-1]``).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = x.size
    if n < 2:
        raise ValueError("a spline needs at least two points")
    h = np.diff(x)
    delta = np.diff(y) / h
    if n == 2:
        return np.full(2, delta[0]), np.zeros(2), np.zeros(2)
    # unknowns sigma_i = s''(x_i) / 6; tridiagonal system in banded form (upper, main, lower)
    ab = np.zeros((3, n))
    rhs = np.zeros(n)
    ab[1, 1:-1] = 2 * (h[:-1] + h[1:])
    ab[0, 2:] = h[1:]  # super-diagonal of row i: h_i
    ab[2, :-2] = h[:-1]  # sub-diagonal of row i: h_{i-1}
    rhs[1:-1] = delta[1:] - delta[:-1]
    # end rows: (sigma_1 - sigma_0) / h_0 = f[x0..x3], (sigma_n-1 - sigma_n-2) / h = f[last 4]
    ab[1, 0], ab[0, 1] = -h[0], h[0]
    ab[1, -1], ab[2, -2] = -h[-1], h[-1]
    if n > 3:
        dd2 = np.diff(delta) / (x[2:] - x[:-2])  # second divided differences
        dd3 = np.diff(dd2) / (x[3:] - x[:-3])  # third divided differences
        rhs[0] = h[0] ** 2 * dd3[0]
        rhs[-1] = -(h[-1] ** 2) * dd3[-1]
    sigma = linalg.solve_banded((1, 1), ab, rhs)
    b = np.empty(n)
    d = np.empty(n)
    b[:-1] = delta - h * (sigma[1:] + 2 * sigma[:-1])
    b[-1] = delta[-1] + h[-1] * (sigma[-2] + 2 * sigma[-1])
    d[:-1] = (sigma[1:] - sigma[:-1]) / h
    d[-1] = d[-2]
    return b, 3 * sigma, d


def spline_eval(x, y, coef, u) -> np.ndarray:
    """Evaluate the spline of :func:`fmm_spline` at ``u`` (cubic extrapolation outside)."""
    b, c, d = coef
    u = np.asarray(u, dtype=float)
    i = np.clip(np.searchsorted(x, u, side="right") - 1, 0, x.size - 1)
    t = u - x[i]
    return y[i] + t * (b[i] + t * (c[i] + t * d[i]))


def _regularize(x, y):
    """R's ``regularize.values(ties=mean)``: sort by x, average y over tied x."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if np.any(np.diff(x) < 0):
        o = np.argsort(x, kind="stable")
        x, y = x[o], y[o]
    ux, inverse = np.unique(x, return_inverse=True)
    if ux.size < x.size:
        y = np.bincount(inverse, weights=y) / np.bincount(inverse)
    return ux, y


def r_spline(x, y, n: int | None = None):
    """R's ``spline(x, y, method="fmm")``: the spline at ``n = 3 * length(unique x)`` equally
    spaced points over the range of ``x``; returns ``(xout, yout)``."""
    x, y = _regularize(x, y)
    n = 3 * x.size if n is None else n
    xout = np.linspace(x[0], x[-1], n)
    return xout, spline_eval(x, y, fmm_spline(x, y), xout)


def r_approx(x, y, xout) -> np.ndarray:
    """R's ``approx(x, y, xout)`` (linear, ``rule=1``: NaN outside the range of ``x``)."""
    x, y = _regularize(x, y)
    xout = np.asarray(xout, dtype=float)
    out = np.interp(xout, x, y)
    return np.where((xout < x[0]) | (xout > x[-1]) | np.isnan(xout), np.nan, out)


# -- the profile ---------------------------------------------------------------------------
def profile_limits(b0, mu0, se_b, lam, s1, s0, phi, n, df, level=0.95):
    """Profile-likelihood limits of the intercept of ``svyglm(y ~ 1, quasibinomial)``.

    All arguments but ``level`` are arrays over domains: the fitted intercept ``b0`` and
    proportion ``mu0 = expit(b0)``, the design standard error ``se_b`` of the intercept,
    ``lam = V_design / V_naive``, the prior-weighted sums ``s1 = sum(pw y)`` and
    ``s0 = sum(pw (1 - y))``, the dispersion ``phi``, the rows ``n`` of the model and the
    denominator degrees of freedom ``df``.

    Returns
    -------
    lower, upper : numpy.ndarray
        Limits on the logit scale; NaN where R stops (no variation, non-positive df, a fit
        that profiling improves on).
    """
    b0, mu0, se_b, lam, s1, s0, phi, n, df = (
        np.atleast_1d(np.asarray(a, dtype=float)) for a in (b0, mu0, se_b, lam, s1, s0, phi, n, df)
    )
    b0, mu0, se_b, lam, s1, s0, phi, n, df = np.broadcast_arrays(
        b0, mu0, se_b, lam, s1, s0, phi, n, df
    )
    half = (1 - level) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        tq = np.where(
            np.isfinite(df), stats.t.ppf(half, np.where(df > 0, df, np.nan)), stats.norm.ppf(half)
        )
        alpha = stats.norm.cdf(tq * np.sqrt(lam)) / 2
        zmax = np.sqrt(_qf_upper_1(alpha, n - 1))
        cutoff = stats.norm.ppf(2 * alpha)  # lower cutoff; the upper is -cutoff
        steps = np.arange(1, MAXSTEPS)  # 1..9
        # (D, 2 directions, 9 steps) intercepts and signed roots of the deviance change
        sgn = np.array([-1.0, 1.0])
        bi = (
            b0[:, None, None]
            + sgn[None, :, None] * steps * (zmax / STEP_FRACTION * se_b)[:, None, None]
        )
        mu = linkinv(bi)
        zz = (
            2
            * (
                s1[:, None, None] * np.log(mu0[:, None, None] / mu)
                + s0[:, None, None] * np.log((1 - mu0[:, None, None]) / (1 - mu))
            )
            / phi[:, None, None]
        )
        ok = np.all((zz > -0.001) | ~np.isfinite(zz), axis=(1, 2))
        z = sgn[None, :, None] * np.sqrt(np.maximum(zz, 0))
        # step k is taken while |z| of step k-1 is below zmax (z_0 = 0)
        below = np.abs(z) < zmax[:, None, None]
        taken = np.concatenate(
            [np.ones(z.shape[:2] + (1,), dtype=bool), np.cumprod(below, axis=2)[..., :-1] > 0],
            axis=2,
        )
    lower = np.full(b0.size, np.nan)
    upper = np.full(b0.size, np.nan)
    for k in range(b0.size):
        if not (
            ok[k]
            and np.isfinite(b0[k])
            and se_b[k] > 0
            and np.isfinite(zmax[k])
            and phi[k] > 0
            and np.all(np.isfinite(z[k][taken[k]]))
        ):
            continue
        zi = np.concatenate([[0.0], z[k][taken[k]]])
        pv = np.concatenate([[b0[k]], bi[k][taken[k]]])
        order = np.argsort(zi, kind="stable")
        xs, ys = r_spline(pv[order], zi[order])
        lower[k], upper[k] = r_approx(ys, xs, [cutoff[k], -cutoff[k]])
    return lower, upper


def _qf_upper_1(p, df2):
    """Upper ``p`` quantile of F(1, df2), as R's ``qf(p, 1, df2, lower.tail=FALSE)``: through
    the Beta(df2/2, 1/2) quantile (accurate for tiny ``p``, where the design effect is large),
    and the chi-squared limit above df2 = 4e5 as R switches there."""
    p, df2 = np.broadcast_arrays(np.asarray(p, dtype=float), np.asarray(df2, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        x = special.betaincinv(np.where(df2 > 0, df2, np.nan) / 2, 0.5, p)
        f = (1 / x - 1) * df2
    return np.where(df2 > 4e5, stats.chi2.isf(p, 1), f)


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def from_moments(theta, se, n, df, level=0.95):
    """Likelihood interval for proportions from the estimate, its design standard error and
    the number of answering rows, for a 0/1 response (``phi = n / (n - 1)``, unit prior
    weights). Returns (lower, upper) on the proportion scale."""
    theta, se, n, df = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (theta, se, n, df))
    )
    shape = theta.shape
    theta, se, n, df = (a.reshape(-1) for a in (theta, se, n, df))
    with np.errstate(divide="ignore", invalid="ignore"):
        pq = theta * (1 - theta)
        b0 = np.log(theta / (1 - theta))
        se_b = se / pq
        lam = se_b**2 * n * pq
        low, high = profile_limits(
            b0, theta, se_b, lam, n * theta, n * (1 - theta), n / (n - 1), n, df, level
        )
    return _expit(low).reshape(shape), _expit(high).reshape(shape)


# -- R's fit replayed on an EstimateSet ----------------------------------------------------------
def likelihood_intervals(es, level, df):
    """(lower, upper) of R's likelihood interval for every estimate of a proportion
    :class:`~survey.engine.core.EstimateSet`, with ``df`` the denominator df per estimate."""
    df = np.broadcast_to(np.asarray(df, dtype=float), es.theta.shape)
    extra = es.extra
    if "estimator" not in extra or es.design.calibration or not es.has_influence:
        se = np.sqrt(np.maximum(es.variance(), 0.0))
        n = es.n if es.n is not None else es.nrow_domain
        return from_moments(es.theta, se, n, df, level)
    fit = replay_glm(es)
    b0, mu0, var_b, sum_w2, s1, s0, phi, n = fit
    with np.errstate(divide="ignore", invalid="ignore"):
        low, high = profile_limits(
            b0, mu0, np.sqrt(var_b), var_b * sum_w2, s1, s0, phi, n, df, level
        )
    return _expit(low), _expit(high)
