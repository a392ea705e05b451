"""Event studies: several baseline and follow-up waves, treated vs comparison areas.

With waves ``t`` (baseline waves ``pre``, follow-up waves ``post``) and the last baseline
wave as reference ``r``, the event-study coefficient of wave ``t`` is the
difference-in-differences

    beta_t = (T_t - T_r) - (C_t - C_r),

``T_t``/``C_t`` the treated and comparison estimates of wave ``t``. Follow-up coefficients
are the programme effects by wave (dynamic effects); baseline coefficients should be zero
when trends are parallel before the programme, which :func:`event_study` tests jointly
(Wald test of all baseline coefficients, F on the design df: the pre-trend test).

All waves are domains of ONE design (``by=[group, wave]``), so the coefficients are one
engine contrast of the domain estimates: their joint covariance, the covariance between
waves of a panel (shared PSUs and households) included, is the engine's
(``EstimateSet.contrast(...).vcov()``); nothing here computes a variance. For means, the
coefficients and their covariance equal those of R's saturated
``svyglm(y ~ relevel(factor(wave), ref = r) * treated)`` (the ``wave:treated``
interactions), and the pre-trend test R's ``regTermTest`` of the baseline interactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from survey.compare._frame import category_from_key, with_category_key
from survey.compare._levels import (
    describe_values,
    resolve_pair,
    resolve_values,
    value_labels_of,
)
from survey.engine import estimate
from survey.engine.ci import critical

__all__ = ["EVENT_COLUMNS", "PRETREND_COLUMNS", "EventStudy", "event_study"]

#: Columns of :attr:`EventStudy.coefficients` after the ``by`` columns.
EVENT_COLUMNS = (
    "variable",
    "category",
    "wave",
    "wave_label",
    "period",  # "pre" | "reference" | "post"
    "event_time",  # waves from the reference: -k .. -1 (baseline), 0 (reference), 1 .. (follow-up)
    "estimate_control",  # C_t - C_r
    "estimate_treated",  # T_t - T_r
    "estimate",  # beta_t
    "se",
    "ci_low",
    "ci_high",
    "df",
    "t",
    "p_value",
    "note",
)
#: Columns of :attr:`EventStudy.pretrend` after the ``by`` columns.
PRETREND_COLUMNS = ("variable", "category", "n_coefficients", "wald", "F", "df_num", "df_den", "p_value", "note")  # fmt: skip


@dataclass
class EventStudy:
    """Result of :func:`event_study`.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        One row per (``by``, variable, category) and wave: :data:`EVENT_COLUMNS`. The
        reference wave's row has estimate 0 and no SE.
    pretrend : pandas.DataFrame
        The joint test that all baseline coefficients are zero (one row per ``by``,
        variable, category): :data:`PRETREND_COLUMNS`. ``wald = b' V^-1 b``, ``F = wald / q``
        with ``q`` baseline coefficients, p-value of ``F(q, df_den)``. NaN with a ``note``
        when there is no baseline wave besides the reference, or a coefficient is missing.
    vcov : dict
        (by values..., variable, category) -> covariance matrix (pandas.DataFrame indexed by
        wave) of that indicator's coefficients (reference excluded); ``category`` is None
        for means, e.g. ``vcov[("victim", None)]``.
    """

    coefficients: pd.DataFrame
    pretrend: pd.DataFrame
    vcov: dict = field(default_factory=dict)


def event_study(
    design,
    variables,
    group: str,
    wave: str,
    by=None,
    *,
    pre,
    post,
    treated=None,
    control=None,
    statistic: str = "mean",
    df="design",
    level: float = 0.95,
) -> EventStudy:
    """Event-study coefficients relative to the last baseline wave, and a pre-trend test.

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
        ONE design holding every wave (stack independent cross-sections with
        :func:`survey.compare.combine_waves`; a panel shares its strata and PSUs across
        waves, so the covariance between waves enters every coefficient).
    variables : str or list of str
        Indicators.
    group, wave : str
        Treatment-group and wave columns.
    pre, post : sequence
        The baseline and the follow-up waves, codes or value labels, in time order; the
        last of ``pre`` is the reference wave. Rows of other waves are not used.
    treated, control : optional
        The compared groups, as in :func:`survey.compare.did`.
    statistic : {"mean", "prop", "total", "ratio"}
    df : {"design", "model"} or float
        Degrees of freedom of intervals, t tests and the F test's denominator: the design df
        of the combined design (``"design"``, as R's ``svycontrast`` of
        ``svyby(..., covmat = TRUE)``), or R's ``svyglm`` residual df of the saturated model
        ``y ~ factor(wave) * treated`` (``"model"``: ``degf + 1 - 2 x waves``, ``degf`` of the
        rows the model uses), so that the p-values equal R's ``summary(svyglm)`` and
        ``regTermTest``.
    level : float
        Confidence level.

    Returns
    -------
    EventStudy
        ``coefficients``, ``pretrend`` and ``vcov`` (see :class:`EventStudy`). A wave in
        which an indicator has no answers (or a cell with no rows) gives NaN coefficients
        for the waves that use it, with a ``note`` naming the cell; the other coefficients
        are estimated.

    Notes
    -----
    Design assumptions: the design describes how every wave was sampled (stratified,
    clustered, weighted); waves of independent samples have their own strata and PSUs. The
    coefficients identify programme effects under parallel trends, which the pre-trend test
    checks on the baseline waves only.
    """
    by = [by] if isinstance(by, str) else list(by or [])
    variables = [variables] if isinstance(variables, str) else list(variables)
    if statistic not in ("mean", "prop", "total", "ratio"):
        raise ValueError(f"statistic={statistic!r}: use mean, prop, total or ratio")
    from survey.compare._levels import not_on_backend

    not_on_backend(design, "event_study")
    data = design.data
    glab, wlab = value_labels_of(design, group), value_labels_of(design, wave)
    control, treated = resolve_pair(data, group, control, treated, kind="group", labels=glab)
    pre_w = resolve_values(data, wave, pre, what="pre", labels=wlab)
    post_w = resolve_values(data, wave, post, what="post", labels=wlab)
    both = set(pre_w) & set(post_w)
    if both:
        raise ValueError(f"waves {describe_values(sorted(both), wlab)} are both pre and post waves")
    waves = [*pre_w, *post_w]
    ref = pre_w[-1]
    others = [w for w in waves if w != ref]
    est = estimate(design, statistic, variables, by=[*by, group, wave])
    lab = with_category_key(est.labels)
    keys = [*by, "variable", "category"]
    lab["_k"] = np.arange(len(lab))
    index = {
        (tuple(r[keys]), r[group], r[wave]): r["_k"] for _, r in lab.iterrows()
    }  # one row per domain estimate (few), not per data row
    units = lab[keys].drop_duplicates(ignore_index=True)
    K = len(lab)
    L_rows, meta = [], []
    for _, u in units.iterrows():
        key = tuple(u[keys])
        for w in others:
            cells = {
                (g, ww): index.get((key, g, ww), -1) for g in (control, treated) for ww in (w, ref)
            }
            missing = [c for c, k in cells.items() if k < 0]
            row = np.zeros(K)
            for (g, ww), k in cells.items():
                if k >= 0:
                    row[k] += (1.0 if g == treated else -1.0) * (1.0 if ww == w else -1.0)
            L_rows.append(row)
            meta.append((key, w, missing))
    L = np.vstack(L_rows)
    # the two arms' changes from the reference (their own rows of the same contrast)
    arm = np.zeros((2 * len(L_rows), K))
    arm_ok = np.zeros((len(L_rows), 2), dtype=bool)
    for i, (key, w, _) in enumerate(meta):
        for j, g in enumerate((control, treated)):
            k_t, k_r = index.get((key, g, w), -1), index.get((key, g, ref), -1)
            if k_t >= 0 and k_r >= 0:
                arm[2 * i + j, k_t], arm[2 * i + j, k_r] = 1.0, -1.0
                arm_ok[i, j] = True
    comb = est.contrast(L)
    theta = comb.theta.copy()
    V = comb.vcov()
    arms = est.contrast(arm).theta.reshape(-1, 2)
    arms[~arm_ok] = np.nan
    theta[[bool(m) for _, _, m in meta]] = np.nan
    gone = ~np.isfinite(theta)
    V[gone, :] = np.nan
    V[:, gone] = np.nan
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    dfs = _df(design, df, by, group, wave, (control, treated), waves, units)
    unit_pos = {tuple(u[keys]): i for i, u in units.iterrows()}
    rows = []
    vcov = {}
    event_time = {w: i - (len(pre_w) - 1) for i, w in enumerate(waves)}
    for _, u in units.iterrows():
        key = tuple(u[keys])
        sel = [j for j, (k, _, _) in enumerate(meta) if k == key]
        d = float(dfs[unit_pos[key]])
        for w in waves:
            rec = dict(zip(keys, key, strict=True))
            rec.update(wave=w, event_time=event_time[w], df=d)
            rec["period"] = "reference" if w == ref else "pre" if w in pre_w else "post"
            if w == ref:
                rec.update(estimate_control=0.0, estimate_treated=0.0, estimate=0.0, se=np.nan)
                rec["note"] = "reference wave"
            else:
                j = next(j for j in sel if meta[j][1] == w)
                rec.update(
                    estimate_control=arms[j, 0],
                    estimate_treated=arms[j, 1],
                    estimate=theta[j],
                    se=se[j],
                )
                rec["note"] = _note(meta[j][2], treated, wlab, theta[j])
            rows.append(rec)
        names = [meta[j][1] for j in sel]
        shown = (*key[:-1], category_from_key(pd.Series([key[-1]])).iloc[0])
        shown = tuple(None if pd.isna(v) else v for v in shown)
        vcov[shown] = pd.DataFrame(V[np.ix_(sel, sel)], index=names, columns=names)
    out = pd.DataFrame(rows)
    out["category"] = category_from_key(out["category"])
    out["wave_label"] = [describe_values([w], wlab) for w in out["wave"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["t"] = out["estimate"] / out["se"]
    dfa = out["df"].to_numpy(float)
    ok = np.isfinite(out["t"].to_numpy(float)) & (dfa > 0)
    q = critical(level, np.where(ok, dfa, 1.0))
    out["ci_low"] = np.where(ok, out["estimate"] - q * out["se"], np.nan)
    out["ci_high"] = np.where(ok, out["estimate"] + q * out["se"], np.nan)
    out["p_value"] = np.where(
        ok, 2 * stats.t.sf(np.abs(out["t"].fillna(0)), np.where(ok, dfa, 1.0)), np.nan
    )
    out["note"] = pd.array(out["note"], dtype="string")
    out = out[[*by, *EVENT_COLUMNS]]
    pretrend = _pretrend(units, keys, by, meta, theta, V, dfs, pre_w, ref)
    attrs = {
        "comparison": "event study",
        "statistic": statistic,
        "level": level,
        "df_rule": df,
        "reference": ref,
        "treated": treated,
        "control": control,
        "labels": {
            "treated": describe_values([treated], glab),
            "control": describe_values([control], glab),
            "reference": describe_values([ref], wlab),
        },
    }
    out.attrs.update(attrs)
    pretrend.attrs.update(attrs)
    return EventStudy(out, pretrend, vcov)


def _note(missing, treated, wlab, value):
    """Why a coefficient is missing: a cell without rows, or a wave without answers."""
    if missing:
        return "not estimated in: " + ", ".join(
            f"{'treated' if g == treated else 'control'} {describe_values([w], wlab)}"
            for g, w in missing
        )
    if not np.isfinite(value):
        return "no answers to the item in a wave this coefficient uses"
    return pd.NA


def _df(design, df, by, group, wave, groups, waves, units) -> np.ndarray:
    if df == "design":
        return np.full(len(units), float(design.degf))
    if df == "model":
        from survey.compare.did import _model_df

        return _model_df(
            design, by, group, wave, groups, waves, units[[*by, "variable"]], p=2 * len(waves)
        )
    if isinstance(df, int | float) and not isinstance(df, bool) and df > 0:
        return np.full(len(units), float(df))
    raise ValueError(f"df={df!r}: use 'design', 'model' or a positive number")


def _pretrend(units, keys, by, meta, theta, V, dfs, pre_w, ref) -> pd.DataFrame:
    """Joint Wald test of the baseline coefficients, per indicator: F = b' V^-1 b / q."""
    rows = []
    for i, u in units.iterrows():
        key = tuple(u[keys])
        sel = [j for j, (k, w, _) in enumerate(meta) if k == key and w in pre_w and w != ref]
        rec = dict(zip(keys, key, strict=True))
        rec.update(n_coefficients=len(sel), df_num=float(len(sel)), df_den=float(dfs[i]))
        b = theta[sel]
        if not sel:
            rec.update(wald=np.nan, F=np.nan, p_value=np.nan)
            rec["note"] = "no baseline wave besides the reference: no pre-trend test"
        elif not np.isfinite(b).all():
            rec.update(wald=np.nan, F=np.nan, p_value=np.nan)
            rec["note"] = "a baseline coefficient is not estimated"
        else:
            Vb = V[np.ix_(sel, sel)]
            if not np.isfinite(Vb).all() or np.linalg.matrix_rank(Vb) < len(sel):
                # e.g. no cases in the baseline waves: zero variances; the other results stand
                rec.update(wald=np.nan, F=np.nan, p_value=np.nan)
                rec["note"] = (
                    "the baseline coefficients' covariance is singular (a baseline wave "
                    "without variation?): no pre-trend test"
                )
                rows.append(rec)
                continue
            wald = float(b @ np.linalg.solve(Vb, b))
            F = wald / len(sel)
            rec.update(wald=wald, F=F, p_value=float(stats.f.sf(F, len(sel), dfs[i])))
            rec["note"] = pd.NA
        rows.append(rec)
    out = pd.DataFrame(rows)
    out["category"] = category_from_key(out["category"])
    out["note"] = pd.array(out["note"], dtype="string")
    return out[[*by, *PRETREND_COLUMNS]]
