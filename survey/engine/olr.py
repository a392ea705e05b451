"""Proportional-odds (cumulative link) models under a survey design: R's ``svyolr``.

The model: ``P(Y <= j | x) = F(zeta_j - x'beta)``, ``j = 1..q`` (q + 1 ordered levels,
``zeta_1 < ... < zeta_q``), ``F`` the logistic, normal, Gumbel (``"cloglog"``, R's
``pgumbel``) or Cauchy distribution function. The coefficients maximise the weighted
log-likelihood ``sum_i w_i log P(Y = y_i | x_i)`` (a pseudo-likelihood: the design weights
make its score an estimate of the population score); the covariance is the design variance of
the row influence ``U_i = s_i(beta, zeta) H^{-1}``, ``s_i`` the row score and ``H`` the
weighted information, as every other estimator of this package:
:func:`survey.engine.regression.vcov_from_row_influence` (R's ``svyrecvar`` with the
design's calibration steps). Replicate designs refit with each replicate's weights as R's
``svyolr.svyrep.design`` (``MASS::polr``) and go through :func:`survey.engine.replicate.vcov`.

To give R's numbers, not only the same estimator, the module replays R's computation:

* the starting values (a binomial ``glm.fit`` on the split ``y > q1``, ``q1 = (q+1) %/% 2``,
  R's IRLS and stopping rule; ``"cloglog"`` starts from a probit fit, as R does);
* ``optim(method="BFGS")`` (R's C routine ``vmmin``: same line search, same update, same
  stopping rule ``|f - f_min| <= reltol (|f_min| + reltol)``), in R's parametrisation
  ``theta = (zeta_1, log(zeta_2 - zeta_1), ...)``; R stops at ``reltol = 1.49e-8``, so its
  coefficients differ from the exact maximum by about 1e-5 relative, and the replay stops
  where R stops;
* R's Hessian: ``optimhess``, central differences of the analytic gradient with step
  ``ndeps = 1e-3``, symmetrised, inverted by ``MASS::ginv`` and mapped to ``zeta`` by the
  Jacobian of ``theta -> zeta`` (``svyolr``'s sandwich uses that numerical Hessian).

Sums over rows are accumulated in long double as R's ``sum``/``colSums``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

METHODS = ("logistic", "probit", "cloglog", "cauchit")
_EPS = np.finfo(float).eps
#: optim()'s defaults for BFGS.
RELTOL = float(np.sqrt(_EPS))
MAXIT = 100
NDEPS = 1e-3


# -- distribution functions (R's plogis/dlogis, pnorm/dnorm, survey's pgumbel/dgumbel) -------
def _pfun(method):
    if method == "logistic":  # R's plogis: 1 / (1 + exp(-x)) on the whole line
        return lambda q: 1 / (1 + np.exp(-q))
    if method == "probit":
        return special.ndtr
    if method == "cloglog":
        return lambda q: np.exp(-np.exp(-q))
    return lambda q: 0.5 + np.arctan(q) / np.pi


def _dfun(method):
    if method == "logistic":
        return lambda x: np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))) ** 2
    if method == "probit":
        return lambda x: np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    if method == "cloglog":
        return lambda x: np.exp(-x - np.exp(-x))
    return lambda x: 1 / (np.pi * (1 + x * x))


def _lsum(a, axis=None):
    """R's sum / colSums: accumulation in long double."""
    return np.sum(np.asarray(a, dtype=np.longdouble), axis=axis).astype(float)


def _zeta(theta):
    """cumsum(c(theta_1, exp(theta[-1]))) with R's long-double cumsum."""
    parts = np.concatenate([theta[:1], np.exp(theta[1:])]).astype(np.longdouble)
    return np.cumsum(parts).astype(float)


def _jacobian(theta):
    """d zeta / d theta for zeta = cumsum(theta_1, exp(theta_2), ...)."""
    k = theta.size
    mat = np.zeros((k, k))
    mat[:, 0] = 1.0
    et = np.exp(theta)
    for i in range(1, k):
        mat[i:, i] = et[i]
    return mat


