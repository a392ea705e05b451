"""The README's recipe block runs on the bundled demo and gives the package's numbers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _share(data, item, weight, **where):
    """Weighted share of code 1 among the rows answering ``item`` (1 yes, 2 no in the demo
    file, 8/9 user-missing read as NaN), in the rows where each ``column == value``."""
    rows = data[item].isin([1, 2])
    for col, value in where.items():
        rows &= data[col] == value
    return np.average(data.loc[rows, item] == 1, weights=data.loc[rows, weight])


def test_readme_recipes_run(tmp_path, monkeypatch):
    """The 'Recipes' block as a user runs it: the labels they see (region names, the file's
    variable label, Yes, the crime's name) and values equal to weighted shares computed
    from the demo file's own columns, without harmonisation."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    recipes = text[text.index("## Recipes") :]
    code = re.search(r"```python\n(.*?)```", recipes, re.S).group(1)
    monkeypatch.chdir(tmp_path)  # as a user would: outside the repository
    namespace: dict = {}
    # the block's own calls, their results kept: the prevalence table and the DiD
    assert code.count("\nindicators.prevalence(") == 1
    code = code.replace("\nindicators.prevalence(", "\nprev = indicators.prevalence(")
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - our own documentation
    ds, prev = namespace["ds"], namespace["prev"]
    raw = ds.data
    assert list(prev["domain_label"]) == ["Norte", "Centro", "Sur", "Costa"]
    assert set(prev["category_label"]) == {"Burglary"}
    for region, row in zip([1, 2, 3, 4], prev.itertuples(), strict=True):
        expected = _share(raw, "burglary", "hh_weight", region=region)
        assert row.estimate == pytest.approx(100 * expected, rel=1e-12)
    assert "Norte 12.78%" in code and f"{prev['estimate'].iloc[0]:.2f}" == "12.78"
    # the replicate-design share: labelled as the file labels robbery, category "Yes"
    jk = namespace["jk"].prop("vic_person_robbery_12m", by="wave")
    assert list(jk["domain_label"]) == ["Baseline", "Follow-up"]
    assert set(jk["variable_label"]) == {ds.meta.variable_labels["robbery"]}
    assert list(jk["category_label"]) == ["Yes", "Yes"]
    for wave, est in zip([1, 2], jk["estimate"], strict=True):
        assert est == pytest.approx(_share(raw, "robbery", "weight", wave=wave), rel=1e-12)
    # the wave designs keep the labels
    north = namespace["base"].prop("vic_person_robbery_12m", by="territory").iloc[0]
    assert (north["domain_label"], north["category_label"]) == ("Norte", "Yes")
    # DiD by the label "Treatment": (treated change) - (comparison change), area 1 treated
    change = [
        _share(raw, "robbery", "weight", area=a, wave=2)
        - _share(raw, "robbery", "weight", area=a, wave=1)
        for a in (1, 2)
    ]
    effect = namespace["effect"]["estimate"].iloc[0]
    assert effect == pytest.approx(change[0] - change[1], rel=1e-10)


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
