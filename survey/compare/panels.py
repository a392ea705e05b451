"""Unweighted paired tests for small panels (pingouin): paired t, Wilcoxon, McNemar.

These are model-free checks for the same persons or households measured twice; they ignore
the sampling design (no weights, no clustering) and describe the panel sample, not the
population. For population inference on a panel use
:func:`survey.compare.compare_within` on the combined design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: Columns of :func:`paired_tests`.
PAIRED_COLUMNS = (
    "variable",
    "test",  # "paired_t" | "wilcoxon" | "mcnemar"
    "n_pairs",
    "mean_1",
    "mean_2",
    "difference",
    "statistic",
    "df",
    "p_value",
    "effect_size",
    "effect_size_type",
    "es_ci_low",
    "es_ci_high",
)


def _pairs(frame1, frame2, id_col, variable):
    for name, f in (("baseline", frame1), ("follow-up", frame2)):
        for c in (id_col, variable):
            if c not in f.columns:
                raise KeyError(f"column {c!r} is not in the {name} data")
        dup = f[id_col].duplicated()
        if dup.any():
            raise ValueError(
                f"panel id {id_col!r} repeats in the {name} data "
                f"(rows {list(np.flatnonzero(dup.to_numpy())[:5])})"
            )
    m = frame1[[id_col, variable]].merge(
        frame2[[id_col, variable]], on=id_col, suffixes=("_1", "_2")
    )
    m = m.dropna()
    x = pd.to_numeric(m[f"{variable}_1"]).to_numpy(dtype=float)
    y = pd.to_numeric(m[f"{variable}_2"]).to_numpy(dtype=float)
    return x, y


def paired_tests(
    frame1: pd.DataFrame,
    frame2: pd.DataFrame,
    id: str,
    variables,
    level: float = 0.95,
) -> pd.DataFrame:
    """Paired tests of change for units present in both waves (matched on ``id``).

    For each variable: paired t-test (``pingouin.ttest(paired=True)``; effect size Cohen's
    d_av as pingouin computes it, CI by ``pingouin.compute_esci``), Wilcoxon signed-rank
    (``pingouin.wilcoxon``; effect size the matched-pairs rank-biserial correlation) and,
    for 0/1 variables, McNemar's test (``pingouin.chi2_mcnemar``, continuity corrected;
    effect size: the difference of proportions). Pairs with a missing value are dropped.

    Returns
    -------
    pandas.DataFrame
        :data:`PAIRED_COLUMNS`: ``variable, test, n_pairs, mean_1, mean_2, difference,
        statistic, df, p_value, effect_size, effect_size_type, es_ci_low, es_ci_high``.
    """
    import pingouin as pg  # heavy (pulls in xarray): loaded when a panel is tested

    variables = [variables] if isinstance(variables, str) else list(variables)
    rows = []
    for v in variables:
        x, y = _pairs(frame1, frame2, id, v)
        n = x.size
        base = {"variable": v, "n_pairs": n, "mean_1": np.nan, "mean_2": np.nan}
        if n:
            base.update(mean_1=x.mean(), mean_2=y.mean())
        base["difference"] = base["mean_2"] - base["mean_1"]
        empty = dict.fromkeys(
            ("statistic", "df", "p_value", "effect_size", "es_ci_low", "es_ci_high"), np.nan
        )
        if n < 2 or np.all(x == y):
            for test in ("paired_t", "wilcoxon"):
                rows.append({**base, **empty, "test": test, "effect_size_type": pd.NA})
        else:
            tt = pg.ttest(y, x, paired=True, confidence=level)
            d = float(tt["cohen_d"].iloc[0]) * np.sign(float(tt["T"].iloc[0]))
            ci = pg.compute_esci(
                stat=d, nx=n, ny=n, paired=True, eftype="cohen", confidence=level, decimals=12
            )
            rows.append(
                {
                    **base,
                    "test": "paired_t",
                    "statistic": float(tt["T"].iloc[0]),
                    "df": float(tt["dof"].iloc[0]),
                    "p_value": float(tt["p_val"].iloc[0]),
                    "effect_size": d,
                    "effect_size_type": "cohen_d",
                    "es_ci_low": float(ci[0]),
                    "es_ci_high": float(ci[1]),
                }
            )
            wx = pg.wilcoxon(y, x)
            rows.append(
                {
                    **base,
                    "test": "wilcoxon",
                    "statistic": float(wx["W_val"].iloc[0]),
                    "df": np.nan,
                    "p_value": float(wx["p_val"].iloc[0]),
                    "effect_size": float(wx["RBC"].iloc[0]),
                    "effect_size_type": "rank_biserial",
                    "es_ci_low": np.nan,
                    "es_ci_high": np.nan,
                }
            )
        if n and set(np.unique(np.concatenate([x, y]))) <= {0.0, 1.0}:
            if (x != y).any():
                stat = _mcnemar(x, y)
            else:
                stat = {"statistic": 0.0, "df": 1.0, "p_value": 1.0}
            rows.append(
                {
                    **base,
                    **empty,
                    **stat,
                    "test": "mcnemar",
                    "effect_size": base["difference"],
                    "effect_size_type": "difference_in_proportions",
                }
            )
    out = pd.DataFrame(rows, columns=list(PAIRED_COLUMNS))
    out["effect_size_type"] = out["effect_size_type"].astype("string")
    out.attrs["level"] = level
    return out


def _mcnemar(x, y) -> dict:
    """McNemar's test (continuity corrected) via pingouin; pingouin needs both values
    present in each wave, so a one-sided table is tested on its discordant counts."""
    import pingouin as pg

    tab = pd.DataFrame({"x": x.astype(int), "y": y.astype(int)})
    try:
        _, st = pg.chi2_mcnemar(tab, "x", "y")
        return {
            "statistic": float(st["chi2"].iloc[0]),
            "df": float(st["dof"].iloc[0]),
            "p_value": float(st["p_approx"].iloc[0]),
        }
    except ValueError:
        b = float(((x == 0) & (y == 1)).sum())
        c = float(((x == 1) & (y == 0)).sum())
        chi2 = (abs(b - c) - 1) ** 2 / (b + c)
        return {"statistic": chi2, "df": 1.0, "p_value": float(stats.chi2.sf(chi2, 1))}
