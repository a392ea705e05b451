"""Power, MDE and sample size for comparisons (survey.plan.power_analysis).

Expected values: Bloom (1995, Table 1) multipliers; hand-computed MDEs from
MDE = M sqrt(deff V / n); Cohen (1988, Table 2.4.1) sample sizes; and R's exact
noncentral-t ``power.t.test`` (tests/plan/golden_power.R -> golden_power.json), which our
``test="t"`` (Bloom's shifted-t approximation) must match closely.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from survey.plan import mde, multiplier, power, sample_size_power

GOLDEN = json.loads((Path(__file__).parent / "golden_power.json").read_text(encoding="utf-8"))
M80 = 1.959963984540054 + 0.8416212335729143  # z_.975 + z_.80 = 2.801585


def test_bloom_multipliers():
    # Bloom (1995), Table 1 (large df): 2.80 / 2.49 (80% power, two/one-sided),
    # 3.24 / 2.93 (90% power)
    assert multiplier() == pytest.approx(2.801585, abs=1e-6)
    assert multiplier(sided="one") == pytest.approx(2.486475, abs=1e-6)
    assert multiplier(power=0.9) == pytest.approx(3.241516, abs=1e-6)
    assert multiplier(power=0.9, sided="one") == pytest.approx(2.926406, abs=1e-6)
    # small df (Bloom 1995 uses t): t_.975,20 + t_.80,20 = 2.085963 + 0.859957
    assert multiplier(test="t", df=20) == pytest.approx(2.085963 + 0.859964, abs=1e-5)


def test_mde_independent_with_deff():
    # two cross-sections of n = 500, sd 1, deff 1.45: SE = sqrt(1.45 * 2 / 500) = 0.0761577
    out = mde(500, sd=1, icc=0.05, cluster_size=10)
    assert out.loc[0, "se"] == pytest.approx(np.sqrt(1.45 * 2 / 500), rel=1e-12)
    assert out.loc[0, "mde"] == pytest.approx(M80 * 0.0761577, rel=1e-6)
    assert out.loc[0, "clusters"] == 50
    assert out.loc[0, "n_interviews"] == 1000
    assert out.loc[0, "power"] == pytest.approx(0.8)


def test_mde_panel_uses_change_variance():
    # panel, rho = 0.5: Var(diff) = 2 s^2 (1 - rho) / n = 1/500 -> MDE = 2.801585 / sqrt(500)
    out = mde(500, sd=1, design="panel", rho=0.5)
    assert out.loc[0, "mde"] == pytest.approx(M80 / np.sqrt(500), rel=1e-12)
    assert out.loc[0, "n_interviews"] == 1000


def test_mde_did_clustered():
    # DiD with four independent cells of n = 400 each, sd 2, deff 1.8:
    # Var = deff * s^2 * 4 / n = 1.8 * 4 * 4 / 400 = 0.072
    out = mde(400, sd=2, design="did", deff=1.8)
    assert out.loc[0, "mde"] == pytest.approx(M80 * np.sqrt(0.072), rel=1e-12)
    # unequal groups: control twice as large -> Var = 1.8 * 4 * (2 + 2/2) / 400 = 0.054
    out2 = mde(400, sd=2, design="did", deff=1.8, ratio=2)
    assert out2.loc[0, "mde"] == pytest.approx(M80 * np.sqrt(0.054), rel=1e-12)
    assert out2.loc[0, "n_interviews"] == 2 * (400 + 800)
    # DiD on a panel of clusters, rho = 0.3: each group's change has 2 (1 - 0.3) s^2
    out3 = mde(400, sd=2, design="did-panel", rho=0.3, deff=1.8)
    assert out3.loc[0, "mde"] == pytest.approx(M80 * np.sqrt(0.072 * 0.7), rel=1e-12)


def test_mde_proportion_solves_fixed_point():
    # MDE = M sqrt(deff (p q + p1 q1) / n) with p1 = p -/+ MDE
    for direction, sign in (("increase", 1), ("decrease", -1)):
        out = mde(800, p=0.2, deff=1.5, direction=direction)
        d = out.loc[0, "mde"]
        p1 = 0.2 + sign * d
        assert d == pytest.approx(M80 * np.sqrt(1.5 * (0.16 + p1 * (1 - p1)) / 800), rel=1e-9)
    # p = 0.5 is symmetric
    up = mde(800, p=0.5, direction="increase").loc[0, "mde"]
    down = mde(800, p=0.5, direction="decrease").loc[0, "mde"]
    assert up == pytest.approx(down, rel=1e-9)


def test_power_and_sample_size_invert_each_other():
    kw = {"sd": 1.3, "design": "did-panel", "rho": 0.4, "icc": 0.08, "cluster_size": 12}
    m = mde(600, **kw).loc[0, "mde"]
    assert power(m, 600, **kw).loc[0, "power"] == pytest.approx(0.8, abs=1e-12)
    plan = sample_size_power(m, whole_clusters=False, **kw)
    assert plan.loc[0, "n_exact"] == pytest.approx(600, rel=1e-9)
    # proportion
    kwp = {"p": 0.3, "deff": 1.4, "direction": "decrease"}
    m = mde(900, **kwp).loc[0, "mde"]
    assert sample_size_power(m, **kwp).loc[0, "n_exact"] == pytest.approx(900, rel=1e-9)


def test_power_hand_value():
    # z test, n = 200 per group, sd 1, effect 0.25: SE = 0.1, power = Phi(2.5 - 1.959964)
    out = power(0.25, 200, sd=1)
    assert out.loc[0, "power"] == pytest.approx(0.7054, abs=1e-4)


def test_sample_size_whole_clusters():
    # z: n = M^2 * deff * 2 / d^2 = 7.848879 * 1.45 * 2 / 0.0625 = 364.19 -> 37 clusters of 10
    out = sample_size_power(0.25, sd=1, icc=0.05, cluster_size=10)
    assert out.loc[0, "n_exact"] == pytest.approx(M80**2 * 1.45 * 2 / 0.0625, rel=1e-12)
    assert out.loc[0, "n"] == 370
    assert out.loc[0, "clusters"] == 37
    assert out.loc[0, "power"] >= 0.8


def test_cohen_table_and_r_power_t_test():
    # Cohen (1988) Table 2.4.1, alpha .05 two-sided, power .80: d = .5 -> 64, .8 -> 26
    sizes = sample_size_power([0.5, 0.8], sd=1, test="t")
    assert sizes["n"].tolist() == [64, 26]
    # R: power.t.test(delta=d, sd=1, power=0.8)$n (exact noncentral t) vs. Bloom's shifted t
    for case in GOLDEN["n_two_sample"]:
        ours = sample_size_power(case["delta"], sd=1, test="t").loc[0, "n_exact"]
        assert ours == pytest.approx(case["n"], rel=1e-3), case["call"]
    one = sample_size_power(0.5, sd=1, test="t", sided="one").loc[0, "n_exact"]
    assert one == pytest.approx(GOLDEN["n_one_sided"]["n"], rel=3e-3)
    pw = power(0.5, 50, sd=1, test="t").loc[0, "power"]
    assert pw == pytest.approx(GOLDEN["power_two_sample"]["power"], abs=1e-3)
    # paired t test = panel with sd of the change sqrt(2 (1 - rho))
    pp = power(0.3, 40, sd=1, design="panel", rho=0.6, test="t").loc[0, "power"]
    assert pp == pytest.approx(GOLDEN["power_paired"]["power"], abs=6e-3)
    assert power(0.3, 40, sd=1, design="panel", rho=0.6, test="t").loc[0, "df"] == 39


def test_t_degrees_of_freedom_from_clusters():
    kw = {"sd": 1, "icc": 0.1, "cluster_size": 10, "test": "t"}
    assert mde(300, **kw).loc[0, "df"] == 30 + 30 - 2
    assert mde(300, design="panel", rho=0.2, **kw).loc[0, "df"] == 30 - 1
    assert mde(300, design="did", **kw).loc[0, "df"] == 4 * 30 - 4
    assert mde(300, design="did-panel", rho=0.2, **kw).loc[0, "df"] == 2 * 30 - 2
    assert np.isinf(mde(300, sd=1).loc[0, "df"])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sd": 1, "design": "independent", "rho": 0.3}, "independent waves"),
        ({"sd": 1, "design": "panel", "ratio": 2}, "ratio must be 1"),
        ({"sd": 1, "design": "before-after"}, "design must be one of"),
        ({"sd": 1, "p": 0.2}, "exactly one of sd"),
        ({"sd": 1, "test": "t", "icc": 0.1, "cluster_size": 100}, "too few units"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mde(100, **kwargs)


def test_effect_outside_unit_interval():
    with pytest.raises(ValueError, match="outside"):
        power(0.3, 100, p=0.8)
    # no detectable change at all: NaN, not an error
    assert np.isnan(mde(2, p=0.5).loc[0, "mde"])
