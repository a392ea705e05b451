"""The synthetic sample that the bundled weighting specs (``weights/example.yaml``,
``weights/calibration_example.yaml``) are written for: ``weights/example_sample.csv``.

It is a stratified two-stage sample of persons aged 15+: 4 strata, 6 PSUs per stratum drawn
with equal probability, 8 to 12 persons per PSU, so that the design weights ``w`` (about 55,
90, 135 and 190 by stratum, with some noise) add up to roughly the 30,601 persons of
``weights/example_population.csv``. Sex, age group and region are drawn with shares that
differ from the population's (so the weighting has something to correct), ``y`` is a
numeric outcome depending on sex, age and stratum, ``v`` a 0/1 outcome and ``resp`` a
response indicator (about 80 % respond; response is lower in the South, so a nonresponse
adjustment by region matters). Nothing in it is real.

Regenerate the committed file (deterministic: fixed seed) from the repository root with::

    python -m survey.weighting.example_data weights/example_sample.csv

A test checks that the committed file equals :func:`make_example_sample` ``()``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

#: File name of the sample in the bundled ``weights/`` folder.
EXAMPLE_SAMPLE = "example_sample.csv"
SEED = 20240503


def make_example_sample(seed: int = SEED) -> pd.DataFrame:
    """Build the synthetic example sample (one row per person; see the module docstring).

    Columns: ``stratum``, ``psu`` (ids reused across strata: 1..6, so designs need
    ``nest=True``), ``w`` (design weight), ``sex`` (F/M), ``age_group`` (15-29/30-49/50+),
    ``region`` (Centre/North/South), ``y`` (numeric), ``v`` (0/1), ``resp`` (1 respondent,
    0 nonrespondent).
    """
    rng = np.random.default_rng(seed)
    n_strata, n_psu = 4, 6
    stratum = np.repeat(np.arange(1, n_strata + 1), n_psu)
    psu = np.tile(np.arange(1, n_psu + 1), n_strata)
    base = np.array([55.0, 90.0, 135.0, 190.0])[stratum - 1] * rng.uniform(0.8, 1.2, stratum.size)
    size = rng.integers(8, 13, stratum.size)  # persons per PSU, 8..12
    row_psu = np.repeat(np.arange(stratum.size), size)
    n = row_psu.size
    sex = rng.choice(np.array(["F", "M"]), n, p=[0.53, 0.47])
    age = rng.choice(np.array(["15-29", "30-49", "50+"]), n, p=[0.28, 0.40, 0.32])
    region = rng.choice(np.array(["Centre", "North", "South"]), n, p=[0.34, 0.33, 0.33])
    st = stratum[row_psu]
    y = 10 + 2 * (sex == "M") + 1.5 * (age == "50+") + st + rng.normal(0, 3, n)
    v = rng.binomial(1, 1 / (1 + np.exp(-(-0.5 + 0.4 * (region == "South") + 0.3 * (sex == "F")))))
    resp = rng.binomial(1, np.where(region == "South", 0.75, 0.85))
    return pd.DataFrame(
        {
            "stratum": st,
            "psu": psu[row_psu],
            "w": np.round(base[row_psu] * rng.uniform(0.9, 1.1, n), 3),
            "sex": sex,
            "age_group": age,
            "region": region,
            "y": np.round(y, 4),
            "v": v,
            "resp": resp,
        }
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m survey.weighting.example_data OUT.csv``: write the sample to OUT.csv."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m survey.weighting.example_data OUT.csv")
    make_example_sample().to_csv(Path(args[0]), index=False)


if __name__ == "__main__":  # pragma: no cover
    main()
