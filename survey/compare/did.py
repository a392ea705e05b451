"""Difference-in-differences: treated vs comparison areas x before vs after.

Two equivalent routes, both design-based with cluster-robust (PSU-level, linearised)
variance from the engine:

- :func:`did`: the 2 x 2 contrast of four domain estimates,
  ``(T_post - T_pre) - (C_post - C_pre)`` (R: ``svyby(~y, ~group + wave, covmat = TRUE)`` +
  ``svycontrast``); works for every verb and indicator battery, with ``by`` domains.
- :func:`did_regression`: the interaction coefficient of a design-weighted model
  ``y ~ treated * post + covariates`` (R's ``svyglm``), linear or logistic. Without
  covariates and with the identity link it equals :func:`did` for means.

Both need the four cells in ONE design: stack the waves with
:func:`survey.compare.combine_waves` (independent waves keep their own strata and PSUs; a
panel shares them, so the covariance between waves is counted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.compare._frame import finish, unreliable_flag
from survey.compare.regression import svyglm
from survey.engine import estimate

_SENTINEL = "\x00<NA>"


def _levels(data, col, a, b, what):
    if col not in data.columns:
        raise KeyError(f"{what} column {col!r} is not in the data")
    vals = sorted(pd.unique(data[col].dropna()).tolist())
    if len(vals) < 2:
        raise ValueError(f"{what} column {col!r} needs two values, has {vals}")
    a = vals[0] if a is None else a
    b = vals[-1] if b is None else b
    for v in (a, b):
        if v not in vals:
            raise ValueError(f"{v!r} is not a value of {what} column {col!r} ({vals})")
    return a, b


def did(
    design,
    variables,
    group: str,
    wave: str,
    by=None,
    *,
    treated=None,
    control=None,
    pre=None,
    post=None,
    statistic: str = "mean",
    df="design",
    level: float = 0.95,
    alpha: float = 0.05,
    adjust: str | None = None,
    family=None,
    worse=None,
) -> pd.DataFrame:
    """Difference-in-differences of domain estimates as one engine contrast.

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
        One design holding both groups and both waves.
    variables : str or list of str
        Indicators.
    group, wave : str
        Treatment-group and wave columns.
    treated, control, pre, post : optional
        Their values (defaults: last / first value in sorted order for treated / control and
        post / pre).
    statistic : {"mean", "prop", "total", "ratio"}
    df : {"design", "domain", "inf"} or float
        Degrees of freedom for the test (design df of the combined design by default).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns and :data:`survey.compare.COMPARISON_COLUMNS` with ``measure="did"``:
        ``estimate_1``/``se_1`` the change in the control group (post - pre),
        ``estimate_2``/``se_2`` the change in the treated group, ``estimate`` the DiD
        ``(T_post - T_pre) - (C_post - C_pre)``; ``worsened`` compares the DiD's sign with
        the harmful direction.
    """
    by = [by] if isinstance(by, str) else list(by or [])
    variables = [variables] if isinstance(variables, str) else list(variables)
    data = design.data
    control, treated = _levels(data, group, control, treated, "group")
    pre, post = _levels(data, wave, pre, post, "wave")
    est = estimate(design, statistic, variables, by=[*by, group, wave])
    frame = est.to_frame(ci="wald", level=level, df=df)
    lab = est.labels.copy()
    lab["category"] = lab["category"].astype(object).where(lab["category"].notna(), _SENTINEL)
    lab["_k"] = np.arange(len(lab))
    keys = [*by, "variable", "category"]
    cells = {}
    for name, g, w in (
        ("cpre", control, pre),
        ("cpost", control, post),
        ("tpre", treated, pre),
        ("tpost", treated, post),
    ):
        sub = lab[(lab[group] == g) & (lab[wave] == w)][[*keys, "_k"]]
        cells[name] = sub.rename(columns={"_k": name})
    m = cells["cpre"]
    for name in ("cpost", "tpre", "tpost"):
        m = m.merge(cells[name], on=keys, how="inner", sort=False)
    if m.empty:
        raise ValueError("no indicator is estimable in all four group x wave cells")
    n, K = len(m), len(lab)
    idx = {c: m[c].to_numpy() for c in ("cpre", "cpost", "tpre", "tpost")}
    rows = np.arange(n)
    L = np.zeros((3 * n, K))
    for r0, coefs in (
        (0, {"cpost": 1, "cpre": -1}),
        (n, {"tpost": 1, "tpre": -1}),
        (2 * n, {"tpost": 1, "tpre": -1, "cpost": -1, "cpre": 1}),
    ):
        for c, v in coefs.items():
            L[r0 + rows, idx[c]] = v
    comb = est.contrast(L)
    se = np.sqrt(np.clip(comb.variance(), 0, None))
    out = m[keys].copy()
    out["category"] = out["category"].where(out["category"] != _SENTINEL, pd.NA)
    out["measure"] = "did"
    out["estimate_1"], out["se_1"] = comb.theta[:n], se[:n]
    out["estimate_2"], out["se_2"] = comb.theta[n : 2 * n], se[n : 2 * n]
    nn = frame["n"].to_numpy(dtype=float)
    out["n_1"] = nn[idx["cpre"]] + nn[idx["cpost"]]
    out["n_2"] = nn[idx["tpre"]] + nn[idx["tpost"]]
    out["estimate"], out["se"] = comb.theta[2 * n :], se[2 * n :]
    dfs = frame["df"].to_numpy(dtype=float)
    out["df"] = np.min(np.stack([dfs[idx[c]] for c in idx]), axis=0)
    rel = frame["reliability"].to_numpy(dtype=object)
    flags = [
        unreliable_flag(rel[idx[a]], rel[idx[b]]) for a, b in (("cpre", "cpost"), ("tpre", "tpost"))
    ]
    out["unreliable"] = (flags[0] | flags[1]).to_numpy()
    return finish(
        out,
        by,
        level=level,
        alpha=alpha,
        adjust=adjust,
        family=family,
        worse=worse,
        attrs={
            "comparison": "difference-in-differences",
            "statistic": statistic,
            "df_rule": df,
            "treated": treated,
            "control": control,
            "pre": pre,
            "post": post,
        },
    )


def did_regression(
    design,
    variable: str,
    group: str,
    wave: str,
    covariates=(),
    *,
    treated=None,
    control=None,
    pre=None,
    post=None,
    family: str = "gaussian",
    level: float = 0.95,
):
    """Difference-in-differences as the interaction of a design-weighted model.

    Fits ``variable ~ treated * post + covariates`` with :func:`survey.compare.svyglm`
    (``treated`` and ``post`` are 0/1 indicators made from ``group`` and ``wave``; rows with
    other values are left out). ``family="quasibinomial"`` gives the DiD on the log-odds
    scale.

    Covariates are formula terms (``"age"``, ``"factor(region)"``, ``"sex:age"``).

    Returns
    -------
    (pandas.DataFrame, GLMResult)
        The coefficient table (``term, estimate, se, ci_low, ci_high, df, t, p_value``; the
        DiD is the row ``term == "treated:post"``) and the fitted model.
    """
    data = design.data
    control, treated = _levels(data, group, control, treated, "group")
    pre, post = _levels(data, wave, pre, post, "wave")
    g, w = data[group], data[wave]
    tr = np.where(g == treated, 1.0, np.where(g == control, 0.0, np.nan))
    po = np.where(w == post, 1.0, np.where(w == pre, 0.0, np.nan))
    tr[g.isna().to_numpy()] = np.nan
    po[w.isna().to_numpy()] = np.nan
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    formula = " + ".join([f"{variable} ~ treated * post", *covs])
    fit = svyglm(design, formula, family, extra={"treated": tr, "post": po})
    return fit.to_frame(level), fit
