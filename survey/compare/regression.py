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
    scale_rows=None,
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
    scale_rows : array_like of bool, optional
        Binomial families: the rows over whose mean weight R rescales the weights (default
        all rows of the design, as ``svyglm(..., design)``); R's starting values, hence the
        coefficients where ``glm.control`` stops, depend on it. Predictive margins pass the
        adjustment model's rows, over which R's ``svypredmeans`` refits.
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
    mean_w = design.weights.mean() if scale_rows is None else design.weights[scale_rows].mean()
    w = np.where(mf.complete, design.weights / mean_w, 0.0)
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


# ------------------------------------------------------------------ predictive margins

#: Name of the margin variable inside the fitted model (internal).
_GROUP = "_margin_group"


@dataclass
class Margins:
    """Predictive margins (R's ``svypredmeans``): one per level of the margin variable.

    Attributes
    ----------
    levels : list
        The levels (values of the margin variable) at which the margins are predicted.
    estimate : numpy.ndarray
        The margins: design-weighted means of each row's predicted response with the margin
        variable set to that level and the covariates as observed.
    vcov : pandas.DataFrame
        Their covariance: the design covariance of the mean predictions (``condvar``) plus the
        model part ``D' V(beta) D`` (``addvar``), as R's ``svypredmeans``.
    fit : GLMResult
        The model with the margin variable added.
    df : float
        Degrees of freedom of intervals and tests.
    """

    levels: list
    estimate: np.ndarray
    vcov: pd.DataFrame
    condvar: np.ndarray
    addvar: np.ndarray
    fit: GLMResult
    df: float
    group: str

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov.to_numpy()))

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """One row per level: ``term`` (the level), ``estimate, se, ci_low, ci_high, df, t,
        p_value`` (t with :attr:`df`; the test of a margin of zero)."""
        out = _coef_frame(list(self.levels), self.estimate, self.se, self.df, level)
        out.insert(0, self.group, list(self.levels))
        return out.drop(columns="term")

    def contrast(self, weights: dict, label: str | None = None, level: float = 0.95):
        """A linear combination of the margins (R's ``svycontrast`` on ``svypredmeans``):
        ``weights`` maps levels to coefficients, e.g. ``{1: 1, 0: -1}`` for a difference."""
        L = np.zeros(len(self.levels))
        for lev, value in weights.items():
            hits = [i for i, v in enumerate(self.levels) if v == lev]
            if not hits:
                raise KeyError(f"no margin at {lev!r}; levels are {self.levels}")
            L[hits[0]] = value
        est = float(L @ self.estimate)
        se = float(np.sqrt(L @ self.vcov.to_numpy() @ L))
        name = label or " + ".join(f"{v:g}*[{k}]" for k, v in weights.items())
        return _coef_frame([name], np.array([est]), np.array([se]), self.df, level)


def _margin_term(data, group: str, extra: dict):
    """(column, its values, as factor?) of a margin variable ``"x"`` or ``"factor(x)"``
    (a column of the data or of ``extra``)."""
    import re

    m = re.fullmatch(r"\s*(?:factor|C)\(([\w.]+)\)\s*", group)
    column = m.group(1) if m else group.strip()
    if column in extra:
        s = pd.Series(extra[column]).reset_index(drop=True)
    elif column in data.columns:
        s = data[column].reset_index(drop=True)
    else:
        raise KeyError(f"margin variable {column!r} is not in the data")
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not isinstance(
        s.dtype, pd.CategoricalDtype
    )
    return column, s, bool(m) or not numeric


