"""Sample size for a prevalence or a mean to a target precision, and the precision of a
given sample size.

All computations use the normal quantile ``z = z_{1-(1-level)/2}`` (Cochran 1977, ch. 4:
large-sample intervals), not Student's t. The variance of the estimate under the planned
design is taken as the simple-random-sampling variance times a design effect
(Kish 1965):

.. math::

    V(\\hat\\theta) = \\mathrm{deff}\\;\\mathrm{fpc}\\;\\frac{S^2}{n},

with ``S^2 = p(1 - p)`` for a proportion and ``S^2 = sd^2`` for a mean, and the finite
population correction ``fpc = (N - n)/(N - 1)`` for a proportion (Cochran 1977, eq. 3.9)
and ``1 - n/N`` for a mean (Cochran 1977, eq. 2.12). Solving for ``n`` gives Cochran's
two-step formulas (1977, eqs. 4.1-4.3 and 4.9-4.10), applied after the design effect:

.. math::

    n_0 = \\frac{S^2}{SE^2},\\qquad n_{deff} = \\mathrm{deff}\\, n_0,\\qquad
    n_{fpc} = \\frac{n_{deff}}{1 + (n_{deff} - 1)/N}\\ \\text{(proportion)}\\quad
    \\text{or}\\quad \\frac{n_{deff}}{1 + n_{deff}/N}\\ \\text{(mean)},

where the target standard error is ``SE = moe / z`` for a margin of error and
``SE = cv * theta`` for a coefficient of variation (so that ``n_0 = (1 - p)/(p cv^2)`` for
a proportion). The number of completed interviews ``n = ceil(n_fpc)`` is then divided by
the expected response rate to give the number of units to issue.

References
----------
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley, chapter 4.
Kish, L. (1965). *Survey Sampling*. Wiley, sections 5.4 and 8.2.
Lohr, S. L. (2019). *Sampling: Design and Analysis*, 2nd ed. CRC Press, section 2.7.
United Nations (2005). *Designing Household Survey Samples: Practical Guidelines*.
Studies in Methods, Series F No. 98, chapter 4.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.plan._common import check_open_unit, check_positive, resolve_deff, z_quantile

__all__ = ["sample_size_proportion", "sample_size_mean", "margin_of_error"]

#: Tolerance used before rounding up, so that 370.0000000001 is not read as 371.
_ROUND_TOL = 1e-9

SIZE_COLUMNS = (
    "parameter",
    "value",
    "sd",
    "target",
    "moe",
    "cv",
    "level",
    "deff",
    "population",
    "response_rate",
    "n0",
    "n_deff",
    "n_fpc",
    "n",
    "n_issued",
    "n_effective",
)


def ceil_int(x) -> np.ndarray:
    """Round up to integers, ignoring floating-point dust above an integer."""
    return np.ceil(np.asarray(x, dtype=float) - _ROUND_TOL).astype("int64")


def _fpc(n, population, kind: str):
    """Finite population correction: (N-n)/(N-1) for proportions, 1 - n/N for means."""
    n = np.asarray(n, dtype=float)
    N = np.asarray(population, dtype=float)
    finite = np.isfinite(N)
    Nf = np.where(finite, N, 2.0)  # placeholder, masked below
    if kind == "proportion":
        f = (Nf - n) / (Nf - 1.0)
    else:
        f = 1.0 - n / Nf
    return np.where(finite, np.clip(f, 0.0, None), 1.0)


def _solve(S2, se, deff, population, response_rate, kind):
    """Cochran's two-step solution for n given the per-unit variance S2 and target SE."""
    n0 = S2 / se**2
    n_deff = deff * n0
    N = population
    finite = np.isfinite(N)
    Nf = np.where(finite, N, 1.0)
    if kind == "proportion":
        n_fpc = np.where(finite, n_deff / (1.0 + (n_deff - 1.0) / Nf), n_deff)
    else:
        n_fpc = np.where(finite, n_deff / (1.0 + n_deff / Nf), n_deff)
    n_fpc = np.where(finite, np.minimum(n_fpc, Nf), n_fpc)
    n = ceil_int(n_fpc)
    n_issued = ceil_int(n / response_rate)
    return n0, n_deff, n_fpc, n, n_issued


