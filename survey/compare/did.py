"""Difference-in-differences: treated vs comparison areas x before vs after.

Two equivalent routes, both design-based with cluster-robust (PSU-level, linearised)
variance from the engine:

- :func:`did`: the 2 x 2 contrast of four domain estimates,
  ``(T_post - T_pre) - (C_post - C_pre)`` (R: ``svyby(~y, ~group + wave, covmat = TRUE)`` +
  ``svycontrast``); works for every verb and indicator battery, with ``by`` domains.
- :func:`did_regression`: the interaction coefficient of a design-weighted model
  ``y ~ treated * post + covariates`` (R's ``svyglm``), linear or logistic. Without
  covariates and with the identity link it equals :func:`did` for means.
- :func:`did_margins`: the DiD of the four cells' predictive margins of a covariate-adjusted
  model (R's ``svypredmeans``): adjusted, and on the response scale for logistic models.

Several baseline and follow-up waves: :func:`survey.compare.event_study`.

Both need the four cells in ONE design: stack the waves with
:func:`survey.compare.combine_waves` (independent waves keep their own strata and PSUs; a
panel shares them, so the covariance between waves is counted).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey.compare._frame import (
    category_from_key,
    finish,
    input_flags,
    side_labels,
    suppressed_flag,
    unreliable_flag,
    with_category_key,
)
from survey.compare._levels import (
    describe_values,
    not_on_backend,
    resolve_pair,
    value_labels_of,
    values_of,
)
from survey.compare.regression import svyglm
from survey.engine import estimate

CELLS = ("cpre", "cpost", "tpre", "tpost")
CELL_NAMES = {
    "cpre": "control pre",
    "cpost": "control post",
    "tpre": "treated pre",
    "tpost": "treated post",
}
#: Parameters of the saturated 2 x 2 model ``y ~ treated * post``.
SATURATED_P = 4


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
    worsened_p: str = "unadjusted",
    quality="default",
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
        The compared values, as codes or value labels (see
        :func:`survey.compare._levels.resolve_pair`): ``treated`` is required unless the
        group column is 0/1 (1 = treated); with two groups, ``control`` is the other one.
        ``pre``/``post`` default to the earlier/later of two numeric or date waves; text
        waves must be named. Treated and control (pre and post) must differ.
    statistic : {"mean", "prop", "total", "ratio"}
    df : {"design", "model", "domain", "inf"} or float
        Degrees of freedom of the test and interval. ``"design"`` (default): the design df of
        the combined design, as R's ``svycontrast`` of ``svyby(..., covmat = TRUE)``.
        ``"model"``: the residual df of the equivalent saturated regression
        ``y ~ treated * post`` (R's ``svyglm`` rule ``degf + 1 - p``, p = 4, with ``degf``
        of the rows the model uses: four cells, ``y`` present, within the ``by`` domain),
        so that the p-value equals :func:`did_regression`'s and R's ``svyglm``'s. The
        estimate and standard error are the same under both; only the t reference differs
        (R's api ``apiclus2``, ``enroll ~ comp.imp * sch.wide``: p = 0.3394 on 39 design df,
        0.3403 on the model's 34). ``"domain"``: the smallest domain df of the four cells.
    worsened_p : {"unadjusted", "adjusted"}
        p-value of the ``worsened`` screen (see :func:`survey.compare.compare_independent`).
    quality : "default", str, dict or None
        Publication rule (:mod:`survey.quality`) judging each input estimate; its flags give
        ``unreliable`` and ``suppressed_input`` (``"default"`` = CEPAL 2020, as the
        estimation verbs; None: not assessed).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns and :data:`survey.compare.COMPARISON_COLUMNS` with ``measure="did"``:
        ``estimate_1``/``se_1`` the change in the control group (post - pre),
        ``estimate_2``/``se_2`` the change in the treated group (``label_1`` / ``label_2``
        name them: ``"comparison group: area=2 (Comparison)"``), ``estimate`` the DiD
        ``(T_post - T_pre) - (C_post - C_pre)``; ``worsened`` compares the DiD's sign with
        the harmful direction. A (by, variable, category) estimated in fewer than the four
        cells is kept: the changes that can be formed are reported, the DiD is NaN and
        ``note`` names the missing cells.
    """
    by = [by] if isinstance(by, str) else list(by or [])
    variables = [variables] if isinstance(variables, str) else list(variables)
    if df == "model":
        not_on_backend(design, "did(df='model') (the model's residual df)")
    glab, wlab = value_labels_of(design, group), value_labels_of(design, wave)
    control, treated = resolve_pair(
        values_of(design, group), group, control, treated, kind="group", labels=glab
    )
    pre, post = resolve_pair(values_of(design, wave), wave, pre, post, kind="wave", labels=wlab)
    est = estimate(design, statistic, variables, by=[*by, group, wave])
    frame_df = "design" if df == "model" else df
    frame = est.to_frame(ci="wald", level=level, df=frame_df, quality=quality)
    lab = with_category_key(est.labels)
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
    # every (by, variable, category) estimated in at least one cell is kept (in estimate order)
    m = lab[keys].drop_duplicates(ignore_index=True)
    for name in CELLS:
        m = m.merge(cells[name], on=keys, how="left", sort=False)
        m[name] = m[name].fillna(-1).astype(int)
    idx = {c: m[c].to_numpy() for c in CELLS}
    have = {c: idx[c] >= 0 for c in CELLS}
    if not np.logical_and.reduce([have[c] for c in CELLS]).any():
        raise ValueError("no indicator is estimable in all four group x wave cells")
    K = len(lab)
    parts = {
        "control": (have["cpre"] & have["cpost"], {"cpost": 1, "cpre": -1}),
        "treated": (have["tpre"] & have["tpost"], {"tpost": 1, "tpre": -1}),
        "did": (
            np.logical_and.reduce([have[c] for c in CELLS]),
            {"tpost": 1, "tpre": -1, "cpost": -1, "cpre": 1},
        ),
    }
    blocks = []
    for ok, coefs in parts.values():
        rows = np.flatnonzero(ok)
        L = np.zeros((rows.size, K))
        for c, v in coefs.items():
            L[np.arange(rows.size), idx[c][rows]] = v
        blocks.append((rows, L))
    comb = est.contrast(np.vstack([L for _, L in blocks]))
    se_all = np.sqrt(np.clip(comb.variance(), 0, None))
    values = {}
    start = 0
    for name, (rows, _L) in zip(parts, blocks, strict=True):
        theta, se = np.full(len(m), np.nan), np.full(len(m), np.nan)
        theta[rows] = comb.theta[start : start + rows.size]
        se[rows] = se_all[start : start + rows.size]
        values[name] = (theta, se)
        start += rows.size
    out = m[keys].copy()
    out["category"] = category_from_key(out["category"])
    out["measure"] = "did"
    out["estimate_1"], out["se_1"] = values["control"]
    out["estimate_2"], out["se_2"] = values["treated"]
    out["estimate"], out["se"] = values["did"]
    # which group each side is, in the frame (a csv has no attrs)
    out["label_1"], out["label_2"] = side_labels("did", group, (control, treated), glab)

    def take(col, c, fill=np.nan):
        arr = frame[col].to_numpy(dtype=object if fill is pd.NA else float)
        res = np.full(len(m), fill, dtype=arr.dtype)
        res[have[c]] = arr[idx[c][have[c]]]
        return res

    out["n_1"] = take("n", "cpre") + take("n", "cpost")
    out["n_2"] = take("n", "tpre") + take("n", "tpost")
    if df == "model":
        out["df"] = _model_df(
            design, by, group, wave, (control, treated), (pre, post), out[[*by, "variable"]]
        )
    else:
        out["df"] = np.min(np.stack([take("df", c) for c in CELLS]), axis=0)
    out.loc[~parts["did"][0], "df"] = np.nan
    flags = [
        unreliable_flag(take("reliability", a, pd.NA), take("reliability", b, pd.NA))
        for a, b in (("cpre", "cpost"), ("tpre", "tpost"))
    ]
    out["unreliable"] = (flags[0] | flags[1]).to_numpy()
    out["suppressed_input"] = suppressed_flag(
        *(take("reliability", c, pd.NA) for c in ("cpre", "cpost", "tpre", "tpost"))
    ).to_numpy()
    # which cell is flagged and why, per row (the flags above say only that one is)
    out.attrs["inputs"] = input_flags(
        {
            CELL_NAMES[c]: (take("reliability", c, pd.NA), take("reliability_reason", c, pd.NA))
            for c in CELLS
        }
    )
    missing = np.column_stack([~have[c] for c in CELLS])
    note = np.full(len(m), pd.NA, dtype=object)
    for r in np.flatnonzero(missing.any(axis=1)):  # loop over result rows, not data rows
        note[r] = "not estimated in: " + ", ".join(
            CELL_NAMES[c] for c, miss in zip(CELLS, missing[r], strict=True) if miss
        )
    out["note"] = pd.array(note, dtype="string")
    return finish(
        out,
        by,
        level=level,
        alpha=alpha,
        adjust=adjust,
        family=family,
        worse=worse,
        worsened_p=worsened_p,
        attrs={
            "comparison": "difference-in-differences",
            "statistic": statistic,
            "df_rule": df,
            "treated": treated,
            "control": control,
            "pre": pre,
            "post": post,
            "labels": {
                "treated": describe_values([treated], glab),
                "control": describe_values([control], glab),
                "pre": describe_values([pre], wlab),
                "post": describe_values([post], wlab),
            },
        },
    )


