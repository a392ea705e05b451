"""Indicators against R's survey package (tests/golden/indicators.R -> indicators.json).

Each case's R call is in the JSON (``r_call``); the data are tests/golden/indicators_data.csv.
Python estimates are on the % / per-100,000 scale and are divided back before comparing.
"""

from __future__ import annotations

import numpy as np
import pytest

from survey import indicators as ind
from survey import trust
from survey.indicators.victimisation import SDG_ANY_FORM
from tests.conftest import load_golden

GOLD = load_golden("indicators")["cases"]
# svyciprop(method="logit") fits svyglm by IRLS: its estimate agrees to ~1e-9, not 1e-15
TOL = dict(rel=1e-7, abs=1e-12)


def _check(frame, case, factor=1.0, by="region", cols=("estimate", "se", "ci_low", "ci_high")):
    rows = GOLD[case]["rows"]
    assert len(frame) == len(rows), GOLD[case]["r_call"]
    if by and len(rows) and rows[0]["by"]:
        frame = frame.sort_values(by).reset_index(drop=True)
    for i, r in enumerate(rows):
        for c in cols:
            assert frame[c].iloc[i] / factor == pytest.approx(r[c], **TOL), (case, i, c)
        if r.get("deff") is not None and "deff" in frame:
            assert frame["deff"].iloc[i] == pytest.approx(r["deff"], rel=1e-9), (case, i)


def test_prevalence_by_region_matches_svyciprop(design):
    out = ind.prevalence(design, by="region", unit="household")
    _check(out[out.category == "burglary"], "prevalence_burglary_region", 100)
    _check(out[out.category == "any"], "prevalence_hh_any_region", 100)
    assert out.attrs["scale"] == "%"


def test_person_prevalence_any(design):
    out = ind.prevalence(design, unit="person", scale="proportion")
    _check(out[out.category == "any"], "prevalence_person_any", by=None)


def test_sdg_16_1_4_never_excluded(design):
    out = ind.sdg_16_1_4(design, by="region")
    _check(out, "sdg_16_1_4_region", 100)
    assert out.attrs["never_walks"] == "exclude"


def _sdg_crime_type(data):
    """indicators.R's ct_sdg: threats -> 8, sexual offences -> 9, assaults of women in
    region 4 -> kidnapping 13 (in no SDG form), so that every form has incidents."""
    ct = data["inc_crime_type"].to_numpy(dtype=float, copy=True)
    inc = ~np.isnan(ct)
    ct[inc & (data["vic_person_threat_12m"] == 1).to_numpy()] = 8
    ct[inc & (data["vic_person_sexual_offence_12m"] == 1).to_numpy()] = 9
    ct[(ct == 7) & (data["region"] == 4).to_numpy() & (data["sex"] == 2).to_numpy()] = 13
    return ct


def test_sdg_16_3_1_one_rate_per_form_of_violence(standard_data):
    # each form (physical = robbery + assault, psychological = threats, sexual) is a domain
    # of its incidents; df="domain" counts PSUs of the ``by`` domains only, so compare with
    # the design df
    from survey import Design

    data = standard_data.assign(inc_crime_type=_sdg_crime_type(standard_data))
    assert (data["inc_crime_type"] == 13).sum() > 0  # kidnapping present, in no form
    d = Design(data, weight="weight", strata="stratum", psu="psu")
    out = ind.sdg_16_3_1(d, df="design")
    assert out["category"].tolist() == [
        "physical",
        "psychological",
        "sexual",
        SDG_ANY_FORM,
    ]
    _check(out, "sdg_16_3_1_forms", 100, by=None)
    assert out.attrs["forms"]["physical"] == [5, 7]
    assert "published separately" in out.attrs["source"]


def test_sdg_16_1_3_physical_includes_robbery(design):
    out = ind.sdg_16_1_3(design, scale="proportion")
    _check(out[out.category == "physical"], "sdg_16_1_3_physical", by=None)


def test_incidence_is_ratio_of_totals_times_1e5(design):
    out = ind.incidence(design, {"times": "inc_times_12m"}, by="region", df="design")
    _check(out, "incidence_region", 1e5)
    assert out.attrs["scale"] == "per 100,000"


def test_concentration_and_dark_figure(design):
    _check(ind.concentration(design, "inc_times_12m", df="design"), "concentration", by=None)
    dark = ind.dark_figure(design, ci="wald", df="design", scale="proportion")
    _check(dark, "dark_figure", by=None)


def test_lapop_institutional_trust(design):
    out = trust.institutional(
        design, {"police": "trust_inst_police_7pt"}, convention="lapop", by="region"
    )
    means = out[out.category.str.contains("mean")]
    shares = out[out.category.str.contains("%")]
    _check(means, "trust_police_lapop_mean_region")
    # shares of a mixed battery keep R's logit interval (svyciprop), as alone (issue 12:
    # they used to get Wald intervals next to means)
    _check(shares, "trust_police_lapop_share_region", 100)
    assert out.attrs["ci_method"] == "logit/wald"
    share_only = trust.institutional(
        design,
        {"police": "trust_inst_police_7pt"},
        convention="lapop",
        measure="share",
        by="region",
    )
    _check(share_only, "trust_police_lapop_share_region", 100)
    np.testing.assert_allclose(shares["ci_low"], share_only["ci_low"], rtol=1e-12)
    np.testing.assert_allclose(shares["ci_high"], share_only["ci_high"], rtol=1e-12)


def test_trust_index_mean(design):
    out = trust.index(design, by="region")
    _check(out, "trust_index_region")
    assert out.attrs["min_items"] == 2


def test_difference_between_indicators_keeps_covariance(design):
    a = ind.prevalence(
        design,
        unit="person",
        by="region",
        groups={},
        as_set=True,
        crimes={
            "robbery": "vic_person_robbery_12m",
            "assault": "vic_person_assault_12m",
            "threat": "vic_person_threat_12m",
            "sexual_offence": "vic_person_sexual_offence_12m",
        },
    )
    any_only = ind.IndicatorSet(
        a.estimates.contrast(
            np.eye(len(a))[a.labels.category == "any"],
            labels=a.labels[a.labels.category == "any"],
            statistic="prop",
        ),
        a.scale,
        a.proportion[a.labels.category == "any"],
        a.n_cases[a.labels.category == "any"],
        a.meta,
    )
    b = ind.insecurity(design, {"country": "insec_state"}, codes=(2,), by="region", as_set=True)
    diff = ind.difference(any_only, b, df="design")
    _check(diff, "difference_victim_vs_unsafe_region", 100)
    assert diff["reliability"].isna().all()
