"""A suppressed share is not given away by its complement in the tidy outputs either:
``survey estimate`` / ``survey indicators`` csv, the xlsx ``data`` sheet and the terminal
blank the other category of a Yes/No item in the domain where one is suppressed (issue 12),
and keep every value with ``--show-suppressed``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey.cli import app

runner = CliRunner()


@pytest.fixture
def data_csv(tmp_path):
    """Region 1: 300 rows, 30% Yes; region 2: 300 rows, 20 Yes (under the 50 cases of
    CEPAL 2020 for a proportion): its Yes share is suppressed, its No share is not."""
    rng = np.random.default_rng(3)
    n = 600
    region = np.repeat([1, 2], n // 2)
    y = np.where(rng.random(n) < 0.3, 1, 2)
    y[300:] = 2
    y[300 + rng.choice(300, 20, replace=False)] = 1
    f = pd.DataFrame(
        {"region": region, "y": y, "w": rng.uniform(1, 3, n),
         "stratum": np.tile(np.repeat([1, 2], 150), 2), "psu": np.repeat(np.arange(60), 10)}
    )  # fmt: skip
    path = tmp_path / "d.csv"
    f.to_csv(path, index=False)
    return path, f


def test_estimate_csv_blanks_the_complement(data_csv, tmp_path):
    path, f = data_csv
    common = ["estimate", str(path), "y", "--stat", "prop", "--by", "region",
              "--weight", "w", "--strata", "stratum", "--psu", "psu"]  # fmt: skip
    out = tmp_path / "e.csv"
    res = runner.invoke(app, [*common, "--out", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out).set_index(["region", "category"])
    api = survey.Design(f, weight="w", strata="stratum", psu="psu").prop("y", by="region")
    api = api.set_index(["region", "category"])
    assert api.loc[(2, 1), "reliability"] == "suppress"  # the rule itself
    assert api.loc[(2, 2), "reliability"] != "suppress"
    assert got.loc[(2, 1)][["estimate", "se", "ci_low", "ci_high"]].isna().all()
    assert got.loc[(2, 2)][["estimate", "se", "ci_low", "ci_high"]].isna().all()
    assert got.loc[(2, 2), "reliability_reason"] == "complementary suppression"
    assert got.loc[(2, 2), "n"] == 300  # the count stays
    for cat in (1, 2):  # region 1 untouched, equal to the API
        assert got.loc[(1, cat), "estimate"] == pytest.approx(api.loc[(1, cat), "estimate"])
    # the terminal does not print the complement either
    assert f"{api.loc[(2, 2), 'estimate']:.4g}" not in res.output
    # the xlsx data sheet alike
    xlsx = tmp_path / "e.xlsx"
    assert runner.invoke(app, [*common, "--out", str(xlsx)]).exit_code == 0
    sheet = pd.read_excel(xlsx, sheet_name="data").set_index(["region", "category"])
    assert np.isnan(sheet.loc[(2, 2), "estimate"])
    # --show-suppressed keeps every value
    full = tmp_path / "full.csv"
    res = runner.invoke(app, [*common, "--show-suppressed", "--out", str(full)])
    assert res.exit_code == 0, res.output
    allv = pd.read_csv(full).set_index(["region", "category"])
    assert allv.loc[(2, 2), "estimate"] == pytest.approx(api.loc[(2, 2), "estimate"])
