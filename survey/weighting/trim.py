"""Weight trimming with redistribution (R's ``trimWeights``)."""

from __future__ import annotations

import numpy as np

from survey.weighting._base import (
    WeightingError,
    WeightingStep,
    is_replicate,
    validate_params,
)
from survey.weighting.diagnostics import make_diagnostics


def trim_weights(w, upper=np.inf, lower=-np.inf, strict=False, redistribute="equal", max_iter=100):
    """Trim weights to ``[lower, upper]`` and give the trimmed amount to the other rows.

    ``redistribute="equal"`` adds the same amount to every untrimmed row (R's
    ``trimWeights``); ``"proportional"`` spreads it in proportion to their weights. The total
    is kept. Rows with zero weight (e.g. nonrespondents) are left at zero and receive nothing.
    With ``strict=True`` the step is repeated until no weight is outside the limits
    (the redistribution can push weights over ``upper``), as R's ``strict=TRUE``.

    Returns ``(new_weights, n_trimmed)`` (rows trimmed in the first pass).
    """
    w = np.asarray(w, dtype=float)
    w_new = w.copy()
    active = w > 0
    if strict and active.any():
        total, k = float(w[active].sum()), int(active.sum())
        if not lower * k <= total <= upper * k:
            raise WeightingError(
                f"trim: strict limits [{lower:g}, {upper:g}] cannot hold: {k} positive weights "
                f"must keep their total {total:g} (mean {total / k:g}); widen the limits"
            )
    first = None
    for _ in range(max_iter):
        outside = ((w_new < lower) | (w_new > upper)) & active
        if first is None:
            first = int(outside.sum())
        if not outside.any():
            break
        clipped = np.where(active, np.clip(w_new, lower, upper), w_new)
        trimmings = (w_new - clipped).sum()
        inside = ~outside & active
        if not inside.any():
            raise WeightingError(
                "trim: every weight is outside the limits; nothing can absorb the trimmed weight"
            )
        if redistribute == "equal":
            clipped[inside] += trimmings / inside.sum()
        else:
            clipped[inside] += trimmings * clipped[inside] / clipped[inside].sum()
        w_new = clipped
        if not strict:
            break
    else:
        raise WeightingError(f"trim: strict trimming did not settle in {max_iter} passes")
    return w_new, first


class TrimWeights(WeightingStep):
    """Trim extreme weights and redistribute the excess (R's ``trimWeights``).

    Parameters
    ----------
    upper, lower : float
        Limits for the weights (absolute values, as R).
    strict : bool
        Repeat until every weight is within the limits.
    redistribute : {"equal", "proportional"}
        How the trimmed amount is shared among the untrimmed rows (R: ``equal``).

    Attributes
    ----------
    weights_ : ndarray; ``repweights_`` (replicates trimmed the same way) or None;
    ``n_trimmed_`` : int; ``diagnostics_`` : dict.

    Notes
    -----
    As in R, the Taylor variance keeps any calibration of the input design and treats the
    trimming itself as fixed.
    """

    def __init__(self, upper=np.inf, lower=-np.inf, strict=False, redistribute="equal"):
        self.upper = upper
        self.lower = lower
        self.strict = strict
        self.redistribute = redistribute

    def fit(self, design):
        validate_params(self)
        if self.redistribute not in ("equal", "proportional"):
            raise WeightingError(
                f"TrimWeights: redistribute={self.redistribute!r} must be 'equal' or 'proportional'"
            )
        if not self.lower < self.upper:
            raise WeightingError(
                f"TrimWeights: lower={self.lower} must be below upper={self.upper}"
            )
        w = design.weights
        self.weights_, self.n_trimmed_ = trim_weights(
            w, self.upper, self.lower, self.strict, self.redistribute
        )
        self.repweights_ = None
        if is_replicate(design):
            rw = design.repweights()
            cols = []
            for r in range(rw.shape[1]):  # loop over replicates, vectorised over rows
                try:
                    cols.append(
                        trim_weights(
                            rw[:, r], self.upper, self.lower, self.strict, self.redistribute
                        )[0]
                    )
                except WeightingError as err:
                    raise WeightingError(
                        f"replicate {r + 1} of {rw.shape[1]}: {err} (the limits are absolute, "
                        "and a replicate carries the total on fewer PSUs)"
                    ) from err
            self.repweights_ = np.column_stack(cols)
        self.diagnostics_ = make_diagnostics(w, self.weights_, n_trimmed=self.n_trimmed_)
        return self
