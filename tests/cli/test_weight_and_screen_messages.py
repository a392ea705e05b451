"""A weight column that looks like codes warns (new-user review: --weight enc_region gave a
plausible 22.2% for 24.1%, silently), real weights do not; the do-no-harm count says which
p-value it uses."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey.cli import app


def _frame(n=400, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "w": rng.uniform(50, 400, n),
            "region": rng.integers(1, 17, n),
            "victim": rng.integers(0, 2, n),
            "wave": np.tile([1, 2], n // 2),
        }
    )


def test_code_like_weight_columns_warn_and_real_weights_do_not():
    d = _frame()
    with pytest.warns(UserWarning, match=r"weight column 'region' holds only the small integers"):
        survey.Design(d, weight="region")
    with pytest.warns(UserWarning, match=r"'victim' .*rows of weight 0 are left out"):
        survey.Design(d, weight="victim")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        survey.Design(d, weight="w")
        survey.Design(d.assign(one=1.0), weight="one")  # equal weights: a plain SRS


def test_cli_do_no_harm_count_names_its_p_value(tmp_path):
    """A decrease declared harmful (--worse-lower) so the demo's fall in robbery is screened."""
    from survey.datasets import demo_path

    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(
        app,
        ["compare", str(demo_path()), "--wave", "wave", "--before", "1", "--after", "2",
         "--indicators", "robbed=robbery:1", "--weight", "weight", "--strata", "stratum",
         "--psu", "psu", "--by", "region", "--worse-lower", "robbed", "--out", str(out)],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    harm = pd.read_excel(out, sheet_name="do_no_harm")
    assert len(harm) >= 1  # robbery fell in Sur (p = 0.009): "worse" when a decrease harms
    assert f"{len(harm)} worsening(s) significant at the unadjusted p-value" in res.output
