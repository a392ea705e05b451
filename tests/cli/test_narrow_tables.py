"""`survey weight` and `survey describe` at an 80-column terminal (new-user review): every
number of the weighting diagnostics is printed whole and equals the --diagnostics file,
headers are readable, no cell ends with an ellipsis, no line is wider than the terminal and
no word of a label is split across lines."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
ENUSC = ROOT.parent / "shared" / "realdata" / "enusc"
NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$")


def _invoke(args, width: int, cwd: Path | None = None):
    from survey.cli._common import console

    old, old_width = os.getcwd(), console._width  # the console is made once per process
    if cwd is not None:
        os.chdir(cwd)
    console._width = width
    try:
        res = runner.invoke(app, args, env={"COLUMNS": str(width)}, terminal_width=width)
    finally:
        os.chdir(old)
        console._width = old_width
    assert res.exit_code == 0, res.output
    return res.output


def _fits(output: str, width: int) -> None:
    lines = output.splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)
    assert "…" not in output


def _weight(tmp_path, width):
    out = _invoke(
        ["weight", "example_sample.csv", "--spec", "example", "--out", "w.parquet",
         "--replicates", "JKn", "--diagnostics", "d.csv"],
        width, tmp_path,
    )  # fmt: skip
    diag = pd.read_csv(tmp_path / "d.csv")
    return out, diag[diag["table"] == "weights"].set_index("step")


SHOWN = ["n_positive", "sum", "min", "median", "max", "max_min_ratio", "deff_kish", "n_effective"]


def _check_number(text: str, value: float, stat: str) -> None:
    """A printed cell is a whole number (thousands separators, no exponent) equal to the
    file's value to the digits shown: 4 significant, the total to the cent."""
    assert NUMBER.match(text), text
    got = float(text.replace(",", ""))
    if stat == "sum":
        assert got == pytest.approx(value, abs=0.005), (stat, text, value)
    else:
        assert got == pytest.approx(value, rel=5e-4, abs=5e-4), (stat, text, value)


def test_weight_diagnostics_at_80_columns_equal_the_file(tmp_path):
    out, diag = _weight(tmp_path, 80)
    _fits(out, 80)
    lines = out.splitlines()
    assert "3.089" not in out and "e+0" not in out  # the old cut / scientific totals
    body = lines[lines.index(next(x for x in lines if x.startswith("───"))) + 1 :]
    rows = [line.split() for line in body if len(line.split()) >= len(SHOWN) + 1]
    rows = [r for r in rows if all(NUMBER.match(t) for t in r[-len(SHOWN) :])][: len(diag)]
    assert len(rows) == len(diag) == 4
    for cells, (step, stats) in zip(rows, diag.iterrows(), strict=True):
        assert step.startswith(" ".join(cells[: -len(SHOWN)]))  # "1:" then "nonresponse"
        for text, stat in zip(cells[-len(SHOWN) :], SHOWN, strict=True):
            _check_number(text, stats[stat], stat)
    assert "30,890.24" in out and "30,601" in out  # the totals an analyst checks
    # the headers are the file's column names, wrapped between words, never cut
    rule = next(i for i, x in enumerate(lines) if x.startswith("───"))
    head = " ".join(lines[1:rule])
    for word in ("positive", "sum", "median", "ratio", "kish", "effective"):
        assert word in head, head
    # every statistic is still in the file
    assert {"n", "mean", "p01", "p99", "cv", *SHOWN} <= set(diag.columns)
    assert "all 15 statistics" not in out  # --diagnostics was given


@pytest.mark.parametrize("width", [60, 40])
def test_weight_diagnostics_transposed_when_narrower(tmp_path, width):
    """Narrower still: a row per statistic and a column per step (as many tables as it
    takes), each number whole and equal to the file."""
    out, diag = _weight(tmp_path, width)
    _fits(out, width)
    seen = {}
    for line in out.splitlines():
        m = re.match(r"^(n positive|sum|min|median|max|max min ratio|deff kish|n effective)\s{2,}(.*)$", line)  # fmt: skip
        if m:
            seen.setdefault(m.group(1).replace(" ", "_"), []).extend(m.group(2).split())
    assert set(seen) == set(SHOWN)
    for stat, cells in seen.items():
        assert len(cells) == len(diag), (stat, cells)
        for text, value in zip(cells, diag[stat], strict=True):
            _check_number(text, value, stat)
    for step in diag.index:  # every step heads a column
        assert step in out


def test_weight_notes_wrap_between_words(tmp_path):
    out, _ = _weight(tmp_path, 80)
    _fits(out, 80)
    text = " ".join(out.split())
    assert "ReplicateDesign(data, **json.load(open('w.replicates.json')))" in text
    assert "ignores the calibration (rake) and nonresponse adjustment." in text
