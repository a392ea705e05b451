"""Command-line interface: a thin Typer shell over the Python API.

Each command group lives in its own module ``survey/cli/<name>.py`` exposing
``register(app)``. :data:`COMMANDS` names every top-level command, the module that
registers it and the one line ``survey --help`` shows for it, so that ``survey --help``
imports no command module (pandas, scipy and matplotlib load only when a command runs:
``survey --help`` in ~0.2 s instead of ~2-3 s). A command module is imported when its
command is invoked (``survey estimate ...`` or ``survey estimate --help``).
``tests/cli/test_cli_lazy.py`` checks that this table matches what the modules register.
"""

from __future__ import annotations

import importlib

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

#: command -> (module in survey.cli, one-line help shown by ``survey --help``), in the
#: order ``survey --help`` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "demo",
        "Read -> harmonise -> weight -> indicators -> compare -> figures -> report on demo data.",
    ),
    "describe": (
        "describe",
        "Variables, labels, value labels, user-missing codes and counts of a data file.",
    ),
    "estimate": (
        "estimate",
        "Weighted estimates with standard errors and confidence intervals, by domain.",
    ),
    "indicators": (
        "indicators",
        "Victimisation, fear and trust indicators with CIs, CVs and reliability flags.",
    ),
    "compare": (
        "compare",
        "Design-based change between two surveys, with tests, flags and (with --group) DiD.",
    ),
    "weight": (
        "weight",
        "Weight DATA as SPEC says and write the data with the new weight column to OUT.",
    ),
    "harmonize": (
        "harmonize",
        "Map a published survey onto the standard items (codes read from value labels when present).",
    ),
    "select": (
        "plan",
        "Select PSUs by stratified PPS (--size) or households within PSUs (--psu).",
    ),
    "report": (
        "report",
        "Run a report spec: estimates, comparisons, figures, tables and report.html.",
    ),
    "questionnaire": (
        "questionnaire",
        "Standard questionnaires: list, show, build, export, validate.",
    ),
    "plan": (
        "plan",
        "Plan a survey: sample size, minimum detectable effect and power, stratum allocation.",
    ),
    "sae": ("sae", "Small-area (Fay-Herriot) estimates with MSE, by commune or neighbourhood."),
}

#: The command modules, in first-use order (kept for code that iterates over them).
COMMAND_MODULES = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))


def load_command(name: str):
    """The real click command ``name``: imports its module and lets it register."""
    module, _ = COMMANDS[name]
    sub = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False)
    importlib.import_module(f"{__name__}.{module}").register(sub)
    group = typer.main.get_group(sub)
    command = group.commands[name]
    _reflow_help(command)
    _tidy_options(command)
    return command


def _reflow_help(command) -> None:
    """Join the lines of each prose paragraph of a command's help (and its subcommands'):
    typer's rich help keeps a docstring's line breaks, so a paragraph wrapped at 88 columns
    in the source came out broken mid-sentence on an 80-column terminal. Paragraphs that are
    lists, examples or indented blocks keep their lines."""
    import inspect

    if command.help:
        paragraphs = inspect.cleandoc(command.help).split("\n\n")
        out = []
        for para in paragraphs:
            lines = para.split("\n")
            keep = para.startswith("\b") or any(
                ln.startswith((" ", "-", "*", "survey ", "$", ">")) for ln in lines
            )
            out.append(para if keep else " ".join(ln.strip() for ln in lines))
        command.help = "\n\n".join(out)
    for sub in getattr(command, "commands", {}).values():
        _reflow_help(sub)


def _tidy_options(command) -> None:
    """Make a command's options readable on an 80-column terminal (and its subcommands').

    - A choice list in an option's help (``fail|certainty|adjust``) gets spaces around its
      bars: rich wraps at spaces only, and cut the unbroken list with an ellipsis, hiding
      the allowed values.
    - A flag that is off by default is just the flag (``--nest``, ``--overwrite``): its
      ``--no-`` twin did nothing and took a column of every options table.
    """
    import re

    for param in command.params:
        if not isinstance(param, TyperOption):
            continue
        if param.is_flag and param.default is False and param.secondary_opts:
            param.secondary_opts = []
        if param.help:
            param.help = re.sub(r"(?<=[\w\])])\|(?=[\w\[(-])", " | ", param.help)
    for sub in getattr(command, "commands", {}).values():
        _tidy_options(sub)


class _Placeholder(TyperCommand):
    """Stands for a command in ``survey --help`` without importing its module (a
    TyperCommand, so it is of the click that typer uses: typer >= 0.17 vendors its own)."""


class LazyGroup(TyperGroup):
    """The top-level group: lists :data:`COMMANDS` from the table, loads one on use."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, (_, short_help) in COMMANDS.items():
            self.commands.setdefault(name, _Placeholder(name, short_help=short_help))

    def get_command(self, ctx, cmd_name: str):
        cmd = self.commands.get(cmd_name)
        if isinstance(cmd, _Placeholder) and not _listing_help(ctx):
            cmd = self.commands[cmd_name] = load_command(cmd_name)
        return cmd

    def format_help(self, ctx, formatter) -> None:
        ctx.meta["survey.listing_help"] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta["survey.listing_help"] = False


def _listing_help(ctx) -> bool:
    """True while ``survey --help`` (or a bare ``survey``) is being formatted."""
    return bool(ctx.meta.get("survey.listing_help"))


app = typer.Typer(
    name="survey",
    cls=LazyGroup,
    help="Design-based estimates for victimisation, fear-of-crime and trust surveys.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root() -> None:
    """Design-based estimates for victimisation, fear-of-crime and trust surveys."""
    import warnings

    warnings.showwarning = _show_warning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as a reader wants them on the terminal: the message, not a source line.

    The package's warnings already name the variable, domain and remedy; the file:line of
    the code that raised them means nothing to an analyst."""
    from rich.markup import escape

    from survey.cli._common import err_console

    err_console.print(f"[yellow]warning:[/] {escape(str(message))}", soft_wrap=True)


def main() -> None:  # console-script entry point
    import gc

    # one command is one short process: collect reference cycles less often. With the
    # default thresholds the ~250k objects that pandas, scipy and matplotlib create when
    # imported are scanned again by ~5 full collections (~0.4 s of a `survey demo`);
    # garbage cycles are still collected, after 100k new objects instead of 700
    gc.set_threshold(100_000, 50, 100)
    app()
