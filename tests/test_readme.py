"""The README's recipe block runs on the bundled demo and gives the package's numbers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_recipes_run(monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    recipes = text[text.index("## Recipes") :]
    code = re.search(r"```python\n(.*?)```", recipes, re.S).group(1)
    monkeypatch.chdir(ROOT)  # the recipe names reports/demo_crosswalk.yaml relative to the repo
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    des, std = namespace["des"], namespace["std"]
    # the prevalence call equals a direct weighted share of the standard item
    prev = namespace["indicators"].prevalence(
        des, crimes=["vic_hh_burglary_12m"], unit="household", weight="weight_household"
    )
    ok = std["vic_hh_burglary_12m"].notna()
    expected = np.average(
        std.loc[ok, "vic_hh_burglary_12m"] == 1, weights=std.loc[ok, "weight_household"]
    )
    assert prev["estimate"].iloc[0] == pytest.approx(100 * expected, rel=1e-12)
