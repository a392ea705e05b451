"""Publication tables say what their notes say (issue 12): caution cells carry the "†" the
note announces, comparison tables have Reliability / Reason columns and p-values "<0.001",
and a suppressed share is never given away by its complement."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import survey
from survey._schema import finalize
from survey.cli import app
from survey.report.tables import (
    P_FORMAT,
    comparison_table,
    publication_table,
    to_markdown,
    wide_table,
    write_xlsx,
)


@pytest.fixture
def yes_no() -> pd.DataFrame:
    """A labelled Yes(1)/No(2) item by region: Isla's "Sí" is suppressed (30 cases)."""
    f = pd.DataFrame(
        {
            "region": ["Norte", "Norte", "Isla", "Isla"],
            "variable": "victim",
            "category": [1, 2, 1, 2],
            "estimate": [0.2, 0.8, 0.04, 0.96],
            "se": [0.01, 0.01, 0.03, 0.03],
            "ci_low": [0.18, 0.78, 0.0, 0.9],
            "ci_high": [0.22, 0.82, 0.1, 1.0],
            "cv": [0.05, 0.0125, 0.75, 0.03],
            "n": [600, 600, 30, 30],
            "reliability": ["reliable", "caution", "suppress", "reliable"],
            "reliability_reason": [None, "CV > 0.3", "cases < 50", None],
        }
    )
    return finalize(f, by=["region"])


def test_suppressed_yes_hides_its_no(yes_no, tmp_path):
    t = publication_table(yes_no, percent=True, labels={1: "Sí", 2: "No"}, reasons=True)
    rows = {(r[0], r[2]): r for r in t.rows}
    assert rows[("Isla", "Sí")][3:7] == ["suppressed", None, None, None]
    # 96% shown beside a suppressed 4% would give the 4% away: suppressed too, saying why
    assert rows[("Isla", "No")][3:7] == ["suppressed", None, None, None]
    assert rows[("Isla", "No")][-1] == "complementary suppression"
    assert rows[("Isla", "No")][7] == 30  # n stays visible
    assert rows[("Norte", "Sí")][3] == 20.0 and rows[("Norte", "No")][3] == 80.0
    assert any("derived" in n for n in t.notes)
    assert "96" not in to_markdown(t)
    w = wide_table(yes_no, by="region", percent=True, lang="es")
    isla = next(r for r in w.rows if r[0] == "Isla")
    assert isla[1] == "suprimida (casos < 50)" and isla[5] == "suprimida (supresión complementaria)"
    # shares that do not add up to 100% (two items, means) are not touched
    other = yes_no.assign(estimate=[0.2, 0.8, 0.04, 0.5])
    t2 = publication_table(other, percent=True)
    assert [r[3] for r in t2.rows if r[0] == "Isla"] == ["suppressed", 50.0]


def test_caution_cells_carry_the_dagger_of_the_note(yes_no, tmp_path):
    t = publication_table(yes_no, percent=True, labels={1: "Sí", 2: "No"}, reasons=True)
    w = wide_table(yes_no, by="region", percent=True)
    path = write_xlsx([t, w], tmp_path / "t.xlsx")
    wb = load_workbook(path)
    ws = wb[t.name]
    note = [c.value for c in ws["A"] if isinstance(c.value, str) and "†" in c.value]
    assert note == ["† shaded: use with caution (low precision)"]
    cell = ws.cell(row=5, column=4)  # Norte, No: caution
    assert cell.value == 80.0 and cell.number_format == '0.0" †"'
    assert ws.cell(row=4, column=4).number_format == "0.0"  # reliable: no mark
    ww = wb[w.name]
    marked = [c for row in ww.iter_rows(min_row=5) for c in row if "†" in c.number_format]
    assert [(c.value, c.number_format) for c in marked] == [(80.0, '0.0" †"')]
    assert "80.0 †" in to_markdown(t)


def test_comparison_table_reliability_reason_and_small_p_values():
    comp = pd.DataFrame(
        {
            "variable": ["a", "b"],
            "estimate_1": [0.12, 0.32],
            "estimate_2": [0.10, 0.30],
            "difference": [-0.02, -0.02],
            "ci_low": [-0.03, -0.044],
            "ci_high": [-0.01, 0.004],
            "p_value": [0.00004, 0.0961],
            "significant": [True, False],
            "worsened": [False, True],
            "reliability": ["reliable", "caution"],
        }
    )
    t = comparison_table(comp, percent=True, lang="es")
    assert t.columns[-2:] == ["Confiabilidad", "Motivo"]
    assert t.formats[6] == P_FORMAT and t.rows[0][6] == 0.00004
    shown = t.display_rows()
    assert shown[0][6] == "<0,001" and shown[1][6] == "0,096"
    assert shown[1][-2:] == ["cautela", "una de las estimaciones comparadas es de baja precisión"]
    assert shown[1][3] == "-2,0 †"
    assert any(n.startswith("† sombreado") for n in t.notes)


def test_compare_cli_xlsx_has_reliability_reason_note_and_p_format(tmp_path):
    d = survey.read(survey.datasets.demo_path()).data
    csv = tmp_path / "waves.csv"
    d[["wave", "region", "stratum", "psu", "weight", "robbery"]].to_csv(csv, index=False)
    labels = tmp_path / "labels.yaml"
    labels.write_text(
        "variable_labels: {region: Región}\nregion: {1: Norte, 2: Centro, 3: Sur, 4: Costa}\n"
        "wave: {1: '2019', 2: '2023'}\n",
        encoding="utf-8",
    )
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(
        app,
        ["compare", str(csv), "--wave", "wave", "--indicators", "robbed=robbery:1",
         "--weight", "weight", "--strata", "stratum", "--psu", "psu", "--by", "region",
         "--labels", str(labels), "--out", str(out), "--lang", "es"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    wb = load_workbook(out)
    ws = wb["table_comparison"]
    header = [c.value for c in ws[3]]
    assert header[-2:] == ["Confiabilidad", "Motivo"]
    tidy = pd.read_excel(out, sheet_name="comparison").set_index("region")
    p_col, d_col = header.index("Valor p") + 1, header.index("Diferencia (puntos porcentuales)") + 1
    for i, code in enumerate([1, 2, 3, 4], start=4):
        row = tidy.loc[code]
        p = ws.cell(row=i, column=p_col)
        diff = ws.cell(row=i, column=d_col)
        if bool(row["suppressed_input"]):
            # an input estimate `survey estimate` suppresses (cases < 50): no numbers here
            assert p.value is None and diff.value is None
            assert ws.cell(row=i, column=len(header) - 1).value == "suprimida"
            assert "suprimida" in ws.cell(row=i, column=len(header)).value
            continue
        assert p.value == pytest.approx(float(row["p_value"]), rel=1e-12)  # not rounded away
        assert p.number_format == P_FORMAT
        flagged = bool(row["unreliable"])
        assert ws.cell(row=i, column=len(header) - 1).value == (
            "cautela" if flagged else "confiable"
        )
        assert diff.value == round(100 * float(row["estimate"]), 1)
        assert diff.number_format.endswith('" †"') == flagged
    # Centro's baseline and Sur's two waves have fewer than 50 cases (as estimate says)
    assert list(tidy["suppressed_input"].astype(bool)) == [False, True, True, False]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert any(n.startswith("Intervalos de confianza al 95%") for n in notes)
