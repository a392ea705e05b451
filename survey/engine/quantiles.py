"""Quantiles with Woodruff confidence intervals (R's ``svyquantile`` for ``survey.design``).

For each domain, the quantile is read off the weighted distribution function of the domain's
rows with non-zero weight by one of R's quantile rules (``qrule=``, see :data:`QRULES`;
default ``"math"``, the inverse of the weighted distribution function). The interval inverts
a confidence interval for the distribution function at the estimated quantile: the share of
the domain at or below ``q_hat`` is estimated through the engine (so its variance is the
ordinary linearised or replicate variance of a mean), its interval is computed with ``ci``
("mean", "xlogit", "beta" or "asin"), and the two limits are mapped back through the same
quantile rule (as R's ``woodruffCI`` does). ``se`` is ``(upper - lower) / (2 t(df))`` as R
reports it. Degrees of freedom default to R's: the domain's PSUs minus strata among rows with
an answer.

``ci="score"`` (Taylor designs) is R's ``interval.type="score"`` (``ffullerCI``, Francisco and
Fuller 1991): the limits solve ``mean(U_theta) / SE(mean(U_theta)) = +-t``, ``U_theta = 1(x >
theta) - (1 - p)``, the design mean and SE of the domain coming from the engine at every
trial ``theta``; the root is found by a replay of R's ``uniroot`` (Brent's ``zeroin``) on
``[min + IQR/100, max - IQR/100]`` with ``tol = 1 / (100 sqrt(n))`` and mapped to the data as
R does: ``qrule(x, w, mean(x <= root))``, the *unweighted* share of the domain at or below the
root. Known deviation: for domains of *calibrated* designs R's subset keeps every row (weights
set to zero), so its search range, tolerance and mapping use the rows of all domains and the
interval of one domain depends on the others' data (post-stratified api ``dclus1``, median by
``awards``: R No [535, 687], here [535, 696]); here they always use the domain's own rows, as
R does for uncalibrated designs and whole-sample estimates (both equal to R).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey._schema import finalize
from survey.engine import _threads
from survey.engine import ci as ci_mod
from survey.engine.core import _stage1_presence, apply_quality, estimate, replicate_domain_df
from survey.engine.domains import make_domains
from survey.engine.estimators import MeanTotal, numeric_column

# Every rule takes the domain's values sorted (stably) with their weights in that order, the
# cumulative weights (accumulated in long double, as R's cumsum) and a probability p.


def _qs(cumw: np.ndarray, p: float):
    """R's ``survey:::qs``: 0-based ``pos`` (last cumulative weight <= p * total, or the
    first), ``posnext``, ``wlow = p - F(pos)`` and ``wup = F(posnext) - p``."""
    n = cumw.size
    total = cumw[-1]
    count = int(np.searchsorted(cumw, p * total, side="right"))
    pos = max(count, 1) - 1
    posnext = pos if pos == n - 1 else pos + 1
    return pos, posnext, p - cumw[pos] / total, cumw[posnext] / total - p


def qrule_math(x_sorted: np.ndarray, cumw: np.ndarray, p: float, w_sorted=None) -> float:
    """R's ``qrule_math`` (= ``hf1``): the smallest value whose weighted distribution
    function reaches ``p``."""
    if x_sorted.size == 0 or not np.isfinite(p):
        return np.nan
    pos, posnext, wlow, _ = _qs(cumw, p)
    return float(x_sorted[pos] if wlow == 0 else x_sorted[posnext])


def qrule_school(x_sorted, cumw, p, w_sorted=None) -> float:
    """R's ``qrule_school`` (= ``hf2``): as ``math``, but the average of the two values
    where the distribution function equals ``p`` exactly (the school-book median)."""
    if x_sorted.size == 0 or not np.isfinite(p):
        return np.nan
    pos, posnext, wlow, _ = _qs(cumw, p)
    if wlow == 0:
        return float((x_sorted[pos] + x_sorted[posnext]) / 2)
    return float(x_sorted[posnext])


def qrule_hf3(x_sorted, cumw, p, w_sorted) -> float:
    """R's ``qrule_hf3``: weights summed over tied values; at an exact hit the lower value
    when its rank among the distinct values is even, otherwise the upper one."""
    if x_sorted.size == 0 or not np.isfinite(p):
        return np.nan
    ux, start = np.unique(x_sorted, return_index=True)
    wsum = np.add.reduceat(w_sorted, start)
    ucum = np.cumsum(wsum, dtype=np.longdouble).astype(float)
    pos, posnext, wlow, _ = _qs(ucum, p)
    return float(ux[pos] if wlow == 0 and (pos + 1) % 2 == 0 else ux[posnext])


def qrule_hf4(x_sorted, cumw, p, w_sorted=None) -> float:
    """R's ``qrule_hf4``: linear interpolation of the weighted distribution function."""
    if x_sorted.size == 0 or not np.isfinite(p):
        return np.nan
    pos, posnext, wlow, wup = _qs(cumw, p)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = wlow / (wup + wlow)
    return float(x_sorted[pos] * (1 - gamma) + x_sorted[posnext] * gamma)


