"""The files of ``survey compare`` (csv, the xlsx's tidy sheets) apply the terminal's
publication rule, as ``survey estimate --out`` does: a row whose input estimate is
suppressed has its numbers blanked, its flags kept and a ``reliability_reason`` naming the
wave and the criterion; ``--show-suppressed`` keeps every number. The other rows are the
API's numbers (the API frames are never blanked). Domain codes are integers, with
``<by>_label`` columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey import Design
from survey.cli import _common, app
from survey.compare import combine_waves, compare_independent, compare_within
from survey.datasets import demo_path

runner = CliRunner()
DESIGN = {"weight": "weight", "strata": "stratum", "psu": "psu"}
ARGS = [
    "--wave", "wave", "--before", "1", "--after", "2", "--indicators", "robbed=robbery:1",
    "--weight", "weight", "--strata", "stratum", "--psu", "psu", "--by", "region",
]  # fmt: skip
#: The numbers a suppressed input blanks (n, df and the flags stay).
BLANKED = [
    "estimate_1", "se_1", "estimate_2", "se_2", "estimate", "se", "ci_low", "ci_high", "t",
    "p_value", "effect_size", "significant",
]  # fmt: skip
NUMBERS = ["estimate_1", "se_1", "estimate_2", "se_2", "n_1", "n_2", "estimate", "se",
           "ci_low", "ci_high", "df", "t", "p_value", "effect_size"]  # fmt: skip
LABELS = {1: "Norte", 2: "Centro", 3: "Sur", 4: "Costa"}
#: Why the demo's Centro and Sur changes are suppressed (as `survey estimate` says: fewer
#: than 50 robbery victims in Centro's baseline and in both of Sur's waves).
REASONS = {
    2: "baseline suppressed (cases < 50)",
    3: "baseline and follow-up suppressed (cases < 50)",
}


def _waves(data: pd.DataFrame | None = None):
    d = survey.read(demo_path()).data if data is None else data
    d = d.assign(robbed=(d["robbery"] == 1).astype(float).where(d["robbery"].notna()))
    return [d[d["wave"] == w].drop(columns="wave").reset_index(drop=True) for w in (1, 2)]


def _api_independent(data=None) -> pd.DataFrame:
    """What the CLI computes, through the API with the same arguments."""
    b, a = _waves(data)
    return compare_independent(
        Design(b, **DESIGN), Design(a, **DESIGN), ["robbed"], by=["region"],
        wave_df="domain", quality="cepal2020",
    )  # fmt: skip


def _run(args, path):
    res = runner.invoke(app, ["compare", *args, "--out", str(path)])
    assert res.exit_code == 0, res.output
    return res


def _check_against_api(got: pd.DataFrame, api: pd.DataFrame, show_suppressed: bool):
    assert list(got["region"]) == [1, 2, 3, 4]
    assert pd.api.types.is_integer_dtype(got["region"])  # not 1.0
    assert list(got["region_label"]) == [LABELS[k] for k in (1, 2, 3, 4)]
    assert list(got.columns[:2]) == ["region", "region_label"]
    sup = api["suppressed_input"].astype(bool).to_numpy()
    assert list(sup) == [False, True, True, False]
    assert list(got["suppressed_input"].astype(bool)) == list(sup)  # the flags stay
    assert list(got["unreliable"].astype(bool)) == list(api["unreliable"].astype(bool))
    # the API keeps Sur's numbers (the significant drop the user saw in the csv)
    assert api.loc[2, "estimate"] == pytest.approx(-0.0436754, abs=1e-7)
    assert api.loc[2, "p_value"] == pytest.approx(0.0090373, abs=1e-7)
    shown = np.ones(4, bool) if show_suppressed else ~sup
    for c in NUMBERS:
        np.testing.assert_allclose(
            got.loc[shown, c].to_numpy(float), api.loc[shown, c].to_numpy(float), rtol=1e-12
        )
    assert list(got.loc[shown, "significant"].astype(bool)) == list(
        api.loc[shown, "significant"].astype(bool)
    )
    if not show_suppressed:
        for c in BLANKED:
            assert got.loc[sup, c].isna().all(), c
        np.testing.assert_array_equal(got.loc[sup, "n_1"], api.loc[sup, "n_1"])
    reasons = got.set_index("region")["reliability_reason"]
    for code in (1, 4):
        assert pd.isna(reasons[code])
    for code, text in REASONS.items():
        assert reasons[code] == text


@pytest.mark.parametrize("show_suppressed", [False, True])
def test_csv_is_the_api_with_suppressed_rows_blanked(tmp_path, show_suppressed):
    out = tmp_path / "change.csv"
    _run([str(demo_path()), *ARGS, *(["--show-suppressed"] if show_suppressed else [])], out)
    _check_against_api(pd.read_csv(out), _api_independent(), show_suppressed)


def test_xlsx_tidy_sheet_is_the_csv(tmp_path):
    _run([str(demo_path()), *ARGS], tmp_path / "change.csv")
    _run([str(demo_path()), *ARGS], tmp_path / "change.xlsx")
    csv = pd.read_csv(tmp_path / "change.csv")
    sheet = pd.read_excel(tmp_path / "change.xlsx", sheet_name="comparison")
    _check_against_api(sheet, _api_independent(), show_suppressed=False)
    for c in csv.columns:  # read back, a blanked bool column becomes numbers: compare as text
        if c in ("significant", "worsened"):
            continue
        pd.testing.assert_series_equal(sheet[c], csv[c], check_dtype=False, obj=c)


def test_panel_csv_is_compare_within(tmp_path):
    """--panel-id: the waves in one design, the API's compare_within."""
    out = tmp_path / "panel.csv"
    _run([str(demo_path()), *ARGS, "--panel-id", "hh_id"], out)
    b, a = _waves()
    stacked = combine_waves(
        {"baseline": b, "followup": a}, psu="psu", weight="weight", strata="stratum", panel=True
    )
    api = compare_within(
        stacked, ["robbed"], "wave", by=["region"], baseline="baseline", followup="followup",
        df="domain", quality="cepal2020",
    )  # fmt: skip
    assert api.loc[2, "p_value"] != pytest.approx(0.0090373, abs=1e-6)  # not the other design
    got = pd.read_csv(out)
    sup = api["suppressed_input"].astype(bool).to_numpy()
    for c in NUMBERS:
        np.testing.assert_allclose(
            got.loc[~sup, c].to_numpy(float), api.loc[~sup, c].to_numpy(float), rtol=1e-12
        )
        if c in BLANKED:
            assert got.loc[sup, c].isna().all(), c
    assert dict(zip(got["region"], got["reliability_reason"].fillna(""), strict=True)) == {
        1: "",
        **REASONS,
        4: "",
    }


