"""Data of the review-16 golden values (run from the repository root):

    PYTHONPATH=. python tests/golden/review16_data.py /tmp/review16
    Rscript tests/golden/review16.R /tmp/review16      # -> tests/golden/review16.json

The frames are made here from fixed seeds (tests/engine/test_review16.py makes the same
ones); the CSVs are written to the folder given, not kept in the repository (one has
~150,000 rows).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd


def dominant_category_frame():
    """One row per PSU in one of 40 rare categories, every other row in category 0; PSU
    sizes from 5 to 3000: the share of category 0 is ~0.9993 in every PSU."""
    rng = np.random.default_rng(0)
    sizes = rng.integers(5, 3000, 100)
    psu = np.repeat(np.arange(100), sizes)
    n = psu.size
    df = pd.DataFrame({"st": psu // 10, "psu": psu, "w": rng.uniform(1, 3, n)})
    k = np.zeros(n, dtype=int)
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    k[first] = rng.integers(1, 41, 100)
    df["k"] = k
    return df


def lonely_heavy_frame():
    """A single-PSU stratum whose weights are 1e5 times the others'."""
    rng = np.random.default_rng(5)
    n = 4000
    psu = rng.integers(0, 60, n)
    df = pd.DataFrame({"st": psu // 6, "psu": psu, "w": rng.uniform(1, 2, n)})
    df.loc[df.st == 0, "psu"] = 0
    df.loc[df.st == 0, "w"] *= 1e5
    df["k"] = rng.integers(0, 40, n)
    df["dom"] = rng.integers(0, 3, n)
    return df


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/review16")
    out.mkdir(parents=True, exist_ok=True)
    dominant_category_frame().to_csv(out / "dominant.csv", index=False)
    lonely_heavy_frame().to_csv(out / "lonely.csv", index=False)
    print(f"written {out}/dominant.csv, {out}/lonely.csv")
