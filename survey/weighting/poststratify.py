"""Post-stratification and raking (iterative proportional fitting), as R's ``postStratify``
and ``rake``, with the linearisation correction R applies in ``svyrecvar``."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp

from survey.engine.calibration import CalibrationStep
from survey.weighting._base import (
    WeightingError,
    WeightingStep,
    as_var_list,
    is_replicate,
    match_cells,
    population_table,
    sample_labels,
    validate_params,
    weight_columns,
)
from survey.weighting.diagnostics import make_diagnostics, margin_rows

#: R's svyrecvar applies the raking residualisation this many times over the margins.
R_RAKING_VARIANCE_SWEEPS = 10


def _cell_sums(codes: np.ndarray, n_cells: int, W: np.ndarray) -> np.ndarray:
    """Column sums of ``W`` (n x k) by cell, as (n_cells x k), in one sparse product."""
    n = codes.shape[0]
    M = sp.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_cells, n))
    return np.asarray(M @ W)


def _ratio(targets: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """targets / sums, with 0 where a (replicate) cell has no weight left."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = targets[:, None] / sums
    r[~np.isfinite(r)] = 0.0
    return r


def _poststrat_step(codes, n_cells, oldw, psw, label) -> CalibrationStep:
    """R's svyrecvar post-stratum correction: x - psw * rowsum(x oldw/psw)/sum_cell(oldw)."""
    psw = psw.copy()
    psw[(psw == 0) & (oldw == 0)] = 1.0  # R: zero weights stay out of the cell mean
    denom = np.bincount(codes, weights=oldw, minlength=n_cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(psw != 0, oldw / psw, 0.0)
    return CalibrationStep(
        model=codes,
        g=g,
        h=psw,
        coef=lambda m, d=denom: m / d[:, None],
        n_cells=n_cells,
        label=label,
    )


class PostStratify(WeightingStep):
    """Post-stratify the weights to known population counts of cells (R's ``postStratify``).

    Within each cell ``c`` of ``variables`` (crossed), every weight is multiplied by
    ``N_c / sum_{i in c} w_i`` so that the weighted counts equal the population counts.

    Parameters
    ----------
    variables : str or list of str
        Post-stratification variables (their crossing forms the cells).
    population : DataFrame, Series or dict
        Population counts of the cells (see :func:`survey.weighting._base.population_table`);
        a finer census table is summed to the cells.
    count : str, optional
        Count column of a DataFrame ``population`` (default: ``Freq``/``N``/``count``/
        ``population``).
    partial : bool
        Ignore (with a warning) population cells without sample rows instead of failing.

    Attributes
    ----------
    weights_ : ndarray (n,)
        Post-stratified full-sample weights.
    repweights_ : ndarray (n, R) or None
        Post-stratified replicate weights (replicate designs: each replicate is post-stratified
        with its own cell totals, as R's method for ``svyrep.design``).
    steps_ : list of CalibrationStep
        What the Taylor variance applies (R's residuals on the post-strata).
    diagnostics_ : dict
        ``weights`` (summary before/after: Kish deff, effective n, ...) and ``margins``.

    Notes
    -----
    The linearisation variance is R's: influence values are replaced by their residuals from
    the post-stratum means, which is exact for the post-stratified estimator to first order.
    """

    def __init__(self, variables, population, count=None, partial=False):
        self.variables = variables
        self.population = population
        self.count = count
        self.partial = partial

    def fit(self, design):
        validate_params(self)
        vars_ = as_var_list(self.variables)
        name = f"PostStratify({' x '.join(vars_)})"
        table = population_table(self.population, vars_, name, self.count)
        oldw = design.weights
        codes, targets, labels = match_cells(design.data, table, oldw, partial=self.partial)
        k = len(targets)
        W = weight_columns(design)
        W = W * _ratio(targets, _cell_sums(codes, k, W))[codes]
        self.weights_ = W[:, 0].copy()
        self.repweights_ = W[:, 1:] if is_replicate(design) else None
        self.steps_ = [_poststrat_step(codes, k, oldw, self.weights_, name)]
        self.cells_ = labels
        self.diagnostics_ = make_diagnostics(
            oldw,
            self.weights_,
            [margin_rows(name, vars_, labels, codes, targets, oldw, self.weights_)],
        )
        return self


class Rake(WeightingStep):
    """Rake the weights to several population margins (iterative proportional fitting, R's
    ``rake``).

    Each sweep post-stratifies to every margin in turn; sweeps stop when the weighted counts of
    the crossing of all raking variables change by less than a tolerance between two sweeps
    (the first sweep is compared with the input weights), or after ``max_iter`` sweeps.

    Parameters
    ----------
    margins : dict or list of pairs
        ``{variable or tuple of variables: population table}`` (or a list of
        ``(variables, population)`` pairs). A margin may cross several variables.
    max_iter : int
        Maximum number of sweeps (R's ``control$maxit``, default 10).
    epsilon : float
        Convergence tolerance exactly as R's ``control$epsilon`` (``survey:::rake``, default 1):
        ``epsilon >= 1`` is in weighted units (a count of the crossing may move by less than
        ``epsilon``); ``epsilon < 1`` is a FRACTION OF THE SUM OF THE INPUT WEIGHTS
        (R: ``epsilon * sum(weights(design, "sampling"))``). So ``epsilon=0.5``, in R and here,
        allows a change of half the population and usually stops after one sweep with the
        margins far from their targets; for a tolerance below one weighted unit use
        ``abs_tol``.
    abs_tol : float, optional
        Absolute tolerance in weighted units, whatever its size (e.g. ``0.5``: every count of
        the crossing moves by less than half a unit). Replaces ``epsilon`` when given; R has no
        equivalent below 1 unit.
    on_nonconvergence : {"warn", "error"}
        Warn (as R) or raise when the cap is reached.
    count : str, optional
        Count column of DataFrame populations.
    check_totals : bool
        Refuse margins whose population totals disagree by more than 1e-6 relative (raking
        cannot then converge); the error names the margins and their totals.

    Attributes
    ----------
    weights_, repweights_, steps_, diagnostics_ : see :class:`PostStratify`.
    n_iter_ : int
        Sweeps done. ``converged_`` : bool.
    tolerance_ : float
        The stopping tolerance used, in weighted units.

    Notes
    -----
    The linearisation variance is R's: ``svyrecvar`` sweeps 10 times over the margins of the
    last raking sweep, replacing the influence by its residual from the unweighted cell mean
    of ``x / w`` (times ``w``); :attr:`steps_` encodes exactly these 10 x margins steps.
    Replicate designs are raked replicate by replicate for the same number of sweeps (R).
    """

    def __init__(
        self,
        margins,
        max_iter=10,
        epsilon=1.0,
        on_nonconvergence="warn",
        count=None,
        check_totals=True,
        abs_tol=None,
    ):
        self.margins = margins
        self.max_iter = max_iter
        self.epsilon = epsilon
        self.abs_tol = abs_tol
        self.on_nonconvergence = on_nonconvergence
        self.count = count
        self.check_totals = check_totals

    def _margin_list(self):
        items = self.margins.items() if isinstance(self.margins, dict) else self.margins
        out = []
        for vars_, pop in items:
            out.append((as_var_list(vars_), pop))
        if not out:
            raise WeightingError("Rake: margins is empty")
        return out

    def fit(self, design):
        validate_params(self)
        oldw = design.weights
        margins = []
        for vars_, pop in self._margin_list():
            name = f"Rake margin {' x '.join(vars_)}"
            table = population_table(pop, vars_, name, self.count)
            codes, targets, labels = match_cells(design.data, table, oldw)
            margins.append((name, vars_, codes, targets, labels))
        if self.check_totals and len(margins) > 1:
            tots = [float(m[3].sum()) for m in margins]
            if max(tots) - min(tots) > 1e-6 * max(abs(t) for t in tots):
                desc = "; ".join(
                    f"{m[0][len('Rake margin ') :]}: {t:g}"
                    for m, t in zip(margins, tots, strict=True)
                )
                raise WeightingError(
                    "Rake: the margins have different population totals, so raking cannot "
                    f"converge ({desc}); make them consistent or pass check_totals=False"
                )
        # crossing of all raking variables for the convergence check (R: svytable(~all vars))
        all_vars = list(dict.fromkeys(v for m in margins for v in m[1]))
        labs = sample_labels(design.data, all_vars, "Rake")
        import pandas as pd

        cross = (
            pd.MultiIndex.from_arrays(labs).factorize()[0]
            if len(labs) > 1
            else pd.factorize(labs[0])[0]
        )
        n_cross = int(cross.max()) + 1
        eps = self._tolerance(oldw)
        rep = is_replicate(design)
        W = weight_columns(design)
        old_table = np.bincount(cross, weights=W[:, 0], minlength=n_cross)
        it, converged = 0, False
        last_psw = []
        while it < self.max_iter:
            last_psw = []
            for _name, _v, codes, targets, _l in margins:
                W = W * _ratio(targets, _cell_sums(codes, len(targets), W))[codes]
                last_psw.append(W[:, 0].copy())
            new_table = np.bincount(cross, weights=W[:, 0], minlength=n_cross)
            delta = np.max(np.abs(new_table - old_table))
            if delta < eps:
                converged = True
                break
            old_table = new_table
            it += 1
        self.n_iter_ = it + 1 if converged else it
        self.tolerance_ = eps
        self.converged_ = converged
        if not converged:
            worst = self._worst(margins, W[:, 0])
            msg = f"Rake did not converge after {it} sweeps (max_iter={self.max_iter}); largest margin gap: {worst}"
            if self.on_nonconvergence == "error":
                raise WeightingError(msg)
            warnings.warn(msg, stacklevel=2)
        self.weights_ = W[:, 0].copy()
        self.repweights_ = W[:, 1:] if rep else None
        # the same step objects in every sweep: the engine aggregates each margin once
        sweep = [
            _raking_step(codes, len(targets), psw, name)
            for (name, _v, codes, targets, _l), psw in zip(margins, last_psw, strict=True)
        ]
        steps = sweep * R_RAKING_VARIANCE_SWEEPS
        self.steps_ = steps
        self.diagnostics_ = make_diagnostics(
            oldw,
            self.weights_,
            [margin_rows(m[0], m[1], m[4], m[2], m[3], oldw, self.weights_) for m in margins],
            n_iter=self.n_iter_,
            converged=converged,
        )
        return self

    def _tolerance(self, oldw: np.ndarray) -> float:
        """The stopping tolerance in weighted units: ``abs_tol``, or R's reading of
        ``epsilon`` (``< 1``: fraction of the sum of the input weights)."""
        if self.abs_tol is not None:
            ok = isinstance(self.abs_tol, int | float) and not isinstance(self.abs_tol, bool)
            if not ok or not np.isfinite(self.abs_tol) or self.abs_tol <= 0:
                raise WeightingError(
                    f"Rake: parameter abs_tol={self.abs_tol!r} must be a positive number "
                    "(weighted units) or None"
                )
            return float(self.abs_tol)
        if self.epsilon < 1:
            return float(self.epsilon * oldw.sum())
        return float(self.epsilon)

    @staticmethod
    def _worst(margins, w) -> str:
        best = (0.0, "")
        for name, vars_, codes, targets, labels in margins:
            got = np.bincount(codes, weights=w, minlength=len(targets))
            gap = np.abs(got - targets)
            c = int(np.argmax(gap))
            if gap[c] >= best[0]:
                cell = ", ".join(f"{v}={x}" for v, x in zip(vars_, labels[c], strict=True))
                best = (
                    gap[c],
                    f"{name[len('Rake margin ') :]} [{cell}] achieved {got[c]:g} vs target {targets[c]:g}",
                )
        return best[1]


def _raking_step(codes, n_cells, psw, label) -> CalibrationStep:
    """R's raking margin correction: x - psw * ave(x / psw, margin) (unweighted cell mean).

    Rows with zero weight (nonrespondents after a nonresponse adjustment) drop out: their
    ``g = h = 0`` and they are not counted in the cell sizes, so the correction equals the one
    of the same raking done on the rows with positive weight only. (R's ``svyrecvar`` would
    compute ``0 / 0`` for them and return NaN standard errors.)
    """
    positive = psw != 0
    count = np.bincount(codes, weights=positive.astype(float), minlength=n_cells)
    g = np.zeros_like(psw, dtype=float)
    np.divide(1.0, psw, out=g, where=positive)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(count > 0, 1.0 / count, 0.0)
    return CalibrationStep(
        model=codes,
        g=g,
        h=np.where(positive, psw, 0.0),
        coef=lambda m, c=inv: m * c[:, None],
        n_cells=n_cells,
        label=label,
    )
