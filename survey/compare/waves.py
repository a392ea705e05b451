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

from survey.compare._frame import MEASURES, finish, unreliable_flag
from survey.compare.effects import cohens_d, cohens_h, weighted_sd
from survey.engine import estimate

_SENTINEL = "\x00<NA>"
VERBS = ("mean", "prop", "total", "ratio", "quantile")


def _as_list(x) -> list[str]:
    if x is None:
        return []
    return [x] if isinstance(x, str) else list(x)


def _verb_frame(design, statistic, variables, by, denominator, quantile, level, wave_df):
    if statistic not in VERBS:
        raise ValueError(f"statistic={statistic!r}: use one of {', '.join(VERBS)}")
    kw = {"by": by or None, "level": level, "df": wave_df}
    if statistic == "quantile":
        return design.quantile(variables, q=quantile, **kw)
    if statistic == "ratio":
        return design.ratio(variables, denominator, ci="wald", **kw)
    return getattr(design, statistic)(variables, ci="wald", **kw)


def _with_key(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["category"] = out["category"].astype(object).where(out["category"].notna(), _SENTINEL)
    return out


def _binary(design, variables) -> dict[str, bool]:
    out = {}
    for v in variables:
        s = design.data[v] if v in design.data.columns else None
        if s is None or not pd.api.types.is_numeric_dtype(s.dtype):
            out[v] = False
            continue
        vals = pd.unique(s.dropna())
        out[v] = len(vals) > 0 and set(np.asarray(vals, dtype=float).tolist()) <= {0.0, 1.0}
    return out


def _measure(measure, e1, e2, v1, v2, cov=0.0):
    """Estimate and variance of the measure from two estimates, variances and covariance."""
    if measure not in MEASURES:
        raise ValueError(f"measure={measure!r}: use one of {', '.join(MEASURES)}")
    if measure == "difference":
        return e2 - e1, v1 + v2 - 2 * cov
    with np.errstate(divide="ignore", invalid="ignore"):
        r = e2 / e1
        # gradient (-e2 / e1^2, 1 / e1)
        var = (e2**2 / e1**4) * v1 + v2 / e1**2 - 2 * (e2 / e1**3) * cov
    if measure == "ratio":
        return r, var
    return 100 * (r - 1), 1e4 * var


def _effect(statistic, binary_map, frame):
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
    return es, kind


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
    statistic: str | None = None,
    binary: dict | None = None,
) -> pd.DataFrame:
    """Compare two result frames of INDEPENDENT samples row by row.

    Rows are matched on the ``by`` columns, ``variable`` and ``category`` (inner join).
    ``df`` per row: ``"sum"`` (default: ``df1 + df2``, the design df of the two samples
    stacked as one design with each wave's strata kept apart, i.e. R's ``degf`` of that
    combined design), ``"min"``, ``"satterthwaite"`` (Welch-Satterthwaite from the two
    variances and dfs), ``"inf"`` (normal), or a number. See :func:`compare_independent`
    for the other parameters and the returned columns.
    """
    by = _as_list(by)
    keys = [*by, "variable", "category"]
    for name, f in (("frame1", frame1), ("frame2", frame2)):
        missing = [c for c in [*keys, "estimate", "se", "df"] if c not in f.columns]
        if missing:
            raise KeyError(f"{name} lacks columns {missing}")
    cols = [*keys, "estimate", "se", "df", "n", "reliability"]
    extra = [c for c in ("sd",) if c in frame1.columns and c in frame2.columns]
    a = _with_key(frame1[[c for c in cols + extra if c in frame1.columns]])
    b = _with_key(frame2[[c for c in cols + extra if c in frame2.columns]])
    m = a.merge(b, on=keys, how="inner", suffixes=("_1", "_2"), sort=False)
    if m.empty:
        raise ValueError("the two frames share no (by, variable, category) rows to compare")
    m["category"] = m["category"].where(m["category"] != _SENTINEL, pd.NA)
    e1, e2 = m["estimate_1"].to_numpy(float), m["estimate_2"].to_numpy(float)
    s1, s2 = m["se_1"].to_numpy(float), m["se_2"].to_numpy(float)
    v1, v2 = s1**2, s2**2
    est, var = _measure(measure, e1, e2, v1, v2)
    d1, d2 = m["df_1"].to_numpy(float), m["df_2"].to_numpy(float)
    m["df"] = _df_rule(df, d1, d2, v1, v2)
    m["estimate"] = est
    m["se"] = np.sqrt(var)
    m["measure"] = measure
    for k in ("1", "2"):
        if f"n_{k}" not in m.columns:
            m[f"n_{k}"] = np.nan
    if "sd_1" not in m.columns:
        m["sd_1"] = m["sd_2"] = np.nan
    statistic = statistic or frame1.attrs.get("statistic")
    es, kind = _effect(statistic, binary or {}, m)
    m["effect_size"] = es
    m["effect_size_type"] = kind
    m["unreliable"] = unreliable_flag(
        m.get("reliability_1", pd.Series([pd.NA] * len(m))),
        m.get("reliability_2", pd.Series([pd.NA] * len(m))),
    ).to_numpy()
    return finish(
        m,
        by,
        level=level,
        alpha=alpha,
        adjust=adjust,
        family=family,
        worse=worse,
        attrs={"comparison": "independent samples", "df_rule": df, "statistic": statistic},
    )


