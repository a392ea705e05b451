"""Crosswalks against the producers' own variable lists (issue 17, item 1).

No Latinobarómetro or ENVIPE microdata is in ``../shared/realdata``. The variable names,
variable labels and value labels of every claimed item are read from the producers' own
files, kept in ``tests/instruments/data/codebook_variables.json`` (metadata only, no
respondent data), and each test builds a file with exactly those names, stored codes and
labels and checks that ``harmonize`` maps **every** item the crosswalk claims:

- Latinobarómetro 2018: the producer's R release ``Latinobarometro_2018_Esp_R_v20190303.rds``
  (20,204 x 395), as redistributed in repository jcms2665/UNAM-LCF-2023, path
  "4. Análisis factorial con datos categóricos/Latinobarometro_2018_Esp_R_v20190303.rds",
  commit 24d5ce640e466030729309e6152f0efd76987e0d (blob 7c241c81).
- Latinobarómetro 2020: the producer's Spanish Stata release read into R (20,204 x 408), as
  redistributed in repository Kevin-carrasco/metod1-MCS, path
  docs/files/data/external_data/latinobarometro2020.RData, commit
  f41547ca9e037877fdc801e0d43d35e8366ffa08 (blob 98cbdc01). That copy has lost the value
  labels of p13st_d..g (their codes are those of the battery).
- Latinobarómetro 2023: the producer's SPSS release ``Latinobarometro_2023_Esp_Spss_v1_0.sav``
  read with haven (19,205 x 274; its user-missing codes arrive as NA, their labels are kept),
  as redistributed in repository multinivel-facso/trabajo1-grupo-5, path latbar2023.RDS,
  commit 11775f0dd5ee5b4c78c3e52f508241d00adb2722 (blob 5de8cfbf).
- ENVIPE: INEGI's CAPI questionnaire definitions of ENVIPE 2023 (``envipe2023_elegido.q.xml``
  question 4.3, fields ap4_3_1..3 with codes 1 seguro, 2 inseguro, 9 no sabe / no responde;
  ``envipe2023_sdg.q.xml`` questions 3.4 sexo and 3.5 edad with 97 "97 o más años" and
  98/99 "edad no especificada"), creator "Instituto Nacional de Estadística y Geografía", as
  kept in repository ropalude/envipe-desarrollo, path envipe/Cuestionarios/, commit
  172591ad488aee6a5702aa4b937a0ffae071a2b2. The open-data tables (TPer_Vic1) write the same
  names in upper case.

Harmonising the three Latinobarómetro files themselves maps every claimed item with no
unknown code. What the real files showed and the crosswalks now handle: the 2018 and 2023
files write the interpersonal-trust labels without accents ("mayoria", "demas"; labels now
compare ignoring accents: before, P11STGBS of 2018 mapped nothing), the 2020 and 2023 files
have the missing code -5 "No sabe / No contesta", and ENVIPE ages 98/99 are "not specified",
not ages. No ENVIPE data file was found: its names and codes come from INEGI's questionnaire
definitions, so its crosswalk stays ``verified: false``.

LAPOP, ESS and ENUSC are checked on the real files in ``test_instruments_harmonize.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.indicators import insecurity
from survey.instruments import InstrumentError, harmonize, list_crosswalks, load_crosswalk

CODEBOOKS = json.loads(
    (Path(__file__).parent / "data" / "codebook_variables.json").read_text(encoding="utf-8")
)

# the claimed item of each producer variable (as the producer's file names it)
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
LB2023 = {
    "P9STGBS": "trust_interpersonal",
    "P13STGBS.A": "trust_inst_armed_forces",
    "P13STGBS.B": "trust_inst_police",
    "P13ST.C": "trust_inst_church",
    "P13ST.D": "trust_inst_congress",
    "P13ST.E": "trust_inst_government",
    "P13ST.F": "trust_inst_judiciary",
    "P13ST.G": "trust_inst_parties",
    "P13ST.H": "trust_inst_electoral",
    "P13ST.I": "trust_inst_president",
}
LB2020 = {
    "p9stgbs": "trust_interpersonal",
    "P13STGBS_A": "trust_inst_armed_forces",
    "P13STGBS_B": "trust_inst_police",
    "p13st_c": "trust_inst_church",
    "p13st_d": "trust_inst_congress",
    "p13st_e": "trust_inst_government",
    "p13st_f": "trust_inst_judiciary",
    "p13st_g": "trust_inst_parties",
    "p13st_h": "trust_inst_electoral",
    "p13st_i": "trust_inst_president",
}
BATTERY = [1, 2, 3, 4, -1, -2, -3, -4, -5]  # 1 mucha .. 4 ninguna and the missing codes


def _codebook_labels(wave: str) -> dict:
    """``{variable: {code: label}}`` of a wave's producer file (variables with labels)."""
    out = {}
    for var, meta in CODEBOOKS[wave]["variables"].items():
        if meta["value_labels"]:
            out[var] = {int(k): v for k, v in meta["value_labels"].items()}
    return out


