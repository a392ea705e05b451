"""Sample selection from a frame: PPS selection of primary sampling units (PSUs) within
strata and SRS or systematic selection of households within selected PSUs.

Both functions return the selected rows with their inclusion probabilities; the
weighting module turns them into base weights ``1 / (p_1 p_2)``.

First stage (:func:`select_pps`): in stratum ``h`` with ``n_h`` PSUs to select and size
measures ``x_i`` (e.g. household counts from the census), the inclusion probability is

.. math:: \\pi_i = n_h x_i / X_h,\\qquad X_h = \\sum_{i \\in h} x_i.

Units with ``n_h x_i / X_h >= 1`` are *certainty units*: selected with ``pi_i = 1``,
removed, and the probabilities of the rest recomputed with ``n_h`` reduced by the number
of certainty units, repeatedly until none is left (Cochran 1977, section 9A.5; Sarndal,
Swensson & Wretman 1992, section 3.6). The remaining units are selected by systematic PPS
sampling: cumulate ``pi_i`` in frame order (sort the frame first to obtain implicit
stratification), draw one random start ``u ~ U(0, 1)`` per stratum and select the units
whose cumulated interval ``(Pi_{i-1}, Pi_i]`` contains one of ``u, u + 1, ..., u + n_h - 1``
(Madow 1949). Every unit is selected with probability exactly ``pi_i`` and each stratum
yields exactly ``n_h`` units. ``method="random-systematic"`` first puts the frame in a
random order (Goodman & Kish 1950; Hartley & Rao 1962), which makes all joint inclusion
probabilities positive.

Second stage (:func:`select_within`): ``k_j`` households from the ``M_j`` listed in PSU
``j``, by simple random sampling without replacement or by systematic sampling with a
fractional interval ``M_j / k_j``; either way ``p_{2,i} = k_j / M_j`` (all households when
``M_j <= k_j``).

References
----------
Cochran, W. G. (1977). *Sampling Techniques*, 3rd ed. Wiley, chapters 8 and 9A.
Goodman, R. & Kish, L. (1950). Controlled selection. *JASA* 45, 350-372.
Hartley, H. O. & Rao, J. N. K. (1962). Sampling with unequal probabilities and without
replacement. *Annals of Mathematical Statistics* 33, 350-374.
Madow, W. G. (1949). On the theory of systematic sampling, II. *Annals of Mathematical
Statistics* 20, 333-354.
Sarndal, C.-E., Swensson, B. & Wretman, J. (1992). *Model Assisted Survey Sampling*.
Springer.
United Nations (2005). *Designing Household Survey Samples: Practical Guidelines*,
chapter 5.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["inclusion_probabilities", "select_pps", "select_within"]

PPS_METHODS = ("systematic", "random-systematic")
WITHIN_METHODS = ("srs", "systematic")


def _codes(frame: pd.DataFrame, strata: str | None) -> tuple[np.ndarray, pd.Index]:
    """Integer stratum codes (0..H-1) and the stratum labels (one stratum if None)."""
    if strata is None:
        return np.zeros(len(frame), dtype=np.int64), pd.Index([None])
    if strata not in frame.columns:
        raise KeyError(f"strata column {strata!r} not found in the frame")
    col = frame[strata]
    if col.isna().any():
        rows = np.flatnonzero(col.isna().to_numpy())[:10].tolist()
        raise ValueError(f"strata column {strata!r} is missing in rows {rows}")
    codes, labels = pd.factorize(col, sort=True)
    return codes.astype(np.int64), pd.Index(labels)


def _n_per_stratum(n, labels: pd.Index, strata: str | None) -> np.ndarray:
    """n_h as an array aligned with ``labels``."""
    if isinstance(n, pd.Series):
        n = n.to_dict()
    if isinstance(n, Mapping):
        if strata is None:
            raise ValueError("a per-stratum n needs strata=")
        missing = [lab for lab in labels if lab not in n]
        if missing:
            raise ValueError(f"no sample size given for strata {missing}")
        out = np.array([n[lab] for lab in labels], dtype=float)
    else:
        out = np.full(len(labels), float(n))
    if np.any(~np.isfinite(out)) or np.any(out < 0) or np.any(out != np.round(out)):
        raise ValueError(f"sample sizes must be non-negative integers; got {out.tolist()}")
    return out.astype(np.int64)


def inclusion_probabilities(size, codes, n_h) -> tuple[np.ndarray, np.ndarray]:
    """PPS inclusion probabilities with certainty units, vectorised over strata.

    Parameters
    ----------
    size : array (N,)
        Size measures, >= 0.
    codes : array (N,)
        Stratum codes 0..H-1.
    n_h : array (H,)
        Units to select per stratum.

    Returns
    -------
    prob : array (N,)
        ``pi_i = min(1, n'_h x_i / X'_h)`` after the certainty-unit iteration.
    certainty : array (N,) of bool
        Units taken with certainty.
    """
    size = np.asarray(size, dtype=float)
    H = n_h.size
    n_units = np.bincount(codes, weights=(size > 0).astype(float), minlength=H)
    if np.any(n_h > n_units):
        bad = np.flatnonzero(n_h > n_units).tolist()
        raise ValueError(f"strata {bad} have fewer units with size > 0 than the n requested")
    certainty = np.zeros(size.size, dtype=bool)
    while True:
        free = ~certainty
        n_cert = np.bincount(codes, weights=certainty.astype(float), minlength=H)
        n_left = n_h - n_cert
        X_left = np.bincount(codes, weights=np.where(free, size, 0.0), minlength=H)
        with np.errstate(divide="ignore", invalid="ignore"):
            pi = np.where(free, n_left[codes] * size / X_left[codes], 1.0)
        pi = np.nan_to_num(pi, nan=0.0)
        new = free & (pi >= 1.0 - 1e-12) & (n_left[codes] > 0)
        if not new.any():
            return np.where(certainty, 1.0, pi), certainty
        certainty |= new


def _systematic_hits(prob, codes, starts, perm=None) -> np.ndarray:
    """Systematic selection on cumulated probabilities, vectorised over replicates.

    ``starts`` is (R, H): one random start in [0, 1) per replicate and stratum. ``perm``
    (R, N), optional, is the order in which units are cumulated in each replicate (it must
    keep the units of a stratum together); by default frame order within stratum. Returns
    a boolean (R, N) selection matrix; unit i is selected in replicate r when one of the
    points ``start + k`` falls in its cumulated interval ``(Pi_{i-1}, Pi_i]``.
    """
    R = starts.shape[0]
    N = prob.size
    if perm is None:
        perm = np.broadcast_to(np.argsort(codes, kind="stable"), (R, N))
    p_sorted = prob[perm]
    c_sorted = codes[perm]
    cum = np.cumsum(p_sorted, axis=1)
    first = np.ones((R, N), dtype=bool)
    first[:, 1:] = c_sorted[:, 1:] != c_sorted[:, :-1]
    offset = np.maximum.accumulate(np.where(first, cum - p_sorted, 0.0), axis=1)
    upper = cum - offset
    lower = upper - p_sorted
    u = np.take_along_axis(starts, c_sorted, axis=1)
    hits = np.floor(upper - u + 1e-12) - np.floor(lower - u + 1e-12)
    out = np.empty((R, N), dtype=bool)
    np.put_along_axis(out, perm, hits > 0.5, axis=1)
    return out


def _pps_matrix(frame, size, n, strata, method, rng, reps):
    """Selection matrix (reps x N), probabilities and certainty flags (shared code path)."""
    if method not in PPS_METHODS:
        raise ValueError(f"method must be one of {PPS_METHODS}; got {method!r}")
    if size not in frame.columns:
        raise KeyError(f"size column {size!r} not found in the frame")
    x = pd.to_numeric(frame[size], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(x) | (x < 0)
    if bad.any():
        rows = np.flatnonzero(bad)[:10].tolist()
        raise ValueError(f"size column {size!r} must be finite and >= 0; bad rows {rows}")
    codes, labels = _codes(frame, strata)
    n_h = _n_per_stratum(n, labels, strata)
    prob, certainty = inclusion_probabilities(x, codes, n_h)
    H = labels.size
    perm = None
    if method == "random-systematic":
        # an independent random order per replicate: random keys sorted within stratum
        keys = rng.random((reps, x.size))
        perm = np.lexsort((keys, np.broadcast_to(codes, keys.shape)), axis=-1)
    sel = _systematic_hits(prob, codes, rng.random((reps, H)), perm)
    return sel, prob, certainty, n_h, labels


def select_pps(
    frame: pd.DataFrame,
    *,
    size: str,
    n,
    strata: str | None = None,
    method: str = "systematic",
    seed=None,
) -> pd.DataFrame:
    """Select PSUs with probability proportional to size, stratum by stratum.

    Parameters
    ----------
    frame : pandas.DataFrame
        The PSU frame, one row per PSU, in the order to use for systematic selection
        (sort it by geography for implicit stratification).
    size : str
        Column with the measure of size ``x_i`` (>= 0; units of size 0 are never
        selected).
    n : int or mapping
        PSUs to select: an int (per stratum when ``strata`` is given, the same in every
        stratum) or a mapping / Series ``{stratum: n_h}``.
    strata : str, optional
        Stratum column.
    method : {"systematic", "random-systematic"}, default "systematic"
        Systematic PPS in frame order, or in a random order within each stratum.
    seed : int or numpy.random.Generator, optional
        Random start(s); the same seed gives the same sample.

    Returns
    -------
    pandas.DataFrame
        The selected rows (frame order, original index kept) with the added columns
        ``prob`` (first-stage inclusion probability ``pi_i``), ``certainty`` (bool) and
        ``n_stratum`` (``n_h``). Within each stratum ``prob`` sums to ``n_h`` over the
        whole frame.

    Examples
    --------
    >>> frame = pd.DataFrame({"psu": range(6), "hh": [10, 20, 30, 40, 200, 100]})
    >>> select_pps(frame, size="hh", n=3, seed=1)[["psu", "prob", "certainty"]]
       psu  prob  certainty
    2    2   0.3      False
    4    4   1.0       True
    5    5   1.0       True
    """
    rng = np.random.default_rng(seed)
    sel, prob, certainty, n_h, _ = _pps_matrix(frame, size, n, strata, method, rng, 1)
    codes, _ = _codes(frame, strata)
    out = frame.loc[sel[0]].copy()
    out["prob"] = prob[sel[0]]
    out["certainty"] = certainty[sel[0]]
    out["n_stratum"] = n_h[codes[sel[0]]]
    return out


def select_within(
    frame: pd.DataFrame,
    *,
    psu: str,
    n_per_psu,
    method: str = "srs",
    seed=None,
    prob_psu: str | None = None,
) -> pd.DataFrame:
    """Select households within each PSU by SRS or systematic sampling.

    Parameters
    ----------
    frame : pandas.DataFrame
        Listing of households (one row each) of the selected PSUs, in listing order.
    psu : str
        PSU identifier column.
    n_per_psu : int, mapping or str
        Households to select per PSU: an int, a mapping ``{psu: k_j}``, or the name of a
        column holding ``k_j`` (constant within PSU).
    method : {"srs", "systematic"}, default "srs"
        Simple random sampling without replacement, or systematic sampling in listing
        order with interval ``M_j / k_j`` and a random start.
    seed : int or numpy.random.Generator, optional
    prob_psu : str, optional
        Column with the first-stage probability (the ``prob`` of :func:`select_pps`
        merged onto the listing); adds ``prob_total = prob_psu * prob_within``.

    Returns
    -------
    pandas.DataFrame
        The selected households with ``prob_within`` (``min(k_j, M_j) / M_j``),
        ``n_listed`` (``M_j``), ``n_selected`` (``min(k_j, M_j)``), and ``prob_total``
        when ``prob_psu`` is given. The base weight is ``1 / prob_total``.
    """
    rng = np.random.default_rng(seed)
    sel, p2, M, k = _within_matrix(frame, psu, n_per_psu, method, rng, 1, prob_psu)
    out = frame.loc[sel[0]].copy()
    out["prob_within"] = p2[sel[0]]
    out["n_listed"] = M[sel[0]].astype(np.int64)
    out["n_selected"] = k[sel[0]].astype(np.int64)
    if prob_psu is not None:
        out["prob_total"] = out[prob_psu].to_numpy(dtype=float) * out["prob_within"].to_numpy()
    return out


def _within_matrix(frame, psu, n_per_psu, method, rng, reps, prob_psu=None):
    """Selection matrix (reps x N) and per-row p2, M_j, k_j (shared code path)."""
    if method not in WITHIN_METHODS:
        raise ValueError(f"method must be one of {WITHIN_METHODS}; got {method!r}")
    if psu not in frame.columns:
        raise KeyError(f"psu column {psu!r} not found in the frame")
    if prob_psu is not None and prob_psu not in frame.columns:
        raise KeyError(f"prob_psu column {prob_psu!r} not found in the frame")
    codes, labels = _codes(frame, psu)
    J = labels.size
    M = np.bincount(codes, minlength=J).astype(float)
    if isinstance(n_per_psu, str):
        if n_per_psu not in frame.columns:
            raise KeyError(f"n_per_psu column {n_per_psu!r} not found in the frame")
        kcol = frame[n_per_psu].to_numpy(dtype=float)
        k_j = np.full(J, np.nan)
        k_j[codes] = kcol
        if not np.array_equal(kcol, k_j[codes]):
            raise ValueError(f"column {n_per_psu!r} must be constant within each PSU")
        k_j = k_j.astype(np.int64)
    else:
        k_j = _n_per_stratum(n_per_psu, labels, psu)
    if np.any(k_j < 0):
        raise ValueError("n_per_psu must be >= 0")
    k_eff = np.minimum(k_j, M)
    p2_j = np.where(M > 0, k_eff / M, 0.0)
    p2 = p2_j[codes]
    N = codes.size
    if method == "srs":
        # rank random keys within PSU; the k_j smallest are selected
        keys = rng.random((reps, N))
        order = np.lexsort((keys, np.broadcast_to(codes, (reps, N))), axis=-1)
        pos = np.empty((reps, N), dtype=np.int64)
        start = np.r_[0, np.cumsum(M)[:-1]].astype(np.int64)
        sorted_codes = np.sort(codes, kind="stable")
        rank_sorted = np.arange(N) - start[sorted_codes]
        np.put_along_axis(pos, order, np.broadcast_to(rank_sorted, (reps, N)), axis=-1)
        sel = pos < k_eff[codes][None, :]
    else:
        sel = _systematic_hits(p2, codes, rng.random((reps, J)))
    return sel, p2, M[codes], k_eff[codes]