@dataclass
class _Problem:
    """The pseudo-likelihood of one fit: rows (x, y codes 1..q+1, weights)."""

    x: np.ndarray  # (n, pc) without intercept
    y: np.ndarray  # (n,) int 1..q+1
    wt: np.ndarray  # (n,)
    q: int
    method: str
    polr: bool = False  # MASS::polr's clamping (replicate refits) instead of svyolr's

    def __post_init__(self):
        self.pc = self.x.shape[1]
        self.pfun = _pfun(self.method)
        self.dfun = _dfun(self.method)
        cols = np.arange(1, self.q + 1)
        self.Y1 = (cols[None, :] == self.y[:, None]).astype(float)
        self.Y2 = (cols[None, :] == self.y[:, None] - 1).astype(float)

    def _parts(self, par):
        theta = par[self.pc :]
        zeta = _zeta(theta)
        eta = self.x @ par[: self.pc] if self.pc else np.zeros(self.y.size)
        if self.polr:
            gamm = np.concatenate([[-np.inf], zeta, [np.inf]])
            z1 = np.minimum(100.0, gamm[self.y] - eta)
            z2 = np.maximum(-100.0, gamm[self.y - 1] - eta)
        else:
            gamm = np.concatenate([[-100.0], zeta, [100.0]])
            z1 = gamm[self.y] - eta
            z2 = gamm[self.y - 1] - eta
        return theta, z1, z2

    def fmin(self, par) -> float:
        with np.errstate(over="ignore"):  # R's exp overflows to Inf silently
            _, z1, z2 = self._parts(par)
            pr = self.pfun(z1) - self.pfun(z2)
        if np.all(pr > 0):
            return -float(_lsum(self.wt * np.log(pr)))
        return np.inf

    def scores(self, par, logdiff: bool = False) -> np.ndarray:
        """Row scores of the negative log-likelihood (R's ``gmini``): (n, pc + q); in the
        ``theta`` parametrisation with ``logdiff``, else with respect to ``zeta``."""
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            theta, z1, z2 = self._parts(par)
            pr = self.pfun(z1) - self.pfun(z2)
            p1 = self.dfun(z1)
            p2 = self.dfun(z2)
            g1 = self.x * (self.wt * (p1 - p2) / pr)[:, None]
            xx = self.Y1 * p1[:, None] - self.Y2 * p2[:, None]
            g2 = -xx * (self.wt / pr)[:, None]
        if logdiff:
            g2 = g2 @ _jacobian(theta)
        out = np.hstack([g1, g2])
        if not np.all(pr > 0):
            out = out + np.nan
        return out

    def gmin(self, par) -> np.ndarray:
        return _lsum(self.scores(par, logdiff=True), axis=0)


# -- R's optim(method = "BFGS"): vmmin ------------------------------------------------------
def vmmin(fn, gr, b, maxit=MAXIT, reltol=RELTOL, abstol=-np.inf):
    """R's variable-metric minimiser (``optim(method="BFGS")``, C ``vmmin``) step by step.

    Returns ``(par, value, (fncount, grcount), fail)``."""
    stepredn, acctol, reltest = 0.2, 0.0001, 10.0
    b = np.array(b, dtype=float)
    n = b.size
    f = fn(b)
    if not np.isfinite(f):
        raise ValueError("initial value in 'vmmin' is not finite")
    fmin_v = f
    funcount = gradcount = 1
    g = gr(b)
    it = 1
    ilast = gradcount
    B = np.eye(n)
    count = 0
    while True:
        if ilast == gradcount:
            B = np.eye(n)
        X = b.copy()
        c = g.copy()
        t = -(B @ g)  # B is kept symmetric (R stores its lower triangle)
        gradproj = float(np.dot(t, g))
        if gradproj < 0.0:
            steplength = 1.0
            accpoint = False
            while True:
                b = X + steplength * t
                count = int(np.sum(reltest + X == reltest + b))
                if count < n:
                    f = fn(b)
                    funcount += 1
                    accpoint = np.isfinite(f) and f <= fmin_v + gradproj * steplength * acctol
                    if not accpoint:
                        steplength *= stepredn
                if count == n or accpoint:
                    break
            enough = (f > abstol) and abs(f - fmin_v) > reltol * (abs(fmin_v) + reltol)
            if not enough:
                count = n
                fmin_v = f
            if count < n:
                fmin_v = f
                g = gr(b)
                gradcount += 1
                it += 1
                t = steplength * t
                c = g - c
                D1 = float(np.dot(t, c))
                if D1 > 0:
                    Xv = B @ c
                    D2 = 1.0 + float(np.dot(Xv, c)) / D1
                    B = B + (D2 * np.outer(t, t) - np.outer(Xv, t) - np.outer(t, Xv)) / D1
                else:
                    ilast = gradcount
            else:
                if ilast < gradcount:
                    count = 0
                    ilast = gradcount
        else:
            count = 0
            if ilast == gradcount:
                count = n
            else:
                ilast = gradcount
        if it >= maxit:
            break
        if gradcount - ilast > 2 * n:
            ilast = gradcount
        if count == n and ilast == gradcount:
            break
    return b, fmin_v, (funcount, gradcount), 0 if it < maxit else 1


