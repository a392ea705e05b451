"""The CLI shows warnings as messages, not as Python source locations (issue 15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app


@pytest.mark.parametrize("dtype", [int, float])  # float: codes of an SPSS double, 1.0
def test_engine_warning_is_printed_as_a_message_without_file_and_line(tmp_path, dtype):
    n = 400
    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {
            "w": rng.uniform(1, 3, n),
            "st": np.arange(n) // 5 % 40,
            "psu": np.arange(n) // 5,
            "region": (np.arange(n) // 5 % 40 < 2).astype(dtype),  # 2 of 40 strata
            "x": rng.normal(5, 1, n),
        }
    )
    path = tmp_path / "few_strata.csv"
    data.to_csv(path, index=False)
    res = CliRunner().invoke(
        app,
        ["estimate", str(path), "x", "--weight", "w", "--strata", "st", "--psu", "psu"]
        + ["--by", "region"],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    text = res.output + (res.stderr if res.stderr_bytes is not None else "")
    assert "warning: domains in few strata: region=1 (df 2)" in text
    assert "UserWarning" not in text and ".py:" not in text


def test_an_80_column_terminal_keeps_the_domain_column_readable(monkeypatch):
    """Piped output or a small terminal: se and deff give way, region names stay whole."""
    from survey.cli._common import console
    from survey.datasets import demo_path

    monkeypatch.setattr(console, "_width", 80)  # the console is made once per process

    res = CliRunner().invoke(
        app,
        ["estimate", str(demo_path()), "fear_dark", "--weight", "weight", "--strata",
         "stratum", "--psu", "psu", "--by", "region"],
        env={"COLUMNS": "80"},
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    # the compact layout: the variable's label above a table without vertical rules
    rule = next(i for i, line in enumerate(lines) if line.startswith("───"))
    head = lines[rule - 1].split()
    assert head[:2] == ["Region", "category"] and head[-1] == "flag", lines[rule - 1]
    body = [ln for ln in lines[rule + 1 :] if ln.split()[-1:] in (["reliable"], ["caution"], ["suppressed"])]  # fmt: skip
    assert {"Norte", "Centro", "Sur", "Costa"} == {line.split()[0] for line in body}
    assert len(body) == 20  # 4 regions x 5 categories, a row each
    assert max(len(line) for line in lines) <= 80


def test_estimate_without_weight_says_the_estimates_are_unweighted():
    from survey.datasets import demo_path

    args = ["estimate", str(demo_path()), "fear_dark"]
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "warning: no --weight: every row weighs 1" in res.output
    res = CliRunner().invoke(app, [*args, "--weight", "weight"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "no --weight" not in res.output
