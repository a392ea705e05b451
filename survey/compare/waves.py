"""Comparisons between survey waves (or areas): independent samples and one combined design.

Two situations, two functions:

- :func:`compare_independent`: two independent samples (a baseline and a follow-up
  cross-section, or two areas), each with its own design, possibly different. The estimates
  are independent, so ``Var(theta2 - theta1) = Var(theta1) + Var(theta2)``; each variance comes
  from the engine under its own design. Any verb works (mean, prop, total, ratio, quantile).
- :func:`compare_within`: both waves in ONE design (a panel or overlapping sample where the
  same PSUs/households were re-interviewed, or two waves in one file). The waves are domains
  of that design and the difference is an engine contrast, so the covariance between waves
  is counted (R: ``svyby(..., covmat = TRUE)`` + ``svycontrast``).

:func:`combine_waves` stacks the waves' data frames into that one design.

Measures: ``difference`` (``theta2 - theta1``), ``ratio`` (``theta2 / theta1``) and
``percent_change`` (``100 (theta2 / theta1 - 1)``), the last two by the delta method (for
independent samples ``Var(r) = r^2 (V1 / theta1^2 + V2 / theta2^2)``). Tests are ``t`` tests
of no change (0, 1, 0) on the degrees of freedom of ``df`` (see each function).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from survey.compare._frame import (
    MEASURES,
    NOTE_EMPTY_BASELINE,
    NOTE_EMPTY_FOLLOWUP,
    NOTE_NO_BASELINE,
    NOTE_NO_FOLLOWUP,
    category_from_key,
    finish,
    input_flags,
    side_labels,
    suppressed_flag,
    unreliable_flag,
    with_category_key,
)
from survey.compare.effects import cohens_d, cohens_h, weighted_sd
from survey.engine import estimate
from survey.engine.independent import IndependentEstimates, KnownVariance, stack_independent

VERBS = ("mean", "prop", "total", "ratio", "quantile")


def _as_list(x) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def _check_verb(statistic: str) -> None:
    if statistic not in VERBS:
        raise ValueError(f"statistic={statistic!r}: use one of {', '.join(VERBS)}")


def _verb_frame(
    design, statistic, variables, by, denominator, quantile, level, wave_df, quality="default"
):
    _check_verb(statistic)
    kw = {"by": by or None, "level": level, "df": wave_df}
    if statistic == "quantile":  # (quantiles carry no publication rule of their own)
        return design.quantile(variables, q=quantile, **kw)
    kw["quality"] = quality
    if statistic == "ratio":
        return design.ratio(variables, denominator, ci="wald", **kw)
    return getattr(design, statistic)(variables, ci="wald", **kw)


def _binary(design, variables) -> dict[str, bool]:
    if getattr(design, "is_table_design", False):  # one small query on the backend
        from survey.backends.derive import binary_columns

        return binary_columns(design.source, variables)
    out = {}
    for v in variables:
        s = design.data[v] if v in design.data.columns else None
        if s is None or not pd.api.types.is_numeric_dtype(s.dtype):
            out[v] = False
            continue
        vals = pd.unique(s.dropna())
        out[v] = len(vals) > 0 and set(np.asarray(vals, dtype=float).tolist()) <= {0.0, 1.0}
    return out


def _effect_size_inputs(design, variables, statistic) -> tuple[dict[str, bool], list[str]]:
    """For means: which variables are 0/1 (Cohen's h) and the numeric others, whose
    weighted SDs Cohen's d needs. Other statistics: neither."""
    if statistic != "mean":
        return {}, []
    binary = _binary(design, variables)
    return binary, [v for v in variables if not binary.get(v, False)]


def _change(est, i1: np.ndarray, i2: np.ndarray, measure: str, labels: pd.DataFrame):
    """The change from estimate ``i1`` to ``i2`` as an engine combination of ``est`` (an
    EstimateSet of one design or the IndependentEstimates of independent samples):
    ``difference`` a contrast, ``ratio`` and ``percent_change`` the delta method."""
    m, K = i1.size, len(est)
    rows = np.arange(m)
    if measure == "difference":
        L = np.zeros((m, K))
        L[rows, i2] = 1.0
        L[rows, i1] = -1.0
        return est.contrast(L, labels=labels)
    if measure not in MEASURES:
        raise ValueError(f"measure={measure!r}: use one of {', '.join(MEASURES)}")
    scale, shift = (1.0, 0.0) if measure == "ratio" else (100.0, 100.0)

    def func(th):
        with np.errstate(divide="ignore", invalid="ignore"):
            return scale * th[i2] / th[i1] - shift

    def jac(th):
        J = np.zeros((m, K))
        with np.errstate(divide="ignore", invalid="ignore"):
            J[rows, i1] = -scale * th[i2] / th[i1] ** 2
            J[rows, i2] = scale / th[i1]
        return J

    if isinstance(est, IndependentEstimates):  # each change uses both samples, whatever J
        L = np.zeros((m, K))
        L[rows, i1] = L[rows, i2] = 1.0
        return est.transform(func, jac, labels=labels, uses=L)
    return est.transform(func, jac, labels=labels)


def _pair(lab1: pd.DataFrame, lab2: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows of ``lab1`` and ``lab2`` matched on ``keys``: ``keys``, ``_k1``, ``_k2`` (positions,
    -1 where the row exists on one side only). Order: ``lab1``'s, then ``lab2``-only rows."""
    a = with_category_key(lab1[keys]).assign(_k1=np.arange(len(lab1)))
    b = with_category_key(lab2[keys]).assign(_k2=np.arange(len(lab2)))
    for name, f in (("baseline", a), ("follow-up", b)):
        dup = f.duplicated(keys)
        if dup.any():
            raise ValueError(
                f"the {name} estimates repeat (by, variable, category) keys "
                f"(rows {list(np.flatnonzero(dup.to_numpy())[:5])})"
            )
    m = a.merge(b, on=keys, how="left", sort=False)
    rest = b[~b["_k2"].isin(m["_k2"].dropna())]
    out = pd.concat([m, rest.assign(_k1=-1)], ignore_index=True)
    out["_k1"] = out["_k1"].fillna(-1).astype(int)
    out["_k2"] = out["_k2"].fillna(-1).astype(int)
    out["category"] = category_from_key(out["category"])
    return out


def _take(values, idx: np.ndarray, fill=np.nan) -> np.ndarray:
    """``values[idx]`` with ``fill`` where ``idx < 0``."""
    values = np.asarray(values)
    out = np.full(idx.shape, fill, dtype=object if values.dtype == object else float)
    ok = idx >= 0
    out[ok] = values[idx[ok]]
    return out


def _assemble(pairs, keys, f1, f2, comb, both, measure, df):
    """The comparison rows (before :func:`finish`): inputs of both sides, the change for the
    rows present on both (``both``), NaN and a ``note`` for the others."""
    i1, i2 = pairs["_k1"].to_numpy(), pairs["_k2"].to_numpy()
    out = pairs[keys].copy()
    out["measure"] = measure
    for k, f, idx in (("1", f1, i1), ("2", f2, i2)):
        for col in ("estimate", "se", "n", "sd"):
            src = f[col].to_numpy(dtype=float) if col in f.columns else np.full(len(f), np.nan)
            out[f"{col}_{k}"] = _take(src, idx)
    var = comb.variance()
    for col, val in (
        ("estimate", comb.theta),
        ("se", np.sqrt(np.where(var < 0, np.nan, var))),
        ("df", df),
    ):
        full = np.full(len(out), np.nan)
        full[both] = val
        out[col] = full
    rel = [
        _take(f["reliability"].astype(object).to_numpy(), idx, fill=pd.NA)
        if "reliability" in f.columns
        else np.full(len(out), pd.NA, dtype=object)
        for f, idx in ((f1, i1), (f2, i2))
    ]
    out["unreliable"] = unreliable_flag(*rel).to_numpy()
    out["suppressed_input"] = suppressed_flag(*rel).to_numpy()
    why = [
        _take(f["reliability_reason"].astype(object).to_numpy(), idx, fill=None)
        if "reliability_reason" in f.columns
        else np.full(len(out), None, dtype=object)
        for f, idx in ((f1, i1), (f2, i2))
    ]
    # which input is flagged and why, per row (the flags above say only that one is)
    out.attrs["inputs"] = input_flags({"baseline": (rel[0], why[0]), "follow-up": (rel[1], why[1])})
    note = np.full(len(out), pd.NA, dtype=object)
    note[i1 < 0] = NOTE_NO_BASELINE
    note[i2 < 0] = NOTE_NO_FOLLOWUP
    # a wave present as a domain but without a single answer to the item (LAPOP's aoj11 in
    # 2006): no change can be estimated, so its SE and effect size are not reported either
    empty1 = (i1 >= 0) & ~np.isfinite(out["estimate_1"].to_numpy(float))
    empty2 = (i2 >= 0) & ~np.isfinite(out["estimate_2"].to_numpy(float))
    note[empty1] = NOTE_EMPTY_BASELINE
    note[empty2] = NOTE_EMPTY_FOLLOWUP
    note[empty1 & empty2] = f"{NOTE_EMPTY_BASELINE}; {NOTE_EMPTY_FOLLOWUP}"
    out.loc[empty1 | empty2, ["estimate", "se", "df"]] = np.nan
    out["note"] = pd.array(note, dtype="string")
    return out


def _add_effect_size(frame, statistic, binary_map) -> None:
    """Fill ``effect_size`` and ``effect_size_type`` of a comparison frame (in place):
    Cohen's h for proportions, Cohen's d for means with their SDs."""
    var = frame["variable"].to_numpy(dtype=object)
    e1 = frame["estimate_1"].to_numpy(dtype=float)
    e2 = frame["estimate_2"].to_numpy(dtype=float)
    is_prop = np.array(
        [statistic == "prop" or (statistic == "mean" and binary_map.get(v, False)) for v in var]
    )
    es = np.full(len(frame), np.nan)
    kind = pd.array([pd.NA] * len(frame), dtype="string")
    es[is_prop] = cohens_h(e1[is_prop], e2[is_prop])
    kind[is_prop] = "cohen_h"
    if statistic == "mean" and "sd_1" in frame.columns:
        use = ~is_prop
        es[use] = cohens_d(
            e1[use], e2[use], frame["sd_1"].to_numpy()[use], frame["sd_2"].to_numpy()[use]
        )
        kind[use] = "cohen_d"
    kind[np.isnan(es)] = pd.NA  # no effect size (a side not estimated, no SD)
    frame["effect_size"] = es
    frame["effect_size_type"] = kind


def compare_frames(
    frame1: pd.DataFrame,
    frame2: pd.DataFrame,
    by=None,
    *,
    measure: str = "difference",
    df="sum",
    level: float = 0.95,
    alpha: float = 0.05,
    adjust: str | None = None,
    family=None,
    worse=None,
    worsened_p: str = "unadjusted",
    statistic: str | None = None,
    binary: dict | None = None,
) -> pd.DataFrame:
    """Compare two result frames of INDEPENDENT samples row by row.

    Rows are matched on the ``by`` columns, ``variable`` and ``category``; a row present in
    one frame only is kept with NaN comparison values and a ``note``. Each frame is a block of
    estimates with the variances its design gave them (``se``), independent of the other
    block: the change and its variance come from the engine's
    :func:`survey.engine.independent.stack_independent` (block-diagonal covariance).
    ``df`` per row: ``"sum"`` (default: ``df1 + df2``, the design df of the two samples
    stacked as one design with each wave's strata kept apart, i.e. R's ``degf`` of that
    combined design), ``"min"``, ``"satterthwaite"`` (Welch-Satterthwaite from the two
    variance contributions and dfs), ``"inf"`` (normal), or a number. See
    :func:`compare_independent` for the other parameters and the returned columns.
    """
    by = _as_list(by)
    keys = [*by, "variable", "category"]
    for name, f in (("frame1", frame1), ("frame2", frame2)):
        missing = [c for c in [*keys, "estimate", "se", "df"] if c not in f.columns]
        if missing:
            raise KeyError(f"{name} lacks columns {missing}")
    blocks = (KnownVariance.from_frame(frame1), KnownVariance.from_frame(frame2))
    return _compare_blocks(
        blocks,
        frame1.reset_index(drop=True),
        frame2.reset_index(drop=True),
        by,
        measure=measure,
        df=df,
        level=level,
        alpha=alpha,
        adjust=adjust,
        family=family,
        worse=worse,
        worsened_p=worsened_p,
        statistic=statistic or frame1.attrs.get("statistic"),
        binary=binary or {},
    )


def _compare_blocks(
    blocks, f1, f2, by, *, measure, df, statistic, binary, wave_df="design", **flags
):
    """Pair the rows of two independent samples' frames and compare them through the engine
    (``blocks``: their EstimateSets or KnownVariance, in the frames' row order; ``wave_df``
    the df rule of EstimateSet blocks, as their frames were made)."""
    if measure not in MEASURES:
        raise ValueError(f"measure={measure!r}: use one of {', '.join(MEASURES)}")
    keys = [*by, "variable", "category"]
    pairs = _pair(f1, f2, keys)
    both = ((pairs["_k1"] >= 0) & (pairs["_k2"] >= 0)).to_numpy()
    if not both.any():
        raise ValueError("the two frames share no (by, variable, category) rows to compare")
    stack = stack_independent(*blocks, df=wave_df)
    off = stack.offsets
    i1 = pairs["_k1"].to_numpy()[both] + off[0]
    i2 = pairs["_k2"].to_numpy()[both] + off[1]
    comb = _change(stack, i1, i2, measure, pairs.loc[both, keys])
    out = _assemble(pairs, keys, f1, f2, comb, both, measure, comb.degrees_of_freedom(df))
    _add_effect_size(out, statistic, binary)
    return finish(
        out,
        by,
        **flags,
        attrs={"comparison": "independent samples", "df_rule": df, "statistic": statistic},
    )


def compare_independent(
    design1,
    design2,
    variables,
    by=None,
    *,
    statistic: str = "mean",
    measure: str = "difference",
    denominator=None,
    quantile: Sequence[float] = (0.5,),
    df="sum",
    wave_df="design",
    level: float = 0.95,
    alpha: float = 0.05,
    adjust: str | None = None,
    family=None,
    worse=None,
    worsened_p: str = "unadjusted",
    quality="default",
) -> pd.DataFrame:
    """Change between two independent samples (baseline ``design1``, follow-up ``design2``).

    Each wave is estimated under its own design (designs may differ: strata, clusters,
    replicate weights); the estimates are independent, so the two waves' EstimateSets are
    stacked with a block-diagonal covariance
    (:func:`survey.engine.independent.stack_independent`) and the change is an engine
    contrast or delta-method transform of the stack: the variance of a difference is the sum
    of the two variances, that of a ratio ``r^2 (V1 / theta1^2 + V2 / theta2^2)``. Quantiles
    enter with their Woodruff variances (one estimate per wave in each change).
    A domain or category estimated in one wave only is kept with NaN change and a ``note``.

    Parameters
    ----------
    design1, design2 : survey.Design or survey.ReplicateDesign
        Baseline (or comparison area) and follow-up (or target area).
    variables : str or list of str
        Indicators, as columns of both designs' data.
    by : str or list of str, optional
        Domains, estimated in each wave and compared domain by domain.
    statistic : {"mean", "prop", "total", "ratio", "quantile"}
        The verb that estimates each indicator (``ratio`` uses ``denominator``, ``quantile``
        the probabilities ``quantile``, reported in ``category``, and R's Woodruff standard
        errors).
    measure : {"difference", "ratio", "percent_change"}
        ``theta2 - theta1``; ``theta2 / theta1``; ``100 (theta2 / theta1 - 1)`` (delta method).
    df : {"sum", "min", "satterthwaite", "inf"} or float
        Degrees of freedom of the test and interval (see :func:`compare_frames`); ``"sum"``
        (each wave's design df added) is the df of the two samples declared as one design.
    wave_df : {"design", "domain"} or float
        Each wave's df as the verbs compute it: of the whole design, or of the rows in the
        domain (R's ``degf`` of the subset; use it when ``by`` splits a design made of
        independent samples, e.g. countries of a multi-country file).
    level, alpha : float
        Confidence level; significance level of the ``significant``/``worsened`` flags.
    adjust : {"holm", "bh", "bonferroni", "by"}, optional
        Multiple-comparison adjustment across the rows (within ``family`` columns if given);
        ``significant`` then uses the adjusted p-values.
    worse : "higher", "lower" or dict, optional
        Direction in which a change is harmful, per variable (victimisation and fear:
        ``"higher"``; trust: ``"lower"``); drives the ``worsened`` ("do no harm") flag.
    worsened_p : {"unadjusted", "adjusted"}
        The p-value of the ``worsened`` screen: unadjusted by default (a safety screen keeps
        its sensitivity however many indicators are tested), or the adjusted one.
    quality : "default", str, dict or None
        Publication rule (:mod:`survey.quality`) judging each input estimate; its flags give
        ``unreliable`` and ``suppressed_input`` (``"default"`` = CEPAL 2020, as the
        estimation verbs; None: not assessed).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, then :data:`survey.compare.COMPARISON_COLUMNS`: ``variable, category,
        measure, label_1, label_2, estimate_1, se_1, estimate_2, se_2, n_1, n_2, estimate,
        se, ci_low, ci_high, df, t, p_value, p_adjusted, effect_size, effect_size_type,
        significant, worsened, unreliable, suppressed_input, note`` (``estimate`` is the
        change; ``note`` says why a row has none; ``label_1`` / ``label_2`` are <NA>: two
        designs have no names for their sides).
        ``effect_size`` is Cohen's h for proportions (``prop`` or 0/1 variables) and
        Cohen's d for means (weighted SDs).
    """
    by = _as_list(by)
    variables = _as_list(variables)
    frames, blocks = [], []
    for d in (design1, design2):
        if statistic == "quantile":
            f = _verb_frame(
                d, statistic, variables, by, denominator, quantile, level, wave_df, quality
            )
            block = KnownVariance.from_frame(f)
        else:
            _check_verb(statistic)
            block = estimate(d, statistic, variables, by=by or None, denominator=denominator)
            f = block.to_frame(ci="wald", level=level, df=wave_df, quality=quality)
        frames.append(f)
        blocks.append(block)
    binary, numeric = _effect_size_inputs(design1, variables, statistic)
    if numeric:
        for k, d in enumerate((design1, design2)):
            sd = weighted_sd(d, numeric, by)
            frames[k] = frames[k].merge(sd, on=[*by, "variable"], how="left")
    return _compare_blocks(
        blocks,
        frames[0],
        frames[1],
        by,
        measure=measure,
        df=df,
        wave_df=wave_df,
        level=level,
        alpha=alpha,
        adjust=adjust,
        family=family,
        worse=worse,
        worsened_p=worsened_p,
        statistic=statistic,
        binary=binary,
    )


def compare_within(
    design,
    variables,
    wave: str,
    by=None,
    *,
    baseline=None,
    followup=None,
    statistic: str = "mean",
    measure: str = "difference",
    denominator=None,
    df="design",
    level: float = 0.95,
    alpha: float = 0.05,
    adjust: str | None = None,
    family=None,
    worse=None,
    worsened_p: str = "unadjusted",
    quality="default",
) -> pd.DataFrame:
    """Change between two waves estimated in ONE design (panel, overlapping or stacked waves).

    The waves are domains of ``design`` (``by=[*by, wave]``); the change is an engine
    contrast (``difference``) or delta-method transform (``ratio``, ``percent_change``) of
    those domain estimates, so the covariance between the waves (shared PSUs, re-interviewed
    households) enters the standard error. Equals R's ``svyby(~y, ~wave, design,
    svymean, covmat = TRUE)`` followed by ``svycontrast``. A domain (or category) estimated
    in one wave only is kept with NaN change and a ``note``.

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
        The combined design (see :func:`combine_waves`).
    wave : str
        Column identifying the wave.
    baseline, followup : optional
        Wave values compared, as codes or value labels (default: the earlier and later of
        two numeric or date waves; text waves, or more than two, must be named).
    statistic : {"mean", "prop", "total", "ratio"}
    df : {"design", "domain", "inf"} or float
        Design df of the combined design (default), R's ``degf`` of the smaller of the rows
        in the two wave domains (``"domain"``), normal, or a number.

    Other parameters and the returned columns are those of :func:`compare_independent`,
    with ``label_1`` / ``label_2`` naming the waves compared (``"baseline: wave=1
    (Baseline)"``, ``"follow-up: wave=2 (Follow-up)"``).
    """
    by = _as_list(by)
    variables = _as_list(variables)
    from survey.compare._levels import resolve_pair, value_labels_of, values_of

    values = values_of(design, wave)
    if wave not in values.columns:
        raise KeyError(f"wave column {wave!r} is not in the data")
    if statistic not in ("mean", "prop", "total", "ratio"):
        raise ValueError(f"statistic={statistic!r}: use mean, prop, total or ratio")
    wlab = value_labels_of(design, wave)
    baseline, followup = resolve_pair(values, wave, baseline, followup, kind="wave", labels=wlab)
    est = estimate(design, statistic, variables, by=[*by, wave], denominator=denominator)
    frame = est.to_frame(ci="wald", level=level, df=df, quality=quality)
    keys = [*by, "variable", "category"]
    is1 = (est.labels[wave] == baseline).to_numpy()
    is2 = (est.labels[wave] == followup).to_numpy()
    pos1, pos2 = np.flatnonzero(is1), np.flatnonzero(is2)
    f1 = frame[is1].reset_index(drop=True)
    f2 = frame[is2].reset_index(drop=True)
    pairs = _pair(
        est.labels[is1].reset_index(drop=True), est.labels[is2].reset_index(drop=True), keys
    )
    both = ((pairs["_k1"] >= 0) & (pairs["_k2"] >= 0)).to_numpy()
    if not both.any():
        raise ValueError(f"no estimates present in both waves {baseline!r} and {followup!r}")
    i1 = pos1[pairs["_k1"].to_numpy()[both]]
    i2 = pos2[pairs["_k2"].to_numpy()[both]]
    comb = _change(est, i1, i2, measure, pairs.loc[both, keys])
    dfs = frame["df"].to_numpy(dtype=float)
    binary, numeric = _effect_size_inputs(design, variables, statistic)
    if numeric:
        sd = weighted_sd(design, numeric, [*by, wave])
        for k, (f, value) in enumerate(((f1, baseline), (f2, followup))):
            s_w = sd[sd[wave] == value].drop(columns=wave)
            merged = f.drop(columns=wave).merge(s_w, on=[*by, "variable"], how="left")
            if k == 0:
                f1 = merged
            else:
                f2 = merged
    out = _assemble(
        pairs, keys, f1, f2, comb, both, measure, np.minimum(dfs[i1], dfs[i2])
    )  # df: equal unless df="domain"
    _add_effect_size(out, statistic, binary)
    out["label_1"], out["label_2"] = side_labels("waves", wave, (baseline, followup), wlab)
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
            "comparison": "one combined design",
            "df_rule": df,
            "statistic": statistic,
            "baseline": baseline,
            "followup": followup,
        },
    )


