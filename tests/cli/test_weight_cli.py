"""``survey weight``: bundled specs and sample by name (also from an installed layout), the
variance note, and ``--replicates`` whose written columns rebuild the weighted design."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey import ReplicateDesign
from survey._paths import data_dir
from survey.cli import app
from survey.cli.weight import replicates_info_path
from survey.weighting.example_data import make_example_sample
from survey.weighting.spec import run_spec

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _run(args, cwd: Path):
    import os

    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(app, ["weight", *args])
    finally:
        os.chdir(old)


def test_committed_example_sample_is_what_the_script_writes():
    committed = pd.read_csv(data_dir("weights") / "example_sample.csv")
    fresh = make_example_sample()
    pd.testing.assert_frame_equal(
        committed, fresh.astype(committed.dtypes.to_dict()), check_exact=False, rtol=1e-12
    )
    assert len(committed) == 257 and set(committed["resp"]) == {0, 1}


def test_bundled_spec_and_sample_by_name(tmp_path):
    r = _run(["example_sample.csv", "--spec", "example", "--out", "w.parquet"], tmp_path)
    assert r.exit_code == 0, r.output
    got = pd.read_parquet(tmp_path / "w.parquet")
    expected = run_spec("example", make_example_sample()).data["weight_final"]
    np.testing.assert_allclose(got["weight_final"], expected, rtol=1e-12)
    assert got["weight_final"].sum() == pytest.approx(30601, rel=0.01)  # trimmed at 300
    text = " ".join(r.output.split())
    assert "calibrated=no" in text and "ignore the calibration (rake)" in text
    assert "--replicates JKn" in text


def test_unknown_spec_lists_bundled_names(tmp_path):
    r = _run(["example_sample.csv", "--spec", "nope", "--out", "w.csv"], tmp_path)
    assert r.exit_code == 2
    assert "bundled specs: calibration_example, example" in " ".join(r.output.split())


def test_bad_replicates_value(tmp_path):
    r = _run(
        ["example_sample.csv", "--spec", "example", "--out", "w.csv", "--replicates", "BRR2"],
        tmp_path,
    )
    assert r.exit_code == 2 and "must be one of JKn, JK1, bootstrap" in r.output


BOOT = ["--bootstrap-replicates", "30", "--seed", "3"]  # all 30 replicates converge


@pytest.mark.parametrize(
    ("spec", "kind", "extra", "out_name"),
    [
        ("example", "JKn", [], "w.parquet"),
        ("calibration_example", "bootstrap", BOOT, "w.csv.gz"),
    ],
)
def test_replicate_columns_rebuild_the_weighted_design(tmp_path, spec, kind, extra, out_name):
    args = ["example_sample.csv", "--spec", spec, "--out", out_name, "--replicates", kind]
    r = _run([*args, *extra], tmp_path)
    assert r.exit_code == 0, r.output
    out = tmp_path / out_name
    info_file = replicates_info_path(out)
    assert info_file.name == "w.replicates.json"
    info = json.loads(info_file.read_text())
    data = pd.read_parquet(out) if out_name.endswith(".parquet") else pd.read_csv(out)
    rebuilt = ReplicateDesign(data, **info)
    api = run_spec(
        spec,
        make_example_sample(),
        replicates=kind,
        n_replicates=30,
        random_state=3,
    ).design
    assert rebuilt.n_replicates == api.n_replicates == (24 if kind == "JKn" else 30)
    a = rebuilt.mean(["y", "v"])
    b = api.mean(["y", "v"])
    np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-12)
    np.testing.assert_allclose(a["se"], b["se"], rtol=1e-9)
    if kind == "JKn":
        assert info["type"] == "JKn" and info["scale"] == 1.0
        np.testing.assert_allclose(info["rscales"], 5 / 6)  # 6 PSUs per stratum
    else:
        assert info["type"] == "bootstrap" and info["scale"] == pytest.approx(1 / 29)
    text = " ".join(r.output.split())
    assert f"rep_1..rep_{api.n_replicates}" in text


def test_replicates_refuse_existing_rep_columns(tmp_path):
    make_example_sample().assign(rep_1=1.0).to_csv(tmp_path / "s.csv", index=False)
    r = _run(["s.csv", "--spec", "example", "--out", "w.csv", "--replicates", "JKn"], tmp_path)
    assert r.exit_code == 2 and "rep_1" in r.output


def test_installed_layout_runs_the_readme_command(tmp_path):
    """Package copied as a wheel lays it out (data folders in survey/_data): the README
    command finds the bundled spec and sample outside any checkout."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "survey", site / "survey", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("questionnaires", "weights", "reports"):
        shutil.copytree(ROOT / folder, site / "survey" / "_data" / folder)
    work = tmp_path / "work"
    work.mkdir()
    code = "import sys; from survey.cli import app; sys.argv[0] = 'survey'; app()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "weight", "example_sample.csv", "--spec", "example"]
        + ["--out", "w.parquet"],
        capture_output=True,
        text=True,
        cwd=work,
        env={"PYTHONPATH": str(site), "PATH": "", "COLUMNS": "200"},
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "weight_final" in pd.read_parquet(work / "w.parquet").columns
