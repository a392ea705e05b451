"""Quantiles on each backend equal the in-memory engine (1e-10): the exact distribution
function, the binned-then-refined one (forced with a low ``exact_limit``), R's rules, the
Woodruff interval variants, crossed domains, missing values; and what is not pushed down says
so. The in-memory engine is checked against R in tests/engine."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import survey
from survey.backends import NotPushedDown, TableDesign
from tests.backends.conftest import BACKENDS, assert_same, source_for
from tests.conftest import realdata_file

DEMO_KW = {"weight": "weight", "strata": "stratum", "psu": ["psu", "hh_id"]}

CALLS = [
    (("robbery_n",), {}),  # many ties, the first value's weight above p * total
    (("hh_size",), {"by": "region", "q": (0.1, 0.25, 0.5, 0.9)}),
    ((["hh_size", "robbery_n"],), {"by": ["wave", "sex"], "ci": "xlogit", "df": "design"}),
    (("hh_size",), {"by": "region", "qrule": "school", "ci": "beta"}),
    (("hh_size",), {"by": "wave", "qrule": "hf3", "ci": "asin", "level": 0.9}),
    (("score",), {"by": "region", "qrule": "hf7"}),  # no ties: every rule is exact
    (("score",), {"by": ["wave", "sex"], "qrule": "shahvaish", "q": (0.2, 0.8)}),
    ((["hh_size", "robbery_n"],), {"na": "listwise", "q": (0.5, 0.75)}),
]

BINNED = [
    (("score",), {"by": "region", "q": (0.1, 0.5, 0.75)}),
    (("weight",), {"by": ["wave", "sex"], "qrule": "school", "ci": "xlogit"}),
    (("score",), {"q": (0.0, 0.02, 0.5, 1.0)}),
    (("robbery_n",), {"by": "region", "q": (0.5, 0.95)}),
]


def _run(design, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return design.quantile(*args, **kwargs)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from survey.datasets import demo_path

    frame = survey.read(demo_path()).data
    rng = np.random.default_rng(14)  # a continuous variable: no ties, a few missing
    score = rng.lognormal(3.0, 0.8, len(frame))
    score[rng.random(len(frame)) < 0.03] = np.nan
    frame["score"] = score
    path = tmp_path_factory.mktemp("demo_q") / "demo.parquet"
    frame.to_parquet(path, index=False)
    return pd.read_parquet(path), path


@pytest.mark.parametrize("backend", BACKENDS)
def test_quantile_equals_memory(backend, demo, request):
    frame, path = demo
    ref = survey.Design(frame, **DEMO_KW)
    got = TableDesign(source_for(backend, frame, path, request), **DEMO_KW)
    calls = CALLS if backend != "spark" else CALLS[1:3]
    for args, kwargs in calls:
        assert_same(_run(ref, args, kwargs), _run(got, args, kwargs))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n_bins", [5, 64])
def test_binned_quantile_is_exact(backend, n_bins, demo, request):
    """Above ``exact_limit`` distinct values: histogram, then exact values in the bins that
    hold the quantiles and limits, so still equal to the in-memory result."""
    frame, path = demo
    ref = survey.Design(frame, **DEMO_KW)
    got = TableDesign(source_for(backend, frame, path, request), **DEMO_KW)
    calls = BINNED if backend != "spark" else BINNED[:1]
    for args, kwargs in calls:
        want = _run(ref, args, kwargs)
        have = _run(got, args, {**kwargs, "exact_limit": 3, "n_bins": n_bins})
        assert_same(want, have)


def test_quantile_not_pushed_down_says_so(demo):
    frame, path = demo
    got = TableDesign(str(path), **DEMO_KW)
    with pytest.raises(NotPushedDown, match="hf7"):  # ties, a rule reading row weights
        got.quantile("hh_size", qrule="hf7")
    with pytest.raises(NotPushedDown, match="score"):
        got.quantile("hh_size", ci="score")
    with pytest.raises(NotPushedDown, match="'math' and 'school'"):
        got.quantile("weight", qrule="hf3", exact_limit=3)
    rep = got.as_replicate("JKn")
    with pytest.raises(NotPushedDown, match="replicate"):
        rep.quantile("hh_size")


@pytest.mark.realdata
@pytest.mark.parametrize("backend", ["duckdb", "spark"])
def test_enusc_quantiles(backend, tmp_path, request):
    """ENUSC 2023 (lonely-PSU strata, 7,789 PSUs) written to Parquet: quantiles of a count
    and of the weight itself by region, exact and binned."""
    frame = pd.read_csv(realdata_file("enusc/enusc_2023_subset.csv.gz"))
    kw = {"weight": "Fact_Pers_Reg", "strata": "VarStrat", "psu": "Conglomerado",
          "lonely_psu": "certainty"}  # fmt: skip
    path = tmp_path / "enusc.parquet"
    frame.to_parquet(path, index=False)
    back = pd.read_parquet(path)
    ref = survey.Design(back, **kw)
    src = source_for(backend, back, path, request)
    got = TableDesign(src, **kw)
    num = "rph_edad" if "rph_edad" in back.columns else "VH_DC"
    want = _run(ref, (num,), {"by": "enc_region", "q": (0.25, 0.5, 0.75)})
    assert_same(want, _run(got, (num,), {"by": "enc_region", "q": (0.25, 0.5, 0.75)}))
    if backend == "duckdb":
        want = _run(ref, ("Fact_Pers_Reg",), {"by": "enc_region"})
        have = _run(got, ("Fact_Pers_Reg",), {"by": "enc_region", "exact_limit": 100})
        assert_same(want, have)
