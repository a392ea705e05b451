"""``survey estimate`` prints one precision per variable: the decimals that give its largest
estimate four significant digits, for every estimate, interval and SE of the variable
(0.0919 under 0.9415, not 0.09188), and totals in full (299,278, not 2.993e+05)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey import Design
from survey.cli import app
from survey.datasets import demo_path

ARGS = ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--by", "region"]


def _rows(output: str, variable: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.split("│")[1:-1]]
        for line in output.splitlines()
        if line.startswith("│") and f" {variable} " in line
    ]


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch):
    from survey.cli._common import console

    monkeypatch.setattr(console, "_width", 160)  # the console is made once per process


def test_shares_print_with_the_decimals_of_their_largest_estimate():
    res = CliRunner().invoke(
        app, ["estimate", str(demo_path()), "robbery", *ARGS], env={"COLUMNS": "160"}
    )
    assert res.exit_code == 0, res.output
    rows = _rows(res.output, "robbery")
    assert len(rows) == 8
    api = Design(survey.read(demo_path()), weight="weight", strata="stratum", psu="psu").prop(
        "robbery", by="region"
    )
    for region, _, category, est, ci, se, *_ in rows:
        assert re.fullmatch(r"0\.\d{4}", est) and re.fullmatch(r"0\.\d{4}", se), (est, se)
        low, high = ci.split(" – ")
        assert re.fullmatch(r"0\.\d{4}", low) and re.fullmatch(r"0\.\d{4}", high)
        want = api[(api["domain_label"] == region) & (api["category_label"] == category)]
        assert float(est) == round(float(want["estimate"].iloc[0]), 4)


def test_totals_print_whole_with_thousands_separators():
    res = CliRunner().invoke(
        app,
        ["estimate", str(demo_path()), "hh_size", "--stat", "total", *ARGS],
        env={"COLUMNS": "160"},
    )
    assert res.exit_code == 0, res.output
    rows = _rows(res.output, "hh_size")
    shown = [r[3] for r in rows if r[3] != "suppressed"]
    assert shown and all(re.fullmatch(r"\d{1,3}(,\d{3})+", e) for e in shown), shown
    assert "e+" not in res.output
    total = pd.to_numeric(shown[0].replace(",", ""))
    api = Design(survey.read(demo_path()), weight="weight", strata="stratum", psu="psu").total(
        "hh_size", by="region"
    )
    assert total == round(float(api["estimate"].iloc[0]))
