"""Write the event-study and predictive-margin golden data (run from the repository root).

    PYTHONPATH=. python tests/golden/eventstudy_data.py && Rscript tests/golden/eventstudy.R

Both files are samples of the known-truth evaluation population
(:mod:`survey.datasets.evaluation`), 3 baseline and 2 follow-up waves, programme effects
-0.05 and -0.08, a differential pre-trend of 0.01 per wave, household persistence:

- ``eventstudy_panel.csv``: a panel (4 strata x 4 of 12 PSUs x 8 of 20 households) with
  informative attrition (15%), weights adjusted for it; strata, PSUs and households shared
  by the waves (design ``ids = ~psu + hh_id, strata = ~stratum, fpc = ~fpc_psu + fpc_hh``);
- ``eventstudy_cross.csv``: independent cross-sections of each wave (wave-specific strata
  ``stratum_w`` and PSUs ``psu_w``).

Both carry ``age`` (a household covariate, constant over the waves, made here from a fixed
seed) for the covariate-adjusted DiD and its predictive margins.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from survey.datasets.evaluation import draw_panel, draw_sample, make_population

HERE = Path(__file__).parent
COLUMNS = ["wave", "stratum", "psu", "hh", "hh_id", "area", "tenure", "age", "victim",
           "weight", "fpc_psu", "fpc_hh"]  # fmt: skip


def _age(frame):
    rng = np.random.default_rng(99)
    ages = rng.integers(18, 80, 10_000)
    return ages[(frame["psu"] * 20 + frame["hh"]) % ages.size]


def main() -> None:
    pop = make_population(
        n_strata=4, psus_per_stratum=12, households_per_psu=20, n_pre=3, n_post=2,
        effect=[-0.05, -0.08], pre_trend=0.01, household_sd=0.1, seed=7,
    )  # fmt: skip
    panel = draw_panel(
        pop, psus=4, households=8, rng=np.random.default_rng(13), attrition=0.15,
        mechanism="informative",
    )  # fmt: skip
    panel["age"] = _age(panel)
    panel[COLUMNS].to_csv(HERE / "eventstudy_panel.csv", index=False, float_format="%.17g")
    cross = draw_sample(pop, psus=4, households=8, rng=np.random.default_rng(12))
    cross["age"] = _age(cross)
    cols = [*COLUMNS, "stratum_w", "psu_w"]
    cross["hh_id"] = cross["hh_id"].astype(np.int64)
    cross[cols].to_csv(HERE / "eventstudy_cross.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