def _population(population, shape):
    if population is None:
        return np.full(shape, np.inf)
    N = np.asarray(population, dtype=float)
    if np.any(np.isnan(N)) or np.any(N < 2):
        raise ValueError(
            f"population must be >= 2 (or None for an infinite population); got {population!r}"
        )
    return N


def _target(moe, cv, relative):
    if (moe is None) == (cv is None):
        raise ValueError("give exactly one precision target: moe= or cv=")
    if moe is not None:
        check_positive("moe", moe)
        return ("relative_moe" if relative else "moe"), np.asarray(moe, dtype=float)
    check_positive("cv", cv)
    return "cv", np.asarray(cv, dtype=float)


def _target_se(target: str, t, relative: bool, size, z: float):
    """The standard error a precision target asks for, with the margin of error and CV it
    implies: ``SE = cv * size`` for a CV target, ``SE = moe / z`` for a margin of error
    (``moe = t * size`` when ``relative``). ``size`` is ``|theta|`` (p, or |mean|)."""
    if target == "cv":
        se = t * size
        return se, z * se, t
    moe = t * size if relative else t
    se = moe / z
    return se, moe, se / size


def _frame(
    parameter, value, sd, target, moe, cv, level, deff, N, rr, n0, n_deff, n_fpc, n, n_issued
):
    arrays = np.broadcast_arrays(value, sd, moe, cv, deff, N, rr, n0, n_deff, n_fpc, n, n_issued)
    value, sd, moe, cv, deff, N, rr, n0, n_deff, n_fpc, n, n_issued = (a.ravel() for a in arrays)
    return pd.DataFrame(
        {
            "parameter": parameter,
            "value": value,
            "sd": sd,
            "target": target,
            "moe": moe,
            "cv": cv,
            "level": level,
            "deff": deff,
            "population": N,
            "response_rate": rr,
            "n0": n0,
            "n_deff": n_deff,
            "n_fpc": n_fpc,
            "n": n.astype("int64"),
            "n_issued": n_issued.astype("int64"),
            "n_effective": n / deff,
        },
        columns=list(SIZE_COLUMNS),
    )


