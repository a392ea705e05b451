"""Issue 12, labels through a crosswalk and indicator labels, on the ENUSC 2023 csv.

* a labels file keyed by ENUSC's own names (``rph_sexo``) labels the standard item the
  crosswalk made of it (``dem_sex``) in the report and in ``survey indicators --labels``;
* indicator frames of the API carry their label columns (domains by their value labels);
* indicator tables show registry titles and category words in the table's language, never
  the keys ("prevalence_person", "any").
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import yaml  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

pytestmark = pytest.mark.realdata

LABELS = {
    "variable_labels": {"rph_sexo": "Sexo (INE)", "enc_region": "Región"},
    "rph_sexo": {1: "Varón", 2: "Dama"},
    "enc_region": {2: "Región de Antofagasta", 13: "Región Metropolitana de Santiago"},
}


@pytest.fixture(scope="module")
def enusc23():
    from tests.conftest import realdata_file

    return realdata_file("enusc/enusc_2023_subset.csv.gz")


@pytest.fixture
def wide_console():
    """The CLI's rich console 250 columns wide (CliRunner output is not a terminal)."""
    from survey.cli._common import console

    before = console.width
    console.width = 250
    yield console
    console.width = before


def _rows(ws, start=4):
    return [r for r in ws.iter_rows(min_row=start, values_only=True) if r[1] is not None]


def test_report_labels_keyed_by_source_names_follow_the_crosswalk(enusc23, tmp_path):
    from survey.report import pipeline as P

    (tmp_path / "labels.yaml").write_text(
        yaml.safe_dump(LABELS, allow_unicode=True), encoding="utf-8"
    )
    spec = {
        "title": "ENUSC 2023", "language": "es", "source": "INE Chile, ENUSC 2023",
        "data": {"path": str(enusc23), "crosswalk": "enusc_2023"},
        "labels": "labels.yaml",
        "design": {"weight": "Fact_Pers_Reg", "household_weight": "Fact_Hog_Reg",
                   "strata": "VarStrat", "psu": "Conglomerado"},
        "estimation": {"df": "domain"},
        "breakdowns": ["dem_sex", "enc_region"],
        # no label: the registry title in the report's language
        "indicators": [{"name": "vic_persona", "registry": "prevalence_person",
                        "args": {"crimes": {"any": "vic_person_any_12m"}},
                        "variable": "vic_person_any_12m", "codes": [1], "base": [0, 1]}],
    }  # fmt: skip
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    res = P.run_spec(path, tmp_path / "out", progress=False)
    wb = load_workbook(res.files["xlsx"])
    ws = wb["by_dem_sex"]
    assert ws["A1"].value == "Por Sexo (INE)"  # the labels file's, not the library's text
    rows = {r[0]: r for r in _rows(ws)}
    assert set(rows) == {"Varón", "Dama"}
    r = res.results
    for code, name in ((1, "Varón"), (2, "Dama")):
        est = r[(r["breakdown"] == "dem_sex") & (r["dem_sex"] == code)]["estimate"].iloc[0]
        assert rows[name][1] == "Prevalencia de victimización de personas"
        assert rows[name][2] == pytest.approx(round(100 * est, 1))
    # ENUSC 2023 persons victimised (any crime, VP_DC): men 19.7%, women 28.3%
    assert rows["Varón"][2] == 19.7 and rows["Dama"][2] == 28.3
    regions = {r[0] for r in _rows(wb["by_enc_region"])}
    assert {"Región de Antofagasta", "Región Metropolitana de Santiago"} <= regions
    md = res.files["markdown"].read_text(encoding="utf-8")
    by_sex = md.split("**Por Región**")[0]
    assert "| Varón |" in by_sex and "| 1 |" not in by_sex and "prevalence_person" not in md


def test_cli_indicators_labels_follow_the_crosswalk_and_tables_use_words(
    enusc23, tmp_path, wide_console
):
    from typer.testing import CliRunner

    from survey.cli import app

    lab = tmp_path / "labels.csv"
    lab.write_text(
        "variable,code,label\nrph_sexo,,Sexo (INE)\nrph_sexo,1,Varón\nrph_sexo,2,Dama\n",
        encoding="utf-8",
    )
    out = tmp_path / "ind.xlsx"
    run = CliRunner().invoke(
        app,
        ["indicators", str(enusc23), "-c", "enusc_2023", "--by", "dem_sex", "--labels",
         str(lab), "--lang", "es", "--out", str(out)],
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    text = run.output.split("skipped (")[0]
    for word in ("Varón", "Dama", "Sexo (INE)", "Prevalencia de victimización de personas",
                 "Cualquier delito", "Indicador"):  # fmt: skip
        assert word in text
    assert "prevalence_person" not in text and " any " not in text and "1.0" not in text
    wb = load_workbook(out)
    ws = wb["table"]
    assert ws["A3"].value == "Sexo (INE)"
    rows = {(r[0], r[1]): r for r in _rows(ws)}
    sheet = list(wb["indicators"].iter_rows(values_only=True))
    head = list(sheet[0])
    col = {c: head.index(c) for c in ("indicator", "dem_sex", "estimate", "dem_sex_label")}
    tidy = {(r[col["indicator"]], r[col["dem_sex"]]): r[col["estimate"]] for r in sheet[1:] if r[0]}
    assert {r[col["dem_sex_label"]] for r in sheet[1:] if r[0]} == {"Varón", "Dama"}
    for code, name in ((1, "Varón"), (2, "Dama")):
        row = rows[(name, "Prevalencia de victimización de personas")]
        assert row[2] == "Cualquier delito"
        assert row[3] == pytest.approx(round(tidy[("prevalence_person", code)], 1))
    assert rows[("Varón", "Prevalencia de victimización de personas")][3] == 19.7
    national = rows[("Total nacional", "Prevalencia de victimización de personas")]
    assert national[3] == 24.1


def test_api_indicator_frames_carry_labels(enusc23):
    import survey
    from survey import indicators as I
    from survey.io import with_labels

    sd = with_labels(survey.read(enusc23), LABELS)
    d = survey.Design(sd, weight="Fact_Pers_Reg", strata="VarStrat", psu="Conglomerado")
    f = I.prevalence(d, crimes={"any": "VP_DC"}, by="enc_region", unit="person")
    by_code = f.set_index("enc_region")
    assert by_code.loc[2, "domain_label"] == "Región de Antofagasta"
    assert by_code.loc[13, "domain_label"] == "Región Metropolitana de Santiago"
    assert by_code.loc[5, "domain_label"] == "5"  # unlabelled: the code, not 5.0
    assert set(f["variable_label"]) == {"Personal victimisation prevalence"}
    assert set(f["category_label"]) == {"Any crime"}
    # the labels change nothing else: the estimate is the verb's share of VP_DC
    m = d.mean("VP_DC", by="enc_region").set_index("enc_region")
    assert by_code.loc[13, "estimate"] == pytest.approx(100 * m.loc[13, "estimate"], rel=1e-12)
    two = I.prevalence(d, crimes={"robbery": "VP_DV", "fraud": "VP_DC"}, unit="person")
    assert list(two["category_label"]) == ["Robbery", "Fraud", "Violent crime", "Any crime"]
