"""SDG 16.5.1 and 16.3.1 from data collected with the standard form (issue 17, item 4).

``survey.datasets.make_demo.form_demo`` codes the demo sample as the exported form records
it (screeners, the incident repeat as one row per incident form, the bribery module) and
computes the indicators' population values from the generator's finite population. The
estimates from the sample's design (strata, PSUs, respondent weights) must cover them, the
data must pass the questionnaire's checks, and the sample must be the shipped demo's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design, read
from survey.datasets import demo_path
from survey.datasets.make_demo import form_demo
from survey.indicators import registry
from survey.indicators.victimisation import sdg_16_3_1
from survey.instruments import build, validate_data


@pytest.fixture(scope="module")
def demo():
    return form_demo(wave=1)


def _design(frame):
    return Design(frame, weight="weight", strata="stratum", psu="psu")


def test_the_form_demo_is_the_shipped_demo_sample(demo):
    sav = read(demo_path()).data
    base = sav[sav["wave"] == 1].sort_values("resp_id")
    persons = demo["persons"].sort_values("row_id")
    np.testing.assert_array_equal(persons["row_id"].to_numpy(), base["resp_id"].to_numpy())
    np.testing.assert_allclose(persons["weight"].to_numpy(), base["weight"].to_numpy())
    # robbery: demo 1 yes / 2 no -> the form's 5-year screener 1 / 0, 12 months 1 / blank
    rob = base["robbery"].to_numpy()
    np.testing.assert_array_equal(persons["vic_person_robbery_5y"].to_numpy(), (rob == 1) * 1.0)
    inc = demo["incidents"]
    n_rob = int((rob == 1).sum())
    assert (inc["inc_crime_type"] == 5).sum() == n_rob


def test_form_data_pass_the_questionnaire_checks(demo):
    q = build(
        ["screener_household", "screener_person", "incident", "bribery"], ["en"], title="Demo"
    )
    persons = demo["persons"]
    rep = validate_data(q, persons, id_column="row_id")
    bad = rep[~rep["check"].isin(["absent_column"])]
    assert bad.empty, bad.to_string()
    absent = set(rep.loc[rep["check"] == "absent_column", "item"])
    assert {"bribe_asked_12m", "bribe_paid_12m", "vic_person_robbery_12m"}.isdisjoint(absent)
    inc = demo["incidents"]
    irep = validate_data(q, inc, id_column="row_id")
    checked = irep[irep["item"].str.startswith("inc_") & (irep["check"] != "absent_column")]
    assert checked.empty, checked.to_string()


def test_sdg_16_5_1_covers_the_generator_truth(demo):
    ind = registry.get("sdg_16_5_1")
    assert ind.available(demo["persons"].columns)
    out = ind.compute(_design(demo["persons"]), quality=None).set_index("category")
    truth = 100 * demo["truth"]["sdg_16_5_1"]
    est, se = out.loc["any", "estimate"], out.loc["any", "se"]
    assert 0.10 < demo["truth"]["sdg_16_5_1"] < 0.20
    assert abs(est - truth) < 2.5 * se, (est, se, truth)
    assert out.loc["any", "ci_low"] < truth < out.loc["any", "ci_high"]
    # the denominator is the adults with a contact: the unweighted count agrees
    p = demo["persons"]
    known = p["bribe_asked_12m"].isin([0, 1]) & p["bribe_paid_12m"].isin([0, 1])
    hit = (p["bribe_asked_12m"] == 1) | (p["bribe_paid_12m"] == 1)
    assert out.loc["any", "n"] == int((known | hit).sum())
    # the point estimate is the weighted share over that denominator
    w = p["weight"].to_numpy()
    base = (known | hit).to_numpy()
    np.testing.assert_allclose(est, 100 * (w * hit)[base].sum() / w[base].sum(), rtol=1e-12)
    assert "sdg_16_5_1" in set(registry.list_indicators()["name"])
    assert ind.better == "lower"


def test_sdg_16_3_1_from_the_incident_forms_covers_the_generator_truth(demo):
    d = _design(demo["incidents"])
    out = sdg_16_3_1(d, reported="inc_reported_authority", other=None, quality=None)
    row = out.set_index("category").loc["physical"]
    truth = 100 * demo["truth"]["sdg_16_3_1"]["physical"]
    assert abs(row["estimate"] - truth) < 2.5 * row["se"], (row["estimate"], row["se"], truth)
    # reports to the prosecutor's office count: the police-only rate is lower
    police = sdg_16_3_1(d, other=None, quality=None).set_index("category").loc["physical"]
    assert police["estimate"] < row["estimate"]
    inc = demo["incidents"]
    phys = inc["inc_crime_type"].isin([5, 7])
    auth = inc.loc[phys, "inc_reported_authority"]
    w = inc.loc[phys, "weight"]
    ok = auth.isin([0, 1])
    expect = 100 * (w[ok] * (auth[ok] == 1)).sum() / w[ok].sum()
    np.testing.assert_allclose(row["estimate"], expect, rtol=1e-12)


def test_battery_reads_bribery_from_the_form(demo):
    out = registry.battery(_design(demo["persons"]), names=["sdg_16_5_1"], quality=None)
    assert isinstance(out, pd.DataFrame)
    assert set(out["category"]) == {"asked", "paid", "any"}


def test_battery_reads_the_incident_forms(demo):
    d = _design(demo["incidents"])
    out = registry.battery(d, names=["sdg_16_3_1_any_authority"], quality=None)
    got = out.set_index(["indicator", "category"])["estimate"]
    assert out.attrs["skipped"] == {}
    direct = sdg_16_3_1(d, reported="inc_reported_authority", other=None, quality=None)
    np.testing.assert_allclose(
        got["sdg_16_3_1_any_authority", "physical"],
        direct.set_index("category").loc["physical", "estimate"],
        rtol=1e-12,
    )
    # the demo has no complaint/investigation items: dark = not reported to any authority
    # (INEGI counts an unknown status as dark)
    dark_ind = registry.get("dark_figure_any_authority")
    dk = dark_ind.compute(d, complaint=None, investigation=None, quality=None)
    inc = demo["incidents"]
    dark = (inc["inc_reported_authority"] != 1).to_numpy()
    w = inc["weight"].to_numpy()
    np.testing.assert_allclose(dk["estimate"].iloc[0], 100 * (w * dark).sum() / w.sum(), rtol=1e-12)
