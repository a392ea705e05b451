"""Coverage of DiD and pre/post intervals against a finite population with a known effect.

Population (survey.datasets.evaluation.make_population): 8 strata x 40 PSUs x 60 households,
half of each stratum's PSUs treated, programme effect -0.06 on a 15% victimisation rate;
true finite-population DiD -0.0586 (renters, every third household: -0.0422; owners:
-0.0669).

Independent samples: each replicate draws independent stratified two-stage SRS samples of
both waves (10 PSUs per stratum, 15 households per PSU: 1,200 per wave) and estimates the
DiD, each group's change and the same by tenure (a domain cutting across PSUs) on the exact
design (two-stage FPC, wave-specific strata). Panel: one such sample followed to the
follow-up (:func:`draw_panel`, strata, PSUs and households shared by the waves, so the
changes are within-design contrasts that count the covariance between the waves), with 20%
attrition at random (weights adjusted within PSU) or 20% informative attrition (treated-area
victims lost at three times the rate; weights adjusted within area x baseline outcome).

The estimates are engine contrasts of domain means (``estimate(..., by=[tenure, area,
wave])`` + ``EstimateSet.contrast``), which is what ``compare.did`` and
``compare.compare_within`` compute; :func:`test_routes_equal_the_engine_contrasts` checks
that on one sample of each kind, so the simulation itself stays fast.

Fast mode (CI, the default): 500 samples of each kind, seeds fixed. The Monte-Carlo SE of a
95% coverage is sqrt(.95 * .05 / 500) = 0.0097, so the 93.5-96.5% window is +-1.55 MC SE (a
correct method misses it for about one seed in eight; the seeds are fixed, so the test is
deterministic). ``SURVEY_COVERAGE_REPS=2000`` runs the longer simulation.
Longer run (``SURVEY_COVERAGE_REPS=2000``, same seeds; MC SE of a coverage 0.0049):
- independent samples (truth: DiD -0.0586, treated change -0.0373, comparison +0.0214):
  coverage DiD 94.65%, treated change 95.30%, comparison change 94.65%; by tenure 94.15-
  95.40% (owners' DiD 94.50%, renters' 95.40%); mean estimate - truth within 1.2 MC SE
  (DiD -0.0006, MC SE 0.0007); mean SE 0.03086 vs the estimates' SD 0.03077; sign of the
  DiD right in 97.1% of samples.
- panel, 20% random attrition (household effect SD 0.2; truth: DiD -0.0418, treated change
  -0.0366, comparison +0.0052): coverage DiD 94.95%, treated change 95.05%, comparison
  change 95.40%; by tenure 94.35-95.70%; mean SE 0.02928 vs SD 0.02973 for the DiD; the SE
  without the waves' covariance 0.03353 (+13%); sign right in 91.9%.
- panel, 20% informative attrition: adjusted DiD coverage 94.85%, bias -0.0001 (MC SE
  0.0007); with the design weights the DiD is biased by -0.0149 (22 MC SE).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import survey
from survey import compare
from survey.datasets.evaluation import draw_panel, draw_sample, make_population, population_truth
from survey.engine import estimate

REPS = int(os.environ.get("SURVEY_COVERAGE_REPS", "500"))
#: result rows of :func:`changes`: (domain, quantity)
ROWS = [(d, q) for d in ("all", 1, 2) for q in ("change_treated", "change_comparison", "did")]
ATTRITION = 0.2


@pytest.fixture(scope="module")
def pop():
    return make_population()


@pytest.fixture(scope="module")
def truth(pop):
    return population_truth(pop)


@pytest.fixture(scope="module")
def panel_pop():
    """Households keep part of their risk between waves (household effect SD 0.2: the
    outcomes of the two waves correlate 0.17), so attrition on the baseline outcome is
    selective and the panel's waves covary."""
    return make_population(household_sd=0.2)


@pytest.fixture(scope="module")
def panel_truth(panel_pop):
    return population_truth(panel_pop)


def _truth_vector(truth) -> np.ndarray:
    return np.array([(truth if d == "all" else truth["by_tenure"][d])[q] for d, q in ROWS])


def independent_design(s):
    return survey.Design(
        s, weight="weight", strata="stratum_w", psu=["psu_w", "hh_id"],
        fpc=["fpc_psu", "fpc_hh"],
    )  # fmt: skip


