"""``survey indicators``: the CLI computes the battery present in a file (thin shell)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app
from tests.indicators.conftest import GOLDEN_DATA

runner = CliRunner()


def test_cli_battery_to_csv_blanks_suppressed(tmp_path):
    out = tmp_path / "t.csv"
    res = runner.invoke(
        app,
        [
            "indicators",
            str(GOLDEN_DATA),
            "--weight",
            "weight",
            "--strata",
            "stratum",
            "--psu",
            "psu",
            "--by",
            "region",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert {"prevalence_household", "dark_figure", "trust_index"} <= set(t["indicator"])
    sup = t["reliability"] == "suppress"
    assert sup.any() and t.loc[sup, "estimate"].isna().all()
    flagged = t["reliability"].notna()
    assert t.loc[~sup & flagged, "estimate"].notna().all()
    # rows without a flag are forms of violence with no incident in the sample (SDG 16.3.1:
    # the file has robbery and assault incidents only)
    empty = t[~flagged]
    assert set(empty["indicator"]) == {"sdg_16_3_1"} and (empty["n"] == 0).all()
    assert set(empty["category"]) == {"psychological", "sexual"}
    # the same burglary prevalence as the API (R-checked in test_golden)
    from survey import Design
    from survey import indicators as ind

    d = Design(
        pd.read_csv(GOLDEN_DATA), weight="weight", strata="stratum", psu="psu", lonely_psu="adjust"
    )
    api = ind.prevalence(d, by="region")
    row = t[(t.indicator == "prevalence_household") & (t.category == "any")]
    # (these rows are suppressed, so estimate/se are blank: compare what stays printed)
    assert row["deff"].tolist() == pytest.approx(api.loc[api.category == "any", "deff"].tolist())
    assert row["n_cases"].tolist() == api.loc[api.category == "any", "n_cases"].tolist()


def test_cli_xlsx_and_errors(tmp_path):
    out = tmp_path / "t.xlsx"
    res = runner.invoke(
        app,
        [
            "indicators",
            str(GOLDEN_DATA),
            "--weight",
            "weight",
            "--indicator",
            "sdg_16_1_4",
            "--out",
            str(out),
            "--show-suppressed",
        ],
    )
    assert res.exit_code == 0, res.output
    sheets = pd.read_excel(out, sheet_name=None)
    assert sheets["indicators"]["indicator"].unique().tolist() == ["sdg_16_1_4"]
    res = runner.invoke(app, ["indicators", str(GOLDEN_DATA), "--weight", "nope"])
    assert res.exit_code != 0 and "nope" in res.output
    res = runner.invoke(
        app, ["indicators", str(GOLDEN_DATA), "--crosswalk", "x", "--questionnaire", "fear"]
    )
    assert res.exit_code != 0 and "not both" in res.output


@pytest.fixture
def wide_console():
    """The CLI's rich console 250 columns wide (CliRunner output is not a terminal)."""
    from survey.cli._common import console

    before = console.width
    console.width = 250
    yield console
    console.width = before


