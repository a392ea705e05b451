"""The one estimation pass and the :class:`EstimateSet` every result is built from.

``estimate(design, statistic, variables, by)``:

1. codes the domains (crossing of ``by``);
2. builds the estimator's base quantities;
3. in one vectorised pass per quantity (``bincount`` over ``unit * D + domain``) computes the
   weighted totals per finest variance unit and domain, ``Tu`` (G x Q), G the observed
   (unit, domain) cells;
4. gets the estimates from the domain totals and the influence totals per unit
   ``Z`` (U x K) from the estimator's coefficients, applying calibration steps;
5. keeps them in an :class:`EstimateSet`; variances are computed on demand by
   :mod:`survey.engine.linearization` or :mod:`survey.engine.replicate`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from survey._schema import finalize, with_columns
from survey.engine import _threads, linearization, replicate
from survey.engine import ci as ci_mod
from survey.engine.domains import Domains, make_domains
from survey.engine.estimators import (
    Proportion,
    block_totals,
    build,
    distinct_plain,
    plain_and_blocks,
    quantity_key,
)

#: Above this many (unit x domain) cells, aggregate over observed cells only.
DENSE_CELL_LIMIT = 4_000_000


@dataclass
class Cells:
    """Observed (finest variance unit, domain) cells and each in-domain row's cell."""

    row_mask: np.ndarray  # rows in some domain
    row_cell: np.ndarray  # cell of each masked row
    cell_unit: np.ndarray
    cell_dom: np.ndarray
    n_units: int
    n_domains: int
    rows_are_cells: bool = False  # each masked row its own cell, in row order

    @property
    def n_cells(self) -> int:
        return self.cell_unit.size


