"""Design-weighted generalised linear models (R's ``svyglm``).

The coefficients solve the weighted score equations ``sum_i w_i x_i (y_i - mu_i) = 0``
(iteratively reweighted least squares, canonical links); their covariance is the design
variance of the row influence ``w_i x_i (y_i - mu_i) A^{-1}``, ``A = X' diag(w v(mu)) X``
(sandwich / linearisation, R's ``svy.varcoef``), computed by
:func:`survey.engine.regression.vcov_from_row_influence`, which also applies the calibration
residualisation of post-stratified, raked and calibrated designs. On replicate-weight designs
the model is refitted with each replicate's weights
(:func:`survey.engine.regression.vcov_from_replicate_refits`, R's ``svyglm.svyrep.design``).
Residual degrees of freedom are R's: ``degf(design of the complete rows) + 1 - p`` (replicate
designs: ``degf(design) + 1 - p``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survey.compare._model import model_frame
from survey.engine.ci import critical
from survey.engine.regression import (
    GLM_EPSILON,
    GLM_MAXIT,
    glm_replay,
    vcov_from_replicate_refits,
    vcov_from_row_influence,
)

FAMILIES = ("gaussian", "binomial", "quasibinomial", "poisson", "quasipoisson")
#: Log-link count models, fitted by replaying R's glm.fit (survey.engine.regression.glm_replay)
COUNT_FAMILIES = ("poisson", "quasipoisson")

#: Columns of :meth:`GLMResult.to_frame`.
COEF_COLUMNS = ("term", "estimate", "se", "ci_low", "ci_high", "df", "t", "p_value")


@dataclass
class GLMResult:
    """A fitted design-weighted model.

    Attributes
    ----------
    coef : pandas.Series
        Coefficients, named as R's ``model.matrix`` names them.
    vcov : pandas.DataFrame
        Covariance of the coefficients (R's ``vcov(svyglm)``): linearised, or from the
        replicate refits on a replicate-weight design.
    df_residual : float
        R's ``df.residual`` of a ``svyglm``: design df of the complete rows + 1 - p
        (replicate designs: ``degf`` of the design + 1 - p).
    """

    formula: str
    family: str
    coef: pd.Series
    vcov: pd.DataFrame
    df_residual: float
    n: int
    iterations: int

    @property
    def se(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.coef.index)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficient table: ``term, estimate, se, ci_low, ci_high, df, t, p_value``.

        Intervals and p-values use ``t`` with ``df_residual`` (R's ``confint``/``summary``
        of a ``svyglm``)."""
        est = self.coef.to_numpy()
        se = self.se.to_numpy()
        return _coef_frame(list(self.coef.index), est, se, self.df_residual, level)

    def contrast(self, weights, level: float = 0.95) -> pd.DataFrame:
        """Linear or nonlinear combinations of coefficients (R's ``svycontrast`` on a
        ``svyglm``), with the delta method on ``vcov`` (R's, on every design type).

        ``weights``: a mapping coefficient -> weight (one linear combination, labelled
        ``"1*ell + -1*meals"``), an expression in the coefficient names (``"exp(ell)"``: the
        odds ratio; names that are not identifiers between backticks, ``"exp(`(Intercept)`)"``;
        ``^`` as power), or a mapping label -> either. Returns the coefficient-table
        columns, one row per combination (``term`` = its label), ``t`` and the interval with
        ``df_residual``."""
        from survey.engine.contrast import _as_functions, _complex_step_jacobian

        names = list(self.coef.index)
        beta = self.coef.to_numpy()
        numeric = isinstance(weights, dict) and all(
            isinstance(v, int | float | np.number) for v in weights.values()
        )
        if numeric:
            for name in weights:
                if name not in names:
                    raise KeyError(f"no coefficient {name!r}; have {names}")
            label = " + ".join(f"{v:g}*{k}" for k, v in weights.items())
            weights = {label: weights}
        elif isinstance(weights, dict):
            for key, spec in weights.items():
                if isinstance(spec, dict):
                    missing = [n for n in spec if n not in names]
                    if missing:
                        raise KeyError(
                            f"contrast {key!r}: no coefficient {missing[0]!r}; have {names}"
                        )
        elif isinstance(weights, str):
            weights = {weights: weights}
        specs = _as_functions(weights, names)
        V = self.vcov.to_numpy()
        est, se = [], []
        for _, row, fn in specs:
            if row is not None:
                g, value = row, float(row @ beta)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    value = float(np.real(fn(beta)))
                    g = _complex_step_jacobian(fn, beta)
            est.append(value)
            se.append(float(np.sqrt(g @ V @ g)))
        labels = [label for label, _, _ in specs]
        return _coef_frame(labels, np.array(est), np.array(se), self.df_residual, level)


def _coef_frame(names, est, se, df, level) -> pd.DataFrame:
    dfs = np.full(est.size, float(df))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    valid = dfs > 0
    p = np.where(valid, 2 * stats.t.sf(np.abs(t), np.where(valid, dfs, 1)), np.nan)
    q = np.where(valid, critical(level, np.where(valid, dfs, 1)), np.nan)
    out = pd.DataFrame(
        {
            "term": names,
            "estimate": est,
            "se": se,
            "ci_low": est - q * se,
            "ci_high": est + q * se,
            "df": dfs,
            "t": t,
            "p_value": p,
        }
    )
    out.attrs["level"] = level
    return out


def complete_degf(design, rows: np.ndarray) -> int:
    """R's ``degf`` of the design restricted to ``rows`` (PSUs minus strata holding them)."""
    st = design.stages[0]
    use = rows & (design.weights != 0)
    psus = np.unique(st.unit[use])
    return int(psus.size - np.unique(st.unit_stratum[psus]).size)


def svyglm(
    design,
    formula: str,
    family: str = "gaussian",
    *,
    extra: dict | None = None,
    epsilon: float = GLM_EPSILON,
    maxit: int = GLM_MAXIT,
    progress: bool | None = None,
    offset=None,
) -> GLMResult:
    """Fit a design-weighted linear, logistic or log-linear (count) model with design-based standard errors.

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
        A Taylor design, possibly post-stratified, raked or calibrated (the influence is
        residualised on the calibration model, R's ``svyrecvar(..., postStrata=)``), or a
        replicate-weight design (the model is refitted with every replicate's weights and
        the covariance is R's ``svrVar`` of the replicate coefficients).
    formula : str
        R-style formula, e.g. ``"y ~ treat * post + age + factor(region)"`` (see
        :mod:`survey.compare._model`). Rows missing any model variable are left out of the
        fit and contribute zero influence (R's ``na.action``), the design is kept whole.
    family : {"gaussian", "binomial", "quasibinomial", "poisson", "quasipoisson"}
        Identity link for ``gaussian``; logit link for the binomial families (identical
        coefficients and design-based covariance; the response must lie in [0, 1]; R's
        ``glm.fit`` replayed as for the count families); log
        link for the count families (identical coefficients and covariance; response >= 0,
        e.g. the number of times victimised). The count families replay R's ``glm.fit``
        with ``glm.control(epsilon, maxit)``: the coefficients are those R stops at, and the
        sandwich uses the working weights of R's last iteration, as R's ``svy.varcoef``.
    offset : str or array_like, optional
        Count families: a column name or a length-n array added to the linear predictor
        (R's ``offset(log(exposure))``: pass ``np.log(exposure)`` for rates per exposure).
    extra : dict, optional
        Additional columns (name -> length-n array) the formula may use.
    epsilon, maxit : float, int
        R's ``glm.control`` (defaults 1e-8 and 25) for the binomial and count families: the
        full-sample fit replays R's ``glm.fit`` and stops where R stops (deviance change
        below ``epsilon`` relative), so coefficients and SEs are R's at the same control;
        the sandwich uses the working weights of that last iteration, as R's
        ``svy.varcoef`` (at R's default control the SEs differ from a fully converged fit by
        up to ~1e-5 relative). Replicate refits start at the full-sample fit and use the
        same control (R's refits inherit the ``control`` given to ``svyglm``).
    progress : bool, optional
        Replicate designs: progress bar over the refits (default: with 200 replicates or
        more on a terminal).

    Returns
    -------
    GLMResult
        ``coef``, ``vcov``, ``df_residual``; ``to_frame()`` gives the coefficient table.

    References
    ----------
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. International Statistical Review 51, 279-292. Lumley, T. ``survey::svyglm``.
    """
    if family not in FAMILIES:
        raise ValueError(f"family={family!r}: use one of {', '.join(FAMILIES)}")
    mf = model_frame(design.data, formula, extra)
    X, y = mf.X, mf.y
    if family in COUNT_FAMILIES:
        return _count_glm(design, formula, family, mf, offset, epsilon, maxit, progress)
    if offset is not None:
        raise ValueError(f"offset= is for the count families (poisson, quasipoisson), not {family}")
    # R (rescale=TRUE) fits with weights scaled to mean 1; estimates and the influence
    # w x r A^{-1} do not depend on the scale, the binomial starting values do
    w = np.where(mf.complete, design.weights / design.weights.mean(), 0.0)
    if family != "gaussian" and ((y < 0) | (y > 1)).any():
        raise ValueError(f"{family} model: response {mf.response!r} must lie in [0, 1]")
    p = X.shape[1]
    rank = np.linalg.matrix_rank(X[w > 0])
    if rank < p:
        raise ValueError(
            f"model matrix of {formula!r} is rank deficient ({rank} < {p} columns "
            f"{mf.names}): drop aliased terms"
        )
    if family == "gaussian":
        beta = _wls(X, y, w)
        mu = X @ beta
        it = 1
    else:
        # R's glm.fit replayed at glm.control(epsilon, maxit): the coefficients R stops at,
        # and R's sandwich pieces (working weights of its last iteration, svy.varcoef)
        yc = np.where(mf.complete, y, 0.0)
        beta, (wt, r, Ainv), it = glm_replay(X, yc, w, family, epsilon=epsilon, maxit=maxit)
    if _is_replicate(design):
        V = vcov_from_replicate_refits(
            design,
            X,
            y,
            family,
            beta,
            mf.complete,
            epsilon=epsilon,
            maxit=maxit,
            progress=progress,
        )
        df_res = design.degf + 1 - p
    else:
        if family == "gaussian":
            Ainv = np.linalg.inv(X.T @ (X * w[:, None]))
            U = (X * (w * (y - mu))[:, None]) @ Ainv
        else:
            U = (X * (wt * r)[:, None]) @ Ainv
        U[~mf.complete] = 0.0
        V = vcov_from_row_influence(design, U)
        df_res = complete_degf(design, mf.complete) + 1 - p
    return GLMResult(
        formula=formula,
        family=family,
        coef=pd.Series(beta, index=mf.names),
        vcov=pd.DataFrame(V, index=mf.names, columns=mf.names),
        df_residual=float(df_res),
        n=int(mf.complete.sum()),
        iterations=it,
    )


def _offset(design, offset, mf) -> np.ndarray | None:
    if offset is None:
        return None
    if isinstance(offset, str):
        from survey.engine.estimators import numeric_column

        off = numeric_column(design.data, offset)
        name = f"offset column {offset!r}"
    else:
        off = np.asarray(offset, dtype=float)
        name = "offset"
        if off.shape != (design.n,):
            raise ValueError(f"offset has shape {off.shape}; the design has {design.n} rows")
    bad = mf.complete & np.isinf(off)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise ValueError(f"{name} is infinite in model rows {rows} (log of 0?)")
    # a missing offset leaves its row out of the model, as R's na.action does for
    # offset(log(exposure)) in the formula
    return np.where(np.isnan(off), np.nan, np.where(mf.complete, off, 0.0))


def _count_glm(design, formula, family, mf, offset, epsilon, maxit, progress) -> GLMResult:
    """Poisson/quasipoisson (log link) svyglm: R's glm.fit replayed, R's sandwich."""
    X, y = mf.X, mf.y
    off = _offset(design, offset, mf)
    complete = mf.complete if off is None else mf.complete & ~np.isnan(off)
    if off is not None:
        off = np.where(complete, off, 0.0)
    w = np.where(complete, design.weights / design.weights.mean(), 0.0)
    if ((y < 0) & complete).any():
        raise ValueError(f"{family} model: response {mf.response!r} must be >= 0 (counts)")
    y = np.where(complete, y, 0.0)
    p = X.shape[1]
    rank = np.linalg.matrix_rank(X[w > 0])
    if rank < p:
        raise ValueError(
            f"model matrix of {formula!r} is rank deficient ({rank} < {p} columns "
            f"{mf.names}): drop aliased terms"
        )
    beta, (wt, r, Ainv), it = glm_replay(X, y, w, family, off, epsilon=epsilon, maxit=maxit)
    if _is_replicate(design):
        V = vcov_from_replicate_refits(
            design,
            X,
            y,
            family,
            beta,
            complete,
            epsilon=epsilon,
            maxit=maxit,
            progress=progress,
            offset=off,
        )
        df_res = design.degf + 1 - p
    else:
        U = (X * (wt * r)[:, None]) @ Ainv
        U[~complete] = 0.0
        V = vcov_from_row_influence(design, U)
        df_res = complete_degf(design, complete) + 1 - p
    return GLMResult(
        formula=formula,
        family=family,
        coef=pd.Series(beta, index=mf.names),
        vcov=pd.DataFrame(V, index=mf.names, columns=mf.names),
        df_residual=float(df_res),
        n=int(complete.sum()),
        iterations=it,
    )


def _is_replicate(design) -> bool:
    from survey.design import ReplicateDesign

    return isinstance(design, ReplicateDesign)


def _wls(X, y, w):
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
    return beta
