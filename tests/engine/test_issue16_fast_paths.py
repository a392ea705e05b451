"""The issue-16 fast paths give the numbers of the general code they replace."""

import numpy as np
import pandas as pd
import pytest

from survey import Design
from survey.engine import linearization
from survey.engine import quantiles as qm
from survey.engine.calibrate_variance import LowRankZ, RowLowRankZ
from survey.engine.core import LazyInfluence, estimate
from survey.engine.domains import dense_factorize
from survey.weighting import Rake


@pytest.mark.parametrize(
    "values",
    [
        np.array([5, -3, 5, 7, -3, 0], dtype=np.int8),
        np.array([120, -120, 3], dtype=np.int8),  # the shift must not wrap int8
        np.array([True, False, True]),
        np.array([2**40 + 3, 2**40, 2**40 + 3]),
        np.arange(10, dtype=np.uint16)[::-1],
    ],
)
def test_dense_factorize_is_sorted_factorize(values):
    codes, uniques = dense_factorize(values)
    ref_codes, ref_uniques = pd.factorize(values, sort=True)
    np.testing.assert_array_equal(codes, ref_codes)
    np.testing.assert_array_equal(uniques, ref_uniques)
    assert uniques.dtype == ref_uniques.dtype


def test_dense_factorize_declines_floats_and_wide_ranges():
    assert dense_factorize(np.array([0.5, 1.0])) is None
    assert dense_factorize(np.array([0, 10**12])) is None


def test_parallel_domain_value_order_is_the_stable_order(monkeypatch):
    monkeypatch.setattr(qm, "PARALLEL_SORT_ROWS", 100)
    rng = np.random.default_rng(3)
    n = 5_000
    x = rng.integers(0, 30, n).astype(float)  # many ties: row order decides
    x[:50] = -0.0
    codes = rng.integers(-1, 4, n)
    w = rng.uniform(0, 2, n)
    w[::97] = 0.0
    keep = np.flatnonzero((codes >= 0) & (w > 0))
    by_value = keep[np.argsort(x[keep], kind="stable")]
    ref = by_value[np.argsort(codes[by_value], kind="stable")]
    np.testing.assert_array_equal(qm.domain_value_order(x, codes, w), ref)


def _data(n=3_000, seed=2):
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 60, n)
    return pd.DataFrame(
        {
            "stratum": psu // 6,
            "psu": psu,
            "weight": rng.uniform(1, 5, n),
            "dom": rng.integers(0, 4, n),
            "y": (rng.random(n) < 0.3).astype(np.int8),
            "x": rng.gamma(2.0, 3.0, n),
            "c": rng.integers(0, 6, n),
            "age": rng.integers(0, 3, n),
            "sex": rng.integers(0, 2, n),
        }
    )


def test_lazy_influence_variance_equals_the_formed_matrix():
    des = Design(_data(), weight="weight", strata="stratum", psu="psu")
    es = estimate(des, "prop", ["c", "y"], by="dom")
    lazy = es.__dict__["_Z"]
    assert isinstance(lazy, LazyInfluence)
    blockwise = es.variance()
    full = linearization.vcov(des, lazy.build(), es.strata_presence, full=False)
    np.testing.assert_allclose(blockwise, full, rtol=1e-13, atol=0)
    assert es.has_influence
    assert es.Z.shape == (60, len(es))  # formed on access
    np.testing.assert_allclose(np.diag(es.vcov()), blockwise, rtol=1e-12)


def _raked_row_path(df):
    """The raked no-cluster design's row path and the factored general path's variances."""
    base = Design(df, weight="weight", strata="stratum")
    tot = float(df["weight"].sum())
    pops = [
        ("age", pd.DataFrame({"age": range(3), "Freq": [tot / 3] * 3})),
        ("sex", pd.DataFrame({"sex": range(2), "Freq": [tot / 2] * 2})),
    ]
    raked = Rake(pops, count="Freq").fit_transform(base)
    es = estimate(raked, "mean", ["y", "x"], by="dom")
    assert isinstance(es.Z, RowLowRankZ)
    general = LowRankZ(es.Z.Z, es.Z.G, es.Z.C, es.Z.blocks)
    slow = linearization.vcov(raked, general, es.strata_presence, full=False)
    return raked, es, es.variance(), slow