def _model_df(
    design, by, group, wave, groups, waves, rows: pd.DataFrame, p: int = SATURATED_P
) -> np.ndarray:
    """R's ``svyglm`` residual df of the saturated model ``y ~ treated * post`` for each row
    (``by`` domain and variable): ``degf + 1 - 4``, ``degf`` that of the rows the model uses
    (the four cells, ``y`` not missing, non-zero weight; within the ``by`` domain, as
    ``svyglm(..., subset(design, domain))``); replicate designs: the design's ``degf`` - 3.
    ``p``: the number of coefficients of a larger saturated model (an event study's
    ``y ~ factor(wave) * treated``: twice the number of waves)."""
    from survey.engine.domains import Domains, make_domains
    from survey.engine.estimators import MeanTotal

    data = design.data
    in_cells = (data[group].isin(list(groups)) & data[wave].isin(list(waves))).to_numpy()
    dom = make_domains(data, by or None)
    one = pd.DataFrame({"_one": np.ones(len(data))})
    counter = MeanTotal.build(one, ["_one"], "total")
    out = np.full(len(rows), np.nan)
    for v in pd.unique(rows["variable"]):
        ok = in_cells & data[v].notna().to_numpy()
        sub = Domains(dom.by, np.where(ok, dom.codes, -1), dom.levels)
        degf = estimate(design, "total", ["_one"], domains=sub, estimator=counter).df_domain
        table = dom.levels.assign(_df=degf + 1 - p)
        sel = (rows["variable"] == v).to_numpy()
        if by:
            got = rows.loc[sel, by].merge(table, on=by, how="left", sort=False)["_df"]
            out[sel] = got.to_numpy(dtype=float)
        else:
            out[sel] = table["_df"].iloc[0]
    return out


