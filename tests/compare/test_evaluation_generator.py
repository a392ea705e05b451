"""The known-truth evaluation generator (survey.datasets.evaluation): populations, truth,
independent samples and panels with attrition."""

from __future__ import annotations

import numpy as np
import pytest

from survey.datasets.evaluation import draw_panel, draw_sample, make_population, population_truth


@pytest.fixture(scope="module")
def pop():
    return make_population(n_pre=2, n_post=2, effect=[-0.05, -0.08], household_sd=0.1)


def test_truth_is_the_population_cell_means(pop):
    t = population_truth(pop)
    f = pop.frame
    cell = f.groupby(["area", "wave"])["victim"].mean()
    # DiD between the last baseline (2) and the first follow-up (3)
    assert t["did"] == pytest.approx((cell[(1, 3)] - cell[(1, 2)]) - (cell[(2, 3)] - cell[(2, 2)]))
    assert t["event_study"][3] == pytest.approx(t["did"])
    assert set(t["event_study"]) == {1, 3, 4}  # every wave but the reference (2)
    renters = f[f["tenure"] == 2].groupby(["area", "wave"])["victim"].mean()
    assert t["by_tenure"][2]["change_treated"] == pytest.approx(renters[(1, 3)] - renters[(1, 2)])
    assert (f["tenure"] == 2).mean() == pytest.approx(1 / 3)
    # the programme lowers victimisation in the follow-up waves (effects -0.05, -0.08)
    assert t["event_study"][4] < t["event_study"][3] < 0


def test_default_population_is_unchanged():
    """The two-wave default keeps its documented truth (coverage figures depend on it)."""
    t = population_truth(make_population())
    assert t["did"] == pytest.approx(-0.05864583333333333, abs=1e-15)
    assert list(t["event_study"]) == [2]


def test_independent_samples_are_two_stage_srs(pop):
    s = draw_sample(pop, psus=5, households=6, rng=np.random.default_rng(1))
    assert (s.groupby("wave").size() == pop.n_strata * 5 * 6).all()
    assert (s.groupby(["wave", "stratum"])["psu"].nunique() == 5).all()
    assert (s.groupby(["wave", "psu"])["hh"].nunique() == 6).all()
    # the HT weights add up to the population's households in every wave
    n_hh = pop.n_strata * pop.psus_per_stratum * pop.households_per_psu
    assert np.allclose(s.groupby("wave")["weight"].sum(), n_hh)
    assert s.groupby("stratum_w")["wave"].nunique().max() == 1  # each wave its own strata


@pytest.mark.parametrize("mechanism", ["random", "informative"])
def test_panel_follows_the_same_households(pop, mechanism):
    s = draw_panel(pop, psus=10, households=15, rng=np.random.default_rng(2), attrition=0.2,
                   mechanism=mechanism)  # fmt: skip
    ids = [set(g["hh_id"]) for _, g in s.groupby("wave")]
    assert all(b <= a for a, b in zip(ids, ids[1:], strict=False))  # lost for good, none new
    assert len(ids[-1]) < len(ids[0]) == pop.n_strata * 10 * 15
    n_hh = pop.n_strata * pop.psus_per_stratum * pop.households_per_psu
    assert np.allclose(s.groupby("wave")["weight"].sum(), n_hh)  # adjustment keeps the total
    assert (s["weight_design"] == (40 / 10) * (60 / 15)).all()
    if mechanism == "random":  # within each PSU: (M / m) (K / k_t), an exact two-stage SRS
        k = s.groupby(["wave", "psu"])["hh"].transform("size")
        assert np.allclose(s["weight"], (40 / 10) * (60 / k))


def test_informative_attrition_loses_treated_victims(pop):
    rng = np.random.default_rng(3)
    lost = {(a, y): [] for a in (1, 2) for y in (0.0, 1.0)}
    for _ in range(20):
        s = draw_panel(pop, psus=10, households=15, rng=rng, attrition=0.2, mechanism="informative")
        w1, w2 = s[s["wave"] == 1], set(s.loc[s["wave"] == 2, "hh_id"])
        for (a, y), g in w1.groupby(["area", "victim"]):
            lost[(a, y)].append(1 - g["hh_id"].isin(w2).mean())
    rate = {k: np.mean(v) for k, v in lost.items()}
    assert rate[(1, 1.0)] == pytest.approx(0.6, abs=0.05)  # 0.2 x (1 + 2)
    for k in ((1, 0.0), (2, 0.0), (2, 1.0)):
        assert rate[k] == pytest.approx(0.2, abs=0.03)


def test_bad_panel_settings_are_errors(pop):
    rng = np.random.default_rng(4)
    with pytest.raises(ValueError, match="mechanism='selective'"):
        draw_panel(pop, 4, 8, rng, attrition=0.1, mechanism="selective")
    with pytest.raises(ValueError, match=r"attrition=1\.2"):
        draw_panel(pop, 4, 8, rng, attrition=1.2)
    with pytest.raises(ValueError, match="lost every household of the adjustment class"):
        draw_panel(pop, 2, 2, np.random.default_rng(0), attrition=0.9)
