"""survey.io.read on real files in ../shared/realdata (skipped when absent).

Expected values are computed independently with pyreadstat in each test (its own SPSS
missing-value handling with ``user_missing=False``, or the raw codes with
``user_missing=True``) and, where stable, stated literally from the files.
"""

from __future__ import annotations

import glob
import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from survey.io import ReadError, read
from tests.conftest import REALDATA, realdata_file

pytestmark = pytest.mark.realdata

ENUSC_UM = "enusc/enusc_2019_subset_usermissing.sav"


def test_enusc_declared_user_missing_codes():
    path = realdata_file(ENUSC_UM)
    sd = read(path)
    assert sd.data.shape == (24465, 22)
    assert sd.meta.missing_values == {"P3_1_1": [88.0, 96.0, 99.0]}
    assert sd.meta.missing_ranges == {"P8_1_1": [(85.0, 99.0)]}

    raw, _ = pyreadstat.read_sav(str(path), user_missing=True)
    p3_um = raw["P3_1_1"].isin([88, 96, 99]).to_numpy()
    p8_um = raw["P8_1_1"].between(85, 99).to_numpy()
    assert sd.meta.user_missing_counts == {"P3_1_1": int(p3_um.sum()), "P8_1_1": int(p8_um.sum())}
    # 239 "No sabe" (88) + 14 "No responde" (99); 85 + 88 + 99 of P8_1_1
    assert sd.meta.user_missing_counts == {"P3_1_1": 253, "P8_1_1": 3697}

    # NaN exactly where the raw file had a user-missing code or a system missing
    p3 = sd.data["P3_1_1"]
    np.testing.assert_array_equal(p3.isna().to_numpy(), p3_um | raw["P3_1_1"].isna().to_numpy())
    assert p3.value_counts().to_dict() == {1.0: 20501, 2.0: 3436, 3.0: 275}
    # 77 "Otra" lies outside the range 85-99 and stays a valid answer
    assert (sd.data["P8_1_1"] == 77).sum() == 308
    assert sd.data["P8_1_1"].max() == 77.0

    # pyreadstat's own SPSS missing handling gives the same data
    ref, _ = pyreadstat.read_sav(str(path))
    pd.testing.assert_frame_equal(sd.data, ref)


def test_enusc_keep_retains_codes_and_labels():
    path = realdata_file(ENUSC_UM)
    sd = read(path, user_missing="keep", columns=["P3_1_1", "P8_1_1", "Fact_Pers"])
    counts = sd.data["P3_1_1"].value_counts().to_dict()
    assert counts[88.0] == 239 and counts[99.0] == 14 and 96.0 not in counts
    assert sd.meta.user_missing_counts == {"P3_1_1": 253, "P8_1_1": 3697}
    assert sd.meta.is_user_missing("P3_1_1", sd.data["P3_1_1"]).sum() == 253
    assert sd.meta.label_of("P3_1_1").startswith("P3: Pensando en la delincuencia")
    assert sd.meta.labels_for("P3_1_1") == {
        1.0: "Aumentó",
        2.0: "Se mantuvo",
        3.0: "Disminuyó",
        88.0: "No sabe",
        96.0: "Sin dato",
        99.0: "No responde",
    }
    lab = sd.labelled(["P3_1_1"])["P3_1_1"]
    assert lab.value_counts().to_dict() == {
        "Aumentó": 20501,
        "Se mantuvo": 3436,
        "Disminuyó": 275,
        "No sabe": 239,
        "No responde": 14,
    }


def test_enusc_undeclared_file_keeps_codes_as_values():
    sd = read(realdata_file("enusc/enusc_2019_subset.sav"))
    assert sd.meta.missing_values == {} and sd.meta.missing_ranges == {}
    assert sd.meta.user_missing_counts == {}
    assert (sd.data["P3_1_1"] == 88).sum() == 239


def test_enusc_csv_with_declared_codes_equals_the_sav():
    csv = read(
        realdata_file("enusc/enusc_2019_subset.csv.gz"),
        user_missing_codes={"P3_1_1": [88, 96, 99], "P8_1_1": [(85, 99)]},
    )
    sav = read(realdata_file(ENUSC_UM))
    assert list(csv.data.columns) == list(sav.data.columns)
    assert csv.meta.user_missing_counts == sav.meta.user_missing_counts
    for col in sav.data.columns:
        np.testing.assert_allclose(
            csv.data[col].astype(float), sav.data[col], equal_nan=True, err_msg=col
        )


def test_enusc_chunked_equals_one_shot():
    path = realdata_file(ENUSC_UM)
    one = read(path, user_missing="keep")
    chunked = read(path, user_missing="keep", chunksize=5000, progress=False)
    pd.testing.assert_frame_equal(chunked.data, one.data)
    assert chunked.meta == one.meta


def _edge_files():
    root = REALDATA / "spss_edge"
    pats = ("**/*.sav", "**/*.zsav", "**/*.por")
    return sorted(p for pat in pats for p in glob.glob(str(root / pat), recursive=True))


