"""``survey indicators``: the CLI computes the battery present in a file (thin shell)."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app
from tests.indicators.conftest import GOLDEN_DATA

runner = CliRunner()


def test_cli_battery_to_csv_blanks_suppressed(tmp_path):
    out = tmp_path / "t.csv"
    res = runner.invoke(
        app,
        [
            "indicators",
            str(GOLDEN_DATA),
            "--weight",
            "weight",
            "--strata",
            "stratum",
            "--psu",
            "psu",
            "--by",
            "region",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert {"prevalence_household", "dark_figure", "trust_index"} <= set(t["indicator"])
    sup = t["reliability"] == "suppress"
    assert sup.any() and t.loc[sup, "estimate"].isna().all()
    flagged = t["reliability"].notna()
    assert t.loc[~sup & flagged, "estimate"].notna().all()
    # rows without a flag are forms of violence with no incident in the sample (SDG 16.3.1:
    # the file has robbery and assault incidents only)
    empty = t[~flagged]
    assert set(empty["indicator"]) == {"sdg_16_3_1"} and (empty["n"] == 0).all()
    assert set(empty["category"]) == {"psychological", "sexual"}
    # the same burglary prevalence as the API (R-checked in test_golden)
    from survey import Design
    from survey import indicators as ind

    d = Design(
        pd.read_csv(GOLDEN_DATA), weight="weight", strata="stratum", psu="psu", lonely_psu="adjust"
    )
    api = ind.prevalence(d, by="region")
    row = t[(t.indicator == "prevalence_household") & (t.category == "any")]
    # (these rows are suppressed, so estimate/se are blank: compare what stays printed)
    assert row["deff"].tolist() == pytest.approx(api.loc[api.category == "any", "deff"].tolist())
    assert row["n_cases"].tolist() == api.loc[api.category == "any", "n_cases"].tolist()


def test_cli_xlsx_and_errors(tmp_path):
    out = tmp_path / "t.xlsx"
    res = runner.invoke(
        app,
        [
            "indicators",
            str(GOLDEN_DATA),
            "--weight",
            "weight",
            "--indicator",
            "sdg_16_1_4",
            "--out",
            str(out),
            "--show-suppressed",
        ],
    )
    assert res.exit_code == 0, res.output
    sheets = pd.read_excel(out, sheet_name=None)
    assert sheets["indicators"]["indicator"].unique().tolist() == ["sdg_16_1_4"]
    res = runner.invoke(app, ["indicators", str(GOLDEN_DATA), "--weight", "nope"])
    assert res.exit_code != 0 and "nope" in res.output
    res = runner.invoke(
        app, ["indicators", str(GOLDEN_DATA), "--crosswalk", "x", "--questionnaire", "fear"]
    )
    assert res.exit_code != 0 and "not both" in res.output


def test_cli_crosswalk_path_on_enusc_2019():
    """--crosswalk harmonises first; ENUSC 2019's VA_DC with Fact_Hog gives R's 23.3416%."""
    from tests.conftest import load_golden, realdata_file

    path = realdata_file("enusc/enusc_2019_subset.sav")
    res = runner.invoke(
        app,
        [
            "indicators",
            str(path),
            "--crosswalk",
            "enusc_2019",
            "--lonely-psu",
            "certainty",
            "--indicator",
            "prevalence_household",
            "--show-suppressed",
        ],
    )
    assert res.exit_code == 0, res.output
    gold = load_golden("indicators")["cases"]["enusc2019_VA_DC"]["national"]["estimate"]
    assert f"{100 * gold:.6f}" in res.output.replace("\n", "")
