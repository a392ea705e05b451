"""The API's file writers are all-or-nothing too (issue 15, item 4): tables (xlsx, csv, md,
html), the HTML report, figures (png, svg), questionnaire exports and project files, and the
data dictionary. A writer that dies half-way leaves the previous complete file (or nothing)
and no temporary file beside it."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.figure
import matplotlib.pyplot as plt
import openpyxl
import pytest

from survey.report.tables import Table, write_tables


class Interrupted(RuntimeError):
    pass


def _half_then_die(path, *args, **kwargs):
    if not hasattr(path, "write"):
        Path(path).write_bytes(b"half a file")
    raise Interrupted("simulated interruption mid-write")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


def _table() -> Table:
    return Table(
        title="Victimisation by region",
        columns=["Region", "Estimate"],
        rows=[["Norte", 0.25], ["Sur", 0.5]],
        formats=[None, "0.0%"],
        notes=["Source: test"],
    )


def _assert_atomic(target: Path, write, break_writer, monkeypatch):
    target.write_text("previous complete file")
    with monkeypatch.context() as m:
        break_writer(m)
        with pytest.raises(Interrupted):
            write()
    assert target.read_text() == "previous complete file"
    assert _leftovers(target.parent) == []
    write()
    assert target.read_bytes() != b"previous complete file"
    assert _leftovers(target.parent) == []


def _break_text(m):
    m.setattr(Path, "write_text", lambda self, *a, **k: _half_then_die(self))


@pytest.mark.parametrize("ext", [".md", ".html"])
def test_write_tables_text_formats(tmp_path, monkeypatch, ext):
    target = tmp_path / f"t{ext}"
    _assert_atomic(target, lambda: write_tables(_table(), target), _break_text, monkeypatch)
    assert "Norte" in target.read_text()


def test_write_tables_xlsx(tmp_path, monkeypatch):
    target = tmp_path / "t.xlsx"

    def brk(m):
        m.setattr(openpyxl.Workbook, "save", lambda self, p: _half_then_die(p))

    _assert_atomic(target, lambda: write_tables(_table(), target), brk, monkeypatch)
    ws = openpyxl.load_workbook(target).active
    assert any(c.value == "Norte" for row in ws.iter_rows() for c in row)


def test_write_tables_csv(tmp_path, monkeypatch):
    import pandas as pd

    target = tmp_path / "t.csv"

    def brk(m):
        m.setattr(pd.DataFrame, "to_csv", lambda self, p, *a, **k: _half_then_die(p))

    _assert_atomic(target, lambda: write_tables(_table(), target), brk, monkeypatch)
    assert pd.read_csv(target)["Region"].tolist() == ["Norte", "Sur"]


def test_save_figure_png_and_svg(tmp_path, monkeypatch):
    from survey.plots import save_figure

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    png = tmp_path / "f.png"
    svg = tmp_path / "f.svg"
    svg.write_text("previous svg")
    real = matplotlib.figure.Figure.savefig

    def brk(m):
        m.setattr(matplotlib.figure.Figure, "savefig", lambda self, p, **k: _half_then_die(p))

    _assert_atomic(png, lambda: save_figure(fig, tmp_path / "f"), brk, monkeypatch)
    assert png.read_bytes()[:4] == b"\x89PNG" and "<svg" in svg.read_text()
    assert real is matplotlib.figure.Figure.savefig
    plt.close(fig)


@pytest.mark.parametrize("fmt,ext", [("html", ".html"), ("markdown", ".md"), ("spss", ".sps")])
def test_questionnaire_text_exports(tmp_path, monkeypatch, fmt, ext):
    from survey.instruments import export

    target = tmp_path / f"q{ext}"
    _assert_atomic(
        target,
        lambda: export("trust_institutions", target, fmt, overwrite=True),
        _break_text,
        monkeypatch,
    )


def test_questionnaire_xlsform_and_codebook(tmp_path, monkeypatch):
    import pandas as pd

    from survey.instruments import export

    def brk(m):
        m.setattr(pd.DataFrame, "to_excel", lambda self, p, *a, **k: _half_then_die(p))
        m.setattr(pd.DataFrame, "to_csv", lambda self, p, *a, **k: _half_then_die(p))
        m.setattr(openpyxl.Workbook, "save", lambda self, p: _half_then_die(p))

    for fmt, name in (("xlsform", "q.xlsx"), ("codebook", "cb.csv"), ("codebook", "cb.xlsx")):
        target = tmp_path / name
        _assert_atomic(
            target,
            lambda t=target, f=fmt: export("trust_institutions", t, f, overwrite=True),
            brk,
            monkeypatch,
        )


def test_save_project(tmp_path, monkeypatch):
    from survey.instruments import build, save_project

    q = build(["trust_institutions"], languages=["en"])
    target = tmp_path / "q.yaml"
    _assert_atomic(
        target, lambda: save_project(q, target, overwrite=True), _break_text, monkeypatch
    )
    assert "trust_institutions" in target.read_text()
