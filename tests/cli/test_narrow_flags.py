"""`survey indicators --lang es|pt` at an 80-column terminal: the flag column (the
publication decision) is never cut. Its header and words are longer in Spanish and
Portuguese ("Confiabilidad", "precaución") than in English; the other columns give way
(the labels wrap between words, then the cv goes, said under the tables), no line is wider
than the terminal, and every row's flag is the one in the --out file."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from survey.cli import app
from survey.cli._common import flag_word, label_widths
from survey.datasets import demo_path
from survey.plots._text import tr

CROSSWALK = demo_path().parents[2] / "reports" / "demo_crosswalk.yaml"
INDICATORS = ["--indicator", "prevalence_person", "--indicator", "prevalence_household"]


def _indicators(tmp_path, lang: str, by: list[str], width: int = 80):
    from survey.cli._common import console

    out = tmp_path / f"{lang}-{'-'.join(by)}.csv"
    args = ["indicators", str(demo_path()), "-c", str(CROSSWALK), *INDICATORS, "--lang", lang,
            "--out", str(out), *(a for b in by for a in ("--by", b))]  # fmt: skip
    old = console._width  # the console is made once per process
    console._width = width
    try:
        res = CliRunner().invoke(app, args, env={"COLUMNS": str(width)}, terminal_width=width)
    finally:
        console._width = old
    assert res.exit_code == 0, res.output
    with open(out, newline="", encoding="utf-8") as fh:
        return res.output.splitlines(), list(csv.DictReader(fh))


@pytest.mark.parametrize("lang", ["es", "pt"])
@pytest.mark.parametrize("by", [["sex"], ["region", "sex"]])
def test_the_flag_column_is_whole_at_80_columns(tmp_path, lang, by):
    lines, rows = _indicators(tmp_path, lang, by)
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    words = {flag_word(f, lang) for f in ("reliable", "caution", "suppress")}
    head = tr("reliability", lang)
    heads = [ln for ln in lines if ln.split()[-1:] == [head]]
    assert len(heads) == 2, "\n".join(lines)  # one table per indicator, the header whole
    shown = [ln.split()[-1] for ln in lines if ln.split()[-1:] and ln.split()[-1] in words]
    # every estimate's row ends with its flag's whole word, in the file's order
    assert shown == [flag_word(r["reliability"], lang) for r in rows], "\n".join(lines)
    assert not any(ln.rstrip().endswith(w[:-1]) for ln in lines for w in words)


def test_the_cv_gives_way_before_the_labels_words(tmp_path):
    # region and sex in Spanish: the labels' words and the whole flag do not fit with the cv
    lines, _ = _indicators(tmp_path, "es", ["region", "sex"])
    assert any(ln.startswith("cv: no se muestra") for ln in lines), "\n".join(lines)
    assert not any(ln.split()[-2:-1] == ["cv"] for ln in lines)
    assert any("intimidación" in ln.split() for ln in lines)  # the longest word, whole
    # roomier (one domain): the cv stays and no line says it is missing
    lines, _ = _indicators(tmp_path, "es", ["region"])
    assert any("cv" in ln.split() for ln in lines)
    assert not any(ln.startswith("cv:") for ln in lines)


def test_english_keeps_its_columns(tmp_path):
    lines, rows = _indicators(tmp_path, "en", ["region", "sex"])
    assert max(len(line) for line in lines) <= 80
    assert any(ln.split()[-3:] == ["cv", "n", "Reliability"] for ln in lines), "\n".join(lines)
    assert not any(ln.startswith("cv:") for ln in lines)


def test_label_widths_share_the_room():
    cells = [["Norte", "Centro"], ["Robo con violencia o intimidación"]]
    # the cells' longest words first, a header word when it fits whole, then the longest cell
    assert label_widths(["Region", "Categoría"], cells, 18) == [6, 12]
    assert label_widths(["Region", "Categoría"], cells, 17) is None
    assert label_widths(["Sex of respondent", "Categoría"], cells, 22) == [10, 12]
    assert label_widths(["Sex of respondent", "Categoría"], cells, 21) == [6, 15]
    assert label_widths(["Region", "Categoría"], cells, 60) == [6, 33]
    # fair shares: the short column whole on one line, the long one gets the rest
    regions = [["Región de Tarapacá", "Región de Antofagasta"], ["Any crime"]]
    assert label_widths(["Región", "Category"], regions, 24) == [15, 9]
    assert label_widths(["Región", "Category"], regions, 19) == [11, 8]  # the header word
    assert label_widths(["Región", "Category"], regions, 21) == [12, 9]  # then fair shares
    assert label_widths(["Región", "Category"], regions, 17) == [11, 6]  # the words alone


DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--lonely-psu", "adjust"]


@pytest.mark.parametrize("lang", ["es", "pt"])
@pytest.mark.parametrize("by", [["region", "sex"], ["region", "sex", "age_group"]])
def test_estimate_keeps_the_flag_whole_at_80_columns(tmp_path, monkeypatch, by, lang):
    # the estimate terminal in --lang's words (as the xlsx); three domains used to cut
    # "suppressed" to "suppres" and the header "flag" to "f"
    from survey.cli._common import console
    from survey.cli.estimate import _head

    monkeypatch.setattr("survey.cli.estimate.SHOWN_ROWS", 10_000)  # every row on the screen
    out = tmp_path / "est.csv"
    args = ["estimate", str(demo_path()), "interpersonal_trust", "fear_dark", *DESIGN,
            "--lang", lang, "--out", str(out), *(a for b in by for a in ("--by", b))]  # fmt: skip
    old = console._width
    console._width = 80
    try:
        res = CliRunner().invoke(app, args, env={"COLUMNS": "80"}, terminal_width=80)
    finally:
        console._width = old
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert sum(ln.split()[-1:] == [_head("flag", lang)] for ln in lines) == 2, res.output
    words = {flag_word(f, lang) for f in ("reliable", "caution", "suppress")}
    shown = [ln.split()[-1] for ln in lines if ln.split()[-1:] and ln.split()[-1] in words]
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert shown == [flag_word(r["reliability"], lang) for r in rows], res.output
    # the cv gives way when the labels' words, headers too, would not fit: with three
    # domains in English, earlier with the longer Spanish and Portuguese flag header
    dropped = any(ln.startswith(tr("cv_left_out", lang)[:12]) for ln in lines)
    has_cv = any("cv" in ln.split() for ln in lines)
    assert dropped != has_cv, res.output
    if lang == "en" or len(by) == 3:
        assert dropped == (len(by) == 3), res.output
    if len(by) == 2:  # headers whole (three domains at 80 columns: the last resort folds)
        assert not any(w in " ".join(lines).split() for w in ("respon", "categorí", "categori"))


@pytest.mark.parametrize("width", [110, 130, 150, 250])
def test_wide_terminals_never_break_a_word(tmp_path, width):
    """From 110 columns the one wide table is printed only when it fits whole; otherwise
    the compact tables, so a word is never split over two lines ("victimisat" / "ion")."""
    lines, rows = _indicators(tmp_path, "en", ["region", "sex"], width)
    assert max(len(line) for line in lines) <= width
    text = " ".join(" ".join(line.replace("│", " ").replace("┃", " ").split()) for line in lines)
    for word in ("victimisation", "Household", "prevalence", "Reliability", "reliable"):
        assert word in text.split(), (word, "\n".join(lines))
    shown = [r for r in rows if r["estimate"]]  # suppressed ones are blanked in the file
    assert len(shown) > 10
    for row in shown:  # every estimate is on the screen as in the file (percent, 2 digits)
        assert f"{float(row['estimate']):.2f}" in text.split()
    wide = any("┃" in line for line in lines)
    assert wide == (width == 250)  # the wide table only where it fits
