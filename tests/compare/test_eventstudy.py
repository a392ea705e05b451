"""Event studies (survey.compare.event_study) against R and against the known truth.

R: tests/golden/eventstudy.R -> eventstudy.json: the wave:treated interactions of the
saturated ``svyglm(victim ~ relevel(factor(wave), ref = "3") * treated)`` (coefficients,
SEs, their covariance, residual df) and ``regTermTest`` of the baseline interactions, on a
panel with attrition (PSUs and households shared by the waves: the covariance between waves
counts), within the ``tenure == 2`` domain of the panel, and on independent cross-sections.
Truth: samples of survey.datasets.evaluation populations with known event-study
coefficients.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import survey
from survey import compare
from survey.datasets.evaluation import draw_panel, make_population, population_truth
from tests.conftest import GOLDEN, load_golden

CASES = [c for c in load_golden("eventstudy")["cases"] if c["kind"] == "event_study"]
RTOL = 1e-8


def _design(name: str):
    if name == "cross_jkn":  # R: as.svrepdesign(svydesign(ids = ~psu_w, strata = ~stratum_w,
        from survey.weighting import as_replicate  # weights = ~weight), type = "JKn")

        d = pd.read_csv(GOLDEN / "eventstudy_cross.csv")
        return as_replicate(survey.Design(d, "weight", "stratum_w", "psu_w"), "JKn")
    d = pd.read_csv(GOLDEN / f"eventstudy_{name}.csv")
    if name == "panel":  # R: svydesign(ids = ~psu + hh_id, strata = ~stratum, fpc = ..., weights)
        return survey.Design(d, "weight", "stratum", ["psu", "hh_id"], ["fpc_psu", "fpc_hh"])
    return survey.Design(d, "weight", "stratum_w", ["psu_w", "hh_id"], ["fpc_psu", "fpc_hh"])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
@pytest.mark.parametrize("df", ["model", "design"])
def test_event_study_equals_r_svyglm(case, df):
    des = _design(case["design"])
    by = list(case.get("by", {}))
    es = compare.event_study(
        des, "victim", "area", "wave", by=by or None, treated=1, pre=[1, 2, 3], post=[4, 5],
        df=df,
    )  # fmt: skip
    co = es.coefficients
    if by:
        co = co[co["tenure"] == case["by"]["tenure"]]
    co = co.set_index("wave")
    waves = case["waves"]
    np.testing.assert_allclose(co.loc[waves, "estimate"], case["estimate"], rtol=RTOL)
    np.testing.assert_allclose(co.loc[waves, "se"], case["se"], rtol=RTOL)
    np.testing.assert_allclose(co.loc[waves, "estimate"], case["contrast"], rtol=RTOL)
    np.testing.assert_allclose(co.loc[waves, "se"], case["contrast_se"], rtol=RTOL)
    key = (case["by"]["tenure"], "victim", None) if by else ("victim", None)
    np.testing.assert_allclose(es.vcov[key].loc[waves, waves], case["vcov"], rtol=RTOL)
    assert co.loc[3, "estimate"] == 0 and co.loc[3, "period"] == "reference"
    assert list(co["event_time"]) == [-2, -1, 0, 1, 2]
    pt = es.pretrend
    if by:
        pt = pt[pt["tenure"] == case["by"]["tenure"]]
    pt = pt.iloc[0]
    assert pt["wald"] == pytest.approx(case["wald"], rel=RTOL)
    assert pt["F"] == pytest.approx(case["F"], rel=RTOL)
    assert pt["df_num"] == case["df_num"] == 2
    if df == "model":  # R's summary(svyglm) and regTermTest: df.residual = degf + 1 - 10
        assert co["df"].iloc[0] == case["df_residual"] == pt["df_den"]
        np.testing.assert_allclose(co.loc[waves, "p_value"], case["p_value"], rtol=RTOL)
        assert pt["p_value"] == pytest.approx(case["p_pretrend"], rel=RTOL)
    else:  # the design df, as regTermTest(..., df = degf(design))
        assert pt["df_den"] == des.degf
        if not by:
            assert pt["p_value"] == pytest.approx(case["p_pretrend_design"], rel=RTOL)


@pytest.mark.filterwarnings("ignore:domains in few strata")
def test_two_waves_is_the_did():
    """One baseline and one follow-up wave: the single coefficient is compare.did's DiD."""
    des = _design("panel")
    es = compare.event_study(des, "victim", "area", "wave", treated=1, pre=[3], post=[4])
    d = compare.did(des, "victim", "area", "wave", treated=1, pre=3, post=4).iloc[0]
    row = es.coefficients.set_index("wave").loc[4]
    assert row["estimate"] == pytest.approx(d["estimate"], abs=1e-14)
    assert row["se"] == pytest.approx(d["se"], rel=1e-12)
    assert row["estimate_treated"] == pytest.approx(d["estimate_2"], abs=1e-14)
    assert row["estimate_control"] == pytest.approx(d["estimate_1"], abs=1e-14)
    pt = es.pretrend.iloc[0]
    assert np.isnan(pt["p_value"]) and "no baseline wave" in pt["note"]


