"""Every CLI output is all-or-nothing (issue 15, item 4): a write interrupted half-way leaves
neither a truncated target nor a temporary file, and an existing output survives intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from survey._atomic import atomic_output
from survey._paths import data_dir
from survey.cli import app
from survey.datasets import demo_path
from tests.conftest import GOLDEN
from tests.indicators.conftest import GOLDEN_DATA

runner = CliRunner()


class Interrupted(RuntimeError):
    pass


def _partial(_self, path, *args, **kwargs):
    """A writer that puts half a file at ``path`` and then dies (as a Ctrl-C would)."""
    Path(path).write_bytes(b"half a file,")
    raise Interrupted("simulated interruption mid-write")


def _break_writers(monkeypatch):
    for name in ("to_csv", "to_excel", "to_parquet"):
        monkeypatch.setattr(pd.DataFrame, name, _partial)
    import openpyxl  # the formatted workbooks (survey.report.tables.write_xlsx)

    monkeypatch.setattr(openpyxl.Workbook, "save", _partial)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


def test_helper_removes_the_temporary_file_on_keyboard_interrupt(tmp_path):
    target = tmp_path / "out.csv.gz"
    target.write_text("previous complete file")
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".csv.gz")
        tmp.write_text("partial")
        raise KeyboardInterrupt
    assert target.read_text() == "previous complete file"
    assert _leftovers(tmp_path) == []
    with atomic_output(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and _leftovers(tmp_path) == []


def _cases(tmp_path):
    data = tmp_path / "d.csv"
    shutil.copy(GOLDEN / "weighting_sample.csv", data)
    for name in ("example.yaml", "example_population.csv"):
        shutil.copy(data_dir("weights") / name, tmp_path / name)
    waves = []
    for k in (1, 2):
        p = tmp_path / f"wave{k}.csv"
        pd.DataFrame({"w": [1.0, 2, 3, 4, 5, 6], "t": [1, 2, 1, 2, 2, 1]}).to_csv(p, index=False)
        waves.append(str(p))
    h = tmp_path / "h.csv"
    pd.DataFrame({"aoj11": [1, 2, 3, 4]}).to_csv(h, index=False)
    return {
        "estimate": ["estimate", str(demo_path()), "hh_size", "--weight", "weight"],
        "estimate_xlsx": ["estimate", str(demo_path()), "hh_size", "--weight", "weight"],
        "compare": ["compare", *waves, "--indicators", "t", "--weight", "w"],
        "indicators": ["indicators", str(GOLDEN_DATA), "--weight", "weight"],
        "harmonize": ["harmonize", str(h), "-c", "lapop"],
        "plan": ["plan", "size", "--p", "0.5", "--moe", "0.05"],
        "weight": ["weight", str(data), "--spec", str(tmp_path / "example.yaml")],
    }


SUFFIX = {"estimate_xlsx": ".xlsx", "weight": ".parquet"}


@pytest.mark.parametrize(
    "command", ["estimate", "estimate_xlsx", "compare", "indicators", "harmonize", "plan", "weight"]
)
def test_interrupted_cli_write_leaves_no_partial_file(command, tmp_path, monkeypatch):
    args = _cases(tmp_path)[command]
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = outdir / f"result{SUFFIX.get(command, '.csv')}"
    _break_writers(monkeypatch)
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert isinstance(res.exception, Interrupted), res.output
    assert not out.exists()
    assert _leftovers(outdir) == []
    # an existing complete output is untouched by an interrupted --overwrite
    out.write_text("complete old result")
    res = runner.invoke(app, [*args, "--out", str(out), "--overwrite"])
    assert isinstance(res.exception, Interrupted), res.output
    assert out.read_text() == "complete old result" and _leftovers(outdir) == []
    # and the same command without the interruption writes the file
    monkeypatch.undo()
    res = runner.invoke(app, [*args, "--out", str(out), "--overwrite"])
    assert res.exit_code == 0, res.output
    assert out.read_bytes() != b"complete old result" and _leftovers(outdir) == []


def test_interrupted_questionnaire_build_and_export(tmp_path, monkeypatch):
    import survey.instruments as inst

    monkeypatch.setattr(inst, "save_project", lambda q, path, **k: _partial(None, path))
    monkeypatch.setattr(inst, "export", lambda q, path, *a, **k: _partial(None, path))
    proj = tmp_path / "q.yaml"
    res = runner.invoke(
        app, ["questionnaire", "build", "-m", "trust_institutions", "-l", "en", "-o", str(proj)]
    )
    assert isinstance(res.exception, Interrupted), res.output
    assert not proj.exists() and _leftovers(tmp_path) == []
    html = tmp_path / "q.html"
    res = runner.invoke(
        app, ["questionnaire", "export", "trust_institutions", "-f", "html", "-o", str(html)]
    )
    assert isinstance(res.exception, Interrupted), res.output
    assert not html.exists() and _leftovers(tmp_path) == []
