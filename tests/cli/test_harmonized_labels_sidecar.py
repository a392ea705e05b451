"""The value labels `survey harmonize` writes beside its output (``<out>_labels.json``) are
used: as a ``--labels`` file, and by default when they sit beside the data file."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

import survey
from survey.cli import app
from survey.datasets import demo_path
from survey.io import read_labels

runner = CliRunner()


def _files(tmp_path, name="std"):
    data = survey.read(demo_path()).data[["region", "robbery", "weight", "stratum", "psu"]]
    path = tmp_path / f"{name}.parquet"
    data.to_parquet(path, index=False)
    side = tmp_path / f"{name}_labels.json"
    side.write_text(json.dumps({"region": {"1": "Norte", "2": "Centro", "3": "Sur",
                                           "4": "Costa"}}), encoding="utf-8")  # fmt: skip
    return path, side


def test_json_labels_file_reads_like_yaml(tmp_path):
    _, side = _files(tmp_path)
    labels = read_labels(side)
    assert labels.value_labels["region"]["1"] == "Norte"


def test_sidecar_labels_name_the_domains(tmp_path):
    path, side = _files(tmp_path)
    out = tmp_path / "e.csv"
    args = ["estimate", str(path), "robbery", "--stat", "prop", "--by", "region", "--weight",
            "weight", "--strata", "stratum", "--psu", "psu", "--out", str(out)]  # fmt: skip
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "value labels from" in res.output and "Costa" in res.output
    got = pd.read_csv(out)
    assert set(got["domain_label"]) == {"Norte", "Centro", "Sur", "Costa"}
    side.unlink()  # without the file: codes, as before
    res = runner.invoke(app, [*args, "--overwrite"])
    assert res.exit_code == 0 and "Costa" not in res.output
