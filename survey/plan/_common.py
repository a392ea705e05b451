"""Helpers shared by the planning modules: quantiles, validation, design effects.

Nothing here computes a variance from data: planning works from assumed parameters
(proportions, standard deviations, ICCs), never from microdata.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy import stats


def z_quantile(level: float) -> float:
    """Two-sided normal quantile ``z_{1-(1-level)/2}`` (1.959964 for ``level=0.95``)."""
    check_open_unit("level", level)
    return float(stats.norm.ppf(1.0 - (1.0 - level) / 2.0))


def check_open_unit(name: str, value, *, closed_right: bool = False) -> np.ndarray:
    """Validate that every value lies in (0, 1) (or (0, 1] with ``closed_right``)."""
    arr = np.asarray(value, dtype=float)
    upper_ok = arr <= 1.0 if closed_right else arr < 1.0
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0.0) or np.any(~upper_ok):
        interval = "(0, 1]" if closed_right else "(0, 1)"
        raise ValueError(f"{name} must lie in {interval}; got {value!r}")
    return arr


def check_positive(name: str, value, *, allow_zero: bool = False) -> np.ndarray:
    """Validate that every value is finite and > 0 (>= 0 with ``allow_zero``)."""
    arr = np.asarray(value, dtype=float)
    bad = (arr < 0.0) if allow_zero else (arr <= 0.0)
    if np.any(~np.isfinite(arr)) or np.any(bad):
        sign = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {sign}; got {value!r}")
    return arr


def design_effect(icc, cluster_size, cv_cluster_size=0.0):
    """Design effect of a clustered sample (Kish 1965).

    .. math:: \\mathrm{deff} = 1 + \\left((1 + cv^2)\\,\\bar m - 1\\right)\\rho

    which is Kish's ``1 + (m - 1) rho`` for equal cluster sizes (``cv_cluster_size=0``)
    and the Eldridge, Ashby & Kerry (2006) extension for clusters whose sizes vary with
    coefficient of variation ``cv``.

    Parameters
    ----------
    icc : float or array-like
        Intra-cluster correlation ``rho`` of the outcome, in [0, 1).
    cluster_size : float or array-like
        Mean number of interviews per cluster ``m`` (>= 1).
    cv_cluster_size : float, default 0
        Coefficient of variation of the cluster sizes.

    Returns
    -------
    float or numpy.ndarray
        The design effect (variance inflation relative to simple random sampling of
        the same number of interviews).

    References
    ----------
    Kish, L. (1965). *Survey Sampling*. Wiley, section 5.4.
    Eldridge, S. M., Ashby, D. & Kerry, S. (2006). Sample size for cluster randomized
    trials: effect of coefficient of variation of cluster size and analysis method.
    *International Journal of Epidemiology* 35, 1292-1300.

    Examples
    --------
    >>> round(design_effect(0.05, 10), 4)
    1.45
    """
    rho = np.asarray(icc, dtype=float)
    m = np.asarray(cluster_size, dtype=float)
    cv = np.asarray(cv_cluster_size, dtype=float)
    if np.any(~np.isfinite(rho)) or np.any(rho < 0) or np.any(rho >= 1):
        raise ValueError(f"icc must lie in [0, 1); got {icc!r}")
    if np.any(~np.isfinite(m)) or np.any(m < 1):
        raise ValueError(f"cluster_size must be >= 1; got {cluster_size!r}")
    if np.any(cv < 0):
        raise ValueError(f"cv_cluster_size must be >= 0; got {cv_cluster_size!r}")
    out = 1.0 + ((1.0 + cv**2) * m - 1.0) * rho
    return float(out) if out.ndim == 0 else out


def resolve_deff(deff, icc, cluster_size, cv_cluster_size=0.0):
    """Return the design effect from ``deff`` or from ``icc`` and ``cluster_size``."""
    if icc is not None or cluster_size is not None:
        if icc is None or cluster_size is None:
            raise ValueError("give both icc and cluster_size (or deff alone)")
        if deff is not None:
            raise ValueError("give either deff or icc and cluster_size, not both")
        return design_effect(icc, cluster_size, cv_cluster_size)
    if deff is None:
        return 1.0
    arr = np.asarray(deff, dtype=float)
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"deff must be finite and > 0; got {deff!r}")
    return float(arr) if arr.ndim == 0 else arr


def as_list(value) -> list:
    """A list from a scalar or an iterable (strings count as scalars)."""
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]
    return list(value)
