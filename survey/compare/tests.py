"""Design-based tests: t-test for a difference of means, Rao-Scott chi-square for tables.

Both are R's (``svyttest``, ``svychisq``) and take their variances from the engine: the
t-test is a ``svyglm`` coefficient, the table tests use the full covariance matrix of the
cell proportions (or totals) returned by :func:`survey.engine.estimate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from survey.compare.regression import complete_degf, svyglm
from survey.engine import estimate
from survey.engine.estimators import MeanTotal

#: Columns of :func:`svychisq`.
CHISQ_COLUMNS = ("rows", "cols", "statistic", "test", "value", "ndf", "ddf", "p_value", "pearson")
#: Columns of :func:`svyttest`.
TTEST_COLUMNS = (
    "variable",
    "group",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "t",
    "p_value",
)


def svyttest(design, variable: str, group: str | None = None, level: float = 0.95):
    """Design-based t-test (R's ``svyttest``).

    With ``group``: the difference in means between the two groups (second level minus
    first, in sorted order), i.e. the group coefficient of ``svyglm(variable ~ group)``,
    with ``t`` on the model's residual df (design df of the complete rows - 1). Without:
    the one-sample test of mean 0 on ``degf(design) - 1`` df.

    Returns
    -------
    pandas.DataFrame
        One row: ``variable, group, estimate, se, ci_low, ci_high, df, t, p_value``.
    """
    if group is None:
        est = estimate(design, "mean", variable)
        theta = float(est.theta[0])
        se = float(np.sqrt(est.variance()[0]))
        df = float(design.degf - 1)
        term = "mean"
    else:
        g = design.data[group]
        levels = pd.unique(g.dropna())
        if len(levels) != 2:
            raise ValueError(
                f"group column {group!r} must have exactly two values, has {len(levels)}"
            )
        is_num = pd.api.types.is_numeric_dtype(g.dtype) or pd.api.types.is_bool_dtype(g.dtype)
        codes = {0, 1} if is_num and set(levels) <= {0, 1} else None
        if codes is None and not (is_num and set(levels) <= {1, 2}):
            formula = f"{variable} ~ factor({group})"
        else:
            formula = f"{variable} ~ {group}"
        fit = svyglm(design, formula, "gaussian")
        row = fit.to_frame(level).iloc[1]
        theta, se, df, term = row["estimate"], row["se"], row["df"], row["term"]
    t = theta / se
    q = stats.t.ppf((1 + level) / 2, df)
    out = pd.DataFrame(
        {
            "variable": [variable],
            "group": [term if group is not None else pd.NA],
            "estimate": [theta],
            "se": [se],
            "ci_low": [theta - q * se],
            "ci_high": [theta + q * se],
            "df": [df],
            "t": [t],
            "p_value": [2 * stats.t.sf(abs(t), df)],
        }
    )
    out.attrs["level"] = level
    return out


def _table_columns(design, rows: str, cols: str):
    data = design.data
    for c in (rows, cols):
        if c not in data.columns:
            raise KeyError(f"column {c!r} is not in the data")
    r, c = data[rows], data[cols]
    rlev = sorted(pd.unique(r.dropna()).tolist())
    clev = sorted(pd.unique(c.dropna()).tolist())
    if len(rlev) < 2 or len(clev) < 2:
        raise ValueError(f"{rows!r} x {cols!r}: each variable needs at least two values")
    miss = (r.isna() | c.isna()).to_numpy()
    rv, cv = r.to_numpy(dtype=object), c.to_numpy(dtype=object)
    return rlev, clev, rv, cv, miss


def svychisq(design, rows: str, cols: str, statistic: str = "F") -> pd.DataFrame:
    """Design-based test of independence in a two-way table (R's ``svychisq``).

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
    rows, cols : str
        The two categorical columns. Rows missing either are left out (R's ``na.rm=TRUE``)
        as a domain, never removed from the design.
    statistic : {"F", "Chisq", "Wald", "adjWald"}
        ``"F"``: Rao-Scott second-order correction, ``X^2 / tr(Delta)`` on an F with
        ``d0 = tr(Delta)^2 / tr(Delta^2)`` and ``d0 * nu`` df (R's default). ``"Chisq"``:
        first-order correction, ``X^2 / mean(eigenvalues)`` on chi-square with
        ``(r-1)(c-1)`` df (``value`` reports Pearson's ``X^2`` as R does). ``"Wald"`` and
        ``"adjWald"``: Wald tests of the interaction residuals of the cell totals (Koch et
        al.), F on ``nu`` or ``nu - ndf + 1`` denominator df. ``nu`` = PSUs - strata of the
        design.

    Returns
    -------
    pandas.DataFrame
        One row: ``rows, cols, statistic, test, value, ndf, ddf, p_value, pearson``
        (``pearson`` the Pearson ``X^2`` of the weighted table scaled to the sample size;
        ``ddf`` NaN for ``Chisq``).

    References
    ----------
    Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency
    tables with cell proportions estimated from survey data. Annals of Statistics 12, 46-60.
    """
    if statistic not in ("F", "Chisq", "Wald", "adjWald"):
        raise ValueError(f"statistic={statistic!r}: use 'F', 'Chisq', 'Wald' or 'adjWald'")
    rlev, clev, rv, cv, miss = _table_columns(design, rows, cols)
    nr, nc = len(rlev), len(clev)
    N = design.n
    nu = _nu(design)
    # cells in R's interaction() order: row level varies fastest
    cell_ind = {}
    for j, cl in enumerate(clev):
        for i, rl in enumerate(rlev):
            col = ((rv == rl) & (cv == cl)).astype(float)
            col[miss] = np.nan
            cell_ind[f"cell{i}_{j}"] = col
    cells = pd.DataFrame(cell_ind)
    # weighted table among complete rows scaled to N (svytable(..., Ntotal = N))
    w = np.where(miss, 0.0, design.weights)
    tab = (np.nan_to_num(cells.to_numpy()) * w[:, None]).sum(axis=0).reshape(nc, nr).T
    tab = tab * N / tab.sum()
    expected = np.outer(tab.sum(axis=1), tab.sum(axis=0)) / tab.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.nansum((tab - expected) ** 2 / expected))
    if statistic in ("Wald", "adjWald"):
        return _wald(design, rows, cols, statistic, rv, cv, rlev, clev, miss, cells, nu, pearson)
    est = estimate(
        design,
        "mean",
        list(cells.columns),
        estimator=MeanTotal.build(cells, list(cells.columns), "mean", na="listwise"),
    )
    p = est.theta
    V = est.vcov()
    rows_ = np.tile(np.arange(nr), nc)
    cols_ = np.repeat(np.arange(nc), nr)
    X1 = np.column_stack(
        [np.ones(nr * nc)]
        + [(rows_ == i).astype(float) for i in range(1, nr)]
        + [(cols_ == j).astype(float) for j in range(1, nc)]
    )
    Xint = np.column_stack(
        [((rows_ == i) & (cols_ == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    coef, *_ = np.linalg.lstsq(X1, Xint, rcond=None)
    C = Xint - X1 @ coef
    with np.errstate(divide="ignore"):
        ip = np.where(p == 0, 0.0, 1.0 / p)
    denom = C.T @ (ip[:, None] * C) / N
    numr = C.T @ (ip[:, None] * V * ip[None, :]) @ C
    Delta = np.linalg.solve(denom, numr)
    tr = np.trace(Delta)
    d0 = tr**2 / np.trace(Delta @ Delta)
    if statistic == "F":
        value = pearson / tr
        ndf, ddf = d0, d0 * nu
        pval = stats.f.sf(value, ndf, ddf)
        test = "Rao-Scott F (second order)"
    else:
        k = Delta.shape[1]
        value, ndf, ddf = pearson, float(k), np.nan
        pval = stats.chi2.sf(pearson / (tr / k), k)
        test = "Rao-Scott chi-square (first order)"
    return _chisq_frame(rows, cols, statistic, test, value, ndf, ddf, pval, pearson)


def _chisq_frame(rows, cols, statistic, test, value, ndf, ddf, pval, pearson):
    return pd.DataFrame(
        {
            "rows": [rows],
            "cols": [cols],
            "statistic": [statistic],
            "test": [test],
            "value": [float(value)],
            "ndf": [float(ndf)],
            "ddf": [float(ddf)],
            "p_value": [float(pval)],
            "pearson": [pearson],
        }
    )


def _nu(design) -> float:
    """R's ``nu`` in ``svychisq``: PSUs minus strata of the design (all rows)."""
    from survey.design import ReplicateDesign

    if isinstance(design, ReplicateDesign):
        return float(design.degf)
    return float(design.n_psu - design.n_strata)


def _wald(design, rows, cols, statistic, rv, cv, rlev, clev, miss, cells, nu, pearson):
    nr, nc = len(rlev), len(clev)
    parts = dict(cells)
    for i, rl in enumerate(rlev):
        parts[f"row{i}"] = (rv == rl).astype(float)
    for j, cl in enumerate(clev):
        parts[f"col{j}"] = (cv == cl).astype(float)
    parts["one"] = np.ones(design.n)
    frame = pd.DataFrame(parts)
    frame.loc[miss, :] = np.nan  # listwise (R: na.rm over the whole formula)
    names = list(frame.columns)
    est = estimate(
        design, "total", names, estimator=MeanTotal.build(frame, names, "total", na="listwise")
    )
    t = est.theta
    V = est.vcov()
    K = nr * nc
    tr_, tc_, tot = t[K : K + nr], t[K + nr : K + nr + nc], t[K + nr + nc]
    rows_ = np.tile(np.arange(nr), nc)
    cols_ = np.repeat(np.arange(nc), nr)
    J = np.hstack(
        [
            np.eye(K),
            -(rows_[:, None] == np.arange(nr)[None, :]).astype(float)
            * np.repeat(tc_ / tot, nr)[:, None],
            -(cols_[:, None] == np.arange(nc)[None, :]).astype(float)
            * np.tile(tr_ / tot, nc)[:, None],
            (np.outer(tr_, tc_).T.reshape(-1) / tot**2)[:, None],
        ]
    )
    Y = t[:K] - np.outer(tr_, tc_).T.reshape(-1) / tot
    VY = J @ V @ J.T
    use = np.arange(K).reshape(nc, nr).T[1:, 1:].T.reshape(-1)
    stat = float(Y[use] @ np.linalg.solve(VY[np.ix_(use, use)], Y[use]))
    ndf = (nr - 1) * (nc - 1)
    if statistic == "Wald":
        value, ddf = stat / ndf, nu
        test = "Wald F"
    else:
        ddf = nu - ndf + 1
        value = stat * ddf / (ndf * nu)
        test = "adjusted Wald F"
    return _chisq_frame(
        rows, cols, statistic, test, value, ndf, ddf, stats.f.sf(value, ndf, ddf), pearson
    )


__all__ = ["svychisq", "svyttest", "complete_degf"]
