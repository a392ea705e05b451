"""Design-based tests: t-test for a difference of means, Rao-Scott chi-square for tables.

Both are R's (``svyttest``, ``svychisq``) and take their variances from the engine: the
t-test is a ``svyglm`` coefficient, the table tests use the full covariance matrix of the
cell proportions (or totals) returned by :func:`survey.engine.estimate`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

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

    ``design`` may be calibrated (post-stratified, raked, GREG: the model's influence is
    residualised on the calibration, as R) or carry replicate weights (the model is refitted
    with each replicate's weights; df = ``degf(design) - 1``), see
    :func:`survey.compare.svyglm`.

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


STATISTICS = ("F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint", "wls-score")


def svychisq(design, rows: str, cols: str, statistic: str = "F") -> pd.DataFrame:
    """Design-based test of independence in a two-way table (R's ``svychisq``).

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
    rows, cols : str
        The two categorical columns. Rows missing either are left out (R's ``na.rm=TRUE``)
        as a domain, never removed from the design.
    statistic : {"F", "Chisq", "Wald", "adjWald", "lincom", "saddlepoint", "wls-score"}
        ``"F"``: Rao-Scott second-order correction, ``X^2 / tr(Delta)`` on an F with
        ``d0 = tr(Delta)^2 / tr(Delta^2)`` and ``d0 * nu`` df (R's default). ``"Chisq"``:
        first-order correction, ``X^2 / mean(eigenvalues)`` on chi-square with
        ``(r-1)(c-1)`` df (``value`` reports Pearson's ``X^2`` as R does). ``"Wald"`` and
        ``"adjWald"``: Wald tests of the interaction residuals of the cell totals (Koch et
        al.), F on ``nu`` or ``nu - ndf + 1`` denominator df. ``nu`` = PSUs - strata of the
        design.

        ``"lincom"`` and ``"saddlepoint"`` refer Pearson's ``X^2`` (``value``) to its
        asymptotic null distribution under the design, ``sum_j delta_j chi2_1`` with
        ``delta_j`` the eigenvalues of ``Delta``, divided (as in R's ``pFsum``) by an
        independent ``chi2_m / m`` with ``m = floor(d0 * nu)`` standing for the estimated
        variance: the p-value is ``P(sum_j delta_j chi2_1 - X^2 / (d0 nu) chi2_m > 0)``.
        ``"lincom"`` computes it exactly by numerical inversion of the characteristic
        function (Imhof 1961; R uses Davies' 1980 algorithm from CompQuadForm with
        accuracy 1e-7, so the two agree to about 1e-8 absolute). ``"saddlepoint"`` uses
        Kuonen's (1999) saddlepoint approximation exactly as R does (root found to R's
        ``uniroot`` tolerance 1e-8; where the saddlepoint is within 1e-4 of zero R falls
        back to the Satterthwaite F, and so does this). ``ndf`` = the number of
        eigenvalues, ``ddf`` = ``d0 * nu``.

        ``"wls-score"`` (survey >= 4.2): Lipsitz et al. (2015) score test. The table is
        stacked into ``r`` rows per unit, ``y_ik = 1(row_i = level k)``, a weighted least
        squares model ``y ~ factor(k) + factor(col)`` is fitted, and the pseudo-score
        statistic of the added ``factor(k):factor(col)`` terms (their design-based score
        total ``t`` and its covariance ``V``) gives ``value = t' V^-1 t / r^2`` on an F with
        ``(r-1)(c-1)`` and the model's residual df (``degf`` of the complete rows + 1 -
        ``r - c + 1``). Rows missing either variable are left out; R (4.5) stops with an
        error when the *row* variable has NA, so only NA in ``cols`` is checked against R.
        On replicate designs the ddf is ``degf + 1 - (r + c - 1)`` (not checked against R).

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
    Imhof, J. P. (1961). Computing the distribution of quadratic forms in normal variables.
    Biometrika 48, 419-426.
    Kuonen, D. (1999). Saddlepoint approximations for distributions of quadratic forms in
    normal variables. Biometrika 86, 929-935.
    Lipsitz, S. R., Fitzmaurice, G. M., Sinha, D., Hevroni, N., Hu, T. and Parzen, M.
    (2015). Testing for independence in J x K contingency tables with complex sample survey
    data. Biometrics 71, 832-840.
    """
    if statistic not in STATISTICS:
        raise ValueError(f"statistic={statistic!r}: use one of {', '.join(STATISTICS)}")
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
    if statistic == "wls-score":
        return _wls_score(design, rows, cols, rlev, clev, rv, cv, miss, pearson)
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
    elif statistic in ("lincom", "saddlepoint"):
        eig = np.linalg.eigvals(Delta).real
        value, ndf, ddf = pearson, float(eig.size), d0 * nu
        if statistic == "lincom":
            pval = _pfsum_exact(pearson, eig, ddf)
            test = "Pearson X^2: exact distribution of the linear combination"
        else:
            pval = _pfsum_saddlepoint(pearson, eig, ddf)
            test = "Pearson X^2: saddlepoint approximation"
    else:
        k = Delta.shape[1]
        value, ndf, ddf = pearson, float(k), np.nan
        pval = stats.chi2.sf(pearson / (tr / k), k)
        test = "Rao-Scott chi-square (first order)"
    return _chisq_frame(rows, cols, statistic, test, value, ndf, ddf, pval, pearson)


def _f_terms(x: float, a: np.ndarray, ddf: float):
    """Weights and multiplicities of ``sum a_j chi2_1 - x / ddf chi2_m`` (R's ``pFsum``).

    R repeats ``-x/ddf`` ``ddf`` times with ``rep()``, which truncates a fractional count
    (and keeps one copy when ``ddf <= 1``).
    """
    m = np.floor(ddf) if ddf > 1 else 1.0
    return np.r_[a, -x / ddf], np.r_[np.ones(a.size), m]


def _satterthwaite_f(x: float, a: np.ndarray, ddf: float) -> float:
    tr = a.mean()
    tr2 = np.mean(a**2) / tr**2
    ndf = a.size / tr2
    return float(stats.f.sf(x / ndf / (tr * tr2), ndf, ddf))


def _saddle(x: float, lam: np.ndarray, mult: np.ndarray) -> float:
    """Kuonen's saddlepoint approximation to ``P(sum mult_j lam_j chi2_1 > x)``.

    Cumulant generating function ``K(z) = -1/2 sum m_j log(1 - 2 z lam_j)``; the saddlepoint
    solves ``K'(z) = x`` and ``P ~ 1 - Phi(w + log(v / w) / w)`` with
    ``w = sign(z) sqrt(2 (z x - K(z)))`` and ``v = z sqrt(K''(z))``. As in R (``saddle``),
    the weights are scaled by their maximum, the root is bracketed inside the domain of
    ``K`` shrunk by 1e-5 and found by Brent's method to absolute tolerance 1e-8 (R's
    ``uniroot(..., tol = 1e-8)``: same stopping rule, so the same root); NaN when
    ``|z| < 1e-4``, where the approximation is unstable.
    """
    d = lam.max()
    lam, x = lam / d, x / d

    def k1(z):
        return float(np.sum(mult * lam / (1 - 2 * z * lam)))

    if (lam < 0).any():
        lower = np.max(1 / (2 * lam[lam < 0])) * 0.99999
    elif x > np.sum(mult * lam):
        lower = -0.01
    else:
        lower = -np.sum(mult) / (2 * x)
    upper = np.min(1 / (2 * lam[lam > 0])) * 0.99999
    z = optimize.brentq(
        lambda z: k1(z) - x, lower, upper, xtol=1e-8, rtol=4 * np.finfo(float).eps, maxiter=1000
    )
    if abs(z) < 1e-4:
        return np.nan
    k0 = -0.5 * np.sum(mult * np.log1p(-2 * z * lam))
    k2 = 2 * np.sum(mult * lam**2 / (1 - 2 * z * lam) ** 2)
    w = np.sign(z) * np.sqrt(2 * (z * x - k0))
    v = z * np.sqrt(k2)
    return float(stats.norm.sf(w + np.log(v / w) / w))


def _pfsum_saddlepoint(x: float, a: np.ndarray, ddf: float) -> float:
    """R's ``pFsum(x, rep(1, k), a, ddf, lower.tail = FALSE, method = "saddlepoint")``."""
    if not np.isfinite(ddf):
        s = _saddle(x, a, np.ones(a.size))
        if np.isnan(s):
            tr = a.mean()
            tr2 = np.mean(a**2) / tr**2
            return float(stats.chi2.sf(x / (tr * tr2), a.size / tr2))
        return s
    lam, mult = _f_terms(x, a, ddf)
    s = _saddle(0.0, lam, mult)
    return _satterthwaite_f(x, a, ddf) if np.isnan(s) else s


def _imhof_sf(x: float, lam: np.ndarray, mult: np.ndarray) -> float:
    """``P(sum mult_j lam_j chi2_1 > x)`` by Imhof's inversion formula.

    ``P = 1/2 + 1/pi int_0^inf sin(theta(u)) / (u rho(u)) du`` with
    ``theta(u) = 1/2 sum m_j atan(lam_j u) - x u / 2`` and
    ``rho(u) = prod (1 + lam_j^2 u^2)^(m_j / 4)``, integrated by adaptive quadrature
    (QUADPACK) to 1e-13 absolute.
    """
    s = np.abs(lam).max()
    lam, x = lam / s, x / s

    def f(u):
        if u == 0.0:
            return 0.5 * (np.sum(mult * lam) - x)
        theta = 0.5 * np.sum(mult * np.arctan(lam * u)) - 0.5 * x * u
        logrho = 0.25 * np.sum(mult * np.log1p((lam * u) ** 2))
        return np.sin(theta) / u * np.exp(-logrho)

    val, err = integrate.quad(f, 0.0, np.inf, epsabs=1e-13, epsrel=1e-12, limit=500)
    if err > 1e-9:
        raise ArithmeticError(f"Imhof integral did not converge (error estimate {err:.2g})")
    return float(min(1.0, max(0.0, 0.5 + val / np.pi)))


def _pfsum_exact(x: float, a: np.ndarray, ddf: float) -> float:
    """R's ``pFsum(..., method = "integration")`` (Davies' algorithm there), exactly.

    Only a finite ``ddf``: then ``m = floor(ddf)`` chi-square df in the denominator make the
    integrand decay like ``u^-(1 + (k + m)/2)`` and the quadrature is fast and accurate. (With
    ``ddf = Inf`` and few df the Imhof integrand decays too slowly for plain quadrature;
    svychisq never needs that case.)
    """
    if not np.isfinite(ddf):
        raise ValueError("ddf must be finite (the chi-square-only case is not implemented)")
    lam, mult = _f_terms(x, a, ddf)
    return _imhof_sf(0.0, lam, mult)


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


def _independent_columns(M: np.ndarray, tol: float = 1e-7) -> np.ndarray:
    """Indices of the columns of ``M`` kept by R's ``qr()`` (LINPACK ``dqrdc2``): in order,
    skipping a column whose residual on the kept ones is below ``tol`` of its norm."""
    keep: list[int] = []
    for j in range(M.shape[1]):
        col = M[:, j]
        norm = np.linalg.norm(col)
        if keep:
            coef, *_ = np.linalg.lstsq(M[:, keep], col, rcond=None)
            col = col - M[:, keep] @ coef
        if norm > 0 and np.linalg.norm(col) > tol * norm:
            keep.append(j)
    return np.asarray(keep, dtype=int)


def _wls_score(design, rows, cols, rlev, clev, rv, cv, miss, pearson):
    """Lipsitz et al. (2015) WLS score test (R >= 4.2 ``svychisq(statistic = "wls-score")``).

    Stacked rows ``(i, k)``, ``y_ik = 1(row_i = k)``; null model ``y ~ factor(k) +
    factor(col)`` fitted with the sampling weights on the complete rows; the efficient
    score of the ``factor(k):factor(col)`` columns (treatment contrasts) is
    ``U_out - U_in A'`` with ``A = I_out,in I_in,in^-1`` and ``I = X' W X``; its design
    total and covariance (per unit: the sum over its ``r`` stacked rows) come from the
    engine.
    """
    from survey.compare.regression import complete_degf
    from survey.design import ReplicateDesign

    nr, nc = len(rlev), len(clev)
    use = ~miss
    rcode = np.full(design.n, -1)
    ccode = np.full(design.n, -1)
    for i, lev in enumerate(rlev):
        rcode[rv == lev] = i
    for j, lev in enumerate(clev):
        ccode[cv == lev] = j
    rc, cc = rcode[use], ccode[use]
    w = np.asarray(design.weights, dtype=float)[use]
    m = rc.size
    k = np.repeat(np.arange(nr), m)  # stacked: level k varies slowest, as R's as.vector
    col = np.tile(cc, nr)
    y = (np.tile(rc, nr) == k).astype(float)
    ws = np.tile(w, nr)
    Kd = (k[:, None] == np.arange(1, nr)[None, :]).astype(float)
    Cd = (col[:, None] == np.arange(1, nc)[None, :]).astype(float)
    Xin = np.column_stack([np.ones(k.size), Kd, Cd])
    Xout = np.column_stack([Kd[:, a] * Cd[:, b] for b in range(nc - 1) for a in range(nr - 1)])
    XtW = Xin.T * ws
    beta = np.linalg.solve(XtW @ Xin, XtW @ y)
    e = y - Xin @ beta
    I_in = XtW @ Xin
    I_outin = (Xout.T * ws) @ Xin
    A = np.linalg.solve(I_in, I_outin.T).T
    U = Xout * e[:, None] - (Xin * e[:, None]) @ A.T
    keep = _independent_columns(U)
    U = U[:, keep]
    # per unit: sum over its stacked rows (they share the unit's PSU, stratum and weight)
    S = U.reshape(nr, m, -1).sum(axis=0)
    names = [f"score{j}" for j in range(S.shape[1])]
    frame = pd.DataFrame(np.nan, index=range(design.n), columns=names)
    frame.loc[np.flatnonzero(use), names] = S
    t, V = _listwise_totals(design, frame)
    q = float(t @ np.linalg.solve(V, t))
    ndf = float(S.shape[1])
    if isinstance(design, ReplicateDesign):
        degf = float(design.degf)
    else:
        degf = float(complete_degf(design, use))
    ddf = degf + 1 - Xin.shape[1]
    value = q / nr / nr
    return _chisq_frame(
        rows,
        cols,
        "wls-score",
        "design-based WLS score test",
        value,
        ndf,
        ddf,
        stats.f.sf(value, ndf, ddf),
        pearson,
    )


def _listwise_totals(design, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Design-based totals of the columns of ``frame`` (rows with any NaN left out, R's
    ``na.rm`` over the whole formula) and their covariance matrix, from the engine."""
    names = list(frame.columns)
    est = estimate(
        design, "total", names, estimator=MeanTotal.build(frame, names, "total", na="listwise")
    )
    return est.theta, est.vcov()


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
    t, V = _listwise_totals(design, frame)
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
