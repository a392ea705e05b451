"""`survey estimate` is a thin shell: same numbers as the Python API, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey.cli import app
from survey.datasets import demo_path

runner = CliRunner()


def test_estimate_writes_the_api_numbers(tmp_path):
    out = tmp_path / "res.csv"
    result = runner.invoke(
        app,
        [
            "estimate",
            str(demo_path()),
            "fear_dark",
            "--weight",
            "weight",
            "--strata",
            "stratum",
            "--psu",
            "psu",
            "--by",
            "region",
            "--df",
            "domain",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    ds = survey.read(demo_path())
    expected = survey.Design(ds, weight="weight", strata="stratum", psu="psu").prop(
        "fear_dark", by="region", df="domain"
    )
    assert len(written) == len(expected)
    assert written["estimate"].to_numpy() == pytest.approx(
        expected["estimate"].to_numpy(), rel=1e-12
    )
    assert written["ci_low"].to_numpy() == pytest.approx(expected["ci_low"].to_numpy(), rel=1e-12)


def test_estimate_design_yaml_and_refuses_overwrite(tmp_path):
    spec = tmp_path / "design.yaml"
    spec.write_text("weight: weight\nstrata: stratum\npsu: psu\nby: [region]\n")
    out = tmp_path / "res.csv"
    out.write_text("keep me")
    result = runner.invoke(
        app, ["estimate", str(demo_path()), "hh_size", "--design", str(spec), "--out", str(out)]
    )
    assert result.exit_code != 0
    assert "exists" in result.output
    assert out.read_text() == "keep me"
    result = runner.invoke(app, ["estimate", str(demo_path()), "hh_size", "--design", str(spec)])
    assert result.exit_code == 0, result.output
    assert "hh_size" in result.output


def test_estimate_bad_column_is_a_clear_error():
    result = runner.invoke(
        app, ["estimate", str(demo_path()), "no_such_item", "--weight", "weight"]
    )
    assert result.exit_code == 2
    assert "no_such_item" in result.output
    assert "Traceback" not in result.output
