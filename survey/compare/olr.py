"""Design-weighted proportional-odds models for ordered answers (R's ``svyolr``).

For 4- and 7-point items (fear of crime, trust in institutions): ``P(Y <= j | x) =
F(zeta_j - x'beta)`` with a logistic (proportional odds), normal (``probit``), Gumbel
(``cloglog``, R's naming) or Cauchy ``F``. The fit replays R's (:mod:`survey.engine.olr`);
the covariance is the design variance of the row influence through the engine's
linearisation (:func:`survey.engine.regression.vcov_from_row_influence`: strata, PSUs, FPC,
lonely PSUs, post-stratification/raking/calibration), or on replicate-weight designs the
replicate refits (``MASS::polr`` with each replicate's weights, as R's
``svyolr.svyrep.design``) through :func:`survey.engine.replicate.vcov`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from survey.compare._model import model_frame
from survey.engine import olr, replicate
from survey.engine.ci import critical
from survey.engine.regression import vcov_from_row_influence

#: Columns of :meth:`OLRResult.to_frame`.
OLR_COLUMNS = ("term", "kind", "estimate", "se", "ci_low", "ci_high", "df", "t", "p_value")


@dataclass
class OLRResult:
    """A fitted design-weighted cumulative-link model.

    Attributes
    ----------
    coef : pandas.Series
        Slopes (named as R's ``model.matrix``) then the cut points ``zeta`` named
        ``"lev1|lev2"`` (R's ``coef(svyolr)``).
    vcov : pandas.DataFrame
        Their covariance (R's ``vcov(svyolr)``).
    levels : list
        The ordered response levels.
    df_residual : float
        R's ``df.residual``: ``degf`` of the design of the complete rows minus the number of
        slopes.
    deviance : float
        ``2 * (-weighted log-likelihood) / mean(weights)`` (R's ``deviance``).
    counts : tuple
        R's ``optim`` function and gradient evaluations of the full-sample fit.
    """

    formula: str
    method: str
    coef: pd.Series
    vcov: pd.DataFrame
    levels: list
    n_slopes: int
    df_residual: float
    deviance: float
    n: int
    counts: tuple

    @property
    def se(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.coef.index)

    @property
    def zeta(self) -> pd.Series:
        return self.coef.iloc[self.n_slopes :]

    def to_frame(self, level: float = 0.95, df: float | str = np.inf) -> pd.DataFrame:
        """Coefficient table: ``term, kind ("slope"/"cut"), estimate, se, ci_low, ci_high,
        df, t, p_value``.

        ``df=inf`` (default) gives R's ``confint(svyolr)`` (Wald, normal quantiles: R has
        no svyolr method, ``confint.default`` applies); ``df="residual"`` uses
        ``t(df_residual)``."""
        dfv = self.df_residual if df == "residual" else float(df)
        est = self.coef.to_numpy()
        se = self.se.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            t = est / se
        q = critical(level, dfv)
        p = 2 * (stats.norm.sf(np.abs(t)) if np.isinf(dfv) else stats.t.sf(np.abs(t), dfv))
        kind = ["slope"] * self.n_slopes + ["cut"] * (est.size - self.n_slopes)
        out = pd.DataFrame(
            {
                "term": list(self.coef.index),
                "kind": kind,
                "estimate": est,
                "se": se,
                "ci_low": est - q * se,
                "ci_high": est + q * se,
                "df": dfv,
                "t": t,
                "p_value": p,
            }
        )
        out.attrs["level"] = level
        return out


def _response_codes(design, response):
    if response not in design.data.columns:
        raise ValueError(f"response {response!r} is not a column of the design's data")
    s = design.data[response].reset_index(drop=True)
    if isinstance(s.dtype, pd.CategoricalDtype):
        levels = list(s.cat.categories)
        codes = s.cat.codes.to_numpy().astype(float)
        codes[codes < 0] = np.nan
    else:
        miss = s.isna().to_numpy()
        levels = sorted(pd.unique(s[~miss]).tolist())
        lookup = {v: i for i, v in enumerate(levels)}
        codes = np.array([np.nan if m else lookup[v] for v, m in zip(s, miss, strict=True)])
    if len(levels) < 3:
        raise ValueError(
            f"response {response!r} has {len(levels)} levels {levels}; an ordinal model needs "
            "3 or more (use svyglm(family='quasibinomial') for two)"
        )
    return codes + 1, levels


def svyolr(
    design,
    formula: str,
    method: str = "logistic",
    *,
    extra: dict | None = None,
    reltol: float = olr.RELTOL,
    maxit: int = olr.MAXIT,
) -> OLRResult:
    """Fit a proportional-odds (cumulative link) model with design-based standard errors.

    Estimates the population model ``P(Y <= j | x) = F(zeta_j - x'beta)`` by maximising the
    design-weighted log-likelihood (R's ``svyolr``, which follows ``MASS::polr``).

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
        Taylor design (stratified, clustered, FPC, post-stratified, raked or calibrated:
        the influence goes through the engine's linearisation with the calibration steps)
        or a replicate-weight design (refit per replicate, R's ``svrVar``).
    formula : str
        ``"item ~ x1 + x2 + factor(region)"`` (:mod:`survey.compare._model`); the intercept
        is absorbed by the cut points. Rows missing any model variable are left out (R's
        ``na.omit``), with the design kept whole.
    method : {"logistic", "probit", "cloglog", "cauchit"}
        The link ``F`` (R's ``method=``; ``"cloglog"`` is R's ``pgumbel``, starting from a
        probit fit as R does).
    extra : dict, optional
        Additional columns (name -> length-n array) the formula's right side may use.
    reltol, maxit : float, int
        ``optim``'s BFGS control. R's defaults (1.49e-8, 100) reproduce R's coefficients
        to rounding; a smaller ``reltol`` gives the exact maximum (R:
        ``svyolr(..., control = list(reltol = ...))``). On replicate designs they apply to
        the full-sample fit only: the replicate refits use optim's defaults, as in R
        (``svyolr.svyrep.design`` does not pass ``control`` to them).

    Returns
    -------
    OLRResult
        ``coef`` (slopes, then cut points), ``vcov``, ``to_frame()``.

    Notes
    -----
    The response is an ordered categorical column (its categories in order; all levels
    must occur) or a column of sortable values (numeric codes, sorted). Unlike
    ``svyglm``, R reports no intercept: the cut points ``"a|b"`` play its role.

    References
    ----------
    Lumley, T. ``survey::svyolr``; Venables, W. N. and Ripley, B. D. ``MASS::polr``.
    """
    from survey.design import ReplicateDesign

    if method not in olr.METHODS:
        raise ValueError(f"method={method!r}: use one of {', '.join(olr.METHODS)}")
    if formula.count("~") != 1:
        raise ValueError(f"formula {formula!r} needs exactly one '~'")
    response, rhs = (s.strip() for s in formula.split("~"))
    codes, levels = _response_codes(design, response)
    ycol = "__svyolr_response__"
    mf = model_frame(design.data, f"{ycol} ~ {rhs}", {**(extra or {}), ycol: codes})
    keep = [i for i, nm in enumerate(mf.names) if nm != "(Intercept)"]
    names = [mf.names[i] for i in keep]
    rows = mf.complete
    x = mf.X[rows][:, keep]
    y = mf.y[rows].astype(int)
    q = len(levels) - 1
    missing_levels = [lev for k, lev in enumerate(levels) if not (y == k + 1).any()]
    if missing_levels:
        raise ValueError(
            f"response {response!r}: level(s) {missing_levels} have no complete rows; "
            "their cut points are not identified (drop the unused categories)"
        )
    pc = x.shape[1]
    if pc and np.linalg.matrix_rank(x) < pc:
        raise ValueError(f"model matrix of {formula!r} is rank deficient (columns {names})")
    cut_names = [f"{a}|{b}" for a, b in zip(levels[:-1], levels[1:], strict=True)]
    all_names = names + cut_names
    w = design.weights[rows]
    if isinstance(design, ReplicateDesign):
        full = olr.fit(x, y, w, q, method, polr=True, hessian=False, reltol=reltol, maxit=maxit)
        # R's replicate refits do not receive svyolr's control: optim's defaults
        reps = _replicate_refits(design, x, y, q, method, rows, full.coef, pc)
        V = replicate.vcov(design, reps, full.coef, full=True)
        df_res = design.degf - pc
    else:
        full = olr.fit(x, y, w, q, method, reltol=reltol, maxit=maxit)
        U = np.zeros((design.n, pc + q))
        U[rows] = full.influence
        V = vcov_from_row_influence(design, U)
        from survey.compare.regression import complete_degf

        df_res = complete_degf(design, rows) - pc
    return OLRResult(
        formula=formula,
        method=method,
        coef=pd.Series(full.coef, index=all_names),
        vcov=pd.DataFrame(V, index=all_names, columns=all_names),
        levels=levels,
        n_slopes=pc,
        df_residual=float(df_res),
        deviance=full.deviance,
        n=int(rows.sum()),
        counts=full.counts,
    )


def _replicate_refits(design, x, y, q, method, rows, coef, pc):
    """MASS::polr refits with each replicate's weights from the full-sample fit (R x p)."""
    zeta = coef[pc:]
    start = np.concatenate([coef[:pc], zeta[:1], np.log(np.diff(zeta))])
    rw = design.repweights()[rows]
    out = np.empty((rw.shape[1], coef.size))
    for r in range(rw.shape[1]):
        fr = olr.fit(
            x,
            y,
            rw[:, r],
            q,
            method,
            start=start,
            polr=True,
            hessian=False,
        )
        out[r] = fr.coef
    return out
