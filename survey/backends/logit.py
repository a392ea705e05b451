"""R's ``svyciprop(method="logit")`` interval on a data backend.

:mod:`survey.engine.logit_glm` replays ``glm``'s IRLS for ``y ~ 1`` per domain; only its first
iteration needs the rows (the starting values ``mu = (pw y + 0.5) / (pw + 1)`` differ by row,
``pw = w / mean(w)`` over the domain's rows). Here that iteration is one more aggregation
pass: the per-domain mean weight goes into the query as a constant per domain
(:class:`~survey.backends.expr.DomainValue`) and the query returns, per (unit, domain) and
item, ``sum w2 z``, ``sum w2``, the starting deviance, and ``sum w2 y`` (for domains whose fit
stops after one step). The later iterations and the sandwich variance are the engine's
arithmetic on domain totals, then :func:`survey.engine.linearization.vcov`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from survey.backends import expr as E
from survey.backends.executors import Aggregation
from survey.engine import linearization
from survey.engine.logit_glm import _CLOSED_LIMIT, EPSILON, MAXIT, _mu_eta, linkinv

_EPS = float(np.finfo(float).eps)


def _row_parts(pw_col: str) -> list[dict[str, E.Expr]]:
    """Derived-column stages: per row, glm's first-step ``w2 z``, ``w2`` and deviance for
    y = 0 and y = 1 (a row's prior weight is all they depend on, as the in-memory
    ``_RowTables``), through ``mu``, ``eta`` and ``mu.eta`` computed once each."""
    P = E.Col(pw_col)
    c = {k: E.Col(f"__survey_{k}") for k in ("mu0", "mu1", "eta0", "eta1", "me0", "me1")}
    mu, eta, me, parts = {}, {}, {}, {}
    for yv in (0, 1):
        mu[f"__survey_mu{yv}"] = E.Sql(
            f"({{0}} * {yv} + 0.5) / ({{0}} + 1)", (P,), lambda p, yv=yv: (p * yv + 0.5) / (p + 1)
        )
        eta[f"__survey_eta{yv}"] = E.Sql(
            "LN({0} / (1 - {0}))", (c[f"mu{yv}"],), lambda m: np.log(m / (1 - m))
        )
        me[f"__survey_me{yv}"] = E.Sql(
            f"CASE WHEN {{0}} > 30 OR {{0}} < -30 THEN {_EPS!r} "
            "ELSE EXP({0}) / ((1 + EXP({0})) * (1 + EXP({0}))) END",
            (c[f"eta{yv}"],), _mu_eta,
        )  # fmt: skip
        m_, e_, d_ = c[f"mu{yv}"], c[f"eta{yv}"], c[f"me{yv}"]
        w2_sql = "{0} * ({1} * {1}) / ({2} * (1 - {2}))"
        parts[f"__survey_w2{yv}"] = E.Sql(
            w2_sql, (P, d_, m_), lambda p, me_, m: p * me_**2 / (m * (1 - m))
        )
        parts[f"__survey_w2z{yv}"] = E.Sql(
            f"({w2_sql}) * ({{3}} + ({yv} - {{2}}) / {{1}})", (P, d_, m_, e_),
            lambda p, me_, m, et, yv=yv: (p * me_**2 / (m * (1 - m))) * (et + (yv - m) / me_),
        )  # fmt: skip
        if yv == 1:
            parts["__survey_dev1"] = E.Sql(
                "2 * {0} * LN(1 / {1})", (P, m_), lambda p, m: 2 * p * np.log(1 / m)
            )
        else:
            parts["__survey_dev0"] = E.Sql(
                "2 * {0} * LN(1 / (1 - {1}))", (P, m_), lambda p, m: 2 * p * np.log(1 / (1 - m))
            )
    return [mu, eta, me, parts]


def _closed_parts(pw_col: str) -> list[dict[str, E.Expr]]:
    """The first step in closed form. With ``mu = (pw y + 0.5) / (pw + 1)`` and the logit
    link, ``mu.eta = mu (1 - mu)``, so for y = 0 and y = 1 alike
    ``w2 = pw * 0.5 (pw + 0.5) / (pw + 1)^2`` and the deviance is
    ``2 pw log((pw + 1) / (pw + 0.5))``; ``eta = +-log(2 pw + 1)`` and
    ``w2 z = (2y - 1) A`` with ``A = w2 log(2 pw + 1) + 0.5 pw / (pw + 1)``. So an item
    needs only ``sum y A`` and ``sum y w2`` (the sums of ``A``, ``w2`` and the deviance over
    the answering rows are shared by the items with one not-missing indicator): two
    logarithms per row instead of six transcendental functions per row and answer."""
    P = E.Col(pw_col)
    w2 = E.Sql(
        "{0} * 0.5 * ({0} + 0.5) / (({0} + 1) * ({0} + 1))", (P,),
        lambda p: p * 0.5 * (p + 0.5) / ((p + 1) * (p + 1)),
    )  # fmt: skip
    first = {"__survey_w2": w2}
    W2 = E.Col("__survey_w2")
    second = {
        "__survey_A": E.Sql(
            "{1} * LN(2 * {0} + 1) + 0.5 * {0} / ({0} + 1)", (P, W2),
            lambda p, v: v * np.log(2 * p + 1) + 0.5 * p / (p + 1),
        ),
        "__survey_dev": E.Sql(
            "2 * {0} * LN(({0} + 1) / ({0} + 0.5))", (P,),
            lambda p: 2 * p * np.log((p + 1) / (p + 0.5)),
        ),
    }  # fmt: skip
    return [first, second]


def _item_sums(j: int, y: E.Expr, ok: E.Expr, closed: bool) -> dict[str, E.Expr]:
    """Per item: sums over answering rows with positive weight of the part for the row's
    answer, ``a0 + y (a1 - a0)``, and of ``w2 y``. (``y`` is 0 outside the answers.)"""
    out = {}
    if closed:
        A, W2, dev = (E.Col(f"__survey_{k}") for k in ("A", "w2", "dev"))
        # ``y`` is 0 where the row does not answer, so ``ok * y`` is ``y`` for w > 0
        yA = E.Product(ok, E.Product(y, A))
        out[f"__yA{j}"] = yA
        out[f"__sA{j}"] = E.Product(ok, A)
        out[f"__w2{j}"] = E.Product(ok, W2)
        out[f"__dev{j}"] = E.Product(ok, dev)
        out[f"__w2y{j}"] = E.Product(ok, E.Product(y, W2))
        return out
    for name in ("w2z", "w2", "dev"):
        a0, a1 = E.Col(f"__survey_{name}0"), E.Col(f"__survey_{name}1")
        out[f"__{name}{j}"] = E.Sql(
            "{0} * ({1} + {2} * ({3} - {1}))", (ok, a0, y, a1),
            lambda k, p0, yy, p1: k * (p0 + yy * (p1 - p0)),
        )  # fmt: skip
    out[f"__w2y{j}"] = E.Product(ok, E.Product(y, E.Col("__survey_w21")))
    return out


def logit_intervals(es, t):
    """(lower, upper) of R's logit interval for every estimate of a backend prop set."""
    beta, var_b = replay(es)
    se_beta = np.sqrt(np.maximum(var_b, 0.0))
    return linkinv(beta - t * se_beta), linkinv(beta + t * se_beta)


