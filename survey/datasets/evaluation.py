"""Known-truth test bed for programme evaluations (difference-in-differences, pre/post).

A finite population of households in strata of clusters (PSUs), observed at a baseline and
a follow-up; a programme runs in the treated PSUs between the two. The victimisation
outcome is binary; its probability has a stratum level, a cluster effect, a common time
trend and the programme effect in treated PSUs at follow-up. Because the population is
finite and fully generated, the true DiD, the true changes and the true cell prevalences
are known exactly (:func:`population_truth`), and samples drawn from it
(:func:`draw_sample`: stratified two-stage SRS without replacement, independently in each
wave) let tests check estimates, intervals and their coverage against that truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["EvaluationPopulation", "draw_sample", "make_population", "population_truth"]


@dataclass(frozen=True)
class EvaluationPopulation:
    """Both waves of the finite population (``frame``: one row per household and wave)."""

    frame: pd.DataFrame
    n_strata: int
    psus_per_stratum: int
    households_per_psu: int


def make_population(
    *,
    n_strata: int = 8,
    psus_per_stratum: int = 40,
    households_per_psu: int = 60,
    effect: float = -0.06,
    trend: float = 0.02,
    base: float = 0.15,
    cluster_sd: float = 0.04,
    seed: int = 20261202,
) -> EvaluationPopulation:
    """A population with a programme ``effect`` on victimisation (probability scale).

    Half of the PSUs of each stratum are treated (``area`` 1 = treatment, 2 = comparison).
    Household ``i`` of PSU ``c`` in wave ``t`` is a victim with probability
    ``base + stratum_h + u_c + trend * post + effect * treated * post`` (clipped to
    [0.01, 0.99]); the realised 0/1 outcomes define the finite-population truth.
    """
    rng = np.random.default_rng(seed)
    H, M, K = n_strata, psus_per_stratum, households_per_psu
    stratum = np.repeat(np.arange(1, H + 1), M)
    psu = np.arange(1, H * M + 1)
    treated = np.concatenate(
        [rng.permutation(np.r_[np.ones(M // 2), np.zeros(M - M // 2)]) for _ in range(H)]
    )
    level = rng.normal(0, 0.03, H)[stratum - 1]
    u = rng.normal(0, cluster_sd, H * M)
    rows = []
    for wave, post in ((1, 0), (2, 1)):
        p = base + level + u + trend * post + effect * treated * post
        p = np.clip(np.repeat(p, K), 0.01, 0.99)
        rows.append(
            pd.DataFrame(
                {
                    "wave": wave,
                    "stratum": np.repeat(stratum, K),
                    "psu": np.repeat(psu, K),
                    "hh": np.tile(np.arange(1, K + 1), H * M),
                    "area": np.where(np.repeat(treated, K) == 1, 1, 2),
                    "victim": (rng.random(H * M * K) < p).astype(float),
                }
            )
        )
    return EvaluationPopulation(pd.concat(rows, ignore_index=True), H, M, K)


def population_truth(pop: EvaluationPopulation) -> dict:
    """The finite-population values: cell prevalences, changes and the DiD."""
    cell = pop.frame.groupby(["area", "wave"])["victim"].mean()
    change = {a: cell[(a, 2)] - cell[(a, 1)] for a in (1, 2)}
    return {
        "cells": {f"area{a}_wave{w}": float(v) for (a, w), v in cell.items()},
        "change_treated": float(change[1]),
        "change_comparison": float(change[2]),
        "did": float(change[1] - change[2]),
    }


def draw_sample(pop: EvaluationPopulation, psus: int, households: int, rng) -> pd.DataFrame:
    """Independent stratified two-stage samples of both waves.

    In each wave and stratum ``psus`` PSUs are drawn by SRS without replacement, then
    ``households`` households in each by SRS without replacement; ``weight`` is the inverse
    inclusion probability and ``fpc_psu`` / ``fpc_hh`` the population counts at each stage
    (``Design(psu=["psu", "hh_id"], fpc=["fpc_psu", "fpc_hh"])`` is the exact design).
    """
    M, K = pop.psus_per_stratum, pop.households_per_psu
    f = pop.frame
    parts = []
    for wave in (1, 2):
        fw = f[f["wave"] == wave]
        chosen = []
        for h in range(1, pop.n_strata + 1):
            ids = np.arange((h - 1) * M + 1, h * M + 1)
            chosen.append(rng.choice(ids, psus, replace=False))
        chosen = np.concatenate(chosen)
        hh = np.concatenate(
            [rng.choice(np.arange(1, K + 1), households, replace=False) for _ in chosen]
        )
        key = pd.DataFrame({"psu": np.repeat(chosen, households), "hh": hh})
        part = fw.merge(key, on=["psu", "hh"], how="inner")
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["weight"] = (M / psus) * (K / households)
    out["fpc_psu"] = float(M)
    out["fpc_hh"] = float(K)
    # waves are independent samples: their own strata and PSU ids
    out["stratum_w"] = out["wave"] * 1000 + out["stratum"]
    out["psu_w"] = out["wave"] * 100000 + out["psu"]
    out["hh_id"] = out["psu_w"] * 1000 + out["hh"]
    return out