def test_labels_name_waves_and_groups():
    d = pd.read_csv(GOLDEN / "eventstudy_panel.csv")
    names = {1: "2019", 2: "2020", 3: "2021", 4: "2022", 5: "2023"}
    d["year"] = d["wave"].map(names)
    d["zone"] = d["area"].map({1: "Programme", 2: "Comparison"})
    des = survey.Design(d, "weight", "stratum", ["psu", "hh_id"], ["fpc_psu", "fpc_hh"])
    by_code = compare.event_study(_design("panel"), "victim", "area", "wave", treated=1,
                                  pre=[1, 2, 3], post=[4, 5]).coefficients  # fmt: skip
    by_name = compare.event_study(des, "victim", "zone", "year", treated="Programme",
                                  pre=["2019", "2020", "2021"], post=["2022", "2023"])  # fmt: skip
    np.testing.assert_allclose(by_name.coefficients["estimate"], by_code["estimate"], atol=1e-14)
    assert by_name.coefficients.attrs["reference"] == "2021"
    with pytest.raises(ValueError, match="both pre and post"):
        compare.event_study(des, "victim", "zone", "year", treated="Programme",
                            pre=["2019", "2020"], post=["2020", "2023"])  # fmt: skip
    with pytest.raises(ValueError, match="2024"):
        compare.event_study(des, "victim", "zone", "year", treated="Programme",
                            pre=["2019"], post=["2024"])  # fmt: skip


def test_a_wave_without_answers_gives_notes_not_nan_elsewhere():
    """The item unanswered in wave 1: its coefficient is NaN with a note, the others are
    estimated as before (the pre-trend test says a coefficient is missing)."""
    d = pd.read_csv(GOLDEN / "eventstudy_panel.csv")
    full = compare.event_study(_design("panel"), "victim", "area", "wave", treated=1,
                               pre=[1, 2, 3], post=[4, 5]).coefficients.set_index("wave")  # fmt: skip
    d.loc[d["wave"] == 1, "victim"] = np.nan
    des = survey.Design(d, "weight", "stratum", ["psu", "hh_id"], ["fpc_psu", "fpc_hh"])
    es = compare.event_study(des, "victim", "area", "wave", treated=1, pre=[1, 2, 3], post=[4, 5])
    co = es.coefficients.set_index("wave")
    assert np.isnan(co.loc[1, ["estimate", "se", "p_value"]].astype(float)).all()
    assert "no answers" in co.loc[1, "note"]
    np.testing.assert_allclose(co.loc[[2, 4, 5], "estimate"], full.loc[[2, 4, 5], "estimate"])
    np.testing.assert_allclose(co.loc[[2, 4, 5], "se"], full.loc[[2, 4, 5], "se"], rtol=1e-12)
    assert co.loc[[2, 4, 5], "note"].isna().all()
    assert es.pretrend["note"].iloc[0] == "a baseline coefficient is not estimated"


def test_no_cases_before_the_programme_keeps_the_follow_up_coefficients():
    """No victim in any baseline wave: the baseline coefficients are 0 with variance 0, so the
    pre-trend test is undefined (NaN and a note), and the follow-up coefficients stand (a
    singular covariance used to raise LinAlgError and lose every result)."""
    d = pd.read_csv(GOLDEN / "eventstudy_panel.csv")
    d.loc[d["wave"].isin([1, 2, 3]), "victim"] = 0
    des = survey.Design(d, "weight", "stratum", ["psu", "hh_id"], ["fpc_psu", "fpc_hh"])
    es = compare.event_study(des, "victim", "area", "wave", treated=1, pre=[1, 2, 3], post=[4, 5])
    co = es.coefficients.set_index("wave")
    assert np.isfinite(co.loc[[4, 5], "estimate"].astype(float)).all()
    assert (co.loc[[4, 5], "se"].astype(float) > 0).all()
    assert np.isnan(es.pretrend["p_value"].iloc[0])
    assert "singular" in es.pretrend["note"].iloc[0]


