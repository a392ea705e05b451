"""``survey indicators`` prints why an estimate is suppressed, as ``survey estimate`` does
(one flag cell, :func:`survey.cli._common.flag_cell`), and both word the flag as every table
does (:mod:`survey.plots._text`: "suppressed", not the code "suppress")."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from survey.cli import app
from tests.indicators.conftest import GOLDEN_DATA

DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--lonely-psu", "adjust"]


def _rows(output: str, first: str) -> list[list[str]]:
    """The table rows whose first cell is ``first`` (box characters dropped)."""
    out = []
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if cells and cells[0] == first:
            out.append(cells)
    return out


@pytest.fixture
def width(monkeypatch):
    from survey.cli._common import console

    def set_width(n):
        monkeypatch.setattr(console, "_width", n)  # the console is made once per process
        return {"COLUMNS": str(n)}

    return set_width


def test_indicators_table_gives_the_reason_of_a_suppressed_row(width):
    # region 1's household burglary share: suppressed by CEPAL 2020 for its cases (< 50)
    env = width(160)
    args = ["indicators", str(GOLDEN_DATA), *DESIGN, "--by", "region"]
    res = CliRunner().invoke(app, [*args, "--indicator", "prevalence_household"], env=env)
    assert res.exit_code == 0, res.output
    rows = _rows(res.output, "Household victimisation prevalence")
    burglary = [r for r in rows if r[1] == "1" and r[2] == "Burglary"]
    assert len(burglary) == 1, res.output
    row = burglary[0]
    assert row[4] == "suppressed" and row[5:8] == ["", "", ""]  # no number printed
    assert row[-1] == "suppressed (cases < 50)"
    # Spanish: the flag word and the reason in the table's language
    res = CliRunner().invoke(
        app, [*args, "--indicator", "prevalence_household", "--lang", "es"], env=env
    )
    assert res.exit_code == 0, res.output
    assert "suprimida (casos < 50)" in res.output


def test_compact_indicators_tables_list_the_reasons_once(width):
    env = width(80)
    args = ["indicators", str(GOLDEN_DATA), *DESIGN, "--by", "region"]
    res = CliRunner().invoke(app, [*args, "--indicator", "prevalence_household"], env=env)
    assert res.exit_code == 0, res.output
    assert "flag reasons: cases < 50" in res.output
    body = [ln.split() for ln in res.output.splitlines() if ln[:2] in ("1 ", "2 ", "3 ", "4 ")]
    assert len(body) == 12 and all(r[-1] == "suppressed" for r in body)
    # in the tables' language, the words before the reasons too
    res = CliRunner().invoke(
        app, [*args, "--indicator", "prevalence_household", "--lang", "es"], env=env
    )
    assert res.exit_code == 0, res.output
    assert "motivos: casos < 50" in res.output
    assert "flag reasons" not in res.output


def test_estimate_words_the_flag_as_indicators_and_the_report(width):
    from survey.plots._text import tr

    env = width(160)
    args = ["estimate", str(GOLDEN_DATA), "vic_hh_burglary_12m", *DESIGN, "--by", "region"]
    res = CliRunner().invoke(app, args, env=env)
    assert res.exit_code == 0, res.output
    row = next(r for r in _rows(res.output, "1") if r[2] == "1")  # region 1, burglary yes
    assert row[3] == tr("suppress_short") == "suppressed"
    assert row[-1] == "suppressed (cases < 50)"
    rows = [r for d in "1234" for r in _rows(res.output, d)]
    assert len(rows) == 12  # 4 regions x 3 categories
    assert {r[-1].split(" (")[0] for r in rows} == {"reliable", "suppressed"}


def test_compact_estimate_reasons_name_the_domains_they_apply_to(width):
    """Under the compact tables each reason is listed once with its domains, so a reader
    knows which region is suppressed for what (here Sur alone has n < 100)."""
    import re

    import survey
    from survey import Design
    from survey.datasets import demo_path

    env = width(80)
    args = ["estimate", str(demo_path()), "burglary_reported", "--weight", "weight"]
    args += ["--strata", "stratum", "--psu", "psu", "--by", "region"]
    res = CliRunner().invoke(app, args, env=env)
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())  # the line wraps at 80 columns
    line = text[text.index("flag reasons: ") : text.index("95% intervals")]
    groups = dict(
        (why.strip(), where.split(", "))
        for why, where in re.findall(r"([^()·]+?) \(([^)]*)\)", line.removeprefix("flag reasons: "))
    )
    api = Design(survey.read(demo_path()), weight="weight", strata="stratum", psu="psu").prop(
        "burglary_reported", by="region"
    )
    want: dict = {}
    for label, why in zip(api["domain_label"], api["reliability_reason"], strict=True):
        if isinstance(why, str):
            want.setdefault(why, [])
            if label not in want[why]:
                want[why].append(label)
    assert groups == want and "Sur" in groups[next(k for k in want if "n < 100" in k)]
