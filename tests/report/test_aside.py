"""pipeline._Aside: the indicators step in two processes. The estimates a forked child
computes are the in-process ones; its warnings reach the caller before those of the
comparisons (the steps' order); a failing child leaves the error to an in-process run."""

from __future__ import annotations

import sys
import warnings

import pandas as pd
import pytest

from survey._children import background_writes
from survey.report import pipeline as P

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")

SPEC = {"waves": None, "sae": None, "figures": {}}


@linux
def test_child_estimates_and_warnings_come_back_in_step_order(monkeypatch):
    import os

    parent = os.getpid()

    def estimate(spec, designs, indicators):
        warnings.warn(
            f"estimated in {'parent' if os.getpid() == parent else 'child'}", stacklevel=2
        )
        return pd.DataFrame({"x": [0.1, 1 / 3]}).assign(pid=os.getpid())

    def contrasts(spec, designs, indicators):
        warnings.warn("contrasts", stacklevel=2)
        return "C"

    monkeypatch.setattr(P, "_estimate", estimate)
    monkeypatch.setattr(P, "_contrasts", contrasts)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with background_writes():
            aside = P._Aside(SPEC, {}, [])
            assert not caught  # the parent's own warnings wait for the estimates'
            res = aside.results()
            assert aside.take("contrasts") == "C"
    assert [str(w.message) for w in caught] == ["estimated in child", "contrasts"]
    assert res["pid"].iloc[0] != parent
    assert res["x"].tolist() == [0.1, 1 / 3]  # bit for bit
    assert aside.take("sae") is None  # no sae in the spec: not run


@linux
def test_failing_child_leaves_the_error_to_the_parent(monkeypatch):
    calls = []

    def estimate(spec, designs, indicators):
        calls.append(1)  # counted in the parent only (the child's list is its own)
        raise P.SpecError("no estimate")

    monkeypatch.setattr(P, "_estimate", estimate)
    monkeypatch.setattr(P, "_contrasts", lambda *a: None)
    with pytest.raises(P.SpecError, match="no estimate"), background_writes():
        P._Aside(SPEC, {}, []).results()
    assert calls == [1]


@linux
def test_error_of_the_parents_part_is_raised_when_its_step_takes_it(monkeypatch):
    def contrasts(spec, designs, indicators):
        raise ValueError("bad contrast")

    monkeypatch.setattr(P, "_estimate", lambda *a: pd.DataFrame({"x": [1.0]}))
    monkeypatch.setattr(P, "_contrasts", contrasts)
    with background_writes():
        aside = P._Aside(SPEC, {}, [])
        assert aside.results()["x"].tolist() == [1.0]  # the estimates step still succeeds
        with pytest.raises(ValueError, match="bad contrast"):
            aside.take("contrasts")
