"""Whole-number domain codes print and are written as integers (``1``, not ``1.0``) by
``survey estimate`` and ``survey indicators``, also when the data hold them as floats: an
SPSS file (every number a double) or a csv whose domain column has a missing value. The
estimates keep the data's dtype (an integer column stays integer in the API result)."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey.cli import app
from survey.datasets import demo_path
from tests.indicators.conftest import GOLDEN_DATA

DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--lonely-psu", "adjust"]


@pytest.fixture(scope="module")
def float_codes(tmp_path_factory):
    """The golden indicators data with one region missing: pandas reads region as float."""
    d = pd.read_csv(GOLDEN_DATA)
    d.loc[0, "region"] = None
    path = tmp_path_factory.mktemp("codes") / "data.csv"
    d.to_csv(path, index=False)
    assert pd.read_csv(path)["region"].dtype == float
    return path


def _cells(path, column) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [row[column] for row in csv.DictReader(fh)]


def _invoke(monkeypatch, args):
    from survey.cli._common import console

    monkeypatch.setattr(console, "_width", 160)  # the console is made once per process
    res = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    return res.output


def test_estimate_csv_writes_float_read_codes_as_integers(float_codes, tmp_path, monkeypatch):
    out = tmp_path / "est.csv"
    _invoke(monkeypatch, ["estimate", float_codes, "fear_walk_dark", *DESIGN, "--by", "region",
                          "--out", out])  # fmt: skip
    assert list(dict.fromkeys(_cells(out, "region"))) == ["1", "2", "3", "4"]


def test_estimate_terminal_prints_long_codes_whole(float_codes, tmp_path, monkeypatch):
    # a comuna-like code (13101) printed as 1.31e+04 by the number format of the estimates
    d = pd.read_csv(float_codes)
    d["region"] = d["region"] + 13100
    path = tmp_path / "long.csv"
    d.to_csv(path, index=False)
    text = _invoke(monkeypatch, ["estimate", path, "fear_walk_dark", *DESIGN, "--by", "region"])
    assert "13101" in text and "e+04" not in text


def test_indicators_csv_and_terminal_show_integer_codes(float_codes, tmp_path, monkeypatch):
    out = tmp_path / "ind.csv"
    text = _invoke(monkeypatch, ["indicators", float_codes, *DESIGN, "--by", "region",
                                 "--indicator", "insecurity", "--out", out])  # fmt: skip
    assert list(dict.fromkeys(_cells(out, "region"))) == ["1", "2", "3", "4"]
    rows = [[c.strip() for c in ln.strip("│ ").split("│")] for ln in text.splitlines()]
    shown = {r[1] for r in rows if len(r) > 2 and r[0].startswith("Perceived insecurity")}
    assert shown == {"1", "2", "3", "4"}, text


def test_indicators_on_spss_codes_keep_integers_and_labels(tmp_path, monkeypatch):
    # the demo .sav: region is a double with value labels (1 Norte, ...)
    out = tmp_path / "demo.csv"
    cw = survey.datasets.demo_path().parents[2] / "reports" / "demo_crosswalk.yaml"
    _invoke(monkeypatch, ["indicators", demo_path(), "-c", cw, "--by", "region",
                          "--indicator", "prevalence_person", "--out", out])  # fmt: skip
    codes, labels = _cells(out, "region"), _cells(out, "region_label")
    pairs = list(dict.fromkeys(zip(codes, labels, strict=True)))
    assert pairs == [("1", "Norte"), ("2", "Centro"), ("3", "Sur"), ("4", "Costa")]


def test_api_keeps_integer_domain_codes():
    d = pd.read_csv(GOLDEN_DATA)
    d["region"] = d["region"].astype("Int64")
    d.loc[0, "region"] = pd.NA  # a missing code: still integer (nullable)
    des = survey.Design(d, weight="weight", strata="stratum", psu="psu", lonely_psu="adjust")
    res = des.mean("trust_interpersonal", by="region")
    assert str(res["region"].dtype) == "Int64" and res["region"].tolist() == [1, 2, 3, 4]
