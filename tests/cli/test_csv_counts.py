"""Every command's csv writes counts as integers (``4608``, not ``4608.0``): n, n_cases and
a whole-number df of estimate, indicators and compare; the values are the API's."""

from __future__ import annotations

import re

import pandas as pd
from typer.testing import CliRunner

from survey.cli import app
from survey.datasets import demo_path

DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu"]
WHOLE = re.compile(r"^\d+$")


def _csv(tmp_path, args):
    out = tmp_path / f"{args[0]}.csv"
    res = CliRunner().invoke(app, [*args, "--out", str(out)], env={"COLUMNS": "120"})
    assert res.exit_code == 0, res.output
    return pd.read_csv(out, dtype=str, keep_default_na=False)


def _whole(text: pd.DataFrame, columns) -> None:
    for c in columns:
        cells = [v for v in text[c] if v != ""]
        assert cells and all(WHOLE.match(v) for v in cells), (c, cells[:5])


def test_estimate_csv_counts(tmp_path):
    from survey import Design, read

    text = _csv(tmp_path, ["estimate", str(demo_path()), "burglary", *DESIGN, "--by", "region"])
    _whole(text, ["n", "n_cases", "df"])
    api = Design(read(demo_path()), weight="weight", strata="stratum", psu="psu").prop(
        "burglary", by="region"
    )
    assert [int(v) for v in text["n"]] == api["n"].astype(int).tolist()
    assert [int(v) for v in text["n_cases"]] == api["n_cases"].astype(int).tolist()
    assert set(text["df"]) == {"352"}  # 384 PSUs - 32 strata


def test_indicators_and_compare_csv_counts(tmp_path):
    cw = demo_path().parents[2] / "reports" / "demo_crosswalk.yaml"
    ind = _csv(tmp_path, ["indicators", str(demo_path()), "-c", str(cw), "--by", "region"])
    _whole(ind, ["n"])
    comp = _csv(
        tmp_path,
        ["compare", str(demo_path()), "--wave", "wave", "--before", "1", "--after", "2",
         "--indicators", "robbed=robbery:1", *DESIGN],
    )  # fmt: skip
    _whole(comp, ["n_1", "n_2", "df"])
    assert comp.loc[0, ["n_1", "n_2"]].tolist() == ["2304", "2304"]  # each wave's rows
