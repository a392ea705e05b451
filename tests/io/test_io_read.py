"""survey.io.read on small files written here with pyreadstat (no shared data needed).

Expected values are hand-computable from the frames written below.
"""

from __future__ import annotations

import gzip
import hashlib

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import survey
from survey.io import Metadata, ReadError, SurveyData, apply_labels, read

NAN = np.nan

# q1: codes 8/9 declared user-missing; row 5 is system-missing
# q2: range 85-99 user-missing (77 and 100 are valid)
# q3: range 97-98 plus the discrete code -1
# name: string variable with the user-missing code "Z"
SAV_FRAME = pd.DataFrame(
    {
        "id": [1.0, 2, 3, 4, 5, 6, 7, 8],
        "q1": [1.0, 2, 8, 9, 1, NAN, 2, 9],
        "q2": [1.0, 85, 90, 99, 3, 77, 100, 2],
        "q3": [1.0, 2, 97, 3, 98, -1, 1, 2],
        "name": ["a", "b", "Z", "c", "d", "e", "Z", "f"],
        "w": [1.5, 2.0, 2.5, 1.0, 1.0, 3.0, 0.5, 2.0],
    }
)
Q1_LABELS = {1.0: "Yes", 2.0: "No", 8.0: "Don't know", 9.0: "No answer"}


@pytest.fixture
def sav_file(tmp_path):
    path = tmp_path / "small.sav"
    pyreadstat.write_sav(
        SAV_FRAME,
        str(path),
        column_labels={"q1": "Were you a victim?", "q2": "Main cause", "name": "Name"},
        variable_value_labels={"q1": Q1_LABELS, "q2": {1.0: "Drugs", 85.0: "Other"}},
        missing_ranges={
            "q1": [8, 9],
            "q2": [{"lo": 85, "hi": 99}],
            "q3": [{"lo": 97, "hi": 98}, -1],
            "name": ["Z"],
        },
        variable_measure={"q1": "ordinal"},
    )
    return path


@pytest.fixture
def dta_file(tmp_path):
    # x: Stata extended missing .a/.b; the system missing after .a (row 2) must stay NaN
    # and the genuine 0 (row 3) must stay 0 (pyreadstat alone returns 0 for row 2).
    x = pd.Series([1, "a", NAN, 0, NAN, 3, "b", 2], dtype=object)
    df = pd.DataFrame({"x": x, "y": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]})
    path = tmp_path / "small.dta"
    pyreadstat.write_dta(
        df,
        str(path),
        column_labels={"x": "Trust in police", "y": "Weight"},
        variable_value_labels={"x": {1: "Low", 2: "Mid", 3: "High", "a": "Refused"}},
        missing_user_values={"x": ["a", "b"]},
    )
    return path


def test_sav_declarations_are_reported(sav_file):
    meta = read(sav_file).meta
    assert meta.source_format == "sav"
    assert meta.missing_values == {"q1": [8.0, 9.0], "q3": [-1.0], "name": ["Z"]}
    assert meta.missing_ranges == {"q2": [(85.0, 99.0)], "q3": [(97.0, 98.0)]}
    assert meta.user_missing_counts == {"q1": 3, "q2": 3, "q3": 3, "name": 2}
    assert meta.variable_labels == {
        "q1": "Were you a victim?",
        "q2": "Main cause",
        "name": "Name",
    }
    assert meta.labels_for("q1") == Q1_LABELS
    assert meta.label_of("q1") == "Were you a victim?"
    assert meta.label_of("w") == "w"  # no label: the name
    assert meta.labels_for("w") == {}
    assert meta.measure["q1"] == "ordinal"


def test_sav_user_missing_become_nan(sav_file):
    df = read(sav_file).data
    expected_nan = {
        "q1": [2, 3, 5, 7],  # 8, 9, system NaN, 9
        "q2": [1, 2, 3],  # 85, 90, 99 (77 and 100 valid)
        "q3": [2, 4, 5],  # 97, 98, -1
        "name": [2, 6],
        "id": [],
        "w": [],
    }
    for var, rows in expected_nan.items():
        assert np.flatnonzero(df[var].isna().to_numpy()).tolist() == rows, var
    assert df["q2"].dropna().tolist() == [1.0, 3.0, 77.0, 100.0, 2.0]
    assert df["q1"].dtype == np.float64
    assert df["name"].dropna().tolist() == ["a", "b", "c", "d", "e", "f"]