def make_cells(unit: np.ndarray, n_units: int, dom: np.ndarray, n_domains: int) -> Cells:
    mask = dom >= 0
    # all (unit, domain) cells when there are not many more of them than rows
    dense = n_units * n_domains <= min(DENSE_CELL_LIMIT, max(2 * unit.size, 1_000))
    if n_units == unit.size and not dense:
        # every row its own unit (no clusters): each in-domain row is its own cell
        rows = np.flatnonzero(mask)
        order = np.arange(rows.size)
        return Cells(mask, order, unit[rows], dom[rows], n_units, n_domains, True)
    idx = unit * n_domains + dom if mask.all() else unit[mask] * n_domains + dom[mask]
    if dense:
        cells = np.arange(n_units * n_domains)
        return Cells(mask, idx, cells // n_domains, cells % n_domains, n_units, n_domains)
    uniq, inverse = np.unique(idx, return_inverse=True)
    return Cells(mask, inverse, uniq // n_domains, uniq % n_domains, n_units, n_domains)


def cell_totals(cells: Cells, columns: list[np.ndarray], row_weight: np.ndarray) -> np.ndarray:
    """Weighted totals of each quantity per cell: (G x Q), one bincount per distinct quantity.

    Estimators share arrays for identical quantities (the not-missing indicator of complete
    variables, ``y**2 = y`` for 0/1 items): each distinct array is aggregated once. The
    categories of a categorical item (:class:`~survey.engine.estimators.CategoryBlock`) are
    aggregated together: one bincount over ``cell * categories + category``.
    """
    plain, blocks = plain_and_blocks(columns)
    full = bool(cells.row_mask.all())
    w = row_weight if full else row_weight[cells.row_mask]
    # column-major unless the cells are dense unit-major (reshaped to (U, D, Q) later)
    dense = cells.n_cells == cells.n_units * cells.n_domains
    Q = len(columns)
    if dense and len(blocks) == 1 and blocks[0].size > Q // 2:
        # one many-category block, row-major cells: its bincount writes the whole (G x Q)
        # table at once (column start + category of each row), the few plain columns after
        b = blocks[0]
        codes = b.codes if full else b.codes[cells.row_mask]
        keep = codes >= 0
        idx = cells.row_cell * Q + (b.start + codes.astype(np.int64))
        out = np.bincount(
            idx if keep.all() else idx[keep],
            weights=w if keep.all() else w[keep],
            minlength=cells.n_cells * Q,
        ).reshape(cells.n_cells, Q)
        blocks = []
    else:
        out = np.empty((cells.n_cells, Q), order="C" if dense else "F")
    todo, dups = distinct_plain(plain)  # each distinct array once; the copies at the end
    if cells.rows_are_cells:  # the cell totals are the rows' values, written in place
        for q, col in todo:
            np.multiply(w, col if full else col[cells.row_mask], out=out[:, q])
        todo = []
    if todo:
        sums = scatter_sums(
            cells.row_cell,
            cells.n_cells,
            [col if full else col[cells.row_mask] for _, col in todo],
            w,
        )
        for (q, _), total in zip(todo, sums, strict=True):
            out[:, q] = total
    for q, q0 in dups:  # column by column: no (cells x copies) gather and temporary
        out[:, q] = out[:, q0]
    for b in blocks:
        out[:, b.start : b.start + b.size] = block_totals(
            cells.row_cell, cells.n_cells, b, w, None if full else cells.row_mask
        )
    return out


#: Columns of at least this many rows are summed two at a time, on two threads.
PARALLEL_SUM_ROWS = 200_000


def scatter_sums(index: np.ndarray, size: int, columns, weights=None) -> list:
    """``np.bincount(index, weights=weights * x, minlength=size)`` for each column ``x``
    (``weights`` None: of ``x`` itself), identical to the last bit.

    Several long columns: one sparse (size x rows) matrix holding the weights (or ones),
    times each column, two at a time on the engine's threads (scipy's product releases the
    GIL): the same products added in the same row order as the bincount, without the
    row-length product. One column, or one thread: the bincount itself (building the
    matrix would cost more than it saves). ``columns`` may hold callables returning the
    column (made in the thread that sums it, so at most two such temporaries exist).
    """
    n = index.size
    columns = list(columns)
    if len(columns) < 2 or n < PARALLEL_SUM_ROWS or _threads.workers() < 2:
        # one thread: the bincount itself (no matrix to build)
        out = []
        for x in columns:
            x = x() if callable(x) else x
            out.append(
                np.bincount(index, weights=x if weights is None else weights * x, minlength=size)
            )
        return out
    idx = np.int32 if max(n, size) < 2**31 else np.int64
    data = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    M = sp.csc_matrix(
        (data, index.astype(idx, copy=False), np.arange(n + 1, dtype=idx)), shape=(size, n)
    )

    def total(x):
        return M @ (x() if callable(x) else x)

    return _threads.map_all(total, columns)


def influence_totals(cells: Cells, Tg: np.ndarray, item_q, coefs, n_units: int):
    """Influence totals per finest variance unit, ``Z`` (U x D*J sparse): for each cell and
    item ``sum_q A[d, q] Tg[cell, q]`` (non-finite values: 0)."""
    return cell_matrix(cells, influence_cells(cells, Tg, item_q, coefs, n_units), n_units)


def influence_cells(cells: Cells, Tg: np.ndarray, item_q, coefs, n_units: int) -> np.ndarray:
    """Cell-level influence (G x J): for each cell and item ``sum_q A[d, q] Tg[cell, q]``
    (non-finite values are zeroed by :func:`cell_matrix`)."""
    J, D = len(item_q), cells.n_domains
    dense = cells.n_cells == n_units * D
    if J and all(len(qs) == 2 for qs in item_q) and dense:
        # dense unit-major cells: (U, D, Q) totals, coefficients broadcast over units
        idx = np.asarray(item_q)
        T3 = Tg.reshape(n_units, D, Tg.shape[1])
        A0 = np.stack([c[:, 0] for c in coefs], axis=1)[None]  # (1, D, J)
        A1 = np.stack([c[:, 1] for c in coefs], axis=1)[None]
        with np.errstate(invalid="ignore", over="ignore"):  # non-finite -> 0 below
            Zg = A0 * _take_columns(T3, idx[:, 0])
            Zg += A1 * _take_columns(T3, idx[:, 1])
        Zg = Zg.reshape(n_units * D, J)
    elif J and all(len(qs) == 2 for qs in item_q):  # every item of two quantities
        # column by column (Tg is column-major here): no (G x J) coefficient gathers
        Zg = np.empty((cells.n_cells, J), order="F")
        buf = np.empty(cells.n_cells)  # one buffer for the second terms
        with np.errstate(invalid="ignore", over="ignore"):  # non-finite -> 0 below
            for j, (q0, q1) in enumerate(item_q):
                z = Zg[:, j]
                # (cell_dom holds valid codes: "clip" writes into out without a buffer)
                np.take(coefs[j][:, 0], cells.cell_dom, out=z, mode="clip")
                z *= Tg[:, q0]
                np.take(coefs[j][:, 1], cells.cell_dom, out=buf, mode="clip")
                buf *= Tg[:, q1]
                z += buf
    else:
        Zg = np.empty((cells.n_cells, J))
        for j, qs in enumerate(item_q):
            A = coefs[j][cells.cell_dom]  # (G x len(qs))
            Zg[:, j] = np.einsum("gq,gq->g", A, Tg[:, list(qs)])
    return Zg


def _take_columns(T3: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``T3[..., q]`` as a view when ``q`` is one repeated column (broadcast) or evenly
    spaced columns (a category block; one quantity of each item of a mean), else a copy."""
    if q.size and (q == q[0]).all():
        return T3[..., q[0] : q[0] + 1]
    step = int(q[1] - q[0]) if q.size > 1 else 1
    if step > 0 and (np.diff(q) == step).all():
        return T3[..., q[0] : q[-1] + 1 : step]
    return T3[..., q]


def cell_matrix(cells: Cells, Zg: np.ndarray, n_units: int):
    """Cell-level influence (G x J) as the unit-level matrix Z (U x D*J sparse; column
    ``d * J + j``); non-finite values become 0."""
    J, D = Zg.shape[1], cells.n_domains
    bad = ~np.isfinite(Zg)
    if bad.any():
        Zg[bad] = 0.0
    del bad
    if cells.n_cells == n_units * D:  # dense unit-major cells: Zg is Z's rows already
        K = D * J
        idx_type = np.int32 if n_units * K < 2**31 else np.int64
        Z = sp.csr_matrix(
            (
                Zg.reshape(-1),
                np.tile(np.arange(K, dtype=idx_type), n_units),
                np.arange(0, n_units * K + 1, K, dtype=idx_type),
            ),
            shape=(n_units, K),
        )
        # every entry stored: the linearisation reads this dense view (shares Z's data)
        Z.dense_view = Zg.reshape(n_units, K)
        return Z
    cols = (cells.cell_dom[:, None] * J + np.arange(J)[None, :]).reshape(-1)
    key = cells.cell_unit * D + cells.cell_dom
    if key.size and (np.diff(key) > 0).all():  # cells in (unit, domain) order: CSR directly
        indptr = np.zeros(n_units + 1, dtype=np.int64)
        np.cumsum(np.bincount(cells.cell_unit, minlength=n_units) * J, out=indptr[1:])
        return sp.csr_matrix((Zg.reshape(-1), cols, indptr), shape=(n_units, D * J))
    rows = np.repeat(cells.cell_unit, J)
    return sp.csr_matrix((Zg.reshape(-1), (rows, cols)), shape=(n_units, D * J))


def domain_sum(cells: Cells, values: np.ndarray, columns=None) -> np.ndarray:
    """Sum cell-level values (G x Q) into domains (D x Q). With the estimator's ``columns``
    the totals of identical quantities (shared arrays, see :func:`cell_totals`) are summed
    once and copied."""
    if cells.n_cells == cells.n_units * cells.n_domains and values.flags.c_contiguous:
        # dense unit-major cells: a sum over units, added in the same (unit) order as the
        # bincount below, without a strided pass per column
        return values.reshape(cells.n_units, cells.n_domains, values.shape[1]).sum(axis=0)
    Q = values.shape[1]
    out = np.empty((cells.n_domains, Q))
    first: dict = {}
    for q in range(Q):
        key = quantity_key(columns, q) if columns is not None else q
        if key in first:
            out[:, q] = out[:, first[key]]
            continue
        first[key] = q
        out[:, q] = np.bincount(cells.cell_dom, weights=values[:, q], minlength=cells.n_domains)
    return out


def _combine_finite(values: np.ndarray, L: np.ndarray) -> np.ndarray:
    """``values @ L.T`` where a combination is NaN only when an estimate it USES is NaN:
    an estimate with no data (a wave without answers to the item) must not turn every
    other contrast into NaN through a zero coefficient (0 * NaN)."""
    missing = np.isnan(values)
    out = np.where(missing, 0.0, values) @ L.T
    if missing.any():
        bad = (missing.astype(float) @ (L != 0).T.astype(float)) > 0
        out = np.where(bad, np.nan, out)
    return out


#: Entries of a block of influence totals formed at once by :class:`LazyInfluence`.
BLOCK_ENTRIES = 2_000_000


class LazyInfluence:
    """Influence totals of dense unit-major cells, ``Z[u, d*J + j] = A0[d, j] T[u, d, y_j] +
    A1[d, j] T[u, d, m_j]``, kept as the cell totals and coefficients: ``build()`` forms the
    (U x K) matrix (:func:`cell_matrix`) when a caller needs it (contrasts, covariances);
    ``variance()`` gives the K variances over blocks of items without forming it."""

    def __init__(self, design, cells, Tg, item_q, coefs, blocks=()):
        self.design, self.cells, self.Tg = design, cells, Tg
        self.item_q, self.coefs = item_q, coefs
        self.blocks = list(blocks)  # the estimator's CategoryBlocks (many-category items)

    def build(self):
        Zg = influence_cells(self.cells, self.Tg, self.item_q, self.coefs, self.cells.n_units)
        return cell_matrix(self.cells, Zg, self.cells.n_units)

    #: The centred cross moments with each item's not-missing totals, kept by
    #: ``variance(moments=True)``: the logit interval's variance then needs no pass of its
    #: own (:func:`survey.engine.logit_glm.replay_glm`).
    moments = None

    def variance(self, presence, moments: bool = False) -> np.ndarray:
        cells, Tg = self.cells, self.Tg
        U, D, J = cells.n_units, cells.n_domains, len(self.item_q)
        linearization.check_lonely(self.design, presence)  # once, for every estimate
        rule = linearization.one_stage_rule(self.design, presence)
        keep = moments and rule is not None
        T3 = Tg.reshape(U, D, Tg.shape[1])
        A0 = np.stack([c[:, 0] for c in self.coefs], axis=1)[None]  # (1, D, J)
        A1 = np.stack([c[:, 1] for c in self.coefs], axis=1)[None]
        idx = np.asarray(self.item_q)
        step = max(1, BLOCK_ENTRIES // max(U * D, 1))
        out = np.empty((D, J))
        if keep:
            X, W = np.empty((D, J)), np.empty((D, J))
        todo = np.arange(J)
        groups = self._sparse_groups(A0[0], A1[0]) if rule is not None else []
        if groups:
            w_rows = self.design.weights
            if not cells.row_mask.all():
                w_rows = w_rows[cells.row_mask]
            for js, b, mq in groups:
                v, x, wm = _sparse_block_moments(
                    rule, cells, w_rows, T3, b, mq, idx[js, 0], A0[0][:, js], A1[0][:, js]
                )
                out[:, js] = v
                if keep:
                    X[:, js], W[:, js] = x, wm
                todo = np.setdiff1d(todo, js)
        # two buffers reused by every block (fresh ones would be page-faulted in each time)
        size = U * D * min(step, max(todo.size, 1))
        buf, tmp = np.empty(size), np.empty(size)
        for j0 in range(0, todo.size, step):
            jj = todo[j0 : j0 + step]
            Zb = buf[: U * D * jj.size].reshape(U, D, jj.size)
            part = tmp[: Zb.size].reshape(Zb.shape)
            with np.errstate(invalid="ignore", over="ignore"):  # as influence_cells
                np.multiply(A0[:, :, jj], _take_columns(T3, idx[jj, 0]), out=Zb)
                np.multiply(A1[:, :, jj], _take_columns(T3, idx[jj, 1]), out=part)
                Zb += part
            if rule is None:  # (dense_moments zeroes non-finite entries itself)
                bad = ~np.isfinite(Zb)
                if bad.any():
                    Zb[bad] = 0.0
                del bad
            if keep:  # one stage: the variances and the cross moments in one pass
                uq, p_of = np.unique(idx[jj, 1], return_inverse=True)
                v, X[:, jj], W[:, jj] = linearization.dense_moments(
                    rule, Zb, T3[:, :, uq], p_of.reshape(-1)
                )
                out[:, jj] = v
                continue
            if rule is not None:
                out[:, jj] = linearization.dense_moments(rule, Zb)
                continue
            cols = (np.arange(D)[:, None] * J + jj[None, :]).reshape(-1)
            sub = None if presence is None else np.asarray(presence)[:, cols]
            Zb = Zb.reshape(U, D * jj.size)
            v = linearization.vcov(self.design, Zb, sub, full=False, dense=True)
            out[:, jj] = v.reshape(D, jj.size)
        if keep:
            self.moments = (out.copy(), X, W)
        return out.reshape(-1)

    def _sparse_groups(self, A0, A1):
        """``[(items, block, not-missing column)]``: the items whose y is a category of a
        many-category block and that share one not-missing column with finite coefficients
        in every domain; their variance comes from the block's stored (non-zero) cells."""
        groups = []
        for b in self.blocks:
            if b.size < SPARSE_BLOCK_MIN:
                continue
            js = np.array(
                [j for j, (yq, _) in enumerate(self.item_q) if b.start <= yq < b.start + b.size],
                dtype=np.int64,
            )
            if not js.size or len({self.item_q[j][1] for j in js}) != 1:
                continue
            if not (np.isfinite(A0[:, js]).all() and np.isfinite(A1[:, js]).all()):
                continue
            groups.append((js, b, self.item_q[js[0]][1]))
        return groups


#: A category block with at least this many categories has its variance computed from its
#: rows (:func:`_sparse_block_moments`).
SPARSE_BLOCK_MIN = 32
#: ... except the estimates whose expansion would cancel more than this factor (about 3
#: digits: ~1e-13 relative left) in some stratum; those are computed from their influence.
CANCELLATION = 1e3


def _sparse_block_moments(rule, cells, w, T3, block, mq, yq, A0, A1):
    """Variances and logit moments (as :func:`linearization.dense_moments`), (D x J') each,
    of items ``z = A0 y + A1 m`` whose y are categories ``yq`` of ``block`` and whose m is
    column ``mq`` (dense unit-major cells; ``w`` the weights of the cells' rows).

    In stratum h with centring share a, writing ``y~ = y - a Y_h`` and ``m~ = m - a M_h``
    (Y, M the stratum totals), ``sum_u (z_u - a S_h)^2 = A0^2 sum y~^2 + 2 A0 A1 sum y~ m~
    + A1^2 sum m~^2`` with ``sum y~^2 = sum y^2 - a Y^2 (2 - n a)`` and ``sum y~ m~ =
    sum y m~ - a Y sum m~``; m~ is centred exactly on the (units x domains) cells. The sums
    over y come from the rows, never from the (units x domains x categories) table: a cell's
    total y is the sum of its rows' weights, so ``sum_cells y^2 = sum_rows w y_cell`` and
    ``sum_cells y m~ = sum_rows w m~_cell``. A0 and A1 do not vary by stratum, so the strata
    are summed (weighted by c_h) before they apply."""
    st, c, a = rule
    U, D, Q = T3.shape
    H = st.n_strata
    h = st.unit_stratum
    nh = st.n_sampled.astype(float)
    Cn = block.size
    m = T3[:, :, mq]
    Hm = linearization._indicator(h, H)
    Mh = np.asarray(Hm.T @ m)  # (H x D)
    mt = m - a[h][:, None] * Mh[h]  # centred exactly
    Wm = np.asarray(Hm.T @ (mt * mt))  # (H x D): sums of m~^2
    W_d = c @ Wm  # (D,)
    smt = np.asarray(Hm.T @ mt)  # (H x D): sums of m~ (0 when a = 1/n)
    codes = block.codes if cells.row_mask.all() else block.codes[cells.row_mask]
    g, cw = cells.row_cell, w
    if not (codes >= 0).all():
        keep = codes >= 0
        codes, g, cw = codes[keep], g[keep], cw[keep]
    hd = h[cells.cell_unit] * D + cells.cell_dom  # (stratum, domain) of each cell
    key = hd[g] * Cn + codes
    y_cell = T3.reshape(-1)[g * Q + (block.start + codes.astype(np.int64))]
    size = H * D * Cn
    Y = np.bincount(key, weights=cw, minlength=size).reshape(H, D, Cn)
    Syy = np.bincount(key, weights=cw * y_cell, minlength=size).reshape(H, D, Cn)
    Sym = np.bincount(key, weights=cw * mt.reshape(-1)[g], minlength=size).reshape(H, D, Cn)
    ah, nah = a[:, None, None], (2 - nh * a)[:, None, None]
    cj = np.asarray(yq) - block.start
    if cj.size == Cn and (cj == np.arange(Cn)).all():  # every category, in order: views
        Yj, Syyj, Symj = Y, Syy, Sym
    else:
        Yj, Syyj, Symj = Y[:, :, cj], Syy[:, :, cj], Sym[:, :, cj]  # (H x D x J')
    Wm = Wm[:, :, None]
    Pj = Syyj - ah * Yj * Yj * nah  # sums of y~^2
    Rj = Symj - ah * Yj * smt[:, :, None]  # sums of y~ m~
    B0, B1 = A0[None], A1[None]
    SS = B0 * B0 * Pj + 2 * B0 * B1 * Rj + B1 * B1 * Wm
    # the expansion cancels where z = A0 y + A1 m is nearly the same in every unit of a
    # stratum (a share near 1 in every PSU, one unit): those estimates are recomputed from
    # their (units) influence, formed and centred as the general pass does
    # (the size of the two square terms bounds the others': Cauchy-Schwarz)
    mag = B0 * B0 * Syyj
    mag += B1 * B1 * Wm
    live = (c != 0)[:, None, None]
    with np.errstate(invalid="ignore"):
        bad = (live & ~(mag <= CANCELLATION * np.abs(SS))).any(axis=0)  # (D x J')
    V = np.einsum("h,hdj->dj", c, SS)
    X = A0 * np.einsum("h,hdj->dj", c, Rj) + A1 * W_d[:, None]
    if bad.any():  # the general pass, on those estimates' (units) influence only
        dd, jj = np.nonzero(bad)
        Z = A0[dd, jj] * T3[:, dd, block.start + cj[jj]] + A1[dd, jj] * m[:, dd]  # (U x F)
        F = dd.size
        v, x, _ = linearization.dense_moments(
            rule, Z[:, None, :], m[:, dd][:, None, :], np.arange(F)
        )
        V[dd, jj], X[dd, jj] = v[0], x[0]
    return V, X, np.broadcast_to(W_d[:, None], V.shape).copy()


@dataclass
class EstimateSet:
    """Estimates with what their variance needs, before presentation.

    ``labels`` has one row per estimate (``by`` columns, ``variable``, ``category``);
    ``theta`` (K,). Linearisation: ``Z`` (U x K sparse) influence totals per finest variance
    unit. Replicates: ``reps`` (R x K) replicate estimates. ``n``, ``n_weighted``, ``vsrs``
    (for deff), ``df_domain`` and ``nrow_domain`` per estimate.
    """

    design: object
    by: tuple[str, ...]
    labels: pd.DataFrame
    theta: np.ndarray
    statistic: str
    Z: sp.csr_matrix | None = None
    reps: np.ndarray | None = None
    n: np.ndarray | None = None
    n_weighted: np.ndarray | None = None
    vsrs: np.ndarray | None = None
    df_domain: np.ndarray | None = None
    nrow_domain: np.ndarray | None = None
    strata_presence: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return self.theta.size

    @property
    def df_domain(self) -> np.ndarray | None:  # noqa: F811 - lazily computed field
        """Each estimate's own degrees of freedom (its domain's); computed on first use when
        the engine left a function for it (replicate designs: one rank per domain)."""
        value = self.__dict__.get("_df_domain")
        if callable(value):
            value = value()
            self.__dict__["_df_domain"] = value
        return value

    @df_domain.setter
    def df_domain(self, value) -> None:
        if isinstance(value, property):  # the dataclass default
            value = None
        self.__dict__["_df_domain"] = value

    @property
    def Z(self):  # noqa: F811 - lazily formed field
        """Influence totals per finest variance unit (U x K); formed on first use when the
        engine left a :class:`LazyInfluence` (the diagonal variance does not need them)."""
        value = self.__dict__.get("_Z")
        if isinstance(value, LazyInfluence):
            value = value.build()
            self.__dict__["_Z"] = value
        return value

    @Z.setter
    def Z(self, value) -> None:
        if isinstance(value, property):  # the dataclass default
            value = None
        self.__dict__["_Z"] = value

    @property
    def has_influence(self) -> bool:
        """Whether the set carries linearisation influence (formed or not yet)."""
        return self.__dict__.get("_Z") is not None

    # -- variance -----------------------------------------------------------------------
    def variance(self, moments: bool = False) -> np.ndarray:
        """Variances of the K estimates (``moments``: keep what the logit interval's
        variance needs, :attr:`LazyInfluence.moments`)."""
        if self.reps is not None:
            return replicate.vcov(self.design, self.reps, self.theta, full=False)
        lazy = self.__dict__.get("_Z")
        if isinstance(lazy, LazyInfluence):  # by blocks of items, Z never formed whole
            return lazy.variance(self.strata_presence, moments)
        return linearization.vcov(self.design, self.Z, self.strata_presence, full=False)

    def vcov(self) -> np.ndarray:
        """Full K x K covariance matrix (as R's ``vcov`` of an ``svyby(..., covmat=TRUE)``)."""
        if self.reps is not None:
            return replicate.vcov(self.design, self.reps, self.theta, full=True)
        return linearization.vcov(self.design, self.Z, self.strata_presence, full=True)

    def deff_replace(self, var=None):
        """With-replacement design effects (R's ``deff="replace"``), or None if unknown."""
        if "vsrs_replace" not in self.extra:
            return None
        var = self.variance() if var is None else var
        with np.errstate(divide="ignore", invalid="ignore"):
            return var / self.extra["vsrs_replace"]

    # -- combinations (svycontrast) -------------------------------------------------------
    def contrast(self, L, labels: pd.DataFrame | None = None, statistic: str = "contrast"):
        """Linear combinations ``L @ theta`` (m x K) with their influence/replicates."""
        L = np.atleast_2d(np.asarray(L, dtype=float))
        reps = None if self.reps is None else _combine_finite(self.reps, L)
        return self._combine(_combine_finite(self.theta, L), L, labels, statistic, reps=reps)

    def transform(
        self, func, jacobian, labels=None, statistic: str = "transform", method: str = "delta"
    ):
        """Smooth functions ``func(theta)`` (m values) of the estimates (R's ``svycontrast``
        with a nonlinear contrast); ``jacobian(theta)`` is their m x K gradient.

        ``method="delta"`` (default, R's default on every design type): the delta method,
        ``Var = J V J'`` with ``V`` the linearisation or the replicate covariance of the
        estimates. On replicate designs the new replicate values are the linearised
        ``func(theta) + J (theta_r - theta)``, so their replicate variance is exactly
        ``J V J'`` and later contrasts compose by the chain rule.
        ``method="replicates"`` (replicate designs only; R's ``return.replicates=TRUE``
        followed by ``svycontrast``): ``func`` applied to every replicate's estimates and
        the variance of those (not the same as the delta method for nonlinear ``func``).
        """
        if method not in ("delta", "replicates"):
            raise ValueError(f"method={method!r}: use 'delta' (R's default) or 'replicates'")
        if method == "replicates" and self.reps is None:
            raise ValueError(
                "method='replicates' needs a replicate design (the replicate estimates); "
                "this estimate has linearisation variance: use method='delta'"
            )
        theta = np.asarray(func(self.theta), dtype=float)
        J = np.atleast_2d(np.asarray(jacobian(self.theta), dtype=float))
        reps = None
        if self.reps is not None:
            if method == "replicates":
                reps = np.stack([np.asarray(func(r), dtype=float) for r in self.reps])
            else:
                reps = theta[None, :] + _combine_finite(self.reps - self.theta[None, :], J)
        return self._combine(theta, J, labels, statistic, reps=reps)

    def _combine(self, theta, L, labels, statistic, reps):
        m = theta.size
        if labels is None:
            labels = pd.DataFrame({"variable": [f"{statistic}{i + 1}" for i in range(m)]})
        labels = labels.reset_index(drop=True)
        new = EstimateSet(
            design=self.design,
            by=tuple(c for c in self.by if c in labels.columns),
            labels=labels,
            theta=theta,
            statistic=statistic,
        )
        if self.reps is not None:
            new.reps = reps if reps is not None else self.reps @ L.T
        else:
            prod = self.Z @ sp.csr_matrix(L.T)
            new.Z = prod if hasattr(prod, "G") else sp.csr_matrix(prod)
        # a combination's df: the smallest df of the estimates it uses (conservative)
        used = np.abs(L) > 0
        if self.df_domain is not None:
            dfs = np.where(used, self.df_domain[None, :], np.inf)
            new.df_domain = dfs.min(axis=1)
        new.n = np.full(m, np.nan)
        new.n_weighted = np.full(m, np.nan)
        new.vsrs = np.full(m, np.nan)
        return new

    def concat(self, other: EstimateSet) -> EstimateSet:
        """Stack two estimate sets from the SAME design, so covariances between them count."""
        if other.design is not self.design:
            raise ValueError(
                "estimate sets come from different designs; compare them with "
                "survey.compare for independent samples"
            )
        cat = lambda a, b: None if a is None or b is None else np.concatenate([a, b])  # noqa: E731
        new = replace(
            self,
            labels=pd.concat([self.labels, other.labels], ignore_index=True),
            theta=np.concatenate([self.theta, other.theta]),
            statistic=self.statistic if self.statistic == other.statistic else "mixed",
            n=cat(self.n, other.n),
            n_weighted=cat(self.n_weighted, other.n_weighted),
            vsrs=cat(self.vsrs, other.vsrs),
            df_domain=cat(self.df_domain, other.df_domain),
            nrow_domain=cat(self.nrow_domain, other.nrow_domain),
            strata_presence=None
            if self.strata_presence is None or other.strata_presence is None
            else np.hstack([self.strata_presence, other.strata_presence]),
        )
        new.by = tuple(dict.fromkeys(self.by + other.by))
        # per-estimate extras (case counts, with-replacement SRS variances) stack too
        new.extra = {}
        for key in ("n_cases", "vsrs_replace"):
            if key in self.extra or key in other.extra:
                new.extra[key] = np.concatenate(
                    [
                        self.extra.get(key, np.full(len(self), np.nan)),
                        other.extra.get(key, np.full(len(other), np.nan)),
                    ]
                )
        if self.reps is not None:
            new.reps = np.hstack([self.reps, other.reps])
        else:
            if hasattr(self.Z, "hstack"):  # factored calibration correction
                new.Z = self.Z.hstack(other.Z)
            elif hasattr(other.Z, "hstack"):
                new.Z = sp.hstack([self.Z, sp.csr_matrix(other.Z.toarray())]).tocsr()
            else:
                new.Z = sp.hstack([self.Z, other.Z]).tocsr()
        return new

    # -- presentation -------------------------------------------------------------------
    def degrees_of_freedom(self, df="design") -> np.ndarray:
        K = self.theta.size
        if isinstance(df, int | float) and not isinstance(df, bool):
            if not df > 0:
                raise ValueError(f"df={df}: degrees of freedom must be positive (or 'inf')")
            return np.full(K, float(df))
        if df == "design":
            return np.full(K, float(self.design.degf))
        if df == "domain":
            if self.df_domain is None:
                return np.full(K, float(self.design.degf))
            return self.df_domain.astype(float)
        if df in ("inf", "infinite", None):
            return np.full(K, np.inf)
        raise ValueError(f"df={df!r}: use 'design', 'domain', 'inf' or a number")

    def _intervals(self, ci, se, dfs, level, rows=None):
        """(low, high) of every estimate by method ``ci``; with ``rows`` (bool mask) only
        those rows need to be valid for the method (others are NaN)."""
        theta, nrow = self.theta, self.nrow_domain
        if rows is not None and not rows.all():
            theta = np.where(rows, theta, 0.5 if ci != "wald" else theta)
        low, high = ci_mod.interval(ci, theta, se, dfs, level, nrow=nrow, statistic=self.statistic)
        if ci == "logit":  # R's svyglm-based interval, replayed exactly where possible
            from survey.engine.logit_glm import logit_intervals

            with np.errstate(all="ignore"):
                exact = logit_intervals(self, ci_mod.critical(level, dfs))
            if exact is not None:
                low, high = exact
            elif self.reps is not None:
                # R refits svyglm(y ~ 1) per replicate: the variance of the replicate logits
                with np.errstate(divide="ignore", invalid="ignore"):
                    eta = np.log(self.theta / (1 - self.theta))
                    eta_r = np.log(self.reps / (1 - self.reps))
                    se_eta = np.sqrt(replicate.vcov(self.design, eta_r, eta, full=False))
                t = ci_mod.critical(level, dfs)
                low, high = ci_mod._expit(eta - t * se_eta), ci_mod._expit(eta + t * se_eta)
        if ci == "likelihood":  # R's profile-likelihood interval of the svyglm intercept
            from survey.engine.likelihood import likelihood_intervals

            low, high = likelihood_intervals(self, level, dfs)
        if ci in ci_mod.PROPORTION_METHODS or self.statistic == "prop":
            # p = 0 or 1 (SE 0): NCHS's Korn-Graubard interval with n_eff = rows, whatever
            # the method (each degenerates there), see ci.boundary_interval
            edge = ci_mod.at_boundary(self.theta)
            if edge.any():
                n_b = self.n if self.n is not None else nrow  # rows answering
                b_low, b_high = ci_mod.boundary_interval(self.theta, n_b, dfs, level)
                low, high = np.where(edge, b_low, low), np.where(edge, b_high, high)
        if rows is not None:
            low, high = np.where(rows, low, np.nan), np.where(rows, high, np.nan)
        return low, high

    def to_frame(self, ci="wald", level=0.95, df="design", quality="default") -> pd.DataFrame:
        """The tidy result frame (see :mod:`survey._schema`).

        ``ci`` is one interval method, or one per estimate (a sequence of length K): a share
        then keeps its own interval next to means in the same set."""
        # a logit interval reuses this variance pass (LazyInfluence.moments)
        var = self.variance(moments="logit" in ([ci] if isinstance(ci, str) else ci))
        if self.n is not None:  # no rows with an answer in the domain: nothing to estimate
            var = np.where(self.n == 0, np.nan, var)
        se = np.sqrt(np.where(var < 0, np.nan, var))
        dfs = self.degrees_of_freedom(df)
        if isinstance(ci, str):
            low, high = self._intervals(ci, se, dfs, level)
            method = ci
        else:  # one method per estimate (a proportion next to means keeps its own interval)
            ci = np.asarray(ci, dtype=object)
            if ci.shape != self.theta.shape:
                raise ValueError(f"ci: give one method or one per estimate ({self.theta.size})")
            low, high = np.full(ci.size, np.nan), np.full(ci.size, np.nan)
            for m in dict.fromkeys(ci.tolist()):
                rows = ci == m
                lo_m, hi_m = self._intervals(m, se, dfs, level, rows)
                low[rows], high[rows] = lo_m[rows], hi_m[rows]
            methods = list(dict.fromkeys(ci.tolist()))
            method = methods[0] if len(methods) == 1 else "/".join(methods)
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = se / np.abs(self.theta)
            deff = var / self.vsrs if self.vsrs is not None else np.full_like(var, np.nan)
        frame = self.labels
        undefined = _warn_undefined(self, frame)
        if undefined.any():  # e.g. a ratio whose denominator totals 0 in a domain
            se, low, high, cv = (np.where(undefined, np.nan, a) for a in (se, low, high, cv))
        values = {
            "estimate": self.theta,
            "se": se,
            "ci_low": low,
            "ci_high": high,
            "df": dfs,
            "cv": cv,
            "deff": deff,
            "n": self.n if self.n is not None else np.nan,
            "n_weighted": self.n_weighted if self.n_weighted is not None else np.nan,
            "n_cases": self.extra.get("n_cases", np.nan),
        }
        out = finalize(with_columns(frame, values), self.by)
        out.attrs.update(
            {"level": level, "ci_method": method, "df_rule": df, "statistic": self.statistic}
        )
        if not isinstance(ci, str):
            out.attrs["ci_methods"] = ci.tolist()
        if df == "design":
            _warn_few_strata(self, out, level)
        if quality is not None:
            out = apply_quality(out, quality, self.deff_replace(var), self.extra.get("n_cases"))
        return out


#: A domain's own df is "far below" the design's when its t quantile is this much larger.
FEW_STRATA_WIDENING = 1.10


def _warn_few_strata(es, frame: pd.DataFrame, level: float) -> None:
    """With ``df="design"``, warn about domains lying in few strata: their own df (R's
    ``degf`` of the subset) is so low that the t quantile is over 10% larger than the
    design's, so the design-df interval undercovers (issue 15: a region in 5 of 200 strata
    covers about 90% with nominal 95%). Names the domains; ``frame.attrs["few_strata"]``."""
    if es.df_domain is None or not es.by or es.n is None:
        return
    dd = np.asarray(es.df_domain, dtype=float)
    degf = float(es.design.degf)
    ok = np.isfinite(dd) & (dd >= 1) & (np.asarray(es.n) > 0) & (dd < degf)
    if not ok.any():
        return
    ratio = np.ones_like(dd)
    ratio[ok] = ci_mod.critical(level, dd[ok]) / ci_mod.critical(level, degf)
    bad = ok & (ratio > FEW_STRATA_WIDENING)
    if not bad.any():
        return
    from survey._text import code_text

    cols = [c for c in es.by if c in frame.columns]
    seen = {}
    for i in np.flatnonzero(bad):
        key = ", ".join(f"{c}={code_text(frame[c].iloc[i])}" for c in cols)
        seen.setdefault(key, int(dd[i]))
    frame.attrs["few_strata"] = seen
    listed = "; ".join(f"{k} (df {v})" for k, v in list(seen.items())[:5])
    more = f" and {len(seen) - 5} more" if len(seen) > 5 else ""
    import warnings

    warnings.warn(
        f"domains in few strata: {listed}{more} have far fewer degrees of freedom than the "
        f"design's {int(degf)}; with df='design' their intervals are too narrow (coverage "
        "below nominal): use df='domain' (the PSUs minus strata holding the domain, INE "
        "Chile's rule; CLI --df domain)",
        UserWarning,
        stacklevel=4,
    )


def _warn_undefined(es, frame: pd.DataFrame) -> np.ndarray:
    """Mask of estimates with rows in their domain but no finite value (a ratio whose
    denominator, or a mean whose weights, total 0 there); warns naming each domain."""
    theta = np.asarray(es.theta, dtype=float)
    bad = ~np.isfinite(theta)
    if es.n is not None:
        bad &= np.asarray(es.n) > 0
    if not bad.any():
        return bad
    import warnings

    from survey._text import code_text

    cols = [c for c in (*es.by, "variable", "category") if c in frame.columns]
    where = [
        ", ".join(f"{c}={code_text(frame[c].iloc[i])}" for c in cols if pd.notna(frame[c].iloc[i]))
        for i in np.flatnonzero(bad)
    ]
    what = "the denominator totals 0" if es.statistic == "ratio" else "the weights total 0"
    more = f" (and {len(where) - 5} more)" if len(where) > 5 else ""
    warnings.warn(
        f"{es.statistic}: {what} in {'; '.join(where[:5])}{more}: the estimate is undefined "
        "there; its estimate, SE and interval are NaN",
        RuntimeWarning,
        stacklevel=4,
    )
    return bad


def apply_quality(frame: pd.DataFrame, rule, deff_replace=None, n_cases=None) -> pd.DataFrame:
    """Fill the publication-decision columns (``reliability``, ``reliability_reason``,
    ``quality_rule``) with a :mod:`survey.quality` rule (``"default"``: the package's).

    The rules' effective sample size ``n / deff`` uses the with-replacement design effect
    (R's ``deff="replace"``): R's default deff includes the finite-population term
    ``1 - n / sum(w)``, which explodes for weights scaled to average 1 (LAPOP ``weight1500``,
    ESS ``pspwght``) and would suppress good estimates. ``n_cases`` (the exact unweighted
    count of rows with the characteristic, known to the engine) is written to the frame."""
    from survey.quality import apply

    if n_cases is not None:
        frame["n_cases"] = n_cases
    view = frame
    if deff_replace is not None:
        view = frame.copy()
        view["deff"] = deff_replace
    got = apply(view, None if rule == "default" else rule)
    if view is not frame:
        for col in ("reliability", "reliability_reason", "quality_rule"):
            frame[col] = got[col].to_numpy()
        frame.attrs["quality_rule"] = got.attrs["quality_rule"]
    return frame


def replicate_domain_df(design, codes: np.ndarray, n_dom: int) -> np.ndarray:
    """R's ``degf`` of each domain's subset of a replicate design: the rank of the domain's
    replicate weights minus one (``design.domain_degf``). With factor replicates the rank
    depends only on which units the domain holds: domains holding the same units share one
    rank computation, and a domain holding every unit has the design's own (cached) degf."""
    if design.factors is None:
        return np.array([design.domain_degf(codes == d) for d in range(n_dom)], dtype=float)
    U = design.factors.shape[0]
    ok = codes >= 0
    present = np.zeros((n_dom, U), dtype=bool)
    present[codes[ok], design.unit[ok]] = True
    out = np.empty(n_dom)
    seen: dict[bytes, float] = {}
    for d in range(n_dom):
        if present[d].all():
            out[d] = design.degf
            continue
        key = np.packbits(present[d]).tobytes()
        if key not in seen:
            seen[key] = design.domain_degf(codes == d)
        out[d] = seen[key]
    return out


def _rows(col: np.ndarray, mask) -> np.ndarray:
    return col if isinstance(mask, slice) else col[mask]


def _stage1_presence(design, dom: np.ndarray, n_dom: int, cell_rows=None):
    """Per domain: PSUs and strata holding rows (non-zero weight) -> R's degf of the subset,
    the rows in it (R's nrow of the subset design), and stratum presence.

    ``cell_rows``: the rows and the non-zero-weight rows of each dense (PSU, domain) cell
    (:func:`_cell_rows`), when the cells' units are the first-stage PSUs: no pass over rows."""
    st = design.stages[0]
    if cell_rows is not None:
        n_all, n_nz = cell_rows
        psu_dom = np.flatnonzero(n_nz)
        nrow = n_all.reshape(st.n_units, n_dom).sum(axis=0)
        return _presence_from_cells(st, psu_dom // n_dom, psu_dom % n_dom, n_dom, nrow)
    rows = (dom >= 0) & (design.weights != 0)
    every = bool(rows.all())  # every row in: no masked copies
    nrow = np.bincount(dom if every else dom[dom >= 0], minlength=n_dom)
    if st.n_units == design.n:  # rows are the PSUs: each row is its own (PSU, domain)
        psu, d = (st.unit, dom) if every else (st.unit[rows], dom[rows])
        # every row in: the (PSU, domain) cells per domain are its rows
        return _presence_from_cells(st, psu, d, n_dom, nrow, nrow if every else None)
    codes = st.unit * n_dom + dom if every else st.unit[rows] * n_dom + dom[rows]
    if st.n_units * n_dom <= DENSE_CELL_LIMIT:
        psu_dom = np.flatnonzero(np.bincount(codes, minlength=st.n_units * n_dom))
    else:
        psu_dom = np.unique(codes)
    return _presence_from_cells(st, psu_dom // n_dom, psu_dom % n_dom, n_dom, nrow)


def _presence_from_cells(st, psu, d, n_dom, nrow, n_psu=None):
    """(df, nrow, presence) of :func:`_stage1_presence` from the occupied (PSU, domain)
    cells, each given by its PSU ``psu`` and domain ``d`` (``n_psu``: the cells per domain,
    when the caller has them)."""
    if n_psu is None:
        n_psu = np.bincount(d, minlength=n_dom)
    sd = st.unit_stratum[psu] * n_dom + d
    if st.n_strata * n_dom <= DENSE_CELL_LIMIT:
        strat_dom = np.flatnonzero(np.bincount(sd, minlength=st.n_strata * n_dom))
    else:
        strat_dom = np.unique(sd)
    n_strat = np.bincount(strat_dom % n_dom, minlength=n_dom)
    presence = np.zeros((st.n_strata, n_dom), dtype=bool)
    presence[strat_dom // n_dom, strat_dom % n_dom] = True
    return n_psu - n_strat, nrow, presence


def _cell_rows(cells: Cells, nz_bool: np.ndarray, all_nz: bool):
    """Rows and non-zero-weight rows of each (unit, domain) cell: (G,) each (one bincount
    when every weight is non-zero)."""
    n_all = np.bincount(cells.row_cell, minlength=cells.n_cells)
    if all_nz:
        return n_all, n_all
    nzr = nz_bool if cells.row_mask.all() else nz_bool[cells.row_mask]
    return n_all, np.bincount(cells.row_cell, weights=nzr, minlength=cells.n_cells)


def _all_ones(col) -> bool:
    """Whether a quantity is the all-ones not-missing indicator of a complete variable."""
    return (
        isinstance(col, np.ndarray)
        and col.size > 0
        and col.dtype.kind == "f"
        and (col.min() == 1.0 and col.max() == 1.0)
    )


def _item_presence(design, dom: Domains, est, cell_rows=None, complete=()) -> np.ndarray:
    """First-stage strata holding rows of each estimate (domain x item, answers only): what
    R's subset + ``na.rm`` leaves in ``onestage`` for the lonely-PSU rules. ``cell_rows``
    (:func:`_cell_rows` of dense first-stage cells) settles the items whose not-missing
    quantity is in ``complete`` (quantity keys of all-ones columns) without a pass."""
    st = design.stages[0]
    H, D, J = st.n_strata, dom.n_domains, est.n_items
    mask = dom.codes >= 0
    if getattr(design, "adjust_domain_lonely", False):
        return _item_psu_counts(design, dom, est)
    if mask.all():  # no masked copies
        mask = slice(None)
    code = None
    out = np.zeros((H, D, J), dtype=bool)
    seen: dict = {}
    for j, q in enumerate(est.count_q):
        key = quantity_key(est.columns, q)
        if key not in seen:
            col = est.columns[q]
            if cell_rows is not None and key in complete:  # every row answers
                held = cell_rows[0].reshape(st.n_units, D) > 0
                seen[key] = np.asarray(linearization._indicator(st.unit_stratum, H).T @ held) > 0
            else:
                if code is None:
                    code = st.unit_stratum[st.unit[mask]] * D + dom.codes[mask]
                tot = np.bincount(code, weights=col[mask], minlength=H * D)
                seen[key] = tot.reshape(H, D) > 0
        out[:, :, j] = seen[key]
    return out.reshape(H, D * J)


def _item_psu_counts(design, dom: Domains, est) -> np.ndarray:
    """As :func:`_item_presence`, but the number of units of each stratum holding rows of
    each estimate (R's ``nsubset`` in ``onestrat``), for ``Design(adjust_domain_lonely=True)``:
    the first stage's (H1 x K) rows, then each later variance stage's (H_s x K) rows (its
    strata are the units of the stage above), stacked."""
    D, J = dom.n_domains, est.n_items
    mask = dom.codes >= 0
    parts = []
    for st in design.variance_stages:
        H = st.n_strata
        code = st.unit[mask] * D + dom.codes[mask]
        psu_stratum = np.repeat(st.unit_stratum, D) * D + np.tile(np.arange(D), st.n_units)
        out = np.zeros((H, D, J), dtype=np.int64)
        seen: dict = {}
        for j, q in enumerate(est.count_q):
            key = quantity_key(est.columns, q)
            if key not in seen:
                col = est.columns[q]
                held = np.bincount(code, weights=col[mask], minlength=st.n_units * D) > 0
                seen[key] = np.bincount(psu_stratum, weights=held, minlength=H * D).reshape(H, D)
            out[:, :, j] = seen[key]
        parts.append(out.reshape(H, D * J))
    return np.vstack(parts)


def _warn_nominal(design, variables, statistic: str) -> None:
    """Warn when a mean/total would average the codes of a labelled nominal item (SPSS
    measure 'nominal' with value labels other than 0/1: Yes = 1 / No = 2 averages to 1.9,
    and a difference of such means has the sign of the coding, not of the prevalence)."""
    meta = getattr(design, "meta", None)
    if meta is None or not getattr(meta, "measure", None):
        return
    names = [variables] if isinstance(variables, str) else list(variables or [])
    for var in dict.fromkeys(v for v in names if isinstance(v, str)):
        labels = meta.value_labels.get(var) or {}
        if meta.measure.get(var) != "nominal" or not labels:
            continue
        try:
            codes = {float(c) for c in labels}
        except (TypeError, ValueError):
            continue
        if codes <= {0.0, 1.0}:
            continue  # a 0/1 item: its mean is the share of the 1s
        shown = ", ".join(f"{c:g} = {t}" for c, t in list(labels.items())[:4])
        warnings.warn(
            f"{var!r} is a nominal item with value labels ({shown}): its {statistic} "
            "averages the codes; estimate the share of a category with prop() (or recode "
            "it to 0/1; CLI: name=variable:code)",
            UserWarning,
            stacklevel=3,
        )


def estimate(
    design,
    statistic: str,
    variables,
    by=None,
    na: str = "available",
    denominator=None,
    binary: str = "ones",
    domains: Domains | None = None,
    estimator=None,
) -> EstimateSet:
    """Estimate ``statistic`` for ``variables`` in every domain of ``by`` in one pass."""
    if getattr(design, "is_table_design", False):  # rows in a data backend (survey.backends)
        return design.estimate(
            statistic, variables, by, na, denominator, binary, domains, estimator
        )
    from survey.design import ReplicateDesign

    if statistic in ("mean", "total"):
        _warn_nominal(design, variables, statistic)
    dom = domains if domains is not None else make_domains(design.data, by)
    est = (
        estimator
        if estimator is not None
        else build(design, statistic, variables, na=na, denominator=denominator, binary=binary)
    )
    D, J = dom.n_domains, est.n_items
    w = design.weights
    is_rep = isinstance(design, ReplicateDesign)
    if is_rep and design.factors is None:
        unit, n_units = np.arange(design.n), design.n
    elif is_rep:
        unit, n_units = design.unit, design.factors.shape[0]
    else:
        last = design.variance_stages[-1]
        unit, n_units = last.unit, last.n_units
    cells = make_cells(unit, n_units, dom.codes, D)
    Tg = cell_totals(cells, est.columns, w)  # (G x Q)
    T = domain_sum(cells, Tg, est.columns)  # (D x Q)
    theta = est.point(T)  # (D x J)
    # unweighted counts (rows with non-zero weight), for n and deff
    nz_bool = w != 0
    all_nz = bool(nz_bool.all())
    nz = nz_bool.astype(float)
    count_cols = sorted(set(est.count_q))
    dmask = dom.codes >= 0
    all_in = bool(dmask.all())
    if all_in:
        dmask = slice(None)  # every row in a domain: no masked copies
    d_in, nz_in = dom.codes[dmask], nz[dmask]
    # rows per dense first-stage (PSU, domain) cell: presence, df and counts of complete
    # items follow from them without further passes over rows
    cell_rows, complete = None, set()
    if (
        not is_rep
        and cells.n_cells == n_units * D
        and design.variance_stages[-1] is design.stages[0]
    ):
        cell_rows = _cell_rows(cells, nz_bool, all_nz)
        # the all-ones not-missing indicators (complete variables), checked once
        distinct = {quantity_key(est.columns, q): q for q in count_cols}
        complete = {key for key, q in distinct.items() if _all_ones(est.columns[q])}
    counts = np.zeros((D, len(est.columns)))
    done: dict = {}
    for q in count_cols:
        key = quantity_key(est.columns, q)
        if key in done:
            counts[:, q] = counts[:, done[key]]
            continue
        done[key] = q
        col = est.columns[q]
        if key in complete:
            counts[:, q] = cell_rows[1].reshape(n_units, D).sum(axis=0)
            continue
        # exact counts (sums of 0/1): no product with the all-ones non-zero-weight flags
        vals = _rows(col, dmask) if all_nz else nz_in * _rows(col, dmask)
        counts[:, q] = np.bincount(d_in, weights=vals, minlength=D)
    n_dj = counts[:, est.count_q]  # (D x J)
    nw_dj = T[:, est.count_q]
    vsrs = est.vsrs(T, n_dj)
    vsrs_wr = est.vsrs(T, n_dj, replace=True)
    cases = None
    binary = est.extra.get("binary") if statistic == "mean" else None
    if (isinstance(est, Proportion) and est.statistic in ("prop", "mean")) or (
        binary is not None and any(binary)
    ):
        # unweighted rows with the characteristic (the quality rules' case count); means of
        # 0/1 items are proportions, means of other variables have none (NaN)
        cases = np.full((D, J), np.nan)
        _, blocks = plain_and_blocks(est.columns)
        in_block = {}
        for b in blocks:
            tot = block_totals(d_in, D, b, nz_in, None if all_in else dmask)
            for c in range(b.size):
                in_block[b.start + c] = tot[:, c]
        packable = []  # 0/1 integer items: counted 8 at a time (one bincount per 8)
        for j, qs in enumerate(est.item_q):
            if binary is not None and not binary[j]:
                continue
            if qs[0] in in_block:
                cases[:, j] = in_block[qs[0]]
                continue
            col = est.columns[qs[0]]
            if all_nz and col.dtype.kind in "biu" and col.dtype.itemsize == 1:
                packable.append((j, col))
                continue
            if all_nz:  # the items here are 0/1: the column is its own indicator
                cases[:, j] = np.bincount(d_in, weights=_rows(col, dmask), minlength=D)
                continue
            sel = (_rows(col, dmask) > 0) & nz_bool[dmask]
            cases[:, j] = np.bincount(d_in[sel], minlength=D)  # exact counts
        _packed_counts(cases, packable, d_in, dmask, D)
    if is_rep:  # replicate df is rank-based (R): rank of the domain's replicate weights - 1
        nrow_dom = np.bincount(dom.codes[dom.codes >= 0], minlength=D)
        codes = dom.codes

        def df_dom():  # computed when first asked for (df="domain", the few-strata check)
            return np.repeat(replicate_domain_df(design, codes, D), J).astype(float)

        presence_k = np.ones((1, D * J), dtype=bool)
    else:
        df_dom, nrow_dom, _ = _stage1_presence(design, dom.codes, D, cell_rows)
        presence_k = _item_presence(design, dom, est, cell_rows, complete)

    K = D * J
    labels = _labels(dom, est)
    result = EstimateSet(
        design=design,
        by=dom.by,
        labels=labels,
        theta=theta.reshape(K),
        statistic=statistic,
        n=n_dj.reshape(K),
        n_weighted=nw_dj.reshape(K),
        vsrs=vsrs.reshape(K),
        df_domain=df_dom if callable(df_dom) else np.repeat(df_dom, J).astype(float),
        nrow_domain=np.repeat(nrow_dom, J).astype(float),
        strata_presence=presence_k,
    )
    result.extra["vsrs_replace"] = vsrs_wr.reshape(K)
    if cases is not None:
        result.extra["n_cases"] = cases.reshape(K)
    if is_rep:
        result.reps = replicate.replicate_estimates(design, cells, Tg, est, unit)
        return result
    coefs = est.coef(T)  # list over items of (D x len(item_q))
    lazy = (
        not design.calibration
        and cells.n_cells == n_units * D
        and est.n_items > 0
        and all(len(qs) == 2 for qs in est.item_q)
    )
    if lazy:  # dense cells: Z formed only if asked for; the variance goes by blocks
        result.Z = LazyInfluence(
            design, cells, Tg, est.item_q, coefs, plain_and_blocks(est.columns)[1]
        )
    elif design.calibration:
        from survey.engine.calibrate_variance import residualize

        Zg = influence_cells(cells, Tg, est.item_q, coefs, n_units)
        result.Z = residualize(design, (cells, Zg), dom, est, coefs, unit, n_units)
    else:
        Zg = influence_cells(cells, Tg, est.item_q, coefs, n_units)
        result.Z = cell_matrix(cells, Zg, n_units)
    if (
        statistic in ("prop", "mean")
        and hasattr(est, "item_q")
        and est.statistic in ("prop", "mean")
    ):
        result.extra.update({"estimator": est, "domains": dom, "cells": cells, "cell_totals": Tg})
    return result


#: Bins of one packed-count bincount at most (domains x bit patterns): cache-sized.
PACKED_BINS = 2**17


def _packed_counts(cases, items, d_in, dmask, D) -> None:
    """Rows with a 1 per domain for 0/1 one-byte items, up to 16 items per pass: their bits
    make one code per row, ONE bincount over ``code * D + domain`` counts every pattern
    (as many items per pass as keep the ``D x 2^k`` bins within :data:`PACKED_BINS`), and
    each item's count is the sum over the patterns with its bit set (exact integers)."""
    k = int(max(1, min(16, np.floor(np.log2(max(PACKED_BINS // max(D, 1), 2))))))
    for start in range(0, len(items), k):
        chunk = items[start : start + k]
        pattern = np.zeros(d_in.size, dtype=np.uint16)
        tmp = np.empty(d_in.size, dtype=np.uint16)
        for b, (_, col) in enumerate(chunk):
            np.left_shift(_rows(col, dmask).view(np.uint8), b, out=tmp, dtype=np.uint16)
            pattern |= tmp
        pattern = pattern.astype(np.int64)
        pattern *= D
        pattern += d_in
        P = 1 << len(chunk)
        joint = np.bincount(pattern, minlength=P * D).reshape(P, D)
        has = (np.arange(P)[:, None] >> np.arange(len(chunk))[None, :]) & 1  # (P x items)
        counts = has.T @ joint  # (items x D), exact in int64
        for b, (j, _) in enumerate(chunk):
            cases[:, j] = counts[b]


def _labels(dom: Domains, est) -> pd.DataFrame:
    D, J = dom.n_domains, est.n_items
    frame = dom.levels.loc[np.repeat(np.arange(D), J)].reset_index(drop=True)
    frame["variable"] = np.tile(np.asarray(est.variables, dtype=object), D)
    cats = np.empty(J, dtype=object)
    cats[:] = est.categories
    frame["category"] = pd.array(np.tile(cats, D), dtype=object)
    frame["category"] = frame["category"].where(frame["category"].notna(), pd.NA)
    return frame
