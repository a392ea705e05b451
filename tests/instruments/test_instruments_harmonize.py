"""Crosswalks and harmonize(): synthetic cases with known answers, then the real files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from survey.instruments import InstrumentError, harmonize, list_crosswalks, load_crosswalk
from tests.conftest import realdata_file

SHIPPED = {
    "enusc_2019", "enusc_2023", "envipe", "ess", "lapop",
    "latinobarometro_2018", "latinobarometro_2020", "latinobarometro_2023",
}  # fmt: skip


def test_shipped_crosswalks_load_and_say_if_verified():
    cws = {c.name: c for c in list_crosswalks()}
    assert set(cws) == SHIPPED
    assert not cws["envipe"].verified
    assert cws["lapop"].verified and cws["enusc_2019"].verified
    assert all(cws[f"latinobarometro_{y}"].verified for y in (2018, 2020, 2023))
    lapop = set(load_crosswalk("lapop").targets)
    assert {"insec_neighbourhood_4pt", "vic_any_12m", "trust_neighbours",
            "trust_inst_police_7pt", "trust_inst_judiciary_7pt"} <= lapop  # fmt: skip
    ess = {e.sources[0] for e in load_crosswalk("ess").entries}
    assert {"ppltrst", "trstplc", "trstlgl", "aesfdrk", "crmvct"} <= ess
    lb = load_crosswalk("latinobarometro_2023")
    assert lb.entries[0].sources == ("P9STGBS",)
    assert lb.entries[0].missing_codes[-1.0] == "dont_know"


def test_lapop_style_labels_override_stored_codes():
    # Stored codes 1,2,6,7,8,9,10 carry scale points 1..7 (as in LAPOP's Brazil 2023 file);
    # 3/4/5 are don't know / no answer / not asked.
    labels = {1: "Nada", 2: "2", 3: "No sabe", 4: "No responde",
              5: "No se le preguntó en este año", 6: "3", 7: "4", 8: "5", 9: "6", 10: "Mucho"}  # fmt: skip
    df = pd.DataFrame({"b18": [1, 2, 6, 7, 8, 9, 10, 3, 4, 5, np.nan, 11], "upm": range(12)})
    h = harmonize(df, "lapop", value_labels={"b18": labels})
    got = h.data["trust_inst_police_7pt"].tolist()
    assert got[:7] == [1, 2, 3, 4, 5, 6, 7]
    assert all(np.isnan(got[7:]))
    row = h.report.set_index("target").loc["trust_inst_police_7pt"]
    assert (row["status"], row["mode"], row["n_mapped"], row["n_missing"], row["n_unknown"]) == (
        "mapped", "label", 7, 3, 1,
    )  # fmt: skip
    assert row["unknown_codes"] == "11=(no label): 1"
    kept = harmonize(df, "lapop", value_labels={"b18": labels}, keep_missing=True)
    # don't know -> 98, no answer -> 99, not asked -> NaN (never a code)
    kept_vals = kept.data["trust_inst_police_7pt"].to_numpy()
    assert kept_vals[7:9].tolist() == [98, 99] and np.isnan(kept_vals[9])
    # without labels the same column is read as codes: 8, 9, 10 are unknown
    plain = harmonize(df, "lapop").report.set_index("target").loc["trust_inst_police_7pt"]
    assert (plain["mode"], plain["n_mapped"], plain["n_unknown"]) == ("code", 7, 4)


def test_string_columns_absent_and_unused():
    df = pd.DataFrame(
        {"aoj11": ["Muy seguro(a)", " algo inseguro(a) ", "No sabe", "???", None], "extra": 1}
    )
    h = harmonize(df, "lapop", report_unused=True)
    assert h.data["insec_neighbourhood_4pt"].tolist()[:2] == [1, 3]
    rep = h.report.set_index("source")
    assert rep.loc["aoj11", "unknown_codes"] == "???: 1"
    assert rep.loc["aoj11", "n_missing"] == 1
    assert rep.loc["extra", "status"] == "unused"
    assert rep.loc["it1", "status"] == "absent"
    assert "wave" not in h.data  # the crosswalk names a wave variable; this file lacks it
    assert len(h.claimed_failures()) == 1


def test_crosswalk_errors(tmp_path):
    doc = {
        "schema_version": 1, "name": "mine", "survey": "x", "wave": "1", "verified": False,
        "items": [{"source": "v1", "target": "trust_inst_police", "codes": {1: 1, 2: 5}}],
    }  # fmt: skip
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(
        InstrumentError, match=r"standard codes \[5\] are not codes of trust_inst_police"
    ):
        load_crosswalk(path)
    doc["items"][0] = {"source": "v1", "target": "not_an_item", "codes": {1: 1}}
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(InstrumentError, match="not a standard item id"):
        load_crosswalk(path)
    with pytest.raises(KeyError, match="unknown crosswalk"):
        load_crosswalk("nope")


# ----------------------------------------------------------------- acceptance on real files


def _assert_clean(h):
    fails = h.claimed_failures()
    assert fails.empty, fails.to_string()


def test_lapop_brazil_2023_dta_reads_labels():
    from survey import read

    sd = read(realdata_file("lapop/bra23_AB2023_Brazil.dta"))
    h = harmonize(sd, "lapop")
    _assert_clean(h)
    af = h.data["trust_inst_armed_forces_7pt"].value_counts().sort_index()
    # stored 1,2,6,7,8,9,10 -> 1..7 (counts from the file's own frequencies)
    assert af.to_dict() == {1: 180, 2: 107, 3: 144, 4: 197, 5: 262, 6: 230, 7: 387}
    assert h.data["insec_neighbourhood_4pt"].value_counts().to_dict() == {
        2: 558,
        1: 468,
        3: 285,
        4: 199,
    }
    assert set(h.data["wave"].unique()) == {"2023"}  # the label, not the stored code 10
    mapped = set(h.report.loc[h.report["status"] == "mapped", "source"])
    assert mapped == {"aoj11", "b12", "b13", "b21", "b31"}


def test_lapop_multicountry_csv():
    df = pd.read_csv(realdata_file("lapop/ym23_multicountry_2018_2023.csv.gz"))
    h = harmonize(df, "lapop")
    _assert_clean(h)
    assert h.data["trust_inst_police_7pt"].notna().sum() == 62655
    np.testing.assert_allclose(h.data["trust_inst_police_7pt"].mean(), df["b18"].mean())
    assert h.data["weight"].equals(df["weight1500"].astype(float)) or np.allclose(
        h.data["weight"], df["weight1500"]
    )
    assert sorted(h.data["wave"].unique()) == [2018, 2023]


def test_lapop_brazil_waves_string_labels():
    df = pd.read_csv(realdata_file("lapop/cm23_Brazil_2007_2023.csv.gz"))
    h = harmonize(df, "lapop")
    _assert_clean(h)
    assert h.data["insec_neighbourhood_4pt"].value_counts().to_dict() == {
        2: 5038, 1: 3008, 3: 2586, 4: 2290,
    }  # fmt: skip


def test_enusc_2019_codes_88_96_99():
    df = pd.read_csv(realdata_file("enusc/enusc_2019_subset.csv.gz"))
    h = harmonize(df, "enusc_2019")
    _assert_clean(h)
    p3 = h.data["perc_crime_change_country"]
    assert p3.value_counts().to_dict() == {1: 20501, 2: 3436, 3: 275}
    assert p3.isna().sum() == 253  # 239 x 88 + 14 x 99
    kept = harmonize(df, "enusc_2019", keep_missing=True).data["perc_crime_change_country"]
    assert kept.value_counts()[[98, 99]].tolist() == [239, 14]
    assert h.data["vic_hh_any_12m"].sum() == 5230 and h.data["vic_person_any_12m"].sum() == 2014
    assert h.data["weight_household"].equals(df["Fact_Hog"].astype(float)) or np.allclose(
        h.data["weight_household"], df["Fact_Hog"]
    )


def test_enusc_2019_spss_user_missing():
    from survey import read

    sd = read(realdata_file("enusc/enusc_2019_subset_usermissing.sav"), user_missing="keep")
    h = harmonize(sd, "enusc_2019", keep_missing=True)
    _assert_clean(h)
    assert h.report.set_index("source").loc["P3_1_1", "mode"] == "label"
    assert h.data["perc_crime_change_country"].value_counts()[[98, 99]].tolist() == [239, 14]


def test_enusc_2023():
    df = pd.read_csv(realdata_file("enusc/enusc_2023_subset.csv.gz"))
    h = harmonize(df, "enusc_2023")
    _assert_clean(h)
    assert h.data["perc_crime_rose_country"].sum() == 44183
    assert h.data["vic_hh_any_12m"].sum() == 15909


def test_ess_round7_spain():
    df = pd.read_csv(realdata_file("ess/ess7es_with_pspwght.csv"))
    h = harmonize(df, "ess")
    _assert_clean(h)
    np.testing.assert_allclose(h.data["trust_interpersonal_11pt"].mean(), df["ppltrst"].mean())
    status = h.report.set_index("source")["status"]
    assert status["ppltrst"] == "mapped" and status["trstplc"] == "absent"
    assert list(h.data.columns[:4]) == ["id", "weight", "strata", "psu"]


def test_design_labels_from_file_or_crosswalk(tmp_path):
    """Territory labels travel with the harmonised data: the file's value labels first,
    else the crosswalk's design_labels (ENUSC CSVs carry none)."""
    df = pd.DataFrame({"VA_DC": [0, 1, 1], "enc_region": [13, 16, 99], "Fact_Hog": 1.0})
    h = harmonize(df, "enusc_2019")
    assert h.value_labels["territory"][16.0] == "Región del Ñuble"
    assert h.data.attrs["value_labels"] is not None
    assert h.labelled("territory").tolist() == [
        "Región Metropolitana de Santiago", "Región del Ñuble", 99,
    ]  # fmt: skip
    own = harmonize(df, "enusc_2019", value_labels={"enc_region": {13: "RM", 16: "Ñuble"}})
    assert own.labelled("territory").tolist() == ["RM", "Ñuble", 99]
    # a crosswalk without design_labels and a file without labels: none
    assert harmonize(pd.DataFrame({"ppltrst": [1, 5], "cntry": [1, 2]}), "ess").value_labels == {}
    # design_labels keys must be numbers
    doc = yaml.safe_load(open(load_crosswalk("enusc_2023").path, encoding="utf-8"))
    doc["design_labels"] = {"territory": {"RM": "Metropolitana"}}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InstrumentError, match="design_labels.territory"):
        load_crosswalk(bad)


