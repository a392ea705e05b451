"""DiD degrees of freedom against R's svyglm (tests/golden/compare_did_df.R ->
compare_did_df.json), and rows kept with a ``note`` when a domain/category is estimated on
one side only (did, compare_within, compare_frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.compare import (
    COMPARISON_COLUMNS,
    compare_frames,
    compare_within,
    did,
    did_regression,
    do_no_harm,
)
from tests.conftest import GOLDEN, REALDATA, load_golden

CASES = load_golden("compare_did_df")["cases"]
RTOL = 1e-8


def _design(name: str) -> Design:
    if name == "apiclus2":
        path = REALDATA / "rsurvey" / "apiclus2.csv"
        if not path.exists():
            pytest.skip(f"{path} is not present")
        # R: svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2, data = apiclus2)
        return Design(pd.read_csv(path), psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    return Design(pd.read_csv(GOLDEN / "compare_twowave.csv"), "w", "stratum", "psu")


def _twowave() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "compare_twowave.csv")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_did_model_df_equals_svyglm(case):
    d = _design(case["design"])
    by = list(case.get("by", {}))
    # apiclus2's comp.imp / sch.wide are No/Yes (R's treated = "Yes"); the others are 0/1
    levels = {"treated": "Yes", "pre": "No", "post": "Yes"} if case["group"] == "comp.imp" else {}
    res = did(d, case["variable"], case["group"], case["wave"], by=by or None, df="model", **levels)
    if by:
        res = res[res["sex"] == case["by"]["sex"]]
    row = res.iloc[0]
    assert row["df"] == case["df_residual"]
    np.testing.assert_allclose(
        row[["estimate", "se", "t", "p_value", "ci_low", "ci_high"]].to_numpy(dtype=float),
        [case["estimate"], case["se"], case["t"], case["p_value"], *case["ci"]],
        rtol=RTOL,
    )
    if not by:  # did_regression gives the same p-value (R's svyglm)
        tab, _ = did_regression(d, case["variable"], case["group"], case["wave"], **levels)
        reg = tab.set_index("term").loc["treated:post"]
        assert reg["df"] == row["df"]
        np.testing.assert_allclose(reg["p_value"], row["p_value"], rtol=1e-10)


def test_did_default_df_is_the_design_df():
    case = next(c for c in CASES if c["id"] == "did_df_apiclus2_enroll")
    d = _design("apiclus2")
    row = did(d, "enroll", "comp.imp", "sch.wide", treated="Yes", pre="No", post="Yes").iloc[0]
    # svycontrast of svyby means: the same DiD and SE; df the design's 39 (p = 0.3394),
    # where svyglm's residual df is 37 (complete rows) + 1 - 4 = 34 (p = 0.3403)
    np.testing.assert_allclose(
        [row["estimate"], row["se"]], [case["contrast"], case["contrast_se"]]
    )
    assert row["df"] == case["degf_design"] == 39 and d.degf == 39
    assert case["degf_complete"] + 1 - 4 == case["df_residual"] == 34
    assert round(row["p_value"], 4) == 0.3394 and round(case["p_value"], 4) == 0.3403


def test_did_keeps_domains_missing_a_cell():
    tw = _twowave()
    drop = (tw["sex"] == "m") & (tw["treat"] == 1) & (tw["post"] == 1)
    d = Design(tw[~drop].reset_index(drop=True), "w", "stratum", "psu")
    res = did(d, "trust", "treat", "post", by="sex").set_index("sex")
    assert tuple(res.columns) == COMPARISON_COLUMNS
    assert pd.isna(res.loc["f", "note"]) and np.isfinite(res.loc["f", "estimate"])
    m = res.loc["m"]
    assert m["note"] == "not estimated in: treated post"
    assert np.isnan(m["estimate"]) and np.isnan(m["se"]) and np.isnan(m["p_value"])
    assert np.isnan(m["estimate_2"]) and pd.isna(m["significant"])
    # the control group's change is still reported: the same engine contrast as
    # compare_within on the same design (men, control group)
    cw = compare_within(d, "trust", "post", by=["sex", "treat"]).set_index(["sex", "treat"])
    np.testing.assert_allclose(
        [m["estimate_1"], m["se_1"]],
        [cw.loc[("m", 0), "estimate"], cw.loc[("m", 0), "se"]],
        rtol=1e-12,
    )
    # and the complete domain is unchanged by the incomplete one
    alone = did(Design(tw[~drop & (tw["sex"] == "f")].reset_index(drop=True), "w", "stratum",
                       "psu"), "trust", "treat", "post").iloc[0]  # fmt: skip
    np.testing.assert_allclose(res.loc["f", "estimate"], alone["estimate"], rtol=1e-12)


def test_compare_within_keeps_domains_of_one_wave():
    tw = _twowave()
    drop = (tw["agegrp"] == "a60p") & (tw["wave"] == 2)
    d = Design(tw[~drop].reset_index(drop=True), "w", "stratum", "psu")
    res = compare_within(d, "trust", "wave", by="agegrp").set_index("agegrp")
    assert list(res.index) == ["a18_34", "a35_59", "a60p"]
    old = res.loc["a60p"]
    assert old["note"] == "not estimated in follow-up"
    mean = d.mean("trust", by=["agegrp", "wave"]).set_index(["agegrp", "wave"])
    np.testing.assert_allclose(
        [old["estimate_1"], old["se_1"]], mean.loc[("a60p", 1), ["estimate", "se"]].to_numpy()
    )
    assert np.isnan(old[["estimate_2", "estimate", "se", "t", "p_value"]].astype(float)).all()
    assert res.loc[["a18_34", "a35_59"], "note"].isna().all()


def _frames():
    f1 = pd.DataFrame(
        {
            "variable": ["v", "v", "v"],
            "category": ["a", "b", "c"],
            "estimate": [0.5, 0.3, 0.2],
            "se": [0.05, 0.04, 0.03],
            "df": [30.0, 30.0, 30.0],
        }
    )
    f2 = pd.DataFrame(
        {
            "variable": ["v", "v", "v"],
            "category": ["a", "b", "d"],
            "estimate": [0.6, 0.3, 0.1],
            "se": [0.05, 0.03, 0.02],
            "df": [20.0, 20.0, 20.0],
        }
    )
    return f1, f2


def test_compare_frames_keeps_rows_of_one_frame():
    f1, f2 = _frames()
    res = compare_frames(f1, f2)
    assert list(res["category"]) == ["a", "b", "c", "d"]  # frame1's order, then frame2-only
    assert list(res["note"].fillna("")) == [
        "",
        "",
        "not estimated in follow-up",
        "not estimated in baseline",
    ]
    np.testing.assert_allclose(res["estimate"].iloc[:2], [0.1, 0.0], atol=1e-15)
    np.testing.assert_allclose(res["se"].iloc[:2], [np.hypot(0.05, 0.05), 0.05])
    assert list(res["df"].iloc[:2]) == [50.0, 50.0]
    assert res["estimate_1"].iloc[2] == 0.2 and np.isnan(res["estimate_2"].iloc[2])
    assert res["estimate_2"].iloc[3] == 0.1 and np.isnan(res["estimate_1"].iloc[3])
    assert res[["estimate", "se", "df", "p_value"]].iloc[2:].isna().all().all()
    with pytest.raises(ValueError, match="share no"):
        compare_frames(f1.iloc[2:], f2.iloc[2:])


def test_worsened_uses_the_unadjusted_p_value_by_default():
    # two indicators each with p = 0.03 (normal test); Bonferroni makes them 0.06
    z = 2.1700903775845606  # 2 * norm.sf(z) = 0.03
    f1 = pd.DataFrame(
        {"variable": ["x", "y"], "category": [pd.NA] * 2, "estimate": 0.0, "se": 1.0, "df": np.inf}
    )
    f2 = f1.assign(estimate=[z, z], se=[0.0, 0.0])
    res = compare_frames(f1, f2, df="inf", adjust="bonferroni", worse="higher")
    np.testing.assert_allclose(res["p_value"], [0.03, 0.03], rtol=1e-12)
    np.testing.assert_allclose(res["p_adjusted"], [0.06, 0.06], rtol=1e-12)
    assert not res["significant"].any()  # significance: adjusted
    assert res["worsened"].all()  # the safety screen: unadjusted
    assert len(do_no_harm(res)) == 2 and res.attrs["worsened_p"] == "unadjusted"
    adj = compare_frames(
        f1, f2, df="inf", adjust="bonferroni", worse="higher", worsened_p="adjusted"
    )
    assert not adj["worsened"].any() and len(do_no_harm(adj)) == 0
    assert adj.attrs["worsened_p"] == "adjusted"
    assert tuple(adj.columns) == tuple(res.columns) == COMPARISON_COLUMNS
    # without an adjustment both options are the same test
    plain = compare_frames(f1, f2, df="inf", worse="higher", worsened_p="adjusted")
    assert plain["worsened"].all()
    with pytest.raises(ValueError, match="worsened_p"):
        compare_frames(f1, f2, worse="higher", worsened_p="raw")
