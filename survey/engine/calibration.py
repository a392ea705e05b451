"""Calibration steps as the linearisation variance sees them.

R's ``svyrecvar`` removes, before the cluster sums, the part of each influence value that the
calibration explains (``design$postStrata``). Every such adjustment used by R is a linear map on
the row-level influence matrix ``x`` (n x K):

    x' = x - diag(h) @ M @ C,     C = coef(M.T @ diag(g) @ x)   (C is p x K)

- post-stratification: M = cell indicators, g = oldw / psw, h = psw, C = moments / sum_cell(oldw)
- one raking margin sweep: M = margin cells, g = 1 / psw, h = psw, C = moments / count_cell
- GREG / calibration at stage 0: ``qr.resid(qr, x / w) * w`` written in the same form.

A weighting step builds :class:`CalibrationStep` objects and passes them to
``Design.with_weights(..., calibration=[...])``; the engine applies them in order on aggregates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CalibrationStep:
    """One linear residualisation step ``x' = x - diag(h) M coef(M' diag(g) x)``.

    Parameters
    ----------
    model : ndarray
        Either integer cell codes of shape (n,) (a one-hot model with ``n_cells`` columns) or a
        dense model matrix of shape (n, p).
    g : ndarray (n,)
        Row multiplier inside the moments ``M' diag(g) x``.
    h : ndarray (n,)
        Row multiplier of the subtracted fit.
    coef : callable
        Linear map from the (p, K) moments to the (p, K) coefficients ``C``.
    n_cells : int, optional
        Number of cells when ``model`` holds codes.
    label : str
        What the step is, for error messages and printing.
    """

    model: np.ndarray
    g: np.ndarray
    h: np.ndarray
    coef: Callable[[np.ndarray], np.ndarray]
    n_cells: int | None = None
    label: str = ""

    @property
    def is_cells(self) -> bool:
        return self.model.ndim == 1

    @property
    def p(self) -> int:
        return int(self.n_cells) if self.is_cells else int(self.model.shape[1])

    def model_matrix(self) -> np.ndarray:
        """Dense (n, p) model matrix (only for small designs / tests)."""
        if not self.is_cells:
            return self.model
        out = np.zeros((self.model.shape[0], self.p))
        out[np.arange(self.model.shape[0]), self.model] = 1.0
        return out