def test_cli_crosswalk_path_on_enusc_2019(tmp_path, wide_console):
    """--crosswalk harmonises first; ENUSC 2019's VA_DC with Fact_Hog gives R's 23.3416%;
    the screen table shows it (2 decimals) and, by territory, INE's region names carried
    from the crosswalk (the CSV has no value labels)."""
    from tests.conftest import load_golden, realdata_file

    gold = load_golden("indicators")["cases"]["enusc2019_VA_DC"]
    out = tmp_path / "t.csv"
    args = ["indicators", str(realdata_file("enusc/enusc_2019_subset.sav")), "--crosswalk"]
    args += ["enusc_2019", "--lonely-psu", "certainty", "--indicator", "prevalence_household"]
    res = runner.invoke(app, [*args, "--show-suppressed", "--out", str(out)])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert t["estimate"].item() == pytest.approx(100 * gold["national"]["estimate"], rel=1e-10)
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert f"{100 * gold['national']['estimate']:.2f}" in res.output  # 23.34
    csv = realdata_file("enusc/enusc_2019_subset.csv.gz")
    res = runner.invoke(
        app,
        [
            "indicators", str(csv), "-c", "enusc_2019", "--lonely-psu", "certainty",
            "--indicator", "prevalence_household", "--by", "territory", "--out",
            str(tmp_path / "r.csv"),
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Región del Ñuble" in res.output and "Región Metropolitana de Santiago" in res.output
    r = pd.read_csv(tmp_path / "r.csv")
    assert r["territory"].tolist() == list(range(1, 17))  # codes kept, labels beside
    assert r.loc[r.territory == 16, "territory_label"].item() == "Región del Ñuble"
    est = dict(zip(r["territory"], r["estimate"], strict=True))
    for row in gold["rows"]:
        assert est[row["by"]["enc_region"]] == pytest.approx(100 * row["estimate"], rel=1e-10)


def test_cli_ess_trust_battery_after_crosswalk(wide_console):
    """`survey indicators ESS -c ess` computes the ESS 0-10 trust indicators (R-checked in
    test_realdata) and prints them in a table, skipped indicators after it."""
    from tests.conftest import load_golden, realdata_file

    g = load_golden("indicators")["cases"]["ess7es_trust"]["rows"]
    path = realdata_file("ess/ess7es_with_pspwght.csv")
    res = runner.invoke(app, ["indicators", str(path), "-c", "ess"])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "harmonise the file first" not in out
    # indicators by their registry titles and categories in words, not keys (issue 12)
    for name in ("Interpersonal trust (ESS 0-10)", "Institutional trust (ESS 0-10)",
                 "Institutional trust index (ESS 0-10)", "Most people can be trusted: Mean",
                 "Political parties: % 6+7+8+9+10"):  # fmt: skip
        assert name in out
    assert "trust_interpersonal_ess" not in out.split("skipped (")[0]
    assert f"{100 * g['ppltrst_610']['estimate']:.2f}" in out  # 39.14 (% 6-10)
    assert f"{g['ppltrst_0100']['estimate']:.2f}" in out  # 48.69 (mean x 10)
    assert out.index("Indicators") < out.index("skipped (")
    # an indicator the harmonised file cannot feed: the message names the crosswalk
    res = runner.invoke(app, ["indicators", str(path), "-c", "ess", "--indicator", "incidence"])
    assert res.exit_code != 0
    assert "after harmonising" in res.output and "'ess'" in res.output
    assert "trust_interpersonal_11pt" in res.output
    assert "harmonise the file first" not in res.output


def test_cli_table_shows_suppressed_rows(wide_console):
    base = ["indicators", str(GOLDEN_DATA), "--weight", "weight", "--strata", "stratum"]
    base += ["--psu", "psu", "--by", "region", "--indicator", "prevalence_household"]
    res = runner.invoke(app, base)
    assert res.exit_code == 0, res.output
    lines = [
        ln
        for ln in res.output.splitlines()
        if ln.startswith("│ Household victimisation prevalence")
    ]
    # household indicators computed with the design's (person?) weight: one warning line
    assert "warning: household indicator(s) prevalence_household use the design's weight" in (
        " ".join(res.output.split())
    )
    assert len(lines) == 4 * 3  # 4 regions x (burglary, vehicle_theft, any)
    sup = [ln for ln in lines if "suppress" in ln]
    # the estimate cell and the flag both say so (the flag in words, not the code)
    assert sup and all(ln.count("suppressed") == 2 for ln in sup)
    res = runner.invoke(app, [*base, "--show-suppressed"])
    lines = [
        ln
        for ln in res.output.splitlines()
        if ln.startswith("│ Household victimisation prevalence")
    ]
    # household indicators computed with the design's (person?) weight: one warning line
    assert "warning: household indicator(s) prevalence_household use the design's weight" in (
        " ".join(res.output.split())
    )
    shown = [ln for ln in lines if "suppress" in ln]
    assert len(shown) == len(sup) and all(ln.count("suppressed") == 1 for ln in shown)


DEMO = Path(__file__).resolve().parents[2] / "survey" / "datasets" / "demo_survey.sav"
DEMO_CW = Path(__file__).resolve().parents[2] / "reports" / "demo_crosswalk.yaml"


def test_cli_crosswalk_keeps_the_files_design_and_domain_columns(tmp_path):
    """After --crosswalk, --strata stratum --by region sex name the file's own columns
    (harmonisation renamed stratum/region to roles and dropped sex); they are carried over
    by row position and give the same estimates as the API on the harmonised data."""
    out = tmp_path / "t.csv"
    args = ["indicators", str(DEMO), "-c", str(DEMO_CW), "--strata", "stratum"]
    args += ["--by", "region", "--by", "sex", "--indicator", "prevalence_person"]
    res = runner.invoke(app, [*args, "--show-suppressed", "--out", str(out)])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out)
    assert {"region", "sex"} <= set(t.columns)
    assert len(t.groupby(["region", "sex"])) == 8  # 4 regions x 2 sexes

    import survey
    from survey import indicators as ind
    from survey.instruments.harmonize import harmonize

    sd = survey.read(DEMO, user_missing="keep")
    h = harmonize(sd, str(DEMO_CW)).data
    h = h.assign(region=sd.data["region"].to_numpy(), sex=sd.data["sex"].to_numpy())
    d = survey.Design(h, weight="weight", strata="strata", psu="psu", lonely_psu="adjust")
    api = ind.prevalence(d, unit="person", by=["region", "sex"])
    key = ["region", "sex", "category"]
    got = t.sort_values(key).reset_index(drop=True)
    want = api.sort_values(key).reset_index(drop=True)
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-10)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-10)


