"""Benchmarking: area estimates that add up to direct regional (or national) estimates."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from survey.sae.fayherriot import FHError
from survey.sae.model import _norm_codes, model_reliability

BENCHMARK_METHODS = ("ratio", "difference")


def _by_area(result, spec, what):
    """An area-aligned array from a covariate column name or an area -> value mapping."""
    est = result.estimates
    keys = _norm_codes(est[result.area])
    if isinstance(spec, str):
        cov = result.data.get("covariates")
        if cov is None or spec not in cov.columns:
            raise FHError(f"benchmark: {what} column {spec!r} is not in the covariate table")
        return cov[spec].to_numpy()
    if isinstance(spec, pd.Series | dict):
        ser = pd.Series(spec)
        ser.index = _norm_codes(ser.index)
        vals = keys.map(ser)
        if vals.isna().any():
            raise FHError(f"benchmark: {what} missing for areas {keys[vals.isna()].tolist()[:10]}")
        return vals.to_numpy()
    arr = np.asarray(spec)
    if arr.shape != (len(est),):
        raise FHError(f"benchmark: {what} must have one value per area ({len(est)})")
    return arr


def benchmark(result, targets, *, size, group=None, method: str = "ratio", quality=None):
    """Adjust the model estimates so that their size-weighted mean in each group equals the
    direct estimate of the group.

    Parameters
    ----------
    result : FHResult
        From :func:`survey.sae.fh` (every area of the group must be in its covariate table).
    targets : float or pandas.DataFrame
        The direct estimate(s) to match: a number (national) or a frame with the ``group``
        column and ``estimate`` (e.g. ``design.mean(variable, by=group)``: the engine's
        direct regional estimates).
    size : str, mapping or array
        Population size of each area (a covariate column, an area -> size mapping or an
        array aligned with ``result.estimates``): the weights of the group mean.
    group : str or mapping, optional
        Group of each area (covariate column or mapping); None: one national group.
    method : {"ratio", "difference"}
        ``ratio``: ``est * target / aggregate``; ``difference``: ``est + (target -
        aggregate)``.

    Returns
    -------
    (FHResult, pandas.DataFrame)
        The result with ``estimate`` benchmarked (``estimate_model`` keeps the model
        estimate, ``benchmark_adjustment`` the factor or difference); ``mse`` becomes
        ``mse + (benchmarked - model)^2`` (exact for the difference benchmark's posterior
        risk, Steorts and Ghosh 2013; an approximation for the ratio) and intervals, CVs
        and flags follow. The report frame has per group: ``target``, ``aggregate_model``,
        ``adjustment``, ``aggregate_benchmarked``, ``areas``.
    """
    from scipy.stats import norm

    if method not in BENCHMARK_METHODS:
        raise FHError(f"method={method!r}: use one of {', '.join(BENCHMARK_METHODS)}")
    est = result.estimates.copy()
    w = _by_area(result, size, "size").astype(float)
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise FHError("benchmark: sizes must be finite and non-negative")
    if group is None:
        g = np.zeros(len(est), dtype=object)
        g[:] = "national"
        if isinstance(targets, pd.DataFrame):
            targets = float(targets["estimate"].iloc[0])
        tmap = {"national": float(targets)}
        gname = "group"
    else:
        g = _by_area(result, group, "group")
        gname = group if isinstance(group, str) else "group"
        if not isinstance(targets, pd.DataFrame) or gname not in targets.columns:
            raise FHError(f"benchmark: targets must be a frame with columns {gname!r}, estimate")
        tmap = dict(
            zip(_norm_codes(targets[gname]), targets["estimate"].astype(float), strict=True)
        )
        g = _norm_codes(g).to_numpy(dtype=object)
    theta = est["estimate"].to_numpy(dtype=float)
    new = theta.copy()
    adj = np.full(len(est), np.nan)
    rows = []
    for key in pd.unique(g):
        sel = g == key
        if key not in tmap:
            raise FHError(f"benchmark: no target for group {key!r}")
        agg = float(np.sum(w[sel] * theta[sel]) / np.sum(w[sel]))
        t = tmap[key]
        if method == "ratio":
            a = t / agg
            new[sel] = theta[sel] * a
        else:
            a = t - agg
            new[sel] = theta[sel] + a
        adj[sel] = a
        after = float(np.sum(w[sel] * new[sel]) / np.sum(w[sel]))
        rows.append(
            {
                gname: key,
                "target": t,
                "aggregate_model": agg,
                "adjustment": a,
                "aggregate_benchmarked": after,
                "areas": int(sel.sum()),
            }
        )
    level = est.attrs.get("level", 0.95)
    z = norm.ppf(0.5 + level / 2)
    est["estimate_model"] = theta
    est["benchmark_adjustment"] = adj
    est["estimate"] = new
    est["mse"] = est["mse"] + (new - theta) ** 2
    est["se"] = np.sqrt(est["mse"])
    with np.errstate(divide="ignore", invalid="ignore"):
        est["cv"] = est["se"] / np.abs(new)
    lo, hi = new - z * est["se"], new + z * est["se"]
    if est.attrs.get("proportion"):
        lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
    est["ci_low"], est["ci_high"] = lo, hi
    est["reliability"] = model_reliability(est, quality)
    report = pd.DataFrame(rows)
    report.attrs["method"] = method
    choices = {**result.choices, "benchmark": {"method": method, "groups": len(rows)}}
    return replace(result, estimates=est, choices=choices), report
