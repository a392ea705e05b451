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


def _weighted_share(data, item, weight, **where):
    rows = data[item].isin([0, 1])
    for col, value in where.items():
        rows &= data[col] == value
    return np.average(data.loc[rows, item] == 1, weights=data.loc[rows, weight])


@pytest.mark.realdata
def test_enusc_indicators_line_runs_as_written(tmp_path, monkeypatch):
    """The README's `survey indicators ... --crosswalk enusc_2019 --by territory` line on the
    real ENUSC 2019 SPSS file: it runs, the domain column is headed "Región" (the file's
    variable label) on the terminal and in the table, the xlsx starts with the national
    total, and the household prevalence equals INE's VA_DC weighted by Fact_Hog, computed
    from the CSV version of the same rows. A name the crosswalk renamed is pointed to."""
    path = realdata_file("enusc/enusc_2019_subset.sav")
    monkeypatch.chdir(tmp_path)
    line = next(ln for ln in _cli_block() if "--crosswalk enusc_2019" in ln)
    args = _args(line.replace("enusc_2019_subset.sav", str(path)))
    res = runner.invoke(app, args, terminal_width=120)
    assert res.exit_code == 0, res.output
    heads = [ln.split()[0] for ln in res.output.splitlines() if "Category" in ln]
    assert heads and set(heads) == {"Región"} and "territory" not in res.output
    assert "National total" not in res.output  # the xlsx holds it (README: Publication tables)
    csv = pd.read_csv(realdata_file("enusc/enusc_2019_subset.csv.gz"))
    tarapaca = 100 * _weighted_share(csv, "VA_DC", "Fact_Hog", enc_region=1)
    assert re.search(rf"Región de\s+Any crime\s+{tarapaca:.2f}\s", res.output)
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "table.xlsx")
    ws = wb["table"]
    assert ws["A3"].value == "Región" and ws["A4"].value == "National total"
    national = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] == "National total"]
    hh = next(r for r in national if r[1] == "Household victimisation prevalence")
    assert hh[3] == pytest.approx(100 * _weighted_share(csv, "VA_DC", "Fact_Hog"), abs=0.05)
    tidy = pd.DataFrame(wb["indicators"].values)
    tidy = tidy[1:].set_axis(list(tidy.iloc[0]), axis=1)
    row = tidy[(tidy["indicator"] == "prevalence_household") & (tidy["territory"] == 1)]
    assert float(row["estimate"].iloc[0]) == pytest.approx(tarapaca, rel=1e-10)
    # --by region: no such column; the error names the file's enc_region and its new name
    bad = [a if a != "territory" else "region" for a in args]
    bad[bad.index("--out") + 1] = "other.xlsx"
    res = runner.invoke(app, bad, terminal_width=400)
    assert res.exit_code != 0
    assert "'region' (did you mean 'enc_region' (harmonised as 'territory')?)" in res.output
    assert "enc_region -> territory (--by takes either name)" in res.output
    # and without the lonely-PSU rule the run stops naming the stratum the README names
    i = args.index("--lonely-psu")
    res = runner.invoke(app, [*args[:i], *args[i + 2 :], "--overwrite"], terminal_width=400)
    assert res.exit_code != 0 and "20191069" in res.output and "20191069" in README


def test_burglary_by_region_numbers_of_the_readme(tmp_path, monkeypatch):
    """The README's two burglary figures for Norte: `survey estimate` with the person weight
    (0.1319) and `survey indicators` with the household weight (12.78%), each as the
    command prints it and equal to the weighted share of the demo file's column."""
    import survey
    from survey.datasets import demo_crosswalk_path, demo_path

    monkeypatch.chdir(tmp_path)
    text = _one_line(README)
    raw = survey.read(demo_path()).data
    yes = raw.assign(burglary=raw["burglary"].map({1: 1, 2: 0}))
    person = _weighted_share(yes, "burglary", "weight", region=1)
    household = _weighted_share(yes, "burglary", "hh_weight", region=1)
    assert f"burglary in Norte {person:.4f}" in text
    assert f"Norte {100 * household:.2f}% of households" in text
    line = next(ln for ln in _cli_block() if ln.startswith('survey estimate "$DEMO"'))
    args = [a for a in _args(line, DEMO=demo_path()) if a not in ("--out", "results.xlsx")]
    res = runner.invoke(app, args, terminal_width=200)
    assert res.exit_code == 0, res.output
    assert re.search(rf"Norte\s+│?\s*Yes\s+│?\s*{person:.4f}", res.output)
    hh = [*args, "--weight", "hh_weight"]
    res = runner.invoke(app, hh, terminal_width=200)
    assert re.search(rf"Norte\s+│?\s*Yes\s+│?\s*{household:.4f}", res.output)
    res = runner.invoke(
        app,
        ["indicators", str(demo_path()), "--crosswalk", str(demo_crosswalk_path()), "--by",
         "territory", "--indicator", "prevalence_household"],
        terminal_width=200,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    heads = [ln.split()[0] for ln in res.output.splitlines() if "Category" in ln]
    assert heads == ["Region"]  # the file's variable label, not "territory"
    # a misspelt domain (no CSV or SPSS needed): the file's column and its standard name
    bad = [
        "indicators",
        str(demo_path()),
        "--crosswalk",
        str(demo_crosswalk_path()),
        "--by",
        "regions",
    ]
    err = runner.invoke(app, bad, terminal_width=400)
    assert err.exit_code != 0
    assert "'regions' (did you mean 'region' (harmonised as 'territory')?)" in err.output
    assert "psu -> psu" not in err.output  # only the columns renamed are listed
    assert re.search(rf"Norte\s+Burglary\s+{100 * household:.2f}\s", res.output)
