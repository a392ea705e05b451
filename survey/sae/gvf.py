"""Generalised variance functions: smoothing direct sampling variances across areas.

``log(var_d) = b0 + b1 log(n_d) + b2 g(estimate_d) + error``, fitted by least squares on the
areas whose direct variance is usable, with ``g(p) = log(p (1 - p))`` for proportions and
``g(y) = log|y|`` otherwise (the binomial and the constant-CV variance shapes). The smoothed
variance is ``exp(fitted) * exp(s^2 / 2)`` (``s^2`` the residual variance: the log-normal
mean correction). Which areas use it is recorded in the ``var_source`` column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WHERE = ("unstable", "all", "none")


def _shape(est: np.ndarray, proportion: bool) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if proportion:
            return np.log(est * (1 - est))
        return np.log(np.abs(est))


def smooth_variances(direct: pd.DataFrame, where: str = "unstable", min_df: float | None = None):
    """Fit the GVF to the usable direct variances and use it where asked.

    Parameters
    ----------
    direct : pandas.DataFrame
        The frame of :func:`survey.sae.direct`.
    where : {"unstable", "all", "none"}
        ``"unstable"``: replace the variance of areas whose status is not ``ok`` or whose
        degrees of freedom are below ``min_df``; ``"all"``: every sampled area; ``"none"``:
        keep the direct variances (the fit is still reported).
    min_df : float, optional
        The df below which a direct variance counts as unstable (default: the quality
        rule's ``min_df``, 9 for CEPAL 2020).

    Returns
    -------
    (pandas.DataFrame, dict)
        A copy of ``direct`` with ``var`` replaced where chosen, ``var_direct`` (the direct
        variance), ``var_gvf`` (the smoothed one) and ``var_source`` (``"direct"``,
        ``"gvf"`` or ``"none"``); and the fit: coefficients, R squared, residual variance,
        the number of areas used and the rule.
    """
    if where not in WHERE:
        raise ValueError(f"where={where!r}: use one of {', '.join(WHERE)}")
    if min_df is None:
        from survey.indicators.quality import resolve_rule

        min_df = float(resolve_rule(None).get("min_df", 9))
    out = direct.copy()
    prop = bool(direct.attrs.get("proportion", False))
    est = out["estimate"].to_numpy(dtype=float)
    var = out["var"].to_numpy(dtype=float)
    n = out["n"].to_numpy(dtype=float)
    shape = _shape(est, prop)
    sampled = n > 0
    fit_rows = (out["status"] == "ok").to_numpy() & (var > 0) & np.isfinite(shape) & sampled
    if fit_rows.sum() < 4:
        raise ValueError(
            f"variance smoothing needs at least 4 areas with a usable direct variance "
            f"and a non-degenerate estimate; found {int(fit_rows.sum())}"
        )
    X = np.column_stack([np.ones(n.size), np.log(np.where(n > 0, n, np.nan)), shape])
    coef, *_ = np.linalg.lstsq(X[fit_rows], np.log(var[fit_rows]), rcond=None)
    resid = np.log(var[fit_rows]) - X[fit_rows] @ coef
    k = int(fit_rows.sum())
    s2 = float(resid @ resid / (k - 3))
    total = np.log(var[fit_rows]) - np.log(var[fit_rows]).mean()
    r2 = float(1 - (resid @ resid) / (total @ total)) if total @ total > 0 else np.nan
    # degenerate estimates (p = 0 or 1): the shape term at the mean shape of the fit rows
    shape_used = np.where(np.isfinite(shape), shape, shape[fit_rows].mean())
    Xp = np.column_stack([np.ones(n.size), np.log(np.where(n > 0, n, np.nan)), shape_used])
    var_gvf = np.exp(Xp @ coef) * np.exp(s2 / 2)
    df = out["df"].to_numpy(dtype=float)
    unstable = sampled & (((out["status"] != "ok").to_numpy()) | (df < min_df))
    if where == "all":
        use = sampled & np.isfinite(var_gvf)
    elif where == "unstable":
        use = unstable & np.isfinite(var_gvf)
    else:
        use = np.zeros(n.size, dtype=bool)
    out["var_direct"] = var
    out["var_gvf"] = var_gvf
    out["var"] = np.where(use, var_gvf, var)
    out["se"] = np.sqrt(out["var"])
    source = np.where(use, "gvf", np.where(np.isfinite(var), "direct", "none"))
    out["var_source"] = source
    info = {
        "where": where,
        "min_df": min_df,
        "terms": ["intercept", "log(n)", "log(p(1-p))" if prop else "log|estimate|"],
        "coef": coef.tolist(),
        "r2": r2,
        "resid_var": s2,
        "n_fit": k,
        "n_replaced": int(use.sum()),
        "replaced": out.loc[use, direct.attrs.get("area", out.columns[0])].tolist(),
    }
    out.attrs.update(direct.attrs)
    out.attrs["gvf"] = info
    return out, info
