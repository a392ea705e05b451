"""Categorical items aggregated as category codes (estimators.CategoryBlock, one bincount over
(cell, category)) give exactly the shares of their 0/1 indicator columns: the known truth is
the mean of each indicator (NaN where the item is missing), on Taylor, raked, calibrated and
replicate designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design, ReplicateDesign
from survey.engine.estimators import CategoryBlock, Columns, build
from survey.weighting import Rake


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(5)
    n = 1500
    psu = rng.integers(0, 60, n)
    c = rng.choice(["low", "mid", "high", "none"], n, p=[0.4, 0.3, 0.2, 0.1]).astype(object)
    c[rng.random(n) < 0.08] = None
    num = rng.integers(1, 6, n).astype(float)
    num[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "stratum": psu // 10,
            "psu": psu,
            "w": rng.uniform(10, 40, n),
            "g": rng.choice(["a", "b", "c"], n),
            "c": c,
            "cat": pd.Categorical(c, categories=["none", "low", "mid", "high", "never"]),
            "num": num,
            "sex": rng.choice([1, 2], n),
            "rep1": rng.uniform(5, 50, n),
            "rep2": rng.uniform(5, 50, n),
            "rep3": rng.uniform(5, 50, n),
        }
    )


def _indicators(data, var):
    s = data[var]
    levels = (
        [c for c in s.cat.categories if (s == c).any()]
        if isinstance(s.dtype, pd.CategoricalDtype)
        else sorted(pd.unique(s.dropna()).tolist())
    )
    out = data.copy()
    names = []
    for k, lev in enumerate(levels):
        name = f"_ind{k}"
        out[name] = np.where(s.notna(), (s == lev).astype(float), np.nan)
        names.append(name)
    return out, levels, names


def _designs(frame):
    base = Design(frame, weight="w", strata="stratum", psu="psu")
    yield "taylor", base
    pop = frame.groupby("sex")["w"].sum().mul(1.1).rename("Freq").reset_index()
    pop_g = frame.groupby("g")["w"].sum().rename("Freq").reset_index()
    pop_g["Freq"] *= pop["Freq"].sum() / pop_g["Freq"].sum()
    yield "raked", Rake([("sex", pop), ("g", pop_g)]).fit_transform(base)
    yield (
        "replicate",
        ReplicateDesign(frame, "w", ["rep1", "rep2", "rep3"], type="bootstrap"),
    )


@pytest.mark.parametrize("var", ["c", "cat", "num"])
def test_blocks_equal_indicator_means(data, var):
    frame, levels, names = _indicators(data, var)
    for label, des in _designs(frame):
        got = des.prop(var, by="g", ci="wald")
        want = des.mean(names, by="g", ci="wald")
        assert list(got["category"].iloc[: len(levels)]) == [
            int(v) if isinstance(v, float) else v for v in levels
        ], label
        np.testing.assert_allclose(
            got["estimate"].to_numpy(), want["estimate"].to_numpy(), rtol=1e-12, err_msg=label
        )
        np.testing.assert_allclose(
            got["se"].to_numpy(), want["se"].to_numpy(), rtol=1e-9, err_msg=label
        )
        np.testing.assert_array_equal(got["n"].to_numpy(), want["n"].to_numpy())


def test_columns_form_indicators_on_demand(data):
    des = Design(data, weight="w", strata="stratum", psu="psu")
    est = build(des, "prop", ["c"])
    assert isinstance(est.columns, Columns)
    (block,) = est.columns.blocks
    assert isinstance(block, CategoryBlock) and block.size == 4
    for k in range(block.size):
        q = block.start + k
        assert est.columns.is_block(q)
        expect = (data["c"] == est.categories[k]).to_numpy(dtype=float)
        np.testing.assert_array_equal(est.columns[q], expect)
    # the categories' counts: rows with each answer
    got = des.prop("c", ci="wald")
    counts = data["c"].value_counts()
    np.testing.assert_array_equal(got["n_cases"].to_numpy(), counts.loc[got["category"]].to_numpy())