def test_a_domain_in_one_wave_says_so(tmp_path):
    data = survey.read(demo_path()).data
    data = data[~((data["wave"] == 1) & (data["region"] == 4))]
    path = tmp_path / "onewave.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "change.csv"
    res = _run([str(path), *ARGS], out)
    got = pd.read_csv(out).set_index("region")
    assert got.loc[4, "reliability_reason"] == "no baseline estimate"
    assert got.loc[4, "note"] == "not estimated in baseline"
    assert pd.isna(got.loc[4, "estimate_1"]) and pd.isna(got.loc[4, "estimate"])
    api = _api_independent(data).set_index("region")
    assert got.loc[4, "estimate_2"] == pytest.approx(api.loc[4.0, "estimate_2"], rel=1e-12)
    assert "no baseline estimate" in res.output
    assert "region_label" not in got.columns  # a csv file carries no value labels


@pytest.mark.parametrize("width", [80, 130])
def test_terminal_says_each_reason_once(tmp_path, monkeypatch, width):
    monkeypatch.setattr(_common.console, "width", width)
    res = _run([str(demo_path()), *ARGS], tmp_path / "change.csv")
    text = " ".join(res.output.split())
    if width < 110:  # the table leaves the reasons to the files: they are listed under it
        assert "flag reasons:" in text
        for code, why in REASONS.items():
            assert f"{LABELS[code]}: {why}" in text
            assert text.count(why) == 1
    else:  # the reason beside the flag, in the table
        assert "flag reasons:" not in text
        # the reason alone when it says the flag already (not "suppressed: ... suppressed")
        assert "baseline suppressed (cases < 50)" in text
        assert "suppressed: baseline suppressed" not in text


