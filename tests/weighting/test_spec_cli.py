"""Weighting specs in weights/ and the ``survey weight`` command, end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey._paths import data_dir
from survey.weighting import WeightingError
from survey.weighting.spec import load_spec, run_spec
from tests.conftest import GOLDEN


def _pop_margin(var):
    pop = pd.read_csv(data_dir("weights") / "example_population.csv")
    return pop.groupby(var)["population"].sum()


def test_example_spec_runs_and_hits_margins():
    data = pd.read_csv(GOLDEN / "weighting_sample.csv")
    res = run_spec(data_dir("weights") / "example.yaml", data)
    w = res.data["weight_final"].to_numpy()
    assert "weight_final" not in data.columns  # input frame untouched
    assert w.max() <= 300 + 1e-9 and (w[data["resp"] == 0] == 0).all()
    assert w.sum() == pytest.approx(_pop_margin("sex").sum())
    # before trimming the raked weights reach every margin
    raked = res.steps[1].weights_
    for var in ("sex", "age_group", "region"):
        got = pd.Series(raked).groupby(data[var].to_numpy()).sum()
        np.testing.assert_allclose(got.sort_index(), _pop_margin(var).sort_index(), rtol=1e-5)
    assert list(res.diagnostics.index) == ["input", "1: nonresponse", "2: rake", "3: trim"]


def test_calibration_spec_reaches_totals():
    data = pd.read_csv(GOLDEN / "weighting_sample.csv")
    res = run_spec(data_dir("weights") / "calibration_example.yaml", data)
    got = pd.Series(res.data["weight_cal"].to_numpy()).groupby(data["region"].to_numpy()).sum()
    np.testing.assert_allclose(got.sort_index(), _pop_margin("region").sort_index(), rtol=1e-6)


def test_bad_spec_names_the_key(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(
        "design: {weight: w}\nsteps:\n  - rake: {margins: [[sex]], maxit: 3}\n", encoding="utf-8"
    )
    with pytest.raises(WeightingError, match=r"step 1 \(rake\): unknown key\(s\) \['maxit'\]"):
        load_spec(p)


def test_cli_weight_writes_new_column_and_never_overwrites(tmp_path):
    from survey.cli import app

    src = tmp_path / "sample.csv"
    pd.read_csv(GOLDEN / "weighting_sample.csv").to_csv(src, index=False)
    out = tmp_path / "weighted.parquet"
    runner = CliRunner()
    spec = str(data_dir("weights") / "example.yaml")
    r = runner.invoke(app, ["weight", str(src), "--spec", spec, "--out", str(out)])
    assert r.exit_code == 0, r.output
    got = pd.read_parquet(out)
    assert "weight_final" in got.columns and got["weight_final"].sum() == pytest.approx(30601)
    assert "weight_final" not in pd.read_csv(src).columns
    r = runner.invoke(app, ["weight", str(src), "--spec", spec, "--out", str(src)])
    assert r.exit_code != 0 and "never overwritten" in r.output
    r = runner.invoke(app, ["weight", str(src), "--spec", spec, "--out", str(out)])
    assert r.exit_code != 0 and "exists" in r.output
