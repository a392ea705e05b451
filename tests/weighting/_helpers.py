"""Test-only helpers: golden data and a dense reference of R's calibrated Taylor variance.

The reference applies the CalibrationSteps to a row-level influence matrix exactly as R's
``svyrecvar`` does (``x - h * M coef(M' diag(g) x)``) and then R's one-stage stratified
with-replacement variance (``n_h/(n_h-1) * sum (z_hj - zbar_h)^2``). It validates the steps
independently of the engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.conftest import GOLDEN, load_golden

G = load_golden("weighting")
VARS = ["sex", "age_group", "region"]
CAL_NAMES = ["(Intercept)", "sexM", "age_group30-49", "age_group50+", "regionNorth", "regionSouth"]


def sample() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "weighting_sample.csv")


def brr_sample() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "weighting_brr.csv")


def repcols() -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "weighting_repcols.csv")


def design(data=None):
    from survey import Design

    return Design(
        sample() if data is None else data, weight="w", strata="stratum", psu="psu", nest=True
    )


def pop_sex_age() -> pd.DataFrame:
    return pd.DataFrame(G["population"]["sex_age"])


def margins() -> dict:
    return {k: pd.DataFrame(G["population"][k]) for k in VARS}


def cal_totals() -> dict:
    return dict(zip(CAL_NAMES, G["cal_totals"], strict=True))


def apply_steps(x: np.ndarray, steps) -> np.ndarray:
    for st in steps:
        M = st.model_matrix()
        C = st.coef(M.T @ (st.g[:, None] * x))
        x = x - st.h[:, None] * (M @ C)
    return x


def strat_var(x: np.ndarray, strata: np.ndarray, psu: np.ndarray) -> np.ndarray:
    z = pd.DataFrame(x).groupby(psu).sum()
    st = pd.Series(strata).groupby(psu).first().loc[z.index].to_numpy()
    zz = z.to_numpy()
    v = np.zeros((x.shape[1], x.shape[1]))
    for h in np.unique(st):
        zh = zz[st == h]
        c = zh - zh.mean(axis=0)
        v += zh.shape[0] / (zh.shape[0] - 1) * c.T @ c
    return v


def reference_mean_se(weights, y, strata, psu, steps=()):
    """Weighted means of the columns of ``y`` and their calibrated Taylor SEs (dense)."""
    mu = (weights[:, None] * y).sum(axis=0) / weights.sum()
    x = weights[:, None] * (y - mu) / weights.sum()
    x = apply_steps(x, steps)
    return mu, np.sqrt(np.diag(strat_var(x, strata, psu)))


def reference_total_se(weights, y, strata, psu, steps=()):
    x = apply_steps(weights[:, None] * y, steps)
    return (weights[:, None] * y).sum(axis=0), np.sqrt(np.diag(strat_var(x, strata, psu)))


def engine_values(des, by="region", variables=("y", "v"), total=True) -> np.ndarray:
    """Estimates and SEs from the package's verbs, in the order of the golden entries."""
    m = des.mean(list(variables))
    out = [m["estimate"], m["se"]]
    if total:
        t = des.total("y")
        out += [t["estimate"], t["se"]]
    b = des.mean("y", by=by)
    out += [b["estimate"], b["se"]]
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in out])


def golden_values(case: dict, total=True) -> np.ndarray:
    keys = ["mean", "mean_se"] + (["total", "total_se"] if total else []) + ["by_mean", "by_se"]
    return np.concatenate([np.ravel(np.asarray(case[k], dtype=float)) for k in keys])
