"""Apply calibration steps to influence totals without forming row-level influence.

Each :class:`~survey.engine.calibration.CalibrationStep` maps the row-level influence
``x = w 1(d) sum_q A b_q`` to ``x - diag(h) M C`` with ``C = coef(M' diag(g) x)``. Steps are
applied in order, each on the previous result, as R's ``svyrecvar`` loops over
``design$postStrata``. On aggregates:

- the moments of the original influence, ``M_s' diag(g_s) x``, come from cross totals
  ``sum_i M_s[i] g_s[i] w_i b_iq`` per domain (bincounts over cell x domain);
- earlier steps enter through the small cross matrices ``M_s' diag(g_s h_t) M_t``;
- unit totals lose ``sum_{i in u} h_t[i] M_t[i] @ C_t``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from survey.engine.core import scatter_sums
from survey.engine.estimators import block_totals, distinct_plain, plain_and_blocks


def _cross_totals(step, dom, est, w, D):
    """(p x D x Q) totals of M * g * w * b_q by domain."""
    mask = dom.codes >= 0
    if mask.all():  # no masked copies
        mask = slice(None)
    d = dom.codes[mask]
    gw = (step.g * w)[mask]
    p = step.p
    Q = len(est.columns)
    out = np.zeros((p, D, Q))
    plain, blocks = plain_and_blocks(est.columns)
    if step.is_cells:
        idx = step.model[mask] * D + d
        todo, copies = distinct_plain(plain)  # identical quantity arrays aggregated once
        # bincount(idx, weights=gw * col) per column, on the engine's threads
        sums = scatter_sums(idx, p * D, [col[mask] for _, col in todo], gw)
        for (q, _), total in zip(todo, sums, strict=True):
            out[:, :, q] = total.reshape(p, D)
        for q, q0 in copies:
            out[:, :, q] = out[:, :, q0]
        for b in blocks:  # a categorical item's categories: one bincount
            tot = block_totals(idx, p * D, b, gw, mask)
            out[:, :, b.start : b.start + b.size] = tot.reshape(p, D, b.size)
    else:
        M = step.model[mask]
        for q, col in enumerate(est.columns):
            v = gw * col[mask]
            for c in range(p):
                out[c, :, q] = np.bincount(d, weights=M[:, c] * v, minlength=D)
    return out


def _contract(X, est, A, D):
    """Moments (p x K) of the influence: sum_q A[j][d, q] X[:, d, q_j] (``A`` the items'
    coefficients with non-finite values zeroed)."""
    J = est.n_items
    p = X.shape[0]
    out = np.zeros((p, D, J))
    for j, qs in enumerate(est.item_q):
        out[:, :, j] = np.einsum("pdq,dq->pd", X[:, :, list(qs)], A[j])
    return out.reshape(p, D * J)


def _cross(step_s, step_t, n, codes=None):
    """M_s' diag(g_s h_t) M_t (p_s x p_t). ``codes`` keeps the rows' (cell s, cell t) codes
    of each pair of cell models, for the pair's other order."""
    mult = step_s.g * step_t.h
    if step_s.is_cells and step_t.is_cells and step_s.model is step_t.model:
        # one model (a raking margin in two sweeps): each row in the diagonal cell
        return np.diag(np.bincount(step_s.model, weights=mult, minlength=step_s.p))
    if step_s.is_cells and step_t.is_cells:
        ps, pt = step_s.p, step_t.p
        codes = {} if codes is None else codes
        swapped = codes.get((id(step_t.model), id(step_s.model)))
        if swapped is not None:  # the same bins, transposed
            return np.bincount(swapped, weights=mult, minlength=pt * ps).reshape(pt, ps).T
        idx = step_s.model * pt + step_t.model
        codes[(id(step_s.model), id(step_t.model))] = idx
        return np.bincount(idx, weights=mult, minlength=ps * pt).reshape(ps, pt)
    Ms = step_s.model_matrix() if not step_s.is_cells else _onehot(step_s)
    Mt = step_t.model_matrix() if not step_t.is_cells else _onehot(step_t)
    return np.asarray(
        Ms.T @ Mt.multiply(mult[:, None]) if sp.issparse(Mt) else Ms.T @ (Mt * mult[:, None])
    )


def _onehot(step):
    n = step.model.size
    return sp.csr_matrix((np.ones(n), (np.arange(n), step.model)), shape=(n, step.p))