def sample_size_proportion(
    p,
    *,
    moe=None,
    cv=None,
    relative: bool = False,
    level: float = 0.95,
    deff=None,
    icc=None,
    cluster_size=None,
    response_rate=1.0,
    population=None,
) -> pd.DataFrame:
    """Sample size to estimate a prevalence (proportion) to a target precision.

    .. math::

        n_0 = \\frac{z^2\\,p(1-p)}{e^2}\\ \\text{(margin of error } e\\text{)},\\qquad
        n_0 = \\frac{1-p}{p\\,cv^2}\\ \\text{(target CV)},

    then ``n_deff = deff * n0``, the finite population correction
    ``n_fpc = n_deff / (1 + (n_deff - 1)/N)`` (Cochran 1977, eq. 4.3, which is exact for
    the hypergeometric variance ``(N-n)/(N-1) pq/n``), ``n = ceil(n_fpc)`` completed
    interviews and ``n_issued = ceil(n / response_rate)`` units to select. Every argument
    may be an array; the arguments are broadcast and the result has one row per
    combination.

    Parameters
    ----------
    p : float or array-like
        Anticipated prevalence in (0, 1). ``p = 0.5`` gives the largest sample for a
        margin-of-error target.
    moe : float or array-like, optional
        Target margin of error (half-width of the ``level`` confidence interval) on the
        proportion scale (0.03 = 3 percentage points), or relative to ``p`` with
        ``relative=True`` (0.1 = 10% of p).
    cv : float or array-like, optional
        Target coefficient of variation ``SE/p`` (e.g. 0.15). Give ``moe`` or ``cv``.
    relative : bool, default False
        Read ``moe`` as relative to ``p``.
    level : float, default 0.95
        Confidence level of the margin of error; ``z = z_{1-(1-level)/2}`` (normal, not t).
    deff : float or array-like, optional
        Design effect (default 1, simple random sampling). Alternatively give ``icc`` and
        ``cluster_size``: ``deff = 1 + (m - 1) icc`` (Kish 1965).
    icc, cluster_size : float, optional
        Intra-cluster correlation and interviews per cluster.
    response_rate : float, default 1
        Expected proportion of selected units that yield an interview (include the
        eligibility rate here if selected units may be ineligible).
    population : float, optional
        Population size ``N`` for the finite population correction; None = infinite.

    Returns
    -------
    pandas.DataFrame
        One row per combination of the inputs, columns ``parameter`` ("proportion"),
        ``value`` (p), ``sd`` (sqrt(p(1-p))), ``target`` ("moe", "relative_moe" or "cv"),
        ``moe`` (absolute margin of error targeted), ``cv`` (CV targeted), ``level``,
        ``deff``, ``population`` (inf when not given), ``response_rate``, ``n0``
        (SRS, infinite population), ``n_deff`` (``deff * n0``), ``n_fpc`` (after the
        finite population correction, unrounded), ``n`` (completed interviews, rounded
        up), ``n_issued`` (units to select, rounded up) and ``n_effective`` (``n/deff``).

    References
    ----------
    Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., sections 4.4-4.6.
    Kish, L. (1965). *Survey Sampling*, section 5.4 (design effect).

    Examples
    --------
    >>> sample_size_proportion(0.5, moe=0.05)[["n0", "n"]].round(2).values.tolist()
    [[384.15, 385.0]]
    """
    p = check_open_unit("p", p)
    target, t = _target(moe, cv, relative)
    rr = check_open_unit("response_rate", response_rate, closed_right=True)
    d = np.asarray(resolve_deff(deff, icc, cluster_size), dtype=float)
    N = _population(population, np.shape(p))
    S2 = p * (1.0 - p)
    se, moe_t, cv_t = _target_se(target, t, relative, p, z_quantile(level))
    n0, n_deff, n_fpc, n, n_issued = _solve(S2, se, d, N, rr, "proportion")
    return _frame(
        "proportion",
        p,
        np.sqrt(S2),
        target,
        moe_t,
        cv_t,
        level,
        d,
        N,
        rr,
        n0,
        n_deff,
        n_fpc,
        n,
        n_issued,
    )


def sample_size_mean(
    sd,
    *,
    moe=None,
    cv=None,
    mean=None,
    relative: bool = False,
    level: float = 0.95,
    deff=None,
    icc=None,
    cluster_size=None,
    response_rate=1.0,
    population=None,
) -> pd.DataFrame:
    """Sample size to estimate a mean (e.g. a trust score) to a target precision.

    .. math::

        n_0 = \\frac{z^2 S^2}{e^2}\\ \\text{(margin of error } e\\text{)},\\qquad
        n_0 = \\frac{S^2}{(cv\\,\\bar Y)^2}\\ \\text{(target CV)},

    then ``n_deff = deff * n0`` and ``n_fpc = n_deff / (1 + n_deff/N)`` (Cochran 1977,
    eq. 4.10; Lohr 2019, eq. 2.30), ``n = ceil(n_fpc)``, ``n_issued = ceil(n / rr)``.

    Parameters
    ----------
    sd : float or array-like
        Anticipated population standard deviation ``S`` of the variable.
    moe : float or array-like, optional
        Target margin of error in the units of the variable, or relative to ``mean``
        with ``relative=True``.
    cv : float or array-like, optional
        Target coefficient of variation ``SE/mean`` (needs ``mean``).
    mean : float or array-like, optional
        Anticipated mean (for ``cv`` and relative margins).
    relative, level, deff, icc, cluster_size, response_rate, population
        As in :func:`sample_size_proportion`.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`sample_size_proportion`, with ``parameter = "mean"`` and
        ``value`` the anticipated mean (NaN when not given).

    References
    ----------
    Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed., section 4.6.
    Lohr, S. L. (2019). *Sampling: Design and Analysis*, 2nd ed., section 2.7.
    """
    sd = check_positive("sd", sd)
    target, t = _target(moe, cv, relative)
    if (target == "cv" or relative) and mean is None:
        raise ValueError("a CV or relative margin of error needs mean=")
    m = np.asarray(np.nan if mean is None else mean, dtype=float)
    if mean is not None and (np.any(~np.isfinite(m)) or np.any(m == 0)):
        raise ValueError(f"mean must be finite and non-zero; got {mean!r}")
    rr = check_open_unit("response_rate", response_rate, closed_right=True)
    d = np.asarray(resolve_deff(deff, icc, cluster_size), dtype=float)
    N = _population(population, np.shape(sd))
    se, moe_t, cv_t = _target_se(target, t, relative, np.abs(m), z_quantile(level))
    n0, n_deff, n_fpc, n, n_issued = _solve(sd**2, se, d, N, rr, "mean")
    return _frame(
        "mean", m, sd, target, moe_t, cv_t, level, d, N, rr, n0, n_deff, n_fpc, n, n_issued
    )


