"""Which groups and waves a DiD compares: codes or labels, never a silent guess (issue 10).

The README recipe once returned +0.0387 for the demo's robbery DiD: with ``treated=1`` the
comparison group defaulted to the first sorted value, 1 again, so the treated group was
compared with itself. The truth here is the four-cell difference of the design's own domain
means, ``(T_post - T_pre) - (C_post - C_pre)``, computed independently with ``Design.mean``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import survey
from survey import compare
from survey.cli import app
from survey.compare._levels import resolve_pair

ROOT = Path(__file__).resolve().parents[2]


def four_cell(design, variable, group="area", wave="wave", t=1, c=2, pre=1, post=2) -> float:
    m = design.mean([variable], by=[group, wave]).set_index([group, wave])["estimate"]
    return (m[(t, post)] - m[(t, pre)]) - (m[(c, post)] - m[(c, pre)])


@pytest.fixture(scope="module")
def labelled():
    """The demo .sav as read (area 1 Treatment / 2 Comparison, wave 1 Baseline / 2
    Follow-up, value labels kept), with a 0/1 robbery indicator."""
    ds = survey.read(survey.datasets.demo_path())
    ds.data["robbed"] = (ds.data["robbery"] == 1).astype(float).where(ds.data["robbery"].notna())
    return survey.Design(ds, weight="weight", strata="stratum", psu="psu")


def test_readme_recipe_did_is_the_four_cell_difference(monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text[text.index("## Recipes") :], re.S).group(1)
    monkeypatch.chdir(ROOT)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)  # noqa: S102 - our own documentation
    effect, des = ns["effect"].iloc[0], ns["des"]
    truth = four_cell(des, "vic_person_robbery_12m", pre="Baseline", post="Follow-up")
    assert truth == pytest.approx(-0.0638, abs=5e-5)  # 0.1208 -> 0.0821 vs 0.0842 -> 0.1093
    assert effect["estimate"] == pytest.approx(truth, abs=1e-12)
    assert effect["estimate_2"] < 0 < effect["estimate_1"]  # treated fell, comparison rose
    # and the interval covers the demo population's true programme effect on robbery
    true_did = survey.datasets.demo_truth()["did"]["prev_robbery"]  # -0.0507
    assert effect["ci_low"] <= true_did <= effect["ci_high"]


def test_codes_and_labels_give_the_same_did(labelled):
    truth = four_cell(labelled, "robbed")
    by_code = compare.did(labelled, "robbed", "area", "wave", treated=1, pre=1, post=2)
    by_label = compare.did(
        labelled, "robbed", "area", "wave", treated="Treatment", pre="Baseline", post="Follow-up"
    )
    by_text = compare.did(labelled, "robbed", "area", "wave", treated="1", control="2")
    for res in (by_code, by_label, by_text):
        assert res["estimate"].iloc[0] == pytest.approx(truth, abs=1e-12)
        assert res["se"].iloc[0] == pytest.approx(by_code["se"].iloc[0], rel=1e-12)
    assert by_label.attrs["labels"]["treated"] == "1 (Treatment)"
    assert by_label.attrs["control"] == 2
    reg, _ = compare.did_regression(labelled, "robbed", "area", "wave", treated="Treatment")
    assert reg.set_index("term").loc["treated:post", "estimate"] == pytest.approx(truth, abs=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give treated= (and control=); only a 0/1 group column has a default"),
        ({"treated": 1, "control": "Treatment"}, "the comparison would be with itself"),
        ({"treated": "Treatmnt"}, "neither a value nor a value label of column 'area'"),
        ({"treated": 1, "pre": 2, "post": "Follow-up"}, "pre and post are the same value"),
    ],
)
def test_ambiguous_or_self_comparisons_are_errors_listing_values_and_labels(
    labelled, kwargs, message
):
    with pytest.raises(ValueError) as err:
        compare.did(labelled, "robbed", "area", "wave", **kwargs)
    assert message in str(err.value)
    if not kwargs:
        assert "1 (Treatment), 2 (Comparison)" in str(err.value)


def test_more_than_two_values_are_never_defaulted():
    data = pd.DataFrame({"region": [1, 2, 3, 1], "y": [1, 0, 1, 0]})
    with pytest.raises(ValueError, match=r"has 3 values \(1 \(Norte\), 2, 3\): give control="):
        resolve_pair(data, "region", None, 1, kind="group", labels={1: "Norte"})
    assert resolve_pair(data, "region", 3, 1, kind="group") == (3, 1)
    two = pd.DataFrame({"treat": [0, 1, 1], "wave": ["2023", "2019", "2023"]})
    assert resolve_pair(two, "treat", kind="group") == (0, 1)  # 0/1: 1 is treated
    assert resolve_pair(two, "wave", kind="wave") == ("2019", "2023")  # numeric text: earlier
    text = pd.DataFrame({"wave": ["Pre", "Post"]})  # sorted as text, "Post" would come first
    with pytest.raises(ValueError, match="give pre= and post="):
        resolve_pair(text, "wave", kind="wave")


def _cli_did(tmp_path, name, *extra):
    out = tmp_path / f"{name}.xlsx"
    args = [
        "compare", str(survey.datasets.demo_path()), "--wave", "wave",
        "--indicators", "robbed=robbery:1", "--weight", "weight", "--strata", "stratum",
        "--psu", "psu", "--group", "area", "--out", str(out), *extra,
    ]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    return pd.read_excel(out, sheet_name="did").iloc[0], res.output


def test_cli_treated_by_code_or_label_gives_the_api_answer(labelled, tmp_path):
    truth = four_cell(labelled, "robbed")
    by_label, _ = _cli_did(
        tmp_path, "label", "--treated", "Treatment", "--before", "Baseline", "--after", "Follow-up"
    )
    by_code, printed = _cli_did(tmp_path, "code", "--treated", "1", "--before", "1", "--after", "2")
    for row in (by_label, by_code):
        assert row["estimate"] == pytest.approx(truth, abs=1e-12)
    assert by_label["se"] == pytest.approx(by_code["se"], rel=1e-12)
    assert "Baseline" in printed and "Follow-up" in printed  # waves shown by their labels
    res = CliRunner().invoke(
        app,
        ["compare", str(survey.datasets.demo_path()), "--wave", "wave", "--indicators",
         "robbed=robbery:1", "--weight", "weight", "--group", "area",
         "--out", str(tmp_path / "none.xlsx")],
    )  # fmt: skip
    assert res.exit_code == 2
    assert "1 (Treatment), 2 (Comparison)" in " ".join(res.output.split())


def test_did_chart_prints_the_frame_value_and_the_rows_used(labelled):
    import survey.plots as sp

    cells = labelled.mean(["robbed"], by=["area", "wave"])
    res = compare.did(labelled, "robbed", "area", "wave", treated="Treatment")
    labels = {1: "Treatment", 2: "Comparison"}
    ax = sp.did_chart(
        cells, group="area", wave="wave", treated=1, did=res, percent=True, labels=labels,
        lang="es",
    )  # fmt: skip
    text = next(t.get_text() for t in ax.texts if t.get_gid() == "did-label")
    value = float(re.search(r": (-?\d+\.\d)", text).group(1))
    assert value == pytest.approx(100 * res["estimate"].iloc[0], abs=0.05)
    assert value < 0
    source = ax.figure.texts[0].get_text().replace("\n", " ")
    assert f"n = {int(cells['n'].sum()):,}".replace(",", ".") in source  # 4.608 in Spanish
    assert int(cells["n"].sum()) == len(labelled.data)
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["Treatment", "Comparison"]


def _waves_design(frame: pd.DataFrame) -> survey.Design:
    return survey.Design(frame, weight="w", strata="st", psu="psu")


def test_a_wave_without_answers_gives_a_note_not_nan_elsewhere():
    """Waves 1-3, the item unanswered in wave 1: the 2 vs 3 change is the difference of the
    two wave means (it was NaN through 0 * NaN in the contrast), and 1 vs 3 is reported as
    not estimable, SE included, with a note."""
    rng = np.random.default_rng(7)
    n = 600
    frame = pd.DataFrame(
        {
            "wave": np.repeat([1, 2, 3], n // 3),
            "st": np.tile(np.repeat([1, 2], n // 6), 3),
            "w": rng.uniform(1, 3, n),
            "y": rng.binomial(1, 0.3, n).astype(float),
        }
    )
    frame["st"] = frame["wave"] * 10 + frame["st"]  # independent waves: own strata and PSUs
    frame["psu"] = frame["st"] * 100 + rng.integers(0, 8, n)
    frame.loc[frame["wave"] == 1, "y"] = np.nan
    des = _waves_design(frame)
    means = des.mean("y", by="wave").set_index("wave")["estimate"]
    ok = compare.compare_within(des, "y", "wave", baseline=2, followup=3).iloc[0]
    assert ok["estimate"] == pytest.approx(means[3] - means[2], abs=1e-14)
    assert np.isfinite(ok["se"]) and np.isfinite(ok["p_value"]) and pd.isna(ok["note"])
    empty = compare.compare_within(des, "y", "wave", baseline=1, followup=3).iloc[0]
    assert np.isnan([empty["estimate"], empty["se"], empty["p_value"]]).all()
    assert empty["note"] == "no answers to the item in the baseline wave"


@pytest.mark.realdata
def test_lapop_brazil_waves_without_aoj11(realdata):
    """LAPOP Brazil 2007-2023: aoj11 was not asked in the 2006 wave. 2008 vs 2023 equals the
    difference of the two wave means; 2006 vs 2023 is a note, not NaN with an SE."""
    d = pd.read_csv(realdata / "lapop" / "cm23_Brazil_2007_2023.csv.gz")
    unsafe = d["aoj11"].isin(["Algo inseguro(a)", "Muy inseguro(a)"])
    d["unsafe"] = unsafe.astype(float).where(d["aoj11"].notna())
    d["st"] = d["wave"].astype(str) + "-" + d["strata"].astype(str)  # waves are samples apart
    d["ps"] = d["st"] + "-" + d["upm"].astype(str)
    des = survey.Design(d, weight="wt", strata="st", psu="ps", lonely_psu="adjust")
    means = des.mean("unsafe", by="wave").set_index("wave")["estimate"]
    ok = compare.compare_within(des, "unsafe", "wave", baseline="2008", followup="2023").iloc[0]
    assert ok["estimate"] == pytest.approx(means["2023"] - means["2008"], abs=1e-14)
    assert 0 < ok["se"] < 0.05
    none = compare.compare_within(des, "unsafe", "wave", baseline="2006", followup="2023")
    assert none["note"].iloc[0] == "no answers to the item in the baseline wave"
    assert np.isnan(none["se"].iloc[0])


def test_did_frame_names_which_group_each_side_is(labelled):
    """estimate_1 / estimate_2 of a DiD are the comparison and treated groups' changes; the
    frame (and so its csv) says so in label_1 / label_2, as compare_within names its waves."""
    res = compare.did(labelled, "robbed", "area", "wave", treated=1, pre=1, post=2)
    assert list(res["label_1"]) == ["comparison group: area=2 (Comparison)"]
    assert list(res["label_2"]) == ["treated group: area=1 (Treatment)"]
    m = labelled.mean(["robbed"], by=["area", "wave"]).set_index(["area", "wave"])["estimate"]
    assert res["estimate_1"].iloc[0] == pytest.approx(m[(2, 2)] - m[(2, 1)], abs=1e-12)
    assert res["estimate_2"].iloc[0] == pytest.approx(m[(1, 2)] - m[(1, 1)], abs=1e-12)
    within = compare.compare_within(labelled, "robbed", "wave", baseline=1, followup=2)
    assert list(within["label_1"]) == ["baseline: wave=1 (Baseline)"]
    assert list(within["label_2"]) == ["follow-up: wave=2 (Follow-up)"]


def test_frames_without_named_sides_leave_label_columns_missing(labelled):
    """compare_independent compares two designs, which have no names for their sides: the
    label columns are there (schema columns, right after measure) and <NA>."""
    d = labelled.data
    one, two = (survey.Design(d[d["wave"] == w], weight="weight", strata="stratum", psu="psu")
                for w in (1, 2))  # fmt: skip
    res = compare.compare_independent(one, two, "robbed")
    cols = list(compare.COMPARISON_COLUMNS)
    assert cols[cols.index("measure") + 1 : cols.index("measure") + 3] == ["label_1", "label_2"]
    assert list(res.columns) == cols
    assert str(res["label_1"].dtype) == "string" and res[["label_1", "label_2"]].isna().all().all()


def test_cli_files_name_the_sides_as_the_user_gave_them(tmp_path):
    """survey compare's csv and xlsx sheets say which side each estimate is: --wave and its
    values (the comparison ran on the stand-in names baseline / followup), or the two files;
    the DiD's groups with the file's value labels (the stacked design holds none)."""
    did_row, _ = _cli_did(tmp_path, "sides", "--treated", "Treatment")
    assert did_row["label_1"] == "comparison group: area=2 (Comparison)"
    assert did_row["label_2"] == "treated group: area=1 (Treatment)"
    change = pd.read_excel(tmp_path / "sides.xlsx", sheet_name="comparison")
    assert set(change["label_1"]) == {"baseline: wave=1 (Baseline)"}
    assert set(change["label_2"]) == {"follow-up: wave=2 (Follow-up)"}
    assert len(change) == 2  # one row per area
    # two files: named by the paths given
    d = survey.read(survey.datasets.demo_path()).data
    paths = [tmp_path / f"wave{w}.csv" for w in (1, 2)]
    for w, p in zip((1, 2), paths, strict=True):
        d[d["wave"] == w].drop(columns="wave").to_csv(p, index=False)
    out = tmp_path / "files.csv"
    args = ["compare", str(paths[0]), str(paths[1]), "--indicators", "robbed=robbery:1",
            "--weight", "weight", "--strata", "stratum", "--psu", "psu", "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    csv = pd.read_csv(out)
    assert csv["label_1"].tolist() == [f"baseline: {paths[0]}"]
    assert csv["label_2"].tolist() == [f"follow-up: {paths[1]}"]


def test_report_csv_names_the_sides_in_its_language(labelled):
    """comparisons.csv of a Spanish or Portuguese report: the words before the values in its
    language, not the API's English; the values and their labels as the data hold them."""
    from survey.report._present import csv_frames

    within = compare.compare_within(labelled, "robbed", "wave", baseline=1, followup=2)
    dd = compare.did(labelled, "robbed", "area", "wave", treated=1, pre=1, post=2)
    comp = pd.concat([within, dd], ignore_index=True)
    spec = {"quality": {"show_suppressed": True}}
    _, en = csv_frames({**spec, "language": "en"}, pd.DataFrame(), comp)
    assert en["label_1"].tolist() == comp["label_1"].tolist()
    _, es = csv_frames({**spec, "language": "es"}, pd.DataFrame(), comp)
    assert es["label_1"].tolist() == [
        "línea de base: wave=1 (Baseline)",
        "grupo de comparación: area=2 (Comparison)",
    ]
    assert es["label_2"].tolist() == [
        "seguimiento: wave=2 (Follow-up)",
        "grupo tratado: area=1 (Treatment)",
    ]
    _, pt = csv_frames({**spec, "language": "pt"}, pd.DataFrame(), comp)
    assert pt["label_1"].tolist()[0] == "linha de base: wave=1 (Baseline)"
    assert pt["label_2"].tolist()[0] == "acompanhamento: wave=2 (Follow-up)"
    # the numbers are the frame's
    assert es["estimate"].tolist() == comp["estimate"].tolist()
