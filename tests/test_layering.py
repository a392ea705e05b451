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


def test_unknown_columns_suggest_the_nearest_name_and_the_file(tmp_path):
    import pandas as pd
    import pytest
    from typer.testing import CliRunner

    import survey
    from survey._names import did_you_mean
    from survey.cli import app
    from survey.design import DesignError
    from survey.engine import EstimationError

    assert did_you_mean("fact_hog", ["Fact_Hog", "Fact_Pers", "x"]) == " (did you mean 'Fact_Hog'?)"
    assert did_you_mean("zzz", ["Fact_Hog"]) == ""
    path = tmp_path / "d.csv"
    pd.DataFrame({"Fact_Hog": [1.0, 2, 3, 4], "VA_DC": [0, 1, 0, 1], "reg": [1, 1, 2, 2]}).to_csv(
        path, index=False
    )
    sd = survey.read(path)
    with pytest.raises(DesignError, match=r"d\.csv \(did you mean 'Fact_Hog'\?\)"):
        survey.Design(sd, weight="fact_hog")
    des = survey.Design(sd, weight="Fact_Hog")
    with pytest.raises(EstimationError, match=r"did you mean 'VA_DC'"):
        des.mean("va_dc")
    with pytest.raises(EstimationError, match=r"'rg' \(did you mean 'reg'\?\)"):
        des.mean("VA_DC", by="rg")
    res = CliRunner().invoke(app, ["estimate", str(path), "VA_DC", "--weight", "fact_hog"])
    assert res.exit_code != 0
    msg = " ".join(res.output.split())
    assert "d.csv" in msg and "did you mean 'Fact_Hog'?" in msg
    res = CliRunner().invoke(app, ["indicators", str(path), "--weight", "fact_hog"])
    assert res.exit_code != 0 and "did you mean 'Fact_Hog'?" in " ".join(res.output.split())


def test_household_indicator_on_person_rows_warns():
    import numpy as np
    import pandas as pd
    import pytest

    from survey import Design
    from survey.indicators import battery, prevalence

    rng = np.random.default_rng(1)
    hh = np.repeat(np.arange(200), 3)  # three persons per household
    data = pd.DataFrame(
        {"hh_id": hh, "w": 1.0, "vic_hh_burglary_12m": np.repeat(rng.integers(1, 3, 200), 3)}
    )
    des = Design(data, weight="w")
    with pytest.warns(UserWarning, match=r"600 rows for 200 households \('hh_id' repeats\)"):
        prevalence(des, {"burglary": "vic_hh_burglary_12m"}, unit="household")
    with pytest.warns(UserWarning) as rec:
        out = battery(des, names=["prevalence_household"])
    assert any("use the design's weight 'w'" in str(r.message) for r in rec)
    assert len(out.attrs["warnings"]) == 2
    # one row per household: no warning about rows
    one = Design(data.drop_duplicates("hh_id"), weight="w")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        prevalence(one, {"burglary": "vic_hh_burglary_12m"}, unit="household")