def _unit_totals(step, unit, n_units):
    """(U x p) sums of h * M over the rows of each unit."""
    if step.is_cells:
        idx = unit * step.p + step.model
        return sp.csr_matrix(
            np.bincount(idx, weights=step.h, minlength=n_units * step.p).reshape(n_units, step.p)
        )
    out = np.zeros((n_units, step.p))
    for c in range(step.p):
        out[:, c] = np.bincount(unit, weights=step.h * step.model[:, c], minlength=n_units)
    return sp.csr_matrix(out)


#: Above this many (units x estimates) cells the calibration correction stays factored.
DENSE_CORRECTION_LIMIT = 20_000_000
#: ... and above this many when every row is its own unit (no n x estimates array).
ROWS_CORRECTION_LIMIT = 1_000_000


class LowRankZ:
    """Calibrated influence totals ``Z - G @ C`` (U x K) kept as their factors: ``Z`` sparse
    (U x K), ``G`` sparse (U x P: the units' totals of h M for the distinct calibration
    steps) and ``C`` (P x K). Used when U x K is too large to form (e.g. a raked design with
    no clusters and many domains); :func:`survey.engine.linearization.vcov` works on it."""

    def __init__(self, Z, G, C, blocks=None):
        self.Z = sp.csr_matrix(Z)
        self.G = sp.csr_matrix(G)
        self.C = np.asarray(C, dtype=float)
        # column counts of G's blocks (one per distinct calibration step), or None
        self.blocks = blocks

    @property
    def shape(self):
        return self.Z.shape

    def __getitem__(self, key):
        rows, cols = key
        if rows != slice(None):
            raise IndexError("LowRankZ supports column selection only")
        return LowRankZ(self.Z[:, cols], self.G, self.C[:, cols], self.blocks)

    def __matmul__(self, other):
        dense = other.toarray() if sp.issparse(other) else np.asarray(other)
        return LowRankZ(self.Z @ sp.csr_matrix(dense), self.G, self.C @ dense, self.blocks)

    def toarray(self) -> np.ndarray:
        return self.Z.toarray() - self.G @ self.C

    def hstack(self, other):
        if isinstance(other, LowRankZ) and (
            other.G is self.G or (other.G.shape == self.G.shape and (other.G != self.G).nnz == 0)
        ):
            return LowRankZ(
                sp.hstack([self.Z, other.Z]), self.G, np.hstack([self.C, other.C]), self.blocks
            )
        right = other.toarray() if isinstance(other, LowRankZ) else other
        return sp.csr_matrix(sp.hstack([sp.csr_matrix(self.toarray()), sp.csr_matrix(right)]))


class _StepCache:
    """Raking repeats the same margins for 10 sweeps: aggregate each distinct step once.

    Steps are the same when they share the model and ``h`` arrays and have equal ``g``."""

    def __init__(self):
        self._store: dict = {}

    def get(self, key, g_arrays, compute):
        for gs, value in self._store.get(key, ()):
            if all(a is b or np.array_equal(a, b) for a, b in zip(gs, g_arrays, strict=True)):
                return value
        value = compute()
        self._store.setdefault(key, []).append((g_arrays, value))
        return value


