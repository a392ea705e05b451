"""A synthetic city with known neighbourhood victimisation rates (small-area demo and truth).

Population: ``n_areas`` neighbourhoods (``N01``..``N40``), each with 15-59 blocks of
``households_per_block`` households. Census covariates per neighbourhood: ``poverty`` (share
of poor households), ``density`` and ``lighting`` (street lighting score). The model rate of
neighbourhood ``d`` is
``theta_d = 0.05 + 0.30 poverty_d + 0.02 density_d - 0.03 lighting_d + u_d``,
``u_d ~ N(0, 0.025^2)``, clipped to [0.02, 0.6]; each block gets its own rate
``theta_d + N(0, 0.04^2)`` (clustering), and households are victims with that probability.
The *true* rate (``census.true_rate``) is the finite-population share of victim households:
the quantity a survey estimates.

Sample (:func:`draw_sample`): a stratified cluster design, strata = neighbourhoods, PSUs =
blocks drawn by simple random sampling without replacement (between 1 and 12 blocks per
neighbourhood: 190 blocks in all, seven neighbourhoods with a single block), every household
of a sampled block interviewed; ``weight`` = blocks / sampled blocks.

Bundled files (:func:`write_city_files`, committed; ``survey demo`` reads them through the
report spec's ``sae`` section): ``city_sample.csv`` (the sample of seed
:data:`DEMO_SEED`: ``area, block, victim, weight``), ``city_census.csv`` (one row per
neighbourhood: covariates, ``households``, ``blocks``, ``true_rate``) and
``city_areas.geojson`` (a made-up grid of squares, six per row, ``area`` code and
``name``).

Regenerate with ``python -m survey.datasets.city``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "City",
    "DEMO_SEED",
    "draw_sample",
    "make_city",
    "city_census",
    "city_sample",
    "write_city_files",
]

#: Seed of the bundled sample (``city_sample.csv``).
DEMO_SEED = 7


@dataclass
class City:
    """Population ``households`` (area, block, victim), ``census`` (one row per area with
    covariates, ``households``, ``blocks`` and ``true_rate``) and the sample allocation
    ``blocks_sampled`` (blocks drawn per area)."""

    households: pd.DataFrame
    census: pd.DataFrame
    blocks_sampled: dict


def make_city(n_areas: int = 40, *, seed: int = 2026, households_per_block: int = 12) -> City:
    """Build the synthetic city (deterministic for a seed; see the module docstring)."""
    rng = np.random.default_rng(seed)
    areas = [f"N{d + 1:02d}" for d in range(n_areas)]
    poverty = np.round(rng.uniform(0.05, 0.6, n_areas), 3)
    density = np.round(rng.uniform(0.0, 3.0, n_areas), 3)
    lighting = np.round(rng.uniform(0.0, 2.0, n_areas), 3)
    u = rng.normal(0.0, 0.025, n_areas)
    theta = np.clip(0.05 + 0.30 * poverty + 0.02 * density - 0.03 * lighting + u, 0.02, 0.6)
    n_blocks = rng.integers(15, 60, n_areas)
    area_col, block_col, victim_col = [], [], []
    for d in range(n_areas):
        pb = np.clip(theta[d] + rng.normal(0, 0.04, n_blocks[d]), 0.0, 1.0)
        # one draw per household, block after block (the order of the random stream)
        victim = rng.random((n_blocks[d], households_per_block)) < pb[:, None]
        area_col.append(np.repeat(areas[d], victim.size))
        block_col.append(
            np.repeat(
                [f"{areas[d]}-B{b + 1:03d}" for b in range(n_blocks[d])], households_per_block
            )
        )
        victim_col.append(victim.ravel().astype(int))
    hh = pd.DataFrame(
        {
            "area": np.concatenate(area_col),
            "block": np.concatenate(block_col),
            "victim": np.concatenate(victim_col),
        }
    )
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
    """One stratified cluster sample of the city (see the module docstring): columns
    ``area, block, victim, weight``."""
    rng = np.random.default_rng(seed)
    blocks = city.households.groupby("area", sort=False)["block"].unique()
    chosen = []
    weight = {}
    for area, k in city.blocks_sampled.items():
        all_b = blocks[area]
        chosen.extend(rng.choice(all_b, size=k, replace=False))
        weight[area] = len(all_b) / k
    hh = city.households
    sub = hh[hh["block"].isin(chosen)].copy()  # population order (area, block)
    sub["weight"] = sub["area"].map(weight).to_numpy(dtype=float)
    return sub.reset_index(drop=True)


def _grid_geojson(areas: list[str], ncol: int = 6) -> dict:
    """Squares of a made-up grid (no real place), ``ncol`` per row, north to south."""
    features = []
    for k, a in enumerate(areas):
        x0, y0 = (k % ncol) * 1.0, -(k // ncol) * 1.0
        ring = [[x0, y0], [x0 + 1, y0], [x0 + 1, y0 - 1], [x0, y0 - 1], [x0, y0]]
        features.append(
            {
                "type": "Feature",
                "properties": {"area": a, "name": a},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "city_areas",
        "description": "Synthetic geometry of the demo city's neighbourhoods (a made-up grid).",
        "features": features,
    }


def write_city_files(folder: str | Path | None = None) -> dict[str, Path]:
    """Write ``city_sample.csv``, ``city_census.csv`` and ``city_areas.geojson`` (the
    bundled files; default folder: this package's)."""
    folder = Path(folder) if folder is not None else Path(__file__).parent
    city = make_city()
    sample = draw_sample(city, DEMO_SEED)
    paths = {
        "sample": folder / "city_sample.csv",
        "census": folder / "city_census.csv",
        "areas": folder / "city_areas.geojson",
    }
    sample.to_csv(paths["sample"], index=False)
    city.census.to_csv(paths["census"], index=False)
    with open(paths["areas"], "w", encoding="utf-8") as fh:
        json.dump(_grid_geojson(city.census["area"].tolist()), fh, indent=1)
        fh.write("\n")
    return paths


def city_sample() -> pd.DataFrame:
    """The bundled sample of the synthetic city (``city_sample.csv``)."""
    from survey._paths import dataset_path

    return pd.read_csv(dataset_path("city_sample.csv"))


def city_census() -> pd.DataFrame:
    """The bundled census table of the synthetic city, with ``true_rate``."""
    from survey._paths import dataset_path

    return pd.read_csv(dataset_path("city_census.csv"))


if __name__ == "__main__":  # pragma: no cover
    for name, path in write_city_files().items():
        print(f"{name}: {path}")
