"""Direct inputs of the area models come from the engine (never a second variance formula)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import survey
from survey import sae


@pytest.fixture(scope="module")
def design():
    rng = np.random.default_rng(7)
    rows = []
    # areas a1..a4 with several PSUs in two strata; a5: one PSU; a6: nobody victimised
    for area, n_psu in [("a1", 6), ("a2", 5), ("a3", 4), ("a4", 8), ("a5", 1), ("a6", 3)]:
        for j in range(n_psu):
            stratum = f"s{j % 2}"
            for _ in range(12):
                y = 0 if area == "a6" else int(rng.random() < 0.3)
                rows.append((area, stratum, f"{area}-{j}", y, rng.uniform(1, 3)))
    data = pd.DataFrame(rows, columns=["area", "stratum", "psu", "y", "w"])
    return survey.Design(data, weight="w", strata="stratum", psu="psu")


def test_direct_equals_the_engine_verbs(design):
    d = sae.direct(design, "y", "area", areas=["a1", "a2", "a3", "a4", "a5", "a6", "a7"])
    ref = design.mean("y", by="area", df="domain").set_index("area")
    ok = d[d.status == "ok"].set_index("area")
    assert list(ok.index) == ["a1", "a2", "a3", "a4"]
    np.testing.assert_allclose(ok["estimate"], ref.loc[ok.index, "estimate"], rtol=1e-12)
    np.testing.assert_allclose(ok["var"], ref.loc[ok.index, "se"] ** 2, rtol=1e-12)
    np.testing.assert_allclose(ok["df"], ref.loc[ok.index, "df"])
    np.testing.assert_array_equal(ok["n"], ref.loc[ok.index, "n"])
    # n_eff = n / with-replacement deff (R's deff="replace")
    es = survey.engine.estimate(design, "mean", ["y"], by=["area"])
    deff_r = pd.Series(es.deff_replace(), index=es.labels["area"])
    np.testing.assert_allclose(ok["n_eff"], ok["n"] / deff_r[ok.index], rtol=1e-12)
    np.testing.assert_array_equal(ok["n_psu"], [6, 5, 4, 8])


def test_single_psu_zero_variance_and_unsampled_areas_are_flagged(design):
    d = sae.direct(design, "y", "area", areas=["a7"]).set_index("area")
    assert d.loc["a5", "status"] == "single_psu"
    assert d.loc["a6", "status"] == "zero_variance"
    assert d.loc["a7", "status"] == "no_sample"
    assert d.loc[["a5", "a6", "a7"], "var"].isna().all()  # never a silent zero
    assert d.loc["a6", "var_engine"] == 0.0
    assert (d.loc[["a5", "a6", "a7"], "reliability"] == "suppress").all()


def test_model_refuses_unusable_variances_by_name(design):
    d = sae.direct(design, "y", "area")
    with pytest.raises(sae.FHError, match=r"a5 \(single_psu\), a6 \(zero_variance\)"):
        sae.fh(d)
    res = sae.fh(d, unstable="synthetic")
    est = res.estimates.set_index("area")
    assert est.loc[["a5", "a6"], "kind"].tolist() == ["synthetic", "synthetic"]
    assert res.choices["synthetic_unstable"] == ["a5", "a6"]


def test_bad_columns_are_named(design):
    with pytest.raises(KeyError, match="'nope'"):
        sae.direct(design, "nope", "area")
    with pytest.raises(KeyError, match="area column 'zone'"):
        sae.direct(design, "y", "zone")
