"""Covariance of regression coefficients: row influence (Taylor) or replicate refits.

A design-weighted estimating equation ``sum_i w_i U_i(beta) = 0`` (``svyglm``) has the
linearised influence ``w_i U_i(beta) A^{-1}`` per row, ``A`` the weighted information. Its
covariance is the design variance of the totals of that influence: exactly what
:func:`survey.engine.linearization.vcov` computes for every other estimator (R's
``svy.varcoef`` -> ``svyrecvar``), after the calibration residualisation of a post-stratified,
raked or calibrated design (:func:`survey.engine.calibrate_variance.residualize_rows`).

Replicate-weight designs have no influence-based variance: as R's ``svyglm.svyrep.design``,
the model is refitted with every replicate's weights, starting from the full-sample fit, and
the replicate coefficients go through :func:`survey.engine.replicate.vcov` (R's ``svrVar``).
This module holds no variance formula of its own.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from survey.engine import linearization, replicate
from survey.engine.calibrate_variance import residualize_rows
from survey.engine.logit_glm import _mu_eta, _y_log_y, linkinv

#: ``glm.control()`` defaults: R's stopping rule for the replicate refits.
GLM_EPSILON = 1e-8
GLM_MAXIT = 25
#: Upper bound on the number of (row, replicate) values held at once by the refits.
_CHUNK_CELLS = 2_000_000
_CHUNK_MAX = 100


def vcov_from_row_influence(design, U) -> np.ndarray:
    """Design covariance (p x p) of p estimates with row-level influence ``U``.

    Parameters
    ----------
    design : survey.Design
        A Taylor-linearisation design, calibrated or not.
    U : array_like (n x p)
        Row-level influence, already multiplied by the weights (R's
        ``estfun %*% Ainv`` in ``svy.varcoef``); rows not used by the estimates hold zeros.

    Returns
    -------
    numpy.ndarray (p x p)
        R's ``svyrecvar(U, ..., postStrata = design$postStrata)``: the calibration steps of
        ``design`` (post-stratification, raking, GREG) applied to ``U`` in order, then the
        stages, strata, FPC and lonely-PSU policy of ``design``.

    Notes
    -----
    ``U`` is n x p with p the number of coefficients, so the calibration residualisation is
    applied to it row by row (dense, O(n p) per step) instead of on aggregates as the rest
    of the engine does for its n x (variables x domains) influence. Replicate designs raise
    ``NotImplementedError``: use :func:`vcov_from_replicate_refits`.
    """
    from survey.design import ReplicateDesign

    if isinstance(design, ReplicateDesign):
        raise NotImplementedError(
            "replicate designs have no row-influence variance: refit with each replicate "
            "weight (survey.engine.regression.vcov_from_replicate_refits)"
        )
    U = np.asarray(U, dtype=float)
    if U.ndim == 1:
        U = U[:, None]
    if U.shape[0] != design.n:
        raise ValueError(f"U has {U.shape[0]} rows; the design has {design.n}")
    if not np.isfinite(U).all():
        raise ValueError("U holds missing or infinite values; put zeros for unused rows")
    if design.calibration:
        U = residualize_rows(design, U)
    last = design.variance_stages[-1]
    rows = last.unit
    p = U.shape[1]
    Z = np.stack(
        [np.bincount(rows, weights=U[:, k], minlength=last.n_units) for k in range(p)], axis=1
    )
    return linearization.vcov(design, sp.csr_matrix(Z), full=True)


def _replicate_weight_chunks(design, size):
    """Yield (slice, n x r block of row-level replicate weights) without forming n x R."""
    R = design.n_replicates
    for start in range(0, R, size):
        sl = slice(start, min(start + size, R))
        if design.factors is not None:
            yield sl, design.weights[:, None] * design.factors[:, sl][design.unit]
        else:
            yield sl, design.repweights()[:, sl]


def replicate_coefficients(
    design,
    X,
    y,
    family: str,
    beta,
    rows=None,
    *,
    epsilon: float = GLM_EPSILON,
    maxit: int = GLM_MAXIT,
    progress: bool | None = None,
    offset=None,
) -> np.ndarray:
    """Coefficients of the model refitted with each replicate's weights: (R x p).

    As R's ``svyglm.svyrep.design``: replicate ``r`` fits the same model by ``glm.fit`` with
    prior weights ``w_r / sum(w_r)`` over the model's rows, started at the full-sample
    coefficients ``beta``.

    Parameters
    ----------
    design : survey.ReplicateDesign
    X : ndarray (n x p)
        Model matrix (any values in rows outside ``rows``).
    y : ndarray (n,)
        Response; in [0, 1] for the binomial families.
    family : {"gaussian", "binomial", "quasibinomial"}
        Identity link (weighted least squares: one solve per replicate, all replicates at
        once through their normal equations) or logit link (IRLS for all replicates at
        once, each replicate stopping by R's rule ``|dev - dev_old| / (|dev| + 0.1) <
        epsilon`` on its deviance, as ``glm.fit``).
    beta : ndarray (p,)
        Full-sample coefficients (the starting values).
    rows : ndarray of bool (n,), optional
        Rows used by the model (R's ``na.action``); default all.
    epsilon, maxit : float, int
        ``glm.control`` of the binomial refits (R's defaults 1e-8 and 25; R's replicate
        refits use the control of the full fit).
    progress : bool, optional
        Show a rich progress bar; default: with 200 replicates or more on a terminal.

    Returns
    -------
    numpy.ndarray (R x p)

    Notes
    -----
    The normal equations are solved in the coordinates ``X R0^{-1}``, ``R0`` the triangular
    factor of the full-sample weighted model matrix, where they are well conditioned
    (replicate weights are close to the full-sample ones); the linear fits get one step of
    iterative refinement. Replicates are processed in blocks so that at most a few million
    (row, replicate) values are held at once. A replicate whose weights leave the model
    matrix rank deficient (a category with no weight left) raises ``ValueError``.
    """
    from survey._progress import progress_iter

    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    beta = np.asarray(beta, dtype=float)
    n, p = X.shape
    rows = np.ones(n, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    binomial = family in ("binomial", "quasibinomial")
    loglink = family in FAMILY_LINKS  # poisson, quasipoisson (with offset)
    if not binomial and not loglink and family != "gaussian":
        raise ValueError(
            f"family={family!r}: use gaussian, binomial, quasibinomial, poisson or quasipoisson"
        )
    off = np.zeros(n) if offset is None else np.where(rows, np.asarray(offset, float), 0.0)
    X = np.where(rows[:, None], X, 0.0)
    y = np.where(rows, y, 0.0)
    w0 = np.where(rows, design.weights, 0.0)
    # preconditioner: R factor of the full-sample working-weighted model matrix
    if binomial:
        mu0 = linkinv(X @ beta)
        vw0 = w0 * mu0 * (1 - mu0)
    elif loglink:
        vw0 = w0 * FAMILY_LINKS[family].linkinv(X @ beta + off)
    else:
        vw0 = w0
    R0 = np.linalg.qr(X * np.sqrt(vw0 / vw0.sum())[:, None], mode="r")
    if np.any(np.abs(np.diag(R0)) <= 1e-12 * np.abs(R0).max()):
        raise ValueError("the model matrix is rank deficient under the full-sample weights")
    Xt = scipy.linalg.solve_triangular(R0.T, X.T, lower=True).T  # X R0^{-1}
    iu, ju = np.triu_indices(p)
    XX = Xt[:, iu] * Xt[:, ju]  # (n x p(p+1)/2): normal equations of all replicates at once
    gamma0 = R0 @ beta
    Xty = Xt * y[:, None]
    all_rows = bool(rows.all())

    def normal(wts):  # (Rc x p x p) from (n x Rc) weights
        A = np.empty((wts.shape[1], p, p))
        flat = (XX.T @ wts).T
        A[:, iu, ju] = flat
        A[:, ju, iu] = flat
        return A

    def check_rank(A, idx):
        # in the preconditioned coordinates a full-rank replicate has eigenvalues of order 1
        eig = np.linalg.eigvalsh(A)
        bad = eig[:, 0] <= 1e-10 * np.maximum(eig[:, -1], 1e-300)
        if bad.any():
            raise ValueError(
                f"replicate(s) {(idx[bad] + 1).tolist()[:10]}: the model matrix is rank "
                "deficient under their weights (a category of the model has no weight left "
                "in the replicate; R would drop such replicates with NA coefficients)"
            )

    def solve(A, b, idx):
        try:
            return np.linalg.solve(A, b[..., None])[..., 0]
        except np.linalg.LinAlgError:
            bad = [int(idx[i]) + 1 for i in range(A.shape[0]) if np.linalg.matrix_rank(A[i]) < p]
            raise ValueError(
                f"replicate(s) {bad[:10]}: the model matrix is rank deficient under their "
                "weights (a category of the model has no weight left in the replicate)"
            ) from None

    R = design.n_replicates
    size = max(1, min(_CHUNK_CELLS // max(n, 1), _CHUNK_MAX))
    chunks = list(_replicate_weight_chunks(design, size))
    if progress is None:
        progress = R >= 200 and sys.stderr.isatty()
    out = np.empty((R, p))
    not_converged = 0
    for sl, W in progress_iter(chunks, len(chunks), "refitting replicates", progress):
        if not all_rows:
            W = np.where(rows[:, None], W, 0.0)
        tot = W.sum(axis=0)
        if (tot <= 0).any():
            bad = (np.flatnonzero(tot <= 0) + sl.start + 1).tolist()
            raise ValueError(f"replicate(s) {bad[:10]} have no weight on the model's rows")
        W = W / tot
        if not binomial and not loglink:
            idx = np.arange(sl.start, sl.stop)
            A = normal(W)
            check_rank(A, idx)
            G = solve(A, (Xty.T @ W).T, idx).T  # (p x Rc)
            res = y[:, None] - Xt @ G
            G = G + solve(A, (Xt.T @ (W * res)).T, idx).T
        elif loglink:
            check_rank(normal(W), np.arange(sl.start, sl.stop))
            G, left = _irls_family(
                FAMILY_LINKS[family],
                Xt,
                y,
                off,
                W,
                gamma0,
                normal,
                solve,
                sl.start,
                epsilon,
                maxit,
            )
            not_converged += left
        else:
            check_rank(normal(W), np.arange(sl.start, sl.stop))
            G, left = _irls(Xt, y, W, gamma0, normal, solve, sl.start, epsilon, maxit)
            not_converged += left
        out[sl] = scipy.linalg.solve_triangular(R0, G).T
    if not_converged:
        warnings.warn(
            f"{not_converged} replicate fit(s) did not converge in {maxit} iterations "
            "(R's glm.fit warns likewise); their last iterates are used",
            stacklevel=3,
        )
    return out


def _irls(Xt, y, W, gamma0, normal, solve, first, epsilon, maxit):
    """glm.fit's IRLS (logit link) for the replicate weights in the columns of ``W``."""
    Rc = W.shape[1]
    G = np.repeat(gamma0[:, None], Rc, axis=1)

    def deviance(eta, Wa):
        mu = linkinv(eta)
        r = _y_log_y(y[:, None], mu) + _y_log_y(1 - y[:, None], 1 - mu)
        return 2 * (Wa * r).sum(axis=0)

    eta = Xt @ G
    devold = deviance(eta, W)
    active = np.arange(Rc)
    for _ in range(maxit):
        Wa, ea = W[:, active], eta[:, active]
        mu = linkinv(ea)
        me = _mu_eta(ea)
        z = ea + (y[:, None] - mu) / me
        ww = Wa * me**2 / (mu * (1 - mu))
        Ga = solve(normal(ww), (Xt.T @ (ww * z)).T, first + active).T
        ea = Xt @ Ga
        G[:, active] = Ga
        eta[:, active] = ea
        dev = deviance(ea, Wa)
        conv = np.abs(dev - devold[active]) / (np.abs(dev) + 0.1) < epsilon
        devold[active] = dev
        active = active[~conv]
        if active.size == 0:
            break
    return G, int(active.size)


def _irls_family(fam, Xt, y, off, W, gamma0, normal, solve, first, epsilon, maxit):
    """glm.fit's IRLS for a :data:`FAMILY_LINKS` family with offset ``off``, all replicate
    weights (columns of ``W``) at once, each stopping by R's deviance rule."""
    Rc = W.shape[1]
    G = np.repeat(gamma0[:, None], Rc, axis=1)
    yc, oc = y[:, None], off[:, None]
    eta = Xt @ G + oc
    devold = fam.dev(yc, fam.linkinv(eta), W)
    active = np.arange(Rc)
    for _ in range(maxit):
        Wa, ea = W[:, active], eta[:, active]
        mu = fam.linkinv(ea)
        me = fam.mu_eta(ea)
        z = ea - oc + (yc - mu) / me
        ww = Wa * me**2 / fam.variance(mu)
        Ga = solve(normal(ww), (Xt.T @ (ww * z)).T, first + active).T
        ea = Xt @ Ga + oc
        G[:, active] = Ga
        eta[:, active] = ea
        dev = fam.dev(yc, fam.linkinv(ea), Wa)
        conv = np.abs(dev - devold[active]) / (np.abs(dev) + 0.1) < epsilon
        devold[active] = dev
        active = active[~conv]
        if active.size == 0:
            break
    return G, int(active.size)


def vcov_from_replicate_refits(design, X, y, family, beta, rows=None, **kwargs) -> np.ndarray:
    """Replicate covariance (p x p) of model coefficients (R's ``svyglm.svyrep.design``).

    The coefficients of :func:`replicate_coefficients` go through
    :func:`survey.engine.replicate.vcov`: ``scale * sum_r rscales_r (beta_r - centre)
    (beta_r - centre)'``, centred at the replicates' mean or, with ``design.mse``, at the
    full-sample ``beta`` (R's ``svrVar``). ``kwargs`` pass to
    :func:`replicate_coefficients`.
    """
    reps = replicate_coefficients(design, X, y, family, beta, rows, **kwargs)
    return replicate.vcov(design, reps, np.asarray(beta, dtype=float), full=True)


# -- R's glm.fit replayed (poisson / quasipoisson, log link) ----------------------------------
_DBL_EPS = np.finfo(float).eps


class _LogLink:
    """R's ``poisson()`` / ``quasipoisson()`` family: log link, variance ``mu``."""

    @staticmethod
    def linkinv(eta):
        return np.maximum(np.exp(eta), _DBL_EPS)

    mu_eta = linkinv

    @staticmethod
    def variance(mu):
        return mu

    @staticmethod
    def dev(y, mu, wt):  # R's poisson dev.resids, summed per column
        r = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0) - (y - mu)
        return 2 * (wt * r).sum(axis=0)

    @staticmethod
    def start(y, w):  # R's poisson initialize: mustart <- y + 0.1
        return np.log(y + 0.1)