def _resolve_cells(design, group, wave, treated, control, pre, post):
    """``(control, treated, pre, post)`` as stored codes, from codes or value labels (one
    resolution for every DiD route: :func:`survey.compare._levels.resolve_pair`)."""
    control, treated = resolve_pair(
        values_of(design, group), group, control, treated, kind="group",
        labels=value_labels_of(design, group),
    )  # fmt: skip
    pre, post = resolve_pair(
        values_of(design, wave), wave, pre, post, kind="wave", labels=value_labels_of(design, wave)
    )
    return control, treated, pre, post


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
    epsilon: float = 1e-8,
    maxit: int = 25,
):
    """Difference-in-differences as the interaction of a design-weighted model.

    Fits ``variable ~ treated * post + covariates`` with :func:`survey.compare.svyglm`
    (``treated`` and ``post`` are 0/1 indicators made from ``group`` and ``wave``; rows with
    other values are left out). ``family="quasibinomial"`` gives the DiD on the log-odds
    scale.

    Covariates are formula terms (``"age"``, ``"factor(region)"``, ``"sex:age"``).
    ``epsilon``, ``maxit``: R's ``glm.control`` of the quasibinomial fit (see
    :func:`survey.compare.svyglm`).

    Returns
    -------
    (pandas.DataFrame, GLMResult)
        The coefficient table (``term, estimate, se, ci_low, ci_high, df, t, p_value``; the
        DiD is the row ``term == "treated:post"``) and the fitted model.

    See Also
    --------
    did_margins : the same adjusted model's DiD on the response scale (predictive margins of
        the four cells; for a logistic model, percentage points instead of log-odds).
    """
    not_on_backend(design, "did_regression (a design-weighted model)")
    data = design.data
    control, treated, pre, post = _resolve_cells(design, group, wave, treated, control, pre, post)
    g, w = data[group], data[wave]
    tr = np.where(g == treated, 1.0, np.where(g == control, 0.0, np.nan))
    po = np.where(w == post, 1.0, np.where(w == pre, 0.0, np.nan))
    tr[g.isna().to_numpy()] = np.nan
    po[w.isna().to_numpy()] = np.nan
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    formula = " + ".join([f"{variable} ~ treated * post", *covs])
    fit = svyglm(
        design, formula, family, extra={"treated": tr, "post": po}, epsilon=epsilon, maxit=maxit
    )
    return fit.to_frame(level), fit


