"""The README's evaluation recipe (event study, predictive margins on the known-truth test
bed) runs and recovers the population's programme effects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import survey
from survey import compare

ROOT = Path(__file__).resolve().parents[2]


def test_readme_evaluation_recipe_recovers_the_truth():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("More waves, covariates and known truth") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {"survey": survey, "compare": compare}  # imported by the first recipe
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    truth, es = namespace["truth"], namespace["es"]
    co = es.coefficients.set_index("wave")
    for w, value in truth["event_study"].items():  # every coefficient's CI holds the truth
        assert co.loc[w, "ci_low"] <= value <= co.loc[w, "ci_high"], w
    assert co.loc[3, "period"] == "reference"
    assert 0 < es.pretrend["p_value"].iloc[0] < 1
    table = namespace["table"].set_index("term")
    did = table.loc["did"]
    assert did["estimate"] == pytest.approx(
        table.loc["treated change", "estimate"] - table.loc["control change", "estimate"]
    )
    true_did = truth["event_study"][4]  # wave 4 vs the reference wave 3
    assert did["ci_low"] <= true_did <= did["ci_high"]
