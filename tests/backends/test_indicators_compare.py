"""Registry indicators and the comparison verbs on each backend equal the in-memory result.

Reference: the in-memory :class:`survey.Design` on the frame read back from the Parquet file
(the indicators and comparisons are checked against R elsewhere: tests/indicators,
tests/compare). Backends: a pandas frame (memory executor), DuckDB on the Parquet file and
Spark local[2] (one session, few calls: it is slow). Data: the synthetic survey of the
indicator tests (every derivation: missing codes, any-of items, crime splits, capped counts,
ratios, trust conventions and the index) and harmonised ENUSC 2019 written to Parquet.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import survey
from survey import indicators as ind
from survey.backends import NotPushedDown, TableDesign
from survey.compare import compare_independent, compare_within, did
from survey.indicators.registry import REGISTRY, battery
from tests.backends.conftest import assert_same, source_for
from tests.conftest import realdata_file
from tests.indicators.conftest import GOLDEN_DATA, make_standard_data

DESIGN = {"weight": "weight", "strata": "stratum", "psu": "psu"}


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    frame = pd.read_csv(GOLDEN_DATA) if GOLDEN_DATA.exists() else make_standard_data()
    frame["weight2"] = frame["weight"] * (1 + (frame["psu"] % 3) / 10)
    frame["wave"] = frame["sex"]
    frame["group"] = (frame["region"] <= 2).astype(int)
    frame["zone"] = frame["psu"] % 2
    path = tmp_path_factory.mktemp("ind") / "standard.parquet"
    frame.to_parquet(path, index=False)
    back = pd.read_parquet(path)
    return back, path, survey.Design(back, **DESIGN)


def _table(backend, data, request, **kw):
    frame, path, _ = data
    return TableDesign(source_for(backend, frame, path, request), **{**DESIGN, **kw})


AVAILABLE = [
    n for n, i in REGISTRY.items() if i.available(make_standard_data(80).columns)
]  # the registry indicators the synthetic data carry


def test_synthetic_data_covers_the_registry():
    """The conformance runs below reach every kind of derivation of the registry."""
    assert len(AVAILABLE) >= 18
    funcs = {REGISTRY[n].function for n in AVAILABLE}
    assert {"victimisation:prevalence", "victimisation:incidence", "victimisation:dark_figure",
            "victimisation:sdg_16_3_1", "fear:sdg_16_1_4", "trust:institutional",
            "trust:index"} <= funcs  # fmt: skip


@pytest.mark.parametrize("backend", ["memory", "duckdb"])
@pytest.mark.parametrize("by", [None, ["region", "sex"]])
def test_every_registry_indicator(backend, by, data, request):
    mem = data[2]
    td = _table(backend, data, request)
    for name in AVAILABLE:
        expected = _quiet(REGISTRY[name].compute, mem, by=by)
        got = _quiet(REGISTRY[name].compute, td, by=by)
        assert_same(expected, got)
        assert expected.attrs.get("scale") == got.attrs.get("scale"), name
        if name == "trust_index":  # Cronbach's alpha and eigenvalues from pushed-down sums
            a, b = expected.attrs["scale_reliability"], got.attrs["scale_reliability"]
            assert a.keys() == b.keys()
            for k in a:
                assert b[k] == pytest.approx(a[k], rel=1e-10), k


@pytest.mark.parametrize("backend", ["memory", "duckdb"])
def test_indicator_options(backend, data, request):
    """Another weight column, crime types as domains, categories of a code column,
    ratios with proportions (n_cases from a second query), other scales and df, sets."""
    mem = data[2]
    td = _table(backend, data, request)
    calls = [
        (ind.prevalence, {"unit": "person", "weight": "weight2", "by": "region"}),
        (ind.reporting_rate, {"crime_type": "inc_crime_type", "by_crime": True,
                              "crime_labels": {5.0: "robbery"}, "by": "sex"}),
        (ind.dark_figure, {"unknown": "exclude", "by": "region", "scale": "proportion"}),
        (ind.incidence, {"counts": {"times": "inc_times_12m"}, "cap": None, "scale": "per 1,000",
                         "df": "design", "by": "region"}),
        (ind.institutional, {"convention": "lapop", "measure": "mean", "ci": "wald"}),
        (ind.insecurity, {"by": "region", "quality": None, "level": 0.9}),
    ]  # fmt: skip
    for func, kw in calls:
        assert_same(_quiet(func, mem, **kw), _quiet(func, td, **kw))
    a = ind.prevalence(mem, as_set=True, unit="person", by="region")
    b = ind.worry(mem, as_set=True, by="region")
    ta = ind.prevalence(td, as_set=True, unit="person", by="region")
    tb = ind.worry(td, as_set=True, by="region")
    assert_same(ind.difference(a, b), ind.difference(ta, tb))  # covariance of one design


def test_replicate_design_indicators(data):
    """JKn factors from the table design's PSUs: the indicator variances from PSU totals."""
    from survey.weighting.replicates import as_replicate

    mem = as_replicate(data[2], "JKn")
    td = TableDesign(str(data[1]), **DESIGN).as_replicate("JKn")
    for name in ("prevalence_person", "incidence", "trust_institutional_lapop", "dark_figure"):
        assert_same(_quiet(REGISTRY[name].compute, mem), _quiet(REGISTRY[name].compute, td))
    with pytest.raises(ind.IndicatorError, match="replicate designs carry"):
        ind.prevalence(td, unit="person", weight="weight2")


