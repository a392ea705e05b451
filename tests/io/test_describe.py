"""survey describe / survey.io.describe: the data dictionary (issue 12, deliverable 7)."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey.cli import app
from survey.io import describe


@pytest.fixture(scope="module")
def sav():
    from tests.conftest import realdata_file

    return realdata_file("enusc/enusc_2019_subset_usermissing.sav")


def test_counts_labels_and_user_missing_match_the_raw_file(sav):
    import pyreadstat

    raw, meta = pyreadstat.read_sav(str(sav), user_missing=True)  # codes as stored
    sd = survey.read(sav, user_missing="keep")
    variables, values = describe(sd)
    row = variables.set_index("variable").loc["P3_1_1"]
    assert row["label"] == meta.column_names_to_labels["P3_1_1"]
    assert row["user_missing"] == "88, 96, 99"
    um = raw["P3_1_1"].isin([88, 96, 99])
    assert row["n_user_missing"] == um.sum() == 253
    assert row["n_valid"] == (raw["P3_1_1"].notna() & ~um).sum()
    assert variables.set_index("variable").loc["P8_1_1", "user_missing"] == "85 thru 99"
    codes = values[values.variable == "P3_1_1"].set_index("code")
    for code, label in meta.variable_value_labels["P3_1_1"].items():
        key = str(int(code))
        assert codes.loc[key, "label"] == label
        assert codes.loc[key, "n"] == (raw["P3_1_1"] == code).sum()
        assert codes.loc[key, "user_missing"] == (code in (88, 96, 99))
    # read with the default user_missing="missing": the codes are NaN, still reported
    v2, _ = describe(survey.read(sav))
    r2 = v2.set_index("variable").loc["P3_1_1"]
    assert r2["n_missing"] == r2["n_user_missing"] == 253 and r2["n_valid"] == row["n_valid"]


def test_plain_frame_and_cli_terminal_and_xlsx(tmp_path):
    frame = pd.DataFrame({"a": [1, 2, None, 2], "b": ["x", "y", "y", None]})
    variables, values = describe(frame)
    assert variables["n_valid"].tolist() == [3, 3] and variables["type"].tolist() == [
        "numeric",
        "text",
    ]
    assert values.empty  # no value labels
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "dict.xlsx"
    res = CliRunner().invoke(app, ["describe", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "4 rows, 2 variables" in res.output
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert wb.sheetnames == ["variables", "values"]
    ws = wb["variables"]
    assert ws["A1"].value.startswith("Data dictionary: d.csv") and ws.freeze_panes == "A4"
    assert [c.value for c in ws[3]][:3] == ["position", "variable", "label"]
    res = CliRunner().invoke(app, ["describe", str(path), "-v", "A"])
    assert res.exit_code != 0 and "did you mean 'a'?" in res.output
    res = CliRunner().invoke(app, ["describe", str(path), "-v", "a"])
    assert res.exit_code == 0 and "4 rows, 1 variable" in res.output, res.output
    assert "1 variables" not in res.output


def test_describe_xlsx_goes_through_the_publication_writer(tmp_path):
    """`survey describe --out x.xlsx` (issue 12): title, frozen header, number formats
    (counts with thousands separators, percents), widths and the source line, with the
    values of describe() unchanged."""
    from openpyxl import load_workbook

    from survey.datasets import demo_path

    out = tmp_path / "dict.xlsx"
    res = CliRunner().invoke(app, ["describe", str(demo_path()), "--out", str(out)])
    assert res.exit_code == 0, res.output
    import survey

    variables, values = describe(survey.read(demo_path(), user_missing="keep"))
    wb = load_workbook(out)
    ws = wb["variables"]
    head = [c.value for c in ws[3]]
    assert head == list(variables.columns) and ws.freeze_panes == "A4"
    k = head.index("n_valid") + 1
    got = [ws.cell(row=4 + i, column=k).value for i in range(len(variables))]
    assert got == variables["n_valid"].tolist()
    assert ws.cell(row=4, column=k).number_format == "#,##0"
    lines = [c.value for c in ws["A"][3 + len(variables) :] if c.value]
    assert lines[0] == "Source: demo_survey.sav"
    wv = wb["values"]
    vhead = [c.value for c in wv[3]]
    p = vhead.index("percent") + 1
    assert wv.cell(row=4, column=p).number_format == "0.0"
    assert wv.cell(row=4, column=p).value == pytest.approx(float(values["percent"].iloc[0]))
    assert wv.column_dimensions["C"].width > 8
