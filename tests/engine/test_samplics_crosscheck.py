"""Cross-check of Taylor means and proportions by domain against samplics 0.6.1.

samplics is archived upstream and is a test-only dependency; it agrees with R for these
estimators (with-replacement first stage, no FPC), so it is a second, independent check of
the engine. Its other features (deff, CI methods, crosstab, FPC) are not used.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from survey import Design

samplics = pytest.importorskip("samplics")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from samplics.estimation import TaylorEstimator
    from samplics.utils.types import PopParam


def _synthetic(seed=3, n=600):
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 60, n)
    return pd.DataFrame(
        {
            "stratum": psu // 10,
            "psu": psu,
            "w": rng.uniform(10, 40, n),
            "y": rng.gamma(2.0, 3.0, n),
            "cat": rng.choice(["low", "mid", "high"], n, p=[0.5, 0.3, 0.2]),
            "region": rng.choice(["north", "south", "east", "west"], n),
        }
    )


def _samplics(param, y, df, strata="stratum"):
    est = TaylorEstimator(param)
    est.estimate(
        y=y,
        samp_weight=df["w"].to_numpy(),
        stratum=df[strata].to_numpy() if strata else None,
        psu=df["psu"].to_numpy(),
        domain=df["region"].to_numpy(),
        remove_nan=True,
    )
    return est.point_est, est.stderror


def test_domain_means_agree_with_samplics():
    df = _synthetic()
    ours = Design(df, weight="w", strata="stratum", psu="psu").mean("y", by="region")
    point, se = _samplics(PopParam.mean, df["y"].to_numpy(), df)
    for row in ours.itertuples():
        assert row.estimate == pytest.approx(point[row.region], rel=1e-10)
        assert row.se == pytest.approx(se[row.region], rel=1e-8)


def test_domain_proportions_agree_with_samplics():
    df = _synthetic()
    ours = Design(df, weight="w", strata="stratum", psu="psu").prop("cat", by="region", ci="wald")
    point, se = _samplics(PopParam.prop, df["cat"].to_numpy(), df)
    for row in ours.itertuples():
        assert row.estimate == pytest.approx(point[row.region][row.category], rel=1e-10)
        assert row.se == pytest.approx(se[row.region][row.category], rel=1e-8)


def test_api_cluster_sample_agrees_with_samplics(realdata):
    df = pd.read_csv(realdata / "rsurvey" / "apiclus1.csv").rename(
        columns={"pw": "w", "dnum": "psu", "stype": "region"}
    )
    ours = Design(df, weight="w", psu="psu").mean("api00", by="region")
    point, se = _samplics(PopParam.mean, df["api00"].to_numpy(float), df, strata=None)
    for row in ours.itertuples():
        assert row.estimate == pytest.approx(point[row.region], rel=1e-10)
        assert row.se == pytest.approx(se[row.region], rel=1e-8)
