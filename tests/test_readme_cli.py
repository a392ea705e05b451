"""The README's command-line block and its quoted numbers are what a pip-installed user gets.

- the demo path: ``survey/datasets/demo_survey.sav`` exists only in a source checkout; the
  README gets the bundled file's path from ``survey.datasets.demo_path()`` and the commands
  that use it run;
- ``--quality``: the README, ``--help`` and ``survey.quality.RULES`` list the same rules;
- the replicate-weights commands print the numbers quoted beside them (and equal the
  Python API's ``ReplicateDesign``);
- the small-area table is what the README's code block (and ``survey sae``) compute.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from survey.cli import app
from survey.cli._common import quality_help
from tests.conftest import realdata_file

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
runner = CliRunner()


def _cli_block() -> list[str]:
    """The commands of the 'Command line' block, continuation lines joined."""
    section = README[README.index("## Command line") :]
    body = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [ln.strip() for ln in body.replace("\\\n", " ").splitlines() if ln.strip()]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _args(line: str, **subst) -> list[str]:
    """A README command as CLI arguments: comments dropped, ``$VAR`` substituted, the
    leading ``survey`` removed."""
    line = line.split("  #")[0]
    for k, v in subst.items():
        line = line.replace(f'"${k}"', shlex.quote(str(v))).replace(f"${k}", str(v))
    args = shlex.split(line)
    assert args[0] == "survey", line
    return args[1:]


def test_demo_path_line_gives_the_bundled_file():
    lines = _cli_block()
    demo = next(ln for ln in lines if ln.startswith("DEMO="))
    snippet = re.search(r'python -c "(.*?)"', demo).group(1)
    out = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, check=True, cwd="/"
    )
    path = Path(out.stdout.strip())
    assert path.is_file() and path.name == "demo_survey.sav"
    assert not [ln for ln in lines if "survey/datasets/" in ln]  # no source-tree paths


def test_demo_commands_of_the_readme_run(tmp_path, monkeypatch):
    from survey.datasets import demo_path

    monkeypatch.chdir(tmp_path)  # as a user would, outside the repository
    lines = [ln for ln in _cli_block() if '"$DEMO"' in ln]
    assert {ln.split()[1] for ln in lines} == {"estimate", "compare"}
    for line in lines:
        res = runner.invoke(app, _args(line, DEMO=demo_path()))
        assert res.exit_code == 0, (line, res.output)
    assert (tmp_path / "results.xlsx").exists() and (tmp_path / "change.xlsx").exists()


def test_quality_rules_are_one_list():
    from survey.quality import DEFAULT_RULE, RULES

    para = _one_line(README[README.index("Rules (`quality=`") :][:700])
    listed = para[: para.index("or a dict")]
    named = re.findall(r"`(\w+)`", listed)
    assert [n for n in named if n in RULES or n.startswith(("cepal", "ine_", "nchs"))] == list(
        RULES
    )
    assert f"`{DEFAULT_RULE}` (default)" in para
    from survey.cli import load_command

    for command in ("estimate", "indicators"):
        opt = next(p for p in load_command(command).params if p.name == "quality")
        assert opt.help == quality_help()
    assert quality_help() == (
        "Reliability rule: cepal2020 (default), cepal2020_symmetric, cepal2023, ine_chile2020, nchs"
    )


def test_replicate_weight_commands_print_the_quoted_numbers(tmp_path, monkeypatch):
    from survey import ReplicateDesign

    monkeypatch.chdir(tmp_path)
    weight_line = next(ln for ln in _cli_block() if ln.startswith("survey weight example"))
    estimate_line = next(ln for ln in _cli_block() if "--replicates w.replicates.json" in ln)
    res = runner.invoke(app, _args(weight_line))
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, _args(estimate_line), terminal_width=200)
    assert res.exit_code == 0, res.output
    quoted = re.search(r"# y ([\d.]+) \(([\d.]+) - ([\d.]+)\), (\w+)", estimate_line)
    est, lo, hi, flag = quoted.groups()
    out = _one_line(res.output)
    # one table (wide terminals) or the compact per-variable layout (under 100 columns)
    assert re.search(rf"{re.escape(est)} (│ )?\s*{re.escape(lo)} – {re.escape(hi)}", out)
    assert flag in out and "suppressed" not in out
    # the printed figure is the Python API's ReplicateDesign mean
    data = pd.read_parquet(tmp_path / "w.parquet")
    spec = json.loads((tmp_path / "w.replicates.json").read_text())
    r = ReplicateDesign(data, **spec).mean("y", quality=None)
    assert f"{r['estimate'].iloc[0]:.2f}" == est
    assert (f"{r['ci_low'].iloc[0]:.2f}", f"{r['ci_high'].iloc[0]:.2f}") == (lo, hi)
    # and the README's explanation of --by region holds: every cell suppressed, n 62-82
    by = runner.invoke(app, [*_args(estimate_line), "--by", "region"], terminal_width=200)
    assert by.exit_code == 0
    byr = ReplicateDesign(data, **spec).mean("y", by="region")
    assert (byr["reliability"] == "suppress").all()
    assert (byr["n"].min(), byr["n"].max()) == (62, 82)
    assert "62-82 respondents" in _one_line(README)


@pytest.mark.realdata
def test_small_area_table_is_what_the_block_computes(monkeypatch):
    path = realdata_file("enusc/enusc_2023_subset.csv.gz")
    section = README[README.index("## Small areas") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    rows = {
        m.group(1): [c.strip() for c in m.group(2).split("|")]
        for m in re.finditer(r"^\| `(VH_D\w)` [^|]*\|(.*)\|$", section, re.M)
    }
    assert set(rows) == {"VH_DC", "VH_DV"}
    for variable, cells in rows.items():
        ns: dict = {}
        block = code.replace("../shared/realdata/enusc/enusc_2023_subset.csv.gz", str(path))
        block = block.replace('"VH_DV"', f'"{variable}"')
        exec(compile(block, "README.md", "exec"), ns)  # noqa: S102 - our own documentation
        direct = ns["direct"]
        est, adj = ns["fit"].estimates, ns["adjustment"]
        n = len(est)
        ok, dcv, fcv, med, ratio = cells
        assert ok == f"{(direct['reliability'] == 'reliable').sum()} of {n}"
        assert dcv == str((direct["cv"] <= 0.2).sum())
        good = int((est["cv"] <= 0.2).sum())
        before = ns["sae"].fh(
            direct, ns["communes"], categorical=["enc_region"], method="REML",
            unstable="synthetic",
        )  # fmt: skip
        n_before = int((before.estimates["cv"] <= 0.2).sum())
        assert fcv == f"{good} ({100 * good / n:.0f}%) ({n_before})"
        assert med == (
            f"{100 * np.median(direct['cv'].dropna()):.1f}% / {100 * est['cv'].median():.1f}%"
        )
        assert ratio == f"{adj['adjustment'].min():.3f} - {adj['adjustment'].max():.3f}"