def test_enusc_2019_sav_region_labels_from_the_file():
    from survey import read

    sd = read(realdata_file("enusc/enusc_2019_subset.sav"), user_missing="keep")
    h = harmonize(sd, "enusc_2019")
    assert h.value_labels["territory"] == sd.meta.value_labels["enc_region"]
    assert set(h.labelled("territory")) == set(sd.meta.value_labels["enc_region"].values())


def test_survey_data_carries_the_labels_a_design_shows():
    """``Harmonized.survey_data()`` labels what the API then shows: region names of
    ``territory``, the file's variable labels on the standard items, the library's Yes/No
    on their recoded codes, and ``keep=`` columns with their own labels; the estimate is
    the weighted share computed from the file's own column."""
    import survey
    from survey.datasets import demo_crosswalk_path, demo_path

    ds = survey.read(demo_path())
    h = harmonize(ds, demo_crosswalk_path(), keep=["area"])
    hd = h.survey_data()
    assert hd.data is h.data and hd.path == ds.path
    assert hd.meta.variable_labels["territory"] == "Region"
    assert hd.meta.variable_labels["area"] == "Programme area"
    assert hd.meta.value_labels["area"] == {1.0: "Treatment", 2.0: "Comparison"}
    assert hd.meta.value_labels["vic_person_robbery_12m"][1.0] == "Yes"
    assert hd.meta.variable_labels["vic_person_robbery_12m"] == ds.meta.variable_labels["robbery"]
    des = survey.Design(hd, weight="weight", strata="strata", psu="psu")
    r = des.prop("vic_person_robbery_12m", by="territory")
    first = r.iloc[0]
    assert (first["domain_label"], first["category_label"]) == ("Norte", "Yes")
    raw = ds.data
    rows = raw["robbery"].isin([1, 2]) & (raw["region"] == 1)
    expected = np.average(raw.loc[rows, "robbery"] == 1, weights=raw.loc[rows, "weight"])
    assert first["estimate"] == pytest.approx(expected, rel=1e-12)
    # Spanish library labels; a kept column must exist and not collide with a role
    assert h.survey_data("es").meta.value_labels["vic_person_robbery_12m"][1.0] == "Sí"
    with pytest.raises(InstrumentError, match="'aera' is not in the data.*'area'"):
        harmonize(ds, demo_crosswalk_path(), keep=["aera"])
    with pytest.raises(InstrumentError, match="'wave' is already"):  # the role's name
        harmonize(ds, demo_crosswalk_path(), keep=["wave"])


def test_survey_data_of_enusc_2019_names_the_region_as_the_file_does():
    from survey import read

    sd = read(realdata_file("enusc/enusc_2019_subset.sav"), user_missing="keep")
    hd = harmonize(sd, "enusc_2019").survey_data()
    assert hd.meta.variable_labels["territory"] == "Región"
    assert hd.meta.value_labels["territory"][13.0] == "Región Metropolitana de Santiago"
    assert hd.meta.variable_labels["vic_hh_any_12m"] == sd.meta.variable_labels["VA_DC"]
