"""Each verb on each backend equals the in-memory engine (1e-10) on the test designs.

The in-memory result (``survey.Design`` on the frame read back from the Parquet file) is the
reference; the engine itself is checked against R elsewhere (tests/engine). Designs: the
bundled demo survey (stratified two-stage) and R's api samples (``apistrat``: strata + FPC,
rows as PSUs; ``apiclus1``: one-stage clusters + FPC; ``apiclus2``: two stages with FPC at
both, and without FPC).
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import survey
from survey.backends import NotPushedDown, TableDesign
from tests.backends.conftest import BACKENDS, assert_same, source_for
from tests.conftest import realdata_file

API = {
    "apistrat": ("apistrat.csv", {"weight": "pw", "strata": "stype", "fpc": "fpc"}),
    "apiclus1": ("apiclus1.csv", {"weight": "pw", "psu": "dnum", "fpc": "fpc"}),
    "apiclus2": (
        "apiclus2.csv",
        {"weight": "pw", "psu": ["dnum", "snum"], "fpc": ["fpc1", "fpc2"]},
    ),
    "apiclus2_nofpc": ("apiclus2.csv", {"weight": "pw", "psu": ["dnum", "snum"]}),
}

# (verb, args, kwargs): mean/total/prop/ratio, crossed domains, categorical items, NAs
API_CALLS = [
    ("mean", (["api00", "api99"],), {}),
    ("mean", (["api00", "acs.k3"],), {"by": ["stype", "awards"], "df": "domain"}),
    ("mean", (["api00", "acs.k3"],), {"na": "listwise"}),
    ("total", (["enroll"],), {"by": ["stype", "awards"]}),
    ("total", (["stype"],), {}),
    ("prop", (["awards", "stype"],), {}),
    ("prop", (["sch.wide"],), {"by": ["stype", "awards"], "ci": "logit"}),
    ("prop", (["sch.wide"],), {"by": "stype", "ci": "beta"}),
    ("ratio", ("api00", "api99"), {"by": "stype"}),
]


def _run(design, verb, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(design, verb)(*args, **kwargs)


@pytest.fixture(scope="module")
def api_files(tmp_path_factory, realdata):
    out = {}
    tmp = tmp_path_factory.mktemp("api")
    for name, (fname, _) in API.items():
        frame = pd.read_csv(realdata_file(f"rsurvey/{fname}"))
        path = tmp / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        out[name] = (pd.read_parquet(path), path)
    return out


@pytest.mark.realdata
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(API))
def test_api_verbs_equal_memory(backend, name, api_files, request):
    frame, path = api_files[name]
    kw = API[name][1]
    ref = survey.Design(frame, **kw)
    got = TableDesign(source_for(backend, frame, path, request), **kw)
    calls = API_CALLS if backend != "spark" else API_CALLS[::3]
    for verb, args, kwargs in calls:
        assert_same(_run(ref, verb, args, kwargs), _run(got, verb, args, kwargs))


@pytest.mark.realdata
@pytest.mark.parametrize("policy", ["certainty", "adjust", "average", "remove"])
def test_lonely_psu_policies(policy, api_files):
    """apiclus1 with one district per 'stratum' of a made-up grouping: lonely PSUs."""
    frame, path = api_files["apiclus1"]
    frame = frame.assign(grp=(frame["dnum"] % 7).where(frame["dnum"] != 716, 99))
    lone = frame.assign(dnum=frame["dnum"])
    p = path.with_name("lonely.parquet")
    lone.to_parquet(p, index=False)
    kw = {"weight": "pw", "psu": "dnum", "strata": "grp", "lonely_psu": policy}
    ref = survey.Design(pd.read_parquet(p), **kw)
    got = TableDesign(str(p), **kw)
    assert any(s == 0 for s, _ in ref.lonely_strata())
    for verb, args, kwargs in API_CALLS[:2] + API_CALLS[5:7]:
        assert_same(_run(ref, verb, args, kwargs), _run(got, verb, args, kwargs))


@pytest.mark.realdata
def test_lonely_fail_names_stratum(api_files):
    frame, path = api_files["apiclus1"]
    frame = frame.assign(grp=(frame["dnum"] % 7).where(frame["dnum"] != 716, 99))
    p = path.with_name("lonely_fail.parquet")
    frame.to_parquet(p, index=False)
    got = TableDesign(str(p), weight="pw", psu="dnum", strata="grp")
    with pytest.raises(survey.design.DesignError, match="99"):
        got.mean("api00")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from survey.datasets import demo_path

    frame = survey.read(demo_path()).data
    path = tmp_path_factory.mktemp("demo") / "demo.parquet"
    frame.to_parquet(path, index=False)
    return pd.read_parquet(path), path


DEMO_KW = {"weight": "weight", "strata": "stratum", "psu": ["psu", "hh_id"]}


@pytest.mark.parametrize("backend", BACKENDS)
def test_demo_verbs_equal_memory(backend, demo, request):
    """The bundled demo survey (no real data needed): every verb by crossed domains."""
    frame, path = demo
    ref = survey.Design(frame, **DEMO_KW)
    got = TableDesign(source_for(backend, frame, path, request), **DEMO_KW)
    calls = [
        ("mean", (["burglary", "trust_police", "robbery_n"],), {"by": ["region", "wave"]}),
        ("total", (["burglary_n"],), {"by": "region"}),
        ("prop", (["trust_police", "fear_dark"],), {"by": ["wave", "sex"]}),
        ("prop", (["burglary"],), {"by": "region", "df": "domain"}),
        ("ratio", (["burglary_n"], ["hh_size"]), {"by": "wave"}),
    ]
    for verb, args, kwargs in calls:
        assert_same(_run(ref, verb, args, kwargs), _run(got, verb, args, kwargs))


def test_estimate_set_contrast_on_backend(demo):
    """survey.engine.estimate dispatches to the backend; contrasts work on the result."""
    from survey.engine import estimate

    frame, path = demo
    ref = estimate(survey.Design(frame, **DEMO_KW), "mean", "burglary", by="wave")
    got = estimate(TableDesign(str(path), **DEMO_KW), "mean", "burglary", by="wave")
    L = [[-1.0, 1.0]]
    assert_same(ref.contrast(L).to_frame(), got.contrast(L).to_frame())


def test_not_pushed_down_is_named(demo):
    _, path = demo
    d = TableDesign(str(path), **DEMO_KW)
    with pytest.raises(NotPushedDown, match="score"):
        d.quantile("robbery_n", ci="score")
    with pytest.raises(NotPushedDown, match="post-stratification"):
        d.with_weights([1.0])
    with pytest.raises(NotPushedDown, match="needs the rows in memory"):
        d.data  # noqa: B018
    # functions that read the rows name themselves (compare_within, did and the registry
    # indicators are pushed down: tests/backends/test_indicators_compare.py)
    from survey.compare import svyttest

    with pytest.raises(NotPushedDown, match="svyttest"):
        svyttest(d, "robbery_n", "region")


def test_design_columns_named_like_internal_sums(demo, tmp_path):
    """Columns called ``sw``, ``nnz``, ``t0`` or ``n_rows`` (names a pass might use for its
    sums) are design and domain columns like any other (a strata column ``sw`` once
    silently replaced the sum of weights in the logit replay)."""
    frame, _ = demo
    frame = frame.rename(columns={"stratum": "sw", "psu": "n_rows", "region": "t0", "wave": "nnz"})
    path = tmp_path / "clash.parquet"
    frame.to_parquet(path, index=False)
    kw = {"weight": "weight", "strata": "sw", "psu": ["n_rows", "hh_id"]}
    ref = survey.Design(pd.read_parquet(path), **kw)
    got = TableDesign(str(path), **kw)
    for verb, args, kwargs in [
        ("prop", (["burglary"],), {"by": ["t0", "nnz"]}),
        ("mean", (["robbery_n"],), {"by": "sw"}),
    ]:
        assert_same(_run(ref, verb, args, kwargs), _run(got, verb, args, kwargs))


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_domains(backend, demo, tmp_path, request):
    """Integer domain codes: per-domain constants (the logit replay's mean weights, a
    quantile's bound, with an empty domain's missing bound) are an array lookup in SQL."""
    frame, _ = demo
    frame = frame.assign(
        region=frame["region"].astype("int64") * 3,
        area=(frame["hh_id"].astype("int64") % 6).astype("int64"),
    )
    frame.loc[frame["area"] == 5, "hh_size"] = float("nan")  # a domain with no answers
    path = tmp_path / "intdom.parquet"
    frame.to_parquet(path, index=False)
    frame = pd.read_parquet(path)
    ref = survey.Design(frame, **DEMO_KW)
    got = TableDesign(source_for(backend, frame, path, request), **DEMO_KW)
    for verb, args, kwargs in [
        ("prop", (["trust_police", "burglary"],), {"by": "region"}),
        ("quantile", ("hh_size",), {"by": "area", "q": (0.25, 0.5)}),
    ]:
        assert_same(_run(ref, verb, args, kwargs), _run(got, verb, args, kwargs))