def _lb_file(wave: str, names: dict, rename=lambda c: c, n=90, seed=3):
    """A file with the wave's variable names holding every labelled code of each variable
    (the battery codes where the producer's copy lost its labels), in random order."""
    rng = np.random.default_rng(seed)
    labels = _codebook_labels(wave)
    design = [v for v in CODEBOOKS[wave]["variables"] if v.lower() in ("numentre", "idenpa")]
    cols = {design[0]: np.arange(n), design[1]: rng.choice([32, 76, 152], n), "wt": 1.0}
    out_labels = {}
    for src in names:
        codes = sorted(labels[src]) if src in labels else BATTERY
        cols[rename(src)] = rng.permutation(np.resize(codes, n))
        if src in labels:
            out_labels[rename(src)] = labels[src]
    return pd.DataFrame(cols), out_labels


def _every_claimed_item_maps(h, names, rename=lambda c: c):
    cw = h.crosswalk
    rep = h.report.set_index("target")
    assert set(names.values()) == set(cw.targets)  # the test covers every claimed item
    for src, target in names.items():
        row = rep.loc[target]
        assert row["status"] == "mapped", (target, row.to_dict())
        assert row["source"] == rename(src)
        assert row["n_unknown"] == 0, (target, row["unknown_codes"])
    assert h.claimed_failures().empty


def test_codebook_metadata_lists_every_claimed_variable():
    v18, v20 = CODEBOOKS["latinobarometro_2018"], CODEBOOKS["latinobarometro_2020"]
    v23 = CODEBOOKS["latinobarometro_2023"]
    assert set(LB2018) <= set(v18["variables"]) and set(LB2020) <= set(v20["variables"])
    assert set(LB2023) <= set(v23["variables"])
    assert v23["variables"]["P13ST.I"]["label"] == "P13ST.I Confianza en el Presidente"
    assert v18["variables"]["P15STGBSC.B"]["label"] == (
        "P15STGBSC.B Confianza en: La policía/Carabineros"
    )
    assert v20["variables"]["p13st_i"]["label"] == "P13ST.I Confianza en: El presidente"
    assert v20["variables"]["P13STGBS_A"]["value_labels"]["-5"] == "No sabe / No contesta"


@pytest.mark.parametrize("style", ["stata", "r"])
def test_latinobarometro_2020_file_maps_every_institution(style):
    # the Stata file's names (p13st_c) and the R/SPSS file's (P13ST.C) both map
    rename = (lambda c: c) if style == "stata" else (lambda c: c.upper().replace("_", "."))
    df, labels = _lb_file("latinobarometro_2020", LB2020, rename)
    h = harmonize(df, "latinobarometro_2020", value_labels=labels)
    _every_claimed_item_maps(h, LB2020, rename)
    src = rename("p13st_i")
    expect = df[src].where(df[src] > 0).astype(float)
    pd.testing.assert_series_equal(
        h.data["trust_inst_president"], expect, check_names=False, check_index=False
    )
    kept = harmonize(df, "latinobarometro_2020", value_labels=labels, keep_missing=True)
    # -5 'No sabe / No contesta' is don't know (98), -4 'No preguntada' is not applicable
    pres = kept.data["trust_inst_president"]
    assert (pres[df[src] == -5] == 98).all() and pres[df[src] == -4].isna().all()
    rep = h.report.set_index("target")
    assert rep.loc["trust_inst_congress", "mode"] == "code"  # this copy lost those labels
    assert rep.loc["trust_inst_church", "mode"] == "label"


