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

from survey.engine import linearization

EPSILON = 1e-8  # glm.control()$epsilon
MAXIT = 25  # glm.control()$maxit
_THRESH, _MTHRESH = 30.0, -30.0
_EPS = np.finfo(float).eps
#: Above this rescaled weight ``pw`` glm's ``mu.eta`` is clamped (|eta| > 30 when
#: 2 pw + 1 > e^30): the closed form of the first step does not hold, the general one is used.
_CLOSED_LIMIT = 1e12


def linkinv(eta):  # R's logit_linkinv (C)
    tmp = np.where(eta < _MTHRESH, _EPS, np.where(eta > _THRESH, 1 / _EPS, np.exp(eta)))
    return tmp / (1 + tmp)


def _mu_eta(eta):  # R's logit_mu_eta (C)
    e = np.exp(eta)
    opexp = 1 + e
    return np.where((eta > _THRESH) | (eta < _MTHRESH), _EPS, e / (opexp * opexp))


def _y_log_y(y, mu):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y != 0, y * np.log(y / mu), 0.0)


def _dev(y, mu, wt, dom, D):
    r = 2 * wt * (_y_log_y(y, mu) + _y_log_y(1 - y, 1 - mu))
    return np.bincount(dom, weights=r, minlength=D)


def _first_iteration(y, pw, d, D):
    """glm's starting values and first IRLS step on rows: (sum w2 z, sum w2, deviance at the
    start) per domain, and the rows' first working weights."""
    mu = (pw * y + 0.5) / (pw + 1)  # binomial()$initialize
    eta = np.log(mu / (1 - mu))
    me = _mu_eta(eta)
    w2 = pw * me**2 / (mu * (1 - mu))
    z = eta + (y - mu) / me
    return (
        np.bincount(d, weights=w2 * z, minlength=D),
        np.bincount(d, weights=w2, minlength=D),
        _dev(y, mu, pw, d, D),
        w2,
    )


class _RowTables:
    """For 0/1 answers the first IRLS step depends on a row only through its rescaled weight
    and whether y is 1: tabulate both cases once for all rows, then every item needs sums over
    its 1s only (sum over answers of the y = 0 case + sum over the 1s of the difference)."""

    def __init__(self, pw):
        self.parts = {}
        self._base = {}
        if pw.size == 0 or float(pw.max()) < _CLOSED_LIMIT:
            self._closed(pw)
            return
        self.closed = False
        pw1 = pw + 1
        for yv in (0.0, 1.0):  # y constant: the same arithmetic as _first_iteration
            mu = (pw * yv + 0.5) / pw1
            one_mu = 1 - mu
            eta = np.log(mu / one_mu)
            me = _mu_eta(eta)
            part = np.empty((3,) + pw.shape)
            np.divide(pw * me**2, mu * one_mu, out=part[1])
            np.multiply(part[1], eta + (yv - mu) / me, out=part[0])
            # y log(y / mu) + (1 - y) log((1 - y) / (1 - mu)): one of the two terms is 0
            np.multiply(2 * pw, np.log(1.0 / (mu if yv else one_mu)), out=part[2])
            self.parts[yv] = part
        self.diff = self.parts[1.0] - self.parts[0.0]

    def _closed(self, pw):
        """The first step in closed form (as :mod:`survey.backends.logit`): with
        ``mu = (pw y + 0.5) / (pw + 1)`` and the logit link ``mu.eta = mu (1 - mu)``, so for
        y = 0 and y = 1 alike ``w2 = pw 0.5 (pw + 0.5) / (pw + 1)^2`` and the deviance is
        ``2 pw log((pw + 1) / (pw + 0.5))``, while ``w2 z = (2y - 1) A`` with
        ``A = w2 log(2 pw + 1) + 0.5 pw / (pw + 1)``: two logarithms per row instead of six
        transcendental functions per row and case. Only ``w2 z`` differs between the cases."""
        self.closed = True
        # each row-length term once, the operations in place (the same values as the
        # formulas above, operation for operation)
        pw1, ph, half, twopw = pw + 1, pw + 0.5, pw * 0.5, pw * 2
        part = np.empty((3,) + pw.shape)
        w2 = part[1]
        np.multiply(half, ph, out=w2)
        w2 /= pw1 * pw1
        A = part[0]
        np.add(twopw, 1, out=A)
        np.log(A, out=A)
        A *= w2
        half /= pw1
        A += half
        dev = part[2]
        np.divide(pw1, ph, out=dev)
        np.log(dev, out=dev)
        dev *= twopw
        self.diff = 2 * A  # y = 1 minus y = 0, in w2 z only
        np.negative(A, out=A)  # y = 0: w2 z = -A
        self.parts[0.0] = part

    def diff_sums(self, idx, sel, size):
        """(3 x size) bincounts over ``idx`` of the rows ``sel``'s y = 1 minus y = 0 parts."""
        if not self.closed:
            dif = self.diff[:, sel]
            return np.stack([np.bincount(idx, weights=dif[k], minlength=size) for k in range(3)])
        out = np.zeros((3, size))
        out[0] = np.bincount(idx, weights=self.diff[sel], minlength=size)
        return out

    def base(self, answered_key, answered, d_all, D):
        """(3 x D) sums over the answering rows of the y = 0 case."""
        if answered_key not in self._base:
            p0 = self.parts[0.0] if answered.all() else self.parts[0.0][:, answered]
            self._base[answered_key] = np.stack(
                [np.bincount(d_all, weights=p0[k], minlength=D) for k in range(3)]
            )
        return self._base[answered_key]

    def sums(self, answered_key, answered, ones, d_all, d_ones, D):
        base = self.base(answered_key, answered, d_all, D)
        return base + self.diff_sums(d_ones, ones, D)


