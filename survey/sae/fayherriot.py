"""The Fay-Herriot area-level model: fitting, EBLUP and analytic MSE (arrays in, arrays out).

Model (Fay and Herriot 1979): for in-sample area ``d = 1..m``, the direct estimate
``y_d = theta_d + e_d`` with known sampling variance ``D_d`` (``e_d ~ N(0, D_d)``) and the
linking model ``theta_d = x_d' beta + u_d``, ``u_d ~ N(0, A)``. The EBLUP is
``gamma_d y_d + (1 - gamma_d) x_d' beta_hat`` with shrinkage ``gamma_d = A / (A + D_d)``;
areas without a direct estimate get the synthetic ``x_d' beta_hat``.

Fitting methods for the model variance ``A``:

* ``"REML"``, ``"ML"``: Fisher scoring on the (restricted) likelihood, and ``"FH"``: the
  Fay-Herriot moment equation, replaying R ``sae::eblupFH`` (1.3) exactly: start at
  ``median(D)``, stop when the relative change is below ``precision`` (1e-4, sae's
  ``PRECISION``) or after ``maxiter`` (100) steps, then truncate at 0. sae's truncated
  estimate can be exactly 0 (every area then gets the synthetic estimate).
* ``"AREML"``, ``"AML"``: Li and Lahiri (2010) adjusted likelihoods ``A * L_R(A)`` and
  ``A * L_P(A)``, maximised on ``log A``: the estimate is always strictly positive.

MSE (``mse_analytic``): Prasad and Rao (1990) ``g1 + g2 + 2 g3`` for REML (sae::mseFH);
Datta and Lahiri (2000) for ML and Datta, Rao and Smith (2005) for FH, subtracting the bias of
``A_hat`` times ``gamma_d``'s derivative (sae::mseFH); Li and Lahiri (2010) for the adjusted
methods (the bias correction of emdi's ``li_lahiri``). Out-of-sample areas: ``A + x_d' Q x_d``
(``Q = (X' V^-1 X)^-1``), the synthetic estimator's MSE under the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from survey._methods import FH_METHODS as METHODS

#: The analytic MSE estimator of each fitting method.
MSE_METHOD = {
    "REML": "Prasad-Rao",
    "ML": "Datta-Lahiri",
    "FH": "Datta-Rao-Smith",
    "AREML": "Li-Lahiri",
    "AML": "Li-Lahiri",
}


class FHError(ValueError):
    """Inputs the Fay-Herriot model cannot use (names the areas or columns)."""


@dataclass
class FHFit:
    """A fitted Fay-Herriot model on the m in-sample areas.

    ``refvar`` is the model variance A; ``beta`` (p,) and ``beta_cov`` (p x p,
    ``(X' V^-1 X)^-1``) the regression coefficients; ``loglike``, ``aic``, ``bic`` as sae
    (``p + 1`` parameters); ``iterations`` and ``converged`` of the fitting algorithm.
    """

    method: str
    refvar: float
    beta: np.ndarray
    beta_cov: np.ndarray
    loglike: float
    aic: float
    bic: float
    iterations: int
    converged: bool
    history: list = field(default_factory=list)
    algorithm: str = "sae"


def _check(y, D, X):
    y = np.asarray(y, dtype=float)
    D = np.asarray(D, dtype=float)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != y.size or D.size != y.size:
        raise FHError(f"y ({y.size}), D ({D.size}) and X {X.shape} must have one row per area")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(D)) and np.all(np.isfinite(X))):
        raise FHError("direct estimates, sampling variances and covariates must be finite")
    if np.any(D <= 0):
        raise FHError("sampling variances must be positive")
    if y.size <= X.shape[1]:
        raise FHError(f"{y.size} areas cannot fit {X.shape[1]} regression coefficients")
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise FHError("the covariate matrix is not of full column rank (collinear covariates)")
    return y, D, X


def _gls(A, y, D, X):
    Vi = 1.0 / (A + D)
    XtVi = (X * Vi[:, None]).T
    Q = np.linalg.inv(XtVi @ X)
    beta = Q @ (XtVi @ y)
    return Vi, XtVi, Q, beta


def _loglik(A, y, D, X, kind):
    """Profile (``"ML"``) or restricted (``"REML"``) log-likelihood, constants dropped."""
    Vi, XtVi, Q, beta = _gls(A, y, D, X)
    r = y - X @ beta
    lp = -0.5 * np.sum(np.log(A + D)) - 0.5 * np.sum(Vi * r * r)
    if kind == "ML":
        return lp
    sign, logdet = np.linalg.slogdet(XtVi @ X)
    return lp - 0.5 * logdet


def _scoring(y, D, X, method, maxiter, precision):
    """sae::eblupFH's Fisher scoring (REML, ML) or FH moment iteration, replayed."""
    m, p = X.shape
    A = [float(np.median(D))]
    k, diff = 0, precision + 1
    while diff > precision and k < maxiter:
        k += 1
        Vi, XtVi, Q, beta = _gls(A[-1], y, D, X)
        if method == "FH":
            res = y - X @ beta
            s = np.sum(res * res * Vi) - (m - p)
            F = np.sum(Vi)
        else:
            P = np.diag(Vi) - XtVi.T @ Q @ XtVi
            Py = P @ y
            if method == "ML":
                s = -0.5 * np.sum(Vi) + 0.5 * (Py @ Py)
                F = 0.5 * np.sum(Vi**2)
            else:
                s = -0.5 * np.trace(P) + 0.5 * (Py @ Py)
                F = 0.5 * np.sum(P * P.T)
        A.append(A[-1] + s / F)
        with np.errstate(divide="ignore", invalid="ignore"):
            diff = abs((A[-1] - A[-2]) / A[-2])
    converged = not (k >= maxiter and diff >= precision)
    return max(A[-1], 0.0), k, converged, A


def _adjusted(y, D, X, method):
    """Li-Lahiri: maximise log(A) + l(A) over log A (Brent, tight tolerance)."""
    from scipy.optimize import minimize_scalar

    kind = "REML" if method == "AREML" else "ML"
    scale = max(float(np.max(D)), float(np.var(y)), 1e-12)

    def neg(t):
        A = np.exp(t)
        return -(t + _loglik(A, y, D, X, kind))

    lo, hi = np.log(scale * 1e-10), np.log(scale * 1e4)
    grid = np.linspace(lo, hi, 141)
    vals = np.array([neg(t) for t in grid])
    i = int(np.argmin(vals))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    opt = minimize_scalar(neg, bounds=(a, b), method="bounded", options={"xatol": 1e-12})
    return float(np.exp(opt.x)), int(opt.nfev), bool(opt.success)


def _direct_max(y, D, X, method):
    """The estimate of A on [0, inf) without sae's iteration: the maximiser of the (restricted)
    likelihood, or for FH the root of the moment equation (0 when there is none)."""
    from scipy.optimize import brentq, minimize_scalar

    m, p = X.shape
    hi = 10.0 * max(float(np.max(D)), float(np.var(y)), 1e-12)
    if method == "FH":

        def s(A):
            Vi, XtVi, Q, beta = _gls(A, y, D, X)
            r = y - X @ beta
            return np.sum(r * r * Vi) - (m - p)

        if s(0.0) <= 0:
            return 0.0
        while s(hi) > 0:
            hi *= 10
        return float(brentq(s, 0.0, hi, xtol=1e-14, rtol=1e-12))
    grid = np.linspace(0.0, np.sqrt(hi), 201) ** 2
    vals = np.array([_loglik(a, y, D, X, method) for a in grid])
    i = int(np.argmax(vals))
    if i == 0:
        return 0.0
    a, b = grid[i - 1], grid[min(i + 1, grid.size - 1)]
    opt = minimize_scalar(
        lambda t: -_loglik(t, y, D, X, method),
        bounds=(a, b),
        method="bounded",
        options={"xatol": 1e-14},
    )
    return float(opt.x) if -opt.fun >= vals[0] else 0.0


def fit(y, D, X, method="REML", *, maxiter=100, precision=1e-4, fallback=True) -> FHFit:
    """Fit the Fay-Herriot model to direct estimates ``y`` with sampling variances ``D``.

    Parameters
    ----------
    y, D : array (m,)
        Direct estimates and their (known) sampling variances, in-sample areas only.
    X : array (m, p)
        Area covariates including the intercept column.
    method : {"REML", "ML", "FH", "AREML", "AML"}
        See the module docstring. REML/ML/FH reproduce ``sae::eblupFH``.
    maxiter, precision : int, float
        sae's ``MAXITER`` and ``PRECISION`` (relative change of A) for REML/ML/FH.
    fallback : bool
        When sae's iteration does not converge (it oscillates around 0 when the maximum is
        on the boundary), maximise the likelihood (solve the FH equation) on ``[0, inf)``
        directly; ``algorithm`` then says ``"direct"``. With ``False`` the fit is returned
        with ``converged=False``, as sae.
    """
    if method not in METHODS:
        raise FHError(f"method={method!r}: use one of {', '.join(METHODS)}")
    y, D, X = _check(y, D, X)
    m, p = X.shape
    if method in ("AREML", "AML"):
        A, k, conv = _adjusted(y, D, X, method)
        hist = []
        algorithm = "Li-Lahiri (Brent on log A)"
    else:
        A, k, conv, hist = _scoring(y, D, X, method, maxiter, precision)
        algorithm = "sae::eblupFH iteration"
        if not conv and fallback:
            A, conv, algorithm = _direct_max(y, D, X, method), True, "direct maximisation"
    Vi, XtVi, Q, beta = _gls(A, y, D, X)
    r = y - X @ beta
    loglike = -0.5 * np.sum(np.log(2 * np.pi * (A + D)) + r * r / (A + D))
    return FHFit(
        method=method,
        refvar=A,
        beta=beta,
        beta_cov=Q,
        loglike=float(loglike),
        aic=float(-2 * loglike + 2 * (p + 1)),
        bic=float(-2 * loglike + (p + 1) * np.log(m)),
        iterations=k,
        converged=conv,
        history=hist,
        algorithm=algorithm,
    )


def eblup(model: FHFit, y, D, X):
    """EBLUP of in-sample areas, its shrinkage ``gamma = A / (A + D)`` and the synthetic part."""
    y, D, X = (np.asarray(a, dtype=float) for a in (y, D, X))
    synth = X @ model.beta
    gamma = model.refvar / (model.refvar + D)
    return synth + gamma * (y - synth), gamma, synth


def mse_analytic(model: FHFit, D, X, X_out=None):
    """Analytic MSE of the EBLUP (in-sample) and of the synthetic estimate (``X_out`` rows).

    Returns ``(mse_in, mse_out, parts)`` with ``parts`` the g1, g2, g3 arrays and the bias
    term of the variance estimator (``b``, 0 for REML).
    """
    D = np.asarray(D, dtype=float)
    X = np.asarray(X, dtype=float)
    A = model.refvar
    m = D.size
    Vi = 1.0 / (A + D)
    B = D * Vi
    Q = model.beta_cov
    sum_v2 = np.sum(Vi**2)
    g1 = D * (1 - B)
    g2 = B**2 * np.einsum("ij,jk,ik->i", X, Q, X)
    method = model.method
    if method == "FH":
        sum_v = np.sum(Vi)
        var_a = 2 * m / sum_v**2
        b = 2 * (m * sum_v2 - sum_v**2) / sum_v**3
    else:
        var_a = 2 / sum_v2
        if method == "ML":
            b = -np.trace(Q @ ((X * (Vi**2)[:, None]).T @ X)) / sum_v2
        elif method == "AREML":
            b = (2 / A) / sum_v2
        elif method == "AML":
            XtVi = (X * Vi[:, None]).T
            P = np.diag(Vi) - XtVi.T @ Q @ XtVi
            b = (np.trace(P) - np.sum(Vi) + 2 / A) / sum_v2
        else:
            b = 0.0
    g3 = B**2 * var_a * Vi
    mse_in = g1 + g2 + 2 * g3 - b * B**2
    mse_out = None
    if X_out is not None and len(X_out):
        X_out = np.asarray(X_out, dtype=float)
        mse_out = A + np.einsum("ij,jk,ik->i", X_out, Q, X_out)
    return mse_in, mse_out, {"g1": g1, "g2": g2, "g3": g3, "b": b}
