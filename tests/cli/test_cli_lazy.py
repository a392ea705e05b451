"""`survey --help` lists every command without importing the command modules.

The one-line helps come from ``survey.cli.COMMANDS``; these tests keep that table equal to
what the modules register, and check that listing the commands loads neither pandas nor
matplotlib (start-up time itself is measured in benchmarks/bench_cli.py, not here).
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import typer
from typer.testing import CliRunner

from survey import cli


def _registered() -> dict[str, str]:
    """Command name -> first help line, as the modules register them."""
    out: dict[str, str] = {}
    for module in cli.COMMAND_MODULES:
        sub = typer.Typer()
        importlib.import_module(f"survey.cli.{module}").register(sub)
        for name, cmd in typer.main.get_group(sub).commands.items():
            out[name] = " ".join((cmd.help or "").strip().split("\n\n")[0].split())
    return out


def test_command_table_matches_the_modules():
    registered = _registered()
    assert set(registered) == set(cli.COMMANDS)
    for name, (module, short_help) in cli.COMMANDS.items():
        assert registered[name] == short_help, name
        assert cli.load_command(name).name == name
        assert module in cli.COMMAND_MODULES


def test_help_lists_every_command_and_loads_no_heavy_module():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from survey.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(r.output)\n"
        "print('HEAVY', sorted(m for m in ('pandas', 'matplotlib', 'scipy', 'numpy') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY []" in out
    for name in cli.COMMANDS:
        assert name in out


def test_commands_still_run_and_suggest_names():
    runner = CliRunner()
    r = runner.invoke(cli.app, ["estimate", "--help"])
    assert r.exit_code == 0 and "--by" in r.output
    r = runner.invoke(cli.app, ["estimat"])
    assert r.exit_code != 0 and "Did you mean 'estimate'" in r.output
    r = runner.invoke(cli.app, ["questionnaire", "list"])
    assert r.exit_code == 0 and "screener_household" in r.output


def test_import_survey_is_light_until_a_name_is_used():
    code = (
        "import sys, survey\n"
        "print('before', 'pandas' in sys.modules)\n"
        "from survey import Design\n"
        "print('after', 'pandas' in sys.modules, Design.__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "before False" in out and "after True survey.design" in out


def test_command_help_loads_no_heavy_module():
    """`survey estimate --help` (and the other commands' --help) build their options without
    pandas: the command modules import the heavy libraries inside the command functions."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from survey.cli import app\n"
        "for cmd in ('estimate', 'compare', 'plan', 'report', 'questionnaire'):\n"
        "    r = CliRunner().invoke(app, [cmd, '--help'])\n"
        "    assert r.exit_code == 0, r.output\n"
        "heavy = ('pandas', 'numpy', 'scipy', 'matplotlib', 'yaml', 'openpyxl', 'pingouin')\n"
        "print('HEAVY', sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY []" in out


def test_quality_rule_names_of_the_help_are_the_rules():
    from survey.cli._coerce import DEFAULT_QUALITY_RULE, QUALITY_RULES
    from survey.quality import DEFAULT_RULE, RULES

    assert QUALITY_RULES == tuple(RULES)
    assert DEFAULT_QUALITY_RULE == DEFAULT_RULE


def test_every_subpackage_is_reachable_from_a_plain_import_survey():
    """``import survey`` loads nothing heavy, yet ``survey.io.read``, ``survey.quality``,
    ``survey.sae`` ... work without importing them first (each loads on first use)."""
    code = (
        "import sys, survey\n"
        "names = ('io', 'design', 'quality', 'backends', 'sae', 'weighting', 'indicators',\n"
        "         'trust', 'compare', 'plan', 'instruments', 'plots', 'report', 'datasets',\n"
        "         'engine')\n"
        "print('light', 'pandas' not in sys.modules)\n"
        "print('subpackages', [n for n in names if getattr(survey, n).__name__ != 'survey.' + n])\n"
        "print('read', survey.io.read is survey.read)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "light True" in out and "subpackages []" in out and "read True" in out


def test_console_entry_point_collects_cycles_less_often():
    """``survey`` (the console script, one short process) raises the collector's thresholds;
    the commands run in-process (CliRunner, the API) leave the interpreter's as they are."""
    code = (
        "import gc, sys; from survey.cli import main; sys.argv = ['survey', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(gc.get_threshold(), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip().splitlines()[-1] == "(100000, 50, 100)"
    assert CliRunner().invoke(cli.app, ["--help"]).exit_code == 0
    import gc

    assert gc.get_threshold() != (100_000, 50, 100)