def optimhess(gr, par, ndeps=NDEPS) -> np.ndarray:
    """R's ``optimhess``: central differences of the gradient, then symmetrised."""
    n = par.size
    dpar = np.array(par, dtype=float)
    H = np.empty((n, n))
    for i in range(n):
        eps = ndeps
        dpar[i] = dpar[i] + eps
        df1 = gr(dpar)
        dpar[i] = dpar[i] - 2 * eps
        df2 = gr(dpar)
        H[i] = (df1 - df2) / (2 * eps)
        dpar[i] = dpar[i] + eps
    return 0.5 * (H + H.T)


def ginv(A) -> np.ndarray:
    """``MASS::ginv`` (singular values below sqrt(eps) times the largest are dropped)."""
    u, d, vt = np.linalg.svd(A)
    keep = d > max(np.sqrt(_EPS) * d[0], 0.0)
    return (vt[keep].T / d[keep]) @ u[:, keep].T


# -- R's glm.fit for the starting values ------------------------------------------------------
def _binomial_link(link):
    if link == "logit":
        thresh = 30.0

        def linkinv(eta):
            tmp = np.where(eta < -thresh, _EPS, np.where(eta > thresh, 1 / _EPS, np.exp(eta)))
            return tmp / (1 + tmp)

        def mu_eta(eta):
            op = 1 + np.exp(eta)
            return np.where(np.abs(eta) > thresh, _EPS, np.exp(eta) / (op * op))

        return special.logit, linkinv, mu_eta
    if link == "probit":
        th = -special.ndtri(_EPS)
        return (
            special.ndtri,
            lambda eta: special.ndtr(np.clip(eta, -th, th)),
            lambda eta: np.maximum(np.exp(-0.5 * eta * eta) / np.sqrt(2 * np.pi), _EPS),
        )
    th = -np.tan(np.pi * (_EPS - 0.5))  # -qcauchy(eps)
    return (
        lambda mu: np.tan(np.pi * (mu - 0.5)),
        lambda eta: 0.5 + np.arctan(np.clip(eta, -th, th)) / np.pi,
        lambda eta: np.maximum(1 / (np.pi * (1 + eta * eta)), _EPS),
    )


def glm_fit_binomial(X, y, weights, link="logit", epsilon=1e-8, maxit=25) -> np.ndarray:
    """R's ``glm.fit(X, y, weights, family = binomial(link))``: coefficients where R stops."""
    linkfun, linkinv, mu_eta = _binomial_link(link)

    def ylogy(a, m):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(a != 0, a * np.log(a / m), 0.0)

    def dev(mu):
        return float(_lsum(2 * weights * (ylogy(y, mu) + ylogy(1 - y, 1 - mu))))

    y = np.where(weights == 0, 0.0, y)
    mu = (weights * y + 0.5) / (weights + 1)
    eta = linkfun(mu)
    mu = linkinv(eta)
    devold = dev(mu)
    coef = np.zeros(X.shape[1])
    for _ in range(maxit):
        me = mu_eta(eta)
        good = (weights > 0) & (me != 0)
        z = eta[good] + (y - mu)[good] / me[good]
        w = np.sqrt(weights[good] * me[good] ** 2 / (mu[good] * (1 - mu[good])))
        coef, *_ = np.linalg.lstsq(X[good] * w[:, None], z * w, rcond=None)
        eta = X @ coef
        mu = linkinv(eta)
        d = dev(mu)
        if abs(d - devold) / (abs(d) + 0.1) < epsilon:
            return coef
        devold = d
    raise ValueError("attempt to find suitable starting values failed (glm.fit did not converge)")