@pytest.mark.parametrize("style", ["spss", "stata"])
def test_latinobarometro_2023_file_maps_every_institution(style):
    rename = (lambda c: c) if style == "spss" else (lambda c: c.replace(".", "_"))
    df, labels = _lb_file("latinobarometro_2023", LB2023, rename)
    assert labels[rename("P9STGBS")][2] == (
        "Uno nunca es lo suficientemente cuidadoso en el trato con los demas"
    )
    h = harmonize(df, "latinobarometro_2023", value_labels=labels)
    _every_claimed_item_maps(h, LB2023, rename)
    assert set(h.report.set_index("target").loc[list(LB2023.values()), "mode"]) == {"label"}
    src = rename("P13STGBS.B")
    kept = harmonize(df, "latinobarometro_2023", value_labels=labels, keep_missing=True)
    police = kept.data["trust_inst_police"]
    assert (police[df[src] == -5] == 98).all() and (police[df[src] == -2] == 99).all()
    assert load_crosswalk("latinobarometro_2023").verified


def test_latinobarometro_2023_crosswalk_reads_the_2020_layout():
    """2020 and 2023 share the battery: the 2023 crosswalk maps the 2020 file too."""
    df, labels = _lb_file("latinobarometro_2020", LB2020, str.upper)
    h = harmonize(df, "latinobarometro_2023", value_labels=labels)
    _every_claimed_item_maps(h, LB2020, str.upper)


def test_latinobarometro_2023_without_labels_uses_codes():
    df, _ = _lb_file("latinobarometro_2023", LB2023)
    h = harmonize(df, "latinobarometro_2023")
    _every_claimed_item_maps(h, LB2023)
    assert (h.report.set_index("target").loc["trust_inst_church", "mode"]) == "code"


def test_latinobarometro_2018_file_maps_every_item_with_unaccented_labels():
    df, labels = _lb_file("latinobarometro_2018", LB2018)
    # the producer's 2018 labels carry no accents: they still match the crosswalk's
    assert labels["P11STGBS"][1] == "Se puede confiar en la mayoria de las personas"
    h = harmonize(df, "latinobarometro_2018", value_labels=labels)
    _every_claimed_item_maps(h, LB2018)
    assert h.report.set_index("target").loc["trust_interpersonal", "mode"] == "label"
    np.testing.assert_array_equal(
        h.data["trust_interpersonal"].to_numpy(),
        df["P11STGBS"].where(df["P11STGBS"] > 0).to_numpy(dtype=float),
    )
    assert load_crosswalk("latinobarometro_2018").verified