def _compare_calls(design1, design2, stacked):
    v = ["avoid_cash", "inc_times_12m"]
    return [
        compare_within(stacked, v, "wave", by="region", worse="higher", measure="percent_change"),
        compare_within(stacked, ["insec_state"], "wave", statistic="prop", df="domain"),
        compare_independent(design1, design2, v, by="region", measure="ratio", adjust="holm"),
        compare_independent(design1, design2, v, statistic="total"),
        did(stacked, v, "group", "wave", by="zone", worse="higher"),
    ]


@pytest.fixture(scope="module")
def wave_files(data, tmp_path_factory):
    frame = data[0]
    tmp = tmp_path_factory.mktemp("waves")
    out = []
    for w in (1, 2):
        path = tmp / f"wave{w}.parquet"
        frame[frame["wave"] == w].to_parquet(path, index=False)
        out.append((pd.read_parquet(path), path))
    return out


@pytest.mark.parametrize("backend", ["memory", "duckdb"])
def test_compare_verbs(backend, data, wave_files, request):
    mem = data[2]
    m1, m2 = (survey.Design(f, **DESIGN) for f, _ in wave_files)
    t1, t2 = (TableDesign(source_for(backend, f, p, request), **DESIGN) for f, p in wave_files)
    td = _table(backend, data, request)
    expected = _quiet(_compare_calls, m1, m2, mem)
    got = _quiet(_compare_calls, t1, t2, td)
    numbers = ("estimate_1", "se_1", "estimate_2", "se_2", "n_1", "n_2", "estimate", "se",
               "ci_low", "ci_high", "df", "t", "p_value", "p_adjusted", "effect_size")  # fmt: skip
    for a, b in zip(expected, got, strict=True):
        assert list(a.columns) == list(b.columns) and len(a) == len(b)
        for col in a.columns:
            if col in numbers:
                np.testing.assert_allclose(
                    b[col].to_numpy(float), a[col].to_numpy(float), rtol=1e-10, atol=1e-12,
                    err_msg=col,
                )  # fmt: skip
            else:
                assert [None if pd.isna(x) else str(x) for x in a[col]] == [
                    None if pd.isna(x) else str(x) for x in b[col]
                ], col
    assert np.isfinite(got[0]["se"]).all() and got[2]["effect_size_type"].notna().all()


def test_spark_battery_and_comparisons(data, wave_files, request):
    """Spark local[2]: the whole battery by domain and the comparison verbs, in few calls."""
    mem = data[2]
    td = _table("spark", data, request)
    assert_same(_quiet(battery, mem, by="region"), _quiet(battery, td, by="region"))
    m1, m2 = (survey.Design(f, **DESIGN) for f, _ in wave_files)
    t1, t2 = (TableDesign(source_for("spark", f, p, request), **DESIGN) for f, p in wave_files)
    v = ["avoid_cash", "inc_times_12m"]
    pairs = [
        (compare_within(mem, v, "wave", by="region"), compare_within(td, v, "wave", by="region")),
        (compare_independent(m1, m2, v), compare_independent(t1, t2, v)),
        (did(mem, v, "group", "wave"), did(td, v, "group", "wave")),
    ]
    for a, b in pairs:
        for col in ("estimate", "se", "p_value", "effect_size"):
            np.testing.assert_allclose(b[col], a[col], rtol=1e-10, atol=1e-12, err_msg=col)


def test_not_pushed_down(data):
    td = TableDesign(str(data[1]), **DESIGN)
    from survey.compare import did_margins, did_regression, event_study

    with pytest.raises(NotPushedDown, match="did_regression"):
        did_regression(td, "avoid_cash", "group", "wave")
    with pytest.raises(NotPushedDown, match="did_margins"):
        did_margins(td, "avoid_cash", "group", "wave")
    with pytest.raises(NotPushedDown, match="model"):
        did(td, "avoid_cash", "group", "wave", df="model")
    with pytest.raises(NotPushedDown, match="event_study"):
        event_study(td, "avoid_cash", "group", "wave", pre=[1], post=[2])
    with pytest.raises(NotPushedDown, match="flag_units"):
        ind.flag_units(td, data[0], "psu")
    with pytest.raises(NotPushedDown, match="svyttest needs the rows"):  # the generic guard
        survey.compare.svyttest(td, "avoid_cash", "group")


def test_enusc_harmonised_parquet(tmp_path):
    """ENUSC 2019 harmonised with its crosswalk and written to Parquet: the battery by region
    with household and person weights, memory vs DuckDB."""
    from survey.instruments.harmonize import harmonize

    sav = realdata_file("enusc/enusc_2019_subset.sav")
    frame = harmonize(survey.read(sav, user_missing="keep"), "enusc_2019").data
    path = tmp_path / "enusc.parquet"
    frame.to_parquet(path, index=False)
    frame = pd.read_parquet(path)
    kw = {"weight": "weight", "strata": "strata", "psu": "psu", "lonely_psu": "certainty"}
    weights = {"household": "weight_household"}
    a = _quiet(battery, survey.Design(frame, **kw), by="territory", weights=weights)
    b = _quiet(battery, TableDesign(str(path), **kw), by="territory", weights=weights)
    assert {"prevalence_household", "prevalence_person", "perceived_increase"} <= set(a.indicator)
    assert len(a) == 48
    assert_same(a, b)
