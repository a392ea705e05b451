"""Covariance of regression coefficients from their row-level influence.

A design-weighted estimating equation ``sum_i w_i U_i(beta) = 0`` (``svyglm``) has the
linearised influence ``w_i U_i(beta) A^{-1}`` per row, ``A`` the weighted information. Its
covariance is the design variance of the totals of that influence: exactly what
:func:`survey.engine.linearization.vcov` computes for every other estimator (R's
``svy.varcoef`` -> ``svyrecvar``). This module only aggregates rows to the finest variance
units; it holds no variance formula of its own.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from survey.engine import linearization


def vcov_from_row_influence(design, U) -> np.ndarray:
    """Design covariance (p x p) of p estimates with row-level influence ``U``.

    Parameters
    ----------
    design : survey.Design
        A Taylor-linearisation design without calibration steps.
    U : array_like (n x p)
        Row-level influence, already multiplied by the weights (R's
        ``estfun %*% Ainv`` in ``svy.varcoef``); rows not used by the estimates hold zeros.

    Returns
    -------
    numpy.ndarray (p x p)
        R's ``svyrecvar(U, ...)``: stages, strata, FPC and lonely-PSU policy of ``design``.

    Notes
    -----
    Calibrated designs (post-stratification, raking, GREG) would need the calibration
    residualisation of ``U``, which is not applied here: such designs raise
    ``NotImplementedError``. Replicate designs have no influence-based variance (refit the
    model with each replicate weight instead).
    """
    from survey.design import ReplicateDesign

    if isinstance(design, ReplicateDesign):
        raise NotImplementedError(
            "replicate designs: refit with each replicate weight (no row-influence variance)"
        )
    if getattr(design, "calibration", ()):
        raise NotImplementedError(
            "regression variances on calibrated designs are not supported yet "
            "(the calibration residualisation of the row influence is not applied)"
        )
    U = np.asarray(U, dtype=float)
    if U.ndim == 1:
        U = U[:, None]
    if U.shape[0] != design.n:
        raise ValueError(f"U has {U.shape[0]} rows; the design has {design.n}")
    if not np.isfinite(U).all():
        raise ValueError("U holds missing or infinite values; put zeros for unused rows")
    last = design.variance_stages[-1]
    rows = last.unit
    p = U.shape[1]
    Z = np.stack(
        [np.bincount(rows, weights=U[:, k], minlength=last.n_units) for k in range(p)], axis=1
    )
    return linearization.vcov(design, sp.csr_matrix(Z), full=True)
