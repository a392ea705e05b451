"""The cell totals' sparse product adds the same products in the same row order as
``np.bincount``: the sums are identical to the last bit, threaded or not."""

import os
import sys

import numpy as np
import pytest

from survey.engine import _threads, core


def _cells(n, n_units, n_dom, rng):
    unit = rng.integers(0, n_units, n)
    dom = rng.integers(-1, n_dom, n)  # -1: rows in no domain
    return core.make_cells(unit, n_units, dom, n_dom)


@pytest.mark.parametrize("n", [1_000, core.PARALLEL_SUM_ROWS + 1])  # serial, threaded
def test_scatter_sums_of_the_cells_equal_bincount_bit_for_bit(n):
    rng = np.random.default_rng(3)
    cells = _cells(n, 300, 7, rng)
    w = rng.uniform(0.5, 300.0, n)[cells.row_mask]
    cols = [
        (rng.random(n) < 0.3).astype(np.int8)[cells.row_mask],
        rng.gamma(2.0, 1e4, n)[cells.row_mask],
        np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))[cells.row_mask],
    ]
    got = core.scatter_sums(cells.row_cell, cells.n_cells, cols, w)
    for x, total in zip(cols, got, strict=True):
        want = np.bincount(cells.row_cell, weights=w * x, minlength=cells.n_cells)
        np.testing.assert_array_equal(total, want)


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="fork")
def test_thread_pool_works_in_a_forked_child():
    """The report forks its estimation child: the parent's pool threads do not exist there,
    so the child must get its own pool rather than wait forever on the parent's."""
    assert _threads.pool().submit(lambda: 2 + 2).result() == 4
    pid = os.fork()
    if pid == 0:  # child: exit 0 only if the pool answers
        try:
            ok = _threads.pool().submit(lambda: 6 * 7).result(timeout=20) == 42
        except Exception:
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
