"""Import direction (issue 12, Structure): the engine sits below indicators, reports and
plots; reliability rules are a standard below the engine; figure and report text share one
module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "survey"


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_engine_and_quality_import_nothing_above_them():
    above = ("survey.indicators", "survey.report", "survey.plots", "survey.compare",
             "survey.cli")  # fmt: skip
    for path in [*sorted((ROOT / "engine").glob("*.py")), ROOT / "quality.py"]:
        bad = [m for m in _imports(path) if m.startswith(above)]
        assert not bad, f"{path.name} imports {bad}"
    assert "survey.quality" in _imports(ROOT / "engine" / "core.py")


def test_old_quality_module_is_the_same_rules():
    from survey import quality
    from survey.indicators import quality as old

    assert old.RULES is quality.RULES and old.assess is quality.assess


def test_figure_and_report_text_share_one_module():
    from survey import _text
    from survey.plots import _text as plots_text
    from survey.report import _text as report_text

    assert plots_text.lookup is _text.lookup and report_text.lookup is _text.lookup
    assert plots_text.fmt_number is _text.fmt_number
    # terms both use are defined once
    assert report_text.REPORT_TEXT["col_estimate"] is plots_text.TEXT["estimate"]
    assert _text.text("col_reliability", "es") == "Confiabilidad"
    assert _text.text("methods", "pt") == "Anexo metodológico"