@pytest.mark.parametrize("name", [p.split("spss_edge/")[-1] for p in _edge_files()] or ["none"])
def test_spss_edge_missing_pattern_matches_pyreadstat(name):
    path = realdata_file(f"spss_edge/{name}")
    reader = pyreadstat.read_por if name.endswith(".por") else pyreadstat.read_sav
    extra = {"disable_datetime_conversion": True} if name.endswith("datetime.sav") else {}
    ref, _ = reader(str(path), **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = read(path)
    assert list(sd.data.columns) == list(ref.columns)
    for col in ref.columns:
        np.testing.assert_array_equal(sd.data[col].isna(), ref[col].isna(), err_msg=col)
        if pd.api.types.is_numeric_dtype(ref[col]):
            np.testing.assert_allclose(sd.data[col], ref[col], equal_nan=True, err_msg=col)


def test_spss_edge_specific_declarations():
    sd = read(realdata_file("spss_edge/pyreadstat/basic/sample_missing.sav"))
    assert sd.meta.missing_ranges == {"mynum": [(2000.0, 3000.0)]}
    assert sd.meta.missing_values == {
        "mynum": [-1.0],
        "mylabl": [-1.0],
        "myord": [-1.0, -2.0, -3.0],
    }
    assert sd.meta.user_missing_counts == {"mynum": 2, "mylabl": 1, "myord": 2}
    assert sd.meta.label_of("mylabl") == "labeled"

    alltypes = read(
        realdata_file("spss_edge/pyreadstat/multiple_response/simple_alltypes.sav"),
        user_missing="keep",
    )
    assert alltypes.meta.missing_values["x"] == [7.0, 8.0, 99.0]
    assert alltypes.meta.missing_ranges == {"z": [(-999.0, 0.0)]}
    assert alltypes.meta.missing_values["z"] == [999.0]
    assert alltypes.data["x"].tolist() == [1.0, 2.0, 3.0, 4.0, 8.0, 9.0]
    assert alltypes.meta.user_missing_counts == {"x": 1, "z": 2}  # 8; -9 and 999

    chars = read(realdata_file("spss_edge/pyreadstat/missing_data/missing_char.sav"))
    assert chars.meta.missing_values == {"mychar": ["Z"]}
    assert chars.data["mychar"].isna().tolist() == [True, False]

    na = read(realdata_file("spss_edge/haven/labelled-num-na.sav"), user_missing="keep")
    assert na.data["VAR00002"].tolist() == [1.0, 9.0]
    assert na.meta.label_of("VAR00002") == "Only one value"
    assert na.meta.user_missing_counts == {"VAR00002": 1}


def test_spss_edge_encodings_and_formats():
    umlauts = realdata_file("spss_edge/haven/umlauts.sav")
    sd = read(umlauts)
    assert sd.meta.label_of("var1") == "This is an ä-umlaut"
    assert sd.labelled()["var1"].tolist() == [
        "the ä umlaut",
        "the ü umlaut",
        "the ä umlaut",
        "the ö umlaut",
    ]
    with pytest.raises(ReadError, match=r"umlauts\.sav: .*encoding="):
        read(umlauts, encoding="ascii")

    sav = read(realdata_file("spss_edge/pyreadstat/basic/sample.sav"))
    zsav = read(realdata_file("spss_edge/pyreadstat/basic/sample.zsav"))
    por = read(realdata_file("spss_edge/pyreadstat/basic/sample.por"))
    pd.testing.assert_frame_equal(zsav.data, sav.data)
    assert (zsav.meta.source_format, por.meta.source_format) == ("zsav", "por")
    assert por.meta.labels_for("MYLABL") == {1.0: "Male", 2.0: "Female"}
    np.testing.assert_allclose(por.data["MYNUM"], sav.data["mynum"])
    assert sav.meta.file_encoding == "windows-1252"

    with pytest.warns(UserWarning, match="outside the range pandas can represent"):
        dt = read(realdata_file("spss_edge/haven/datetime.sav"))
    assert dt.data["time"].tolist() == [43870.09, 57560.01]


def test_lapop_stata():
    path = realdata_file("lapop/bra23_AB2023_Brazil.dta")
    sd = read(path)
    assert sd.data.shape == (1526, 12)
    assert sd.meta.source_format == "dta"
    assert sd.meta.missing_values == {}
    aoj11 = sd.data["aoj11"]
    assert aoj11.dtype == np.float64
    assert int(aoj11.isna().sum()) == 16
    assert aoj11.value_counts().to_dict() == {2.0: 558, 1.0: 468, 3.0: 285, 4.0: 199}
    assert sd.meta.labels_for("aoj11")[4] == "Muy inseguro(a)"
    ref, _ = pyreadstat.read_dta(str(path))
    np.testing.assert_allclose(aoj11, pd.to_numeric(ref["aoj11"]), equal_nan=True)
    assert sd.labelled(["aoj11"])["aoj11"].value_counts()["Algo seguro(a)"] == 558


@pytest.mark.parametrize("name", [p.split("spss_edge/")[-1] for p in _edge_files()] or ["none"])
def test_spss_edge_chunked_equals_one_shot(name):
    path = realdata_file(f"spss_edge/{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mode in ("missing", "keep"):
            one = read(path, user_missing=mode)
            chunked = read(path, user_missing=mode, chunksize=2)
            pd.testing.assert_frame_equal(chunked.data, one.data)
            assert chunked.meta == one.meta
