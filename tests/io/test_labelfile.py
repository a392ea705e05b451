"""Labels files for code-only data (issue 12): formats, errors naming file/line/entry, merging
with a file's own labels, and the label columns every verb returns."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import survey
from survey import RESULT_COLUMNS
from survey.io import LabelsError, read_labels, with_labels


@pytest.fixture
def frame():
    rng = np.random.default_rng(12)
    n = 400
    return pd.DataFrame(
        {
            "region": np.repeat([1, 2, 3, 4], n // 4),
            "victim": rng.integers(0, 2, n),
            "trust": rng.integers(1, 5, n),
            "w": rng.uniform(1, 3, n),
        }
    )


YAML = """\
variable_labels:
  region: Región
  victim: Víctima de delito
region:
  1: Norte
  2: Centro
  3: "Sur"
trust: {1: Nada, 2: Poca, 3: Algo, 4: Mucha}
"""

CSV = """\
variable,code,label
region,,Región
region,1,Norte
region,2,Centro
region,3,Sur
trust,1,Nada
trust,2,Poca
"trust",3,"Algo, bastante"
"""


def test_yaml_and_csv_formats_read_to_the_same_labels(tmp_path):
    y = tmp_path / "labels.yaml"
    y.write_text(YAML, encoding="utf-8")
    c = tmp_path / "labels.csv"
    c.write_text(CSV, encoding="utf-8")
    ly, lc = read_labels(y), read_labels(c)
    assert (
        ly.value_labels["region"]
        == lc.value_labels["region"]
        == {
            "1": "Norte",
            "2": "Centro",
            "3": "Sur",
        }
    )
    assert ly.variable_labels["region"] == lc.variable_labels["region"] == "Región"
    assert lc.value_labels["trust"]["3"] == "Algo, bastante"
    assert ly.lines[("region", "2")] == 6 and lc.lines[("region", "2")] == 4


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("l.csv", "var,code,label\nregion,1,Norte\n", r"l\.csv, line 1: .*missing variable"),
        ("l.csv", "variable,code,label\nregion,1,\n", r"l\.csv, line 2, column 'label': empty"),
        ("l.csv", "variable,code,label\n,1,Norte\n", r"l\.csv, line 2, column 'variable'"),
        (
            "l.csv",
            "variable,code,label\nregion,1,Norte\nregion,1,Sur\n",
            r"l\.csv, line 3: code '1' of 'region' is given twice \(first on line 2\)",
        ),
        ("l.csv", "variable,code,label\nregion,1\n", r"l\.csv, line 2: 2 column\(s\)"),
        ("l.yaml", "region:\n  1: Norte\n  2:\n", r"l\.yaml, line 3: the label of code '2'"),
        ("l.yaml", "region: [Norte, Sur]\n", r"l\.yaml, line 1: value labels of 'region'"),
        ("l.yaml", "region:\n  1: Norte\n  1: Sur\n", r"l\.yaml, line 3: code '1' .* twice"),
        ("l.yaml", "region: {1: Norte\n", r"l\.yaml, line \d+: not valid YAML"),
        ("l.yaml", "- a\n- b\n", r"l\.yaml, line 1: a labels file is a mapping"),
        ("l.txt", "region,1,Norte\n", r"extension must be \.yaml, \.yml, \.json or \.csv"),
    ],
)
def test_bad_labels_files_name_file_line_and_entry(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LabelsError, match=message):
        read_labels(path)


def test_with_labels_types_codes_to_the_column_and_checks_them(frame, tmp_path):
    path = tmp_path / "labels.yaml"
    path.write_text(YAML, encoding="utf-8")
    sd = with_labels(frame, path)
    assert sd.meta.value_labels["region"] == {1: "Norte", 2: "Centro", 3: "Sur"}
    assert sd.meta.variable_labels["victim"] == "Víctima de delito"
    # a float column (NaN present) matches the same codes
    f2 = frame.assign(region=frame["region"].astype(float))
    f2.loc[0, "region"] = np.nan
    d = survey.Design(with_labels(f2, path), weight="w")
    assert set(d.mean("victim", by="region")["domain_label"]) == {"Norte", "Centro", "Sur", "4"}
    bad = tmp_path / "bad.csv"
    bad.write_text("variable,code,label\nregion,north,Norte\n", encoding="utf-8")
    with pytest.raises(LabelsError, match=r"bad\.csv, line 2: code 'north' of 'region' is not"):
        with_labels(frame, bad)
    typo = tmp_path / "typo.csv"
    typo.write_text("variable,code,label\nRegion,1,Norte\n", encoding="utf-8")
    with pytest.warns(UserWarning, match=r"'Region' \(did you mean 'region'\?\)"):
        with_labels(frame, typo)


def test_labels_file_overrides_the_files_own_labels_code_by_code():
    sd = survey.read(survey.datasets.demo_path())
    assert sd.meta.value_labels["region"][1.0] == "Norte"
    out = with_labels(sd, {"region": {1: "Región Norte"}, "variable_labels": {"region": "Zona"}})
    assert out.meta.value_labels["region"] == {
        1.0: "Región Norte",
        2.0: "Centro",
        3.0: "Sur",
        4.0: "Costa",
    }
    assert out.meta.variable_labels["region"] == "Zona"
    assert sd.meta.value_labels["region"][1.0] == "Norte"  # the input is not modified


def test_every_verb_returns_the_label_columns_whatever_the_options(frame, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(CSV, encoding="utf-8")
    labelled = survey.Design(with_labels(frame, path), weight="w")
    plain = survey.Design(frame, weight="w")
    label_cols = ["domain_label", "variable_label", "category_label"]
    assert list(RESULT_COLUMNS[-3:]) == label_cols
    for design in (labelled, plain):
        for by in (None, "region"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frames = [
                    design.mean("victim", by=by),
                    design.total("victim", by=by),
                    design.prop("trust", by=by),
                    design.ratio("victim", "trust", by=by),
                    design.quantile("trust", by=by),
                ]
            for f in frames:
                cols = [c for c in f.columns if c != "region"]
                assert tuple(cols[: len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    # values: labels beside the codes, which stay as they were
    p = labelled.prop("trust", by="region")
    row = p[(p["region"] == 2) & (p["category"] == 3)].iloc[0]
    assert (row["domain_label"], row["category_label"]) == ("Centro", "Algo, bastante")
    r4 = p[(p["region"] == 4) & (p["category"] == 4)].iloc[0]
    assert (r4["domain_label"], r4["category_label"]) == ("4", "4")  # unlabelled: the code
    m = labelled.mean("victim")
    assert pd.isna(m["domain_label"].iloc[0]) and pd.isna(m["variable_label"].iloc[0])
    assert labelled.mean("victim", by="region")["estimate"].tolist() == pytest.approx(
        plain.mean("victim", by="region")["estimate"].tolist(), rel=0, abs=0
    )
    # several domain columns: their labels joined
    both = labelled.mean("victim", by=["region", "trust"])
    one = both[(both["region"] == 1) & (both["trust"] == 2)].iloc[0]
    assert one["domain_label"] == "Norte · Poca"


def test_sav_value_labels_reach_the_verbs():
    from tests.conftest import realdata_file

    sd = survey.read(realdata_file("enusc/enusc_2019_subset.sav"))
    d = survey.Design(sd, weight="Fact_Pers", strata="VarStrat", psu="Conglomerado",
                      lonely_psu="adjust")  # fmt: skip
    f = d.prop("P3_1_1", by="enc_region")
    row = f[(f["enc_region"] == 2) & (f["category"] == 1)].iloc[0]
    assert row["domain_label"] == "Región de Antofagasta"
    assert row["category_label"] == sd.meta.value_labels["P3_1_1"][1.0]
