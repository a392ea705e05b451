"""perceived_increase reads ENUSC 2023's derived flag PAD (perc_crime_rose_country) when the
file has no three-way change item: the crosswalk maps PAD, so the indicator is computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.indicators import perceived_increase
from survey.indicators.registry import REGISTRY, battery
from survey.instruments import harmonize
from tests.conftest import realdata_file


def test_registry_lists_the_flag():
    assert REGISTRY["perceived_increase"].available(["perc_crime_rose_country"])


def test_flag_gives_the_country_share():
    rng = np.random.default_rng(5)
    n = 200
    df = pd.DataFrame(
        {
            "strata": np.repeat([1, 2], 100),
            "psu": np.repeat(np.arange(20), 10),
            "w": rng.uniform(1, 4, n),
            "perc_crime_rose_country": rng.choice([0.0, 1.0, np.nan], n, p=[0.3, 0.6, 0.1]),
        }
    )
    d = Design(df, weight="w", strata="strata", psu="psu")
    r = perceived_increase(d, quality=None).set_index("category")
    assert list(r.index) == ["country"]
    ok = df["perc_crime_rose_country"].notna()
    share = np.average(df.loc[ok, "perc_crime_rose_country"], weights=df.loc[ok, "w"])
    assert r.loc["country", "estimate"] == pytest.approx(100 * share, rel=1e-12)
    # the three-way item wins when both are present
    df["perc_crime_change_country"] = np.where(df["perc_crime_rose_country"] == 1, 1, 3)
    d2 = Design(df, weight="w", strata="strata", psu="psu")
    both = perceived_increase(d2, quality=None).set_index("category")
    assert both.loc["country", "estimate"] == pytest.approx(
        100 * np.average(df["perc_crime_change_country"] == 1, weights=df["w"]), rel=1e-12
    )


@pytest.mark.realdata
def test_enusc_2023_battery_computes_perceived_increase_from_pad():
    path = realdata_file("enusc/enusc_2023_subset.csv.gz")
    raw = pd.read_csv(path)
    h = harmonize(raw, "enusc_2023")
    d = Design(h.data, weight="weight", strata="strata", psu="psu", lonely_psu="adjust")
    table = battery(d, names=["perceived_increase"], quality=None)
    assert "perceived_increase" not in table.attrs.get("skipped", {})
    row = table[table["indicator"] == "perceived_increase"].set_index("category")
    # equals the design mean of INE's PAD flag (the engine matches R's svymean)
    pad = d.mean("perc_crime_rose_country")
    assert row.loc["country", "estimate"] == pytest.approx(100 * pad["estimate"].iloc[0], rel=1e-10)
    assert row.loc["country", "se"] == pytest.approx(100 * pad["se"].iloc[0], rel=1e-6)
