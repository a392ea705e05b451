"""Means of category codes (issue 15, item 3): undeclared missing codes (88/99, "no sabe")
warn and can be declared missing (CLI --missing-codes, API read(user_missing_codes=)); --stat
auto never averages them; a mean of an unlabelled few-valued integer item carries a note."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey._codes import suspect_missing_codes
from survey.cli import app
from tests.conftest import realdata_file

runner = CliRunner()


@pytest.fixture
def coded(tmp_path):
    rng = np.random.default_rng(2)
    n = 2000
    p3 = rng.choice([1, 2, 3, 88, 99], n, p=[0.6, 0.25, 0.1, 0.03, 0.02])
    frame = pd.DataFrame(
        {"w": rng.uniform(1, 4, n).round(3), "P3": p3, "kids": rng.integers(0, 5, n)}
    )
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_detection_rules():
    assert suspect_missing_codes(pd.Series([1, 2, 3, 88, 96, 99])) == [88, 96, 99]
    assert suspect_missing_codes(pd.Series(range(15, 100))) == []  # ages, not codes
    assert suspect_missing_codes(pd.Series([1.5, 2.5, 99])) == []  # not integers
    assert suspect_missing_codes(pd.Series([0, 1, 2, -9])) == [-9]
    labels = {1: "Aumentó", 2: "Igual", 5: "No sabe", 6: "No responde"}
    assert suspect_missing_codes(pd.Series([1, 2, 5, 6]), labels) == [5, 6]


def test_api_mean_warns_and_declaring_the_codes_fixes_it(coded):
    path, frame = coded
    des = survey.Design(survey.read(path), weight="w")
    with pytest.warns(
        UserWarning, match=r"'P3' holds 88, 99.*user_missing_codes=\{'P3': \[88, 99\]\}"
    ):
        raw = des.mean("P3")
    w = frame["w"]
    assert raw["estimate"].iloc[0] == pytest.approx(np.sum(w * frame.P3) / w.sum(), rel=1e-12)
    fixed = survey.Design(survey.read(path, user_missing_codes={"P3": [88, 99]}), weight="w")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        got = fixed.mean("P3")
    ok = frame.P3 < 50
    expect = np.sum((w * frame.P3)[ok]) / w[ok].sum()
    assert got["estimate"].iloc[0] == pytest.approx(expect, rel=1e-12)
    assert any("3 distinct values" in n for n in got.attrs["notes"])
    # a count item (0-4) is a legitimate mean: a note, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        kids = des.mean("kids")
    assert "5 distinct values" in kids.attrs["notes"][0]


def test_cli_auto_never_averages_codes_and_missing_codes_option(coded, tmp_path):
    path, frame = coded
    out = tmp_path / "r.csv"
    base = ["estimate", str(path), "P3", "--weight", "w", "--show-suppressed", "--out", str(out)]
    res = runner.invoke(app, base)
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out)
    assert sorted(got["category"].tolist()) == [1, 2, 3, 88, 99]  # shares, not a mean of codes
    res = runner.invoke(app, [*base, "--overwrite", "--stat", "mean", "--missing-codes", "88,99"])
    assert res.exit_code == 0, res.output
    assert "note:" in res.output and "3 distinct values" in " ".join(res.output.split())
    got = pd.read_csv(out)
    w, ok = frame["w"], frame.P3 < 50
    assert got["estimate"].iloc[0] == pytest.approx(
        np.sum((w * frame.P3)[ok]) / w[ok].sum(), rel=1e-12
    )
    res = runner.invoke(app, [*base, "--overwrite", "--missing-codes", "8x"])
    assert res.exit_code == 2 and "--missing-codes" in res.output


@pytest.mark.realdata
def test_enusc_perceived_change_auto_is_shares_not_mean(tmp_path):
    path = realdata_file("enusc/enusc_2019_subset.csv.gz")
    out = tmp_path / "p3.csv"
    res = runner.invoke(
        app,
        ["estimate", str(path), "P3_1_1", "--weight", "Fact_Pers", "--strata", "VarStrat",
         "--psu", "Conglomerado", "--lonely-psu", "certainty", "--show-suppressed",
         "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out)
    assert set(got["category"]) >= {1, 2, 3, 88}
    assert got["estimate"].sum() == pytest.approx(1.0, rel=1e-12)


def test_no_codes_note_for_a_variable_the_file_declares_scale():
    """The demo's hh_size (1-9 persons) has SPSS measure 'scale': its mean is a quantity, so
    no "perhaps category codes" note; a CSV copy (no metadata) still gets it."""
    from survey.datasets import demo_path

    sd = survey.read(demo_path())
    assert sd.meta.measure["hh_size"] == "scale"
    des = survey.Design(sd, weight="weight", strata="stratum", psu="psu")
    assert not des.mean("hh_size").attrs.get("notes")
    plain = survey.Design(sd.data, weight="weight", strata="stratum", psu="psu")
    assert "distinct values" in plain.mean("hh_size").attrs["notes"][0]
