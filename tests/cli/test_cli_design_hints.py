"""Design errors tell the fix in the caller's words: the API keyword (``nest=True``,
``lonely_psu=``) from Python, the option (``--nest``, ``--lonely-psu``) from the CLI, and
the column of the user's file (``VarStrat``), not its harmonised role (``strata``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey import Design
from survey.cli import app
from survey.cli._common import cli_wording, with_source_columns
from survey.design import DesignError

runner = CliRunner()


def _one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def reused_ids(tmp_path):
    """4 strata x 4 PSUs numbered 1-4 in every stratum (ids reused across strata)."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "strat": np.repeat([1, 2, 3, 4], 20),
            "psu": np.tile(np.repeat([1, 2, 3, 4], 5), 4),
            "w": rng.uniform(1, 3, 80),
            "y": rng.integers(0, 2, 80),
        }
    )
    path = tmp_path / "reused.csv"
    df.to_csv(path, index=False)
    return df, path


def test_reused_psu_ids_api_names_the_keyword(reused_ids):
    df, _ = reused_ids
    with pytest.raises(DesignError) as err:
        Design(df, weight="w", strata="strat", psu="psu")
    msg = str(err.value)
    assert "pass nest=True" in msg and "--nest" not in msg
    assert "e.g. PSU 1 is in strata 1, 2, 3, 4" in msg
    assert "swapped" not in msg  # 16 PSUs in 4 strata: nothing suggests a swap
    Design(df, weight="w", strata="strat", psu="psu", nest=True)  # the hint works


def test_reused_psu_ids_cli_names_the_option(reused_ids):
    _, path = reused_ids
    res = runner.invoke(app, ["estimate", str(path), "y", "--weight", "w", "--strata", "strat",
                              "--psu", "psu"])  # fmt: skip
    assert res.exit_code == 2
    out = _one_line(res.output)
    assert "pass --nest" in out and "nest=True" not in out
    res = runner.invoke(app, ["estimate", str(path), "y", "--weight", "w", "--strata", "strat",
                              "--psu", "psu", "--nest"])  # fmt: skip
    assert res.exit_code == 0, res.output


def test_swapped_strata_and_psu_are_named_as_a_possible_cause():
    # 10 strata of 3 PSUs (30 PSU ids); given the wrong way round, the 'PSU' column (the
    # strata) has 10 values and the 'strata' column (the PSUs) 30
    df = pd.DataFrame(
        {"stratum": np.repeat(np.arange(10), 6), "cluster": np.repeat(np.arange(30), 2)}
    )
    df["w"] = 1.0
    with pytest.raises(DesignError) as err:
        Design(df, weight="w", strata="cluster", psu="stratum")
    msg = str(err.value)
    assert (
        "or strata and PSU are swapped: 'stratum' has 10 distinct values, fewer than the 30 of 'cluster'"
        in msg
    )
    Design(df, weight="w", strata="stratum", psu="cluster")  # the right way round


def test_lonely_stratum_value_as_in_the_data():
    # numeric columns read from SPSS/Stata are floats: stratum 3.0 is shown as 3
    df = pd.DataFrame(
        {"st": [1.0] * 4 + [3.0] * 2, "psu": [1, 1, 2, 2, 5, 5], "w": 1.0, "y": [0, 1, 1, 0, 1, 0]}
    )
    with pytest.raises(DesignError) as err:
        Design(df, weight="w", strata="st", psu="psu").mean("y")
    msg = str(err.value)
    assert "(strata of 'st': 3)" in msg and "3.0" not in msg
    assert "lonely_psu='certainty', 'adjust', 'remove' or 'average'" in msg


def test_lonely_psu_from_indicators_names_source_column_value_and_option(tmp_path):
    """After harmonisation the design column is 'strata': the message names ENUSC's
    VarStrat, the stratum as stored (3, not 3.0) and --lonely-psu."""
    rng = np.random.default_rng(2)
    n = 120
    df = pd.DataFrame(
        {
            "VarStrat": np.repeat([1.0, 2.0, 3.0], 40),
            "Conglomerado": np.r_[
                np.repeat([11, 12, 13, 14], 10),
                np.repeat([21, 22, 23, 24], 10),
                np.repeat([31], 40),
            ],  # fmt: skip
            "Fact_Pers_Reg": rng.uniform(10, 30, n),
            "Fact_Hog_Reg": rng.uniform(10, 30, n),
            "enc_region": np.repeat([1, 2, 3], 40),
            "VP_DC": rng.integers(0, 2, n),
            "PAD": rng.integers(0, 2, n),
        }
    )
    path = tmp_path / "enusc_like.csv"
    df.to_csv(path, index=False)
    res = runner.invoke(app, ["indicators", str(path), "-c", "enusc_2023"])
    assert res.exit_code == 2
    out = _one_line(res.output)
    assert "(strata of 'VarStrat' (harmonised as 'strata'): 3);" in out
    assert "choose --lonely-psu certainty, adjust, remove or average" in out
    assert "3.0" not in out and "lonely_psu=" not in out
    ok = runner.invoke(app, ["indicators", str(path), "-c", "enusc_2023", "--lonely-psu", "adjust"])
    assert ok.exit_code == 0, ok.output


def test_cli_wording_leaves_keywords_of_options_the_command_lacks():
    msg = "choose lonely_psu='certainty' or 'adjust'; you may want nest=True"
    assert cli_wording(msg, {}) == msg  # a report spec: design.lonely_psu, no --nest
    assert cli_wording(msg, {"nest": "--nest", "lonely_psu": "--lonely-psu"}) == (
        "choose --lonely-psu certainty or adjust; you may want --nest"
    )
    assert with_source_columns("strata of 'strata': 3", {"strata": "VarStrat", "psu": "psu"}) == (
        "strata of 'VarStrat' (harmonised as 'strata'): 3"
    )