def _df_rule(rule, d1, d2, v1, v2):
    if isinstance(rule, int | float) and not isinstance(rule, bool):
        return np.full(d1.shape, float(rule))
    if rule == "sum":
        return d1 + d2
    if rule == "min":
        return np.minimum(d1, d2)
    if rule == "satterthwaite":
        with np.errstate(divide="ignore", invalid="ignore"):
            return (v1 + v2) ** 2 / (v1**2 / d1 + v2**2 / d2)
    if rule in ("inf", None):
        return np.full(d1.shape, np.inf)
    raise ValueError(f"df={rule!r}: use 'sum', 'min', 'satterthwaite', 'inf' or a number")


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
) -> pd.DataFrame:
    """Change between two independent samples (baseline ``design1``, follow-up ``design2``).

    Each wave is estimated under its own design (designs may differ: strata, clusters,
    replicate weights); the estimates are independent so the variance of the difference is
    the sum of the two variances.

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
        the flags then use the adjusted p-values.
    worse : "higher", "lower" or dict, optional
        Direction in which a change is harmful, per variable (victimisation and fear:
        ``"higher"``; trust: ``"lower"``); drives the ``worsened`` ("do no harm") flag.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, then :data:`survey.compare.COMPARISON_COLUMNS`: ``variable, category,
        measure, estimate_1, se_1, estimate_2, se_2, n_1, n_2, estimate, se, ci_low, ci_high,
        df, t, p_value, p_adjusted, effect_size, effect_size_type, significant, worsened,
        unreliable`` (``estimate`` is the change). ``effect_size`` is Cohen's h for
        proportions (``prop`` or 0/1 variables) and Cohen's d for means (weighted SDs).
    """
    by = _as_list(by)
    variables = _as_list(variables)
    f1 = _verb_frame(design1, statistic, variables, by, denominator, quantile, level, wave_df)
    f2 = _verb_frame(design2, statistic, variables, by, denominator, quantile, level, wave_df)
    binary = _binary(design1, variables) if statistic == "mean" else {}
    if statistic == "mean":
        numeric = [v for v in variables if not binary.get(v, False)]
        if numeric:
            f1 = f1.merge(weighted_sd(design1, numeric, by), on=[*by, "variable"], how="left")
            f2 = f2.merge(weighted_sd(design2, numeric, by), on=[*by, "variable"], how="left")
    return compare_frames(
        f1,
        f2,
        by,
        measure=measure,
        df=df,
        level=level,
        alpha=alpha,
        adjust=adjust,
        family=family,
        worse=worse,
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
) -> pd.DataFrame:
    """Change between two waves estimated in ONE design (panel, overlapping or stacked waves).

    The waves are domains of ``design`` (``by=[*by, wave]``); the change is an engine
    contrast (``difference``) or delta-method transform (``ratio``, ``percent_change``) of
    those domain estimates, so the covariance between the waves (shared PSUs, re-interviewed
    households) enters the standard error. Equals R's ``svyby(~y, ~wave, design,
    svymean, covmat = TRUE)`` followed by ``svycontrast``.

    Parameters
    ----------
    design : survey.Design or survey.ReplicateDesign
        The combined design (see :func:`combine_waves`).
    wave : str
        Column identifying the wave.
    baseline, followup : optional
        Wave values compared (default: the first and last in sorted order).
    statistic : {"mean", "prop", "total", "ratio"}
    df : {"design", "domain", "inf"} or float
        Design df of the combined design (default), R's ``degf`` of the smaller of the rows
        in the two wave domains (``"domain"``), normal, or a number.

    Other parameters and the returned columns are those of :func:`compare_independent`.
    """
    by = _as_list(by)
    variables = _as_list(variables)
    if wave not in design.data.columns:
        raise KeyError(f"wave column {wave!r} is not in the data")
    if statistic not in ("mean", "prop", "total", "ratio"):
        raise ValueError(f"statistic={statistic!r}: use mean, prop, total or ratio")
    waves = sorted(pd.unique(design.data[wave].dropna()).tolist())
    baseline = waves[0] if baseline is None else baseline
    followup = waves[-1] if followup is None else followup
    for v in (baseline, followup):
        if v not in waves:
            raise ValueError(f"wave {v!r} is not a value of column {wave!r} (values: {waves})")
    est = estimate(design, statistic, variables, by=[*by, wave], denominator=denominator)
    frame = est.to_frame(ci="wald", level=level, df=df)
    lab = _with_key(est.labels)
    lab["_k"] = np.arange(len(lab))
    keys = [*by, "variable", "category"]
    a = lab[lab[wave] == baseline][[*keys, "_k"]]
    b = lab[lab[wave] == followup][[*keys, "_k"]]
    pairs = a.merge(b, on=keys, suffixes=("_1", "_2"), sort=False)
    if pairs.empty:
        raise ValueError(f"no estimates present in both waves {baseline!r} and {followup!r}")
    i1, i2 = pairs["_k_1"].to_numpy(), pairs["_k_2"].to_numpy()
    m = len(pairs)
    K = len(lab)
    labels = pairs[keys].copy()
    labels["category"] = labels["category"].where(labels["category"] != _SENTINEL, pd.NA)
    if measure == "difference":
        L = np.zeros((m, K))
        L[np.arange(m), i2] = 1.0
        L[np.arange(m), i1] = -1.0
        comb = est.contrast(L, labels=labels)
    elif measure in ("ratio", "percent_change"):
        scale, shift = (1.0, 0.0) if measure == "ratio" else (100.0, 100.0)

        def func(th):
            return scale * th[i2] / th[i1] - shift

        def jac(th):
            J = np.zeros((m, K))
            J[np.arange(m), i1] = -scale * th[i2] / th[i1] ** 2
            J[np.arange(m), i2] = scale / th[i1]
            return J

        comb = est.transform(func, jac, labels=labels)
    else:
        raise ValueError(f"measure={measure!r}: use one of {', '.join(MEASURES)}")
    var = comb.variance()
    out = labels.copy()
    out["measure"] = measure
    out["estimate_1"] = frame["estimate"].to_numpy()[i1]
    out["se_1"] = frame["se"].to_numpy()[i1]
    out["estimate_2"] = frame["estimate"].to_numpy()[i2]
    out["se_2"] = frame["se"].to_numpy()[i2]
    out["n_1"] = frame["n"].to_numpy()[i1]
    out["n_2"] = frame["n"].to_numpy()[i2]
    out["estimate"] = comb.theta
    out["se"] = np.sqrt(np.where(var < 0, np.nan, var))
    dfs = frame["df"].to_numpy(dtype=float)
    out["df"] = np.minimum(dfs[i1], dfs[i2])  # equal unless df="domain"
    out["unreliable"] = unreliable_flag(
        frame["reliability"].to_numpy()[i1], frame["reliability"].to_numpy()[i2]
    ).to_numpy()
    binary = _binary(design, variables) if statistic == "mean" else {}
    out["sd_1"] = out["sd_2"] = np.nan
    if statistic == "mean":
        numeric = [v for v in variables if not binary.get(v, False)]
        if numeric:
            out = out.drop(columns=["sd_1", "sd_2"])
            sd = weighted_sd(design, numeric, [*by, wave])
            s1 = sd[sd[wave] == baseline].drop(columns=wave)
            s2 = sd[sd[wave] == followup].drop(columns=wave)
            out = out.merge(s1.rename(columns={"sd": "sd_1"}), on=[*by, "variable"], how="left")
            out = out.merge(s2.rename(columns={"sd": "sd_2"}), on=[*by, "variable"], how="left")
    es, kind = _effect(statistic, binary, out)
    out["effect_size"] = es
    out["effect_size_type"] = kind
    res = finish(
        out,
        by,
        level=level,
        alpha=alpha,
        adjust=adjust,
        family=family,
        worse=worse,
        attrs={
            "comparison": "one combined design",
            "df_rule": df,
            "statistic": statistic,
            "baseline": baseline,
            "followup": followup,
        },
    )
    return res


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
