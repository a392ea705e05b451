"""Quantiles with Woodruff confidence intervals (R's ``svyquantile`` for ``survey.design``).

For each domain, the quantile is R's ``qrule="math"`` (the inverse of the weighted
distribution function, rows with zero weight dropped). The interval inverts a confidence
interval for the distribution function at the estimated quantile: the share of the domain at
or below ``q_hat`` is estimated through the engine (so its variance is the ordinary
linearised or replicate variance of a mean), its interval is computed with ``ci`` ("mean",
"xlogit", "beta" or "asin"), and the two limits are mapped back through the same quantile
rule. ``se`` is ``(upper - lower) / (2 t(df))`` as R reports it. Degrees of freedom default to
R's: the domain's PSUs minus strata among rows with an answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey._schema import finalize
from survey.engine import ci as ci_mod
from survey.engine.core import _apply_quality, _stage1_presence, estimate
from survey.engine.domains import make_domains
from survey.engine.estimators import MeanTotal, numeric_column


def qrule_math(x_sorted: np.ndarray, cumw: np.ndarray, p: float) -> float:
    """R's ``qrule_math`` on values sorted (stably) with their cumulative weights."""
    n = x_sorted.size
    if n == 0 or not np.isfinite(p):
        return np.nan
    total = cumw[-1]
    count = int(np.searchsorted(cumw, p * total, side="right"))
    pos = max(count, 1) - 1  # 0-based index of R's `pos`
    posnext = pos if pos == n - 1 else pos + 1
    wlow = p - cumw[pos] / total
    return float(x_sorted[pos] if wlow == 0 else x_sorted[posnext])


def quantile(
    design, variables, q=(0.5,), by=None, ci="mean", level=0.95, df="domain", na="available"
):
    """See :meth:`survey.design.Design.quantile`."""
    if isinstance(variables, str):
        variables = [variables]
    q = [float(p) for p in np.atleast_1d(q)]
    if any(not 0 <= p <= 1 for p in q):
        raise ValueError(f"quantiles must be between 0 and 1, got {q}")
    if ci not in ("mean", "wald", "xlogit", "beta", "asin"):
        raise ValueError(f"ci={ci!r}: Woodruff intervals use 'mean', 'xlogit', 'beta' or 'asin'")
    dom = make_domains(design.data, by)
    D = dom.n_domains
    w = design.weights
    values = {v: numeric_column(design.data, v) for v in variables}
    if na == "listwise":
        joint = np.logical_and.reduce([~np.isnan(x) for x in values.values()])
        values = {v: np.where(joint, x, np.nan) for v, x in values.items()}
    frames = []
    for var, x in values.items():
        ok = ~np.isnan(x) & (dom.codes >= 0)
        codes = np.where(ok, dom.codes, -1)
        order = np.lexsort((x, codes))  # by domain, then value; stable
        order = order[codes[order] >= 0]
        order = order[w[order] > 0]
        seg_dom = codes[order]
        bounds = np.searchsorted(seg_dom, np.arange(D + 1))
        segments = []
        for d in range(D):
            rows = order[bounds[d] : bounds[d + 1]]
            # R accumulates cumsum() in long double; ties at exactly p * total depend on it
            cumw = np.cumsum(w[rows], dtype=np.longdouble).astype(float)
            segments.append((x[rows], cumw))
        qhat = np.array([[qrule_math(xs, cw, p) for p in q] for xs, cw in segments])  # (D x P)
        # share at or below the quantile, one 0/1 item per quantile level, through the engine
        m = ok.astype(float)
        cols, item_q, count_q = [], [], []
        for k in range(len(q)):
            thr = np.full(design.n, np.nan)
            thr[ok] = qhat[codes[ok], k]
            ind = np.where(ok, (x <= thr).astype(float), 0.0)
            base = len(cols)
            cols += [ind, m, ind]
            item_q.append((base, base + 1))
            count_q.append(base + 1)
        est = MeanTotal("mean", [var] * len(q), q, cols, item_q, count_q)
        es = estimate(design, "mean", None, domains=dom, estimator=est)
        p_hat = es.theta
        se_p = np.sqrt(np.maximum(es.variance(), 0.0))
        from survey.design import ReplicateDesign

        if isinstance(design, ReplicateDesign):  # R: degf = rank of replicates - 1
            df_dom = np.full(D, float(design.degf))
            nrow_dom = np.bincount(codes[codes >= 0], minlength=D)
        else:
            df_dom, nrow_dom, _ = _stage1_presence(design, codes, D)
        if df == "domain":
            dfs = np.repeat(df_dom, len(q)).astype(float)
        else:
            dfs = es.degrees_of_freedom(df)
        method = "wald" if ci in ("mean", "wald") else ci
        low_p, high_p = ci_mod.interval(
            method, p_hat, se_p, dfs, level, nrow=np.repeat(nrow_dom, len(q)), statistic="prop"
        )
        lower = np.full(D * len(q), np.nan)
        upper = np.full(D * len(q), np.nan)
        for d in range(D):
            xs, cw = segments[d]
            for k in range(len(q)):
                i = d * len(q) + k
                if np.isfinite(low_p[i]) and low_p[i] >= 0:
                    lower[i] = qrule_math(xs, cw, low_p[i])
                if np.isfinite(high_p[i]) and high_p[i] <= 1:
                    upper[i] = qrule_math(xs, cw, high_p[i])
        tcrit = ci_mod.critical(level, dfs)
        se = (upper - lower) / (2 * tcrit)
        frame = es.labels.copy()
        frame["estimate"] = qhat.reshape(-1)
        frame["se"] = se
        frame["ci_low"] = lower
        frame["ci_high"] = upper
        frame["df"] = dfs
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["cv"] = se / np.abs(frame["estimate"].to_numpy())
        frame["deff"] = np.nan
        frame["n"] = es.n
        frame["n_weighted"] = es.n_weighted
        frames.append(frame)
    out = finalize(pd.concat(frames, ignore_index=True), dom.by)
    out.attrs.update(
        {"level": level, "ci_method": f"woodruff-{ci}", "df_rule": df, "statistic": "quantile"}
    )
    return _apply_quality(out, "default")
