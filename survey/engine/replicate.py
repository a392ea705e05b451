"""Replicate-weight variance (R's ``svrVar``) from aggregated totals.

Replicate totals are never recomputed from rows: for replicates built from a design the
replicate domain totals are ``factors.T @ Tu`` (R x D x Q) from the PSU-level totals; for
replicate weight columns supplied with the data the rows themselves are the units.
Every estimator's point function is then applied to all replicates at once.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from survey.engine.estimators import quantity_key


def replicate_estimates(design, cells, Tg, est, unit) -> np.ndarray:
    """Estimates under each replicate: (R x K)."""
    D, Q = cells.n_domains, Tg.shape[1]
    if design.factors is not None and cells.n_cells == cells.n_units * D:
        # dense cells are unit-major: (U, D*Q) totals, one matrix product with the factors
        Tu = Tg.reshape(cells.n_units, D * Q)
        Tr = (design.factors.T @ Tu).reshape(-1, D, Q)
    elif design.factors is not None:
        # observed cells only: the (U x D*Q) unit totals as a sparse matrix, one product with
        # the factors (never a cells x replicates array)
        rows = np.repeat(cells.cell_unit, Q)
        cols = (cells.cell_dom[:, None] * Q + np.arange(Q)[None, :]).reshape(-1)
        Y = sp.csr_matrix((np.asarray(Tg).reshape(-1), (rows, cols)), shape=(cells.n_units, D * Q))
        Tr = np.asarray(Y.T @ design.factors).T.reshape(-1, D, Q)
    else:
        rw = design.repweights()  # (n x R), rows are the units
        rows = np.flatnonzero(cells.row_mask)
        dom = np.asarray(cells.cell_dom[cells.row_cell])
        Tr = np.zeros((rw.shape[1], D, Q))
        seen: dict = {}
        for q in range(len(est.columns)):
            key = quantity_key(est.columns, q)
            if key in seen:
                Tr[:, :, q] = Tr[:, :, seen[key]]
                continue
            seen[key] = q
            col = est.columns[q]
            # (D x n) sparse quantity-by-domain matrix times the replicate weights: no n x R
            # temporary beyond the replicate weights themselves
            ind = sp.csr_matrix((col[rows], (dom, rows)), shape=(D, design.n))
            Tr[:, :, q] = (ind @ rw).T
    theta_r = est.point(Tr)  # (R x D x J)
    return theta_r.reshape(theta_r.shape[0], -1)


def vcov(design, reps: np.ndarray, theta: np.ndarray, full: bool = False):
    """``scale * sum_r rscales_r (theta_r - centre)^2``; centre = replicate mean (R default)
    or the full-sample estimate with ``mse=True``."""
    rscales = design.rscales
    if design.mse:
        centre = theta
    else:
        centre = reps[rscales > 0].mean(axis=0)
    dev = (reps - centre) * np.sqrt(rscales)[:, None]
    if full:
        return design.scale * dev.T @ dev
    return design.scale * (dev**2).sum(axis=0)