def test_rows_as_units_calibration_variance_equals_the_factored_path():
    raked, es, fast, slow = _raked_row_path(_data())
    np.testing.assert_allclose(fast, slow, rtol=1e-11, atol=0)
    dense = es.Z.toarray()
    np.testing.assert_allclose(fast, linearization.vcov(raked, dense), rtol=1e-10)


def test_rows_as_units_calibration_with_rows_outside_the_domains_and_no_answers():
    """Rows outside every domain (missing ``by``) and a domain without answers to an item
    (non-finite influence, zeroed): the row path equals the factored general path."""
    df = _data()
    df["dom"] = df["dom"].astype(float)
    df.loc[::9, "dom"] = np.nan
    df["x"] = df["x"].where(df["dom"] != 2)  # domain 2: no answers to x
    _, es, fast, slow = _raked_row_path(df)
    assert not es.Z.cells.row_mask.all()
    assert np.isfinite(fast).sum() == np.isfinite(slow).sum() > 0
    np.testing.assert_allclose(fast, slow, rtol=1e-11, atol=0)


@pytest.mark.parametrize("lonely", ["adjust", "certainty", "average"])
def test_logit_variance_from_the_mean_pass_moments_equals_its_own_pass(lonely, monkeypatch):
    """The logit interval's variance from the mean pass's centred moments (alpha z + beta m)
    equals the variance of the intercept's influence formed and passed through vcov."""
    from survey.engine import logit_glm

    df = _data()
    df.loc[df["stratum"] == 3, "psu"] = 18  # one stratum with a single PSU
    df.loc[::7, "c"] = np.nan  # missing answers: the not-missing totals differ by domain
    des = Design(df, weight="weight", strata="stratum", psu="psu", lonely_psu=lonely)
    fast = estimate(des, "prop", ["c", "y"], by="dom")
    fast.variance(moments=True)
    if lonely == "average":  # rescaled by the strata of each domain: the general vcov
        assert fast.__dict__["_Z"].moments is None
        return
    assert fast.__dict__["_Z"].moments is not None
    slow = estimate(des, "prop", ["c", "y"], by="dom")
    slow.variance()  # no moments kept: the logit pass forms its own influence
    assert slow.__dict__["_Z"].moments is None
    calls = []
    real_vcov = linearization.vcov

    def counting_vcov(*args, **kwargs):
        calls.append(1)
        return real_vcov(*args, **kwargs)

    monkeypatch.setattr(linearization, "vcov", counting_vcov)
    _, _, v_fast = logit_glm.replay_glm(fast, dispersion=False)[:3]
    assert not calls  # no pass of its own
    _, _, v_slow = logit_glm.replay_glm(slow, dispersion=False)[:3]
    assert calls
    monkeypatch.undo()
    assert np.isfinite(v_slow).all() and v_slow.size == 4 * 7
    np.testing.assert_allclose(v_fast, v_slow, rtol=1e-12, atol=1e-30)
    # and through to_frame, the user's route: the same interval limits
    a = des.prop("c", by="dom", ci="logit", df="inf")
    b = Design(df, weight="weight", strata="stratum", psu="psu", lonely_psu=lonely)
    lazy_off = estimate(b, "prop", ["c"], by="dom")
    lo, hi = logit_glm.logit_intervals(lazy_off, 1.959963984540054)
    np.testing.assert_allclose(a["ci_low"].to_numpy()[: lo.size], lo, rtol=1e-12)


