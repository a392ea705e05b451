"""CLI: survey questionnaire ... and survey harmonize (thin wrappers, no overwrites)."""

from __future__ import annotations

import pandas as pd
from pyxform.xls2xform import convert
from typer.testing import CliRunner

from survey.cli import app

runner = CliRunner()


def test_list_show_build_export(tmp_path):
    res = runner.invoke(app, ["questionnaire", "list"])
    assert res.exit_code == 0 and "trust_institutions" in res.output
    res = runner.invoke(app, ["questionnaire", "show", "fear", "--lang", "es"])
    assert res.exit_code == 0 and "fear_walk_dark" in res.output
    assert runner.invoke(app, ["questionnaire", "show", "nope"]).exit_code == 2
    proj = tmp_path / "p.yaml"
    res = runner.invoke(
        app,
        ["questionnaire", "build", "-m", "screener_person,trust_interpersonal", "-l", "es,pt",
         "--title", "Piloto", "-o", str(proj)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    form = tmp_path / "p.xlsx"
    res = runner.invoke(
        app, ["questionnaire", "export", str(proj), "-f", "xlsform", "-o", str(form)]
    )
    assert res.exit_code == 0, res.output
    assert convert(xlsform=str(form), validate=False).xform.count('lang="Português (pt)"') == 1
    again = runner.invoke(
        app, ["questionnaire", "export", str(proj), "-f", "xlsform", "-o", str(form)]
    )
    assert again.exit_code == 2 and "exists" in again.output
    res = runner.invoke(
        app, ["questionnaire", "build", "-m", "incident", "-o", str(tmp_path / "x.yaml")]
    )
    assert res.exit_code == 2 and "requires modules" in res.output
    settings = pd.read_excel(form, sheet_name="settings").iloc[0]
    assert settings["form_id"] == "piloto" and len(str(settings["version"])) == 10


def test_build_without_title_names_the_form_after_the_project_file(tmp_path):
    proj = tmp_path / "Encuesta_Ñuble_2026.yaml"
    res = runner.invoke(
        app, ["questionnaire", "build", "-m", "fear", "-l", "es", "-o", str(proj),
              "--version", "2026030901"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "form encuesta_nuble_2026 version 2026030901" in " ".join(res.output.split())
    form = tmp_path / "f.xlsx"
    res = runner.invoke(
        app, ["questionnaire", "export", str(proj), "-f", "xlsform", "-o", str(form)]
    )
    assert res.exit_code == 0, res.output
    settings = pd.read_excel(form, sheet_name="settings", dtype=str).iloc[0]
    assert (settings["form_id"], settings["version"]) == ("encuesta_nuble_2026", "2026030901")


def test_validate_and_harmonize(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"trust_interpersonal": [1, 2, 5], "trust_neighbours": [1, 1, 1],
                  "trust_interpersonal_11pt": [0, 10, 88]}).to_csv(data, index=False)  # fmt: skip
    rep = tmp_path / "rep.csv"
    res = runner.invoke(
        app, ["questionnaire", "validate", str(data), "-q", "trust_interpersonal", "-o", str(rep)]
    )
    assert res.exit_code == 0, res.output
    table = pd.read_csv(rep)
    assert table[["item", "check", "n"]].values.tolist() == [
        ["trust_interpersonal", "undeclared_code", 1]
    ]
    src = tmp_path / "ess.csv"
    pd.DataFrame({"idno": [1, 2, 3], "ppltrst": [0, 10, 88], "pspwght": [1.0, 2.0, 0.5]}).to_csv(
        src, index=False
    )
    out = tmp_path / "h.csv"
    res = runner.invoke(app, ["harmonize", str(src), "--crosswalk", "ess", "--out", str(out)])
    assert res.exit_code == 0, res.output
    h = pd.read_csv(out)
    assert h["trust_interpersonal_11pt"].tolist()[:2] == [0, 10] and pd.isna(h.iloc[2, -1])
    report = pd.read_csv(tmp_path / "h_report.csv").set_index("source")
    assert report.loc["ppltrst", "n_missing"] == 1
    res = runner.invoke(app, ["harmonize", str(src), "--crosswalk", "ess", "--out", str(out)])
    assert res.exit_code == 2


def test_harmonize_writes_design_labels(tmp_path):
    import json

    src = tmp_path / "enusc.csv"
    pd.DataFrame({"VA_DC": [0, 1], "enc_region": [13, 16], "Fact_Hog": [1.0, 2.0]}).to_csv(
        src, index=False
    )
    out = tmp_path / "h.csv"
    res = runner.invoke(app, ["harmonize", str(src), "-c", "enusc_2019", "--out", str(out)])
    assert res.exit_code == 0, res.output
    labels = json.loads((tmp_path / "h_labels.json").read_text(encoding="utf-8"))
    assert labels["territory"]["16"] == "Región del Ñuble"
    assert pd.read_csv(out)["territory"].tolist() == [13, 16]
    # the labels file is an output too: never replaced without --overwrite
    out2 = tmp_path / "h2.csv"
    (tmp_path / "h2_labels.json").write_text("{}", encoding="utf-8")
    res = runner.invoke(app, ["harmonize", str(src), "-c", "enusc_2019", "--out", str(out2)])
    assert res.exit_code == 2 and "--labels" in res.output


def test_build_and_export_trust_scale(tmp_path):
    import yaml

    proj = tmp_path / "p.yaml"
    args = ["questionnaire", "build", "-m", "trust_institutions", "-l", "en", "-o", str(proj)]
    res = runner.invoke(app, [*args, "--trust-scale", "11"])
    assert res.exit_code == 0, res.output
    assert "5 items" in " ".join(res.output.split()) and "11-point" in res.output
    assert yaml.safe_load(proj.read_text(encoding="utf-8"))["trust_scale"] == 11
    res = runner.invoke(app, [*args[:-1], str(tmp_path / "q.yaml"), "--trust-scale", "5"])
    assert res.exit_code == 2 and "use 4, 7, 11 or all" in res.output
    out = tmp_path / "f.xlsx"
    res = runner.invoke(
        app, ["questionnaire", "export", "trust_institutions", "-f", "xlsform", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    names = pd.read_excel(out, sheet_name="survey")["name"].dropna().tolist()
    assert "trust_inst_police" in names
    assert not [n for n in names if n.endswith(("_7pt", "_11pt"))]  # one version per question