def _item_groups(est):
    """Items sharing one not-missing indicator (the categories of one variable), with the
    category block their indicators come from when there is one: [(mq, items, block)]."""
    from survey.engine.estimators import plain_and_blocks

    _, blocks = plain_and_blocks(est.columns)
    block_of = {}
    for b in blocks:
        for c in range(b.size):
            block_of[b.start + c] = (b, c)
    groups: dict = {}
    for j, (yq, mq) in enumerate(est.item_q):
        b = block_of.get(yq, (None, None))[0]
        key = (id(est.columns[mq]) if b is None else ("block", id(b), mq), mq)
        groups.setdefault(key, (mq, [], b))[1].append(j)
    return list(groups.values())


def replay_glm(es, dispersion: bool = True):
    """Replay ``glm``'s IRLS for ``y ~ 1`` (quasibinomial, prior weights ``w / mean(w)``) in
    every domain and item; return per estimate: intercept, fitted mu, sandwich variance of
    the intercept, sum of final working weights, ``sum(pw y)``, ``sum(pw (1 - y))``,
    ``summary.svyglm``'s dispersion (when ``dispersion``) and the model's rows.

    Iteration 1 needs the rows (the starting values differ by row; for 0/1 answers they are
    tabulated once for all items, and the categories of one variable are summed in one
    bincount over (domain, category)). From then on every row of a domain shares eta, so an
    iteration needs only S1 = sum(pw y), S0 = sum(pw (1 - y)) and C = sum(pw (y log y +
    (1-y) log(1-y))) per domain: beta <- eta + (S1 - mu N) / (mu.eta N),
    dev = 2 (C - S1 log mu - S0 log(1 - mu)), iterated for all (domain, item) at once. The
    sandwich influence is then pw (y - mu) / (mu.eta N), whose cell totals come from the
    engine's weighted cell totals."""
    est, dom, cells = es.extra["estimator"], es.extra["domains"], es.extra["cells"]
    Tg = es.extra.get("cell_totals")
    design = es.design
    w = design.weights
    D, J = dom.n_domains, est.n_items
    in_dom = dom.codes >= 0
    every = bool(in_dom.all())  # every row in some domain: no masked copies

    def kept(a, keep, all_kept):
        return a if all_kept else a[keep]

    d_in = kept(dom.codes, in_dom, every)
    count_all = np.bincount(d_in, minlength=D)
    meanw = np.bincount(d_in, weights=kept(w, in_dom, every), minlength=D) / np.maximum(
        count_all, 1
    )
    if every:
        pw_all = w / meanw[d_in]
    else:
        pw_all = np.zeros(design.n)
        pw_all[in_dom] = w[in_dom] / meanw[d_in]
    del d_in
    out = np.full((8, D, J), np.nan)
    num, den, devold = np.zeros((D, J)), np.zeros((D, J)), np.zeros((D, J))
    s1, n_pw, const = np.zeros((D, J)), np.zeros((D, J)), np.zeros((D, J))
    n_model = np.zeros((D, J))
    binary = np.ones(J, dtype=bool)
    tables = None
    groups = _item_groups(est)
    row_cache: dict[int, tuple] = {}  # item -> (rows, d, y, pw, w2_first) for row-level items
    for mq, items, block in groups:
        mcol = est.columns[mq]
        answered = in_dom & (mcol > 0)
        rows = answered & (w > 0)
        all_rows = bool(rows.all())
        d = kept(dom.codes, rows, all_rows)
        pw = kept(pw_all, rows, all_rows)
        npw = np.bincount(d, weights=pw, minlength=D)
        nmod = count_all if all_rows else np.bincount(dom.codes[answered], minlength=D)
        n_pw[:, items] = npw[:, None]
        n_model[:, items] = nmod[:, None]
        if block is not None and Tg is not None:  # 0/1 indicators of one variable's categories
            if tables is None:
                tables = _RowTables(pw_all)
            base = tables.base(id(mcol), rows, d, D)
            sel = rows & (block.codes >= 0)
            idx = dom.codes[sel] * block.size + block.codes[sel]
            size = D * block.size
            cats = [c - block.start for c in (est.item_q[j][0] for j in items)]
            dif = tables.diff_sums(idx, sel, size)
            for k, target in enumerate((num, den, devold)):
                target[:, items] = base[k][:, None] + dif[k].reshape(D, block.size)[:, cats]
            s1[:, items] = np.bincount(idx, weights=pw_all[sel], minlength=size).reshape(
                D, block.size
            )[:, cats]
            continue
        for j in items:
            ycol = est.columns[est.item_q[j][0]]
            if est.statistic == "prop" and Tg is not None:
                binary[j] = True  # a category indicator: 0/1 by construction
            else:
                y = ycol[rows]
                binary[j] = bool(((y == 0) | (y == 1)).all())
            if binary[j] and Tg is not None:
                if tables is None:
                    tables = _RowTables(pw_all)
                ones = rows & (ycol == 1)
                d_ones = dom.codes[ones]
                sums = tables.sums(id(mcol), rows, ones, d, d_ones, D)
                num[:, j], den[:, j], devold[:, j] = sums
                s1[:, j] = np.bincount(d_ones, weights=pw_all[ones], minlength=D)
            else:
                num[:, j], den[:, j], devold[:, j], w2_first = _first_iteration(y, pw, d, D)
                s1[:, j] = np.bincount(d, weights=pw * y, minlength=D)
                row_cache[j] = (rows, d, y, pw, w2_first)
            if not binary[j]:
                const[:, j] = np.bincount(
                    d, weights=pw * (_y_log_y(y, 1.0) + _y_log_y(1 - y, 1.0)), minlength=D
                )
    s0 = np.where(binary[None, :], n_pw - s1, 0.0)
    for j in np.flatnonzero(~binary):
        rows, d, y, pw, _ = row_cache[j]
        s0[:, j] = np.bincount(d, weights=pw * (1 - y), minlength=D)
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = num / den
    mu_d = linkinv(beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = 2 * (const - s1 * np.log(mu_d) - s0 * np.log(1 - mu_d))
        conv = np.abs(dev - devold) / (np.abs(dev) + 0.1) < EPSILON
    first_only = conv & (count_all[:, None] > 0)  # working weights are iteration 1's
    active = ~conv
    devold = dev
    w2_scale = np.full((D, J), np.nan)  # working weight / pw in the last iteration
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
    me_f = _mu_eta(beta)
    sum_w2 = w2_scale * n_pw
    row_level = first_only.any(axis=0) | (Tg is None) | ~binary
    g = cells.cell_dom
    fast = np.flatnonzero(~row_level)
    need_rows = set(np.flatnonzero(row_level).tolist())
    if dispersion:
        need_rows |= set(range(J))
    dense_cells = cells.n_cells == cells.n_units * D
    if fast.size == J and not need_rows and dense_cells:
        # every item from the cell totals: the sandwich variance block by block of items,
        # never the whole (cells x items) influence at once
        out[2] = _blockwise_variance(es, est, Tg, mu_d, meanw, me_f, n_pw, D, J)
        Zg = None
        fast = fast[:0]
    else:
        Zg = None if fast.size == J else np.zeros((cells.n_cells, J))
    if fast.size:
        from survey.engine.core import _take_columns

        yq = np.array([est.item_q[j][0] for j in fast])
        mq = np.array([est.item_q[j][1] for j in fast])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            scale = meanw[:, None] * me_f[:, fast] * n_pw[:, fast]  # (D x J')
            if cells.n_cells == cells.n_units * D:  # dense unit-major cells: broadcast
                T3 = Tg.reshape(cells.n_units, D, Tg.shape[1])
                part = _take_columns(T3, yq) - mu_d[None][:, :, fast] * _take_columns(T3, mq)
                part /= scale[None]
                part = part.reshape(cells.n_cells, fast.size)
            else:
                part = (Tg[:, yq] - mu_d[g][:, fast] * Tg[:, mq]) / scale[g]
        if fast.size == J:
            Zg = part
        else:
            Zg[:, fast] = part
        del part
    if need_rows:
        cell_of_row = np.full(design.n, -1)
        cell_of_row[cells.row_mask] = cells.row_cell
    mu0 = linkinv(beta)
    for j in sorted(need_rows):
        # rows needed: some domain stopped after iteration 1 (row-level working weights),
        # or the dispersion (Pearson residuals)
        yq, mq = est.item_q[j]
        if j in row_cache:
            rows, d, y, pw, w2_first = row_cache[j]
        else:
            mcol = est.columns[mq]
            answered = in_dom & (mcol > 0)
            rows = answered & (w > 0)
            d = dom.codes[rows]
            y = est.columns[yq][rows]
            pw = pw_all[rows]
            w2_first = None
        if row_level[j]:
            if w2_first is None:
                w2_first = _first_iteration(y, pw, d, D)[3]
            w2_final = np.where(first_only[d, j], w2_first, pw * w2_scale[d, j])
            sum_w2[:, j] = np.bincount(d, weights=w2_final, minlength=D)
            with np.errstate(divide="ignore", invalid="ignore"):
                infl = (y - mu_d[d, j]) / me_f[d, j] * w2_final / sum_w2[d, j]
            Zg[:, j] = np.bincount(cell_of_row[rows], weights=infl, minlength=cells.n_cells)
        if dispersion:
            # summary.svyglm: svyvar of Pearson residuals; residuals.svyglm rescales the
            # weights over the answering rows, the fit over all the domain's rows
            answered = in_dom & (est.columns[mq] > 0)
            da_all = dom.codes[answered]
            mean_ok = np.bincount(da_all, weights=w[answered], minlength=D) / np.maximum(
                n_model[:, j], 1
            )
            m0 = mu0[:, j]
            with np.errstate(divide="ignore", invalid="ignore"):
                r = (y - m0[d]) * np.sqrt(mean_ok[d] / meanw[d]) / np.sqrt(m0[d] * (1 - m0[d]))
                sw = np.bincount(d, weights=w[rows], minlength=D)
                rbar = np.bincount(d, weights=w[rows] * r, minlength=D) / sw
                n_nz = np.bincount(d, minlength=D)
                out[6, :, j] = (
                    np.bincount(d, weights=w[rows] * (r - rbar[d]) ** 2, minlength=D)
                    / sw
                    * n_nz
                    / (n_nz - 1)
                )
    out[0] = beta
    out[1] = mu0
    out[3] = sum_w2
    out[4] = s1
    out[5] = s0
    out[7] = n_model
    from survey.engine.core import cell_matrix

    if Zg is not None:
        Z = cell_matrix(cells, Zg, cells.n_units)
        out[2] = linearization.vcov(design, Z, es.strata_presence, full=False).reshape(D, J)
    return tuple(a.reshape(-1) for a in out)


#: Entries of the influence formed at once by :func:`_blockwise_variance`.
_BLOCK_ENTRIES = 2_000_000


def _blockwise_variance(es, est, Tg, mu_d, meanw, me_f, n_pw, D, J):
    """(D x J) linearisation variances of the intercepts from dense unit-major cell totals,
    over blocks of items: the influence ``(T_y - mu T_m) / (meanw mu.eta N)`` of a block
    (units x domains x block) goes through :func:`linearization.vcov` and is dropped (the
    variances are per column, so the blocks give the same numbers as one pass)."""
    from survey.engine.core import _take_columns

    cells = es.extra["cells"]
    U = cells.n_units
    T3 = Tg.reshape(U, D, Tg.shape[1])
    pres = es.strata_presence
    linearization.check_lonely(es.design, pres)  # once, for every estimate
    step = max(1, _BLOCK_ENTRIES // max(U * D, 1))
    out = np.empty((D, J))
    todo = np.arange(J)
    lazy = es.__dict__.get("_Z")
    mom = getattr(lazy, "moments", None)
    if mom is not None and lazy.item_q is est.item_q:
        # the mean's variance pass kept its centred moments: the intercept's influence is
        # alpha z + beta m (z the mean's influence, m the not-missing totals), with
        # T_y - mu T_m = z / A0 + (theta - mu) T_m, so its variance needs no pass over cells
        V, X, W = mom
        A0 = np.stack([c[:, 0] for c in lazy.coefs], axis=1)
        A1 = np.stack([c[:, 1] for c in lazy.coefs], axis=1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            scale = meanw[:, None] * me_f * n_pw
            alpha = 1.0 / (A0 * scale)
            beta = (-A1 / A0 - mu_d) / scale
            out = alpha**2 * V + 2 * alpha * beta * X + beta**2 * W
        ok = np.isfinite(alpha) & np.isfinite(beta) & np.isfinite(out)
        todo = np.flatnonzero(~ok.all(axis=0))  # items with an empty or degenerate domain
    for j0 in range(0, todo.size, step):
        jj = todo[j0 : j0 + step]
        yq = np.array([est.item_q[j][0] for j in jj])
        mq = np.array([est.item_q[j][1] for j in jj])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            scale = meanw[:, None] * me_f[:, jj] * n_pw[:, jj]  # (D x block)
            part = _take_columns(T3, yq) - mu_d[None][:, :, jj] * _take_columns(T3, mq)
            part /= scale[None]
        bad = ~np.isfinite(part)
        if bad.any():
            part[bad] = 0.0
        cols = (np.arange(D)[:, None] * J + jj[None, :]).reshape(-1)
        sub = None if pres is None else np.asarray(pres)[:, cols]
        Zb = part.reshape(U, D * jj.size)
        v = linearization.vcov(es.design, Zb, sub, full=False, dense=True)
        out[:, jj] = v.reshape(D, jj.size)
    return out


def logit_intervals(es, t):
    """(lower, upper) of R's logit interval for each estimate of a proportion EstimateSet,
    or None when the set does not come from a plain linearisation pass."""
    if "estimator" not in es.extra or es.design.calibration or not es.has_influence:
        return None
    beta, _, var_b = replay_glm(es, dispersion=False)[:3]
    se_beta = np.sqrt(np.maximum(var_b, 0.0))
    return linkinv(beta - t * se_beta), linkinv(beta + t * se_beta)
