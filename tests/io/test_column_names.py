"""survey.io.column_names: the header of a file without its rows, for every format."""

from __future__ import annotations

import gzip

import pandas as pd
import pyreadstat
import pytest

from survey.io import ReadError, column_names, read

FRAME = pd.DataFrame({"Fact_Hog": [1.5, 2.0], "region": [1, 2], "q1": [0, 1]})


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".sav", ".dta"])
def test_names_are_those_read_returns(tmp_path, suffix):
    path = tmp_path / f"f{suffix}"
    if suffix == ".csv":
        path.write_text("Fact_Hog;region;q1\n1,5;1;0\n2,0;2;1\n")  # ; as Latin exports
    elif suffix == ".csv.gz":
        path.write_bytes(gzip.compress(FRAME.to_csv(index=False).encode()))
    elif suffix == ".parquet":
        FRAME.to_parquet(path)
    elif suffix == ".sav":
        pyreadstat.write_sav(FRAME, str(path))
    else:
        pyreadstat.write_dta(FRAME, str(path))
    assert column_names(path) == ["Fact_Hog", "region", "q1"]
    assert column_names(path) == list(read(path).data.columns)


def test_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        column_names(tmp_path / "absent.csv")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(ReadError, match=r"bad\.parquet.*not a valid parquet"):
        column_names(bad)
    other = tmp_path / "x.txt"
    other.write_text("a,b\n")
    with pytest.raises(ReadError, match="unknown file extension"):
        column_names(other)


def test_read_columns_absent_suggests_the_nearest(tmp_path):
    path = tmp_path / "f.parquet"
    FRAME.to_parquet(path)
    with pytest.raises(ReadError, match=r"'fact_hog' \(did you mean 'Fact_Hog'\?\)"):
        read(path, columns=["fact_hog"])