class _LogitLink:
    """R's ``binomial()`` / ``quasibinomial()`` family: logit link (R's C ``logit_linkinv``
    and ``logit_mu_eta``, thresholds included), variance ``mu (1 - mu)``."""

    linkinv = staticmethod(linkinv)
    mu_eta = staticmethod(_mu_eta)

    @staticmethod
    def variance(mu):
        return mu * (1 - mu)

    @staticmethod
    def dev(y, mu, wt):  # R's binomial_dev_resids, summed per column
        r = _y_log_y(y, mu) + _y_log_y(1 - y, 1 - mu)
        return 2 * (wt * r).sum(axis=0)

    @staticmethod
    def start(y, w):  # R's (quasi)binomial initialize: mustart <- (w y + 0.5) / (w + 1)
        mu = (w * y + 0.5) / (w + 1)
        return np.log(mu / (1 - mu))


#: Log-link count families (their replicate refits run through :func:`_irls_family`).
FAMILY_LINKS = {"poisson": _LogLink, "quasipoisson": _LogLink}
#: Every family :func:`glm_replay` replays (the binomial ones keep their own refit code).
REPLAY_FAMILIES = {**FAMILY_LINKS, "binomial": _LogitLink, "quasibinomial": _LogitLink}


def glm_replay(X, y, w, family, offset=None, epsilon=GLM_EPSILON, maxit=GLM_MAXIT):
    """R's ``glm.fit`` IRLS replayed step by step (``family`` in :data:`REPLAY_FAMILIES`).

    Same starting values (the family's ``initialize``), the same weighted least-squares
    steps and R's stopping rule ``|dev - dev_old| / (|dev| + 0.1) < epsilon``, so the
    coefficients are the ones R returns at that ``glm.control`` (not the fully converged
    ones). Returns ``(beta, U_pieces)`` where ``U_pieces = (wt, r, Ainv)``: R's working
    weights ``wt`` of the LAST iteration (``glm.object$weights``, computed before its final
    update), the working residuals ``r = (y - mu) / mu.eta(eta)`` at the final fit and
    ``Ainv = (X' wt X)^{-1}`` (``summary.glm``'s ``cov.unscaled``): the pieces of
    ``svy.varcoef``'s ``estfun %*% Ainv = X * wt * r %*% Ainv``. Rows with ``w == 0`` are
    outside the fit (R's ``good``)."""
    fam = REPLAY_FAMILIES[family]
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype=float)
    good = w > 0
    Xg, yg, wg, og = X[good], y[good], w[good], off[good]
    eta = fam.start(yg, wg)
    mu = fam.linkinv(eta)
    devold = fam.dev(yg, mu, wg)
    coef = np.zeros(X.shape[1])
    it = 0
    for it in range(1, maxit + 1):  # noqa: B007
        me = fam.mu_eta(eta)
        z = (eta - og) + (yg - mu) / me
        ww = wg * me**2 / fam.variance(mu)
        coef = _wls(Xg, z, ww)
        eta = Xg @ coef + og
        mu = fam.linkinv(eta)
        dev = fam.dev(yg, mu, wg)
        if abs(dev - devold) / (abs(dev) + 0.1) < epsilon:
            break
        devold = dev
    else:
        warnings.warn(f"glm IRLS did not converge in {maxit} iterations", stacklevel=3)
    wt = np.zeros(len(y))
    r = np.zeros(len(y))
    wt[good] = ww
    r[good] = (yg - mu) / fam.mu_eta(eta)
    Ainv = np.linalg.inv(X.T @ (X * wt[:, None]))
    return coef, (wt, r, Ainv), it


def _wls(X, z, w):
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)
    return beta