REPS = 300


@pytest.fixture(scope="module")
def simulation():
    """Panels (10% random attrition) from two populations with 2 baseline + 1 reference +
    2 follow-up waves and dynamic effects -0.04, -0.07: parallel trends (300 samples), and a
    differential pre-trend of 0.05 per wave in the treated areas (100 samples)."""
    out = {}
    for name, pre_trend, reps in (("parallel", 0.0, REPS), ("pretrend", 0.05, 100)):
        pop = make_population(
            n_pre=3, n_post=2, effect=[-0.04, -0.07], pre_trend=pre_trend, household_sd=0.1
        )
        truth = population_truth(pop)["event_study"]
        rng = np.random.default_rng(31)
        est, se, p = [], [], []
        for _ in range(reps):
            s = draw_panel(pop, psus=10, households=15, rng=rng, attrition=0.1)
            des = survey.Design(s, "weight", "stratum", ["psu", "hh_id"], ["fpc_psu", "fpc_hh"])
            es = compare.event_study(des, "victim", "area", "wave", treated=1, pre=[1, 2, 3],
                                     post=[4, 5])  # fmt: skip
            co = es.coefficients.set_index("wave").loc[[1, 2, 4, 5]]
            est.append(co["estimate"].to_numpy(float))
            se.append(co["se"].to_numpy(float))
            p.append(es.pretrend["p_value"].iloc[0])
        out[name] = (np.array([truth[w] for w in (1, 2, 4, 5)]), np.array(est), np.array(se),
                     np.array(p), float(des.degf))  # fmt: skip
    return out


def test_event_study_covers_the_known_coefficients(simulation):
    """300 panels: the 95% intervals of the four coefficients cover the population's values
    (MC SE of a 95% coverage with 300 samples: 0.0126; window 92-98%, +-2.4 MC SE), the
    estimates are unbiased and the follow-up effects have the right sign."""
    truth, est, se, _, df = simulation["parallel"]
    t = stats.t.ppf(0.975, df)
    cov = ((est - t * se <= truth) & (truth <= est + t * se)).mean(axis=0)
    assert ((0.92 <= cov) & (cov <= 0.98)).all(), cov
    mc = est.std(axis=0, ddof=1) / np.sqrt(REPS)
    assert (np.abs(est.mean(axis=0) - truth) < 3 * mc).all()
    assert (est[:, 3] < 0).mean() > 0.9


def test_pretrend_test_has_its_size_and_detects_a_pretrend(simulation):
    """Parallel trends: the pre-trend F test rejects at 5% in about 5% of samples (MC SE
    0.0126 with 300: 2-9%); with a differential pre-trend of 0.05 per wave it rejects in
    most samples."""
    p_par = simulation["parallel"][3]
    p_pre = simulation["pretrend"][3]
    assert 0.02 <= (p_par < 0.05).mean() <= 0.09
    assert (p_pre < 0.05).mean() > 0.6


def test_a_cell_without_rows_is_named():
    """No treated household interviewed in wave 5: that coefficient is NaN and its note
    names the cell; the other coefficients are estimated."""
    d = pd.read_csv(GOLDEN / "eventstudy_panel.csv")
    d = d[~((d["wave"] == 5) & (d["area"] == 1))]
    des = survey.Design(d, "weight", "stratum", ["psu", "hh_id"], ["fpc_psu", "fpc_hh"])
    es = compare.event_study(des, "victim", "area", "wave", treated=1, pre=[1, 2, 3], post=[4, 5])
    co = es.coefficients.set_index("wave")
    assert np.isnan(co.loc[5, "estimate"]) and co.loc[5, "note"] == "not estimated in: treated 5"
    assert np.isnan(co.loc[5, "estimate_treated"]) and np.isfinite(co.loc[5, "estimate_control"])
    assert np.isfinite(co.loc[[1, 2, 4], "se"].astype(float)).all()
    assert np.isfinite(es.pretrend["p_value"].iloc[0])
    assert np.isnan(es.vcov[("victim", None)].loc[5]).all()
