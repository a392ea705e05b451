"""Labels keyed by a crosswalk's source variables follow them onto the standard items
(issue 12: a labels file written for ENUSC's ``rph_sexo`` was silently ignored once the
crosswalk renamed it ``dem_sex``)."""

from __future__ import annotations

import pandas as pd
import pytest

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


def test_report_and_cli_labels_follow_the_crosswalk_and_unmapped_keys_warn(tmp_path):
    """A report on an ENUSC-like file (no VP_DC column): ``--labels`` keyed by rph_sexo
    label dem_sex; the labels of VP_DC, which the crosswalk could not map, warn by name."""
    import numpy as np
    import yaml
    from openpyxl import load_workbook

    from survey.report import pipeline as P

    rng = np.random.default_rng(2)
    n = 400
    frame = pd.DataFrame(
        {
            "Fact_Pers_Reg": rng.uniform(1, 3, n), "VarStrat": np.repeat([1, 2, 3, 4], n // 4),
            "Conglomerado": np.repeat(np.arange(40), n // 40), "enc_region": 13,
            "VH_DC": rng.integers(0, 2, n), "rph_sexo": np.tile([1, 2], n // 2),
        }
    )  # fmt: skip
    frame.to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "labels.yaml").write_text(
        yaml.safe_dump({"rph_sexo": {1: "Varón", 2: "Dama"}, "VP_DC": {1: "Sí"},
                        "variable_labels": {"rph_sexo": "Sexo"}}, allow_unicode=True),
        encoding="utf-8",
    )  # fmt: skip
    spec = {
        "language": "es", "data": {"path": "d.csv", "crosswalk": "enusc_2023"},
        "design": {"weight": "Fact_Pers_Reg", "strata": "VarStrat", "psu": "Conglomerado"},
        "breakdowns": ["dem_sex"],
        "indicators": [{"name": "vic", "label": "Hogares víctimas", "variable": "vic_hh_any_12m",
                        "codes": [1], "base": [0, 1]}],
    }  # fmt: skip
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"the labels of 'VP_DC' label nothing: crosswalk "):
        res = P.run_spec(path, tmp_path / "out", progress=False, labels=tmp_path / "labels.yaml")
    ws = load_workbook(res.files["xlsx"])["by_dem_sex"]
    assert ws["A1"].value == "Por Sexo"
    rows = {r[0]: r[2] for r in ws.iter_rows(min_row=4, values_only=True) if r[1]}
    assert set(rows) == {"Varón", "Dama"}
    men = frame[frame["rph_sexo"] == 1]
    hand = np.sum(men["Fact_Pers_Reg"] * men["VH_DC"]) / np.sum(men["Fact_Pers_Reg"])
    assert rows["Varón"] == round(100 * hand, 1)