def _interpolating(position):
    """A rule that interpolates linearly between plotting positions ``pk`` (constant beyond
    the first and last, R's ``approx(pk, x, p, rule=2)``)."""

    def rule(x_sorted, cumw, p, w_sorted) -> float:
        n = x_sorted.size
        if n == 0 or not np.isfinite(p):
            return np.nan
        if n == 1:
            return float(x_sorted[0])
        return float(np.interp(p, position(cumw, np.asarray(w_sorted, dtype=float)), x_sorted))

    return rule


def _before(cumw):
    return np.concatenate([[0.0], cumw[:-1]])


qrule_hf5 = _interpolating(lambda c, w: (c - w / 2) / c[-1])
qrule_hf6 = _interpolating(lambda c, w: c / (c[-1] + w[-1]))
qrule_hf7 = _interpolating(lambda c, w: _before(c) / c[-2])
qrule_hf8 = _interpolating(lambda c, w: (_before(c) / 3 + c * 2 / 3) / (c[-1] + w[-1] / 3))
qrule_hf9 = _interpolating(lambda c, w: (_before(c) * 3 / 8 + c * 5 / 8) / (c[-1] + w[-1] / 4))
for _rule, _hf in ((qrule_hf5, 5), (qrule_hf6, 6), (qrule_hf7, 7), (qrule_hf8, 8), (qrule_hf9, 9)):
    _rule.__name__ = f"qrule_hf{_hf}"
    _rule.__doc__ = (
        f"R's ``qrule_hf{_hf}``: Hyndman and Fan's type {_hf} with weighted plotting positions."
    )


def qrule_shahvaish(x_sorted, cumw, p, w_sorted) -> float:
    """R's ``qrule_shahvaish`` (Shah and Vaish 2006): step function at the plotting positions
    ``(S_k + 1/2 - w_k/2) / (n + 1)``, ``S`` the cumulative weights scaled to mean 1."""
    n = x_sorted.size
    if n == 0 or not np.isfinite(p):
        return np.nan
    w = np.asarray(w_sorted, dtype=float)
    s = np.cumsum(w / w.mean(), dtype=np.longdouble).astype(float)
    pk = (s + 0.5 - w / 2) / (n + 1)
    k = int(np.searchsorted(pk, p, side="right")) - 1
    return float(x_sorted[min(max(k, 0), n - 1)])


#: R's ``svyquantile(qrule=)`` rules by name.
QRULES = {
    "math": qrule_math,
    "school": qrule_school,
    "shahvaish": qrule_shahvaish,
    "hf1": qrule_math,
    "hf2": qrule_school,
    "hf3": qrule_hf3,
    "hf4": qrule_hf4,
    "hf5": qrule_hf5,
    "hf6": qrule_hf6,
    "hf7": qrule_hf7,
    "hf8": qrule_hf8,
    "hf9": qrule_hf9,
}


#: Rows from which the domains' value sorts run in two threads.
PARALLEL_SORT_ROWS = 200_000


def stable_argsort(x: np.ndarray) -> np.ndarray:
    """``np.argsort(x, kind="stable")``, the same permutation, from numpy's unstable (SIMD)
    sort, several times faster than its stable merge sort on floats: sort once, number
    the runs of equal values, and order each run by position with one sort of the
    integer keys ``run * n + position`` (unique, so any sort gives the stable order)."""
    n = x.size
    order = np.argsort(x)
    if n < 2:
        return order
    xv = x[order]
    tie = xv[1:] == xv[:-1]
    if xv.dtype.kind == "f" and np.isnan(xv[-1]):  # NaN sort last; NaNs tie with each other
        tie |= np.isnan(xv[1:]) & np.isnan(xv[:-1])
    if not tie.any():
        return order
    run = np.zeros(n, dtype=np.int64)
    np.cumsum(~tie, out=run[1:])
    run *= n
    key = run + order
    key.sort()
    key -= run  # the runs keep their places: what is left is each position, in run order
    return key


