"""A synthetic city with known neighbourhood victimisation rates (demo and simulation truth).

Population: ``n_areas`` neighbourhoods, each with blocks of households. Census covariates
per neighbourhood: ``poverty`` (share of poor households), ``density`` and ``lighting``
(street lighting score). The true rate of neighbourhood ``d`` is
``theta_d = 0.05 + 0.30 poverty_d + 0.02 density_d - 0.03 lighting_d + u_d``,
``u_d ~ N(0, 0.025^2)``, clipped to [0.02, 0.6]; each block gets its own rate
``theta_d + N(0, 0.04^2)`` (clustering), and households are victims with that probability.
The *true* rate reported is the finite-population share of victim households.

Sample: a stratified cluster design, strata = neighbourhoods, PSUs = blocks drawn by simple
random sampling (between 1 and 12 blocks, so some neighbourhoods are tiny or have a single
PSU), every household of a sampled block interviewed; weight = blocks / sampled blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class City:
    """Population ``households`` (area, block, victim), ``census`` (one row per area with
    covariates, ``households`` and ``true_rate``) and the sample allocation ``blocks``."""

    households: pd.DataFrame
    census: pd.DataFrame
    blocks_sampled: dict


def make_city(n_areas: int = 40, *, seed: int = 2026, households_per_block: int = 12) -> City:
    """Build the synthetic city (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    areas = [f"N{d + 1:02d}" for d in range(n_areas)]
    poverty = np.round(rng.uniform(0.05, 0.6, n_areas), 3)
    density = np.round(rng.uniform(0.0, 3.0, n_areas), 3)
    lighting = np.round(rng.uniform(0.0, 2.0, n_areas), 3)
    u = rng.normal(0.0, 0.025, n_areas)
    theta = np.clip(0.05 + 0.30 * poverty + 0.02 * density - 0.03 * lighting + u, 0.02, 0.6)
    n_blocks = rng.integers(15, 60, n_areas)
    rows = []
    for d in range(n_areas):
        pb = np.clip(theta[d] + rng.normal(0, 0.04, n_blocks[d]), 0.0, 1.0)
        for b in range(n_blocks[d]):
            victim = (rng.random(households_per_block) < pb[b]).astype(int)
            rows.append(
                pd.DataFrame(
                    {"area": areas[d], "block": f"{areas[d]}-B{b + 1:03d}", "victim": victim}
                )
            )
    hh = pd.concat(rows, ignore_index=True)
    truth = hh.groupby("area")["victim"].mean()
    census = pd.DataFrame(
        {
            "area": areas,
            "poverty": poverty,
            "density": density,
            "lighting": lighting,
            "households": hh.groupby("area").size().reindex(areas).to_numpy(),
            "blocks": n_blocks,
            "true_rate": truth.reindex(areas).to_numpy(),
        }
    )
    # sample allocation: a few tiny neighbourhoods, most small
    alloc = rng.choice([1, 2, 3, 3, 4, 4, 5, 6, 8, 12], n_areas)
    blocks_sampled = {a: int(min(k, nb)) for a, k, nb in zip(areas, alloc, n_blocks, strict=True)}
    return City(hh, census, blocks_sampled)


def draw_sample(city: City, seed: int) -> pd.DataFrame:
    """One stratified cluster sample of the city (see the module docstring)."""
    rng = np.random.default_rng(seed)
    parts = []
    blocks = city.households.groupby("area")["block"].unique()
    for area, k in city.blocks_sampled.items():
        all_b = blocks[area]
        chosen = rng.choice(all_b, size=k, replace=False)
        sub = city.households[city.households["block"].isin(chosen)].copy()
        sub["weight"] = len(all_b) / k
        parts.append(sub)
    return pd.concat(parts, ignore_index=True)
