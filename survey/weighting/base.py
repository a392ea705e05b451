"""Base (design) weights from selection probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.weighting._base import WeightingError


def base_weights(data: pd.DataFrame, probabilities) -> np.ndarray:
    """Design weights ``1 / prod_s pi_s`` from the selection probability of every stage.

    Parameters
    ----------
    data : DataFrame
    probabilities : str or list of str
        Columns holding each stage's (conditional) inclusion probability, e.g. the PSU's
        probability and the household's probability within the PSU. Values must be in (0, 1].

    Returns
    -------
    ndarray (n,) of weights.

    Examples
    --------
    A PSU drawn with probability 0.1 and a household drawn with probability 0.25 within it
    has weight 1 / (0.1 * 0.25) = 40.
    """
    cols = [probabilities] if isinstance(probabilities, str) else list(probabilities)
    if not cols:
        raise WeightingError("base_weights: give at least one probability column")
    prod = np.ones(len(data))
    for c in cols:
        if c not in data.columns:
            raise WeightingError(f"base_weights: column {c!r} is not in the data")
        p = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(p) | (p <= 0) | (p > 1)
        if bad.any():
            rows = np.flatnonzero(bad)[:5].tolist()
            raise WeightingError(
                f"base_weights: column {c!r} must hold probabilities in (0, 1]; "
                f"{int(bad.sum())} bad value(s), rows {rows}"
            )
        prod *= p
    return 1.0 / prod


def stage_probability(n_sampled, n_population) -> np.ndarray:
    """Equal-probability selection at one stage: ``n / N`` (arrays broadcast)."""
    n = np.asarray(n_sampled, dtype=float)
    big_n = np.asarray(n_population, dtype=float)
    if (big_n <= 0).any() or (n < 0).any() or (n > big_n).any():
        raise WeightingError("stage_probability: need 0 <= n <= N and N > 0")
    return n / big_n