def did_margins(
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
    df="model",
    level: float = 0.95,
):
    """Covariate-adjusted difference-in-differences on the response scale (predictive margins).

    Fits ``variable ~ covariates + cell`` (``cell`` the four group x wave combinations, i.e.
    the saturated ``treated * post``) on the rows of the four cells and takes the predictive
    margin of each cell (:func:`survey.compare.regression.predictive_margins`, R's
    ``svypredmeans(svyglm(variable ~ covariates, design), ~interaction(treated, post))``):
    the mean prediction with every row set to that cell and its covariates as observed. The
    DiD of the margins, ``(T_post - T_pre) - (C_post - C_pre)``, is a covariate-adjusted DiD
    in percentage points even for a logistic model (where :func:`did_regression`'s
    interaction is on the log-odds scale); with the identity link and no covariates it equals
    :func:`did`. Covariances are R's ``svypredmeans`` (design part + model part).

    Returns
    -------
    (pandas.DataFrame, Margins)
        The frame has three rows, ``term`` = ``"control change"``, ``"treated change"``,
        ``"did"``, with ``estimate, se, ci_low, ci_high, df, t, p_value``; the
        :class:`~survey.compare.regression.Margins` hold the four cell margins (levels
        ``"control pre"``, ``"control post"``, ``"treated pre"``, ``"treated post"``).
    """
    from survey.compare.regression import predictive_margins

    not_on_backend(design, "did_margins (predictive margins of a design-weighted model)")
    data = design.data
    control, treated, pre, post = _resolve_cells(design, group, wave, treated, control, pre, post)
    g, w = data[group], data[wave]
    cell = np.full(len(data), None, dtype=object)
    for name, gv, wv in (
        ("control pre", control, pre),
        ("control post", control, post),
        ("treated pre", treated, pre),
        ("treated post", treated, post),
    ):
        cell[((g == gv) & (w == wv)).to_numpy()] = name
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    rhs = " + ".join(covs) if covs else "1"
    levels = ["control pre", "control post", "treated pre", "treated post"]
    m = predictive_margins(
        design,
        f"{variable} ~ {rhs}",
        "_did_cell",
        family,
        at=levels,
        extra={"_did_cell": cell},
        rows=pd.notna(cell),
        df=df,
    )
    parts = [
        m.contrast({"control post": 1, "control pre": -1}, "control change", level),
        m.contrast({"treated post": 1, "treated pre": -1}, "treated change", level),
        m.contrast(
            {"treated post": 1, "treated pre": -1, "control post": -1, "control pre": 1},
            "did",
            level,
        ),
    ]
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(
        level=level,
        comparison="difference-in-differences of predictive margins",
        treated=treated,
        control=control,
        pre=pre,
        post=post,
    )
    return out, m
