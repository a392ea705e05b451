"""`survey estimate` without variables says how to name them (the command line, or the
--design file's 'variables:' when one is given), not a config key the user has not seen."""

from __future__ import annotations

from typer.testing import CliRunner

from survey.cli import app
from survey.datasets import demo_path

DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu"]


def test_estimate_without_variables_says_how_to_name_them(tmp_path):
    res = CliRunner().invoke(app, ["estimate", str(demo_path()), *DESIGN])
    assert res.exit_code != 0
    text = " ".join(res.output.split())
    assert "survey estimate demo_survey.sav VAR1 VAR2" in text
    assert "survey describe demo_survey.sav" in text and "--design" not in text
    design = tmp_path / "design.yaml"
    design.write_text("weight: weight\nstrata: stratum\npsu: psu\n")
    res = CliRunner().invoke(app, ["estimate", str(demo_path()), "--design", str(design)])
    assert res.exit_code != 0 and "'variables:' in the --design file" in res.output
