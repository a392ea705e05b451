"""The README's recipe block runs on the bundled demo and gives the package's numbers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_recipes_run(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    recipes = text[text.index("## Recipes") :]
    code = re.search(r"```python\n(.*?)```", recipes, re.S).group(1)
    monkeypatch.chdir(tmp_path)  # as a user would: outside the repository
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


def test_readme_labels_recipe_runs(tmp_path, monkeypatch):
    """The 'Labels' block: the labels mapping replaces the .sav's label of region 1 and the
    label columns sit beside the codes; apply_labels gives label categoricals."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Labels") :]
    blocks = re.findall(r"```(\w+)\n(.*?)```", section, re.S)
    code = next(body for kind, body in blocks if kind == "python")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    des = namespace["des"]
    r = des.prop("robbery", by="region")
    north = r[(r["region"] == 1) & (r["category"] == 1)].iloc[0]
    assert (north["domain_label"], north["category_label"]) == ("Región Norte", "Yes")
    assert set(r["domain_label"]) == {"Región Norte", "Centro", "Sur", "Costa"}
    # the YAML and CSV examples are valid labels files
    from survey.io import read_labels

    yml = tmp_path / "labels.yaml"
    yml.write_text(next(b for k, b in blocks if k == "yaml"), encoding="utf-8")
    csv = tmp_path / "labels.csv"
    body = next(b for k, b in blocks if k == "text")
    csv.write_text("\n".join(line.split("#")[0].rstrip() for line in body.splitlines()) + "\n")
    ly, lc = read_labels(yml), read_labels(csv)
    assert ly.value_labels["enc_region"]["2"] == "Región de Antofagasta"
    assert ly.variable_labels["enc_region"] == lc.variable_labels["enc_region"] == "Región"
    assert lc.value_labels["enc_region"]["1"] == "Región de Tarapacá"
    labelled = namespace["survey"].apply_labels(namespace["ds"].data, namespace["ds"].meta)
    assert "Región Norte" in set(labelled["region"].astype(str))


def test_readme_five_minutes_block_runs_outside_the_repository(tmp_path, monkeypatch):
    """The first block after install: bundled-file paths must not depend on the folder."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text[text.index("## Five minutes") :]
    code = re.search(r"```python\n(.*?)```", block, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    got = namespace["des"].mean(["hh_size"])["estimate"].iloc[0]
    data = namespace["ds"].data
    assert got == pytest.approx(np.average(data["hh_size"], weights=data["weight"]), rel=1e-12)


def test_a_missing_crosswalk_file_is_named_as_a_file(tmp_path):
    from survey.instruments import harmonize

    with pytest.raises(FileNotFoundError, match="crosswalk file no/such.yaml not found"):
        harmonize(__import__("pandas").DataFrame({"a": [1]}), "no/such.yaml")