def replay(es):
    """glm's intercept and its sandwich variance per estimate (as ``replay_glm``)."""
    info = es.extra["table_logit"]
    design = es.design
    est, dom, cells, Tg = info["estimator"], info["domains"], info["cells"], info["cell_totals"]
    D, J = dom.n_domains, est.n_items
    count_all = info["nrow"]
    meanw = info["__sw"] / np.maximum(count_all, 1)
    levels = tuple(tuple(r) for r in dom.levels.itertuples(index=False, name=None))
    scale = E.DomainValue(tuple(dom.by), levels, tuple(float(m) for m in meanw))
    w = design.w
    wmax = getattr(design, "_wmax", np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        closed = bool(wmax / np.min(meanw[meanw > 0], initial=np.inf) < _CLOSED_LIMIT)
    derived = [
        *est.extra.get("stages", ()),  # the estimator's derived columns (indicators)
        {"__survey_pw": E.Sql("{0} / {1}", (w, scale), lambda a, b: a / b)},
        *(_closed_parts("__survey_pw") if closed else _row_parts("__survey_pw")),
    ]
    sums = {}
    # weights are >= 0: "positive" is "non-zero", 1 in every row when no weight is zero
    pos = E.One() if getattr(design, "_all_nonzero", False) else E.Positive(w)
    for j, (yq, mq) in enumerate(est.item_q):
        ok = E.Product(est.columns[mq], pos)
        sums.update(_item_sums(j, est.columns[yq], ok, closed))
    byl = list(dom.by)
    frame = design.source.aggregate(Aggregation(design._unit_keys + byl, sums, derived=derived))
    by, dom2, keep, cells2 = design._cells(frame, byl, design._unit_keys, design._unit_codes)
    if closed:  # w2 z = (2y - 1) A: sum = 2 sum(y A) - sum(A)
        for j in range(len(est.item_q)):
            frame[f"__w2z{j}"] = 2 * frame[f"__yA{j}"].to_numpy(float) - frame[f"__sA{j}"].to_numpy(
                float
            )
    f = frame[keep]
    rc = cells2.row_cell
    # same domains as the first pass (same rows, same by values)
    cell_dom = cells2.cell_dom

    def dsum(name):
        per_cell = np.bincount(
            rc, weights=np.nan_to_num(f[name].to_numpy(float)), minlength=cells2.n_cells
        )
        return per_cell, np.bincount(cell_dom, weights=per_cell, minlength=D)

    beta_all = np.full((D, J), np.nan)
    var_Z = np.zeros((cells2.n_cells, J))
    T = np.stack(
        [np.bincount(cells.cell_dom, weights=Tg[:, q], minlength=D) for q in range(Tg.shape[1])],
        axis=1,
    )
    for j, (yq, mq) in enumerate(est.item_q):
        _, num = dsum(f"__w2z{j}")
        w2_cell, den = dsum(f"__w2{j}")
        _, devold = dsum(f"__dev{j}")
        w2y_cell, _ = dsum(f"__w2y{j}")
        with np.errstate(divide="ignore", invalid="ignore"):
            s1 = T[:, yq] / meanw
            n_pw = T[:, mq] / meanw
            beta = num / den
        s0 = n_pw - s1
        mu_d = linkinv(beta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2 * (-s1 * np.log(mu_d) - s0 * np.log(1 - mu_d))
            conv = np.abs(dev - devold) / (np.abs(dev) + 0.1) < EPSILON
        first_only = conv & (count_all > 0)
        active = ~conv
        devold = dev
        w2_scale = np.full(D, np.nan)
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
                dev = 2 * (-s1 * np.log(mu_d) - s0 * np.log(1 - mu_d))
                conv = np.abs(dev - devold) / (np.abs(dev) + 0.1) < EPSILON
            active &= ~conv
            devold = dev
        me_f = _mu_eta(beta)
        g2 = cell_dom
        with np.errstate(divide="ignore", invalid="ignore"):
            sum_w2 = np.where(first_only, den, w2_scale * n_pw)
            # cells of the first pass, in the same (unit, domain) layout as this pass
            z_rest = np.zeros(cells2.n_cells)
            # domains past iteration 1: influence from the first pass's weighted cell totals
            zc = (Tg[:, yq] - mu_d[cells.cell_dom] * Tg[:, mq]) / (
                meanw[cells.cell_dom] * me_f[cells.cell_dom] * n_pw[cells.cell_dom]
            )
            z_first = (w2y_cell - mu_d[g2] * w2_cell) / me_f[g2] / sum_w2[g2]
        z_rest = _align(cells, cells2, zc)
        var_Z[:, j] = np.where(first_only[g2], z_first, z_rest)
        beta_all[:, j] = beta
    var_Z[~np.isfinite(var_Z)] = 0.0
    rows_z = np.repeat(cells2.cell_unit, J)
    cols_z = (cells2.cell_dom[:, None] * J + np.arange(J)[None, :]).reshape(-1)
    Z = sp.csr_matrix((var_Z.reshape(-1), (rows_z, cols_z)), shape=(es.Z.shape[0], D * J))
    var_b = linearization.vcov(design, Z, es.strata_presence, full=False)
    return beta_all.reshape(-1), var_b


def _align(cells, cells2, values):
    """Values on ``cells`` carried to the (unit, domain) cells of ``cells2``."""
    D = cells.n_domains
    key1 = cells.cell_unit.astype(np.int64) * D + cells.cell_dom
    key2 = cells2.cell_unit.astype(np.int64) * D + cells2.cell_dom
    if key1.size == key2.size and np.array_equal(key1, key2):
        return values
    order = np.argsort(key1)
    pos = np.searchsorted(key1[order], key2)
    pos = np.clip(pos, 0, max(key1.size - 1, 0))
    found = key1[order][pos] == key2 if key1.size else np.zeros(key2.size, bool)
    return np.where(found, values[order][pos], 0.0)