def test_one_stage_rule_variance_equals_vcov():
    df = _data()
    des = Design(df, weight="weight", strata="stratum", psu="psu")
    es = estimate(des, "mean", ["y", "x"], by="dom")
    lazy = es.__dict__["_Z"]
    rule = linearization.one_stage_rule(des, es.strata_presence)
    assert rule is not None
    np.testing.assert_allclose(
        es.variance(),
        linearization.vcov(des, lazy.build(), es.strata_presence, full=False),
        rtol=1e-13,
    )


def test_single_block_cell_totals_equal_the_per_column_bincounts():
    from survey.engine.core import cell_totals, make_cells
    from survey.engine.estimators import build

    df = _data()
    df["c"] = df["c"].astype(float)
    df.loc[::5, "c"] = np.nan  # rows outside every category
    des = Design(df, weight="weight", strata="stratum", psu="psu")
    est = build(des, "prop", ["c"])
    unit = des.variance_stages[-1].unit
    dom = df["dom"].to_numpy()
    cells = make_cells(unit, des.variance_stages[-1].n_units, dom, 4)
    fast = cell_totals(cells, est.columns, des.weights)
    slow = cell_totals(cells, [np.asarray(c, dtype=float) for c in est.columns], des.weights)
    np.testing.assert_allclose(fast, slow, rtol=1e-14, atol=1e-12)
    assert fast[:, 2:].sum() > 0


@pytest.mark.parametrize("lonely", ["adjust", "certainty", "remove"])
def test_sparse_category_block_variance_equals_the_dense_pass(lonely, monkeypatch):
    """A many-category item's variances (and its logit interval) from the block's stored
    cells equal those of the formed influence matrix."""
    from survey.engine import core

    df = _data(n=4_000, seed=7)
    rng = np.random.default_rng(8)
    df["k"] = rng.integers(0, 45, len(df)).astype(float)
    df.loc[::9, "k"] = np.nan
    df.loc[df["stratum"] == 2, "psu"] = 12  # a lonely stratum
    des = Design(df, weight="weight", strata="stratum", psu="psu", lonely_psu=lonely)
    es = estimate(des, "prop", ["k", "y"], by="dom")
    lazy = es.__dict__["_Z"]
    assert lazy._sparse_groups(
        np.stack([c[:, 0] for c in lazy.coefs], axis=1),
        np.stack([c[:, 1] for c in lazy.coefs], axis=1),
    )
    fast = es.variance(moments=True)
    full = linearization.vcov(des, lazy.build(), es.strata_presence, full=False)
    assert (full > 0).sum() > 100
    np.testing.assert_allclose(fast, full, rtol=1e-11, atol=1e-300)
    frame_fast = des.prop("k", by="dom", ci="logit", df="inf")
    monkeypatch.setattr(core, "SPARSE_BLOCK_MIN", 10**9)  # the dense pass
    frame_dense = des.prop("k", by="dom", ci="logit", df="inf")
    for col in ("se", "ci_low", "ci_high"):
        np.testing.assert_allclose(frame_fast[col], frame_dense[col], rtol=1e-11)


@pytest.mark.parametrize("D", [3, 5000])
def test_packed_case_counts_equal_per_item_counts(D, monkeypatch):
    """Rows with a 1 per domain of 0/1 one-byte items, counted k bits per pass, are the
    plain per-item counts (k shrinks as the domains grow)."""
    from survey.engine import core

    rng = np.random.default_rng(11)
    n = 20_000
    d_in = rng.integers(0, D, n)
    cols = [(rng.random(n) < p).astype(np.int8) for p in np.linspace(0.05, 0.9, 19)]
    cols.append(rng.random(n) < 0.5)  # bool
    cases = np.zeros((D, len(cols)))
    core._packed_counts(cases, list(enumerate(cols)), d_in, slice(None), D)
    for j, c in enumerate(cols):
        np.testing.assert_array_equal(cases[:, j], np.bincount(d_in, weights=c, minlength=D))
