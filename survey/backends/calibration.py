"""Post-stratification and raking on a data backend, and their linearisation variance.

The new weight of a row is its old weight times one factor per margin cell,
``w = w_old * prod_m f_m[c_m]``, so it stays an expression (a per-cell constant looked up
from the row's margin values, :class:`~survey.backends.expr.DomainValue`) and no weight is
ever stored. All the weighting arithmetic needs is one small table: the weight sum and the
count of rows with non-zero weight in each cell of the crossing of the calibration
variables (one query). On it:

- post-stratification: ``f[c] = N_c / sum_c w_old`` (as :class:`survey.weighting.PostStratify`);
- raking: the sweeps of :class:`survey.weighting.Rake` (each margin post-stratified in turn,
  stopping on R's rule: the crossing's weighted counts move by less than the tolerance), as
  grouped sums of that table.

The variance is R's (``svyrecvar`` with ``postStrata``), the steps of
:mod:`survey.engine.calibration` on aggregates: a step ``x' = x - diag(h) M C`` with
``C = coef(M' diag(g) x)``. For both weightings ``g w`` and ``g h`` are constants per
crossing cell (post-stratum: ``g = 1 / f``; raking margin: ``g = 1 / psw``, ``h = psw``, the
weight after the margin's last sweep), so

- the moments ``M' diag(g) x`` come from one extra pass grouped by (crossing cell, domain):
  the sums of ``b_q`` under the base (``w_old`` for a post-stratum, ``1(w_old != 0)`` for a
  margin), then scaled per crossing cell, contracted with the estimator's coefficients by the
  engine's :func:`survey.engine.calibrate_variance._contract`;
- the cross matrices ``M_s' diag(g_s h_t) M_t`` come from the crossing table;
- the unit totals ``sum h M`` from one query grouped by (variance unit, crossing cell),
  computed once per weighting.

Steps are applied in order as the engine does (10 sweeps over the margins for raking), then
``Z - sum_s U_s C_s`` goes to :func:`survey.engine.linearization.vcov`. Not pushed down:
calibrating an already calibrated design, replicate designs, GREG/linear calibration,
trimming, and the logit interval of a calibrated design (use ``ci="wald"``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from survey.backends import expr as E
from survey.backends.executors import Aggregation, NotPushedDown
from survey.weighting._base import WeightingError, _norm_label, as_var_list, population_table


@dataclass
class _Margin:
    name: str
    vars: list[str]
    cc_cell: np.ndarray  # crossing cell -> this margin's cell
    levels: tuple  # the margin's cells as data values (for the per-cell lookups)
    targets: np.ndarray


def _crossing(design, all_vars):
    """Weight sum and non-zero count per cell of the crossing of ``all_vars``."""
    w = design.w
    frame = design.source.aggregate(
        Aggregation(all_vars, {"__w": w, "__nz": E.NonZero(w)}, count="__n_rows")
    )
    for v in all_vars:
        miss = frame[v].isna().to_numpy()
        if miss.any():
            rows = int(frame["__n_rows"].to_numpy()[miss].sum())
            raise WeightingError(
                f"column {v!r} has {rows} missing value(s); impute or drop them before weighting"
            )
    return frame.reset_index(drop=True)


def _margin(frame, vars_, pop, name, count, partial=False):
    table = population_table(pop, vars_, name, count)
    keys = frame[vars_].drop_duplicates().reset_index(drop=True)
    keys = keys.sort_values(vars_, kind="stable").reset_index(drop=True)
    labels = [tuple(_norm_label(v) for v in row) for row in keys.itertuples(index=False)]
    index = {lab: i for i, lab in enumerate(table.labels)}
    pos = np.array([index.get(lab, -1) for lab in labels], dtype=np.int64)
    if (pos < 0).any():
        bad = labels[int(np.flatnonzero(pos < 0)[0])]
        cell = ", ".join(f"{v}={x}" for v, x in zip(vars_, bad, strict=True))
        raise WeightingError(f"{name}: sample category {cell} is not in the population table")
    targets = np.asarray(table.counts, dtype=float)[pos]
    missing = np.setdiff1d(np.flatnonzero(np.asarray(table.counts) > 0), pos)
    if missing.size and not partial:
        cell = ", ".join(
            f"{v}={x}" for v, x in zip(vars_, table.labels[int(missing[0])], strict=True)
        )
        raise WeightingError(
            f"{name}: population cell {cell} has no sample rows (partial=True drops it)"
        )
    if missing.size:
        warnings.warn(f"{name}: {missing.size} population cell(s) without sample rows dropped",
                      stacklevel=3)  # fmt: skip
    got = frame[vars_].merge(keys.assign(__c=np.arange(len(keys))), how="left", on=vars_)
    cc_cell = got["__c"].to_numpy(np.int64)
    levels = tuple(tuple(r) for r in keys.itertuples(index=False, name=None))
    return _Margin(name, list(vars_), cc_cell, levels, targets)


def _ratio(targets, sums):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = targets / sums
    r[~np.isfinite(r)] = 0.0
    return r


class Calibration:
    """The calibration of a :class:`~survey.backends.TableDesign`: margins, factors, steps."""

    def __init__(self, design, frame, margins, factors, kind, psw_factors):
        self.design = design  # the design before calibration (its weight is ``w_old``)
        self.frame = frame  # crossing table
        self.margins = margins
        self.factors = factors  # per margin: factor per margin cell (final weight)
        self.kind = kind  # "poststratify" or "rake"
        # per margin: factor per crossing cell of the weight after its last sweep (psw / w_old)
        self.psw = psw_factors
        self.all_vars = list(dict.fromkeys(v for m in margins for v in m.vars))
        self._units = None

    # the weight expression -------------------------------------------------------------
    def weight_expr(self) -> E.Expr:
        out = self.design.w
        for m, f in zip(self.margins, self.factors, strict=True):
            out = E.Product(out, E.DomainValue(tuple(m.vars), m.levels, tuple(map(float, f))))
        return out

    def phi(self) -> np.ndarray:
        """Final weight / old weight per crossing cell."""
        out = np.ones(len(self.frame))
        for m, f in zip(self.margins, self.factors, strict=True):
            out = out * f[m.cc_cell]
        return out

    # the steps ---------------------------------------------------------------------------
    def _steps(self):
        """Per step: (margin index, inv coefficient per cell)."""
        w_cc = self.frame["__w"].to_numpy(float)
        nz_cc = self.frame["__nz"].to_numpy(float)
        out = []
        for i, m in enumerate(self.margins):
            p = len(m.levels)
            if self.kind == "poststratify":
                denom = np.bincount(m.cc_cell, weights=w_cc, minlength=p)
            else:  # rows with psw != 0
                pos = nz_cc * (self.psw[i] != 0)
                denom = np.bincount(m.cc_cell, weights=pos, minlength=p)
            with np.errstate(divide="ignore"):
                inv = np.where(denom > 0, 1.0 / denom, 0.0) if self.kind == "rake" else 1 / denom
            out.append((i, inv))
        if self.kind == "rake":
            from survey.weighting.poststratify import R_RAKING_VARIANCE_SWEEPS

            out = out * R_RAKING_VARIANCE_SWEEPS
        return out

    def _g_over(self, i):
        """g_i per crossing cell as a multiplier of the base (see module docstring)."""
        if self.kind == "poststratify":
            m = self.margins[i]
            with np.errstate(divide="ignore"):
                return np.where(
                    self.factors[i][m.cc_cell] != 0, 1.0 / self.factors[i][m.cc_cell], 0.0
                )
        with np.errstate(divide="ignore"):
            return np.where(self.psw[i] != 0, 1.0 / self.psw[i], 0.0)

    def _cross(self, s, t):
        """M_s' diag(g_s h_t) M_t from the crossing table."""
        ms, mt = self.margins[s], self.margins[t]
        base = self.frame["__w" if self.kind == "poststratify" else "__nz"].to_numpy(float)
        if self.kind == "poststratify":
            val = base * self._g_over(s) * self.psw[t]
        else:
            val = base * self._g_over(s) * self.psw[t]
        ps, pt = len(ms.levels), len(mt.levels)
        idx = ms.cc_cell * pt + mt.cc_cell
        return np.bincount(idx, weights=val, minlength=ps * pt).reshape(ps, pt)

    def _unit_totals(self):
        """Per margin: (U x p) sums of h M over each variance unit's rows (one query)."""
        if self._units is None:
            d = self.design
            keys = d._unit_keys + self.all_vars
            frame = d.source.aggregate(Aggregation(keys, {"__w": d.w}, count=None))
            unit = d._unit_codes(frame)
            got = frame[self.all_vars].merge(
                self.frame[self.all_vars].assign(__cc=np.arange(len(self.frame))),
                how="left", on=self.all_vars,
            )  # fmt: skip
            cc = got["__cc"].to_numpy(np.int64)
            wsum = frame["__w"].to_numpy(float)
            U = d._n_cell_units
            out = []
            for i, m in enumerate(self.margins):
                p = len(m.levels)
                h = wsum * self.psw[i][cc]
                idx = unit * p + m.cc_cell[cc]
                out.append(
                    sp.csr_matrix(np.bincount(idx, weights=h, minlength=U * p).reshape(U, p))
                )
            self._units = out
        return self._units

    def residualize(self, design, Z, dom, est, coefs):
        """Influence totals (U x K) after the calibration steps."""
        from survey.engine.calibrate_variance import _contract

        D = dom.n_domains
        byl = list(dom.by)
        base_w = self.design.w
        base = base_w if self.kind == "poststratify" else E.NonZero(base_w)
        Q = len(est.columns)
        sums = {f"__b{q}": E.Product(base, col) for q, col in enumerate(est.columns)}
        frame = design.source.aggregate(Aggregation(self.all_vars + byl, sums, count=None))
        got = frame[self.all_vars].merge(
            self.frame[self.all_vars].assign(__cc=np.arange(len(self.frame))),
            how="left", on=self.all_vars,
        )  # fmt: skip
        cc = got["__cc"].to_numpy(np.int64)
        if byl:
            table = dom.levels.reset_index(drop=True).assign(__d=np.arange(D))
            dd = frame[byl].merge(table, how="left", on=byl)["__d"].to_numpy()
            ok = ~pd.isna(dd)
            dd = np.where(ok, dd, 0).astype(np.int64)
        else:
            dd, ok = np.zeros(len(frame), np.int64), np.ones(len(frame), bool)
        B = np.stack([frame[f"__b{q}"].to_numpy(float) for q in range(Q)], axis=1)
        phi = self.phi()
        X = {}
        for i, m in enumerate(self.margins):
            p = len(m.levels)
            scale = (phi * self._g_over(i))[cc]  # g w / base per crossing cell
            idx = m.cc_cell[cc][ok] * D + dd[ok]
            Xi = np.zeros((p, D, Q))
            for q in range(Q):
                Xi[:, :, q] = np.bincount(
                    idx, weights=(B[ok, q] * scale[ok]), minlength=p * D
                ).reshape(p, D)
            X[i] = Xi
        steps = self._steps()
        C = []
        cross = {}
        A = [np.nan_to_num(c, nan=0.0, posinf=0.0, neginf=0.0) for c in coefs]
        for s, (i, inv) in enumerate(steps):
            mom = _contract(X[i], est, A, D)
            for t in range(s):
                j = steps[t][0]
                if (i, j) not in cross:
                    cross[(i, j)] = self._cross(i, j)
                mom = mom - cross[(i, j)] @ C[t]
            C.append(mom * inv[:, None])
        units = self._unit_totals()
        Zd = Z.toarray()
        for (i, _inv), c in zip(steps, C, strict=True):
            Zd -= units[i] @ c
        return sp.csr_matrix(Zd)


