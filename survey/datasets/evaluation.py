"""Known-truth test bed for programme evaluations (difference-in-differences, pre/post,
event studies).

A finite population of households in strata of clusters (PSUs), observed at ``n_pre``
baseline waves and ``n_post`` follow-up waves; a programme runs in the treated PSUs from the
first follow-up wave. The victimisation outcome is binary; its probability has a stratum
level, a cluster effect, optionally a household effect (persistence between waves), a common
time trend and the programme effect in treated PSUs after the start. Because the population
is finite and fully generated, the true DiD, the true changes, the event-study coefficients
and the true cell prevalences (also by the household domain ``tenure``) are known exactly
(:func:`population_truth`). Samples drawn from it let tests check estimates, intervals and
their coverage against that truth:

- :func:`draw_sample`: stratified two-stage SRS without replacement, independently in each
  wave (repeated cross-sections);
- :func:`draw_panel`: one stratified two-stage sample followed over the waves (a panel), with
  attrition at random or depending on the previous wave's outcome and the area, and
  weights adjusted for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "EvaluationPopulation",
    "draw_panel",
    "draw_sample",
    "make_population",
    "population_truth",
]

#: Attrition mechanisms of :func:`draw_panel`.
ATTRITION = ("random", "informative")


@dataclass(frozen=True)
class EvaluationPopulation:
    """All waves of the finite population (``frame``: one row per household and wave,
    sorted by wave, PSU and household)."""

    frame: pd.DataFrame
    n_strata: int
    psus_per_stratum: int
    households_per_psu: int
    n_pre: int = 1
    n_post: int = 1

    @property
    def waves(self) -> list[int]:
        return list(range(1, self.n_pre + self.n_post + 1))


def make_population(
    *,
    n_strata: int = 8,
    psus_per_stratum: int = 40,
    households_per_psu: int = 60,
    effect=-0.06,
    trend: float = 0.02,
    base: float = 0.15,
    cluster_sd: float = 0.04,
    household_sd: float = 0.0,
    n_pre: int = 1,
    n_post: int = 1,
    pre_trend: float = 0.0,
    domain_effect: float = 0.0,
    seed: int = 20261202,
) -> EvaluationPopulation:
    """A population with a programme ``effect`` on victimisation (probability scale).

    Half of the PSUs of each stratum are treated (``area`` 1 = treatment, 2 = comparison).
    Waves are numbered ``1 .. n_pre + n_post``; waves after ``n_pre`` are follow-ups.
    Household ``i`` of PSU ``c`` in wave ``t`` is a victim with probability
    ``base + stratum_h + u_c + v_i + trend * (t - n_pre) + effect_t * treated * post_t``
    ``+ pre_trend * treated * (t - n_pre) * (1 - post_t)`` (clipped to [0.01, 0.99]), where
    ``effect_t`` is ``effect`` (a number, or one value per follow-up wave) plus
    ``domain_effect`` for renters (``tenure`` 2: every third household), ``v_i`` a household
    effect with SD ``household_sd`` (0: waves independent within a household given the
    cluster) and ``pre_trend`` a differential trend of the treated areas before the programme
    (0: parallel trends hold). The realised 0/1 outcomes define the finite-population truth.
    """
    rng = np.random.default_rng(seed)
    H, M, K = n_strata, psus_per_stratum, households_per_psu
    effects = np.broadcast_to(np.asarray(effect, dtype=float), (n_post,))
    stratum = np.repeat(np.arange(1, H + 1), M)
    psu = np.arange(1, H * M + 1)
    treated = np.concatenate(
        [rng.permutation(np.r_[np.ones(M // 2), np.zeros(M - M // 2)]) for _ in range(H)]
    )
    level = rng.normal(0, 0.03, H)[stratum - 1]
    u = rng.normal(0, cluster_sd, H * M)
    hh = np.tile(np.arange(1, K + 1), H * M)
    tenure = np.where(hh % 3 == 0, 2, 1)
    v = rng.normal(0, household_sd, H * M * K) if household_sd > 0 else 0.0
    tr = np.repeat(treated, K)
    rows = []
    for wave in range(1, n_pre + n_post + 1):
        post = wave > n_pre
        p = np.repeat(base + level + u + trend * (wave - n_pre), K) + v
        if post:
            p = p + tr * (effects[wave - n_pre - 1] + domain_effect * (tenure == 2))
        elif pre_trend:
            p = p + tr * pre_trend * (wave - n_pre)
        p = np.clip(p, 0.01, 0.99)
        rows.append(
            pd.DataFrame(
                {
                    "wave": wave,
                    "stratum": np.repeat(stratum, K),
                    "psu": np.repeat(psu, K),
                    "hh": hh,
                    "area": np.where(tr == 1, 1, 2),
                    "tenure": tenure,
                    "victim": (rng.random(H * M * K) < p).astype(float),
                }
            )
        )
    return EvaluationPopulation(pd.concat(rows, ignore_index=True), H, M, K, n_pre, n_post)


def _changes(cell: pd.Series, pre, post) -> dict:
    change = {a: cell[(a, post)] - cell[(a, pre)] for a in (1, 2)}
    return {
        "change_treated": float(change[1]),
        "change_comparison": float(change[2]),
        "did": float(change[1] - change[2]),
    }


def population_truth(pop: EvaluationPopulation, pre=None, post=None) -> dict:
    """The finite-population values.

    ``cells`` (prevalence by area and wave, ``area{a}_wave{t}``), the changes of each area
    and the DiD between waves ``pre`` and ``post`` (default: the last baseline and the first
    follow-up), the same by ``tenure`` (``by_tenure``), and ``event_study``: for every wave
    other than the last baseline, ``(T_t - T_ref) - (C_t - C_ref)`` with ref the last
    baseline wave (the event-study coefficients).
    """
    pre = pop.n_pre if pre is None else pre
    post = pop.n_pre + 1 if post is None else post
    f = pop.frame
    cell = f.groupby(["area", "wave"])["victim"].mean()
    out = {
        "cells": {f"area{a}_wave{w}": float(v) for (a, w), v in cell.items()},
        **_changes(cell, pre, post),
    }
    out["by_tenure"] = {
        int(t): _changes(g.groupby(["area", "wave"])["victim"].mean(), pre, post)
        for t, g in f.groupby("tenure")
    }
    ref = pop.n_pre
    out["event_study"] = {
        int(w): float((cell[(1, w)] - cell[(1, ref)]) - (cell[(2, w)] - cell[(2, ref)]))
        for w in pop.waves
        if w != ref
    }
    return out


def _choose(pop: EvaluationPopulation, psus: int, households: int, rng):
    """Row positions (within one wave) of a stratified two-stage SRS, sorted."""
    M, K = pop.psus_per_stratum, pop.households_per_psu
    chosen = np.concatenate(
        [rng.choice(np.arange((h - 1) * M + 1, h * M + 1), psus, replace=False)
         for h in range(1, pop.n_strata + 1)]
    )  # fmt: skip
    hh = np.concatenate(
        [rng.choice(np.arange(1, K + 1), households, replace=False) for _ in chosen]
    )
    return np.sort((np.repeat(chosen, households) - 1) * K + (hh - 1))


def _wave_rows(pop: EvaluationPopulation, wave: int, pos: np.ndarray) -> pd.DataFrame:
    per_wave = pop.n_strata * pop.psus_per_stratum * pop.households_per_psu
    return pop.frame.iloc[(wave - 1) * per_wave + pos]


def draw_sample(pop: EvaluationPopulation, psus: int, households: int, rng) -> pd.DataFrame:
    """Independent stratified two-stage samples of every wave.

    In each wave and stratum ``psus`` PSUs are drawn by SRS without replacement, then
    ``households`` households in each by SRS without replacement; ``weight`` is the inverse
    inclusion probability and ``fpc_psu`` / ``fpc_hh`` the population counts at each stage
    (``Design(psu=["psu_w", "hh_id"], strata="stratum_w", fpc=["fpc_psu", "fpc_hh"])`` is the
    exact design; ``stratum_w`` / ``psu_w`` make each wave's strata and PSUs its own).
    """
    M, K = pop.psus_per_stratum, pop.households_per_psu
    parts = [_wave_rows(pop, w, _choose(pop, psus, households, rng)) for w in pop.waves]
    out = pd.concat(parts, ignore_index=True)
    out["weight"] = (M / psus) * (K / households)
    out["fpc_psu"] = float(M)
    out["fpc_hh"] = float(K)
    # waves are independent samples: their own strata and PSU ids
    out["stratum_w"] = out["wave"] * 1000 + out["stratum"]
    out["psu_w"] = out["wave"] * 100000 + out["psu"]
    out["hh_id"] = out["psu_w"] * 1000 + out["hh"]
    return out


def draw_panel(
    pop: EvaluationPopulation,
    psus: int,
    households: int,
    rng,
    *,
    attrition: float = 0.0,
    mechanism: str = "random",
) -> pd.DataFrame:
    """A panel: one stratified two-stage sample followed over all waves, with attrition.

    The first wave's sample is drawn as in :func:`draw_sample`; the same households are
    re-interviewed in every later wave, except those lost: between consecutive waves a
    household still in the panel drops out (for good) with probability

    - ``mechanism="random"``: ``attrition`` (missing completely at random);
    - ``mechanism="informative"``: ``attrition * (1 + 2 * y_prev)`` in treated areas and
      ``attrition`` in comparison areas, ``y_prev`` the household's outcome at the previous
      wave (victims in treated areas move away more often: the retained sample is selective,
      but missing at random given area and the previous outcome).

    Columns: the population's, plus ``weight_design`` (the first wave's inverse inclusion
    probability ``(M / m) (K / k)``), ``weight`` (adjusted for attrition: at each wave the
    previous wave's weight divided by the weighted retention rate in the adjustment class:
    the PSU for ``"random"``, which keeps each wave an exact two-stage SRS, and
    area x previous outcome for ``"informative"``), ``fpc_psu``, ``fpc_hh`` and ``hh_id``.
    ``Design(strata="stratum", psu=["psu", "hh_id"], fpc=["fpc_psu", "fpc_hh"])`` is the
    design: strata, PSUs and households are shared by the waves, so contrasts between waves
    count their covariance.
    """
    if mechanism not in ATTRITION:
        raise ValueError(f"mechanism={mechanism!r}: use one of {', '.join(ATTRITION)}")
    if not 0 <= attrition < 1:
        raise ValueError(f"attrition={attrition}: must lie in [0, 1)")
    M, K = pop.psus_per_stratum, pop.households_per_psu
    pos = _choose(pop, psus, households, rng)
    w = np.full(pos.size, (M / psus) * (K / households))
    parts: list[pd.DataFrame] = []
    for t, wave in enumerate(pop.waves):
        rows = _wave_rows(pop, wave, pos).assign(weight_design=(M / psus) * (K / households))
        if t:
            prev = parts[-1]
            y_prev = prev["victim"].to_numpy()
            area = prev["area"].to_numpy()
            p_loss = np.full(pos.size, attrition)
            if mechanism == "informative":
                p_loss = np.where(area == 1, attrition * (1 + 2 * y_prev), attrition)
            keep = rng.random(pos.size) >= np.clip(p_loss, 0, 1)
            cls = prev["psu"].to_numpy() if mechanism == "random" else area * 2 + y_prev
            codes, inv = np.unique(cls, return_inverse=True)
            tot = np.bincount(inv, weights=w, minlength=codes.size)
            kept = np.bincount(inv, weights=w * keep, minlength=codes.size)
            empty = np.flatnonzero(kept == 0)
            if empty.size:
                c = int(codes[empty[0]])
                what = (
                    f"PSU {c}"
                    if mechanism == "random"
                    else f"area {c // 2}, previous outcome {c % 2}"
                )  # noqa: E501
                raise ValueError(
                    f"wave {wave}: attrition lost every household of the adjustment class "
                    f"({what}): no weight can be moved to it (use a larger sample or a lower "
                    "attrition)"
                )
            w = (w * tot[inv] / kept[inv])[keep]
            pos = pos[keep]
            rows = rows[keep]
        rows = rows.assign(weight=w)
        parts.append(rows)
    out = pd.concat(parts, ignore_index=True)
    out["fpc_psu"] = float(M)
    out["fpc_hh"] = float(K)
    out["hh_id"] = out["psu"] * 1000 + out["hh"]
    return out