def panel_design(s, weight="weight"):
    return survey.Design(
        s, weight=weight, strata="stratum", psu=["psu", "hh_id"], fpc=["fpc_psu", "fpc_hh"]
    )


def changes(des):
    """Treated change, comparison change and DiD (follow-up 2 - baseline 1), overall and by
    tenure, as one engine contrast of the area x wave (x tenure) means: estimates, SEs, the
    SEs as if the waves were independent samples (their covariance dropped), df."""
    est = estimate(des, "mean", ["victim"], by=["area", "wave"])
    est = est.concat(estimate(des, "mean", ["victim"], by=["tenure", "area", "wave"]))
    lab = est.labels
    ten = lab["tenure"].fillna(0).to_numpy()
    cells = zip(ten, lab["area"], lab["wave"], strict=True)
    pos = {(int(t), int(a), int(w)): k for k, (t, a, w) in enumerate(cells)}
    L = np.zeros((len(ROWS), len(est)))
    for r, (d, q) in enumerate(ROWS):
        t = 0 if d == "all" else d
        for a, sign in ((1, 1.0), (2, -1.0)):
            if q == "did" or q == ("change_treated" if a == 1 else "change_comparison"):
                s = sign if q == "did" else 1.0
                L[r, pos[(t, a, 2)]] += s
                L[r, pos[(t, a, 1)]] -= s
    comb = est.contrast(L)
    wave = lab["wave"].to_numpy()
    V = est.vcov() * (wave[:, None] == wave[None, :])  # the waves' covariance set to zero
    se_ind = np.sqrt(np.einsum("rk,kl,rl->r", L, V, L))
    return comb.theta, np.sqrt(comb.variance()), se_ind, float(des.degf)


def _simulate(pop, draw, design, seed):
    """Estimates, SEs, SEs without the waves' covariance (REPS x rows) and df (REPS)."""
    rng = np.random.default_rng(seed)
    out = [np.empty((REPS, len(ROWS))) for _ in range(3)] + [np.empty(REPS)]
    for r in range(REPS):
        for arr, value in zip(out, changes(design(draw(pop, rng))), strict=True):
            arr[r] = value
    return tuple(out)


def _coverage(truth_vec, sim):
    est, se, _, df = sim
    t = stats.t.ppf(0.975, df)[:, None]
    return ((est - t * se <= truth_vec) & (truth_vec <= est + t * se)).mean(axis=0)


@pytest.fixture(scope="module")
def independent(pop):
    return _simulate(
        pop, lambda p, rng: draw_sample(p, psus=10, households=15, rng=rng),
        independent_design, 2026,
    )  # fmt: skip


@pytest.fixture(scope="module")
def panel(panel_pop):
    def draw(p, rng):
        return draw_panel(p, psus=10, households=15, rng=rng, attrition=ATTRITION)

    return _simulate(panel_pop, draw, panel_design, 2027)


@pytest.fixture(scope="module")
def informative(panel_pop):
    """Informative attrition: the DiD with the adjusted weights (estimate, SE, df) and the
    DiD point estimate with the design weights (a weighted mean of each cell)."""
    rng = np.random.default_rng(2028)
    adj, naive = [], []
    for _ in range(REPS):
        s = draw_panel(
            panel_pop, psus=10, households=15, rng=rng, attrition=ATTRITION, mechanism="informative"
        )
        est = estimate(panel_design(s), "mean", ["victim"], by=["area", "wave"])
        c = est.contrast([[1, -1, -1, 1]])  # labels in (area, wave) order: 1-1 1-2 2-1 2-2
        adj.append([-c.theta[0], np.sqrt(c.variance()[0]), est.design.degf])
        wy = (s["weight_design"] * s["victim"]).groupby([s["area"], s["wave"]]).sum()
        m = (wy / s.groupby(["area", "wave"])["weight_design"].sum()).to_numpy()
        naive.append((m[1] - m[0]) - (m[3] - m[2]))
    return np.array(adj), np.array(naive)


@pytest.mark.parametrize("kind", ["independent", "panel"])
def test_intervals_cover_the_truth(request, kind):
    """95% intervals cover the population value 93.5-96.5% of the time: the DiD and each
    area's pre/post change overall, and the average over the six by-tenure quantities; each
    by-tenure quantity within 92-98% (+-3 MC SE: eighteen windows of +-1.55 MC SE would
    fail together about once in ten seeds for a correct method)."""
    truth = request.getfixturevalue("truth" if kind == "independent" else "panel_truth")
    cov = _coverage(_truth_vector(truth), request.getfixturevalue(kind))
    shown = {f"{d}/{q}": round(float(c), 4) for (d, q), c in zip(ROWS, cov, strict=True)}
    assert ((0.935 <= cov[:3]) & (cov[:3] <= 0.965)).all(), shown
    assert 0.935 <= cov[3:].mean() <= 0.965, shown
    assert ((0.92 <= cov[3:]) & (cov[3:] <= 0.98)).all(), shown