def combine_waves(
    frames: dict,
    *,
    wave: str = "wave",
    weight: str | None = None,
    strata: str | None = None,
    psu: str | None = None,
    fpc: str | None = None,
    panel: bool = False,
    lonely_psu: str = "fail",
):
    """Stack the waves' data frames into one :class:`survey.Design`.

    Parameters
    ----------
    frames : dict
        Wave label -> data frame (same design columns in each).
    wave : str
        Name of the wave column added to the stacked data.
    weight, strata, psu, fpc : str, optional
        Design columns, as in :class:`survey.Design`.
    panel : bool
        ``False`` (independent samples): each wave keeps its own strata and PSUs (both are
        made wave-specific), so the waves are independent and the design df is the sum of
        the waves' dfs. ``True`` (panel / overlapping samples): PSU and stratum ids are
        shared across waves, so a PSU (or, without ``psu``, a row id given as ``psu``)
        observed in both waves carries its covariance into every contrast between waves.

    Returns
    -------
    survey.Design
        With the stacked data; ``wave`` holds the dict keys. The stacked data also holds
        ``_wave_strata`` / ``_wave_psu`` when ``panel=False``.
    """
    from survey.design import Design

    if len(frames) < 2:
        raise ValueError("combine_waves needs at least two waves")
    parts = []
    for label, f in frames.items():
        f = getattr(f, "data", f)
        if wave in f.columns:
            raise ValueError(f"column {wave!r} already exists in wave {label!r}")
        parts.append(f.assign(**{wave: label}))
    data = pd.concat(parts, ignore_index=True)
    if panel:
        return Design(data, weight=weight, strata=strata, psu=psu, fpc=fpc, lonely_psu=lonely_psu)
    w = data[wave].astype(str)
    data["_wave_strata"] = w + ":" + (data[strata].astype(str) if strata else "")
    if psu is not None:
        data["_wave_psu"] = data["_wave_strata"] + ":" + data[psu].astype(str)
    else:
        data["_wave_psu"] = np.arange(len(data))
    return Design(
        data,
        weight=weight,
        strata="_wave_strata",
        psu="_wave_psu",
        fpc=fpc,
        lonely_psu=lonely_psu,
    )
