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


def _linkinv(eta):  # R's logit_linkinv (C)
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


def logit_intervals(es, t):
    """(lower, upper) of R's logit interval for each estimate of a proportion EstimateSet,
    or None when the set does not come from a plain linearisation pass."""
    extra = es.extra
    if "estimator" not in extra or es.design.calibration:
        return None
    est, dom, cells = extra["estimator"], extra["domains"], extra["cells"]
    design = es.design
    w = design.weights
    D, J = dom.n_domains, est.n_items
    in_dom = dom.codes >= 0
    # R rescales weights by their mean over the domain's rows (before dropping NA answers)
    meanw = np.bincount(dom.codes[in_dom], weights=w[in_dom], minlength=D) / np.maximum(
        np.bincount(dom.codes[in_dom], minlength=D), 1
    )
    unit_of_row = np.full(design.n, -1)
    unit_of_row[cells.row_mask] = cells.cell_unit[cells.row_cell]
    lower = np.full(D * J, np.nan)
    upper = np.full(D * J, np.nan)
    cols, rows_z, vals_z = [], [], []
    beta_all = np.full((D, J), np.nan)
    for j, qs in enumerate(est.item_q):
        yq, mq = qs
        rows = in_dom & (est.columns[mq] > 0) & (w > 0)
        d = dom.codes[rows]
        y = est.columns[yq][rows]
        pw = w[rows] / meanw[d]
        mu = (pw * y + 0.5) / (pw + 1)
        eta = np.log(mu / (1 - mu))
        devold = _dev(y, mu, pw, d, D)
        active = np.ones(D, dtype=bool)
        beta = np.full(D, np.nan)
        w2_final = np.zeros_like(pw)
        for _ in range(MAXIT):
            act = active[d]
            me = _mu_eta(eta[act])
            var = mu[act] * (1 - mu[act])
            z = eta[act] + (y[act] - mu[act]) / me
            w2 = pw[act] * me**2 / var
            da = d[act]
            with np.errstate(divide="ignore", invalid="ignore"):
                b = np.bincount(da, weights=w2 * z, minlength=D) / np.bincount(
                    da, weights=w2, minlength=D
                )
            w2_final[act] = w2
            beta[active] = b[active]
            eta[act] = b[da]
            mu[act] = _linkinv(eta[act])
            dev = _dev(y, mu, pw, d, D)
            conv = np.abs(dev - devold) / (np.abs(dev) + 0.1) < EPSILON
            active &= ~conv
            devold = dev
            if not active.any():
                break
        beta_all[:, j] = beta
        # sandwich: estfun = resid_working * working weights, times (sum of working weights)^-1
        with np.errstate(divide="ignore"):
            ainv = 1.0 / np.bincount(d, weights=w2_final, minlength=D)
        infl = (y - mu) / _mu_eta(eta) * w2_final * ainv[d]
        u = unit_of_row[rows]
        cols.append(d * J + j)
        rows_z.append(u)
        vals_z.append(infl)
    Z = sp.csr_matrix(
        (np.concatenate(vals_z), (np.concatenate(rows_z), np.concatenate(cols))),
        shape=(es.Z.shape[0], D * J),
    )
    var = linearization.vcov(design, Z, es.strata_presence, full=False)
    se_beta = np.sqrt(np.maximum(var, 0.0))
    b = beta_all.reshape(-1)
    lower = _linkinv(b - t * se_beta)
    upper = _linkinv(b + t * se_beta)
    return lower, upper
