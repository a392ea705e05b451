"""``fh()``: the Fay-Herriot model from direct estimates and an area covariate table.

Flow (as emdi's ``direct() -> fh() -> benchmark()``): :func:`survey.sae.direct` gives the
direct estimates and variances from the engine; :func:`fh` joins the covariates on the area
codes, fits the model, predicts every area of the covariate table (EBLUP in sample,
synthetic out of sample) and estimates the MSE; :func:`survey.sae.benchmark` makes the
estimates add up to direct regional totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey.sae import fayherriot as fhm
from survey.sae.fayherriot import FHError

TRANSFORMS = (None, "arcsin")
MSE_CHOICES = ("analytic", "bootstrap", "none")


@dataclass
class FHResult:
    """A fitted Fay-Herriot model and its area estimates.

    ``estimates`` has one row per area (see :func:`fh`); ``model`` the fitting summary
    (method, model variance, coefficients, log-likelihood, AIC, BIC, iterations);
    ``choices`` records every decision (transformation, variance source, MSE method, areas
    treated as out of sample and why).
    """

    estimates: pd.DataFrame
    model: dict
    coefficients: pd.DataFrame
    choices: dict
    area: str
    variable: str
    fit: fhm.FHFit
    data: dict = field(default_factory=dict, repr=False)

    def diagnostics(self):
        """Shrinkage, CVs, standardized residuals and a normality test (see
        :func:`survey.sae.diagnostics`)."""
        from survey.sae.diagnostics import diagnostics

        return diagnostics(self)

    def caterpillar(self, ax=None, **kwargs):
        """Caterpillar plot of direct vs model estimates (returns the Axes)."""
        from survey.sae.plots import caterpillar

        return caterpillar(self, ax=ax, **kwargs)

    def annex(self, lang: str = "en") -> str:
        """Methods annex text (es, en, pt)."""
        from survey.sae.annex import methods_annex

        return methods_annex(self, lang=lang)


def _norm_codes(values) -> pd.Series:
    """Area codes as comparable strings (1101, 1101.0 and '1101' are one area)."""
    s = pd.Series(values)
    if pd.api.types.is_float_dtype(s) and np.all(np.mod(s.dropna(), 1) == 0):
        s = s.astype("Int64")
    return s.astype(str)


def _design_matrix(cov: pd.DataFrame, x, categorical, where: str):
    cols = [np.ones(len(cov))]
    names = ["(Intercept)"]
    for c in x:
        if c not in cov.columns:
            raise FHError(f"{where}: covariate column {c!r} not found; it has {list(cov.columns)}")
        col = cov[c]
        if c in categorical or not pd.api.types.is_numeric_dtype(col):
            levels = sorted(pd.unique(col.dropna()), key=lambda v: (str(type(v)), v))
            for lev in levels[1:]:  # treatment contrasts, first level the reference (R)
                cols.append((col == lev).to_numpy(dtype=float))
                names.append(f"{c}{lev}")
        else:
            vals = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(vals)
            if bad.any():
                rows = cov.index[bad][:5].tolist()
                raise FHError(f"{where}: covariate {c!r} is missing or not numeric at rows {rows}")
            cols.append(vals)
            names.append(c)
    return np.column_stack(cols), names


def _arcsin_back(mu, s2):
    """E[sin^2(T)] for T ~ N(mu, s2): (1 - exp(-2 s2) cos(2 mu)) / 2 (bias-corrected)."""
    mu = np.clip(mu, 0.0, np.pi / 2)
    return (1 - np.exp(-2 * s2) * np.cos(2 * mu)) / 2


def fh(
    direct: pd.DataFrame,
    covariates: pd.DataFrame | None = None,
    *,
    x=(),
    categorical=(),
    area: str | None = None,
    method: str = "REML",
    transform: str | None = None,
    mse: str | None = None,
    B: int = 200,
    seed: int = 20261202,
    unstable: str = "error",
    level: float = 0.95,
    quality=None,
    maxiter: int = 100,
    precision: float = 1e-4,
    progress=None,
) -> FHResult:
    """Fay-Herriot EBLUP of every area's mean (or proportion), with its MSE.

    Parameters
    ----------
    direct : pandas.DataFrame
        From :func:`survey.sae.direct` (optionally through :func:`smooth_variances`): the
        area column, ``estimate``, ``var`` (the sampling variance the model treats as
        known), ``n``, ``n_eff`` (for ``transform="arcsin"``), ``status``.
    covariates : pandas.DataFrame, optional
        One row per area of the population (census or administrative aggregates), joined
        on the area column. Areas in it without a usable direct estimate get synthetic
        predictions. Without it the model has an intercept only. Every sampled area must
        be in the table (the error names those that are not).
    x : sequence of str
        Covariate columns; non-numeric columns and those in ``categorical`` enter as dummy
        variables (treatment contrasts, first sorted level the reference, as R).
    categorical : sequence of str
        Covariates entering as dummies (added to ``x`` when not listed there).
    area : str, optional
        Area column (default ``direct.attrs["area"]``).
    method : {"REML", "ML", "FH", "AREML", "AML"}
        Fitting method (see :mod:`survey.sae.fayherriot`); AREML/AML are Li-Lahiri's adjusted
        likelihoods, whose model variance is always positive.
    transform : {None, "arcsin"}
        ``"arcsin"`` (proportions): the model is fitted to ``asin(sqrt(p))`` with sampling
        variance ``1 / (4 n_eff)`` (``n_eff = n / deff``); estimates are back-transformed
        with the bias correction ``E[sin^2(T)]``, ``T ~ N(eblup, g1)`` in sample and
        ``N(synthetic, A)`` out of sample.
    mse : {"analytic", "bootstrap", "none"}
        Analytic MSE (Prasad-Rao / Datta-Lahiri / Li-Lahiri, see :mod:`survey.sae.fayherriot`;
        only without transformation) or a parametric bootstrap with ``B`` replicates
        (default for ``"arcsin"``): ``u* ~ N(0, A)``, ``e* ~ N(0, D)``, the model refitted
        to ``y* = x'beta + u* + e*``, MSE the mean squared error of the (back-transformed)
        estimates around the bootstrap truth.
    B, seed : int
        Bootstrap replicates and the seed of its random generator (reproducible).
    unstable : {"error", "synthetic"}
        Sampled areas whose direct variance is unusable (``status`` not ``ok``, e.g. one
        PSU): ``"error"`` names them (smooth their variances first, or choose
        ``"synthetic"``), ``"synthetic"`` predicts them from the model alone and records it.
    level : float
        Level of the MSE-based intervals ``estimate -/+ z sqrt(mse)`` (cut to [0, 1] for
        proportions: ``direct.attrs["proportion"]`` or the arcsine model).
    quality : str or dict, optional
        Rule of :mod:`survey.indicators.quality` for the published figure. Model-based
        figures have no sample-size criterion; the rule's CV criterion is applied to
        ``sqrt(mse) / estimate``.

    Returns
    -------
    FHResult
        ``.estimates``: area, ``in_sample``, ``direct``, ``direct_se``, ``direct_cv``,
        ``direct_reliability``, ``n``, ``n_eff``, ``var_source``, ``estimate`` (EBLUP or
        synthetic, back-transformed), ``mse``, ``se`` (``sqrt(mse)``), ``cv``, ``ci_low``,
        ``ci_high``, ``synthetic`` (``x'beta``, back-transformed), ``shrinkage``
        (``gamma = A / (A + D)``, 0 out of sample), ``g1``, ``g2``, ``g3`` (analytic MSE
        parts), ``kind`` (``"eblup"`` or ``"synthetic"``), ``reliability``.
    """
    from scipy.stats import norm

    if transform not in TRANSFORMS:
        raise FHError(f"transform={transform!r}: use None or 'arcsin'")
    if mse is None:
        mse = "bootstrap" if transform else "analytic"
    if mse not in MSE_CHOICES:
        raise FHError(f"mse={mse!r}: use one of {', '.join(MSE_CHOICES)}")
    if mse == "analytic" and transform:
        raise FHError("the analytic MSE is on the model scale; use mse='bootstrap' with 'arcsin'")
    if unstable not in ("error", "synthetic"):
        raise FHError(f"unstable={unstable!r}: use 'error' or 'synthetic'")
    area = area or direct.attrs.get("area")
    if area is None or area not in direct.columns:
        raise FHError("name the area column (area=...): the direct frame has no attrs['area']")
    x = [x] if isinstance(x, str) else list(x)
    categorical = [categorical] if isinstance(categorical, str) else list(categorical)
    x += [c for c in categorical if c not in x]  # a categorical covariate is a covariate
    variable = direct.attrs.get("variable", "estimate")

    dkey = _norm_codes(direct[area])
    if dkey.duplicated().any():
        raise FHError(f"direct estimates: area codes repeated: {dkey[dkey.duplicated()].tolist()}")
    sampled = (direct["n"].fillna(0) > 0).to_numpy() & np.isfinite(
        direct["estimate"].to_numpy(dtype=float)
    )
    if covariates is None:
        cov = direct[[area]].copy()
    else:
        if area not in covariates.columns:
            raise FHError(
                f"covariate table has no area column {area!r}; it has {list(covariates.columns)}"
            )
        cov = covariates.reset_index(drop=True)
        ckey = _norm_codes(cov[area])
        if ckey.duplicated().any():
            raise FHError(
                f"covariate table: area codes repeated: {ckey[ckey.duplicated()].tolist()[:10]}"
            )
        missing = sorted(set(dkey[sampled]) - set(ckey))
        if missing:
            raise FHError(
                f"covariate table lacks {len(missing)} sampled area(s) of {area!r}: "
                f"{', '.join(missing[:20])}{' ...' if len(missing) > 20 else ''}"
            )
    ckey = _norm_codes(cov[area])
    Xall, names = _design_matrix(cov, x, categorical, "covariate table")
    drow = pd.Series(np.arange(len(direct)), index=dkey)
    pos = ckey.map(drow)  # row of direct per covariate row (NaN: not in direct)
    has = pos.notna().to_numpy()
    di = pos[has].astype(int).to_numpy()
    est = np.full(len(cov), np.nan)
    var = np.full(len(cov), np.nan)
    n = np.full(len(cov), np.nan)
    neff = np.full(len(cov), np.nan)
    status = np.full(len(cov), "no_sample", dtype=object)
    est[has] = direct["estimate"].to_numpy(dtype=float)[di]
    var[has] = direct["var"].to_numpy(dtype=float)[di]
    n[has] = direct["n"].to_numpy(dtype=float)[di]
    if "n_eff" in direct.columns:
        neff[has] = direct["n_eff"].to_numpy(dtype=float)[di]
    if "status" in direct.columns:
        status[has] = direct["status"].to_numpy(dtype=object)[di]
    else:
        status[has] = np.where(var[has] > 0, "ok", "zero_variance")
    status[has & ~(n > 0)] = "no_sample"
    src_col = "var_source" if "var_source" in direct.columns else None
    var_source = np.full(len(cov), "none", dtype=object)
    if src_col:
        var_source[has] = direct[src_col].to_numpy(dtype=object)[di]
    else:
        var_source[has & np.isfinite(var)] = "direct"
    choices: dict = {
        "method": method,
        "transform": transform,
        "mse": mse,
        "level": level,
        "variance": direct.attrs.get("gvf", {"where": "none"}),
        "df_rule": direct.attrs.get("df_rule"),
    }
    # which areas enter the model
    sampled_c = status != "no_sample"
    if transform == "arcsin":
        ok_p = (est >= 0) & (est <= 1)
        if np.any(sampled_c & ~ok_p):
            bad = ckey[sampled_c & ~ok_p].tolist()
            raise FHError(f"arcsin needs proportions in [0, 1]; areas {bad[:10]} are not")
        bad_neff = sampled_c & ~(neff > 0)
        if bad_neff.any():  # p = 0 or 1: deff undefined -> median design effect of the others
            med = float(np.nanmedian((n / neff)[sampled_c & (neff > 0)]))
            neff[bad_neff] = n[bad_neff] / med
            choices["n_eff_imputed"] = {"areas": ckey[bad_neff].tolist(), "median_deff": med}
        y_t = np.arcsin(np.sqrt(np.clip(est, 0, 1)))
        D_t = 1.0 / (4.0 * neff)
        usable = sampled_c & (neff > 0)
        var_source = np.where(usable, "arcsin n_eff", var_source)
    else:
        y_t, D_t = est, var
        usable = sampled_c & (var > 0) & np.isfinite(var)
    bad = sampled_c & ~usable
    if bad.any():
        if unstable == "error":
            lst = [f"{a} ({s})" for a, s in zip(ckey[bad], status[bad], strict=True)]
            raise FHError(
                f"{int(bad.sum())} sampled area(s) have no usable direct variance: "
                f"{', '.join(lst[:20])}; smooth them (survey.sae.smooth_variances) or pass "
                "unstable='synthetic'"
            )
        choices["synthetic_unstable"] = ckey[bad].tolist()
    ins = usable
    fit = fhm.fit(y_t[ins], D_t[ins], Xall[ins], method, maxiter=maxiter, precision=precision)
    if not fit.converged:
        raise FHError(f"{method} did not converge in {maxiter} iterations (precision {precision})")
    A = fit.refvar
    synth_t = Xall @ fit.beta
    gamma = np.zeros(len(cov))
    gamma[ins] = A / (A + D_t[ins])
    eb_t = synth_t.copy()
    eb_t[ins] = synth_t[ins] + gamma[ins] * (y_t[ins] - synth_t[ins])
    g = {k: np.full(len(cov), np.nan) for k in ("g1", "g2", "g3")}
    mse_in, mse_out, parts = fhm.mse_analytic(fit, D_t[ins], Xall[ins], Xall[~ins])
    for k in g:
        g[k][ins] = parts[k]
    if transform == "arcsin":
        s2 = np.where(ins, gamma * D_t, A)
        estimate = _arcsin_back(eb_t, s2)
        synthetic = _arcsin_back(synth_t, np.full(len(cov), A))
    else:
        estimate, synthetic = eb_t, synth_t
    mse_v = np.full(len(cov), np.nan)
    if mse == "analytic":
        mse_v[ins] = mse_in
        if mse_out is not None:
            mse_v[~ins] = mse_out
        choices["mse_method"] = fhm.MSE_METHOD[method]
    elif mse == "bootstrap":
        mse_v = _bootstrap(
            fit, Xall, D_t, ins, transform, method, B, seed, maxiter, precision, progress
        )
        choices["mse_method"] = f"parametric bootstrap (B={B}, seed={seed})"
        choices["bootstrap"] = {"B": B, "seed": seed}
    else:
        choices["mse_method"] = "none"
    z = norm.ppf(0.5 + level / 2)
    se = np.sqrt(np.where(mse_v > 0, mse_v, np.nan))
    lo, hi = estimate - z * se, estimate + z * se
    proportion = bool(direct.attrs.get("proportion", False)) or transform == "arcsin"
    if proportion:  # a share's interval stays in [0, 1]
        lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    out = pd.DataFrame({area: cov[area].to_numpy()})
    out["in_sample"] = ins
    out["direct"] = np.where(has, est, np.nan)
    out["direct_se"] = np.sqrt(np.where(var > 0, var, np.nan))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["direct_cv"] = out["direct_se"] / np.abs(out["direct"])
        cv = se / np.abs(estimate)
    rel = np.full(len(cov), pd.NA, dtype=object)
    if "reliability" in direct.columns:
        rel[has] = direct["reliability"].to_numpy(dtype=object)[di]
    out["direct_reliability"] = rel
    out["status"] = status
    out["n"] = n
    out["n_eff"] = neff
    out["var_model"] = np.where(ins, D_t, np.nan)
    out["var_source"] = var_source
    out["estimate"] = estimate
    out["mse"] = mse_v
    out["se"] = se
    out["cv"] = cv
    out["ci_low"] = lo
    out["ci_high"] = hi
    out["synthetic"] = synthetic
    out["shrinkage"] = gamma
    for k in g:
        out[k] = g[k]
    out["kind"] = np.where(ins, "eblup", "synthetic")
    out["reliability"] = model_reliability(out, quality)
    coef = pd.DataFrame({"term": names, "beta": fit.beta, "se": np.sqrt(np.diag(fit.beta_cov))})
    coef["z"] = coef["beta"] / coef["se"]
    coef["p_value"] = 2 * norm.sf(np.abs(coef["z"]))
    model = {
        "method": method,
        "refvar": float(A),
        "loglike": fit.loglike,
        "AIC": fit.aic,
        "BIC": fit.bic,
        "iterations": fit.iterations,
        "converged": fit.converged,
        "algorithm": fit.algorithm,
        "m_in_sample": int(ins.sum()),
        "m_out_of_sample": int((~ins).sum()),
        "mse_method": choices["mse_method"],
    }
    out.attrs.update({"area": area, "variable": variable, "level": level, "proportion": proportion})
    return FHResult(
        estimates=out,
        model=model,
        coefficients=coef,
        choices=choices,
        area=area,
        variable=variable,
        fit=fit,
        data={"y": y_t, "D": D_t, "X": Xall, "in_sample": ins, "names": names, "covariates": cov},
    )


def model_reliability(frame: pd.DataFrame, quality=None) -> np.ndarray:
    """The quality rule's CV criterion on the model-based figures (no sample-size criteria:
    they do not apply to a model's prediction). Missing MSE: ``suppress``."""
    from survey.indicators.quality import assess

    view = pd.DataFrame(
        {
            "estimate": frame["estimate"].to_numpy(dtype=float),
            "se": frame["se"].to_numpy(dtype=float),
            "cv": frame["cv"].to_numpy(dtype=float),
        }
    )
    view.attrs["statistic"] = "mean"  # the log-CV of direct proportions is not a model rule
    flag = assess(view, rule=quality).to_numpy(dtype=object).copy()
    flag[~np.isfinite(view["se"].to_numpy())] = "suppress"
    return flag


def _bootstrap(fit, X, D, ins, transform, method, B, seed, maxiter, precision, progress):
    """Parametric bootstrap MSE (Gonzalez-Manteiga et al. 2008; emdi's boot for arcsin)."""
    from survey._progress import progress_iter

    rng = np.random.default_rng(seed)
    A = fit.refvar
    xb = X @ fit.beta
    M = X.shape[0]
    sq = np.zeros(M)
    used = 0
    for _ in progress_iter(range(B), total=B, description="FH bootstrap MSE", enabled=progress):
        u = rng.normal(0.0, np.sqrt(A), M) if A > 0 else np.zeros(M)
        theta_t = xb + u
        e = rng.normal(0.0, 1.0, M) * np.sqrt(np.where(ins, D, 0.0))
        y = theta_t + e
        try:
            f = fhm.fit(y[ins], D[ins], X[ins], method, maxiter=maxiter, precision=precision)
        except (FHError, np.linalg.LinAlgError):
            continue
        if not f.converged:
            continue
        s = X @ f.beta
        g = np.zeros(M)
        g[ins] = f.refvar / (f.refvar + D[ins])
        eb = s + g * (np.where(ins, y, 0.0) - s)
        if transform == "arcsin":
            truth = np.sin(np.clip(theta_t, 0, np.pi / 2)) ** 2
            est = _arcsin_back(eb, np.where(ins, g * D, f.refvar))
        else:
            truth, est = theta_t, eb
        sq += (est - truth) ** 2
        used += 1
    if used == 0:
        raise FHError("no bootstrap replicate could be fitted")
    return sq / used
