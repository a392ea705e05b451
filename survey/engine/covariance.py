"""Population variances and covariances of variables (R's ``svyvar``) as an engine estimator.

For variables ``x_j, x_k`` in a domain, with ``N = sum w``, ``M_j = sum w x_j / N``::

    S_jk = n / (n - 1) * (sum w x_j x_k / N - M_j M_k)

a smooth function of the domain totals of ``1, x_j, x_j x_k`` over rows complete on every
variable (R's ``na.rm=TRUE`` drops rows missing any variable of the formula). Its Taylor
influence equals R's, which takes ``svymean((x - xbar)^2 n/(n-1))`` with ``xbar`` fixed: the
derivative with respect to the mean is exactly zero at the weighted mean. Replicate designs
recompute the means in every replicate, as R's ``svyvar.svyrep.design``.

``n`` follows R exactly: on a Taylor design the rows of the domain with non-zero weight
(counting rows with missing values, as R computes ``n`` before ``na.rm``); on a replicate
design the rows of the domain complete on every variable (R's subset drops the rows).
"""

from __future__ import annotations

import numpy as np

from survey.engine.estimators import Estimator, _masks, _safe_div


class Covariance(Estimator):
    """Covariances ``S_jk`` (``j <= k``; ``j == k`` the variance), one item per pair.

    Quantities: ``1`` (complete rows), ``x_j``, and ``x_j x_k`` for each pair, all zero on
    incomplete rows. ``extra["n"]`` holds R's ``n`` per domain (set by :func:`build`)."""

    @classmethod
    def build(cls, design, variables, dom):
        from survey.design import ReplicateDesign

        data = design.data
        values, ok = _masks(data, variables, "listwise")
        m = ok[0]
        mf = m.astype(float)
        xs = [np.where(m, v, 0.0) for v in values]
        columns = [mf, *xs]
        item_q, names, withs = [], [], []
        p = len(variables)
        for j in range(p):
            for k in range(j, p):
                columns.append(xs[j] * xs[k])
                item_q.append((len(columns) - 1, 1 + j, 1 + k, 0))
                names.append(variables[j])
                withs.append(variables[k])
        est = cls("var", names, [None] * len(names), columns, item_q, [0] * len(names))
        in_dom = dom.codes >= 0
        if isinstance(design, ReplicateDesign):
            rows = in_dom & m
        else:
            rows = in_dom & (design.weights != 0)
        est.extra["n"] = np.bincount(dom.codes[rows], minlength=dom.n_domains).astype(float)
        est.extra["with"] = withs
        return est

    def _parts(self, T):
        idx = np.array(self.item_q)
        return (T[..., idx[:, q]] for q in range(4))

    def _factor(self, T):
        n = self.extra["n"]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = n / (n - 1)
        return c[:, None] if T.ndim >= 2 else c

    def point(self, T):
        A, B, C, N = self._parts(T)
        with np.errstate(invalid="ignore"):
            return self._factor(T) * (_safe_div(A, N) - _safe_div(B, N) * _safe_div(C, N))

    def coef(self, T):
        A, B, C, N = self._parts(T)  # (D x J)
        c = self._factor(T)
        out = []
        with np.errstate(invalid="ignore"):
            for j in range(self.n_items):
                n_ = N[:, j]
                mj, mk = _safe_div(B[:, j], n_), _safe_div(C[:, j], n_)
                cj = c[:, 0]
                out.append(
                    np.stack(
                        [
                            _safe_div(cj, n_),
                            -_safe_div(cj * mk, n_),
                            -_safe_div(cj * mj, n_),
                            _safe_div(cj * (2 * mj * mk - _safe_div(A[:, j], n_)), n_),
                        ],
                        axis=1,
                    )
                )
        return out

    def vsrs(self, T, n, replace=False):
        """No design effect for a variance (R's ``svyvar`` reports none): NaN."""
        return np.full(T.shape[:-1] + (self.n_items,), np.nan)


def estimate_covariance(design, variables, by=None):
    """:class:`~survey.engine.core.EstimateSet` of ``S_jk`` for ``j <= k`` in each domain."""
    from survey.engine.core import estimate
    from survey.engine.domains import make_domains

    variables = [variables] if isinstance(variables, str) else list(dict.fromkeys(variables))
    dom = make_domains(design.data, by)
    est = Covariance.build(design, variables, dom)
    out = estimate(design, "var", variables, domains=dom, estimator=est)
    out.labels["with"] = np.tile(np.asarray(est.extra["with"], dtype=object), dom.n_domains)
    return out
