"""Post-stratification and raking on each backend equal the in-memory weighting
(:class:`survey.weighting.PostStratify`, :class:`~survey.weighting.Rake`) to 1e-10: the
estimates under the new weights and R's calibration variance (the in-memory engine is
checked against R's postStratify/rake in tests/weighting)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import survey
from survey.backends import NotPushedDown, TableDesign
from survey.weighting import PostStratify, Rake
from tests.backends.conftest import BACKENDS, assert_same, source_for
from tests.conftest import realdata_file

DEMO_KW = {"weight": "weight", "strata": "stratum", "psu": ["psu", "hh_id"]}

CALLS = [
    ("mean", (["burglary", "robbery_n"],), {"by": "wave"}),
    ("total", (["burglary"],), {}),
    ("prop", (["trust_police"],), {"by": "region", "ci": "wald"}),
    ("ratio", ("burglary_n", "hh_size"), {"by": "sex"}),
    ("quantile", ("hh_size",), {"by": "wave"}),
]


def _run(design, verb, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(design, verb)(*args, **kwargs)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from survey.datasets import demo_path

    frame = survey.read(demo_path()).data
    path = tmp_path_factory.mktemp("demo_cal") / "demo.parquet"
    frame.to_parquet(path, index=False)
    frame = pd.read_parquet(path)
    w = frame["weight"]
    pop_r = (w.groupby(frame["region"]).sum() * 1.1).to_dict()
    pop_s = w.groupby(frame["sex"]).sum()
    pop_s = pop_s * [0.97, 1.03]
    pop_s = (pop_s * sum(pop_r.values()) / pop_s.sum()).to_dict()
    pop_rs = w.groupby([frame["region"], frame["sex"]]).sum() * 1.05
    return frame, path, pop_r, pop_s, pop_rs


@pytest.mark.parametrize("backend", BACKENDS)
def test_poststratify_equals_memory(backend, demo, request):
    frame, path, pop_r, _, pop_rs = demo
    ref = survey.Design(frame, **DEMO_KW)
    got = TableDesign(source_for(backend, frame, path, request), **DEMO_KW)
    for variables, pop in [("region", pop_r), (["region", "sex"], pop_rs)]:
        a = PostStratify(variables, pop).fit_transform(ref)
        b = got.poststratify(variables, pop)
        calls = CALLS if backend != "spark" else CALLS[:2]
        for verb, args, kwargs in calls:
            assert_same(_run(a, verb, args, kwargs), _run(b, verb, args, kwargs))


@pytest.mark.parametrize("backend", BACKENDS)
def test_rake_equals_memory(backend, demo, request):
    frame, path, pop_r, pop_s, _ = demo
    ref = survey.Design(frame, **DEMO_KW)
    got = TableDesign(source_for(backend, frame, path, request), **DEMO_KW)
    margins = {"region": pop_r, "sex": pop_s}
    a = Rake(margins).fit_transform(ref)
    b = got.rake(margins)
    calls = CALLS if backend != "spark" else CALLS[:1]
    for verb, args, kwargs in calls:
        assert_same(_run(a, verb, args, kwargs), _run(b, verb, args, kwargs))
    # the calibration changes the variance (the test would see a missing residualisation)
    plain = _run(got, "total", (["burglary"],), {})
    assert abs(_run(b, "total", (["burglary"],), {})["se"].iloc[0] - plain["se"].iloc[0]) > 1.0


def test_calibration_not_pushed_down_says_so(demo):
    frame, path, pop_r, pop_s, _ = demo
    got = TableDesign(str(path), **DEMO_KW).poststratify("region", pop_r)
    with pytest.raises(NotPushedDown, match="logit"):
        got.prop("trust_police")
    with pytest.raises(NotPushedDown, match="already calibrated"):
        got.rake({"region": pop_r, "sex": pop_s})
    with pytest.raises(NotPushedDown, match="replicate"):
        TableDesign(str(path), **DEMO_KW).as_replicate("JKn").poststratify("region", pop_r)


@pytest.mark.realdata
def test_enusc_rake(tmp_path):
    """ENUSC 2023 from Parquet raked to sex and region totals (lonely-PSU strata)."""
    frame = pd.read_csv(realdata_file("enusc/enusc_2023_subset.csv.gz"))
    frame = frame.dropna(subset=["rph_sexo", "enc_region"])
    kw = {"weight": "Fact_Pers_Reg", "strata": "VarStrat", "psu": "Conglomerado",
          "lonely_psu": "certainty"}  # fmt: skip
    path = tmp_path / "enusc.parquet"
    frame.to_parquet(path, index=False)
    back = pd.read_parquet(path)
    w = back["Fact_Pers_Reg"]
    pop_reg = (w.groupby(back["enc_region"]).sum() * 1.02).to_dict()
    pop_sex = w.groupby(back["rph_sexo"]).sum()
    pop_sex = pop_sex * [1.01, 0.99]
    pop_sex = (pop_sex / pop_sex.sum() * sum(pop_reg.values())).to_dict()
    margins = {"enc_region": pop_reg, "rph_sexo": pop_sex}
    a = Rake(margins).fit_transform(survey.Design(back, **kw))
    b = TableDesign(str(path), **kw).rake(margins)
    for verb, args, kwargs in [
        ("prop", (["VP_DC"],), {"by": "enc_region", "ci": "wald"}),
        ("mean", (["VH_DC"],), {"by": "rph_sexo"}),
    ]:
        assert_same(_run(a, verb, args, kwargs), _run(b, verb, args, kwargs))