def test_cli_reports_bad_options_and_skipped_indicators():
    base = ["indicators", str(GOLDEN_DATA), "--weight", "weight"]
    res = runner.invoke(app, [*base, "--quality", "bogus"])
    assert res.exit_code != 0 and "quality rule 'bogus'" in res.output
    res = runner.invoke(app, [*base, "--level", "95"])
    assert res.exit_code != 0 and "between 0 and 1" in res.output
    assert "found its items" not in res.output
    res = runner.invoke(app, [*base, "--indicator", "sdg_16_1_4,perceived_increase"])
    assert res.exit_code == 0, res.output
    assert "1 indicator(s) skipped (items not in the data: perceived_increase)" in res.output


def test_battery_validates_options_and_reraises_a_shared_error(design, standard_data):
    from survey import Design
    from survey import indicators as ind

    with pytest.raises(ind.IndicatorError, match="level=95"):
        ind.battery(design, level=95)
    with pytest.raises(ind.IndicatorError, match="quality rule"):
        ind.battery(design, quality="bogus")
    with pytest.raises(ind.IndicatorError, match="'nope'"):
        ind.battery(design, by="nope")
    # every computed indicator fails the same way: that error, not "no items found"
    d = Design(standard_data.assign(neg=-1.0), weight="weight", strata="stratum", psu="psu")
    names = ["prevalence_household", "prevalence_person"]
    with pytest.raises(ind.IndicatorError, match="'neg' has missing or negative values"):
        ind.battery(d, names=names, weights={"household": "neg", "person": "neg"})


def test_cli_80_columns_prints_one_readable_table_per_indicator(tmp_path, monkeypatch):
    """An 80-column terminal: each indicator under its title and scale, domains, numbers and
    flags whole on every row, the printed estimate and interval those of the csv."""
    from survey.cli._common import console

    monkeypatch.setattr(console, "width", 80)
    out = tmp_path / "t.csv"
    args = ["indicators", str(GOLDEN_DATA), "--weight", "weight", "--strata", "stratum"]
    args += ["--psu", "psu", "--by", "region", "--indicator", "prevalence_person"]
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert all(len(line) <= 80 for line in lines if not line.startswith("1 indicator"))
    assert any(line.startswith("Personal victimisation prevalence (%)") for line in lines)
    t = pd.read_csv(out)
    shown = t[t["reliability"] != "suppress"]
    assert len(shown)
    rows = [ln.split() for ln in lines]
    for _, r in shown.iterrows():
        ci = f"{r.ci_low:.2f} – {r.ci_high:.2f}"
        match = [ln for ln in lines if f"{r.estimate:.2f}  {ci}" in ln]
        assert len(match) == 1, (r.region, r.category, ci)
        assert match[0].split()[0] == str(r.region) and match[0].split()[-1] == r.reliability
    hidden = t[t["reliability"] == "suppress"]
    assert sum(row[-1:] == ["suppressed"] for row in rows) == len(hidden)


@pytest.mark.parametrize(
    ("lang", "skipped", "counts"),
    [
        ("en", "1 indicator(s) skipped (items not in the data: perceived_increase)",
         "{n} estimates (1 indicators), {s} suppressed (blanked); wrote"),
        ("es", "1 indicador(es) omitido(s) (ítems que no están en los datos: perceived_increase)",
         "{n} estimaciones (1 indicadores), {s} suprimidas (en blanco); escrito"),
        ("pt", "1 indicador(es) omitido(s) (itens que não estão nos dados: perceived_increase)",
         "{n} estimativas (1 indicadores), {s} suprimidas (em branco); gravado"),
    ],
)  # fmt: skip
def test_closing_lines_in_the_tables_language(tmp_path, lang, skipped, counts):
    """`--lang es|pt` translates the closing lines too (skipped indicators, the count of
    estimates and suppressed ones); the counts are the --out file's rows."""
    out = tmp_path / "t.csv"
    res = runner.invoke(
        app,
        ["indicators", str(GOLDEN_DATA), "--weight", "weight", "--by", "region", "--lang",
         lang, "--indicator", "sdg_16_1_4,perceived_increase", "--out", str(out)],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert skipped in text
    rows = pd.read_csv(out)
    n_sup = int((rows["reliability"] == "suppress").sum())
    assert counts.format(n=len(rows), s=n_sup) in text
    # the numbers with the language's decimal mark, as the file's (unrounded) values
    mark = "," if lang in ("es", "pt") else "."
    for est in rows["estimate"].dropna():
        assert f"{est:.2f}".replace(".", mark) in text.split()


def test_skipped_line_leaves_the_column_list_to_the_files():
    from survey.cli.indicators import skipped_line

    reason = "item 'x' is not in the data (did you mean 'y'?) (columns: a, b, c)"
    line = skipped_line({"k1": reason, "k2": "items not in the data"}, "en")
    assert line == (
        "2 indicator(s) skipped (item 'x' is not in the data (did you mean 'y'?): k1; "
        "items not in the data: k2)"
    )
