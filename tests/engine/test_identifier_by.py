"""A ``by`` column with nearly a value per row (a respondent id) warns: one domain per row."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from survey import Design


def _data(n=1_000):
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {"id": np.arange(n), "region": rng.integers(1, 5, n), "w": rng.uniform(1, 3, n),
         "y": rng.integers(0, 2, n)}
    )  # fmt: skip


def test_by_an_identifier_warns_naming_it():
    des = Design(_data(), weight="w")
    with pytest.warns(UserWarning, match=r"by column 'id' has 1,000 distinct values in 1,000"):
        out = des.mean("y", by="id")
    assert len(out) == 1_000  # still estimated: a warning, not an error


def test_by_a_grouping_column_does_not_warn():
    des = Design(_data(), weight="w")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = des.mean("y", by="region")
    assert sorted(out["region"]) == [1, 2, 3, 4]
