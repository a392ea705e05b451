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


def _describe_sources():
    from survey.datasets import demo_path

    files = [demo_path()]
    files += [ENUSC / n for n in ("enusc_2019_subset.sav", "enusc_2019_subset_usermissing.sav")]
    return [pytest.param(f, id=f.name) for f in files]


@pytest.mark.parametrize("path", _describe_sources())
@pytest.mark.parametrize("width", [80, 60, 140])
def test_describe_keeps_label_words_whole(path, width):
    """`survey describe` at 80 (and 60, 140) columns: no line wider than the terminal, no
    ellipsis, every word of every variable and value label printed whole, and each
    variable's valid/missing counts and each code's count equal to ``survey.io.describe``."""
    import survey
    from survey.io import describe

    if not path.is_file():
        pytest.skip(f"{path} not available")
    out = _invoke(["describe", str(path)], width)
    _fits(out, width)
    table, codes = describe(survey.read(path, user_missing="keep"))
    # no word split across lines: each label word is a whole token of the output (with the
    # old layout "Victimización" printed as "Victimizació" / "n")
    tokens = set(out.replace("│", " ").split())
    words = {w for lab in [*table["label"], *codes["label"]] for w in str(lab).split()}
    assert words and not (words - tokens), sorted(words - tokens)[:10]
    lines = out.splitlines()
    # a variable's row: its position, its name (folded when the terminal is too narrow for
    # it: names give way, labels do not), ..., its counts
    rows, where, todo = {}, {}, list(table.itertuples())
    for i, line in enumerate(lines):
        cells = line.replace("│", " ").split()
        if todo and cells[:1] == [str(todo[0].position)] and todo[0].variable.startswith(cells[1]):
            rows[todo[0].variable], where[todo[0].variable] = cells, i
            todo.pop(0)
    assert not todo, todo[:1]
    for r in table.itertuples():
        assert f"{r.n_valid:,}" in rows[r.variable] and f"{r.n_missing:,}" in rows[r.variable]
    # each code line: the code, its label's first word, ..., its count
    for var, group in codes.groupby("variable", sort=False):
        start = where[var]
        for c in group.itertuples():
            hit = next(
                x.replace("│", " ").split()
                for x in lines[start + 1 :]
                if x.replace("│", " ").split()[:1] == [str(c.code)]
                and NUMBER.match(x.replace("│", " ").split()[-1])  # not a wrapped "8, 9 (24 rows)"
            )
            assert f"{c.n:,}" == hit[-1], (var, c.code, hit)
    if width == 80 and path.name == "enusc_2019_subset.sav":
        assert len(lines) < 130  # 267 before: labels in 12 of the 80 columns
    if "usermissing" in path.name and width < 100:
        assert "user-missing: 88, 96, 99 (253 rows)" in " ".join(out.split())


@pytest.mark.parametrize("width", [100, 125, 160, 260])
def test_estimate_at_middle_widths_keeps_words_and_edges_whole(width):
    """`survey estimate` from 100 columns: the one wide table only when it fits whole,
    else the per-variable tables (at 100-160 columns rich cut the wide table's right edge
    and broke the flag's reason, "complemen" over "tary"); the numbers are the API's."""
    from survey import Design, read
    from survey.datasets import demo_path

    args = ["estimate", str(demo_path()), "fear_dark", "--weight", "weight", "--strata",
            "stratum", "--psu", "psu", "--by", "region", "--by", "sex"]  # fmt: skip
    output = _invoke(args, width)
    _fits(output, width)
    words = output.replace("│", " ").replace("┃", " ").split()
    bare = {w.strip("()?:,;") for w in words}
    for word in ("complementary", "suppressed", "reliable", "Never", "dark"):
        assert word in bare, (word, output)
    assert not any(w in words for w in ("complemen", "suppressio", "tary"))
    api = Design(read(demo_path()), weight="weight", strata="stratum", psu="psu").prop(
        "fear_dark", by=["region", "sex"]
    )
    from survey.quality import complementary_suppression

    api = complementary_suppression(api, ["region", "sex"])  # as the terminal (and files)
    shown = api[api["reliability"] != "suppress"]
    assert len(shown) > 20
    for est in shown["estimate"]:
        assert f"{est:.4f}" in words
    assert any("┃" in line for line in output.splitlines()) == (width == 260)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "es",
            [
                "estimación",
                "IC",
                "confiabilidad",
                "confiable",
                "Varianza:",
                "regla",
                "linealización",
                "reemplazo)",
            ],
        ),
        (
            "pt",
            [
                "estimativa",
                "IC",
                "confiabilidade",
                "confiável",
                "Variância:",
                "regra",
                "linearização",
                "reposição)",
            ],
        ),
    ],
)
def test_estimate_terminal_in_the_tables_language(lang, words):
    """`survey estimate --lang es|pt`: the terminal's headers, flags and notes in that
    language (as `survey indicators` and the xlsx); the numbers are the API's."""
    from survey import Design, read
    from survey.datasets import demo_path

    args = ["estimate", str(demo_path()), "burglary", "--weight", "weight", "--strata",
            "stratum", "--psu", "psu", "--by", "region", "--lang", lang]  # fmt: skip
    output = _invoke(args, 100)
    _fits(output, 100)
    seen = output.split()
    for word in words:
        assert word in seen, (word, output)
    for english in ("estimate", "reliable", "intervals;", "flag", "linearisation"):
        assert english not in seen, (english, output)
    api = Design(read(demo_path()), weight="weight", strata="stratum", psu="psu").prop(
        "burglary", by="region"
    )
    for est in api["estimate"]:  # with the decimal comma of Spanish and Portuguese
        assert f"{est:.4f}".replace(".", ",") in seen
    assert "1.152" in seen and "1,152" not in seen  # n with the thousands point
