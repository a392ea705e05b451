"""Bad input gives clear errors naming the margin and category; the fit/transform contract;
base weights, nonresponse and trimming on hand-computable cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.weighting import (
    Calibrate,
    NonresponseAdjustment,
    PostStratify,
    Rake,
    TrimWeights,
    WeightingError,
    base_weights,
    effective_sample_size,
    kish_deff,
)
from tests.weighting import _helpers as H


def test_margin_missing_sample_category_names_it():
    pop = pd.DataFrame({"region": ["Centre", "North"], "Freq": [100, 200]})
    with pytest.raises(WeightingError, match=r"region='South'.*not in the population"):
        PostStratify("region", pop).fit(H.design())


def test_population_cell_without_sample_rows():
    pop = pd.DataFrame({"region": ["Centre", "North", "South", "East"], "Freq": [1, 2, 3, 4]})
    with pytest.raises(WeightingError, match=r"region='East'.*no sample rows"):
        PostStratify("region", pop).fit(H.design())
    with pytest.warns(UserWarning, match="East"):
        ps = PostStratify("region", pop, partial=True).fit(H.design())
    assert ps.weights_.sum() == pytest.approx(6.0)


def test_zero_target_for_a_sampled_cell():
    pop = pd.DataFrame({"region": ["Centre", "North", "South"], "Freq": [100, 0, 300]})
    with pytest.raises(WeightingError, match=r"target is 0 for region='North'"):
        Rake({"region": pop}).fit(H.design())


def test_negative_target():
    with pytest.raises(WeightingError, match=r"negative population target -5.*sex='M'"):
        Rake({"sex": {"F": 100, "M": -5}}).fit(H.design())


def test_inconsistent_margin_totals():
    with pytest.raises(WeightingError, match=r"different population totals.*sex: 300.*region: 600"):
        Rake(
            {"sex": {"F": 100, "M": 200}, "region": {"Centre": 100, "North": 200, "South": 300}}
        ).fit(H.design())


def test_rake_nonconvergence_warns_or_errors():
    m = H.margins()
    with pytest.warns(UserWarning, match=r"Rake did not converge after 1 sweeps.*achieved"):
        r = Rake(m, max_iter=1, epsilon=1e-12).fit(H.design())
    assert not r.converged_
    with pytest.raises(WeightingError, match="did not converge"):
        Rake(m, max_iter=1, epsilon=1e-12, on_nonconvergence="error").fit(H.design())


def test_calibration_failure_is_clear():
    with pytest.raises(WeightingError, match=r"did not converge.*widen the bounds"):
        Calibrate(H.VARS, H.cal_totals(), calfun="raking", bounds=(0.99, 1.01)).fit(H.design())


def test_calibration_missing_total_named():
    tot = H.cal_totals()
    del tot["regionSouth"]
    with pytest.raises(WeightingError, match="regionSouth"):
        Calibrate(H.VARS, tot).fit(H.design())


def test_missing_values_in_margin_variable():
    s = H.sample()
    s.loc[[3, 7], "sex"] = None
    with pytest.raises(WeightingError, match=r"'sex' has 2 missing"):
        PostStratify("sex", {"F": 1, "M": 2}).fit(H.design(s))


def test_parameters_validated_in_fit():
    with pytest.raises(WeightingError, match=r"calfun='probit' must be"):
        Calibrate(H.VARS, H.cal_totals(), calfun="probit").fit(H.design())
    with pytest.raises(WeightingError, match="max_iter=0"):
        Rake(H.margins(), max_iter=0).fit(H.design())


def test_contract_params_fit_transform_new_design():
    d = H.design()
    step = PostStratify(["sex", "age_group"], H.pop_sex_age())
    assert step.get_params()["variables"] == ["sex", "age_group"]
    assert not hasattr(step, "weights_")
    with pytest.raises(WeightingError, match="not fitted"):
        step.transform(d)
    new = step.fit(d).transform(d)
    assert new is not d and np.array_equal(d.weights, d.data["w"].to_numpy())  # input untouched
    assert len(new.calibration) == len(d.calibration) + 1
    assert set(step.diagnostics_) >= {"weights", "margins"}


def test_base_weights_product_of_stage_probabilities():
    df = pd.DataFrame({"p1": [0.1, 0.2], "p2": [0.25, 0.5]})
    np.testing.assert_allclose(base_weights(df, ["p1", "p2"]), [40.0, 10.0])
    with pytest.raises(WeightingError, match=r"'p1'.*\(0, 1\].*rows \[1\]"):
        base_weights(pd.DataFrame({"p1": [0.5, 1.5]}), "p1")


def test_nonresponse_weighting_classes_by_hand():
    df = pd.DataFrame(
        {
            "g": ["a", "a", "a", "b", "b"],
            "r": [1, 1, 0, 1, 0],
            "w": [1.0, 2.0, 3.0, 4.0, 4.0],
            "psu": range(5),
        }
    )
    d = Design(df, weight="w")
    nr = NonresponseAdjustment("r", classes=["g"]).fit(d)
    # class a: 6 / 3 = 2; class b: 8 / 4 = 2
    np.testing.assert_allclose(nr.weights_, [2.0, 4.0, 0.0, 8.0, 0.0])
    assert nr.factors_["factor"].tolist() == [2.0, 2.0]
    df.loc[3, "r"] = 0
    with pytest.raises(WeightingError, match="class g=b has no respondents"):
        NonresponseAdjustment("r", classes=["g"]).fit(Design(df, weight="w"))


def test_nonresponse_propensity_classes_preserve_totals():
    s = H.sample()
    d = H.design(s)
    nr = NonresponseAdjustment("resp", propensity=["sex", "age_group", "y"], n_classes=4).fit(d)
    assert nr.weights_.sum() == pytest.approx(d.weights.sum())
    assert (nr.weights_[s["resp"].to_numpy() == 0] == 0).all()
    assert nr.propensity_.shape == (len(s),) and ((nr.propensity_ > 0) & (nr.propensity_ < 1)).all()
    assert len(nr.factors_) == 4


def test_trim_by_hand():
    d = Design(pd.DataFrame({"w": [1.0, 2.0, 3.0, 10.0]}), weight="w")
    t = TrimWeights(upper=6).fit(d)
    # 4 trimmed from the last weight and spread equally over three rows (R's trimWeights)
    np.testing.assert_allclose(t.weights_, [1 + 4 / 3, 2 + 4 / 3, 3 + 4 / 3, 6.0])
    tp = TrimWeights(upper=6, redistribute="proportional").fit(d)
    np.testing.assert_allclose(tp.weights_, [1 + 4 / 6, 2 + 8 / 6, 3 + 12 / 6, 6.0])


def test_kish_deff_and_effective_n():
    w = np.array([1.0, 1.0, 2.0, 4.0])
    assert kish_deff(w) == pytest.approx(4 * 22 / 64)
    assert effective_sample_size(w) == pytest.approx(64 / 22)