@pytest.mark.parametrize("kind", ["independent", "panel"])
def test_did_is_unbiased_and_has_the_right_sign(request, kind):
    est, se, _, _ = request.getfixturevalue(kind)
    truth = request.getfixturevalue("truth" if kind == "independent" else "panel_truth")
    tv = _truth_vector(truth)
    mc_se = est.std(axis=0, ddof=1) / np.sqrt(REPS)
    assert (np.abs(est.mean(axis=0) - tv) < 3 * mc_se).all()
    assert (est[:, 2] < 0).mean() > 0.9  # the overall DiD
    # the SE estimates the sampling SD (within 10%)
    assert np.allclose(se.mean(axis=0), est.std(axis=0, ddof=1), rtol=0.1)


def test_panel_counts_the_covariance_between_waves(panel):
    """The panel's waves covary (shared PSUs and households): the SE with the design
    covariance between the waves estimates the sampling SD of the changes; dropping that
    covariance (treating the waves as independent samples) overstates it."""
    est, se, se_ind, _ = panel
    sd = est.std(axis=0, ddof=1)
    assert np.allclose(se.mean(axis=0), sd, rtol=0.1)
    assert (se_ind.mean(axis=0)[:2] > 1.05 * sd[:2]).all()


def test_informative_attrition_needs_the_adjusted_weights(panel_truth, informative):
    """Treated-area victims drop out more: with the design weights the follow-up under-
    represents them and the DiD is biased; the weighting-class adjustment (area x baseline
    outcome) removes the bias and its intervals cover."""
    adj, naive = informative
    tv = panel_truth["did"]
    mc_se = adj[:, 0].std(ddof=1) / np.sqrt(REPS)
    assert abs(adj[:, 0].mean() - tv) < 3 * mc_se
    assert abs(naive.mean() - tv) > 5 * naive.std(ddof=1) / np.sqrt(REPS)
    t = stats.t.ppf(0.975, adj[:, 2])
    covered = (adj[:, 0] - t * adj[:, 1] <= tv) & (tv <= adj[:, 0] + t * adj[:, 1])
    assert 0.935 <= covered.mean() <= 0.965, covered.mean()


def test_routes_equal_the_engine_contrasts(pop, panel_pop):
    """``compare.did`` (with and without ``by``) and ``compare.compare_within`` give the
    simulation's contrasts on an independent-samples and on a panel sample."""
    for s, design in (
        (draw_sample(pop, psus=10, households=15, rng=np.random.default_rng(1)),
         independent_design),
        (draw_panel(panel_pop, psus=10, households=15, rng=np.random.default_rng(1),
                    attrition=ATTRITION), panel_design),
    ):  # fmt: skip
        des = design(s)
        est, se, _, _ = changes(des)
        d = compare.did(des, "victim", "area", "wave", treated=1, pre=1, post=2)
        dd = compare.did(des, "victim", "area", "wave", by="tenure", treated=1, pre=1, post=2)
        got = {("all", "did"): d["estimate"].iloc[0], ("all", "change_treated"): d["estimate_2"].iloc[0],
               ("all", "change_comparison"): d["estimate_1"].iloc[0]}  # fmt: skip
        gse = {("all", "did"): d["se"].iloc[0], ("all", "change_treated"): d["se_2"].iloc[0],
               ("all", "change_comparison"): d["se_1"].iloc[0]}  # fmt: skip
        for t in (1, 2):
            row = dd[dd["tenure"] == t].iloc[0]
            got |= {(t, "did"): row["estimate"], (t, "change_treated"): row["estimate_2"],
                    (t, "change_comparison"): row["estimate_1"]}  # fmt: skip
            gse |= {(t, "did"): row["se"], (t, "change_treated"): row["se_2"],
                    (t, "change_comparison"): row["se_1"]}  # fmt: skip
        for k, key in enumerate(ROWS):
            assert got[key] == pytest.approx(est[k], abs=1e-13)
            assert gse[key] == pytest.approx(se[k], rel=1e-10)
        w = compare.compare_within(des, "victim", "wave", by=["tenure", "area"],
                                   baseline=1, followup=2)  # fmt: skip
        row = w[(w["tenure"] == 2) & (w["area"] == 1)].iloc[0]
        assert row["estimate"] == pytest.approx(got[(2, "change_treated")], abs=1e-13)
        assert row["se"] == pytest.approx(gse[(2, "change_treated")], rel=1e-10)


