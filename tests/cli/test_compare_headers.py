"""``survey compare``'s terminal headers stay on one line when the terminal has room
("Follow-up", not "Follow-" over "up"), and wrap only when the table would not fit."""

from __future__ import annotations

from typer.testing import CliRunner

from survey.cli import app
from survey.datasets import demo_path

ARGS = ["--wave", "wave", "--before", "1", "--after", "2", "--indicators", "robbed=robbery:1"]
DESIGN = ["--weight", "weight", "--strata", "stratum", "--psu", "psu", "--by", "region"]


def _run(tmp_path, monkeypatch, columns: int) -> list[str]:
    from survey.cli._common import console

    monkeypatch.setattr(console, "_width", columns)  # the console is made once per process
    res = CliRunner().invoke(
        app,
        ["compare", str(demo_path()), *ARGS, *DESIGN, "--out", str(tmp_path / f"c{columns}.xlsx")],
        env={"COLUMNS": str(columns)},
    )
    assert res.exit_code == 0, res.output
    return res.output.splitlines()


def test_headers_on_one_line_when_there_is_room(tmp_path, monkeypatch):
    lines = _run(tmp_path, monkeypatch, 150)
    head = next(line for line in lines if "Baseline" in line and "Difference" in line)
    assert "Follow-up" in head
    assert not any(
        line.strip() == "Follow-" or line.strip().startswith("Follow- ") for line in lines
    )
    norte = next(line for line in lines if line.split()[:2] == ["Norte", "robbed"])
    assert norte.split()[2:5] == ["12.0", "13.5", "1.5"]  # baseline, follow-up, change (pp)


def test_headers_wrap_on_a_narrow_terminal(tmp_path, monkeypatch):
    lines = _run(tmp_path, monkeypatch, 80)
    assert max(len(line) for line in lines) <= 80
    head = next(i for i, line in enumerate(lines) if "Baseline" in line and "Difference" in line)
    assert "Follow-" in lines[head - 1] and lines[head].split()[2:4] == ["Baseline", "up"]
