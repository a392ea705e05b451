"""Labels keyed by a crosswalk's source variables follow them onto the standard items
(issue 12: a labels file written for ENUSC's ``rph_sexo`` was silently ignored once the
crosswalk renamed it ``dem_sex``)."""

from __future__ import annotations

import pandas as pd

from survey.instruments import load_crosswalk
from survey.io._labelfile import labels_from_mapping, through_crosswalk


def _report(rows):
    return pd.DataFrame(rows, columns=["source", "target", "status", "mode"])


def test_source_keyed_labels_move_to_the_standard_items_with_recoded_codes():
    cw = load_crosswalk("enusc_2023")
    labels = labels_from_mapping(
        {
            "variable_labels": {"rph_sexo": "Sexo (INE)", "enc_region": "Región"},
            "rph_sexo": {1: "Varón", 2: "Dama"},
            "VH_DC": {0: "No", 1: "Sí", 96: "No sabe"},  # 96 becomes missing: no label
            "VP_DC": {0: "No", 1: "Sí"},  # absent from this (pretend) file: labels nothing
            "enc_region": {13: "RM"},  # a design column kept as it is
            "dem_sex": {"2": "Mujer (estándar)"},  # keyed by the standard name: wins
        }
    )
    report = _report([
        ("Rph_Sexo", "dem_sex", "mapped", "code"),  # found case-insensitively
        ("VH_DC", "vic_hh_any_12m", "mapped", "code"),
        ("VP_DC", "vic_person_any_12m", "absent", None),
    ])  # fmt: skip
    moved, unused = through_crosswalk(labels, cw, report)
    assert moved.value_labels["dem_sex"] == {1: "Varón", 2: "Mujer (estándar)"}
    assert moved.value_labels["vic_hh_any_12m"] == {0: "No", 1: "Sí"}
    assert moved.value_labels["enc_region"] == {"13": "RM"}
    assert moved.variable_labels == {"dem_sex": "Sexo (INE)", "enc_region": "Región"}
    assert "rph_sexo" not in moved.value_labels and "VH_DC" not in moved.value_labels
    assert unused == ["VP_DC"]


def test_merged_codes_keep_both_labels_and_label_mapped_entries_use_the_text():
    from dataclasses import replace

    cw = load_crosswalk("enusc_2023")
    entry = next(e for e in cw.entries if e.target == "vic_hh_any_12m")
    # a crosswalk that merges 1 and 2 into 1, and maps by label text ("SI" -> 1)
    merged = replace(entry, codes={0.0: 0, 1.0: 1, 2.0: 1})
    cw2 = replace(cw, entries=(merged,))
    labels = labels_from_mapping({"VH_DC": {1: "Robo", 2: "Hurto", 0: "Ninguno"}})
    moved, _ = through_crosswalk(labels, cw2, _report([("VH_DC", "vic_hh_any_12m", "mapped",
                                                        "code")]))  # fmt: skip
    assert moved.value_labels["vic_hh_any_12m"] == {1: "Robo / Hurto", 0: "Ninguno"}
    by_text = labels_from_mapping({"VH_DC": {7: "SI", 8: "NO"}})  # stored codes 7/8
    moved, _ = through_crosswalk(by_text, cw2, _report([("VH_DC", "vic_hh_any_12m", "mapped",
                                                         "label")]))  # fmt: skip
    assert moved.value_labels["vic_hh_any_12m"] == {1: "SI", 0: "NO"}
