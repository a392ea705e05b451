"""Indicators on real microdata (skipped without ../shared/realdata).

Expected values: R's survey package on the same files (tests/golden/indicators.R, real-data
cases, aggregates only) and published figures (INE Chile, BJS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design, trust
from survey import indicators as ind
from tests.conftest import load_golden, realdata_file

GOLD = load_golden("indicators")["cases"]


@pytest.fixture(scope="module")
def enusc():
    df = pd.read_csv(realdata_file("enusc/enusc_2019_subset.csv.gz"))
    return Design(
        df, weight="Fact_Hog", strata="VarStrat", psu="Conglomerado", lonely_psu="certainty"
    )


@pytest.mark.parametrize(
    ("item", "weight", "published"), [("VA_DC", "Fact_Hog", 0.233), ("VP_DC", "Fact_Pers", None)]
)
def test_enusc_2019_victimisation_national_and_by_region(enusc, item, weight, published):
    unit = "household" if weight == "Fact_Hog" else "person"
    nat = ind.prevalence(enusc, {"any": item}, unit=unit, weight=weight, scale="proportion")
    g = GOLD[f"enusc2019_{item}"]
    assert nat.estimate.item() == pytest.approx(g["national"]["estimate"], rel=1e-10)
    assert nat.se.item() == pytest.approx(g["national"]["se"], rel=1e-8)
    assert nat.deff.item() == pytest.approx(g["national"]["deff"], rel=1e-8)
    if published is not None:
        # INE Chile, ENUSC 2019 results: 23.3% of households victimised (DMCS)
        assert round(nat.estimate.item(), 3) == published
    assert nat.reliability.item() == "reliable"
    reg = ind.prevalence(
        enusc, {"any": item}, unit=unit, weight=weight, by="enc_region", scale="proportion"
    ).sort_values("enc_region")
    assert len(reg) == len(g["rows"]) == 16
    np.testing.assert_allclose(reg.estimate, [r["estimate"] for r in g["rows"]], rtol=1e-10)
    np.testing.assert_allclose(reg.se, [r["se"] for r in g["rows"]], rtol=1e-8)
    assert reg.reliability.isin(["reliable", "caution", "suppress"]).all()


def test_enusc_household_vs_person_difference_needs_same_design(enusc):
    a = ind.prevalence(enusc, {"any": "VA_DC"}, as_set=True)
    b = ind.prevalence(enusc, {"any": "VP_DC"}, weight="Fact_Pers", as_set=True)
    with pytest.raises(ValueError, match="different designs"):
        ind.difference(a, b)


def test_lapop_trust_in_police_by_country_and_wave():
    df = pd.read_csv(realdata_file("lapop/ym23_multicountry_2018_2023.csv.gz"))
    df["sw"] = df["wave"].astype(str) + "_" + df["strata"].astype(str)
    d = Design(df, weight="weight1500", strata="sw", psu="upm", nest=True, lonely_psu="certainty")
    out = trust.institutional(
        d,
        {"police": "b18"},
        convention="lapop",
        measure="share",
        by=["pais", "wave"],
        scale="proportion",
    )
    g = pd.DataFrame(
        [
            {**r["by"], "est": r["estimate"], "r_se": r["se"]}
            for r in GOLD["lapop_b18_567_pais_wave"]["rows"]
        ]
    )
    m = out.merge(g, on=["pais", "wave"])
    assert len(m) == len(g) == 41
    np.testing.assert_allclose(m.estimate, m.est, rtol=1e-10)
    np.testing.assert_allclose(m["se"], m["r_se"], rtol=1e-8)


def test_ncvs_2021_household_property_prevalence():
    """BJS, Criminal Victimization 2021 (NCJ 305101): 6.25% of households experienced one or
    more property victimizations.

    Reproduced from the public-use collection-year files: a household counts as victimised
    when any of its interviews in 2021 reports a property incident (V4529 codes 31-59:
    burglary/trespass, motor vehicle theft, other theft) that occurred in the United States
    (V4022 != 1); its annual weight is the sum of its household-quarter weights WGTHHCY
    (these sum to the ~129 million US households). We get 6.2536%, 0.0036 points from the
    published 6.25 (BJS's exact prevalence weighting is not documented in the public files).
    Tolerance 0.02 points: tight enough to fail for the nearby alternatives we tried (6.278%
    keeping incidents outside the US, 6.015% weighting households by their mean quarterly
    weight, 4.14% counting household-quarters instead of households).
    """
    hh = pd.read_csv(realdata_file("ncvs/ncvs_2021_household.csv.gz"), dtype={"IDHH": str})
    inc = pd.read_csv(realdata_file("ncvs/ncvs_2021_incident.csv.gz"), dtype={"IDHH": str})
    hh = hh[hh["WGTHHCY"] > 0]
    hh["property"] = ind.flag_units(
        hh,
        inc,
        ["IDHH", "YEARQ"],
        crime_type="V4529",
        codes=range(31, 60),
        where=inc["V4022"].ne(1).to_numpy(),
    )
    year = (
        hh.groupby("IDHH", sort=False)
        .agg(
            property=("property", "max"),
            w=("WGTHHCY", "sum"),
            stratum=("V2117", "first"),
            psu=("V2118", "first"),
        )
        .reset_index()
    )
    d = Design(year, weight="w", strata="stratum", psu="psu", nest=True, lonely_psu="certainty")
    out = ind.prevalence(d, {"property": "property"}, unit="household")
    assert out.estimate.item() == pytest.approx(6.25, abs=0.02)
    assert 0 < out.se.item() < 0.5
    assert out.reliability.item() == "reliable"
