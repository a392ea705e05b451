"""R's ``svyciprop(method="logit")`` interval, reproduced to the last digit.

R fits ``svyglm(y ~ 1, family=quasibinomial)`` on each domain (rescaled weights
``w / mean(w)`` over the domain's rows) and takes a Wald interval for the intercept. ``glm``
stops its IRLS once the deviance changes by less than 1e-8 relative, so the fitted
proportion ``mu`` differs from the weighted mean by up to a few 1e-8, and the sandwich
variance is evaluated at that ``mu`` with the working weights of the last iteration. To give
the same interval this module replays those iterations (vectorised over domains: one
weighted sum per domain and iteration) and feeds the resulting influence values through the
ordinary linearisation variance. The point estimate the package reports stays the exact
weighted mean.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from survey.engine import linearization

EPSILON = 1e-8  # glm.control()$epsilon
MAXIT = 25  # glm.control()$maxit
_THRESH, _MTHRESH = 30.0, -30.0
_EPS = np.finfo(float).eps


def linkinv(eta):  # R's logit_linkinv (C)
    tmp = np.where(eta < _MTHRESH, _EPS, np.where(eta > _THRESH, 1 / _EPS, np.exp(eta)))
    return tmp / (1 + tmp)


def _mu_eta(eta):  # R's logit_mu_eta (C)
    opexp = 1 + np.exp(eta)
    return np.where((eta > _THRESH) | (eta < _MTHRESH), _EPS, np.exp(eta) / (opexp * opexp))


def _y_log_y(y, mu):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y != 0, y * np.log(y / mu), 0.0)


def _dev(y, mu, wt, dom, D):
    r = 2 * wt * (_y_log_y(y, mu) + _y_log_y(1 - y, 1 - mu))
    return np.bincount(dom, weights=r, minlength=D)


def replay_glm(es):
    """Replay ``glm``'s IRLS for ``y ~ 1`` (quasibinomial, prior weights ``w / mean(w)``) in
    every domain and item; return per estimate: intercept, fitted mu, sandwich variance of
    the intercept, sum of final working weights, ``sum(pw y)``, ``sum(pw (1 - y))``,
    ``summary.svyglm``'s dispersion and the model's rows."""
    est, dom, cells = es.extra["estimator"], es.extra["domains"], es.extra["cells"]
    design = es.design
    w = design.weights
    D, J = dom.n_domains, est.n_items
    in_dom = dom.codes >= 0
    count_all = np.bincount(dom.codes[in_dom], minlength=D)
    meanw = np.bincount(dom.codes[in_dom], weights=w[in_dom], minlength=D) / np.maximum(
        count_all, 1
    )
    cell_of_row = np.full(design.n, -1)
    cell_of_row[cells.row_mask] = cells.row_cell
    out = np.full((8, D, J), np.nan)
    Zg = np.zeros((cells.n_cells, J))
    for j, (yq, mq) in enumerate(est.item_q):
        answered = in_dom & (est.columns[mq] > 0)
        rows = answered & (w > 0)
        d = dom.codes[rows]
        y = est.columns[yq][rows]
        pw = w[rows] / meanw[d]
        mu = (pw * y + 0.5) / (pw + 1)  # binomial()$initialize
        eta = np.log(mu / (1 - mu))
        devold = _dev(y, mu, pw, d, D)
        # Iteration 1 works on rows (the starting values differ by row). From then on every
        # row of a domain shares eta, so an iteration needs only S1 = sum(pw y),
        # S0 = sum(pw (1 - y)) and C = sum(pw (y log y + (1-y) log(1-y))) per domain:
        # beta <- eta + (S1 - mu N) / (mu.eta N), dev = 2 (C - S1 log mu - S0 log(1 - mu)).
        me = _mu_eta(eta)
        z = eta + (y - mu) / me
        w2_first = pw * me**2 / (mu * (1 - mu))
        with np.errstate(divide="ignore", invalid="ignore"):
            beta = np.bincount(d, weights=w2_first * z, minlength=D) / np.bincount(
                d, weights=w2_first, minlength=D
            )
        s1 = np.bincount(d, weights=pw * y, minlength=D)
        s0 = np.bincount(d, weights=pw * (1 - y), minlength=D)
        n_pw = s1 + s0
        if ((y == 0) | (y == 1)).all():
            const = np.zeros(D)
        else:
            const = np.bincount(
                d, weights=pw * (_y_log_y(y, 1.0) + _y_log_y(1 - y, 1.0)), minlength=D
            )
        mu_d = linkinv(beta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2 * (const - s1 * np.log(mu_d) - s0 * np.log(1 - mu_d))
            conv = np.abs(dev - devold) / (np.abs(dev) + 0.1) < EPSILON
        first_only = conv.copy()  # domains whose working weights are iteration 1's
        active = ~conv
        devold = dev
        w2_scale = np.full(D, np.nan)  # working weight / pw in the last iteration
        for _ in range(MAXIT - 1):
            if not active.any():
                break
            eta_d = beta[active]
            mu_a = mu_d[active]
            me_d = _mu_eta(eta_d)
            w2_scale[active] = me_d**2 / (mu_a * (1 - mu_a))
            with np.errstate(divide="ignore", invalid="ignore"):
                beta[active] = eta_d + (s1[active] - mu_a * n_pw[active]) / (me_d * n_pw[active])
            mu_d[active] = linkinv(beta[active])
            with np.errstate(divide="ignore", invalid="ignore"):
                dev = 2 * (const - s1 * np.log(mu_d) - s0 * np.log(1 - mu_d))
                conv = np.abs(dev - devold) / (np.abs(dev) + 0.1) < EPSILON
            active &= ~conv
            devold = dev
        w2_final = np.where(first_only[d], w2_first, pw * w2_scale[d])
        eta = beta[d]
        mu = mu_d[d]
        sum_w2 = np.bincount(d, weights=w2_final, minlength=D)
        # sandwich influence of the intercept (svy.varcoef)
        with np.errstate(divide="ignore", invalid="ignore"):
            infl = (y - mu) / _mu_eta(eta) * w2_final / sum_w2[d]
        # influence totals per (unit, domain) cell, as the engine keeps them
        Zg[:, j] = np.bincount(cell_of_row[rows], weights=infl, minlength=cells.n_cells)
        mu0 = linkinv(beta)
        # summary.svyglm: svyvar of Pearson residuals; residuals.svyglm rescales the weights
        # over the answering rows, the fit over all the domain's rows
        da_all = dom.codes[answered]
        n_model = np.bincount(da_all, minlength=D)
        mean_ok = np.bincount(da_all, weights=w[answered], minlength=D) / np.maximum(n_model, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (y - mu0[d]) * np.sqrt(mean_ok[d] / meanw[d]) / np.sqrt(mu0[d] * (1 - mu0[d]))
            sw = np.bincount(d, weights=w[rows], minlength=D)
            rbar = np.bincount(d, weights=w[rows] * r, minlength=D) / sw
            n_nz = np.bincount(d, minlength=D)
            phi = (
                np.bincount(d, weights=w[rows] * (r - rbar[d]) ** 2, minlength=D)
                / sw
                * n_nz
                / (n_nz - 1)
            )
        out[0, :, j] = beta
        out[1, :, j] = mu0
        out[3, :, j] = sum_w2
        out[4, :, j] = np.bincount(d, weights=pw * y, minlength=D)
        out[5, :, j] = np.bincount(d, weights=pw * (1 - y), minlength=D)
        out[6, :, j] = phi
        out[7, :, j] = n_model
    Zg[~np.isfinite(Zg)] = 0.0
    rows_z = np.repeat(cells.cell_unit, J)
    cols_z = (cells.cell_dom[:, None] * J + np.arange(J)[None, :]).reshape(-1)
    Z = sp.csr_matrix((Zg.reshape(-1), (rows_z, cols_z)), shape=(es.Z.shape[0], D * J))
    out[2] = linearization.vcov(design, Z, es.strata_presence, full=False).reshape(D, J)
    return tuple(a.reshape(-1) for a in out)


def logit_intervals(es, t):
    """(lower, upper) of R's logit interval for each estimate of a proportion EstimateSet,
    or None when the set does not come from a plain linearisation pass."""
    if "estimator" not in es.extra or es.design.calibration or es.Z is None:
        return None
    beta, _, var_b = replay_glm(es)[:3]
    se_beta = np.sqrt(np.maximum(var_b, 0.0))
    return linkinv(beta - t * se_beta), linkinv(beta + t * se_beta)
