"""A replicate JSON is validated like the YAML specs (issue 15, item 8): an unknown key names
the file, the key and the nearest allowed key, through the CLI and the API."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app
from survey.design import DesignError, replicate_design_from_spec

runner = CliRunner()


@pytest.fixture
def rep_files(tmp_path):
    rng = np.random.default_rng(3)
    n = 40
    frame = pd.DataFrame({"w": rng.uniform(1, 3, n), "y": rng.normal(10, 2, n)})
    for r in range(4):  # JK1-like replicates: drop a quarter of the rows each
        f = np.ones(n)
        f[r * 10 : (r + 1) * 10] = 0
        f[f == 1] = 4 / 3
        frame[f"rep_{r + 1}"] = frame["w"] * f
    data = tmp_path / "w.csv"
    frame.to_csv(data, index=False)
    spec = {"weight": "w", "repweights": [f"rep_{r}" for r in range(1, 5)], "type": "JK1"}
    return data, frame, spec


def test_unknown_replicate_key_names_file_key_and_nearest(rep_files, tmp_path):
    data, frame, spec = rep_files
    bad = tmp_path / "w.replicates.json"
    bad.write_text(json.dumps({**spec, "sclae": 0.75}))
    res = runner.invoke(app, ["estimate", str(data), "y", "--replicates", str(bad)])
    assert res.exit_code == 2 and isinstance(res.exception, SystemExit), res.output
    text = " ".join(res.output.split())
    for needle in ("w.replicates.json", "'sclae'", "did you mean 'scale'"):
        assert needle in text, text
    with pytest.raises(DesignError, match=r"w.replicates.json: unknown replicate key 'sclae'"):
        replicate_design_from_spec(frame, {**spec, "sclae": 0.75}, source=bad)
    with pytest.raises(DesignError, match="lacks repweights"):
        replicate_design_from_spec(frame, {"weight": "w"})
    with pytest.raises(DesignError, match="JSON object"):
        replicate_design_from_spec(frame, [1, 2])


def test_valid_replicate_json_still_runs_and_matches_jk1(rep_files, tmp_path):
    data, frame, spec = rep_files
    good = tmp_path / "good.json"
    good.write_text(json.dumps({**spec, "scale": 0.75}))
    out = tmp_path / "r.csv"
    res = runner.invoke(
        app,
        [
            "estimate",
            str(data),
            "y",
            "--replicates",
            str(good),
            "--out",
            str(out),
            "--show-suppressed",
        ],
    )
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out).iloc[0]
    w = frame["w"].to_numpy()
    full = np.sum(w * frame["y"]) / w.sum()
    reps = [np.sum(frame[f"rep_{r}"] * frame["y"]) / frame[f"rep_{r}"].sum() for r in range(1, 5)]
    # R: svrVar(thetas, scale=0.75, rscales=1, mse=FALSE) centres on the replicate mean
    se = np.sqrt(0.75 * np.sum((np.array(reps) - np.mean(reps)) ** 2))
    assert got["estimate"] == pytest.approx(full, rel=1e-12)
    assert got["se"] == pytest.approx(se, rel=1e-10)
