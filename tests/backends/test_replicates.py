"""Replicate designs on the backends equal the in-memory ReplicateDesign (1e-10).

Generated factors (JK1, JKn, BRR, Fay, bootstrap) come from the PSU structure and the pass
sums PSU totals; supplied replicate-weight columns are summed under every replicate weight by
domain (with R's rank-based df from the replicate weights' cross products)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import survey
from survey.backends import TableDesign, TableReplicateDesign
from survey.weighting.replicates import as_replicate, replicate_factors_frame
from tests.backends.conftest import BACKENDS, assert_same, source_for
from tests.conftest import realdata_file

CALLS = [
    ("mean", (["api00", "acs.k3"],), {"by": "awards", "df": "domain"}),
    ("prop", (["sch.wide", "stype"],), {"by": "awards"}),
    ("total", (["enroll"],), {}),
    ("ratio", ("api00", "api99"), {"by": "stype"}),
]


def _run(design, verb, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(design, verb)(*args, **kwargs)


@pytest.fixture(scope="module")
def apistrat(tmp_path_factory, realdata):
    frame = pd.read_csv(realdata_file("rsurvey/apistrat.csv"))
    frame["half"] = frame["snum"] % 2  # two pseudo-PSUs per stratum, for BRR/Fay
    path = tmp_path_factory.mktemp("rep") / "apistrat.parquet"
    frame.to_parquet(path, index=False)
    return pd.read_parquet(path), path


@pytest.mark.realdata
@pytest.mark.parametrize(
    "type_, kw, design_kw",
    [
        ("JKn", {}, {"strata": "stype"}),  # rows are the PSUs
        ("JKn", {}, {"strata": "stype", "psu": "half", "nest": True}),
        ("BRR", {}, {"strata": "stype", "psu": "half", "nest": True}),
        ("Fay", {"rho": 0.3}, {"strata": "stype", "psu": "half", "nest": True}),
        ("bootstrap", {"replicates": 40, "random_state": 3}, {"strata": "stype"}),
        ("JK1", {}, {"psu": "dnum"}),
    ],
)
def test_generated_factors_equal_memory(type_, kw, design_kw, apistrat):
    frame, path = apistrat
    ref = as_replicate(survey.Design(frame, weight="pw", **design_kw), type_, **kw)
    got = TableDesign(str(path), weight="pw", **design_kw).as_replicate(type_, **kw)
    np.testing.assert_array_equal(got.factors, ref.factors)  # R's replicate order
    assert got.degf == ref.degf
    for verb, args, kwargs in CALLS:
        assert_same(_run(ref, verb, args, kwargs), _run(got, verb, args, kwargs))


@pytest.mark.realdata
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("combined", [True, False])
def test_supplied_replicate_columns_equal_memory(backend, combined, apistrat, request, tmp_path):
    frame, _ = apistrat
    base = survey.Design(frame, weight="pw", strata="stype")
    rd = as_replicate(base, "bootstrap", replicates=20, random_state=7)
    rw = replicate_factors_frame(base, rd.factors)
    if combined:
        rw = rw.mul(base.weights, axis=0)
    full = pd.concat([frame, rw.add_prefix("w_")], axis=1)
    path = tmp_path / "rw.parquet"
    full.to_parquet(path, index=False)
    full = pd.read_parquet(path)
    args = {"type": "bootstrap", "combined_weights": combined}
    ref = survey.ReplicateDesign(full, "pw", "^w_rep", **args)
    got = TableReplicateDesign(source_for(backend, full, path, request), "pw", "^w_rep", **args)
    assert got.degf == ref.degf == 19
    calls = CALLS if backend != "spark" else CALLS[:2]
    for verb, a, kwargs in calls:
        assert_same(_run(ref, verb, a, kwargs), _run(got, verb, a, kwargs))