def predictive_margins(
    design,
    formula: str,
    group: str,
    family: str = "gaussian",
    *,
    at=None,
    extra: dict | None = None,
    rows=None,
    df="model",
) -> Margins:
    """Predictive margins of a design-weighted model (R's ``svypredmeans``, Stata ``margins``).

    The model ``formula`` plus the margin variable ``group`` is fitted with :func:`svyglm`.
    The margin at level ``g`` is the design-weighted mean, over the rows of the adjustment
    model (response and covariates observed; as R, also rows whose ``group`` is missing,
    since every row is set to ``g``), of the predicted response (``type = "response"``) with
    ``group`` set to ``g`` for every row and the covariates as observed (Graubard and Korn
    1999): a covariate-adjusted mean on the response scale, comparable across levels. The
    covariance is R's: the design covariance of the mean predictions, taken as fixed values
    (through the engine, any design type), plus ``D' V(beta) D``, with ``D`` the derivative
    of the margins with respect to the coefficients.

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
    formula : str
        The adjustment model without the margin variable, e.g. ``"y ~ age + factor(sex)"``
        (``"y ~ 1"``: the margins are the domain means).
    group : str
        The margin variable: a column, or ``"factor(x)"``. Text or categorical columns (and
        ``factor(x)``) are factors; a numeric column enters linearly and needs ``at``.
    family : {"gaussian", "binomial", "quasibinomial"}
    at : sequence, optional
        Levels (factor) or values (numeric margin variable) at which to predict; default
        every level present among the model's rows.
    extra : dict, optional
        Additional columns the formula may use (name -> length-n array).
    rows : array_like of bool, optional
        The population of the margins (R: ``svypredmeans`` on ``subset(design, rows)``); the
        design is kept whole for the variance (a domain).
    df : {"model", "design", "inf"} or float
        Degrees of freedom of intervals and tests: the model's residual df (default, as
        ``svyglm``'s own coefficients), the design df, or normal (``"inf"``: what R's
        ``confint()`` gives on a ``svypredmeans`` result; estimates and covariance are R's
        whatever ``df``).

    Returns
    -------
    Margins
        ``to_frame()`` gives one row per level; ``contrast()`` differences of margins.

    References
    ----------
    Graubard, B. I. and Korn, E. L. (1999). Predictive margins with survey data. Biometrics
    55, 652-659. Lumley, T. ``survey::svypredmeans``.
    """
    from survey.compare._model import model_frame
    from survey.engine import estimate
    from survey.engine.estimators import MeanTotal

    if family not in ("gaussian", "binomial", "quasibinomial"):
        raise ValueError(f"family={family!r}: predictive margins for gaussian or (quasi)binomial")
    data = design.data
    extra = dict(extra or {})
    column, series, is_factor = _margin_term(data, group, extra)
    values = series.to_numpy(dtype=object)
    present = pd.notna(series).to_numpy()
    if is_factor:
        g_values = np.where(present, series.astype(str).to_numpy(dtype=object), None)
        g_values = pd.Series(g_values, dtype="object")
        term = f"factor({_GROUP})"
    else:
        g_values = series.to_numpy(dtype=float)
        term = _GROUP
        if at is None:
            raise ValueError(
                f"margin variable {column!r} is numeric: give at= (values to predict at)"
            )
    response, rhs = (s.strip() for s in formula.split("~", 1))
    full = f"{response} ~ {rhs} + {term}"
    # the rows whose predictions are averaged: those of the adjustment model (R averages
    # over the adjustment model's design, whose NA rows svyglm dropped)
    within = np.ones(len(data), bool) if rows is None else np.asarray(rows, dtype=bool)
    if within.shape != (len(data),):
        raise ValueError(f"rows has shape {within.shape}; the design has {len(data)} rows")
    ones = {**extra, "_margin_one": np.ones(len(data))}
    adjust = model_frame(data, formula, extra).complete & within
    if not is_factor:
        extra[_GROUP] = np.where(within, g_values, np.nan)
    else:
        extra[_GROUP] = g_values.where(within, None)
    fit = svyglm(design, full, family, extra=extra, scale_rows=adjust)
    pred = model_frame(
        data, f"_margin_one ~ {rhs} + {term}", {**ones, _GROUP: _fill(extra[_GROUP])}
    )
    if pred.names != list(fit.coef.index):  # pragma: no cover
        raise RuntimeError("prediction matrix does not match the model's columns")
    rows = adjust
    if is_factor:
        observed = sorted(
            pd.unique(pd.Series(values[rows & present])).tolist(),
            key=lambda v: (str(type(v)), v),
        )
        levels = observed if at is None else list(at)
        keyed = {str(v): v for v in observed}
        missing = [v for v in levels if str(v) not in keyed]
        if missing:
            raise ValueError(f"at={missing} are not levels of {column!r} among the model's rows")
        cols = {name: i for i, name in enumerate(pred.names) if name.startswith(f"{term}")}
    else:
        levels = list(at)
        gcol = pred.names.index(_GROUP)
    beta = fit.coef.to_numpy()
    w = np.where(rows, design.weights, 0.0)
    fits = np.full((len(data), len(levels)), np.nan)
    D = np.zeros((beta.size, len(levels)))
    for j, lev in enumerate(levels):
        X = pred.X.copy()
        if is_factor:
            X[:, list(cols.values())] = 0.0
            name = f"{term}{_fmt_level(lev)}"
            if name in cols:
                X[:, cols[name]] = 1.0
        else:
            X[:, gcol] = float(lev)
        eta = X @ beta
        if family == "gaussian":
            mu, mu_eta = eta, np.ones_like(eta)
        else:
            mu = 1.0 / (1.0 + np.exp(-eta))
            mu_eta = mu * (1 - mu)
        fits[rows, j] = mu[rows]
        D[:, j] = (w * mu_eta) @ X / w.sum()
    names = [f"_margin{j}" for j in range(len(levels))]
    frame = pd.DataFrame(fits, columns=names)
    est = estimate(design, "mean", names, estimator=MeanTotal.build(frame, names, "mean"))
    condvar = est.vcov()
    addvar = D.T @ fit.vcov.to_numpy() @ D
    V = condvar + addvar
    if df == "model":
        dfv = fit.df_residual
    elif df == "design":
        dfv = float(design.degf)
    elif df in ("inf", None):
        dfv = np.inf
    elif isinstance(df, int | float) and df > 0:
        dfv = float(df)
    else:
        raise ValueError(f"df={df!r}: use 'model', 'design', 'inf' or a positive number")
    labels = levels if not is_factor else [keyed.get(str(v), v) for v in levels]
    return Margins(
        levels=labels,
        estimate=est.theta.copy(),
        vcov=pd.DataFrame(V, index=labels, columns=labels),
        condvar=condvar,
        addvar=addvar,
        fit=fit,
        df=float(dfv),
        group=column,
    )


def _fill(values):
    """The margin variable with its missing values set to a level present (their rows are
    then set to each level in turn, so the value does not matter)."""
    if isinstance(values, pd.Series):
        first = values.dropna().iloc[0]
        return values.where(values.notna(), first)
    first = values[~np.isnan(values)][0]
    return np.where(np.isnan(values), first, values)


def _fmt_level(level) -> str:
    from survey.compare._model import _fmt

    return _fmt(str(level))