def domain_value_order(x: np.ndarray, codes: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Rows with a domain (``codes >= 0``) and positive weight, ordered by domain, then value,
    then row (R's stable ``order``): ONE value sort per variable, shared by every domain and
    quantile, then a stable counting sort by domain code (radix on small integer codes).

    Large inputs with few domains go domain first: the stable radix sort by domain keeps
    each domain's rows in row order, then each domain's values are sorted stably on their
    own (the same order), two domains at a time in the engine's threads (numpy sorts
    release the GIL)."""
    keep = np.flatnonzero((codes >= 0) & (w > 0))
    dom_all = codes[keep]
    top = int(dom_all.max()) if dom_all.size else 0
    small = np.int16 if top < 2**15 else np.int64
    if keep.size < PARALLEL_SORT_ROWS or top >= 2**15 or top > keep.size // 1000:
        by_value = keep[stable_argsort(x[keep])]
        dom = codes[by_value]
        return by_value[np.argsort(dom.astype(small), kind="stable")]
    by_dom = keep[np.argsort(dom_all.astype(small), kind="stable")]
    bounds = np.searchsorted(codes[by_dom], np.arange(top + 2))
    out = np.empty_like(by_dom)

    def sort_segment(d):
        seg = by_dom[bounds[d] : bounds[d + 1]]
        out[bounds[d] : bounds[d + 1]] = seg[stable_argsort(x[seg])]

    _threads.map_all(sort_segment, range(top + 1))
    return out


def quantile(
    design,
    variables,
    q=(0.5,),
    by=None,
    ci="mean",
    level=0.95,
    df="domain",
    na="available",
    qrule="math",
):
    """See :meth:`survey.design.Design.quantile`."""
    if qrule not in QRULES:
        raise ValueError(f"qrule={qrule!r}: use one of {', '.join(QRULES)}")
    rule = QRULES[qrule]
    if isinstance(variables, str):
        variables = [variables]
    q = [float(p) for p in np.atleast_1d(q)]
    if any(not 0 <= p <= 1 for p in q):
        raise ValueError(f"quantiles must be between 0 and 1, got {q}")
    from survey.design import ReplicateDesign

    if ci == "quantile" and not isinstance(design, ReplicateDesign):
        raise ValueError("ci='quantile' (replicate quantiles) needs a replicate design")
    if ci == "score" and isinstance(design, ReplicateDesign):
        raise ValueError(
            "ci='score' needs a Taylor design (R's svyquantile has no score interval for "
            "replicate designs); use 'mean' or 'quantile'"
        )
    if ci not in ("mean", "wald", "xlogit", "beta", "asin", "quantile", "score"):
        raise ValueError(
            f"ci={ci!r}: Woodruff intervals use 'mean', 'xlogit', 'beta' or 'asin', the score "
            "interval 'score'; replicate designs also 'quantile'"
        )
    repw = design.repweights() if ci == "quantile" else None
    dom = make_domains(design.data, by)
    D = dom.n_domains
    w = design.weights
    values = {v: numeric_column(design.data, v) for v in variables}
    if na == "listwise":
        joint = np.logical_and.reduce([~np.isnan(x) for x in values.values()])
        values = {v: np.where(joint, x, np.nan) for v, x in values.items()}
    frames = []
    for var, x in values.items():
        nan = np.isnan(x)
        same_codes = not nan.any()  # codes are the domains' own
        ok = ~nan & (dom.codes >= 0)
        codes = dom.codes if same_codes else np.where(ok, dom.codes, -1)
        order = domain_value_order(x, codes, w)
        seg_dom = codes[order]
        bounds = np.searchsorted(seg_dom, np.arange(D + 1))
        segments, seg_rows = [], []
        x_ord, w_ord = x[order], w[order]  # each domain's values and weights: slices
        for d in range(D):
            seg = slice(bounds[d], bounds[d + 1])
            seg_rows.append(order[seg])
            # R accumulates cumsum() in long double; ties at exactly p * total depend on it
            cumw = np.cumsum(w_ord[seg], dtype=np.longdouble).astype(float)
            segments.append((x_ord[seg], cumw, w_ord[seg]))
        qhat = np.array([[rule(xs, cw, p, ws) for p in q] for xs, cw, ws in segments])
        # share at or below the quantile, one 0/1 item per quantile level, through the engine
        m = ok.astype(float)
        cols, item_q, count_q = [], [], []
        for k in range(len(q)):
            # rows outside every domain (code -1) read some threshold; ``ok`` zeroes them
            ind = ((x <= qhat[codes, k]) & ok).astype(float)
            base = len(cols)
            cols += [ind, m, ind]
            item_q.append((base, base + 1))
            count_q.append(base + 1)
        est = MeanTotal("mean", [var] * len(q), q, cols, item_q, count_q)
        es = estimate(design, "mean", None, domains=dom, estimator=est)
        p_hat = es.theta
        se_p = np.sqrt(np.maximum(es.variance(), 0.0))
        from survey.design import ReplicateDesign

        if isinstance(design, ReplicateDesign):  # R: rank of the domain's replicates - 1
            df_dom = replicate_domain_df(design, codes, D)
            nrow_dom = np.bincount(codes[codes >= 0], minlength=D)
        elif same_codes:  # the engine pass counted the same rows: reuse its df and nrow
            df_dom = es.df_domain[:: len(q)]
            nrow_dom = es.nrow_domain[:: len(q)].astype(np.int64)
        else:
            df_dom, nrow_dom, _ = _stage1_presence(design, codes, D)
        if df == "domain":
            dfs = np.repeat(df_dom, len(q)).astype(float)
        else:
            dfs = es.degrees_of_freedom(df)
        method = "wald" if ci in ("mean", "wald", "quantile", "score") else ci
        low_p, high_p = ci_mod.interval(
            method, p_hat, se_p, dfs, level, nrow=np.repeat(nrow_dom, len(q)), statistic="prop"
        )
        lower = np.full(D * len(q), np.nan)
        upper = np.full(D * len(q), np.nan)
        for d in range(D):
            xs, cw, ws = segments[d]
            for k in range(len(q)):
                i = d * len(q) + k
                if np.isfinite(low_p[i]) and low_p[i] >= 0:
                    lower[i] = rule(xs, cw, low_p[i], ws)
                if np.isfinite(high_p[i]) and high_p[i] <= 1:
                    upper[i] = rule(xs, cw, high_p[i], ws)
        tcrit = ci_mod.critical(level, dfs)
        se = (upper - lower) / (2 * tcrit)
        if ci == "score":
            lower, upper = _score_limits(design, dom, x, ok, codes, segments, q, dfs, level, rule)
            se = (upper - lower) / (2 * tcrit)
        if ci == "quantile":
            se = _replicate_quantile_se(design, repw, x, seg_rows, q, qhat, rule)
            lower = qhat.reshape(-1) - tcrit * se
            upper = qhat.reshape(-1) + tcrit * se
        frames.append(quantile_frame(es, qhat, se, lower, upper, dfs))
    out = finalize(pd.concat(frames, ignore_index=True), dom.by)
    out.attrs.update(
        {
            "level": level,
            "ci_method": {"quantile": "replicate-quantile", "score": "score"}.get(
                ci, f"woodruff-{ci}"
            ),
            "df_rule": df,
            "statistic": "quantile",
            "qrule": qrule,
        }
    )
    return apply_quality(out, "default")


def quantile_frame(es, qhat, se, lower, upper, dfs) -> pd.DataFrame:
    """One variable's quantile rows in the result schema: ``es`` the engine pass of its
    threshold shares (labels, n, n_weighted), ``qhat`` (domains x levels) and the interval;
    no design effect (R's ``svyquantile`` gives none). Shared by the table backends."""
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
    return frame


def _replicate_quantile_se(design, repw, x, seg_rows, q, qhat, rule) -> np.ndarray:
    """R's ``interval.type="quantile"`` (``repCI``): the quantile recomputed with every
    replicate's weights, its ``svrVar`` (:func:`survey.engine.replicate.vcov`, centred as the
    design says) -> SE per (domain, quantile level)."""
    from survey.engine import replicate

    D, K = len(seg_rows), len(q)
    R = repw.shape[1]
    reps = np.full((R, D * K), np.nan)
    for d, rows in enumerate(seg_rows):
        xs = x[rows]
        for r in range(R):
            wr = repw[rows, r]
            keep = wr > 0  # R's qrule_* drop zero weights
            xr, wk = xs[keep], wr[keep]
            if xr.size == 0:
                continue
            cw = np.cumsum(wk, dtype=np.longdouble).astype(float)
            for k, p in enumerate(q):
                reps[r, d * K + k] = rule(xr, cw, p, wk)
    var = replicate.vcov(design, reps, qhat.reshape(-1), full=False)
    return np.sqrt(np.maximum(var, 0.0))


# -- ci="score": R's ffullerCI --------------------------------------------------------------
_DBL_MAX = np.finfo(float).max


def _zeroin(ax, bx, fa, fb, tol, maxit=1000):
    """R's ``R_zeroin2`` (Brent's root finder, as ``uniroot`` calls it) as a generator: it
    yields each abscissa to evaluate, receives f there, and returns the root."""
    a, b, c, fc = ax, bx, ax, fa
    eps = np.finfo(float).eps
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxit + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                qq = 1.0 - t1
            else:
                qq = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1.0))
                qq = (qq - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                qq = -qq
            else:
                p = -p
            if p < (0.75 * cb * qq - abs(tol_act * qq) / 2) and p < abs(prev_step * qq / 2):
                new_step = p / qq
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = yield b
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def _r_quantile7(x, p):
    """R's ``quantile(x, p)`` (type 7), computed as R does."""
    xs = np.sort(x)
    index = 1 + (xs.size - 1) * p
    lo, hi = int(np.floor(index)), int(np.ceil(index))
    qs = xs[lo - 1]
    if index > lo and xs[hi - 1] != qs:
        h = index - lo
        qs = (1 - h) * qs + h * xs[hi - 1]
    return qs


def _uniroot(lower, upper, tol):
    """R's ``uniroot`` (extendInt = "no") around :func:`_zeroin`: a generator yielding the
    abscissae to evaluate (the two end points first); returns the root or NaN where R stops
    with an error (no sign change, NA values)."""
    fl = yield lower
    fu = yield upper
    if np.isnan(fl) or np.isnan(fu):
        return np.nan
    fl, fu = np.clip(fl, -_DBL_MAX, _DBL_MAX), np.clip(fu, -_DBL_MAX, _DBL_MAX)
    if fl * fu > 0:
        return np.nan  # R: "f() values at end points not of opposite sign"
    gen = _zeroin(lower, upper, fl, fu, tol)
    try:
        theta = next(gen)
        while True:
            val = yield theta
            if np.isnan(val):
                return np.nan  # R: "NA value" from zeroin's function wrapper
            theta = gen.send(float(np.clip(val, -_DBL_MAX, _DBL_MAX)))
    except StopIteration as stop:
        return stop.value


def _score_limits(design, dom, x, ok, codes, segments, q, dfs, level, rule):
    """Score-interval limits (R's ``ffullerCI``) per (domain, quantile level): all root
    searches advance together, each round evaluating every pending ``theta`` in one engine
    pass (the design mean and SE of ``1(x > theta)`` in its domain)."""
    D, K = dom.n_domains, len(q)
    crit = ci_mod.critical(level, dfs)
    m = ok.astype(float)
    searches = {}  # (d, k, side) -> [generator, pending theta]
    for d in range(D):
        xd = x[ok & (codes == d)]
        if xd.size < 2:
            continue
        iqr = _r_quantile7(xd, 0.75) - _r_quantile7(xd, 0.25)
        lowerT, upperT = xd.min() + iqr / 100, xd.max() - iqr / 100
        if not lowerT < upperT:
            continue  # R: "lower < upper is not fulfilled"
        tol = 1 / (100 * np.sqrt(xd.size))
        for k in range(K):
            for side in (0, 1):
                gen = _uniroot(lowerT, upperT, tol)
                searches[(d, k, side)] = [gen, next(gen)]
    roots = {}
    while searches:
        keys = list(searches)
        cols, item_q, count_q = [], [], []
        for key in keys:
            d = key[0]
            ind = np.where(ok & (codes == d), (x > searches[key][1]).astype(float), 0.0)
            base = len(cols)
            cols += [ind, m, ind]
            item_q.append((base, base + 1))
            count_q.append(base + 1)
        est = MeanTotal("mean", ["u"] * len(keys), list(range(len(keys))), cols, item_q, count_q)
        es = estimate(design, "mean", None, domains=dom, estimator=est)
        J = len(keys)
        theta = es.theta.reshape(D, J)
        se = np.sqrt(np.maximum(es.variance(), 0.0)).reshape(D, J)
        for j, key in enumerate(keys):
            d, k, side = key
            limit = crit[d * K + k] if side == 0 else -crit[d * K + k]
            with np.errstate(divide="ignore", invalid="ignore"):
                val = (theta[d, j] - (1 - q[k])) / se[d, j] - limit
            try:
                searches[key][1] = searches[key][0].send(float(val))
            except StopIteration as stop:
                roots[key] = stop.value
                del searches[key]
    lower = np.full(D * K, np.nan)
    upper = np.full(D * K, np.nan)
    for (d, k, side), root in roots.items():
        if np.isnan(root):
            continue
        xd = x[ok & (codes == d)]
        xs, cw, ws = segments[d]
        value = rule(xs, cw, float(np.mean(xd <= root)), ws)
        (lower if side == 0 else upper)[d * K + k] = value
    return lower, upper