def standard_error(n, S2, *, deff=1.0, population=None, kind: str = "proportion"):
    """Standard error ``sqrt(deff * fpc * S2 / n)`` of a mean or proportion (arrays)."""
    n = np.asarray(n, dtype=float)
    N = np.full(np.shape(n), np.inf) if population is None else np.asarray(population, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(np.asarray(deff, dtype=float) * _fpc(n, N, kind) * S2 / n)


def margin_of_error(
    n,
    *,
    p=None,
    sd=None,
    mean=None,
    level: float = 0.95,
    deff=None,
    icc=None,
    cluster_size=None,
    population=None,
) -> pd.DataFrame:
    """Expected standard error, margin of error and CV for a given number of interviews.

    The inverse of :func:`sample_size_proportion` / :func:`sample_size_mean`:
    ``SE = sqrt(deff * fpc * S^2 / n)``, ``moe = z SE`` and ``cv = SE / theta``, with
    ``S^2 = p(1-p)`` and ``fpc = (N-n)/(N-1)`` for a proportion, ``S^2 = sd^2`` and
    ``fpc = 1 - n/N`` for a mean (Cochran 1977, eqs. 2.12 and 3.9).

    Parameters
    ----------
    n : int or array-like
        Completed interviews.
    p : float or array-like, optional
        Anticipated proportion (give ``p`` or ``sd``).
    sd, mean : float or array-like, optional
        Anticipated standard deviation and (for the CV) mean of a numeric variable.
    level, deff, icc, cluster_size, population
        As in :func:`sample_size_proportion`.

    Returns
    -------
    pandas.DataFrame
        Columns ``parameter``, ``value``, ``n``, ``deff``, ``population``, ``level``,
        ``se``, ``moe``, ``cv`` (NaN for a mean without ``mean``), ``ci_low``, ``ci_high``
        (``value -/+ moe``).
    """
    if (p is None) == (sd is None):
        raise ValueError("give exactly one of p= (proportion) or sd= (mean)")
    n = check_positive("n", n)
    d = np.asarray(resolve_deff(deff, icc, cluster_size), dtype=float)
    N = _population(population, np.shape(n))
    if np.any(np.isfinite(N) & (np.broadcast_to(n, np.broadcast_shapes(n.shape, N.shape)) > N)):
        raise ValueError("n cannot exceed population")
    z = z_quantile(level)
    if p is not None:
        value = check_open_unit("p", p)
        S2, kind, parameter = value * (1 - value), "proportion", "proportion"
    else:
        sdv = check_positive("sd", sd)
        value = np.asarray(np.nan if mean is None else mean, dtype=float)
        S2, kind, parameter = sdv**2, "mean", "mean"
    se = standard_error(n, S2, deff=d, population=N, kind=kind)
    arrays = np.broadcast_arrays(value, n, d, N, se)
    value, n, d, N, se = (a.ravel() for a in arrays)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / np.abs(value)
    return pd.DataFrame(
        {
            "parameter": parameter,
            "value": value,
            "n": n,
            "deff": d,
            "population": N,
            "level": level,
            "se": se,
            "moe": z * se,
            "cv": cv,
            "ci_low": value - z * se,
            "ci_high": value + z * se,
        }
    )
