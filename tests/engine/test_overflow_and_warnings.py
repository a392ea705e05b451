"""Huge values are estimated stably and ordinary edge cases leak no numpy warning (issue 15,
item 7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survey
from survey import weighting


def _data(n=400, seed=1):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(
        {
            "w": rng.uniform(1, 3, n),
            "st": np.repeat([1, 2, 3, 4], n // 4),
            "psu": np.arange(n) // 5,
            "region": np.repeat([1, 2, 3, 4], n // 4),
            "x": rng.normal(5, 1, n),
            "z": rng.uniform(1, 2, n),
        }
    )
    d["X"], d["Z"] = d.x * 1e200, d.z * 1e200
    return d


COLS = ["estimate", "se", "ci_low", "ci_high"]


@pytest.mark.filterwarnings("error")
def test_values_times_1e200_give_the_scaled_results():
    d = _data()
    des = survey.Design(d, weight="w", strata="st", psu="psu")
    for verb in (des.mean, des.total):
        small = verb("x", by="region")
        big = verb("X", by="region")
        # the same numbers times 1e200 (x * 1e200 rounds, so relative 1e-12, not exact)
        np.testing.assert_allclose(big[COLS].to_numpy(), small[COLS].to_numpy() * 1e200, rtol=1e-12)
        np.testing.assert_allclose(
            big[["cv", "deff", "df", "n"]], small[["cv", "deff", "df", "n"]], rtol=1e-10
        )
        assert np.isfinite(big["se"]).all()
    r_small = des.ratio("x", "z")
    for num, den, factor in (("X", "Z", 1.0), ("X", "z", 1e200), ("x", "Z", 1e-200)):
        got = des.ratio(num, den)
        np.testing.assert_allclose(
            got[COLS].to_numpy(), r_small[COLS].to_numpy() * factor, rtol=1e-12
        )
    q = des.quantile(["x", "X"])
    np.testing.assert_allclose(q[COLS].iloc[1], q[COLS].iloc[0] * 1e200, rtol=1e-12)


def test_ordinary_data_are_not_rescaled_bit_for_bit():
    d = _data()
    des = survey.Design(d, weight="w", strata="st", psu="psu")
    from survey.engine import estimate

    direct = estimate(des, "mean", ["x"], by="region").to_frame()
    pd.testing.assert_frame_equal(des.mean("x", by="region")[COLS], direct[COLS])


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("lonely", ["adjust", "average", "certainty", "remove"])
def test_edge_cases_leak_no_numpy_warning(lonely):
    rng = np.random.default_rng(3)
    n = 120
    d = pd.DataFrame(
        {
            "w": rng.uniform(1, 3, n),
            "st": np.repeat([1, 2, 3], 40),
            "psu": np.arange(n) // 4,
            "region": np.repeat([1, 2, 3, 4], 30),
            "y": rng.normal(0, 1, n),
            "b": rng.integers(0, 2, n).astype(float),
            "const": 5.0,
            "one": 1.0,
            "cat": rng.choice(["a", "b"], n),
        }
    )
    d.loc[d.region == 4, "y"] = np.nan  # no answer in a domain
    d.loc[0, "region"] = 9  # a one-row domain
    d.loc[d.index[60:90:2], "w"] = 0  # zero weights
    d.loc[d.index[:4], "st"] = 7  # a stratum with one PSU
    des = survey.Design(d, weight="w", strata="st", psu="psu", lonely_psu=lonely)
    des.mean(["y", "const"], by="region")
    des.total(["y", "const"], by="region", df="domain")
    des.ratio("y", "const", by="region")
    des.quantile(["y", "const"], by="region")
    for ci in ("logit", "beta", "likelihood", "wilson", "asin", "xlogit"):
        des.prop(["b", "one"], by="region", ci=ci)
    des.prop("cat", by="region")
    jk = weighting.as_replicate(survey.Design(d, weight="w", strata="st", psu="psu",
                                              lonely_psu="certainty"), "JKn")  # fmt: skip
    jk.mean(["y", "const"], by="region")
    jk.prop("b", by="region")
    survey.Design(d, weight="w").mean(["y", "const"], by="region")


def test_routes_that_do_not_rescale_say_why_once_and_effect_sizes_stay_finite():
    """Comparisons call the engine directly: values x 1e200 give one warning naming the
    variable (not a cascade of numpy overflow warnings), the change itself is right, and the
    standardised effect size (scale-free) is the one of the unscaled variable."""
    import warnings

    from survey import compare
    from survey.compare.effects import weighted_sd

    d = _data()
    d["wave"] = np.tile([1, 2], len(d) // 2)
    des = survey.Design(d, weight="w", strata="st", psu="psu")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        big = compare.compare_within(des, ["X"], wave="wave")
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert "'X' has values up to 7.73e+200" in messages[0] and "X / 1e100" in messages[0]
    small = compare.compare_within(des, ["x"], wave="wave")
    np.testing.assert_allclose(big["estimate"], small["estimate"] * 1e200, rtol=1e-10)
    np.testing.assert_allclose(big["effect_size"], small["effect_size"], rtol=1e-10)
    sd_big = weighted_sd(des, ["X"], by="wave")["sd"].to_numpy()
    sd_small = weighted_sd(des, ["x"], by="wave")["sd"].to_numpy()
    np.testing.assert_allclose(sd_big, sd_small * 1e200, rtol=1e-10)
