"""``quantiles.stable_argsort`` gives numpy's stable permutation exactly: the order of tied
values decides R's cumulative weights (and so a quantile at an exact tie)."""

import numpy as np
import pytest

from survey.engine.quantiles import stable_argsort


@pytest.mark.parametrize(
    "make",
    [
        lambda rng, n: rng.random(n),
        lambda rng, n: rng.integers(0, 10, n).astype(float),  # many ties
        lambda rng, n: np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 5, n) * 1.0),
        lambda rng, n: rng.choice([0.0, -0.0, np.inf, -np.inf, 1.0, np.nan], n),
        lambda rng, n: rng.integers(-5, 5, n),
    ],
    ids=["distinct", "ties", "nan", "signed-zero-inf", "int"],
)
def test_same_permutation_as_numpy_stable_sort(make):
    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 17, 1000, 40_000):
        x = make(rng, n)
        np.testing.assert_array_equal(stable_argsort(x), np.argsort(x, kind="stable"))