def test_labels_differing_only_in_accents_must_agree(tmp_path):
    text = (Path(load_crosswalk("latinobarometro_2018").path).read_text(encoding="utf-8")).replace(
        "    Se puede confiar: 1\n", "    Se puede confiar: 1\n    SE PUEDE CONFÍAR: 2\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InstrumentError, match="differ only in case, accents or spaces"):
        load_crosswalk(bad)


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
    """TPer_Vic1 variables (INEGI's field names, upper case as in the open data): AP4_3_1..3
    with the questionnaire's codes (1 seguro, 2 inseguro, 9 no sabe / no responde), SEXO,
    EDAD (18..97, and 98 'edad no especificada'), FAC_ELE, EST_DIS, UPM_DIS, CVE_ENT, and PER
    (ENVIPE 2020 fieldwork period, a TVivienda variable merged on by ID_VIV)."""
    book = CODEBOOKS["envipe_2023"]["variables"]
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "UPM_DIS": np.repeat(np.arange(n // 4), 4),
            "EST_DIS": np.repeat(np.arange(n // 40), 40),
            "FAC_ELE": rng.uniform(200, 900, n).round(),
            "CVE_ENT": rng.integers(1, 33, n),
            "SEXO": rng.choice([int(k) for k in book["sexo"]["value_labels"]], n),
            "EDAD": np.r_[rng.integers(18, 98, n - 3), 97, 98, 98],
            "PER": rng.choice([1, 2], n, p=[0.7, 0.3]),
        }
    )
    codes = [int(k) for k in book["ap4_3_1"]["value_labels"]]
    assert codes == [1, 2, 9]
    for i, p in ((1, 0.4), (2, 0.6), (3, 0.7)):
        df[f"AP4_3_{i}"] = rng.choice(codes, n, p=[1 - p - 0.05, p, 0.05])
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
    # INEGI's 98 'edad no especificada' is missing, 97 '97 o más años' an age
    age = h.data["dem_age"]
    assert age[df["EDAD"] == 98].isna().all() and (age[df["EDAD"] == 97] == 97).all()
    kept = harmonize(df, "envipe", keep_missing=True).data["insec_neighbourhood"]
    assert (kept == 98).sum() == (df["AP4_3_1"] == 9).sum()
    assert not (kept == 99).any()
    assert load_crosswalk("envipe").conventions == ["inegi"]


def test_envipe_inegi_convention_reproduces_the_published_denominator():
    """INEGI's tabulados: % inseguro = inseguro / (seguro + inseguro + no especificado).

    The convention is INEGI's published one: Datos-Mexico/datos-mexico-api
    scripts/seguridad_d1.py (commit c72f7af950ef18b47dc627b347b63eeba8f9f2b9) reproduces
    INEGI's Banco de Indicadores series 6200118581 (percepción de la inseguridad), national
    and 32 states, 2017-2026, from TPer_Vic1 as fac_ele-weighted inseguro over every person
    aged 18+ *including* 9 "no sabe"; the 2020 figure uses the March interviews only."""
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
    with pytest.raises(InstrumentError, match="needs column PER or per.*merge it onto TPer_Vic1"):
        harmonize(df.drop(columns="PER"), "envipe", filters=["perception_2020"])
    with pytest.raises(InstrumentError, match="no filter"):
        harmonize(df, "envipe", filters=["nope"])


# ------------------------------------------------------------- every shipped crosswalk
def _codebook_file(cw):
    """A file with each claimed variable under its first (codebook) name, holding every
    source value the entry declares: its codes, the ends of its identity range, or (for
    label-only entries) its labels as strings; plus one declared missing code or label."""
    cols, expected = {}, {}
    for e in cw.entries:
        if e.codes:
            vals, std = list(e.codes), list(e.codes.values())
        elif e.identity is not None:
            vals = std = [float(e.identity[0]), float(e.identity[1])]
        else:
            vals, std = list(e.labels), list(e.labels.values())
        if e.codes or e.identity is not None:
            miss = list(e.missing_codes)[:1]
        else:
            miss = list(e.missing_labels)[:1]
        cols[e.sources[0]] = [*vals, *miss]
        expected[e.target] = [float(v) for v in std] + [np.nan] * len(miss)
    n = max(len(v) for v in cols.values())
    frame = pd.DataFrame(
        {k: pd.Series(v + [None] * (n - len(v)), dtype=object) for k, v in cols.items()}
    )
    for k, v in cols.items():
        if all(isinstance(x, (int, float)) for x in v):
            frame[k] = pd.to_numeric(frame[k])
    return frame, expected, n


@pytest.mark.parametrize("name", [c.name for c in list_crosswalks()])
def test_every_claimed_item_of_every_crosswalk_maps(name):
    cw = load_crosswalk(name)
    frame, expected, n = _codebook_file(cw)
    h = harmonize(frame, cw)
    rep = h.report.set_index("target")
    for target, values in expected.items():
        row = rep.loc[target]
        assert row["status"] == "mapped", (name, target, row.to_dict())
        assert row["n_unknown"] == 0, (name, target, row["unknown_codes"])
        got = h.data[target].to_numpy()[: len(values)]
        np.testing.assert_array_equal(got, np.asarray(values, dtype=float), err_msg=target)
