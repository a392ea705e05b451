"""validate_data: every kind of problem counted exactly, with example ids; never a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.instruments import build, validate_data


def _data():
    # 6 interviews of the household screener + police module, with planted problems.
    return pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e", "f"],
            # 5y: f has an undeclared code 3
            "vic_hh_burglary_5y": [1, 0, 1, 0, 98, 3],
            # 12m: b answered though 5y = no (skip violation); c blank though 5y = yes
            "vic_hh_burglary_12m": [1, 0, np.nan, np.nan, np.nan, np.nan],
            "police_contact_12m": [1, 1, 0, 0, 0, 0],
            "police_contact_satisfaction": [2, np.nan, np.nan, 9, np.nan, np.nan],
            "dem_age": [34, 12, 998, "forty", 45, 61],
        }
    )


def test_counts_and_examples():
    q = build(["screener_household", "police", "demographics"], ["en"])
    df = _data()
    rep = validate_data(q, df, id_column="id")
    got = {(r.item, r.check): (r.n, r.example_ids) for r in rep.itertuples()}
    assert got[("vic_hh_burglary_5y", "undeclared_code")] == (1, "f")
    assert got[("vic_hh_burglary_12m", "answered_when_not_relevant")] == (1, "b")
    assert got[("vic_hh_burglary_12m", "missing_when_relevant")] == (1, "c")
    assert got[("police_contact_satisfaction", "missing_when_relevant")] == (1, "b")
    assert got[("police_contact_satisfaction", "answered_when_not_relevant")] == (1, "d")
    assert got[("dem_age", "out_of_range")] == (1, "b")
    assert got[("dem_age", "non_numeric")] == (1, "d")
    # the derived flag is absent -> no row; other absent items listed once each
    absent = rep[rep["check"] == "absent_column"]["item"].tolist()
    assert "vic_hh_any_12m" not in absent and "vic_hh_robbery_5y" not in absent
    assert "dem_sex" in absent and "vic_hh_vehicle_theft_5y" in absent
    assert set(rep.columns) == {"item", "check", "n", "example_ids", "detail"}


def test_calculation_multiple_and_not_applicable(tmp_path):
    q = build(["screener_household", "screener_person", "incident"], ["en"])
    n = 4
    df = pd.DataFrame({it.id: [0] * n for it in q.items if it.reference_period != "incident"})
    for it in q.items:
        if it.id.endswith("_12m") and it.relevant is not None:
            df[it.id] = np.nan
    df["hh_vehicle_owned_5y"] = 1  # owners: the vehicle screeners apply
    df["vic_hh_burglary_5y"] = [1, 1, 1, 0]
    df["vic_hh_burglary_12m"] = [1, 1, 0, np.nan]
    df["vic_hh_any_12m"] = [1, 0, 0, 0]  # row 1 is wrong: burglary 12m = 1
    df["vic_person_any_12m"] = 0
    inc = {it.id: [np.nan] * n for it in q.items if it.reference_period == "incident"}
    df = df.assign(**inc)
    df.loc[[0, 1], "inc_crime_type"] = 3
    df.loc[[0, 1], ["inc_where", "inc_weapon", "inc_injury", "inc_offender"]] = 1
    df.loc[[0, 1], ["inc_times_12m"]] = 2
    df.loc[[0, 1], "inc_reported_police"] = [1, 0]
    df["inc_reported_other"] = pd.Series(["5", "5", None, None], dtype="object")
    df["inc_reported_authority"] = [1, 0, np.nan, np.nan]
    df.loc[0, ["inc_complaint_filed", "inc_investigation", "inc_satisfaction"]] = [1, 1, 2]
    df["inc_reasons_not_reported"] = pd.Series([None, "1 98", None, None], dtype="object")
    rep = validate_data(q, df)
    got = {(r.item, r.check): (r.n, r.example_ids) for r in rep.itertuples()}
    assert got[("vic_hh_any_12m", "calculation_mismatch")] == (1, "1")
    assert got[("inc_reasons_not_reported", "missing_code_with_answer")] == (1, "1")
    assert ("inc_crime_type", "missing_when_relevant") not in got
    assert len(rep) == 2


def test_never_crashes_on_odd_input():
    q = build(["fear"], ["en"])
    df = pd.DataFrame({"fear_walk_dark": [object(), "x", None], "worry_robbery": [[1], 2, 3]})
    rep = validate_data(q, df)
    # 20 items asked (one neighbourhood-safety version) - 2 present - 1 derived
    assert (rep["check"] == "absent_column").sum() == 17
    assert rep.loc[rep["item"] == "fear_walk_dark", "check"].tolist() == [
        "non_numeric",
        "missing_when_relevant",
    ]
    assert rep["n"].dtype == "int64"
