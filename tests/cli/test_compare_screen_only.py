"""``survey compare`` without ``--out`` prints the comparison and writes nothing, as
``survey estimate`` and ``survey indicators`` do; its numbers are the ones ``--out`` writes."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from survey.cli import app
from survey.datasets import demo_path

ARGS = ["--wave", "wave", "--before", "1", "--after", "2", "--indicators", "robbed=robbery:1"]
DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--by", "region"]


def _invoke(monkeypatch, extra=()):
    from survey.cli._common import console

    monkeypatch.setattr(console, "_width", 150)  # the console is made once per process
    res = CliRunner().invoke(
        app, ["compare", str(demo_path()), *ARGS, *DESIGN, *extra], env={"COLUMNS": "150"}
    )
    assert res.exit_code == 0, res.output
    return res.output


def test_compare_without_out_prints_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    screen = _invoke(monkeypatch)
    assert list(tmp_path.iterdir()) == []  # no file written anywhere we can see
    assert "written" not in screen
    norte = next(line for line in screen.splitlines() if line.split()[:2] == ["Norte", "robbed"])
    # the published demo change (the test of the --out route checks the same row)
    assert norte.split()[2:5] == ["12.0", "13.5", "1.5"]

    # the same command with --out: the file's numbers are the screen's, rounded
    _invoke(monkeypatch, ["--out", str(tmp_path / "change.csv")])
    table = pd.read_csv(tmp_path / "change.csv")
    row = table[(table["region_label"] == "Norte") & (table["variable"] == "robbed")].iloc[0]
    shown = [f"{100 * row[c]:.1f}" for c in ("estimate_1", "estimate_2", "estimate")]
    assert shown == norte.split()[2:5]


def test_compare_lines_in_the_tables_language(monkeypatch):
    """`--lang es`: the lines before and after the tables in Spanish too (waves and their
    rows with the thousands point, the df rule); the demo's waves hold 2,304 rows each."""
    screen = " ".join(_invoke(monkeypatch, ["--lang", "es"]).split())
    assert "wave=1 (Baseline) (2.304 filas) frente a wave=2 (Follow-up) (2.304 filas)" in screen
    assert "gl de cada estimación: los de su dominio --by (--wave-df domain)" in screen
    for english in ("waves from", "rows)", "df of each estimate"):
        assert english not in screen
    norte = screen.split("Norte robbed ")[1].split()[:3]
    assert norte == ["12,0", "13,5", "1,5"]  # the published change, with the decimal comma


def _screen_80(monkeypatch, indicators):
    from survey.cli._common import console

    monkeypatch.setattr(console, "_width", 80)
    args = ["compare", str(demo_path()), "--wave", "wave", "--before", "1", "--after", "2",
            "--indicators", indicators, "--weight", "weight", "--strata", "stratum",
            "--psu", "psu"]  # fmt: skip
    res = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    return res.output.splitlines()


def test_significance_legend_only_when_a_row_is_marked(monkeypatch):
    """At 80 columns the Significant column becomes a "*" after the p-value, explained by
    "* significant" under the table: only when some row has it. The demo's trust in the
    police changes significantly (p 0.021), its robbery prevalence does not (p 0.551)."""
    lines = _screen_80(monkeypatch, "robbed=robbery:1")
    assert not any(line.strip() == "* significant" for line in lines)
    assert not any(line.rstrip().endswith(" *") for line in lines)
    lines = _screen_80(monkeypatch, "robbed=robbery:1,trust=trust_police:1-2")
    assert any(line.strip() == "* significant" for line in lines)
    trust = next(line for line in lines if line.split()[:1] == ["trust"])
    assert trust.split()[-2:] == ["0.021", "*"]
    robbed = next(line for line in lines if line.split()[:1] == ["robbed"])
    assert robbed.split()[-1] == "0.551"
