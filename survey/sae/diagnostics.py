"""Diagnostics of a Fay-Herriot fit: shrinkage, CVs, residuals and their normality."""

from __future__ import annotations

import numpy as np


def diagnostics(result):
    """Per-area diagnostics and a summary of a :class:`~survey.sae.FHResult`.

    Returns
    -------
    (pandas.DataFrame, dict)
        In-sample areas: area, ``shrinkage`` (gamma: the weight of the direct estimate),
        ``direct_cv``, ``cv`` (model), ``cv_ratio`` (model / direct), ``std_residual``
        (``(y - x'beta) / sqrt(A + D)``, N(0, 1) under the model, on the model scale),
        ``std_random_effect`` (``u_hat / sqrt(A)``), ``reliability`` (model) and
        ``direct_reliability``. Summary: Shapiro-Wilk W and p-value of the standardized
        residuals and of the random effects, the share of areas (all, in sample) with a
        model CV of at most 20%, median CVs direct and model, counts of each flag.
    """
    from scipy.stats import shapiro

    est = result.estimates
    d = result.data
    ins = d["in_sample"]
    y, D, X = d["y"][ins], d["D"][ins], d["X"][ins]
    A = result.fit.refvar
    xb = X @ result.fit.beta
    std_res = (y - xb) / np.sqrt(A + D)
    gamma = A / (A + D)
    u = gamma * (y - xb)
    with np.errstate(divide="ignore", invalid="ignore"):
        std_u = u / np.sqrt(A) if A > 0 else np.full(u.size, np.nan)
    sub = est.loc[
        ins, [result.area, "shrinkage", "direct_cv", "cv", "reliability", "direct_reliability"]
    ].copy()
    sub["cv_ratio"] = sub["cv"] / sub["direct_cv"]
    sub["std_residual"] = std_res
    sub["std_random_effect"] = std_u
    sw_r = shapiro(std_res) if std_res.size >= 3 else (np.nan, np.nan)
    sw_u = shapiro(std_u) if np.all(np.isfinite(std_u)) and std_u.size >= 3 else (np.nan, np.nan)
    cv = est["cv"].to_numpy(dtype=float)
    summary = {
        "areas": len(est),
        "in_sample": int(ins.sum()),
        "share_cv_le_20_all": float(np.mean(cv <= 0.20)),
        "share_cv_le_20_in_sample": float(np.mean(cv[ins] <= 0.20)),
        "share_direct_cv_le_20": float(np.mean(est["direct_cv"].to_numpy(dtype=float) <= 0.20)),
        "median_cv_direct": float(np.nanmedian(est["direct_cv"])),
        "median_cv_model": float(np.nanmedian(cv)),
        "mean_shrinkage": float(np.mean(gamma)),
        "shapiro_residuals": {"W": float(sw_r[0]), "p_value": float(sw_r[1])},
        "shapiro_random_effects": {"W": float(sw_u[0]), "p_value": float(sw_u[1])},
        "reliability_model": est["reliability"].value_counts().to_dict(),
        "reliability_direct": est["direct_reliability"].value_counts().to_dict(),
    }
    return sub.reset_index(drop=True), summary
