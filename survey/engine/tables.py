"""Weighted contingency tables (R's ``svytable``): sums of the sampling weights per cell.

No variance here: a table is the point estimate of population counts (use ``total`` of a
categorical variable for SEs). The cells are every combination of the variables' levels
(categorical dtype: all its categories; otherwise the sorted observed values), zeros
included, as R's ``xtabs``; rows missing any variable are left out.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from survey._names import did_you_mean


def _levels(s: pd.Series) -> list:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(pd.unique(s.dropna()).tolist())


def _cell_sums(data: pd.DataFrame, variables: list[str], w: np.ndarray, rows: np.ndarray):
    levels = [_levels(data[v]) for v in variables]
    codes = []
    for v, lev in zip(variables, levels, strict=True):
        c = pd.Categorical(data[v], categories=lev).codes.astype(np.int64)
        codes.append(c)
    ok = rows & np.logical_and.reduce([c >= 0 for c in codes])
    shape = [len(lev) for lev in levels]
    flat = np.ravel_multi_index([c[ok] for c in codes], shape) if shape else np.zeros(0, int)
    sums = np.bincount(flat, weights=w[ok], minlength=int(np.prod(shape)))
    return levels, sums


def weighted_table(design, variables, ntotal=None, round: bool = False) -> pd.DataFrame:
    """R's ``svytable(~a + b, design, Ntotal=, round=)`` as a long frame (see
    :meth:`survey.Design.table`)."""
    from survey.design import ReplicateDesign

    variables = [variables] if isinstance(variables, str) else list(variables)
    if not variables:
        raise ValueError("table: give at least one variable")
    data = design.data
    for v in variables:
        if v not in data.columns:
            raise ValueError(f"variable {v!r} is not in the data{did_you_mean(v, data.columns)}")
    w = np.asarray(design.weights, dtype=float)
    all_rows = np.ones(len(data), dtype=bool)
    if isinstance(design, ReplicateDesign) and ntotal is None:
        ntotal = float(w.sum())  # R: Ntotal = sum(weights(design, "sampling"))
    per_stratum = ntotal is not None and (
        isinstance(ntotal, Mapping | pd.DataFrame | pd.Series)
        or (np.ndim(ntotal) > 0 and np.size(ntotal) > 1)
    )
    strata_col = getattr(design, "strata_name", None)
    if isinstance(strata_col, list | tuple):
        strata_col = strata_col[0] if strata_col else None
    if per_stratum and strata_col is None:
        # R: without strata only sum(Ntotal) is used
        ntotal = float(np.sum(_totals_values(ntotal)))
        per_stratum = False
    if not per_stratum:
        levels, sums = _cell_sums(data, variables, w, all_rows)
        if ntotal is not None:
            total = sums.sum()
            sums = sums * (float(ntotal) / total)
    else:
        targets = _totals_mapping(ntotal)
        strata = data[strata_col]
        levels, sums = None, None
        for h in _levels(strata):
            if h not in targets:
                raise ValueError(
                    f"ntotal has no total for stratum {h!r} of {strata_col!r} "
                    f"(given: {', '.join(map(str, targets))})"
                )
            rows = (strata == h).to_numpy()
            lev, s = _cell_sums(data, variables, w, rows)
            s = s * (targets[h] / s.sum())
            levels = lev
            sums = s if sums is None else sums + s
    if round:
        sums = np.round(sums)
    grid = pd.MultiIndex.from_product(levels, names=variables).to_frame(index=False)
    for v in variables:
        if isinstance(data[v].dtype, pd.CategoricalDtype):
            grid[v] = pd.Categorical(grid[v], categories=data[v].cat.categories)
    grid["n_weighted"] = sums
    grid.attrs["statistic"] = "table"
    return grid


def _totals_values(ntotal):
    if isinstance(ntotal, pd.DataFrame):
        return ntotal.iloc[:, 1].to_numpy(dtype=float)
    if isinstance(ntotal, Mapping | pd.Series):
        return np.asarray(list(dict(ntotal).values()), dtype=float)
    return np.asarray(ntotal, dtype=float)


def _totals_mapping(ntotal) -> dict:
    if isinstance(ntotal, pd.DataFrame):
        return dict(zip(ntotal.iloc[:, 0], ntotal.iloc[:, 1].astype(float), strict=True))
    if isinstance(ntotal, Mapping | pd.Series):
        return {k: float(v) for k, v in dict(ntotal).items()}
    raise ValueError(
        "ntotal per stratum: give a mapping stratum -> total or a DataFrame (stratum, total)"
    )
