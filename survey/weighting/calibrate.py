"""Calibration to population totals: linear (GREG), raking and logit distances with bounds, as
R's ``calibrate`` (``regcalibrate`` and ``grake``)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from survey.engine.calibration import CalibrationStep
from survey.weighting._base import (
    WeightingError,
    WeightingStep,
    _norm_label,
    as_var_list,
    is_replicate,
    population_table,
    sample_labels,
    validate_params,
)
from survey.weighting.diagnostics import make_diagnostics

_GINV_TOL = 256 * np.finfo(float).eps
_RESCALE_THRESHOLD = 20.0


# ---- distance functions (R's cal.linear, cal.raking, cal.logit): F^{-1}(u) - 1 and dF ----------
def _linear(u, lo, hi):
    return np.minimum(np.maximum(u + 1, lo), hi) - 1, ((u < hi - 1) & (u > lo - 1)).astype(float)


def _raking(u, lo, hi):
    with np.errstate(over="ignore"):
        e = np.exp(u)
    inside = (u < hi - 1) & (u > lo - 1)  # R compares u (not exp(u)) with the bounds
    return np.minimum(np.maximum(e, lo), hi) - 1, np.where(inside, e, 0.0)


def _logit(u, lo, hi):
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise WeightingError("Calibrate: calfun='logit' needs finite bounds (lower < 1 < upper)")
    a = (hi - lo) / ((hi - 1) * (1 - lo))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(a * u)
        den = hi - 1 + (1 - lo) * e
        f = (lo * (hi - 1) + hi * (1 - lo) * e) / den - 1
        d = (
            hi * (1 - lo) * e * a / den
            - (lo * (hi - 1) + hi * (1 - lo) * e) * ((1 - lo) * e * a) / den**2
        )
    return f, d


CALFUNS = {"linear": _linear, "raking": _raking, "logit": _logit}


def grake(
    mm, ww, calfun, population, bounds=(-np.inf, np.inf), sigma2=None, epsilon=1e-7, max_iter=50
):
    """Newton iterations for the calibration factors ``g`` (R's ``grake``).

    Solves ``sum_i w_i g_i x_i = population`` with ``g_i = F(x_i' eta / sigma2_i)`` for the
    distance ``calfun``, step-halving on non-finite values. Returns ``(g, failed)`` where
    ``failed`` is ``None`` or the achieved relative misfit when ``max_iter`` was reached.
    """
    fun = CALFUNS[calfun]
    lo, hi = float(bounds[0]), float(bounds[1])
    sigma2 = np.ones(mm.shape[0]) if sigma2 is None else sigma2
    sample_total = mm.T @ ww
    eta = np.zeros(mm.shape[1])
    scale = None
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = population / sample_total
    if np.min(scales) > _RESCALE_THRESHOLD:
        scale = float(np.mean(scales))
        ww = ww * scale
        sample_total = sample_total * scale
        if np.isfinite([lo, hi]).any():
            warnings.warn(
                f"Calibrate: bounds interpreted after rescaling the weights by {scale:.3g}",
                stacklevel=3,
            )
    xeta = mm @ eta / sigma2
    f, deriv = fun(xeta, lo, hi)
    it = 1
    failed = None
    rs = 1.0 / np.sqrt(sigma2)
    while True:
        tmat = (mm * (ww * rs * deriv)[:, None]).T @ (mm * rs[:, None])
        misfit = population - sample_total - mm.T @ (ww * f)
        deta = np.linalg.pinv(tmat, rcond=_GINV_TOL) @ misfit
        eta = eta + deta
        xeta = mm @ eta / sigma2
        f, deriv = fun(xeta, lo, hi)
        while it < max_iter and not (np.isfinite(f).all() and np.isfinite(deriv).all()):
            it += 1
            deta = deta / 2
            eta = eta - deta
            xeta = mm @ eta / sigma2
            f, deriv = fun(xeta, lo, hi)
        misfit = population - sample_total - mm.T @ (ww * f)
        rel = np.abs(misfit) / (1 + np.abs(population))
        if np.all(rel < epsilon):
            break
        it += 1
        if it > max_iter:
            failed = float(np.max(rel))
            break
    g = 1 + f
    if scale is not None:
        g = g * scale
    return g, failed


def _trim_g(g, ww, trim):
    lo, hi = trim
    outside = (g < lo) | (g > hi)
    if not outside.any():
        return g, 0
    gnew = np.clip(g, lo, hi)
    trimmings = (g - gnew) * ww
    gnew[~outside] = gnew[~outside] + trimmings.sum() / ww[~outside].sum()
    return gnew, int(outside.sum())


class Calibrate(WeightingStep):
    """Calibrate the weights to population totals of auxiliary variables (R's ``calibrate``).

    New weights ``w_i g_i`` reproduce the population totals of the model matrix ``X`` (an
    intercept, treatment dummies of categorical variables, numeric variables as they are) while
    staying close to ``w`` in the chosen distance: ``linear`` (GREG; unbounded it is R's
    closed-form ``regcalibrate``), ``raking`` (exponential, positive weights) or ``logit``
    (bounded); ``bounds=(L, U)`` keep ``L <= g <= U`` (truncated linear/raking).

    Parameters
    ----------
    variables : str or list of str
        Auxiliary variables. Object/string/category/bool columns, and every variable whose
        population is given as a table, enter as treatment dummies (levels sorted, first level
        dropped, as R's ``model.matrix``); numeric ones as they are.
    population : dict
        Either R-style totals by model-matrix column, ``{"(Intercept)": N, "sexM": ...,
        "income": ...}``, or margins by variable, ``{"sex": table, "age_group": table,
        "income": total}`` where a table is a DataFrame/Series/dict of counts by level (R's
        ``margins2totals``).
    calfun : {"linear", "raking", "logit"}
    bounds : (lower, upper), optional
        Bounds on ``g``; ``logit`` needs finite ones.
    variance : str or array, optional
        Heteroscedasticity ``sigma2_i`` of the GREG model (column name, array of n, or array of
        one value per model column multiplied by X), as R's ``variance=``.
    max_iter, epsilon : int, float
        Newton iterations cap and relative tolerance (R: 50 and 1e-7).
    trim : (lower, upper), optional
        Trim ``g`` to these limits after calibration and spread the trimmed weight over the
        other rows (R's ``trim=``; the totals are then no longer exact).
    force : bool
        Return the last iterate instead of failing when calibration does not converge.
    count : str, optional
        Count column of DataFrame margin tables.
    aggregate_stage : int, optional
        Make the calibration factors constant within the sampling units of this stage (1 =
        PSUs), R's ``calibrate(aggregate.stage=)`` (Vanderhoeft 2001): the model matrix, the
        weights and ``variance`` are replaced by their means within each unit before solving,
        so ``g`` is one value per unit and the new weights are ``w_i g_unit``; the Taylor
        correction regresses on the unit means (as R's ``greg_calibration`` then does). The
        totals are met exactly when the weights are constant within the units (equal
        weights stay equal). Taylor designs only (R's replicate designs use
        ``aggregate.index``).

    Attributes
    ----------
    weights_, repweights_, steps_, diagnostics_ : as :class:`~survey.weighting.PostStratify`.
    g_ : ndarray (n,)
        Calibration factors. ``columns_`` : model-matrix column names; ``totals_`` : targets.

    Notes
    -----
    The Taylor variance is R's: influence values are replaced by their residuals from the
    weighted regression on ``X`` (``qr.resid`` in ``svyrecvar``), the GREG linearisation.
    Rows whose calibrated weight is 0 (e.g. nonrespondents after a nonresponse adjustment)
    drop out of it, as if the calibration had been done on the other rows only (R divides
    0 by 0 there).
    """

    def __init__(
        self,
        variables,
        population,
        calfun="linear",
        bounds=None,
        variance=None,
        max_iter=50,
        epsilon=1e-7,
        trim=None,
        force=False,
        count=None,
        progress=None,
        aggregate_stage=None,
    ):
        self.variables = variables
        self.population = population
        self.calfun = calfun
        self.bounds = bounds
        self.variance = variance
        self.max_iter = max_iter
        self.epsilon = epsilon
        self.trim = trim
        self.force = force
        self.count = count
        self.progress = progress
        self.aggregate_stage = aggregate_stage

    # -- model matrix and totals ------------------------------------------------------------
    def _model(self, data: pd.DataFrame):
        vars_ = as_var_list(self.variables)
        pop = self.population
        if not isinstance(pop, Mapping):
            raise WeightingError("Calibrate: population must be a dict of totals or of margins")
        r_style = "(Intercept)" in pop
        cols = [np.ones(len(data))]
        names = ["(Intercept)"]
        margin_totals: dict[str, float] = {}
        first_total = None
        for var in vars_:
            if var not in data.columns:
                raise WeightingError(f"Calibrate: column {var!r} is not in the data")
            margin = None if r_style else pop.get(var)
            if not r_style and margin is None:
                raise WeightingError(f"Calibrate: population has no margin for {var!r}")
            categorical = (
                (not r_style and not np.isscalar(margin))
                or not pd.api.types.is_numeric_dtype(data[var])
                or pd.api.types.is_bool_dtype(data[var])
            )
            if not categorical:
                x = pd.to_numeric(data[var], errors="coerce").to_numpy(dtype=float)
                if np.isnan(x).any():
                    raise WeightingError(
                        f"Calibrate: column {var!r} has {int(np.isnan(x).sum())} missing value(s)"
                    )
                cols.append(x)
                names.append(var)
                if not r_style:
                    margin_totals[var] = float(margin)
                continue
            labs = sample_labels(data, [var], "Calibrate")[0]
            levels = set(labs.tolist())
            table = None
            if not r_style:
                table = population_table(margin, [var], f"Calibrate margin {var}", self.count)
                levels |= {lab[0] for lab in table.labels}
            levels = sorted(levels, key=_level_key)
            for lev in levels[1:]:
                cols.append((labs == lev).astype(float))
                names.append(f"{var}{lev}")
            if table is not None:
                tab = dict(zip((lab[0] for lab in table.labels), table.counts, strict=True))
                missing = sorted(set(labs.tolist()) - set(tab), key=_level_key)
                if missing:
                    raise WeightingError(
                        f"Calibrate margin {var}: sample category {var}={missing[0]!r} is not in the population table"
                    )
                tot = float(table.counts.sum())
                if first_total is None:
                    first_total = (var, tot)
                elif abs(tot - first_total[1]) > 1e-6 * max(abs(tot), 1.0):
                    raise WeightingError(
                        f"Calibrate: margins have different totals ({first_total[0]}: {first_total[1]:g}, "
                        f"{var}: {tot:g})"
                    )
                for lev in levels[1:]:
                    margin_totals[f"{var}{lev}"] = float(tab.get(lev, 0.0))
        mm = np.column_stack(cols)
        if r_style:
            missing = [c for c in names if c not in pop]
            if missing:
                raise WeightingError(
                    f"Calibrate: population has no total for model column(s) {missing} "
                    f"(model columns: {names})"
                )
            extra = [c for c in pop if c not in names]
            if extra:
                raise WeightingError(
                    f"Calibrate: population totals {extra} match no model column ({names})"
                )
            totals = np.array([float(pop[c]) for c in names])
        else:
            if first_total is None:
                raise WeightingError(
                    "Calibrate: margins need at least one categorical variable (for the total)"
                )
            margin_totals["(Intercept)"] = first_total[1]
            totals = np.array([margin_totals[c] for c in names])
        if (totals[:1] < 0).any():
            raise WeightingError("Calibrate: the population total is negative")
        return mm, names, totals

    def fit(self, design):
        validate_params(self)
        if self.trim is not None and len(self.trim) != 2:
            raise WeightingError("Calibrate: trim must be a pair (lower, upper)")
        data = design.data
        mm, names, totals = self._model(data)
        mm_rows, w_rows = mm, design.weights
        ww = design.weights
        agg = self._aggregate_index(design)
        if agg is not None:  # R's ave(., aggindex): unit means of X and of the weights
            mm, ww = _unit_means(mm, agg), _unit_means(ww, agg)
        sample_total = mm.T @ ww
        empty = sample_total == 0
        if empty.any():
            drop = empty & (totals == 0) & np.all(mm == 0, axis=0)
            bad = empty & ~drop
            if bad.any():
                c = names[int(np.flatnonzero(bad)[0])]
                raise WeightingError(
                    f"Calibrate: model column {c!r} has no weighted sample (no rows with positive "
                    f"weight in that category) but a population total {totals[names.index(c)]:g}"
                )
            keep = ~drop
            mm, totals = mm[:, keep], totals[keep]
            names = [c for c, k in zip(names, keep, strict=True) if k]
        if agg is not None and empty.any():
            mm_rows = mm_rows[:, keep]
        sigma2 = self._sigma2(data, mm_rows if agg is not None else mm)
        if agg is not None and sigma2 is not None:
            sigma2 = _unit_means(sigma2, agg)
        bounds = (-np.inf, np.inf) if self.bounds is None else tuple(float(b) for b in self.bounds)
        linear_closed = self.calfun == "linear" and not np.isfinite(bounds).any()
        g, failed = self._g(mm, ww, totals, sigma2, bounds, linear_closed)
        if failed is not None and not self.force:
            raise WeightingError(
                f"Calibrate: calibration ({self.calfun}, bounds={bounds}) did not converge in "
                f"{self.max_iter} iterations (relative misfit {failed:.3g}); widen the bounds, "
                "check the totals, or pass force=True"
            )
        self.g_ = g
        self.weights_ = w_rows * g
        if not is_replicate(design) and (self.weights_ < 0).any():
            rows = np.flatnonzero(self.weights_ < 0)
            raise WeightingError(
                f"Calibrate: {self.calfun} calibration gives negative weights in "
                f"{rows.size} row(s) {rows[:10].tolist()} (g down to {g.min():.3g}; R returns "
                "them, designs here refuse them): bound g (bounds=(L, U)) or use "
                "calfun='raking'"
            )
        self.columns_ = names
        self.totals_ = totals
        # Taylor correction (R's greg_calibration, stage 0)
        # rows whose calibrated weight is 0 (zero input weight, or g = 0) drop out of the
        # residualisation: g = h = 0 for them (R would divide 0 by 0 there)
        s2 = sigma2 if (linear_closed and sigma2 is not None) else np.ones(len(ww))
        tmat = mm.T @ (mm * (ww / s2)[:, None])
        kept = self.weights_ != 0
        gstep = np.zeros(len(ww))
        np.divide(1.0, g * s2, out=gstep, where=kept)
        tinv = np.linalg.pinv(tmat, rcond=_GINV_TOL)
        self.steps_ = [
            CalibrationStep(
                model=mm,
                g=gstep,
                h=np.where(kept, ww * g, 0.0),
                coef=lambda m, t=tinv: t @ m,
                label=f"Calibrate({self.calfun})",
            )
        ]
        self.repweights_ = None
        if is_replicate(design):
            self.repweights_ = self._replicates(design, mm, totals, sigma2, bounds, linear_closed)
        achieved = mm_rows.T @ self.weights_
        margins = pd.DataFrame(
            {
                "margin": "Calibrate",
                "category": names,
                "target": totals,
                "before": mm_rows.T @ w_rows,
                "achieved": achieved,
            }
        )
        margins["difference"] = margins["achieved"] - margins["target"]
        with np.errstate(divide="ignore", invalid="ignore"):
            margins["relative_difference"] = margins["difference"] / margins["target"]
        self.diagnostics_ = make_diagnostics(
            w_rows, self.weights_, [margins], g_range=(float(g.min()), float(g.max()))
        )
        return self

    def _aggregate_index(self, design):
        """Unit codes (n,) of the ``aggregate_stage`` sampling units, or None."""
        stage = self.aggregate_stage
        if stage is None:
            return None
        if is_replicate(design):
            raise WeightingError(
                "Calibrate: aggregate_stage needs a Taylor design with its sampling stages "
                "(R's replicate designs take aggregate.index instead)"
            )
        stages = design.stages
        if not 1 <= stage <= len(stages):
            raise WeightingError(
                f"Calibrate: aggregate_stage={stage}, but the design has {len(stages)} "
                f"sampling stage(s) (psu={design.psu_names})"
            )
        return stages[stage - 1].unit

    def _sigma2(self, data, mm):
        v = self.variance
        if v is None:
            return None
        if isinstance(v, str):
            if v not in data.columns:
                raise WeightingError(f"Calibrate: variance column {v!r} is not in the data")
            v = data[v].to_numpy(dtype=float)
        v = np.asarray(v, dtype=float)
        if v.shape == (mm.shape[0],):
            s2 = v
        elif v.shape == (mm.shape[1],):
            s2 = mm @ v
        else:
            raise WeightingError(
                f"Calibrate: variance must have one value per row ({mm.shape[0]}) or per model column ({mm.shape[1]})"
            )
        if not (np.isfinite(s2).all() and (s2 > 0).all()):
            raise WeightingError("Calibrate: variance values must be positive and finite")
        return s2

    def _g(self, mm, ww, totals, sigma2, bounds, linear_closed):
        if linear_closed:
            s2 = sigma2 if sigma2 is not None else np.ones(len(ww))
            tmat = mm.T @ (mm * (ww / s2)[:, None])
            try:
                tt = np.linalg.solve(tmat, totals - mm.T @ ww)
            except np.linalg.LinAlgError as err:
                raise WeightingError(
                    "Calibrate: the calibration model matrix is singular (collinear or empty "
                    f"categories among {self.variables})"
                ) from err
            g, failed = 1 + (mm @ tt) / s2, None
        else:
            g, failed = grake(
                mm, ww, self.calfun, totals, bounds, sigma2, self.epsilon, self.max_iter
            )
        if self.trim is not None:
            g, _ = _trim_g(g, ww, self.trim)
            failed = None
        return g, failed

    def _replicates(self, design, mm, totals, sigma2, bounds, linear_closed):
        from survey._progress import progress_iter

        rw = design.repweights()
        out = np.empty_like(rw)
        failures = 0
        for r in progress_iter(
            range(rw.shape[1]), rw.shape[1], "calibrating replicates", self.progress
        ):
            g, failed = self._g(mm, rw[:, r], totals, sigma2, bounds, linear_closed)
            failures += failed is not None
            out[:, r] = rw[:, r] * g
        if failures:
            warnings.warn(f"Calibrate: {failures} replicate(s) did not converge", stacklevel=3)
        return out


def _unit_means(x, unit):
    """R's ``ave(x, unit)`` (column by column): every row gets its unit's mean."""
    counts = np.bincount(unit)
    if x.ndim == 1:
        return (np.bincount(unit, weights=x) / counts)[unit]
    out = np.empty_like(x, dtype=float)
    for j in range(x.shape[1]):
        out[:, j] = (np.bincount(unit, weights=x[:, j]) / counts)[unit]
    return out


def _level_key(lab: str):
    """Sort levels numerically when they all look numeric, else as strings (R's factor)."""
    try:
        return (0, float(lab), "")
    except ValueError:
        return (1, 0.0, lab)


__all__ = ["Calibrate", "grake", "_norm_label"]