class RowLowRankZ(LowRankZ):
    """:class:`LowRankZ` of a design whose every row is its own variance unit, with
    cell-coded calibration steps (raking, post-stratification without clusters): kept as
    the rows' own influence (one domain per row, J items: ``Zg`` n x J) and, per group of
    identical steps, the rows' cell codes, ``h`` and the summed coefficients. The (n x K)
    sparse ``Z`` and (n x P) ``G`` are formed only if some caller asks for them; the
    diagonal variance (:func:`survey.engine.linearization.vcov`) works on the rows."""

    def __init__(self, cells, Zg, n_units, groups, unit):
        self.cells, self.Zg, self.n_units, self.unit = cells, Zg, n_units, unit
        self.groups = groups  # [(model codes (n,), h (n,), p, C (p x K))]
        self.C = np.vstack([c for *_, c in groups])
        self.blocks = [p for _, _, p, _ in groups]
        self._Z = self._G = None

    @property
    def Z(self):
        if self._Z is None:
            from survey.engine.core import cell_matrix

            self._Z = cell_matrix(self.cells, self.Zg, self.n_units)
        return self._Z

    @Z.setter
    def Z(self, value):  # pragma: no cover - LowRankZ.__init__ is not called
        self._Z = value

    @property
    def G(self):
        if self._G is None:
            self._G = sp.hstack(
                [
                    sp.csr_matrix((h, (self.unit, model)), shape=(self.n_units, p))
                    for model, h, p, _ in self.groups
                ]
            ).tocsr()
        return self._G

    @G.setter
    def G(self, value):  # pragma: no cover
        self._G = value

    @property
    def shape(self):
        return (self.n_units, self.C.shape[1])

    def stratum_sums(self, unit_stratum, H):
        """``S`` (H x K) and the uncentred ``sum (z - g C)^2`` (H x K) per stratum, from
        bincounts over the rows: ``sum z^2 - 2 sum z (g C) + sum (g C)^2`` (the same
        expansion as :func:`survey.engine.linearization._factored_ss_single`)."""
        cells, Zg = self.cells, self.Zg
        D, J = cells.n_domains, Zg.shape[1]
        K = D * J
        full = bool(cells.row_mask.all())
        h_row = unit_stratum[self.unit]
        dom = cells.cell_dom
        h_cell = h_row if full else unit_stratum[cells.cell_unit]
        hd = h_cell * D
        hd += dom

        # the bincounts over the rows, as scipy products on the engine's threads (the same
        # sums to the last bit, core.scatter_sums)
        def column(j):  # made in the thread that sums it: two row-length copies at a time
            return lambda: np.ascontiguousarray(Zg[:, j])

        def square(j):
            return lambda: np.square(Zg[:, j])

        S = np.stack(scatter_sums(hd, H * D, [column(j) for j in range(J)]), axis=1)
        if not np.isfinite(S).all():  # a non-finite entry makes its stratum sum non-finite
            Zg[~np.isfinite(Zg)] = 0.0  # as cell_matrix: non-finite influence counts as 0
            S = np.stack(scatter_sums(hd, H * D, [column(j) for j in range(J)]), axis=1)
        SS = np.stack(scatter_sums(hd, H * D, [square(j) for j in range(J)]), axis=1)
        del hd
        # (H * D, J) rows stratum-major: as (H, D * J) the columns are d * J + j
        S, SS = S.reshape(H, K), SS.reshape(H, K)
        hm = []  # per group: the rows' (stratum, cell) codes
        start = 0
        for model, hv, p, _ in self.groups:
            Cg = self.C[start : start + p]
            hm.append(h_row * p + model)
            S -= np.bincount(hm[-1], weights=hv, minlength=H * p).reshape(H, p) @ Cg
            base = hm[-1] * D if full else hm[-1][cells.row_mask] * D
            base += dom
            hv_in = hv if full else hv[cells.row_mask]
            # bincount(base, weights=z * hv): hv is the sparse matrix's data
            M = np.stack(scatter_sums(base, H * p * D, [column(j) for j in range(J)], hv_in), 1)
            del base
            SS -= 2 * np.einsum("hpk,pk->hk", M.reshape(H, p, K), Cg)
            start += p
        # sum over the rows of (g C)^2 = sum over pairs of groups of C1' Q12 C2 with Q12 the
        # (stratum, cell 1, cell 2) totals of h1 h2: a group with itself has a diagonal Q
        # (each row in one cell), and the pair (2, 1) adds what (1, 2) adds (Q21 = Q12')
        starts = np.cumsum([0] + [n for _, _, n, _ in self.groups])
        for a, (_m1, h1, n1, _) in enumerate(self.groups):
            C1 = self.C[starts[a] : starts[a] + n1]
            Qd = np.bincount(hm[a], weights=h1 * h1, minlength=H * n1).reshape(H, n1)
            SS += Qd @ (C1 * C1)
            for b in range(a + 1, len(self.groups)):
                m2, h2, n2, _ = self.groups[b]
                Q = np.bincount(hm[a] * n2 + m2, weights=h1 * h2, minlength=H * n1 * n2)
                SS += 2 * np.einsum(
                    "pk,hpq,qk->hk", C1, Q.reshape(H, n1, n2), self.C[starts[b] : starts[b] + n2]
                )
        return S, SS


def _rows_are_units(design, cells, n_units) -> bool:
    """Every row its own (single-stage) variance unit, every step cell-coded."""
    stages = getattr(design, "variance_stages", ())
    return (
        cells.rows_are_cells
        and n_units == design.n
        and len(stages) == 1
        and all(step.is_cells for step in design.calibration)
    )


