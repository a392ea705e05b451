"""Indicators on hand-computable cases (values worked out in the comments)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design, trust
from survey import indicators as ind
from survey.indicators.victimisation import count_victimisations, flag_units


def _srs(df):
    return Design(df)  # every row its own PSU, weight 1


def test_prevalence_groups_any_and_item_missing():
    df = pd.DataFrame(
        {
            "burg": [1, 0, 0, 99, 0, 1],
            "veh": [0, 0, 1, 0, 99, 1],
            "rob": [0, 1, 0, 0, 0, 0],
        }
    )
    crimes = {"burglary": "burg", "vehicle_theft": "veh", "robbery": "rob"}
    out = ind.prevalence(_srs(df), crimes, scale="proportion", quality=None)
    got = dict(zip(out.category, out.estimate, strict=True))
    assert got["burglary"] == pytest.approx(2 / 5)  # the 99 is excluded
    assert got["vehicle_theft"] == pytest.approx(2 / 5)
    # property = burglary or vehicle theft: rows 0, 2, 5 yes; row 3 (99, 0) unknown;
    # row 4 (0, 99) unknown -> 3 / 4
    assert got["property"] == pytest.approx(3 / 4)
    assert got["violent"] == pytest.approx(1 / 6)
    # any: rows 0,1,2,5 yes; rows 3, 4 unknown -> 4 / 4
    assert got["any"] == pytest.approx(1.0)
    assert out.loc[out.category == "burglary", "n_cases"].item() == 2


def test_dark_figure_inegi_rules():
    # incidents: not reported; reported no complaint; complaint no investigation;
    # investigated; reported unknown (98); not an incident (NaN crime type)
    df = pd.DataFrame(
        {
            "inc_crime_type": [1, 1, 1, 1, 1, np.nan],
            "inc_reported_police": [0, 1, 1, 1, 98, np.nan],
            "inc_complaint_filed": [np.nan, 0, 1, 1, np.nan, np.nan],
            "inc_investigation": [np.nan, np.nan, 0, 1, np.nan, np.nan],
        }
    )
    d = _srs(df)
    inegi = ind.dark_figure(d, scale="proportion", quality=None)
    assert inegi.estimate.item() == pytest.approx(4 / 5)  # unknown status counts as dark
    excl = ind.dark_figure(d, scale="proportion", unknown="exclude", quality=None)
    assert excl.estimate.item() == pytest.approx(3 / 4)
    rep = ind.reporting_rate(d, scale="proportion", quality=None)
    assert rep.estimate.item() == pytest.approx(3 / 4)
    comp = ind.complaint_rate(d, scale="proportion", quality=None)
    assert comp.estimate.item() == pytest.approx(2 / 4)


def test_incidence_cap_concentration_and_scale():
    df = pd.DataFrame({"times": [0, 0, 1, 3, 25, 999], "hh": [1, 1, 2, 1, 1, 2]})
    d = _srs(df)
    out = ind.incidence(d, "times", quality=None)  # cap 10; 999 unknown
    assert out.estimate.item() == pytest.approx((0 + 0 + 1 + 3 + 10) / 5 * 1e5)
    per_person = ind.incidence(d, "times", population="hh", scale="per 1,000", quality=None)
    assert per_person.estimate.item() == pytest.approx(14 / 6 * 1e3)
    nocap = ind.incidence(d, "times", cap=None, scale="ratio", quality=None)
    assert nocap.estimate.item() == pytest.approx(29 / 5)
    conc = ind.concentration(d, "times", quality=None)
    assert conc.estimate.item() == pytest.approx(14 / 3)
    prop = ind.incidence(d, "times", scale="proportion", quality=None)
    assert out.se.item() == pytest.approx(prop.se.item() * 1e5)
    assert out.cv.item() == pytest.approx(prop.cv.item())


def test_flag_and_count_incidents():
    units = pd.DataFrame({"id": [1, 2, 3, 4]})
    inc = pd.DataFrame(
        {
            "id": [1, 1, 2, 4, 4],
            "type": [31, 10, 55, 40, 40],
            "series": [False, False, True, False, True],
            "times": [1, 1, 30, 1, 998],
        }
    )
    assert flag_units(units, inc, "id", crime_type="type", codes=range(31, 60)).tolist() == [
        1,
        1,
        0,
        1,
    ]
    counts = count_victimisations(
        units, inc, "id", series=inc["series"].to_numpy(), series_count="times", cap=10
    )
    # id1: 2 incidents; id2: series of 30 capped at 10; id4: 1 + unknown-size series (1)
    assert counts.tolist() == [2, 10, 0, 2]


def test_sdg_16_1_4_never_walks_options():
    df = pd.DataFrame({"fear_walk_dark": [1, 2, 3, 4, 5, 5, 99]})
    d = _srs(df)
    excl = ind.sdg_16_1_4(d, scale="proportion", quality=None)
    assert excl.estimate.item() == pytest.approx(2 / 4)
    unsafe = ind.sdg_16_1_4(d, scale="proportion", never_walks="unsafe", quality=None)
    assert unsafe.estimate.item() == pytest.approx(2 / 6)


def test_trust_conventions_by_hand():
    df = pd.DataFrame(
        {
            "b18": [1, 4, 5, 7, 7, 88],
            "lb": [1, 2, 3, 4, 2, 99],
            "it": [1, 2, 3, 4, 1, 2],
            "ip": [1, 2, 2, 2, 1, 98],
        }
    )
    d = _srs(df)
    lapop = trust.institutional(d, {"police": "b18"}, convention="lapop", quality=None)
    got = dict(zip(lapop.category, lapop.estimate, strict=True))
    assert got["police: mean 0-100"] == pytest.approx(np.mean([0, 50, 200 / 3, 100, 100]))
    assert got["police: % 5+6+7"] == pytest.approx(300 / 5)
    lb = trust.institutional(d, {"police": "lb"}, quality=None)
    assert lb.estimate.item() == pytest.approx(300 / 5)
    ip = trust.interpersonal(d, "ip", quality=None)
    assert ip.estimate.item() == pytest.approx(200 / 5)
    it = trust.interpersonal(d, "it", convention="lapop", quality=None)
    got = dict(zip(it.category, it.estimate, strict=True))
    assert got["community: mean 0-100"] == pytest.approx(
        np.mean([100, 200 / 3, 100 / 3, 0, 100, 200 / 3])
    )
    with pytest.raises(ind.IndicatorError, match="outside 1-3"):
        trust.institutional(d, {"x": "lb"}, convention="lapop", scale_range=(1, 3))


def test_trust_ess_and_custom_conventions_by_hand():
    # ESS 0-10: 77/88/99 are refused/don't know/no answer; mean x 10 and % 6-10
    df = pd.DataFrame(
        {
            "trust_interpersonal_11pt": [0, 5, 6, 10, 8, 88],
            "trust_inst_police_11pt": [2, 6, 6, 9, 77, 4],
            "q": [1, 3, 5, 5, 2, 99],
        }
    )
    d = _srs(df)
    ip = trust.interpersonal(d, convention="ess", quality=None)
    got = dict(zip(ip.category, ip.estimate, strict=True))
    assert got["most_people: % 6+7+8+9+10"] == pytest.approx(300 / 5)
    assert got["most_people: mean 0-100"] == pytest.approx(np.mean([0, 50, 60, 100, 80]))
    assert ip.attrs["convention"] == "ess" and ip.attrs["scale_range"] == (0, 10)
    inst = trust.institutional(d, convention="ess", quality=None)
    got = dict(zip(inst.category, inst.estimate, strict=True))
    assert got["police: % 6+7+8+9+10"] == pytest.approx(300 / 5)
    assert got["police: mean 0-100"] == pytest.approx(np.mean([20, 60, 60, 90, 40]))
    # 0-10 items are rejected by the 1-4 convention, with the range named
    with pytest.raises(ind.IndicatorError, match="outside 1-2"):
        trust.interpersonal(d, "trust_interpersonal_11pt")
    # custom: any scale, explicit range and trust codes, in institutional as in index
    cu = trust.institutional(
        d, {"q": "q"}, convention="custom", scale_range=(1, 5), high=(4, 5), quality=None
    )
    got = dict(zip(cu.category, cu.estimate, strict=True))
    assert got["q: % 4+5"] == pytest.approx(200 / 5)
    assert got["q: mean 0-100"] == pytest.approx(np.mean([0, 50, 100, 100, 25]))
    rev = trust.interpersonal(
        d, "q", convention="custom", scale_range=(1, 5), high=(1, 2), reverse=True, quality=None
    )
    got = dict(zip(rev.category, rev.estimate, strict=True))
    assert got["most_people: % 1+2"] == pytest.approx(200 / 5)
    assert got["most_people: mean 0-100"] == pytest.approx(np.mean([100, 50, 0, 0, 75]))
    with pytest.raises(ind.IndicatorError, match="needs scale_range"):
        trust.institutional(d, {"q": "q"}, convention="custom", high=(4, 5))
    with pytest.raises(ind.IndicatorError, match="needs items"):
        trust.institutional(d, convention="custom", scale_range=(1, 5), high=(4, 5))
    with pytest.raises(ind.IndicatorError, match="use latinobarometro, lapop, ess or 'custom'"):
        trust.interpersonal(d, convention="wvs")


def test_index_item_missing_rule_and_alpha():
    df = pd.DataFrame(
        {
            "a": [1, 4, 7, 2, 88, 5, 3, 6],
            "b": [2, 4, 6, 1, 88, 6, 3, 7],
            "c": [1, 5, 7, 3, 7, 88, 2, 6],
        }
    )
    d = _srs(df)
    out = trust.index(d, ["a", "b", "c"], quality=None)
    r = (df.replace(88, np.nan) - 1) / 6 * 100
    per_row = r.mean(axis=1).where(r.notna().sum(axis=1) >= 2)  # ceil(3/2) = 2 items
    assert out.estimate.item() == pytest.approx(per_row.mean())
    assert out.n.item() == 7  # row 4 has one item only
    rel = out.attrs["scale_reliability"]
    # Cronbach's alpha by hand on the 6 complete rows
    X = r.dropna().to_numpy()
    k = 3
    alpha = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert rel["alpha"] == pytest.approx(alpha)
    assert rel["alpha_weighted"] == pytest.approx(alpha)  # equal weights
    assert rel["n_complete"] == 6 and rel["unidimensional"]


def test_index_convention_makes_the_direction_explicit():
    # Latinobarometro items: 1 = a lot, 4 = none; 88 = no answer
    df = pd.DataFrame({"a": [1, 2, 4, 3], "b": [1, 3, 4, 88]})
    d = _srs(df)
    lb = trust.index(d, ["a", "b"], convention="latinobarometro", min_items=1, quality=None)
    # (4 - x) / 3 * 100: a = 100, 66.7, 0, 33.3; b = 100, 33.3, 0, NaN
    # row means 100, 50, 0, 33.3 -> 183.33 / 4
    assert lb.estimate.item() == pytest.approx((100 + 50 + 0 + 100 / 3) / 4)
    assert lb.attrs["reversed"] == ["a", "b"] and lb.attrs["scale_range"] == (1, 4)
    # the same codes read as "high = more trust" give the mirror image
    up = trust.index(
        d, ["a", "b"], convention="custom", scale_range=(1, 4), min_items=1, quality=None
    )
    assert up.estimate.item() == pytest.approx(100 - lb.estimate.item())
    assert up.attrs["reversed"] == []
    # an item worded the other way: b not flipped -> a = 100, 66.7, 0, 33.3;
    # b = 0, 66.7, 100, NaN -> row means 50, 66.7, 50, 33.3 -> 50
    mixed = trust.index(
        d, ["a", "b"], convention="latinobarometro", reverse=["b"], min_items=1, quality=None
    )
    assert mixed.estimate.item() == pytest.approx(50.0)
    assert mixed.attrs["reversed"] == ["a"]
    with pytest.raises(ind.IndicatorError, match="reverse= names no item"):
        trust.index(d, ["a", "b"], convention="latinobarometro", reverse=["c"])
    with pytest.raises(ind.IndicatorError, match="scale_range"):
        trust.index(d, ["a", "b"], convention="custom")
    with pytest.raises(ind.IndicatorError, match="outside 1-4"):
        trust.index(_srs(df.assign(a=[1, 2, 5, 3])), ["a", "b"], convention="latinobarometro")


def test_index_latinobarometro_default_items(design, standard_data):
    # default items of the convention: trust_inst_police, trust_inst_judiciary (1 = a lot)
    out = trust.index(design, convention="latinobarometro", quality=None)
    assert out.attrs["items"] == ["trust_inst_police", "trust_inst_judiciary"]
    X = (4 - standard_data[out.attrs["items"]].to_numpy(dtype=float)) / 3 * 100
    row = X.mean(axis=1)  # both items always answered in the fixture
    w = standard_data["weight"].to_numpy()
    assert out.estimate.item() == pytest.approx(np.sum(w * row) / np.sum(w), rel=1e-12)


def test_weighted_alpha_uses_weights_and_dimensionality_detects_two_factors():
    rng = np.random.default_rng(3)
    n = 400
    f1, f2 = rng.normal(size=n), rng.normal(size=n)
    items = {}
    for j in range(3):
        items[f"x{j}"] = np.clip(np.round(4 + 1.5 * f1 + rng.normal(scale=0.5, size=n)), 1, 7)
    for j in range(3, 6):
        items[f"x{j}"] = np.clip(np.round(4 + 1.5 * f2 + rng.normal(scale=0.5, size=n)), 1, 7)
    df = pd.DataFrame(items)
    df["w"] = np.where(np.arange(n) < 200, 1.0, 3.0)
    d = Design(df, weight="w")
    rel = trust.index_reliability(d, list(items)).iloc[0]
    assert not rel["unidimensional"]  # two independent factors: second eigenvalue > 1
    assert rel["eigenvalue_2"] > 1.5 and rel["first_component_share"] < 0.5
    # weighted alpha = alpha of the data with rows replicated by their weight
    rep = pd.DataFrame(np.repeat(df[list(items)].to_numpy(), df["w"].astype(int), axis=0))
    X = (rep.to_numpy() - 1) / 6 * 100
    alpha_rep = 6 / 5 * (1 - X.var(axis=0).sum() / X.sum(axis=1).var())
    assert rel["alpha_weighted"] == pytest.approx(alpha_rep, rel=1e-12)
    assert rel["alpha_weighted"] != pytest.approx(rel["alpha"], rel=1e-6)


def test_design_weight_switch_and_errors(design, standard_data):
    hh = ind.prevalence(design, unit="household", quality=None)
    other = ind.prevalence(design, unit="household", weight="region", quality=None)
    assert not np.allclose(hh.estimate, other.estimate)
    with pytest.raises(ind.IndicatorError, match="not in the data"):
        ind.prevalence(design, {"x": "no_such_column"})
    with pytest.raises(ind.IndicatorError, match="scale"):
        ind.prevalence(design, scale="per mille")


def test_registry_lists_every_indicator_once():
    table = ind.list_indicators()
    assert table["name"].is_unique
    assert {"prevalence_household", "dark_figure", "sdg_16_1_4", "trust_index"} <= set(
        table["name"]
    )
    assert ind.get("dark_figure").unit == "incident"
    with pytest.raises(KeyError, match="unknown indicator"):
        ind.get("nope")


def test_importing_indicators_is_light():
    import subprocess
    import sys

    code = (
        "import sys, survey.indicators, survey.indicators.quality; "
        "print(any(m in sys.modules for m in ('seaborn', 'matplotlib', 'pingouin')))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip() == "False", res.stderr
