"""Crosswalks against the published variable lists (issue 17, item 1).

No Latinobarómetro or ENVIPE microdata is in ``../shared/realdata``: each test builds a
small file with the variable names, stored codes and value labels of the wave's codebook
(the Stata file's names with ``_``, the R/SPSS file's with ``.``) and checks that
``harmonize`` maps **every** item the crosswalk claims. LAPOP, ESS and ENUSC are checked on
the real files in ``test_instruments_harmonize.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.indicators import insecurity
from survey.instruments import InstrumentError, harmonize, load_crosswalk

# Latinobarómetro's confidence battery (1 mucha .. 4 ninguna) and missing codes.
LB_TRUST = {1: "Mucha", 2: "Algo", 3: "Poca", 4: "Ninguna", -1: "No sabe", -2: "No responde"}
LB_PEOPLE = {
    1: "Se puede confiar en la mayoría de las personas",
    2: "Uno nunca es lo suficientemente cuidadoso en el trato con los demás",
    -1: "No sabe",
    -2: "No responde",
}
# Latinobarómetro 2023 variable list: interpersonal trust P9STGBS; P13STGBS_A armed forces,
# P13STGBS_B police; P13ST_C church, _D congress, _E government, _F judiciary, _G parties,
# _H electoral body, _I president (Stata names; the R/SPSS file writes P13ST.C ...).
LB2023 = {
    "P9STGBS": "trust_interpersonal",
    "P13STGBS_A": "trust_inst_armed_forces",
    "P13STGBS_B": "trust_inst_police",
    "P13ST_C": "trust_inst_church",
    "P13ST_D": "trust_inst_congress",
    "P13ST_E": "trust_inst_government",
    "P13ST_F": "trust_inst_judiciary",
    "P13ST_G": "trust_inst_parties",
    "P13ST_H": "trust_inst_electoral",
    "P13ST_I": "trust_inst_president",
}
# Latinobarómetro 2018: P11STGBS interpersonal trust, P15STGBSC.A-H the battery.
LB2018 = {
    "P11STGBS": "trust_interpersonal",
    "P15STGBSC.A": "trust_inst_armed_forces",
    "P15STGBSC.B": "trust_inst_police",
    "P15STGBSC.C": "trust_inst_church",
    "P15STGBSC.D": "trust_inst_congress",
    "P15STGBSC.E": "trust_inst_government",
    "P15STGBSC.F": "trust_inst_judiciary",
    "P15STGBSC.G": "trust_inst_parties",
    "P15STGBSC.H": "trust_inst_electoral",
}


def _lb_file(names, rename=lambda c: c, n=60, seed=3):
    rng = np.random.default_rng(seed)
    cols = {"numentre": np.arange(n), "idenpa": rng.choice([32, 76, 152], n), "wt": 1.0}
    labels = {}
    for src, target in names.items():
        codes = [1, 2, -1, -2] if target == "trust_interpersonal" else [1, 2, 3, 4, -1, -2]
        cols[rename(src)] = rng.choice(codes, n)
        labels[rename(src)] = LB_PEOPLE if target == "trust_interpersonal" else LB_TRUST
    return pd.DataFrame(cols), labels


def _every_claimed_item_maps(h, names, rename=lambda c: c):
    cw = h.crosswalk
    rep = h.report.set_index("target")
    assert set(names.values()) == set(cw.targets)  # the test covers every claimed item
    for src, target in names.items():
        row = rep.loc[target]
        assert row["status"] == "mapped", (target, row.to_dict())
        assert row["source"] == rename(src)
        assert row["n_unknown"] == 0
    assert h.claimed_failures().empty


@pytest.mark.parametrize("style", ["stata", "r"])
def test_latinobarometro_2023_names_map_every_institution(style):
    rename = (lambda c: c) if style == "stata" else (lambda c: c.replace("_", "."))
    df, labels = _lb_file(LB2023, rename)
    h = harmonize(df, "latinobarometro_2023", value_labels=labels)
    _every_claimed_item_maps(h, LB2023, rename)
    # the values are the stored codes (labels and codes agree in Latinobarómetro files)
    src = rename("P13ST_I")
    expect = df[src].where(df[src] > 0).astype(float)
    pd.testing.assert_series_equal(
        h.data["trust_inst_president"], expect, check_names=False, check_index=False
    )


def test_latinobarometro_2023_without_labels_uses_codes():
    df, _ = _lb_file(LB2023)
    h = harmonize(df, "latinobarometro_2023")
    _every_claimed_item_maps(h, LB2023)
    assert (h.report.set_index("target").loc["trust_inst_church", "mode"]) == "code"


def test_latinobarometro_2018_claims_interpersonal_trust():
    df, labels = _lb_file(LB2018)
    h = harmonize(df, "latinobarometro_2018", value_labels=labels)
    _every_claimed_item_maps(h, LB2018)
    np.testing.assert_array_equal(
        h.data["trust_interpersonal"].to_numpy(),
        df["P11STGBS"].where(df["P11STGBS"] > 0).to_numpy(dtype=float),
    )


def test_label_worded_differently_falls_back_on_the_stored_code():
    # a wave cuts the label short: the stored code decides, because every other label of the
    # file sits on the stored code the crosswalk expects
    labels = {
        "P9STGBS": {
            1: "Se puede confiar en la mayoría de las personas",
            2: "Uno nunca es lo suficientemente...",
            -1: "No sabe",
            -2: "No responde",
        }
    }
    df = pd.DataFrame({"P9STGBS": [1, 2, 2, -1, -2, 7]})
    h = harmonize(df, "latinobarometro_2023", value_labels=labels)
    got = h.data["trust_interpersonal"].to_numpy()
    np.testing.assert_array_equal(got[:3], [1, 2, 2])
    assert np.isnan(got[3:]).all()
    row = h.report.set_index("target").loc["trust_interpersonal"]
    assert (row["n_mapped"], row["n_missing"], row["n_unknown"]) == (3, 2, 1)
    assert "mapped by stored code" in row["detail"] and "2=Uno nunca" in row["detail"]
    assert row["unknown_codes"] == "7=(no label): 1"


def test_no_fallback_when_labels_and_stored_codes_disagree():
    # LAPOP-style file: stored 6 carries scale point 3, so stored codes are not the scale
    # points and an unlisted label stays unknown (never read as its stored code)
    labels = {1: "Nada", 2: "2", 6: "3", 7: "4", 8: "5", 9: "6", 10: "Mucho", 11: "Siete"}
    df = pd.DataFrame({"b18": [1, 2, 6, 7, 8, 9, 10, 11]})
    h = harmonize(df, "lapop", value_labels={"b18": labels})
    row = h.report.set_index("target").loc["trust_inst_police_7pt"]
    assert (row["n_mapped"], row["n_unknown"]) == (7, 1)
    assert np.isnan(h.data["trust_inst_police_7pt"].iloc[-1])


# ------------------------------------------------------------------------------- ENVIPE
def _envipe(seed=11, n=400):
    """TPer_Vic1 variables: AP4_3_1..3 (1 seguro, 2 inseguro, 9 no sabe / no responde),
    SEXO, EDAD, FAC_ELE, EST_DIS, UPM_DIS, CVE_ENT, and PER (ENVIPE 2020 fieldwork period)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "UPM_DIS": np.repeat(np.arange(n // 4), 4),
            "EST_DIS": np.repeat(np.arange(n // 40), 40),
            "FAC_ELE": rng.uniform(200, 900, n).round(),
            "CVE_ENT": rng.integers(1, 33, n),
            "SEXO": rng.choice([1, 2], n),
            "EDAD": rng.integers(18, 98, n),
            "PER": rng.choice([1, 2], n, p=[0.7, 0.3]),
        }
    )
    for i, p in ((1, 0.4), (2, 0.6), (3, 0.7)):
        df[f"AP4_3_{i}"] = rng.choice([1, 2, 9], n, p=[1 - p - 0.05, p, 0.05])
    return df


ENVIPE = {
    "AP4_3_1": "insec_neighbourhood",
    "AP4_3_2": "insec_municipality",
    "AP4_3_3": "insec_state",
    "SEXO": "dem_sex",
    "EDAD": "dem_age",
}


def test_envipe_maps_every_claimed_item_and_9_is_dont_know():
    df = _envipe()
    h = harmonize(df, "envipe")
    _every_claimed_item_maps(h, ENVIPE)
    kept = harmonize(df, "envipe", keep_missing=True).data["insec_neighbourhood"]
    assert (kept == 98).sum() == (df["AP4_3_1"] == 9).sum()
    assert not (kept == 99).any()
    assert load_crosswalk("envipe").conventions == ["inegi"]


def test_envipe_inegi_convention_reproduces_the_published_denominator():
    """INEGI's tabulados: % inseguro = inseguro / (seguro + inseguro + no especificado)."""
    df = _envipe()
    w = df["FAC_ELE"].to_numpy()
    unsafe = (df["AP4_3_1"] == 2).to_numpy()
    inegi = (w * unsafe).sum() / w.sum()
    answered = (df["AP4_3_1"] != 9).to_numpy()
    among_answers = (w * unsafe).sum() / w[answered].sum()
    h = harmonize(df, "envipe", convention="inegi")
    assert (h.data["insec_neighbourhood"] == 98).sum() == (~answered).sum()
    d = Design(h.data, weight="weight", strata="strata", psu="psu")
    pub = insecurity(d, missing_codes=(99,), quality=None).set_index("category")
    np.testing.assert_allclose(pub.loc["neighbourhood", "estimate"], 100 * inegi, rtol=1e-12)
    default = harmonize(df, "envipe")
    d0 = Design(default.data, weight="weight", strata="strata", psu="psu")
    resp = insecurity(d0, quality=None).set_index("category")
    np.testing.assert_allclose(resp.loc["neighbourhood", "estimate"], 100 * among_answers)
    with pytest.raises(InstrumentError, match="offers no convention 'ine'"):
        harmonize(df, "envipe", convention="ine")


def test_envipe_2020_perception_filter_per_1():
    df = _envipe()
    h = harmonize(df, "envipe", filters=["perception_2020"])
    march = (df["PER"] == 1).to_numpy()
    assert h.data.loc[~march, "insec_state"].isna().all()
    np.testing.assert_array_equal(
        h.data.loc[march, "insec_state"].to_numpy(),
        df.loc[march, "AP4_3_3"].where(df["AP4_3_3"] != 9).to_numpy(dtype=float),
    )
    assert h.data["dem_sex"].notna().all()  # only the perception items are filtered
    row = h.report[h.report["status"] == "filter"].iloc[0]
    assert row["source"] == "PER" and f"keeps {march.sum()} rows" in row["detail"]
    with pytest.raises(InstrumentError, match="needs column PER or per"):
        harmonize(df.drop(columns="PER"), "envipe", filters=["perception_2020"])
    with pytest.raises(InstrumentError, match="no filter"):
        harmonize(df, "envipe", filters=["nope"])