def test_sav_keep_retains_codes(sav_file):
    sd = read(sav_file, user_missing="keep")
    pd.testing.assert_series_equal(sd.data["q1"], SAV_FRAME["q1"])
    pd.testing.assert_series_equal(sd.data["q2"], SAV_FRAME["q2"])
    assert sd.data["name"].tolist() == SAV_FRAME["name"].tolist()
    # same counts and declarations as the default mode
    assert sd.meta.user_missing_counts == {"q1": 3, "q2": 3, "q3": 3, "name": 2}
    mask = sd.meta.is_user_missing("q2", sd.data["q2"])
    assert mask.tolist() == [False, True, True, True, False, False, False, False]
    assert sd.meta.is_user_missing("q3", [97, 96.5, -1, 99]).tolist() == [True, False, True, False]
    assert sd.meta.is_user_missing("q1", NAN).tolist() == [False]  # system-missing
    assert not sd.meta.is_user_missing("w", sd.data["w"]).any()


def test_keep_and_missing_agree_off_the_codes(sav_file):
    miss = read(sav_file).data
    keep = read(sav_file, user_missing="keep")
    for var in ["q1", "q2", "q3"]:
        um = keep.meta.is_user_missing(var, keep.data[var])
        expected = keep.data[var].where(~um)
        pd.testing.assert_series_equal(miss[var], expected)


def test_surveydata_contract(sav_file):
    sd = survey.read(sav_file, columns=["w", "q1"])
    assert isinstance(sd, SurveyData) and isinstance(sd.meta, Metadata)
    assert sd.path == sav_file
    assert list(sd.data.columns) == ["w", "q1"]  # requested order
    assert sd.meta.user_missing_counts == {"q1": 3}
    assert set(sd.meta.variable_labels) == {"q1"}
    data, meta = sd
    assert data is sd.data and meta is sd.meta
    with pytest.raises(AttributeError):
        sd.data = pd.DataFrame()  # frozen


def test_columns_absent_is_a_clear_error(sav_file):
    with pytest.raises(ReadError, match=r"small\.sav.*not in file.*'nope'"):
        read(sav_file, columns=["q1", "nope"])


def test_chunked_read_equals_one_shot(sav_file, dta_file):
    for path in (sav_file, dta_file):
        for mode in ("missing", "keep"):
            one = read(path, user_missing=mode)
            chunked = read(path, user_missing=mode, chunksize=3, progress=False)
            pd.testing.assert_frame_equal(chunked.data, one.data)
            assert chunked.meta == one.meta
    # with the progress bar drawn (rich writes to stderr)
    shown = read(sav_file, chunksize=2, progress=True)
    pd.testing.assert_frame_equal(shown.data, read(sav_file).data)


def test_zsav_reads_like_sav(sav_file, tmp_path):
    zsav = tmp_path / "small.zsav"
    df, meta = pyreadstat.read_sav(str(sav_file), user_missing=True)
    pyreadstat.write_sav(
        df,
        str(zsav),
        compress=True,
        missing_ranges={"q1": [8, 9]},
        variable_value_labels=meta.variable_value_labels,
    )
    sd = read(zsav)
    assert sd.meta.source_format == "zsav"
    assert sd.meta.user_missing_counts == {"q1": 3}
    assert np.flatnonzero(sd.data["q1"].isna().to_numpy()).tolist() == [2, 3, 5, 7]


def test_stata_extended_missing(dta_file):
    sd = read(dta_file)
    assert sd.meta.source_format == "dta"
    assert sd.meta.missing_values == {"x": ["a", "b"]}
    assert sd.meta.user_missing_counts == {"x": 2}
    x = sd.data["x"]
    assert x.dtype == np.float64
    assert np.flatnonzero(x.isna().to_numpy()).tolist() == [1, 2, 4, 6]
    assert x.dropna().tolist() == [1.0, 0.0, 3.0, 2.0]
    assert sd.meta.variable_labels == {"x": "Trust in police", "y": "Weight"}
    assert sd.meta.labels_for("x") == {1: "Low", 2: "Mid", 3: "High", "a": "Refused"}

    keep = read(dta_file, user_missing="keep").data["x"]
    assert keep.tolist()[:2] == [1, "a"] and keep.iloc[6] == "b"
    assert np.isnan(keep.iloc[2]) and np.isnan(keep.iloc[4]) and keep.iloc[3] == 0