def residualize(design, Z, dom, est, coefs, unit, n_units):
    """Influence totals (U x K) after the design's calibration steps.

    ``Z`` is the (U x K) matrix or ``(cells, Zg)``, the cell-level influence
    (:func:`survey.engine.core.influence_cells`) it is made from."""
    from survey.engine.core import cell_matrix

    row_path = False
    if isinstance(Z, tuple):
        cells, Zg = Z
        row_path = _rows_are_units(design, cells, n_units)
        if not row_path:
            Z = cell_matrix(cells, Zg, n_units)
    steps = design.calibration
    D = dom.n_domains
    w = design.weights
    cache = _StepCache()
    A = [np.nan_to_num(c, nan=0.0, posinf=0.0, neginf=0.0) for c in coefs]  # (D x len(qs))
    contracted: dict[int, np.ndarray] = {}  # identical steps share X: contract it once
    codes: dict = {}  # (cell s, cell t) codes of pairs of cell models, for _cross
    C = []
    for s, step in enumerate(steps):
        X = cache.get(
            ("cross_totals", id(step.model)),
            (step.g,),
            lambda step=step: _cross_totals(step, dom, est, w, D),
        )
        if id(X) not in contracted:
            contracted[id(X)] = _contract(X, est, A, D)
        mom = contracted[id(X)]
        for t in range(s):
            other = steps[t]
            cross = cache.get(
                ("cross", id(step.model), id(other.model), id(other.h)),
                (step.g, other.h),
                lambda step=step, other=other: _cross(step, other, design.n, codes),
            )
            mom = mom - cross @ C[t]
        C.append(np.asarray(step.coef(mom)))
    if row_path:  # the rows keep their influence; identical steps' coefficients added
        # (non-finite influence is zeroed by RowLowRankZ.stratum_sums or cell_matrix)
        rgroups: list = []
        for step, c in zip(steps, C, strict=True):
            for g in rgroups:
                if g[0] is step.model and (g[1] is step.h or np.array_equal(g[1], step.h)):
                    g[3] = g[3] + c
                    break
            else:
                rgroups.append([step.model, step.h, step.p, c])
        return RowLowRankZ(cells, Zg, n_units, [tuple(g) for g in rgroups], unit)
    # identical steps (raking sweeps) share one unit-totals matrix: add their coefficients
    groups: dict[int, list] = {}
    for step, c in zip(steps, C, strict=True):
        totals = cache.get(
            ("units", id(step.model)),
            (step.h,),
            lambda step=step: _unit_totals(step, unit, n_units),
        )
        if id(totals) in groups:
            groups[id(totals)][1] = groups[id(totals)][1] + c
        else:
            groups[id(totals)] = [totals, c]
    size = n_units * Z.shape[1]
    if size > DENSE_CORRECTION_LIMIT or (n_units == design.n and size > ROWS_CORRECTION_LIMIT):
        G = sp.hstack([g for g, _ in groups.values()]).tocsr()
        blocks = [g.shape[1] for g, _ in groups.values()]
        return LowRankZ(Z, G, np.vstack([c for _, c in groups.values()]), blocks)
    Zd = Z.toarray()
    for totals, c in groups.values():
        Zd -= totals @ c
    return sp.csr_matrix(Zd)


def residualize_rows(design, U) -> np.ndarray:
    """Row-level influence (n x p) after the design's calibration steps.

    Applies each :class:`~survey.engine.calibration.CalibrationStep` of
    ``design.calibration`` in order, each on the previous result, exactly as R's
    ``svyrecvar`` loops over ``design$postStrata``::

        U <- U - diag(h) M C,    C = coef(M' diag(g) U)

    Parameters
    ----------
    design : survey.Design
        A Taylor design; without calibration steps ``U`` is returned unchanged.
    U : array_like (n x p)
        Row-level influence, already multiplied by the weights (zeros for rows the
        estimates do not use).

    Returns
    -------
    numpy.ndarray (n x p)
        The residualised influence, ready for the cluster sums of the linearisation.

    Notes
    -----
    The rest of the engine never forms a row-level influence matrix: its K columns are
    variables x domains, which can be large, so :func:`residualize` works on aggregates.
    This dense version is for estimators whose influence is already row-level and narrow,
    such as the p coefficients of a ``svyglm`` (R's ``svy.varcoef`` passes ``estfun %*%
    Ainv`` to ``svyrecvar(..., postStrata=)``): its cost is O(n p) per step, the same as
    forming ``U`` itself. Rows whose ``g`` is not finite (zero calibrated weight) contribute
    nothing to the moments when their influence is zero.
    """
    X = np.array(U, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] != design.n:
        raise ValueError(f"U has {X.shape[0]} rows; the design has {design.n}")
    p = X.shape[1]
    for step in getattr(design, "calibration", ()):
        with np.errstate(invalid="ignore", over="ignore"):
            gx = step.g[:, None] * X
        gx[X == 0] = 0.0
        if step.is_cells:
            k = step.p
            mom = np.stack(
                [np.bincount(step.model, weights=gx[:, j], minlength=k) for j in range(p)], axis=1
            )
            C = np.asarray(step.coef(mom), dtype=float)
            fit = C[step.model]
        else:
            M = step.model
            C = np.asarray(step.coef(M.T @ gx), dtype=float)
            fit = M @ C
        X = X - step.h[:, None] * fit
    return X