def poststratify(design, variables, population, count=None, partial=False):
    vars_ = as_var_list(variables)
    _check(design)
    name = f"PostStratify({' x '.join(vars_)})"
    frame = _crossing(design, vars_)
    m = _margin(frame, vars_, population, name, count, partial)
    p = len(m.levels)
    sums = np.bincount(m.cc_cell, weights=frame["__w"].to_numpy(float), minlength=p)
    f = _ratio(m.targets, sums)
    cal = Calibration(design, frame, [m], [f], "poststratify", [f[m.cc_cell]])
    return design._calibrated(cal)


def rake(design, margins, max_iter=10, epsilon=1.0, on_nonconvergence="warn", count=None,
         check_totals=True, abs_tol=None):  # fmt: skip
    from survey.weighting.poststratify import Rake

    _check(design)
    spec = Rake(margins, max_iter=max_iter, epsilon=epsilon, on_nonconvergence=on_nonconvergence,
                count=count, check_totals=check_totals, abs_tol=abs_tol)  # fmt: skip
    pairs = spec._margin_list()
    all_vars = list(dict.fromkeys(v for vars_, _ in pairs for v in vars_))
    frame = _crossing(design, all_vars)
    ms = [
        _margin(frame, vars_, pop, f"Rake margin {' x '.join(vars_)}", count)
        for vars_, pop in pairs
    ]
    if check_totals and len(ms) > 1:
        tots = [float(m.targets.sum()) for m in ms]
        if max(tots) - min(tots) > 1e-6 * max(abs(t) for t in tots):
            raise WeightingError(
                "Rake: the margins have different population totals, so raking cannot converge"
            )
    w_cc = frame["__w"].to_numpy(float)
    eps = spec._tolerance(np.array([w_cc.sum()]))
    cur = np.ones(len(frame))  # current weight / old weight per crossing cell
    factors = [np.ones(len(m.levels)) for m in ms]
    old_table = w_cc * cur
    it, converged, last = 0, False, []
    while it < max_iter:
        last = []
        for k, m in enumerate(ms):
            sums = np.bincount(m.cc_cell, weights=w_cc * cur, minlength=len(m.levels))
            r = _ratio(m.targets, sums)
            cur = cur * r[m.cc_cell]
            factors[k] = factors[k] * r
            last.append(cur.copy())
        new_table = w_cc * cur
        delta = np.max(np.abs(new_table - old_table))
        if delta < eps:
            converged = True
            break
        old_table = new_table
        it += 1
    if not converged:
        msg = f"Rake did not converge after {it} sweeps (max_iter={max_iter})"
        if on_nonconvergence == "error":
            raise WeightingError(msg)
        warnings.warn(msg, stacklevel=3)
    cal = Calibration(design, frame, ms, factors, "rake", last)
    return design._calibrated(cal)


def _check(design):
    from survey.backends.design import TableReplicateDesign

    if isinstance(design, TableReplicateDesign):
        raise NotPushedDown(
            f"post-stratification/raking of a replicate design on the {design.source.engine} "
            "backend: not pushed down yet; use engine='memory'"
        )
    if getattr(design, "_calib", None) is not None:
        raise NotPushedDown(
            "calibrating an already calibrated design on a data backend: not pushed down "
            "yet (calibrate once to all margins, or use engine='memory')"
        )