def test_cli_route_recovers_the_known_effect(tmp_path, pop, truth):
    """One sample of the test bed through `survey compare` (one file, --wave, --group): the
    DiD equals the API's on the same with-replacement design, and its interval holds the
    population's true effect."""
    from typer.testing import CliRunner

    from survey.cli import app

    s = draw_sample(pop, psus=10, households=15, rng=np.random.default_rng(5))
    path = tmp_path / "sample.csv"
    s[["wave", "stratum", "psu", "area", "victim", "weight"]].to_csv(path, index=False)
    out = tmp_path / "did.xlsx"
    res = CliRunner().invoke(
        app,
        ["compare", str(path), "--wave", "wave", "--before", "1", "--after", "2",
         "--indicators", "victim", "--weight", "weight", "--strata", "stratum", "--psu", "psu",
         "--group", "area", "--treated", "1", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    cli = pd.read_excel(out, sheet_name="did").iloc[0]
    des = survey.Design(s, weight="weight", strata="stratum_w", psu="psu_w")
    api = compare.did(des, "victim", "area", "wave", treated=1, pre=1, post=2).iloc[0]
    assert cli["estimate"] == pytest.approx(api["estimate"], abs=1e-12)
    assert cli["se"] == pytest.approx(api["se"], rel=1e-10)
    assert cli["ci_low"] <= truth["did"] <= cli["ci_high"]


def test_report_spec_route_recovers_the_known_effect(tmp_path, pop, truth):
    """One sample of the test bed through a `survey report` spec (waves, groups, one
    spec-defined indicator): the DiD of the report (comparisons and the xlsx DiD table,
    whose first two columns are the comparison and the treated group's changes) equals
    compare.did's on the same design, and its interval holds the population's true effect."""
    import yaml
    from openpyxl import load_workbook

    from survey.report import pipeline as P

    s = draw_sample(pop, psus=10, households=15, rng=np.random.default_rng(5))
    s[["wave", "stratum_w", "psu_w", "area", "victim", "weight"]].to_csv(
        tmp_path / "sample.csv", index=False
    )
    spec = {
        "title": "Known-truth evaluation", "language": "en", "source": "evaluation test bed",
        "data": {"path": "sample.csv"},
        "design": {"weight": "weight", "strata": "stratum_w", "psu": "psu_w"},
        "waves": {"column": "wave", "before": 1, "after": 2},
        "groups": {"column": "area", "treated": 1},
        "estimation": {"level": 0.95, "ci": "logit", "df": "design"},
        "comparisons": {"adjust": "holm", "df": "design"},
        "breakdowns": ["area"],
        "indicators": [{"name": "victim", "label": "Victimised households", "variable": "victim",
                        "codes": [1], "base": [0, 1], "better": "lower",
                        "section": "victimisation"}],
        "figures": {"did": ["victim"]},
    }  # fmt: skip
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    res = P.run_spec(tmp_path / "spec.yaml", tmp_path / "out", progress=False)
    des = survey.Design(s, weight="weight", strata="stratum_w", psu="psu_w")
    api = compare.did(des, "victim", "area", "wave", treated=1, pre=1, post=2).iloc[0]
    row = res.comparisons.query("comparison == 'did'").iloc[0]
    for col in ("estimate", "se", "ci_low", "ci_high", "estimate_1", "estimate_2"):
        assert row[col] == pytest.approx(api[col], abs=1e-12), col
    assert row["ci_low"] <= truth["did"] <= row["ci_high"]
    ws = load_workbook(res.files["xlsx"])["did"]
    cells = [[c.value for c in r] for r in ws.iter_rows()]
    head = next(i for i, r in enumerate(cells) if r[0] == "Group")
    header, values = cells[head], cells[head + 1]
    assert header[2:5] == ["Change, comparison", "Change, treated",
                           "Difference (percentage points)"]  # fmt: skip
    assert values[2:5] == [round(100 * api[c], 1) for c in ("estimate_1", "estimate_2", "estimate")]
