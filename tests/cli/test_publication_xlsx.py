"""Publication workbooks from `survey estimate` and `survey indicators` (issue 12): labels
from --labels on code-only csv data, a national total row estimated on the full design,
number formats by statistic, title/source/notes, suppressed cells with their reason, the
wide yearbook layout; csv outputs stay tidy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import survey
from survey.cli import app

runner = CliRunner()
REGIONS = {1: "Norte", 2: "Centro", 3: "Sur", 4: "Costa", 5: "Isla"}


@pytest.fixture(scope="module")
def coded(tmp_path_factory):
    """The demo survey as a code-only csv, plus a tiny region 5 (30 rows: suppressed)."""
    folder = tmp_path_factory.mktemp("coded")
    d = survey.read(survey.datasets.demo_path()).data
    d = d[d["wave"] == 1][["region", "stratum", "psu", "weight", "robbery", "hh_size"]].copy()
    d["victim"] = (d["robbery"] == 1).astype(float).where(d["robbery"].notna())
    small = d[d["region"] == 4].head(30).copy()
    small["region"] = 5
    d = pd.concat([d, small], ignore_index=True)
    csv = folder / "coded.csv"
    d.to_csv(csv, index=False)
    labels = folder / "labels.csv"
    rows = ["variable,code,label", "region,,Región", "victim,,Víctima de robo"]
    rows += [f"region,{k},{v}" for k, v in REGIONS.items()]
    labels.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return csv, labels, d


def _run(*args):
    res = runner.invoke(app, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res


def test_estimate_xlsx_is_a_publication_table(coded, tmp_path):
    csv, labels, d = coded
    out = tmp_path / "est.xlsx"
    _run("estimate", csv, "victim", "hh_size", "--weight", "weight", "--strata", "stratum",
         "--psu", "psu", "--by", "region", "--labels", labels, "--out", out,
         "--source", "Demo survey 2024", "--lang", "es")  # fmt: skip
    wb = load_workbook(out)
    assert wb.sheetnames == ["estimates_prop", "estimates_mean", "data"]
    ws = wb["estimates_prop"]
    assert "Víctima de robo" in ws["A1"].value
    header = [c.value for c in ws[3]]
    assert header[:3] == ["Región", "Indicador", "Porcentaje"]
    assert header[-2:] == ["Confiabilidad", "Motivo"]
    assert ws.freeze_panes == "A4"
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1]]
    # the national total row first, estimated on the full design (not a sum of domains)
    design = survey.Design(d, weight="weight", strata="stratum", psu="psu")
    national = design.prop("victim", ci="logit")
    assert rows[0][0] == "Total nacional"
    assert rows[0][2] == round(100 * float(national["estimate"].iloc[0]), 1)
    assert rows[0][6] == len(d["victim"].dropna())
    assert [r[0] for r in rows[1:]] == list(REGIONS.values())
    by = design.prop("victim", by="region", ci="logit")
    k = int(np.flatnonzero((by["reliability"] != "suppress").to_numpy())[0])
    centro = by.iloc[k]
    assert rows[1 + k][0] == REGIONS[int(centro["region"])]
    assert rows[1 + k][2:5] == tuple(
        round(100 * float(centro[c]), 1) for c in ("estimate", "ci_low", "ci_high")
    )
    assert ws.cell(row=5 + k, column=3).number_format == "0.0"
    # the tiny region: suppressed, its reason beside it, no number in the estimate cells
    isla = rows[-1]
    assert isla[0] == "Isla" and isla[2] == "suprimida" and isla[3] is None
    reason = by[by["region"] == 5]["reliability_reason"].iloc[0]
    assert isla[-2] == "suprimida" and "n < 100" in reason
    # the reason in the table's language: "cases < 50" -> "casos < 50"
    words = (("n_eff", "n efectivo"), ("cases", "casos"), ("log-CV", "CV logarítmico"))
    for a, b in words:
        reason = reason.replace(a, b)
    assert isla[-1] == reason
    texts = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert "Fuente: Demo survey 2024" in texts
    assert any("criterios de calidad de la CEPAL (2020)" in t for t in texts)
    assert (
        "Intervalos de confianza al 95%; grados de libertad: los del diseño completo"
        in " ".join(texts)
    )
    # means: 3 decimals, the variable name (no label given)
    wm = wb["estimates_mean"]
    assert wm.cell(row=4, column=2).value == "hh_size"
    assert wm.cell(row=4, column=3).number_format == "0.000"
    # the tidy sheet: unrounded, codes and label columns, shares formatted as percent
    data = pd.read_excel(out, sheet_name="data")
    assert data["region"].tolist()[:5] == [1, 2, 3, 4, 5]
    assert data["domain_label"].tolist()[:5] == list(REGIONS.values())
    assert data.loc[k, "estimate"] == pytest.approx(float(centro["estimate"]), rel=1e-12)
    assert pd.isna(data.loc[4, "estimate"])  # suppressed: blanked unless --show-suppressed
    assert wb["data"]["D2"].number_format == "0.0%"


def test_estimate_totals_use_thousands_and_wide_layout(coded, tmp_path):
    csv, labels, d = coded
    out = tmp_path / "wide.xlsx"
    _run("estimate", csv, "victim", "--stat", "total", "--weight", "weight", "--strata",
         "stratum", "--psu", "psu", "--by", "region", "--labels", labels, "--out", out)  # fmt: skip
    ws = load_workbook(out)["estimates"]
    assert ws.cell(row=4, column=3).number_format == "#,##0"
    out = tmp_path / "wide2.xlsx"
    _run("estimate", csv, "victim", "hh_size", "--weight", "weight", "--strata", "stratum",
         "--psu", "psu", "--by", "region", "--labels", labels, "--out", out,
         "--layout", "wide")  # fmt: skip
    ws = load_workbook(out)["estimates_prop"]
    assert ws.freeze_panes == "A5"
    assert ws["B3"].value == "Víctima de robo" and "B3:E3" in str(ws.merged_cells.ranges)
    assert [c.value for c in ws[4]] == ["Región", "Percent", "95% CI lower", "95% CI upper",
                                        "CV (%)"]  # fmt: skip
    col = [r[0] for r in ws.iter_rows(min_row=5, max_row=10, values_only=True)]
    assert col == ["National total", *REGIONS.values()]
    isla = next(r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] == "Isla")
    assert isla[1].startswith("suppressed (") and isla[2] is None


def test_estimate_csv_stays_tidy(coded, tmp_path):
    csv, labels, _ = coded
    out = tmp_path / "est.csv"
    _run("estimate", csv, "victim", "--weight", "weight", "--strata", "stratum", "--psu", "psu",
         "--by", "region", "--labels", labels, "--out", out)  # fmt: skip
    t = pd.read_csv(out)
    assert t["region"].tolist() == [1, 2, 3, 4, 5]  # codes, no total row
    assert t["domain_label"].tolist() == list(REGIONS.values())
    assert list(t.columns) == ["region", *survey.RESULT_COLUMNS]


def test_bad_labels_file_is_a_clean_error(coded, tmp_path):
    csv, _, _ = coded
    bad = tmp_path / "bad.csv"
    bad.write_text("variable,code,label\nregion,1,\n", encoding="utf-8")
    res = runner.invoke(app, ["estimate", str(csv), "victim", "--weight", "weight",
                              "--labels", str(bad)])  # fmt: skip
    assert res.exit_code == 2
    assert "bad.csv, line 2, column 'label': empty" in " ".join(res.output.split())
    assert "Traceback" not in res.output


def test_indicators_xlsx_publication_sheet_and_tidy_sheets(tmp_path):
    from tests.indicators.conftest import GOLDEN_DATA

    labels = tmp_path / "labels.yaml"
    labels.write_text("variable_labels: {region: Zona}\nregion: {1: Norte, 2: Sur}\n",
                      encoding="utf-8")  # fmt: skip
    out = tmp_path / "ind.xlsx"
    _run("indicators", GOLDEN_DATA, "--weight", "weight", "--strata", "stratum", "--psu", "psu",
         "--lonely-psu", "adjust", "--by", "region", "--indicator", "prevalence_household",
         "--labels", labels, "--out", out)  # fmt: skip
    wb = load_workbook(out)
    assert wb.sheetnames == ["table", "indicators", "skipped"]
    ws = wb["table"]
    assert [c.value for c in ws[3]][:3] == ["Zona", "Indicator", "Category"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1]]
    assert rows[0][0] == "National total" and rows[0][1].startswith("Household victimisation")
    assert {r[0] for r in rows[1:]} >= {"Norte", "Sur"}
    design = survey.Design(pd.read_csv(GOLDEN_DATA), weight="weight", strata="stratum",
                           psu="psu", lonely_psu="adjust")  # fmt: skip
    from survey.indicators import battery

    nat = battery(design, names=["prevalence_household"])
    any_ = nat[nat["category"] == "any"].iloc[0]
    got = next(r for r in rows if r[0] == "National total" and r[2] == "Any crime")
    assert got[3] == round(float(any_["estimate"]), 1)  # already in percent: not x 100
    tidy = pd.read_excel(out, sheet_name="indicators")
    assert "region_label" in tidy.columns and "domain_label" in tidy.columns
    assert set(tidy["domain_label"].dropna()) >= {"Norte", "Sur"}
    assert np.isfinite(tidy["n"]).all()


def test_compare_xlsx_tables_with_labels_and_tidy_sheets(tmp_path):
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
    _run("compare", csv, "--wave", "wave", "--indicators", "robbed=robbery:1",
               "--weight", "weight", "--strata", "stratum", "--psu", "psu", "--by", "region",
               "--labels", labels, "--out", out, "--lang", "es")  # fmt: skip
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "table_comparison" and "comparison" in wb.sheetnames
    ws = wb["table_comparison"]
    header = [c.value for c in ws[3]]
    assert header[:5] == ["Región", "Indicador", "2019", "2023", "Diferencia (puntos porcentuales)"]
    assert [r[0] for r in ws.iter_rows(min_row=4, max_row=7, values_only=True)] == [
        "Norte", "Centro", "Sur", "Costa",
    ]  # fmt: skip
    tidy = pd.read_excel(out, sheet_name="comparison")
    norte = ws.cell(row=4, column=5).value
    assert norte == round(100 * float(tidy.loc[tidy["region"] == 1, "estimate"].iloc[0]), 1)
    assert tidy["region"].tolist() == [1, 2, 3, 4]  # codes, full precision
