"""The factored calibration correction (Z - G C kept as factors, used for designs with many
units) gives the same variances as forming the corrected influence totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survey.engine.calibrate_variance as cv
from survey import Design
from survey.engine import estimate
from survey.weighting import Calibrate, PostStratify, Rake


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n = 900
    psu = rng.integers(0, 60, n)
    return pd.DataFrame(
        {
            "stratum": psu // 12,
            "psu": psu,
            "ssu": rng.integers(0, 4, n),
            "N1": 40.0,
            "N2": 10.0,
            "w": rng.uniform(20, 60, n),
            "y": rng.gamma(2.0, 2.0, n),
            "b": (rng.random(n) < 0.3).astype(float),
            "sex": rng.choice([1, 2], n),
            "age": rng.choice([1, 2, 3], n),
            "x": rng.uniform(0, 10, n),
            "dom": rng.choice(list("abcd"), n),
        }
    )


def _designs(data):
    base = Design(data, weight="w", strata="stratum", psu="psu")
    pop_sex = data.groupby("sex")["w"].sum().mul(1.05).rename("Freq").reset_index()
    pop_age = data.groupby("age")["w"].sum().mul(0.97).rename("Freq").reset_index()
    pop_age["Freq"] *= pop_sex["Freq"].sum() / pop_age["Freq"].sum()
    yield "poststratify", PostStratify(["sex"], pop_sex).fit_transform(base)
    yield "rake", Rake([("sex", pop_sex), ("age", pop_age)]).fit_transform(base)
    totals = {
        "(Intercept)": float(data["w"].sum() * 1.02),
        "x": float((data["w"] * data["x"]).sum()),
    }
    yield "greg", Calibrate(["x"], totals).fit_transform(base)
    two = Design(data, weight="w", strata="stratum", psu=["psu", "ssu"], fpc=["N1", "N2"])
    yield "rake_twostage", Rake([("sex", pop_sex), ("age", pop_age)]).fit_transform(two)


@pytest.mark.parametrize("full", [False, True])
def test_factored_equals_dense(data, monkeypatch, full):
    for name, des in _designs(data):
        dense = estimate(des, "mean", ["y", "b"], by="dom")
        monkeypatch.setattr(cv, "DENSE_CORRECTION_LIMIT", 0)
        factored = estimate(des, "mean", ["y", "b"], by="dom")
        monkeypatch.setattr(cv, "DENSE_CORRECTION_LIMIT", 20_000_000)
        assert isinstance(factored.Z, cv.LowRankZ), name
        got = factored.vcov() if full else factored.variance()
        want = dense.vcov() if full else dense.variance()
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12, err_msg=name)
        # contrasts and stacking keep the factors
        L = np.zeros((1, len(dense)))
        L[0, 0], L[0, 2] = 1, -1
        np.testing.assert_allclose(
            factored.contrast(L).variance(), dense.contrast(L).variance(), rtol=1e-8
        )
        both = factored.concat(factored)
        assert isinstance(both.Z, cv.LowRankZ)
        np.testing.assert_allclose(
            both.variance(), np.tile(want if not full else np.diag(want), 2), rtol=1e-8
        )


@pytest.mark.parametrize("full", [False, True])
def test_factored_equals_dense_without_clusters(data, monkeypatch, full):
    """Every row its own unit (no clusters): the factored correction's one-entry-per-block
    bincount path (linearization._factored_ss_single) equals the dense correction, also with
    rows outside every domain and after contrasts and stacking."""
    frame = data.assign(dom=data["dom"].where(np.arange(len(data)) % 17 != 0))
    base = Design(frame, weight="w", strata="stratum")
    pop_sex = frame.groupby("sex")["w"].sum().mul(1.05).rename("Freq").reset_index()
    pop_age = frame.groupby("age")["w"].sum().mul(0.97).rename("Freq").reset_index()
    pop_age["Freq"] *= pop_sex["Freq"].sum() / pop_age["Freq"].sum()
    designs = {
        "poststratify": PostStratify(["sex"], pop_sex).fit_transform(base),
        "rake": Rake([("sex", pop_sex), ("age", pop_age)]).fit_transform(base),
    }
    for name, des in designs.items():
        dense = estimate(des, "mean", ["y", "b"], by="dom")
        monkeypatch.setattr(cv, "DENSE_CORRECTION_LIMIT", 0)
        factored = estimate(des, "mean", ["y", "b"], by="dom")
        monkeypatch.setattr(cv, "DENSE_CORRECTION_LIMIT", 20_000_000)
        assert isinstance(factored.Z, cv.LowRankZ) and factored.Z.blocks, name
        got = factored.vcov() if full else factored.variance()
        want = dense.vcov() if full else dense.variance()
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12, err_msg=name)
        L = np.zeros((2, len(dense)))
        L[0, 0], L[0, 2], L[1, 1] = 1, -1, 1
        np.testing.assert_allclose(
            factored.contrast(L).variance(), dense.contrast(L).variance(), rtol=1e-8
        )
        both = factored.concat(factored)
        np.testing.assert_allclose(
            both.variance(), np.tile(want if not full else np.diag(want), 2), rtol=1e-8
        )
