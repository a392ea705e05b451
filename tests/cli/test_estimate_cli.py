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


def test_estimate_never_overwrites_its_input(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 2.0, 1.0, 2.0]}).to_csv(data, index=False)
    before = data.read_bytes()
    result = runner.invoke(
        app, ["estimate", str(data), "y", "--weight", "w", "--out", str(data), "--overwrite"]
    )
    assert result.exit_code == 2
    assert data.read_bytes() == before


def test_estimate_quantile_uses_ci_and_df_options(tmp_path):
    out = tmp_path / "q.csv"
    result = runner.invoke(
        app,
        [
            "estimate",
            str(demo_path()),
            "hh_size",
            "--weight",
            "weight",
            "--strata",
            "stratum",
            "--psu",
            "psu",
            "--stat",
            "quantile",
            "--df",
            "inf",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    ds = survey.read(demo_path())
    expected = survey.Design(ds, weight="weight", strata="stratum", psu="psu").quantile(
        "hh_size", df="inf"
    )
    assert written["df"].iloc[0] == float("inf")
    assert written["ci_low"].iloc[0] == pytest.approx(expected["ci_low"].iloc[0])


def test_estimate_rejects_bad_level_and_extension(tmp_path):
    res = runner.invoke(
        app, ["estimate", str(demo_path()), "hh_size", "--weight", "weight", "--level", "95"]
    )
    assert res.exit_code == 2 and "between 0 and 1" in res.output
    res = runner.invoke(
        app,
        [
            "estimate",
            str(demo_path()),
            "hh_size",
            "--weight",
            "weight",
            "--out",
            str(tmp_path / "r.parquet"),
        ],
    )
    assert res.exit_code == 2 and not (tmp_path / "r.parquet").exists()


def test_estimate_quality_rule_and_show_suppressed(tmp_path):
    args = [
        "estimate",
        str(demo_path()),
        "robbery",
        "--weight",
        "weight",
        "--strata",
        "stratum",
        "--psu",
        "psu",
        "--by",
        "region",
        "--by",
        "area",
    ]
    out = tmp_path / "r.csv"
    res = runner.invoke(app, [*args, "--quality", "nchs", "--out", str(out)])
    assert res.exit_code == 0, res.output
    from survey.indicators.quality import assess

    ds = survey.read(demo_path())
    frame = survey.Design(ds, weight="weight", strata="stratum", psu="psu").prop(
        "robbery", by=["region", "area"]
    )
    assert pd.read_csv(out)["reliability"].tolist() == assess(frame, rule="nchs").tolist()
    shown = runner.invoke(app, [*args, "--show-suppressed"])
    assert shown.exit_code == 0


def test_estimate_with_replicate_weights_written_by_weight(tmp_path, monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)
    res = runner.invoke(
        app,
        [
            "weight",
            "example_sample.csv",
            "--spec",
            "example",
            "--out",
            "w.parquet",
            "--replicates",
            "JKn",
        ],
    )
    assert res.exit_code == 0, res.output
    out = tmp_path / "r.csv"
    res = runner.invoke(
        app, ["estimate", "w.parquet", "y", "--replicates", "w.replicates.json", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    data = survey.read(tmp_path / "w.parquet")
    rep = survey.ReplicateDesign(data, **json.loads((tmp_path / "w.replicates.json").read_text()))
    expected = rep.mean("y")
    got = pd.read_csv(out)
    assert got["se"].iloc[0] == pytest.approx(expected["se"].iloc[0], rel=1e-12)


def test_several_variables_in_one_pass_equal_one_call_each(tmp_path):
    """`survey estimate` estimates all variables of a statistic in one engine pass; the rows
    (in the order the variables were named) equal the API's one-variable calls exactly."""
    import numpy as np
    import pandas as pd
    from typer.testing import CliRunner

    import survey
    from survey.cli import app

    path = survey.datasets.demo_path()
    out = tmp_path / "est.csv"
    names = ["hh_size", "fear_dark", "adults", "burglary"]
    res = CliRunner().invoke(
        app,
        ["estimate", str(path), *names, "--weight", "weight", "--strata", "stratum",
         "--psu", "psu", "--by", "region", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out)
    des = survey.Design(survey.read(path), weight="weight", strata="stratum", psu="psu")
    kinds = {"hh_size": "mean", "adults": "mean", "fear_dark": "prop", "burglary": "prop"}
    ci = {"mean": "wald", "prop": "logit"}
    want = pd.concat(
        [getattr(des, kinds[v])(v, by="region", ci=ci[kinds[v]]) for v in names],
        ignore_index=True,
    )
    assert got["variable"].tolist() == want["variable"].tolist()
    assert got["region"].tolist() == want["region"].astype(float).tolist()
    shown = got["reliability"] != "suppress"
    np.testing.assert_allclose(got.loc[shown, "estimate"], want.loc[shown, "estimate"], rtol=1e-12)
    np.testing.assert_allclose(got.loc[shown, "se"], want.loc[shown, "se"], rtol=1e-12)