def test_csv_encoding_gzip_and_declared_codes(tmp_path):
    frame = pd.DataFrame({"region": ["Ñuble", "Biobío", "Ñuble"], "p3": [1, 88, 99]})
    latin = tmp_path / "latin.csv"
    latin.write_bytes(frame.to_csv(index=False).encode("latin1"))
    with pytest.raises(ReadError, match=r"latin\.csv.*encoding='latin1'"):
        read(latin)
    sd = read(latin, encoding="latin1", user_missing_codes={"p3": [88, 99]})
    assert sd.data["region"].tolist() == ["Ñuble", "Biobío", "Ñuble"]
    assert sd.data["p3"].tolist()[0] == 1 and sd.data["p3"].isna().tolist() == [False, True, True]
    assert sd.meta.user_missing_counts == {"p3": 2}
    assert sd.meta.source_format == "csv" and sd.meta.file_encoding == "latin1"

    gz = tmp_path / "data.csv.gz"
    with gzip.open(gz, "wb") as fh:
        fh.write(frame.to_csv(index=False).encode("utf-8"))
    one = read(gz, user_missing_codes={"p3": [(80, 99)]})
    assert one.meta.missing_ranges == {"p3": [(80, 99)]}
    assert one.data["p3"].isna().sum() == 2
    chunked = read(gz, chunksize=1, progress=True, user_missing_codes={"p3": [(80, 99)]})
    pd.testing.assert_frame_equal(chunked.data, one.data)

    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(gz.read_bytes()[:-12])
    with pytest.raises(ReadError, match=r"cut\.csv\.gz.*gzip stream is truncated or corrupt"):
        read(truncated)
    with pytest.raises(ReadError, match="not in the data"):
        read(gz, user_missing_codes={"p9": [9]})


def test_bad_input_errors(sav_file, tmp_path):
    with pytest.raises(FileNotFoundError, match="nothere.sav"):
        read(tmp_path / "nothere.sav")
    odd = tmp_path / "data.xlsx"
    odd.write_bytes(b"PK\x03\x04")
    with pytest.raises(
        ReadError, match=r"data\.xlsx: unknown file extension '\.xlsx'.*\.sav.*\.dta"
    ):
        read(odd)
    empty = tmp_path / "empty.sav"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match=r"empty\.sav: the file is empty"):
        read(empty)
    data = sav_file.read_bytes()
    for n, name in [(100, "head.sav"), (len(data) - 200, "tail.sav")]:
        cut = tmp_path / name
        cut.write_bytes(data[:n])
        with pytest.raises(ReadError, match=rf"{name}: the file is truncated or corrupt"):
            read(cut)
    renamed = tmp_path / "really_sav.dta"
    renamed.write_bytes(data)
    with pytest.raises(ReadError, match=r"really_sav\.dta: not a valid \.dta file"):
        read(renamed)
    with pytest.raises(ValueError, match="user_missing must be"):
        read(sav_file, user_missing="drop")
    with pytest.raises(ReadError, match="encoding"):
        read(sav_file, encoding="no-such-codec")


def test_sav_wrong_encoding_suggests_encoding(tmp_path):
    path = tmp_path / "umlaut.sav"
    pyreadstat.write_sav(
        pd.DataFrame({"v": [1.0, 2.0]}),
        str(path),
        column_labels={"v": "Größe der Gemeinde"},
        variable_value_labels={"v": {1.0: "klein", 2.0: "groß"}},
    )
    with pytest.raises(ReadError, match=r"umlaut\.sav: .*could not be decoded.*encoding="):
        read(path, encoding="ascii")
    assert read(path).meta.label_of("v") == "Größe der Gemeinde"


def test_input_file_is_never_modified(sav_file, dta_file):
    for path in (sav_file, dta_file):
        before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        read(path)
        read(path, user_missing="keep", chunksize=2)
        after = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        assert after == before


def test_apply_labels(sav_file):
    sd = read(sav_file)
    lab = apply_labels(sd.data, sd.meta)
    assert sorted(c for c in lab.columns if isinstance(lab[c].dtype, pd.CategoricalDtype)) == [
        "q1",
        "q2",
    ]
    q1 = lab["q1"]
    # user-missing labels are dropped when their codes are gone (read as missing)
    assert list(q1.cat.categories) == ["Yes", "No"]
    assert q1.cat.ordered  # SPSS ordinal
    assert q1.tolist()[:2] == ["Yes", "No"] and q1.isna().sum() == 4
    # unlabelled codes are shown as the code, after the labelled ones
    assert list(lab["q2"].cat.categories) == ["Drugs", "2", "3", "77", "100"]
    assert lab["q2"].tolist()[-2:] == ["100", "2"]
    pd.testing.assert_series_equal(lab["w"], sd.data["w"])  # untouched
    assert sd.data["q1"].dtype == np.float64  # input not modified

    keep = read(sav_file, user_missing="keep")
    q1k = keep.labelled(["q1"])["q1"]
    assert list(q1k.cat.categories) == ["Yes", "No", "Don't know", "No answer"]
    assert q1k.value_counts().to_dict() == {"Yes": 2, "No": 2, "Don't know": 1, "No answer": 2}
    with pytest.raises(KeyError, match="nope"):
        apply_labels(sd.data, sd.meta, columns=["nope"])


