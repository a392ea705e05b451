"""`survey estimate` checks names on the header and reads only the columns it needs.

The names are checked (with "did you mean") before any row is read; the data read hold the
variables, the domains and the design columns only; a --labels file naming a column of the
file that was not read is not reported as absent; a long result written with --out shows
its first rows on the terminal, the file holds them all.
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
import survey.io
from survey.cli import app
from survey.cli import estimate as est_mod
from survey.datasets import demo_path

runner = CliRunner()
DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu"]


@pytest.fixture
def demo_csv(tmp_path):
    path = tmp_path / "demo.csv"
    survey.read(demo_path()).data.head(2000).to_csv(path, index=False)
    return path


def test_misspelt_names_fail_before_any_row_is_read(demo_csv, monkeypatch):
    def no_read(*a, **k):
        raise AssertionError("read() called although a name is wrong")

    monkeypatch.setattr(survey, "read", no_read)
    res = runner.invoke(
        app,
        ["estimate", str(demo_csv), "fear_dark", "--weight", "Weight", "--by", "regin"],
    )
    assert res.exit_code == 2
    out = " ".join(res.output.split())
    assert "by column 'regin' is not in the data (did you mean 'region'?)" in out
    assert "column 'Weight' is not in the data (did you mean 'weight'" in out
    assert "Traceback" not in res.output


def test_only_the_needed_columns_are_read(demo_csv, monkeypatch):
    seen = {}
    real = survey.read

    def spy(path, **kw):
        seen.update(kw)
        return real(path, **kw)

    monkeypatch.setattr(survey, "read", spy)
    out = demo_csv.with_name("res.csv")
    res = runner.invoke(
        app,
        ["estimate", str(demo_csv), "fear_dark", *DESIGN, "--by", "region", "--stat", "mean",
         "--show-suppressed", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert seen["columns"] == ["fear_dark", "region", "weight", "stratum", "psu"]
    full = survey.read(demo_csv)
    expected = survey.Design(full, weight="weight", strata="stratum", psu="psu").mean(
        "fear_dark", by="region"
    )
    got = pd.read_csv(out)
    assert got["estimate"].to_numpy() == pytest.approx(expected["estimate"].to_numpy(), rel=1e-12)
    assert got["se"].to_numpy() == pytest.approx(expected["se"].to_numpy(), rel=1e-12)


def test_labels_of_columns_not_read_are_not_reported_absent(demo_csv, tmp_path):
    labels = tmp_path / "labels.yaml"
    labels.write_text("region: {1: North, 2: Centre}\nhh_size: {1: one}\nnot_a_column: {1: x}\n")
    res = runner.invoke(
        app,
        [
            "estimate",
            str(demo_csv),
            "fear_dark",
            *DESIGN,
            "--by",
            "region",
            "--labels",
            str(labels),
        ],
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "North" in text
    assert "'not_a_column'" in text  # truly absent: still reported
    assert "'hh_size'" not in text  # in the file, only not read for this estimate


def test_a_long_result_shows_its_first_rows_and_the_file_holds_all(demo_csv, monkeypatch):
    monkeypatch.setattr(est_mod, "SHOWN_ROWS", 3)
    out = demo_csv.with_name("res.csv")
    res = runner.invoke(
        app, ["estimate", str(demo_csv), "fear_dark", *DESIGN, "--by", "region", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    rows = len(pd.read_csv(out))
    assert rows > 3
    assert f"the first 3 of {rows} rows; res.csv holds them all" in " ".join(res.output.split())
    # without --out every row is printed
    res = runner.invoke(app, ["estimate", str(demo_csv), "fear_dark", *DESIGN, "--by", "region"])
    assert res.exit_code == 0 and "holds them all" not in res.output


@pytest.mark.parametrize(
    ("values", "dtype", "expected"),
    [
        ([0, 1, 1], "int8", "prop"),
        ([0, 2, 1], "int64", "mean"),
        ([True, False], "bool", "prop"),
        ([0, 1, None], "Int64", "prop"),
        ([0.0, 1.0, None], "float64", "prop"),
        ([0.5, 1.0, 3.0], "float64", "mean"),
        ([1, 2, 3, 99, 1, 2, 3, 1, 2, 3], "int64", "prop"),  # 99 beside 1-3: a code
    ],
)
def test_auto_statistic_of_numeric_columns(values, dtype, expected):
    """--stat auto: 0/1 items (any integer, bool, nullable or float dtype) are proportions,
    amounts means; the integer check reads the range without a float copy."""
    ds = survey.io.SurveyData(pd.DataFrame({"x": pd.Series(values, dtype=dtype)}), None)
    assert est_mod._kind("x", ds, "auto") == expected