def start_values(x, y, wt, q, method, polr=False) -> np.ndarray:
    """R's starting values: a binomial fit on ``y > (q+1) %/% 2`` and spaced cut points."""
    n = y.size
    q1 = (q + 1) // 2
    X = np.hstack([np.ones((n, 1)), x])
    link = {"logistic": "logit", "probit": "probit", "cloglog": "probit", "cauchit": "cauchit"}
    # svyolr rescales the weights to mean 1 (quasibinomial); polr passes them as they are
    w = wt if polr else wt / float(_lsum(wt) / n)
    coefs = glm_fit_binomial(X, (y > q1).astype(float), w, link[method])
    spacing = special.logit(np.arange(1, q + 1) / (q + 1))
    # survey's svyolr tests method != "logit" (always true); polr tests != "logistic"
    if not polr or method != "logistic":
        spacing = spacing / 1.7
    gammas = -coefs[0] + spacing - spacing[q1 - 1]
    thetas = np.concatenate([gammas[:1], np.log(np.diff(gammas))])
    return np.concatenate([coefs[1:], thetas])


@dataclass
class OLRFit:
    """Result of :func:`fit`: ``coef`` = (beta, zeta); ``influence`` (n, p) the row
    influence ``s_i H^{-1}`` (weight-multiplied) for the linearisation variance."""

    coef: np.ndarray
    deviance: float
    counts: tuple[int, int]
    converged: bool
    influence: np.ndarray | None


def fit(
    x,
    y,
    wt,
    q,
    method="logistic",
    *,
    start=None,
    polr=False,
    hessian=True,
    reltol=RELTOL,
    maxit=MAXIT,
) -> OLRFit:
    """Fit the cumulative-link model as R's ``svyolr`` (or ``MASS::polr`` with ``polr``).

    Parameters
    ----------
    x : ndarray (n, pc)
        Model matrix without the intercept (rows of the fit only).
    y : ndarray (n,) of int
        Level codes 1..q+1.
    wt : ndarray (n,)
        Weights (R's ``weights(design)``: not rescaled; BFGS is not scale invariant).
    q : int
        Number of cut points (levels - 1).
    start : ndarray, optional
        Starting values in R's (beta, theta) parametrisation; default R's.
    hessian : bool
        Compute R's numerical Hessian and the row influence.
    reltol, maxit : float, int
        ``optim``'s BFGS control (R's defaults).
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r}: use one of {', '.join(METHODS)}")
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=int)
    wt = np.asarray(wt, dtype=float)
    prob = _Problem(x, y, wt, q, method, polr)
    if start is None:
        start = start_values(x, y, wt, q, method, polr)
    par, value, counts, fail = vmmin(prob.fmin, prob.gmin, start, maxit=maxit, reltol=reltol)
    pc = x.shape[1]
    theta = par[pc:]
    zeta = _zeta(theta)
    coef = np.concatenate([par[:pc], zeta])
    deviance = 2 * value / float(_lsum(wt) / wt.size)
    infl = None
    if hessian:
        vc = ginv(optimhess(prob.gmin, par))
        A = np.eye(pc + q)
        A[pc:, pc:] = _jacobian(np.concatenate([zeta[:1], np.log(np.diff(zeta))]))
        Vm = A @ vc @ A.T
        infl = prob.scores(par, logdiff=False) @ np.linalg.inv(np.linalg.inv(Vm))
    return OLRFit(coef, deviance, counts, fail == 0, infl)
