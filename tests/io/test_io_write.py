"""survey.io.write: round trips through .sav/.zsav/.dta/.csv/.parquet keep values and labels."""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from survey.io import Metadata, ReadError, SurveyData, read, write

NAN = np.nan


@pytest.fixture
def source(tmp_path):
    df = pd.DataFrame(
        {
            "q1": [1.0, 2, 8, 9, 1, NAN],
            "q2": [1.0, 85, 90, 3, 77, 2],
            "region": ["Norte", "Sur", "Sur", "Centro", "Norte", "Sur"],
            "w": [1.25, 2.5, 0.75, 1.0, 3.0, 2.0],
        }
    )
    path = tmp_path / "source.sav"
    pyreadstat.write_sav(
        df,
        str(path),
        column_labels={"q1": "Victim in last 12 months", "w": "Weight"},
        variable_value_labels={"q1": {1.0: "Yes", 2.0: "No", 8.0: "DK", 9.0: "NA"}},
        missing_ranges={"q1": [8, 9], "q2": [{"lo": 85, "hi": 99}]},
    )
    return path


@pytest.mark.parametrize("suffix", [".sav", ".zsav", ".parquet"])
def test_roundtrip_keeps_codes_labels_and_declarations(source, tmp_path, suffix):
    sd = read(source, user_missing="keep")
    out = write(sd, tmp_path / f"copy{suffix}")
    back = read(out, user_missing="keep")
    pd.testing.assert_frame_equal(back.data, sd.data)
    for field in ("variable_labels", "value_labels", "missing_values", "missing_ranges"):
        assert getattr(back.meta, field) == getattr(sd.meta, field), field
    assert back.meta.user_missing_counts == {"q1": 2, "q2": 2}
    # and the default mode on the copy equals the default mode on the source
    pd.testing.assert_frame_equal(read(out).data, read(source).data)


def test_roundtrip_stata(tmp_path):
    x = pd.Series([1, "a", NAN, 2, 3], dtype=object)
    src = tmp_path / "src.dta"
    pyreadstat.write_dta(
        pd.DataFrame({"x": x, "y": [1.0, 2, 3, 4, 5]}),
        str(src),
        column_labels={"x": "Trust"},
        variable_value_labels={"x": {1: "Low", 3: "High", "a": "Refused"}},
        missing_user_values={"x": ["a"]},
    )
    sd = read(src, user_missing="keep")
    back = read(write(sd, tmp_path / "copy.dta"), user_missing="keep")
    assert back.data["x"].tolist()[:2] == [1, "a"] and np.isnan(back.data["x"].iloc[2])
    assert back.meta.missing_values == {"x": ["a"]}
    assert back.meta.labels_for("x") == {1: "Low", 3: "High", "a": "Refused"}
    assert back.meta.label_of("x") == "Trust"
    pd.testing.assert_frame_equal(read(tmp_path / "copy.dta").data, read(src).data)


def test_sav_to_dta_warns_that_codes_become_values(source, tmp_path):
    sd = read(source, user_missing="keep")
    with pytest.warns(UserWarning, match="Stata cannot declare user-missing codes"):
        out = write(sd, tmp_path / "copy.dta")
    back = read(out)
    assert back.data["q1"].tolist()[:4] == [1.0, 2.0, 8.0, 9.0]  # now ordinary values
    assert back.meta.labels_for("q1") == {1: "Yes", 2: "No", 8: "DK", 9: "NA"}


def test_csv_roundtrip_is_data_only(source, tmp_path):
    sd = read(source)
    for name in ("copy.csv", "copy.csv.gz"):
        back = read(write(sd, tmp_path / name))
        assert back.meta.value_labels == {} and back.meta.missing_values == {}
        assert back.data["region"].tolist() == sd.data["region"].tolist()
        np.testing.assert_array_equal(back.data["q1"].to_numpy(), sd.data["q1"].to_numpy())
        np.testing.assert_allclose(back.data["w"], sd.data["w"])


def test_write_dataframe_with_metadata(tmp_path):
    df = pd.DataFrame({"v": [1.0, 2.0, 97.0, 1.0]})
    meta = Metadata(
        variable_labels={"v": "Feels safe"},
        value_labels={"v": {1.0: "Yes", 2.0: "No", 97.0: "Refused"}},
        missing_values={"v": [97.0]},
    )
    back = read(write(df, tmp_path / "new.sav", meta=meta))
    assert back.data["v"].isna().tolist() == [False, False, True, False]
    assert back.meta.user_missing_counts == {"v": 1}
    assert back.meta.label_of("v") == "Feels safe"


def test_write_refuses_the_input_file_and_bad_targets(source, tmp_path):
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    sd = read(source)
    with pytest.raises(ValueError, match="refusing to overwrite the input file"):
        write(sd, source)
    with pytest.raises(ValueError, match="refusing to overwrite the input file"):
        write(sd, tmp_path / "." / "source.sav")
    assert hashlib.sha256(source.read_bytes()).hexdigest() == digest
    with pytest.raises(ValueError, match="cannot write .por"):
        write(sd, tmp_path / "x.por")
    with pytest.raises(ReadError, match="unknown file extension"):
        write(sd, tmp_path / "x.xlsx")
    with pytest.raises(TypeError, match="SurveyData or a DataFrame"):
        write([1, 2], tmp_path / "x.csv")
    too_many = SurveyData(
        data=pd.DataFrame({"v": [1.0]}), meta=Metadata(missing_values={"v": [7, 8, 9, 99]})
    )
    with pytest.raises(ReadError, match=r"bad\.sav: SPSS allows at most 3"):
        write(too_many, tmp_path / "bad.sav")
    assert not (tmp_path / "bad.sav").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_parquet_chunked_and_columns(source, tmp_path):
    sd = read(source, user_missing="keep")
    out = write(sd, tmp_path / "copy.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        part = read(out, columns=["w", "q1"], chunksize=4)
    assert list(part.data.columns) == ["w", "q1"]
    assert part.meta.missing_values == {"q1": [8.0, 9.0]}
    assert part.data["q1"].isna().tolist() == [False, False, True, True, False, True]
    with pytest.raises(ReadError, match="not in file"):
        read(out, columns=["nope"])
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(out.read_bytes()[:50])
    with pytest.raises(ReadError, match=r"broken\.parquet: not a valid parquet file"):
        read(broken)


def test_stata_letters_to_spss_become_system_missing(tmp_path):
    src = tmp_path / "src.dta"
    x = pd.Series([1, "a", NAN, 2, "b"], dtype=object)
    pyreadstat.write_dta(
        pd.DataFrame({"x": x}),
        str(src),
        missing_user_values={"x": ["a", "b"]},
        variable_value_labels={"x": {1: "Low", 2: "High", "a": "Refused"}},
    )
    sd = read(src, user_missing="keep")
    with pytest.warns(
        UserWarning, match=r"letters written as system-missing in \['x \(2 cells\)'\]"
    ):
        out = write(sd, tmp_path / "copy.sav")
    back = read(out)
    assert back.data["x"].dtype == np.float64
    assert back.data["x"].isna().tolist() == [False, True, True, False, True]
    assert back.data["x"].dropna().tolist() == [1.0, 2.0]
    assert back.meta.labels_for("x") == {1.0: "Low", 2.0: "High"}
