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
    both = res[res["note"].isna()]
    assert sorted(both.index) == sorted(c["pais"] for c in gold)  # countries in both waves
    # countries surveyed in one wave only are kept, without a change, and say why
    one = res[res["note"].notna()]
    assert len(one) == len(res) - len(gold) > 0
    assert set(one["note"]) <= {"not estimated in baseline", "not estimated in follow-up"}
    assert one["estimate"].isna().all() and one["p_value"].isna().all()
    assert one["worsened"].isna().all() and one["significant"].isna().all()
    for _, row in one.iterrows():
        side = "1" if row["note"] == "not estimated in follow-up" else "2"
        assert np.isfinite(row[f"estimate_{side}"])
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
    res = lapop_change[lapop_change["note"].isna()]
    assert len(res) == 18
    sig = res[res["significant"].astype(bool)]
    # listed for the record (pais codes); a significant change has |t| above the t quantile
    print("countries with a significant change in trust in the police:", sig["pais"].tolist())
    assert len(sig) >= 1
    assert (sig["p_adjusted"] < 0.05).all()
    assert (res.loc[~res["significant"].astype(bool), "p_adjusted"] >= 0.05).all()
    # a fall in trust significant WITHOUT the Holm adjustment is a "do no harm" flag
    # (worse="lower"; the screen keeps its sensitivity): it includes every Holm-significant fall
    harm = do_no_harm(res)
    assert set(harm["pais"]) == set(
        res.loc[(res["estimate"] < 0) & (res["p_value"] < 0.05), "pais"]
    )
    assert set(sig.loc[sig["estimate"] < 0, "pais"]) <= set(harm["pais"])
