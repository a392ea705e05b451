"""Fixtures for the indicator tests: a small synthetic survey on the standard item ids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

GOLDEN_DATA = Path(__file__).resolve().parents[1] / "golden" / "indicators_data.csv"


def make_standard_data(n: int = 800, seed: int = 7) -> pd.DataFrame:
    """Stratified cluster sample (8 strata x 10 PSUs x 10 persons) with standard items."""
    rng = np.random.default_rng(seed)
    stratum = np.repeat(np.arange(1, 9), n // 8)
    psu = np.repeat(np.arange(1, n // 10 + 1), 10)
    u = rng.normal(size=n // 10)[psu - 1]  # cluster effect
    w = np.round(rng.uniform(50, 150, n), 3)
    region = (stratum - 1) // 2 + 1
    sex = rng.integers(1, 3, n)

    def yn(p):
        x = rng.uniform(size=n) < p * np.exp(0.3 * u) / (1 + p * (np.exp(0.3 * u) - 1))
        return x.astype(float)

    df = pd.DataFrame(
        {
            "stratum": stratum,
            "psu": psu,
            "weight": w,
            "region": region,
            "sex": sex,
            "vic_hh_burglary_12m": yn(0.12),
            "vic_hh_vehicle_theft_12m": yn(0.08),
            "vic_person_robbery_12m": yn(0.10),
            "vic_person_assault_12m": yn(0.06),
            "vic_person_threat_12m": yn(0.09),
            "vic_person_sexual_offence_12m": yn(0.03),
        }
    )
    miss = rng.uniform(size=n) < 0.03
    df.loc[miss, "vic_hh_burglary_12m"] = 99  # no answer code
    victim = df[["vic_person_robbery_12m", "vic_person_assault_12m"]].max(axis=1) == 1
    times = rng.poisson(1.5, n) + 1
    times[rng.uniform(size=n) < 0.03] = 25  # series victims
    df["inc_times_12m"] = np.where(victim, times, 0).astype(float)
    ctype = np.where(df["vic_person_robbery_12m"] == 1, 5, 7)
    df["inc_crime_type"] = np.where(victim, ctype, np.nan)
    rep = np.where(rng.uniform(size=n) < 0.4, 1.0, 0.0)
    df["inc_reported_police"] = np.where(victim, rep, np.nan)
    df.loc[victim & (rng.uniform(size=n) < 0.05), "inc_reported_police"] = 98
    comp = np.where(rng.uniform(size=n) < 0.7, 1.0, 0.0)
    df["inc_complaint_filed"] = np.where(df["inc_reported_police"] == 1, comp, np.nan)
    inv = np.where(rng.uniform(size=n) < 0.5, 1.0, 0.0)
    df["inc_investigation"] = np.where(df["inc_complaint_filed"] == 1, inv, np.nan)
    sat = rng.integers(1, 5, n).astype(float)
    df["inc_satisfaction"] = np.where(df["inc_reported_police"] == 1, sat, np.nan)
    df["fear_walk_dark"] = rng.choice([1, 2, 3, 4, 5, 99], n, p=[0.2, 0.3, 0.25, 0.1, 0.13, 0.02])
    df["insec_neighbourhood"] = rng.choice([1, 2, 98], n, p=[0.55, 0.43, 0.02])
    df["insec_state"] = rng.choice([1, 2], n, p=[0.25, 0.75])
    df["worry_robbery"] = rng.choice([1, 2, 3, 4], n)
    df["avoid_going_out_night"] = rng.choice([0, 1], n, p=[0.6, 0.4])
    df["avoid_cash"] = rng.choice([0, 1], n, p=[0.7, 0.3])
    df["trust_interpersonal"] = rng.choice([1, 2, 98], n, p=[0.2, 0.78, 0.02])
    df["trust_inst_police"] = rng.choice([1, 2, 3, 4], n, p=[0.1, 0.3, 0.35, 0.25])
    df["trust_inst_judiciary"] = rng.choice([1, 2, 3, 4], n, p=[0.05, 0.2, 0.4, 0.35])
    latent = rng.normal(size=n) + 0.5 * u
    for name, shift in [
        ("police", 0.3),
        ("judiciary", -0.2),
        ("government", 0.0),
        ("congress", -0.5),
    ]:
        x = np.clip(np.round(4 + 1.3 * latent + shift + rng.normal(scale=1.0, size=n)), 1, 7)
        df[f"trust_inst_{name}_7pt"] = x
    df.loc[rng.uniform(size=n) < 0.05, "trust_inst_congress_7pt"] = 88
    df.loc[rng.uniform(size=n) < 0.03, "trust_inst_government_7pt"] = np.nan
    return df


@pytest.fixture(scope="session")
def standard_data() -> pd.DataFrame:
    if GOLDEN_DATA.exists():
        return pd.read_csv(GOLDEN_DATA)
    return make_standard_data()


@pytest.fixture(scope="session")
def design(standard_data):
    from survey import Design

    return Design(standard_data, weight="weight", strata="stratum", psu="psu")
