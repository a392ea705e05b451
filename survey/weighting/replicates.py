"""Replicate weights built from a design: JK1, JKn, BRR (Hadamard), Fay and bootstrap.

Each builder returns PSU-level factors ``F`` (n_psu x R, rows in the design's PSU codes):
the weight of row ``i`` in replicate ``r`` is ``w_i * F[psu_i, r]``. The engine computes the
replicate variance from PSU-level totals multiplied by ``F`` (never re-running estimators per
replicate). :func:`as_replicate` wraps a builder into a :class:`survey.ReplicateDesign`, as
R's ``as.svrepdesign``; replicate orders follow R's, so the factors can be compared one to one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from survey.weighting._base import WeightingError

REPLICATE_METHODS = ("JK1", "JKn", "BRR", "Fay", "bootstrap")

from survey._progress import progress_iter  # noqa: E402,F401 (re-exported for callers)


# ---- ordering helpers (R works in order of first appearance) -----------------------------------
def _first_rows(codes: np.ndarray, k: int) -> np.ndarray:
    first = np.full(k, codes.shape[0], dtype=np.int64)
    np.minimum.at(first, codes, np.arange(codes.shape[0]))
    return first


def _psu_order(design) -> np.ndarray:
    """PSU codes in order of first appearance in the data (R's ``unique(psu)``)."""
    return np.argsort(_first_rows(design.psu, design.n_psu), kind="stable")


def _strata_first_order(design) -> np.ndarray:
    return np.argsort(_first_rows(design.strata, design.n_strata), kind="stable")


def _stratum_fpc(design) -> np.ndarray:
    """R's first-stage correction f_h = (N_h - n_h) / N_h per stratum (1 without FPC)."""
    return np.asarray(design.stages[0].fpc_factor, dtype=float)


# ---- jackknives ----------------------------------------------------------------------------------
def jk1_factors(design):
    """Delete-one-PSU jackknife for an unstratified design (R's ``jk1weights``).

    Replicate ``r`` drops the r-th PSU (in order of first appearance) and multiplies the others
    by ``n / (n - 1)``. Returns ``(factors, scale, rscales)`` with ``scale = f (n - 1) / n``
    (``f`` the first-stage FPC correction) and ``rscales = 1``.
    """
    if design.n_strata > 1:
        raise WeightingError("JK1 is for unstratified designs; use type='JKn' for a stratified one")
    n = design.n_psu
    if n < 2:
        raise WeightingError("JK1 needs at least 2 PSUs")
    order = _psu_order(design)
    F = np.full((n, n), n / (n - 1))
    F[order, np.arange(n)] = 0.0
    f = float(_stratum_fpc(design)[0])
    return F, f * (n - 1) / n, np.ones(n)


def jkn_factors(design, lonely_psu=None):
    """Stratified delete-one-PSU jackknife (R's ``jknweights``).

    Strata in order of first appearance, PSUs within stratum likewise; the replicate dropping
    a PSU of stratum ``h`` multiplies the other PSUs of ``h`` by ``n_h / (n_h - 1)`` and leaves
    other strata alone. ``rscales_r = f_h (n_h - 1) / n_h``, ``scale = 1``. Strata with one PSU
    follow ``lonely_psu`` (default: the design's): ``fail`` raises, ``certainty``/``remove``
    give no replicate, ``average`` also rescales the variance by (#PSU / #replicates),
    ``adjust`` gives one replicate that deletes the stratum and scales the others by
    ``H / (H - 1)``. Strata sampled completely (``f_h = 0``) get no replicate (R drops them).
    """
    policy = lonely_psu or getattr(design, "lonely_psu", "fail")
    P, H = design.n_psu, design.n_strata
    pstrat = design.psu_strata
    order = _psu_order(design)
    fpc = _stratum_fpc(design)
    cols, rscales = [], []
    scale = 1.0
    for h in _strata_first_order(design):
        members = order[pstrat[order] == h]
        nh = members.size
        if nh == 1 and fpc[h] != 0:
            if policy == "fail":
                label = _stratum_label(design, h)
                raise WeightingError(f"JKn: stratum {label} has only one PSU (lonely_psu='fail')")
            if policy == "adjust":
                col = np.where(pstrat == h, 0.0, H / (H - 1))
                cols.append(col)
                rscales.append((H - 1) / H)
            continue
        if fpc[h] == 0:
            continue
        for j in members:
            col = np.ones(P)
            col[members] = nh / (nh - 1)
            col[j] = 0.0
            cols.append(col)
            rscales.append(fpc[h] * (nh - 1) / nh)
    if not cols:
        raise WeightingError(
            "JKn: all strata were sampled exhaustively or have one PSU: no replicates"
        )
    if policy == "average" and len(cols) < P:
        scale = P / len(cols)
    return np.column_stack(cols), scale, np.asarray(rscales)


def _stratum_label(design, h) -> str:
    if design.strata_name is None:
        return str(h)
    vals = design.data[design.strata_name].to_numpy()
    return repr(vals[np.flatnonzero(design.strata == h)[0]])


# ---- Hadamard matrices and BRR ---------------------------------------------------------------------
def _primes_3mod4(limit: int = 7919) -> np.ndarray:
    sieve = np.ones(limit + 1, dtype=bool)
    sieve[:2] = False
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = False
    p = np.flatnonzero(sieve)
    return p[p % 4 == 3]


_SMALL_PRIMES = _primes_3mod4()


def _double(H: np.ndarray) -> np.ndarray:
    return np.block([[H, H], [H, 1 - H]])


def _sylvester(size: int) -> np.ndarray:
    H = np.array([[1, 1], [1, 0]])
    while H.shape[0] < size:
        H = _double(H)
    return H


def _paley_prime(p: int) -> np.ndarray:
    """Paley construction of order p + 1 in R's 0/1 coding (p prime, p = 3 mod 4)."""
    i = np.arange(p)
    m = np.add.outer(i, i) % p
    residues = np.unique(np.r_[0, 1, (np.arange(2, (p - 1) // 2 + 1) ** 2) % p])
    m = np.where(np.isin(m, residues), 0, 1)
    top = np.ones((1, p), dtype=int)
    return np.column_stack([np.ones(p + 1, dtype=int), np.vstack([top, m])])


def _paley(n: int, nmax: int | None = None):
    """R's ``paley(n, nmax)`` search (Paley matrices, doubled when that fits better)."""
    nmax = 2 * n if nmax is None else nmax
    nceil = nn = n + 4 - (n % 4)
    if (n % 4) + 4 == (n % 8):
        while nn % 8 == 0:
            nn //= 2
        if (nn - 1) in _SMALL_PRIMES:
            m = _paley_prime(nn - 1)
            while nn < nceil:
                m = _double(m)
                nn *= 2
            return m
    if n > _SMALL_PRIMES.max():
        return None
    p = int(_SMALL_PRIMES[_SMALL_PRIMES >= n].min())
    if p + 1 > nceil + 4 and nceil + 4 < nmax:
        return _paley(nceil + 3)
    if p > nmax:
        return None
    return _paley_prime(p)


def hadamard(n: int) -> np.ndarray:
    """A 0/1 Hadamard matrix with at least ``n + 1`` rows, as R's ``survey::hadamard(n)``.

    R picks among stored matrices of orders 4, 16, 28 and 36 (and their doublings) and Paley
    constructions. Orders 4 and 16 are Sylvester matrices and are rebuilt here; R's stored
    orders 28 and 36 are not reproduced: where R would use them (n = 24..27, 32..35 and their
    doublings) a Sylvester or Paley matrix of the next suitable order is used instead, so
    the number and order of BRR replicates can differ from R there (pass R's matrix through
    ``hadamard_matrix=`` to reproduce R exactly).
    """
    sizes = np.array([4, 16, 28, 36])
    stored = {4: True, 16: True, 28: False, 36: False}
    m = n - (n % 4)
    pre = np.flatnonzero((m < sizes) & (m + 4 >= sizes))
    if pre.size and stored[int(sizes[pre.min()])]:
        return _sylvester(int(sizes[pre.min()]))
    if not pre.size:
        scaled = sizes * 2 ** np.maximum(0, np.ceil(np.log2((n + 1) / sizes))).astype(int)
        best = int(np.argmin(scaled - n))
        H = None
        if scaled[best] - n > 4:
            H = _paley(n, int(scaled[best]))
        if H is None and stored[int(sizes[best])]:
            return _sylvester(int(scaled[best]))
        if H is not None:
            return H
    # fallback for R's stored 28/36 matrices: the smallest Paley or Sylvester of order > n
    candidates = []
    for p in _SMALL_PRIMES[_SMALL_PRIMES >= n]:
        if (p + 1) % 4 == 0:
            candidates.append((int(p) + 1, "paley", int(p)))
            break
    syl = 1 << int(np.ceil(np.log2(n + 1)))
    candidates.append((max(syl, 2), "sylvester", None))
    size, kind, p = min(candidates)
    return _paley_prime(p) if kind == "paley" else _sylvester(size)


def is_hadamard(H: np.ndarray) -> bool:
    """Rows of the +-1 version are mutually orthogonal."""
    S = 2 * np.asarray(H, dtype=float) - 1
    return bool(np.allclose(S @ S.T, S.shape[1] * np.eye(S.shape[0])))


def brr_factors(design, rho: float = 0.0, hadamard_matrix=None):
    """Balanced repeated replication (R's ``brrweights``) with Fay's ``rho``.

    Needs exactly two PSUs in each stratum. Strata are ordered as R does (sorted by their
    label as text), the two PSUs of a stratum by first appearance. With the 0/1 Hadamard matrix
    ``H`` (:func:`hadamard` of the number of strata), in replicate ``r`` the first PSU of the
    k-th stratum gets factor ``2 - rho`` if ``H[k, r] == 1`` (else ``rho``) and the second
    PSU the other one. Returns ``(factors, scale, rscales)`` with
    ``scale = 1 / (R (1 - rho)^2)``.
    """
    if not 0 <= rho < 1:
        raise WeightingError(f"BRR/Fay: rho={rho} must be in [0, 1)")
    pstrat = design.psu_strata
    sizes = np.bincount(pstrat, minlength=design.n_strata)
    if (sizes != 2).any():
        bad = [_stratum_label(design, h) for h in np.flatnonzero(sizes != 2)[:5]]
        raise WeightingError(
            f"BRR needs exactly 2 PSUs per stratum; strata {', '.join(bad)} have "
            f"{sorted(set(sizes[sizes != 2].tolist()))} (collapse or split them, or use JKn/bootstrap)"
        )
    if design.strata_name is not None:
        labels = design.data[design.strata_name].astype(str).to_numpy()
        first = _first_rows(design.strata, design.n_strata)
        text = labels[first]
    else:
        text = np.array(["1"] * design.n_strata)
    rank = np.empty(design.n_strata, dtype=int)
    rank[np.argsort(text, kind="stable")] = np.arange(design.n_strata)
    order = _psu_order(design)
    pos = np.empty(design.n_psu, dtype=int)  # 0 = first PSU of its stratum, 1 = second
    seen = np.zeros(design.n_strata, dtype=int)
    for j in order:  # loop over PSUs (not rows)
        pos[j] = seen[pstrat[j]]
        seen[pstrat[j]] += 1
    H = (
        hadamard(design.n_strata)
        if hadamard_matrix is None
        else _check_hadamard(hadamard_matrix, design.n_strata)
    )
    hrow = H[1 + rank[pstrat], :]  # (P x R)
    first_selected = hrow == 1
    selected = np.where(pos[:, None] == 0, first_selected, ~first_selected)
    F = np.where(selected, 2 - rho, rho).astype(float)
    if getattr(design, "_fpc_given", False):
        warnings.warn("BRR/Fay: finite population correction dropped (as R)", stacklevel=2)
    R = H.shape[1]
    return F, 1.0 / (R * (1 - rho) ** 2), np.ones(R)


def _check_hadamard(H, n_strata):
    H = np.asarray(H)
    vals = np.unique(H)
    if H.ndim != 2 or H.shape[0] < n_strata + 1 or vals.size != 2:
        raise WeightingError(
            "hadamard_matrix must be a 2-valued matrix with at least n_strata + 1 rows"
        )
    # R (brrweights): the matrix's FIRST value, in column order, becomes 0 whatever the coding
    # (a 0/1 matrix starting with 1, as R's own hadamard(6) or paley(11), is complemented);
    # tests/golden/brr_hadamard.R
    first = H.flatten(order="F")[0]
    H01 = np.where(H == first, 0, 1)
    if not is_hadamard(H01):
        raise WeightingError("hadamard_matrix is not a Hadamard matrix")
    return H01


# ---- bootstrap ---------------------------------------------------------------------------------
def bootstrap_factors(design, replicates: int = 200, method: str = "rao-wu", random_state=None):
    """Bootstrap replicate factors, stratum by stratum.

    ``method="rao-wu"`` (default): Rao-Wu rescaling bootstrap with ``m_h = n_h - 1`` draws
    with replacement among the ``n_h`` PSUs of each stratum, factor
    ``count * n_h / (n_h - 1)``, ``scale = 1 / (R - 1)`` (R's ``subbootstrap``); its variance of
    a linear statistic has the expectation of the with-replacement linearised variance.
    ``method="canty-davison"``: ``n_h`` draws, factor ``count``, ``scale = nbar / ((nbar - 1)
    (R - 1))`` with ``nbar`` the harmonic mean of ``n_h`` (R's ``bootstrap``). Strata with one
    PSU raise (``n_h - 1 = 0`` draws). FPC is not used. Returns ``(factors, scale, rscales)``.
    """
    if method not in ("rao-wu", "canty-davison"):
        raise WeightingError(f"bootstrap: method={method!r} must be 'rao-wu' or 'canty-davison'")
    if not (isinstance(replicates, int) and replicates >= 2):
        raise WeightingError("bootstrap: replicates must be an integer >= 2")
    rng = np.random.default_rng(random_state)
    pstrat = design.psu_strata
    sizes = np.bincount(pstrat, minlength=design.n_strata)
    if (sizes < 2).any():
        raise WeightingError(
            f"bootstrap: strata {', '.join(_stratum_label(design, h) for h in np.flatnonzero(sizes < 2)[:5])} "
            "have one PSU; collapse them first"
        )
    F = np.empty((design.n_psu, replicates))
    order = np.argsort(pstrat, kind="stable")
    start = np.r_[0, np.cumsum(sizes)]
    for h in range(design.n_strata):  # loop over strata, vectorised over PSUs and replicates
        members = order[start[h] : start[h + 1]]
        nh = members.size
        draws = nh - 1 if method == "rao-wu" else nh
        counts = rng.multinomial(draws, np.full(nh, 1.0 / nh), size=replicates).T
        F[members] = counts * (nh / (nh - 1)) if method == "rao-wu" else counts
    if method == "rao-wu":
        scale = 1.0 / (replicates - 1)
    else:
        nbar = 1.0 / np.mean(1.0 / sizes)
        scale = nbar / ((nbar - 1) * (replicates - 1))
    return F, scale, np.ones(replicates)


# ---- public entry point ----------------------------------------------------------------------------
def as_replicate(
    design,
    type: str = "auto",
    *,
    rho: float = 0.5,
    replicates: int = 200,
    method: str = "rao-wu",
    mse: bool = False,
    random_state=None,
    hadamard_matrix=None,
):
    """Turn a Taylor :class:`survey.Design` into a :class:`survey.ReplicateDesign` (R's
    ``as.svrepdesign``).

    Parameters
    ----------
    type : {"auto", "JK1", "JKn", "BRR", "Fay", "bootstrap"}
        ``auto``: JK1 without strata, JKn with.
    rho : float
        Fay's coefficient (``type="Fay"``; R's ``fay.rho``).
    replicates, method, random_state : bootstrap settings (see :func:`bootstrap_factors`).
    mse : bool
        Centre the replicate variance at the full-sample estimate.
    hadamard_matrix : array, optional
        Hadamard matrix for BRR/Fay (R's ``hadamard.matrix``).

    Notes
    -----
    Replicates are built from the first-stage strata and PSUs (ultimate clusters); the
    replicate factors multiply the design's current weights. A calibrated design's calibration
    is not repeated in the replicates: build the replicate design first, then apply
    ``PostStratify``/``Rake``/``Calibrate`` to it (they re-calibrate every replicate, as R).
    """
    from survey.design import ReplicateDesign

    if type == "auto":
        type = "JK1" if design.n_strata == 1 else "JKn"
    if type not in REPLICATE_METHODS:
        raise WeightingError(
            f"type={type!r} must be one of {', '.join(('auto',) + REPLICATE_METHODS)}"
        )
    if getattr(design, "calibration", ()):
        warnings.warn(
            "as_replicate: the design's calibration is not repeated in the replicates; "
            "calibrate the replicate design instead",
            stacklevel=2,
        )
    kwargs = {}
    if type == "JK1":
        F, scale, rscales = jk1_factors(design)
    elif type == "JKn":
        F, scale, rscales = jkn_factors(design)
    elif type in ("BRR", "Fay"):
        r = 0.0 if type == "BRR" else rho
        F, scale, rscales = brr_factors(design, r, hadamard_matrix)
        if type == "Fay":
            kwargs["rho"] = r
    else:
        F, scale, rscales = bootstrap_factors(design, replicates, method, random_state)
    return ReplicateDesign.from_factors(
        design, F, type=type, scale=scale, rscales=rscales, mse=mse, **kwargs
    )


def replicate_factors_frame(design, factors: np.ndarray) -> pd.DataFrame:
    """Row-level replicate factors as a DataFrame (for export beside the data)."""
    return pd.DataFrame(
        factors[design.psu], columns=[f"rep{r + 1}" for r in range(factors.shape[1])]
    )
