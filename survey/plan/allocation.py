"""Allocation of a total sample across strata, with the expected precision per stratum.

Methods (each gives target shares ``a_h``, then ``n_h = n a_h``):

* ``"proportional"``: ``a_h ∝ N_h`` (Cochran 1977, section 5.5);
* ``"equal"``: ``a_h ∝ 1``;
* ``"neyman"``: ``a_h ∝ N_h S_h`` — minimises the variance of the stratified mean for a
  fixed total (Neyman 1934; Cochran 1977, theorem 5.8);
* ``"power"``: ``a_h ∝ N_h^q S_h / |Ybar_h|`` (Bankier 1988) — minimises
  ``sum_h (N_h^q CV_h)^2``; ``q = 1`` is Neyman allocation for a ratio-scaled (CV) target,
  ``q = 0`` equalises the stratum CVs and ``q = 0.5`` (default) is the usual compromise
  between national and sub-national precision. Without stratum means the factor
  ``1/|Ybar_h|`` is dropped (equal means assumed); with prevalences ``p_h`` the unit CV
  is ``sqrt((1 - p_h)/p_h)``.

Integer sizes preserve the total by the largest-remainder method (Hamilton); optional
bounds ``min_n <= n_h <= N_h`` are met by fixing the strata that violate a bound and
re-allocating the rest among the others until no bound is violated (the usual iterative
fix for Neyman allocation exceeding ``N_h``; Cochran 1977, section 5.8).

References
----------
Bankier, M. D. (1988). Power allocations: determining sample sizes for subnational areas.
*The American Statistician* 42(3), 174-177.
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley, chapter 5.
Neyman, J. (1934). On the two different aspects of the representative method.
*Journal of the Royal Statistical Society* 97, 558-625.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey.plan._common import check_open_unit, z_quantile
from survey.plan.size import standard_error

__all__ = ["Allocation", "allocate", "round_preserving_total"]

METHODS = ("proportional", "equal", "neyman", "power")


def round_preserving_total(x, total: int | None = None) -> np.ndarray:
    """Round non-negative reals to integers with the same sum (largest remainder).

    Each value is floored; the units still missing to reach ``total`` (default: the
    rounded sum of ``x``) go to the values with the largest fractional parts (ties: first
    in order). If every ``x`` lies between integer bounds, so does the result.

    Examples
    --------
    >>> round_preserving_total([2.5, 3.3, 4.2]).tolist()
    [3, 3, 4]
    """
    x = np.asarray(x, dtype=float)
    if np.any(~np.isfinite(x)) or np.any(x < 0):
        raise ValueError("values to round must be finite and >= 0")
    if total is None:
        total = int(round(float(x.sum())))
    base = np.floor(x + 1e-9)
    short = int(total - base.sum())
    if short < 0 or short > x.size:
        raise ValueError(f"cannot round {x.tolist()} to a total of {total}")
    frac = x - base
    order = np.argsort(-frac, kind="stable")
    out = base.astype("int64")
    out[order[:short]] += 1
    return out


def _bounded_shares(weights, n, lower, upper):
    """Continuous allocation n * w_h / sum(w) with lower <= n_h <= upper (iterative fix)."""
    H = weights.size
    fixed = np.zeros(H, dtype=bool)
    alloc = np.zeros(H)
    for _ in range(2 * H + 1):  # each pass fixes at least one stratum or stops
        free = ~fixed
        remaining = n - alloc[fixed].sum()
        w = weights[free]
        if w.sum() > 0:
            alloc[free] = remaining * w / w.sum()
        else:  # every free stratum has zero weight: spread equally
            alloc[free] = remaining / free.sum()
        over = free & (alloc > upper + 1e-12)
        under = free & (alloc < lower - 1e-12)
        if not over.any() and not under.any():
            return alloc
        # fix the violators on the side with the largest total violation first
        if (alloc - upper)[over].sum() >= (lower - alloc)[under].sum():
            alloc[over] = upper[over]
            fixed |= over
        else:
            alloc[under] = lower[under]
            fixed |= under
        if fixed.all():
            return alloc
    raise RuntimeError("allocation bounds could not be met")  # pragma: no cover


@dataclass(frozen=True)
class Allocation:
    """A stratum allocation and its expected precision.

    Attributes
    ----------
    strata : pandas.DataFrame
        One row per stratum: ``stratum``, ``population`` (N_h), ``sd`` (S_h), ``mean``
        (anticipated mean or prevalence, NaN if not given), ``weight`` (the allocation
        factor a_h before normalising), ``share`` (a_h / sum a), ``n_exact`` (continuous
        allocation after bounds), ``n`` (integer), ``fraction`` (n_h / N_h), ``se``,
        ``moe`` and ``cv`` (expected precision of the stratum estimate under ``deff``).
    method : str
    n : int
        Total sample.
    se, moe, cv : float
        Expected precision of the stratified population estimate,
        ``SE^2 = sum_h W_h^2 deff (1 - f_h) S_h^2 / n_h`` with ``W_h = N_h / N``
        (Cochran 1977, eq. 5.6).
    deff, level : float
    """

    strata: pd.DataFrame
    method: str
    n: int
    se: float
    moe: float
    cv: float
    deff: float
    level: float

    def to_frame(self) -> pd.DataFrame:
        """The per-stratum table followed by one ``stratum = "Total"`` row."""
        s = self.strata
        total = {
            "stratum": "Total",
            "population": s["population"].sum(),
            "sd": np.nan,
            "mean": np.nan,
            "weight": np.nan,
            "share": 1.0,
            "n_exact": s["n_exact"].sum(),
            "n": int(s["n"].sum()),
            "fraction": s["n"].sum() / s["population"].sum(),
            "se": self.se,
            "moe": self.moe,
            "cv": self.cv,
        }
        out = pd.concat(
            [s.astype({"stratum": object}), pd.DataFrame([total]).astype({"stratum": object})],
            ignore_index=True,
        )
        return out


def allocate(
    strata: pd.DataFrame,
    n: int,
    *,
    method: str = "proportional",
    stratum: str = "stratum",
    population: str = "population",
    sd: str | None = None,
    p: str | None = None,
    mean: str | None = None,
    q: float = 0.5,
    min_n: int = 0,
    cap: bool = True,
    deff: float = 1.0,
    level: float = 0.95,
) -> Allocation:
    """Allocate ``n`` interviews across strata and report the expected precision.

    Parameters
    ----------
    strata : pandas.DataFrame
        One row per stratum.
    n : int
        Total number of completed interviews to allocate.
    method : {"proportional", "equal", "neyman", "power"}
        Allocation rule (see the module docstring): ``N_h``, ``1``, ``N_h S_h`` or
        ``N_h^q S_h / |Ybar_h|``.
    stratum, population : str
        Columns with the stratum label and the stratum population size ``N_h``.
    sd : str, optional
        Column with the anticipated unit standard deviation ``S_h`` (for a mean).
    p : str, optional
        Column with the anticipated prevalence ``p_h``; then ``S_h = sqrt(p_h (1-p_h))``
        and the stratum mean is ``p_h``. Give ``sd`` or ``p`` for "neyman", "power"
        and for the precision columns.
    mean : str, optional
        Column with the anticipated stratum mean (power allocation and CVs of a mean).
    q : float, default 0.5
        Exponent of power allocation, in [0, 1].
    min_n : int, default 0
        Minimum interviews per stratum (capped at ``N_h``).
    cap : bool, default True
        Never allocate more than ``N_h`` to a stratum.
    deff : float, default 1
        Design effect assumed in every stratum, for the precision columns.
    level : float, default 0.95
        Confidence level of the margins of error (normal quantile).

    Returns
    -------
    Allocation
        ``.strata`` (per-stratum table), the overall ``se``/``moe``/``cv`` and
        ``.to_frame()``. The stratum variance uses ``fpc = (N_h - n_h)/(N_h - 1)`` for a
        prevalence and ``1 - n_h/N_h`` for a mean, as in :func:`margin_of_error`.

    References
    ----------
    Bankier (1988); Cochran (1977), chapter 5; Neyman (1934).

    Examples
    --------
    >>> frame = pd.DataFrame({"stratum": ["a", "b", "c"], "population": [5000, 3000, 2000]})
    >>> allocate(frame, 100).strata["n"].tolist()
    [50, 30, 20]
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    for col in (stratum, population, sd, p, mean):
        if col is not None and col not in strata.columns:
            raise KeyError(f"column {col!r} not found in the strata table")
    if sd is not None and p is not None:
        raise ValueError("give sd= or p=, not both")
    if strata[stratum].duplicated().any():
        dup = strata.loc[strata[stratum].duplicated(), stratum].tolist()
        raise ValueError(f"strata are repeated in column {stratum!r}: {dup}")
    N_h = strata[population].to_numpy(dtype=float)
    if np.any(~np.isfinite(N_h)) or np.any(N_h < 1):
        rows = np.flatnonzero(~np.isfinite(N_h) | (N_h < 1)).tolist()
        raise ValueError(f"column {population!r} must be >= 1 (rows {rows})")
    n = int(n)
    H = N_h.size
    if n < 1:
        raise ValueError("n must be >= 1")
    if cap and n > N_h.sum():
        raise ValueError(f"n = {n} exceeds the population {int(N_h.sum())}")
    if not 0 <= q <= 1:
        raise ValueError(f"q must lie in [0, 1]; got {q}")

    if p is not None:
        p_h = check_open_unit(p, strata[p].to_numpy(dtype=float))
        S_h = np.sqrt(p_h * (1 - p_h))
        Y_h = p_h
        kind = "proportion"
    else:
        S_h = strata[sd].to_numpy(dtype=float) if sd is not None else np.full(H, np.nan)
        Y_h = strata[mean].to_numpy(dtype=float) if mean is not None else np.full(H, np.nan)
        kind = "mean"
        if sd is not None and (np.any(~np.isfinite(S_h)) or np.any(S_h < 0)):
            raise ValueError(f"column {sd!r} must be finite and >= 0")

    has_sd = sd is not None or p is not None
    if method in ("neyman", "power") and not has_sd:
        raise ValueError(f"method {method!r} needs sd= or p= (the stratum standard deviations)")
    if method == "proportional":
        weight = N_h.copy()
    elif method == "equal":
        weight = np.ones(H)
    elif method == "neyman":
        weight = N_h * S_h
    else:
        unit_cv = S_h / np.abs(Y_h) if (p is not None or mean is not None) else S_h
        weight = N_h**q * unit_cv
    if not np.isfinite(weight).all() or weight.sum() <= 0:
        raise ValueError("allocation weights are not finite or all zero; check sd/p/mean")

    upper = N_h if cap else np.full(H, np.inf)
    lower = np.minimum(float(min_n), upper)
    if lower.sum() > n:
        raise ValueError(f"min_n = {min_n} in {H} strata needs more than n = {n}")
    exact = _bounded_shares(weight, float(n), lower, upper)
    n_h = round_preserving_total(exact, n)

    z = z_quantile(level)
    se_h = standard_error(n_h, S_h**2, deff=deff, population=N_h, kind=kind)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv_h = se_h / np.abs(Y_h)
    W = N_h / N_h.sum()
    se = float(np.sqrt(np.sum(W**2 * se_h**2)))
    ybar = float(np.sum(W * Y_h))
    table = pd.DataFrame(
        {
            "stratum": strata[stratum].to_numpy(),
            "population": N_h,
            "sd": S_h,
            "mean": Y_h,
            "weight": weight,
            "share": weight / weight.sum(),
            "n_exact": exact,
            "n": n_h,
            "fraction": n_h / N_h,
            "se": se_h,
            "moe": z * se_h,
            "cv": cv_h,
        }
    )
    return Allocation(
        strata=table,
        method=method,
        n=n,
        se=se,
        moe=z * se,
        cv=se / abs(ybar) if np.isfinite(ybar) and ybar != 0 else np.nan,
        deff=float(deff),
        level=level,
    )
