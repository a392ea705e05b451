"""The terminal table of ``survey compare`` is the publication table (labels, percent,
one interval column, flags), not the raw frame: the user reads "Norte", "Baseline" and
the change in percentage points, never ``estimate_1`` or ``p_value``."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import _common, app
from survey.datasets import demo_path

runner = CliRunner()


@pytest.mark.parametrize("width", [80, 130])
def test_compare_terminal_shows_labels_and_rounded_change(tmp_path, monkeypatch, width):
    monkeypatch.setattr(_common.console, "width", width)
    out = tmp_path / "cmp.csv"
    res = runner.invoke(app, [
        "compare", str(demo_path()), "--wave", "wave", "--indicators", "robbery=robbery:1",
        "--by", "region", "--weight", "weight", "--strata", "stratum", "--psu", "psu",
        "--out", str(out),
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    text = res.output
    for raw in ("estimate_1", "estimate_2", "p_value", "ci_low", "unreliable"):
        assert raw not in text
    assert "Baseline" in text and "95% CI" in text
    assert "Difference: percentage points" in " ".join(text.split())
    comp = pd.read_csv(out)  # the tidy csv: proportions, the region codes
    labels = {1: "Norte", 2: "Centro", 3: "Sur", 4: "Costa"}
    lines = text.splitlines()
    assert comp["suppressed_input"].any() and not comp["suppressed_input"].all()
    for _, r in comp.iterrows():
        row = next(line for line in lines if line.split() and line.split()[0] == labels[r.region])
        if r.suppressed_input:  # as `survey estimate` shows no number for that estimate
            assert "suppressed" in row and not re.findall(r"\d+\.\d+", row), row
            continue
        nums = re.findall(r"-?\d+\.\d+", row)
        want = [f"{100 * r[c]:.1f}" for c in ("estimate_1", "estimate_2", "estimate")]
        assert nums[:3] == want, row
        assert f"{100 * r.ci_low:.1f} \u2013 {100 * r.ci_high:.1f}" in row
        assert f"{r.p_value:.3f}" in row
        # the caution mark on the change of a flagged comparison
        assert ("\u2020" in row) == bool(r.unreliable)
        if width < 110:  # significance as a star on the p-value
            assert row.rstrip().endswith("*") == bool(r.significant)
        else:
            assert ("caution" in row) == bool(r.unreliable)


def test_compare_terminal_too_narrow_drops_the_interval_not_digits(tmp_path, monkeypatch):
    """A mean item's wider numbers do not fit 80 columns with the interval: the interval is
    left to the files (said under the table) and every p-value is printed whole."""
    monkeypatch.setattr(_common.console, "width", 80)
    out = tmp_path / "cmp.csv"
    res = runner.invoke(app, [
        "compare", str(demo_path()), "--wave", "wave", "--indicators", "fear_dark",
        "--by", "region", "--weight", "weight", "--strata", "stratum", "--psu", "psu",
        "--out", str(out),
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "95% CI: see --out" in res.output
    assert max(len(line) for line in res.output.splitlines()) <= 80
    for p in pd.read_csv(out)["p_value"]:
        assert f"{p:.3f}" in res.output


@pytest.mark.parametrize("rule", ["cepal2020", "nchs"])
def test_compare_quality_rule_is_the_estimates_rule(tmp_path, rule):
    """--quality judges the compared estimates as `survey estimate --quality` does: a change
    has a suppressed input exactly where one wave's estimate is suppressed by that rule."""
    import survey
    from survey import Design

    out = tmp_path / "cmp.csv"
    res = runner.invoke(app, [
        "compare", str(demo_path()), "--wave", "wave", "--indicators", "robbery=robbery:1",
        "--by", "region", "--weight", "weight", "--strata", "stratum", "--psu", "psu",
        "--quality", rule, "--out", str(out),
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    comp = pd.read_csv(out).set_index("region")
    data = survey.read(demo_path()).data
    data = data.assign(robbery=(data["robbery"] == 1).astype(float).where(data["robbery"].notna()))
    suppressed = None
    for w in sorted(data["wave"].dropna().unique()):
        des = Design(data[data["wave"] == w], weight="weight", strata="stratum", psu="psu")
        f = des.mean("robbery", by="region", df="domain", quality=rule).set_index("region")
        s = f["reliability"] == "suppress"
        suppressed = s if suppressed is None else suppressed | s
    assert comp["suppressed_input"].astype(bool).to_dict() == suppressed.to_dict()
    assert suppressed.any() == (rule == "cepal2020")  # the nchs rule keeps these regions


def test_compare_show_suppressed_prints_the_numbers_marked(tmp_path, monkeypatch):
    monkeypatch.setattr(_common.console, "width", 130)
    out = tmp_path / "cmp.csv"
    args = [
        "compare", str(demo_path()), "--wave", "wave", "--indicators", "robbery=robbery:1",
        "--by", "region", "--weight", "weight", "--strata", "stratum", "--psu", "psu",
        "--out", str(out),
    ]  # fmt: skip
    res = runner.invoke(app, [*args, "--show-suppressed", "--overwrite"])
    assert res.exit_code == 0, res.output
    comp = pd.read_csv(out)
    labels = {1: "Norte", 2: "Centro", 3: "Sur", 4: "Costa"}
    lines = res.output.splitlines()
    hidden = comp[comp["suppressed_input"]]
    assert len(hidden)
    for _, r in hidden.iterrows():
        row = next(line for line in lines if line.split() and line.split()[0] == labels[r.region])
        assert f"{100 * r.estimate:.1f}" in row and "\u2020" in row, row
        # the reason (wrapped in its cell): which wave's estimate is suppressed
        assert "caution: baseline" in row, row
    res = runner.invoke(app, [*args, "--overwrite", "--quality", "strict"])
    assert res.exit_code != 0 and "--quality 'strict'" in res.output
