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


def _break_writers(monkeypatch, excel_writer: bool = False):
    if excel_writer:  # an ExcelWriter's workbook dies when it is saved
        import openpyxl

        def die_saving(_self, handle):
            handle.write(b"half a workbook")
            raise Interrupted("simulated interruption mid-write")

        monkeypatch.setattr(openpyxl.Workbook, "save", die_saving)
        return
    for name in ("to_csv", "to_excel", "to_parquet"):
        monkeypatch.setattr(pd.DataFrame, name, _partial)
    import openpyxl  # the formatted workbooks (survey.report.tables.write_xlsx)

    monkeypatch.setattr(openpyxl.Workbook, "save", _partial)


def _interrupted(exc: BaseException | None) -> bool:
    """The simulated interruption, or an error raised while a writer closed after it (an
    ``ExcelWriter`` with no sheet left raises its own error on the way out)."""
    while exc is not None:
        if isinstance(exc, Interrupted):
            return True
        exc = exc.__context__
    return False


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
        "describe": ["describe", str(demo_path())],
        "describe_xlsx": ["describe", str(demo_path())],
    }


SUFFIX = {"estimate_xlsx": ".xlsx", "weight": ".parquet", "describe_xlsx": ".xlsx"}


@pytest.mark.parametrize(
    "command",
    [
        "estimate",
        "estimate_xlsx",
        "compare",
        "indicators",
        "harmonize",
        "plan",
        "weight",
        "describe",
        "describe_xlsx",
    ],
)
def test_interrupted_cli_write_leaves_no_partial_file(command, tmp_path, monkeypatch):
    args = _cases(tmp_path)[command]
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = outdir / f"result{SUFFIX.get(command, '.csv')}"
    _break_writers(monkeypatch)  # describe_xlsx too: the one xlsx writer (Workbook.save)
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert _interrupted(res.exception), res.output
    assert not out.exists()
    assert _leftovers(outdir) == []
    # an existing complete output is untouched by an interrupted --overwrite
    out.write_text("complete old result")
    res = runner.invoke(app, [*args, "--out", str(out), "--overwrite"])
    assert _interrupted(res.exception), res.output
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


def test_describe_csv_never_replaces_the_values_file_silently(tmp_path):
    out = tmp_path / "dict.csv"
    values = tmp_path / "dict_values.csv"
    values.write_text("my own notes")
    res = runner.invoke(app, ["describe", str(demo_path()), "--out", str(out)])
    assert res.exit_code == 2 and "dict_values.csv" in res.output, res.output
    assert values.read_text() == "my own notes" and not out.exists()
    res = runner.invoke(app, ["describe", str(demo_path()), "--out", str(out), "--overwrite"])
    assert res.exit_code == 0, res.output
    assert "code" in pd.read_csv(values).columns and "variable" in pd.read_csv(out).columns


def test_outputs_get_the_mode_of_a_new_file_not_the_temporary_files_0600(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        target = tmp_path / "published.csv"
        with atomic_output(target) as tmp:
            tmp.write_text("a,b\n")
        assert (target.stat().st_mode & 0o777) == 0o644
    finally:
        os.umask(umask)