def test_xlsx_reasons_in_the_table_language(tmp_path):
    out = tmp_path / "change.xlsx"
    _run([str(demo_path()), *ARGS, "--lang", "es"], out)
    from openpyxl import load_workbook

    ws = load_workbook(out)["table_comparison"]
    header = [c.value for c in ws[3]]
    reason = {ws.cell(row=i, column=1).value: ws.cell(row=i, column=len(header)).value
              for i in range(4, 8)}  # fmt: skip
    assert reason == {
        "Norte": None,
        "Centro": "línea de base: suprimida (casos < 50)",
        "Sur": "línea de base y seguimiento: suprimida (casos < 50)",
        "Costa": None,
    }
    tidy = pd.read_excel(out, sheet_name="comparison").set_index("region")
    assert tidy.loc[3, "reliability_reason"] == REASONS[3]  # the tidy sheet: English, as csv


def test_did_sheet_names_the_cells(tmp_path):
    out = tmp_path / "did.xlsx"
    _run([str(demo_path()), *ARGS, "--group", "urban", "--treated", "1"], out)
    did = pd.read_excel(out, sheet_name="did").set_index("region")
    assert did["suppressed_input"].all()  # every region has a small cell
    assert did[["estimate", "se", "p_value", "estimate_1"]].isna().all().all()
    assert did.loc[1, "reliability_reason"] == (
        "comparison group at baseline, comparison group at follow-up, treated group at "
        "baseline and treated group at follow-up suppressed (cases < 50)"
    )
    comp = pd.read_excel(out, sheet_name="comparison")
    assert list(comp.columns[:4]) == ["region", "region_label", "urban", "urban_label"]
    assert set(comp["urban_label"]) == {"Urban", "Rural"}


def test_api_frames_say_which_input_is_flagged():
    """attrs["inputs"]: each input's flag and reason per row (plain lists: the frames of two
    comparisons still concat, as the report pipeline does), the numbers untouched."""
    api = _api_independent()
    inputs = api.attrs["inputs"]
    assert inputs["baseline"]["reliability"] == ["reliable", "suppress", "suppress", "reliable"]
    assert inputs["follow-up"]["reliability_reason"] == [None, None, "cases < 50", None]
    assert api["estimate"].notna().all()
    both = pd.concat([api, _api_independent()], ignore_index=True)
    assert len(both) == 8 and both["estimate"].notna().all()


def test_do_no_harm_lists_a_suppressed_worsening_without_its_numbers(tmp_path, monkeypatch):
    """Robbery fell in Sur (p = 0.009, both waves suppressed): with a decrease declared
    harmful the screen still lists it (a missed harm is not seen at all), blanked as the
    comparison sheet, with its reason; --show-suppressed shows its numbers."""
    monkeypatch.setattr(_common.console, "width", 200)
    out = tmp_path / "c.xlsx"
    res = _run([str(demo_path()), *ARGS, "--worse-lower", "robbed"], out)
    harm = pd.read_excel(out, sheet_name="do_no_harm")
    assert list(harm["region"]) == [3] and bool(harm.loc[0, "worsened"])
    assert harm[["estimate", "se", "p_value", "estimate_1"]].isna().all().all()
    assert harm.loc[0, "reliability_reason"] == REASONS[3]
    text = " ".join(res.output.split())
    assert "1 worsening(s) significant at the unadjusted p-value" in text
    assert "1 of them with a suppressed input estimate: listed without their numbers" in text
    res = _run([str(demo_path()), *ARGS, "--worse-lower", "robbed", "--show-suppressed",
                "--overwrite"], out)  # fmt: skip
    harm = pd.read_excel(out, sheet_name="do_no_harm")
    api = _api_independent()
    assert harm.loc[0, "p_value"] == pytest.approx(api.loc[2, "p_value"], rel=1e-12)
    assert "listed without their numbers" not in res.output
