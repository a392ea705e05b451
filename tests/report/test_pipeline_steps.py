"""The report pipeline's steps call the package: harmonise (crosswalk), indicators (registry),
compare (survey.compare). Each printed number is checked against the function that owns it,
called here directly; the spec-level checks run on the small internal steps (no figures)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey.report import pipeline as P


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from survey.report.demo import run_demo

    return run_demo(tmp_path_factory.mktemp("demo_steps"), progress=False)


@pytest.fixture(scope="module")
def prepared():
    """The demo spec read, harmonised, derived, designed and raked (no estimates)."""
    spec = P.load_spec("demo.yaml")
    sd = P._read(spec)
    frame, what, mapping = P._harmonise(spec, sd)
    frame = P._derive(frame, spec["indicators"])
    designs, _ = P._weight(spec, P._designs(spec, frame))
    return spec, sd, frame, mapping, designs


# ---------------------------------------------------------------------- harmonise


def test_demo_is_harmonised_with_its_crosswalk(prepared):
    spec, sd, frame, mapping, _ = prepared
    raw = sd.data
    # yes/no screeners: demo 1 = yes, 2 = no -> standard 1 / 0; source columns replaced
    assert "burglary" not in frame.columns and "vic_hh_burglary_12m" in frame.columns
    exp = raw["burglary"].map({1.0: 1.0, 2.0: 0.0}).to_numpy()
    np.testing.assert_array_equal(frame["vic_hh_burglary_12m"].to_numpy(), exp)
    # 4-point trust keeps its codes; user-missing 8/9 were read as missing and stay missing
    np.testing.assert_array_equal(
        frame["trust_inst_police"].to_numpy(), raw["trust_police"].to_numpy()
    )
    assert frame["trust_inst_police"].isna().sum() == raw["trust_police"].isna().sum() == 179
    # the 12 claimed items all mapped, no unknown code; unclaimed columns kept as they are
    assert len(mapping) == 12 and int(mapping["n_unknown"].sum()) == 0
    assert set(mapping["source"]) >= {"fear_dark", "interpersonal_trust", "vehicle_theft"}
    pd.testing.assert_series_equal(frame["robbery_reported"], raw["robbery_reported"])


def test_methods_annex_says_how_the_data_were_harmonised(demo):
    html = demo.report.read_text(encoding="utf-8")
    assert "harmonised with the crosswalk demo_crosswalk.yaml" in html
    assert "fear_dark → fear_walk_dark" in html
    assert demo.steps["harmonise"].startswith("crosswalk 'demo' (demo_crosswalk.yaml): 12 items")


def test_crosswalk_file_problems_are_spec_errors(tmp_path):
    spec = P.load_spec("demo.yaml")
    spec["data"]["crosswalk"] = "no_such_crosswalk.yaml"
    with pytest.raises(P.SpecError, match="data.crosswalk: file .*no_such_crosswalk.yaml"):
        P._harmonise(spec, P._read(spec))


# ---------------------------------------------------------------------- indicators


def test_results_are_the_registry_functions_output(demo):
    import survey.indicators as si

    res = demo.results
    person, household = demo.designs["person"], demo.designs["household"]
    trust = si.institutional(
        person, items={"police": "trust_inst_police"}, by=["wave", "area"], scale="proportion",
        ci="logit", df="design", quality={"base": "cepal2020"},
    )  # fmt: skip
    mine = res[(res["breakdown"] == "area") & (res["variable"] == "trust_police")]
    for col in ("estimate", "se", "ci_low", "ci_high", "df", "n", "n_cases"):
        np.testing.assert_allclose(mine[col].to_numpy(float), trust[col].to_numpy(float))
    assert list(mine["reliability"]) == list(trust["reliability"])
    burg = si.prevalence(
        household, {"burglary": "vic_hh_burglary_12m"}, unit="household", by="wave",
        scale="proportion", df="design",
    )  # fmt: skip
    mine = res[(res["breakdown"] == "all") & (res["variable"] == "prev_burglary")]
    np.testing.assert_allclose(mine["estimate"], burg["estimate"], rtol=1e-12)
    np.testing.assert_allclose(mine["se"], burg["se"], rtol=1e-12)
    # SDG 16.1.4 with 'never walks alone' counted as not safe = the demo's feel_safe
    sdg = si.sdg_16_1_4(person, never_walks="unsafe", by="wave", scale="proportion")
    mine = res[(res["breakdown"] == "all") & (res["variable"] == "feel_safe")]
    np.testing.assert_allclose(mine["estimate"], sdg["estimate"], rtol=1e-12)
    # hand check of one share: weighted share of code 1 among answers 1-2 in wave 1
    d = person.data
    w = person.weights
    sel = (d["wave"] == 1) & d["trust_interpersonal"].notna()
    hand = np.sum(w[sel] * (d["trust_interpersonal"][sel] == 1)) / np.sum(w[sel])
    got = res.query("breakdown == 'all' and variable == 'interpersonal_trust' and wave == 1")
    assert got["estimate"].iloc[0] == pytest.approx(hand, rel=1e-12)


def test_every_demo_indicator_comes_from_the_registry(demo):
    assert "17 by survey.indicators registry functions, 0 spec-defined" in demo.steps["indicators"]
    html = demo.report.read_text(encoding="utf-8")
    assert "<td>standard definition &#x27;prevalence_person&#x27; on vic_person_robbery_12m" in html
    # the annex speaks to readers: no module names, code paths or commit hashes (issue 12)
    for dev in (
        "survey.indicators",
        "survey.compare",
        "survey.instruments",
        "calidad @",
        "R/evaluate",
        "questionnaires/",
        "lonely_psu =",
        "compare_within",
        "(;",
    ):
        assert dev not in html, dev


def test_spec_defined_indicator_and_disagreement_check(prepared):
    spec, _, frame, _, designs = prepared
    inds = [dict(i) for i in spec["indicators"] if i["name"] in ("prev_robbery", "trust_police")]
    plain = [dict(inds[1], name="trust_police_spec")]
    plain[0].pop("registry")
    plain[0].pop("args")

    def design(inds):
        from survey import Design

        f = P._derive(frame, inds)
        return {"person": Design(f, weight="weight", strata="stratum", psu="psu")}

    d2 = design(plain)
    res = P._estimate({**spec, "breakdowns": []}, d2, [*inds, *plain])
    a = res[res["variable"] == "trust_police"]["estimate"].to_numpy()
    b = res[res["variable"] == "trust_police_spec"]["estimate"].to_numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12)  # spec codes [1, 2] of 1-4 = registry
    want = "share with trust_inst_police in [1, 2] among [1, 2, 3, 4]"
    assert P.indicator_source(plain[0]) == want
    # a registry call that disagrees with the row-level definition is refused
    bad = [dict(inds[1], codes=[1])]
    d3 = design(bad)
    res_bad = P._estimate({**spec, "breakdowns": []}, d3, bad)
    with pytest.raises(P.SpecError, match="trust_police.*differs from the spec's row-level"):
        P._compare({**spec, "groups": None}, d3, bad, res_bad)


# ---------------------------------------------------------------------- compare


def test_comparison_rows_equal_survey_compare(demo):
    from survey.compare import adjust_pvalues, compare_within, did

    comp = demo.comparisons
    person = demo.designs["person"]
    cw = compare_within(
        person, "ind__fear_unsafe", wave="wave", by="area", baseline=1, followup=2, df="design"
    )
    row = comp.query("comparison == 'change' and group == 1 and variable == 'fear_unsafe'")
    ref = cw[cw["area"] == 1]
    for col in ("estimate_1", "estimate_2", "estimate", "se", "ci_low", "ci_high", "df", "t",
                "p_value", "effect_size"):  # fmt: skip
        assert row[col].iloc[0] == pytest.approx(ref[col].iloc[0], rel=1e-12), col
    assert ref["df"].iloc[0] == person.degf
    dd = did(person, "ind__prev_robbery", group="area", wave="wave", treated=1, control=2)
    row = comp.query("comparison == 'did' and variable == 'prev_robbery'")
    for col in ("estimate_1", "estimate_2", "estimate", "se", "p_value"):
        assert row[col].iloc[0] == pytest.approx(dd[col].iloc[0], rel=1e-12), col
    # Holm across the whole DiD battery (household and person indicators together)
    fam = comp[comp["comparison"] == "did"]
    assert len(fam) == 17
    np.testing.assert_allclose(fam["p_adjusted"], adjust_pvalues(fam["p_value"], "holm"))
    assert list(fam["significant"]) == list(fam["p_adjusted"] < 0.05)
    assert comp.attrs["adjust"] == "holm"


def test_worsened_flags_and_do_no_harm_table(demo):
    from survey.compare import do_no_harm

    comp = demo.comparisons
    # 'worsened': change against the indicator's better direction, significant before the
    # multiplicity adjustment (a safety screen keeps its sensitivity)
    better = {"lower": 1.0, "higher": -1.0}
    spec = P.load_spec("demo.yaml")
    direction = comp["variable"].map({i["name"]: better[i["better"]] for i in spec["indicators"]})
    exp = (np.sign(comp["estimate"]) == direction) & (comp["p_value"] < 0.05)
    assert list(comp["worsened"].astype(bool)) == list(exp)
    harm = do_no_harm(comp)
    # the fall in trust in political parties (p < 0.01 unadjusted, not after Holm) is flagged
    r = comp.query("comparison == 'change' and group == 'all' and variable == 'trust_parties'")
    assert r["estimate"].iloc[0] < 0 and r["p_value"].iloc[0] < 0.01
    assert r["p_adjusted"].iloc[0] > 0.05 and r["worsened"].iloc[0]
    assert "trust_parties" in set(harm["variable"])
    md = (demo.outdir / "tables.md").read_text(encoding="utf-8")
    assert f"*{len(harm)} of 62 published comparisons show a worsening" in md


def test_do_no_harm_table_lists_worsenings_not_suppressed_ones():
    from survey.report._present import _do_no_harm_table

    comp = pd.DataFrame(
        {
            "comparison": ["change", "change", "did"],
            "group": ["Treatment", "Comparison", "Treatment"],
            "variable": ["a", "b", "a"],
            "estimate": [0.05, 0.07, 0.04],
            "p_value": [0.004, 0.01, 0.02],
            "p_adjusted": [0.01, 0.02, 0.03],
            "worsened": pd.array([True, True, False], dtype="boolean"),
            "reliability": [None, "suppress", None],
        }
    )
    names = {"before": "B", "after": "F"}
    # 'a' a share: its change in percentage points (0.05 -> 5.0), as in the forest plot
    t = _do_no_harm_table({}, comp, {"a": "Indicator A"}, names, {"a": True}, "en")
    assert t.rows == [["F − B", "Treatment", "Indicator A", 5.0, 0.004, 0.01]]
    assert t.notes == [
        "1 of 2 published comparisons show a worsening in the unfavourable direction of the "
        "indicator that is significant before the multiplicity adjustment (unadjusted p-value; "
        "the adjusted p-value is shown beside it). Changes of shares in percentage points."
    ]
    # a mean (not a share) stays on its scale; Spanish headings from the translation table
    t = _do_no_harm_table({}, comp, {"a": "Indicador A"}, names, {"a": False}, "es")
    assert t.rows[0][3] == 0.05
    assert t.title == "Acción sin daño: empeoramientos significativos"
    assert t.columns == ["Comparación", "Grupo", "Indicador", "Cambio", "p", "p ajustado"]
    assert t.notes[0].startswith("1 de 2 comparaciones publicadas muestran un empeoramiento")


def test_comparison_using_a_suppressed_estimate_is_marked(demo):
    comp, res = demo.comparisons, demo.results
    sup = res[(res["reliability"] == "suppress") & res["breakdown"].isin(["all", "area"])]
    assert len(sup) > 0
    r = sup.iloc[0]
    group = "all" if r["breakdown"] == "all" else r["area"]
    rows = comp[(comp["variable"] == r["variable"]) & (comp["group"] == group)]
    assert (rows["reliability"] == "suppress").all() and rows["unreliable"].all()
    did_row = comp[(comp["variable"] == r["variable"]) & (comp["comparison"] == "did")]
    if r["breakdown"] == "area":
        assert (did_row["reliability"] == "suppress").all()


def test_annex_indicator_sentence_without_registry_indicators_is_whole():
    """Issue 12: '0 de 3 indicadores ... (; entrada ...' when no indicator used the registry."""
    from survey.report._present import _indicators_text

    spec = {
        "indicators": [
            {"name": "a", "label": {"es": "Hogares victimizados"}, "variable": "x",
             "codes": [1], "base": [0, 1]},
            {"name": "b", "label": "Miedo", "variable": "y", "type": "mean"},
        ]
    }  # fmt: skip
    text = _indicators_text(spec, "es")
    assert "(;" not in text and not text.startswith("0 de")
    assert text.startswith("2 de 2 se definen en la especificación del informe: ")
    assert "Hogares victimizados: proporción con x en [1] entre [0, 1]" in text
    assert "Miedo: media de y" in text


def test_registry_indicators_take_their_desirable_direction_from_the_registry():
    """A spec indicator from the registry without ``better`` gets the registry's direction
    (victimisation lower, trust higher), so its 'worsened' screen is not silently off; an
    explicit ``better`` is kept; spec-defined indicators stay without one."""
    from survey.indicators.registry import REGISTRY

    spec = P.load_spec("demo.yaml")
    raw = {k: v for k, v in spec.items() if not k.startswith("_")}
    raw["data"] = {"path": "@demo", "crosswalk": "demo_crosswalk.yaml"}
    raw["figures"] = {}
    inds = []
    for ind in spec["indicators"]:
        ind = {k: v for k, v in ind.items() if k != "better"}
        if ind["name"] == "prev_assault":
            ind["better"] = "higher"  # explicit: kept as given
        inds.append(ind)
    raw["indicators"] = inds
    checked = {i["name"]: i for i in P.load_spec(raw)["indicators"]}
    assert checked["prev_robbery"]["better"] == "lower" == REGISTRY["prevalence_person"].better
    assert checked["prev_assault"]["better"] == "higher"
    for name, ind in checked.items():
        if ind.get("registry") and name != "prev_assault":
            assert ind["better"] == REGISTRY[ind["registry"]].better, name
        elif not ind.get("registry"):
            assert "better" not in ind, name
    trust = [i for i in checked.values() if i.get("registry", "").startswith("trust")]
    assert trust and all(i["better"] == "higher" for i in trust)
