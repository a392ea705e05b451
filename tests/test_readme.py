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


def test_readme_map_recipe_runs(tmp_path, monkeypatch):
    """The 'Figures and maps' block draws the demo's four regions coloured by the design's
    robbery prevalence and writes the PNG and SVG it says."""
    pytest.importorskip("geopandas")
    import survey

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Figures and maps") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    ax = namespace["ax"]
    areas = [c for c in ax.collections if c.get_gid() == "area"]
    assert len(areas[0].get_facecolors()) == 4
    des = survey.Design(
        survey.read(survey.datasets.demo_path()), weight="weight", strata="stratum", psu="psu"
    )
    est = des.prop("robbery", by="region").query("category == 1")["estimate"]
    lo, hi = sorted(ax.figure.axes[-1].get_xlim())  # the colour bar spans the estimates in %
    assert (lo, hi) == (pytest.approx(100 * est.min()), pytest.approx(100 * est.max()))
    assert (tmp_path / "robbery_map.png").exists() and (tmp_path / "robbery_map.svg").exists()
