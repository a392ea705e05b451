"""Estimates from INDEPENDENT samples stacked into one object (block-diagonal covariance).

Two or more samples drawn independently of each other (fresh cross-sections of two survey
waves, two areas or countries), each analysed under its own design, give independent
estimate vectors ``theta_1, ..., theta_B``. Stacked, ``theta = (theta_1, ..., theta_B)`` has
the block-diagonal covariance ``V = diag(V_1, ..., V_B)``; each block ``V_b`` is computed by
the engine under its own design (linearisation or replicates) and nothing else is assumed.

:func:`stack_independent` returns an :class:`IndependentEstimates` with the verbs of an
:class:`~survey.engine.core.EstimateSet`:

- ``.contrast(L)``: ``L theta``; ``Var = sum_b L_b V_b L_b'`` (``L_b`` the columns of ``L``
  for block ``b``), each term the engine variance of the block contrast ``L_b theta_b``;
- ``.transform(func, jacobian)``: ``func(theta)`` by the delta method, ``J = jacobian(theta)``
  and ``Var = sum_b J_b V_b J_b'``. Replicate blocks are linearised through ``J`` too (their
  replicates cannot be paired across independent designs); for a linear ``func`` this equals
  applying it to the replicates.

Blocks are :class:`~survey.engine.core.EstimateSet` objects (the influence totals or replicates
are kept: any combination works) or :class:`KnownVariance` (estimates with engine variances but
no covariances, e.g. a published result frame or Woodruff quantiles): a combination may then use
at most one estimate of that block, so that no unknown covariance is needed.

Degrees of freedom (:meth:`IndependentEstimates.degrees_of_freedom`): each block's df for a
combination is the smallest df of that block's estimates it uses (as one design's
``contrast``). Rules: ``"sum"`` adds the df of the blocks used: this is R's ``degf`` of the
samples stacked as ONE design with each sample's strata and PSUs kept apart (e.g. with
:func:`survey.compare.combine_waves`), the default; ``"min"`` the smallest block df
(conservative); ``"satterthwaite"`` Welch-Satterthwaite from each block's variance
contribution, ``(sum_b v_b)^2 / sum_b (v_b^2 / df_b)``; ``"inf"`` normal; or a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from survey.engine.core import EstimateSet

DF_RULES = ("sum", "min", "satterthwaite", "inf")


@dataclass
class KnownVariance:
    """Estimates whose variances the engine already produced, without their covariances.

    ``theta``, ``variance`` and ``df`` are (K,). Used for result frames (``estimate``,
    ``se``, ``df`` columns) and for statistics that do not keep influence totals (quantiles'
    Woodruff standard errors). A combination may use at most one of these estimates.
    """

    theta: np.ndarray
    variance: np.ndarray
    df: np.ndarray
    labels: pd.DataFrame | None = None

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> KnownVariance:
        """From a result frame: ``estimate``, ``se`` (variance ``se**2``) and ``df``."""
        missing = [c for c in ("estimate", "se", "df") if c not in frame.columns]
        if missing:
            raise KeyError(f"the result frame lacks columns {missing}")
        se = frame["se"].to_numpy(dtype=float)
        return cls(
            theta=frame["estimate"].to_numpy(dtype=float),
            variance=se**2,
            df=frame["df"].to_numpy(dtype=float),
            labels=frame.drop(columns=["estimate", "se", "df"], errors="ignore"),
        )

    def __len__(self) -> int:
        return self.theta.size


def _csr(L) -> sp.csr_matrix:
    out = sp.csr_matrix(L, dtype=float)
    out.eliminate_zeros()
    return out


def _pattern(L) -> sp.csr_matrix:
    """0/1 pattern of the non-zero entries of ``L`` (dense, sparse or boolean)."""
    P = sp.csr_matrix(np.asarray(L) != 0 if not sp.issparse(L) else L, dtype=float, copy=True)
    P.eliminate_zeros()
    P.data[:] = 1.0
    P.sort_indices()
    return P


def _block_variance(block, A: sp.csr_matrix) -> np.ndarray:
    """Variance of each row of ``A @ theta_b`` under block ``b`` (0 for rows not using it)."""
    rows = np.flatnonzero(A.getnnz(axis=1))
    out = np.zeros(A.shape[0])
    if rows.size == 0:
        return out
    if isinstance(block, KnownVariance):
        if (A.getnnz(axis=1) > 1).any():
            raise ValueError(
                "a combination uses two estimates of a block with unknown covariances "
                "(a result frame or quantiles); pass EstimateSets to combine them"
            )
        # only the stored (used) entries enter: undefined variances elsewhere do not matter
        return np.asarray(A.multiply(A) @ block.variance).ravel()
    cols = np.flatnonzero(A.getnnz(axis=0))
    sub = A[rows][:, cols].toarray()
    out[rows] = _columns(block, cols).contrast(sub).variance()
    return out


def _columns(est: EstimateSet, cols: np.ndarray) -> EstimateSet:
    """The estimates ``cols`` of an EstimateSet (so that estimates a combination does not use,
    e.g. undefined replicate estimates of other domains, cannot turn its variance into NaN)."""
    if cols.size == est.theta.size:
        return est
    take = lambda a: None if a is None else a[cols]  # noqa: E731
    return replace(
        est,
        labels=est.labels.iloc[cols].reset_index(drop=True),
        theta=est.theta[cols],
        Z=None if est.Z is None else est.Z[:, cols],
        reps=None if est.reps is None else est.reps[:, cols],
        n=take(est.n),
        n_weighted=take(est.n_weighted),
        vsrs=take(est.vsrs),
        df_domain=take(est.df_domain),
        nrow_domain=take(est.nrow_domain),
        strata_presence=None if est.strata_presence is None else est.strata_presence[:, cols],
    )


@dataclass
class IndependentEstimates:
    """Estimates from independent samples with a block-diagonal covariance.

    ``theta`` (m,) are combinations of the stacked block estimates, ``maps[b]`` (m x K_b,
    sparse) the (linearised) coefficients of block ``b``'s estimates in each, ``block_df[b]``
    (K_b,) the df of block ``b``'s estimates, ``uses[b]`` (m x K_b, sparse 0/1) which of them
    each combination depends on (kept apart from ``maps`` so that a zero derivative, e.g. of
    ``theta2 / theta1`` at ``theta2 = 0``, does not drop a block from the df). Variances are
    computed on demand by each block's engine.
    """

    blocks: list
    maps: list[sp.csr_matrix]
    theta: np.ndarray
    block_df: list[np.ndarray]
    uses: list[sp.csr_matrix] | None = None
    labels: pd.DataFrame | None = None
    statistic: str = "stacked"
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return self.theta.size

    @property
    def offsets(self) -> np.ndarray:
        """Start of each block in the stacked vector (valid before any combination)."""
        return np.cumsum([0, *[m.shape[1] for m in self.maps]])[:-1]

    # -- combinations -------------------------------------------------------------------
    def contrast(
        self, L, labels: pd.DataFrame | None = None, statistic: str = "contrast", uses=None
    ):
        """Linear combinations ``L @ theta`` (L: m' x m, dense or sparse)."""
        L = _csr(L if sp.issparse(L) else np.atleast_2d(np.asarray(L, dtype=float)))
        return self._combine(np.asarray(L @ self.theta).ravel(), L, labels, statistic, uses)

    def transform(self, func, jacobian, labels=None, statistic: str = "transform", uses=None):
        """Smooth functions ``func(theta)`` by the delta method (``jacobian(theta)``: m' x m,
        dense or sparse). ``uses`` (m' x m, optional): which estimates each function depends
        on, when a derivative may be 0 (default: the non-zero derivatives)."""
        theta = np.asarray(func(self.theta), dtype=float)
        J = jacobian(self.theta)
        J = _csr(J if sp.issparse(J) else np.atleast_2d(np.asarray(J, dtype=float)))
        return self._combine(theta, J, labels, statistic, uses)

    def _combine(self, theta, L, labels, statistic, uses=None):
        if L.shape[1] != self.theta.size:
            raise ValueError(f"L has {L.shape[1]} columns; there are {self.theta.size} estimates")
        P = _pattern(L if uses is None else uses)
        old = self.uses if self.uses is not None else [_pattern(M) for M in self.maps]
        return IndependentEstimates(
            blocks=self.blocks,
            maps=[_csr(L @ M) for M in self.maps],
            theta=np.atleast_1d(theta),
            block_df=self.block_df,
            uses=[_pattern(P @ U) for U in old],
            labels=None if labels is None else labels.reset_index(drop=True),
            statistic=statistic,
        )

    # -- variance -----------------------------------------------------------------------
    def block_variances(self) -> np.ndarray:
        """(m x B): each block's contribution ``L_b V_b L_b'`` to each variance."""
        return np.column_stack(
            [_block_variance(b, M) for b, M in zip(self.blocks, self.maps, strict=True)]
        )

    def variance(self) -> np.ndarray:
        """Variances of the m estimates: the sum of the blocks' contributions."""
        return self.block_variances().sum(axis=1)

    def vcov(self) -> np.ndarray:
        """Full m x m covariance ``sum_b L_b V_b L_b'`` (EstimateSet blocks only)."""
        out = np.zeros((self.theta.size, self.theta.size))
        for block, M in zip(self.blocks, self.maps, strict=True):
            if M.nnz == 0:
                continue
            if isinstance(block, KnownVariance):
                raise ValueError("vcov needs the covariances: a KnownVariance block has none")
            cols = np.flatnonzero(M.getnnz(axis=0))
            out += _columns(block, cols).contrast(M[:, cols].toarray()).vcov()
        return out

    # -- degrees of freedom -------------------------------------------------------------
    def block_degrees_of_freedom(self) -> np.ndarray:
        """(m x B): smallest df of each block's estimates used by a combination; NaN if the
        combination does not use the block."""
        cols = []
        uses = self.uses if self.uses is not None else [_pattern(M) for M in self.maps]
        for M, df in zip(uses, self.block_df, strict=True):
            d = np.full(M.shape[0], np.nan)
            nnz = np.diff(M.indptr)
            rows = np.flatnonzero(nnz)
            if rows.size:
                d[rows] = np.minimum.reduceat(df[M.indices], M.indptr[rows])
            cols.append(d)
        return np.column_stack(cols)

    def degrees_of_freedom(self, rule="sum") -> np.ndarray:
        """Per combination: ``"sum"`` (default), ``"min"``, ``"satterthwaite"``, ``"inf"`` or a
        number (see the module docstring)."""
        m = self.theta.size
        if isinstance(rule, int | float) and not isinstance(rule, bool):
            return np.full(m, float(rule))
        if rule in ("inf", None):
            return np.full(m, np.inf)
        d = self.block_degrees_of_freedom()
        used = ~np.isnan(d)
        if rule == "sum":
            return np.where(used, d, 0.0).sum(axis=1)
        if rule == "min":
            return np.where(used, d, np.inf).min(axis=1)
        if rule == "satterthwaite":
            v = self.block_variances()
            with np.errstate(divide="ignore", invalid="ignore"):
                den = np.where(used, v**2 / d, 0.0).sum(axis=1)
                return v.sum(axis=1) ** 2 / den
        raise ValueError(f"df={rule!r}: use 'sum', 'min', 'satterthwaite', 'inf' or a number")


def stack_independent(*blocks, df="design") -> IndependentEstimates:
    """Stack estimates from independent samples: ``theta = (theta_1, ..., theta_B)``.

    Parameters
    ----------
    *blocks : EstimateSet or KnownVariance
        One per independent sample, each from its own design (they must not share sampling
        units: the covariance between blocks is taken as zero).
    df : {"design", "domain"} or float
        The df of each EstimateSet's estimates (:meth:`EstimateSet.degrees_of_freedom`);
        a :class:`KnownVariance` block brings its own ``df``.

    Returns
    -------
    IndependentEstimates
        Whose ``.contrast`` / ``.transform`` combine estimates across the samples.
    """
    if len(blocks) < 2:
        raise ValueError("stack_independent needs at least two blocks")
    sizes = [len(b) for b in blocks]
    K = sum(sizes)
    maps, dfs, thetas = [], [], []
    start = 0
    for b, k in zip(blocks, sizes, strict=True):
        if not isinstance(b, EstimateSet | KnownVariance):
            raise TypeError(f"blocks must be EstimateSet or KnownVariance, got {type(b).__name__}")
        maps.append(sp.csr_matrix((np.ones(k), (start + np.arange(k), np.arange(k))), shape=(K, k)))
        thetas.append(np.asarray(b.theta, dtype=float))
        d = b.df if isinstance(b, KnownVariance) else b.degrees_of_freedom(df)
        dfs.append(np.asarray(d, dtype=float))
        start += k
    for i, a in enumerate(blocks):
        for b in blocks[i + 1 :]:
            if isinstance(a, EstimateSet) and isinstance(b, EstimateSet) and a.design is b.design:
                raise ValueError(
                    "two blocks come from the same design: their estimates are not independent; "
                    "use EstimateSet.concat"
                )
    return IndependentEstimates(
        blocks=list(blocks), maps=maps, theta=np.concatenate(thetas), block_df=dfs
    )
