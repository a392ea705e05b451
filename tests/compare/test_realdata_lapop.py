"""Acceptance on real data: LAPOP AmericasBarometer trust in the national police (``b18``,
share answering 5-7 on the 1-7 scale), 2018/19 vs 2023, every country of the multi-country
file, as independent samples. Per-wave estimates and SEs must equal R's (compare.R:
``svymean(~b18_57, svydesign(id=~upm, strata=~strata, weights=~weight1500, nest=TRUE))`` per
country and wave) to 1e-8; the countries whose change is significant are listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.compare import compare_independent, do_no_harm
from tests.conftest import load_golden, realdata_file

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def lapop_change():
    path = realdata_file("lapop/ym23_multicountry_2018_2023.csv.gz")
    data = pd.read_csv(path, usecols=["pais", "wave", "upm", "strata", "weight1500", "b18"])
    data["b18_57"] = np.where(data["b18"].isna(), np.nan, (data["b18"] >= 5).astype(float))
    # strata and PSU ids repeat across countries: strata within country, PSUs nested in them
    data["pais_strata"] = data["pais"].astype(str) + ":" + data["strata"].astype(str)
    designs = [
        Design(
            data[data["wave"] == w].reset_index(drop=True),
            weight="weight1500",
            strata="pais_strata",
            psu="upm",
            nest=True,
        )
        for w in (2018, 2023)
    ]
    # a country is a domain of each wave's design; its df is its own design's (R's degf of
    # the country's design), and the two waves are independent samples
    return compare_independent(
        *designs, "b18_57", by="pais", wave_df="domain", worse="lower", adjust="holm"
    )


def test_lapop_waves_match_r(lapop_change):
    gold = [c for c in load_golden("compare")["cases"] if c["kind"] == "lapop"]
    if not gold:
        pytest.skip("compare.json was generated without the LAPOP file")
    res = lapop_change.set_index("pais")
    assert sorted(res.index) == sorted(c["pais"] for c in gold)  # countries in both waves
    for c in gold:
        row = res.loc[c["pais"]]
        np.testing.assert_allclose(
            row[["estimate_1", "se_1", "estimate_2", "se_2"]].to_numpy(dtype=float),
            [c["estimate_1"], c["se_1"], c["estimate_2"], c["se_2"]],
            rtol=1e-8,
        )
        assert row["df"] == c["degf_1"] + c["degf_2"]
        np.testing.assert_allclose(row["se"], np.hypot(c["se_1"], c["se_2"]), rtol=1e-8)


def test_lapop_significant_countries(lapop_change):
    res = lapop_change
    assert len(res) == 18
    sig = res[res["significant"].astype(bool)]
    # listed for the record (pais codes); a significant change has |t| above the t quantile
    print("countries with a significant change in trust in the police:", sig["pais"].tolist())
    assert len(sig) >= 1
    assert (sig["p_adjusted"] < 0.05).all()
    assert (res.loc[~res["significant"].astype(bool), "p_adjusted"] >= 0.05).all()
    # a significant fall in trust is a "do no harm" flag (worse="lower")
    harm = do_no_harm(res)
    assert ((harm["estimate"] < 0) & harm["significant"].astype(bool)).all()
    assert set(harm["pais"]) == set(sig.loc[sig["estimate"] < 0, "pais"])
