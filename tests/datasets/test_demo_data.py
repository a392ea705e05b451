"""The bundled demo data: reproducible from its script, labelled, and its design-based
intervals cover the known population values at the promised rate (Monte Carlo)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from survey.datasets import demo_margins, demo_path, demo_truth
from survey.datasets import make_demo as md


def test_committed_files_are_what_the_script_writes(tmp_path):
    paths = md.make_demo(tmp_path)
    new, _ = pyreadstat.read_sav(str(paths["sav"]), user_missing=True)
    old, _ = pyreadstat.read_sav(str(demo_path()), user_missing=True)
    pd.testing.assert_frame_equal(new, old)
    with open(paths["truth"], encoding="utf-8") as fh:
        assert json.load(fh) == demo_truth()
    pd.testing.assert_frame_equal(pd.read_csv(paths["margins"]), demo_margins())


def test_sav_labels_user_missing_and_design_columns():
    df, meta = pyreadstat.read_sav(str(demo_path()), user_missing=True)
    assert demo_path().stat().st_size < 2_000_000
    assert df.groupby("wave").size().to_dict() == {1.0: 2304, 2.0: 2304}
    assert meta.variable_value_labels["trust_police"][8.0] == "Don't know"
    assert meta.missing_ranges["trust_police"] == [{"lo": 8.0, "hi": 8.0}, {"lo": 9.0, "hi": 9.0}]
    assert set(df["trust_police"].dropna().unique()) <= {1, 2, 3, 4, 8, 9}
    assert (df["trust_police"] >= 8).sum() > 0  # DK/NA are present and declared
    # strata unique to each wave, 12 PSUs per stratum, 12 households per PSU
    assert df.groupby("stratum")["wave"].nunique().max() == 1
    assert (df.groupby("stratum")["psu"].nunique() == 12).all()
    assert (df.groupby("psu").size() == 12).all()
    # the household weights of a wave estimate the number of households (HT, unbiased)
    truth = demo_truth()
    for _, d in df.groupby("wave"):
        assert d["hh_weight"].sum() == pytest.approx(truth["population"]["households"], rel=0.05)
    # the margins give the number of adults in the population
    assert demo_margins()["adults"].sum() == truth["population"]["adults"]


def test_truth_has_the_programme_effect():
    t = demo_truth()
    # robbery falls in treatment areas and rises slightly in comparison areas
    assert t["change"]["area=Treatment"]["prev_robbery"] < -0.02
    assert t["change"]["area=Comparison"]["prev_robbery"] > 0
    assert t["did"]["prev_robbery"] == pytest.approx(
        t["change"]["area=Treatment"]["prev_robbery"]
        - t["change"]["area=Comparison"]["prev_robbery"]
    )
    assert t["did"]["trust_police"] > 0.05


def test_design_based_intervals_cover_population_values():
    """Repeated samples from the demo population: 95% logit intervals of survey.Design cover
    the true value in about 95% of samples (the design ignores the small FPC, so slightly
    more)."""
    from survey import Design

    rng = np.random.default_rng(md.SEED)
    hh, people = md.build_population(rng)
    outcomes = md.draw_outcomes(rng, hh, people, 1)
    truth = md.population_truth(hh, people, {1: outcomes, 2: outcomes})["values"]["baseline"]
    items = {
        "prev_robbery": ("robbery", [1], [1, 2]),
        "fear_unsafe": ("fear_dark", [3, 4], [1, 2, 3, 4]),
        "trust_police": ("trust_police", [1, 2], [1, 2, 3, 4]),
        "interpersonal_trust": ("interpersonal_trust", [1], [1, 2]),
    }
    reps, covered, total = 60, 0, 0
    for _ in range(reps):
        s = md.draw_sample(rng, hh, people, outcomes, 1)
        cols = {}
        for name, (var, num, den) in items.items():
            x = s[var].to_numpy(float)
            cols[name] = np.where(np.isin(x, den), np.isin(x, num).astype(float), np.nan)
        s = s.assign(**cols, area=s["area"].astype(int))
        d = Design(s, weight="weight", strata="stratum", psu="psu")
        f = d.mean(list(items), by="area", ci="logit")
        dom = "area=" + f["area"].map(md.AREAS)
        tv = np.array([truth[k][v] for k, v in zip(dom, f["variable"], strict=True)])
        covered += int(((f["ci_low"] <= tv) & (tv <= f["ci_high"])).sum())
        total += len(f)
    rate = covered / total
    # 480 intervals; binomial sd at 0.95 is 0.01 (wider with correlated items)
    print(f"coverage {rate:.3f} over {total} intervals")
    assert 0.91 <= rate <= 0.99, rate