def test_apply_labels_merges_duplicate_label_texts():
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0, NAN]})
    meta = Metadata(value_labels={"v": {1.0: "Yes", 2.0: "Yes", 3.0: "No"}})
    out = apply_labels(df, meta)["v"]
    assert list(out.cat.categories) == ["Yes", "No"]
    assert out.tolist()[:3] == ["Yes", "Yes", "No"] and pd.isna(out.iloc[3])


def test_stata_column_of_only_extended_missing(tmp_path):
    # pyreadstat returns such a numeric column as strings; it must come back numeric
    path = tmp_path / "letters.dta"
    df = pd.DataFrame({"x": pd.Series([NAN, "b", "a"], dtype=object), "y": [1.0, 2, 3]})
    pyreadstat.write_dta(df, str(path), missing_user_values={"x": ["a", "b"]})
    sd = read(path)
    assert sd.data["x"].dtype == np.float64 and sd.data["x"].isna().all()
    assert sd.meta.missing_values == {"x": ["a", "b"]}
    assert sd.meta.user_missing_counts == {"x": 2}
    keep = read(path, user_missing="keep").data["x"]
    assert keep.iloc[1:].tolist() == ["b", "a"] and pd.isna(keep.iloc[0])


def test_sas_transport(tmp_path):
    path = tmp_path / "small.xpt"
    pyreadstat.write_xport(
        pd.DataFrame({"A": [1.0, 2.0, NAN], "B": ["x", "y", "z"]}),
        str(path),
        column_labels={"A": "Alpha"},
    )
    sd = read(path)
    assert sd.meta.source_format == "xpt"
    assert sd.meta.variable_labels == {"A": "Alpha"}
    assert sd.data["A"].isna().tolist() == [False, False, True]
    assert sd.data["B"].tolist() == ["x", "y", "z"]


def test_large_files_are_chunked_with_progress_on_a_terminal(sav_file, monkeypatch):
    import survey.io._read as rd

    shown, chunked = [], []
    real_progress, real_chunks = rd._progress, pyreadstat.read_file_in_chunks

    def spy_progress(show, total, description):
        shown.append((show, total))
        return real_progress(False, total, description)

    def spy_chunks(*args, **kwargs):
        chunked.append(kwargs["chunksize"])
        return real_chunks(*args, **kwargs)

    monkeypatch.setattr(rd, "_progress", spy_progress)
    monkeypatch.setattr(rd.pyreadstat, "read_file_in_chunks", spy_chunks)
    small = read(sav_file)
    assert chunked == [] and shown == []  # small file: one-shot read

    monkeypatch.setattr(rd, "LARGE_FILE_BYTES", 10)
    monkeypatch.setattr(rd, "DEFAULT_CHUNK_ROWS", 3)
    monkeypatch.setattr(rd.sys.stderr, "isatty", lambda: False, raising=False)
    big = read(sav_file)
    assert chunked == [3] and shown == [(False, 8)]  # not a terminal: no bar
    pd.testing.assert_frame_equal(big.data, small.data)

    monkeypatch.setattr(rd.sys.stderr, "isatty", lambda: True, raising=False)
    read(sav_file)
    assert shown[-1] == (True, 8)
    read(sav_file, progress=False)
    assert shown[-1] == (False, 8)


def test_csv_chunks_with_an_all_missing_chunk_keep_the_dtype(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n1,\n2,\n3,x\n4,y\n", encoding="utf-8")
    one = read(path)
    chunked = read(path, chunksize=2)
    pd.testing.assert_frame_equal(chunked.data, one.data)
    assert chunked.data["b"].tolist()[2:] == ["x", "y"]
    with pytest.raises(ReadError, match=r"gaps\.csv: column\(s\) not in file"):
        read(path, columns=["a", "zz"])
